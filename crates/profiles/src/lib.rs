//! Firmware profiles: a chip model described as data (ICAO 9303-10 file layout, APDU limits,
//! access conditions and personalization commands). A new card model with standard commands
//! is a new `firmware-profiles/*.toml` file, not new code.

pub mod template;

use serde::Deserialize;
use std::path::Path;
pub use template::{Template, TemplateError, Vars};

/// Profiles shipped in the repository, compiled in so every binary has them.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "jmrtd-passport-applet",
        include_str!("../../../firmware-profiles/jmrtd-passport-applet.toml"),
    ),
    (
        "vn-citizen-card",
        include_str!("../../../firmware-profiles/vn-citizen-card.toml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown firmware profile {0:?} (built in: jmrtd-passport-applet, vn-citizen-card)")]
    Unknown(String),
    #[error("cannot read profile file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("profile {name}: {message}")]
    Invalid { name: String, message: String },
    #[error("profile TOML: {0}")]
    Toml(#[from] toml::de::Error),
}

/// Who may read a file once the chip is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Plain reads allowed (no secure messaging).
    Always,
    /// Only inside a BAC secure-messaging session (ICAO 9303-11 §4.3).
    Bac,
    /// Never readable from outside (e.g. key files).
    Never,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApduLimits {
    /// Whether the chip accepts extended-length APDUs (ISO/IEC 7816-4 §5.1).
    pub extended_length: bool,
    /// Largest command data field Nc the chip accepts.
    pub max_command_data: usize,
    /// Largest response data (before the status word) the chip returns.
    pub max_response_data: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// "EF.COM", "EF.SOD" or "DGn".
    pub name: String,
    /// File identifier, hex (e.g. "011E").
    #[serde(deserialize_with = "de_fid")]
    pub fid: u16,
    /// Size the chip reserves for the file (CREATE FILE), bytes.
    pub max_size: usize,
    pub read: Access,
}

impl FileSpec {
    /// Data group number for "DGn" files.
    pub fn data_group(&self) -> Option<u8> {
        self.name.strip_prefix("DG").and_then(|n| n.parse().ok())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// CLA INS P1 P2 as a template (e.g. "00 D6 {offset:2}").
    pub header: String,
    /// Command data template; empty for no data.
    #[serde(default)]
    pub data: String,
}

/// A command ready to build or match: header and data templates.
#[derive(Debug, Clone)]
pub struct Command {
    pub header: Template,
    pub data: Template,
}

impl Command {
    fn from_spec(spec: &CommandSpec) -> Result<Self, TemplateError> {
        Ok(Command {
            header: Template::parse(&spec.header)?,
            data: Template::parse(&spec.data)?,
        })
    }

    /// Builds the APDU for these variable values.
    pub fn build(&self, vars: &Vars) -> Result<iso7816::CommandApdu, TemplateError> {
        let h = self.header.build(vars)?;
        let [cla, ins, p1, p2] =
            <[u8; 4]>::try_from(h.as_slice()).map_err(|_| TemplateError::VarLength {
                name: "header".into(),
                expected: 4,
                actual: h.len(),
            })?;
        Ok(iso7816::CommandApdu::new(cla, ins, p1, p2).with_data(self.data.build(vars)?))
    }

