//! Verifying a presented card: read the chip with the access key, run passive and active
//! authentication against the trust store, compare the chip's fields with what the card
//! claims (its QR code or typed data), and turn every failure into an [`Alert`] an officer
//! can act on.

use crate::card_qr::{normalize_text, parse_ddmmyyyy, CardQr};
use crate::AccessKey;
use cardreader::CardTransport;
use chip::{CheckKind, CheckOutcome, ReadOptions, Reading};
use citizen::Field;
use std::time::{Duration, Instant};
use time::Date;

/// What the card claims, to be compared with its chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The card's QR code: seven fields.
    Qr(CardQr),
    /// Typed by the officer: the ID number when all 12 digits were typed, the birth date
    /// when its century was typed.
    Typed {
        id_number: Option<String>,
        date_of_birth: Option<Date>,
    },
}

impl Claim {
    /// The claimed fields in DG13's display form.
    pub fn fields(&self) -> Vec<(Field, String)> {
        match self {
            Claim::Qr(q) => q.fields(),
            Claim::Typed {
                id_number,
                date_of_birth,
            } => {
                let mut v = Vec::new();
                if let Some(id) = id_number {
                    v.push((Field::IdNumber, id.clone()));
                }
                if let Some(d) = date_of_birth {
                    v.push((
                        Field::DateOfBirth,
                        format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year()),
                    ));
                }
                v
            }
        }
    }
}

/// One reason a card is not verified. Messages name what failed in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// The chip says something else than the card's QR code (or the typed data).
    FieldMismatch {
        field: Field,
        claimed: String,
        chip: String,
    },
    /// EF.SOD's signature (or its signed attributes) does not verify: the signed data were
    /// altered or the SOD is forged.
    SodSignature { detail: String },
    /// A data group differs from its hash in EF.SOD: altered after signing.
    DataGroupHash { dg: u8 },
    /// A data group EF.SOD lists is missing from the chip.
    DataGroupMissing { dg: u8 },
    /// The Document Signer is not certified by a trusted CSCA (or its certificate is expired
    /// or badly signed).
    UnknownSigner { detail: String },
    /// A verified CSCA CRL revokes the Document Signer.
    RevokedSigner { detail: String },
    /// The chip does not hold the Active Authentication key: a clone.
    ActiveAuthentication { detail: String },
    /// The chip has no Active Authentication key (DG15) though its card model always has
    /// one: it cannot be proven not to be a clone. Not proven, not a proven forgery.
    NoActiveAuthentication { detail: String },
    /// The chip's Active Authentication key is of an algorithm this station cannot check
    /// (RSA AA): not proven, not a clone alert.
    AaUnsupported { detail: String },
    /// Other inconsistencies in what the chip returned (DG1 against the access key, a data
    /// group that does not parse).
    ChipData { what: String, detail: String },
    /// Nothing failed but the card could not be proven genuine (no EF.SOD, no trusted CSCA).
    NotProven { detail: String },
    /// A DG13 field holds text no genuine card holds: control characters, or an ID number
    /// or a name longer than the crossing log keeps ([`MAX_ID_NUMBER_BYTES`],
    /// [`MAX_NAME_BYTES`]). The log keeps a cleaned copy.
    InvalidChipText { field: Field, detail: String },
    /// BAC failed or the chip could not be read: wrong QR data, or not this card's chip.
    ChipUnreadable { detail: String },
    /// The card left the reader during the read.
    CardRemoved,
}

impl Alert {
    /// A short code with no personal data, for the crossing log and reports.
    pub fn code(&self) -> String {
        match self {
            Alert::FieldMismatch { field, .. } => format!("mismatch.{}", field.json_key()),
            Alert::SodSignature { .. } => "sod_signature".into(),
            Alert::DataGroupHash { dg } => format!("dg_hash.{dg}"),
            Alert::DataGroupMissing { dg } => format!("dg_missing.{dg}"),
            Alert::UnknownSigner { .. } => "unknown_signer".into(),
            Alert::RevokedSigner { .. } => "revoked_signer".into(),
            Alert::ActiveAuthentication { .. } => "active_auth".into(),
            Alert::NoActiveAuthentication { .. } => "aa_not_possible".into(),
            Alert::AaUnsupported { .. } => "aa_unsupported".into(),
            Alert::ChipData { .. } => "chip_data".into(),
            Alert::InvalidChipText { field, .. } => {
                format!("invalid_chip_data.{}", field.json_key())
            }
            Alert::NotProven { .. } => "not_proven".into(),
            Alert::ChipUnreadable { .. } => "chip_unreadable".into(),
            Alert::CardRemoved => "card_removed".into(),
        }
    }

