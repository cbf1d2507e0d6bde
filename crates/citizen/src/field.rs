use serde::{Deserialize, Serialize};

/// The 20 fields, in the order of the law and the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// 1..=20
    pub fn number(self) -> u8 {
        self as u8 + 1
    }
    pub fn json_key(self) -> &'static str {
        INFO[self as usize].0
    }
    pub fn label_vi(self) -> &'static str {
        INFO[self as usize].1
    }
    pub fn label_en(self) -> &'static str {
        INFO[self as usize].2
    }
    /// Required fields may not be empty. (Date of expiry is "required" as a rule of the
    /// milestones, not as text: it may be absent for holders aged 58 and over.)
    pub fn is_required(self) -> bool {
        INFO[self as usize].3
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
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
