//! The chip: state, and the command processing of both life phases.

use icao9303::bac::{BacCard, BacKeys};
use icao9303::mrz::bac_mrz_information;
use icao9303::sm::{max_plain_response, CardSecureMessaging};
use iso7816::{CommandApdu, ResponseApdu, StatusWord};
use profiles::{Access, Command, Profile, Vars};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// Longest APDU a reader can send: header, extended Lc (3), 65535 data bytes, extended Le (2).
const MAX_APDU_LEN: usize = 4 + 3 + iso7816::apdu::EXTENDED_MAX_NC + 2;

const SW_OK: u16 = 0x9000;
const SW_AUTH_FAILED: u16 = 0x6300;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_SECURITY: u16 = 0x6982;
const SW_CONDITIONS: u16 = 0x6985;
const SW_NO_CURRENT_EF: u16 = 0x6986;
const SW_SM_INCORRECT: u16 = 0x6988;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_NO_MEMORY: u16 = 0x6A84;
const SW_INCORRECT_P1P2: u16 = 0x6A86;
const SW_FILE_EXISTS: u16 = 0x6A89;
const SW_WRONG_P1P2: u16 = 0x6B00;
const SW_INS: u16 = 0x6D00;
const SW_CLA: u16 = 0x6E00;
const SW_UNKNOWN: u16 = 0x6F00;

fn status(sw: u16) -> ResponseApdu {
    ResponseApdu::status(StatusWord(sw))
}

fn ok(data: Vec<u8>) -> ResponseApdu {
    ResponseApdu::new(data, StatusWord(SW_OK))
}

pub(crate) fn random<const N: usize>() -> Option<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).ok()?;
    Some(out)
}

/// The inputs of the BAC key seed, as MRZ ASCII (ICAO 9303-11 §9.7.2): the chip adds the
/// check digits itself, as the JMRTD applet does.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct BacSeed {
    pub(crate) document_number: String,
    pub(crate) date_of_birth: String,
    /// "<<<<<<" for a card without expiry.
    pub(crate) date_of_expiry: String,
}

impl BacSeed {
    /// Accepts only what yields valid MRZ information (A–Z, 0–9, '<'; lengths 1..=9, 6, 6).
    pub(crate) fn new(doc: &[u8], dob: &[u8], doe: &[u8]) -> Option<BacSeed> {
        let text = |b: &[u8]| {
            (b.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'<'))
            .then(|| String::from_utf8(b.to_vec()).ok())
            .flatten()
        };
        let seed = BacSeed {
            document_number: text(doc)?,
            date_of_birth: text(dob)?,
            date_of_expiry: text(doe)?,
        };
        if seed.document_number.is_empty() {
            return None;
        }
        seed.keys().map(|_| seed)
    }

    pub(crate) fn keys(&self) -> Option<BacKeys> {
        let info = bac_mrz_information(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
        .ok()?;
        Some(BacKeys::from_mrz_information(&info))
    }
}

impl fmt::Debug for BacSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacSeed(..)")
    }
}

/// The Active Authentication key pair (ECDSA P-256) the chip signs challenges with.
#[derive(Clone)]
pub(crate) struct AaKey {
    pub(crate) private: Zeroizing<[u8; 32]>,
    pub(crate) public: [u8; 65],
}

impl AaKey {
    /// Accepts the pair only if the public point belongs to the private scalar.
    pub(crate) fn new(private: &[u8], public: &[u8]) -> Option<AaKey> {
        let private: [u8; 32] = private.try_into().ok()?;
        let public: [u8; 65] = public.try_into().ok()?;
        ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &private,
            &public,
            &SystemRandom::new(),
        )
        .ok()?;
        Some(AaKey {
            private: Zeroizing::new(private),
            public,
        })
    }

    pub(crate) fn generate() -> Option<AaKey> {
        let k = pki::ActiveAuthKey::generate().ok()?;
        Some(AaKey {
            private: k.private_scalar(),
            public: k.public_point(),
        })
    }
}