    /// The alert for the officer, Vietnamese.
    pub fn message_vi(&self) -> String {
        let (head, _) = describe_code(&self.code());
        match self {
            Alert::FieldMismatch { claimed, chip, .. } => {
                format!("{head}: mã QR ghi {claimed:?}, chip ghi {chip:?}")
            }
            Alert::ChipData { what, .. } => format!("{head}: {what}"),
            _ => head,
        }
    }

    /// The alert for the officer, English.
    pub fn message_en(&self) -> String {
        let (_, head) = describe_code(&self.code());
        match self {
            Alert::FieldMismatch { claimed, chip, .. } => {
                format!("{head}: the QR code says {claimed:?}, the chip says {chip:?}")
            }
            Alert::ChipData { what, .. } => format!("{head}: {what}"),
            _ => head,
        }
    }

    /// Whether this alert says only that the card could not be proven genuine (nothing was
    /// found wrong): exit 3, "card read but not proven genuine", rather than a red alert.
    pub fn is_not_proven(&self) -> bool {
        matches!(
            self,
            Alert::NotProven { .. }
                | Alert::NoActiveAuthentication { .. }
                | Alert::AaUnsupported { .. }
        )
    }

    /// What the check itself reported, when it said more.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Alert::SodSignature { detail }
            | Alert::UnknownSigner { detail }
            | Alert::RevokedSigner { detail }
            | Alert::ActiveAuthentication { detail }
            | Alert::NoActiveAuthentication { detail }
            | Alert::AaUnsupported { detail }
            | Alert::ChipData { detail, .. }
            | Alert::InvalidChipText { detail, .. }
            | Alert::NotProven { detail }
            | Alert::ChipUnreadable { detail } => Some(detail),
            _ => None,
        }
    }
}

/// Vietnamese and English text for an alert code (as logged), e.g. in the daily report.
/// The log collapses many codes of one kind into `KIND.count_N` and cuts an overlong list
/// with `more.count_N` (vault::crossings::loggable_alerts).
pub fn describe_code(code: &str) -> (String, String) {
    let (kind, arg) = code.split_once('.').unwrap_or((code, ""));
    if let Some(n) = arg
        .strip_prefix("count_")
        .and_then(|n| n.parse::<usize>().ok())
    {
        return match kind {
            "mismatch" => (
                format!("{n} mục trên chip khác mã QR"),
                format!("{n} fields on the chip differ from the QR code"),
            ),
            "dg_hash" => (
                format!("{n} nhóm dữ liệu bị sửa sau khi ký (mã băm không khớp)"),
                format!("{n} data groups altered after signing (hash mismatch)"),
            ),
            "dg_missing" => (
                format!("chip thiếu {n} nhóm dữ liệu đã được ký"),
                format!("the chip lacks {n} signed data groups"),
            ),
            "invalid_chip_data" => (
                format!("{n} mục trong chip chứa văn bản không hợp lệ"),
                format!("{n} chip fields hold invalid text"),
            ),
            "more" => (
                format!("thêm {n} cảnh báo không được ghi"),
                format!("{n} more alerts not logged"),
            ),
            _ => (format!("{kind} ×{n}"), format!("{kind} ×{n}")),
        };
    }
    let field = Field::from_json_key(arg);
    match (kind, field) {
        ("mismatch", Some(f)) => (
            format!("{} trên chip khác mã QR", f.label_vi()),
            format!("{} on the chip differs from the QR code", f.label_en()),
        ),
        ("dg_hash", _) => (
            format!("DG{arg} bị sửa sau khi ký (mã băm không khớp)"),
            format!("DG{arg} altered after signing (hash mismatch)"),
        ),
        ("dg_missing", _) => (
            format!("chip thiếu DG{arg} đã được ký"),
            format!("the chip lacks the signed DG{arg}"),
        ),
        ("sod_signature", _) => (
            "chữ ký EF.SOD không hợp lệ".into(),
            "bad EF.SOD signature".into(),
        ),
        ("unknown_signer", _) => (
            "người ký không được CSCA tin cậy chứng nhận".into(),
            "unknown signer: not certified by a trusted CSCA".into(),
        ),
        ("revoked_signer", _) => ("người ký đã bị thu hồi".into(), "revoked signer".into()),
        ("active_auth", _) => (
            "xác thực chủ động thất bại: chip có thể là bản sao".into(),
            "Active Authentication failed: the chip may be a clone".into(),
        ),
        ("aa_unsupported", _) => (
            "trạm này không hỗ trợ thuật toán xác thực chủ động của chip: không chứng minh được chip không phải bản sao".into(),
            "Active Authentication algorithm not supported by this station: the chip cannot be proven not to be a clone".into(),
        ),
        ("aa_not_possible", _) => (
            "không thể xác thực chủ động (chip không có DG15): không chứng minh được chip không phải bản sao".into(),
            "Active Authentication not possible (no DG15): the chip cannot be proven not to be a clone".into(),
        ),
        ("chip_data", _) => (
            "dữ liệu chip không nhất quán".into(),
            "inconsistent chip data".into(),
        ),
        ("invalid_chip_data", Some(f)) => (
            format!(
                "{} trong chip chứa ký tự điều khiển hoặc quá dài (dữ liệu chip không hợp lệ)",
                f.label_vi()
            ),
            format!(
                "{} in the chip holds control characters or is too long (invalid chip data)",
                f.label_en()
            ),
        ),
        ("invalid_chip_data", None) => (
            "văn bản trong chip không hợp lệ, đã được làm sạch khi ghi nhật ký".into(),
            "invalid text in the chip, cleaned for the log".into(),
        ),
        ("not_proven", _) => (
            "không chứng minh được thẻ là thật".into(),
            "the card could not be proven genuine".into(),
        ),
        ("chip_unreadable", _) => (
            "không mở được chip: dữ liệu QR sai hoặc không phải chip của thẻ này".into(),
            "chip unreadable: wrong QR data, or not this card's chip".into(),
        ),
        ("card_removed", _) => (
            "thẻ bị rút ra khi đang đọc".into(),
            "card removed during the read".into(),
        ),
        _ => (code.to_string(), code.to_string()),
    }
}

