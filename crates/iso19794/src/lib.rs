//! Biometric data interchange records for the chip's DG2 and DG3, in the editions ICAO 9303-10
//! §4.7.2–4.7.3 names: ISO/IEC 19794-5:2005 face image records and ISO/IEC 19794-4:2005 finger
//! image records.
//!
//! Sans I/O and deterministic. Parsers take untrusted bytes (a chip's files, an operator's image
//! files): they never panic, never recurse, and allocate at most the size of their input.

mod face;
mod finger;
mod image;

pub use face::{FaceImage, FaceImageType, FaceRecord, FeaturePoint, Gender, ImageDataType};
pub use finger::{Compression, FingerImage, FingerPosition, FingerRecord};
pub use image::{jpeg_info, png_info, ImageError, JpegInfo, PngInfo};

/// Why a record could not be parsed or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record truncated at byte {0}")]
    Truncated(usize),
    #[error("not an {0} record (bad format identifier)")]
    BadMagic(&'static str),
    #[error("unsupported record version {0:02X?} (only \"010\\0\", the 2005 edition)")]
    Version([u8; 4]),
    #[error("record length field says {declared} bytes, the record has {actual}")]
    Length { declared: u64, actual: usize },
    #[error("block {index} declares {declared} bytes, which does not fit the record")]
    BlockLength { index: usize, declared: u64 },
    #[error("a record needs at least one image")]
    NoImages,
    #[error("too many {what} (at most {max})")]
    TooMany { what: &'static str, max: usize },
    #[error("record too large for its length field")]
    TooLarge,
    #[error("{0} does not fit its field")]
    OutOfRange(&'static str),
    #[error("finger position code {0} is not a single finger (ISO/IEC 19794-4 codes 0-10)")]
    FingerPosition(u8),
    #[error("finger image quality {0} is outside 0-100")]
    Quality(u8),
    #[error("image: {0}")]
    Image(#[from] ImageError),
}

/// Big-endian reader over untrusted bytes; every read is bounds-checked.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let s = self
            .pos
            .checked_add(n)
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or(RecordError::Truncated(self.data.len()))?;
        self.pos += n;
        Ok(s)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, RecordError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    /// An unsigned big-endian integer of `n` ≤ 8 bytes.
    pub(crate) fn uint(&mut self, n: usize) -> Result<u64, RecordError> {
        Ok(self
            .bytes(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }
}

/// Appends the low `n` bytes of `v`, big-endian.
pub(crate) fn put_uint(out: &mut Vec<u8>, v: u64, n: usize) {
    out.extend_from_slice(&v.to_be_bytes()[8 - n..]);
}
