//! `idstation sheet …`: the sheet commands, ready to be mounted into the idstation binary
//! (feature `cli`):
//!
//! ```text
//! idstation sheet render --record REC.json [--portrait FACE.jpg] --out SHEET.pdf
//!                        [--receipt SLIP.pdf] [--application-number N] [--station S]
//!                        [--officer O] [--collect-on YYYY-MM-DD]
//! idstation sheet print --printer NAME [--timeout SECONDS] SHEET.pdf
//! ```
//!
//! `print` waits for the job and succeeds only when CUPS says it completed.

use crate::{
    render_receipt, render_sheet, Application, CupsPrinter, Fonts, InfoSheet, PrintError, PrintJob,
    Printer, ReceiptSlip, SheetError,
};
use citizen::CitizenRecord;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::Date;

/// Largest inputs read: a record, a portrait, a PDF to print.
const MAX_RECORD_BYTES: u64 = 1024 * 1024;
const MAX_PORTRAIT_BYTES: u64 = 10 * 1024 * 1024;
const MAX_PDF_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum SheetCommand {
    /// Renders the information sheet (A4) and, optionally, the receipt slip (A6) as PDF.
    Render {
        /// The citizen record (JSON, the 20 fields).
        #[arg(long)]
        record: PathBuf,
        /// The ICAO portrait (JPEG); without it the photo box stays empty.
        #[arg(long)]
        portrait: Option<PathBuf>,
        /// Where to write the sheet.
        #[arg(long)]
        out: PathBuf,
        /// Where to write the receipt slip, if wanted.
        #[arg(long)]
        receipt: Option<PathBuf>,
        /// The application number (default: HS-<date>-<time>).
        #[arg(long)]
        application_number: Option<String>,
        /// The enrolling station, as printed.
        #[arg(long, default_value = "")]
        station: String,
        /// The receiving officer's name, as printed.
        #[arg(long, default_value = "")]
        officer: String,
        /// The day the card can be collected, for the receipt (default: 7 days from today).
        #[arg(long)]
        collect_on: Option<String>,
    },
    /// Prints a PDF on a CUPS printer; waits, and succeeds only when CUPS says the job
    /// completed.
    Print {
        /// The CUPS queue (lpstat -p lists them).
        #[arg(long)]
        printer: String,
        /// How long to wait for the job to complete, in seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// The PDF to print.
        pdf: PathBuf,
    },
}

/// Why a sheet command failed. `Display` gives "<Vietnamese> / <English>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetCliError {
    /// A file could not be read or written, or is not what it should be.
    Input(String),
    Sheet(SheetError),
    Print(PrintError),
}

impl SheetCliError {
    /// The idstation exit status: 2 for bad input, 1 for a printer or job that failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            SheetCliError::Print(PrintError::EmptyDocument) => 2,
            SheetCliError::Print(_) => 1,
            SheetCliError::Input(_) | SheetCliError::Sheet(_) => 2,
        }
    }
}

