use super::*;

fn set(r: &mut CitizenRecord, field: Field, value: &str) {
    let slot = match field {
        Field::IdNumber => &mut r.id_number,
        Field::FullName => &mut r.full_name,
        Field::Nationality => &mut r.nationality,
        Field::Ethnicity => &mut r.ethnicity,
        Field::Religion => &mut r.religion,
        Field::PlaceOfOrigin => &mut r.place_of_origin,
        Field::PlaceOfResidence => &mut r.place_of_residence,
        Field::IdentifyingMarks => &mut r.identifying_marks,
        Field::FatherName => &mut r.father_name,
        Field::MotherName => &mut r.mother_name,
        Field::SpouseName => &mut r.spouse_name,
        Field::FormerIdNumber => &mut r.former_id_number,
        Field::PlaceOfBirthRegistration => &mut r.place_of_birth_registration,
        Field::BloodType => &mut r.blood_type,
        Field::CurrentResidence => &mut r.current_residence,
        Field::IssuingAuthority => &mut r.issuing_authority,
        _ => panic!("{field:?} is not text"),
    };
    *slot = value.to_string();
}

fn with(field: Field, value: &str) -> Vec<(Field, Problem)> {
    let mut r = sample();
    set(&mut r, field, value);
    problems(&r)
}

fn text_fields() -> impl Iterator<Item = Field> {
    Field::ALL.into_iter().filter(|f| {
        sample().text(*f).is_some()
            && !matches!(
                f,
                Field::IdNumber | Field::FormerIdNumber | Field::BloodType
            )
    })
}

#[test]
fn decomposed_name_is_reported_and_normalized() {
    // "Nguyễn" typed as n, g, u, y, e, U+0302 circumflex, U+0303 tilde, n.
    let decomposed = "Nguye\u{302}\u{303}n Văn An";
    assert_ne!(decomposed, "Nguyễn Văn An");
    assert_eq!(
        with(Field::FullName, decomposed),
        vec![(Field::FullName, Problem::NotNfc)]
    );
    let mut r = sample();
    r.full_name = decomposed.into();
    r.place_of_origin = "Xa\u{303} Đông Hội, huyện Đông Anh, Hà Nội".into();
    let n = r.normalized();
    assert_eq!(n.full_name, "Nguyễn Văn An");
    assert_eq!(n.place_of_origin, sample().place_of_origin);
    assert_eq!(problems(&n), vec![]);
    let e = ValidationError {
        field: Field::FullName,
        problem: Problem::NotNfc,
    };
    assert_eq!(
        e.to_string(),
        "Họ, chữ đệm và tên khai sinh / Full name: chưa ở dạng Unicode dựng sẵn (NFC); cần \
         chuẩn hóa / is not in Unicode NFC (precomposed) form; normalize it"
    );
}

#[test]
fn normalized_trims_and_collapses_whitespace() {
    let mut r = sample();
    r.full_name = "  Nguyễn \t Văn\u{a0}\u{a0}An\n".into();
    r.spouse_name = "   ".into();
    r.blood_type = " O+ ".into();
    let n = r.normalized();
    assert_eq!(n.full_name, "Nguyễn Văn An");
    assert_eq!(n.spouse_name, "");
    assert_eq!(n.blood_type, "O+");
    assert_eq!(n.normalized(), n);
}

#[test]
fn names() {
    for name in [
        "H'Hen Niê",
        "Nguyễn Thị Minh-Khai",
        "Y Blê Êban",
        "Lò Văn Páo",
        "Giàng A Sử",
        "NGUYỄN VĂN AN",
    ] {
        assert_eq!(with(Field::MotherName, name), vec![], "{name}");
    }
    assert_eq!(
        with(Field::FullName, "Nguyễn Văn 2"),
        vec![(Field::FullName, Problem::DigitInName { digit: '2' })]
    );
    assert_eq!(
        with(Field::FatherName, "Trần Văn B."),
        vec![(Field::FatherName, Problem::NameCharacter { found: '.' })]
    );
    assert_eq!(
        with(Field::SpouseName, "Lê Thị Hoa (đã mất)"),
        vec![(Field::SpouseName, Problem::NameCharacter { found: '(' })]
    );
    assert_eq!(
        with(Field::MotherName, "Trần Thị\u{200B}Cúc"),
        vec![(
            Field::MotherName,
            Problem::ControlCharacter { code: 0x200B }
        )]
    );
    // Both kinds in one name, one problem each.
    assert_eq!(
        with(Field::FullName, "An 2 @ 3"),
        vec![
            (Field::FullName, Problem::DigitInName { digit: '2' }),
            (Field::FullName, Problem::NameCharacter { found: '@' }),
        ]
    );
    let p = Problem::DigitInName { digit: '2' };
    assert_eq!(p.message_vi(), "không được có chữ số (2)");
    assert_eq!(p.message_en(), "must not contain digits (2)");
}

