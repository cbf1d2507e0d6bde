//! The checks officers expect before a card is personalized.
//!
//! Sources: Law on Citizen Identification 2014 (No. 59/2014/QH13), Decree 137/2015/NĐ-CP,
//! Circular 07/2016/TT-BCA and Circular 59/2021/TT-BCA which replaced it.

use crate::field::{Field, Sex};
use crate::policy::{self, Expected, Policy};
use crate::province::province_name;
use crate::record::{format_dmy, CitizenRecord};
use std::fmt;
use time::Date;
use unicode_normalization::{char::is_combining_mark, is_nfc, UnicodeNormalization};

/// Cards are issued to citizens from 14 years of age (Law 2014, art. 19(1)).
pub const MIN_AGE_AT_ISSUE: i32 = 14;

/// Why a field is wrong. Each variant carries what its message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required field is empty or only whitespace.
    Empty,
    /// An optional field holds only whitespace (it should be empty).
    OnlyWhitespace,
    /// A control or invisible formatting character (tab, new line, zero-width space,
    /// right-to-left override…) that would go unseen on the card.
    ControlCharacter { code: u32 },
    /// Not in Unicode NFC; [`CitizenRecord::normalized`] fixes it.
    NotNfc,
    /// Longer than the profile allows (characters after NFC).
    TooLong { max: usize, actual: usize },
    /// A digit in a name.
    DigitInName { digit: char },
    /// A character other than a letter, space, hyphen or apostrophe in a name.
    NameCharacter { found: char },
    /// Not 12 ASCII digits; `length` is the number of characters given, `found` the first
    /// character that is not a digit.
    IdForm { length: usize, found: Option<char> },
    /// Digits 1–3 are not a province code.
    UnknownProvince { code: String },
    /// Digit 4 says the other sex.
    IdSexMismatch { digit: u8, sex: Sex },
    /// Digit 4 gives another century than the date of birth.
    IdCenturyMismatch { digit: u8, year: i32 },
    /// Digits 5–6 are not the last two digits of the year of birth.
    IdYearMismatch { digits: String, year: i32 },
    /// Digits 7–12 are all zero.
    ZeroSerial,
    /// A date after today.
    InFuture { today: Date },
    /// A date of birth before 1900.
    Before1900,
    /// Date of issue before the date of birth.
    IssuedBeforeBirth { date_of_birth: Date },
    /// Issued before the citizen was 14.
    TooYoung { age: i32 },
    /// Expiry on or before the date of issue.
    ExpiryNotAfterIssue { date_of_issue: Date },
    /// The milestone rule gives another expiry date.
    ExpiryShouldBe { date: Date, milestone: u8 },
    /// The milestone rule gives no expiry, but a date is given.
    ExpiryShouldBeNone { from_age: u8 },
    /// A former ID number not of 9 (CMND) or 12 (CCCD) ASCII digits.
    FormerIdForm { length: usize },
    /// A blood type in another spelling than the canonical one, e.g. "ab+" for "AB+".
    BloodTypeForm { expected: String },
    /// Not a blood type at all.
    UnknownBloodType,
}

/// Digit 4 of the ID number: the first year of the century it stands for and the sex
/// (Circular 07/2016/TT-BCA art. 7: 0/1 male/female born 1900–1999, 2/3 2000–2099,
/// 4/5 2100–2199, 6/7 2200–2299, 8/9 2300–2399).
fn century_and_sex(digit: u8) -> (i32, Sex) {
    let sex = if digit.is_multiple_of(2) {
        Sex::Male
    } else {
        Sex::Female
    };
    (1900 + 100 * i32::from(digit / 2), sex)
}

/// "25th", "40th", "21st", "22nd", "23rd", "111th".
fn ordinal(n: u8) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn sex_word_vi(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "nam",
        Sex::Female => "nữ",
    }
}

