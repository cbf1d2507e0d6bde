use super::*;
use unicode_normalization::UnicodeNormalization;

#[test]
fn sample_record_is_valid() {
    let r = sample();
    assert_eq!(problems(&r), vec![]);
    assert_eq!(r.id_number, "001095012345");
    assert_eq!(r.full_name, "Nguyễn Văn An");
    assert_eq!(r.date_of_birth, date!(1995 - 05 - 12));
    assert_eq!(r.sex, Sex::Male);
    assert_eq!(r.date_of_issue, date!(2026 - 11 - 20));
    // Issued at 31: valid until the 40th birthday.
    assert_eq!(r.date_of_expiry, Some(date!(2035 - 05 - 12)));
    assert_eq!(r.normalized(), r, "the sample is already normalized");
}

#[test]
fn long_names_record_is_valid_and_uses_every_letter_and_tone() {
    let r = match CitizenRecord::from_json(LONG_NAMES) {
        Ok(r) => r,
        Err(e) => panic!("testdata/long-names.json: {e}"),
    };
    assert_eq!(problems(&r), vec![]);
    assert_eq!(r.normalized(), r);
    // Long: near the default limits.
    assert!(r.full_name.chars().count() > 70);
    for f in Field::ALL.into_iter().filter(|f| f.is_address()) {
        assert!(r.field_text(f).chars().count() > 200, "{f:?} is short");
    }
    // Names and addresses together hold each of the 12 vowels with no mark and with each
    // of the 5 tone marks, and đ, in lower and upper case: 146 letters.
    let text: String = Field::ALL
        .into_iter()
        .filter(|f| f.is_name() || f.is_address())
        .map(|f| r.field_text(f))
        .collect();
    let mut letters = vec!['đ', 'Đ'];
    for vowel in ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"] {
        // none, huyền, sắc, hỏi, ngã, nặng
        for tone in ["", "\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"] {
            let nfc: Vec<char> = format!("{vowel}{tone}").nfc().collect();
            assert_eq!(nfc.len(), 1, "{vowel}{tone} has a precomposed form");
            for c in nfc {
                letters.push(c);
                letters.extend(c.to_uppercase());
            }
        }
    }
    assert_eq!(letters.len(), 146);
    let missing: String = letters.iter().filter(|c| !text.contains(**c)).collect();
    assert_eq!(missing, "", "letters missing from names and addresses");
}

#[test]
fn the_twenty_fields() {
    let numbers: Vec<u8> = Field::ALL.iter().map(|f| f.number()).collect();
    assert_eq!(numbers, (1..=20).collect::<Vec<u8>>());
    let keys: Vec<&str> = Field::ALL.iter().map(|f| f.json_key()).collect();
    assert_eq!(
        keys,
        [
            "id_number",
            "full_name",
            "date_of_birth",
            "sex",
            "nationality",
            "ethnicity",
            "religion",
            "place_of_origin",
            "place_of_residence",
            "identifying_marks",
            "date_of_issue",
            "date_of_expiry",
            "father_name",
            "mother_name",
            "spouse_name",
            "former_id_number",
            "place_of_birth_registration",
            "blood_type",
            "current_residence",
            "issuing_authority",
        ]
    );
    let labels: Vec<&str> = Field::ALL.iter().map(|f| f.label_vi()).collect();
    assert_eq!(
        labels,
        [
            "Số định danh cá nhân",
            "Họ, chữ đệm và tên khai sinh",
            "Ngày, tháng, năm sinh",
            "Giới tính",
            "Quốc tịch",
            "Dân tộc",
            "Tôn giáo",
            "Quê quán",
            "Nơi thường trú",
            "Đặc điểm nhận dạng",
            "Ngày cấp",
            "Có giá trị đến",
            "Họ tên cha",
            "Họ tên mẹ",
            "Họ tên vợ/chồng",
            "Số CMND/CCCD cũ",
            "Nơi đăng ký khai sinh",
            "Nhóm máu",
            "Nơi ở hiện tại",
            "Nơi cấp",
        ]
    );
    for f in Field::ALL {
        assert!(unicode_normalization::is_nfc(f.label_vi()));
        assert!(!f.label_en().is_empty());
        assert_eq!(Field::from_json_key(f.json_key()), Some(f));
        // serde names agree with json_key, so a UI can use either.
        assert_eq!(
            serde_json::to_value(f).ok(),
            Some(serde_json::Value::from(f.json_key()))
        );
    }
    assert_eq!(Field::from_json_key("name"), None);
    let required: Vec<Field> = Field::ALL.into_iter().filter(|f| f.is_required()).collect();
    assert_eq!(
        required,
        [
            Field::IdNumber,
            Field::FullName,
            Field::DateOfBirth,
            Field::Sex,
            Field::Nationality,
            Field::Ethnicity,
            Field::PlaceOfOrigin,
            Field::PlaceOfResidence,
            Field::DateOfIssue,
            Field::IssuingAuthority,
        ]
    );
    assert_eq!(
        (Sex::Male.label_vi(), Sex::Female.label_vi()),
        ("Nam", "Nữ")
    );
    assert_eq!(
        (Sex::Male.label_en(), Sex::Female.label_en()),
        ("Male", "Female")
    );
}

