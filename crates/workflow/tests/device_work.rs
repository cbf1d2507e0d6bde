//! Device work in the engine, with devices that misbehave on purpose: a printer that holds a
//! job until the test lets it go, a camera that panics. Device results belong to the job
//! and the enrollment they were started for; nothing else is changed by them.
//!
//! No daemon is needed: the camera is the virtual one (the repository's test frames), the
//! printer is the test's own, fingers are recorded as exceptions.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use common::{at, first_run, log_in_chief, record, repo, start, StationFile, T};
use workflow::{Devices, Handle, Intent, Login, Snapshot, StationConfig, Step};

/// A portrait from the virtual camera in a debug build.
const PORTRAIT: Duration = Duration::from_secs(120);

/// station.toml in `dir` with the repository's camera frames, the test's printer, two
/// fingers.
fn station(dir: &Path) -> StationConfig {
    StationFile::new("D01")
        .repo_frames()
        .printer("gate")
        .two_fingers()
        .load(dir)
}

/// The virtual camera on `spec`'s folder, played in a loop, as a live camera keeps sending
/// pictures.
fn open_looping(spec: &str) -> Result<Box<dyn camera::Camera>, camera::CameraError> {
    let dir = spec.strip_prefix("virtual:").unwrap_or(spec).to_string();
    Ok(Box::new(
        camera::VirtualCamera::from_dir(dir, 10.0).looping(true),
    ))
}

/// The real devices, but the camera plays its folder in a loop.
fn looping_devices(config: &StationConfig) -> Devices {
    let mut devices = Devices::real(config);
    devices.open_camera = Box::new(open_looping);
    devices
}

/// The engine on `config` with the real devices.
fn start_real(dir: &Path, config: &StationConfig) -> Handle {
    start(dir, config.clone(), Devices::real(config))
}

/// The officer stops the enrollment with `reason`.
async fn abort(h: &Handle, reason: &str) -> Option<Snapshot> {
    h.run(
        Intent::Abort {
            reason: reason.into(),
        },
        T,
    )
    .await
}

/// The current finger recorded as an exception.
fn exception(kind: &str, reason: &str) -> Intent {
    Intent::FingerException {
        kind: kind.into(),
        reason: reason.into(),
    }
}

/// The check-in QR scan started on the camera and under way.
async fn start_scan(h: &Handle) -> Snapshot {
    let n = h.send(Intent::ScanCheckInQr);
    h.wait_for(T, |s| s.handled >= n && s.busy.is_some())
        .await
        .expect("scanning")
}

/// Shutdown, and wait until the engine has stopped (its vault closed).
async fn shut_down(h: &Handle) {
    h.run(Intent::Shutdown, T).await;
    h.wait_for(T, |s| s.stopped).await;
}

/// A new applicant walked to the print-and-sign step: QR check-in, the record, the portrait
/// from the virtual camera, both fingers as exceptions. Returns the application number.
async fn to_print_sign(h: &Handle) -> String {
    let id = common::to_data_step(h).await;
    let s = h
        .run(Intent::SubmitRecord(Box::new(record())), T)
        .await
        .unwrap();
    assert!(s.validation.is_empty(), "{:?}", s.validation);
    at(h.run(Intent::Next, T).await, Step::Portrait);
    let s = h.run(Intent::CapturePortrait, PORTRAIT).await.unwrap();
    assert!(
        s.enrollment.as_ref().unwrap().portrait.is_some(),
        "{:?}",
        s.message
    );
    at(h.run(Intent::Next, T).await, Step::Fingerprints);
    for _ in 0..2 {
        h.run(exception("bandaged", "băng bó / bandaged"), T)
            .await
            .unwrap();
    }
    at(h.run(Intent::Next, T).await, Step::Review);
    at(h.run(Intent::Next, T).await, Step::PrintSign);
    id
}

/// A printer that finishes a job only when the test gives it a permit (as CUPS waits for a
/// slow or stopped printer); its status answers at once, or with a status gate, also only
/// on a permit (a CUPS server slow to answer).
struct GatePrinter {
    permits: Mutex<mpsc::Receiver<()>>,
    started: AtomicUsize,
    finished: AtomicUsize,
    jobs: AtomicI32,
    status_permits: Option<Mutex<mpsc::Receiver<()>>>,
    status_asked: AtomicUsize,
    status_answered: AtomicUsize,
}

