//! DG13 (9303-10 §4.7.13, "optional details", file 010D, tag 6D) in the layout of Vietnamese
//! citizen cards, so that readers written for issued cards read this station's cards.
//! `firmware-profiles/DG13.md` documents it byte by byte; in short:
//!
//! ```text
//! 6D L
//!    30 L { 02 01 id, 13|0C L text }                     fields 1-12, 15-20
//!    30 L { 02 01 0D, 30 L { 0C L father }, 30 L { 0C L mother } }
//!    30 L { 02 01 0E, 30 L { 0C L spouse } }
//! ```
//!
//! Every field is a DER SEQUENCE of an INTEGER field id and its text: a PrintableString (13)
//! for the ID numbers and the dates of birth and issue, a UTF8String (0C) for the rest, and, for
//! the names of fields 13 and 14, a UTF8String inside a SEQUENCE of its own. This module is
//! generic (id → strings); another crate maps the citizen record onto the ids below.

use crate::{In, LdsError};
use iso7816::tlv::{self, Tlv};

/// Field ids. 1–16 as on issued cards, 17–20 this project's additions.
pub const ID_NUMBER: u8 = 1;
pub const FULL_NAME: u8 = 2;
pub const DATE_OF_BIRTH: u8 = 3;
pub const SEX: u8 = 4;
pub const NATIONALITY: u8 = 5;
pub const ETHNICITY: u8 = 6;
pub const RELIGION: u8 = 7;
pub const PLACE_OF_ORIGIN: u8 = 8;
pub const PLACE_OF_RESIDENCE: u8 = 9;
pub const IDENTIFYING_MARKS: u8 = 10;
pub const DATE_OF_ISSUE: u8 = 11;
pub const DATE_OF_EXPIRY: u8 = 12;
/// Two strings: father's name, then mother's name.
pub const PARENTS: u8 = 13;
pub const SPOUSE: u8 = 14;
/// The former 9-digit ID card (CMND) or 12-digit citizen card number.
pub const FORMER_ID_NUMBER: u8 = 15;
/// A 16-character PrintableString on issued cards whose meaning is not public; written empty.
pub const UNKNOWN_16: u8 = 16;
pub const PLACE_OF_BIRTH_REGISTRATION: u8 = 17;
pub const BLOOD_TYPE: u8 = 18;
pub const CURRENT_RESIDENCE: u8 = 19;
pub const ISSUING_AUTHORITY: u8 = 20;

/// Fields whose text issued cards hold as PrintableString (tag 13): digits and dd/mm/yyyy.
pub const PRINTABLE_FIELDS: [u8; 5] = [
    ID_NUMBER,
    DATE_OF_BIRTH,
    DATE_OF_ISSUE,
    FORMER_ID_NUMBER,
    UNKNOWN_16,
];
/// Fields whose strings each sit in a SEQUENCE of their own.
pub const NESTED_FIELDS: [u8; 2] = [PARENTS, SPOUSE];

const FILE: &str = "DG13";
const TAG: u32 = 0x6D;
const SEQUENCE: u32 = 0x30;
const INTEGER: u32 = 0x02;
const UTF8_STRING: u32 = 0x0C;
const PRINTABLE_STRING: u32 = 0x13;
const IA5_STRING: u32 = 0x16;

/// DG13 as field id → strings (usually one; two for field 13), in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dg13 {
    pub fields: Vec<(u8, Vec<String>)>,
}

impl Dg13 {
    /// The strings of the first field with `id`.
    pub fn get(&self, id: u8) -> Option<&[String]> {
        self.fields
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| s.as_slice())
    }
    /// The first string of the first field with `id`.
    pub fn first(&self, id: u8) -> Option<&str> {
        self.get(id)?.first().map(String::as_str)
    }
}

/// X.680 §41.4 Table 10: the PrintableString repertoire.
fn is_printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

fn encode_id(id: u8) -> Vec<u8> {
    // DER INTEGER, minimal and positive: 128 and above take a leading zero byte.
    if id < 0x80 {
        tlv::encode(INTEGER, &[id])
    } else {
        tlv::encode(INTEGER, &[0, id])
    }
}

