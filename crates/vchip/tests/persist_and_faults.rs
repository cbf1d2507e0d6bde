//! Card files (round trip, atomic save, rejection of damaged or crafted files), random APDUs
//! in every state, and fault injection of the in-process card.

mod common;

use cardreader::{CardTransport, TransportError};
use common::*;
use iso7816::{CommandApdu, StatusWord};
use profiles::Profile;
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use vchip::{Faults, InProcessCard, VchipError, VirtualChip};

fn written_vn() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| written("vn-citizen-card").chip.to_bytes())
}

#[test]
fn card_file_round_trip_keeps_everything_but_the_session() {
    for name in ["jmrtd-passport-applet", "vn-citizen-card"] {
        let mut w = written(name);
        let _sm = bac_ok(&mut w.chip);
        let bytes = w.chip.to_bytes();
        let mut back = VirtualChip::from_bytes(&bytes).unwrap();
        assert_eq!(back.profile().name, name);
        assert!(back.is_locked() && back.has_bac_seed() && back.has_aa_key());
        assert!(!back.in_secure_session());
        assert_eq!(back.file_ids(), w.chip.file_ids());
        for (fid, data) in &w.files {
            assert_eq!(back.file(*fid).unwrap(), &data[..]);
        }
        assert_eq!(back.aa_public_point(), Some(w.aa.public_point()));
        assert_eq!(back.to_bytes(), bytes);
        // The reloaded card still does BAC and AA with the same key.
        let mut sm = bac_ok(&mut back);
        let ia = CommandApdu::new(0, 0x88, 0, 0)
            .with_data(vec![9; 8])
            .with_ne(256);
        let sig = stx(&mut back, &mut sm, &ia).data;
        pki::aa_verify(&w.aa.subject_public_key_info_der(), &[9; 8], &sig).unwrap();
    }
    // A blank card too.
    let blank = VirtualChip::blank(Profile::load("jmrtd-passport-applet").unwrap());
    let back = VirtualChip::from_bytes(&blank.to_bytes()).unwrap();
    assert!(!back.is_locked() && back.file_ids().is_empty());
}

#[test]
fn save_is_atomic_and_load_checks_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.vchip");
    let w = written("vn-citizen-card");
    w.chip.save_to(&path).unwrap();
    w.chip.save_to(&path).unwrap();
    // Only the card file remains: no temporary left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "card files hold personal data and the AA key"
        );
    }
    let back = VirtualChip::load_from(&path).unwrap();
    assert_eq!(back.to_bytes(), w.chip.to_bytes());
    let other = Profile::load("jmrtd-passport-applet").unwrap();
    assert!(matches!(
        VirtualChip::load_from_with_profile(&path, other),
        Err(VchipError::ProfileMismatch { .. })
    ));
    let same = Profile::load("vn-citizen-card").unwrap();
    assert!(VirtualChip::load_from_with_profile(&path, same).is_ok());
    assert!(matches!(
        VirtualChip::load_from(&dir.path().join("missing")),
        Err(VchipError::Io(_))
    ));
    assert!(matches!(
        VirtualChip::from_bytes(b"not a card"),
        Err(VchipError::NotACardFile)
    ));
}

/// Re-seals a body with a correct checksum: what a crafted (not merely damaged) file is.
fn reseal(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    out.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, body).as_ref());
    out
}