impl GatePrinter {
    fn new() -> (Arc<GatePrinter>, mpsc::Sender<()>) {
        let (p, tx, _) = GatePrinter::build(false);
        (p, tx)
    }

    fn with_status_gate() -> (Arc<GatePrinter>, mpsc::Sender<()>, mpsc::Sender<()>) {
        GatePrinter::build(true)
    }

    fn build(gate_status: bool) -> (Arc<GatePrinter>, mpsc::Sender<()>, mpsc::Sender<()>) {
        let (tx, rx) = mpsc::channel();
        let (status_tx, status_rx) = mpsc::channel();
        let p = Arc::new(GatePrinter {
            permits: Mutex::new(rx),
            started: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            jobs: AtomicI32::new(0),
            status_permits: gate_status.then(|| Mutex::new(status_rx)),
            status_asked: AtomicUsize::new(0),
            status_answered: AtomicUsize::new(0),
        });
        (p, tx, status_tx)
    }
}

impl sheet::Printer for GatePrinter {
    fn status(&self) -> Result<sheet::PrinterStatus, sheet::PrintError> {
        self.status_asked.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = &self.status_permits {
            let _ = gate.lock().unwrap().recv_timeout(Duration::from_secs(120));
        }
        self.status_answered.fetch_add(1, Ordering::SeqCst);
        Ok(sheet::PrinterStatus {
            state: sheet::PrinterState::Idle,
            accepting_jobs: true,
            reasons: Vec::new(),
            message: String::new(),
        })
    }

    fn print(&self, _job: sheet::PrintJob<'_>) -> Result<sheet::Printed, sheet::PrintError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let permit = self
            .permits
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(120));
        let r = match permit {
            Ok(()) => Ok(sheet::Printed {
                printer: "gate".into(),
                job_id: self.jobs.fetch_add(1, Ordering::SeqCst) + 1,
            }),
            Err(_) => Err(sheet::PrintError::Unreachable {
                server: "gate".into(),
                detail: "no permit".into(),
            }),
        };
        self.finished.fetch_add(1, Ordering::SeqCst);
        r
    }
}

/// A printer that takes jobs back: a job prints only when `complete_next` is set, else it
/// waits, as a job behind a slow printer does, until the officer stops it (the flag
/// `print_cancellable` watches), and is then canceled, as `CupsPrinter` cancels at CUPS.
struct StoppablePrinter {
    started: AtomicUsize,
    canceled: AtomicUsize,
    printed: AtomicUsize,
    complete_next: AtomicBool,
}

impl StoppablePrinter {
    fn new() -> Arc<StoppablePrinter> {
        Arc::new(StoppablePrinter {
            started: AtomicUsize::new(0),
            canceled: AtomicUsize::new(0),
            printed: AtomicUsize::new(0),
            complete_next: AtomicBool::new(false),
        })
    }
}

impl sheet::Printer for StoppablePrinter {
    fn status(&self) -> Result<sheet::PrinterStatus, sheet::PrintError> {
        Ok(sheet::PrinterStatus {
            state: sheet::PrinterState::Idle,
            accepting_jobs: true,
            reasons: Vec::new(),
            message: String::new(),
        })
    }

    fn print(&self, job: sheet::PrintJob<'_>) -> Result<sheet::Printed, sheet::PrintError> {
        self.print_cancellable(job, &AtomicBool::new(false))
    }