/// What a power cycle forgets.
#[derive(Default)]
struct Session {
    /// The LDS1 application is selected (ICAO 9303-10 §3.1: required before any file access).
    app_selected: bool,
    current_ef: Option<u16>,
    /// RND.IC of the last GET CHALLENGE; used up by EXTERNAL AUTHENTICATE.
    challenge: Option<[u8; 8]>,
    sm: Option<CardSecureMessaging>,
}

/// A contactless ID chip running one firmware profile. See the crate docs.
pub struct VirtualChip {
    pub(crate) profile: Profile,
    /// File id → contents; the length is the size given to CREATE FILE.
    pub(crate) files: BTreeMap<u16, Vec<u8>>,
    pub(crate) locked: bool,
    pub(crate) seed: Option<BacSeed>,
    pub(crate) aa: Option<AaKey>,
    session: Session,
    revision: u64,
}

impl fmt::Debug for VirtualChip {
    // No file contents or keys: they are personal data and secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualChip")
            .field("profile", &self.profile.name)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("locked", &self.locked)
            .field("bac_seed", &self.seed.is_some())
            .field("aa_key", &self.aa.is_some())
            .finish()
    }
}

/// How a command arrived: in plain, or unwrapped from secure messaging.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Channel {
    Plain,
    Secure,
}

impl VirtualChip {
    /// A chip fresh from the factory. A profile without a CREATE FILE command describes a
    /// card OS whose files are pre-created: they exist from the start at their max_size.
    pub fn blank(profile: Profile) -> Self {
        let files = if profile.personalization.create_file.is_none() {
            profile
                .files
                .iter()
                .map(|f| (f.fid, vec![0u8; f.max_size]))
                .collect()
        } else {
            BTreeMap::new()
        };
        Self::assemble(profile, files, false, None, None)
    }