/// Encodes DG13, fields in ascending id order (stable for equal ids), which readers that scan
/// issued cards field after field rely on. A field with no strings is written as its bare id,
/// `30 03 02 01 id`; an empty optional field should be given as one empty string instead, which
/// keeps the field's shape (`30 05 02 01 id 0C 00`).
pub fn encode_dg13(dg13: &Dg13) -> Vec<u8> {
    let mut fields: Vec<&(u8, Vec<String>)> = dg13.fields.iter().collect();
    fields.sort_by_key(|(id, _)| *id);
    let mut value = Vec::new();
    for (id, strings) in fields {
        let mut seq = encode_id(*id);
        for s in strings {
            let tag = if PRINTABLE_FIELDS.contains(id) && is_printable(s) {
                PRINTABLE_STRING
            } else {
                UTF8_STRING
            };
            let text = tlv::encode(tag, s.as_bytes());
            if NESTED_FIELDS.contains(id) {
                seq.extend_from_slice(&tlv::encode(SEQUENCE, &text));
            } else {
                seq.extend_from_slice(&text);
            }
        }
        value.extend_from_slice(&tlv::encode(SEQUENCE, &seq));
    }
    tlv::encode(TAG, &value)
}

/// The field id of a SEQUENCE whose first element is an INTEGER; None for other SEQUENCEs.
fn field_id(seq: &Tlv) -> Result<Option<u8>, LdsError> {
    let Some(first) = seq.children().next() else {
        return Ok(None);
    };
    let first = first.file(FILE)?;
    if first.tag != INTEGER {
        return Ok(None);
    }
    match first.value {
        [id] if *id < 0x80 => Ok(Some(*id)),
        [0, id] if *id >= 0x80 => Ok(Some(*id)),
        _ => Err(LdsError::Integer {
            file: FILE,
            what: "a field id (0-255)",
        }),
    }
}

fn text(id: u8, t: &Tlv) -> Result<String, LdsError> {
    let bad = |why| LdsError::Dg13Field { id, why };
    let s = std::str::from_utf8(t.value).map_err(|_| bad("text is not valid UTF-8"))?;
    match t.tag {
        UTF8_STRING => {}
        PRINTABLE_STRING if is_printable(s) => {}
        PRINTABLE_STRING => return Err(bad("PrintableString holds other characters")),
        IA5_STRING if s.is_ascii() => {}
        _ => return Err(bad("IA5String holds non-ASCII bytes")),
    }
    Ok(s.to_owned())
}

fn is_string(tag: u32) -> bool {
    matches!(tag, UTF8_STRING | PRINTABLE_STRING | IA5_STRING)
}

/// The strings of one field: those directly in its SEQUENCE and those one SEQUENCE down (an
/// empty inner SEQUENCE counts as one empty string, so father and mother keep their places).
fn parse_field(id: u8, seq: &Tlv) -> Result<Vec<String>, LdsError> {
    let mut strings = Vec::new();
    for item in seq.children().skip(1) {
        let item = item.file(FILE)?;
        if is_string(item.tag) {
            strings.push(text(id, &item)?);
        } else if item.tag == SEQUENCE {
            let before = strings.len();
            for inner in item.children() {
                let inner = inner.file(FILE)?;
                if !is_string(inner.tag) {
                    return Err(LdsError::Dg13Field {
                        id,
                        why: "a nested element is not a string",
                    });
                }
                strings.push(text(id, &inner)?);
            }
            if strings.len() == before {
                strings.push(String::new());
            }
        } else {
            return Err(LdsError::Dg13Field {
                id,
                why: "an element is neither a string nor a SEQUENCE of strings",
            });
        }
    }
    Ok(strings)
}

/// A SEQUENCE that holds field SEQUENCEs rather than being one.
fn is_wrapper(seq: &Tlv) -> Result<bool, LdsError> {
    for item in seq.children() {
        let item = item.file(FILE)?;
        if item.tag == SEQUENCE && field_id(&item)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Parses DG13: fields in any order; elements that are not field SEQUENCEs (an INTEGER version,
/// an OID, ...) skipped; a SEQUENCE that wraps field SEQUENCEs read one level down, and no
/// deeper. Each text must be valid for its string type (UTF-8 for UTF8String). Fields appear in
/// file order; repeated ids are kept (see [`Dg13::get`]).
pub fn parse_dg13(bytes: &[u8]) -> Result<Dg13, LdsError> {
    let dg = tlv::parse_exact(bytes, TAG).file(FILE)?;
    let mut fields = Vec::new();
    for item in dg.children() {
        let item = item.file(FILE)?;
        if item.tag != SEQUENCE {
            continue;
        }
        if is_wrapper(&item)? {
            for inner in item.children() {
                let inner = inner.file(FILE)?;
                if inner.tag == SEQUENCE {
                    if let Some(id) = field_id(&inner)? {
                        fields.push((id, parse_field(id, &inner)?));
                    }
                }
            }
        } else if let Some(id) = field_id(&item)? {
            fields.push((id, parse_field(id, &item)?));
        }
    }
    Ok(Dg13 { fields })
}
