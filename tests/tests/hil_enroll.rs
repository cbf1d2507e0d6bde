//! HIL: whole enrollments through the workflow engine as QA scripts run them —
//! `idstation enroll --scenario` with the real pcscd + vpcd + vcard, libfprint's
//! virtual_image sensor, the virtual camera and the cups-pdf queue (hil/cups-up) — and what
//! the vault keeps: no plaintext personal data, an intact audit chain, nothing lost when the
//! process is killed at any step.

use idstation_tests::{
    bin, card_read_args, output_text, repo, Scratch, Slot, Vcard, TEST_PASSPHRASE,
};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SUPERVISOR_PASSWORD: &str = "hil-supervisor-pass";
const NAME: &str = "Nguyễn Văn An";
const ID_NUMBER: &str = "001095012345";

struct Station {
    s: Scratch,
    station: PathBuf,
    scenario: PathBuf,
    vault: PathBuf,
    keys: PathBuf,
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
    Station {
        s,
        station,
        scenario,
        vault,
        keys,
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

    fn enroll(&self, resume: bool, socket: &Path) -> std::process::Output {
        let args = self.enroll_args(resume);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&args, Some(socket))
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

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn scenario_enrolls_end_to_end_and_the_card_reads_back_verified() {
    let slot = Slot::take();
    let st = station("enroll-e2e", slot.reader);
    let card = st.s.path("card.vcard");
    let vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
    let o = st.enroll(false, &st.s.path("fp.sock"));
    let text = output_text(&o);
    assert!(o.status.success(), "{text}");
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

    // Nothing personal in clear in the database, its WAL or anything else the station
    // wrote in its folder (keys, station file, database files).
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(&st.s.0).unwrap() {
        let p = entry.unwrap().path();
        if !p.is_file() || p == card || p.extension().is_some_and(|e| e == "csv") {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        for needle in [NAME, ID_NUMBER, "Hàng Bạc"] {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{needle:?} in clear in {}",
                p.display()
            );
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
}

/// Kills `idstation enroll` right after the given step is reported (its change is then
/// committed), resumes with `--resume`, and checks the enrollment finishes without redoing
/// what was done, and without a second application.
#[test]
fn killing_the_enrollment_at_each_step_and_resuming_loses_nothing() {
    let slot = Slot::take();
    let st = station("enroll-kill", slot.reader);
    let kill_after = [
        "new_applicant",
        "check_in",
        "data",
        "portrait",
        "finger right-index",
        "finger left-little",
        "print",
        "signed",
    ];
    for (i, step) in kill_after.iter().enumerate() {
        let card = st.s.path(&format!("card-{i}.vcard"));
        let vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
        let args = st.enroll_args(false);
        let mut child = Command::new(bin("idstation"))
            .args(&args)
            .env("IDSTATION_DS_PASSPHRASE", TEST_PASSPHRASE)
            .env("IDSTATION_PASSWORD", SUPERVISOR_PASSWORD)
            .env("FP_VIRTUAL_IMAGE", st.s.path(&format!("fp-{i}a.sock")))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut seen = Vec::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let hit = line.starts_with('✔') && line.contains(step);
            seen.push(line);
            if hit {
                child.kill().unwrap();
                break;
            }
        }
        let _ = child.wait();
        assert!(
            seen.iter().any(|l| l.contains(step)),
            "the run reached {step}: {seen:?}"
        );
        let o = st.enroll(true, &st.s.path(&format!("fp-{i}b.sock")));
        let text = output_text(&o);
        assert!(o.status.success(), "resume after {step}: {text}");
        assert!(text.contains("✔ resume"), "{text}");
        assert!(text.contains("CARD ISSUED AND VERIFIED"), "{text}");
        // What was committed before the kill is not done again.
        let done_before: Vec<&str> = seen
            .iter()
            .filter(|l| l.starts_with('✔'))
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|s| !s.starts_with('→') && *s != "login" && *s != "new_applicant")
            .collect();
        for d in done_before {
            if d == "finger" {
                continue;
            }
            assert!(
                !text.lines().any(|l| l.split_whitespace().nth(1) == Some(d)),
                "{d} redone after a kill at {step}: {text}"
            );
        }
        vcard.remove();
    }
    // One application per run: no duplicates, every one completed and issued.
    let n = kill_after.len();
    let csv = st.daily_csv();
    let row = csv
        .lines()
        .find(|l| l.contains(",HIL01,chief,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        row.contains(&format!(",HIL01,chief,{n},{n},{n},0,")),
        "{row}"
    );
    st.assert_audit_sealed();
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
