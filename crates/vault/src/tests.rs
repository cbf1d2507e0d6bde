use super::*;
use accounts::ManualClock;

const T0: i64 = 1_790_000_000;
const SUP_PW: &str = "mật-khẩu-trưởng-ca";

fn new_vault(dir: &tempfile::TempDir) -> (Vault<ManualClock>, ManualClock, std::path::PathBuf) {
    let path = dir.path().join("vault.sqlite");
    let clock = ManualClock::new(T0);
    let v = Vault::create(&path, "truongca", SUP_PW, clock.clone(), Policy::default()).unwrap();
    (v, clock, path)
}

#[test]
fn put_get_list_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::InProgress, b"first")
        .unwrap();
    v.put_record("A-0002", RecordStatus::Issued, b"second")
        .unwrap();
    v.put_record("A-0001", RecordStatus::Enrolled, b"first v2")
        .unwrap();
    let (st, data) = v.get_record("A-0001").unwrap();
    assert_eq!(st, RecordStatus::Enrolled);
    assert_eq!(&data[..], b"first v2");
    assert_eq!(v.list(None).unwrap().len(), 2);
    let issued = v.list(Some(RecordStatus::Issued)).unwrap();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].id, "A-0002");
    assert!(matches!(v.get_record("A-9999"), Err(VaultError::NotFound)));
}

#[test]
fn reopen_needs_unlock_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, path) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::Issued, b"payload")
        .unwrap();
    drop(v);
    let mut v = Vault::open(&path, clock, Policy::default()).unwrap();
    assert!(matches!(v.get_record("A-0001"), Err(VaultError::Locked)));
    assert!(matches!(
        v.unlock("truongca", "wrong-password"),
        Err(VaultError::Account(AccountError::WrongPassword))
    ));
    v.unlock("truongca", SUP_PW).unwrap();
    assert_eq!(&v.get_record("A-0001").unwrap().1[..], b"payload");
}

#[test]
fn create_refuses_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_v, clock, path) = new_vault(&dir);
    assert!(matches!(
        Vault::create(&path, "x", SUP_PW, clock, Policy::default()),
        Err(VaultError::AlreadyExists)
    ));
}

#[test]
fn open_rejects_non_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.sqlite");
    std::fs::write(&path, b"this is not a database at all").unwrap();
    assert!(Vault::open(&path, ManualClock::new(T0), Policy::default()).is_err());
    assert!(matches!(
        Vault::open(
            &dir.path().join("missing"),
            ManualClock::new(T0),
            Policy::default()
        ),
        Err(VaultError::NotAVault)
    ));
}

#[test]
fn ciphertext_moved_to_other_record_does_not_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::Issued, b"one")
        .unwrap();
    v.put_record("A-0002", RecordStatus::Issued, b"two")
        .unwrap();
    v.connection()
        .execute(
            "UPDATE records SET (nonce, ciphertext) =
               (SELECT nonce, ciphertext FROM records WHERE id = 'A-0001') WHERE id = 'A-0002'",
            [],
        )
        .unwrap();
    assert!(matches!(
        v.get_record("A-0002"),
        Err(VaultError::CorruptRecord)
    ));
}

#[test]
fn nonce_is_fresh_per_write() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    let nonce = |v: &Vault<ManualClock>| -> Vec<u8> {
        v.connection()
            .query_row("SELECT nonce FROM records WHERE id = 'A-0001'", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    v.put_record("A-0001", RecordStatus::Issued, b"same")
        .unwrap();
    let n1 = nonce(&v);
    v.put_record("A-0001", RecordStatus::Issued, b"same")
        .unwrap();
    assert_eq!(n1.len(), 12);
    assert_ne!(n1, nonce(&v));
}

#[test]
fn several_supervisors_each_hold_a_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, path) = new_vault(&dir);
    v.add_account("truongca2", Role::Supervisor, "second-supervisor")
        .unwrap();
    v.add_account("canbo1", Role::Officer, "officer-password")
        .unwrap();
    v.put_record("A-0001", RecordStatus::Issued, b"shared")
        .unwrap();
    drop(v);
    for (name, pw) in [
        ("truongca", SUP_PW),
        ("truongca2", "second-supervisor"),
        ("canbo1", "officer-password"),
    ] {
        let mut v = Vault::open(&path, clock.clone(), Policy::default()).unwrap();
        v.unlock(name, pw).unwrap();
        assert_eq!(&v.get_record("A-0001").unwrap().1[..], b"shared");
    }
    let wraps: i64 = Vault::open(&path, clock, Policy::default())
        .unwrap()
        .connection()
        .query_row("SELECT COUNT(*) FROM key_wraps", [], |r| r.get(0))
        .unwrap();
    assert_eq!(wraps, 3);
}

