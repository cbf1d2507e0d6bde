//! Harness for the hardware-in-the-loop tests: the real PC/SC daemon (pcscd) with Debian's
//! vsmartcard-vpcd driver, and the project's `vcard` virtual card connected to it.
//!
//! `bash hil/up` starts pcscd with vpcd; `cargo build --workspace --bins` builds `vcard` and
//! `idstation`, which the tests run as real processes.

use cardreader::{PcscCard, TransportError};
use chip::{Biometrics, Document, ReadOptions};
use citizen::CitizenRecord;
use iso19794::{FingerPosition, FingerRecord};
use pki::{DocumentSigner, TestPki};
use profiles::Profile;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// vpcd's two readers and their ports.
pub const SLOTS: [(&str, u16); 2] = [("Virtual PCD 00 00", 35963), ("Virtual PCD 00 01", 35964)];

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn data(name: &str) -> Vec<u8> {
    let p = repo().join("tests/data").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn record() -> CitizenRecord {
    CitizenRecord::from_json(&String::from_utf8(data("record.json")).expect("utf-8"))
        .expect("tests/data/record.json")
}

pub fn biometrics() -> Biometrics {
    Biometrics {
        portrait_jpeg: data("portrait.jpg"),
        face_image_type: iso19794::FaceImageType::FullFrontal,
        eyes: None,
        fingers: vec![
            FingerRecord::from_png(
                FingerPosition::RightIndex,
                0,
                data("fingers/right-index.png"),
            )
            .expect("right index"),
            FingerRecord::from_png(FingerPosition::LeftIndex, 0, data("fingers/left-index.png"))
                .expect("left index"),
        ],
    }
}

pub fn test_pki() -> &'static TestPki {
    static P: OnceLock<TestPki> = OnceLock::new();
    P.get_or_init(|| {
        pki::generate_test_pki("VN", "idstation HIL", time::OffsetDateTime::now_utc())
            .expect("test PKI")
    })
}

pub fn signer() -> DocumentSigner {
    let p = test_pki();
    DocumentSigner::from_pkcs8(&p.ds_key_pkcs8, &p.ds_cert_der).expect("signer")
}

pub fn trust() -> ReadOptions {
    ReadOptions::new(vec![test_pki().csca_cert_der.clone()])
}

pub fn document(profile: &Profile) -> Document {
    chip::build(
        &record(),
        &biometrics(),
        profile,
        &signer(),
        time::OffsetDateTime::now_utc(),
    )
    .expect("document")
}

/// A built binary of the workspace (target/<profile>/NAME next to this test's deps folder).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (hil/test does)",
        p.display()
    );
    p
}

/// One of vpcd's two readers, held by one test at a time.
pub struct Slot {
    index: usize,
    pub reader: &'static str,
    pub port: u16,
}

fn slots() -> &'static (Mutex<[bool; 2]>, Condvar) {
    static S: OnceLock<(Mutex<[bool; 2]>, Condvar)> = OnceLock::new();
    S.get_or_init(|| (Mutex::new([false; 2]), Condvar::new()))
}

impl Slot {
    /// Waits for a free reader.
    pub fn take() -> Slot {
        let (lock, cv) = slots();
        let mut busy = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(i) = busy.iter().position(|b| !b) {
                busy[i] = true;
                let (reader, port) = SLOTS[i];
                return Slot {
                    index: i,
                    reader,
                    port,
                };
            }
            busy = cv.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (lock, cv) = slots();
        let mut busy = lock.lock().unwrap_or_else(|e| e.into_inner());
        busy[self.index] = false;
        cv.notify_all();
    }
}

/// A running `vcard` process: a card in one of vpcd's readers.
pub struct Vcard {
    child: Child,
    pub reader: &'static str,
}

impl Vcard {
    /// Starts `vcard --profile PROFILE --vpcd 127.0.0.1:PORT [--card FILE] ARGS…` and waits
    /// until pcscd sees the card. pcscd's vpcd driver polls for the card and may miss a card
    /// that connects while it is busy: the card is then plugged in again (up to 4 times).
    pub fn start(slot: &Slot, profile: &str, card: Option<&Path>, args: &[String]) -> Vcard {
        Vcard::start_with(slot, profile, card, args, false)
    }

    /// As [`Vcard::start`], with `--verbose`: the card logs every command (its number, INS
    /// and lengths, never data) to a pipe that [`Vcard::take_log`] hands over, so a test can
    /// act at a given command (kill the station in the middle of writing the card).
    pub fn start_logged(slot: &Slot, profile: &str, card: Option<&Path>, args: &[String]) -> Vcard {
        Vcard::start_with(slot, profile, card, args, true)
    }

    /// The card's command log (after [`Vcard::start_logged`]), once.
    pub fn take_log(&mut self) -> Option<std::process::ChildStderr> {
        self.child.stderr.take()
    }

