//! The 20 fields and the sex codes.

use serde::{Deserialize, Serialize};

/// The 20 personal data fields, in the order the station shows and numbers them: what the
/// card prints (Law on Citizen Identification 2014, art. 18) and the rest of the citizen's
/// data that goes on the chip (DG13, `firmware-profiles/DG13.md`).
///
/// Serialized as its JSON key (`"id_number"`, …), so a UI can map errors to inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    IdNumber,
    FullName,
    DateOfBirth,
    Sex,
    Nationality,
    Ethnicity,
    Religion,
    PlaceOfOrigin,
    PlaceOfResidence,
    IdentifyingMarks,
    DateOfIssue,
    DateOfExpiry,
    FatherName,
    MotherName,
    SpouseName,
    FormerIdNumber,
    PlaceOfBirthRegistration,
    BloodType,
    CurrentResidence,
    IssuingAuthority,
}

/// Per field: JSON key, Vietnamese label, English label, required.
/// Indexed by `Field as usize`; the array length ties it to the 20 variants.
const INFO: [(&str, &str, &str, bool); 20] = [
    (
        "id_number",
        "Số định danh cá nhân",
        "Personal ID number",
        true,
    ),
    (
        "full_name",
        "Họ, chữ đệm và tên khai sinh",
        "Full name",
        true,
    ),
    (
        "date_of_birth",
        "Ngày, tháng, năm sinh",
        "Date of birth",
        true,
    ),
    ("sex", "Giới tính", "Sex", true),
    ("nationality", "Quốc tịch", "Nationality", true),
    ("ethnicity", "Dân tộc", "Ethnicity", true),
    ("religion", "Tôn giáo", "Religion", false),
    ("place_of_origin", "Quê quán", "Place of origin", true),
    (
        "place_of_residence",
        "Nơi thường trú",
        "Place of permanent residence",
        true,
    ),
    (
        "identifying_marks",
        "Đặc điểm nhận dạng",
        "Identifying characteristics",
        false,
    ),
    ("date_of_issue", "Ngày cấp", "Date of issue", true),
    // Not required: a card issued at 58 or older has no expiry (Law 2014, art. 21).
    ("date_of_expiry", "Có giá trị đến", "Date of expiry", false),
    ("father_name", "Họ tên cha", "Father's full name", false),
    ("mother_name", "Họ tên mẹ", "Mother's full name", false),
    (
        "spouse_name",
        "Họ tên vợ/chồng",
        "Spouse's full name",
        false,
    ),
    (
        "former_id_number",
        "Số CMND/CCCD cũ",
        "Former ID number",
        false,
    ),
    (
        "place_of_birth_registration",
        "Nơi đăng ký khai sinh",
        "Place of birth registration",
        false,
    ),
    ("blood_type", "Nhóm máu", "Blood type", false),
    (
        "current_residence",
        "Nơi ở hiện tại",
        "Current residence",
        false,
    ),
    ("issuing_authority", "Nơi cấp", "Issuing authority", true),
];

impl Field {
    /// All 20 fields in order.
    pub const ALL: [Field; 20] = [
        Field::IdNumber,
        Field::FullName,
        Field::DateOfBirth,
        Field::Sex,
        Field::Nationality,
        Field::Ethnicity,
        Field::Religion,
        Field::PlaceOfOrigin,
        Field::PlaceOfResidence,
        Field::IdentifyingMarks,
        Field::DateOfIssue,
        Field::DateOfExpiry,
        Field::FatherName,
        Field::MotherName,
        Field::SpouseName,
        Field::FormerIdNumber,
        Field::PlaceOfBirthRegistration,
        Field::BloodType,
        Field::CurrentResidence,
        Field::IssuingAuthority,
    ];

    fn info(self) -> (&'static str, &'static str, &'static str, bool) {
        // `self as usize` is 0..=19 by construction, so this index cannot fail.
        INFO[self as usize]
    }

    /// The field's number, 1..=20.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The key in the record's JSON form.
    pub fn json_key(self) -> &'static str {
        self.info().0
    }

    /// The field for a JSON key, if it is one of the 20.
    pub fn from_json_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.json_key() == key)
    }

    /// The label officers see, in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        self.info().1
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        self.info().2
    }

    /// Whether the field must have a value. Optional text fields may be empty strings,
    /// and an optional field may be left out of the JSON form.
    pub fn is_required(self) -> bool {
        self.info().3
    }

    /// A person's name: full name, father, mother, spouse.
    pub fn is_name(self) -> bool {
        matches!(
            self,
            Field::FullName | Field::FatherName | Field::MotherName | Field::SpouseName
        )
    }

    /// An address (these get the longer address limit).
    pub fn is_address(self) -> bool {
        matches!(
            self,
            Field::PlaceOfOrigin
                | Field::PlaceOfResidence
                | Field::CurrentResidence
                | Field::PlaceOfBirthRegistration
        )
    }
}

/// Sex as recorded on the card (Giới tính).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// As printed on the card: "Nam" or "Nữ".
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Sex::Male => "Male",
            Sex::Female => "Female",
        }
    }
}
