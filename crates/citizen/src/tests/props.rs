//! No input makes the crate panic, and its JSON reading agrees with serde's.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn any_date() -> impl Strategy<Value = Date> {
    prop_oneof![
        // Anywhere in the range `time` supports (years -9999..=9999)…
        (Date::MIN.to_julian_day()..=Date::MAX.to_julian_day()),
        // …and, more often, near real dates.
        (date!(1890 - 01 - 01).to_julian_day()..=date!(2100 - 12 - 31).to_julian_day()),
    ]
    .prop_map(|jd| Date::from_julian_day(jd).unwrap_or(Date::MIN))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,14}",
        "[ \t\u{a0}a-zA-ZàáạảãăằắặẳẵâầấậẩẫđèéẹẻẽêềếệểễĐƯỮ0-9\u{300}-\u{323}'.+-]{0,40}",
        Just(String::new()),
    ]
}

fn any_policy() -> impl Strategy<Value = Policy> {
    let rule = prop_oneof![
        Just(ExpiryRule::Free),
        Just(ExpiryRule::default()),
        (vec(any::<u8>(), 0..5), any::<u8>())
            .prop_map(|(ages, grace_years)| ExpiryRule::Milestones { ages, grace_years }),
    ];
    (0..300usize, 0..300usize, 0..300usize, rule).prop_map(|(n, a, t, expiry)| Policy {
        name_max_chars: n,
        address_max_chars: a,
        text_max_chars: t,
        expiry,
    })
}

fn any_record() -> impl Strategy<Value = CitizenRecord> {
    let texts = vec(any_text(), 16);
    let dates = (any_date(), any_date(), proptest::option::of(any_date()));
    let sex = prop_oneof![Just(Sex::Male), Just(Sex::Female)];
    (texts, dates, sex).prop_map(|(t, (dob, issue, expiry), sex)| {
        let mut t = t.into_iter();
        let mut next = || t.next().unwrap_or_default();
        CitizenRecord {
            id_number: next(),
            full_name: next(),
            date_of_birth: dob,
            sex,
            nationality: next(),
            ethnicity: next(),
            religion: next(),
            place_of_origin: next(),
            place_of_residence: next(),
            identifying_marks: next(),
            date_of_issue: issue,
            date_of_expiry: expiry,
            father_name: next(),
            mother_name: next(),
            spouse_name: next(),
            former_id_number: next(),
            place_of_birth_registration: next(),
            blood_type: next(),
            current_residence: next(),
            issuing_authority: next(),
        }
    })
}

/// A JSON value text for a field, often of the right shape.
fn any_json_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any_text().prop_map(|s| serde_json::Value::String(s).to_string()),
        "\"[0-9+-]{4,5}-[0-9]{1,2}-[0-9]{1,3}\"",
        Just("\"male\"".to_string()),
        Just("\"female\"".to_string()),
        Just("null".to_string()),
        Just("12".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ]
}

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => proptest::sample::select(Field::ALL.to_vec()).prop_map(|f| f.json_key().to_string()),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn validate_never_panics(r in any_record(), policy in any_policy(), today in any_date()) {
        if let Err(errs) = validate(&r, &policy, today) {
            prop_assert!(!errs.is_empty());
            prop_assert!(errs.windows(2).all(|w| w[0].field <= w[1].field));
            for e in &errs {
                prop_assert!(!e.problem.message_vi().is_empty());
                prop_assert!(!e.problem.message_en().is_empty());
                let _ = e.to_string();
            }
        }
        let n = r.normalized();
        prop_assert_eq!(n.normalized(), n.clone());
        if let Err(errs) = validate(&n, &policy, today) {
            prop_assert!(errs.iter().all(|e| e.problem != Problem::NotNfc));
            prop_assert!(errs.iter().all(|e| e.problem != Problem::OnlyWhitespace));
        }
        for f in Field::ALL {
            let _ = r.field_text(f);
        }
        let _ = expected_expiry(r.date_of_birth, r.date_of_issue, &policy.expiry);
    }

    #[test]
    fn from_json_never_panics(s in any::<String>()) {
        if let Err(e) = CitizenRecord::from_json(&s) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn from_json_never_panics_on_edited_samples(cut in 0..SAMPLE.len(), insert in any::<String>()) {
        let mut text = SAMPLE.to_string();
        if text.is_char_boundary(cut) {
            text.insert_str(cut, &insert);
        }
        let _ = CitizenRecord::from_json(&text);
    }

    /// Records whose dates fit `YYYY-MM-DD` come back unchanged.
    #[test]
    fn json_round_trip(mut r in any_record(), years in (0i32..=9999, 0i32..=9999, 0i32..=9999)) {
        let with_year = |d: Date, y| d.replace_year(y).or_else(|_| d.replace_day(28).and_then(|d| d.replace_year(y))).unwrap_or(d);
        r.date_of_birth = with_year(r.date_of_birth, years.0);
        r.date_of_issue = with_year(r.date_of_issue, years.1);
        r.date_of_expiry = r.date_of_expiry.map(|d| with_year(d, years.2));
        prop_assert_eq!(CitizenRecord::from_json(&r.to_json_pretty()), Ok(r.clone()));
    }

    /// `from_json` and serde's derive accept the same objects, with the same result.
    #[test]
    fn from_json_agrees_with_serde(entries in vec((any_key(), any_json_value()), 0..8), base in any::<bool>()) {
        let mut items: Vec<String> = Vec::new();
        if base {
            // Start from the sample so that most objects are nearly complete.
            let sample: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(SAMPLE).unwrap_or_default();
            let edited: Vec<&String> = entries.iter().map(|(k, _)| k).collect();
            for (k, v) in sample {
                if !edited.contains(&&k) {
                    items.push(format!("{}: {v}", serde_json::Value::String(k)));
                }
            }
        }
        for (k, v) in &entries {
            items.push(format!("{}: {v}", serde_json::Value::String(k.clone())));
        }
        let text = format!("{{{}}}", items.join(", "));
        let ours = CitizenRecord::from_json(&text);
        let theirs = serde_json::from_str::<CitizenRecord>(&text);
        prop_assert_eq!(ours.ok(), theirs.ok(), "{}", text);
    }
}
