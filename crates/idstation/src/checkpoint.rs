//! `idstation checkpoint verify` and `idstation report checkpoint`: verifying a presented card
//! at a checkpoint (its QR code or typed data, its chip against the trust store), logging the
//! crossing in the vault, and the day's list of crossings.

use crate::card::connect;
use crate::record::{load_profile, policy_for};
use crate::session::VaultLogin;
use crate::Failure;
use checkpoint::{AccessKey, CardQr, Claim, Verification};
use chip::CheckOutcome;
use citizen::Field;
use serde_json::json;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use vault::{Crossing, Direction};
use workflow::report::csv_field;

#[derive(clap::Subcommand)]
pub enum CheckpointCommand {
    /// Verifies a presented card: BAC keys from its QR code (or typed data), the chip read
    /// with passive and active authentication against the trust store, the chip's fields
    /// compared with the QR code's; logs the crossing. Exit 0 only for a verified card whose
    /// crossing is logged, 3 for a card read but not proven genuine, 1 for any alert or a
    /// crossing not logged, 2 for bad input.
    Verify(VerifyArgs),
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum DirectionArg {
    In,
    Out,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("claim").required(true).args(["qr", "qr_image", "id_number"])))]
pub struct VerifyArgs {
    #[arg(long)]
    reader: String,
    /// The card's QR code text, as a scanner delivers it.
    #[arg(long)]
    qr: Option<String>,
    /// A photo or scan (PNG/JPEG) of the card's QR code.
    #[arg(long)]
    qr_image: Option<PathBuf>,
    /// Typed instead of a QR code: the 12-digit ID number (or the 9-character document number).
    #[arg(long, requires_all = ["birth", "expiry"])]
    id_number: Option<String>,
    /// Typed date of birth: YYMMDD, DDMMYYYY or YYYY-MM-DD.
    #[arg(long, requires = "id_number")]
    birth: Option<String>,
    /// Typed date of expiry: YYMMDD, DDMMYYYY, YYYY-MM-DD, or "<<<<<<" for none.
    #[arg(long, requires = "id_number")]
    expiry: Option<String>,
    /// Entering (in) or leaving (out) the area.
    #[arg(long, value_enum)]
    direction: DirectionArg,
    /// This checkpoint's id, as the log and the report show it.
    #[arg(long, env = "IDSTATION_CHECKPOINT", default_value = "checkpoint")]
    checkpoint: String,
    /// Folder of trusted CSCA certificates (.der/.cer/.crt/.pem), master lists (.ml) and
    /// CRLs (.crl). A broken or unverified file in it is left out with a warning naming it.
    #[arg(long)]
    trust: Option<PathBuf>,
    /// An ICAO CSCA master list (CMS); its signer must be certified by a CSCA already trusted.
    #[arg(long)]
    master_list: Vec<PathBuf>,
    /// A CSCA's CRL (DER or PEM) revoking Document Signers.
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// Firmware profile whose expiry rule gives the card's expiry from the QR code.
    #[arg(long, default_value = "vn-citizen-card")]
    profile: String,
    /// Folder to save the chip's portrait in.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds to wait for a card in the reader.
    #[arg(long, default_value_t = 30)]
    wait: u64,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    login: VaultLogin,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The day, YYYY-MM-DD (local date).
    #[arg(long)]
    date: String,
    /// FILE.csv or FILE.pdf.
    #[arg(long)]
    out: PathBuf,
    /// Only this checkpoint.
    #[arg(long)]
    checkpoint: Option<String>,
    /// The station file, for its time zone (otherwise the system's).
    #[arg(long, env = "IDSTATION_STATION")]
    station: Option<PathBuf>,
    #[command(flatten)]
    login: VaultLogin,
}

pub fn run(cmd: CheckpointCommand) -> Result<u8, Failure> {
    match cmd {
        CheckpointCommand::Verify(a) => verify(a),
    }
}

