//! Reading and verifying a chip: BAC, the LDS files in whatever order the chip keeps them,
//! passive authentication (EF.SOD signature, Document Signer chain to a trusted CSCA, every
//! data group's hash) and Active Authentication when DG15 is present (ICAO 9303-11 §5, §6.1);
//! a card model that always carries DG15 ([`ReadOptions::require_active_authentication`])
//! without it is not proven genuine.

use crate::document::fields_from_dg13;
use crate::session::{open_bac, select_application, Session, LDS1_AID};
use crate::ChipError;
use cardreader::CardTransport;
use citizen::Field;
use iso19794::FingerPosition;
use lds::{DataGroup, LdsFile};
use ring::rand::{SecureRandom, SystemRandom};

/// What to check a chip against.
#[derive(Clone)]
pub struct ReadOptions {
    /// Trusted CSCA certificates (DER). Empty: the Document Signer chain is not checked and
    /// the card cannot be called verified.
    pub csca: Vec<Vec<u8>>,
    /// The time certificates are checked at.
    pub now: time::OffsetDateTime,
    /// Read DG2 and DG3 (the biometrics); off for a quick data-only read.
    pub biometrics: bool,
    /// Document Signers revoked by verified CSCA CRLs. `None`: no CRL was given, so no
    /// revocation check is run (nor reported as missing: CRLs are optional in 9303-12).
    pub revocations: Option<pki::Revocations>,
    /// The card model always carries an Active Authentication key (DG15): a chip without
    /// one cannot be proven not to be a clone, and the reading says so (a check not run)
    /// instead of passing it over. AA is optional in 9303-11, so off by default.
    pub require_active_authentication: bool,
}

impl ReadOptions {
    pub fn new(csca: Vec<Vec<u8>>) -> Self {
        ReadOptions {
            csca,
            now: time::OffsetDateTime::now_utc(),
            biometrics: true,
            revocations: None,
            require_active_authentication: false,
        }
    }

    /// Checks against a trust store: its CSCAs (folder, master lists) and its CRLs.
    pub fn with_trust(store: &pki::TrustStore) -> Self {
        ReadOptions {
            revocations: store.revocations().cloned(),
            ..ReadOptions::new(store.anchors_der())
        }
    }
}

/// What a check is about, so callers can tell failures apart without reading their text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// EF.COM, DG1's MRZ against the access keys, a data group that does not parse, DG1
    /// missing.
    Structure,
    /// EF.SOD is missing, unreadable, or its signature (and signed attributes) fail.
    SodSignature,
    /// The Document Signer certificate chains to a trusted CSCA and is within its validity.
    SignerCertified,
    /// The Document Signer is not on a verified CSCA CRL.
    SignerNotRevoked,
    /// A data group's hash against EF.SOD.
    DataGroupHash(u8),
    /// A data group EF.SOD lists that the chip does not return.
    DataGroupMissing(u8),
    /// Active Authentication (the chip holds the private key of DG15).
    ActiveAuthentication,
    /// The chip carries the Active Authentication public key (DG15) its card model must
    /// carry; not run (not proven) when it has none.
    ActiveAuthenticationKey,
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    Passed,
    Failed(String),
    /// Not run, and why.
    NotRun(String),
}

/// One verification step, named for the officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub kind: CheckKind,
    pub name_vi: String,
    pub name_en: String,
    pub outcome: CheckOutcome,
}

impl Check {
    fn new(
        kind: CheckKind,
        name_vi: impl Into<String>,
        name_en: impl Into<String>,
        outcome: CheckOutcome,
    ) -> Self {
        Check {
            kind,
            name_vi: name_vi.into(),
            name_en: name_en.into(),
            outcome,
        }
    }
    fn of(kind: CheckKind, name_vi: &str, name_en: &str, r: Result<(), String>) -> Self {
        Check::new(
            kind,
            name_vi,
            name_en,
            match r {
                Ok(()) => CheckOutcome::Passed,
                Err(e) => CheckOutcome::Failed(e),
            },
        )
    }
}

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed, including the signer's chain to a trusted CSCA.
    Verified,
    /// Nothing failed, but the card could not be proven genuine (no EF.SOD, or no CSCA given).
    Unverified,
    /// A check failed: the data was altered, the signer is not trusted, or the chip is a clone.
    Failed,
}

