//! BER-TLV data objects as ISO/IEC 7816-4 §5.2 and ICAO 9303-10 use them.
//!
//! The reader is zero-copy and never recurses: a caller descends into a constructed object by
//! asking for its children, so nesting depth, element count and allocation are bounded by the
//! caller's code, not by the input. (The `iso7816-tlv` crate parses recursively and recomputes
//! lengths per child, which lets a crafted 64 KB file overflow the stack or take quadratic time;
//! files read from a chip are untrusted, hence this module.)

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("data object truncated at byte {0}")]
    Truncated(usize),
    #[error("tag longer than three bytes at byte {0}")]
    TagTooLong(usize),
    #[error("unsupported length encoding at byte {0}")]
    BadLength(usize),
    #[error("expected tag {expected:X}, found {found:X}")]
    UnexpectedTag { expected: u32, found: u32 },
    #[error("tag {0:X} missing")]
    Missing(u32),
    #[error("{0} bytes after the last data object")]
    TrailingBytes(usize),
}

/// One data object borrowed from its input: `raw` is tag, length and value together.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

impl fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tlv({:X}, {} bytes)", self.tag, self.value.len())
    }
}

impl<'a> Tlv<'a> {
    /// Bit 6 of the first tag byte: the value is itself a sequence of data objects.
    pub fn is_constructed(&self) -> bool {
        first_tag_byte(self.tag) & 0x20 != 0
    }
    /// Reader over the data objects inside the value.
    pub fn children(&self) -> TlvReader<'a> {
        TlvReader::new(self.value)
    }
    /// Checks the tag and returns self, for chained parsing.
    pub fn expect_tag(self, tag: u32) -> Result<Self, TlvError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(TlvError::UnexpectedTag {
                expected: tag,
                found: self.tag,
            })
        }
    }
    /// First child with `tag`, searching one level down.
    pub fn child(&self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        self.children().find_tag(tag)
    }
}

fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    bytes.iter().copied().find(|b| *b != 0).unwrap_or(0)
}

/// Iterates over consecutive data objects in a byte string.
#[derive(Clone)]
pub struct TlvReader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> TlvReader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        TlvReader { input, pos: 0 }
    }
    pub fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }
    pub fn remaining(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }

    /// Reads the next data object; `Ok(None)` at the end of input.
    pub fn read(&mut self) -> Result<Option<Tlv<'a>>, TlvError> {
        if self.is_empty() {
            return Ok(None);
        }
        let start = self.pos;
        let rest = self.remaining();
        let header = parse_header(rest).map_err(|e| e.offset_by(start))?;
        let end = header
            .header_len
            .checked_add(header.value_len)
            .filter(|end| *end <= rest.len())
            .ok_or(TlvError::Truncated(start + rest.len()))?;
        self.pos = start + end;
        Ok(Some(Tlv {
            tag: header.tag,
            value: &rest[header.header_len..end],
            raw: &rest[..end],
        }))
    }

    /// Reads the next data object, which must exist and carry `tag`.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        match self.read()? {
            Some(t) => t.expect_tag(tag),
            None => Err(TlvError::Missing(tag)),
        }
    }

    /// Reads the next data object if it carries `tag`; leaves the reader untouched otherwise.
    pub fn optional(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        let save = self.pos;
        match self.read()? {
            Some(t) if t.tag == tag => Ok(Some(t)),
            _ => {
                self.pos = save;
                Ok(None)
            }
        }
    }

    /// First remaining data object with `tag` (skipping others).
    pub fn find_tag(mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        while let Some(t) = self.read()? {
            if t.tag == tag {
                return Ok(t);
            }
        }
        Err(TlvError::Missing(tag))
    }

    /// Fails when bytes are left over.
    pub fn finish(&self) -> Result<(), TlvError> {
        match self.remaining().len() {
            0 => Ok(()),
            n => Err(TlvError::TrailingBytes(n)),
        }
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, TlvError>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.read() {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => None,
            Err(e) => {
                // Stop after the first error so a loop over a bad input terminates.
                self.pos = self.input.len();
                Some(Err(e))
            }
        }
    }
}

/// Tag and lengths read from the start of a data object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub tag: u32,
    pub header_len: usize,
    pub value_len: usize,
}

impl Header {
    pub fn total_len(&self) -> usize {
        self.header_len + self.value_len
    }
}

impl TlvError {
    fn offset_by(self, n: usize) -> Self {
        match self {
            TlvError::Truncated(p) => TlvError::Truncated(p + n),
            TlvError::TagTooLong(p) => TlvError::TagTooLong(p + n),
            TlvError::BadLength(p) => TlvError::BadLength(p + n),
            other => other,
        }
    }
}

