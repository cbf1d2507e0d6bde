use super::*;

fn err(text: &str) -> RecordError {
    match CitizenRecord::from_json(text) {
        Ok(r) => panic!("accepted {text:.60}: {r:?}"),
        Err(e) => e,
    }
}

/// The sample's JSON with one value replaced (by its key).
fn sample_with(key: &str, value: &str) -> String {
    let mut v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(SAMPLE).unwrap_or_default();
    let value = serde_json::from_str(value).unwrap_or_else(|e| panic!("{value}: {e}"));
    v.insert(key.to_string(), value);
    serde_json::Value::Object(v).to_string()
}

fn sample_without(key: &str) -> String {
    let mut v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(SAMPLE).unwrap_or_default();
    v.remove(key);
    serde_json::Value::Object(v).to_string()
}

#[test]
fn round_trip() {
    let r = sample();
    let text = r.to_json_pretty();
    assert_eq!(CitizenRecord::from_json(&text), Ok(r.clone()));
    // Same keys, same order, as the file.
    assert_eq!(text.trim_end(), SAMPLE.trim_end());
    let mut none = r.clone();
    none.date_of_expiry = None;
    assert!(none.to_json_pretty().contains("\"date_of_expiry\": null"));
    assert_eq!(
        CitizenRecord::from_json(&none.to_json_pretty()),
        Ok(none.clone())
    );
    // Left out is the same as null.
    assert_eq!(
        CitizenRecord::from_json(&sample_without("date_of_expiry")),
        Ok(none)
    );
    let long = CitizenRecord::from_json(LONG_NAMES).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(CitizenRecord::from_json(&long.to_json_pretty()), Ok(long));
}

#[test]
fn optional_fields_may_be_left_out() {
    let mut v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(SAMPLE).unwrap_or_default();
    v.retain(|k, _| Field::from_json_key(k).is_some_and(Field::is_required));
    assert_eq!(v.len(), 10);
    let text = serde_json::Value::Object(v).to_string();
    let r = CitizenRecord::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.religion, "");
    assert_eq!(r.father_name, "");
    assert_eq!(r.date_of_expiry, None);
    // serde agrees.
    assert_eq!(serde_json::from_str::<CitizenRecord>(&text).ok(), Some(r));
    // And each required one left out is named.
    for f in Field::ALL.into_iter().filter(|f| f.is_required()) {
        assert_eq!(
            err(&sample_without(f.json_key())),
            RecordError::Missing { field: f }
        );
        assert!(serde_json::from_str::<CitizenRecord>(&sample_without(f.json_key())).is_err());
    }
}

#[test]
fn bad_sex() {
    let e = err(&SAMPLE.replace("\"male\"", "\"m\""));
    assert_eq!(
        e,
        RecordError::Sex {
            value: "\"m\"".into()
        }
    );
    assert_eq!(e.field(), Some(Field::Sex));
    assert_eq!(
        e.to_string(),
        "Giới tính / Sex: phải là \"male\" (nam) hoặc \"female\" (nữ), không phải \"m\" / \
         must be \"male\" or \"female\", not \"m\""
    );
    for v in ["\"Male\"", "\"Nam\"", "1", "null"] {
        assert!(
            matches!(err(&sample_with("sex", v)), RecordError::Sex { .. }),
            "{v}"
        );
    }
}

