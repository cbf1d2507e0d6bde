//! The chip against icao9303's terminal side: personalization from the profile templates,
//! BAC, secure messaging reads, Active Authentication and the access conditions.

mod common;

use common::*;
use icao9303::sm::max_plain_response;
use iso7816::{CommandApdu, StatusWord};
use profiles::{Profile, Vars};
use vchip::VirtualChip;

const PROFILES: [&str; 2] = ["jmrtd-passport-applet", "vn-citizen-card"];

#[test]
fn personalize_lock_and_read_back_with_short_le() {
    for name in PROFILES {
        let mut w = written(name);
        let mut sm = bac_ok(&mut w.chip);
        let max = max_plain_response(w.chip.profile().apdu.max_response_data);
        for (fid, expected) in &w.files {
            let (data, sizes) = sm_read(&mut w.chip, &mut sm, *fid, expected.len(), 256);
            assert_eq!(&data[..expected.len()], &expected[..], "{name} {fid:04X}");
            assert!(sizes.iter().all(|s| *s <= 256.min(max)), "{name} {sizes:?}");
            assert_eq!(w.chip.file(*fid).unwrap(), &expected[..]);
        }
        // JMRTD: 256 bytes would not fit a short response once protected; 231 do.
        if name == "jmrtd-passport-applet" {
            assert_eq!(max, 231);
        }
    }
}

#[test]
fn extended_le_reads_large_blocks_on_the_extended_profile() {
    let mut w = written("vn-citizen-card");
    let mut sm = bac_ok(&mut w.chip);
    let max = max_plain_response(4096);
    let dg2 = w
        .files
        .iter()
        .find(|(f, _)| *f == 0x0102)
        .unwrap()
        .1
        .clone();
    let (data, sizes) = sm_read(&mut w.chip, &mut sm, 0x0102, dg2.len(), 65536);
    assert_eq!(data, dg2);
    assert_eq!(sizes[0], max);
    // An explicit extended Le below the block size is honoured exactly.
    let r = stx(
        &mut w.chip,
        &mut sm,
        &CommandApdu::new(0, 0xB0, 0, 0).with_ne(1000),
    );
    assert_eq!(r.data, dg2[..1000]);
    // Offset past the end of the file.
    let past = dg2.len();
    let r = stx(
        &mut w.chip,
        &mut sm,
        &CommandApdu::new(0, 0xB0, (past >> 8) as u8, past as u8).with_ne(16),
    );
    assert_eq!(r.sw, StatusWord(0x6B00));
    // The last bytes: fewer than Le, 9000.
    let off = past - 5;
    let r = stx(
        &mut w.chip,
        &mut sm,
        &CommandApdu::new(0, 0xB0, (off >> 8) as u8, off as u8).with_ne(256),
    );
    assert_eq!(
        (r.data.as_slice(), r.sw),
        (&dg2[off..], StatusWord::SUCCESS)
    );
}

#[test]
fn extended_apdus_are_refused_by_the_short_profile() {
    let mut w = written("jmrtd-passport-applet");
    let mut sm = bac_ok(&mut w.chip);
    assert_eq!(
        stx(&mut w.chip, &mut sm, &select_ef(0x0101)).sw,
        StatusWord::SUCCESS
    );
    let wrapped = sm
        .wrap(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(1000))
        .unwrap();
    assert_eq!(sw(&mut w.chip, &wrapped), 0x6700);
    // The malformed command ended the session.
    assert!(!w.chip.in_secure_session());
    // A plain extended APDU too.
    let bytes = CommandApdu::new(0, 0xB0, 0, 0)
        .with_ne(300)
        .to_bytes()
        .unwrap();
    assert_eq!(w.chip.process(&bytes), [0x67, 0x00]);
}

