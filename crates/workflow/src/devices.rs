//! The station's devices as the engine uses them: each call blocks (the engine runs it on
//! tokio's blocking pool), has a timeout, watches a cancel flag, and turns the device
//! crates' errors into messages for the officer.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cardreader::{CardTransport, PcscCard, TransportError};
use fingerprint::sensor::{CancelHandle, FingerSensor, SensorEvent};
use fingerprint::{GreyImage, SensorError};
use iso19794::FingerPosition;
use sheet::{PrintJob, Printer};

use crate::config::StationConfig;
use crate::engine::{DeviceState, Message, Preview, PreviewCheck};
use crate::model::{CardWritten, Enrollment, PortraitTaken, PrintedSheet};

/// Opens the fingerprint sensor for one capture.
pub type SensorOpener =
    Box<dyn Fn(Duration) -> Result<Box<dyn FingerSensor>, SensorError> + Send + Sync>;
/// Opens a camera from its spec (`virtual:DIR`, `v4l:N`).
pub type CameraOpener =
    Box<dyn Fn(&str) -> Result<Box<dyn camera::Camera>, camera::CameraError> + Send + Sync>;

/// The finger a virtual applicant puts on the sensor when asked for `position`.
pub type FingerSource = Arc<dyn Fn(FingerPosition) -> Option<GreyImage> + Send + Sync>;

/// The station's devices, as device work holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Camera,
    Sensor,
    Printer,
    Card,
}

impl Device {
    /// A name for the logs.
    pub fn slug(self) -> &'static str {
        match self {
            Device::Camera => "camera",
            Device::Sensor => "sensor",
            Device::Printer => "printer",
            Device::Card => "card",
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Device::Camera => "camera",
            Device::Sensor => "cảm biến vân tay",
            Device::Printer => "máy in",
            Device::Card => "đầu đọc thẻ",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Device::Camera => "camera",
            Device::Sensor => "fingerprint sensor",
            Device::Printer => "printer",
            Device::Card => "card reader",
        }
    }

    /// The device panel's line for a device that device work holds (it is not probed).
    fn in_use(self) -> Message {
        Message::info(
            "Đang làm việc cho bước hiện tại",
            "Working for the current step",
        )
    }
}

/// The devices behind the traits.
pub struct Devices {
    pub open_sensor: SensorOpener,
    pub open_camera: CameraOpener,
    pub printer: Arc<dyn Printer + Send + Sync>,
    /// On virtual stations (demo, QA): an applicant who puts the asked finger on
    /// libfprint's virtual_image sensor, through its socket (FP_VIRTUAL_IMAGE), whenever
    /// the sensor says "place the finger". `None` on a real station.
    pub virtual_applicant: Option<(FingerSource, std::path::PathBuf)>,
}

/// The station's Document Signer and CSCA.
pub struct StationKeys {
    pub signer: pki::DocumentSigner,
    pub csca: Vec<u8>,
}

impl StationKeys {
    /// Loads DIR/ds.der, DIR/ds-key.p8 (encrypted under `passphrase`) and DIR/csca.der.
    pub fn load(dir: &Path, passphrase: &[u8]) -> Result<StationKeys, Message> {
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| {
                Message::error(
                    format!("Không đọc được khóa {}: {e}", dir.join(name).display()),
                    format!("Cannot read the key file {}: {e}", dir.join(name).display()),
                )
            })
        };
        let bad = |e: &dyn std::fmt::Display| {
            Message::error(
                format!("Khóa của trạm không dùng được: {e}"),
                format!("The station's keys cannot be used: {e}"),
            )
        };
        let cert = pki::load_certificate(&read("ds.der")?).map_err(|e| bad(&e))?;
        let key_file = zeroize::Zeroizing::new(read("ds-key.p8")?);
        let key = pki::decrypt_private_key(&key_file, passphrase).map_err(|e| bad(&e))?;
        let signer = pki::DocumentSigner::from_pkcs8(&key, &cert).map_err(|e| bad(&e))?;
        let csca = pki::load_certificate(&read("csca.der")?).map_err(|e| bad(&e))?;
        Ok(StationKeys { signer, csca })
    }
}

