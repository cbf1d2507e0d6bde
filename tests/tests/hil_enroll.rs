//! HIL: whole enrollments through the workflow engine as QA scripts run them —
//! `idstation enroll --scenario` with the real pcscd + vpcd + vcard, libfprint's
//! virtual_image sensor, the virtual camera and the cups-pdf queue (hil/cups-up) — and what
//! the vault keeps: no plaintext personal data, an intact audit chain, nothing lost when the
//! process is killed at any step.

use idstation_tests::{
    bin, card_read_args, files_under, find_any, output_text, repo, sqlite_integrity, Scratch, Slot,
    Vcard, TEST_PASSPHRASE,
};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SUPERVISOR_PASSWORD: &str = "hil-supervisor-pass";
const NAME: &str = "Nguyễn Văn An";
const ID_NUMBER: &str = "001095012345";
/// The card's document number: the ID number's last nine digits (ICAO 9303 TD1 as the
/// Vietnamese card fills it), part of the personal ID.
const DOC_NUMBER: &str = "095012345";

/// The applicant's personal data (tests/data/record.json) as it would show in clear: name,
/// ID number, document number, address, parents' names.
const CLEAR: [&str; 6] = [
    NAME,
    ID_NUMBER,
    DOC_NUMBER,
    "Hàng Bạc",
    "Nguyễn Văn Bình",
    "Trần Thị Cúc",
];

struct Station {
    s: Scratch,
    station: PathBuf,
    scenario: PathBuf,
    vault: PathBuf,
    keys: PathBuf,
    /// TMPDIR of the station's processes, checked for personal data.
    tmp: PathBuf,
}

/// A 640×480 camera frame showing `text` as a QR code, as a phone screen held up.
fn qr_frame(text: &str) -> image::GrayImage {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let scale = 8;
    let (x0, y0) = ((640 - n * scale) / 2, (480 - n * scale) / 2);
    image::GrayImage::from_fn(640, 480, |x, y| {
        let inside = x >= x0 && y >= y0 && x < x0 + n * scale && y < y0 + n * scale;
        let dark = inside && {
            let (mx, my) = ((x - x0) / scale, (y - y0) / scale);
            colors[(my * n + mx) as usize] == qrcode::Color::Dark
        };
        image::Luma([if dark { 20 } else { 235 }])
    })
}