/// Longest ID number a card may hold for the crossing log, bytes (a citizen's is 12 digits);
/// equal to the vault's limit, which refuses longer rows.
pub const MAX_ID_NUMBER_BYTES: usize = 64;
/// Longest full name a card may hold for the crossing log, bytes (100 characters of
/// Vietnamese in UTF-8 fit); equal to the vault's limit.
pub const MAX_NAME_BYTES: usize = 400;

/// What is wrong with a DG13 text no genuine card holds, if anything. A signed card is no
/// excuse: the text still goes to the screen, the log and the reports.
fn invalid_chip_text(field: Field, value: &str) -> Option<String> {
    if value.chars().any(char::is_control) {
        return Some("chứa ký tự điều khiển / contains control characters".to_string());
    }
    let max = match field {
        Field::IdNumber => MAX_ID_NUMBER_BYTES,
        Field::FullName => MAX_NAME_BYTES,
        _ => return None,
    };
    (value.len() > max).then(|| {
        format!(
            "dài {0} byte, quá {max} / {0} bytes long, over {max}",
            value.len()
        )
    })
}

/// One claimed field beside the chip's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub field: Field,
    pub claimed: String,
    /// `None` when the chip was not read or carries no DG13.
    pub chip: Option<String>,
    pub matches: bool,
}

/// The checkpoint's answer.
#[derive(Debug, Clone)]
pub struct Verification {
    pub alerts: Vec<Alert>,
    pub comparisons: Vec<Comparison>,
    /// What was read, when the chip opened.
    pub reading: Option<Reading>,
    /// What the officer should see that is no alert: the reading's notes (a check that
    /// could not run, such as revocation with no CRL of the card's CSCA); callers add the
    /// trust store's (a stale CRL, files left out).
    pub notes: Vec<String>,
    /// Chip read, authentication and comparison.
    pub elapsed: Duration,
}

impl Verification {
    /// Verified: the chip was read, every check passed including the signer's chain, and
    /// every claimed field matches.
    pub fn verified(&self) -> bool {
        self.alerts.is_empty() && self.reading.is_some()
    }

    /// Read, nothing found wrong, but not proven genuine (no EF.SOD, no trusted CSCA, no
    /// Active Authentication key on a card model that has one).
    pub fn not_proven(&self) -> bool {
        self.reading.is_some()
            && !self.alerts.is_empty()
            && self.alerts.iter().all(Alert::is_not_proven)
    }

