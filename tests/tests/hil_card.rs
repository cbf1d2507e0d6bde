//! Hardware-in-the-loop: the chip path through the real pcscd and vpcd with the `vcard`
//! virtual card, and the `idstation` CLI as QA scripts run it. Needs `bash hil/up` and
//! `cargo build --workspace --bins` (both done by `bash hil/test`).

use cardreader::CardTransport;
use chip::{Step, Verdict};
use idstation_tests::{
    card_read_args, connect, document, idstation, output_text, record, test_pki, trust, Scratch,
    Slot, Vcard,
};
use profiles::Profile;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

fn data_path(name: &str) -> String {
    idstation_tests::repo()
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

fn keys_init(dir: &Path) {
    let o = idstation(&["keys", "init", "--dir", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", output_text(&o));
    for f in ["csca.der", "ds.der", "ds-key.p8", "csca-key.p8"] {
        assert!(dir.join(f).exists(), "{f}");
    }
}

fn read_args<'a>(reader: &'a str, csca: &'a str, out: &'a str) -> Vec<&'a str> {
    card_read_args(reader, &["--csca", csca, "--json", "--out", out])
}

/// The acceptance flow: keys init, personalize through pcscd, read back with --csca (exit 0,
/// every field as written), then re-insert the saved card and read it again.
#[test]
fn cli_personalizes_reads_and_rereads_a_reinserted_card() {
    let slot = Slot::take();
    let s = Scratch::new("cli");
    let keys = s.path("keys");
    keys_init(&keys);
    let card_file = s.path("card.vcard");
    let vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card_file), &[]);
    let o = idstation(&[
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
        "--fingers",
        &data_path("fingers"),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("CARD ISSUED"));

    let csca = keys.join("csca.der");
    let out = s.path("out");
    let want = record().normalized();
    let check_read = |o: &Output| {
        assert_eq!(o.status.code(), Some(0), "{}", output_text(o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(v["verdict"], "verified");
        for f in citizen::Field::ALL {
            assert_eq!(
                v["fields"][f.json_key()],
                want.field_text(f),
                "field {}",
                f.json_key()
            );
        }
        assert_eq!(
            std::fs::read(out.join("portrait.jpg")).unwrap(),
            idstation_tests::data("portrait.jpg")
        );
        assert_eq!(
            std::fs::read(out.join("right-index.png")).unwrap(),
            idstation_tests::data("fingers/right-index.png")
        );
    };
    let o = idstation(&read_args(
        slot.reader,
        csca.to_str().unwrap(),
        out.to_str().unwrap(),
    ));
    check_read(&o);
    vcard.remove();

    // Re-insert the written card from its file.
    std::fs::remove_dir_all(&out).unwrap();
    let vcard = Vcard::start(&slot, "vn-citizen-card", Some(&card_file), &[]);
    let o = idstation(&read_args(
        slot.reader,
        csca.to_str().unwrap(),
        out.to_str().unwrap(),
    ));
    check_read(&o);

    // Wrong access keys: a clear BAC error, exit 1.
    let o = idstation(&[
        "card",
        "read",
        "--reader",
        slot.reader,
        "--doc-number",
        "095012345",
        "--birth",
        "950513",
        "--expiry",
        "350512",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("BAC"));
    // Without a CSCA the card is read but not called verified: exit 3.
    let o = idstation(&card_read_args(slot.reader, &[]));
    assert_eq!(o.status.code(), Some(3), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Nguyễn Văn An"));
    vcard.remove();
}

/// The JMRTD applet profile (short APDUs only) through pcscd.
#[test]
fn jmrtd_profile_with_short_apdus_through_pcscd() {
    let slot = Slot::take();
    let profile = Profile::load("jmrtd-passport-applet").unwrap();
    let doc = document(&profile);
    let vcard = Vcard::start(&slot, &profile.name, None, &[]);
    let mut card = connect(slot.reader);
    assert!(
        !card.supports_extended(),
        "the JMRTD ATR announces no extended length"
    );
    let report = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
    assert_eq!(report.reading.verdict(), Verdict::Verified);
    assert_eq!(report.reading.fingers.len(), 2);
    drop(card);
    vcard.remove();
}

/// Pulls the card after every command of a personalization (and its read-back) through the
/// real pcscd: each attempt fails naming its step with "card removed", the card is not
/// issued, and a retry on the same (re-inserted) card issues it.
#[test]
fn pulling_the_card_at_every_command_through_pcscd() {
    let slot = Slot::take();
    let profile = Profile::load("vn-citizen-card").unwrap();
    let doc = document(&profile);
    let s = Scratch::new("sweep");
    let total = {
        let v = Vcard::start(&slot, &profile.name, None, &[]);
        let mut card = connect(slot.reader);
        chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
        let n = card.traffic().apdus;
        drop(card);
        v.remove();
        n
    };
    assert!(total > 40, "a full card takes {total} commands");
    for n in 0..total {
        let card_file = s.path(&format!("pull-{n}.vcard"));
        let mut v = Vcard::start(
            &slot,
            &profile.name,
            Some(&card_file),
            &["--pull-after".into(), n.to_string()],
        );
        let mut card = connect(slot.reader);
        let err = chip::personalize(&mut card, &profile, &doc, &trust())
            .expect_err("a pulled card must not be issued");
        assert!(err.error.card_gone(), "pull after {n}: {err}");
        assert!(err.to_string().contains("CARD NOT ISSUED"), "{err}");
        drop(card);
        assert!(v.wait_exit(Duration::from_secs(5)).is_some(), "vcard left");
        v.remove();
        // Retry on the same card.
        let v = Vcard::start(&slot, &profile.name, Some(&card_file), &[]);
        let mut card = connect(slot.reader);
        let report = chip::personalize(&mut card, &profile, &doc, &trust())
            .unwrap_or_else(|e| panic!("retry after pull at {n}: {e}"));
        assert_eq!(report.reading.verdict(), Verdict::Verified);
        drop(card);
        v.remove();
    }
}

/// A status word injected by the card names the step; the retry issues the card.
#[test]
fn injected_status_words_name_the_step() {
    let slot = Slot::take();
    let profile = Profile::load("vn-citizen-card").unwrap();
    let doc = document(&profile);
    let s = Scratch::new("sw");
    // Command 4 is the first UPDATE BINARY of EF.COM (SELECT AID, CREATE, SELECT, UPDATE).
    for (n, sw, step) in [
        (2u64, "6A84", Step::CreateFile("EF.COM")),
        (4, "6581", Step::WriteFile("EF.COM")),
    ] {
        let card_file = s.path(&format!("sw-{n}.vcard"));
        let v = Vcard::start(
            &slot,
            &profile.name,
            Some(&card_file),
            &["--sw-at".into(), format!("{n}:{sw}")],
        );
        let mut card = connect(slot.reader);
        let err = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap_err();
        assert_eq!(err.step, step, "{err}");
        assert!(err.to_string().contains(sw), "{err}");
        drop(card);
        v.remove();
        let v = Vcard::start(&slot, &profile.name, Some(&card_file), &[]);
        let mut card = connect(slot.reader);
        chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
        drop(card);
        v.remove();
    }
}

/// A card slower than the command timeout gives a timeout error, not a hang.
#[test]
fn a_slow_card_times_out() {
    let slot = Slot::take();
    let profile = Profile::load("vn-citizen-card").unwrap();
    let doc = document(&profile);
    let v = Vcard::start(
        &slot,
        &profile.name,
        None,
        &["--delay-ms".into(), "1500".into()],
    );
    let mut card = connect(slot.reader);
    card.set_timeout(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let err = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap_err();
    assert!(
        matches!(
            err.error,
            chip::ChipError::Transport(cardreader::TransportError::Timeout(_))
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(card);
    v.remove();
}

/// The attacks a checkpoint must catch, on cards re-inserted from altered card files.
#[test]
fn altered_and_cloned_cards_fail_verification_through_pcscd() {
    let slot = Slot::take();
    let s = Scratch::new("attacks");
    let keys = s.path("keys");
    keys_init(&keys);
    let csca = keys.join("csca.der");
    let card_file = s.path("card.vcard");
    let v = Vcard::start(&slot, "vn-citizen-card", Some(&card_file), &[]);
    let o = idstation(&[
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
        keys.to_str().unwrap(),
        // A station's Document Signer loaded from its own files.
        "--ds-cert",
        keys.join("ds.der").to_str().unwrap(),
        "--ds-key",
        keys.join("ds-key.p8").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", output_text(&o));
    v.remove();

    let written = vchip::VirtualChip::load_from(&card_file).unwrap();
    // DG13 altered after signing.
    let mut dg13 = written.file(0x010D).unwrap().to_vec();
    let at = dg13.windows(2).position(|w| w == b"An").unwrap();
    dg13[at + 1] = b'm';
    let mut tampered = vchip::VirtualChip::load_from(&card_file).unwrap();
    tampered.set_file(0x010D, dg13);
    let tampered_file = s.path("tampered.vcard");
    tampered.save_to(&tampered_file).unwrap();
    // A clone: every file copied, but not the Active Authentication private key.
    let clone_file = s.path("clone.vcard");
    written.clone_without_aa_key().save_to(&clone_file).unwrap();
    // A card signed by another CSCA's signer: read against our CSCA.
    let other = pki::generate_test_pki("VN", "other", time::OffsetDateTime::now_utc()).unwrap();
    assert_ne!(other.csca_cert_der, test_pki().csca_cert_der);
    let other_csca = s.path("other-csca.der");
    std::fs::write(&other_csca, &other.csca_cert_der).unwrap();

    for (file, csca, failing) in [
        (&tampered_file, &csca, "DG13 hash"),
        (&clone_file, &csca, "Active Authentication"),
        (&card_file, &other_csca, "trusted CSCA"),
    ] {
        let v = Vcard::start(&slot, "vn-citizen-card", Some(file), &[]);
        let out = s.path("out");
        let o = idstation(&read_args(
            slot.reader,
            csca.to_str().unwrap(),
            out.to_str().unwrap(),
        ));
        assert_eq!(o.status.code(), Some(1), "{failing}: {}", output_text(&o));
        let v_json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v_json["verdict"], "failed");
        let failed: Vec<&str> = v_json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "failed")
            .map(|c| c["check_en"].as_str().unwrap())
            .collect();
        assert!(
            failed.iter().any(|c| c.contains(failing)),
            "{failing}: failed checks {failed:?}"
        );
        v.remove();
    }
}
