//! Reading a record from JSON with errors an officer can act on.
//!
//! serde's own errors are English and name a line and column, not the field. So the text
//! is first read as an object of (key, value) pairs, in document order and with repeated
//! keys kept, and each field is then checked on its own: the error says which field, what
//! was found and what is expected, in Vietnamese and English.

use crate::field::{Field, Sex};
use crate::record::{parse_ymd, CitizenRecord, DateError};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Why a JSON text is not a record. Display: "<label_vi> / <label_en>: <vi> / <en>" when a
/// field is concerned, "Hồ sơ JSON / Record JSON: <vi> / <en>" otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// Not well-formed JSON.
    Syntax {
        line: usize,
        column: usize,
        /// serde_json's description, English.
        detail: String,
    },
    /// The text stops in the middle of the JSON.
    Truncated { line: usize, column: usize },
    /// Well-formed JSON, but not an object; `found` is "array", "string", "number",
    /// "boolean" or "null".
    NotAnObject { found: &'static str },
    /// A key that is not one of the 20 fields.
    UnknownKey { key: String },
    /// A key given twice: which value is meant is unclear.
    DuplicateKey { field: Field },
    /// A required field left out.
    Missing { field: Field },
    /// A text field whose value is not a string.
    NotText { field: Field, found: &'static str },
    /// A date that is not a `"YYYY-MM-DD"` string; `value` is the JSON as given.
    DateForm { field: Field, value: String },
    /// A `YYYY-MM-DD` date that does not exist, e.g. 1995-02-30.
    NoSuchDate { field: Field, value: String },
    /// Sex other than "male" or "female"; `value` is the JSON as given.
    Sex { value: String },
}

/// A JSON type name (as `kind_of` gives it) in Vietnamese.
fn kind_vi(found: &str) -> &'static str {
    match found {
        "array" => "mảng",
        "string" => "chuỗi",
        "number" => "số",
        "boolean" => "giá trị true/false",
        "null" => "null",
        _ => "đối tượng",
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl RecordError {
    /// The field concerned, if the error is about one.
    pub fn field(&self) -> Option<Field> {
        match self {
            RecordError::DuplicateKey { field }
            | RecordError::Missing { field }
            | RecordError::NotText { field, .. }
            | RecordError::DateForm { field, .. }
            | RecordError::NoSuchDate { field, .. } => Some(*field),
            RecordError::Sex { .. } => Some(Field::Sex),
            _ => None,
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            RecordError::Syntax { line, column, .. } => {
                format!("JSON sai cú pháp ở dòng {line}, cột {column}")
            }
            RecordError::Truncated { line, column } => {
                format!("JSON bị cắt cụt, dừng ở dòng {line}, cột {column}")
            }
            RecordError::NotAnObject { found } => format!(
                "hồ sơ phải là một đối tượng JSON {{ … }}, không phải {}",
                kind_vi(found)
            ),
            RecordError::UnknownKey { key } => {
                format!("trường {key:?} không thuộc 20 trường của thẻ")
            }
            RecordError::DuplicateKey { field } => {
                format!("trường {:?} xuất hiện hai lần", field.json_key())
            }
            RecordError::Missing { field } => {
                format!("thiếu trường bắt buộc {:?}", field.json_key())
            }
            RecordError::NotText { found, .. } => format!(
                "phải là chuỗi (để trống thì ghi \"\"), không phải {}",
                kind_vi(found)
            ),
            RecordError::DateForm { field, value } => {
                let null = if *field == Field::DateOfExpiry {
                    " hoặc null (không thời hạn)"
                } else {
                    ""
                };
                format!("{value} không phải ngày dạng \"YYYY-MM-DD\"{null}")
            }
            RecordError::NoSuchDate { value, .. } => format!("không có ngày {value}"),
            RecordError::Sex { value } => {
                format!("phải là \"male\" (nam) hoặc \"female\" (nữ), không phải {value}")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            RecordError::Syntax {
                line,
                column,
                detail,
            } => format!("JSON syntax error at line {line}, column {column}: {detail}"),
            RecordError::Truncated { line, column } => {
                format!("the JSON is cut off at line {line}, column {column}")
            }
            RecordError::NotAnObject { found } => {
                format!("the record must be a JSON object {{ … }}, not {found}")
            }
            RecordError::UnknownKey { key } => {
                format!("{key:?} is not one of the card's 20 fields")
            }
            RecordError::DuplicateKey { field } => {
                format!("{:?} is given twice", field.json_key())
            }
            RecordError::Missing { field } => {
                format!("required field {:?} is missing", field.json_key())
            }
            RecordError::NotText { found, .. } => {
                format!("must be a string (\"\" when empty), not {found}")
            }
            RecordError::DateForm { field, value } => {
                let null = if *field == Field::DateOfExpiry {
                    " or null (no expiry)"
                } else {
                    ""
                };
                format!("{value} is not a date \"YYYY-MM-DD\"{null}")
            }
            RecordError::NoSuchDate { value, .. } => format!("there is no day {value}"),
            RecordError::Sex { value } => format!("must be \"male\" or \"female\", not {value}"),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (vi, en) = match self.field() {
            Some(field) => (field.label_vi(), field.label_en()),
            None => ("Hồ sơ JSON", "Record JSON"),
        };
        write!(
            f,
            "{vi} / {en}: {} / {}",
            self.message_vi(),
            self.message_en()
        )
    }
}

impl std::error::Error for RecordError {}

/// The top-level JSON value: an object's entries in order (repeated keys kept, which
/// `serde_json::Map` would silently merge), or the kind of anything else.
enum Top {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Top, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value::<Value>()?));
                }
                Ok(Top::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
                // Read to the end so that a syntax error inside still reports as one.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Top::Other("array"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
                Ok(Top::Other("string"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
                Ok(Top::Other("boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
                Ok(Top::Other("number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
                Ok(Top::Other("number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
                Ok(Top::Other("number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
                Ok(Top::Other("null"))
            }
        }
        d.deserialize_any(V)
    }
}

fn json_error(e: serde_json::Error) -> RecordError {
    let (line, column) = (e.line(), e.column());
    if e.is_eof() {
        return RecordError::Truncated { line, column };
    }
    let text = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let detail = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    RecordError::Syntax {
        line,
        column,
        detail,
    }
}

pub(crate) fn parse(text: &str) -> Result<CitizenRecord, RecordError> {
    let entries = match serde_json::from_str::<Top>(text).map_err(json_error)? {
        Top::Object(entries) => entries,
        Top::Other(found) => return Err(RecordError::NotAnObject { found }),
    };
    let mut values = BTreeMap::new();
    for (key, value) in entries {
        let Some(field) = Field::from_json_key(&key) else {
            return Err(RecordError::UnknownKey { key });
        };
        if values.insert(field, value).is_some() {
            return Err(RecordError::DuplicateKey { field });
        }
    }
    // Optional fields may be left out (see `Field::is_required`, which matches the
    // `#[serde(default)]` attributes of `CitizenRecord`).
    let get = |field: Field| match values.get(&field) {
        None if field.is_required() => Err(RecordError::Missing { field }),
        v => Ok(v),
    };
    let text = |field: Field| match get(field)? {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(RecordError::NotText {
            field,
            found: kind_of(v),
        }),
    };
    let date = |field: Field| match get(field)? {
        None | Some(Value::Null) if !field.is_required() => Ok(None),
        Some(Value::String(s)) => match parse_ymd(s) {
            Ok(d) => Ok(Some(d)),
            Err(DateError::Form) => Err(RecordError::DateForm {
                field,
                value: Value::String(s.clone()).to_string(),
            }),
            Err(DateError::NoSuchDay) => Err(RecordError::NoSuchDate {
                field,
                value: s.clone(),
            }),
        },
        other => Err(RecordError::DateForm {
            field,
            value: other.map_or_else(|| "null".to_string(), Value::to_string),
        }),
    };
    let required_date = |field: Field| {
        date(field)?.ok_or_else(|| RecordError::DateForm {
            field,
            value: "null".to_string(),
        })
    };
    let sex = || match get(Field::Sex)? {
        Some(Value::String(s)) if s == "male" => Ok(Sex::Male),
        Some(Value::String(s)) if s == "female" => Ok(Sex::Female),
        other => Err(RecordError::Sex {
            value: other.map_or_else(|| "null".to_string(), Value::to_string),
        }),
    };
    // Struct fields are evaluated in the order written, which is the order of the form,
    // so the first problem reported is the first on the form.
    let record = CitizenRecord {
        id_number: text(Field::IdNumber)?,
        full_name: text(Field::FullName)?,
        date_of_birth: required_date(Field::DateOfBirth)?,
        sex: sex()?,
        nationality: text(Field::Nationality)?,
        ethnicity: text(Field::Ethnicity)?,
        religion: text(Field::Religion)?,
        place_of_origin: text(Field::PlaceOfOrigin)?,
        place_of_residence: text(Field::PlaceOfResidence)?,
        identifying_marks: text(Field::IdentifyingMarks)?,
        date_of_issue: required_date(Field::DateOfIssue)?,
        date_of_expiry: date(Field::DateOfExpiry)?,
        father_name: text(Field::FatherName)?,
        mother_name: text(Field::MotherName)?,
        spouse_name: text(Field::SpouseName)?,
        former_id_number: text(Field::FormerIdNumber)?,
        place_of_birth_registration: text(Field::PlaceOfBirthRegistration)?,
        blood_type: text(Field::BloodType)?,
        current_residence: text(Field::CurrentResidence)?,
        issuing_authority: text(Field::IssuingAuthority)?,
    };
    Ok(record)
}
