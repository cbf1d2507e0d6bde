//! A card's content: the LDS files (ICAO 9303-10) built from a citizen record, a portrait and
//! fingerprints, signed into EF.SOD, plus the BAC key seed and the Active Authentication key
//! that personalization writes beside them.

use crate::ChipError;
use citizen::{CitizenRecord, Field, Sex};
use icao9303::mrz::{td1_for_vietnamese_card, Td1};
use iso19794::{FaceImage, FaceImageType, FaceRecord, FingerPosition, FingerRecord, Gender};
use lds::{dg13, DataGroup, Dg13, LdsFile};
use pki::{ActiveAuthKey, DocumentSigner};
use profiles::Profile;
use time::Date;

/// One file to write: its name ("DG13"), file id and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFile {
    pub name: &'static str,
    pub fid: u16,
    pub bytes: Vec<u8>,
}

/// What BAC keys are derived from (9303-11 §9.7.2), as the MRZ writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacSeed {
    pub document_number: String,
    /// YYMMDD.
    pub date_of_birth: String,
    /// YYMMDD, or "<<<<<<" for a card without expiry.
    pub date_of_expiry: String,
}

impl BacSeed {
    pub fn from_mrz(td1: &Td1) -> BacSeed {
        BacSeed {
            document_number: td1.document_number.clone(),
            date_of_birth: td1.date_of_birth.clone(),
            date_of_expiry: td1.date_of_expiry.clone(),
        }
    }
    /// The MRZ information with check digits, for [`icao9303::bac::BacKeys`].
    pub fn mrz_information(&self) -> Result<String, ChipError> {
        icao9303::mrz::bac_mrz_information(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
        .map_err(|e| ChipError::Input(format!("MRZ: {e}")))
    }
}

/// Everything personalization writes onto one card.
pub struct Document {
    /// LDS files in writing order: EF.COM, the data groups ascending, EF.SOD last.
    pub files: Vec<CardFile>,
    pub mrz: Td1,
    pub bac: BacSeed,
    /// The chip's Active Authentication key (its public half is DG15); `None` when the
    /// profile has no DG15.
    pub aa_key: Option<ActiveAuthKey>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No personal data in logs: names and sizes only.
        let files: Vec<(&str, usize)> =
            self.files.iter().map(|f| (f.name, f.bytes.len())).collect();
        f.debug_struct("Document").field("files", &files).finish()
    }
}

