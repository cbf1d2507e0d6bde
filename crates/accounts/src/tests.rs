use super::*;

const T0: i64 = 1_790_000_000;
const SUP_PW: &str = "mật-khẩu-trưởng-ca";
const OFF_PW: &str = "officer-password-1";

fn setup() -> (Connection, Accounts<ManualClock>, ManualClock, Session) {
    let mut conn = Connection::open_in_memory().unwrap();
    Accounts::<ManualClock>::init_schema(&conn).unwrap();
    let clock = ManualClock::new(T0);
    let acc = Accounts::new(clock.clone(), Policy::default());
    let sup = acc.first_run(&mut conn, "truongca", SUP_PW).unwrap();
    (conn, acc, clock, sup)
}

#[test]
fn argon2_parameters_are_owasp_argon2id() {
    let p = argon2_params();
    assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19 * 1024, 2, 1));
    let phc = hash_password("correct horse").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(verify_password(&phc, "correct horse").unwrap());
    assert!(!verify_password(&phc, "correct horsE").unwrap());
}

#[test]
fn same_password_gets_different_salt() {
    let a = hash_password("same password").unwrap();
    let b = hash_password("same password").unwrap();
    assert_ne!(a, b);
}

#[test]
fn stored_row_holds_only_the_phc_string() {
    let (conn, _, _, sup) = setup();
    let phc: String = conn
        .query_row(
            "SELECT phc FROM officers WHERE id = ?1",
            [sup.officer().0],
            |r| r.get(0),
        )
        .unwrap();
    assert!(phc.starts_with("$argon2id$"));
    assert!(!phc.contains(SUP_PW));
}

#[test]
fn first_run_creates_supervisor_once() {
    let (mut conn, acc, _, sup) = setup();
    assert_eq!(sup.role(), Role::Supervisor);
    assert_eq!(
        acc.first_run(&mut conn, "other", "another-password"),
        Err(AccountError::AlreadySetUp)
    );
    assert!(Accounts::<ManualClock>::is_set_up(&conn).unwrap());
}

#[test]
fn weak_password_and_bad_names_refused() {
    let mut conn = Connection::open_in_memory().unwrap();
    Accounts::<ManualClock>::init_schema(&conn).unwrap();
    let acc = Accounts::new(ManualClock::new(T0), Policy::default());
    assert_eq!(
        acc.first_run(&mut conn, "a", "short").unwrap_err(),
        AccountError::WeakPassword
    );
    assert_eq!(
        acc.first_run(&mut conn, "", SUP_PW).unwrap_err(),
        AccountError::InvalidName
    );
    assert_eq!(
        acc.first_run(&mut conn, "a\nb", SUP_PW).unwrap_err(),
        AccountError::InvalidName
    );
    assert!(!Accounts::<ManualClock>::is_set_up(&conn).unwrap());
}

#[test]
fn login_right_and_wrong_password() {
    let (conn, acc, _, sup) = setup();
    let s = acc.login(&conn, "truongca", SUP_PW).unwrap();
    assert_eq!(s.officer(), sup.officer());
    assert_eq!(
        acc.login(&conn, "truongca", "wrong-password"),
        Err(AccountError::WrongPassword)
    );
    // An unknown name gets the same answer as a wrong password.
    assert_eq!(
        acc.login(&conn, "nobody", SUP_PW),
        Err(AccountError::WrongPassword)
    );
}

#[test]
fn lockout_after_five_failures_then_expires() {
    let (conn, acc, clock, _) = setup();
    for _ in 0..4 {
        assert_eq!(
            acc.login(&conn, "truongca", "wrong-password"),
            Err(AccountError::WrongPassword)
        );
    }
    let until = T0 + 15 * 60;
    assert_eq!(
        acc.login(&conn, "truongca", "wrong-password"),
        Err(AccountError::Locked { until })
    );
    // Even the right password is refused while locked.
    clock.advance(15 * 60 - 1);
    assert_eq!(
        acc.login(&conn, "truongca", SUP_PW),
        Err(AccountError::Locked { until })
    );
    clock.advance(1);
    acc.login(&conn, "truongca", SUP_PW).unwrap();
}

#[test]
fn success_resets_failure_count() {
    let (conn, acc, _, _) = setup();
    for _ in 0..4 {
        let _ = acc.login(&conn, "truongca", "wrong-password");
    }
    acc.login(&conn, "truongca", SUP_PW).unwrap();
    for _ in 0..4 {
        assert_eq!(
            acc.login(&conn, "truongca", "wrong-password"),
            Err(AccountError::WrongPassword)
        );
    }
}

#[test]
fn lockout_threshold_is_configurable() {
    let (conn, _, clock, _) = setup();
    let acc = Accounts::new(
        clock,
        Policy {
            max_failures: 2,
            ..Policy::default()
        },
    );
    let _ = acc.login(&conn, "truongca", "wrong-password");
    assert!(matches!(
        acc.login(&conn, "truongca", "wrong-password"),
        Err(AccountError::Locked { .. })
    ));
}

#[test]
fn only_supervisor_adds_accounts() {
    let (conn, acc, _, mut sup) = setup();
    let id = acc
        .add_account(&conn, &mut sup, "canbo1", Role::Officer, OFF_PW)
        .unwrap();
    let mut off = acc.login(&conn, "canbo1", OFF_PW).unwrap();
    assert_eq!(off.officer(), id);
    assert_eq!(off.role(), Role::Officer);
    assert_eq!(
        acc.add_account(&conn, &mut off, "canbo2", Role::Officer, OFF_PW),
        Err(AccountError::NotSupervisor)
    );
    assert_eq!(acc.list(&conn, &mut off), Err(AccountError::NotSupervisor));
    assert_eq!(
        acc.add_account(&conn, &mut sup, "canbo1", Role::Officer, OFF_PW),
        Err(AccountError::NameTaken)
    );
    let list = acc.list(&conn, &mut sup).unwrap();
    assert_eq!(list.len(), 2);
}