/// The citizen record policy in the profile's `[policy]` table (defaults when absent).
pub fn policy_for(profile: &profiles::Profile) -> Result<citizen::Policy, Message> {
    match &profile.policy {
        None => Ok(citizen::Policy::default()),
        Some(table) => toml::Value::Table(table.clone()).try_into().map_err(|e| {
            Message::error(
                format!("Hồ sơ chip {} [policy] sai: {e}", profile.name),
                format!("Firmware profile {} [policy] is wrong: {e}", profile.name),
            )
        }),
    }
}

fn msg(e: &dyn std::fmt::Display) -> Message {
    Message::from_display(e)
}

/// How long the paper form is shown in the preview before it is photographed.
const PAPER_SETTLE: Duration = Duration::from_millis(1500);

fn cancelled() -> Message {
    Message::error("Đã dừng", "Stopped")
}

impl Devices {
    /// The real devices: libfprint's first sensor, cameras by spec, the CUPS queue.
    pub fn real(config: &StationConfig) -> Devices {
        let printer = match &config.cups_server {
            Some(server) => sheet::CupsPrinter::at(server, &config.printer),
            None => sheet::CupsPrinter::new(&config.printer),
        };
        Devices {
            open_sensor: Box::new(|timeout| {
                fingerprint::libfprint::service()
                    .open_first(timeout)
                    .map(|s| Box::new(s) as Box<dyn FingerSensor>)
            }),
            open_camera: Box::new(camera::open),
            printer: Arc::new(printer),
            virtual_applicant: match (
                config.virtual_applicant_seed,
                std::env::var_os("FP_VIRTUAL_IMAGE"),
            ) {
                (Some(seed), Some(socket)) => Some((
                    Arc::new(move |p: FingerPosition| {
                        Some(
                            fingerprint::synth::Finger::new(seed, p)
                                .capture(&fingerprint::synth::Capture::attempt(0)),
                        )
                    }) as FingerSource,
                    socket.into(),
                )),
                _ => None,
            },
        }
    }

    /// Each device's state and what to do when it is missing or failing.
    pub fn states(&self, config: &StationConfig, keys: bool) -> Vec<DeviceState> {
        self.states_except(config, keys, &[])
    }

    /// As [`Devices::states`], without touching the devices in `in_use` (device work holds
    /// them: probing the camera or the sensor then would take it from the capture); those
    /// are listed as working.
    pub fn states_except(
        &self,
        config: &StationConfig,
        keys: bool,
        in_use: &[Device],
    ) -> Vec<DeviceState> {
        let working = |name: Message, d: Device| DeviceState {
            name,
            ok: true,
            detail: d.in_use(),
        };
        let mut out = Vec::new();
        let reader_name = Message::info("Đầu đọc thẻ", "Card reader");
        let reader = if in_use.contains(&Device::Card) {
            working(reader_name, Device::Card)
        } else {
            match cardreader::list_readers() {
                Ok(names) if names.iter().any(|n| n.contains(&config.reader)) => DeviceState {
                    name: reader_name,
                    ok: true,
                    detail: Message::info(config.reader.clone(), config.reader.clone()),
                },
                Ok(names) => DeviceState {
                    name: reader_name,
                    ok: false,
                    detail: Message::error(
                        format!("Không thấy {}; cắm đầu đọc (có: {names:?})", config.reader),
                        format!(
                            "{} not found; plug the reader in (seen: {names:?})",
                            config.reader
                        ),
                    ),
                },
                Err(e) => DeviceState {
                    name: reader_name,
                    ok: false,
                    detail: msg(&e),
                },
            }
        };
        out.push(reader);
        out.push(if in_use.contains(&Device::Camera) {
            working(Message::info("Camera", "Camera"), Device::Camera)
        } else {
            self.camera_state(&config.camera)
        });
        let sensor_name = Message::info("Cảm biến vân tay", "Fingerprint sensor");
        let sensor = if in_use.contains(&Device::Sensor) {
            working(sensor_name, Device::Sensor)
        } else {
            match fingerprint::libfprint::service().sensors(Duration::from_secs(3)) {
                Ok(list) if !list.is_empty() => DeviceState {
                    name: sensor_name,
                    ok: true,
                    detail: Message::info(list[0].name.clone(), list[0].name.clone()),
                },
                Ok(_) => DeviceState {
                    name: sensor_name,
                    ok: false,
                    detail: Message::error(
                        "Không thấy cảm biến; cắm cảm biến vân tay",
                        "No sensor found; plug the fingerprint sensor in",
                    ),
                },
                Err(e) => DeviceState {
                    name: sensor_name,
                    ok: false,
                    detail: msg(&e),
                },
            }
        };
        out.push(sensor);
        let printer_name = Message::info("Máy in", "Printer");
        // Asking CUPS about the queue does not disturb a job on it.
        let printer = match self.printer.status() {
            Ok(s) if s.state != sheet::PrinterState::Stopped => DeviceState {
                name: printer_name,
                ok: true,
                detail: if in_use.contains(&Device::Printer) {
                    Device::Printer.in_use()
                } else {
                    Message::info(config.printer.clone(), config.printer.clone())
                },
            },
            Ok(_) => DeviceState {
                name: printer_name,
                ok: false,
                detail: Message::error(
                    format!("Máy in {} đang dừng; bật lại máy in", config.printer),
                    format!("Printer {} is stopped; resume it", config.printer),
                ),
            },
            Err(e) => DeviceState {
                name: printer_name,
                ok: false,
                detail: Message::error(e.message_vi(), e.message_en()),
            },
        };
        out.push(printer);
        out.push(DeviceState {
            name: Message::info("Khóa ký của trạm", "Station signing keys"),
            ok: keys,
            detail: if keys {
                Message::info("Đã nạp", "Loaded")
            } else {
                Message::error(
                    "Chưa nạp khóa ký; không ghi được thẻ",
                    "No signing keys loaded; cards cannot be written",
                )
            },
        });
        out
    }

