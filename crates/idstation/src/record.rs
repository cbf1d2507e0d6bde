//! `idstation record`: a citizen record as the station sees it.

use crate::Failure;
use citizen::{CitizenRecord, Policy};
use profiles::Profile;
use std::path::Path;

pub fn load_profile(name: &str) -> Result<Profile, Failure> {
    Profile::load(name).map_err(|e| {
        Failure::input(format!(
            "hồ sơ chip {name:?} không dùng được / firmware profile {name:?}: {e}"
        ))
    })
}

/// The citizen policy in the profile's `[policy]` table (defaults when absent).
pub fn policy_for(profile: &Profile) -> Result<Policy, Failure> {
    match &profile.policy {
        None => Ok(Policy::default()),
        Some(table) => toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e| Failure::input(format!("profile {} [policy]: {e}", profile.name))),
    }
}

fn today() -> time::Date {
    time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .date()
}

/// Reads, normalizes (NFC) and validates a record; every problem is listed, field by field.
pub fn load_valid(path: &Path, profile: &Profile) -> Result<CitizenRecord, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::input(format!(
            "không đọc được hồ sơ {0} / cannot read the record {0}: {e}",
            path.display()
        ))
    })?;
    let record = CitizenRecord::from_json(&text)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?
        .normalized();
    let policy = policy_for(profile)?;
    if let Err(problems) = citizen::validate(&record, &policy, today()) {
        let mut msg = format!(
            "hồ sơ {0} có {1} lỗi / the record {0} has {1} problem(s):",
            path.display(),
            problems.len()
        );
        for p in problems {
            msg.push_str(&format!("\n  - {p}"));
        }
        return Err(Failure::input(msg));
    }
    Ok(record)
}

pub fn check(path: &Path, profile: &str) -> Result<u8, Failure> {
    let profile = load_profile(profile)?;
    let record = load_valid(path, &profile)?;
    let mrz = chip::document::mrz_for(&record).map_err(|e| Failure::input(e.to_string()))?;
    let lines = mrz
        .to_lines()
        .map_err(|e| Failure::input(format!("MRZ: {e}")))?;
    println!("Hồ sơ hợp lệ / record valid: {}", path.display());
    println!("MRZ (TD1):");
    for l in lines {
        println!("  {l}");
    }
    Ok(0)
}
