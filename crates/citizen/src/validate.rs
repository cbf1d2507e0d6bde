//! Validation of a record as officers expect it (Law on Citizen Identification 2014; Decree
//! 137/2015/ND-CP art. 7 and Circular 07/2016/TT-BCA on the personal ID number).

use crate::field::{Field, Sex};
use crate::province::province_name;
use crate::record::CitizenRecord;
use serde::Deserialize;
use std::fmt;
use time::{Date, Month};
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// How a card's expiry is set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ExpiryRule {
    /// Valid until the holder's birthday at the next milestone age; a card issued within
    /// `grace_years` before a milestone runs to the one after; none after the last.
    Milestones { ages: Vec<u8>, grace_years: u8 },
    /// Any expiry after the issue date (or none).
    Free,
}

impl Default for ExpiryRule {
    fn default() -> Self {
        // Law on Citizen Identification 2014, art. 21: renew at 25, 40 and 60.
        ExpiryRule::Milestones {
            ages: vec![25, 40, 60],
            grace_years: 2,
        }
    }
}

/// Limits a firmware profile may set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    pub name_max_chars: usize,
    pub address_max_chars: usize,
    pub text_max_chars: usize,
    pub expiry: ExpiryRule,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            name_max_chars: 100,
            address_max_chars: 250,
            text_max_chars: 200,
            expiry: ExpiryRule::default(),
        }
    }
}

/// Why a field is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    NotTwelveDigits,
    UnknownProvince(String),
    CenturySexDigit {
        digit: char,
        sex: Sex,
        year_from: i32,
    },
    CenturyMismatch {
        digit: char,
        year: i32,
    },
    BirthYearDigits {
        digits: String,
        year: i32,
    },
    ZeroSerial,
    DateInFuture,
    DateBefore1900,
    IssuedBeforeBirth,
    TooYoung {
        age: i32,
    },
    ExpiryNotAfterIssue,
    ExpiryMismatch {
        expected: Option<Date>,
        milestone: Option<u8>,
    },
    NotNfc,
    NameCharacter(char),
    ControlCharacter,
    TooLong {
        max: usize,
        actual: usize,
    },
    FormerIdDigits,
    BloodType(String),
}

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month() as u8, d.year())
}

