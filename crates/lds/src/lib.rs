//! The LDS1 files of an ICAO 9303 chip (Part 10 §4): encoders and parsers. Parsers take
//! untrusted bytes from a chip and return typed errors.

use iso19794::{FaceRecord, FingerRecord};
use iso7816::tlv::{self, Tlv, TlvReader};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LdsError {
    #[error("TLV: {0}")]
    Tlv(#[from] iso7816::TlvError),
    #[error("{file}: {why}")]
    Invalid { file: &'static str, why: String },
    #[error("biometric record: {0}")]
    Record(#[from] iso19794::RecordError),
}

fn invalid(file: &'static str, why: impl Into<String>) -> LdsError {
    LdsError::Invalid {
        file,
        why: why.into(),
    }
}

/// Data groups 1–16 (9303-10 Table 33: tags, file identifiers, short EF identifiers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataGroup(u8);

impl DataGroup {
    const TAGS: [u8; 16] = [
        0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
        0x70,
    ];
    pub fn from_number(n: u8) -> Option<DataGroup> {
        (1..=16).contains(&n).then_some(DataGroup(n))
    }
    pub fn from_tag(tag: u8) -> Option<DataGroup> {
        DataGroup::TAGS
            .iter()
            .position(|t| *t == tag)
            .map(|i| DataGroup(i as u8 + 1))
    }
    pub fn number(self) -> u8 {
        self.0
    }
    pub fn tag(self) -> u8 {
        DataGroup::TAGS[self.0 as usize - 1]
    }
    /// File identifier 01xx.
    pub fn fid(self) -> u16 {
        0x0100 | self.0 as u16
    }
    pub fn short_ef_id(self) -> u8 {
        self.0
    }
}

/// The LDS1 elementary files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdsFile {
    Com,
    Sod,
    Dg(DataGroup),
}

impl LdsFile {
    pub fn fid(self) -> u16 {
        match self {
            LdsFile::Com => 0x011E,
            LdsFile::Sod => 0x011D,
            LdsFile::Dg(d) => d.fid(),
        }
    }
    pub fn tag(self) -> u8 {
        match self {
            LdsFile::Com => 0x60,
            LdsFile::Sod => 0x77,
            LdsFile::Dg(d) => d.tag(),
        }
    }
}

/// The whole length of a file from its first bytes (tag and length, at most 6 bytes), which is
/// how a reader learns how much to read (9303-10 §3.6).
pub fn file_length_from_header(first_bytes: &[u8]) -> Result<usize, LdsError> {
    Ok(tlv::parse_header(first_bytes)?.total_len())
}

/// EF.COM (9303-10 §4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Com {
    /// "0107" for LDS 1.7.
    pub lds_version: String,
    /// "040000" for Unicode 4.0.0.
    pub unicode_version: String,
    pub data_groups: Vec<DataGroup>,
}

impl Com {
    pub fn encode(&self) -> Result<Vec<u8>, LdsError> {
        if self.lds_version.len() != 4 || self.unicode_version.len() != 6 {
            return Err(invalid("EF.COM", "versions must be 4 and 6 digits"));
        }
        let tags: Vec<u8> = self.data_groups.iter().map(|d| d.tag()).collect();
        let parts = [
            tlv::encode(0x5F01, self.lds_version.as_bytes()),
            tlv::encode(0x5F36, self.unicode_version.as_bytes()),
            tlv::encode(0x5C, &tags),
        ];
        Ok(tlv::encode_constructed(
            0x60,
            parts.iter().map(Vec::as_slice),
        ))
    }

    pub fn parse(bytes: &[u8]) -> Result<Com, LdsError> {
        let com = tlv::parse_exact(bytes, 0x60)?;
        let mut c = com.children();
        let text = |t: Tlv| {
            String::from_utf8(t.value.to_vec())
                .map_err(|_| invalid("EF.COM", "version is not text"))
        };
        let lds_version = text(c.expect(0x5F01)?)?;
        let unicode_version = text(c.expect(0x5F36)?)?;
        let list = c.expect(0x5C)?;
        let mut data_groups = Vec::new();
        for t in list.value {
            let dg = DataGroup::from_tag(*t)
                .ok_or_else(|| invalid("EF.COM", format!("unknown data group tag {t:02X}")))?;
            if !data_groups.contains(&dg) {
                data_groups.push(dg);
            }
        }
        Ok(Com {
            lds_version,
            unicode_version,
            data_groups,
        })
    }
}

/// DG1: the MRZ (9303-10 §4.7.1), 61 { 5F1F mrz }.
pub fn encode_dg1(mrz: &str) -> Result<Vec<u8>, LdsError> {
    if !matches!(mrz.len(), 90 | 72 | 88)
        || !mrz
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
    {
        return Err(invalid(
            "DG1",
            "the MRZ must be 90 (TD1), 72 (TD2) or 88 (TD3) characters of A–Z 0–9 <",
        ));
    }
    Ok(tlv::encode(0x61, &tlv::encode(0x5F1F, mrz.as_bytes())))
}

pub fn parse_dg1(bytes: &[u8]) -> Result<String, LdsError> {
    let dg = tlv::parse_exact(bytes, 0x61)?;
    let mrz = dg.child(0x5F1F)?;
    let s =
        String::from_utf8(mrz.value.to_vec()).map_err(|_| invalid("DG1", "MRZ is not ASCII"))?;
    if !matches!(s.len(), 90 | 72 | 88)
        || !s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
    {
        return Err(invalid("DG1", "not a TD1, TD2 or TD3 MRZ"));
    }
    Ok(s)
}

/// Biometric header template values (9303-10 §4.7.2.1, ISO/IEC 7816-11): biometric type and
/// format type for faces (02, 0008) and fingers (08, 0007), format owner ISO/IEC JTC 1 SC 37.
struct BiometricKind {
    file: &'static str,
    dg_tag: u32,
    biometric_type: u8,
    format_type: [u8; 2],
}

const FACE: BiometricKind = BiometricKind {
    file: "DG2",
    dg_tag: 0x75,
    biometric_type: 0x02,
    format_type: [0x00, 0x08],
};
const FINGER: BiometricKind = BiometricKind {
    file: "DG3",
    dg_tag: 0x63,
    biometric_type: 0x08,
    format_type: [0x00, 0x07],
};

/// A biometric information group template: dg { 7F61 { 02 n, 7F60 { A1 {..}, 5F2E record }... } }
fn encode_biometric_group(kind: &BiometricKind, records: &[Vec<u8>]) -> Result<Vec<u8>, LdsError> {
    let count = u8::try_from(records.len())
        .map_err(|_| invalid(kind.file, "more than 255 biometric templates"))?;
    let mut group = tlv::encode(0x02, &[count]);
    for rec in records {
        let header = [
            tlv::encode(0x80, &[0x01, 0x01]),
            tlv::encode(0x81, &[kind.biometric_type]),
            tlv::encode(0x87, &[0x01, 0x01]),
            tlv::encode(0x88, &kind.format_type),
        ];
        let bht = tlv::encode_constructed(0xA1, header.iter().map(Vec::as_slice));
        let bit = tlv::encode_constructed(0x7F60, [bht.as_slice(), &tlv::encode(0x5F2E, rec)]);
        group.extend_from_slice(&bit);
    }
    Ok(tlv::encode(kind.dg_tag, &tlv::encode(0x7F61, &group)))
}

/// The biometric data blocks of a DG2/DG3, checked against their headers.
fn parse_biometric_group<'a>(
    kind: &BiometricKind,
    bytes: &'a [u8],
) -> Result<Vec<&'a [u8]>, LdsError> {
    let dg = tlv::parse_exact(bytes, kind.dg_tag)?;
    let group = dg.child(0x7F61)?;
    let mut r = group.children();
    let count = r.expect(0x02)?;
    let n = match count.value {
        [n] => *n as usize,
        _ => return Err(invalid(kind.file, "bad template count")),
    };
    let mut out = Vec::new();
    while let Some(bit) = r.read()? {
        if bit.tag != 0x7F60 {
            continue;
        }
        let mut header = None;
        let mut block = None;
        for item in TlvReader::new(bit.value) {
            let item = item?;
            match item.tag {
                0xA1 => header = Some(item),
                0x5F2E => block = Some(item.value),
                0x7F2E => {
                    return Err(invalid(
                        kind.file,
                        "enciphered biometric data (7F2E) is not supported",
                    ))
                }
                _ => {}
            }
        }
        let header =
            header.ok_or_else(|| invalid(kind.file, "biometric header template missing"))?;
        if let Ok(t) = header.child(0x81) {
            if t.value
                .first()
                .is_some_and(|b| *b & kind.biometric_type == 0)
            {
                return Err(invalid(
                    kind.file,
                    "biometric type does not match the data group",
                ));
            }
        }
        out.push(block.ok_or_else(|| invalid(kind.file, "biometric data block 5F2E missing"))?);
    }
    if out.len() != n {
        return Err(invalid(
            kind.file,
            format!("says {n} templates, holds {}", out.len()),
        ));
    }
    Ok(out)
}

