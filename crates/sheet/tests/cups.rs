//! Printing through the real CUPS daemon to the cups-pdf queue that `hil/cups-up` sets up
//! (and starts cupsd for, when it is not running). One test function: the steps share the
//! queue and stop and start it, so they must not run side by side.
//!
//! Needs (Debian): cups, printer-driver-cups-pdf, poppler-utils, and root or sudo for
//! `hil/cups-up`. Fails, not skips, when they are missing.

use citizen::{CitizenRecord, Field};
use sheet::{
    render_sheet, Application, CaptureStatus, CupsPrinter, FingerCapture, Fonts, InfoSheet,
    PrintError, PrintJob, Printer, PrinterState,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const QUEUE: &str = "idstation-pdf";

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

fn run(cmd: &str, args: &[&str]) {
    let root = is_root();
    let status = if root {
        Command::new(cmd).args(args).status()
    } else {
        Command::new("sudo").arg(cmd).args(args).status()
    }
    .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(status.success(), "{cmd} {args:?} failed");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Puts the queue back to enabled and accepting, also when a step fails.
struct Restore;
impl Drop for Restore {
    fn drop(&mut self) {
        let _ = Command::new("cupsenable").arg(QUEUE).status();
        let _ = Command::new("cupsaccept").arg(QUEUE).status();
    }
}

fn output_dir() -> PathBuf {
    std::env::var_os("IDSTATION_PDF_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/spool/cups-pdf/idstation"))
}

/// cups-pdf's output for a job: "<title>-job_<id>.pdf" in its output directory. CUPS
/// marks the job completed when the backend has exited, so the file is there; a short
/// wait covers a slow file system.
fn printed_pdf(job_id: i32) -> PathBuf {
    let suffix = format!("-job_{job_id}.pdf");
    let start = Instant::now();
    loop {
        if let Ok(dir) = std::fs::read_dir(output_dir()) {
            for e in dir.flatten() {
                if e.file_name().to_string_lossy().ends_with(&suffix) {
                    return e.path();
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no cups-pdf output for job {job_id} in {}",
            output_dir().display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Every field of the record, with its diacritics, in the text of the printed PDF.
fn assert_fields(text: &str, record: &CitizenRecord) {
    let text = squash(text);
    for f in Field::ALL {
        let value = squash(&record.field_text(f));
        assert!(text.contains(&value), "field {} {f:?}: {value}", f.number());
        assert!(text.contains(&squash(f.label_vi())), "label of {f:?}");
    }
}

#[test]
fn printing_through_real_cupsd() {
    let up = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil/cups-up");
    let status = Command::new(&up).status().expect("hil/cups-up runs");
    assert!(status.success(), "hil/cups-up failed");
    let _restore = Restore;

    let sheet = long_sheet();
    let record = sheet.record.normalized();
    let pdf = render_sheet(&Fonts::system().unwrap(), &sheet).unwrap();
    let job = PrintJob {
        title: &sheet.application.number,
        pdf: &pdf,
    };
    let printer = CupsPrinter::new(QUEUE);

    // 1. The long-names sheet prints, and the PDF printer's copy reads back field by field.
    let status = printer.status().unwrap();
    assert!(status.accepting_jobs, "{status:?}");
    let first = printer.print(job).unwrap();
    let out = printed_pdf(first.job_id);
    let text = pdftotext(&out);
    println!("printed job {} → {}", first.job_id, out.display());
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(60) {
        println!("  | {line}");
    }
    assert_fields(&text, &record);

    // 2. A missing printer: a clear error in both languages.
    let missing = CupsPrinter::new("idstation-no-such-printer")
        .print(job)
        .unwrap_err();
    println!("missing printer: {missing}");
    assert_eq!(
        missing,
        PrintError::PrinterMissing {
            printer: "idstation-no-such-printer".into()
        }
    );
    assert!(missing.to_string().contains("không có máy in"));
    assert!(missing.to_string().contains("there is no printer"));

    // 3. A stopped printer (cupsdisable pauses the queue): refused before a job is made,
    // said in both languages.
    run("cupsdisable", &[QUEUE]);
    assert_eq!(printer.status().unwrap().state, PrinterState::Stopped);
    let stopped = printer.print(job).unwrap_err();
    println!("stopped printer: {stopped}");
    assert!(
        matches!(stopped, PrintError::PrinterStopped { job_id: None, .. }),
        "{stopped:?}"
    );
    assert!(stopped.to_string().contains("đang tạm dừng"));
    assert!(stopped.to_string().contains("is paused"));
    assert!(stopped.to_string().contains("cupsenable"));

    // 4. Reprint once the printer is enabled again.
    run("cupsenable", &[QUEUE]);
    let again = printer.reprint(job).unwrap();
    assert!(again.job_id > first.job_id);
    assert_fields(&pdftotext(&printed_pdf(again.job_id)), &record);

    // 5. A printer rejecting jobs.
    run("cupsreject", &[QUEUE]);
    let rejecting = printer.print(job).unwrap_err();
    println!("rejecting printer: {rejecting}");
    assert!(
        matches!(rejecting, PrintError::NotAccepting { .. }),
        "{rejecting:?}"
    );
    run("cupsaccept", &[QUEUE]);

    // 6. A job that does not complete in time is canceled, not left to print later.
    let mut impatient = CupsPrinter::new(QUEUE);
    impatient.job_timeout = Duration::from_millis(1);
    let late = match impatient.print(job) {
        // On a loaded machine the job can finish between the deadline and the cancel;
        // then it is reported printed, and it must really have printed.
        Ok(p) => {
            println!("the job completed before it could be canceled: {p:?}");
            assert!(printed_pdf(p.job_id).exists());
            None
        }
        Err(e) => Some(e),
    };
    println!("timeout: {late:?}");
    match late {
        None => {}
        Some(PrintError::Timeout {
            job_id, canceled, ..
        }) => {
            assert!(canceled, "job {job_id} could not be canceled");
            // Canceled means no copy comes out later.
            std::thread::sleep(Duration::from_secs(3));
            let suffix = format!("-job_{job_id}.pdf");
            let leaked = std::fs::read_dir(output_dir())
                .unwrap()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(&suffix));
            assert!(!leaked, "canceled job {job_id} printed anyway");
        }
        Some(other) => panic!("expected a timeout, got {other:?}"),
    }

    // The queue still prints after all that.
    printer.print(job).unwrap();

    // 7. `idstation sheet print` succeeds only once CUPS says completed; a missing
    // printer is exit status 1.
    #[cfg(feature = "cli")]
    {
        use sheet::cli::{run, SheetCommand};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("HS-079-2026-000123.pdf");
        std::fs::write(&file, &pdf).unwrap();
        run(SheetCommand::Print {
            printer: QUEUE.into(),
            timeout: 60,
            pdf: file.clone(),
        })
        .unwrap();
        let e = run(SheetCommand::Print {
            printer: "idstation-no-such-printer".into(),
            timeout: 60,
            pdf: file,
        })
        .unwrap_err();
        assert_eq!(e.exit_code(), 1, "{e}");
    }
}
