//! The chip path end to end against the in-process chip emulator (crates/vchip): both
//! firmware profiles, retries after faults at every command, and the attacks passive and
//! active authentication must catch. The same flows run through the real pcscd in tests/.

use chip::document::{dg13_for, fields_from_dg13};
use chip::{Biometrics, CheckOutcome, Document, ReadOptions, Step, Verdict};
use citizen::{CitizenRecord, Field};
use iso19794::{FingerPosition, FingerRecord};
use pki::{DocumentSigner, TestPki};
use profiles::Profile;
use std::sync::OnceLock;
use vchip::{Faults, InProcessCard, VirtualChip};

const PROFILES: [&str; 2] = ["vn-citizen-card", "jmrtd-passport-applet"];

fn data(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/");
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn record() -> CitizenRecord {
    CitizenRecord::from_json(&String::from_utf8(data("record.json")).unwrap()).unwrap()
}

fn bio() -> Biometrics {
    Biometrics {
        portrait_jpeg: data("portrait.jpg"),
        face_image_type: iso19794::FaceImageType::FullFrontal,
        eyes: Some(((120, 170), (180, 170))),
        fingers: vec![
            FingerRecord::from_png(
                FingerPosition::RightIndex,
                80,
                data("fingers/right-index.png"),
            )
            .unwrap(),
            FingerRecord::from_png(
                FingerPosition::LeftIndex,
                75,
                data("fingers/left-index.png"),
            )
            .unwrap(),
        ],
    }
}

fn pki() -> &'static TestPki {
    static P: OnceLock<TestPki> = OnceLock::new();
    P.get_or_init(|| pki::generate_test_pki("VN", "test", time::OffsetDateTime::now_utc()).unwrap())
}

fn signer(p: &TestPki) -> DocumentSigner {
    DocumentSigner::from_pkcs8(&p.ds_key_pkcs8, &p.ds_cert_der).unwrap()
}

fn trust() -> ReadOptions {
    ReadOptions::new(vec![pki().csca_cert_der.clone()])
}

fn document(profile: &Profile) -> Document {
    chip::build(
        &record(),
        &bio(),
        profile,
        &signer(pki()),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap()
}

fn blank(profile: &Profile) -> InProcessCard {
    InProcessCard::new(VirtualChip::blank(profile.clone()), Faults::none())
}

fn issue(profile: &Profile) -> (Document, InProcessCard) {
    let doc = document(profile);
    let mut card = blank(profile);
    chip::personalize(&mut card, profile, &doc, &trust()).unwrap();
    (doc, card)
}

fn check<'a>(r: &'a chip::Reading, name_en: &str) -> &'a CheckOutcome {
    &r.checks
        .iter()
        .find(|c| c.name_en.contains(name_en))
        .unwrap_or_else(|| panic!("no check {name_en}: {:?}", r.checks))
        .outcome
}