    /// The camera's state, probed for real: opening a camera touches nothing (a virtual
    /// camera reads its folder when started, nokhwa opens the device lazily), so the probe
    /// starts it and waits for one frame. A virtual camera's folder must exist and hold a
    /// readable picture; a webcam's device node must exist and give a picture.
    pub fn camera_state(&self, spec: &str) -> DeviceState {
        let name = Message::info("Camera", "Camera");
        match self.probe_camera(spec) {
            Ok(detail) => DeviceState {
                name,
                ok: true,
                detail: Message::info(detail.clone(), detail),
            },
            Err(detail) => DeviceState {
                name,
                ok: false,
                detail,
            },
        }
    }

    fn probe_camera(&self, spec: &str) -> Result<String, Message> {
        let folder = spec.strip_prefix("virtual:");
        if let Some(dir) = folder {
            if !Path::new(dir).is_dir() {
                return Err(Message::error(
                    format!(
                        "Không có thư mục hình của camera ảo {dir}: tạo thư mục có ảnh, hoặc sửa mục camera trong station.toml"
                    ),
                    format!(
                        "The virtual camera's folder {dir} does not exist: create it with pictures, or fix camera in station.toml"
                    ),
                ));
            }
        }
        if let Some(n) = spec
            .strip_prefix("v4l:")
            .and_then(|n| n.parse::<u32>().ok())
        {
            // V4L2 (Linux) names webcam N /dev/videoN; without it there is nothing to open.
            let node = format!("/dev/video{n}");
            if !Path::new(&node).exists() {
                return Err(Message::error(
                    format!(
                        "Không thấy webcam {node}: cắm webcam vào rồi bấm Kiểm tra lại thiết bị"
                    ),
                    format!(
                        "No webcam at {node}: plug the webcam in, then press Check devices again"
                    ),
                ));
            }
        }
        let no_picture = |dir: &str, e: &camera::CameraError| {
            Message::error(
                format!(
                    "Thư mục {dir} của camera ảo không có ảnh đọc được (png, jpg, bmp, ppm): chép ảnh vào ({})",
                    e.vi()
                ),
                format!(
                    "The virtual camera's folder {dir} has no readable picture (png, jpg, bmp, ppm): put pictures in it ({})",
                    e.en()
                ),
            )
        };
        let mut cam = (self.open_camera)(spec).map_err(|e| msg(&e))?;
        let name = cam.name();
        let r = match (cam.start(None), folder) {
            (
                Err(
                    e @ (camera::CameraError::NotFound { .. }
                    | camera::CameraError::BadFrame { .. }),
                ),
                Some(dir),
            ) => Err(no_picture(dir, &e)),
            (Err(e), _) => Err(msg(&e)),
            (Ok(_), _) => {
                // One good frame, bounded: a few tries, each at most 2 s.
                let mut last = None;
                let mut got = false;
                for _ in 0..3 {
                    match cam.next_frame(Duration::from_secs(2)) {
                        Ok(_) => {
                            got = true;
                            break;
                        }
                        Err(e @ camera::CameraError::BadFrame { .. }) => last = Some(e),
                        Err(e) => {
                            last = Some(e);
                            break;
                        }
                    }
                }
                match (got, last, folder) {
                    (true, _, _) => Ok(name),
                    (false, Some(e), Some(dir)) => Err(no_picture(dir, &e)),
                    (false, Some(e), None) => Err(msg(&e)),
                    (false, None, _) => Err(Message::error(
                        "Camera không gửi hình: kiểm tra camera",
                        "The camera sends no picture: check the camera",
                    )),
                }
            }
        };
        cam.stop();
        r
    }