#[test]
fn session_locks_after_idle_time_and_unlocks_with_password() {
    let (conn, acc, clock, mut sup) = setup();
    let id = sup.officer();
    clock.advance(4 * 60);
    assert_eq!(acc.act(&mut sup), Ok(id));
    // Activity pushed the idle deadline forward.
    clock.advance(4 * 60);
    assert_eq!(acc.act(&mut sup), Ok(id));
    clock.advance(5 * 60);
    assert_eq!(acc.act(&mut sup), Err(AccountError::SessionLocked));
    assert!(sup.is_locked());
    // Stays locked even with the clock going back.
    clock.advance(-10 * 60);
    assert_eq!(acc.act(&mut sup), Err(AccountError::SessionLocked));
    assert_eq!(
        acc.unlock_session(&conn, &mut sup, "wrong-password"),
        Err(AccountError::WrongPassword)
    );
    acc.unlock_session(&conn, &mut sup, SUP_PW).unwrap();
    assert_eq!(acc.act(&mut sup), Ok(id));
}

#[test]
fn change_password_requires_old_one() {
    let (conn, acc, _, mut sup) = setup();
    assert_eq!(
        acc.change_password(&conn, &mut sup, "wrong-password", "new-password-1"),
        Err(AccountError::WrongPassword)
    );
    acc.change_password(&conn, &mut sup, SUP_PW, "new-password-1")
        .unwrap();
    assert_eq!(
        acc.login(&conn, "truongca", SUP_PW),
        Err(AccountError::WrongPassword)
    );
    acc.login(&conn, "truongca", "new-password-1").unwrap();
}

#[test]
fn errors_are_bilingual_and_carry_no_secret() {
    let msgs = [
        AccountError::WrongPassword.to_string(),
        AccountError::Locked { until: T0 }.to_string(),
        AccountError::NotSupervisor.to_string(),
        AccountError::SessionLocked.to_string(),
    ];
    assert!(msgs[0].contains("Sai") && msgs[0].contains("Wrong user name or password"));
    assert!(msgs[1].contains("khóa đến") && msgs[1].contains("locked until"));
    assert!(msgs[1].contains("UTC"));
    assert!(msgs[2].contains("giám sát") && msgs[2].contains("supervisor"));
    for m in &msgs {
        assert!(!m.contains(SUP_PW));
    }
}

#[test]
fn overlong_password_is_rejected_without_panic() {
    let (conn, acc, _, _) = setup();
    let long = "x".repeat(MAX_PASSWORD_BYTES * 4);
    assert_eq!(
        acc.login(&conn, "truongca", &long),
        Err(AccountError::WrongPassword)
    );
    assert_eq!(hash_password(&long), Err(AccountError::WeakPassword));
}

#[test]
fn tampered_phc_with_huge_cost_is_refused_without_hashing() {
    let (conn, acc, _, sup) = setup();
    let huge = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$\
                AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    conn.execute(
        "UPDATE officers SET phc = ?1 WHERE id = ?2",
        params![huge, sup.officer().0],
    )
    .unwrap();
    assert_eq!(
        acc.login(&conn, "truongca", SUP_PW),
        Err(AccountError::Corrupt)
    );
    conn.execute(
        "UPDATE officers SET phc = 'not a phc' WHERE id = ?1",
        params![sup.officer().0],
    )
    .unwrap();
    assert_eq!(
        acc.login(&conn, "truongca", SUP_PW),
        Err(AccountError::Corrupt)
    );
}

#[test]
fn supervisor_removes_accounts_but_not_self_and_ids_are_not_reused() {
    let (conn, acc, _, mut sup) = setup();
    let a = acc
        .add_account(&conn, &mut sup, "canbo1", Role::Officer, OFF_PW)
        .unwrap();
    let me = sup.officer();
    assert_eq!(
        acc.remove_account(&conn, &mut sup, me),
        Err(AccountError::CannotRemoveSelf)
    );
    acc.remove_account(&conn, &mut sup, a).unwrap();
    assert_eq!(
        acc.remove_account(&conn, &mut sup, a),
        Err(AccountError::NoSuchAccount)
    );
    assert_eq!(
        acc.login(&conn, "canbo1", OFF_PW),
        Err(AccountError::WrongPassword)
    );
    let b = acc
        .add_account(&conn, &mut sup, "canbo2", Role::Officer, OFF_PW)
        .unwrap();
    assert!(b.0 > a.0);
}

#[test]
fn supervisor_clears_lockout() {
    let (conn, acc, _, mut sup) = setup();
    let a = acc
        .add_account(&conn, &mut sup, "canbo1", Role::Officer, OFF_PW)
        .unwrap();
    for _ in 0..5 {
        let _ = acc.login(&conn, "canbo1", "wrong-password");
    }
    assert!(matches!(
        acc.login(&conn, "canbo1", OFF_PW),
        Err(AccountError::Locked { .. })
    ));
    acc.clear_lockout(&conn, &mut sup, a).unwrap();
    acc.login(&conn, "canbo1", OFF_PW).unwrap();
}