#[test]
fn officer_cannot_add_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.add_account("canbo1", Role::Officer, "officer-password")
        .unwrap();
    v.unlock("canbo1", "officer-password").unwrap();
    assert!(matches!(
        v.add_account("canbo2", Role::Officer, "officer-password"),
        Err(VaultError::Account(AccountError::NotSupervisor))
    ));
}

#[test]
fn password_change_rewraps_station_key() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, path) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::Issued, b"kept")
        .unwrap();
    v.change_password(SUP_PW, "brand-new-password").unwrap();
    drop(v);
    let mut v = Vault::open(&path, clock, Policy::default()).unwrap();
    assert!(v.unlock("truongca", SUP_PW).is_err());
    v.unlock("truongca", "brand-new-password").unwrap();
    assert_eq!(&v.get_record("A-0001").unwrap().1[..], b"kept");
}

#[test]
fn idle_session_refuses_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, _) = new_vault(&dir);
    clock.advance(Policy::default().idle_secs);
    assert!(matches!(
        v.put_record("A-0001", RecordStatus::Issued, b"x"),
        Err(VaultError::Account(AccountError::SessionLocked))
    ));
    // The station key is gone while locked, whatever is tried.
    assert!(v.key().is_err());
    assert!(!v.is_unlocked());
    assert!(matches!(
        v.get_record("A-0001"),
        Err(VaultError::Account(AccountError::SessionLocked))
    ));
    assert!(matches!(
        v.resume("wrong-password"),
        Err(VaultError::Account(AccountError::WrongPassword))
    ));
    assert!(v.key().is_err());
    v.resume(SUP_PW).unwrap();
    assert!(v.is_unlocked());
    v.put_record("A-0001", RecordStatus::Issued, b"x").unwrap();
    let actions: Vec<_> = v
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "vault.create",
            "session.idle_locked",
            "session.resume_failed",
            "session.resume",
            "record.put.issued"
        ]
    );
    assert_eq!(v.verify_audit(), Ok(5));
}

#[test]
fn every_action_is_audited_with_officer_and_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    let sup = v.audit_entries().unwrap()[0].officer;
    v.put_record("A-0001", RecordStatus::Issued, b"x").unwrap();
    v.get_record("A-0001").unwrap();
    v.audit("card.print", Some("A-0001")).unwrap();
    let entries = v.audit_entries().unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "vault.create",
            "record.put.issued",
            "record.get",
            "card.print"
        ]
    );
    assert!(entries.iter().all(|e| e.officer == sup));
    assert_eq!(v.verify_audit(), Ok(4));
    assert!(matches!(
        v.audit("has space", None),
        Err(VaultError::InvalidAction)
    ));
    // Finger slugs name actions: "enroll.finger.right-thumb".
    v.audit("enroll.finger.right-thumb", None).unwrap();
}

/// Tampering needs the append-only triggers out of the way, as an attacker with the file would.
fn tamper(v: &Vault<ManualClock>, sql: &str) {
    v.connection()
        .execute_batch(&format!(
            "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; {sql}"
        ))
        .unwrap();
}

fn vault_with_five_entries(dir: &tempfile::TempDir) -> Vault<ManualClock> {
    let (mut v, _, _) = new_vault(dir);
    for i in 0..4 {
        v.audit("test.action", Some(&format!("A-{i}"))).unwrap();
    }
    assert_eq!(v.verify_audit(), Ok(5));
    v
}

#[test]
fn audit_rows_cannot_be_updated_or_deleted_through_sql() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    assert!(v
        .connection()
        .execute("UPDATE audit SET action = 'x' WHERE seq = 2", [])
        .is_err());
    assert!(v
        .connection()
        .execute("DELETE FROM audit WHERE seq = 2", [])
        .is_err());
}

#[test]
fn verify_finds_modified_entry() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    tamper(&v, "UPDATE audit SET officer_id = 99 WHERE seq = 3;");
    assert_eq!(v.verify_audit(), Err(AuditError::Modified { seq: 3 }));
}