    fn started_camera(&self, spec: &str) -> Result<Box<dyn camera::Camera>, Message> {
        let mut cam = (self.open_camera)(spec).map_err(|e| msg(&e))?;
        cam.start(None).map_err(|e| msg(&e))?;
        Ok(cam)
    }

    /// Reads a QR code from camera frames until one decodes, `timeout` passes or cancel.
    pub fn scan_qr(
        &self,
        spec: &str,
        cancel: &AtomicBool,
        timeout: Duration,
    ) -> Result<String, Message> {
        self.scan_qr_with(spec, cancel, timeout, |_| true)
    }

    /// As [`Devices::scan_qr`], taking the first code `accept` likes (a card's QR among
    /// whatever else the camera sees).
    pub fn scan_qr_with(
        &self,
        spec: &str,
        cancel: &AtomicBool,
        timeout: Duration,
        accept: impl Fn(&str) -> bool,
    ) -> Result<String, Message> {
        let mut cam = self.started_camera(spec)?;
        // Elapsed time against the timeout: `Instant + Duration` panics on overflow.
        let started = Instant::now();
        while started.elapsed() < timeout {
            if cancel.load(Ordering::Relaxed) {
                cam.stop();
                return Err(cancelled());
            }
            let frame = match cam.next_frame(Duration::from_millis(500)) {
                Ok(f) => f,
                Err(camera::CameraError::Timeout(_)) => continue,
                Err(e) => {
                    cam.stop();
                    return Err(msg(&e));
                }
            };
            let img = image::DynamicImage::ImageRgb8(frame.into_image()).into_luma8();
            let (w, h) = img.dimensions();
            if let Ok(codes) = qr::decode_luma(w as usize, h as usize, img.as_raw()) {
                if let Some(c) = codes.into_iter().find(|c| accept(c)) {
                    cam.stop();
                    return Ok(c);
                }
            }
        }
        cam.stop();
        Err(Message::error(
            "Không đọc được mã QR; nhập tay hoặc dùng tờ khai giấy",
            "No QR code could be read; type it or use the paper form",
        ))
    }