#[test]
fn required_and_blank() {
    for field in text_fields() {
        let got = with(field, "");
        let blank = with(field, " \t ");
        if field.is_required() {
            assert_eq!(got, vec![(field, Problem::Empty)], "{field:?}");
            assert_eq!(blank, vec![(field, Problem::Empty)], "{field:?}");
        } else {
            assert_eq!(got, vec![], "{field:?}");
            assert_eq!(blank, vec![(field, Problem::OnlyWhitespace)], "{field:?}");
        }
    }
    assert_eq!(with(Field::Religion, "Không"), vec![]);
    assert_eq!(with(Field::Nationality, "Việt Nam"), vec![]);
}

#[test]
fn control_characters_anywhere() {
    for field in text_fields() {
        for (c, code) in [
            ('\u{0}', 0),
            ('\n', 0x0A),
            ('\u{202E}', 0x202E),
            ('\u{FEFF}', 0xFEFF),
        ] {
            let got = with(field, &format!("Hà{c}Nội"));
            assert_eq!(
                got,
                vec![(field, Problem::ControlCharacter { code })],
                "{field:?} {code:X}"
            );
        }
    }
    assert_eq!(
        Problem::ControlCharacter { code: 0x202E }.message_en(),
        "contains the control or invisible character U+202E"
    );
}

#[test]
fn length_limits_count_characters() {
    let policy = Policy::default();
    for field in text_fields() {
        let max = policy.max_chars(field).unwrap_or(0);
        // "Ữ" is 3 bytes in UTF-8; the limit is in characters.
        let at = "Ữ".repeat(max);
        assert_eq!(with(field, &at), vec![], "{field:?} at {max}");
        let over = "Ữ".repeat(max + 1);
        assert_eq!(
            with(field, &over),
            vec![(
                field,
                Problem::TooLong {
                    max,
                    actual: max + 1
                }
            )],
            "{field:?}"
        );
    }
    // A decomposed letter counts once (and is reported as not NFC).
    let decomposed = "U\u{31B}\u{303}".repeat(100);
    assert_eq!(
        with(Field::FullName, &decomposed),
        vec![(Field::FullName, Problem::NotNfc)]
    );
    let tight = Policy {
        name_max_chars: 5,
        address_max_chars: 10,
        text_max_chars: 3,
        ..Policy::default()
    };
    let errs = problems_with(&sample(), &tight);
    assert!(errs.contains(&(Field::FullName, Problem::TooLong { max: 5, actual: 13 })));
    assert!(errs.contains(&(Field::Nationality, Problem::TooLong { max: 3, actual: 8 })));
    assert_eq!(
        Problem::TooLong { max: 3, actual: 8 }.message_vi(),
        "dài 8 ký tự, tối đa 3 ký tự"
    );
}

#[test]
fn former_id_number() {
    for ok in ["", "012345678", "001095012345"] {
        assert_eq!(with(Field::FormerIdNumber, ok), vec![], "{ok}");
    }
    for (bad, length) in [
        ("12345", 5),
        ("0123456789", 10),
        ("01234567a", 9),
        ("０１２３４５６７８", 9),
    ] {
        assert_eq!(
            with(Field::FormerIdNumber, bad),
            vec![(Field::FormerIdNumber, Problem::FormerIdForm { length })],
            "{bad}"
        );
    }
    assert_eq!(
        Problem::FormerIdForm { length: 5 }.message_vi(),
        "phải có 9 hoặc 12 chữ số (đang có 5 ký tự)"
    );
}

