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

/// Renders page 1 of a PDF or PostScript file with ghostscript at 150 dpi, and averages
/// it over 8 × 8 pixel blocks (so that hinting and rounding differences between two
/// renderings of the same glyphs even out, and a wrong glyph does not).
fn blocks(input: &std::path::Path, dir: &std::path::Path, name: &str) -> (usize, Vec<f32>) {
    let out = dir.join(format!("{name}.pgm"));
    let status = Command::new("gs")
        .args([
            "-q",
            "-dNOPAUSE",
            "-dBATCH",
            "-dSAFER",
            "-sDEVICE=pgmraw",
            "-r150",
        ])
        .args(["-dFirstPage=1", "-dLastPage=1"])
        .arg(format!("-sOutputFile={}", out.display()))
        .arg(input)
        .status()
        .expect("ghostscript installed");
    assert!(status.success());
    let pgm = std::fs::read(out).unwrap();
    // "P5", width, height, maximum (255), with "#" comment lines between; then one byte
    // per pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        if pgm[at] == b'#' {
            while pgm[at] != b'\n' {
                at += 1;
            }
        } else if pgm[at].is_ascii_whitespace() {
            at += 1;
        } else {
            let start = at;
            while !pgm[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&pgm[start..at]).to_string());
        }
    }
    at += 1;
    assert_eq!(fields[0], "P5");
    let w: usize = fields[1].parse().unwrap();
    let h: usize = fields[2].parse().unwrap();
    let px = &pgm[at..];
    assert_eq!(px.len(), w * h);
    let (bw, bh) = (w / 8, h / 8);
    let mut out = vec![0f32; bw * bh];
    for y in 0..bh * 8 {
        for x in 0..bw * 8 {
            out[(y / 8) * bw + x / 8] += f32::from(px[y * w + x]) / 64.0;
        }
    }
    (bw, out)
}

/// The PostScript that CUPS's pdftops filter makes (ghostscript ps2write) draws the same
/// glyphs as the PDF. Glyph names once made ps2write draw a hook above instead of spaces,
/// commas and "y" while the text still extracted correctly — which only a picture shows.
/// With only those three wrong, 33 blocks differed by more than 30 grey levels; with the
/// right glyphs 9 do (portrait re-encoding, hinting).
#[test]
fn the_postscript_round_trip_looks_like_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("sheet.pdf");
    let ps = dir.path().join("sheet.ps");
    std::fs::write(
        &pdf,
        render_sheet(&Fonts::system().unwrap(), &long_sheet()).unwrap(),
    )
    .unwrap();
    let status = Command::new("gs")
        .args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=ps2write"])
        .args(["-dLanguageLevel=2", "-dCompressFonts=false"])
        .arg(format!("-sOutputFile={}", ps.display()))
        .arg(&pdf)
        .status()
        .expect("ghostscript installed");
    assert!(status.success());
    let (wa, a) = blocks(&pdf, dir.path(), "pdf");
    let (wb, b) = blocks(&ps, dir.path(), "ps");
    assert_eq!((wa, a.len()), (wb, b.len()), "page sizes differ");
    let differing = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| (*x - *y).abs() > 30.0)
        .count();
    println!(
        "8×8 blocks differing by more than 30 grey levels: {differing} of {}",
        a.len()
    );
    assert!(differing < 20, "{differing} blocks differ");
}