    fn print_cancellable(
        &self,
        _job: sheet::PrintJob<'_>,
        cancel: &AtomicBool,
    ) -> Result<sheet::Printed, sheet::PrintError> {
        let job_id = self.started.fetch_add(1, Ordering::SeqCst) as i32 + 1;
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if self.complete_next.swap(false, Ordering::SeqCst) {
                self.printed.fetch_add(1, Ordering::SeqCst);
                return Ok(sheet::Printed {
                    printer: "stoppable".into(),
                    job_id,
                });
            }
            if cancel.load(Ordering::SeqCst) {
                self.canceled.fetch_add(1, Ordering::SeqCst);
                return Err(sheet::PrintError::CanceledByOfficer {
                    printer: "stoppable".into(),
                    job_id: Some(job_id),
                    canceled: true,
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(sheet::PrintError::Unreachable {
            server: "stoppable".into(),
            detail: "never stopped".into(),
        })
    }
}

/// Waits (polling) until `f` holds.
async fn until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + T;
    while !f() {
        assert!(Instant::now() < deadline, "waited for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A print CUPS has not finished when the enrollment is aborted: its late result must not
/// land on the next applicant, nor end that applicant's own device work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_print_after_an_abort_leaves_the_next_enrollment_alone() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let mut devices = looping_devices(&config);
    let (printer, permits) = GatePrinter::new();
    devices.printer = printer.clone();
    let h = start(dir.path(), config, devices);
    first_run(&h, T).await;
    let a = to_print_sign(&h).await;

    h.send(Intent::Print);
    // The sheet is with the printer: from here the job cannot be taken back.
    until("the print job", || {
        printer.started.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(h.snapshot().busy.is_some());
    // Abort is taken while the printer works; the enrollment is over at once.
    let s = at(abort(&h, "Công dân bỏ về").await, Step::Aborted);
    assert!(s.busy.is_none());
    assert!(s.enrollment.as_ref().unwrap().printed.is_none());
    h.run(Intent::Close, T).await.unwrap();
    let s = at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    let b = s.enrollment.as_ref().unwrap().id.clone();
    assert_ne!(a, b);

    // The next applicant's own device work: a QR scan of pictures without a code.
    let seq = start_scan(&h).await.seq;
    // Now the old print finishes, and the engine gets its result.
    permits.send(()).unwrap();
    until("the late print", || {
        printer.finished.load(Ordering::SeqCst) == 1
    })
    .await;
    let s = h
        .wait_for(T, |s| s.seq > seq)
        .await
        .expect("the engine took the late result");
    let e = s.enrollment.clone().unwrap();
    assert_eq!(e.id, b);
    assert!(
        e.printed.is_none(),
        "the aborted applicant's sheet landed on the next one"
    );
    assert!(e.checkin.is_none());
    assert_eq!(e.step, Step::CheckIn);
    assert!(
        s.busy.is_some(),
        "the late result ended the next applicant's scan"
    );
    // The scan is still the one Stop ends.
    let s = h.run(Intent::Cancel, T).await.unwrap();
    assert!(s.busy.is_none());
    assert_eq!(s.message.as_ref().map(|m| m.en.as_str()), Some("Stopped"));
    assert!(s.enrollment.as_ref().unwrap().printed.is_none());
    h.send(Intent::Shutdown);
}

/// Stop pressed while the sheet prints, and an enrollment aborted while it prints, reach
/// the printer: the job is taken back there (at CUPS, Cancel-Job), so that a sheet with the
/// applicant's data does not come out later, unattended. The officer is told, the step
/// stays where it was, and a new print after a stopped one goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_abort_take_a_print_back_at_the_printer() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let mut devices = looping_devices(&config);
    let printer = StoppablePrinter::new();
    devices.printer = printer.clone();
    let h = start(dir.path(), config, devices);
    first_run(&h, T).await;
    to_print_sign(&h).await;

    // Stop while the job waits at the printer.
    h.send(Intent::Print);
    until("the print job", || {
        printer.started.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(h.snapshot().busy.is_some());
    let n = h.send(Intent::Cancel);
    let s = h
        .wait_for(T, |s| s.handled >= n && s.busy.is_none())
        .await
        .expect("the print stopped");
    assert_eq!(printer.canceled.load(Ordering::SeqCst), 1);
    let m = s.message.clone().expect("the officer is told");
    assert!(m.error, "{m:?}");
    assert_eq!(m.vi, "cán bộ đã hủy lệnh in 1 trên máy in \"stoppable\"");
    assert_eq!(
        m.en,
        "job 1 on printer \"stoppable\" was canceled by the officer"
    );
    let s = at(Some(s), Step::PrintSign);
    assert!(s.enrollment.as_ref().unwrap().printed.is_none());

    // Printed again: it goes through.
    printer.complete_next.store(true, Ordering::SeqCst);
    let s = h.run(Intent::Print, T).await.unwrap();
    let printed = s.enrollment.as_ref().unwrap().printed.clone();
    assert_eq!(printed.map(|p| p.job_id), Some(2), "{:?}", s.message);
    assert_eq!(printer.printed.load(Ordering::SeqCst), 1);

    // A reprint, and the applicant leaves while it waits: the abort takes it back too.
    h.send(Intent::Print);
    until("the reprint", || {
        printer.started.load(Ordering::SeqCst) == 3
    })
    .await;
    at(abort(&h, "Công dân bỏ về").await, Step::Aborted);
    until("the reprint canceled", || {
        printer.canceled.load(Ordering::SeqCst) == 2
    })
    .await;
    assert_eq!(printer.printed.load(Ordering::SeqCst), 1);
    shut_down(&h).await;
}

/// A device call that panics comes back as an error for its step (not a step busy for
/// ever), and the step can be tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_device_ends_its_step_with_an_error_and_the_step_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let mut devices = Devices::real(&config);
    let panic_next = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let p = panic_next.clone();
    devices.open_camera = Box::new(move |spec| {
        if p.swap(false, Ordering::SeqCst) {
            panic!("a camera driver's bug");
        }
        camera::open(spec)
    });
    let h = start(dir.path(), config, devices);
    first_run(&h, T).await;
    at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    panic_next.store(true, Ordering::SeqCst);
    let paper = Intent::CheckInPaper {
        note: "Tờ khai giấy số 17".into(),
    };
    let s = h
        .run(paper.clone(), T)
        .await
        .expect("the step is not busy for ever");
    let m = s.message.clone().unwrap();
    assert!(m.error);
    assert!(m.vi.starts_with("Thiết bị gặp lỗi nội bộ (camera)"), "{m}");
    assert!(
        m.en.starts_with("The device failed internally (camera)"),
        "{m}"
    );
    assert!(s.enrollment.as_ref().unwrap().checkin.is_none());
    // Tried again, the camera works and the form is photographed.
    let s = h.run(paper, T).await.unwrap();
    let e = s.enrollment.clone().unwrap();
    assert!(
        matches!(e.checkin, Some(workflow::model::CheckIn::Paper { .. })),
        "{:?}",
        s.message
    );
    h.send(Intent::Shutdown);
}

/// Timeouts and counts in station.toml are bounded: an absurd one is refused when the file
/// is loaded (it would overflow a device deadline), in both languages.
#[test]
fn station_file_values_out_of_range_are_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.toml");
    let base = StationFile::new("D01").printer("p").text();
    for (line, key) in [
        ("card_wait_secs = 9223372036854775807", "card_wait_secs"),
        ("card_wait_secs = 0", "card_wait_secs"),
        ("finger_timeout_secs = 100000", "finger_timeout_secs"),
        ("portrait_frames = 0", "portrait_frames"),
        ("portrait_max_frames = 0", "portrait_max_frames"),
        ("finger_attempts = 21", "finger_attempts"),
    ] {
        std::fs::write(&path, format!("{base}{line}\n")).unwrap();
        let e = StationConfig::load(&path).expect_err(line).to_string();
        assert!(e.contains(key), "{line}: {e}");
        assert!(e.contains("Tệp cấu hình trạm"), "{line}: {e}");
        assert!(e.contains("The station file"), "{line}: {e}");
    }
    std::fs::write(&path, format!("{base}card_wait_secs = 600\n")).unwrap();
    assert_eq!(StationConfig::load(&path).unwrap().card_wait_secs, 600);
}

/// The audit trail's actions for one application, read from the vault file.
fn audit_actions(dir: &Path, id: &str) -> Vec<String> {
    let mut v = vault::Vault::open(
        &dir.join("vault.db"),
        accounts::SystemClock,
        accounts::Policy::default(),
    )
    .unwrap();
    v.unlock("chief", "supervisor-pass").unwrap();
    v.audit_entries()
        .unwrap()
        .into_iter()
        .filter(|a| a.record_id.as_deref() == Some(id))
        .map(|a| a.action)
        .collect()
}

/// A finger or the portrait taken again after the sheet was printed and signed voids the
/// sheet: the card must not carry a biometric the applicant's signed sheet does not show.
/// A captured finger or a recorded exception can be taken again (audited).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_biometric_retaken_after_signing_needs_a_new_sheet_and_signature() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let mut devices = Devices::real(&config);
    let (printer, permits) = GatePrinter::new();
    devices.printer = printer.clone();
    let h = start(dir.path(), config, devices);
    first_run(&h, T).await;
    let id = to_print_sign(&h).await;
    let print_and_sign = || async {
        permits.send(()).unwrap();
        let s = h.run(Intent::Print, T).await.unwrap();
        assert!(
            s.enrollment.as_ref().unwrap().printed.is_some(),
            "{:?}",
            s.message
        );
        let s = h.run(Intent::ConfirmSigned, T).await.unwrap();
        assert!(s.enrollment.as_ref().unwrap().signed);
    };
    print_and_sign().await;

    // Back to the fingers: the left index's exception is taken again.
    at(h.run(Intent::Back, T).await, Step::Review);
    at(h.run(Intent::Back, T).await, Step::Fingerprints);
    let s = h.run(Intent::RetakeFinger(3), T).await.unwrap();
    assert!(
        s.message.as_ref().unwrap().error,
        "finger 3 was never taken"
    );
    let s = h.run(Intent::RetakeFinger(7), T).await.unwrap();
    let e = s.enrollment.clone().unwrap();
    assert!(e.finger(7).is_none());
    assert!(e.finger(2).is_some());
    assert!(e.printed.is_none() && !e.signed);
    assert_eq!(
        s.message.as_ref().unwrap().en,
        "Retake the left index finger; the printed sheet must be printed and signed again"
    );
    assert_eq!(s.finger.as_ref().map(|f| f.position), Some(7));
    h.run(exception("amputated", "cụt ngón / amputated"), T)
        .await
        .unwrap();
    at(h.run(Intent::Next, T).await, Step::Review);
    at(h.run(Intent::Next, T).await, Step::PrintSign);
    let s = h.run(Intent::ConfirmSigned, T).await.unwrap();
    assert_eq!(
        s.message.as_ref().unwrap().en,
        "Print the sheet before it is signed"
    );
    let s = at(h.run(Intent::Next, T).await, Step::PrintSign);
    assert!(s.message.as_ref().unwrap().error);
    print_and_sign().await;

    // Back to the portrait: a new one voids the sheet too.
    for want in [Step::Review, Step::Fingerprints, Step::Portrait] {
        at(h.run(Intent::Back, T).await, want);
    }
    let s = h.run(Intent::CapturePortrait, PORTRAIT).await.unwrap();
    let e = s.enrollment.clone().unwrap();
    assert!(e.portrait.is_some(), "{:?}", s.message);
    assert!(e.printed.is_none() && !e.signed);
    shut_down(&h).await;

    let actions = audit_actions(dir.path(), &id);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "enroll.finger.retake.left-index")
            .count(),
        1,
        "{actions:?}"
    );
}

/// The device panel's camera is probed for real: a virtual camera's folder missing, empty
/// or without a readable picture is shown failing, with what to do; once it holds a
/// picture, Refresh shows it working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_camera_shows_failing_until_its_folder_holds_a_readable_picture() {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames");
    let config = StationFile::new("D01").load(dir.path());
    let h = start_real(dir.path(), &config);
    let camera = |s: &Snapshot| {
        s.devices
            .iter()
            .find(|d| d.name.en == "Camera")
            .cloned()
            .expect("the camera is listed")
    };
    let s = h
        .wait_for(T, |s| s.devices_checked > 0)
        .await
        .expect("the device states");
    let c = camera(&s);
    assert!(!c.ok, "no folder: {:?}", c.detail);
    assert!(c.detail.error);
    assert!(
        c.detail.en.contains("folder") && c.detail.en.contains("does not exist"),
        "{}",
        c.detail
    );
    assert!(c.detail.vi.contains("Không có thư mục"), "{}", c.detail);

    let refresh = || async {
        let checked = h.snapshot().devices_checked;
        h.send(Intent::Refresh);
        let s = h.wait_for(T, |s| s.devices_checked > checked).await;
        camera(&s.expect("the devices checked again"))
    };
    std::fs::create_dir(&frames).unwrap();
    let c = refresh().await;
    assert!(!c.ok, "an empty folder: {:?}", c.detail);
    assert!(c.detail.en.contains("no readable picture"), "{}", c.detail);

    std::fs::write(frames.join("00.jpg"), b"not a picture").unwrap();
    let c = refresh().await;
    assert!(!c.ok, "a damaged picture: {:?}", c.detail);
    assert!(c.detail.en.contains("no readable picture"), "{}", c.detail);
    assert!(
        c.detail.vi.contains("không có ảnh đọc được"),
        "{}",
        c.detail
    );

    std::fs::remove_file(frames.join("00.jpg")).unwrap();
    std::fs::copy(
        repo().join("tests/data/frames/01-clean.jpg"),
        frames.join("01.jpg"),
    )
    .unwrap();
    let c = refresh().await;
    assert!(c.ok, "{:?}", c.detail);
    h.send(Intent::Shutdown);
}

/// Checking the devices runs beside the engine: while a slow printer status holds the
/// check, the officer logs in, starts work, and Abort is answered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_answers_while_the_devices_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let mut devices = looping_devices(&config);
    let (printer, _permits, status) = GatePrinter::with_status_gate();
    devices.printer = printer.clone();
    let h = start(dir.path(), config, devices);
    // The check at start-up waits on the printer.
    until("the printer asked", || {
        printer.status_asked.load(Ordering::SeqCst) == 1
    })
    .await;
    first_run(&h, T).await;
    at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    start_scan(&h).await;
    // Asked again meanwhile: one check at a time.
    let n = h.send(Intent::Refresh);
    h.wait_for(T, |s| s.handled >= n).await.unwrap();
    let s = at(abort(&h, "Công dân bỏ về").await, Step::Aborted);
    assert!(s.busy.is_none());
    assert_eq!(s.devices_checked, 0, "the check is still under way");
    assert_eq!(printer.status_answered.load(Ordering::SeqCst), 0);
    assert_eq!(printer.status_asked.load(Ordering::SeqCst), 1);
    // Let the printer answer: the first check ends, the second follows.
    status.send(()).unwrap();
    status.send(()).unwrap();
    let s = h
        .wait_for(T, |s| s.devices_checked == 2)
        .await
        .expect("both checks done");
    assert_eq!(printer.status_asked.load(Ordering::SeqCst), 2);
    assert_eq!(s.devices.len(), 5);
    h.send(Intent::Shutdown);
}

