//! `idstation report daily`: the station's day as CSV or PDF.

use std::path::Path;

use crate::session::VaultLogin;
use crate::Failure;
use workflow::StationConfig;

fn parse_date(s: &str) -> Result<time::Date, Failure> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).map_err(|_| {
        Failure::input(format!(
            "ngày phải có dạng YYYY-MM-DD, nhận {s:?} / the date must be YYYY-MM-DD, got {s:?}"
        ))
    })
}

/// Writes `bytes` to `out` through a temporary file in the same folder, renamed into place,
/// so a crash never leaves half a report under the final name.
pub fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| {
        Failure::device(format!(
            "không ghi được {0}: {e} / cannot write {0}: {e}",
            out.display()
        ))
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("report"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

pub fn daily(date: &str, out: &Path, station: &Path, login: &VaultLogin) -> Result<u8, Failure> {
    let date = parse_date(date)?;
    let config = StationConfig::load(station).map_err(|e| Failure::input(e.to_string()))?;
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("csv") | Some("pdf")) {
        return Err(Failure::input(format!(
            "--out phải là .csv hoặc .pdf: {0} / --out must end in .csv or .pdf: {0}",
            out.display()
        )));
    }
    let mut vault = login.open()?;
    let offset = config.offset().unwrap_or(time::UtcOffset::UTC);
    let day = workflow::report::daily(&mut vault, date, offset, config.campaign_target)
        .map_err(|e| Failure::device(e.to_string()))?;
    let bytes = if ext.as_deref() == Some("csv") {
        day.to_csv().into_bytes()
    } else {
        let fonts = sheet::Fonts::system().map_err(|e| Failure::device(e.to_string()))?;
        sheet::render_report(&fonts, &day.to_report(&config.station_name, &login.officer))
            .map_err(|e| Failure::device(e.to_string()))?
    };
    write_atomically(out, &bytes)?;
    vault
        .audit("report.daily", None)
        .map_err(|e| Failure::device(e.to_string()))?;
    if !day.unreadable.is_empty() {
        eprintln!(
            "CẢNH BÁO: {0} hồ sơ bị hỏng hoặc bị sửa, không được tính: {1} / WARNING: {0} records are damaged or were tampered with and are not counted: {1}",
            day.unreadable.len(),
            day.unreadable.join(", ")
        );
    }
    let n: u32 = day.rows.iter().map(|r| r.received).sum();
    let issued: u32 = day.rows.iter().map(|r| r.cards_issued).sum();
    println!(
        "Báo cáo ngày {date}: {n} hồ sơ tiếp nhận, {issued} thẻ đã cấp → {0} / daily report {date}: {n} received, {issued} cards issued → {0}",
        out.display()
    );
    Ok(0)
}