#[test]
fn verify_finds_deleted_entry() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    tamper(&v, "DELETE FROM audit WHERE seq = 2;");
    assert_eq!(
        v.verify_audit(),
        Err(AuditError::Gap {
            expected: 2,
            found: 3
        })
    );
}

#[test]
fn verify_finds_renumbered_deletion_and_reorder() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    // Delete entry 2 and renumber the rest to hide the gap: the chain link breaks at 2.
    tamper(
        &v,
        "DELETE FROM audit WHERE seq = 2;
         UPDATE audit SET seq = seq - 1 WHERE seq > 2;",
    );
    assert_eq!(v.verify_audit(), Err(AuditError::Unchained { seq: 2 }));

    let dir2 = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir2);
    // Swap entries 3 and 4.
    tamper(
        &v,
        "UPDATE audit SET seq = -3 WHERE seq = 3;
         UPDATE audit SET seq = 3 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = -3;",
    );
    assert_eq!(v.verify_audit(), Err(AuditError::Unchained { seq: 3 }));
}

#[test]
fn verify_finds_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    tamper(&v, "DELETE FROM audit WHERE seq = 5;");
    assert_eq!(
        v.verify_audit(),
        Err(AuditError::Truncated { last: 4, head: 5 })
    );
}

#[test]
fn bad_record_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    for id in ["", "Nguyễn", "a b", &"x".repeat(65)] {
        assert!(matches!(
            v.put_record(id, RecordStatus::Issued, b"x"),
            Err(VaultError::InvalidRecordId)
        ));
    }
}

#[test]
fn wal_and_full_sync_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _, _) = new_vault(&dir);
    let mode: String = v
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let sync: i64 = v
        .connection()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2);
}

/// The database file and its WAL hold no plaintext personal data.
#[test]
fn database_files_hold_no_plaintext_name_or_id_number() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, path) = new_vault(&dir);
    let name = "Nguyễn Văn An";
    let id_number = "079203004517";
    let record = format!("{{\"full_name\":\"{name}\",\"id_number\":\"{id_number}\"}}");
    v.put_record("A-0001", RecordStatus::InProgress, record.as_bytes())
        .unwrap();
    v.put_record("A-0001", RecordStatus::Issued, record.as_bytes())
        .unwrap();
    let needles: [&[u8]; 3] = [
        name.as_bytes(),
        id_number.as_bytes(),
        "Nguy".as_bytes(), // even the ASCII prefix of the name
    ];
    let check = |when: &str| {
        let mut seen_any = false;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            seen_any |= !bytes.is_empty();
            for n in needles {
                assert!(
                    !bytes.windows(n.len()).any(|w| w == n),
                    "plaintext found in {suffix:?} {when}"
                );
            }
        }
        assert!(seen_any);
    };
    check("while open");
    assert_eq!(&v.get_record("A-0001").unwrap().1[..], record.as_bytes());
    drop(v);
    check("after close");
}

#[test]
fn flipped_ciphertext_byte_is_reported_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::Issued, b"payload")
        .unwrap();
    v.connection()
        .execute(
            "UPDATE records SET ciphertext = CAST('garbage' AS BLOB) WHERE id = 'A-0001'",
            [],
        )
        .unwrap();
    assert!(matches!(
        v.get_record("A-0001"),
        Err(VaultError::CorruptRecord)
    ));
    v.connection()
        .execute("UPDATE records SET nonce = x'00' WHERE id = 'A-0001'", [])
        .unwrap();
    assert!(matches!(
        v.get_record("A-0001"),
        Err(VaultError::CorruptRecord)
    ));
}

#[test]
fn lock_forgets_the_key_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.lock();
    assert!(!v.is_unlocked());
    assert!(matches!(
        v.put_record("A-0001", RecordStatus::Issued, b"x"),
        Err(VaultError::Locked)
    ));
    let last = v.audit_entries().unwrap().pop().unwrap();
    assert_eq!(last.action, "session.logout");
    assert_eq!(v.verify_audit(), Ok(2));
}

#[test]
fn errors_are_bilingual() {
    for e in [
        VaultError::Locked,
        VaultError::CorruptRecord,
        VaultError::NoKeyWrap,
        VaultError::Audit(AuditError::Modified { seq: 3 }),
    ] {
        let m = e.to_string();
        assert!(m.contains(" / "), "{m}");
    }
    let m = AuditError::Modified { seq: 3 }.to_string();
    assert!(m.contains("bị sửa") && m.contains("modified"));
}

