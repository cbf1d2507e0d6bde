//! Crash safety: a child process (this test binary, re-run with an env var) writes records in a
//! loop and reports each commit on stdout; the parent kills it mid-write, then reopens the vault
//! and checks that every reported record reads back, the audit chain verifies and SQLite's own
//! integrity check passes. Repeated over several kills on the same file.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use accounts::{Policy, SystemClock};
use vault::{RecordStatus, Vault};

const CHILD_ENV: &str = "IDSTATION_VAULT_CRASH_CHILD";
const PW: &str = "crash-test-password";

fn payload(id: &str) -> Vec<u8> {
    // Big enough that a write spans several pages, so a kill can land inside it.
    format!("biometrics of {id};").repeat(2000).into_bytes()
}

/// Runs only inside the child: writes until killed.
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let round: String = std::env::var("IDSTATION_VAULT_CRASH_ROUND").unwrap_or_default();
    let mut v = Vault::open(Path::new(&path), SystemClock, Policy::default()).unwrap();
    v.unlock("truongca", PW).unwrap();
    for i in 0u64.. {
        let id = format!("R{round}-{i:06}");
        v.put_record(&id, RecordStatus::Enrolled, &payload(&id))
            .unwrap();
        println!("committed {id}");
    }
}

#[test]
fn killed_writer_loses_nothing_committed() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.sqlite");
    drop(Vault::create(&path, "truongca", PW, SystemClock, Policy::default()).unwrap());

    let exe = std::env::current_exe().unwrap();
    let mut committed: Vec<String> = Vec::new();
    for (round, kill_after) in [7usize, 23, 41].into_iter().enumerate() {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .env("IDSTATION_VAULT_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut seen = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(id) = line.strip_prefix("committed ") {
                committed.push(id.to_owned());
                seen += 1;
                if seen >= kill_after {
                    // SIGKILL: no destructors, no clean close of the database.
                    child.kill().unwrap();
                    break;
                }
            }
        }
        child.wait().unwrap();
        assert!(seen >= kill_after, "child stopped early in round {round}");

        let mut v = Vault::open(&path, SystemClock, Policy::default()).unwrap();
        let integrity: String = v
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        v.verify_audit().unwrap();
        v.unlock("truongca", PW).unwrap();
        for id in &committed {
            let (status, data) = v.get_record(id).unwrap();
            assert_eq!(status, RecordStatus::Enrolled);
            assert_eq!(&data[..], &payload(id)[..], "record {id}");
        }
        // Anything beyond what was reported must also be whole (readable), never torn.
        for s in v.list(None).unwrap() {
            v.get_record(&s.id).unwrap();
        }
        v.verify_audit().unwrap();
    }
}
