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
    /// Read and nothing found wrong, but not proven genuine (e.g. no Active Authentication
    /// key on a card model that always has one): the alerts say why.
    pub not_proven: bool,
    pub alerts: Vec<Message>,
    pub comparisons: Vec<FieldComparison>,
    /// The chip's DG2 portrait (JPEG or JPEG 2000, as the chip holds it).
    pub portrait_jpeg: Option<Vec<u8>>,
    pub millis: u64,
    /// The logged crossing; `None` when logging failed (see `log_error`).
    pub crossing_id: Option<i64>,
    /// Why the crossing is not in the log. The verdict stands; the officer must know the
    /// crossing is not recorded.
    pub log_error: Option<Message>,
    /// Shown under the verdict, not alerts: a check that could not run (no CRL for the
    /// card's CSCA), the trust store's notes.
    pub notes: Vec<Message>,
}

impl CheckpointResult {
    /// The one-line headline for the status bar: the verdict, and that it was not logged.
    pub fn headline(&self) -> Message {
        let (vi, en) = if self.verified {
            ("THẺ HỢP LỆ", "CARD VERIFIED")
        } else if self.not_proven {
            ("CHƯA CHỨNG MINH ĐƯỢC THẺ THẬT", "NOT PROVEN GENUINE")
        } else {
            ("CẢNH BÁO", "ALERT")
        };
        match &self.log_error {
            None if self.verified => Message::info(vi, en),
            None => Message::error(vi, en),
            Some(e) => Message::error(
                format!("{vi} — NHƯNG CHƯA GHI NHẬT KÝ: {}", e.vi),
                format!("{en} — but NOT LOGGED: {}", e.en),
            ),
        }
    }
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

/// Whether a card of this model must answer Active Authentication: its profile writes an
/// AA key into every chip (DG15 and the AA key command), so a chip of the model without
/// DG15 is not one it issued as it should be. A profile without them makes AA optional.
pub fn active_authentication_required(profile: &profiles::Profile) -> bool {
    profile.data_groups().contains(&15) && profile.personalization.aa_private_key.is_some()
}

/// What a presented card is checked against: the trust store, and whether its model
/// requires Active Authentication.
pub fn read_options(store: &pki::TrustStore, profile: &profiles::Profile) -> chip::ReadOptions {
    chip::ReadOptions {
        require_active_authentication: active_authentication_required(profile),
        ..chip::ReadOptions::with_trust(store)
    }
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
            // The screen leaves the expiry empty for a card without one (issued at 58 or
            // older); the MRZ writes that as <<<<<< (9303-3 §4.6).
            let expiry = if expiry.trim().is_empty() {
                "<<<<<<"
            } else {
                expiry.as_str()
            };
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
        Presented::QrScan => Presented::QrText(scan_card_qr(
            devices,
            &config.camera,
            cancel,
            Duration::from_secs(30),
        )?),
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
    let mut v = checkpoint::verify(&mut card, &key, &claim, &read_options(&store, &profile));
    v.notes.extend(store.notes.iter().cloned());
    Ok((claim, v))
}

/// Reads the card's QR code from the camera. A code meant as a card's (it has the card
/// code's `|` separators) that does not parse is reported at once with its parse error,
/// naming the field, instead of being passed over until the time runs out; other codes (a
/// poster, a phone) are passed over, and when no card code turns up the error says what the
/// camera did see.
pub fn scan_card_qr(
    devices: &Devices,
    spec: &str,
    cancel: &AtomicBool,
    timeout: Duration,
) -> Result<String, Message> {
    let other: std::cell::RefCell<Option<checkpoint::QrDataError>> = Default::default();
    let scanned = devices.scan_qr_with(spec, cancel, timeout, |t| match CardQr::parse(t) {
        Ok(_) => true,
        Err(_) if t.contains('|') => true,
        Err(e) => {
            other.borrow_mut().get_or_insert(e);
            false
        }
    });
    let bad_code = |e: &checkpoint::QrDataError| {
        let m = Message::from_display(e);
        Message::error(
            format!(
                "Camera đọc được mã QR nhưng không phải mã hợp lệ của thẻ: {}",
                m.vi
            ),
            format!(
                "The camera read a QR code, but not a valid card code: {}",
                m.en
            ),
        )
    };
    match scanned {
        Ok(text) => match CardQr::parse(&text) {
            Ok(_) => Ok(text),
            Err(e) => Err(bad_code(&e)),
        },
        Err(e) if cancel.load(Ordering::Relaxed) => Err(e),
        Err(e) => match other.into_inner() {
            Some(o) => {
                let m = bad_code(&o);
                Err(Message::error(
                    format!("{}; {}", m.vi, e.vi),
                    format!("{}; {}", m.en, e.en),
                ))
            }
            None => Err(e),
        },
    }
}

fn alert_message(a: &Alert) -> Message {
    Message::error(a.message_vi(), a.message_en())
}

/// What is logged for a verification: the person made loggable (control characters
/// replaced, overlong text cut with a marker), the alert codes collapsed to fit, and
/// `invalid_chip_data` when the person's text had to be cleaned (a card whose text needs
/// cleaning is never verified).
struct LogRow {
    verified: bool,
    codes: Vec<String>,
    id_number: String,
    full_name: String,
    /// Alerts the log adds to the verification's (the cleaning).
    added: Vec<String>,
}

fn log_row(claim: &Claim, v: &Verification) -> LogRow {
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
    let id_raw = person(Field::IdNumber);
    let name_raw = person(Field::FullName);
    let id = vault::loggable_text(&id_raw, vault::MAX_ID_NUMBER_BYTES);
    let name = vault::loggable_text(&name_raw, vault::MAX_NAME_BYTES);
    let cleaned = id.is_some() || name.is_some();
    let mut codes: Vec<String> = v.alerts.iter().map(Alert::code).collect();
    let mut added = Vec::new();
    if cleaned && !codes.iter().any(|c| c.starts_with("invalid_chip_data")) {
        added.push("invalid_chip_data".to_string());
        codes.extend(added.iter().cloned());
    }
    LogRow {
        verified: v.verified() && !cleaned,
        codes: vault::loggable_alerts(&codes),
        id_number: id.unwrap_or(id_raw),
        full_name: name.unwrap_or(name_raw),
        added,
    }
}

/// Logs the verification as a crossing (when a vault is open) and gives the screen its
/// verdict. Never loses the verdict: when the crossing cannot be logged, the result says
/// why in `log_error` beside the verdict.
pub fn log<C: Clock>(
    vault: Option<&mut Vault<C>>,
    claim: &Claim,
    v: &Verification,
    direction: Direction,
    checkpoint_id: &str,
) -> CheckpointResult {
    let row = log_row(claim, v);
    let logged = match vault {
        Some(vault) => vault
            .log_crossing(&NewCrossing {
                checkpoint: checkpoint_id,
                direction,
                verified: row.verified,
                alerts: &row.codes,
                id_number: &row.id_number,
                full_name: &row.full_name,
            })
            .map_err(|e| Message::from_display(&e)),
        None => Err(Message::error(
            "chưa mở kho dữ liệu (chưa đăng nhập)",
            "no vault open (not logged in)",
        )),
    };
    let mut alerts: Vec<Message> = v.alerts.iter().map(alert_message).collect();
    for code in &row.added {
        let (vi, en) = checkpoint::describe_code(code);
        alerts.push(Message::error(vi, en));
    }
    let (crossing_id, log_error) = match logged {
        Ok(id) => (Some(id), None),
        Err(e) => (None, Some(e)),
    };
    CheckpointResult {
        verified: row.verified,
        not_proven: v.not_proven() && row.added.is_empty(),
        alerts,
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
        log_error,
        notes: v
            .notes
            .iter()
            .map(|n| Message {
                error: false,
                ..Message::from_display(n)
            })
            .collect(),
    }
}

/// Why a checkpoint id cannot be logged, checked before the card is read.
pub fn check_checkpoint_id(id: &str) -> Result<(), Message> {
    if vault::checkpoint_id_is_valid(id) {
        Ok(())
    } else {
        Err(Message::error(
            format!(
                "mã chốt phải có từ 1 đến {} byte, không có ký tự điều khiển",
                vault::MAX_CHECKPOINT_BYTES
            ),
            format!(
                "the checkpoint id must be 1 to {} bytes, without control characters",
                vault::MAX_CHECKPOINT_BYTES
            ),
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use accounts::{ManualClock, Policy};

    fn vault(dir: &tempfile::TempDir) -> Vault<ManualClock> {
        Vault::create(
            &dir.path().join("v.db"),
            "chief",
            "correct horse battery staple",
            ManualClock::new(1_800_000_000),
            Policy::default(),
        )
        .unwrap()
    }

    /// A chip read whose DG13 says `name`, with `alerts` found.
    fn verification(name: &str, alerts: Vec<Alert>) -> Verification {
        Verification {
            alerts,
            comparisons: Vec::new(),
            reading: Some(chip::Reading {
                files: Vec::new(),
                mrz: None,
                fields: vec![
                    (Field::IdNumber, "001095012345".into()),
                    (Field::FullName, name.into()),
                ],
                portrait: None,
                fingers: Vec::new(),
                checks: Vec::new(),
                notes: Vec::new(),
            }),
            notes: Vec::new(),
            elapsed: Duration::from_millis(42),
        }
    }

    fn claim() -> Claim {
        Claim::Typed {
            id_number: Some("001095012345".into()),
            date_of_birth: None,
        }
    }

    /// Both built-in card models write an AA key into every chip: a chip of theirs without
    /// DG15 is not proven. A model without DG15 (or without the key command) makes it
    /// optional.
    #[test]
    fn active_authentication_is_required_where_the_card_model_always_has_it() {
        for name in ["vn-citizen-card", "jmrtd-passport-applet"] {
            let p = profiles::Profile::load(name).unwrap();
            assert!(active_authentication_required(&p), "{name}");
            let store = pki::TrustStore::new();
            assert!(read_options(&store, &p).require_active_authentication);
        }
        let mut p = profiles::Profile::load("vn-citizen-card").unwrap();
        p.personalization.aa_private_key = None;
        assert!(!active_authentication_required(&p));
        let mut p = profiles::Profile::load("vn-citizen-card").unwrap();
        p.files.retain(|f| f.name != "DG15");
        assert!(!active_authentication_required(&p));
    }

    /// A card read with nothing wrong but no AA key: not verified, not a red alert either;
    /// the screen's headline says "not proven".
    #[test]
    fn a_card_without_active_authentication_is_not_proven() {
        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        let no_aa = verification(
            "Nguyễn Văn An",
            vec![Alert::NoActiveAuthentication {
                detail: "no DG15".into(),
            }],
        );
        let r = log(Some(&mut v), &claim(), &no_aa, Direction::In, "g");
        assert!(!r.verified && r.not_proven);
        assert_eq!(r.headline().en, "NOT PROVEN GENUINE");
        assert!(r.alerts[0].en.contains("no DG15"), "{:?}", r.alerts);
        let rows = v.crossings_between(0, i64::MAX, None).unwrap();
        assert_eq!(rows[0].alerts, vec!["aa_not_possible"]);
        // With a real alert beside it, it is an alert.
        let both = verification(
            "Nguyễn Văn An",
            vec![
                Alert::NoActiveAuthentication {
                    detail: "no DG15".into(),
                },
                Alert::DataGroupHash { dg: 13 },
            ],
        );
        let r = log(Some(&mut v), &claim(), &both, Direction::In, "g");
        assert!(!r.verified && !r.not_proven);
        assert_eq!(r.headline().en, "ALERT");
    }

    /// A note (a check that could not run) reaches the screen in both languages, as
    /// information beside a verified verdict, not as an alert.
    #[test]
    fn notes_are_shown_beside_the_verdict() {
        let mut v = verification("Nguyễn Văn An", Vec::new());
        v.notes.push(
            "không có CRL cho CSCA của thẻ này: chưa kiểm tra thu hồi / no CRL for this card's CSCA: revocation not checked".into(),
        );
        let r = log::<ManualClock>(None, &claim(), &v, Direction::In, "g");
        assert!(r.verified && r.alerts.is_empty());
        assert_eq!(r.notes.len(), 1);
        assert!(!r.notes[0].error);
        assert_eq!(
            r.notes[0].en,
            "no CRL for this card's CSCA: revocation not checked"
        );
        assert!(r.notes[0].vi.starts_with("không có CRL"));
    }

    /// `text` as a QR code in a 480×480 frame file in a fresh folder: a virtual camera.
    fn camera_showing(text: &str) -> (tempfile::TempDir, String) {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let (n, colors) = (code.width(), code.to_colors());
        let module = 4;
        let img = image::GrayImage::from_fn(480, 480, |x, y| {
            let (u, v) = ((x as usize) / module, (y as usize) / module);
            // Four modules of quiet zone around the code.
            let dark = (4..n + 4).contains(&u)
                && (4..n + 4).contains(&v)
                && colors[(v - 4) * n + (u - 4)] == qrcode::Color::Dark;
            image::Luma([if dark { 20 } else { 235 }])
        });
        let dir = tempfile::tempdir().unwrap();
        img.save(dir.path().join("frame.png")).unwrap();
        let spec = format!("virtual:{}", dir.path().display());
        (dir, spec)
    }

    fn devices() -> Devices {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("station.toml");
        std::fs::write(
            &path,
            "station_id = \"T01\"\nstation_name = \"T\"\nreader = \"none\"\n\
             camera = \"virtual:frames\"\nprinter = \"none\"\nkeys = \"keys\"\noutput_dir = \"out\"\n",
        )
        .unwrap();
        Devices::real(&crate::StationConfig::load(&path).unwrap())
    }

    /// The camera sees a card code with an impossible birth date: the officer hears at
    /// once which field is wrong, not a generic "no QR code" after the time runs out.
    #[test]
    fn a_bad_card_qr_from_the_camera_says_which_field() {
        let good = "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Hà Nội|20112026";
        let cancel = AtomicBool::new(false);
        let (_d, spec) = camera_showing(&good.replace("12051995", "31021995"));
        let e = scan_card_qr(&devices(), &spec, &cancel, Duration::from_secs(20)).unwrap_err();
        assert!(
            e.en.starts_with("The camera read a QR code, but not a valid card code")
                && e.en.contains("Date of birth in the QR code is invalid"),
            "{e:?}"
        );
        assert!(e.vi.contains("năm sinh trong mã QR không hợp lệ"), "{e:?}");
        // A code that is no card's (a web address) is passed over; once the camera has
        // nothing more, the error says what it saw.
        let (_d, spec) = camera_showing("https://example.org/kbyt");
        let e = scan_card_qr(&devices(), &spec, &cancel, Duration::from_secs(20)).unwrap_err();
        assert!(e.en.contains("not a valid card code"), "{e:?}");
        assert!(e.en.contains("at least 7"), "{e:?}");
        // The card's own code is read.
        let (_d, spec) = camera_showing(good);
        assert_eq!(
            scan_card_qr(&devices(), &spec, &cancel, Duration::from_secs(20)).unwrap(),
            good
        );
    }

    /// Typed data with the expiry left empty is a card without expiry (<<<<<< in the MRZ),
    /// as the screen's hint says; a wrong expiry is still an error naming it.
    #[test]
    fn a_typed_card_without_expiry_can_be_checked() {
        let profile = profiles::Profile::load("vn-citizen-card").unwrap();
        let typed = |expiry: &str| Presented::Typed {
            id_number: "001060012345".into(),
            birth: "01011960".into(),
            expiry: expiry.into(),
        };
        for empty in ["", "  ", "<<<<<<", "none"] {
            let (claim, key) = claim_and_key(&typed(empty), &profile).unwrap();
            assert_eq!(key.date_of_expiry, "<<<<<<", "{empty:?}");
            assert_eq!(key.document_number, "060012345");
            assert!(key.mrz_information().is_ok());
            assert!(matches!(claim, Claim::Typed { .. }));
        }
        let (_, key) = claim_and_key(&typed("12052035"), &profile).unwrap();
        assert_eq!(key.date_of_expiry, "350512");
        let e = claim_and_key(&typed("abc"), &profile).unwrap_err();
        assert!(e.en.contains("date of expiry"), "{e:?}");
    }

    /// The station's trust folder with one broken file: the store still loads (the
    /// checkpoint screen stays usable) and the refused file is a note for the officer.
    #[test]
    fn a_broken_file_in_the_trust_folder_does_not_stop_the_checkpoint() {
        let p = pki::generate_test_pki("VN", "wf", time::OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let trust = dir.path().join("trust");
        std::fs::create_dir_all(&trust).unwrap();
        std::fs::write(trust.join("csca.der"), &p.csca_cert_der).unwrap();
        std::fs::write(
            trust.join("zz-broken.pem"),
            "-----BEGIN CERTIFICATE-----\nxx",
        )
        .unwrap();
        let path = dir.path().join("station.toml");
        std::fs::write(
            &path,
            format!(
                "station_id = \"T01\"\nstation_name = \"T\"\nreader = \"none\"\n\
                 camera = \"virtual:frames\"\nprinter = \"none\"\nkeys = \"keys\"\n\
                 output_dir = \"out\"\ntrust_dir = \"{}\"\n",
                trust.display()
            ),
        )
        .unwrap();
        let store = trust_store(&crate::StationConfig::load(&path).unwrap()).unwrap();
        assert_eq!(store.anchors_der(), vec![p.csca_cert_der.clone()]);
        assert!(
            store
                .notes
                .iter()
                .any(|n| n.contains("zz-broken.pem") && n.contains("NOT USED")),
            "{:?}",
            store.notes
        );
    }

    #[test]
    fn the_checkpoint_limits_are_the_logs() {
        assert_eq!(checkpoint::MAX_NAME_BYTES, vault::MAX_NAME_BYTES);
        assert_eq!(checkpoint::MAX_ID_NUMBER_BYTES, vault::MAX_ID_NUMBER_BYTES);
    }

    /// A forged chip's 1000-byte name with control characters and forty alerts: logged,
    /// cleaned and collapsed, never refused; the verdict is the verification's.
    #[test]
    fn a_hostile_chip_is_logged_cleaned() {
        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        let name = format!("\u{1b}[2J{}", "Ồ".repeat(333));
        let mut alerts: Vec<Alert> = (1..=40).map(|dg| Alert::DataGroupMissing { dg }).collect();
        alerts.push(Alert::InvalidChipText {
            field: Field::FullName,
            detail: "control".into(),
        });
        let r = log(
            Some(&mut v),
            &claim(),
            &verification(&name, alerts),
            Direction::In,
            "north-gate",
        );
        assert_eq!(r.log_error, None);
        assert!(!r.verified);
        assert_eq!(r.alerts.len(), 41, "the screen shows every alert");
        let rows = v.crossings_between(0, i64::MAX, None).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(Some(rows[0].id), r.crossing_id);
        assert_eq!(
            rows[0].alerts,
            vec!["dg_missing.count_40", "invalid_chip_data.full_name"]
        );
        assert!(rows[0].full_name.len() <= vault::MAX_NAME_BYTES);
        assert!(rows[0].full_name.starts_with("\u{FFFD}[2JỒ"));
        assert!(rows[0].full_name.contains("…[+"));

        // Text that needs cleaning on a card the verification found nothing wrong with is
        // not logged as verified (the log adds invalid_chip_data).
        let r = log(
            Some(&mut v),
            &claim(),
            &verification("Nguyễn\tVăn An", Vec::new()),
            Direction::Out,
            "north-gate",
        );
        assert!(!r.verified);
        assert_eq!(r.log_error, None);
        assert!(r.alerts[0].en.contains("cleaned"), "{:?}", r.alerts);
        let rows = v.crossings_between(0, i64::MAX, None).unwrap();
        assert_eq!(rows[1].alerts, vec!["invalid_chip_data"]);
        assert_eq!(rows[1].full_name, "Nguyễn\u{FFFD}Văn An");
    }

    /// The vault refuses the row (here: no vault open, then one that cannot write): the
    /// verdict stays, with the reason it was not logged.
    #[test]
    fn a_crossing_that_cannot_be_logged_keeps_its_verdict() {
        let good = verification("Nguyễn Văn An", Vec::new());
        let r = log::<ManualClock>(None, &claim(), &good, Direction::In, "g");
        assert!(r.verified);
        assert_eq!(r.crossing_id, None);
        assert!(r.log_error.is_some());
        let h = r.headline();
        assert!(h.error && h.en.contains("CARD VERIFIED") && h.en.contains("NOT LOGGED"));

        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        v.connection()
            .execute_batch(
                "CREATE TRIGGER full BEFORE INSERT ON crossings
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        let bad = verification(
            "Nguyễn Văn An",
            vec![Alert::RevokedSigner {
                detail: "CRL".into(),
            }],
        );
        let r = log(Some(&mut v), &claim(), &bad, Direction::In, "g");
        assert!(!r.verified);
        assert_eq!(r.alerts.len(), 1);
        assert!(r.log_error.as_ref().unwrap().en.contains("disk full"));
        assert!(r.headline().en.starts_with("ALERT — but NOT LOGGED"));
        let ok = log(Some(&mut v), &claim(), &good, Direction::In, "g");
        assert!(ok.verified && ok.log_error.is_some());
        assert!(check_checkpoint_id("g").is_ok());
        assert!(check_checkpoint_id("a\u{0}b")
            .unwrap_err()
            .en
            .contains("checkpoint id"));
    }
}
