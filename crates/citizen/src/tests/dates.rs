use super::*;
use time::Month;

const ISSUE: Date = date!(2026 - 11 - 20);

/// Born 15 June `2026 - age`: exactly `age` on the date of issue.
fn dob_for_age(age: i32) -> Date {
    Date::from_calendar_date(2026 - age, Month::June, 15).unwrap_or_else(|e| panic!("{e}"))
}

fn on(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn milestone_table() {
    // (age at issue, milestone whose birthday ends the card; None: no expiry)
    let table = [
        (14, Some(25)),
        (22, Some(25)),
        (23, Some(40)), // within two years of 25: runs to 40
        (24, Some(40)),
        (37, Some(40)),
        (38, Some(60)), // within two years of 40: runs to 60
        (39, Some(60)),
        (57, Some(60)),
        (58, None), // within two years of 60, the last: no expiry
        (70, None),
        (100, None),
    ];
    for (age, milestone) in table {
        let dob = dob_for_age(age);
        let expiry = milestone.map(|m: u8| on(dob.year() + i32::from(m), Month::June, 15));
        assert_eq!(
            expected_expiry(dob, ISSUE, &ExpiryRule::default()),
            Some(expiry),
            "issued at {age}"
        );
        // A record with that expiry validates; with another it does not.
        let mut r = born(dob, Sex::Female, ISSUE);
        assert_eq!(r.date_of_expiry, expiry);
        assert_eq!(problems(&r), vec![], "issued at {age}");
        r.date_of_expiry = Some(on(2099, Month::January, 1));
        let expected = match milestone {
            Some(m) => Problem::ExpiryShouldBe {
                date: expiry.unwrap_or(ISSUE),
                milestone: m,
            },
            None => Problem::ExpiryShouldBeNone { from_age: 58 },
        };
        assert_eq!(problems(&r), vec![(Field::DateOfExpiry, expected)]);
    }
}

#[test]
fn issued_at_13_is_refused() {
    let r = born(dob_for_age(13), Sex::Male, ISSUE);
    assert_eq!(r.date_of_expiry, Some(on(2038, Month::June, 15)));
    assert_eq!(
        problems(&r),
        vec![(Field::DateOfIssue, Problem::TooYoung { age: 13 })]
    );
    // The day before the 14th birthday is still 13; the birthday itself is 14.
    let dob = on(2012, Month::November, 20);
    assert_eq!(
        problems(&born(dob, Sex::Male, on(2026, Month::November, 19))),
        vec![(Field::DateOfIssue, Problem::TooYoung { age: 13 })]
    );
    assert_eq!(problems(&born(dob, Sex::Male, ISSUE)), vec![]);
    let e = ValidationError {
        field: Field::DateOfIssue,
        problem: Problem::TooYoung { age: 13 },
    };
    assert_eq!(
        e.to_string(),
        "Ngày cấp / Date of issue: khi cấp công dân mới 13 tuổi; thẻ chỉ cấp cho công dân \
         từ đủ 14 tuổi / the citizen was 13 at issue; cards are issued from age 14"
    );
}

#[test]
fn milestone_boundaries_fall_on_birthdays() {
    let dob = on(2000, Month::June, 15);
    let at = |issue| expected_expiry(dob, issue, &ExpiryRule::default());
    // The day before the 23rd birthday the holder is 22: card to 25.
    assert_eq!(
        at(on(2023, Month::June, 14)),
        Some(Some(on(2025, Month::June, 15)))
    );
    assert_eq!(
        at(on(2023, Month::June, 15)),
        Some(Some(on(2040, Month::June, 15)))
    );
    assert_eq!(
        at(on(2038, Month::June, 14)),
        Some(Some(on(2040, Month::June, 15)))
    );
    assert_eq!(
        at(on(2038, Month::June, 15)),
        Some(Some(on(2060, Month::June, 15)))
    );
    assert_eq!(
        at(on(2058, Month::June, 14)),
        Some(Some(on(2060, Month::June, 15)))
    );
    assert_eq!(at(on(2058, Month::June, 15)), Some(None));
    assert_eq!(at(on(2030, Month::January, 1)).map(|_| ()), Some(()));
    assert_eq!(
        expected_expiry(dob, on(2030, Month::January, 1), &ExpiryRule::Free),
        None
    );
}

#[test]
fn born_on_29_february() {
    let dob = date!(2004 - 02 - 29);
    let at = |issue| expected_expiry(dob, issue, &ExpiryRule::default());
    // 2029 is a common year: the 25th birthday is taken as 28 February.
    assert_eq!(at(date!(2020 - 01 - 01)), Some(Some(date!(2029 - 02 - 28))));
    // Issued at 23: to the 40th, and 2044 is a leap year: 29 February itself.
    assert_eq!(at(date!(2027 - 03 - 01)), Some(Some(date!(2044 - 02 - 29))));
    // 2064 is a leap year too.
    assert_eq!(at(date!(2043 - 01 - 01)), Some(Some(date!(2064 - 02 - 29))));
    // Through `validate`:
    let r = born(date!(2004 - 02 - 29), Sex::Female, date!(2025 - 03 - 01));
    assert_eq!(r.date_of_expiry, Some(date!(2029 - 02 - 28)));
    assert_eq!(problems(&r), vec![]);
    let mut wrong = r.clone();
    wrong.date_of_expiry = Some(date!(2029 - 03 - 01));
    let errs = validate(&wrong, &Policy::default(), TODAY)
        .err()
        .unwrap_or_default();
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs.first().map(ToString::to_string).unwrap_or_default(),
        "Có giá trị đến / Date of expiry: phải là 28/02/2029 (sinh nhật tuổi 25) / \
         must be 28/02/2029 (25th birthday)"
    );
    // Age on 28 February of a common year: not yet had the birthday.
    let r = born(date!(2012 - 02 - 29), Sex::Female, date!(2026 - 02 - 28));
    assert_eq!(
        problems(&r),
        vec![(Field::DateOfIssue, Problem::TooYoung { age: 13 })]
    );
    assert_eq!(
        problems(&born(
            date!(2012 - 02 - 29),
            Sex::Female,
            date!(2026 - 03 - 01)
        )),
        vec![]
    );
}