/// A file as read from the chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    pub name: &'static str,
    pub fid: u16,
    pub bytes: Vec<u8>,
}

/// Everything read from a chip, and what was verified.
#[derive(Debug, Clone)]
pub struct Reading {
    pub files: Vec<ReadFile>,
    /// DG1's MRZ, when present and well-formed.
    pub mrz: Option<String>,
    /// The 20 fields from DG13 (empty when the chip has no DG13).
    pub fields: Vec<(Field, String)>,
    /// The first portrait in DG2 (JPEG or JPEG 2000 as stored).
    pub portrait: Option<Vec<u8>>,
    /// DG3's finger images: position, quality, image bytes (PNG, WSQ, JPEG 2000…).
    pub fingers: Vec<(FingerPosition, u8, Vec<u8>)>,
    pub checks: Vec<Check>,
    /// What was not read and why (e.g. DG3 behind EAC on a foreign passport).
    pub notes: Vec<String>,
}

impl Reading {
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.bytes.as_slice())
    }
    pub fn verdict(&self) -> Verdict {
        if self
            .checks
            .iter()
            .any(|c| matches!(c.outcome, CheckOutcome::Failed(_)))
        {
            Verdict::Failed
        } else if self
            .checks
            .iter()
            .any(|c| matches!(c.outcome, CheckOutcome::NotRun(_)))
        {
            Verdict::Unverified
        } else {
            Verdict::Verified
        }
    }
}

/// Data groups read when EF.COM is missing or unreadable.
const DEFAULT_GROUPS: [DataGroup; 6] = [
    DataGroup::Dg1,
    DataGroup::Dg2,
    DataGroup::Dg3,
    DataGroup::Dg13,
    DataGroup::Dg14,
    DataGroup::Dg15,
];

/// Reads a chip: SELECT of the LDS1 application, BAC with `mrz_information` (document number,
/// birth and expiry dates with their check digits), EF.COM, the data groups it lists, EF.SOD,
/// then verifies. Errors are for a chip that cannot be read at all (wrong keys, card pulled);
/// anything wrong with what was read is a failed [`Check`].
pub fn read_card<T: CardTransport + ?Sized>(
    t: &mut T,
    mrz_information: &str,
    opts: &ReadOptions,
) -> Result<Reading, ChipError> {
    select_application(t, &LDS1_AID)?;
    let mut s = open_bac(t, mrz_information)?;
    let mut files = Vec::new();
    let mut checks = Vec::new();
    let mut notes = Vec::new();

    let com_bytes = s.read_file(LdsFile::Com.fid())?;
    let groups: Vec<DataGroup> = match com_bytes.as_deref().map(lds::Com::parse) {
        Some(Ok(com)) => com.data_groups,
        Some(Err(e)) => {
            checks.push(Check::of(
                CheckKind::Structure,
                "EF.COM",
                "EF.COM",
                Err(e.to_string()),
            ));
            DEFAULT_GROUPS.to_vec()
        }
        None => DEFAULT_GROUPS.to_vec(),
    };
    if let Some(bytes) = com_bytes {
        files.push(ReadFile {
            name: LdsFile::Com.name(),
            fid: LdsFile::Com.fid(),
            bytes,
        });
    }
    for dg in groups {
        if !opts.biometrics && matches!(dg, DataGroup::Dg2 | DataGroup::Dg3) {
            continue;
        }
        match read_group(&mut s, dg)? {
            Some(bytes) => files.push(ReadFile {
                name: dg.name(),
                fid: dg.fid(),
                bytes,
            }),
            None if matches!(dg, DataGroup::Dg3 | DataGroup::Dg4) => notes.push(format!(
                "{0} cần xác thực mở rộng (EAC), không đọc / {0} needs Extended Access Control, not read",
                dg.name()
            )),
            None => {}
        }
    }
    let sod = s.read_file(LdsFile::Sod.fid())?;

    let mut reading = Reading {
        mrz: None,
        fields: Vec::new(),
        portrait: None,
        fingers: Vec::new(),
        checks,
        notes,
        files,
    };
    decode(&mut reading, mrz_information);
    passive_authentication(&mut reading, sod.as_deref(), opts);
    if let Some(sod) = sod {
        reading.files.push(ReadFile {
            name: LdsFile::Sod.name(),
            fid: LdsFile::Sod.fid(),
            bytes: sod,
        });
    }
    active_authentication(&mut s, &mut reading, opts)?;
    Ok(reading)
}