#[test]
fn read_by_short_ef_identifier() {
    for name in PROFILES {
        let mut w = written(name);
        let mut sm = bac_ok(&mut w.chip);
        let com = w
            .files
            .iter()
            .find(|(f, _)| *f == 0x011E)
            .unwrap()
            .1
            .clone();
        // P1 = 80 | SFI 1E, P2 = offset.
        let r = stx(
            &mut w.chip,
            &mut sm,
            &CommandApdu::new(0, 0xB0, 0x9E, 0).with_ne(4),
        );
        assert_eq!(r.data, com[..4]);
        let r = stx(
            &mut w.chip,
            &mut sm,
            &CommandApdu::new(0, 0xB0, 0x9E, 4).with_ne(256),
        );
        assert_eq!(r.data, com[4..]);
        // The SFI read made EF.COM current.
        let r = stx(
            &mut w.chip,
            &mut sm,
            &CommandApdu::new(0, 0xB0, 0, 1).with_ne(2),
        );
        assert_eq!(r.data, com[1..3]);
        // DG1 by SFI 01; an SFI the profile lacks; bits 6-7 set.
        let dg1 = &w.files.iter().find(|(f, _)| *f == 0x0101).unwrap().1;
        let r = stx(
            &mut w.chip,
            &mut sm,
            &CommandApdu::new(0, 0xB0, 0x81, 0).with_ne(8),
        );
        assert_eq!(r.data, dg1[..8]);
        let r = stx(
            &mut w.chip,
            &mut sm,
            &CommandApdu::new(0, 0xB0, 0x85, 0).with_ne(8),
        );
        assert_eq!(r.sw, StatusWord(0x6A82));
        let r = stx(
            &mut w.chip,
            &mut sm,
            &CommandApdu::new(0, 0xB0, 0xA1, 0).with_ne(8),
        );
        assert_eq!(r.sw, StatusWord(0x6A86));
    }
}

#[test]
fn active_authentication_verifies_and_a_clone_fails() {
    for name in PROFILES {
        let mut w = written(name);
        let dg15 = w
            .files
            .iter()
            .find(|(f, _)| *f == 0x010F)
            .unwrap()
            .1
            .clone();
        let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
        let aa = CommandApdu::new(0, 0x88, 0, 0)
            .with_data(challenge.to_vec())
            .with_ne(256);
        let mut sm = bac_ok(&mut w.chip);
        let r = stx(&mut w.chip, &mut sm, &aa);
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(r.data.len(), 64);
        pki::aa_verify(&dg15, &challenge, &r.data).unwrap();
        // Plain after lock: refused.
        assert_eq!(sw(&mut w.chip, &aa), 0x6982);

        let mut clone = w.chip.clone_without_aa_key();
        assert!(clone.is_locked());
        let mut sm = bac_ok(&mut clone);
        let (data, _) = sm_read(&mut clone, &mut sm, 0x010F, dg15.len(), 256);
        assert_eq!(data, dg15, "the clone carries the same DG15");
        let r = stx(&mut clone, &mut sm, &aa);
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(
            pki::aa_verify(&dg15, &challenge, &r.data),
            Err(pki::PkiError::AaFailed)
        );
        // Wrong challenge length.
        let bad = CommandApdu::new(0, 0x88, 0, 0)
            .with_data(vec![1; 7])
            .with_ne(256);
        assert_eq!(stx(&mut clone, &mut sm, &bad).sw, StatusWord(0x6700));
    }
}

#[test]
fn access_conditions_after_lock() {
    for name in PROFILES {
        let mut w = written(name);
        let profile = w.chip.profile().clone();
        let chip = &mut w.chip;
        // No application selected yet after a reset.
        chip.reset();
        assert_eq!(sw(chip, &select_ef(0x0101)), 0x6A82);
        assert_eq!(sw(chip, &icao9303::bac::get_challenge_command()), 0x6D00);
        assert_eq!(sw(chip, &select_aid(&profile)), 0x9000);
        let wrong_aid = CommandApdu::new(0, 0xA4, 4, 0x0C).with_data(vec![0xA0, 0, 0, 0, 0x99]);
        assert_eq!(sw(chip, &wrong_aid), 0x6A82);
        // Plain SELECT EF and READ BINARY: security status not satisfied.
        assert_eq!(sw(chip, &select_ef(0x0101)), 0x6982);
        assert_eq!(
            sw(chip, &CommandApdu::new(0, 0xB0, 0, 0).with_ne(4)),
            0x6982
        );
        assert_eq!(
            sw(chip, &CommandApdu::new(0, 0xB0, 0x81, 0).with_ne(4)),
            0x6982
        );
        // Wrong MRZ: 6300 and no session.
        assert_eq!(
            bac(chip, "C03000124", DOB, expiry(&profile)).err(),
            Some(0x6300)
        );
        assert!(!chip.in_secure_session());
        // EXTERNAL AUTHENTICATE without a fresh challenge.
        let t = icao9303::bac::BacTerminal::new(
            icao9303::bac::BacKeys::new([1; 16], [2; 16]),
            [0; 8],
            [0; 8],
            [0; 16],
        );
        assert_eq!(sw(chip, &t.external_authenticate_command()), 0x6985);
        // Unknown instruction and class.
        assert_eq!(sw(chip, &CommandApdu::new(0, 0x20, 0, 0)), 0x6D00);
        assert_eq!(
            sw(chip, &CommandApdu::new(0x80, 0xCA, 0, 0).with_ne(1)),
            0x6E00
        );

        // Personalization after lock: every profile command is refused.
        let aa = pki::ActiveAuthKey::generate().unwrap();
        let files = vec![(0x0101u16, vec![0x55; 20])];
        for cmd in perso_script(&profile, &files, &aa).into_iter().skip(1) {
            assert_eq!(sw(chip, &cmd), 0x6982, "{cmd:?}");
        }
        assert_eq!(sw(chip, &lock_command(&profile)), 0x6982);
        assert_eq!(
            chip.file(0x0101),
            w.files.iter().find(|f| f.0 == 0x0101).map(|f| &f.1[..])
        );
    }
}