/// A device check during a capture leaves the camera to the capture: it is not opened, and
/// the panel says it is working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_check_during_a_scan_leaves_the_camera_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let mut devices = Devices::real(&config);
    let opened = Arc::new(AtomicUsize::new(0));
    let o = opened.clone();
    devices.open_camera = Box::new(move |spec| {
        o.fetch_add(1, Ordering::SeqCst);
        open_looping(spec)
    });
    let (printer, _permits) = GatePrinter::new();
    devices.printer = printer;
    let h = start(dir.path(), config, devices);
    let s = h.wait_for(T, |s| s.devices_checked == 1).await.unwrap();
    assert!(s.devices[1].ok, "{:?}", s.devices[1].detail);
    assert_eq!(opened.load(Ordering::SeqCst), 1, "the start-up probe");
    first_run(&h, T).await;
    at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    start_scan(&h).await;
    h.send(Intent::Refresh);
    let s = h.wait_for(T, |s| s.devices_checked == 2).await.unwrap();
    assert!(s.busy.is_some(), "still scanning");
    let cam = &s.devices[1];
    assert_eq!(cam.name.en, "Camera");
    assert!(cam.ok);
    assert_eq!(cam.detail.en, "Working for the current step");
    assert_eq!(opened.load(Ordering::SeqCst), 2, "the scan's own, no probe");
    h.run(Intent::Cancel, T).await.unwrap();
    h.send(Intent::Shutdown);
}