/// Reads one data group; `None` when the chip has none or keeps it behind EAC (6982).
fn read_group<T: CardTransport + ?Sized>(
    s: &mut Session<'_, T>,
    dg: DataGroup,
) -> Result<Option<Vec<u8>>, ChipError> {
    match s.read_file(dg.fid()) {
        Err(ChipError::Status { sw, .. }) if sw.0 == 0x6982 => Ok(None),
        other => other,
    }
}

fn decode(r: &mut Reading, mrz_information: &str) {
    let mut checks = Vec::new();
    if let Some(dg1) = r.file("DG1") {
        match lds::parse_dg1(dg1) {
            Ok(mrz) => {
                // DG1 must describe the card the access keys were made for.
                let matches = icao9303::mrz::Td1::parse(&mrz)
                    .map_err(|e| e.to_string())
                    .and_then(|td1| {
                        icao9303::mrz::bac_mrz_information(
                            &td1.document_number,
                            &td1.date_of_birth,
                            &td1.date_of_expiry,
                        )
                        .map_err(|e| e.to_string())
                    })
                    .and_then(|info| {
                        if info == mrz_information {
                            Ok(())
                        } else {
                            Err("MRZ trong DG1 khác với MRZ dùng để mở chip / DG1's MRZ differs from the MRZ used to open the chip".into())
                        }
                    });
                checks.push(Check::of(
                    CheckKind::Structure,
                    "MRZ (DG1)",
                    "MRZ (DG1)",
                    matches,
                ));
                r.mrz = Some(mrz);
            }
            Err(e) => checks.push(Check::of(
                CheckKind::Structure,
                "MRZ (DG1)",
                "MRZ (DG1)",
                Err(e.to_string()),
            )),
        }
    }
    if let Some(dg13) = r.file("DG13") {
        match lds::parse_dg13(dg13) {
            Ok(d) => r.fields = fields_from_dg13(&d),
            Err(e) => checks.push(Check::of(
                CheckKind::Structure,
                "Dữ liệu cá nhân (DG13)",
                "Personal data (DG13)",
                Err(e.to_string()),
            )),
        }
    }
    if let Some(dg2) = r.file("DG2") {
        match lds::parse_dg2(dg2) {
            Ok(faces) => {
                r.portrait = faces
                    .into_iter()
                    .flat_map(|f| f.images)
                    .next()
                    .map(|i| i.data)
            }
            Err(e) => checks.push(Check::of(
                CheckKind::Structure,
                "Ảnh chân dung (DG2)",
                "Portrait (DG2)",
                Err(e.to_string()),
            )),
        }
    }
    if let Some(dg3) = r.file("DG3") {
        match lds::parse_dg3(dg3) {
            Ok(records) => {
                r.fingers = records
                    .into_iter()
                    .flat_map(|rec| rec.fingers)
                    .map(|f| (f.position, f.quality, f.data))
                    .collect()
            }
            Err(e) => checks.push(Check::of(
                CheckKind::Structure,
                "Vân tay (DG3)",
                "Fingerprints (DG3)",
                Err(e.to_string()),
            )),
        }
    }
    r.checks.extend(checks);
}

