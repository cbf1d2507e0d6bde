//! Stopping a print at the real cupsd (`hil/cups-up` starts it): a job the officer stops is
//! canceled at CUPS (IPP Cancel-Job), whether it is printing or still waiting, and the
//! waiting one never reaches the printer.
//!
//! The printer is the test's own: a queue "idstation-slow" whose device is an AppSocket
//! (`socket://`, the JetDirect port protocol) listener in this process. CUPS's socket backend
//! sends the job, then waits for the printer to close the connection (its default
//! `waiteof`, up to 90 s without a word from the printer) — the listener never closes, so the
//! job stays "processing" as on a slow printer, and a second job waits "pending" behind it.
//! Every connection the listener accepts is a job that reached the printer.
//!
//! Needs (Debian): cups, printer-driver-cups-pdf (its PostScript PPD drives the queue), root
//! or sudo. Fails, not skips, when they are missing. Run under `hil-locked` (it uses cupsd).

use ipp::prelude::*;
use sheet::{CupsPrinter, PrintError, PrintJob, Printer};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const QUEUE: &str = "idstation-slow";
const PPD: &str = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn admin(cmd: &str, args: &[&str]) -> std::process::ExitStatus {
    if is_root() {
        Command::new(cmd).args(args).status()
    } else {
        Command::new("sudo").arg(cmd).args(args).status()
    }
    .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Removes the test's queue (and its jobs), also when a step fails.
struct RemoveQueue;
impl Drop for RemoveQueue {
    fn drop(&mut self) {
        let _ = admin("cancel", &["-a", QUEUE]);
        let _ = admin("lpadmin", &["-x", QUEUE]);
    }
}

/// The AppSocket printer: accepts connections, reads what comes, never answers or closes.
struct SilentPrinter {
    port: u16,
    /// Connections accepted so far (jobs that reached the printer).
    jobs: Arc<AtomicUsize>,
    /// Bytes received, over all connections.
    bytes: Arc<AtomicUsize>,
    /// The connections, kept open for the test's life.
    _open: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl SilentPrinter {
    fn start() -> SilentPrinter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let jobs = Arc::new(AtomicUsize::new(0));
        let bytes = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (j, b, o) = (jobs.clone(), bytes.clone(), open.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                j.fetch_add(1, Ordering::SeqCst);
                let mut reader = conn.try_clone().unwrap();
                o.lock().unwrap().push(conn);
                let b = b.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = reader.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        b.fetch_add(n, Ordering::SeqCst);
                    }
                });
            }
        });
        SilentPrinter {
            port,
            jobs,
            bytes,
            _open: open,
        }
    }
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "waited {secs} s for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Jobs on the queue not yet ended, as `lpstat -o` lists them.
fn queued() -> usize {
    let out = Command::new("lpstat").args(["-o", QUEUE]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(&format!("{QUEUE}-")))
        .count()
}

/// The job's IPP job-state (RFC 8011 §5.3.7), asked of cupsd directly.
fn job_state(job_id: i32) -> Option<i32> {
    let uri: Uri = format!("ipp://localhost:631/printers/{QUEUE}")
        .parse()
        .unwrap();
    let op = IppOperationBuilder::get_job_attributes(uri.clone(), job_id)
        .build()
        .ok()?;
    let resp = IppClient::new(uri).send(op).ok()?;
    let state = resp
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .find_map(|g| g.get("job-state"))
        .and_then(|v| match v.value() {
            IppValue::Enum(i) | IppValue::Integer(i) => Some(*i),
            _ => None,
        });
    state
}

const JOB_CANCELED: i32 = 7;

/// Prints in a thread; the answer comes on the channel.
fn print_in_background(
    printer: &CupsPrinter,
    title: &'static str,
    pdf: &Arc<Vec<u8>>,
    stop: &Arc<AtomicBool>,
) -> mpsc::Receiver<Result<sheet::Printed, PrintError>> {
    let (tx, rx) = mpsc::channel();
    let (printer, pdf, stop) = (printer.clone(), pdf.clone(), stop.clone());
    std::thread::spawn(move || {
        let _ = tx.send(printer.print_cancellable(PrintJob { title, pdf: &pdf }, &stop));
    });
    rx
}