/// DG2: face records (9303-10 §4.7.2).
pub fn encode_dg2(faces: &[FaceRecord]) -> Result<Vec<u8>, LdsError> {
    let records: Vec<Vec<u8>> = faces
        .iter()
        .map(FaceRecord::encode)
        .collect::<Result<_, _>>()?;
    encode_biometric_group(&FACE, &records)
}

pub fn parse_dg2(bytes: &[u8]) -> Result<Vec<FaceRecord>, LdsError> {
    parse_biometric_group(&FACE, bytes)?
        .into_iter()
        .map(|b| Ok(FaceRecord::parse(b)?))
        .collect()
}

/// DG3: finger image records (9303-10 §4.7.3), one template per finger.
pub fn encode_dg3(fingers: &[FingerRecord]) -> Result<Vec<u8>, LdsError> {
    let records: Vec<Vec<u8>> = fingers
        .iter()
        .map(FingerRecord::encode)
        .collect::<Result<_, _>>()?;
    encode_biometric_group(&FINGER, &records)
}

pub fn parse_dg3(bytes: &[u8]) -> Result<Vec<FingerRecord>, LdsError> {
    parse_biometric_group(&FINGER, bytes)?
        .into_iter()
        .map(|b| Ok(FingerRecord::parse(b)?))
        .collect()
}