fn passive_authentication(r: &mut Reading, sod: Option<&[u8]>, opts: &ReadOptions) {
    let Some(sod) = sod else {
        r.checks.push(Check::new(
            CheckKind::SodSignature,
            "Xác thực thụ động (EF.SOD)",
            "Passive authentication (EF.SOD)",
            CheckOutcome::NotRun("chip không có EF.SOD: dữ liệu chưa được xác thực / the chip has no EF.SOD: its data is unverified".into()),
        ));
        return;
    };
    let parsed = lds::parse_sod(sod)
        .map_err(|e| e.to_string())
        .and_then(|ci| pki::parse_sod(ci).map_err(|e| e.to_string()));
    let sod = match parsed {
        Ok(s) => s,
        Err(e) => {
            r.checks.push(Check::of(
                CheckKind::SodSignature,
                "Chữ ký EF.SOD",
                "EF.SOD signature",
                Err(e),
            ));
            return;
        }
    };
    r.checks.push(Check::of(
        CheckKind::SodSignature,
        "Chữ ký EF.SOD",
        "EF.SOD signature",
        sod.verify_signature().map_err(|e| e.to_string()),
    ));
    let chain = match (&sod.ds_certificate_der, opts.csca.is_empty()) {
        (_, true) => CheckOutcome::NotRun(
            "chưa cung cấp chứng thư CSCA (--csca) / no CSCA certificate given (--csca)".into(),
        ),
        (None, false) => CheckOutcome::Failed(
            "EF.SOD không chứa chứng thư người ký / EF.SOD carries no Document Signer certificate"
                .into(),
        ),
        (Some(ds), false) => {
            let cscas: Vec<&[u8]> = opts.csca.iter().map(Vec::as_slice).collect();
            match pki::verify_ds_certificate(ds, &cscas, opts.now) {
                Ok(()) => CheckOutcome::Passed,
                Err(e) => CheckOutcome::Failed(e.to_string()),
            }
        }
    };
    r.checks.push(Check::new(
        CheckKind::SignerCertified,
        "Người ký được CSCA tin cậy chứng nhận",
        "Document Signer certified by a trusted CSCA",
        chain,
    ));
    // Revocation by a verified CSCA CRL (9303-12 §5.1), only when CRLs were given, and only
    // by a CRL of the signer's own CSCA: other CSCAs' CRLs cannot revoke it, and passing the
    // check silently would claim a revocation check that never happened.
    if let (Some(revocations), Some(ds)) = (&opts.revocations, &sod.ds_certificate_der) {
        if revocations.covers(ds).unwrap_or(true) {
            r.checks.push(Check::of(
                CheckKind::SignerNotRevoked,
                "Người ký chưa bị thu hồi (CRL)",
                "Document Signer not revoked (CRL)",
                revocations.check(ds).map_err(|e| e.to_string()),
            ));
        } else {
            r.notes.push(
                "không có CRL cho CSCA của thẻ này: chưa kiểm tra thu hồi / no CRL for this card's CSCA: revocation not checked".into(),
            );
        }
    }
    for f in &r.files {
        let Some(LdsFile::Dg(dg)) = LdsFile::from_fid(f.fid) else {
            continue;
        };
        r.checks.push(Check::of(
            CheckKind::DataGroupHash(dg.number()),
            &format!("Mã băm {}", dg.name()),
            &format!("{} hash", dg.name()),
            sod.check_data_group(dg.number(), &f.bytes)
                .map_err(|e| e.to_string()),
        ));
    }
    // LDS1 has data groups 1 to 16 (9303-10 §4.6.2.2), each hashed once. The list is read
    // before its signature counts for anything, so a forged EF.SOD may list any number of
    // entries: what is not a data group is one failed check, not one alert per entry.
    let mut listed: Vec<u8> = Vec::new();
    let mut invalid: Vec<u8> = Vec::new();
    for (n, _) in &sod.dg_hashes {
        if !(1..=16).contains(n) || listed.contains(n) {
            if !invalid.contains(n) {
                invalid.push(*n);
            }
        } else {
            listed.push(*n);
        }
    }
    if !invalid.is_empty() {
        let shown: Vec<String> = invalid.iter().take(8).map(u8::to_string).collect();
        let more = if invalid.len() > 8 {
            format!(" (+{})", invalid.len() - 8)
        } else {
            String::new()
        };
        let shown = shown.join(", ");
        r.checks.push(Check::of(
            CheckKind::Structure,
            "Danh sách nhóm dữ liệu trong EF.SOD",
            "EF.SOD's data group list",
            Err(format!(
                "EF.SOD liệt kê số nhóm dữ liệu không tồn tại hoặc lặp lại: {shown}{more} / EF.SOD lists data group numbers that do not exist or repeat: {shown}{more}"
            )),
        ));
    }
    // A data group the signer hashed must be there: a clone that drops DG15 must not
    // escape Active Authentication. DG3/DG4 may sit behind EAC; biometrics may be skipped.
    for n in &listed {
        let read = r.files.iter().any(|f| f.fid == 0x0100 | u16::from(*n));
        let excused = matches!(n, 3 | 4) || (!opts.biometrics && *n == 2);
        if !read && !excused {
            r.checks.push(Check::of(
                CheckKind::DataGroupMissing(*n),
                &format!("DG{n}"),
                &format!("DG{n}"),
                Err(format!(
                    "EF.SOD có DG{n} nhưng chip không trả về / EF.SOD lists DG{n} but the chip does not return it"
                )),
            ));
        }
    }
    if !r.files.iter().any(|f| f.name == "DG1") {
        r.checks.push(Check::of(
            CheckKind::Structure,
            "DG1",
            "DG1",
            Err("chip không có DG1 / the chip has no DG1".into()),
        ));
    }
}