#[test]
fn a_print_the_officer_stops_is_canceled_at_cups_printing_or_waiting() {
    let up = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil/cups-up");
    assert!(
        Command::new(&up)
            .status()
            .expect("hil/cups-up runs")
            .success(),
        "hil/cups-up failed"
    );
    assert!(Path::new(PPD).exists(), "{PPD} (printer-driver-cups-pdf)");
    let device = SilentPrinter::start();
    let _ = admin("lpadmin", &["-x", QUEUE]);
    let _remove = RemoveQueue;
    let uri = format!("socket://127.0.0.1:{}", device.port);
    assert!(
        admin("lpadmin", &["-p", QUEUE, "-v", &uri, "-P", PPD, "-E"]).success(),
        "lpadmin -p {QUEUE}"
    );
    assert!(admin("cupsenable", &[QUEUE]).success());
    assert!(admin("cupsaccept", &[QUEUE]).success());

    let fonts = sheet::Fonts::system().unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let pdf = Arc::new(
        sheet::render_receipt(
            &fonts,
            &sheet::ReceiptSlip {
                application_number: "HS-TEST-HUY-IN".into(),
                full_name: "Nguyễn Văn An".into(),
                station: "Trạm thử".into(),
                enrolled_on: today,
                collect_on: today,
            },
        )
        .unwrap(),
    );
    let printer = CupsPrinter::new(QUEUE);

    // A: on the printer (the device connected and got the job), not finished.
    let stop_a = Arc::new(AtomicBool::new(false));
    let a = print_in_background(&printer, "HS-TEST-A", &pdf, &stop_a);
    wait_until("the first job at the printer", 60, || {
        device.jobs.load(Ordering::SeqCst) == 1 && device.bytes.load(Ordering::SeqCst) > 0
    });
    // B: waiting behind A.
    let stop_b = Arc::new(AtomicBool::new(false));
    let b = print_in_background(&printer, "HS-TEST-B", &pdf, &stop_b);
    wait_until("the second job queued", 30, || queued() == 2);
    assert!(
        a.try_recv().is_err() && b.try_recv().is_err(),
        "both prints are still followed"
    );

    // Stop B while it waits: canceled at CUPS, said in both languages.
    stop_b.store(true, Ordering::SeqCst);
    let rb = b
        .recv_timeout(Duration::from_secs(20))
        .expect("the waiting print stopped");
    println!("waiting job stopped: {rb:?}");
    let job_b = match rb {
        Err(PrintError::CanceledByOfficer {
            job_id: Some(id),
            canceled: true,
            ref printer,
        }) if printer == QUEUE => id,
        other => panic!("expected the officer's cancel, got {other:?}"),
    };
    let e = rb.unwrap_err().to_string();
    assert!(e.contains(&format!("cán bộ đã hủy lệnh in {job_b}")), "{e}");
    assert!(e.contains("was canceled by the officer"), "{e}");
    wait_until("the waiting job canceled at CUPS", 30, || {
        job_state(job_b) == Some(JOB_CANCELED)
    });

    // Stop A while it prints: canceled at CUPS too (its backend is stopped).
    stop_a.store(true, Ordering::SeqCst);
    let ra = a
        .recv_timeout(Duration::from_secs(20))
        .expect("the printing job stopped");
    println!("printing job stopped: {ra:?}");
    let job_a = match ra {
        Err(PrintError::CanceledByOfficer {
            job_id: Some(id),
            canceled: true,
            ..
        }) => id,
        other => panic!("expected the officer's cancel, got {other:?}"),
    };
    assert!(job_a < job_b);
    // CUPS stops the job's filters and backend first (SIGTERM, SIGKILL after JobKillDelay).
    wait_until("the printing job canceled at CUPS", 60, || {
        job_state(job_a) == Some(JOB_CANCELED)
    });
    wait_until("the queue empty", 30, || queued() == 0);

    // Nothing more reaches the printer: B, canceled while it waited, never comes out.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        device.jobs.load(Ordering::SeqCst),
        1,
        "a canceled job reached the printer"
    );
}
