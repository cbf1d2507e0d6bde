//! Terminal-side helpers: personalization from the profile templates, BAC, SM reads.
#![allow(dead_code)]

use icao9303::bac::{get_challenge_command, BacKeys, BacTerminal};
use icao9303::mrz::bac_mrz_information;
use icao9303::sm::SecureMessaging;
use iso7816::{CommandApdu, ResponseApdu, StatusWord};
use pki::ActiveAuthKey;
use profiles::{Profile, Vars};
use vchip::VirtualChip;

pub const DOC: &str = "C03000123";
pub const DOB: &str = "900115";

pub fn expiry(profile: &Profile) -> &'static str {
    // The Vietnamese card is also issued without expiry (age 60+): exercise "<<<<<<" there.
    if profile.apdu.extended_length {
        "<<<<<<"
    } else {
        "300115"
    }
}

pub fn tx(chip: &mut VirtualChip, cmd: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&chip.process(&cmd.to_bytes().unwrap())).unwrap()
}

pub fn sw(chip: &mut VirtualChip, cmd: &CommandApdu) -> u16 {
    tx(chip, cmd).sw.0
}

pub fn select_aid(profile: &Profile) -> CommandApdu {
    CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(profile.aid.clone())
}

pub fn vars(pairs: &[(&str, &[u8])]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// Test contents for every file of the profile: DG15 is the AA public key, the others
/// patterned bytes; DG2 spans many write chunks.
pub fn contents(profile: &Profile, aa: &ActiveAuthKey) -> Vec<(u16, Vec<u8>)> {
    profile
        .files
        .iter()
        .map(|f| {
            let data = match f.name.as_str() {
                "DG15" => aa.subject_public_key_info_der(),
                "DG2" => (0..9000u32).map(|i| (i * 7 + 3) as u8).collect(),
                "DG3" => vec![0x33; 1200],
                _ => (0..f.max_size.min(100) as u32)
                    .map(|i| (i as u8) ^ (f.fid as u8))
                    .collect(),
            };
            (f.fid, data)
        })
        .collect()
}

pub struct Written {
    pub chip: VirtualChip,
    pub files: Vec<(u16, Vec<u8>)>,
    pub aa: ActiveAuthKey,
}

/// The personalization commands for one card, built from the profile's templates.
pub fn perso_script(
    profile: &Profile,
    files: &[(u16, Vec<u8>)],
    aa: &ActiveAuthKey,
) -> Vec<CommandApdu> {
    let p = &profile.personalization;
    let mut out = vec![select_aid(profile)];
    for (fid, data) in files {
        let fid_b = fid.to_be_bytes();
        let size = (data.len() as u16).to_be_bytes();
        if let Some(create) = &p.create_file {
            out.push(
                create
                    .build(&vars(&[("fid", &fid_b), ("size", &size)]))
                    .unwrap(),
            );
        }
        out.push(p.select_file.build(&vars(&[("fid", &fid_b)])).unwrap());
        for (i, chunk) in data.chunks(profile.write_chunk()).enumerate() {
            let offset = ((i * profile.write_chunk()) as u16).to_be_bytes();
            out.push(
                p.write_binary
                    .build(&vars(&[("offset", &offset), ("chunk", chunk)]))
                    .unwrap(),
            );
        }
    }
    out.push(
        p.bac_seed
            .build(&vars(&[
                ("document_number", DOC.as_bytes()),
                ("date_of_birth", DOB.as_bytes()),
                ("date_of_expiry", expiry(profile).as_bytes()),
            ]))
            .unwrap(),
    );
    if let Some(cmd) = &p.aa_private_key {
        out.push(
            cmd.build(&vars(&[
                ("aa_private_key", aa.private_scalar().as_ref()),
                ("aa_public_key", &aa.public_point()),
            ]))
            .unwrap(),
        );
    }
    out
}

pub fn lock_command(profile: &Profile) -> CommandApdu {
    profile.personalization.lock.build(&Vars::new()).unwrap()
}

/// A chip personalized and locked through its APDUs.
pub fn written(profile_name: &str) -> Written {
    let profile = Profile::load(profile_name).unwrap();
    let aa = ActiveAuthKey::generate().unwrap();
    let files = contents(&profile, &aa);
    let mut chip = VirtualChip::blank(profile.clone());
    for cmd in perso_script(&profile, &files, &aa) {
        assert_eq!(sw(&mut chip, &cmd), 0x9000, "{cmd:?}");
    }
    assert_eq!(sw(&mut chip, &lock_command(&profile)), 0x9000);
    assert!(chip.is_locked());
    Written { chip, files, aa }
}

/// BAC as an inspection system does it; Err carries the chip's status word.
pub fn bac(
    chip: &mut VirtualChip,
    doc: &str,
    dob: &str,
    doe: &str,
) -> Result<SecureMessaging, u16> {
    let profile = chip.profile().clone();
    let r = tx(chip, &select_aid(&profile));
    if r.sw != StatusWord::SUCCESS {
        return Err(r.sw.0);
    }
    let r = tx(chip, &get_challenge_command());
    if r.sw != StatusWord::SUCCESS {
        return Err(r.sw.0);
    }
    let rnd_ic: [u8; 8] = r.data.as_slice().try_into().unwrap();
    let keys = BacKeys::from_mrz_information(&bac_mrz_information(doc, dob, doe).unwrap());
    let t = BacTerminal::new(keys, rnd_ic, [0x78; 8], [0x0B; 16]);
    let r = tx(chip, &t.external_authenticate_command());
    if r.sw != StatusWord::SUCCESS {
        return Err(r.sw.0);
    }
    Ok(SecureMessaging::new(t.complete(&r.data).unwrap()))
}

pub fn bac_ok(chip: &mut VirtualChip) -> SecureMessaging {
    let doe = expiry(chip.profile());
    bac(chip, DOC, DOB, doe).unwrap()
}

/// One command under SM; the unwrapped answer.
pub fn stx(chip: &mut VirtualChip, sm: &mut SecureMessaging, cmd: &CommandApdu) -> ResponseApdu {
    let wrapped = sm.wrap(cmd).unwrap();
    let r = tx(chip, &wrapped);
    sm.unwrap(&r)
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (outer {:?})", r.sw))
}

pub fn select_ef(fid: u16) -> CommandApdu {
    CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec())
}

/// Reads `len` bytes of a file under SM asking for `le` bytes per READ BINARY; returns the
/// data and the sizes of the answers.
pub fn sm_read(
    chip: &mut VirtualChip,
    sm: &mut SecureMessaging,
    fid: u16,
    len: usize,
    le: usize,
) -> (Vec<u8>, Vec<usize>) {
    assert_eq!(stx(chip, sm, &select_ef(fid)).sw, StatusWord::SUCCESS);
    let mut data = Vec::new();
    let mut sizes = Vec::new();
    while data.len() < len {
        let off = data.len();
        let cmd = CommandApdu::new(0x00, 0xB0, (off >> 8) as u8, off as u8).with_ne(le);
        let r = stx(chip, sm, &cmd);
        assert_eq!(r.sw, StatusWord::SUCCESS, "offset {off}");
        assert!(!r.data.is_empty());
        sizes.push(r.data.len());
        data.extend_from_slice(&r.data);
    }
    (data, sizes)
}
