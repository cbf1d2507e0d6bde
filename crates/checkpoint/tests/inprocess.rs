//! Checkpoint verification against the in-process chip emulator: a station-issued card
//! verifies from its QR code; every attack and mismatch gives its own alert. The same flows
//! run through the real pcscd in tests/tests/hil_checkpoint.rs.

use checkpoint::{verify, AccessKey, Alert, CardQr, Claim};
use chip::{Biometrics, ReadOptions};
use citizen::{CitizenRecord, ExpiryRule, Field};
use iso19794::{FingerPosition, FingerRecord};
use pki::{DocumentSigner, TestPki};
use profiles::Profile;
use std::sync::OnceLock;
use vchip::{Faults, InProcessCard, VirtualChip};

fn data(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/");
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn record() -> CitizenRecord {
    CitizenRecord::from_json(&String::from_utf8(data("record.json")).unwrap()).unwrap()
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn pkis() -> &'static (TestPki, TestPki) {
    static P: OnceLock<(TestPki, TestPki)> = OnceLock::new();
    P.get_or_init(|| {
        (
            pki::generate_test_pki("VN", "station", now()).unwrap(),
            pki::generate_test_pki("VN", "rogue", now()).unwrap(),
        )
    })
}

/// The QR code a card issued from `r` carries.
fn qr_text(r: &CitizenRecord) -> String {
    CardQr::from_record(r).to_text()
}

/// A card personalized from the demo record, signed by `p`'s Document Signer.
fn card(p: &TestPki) -> VirtualChip {
    card_for(p, &Profile::load("vn-citizen-card").unwrap())
}

/// As [`card`], personalized with `profile`'s layout and commands.
fn card_for(p: &TestPki, profile: &Profile) -> VirtualChip {
    let profile = profile.clone();
    let bio = Biometrics {
        portrait_jpeg: data("portrait.jpg"),
        face_image_type: iso19794::FaceImageType::FullFrontal,
        eyes: None,
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
    };
    let signer = DocumentSigner::from_pkcs8(&p.ds_key_pkcs8, &p.ds_cert_der).unwrap();
    let doc = chip::build(&record(), &bio, &profile, &signer, now()).unwrap();
    let mut c = InProcessCard::new(VirtualChip::blank(profile.clone()), Faults::none());
    // Personalize with the signer's own CSCA so the read-back passes.
    let own = ReadOptions::new(vec![p.csca_cert_der.clone()]);
    chip::personalize(&mut c, &profile, &doc, &own).unwrap();
    c.into_chip()
}

fn station_card() -> VirtualChip {
    static C: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = C.get_or_init(|| card(&pkis().0).to_bytes());
    VirtualChip::from_bytes(bytes).unwrap()
}

fn store() -> pki::TrustStore {
    pki::TrustStore::from_csca_ders(vec![pkis().0.csca_cert_der.clone()])
}

fn check(chip: VirtualChip, qr: &str, store: &pki::TrustStore) -> checkpoint::Verification {
    check_with(chip, qr, &ReadOptions::with_trust(store))
}

fn check_with(chip: VirtualChip, qr: &str, opts: &ReadOptions) -> checkpoint::Verification {
    let qr = CardQr::parse(qr).unwrap();
    let key = AccessKey::from_qr(&qr, &ExpiryRule::default()).unwrap();
    let mut t = InProcessCard::new(chip, Faults::none());
    verify(&mut t, &key, &Claim::Qr(qr), opts)
}

fn codes(v: &checkpoint::Verification) -> Vec<String> {
    v.alerts.iter().map(Alert::code).collect()
}

#[test]
fn a_station_issued_card_verifies_from_its_qr_code() {
    let v = check(station_card(), &qr_text(&record()), &store());
    assert_eq!(codes(&v), Vec::<String>::new());
    assert!(v.verified());
    assert_eq!(v.comparisons.len(), 7);
    assert!(v.comparisons.iter().all(|c| c.matches));
    assert_eq!(v.chip_field(Field::FullName), Some("Nguyễn Văn An"));
    assert!(v.reading.as_ref().unwrap().portrait.is_some());
}

#[test]
fn a_qr_code_that_differs_from_the_chip_names_the_field() {
    let mut r = record();
    r.full_name = "Nguyễn Văn Ân".into();
    r.place_of_residence = "Số 99 phố Huế, Hà Nội".into();
    let v = check(station_card(), &qr_text(&r), &store());
    assert_eq!(
        codes(&v),
        vec!["mismatch.full_name", "mismatch.place_of_residence"]
    );
    assert!(!v.verified());
    let msg = v.alerts[0].message_en();
    assert!(
        msg.contains("Nguyễn Văn Ân") && msg.contains("Nguyễn Văn An"),
        "{msg}"
    );
    assert!(v.alerts[0].message_vi().contains("khác mã QR"));
    // Letter case and spacing are not a mismatch.
    let mut r = record();
    r.full_name = "NGUYỄN  VĂN AN".into();
    assert!(check(station_card(), &qr_text(&r), &store()).verified());
}

#[test]
fn a_qr_code_for_another_birth_date_cannot_open_the_chip() {
    let mut r = record();
    r.date_of_birth = time::macros::date!(1995 - 05 - 13);
    let v = check(station_card(), &qr_text(&r), &store());
    assert_eq!(codes(&v), vec!["chip_unreadable"]);
    assert!(v.reading.is_none());
    assert!(v.comparisons.iter().all(|c| c.chip.is_none() && !c.matches));
}

#[test]
fn dg13_altered_after_signing_is_a_hash_alert() {
    let mut c = station_card();
    let mut dg13 = c.file(0x010D).unwrap().to_vec();
    let at = dg13.windows(2).position(|w| w == b"An").unwrap();
    dg13[at + 1] = b'm';
    c.set_file(0x010D, dg13);
    let v = check(c, &qr_text(&record()), &store());
    // The altered name also differs from the QR code.
    assert_eq!(codes(&v), vec!["dg_hash.13", "mismatch.full_name"]);
}

#[test]
fn unknown_and_revoked_signers_and_clones_each_have_their_alert() {
    let (station, rogue) = pkis();
    // Signed under another CSCA.
    let v = check(card(rogue), &qr_text(&record()), &store());
    assert_eq!(codes(&v), vec!["unknown_signer"]);
    assert!(v.alerts[0].detail().unwrap().contains("not a trusted CSCA"));
    // Revoked by the station CSCA's CRL.
    let mut s = store();
    let crl = pki::sign_crl(
        &station.csca_cert_der,
        &station.csca_key_pkcs8,
        &[pki::certificate_serial(&station.ds_cert_der).unwrap()],
        now(),
        now() + time::Duration::days(7),
    )
    .unwrap();
    s.add_crl(&crl, "station.crl", now()).unwrap();
    let v = check(station_card(), &qr_text(&record()), &s);
    assert_eq!(codes(&v), vec!["revoked_signer"]);
    // A clone without the Active Authentication key.
    let v = check(
        station_card().clone_without_aa_key(),
        &qr_text(&record()),
        &store(),
    );
    assert_eq!(codes(&v), vec!["active_auth"]);
    assert!(v.alerts[0].message_en().contains("clone"));
}

#[test]
fn no_trusted_csca_is_not_proven_and_a_pulled_card_is_card_removed() {
    let v = check(station_card(), &qr_text(&record()), &pki::TrustStore::new());
    assert_eq!(codes(&v), vec!["not_proven"]);
    assert!(!v.verified());

    let qr = CardQr::parse(&qr_text(&record())).unwrap();
    let key = AccessKey::from_qr(&qr, &ExpiryRule::default()).unwrap();
    let faults = Faults {
        pull_after: Some(6),
        ..Faults::none()
    };
    let mut t = InProcessCard::new(station_card(), faults);
    let v = verify(
        &mut t,
        &key,
        &Claim::Qr(qr),
        &ReadOptions::with_trust(&store()),
    );
    assert_eq!(codes(&v), vec!["card_removed"]);
}

#[test]
fn typed_keys_verify_and_compare_what_was_typed() {
    let key = AccessKey::typed("001095012345", "12/05/1995", "350512").unwrap();
    let claim = Claim::Typed {
        id_number: Some("001095012345".into()),
        date_of_birth: Some(time::macros::date!(1995 - 05 - 12)),
    };
    let mut t = InProcessCard::new(station_card(), Faults::none());
    let v = verify(&mut t, &key, &claim, &ReadOptions::with_trust(&store()));
    assert!(v.verified(), "{:?}", codes(&v));
    assert_eq!(v.comparisons.len(), 2);
}

/// A forger's chip: DG13's name 1000 bytes long with control characters, EF.SOD signed by
/// an untrusted Document Signer and listing 40 "data groups". Every fault has its alert,
/// the 24 numbers that are no data group make one alert (not 24), and the name is flagged
/// as text no genuine card holds.
#[test]
fn a_forged_sod_listing_forty_groups_and_a_hostile_name_give_bounded_named_alerts() {
    let (_, rogue) = pkis();
    let mut c = station_card();
    let mut dg13 = lds::parse_dg13(stored(c.file(0x010D).unwrap())).unwrap();
    let mut name = String::from("\u{1b}[2JNguyễn\nVăn\u{7}An ");
    while name.len() < 1000 {
        name.push('Ồ');
    }
    dg13.fields
        .iter_mut()
        .find(|(id, _)| *id == lds::dg13::FULL_NAME)
        .unwrap()
        .1 = vec![name.clone()];
    c.set_file(0x010D, lds::encode_dg13(&dg13));
    let signer = DocumentSigner::from_pkcs8(&rogue.ds_key_pkcs8, &rogue.ds_cert_der).unwrap();
    let hashes: Vec<(u8, Vec<u8>)> = (1..=40u8)
        .map(|n| {
            let h = c.file(0x0100 | u16::from(n)).map_or(vec![n; 32], |f| {
                pki::HashAlgorithm::Sha256.digest(stored(f))
            });
            (n, h)
        })
        .collect();
    c.set_file(
        0x011D,
        lds::encode_sod(&pki::build_sod(&signer, &hashes, None).unwrap()),
    );
    let v = check(c, &qr_text(&record()), &store());
    let mut want: Vec<String> = vec!["unknown_signer".into(), "chip_data".into()];
    want.extend([5, 6, 7, 8, 9, 10, 11, 12, 16].map(|n| format!("dg_missing.{n}")));
    want.extend([
        "invalid_chip_data.full_name".into(),
        "mismatch.full_name".into(),
    ]);
    assert_eq!(codes(&v), want);
    let listed = &v.alerts[1];
    assert!(
        listed.message_en().contains("EF.SOD's data group list"),
        "{}",
        listed.message_en()
    );
    assert!(listed.detail().unwrap().contains("17, 18"), "{listed:?}");
    assert!(v.alerts[11]
        .detail()
        .unwrap()
        .contains("control characters"));
    assert_eq!(v.chip_field(Field::FullName), Some(name.as_str()));

    // A long name alone (no control character) is flagged too; a short clean one is not.
    let mut c = station_card();
    let mut dg13 = lds::parse_dg13(stored(c.file(0x010D).unwrap())).unwrap();
    dg13.fields
        .iter_mut()
        .find(|(id, _)| *id == lds::dg13::FULL_NAME)
        .unwrap()
        .1 = vec!["Ồ".repeat(134)];
    c.set_file(0x010D, lds::encode_dg13(&dg13));
    let v = check(c, &qr_text(&record()), &store());
    let alert = v
        .alerts
        .iter()
        .find(|a| a.code() == "invalid_chip_data.full_name")
        .expect("flagged");
    assert!(alert.detail().unwrap().contains("402 bytes long, over 400"));
    assert!(alert.message_en().contains("invalid chip data"));
}

/// A chip file as a reader gets it: the TLV its header announces (the file itself may be
/// created larger).
fn stored(file: &[u8]) -> &[u8] {
    &file[..lds::file_length_from_header(file).unwrap().min(file.len())]
}

/// A genuine-looking card whose EF.SOD never listed DG15 (personalized without an AA key):
/// on a card model that always has one it is not proven genuine — its own alert, not the
/// clone alert of a failed Active Authentication — and its clone is just as unproven. Where
/// the model makes AA optional it verifies, with a note.
#[test]
fn a_card_without_dg15_is_not_proven_where_its_model_requires_active_authentication() {
    let mut profile = Profile::load("vn-citizen-card").unwrap();
    profile.personalization.aa_private_key = None;
    let chip = card_for(&pkis().0, &profile);
    assert!(chip.file(0x010F).is_none(), "personalized without DG15");
    let required = ReadOptions {
        require_active_authentication: true,
        ..ReadOptions::with_trust(&store())
    };
    let copy = || VirtualChip::from_bytes(&chip.to_bytes()).unwrap();
    for chip in [copy(), chip.clone_without_aa_key()] {
        let v = check_with(chip, &qr_text(&record()), &required);
        assert_eq!(codes(&v), vec!["aa_not_possible"]);
        assert!(!v.verified() && v.not_proven());
        let en = v.alerts[0].message_en();
        assert!(
            en.contains("Active Authentication not possible (no DG15)") && !en.contains("failed"),
            "{en}"
        );
    }
    let v = check(chip, &qr_text(&record()), &store());
    assert!(v.verified(), "{:?}", codes(&v));
    assert!(v
        .reading
        .unwrap()
        .notes
        .iter()
        .any(|n| n.contains("no DG15")));
    // The clone of a card with DG15 is still a red alert, not "not proven".
    let v = check_with(
        station_card().clone_without_aa_key(),
        &qr_text(&record()),
        &required,
    );
    assert_eq!(codes(&v), vec!["active_auth"]);
    assert!(!v.not_proven());
    // And a station card verifies with AA required.
    assert!(check_with(station_card(), &qr_text(&record()), &required).verified());
}

/// CRLs given, but none of them the card's CSCA's: the card verifies (nothing says it is
/// revoked) and the officer sees that its revocation was not checked. With its own CSCA's
/// CRL the check runs and there is no such note.
#[test]
fn crls_of_other_cscas_only_leave_a_note_that_revocation_was_not_checked() {
    let (station, rogue) = pkis();
    let crl_of = |p: &TestPki| {
        pki::sign_crl(
            &p.csca_cert_der,
            &p.csca_key_pkcs8,
            &[vec![0x01, 0x02]],
            now(),
            now() + time::Duration::days(7),
        )
        .unwrap()
    };
    let mut s = pki::TrustStore::from_csca_ders(vec![
        station.csca_cert_der.clone(),
        rogue.csca_cert_der.clone(),
    ]);
    s.add_crl(&crl_of(rogue), "rogue.crl", now()).unwrap();
    let v = check(station_card(), &qr_text(&record()), &s);
    assert!(v.verified(), "{:?}", codes(&v));
    let note = "no CRL for this card's CSCA: revocation not checked";
    assert!(v.notes.iter().any(|n| n.contains(note)), "{:?}", v.notes);
    let checks = &v.reading.as_ref().unwrap().checks;
    assert!(!checks
        .iter()
        .any(|c| c.kind == chip::CheckKind::SignerNotRevoked));

    s.add_crl(&crl_of(station), "station.crl", now()).unwrap();
    let v = check(station_card(), &qr_text(&record()), &s);
    assert!(v.verified());
    assert!(!v.notes.iter().any(|n| n.contains(note)), "{:?}", v.notes);
    assert!(v
        .reading
        .unwrap()
        .checks
        .iter()
        .any(|c| c.kind == chip::CheckKind::SignerNotRevoked
            && c.outcome == chip::CheckOutcome::Passed));
}

/// DER TLV with a definite length (X.690 §8.1.3).
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A genuine card whose DG15 holds an RSA key (RSA Active Authentication, as many
/// passports have; EF.SOD re-signed by the station over it): this station cannot check RSA
/// AA, so the card is not proven — its own alert, not the "may be a clone" of a failed AA.
#[test]
fn an_rsa_active_authentication_key_is_not_proven_not_a_clone() {
    let (station, _) = pkis();
    let mut c = station_card();
    // SubjectPublicKeyInfo { rsaEncryption NULL, RSAPublicKey { n (1024 bits), e = 65537 } }
    let mut n = vec![0x00, 0xC3];
    n.extend((0..127).map(|i| (i * 37 + 11) as u8));
    let rsa_key = der(
        0x30,
        &[der(0x02, &n), der(0x02, &[0x01, 0x00, 0x01])].concat(),
    );
    let alg = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let spki = der(
        0x30,
        &[alg, der(0x03, &[&[0u8][..], &rsa_key].concat())].concat(),
    );
    c.set_file(0x010F, lds::encode_dg15(&spki));
    let signer = DocumentSigner::from_pkcs8(&station.ds_key_pkcs8, &station.ds_cert_der).unwrap();
    let hashes: Vec<(u8, Vec<u8>)> = [1u8, 2, 3, 13, 14, 15]
        .iter()
        .map(|&n| {
            let f = c.file(0x0100 | u16::from(n)).unwrap();
            (n, pki::HashAlgorithm::Sha256.digest(stored(f)))
        })
        .collect();
    c.set_file(
        0x011D,
        lds::encode_sod(&pki::build_sod(&signer, &hashes, None).unwrap()),
    );
    let required = ReadOptions {
        require_active_authentication: true,
        ..ReadOptions::with_trust(&store())
    };
    let v = check_with(c, &qr_text(&record()), &required);
    assert_eq!(codes(&v), vec!["aa_unsupported"]);
    assert!(v.not_proven() && !v.verified());
    assert!(v.alerts[0]
        .message_en()
        .contains("not supported by this station"));
    assert!(
        v.alerts[0].detail().unwrap().contains("RSA"),
        "{:?}",
        v.alerts[0]
    );
    assert!(!v.alerts[0].message_en().contains("may be a clone"));
}