impl Problem {
    pub fn message_vi(&self) -> String {
        match self {
            Problem::Required => "không được để trống".into(),
            Problem::NotTwelveDigits => "phải có đúng 12 chữ số".into(),
            Problem::UnknownProvince(c) => format!("mã tỉnh {c} không có trong danh mục"),
            Problem::CenturySexDigit {
                digit,
                sex,
                year_from,
            } => format!(
                "chữ số thứ 4 là {digit} ({} sinh từ năm {year_from}) nhưng giới tính là {}",
                if digit.to_digit(10).unwrap_or(0) % 2 == 0 {
                    "nam"
                } else {
                    "nữ"
                },
                sex.label_vi()
            ),
            Problem::CenturyMismatch { digit, year } => {
                format!("chữ số thứ 4 là {digit}, không khớp thế kỷ của năm sinh {year}")
            }
            Problem::BirthYearDigits { digits, year } => {
                format!("chữ số 5–6 là {digits}, không khớp năm sinh {year}")
            }
            Problem::ZeroSerial => "6 chữ số cuối không được đều là 0".into(),
            Problem::DateInFuture => "không được sau ngày hôm nay".into(),
            Problem::DateBefore1900 => "không được trước năm 1900".into(),
            Problem::IssuedBeforeBirth => "không được trước ngày sinh".into(),
            Problem::TooYoung { age } => format!("công dân mới {age} tuổi; thẻ cấp từ đủ 14 tuổi"),
            Problem::ExpiryNotAfterIssue => "phải sau ngày cấp".into(),
            Problem::ExpiryMismatch {
                expected: Some(d),
                milestone: Some(m),
            } => format!("phải là {} (sinh nhật tuổi {m})", dmy(*d)),
            Problem::ExpiryMismatch {
                expected: Some(d),
                milestone: None,
            } => format!("phải là {}", dmy(*d)),
            Problem::ExpiryMismatch { expected: None, .. } => {
                "thẻ cấp từ 58 tuổi không có thời hạn: để trống".into()
            }
            Problem::NotNfc => "chưa chuẩn hóa Unicode dựng sẵn (NFC)".into(),
            Problem::NameCharacter(c) => format!("có ký tự không dùng trong tên: {c:?}"),
            Problem::ControlCharacter => "có ký tự điều khiển".into(),
            Problem::TooLong { max, actual } => format!("dài {actual} ký tự, tối đa {max}"),
            Problem::FormerIdDigits => "phải có 9 hoặc 12 chữ số".into(),
            Problem::BloodType(v) => {
                format!("\"{v}\" không phải nhóm máu (A, B, AB, O, có thể kèm + hoặc -)")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            Problem::Required => "must not be empty".into(),
            Problem::NotTwelveDigits => "must be exactly 12 digits".into(),
            Problem::UnknownProvince(c) => format!("province code {c} is not on the official list"),
            Problem::CenturySexDigit {
                digit,
                sex,
                year_from,
            } => format!(
                "4th digit {digit} means {} born from {year_from}, but sex is {}",
                if digit.to_digit(10).unwrap_or(0) % 2 == 0 {
                    "male"
                } else {
                    "female"
                },
                sex.label_en()
            ),
            Problem::CenturyMismatch { digit, year } => {
                format!("4th digit {digit} does not match the century of birth year {year}")
            }
            Problem::BirthYearDigits { digits, year } => {
                format!("digits 5–6 are {digits}, not the birth year {year}")
            }
            Problem::ZeroSerial => "the last 6 digits must not all be 0".into(),
            Problem::DateInFuture => "must not be after today".into(),
            Problem::DateBefore1900 => "must not be before 1900".into(),
            Problem::IssuedBeforeBirth => "must not be before the date of birth".into(),
            Problem::TooYoung { age } => {
                format!("the citizen is {age}; cards are issued from age 14")
            }
            Problem::ExpiryNotAfterIssue => "must be after the date of issue".into(),
            Problem::ExpiryMismatch {
                expected: Some(d),
                milestone: Some(m),
            } => format!("must be {} ({m}th birthday)", dmy(*d)),
            Problem::ExpiryMismatch {
                expected: Some(d),
                milestone: None,
            } => format!("must be {}", dmy(*d)),
            Problem::ExpiryMismatch { expected: None, .. } => {
                "a card issued at 58 or older has no expiry: leave it empty".into()
            }
            Problem::NotNfc => "is not in Unicode NFC (precomposed) form".into(),
            Problem::NameCharacter(c) => format!("contains a character not used in names: {c:?}"),
            Problem::ControlCharacter => "contains a control character".into(),
            Problem::TooLong { max, actual } => {
                format!("is {actual} characters long, at most {max}")
            }
            Problem::FormerIdDigits => "must be 9 or 12 digits".into(),
            Problem::BloodType(v) => {
                format!("\"{v}\" is not a blood type (A, B, AB, O, optionally + or -)")
            }
        }
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: Field,
    pub problem: Problem,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} / {}: {} / {}",
            self.field.label_vi(),
            self.field.label_en(),
            self.problem.message_vi(),
            self.problem.message_en()
        )
    }
}

impl std::error::Error for ValidationError {}