#[test]
fn blood_type() {
    for ok in [
        "",
        "A",
        "B",
        "AB",
        "O",
        "A+",
        "B-",
        "AB+",
        "O-",
        "AB\u{2212}",
        "O\u{2212}",
    ] {
        assert_eq!(with(Field::BloodType, ok), vec![], "{ok}");
    }
    for (typed, canonical) in [
        ("ab+", "AB+"),
        ("o", "O"),
        ("0+", "O+"),
        ("A +", "A+"),
        ("b\u{2212}", "B\u{2212}"),
    ] {
        assert_eq!(
            with(Field::BloodType, typed),
            vec![(
                Field::BloodType,
                Problem::BloodTypeForm {
                    expected: canonical.into()
                }
            )],
            "{typed}"
        );
    }
    for bad in ["C", "A++", "Rh+", "AB+-", "nhóm O", "BA"] {
        assert_eq!(
            with(Field::BloodType, bad),
            vec![(Field::BloodType, Problem::UnknownBloodType)],
            "{bad}"
        );
    }
    let p = Problem::BloodTypeForm {
        expected: "AB+".into(),
    };
    assert_eq!(p.message_vi(), "phải viết là AB+");
    assert_eq!(p.message_en(), "must be written AB+");
}

#[test]
fn all_problems_reported_in_field_order() {
    let mut r = sample();
    r.blood_type = "C".into();
    r.id_number = "099095012345".into();
    r.former_id_number = "12345".into();
    r.nationality = " ".into();
    r.full_name = "Nguyen 2 An".into();
    r.date_of_expiry = None;
    let errs = validate(&r, &Policy::default(), TODAY)
        .err()
        .unwrap_or_default();
    let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            Field::IdNumber,
            Field::FullName,
            Field::Nationality,
            Field::DateOfExpiry,
            Field::FormerIdNumber,
            Field::BloodType
        ]
    );
}

