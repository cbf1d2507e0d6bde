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
        let mut out = Vec::new();
        let reader = match cardreader::list_readers() {
            Ok(names) if names.iter().any(|n| n.contains(&config.reader)) => DeviceState {
                name: Message::info("Đầu đọc thẻ", "Card reader"),
                ok: true,
                detail: Message::info(config.reader.clone(), config.reader.clone()),
            },
            Ok(names) => DeviceState {
                name: Message::info("Đầu đọc thẻ", "Card reader"),
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
                name: Message::info("Đầu đọc thẻ", "Card reader"),
                ok: false,
                detail: msg(&e),
            },
        };
        out.push(reader);
        let cam = match (self.open_camera)(&config.camera) {
            Ok(c) => DeviceState {
                name: Message::info("Camera", "Camera"),
                ok: true,
                detail: Message::info(c.name(), c.name()),
            },
            Err(e) => DeviceState {
                name: Message::info("Camera", "Camera"),
                ok: false,
                detail: msg(&e),
            },
        };
        out.push(cam);
        let sensor = match fingerprint::libfprint::service().sensors(Duration::from_secs(3)) {
            Ok(list) if !list.is_empty() => DeviceState {
                name: Message::info("Cảm biến vân tay", "Fingerprint sensor"),
                ok: true,
                detail: Message::info(list[0].name.clone(), list[0].name.clone()),
            },
            Ok(_) => DeviceState {
                name: Message::info("Cảm biến vân tay", "Fingerprint sensor"),
                ok: false,
                detail: Message::error(
                    "Không thấy cảm biến; cắm cảm biến vân tay",
                    "No sensor found; plug the fingerprint sensor in",
                ),
            },
            Err(e) => DeviceState {
                name: Message::info("Cảm biến vân tay", "Fingerprint sensor"),
                ok: false,
                detail: msg(&e),
            },
        };
        out.push(sensor);
        let printer = match self.printer.status() {
            Ok(s) if s.state != sheet::PrinterState::Stopped => DeviceState {
                name: Message::info("Máy in", "Printer"),
                ok: true,
                detail: Message::info(config.printer.clone(), config.printer.clone()),
            },
            Ok(_) => DeviceState {
                name: Message::info("Máy in", "Printer"),
                ok: false,
                detail: Message::error(
                    format!("Máy in {} đang dừng; bật lại máy in", config.printer),
                    format!("Printer {} is stopped; resume it", config.printer),
                ),
            },
            Err(e) => DeviceState {
                name: Message::info("Máy in", "Printer"),
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
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
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

    /// One frame as JPEG (the paper declaration form).
    pub fn photograph(&self, spec: &str, cancel: &AtomicBool) -> Result<Vec<u8>, Message> {
        let mut cam = self.started_camera(spec)?;
        for _ in 0..50 {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            match cam.next_frame(Duration::from_millis(500)) {
                Ok(f) => {
                    cam.stop();
                    let mut out = Vec::new();
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
                        .encode_image(&f.into_image())
                        .map_err(|e| msg(&e))?;
                    return Ok(out);
                }
                Err(camera::CameraError::Timeout(_)) => continue,
                Err(e) => {
                    cam.stop();
                    return Err(msg(&e));
                }
            }
        }
        cam.stop();
        Err(cancelled())
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
        if cancel.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        self.print_pdf(&e.id, &pdf)
    }

    /// Prints a PDF and waits until CUPS says it completed. The job title is visible in
    /// the CUPS queue: it carries the application number only, never a name.
    fn print_pdf(&self, title: &str, pdf: &[u8]) -> Result<PrintedSheet, Message> {
        let printed = self
            .printer
            .print(PrintJob { title, pdf })
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
        self.print_pdf(&format!("{} giay hen", e.id), &pdf)
    }

    /// Waits for a card in the station's reader (in short slices, so Stop is honoured) and
    /// connects to it.
    pub fn connect_card(
        &self,
        config: &StationConfig,
        cancel: &AtomicBool,
    ) -> Result<PcscCard, Message> {
        let reader = resolve_reader(&config.reader)?;
        let deadline = Instant::now() + Duration::from_secs(config.card_wait_secs);
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            match cardreader::wait_for_card(&reader, Duration::from_millis(300)) {
                Ok(()) => break,
                Err(TransportError::WaitTimeout) if Instant::now() < deadline => continue,
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