    pub(crate) fn assemble(
        profile: Profile,
        files: BTreeMap<u16, Vec<u8>>,
        locked: bool,
        seed: Option<BacSeed>,
        aa: Option<AaKey>,
    ) -> Self {
        VirtualChip {
            profile,
            files,
            locked,
            seed,
            aa,
            session: Session::default(),
            revision: 0,
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn atr(&self) -> Vec<u8> {
        self.profile.atr.clone()
    }

    /// Power cycle or warm reset: forgets the selection, the challenge and the SM session.
    pub fn reset(&mut self) {
        self.session = Session::default();
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// Whether the BAC key seed has been written.
    pub fn has_bac_seed(&self) -> bool {
        self.seed.is_some()
    }

    /// Whether an Active Authentication key is on the chip.
    pub fn has_aa_key(&self) -> bool {
        self.aa.is_some()
    }

    /// The public point (65 bytes, uncompressed P-256) of the chip's AA key, if any.
    pub fn aa_public_point(&self) -> Option<[u8; 65]> {
        self.aa.as_ref().map(|k| k.public)
    }

    /// Whether a BAC secure messaging session is open.
    pub fn in_secure_session(&self) -> bool {
        self.session.sm.is_some()
    }

    /// A file's contents as created (its length is the CREATE FILE size).
    pub fn file(&self, fid: u16) -> Option<&[u8]> {
        self.files.get(&fid).map(Vec::as_slice)
    }

    /// File ids present on the chip, ascending.
    pub fn file_ids(&self) -> Vec<u16> {
        self.files.keys().copied().collect()
    }

    /// Replaces (or creates) a file's contents behind the chip's back, as an attacker
    /// rewriting chip memory would: for tests that tamper with a written card. Nothing is
    /// checked here; but a card file only reloads ([`VirtualChip::from_bytes`]) if every
    /// file is one of the profile's and within its max_size.
    pub fn set_file(&mut self, fid: u16, bytes: Vec<u8>) {
        self.files.insert(fid, bytes);
        self.revision += 1;
    }

    /// A "cloned" card: same files and BAC seed, but the AA private key could not be read
    /// out, so a fresh random key answers INTERNAL AUTHENTICATE (and fails verification
    /// against DG15). A chip without an AA key clones to one without.
    pub fn clone_without_aa_key(&self) -> VirtualChip {
        let aa = if self.aa.is_some() {
            AaKey::generate()
        } else {
            None
        };
        Self::assemble(
            self.profile.clone(),
            self.files.clone(),
            self.locked,
            self.seed.clone(),
            aa,
        )
    }

    /// Increases whenever persistent state (files, seed, AA key, lock) changes; a host that
    /// persists the card saves when it moves. Not itself persisted.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Processes one command APDU and returns the full response (data, SW1, SW2).
    /// Never panics; allocation is bounded by the input and the profile's file sizes.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.respond(apdu).to_bytes()
    }

    fn respond(&mut self, raw: &[u8]) -> ResponseApdu {
        let cmd = match CommandApdu::parse(raw) {
            Ok(cmd) if raw.len() <= MAX_APDU_LEN => cmd,
            _ => {
                // Anything that is not an ISO 7816 APDU aborts secure messaging.
                self.session.sm = None;
                return status(SW_WRONG_LENGTH);
            }
        };
        // Extended length fields: the first byte after the header is 00 and more follow
        // (cases 2E, 3E, 4E; ISO/IEC 7816-4 §5.1).
        let extended = raw.len() >= 7 && raw[4] == 0;
        if (extended && !self.profile.apdu.extended_length)
            || cmd.data.len() > self.profile.apdu.max_command_data
        {
            self.session.sm = None;
            return status(SW_WRONG_LENGTH);
        }
        // Interindustry class only, basic logical channel, no chaining (7816-4 §5.4.1).
        if cmd.cla & 0xF3 != 0 {
            self.session.sm = None;
            return status(SW_CLA);
        }
        if cmd.cla & 0x0C != 0 {
            return self.protected(&cmd);
        }
        // A plain command ends secure messaging (ICAO 9303-11 §9.8.4).
        self.session.sm = None;
        self.plain(&cmd)
    }

    /// A command under secure messaging: unwrap, process, wrap.
    fn protected(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(sm) = self.session.sm.as_mut() else {
            return status(SW_SM_INCORRECT);
        };
        let inner = match sm.unwrap_command(cmd) {
            Ok(inner) => inner,
            Err(_) => {
                // Wrong MAC, counter or data objects: the session is over (9303-11 §9.8.4).
                self.session.sm = None;
                return status(SW_SM_INCORRECT);
            }
        };
        let answer = self.secured(&inner);
        match self.session.sm.as_mut() {
            Some(sm) => sm.wrap_response(&answer),
            None => answer,
        }
    }

    fn secured(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.ins == 0xA4 && cmd.p1 == 0x04 {
            return self.select_application(cmd);
        }
        if !self.session.app_selected {
            return status(SW_INS);
        }
        match cmd.ins {
            0xA4 => self.select_ef(cmd, Channel::Secure),
            0xB0 => self.read_binary(cmd, Channel::Secure),
            0x88 => self.internal_authenticate(cmd),
            // BAC is not repeated inside its own session.
            0x84 | 0x82 => status(SW_CONDITIONS),
            _ if self.personalization_header(cmd) => status(SW_SECURITY),
            _ => status(SW_INS),
        }
    }

    fn plain(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.ins == 0xA4 && cmd.p1 == 0x04 {
            return self.select_application(cmd);
        }
        if !self.session.app_selected {
            // Without the LDS1 application selected, the card's default application answers:
            // it knows no file of ours and none of these instructions.
            return status(if cmd.ins == 0xA4 {
                SW_NOT_FOUND
            } else {
                SW_INS
            });
        }
        if !self.locked {
            if let Some(r) = self.personalize(cmd) {
                return r;
            }
        }
        match cmd.ins {
            0xA4 => self.select_ef(cmd, Channel::Plain),
            0xB0 => self.read_binary(cmd, Channel::Plain),
            0x84 => self.get_challenge(cmd),
            0x82 => self.external_authenticate(cmd),
            // After locking, AA only inside BAC; in the factory state it may be tried plain.
            0x88 if self.locked => status(SW_SECURITY),
            0x88 => self.internal_authenticate(cmd),
            _ if self.locked && self.personalization_header(cmd) => status(SW_SECURITY),
            _ => status(SW_INS),
        }
    }

    /// Whether the command's header is one of the profile's personalization commands.
    fn personalization_header(&self, cmd: &CommandApdu) -> bool {
        let p = &self.profile.personalization;
        [
            p.create_file.as_ref(),
            Some(&p.select_file),
            Some(&p.write_binary),
            Some(&p.bac_seed),
            p.aa_private_key.as_ref(),
            Some(&p.lock),
        ]
        .into_iter()
        .flatten()
        .any(|c| header_matches(c, cmd))
    }

    /// The personalization phase: the profile's commands, matched by template. `None` when
    /// the command is none of them.
    fn personalize(&mut self, cmd: &CommandApdu) -> Option<ResponseApdu> {
        enum Perso {
            Create,
            Select,
            Write,
            Seed,
            AaKey,
            Lock,
        }
        let p = &self.profile.personalization;
        let table = [
            (p.create_file.as_ref(), Perso::Create),
            (Some(&p.select_file), Perso::Select),
            (Some(&p.write_binary), Perso::Write),
            (Some(&p.bac_seed), Perso::Seed),
            (p.aa_private_key.as_ref(), Perso::AaKey),
            (Some(&p.lock), Perso::Lock),
        ];
        let mut header_only = false;
        let mut found = None;
        for (command, what) in table {
            let Some(command) = command else { continue };
            match command.matches(cmd) {
                Some(vars) => {
                    found = Some((what, vars));
                    break;
                }
                None => header_only |= header_matches(command, cmd),
            }
        }
        if let Some((what, vars)) = found {
            return Some(match what {
                Perso::Create => self.create_file(&vars),
                Perso::Select => match var_u32(&vars, "fid") {
                    Some(fid) if fid <= 0xFFFF => self.select_fid(fid as u16, Channel::Plain),
                    _ => status(SW_WRONG_DATA),
                },
                Perso::Write => self.update_binary(&vars),
                Perso::Seed => self.put_bac_seed(&vars),
                Perso::AaKey => self.put_aa_key(&vars),
                Perso::Lock => self.lock(),
            });
        }
        // A personalization command whose data does not fit its template.
        header_only.then(|| status(SW_WRONG_DATA))
    }

    fn create_file(&mut self, vars: &Vars) -> ResponseApdu {
        let (Some(fid), Some(size)) = (var_u32(vars, "fid"), var_u32(vars, "size")) else {
            return status(SW_WRONG_DATA);
        };
        let Some(spec) = u16::try_from(fid)
            .ok()
            .and_then(|fid| self.profile.file_by_fid(fid))
        else {
            return status(SW_WRONG_DATA);
        };
        let (fid, size) = (spec.fid, size as usize);
        if size == 0 {
            return status(SW_WRONG_DATA);
        }
        if size > spec.max_size {
            return status(SW_NO_MEMORY);
        }
        if let Some(existing) = self.files.get(&fid) {
            if existing.len() == size {
                // Kept as it is; the terminal selects it and overwrites.
                return status(SW_FILE_EXISTS);
            }
        }
        // New, or re-created with another size (only before locking): a fresh, zeroed EF
        // that becomes the current file (ISO/IEC 7816-9 §6.1).
        self.files.insert(fid, vec![0u8; size]);
        self.session.current_ef = Some(fid);
        self.revision += 1;
        ok(Vec::new())
    }

    fn update_binary(&mut self, vars: &Vars) -> ResponseApdu {
        let (Some(offset), Some(chunk)) = (var_u32(vars, "offset"), vars.get("chunk")) else {
            return status(SW_WRONG_DATA);
        };
        let Some(fid) = self.session.current_ef else {
            return status(SW_NO_CURRENT_EF);
        };
        let Some(file) = self.files.get_mut(&fid) else {
            return status(SW_NO_CURRENT_EF);
        };
        let offset = offset as usize;
        if offset > file.len() {
            return status(SW_WRONG_P1P2);
        }
        if chunk.len() > file.len() - offset {
            return status(SW_NO_MEMORY);
        }
        file[offset..offset + chunk.len()].copy_from_slice(chunk);
        self.revision += 1;
        ok(Vec::new())
    }

    fn put_bac_seed(&mut self, vars: &Vars) -> ResponseApdu {
        let get = |k: &str| vars.get(k).map(Vec::as_slice);
        let Some(seed) = (|| {
            BacSeed::new(
                get("document_number")?,
                get("date_of_birth")?,
                get("date_of_expiry")?,
            )
        })() else {
            return status(SW_WRONG_DATA);
        };
        self.seed = Some(seed);
        self.revision += 1;
        ok(Vec::new())
    }

    fn put_aa_key(&mut self, vars: &Vars) -> ResponseApdu {
        let key = match (vars.get("aa_private_key"), vars.get("aa_public_key")) {
            (Some(d), Some(q)) => AaKey::new(d, q),
            _ => None,
        };
        match key {
            Some(key) => {
                self.aa = Some(key);
                self.revision += 1;
                ok(Vec::new())
            }
            None => status(SW_WRONG_DATA),
        }
    }

    fn lock(&mut self) -> ResponseApdu {
        if self.seed.is_none() {
            return status(SW_CONDITIONS);
        }
        self.locked = true;
        self.session.current_ef = None;
        self.session.challenge = None;
        self.revision += 1;
        ok(Vec::new())
    }

    fn select_application(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        // P2: 00 first occurrence with FCI, 0C no response data; FCI is not returned.
        if !matches!(cmd.p2, 0x00 | 0x04 | 0x0C) {
            return status(SW_INCORRECT_P1P2);
        }
        if cmd.data != self.profile.aid {
            // Java Card keeps the current selection when the AID is unknown.
            return status(SW_NOT_FOUND);
        }
        self.session.app_selected = true;
        self.session.current_ef = None;
        ok(Vec::new())
    }

    fn select_ef(&mut self, cmd: &CommandApdu, channel: Channel) -> ResponseApdu {
        if !matches!(cmd.p1, 0x00 | 0x02) || !matches!(cmd.p2, 0x00 | 0x04 | 0x0C) {
            return status(SW_INCORRECT_P1P2);
        }
        let Ok(fid) = <[u8; 2]>::try_from(cmd.data.as_slice()) else {
            return status(SW_WRONG_LENGTH);
        };
        self.select_fid(u16::from_be_bytes(fid), channel)
    }

    fn select_fid(&mut self, fid: u16, channel: Channel) -> ResponseApdu {
        if self.locked && channel == Channel::Plain && self.access(fid) != Some(Access::Always) {
            return status(SW_SECURITY);
        }
        if !self.files.contains_key(&fid) {
            return status(SW_NOT_FOUND);
        }
        self.session.current_ef = Some(fid);
        ok(Vec::new())
    }

    fn access(&self, fid: u16) -> Option<Access> {
        self.profile.file_by_fid(fid).map(|f| f.read)
    }

    /// READ BINARY, even INS (ISO/IEC 7816-4 §11.2.3): P1 bit 8 set → short EF identifier in
    /// bits 1–5 and offset P2; else a 15-bit offset in P1-P2 into the current EF.
    fn read_binary(&mut self, cmd: &CommandApdu, channel: Channel) -> ResponseApdu {
        let (target, offset) = if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return status(SW_INCORRECT_P1P2);
            }
            let sfi = cmd.p1 & 0x1F;
            // ICAO 9303-10 Table 39: the short EF identifier is the file id's low byte.
            let fid = self
                .profile
                .files
                .iter()
                .find(|f| sfi != 0 && f.fid & 0xFF == sfi as u16)
                .map(|f| f.fid);
            (fid, cmd.p2 as usize)
        } else {
            (
                self.session.current_ef,
                (((cmd.p1 & 0x7F) as usize) << 8) | cmd.p2 as usize,
            )
        };
        let access = target.and_then(|fid| self.access(fid));
        if self.locked && channel == Channel::Plain && access != Some(Access::Always) {
            return status(SW_SECURITY);
        }
        let Some(fid) = target else {
            return status(if cmd.p1 & 0x80 != 0 {
                SW_NOT_FOUND
            } else {
                SW_NO_CURRENT_EF
            });
        };
        if access == Some(Access::Never) {
            return status(SW_SECURITY);
        }
        let Some(file) = self.files.get(&fid) else {
            return status(SW_NOT_FOUND);
        };
        let Some(ne) = cmd.ne else {
            return status(SW_WRONG_LENGTH);
        };
        if offset >= file.len() {
            return status(SW_WRONG_P1P2);
        }
        let limit = match channel {
            Channel::Plain => self.profile.apdu.max_response_data,
            Channel::Secure => max_plain_response(self.profile.apdu.max_response_data),
        };
        // Fewer bytes than Ne at the end of the file: 9000 with what there is, as the JMRTD
        // applet answers (no 6282 warning).
        let n = ne.min(limit).min(file.len() - offset);
        let data = file[offset..offset + n].to_vec();
        self.session.current_ef = Some(fid);
        ok(data)
    }