#[test]
fn refused_logins_are_audited_by_account_id() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    let sup = v.audit_entries().unwrap()[0].officer;
    for _ in 0..5 {
        assert!(v.unlock("truongca", "wrong-password").is_err());
    }
    assert!(matches!(
        v.unlock("truongca", SUP_PW),
        Err(VaultError::Account(AccountError::Locked { .. }))
    ));
    assert!(v.unlock("nobody", "wrong-password").is_err());
    let entries = v.audit_entries().unwrap();
    let actions: Vec<_> = entries.iter().skip(1).map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "session.login_failed",
            "session.login_failed",
            "session.login_failed",
            "session.login_failed",
            "session.login_locked",
            "session.login_locked"
        ]
    );
    assert!(entries.iter().all(|e| e.officer == sup));
    assert_eq!(v.verify_audit(), Ok(7));
}

#[test]
fn failed_create_leaves_no_file_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.sqlite");
    let clock = ManualClock::new(T0);
    assert!(matches!(
        Vault::create(&path, "truongca", "short", clock.clone(), Policy::default()),
        Err(VaultError::Account(AccountError::WeakPassword))
    ));
    assert!(!path.exists());
    Vault::create(&path, "truongca", SUP_PW, clock, Policy::default()).unwrap();
}

#[test]
fn removed_account_loses_its_wrap_and_removal_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    let a = v
        .add_account("canbo1", Role::Officer, "officer-password")
        .unwrap();
    v.remove_account(a).unwrap();
    let wraps: i64 = v
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM key_wraps WHERE officer_id = ?1",
            [a.0],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wraps, 0);
    assert!(v.unlock("canbo1", "officer-password").is_err());
    v.unlock("truongca", SUP_PW).unwrap();
    assert!(v
        .audit_entries()
        .unwrap()
        .iter()
        .any(|e| e.action == format!("account.remove.{}", a.0)));
    assert!(v.verify_audit().is_ok());
}

#[test]
fn the_idle_timer_locks_on_time_and_activity_keeps_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, _) = new_vault(&dir);
    let idle = Policy::default().idle_secs;
    clock.advance(idle - 1);
    assert!(!v.check_idle().unwrap());
    // Typing in a form counts as activity: the idle time starts again.
    v.touch().unwrap();
    clock.advance(idle - 1);
    assert!(!v.check_idle().unwrap());
    // The timer's own check is not activity.
    clock.advance(1);
    assert!(v.check_idle().unwrap());
    assert!(!v.is_unlocked());
    assert!(
        v.key().is_err(),
        "the station key is dropped at the idle lock"
    );
    assert!(v.check_idle().unwrap());
    let locks = v
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "session.idle_locked")
        .count();
    assert_eq!(locks, 1, "audited once");
    v.resume(SUP_PW).unwrap();
    assert!(!v.check_idle().unwrap());
}

/// What an attacker holding the file but no password can do: after editing entries,
/// recompute every chain hash from the first one and move the head, so the plain chain is
/// consistent again.
fn rechain(v: &Vault<ManualClock>) {
    let entries = v.audit_entries().unwrap();
    let mut prev = GENESIS.to_vec();
    for e in &entries {
        let hash = e.chain_hash(&prev);
        v.connection()
            .execute(
                "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
                params![prev, &hash[..], e.seq],
            )
            .unwrap();
        prev = hash.to_vec();
    }
    v.connection()
        .execute(
            "UPDATE meta SET v = ?1 WHERE k = 'audit_head'",
            params![entries.last().map_or(0, |e| e.seq)],
        )
        .unwrap();
}

#[test]
fn a_rewrite_with_the_chain_recomputed_passes_the_chain_but_not_the_seals() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    let report = v.verify_audit_seals().unwrap();
    assert_eq!(
        (
            report.entries,
            report.sealed,
            report.last_sealed.map(|s| s.0)
        ),
        (5, 5, Some(5))
    );
    // Entry 3 now says another officer did it, and the chain is made consistent again.
    tamper(&v, "UPDATE audit SET officer_id = 99 WHERE seq = 3;");
    rechain(&v);
    assert_eq!(v.verify_audit(), Ok(5), "the plain chain cannot tell");
    assert!(matches!(
        v.verify_audit_seals(),
        Err(VaultError::Audit(AuditError::SealBroken { seq: 3 }))
    ));
    // The seals go with it: what they covered now stands unsealed.
    v.connection()
        .execute_batch("DROP TRIGGER audit_seal_no_delete; DELETE FROM audit_seal WHERE seq >= 3;")
        .unwrap();
    let err = v.verify_audit_seals().unwrap_err();
    assert!(
        matches!(&err, VaultError::Audit(AuditError::Unsealed { seq: 3, action }) if action == "test.action"),
        "{err:?}"
    );
    assert!(err.to_string().contains("is not sealed"), "{err}");
}