/// Parses tag and length at the start of `input` without needing the value: this is how a
/// reader learns an EF's size from its first bytes (ICAO 9303-10 §3.6 reads 4–6 bytes first).
pub fn parse_header(input: &[u8]) -> Result<Header, TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated(0))?;
    let mut tag = first as u32;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes: bit 8 set means another byte follows (ISO/IEC 7816-4 §5.2.2.1).
        loop {
            let b = *input.get(i).ok_or(TlvError::Truncated(i))?;
            tag = (tag << 8) | b as u32;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 3 {
                return Err(TlvError::TagTooLong(0));
            }
        }
    }
    let l0 = *input.get(i).ok_or(TlvError::Truncated(i))?;
    i += 1;
    let value_len = match l0 {
        0x00..=0x7F => l0 as usize,
        0x81..=0x83 => {
            let n = (l0 & 0x7F) as usize;
            let bytes = input
                .get(i..i + n)
                .ok_or(TlvError::Truncated(input.len()))?;
            i += n;
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
        }
        // 80 (indefinite) is not allowed in DER or by ICAO; 84+ exceed any file a chip holds.
        _ => return Err(TlvError::BadLength(i - 1)),
    };
    Ok(Header {
        tag,
        header_len: i,
        value_len,
    })
}

/// Parses exactly one data object spanning all of `input`, with the given tag.
pub fn parse_exact(input: &[u8], tag: u32) -> Result<Tlv<'_>, TlvError> {
    let mut r = TlvReader::new(input);
    let t = r.expect(tag)?;
    r.finish()?;
    Ok(t)
}

/// Appends the BER length octets for `len` (definite form, minimal).
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Appends the tag bytes (one to three, as the u32 holds them).
pub fn push_tag(out: &mut Vec<u8>, tag: u32) {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|b| **b == 0).count();
    out.extend_from_slice(&bytes[skip..]);
}

/// Encodes one data object.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    push_tag(&mut out, tag);
    push_length(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// Encodes one constructed data object from already encoded children.
pub fn encode_constructed<'a>(tag: u32, children: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let value: Vec<u8> = children.into_iter().flatten().copied().collect();
    encode(tag, &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_nested_objects() {
        // EF.COM from ICAO 9303-10 Appendix: 60 16 5F01 04 "0107" 5F36 06 "040000" 5C 04 61 75 63 76
        let com = hex::decode("60165F0104303130375F36063034303030305C0461756376").unwrap();
        let t = parse_exact(&com, 0x60).unwrap();
        assert!(t.is_constructed());
        let mut c = t.children();
        assert_eq!(c.expect(0x5F01).unwrap().value, b"0107");
        assert_eq!(c.expect(0x5F36).unwrap().value, b"040000");
        assert_eq!(c.expect(0x5C).unwrap().value, [0x61, 0x75, 0x63, 0x76]);
        assert!(c.read().unwrap().is_none());
        assert_eq!(parse_header(&com[..4]).unwrap().total_len(), com.len());
    }

    #[test]
    fn long_lengths_and_tags() {
        let v = vec![0xAB; 300];
        let e = encode(0x7F61, &v);
        assert_eq!(&e[..5], &[0x7F, 0x61, 0x82, 0x01, 0x2C]);
        let t = parse_exact(&e, 0x7F61).unwrap();
        assert_eq!(t.value.len(), 300);
        assert_eq!(encode(0x5F2E, &[1])[..3], [0x5F, 0x2E, 1]);
        assert_eq!(encode(0x02, &[])[..], [0x02, 0x00]);
        let mut out = Vec::new();
        push_length(&mut out, 0x10000);
        assert_eq!(out, [0x83, 1, 0, 0]);
    }

    #[test]
    fn rejects_truncation_and_bad_lengths() {
        assert_eq!(
            parse_exact(&[0x60, 0x05, 1, 2], 0x60),
            Err(TlvError::Truncated(4))
        );
        assert_eq!(
            parse_exact(&[0x60, 0x80, 0, 0], 0x60),
            Err(TlvError::BadLength(1))
        );
        assert_eq!(
            parse_exact(&[0x60, 0x00, 0], 0x60),
            Err(TlvError::TrailingBytes(1))
        );
        assert!(matches!(
            parse_exact(&[0x5F, 0x81, 0x81, 0x01], 0x5F),
            Err(TlvError::TagTooLong(_))
        ));
        assert_eq!(
            parse_exact(&[0x61, 0x00], 0x60),
            Err(TlvError::UnexpectedTag {
                expected: 0x60,
                found: 0x61
            })
        );
    }

    #[test]
    fn deep_nesting_is_not_walked_implicitly() {
        // 30 8x 30 8x ... nested 20000 levels: reading the outer object touches one header.
        let mut data = Vec::new();
        for _ in 0..20000 {
            data = encode(0x30, &data);
        }
        let t = parse_exact(&data, 0x30).unwrap();
        assert_eq!(t.children().count(), 1);
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_in_bounds(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut stack = vec![TlvReader::new(&bytes)];
            let mut steps = 0;
            while let Some(r) = stack.pop() {
                for item in r {
                    steps += 1;
                    prop_assert!(steps <= bytes.len() + 1);
                    match item {
                        Ok(t) => {
                            prop_assert!(t.raw.len() <= bytes.len());
                            prop_assert_eq!(encode(t.tag, t.value).len() <= t.raw.len() + 4, true);
                            if t.is_constructed() { stack.push(t.children()); }
                        }
                        Err(_) => break,
                    }
                }
            }
        }
    }
}