#[test]
fn expiry_message_names_the_expected_date() {
    let mut r = sample();
    r.date_of_expiry = Some(date!(2040 - 05 - 12));
    let errs = validate(&r, &Policy::default(), TODAY)
        .err()
        .unwrap_or_default();
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "Có giá trị đến / Date of expiry: phải là 12/05/2035 (sinh nhật tuổi 40) / \
          must be 12/05/2035 (40th birthday)"
        ]
    );
    // Missing where one is due.
    r.date_of_expiry = None;
    assert_eq!(
        problems(&r),
        vec![(
            Field::DateOfExpiry,
            Problem::ExpiryShouldBe {
                date: date!(2035 - 05 - 12),
                milestone: 40
            }
        )]
    );
    let p = Problem::ExpiryShouldBeNone { from_age: 58 };
    assert_eq!(
        p.message_vi(),
        "thẻ cấp khi công dân từ 58 tuổi trở lên có giá trị không thời hạn; để trống"
    );
    assert_eq!(
        p.message_en(),
        "a card issued at 58 or older has no expiry; leave it empty"
    );
    // Ordinals of other milestone ages a profile might set.
    for (m, en) in [
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (11, "11th"),
        (112, "112th"),
    ] {
        let p = Problem::ExpiryShouldBe {
            date: date!(2030 - 01 - 01),
            milestone: m,
        };
        assert_eq!(
            p.message_en(),
            format!("must be 01/01/2030 ({en} birthday)")
        );
    }
}

#[test]
fn free_expiry() {
    let free = Policy {
        expiry: ExpiryRule::Free,
        ..Policy::default()
    };
    let mut r = sample();
    for expiry in [
        Some(date!(2045 - 01 - 01)),
        Some(date!(2026 - 11 - 21)),
        None,
    ] {
        r.date_of_expiry = expiry;
        assert_eq!(problems_with(&r, &free), vec![], "{expiry:?}");
    }
    for expiry in [date!(2026 - 11 - 20), date!(2020 - 01 - 01)] {
        r.date_of_expiry = Some(expiry);
        assert_eq!(
            problems_with(&r, &free),
            vec![(
                Field::DateOfExpiry,
                Problem::ExpiryNotAfterIssue {
                    date_of_issue: date!(2026 - 11 - 20)
                }
            )]
        );
    }
}

#[test]
fn custom_milestones() {
    // A profile's own ages, unsorted, and no grace period.
    let rule = ExpiryRule::Milestones {
        ages: vec![50, 20],
        grace_years: 0,
    };
    let dob = date!(2000 - 01 - 10);
    assert_eq!(
        expected_expiry(dob, date!(2019 - 12 - 31), &rule),
        Some(Some(date!(2020 - 01 - 10)))
    );
    assert_eq!(
        expected_expiry(dob, date!(2020 - 01 - 10), &rule),
        Some(Some(date!(2050 - 01 - 10)))
    );
    assert_eq!(
        expected_expiry(dob, date!(2050 - 01 - 10), &rule),
        Some(None)
    );
    let policy = Policy {
        expiry: rule,
        ..Policy::default()
    };
    let mut r = born(date!(1950 - 05 - 12), Sex::Male, date!(2026 - 11 - 20));
    r.date_of_expiry = Some(date!(2030 - 01 - 01));
    assert_eq!(
        problems_with(&r, &policy),
        vec![(
            Field::DateOfExpiry,
            Problem::ExpiryShouldBeNone { from_age: 50 }
        )]
    );
    // No ages at all: never an expiry.
    let none = ExpiryRule::Milestones {
        ages: vec![],
        grace_years: 2,
    };
    assert_eq!(
        expected_expiry(dob, date!(2020 - 01 - 10), &none),
        Some(None)
    );
}

#[test]
fn date_order_and_range() {
    let mut r = sample();
    r.date_of_issue = date!(2026 - 12 - 01);
    assert_eq!(
        problems(&r),
        vec![(Field::DateOfIssue, Problem::InFuture { today: TODAY })]
    );
    // Born tomorrow, issued today: every date problem at once.
    let mut r = sample();
    r.id_number = "001226012345".into();
    r.date_of_birth = date!(2026 - 11 - 24);
    r.date_of_issue = TODAY;
    r.date_of_expiry = None;
    assert_eq!(
        problems(&r),
        vec![
            (Field::DateOfBirth, Problem::InFuture { today: TODAY }),
            (
                Field::DateOfIssue,
                Problem::IssuedBeforeBirth {
                    date_of_birth: date!(2026 - 11 - 24)
                }
            ),
        ]
    );
    // Born in 1899: refused, whatever the ID number says.
    let r = born(date!(1899 - 12 - 31), Sex::Male, ISSUE);
    assert!(problems(&r).contains(&(Field::DateOfBirth, Problem::Before1900)));
    let r = born(date!(1900 - 01 - 01), Sex::Male, ISSUE);
    assert_eq!(problems(&r), vec![]);
    assert_eq!(
        Problem::InFuture { today: TODAY }.message_vi(),
        "không được sau ngày hôm nay (23/11/2026)"
    );
}
