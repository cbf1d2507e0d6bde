//! Checkpoint mode through the real pcscd + vpcd with the `vcard` virtual card, driven as QA
//! scripts drive it: `idstation checkpoint verify` on a station-issued card (QR text, QR
//! photo, typed data, trust from a folder or from a master list) and on every attack — DG13
//! altered after signing, a signer under another CSCA, a signer revoked by CRL, a clone
//! without the Active Authentication key, a QR code that does not match the chip — then the
//! day's `idstation report checkpoint` listing each crossing.
//!
//! Needs `bash hil/up` and `cargo build --workspace --bins` (both done by `bash hil/test`).

use idstation_tests::{bin, output_text, Scratch, Slot, Vcard, TEST_PASSPHRASE};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASSWORD: &str = "checkpoint officer password";

/// The demo record's QR code (tests/data/record.json), as printed on its card.
const QR: &str = "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội|20112026";

fn data_path(name: &str) -> String {
    idstation_tests::repo()
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

/// `idstation ARGS` with the officer's password and the test passphrase; times in UTC so
/// the report's day is the test's.
fn run(args: &[&str]) -> Output {
    Command::new(bin("idstation"))
        .args(args)
        .env("IDSTATION_DS_PASSPHRASE", TEST_PASSPHRASE)
        .env("IDSTATION_PASSWORD", PASSWORD)
        .env("TZ", "UTC")
        .env_remove("IDSTATION_STATION")
        .env_remove("IDSTATION_CHECKPOINT")
        .output()
        .expect("run idstation")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn keys_init(dir: &Path) {
    let o = run(&["keys", "init", "--dir", s(dir)]);
    assert!(o.status.success(), "{}", output_text(&o));
}

/// Personalizes a card in `slot` from the demo record with `keys`, saved to `card`.
fn issue(slot: &Slot, keys: &Path, card: &Path) {
    let v = Vcard::start(slot, "vn-citizen-card", Some(card), &[]);
    let o = run(&[
        "card",
        "personalize",
        "--reader",
        slot.reader,
        "--profile",
        "vn-citizen-card",
        "--record",
        &data_path("record.json"),
        "--portrait",
        &data_path("portrait.jpg"),
        "--keys",
        s(keys),
    ]);
    assert!(o.status.success(), "{}", output_text(&o));
    v.remove();
}

struct Station {
    scratch: Scratch,
    vault: PathBuf,
    trust: PathBuf,
}

impl Station {
    fn new(name: &str, keys: &Path) -> Station {
        let scratch = Scratch::new(name);
        let vault = scratch.path("station.vault");
        vault::Vault::create(
            &vault,
            "officer-a",
            PASSWORD,
            accounts::SystemClock,
            accounts::Policy::default(),
        )
        .unwrap();
        let trust = scratch.path("trust");
        std::fs::create_dir_all(&trust).unwrap();
        std::fs::copy(keys.join("csca.der"), trust.join("station-csca.der")).unwrap();
        Station {
            scratch,
            vault,
            trust,
        }
    }

    /// `checkpoint verify` of the demo QR code as an officer sees it (no --json).
    fn verify_text(&self, reader: &str, direction: &str, checkpoint: &str) -> Output {
        run(&[
            "checkpoint",
            "verify",
            "--reader",
            reader,
            "--qr",
            QR,
            "--direction",
            direction,
            "--checkpoint",
            checkpoint,
            "--trust",
            s(&self.trust),
            "--vault",
            s(&self.vault),
            "--officer",
            "officer-a",
        ])
    }

    /// `checkpoint verify --json` with this station's vault and trust folder plus `extra`.
    fn verify(&self, reader: &str, direction: &str, extra: &[&str]) -> (Output, serde_json::Value) {
        let mut args = vec![
            "checkpoint",
            "verify",
            "--reader",
            reader,
            "--direction",
            direction,
            "--checkpoint",
            "north-gate",
            "--vault",
            s(&self.vault),
            "--officer",
            "officer-a",
            "--wait",
            "5",
            "--json",
        ];
        if !extra.contains(&"--master-list") && !extra.contains(&"--trust") {
            args.extend(["--trust", s(&self.trust)]);
        }
        args.extend_from_slice(extra);
        let o = run(&args);
        let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
        (o, v)
    }
}

fn alert_codes(v: &serde_json::Value) -> Vec<String> {
    v["alerts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The QR code rendered into a 640×480 photo, slightly rotated, as a PNG file.
fn qr_photo(text: &str, path: &Path) {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as f32;
    let colors = code.to_colors();
    let (sin, cos) = 8f32.to_radians().sin_cos();
    let module = 3.0f32;
    let img = image::GrayImage::from_fn(640, 480, |x, y| {
        let (dx, dy) = (x as f32 - 320.0, y as f32 - 240.0);
        let u = (cos * dx + sin * dy) / module + n / 2.0;
        let v = (-sin * dx + cos * dy) / module + n / 2.0;
        let inside = u >= 0.0 && v >= 0.0 && u < n && v < n;
        let dark = inside && colors[v as usize * code.width() + u as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 25 } else { 230 }])
    });
    img.save(path).unwrap();
}

#[test]
fn checkpoint_verifies_station_cards_catches_each_attack_and_reports_the_day() {
    assert_eq!(
        checkpoint::CardQr::from_record(&idstation_tests::record()).to_text(),
        QR,
        "the demo card's QR code"
    );
    let slot = Slot::take();
    let keys = Scratch::new("cp-keys");
    let station_keys = keys.path("station");
    let other_keys = keys.path("other");
    keys_init(&station_keys);
    keys_init(&other_keys);
    let st = Station::new("cp", &station_keys);
    let card = st.scratch.path("card.vcard");
    issue(&slot, &station_keys, &card);
    let mut expected_rows: Vec<(&str, &str, &str)> = Vec::new(); // (direction, name, verdict)

    // The station's card, from its QR text, its QR photo and typed data: verified, exit 0.
    let photo = st.scratch.path("qr.png");
    qr_photo(QR, &photo);
    let out = st.scratch.path("portrait");
    let v = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
    for (direction, claim) in [
        ("in", vec!["--qr", QR, "--out", s(&out)]),
        ("out", vec!["--qr-image", s(&photo)]),
        (
            "in",
            vec![
                "--id-number",
                "001095012345",
                "--birth",
                "12051995",
                "--expiry",
                "350512",
            ],
        ),
    ] {
        let (o, j) = st.verify(slot.reader, direction, &claim);
        assert_eq!(o.status.code(), Some(0), "{claim:?}: {}", output_text(&o));
        assert_eq!(j["verdict"], "verified", "{j:#}");
        assert!(alert_codes(&j).is_empty());
        assert!(j["compared"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["matches"] == true));
        assert_eq!(j["chip_fields"]["full_name"], "Nguyễn Văn An");
        expected_rows.push((direction, "Nguyễn Văn An", "verified"));
    }
    assert_eq!(
        std::fs::read(out.join("portrait.jpg")).unwrap(),
        idstation_tests::data("portrait.jpg"),
        "the chip's portrait, saved for the officer"
    );
    // The text form: large verdict, QR beside chip.
    let o = st.verify_text(slot.reader, "out", "south-gate");
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("THẺ HỢP LỆ / CARD VERIFIED"), "{text}");
    assert!(
        text.contains("Họ, chữ đệm và tên khai sinh / Full name"),
        "{text}"
    );
    expected_rows.push(("out", "Nguyễn Văn An", "verified"));

    // A QR code that does not match the chip: the field, both values, exit 1.
    let other_name = QR.replace("Nguyễn Văn An", "Nguyễn Văn Ân");
    let (o, j) = st.verify(slot.reader, "in", &["--qr", &other_name]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(alert_codes(&j), vec!["mismatch.full_name"]);
    assert!(j["alerts"][0]["en"]
        .as_str()
        .unwrap()
        .contains("Nguyễn Văn Ân"));
    expected_rows.push(("in", "Nguyễn Văn An", "alert"));
    // A QR code with another birth date cannot open the chip.
    let other_birth = QR.replace("12051995", "13051995");
    let (o, j) = st.verify(slot.reader, "in", &["--qr", &other_birth]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(alert_codes(&j), vec!["chip_unreadable"]);
    expected_rows.push(("in", "Nguyễn Văn An", "alert"));

    // The Document Signer revoked by the station CSCA's CRL.
    let csca_key = pki::decrypt_private_key(
        &std::fs::read(station_keys.join("csca-key.p8")).unwrap(),
        TEST_PASSPHRASE.as_bytes(),
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let crl = pki::sign_crl(
        &std::fs::read(station_keys.join("csca.der")).unwrap(),
        &csca_key,
        &[pki::certificate_serial(&std::fs::read(station_keys.join("ds.der")).unwrap()).unwrap()],
        now,
        now + time::Duration::days(7),
    )
    .unwrap();
    let crl_file = st.scratch.path("station.crl");
    std::fs::write(&crl_file, &crl).unwrap();
    let (o, j) = st.verify(slot.reader, "out", &["--qr", QR, "--crl", s(&crl_file)]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(alert_codes(&j), vec!["revoked_signer"]);
    expected_rows.push(("out", "Nguyễn Văn An", "alert"));
    // A CRL of another trusted CSCA only (another country's: a CRL covers its issuer
    // name's certificates): verified, with the note that this card's revocation was never
    // checked.
    let lao = pki::generate_test_pki("LA", "crl issuer", now).unwrap();
    let other_crl = pki::sign_crl(
        &lao.csca_cert_der,
        &lao.csca_key_pkcs8,
        &[vec![0x01, 0x02]],
        now,
        now + time::Duration::days(7),
    )
    .unwrap();
    let both = st.scratch.path("both-trust");
    std::fs::create_dir_all(&both).unwrap();
    std::fs::copy(station_keys.join("csca.der"), both.join("station-csca.der")).unwrap();
    std::fs::write(both.join("la-csca.der"), &lao.csca_cert_der).unwrap();
    std::fs::write(both.join("la.crl"), &other_crl).unwrap();
    // And a broken file in the folder: left out, named, the rest used.
    std::fs::write(both.join("junk.crt"), b"not a certificate").unwrap();
    let (o, j) = st.verify(slot.reader, "in", &["--qr", QR, "--trust", s(&both)]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(
        j["notes"].as_array().unwrap().iter().any(|n| {
            let n = n.as_str().unwrap();
            n.contains("junk.crt") && n.contains("NOT USED")
        }),
        "{j:#}"
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("junk.crt"),
        "{}",
        output_text(&o)
    );
    assert!(
        j["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("no CRL for this card's CSCA: revocation not checked")),
        "{j:#}"
    );
    expected_rows.push(("in", "Nguyễn Văn An", "verified"));

    // Trust from a master list: a folder with another CSCA only, and a list that CSCA's
    // Master List Signer signed, carrying the station's CSCA.
    let ml_pki = pki::generate_test_pki("VN", "master list issuer", now).unwrap();
    let ml_trust = st.scratch.path("ml-trust");
    std::fs::create_dir_all(&ml_trust).unwrap();
    std::fs::write(ml_trust.join("issuer-csca.der"), &ml_pki.csca_cert_der).unwrap();
    let ml = pki::build_master_list(
        &ml_pki.mls_key_pkcs8,
        &ml_pki.mls_cert_der,
        &[std::fs::read(station_keys.join("csca.der")).unwrap()],
        Some(now),
    )
    .unwrap();
    let ml_file = st.scratch.path("vn.ml");
    std::fs::write(&ml_file, &ml).unwrap();
    let (o, j) = st.verify(
        slot.reader,
        "in",
        &[
            "--qr",
            QR,
            "--trust",
            s(&ml_trust),
            "--master-list",
            s(&ml_file),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(j["verdict"], "verified");
    expected_rows.push(("in", "Nguyễn Văn An", "verified"));
    // The same list without its issuer's CSCA: unverified, refused, bad input.
    let (o, _) = st.verify(
        slot.reader,
        "in",
        &["--qr", QR, "--master-list", s(&ml_file)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", output_text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("UNVERIFIED"),
        "{}",
        output_text(&o)
    );
    v.remove();

    // DG13 altered after signing; a clone without the Active Authentication key.
    let written = vchip::VirtualChip::load_from(&card).unwrap();
    let mut dg13 = written.file(0x010D).unwrap().to_vec();
    let at = dg13.windows(2).position(|w| w == b"An").unwrap();
    dg13[at + 1] = b'm';
    let mut tampered = vchip::VirtualChip::load_from(&card).unwrap();
    tampered.set_file(0x010D, dg13);
    let tampered_file = st.scratch.path("tampered.vcard");
    tampered.save_to(&tampered_file).unwrap();
    let clone_file = st.scratch.path("clone.vcard");
    written.clone_without_aa_key().save_to(&clone_file).unwrap();
    // A card signed by another station's Document Signer (another CSCA).
    let other_card = st.scratch.path("other.vcard");
    issue(&slot, &other_keys, &other_card);
    for (file, want, name) in [
        (
            &tampered_file,
            vec!["dg_hash.13", "mismatch.full_name"],
            "Nguyễn Văn Am",
        ),
        (&clone_file, vec!["active_auth"], "Nguyễn Văn An"),
        (&other_card, vec!["unknown_signer"], "Nguyễn Văn An"),
    ] {
        let v = Vcard::start(&slot, "vn-citizen-card", Some(file), &[]);
        let (o, j) = st.verify(slot.reader, "in", &["--qr", QR]);
        assert_eq!(o.status.code(), Some(1), "{want:?}: {}", output_text(&o));
        assert_eq!(alert_codes(&j), want, "{j:#}");
        expected_rows.push(("in", name, "alert"));
        v.remove();
    }
    // The text form of an alert.
    let v = Vcard::start(&slot, "vn-citizen-card", Some(&clone_file), &[]);
    let o = st.verify_text(slot.reader, "out", "north-gate");
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("ALERT: CARD NOT VERIFIED") && text.contains("clone"),
        "{text}"
    );
    expected_rows.push(("out", "Nguyễn Văn An", "alert"));
    v.remove();

    // The card pulled out in the middle of the read.
    let mut v = Vcard::start(
        &slot,
        "vn-citizen-card",
        Some(&card),
        &["--pull-after".into(), "8".into()],
    );
    let (o, j) = st.verify(slot.reader, "in", &["--qr", QR]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(alert_codes(&j), vec!["card_removed"], "{j:#}");
    expected_rows.push(("in", "Nguyễn Văn An", "alert"));
    assert!(v.wait_exit(std::time::Duration::from_secs(5)).is_some());
    v.remove();

    // Bad or partial QR codes, an unreadable photo: clear errors, exit 2, nothing logged.
    let garbage = st.scratch.path("garbage.png");
    std::fs::write(&garbage, b"not an image").unwrap();
    for (claim, says) in [
        (
            vec!["--qr", "001095012345|012345678|Nguyễn Văn An"],
            "Date of birth",
        ),
        (
            vec!["--qr", &QR.replace("001095012345", "00109501234X")],
            "Personal ID number",
        ),
        (
            vec!["--qr", &QR.replace("12051995", "31021995")],
            "Date of birth",
        ),
        (vec!["--qr", "https://example.org"], "at least 7"),
        (vec!["--qr-image", s(&garbage)], "PNG or JPEG"),
        (
            vec![
                "--id-number",
                "001095012345",
                "--birth",
                "1995-13-12",
                "--expiry",
                "350512",
            ],
            "date of birth",
        ),
    ] {
        let (o, _) = st.verify(slot.reader, "in", &claim);
        assert_eq!(o.status.code(), Some(2), "{claim:?}: {}", output_text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(says) && err.contains(" / "),
            "{claim:?}: {err}"
        );
    }

    // The day's report lists every crossing logged above, with totals.
    let today = time::OffsetDateTime::now_utc().date();
    let date = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let csv = st.scratch.path("day.csv");
    let o = run(&[
        "report",
        "checkpoint",
        "--date",
        &date,
        "--out",
        s(&csv),
        "--vault",
        s(&st.vault),
        "--officer",
        "officer-a",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("TOTAL"))
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), expected_rows.len(), "{text}");
    for (row, (direction, name, verdict)) in rows.iter().zip(&expected_rows) {
        assert_eq!(row[2], *direction, "{text}");
        assert_eq!(row[3], "officer-a");
        assert_eq!(row[4], "001095012345");
        assert_eq!(row[5], *name, "{text}");
        assert_eq!(row[6], *verdict, "{text}");
    }
    assert!(rows.iter().any(|r| r[1] == "south-gate"));
    let count = |d: &str| expected_rows.iter().filter(|r| r.0 == d).count();
    let alerts = expected_rows.iter().filter(|r| r.2 == "alert").count();
    assert!(
        text.contains(&format!("TOTAL,,in,,,,,{}", count("in"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("TOTAL,,out,,,,,{}", count("out"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("TOTAL,,,,,,alert,{alerts}")),
        "{text}"
    );
    // One checkpoint only.
    let o = run(&[
        "report",
        "checkpoint",
        "--date",
        &date,
        "--out",
        s(&csv),
        "--checkpoint",
        "south-gate",
        "--vault",
        s(&st.vault),
        "--officer",
        "officer-a",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap().lines().count(),
        1 + 1 + 3
    );

    // PDF, read back with pdftotext (poppler-utils, which hil/cups-up installs).
    let pdf = st.scratch.path("day.pdf");
    let o = run(&[
        "report",
        "checkpoint",
        "--date",
        &date,
        "--out",
        s(&pdf),
        "--vault",
        s(&st.vault),
        "--officer",
        "officer-a",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let t = pdftotext(&pdf);
    assert!(t.contains("Checkpoint crossings"), "{t}");
    assert!(t.contains("Nguyễn Văn Am"), "{t}");
    assert_eq!(
        t.matches("001095012345").count(),
        expected_rows.len(),
        "every crossing in the PDF: {t}"
    );
    // Nothing personal in the vault file in clear.
    let raw = std::fs::read(&st.vault).unwrap();
    assert!(!raw.windows(12).any(|w| w == b"001095012345"));

    // Wrong date: bad input.
    let o = run(&[
        "report",
        "checkpoint",
        "--date",
        "2026-13-01",
        "--out",
        s(&csv),
        "--vault",
        s(&st.vault),
        "--officer",
        "officer-a",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", output_text(&o));
}

/// The demo card rewritten as a forger would: DG13's name 1000 bytes long with control
/// characters (a terminal escape, a newline, a bell) and EF.SOD — signed by a Document
/// Signer nobody trusts — listing 40 data groups.
fn hostile_card(genuine: &Path, forger: &Path, out: &Path) -> String {
    let mut chip = vchip::VirtualChip::load_from(genuine).unwrap();
    let mut dg13 = lds::parse_dg13(stored(chip.file(0x010D).unwrap())).unwrap();
    let mut name = String::from("\u{1b}[2J\u{1b}[32mTHẺ HỢP LỆ\nNguyễn\u{7}Văn An ");
    while name.len() < 1000 {
        name.push('Ồ');
    }
    let slot = dg13
        .fields
        .iter_mut()
        .find(|(id, _)| *id == lds::dg13::FULL_NAME)
        .unwrap();
    slot.1 = vec![name.clone()];
    let dg13 = lds::encode_dg13(&dg13);
    chip.set_file(0x010D, dg13);
    let key = pki::decrypt_private_key(
        &std::fs::read(forger.join("ds-key.p8")).unwrap(),
        TEST_PASSPHRASE.as_bytes(),
    )
    .unwrap();
    let signer =
        pki::DocumentSigner::from_pkcs8(&key, &std::fs::read(forger.join("ds.der")).unwrap())
            .unwrap();
    let hashes: Vec<(u8, Vec<u8>)> = (1..=40u8)
        .map(|n| {
            let h = chip.file(0x0100 | u16::from(n)).map_or(vec![n; 32], |f| {
                pki::HashAlgorithm::Sha256.digest(stored(f))
            });
            (n, h)
        })
        .collect();
    let sod = pki::build_sod(&signer, &hashes, None).unwrap();
    chip.set_file(0x011D, lds::encode_sod(&sod));
    chip.save_to(out).unwrap();
    name
}

/// Issue 7's worst case: a forged chip whose text no log row may hold and whose EF.SOD makes
/// dozens of alerts. The verdict is printed (without letting the chip's escape sequences
/// reach the terminal), the crossing is logged in a cleaned form, and the report shows it.
/// A checkpoint id the log would refuse is refused before the card is read, and a verified
/// card whose crossing cannot be logged still prints its verdict but does not exit 0.
#[test]
fn a_hostile_chip_cannot_keep_its_crossing_out_of_the_log() {
    let slot = Slot::take();
    let keys = Scratch::new("cp-hostile-keys");
    let station_keys = keys.path("station");
    let forger_keys = keys.path("forger");
    keys_init(&station_keys);
    keys_init(&forger_keys);
    let st = Station::new("cp-hostile", &station_keys);
    let card = st.scratch.path("card.vcard");
    issue(&slot, &station_keys, &card);
    let hostile = st.scratch.path("hostile.vcard");
    let name = hostile_card(&card, &forger_keys, &hostile);

    // A checkpoint id the log refuses: bad input before any card is read (the reader is
    // empty; reading would fail with "no card", exit 1).
    for bad in ["gate\n2", &"g".repeat(65)] {
        let o = run(&[
            "checkpoint",
            "verify",
            "--reader",
            slot.reader,
            "--qr",
            QR,
            "--direction",
            "in",
            "--checkpoint",
            bad,
            "--trust",
            s(&st.trust),
            "--vault",
            s(&st.vault),
            "--officer",
            "officer-a",
            "--wait",
            "1",
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", output_text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("the checkpoint id must be"),
            "{}",
            output_text(&o)
        );
    }

    let v = Vcard::start(&slot, "vn-citizen-card", Some(&hostile), &[]);
    let (o, j) = st.verify(slot.reader, "in", &["--qr", QR]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(j["verdict"], "alert", "{j:#}");
    assert_eq!(j["logged"], true, "{j:#}");
    assert!(j["crossing"].as_i64().is_some(), "{j:#}");
    let codes = alert_codes(&j);
    for want in [
        "unknown_signer",
        "chip_data",
        "invalid_chip_data.full_name",
        "mismatch.full_name",
        "dg_missing.5",
    ] {
        assert!(codes.iter().any(|c| c == want), "{want} in {codes:?}");
    }
    // One alert for the 24 numbers that are no data group, not 24.
    assert!(codes.len() < 20, "{codes:?}");
    assert_eq!(j["chip_fields"]["full_name"], name.as_str());

    // The officer's terminal: the verdict, and none of the chip's control characters.
    let o = st.verify_text(slot.reader, "out", "north-gate");
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ALERT: CARD NOT VERIFIED"), "{text}");
    assert!(text.contains("invalid chip data"), "{text}");
    assert!(text.contains("logged crossing #"), "{text}");
    assert!(
        !o.stdout.iter().any(|b| *b == 0x1b || *b == 0x07),
        "a control character from the chip reached the terminal"
    );
    v.remove();

    // The day's report has both crossings, the name cleaned and cut, the alerts collapsed.
    let today = time::OffsetDateTime::now_utc().date();
    let date = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let csv = st.scratch.path("day.csv");
    let report = |out: &Path| {
        run(&[
            "report",
            "checkpoint",
            "--date",
            &date,
            "--out",
            s(out),
            "--vault",
            s(&st.vault),
            "--officer",
            "officer-a",
        ])
    };
    let o = report(&csv);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(",alert,")).collect();
    assert_eq!(
        rows.len(),
        2 + 1,
        "two crossings and the alert total: {text}"
    );
    for row in &rows[..2] {
        assert!(row.contains("\u{FFFD}[2J"), "{row}");
        assert!(row.contains("…[+"), "the cut is marked: {row}");
        assert!(row.len() < 400 + 300, "{}", row.len());
        assert!(row.contains("invalid_chip_data.full_name"), "{row}");
        assert!(row.contains("unknown_signer"), "{row}");
    }
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
    let pdf = st.scratch.path("day.pdf");
    let o = report(&pdf);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let t = pdftotext(&pdf);
    assert!(t.contains("invalid chip data"), "{t}");

    // A genuine card, verified, but the vault refuses the row: the verdict is printed, the
    // failure beside it, and the exit status is not 0.
    {
        let c = rusqlite::Connection::open(&st.vault).unwrap();
        c.execute_batch(
            "CREATE TRIGGER no_more BEFORE INSERT ON crossings
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    }
    let v = Vcard::start(&slot, "vn-citizen-card", Some(&card), &[]);
    let o = st.verify_text(slot.reader, "in", "north-gate");
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("CARD VERIFIED"), "{text}");
    assert!(text.contains("verified but NOT logged"), "{text}");
    assert!(text.contains("NOT logged"), "{text}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot log the crossing"),
        "{}",
        output_text(&o)
    );
    let (o, j) = st.verify(slot.reader, "in", &["--qr", QR]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(
        (j["verified"].clone(), j["logged"].clone()),
        (true.into(), false.into())
    );
    assert!(
        j["log_error"].as_str().unwrap().contains("disk full"),
        "{j:#}"
    );
    v.remove();
}

/// The PDF's text with whitespace runs made single spaces (table cells wrap). Fails when
/// poppler-utils is missing: `bash hil/cups-up` installs it.
fn pdftotext(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; bash hil/cups-up installs it)");
    assert!(o.status.success(), "pdftotext: {}", output_text(&o));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A chip file as a reader gets it: the TLV its header announces (the file itself may be
/// created larger).
fn stored(file: &[u8]) -> &[u8] {
    &file[..lds::file_length_from_header(file).unwrap().min(file.len())]
}

/// The Vietnamese card's profile as a file, for a card model that carries no Active
/// Authentication key: no DG15, no AA key command (a new model is a new file).
fn profile_without_aa(dir: &Path) -> PathBuf {
    let (_, text) = profiles::BUILTIN
        .iter()
        .find(|(n, _)| *n == "vn-citizen-card")
        .unwrap();
    let dg15 = "[[files]]\nname = \"DG15\"\nfid = \"010F\"\nmax_size = 512\nread = \"bac\"\n";
    assert!(text.contains(dg15));
    let text: String = text
        .replace(dg15, "")
        .replace(
            "name = \"vn-citizen-card\"",
            "name = \"vn-citizen-card-no-aa\"",
        )
        .lines()
        .filter(|l| !l.starts_with("aa_private_key"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.join("no-aa.toml");
    std::fs::write(&path, text).unwrap();
    profiles::Profile::load(path.to_str().unwrap()).expect("the no-AA profile loads");
    path
}

/// A card personalized without DG15 (so its EF.SOD, signed by the station, never lists
/// it): through pcscd it is "read but not proven genuine" (exit 3, aa_not_possible) for
/// the Vietnamese card model, which always carries an AA key; its clone is the same; for
/// a model whose profile has no AA it verifies.
#[test]
fn a_card_without_active_authentication_is_not_proven_genuine() {
    let slot = Slot::take();
    let keys = Scratch::new("cp-no-aa-keys");
    let station_keys = keys.path("station");
    keys_init(&station_keys);
    let st = Station::new("cp-no-aa", &station_keys);
    let profile = profile_without_aa(&st.scratch.0);
    let profile = s(&profile);
    let card = st.scratch.path("no-aa.vcard");
    let v = Vcard::start(&slot, profile, Some(&card), &[]);
    let o = run(&[
        "card",
        "personalize",
        "--reader",
        slot.reader,
        "--profile",
        profile,
        "--record",
        &data_path("record.json"),
        "--portrait",
        &data_path("portrait.jpg"),
        "--keys",
        s(&station_keys),
    ]);
    assert!(o.status.success(), "{}", output_text(&o));
    v.remove();
    let chip = vchip::VirtualChip::load_from_with_profile(
        &card,
        profiles::Profile::load(profile).unwrap(),
    )
    .unwrap();
    assert!(chip.file(0x010F).is_none() && !chip.has_aa_key());
    let clone = st.scratch.path("no-aa-clone.vcard");
    chip.clone_without_aa_key().save_to(&clone).unwrap();

    for file in [&card, &clone] {
        let v = Vcard::start(&slot, profile, Some(file), &[]);
        let (o, j) = st.verify(slot.reader, "in", &["--qr", QR]);
        assert_eq!(o.status.code(), Some(3), "{}", output_text(&o));
        assert_eq!(j["verdict"], "not_proven", "{j:#}");
        assert_eq!(alert_codes(&j), vec!["aa_not_possible"], "{j:#}");
        assert!(j["alerts"][0]["en"]
            .as_str()
            .unwrap()
            .contains("Active Authentication not possible (no DG15)"));
        v.remove();
    }
    let v = Vcard::start(&slot, profile, Some(&card), &[]);
    let o = st.verify_text(slot.reader, "out", "north-gate");
    assert_eq!(o.status.code(), Some(3), "{}", output_text(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("CARD READ BUT NOT PROVEN GENUINE"), "{text}");
    assert!(
        text.contains("cannot be proven not to be a clone"),
        "{text}"
    );
    assert!(
        !text.contains("may be a clone"),
        "not the failed-AA alert: {text}"
    );
    // The card model without AA: verified.
    let (o, j) = st.verify(slot.reader, "in", &["--qr", QR, "--profile", profile]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(j["verdict"], "verified", "{j:#}");
    v.remove();
}