#[test]
fn tampered_mac_ends_the_session() {
    let mut w = written("vn-citizen-card");
    let chip = &mut w.chip;
    let mut sm = bac_ok(chip);
    assert_eq!(
        stx(chip, &mut sm, &select_ef(0x0101)).sw,
        StatusWord::SUCCESS
    );
    let mut bad = sm
        .wrap(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(8))
        .unwrap();
    let n = bad.data.len();
    bad.data[n - 1] ^= 1;
    assert_eq!(sw(chip, &bad), 0x6988);
    assert!(!chip.in_secure_session());
    // Honest commands get 6988 (plain) until a new BAC.
    let honest = sm
        .wrap(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(8))
        .unwrap();
    assert_eq!(sw(chip, &honest), 0x6988);
    // Replaying an old SSC after a new BAC also fails.
    let mut sm2 = bac_ok(chip);
    let cmd = sm2.wrap(&select_ef(0x0101)).unwrap();
    assert_eq!(sm2.unwrap(&tx(chip, &cmd)).unwrap().sw, StatusWord::SUCCESS);
    assert_eq!(sw(chip, &cmd), 0x6988);
    // A missing MAC object.
    let mut sm3 = bac_ok(chip);
    let mut no_mac = sm3.wrap(&select_ef(0x0101)).unwrap();
    no_mac.data.truncate(no_mac.data.len() - 10);
    assert_eq!(sw(chip, &no_mac), 0x6988);
    assert!(!chip.in_secure_session());
}

#[test]
fn a_plain_command_ends_secure_messaging() {
    let mut w = written("jmrtd-passport-applet");
    let chip = &mut w.chip;
    let profile = chip.profile().clone();
    let mut sm = bac_ok(chip);
    assert!(chip.in_secure_session());
    assert_eq!(sw(chip, &select_aid(&profile)), 0x9000);
    assert!(!chip.in_secure_session());
    let cmd = sm.wrap(&select_ef(0x0101)).unwrap();
    assert_eq!(sw(chip, &cmd), 0x6988);
    // Reset forgets the session too.
    let _sm = bac_ok(chip);
    chip.reset();
    assert!(!chip.in_secure_session());
}

