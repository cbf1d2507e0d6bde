//! The engine without device work: first run, check-in, the former card's QR prefilling the
//! draft, and the idle lock hiding the enrollment. Devices are the real backends; none is
//! used by these steps.

mod common;

use std::time::Duration;

use common::{first_run, log_in_chief, to_data_step, StationFile, T};
use workflow::{Devices, Handle, Intent, Login, Step};

/// The engine on a station with the real devices (none is used by these steps).
fn start(dir: &std::path::Path, policy: accounts::Policy) -> Handle {
    let config = StationFile::new("T01").load(dir);
    let devices = Devices::real(&config);
    common::start_with_policy(dir, config, devices, policy)
}

const QR: &str = "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội|20112026";

/// The former card's QR code, typed in (no camera scan).
fn prefill(qr: &str) -> Intent {
    Intent::PrefillFromFormerCard {
        qr_text: Some(qr.into()),
        scan: false,
    }
}

#[track_caller]
fn assert_refused(s: &workflow::Snapshot) {
    assert!(
        s.message.as_ref().is_some_and(|m| m.error),
        "{:?}",
        s.message
    );
}

async fn at_data_step(h: &Handle) {
    first_run(h, T).await;
    to_data_step(h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_former_cards_qr_prefills_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), accounts::Policy::default());
    at_data_step(&h).await;
    let s = h.run(prefill("not|a card"), T).await.unwrap();
    assert_refused(&s);
    assert!(s.enrollment.as_ref().unwrap().draft.is_none());
    let s = h.run(prefill(QR), T).await.unwrap();
    let draft = s.enrollment.as_ref().unwrap().draft.clone().unwrap();
    assert_eq!(draft["full_name"], "Nguyễn Văn An");
    assert_eq!(draft["date_of_birth"], "12/05/1995");
    assert_eq!(draft["sex"], "male");
    assert_eq!(draft["former_id_number"], "012345678");
    assert!(draft["place_of_residence"].starts_with("Số 12"));
    // Kept in the vault: a restarted engine resumes with the draft.
    h.run(Intent::Shutdown, T).await;
    let h = start(dir.path(), accounts::Policy::default());
    let s = log_in_chief(&h).await;
    let id = s.resumable.last().unwrap().id.clone();
    let s = h.run(Intent::Resume(id), T).await.unwrap();
    let e = s.enrollment.clone().unwrap();
    assert_eq!(e.draft.as_ref().unwrap()["full_name"], "Nguyễn Văn An");
    assert!(e.record.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_timer_locks_and_the_snapshot_then_carries_nothing_personal() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough for the steps before to run on a loaded machine (each is activity).
    let policy = accounts::Policy {
        idle_secs: 3,
        ..Default::default()
    };
    let h = start(dir.path(), policy);
    at_data_step(&h).await;
    h.run(prefill(QR), T).await.unwrap();
    // No intent: the engine's own timer (every 5 s) applies the idle rule.
    let s = h
        .wait_for(Duration::from_secs(15), |s| {
            matches!(s.login, Login::Locked { .. })
        })
        .await
        .expect("locked on time");
    assert!(s.enrollment.is_none(), "nothing personal behind the lock");
    let s = h
        .run(
            Intent::Unlock {
                password: "supervisor-pass".into(),
            },
            T,
        )
        .await
        .unwrap();
    assert!(matches!(s.login, Login::LoggedIn { .. }), "{:?}", s.message);
    let e = s.enrollment.clone().expect("the same enrollment is back");
    assert_eq!(e.step, Step::Data);
    assert_eq!(e.draft.as_ref().unwrap()["full_name"], "Nguyễn Văn An");
}

/// A supervisor manages the station's accounts through the engine (what the app's account
/// screen sends): adds an officer, sees the lockout the officer's wrong passwords caused,
/// lifts it, cannot remove their own account, removes the officer. An officer cannot list
/// accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_adds_unlocks_and_removes_an_officer() {
    let dir = tempfile::tempdir().unwrap();
    let policy = accounts::Policy {
        max_failures: 2,
        ..accounts::Policy::default()
    };
    let h = start(dir.path(), policy);
    assert!(first_run(&h, T).await.supervisor);
    let add = |password: &str| Intent::AddAccount {
        name: " canbo01 ".into(),
        password: password.into(),
        supervisor: false,
    };
    let s = h.run(add("short"), T).await.unwrap();
    assert_refused(&s);
    let s = h.run(add("officer-pass-01"), T).await.unwrap();
    assert!(
        s.message
            .as_ref()
            .is_some_and(|m| m.en == "Account canbo01 added"),
        "{:?}",
        s.message
    );
    let names: Vec<(&str, bool, bool)> = s
        .accounts
        .iter()
        .map(|a| (a.name.as_str(), a.supervisor, a.is_self))
        .collect();
    assert_eq!(names, [("chief", true, true), ("canbo01", false, false)]);
    let officer = s.accounts[1].id;

    // The officer: no account list; then two wrong passwords lock the account.
    h.run(Intent::Logout, T).await.unwrap();
    let login = |name: &str, password: &str| Intent::Login {
        name: name.into(),
        password: password.into(),
    };
    let s = h.run(login("canbo01", "officer-pass-01"), T).await.unwrap();
    assert!(matches!(s.login, Login::LoggedIn { .. }), "{:?}", s.message);
    assert!(!s.supervisor);
    let s = h.run(Intent::Accounts, T).await.unwrap();
    assert!(s.accounts.is_empty());
    assert!(
        s.message
            .as_ref()
            .is_some_and(|m| m.en.contains("Only a supervisor")),
        "{:?}",
        s.message
    );
    h.run(Intent::Logout, T).await.unwrap();
    for _ in 0..2 {
        h.run(login("canbo01", "wrong-password"), T).await.unwrap();
    }
    let s = h.run(login("canbo01", "officer-pass-01"), T).await.unwrap();
    assert!(
        s.message
            .as_ref()
            .is_some_and(|m| m.en.contains("locked until")),
        "{:?}",
        s.message
    );

    // The supervisor sees the lockout and lifts it; the officer logs in again.
    h.run(login("chief", "supervisor-pass"), T).await.unwrap();
    let s = h.run(Intent::Accounts, T).await.unwrap();
    assert!(s.accounts[1].locked_until.is_some(), "{:?}", s.accounts);
    let s = h.run(Intent::ClearLockout(officer), T).await.unwrap();
    assert_eq!(s.accounts[1].locked_until, None);
    let me = s.accounts[0].id;
    let s = h.run(Intent::RemoveAccount(me), T).await.unwrap();
    assert_refused(&s);
    assert_eq!(s.accounts.len(), 2);
    h.run(Intent::Logout, T).await.unwrap();
    let s = h.run(login("canbo01", "officer-pass-01"), T).await.unwrap();
    assert!(matches!(s.login, Login::LoggedIn { .. }), "{:?}", s.message);
    h.run(Intent::Logout, T).await.unwrap();

    // Removed, the officer cannot log in.
    h.run(login("chief", "supervisor-pass"), T).await.unwrap();
    h.run(Intent::Accounts, T).await.unwrap();
    let s = h.run(Intent::RemoveAccount(officer), T).await.unwrap();
    assert_eq!(s.accounts.len(), 1, "{:?}", s.message);
    h.run(Intent::Logout, T).await.unwrap();
    let s = h.run(login("canbo01", "officer-pass-01"), T).await.unwrap();
    assert!(!matches!(s.login, Login::LoggedIn { .. }));
}