#[test]
fn bad_dates() {
    let e = err(&SAMPLE.replace("1995-05-12", "1995-02-30"));
    assert_eq!(
        e,
        RecordError::NoSuchDate {
            field: Field::DateOfBirth,
            value: "1995-02-30".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "Ngày, tháng, năm sinh / Date of birth: không có ngày 1995-02-30 / \
         there is no day 1995-02-30"
    );
    assert!(matches!(
        err(&sample_with("date_of_issue", "\"2026-13-01\"")),
        RecordError::NoSuchDate {
            field: Field::DateOfIssue,
            ..
        }
    ));
    assert!(matches!(
        err(&sample_with("date_of_expiry", "\"2035-00-12\"")),
        RecordError::NoSuchDate {
            field: Field::DateOfExpiry,
            ..
        }
    ));
    for form in [
        "\"12/05/1995\"",
        "\"1995-5-12\"",
        "\"19950512\"",
        "\"+1995-05-12\"",
        "\"1995-05-12T00:00\"",
        "\" 1995-05-12\"",
        "19950512",
        "null",
        "\"\"",
    ] {
        let e = err(&sample_with("date_of_birth", form));
        assert_eq!(
            e,
            RecordError::DateForm {
                field: Field::DateOfBirth,
                value: form.into()
            },
            "{form}"
        );
    }
    let e = err(&sample_with("date_of_expiry", "\"không thời hạn\""));
    assert_eq!(
        e.to_string(),
        "Có giá trị đến / Date of expiry: \"không thời hạn\" không phải ngày dạng \
         \"YYYY-MM-DD\" hoặc null (không thời hạn) / \"không thời hạn\" is not a date \
         \"YYYY-MM-DD\" or null (no expiry)"
    );
    // serde rejects the same dates.
    for bad in ["\"1995-02-30\"", "\"12/05/1995\"", "\"+1995-05-12\""] {
        assert!(serde_json::from_str::<CitizenRecord>(&sample_with("date_of_birth", bad)).is_err());
    }
}

#[test]
fn unknown_and_repeated_keys() {
    let e = err(&SAMPLE.replace("\"religion\"", "\"religon\""));
    assert_eq!(
        e,
        RecordError::UnknownKey {
            key: "religon".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "Hồ sơ JSON / Record JSON: trường \"religon\" không thuộc 20 trường của thẻ / \
         \"religon\" is not one of the card's 20 fields"
    );
    let twice = SAMPLE.replacen("{", "{\"full_name\": \"Trần Văn B\",", 1);
    assert_eq!(
        err(&twice),
        RecordError::DuplicateKey {
            field: Field::FullName
        }
    );
    assert!(serde_json::from_str::<CitizenRecord>(&twice).is_err());
}

#[test]
fn not_an_object() {
    for (text, found) in [
        ("[1, 2]", "array"),
        ("[]", "array"),
        ("\"001095012345\"", "string"),
        ("42", "number"),
        ("-1.5e3", "number"),
        ("true", "boolean"),
        ("null", "null"),
    ] {
        assert_eq!(err(text), RecordError::NotAnObject { found }, "{text}");
    }
    assert_eq!(
        err("[1, 2]").to_string(),
        "Hồ sơ JSON / Record JSON: hồ sơ phải là một đối tượng JSON { … }, không phải mảng / \
         the record must be a JSON object { … }, not array"
    );
    // The 20 values as an array, which serde's derive would take: refused.
    let values: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(SAMPLE).unwrap_or_default();
    let array = serde_json::Value::Array(values.into_iter().map(|(_, v)| v).collect());
    assert_eq!(
        err(&array.to_string()),
        RecordError::NotAnObject { found: "array" }
    );
}

#[test]
fn malformed_json() {
    let e = err("{\"id_number\": \"001095012345\",, }");
    let RecordError::Syntax { line, column, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!((*line, *column), (1, 30));
    assert!(
        e.message_vi()
            .starts_with("JSON sai cú pháp ở dòng 1, cột 30"),
        "{e}"
    );
    assert!(
        e.message_en()
            .starts_with("JSON syntax error at line 1, column 30: "),
        "{e}"
    );
    assert!(
        !e.message_en().ends_with("column 30"),
        "position said once: {e}"
    );
    assert!(matches!(err("{"), RecordError::Truncated { .. }));
    assert!(matches!(err(""), RecordError::Truncated { .. }));
    assert!(matches!(
        err(&SAMPLE[..SAMPLE.len() / 2]),
        RecordError::Truncated { .. }
    ));
    assert!(matches!(err("[1, 2"), RecordError::Truncated { .. }));
    assert!(matches!(err("[1, }"), RecordError::Syntax { .. }));
    assert!(matches!(
        err(&format!("{SAMPLE} x")),
        RecordError::Syntax { .. }
    ));
    assert!(matches!(err("\u{feff}{}"), RecordError::Syntax { .. }));
    assert_eq!(err("{").field(), None);
    assert!(err("{")
        .to_string()
        .starts_with("Hồ sơ JSON / Record JSON: JSON bị cắt cụt"));
}

#[test]
fn wrong_types() {
    assert_eq!(
        err(&sample_with("id_number", "1095012345")),
        RecordError::NotText {
            field: Field::IdNumber,
            found: "number"
        }
    );
    let e = err(&sample_with("spouse_name", "null"));
    assert_eq!(
        e.to_string(),
        "Họ tên vợ/chồng / Spouse's full name: phải là chuỗi (để trống thì ghi \"\"), không \
         phải null / must be a string (\"\" when empty), not null"
    );
    assert!(matches!(
        err(&sample_with("place_of_origin", "{\"xa\": 1}")),
        RecordError::NotText {
            found: "object",
            ..
        }
    ));
}

#[test]
fn text_is_kept_as_typed() {
    // from_json does not normalize: validation reports, the UI decides.
    let r = CitizenRecord::from_json(&sample_with("full_name", "\"  Nguye\\u0302\\u0303n  \""))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.full_name, "  Nguye\u{302}\u{303}n  ");
}