fn sex_word_en(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

impl Problem {
    /// The problem in Vietnamese, short and concrete.
    pub fn message_vi(&self) -> String {
        match self {
            Problem::Empty => "không được để trống".into(),
            Problem::OnlyWhitespace => "chỉ có khoảng trắng; nếu không có thì để trống".into(),
            Problem::ControlCharacter { code } => {
                format!("có ký tự điều khiển hoặc ký tự ẩn U+{code:04X}")
            }
            Problem::NotNfc => "chưa ở dạng Unicode dựng sẵn (NFC); cần chuẩn hóa".into(),
            Problem::TooLong { max, actual } => {
                format!("dài {actual} ký tự, tối đa {max} ký tự")
            }
            Problem::DigitInName { digit } => format!("không được có chữ số ({digit})"),
            Problem::NameCharacter { found } => format!(
                "có ký tự {found:?} không dùng trong tên (chỉ chữ cái, khoảng trắng, dấu gạch \
                 nối và dấu nháy)"
            ),
            Problem::IdForm { length, found } => match found {
                Some(c) => format!("phải có đúng 12 chữ số; {c:?} không phải chữ số 0–9"),
                None => format!("phải có đúng 12 chữ số (đang có {length})"),
            },
            Problem::UnknownProvince { code } => {
                format!("mã tỉnh {code} không có trong danh mục")
            }
            Problem::IdSexMismatch { digit, sex } => {
                let (from, digit_sex) = century_and_sex(*digit);
                format!(
                    "chữ số thứ 4 là {digit} ({}, sinh {from}–{}) nhưng giới tính là {}",
                    sex_word_vi(digit_sex),
                    from + 99,
                    sex.label_vi()
                )
            }
            Problem::IdCenturyMismatch { digit, year } => {
                let (from, _) = century_and_sex(*digit);
                format!(
                    "chữ số thứ 4 là {digit} (sinh {from}–{}) nhưng năm sinh là {year}",
                    from + 99
                )
            }
            Problem::IdYearMismatch { digits, year } => {
                format!("chữ số thứ 5–6 là {digits} nhưng năm sinh là {year}")
            }
            Problem::ZeroSerial => "6 chữ số cuối không được đều là 0".into(),
            Problem::InFuture { today } => {
                format!("không được sau ngày hôm nay ({})", format_dmy(*today))
            }
            Problem::Before1900 => "không được trước ngày 01/01/1900".into(),
            Problem::IssuedBeforeBirth { date_of_birth } => {
                format!(
                    "không được trước ngày sinh ({})",
                    format_dmy(*date_of_birth)
                )
            }
            Problem::TooYoung { age } => format!(
                "khi cấp công dân mới {age} tuổi; thẻ chỉ cấp cho công dân từ đủ \
                 {MIN_AGE_AT_ISSUE} tuổi"
            ),
            Problem::ExpiryNotAfterIssue { date_of_issue } => {
                format!("phải sau ngày cấp ({})", format_dmy(*date_of_issue))
            }
            Problem::ExpiryShouldBe { date, milestone } => {
                format!("phải là {} (sinh nhật tuổi {milestone})", format_dmy(*date))
            }
            Problem::ExpiryShouldBeNone { from_age } => format!(
                "thẻ cấp khi công dân từ {from_age} tuổi trở lên có giá trị không thời hạn; \
                 để trống"
            ),
            Problem::FormerIdForm { length } => {
                format!("phải có 9 hoặc 12 chữ số (đang có {length} ký tự)")
            }
            Problem::BloodTypeForm { expected } => format!("phải viết là {expected}"),
            Problem::UnknownBloodType => {
                "phải là A, B, AB hoặc O, có thể kèm + hoặc - (ví dụ O+), hoặc để trống".into()
            }
        }
    }

    /// The problem in English, short and concrete.
    pub fn message_en(&self) -> String {
        match self {
            Problem::Empty => "must not be empty".into(),
            Problem::OnlyWhitespace => "is only spaces; leave it empty if there is none".into(),
            Problem::ControlCharacter { code } => {
                format!("contains the control or invisible character U+{code:04X}")
            }
            Problem::NotNfc => "is not in Unicode NFC (precomposed) form; normalize it".into(),
            Problem::TooLong { max, actual } => {
                format!("is {actual} characters long, at most {max} allowed")
            }
            Problem::DigitInName { digit } => format!("must not contain digits ({digit})"),
            Problem::NameCharacter { found } => format!(
                "contains {found:?}, which names do not use (only letters, spaces, hyphens \
                 and apostrophes)"
            ),
            Problem::IdForm { length, found } => match found {
                Some(c) => format!("must be exactly 12 digits; {c:?} is not a digit 0–9"),
                None => format!("must be exactly 12 digits (has {length})"),
            },
            Problem::UnknownProvince { code } => {
                format!("province code {code} is not on the official list")
            }
            Problem::IdSexMismatch { digit, sex } => {
                let (from, digit_sex) = century_and_sex(*digit);
                format!(
                    "4th digit is {digit} ({}, born {from}–{}) but sex is {}",
                    sex_word_en(digit_sex),
                    from + 99,
                    sex.label_en()
                )
            }
            Problem::IdCenturyMismatch { digit, year } => {
                let (from, _) = century_and_sex(*digit);
                format!(
                    "4th digit is {digit} (born {from}–{}) but the year of birth is {year}",
                    from + 99
                )
            }
            Problem::IdYearMismatch { digits, year } => {
                format!("digits 5–6 are {digits} but the year of birth is {year}")
            }
            Problem::ZeroSerial => "the last 6 digits must not all be 0".into(),
            Problem::InFuture { today } => {
                format!("must not be after today ({})", format_dmy(*today))
            }
            Problem::Before1900 => "must not be before 01/01/1900".into(),
            Problem::IssuedBeforeBirth { date_of_birth } => format!(
                "must not be before the date of birth ({})",
                format_dmy(*date_of_birth)
            ),
            Problem::TooYoung { age } => format!(
                "the citizen was {age} at issue; cards are issued from age {MIN_AGE_AT_ISSUE}"
            ),
            Problem::ExpiryNotAfterIssue { date_of_issue } => format!(
                "must be after the date of issue ({})",
                format_dmy(*date_of_issue)
            ),
            Problem::ExpiryShouldBe { date, milestone } => format!(
                "must be {} ({} birthday)",
                format_dmy(*date),
                ordinal(*milestone)
            ),
            Problem::ExpiryShouldBeNone { from_age } => {
                format!("a card issued at {from_age} or older has no expiry; leave it empty")
            }
            Problem::FormerIdForm { length } => {
                format!("must be 9 or 12 digits (has {length} characters)")
            }
            Problem::BloodTypeForm { expected } => format!("must be written {expected}"),
            Problem::UnknownBloodType => {
                "must be A, B, AB or O, optionally with + or - (e.g. O+), or empty".into()
            }
        }
    }
}

/// One problem with one field. Display: "<label_vi> / <label_en>: <message_vi> /
/// <message_en>".
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

/// Characters that would not show on the card or would reorder what is shown: the C0/C1
/// controls, and the zero-width, bidirectional and other invisible format characters.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// Characters allowed in names besides letters: the space, the hyphen of compound names and
/// the apostrophe of ethnic-minority names such as "H'Hen Niê". Combining marks are let
/// through here because a decomposed name is reported once, as not NFC.
fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || matches!(c, ' ' | '-' | '\'') || is_combining_mark(c)
}

