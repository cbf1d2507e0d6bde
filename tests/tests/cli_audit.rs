//! `idstation audit verify`: an intact vault's hash-chained audit log passes; an entry edited
//! behind the vault's back (triggers dropped, as an attacker with the file could) is named.

use idstation_tests::{bin, Scratch};
use std::process::Command;

/// A new vault (supervisor "supervisor") with four enrollment steps audited after its
/// creation.
fn vault_with_five_entries(path: &std::path::Path, password: &str) {
    let mut v = vault::Vault::create(
        path,
        "supervisor",
        password,
        accounts::SystemClock,
        accounts::Policy::default(),
    )
    .unwrap();
    for i in 0..4 {
        v.audit("enrollment.step", Some(&format!("HS-{i}")))
            .unwrap();
    }
    assert_eq!(v.verify_audit(), Ok(5));
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_a_modified_entry() {
    let s = Scratch::new("audit");
    let path = s.path("station.vault");
    vault_with_five_entries(&path, "correct horse battery staple");
    let run = || {
        Command::new(bin("idstation"))
            .args(["audit", "verify", "--vault"])
            .arg(&path)
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("5 entries"));

    {
        let v =
            vault::Vault::open(&path, accounts::SystemClock, accounts::Policy::default()).unwrap();
        v.connection()
            .execute_batch(
                "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; \
                 UPDATE audit SET officer_id = 99 WHERE seq = 3;",
            )
            .unwrap();
    }
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("AUDIT LOG BROKEN") && err.contains('3'),
        "{err}"
    );
}

/// Someone holding the file but no password rewrites an entry and recomputes the whole
/// chain: the plain chain check cannot tell, the seals made with the station key can.
#[test]
fn audit_verify_with_an_officer_checks_the_seals_and_finds_a_recomputed_chain() {
    let s = Scratch::new("audit-seal");
    let path = s.path("station.vault");
    let password = "correct horse battery staple";
    vault_with_five_entries(&path, password);
    let run = |officer: Option<&str>| {
        let mut c = Command::new(bin("idstation"));
        c.args(["audit", "verify", "--vault"]).arg(&path);
        if let Some(o) = officer {
            c.args(["--officer", o]).env("IDSTATION_PASSWORD", password);
        }
        c.output().unwrap()
    };
    let o = run(Some("supervisor"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The five entries and the log-in that checked them, each sealed.
    assert!(out.contains("6 entries, 6 seals verified"), "{out}");

    {
        let v =
            vault::Vault::open(&path, accounts::SystemClock, accounts::Policy::default()).unwrap();
        let c = v.connection();
        c.execute_batch(
            "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; \
             UPDATE audit SET officer_id = 99 WHERE seq = 3;",
        )
        .unwrap();
        let mut prev = vec![0u8; 32];
        for e in v.audit_entries().unwrap() {
            let hash = e.chain_hash(&prev);
            c.execute(
                "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
                rusqlite::params![prev, &hash[..], e.seq],
            )
            .unwrap();
            prev = hash.to_vec();
        }
    }
    // The plain chain is consistent again: without a password nothing can tell.
    let o = run(None);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("seals not checked"));
    // With the station key, the seal over entry 3 no longer verifies.
    let o = run(Some("supervisor"));
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("AUDIT LOG BROKEN")
            && err.contains("The seal of audit entry 3 does not verify"),
        "{err}"
    );
    // A wrong password is no verdict on the log: a clear log-in error, exit 2.
    let o = Command::new(bin("idstation"))
        .args(["audit", "verify", "--vault"])
        .arg(&path)
        .args(["--officer", "supervisor"])
        .env("IDSTATION_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
