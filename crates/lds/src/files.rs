//! DG1, the wrappers around DER the caller builds (DG14, DG15, EF.SOD), and file sizes.

use crate::{In, LdsError};
use iso7816::tlv;

/// The whole length of a file from its first bytes (tag and length: 2 to 6 bytes are enough
/// for any LDS file), which is how a reader learns how much to READ BINARY after reading the
/// first few bytes (9303-10 §3.6.3, 9303-11 Appendix D worked example).
pub fn file_length_from_header(first_bytes: &[u8]) -> Result<usize, LdsError> {
    Ok(tlv::parse_header(first_bytes)
        .file("file header")?
        .total_len())
}

fn is_mrz(mrz: &[u8]) -> bool {
    // 9303-3 §4.3: MRZ characters are A–Z, 0–9 and the filler <. TD1 is 3 x 30, TD2 2 x 36,
    // TD3 2 x 44 characters; DG1 holds the lines concatenated, without separators.
    matches!(mrz.len(), 90 | 72 | 88)
        && mrz
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'<')
}

/// DG1 (9303-10 §4.7.1): 61 { 5F1F MRZ }.
pub fn encode_dg1(mrz: &str) -> Result<Vec<u8>, LdsError> {
    if !is_mrz(mrz.as_bytes()) {
        return Err(LdsError::Mrz);
    }
    Ok(tlv::encode(0x61, &tlv::encode(0x5F1F, mrz.as_bytes())))
}

pub fn parse_dg1(bytes: &[u8]) -> Result<String, LdsError> {
    let dg = tlv::parse_exact(bytes, 0x61).file("DG1")?;
    let mrz = tlv::parse_exact(dg.value, 0x5F1F).file("DG1")?;
    if !is_mrz(mrz.value) {
        return Err(LdsError::Mrz);
    }
    // Checked above: ASCII only.
    Ok(mrz.value.iter().map(|b| char::from(*b)).collect())
}

/// `tag { content }` where content must be exactly one DER element with tag `inner`.
fn unwrap_der<'a>(
    file: &'static str,
    bytes: &'a [u8],
    tag: u32,
    inner: u32,
) -> Result<&'a [u8], LdsError> {
    let outer = tlv::parse_exact(bytes, tag).file(file)?;
    tlv::parse_exact(outer.value, inner).map_err(|_| LdsError::Content {
        file,
        expected: inner,
    })?;
    Ok(outer.value)
}

/// DG14 (9303-10 §4.7.14): 6E { SecurityInfos }, the DER SET of 9303-11 §9.2 as given.
pub fn encode_dg14(security_infos_der: &[u8]) -> Vec<u8> {
    tlv::encode(0x6E, security_infos_der)
}

/// The DER SET of SecurityInfos inside DG14.
pub fn parse_dg14(bytes: &[u8]) -> Result<&[u8], LdsError> {
    unwrap_der("DG14", bytes, 0x6E, 0x31)
}

/// DG15 (9303-10 §4.7.15): 6F { SubjectPublicKeyInfo }, the Active Authentication key.
pub fn encode_dg15(subject_public_key_info_der: &[u8]) -> Vec<u8> {
    tlv::encode(0x6F, subject_public_key_info_der)
}

/// The DER SubjectPublicKeyInfo inside DG15.
pub fn parse_dg15(bytes: &[u8]) -> Result<&[u8], LdsError> {
    unwrap_der("DG15", bytes, 0x6F, 0x30)
}

/// EF.SOD (9303-10 §4.6.2): 77 { ContentInfo } around the CMS SignedData of 9303-10 §4.6.2.2.
pub fn encode_sod(content_info_der: &[u8]) -> Vec<u8> {
    tlv::encode(0x77, content_info_der)
}

/// The DER ContentInfo inside EF.SOD.
pub fn parse_sod(bytes: &[u8]) -> Result<&[u8], LdsError> {
    unwrap_der("EF.SOD", bytes, 0x77, 0x30)
}
