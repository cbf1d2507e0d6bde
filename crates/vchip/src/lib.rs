//! A blank contactless ID chip, emulated without I/O: it runs one firmware profile
//! (`firmware-profiles/*.toml`) the way the JMRTD passport applet and ICAO 9303-11 chips
//! behave: personalization commands until it is locked, then only the issued view — SELECT
//! of the LDS1 application, Basic Access Control and READ BINARY / INTERNAL AUTHENTICATE
//! under 3DES secure messaging.
//!
//! The personalization commands are matched against the profile's byte templates
//! ([`profiles::Command::matches`]), so a new profile file drives the chip without new code.
//!
//! [`InProcessCard`] plugs a chip straight into [`cardreader::CardTransport`] with fault
//! injection ([`Faults`]) shared with the `vcard` binary (the same chip behind pcscd/vpcd).
//! [`VirtualChip::to_bytes`] / [`VirtualChip::from_bytes`] persist a written card.

mod chip;
mod store;
mod transport;

pub use chip::VirtualChip;
pub use store::VchipError;
pub use transport::{parse_sw_at, FaultAction, Faults, InProcessCard};