fn active_authentication<T: CardTransport + ?Sized>(
    s: &mut Session<'_, T>,
    r: &mut Reading,
    opts: &ReadOptions,
) -> Result<(), ChipError> {
    let Some(dg15) = r.file("DG15") else {
        // EF.SOD did not list DG15 either (else DG15 is a missing data group, a failure):
        // the card was issued without it, or signed so by a forger. A chip without an AA
        // key answers nothing a clone could not, so it is not proven genuine.
        if opts.require_active_authentication {
            r.checks.push(Check::new(
                CheckKind::ActiveAuthenticationKey,
                "Khóa xác thực chủ động (DG15)",
                "Active Authentication key (DG15)",
                CheckOutcome::NotRun(
                    "không thể xác thực chủ động (chip không có DG15): không chứng minh được chip không phải bản sao / Active Authentication not possible (no DG15): the chip cannot be proven not to be a clone".into(),
                ),
            ));
        } else {
            r.notes.push(
                "chip không có DG15, không xác thực chủ động (tùy chọn với loại thẻ này) / the chip has no DG15: no Active Authentication (optional for this card model)".into(),
            );
        }
        return Ok(());
    };
    let name_vi = "Xác thực chủ động (chống sao chép chip)";
    let name_en = "Active Authentication (anti-cloning)";
    let spki = match lds::parse_dg15(dg15) {
        Ok(spki) => spki.to_vec(),
        Err(e) => {
            r.checks.push(Check::of(
                CheckKind::ActiveAuthentication,
                name_vi,
                name_en,
                Err(e.to_string()),
            ));
            return Ok(());
        }
    };
    // A key this station cannot check (RSA AA, common on passports) proves nothing either
    // way: not the "may be a clone" of a failed check, but not proven.
    match pki::aa_key_supported(&spki) {
        Ok(()) => {}
        Err(pki::PkiError::UnsupportedAaAlgorithm(what)) => {
            r.checks.push(Check::new(
                CheckKind::ActiveAuthentication,
                name_vi,
                name_en,
                CheckOutcome::NotRun(format!(
                    "trạm này không hỗ trợ thuật toán xác thực chủ động {what}: không chứng minh được chip không phải bản sao / Active Authentication algorithm {what} is not supported by this station: the chip cannot be proven not to be a clone"
                )),
            ));
            return Ok(());
        }
        Err(e) => {
            r.checks.push(Check::of(
                CheckKind::ActiveAuthentication,
                name_vi,
                name_en,
                Err(e.to_string()),
            ));
            return Ok(());
        }
    }
    let mut challenge = [0u8; 8];
    SystemRandom::new()
        .fill(&mut challenge)
        .map_err(|_| ChipError::Input("no randomness".into()))?;
    let outcome = match s.internal_authenticate(&challenge) {
        Ok(sig) => pki::aa_verify(&spki, &challenge, &sig).map_err(|e| e.to_string()),
        Err(ChipError::Status { sw, .. }) => Err(format!(
            "chip từ chối INTERNAL AUTHENTICATE ({sw}) / the chip refused INTERNAL AUTHENTICATE ({sw})"
        )),
        Err(e) => return Err(e),
    };
    r.checks.push(Check::of(
        CheckKind::ActiveAuthentication,
        name_vi,
        name_en,
        outcome,
    ));
    Ok(())
}