    /// Matches a received APDU; the variables of header and data together.
    pub fn matches(&self, cmd: &iso7816::CommandApdu) -> Option<Vars> {
        let mut vars = self
            .header
            .match_bytes(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2])
            .ok()?;
        let data = self.data.match_bytes(&cmd.data).ok()?;
        for (k, v) in data {
            if vars.get(&k).is_some_and(|old| *old != v) {
                return None;
            }
            vars.insert(k, v);
        }
        Some(vars)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonalizationSpec {
    create_file: Option<CommandSpec>,
    select_file: CommandSpec,
    write_binary: CommandSpec,
    bac_seed: CommandSpec,
    aa_private_key: Option<CommandSpec>,
    lock: CommandSpec,
}

/// The personalization command set (before the chip is locked).
#[derive(Debug, Clone)]
pub struct Personalization {
    /// CREATE FILE; variables {fid:2} {size:2}. Absent when files are pre-created.
    pub create_file: Option<Command>,
    /// SELECT EF by file identifier; variable {fid:2}.
    pub select_file: Command,
    /// UPDATE BINARY; variables {offset:2} {chunk}.
    pub write_binary: Command,
    /// BAC key seed; variables {document_number} {date_of_birth:6} {date_of_expiry:6} (MRZ ASCII).
    pub bac_seed: Command,
    /// Active Authentication private key; variables {aa_private_key:32} {aa_public_key:65}.
    pub aa_private_key: Option<Command>,
    /// Locks the chip: from then on only the issued, access-controlled view remains.
    pub lock: Command,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileSpec {
    name: String,
    description: String,
    mrz_format: String,
    #[serde(deserialize_with = "de_hex")]
    aid: Vec<u8>,
    #[serde(deserialize_with = "de_hex")]
    atr: Vec<u8>,
    apdu: ApduLimits,
    /// ISO/IEC 19794-4 finger positions stored in DG3, in order.
    #[serde(default = "default_fingers")]
    fingers_on_chip: Vec<u8>,
    #[serde(default)]
    policy: Option<toml::Table>,
    files: Vec<FileSpec>,
    personalization: PersonalizationSpec,
}

fn default_fingers() -> Vec<u8> {
    vec![2, 7] // right index, left index (ISO/IEC 19794-4 Table 2)
}

/// A validated firmware profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub mrz_format: String,
    pub aid: Vec<u8>,
    pub atr: Vec<u8>,
    pub apdu: ApduLimits,
    pub fingers_on_chip: Vec<u8>,
    /// The `[policy]` table, handed to the citizen record validation.
    pub policy: Option<toml::Table>,
    pub files: Vec<FileSpec>,
    pub personalization: Personalization,
}

impl Profile {
    /// Loads a profile by built-in name, or from a TOML file path.
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Profile::from_toml(text);
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
                path: name_or_path.to_string(),
                source,
            })?;
            return Profile::from_toml(&text);
        }
        Err(ProfileError::Unknown(name_or_path.to_string()))
    }

    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let spec: ProfileSpec = toml::from_str(text)?;
        let name = spec.name.clone();
        let invalid = |message: String| ProfileError::Invalid {
            name: name.clone(),
            message,
        };
        let cmd = |s: &CommandSpec, what: &str| {
            Command::from_spec(s).map_err(|e| ProfileError::Invalid {
                name: name.clone(),
                message: format!("{what}: {e}"),
            })
        };
        let p = &spec.personalization;
        let personalization = Personalization {
            create_file: p
                .create_file
                .as_ref()
                .map(|c| cmd(c, "create_file"))
                .transpose()?,
            select_file: cmd(&p.select_file, "select_file")?,
            write_binary: cmd(&p.write_binary, "write_binary")?,
            bac_seed: cmd(&p.bac_seed, "bac_seed")?,
            aa_private_key: p
                .aa_private_key
                .as_ref()
                .map(|c| cmd(c, "aa_private_key"))
                .transpose()?,
            lock: cmd(&p.lock, "lock")?,
        };
        let limits = &spec.apdu;
        let (nc_cap, ne_cap) = if limits.extended_length {
            (
                iso7816::apdu::EXTENDED_MAX_NC,
                iso7816::apdu::EXTENDED_MAX_NE,
            )
        } else {
            (iso7816::apdu::SHORT_MAX_NC, iso7816::apdu::SHORT_MAX_NE)
        };
        if limits.max_command_data == 0 || limits.max_command_data > nc_cap {
            return Err(invalid(format!("max_command_data must be 1..={nc_cap}")));
        }
        if limits.max_response_data < 64 || limits.max_response_data > ne_cap {
            return Err(invalid(format!("max_response_data must be 64..={ne_cap}")));
        }
        if spec.aid.len() < 5 || spec.aid.len() > 16 {
            return Err(invalid(
                "AID must be 5 to 16 bytes (ISO/IEC 7816-4 §8.2.1.2)".into(),
            ));
        }
        if spec.atr.len() < 2 || spec.atr.len() > 33 {
            return Err(invalid(
                "ATR must be 2 to 33 bytes (ISO/IEC 7816-3 §8.2)".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &spec.files {
            if !seen.insert(f.fid) {
                return Err(invalid(format!("file id {:04X} appears twice", f.fid)));
            }
            // READ BINARY with an even INS addresses at most 15-bit offsets (ISO/IEC 7816-4 §11.2.3).
            if f.max_size == 0 || f.max_size > 0x7FFF {
                return Err(invalid(format!("{}: max_size must be 1..=32767", f.name)));
            }
            let known = f.name == "EF.COM"
                || f.name == "EF.SOD"
                || f.data_group().is_some_and(|n| (1..=16).contains(&n));
            if !known {
                return Err(invalid(format!(
                    "unknown file name {:?} (EF.COM, EF.SOD, DG1..DG16)",
                    f.name
                )));
            }
        }
        for required in ["EF.COM", "EF.SOD", "DG1"] {
            if !spec.files.iter().any(|f| f.name == required) {
                return Err(invalid(format!("{required} is required")));
            }
        }
        if spec.mrz_format != "TD1" {
            return Err(invalid("only TD1 (ICAO 9303-5) is supported".into()));
        }
        Ok(Profile {
            name: spec.name,
            description: spec.description,
            mrz_format: spec.mrz_format,
            aid: spec.aid,
            atr: spec.atr,
            apdu: spec.apdu,
            fingers_on_chip: spec.fingers_on_chip,
            policy: spec.policy,
            files: spec.files,
            personalization,
        })
    }

    pub fn file(&self, name: &str) -> Option<&FileSpec> {
        self.files.iter().find(|f| f.name == name)
    }
    pub fn file_by_fid(&self, fid: u16) -> Option<&FileSpec> {
        self.files.iter().find(|f| f.fid == fid)
    }
    /// Data groups the profile carries, ascending.
    pub fn data_groups(&self) -> Vec<u8> {
        let mut v: Vec<u8> = self.files.iter().filter_map(FileSpec::data_group).collect();
        v.sort_unstable();
        v
    }
    /// Largest chunk of file data one UPDATE BINARY can carry under the command data limit.
    pub fn write_chunk(&self) -> usize {
        self.apdu
            .max_command_data
            .saturating_sub(self.personalization.write_binary.data.fixed_overhead())
            .max(1)
    }
}

fn de_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(clean).map_err(serde::de::Error::custom)
}