#[test]
fn personalization_rules_before_lock() {
    for name in PROFILES {
        let profile = Profile::load(name).unwrap();
        let p = &profile.personalization;
        let create = p.create_file.as_ref().unwrap();
        let create_cmd = |fid: u16, size: u16| {
            create
                .build(&vars(&[
                    ("fid", &fid.to_be_bytes()),
                    ("size", &size.to_be_bytes()),
                ]))
                .unwrap()
        };
        let write = |offset: u16, chunk: &[u8]| {
            p.write_binary
                .build(&vars(&[
                    ("offset", &offset.to_be_bytes()),
                    ("chunk", chunk),
                ]))
                .unwrap()
        };
        let mut chip = VirtualChip::blank(profile.clone());
        // Nothing before the application is selected.
        assert_eq!(sw(&mut chip, &create_cmd(0x0101, 16)), 0x6D00);
        assert_eq!(sw(&mut chip, &select_aid(&profile)), 0x9000);
        // Lock needs the BAC seed.
        assert_eq!(sw(&mut chip, &lock_command(&profile)), 0x6985);
        assert_eq!(sw(&mut chip, &create_cmd(0x0101, 16)), 0x9000);
        // CREATE FILE selects the new file.
        assert_eq!(sw(&mut chip, &write(0, b"hello")), 0x9000);
        assert_eq!(sw(&mut chip, &write(14, b"xyz")), 0x6A84);
        assert_eq!(sw(&mut chip, &write(17, b"x")), 0x6B00);
        assert_eq!(sw(&mut chip, &write(11, b"world")), 0x9000);
        assert_eq!(chip.file(0x0101).unwrap(), b"hello\0\0\0\0\0\0world");
        // Existing, same size: 6A89, data kept; select and overwrite works.
        assert_eq!(sw(&mut chip, &create_cmd(0x0101, 16)), 0x6A89);
        assert_eq!(&chip.file(0x0101).unwrap()[..5], b"hello");
        let select = p.select_file.build(&vars(&[("fid", &[1, 1])])).unwrap();
        assert_eq!(sw(&mut chip, &select), 0x9000);
        assert_eq!(sw(&mut chip, &write(0, b"HELLO")), 0x9000);
        // Plain read in the factory state.
        let r = tx(&mut chip, &CommandApdu::new(0, 0xB0, 0, 0).with_ne(5));
        assert_eq!(r.data, b"HELLO");
        // Existing with another size: re-created.
        assert_eq!(sw(&mut chip, &create_cmd(0x0101, 8)), 0x9000);
        assert_eq!(chip.file(0x0101).unwrap(), [0u8; 8]);
        // Size limits and unknown files.
        let max = profile.file("DG1").unwrap().max_size as u16;
        assert_eq!(sw(&mut chip, &create_cmd(0x011E, 0)), 0x6A80);
        assert_eq!(sw(&mut chip, &create_cmd(0x0101, max + 1)), 0x6A84);
        assert_eq!(sw(&mut chip, &create_cmd(0x0111, 8)), 0x6A80);
        assert_eq!(sw(&mut chip, &select_ef(0x0102)), 0x6A82);
        // A personalization header with data that does not fit its template.
        let mut garbled = create_cmd(0x0101, 8);
        garbled.data.push(0);
        assert_eq!(sw(&mut chip, &garbled), 0x6A80);
        // BAC seed: MRZ characters only, document number up to 9.
        let seed = |doc: &[u8], dob: &[u8], doe: &[u8]| {
            p.bac_seed
                .build(&vars(&[
                    ("document_number", doc),
                    ("date_of_birth", dob),
                    ("date_of_expiry", doe),
                ]))
                .unwrap()
        };
        assert_eq!(
            sw(&mut chip, &seed(b"c0300012", b"900115", b"300115")),
            0x6A80
        );
        assert_eq!(
            sw(&mut chip, &seed(b"C030001234", b"900115", b"300115")),
            0x6A80
        );
        assert_eq!(sw(&mut chip, &seed(b"", b"900115", b"300115")), 0x6A80);
        assert!(!chip.has_bac_seed());
        // AA key: the two halves must belong together.
        let (a, b) = (
            pki::ActiveAuthKey::generate().unwrap(),
            pki::ActiveAuthKey::generate().unwrap(),
        );
        let aa_cmd = p.aa_private_key.as_ref().unwrap();
        let mismatched = aa_cmd
            .build(&vars(&[
                ("aa_private_key", a.private_scalar().as_ref()),
                ("aa_public_key", &b.public_point()),
            ]))
            .unwrap();
        assert_eq!(sw(&mut chip, &mismatched), 0x6A80);
        assert!(!chip.has_aa_key());
        // INTERNAL AUTHENTICATE without a key.
        let ia = CommandApdu::new(0, 0x88, 0, 0)
            .with_data(vec![0; 8])
            .with_ne(256);
        assert_eq!(sw(&mut chip, &ia), 0x6985);
        assert_eq!(
            sw(&mut chip, &seed(DOC.as_bytes(), b"900115", b"<<<<<<")),
            0x9000
        );
        assert_eq!(sw(&mut chip, &lock_command(&profile)), 0x9000);
        assert!(chip.is_locked());
        // "<<<<<<" as expiry works for BAC.
        bac(&mut chip, DOC, DOB, "<<<<<<").unwrap();
    }
}