/// DG13 in the layout of issued Vietnamese citizen cards (firmware-profiles/DG13.md):
/// 6D { SEQUENCE { INTEGER id, UTF8String value... } ... }. Field 13 carries two strings
/// (father, mother); every other field one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dg13 {
    pub fields: Vec<(u8, Vec<String>)>,
}

pub fn encode_dg13(dg13: &Dg13) -> Vec<u8> {
    let mut value = Vec::new();
    for (id, strings) in &dg13.fields {
        let mut seq = tlv::encode(0x02, &[*id]);
        for s in strings {
            seq.extend_from_slice(&tlv::encode(0x0C, s.as_bytes()));
        }
        value.extend_from_slice(&tlv::encode(0x30, &seq));
    }
    tlv::encode(0x6D, &value)
}

pub fn parse_dg13(bytes: &[u8]) -> Result<Dg13, LdsError> {
    let dg = tlv::parse_exact(bytes, 0x6D)?;
    let mut fields = Vec::new();
    for item in dg.children() {
        let item = item?;
        if item.tag != 0x30 {
            continue; // elements other issuers add
        }
        let mut r = item.children();
        let id = match r.expect(0x02)?.value {
            [id] => *id,
            _ => return Err(invalid("DG13", "field id is not a one-byte INTEGER")),
        };
        let mut strings = Vec::new();
        while let Some(t) = r.read()? {
            // Strings may also sit one level down, in a SEQUENCE of their own.
            let leaves: Vec<Tlv> = if t.tag == 0x30 {
                t.children().collect::<Result<_, _>>()?
            } else {
                vec![t]
            };
            for leaf in leaves {
                if leaf.tag == 0x0C {
                    let s = String::from_utf8(leaf.value.to_vec())
                        .map_err(|_| invalid("DG13", format!("field {id} is not UTF-8")))?;
                    strings.push(s);
                }
            }
        }
        fields.push((id, strings));
    }
    Ok(Dg13 { fields })
}

/// DG14: SecurityInfos (9303-11 §9.2), DER given by the caller.
pub fn encode_dg14(security_infos_der: &[u8]) -> Vec<u8> {
    tlv::encode(0x6E, security_infos_der)
}
pub fn parse_dg14(bytes: &[u8]) -> Result<Vec<u8>, LdsError> {
    Ok(tlv::parse_exact(bytes, 0x6E)?.value.to_vec())
}

/// DG15: the Active Authentication public key as SubjectPublicKeyInfo (9303-10 §4.7.15).
pub fn encode_dg15(subject_public_key_info_der: &[u8]) -> Vec<u8> {
    tlv::encode(0x6F, subject_public_key_info_der)
}
pub fn parse_dg15(bytes: &[u8]) -> Result<Vec<u8>, LdsError> {
    Ok(tlv::parse_exact(bytes, 0x6F)?.value.to_vec())
}

/// EF.SOD: tag 77 around the CMS ContentInfo (9303-10 §4.6.2).
pub fn encode_sod(content_info_der: &[u8]) -> Vec<u8> {
    tlv::encode(0x77, content_info_der)
}
pub fn parse_sod(bytes: &[u8]) -> Result<Vec<u8>, LdsError> {
    Ok(tlv::parse_exact(bytes, 0x77)?.value.to_vec())
}