    fn get_challenge(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return status(SW_INCORRECT_P1P2);
        }
        if cmd.ne != Some(8) || !cmd.data.is_empty() {
            return status(SW_WRONG_LENGTH);
        }
        let Some(rnd) = random::<8>() else {
            return status(SW_UNKNOWN);
        };
        self.session.challenge = Some(rnd);
        ok(rnd.to_vec())
    }

    /// BAC mutual authentication (ICAO 9303-11 §4.3.4.2); success opens secure messaging.
    fn external_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return status(SW_INCORRECT_P1P2);
        }
        let challenge = self.session.challenge.take();
        let (Some(rnd_ic), Some(keys)) = (challenge, self.seed.as_ref().and_then(BacSeed::keys))
        else {
            return status(SW_CONDITIONS);
        };
        if cmd.data.len() != 40 {
            return status(SW_WRONG_LENGTH);
        }
        let Some(k_ic) = random::<16>() else {
            return status(SW_UNKNOWN);
        };
        match BacCard::new(keys, rnd_ic, k_ic).respond(&cmd.data) {
            Ok((answer, session_keys)) => {
                self.session.sm = Some(CardSecureMessaging::new(session_keys));
                ok(answer)
            }
            Err(_) => status(SW_AUTH_FAILED),
        }
    }

    /// Active Authentication (ICAO 9303-11 §6.1): ECDSA over the 8-byte challenge, r || s.
    fn internal_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return status(SW_INCORRECT_P1P2);
        }
        if cmd.data.len() != 8 {
            return status(SW_WRONG_LENGTH);
        }
        let Some(key) = &self.aa else {
            return status(SW_CONDITIONS);
        };
        match pki::aa_sign(&key.private, &key.public, &cmd.data) {
            Ok(sig) => ok(sig),
            Err(_) => status(SW_UNKNOWN),
        }
    }
}

fn header_matches(c: &Command, cmd: &CommandApdu) -> bool {
    c.header
        .match_bytes(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2])
        .is_ok()
}

/// A big-endian number variable of 1 to 4 bytes.
fn var_u32(vars: &Vars, name: &str) -> Option<u32> {
    let v = vars.get(name)?;
    if v.is_empty() || v.len() > 4 {
        return None;
    }
    Some(v.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32))
}
