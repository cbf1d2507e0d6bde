//! Headless enrollments for QA: a scenario file plays one applicant (record, camera frames,
//! finger images, a card in the reader) through the same engine the station app uses, and
//! each step's result and timing is reported.
//!
//! The applicant's fingers reach the engine through libfprint's own `virtual_image` sensor:
//! the runner listens for the engine's "place the finger" and feeds that finger's image
//! into the sensor's socket, as a person putting a finger down would.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fingerprint::GreyImage;
use iso19794::FingerPosition;
use serde::Deserialize;

use crate::config::StationConfig;
use crate::devices::{Devices, FingerSource, StationKeys};
use crate::engine::{Engine, Handle, Intent, Login, Message, Snapshot};
use crate::model::Step;

/// A scenario file (TOML). Relative paths are relative to the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The applicant's record (the 20 fields, JSON as `idstation record check` takes).
    pub record: PathBuf,
    /// The health-declaration QR code's text; without it, `paper_note` is used.
    #[serde(default)]
    pub checkin_qr: Option<String>,
    /// The paper declaration, photographed by the camera.
    #[serde(default)]
    pub paper_note: Option<String>,
    /// Check in by showing the QR code to the camera: the camera frames hold it (as an
    /// applicant shows a phone before posing); `checkin_qr`, when given, is what it must say.
    #[serde(default)]
    pub checkin_scan: bool,
    /// Camera frames for the portrait (and the paper form): a folder played as a stream.
    pub camera_frames: PathBuf,
    /// Finger images: `{ synth = SEED }` (generated prints, no real person's; the default,
    /// seed 0) or `{ dir = "DIR" }` with `<finger>.png` files (right-thumb.png …).
    #[serde(default)]
    pub fingers: Option<Fingers>,
    /// Fingers recorded as exceptions, with the reason.
    #[serde(default)]
    pub exceptions: std::collections::BTreeMap<String, String>,
    /// Stop the scenario by aborting at this step, with `abort_reason`.
    #[serde(default)]
    pub abort_at: Option<Step>,
    #[serde(default)]
    pub abort_reason: Option<String>,
    /// Seconds each device step may take.
    #[serde(default = "default_step_timeout")]
    pub step_timeout_secs: u64,
}

fn default_step_timeout() -> u64 {
    90
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Fingers {
    /// `{ synth = SEED }`
    Synth { synth: u64 },
    /// `{ dir = "fingers" }`
    Dir { dir: PathBuf },
}

/// One step's outcome as printed.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    pub step: String,
    pub ok: bool,
    pub millis: u64,
    pub message: String,
}

/// What a scenario run gives back.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub application: Option<String>,
    pub final_step: Option<Step>,
    pub steps: Vec<StepOutcome>,
    /// The card was written and verified (its document number is personal data: the last
    /// 9 digits of the ID number; it is not reported).
    pub card_issued: bool,
    pub sheet_job: Option<(String, i32)>,
    pub receipt_job: Option<(String, i32)>,
}

impl RunReport {
    pub fn completed(&self) -> bool {
        self.final_step == Some(Step::Done) && self.steps.iter().all(|s| s.ok)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "Không đọc được kịch bản {path}: {detail} / Cannot read the scenario {path}: {detail}"
    )]
    Read { path: String, detail: String },
    #[error("{0}")]
    Setup(String),
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let err = |detail: String| ScenarioError::Read {
            path: path.display().to_string(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let mut s: Scenario = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut s.record, &mut s.camera_frames] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if let Some(Fingers::Dir { dir }) = &mut s.fingers {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        if s.checkin_qr.is_none() && s.paper_note.is_none() && !s.checkin_scan {
            return Err(err(
                "cần checkin_qr hoặc paper_note / checkin_qr or paper_note is needed".into(),
            ));
        }
        Ok(s)
    }

    fn finger_image(&self, pos: FingerPosition) -> Result<GreyImage, String> {
        match &self.fingers {
            None => Ok(fingerprint::synth::Finger::new(0, pos)
                .capture(&fingerprint::synth::Capture::attempt(0))),
            Some(Fingers::Synth { synth }) => Ok(fingerprint::synth::Finger::new(*synth, pos)
                .capture(&fingerprint::synth::Capture::attempt(0))),
            Some(Fingers::Dir { dir }) => {
                let p = dir.join(format!("{}.png", pos.slug()));
                let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                GreyImage::from_png(&bytes).map_err(|e| format!("{}: {e}", p.display()))
            }
        }
    }
}

/// Who runs the scenario, in which vault.
pub struct Officer<'a> {
    pub vault: PathBuf,
    pub name: &'a str,
    pub password: &'a str,
}