/// The canonical blood types: ABO group, optionally followed by the Rh sign, "+" or a
/// minus ("-" or the minus sign "−" U+2212, both as typed).
fn is_blood_type(s: &str) -> bool {
    let group = s
        .strip_suffix('+')
        .or_else(|| s.strip_suffix('-'))
        .or_else(|| s.strip_suffix('\u{2212}'))
        .unwrap_or(s);
    matches!(group, "A" | "B" | "AB" | "O")
}

/// The canonical spelling of a blood type typed otherwise: lower case, spaces, a zero for
/// the letter O ("0+"), "Rh" words are not guessed at.
fn blood_type_suggestion(s: &str) -> Option<String> {
    let guess: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '0' => 'O',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    (guess != s && is_blood_type(&guess)).then_some(guess)
}

fn check_id_number(r: &CitizenRecord, errs: &mut Vec<ValidationError>) {
    let mut push = |problem| {
        errs.push(ValidationError {
            field: Field::IdNumber,
            problem,
        })
    };
    // Decree 137/2015/NĐ-CP art. 13: 12 digits — province of birth registration (3), century
    // and sex (1), year of birth (2), serial (6).
    let id = r.id_number.as_bytes();
    let length = r.id_number.chars().count();
    let found = r.id_number.chars().find(|c| !c.is_ascii_digit());
    let (Some(province), Some(&g), Some(yy), Some(serial), 12, None) = (
        id.get(0..3),
        id.get(3),
        id.get(4..6),
        id.get(6..12),
        length,
        found,
    ) else {
        return push(Problem::IdForm { length, found });
    };
    // All ASCII digits from here, so these byte slices are valid text.
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let code = text(province);
    if province_name(&code).is_none() {
        push(Problem::UnknownProvince { code });
    }
    let digit = g.saturating_sub(b'0');
    let (from, sex) = century_and_sex(digit);
    let year = r.date_of_birth.year();
    if !(from..from + 100).contains(&year) {
        push(Problem::IdCenturyMismatch { digit, year });
    }
    if sex != r.sex {
        push(Problem::IdSexMismatch { digit, sex: r.sex });
    }
    let digits = text(yy);
    if digits != format!("{:02}", year.rem_euclid(100)) {
        push(Problem::IdYearMismatch { digits, year });
    }
    if serial.iter().all(|&b| b == b'0') {
        push(Problem::ZeroSerial);
    }
}