    fn start_with(
        slot: &Slot,
        profile: &str,
        card: Option<&Path>,
        args: &[String],
        logged: bool,
    ) -> Vcard {
        let _ = cardreader::wait_for_removal(slot.reader, Duration::from_secs(5));
        // vpcd takes a moment after a card left before it accepts the next one; a card that
        // connects sooner is often not seen (measured: 300 ms is enough here).
        std::thread::sleep(Duration::from_millis(300));
        let mut last = String::new();
        for _attempt in 0..4 {
            let mut cmd = Command::new(bin("vcard"));
            cmd.arg("--profile")
                .arg(profile)
                .arg("--vpcd")
                .arg(format!("127.0.0.1:{}", slot.port))
                .args(args)
                .stdout(Stdio::null());
            if logged {
                cmd.arg("--verbose").stderr(Stdio::piped());
            } else {
                cmd.stderr(Stdio::null());
            }
            if let Some(c) = card {
                cmd.arg("--card").arg(c);
            }
            let child = cmd.spawn().expect("spawn vcard");
            let mut v = Vcard {
                child,
                reader: slot.reader,
            };
            match cardreader::wait_for_card(slot.reader, Duration::from_secs(3)) {
                Ok(()) => {
                    // Let pcscd finish its power-up of the card before the test connects.
                    std::thread::sleep(Duration::from_millis(150));
                    return v;
                }
                Err(e) => {
                    last = e.to_string();
                    v.kill();
                    let _ = cardreader::wait_for_removal(slot.reader, Duration::from_secs(5));
                }
            }
        }
        panic!(
            "pcscd never saw vcard in {} ({last}); is pcscd running with vpcd (bash hil/up)?",
            slot.reader
        );
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Takes the card out and waits until pcscd sees the reader empty.
    pub fn remove(mut self) {
        self.kill();
        let _ = cardreader::wait_for_removal(self.reader, Duration::from_secs(5));
    }

    /// Waits for vcard to leave by itself (after `--pull-after`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Vcard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Connects to the card in `reader` (retrying while pcscd finishes powering it up).
pub fn connect(reader: &str) -> PcscCard {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match PcscCard::connect(reader, Duration::from_secs(5)) {
            Ok(c) => return c,
            Err(e) if Instant::now() < deadline => {
                if !matches!(
                    e,
                    TransportError::NoCard(_)
                        | TransportError::CardRemoved
                        | TransportError::Pcsc(_)
                        | TransportError::CardReset
                ) {
                    panic!("connect {reader}: {e}");
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("connect {reader}: {e}"),
        }
    }
}

/// A scratch folder under target/, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("idstation-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch dir");
        Scratch(p)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The passphrase test stations' Document Signer keys are made with.
pub const TEST_PASSPHRASE: &str = "hil-test-passphrase";

/// Runs the built `idstation` binary as QA scripts do (passphrase from the environment).
pub fn idstation(args: &[&str]) -> std::process::Output {
    Command::new(bin("idstation"))
        .args(args)
        .env("IDSTATION_DS_PASSPHRASE", TEST_PASSPHRASE)
        .output()
        .expect("run idstation")
}

/// Exit status, stdout and stderr of a finished command, for assertion messages.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The demo applicant's BAC access data (tests/data/record.json: ID 001095012345 →
/// document number 095012345, born 1995-05-12, card valid to 2035-05-12), as
/// `idstation card read` takes it.
pub const DEMO_ACCESS: [&str; 6] = [
    "--doc-number",
    "095012345",
    "--birth",
    "950512",
    "--expiry",
    "350512",
];

/// `idstation card read --reader READER` with the demo applicant's access data, then
/// `extra` (`--csca`, `--json`, `--out` …).
pub fn card_read_args<'a>(reader: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["card", "read", "--reader", reader];
    args.extend(DEMO_ACCESS);
    args.extend_from_slice(extra);
    args
}

/// Every file under `dir`, in its sub-folders too (not following symbolic links).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// The first of `needles` found in `hay`, byte for byte.
pub fn find_any<'a>(hay: &[u8], needles: &[&'a str]) -> Option<&'a str> {
    needles.iter().copied().find(|n| {
        let n = n.as_bytes();
        !n.is_empty() && hay.windows(n.len()).any(|w| w == n)
    })
}

/// `PRAGMA integrity_check` on a copy of the SQLite database `db` with its write-ahead log
/// (`db`-wal) as a killed process left them: the copy is opened, so SQLite replays the WAL
/// into it, and the check's rows come back ("ok" alone when the database is sound). The
/// original files are left as they were.
pub fn sqlite_integrity(db: &Path) -> Vec<String> {
    let dir = Scratch::new("integrity");
    let name = db.file_name().expect("database file name");
    let copy = dir.path(&name.to_string_lossy());
    std::fs::copy(db, &copy).unwrap_or_else(|e| panic!("{}: {e}", db.display()));
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    if wal.exists() {
        let mut to = copy.as_os_str().to_owned();
        to.push("-wal");
        std::fs::copy(&wal, PathBuf::from(to)).unwrap_or_else(|e| panic!("{}: {e}", wal.display()));
    }
    let conn = rusqlite::Connection::open(&copy).expect("open the copy");
    let mut stmt = conn
        .prepare("PRAGMA integrity_check")
        .expect("integrity_check");
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .expect("integrity_check rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("integrity_check rows");
    rows
}
