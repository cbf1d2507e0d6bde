//! A written card on disk: the chip's non-volatile memory, so a card can be re-inserted later.
//!
//! ```text
//! "IDSVCHIP" version(1)=1
//! profile name      u8 length, ASCII
//! flags             u8: bit 0 locked, bit 1 BAC seed present, bit 2 AA key present
//! [BAC seed]        3 × (u8 length, MRZ ASCII): document number, birth, expiry
//! [AA key]          32-byte private scalar, 65-byte uncompressed public point
//! file count        u16 BE; then per file: fid u16 BE, size u32 BE, size bytes
//! SHA-256           of everything above
//! ```
//!
//! The file is untrusted on load: the checksum only catches accidents, and every field is
//! validated as the chip would validate the personalization command that wrote it (profile
//! files and sizes, MRZ characters, key pair consistency, lock only with a seed). The file
//! holds personal data and the AA private key: it is written with mode 0600.

use crate::chip::{AaKey, BacSeed, VirtualChip};
use profiles::Profile;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"IDSVCHIP";
const VERSION: u8 = 1;
const HASH_LEN: usize = 32;
/// No valid card file comes near this: the largest profile files sum to well under 1 MiB.
const MAX_CARD_FILE: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum VchipError {
    #[error("cannot read the card file: {0}")]
    Io(#[from] io::Error),
    #[error("not a virtual card file (bad magic or version)")]
    NotACardFile,
    #[error("the card file is damaged: {0}")]
    Corrupt(String),
    #[error("the card file is for firmware profile {card:?}, not {expected:?}")]
    ProfileMismatch { card: String, expected: String },
    #[error("the card file names firmware profile {0:?}, which is not built in")]
    UnknownProfile(String),
}

fn corrupt(what: impl Into<String>) -> VchipError {
    VchipError::Corrupt(what.into())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], VchipError> {
        let (head, rest) = self
            .bytes
            .split_at_checked(n)
            .ok_or_else(|| corrupt(format!("truncated in {what}")))?;
        self.bytes = rest;
        Ok(head)
    }
    fn u8(&mut self, what: &str) -> Result<u8, VchipError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, VchipError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, VchipError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn short(&mut self, what: &str) -> Result<&'a [u8], VchipError> {
        let n = self.u8(what)? as usize;
        self.take(n, what)
    }
}

fn sha256(bytes: &[u8]) -> ring::digest::Digest {
    ring::digest::digest(&ring::digest::SHA256, bytes)
}

/// Splits off and checks the trailer; returns the body and the profile name it names.
fn open(bytes: &[u8]) -> Result<(&[u8], String), VchipError> {
    if bytes.len() < MAGIC.len() + 1 || &bytes[..MAGIC.len()] != MAGIC || bytes[8] != VERSION {
        return Err(VchipError::NotACardFile);
    }
    let (body, hash) = bytes
        .split_at_checked(bytes.len().saturating_sub(HASH_LEN))
        .filter(|(b, _)| b.len() > MAGIC.len())
        .ok_or_else(|| corrupt("too short"))?;
    if sha256(body).as_ref() != hash {
        return Err(corrupt("checksum mismatch"));
    }
    let mut r = Reader {
        bytes: &body[MAGIC.len() + 1..],
    };
    let name = r.short("profile name")?;
    let name = std::str::from_utf8(name)
        .ok()
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| corrupt("profile name"))?;
    Ok((body, name.to_string()))
}