/// Runs `scenario` on the station. `socket` is the `FP_VIRTUAL_IMAGE` path libfprint was
/// started with. The vault must exist; the officer logs in. With `resume`, the most recent
/// interrupted enrollment is continued from where it stood instead of a new one started.
pub async fn run(
    scenario: &Scenario,
    mut config: StationConfig,
    keys: Option<StationKeys>,
    officer: Officer<'_>,
    resume: bool,
    socket: PathBuf,
    mut on_step: impl FnMut(&StepOutcome),
) -> Result<RunReport, ScenarioError> {
    let record_text = std::fs::read_to_string(&scenario.record).map_err(|e| {
        ScenarioError::Setup(format!(
            "Không đọc được hồ sơ {0} / cannot read the record {0}: {e}",
            scenario.record.display()
        ))
    })?;
    let record = citizen::CitizenRecord::from_json(&record_text)
        .map_err(|e| ScenarioError::Setup(format!("{}: {e}", scenario.record.display())))?;
    config.camera = format!("virtual:{}", scenario.camera_frames.display());
    let mut devices = Devices::real(&config);
    // The applicant stands in front of the camera for as long as it takes: the frames play
    // in a loop, 10 per second, as a live camera would.
    devices.open_camera = Box::new(|spec| {
        let dir = spec.strip_prefix("virtual:").unwrap_or(spec).to_string();
        Ok(
            Box::new(camera::VirtualCamera::from_dir(dir, 10.0).looping(true))
                as Box<dyn camera::Camera>,
        )
    });
    // The applicant's fingers, put on libfprint's virtual sensor when it asks.
    let source = scenario.clone();
    devices.virtual_applicant = Some((
        Arc::new(move |p: FingerPosition| source.finger_image(p).ok()) as FingerSource,
        socket.clone(),
    ));
    let fingers = config.finger_codes().map_err(ScenarioError::Setup)?;
    let h = Engine::start(
        config,
        devices,
        keys,
        officer.vault.clone(),
        accounts::Policy::default(),
    );
    let timeout = Duration::from_secs(scenario.step_timeout_secs);
    let mut report = RunReport {
        application: None,
        final_step: None,
        steps: Vec::new(),
        card_issued: false,
        sheet_job: None,
        receipt_job: None,
    };

    let quick = Duration::from_secs(20);

    macro_rules! go {
        ($name:expr, $intent:expr, $t:expr, $ok:expr) => {{
            let t0 = Instant::now();
            let s = h.run($intent, $t).await;
            match note_step(&mut report, &mut on_step, $name, s, t0, &$ok) {
                Some(s) => s,
                None => return finish(&h, report).await,
            }
        }};
    }
    h.wait_for(quick, |s| s.handled == 0).await;
    let s = go!(
        "login",
        Intent::Login {
            name: officer.name.to_string(),
            password: officer.password.to_string()
        },
        quick,
        |s: &Snapshot| matches!(s.login, Login::LoggedIn { .. })
    );
    // Resume: the interrupted enrollment (most recent) continues from the step it was in.
    let resumable = if resume {
        s.resumable.last().cloned()
    } else {
        None
    };
    let s = match resumable {
        Some(r) => go!(
            "resume",
            Intent::Resume(r.id.clone()),
            quick,
            move |s: &Snapshot| s.enrollment.as_ref().is_some_and(|e| e.id == r.id)
        ),
        None => go!(
            "new_applicant",
            Intent::NewApplicant,
            quick,
            |s: &Snapshot| s.enrollment.is_some()
        ),
    };
    report.application = s.enrollment.as_ref().map(|e| e.id.clone());
    let has_checkin = |s: &Snapshot| s.enrollment.as_ref().is_some_and(|e| e.checkin.is_some());

    // Each turn does what the current step still lacks, then goes on: the same loop
    // starts a new applicant or finishes an interrupted one.
    for _ in 0..64 {
        let s = h.snapshot();
        let Some(e) = s.enrollment.clone() else { break };
        if scenario.abort_at == Some(e.step) {
            let reason = scenario
                .abort_reason
                .clone()
                .unwrap_or_else(|| "kịch bản dừng / scenario abort".into());
            go!("abort", Intent::Abort { reason }, quick, |s: &Snapshot| s
                .enrollment
                .as_ref()
                .is_some_and(|e| e.step == Step::Aborted));
            break;
        }
        match e.step {
            Step::CheckIn if e.checkin.is_none() => {
                match (&scenario.checkin_qr, &scenario.paper_note) {
                    _ if scenario.checkin_scan => {
                        let want = scenario.checkin_qr.clone();
                        go!(
                            "check_in",
                            Intent::ScanCheckInQr,
                            timeout,
                            move |s: &Snapshot| match s
                                .enrollment
                                .as_ref()
                                .and_then(|e| e.checkin.as_ref())
                            {
                                Some(crate::model::CheckIn::Qr { code, .. }) =>
                                    want.as_ref().is_none_or(|w| w == code),
                                _ => false,
                            }
                        );
                    }
                    (Some(qr), _) => {
                        go!(
                            "check_in",
                            Intent::CheckInQr(qr.clone()),
                            quick,
                            has_checkin
                        );
                    }
                    (None, Some(note)) => {
                        go!(
                            "check_in",
                            Intent::CheckInPaper { note: note.clone() },
                            timeout,
                            has_checkin
                        );
                    }
                    (None, None) => unreachable!("checked on load"),
                }
            }
            Step::Data if e.record.is_none() => {
                go!(
                    "data",
                    Intent::SubmitRecord(Box::new(record.clone())),
                    quick,
                    |s: &Snapshot| s.validation.is_empty()
                        && s.enrollment.as_ref().is_some_and(|e| e.record.is_some())
                );
            }
            Step::Portrait if e.portrait.is_none() => {
                go!(
                    "portrait",
                    Intent::CapturePortrait,
                    timeout,
                    |s: &Snapshot| s.enrollment.as_ref().is_some_and(|e| e.portrait.is_some())
                );
            }
            Step::Fingerprints if fingers.iter().any(|c| e.finger(*c).is_none()) => {
                let code = *fingers
                    .iter()
                    .find(|c| e.finger(**c).is_none())
                    .expect("one is missing");
                let pos = FingerPosition::from_code(code).unwrap_or(FingerPosition::Unknown);
                let taken = move |s: &Snapshot| {
                    s.enrollment
                        .as_ref()
                        .is_some_and(|e| e.finger(code).is_some())
                };
                if let Some(reason) = scenario.exceptions.get(pos.slug()) {
                    go!(
                        &format!("finger {}", pos.slug()),
                        Intent::FingerException {
                            kind: "scenario".into(),
                            reason: reason.clone()
                        },
                        quick,
                        taken
                    );
                    continue;
                }
                // Refuse a scenario whose image is unreadable before the sensor waits for it.
                scenario.finger_image(pos).map_err(ScenarioError::Setup)?;
                go!(
                    &format!("finger {}", pos.slug()),
                    Intent::CaptureFinger,
                    timeout,
                    taken
                );
            }
            Step::PrintSign if e.printed.is_none() => {
                go!("print", Intent::Print, timeout, |s: &Snapshot| s
                    .enrollment
                    .as_ref()
                    .is_some_and(|e| e.printed.is_some()));
            }
            Step::PrintSign if !e.signed => {
                go!("signed", Intent::ConfirmSigned, quick, |s: &Snapshot| s
                    .enrollment
                    .as_ref()
                    .is_some_and(|e| e.signed));
            }
            Step::WriteCard => {
                go!("write_card", Intent::WriteCard, timeout, |s: &Snapshot| s
                    .enrollment
                    .as_ref()
                    .is_some_and(|e| e.step == Step::Done));
            }
            Step::Done if e.receipt.is_none() => {
                go!("receipt", Intent::PrintReceipt, timeout, |s: &Snapshot| s
                    .enrollment
                    .as_ref()
                    .is_some_and(|e| e.receipt.is_some()));
            }
            Step::Done | Step::Aborted => break,
            step => {
                let want = Step::WORK
                    .iter()
                    .position(|s| *s == step)
                    .and_then(|i| Step::WORK.get(i + 1).copied())
                    .unwrap_or(Step::Done);
                go!(
                    &format!("→ {}", want.slug()),
                    Intent::Next,
                    quick,
                    move |s: &Snapshot| s.enrollment.as_ref().is_some_and(|e| e.step == want)
                );
            }
        }
    }
    let s = h.snapshot();
    if let Some(e) = &s.enrollment {
        report.card_issued = e.card.is_some();
        report.sheet_job = e.printed.as_ref().map(|p| (p.printer.clone(), p.job_id));
        report.receipt_job = e.receipt.as_ref().map(|p| (p.printer.clone(), p.job_id));
    }
    finish(&h, report).await
}

/// Notes one step's outcome; the snapshot when it succeeded.
fn note_step(
    report: &mut RunReport,
    on_step: &mut impl FnMut(&StepOutcome),
    name: &str,
    s: Option<Snapshot>,
    started: Instant,
    ok_if: &dyn Fn(&Snapshot) -> bool,
) -> Option<Snapshot> {
    let millis = started.elapsed().as_millis() as u64;
    let (ok, message) = match &s {
        None => (false, "hết thời gian / timed out".to_string()),
        Some(s) => (
            ok_if(s),
            s.message
                .as_ref()
                .map(Message::to_string)
                .unwrap_or_default(),
        ),
    };
    let o = StepOutcome {
        step: name.to_string(),
        ok,
        millis,
        message,
    };
    on_step(&o);
    report.steps.push(o);
    if ok {
        s
    } else {
        None
    }
}

async fn finish(h: &Handle, mut report: RunReport) -> Result<RunReport, ScenarioError> {
    let s = h.snapshot();
    report.final_step = s.enrollment.as_ref().map(|e| e.step);
    h.send(Intent::Shutdown);
    h.wait_for(Duration::from_secs(10), |s| s.stopped).await;
    Ok(report)
}
