use crate::*;
use proptest::prelude::*;
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 23);

fn sample() -> CitizenRecord {
    CitizenRecord::from_json(include_str!("../testdata/sample.json")).unwrap()
}

fn problems(r: &CitizenRecord) -> Vec<(Field, Problem)> {
    match validate(r, &Policy::default(), TODAY) {
        Ok(()) => vec![],
        Err(e) => e.into_iter().map(|e| (e.field, e.problem)).collect(),
    }
}

#[test]
fn test_records_are_valid() {
    assert_eq!(problems(&sample()), vec![]);
    let long = CitizenRecord::from_json(include_str!("../testdata/long-names.json")).unwrap();
    assert_eq!(problems(&long), vec![]);
    // Every Vietnamese vowel with every tone, and Đ/đ, in both cases.
    let all: String = Field::ALL.iter().map(|f| long.field_text(*f)).collect();
    for v in ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"] {
        for t in ["", "\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"] {
            let lower: String =
                unicode_normalization::UnicodeNormalization::nfc(format!("{v}{t}").chars())
                    .collect();
            assert!(all.contains(&lower), "{lower} missing");
            assert!(
                all.contains(&lower.to_uppercase()),
                "{} missing",
                lower.to_uppercase()
            );
        }
    }
    assert!(all.contains('đ') && all.contains('Đ'));
}

#[test]
fn id_number_rules() {
    let mut r = sample();
    r.id_number = "00109501234".into();
    assert_eq!(
        problems(&r),
        vec![(Field::IdNumber, Problem::NotTwelveDigits)]
    );
    r.id_number = "099095012345".into();
    assert_eq!(
        problems(&r),
        vec![(Field::IdNumber, Problem::UnknownProvince("099".into()))]
    );
    r.id_number = "001195012345".into(); // female digit for a man
    assert_eq!(
        problems(&r),
        vec![(
            Field::Sex,
            Problem::CenturySexDigit {
                digit: '1',
                sex: Sex::Male,
                year_from: 1900
            }
        )]
    );
    r.id_number = "001295012345".into(); // 2000s for someone born 1995
    assert_eq!(
        problems(&r),
        vec![(
            Field::IdNumber,
            Problem::CenturyMismatch {
                digit: '2',
                year: 1995
            }
        )]
    );
    r.id_number = "001096012345".into();
    assert_eq!(
        problems(&r),
        vec![(
            Field::IdNumber,
            Problem::BirthYearDigits {
                digits: "96".into(),
                year: 1995
            }
        )]
    );
    r.id_number = "001095000000".into();
    assert_eq!(problems(&r), vec![(Field::IdNumber, Problem::ZeroSerial)]);
    assert_eq!(province_name("048"), Some("Đà Nẵng"));
}

#[test]
fn every_failure_names_its_field_in_both_languages() {
    let mut r = sample();
    r.full_name = "Nguyen 2 An".into();
    r.former_id_number = "12345".into();
    r.blood_type = "C".into();
    r.nationality = " ".into();
    let errs = validate(&r, &Policy::default(), TODAY).unwrap_err();
    assert_eq!(errs.len(), 4);
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        text[0].starts_with("Họ, chữ đệm và tên khai sinh / Full name: có ký tự"),
        "{}",
        text[0]
    );
    assert!(text
        .iter()
        .any(|t| t.contains("Quốc tịch / Nationality: không được để trống / must not be empty")));
    assert!(text
        .iter()
        .any(|t| t.contains("phải có 9 hoặc 12 chữ số / must be 9 or 12 digits")));
    assert!(text.iter().any(|t| t.contains("Nhóm máu / Blood type")));
}

fn at(dob: time::Date, issue: time::Date) -> Option<Option<time::Date>> {
    expected_expiry(dob, issue, &ExpiryRule::default())
}

#[test]
fn expiry_milestones() {
    let dob = date!(2000 - 06 - 15);
    let on = |y: i32| time::Date::from_calendar_date(y, time::Month::June, 20).unwrap();
    assert_eq!(at(dob, on(2014)), Some(Some(date!(2025 - 06 - 15))));
    assert_eq!(
        at(dob, on(2022)),
        Some(Some(date!(2025 - 06 - 15))),
        "issued at 22"
    );
    assert_eq!(
        at(dob, on(2023)),
        Some(Some(date!(2040 - 06 - 15))),
        "issued at 23: within two years of 25"
    );
    assert_eq!(at(dob, on(2024)), Some(Some(date!(2040 - 06 - 15))));
    assert_eq!(
        at(dob, on(2037)),
        Some(Some(date!(2040 - 06 - 15))),
        "issued at 37"
    );
    assert_eq!(
        at(dob, on(2038)),
        Some(Some(date!(2060 - 06 - 15))),
        "issued at 38"
    );
    assert_eq!(at(dob, on(2057)), Some(Some(date!(2060 - 06 - 15))));
    assert_eq!(at(dob, on(2058)), Some(None), "issued at 58: no expiry");
    assert_eq!(at(dob, on(2070)), Some(None));
    // Issued the day before the 23rd birthday: still aged 22.
    assert_eq!(
        at(dob, date!(2023 - 06 - 14)),
        Some(Some(date!(2025 - 06 - 15)))
    );
    // 29 February: the milestone birthday in a common year falls on 28 February.
    assert_eq!(
        at(date!(2004 - 02 - 29), date!(2020 - 01 - 01)),
        Some(Some(date!(2029 - 02 - 28)))
    );
    assert_eq!(expected_expiry(dob, on(2030), &ExpiryRule::Free), None);
}