impl VirtualChip {
    /// The persisted card (see the module docs for the layout). Session state is not kept:
    /// a reloaded card starts as after a power cycle.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(128 + self.files.values().map(|f| f.len() + 6).sum::<usize>());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        // Profile names are validated TOML strings; a name longer than 255 bytes is cut,
        // which a reload then reports as a profile mismatch.
        let name = self.profile.name.as_bytes();
        let name = &name[..name.len().min(255)];
        out.push(name.len() as u8);
        out.extend_from_slice(name);
        let flags = u8::from(self.locked)
            | (u8::from(self.seed.is_some()) << 1)
            | (u8::from(self.aa.is_some()) << 2);
        out.push(flags);
        if let Some(seed) = &self.seed {
            for field in [
                &seed.document_number,
                &seed.date_of_birth,
                &seed.date_of_expiry,
            ] {
                // Validated on the way in: at most 9 ASCII characters.
                out.push(field.len() as u8);
                out.extend_from_slice(field.as_bytes());
            }
        }
        if let Some(aa) = &self.aa {
            out.extend_from_slice(aa.private.as_ref());
            out.extend_from_slice(&aa.public);
        }
        out.extend_from_slice(&(self.files.len().min(0xFFFF) as u16).to_be_bytes());
        for (fid, data) in self.files.iter().take(0xFFFF) {
            out.extend_from_slice(&fid.to_be_bytes());
            out.extend_from_slice(&(data.len().min(u32::MAX as usize) as u32).to_be_bytes());
            out.extend_from_slice(&data[..data.len().min(u32::MAX as usize)]);
        }
        let hash = sha256(&out);
        out.extend_from_slice(hash.as_ref());
        out
    }

    /// The firmware profile a card file names, without loading the rest.
    pub fn profile_name_of(bytes: &[u8]) -> Result<String, VchipError> {
        open(bytes).map(|(_, name)| name)
    }

    /// Loads a card file written for one of the built-in profiles.
    pub fn from_bytes(bytes: &[u8]) -> Result<VirtualChip, VchipError> {
        let name = Self::profile_name_of(bytes)?;
        let profile = match profiles::BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Profile::from_toml(text).map_err(|e| corrupt(e.to_string()))?,
            None => return Err(VchipError::UnknownProfile(name)),
        };
        Self::from_bytes_with_profile(bytes, profile)
    }

    /// Loads a card file for the given profile (built in or from a TOML file); the file must
    /// name the same profile.
    pub fn from_bytes_with_profile(
        bytes: &[u8],
        profile: Profile,
    ) -> Result<VirtualChip, VchipError> {
        let (body, name) = open(bytes)?;
        if name != profile.name {
            return Err(VchipError::ProfileMismatch {
                card: name,
                expected: profile.name,
            });
        }
        let mut r = Reader {
            bytes: &body[MAGIC.len() + 1..],
        };
        r.short("profile name")?;
        let flags = r.u8("flags")?;
        if flags & !0x07 != 0 {
            return Err(corrupt("unknown flags"));
        }
        let locked = flags & 1 != 0;
        let seed = if flags & 2 != 0 {
            let doc = r.short("BAC seed")?;
            let dob = r.short("BAC seed")?;
            let doe = r.short("BAC seed")?;
            Some(BacSeed::new(doc, dob, doe).ok_or_else(|| corrupt("BAC seed"))?)
        } else {
            None
        };
        if locked && seed.is_none() {
            return Err(corrupt("locked without a BAC seed"));
        }
        let aa = if flags & 4 != 0 {
            let d = r.take(32, "AA key")?;
            let q = r.take(65, "AA key")?;
            Some(AaKey::new(d, q).ok_or_else(|| corrupt("AA key pair"))?)
        } else {
            None
        };
        let count = r.u16("file count")? as usize;
        if count > profile.files.len() {
            return Err(corrupt("more files than the profile has"));
        }
        let mut files = BTreeMap::new();
        for _ in 0..count {
            let fid = r.u16("file id")?;
            let size = r.u32("file size")? as usize;
            let spec = profile
                .file_by_fid(fid)
                .ok_or_else(|| corrupt(format!("file {fid:04X} is not in the profile")))?;
            if size == 0 || size > spec.max_size {
                return Err(corrupt(format!("file {fid:04X} size {size}")));
            }
            let data = r.take(size, "file data")?.to_vec();
            if files.insert(fid, data).is_some() {
                return Err(corrupt(format!("file {fid:04X} twice")));
            }
        }
        if !r.bytes.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(VirtualChip::assemble(profile, files, locked, seed, aa))
    }

    /// Saves atomically: a temporary file beside the target (mode 0600), fsync, rename,
    /// then fsync of the directory, so a crash leaves the old card or the new one.
    pub fn save_to(&self, path: &Path) -> io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let file_name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(format!(".tmp{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let result = (|| {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp)?;
            f.write_all(&self.to_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Reads at most a few MiB: a card file is small, whatever the path points at.
    fn read_card_file(path: &Path) -> Result<Vec<u8>, VchipError> {
        let f = std::fs::File::open(path)?;
        let mut bytes = Vec::new();
        f.take(MAX_CARD_FILE + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_CARD_FILE {
            return Err(corrupt("file too large"));
        }
        Ok(bytes)
    }

    pub fn load_from(path: &Path) -> Result<VirtualChip, VchipError> {
        Self::from_bytes(&Self::read_card_file(path)?)
    }

    pub fn load_from_with_profile(
        path: &Path,
        profile: Profile,
    ) -> Result<VirtualChip, VchipError> {
        Self::from_bytes_with_profile(&Self::read_card_file(path)?, profile)
    }
}
