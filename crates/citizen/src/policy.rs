//! What a firmware profile may set: text limits and how the expiry date is given.

use crate::field::Field;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Limits and rules a firmware profile sets in its `[policy]` table. Keys left out take the
/// defaults; unknown keys are refused, so a misspelt limit is not silently ignored.
///
/// ```toml
/// [policy]
/// name_max_chars = 100
/// address_max_chars = 250
/// text_max_chars = 200
/// expiry = { kind = "milestones", ages = [25, 40, 60], grace_years = 2 }   # or { kind = "free" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Full name and the parents' and spouse's names, in characters (not bytes).
    pub name_max_chars: usize,
    /// Place of origin, permanent and current residence, place of birth registration.
    pub address_max_chars: usize,
    /// Every other text field.
    pub text_max_chars: usize,
    pub expiry: ExpiryRule,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            name_max_chars: 100,
            address_max_chars: 250,
            text_max_chars: 200,
            expiry: ExpiryRule::default(),
        }
    }
}

impl Policy {
    /// The length limit of a free-text field, in characters; `None` for the fields with a
    /// fixed form (ID numbers, dates, sex, blood type).
    pub fn max_chars(&self, field: Field) -> Option<usize> {
        match field {
            Field::IdNumber
            | Field::DateOfBirth
            | Field::Sex
            | Field::DateOfIssue
            | Field::DateOfExpiry
            | Field::FormerIdNumber
            | Field::BloodType => None,
            f if f.is_name() => Some(self.name_max_chars),
            f if f.is_address() => Some(self.address_max_chars),
            _ => Some(self.text_max_chars),
        }
    }
}

/// How a card's expiry date is set. In a profile: `{ kind = "milestones", ages = [...],
/// grace_years = n }` (either key may be left out for the legal default) or
/// `{ kind = "free" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ExpiryRule {
    /// The card is valid until the holder's birthday at the next age in `ages`; a card
    /// issued less than `grace_years` before an age runs to the one after; after the last
    /// age less its grace years, the card has no expiry.
    Milestones {
        #[serde(default = "legal_ages")]
        ages: Vec<u8>,
        #[serde(default = "legal_grace_years")]
        grace_years: u8,
    },
    /// Any expiry after the date of issue, or none (for test cards and other documents).
    Free,
}

/// Law on Citizen Identification 2014, art. 21(1): the card is changed when the citizen
/// reaches 25, 40 and 60 years of age.
fn legal_ages() -> Vec<u8> {
    vec![25, 40, 60]
}

/// Law on Citizen Identification 2014, art. 21(2): a card issued, changed or re-issued
/// within 2 years before one of those ages stays valid until the next one.
fn legal_grace_years() -> u8 {
    2
}

impl Default for ExpiryRule {
    fn default() -> Self {
        ExpiryRule::Milestones {
            ages: legal_ages(),
            grace_years: legal_grace_years(),
        }
    }
}

/// The date the holder turns `age`.
///
/// Someone born on 29 February has, in a common year, the birthday on 28 February here
/// (1 March is the other choice). Why 28 February: the card then expires within the
/// birthday's month, as every other card does, and never after the holder has reached the
/// age however their birthday is counted — art. 21 asks for the card to be changed on
/// reaching the age, so a day early is within the law and a day late is not.
pub(crate) fn birthday(dob: Date, age: u8) -> Option<Date> {
    let year = dob.year().checked_add(i32::from(age))?;
    Date::from_calendar_date(year, dob.month(), dob.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .ok()
}

/// Completed years of age on `day`: the number of birthdays had by then, a birthday
/// falling on the day counting. (A 29 February birthday counts from 1 March in a common
/// year: the person has not had it on 28 February.)
pub(crate) fn age_on(dob: Date, day: Date) -> i32 {
    let mut age = day.year() - dob.year();
    if (u8::from(day.month()), day.day()) < (u8::from(dob.month()), dob.day()) {
        age -= 1;
    }
    age
}

/// What the milestone rule gives, with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// Valid until the birthday at `milestone`.
    Until { date: Date, milestone: u8 },
    /// No expiry: issued at `from_age` or older.
    NoExpiry { from_age: u8 },
}

pub(crate) fn expected(dob: Date, issue: Date, rule: &ExpiryRule) -> Option<Expected> {
    let ExpiryRule::Milestones { ages, grace_years } = rule else {
        return None;
    };
    let age = age_on(dob, issue);
    let grace = i32::from(*grace_years);
    let mut sorted = ages.clone();
    sorted.sort_unstable();
    // The first milestone the holder is more than the grace years away from.
    let next = sorted.iter().copied().find(|m| age < i32::from(*m) - grace);
    Some(match next.and_then(|m| Some((birthday(dob, m)?, m))) {
        Some((date, milestone)) => Expected::Until { date, milestone },
        // Past the last milestone (or a birthday beyond the year 9999, which no date can
        // hold): no expiry.
        None => Expected::NoExpiry {
            from_age: sorted.last().map_or(0, |m| m.saturating_sub(*grace_years)),
        },
    })
}

/// The expiry date the rule gives a card issued on `date_of_issue`: `None` when the rule
/// is [`ExpiryRule::Free`] (any expiry will do), `Some(None)` for no expiry, otherwise
/// `Some(Some(date))`.
///
/// With the legal rule: issued before 23 → 25th birthday; 23 to 37 → 40th; 38 to 57 → 60th;
/// 58 or older → no expiry.
pub fn expected_expiry(
    date_of_birth: Date,
    date_of_issue: Date,
    rule: &ExpiryRule,
) -> Option<Option<Date>> {
    expected(date_of_birth, date_of_issue, rule).map(|e| match e {
        Expected::Until { date, .. } => Some(date),
        Expected::NoExpiry { .. } => None,
    })
}
