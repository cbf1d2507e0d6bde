//! Checkpoint mode in the engine: verify a presented card (its QR code, or typed data, then
//! its chip with passive and active authentication against the station's trust store),
//! log the crossing in the vault, and list the day's crossings for the screen.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use accounts::Clock;
use checkpoint::{AccessKey, Alert, CardQr, Claim, Verification};
use citizen::Field;
use vault::{Direction, NewCrossing, Vault, VaultError};

use crate::config::StationConfig;
use crate::devices::Devices;
use crate::engine::Message;

/// What the card presents.
#[derive(Debug, Clone)]
pub enum Presented {
    /// The QR code printed on the card, as text (hand scanner or typed).
    QrText(String),
    /// Read the card's QR code from the camera.
    QrScan,
    /// Typed: ID number, birth and expiry (DDMMYYYY or YYMMDD; expiry may be empty for a
    /// card without one).
    Typed {
        id_number: String,
        birth: String,
        expiry: String,
    },
}

/// One field as the card claims it beside the chip's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldComparison {
    pub label_vi: String,
    pub label_en: String,
    pub claimed: String,
    pub chip: Option<String>,
    pub matches: bool,
}

/// The verdict for the screen.
#[derive(Debug, Clone)]
pub struct CheckpointResult {
    pub verified: bool,
    pub alerts: Vec<Message>,
    pub comparisons: Vec<FieldComparison>,
    /// The chip's DG2 portrait (JPEG or JPEG 2000, as the chip holds it).
    pub portrait_jpeg: Option<Vec<u8>>,
    pub millis: u64,
    pub crossing_id: i64,
}

/// A logged crossing for the day's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossingRow {
    /// HH:MM station time.
    pub time: String,
    pub direction_vi: String,
    pub direction_en: String,
    pub checkpoint: String,
    pub officer: String,
    pub id_number: String,
    pub full_name: String,
    pub verified: bool,
    pub alerts: Vec<Message>,
}

/// The station's trust store: the CSCA folder, master lists and CRLs the station file
/// names; without any, the station's own CSCA (cards it issued).
pub fn trust_store(config: &StationConfig) -> Result<pki::TrustStore, Message> {
    let now = time::OffsetDateTime::now_utc();
    let err = |e: pki::TrustError| Message::from_display(&e);
    let mut store = pki::TrustStore::new();
    if let Some(dir) = &config.trust_dir {
        store.load_folder(dir, now).map_err(err)?;
    }
    for ml in &config.master_lists {
        store.load_master_list(ml, now).map_err(err)?;
    }
    if store.anchors().is_empty() {
        let own = config.keys.join("csca.der");
        let bytes = std::fs::read(&own).map_err(|e| {
            Message::error(
                format!("Chưa có CSCA tin cậy ({}: {e})", own.display()),
                format!("No trusted CSCA ({}: {e})", own.display()),
            )
        })?;
        store
            .add_certificates(&bytes, &own.display().to_string())
            .map_err(err)?;
    }
    for crl in &config.crls {
        store.load_crl(crl, now).map_err(err)?;
    }
    Ok(store)
}

/// The claim and access key from what the card presents (the QR from the camera is read
/// by the caller first).
pub fn claim_and_key(
    text_or_typed: &Presented,
    profile: &profiles::Profile,
) -> Result<(Claim, AccessKey), Message> {
    let rule = crate::devices::policy_for(profile)?.expiry;
    match text_or_typed {
        Presented::QrText(t) => {
            let q = CardQr::parse(t).map_err(|e| Message::from_display(&e))?;
            let key = AccessKey::from_qr(&q, &rule).map_err(|e| Message::from_display(&e))?;
            Ok((Claim::Qr(q), key))
        }
        Presented::Typed {
            id_number,
            birth,
            expiry,
        } => {
            let key = AccessKey::typed(id_number, birth, expiry)
                .map_err(|e| Message::from_display(&e))?;
            let id = id_number.trim();
            Ok((
                Claim::Typed {
                    id_number: (id.len() == 12).then(|| id.to_string()),
                    date_of_birth: checkpoint::parse_typed_date(birth).and_then(|(_, d)| d),
                },
                key,
            ))
        }
        Presented::QrScan => Err(Message::error(
            "Chưa đọc mã QR",
            "The QR code has not been read",
        )),
    }
}

