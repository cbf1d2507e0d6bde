//! The 20 personal data fields of a Vietnamese citizen identity card (Căn cước công dân),
//! their JSON form, and the validation officers expect, every message in Vietnamese and
//! English. Pure: no I/O.
//!
//! ```
//! use citizen::{validate, CitizenRecord, Policy};
//! use time::macros::date;
//!
//! let record = CitizenRecord::from_json(include_str!("../testdata/sample.json"))?;
//! assert_eq!(validate(&record, &Policy::default(), date!(2026 - 11 - 23)), Ok(()));
//! # Ok::<(), citizen::RecordError>(())
//! ```

mod field;
mod json;
mod policy;
mod province;
mod record;
mod validate;

pub use field::{Field, Sex};
pub use json::RecordError;
pub use policy::{expected_expiry, ExpiryRule, Policy};
pub use province::province_name;
pub use record::CitizenRecord;
pub use validate::{validate, Problem, ValidationError, MIN_AGE_AT_ISSUE};

#[cfg(test)]
mod tests;