#[test]
fn both_profiles_personalize_lock_and_read_back_verified() {
    for name in PROFILES {
        let profile = Profile::load(name).unwrap();
        let doc = document(&profile);
        let mut card = blank(&profile);
        let report = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
        assert!(!report.already_locked);
        assert!(card.chip().is_locked(), "{name}: locked");
        let r = &report.reading;
        assert_eq!(r.verdict(), Verdict::Verified, "{name}: {:?}", r.checks);
        assert_eq!(
            check(r, "Active Authentication"),
            &CheckOutcome::Passed,
            "{name}"
        );
        // Every field as written, the portrait and both fingers byte for byte.
        let want = record().normalized();
        for (field, value) in &r.fields {
            assert_eq!(value, &want.field_text(*field), "{name}: {field:?}");
        }
        assert_eq!(r.fields.len(), 20);
        assert_eq!(r.portrait.as_deref(), Some(data("portrait.jpg").as_slice()));
        assert_eq!(r.fingers.len(), 2);
        assert_eq!(r.fingers[0].0, FingerPosition::RightIndex);
        assert_eq!(r.fingers[0].2, data("fingers/right-index.png"));
        assert_eq!(r.fingers[1].2, data("fingers/left-index.png"));
        // A fresh read of the locked card gives the same.
        card.reinsert();
        let again =
            chip::read_card(&mut card, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
        assert_eq!(again.verdict(), Verdict::Verified);
        assert_eq!(again.fields, r.fields);
    }
}

#[test]
fn write_and_read_use_the_fewest_commands_the_profile_allows() {
    for name in PROFILES {
        let profile = Profile::load(name).unwrap();
        let doc = document(&profile);
        let mut card = blank(&profile);
        let report = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
        let chunk = profile.write_chunk();
        let per_file = if profile.personalization.create_file.is_some() {
            2
        } else {
            1
        };
        let min_write: usize = 1 // SELECT AID
            + doc.files.iter().map(|f| per_file + f.bytes.len().div_ceil(chunk)).sum::<usize>()
            + 3; // BAC seed, AA key, lock
        assert_eq!(report.write_traffic.apdus as usize, min_write, "{name}");
        // Read: SELECT AID, GET CHALLENGE, EXTERNAL AUTHENTICATE, per file one SELECT and as
        // many READ BINARY as the largest answer allows, INTERNAL AUTHENTICATE.
        let max_plain = if profile.apdu.extended_length {
            icao9303::sm::max_plain_response(profile.apdu.max_response_data)
        } else {
            icao9303::sm::max_plain_response(256)
        };
        let min_read: usize = 3
            + doc
                .files
                .iter()
                .map(|f| 1 + f.bytes.len().div_ceil(max_plain))
                .sum::<usize>()
            + 1;
        let got = report.verify_traffic.apdus as usize;
        // The first READ BINARY of a file learns its length; one extra command per file at most
        // when the chip answers less than a full chunk for the header read.
        assert!(
            got >= min_read && got * 100 <= min_read * 105,
            "{name}: read {got} APDUs, minimum {min_read}"
        );
    }
}

#[test]
fn dg13_round_trips_every_field() {
    let r = record().normalized();
    let parsed = lds::parse_dg13(&lds::encode_dg13(&dg13_for(&r))).unwrap();
    let fields = fields_from_dg13(&parsed);
    for f in Field::ALL {
        let got = &fields.iter().find(|(g, _)| *g == f).unwrap().1;
        assert_eq!(got, &r.field_text(f), "{f:?}");
    }
}

#[test]
fn reads_a_chip_in_any_file_order_with_short_apdus_only() {
    // A foreign chip: files created in reverse order, short APDUs only (the JMRTD applet).
    let profile = Profile::load("jmrtd-passport-applet").unwrap();
    let mut doc = document(&profile);
    doc.files.reverse();
    let mut card = blank(&profile);
    let report = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
    assert_eq!(report.reading.verdict(), Verdict::Verified);
}

#[test]
fn wrong_access_keys_are_refused() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let (doc, mut card) = issue(&profile);
    card.reinsert();
    let mut wrong = doc.bac.clone();
    wrong.date_of_birth = "950513".into();
    let err = chip::read_card(&mut card, &wrong.mrz_information().unwrap(), &trust()).unwrap_err();
    assert_eq!(err, chip::ChipError::BacRejected);
}

#[test]
fn altered_dg13_fails_its_hash() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let (doc, mut card) = issue(&profile);
    let mut dg13 = card.chip().file(0x010D).unwrap().to_vec();
    // Change one letter of the name (keeping the length): "An" -> "Am".
    let pos = dg13.windows(2).position(|w| w == b"An").unwrap();
    dg13[pos + 1] = b'm';
    card.chip_mut().set_file(0x010D, dg13);
    card.reinsert();
    let r = chip::read_card(&mut card, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
    assert_eq!(r.verdict(), Verdict::Failed);
    assert!(matches!(check(&r, "DG13 hash"), CheckOutcome::Failed(_)));
    assert_eq!(check(&r, "EF.SOD signature"), &CheckOutcome::Passed);
}