/// The claim and access key from the QR text, QR image or typed data.
fn claim_and_key(
    a: &VerifyArgs,
    profile: &profiles::Profile,
) -> Result<(Claim, AccessKey), Failure> {
    let rule = || -> Result<citizen::ExpiryRule, Failure> { Ok(policy_for(profile)?.expiry) };
    let from_qr = |qr: CardQr| -> Result<(Claim, AccessKey), Failure> {
        let key = AccessKey::from_qr(&qr, &rule()?).map_err(|e| Failure::input(e.to_string()))?;
        Ok((Claim::Qr(qr), key))
    };
    if let Some(text) = &a.qr {
        return from_qr(CardQr::parse(text).map_err(|e| Failure::input(e.to_string()))?);
    }
    if let Some(path) = &a.qr_image {
        let texts = qr::decode_image_file(path).map_err(|e| Failure::input(e.to_string()))?;
        // The card's code among whatever else the photo shows; else why the first is not.
        let mut first_error = None;
        for t in &texts {
            match CardQr::parse(t) {
                Ok(q) => return from_qr(q),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        return Err(Failure::input(match first_error {
            Some(e) => e.to_string(),
            None => qr::QrError::NoCode.to_string(),
        }));
    }
    let (Some(id), Some(birth), Some(expiry)) = (&a.id_number, &a.birth, &a.expiry) else {
        return Err(Failure::input(
            "cần --qr, --qr-image hoặc --id-number --birth --expiry / give --qr, --qr-image or --id-number --birth --expiry",
        ));
    };
    let key = AccessKey::typed(id, birth, expiry).map_err(|e| Failure::input(e.to_string()))?;
    let id = id.trim();
    let claim = Claim::Typed {
        id_number: (id.len() == 12).then(|| id.to_string()),
        date_of_birth: checkpoint::parse_typed_date(birth).and_then(|(_, d)| d),
    };
    Ok((claim, key))
}

/// The trust store from --trust, --master-list and --crl; refuses an empty one (nothing
/// could be proven genuine).
fn trust_store(a: &VerifyArgs) -> Result<pki::TrustStore, Failure> {
    let now = time::OffsetDateTime::now_utc();
    let input = |e: pki::TrustError| Failure::input(e.to_string());
    let mut store = pki::TrustStore::new();
    if let Some(dir) = &a.trust {
        store.load_folder(dir, now).map_err(input)?;
    }
    for ml in &a.master_list {
        store.load_master_list(ml, now).map_err(input)?;
    }
    for crl in &a.crl {
        store.load_crl(crl, now).map_err(input)?;
    }
    // A folder's refused files are left out (the rest is used) and said at once; the
    // verdict's notes repeat them.
    for e in &store.refused {
        eprintln!("cảnh báo / warning: {e}");
    }
    if store.anchors().is_empty() {
        return Err(Failure::input(
            "chưa có CSCA tin cậy nào: cần --trust DIR hoặc --master-list FILE / no trusted CSCA: give --trust DIR or --master-list FILE",
        ));
    }
    Ok(store)
}

fn colour(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// What became of the verification after the read: the crossing logged (or why not), the
/// portrait saved (or why not).
struct Outcome {
    result: workflow::CheckpointResult,
    saved: Result<Option<PathBuf>, String>,
}

fn save_portrait(dir: &Path, p: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let ext = if p.starts_with(&[0xFF, 0xD8]) {
        "jpg"
    } else {
        "jp2"
    };
    let path = dir.join(format!("portrait.{ext}"));
    std::fs::write(&path, p).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn verify(a: VerifyArgs) -> Result<u8, Failure> {
    // Everything the log needs is checked before the card is read: a verdict is never lost
    // to a checkpoint id the log refuses.
    workflow::checkpoint::check_checkpoint_id(&a.checkpoint)
        .map_err(|m| Failure::input(m.to_string()))?;
    let profile = load_profile(&a.profile)?;
    let (claim, key) = claim_and_key(&a, &profile)?;
    let store = trust_store(&a)?;
    let mut vault = a.login.open()?;
    let mut card = connect(&a.reader, a.wait)?;
    // The card model's profile says whether a chip without DG15 can be genuine.
    let opts = workflow::checkpoint::read_options(&store, &profile);
    let mut v = checkpoint::verify(&mut card, &key, &claim, &opts);
    drop(card);
    v.notes.extend(store.notes.iter().cloned());

    let direction = match a.direction {
        DirectionArg::In => Direction::In,
        DirectionArg::Out => Direction::Out,
    };
    // Never fails: a crossing that cannot be logged is said beside the verdict.
    let result = workflow::checkpoint::log(Some(&mut vault), &claim, &v, direction, &a.checkpoint);
    vault.lock();
    let saved = match (&a.out, v.reading.as_ref().and_then(|r| r.portrait.as_ref())) {
        (Some(dir), Some(p)) => save_portrait(dir, p).map(Some),
        _ => Ok(None),
    };
    let o = Outcome { result, saved };
    if a.json {
        print_json(&a, &v, &o);
    } else {
        print_text(&a, &v, &o);
    }
    if let Some(e) = &o.result.log_error {
        eprintln!("không ghi được nhật ký lượt qua chốt / cannot log the crossing: {e}");
    }
    if let Err(e) = &o.saved {
        eprintln!("không lưu được ảnh chân dung / cannot save the portrait: {e}");
    }
    Ok(exit_status(&o))
}

/// 0 only for a verified card whose crossing is logged (and whose portrait, when asked
/// for, is saved); 3 for a card read but not proven genuine (nothing found wrong); 1 for an
/// alert, and for any card whose crossing is NOT logged — a verified one included: the gate
/// must not open on a crossing nobody can later find.
fn exit_status(o: &Outcome) -> u8 {
    if o.result.log_error.is_some() || o.saved.is_err() {
        1
    } else if o.result.verified {
        0
    } else if o.result.not_proven {
        3
    } else {
        1
    }
}

fn verdict_name(r: &workflow::CheckpointResult) -> &'static str {
    if r.verified {
        "verified"
    } else if r.not_proven {
        "not_proven"
    } else {
        "alert"
    }
}

fn print_json(a: &VerifyArgs, v: &Verification, o: &Outcome) {
    let chip_fields: serde_json::Map<String, serde_json::Value> = v
        .reading
        .iter()
        .flat_map(|r| r.fields.iter())
        .map(|(f, s)| (f.json_key().to_string(), json!(s)))
        .collect();
    let r = &o.result;
    let out = json!({
        "verified": r.verified,
        "verdict": verdict_name(r),
        "alerts": v.alerts.iter().map(|al| json!({
            "code": al.code(),
            "vi": al.message_vi(),
            "en": al.message_en(),
            "detail": al.detail(),
        })).collect::<Vec<_>>(),
        "compared": v.comparisons.iter().map(|c| json!({
            "field": c.field.json_key(),
            "label_vi": c.field.label_vi(),
            "label_en": c.field.label_en(),
            "claimed": c.claimed,
            "chip": c.chip,
            "matches": c.matches,
        })).collect::<Vec<_>>(),
        "chip_fields": chip_fields,
        "checks": v.reading.iter().flat_map(|r| r.checks.iter()).map(|c| {
            let (outcome, detail) = match &c.outcome {
                CheckOutcome::Passed => ("passed", String::new()),
                CheckOutcome::Failed(d) => ("failed", d.clone()),
                CheckOutcome::NotRun(d) => ("not run", d.clone()),
            };
            json!({"check_vi": c.name_vi, "check_en": c.name_en, "outcome": outcome, "detail": detail})
        }).collect::<Vec<_>>(),
        "portrait_bytes": v.reading.as_ref().and_then(|r| r.portrait.as_ref()).map(Vec::len),
        "portrait_saved": o.saved.as_ref().ok().and_then(Option::as_ref).map(|p| p.display().to_string()),
        "portrait_error": o.saved.as_ref().err(),
        "notes": v.notes,
        "logged": r.crossing_id.is_some(),
        "crossing": r.crossing_id,
        "log_error": r.log_error.as_ref().map(|e| e.to_string()),
        "checkpoint": a.checkpoint,
        "direction": match a.direction { DirectionArg::In => "in", DirectionArg::Out => "out" },
        "elapsed_ms": v.elapsed.as_secs_f64() * 1000.0,
    });
    println!("{out:#}");
}

/// Chip text for the terminal: control characters (an escape sequence from a forged chip
/// would drive the officer's terminal) shown as U+FFFD.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn print_text(a: &VerifyArgs, v: &Verification, o: &Outcome) {
    let tty = std::io::stdout().is_terminal();
    let bar = "═".repeat(64);
    let r = &o.result;
    if r.verified {
        println!("{}", colour(tty, "1;32", &bar));
        println!(
            "{}",
            colour(tty, "1;32", "   ✔  THẺ HỢP LỆ / CARD VERIFIED")
        );
        println!("{}", colour(tty, "1;32", &bar));
    } else {
        // Not proven (yellow, ⚠) is not the red alert of a card found forged.
        let (c, mark, head) = if r.not_proven {
            (
                "1;33",
                "⚠",
                "   ⚠  CHƯA CHỨNG MINH ĐƯỢC THẺ THẬT / CARD READ BUT NOT PROVEN GENUINE",
            )
        } else {
            (
                "1;31",
                "✘",
                "   ✘  CẢNH BÁO: THẺ KHÔNG ĐƯỢC XÁC THỰC / ALERT: CARD NOT VERIFIED",
            )
        };
        println!("{}", colour(tty, c, &bar));
        println!("{}", colour(tty, c, head));
        println!("{}", colour(tty, c, &bar));
        for al in &v.alerts {
            let line = format!("  {mark} {} / {}", al.message_vi(), al.message_en());
            println!("{}", colour(tty, c, &shown(&line)));
            if let Some(d) = al.detail() {
                println!("      {}", shown(d));
            }
        }
        // What the log added (text it had to clean).
        for al in r.alerts.iter().skip(v.alerts.len()) {
            println!(
                "{}",
                colour(tty, "31", &format!("  ✘ {}", shown(&al.to_string())))
            );
        }
    }
    if let Some(e) = &r.log_error {
        println!(
            "{}",
            colour(
                tty,
                "1;31",
                &format!(
                    "   ⚠  CHƯA GHI NHẬT KÝ LƯỢT NÀY / THIS CROSSING IS NOT LOGGED{}: {e}",
                    if r.verified {
                        " (thẻ hợp lệ nhưng chưa được ghi / verified but NOT logged)"
                    } else {
                        ""
                    }
                )
            )
        );
    }
    // What could not be checked, and the trust store's remarks: shown, not alerts.
    for n in &v.notes {
        println!("{}", colour(tty, "33", &format!("  ℹ {}", shown(n))));
    }
    let label = |f: Field| format!("{} / {}", f.label_vi(), f.label_en());
    let claimed_head = if a.qr.is_some() || a.qr_image.is_some() {
        "Mã QR / QR code"
    } else {
        "Đã nhập / Typed"
    };
    // Compared fields first: one line when the chip agrees, both values when it does not.
    println!();
    for c in &v.comparisons {
        if c.matches {
            println!(
                "{}",
                colour(
                    tty,
                    "32",
                    &format!("  ✔ {}: {}", label(c.field), shown(&c.claimed))
                )
            );
        } else {
            println!(
                "{}",
                colour(tty, "1;31", &format!("  ✘ {}", label(c.field)))
            );
            println!("      {claimed_head}: {}", shown(&c.claimed));
            println!(
                "      Chip: {}",
                c.chip.as_deref().map_or("—".into(), shown)
            );
        }
    }
    if let Some(rd) = &v.reading {
        let compared: Vec<Field> = v.comparisons.iter().map(|c| c.field).collect();
        for (f, s) in &rd.fields {
            if !compared.contains(f) && !s.is_empty() {
                println!("    {}: {}", label(*f), shown(s));
            }
        }
        match (&rd.portrait, &o.saved) {
            (Some(p), Ok(Some(path))) => println!(
                "  Ảnh chân dung / portrait: {} bytes → {}",
                p.len(),
                path.display()
            ),
            (Some(p), Err(e)) => println!(
                "  Ảnh chân dung / portrait: {} bytes, KHÔNG LƯU ĐƯỢC / NOT SAVED: {e}",
                p.len()
            ),
            (Some(p), Ok(None)) => println!("  Ảnh chân dung / portrait: {} bytes", p.len()),
            _ => {}
        }
    }
    let (vi, en) = match a.direction {
        DirectionArg::In => ("vào", "in"),
        DirectionArg::Out => ("ra", "out"),
    };
    let ms = v.elapsed.as_secs_f64() * 1000.0;
    match r.crossing_id {
        Some(n) => println!(
            "  Đã ghi lượt {vi} #{n} tại {0} / logged crossing #{n} ({en}) at {0}; {ms:.0} ms",
            a.checkpoint
        ),
        None => println!(
            "  KHÔNG ghi được lượt {vi} tại {0} / crossing ({en}) at {0} NOT logged; {ms:.0} ms",
            a.checkpoint
        ),
    }
}

/// "vi / en" for every alert code of a crossing.
fn alerts_text(c: &Crossing) -> String {
    c.alerts
        .iter()
        .map(|code| {
            let (vi, en) = checkpoint::describe_code(code);
            format!("{vi} / {en}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

struct Totals {
    entered: usize,
    left: usize,
    alerts: usize,
}

fn totals(rows: &[Crossing]) -> Totals {
    Totals {
        entered: rows.iter().filter(|c| c.direction == Direction::In).count(),
        left: rows
            .iter()
            .filter(|c| c.direction == Direction::Out)
            .count(),
        alerts: rows.iter().filter(|c| !c.verified).count(),
    }
}

fn to_csv(rows: &[Crossing], offset: time::UtcOffset) -> String {
    let mut out =
        String::from("time,checkpoint,direction,officer,id_number,full_name,verdict,alerts\n");
    for c in rows {
        let cells = [
            local_time(c.at, offset),
            csv_field(&c.checkpoint),
            c.direction.as_str().to_string(),
            csv_field(&c.officer_name),
            csv_field(&c.id_number),
            csv_field(&c.full_name),
            if c.verified { "verified" } else { "alert" }.to_string(),
            csv_field(&c.alerts.join(" ")),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    let t = totals(rows);
    // Totals in the same eight columns: the count in the last one.
    out.push_str(&format!(
        "TOTAL,,in,,,,,{}\nTOTAL,,out,,,,,{}\nTOTAL,,,,,,alert,{}\n",
        t.entered, t.left, t.alerts
    ));
    out
}

fn local_time(at: i64, offset: time::UtcOffset) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| {
            let t = t.to_offset(offset);
            format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
        })
        .unwrap_or_else(|_| "?".into())
}

/// HH:MM, for the PDF's narrow time column (the CSV keeps the seconds).
fn local_minute(at: i64, offset: time::UtcOffset) -> String {
    let mut t = local_time(at, offset);
    t.truncate(5);
    t
}

fn to_report(
    rows: &[Crossing],
    date: time::Date,
    offset: time::UtcOffset,
    checkpoint: Option<&str>,
    printed_by: &str,
) -> sheet::Report {
    use sheet::Section;
    let t = totals(rows);
    let mut sections = vec![
        Section::Paragraph(format!(
            "Vào / In: {} · Ra / Out: {} · Cảnh báo / Alerts: {} · Tổng / Total: {}",
            t.entered,
            t.left,
            t.alerts,
            rows.len()
        )),
        Section::Bars {
            title: "Lượt qua chốt / Crossings".into(),
            unit: "lượt".into(),
            bars: vec![
                ("Vào / In".into(), t.entered as f64),
                ("Ra / Out".into(), t.left as f64),
                ("Cảnh báo / Alerts".into(), t.alerts as f64),
            ],
        },
        Section::Heading("Từng lượt / Every crossing".into()),
    ];
    sections.push(Section::Table {
        columns: vec![
            "Giờ / Time".into(),
            "Chốt / Checkpoint".into(),
            "Hướng / Direction".into(),
            "Cán bộ / Officer".into(),
            "Số định danh / ID number".into(),
            "Họ tên / Name".into(),
            "Kết quả / Verdict".into(),
        ],
        rows: rows
            .iter()
            .map(|c| {
                vec![
                    local_minute(c.at, offset),
                    c.checkpoint.clone(),
                    format!("{} / {}", c.direction.label_vi(), c.direction.as_str()),
                    c.officer_name.clone(),
                    c.id_number.clone(),
                    c.full_name.clone(),
                    if c.verified {
                        "Hợp lệ / verified".into()
                    } else {
                        format!("CẢNH BÁO / ALERT: {}", alerts_text(c))
                    },
                ]
            })
            .collect(),
    });
    sheet::Report {
        title: "Báo cáo lượt ra vào chốt / Checkpoint crossings".into(),
        lines: vec![
            format!(
                "Ngày / Date: {:02}/{:02}/{:04} (UTC{:+03}:{:02})",
                date.day(),
                u8::from(date.month()),
                date.year(),
                offset.whole_hours(),
                offset.minutes_past_hour().unsigned_abs()
            ),
            format!(
                "Chốt / Checkpoint: {}",
                checkpoint.unwrap_or("tất cả / all")
            ),
            format!("In bởi / Printed by: {printed_by}"),
        ],
        sections,
    }
}

/// `idstation report checkpoint`: every crossing logged that day, with totals.
pub fn report(a: ReportArgs) -> Result<u8, Failure> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(&a.date, &fmt).map_err(|_| {
        Failure::input(format!(
            "ngày phải có dạng YYYY-MM-DD, nhận {0:?} / the date must be YYYY-MM-DD, got {0:?}",
            a.date
        ))
    })?;
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("csv") | Some("pdf")) {
        return Err(Failure::input(format!(
            "--out phải là .csv hoặc .pdf: {0} / --out must end in .csv or .pdf: {0}",
            a.out.display()
        )));
    }
    let offset = match &a.station {
        Some(path) => workflow::StationConfig::load(path)
            .map_err(|e| Failure::input(e.to_string()))?
            .offset()
            .unwrap_or(time::UtcOffset::UTC),
        None => time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC),
    };
    let from = date.midnight().assume_offset(offset).unix_timestamp();
    let mut vault = a.login.open()?;
    let rows = vault
        .crossings_between(from, from + 86_400, a.checkpoint.as_deref())
        .map_err(|e| Failure::device(e.to_string()))?;
    vault.lock();
    let bytes = if ext.as_deref() == Some("csv") {
        to_csv(&rows, offset).into_bytes()
    } else {
        let fonts = sheet::Fonts::system().map_err(|e| Failure::device(e.to_string()))?;
        sheet::render_report(
            &fonts,
            &to_report(
                &rows,
                date,
                offset,
                a.checkpoint.as_deref(),
                &a.login.officer,
            ),
        )
        .map_err(|e| Failure::device(e.to_string()))?
    };
    crate::report::write_atomically(&a.out, &bytes)?;
    let t = totals(&rows);
    let (n, i, o, al, out) = (rows.len(), t.entered, t.left, t.alerts, a.out.display());
    println!(
        "Báo cáo chốt ngày {date}: {n} lượt ({i} vào, {o} ra, {al} cảnh báo) → {out} / checkpoint report {date}: {n} crossings ({i} in, {o} out, {al} alerts) → {out}"
    );
    Ok(0)
}
