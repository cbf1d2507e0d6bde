//! The 20 personal data fields of a Vietnamese citizen identity card (Căn cước công dân),
//! their JSON form, and the validation officers expect — every message in Vietnamese and
//! English. Pure: no I/O.

mod field;
mod province;
mod record;
mod validate;

pub use field::{Field, Sex};
pub use province::province_name;
pub use record::{CitizenRecord, RecordError};
pub use validate::{expected_expiry, validate, ExpiryRule, Policy, Problem, ValidationError};

#[cfg(test)]
mod tests;