    /// The chip's value of a field, when read.
    pub fn chip_field(&self, field: Field) -> Option<&str> {
        self.reading.as_ref().and_then(|r| {
            r.fields
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, v)| v.as_str())
        })
    }
}

/// Whether the chip's value says the same as the claimed one: text in NFC with single spaces,
/// letter case ignored (a scanner or a typist may change it); dates as dates.
fn same(field: Field, claimed: &str, chip: &str) -> bool {
    match field {
        Field::DateOfBirth | Field::DateOfIssue => {
            let date = |s: &str| parse_ddmmyyyy(&s.replace('/', ""));
            match (date(claimed), date(chip)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
        }
        _ => normalize_text(claimed).to_lowercase() == normalize_text(chip).to_lowercase(),
    }
}

/// Reads the card in `t` with `key` and verifies it against `opts` (trust store) and
/// `claim`. Never fails: a card that cannot be read is an alert.
pub fn verify<T: CardTransport + ?Sized>(
    t: &mut T,
    key: &AccessKey,
    claim: &Claim,
    opts: &ReadOptions,
) -> Verification {
    let started = Instant::now();
    let claimed = claim.fields();
    let unread = |alert: Alert| Verification {
        alerts: vec![alert],
        comparisons: claimed
            .iter()
            .map(|(f, v)| Comparison {
                field: *f,
                claimed: v.clone(),
                chip: None,
                matches: false,
            })
            .collect(),
        reading: None,
        notes: Vec::new(),
        elapsed: started.elapsed(),
    };
    let info = match key.mrz_information() {
        Ok(i) => i,
        Err(e) => {
            return unread(Alert::ChipUnreadable {
                detail: e.to_string(),
            })
        }
    };
    let reading = match chip::read_card(t, &info, opts) {
        Ok(r) => r,
        Err(e) if e.card_gone() => return unread(Alert::CardRemoved),
        Err(e) => {
            return unread(Alert::ChipUnreadable {
                detail: e.to_string(),
            })
        }
    };
    let mut alerts = Vec::new();
    for c in &reading.checks {
        let detail = match &c.outcome {
            CheckOutcome::Passed => continue,
            CheckOutcome::NotRun(why) => {
                alerts.push(match c.kind {
                    CheckKind::ActiveAuthenticationKey => Alert::NoActiveAuthentication {
                        detail: why.clone(),
                    },
                    // AA was not run: the key's algorithm is not supported here.
                    CheckKind::ActiveAuthentication => Alert::AaUnsupported {
                        detail: why.clone(),
                    },
                    _ => Alert::NotProven {
                        detail: format!("{} / {}: {why}", c.name_vi, c.name_en),
                    },
                });
                continue;
            }
            CheckOutcome::Failed(why) => why.clone(),
        };
        alerts.push(match c.kind {
            CheckKind::SodSignature => Alert::SodSignature { detail },
            CheckKind::SignerCertified => Alert::UnknownSigner { detail },
            CheckKind::SignerNotRevoked => Alert::RevokedSigner { detail },
            CheckKind::DataGroupHash(dg) => Alert::DataGroupHash { dg },
            CheckKind::DataGroupMissing(dg) => Alert::DataGroupMissing { dg },
            CheckKind::ActiveAuthentication => Alert::ActiveAuthentication { detail },
            // Never failed, only not run; a failure would still be no proof of forgery.
            CheckKind::ActiveAuthenticationKey => Alert::NoActiveAuthentication { detail },
            CheckKind::Structure => Alert::ChipData {
                what: format!("{} / {}", c.name_vi, c.name_en),
                detail,
            },
        });
    }
    for (field, value) in &reading.fields {
        if let Some(detail) = invalid_chip_text(*field, value) {
            alerts.push(Alert::InvalidChipText {
                field: *field,
                detail,
            });
        }
    }
    // A card with a DG13 layout is expected: a chip without one cannot back its QR code.
    let mut comparisons = Vec::new();
    for (field, value) in claimed {
        let chip = reading
            .fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone());
        let matches = chip.as_deref().is_some_and(|c| same(field, &value, c));
        if !matches {
            alerts.push(Alert::FieldMismatch {
                field,
                claimed: value.clone(),
                chip: chip.clone().unwrap_or_default(),
            });
        }
        comparisons.push(Comparison {
            field,
            claimed: value,
            chip,
            matches,
        });
    }
    Verification {
        alerts,
        comparisons,
        notes: reading.notes.clone(),
        reading: Some(reading),
        elapsed: started.elapsed(),
    }
}