impl fmt::Display for SheetCliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SheetCliError::Input(m) => f.write_str(m),
            SheetCliError::Sheet(e) => e.fmt(f),
            SheetCliError::Print(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SheetCliError {}

impl From<SheetError> for SheetCliError {
    fn from(e: SheetError) -> Self {
        SheetCliError::Sheet(e)
    }
}

impl From<PrintError> for SheetCliError {
    fn from(e: PrintError) -> Self {
        SheetCliError::Print(e)
    }
}

/// Runs a sheet command. Progress goes to stderr, without personal data: file names, the
/// application number and job ids only.
pub fn run(cmd: SheetCommand) -> Result<(), SheetCliError> {
    match cmd {
        SheetCommand::Render {
            record,
            portrait,
            out,
            receipt,
            application_number,
            station,
            officer,
            collect_on,
        } => {
            let text = read_limited(&record, MAX_RECORD_BYTES, "hồ sơ", "record")?;
            let text = String::from_utf8(text).map_err(|_| {
                SheetCliError::Input(format!(
                    "hồ sơ {0} không phải UTF-8 / the record {0} is not UTF-8",
                    record.display()
                ))
            })?;
            let record_value = CitizenRecord::from_json(&text)
                .map_err(|e| SheetCliError::Input(format!("{}: {e}", record.display())))?
                .normalized();
            let portrait_jpeg = portrait
                .as_deref()
                .map(|p| read_limited(p, MAX_PORTRAIT_BYTES, "ảnh chân dung", "portrait"))
                .transpose()?;
            let now = time::OffsetDateTime::now_local()
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
            let today = now.date();
            let number = application_number.unwrap_or_else(|| {
                format!(
                    "HS-{:04}{:02}{:02}-{:02}{:02}{:02}",
                    today.year(),
                    u8::from(today.month()),
                    today.day(),
                    now.hour(),
                    now.minute(),
                    now.second()
                )
            });
            let collect_on = match collect_on {
                Some(s) => parse_date(&s)?,
                None => today.saturating_add(time::Duration::days(7)),
            };
            let fonts = Fonts::system()?;
            let sheet = InfoSheet {
                record: record_value,
                portrait_jpeg,
                fingers: Vec::new(),
                application: Application {
                    number: number.clone(),
                    station: station.clone(),
                    officer,
                    date: today,
                },
            };
            let pdf = render_sheet(&fonts, &sheet)?;
            if let Some(receipt) = &receipt {
                let slip = render_receipt(
                    &fonts,
                    &ReceiptSlip {
                        application_number: number.clone(),
                        full_name: sheet.record.full_name.clone(),
                        station,
                        enrolled_on: today,
                        collect_on,
                    },
                )?;
                write_file(receipt, &slip)?;
            }
            write_file(&out, &pdf)?;
            eprintln!(
                "đã tạo phiếu / sheet written: {} (hồ sơ / application {number})",
                out.display()
            );
            if let Some(receipt) = receipt {
                eprintln!("đã tạo giấy hẹn / receipt written: {}", receipt.display());
            }
            Ok(())
        }
        SheetCommand::Print {
            printer,
            timeout,
            pdf,
        } => {
            let bytes = read_limited(&pdf, MAX_PDF_BYTES, "tệp PDF", "PDF file")?;
            if !bytes.starts_with(b"%PDF-") {
                return Err(SheetCliError::Input(format!(
                    "{0} không phải tệp PDF / {0} is not a PDF file",
                    pdf.display()
                )));
            }
            let mut cups = CupsPrinter::new(&printer);
            cups.job_timeout = Duration::from_secs(timeout.max(1));
            let title = pdf
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let done = cups.print(PrintJob {
                title: &title,
                pdf: &bytes,
            })?;
            eprintln!(
                "đã in xong, lệnh in {0} trên máy in {1} / printed: job {0} on {1} completed",
                done.job_id, done.printer
            );
            Ok(())
        }
    }
}

fn parse_date(s: &str) -> Result<Date, SheetCliError> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| {
        SheetCliError::Input(format!(
            "ngày {s:?} không hợp lệ, cần dạng YYYY-MM-DD / {s:?} is not a date YYYY-MM-DD"
        ))
    })
}

fn read_limited(path: &Path, max: u64, vi: &str, en: &str) -> Result<Vec<u8>, SheetCliError> {
    let fail = |e: &dyn fmt::Display| {
        SheetCliError::Input(format!(
            "không đọc được {vi} {0} / cannot read the {en} {0}: {e}",
            path.display()
        ))
    };
    let len = std::fs::metadata(path).map_err(|e| fail(&e))?.len();
    if len > max {
        return Err(SheetCliError::Input(format!(
            "{vi} {0} quá lớn ({len} byte, tối đa {max}) / the {en} {0} is too large ({len} bytes, at most {max})",
            path.display()
        )));
    }
    std::fs::read(path).map_err(|e| fail(&e))
}

