//! The rendered sheet's text comes back out with its diacritics: poppler's pdftotext (Debian
//! poppler-utils) on the PDF finds every field of the long-names record, and pdftoppm renders
//! it. Fails, not skips, when poppler-utils is missing.

use citizen::{CitizenRecord, Field};
use sheet::{render_sheet, Application, CaptureStatus, FingerCapture, Fonts, InfoSheet};
use std::process::Command;

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

fn long_sheet() -> InfoSheet {
    let record = CitizenRecord::from_json(include_str!("../testdata/long-names.json")).unwrap();
    InfoSheet {
        record,
        portrait_jpeg: Some(include_bytes!("../testdata/portrait.jpg").to_vec()),
        fingers: vec![FingerCapture {
            position: iso19794::FingerPosition::LeftThumb,
            quality: None,
            status: CaptureStatus::Exception {
                reason: "Băng bó vết thương".into(),
            },
        }],
        application: Application {
            number: "HS-079-2026-000123".into(),
            station: "Công an phường Bến Nghé".into(),
            officer: "Thượng úy Lê Thị Ngọc Hường".into(),
            date: time::macros::date!(2026 - 11 - 23),
        },
    }
}

#[test]
fn pdftotext_gives_back_every_field_with_its_diacritics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    let sheet = long_sheet();
    let pdf = render_sheet(&Fonts::system().unwrap(), &sheet).unwrap();
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) installed");
    assert!(out.status.success());
    let text = squash(&String::from_utf8(out.stdout).unwrap());
    let record = sheet.record.normalized();
    for f in Field::ALL {
        let value = squash(&record.field_text(f));
        assert!(text.contains(&value), "field {} {f:?}: {value}", f.number());
        assert!(text.contains(&squash(f.label_vi())), "label of {f:?}");
    }
    for s in [
        "HS-079-2026-000123",
        "CônganphườngBếnNghé",
        "ThượngúyLêThịNgọcHường",
        "Băngbóvếtthương",
    ] {
        assert!(text.contains(s), "{s}");
    }
}

#[test]
fn pdftoppm_renders_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    std::fs::write(
        &path,
        render_sheet(&Fonts::system().unwrap(), &long_sheet()).unwrap(),
    )
    .unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm (Debian poppler-utils) installed");
    assert!(status.success());
    assert!(dir.path().join("page-1.png").exists());
}

/// The same conversion CUPS makes for the cups-pdf queue, without cupsd: ghostscript's
/// ps2write as the pdftops filter runs it, then pdfwrite as cups-pdf runs it. The text of
/// the rebuilt PDF is the record's, also for characters in a second font instance (more
/// than 255 distinct characters). Fails, not skips, when ghostscript is missing.
#[test]
fn the_postscript_round_trip_keeps_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut sheet = long_sheet();
    let extra: String = ('α'..='ω').chain('А'..='я').collect();
    sheet.record.identifying_marks = format!("{} {extra}", sheet.record.identifying_marks);
    let pdf = dir.path().join("sheet.pdf");
    let ps = dir.path().join("sheet.ps");
    let back = dir.path().join("back.pdf");
    std::fs::write(
        &pdf,
        render_sheet(&Fonts::system().unwrap(), &sheet).unwrap(),
    )
    .unwrap();
    let gs = |args: &[&str], out: &std::path::Path, input: &std::path::Path| {
        let status = Command::new("gs")
            .args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"])
            .args(args)
            .arg(format!("-sOutputFile={}", out.display()))
            .arg(input)
            .status()
            .expect("ghostscript installed");
        assert!(status.success());
    };
    gs(
        &[
            "-sDEVICE=ps2write",
            "-dLanguageLevel=2",
            "-dCompressFonts=false",
        ],
        &ps,
        &pdf,
    );
    gs(
        &["-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.4"],
        &back,
        &ps,
    );
    let out = Command::new("pdftotext")
        .arg(&back)
        .arg("-")
        .output()
        .unwrap();
    let text = squash(&String::from_utf8(out.stdout).unwrap());
    let record = sheet.record.normalized();
    for f in Field::ALL {
        let value = squash(&record.field_text(f));
        assert!(text.contains(&value), "field {} {f:?}: {value}", f.number());
    }
}
