//! Unit tests. `today` is 23/11/2026 throughout; both test records were issued 20/11/2026.

mod dates;
mod fields;
mod id_number;
mod json;
mod props;
mod text;

use crate::*;
use time::macros::date;
use time::Date;

const TODAY: Date = date!(2026 - 11 - 23);
const SAMPLE: &str = include_str!("../../testdata/sample.json");
const LONG_NAMES: &str = include_str!("../../testdata/long-names.json");

fn sample() -> CitizenRecord {
    match CitizenRecord::from_json(SAMPLE) {
        Ok(r) => r,
        Err(e) => panic!("testdata/sample.json: {e}"),
    }
}

/// The problems found with the default policy, as (field, problem).
fn problems(r: &CitizenRecord) -> Vec<(Field, Problem)> {
    problems_with(r, &Policy::default())
}

fn problems_with(r: &CitizenRecord, policy: &Policy) -> Vec<(Field, Problem)> {
    match validate(r, policy, TODAY) {
        Ok(()) => vec![],
        Err(e) => {
            assert!(!e.is_empty(), "Err with no problems");
            e.into_iter().map(|e| (e.field, e.problem)).collect()
        }
    }
}

/// The sample, born on `dob` with a matching ID number and the expiry the law gives.
fn born(dob: Date, sex: Sex, issue: Date) -> CitizenRecord {
    let mut r = sample();
    let century = (dob.year() - 1900).div_euclid(100);
    let digit = 2 * century + i32::from(sex == Sex::Female);
    r.id_number = format!("001{digit}{:02}012345", dob.year().rem_euclid(100));
    r.sex = sex;
    r.date_of_birth = dob;
    r.date_of_issue = issue;
    r.date_of_expiry = expected_expiry(dob, issue, &ExpiryRule::default()).flatten();
    r
}
