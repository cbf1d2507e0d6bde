//! Biometric data interchange records for the chip's DG2 and DG3: ISO/IEC 19794-5:2005 face
//! image records and ISO/IEC 19794-4:2005 finger image records. Parsers take untrusted bytes.

mod face;
mod finger;
mod image;

pub use face::{FaceImage, FaceImageType, FaceRecord, FeaturePoint, Gender, ImageDataType};
pub use finger::{Compression, FingerImage, FingerPosition, FingerRecord};
pub use image::{jpeg_dimensions, png_info, PngInfo};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record truncated at byte {0}")]
    Truncated(usize),
    #[error("not a {0} record (bad format identifier)")]
    BadMagic(&'static str),
    #[error("unsupported record version {0:?}")]
    Version(String),
    #[error("record length field says {declared} bytes, the record has {actual}")]
    Length { declared: usize, actual: usize },
    #[error("{0}")]
    Invalid(String),
    #[error("image: {0}")]
    Image(String),
}

/// Big-endian reader over untrusted bytes.
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
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or(RecordError::Truncated(self.pos))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(self.bytes(1)?[0])
    }
    pub(crate) fn uint(&mut self, n: usize) -> Result<u64, RecordError> {
        Ok(self
            .bytes(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | *b as u64))
    }
    pub(crate) fn u16(&mut self) -> Result<u16, RecordError> {
        Ok(self.uint(2)? as u16)
    }
}

pub(crate) fn put_uint(out: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n).rev() {
        out.push((v >> (8 * i)) as u8);
    }
}
