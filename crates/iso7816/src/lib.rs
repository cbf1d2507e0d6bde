//! ISO/IEC 7816-4 building blocks, sans I/O: command and response APDUs (short and
//! extended length, §5.1), status words (§5.6) and BER-TLV data objects (§5.2 / ISO/IEC 8825-1).
//!
//! Everything a card or a file sends is untrusted: parsers here return typed errors and never
//! panic, recurse without bound, or allocate more than their input.

pub mod apdu;
pub mod sw;
pub mod tlv;

pub use apdu::{ApduError, CommandApdu, ResponseApdu};
pub use sw::StatusWord;
pub use tlv::{Tlv, TlvError, TlvReader};
