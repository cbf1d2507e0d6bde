//! The chip path, terminal side (the station's half of ICAO 9303):
//!
//! - [`document`] builds a card's LDS from a citizen record, portrait and fingerprints and
//!   signs EF.SOD;
//! - [`personalize`] writes it onto a blank chip with the firmware profile's commands, locks the
//!   chip, then reads it back and verifies it before calling the card issued;
//! - [`read`] reads any ICAO 9303 chip through BAC and 3DES secure messaging and runs passive
//!   and active authentication.
//!
//! Everything goes through [`cardreader::CardTransport`], so the same code drives a real PC/SC
//! reader, the vpcd virtual card and an in-process chip emulator.

pub mod document;
pub mod personalize;
pub mod read;
pub mod session;

pub use document::{build, Biometrics, CardFile, Document};
pub use personalize::{personalize, IssueReport, PersonalizeError, Step};
pub use read::{read_card, Check, CheckKind, CheckOutcome, ReadOptions, Reading, Verdict};

use cardreader::TransportError;
use iso7816::StatusWord;

/// Why talking to the chip failed. Messages say it in Vietnamese, then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChipError {
    #[error("{0}")]
    Transport(#[from] TransportError),
    #[error("thẻ trả lời {sw} ({vi}) cho lệnh {command} / the card answered {sw} ({en}) to {command}", vi = sw.meaning_vi(), en = sw.meaning_en())]
    Status {
        command: &'static str,
        sw: StatusWord,
    },
    #[error("xác thực BAC thất bại: số thẻ, ngày sinh hoặc ngày hết hạn không khớp với chip / BAC failed: the document number, birth or expiry date does not match the chip")]
    BacRejected,
    #[error("kênh bảo mật bị lỗi: {0} / secure messaging failed: {0}")]
    SecureMessaging(String),
    #[error("dữ liệu trên chip không hợp lệ: {0} / the chip's data is malformed: {0}")]
    Malformed(String),
    #[error("dữ liệu đầu vào không hợp lệ: {0} / invalid input: {0}")]
    Input(String),
}

impl ChipError {
    /// Whether the card left the reader (or its session), as opposed to answering wrongly.
    pub fn card_gone(&self) -> bool {
        matches!(self, ChipError::Transport(t) if t.card_gone())
    }
}
