//! The data form: the 20 fields as the officer types them, and the record made from them.
//!
//! Dates are typed DD/MM/YYYY as the card prints them; sex is a choice. What can only be
//! judged from the whole record (ID number against date of birth and sex, the expiry rule,
//! names, lengths) is the engine's validation, shown under each field; the form itself only
//! says when a date cannot be read or the sex is not chosen, since without those there is no
//! record to send.

use citizen::{CitizenRecord, Field, Sex};
use time::{Date, Month};

/// A problem the form finds before it can build a record: (field, vi, en).
pub type FormError = (Field, String, String);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataForm {
    /// Text per field, indexed by `Field as usize` (unused for Sex).
    text: [String; 20],
    pub sex: Option<Sex>,
}

/// The date fields, which are typed DD/MM/YYYY.
pub fn is_date(field: Field) -> bool {
    matches!(
        field,
        Field::DateOfBirth | Field::DateOfIssue | Field::DateOfExpiry
    )
}

/// `DD/MM/YYYY` (also `D/M/YYYY`, and `.` or `-` between the parts).
pub fn parse_dmy(s: &str) -> Option<Date> {
    let parts: Vec<&str> = s.trim().split(['/', '.', '-']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let digits = |t: &str, min: usize, max: usize| {
        (t.len() >= min && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let day = u8::try_from(digits(d, 1, 2)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(m, 1, 2)?).ok()?).ok()?;
    let year = i32::try_from(digits(y, 4, 4)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

pub fn format_dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

impl DataForm {
    pub fn text(&self, field: Field) -> &str {
        &self.text[field as usize]
    }

    pub fn text_mut(&mut self, field: Field) -> &mut String {
        &mut self.text[field as usize]
    }

    /// The form filled from a record (resuming, or correcting after the sheet was printed).
    pub fn from_record(r: &CitizenRecord) -> DataForm {
        let mut f = DataForm {
            sex: Some(r.sex),
            ..DataForm::default()
        };
        for field in Field::ALL {
            let v = match field {
                Field::DateOfBirth => format_dmy(r.date_of_birth),
                Field::DateOfIssue => format_dmy(r.date_of_issue),
                Field::DateOfExpiry => r.date_of_expiry.map(format_dmy).unwrap_or_default(),
                Field::Sex => continue,
                _ => r.text(field).unwrap_or_default().to_string(),
            };
            *f.text_mut(field) = v;
        }
        f
    }

    /// The record, or what keeps the form from making one.
    pub fn to_record(&self) -> Result<CitizenRecord, Vec<FormError>> {
        let mut errs = Vec::new();
        let mut date = |field: Field, optional: bool| -> Option<Date> {
            let t = self.text(field).trim();
            if t.is_empty() {
                if !optional {
                    errs.push((
                        field,
                        "Chưa nhập ngày (DD/MM/YYYY)".to_string(),
                        "Enter the date (DD/MM/YYYY)".to_string(),
                    ));
                }
                return None;
            }
            let d = parse_dmy(t);
            if d.is_none() {
                errs.push((
                    field,
                    format!("{t} không phải ngày dạng DD/MM/YYYY"),
                    format!("{t} is not a date in the form DD/MM/YYYY"),
                ));
            }
            d
        };
        let dob = date(Field::DateOfBirth, false);
        let issue = date(Field::DateOfIssue, false);
        let expiry = date(Field::DateOfExpiry, true);
        if self.sex.is_none() {
            errs.push((
                Field::Sex,
                "Chọn giới tính".to_string(),
                "Choose the sex".to_string(),
            ));
        }
        let (Some(dob), Some(issue), Some(sex), true) = (dob, issue, self.sex, errs.is_empty())
        else {
            return Err(errs);
        };
        let t = |f: Field| self.text(f).to_string();
        Ok(CitizenRecord {
            id_number: t(Field::IdNumber),
            full_name: t(Field::FullName),
            date_of_birth: dob,
            sex,
            nationality: t(Field::Nationality),
            ethnicity: t(Field::Ethnicity),
            religion: t(Field::Religion),
            place_of_origin: t(Field::PlaceOfOrigin),
            place_of_residence: t(Field::PlaceOfResidence),
            identifying_marks: t(Field::IdentifyingMarks),
            date_of_issue: issue,
            date_of_expiry: expiry,
            father_name: t(Field::FatherName),
            mother_name: t(Field::MotherName),
            spouse_name: t(Field::SpouseName),
            former_id_number: t(Field::FormerIdNumber),
            place_of_birth_registration: t(Field::PlaceOfBirthRegistration),
            blood_type: t(Field::BloodType),
            current_residence: t(Field::CurrentResidence),
            issuing_authority: t(Field::IssuingAuthority),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CitizenRecord {
        CitizenRecord::from_json(include_str!("../../tests/data/record.json")).unwrap()
    }

    #[test]
    fn a_record_round_trips_through_the_form() {
        let r = sample();
        let f = DataForm::from_record(&r);
        assert_eq!(f.text(Field::DateOfBirth), "12/05/1995");
        assert_eq!(f.text(Field::FullName), "Nguyễn Văn An");
        assert_eq!(f.to_record().unwrap(), r);
    }

    #[test]
    fn dates_are_read_day_first() {
        assert_eq!(
            parse_dmy("1/2/2003"),
            Date::from_calendar_date(2003, Month::February, 1).ok()
        );
        assert_eq!(
            parse_dmy(" 12.05.1995 "),
            Date::from_calendar_date(1995, Month::May, 12).ok()
        );
        for bad in [
            "1995-05-12",
            "30/02/2001",
            "12/13/2001",
            "12/05/95",
            "",
            "a/b/cccc",
        ] {
            assert_eq!(parse_dmy(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_unreadable_date_or_no_sex_is_said_per_field() {
        let mut f = DataForm::from_record(&sample());
        *f.text_mut(Field::DateOfBirth) = "1995-05-12".into();
        f.sex = None;
        *f.text_mut(Field::DateOfExpiry) = String::new();
        let errs = f.to_record().unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.0).collect();
        assert_eq!(fields, vec![Field::DateOfBirth, Field::Sex]);
        assert!(errs[0].2.contains("DD/MM/YYYY"));
    }

    #[test]
    fn an_empty_expiry_is_no_expiry() {
        let mut f = DataForm::from_record(&sample());
        *f.text_mut(Field::DateOfExpiry) = "  ".into();
        assert_eq!(f.to_record().unwrap().date_of_expiry, None);
    }
}