/// Another connection holding the vault's write lock (as a stuck backup or a second
/// program would): every write of the engine fails after SQLite's busy timeout.
struct WriteLock(rusqlite::Connection);

impl WriteLock {
    fn take(dir: &Path) -> WriteLock {
        let c = rusqlite::Connection::open(dir.join("vault.db")).unwrap();
        c.execute_batch("BEGIN EXCLUSIVE").unwrap();
        WriteLock(c)
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// What is shown is what is committed: when the vault refuses a write, the enrollment in
/// memory (and on screen) stays as it was, the officer sees why, and the same action
/// succeeds once the vault takes writes again; a restart finds exactly that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_vault_refuses_is_not_shown_as_done() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let h = start_real(dir.path(), &config);
    first_run(&h, T).await;
    let s = at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    let id = s.enrollment.as_ref().unwrap().id.clone();
    let refused = |s: &Snapshot| {
        let m = s.message.clone().expect("a message");
        assert!(m.error, "{m}");
        assert!(m.vi.starts_with("Chưa lưu được, chưa thay đổi gì"), "{m}");
        assert!(m.en.starts_with("Not saved, nothing changed"), "{m}");
    };
    let lock = WriteLock::take(dir.path());
    let s = at(
        h.run(Intent::CheckInQr("KBYT|ok".into()), T).await,
        Step::CheckIn,
    );
    refused(&s);
    assert!(s.enrollment.as_ref().unwrap().checkin.is_none());
    drop(lock);
    let s = h.run(Intent::CheckInQr("KBYT|ok".into()), T).await.unwrap();
    assert!(s.enrollment.as_ref().unwrap().checkin.is_some());
    assert!(!s.message.as_ref().unwrap().error);

    // A step refused by the vault is not taken.
    let lock = WriteLock::take(dir.path());
    let s = at(h.run(Intent::Next, T).await, Step::CheckIn);
    refused(&s);
    // Nor an abort.
    let s = at(abort(&h, "thử / test").await, Step::CheckIn);
    refused(&s);
    drop(lock);

    // After a restart the enrollment is what was shown: checked in, at check-in.
    shut_down(&h).await;
    let h = start_real(dir.path(), &config);
    log_in_chief(&h).await;
    let s = at(h.run(Intent::Resume(id), T).await, Step::CheckIn);
    assert!(s.enrollment.as_ref().unwrap().checkin.is_some());
    at(h.run(Intent::Next, T).await, Step::Data);
    h.send(Intent::Shutdown);
}

/// Device work the officer started keeps the session open (its result must be saved when
/// it comes), and the officer's activity meanwhile is not refused; once it ends the idle
/// rule applies again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_work_keeps_the_session_open_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let devices = looping_devices(&config);
    let policy = accounts::Policy {
        idle_secs: 2,
        ..accounts::Policy::default()
    };
    let h = common::start_with_policy(dir.path(), config, devices, policy);
    first_run(&h, T).await;
    at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    start_scan(&h).await;
    let n = h.send(Intent::Activity);
    let s = h.wait_for(T, |s| s.handled >= n).await.unwrap();
    assert_eq!(
        s.message, None,
        "activity is not refused while a device works"
    );
    // Past the idle time and the engine's 5 s idle check: still logged in, still scanning.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let s = h.snapshot();
    assert!(matches!(s.login, Login::LoggedIn { .. }), "{:?}", s.login);
    assert!(s.busy.is_some());
    let s = h.run(Intent::Cancel, T).await.unwrap();
    assert!(s.busy.is_none());
    h.wait_for(Duration::from_secs(15), |s| {
        matches!(s.login, Login::Locked { .. })
    })
    .await
    .expect("locked once the device work ended");
    h.send(Intent::Shutdown);
}

/// The paper form goes through the camera preview before it is photographed, and the
/// photo is kept as a JPEG of the camera's picture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_paper_form_is_previewed_then_kept_as_a_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let h = start_real(dir.path(), &config);
    first_run(&h, T).await;
    at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    let n = h.send(Intent::CheckInPaper {
        note: "Tờ khai giấy số 17".into(),
    });
    let s = h
        .wait_for(T, |s| s.busy.is_some() && s.preview.is_some())
        .await
        .expect("the form in the preview");
    let p = s.preview.clone().unwrap();
    assert!(p.checks.is_empty());
    let s = h
        .wait_for(T, |s| s.handled >= n && s.busy.is_none())
        .await
        .unwrap();
    let Some(workflow::model::CheckIn::Paper {
        note, photo_jpeg, ..
    }) = s.enrollment.clone().unwrap().checkin.clone()
    else {
        panic!("no paper check-in: {:?}", s.message);
    };
    assert_eq!(note, "Tờ khai giấy số 17");
    let photo =
        image::load_from_memory_with_format(&photo_jpeg, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!((photo.width(), photo.height()), (p.width, p.height));
    h.send(Intent::Shutdown);
}