/// The birthday at `age`. For a 29 February birthday in a common year this is 28 February:
/// the card ends on the last day of the holder's previous year of age, never after it.
fn birthday(dob: Date, age: u8) -> Option<Date> {
    let year = dob.year() + age as i32;
    Date::from_calendar_date(year, dob.month(), dob.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .ok()
}

fn age_on(dob: Date, day: Date) -> i32 {
    let mut age = day.year() - dob.year();
    if (day.month() as u8, day.day()) < (dob.month() as u8, dob.day()) {
        age -= 1;
    }
    age
}

/// The expiry the rule gives: `None` for a free rule; `Some(None)` for "no expiry".
pub fn expected_expiry(
    date_of_birth: Date,
    date_of_issue: Date,
    rule: &ExpiryRule,
) -> Option<Option<Date>> {
    expected_expiry_with_milestone(date_of_birth, date_of_issue, rule).map(|(d, _)| d)
}

fn expected_expiry_with_milestone(
    dob: Date,
    issue: Date,
    rule: &ExpiryRule,
) -> Option<(Option<Date>, Option<u8>)> {
    let ExpiryRule::Milestones { ages, grace_years } = rule else {
        return None;
    };
    let age = age_on(dob, issue);
    let mut sorted = ages.clone();
    sorted.sort_unstable();
    // The first milestone not yet within the grace period.
    let milestone = sorted
        .into_iter()
        .find(|m| age < *m as i32 - *grace_years as i32);
    Some(match milestone {
        Some(m) => (birthday(dob, m), Some(m)),
        None => (None, None),
    })
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic()
        || c == ' '
        || c == '-'
        || c == '\''
        || unicode_normalization::char::is_combining_mark(c)
}

/// Checks every field; returns all problems found.
pub fn validate(
    r: &CitizenRecord,
    policy: &Policy,
    today: Date,
) -> Result<(), Vec<ValidationError>> {
    let mut errs = Vec::new();
    let mut push = |field, problem| errs.push(ValidationError { field, problem });

    // 1. ID number: PPP G YY NNNNNN.
    let id = &r.id_number;
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        push(Field::IdNumber, Problem::NotTwelveDigits);
    } else {
        let province = &id[..3];
        if province_name(province).is_none() {
            push(
                Field::IdNumber,
                Problem::UnknownProvince(province.to_string()),
            );
        }
        let g = id.as_bytes()[3] - b'0';
        let year = r.date_of_birth.year();
        let century_from = 1900 + 100 * (g as i32 / 2);
        let g_char = char::from(b'0' + g);
        if !(century_from..century_from + 100).contains(&year) {
            push(
                Field::IdNumber,
                Problem::CenturyMismatch {
                    digit: g_char,
                    year,
                },
            );
        }
        let male_digit = g.is_multiple_of(2);
        if male_digit != (r.sex == Sex::Male) {
            push(
                Field::Sex,
                Problem::CenturySexDigit {
                    digit: g_char,
                    sex: r.sex,
                    year_from: century_from,
                },
            );
        }
        let yy = &id[4..6];
        if yy != format!("{:02}", year.rem_euclid(100)) {
            push(
                Field::IdNumber,
                Problem::BirthYearDigits {
                    digits: yy.to_string(),
                    year,
                },
            );
        }
        if &id[6..] == "000000" {
            push(Field::IdNumber, Problem::ZeroSerial);
        }
    }

    // Dates.
    let dob = r.date_of_birth;
    if dob > today {
        push(Field::DateOfBirth, Problem::DateInFuture);
    }
    if dob.year() < 1900 {
        push(Field::DateOfBirth, Problem::DateBefore1900);
    }
    if r.date_of_issue > today {
        push(Field::DateOfIssue, Problem::DateInFuture);
    }
    if r.date_of_issue < dob {
        push(Field::DateOfIssue, Problem::IssuedBeforeBirth);
    } else {
        let age = age_on(dob, r.date_of_issue);
        if age < 14 {
            push(Field::DateOfIssue, Problem::TooYoung { age });
        }
    }
    if let Some(exp) = r.date_of_expiry {
        if exp <= r.date_of_issue {
            push(Field::DateOfExpiry, Problem::ExpiryNotAfterIssue);
        }
    }
    if r.date_of_issue >= dob {
        if let Some((expected, milestone)) =
            expected_expiry_with_milestone(dob, r.date_of_issue, &policy.expiry)
        {
            if expected != r.date_of_expiry {
                push(
                    Field::DateOfExpiry,
                    Problem::ExpiryMismatch {
                        expected,
                        milestone,
                    },
                );
            }
        }
    }

    // Text.
    let names = [
        Field::FullName,
        Field::FatherName,
        Field::MotherName,
        Field::SpouseName,
    ];
    let addresses = [
        Field::PlaceOfOrigin,
        Field::PlaceOfResidence,
        Field::CurrentResidence,
        Field::PlaceOfBirthRegistration,
    ];
    for f in Field::ALL {
        if matches!(
            f,
            Field::IdNumber
                | Field::DateOfBirth
                | Field::Sex
                | Field::DateOfIssue
                | Field::DateOfExpiry
        ) {
            continue;
        }
        let v = r.field_text(f);
        if v.trim().is_empty() {
            if f.is_required() {
                push(f, Problem::Required);
            }
            continue;
        }
        if v.chars().any(char::is_control) {
            push(f, Problem::ControlCharacter);
        }
        if !is_nfc(&v) {
            push(f, Problem::NotNfc);
        }
        let max = if names.contains(&f) {
            policy.name_max_chars
        } else if addresses.contains(&f) {
            policy.address_max_chars
        } else {
            policy.text_max_chars
        };
        let n = v.nfc().count();
        if n > max {
            push(f, Problem::TooLong { max, actual: n });
        }
        if names.contains(&f) {
            if let Some(c) = v.chars().find(|c| !is_name_char(*c) && !c.is_control()) {
                push(f, Problem::NameCharacter(c));
            }
        }
    }
    let former = &r.former_id_number;
    let former_ok = matches!(former.len(), 9 | 12) && former.bytes().all(|b| b.is_ascii_digit());
    if !former.is_empty() && !former_ok {
        push(Field::FormerIdNumber, Problem::FormerIdDigits);
    }
    let bt = &r.blood_type;
    if !bt.is_empty()
        && !matches!(
            bt.as_str(),
            "A" | "B" | "AB" | "O" | "A+" | "B+" | "AB+" | "O+" | "A-" | "B-" | "AB-" | "O-"
        )
    {
        push(Field::BloodType, Problem::BloodType(bt.clone()));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}
