use crate::field::{Field, Sex};
use serde::{Deserialize, Serialize};
use time::Date;
use unicode_normalization::UnicodeNormalization;

time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");

/// A citizen's 20 fields. Dates are YYYY-MM-DD in JSON, sex "male"/"female", text UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// None: no expiry ("Không thời hạn"), as for holders 58 and older.
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hồ sơ JSON không hợp lệ: {vi} / invalid record JSON: {en}")]
pub struct RecordError {
    pub vi: String,
    pub en: String,
}

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month() as u8, d.year())
}

impl CitizenRecord {
    pub fn from_json(text: &str) -> Result<CitizenRecord, RecordError> {
        serde_json::from_str(text).map_err(|e| {
            let en = e.to_string();
            let vi = match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    format!("lỗi cú pháp JSON ở dòng {}, cột {}", e.line(), e.column())
                }
                _ if en.contains("unknown field") => format!("có trường không xác định ({en})"),
                _ if en.contains("missing field") => format!("thiếu trường bắt buộc ({en})"),
                _ if en.contains("unknown variant") => {
                    "giới tính phải là \"male\" hoặc \"female\"".to_string()
                }
                _ => format!(
                    "giá trị không đúng kiểu hoặc ngày không tồn tại (định dạng YYYY-MM-DD) ({en})"
                ),
            };
            RecordError { vi, en }
        })
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The field as the card and the sheet show it.
    pub fn field_text(&self, f: Field) -> String {
        match f {
            Field::IdNumber => self.id_number.clone(),
            Field::FullName => self.full_name.clone(),
            Field::DateOfBirth => dmy(self.date_of_birth),
            Field::Sex => self.sex.label_vi().to_string(),
            Field::Nationality => self.nationality.clone(),
            Field::Ethnicity => self.ethnicity.clone(),
            Field::Religion => self.religion.clone(),
            Field::PlaceOfOrigin => self.place_of_origin.clone(),
            Field::PlaceOfResidence => self.place_of_residence.clone(),
            Field::IdentifyingMarks => self.identifying_marks.clone(),
            Field::DateOfIssue => dmy(self.date_of_issue),
            Field::DateOfExpiry => self
                .date_of_expiry
                .map(dmy)
                .unwrap_or_else(|| "Không thời hạn".to_string()),
            Field::FatherName => self.father_name.clone(),
            Field::MotherName => self.mother_name.clone(),
            Field::SpouseName => self.spouse_name.clone(),
            Field::FormerIdNumber => self.former_id_number.clone(),
            Field::PlaceOfBirthRegistration => self.place_of_birth_registration.clone(),
            Field::BloodType => self.blood_type.clone(),
            Field::CurrentResidence => self.current_residence.clone(),
            Field::IssuingAuthority => self.issuing_authority.clone(),
        }
    }

    /// The text fields, mutable, for normalization.
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

    /// All text in Unicode NFC, trimmed, inner runs of whitespace collapsed to one space:
    /// the form that goes on the chip, so the same name always has the same bytes.
    pub fn normalized(&self) -> CitizenRecord {
        let mut r = self.clone();
        for t in r.texts_mut() {
            let nfc: String = t.nfc().collect();
            *t = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        r
    }
}
