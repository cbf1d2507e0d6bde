//! `idstation audit verify`: an intact vault's hash-chained audit log passes; an entry edited
//! behind the vault's back (triggers dropped, as an attacker with the file could) is named.

use idstation_tests::{bin, Scratch};
use std::process::Command;

#[test]
fn audit_verify_passes_an_intact_log_and_names_a_modified_entry() {
    let s = Scratch::new("audit");
    let path = s.path("station.vault");
    {
        let mut v = vault::Vault::create(
            &path,
            "supervisor",
            "correct horse battery staple",
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