fn de_fid<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let b = de_hex(d)?;
    let arr: [u8; 2] = b
        .try_into()
        .map_err(|_| serde::de::Error::custom("file id must be 2 bytes"))?;
    Ok(u16::from_be_bytes(arr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_load() {
        for (name, _) in BUILTIN {
            let p = Profile::load(name).unwrap();
            assert_eq!(&p.name, name);
            assert_eq!(p.aid, [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01]);
            assert!(p.file("DG1").is_some());
            assert!(p.write_chunk() > 0);
        }
        let vn = Profile::load("vn-citizen-card").unwrap();
        assert_eq!(vn.data_groups(), [1, 2, 3, 13, 14, 15]);
        assert!(vn.apdu.extended_length);
        let j = Profile::load("jmrtd-passport-applet").unwrap();
        assert!(!j.apdu.extended_length);
        assert_eq!(j.write_chunk(), 255);
    }

    #[test]
    fn jmrtd_commands_have_the_applet_bytes() {
        let p = Profile::load("jmrtd-passport-applet").unwrap();
        let mut v = Vars::new();
        v.insert("fid".into(), vec![0x01, 0x01]);
        v.insert("size".into(), vec![0x00, 0x80]);
        let create = p
            .personalization
            .create_file
            .as_ref()
            .unwrap()
            .build(&v)
            .unwrap();
        assert_eq!(
            create.to_bytes().unwrap(),
            [0x00, 0xE0, 0x00, 0x00, 0x06, 0x63, 0x04, 0x00, 0x80, 0x01, 0x01]
        );
        let lock = p.personalization.lock.build(&Vars::new()).unwrap();
        assert_eq!(lock.to_bytes().unwrap(), [0x00, 0xDA, 0xDE, 0xAD]);
        assert!(p.personalization.lock.matches(&lock).is_some());
        assert!(p
            .personalization
            .create_file
            .as_ref()
            .unwrap()
            .matches(&lock)
            .is_none());
    }

    #[test]
    fn rejects_bad_profiles() {
        let good = BUILTIN[0].1;
        assert!(Profile::from_toml(
            &good.replace("max_command_data = 255", "max_command_data = 300")
        )
        .is_err());
        assert!(Profile::from_toml(&good.replace("fid = \"0101\"", "fid = \"011E\"")).is_err());
        assert!(Profile::from_toml("name = 1").is_err());
        assert!(matches!(
            Profile::load("no-such-card"),
            Err(ProfileError::Unknown(_))
        ));
    }
}
