//! The LDS1 elementary files of an ICAO 9303 chip (Doc 9303 Part 10 §4): encoders for what the
//! station writes and parsers for what it reads back.
//!
//! Sans I/O and deterministic. Parsers take untrusted bytes from a chip: they never panic,
//! never recurse into the input, allocate at most the size of their input, and return typed
//! errors. All BER-TLV work goes through [`iso7816::tlv`].

mod biometric;
mod com;
pub mod dg13;
mod files;

pub use biometric::{encode_dg2, encode_dg3, parse_dg2, parse_dg3};
pub use com::Com;
pub use dg13::{encode_dg13, parse_dg13, Dg13};
pub use files::{
    encode_dg1, encode_dg14, encode_dg15, encode_sod, file_length_from_header, parse_dg1,
    parse_dg14, parse_dg15, parse_sod,
};

use iso7816::tlv::TlvError;

/// Why a file could not be parsed or encoded. `file` names the file ("EF.COM", "DG2", ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LdsError {
    #[error("{file}: {source}")]
    Tlv {
        file: &'static str,
        source: TlvError,
    },
    #[error("{file}: biometric record: {source}")]
    Record {
        file: &'static str,
        source: iso19794::RecordError,
    },
    #[error("EF.COM: {0} must be {1} decimal digits")]
    ComVersion(&'static str, usize),
    #[error("EF.COM: tag {0:02X} in the tag list is not a data group")]
    UnknownDataGroupTag(u8),
    #[error("EF.COM: {0} listed twice")]
    DuplicateDataGroup(DataGroup),
    #[error("DG1: the MRZ must be 90 (TD1), 72 (TD2) or 88 (TD3) characters of A-Z, 0-9 and <")]
    Mrz,
    #[error("{file}: no biometric template")]
    NoTemplates { file: &'static str },
    #[error("{file}: more than 255 biometric templates")]
    TooManyTemplates { file: &'static str },
    #[error("{file}: the group says {declared} templates and holds {found}")]
    TemplateCount {
        file: &'static str,
        declared: usize,
        found: usize,
    },
    #[error("{file}: {what} missing")]
    Missing {
        file: &'static str,
        what: &'static str,
    },
    #[error("{file}: enciphered biometric data (7F2E) is not supported")]
    Enciphered { file: &'static str },
    #[error("{file}: biometric type {found:X} is not the one this data group holds")]
    BiometricType { file: &'static str, found: u32 },
    #[error("{file}: biometric format owner {owner:04X} type {format:04X} is not supported")]
    BiometricFormat {
        file: &'static str,
        owner: u32,
        format: u32,
    },
    #[error("{file}: {what} is not a valid INTEGER")]
    Integer {
        file: &'static str,
        what: &'static str,
    },
    #[error("DG13: field {id}: {why}")]
    Dg13Field { id: u8, why: &'static str },
    #[error("{file}: content is not a single DER element with tag {expected:02X}")]
    Content { file: &'static str, expected: u32 },
}

/// Attaches the file name to a TLV error.
pub(crate) trait In<T> {
    fn file(self, file: &'static str) -> Result<T, LdsError>;
}

impl<T> In<T> for Result<T, TlvError> {
    fn file(self, file: &'static str) -> Result<T, LdsError> {
        self.map_err(|source| LdsError::Tlv { file, source })
    }
}

/// Data groups 1–16 with their tags, file identifiers and short EF identifiers
/// (9303-10 §4.6, Table 33 "LDS1 data groups").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataGroup {
    Dg1 = 1,
    Dg2,
    Dg3,
    Dg4,
    Dg5,
    Dg6,
    Dg7,
    Dg8,
    Dg9,
    Dg10,
    Dg11,
    Dg12,
    Dg13,
    Dg14,
    Dg15,
    Dg16,
}

impl std::fmt::Display for DataGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl DataGroup {
    pub const ALL: [DataGroup; 16] = [
        DataGroup::Dg1,
        DataGroup::Dg2,
        DataGroup::Dg3,
        DataGroup::Dg4,
        DataGroup::Dg5,
        DataGroup::Dg6,
        DataGroup::Dg7,
        DataGroup::Dg8,
        DataGroup::Dg9,
        DataGroup::Dg10,
        DataGroup::Dg11,
        DataGroup::Dg12,
        DataGroup::Dg13,
        DataGroup::Dg14,
        DataGroup::Dg15,
        DataGroup::Dg16,
    ];
    /// Tags of DG1..DG16 (9303-10 Table 33): note DG2 is 75 and DG4 is 76.
    const TAGS: [u8; 16] = [
        0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
        0x70,
    ];
    const NAMES: [&'static str; 16] = [
        "DG1", "DG2", "DG3", "DG4", "DG5", "DG6", "DG7", "DG8", "DG9", "DG10", "DG11", "DG12",
        "DG13", "DG14", "DG15", "DG16",
    ];

    fn index(self) -> usize {
        self as usize - 1
    }
    pub fn number(self) -> u8 {
        self as u8
    }
    pub fn from_number(n: u8) -> Option<DataGroup> {
        DataGroup::ALL.get(usize::from(n).wrapping_sub(1)).copied()
    }
    /// The one-byte tag of the file's outer data object.
    pub fn tag(self) -> u32 {
        DataGroup::TAGS[self.index()].into()
    }
    pub fn from_tag(tag: u32) -> Option<DataGroup> {
        DataGroup::TAGS
            .iter()
            .position(|t| u32::from(*t) == tag)
            .and_then(|i| DataGroup::ALL.get(i).copied())
    }
    /// File identifier 0101..0110.
    pub fn fid(self) -> u16 {
        0x0100 | u16::from(self.number())
    }
    /// Short EF identifier 01..10 (for READ BINARY with P1 = 80 | SFI).
    pub fn short_ef_id(self) -> u8 {
        self.number()
    }
    /// "DG1".."DG16".
    pub fn name(self) -> &'static str {
        DataGroup::NAMES[self.index()]
    }
}

/// The LDS1 elementary files: EF.COM, EF.SOD and the data groups (9303-10 §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LdsFile {
    Com,
    Sod,
    Dg(DataGroup),
}

impl LdsFile {
    /// EF.COM 011E, EF.SOD 011D, DGn 01nn.
    pub fn fid(self) -> u16 {
        match self {
            LdsFile::Com => 0x011E,
            LdsFile::Sod => 0x011D,
            LdsFile::Dg(d) => d.fid(),
        }
    }
    /// EF.COM 60, EF.SOD 77, DGn as [`DataGroup::tag`].
    pub fn tag(self) -> u32 {
        match self {
            LdsFile::Com => 0x60,
            LdsFile::Sod => 0x77,
            LdsFile::Dg(d) => d.tag(),
        }
    }
    /// EF.COM 1E, EF.SOD 1D, DGn nn.
    pub fn short_ef_id(self) -> u8 {
        match self {
            LdsFile::Com => 0x1E,
            LdsFile::Sod => 0x1D,
            LdsFile::Dg(d) => d.short_ef_id(),
        }
    }
    pub fn from_tag(tag: u32) -> Option<LdsFile> {
        match tag {
            0x60 => Some(LdsFile::Com),
            0x77 => Some(LdsFile::Sod),
            t => DataGroup::from_tag(t).map(LdsFile::Dg),
        }
    }
    pub fn from_fid(fid: u16) -> Option<LdsFile> {
        match fid {
            0x011E => Some(LdsFile::Com),
            0x011D => Some(LdsFile::Sod),
            0x0101..=0x0110 => DataGroup::from_number(fid as u8).map(LdsFile::Dg),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            LdsFile::Com => "EF.COM",
            LdsFile::Sod => "EF.SOD",
            LdsFile::Dg(d) => d.name(),
        }
    }
}