#[test]
fn dates_and_age() {
    let mut r = sample();
    r.date_of_issue = date!(2008 - 01 - 01); // aged 12
    r.date_of_expiry = Some(date!(2020 - 05 - 12));
    assert!(problems(&r).contains(&(Field::DateOfIssue, Problem::TooYoung { age: 12 })));
    let mut r = sample();
    r.date_of_expiry = Some(date!(2040 - 05 - 12));
    assert_eq!(
        problems(&r),
        vec![(
            Field::DateOfExpiry,
            Problem::ExpiryMismatch {
                expected: Some(date!(2035 - 05 - 12)),
                milestone: Some(40)
            }
        )]
    );
    let e = validate(&r, &Policy::default(), TODAY).unwrap_err();
    assert!(e[0]
        .to_string()
        .contains("phải là 12/05/2035 (sinh nhật tuổi 40) / must be 12/05/2035 (40th birthday)"));
    let mut r = sample();
    r.date_of_issue = date!(2026 - 12 - 01);
    assert!(problems(&r).contains(&(Field::DateOfIssue, Problem::DateInFuture)));
    let free = Policy {
        expiry: ExpiryRule::Free,
        ..Policy::default()
    };
    let mut r = sample();
    r.date_of_expiry = Some(date!(2045 - 01 - 01));
    assert_eq!(validate(&r, &free, TODAY), Ok(()));
}

#[test]
fn names_nfc_and_limits() {
    let mut r = sample();
    r.full_name = "Nguye\u{302}\u{303}n Văn An".into(); // decomposed
    assert_eq!(problems(&r), vec![(Field::FullName, Problem::NotNfc)]);
    assert_eq!(problems(&r.normalized()), vec![]);
    assert_eq!(r.normalized().full_name, "Nguyễn Văn An");
    let mut r = sample();
    r.full_name = "  Nguyễn   Văn  An ".into();
    assert_eq!(r.normalized().full_name, "Nguyễn Văn An");
    let mut r = sample();
    r.mother_name = "Â".repeat(101);
    assert_eq!(
        problems(&r),
        vec![(
            Field::MotherName,
            Problem::TooLong {
                max: 100,
                actual: 101
            }
        )]
    );
    r.mother_name = "H'Hen Niê".into();
    assert_eq!(problems(&r), vec![]);
}

#[test]
fn json_round_trip_and_bilingual_errors() {
    let r = sample();
    assert_eq!(CitizenRecord::from_json(&r.to_json_pretty()).unwrap(), r);
    let mut none = r.clone();
    none.date_of_expiry = None;
    assert!(none.to_json_pretty().contains("\"date_of_expiry\": null"));
    assert_eq!(
        CitizenRecord::from_json(&none.to_json_pretty()).unwrap(),
        none
    );
    let text = include_str!("../testdata/sample.json");
    for (bad, vi) in [
        (text.replace("\"male\"", "\"m\""), "giới tính"),
        (text.replace("1995-05-12", "1995-02-30"), "ngày"),
        (
            text.replace("\"religion\"", "\"religon\""),
            "không xác định",
        ),
        ("[1, 2]".to_string(), "ngày"),
        ("{".to_string(), "cú pháp"),
    ] {
        let e = CitizenRecord::from_json(&bad).unwrap_err();
        assert!(e.vi.contains(vi), "{bad:.40}: {e}");
        assert!(e.to_string().contains(" / invalid record JSON: "));
    }
    assert_eq!(r.field_text(Field::DateOfBirth), "12/05/1995");
    assert_eq!(r.field_text(Field::Sex), "Nam");
    assert_eq!(none.field_text(Field::DateOfExpiry), "Không thời hạn");
    assert_eq!(
        Field::ALL.iter().map(|f| f.number()).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<_>>()
    );
    assert_eq!(Field::FormerIdNumber.json_key(), "former_id_number");
}

#[test]
fn policy_from_profile_toml() {
    let p: Policy =
        serde_json::from_str(r#"{"name_max_chars": 50, "expiry": {"kind": "free"}}"#).unwrap();
    assert_eq!(p.name_max_chars, 50);
    assert_eq!(p.address_max_chars, 250);
    assert_eq!(p.expiry, ExpiryRule::Free);
}

proptest! {
    #[test]
    fn never_panics(s in ".{0,300}", id in "[0-9]{0,14}", y in 1800i32..2500, d in 1u8..=28) {
        let _ = CitizenRecord::from_json(&s);
        let mut r = sample();
        r.id_number = id;
        r.full_name = s.clone();
        r.place_of_residence = s;
        r.date_of_birth = time::Date::from_calendar_date(y, time::Month::March, d).unwrap();
        let _ = validate(&r, &Policy::default(), TODAY);
        let _ = r.normalized();
    }
}