#[test]
fn a_signer_from_another_csca_is_not_trusted() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let other = pki::generate_test_pki("VN", "rogue", time::OffsetDateTime::now_utc()).unwrap();
    let doc = chip::build(
        &record(),
        &bio(),
        &profile,
        &signer(&other),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let mut card = blank(&profile);
    let err = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap_err();
    assert_eq!(err.step, Step::Verify);
    card.reinsert();
    let r = chip::read_card(&mut card, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
    assert_eq!(r.verdict(), Verdict::Failed);
    assert!(matches!(
        check(&r, "certified by a trusted CSCA"),
        CheckOutcome::Failed(_)
    ));
}

#[test]
fn a_clone_without_the_active_authentication_key_is_caught() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let (doc, card) = issue(&profile);
    let clone = card.chip().clone_without_aa_key();
    let mut clone = InProcessCard::new(clone, Faults::none());
    let r = chip::read_card(&mut clone, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
    assert_eq!(r.verdict(), Verdict::Failed);
    assert!(matches!(
        check(&r, "Active Authentication"),
        CheckOutcome::Failed(_)
    ));
    // Passive authentication alone cannot tell: the clone's files are the original's.
    assert_eq!(check(&r, "DG13 hash"), &CheckOutcome::Passed);
}

#[test]
fn a_chip_without_sod_is_read_but_unverified() {
    let profile = Profile::load("jmrtd-passport-applet").unwrap();
    let mut doc = document(&profile);
    doc.files.retain(|f| f.name != "EF.SOD");
    let mut card = blank(&profile);
    let err = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap_err();
    assert_eq!(
        err.step,
        Step::Verify,
        "a card that cannot verify is not issued"
    );
    card.reinsert();
    let r = chip::read_card(&mut card, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
    assert_eq!(r.verdict(), Verdict::Unverified);
    assert_eq!(r.fields.len(), 20);
    assert!(r.portrait.is_some());
}

#[test]
fn a_chip_that_drops_dg15_from_its_file_list_does_not_escape_active_authentication() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let (doc, card) = issue(&profile);
    let mut clone = card.chip().clone_without_aa_key();
    // The cloner rewrites EF.COM without DG15 (EF.COM is not signed) and empties DG15.
    let com = lds::Com::new(vec![
        lds::DataGroup::Dg1,
        lds::DataGroup::Dg2,
        lds::DataGroup::Dg3,
        lds::DataGroup::Dg13,
        lds::DataGroup::Dg14,
    ]);
    clone.set_file(0x011E, com.encode().unwrap());
    let mut clone = InProcessCard::new(clone, Faults::none());
    let r = chip::read_card(&mut clone, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
    assert_eq!(r.verdict(), Verdict::Failed, "{:?}", r.checks);
}

/// Pulls the card after every command of a personalization in turn: the error names a step,
/// the card is never reported issued, and a retry on the same card succeeds.
#[test]
fn pulling_the_card_at_any_command_then_retrying_issues_it() {
    for name in PROFILES {
        let profile = Profile::load(name).unwrap();
        let doc = document(&profile);
        let total = {
            let mut card = blank(&profile);
            chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
            card.commands()
        };
        for n in 0..total {
            let mut card = InProcessCard::new(
                VirtualChip::blank(profile.clone()),
                Faults {
                    pull_after: Some(n),
                    ..Faults::none()
                },
            );
            let err = chip::personalize(&mut card, &profile, &doc, &trust())
                .expect_err("a pulled card must not be issued");
            assert!(err.error.card_gone(), "{name} pull after {n}: {err}");
            assert!(err.to_string().contains("CARD NOT ISSUED"));
            card.set_faults(Faults::none());
            card.reinsert();
            let report = chip::personalize(&mut card, &profile, &doc, &trust())
                .unwrap_or_else(|e| panic!("{name} retry after pull at {n}: {e}"));
            assert_eq!(report.reading.verdict(), Verdict::Verified);
        }
    }
}

/// A failing status word at any command: reported with its step, never issued, and a retry
/// on the same card succeeds.
#[test]
fn an_error_status_at_any_command_is_reported_and_retry_succeeds() {
    let profile = Profile::load("jmrtd-passport-applet").unwrap();
    let doc = document(&profile);
    let total = {
        let mut card = blank(&profile);
        chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
        card.commands()
    };
    for n in 1..=total {
        let mut card = InProcessCard::new(
            VirtualChip::blank(profile.clone()),
            Faults {
                sw_at: vec![(n, 0x6F00)],
                ..Faults::none()
            },
        );
        let first = chip::personalize(&mut card, &profile, &doc, &trust());
        let err = first.expect_err("a failed command must not issue the card");
        assert!(!err.step.label_en().is_empty());
        card.set_faults(Faults::none());
        card.reinsert();
        chip::personalize(&mut card, &profile, &doc, &trust())
            .unwrap_or_else(|e| panic!("retry after 6F00 at {n}: {e}"));
    }
}

#[test]
fn a_new_card_after_a_failed_one_is_issued() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let doc = document(&profile);
    let mut bad = InProcessCard::new(
        VirtualChip::blank(profile.clone()),
        Faults {
            pull_after: Some(10),
            ..Faults::none()
        },
    );
    assert!(chip::personalize(&mut bad, &profile, &doc, &trust()).is_err());
    let mut good = blank(&profile);
    chip::personalize(&mut good, &profile, &doc, &trust()).unwrap();
}

#[test]
fn a_card_locked_with_someone_elses_data_is_not_issued() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let (_, mut card) = issue(&profile);
    card.reinsert();
    let mut other = record();
    other.full_name = "Trần Thị Bích".into();
    other.sex = citizen::Sex::Female;
    other.id_number = "001195012345".into();
    let doc = chip::build(
        &other,
        &bio(),
        &profile,
        &signer(pki()),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let err = chip::personalize(&mut card, &profile, &doc, &trust()).unwrap_err();
    assert!(matches!(err.step, Step::ReadBack | Step::Verify), "{err}");
}

#[test]
fn a_signer_revoked_by_its_cscas_crl_fails_the_revocation_check_only() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let (doc, mut card) = issue(&profile);
    let p = pki();
    let now = time::OffsetDateTime::now_utc();
    let kinds = |r: &chip::Reading| -> Vec<(chip::CheckKind, bool)> {
        r.checks
            .iter()
            .map(|c| (c.kind, matches!(c.outcome, CheckOutcome::Failed(_))))
            .collect()
    };
    // A CRL revoking someone else: the check runs and passes.
    let mut store = pki::TrustStore::from_csca_ders(vec![p.csca_cert_der.clone()]);
    let other =
        pki::sign_crl(&p.csca_cert_der, &p.csca_key_pkcs8, &[vec![0x05]], now, now).unwrap();
    store.add_crl(&other, "other.crl", now).unwrap();
    card.reinsert();
    let info = doc.bac.mrz_information().unwrap();
    let r = chip::read_card(&mut card, &info, &ReadOptions::with_trust(&store)).unwrap();
    assert_eq!(r.verdict(), Verdict::Verified);
    assert!(kinds(&r).contains(&(chip::CheckKind::SignerNotRevoked, false)));

    // This card's signer revoked.
    let serial = pki::certificate_serial(&p.ds_cert_der).unwrap();
    let crl = pki::sign_crl(&p.csca_cert_der, &p.csca_key_pkcs8, &[serial], now, now).unwrap();
    store.add_crl(&crl, "revoked.crl", now).unwrap();
    card.reinsert();
    let r = chip::read_card(&mut card, &info, &ReadOptions::with_trust(&store)).unwrap();
    assert_eq!(r.verdict(), Verdict::Failed);
    let failed: Vec<chip::CheckKind> = kinds(&r)
        .into_iter()
        .filter(|(_, f)| *f)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(failed, vec![chip::CheckKind::SignerNotRevoked]);

    // Without CRLs there is no revocation check at all.
    card.reinsert();
    let r = chip::read_card(&mut card, &info, &trust()).unwrap();
    assert!(!r
        .checks
        .iter()
        .any(|c| c.kind == chip::CheckKind::SignerNotRevoked));
    assert_eq!(r.verdict(), Verdict::Verified);
}
