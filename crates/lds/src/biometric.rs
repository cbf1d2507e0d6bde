//! DG2 and DG3: the biometric information group template of 9303-10 §4.7.2.1 (after
//! ISO/IEC 7816-11 and CBEFF), around ISO/IEC 19794-5 face and 19794-4 finger image records.
//!
//! ```text
//! 75 L (DG2) or 63 L (DG3)
//!    7F61 L                         biometric information group template
//!       02 01 n                     number of instances
//!       7F60 L                      biometric information template, n times
//!          A1 L                     biometric header template
//!             80 02 0101            ICAO header version
//!             81 01 02 | 08         biometric type: facial features | fingerprint
//!             82 01 st              biometric subtype (CBEFF, ISO/IEC 7816-11 Table C.3)
//!             87 02 0101            format owner: ISO/IEC JTC 1 SC 37
//!             88 02 0008 | 0007     format type: face image | finger image
//!          5F2E L record            biometric data block
//! ```
//! The parser also takes the header's optional 83 (creation date), 85 (validity period) and
//! 86 (creator) in any order, long-form lengths, and refuses 7F2E (enciphered data block).

use crate::{In, LdsError};
use iso19794::{FaceRecord, FingerRecord};
use iso7816::tlv::{self, Tlv};

struct Kind {
    file: &'static str,
    tag: u32,
    /// CBEFF biometric type (7816-11 Table C.2): 02 facial features, 08 fingerprint.
    biometric_type: u8,
    /// CBEFF format type registered by ISO/IEC JTC 1 SC 37 (format owner 0101).
    format_type: u16,
}

const FACE: Kind = Kind {
    file: "DG2",
    tag: 0x75,
    biometric_type: 0x02,
    format_type: 0x0008,
};
const FINGER: Kind = Kind {
    file: "DG3",
    tag: 0x63,
    biometric_type: 0x08,
    format_type: 0x0007,
};
const FORMAT_OWNER_SC37: u16 = 0x0101;
const ICAO_HEADER_VERSION: [u8; 2] = [0x01, 0x01];

/// Big-endian value of a short primitive (at most 4 bytes), for header fields.
fn uint(value: &[u8]) -> Option<u32> {
    (value.len() <= 4).then(|| value.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)))
}

fn encode_group(kind: &Kind, records: &[(Vec<u8>, u8)]) -> Result<Vec<u8>, LdsError> {
    if records.is_empty() {
        return Err(LdsError::NoTemplates { file: kind.file });
    }
    let count =
        u8::try_from(records.len()).map_err(|_| LdsError::TooManyTemplates { file: kind.file })?;
    // DER INTEGER: a count of 128 or more needs a leading zero byte.
    let count = if count < 0x80 {
        tlv::encode(0x02, &[count])
    } else {
        tlv::encode(0x02, &[0, count])
    };
    let mut group = vec![count];
    for (record, subtype) in records {
        let header = [
            tlv::encode(0x80, &ICAO_HEADER_VERSION),
            tlv::encode(0x81, &[kind.biometric_type]),
            tlv::encode(0x82, &[*subtype]),
            tlv::encode(0x87, &FORMAT_OWNER_SC37.to_be_bytes()),
            tlv::encode(0x88, &kind.format_type.to_be_bytes()),
        ];
        let bht = tlv::encode_constructed(0xA1, header.iter().map(Vec::as_slice));
        let bdb = tlv::encode(0x5F2E, record);
        group.push(tlv::encode_constructed(0x7F60, [&bht[..], &bdb[..]]));
    }
    let bigt = tlv::encode_constructed(0x7F61, group.iter().map(Vec::as_slice));
    Ok(tlv::encode(kind.tag, &bigt))
}

/// Checks one biometric header template against the data group's kind.
fn check_header(kind: &Kind, bht: Tlv) -> Result<(), LdsError> {
    for item in bht.children() {
        let item = item.file(kind.file)?;
        match item.tag {
            0x81 => {
                // Biometric type is a bit mask of 1–3 bytes; the group's bit must be set.
                let found = uint(item.value).ok_or(LdsError::Integer {
                    file: kind.file,
                    what: "the biometric type",
                })?;
                if found & u32::from(kind.biometric_type) == 0 {
                    return Err(LdsError::BiometricType {
                        file: kind.file,
                        found,
                    });
                }
            }
            0x87 | 0x88 => {
                let owner = bht.child(0x87).ok().and_then(|t| uint(t.value));
                let format = bht.child(0x88).ok().and_then(|t| uint(t.value));
                if owner != Some(FORMAT_OWNER_SC37.into())
                    || format != Some(kind.format_type.into())
                {
                    return Err(LdsError::BiometricFormat {
                        file: kind.file,
                        owner: owner.unwrap_or(0),
                        format: format.unwrap_or(0),
                    });
                }
            }
            // 80 version, 82 subtype, 83 creation date, 84 validity, 85 validity period,
            // 86 creator, 89 ... : informative here.
            _ => {}
        }
    }
    Ok(())
}