/// Blocking: reads the QR from the camera when asked, waits for the card, reads and
/// verifies it. Never logs; see [`log`].
pub fn run(
    devices: &Devices,
    config: &StationConfig,
    presented: Presented,
    cancel: &AtomicBool,
) -> Result<(Claim, Verification), Message> {
    let presented = match presented {
        Presented::QrScan => {
            let text =
                devices.scan_qr_with(&config.camera, cancel, Duration::from_secs(30), |t| {
                    CardQr::parse(t).is_ok()
                })?;
            Presented::QrText(text)
        }
        p => p,
    };
    let profile =
        profiles::Profile::load(&config.profile).map_err(|e| Message::from_display(&e))?;
    let (claim, key) = claim_and_key(&presented, &profile)?;
    let store = trust_store(config)?;
    let mut card = devices.connect_card(config, cancel)?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Message::error("Đã dừng", "Stopped"));
    }
    let v = checkpoint::verify(
        &mut card,
        &key,
        &claim,
        &chip::ReadOptions::with_trust(&store),
    );
    Ok((claim, v))
}

fn alert_message(a: &Alert) -> Message {
    Message::error(a.message_vi(), a.message_en())
}

/// Logs the verification as a crossing and gives the screen its verdict.
pub fn log<C: Clock>(
    vault: &mut Vault<C>,
    claim: &Claim,
    v: &Verification,
    direction: Direction,
    checkpoint_id: &str,
) -> Result<CheckpointResult, VaultError> {
    let claimed = |f: Field| {
        claim
            .fields()
            .into_iter()
            .find(|(g, _)| *g == f)
            .map(|(_, s)| s)
            .unwrap_or_default()
    };
    // The person as the chip says, when it was read; otherwise as the card claims.
    let person = |f: Field| {
        v.chip_field(f)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| claimed(f))
    };
    let codes: Vec<String> = v.alerts.iter().map(Alert::code).collect();
    let crossing_id = vault.log_crossing(&NewCrossing {
        checkpoint: checkpoint_id,
        direction,
        verified: v.verified(),
        alerts: &codes,
        id_number: &person(Field::IdNumber),
        full_name: &person(Field::FullName),
    })?;
    Ok(CheckpointResult {
        verified: v.verified(),
        alerts: v.alerts.iter().map(alert_message).collect(),
        comparisons: v
            .comparisons
            .iter()
            .map(|c| FieldComparison {
                label_vi: c.field.label_vi().to_string(),
                label_en: c.field.label_en().to_string(),
                claimed: c.claimed.clone(),
                chip: c.chip.clone(),
                matches: c.matches,
            })
            .collect(),
        portrait_jpeg: v.reading.as_ref().and_then(|r| r.portrait.clone()),
        millis: v.elapsed.as_millis() as u64,
        crossing_id,
    })
}

/// Today's crossings at this station (station time), oldest first.
pub fn today<C: Clock>(
    vault: &mut Vault<C>,
    config: &StationConfig,
) -> Result<Vec<CrossingRow>, VaultError> {
    let offset = config.offset().unwrap_or(time::UtcOffset::UTC);
    let day = config.today();
    let start = day.midnight().assume_offset(offset).unix_timestamp();
    let rows = vault.crossings_between(start, start + 86_400, None)?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let t = time::OffsetDateTime::from_unix_timestamp(c.at)
                .map(|t| t.to_offset(offset))
                .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
                .unwrap_or_default();
            CrossingRow {
                time: t,
                direction_vi: c.direction.label_vi().to_string(),
                direction_en: c.direction.as_str().to_string(),
                checkpoint: c.checkpoint,
                officer: c.officer_name,
                id_number: c.id_number,
                full_name: c.full_name,
                verified: c.verified,
                alerts: c
                    .alerts
                    .iter()
                    .map(|code| {
                        let (vi, en) = checkpoint::describe_code(code);
                        Message::error(vi, en)
                    })
                    .collect(),
            }
        })
        .collect())
}