#[test]
fn an_entry_appended_without_the_key_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    let officer = v.audit_entries().unwrap()[0].officer;
    // A correctly chained "record.put.issued" written straight into the file.
    let tx = v.connection().unchecked_transaction().unwrap();
    append_audit(&tx, None, T0, officer, "record.put.issued", Some("A-9")).unwrap();
    tx.commit().unwrap();
    assert_eq!(v.verify_audit(), Ok(6));
    assert!(matches!(
        v.verify_audit_seals(),
        Err(VaultError::Audit(AuditError::Unsealed { seq: 6, .. }))
    ));
}

#[test]
fn refused_log_ins_after_the_newest_seal_may_stand_unsealed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, path) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::Issued, b"x").unwrap();
    // Another process on the same file refuses a log-in: written without the key.
    let mut other = Vault::open(&path, clock, Policy::default()).unwrap();
    assert!(other.unlock("truongca", "wrong-password").is_err());
    let report = v.verify_audit_seals().unwrap();
    assert_eq!(report.entries, 3);
    assert_eq!(report.sealed, 2);
    assert_eq!(report.last_sealed, Some((2, T0)));
    // Locked, the seals cannot be checked.
    assert!(matches!(
        other.verify_audit_seals(),
        Err(VaultError::Locked)
    ));
}

#[test]
fn the_idle_lock_is_sealed_and_a_failed_resume_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, _) = new_vault(&dir);
    clock.advance(Policy::default().idle_secs);
    assert!(v.check_idle().unwrap());
    assert!(v.resume("wrong-password").is_err());
    v.resume(SUP_PW).unwrap();
    let sealed: Vec<i64> = v
        .connection()
        .prepare("SELECT seq FROM audit_seal ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // vault.create, session.idle_locked, session.resume; not session.resume_failed (3).
    assert_eq!(sealed, [1, 2, 4]);
    assert_eq!(v.verify_audit_seals().unwrap().sealed, 3);
}

#[test]
fn a_cut_tail_whose_seal_was_left_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_with_five_entries(&dir);
    tamper(
        &v,
        "DELETE FROM audit WHERE seq = 5; UPDATE meta SET v = 4 WHERE k = 'audit_head';",
    );
    assert_eq!(v.verify_audit(), Ok(4));
    assert!(matches!(
        v.verify_audit_seals(),
        Err(VaultError::Audit(AuditError::Truncated {
            last: 4,
            head: 5
        }))
    ));
}

#[test]
fn a_vault_from_before_seals_is_sealed_at_its_first_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, path) = new_vault(&dir);
    v.put_record("A-0001", RecordStatus::Issued, b"x").unwrap();
    v.lock();
    // As a vault made before seals: no seal table.
    v.connection()
        .execute_batch("DROP TABLE audit_seal;")
        .unwrap();
    drop(v);
    let mut v = Vault::open(&path, clock, Policy::default()).unwrap();
    assert_eq!(v.verify_audit(), Ok(3));
    v.unlock("truongca", SUP_PW).unwrap();
    // The log-in's seal covers every entry before it through the chain.
    let report = v.verify_audit_seals().unwrap();
    assert_eq!((report.entries, report.sealed), (4, 1));
    assert_eq!(report.last_sealed.map(|s| s.0), Some(4));
}

#[test]
fn a_status_flipped_in_the_clear_column_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.put_record_audited(
        "A-0001",
        RecordStatus::Aborted,
        b"payload",
        Some(b"{\"step\":\"aborted\"}"),
        Some("enroll.abort"),
    )
    .unwrap();
    v.connection()
        .execute(
            "UPDATE records SET status = 'issued' WHERE id = 'A-0001'",
            [],
        )
        .unwrap();
    assert!(matches!(
        v.get_record("A-0001"),
        Err(VaultError::CorruptRecord)
    ));
    let facts = v.summaries(None).unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].summary, SummaryState::Damaged);
    // The officer column is bound too.
    v.connection()
        .execute(
            "UPDATE records SET status = 'aborted', officer_id = 99 WHERE id = 'A-0001'",
            [],
        )
        .unwrap();
    assert!(matches!(
        v.get_record("A-0001"),
        Err(VaultError::CorruptRecord)
    ));
}