fn station(name: &str, reader: &str) -> Station {
    let s = Scratch::new(name);
    let keys = s.path("keys");
    let o = cli(&["keys", "init", "--dir", keys.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", output_text(&o));
    let vault = s.path("station.db");
    let o = cli(
        &[
            "vault",
            "init",
            "--vault",
            vault.to_str().unwrap(),
            "--supervisor",
            "chief",
        ],
        None,
    );
    assert!(o.status.success(), "{}", output_text(&o));
    let station = s.path("station.toml");
    std::fs::write(
        &station,
        format!(
            "station_id = \"HIL01\"\nstation_name = \"Trạm thử HIL\"\nreader = \"{reader}\"\n\
             camera = \"virtual:frames\"\nprinter = \"idstation-pdf\"\nkeys = \"keys\"\n\
             output_dir = \"out\"\ncampaign_target = 100\n"
        ),
    )
    .unwrap();
    // The applicant's side (QA's input) lives apart from the station's files.
    // The camera first sees the health-declaration QR code on the applicant's phone, then
    // the applicant, first still masked.
    let frames = s.path("applicant/frames");
    std::fs::create_dir_all(&frames).unwrap();
    qr_frame(&format!("KBYT|{ID_NUMBER}|khong trieu chung"))
        .save(frames.join("00-phone-qr.png"))
        .unwrap();
    for f in std::fs::read_dir(repo().join("tests/data/frames")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, frames.join(f.file_name().unwrap())).unwrap();
    }
    let scenario = s.path("applicant/scenario.toml");
    std::fs::write(
        &scenario,
        format!(
            "record = \"{}\"\ncheckin_scan = true\n\
             checkin_qr = \"KBYT|{ID_NUMBER}|khong trieu chung\"\n\
             camera_frames = \"frames\"\nfingers = {{ synth = 77 }}\n",
            repo().join("tests/data/record.json").display(),
        ),
    )
    .unwrap();
    let tmp = s.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    Station {
        s,
        station,
        scenario,
        vault,
        keys,
        tmp,
    }
}

fn cli(args: &[&str], socket: Option<&Path>) -> std::process::Output {
    let mut c = Command::new(bin("idstation"));
    c.args(args)
        .env("IDSTATION_DS_PASSPHRASE", TEST_PASSPHRASE)
        .env("IDSTATION_PASSWORD", SUPERVISOR_PASSWORD);
    if let Some(s) = socket {
        c.env("FP_VIRTUAL_IMAGE", s);
    }
    c.output().expect("run idstation")
}

impl Station {
    /// `idstation audit verify --officer chief`: the chain and its seals. Every entry the
    /// engine wrote was sealed with the station key (a kill -9 never leaves an entry without
    /// its seal: both are one transaction).
    fn assert_audit_sealed(&self) {
        let vault = self.vault.to_str().unwrap();
        let o = cli(
            &["audit", "verify", "--vault", vault, "--officer", "chief"],
            None,
        );
        assert!(o.status.success(), "{}", output_text(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("seals verified"),
            "{}",
            output_text(&o)
        );
    }

    fn enroll_args(&self, resume: bool) -> Vec<String> {
        let mut a = vec![
            "enroll".to_string(),
            "--scenario".into(),
            self.scenario.display().to_string(),
            "--station".into(),
            self.station.display().to_string(),
            "--vault".into(),
            self.vault.display().to_string(),
            "--officer".into(),
            "chief".into(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    }

    /// `idstation enroll` as QA runs it, its TMPDIR pointed at the station's `tmp`.
    fn enroll_command(&self, resume: bool, socket: &Path) -> Command {
        let mut c = Command::new(bin("idstation"));
        c.args(self.enroll_args(resume))
            .env("IDSTATION_DS_PASSPHRASE", TEST_PASSPHRASE)
            .env("IDSTATION_PASSWORD", SUPERVISOR_PASSWORD)
            .env("FP_VIRTUAL_IMAGE", socket)
            .env("TMPDIR", &self.tmp);
        c
    }

    fn enroll(&self, resume: bool, socket: &Path) -> std::process::Output {
        self.enroll_command(resume, socket)
            .output()
            .expect("run idstation enroll")
    }

    /// The vault's files as they are on disk: the database, and its write-ahead log and
    /// shared-memory index while they exist.
    fn vault_files(&self) -> Vec<PathBuf> {
        let mut out = vec![self.vault.clone()];
        for ext in ["-wal", "-shm", "-journal"] {
            let mut p = self.vault.as_os_str().to_owned();
            p.push(ext);
            let p = PathBuf::from(p);
            if p.exists() {
                out.push(p);
            }
        }
        out
    }

    /// Nothing personal in clear in the vault's files nor in anything the station's processes
    /// left in their TMPDIR. `when` says at which point (for the message).
    fn assert_no_clear_files(&self, when: &str) {
        let files: Vec<PathBuf> = self
            .vault_files()
            .into_iter()
            .chain(files_under(&self.tmp))
            .collect();
        for p in &files {
            let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            if let Some(n) = find_any(&bytes, &CLEAR) {
                panic!("{n:?} in clear in {} ({when})", p.display());
            }
        }
    }

    fn today(&self) -> String {
        // The station's local date (Vietnam, UTC+7), as the report uses.
        let off = time::UtcOffset::from_hms(7, 0, 0).unwrap();
        let d = time::OffsetDateTime::now_utc().to_offset(off).date();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    fn daily_csv(&self) -> String {
        let out = self.s.path("daily.csv");
        let o = cli(
            &[
                "report",
                "daily",
                "--date",
                &self.today(),
                "--out",
                out.to_str().unwrap(),
                "--station",
                self.station.to_str().unwrap(),
                "--vault",
                self.vault.to_str().unwrap(),
                "--officer",
                "chief",
            ],
            None,
        );
        assert!(o.status.success(), "{}", output_text(&o));
        std::fs::read_to_string(out).unwrap()
    }
}

#[test]
fn scenario_enrolls_end_to_end_and_the_card_reads_back_verified() {
    let slot = Slot::take();
    let st = station("enroll-e2e", slot.reader);
    let card = st.s.path("card.vcard");
    let vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
    let enrolled = st.enroll(false, &st.s.path("fp.sock"));
    let text = output_text(&enrolled);
    assert!(enrolled.status.success(), "{text}");
    for step in [
        "check_in",
        "data",
        "portrait",
        "finger right-thumb",
        "finger left-little",
        "print",
        "signed",
        "write_card",
        "receipt",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with('✔') && l.contains(step)),
            "step {step} reported done: {text}"
        );
    }
    assert!(
        text.contains("CARD ISSUED AND VERIFIED (application HIL01-"),
        "{text}"
    );
    assert!(
        !text.contains("095012345"),
        "no document number in the output: {text}"
    );
    assert!(text.contains(": Hoàn tất / Done"), "{text}");
    vcard.remove();

    // The card the station wrote, re-inserted, reads back verified against its CSCA.
    let _vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
    let csca = st.keys.join("csca.der");
    let o = cli(
        &card_read_args(slot.reader, &["--csca", csca.to_str().unwrap()]),
        None,
    );
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(NAME));

    // Nothing personal in clear in anything the station wrote: its folder (keys, station
    // file, the database and, while they exist, its WAL and shared-memory files) and TMPDIR.
    // The card is left out (the chip carries the data by design), so is QA's input.
    let mut checked = Vec::new();
    for p in files_under(&st.s.0) {
        if p == card || p.starts_with(st.s.path("applicant")) {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        if let Some(n) = find_any(&bytes, &CLEAR) {
            panic!("{n:?} in clear in {}", p.display());
        }
        checked.push(p);
    }
    // The WAL and shared-memory files are folded in and removed when the last connection
    // closes; the database itself must have been read.
    assert!(checked.contains(&st.vault), "{checked:?}");

    st.assert_audit_sealed();
    // Every step is in the audit log, each finger included.
    let v = vault::Vault::open(
        &st.vault,
        accounts::SystemClock,
        accounts::Policy::default(),
    )
    .unwrap();
    let actions: Vec<String> = v
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "enroll.start",
        "enroll.checkin.qr",
        "enroll.data",
        "enroll.portrait.auto",
        "enroll.finger.right-thumb",
        "enroll.finger.left-little",
        "enroll.printed",
        "enroll.signed",
        "enroll.card.issued",
        "enroll.receipt",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }

    let csv = st.daily_csv();
    let row = csv
        .lines()
        .find(|l| l.contains(",HIL01,chief,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(row.contains(",HIL01,chief,1,1,1,0,"), "{row}");
    // The day's report counts applications per officer; it names no applicant.
    if let Some(n) = find_any(csv.as_bytes(), &CLEAR) {
        panic!("{n:?} in the daily report: {csv}");
    }

    // Last (so that the checks above have run when it fails): the station's logs — what
    // `idstation enroll` printed on stdout and stderr — name no one: the application number
    // and the steps, never the applicant's name, ID number or document number.
    for (stream, bytes) in [("stdout", &enrolled.stdout), ("stderr", &enrolled.stderr)] {
        if let Some(n) = find_any(bytes, &CLEAR) {
            panic!("{n:?} in clear in the enroll output ({stream}):\n{text}");
        }
    }
}

/// The step name of a line `idstation enroll` reports done ("✔ NAME   123 ms  message";
/// the name is padded to 22 characters), with the whole name: "finger right-thumb",
/// "→ portrait".
fn reported_done(line: &str) -> Option<String> {
    let rest = line.strip_prefix("✔ ")?;
    let name: String = rest.chars().take(22).collect();
    Some(name.trim_end().to_string())
}

/// Steps of a run that belong to the process, not to the enrollment.
fn session_step(step: &str) -> bool {
    matches!(step, "login" | "resume" | "new_applicant")
}

/// Reads a child's pipe to the end on a thread (so the child never blocks on a full pipe).
fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    })
}

impl Station {
    /// What must hold after every kill -9, before the next start: the database with its WAL
    /// passes SQLite's integrity check, no file of the vault and nothing in TMPDIR holds
    /// personal data in clear, and the audit chain verifies.
    fn check_after_kill(&self, at: &str) {
        let rows = sqlite_integrity(&self.vault);
        assert_eq!(rows, ["ok"], "integrity_check after a kill at {at}");
        self.assert_no_clear_files(&format!("after a kill at {at}"));
        let o = cli(
            &["audit", "verify", "--vault", self.vault.to_str().unwrap()],
            None,
        );
        assert!(
            o.status.success(),
            "audit chain after a kill at {at}: {}",
            output_text(&o)
        );
    }
}

/// One applicant, the station killed (SIGKILL) again and again: right after each step it
/// reports done — log-in, the new application, check-in, data, every transition, the
/// portrait, each of the ten fingers, the sheet printed, signed, the card written, the
/// receipt — and once in the middle of writing the card (a slow card, the kill after its
/// 8th UPDATE BINARY). Each start after a kill runs `enroll --resume` and is itself killed
/// after the next step, so every step is done by a process that resumed. After every kill:
/// SQLite's integrity check on the database and its WAL, no personal data in clear in the
/// vault's files (database, -wal, -shm) or TMPDIR, the audit chain intact. Each resumed run
/// must resume (not start another applicant) and must not report again a step reported
/// before (full step names, each finger its own). At the end the audit log holds each
/// step's entry exactly once (a step can finish between a report and the kill landing, so
/// the log counts, not the reports), a kill landed after every finger, the print, the
/// signature, the card and the receipt, the vault counts one application, completed, one
/// card issued; that card reads back verified, the card spoiled by the kill does not, and
/// the audit log's seals verify. One enrollment killed 25 times rather than 25 enrollments
/// killed once: each resumed process does one step, so the test stays near two minutes.
#[test]
fn killing_the_enrollment_at_each_step_and_resuming_loses_nothing() {
    let started = Instant::now();
    let slot = Slot::take();
    let st = station("enroll-kill", slot.reader);
    let profile = "vn-citizen-card";
    let spoiled = st.s.path("card-spoiled.vcard");
    let card = st.s.path("card.vcard");
    let mut vcard = Some(Vcard::start(&slot, profile, Some(&spoiled), &[]));
    // The enrollment's steps done so far, in order; where each kill landed.
    let mut done: Vec<String> = Vec::new();
    let mut kills: Vec<String> = Vec::new();
    let mut write_killed = false;
    for run in 0..40 {
        let socket = st.s.path(&format!("fp-{run}.sock"));
        if done.last().map(String::as_str) == Some("→ write_card") && !write_killed {
            // The next step writes the card: a slow card (25 ms before every answer) that
            // logs its commands, and the kill once the 8th UPDATE BINARY was answered — the
            // chip half written, not locked.
            vcard.take().unwrap().remove();
            let mut slow = Vcard::start_logged(
                &slot,
                profile,
                Some(&spoiled),
                &["--delay-ms".into(), "25".into()],
            );
            let log = BufReader::new(slow.take_log().unwrap());
            let (tx, rx) = std::sync::mpsc::channel();
            let watcher = std::thread::spawn(move || {
                let mut updates = 0;
                for line in log.lines() {
                    let Ok(line) = line else { break };
                    if line.contains(" INS D6") {
                        updates += 1;
                        if updates == 8 {
                            let _ = tx.send(());
                        }
                    }
                }
            });
            let mut child = st
                .enroll_command(true, &socket)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let out = drain(child.stdout.take().unwrap());
            let err = drain(child.stderr.take().unwrap());
            let writing = rx.recv_timeout(Duration::from_secs(120));
            child.kill().unwrap();
            let _ = child.wait();
            let out = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
            let err = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
            assert!(
                writing.is_ok(),
                "the card was never written to: {out}\nstderr: {err}"
            );
            assert!(
                !out.lines()
                    .any(|l| reported_done(l).is_some_and(|s| s == "write_card")),
                "the kill was meant to land while the card was written: {out}"
            );
            slow.remove();
            let _ = watcher.join();
            let chip = vchip::VirtualChip::load_from_with_profile(
                &spoiled,
                profiles::Profile::load(profile).unwrap(),
            )
            .expect("the half-written card's file");
            assert!(!chip.is_locked(), "killed before the chip was locked");
            kills.push("in the middle of write_card".into());
            st.check_after_kill("the middle of write_card");
            // The officer puts a new blank card in the reader.
            vcard = Some(Vcard::start(&slot, profile, Some(&card), &[]));
            write_killed = true;
            continue;
        }

        let resume = run > 0;
        let mut child = st
            .enroll_command(resume, &socket)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = drain(child.stderr.take().unwrap());
        let mut seen = Vec::new();
        let mut killed_at = None;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let step = reported_done(&line);
            let failed = line.starts_with('✘');
            seen.push(line);
            assert!(!failed, "a step failed (run {run}): {seen:#?}");
            let Some(step) = step else { continue };
            // The first step of a run: log-in; the second: a resumed run resumes the
            // enrollment, except after a kill at log-in, when there was none yet.
            match seen.iter().filter(|l| l.starts_with('✔')).count() {
                1 => assert_eq!(step, "login", "{seen:#?}"),
                2 if kills.iter().any(|k| k != "login") => assert_eq!(
                    step,
                    "resume",
                    "after a kill at {}, `enroll --resume` did not resume the enrollment \
                     (still to do after it: {}): {seen:#?}",
                    kills.last().map_or("-", String::as_str),
                    if done.iter().any(|d| d == "write_card") {
                        "the receipt; the card is issued"
                    } else {
                        "the steps after it"
                    }
                ),
                // After the kill at log-in: nothing to resume, unless the new application
                // the killed run started was saved before the kill landed.
                2 => assert!(step == "new_applicant" || step == "resume", "{seen:#?}"),
                _ => {}
            }
            let kill = match step.as_str() {
                "login" => run == 0,
                "resume" => false,
                _ => true,
            };
            if !session_step(&step) {
                assert!(
                    !done.contains(&step),
                    "{step} redone after a kill at {}: {seen:#?}",
                    kills.last().map_or("-", String::as_str)
                );
                done.push(step.clone());
            }
            if kill {
                child.kill().unwrap();
                killed_at = Some(step);
                break;
            }
        }
        let _ = child.wait();
        let err = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
        let Some(at) = killed_at else {
            panic!("run {run} ended without a new step (done so far: {done:?}): {seen:#?}\nstderr: {err}");
        };
        st.check_after_kill(&at);
        kills.push(at.clone());
        if at == "receipt" {
            break;
        }
    }
    let kill_count = kills.len();
    assert_eq!(
        kills.last().map(String::as_str),
        Some("receipt"),
        "{kills:?}"
    );
    vcard.take().unwrap().remove();

    // Nothing done twice, nothing left out, whichever process did it (a step done between
    // a report and the kill landing is never reported, so the vault's audit log counts):
    // each step's audit entry exactly once, each of the ten fingers its own.
    let v = vault::Vault::open(
        &st.vault,
        accounts::SystemClock,
        accounts::Policy::default(),
    )
    .unwrap();
    let entries = v.audit_entries().unwrap();
    let app: Vec<&String> = entries
        .iter()
        .filter(|e| e.action == "enroll.start")
        .filter_map(|e| e.record_id.as_ref())
        .collect();
    assert_eq!(app.len(), 1, "one application: {app:?}");
    let app = app[0].clone();
    let count = |action: &str| {
        entries
            .iter()
            .filter(|e| e.action == action && e.record_id.as_deref() == Some(&app))
            .count()
    };
    let fingers = [
        "right-thumb",
        "right-index",
        "right-middle",
        "right-ring",
        "right-little",
        "left-thumb",
        "left-index",
        "left-middle",
        "left-ring",
        "left-little",
    ];
    let once: Vec<String> = [
        "enroll.checkin.qr",
        "enroll.step.data",
        "enroll.data",
        "enroll.step.portrait",
        "enroll.portrait.auto",
        "enroll.step.fingerprints",
    ]
    .into_iter()
    .map(String::from)
    .chain(fingers.iter().map(|f| format!("enroll.finger.{f}")))
    .chain(
        [
            "enroll.step.review",
            "enroll.step.print_sign",
            "enroll.printed",
            "enroll.signed",
            "enroll.step.write_card",
            "enroll.card.issued",
            "enroll.receipt",
        ]
        .map(String::from),
    )
    .collect();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for a in &once {
        assert_eq!(count(a), 1, "{a} in the audit log once: {actions:?}");
    }
    // Every reported step was reported once (checked as they came) and was a kill point.
    for f in fingers {
        let step = format!("finger {f}");
        assert!(kills.contains(&step), "a kill after {step}: {kills:?}");
    }
    for step in ["print", "signed", "write_card", "receipt"] {
        assert!(
            kills.iter().any(|k| k == step),
            "a kill after {step}: {kills:?}"
        );
    }

    // One application, completed, one card issued.
    let csv = st.daily_csv();
    let row = csv
        .lines()
        .find(|l| l.contains(",HIL01,chief,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(row.contains(",HIL01,chief,1,1,1,0,"), "{row}");
    // The card issued reads back verified; the one spoiled by the kill does not.
    let csca = st.keys.join("csca.der");
    let read = |file: &Path| {
        let _v = Vcard::start(&slot, profile, Some(file), &[]);
        cli(
            &card_read_args(slot.reader, &["--csca", csca.to_str().unwrap()]),
            None,
        )
    };
    let o = read(&card);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(NAME));
    let o = read(&spoiled);
    assert!(
        !o.status.success(),
        "the half-written card must not verify: {}",
        output_text(&o)
    );
    st.assert_audit_sealed();
    eprintln!(
        "killed {kill_count} times ({kills:?}); the test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A paper declaration (no smartphone), photographed by the camera, then the applicant
/// leaves at the portrait: the enrollment is aborted with its reason, which the daily report
/// lists.
#[test]
fn paper_checkin_then_an_abort_is_kept_with_its_reason() {
    let st = station("enroll-abort", "Virtual PCD 00 00");
    std::fs::write(
        &st.scenario,
        format!(
            "record = \"{}\"\npaper_note = \"Tờ khai giấy số 17, không triệu chứng\"\n\
             camera_frames = \"frames\"\nabort_at = \"portrait\"\n\
             abort_reason = \"Công dân bỏ về / applicant left\"\n",
            repo().join("tests/data/record.json").display(),
        ),
    )
    .unwrap();
    let o = st.enroll(false, &st.s.path("fp.sock"));
    let text = output_text(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("✔ check_in"), "{text}");
    assert!(
        text.contains("Paper declaration and its photo recorded"),
        "{text}"
    );
    assert!(text.contains("✔ abort"), "{text}");
    assert!(text.contains(": Đã hủy / Aborted"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some("portrait")),
        "no portrait taken: {text}"
    );
    let csv = st.daily_csv();
    let row = csv
        .lines()
        .find(|l| l.contains(",HIL01,chief,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(row.contains(",HIL01,chief,1,0,0,1,"), "{row}");
    assert!(row.contains("Công dân bỏ về / applicant left"), "{row}");
    // The vault keeps the note and the camera's photo of the form, as a JPEG.
    let mut v = vault::Vault::open(
        &st.vault,
        accounts::SystemClock,
        accounts::Policy::default(),
    )
    .unwrap();
    v.unlock("chief", SUPERVISOR_PASSWORD).unwrap();
    let list = v.list(None).unwrap();
    assert_eq!(list.len(), 1);
    let (_, payload) = v.get_record(&list[0].id).unwrap();
    let e: workflow::Enrollment = serde_json::from_slice(&payload).unwrap();
    let Some(workflow::model::CheckIn::Paper {
        note, photo_jpeg, ..
    }) = e.checkin
    else {
        panic!("a paper check-in: {:?}", e.checkin);
    };
    assert_eq!(note, "Tờ khai giấy số 17, không triệu chứng");
    assert!(photo_jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
    let photo = image::load_from_memory_with_format(&photo_jpeg, image::ImageFormat::Jpeg)
        .expect("the photo decodes");
    let (w, h) = (photo.width(), photo.height());
    assert!(w >= 320 && h >= 240, "{w}×{h}");
}

/// Checkpoint mode in the station's engine (what the app's checkpoint screen drives): the
/// card the station just wrote verifies green from its QR text and is logged; a QR code
/// whose name differs from the chip gives a mismatch alert; the day's history lists both.
#[test]
fn the_engine_verifies_a_station_card_at_the_checkpoint_and_logs_both_crossings() {
    use workflow::{Intent, Login};
    let slot = Slot::take();
    let st = station("checkpoint-engine", slot.reader);
    std::fs::write(
        &st.scenario,
        format!(
            "record = \"{}\"\ncheckin_qr = \"KBYT\"\ncamera_frames = \"{}\"\n",
            repo().join("tests/data/record.json").display(),
            repo().join("tests/data/frames").display()
        ),
    )
    .unwrap();
    let card = st.s.path("card.vcard");
    let vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
    let o = st.enroll(false, &st.s.path("fp.sock"));
    assert!(o.status.success(), "{}", output_text(&o));
    vcard.remove();
    let _vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);

    let record = citizen::CitizenRecord::from_json(
        &std::fs::read_to_string(repo().join("tests/data/record.json")).unwrap(),
    )
    .unwrap();
    let qr = checkpoint::CardQr::from_record(&record).to_text();
    let config = workflow::StationConfig::load(&st.station).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let devices = workflow::Devices::real(&config);
        let h = workflow::Engine::start(
            config,
            devices,
            None,
            st.vault.clone(),
            accounts::Policy::default(),
        );
        let t = std::time::Duration::from_secs(60);
        let s = h
            .run(
                Intent::Login {
                    name: "chief".into(),
                    password: SUPERVISOR_PASSWORD.into(),
                },
                t,
            )
            .await
            .unwrap();
        assert!(matches!(s.login, Login::LoggedIn { .. }), "{:?}", s.message);
        let verify = |qr: String, direction| Intent::CheckpointVerify {
            qr_text: Some(qr),
            typed: None,
            scan: false,
            direction,
            checkpoint: "CK-01".into(),
        };
        let s = h
            .run(verify(qr.clone(), vault::Direction::In), t)
            .await
            .unwrap();
        let r = s
            .checkpoint
            .clone()
            .unwrap_or_else(|| panic!("{:?}", s.message));
        assert!(r.verified, "{:?}", r.alerts);
        assert!(r.alerts.is_empty());
        assert!(r.portrait_jpeg.is_some(), "the chip's portrait is shown");
        assert!(r.comparisons.iter().all(|c| c.matches));

        let forged = qr.replace("Nguyễn Văn An", "Nguyễn Văn Bảo");
        assert_ne!(forged, qr);
        let s = h
            .run(verify(forged, vault::Direction::Out), t)
            .await
            .unwrap();
        let r = s.checkpoint.clone().unwrap();
        assert!(!r.verified);
        assert!(
            r.alerts.iter().any(|a| a.en.contains("name")),
            "the mismatch names the field: {:?}",
            r.alerts
        );
        assert!(r
            .comparisons
            .iter()
            .any(|c| !c.matches && c.label_en.contains("name")));

        assert_eq!(s.crossings.len(), 2, "{:?}", s.crossings);
        assert!(s.crossings[0].verified && !s.crossings[1].verified);
        assert_eq!(s.crossings[0].full_name, NAME);
        assert_eq!(s.crossings[1].direction_en, "out");
        h.send(Intent::Shutdown);
    });
}