    /// The paper declaration form as JPEG. The camera runs for a moment first with its
    /// picture in the preview (the same one the portrait step shows), so the officer sees
    /// the form is in view and a webcam's exposure settles; then the last frame is kept.
    pub fn photograph(
        &self,
        spec: &str,
        cancel: &AtomicBool,
        mut preview: impl FnMut(Preview),
    ) -> Result<Vec<u8>, Message> {
        let mut cam = self.started_camera(spec)?;
        let started = Instant::now();
        let mut last: Option<image::RgbImage> = None;
        let mut waits = 0;
        let r = loop {
            if cancel.load(Ordering::Relaxed) {
                break Err(cancelled());
            }
            match cam.next_frame(Duration::from_millis(500)) {
                Ok(f) => {
                    let img = f.into_image();
                    preview(Preview {
                        width: img.width(),
                        height: img.height(),
                        rgb: Arc::new(img.as_raw().clone()),
                        checks: Vec::new(),
                        run: 0,
                    });
                    last = Some(img);
                    if started.elapsed() >= PAPER_SETTLE {
                        break Ok(());
                    }
                }
                Err(camera::CameraError::Timeout(_)) if waits < 20 => waits += 1,
                // A virtual camera that played all its pictures: the last one is the photo.
                Err(camera::CameraError::EndOfStream) if last.is_some() => break Ok(()),
                Err(e) => break Err(msg(&e)),
            }
        };
        cam.stop();
        r?;
        let img = last.ok_or_else(|| {
            Message::error(
                "Camera không gửi hình: kiểm tra camera",
                "The camera sends no picture: check the camera",
            )
        })?;
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img)
            .map_err(|e| msg(&e))?;
        Ok(out)
    }

    /// The portrait: auto-capture when the checks pass on K frames in a row, or with a
    /// reason, the first frame after its checks (the officer's manual capture; without a
    /// face found, a centred full frontal crop).
    pub fn portrait(
        &self,
        config: &StationConfig,
        manual: Option<String>,
        cancel: &AtomicBool,
        mut preview: impl FnMut(Preview),
    ) -> Result<PortraitTaken, Message> {
        let cam = (self.open_camera)(&config.camera).map_err(|e| msg(&e))?;
        let mut analyzer = portrait::Analyzer::default();
        let spec = portrait::OutputSpec::default();
        let worker = camera::CaptureWorker::spawn(cam, camera::CaptureOptions::default())
            .map_err(|e| msg(&e))?;
        let mut auto = portrait::AutoCapture::new(config.portrait_frames.max(1));
        let mut frames = 0u64;
        let mut last_failed: Vec<portrait::CheckId> = Vec::new();
        let p = loop {
            if cancel.load(Ordering::Relaxed) {
                worker.cancel();
                return Err(cancelled());
            }
            let event = match worker.events().recv_timeout(Duration::from_millis(100)) {
                Ok(e) => e,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break None,
            };
            match event {
                camera::CaptureEvent::Frame(f) => {
                    frames += 1;
                    let img = f.into_image();
                    let a = analyzer.analyze(img.width(), img.height(), img.as_raw());
                    last_failed = a.failed();
                    preview(Preview {
                        width: img.width(),
                        height: img.height(),
                        rgb: Arc::new(img.as_raw().clone()),
                        checks: a
                            .checks
                            .iter()
                            .map(|c| PreviewCheck {
                                name_vi: c.id.name_vi().to_string(),
                                name_en: c.id.name_en().to_string(),
                                passed: c.outcome == portrait::Outcome::Pass,
                                instruction: c
                                    .instruction
                                    .as_ref()
                                    .map(|i| Message::error(i.vi, i.en)),
                            })
                            .collect(),
                        run: auto.run_length() + usize::from(a.passed()),
                    });
                    let taken = match &manual {
                        Some(reason) => {
                            Some(portrait::AutoCapture::manual(&img, &a, reason, &spec))
                        }
                        None => auto.push(img, a).map(|(best, analysis)| {
                            portrait::make_portrait(
                                &best,
                                &analysis,
                                &spec,
                                portrait::CaptureKind::Auto {
                                    frames: config.portrait_frames,
                                },
                            )
                        }),
                    };
                    if let Some(r) = taken {
                        worker.cancel();
                        break Some(r.map_err(|e| msg(&e))?);
                    }
                    if frames >= config.portrait_max_frames {
                        break None;
                    }
                }
                camera::CaptureEvent::Ended(Some(e)) => return Err(msg(&e)),
                camera::CaptureEvent::Ended(None) => break None,
                _ => {}
            }
        };
        let Some(p) = p else {
            let names: Vec<&str> = last_failed.iter().map(|c| c.name_en()).collect();
            let names_vi: Vec<&str> = last_failed.iter().map(|c| c.name_vi()).collect();
            return Err(Message::error(
                format!(
                    "Không có ảnh đạt chuẩn sau {frames} khung hình (lỗi: {}); chỉnh lại hoặc chụp thủ công có lý do",
                    names_vi.join(", ")
                ),
                format!(
                    "No compliant frame after {frames} frames (failing: {}); adjust, or capture manually with a reason",
                    names.join(", ")
                ),
            ));
        };
        Ok(PortraitTaken {
            token_jpeg: p.jpeg,
            full_jpeg: p.full_frame_jpeg,
            eyes: p.eyes,
            manual_reason: match p.capture {
                portrait::CaptureKind::Manual { reason } => Some(reason),
                portrait::CaptureKind::Auto { .. } => None,
            },
            failed_checks: p
                .checks
                .iter()
                .filter(|c| c.outcome == portrait::Outcome::Fail)
                .map(|c| c.id.slug().to_string())
                .collect(),
        })
    }

    /// One capture of `finger` from the sensor; sensor retries go to `events`.
    pub fn capture_finger(
        &self,
        finger: FingerPosition,
        timeout: Duration,
        cancel: &Arc<AtomicBool>,
        mut events: impl FnMut(Message),
    ) -> Result<GreyImage, Message> {
        let mut sensor = (self.open_sensor)(Duration::from_secs(10)).map_err(|e| msg(&e))?;
        let handle = CancelHandle::default();
        // The capture call blocks this thread: a watcher passes the engine's Stop on to the
        // sensor's cancel handle.
        let watching = Arc::new(AtomicBool::new(true));
        let (w2, h2, c2) = (watching.clone(), handle.clone(), cancel.clone());
        let watcher = std::thread::spawn(move || {
            while w2.load(Ordering::Relaxed) {
                if c2.load(Ordering::Relaxed) {
                    h2.cancel();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let mut fed = false;
        let mut on_event = |ev: SensorEvent| {
            if let (SensorEvent::PlaceFinger, Some((source, socket)), false) =
                (&ev, &self.virtual_applicant, fed)
            {
                // The socket is there once libfprint opened the device.
                if let (Some(image), Ok(mut feeder)) = (
                    source(finger),
                    fingerprint::feeder::Feeder::connect(socket, Duration::from_secs(5)),
                ) {
                    fed = feeder.image(&image).is_ok();
                }
            }
            let m = match ev {
                SensorEvent::PlaceFinger => Message::info(
                    format!("Đặt {} lên cảm biến", finger.name_vi().to_lowercase()),
                    format!("Place the {} on the sensor", finger.name_en()),
                ),
                SensorEvent::FingerOn => Message::info("Giữ yên ngón tay", "Hold the finger still"),
                SensorEvent::FingerOff => Message::info("Nhấc ngón tay", "Finger lifted"),
                SensorEvent::Retry(r) => Message::error(r.message_vi(), r.message_en()),
            };
            events(m);
        };
        let r = sensor.capture(timeout, &handle, &mut on_event);
        watching.store(false, Ordering::Relaxed);
        let _ = watcher.join();
        drop(sensor);
        r.map_err(|e| match e {
            SensorError::Cancelled => cancelled(),
            e => Message::error(e.message_vi(), e.to_string()),
        })
    }

    /// Renders the information sheet and prints it; waits until CUPS says it completed.
    pub fn print_sheet(
        &self,
        config: &StationConfig,
        e: &Enrollment,
        officer: &str,
        cancel: &AtomicBool,
    ) -> Result<PrintedSheet, Message> {
        let record = e
            .record
            .clone()
            .ok_or_else(|| Message::error("Chưa có thông tin công dân", "No personal data yet"))?;
        let fonts =
            sheet::Fonts::system().map_err(|e| Message::error(e.message_vi(), e.message_en()))?;
        let fingers = e
            .fingers
            .iter()
            .filter_map(|(code, f)| {
                let position = FingerPosition::from_code(*code)?;
                Some(sheet::FingerCapture {
                    position,
                    quality: f.quality(),
                    status: match f {
                        crate::model::FingerTaken::Captured { .. } => {
                            sheet::CaptureStatus::Captured
                        }
                        crate::model::FingerTaken::AcceptedLowQuality { .. } => {
                            sheet::CaptureStatus::LowQualityApproved
                        }
                        crate::model::FingerTaken::Exception { reason, .. } => {
                            sheet::CaptureStatus::Exception {
                                reason: reason.clone(),
                            }
                        }
                    },
                })
            })
            .collect();
        let info = sheet::InfoSheet {
            record,
            portrait_jpeg: e.portrait.as_ref().map(|p| p.token_jpeg.clone()),
            fingers,
            application: sheet::Application {
                number: e.id.clone(),
                station: config.station_name.clone(),
                officer: officer.to_string(),
                date: config.today(),
            },
        };
        let pdf = sheet::render_sheet(&fonts, &info)
            .map_err(|e| Message::error(e.message_vi(), e.message_en()))?;
        self.print_pdf(&e.id, &pdf, cancel)
    }

    /// Prints a PDF and waits until CUPS says it completed. The job title is visible in
    /// the CUPS queue: it carries the application number only, never a name. Stop (or the
    /// enrollment aborted) sets `cancel`: the job is then canceled at CUPS, so that a sheet
    /// with personal data does not come out later at a printer nobody watches.
    fn print_pdf(
        &self,
        title: &str,
        pdf: &[u8],
        cancel: &AtomicBool,
    ) -> Result<PrintedSheet, Message> {
        let printed = self
            .printer
            .print_cancellable(PrintJob { title, pdf }, cancel)
            .map_err(|e| Message::error(e.message_vi(), e.message_en()))?;
        Ok(PrintedSheet {
            printer: printed.printer,
            job_id: printed.job_id,
            at: time::OffsetDateTime::now_utc().unix_timestamp(),
        })
    }

    /// Prints the receipt slip (application number, date to collect the card).
    pub fn print_receipt(
        &self,
        config: &StationConfig,
        e: &Enrollment,
        cancel: &AtomicBool,
    ) -> Result<PrintedSheet, Message> {
        let record = e
            .record
            .as_ref()
            .ok_or_else(|| Message::error("Chưa có thông tin công dân", "No personal data yet"))?;
        let fonts =
            sheet::Fonts::system().map_err(|e| Message::error(e.message_vi(), e.message_en()))?;
        let today = config.today();
        let slip = sheet::ReceiptSlip {
            application_number: e.id.clone(),
            full_name: record.full_name.clone(),
            station: config.station_name.clone(),
            enrolled_on: today,
            collect_on: today + time::Duration::days(7),
        };
        let pdf = sheet::render_receipt(&fonts, &slip)
            .map_err(|e| Message::error(e.message_vi(), e.message_en()))?;
        self.print_pdf(&format!("{} giay hen", e.id), &pdf, cancel)
    }

    /// Waits for a card in the station's reader (in short slices, so Stop is honoured) and
    /// connects to it.
    pub fn connect_card(
        &self,
        config: &StationConfig,
        cancel: &AtomicBool,
    ) -> Result<PcscCard, Message> {
        let reader = resolve_reader(&config.reader)?;
        // Elapsed time against the wait: `Instant + Duration` panics on overflow (the
        // station file bounds the wait as well).
        let started = Instant::now();
        let wait = Duration::from_secs(config.card_wait_secs);
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            match cardreader::wait_for_card(&reader, Duration::from_millis(300)) {
                Ok(()) => break,
                Err(TransportError::WaitTimeout) if started.elapsed() < wait => continue,
                Err(TransportError::WaitTimeout) => {
                    return Err(Message::error(
                        format!("Không có thẻ trong đầu đọc {reader}"),
                        format!("No card in {reader}"),
                    ))
                }
                Err(e) => return Err(msg(&e)),
            }
        }
        PcscCard::connect(&reader, cardreader::DEFAULT_COMMAND_TIMEOUT).map_err(|e| msg(&e))
    }

    /// Builds the chip's LDS, waits for a card, writes, locks, reads back and verifies it.
    pub fn write_card(
        &self,
        config: &StationConfig,
        keys: &StationKeys,
        e: &Enrollment,
        cancel: &AtomicBool,
        mut progress: impl FnMut(f32),
    ) -> Result<CardWritten, Message> {
        let profile = profiles::Profile::load(&config.profile).map_err(|e| msg(&e))?;
        let record = e
            .record
            .as_ref()
            .ok_or_else(|| Message::error("Chưa có thông tin công dân", "No personal data yet"))?;
        let portrait = e
            .portrait
            .as_ref()
            .ok_or_else(|| Message::error("Chưa có ảnh chân dung", "No portrait yet"))?;
        let prints: Vec<(FingerPosition, Vec<u8>)> = e
            .fingers
            .iter()
            .filter_map(|(c, f)| Some((FingerPosition::from_code(*c)?, f.png()?.to_vec())))
            .collect();
        let fingers = crate::dg3::records_for_dg3(&profile, &prints)
            .map_err(|e| Message::error(e.vi, e.en))?;
        let now = time::OffsetDateTime::now_utc();
        let bio = chip::Biometrics {
            portrait_jpeg: portrait.token_jpeg.clone(),
            // The station's token crop (19794-5 §8.4) has its eyes; only a manual capture
            // without a face found has none, and is the centred full frontal crop.
            face_image_type: match portrait.eyes {
                Some(_) => iso19794::FaceImageType::TokenFrontal,
                None => iso19794::FaceImageType::FullFrontal,
            },
            eyes: portrait.eyes,
            fingers,
        };
        let doc = chip::build(record, &bio, &profile, &keys.signer, now).map_err(|e| msg(&e))?;
        let card = self.connect_card(config, cancel)?;
        let reader = card.reader().to_string();
        // Progress: APDUs sent against the count a personalization of this document takes
        // (one CREATE and one SELECT per file, the writes in chunks, and the read-back).
        let chunk = profile.write_chunk().max(1);
        let expected = doc
            .files
            .iter()
            .map(|f| 2 + f.bytes.len().div_ceil(chunk))
            .sum::<usize>()
            + 30;
        let mut counted = Counting {
            inner: card,
            sent: 0,
            expected,
            progress: &mut progress,
            cancel,
        };
        let trust = chip::ReadOptions {
            now,
            ..chip::ReadOptions::new(vec![keys.csca.clone()])
        };
        let started = Instant::now();
        let report = chip::personalize(&mut counted, &profile, &doc, &trust).map_err(|e| {
            if cancel.load(Ordering::Relaxed) {
                cancelled()
            } else {
                msg(&e)
            }
        })?;
        (counted.progress)(1.0);
        let verdict = report.reading.verdict();
        if verdict != chip::Verdict::Verified {
            return Err(Message::error(
                "Thẻ ghi xong nhưng không kiểm tra được là hợp lệ",
                "The card was written but does not verify",
            ));
        }
        Ok(CardWritten {
            reader,
            document_number: doc.bac.document_number.clone(),
            apdus: report.write_traffic.apdus + report.verify_traffic.apdus,
            millis: started.elapsed().as_millis() as u64,
            at: time::OffsetDateTime::now_utc().unix_timestamp(),
        })
    }
}

/// The reader named exactly, or the only one whose name contains `wanted`.
fn resolve_reader(wanted: &str) -> Result<String, Message> {
    let names = cardreader::list_readers().map_err(|e| msg(&e))?;
    if names.iter().any(|n| n == wanted) {
        return Ok(wanted.to_string());
    }
    let matching: Vec<&String> = names.iter().filter(|n| n.contains(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Message::error(
            format!("Không tìm thấy đầu đọc {wanted:?}; có: {names:?}"),
            format!("Reader {wanted:?} not found; connected: {names:?}"),
        )),
        many => Err(Message::error(
            format!("Nhiều đầu đọc khớp {wanted:?}: {many:?}"),
            format!("Several readers match {wanted:?}: {many:?}"),
        )),
    }
}

/// A transport that counts APDUs for the progress bar and stops on cancel.
struct Counting<'a, P: FnMut(f32)> {
    inner: PcscCard,
    sent: usize,
    expected: usize,
    progress: &'a mut P,
    cancel: &'a AtomicBool,
}

impl<P: FnMut(f32)> CardTransport for Counting<'_, P> {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.cancel.load(Ordering::Relaxed) {
            // Personalization is retry-safe: a stopped write is finished by the next attempt.
            return Err(TransportError::Pcsc(
                "cancelled by the officer / cán bộ đã dừng".into(),
            ));
        }
        self.sent += 1;
        (self.progress)((self.sent as f32 / self.expected as f32).min(0.99));
        self.inner.transmit_raw(apdu)
    }
    fn supports_extended(&self) -> bool {
        self.inner.supports_extended()
    }
    fn traffic(&self) -> cardreader::Traffic {
        self.inner.traffic()
    }
}