#[test]
fn summaries_read_every_record_in_one_audited_read() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _, _) = new_vault(&dir);
    v.put_record_audited(
        "A-0001",
        RecordStatus::Issued,
        b"big payload one",
        Some(b"facts one"),
        Some("enroll.done"),
    )
    .unwrap();
    v.put_record_audited(
        "A-0002",
        RecordStatus::InProgress,
        b"big payload two",
        Some(b"facts two"),
        None,
    )
    .unwrap();
    // Written without a summary: listed as missing, to be read in full.
    v.put_record("A-0003", RecordStatus::Aborted, b"three")
        .unwrap();
    // A summary sealed for another row does not open here.
    v.put_record_audited(
        "A-0004",
        RecordStatus::Issued,
        b"four",
        Some(b"facts four"),
        None,
    )
    .unwrap();
    v.connection()
        .execute(
            "UPDATE records SET (summary_nonce, summary) =
               (SELECT summary_nonce, summary FROM records WHERE id = 'A-0001')
             WHERE id = 'A-0004'",
            [],
        )
        .unwrap();
    let before = v.audit_entries().unwrap().len();
    let facts = v.summaries(None).unwrap();
    let after = v.audit_entries().unwrap();
    assert_eq!(after.len(), before + 1);
    assert_eq!(after.last().unwrap().action, "record.summaries");
    let by_id = |id: &str| facts.iter().find(|f| f.record.id == id).unwrap();
    assert_eq!(
        by_id("A-0001").summary,
        SummaryState::Present(Zeroizing::new(b"facts one".to_vec()))
    );
    assert_eq!(by_id("A-0001").record.status, RecordStatus::Issued);
    assert_eq!(
        by_id("A-0002").summary,
        SummaryState::Present(Zeroizing::new(b"facts two".to_vec()))
    );
    assert_eq!(by_id("A-0003").summary, SummaryState::Missing);
    assert_eq!(by_id("A-0004").summary, SummaryState::Damaged);
    let issued = v.summaries(Some(RecordStatus::Issued)).unwrap();
    assert_eq!(issued.len(), 2);
    // The step's action is in the same transaction as the write.
    let actions: Vec<String> = after.iter().map(|e| e.action.clone()).collect();
    let put = actions
        .iter()
        .position(|a| a == "record.put.issued")
        .unwrap();
    assert_eq!(actions[put + 1], "enroll.done");
    assert!(matches!(
        v.put_record_audited(
            "A-0005",
            RecordStatus::Issued,
            b"x",
            None,
            Some("bad action!")
        ),
        Err(VaultError::InvalidAction)
    ));
    assert!(v.get_record("A-0005").is_err());
}

#[test]
fn a_vault_from_before_summaries_gets_the_columns_and_reads_its_old_records() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, clock, path) = new_vault(&dir);
    // A record as the first release wrote it: id-only associated data, no summary columns.
    let (nonce, ct) = seal(v.key().unwrap(), &record_aad("A-0001"), b"old payload").unwrap();
    v.connection()
        .execute_batch(
            "ALTER TABLE records DROP COLUMN aad_v;
             ALTER TABLE records DROP COLUMN summary_nonce;
             ALTER TABLE records DROP COLUMN summary;",
        )
        .unwrap();
    v.connection()
        .execute(
            "INSERT INTO records (id, status, officer_id, updated_at, nonce, ciphertext)
             VALUES ('A-0001', 'issued', 1, ?1, ?2, ?3)",
            params![T0, &nonce[..], ct],
        )
        .unwrap();
    v.lock();
    drop(v);
    let mut v = Vault::open(&path, clock, Policy::default()).unwrap();
    v.unlock("truongca", SUP_PW).unwrap();
    assert_eq!(&v.get_record("A-0001").unwrap().1[..], b"old payload");
    assert_eq!(v.summaries(None).unwrap()[0].summary, SummaryState::Missing);
    // Written again, it moves to the bound associated data and gets a summary.
    v.put_record_audited("A-0001", RecordStatus::Issued, b"new", Some(b"f"), None)
        .unwrap();
    let aad_v: i64 = v
        .connection()
        .query_row("SELECT aad_v FROM records WHERE id = 'A-0001'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(aad_v, 2);
    assert_eq!(&v.get_record("A-0001").unwrap().1[..], b"new");
}