/// Writes through a temporary file beside the target and renames it, so that a failed
/// run leaves no half-written PDF.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SheetCliError> {
    let fail = |e: std::io::Error| {
        SheetCliError::Input(format!(
            "không ghi được {0} / cannot write {0}: {e}",
            path.display()
        ))
    };
    let name = path
        .file_name()
        .ok_or_else(|| fail(std::io::Error::other("no file name")))?;
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail(e)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, Subcommand};

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Top,
    }

    #[derive(Subcommand)]
    enum Top {
        Sheet {
            #[command(subcommand)]
            command: SheetCommand,
        },
    }

    fn parse(args: &[&str]) -> SheetCommand {
        let cli = Cli::try_parse_from(["idstation"].iter().chain(args)).unwrap();
        let Top::Sheet { command } = cli.command;
        command
    }

    fn testdata(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn the_commands_parse_as_the_issue_writes_them() {
        let cmd = parse(&[
            "sheet",
            "render",
            "--record",
            "r.json",
            "--portrait",
            "f.jpg",
            "--out",
            "s.pdf",
            "--receipt",
            "slip.pdf",
            "--application-number",
            "HS-1",
            "--station",
            "Công an phường Bến Nghé",
            "--officer",
            "Lê Thị Hường",
        ]);
        assert!(matches!(
            cmd,
            SheetCommand::Render { ref application_number, ref station, .. }
                if application_number.as_deref() == Some("HS-1") && station == "Công an phường Bến Nghé"
        ));
        let cmd = parse(&["sheet", "print", "--printer", "idstation-pdf", "s.pdf"]);
        assert_eq!(
            cmd,
            SheetCommand::Print {
                printer: "idstation-pdf".into(),
                timeout: 120,
                pdf: "s.pdf".into()
            }
        );
    }

    #[test]
    fn render_writes_the_sheet_and_the_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sheet.pdf");
        let slip = dir.path().join("slip.pdf");
        run(SheetCommand::Render {
            record: testdata("long-names.json").into(),
            portrait: Some(testdata("portrait.jpg").into()),
            out: out.clone(),
            receipt: Some(slip.clone()),
            application_number: Some("HS-079-2026-000123".into()),
            station: "Công an phường Bến Nghé".into(),
            officer: "Lê Thị Ngọc Hường".into(),
            collect_on: Some("2026-12-07".into()),
        })
        .unwrap();
        for p in [&out, &slip] {
            let text = std::process::Command::new("pdftotext")
                .arg(p)
                .arg("-")
                .output()
                .unwrap()
                .stdout;
            let text = String::from_utf8(text).unwrap();
            assert!(text.contains("HS-079-2026-000123"), "{}", p.display());
        }
        // Only the two PDFs: no temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn bad_inputs_are_bilingual_errors_with_exit_code_2() {
        let dir = tempfile::tempdir().unwrap();
        let render = |record: &str, collect_on: Option<&str>| {
            run(SheetCommand::Render {
                record: record.into(),
                portrait: None,
                out: dir.path().join("s.pdf"),
                receipt: None,
                application_number: None,
                station: String::new(),
                officer: String::new(),
                collect_on: collect_on.map(String::from),
            })
            .unwrap_err()
        };
        let e = render("/nonexistent/r.json", None);
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("không đọc được hồ sơ"), "{e}");
        assert!(e.to_string().contains("cannot read the record"), "{e}");

        let garbage = dir.path().join("g.json");
        std::fs::write(&garbage, b"{\"full_name\": 5").unwrap();
        assert_eq!(render(garbage.to_str().unwrap(), None).exit_code(), 2);

        let e = render(&testdata("long-names.json"), Some("07/12/2026"));
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
        assert!(!dir.path().join("s.pdf").exists());

        let not_pdf = dir.path().join("x.pdf");
        std::fs::write(&not_pdf, b"hello").unwrap();
        let e = run(SheetCommand::Print {
            printer: "idstation-pdf".into(),
            timeout: 5,
            pdf: not_pdf,
        })
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("is not a PDF"), "{e}");
    }

    #[test]
    fn printer_failures_exit_with_1() {
        let e = SheetCliError::Print(PrintError::PrinterMissing {
            printer: "x".into(),
        });
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("không có máy in"));
    }
}