/// The biometric data blocks of a DG2 or DG3, in order, checked against their headers.
fn parse_group<'a>(kind: &Kind, bytes: &'a [u8]) -> Result<Vec<&'a [u8]>, LdsError> {
    let file = kind.file;
    let dg = tlv::parse_exact(bytes, kind.tag).file(file)?;
    let group = tlv::parse_exact(dg.value, 0x7F61).file(file)?;
    let mut items = group.children();
    let declared = match items.expect(0x02).file(file)?.value {
        [n] if *n < 0x80 => usize::from(*n),
        [0, n] if *n >= 0x80 => usize::from(*n),
        _ => {
            return Err(LdsError::Integer {
                file,
                what: "the number of instances",
            })
        }
    };
    let mut blocks = Vec::new();
    for bit in items {
        let bit = bit.file(file)?;
        if bit.tag != 0x7F60 {
            continue; // not a biometric information template
        }
        let mut header = None;
        let mut block = None;
        for item in bit.children() {
            let item = item.file(file)?;
            match item.tag {
                // 7816-11 numbers header templates A1, A2, ...; ICAO uses A1.
                0xA1..=0xAF if header.is_none() => header = Some(item),
                0x5F2E if block.is_none() => block = Some(item.value),
                0x7F2E => return Err(LdsError::Enciphered { file }),
                _ => {}
            }
        }
        let header = header.ok_or(LdsError::Missing {
            file,
            what: "biometric header template (A1)",
        })?;
        check_header(kind, header)?;
        blocks.push(block.ok_or(LdsError::Missing {
            file,
            what: "biometric data block (5F2E)",
        })?);
    }
    if blocks.len() != declared {
        return Err(LdsError::TemplateCount {
            file,
            declared,
            found: blocks.len(),
        });
    }
    if blocks.is_empty() {
        return Err(LdsError::NoTemplates { file });
    }
    Ok(blocks)
}

/// DG2 (9303-10 §4.7.2): one biometric information template per face record. Subtype 00.
pub fn encode_dg2(faces: &[FaceRecord]) -> Result<Vec<u8>, LdsError> {
    let records = faces
        .iter()
        .map(|f| Ok((f.encode().map_err(record("DG2"))?, 0x00)))
        .collect::<Result<Vec<_>, LdsError>>()?;
    encode_group(&FACE, &records)
}

pub fn parse_dg2(bytes: &[u8]) -> Result<Vec<FaceRecord>, LdsError> {
    parse_group(&FACE, bytes)?
        .into_iter()
        .map(|b| FaceRecord::parse(b).map_err(record("DG2")))
        .collect()
}

/// DG3 (9303-10 §4.7.3): one biometric information template per finger record. The subtype is
/// the CBEFF subtype of the record's finger (09 right index, 0A left index); for a record of
/// several fingers, the bits they share (as JMRTD does), e.g. 08 for both index fingers.
pub fn encode_dg3(fingers: &[FingerRecord]) -> Result<Vec<u8>, LdsError> {
    let records = fingers
        .iter()
        .map(|f| {
            let subtype = f
                .fingers
                .iter()
                .map(|i| i.position.cbeff_subtype())
                .reduce(|a, b| a & b)
                .unwrap_or(0);
            Ok((f.encode().map_err(record("DG3"))?, subtype))
        })
        .collect::<Result<Vec<_>, LdsError>>()?;
    encode_group(&FINGER, &records)
}

pub fn parse_dg3(bytes: &[u8]) -> Result<Vec<FingerRecord>, LdsError> {
    parse_group(&FINGER, bytes)?
        .into_iter()
        .map(|b| FingerRecord::parse(b).map_err(record("DG3")))
        .collect()
}

fn record(file: &'static str) -> impl Fn(iso19794::RecordError) -> LdsError {
    move |source| LdsError::Record { file, source }
}