#[test]
fn rerunning_personalization_on_an_unlocked_card_works() {
    let profile = Profile::load("vn-citizen-card").unwrap();
    let aa = pki::ActiveAuthKey::generate().unwrap();
    let files = contents(&profile, &aa);
    let mut chip = VirtualChip::blank(profile.clone());
    // First attempt stops half way.
    let script = perso_script(&profile, &files, &aa);
    for cmd in &script[..script.len() / 2] {
        assert_eq!(sw(&mut chip, cmd), 0x9000);
    }
    chip.reset();
    // Second run: CREATE FILE of existing files answers 6A89, the rest succeeds.
    for cmd in &script {
        let s = sw(&mut chip, cmd);
        assert!(
            s == 0x9000 || (s == 0x6A89 && cmd.ins == 0xE0),
            "{cmd:?} {s:04X}"
        );
    }
    assert_eq!(sw(&mut chip, &lock_command(&profile)), 0x9000);
    for (fid, data) in &files {
        assert_eq!(chip.file(*fid).unwrap(), &data[..]);
    }
}

#[test]
fn files_with_access_never_are_not_readable() {
    let text = profiles::BUILTIN
        .iter()
        .find(|(n, _)| *n == "vn-citizen-card")
        .unwrap()
        .1;
    let text = text.replacen(
        "name = \"DG3\"\nfid = \"0103\"\nmax_size = 30000\nread = \"bac\"",
        "name = \"DG3\"\nfid = \"0103\"\nmax_size = 30000\nread = \"never\"",
        1,
    );
    let text = text.replacen(
        "name = \"EF.COM\"\nfid = \"011E\"\nmax_size = 64\nread = \"bac\"",
        "name = \"EF.COM\"\nfid = \"011E\"\nmax_size = 64\nread = \"always\"",
        1,
    );
    let profile = Profile::from_toml(&text).unwrap();
    let aa = pki::ActiveAuthKey::generate().unwrap();
    let files = contents(&profile, &aa);
    let mut chip = VirtualChip::blank(profile.clone());
    for cmd in perso_script(&profile, &files, &aa) {
        assert_eq!(sw(&mut chip, &cmd), 0x9000);
    }
    // Before lock: "never" is already unreadable.
    assert_eq!(sw(&mut chip, &select_ef(0x0103)), 0x9000);
    assert_eq!(
        sw(&mut chip, &CommandApdu::new(0, 0xB0, 0, 0).with_ne(4)),
        0x6982
    );
    assert_eq!(sw(&mut chip, &lock_command(&profile)), 0x9000);
    let mut sm = bac_ok(&mut chip);
    assert_eq!(
        stx(&mut chip, &mut sm, &select_ef(0x0103)).sw,
        StatusWord::SUCCESS
    );
    let r = stx(
        &mut chip,
        &mut sm,
        &CommandApdu::new(0, 0xB0, 0, 0).with_ne(4),
    );
    assert_eq!(r.sw, StatusWord(0x6982));
    // "always": plain after lock.
    assert_eq!(sw(&mut chip, &select_aid(&profile)), 0x9000);
    assert_eq!(sw(&mut chip, &select_ef(0x011E)), 0x9000);
    let r = tx(&mut chip, &CommandApdu::new(0, 0xB0, 0, 0).with_ne(4));
    assert_eq!(r.data, files.iter().find(|f| f.0 == 0x011E).unwrap().1[..4]);
    assert_eq!(sw(&mut chip, &select_ef(0x0101)), 0x6982);
}

#[test]
fn get_challenge_answers_eight_fresh_bytes() {
    let mut w = written("jmrtd-passport-applet");
    let profile = w.chip.profile().clone();
    assert_eq!(sw(&mut w.chip, &select_aid(&profile)), 0x9000);
    let a = tx(&mut w.chip, &icao9303::bac::get_challenge_command());
    let b = tx(&mut w.chip, &icao9303::bac::get_challenge_command());
    assert_eq!((a.data.len(), a.sw), (8, StatusWord::SUCCESS));
    assert_ne!(a.data, b.data);
    assert_eq!(
        sw(&mut w.chip, &CommandApdu::new(0, 0x84, 0, 0).with_ne(16)),
        0x6700
    );
    assert_eq!(
        sw(&mut w.chip, &CommandApdu::new(0, 0x84, 1, 0).with_ne(8)),
        0x6A86
    );
}

#[test]
fn tampering_with_a_file_after_signing_is_visible_to_the_reader() {
    let mut w = written("vn-citizen-card");
    let mut dg13 = w.chip.file(0x010D).unwrap().to_vec();
    dg13[0] ^= 0xFF;
    w.chip.set_file(0x010D, dg13.clone());
    let mut sm = bac_ok(&mut w.chip);
    let (data, _) = sm_read(&mut w.chip, &mut sm, 0x010D, dg13.len(), 256);
    assert_eq!(data, dg13);
    let _ = Vars::new();
}