impl Document {
    pub fn file(&self, name: &str) -> Option<&CardFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The inputs besides the record.
pub struct Biometrics {
    /// The ICAO portrait, JPEG.
    pub portrait_jpeg: Vec<u8>,
    /// What the portrait is (ISO/IEC 19794-5 §5.7.1), as DG2 records it: `TokenFrontal` for
    /// the station's token crop (eyes at the token geometry of §8.4), `FullFrontal` for a
    /// whole-head picture such as a manual capture's centred crop or an image brought in.
    pub face_image_type: FaceImageType,
    /// Eye centres (right, left) in the portrait, pixels, when known.
    pub eyes: Option<((u16, u16), (u16, u16))>,
    /// ISO/IEC 19794-4 finger image records (PNG or JPEG 2000 inside), one finger each; DG3
    /// takes those of the profile's `fingers_on_chip`, in that order.
    pub fingers: Vec<FingerRecord>,
}

fn ymd(d: Date) -> (i32, u8, u8) {
    (d.year(), u8::from(d.month()), d.day())
}

/// The TD1 MRZ of the record (9303-5; document number = the last 9 digits of the ID number).
pub fn mrz_for(record: &CitizenRecord) -> Result<Td1, ChipError> {
    td1_for_vietnamese_card(
        &record.id_number,
        &record.full_name,
        ymd(record.date_of_birth),
        record.sex == Sex::Male,
        record.date_of_expiry.map(ymd),
    )
    .map_err(|e| ChipError::Input(format!("MRZ: {e}")))
}

/// The record's 20 fields in the DG13 layout of `firmware-profiles/DG13.md`.
pub fn dg13_for(record: &CitizenRecord) -> Dg13 {
    let t = |f: Field| vec![record.field_text(f)];
    let fields = vec![
        (dg13::ID_NUMBER, t(Field::IdNumber)),
        (dg13::FULL_NAME, t(Field::FullName)),
        (dg13::DATE_OF_BIRTH, t(Field::DateOfBirth)),
        (dg13::SEX, t(Field::Sex)),
        (dg13::NATIONALITY, t(Field::Nationality)),
        (dg13::ETHNICITY, t(Field::Ethnicity)),
        (dg13::RELIGION, t(Field::Religion)),
        (dg13::PLACE_OF_ORIGIN, t(Field::PlaceOfOrigin)),
        (dg13::PLACE_OF_RESIDENCE, t(Field::PlaceOfResidence)),
        (dg13::IDENTIFYING_MARKS, t(Field::IdentifyingMarks)),
        (dg13::DATE_OF_ISSUE, t(Field::DateOfIssue)),
        (dg13::DATE_OF_EXPIRY, t(Field::DateOfExpiry)),
        (
            dg13::PARENTS,
            vec![record.father_name.clone(), record.mother_name.clone()],
        ),
        (dg13::SPOUSE, t(Field::SpouseName)),
        (dg13::FORMER_ID_NUMBER, t(Field::FormerIdNumber)),
        (dg13::UNKNOWN_16, vec![String::new()]),
        (
            dg13::PLACE_OF_BIRTH_REGISTRATION,
            t(Field::PlaceOfBirthRegistration),
        ),
        (dg13::BLOOD_TYPE, t(Field::BloodType)),
        (dg13::CURRENT_RESIDENCE, t(Field::CurrentResidence)),
        (dg13::ISSUING_AUTHORITY, t(Field::IssuingAuthority)),
    ];
    Dg13 { fields }
}

/// The 20 fields read from a chip's DG13, in field order, as the card shows them (dates
/// dd/mm/yyyy, sex "Nam"/"Nữ"). Fields the chip does not carry are empty.
pub fn fields_from_dg13(dg: &Dg13) -> Vec<(Field, String)> {
    let one = |id: u8| dg.first(id).unwrap_or_default().to_string();
    let nth = |id: u8, n: usize| {
        dg.get(id)
            .and_then(|v| v.get(n))
            .cloned()
            .unwrap_or_default()
    };
    Field::ALL
        .iter()
        .map(|&f| {
            let v = match f {
                Field::IdNumber => one(dg13::ID_NUMBER),
                Field::FullName => one(dg13::FULL_NAME),
                Field::DateOfBirth => one(dg13::DATE_OF_BIRTH),
                Field::Sex => one(dg13::SEX),
                Field::Nationality => one(dg13::NATIONALITY),
                Field::Ethnicity => one(dg13::ETHNICITY),
                Field::Religion => one(dg13::RELIGION),
                Field::PlaceOfOrigin => one(dg13::PLACE_OF_ORIGIN),
                Field::PlaceOfResidence => one(dg13::PLACE_OF_RESIDENCE),
                Field::IdentifyingMarks => one(dg13::IDENTIFYING_MARKS),
                Field::DateOfIssue => one(dg13::DATE_OF_ISSUE),
                Field::DateOfExpiry => one(dg13::DATE_OF_EXPIRY),
                Field::FatherName => nth(dg13::PARENTS, 0),
                Field::MotherName => nth(dg13::PARENTS, 1),
                Field::SpouseName => one(dg13::SPOUSE),
                Field::FormerIdNumber => one(dg13::FORMER_ID_NUMBER),
                Field::PlaceOfBirthRegistration => one(dg13::PLACE_OF_BIRTH_REGISTRATION),
                Field::BloodType => one(dg13::BLOOD_TYPE),
                Field::CurrentResidence => one(dg13::CURRENT_RESIDENCE),
                Field::IssuingAuthority => one(dg13::ISSUING_AUTHORITY),
            };
            (f, v)
        })
        .collect()
}

/// Builds a card's LDS for `profile`: EF.COM, DG1 (MRZ), DG2 (portrait), DG3 (the profile's
/// fingers, when finger images are given), DG13 (the 20 fields), DG14 + DG15 (Active
/// Authentication, with a fresh chip key), EF.SOD signed by `signer` over SHA-256 hashes.
/// The record is normalized (NFC) first; validate it before calling.
pub fn build(
    record: &CitizenRecord,
    bio: &Biometrics,
    profile: &Profile,
    signer: &DocumentSigner,
    now: time::OffsetDateTime,
) -> Result<Document, ChipError> {
    let record = record.normalized();
    let carries = |dg: u8| profile.data_groups().contains(&dg);
    let mrz = mrz_for(&record)?;
    let mrz_text = mrz
        .to_mrz_string()
        .map_err(|e| ChipError::Input(format!("MRZ: {e}")))?;
    let mut groups: Vec<(DataGroup, Vec<u8>)> = Vec::new();
    let lds_err = |e: lds::LdsError| ChipError::Input(e.to_string());

    if carries(1) {
        groups.push((DataGroup::Dg1, lds::encode_dg1(&mrz_text).map_err(lds_err)?));
    }
    if carries(2) {
        let mut face =
            FaceImage::from_jpeg(bio.portrait_jpeg.clone(), bio.face_image_type, bio.eyes)
                .map_err(|e| ChipError::Input(format!("portrait / ảnh chân dung: {e}")))?;
        face.gender = match record.sex {
            Sex::Male => Gender::Male,
            Sex::Female => Gender::Female,
        };
        let dg2 = lds::encode_dg2(&[FaceRecord { images: vec![face] }]).map_err(lds_err)?;
        groups.push((DataGroup::Dg2, dg2));
    }
    if carries(3) && !bio.fingers.is_empty() {
        let mut records = Vec::new();
        for &code in &profile.fingers_on_chip {
            let pos = FingerPosition::from_code(code).ok_or_else(|| {
                ChipError::Input(format!("profile {}: finger code {code}", profile.name))
            })?;
            let record = bio
                .fingers
                .iter()
                .find(|r| r.fingers.iter().any(|f| f.position == pos))
                .ok_or_else(|| {
                    ChipError::Input(format!(
                        "thiếu ảnh vân tay {} / missing the {} image",
                        pos.name_vi(),
                        pos.name_en()
                    ))
                })?;
            records.push(record.clone());
        }
        groups.push((DataGroup::Dg3, lds::encode_dg3(&records).map_err(lds_err)?));
    }
    if carries(13) {
        groups.push((DataGroup::Dg13, lds::encode_dg13(&dg13_for(&record))));
    }
    let aa_key = if carries(15) && profile.personalization.aa_private_key.is_some() {
        let key = ActiveAuthKey::generate().map_err(|e| ChipError::Input(e.to_string()))?;
        if carries(14) {
            groups.push((
                DataGroup::Dg14,
                lds::encode_dg14(&pki::aa_security_infos_der()),
            ));
        }
        groups.push((
            DataGroup::Dg15,
            lds::encode_dg15(&key.subject_public_key_info_der()),
        ));
        Some(key)
    } else {
        None
    };

    let hashes: Vec<(u8, Vec<u8>)> = groups
        .iter()
        .map(|(dg, bytes)| (dg.number(), pki::HashAlgorithm::Sha256.digest(bytes)))
        .collect();
    let sod = pki::build_sod(signer, &hashes, Some(now))
        .map_err(|e| ChipError::Input(format!("EF.SOD: {e}")))?;
    let com = lds::Com::new(groups.iter().map(|(dg, _)| *dg).collect())
        .encode()
        .map_err(lds_err)?;

    let mut files = vec![CardFile {
        name: LdsFile::Com.name(),
        fid: LdsFile::Com.fid(),
        bytes: com,
    }];
    for (dg, bytes) in groups {
        files.push(CardFile {
            name: dg.name(),
            fid: dg.fid(),
            bytes,
        });
    }
    files.push(CardFile {
        name: LdsFile::Sod.name(),
        fid: LdsFile::Sod.fid(),
        bytes: lds::encode_sod(&sod),
    });
    for f in &files {
        let spec = profile.file_by_fid(f.fid).ok_or_else(|| {
            ChipError::Input(format!("profile {} has no file {}", profile.name, f.name))
        })?;
        if f.bytes.len() > spec.max_size {
            return Err(ChipError::Input(format!(
                "{} quá lớn: {} byte, chip chỉ chứa {} / {} is {} bytes, the chip holds {}",
                f.name,
                f.bytes.len(),
                spec.max_size,
                f.name,
                f.bytes.len(),
                spec.max_size
            )));
        }
    }
    Ok(Document {
        files,
        bac: BacSeed::from_mrz(&mrz),
        mrz,
        aa_key,
    })
}