#[test]
fn crafted_files_with_valid_checksums_are_validated() {
    let profile = Profile::load("jmrtd-passport-applet").unwrap();
    let mut chip = VirtualChip::blank(profile);
    chip.set_file(0x0101, vec![1; 10]);
    let good = chip.to_bytes();
    let body = &good[..good.len() - 32];
    assert!(VirtualChip::from_bytes(&reseal(body)).is_ok());
    // Layout: magic(8) version(1) name-len(1) name flags(1) count(2) fid(2) size(4) data.
    let name_len = body[9] as usize;
    let flags_at = 10 + name_len;
    let size_at = flags_at + 1 + 2 + 2;
    let mut locked_without_seed = body.to_vec();
    locked_without_seed[flags_at] = 1;
    let mut bad_flags = body.to_vec();
    bad_flags[flags_at] = 0x80;
    let mut too_big = body.to_vec();
    too_big[size_at..size_at + 4].copy_from_slice(&129u32.to_be_bytes());
    too_big.extend_from_slice(&[0; 119]);
    let mut foreign_fid = body.to_vec();
    foreign_fid[size_at - 2..size_at].copy_from_slice(&0x3F00u16.to_be_bytes());
    let mut unknown_profile = body.to_vec();
    unknown_profile[10] ^= 0x20;
    let mut trailing = body.to_vec();
    trailing.push(0);
    for (what, crafted) in [
        ("locked without seed", locked_without_seed),
        ("flags", bad_flags),
        ("oversized file", too_big),
        ("foreign file id", foreign_fid),
        ("unknown profile", unknown_profile),
        ("trailing", trailing),
    ] {
        assert!(
            VirtualChip::from_bytes(&reseal(&crafted)).is_err(),
            "{what}"
        );
    }
    // A file set behind the chip's back beyond the profile does not reload.
    chip.set_file(0x0101, vec![1; 129]);
    assert!(matches!(
        VirtualChip::from_bytes(&chip.to_bytes()),
        Err(VchipError::Corrupt(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn damaged_card_files_are_rejected(pos in any::<prop::sample::Index>(), flip in 1u8..=255, cut in any::<prop::sample::Index>()) {
        let bytes = written_vn();
        let mut damaged = bytes.to_vec();
        let i = pos.index(damaged.len());
        damaged[i] ^= flip;
        prop_assert!(VirtualChip::from_bytes(&damaged).is_err());
        let truncated = &bytes[..cut.index(bytes.len())];
        prop_assert!(VirtualChip::from_bytes(truncated).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_load(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut with_magic = b"IDSVCHIP\x01".to_vec();
        with_magic.extend_from_slice(&bytes);
        prop_assert!(VirtualChip::from_bytes(&with_magic).is_err());
        prop_assert!(VirtualChip::from_bytes(&reseal(&with_magic)).is_err());
        let _ = VirtualChip::from_bytes(&bytes);
    }
}

/// A chip in each life state: blank with the application selected, partly personalized,
/// locked, and locked inside a BAC session.
fn chips_in_every_state() -> Vec<VirtualChip> {
    let mut out = Vec::new();
    for name in ["jmrtd-passport-applet", "vn-citizen-card"] {
        let profile = Profile::load(name).unwrap();
        let mut blank = VirtualChip::blank(profile.clone());
        out.push(VirtualChip::blank(profile.clone()));
        sw(&mut blank, &select_aid(&profile));
        out.push(blank);
        let aa = pki::ActiveAuthKey::generate().unwrap();
        let files = contents(&profile, &aa);
        let mut partial = VirtualChip::blank(profile.clone());
        for cmd in perso_script(&profile, &files, &aa).iter().take(12) {
            sw(&mut partial, cmd);
        }
        out.push(partial);
        let mut w = written(name);
        out.push(VirtualChip::from_bytes(&w.chip.to_bytes()).unwrap());
        let _sm = bac_ok(&mut w.chip);
        out.push(w.chip);
    }
    out
}

fn apdu_strategy() -> impl Strategy<Value = Vec<u8>> {
    let ins = prop::sample::select(vec![
        0xA4u8, 0xB0, 0xB1, 0xD6, 0xE0, 0xDA, 0x84, 0x82, 0x88, 0xC0, 0x00, 0xFF,
    ]);
    let cla = prop::sample::select(vec![0x00u8, 0x0C, 0x04, 0x80, 0x10, 0xFF]);
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..80),
        (
            cla,
            ins,
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..300),
            prop::option::of(1usize..=65536),
            any::<bool>()
        )
            .prop_map(|(cla, ins, p1, p2, data, ne, ext)| {
                let mut cmd = CommandApdu::new(cla, ins, p1, p2).with_data(data);
                cmd.ne = ne;
                cmd.encode(ext).unwrap()
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_apdus_in_every_state_never_panic(seq in proptest::collection::vec(apdu_strategy(), 1..24)) {
        static STATES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        // Card files of each state (the in-session chip reloads without its session; the
        // session case is exercised by building it afresh below once per case).
        let states = STATES.get_or_init(|| chips_in_every_state().iter().map(|c| c.to_bytes()).collect());
        let mut chips: Vec<VirtualChip> = states.iter().map(|b| VirtualChip::from_bytes(b).unwrap()).collect();
        let mut w = written("jmrtd-passport-applet");
        let _sm = bac_ok(&mut w.chip);
        chips.push(w.chip);
        for chip in &mut chips {
            let bound: usize = chip.profile().files.iter().map(|f| f.max_size).sum();
            for apdu in &seq {
                let r = chip.process(apdu);
                prop_assert!(r.len() >= 2);
                prop_assert!(r.len() <= chip.profile().apdu.max_response_data + 2);
            }
            let held: usize = chip.file_ids().iter().map(|f| chip.file(*f).unwrap().len()).sum();
            prop_assert!(held <= bound);
            prop_assert!(VirtualChip::from_bytes(&chip.to_bytes()).is_ok());
        }
    }
}

#[test]
fn in_process_card_answers_through_the_transport_trait() {
    let w = written("vn-citizen-card");
    let mut card = InProcessCard::new(w.chip, Faults::none());
    assert!(card.supports_extended());
    let profile = card.chip().profile().clone();
    let r = card.transmit(&select_aid(&profile)).unwrap();
    assert_eq!(r.sw, StatusWord::SUCCESS);
    let r = card
        .transmit(&icao9303::bac::get_challenge_command())
        .unwrap();
    assert_eq!(r.data.len(), 8);
    assert_eq!(card.commands(), 2);
    let t = card.traffic();
    assert_eq!(t.apdus, 2);
    assert_eq!(t.bytes_received, 2 + 10);
    let short = InProcessCard::new(
        VirtualChip::blank(Profile::load("jmrtd-passport-applet").unwrap()),
        Faults::none(),
    );
    assert!(!short.supports_extended());
}

#[test]
fn pull_after_sw_at_delay_and_reinsert() {
    let profile = Profile::load("jmrtd-passport-applet").unwrap();
    let faults = Faults {
        pull_after: Some(3),
        sw_at: vec![(2, 0x6A82)],
        delay: Duration::from_millis(20),
    };
    let mut card = InProcessCard::new(VirtualChip::blank(profile.clone()), faults);
    let aid = select_aid(&profile).to_bytes().unwrap();
    let start = Instant::now();
    assert_eq!(card.transmit_raw(&aid).unwrap(), [0x90, 0x00]);
    // Command 2 is not processed: the fault's status word only.
    let challenge = icao9303::bac::get_challenge_command().to_bytes().unwrap();
    assert_eq!(card.transmit_raw(&challenge).unwrap(), [0x6A, 0x82]);
    assert_eq!(card.transmit_raw(&challenge).unwrap().len(), 10);
    assert!(
        start.elapsed() >= Duration::from_millis(60),
        "delay before every answer"
    );
    assert!(card.is_removed());
    assert_eq!(card.transmit_raw(&aid), Err(TransportError::CardRemoved));
    assert_eq!(card.transmit_raw(&aid), Err(TransportError::CardRemoved));
    assert_eq!(card.commands(), 3);
    assert_eq!(card.traffic().apdus, 3);
    // Re-inserted: powered up afresh (application not selected), counting from 0 again.
    card.set_faults(Faults::none());
    card.reinsert();
    assert_eq!(card.commands(), 0);
    assert_eq!(card.transmit_raw(&challenge).unwrap(), [0x6D, 0x00]);
    assert_eq!(card.transmit_raw(&aid).unwrap(), [0x90, 0x00]);
    assert_eq!(card.commands(), 2);
    assert_eq!(card.traffic().apdus, 5);

    // pull_after = 0: gone before the first command.
    let mut card = InProcessCard::new(
        VirtualChip::blank(profile),
        Faults {
            pull_after: Some(0),
            ..Faults::none()
        },
    );
    assert_eq!(card.transmit_raw(&aid), Err(TransportError::CardRemoved));
    assert_eq!(card.commands(), 0);
    let chip = card.into_chip();
    assert!(!chip.is_locked());
}

#[test]
fn a_pulled_card_keeps_what_was_written_before() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let aa = pki::ActiveAuthKey::generate().unwrap();
    let files = contents(&profile, &aa);
    let script = perso_script(&profile, &files, &aa);
    let mut card = InProcessCard::new(
        VirtualChip::blank(profile.clone()),
        Faults {
            pull_after: Some(5),
            ..Faults::none()
        },
    );
    let mut answered = 0;
    for cmd in &script {
        match card.transmit(cmd) {
            Ok(r) => {
                assert_eq!(r.sw, StatusWord::SUCCESS);
                answered += 1;
            }
            Err(e) => {
                assert!(e.card_gone());
                break;
            }
        }
    }
    assert_eq!(answered, 5);
    // Re-insert and finish: CREATE FILE of what exists answers 6A89.
    card.set_faults(Faults::none());
    card.reinsert();
    for cmd in &script {
        let s = card.transmit(cmd).unwrap().sw.0;
        assert!(s == 0x9000 || (s == 0x6A89 && cmd.ins == 0xE0));
    }
    assert_eq!(
        card.transmit(&lock_command(&profile)).unwrap().sw,
        StatusWord::SUCCESS
    );
    let mut chip = card.into_chip();
    for (fid, data) in &files {
        assert_eq!(chip.file(*fid).unwrap(), &data[..]);
    }
    let _ = bac_ok(&mut chip);
}
