//! The record: the 20 fields as one struct, its JSON form and its display form.

use crate::field::{Field, Sex};
use serde::{Deserialize, Serialize};
use time::Date;
use unicode_normalization::UnicodeNormalization;

/// A citizen's 20 fields.
///
/// JSON form: the keys of [`Field::json_key`], dates `"YYYY-MM-DD"`, sex `"male"` or
/// `"female"`, text as typed (UTF-8). Optional fields may be left out (they are then empty)
/// and `date_of_expiry` may be `null` or left out for "no expiry". Read records with
/// [`CitizenRecord::from_json`], which says in both languages what is wrong; the serde
/// implementation accepts the same objects and is there for embedding a record elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitizenRecord {
    pub id_number: String,
    pub full_name: String,
    #[serde(with = "ymd")]
    pub date_of_birth: Date,
    pub sex: Sex,
    pub nationality: String,
    pub ethnicity: String,
    #[serde(default)]
    pub religion: String,
    pub place_of_origin: String,
    pub place_of_residence: String,
    #[serde(default)]
    pub identifying_marks: String,
    #[serde(with = "ymd")]
    pub date_of_issue: Date,
    /// `None`: no expiry ("Không thời hạn"), as for cards issued at 58 or older.
    #[serde(with = "ymd::option", default)]
    pub date_of_expiry: Option<Date>,
    #[serde(default)]
    pub father_name: String,
    #[serde(default)]
    pub mother_name: String,
    #[serde(default)]
    pub spouse_name: String,
    #[serde(default)]
    pub former_id_number: String,
    #[serde(default)]
    pub place_of_birth_registration: String,
    #[serde(default)]
    pub blood_type: String,
    #[serde(default)]
    pub current_residence: String,
    pub issuing_authority: String,
}

/// Why a date string is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateError {
    /// Not `YYYY-MM-DD`.
    Form,
    /// The right form, but no such day (1995-02-30, 2001-13-01).
    NoSuchDay,
}

/// Reads `YYYY-MM-DD`: exactly four, two and two ASCII digits. One parser for both
/// `from_json` and the serde implementation, so the two accept the same dates.
pub(crate) fn parse_ymd(s: &str) -> Result<Date, DateError> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u16> {
        b.get(r)?.iter().try_fold(0u16, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u16::from(c - b'0'))
        })
    };
    let (Some(y), Some(b'-'), Some(m), Some(b'-'), Some(d), 10) = (
        digits(0..4),
        b.get(4),
        digits(5..7),
        b.get(7),
        digits(8..10),
        b.len(),
    ) else {
        return Err(DateError::Form);
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or(DateError::NoSuchDay)?;
    let day = u8::try_from(d).map_err(|_| DateError::NoSuchDay)?;
    Date::from_calendar_date(i32::from(y), month, day).map_err(|_| DateError::NoSuchDay)
}

/// `YYYY-MM-DD` (years outside 0000–9999 cannot be read back; records never have them).
pub(crate) fn format_ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `dd/mm/yyyy`, as the card prints dates.
pub(crate) fn format_dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// serde for `YYYY-MM-DD` dates.
mod ymd {
    use super::{format_ymd, parse_ymd, DateError};
    use serde::{de, Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_ymd(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse_ymd(&s).map_err(|e| match e {
            DateError::Form => de::Error::custom(format!("{s:?} is not YYYY-MM-DD")),
            DateError::NoSuchDay => de::Error::custom(format!("{s} is not a real date")),
        })
    }

    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Date);
            Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(d)| d))
        }
    }
}

impl CitizenRecord {
    /// Reads a record from its JSON form. Errors name the field and say what is wrong in
    /// Vietnamese and English (see [`RecordError`](crate::RecordError)).
    pub fn from_json(text: &str) -> Result<CitizenRecord, crate::RecordError> {
        crate::json::parse(text)
    }

    /// The JSON form, keys in field order, two-space indent.
    pub fn to_json_pretty(&self) -> String {
        // Serializing plain strings and dates to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The field as the card and the officer's sheet show it: dates dd/mm/yyyy, sex
    /// "Nam"/"Nữ", no expiry "Không thời hạn", text as it is.
    pub fn field_text(&self, field: Field) -> String {
        match field {
            Field::DateOfBirth => format_dmy(self.date_of_birth),
            Field::Sex => self.sex.label_vi().to_string(),
            Field::DateOfIssue => format_dmy(self.date_of_issue),
            Field::DateOfExpiry => match self.date_of_expiry {
                Some(d) => format_dmy(d),
                None => "Không thời hạn".to_string(),
            },
            _ => self.text(field).unwrap_or_default().to_string(),
        }
    }

    /// The stored text of a text field; `None` for the dates and sex.
    pub fn text(&self, field: Field) -> Option<&str> {
        Some(match field {
            Field::IdNumber => &self.id_number,
            Field::FullName => &self.full_name,
            Field::Nationality => &self.nationality,
            Field::Ethnicity => &self.ethnicity,
            Field::Religion => &self.religion,
            Field::PlaceOfOrigin => &self.place_of_origin,
            Field::PlaceOfResidence => &self.place_of_residence,
            Field::IdentifyingMarks => &self.identifying_marks,
            Field::FatherName => &self.father_name,
            Field::MotherName => &self.mother_name,
            Field::SpouseName => &self.spouse_name,
            Field::FormerIdNumber => &self.former_id_number,
            Field::PlaceOfBirthRegistration => &self.place_of_birth_registration,
            Field::BloodType => &self.blood_type,
            Field::CurrentResidence => &self.current_residence,
            Field::IssuingAuthority => &self.issuing_authority,
            Field::DateOfBirth | Field::Sex | Field::DateOfIssue | Field::DateOfExpiry => {
                return None
            }
        })
    }

    fn texts_mut(&mut self) -> [&mut String; 16] {
        [
            &mut self.id_number,
            &mut self.full_name,
            &mut self.nationality,
            &mut self.ethnicity,
            &mut self.religion,
            &mut self.place_of_origin,
            &mut self.place_of_residence,
            &mut self.identifying_marks,
            &mut self.father_name,
            &mut self.mother_name,
            &mut self.spouse_name,
            &mut self.former_id_number,
            &mut self.place_of_birth_registration,
            &mut self.blood_type,
            &mut self.current_residence,
            &mut self.issuing_authority,
        ]
    }

    /// The record with all text in Unicode NFC, trimmed, and every inner run of whitespace
    /// (spaces, tabs, new lines, no-break spaces…) made one space.
    ///
    /// Why: the same name must always be the same bytes on the chip and in the database.
    /// Vietnamese typed with a decomposed input method (e.g. "e" + U+0302 + U+0303) looks the
    /// same as precomposed "ễ" but is different text. NFC gives the precomposed letters
    /// ("Unicode dựng sẵn") that Vietnamese official documents use (TCVN 6909:2001).
    pub fn normalized(&self) -> CitizenRecord {
        let mut r = self.clone();
        for t in r.texts_mut() {
            let nfc: String = t.nfc().collect();
            *t = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        r
    }
}