#[test]
fn field_text_is_what_the_card_shows() {
    let mut r = sample();
    let shown: Vec<String> = Field::ALL.iter().map(|f| r.field_text(*f)).collect();
    assert_eq!(shown[0], "001095012345");
    assert_eq!(shown[2], "12/05/1995");
    assert_eq!(shown[3], "Nam");
    assert_eq!(shown[10], "20/11/2026");
    assert_eq!(shown[11], "12/05/2035");
    assert_eq!(shown[14], "", "no spouse");
    r.sex = Sex::Female;
    r.date_of_expiry = None;
    assert_eq!(r.field_text(Field::Sex), "Nữ");
    assert_eq!(r.field_text(Field::DateOfExpiry), "Không thời hạn");
    assert_eq!(r.text(Field::DateOfBirth), None);
    assert_eq!(r.text(Field::FullName), Some("Nguyễn Văn An"));
}

#[test]
fn provinces() {
    assert_eq!(province_name("001"), Some("Hà Nội"));
    assert_eq!(province_name("048"), Some("Đà Nẵng"));
    assert_eq!(province_name("079"), Some("Hồ Chí Minh"));
    assert_eq!(province_name("096"), Some("Cà Mau"));
    for gap in ["000", "003", "099", "1", "0011", ""] {
        assert_eq!(province_name(gap), None, "{gap}");
    }
    let count = (0..1000)
        .filter(|n| province_name(&format!("{n:03}")).is_some())
        .count();
    assert_eq!(count, 63);
}

#[test]
fn policy_limits_per_field() {
    let p = Policy::default();
    assert_eq!(p.max_chars(Field::FullName), Some(100));
    assert_eq!(p.max_chars(Field::SpouseName), Some(100));
    assert_eq!(p.max_chars(Field::PlaceOfBirthRegistration), Some(250));
    assert_eq!(p.max_chars(Field::IssuingAuthority), Some(200));
    assert_eq!(p.max_chars(Field::IdNumber), None);
    assert_eq!(p.max_chars(Field::DateOfExpiry), None);
    assert_eq!(p.max_chars(Field::BloodType), None);
}

#[test]
fn policy_from_a_profile_table() {
    // As in firmware-profiles/*.toml: every key may be left out.
    let p: Policy = toml::from_str("").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p, Policy::default());
    let p: Policy = toml::from_str("name_max_chars = 60\nexpiry = { kind = \"free\" }")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.name_max_chars, 60);
    assert_eq!(p.address_max_chars, 250);
    assert_eq!(p.expiry, ExpiryRule::Free);
    let p: Policy = toml::from_str("[expiry]\nkind = \"milestones\"\ngrace_years = 0")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.expiry,
        ExpiryRule::Milestones {
            ages: vec![25, 40, 60],
            grace_years: 0
        }
    );
    // A misspelt key is an error, not a silently ignored limit.
    assert!(toml::from_str::<Policy>("name_max_char = 60").is_err());
    assert!(toml::from_str::<Policy>("[expiry]\nkind = \"milestones\"\nage = [1]").is_err());
    assert!(toml::from_str::<Policy>("expiry = { kind = \"never\" }").is_err());
    // The [policy] tables of the profiles in the tree read.
    for profile in [
        include_str!("../../../../firmware-profiles/vn-citizen-card.toml"),
        include_str!("../../../../firmware-profiles/jmrtd-passport-applet.toml"),
    ] {
        let table: toml::Table = toml::from_str(profile).unwrap_or_else(|e| panic!("{e}"));
        if let Some(policy) = table.get("policy").cloned() {
            if let Err(e) = policy.try_into::<Policy>() {
                panic!("{e}");
            }
        }
    }
}
