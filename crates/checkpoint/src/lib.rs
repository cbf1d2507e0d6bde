//! Checkpoint mode: verifying a presented citizen card.
//!
//! 1. [`CardQr::parse`] reads the QR code printed on the card (decoded from a frame by the
//!    `qr` crate) into its seven fields, or says which field is wrong;
//! 2. [`AccessKey`] makes the BAC key from it (the expiry from the profile's rule) or from
//!    typed data;
//! 3. [`verify`] reads the chip (`chip::read_card`: BAC, passive authentication against the
//!    trust store's CSCAs and CRLs, Active Authentication), compares the chip's fields with
//!    the claim, and lists every [`Alert`].
//!
//! No I/O of its own: the card comes in as a [`cardreader::CardTransport`].

pub mod access;
pub mod card_qr;
pub mod verify;

pub use access::{parse_typed_date, AccessKey, AccessKeyError};
pub use card_qr::{CardQr, QrDataError, QR_FIELDS};
pub use verify::{
    describe_code, verify, Alert, Claim, Comparison, Verification, MAX_ID_NUMBER_BYTES,
    MAX_NAME_BYTES,
};
