use super::*;

fn with_id(id: &str) -> Vec<(Field, Problem)> {
    let mut r = sample();
    r.id_number = id.to_string();
    problems(&r)
}

fn id_problem(p: Problem) -> Vec<(Field, Problem)> {
    vec![(Field::IdNumber, p)]
}

#[test]
fn twelve_ascii_digits() {
    assert_eq!(
        with_id("00109501234"),
        id_problem(Problem::IdForm {
            length: 11,
            found: None
        })
    );
    assert_eq!(
        with_id("0010950123456"),
        id_problem(Problem::IdForm {
            length: 13,
            found: None
        })
    );
    assert_eq!(
        with_id(""),
        id_problem(Problem::IdForm {
            length: 0,
            found: None
        })
    );
    assert_eq!(
        with_id("00109501234O"),
        id_problem(Problem::IdForm {
            length: 12,
            found: Some('O')
        })
    );
    // Full-width digits from an East Asian input method: 12 characters, not ASCII.
    assert_eq!(
        with_id("００１０９５０１２３４５"),
        id_problem(Problem::IdForm {
            length: 12,
            found: Some('０')
        })
    );
    // 12 bytes but not 12 characters.
    assert_eq!(
        with_id("0010950123é"),
        id_problem(Problem::IdForm {
            length: 11,
            found: Some('é')
        })
    );
    assert_eq!(
        with_id(" 001095012345"),
        id_problem(Problem::IdForm {
            length: 13,
            found: Some(' ')
        })
    );
}

#[test]
fn province_code() {
    assert_eq!(
        with_id("099095012345"),
        id_problem(Problem::UnknownProvince { code: "099".into() })
    );
    assert_eq!(
        with_id("000095012345"),
        id_problem(Problem::UnknownProvince { code: "000".into() })
    );
    assert_eq!(with_id("096095012345"), vec![], "Cà Mau");
}

#[test]
fn sex_and_century_digit() {
    // 1 is a woman born 1900–1999; the sample is a man.
    assert_eq!(
        with_id("001195012345"),
        id_problem(Problem::IdSexMismatch {
            digit: 1,
            sex: Sex::Male
        })
    );
    // 2 is a man born 2000–2099; the sample was born in 1995.
    assert_eq!(
        with_id("001295012345"),
        id_problem(Problem::IdCenturyMismatch {
            digit: 2,
            year: 1995
        })
    );
    // 3: both wrong, two problems.
    assert_eq!(
        with_id("001395012345"),
        vec![
            (
                Field::IdNumber,
                Problem::IdCenturyMismatch {
                    digit: 3,
                    year: 1995
                }
            ),
            (
                Field::IdNumber,
                Problem::IdSexMismatch {
                    digit: 3,
                    sex: Sex::Male
                }
            ),
        ]
    );
    let e = ValidationError {
        field: Field::IdNumber,
        problem: Problem::IdSexMismatch {
            digit: 3,
            sex: Sex::Male,
        },
    };
    assert_eq!(
        e.to_string(),
        "Số định danh cá nhân / Personal ID number: \
         chữ số thứ 4 là 3 (nữ, sinh 2000–2099) nhưng giới tính là Nam / \
         4th digit is 3 (female, born 2000–2099) but sex is Male"
    );
    assert_eq!(
        Problem::IdCenturyMismatch {
            digit: 8,
            year: 1995
        }
        .message_en(),
        "4th digit is 8 (born 2300–2399) but the year of birth is 1995"
    );
}

#[test]
fn every_century_digit() {
    // 0/1 1900s, 2/3 2000s, 4/5 2100s, 6/7 2200s, 8/9 2300s: a record born in each
    // century with the right digit passes the ID checks.
    for (digit, year) in [(0, 1950), (2, 2005), (4, 2105), (6, 2205), (8, 2305)] {
        for (sex, d) in [(Sex::Male, digit), (Sex::Female, digit + 1)] {
            let mut r = sample();
            r.sex = sex;
            r.date_of_birth = Date::from_calendar_date(year, time::Month::May, 12)
                .unwrap_or_else(|e| panic!("{e}"));
            r.id_number = format!("001{d}{:02}012345", year % 100);
            let id: Vec<_> = problems(&r)
                .into_iter()
                .filter(|(f, _)| *f == Field::IdNumber)
                .collect();
            assert_eq!(id, vec![], "{}", r.id_number);
        }
    }
}

#[test]
fn birth_year_digits() {
    assert_eq!(
        with_id("001096012345"),
        id_problem(Problem::IdYearMismatch {
            digits: "96".into(),
            year: 1995
        })
    );
    assert_eq!(
        Problem::IdYearMismatch {
            digits: "96".into(),
            year: 1995
        }
        .message_vi(),
        "chữ số thứ 5–6 là 96 nhưng năm sinh là 1995"
    );
    // A date of birth changed instead of the number: the number now disagrees.
    let mut r = sample();
    r.date_of_birth = date!(1996 - 05 - 12);
    r.date_of_expiry = Some(date!(2036 - 05 - 12));
    assert_eq!(
        problems(&r),
        id_problem(Problem::IdYearMismatch {
            digits: "95".into(),
            year: 1996
        })
    );
}

#[test]
fn serial() {
    assert_eq!(with_id("001095000000"), id_problem(Problem::ZeroSerial));
    assert_eq!(with_id("001095000001"), vec![]);
}