fn check_dates(r: &CitizenRecord, policy: &Policy, today: Date, errs: &mut Vec<ValidationError>) {
    let mut push = |field, problem| errs.push(ValidationError { field, problem });
    let dob = r.date_of_birth;
    let issue = r.date_of_issue;
    if dob > today {
        push(Field::DateOfBirth, Problem::InFuture { today });
    }
    if dob.year() < 1900 {
        push(Field::DateOfBirth, Problem::Before1900);
    }
    if issue > today {
        push(Field::DateOfIssue, Problem::InFuture { today });
    }
    if issue < dob {
        push(
            Field::DateOfIssue,
            Problem::IssuedBeforeBirth { date_of_birth: dob },
        );
        // With no age at issue there is no milestone to compare the expiry with; only its
        // order against the date of issue is checked.
        if r.date_of_expiry.is_some_and(|e| e <= issue) {
            push(
                Field::DateOfExpiry,
                Problem::ExpiryNotAfterIssue {
                    date_of_issue: issue,
                },
            );
        }
        return;
    }
    let age = policy::age_on(dob, issue);
    if age < MIN_AGE_AT_ISSUE {
        push(Field::DateOfIssue, Problem::TooYoung { age });
    }
    // Law 2014, art. 21: the expiry is the birthday at the next renewal age.
    match policy::expected(dob, issue, &policy.expiry) {
        Some(Expected::Until { date, milestone }) if r.date_of_expiry != Some(date) => push(
            Field::DateOfExpiry,
            Problem::ExpiryShouldBe { date, milestone },
        ),
        Some(Expected::NoExpiry { from_age }) if r.date_of_expiry.is_some() => push(
            Field::DateOfExpiry,
            Problem::ExpiryShouldBeNone { from_age },
        ),
        Some(_) => {}
        None => {
            if r.date_of_expiry.is_some_and(|e| e <= issue) {
                push(
                    Field::DateOfExpiry,
                    Problem::ExpiryNotAfterIssue {
                        date_of_issue: issue,
                    },
                );
            }
        }
    }
}

fn check_text(field: Field, value: &str, policy: &Policy, errs: &mut Vec<ValidationError>) {
    let mut push = |problem| errs.push(ValidationError { field, problem });
    if value.trim().is_empty() {
        if field.is_required() {
            push(Problem::Empty);
        } else if !value.is_empty() {
            push(Problem::OnlyWhitespace);
        }
        return;
    }
    if let Some(c) = value.chars().find(|c| is_hidden(*c)) {
        push(Problem::ControlCharacter { code: u32::from(c) });
    }
    if !is_nfc(value) {
        push(Problem::NotNfc);
    }
    if let Some(max) = policy.max_chars(field) {
        // Counted as NFC characters, so a decomposed "ễ" counts once, as on the card.
        let actual = value.nfc().count();
        if actual > max {
            push(Problem::TooLong { max, actual });
        }
    }
    if field.is_name() {
        if let Some(digit) = value.chars().find(|c| c.is_numeric()) {
            push(Problem::DigitInName { digit });
        }
        let other = |c: &char| !is_name_char(*c) && !c.is_numeric() && !is_hidden(*c);
        if let Some(found) = value.chars().find(other) {
            push(Problem::NameCharacter { found });
        }
    }
}

/// Checks a record against the law and the profile's policy, as of `today`, and returns
/// every problem found, in field order.
pub fn validate(
    record: &CitizenRecord,
    policy: &Policy,
    today: Date,
) -> Result<(), Vec<ValidationError>> {
    let mut errs = Vec::new();
    check_id_number(record, &mut errs);
    check_dates(record, policy, today, &mut errs);
    for field in Field::ALL {
        match field {
            // Fixed forms, checked below.
            Field::IdNumber | Field::FormerIdNumber | Field::BloodType => {}
            _ => {
                if let Some(value) = record.text(field) {
                    check_text(field, value, policy, &mut errs);
                }
            }
        }
    }
    // A former number is a 9-digit identity card (CMND) or a 12-digit citizen card.
    let former = &record.former_id_number;
    let nine_or_twelve =
        matches!(former.len(), 9 | 12) && former.bytes().all(|b| b.is_ascii_digit());
    if !former.is_empty() && !nine_or_twelve {
        errs.push(ValidationError {
            field: Field::FormerIdNumber,
            problem: Problem::FormerIdForm {
                length: former.chars().count(),
            },
        });
    }
    let blood = &record.blood_type;
    if !blood.is_empty() && !is_blood_type(blood) {
        errs.push(ValidationError {
            field: Field::BloodType,
            problem: match blood_type_suggestion(blood) {
                Some(expected) => Problem::BloodTypeForm { expected },
                None => Problem::UnknownBloodType,
            },
        });
    }
    // Stable: problems of one field keep the order they were found in.
    errs.sort_by_key(|e| e.field);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}