/// Every problem: its field and both messages, through Display.
#[test]
fn every_problem_names_its_field_in_both_languages() {
    type Change = fn(&mut CitizenRecord);
    let cases: Vec<(Change, Field, &str, &str)> = vec![
        (
            |r| r.id_number = "1".into(),
            Field::IdNumber,
            "phải có đúng 12 chữ số",
            "must be exactly 12 digits",
        ),
        (
            |r| r.id_number = "099095012345".into(),
            Field::IdNumber,
            "mã tỉnh 099 không có trong danh mục",
            "province code 099 is not on the official list",
        ),
        (
            |r| r.id_number = "001195012345".into(),
            Field::IdNumber,
            "chữ số thứ 4 là 1 (nữ, sinh 1900–1999) nhưng giới tính là Nam",
            "4th digit is 1 (female, born 1900–1999) but sex is Male",
        ),
        (
            |r| r.sex = Sex::Female,
            Field::IdNumber,
            "chữ số thứ 4 là 0 (nam, sinh 1900–1999) nhưng giới tính là Nữ",
            "4th digit is 0 (male, born 1900–1999) but sex is Female",
        ),
        (
            |r| r.id_number = "001295012345".into(),
            Field::IdNumber,
            "chữ số thứ 4 là 2 (sinh 2000–2099) nhưng năm sinh là 1995",
            "4th digit is 2 (born 2000–2099) but the year of birth is 1995",
        ),
        (
            |r| r.id_number = "001094012345".into(),
            Field::IdNumber,
            "chữ số thứ 5–6 là 94 nhưng năm sinh là 1995",
            "digits 5–6 are 94 but the year of birth is 1995",
        ),
        (
            |r| r.id_number = "001095000000".into(),
            Field::IdNumber,
            "6 chữ số cuối không được đều là 0",
            "the last 6 digits must not all be 0",
        ),
        (
            |r| r.full_name = "".into(),
            Field::FullName,
            "không được để trống",
            "must not be empty",
        ),
        (
            |r| r.full_name = "Nguye\u{302}\u{303}n Văn An".into(),
            Field::FullName,
            "NFC",
            "NFC",
        ),
        (
            |r| r.full_name = "Nguyễn Văn An 2".into(),
            Field::FullName,
            "chữ số",
            "digits",
        ),
        (
            |r| r.full_name = "Nguyễn_Văn_An".into(),
            Field::FullName,
            "không dùng trong tên",
            "names do not use",
        ),
        (
            |r| r.full_name = "A".repeat(101),
            Field::FullName,
            "dài 101 ký tự, tối đa 100 ký tự",
            "is 101 characters long, at most 100 allowed",
        ),
        (
            |r| r.date_of_birth = date!(2026 - 11 - 24),
            Field::DateOfBirth,
            "không được sau ngày hôm nay",
            "must not be after today",
        ),
        (
            |r| r.date_of_birth = date!(1899 - 05 - 12),
            Field::DateOfBirth,
            "không được trước ngày 01/01/1900",
            "must not be before 01/01/1900",
        ),
        (
            |r| r.date_of_issue = date!(2026 - 11 - 24),
            Field::DateOfIssue,
            "không được sau ngày hôm nay (23/11/2026)",
            "must not be after today (23/11/2026)",
        ),
        (
            |r| r.date_of_issue = date!(1995 - 05 - 11),
            Field::DateOfIssue,
            "không được trước ngày sinh (12/05/1995)",
            "must not be before the date of birth (12/05/1995)",
        ),
        (
            |r| r.date_of_issue = date!(2009 - 05 - 11),
            Field::DateOfIssue,
            "mới 13 tuổi",
            "was 13 at issue",
        ),
        (
            |r| r.date_of_expiry = None,
            Field::DateOfExpiry,
            "phải là 12/05/2035 (sinh nhật tuổi 40)",
            "must be 12/05/2035 (40th birthday)",
        ),
        (
            |r| {
                r.date_of_birth = date!(1960 - 01 - 01);
                r.id_number = "001060012345".into();
            },
            Field::DateOfExpiry,
            "thẻ cấp khi công dân từ 58 tuổi trở lên có giá trị không thời hạn",
            "a card issued at 58 or older has no expiry",
        ),
        (
            |r| r.ethnicity = "Kinh\u{7}".into(),
            Field::Ethnicity,
            "ký tự điều khiển hoặc ký tự ẩn U+0007",
            "control or invisible character U+0007",
        ),
        (
            |r| r.father_name = "  ".into(),
            Field::FatherName,
            "chỉ có khoảng trắng",
            "only spaces",
        ),
        (
            |r| r.former_id_number = "12345".into(),
            Field::FormerIdNumber,
            "phải có 9 hoặc 12 chữ số",
            "must be 9 or 12 digits",
        ),
        (
            |r| r.blood_type = "o+".into(),
            Field::BloodType,
            "phải viết là O+",
            "must be written O+",
        ),
        (
            |r| r.blood_type = "C".into(),
            Field::BloodType,
            "phải là A, B, AB hoặc O",
            "must be A, B, AB or O",
        ),
        (
            |r| r.issuing_authority = "".into(),
            Field::IssuingAuthority,
            "không được để trống",
            "must not be empty",
        ),
    ];
    for (change, field, vi, en) in cases {
        let mut r = sample();
        change(&mut r);
        let errs = validate(&r, &Policy::default(), TODAY)
            .err()
            .unwrap_or_default();
        let Some(e) = errs.iter().find(|e| e.field == field) else {
            panic!("no problem with {field:?}: {errs:?}");
        };
        let text = e.to_string();
        let head = format!("{} / {}: ", field.label_vi(), field.label_en());
        assert!(text.starts_with(&head), "{text}");
        assert!(e.problem.message_vi().contains(vi), "{text}");
        assert!(e.problem.message_en().contains(en), "{text}");
        assert_eq!(
            text,
            format!(
                "{head}{} / {}",
                e.problem.message_vi(),
                e.problem.message_en()
            )
        );
        assert_ne!(e.problem.message_vi(), e.problem.message_en());
        let source: &dyn std::error::Error = e;
        assert_eq!(source.to_string(), text);
    }
}
