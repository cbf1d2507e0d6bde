//! The engine: one task on tokio that owns the vault, the enrollment in progress and the
//! device work. The station app and the headless scenario runner both talk to it the same
//! way: they send [`Intent`]s and render the latest [`Snapshot`].
//!
//! Device calls (camera, sensor, printer, card) block, so each runs on tokio's blocking pool
//! with a cancel flag; while one runs the engine still answers (cancel, abort, snapshots),
//! and the UI thread never waits on a device. Each such job has a number and the
//! enrollment it was started for: its result counts only while it is the current job, for
//! that enrollment (an abort detaches the job; what it answers later is dropped). Every change to the enrollment is written to
//! the vault (one SQLite transaction, encrypted) before the snapshot shows it, so what the
//! officer saw done survives a crash or a pulled power cable.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::{Policy, SystemClock};
use citizen::CitizenRecord;
use iso19794::FingerPosition;
use tokio::sync::{mpsc, watch};
use vault::{RecordStatus, Vault};

use crate::config::StationConfig;
use crate::devices::{Device, Devices, StationKeys};
use crate::model::{
    CardWritten, CheckIn, Enrollment, FingerTaken, PortraitTaken, PrintedSheet, Step,
};

/// A short message for the officer in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub vi: String,
    pub en: String,
    pub error: bool,
}

impl Message {
    pub fn info(vi: impl Into<String>, en: impl Into<String>) -> Message {
        Message {
            vi: vi.into(),
            en: en.into(),
            error: false,
        }
    }
    pub fn error(vi: impl Into<String>, en: impl Into<String>) -> Message {
        Message {
            vi: vi.into(),
            en: en.into(),
            error: true,
        }
    }
    /// An error of the device crates, which print both languages around " / " — most
    /// Vietnamese first, the PC/SC ones English first: the half with Vietnamese letters
    /// (non-ASCII) is taken as the Vietnamese one.
    pub fn from_display(e: &dyn std::fmt::Display) -> Message {
        let s = e.to_string();
        match s.split_once(" / ") {
            Some((a, b)) if a.is_ascii() && !b.is_ascii() => Message::error(b, a),
            Some((vi, en)) => Message::error(vi, en),
            None => Message::error(s.clone(), s),
        }
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

/// What the officer (or a scenario) asks for.
#[derive(Debug, Clone)]
pub enum Intent {
    /// First run: create the vault with its supervisor.
    FirstRun {
        supervisor: String,
        password: String,
    },
    Login {
        name: String,
        password: String,
    },
    /// Re-enter the password after the idle lock.
    Unlock {
        password: String,
    },
    Logout,
    /// A new applicant: a queue number and the check-in step.
    NewApplicant,
    /// Continue an interrupted enrollment.
    Resume(String),
    /// The health-declaration QR code as text (typed, or from a hand scanner).
    CheckInQr(String),
    /// Read the health-declaration QR code from the camera.
    ScanCheckInQr,
    /// No smartphone: record the paper declaration; the camera photographs the form.
    CheckInPaper {
        note: String,
    },
    /// The 20 fields; validated, and refused with every problem listed.
    SubmitRecord(Box<CitizenRecord>),
    /// Start the camera and take the portrait when the checks pass.
    CapturePortrait,
    /// Take the current frame although a check fails, with the reason.
    ManualPortrait {
        reason: String,
    },
    /// Capture the current finger from the sensor.
    CaptureFinger,
    /// After the allowed attempts, accept the best capture of the current finger.
    AcceptLowQuality,
    /// The current finger cannot be taken.
    FingerException {
        kind: String,
        reason: String,
    },
    /// Take this finger (ISO/IEC 19794-4 code) again: its capture or exception is cleared
    /// (audited), and a sheet printed before must be printed and signed again.
    RetakeFinger(u8),
    /// Print the information sheet.
    Print,
    /// The applicant signed the printed sheet.
    ConfirmSigned,
    /// The applicant found a mistake on the sheet: back to the data, reprint needed.
    Correction,
    /// Write, lock, read back and verify the card in the reader.
    WriteCard,
    /// Print the receipt slip (when the card is done).
    PrintReceipt,
    Next,
    Back,
    Abort {
        reason: String,
    },
    /// Stop the device work under way.
    Cancel,
    /// Leave a finished enrollment (done or aborted) and return to the queue.
    Close,
    /// Ask for a fresh snapshot of devices and the resumable list.
    Refresh,
    /// The officer is working at the screen (typing, moving the pointer): keeps the
    /// session from idling out. The app sends it at most every few seconds.
    Activity,
    /// What the officer has typed into the data form so far, not yet validated: kept
    /// (encrypted) so a crash or restart does not lose it. Field JSON key → text.
    SaveDraft(std::collections::BTreeMap<String, String>),
    /// Prefill the data form from the applicant's former card: the QR code printed on it
    /// (text, or `scan` to read it from the camera). The fields it carries go into the
    /// draft; the officer checks them and types the rest.
    PrefillFromFormerCard {
        qr_text: Option<String>,
        scan: bool,
    },
    /// The day's figures for the report screen (`None`: today at the station).
    DailyReport(Option<time::Date>),
    /// Checkpoint: verify the presented card (QR text, typed data, or `scan` for the
    /// camera; exactly one), log the crossing, show the verdict.
    CheckpointVerify {
        qr_text: Option<String>,
        /// ID number, birth, expiry.
        typed: Option<(String, String, String)>,
        scan: bool,
        direction: vault::Direction,
        checkpoint: String,
    },
    /// Checkpoint: today's crossings.
    CheckpointHistory,
    /// Supervisor: the station's accounts, into [`Snapshot::accounts`].
    Accounts,
    /// Supervisor: add an officer (or, with `supervisor`, another supervisor) with a first
    /// password; the account gets its own wrap of the station key.
    AddAccount {
        name: String,
        password: String,
        supervisor: bool,
    },
    /// Supervisor: lift an account's lockout early (after checking the officer in person).
    ClearLockout(i64),
    /// Supervisor: remove another account (never one's own).
    RemoveAccount(i64),
    Shutdown,
}

/// One account in a supervisor's list (no password data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub supervisor: bool,
    /// "HH:MM DD/MM" station time while locked out after wrong passwords.
    pub locked_until: Option<String>,
    /// The logged-in supervisor's own account (cannot be removed).
    pub is_self: bool,
}

/// Who is at the station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// No vault yet: the first-run set-up creates it with a supervisor.
    FirstRun,
    LoggedOut,
    /// Idle-locked: the officer's password unlocks it again.
    Locked {
        officer: String,
    },
    LoggedIn {
        officer: String,
    },
}

/// Device work under way.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub what: Message,
    /// 0.0–1.0 when known.
    pub progress: Option<f32>,
}

/// The last camera frame and its checks, for the live preview.
#[derive(Debug, Clone)]
pub struct Preview {
    pub width: u32,
    pub height: u32,
    pub rgb: Arc<Vec<u8>>,
    /// (check, passed, measured, instruction vi, instruction en)
    pub checks: Vec<PreviewCheck>,
    pub run: usize,
}

#[derive(Debug, Clone)]
pub struct PreviewCheck {
    pub name_vi: String,
    pub name_en: String,
    pub passed: bool,
    pub instruction: Option<Message>,
}

/// The current finger's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerPrompt {
    pub position: u8,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_quality: Option<u8>,
    pub threshold: u8,
    /// After the allowed attempts, the officer decides.
    pub officer_decision: bool,
    pub guidance: Message,
}

/// A device and what the officer should do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceState {
    pub name: Message,
    pub ok: bool,
    pub detail: Message,
}

/// A resumable enrollment (no personal data: id and step only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    pub id: String,
    pub step: Step,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// Everything the app shows, replaced as a whole on each change.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub seq: u64,
    pub login: Login,
    pub enrollment: Option<Arc<Enrollment>>,
    pub busy: Option<Busy>,
    pub message: Option<Message>,
    /// Problems with the submitted data, field by field (JSON key, vi, en).
    pub validation: Vec<(String, String, String)>,
    pub preview: Option<Preview>,
    pub finger: Option<FingerPrompt>,
    pub devices: Vec<DeviceState>,
    /// Device checks completed so far (the list above is from the last one).
    pub devices_checked: u64,
    pub resumable: Vec<Resumable>,
    /// Set once the engine has stopped.
    pub stopped: bool,
    /// Intents handled so far (a script waits for its intent by this count).
    pub handled: u64,
    /// The fingers this station takes (ISO/IEC 19794-4 codes), in capture order.
    pub fingers: Vec<u8>,
    /// The day's figures, after [`Intent::DailyReport`].
    pub daily: Option<Arc<crate::report::Daily>>,
    /// The last checkpoint verdict.
    pub checkpoint: Option<Arc<crate::checkpoint::CheckpointResult>>,
    /// Today's crossings (after a verification or [`Intent::CheckpointHistory`]).
    pub crossings: Vec<crate::checkpoint::CrossingRow>,
    /// The logged-in officer is a supervisor (may manage accounts).
    pub supervisor: bool,
    /// The station's accounts, after [`Intent::Accounts`] (supervisors only).
    pub accounts: Vec<AccountRow>,
}

/// The app's end of the engine.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Intent>,
    snapshots: watch::Receiver<Snapshot>,
    sent: Arc<std::sync::atomic::AtomicU64>,
}

impl Handle {
    /// Sends an intent (never blocks). Returns its number: the intent is handled once
    /// `Snapshot::handled` reaches it.
    pub fn send(&self, intent: Intent) -> u64 {
        let n = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.tx.send(intent);
        n
    }

    /// Sends an intent and waits until it is handled and no device work is under way.
    pub async fn run(&self, intent: Intent, timeout: Duration) -> Option<Snapshot> {
        let n = self.send(intent);
        self.wait_for(timeout, |s| s.handled >= n && s.busy.is_none())
            .await
    }
    /// The latest snapshot (never blocks).
    pub fn snapshot(&self) -> Snapshot {
        self.snapshots.borrow().clone()
    }
    /// A receiver to await changes on.
    pub fn watch(&self) -> watch::Receiver<Snapshot> {
        self.snapshots.clone()
    }
    /// Waits (async) until `pred` holds for a snapshot, or the timeout passes.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&Snapshot) -> bool,
    ) -> Option<Snapshot> {
        let mut rx = self.snapshots.clone();
        let fut = async {
            loop {
                {
                    let s = rx.borrow_and_update();
                    if pred(&s) {
                        return Some(s.clone());
                    }
                    if s.stopped {
                        return None;
                    }
                }
                if rx.changed().await.is_err() {
                    return None;
                }
            }
        };
        tokio::time::timeout(timeout, fut).await.ok().flatten()
    }
}

/// Results of device work, sent back to the engine loop with the job they belong to.
struct Stamped {
    job: u64,
    done: Done,
}

/// What device work sends back.
enum Done {
    Qr(Result<String, Message>),
    Paper(Result<Vec<u8>, Message>, String),
    Portrait(Result<PortraitTaken, Message>),
    Finger(u8, Result<fingerprint::GreyImage, Message>),
    Printed(Result<PrintedSheet, Message>),
    Receipt(Result<PrintedSheet, Message>),
    Card(Result<CardWritten, Message>),
    Prefill(Result<String, Message>),
    Checkpoint(
        Box<Result<(checkpoint::Claim, checkpoint::Verification), Message>>,
        vault::Direction,
        String,
    ),
    Preview(Preview),
    FingerEvent(Message),
    Progress(f32),
    /// The device call panicked or its task was lost.
    Failed(Message),
    /// A device check's states (`None`: the check itself failed). Not a job: stamped 0.
    Devices(Option<Vec<DeviceState>>),
}

/// The device work under way (or left running by an abort): its number, the device it
/// holds and the enrollment it was started for. A result counts only for the current job
/// and its own enrollment; anything else is a late answer and is dropped.
#[derive(Debug, Clone)]
struct Job {
    id: u64,
    device: Device,
    enrollment: Option<String>,
}

/// The sending end a device job uses: every message carries the job's number.
#[derive(Clone)]
struct Emit {
    job: u64,
    tx: mpsc::UnboundedSender<Stamped>,
}

impl Emit {
    fn send(&self, done: Done) {
        let _ = self.tx.send(Stamped {
            job: self.job,
            done,
        });
    }
}

fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

/// Per-finger capture work in memory (the best attempt so far, its minutiae for duplicate
/// checks). What counts is persisted in the enrollment as soon as a finger is done.
#[derive(Default)]
struct FingerWork {
    attempts: u32,
    best: Option<(f32, u8, Vec<u8>)>,
    last_quality: Option<u8>,
    guidance: Option<Message>,
}

/// The engine. Build it with [`Engine::start`].
pub struct Engine {
    config: Arc<StationConfig>,
    devices: Arc<Devices>,
    keys: Option<Arc<StationKeys>>,
    vault_path: std::path::PathBuf,
    policy: Policy,
    vault: Option<Vault<SystemClock>>,
    officer: Option<String>,
    enrollment: Option<Enrollment>,
    snapshot: Snapshot,
    tx_snap: watch::Sender<Snapshot>,
    done_tx: mpsc::UnboundedSender<Stamped>,
    cancel: Arc<AtomicBool>,
    /// The device work under way; the snapshot's `busy` is shown while it is set.
    job: Option<Job>,
    /// Jobs an abort detached from their enrollment, still running (a print CUPS has not
    /// finished): their device stays theirs until their (dropped) result comes.
    detached: Vec<Job>,
    jobs_started: u64,
    /// A device check is under way; another was asked for meanwhile.
    refreshing: bool,
    refresh_again: bool,
    finger_work: HashMap<u8, FingerWork>,
    minutiae: HashMap<u8, Vec<fingerprint::minutiae::Minutia>>,
    fingers: Vec<u8>,
    portrait_manual: Option<String>,
    card_started: Option<Instant>,
    /// A card written and verified whose record the vault refused (application number).
    unsaved_card: Option<(String, CardWritten)>,
}

impl Engine {
    /// Starts the engine on the current tokio runtime. `keys` may be `None` when the
    /// station's signing keys are not available (the write step then says so).
    pub fn start(
        config: StationConfig,
        devices: Devices,
        keys: Option<StationKeys>,
        vault_path: std::path::PathBuf,
        policy: Policy,
    ) -> Handle {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let fingers = config.finger_codes().unwrap_or_else(|_| (1..=10).collect());
        let login = if vault_path.exists() {
            Login::LoggedOut
        } else {
            Login::FirstRun
        };
        let snapshot = Snapshot {
            seq: 0,
            login,
            enrollment: None,
            busy: None,
            message: None,
            validation: Vec::new(),
            preview: None,
            finger: None,
            devices: Vec::new(),
            devices_checked: 0,
            resumable: Vec::new(),
            stopped: false,
            handled: 0,
            fingers: fingers.clone(),
            daily: None,
            checkpoint: None,
            crossings: Vec::new(),
            supervisor: false,
            accounts: Vec::new(),
        };
        let (tx_snap, rx_snap) = watch::channel(snapshot.clone());
        let mut engine = Engine {
            config: Arc::new(config),
            devices: Arc::new(devices),
            keys: keys.map(Arc::new),
            vault_path,
            policy,
            vault: None,
            officer: None,
            enrollment: None,
            snapshot,
            tx_snap,
            done_tx,
            cancel: Arc::new(AtomicBool::new(false)),
            job: None,
            detached: Vec::new(),
            jobs_started: 0,
            refreshing: false,
            refresh_again: false,
            finger_work: HashMap::new(),
            minutiae: HashMap::new(),
            fingers,
            portrait_manual: None,
            card_started: None,
            unsaved_card: None,
        };
        tokio::spawn(async move {
            engine.refresh_devices();
            engine.publish();
            // The idle rule runs on a timer too, so a station left alone locks on time.
            let mut idle_check = tokio::time::interval(Duration::from_secs(5));
            idle_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = idle_check.tick() => {
                        if !engine.check_idle() {
                            continue;
                        }
                    }
                    intent = rx.recv() => match intent {
                        None | Some(Intent::Shutdown) => break,
                        Some(i) => {
                            engine.on_intent(i).await;
                            engine.snapshot.handled += 1;
                        }
                    },
                    Some(done) = done_rx.recv() => engine.on_done(done),
                }
                engine.publish();
            }
            engine.cancel.store(true, Ordering::Relaxed);
            engine.snapshot.stopped = true;
            engine.publish();
        });
        Handle {
            tx,
            snapshots: rx_snap,
            sent: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }

    fn publish(&mut self) {
        self.snapshot.seq += 1;
        self.snapshot.enrollment = self.enrollment.clone().map(Arc::new);
        self.snapshot.login = match (&self.vault, &self.officer) {
            (None, _) if !self.vault_path.exists() => Login::FirstRun,
            (Some(v), Some(o)) if v.is_unlocked() => Login::LoggedIn { officer: o.clone() },
            (Some(_), Some(o)) => Login::Locked { officer: o.clone() },
            _ => Login::LoggedOut,
        };
        self.snapshot.finger = self.finger_prompt();
        self.snapshot.supervisor = matches!(self.snapshot.login, Login::LoggedIn { .. })
            && self
                .vault
                .as_ref()
                .and_then(|v| v.officer())
                .is_some_and(|(_, role)| role == accounts::Role::Supervisor);
        if !self.snapshot.supervisor {
            self.snapshot.accounts.clear();
        }
        if !matches!(self.snapshot.login, Login::LoggedIn { .. }) {
            // Behind a locked or logged-out screen the snapshot carries nothing personal;
            // the enrollment waits in the engine for the officer's password.
            self.snapshot.enrollment = None;
            self.snapshot.preview = None;
            self.snapshot.daily = None;
            self.snapshot.checkpoint = None;
            self.snapshot.crossings.clear();
        }
        let _ = self.tx_snap.send(self.snapshot.clone());
    }

    /// True when the session has just locked (the snapshot must change).
    fn check_idle(&mut self) -> bool {
        let busy = self.job.is_some();
        let Some(v) = self.vault.as_mut() else {
            return false;
        };
        if !v.is_unlocked() {
            return false;
        }
        if busy {
            // Device work the officer started is the officer at work: the session stays
            // open, and the result is saved when it comes (a lock meanwhile would make the
            // vault refuse it).
            let _ = tokio::task::block_in_place(|| v.touch());
            return false;
        }
        match tokio::task::block_in_place(|| v.check_idle()) {
            Ok(locked) => locked,
            Err(e) => {
                self.say(Message::from_display(&e));
                true
            }
        }
    }

    fn say(&mut self, m: Message) {
        self.snapshot.message = Some(m);
    }

    /// Checks the devices on the blocking pool (libfprint's sensor probe alone takes up to
    /// 3 s); the states come back as a result, so Stop and Abort are answered meanwhile. A
    /// device that device work holds is not probed. One check at a time: asked again
    /// meanwhile, another follows.
    fn refresh_devices(&mut self) {
        if self.refreshing {
            self.refresh_again = true;
            return;
        }
        self.refreshing = true;
        let in_use: Vec<Device> = self
            .job
            .iter()
            .chain(&self.detached)
            .map(|j| j.device)
            .collect();
        let devices = self.devices.clone();
        let config = self.config.clone();
        let keys = self.keys.is_some();
        let emit = Emit {
            job: 0,
            tx: self.done_tx.clone(),
        };
        let check =
            tokio::task::spawn_blocking(move || devices.states_except(&config, keys, &in_use));
        tokio::spawn(async move {
            emit.send(Done::Devices(check.await.ok()));
        });
    }

    fn on_devices(&mut self, states: Option<Vec<DeviceState>>) {
        self.refreshing = false;
        match states {
            Some(states) => {
                self.snapshot.devices = states;
                self.snapshot.devices_checked += 1;
            }
            None => self.say(Message::error(
                "Không kiểm tra được thiết bị; bấm Kiểm tra lại thiết bị",
                "The devices could not be checked; press Check devices again",
            )),
        }
        if std::mem::take(&mut self.refresh_again) {
            self.refresh_devices();
        }
    }

    /// The open enrollment, to change: the change goes to [`Engine::commit`].
    fn draft(&self) -> Enrollment {
        self.enrollment.clone().expect("open")
    }

    /// Writes `e` to the vault, and only once it is committed makes it the enrollment in
    /// memory (which the snapshot shows): what the officer sees done is on disk. When the
    /// write fails, the enrollment stays as it was and the officer sees why (and can do it
    /// again once the vault is usable).
    fn commit(&mut self, mut e: Enrollment, action: &str) -> bool {
        let Some(v) = self.vault.as_mut() else {
            self.say(Message::error("Hãy đăng nhập trước", "Log in first"));
            return false;
        };
        if let Some(o) = &self.officer {
            e.last_officer = o.clone();
        }
        let status = match e.step {
            Step::Done => RecordStatus::Issued,
            Step::Aborted => RecordStatus::Aborted,
            Step::WriteCard | Step::PrintSign if e.signed => RecordStatus::Enrolled,
            _ => RecordStatus::InProgress,
        };
        let payload = match serde_json::to_vec(&e) {
            Ok(p) => zeroize::Zeroizing::new(p),
            Err(err) => {
                let m = Message::error(
                    format!("Không lưu được hồ sơ: {err}"),
                    format!("Cannot save the record: {err}"),
                );
                self.say(m);
                return false;
            }
        };
        let id = e.id.clone();
        // The facts reports read, sealed beside the record (serializing plain data cannot
        // fail; if it did, the record is still written and reports read it in full).
        let facts = serde_json::to_vec(&crate::report::EnrollmentFacts::of(&e)).ok();
        // The record, its own audit entry and the step's action are one transaction.
        if let Err(err) = tokio::task::block_in_place(|| {
            v.put_record_audited(&id, status, &payload, facts.as_deref(), Some(action))
        }) {
            let m = Message::from_display(&err);
            self.say(Message::error(
                format!("Chưa lưu được, chưa thay đổi gì: {}", m.vi),
                format!("Not saved, nothing changed: {}", m.en),
            ));
            return false;
        }
        // Committed: from here the vault holds it, so memory does too.
        self.enrollment = Some(e);
        true
    }

    fn require_login(&mut self) -> bool {
        match self.vault.as_ref() {
            Some(v) if v.is_unlocked() => true,
            _ => {
                self.say(Message::error("Hãy đăng nhập trước", "Log in first"));
                false
            }
        }
    }

    fn load_resumable(&mut self) {
        let Some(v) = self.vault.as_mut() else { return };
        // The step is in each record's sealed facts: no record is decrypted to list them.
        let mut out = Vec::new();
        // An issued card whose receipt was not printed yet (the station stopped in between)
        // is unfinished too; issued records from before the facts were kept are complete.
        for (status, read_old) in [
            (RecordStatus::InProgress, true),
            (RecordStatus::Enrolled, true),
            (RecordStatus::Issued, false),
        ] {
            let Ok((facts, _)) =
                tokio::task::block_in_place(|| crate::report::facts_of(v, Some(status), read_old))
            else {
                continue;
            };
            out.extend(
                facts
                    .into_iter()
                    .filter(|(_, f)| status != RecordStatus::Issued || !f.receipt_printed)
                    .map(|(rec, f)| Resumable {
                        id: rec.id,
                        step: f.step,
                        updated_at: rec.updated_at,
                    }),
            );
        }
        // Oldest first: the list's last is the most recently touched.
        out.sort_by(|a, b| a.updated_at.cmp(&b.updated_at).then(a.id.cmp(&b.id)));
        self.snapshot.resumable = out;
    }

    async fn on_intent(&mut self, intent: Intent) {
        // While a device works, only cancel and abort are taken (and the device check, the
        // officer's activity and the unlock, which touch no enrollment).
        if self.job.is_some()
            && !matches!(
                intent,
                Intent::Cancel
                    | Intent::Abort { .. }
                    | Intent::Refresh
                    | Intent::Activity
                    | Intent::Unlock { .. }
            )
        {
            self.say(Message::error(
                "Thiết bị đang làm việc; chờ hoặc bấm Dừng",
                "A device is working; wait or press Stop",
            ));
            return;
        }
        match intent {
            Intent::FirstRun {
                supervisor,
                password,
            } => self.first_run(&supervisor, &password),
            Intent::Login { name, password } => self.login(&name, &password),
            Intent::Unlock { password } => {
                if let Some(v) = self.vault.as_mut() {
                    // Argon2id: off the async threads.
                    match tokio::task::block_in_place(|| v.resume(&password)) {
                        Ok(()) => self.say(Message::info("Đã mở khóa", "Unlocked")),
                        Err(e) => self.say(Message::from_display(&e)),
                    }
                }
            }
            Intent::Logout => {
                if let Some(v) = self.vault.as_mut() {
                    v.lock();
                }
                self.vault = None;
                self.officer = None;
                self.enrollment = None;
                self.snapshot.resumable.clear();
            }
            Intent::Refresh => {
                self.refresh_devices();
                self.load_resumable();
            }
            Intent::Cancel => {
                self.cancel.store(true, Ordering::Relaxed);
            }
            Intent::Activity => {
                if let Some(v) = self.vault.as_mut() {
                    if v.is_unlocked() {
                        let _ = v.touch();
                    }
                }
            }
            _ if !self.require_login() => {}
            Intent::DailyReport(date) => self.daily_report(date),
            Intent::CheckpointVerify {
                qr_text,
                typed,
                scan,
                direction,
                checkpoint,
            } => self.checkpoint_verify(qr_text, typed, scan, direction, checkpoint),
            Intent::CheckpointHistory => self.checkpoint_history(),
            Intent::Accounts => self.load_accounts(),
            Intent::AddAccount {
                name,
                password,
                supervisor,
            } => self.add_account(name.trim(), &password, supervisor),
            Intent::ClearLockout(id) => self.change_account(id, false),
            Intent::RemoveAccount(id) => self.change_account(id, true),
            Intent::NewApplicant => self.new_applicant(),
            Intent::Resume(id) => self.resume(&id),
            Intent::Close => {
                if self.enrollment.as_ref().is_some_and(|e| e.is_finished()) {
                    self.enrollment = None;
                    self.snapshot.preview = None;
                    self.load_resumable();
                } else {
                    self.say(Message::error(
                        "Hồ sơ chưa xong; hoàn tất hoặc hủy có lý do",
                        "The enrollment is not finished; complete it or abort with a reason",
                    ));
                }
            }
            other => self.on_step_intent(other),
        }
    }

    fn first_run(&mut self, supervisor: &str, password: &str) {
        if self.vault_path.exists() {
            self.say(Message::error(
                "Trạm đã được thiết lập",
                "The station is already set up",
            ));
            return;
        }
        // Argon2id (hash and key wrap): off the async threads.
        let created = tokio::task::block_in_place(|| {
            Vault::create(
                &self.vault_path,
                supervisor,
                password,
                SystemClock,
                self.policy,
            )
        });
        match created {
            Ok(v) => {
                self.vault = Some(v);
                self.officer = Some(supervisor.to_string());
                self.say(Message::info(
                    format!("Đã tạo trạm với trưởng ca {supervisor}"),
                    format!("Station set up with supervisor {supervisor}"),
                ));
            }
            Err(e) => self.say(Message::from_display(&e)),
        }
    }

    fn login(&mut self, name: &str, password: &str) {
        let mut v = match self.vault.take() {
            Some(v) => v,
            None => match Vault::open(&self.vault_path, SystemClock, self.policy) {
                Ok(v) => v,
                Err(e) => {
                    self.say(Message::from_display(&e));
                    return;
                }
            },
        };
        match tokio::task::block_in_place(|| v.unlock(name, password)) {
            Ok(_) => {
                self.vault = Some(v);
                self.officer = Some(name.to_string());
                self.snapshot.message = None;
                self.load_resumable();
            }
            Err(e) => {
                self.vault = Some(v);
                self.officer = None;
                self.say(Message::from_display(&e));
            }
        }
    }

    /// Application number `<station>-<yyyymmdd>-<nnnn>`: the queue number is one more than
    /// the day's highest at this station.
    fn new_applicant(&mut self) {
        if self.enrollment.as_ref().is_some_and(|e| !e.is_finished()) {
            self.say(Message::error(
                "Còn hồ sơ đang làm; hoàn tất hoặc hủy trước",
                "An enrollment is open; finish or abort it first",
            ));
            return;
        }
        let Some(v) = self.vault.as_mut() else { return };
        let today = self.config.today();
        let prefix = format!(
            "{}-{:04}{:02}{:02}-",
            self.config.station_id,
            today.year(),
            u8::from(today.month()),
            today.day()
        );
        let next = match v.list(None) {
            Ok(list) => {
                list.iter()
                    .filter_map(|s| s.id.strip_prefix(&prefix)?.parse::<u32>().ok())
                    .max()
                    .unwrap_or(0)
                    + 1
            }
            Err(e) => {
                self.say(Message::from_display(&e));
                return;
            }
        };
        let officer = self.officer.clone().unwrap_or_default();
        let e = Enrollment::new(
            format!("{prefix}{next:04}"),
            next,
            &self.config.station_id,
            &officer,
            now_ms(),
        );
        if self.commit(e, "enroll.start") {
            self.reset_step_state();
            self.say(Message::info(
                format!("Số thứ tự {next}"),
                format!("Queue number {next}"),
            ));
        }
    }

    fn resume(&mut self, id: &str) {
        let Some(v) = self.vault.as_mut() else { return };
        match v.get_record(id) {
            Ok((_, pt)) => match serde_json::from_slice::<Enrollment>(&pt) {
                Ok(e) if e.is_resumable() => {
                    // As read from the vault, it is committed already; the resume itself
                    // (this officer, the audit entry) is committed next.
                    self.enrollment = Some(e.clone());
                    self.reset_step_state();
                    if let Some(e) = &self.enrollment {
                        // Minutiae of the fingers already taken, for the duplicate check.
                        for (code, f) in &e.fingers {
                            if let Some(img) = f
                                .png()
                                .and_then(|p| fingerprint::GreyImage::from_png(p).ok())
                            {
                                self.minutiae
                                    .insert(*code, fingerprint::quality::assess(&img).minutiae);
                            }
                        }
                    }
                    if self.commit(e, "enroll.resume") {
                        self.say(Message::info("Tiếp tục hồ sơ", "Enrollment resumed"));
                    }
                }
                Ok(_) => self.say(Message::error(
                    "Hồ sơ đã kết thúc",
                    "This enrollment is finished",
                )),
                Err(_) => self.say(Message::error(
                    "Hồ sơ hỏng, không đọc được",
                    "The record is damaged and cannot be read",
                )),
            },
            Err(e) => self.say(Message::from_display(&e)),
        }
    }

    fn reset_step_state(&mut self) {
        self.finger_work.clear();
        self.minutiae.clear();
        self.snapshot.preview = None;
        self.snapshot.validation.clear();
        self.snapshot.message = None;
        self.portrait_manual = None;
    }

    fn current_finger(&self) -> Option<u8> {
        let e = self.enrollment.as_ref()?;
        if e.step != Step::Fingerprints {
            return None;
        }
        self.fingers
            .iter()
            .copied()
            .find(|c| e.finger(*c).is_none())
    }

    fn threshold(&self, code: u8) -> u8 {
        FingerPosition::from_code(code)
            .map(|p| fingerprint::quality::Thresholds::default().for_finger(p))
            .unwrap_or(40)
    }

    fn finger_prompt(&self) -> Option<FingerPrompt> {
        let code = self.current_finger()?;
        let pos = FingerPosition::from_code(code)?;
        let w = self.finger_work.get(&code);
        let attempts = w.map_or(0, |w| w.attempts);
        let max = self.config.finger_attempts;
        Some(FingerPrompt {
            position: code,
            attempts,
            max_attempts: max,
            last_quality: w.and_then(|w| w.last_quality),
            threshold: self.threshold(code),
            officer_decision: attempts >= max,
            guidance: w.and_then(|w| w.guidance.clone()).unwrap_or_else(|| {
                Message::info(
                    format!("Đặt {} lên cảm biến", pos.name_vi().to_lowercase()),
                    format!("Place the {} on the sensor", pos.name_en()),
                )
            }),
        })
    }

    /// Runs `work` on tokio's blocking pool as the current job on `device`, for the open
    /// enrollment (if any). Its result comes back stamped with the job's number. Refused
    /// (false) while a job an abort left running still holds the device.
    fn spawn_job<F>(&mut self, device: Device, what: Message, work: F) -> bool
    where
        F: FnOnce(Arc<AtomicBool>, Emit) -> Done + Send + 'static,
    {
        if self.detached.iter().any(|j| j.device == device) {
            self.say(Message::error(
                "Thiết bị còn đang xong việc của hồ sơ đã hủy; chờ một lát rồi thử lại",
                "The device is still finishing the aborted enrollment's work; wait a moment and try again",
            ));
            return false;
        }
        self.jobs_started += 1;
        let id = self.jobs_started;
        self.cancel = Arc::new(AtomicBool::new(false));
        self.job = Some(Job {
            id,
            device,
            enrollment: self.enrollment.as_ref().map(|e| e.id.clone()),
        });
        self.snapshot.busy = Some(Busy {
            what,
            progress: None,
        });
        self.snapshot.message = None;
        let cancel = self.cancel.clone();
        let emit = Emit {
            job: id,
            tx: self.done_tx.clone(),
        };
        let events = emit.clone();
        let work = tokio::task::spawn_blocking(move || work(cancel, events));
        // A device call that panics (a driver's bug, a library's unwrap) must not leave the
        // step busy for ever: the panic, caught by tokio as a JoinError, comes back as this
        // job's result, an error the officer can retry after.
        tokio::spawn(async move {
            let done = match work.await {
                Ok(done) => done,
                Err(e) => {
                    eprintln!(
                        "idstation: việc thiết bị số {id} ({}) dừng bất thường / device job {id} ({}) ended abnormally{}",
                        device.slug(),
                        device.slug(),
                        if e.is_panic() { " (panic)" } else { "" }
                    );
                    Done::Failed(Message::error(
                        format!(
                            "Thiết bị gặp lỗi nội bộ ({}); thử lại bước này, nếu còn lỗi thì khởi động lại trạm",
                            device.name_vi()
                        ),
                        format!(
                            "The device failed internally ({}); try the step again, and restart the station if it fails again",
                            device.name_en()
                        ),
                    ))
                }
            };
            emit.send(done);
        });
        true
    }

    /// The current job is over: the snapshot stops showing it.
    fn end_work(&mut self) -> Option<Job> {
        self.snapshot.busy = None;
        self.job.take()
    }

    fn on_step_intent(&mut self, intent: Intent) {
        let Some(step) = self.enrollment.as_ref().map(|e| e.step) else {
            self.say(Message::error(
                "Chưa có hồ sơ; bấm Công dân mới",
                "No enrollment open; press New applicant",
            ));
            return;
        };
        let wrong_step = |s: &mut Self, want: Step| {
            s.say(Message::error(
                format!("Chỉ làm được ở bước {}", want.label_vi()),
                format!("Only at the {} step", want.label_en()),
            ));
        };
        match intent {
            Intent::CheckInQr(code) if step == Step::CheckIn => self.checked_in_qr(code),
            Intent::ScanCheckInQr if step == Step::CheckIn => self.scan_qr(),
            Intent::CheckInPaper { note } if step == Step::CheckIn => self.paper(note),
            Intent::SubmitRecord(r) if step == Step::Data => self.submit_record(*r),
            Intent::SaveDraft(fields) if step == Step::Data => {
                let mut e = self.draft();
                // Bounded: 20 fields of at most a few hundred characters each.
                let fields: std::collections::BTreeMap<String, String> = fields
                    .into_iter()
                    .take(40)
                    .map(|(k, v)| (k.chars().take(64).collect(), v.chars().take(1000).collect()))
                    .collect();
                if e.draft.as_ref() != Some(&fields) {
                    e.draft = Some(fields);
                    self.commit(e, "enroll.draft");
                }
            }
            Intent::CapturePortrait if step == Step::Portrait => self.capture_portrait(None),
            Intent::ManualPortrait { reason } if step == Step::Portrait => {
                if reason.trim().is_empty() {
                    self.say(Message::error(
                        "Chụp thủ công cần ghi lý do",
                        "A manual capture needs a reason",
                    ));
                } else {
                    self.capture_portrait(Some(reason));
                }
            }
            Intent::CaptureFinger if step == Step::Fingerprints => self.capture_finger(),
            Intent::AcceptLowQuality if step == Step::Fingerprints => self.accept_low_quality(),
            Intent::FingerException { kind, reason } if step == Step::Fingerprints => {
                self.finger_exception(kind, reason)
            }
            Intent::RetakeFinger(code) if step == Step::Fingerprints => self.retake_finger(code),
            Intent::Print if step == Step::PrintSign => self.print(),
            Intent::ConfirmSigned if step == Step::PrintSign => {
                let mut e = self.draft();
                if e.printed.is_none() {
                    self.say(Message::error(
                        "In phiếu trước khi ký",
                        "Print the sheet before it is signed",
                    ));
                } else {
                    e.signed = true;
                    if self.commit(e, "enroll.signed") {
                        self.say(Message::info(
                            "Đã xác nhận công dân ký phiếu",
                            "The applicant's signature is confirmed",
                        ));
                    }
                }
            }
            Intent::Correction if step == Step::PrintSign => {
                let mut e = self.draft();
                if let Err(m) = e.correction(now_ms()) {
                    self.say(Message::error(m.vi, m.en));
                } else {
                    self.commit(e, "enroll.correction");
                }
            }
            Intent::WriteCard if step == Step::WriteCard => self.write_card(),
            Intent::PrintReceipt if step == Step::Done => self.print_receipt(),
            Intent::Next => {
                let mut e = self.draft();
                match e.advance(&self.fingers, now_ms()) {
                    Ok(s) => {
                        if self.commit(e, &format!("enroll.step.{}", s.slug())) {
                            self.snapshot.message = None;
                            self.snapshot.preview = None;
                        }
                    }
                    Err(m) => self.say(Message::error(m.vi, m.en)),
                }
            }
            Intent::Back => {
                let mut e = self.draft();
                match e.back(now_ms()) {
                    Ok(s) => {
                        if self.commit(e, &format!("enroll.back.{}", s.slug())) {
                            self.snapshot.message = None;
                        }
                    }
                    Err(m) => self.say(Message::error(m.vi, m.en)),
                }
            }
            Intent::Abort { reason } => {
                let mut e = self.draft();
                match e.abort(&reason, now_ms()) {
                    Ok(()) => {
                        let id = e.id.clone();
                        if !self.commit(e, "enroll.abort") {
                            return;
                        }
                        // The enrollment's device work is stopped and detached: whatever it
                        // still answers belongs to no enrollment. A print is canceled at
                        // CUPS; a device that cannot stop at once (a printer that cannot
                        // take a job back) stays held until it answers.
                        if self
                            .job
                            .as_ref()
                            .is_some_and(|j| j.enrollment.as_deref() == Some(id.as_str()))
                        {
                            self.cancel.store(true, Ordering::Relaxed);
                            if let Some(j) = self.end_work() {
                                self.detached.push(j);
                            }
                            self.snapshot.preview = None;
                        }
                        self.say(Message::info("Đã hủy hồ sơ", "Enrollment aborted"));
                    }
                    Err(m) => self.say(Message::error(m.vi, m.en)),
                }
            }
            Intent::CheckInQr(_) | Intent::ScanCheckInQr | Intent::CheckInPaper { .. } => {
                wrong_step(self, Step::CheckIn)
            }
            Intent::PrefillFromFormerCard { qr_text, scan } if step == Step::Data => {
                match (qr_text, scan) {
                    (Some(t), false) => self.prefill(&t),
                    (None, true) => {
                        let devices = self.devices.clone();
                        let spec = self.config.camera.clone();
                        self.spawn_job(
                            Device::Camera,
                            Message::info(
                                "Đưa mã QR trên thẻ cũ trước camera",
                                "Hold the former card's QR code in front of the camera",
                            ),
                            move |cancel, _| {
                                Done::Prefill(devices.scan_qr_with(
                                    &spec,
                                    &cancel,
                                    Duration::from_secs(30),
                                    |t| checkpoint::CardQr::parse(t).is_ok(),
                                ))
                            },
                        );
                    }
                    _ => self.say(Message::error(
                        "Nhập mã QR của thẻ cũ hoặc quét nó",
                        "Give the former card's QR text, or scan it",
                    )),
                }
            }
            Intent::SubmitRecord(_)
            | Intent::SaveDraft(_)
            | Intent::PrefillFromFormerCard { .. } => wrong_step(self, Step::Data),
            Intent::CapturePortrait | Intent::ManualPortrait { .. } => {
                wrong_step(self, Step::Portrait)
            }
            Intent::CaptureFinger
            | Intent::AcceptLowQuality
            | Intent::FingerException { .. }
            | Intent::RetakeFinger(_) => wrong_step(self, Step::Fingerprints),
            Intent::Print | Intent::ConfirmSigned | Intent::Correction => {
                wrong_step(self, Step::PrintSign)
            }
            Intent::WriteCard => wrong_step(self, Step::WriteCard),
            Intent::PrintReceipt => wrong_step(self, Step::Done),
            _ => {}
        }
    }

    fn load_accounts(&mut self) {
        let offset = self.config.offset().unwrap_or(time::UtcOffset::UTC);
        let Some(v) = self.vault.as_mut() else { return };
        let me = v.officer().map(|(id, _)| id);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        match v.accounts() {
            Ok(list) => {
                self.snapshot.accounts = list
                    .into_iter()
                    .map(|a| AccountRow {
                        id: a.id.0,
                        is_self: Some(a.id) == me,
                        supervisor: a.role == accounts::Role::Supervisor,
                        locked_until: a.locked_until.filter(|t| *t > now).map(|t| {
                            time::OffsetDateTime::from_unix_timestamp(t)
                                .map(|t| {
                                    let t = t.to_offset(offset);
                                    format!(
                                        "{:02}:{:02} {:02}/{:02}",
                                        t.hour(),
                                        t.minute(),
                                        t.day(),
                                        u8::from(t.month())
                                    )
                                })
                                .unwrap_or_default()
                        }),
                        name: a.name,
                    })
                    .collect();
            }
            Err(e) => {
                self.snapshot.accounts.clear();
                self.say(Message::from_display(&e));
            }
        }
    }

    fn add_account(&mut self, name: &str, password: &str, supervisor: bool) {
        let Some(v) = self.vault.as_mut() else { return };
        let role = if supervisor {
            accounts::Role::Supervisor
        } else {
            accounts::Role::Officer
        };
        // Argon2id twice (hash and key wrap): off the async threads.
        match tokio::task::block_in_place(|| v.add_account(name, role, password)) {
            Ok(_) => {
                self.say(Message::info(
                    format!("Đã thêm tài khoản {name}"),
                    format!("Account {name} added"),
                ));
                self.load_accounts();
            }
            Err(e) => self.say(Message::from_display(&e)),
        }
    }

    /// Clears an account's lockout, or removes the account.
    fn change_account(&mut self, id: i64, remove: bool) {
        let Some(v) = self.vault.as_mut() else { return };
        let name = self
            .snapshot
            .accounts
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| format!("#{id}"), |a| a.name.clone());
        let id = accounts::OfficerId(id);
        let done = if remove {
            v.remove_account(id).map(|()| {
                Message::info(
                    format!("Đã xóa tài khoản {name}"),
                    format!("Account {name} removed"),
                )
            })
        } else {
            v.clear_lockout(id).map(|()| {
                Message::info(
                    format!("Đã mở khóa tài khoản {name}"),
                    format!("Account {name} unlocked"),
                )
            })
        };
        match done {
            Ok(m) => {
                self.say(m);
                self.load_accounts();
            }
            Err(e) => self.say(Message::from_display(&e)),
        }
    }

    fn daily_report(&mut self, date: Option<time::Date>) {
        let date = date.unwrap_or_else(|| self.config.today());
        let offset = self.config.offset().unwrap_or(time::UtcOffset::UTC);
        let target = self.config.campaign_target;
        let Some(v) = self.vault.as_mut() else { return };
        match tokio::task::block_in_place(|| crate::report::daily(v, date, offset, target)) {
            Ok(d) => {
                let _ = v.audit("report.daily.view", None);
                self.snapshot.daily = Some(Arc::new(d));
            }
            Err(e) => self.say(Message::from_display(&e)),
        }
    }

    fn checkpoint_verify(
        &mut self,
        qr_text: Option<String>,
        typed: Option<(String, String, String)>,
        scan: bool,
        direction: vault::Direction,
        checkpoint_id: String,
    ) {
        let presented = match (qr_text, typed, scan) {
            (Some(t), None, false) => crate::checkpoint::Presented::QrText(t),
            (None, Some((id_number, birth, expiry)), false) => {
                crate::checkpoint::Presented::Typed {
                    id_number,
                    birth,
                    expiry,
                }
            }
            (None, None, true) => crate::checkpoint::Presented::QrScan,
            _ => {
                self.say(Message::error(
                    "Chọn một cách: mã QR, quét mã QR, hoặc nhập số định danh và ngày",
                    "Give one: the QR text, a QR scan, or the typed ID number and dates",
                ));
                return;
            }
        };
        let checkpoint_id = checkpoint_id.trim().to_string();
        if checkpoint_id.is_empty() {
            self.say(Message::error("Nhập mã chốt", "Enter the checkpoint id"));
            return;
        }
        // Before the card is read: a verdict must never be lost to an id the log refuses.
        if let Err(m) = crate::checkpoint::check_checkpoint_id(&checkpoint_id) {
            self.say(m);
            return;
        }
        self.snapshot.checkpoint = None;
        let devices = self.devices.clone();
        let config = self.config.clone();
        // A QR scan uses the camera before the card; the reader is the device held.
        self.spawn_job(
            Device::Card,
            Message::info("Đặt thẻ vào đầu đọc", "Put the card on the reader"),
            move |cancel, _| {
                let r = crate::checkpoint::run(&devices, &config, presented, &cancel);
                Done::Checkpoint(Box::new(r), direction, checkpoint_id)
            },
        );
    }

    fn checkpoint_history(&mut self) {
        let Some(v) = self.vault.as_mut() else { return };
        match tokio::task::block_in_place(|| crate::checkpoint::today(v, &self.config)) {
            Ok(rows) => self.snapshot.crossings = rows,
            Err(e) => self.say(Message::from_display(&e)),
        }
    }

    /// The former card's QR fields into the draft (JSON keys; dates DD/MM/YYYY as typed;
    /// sex as in the record's JSON), over what was there.
    fn prefill(&mut self, text: &str) {
        let q = match checkpoint::CardQr::parse(text) {
            Ok(q) => q,
            Err(e) => {
                self.say(Message::from_display(&e));
                return;
            }
        };
        let dmy =
            |d: time::Date| format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year());
        let sex = serde_json::to_value(q.sex)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut e = self.draft();
        let draft = e.draft.get_or_insert_with(Default::default);
        for (k, v) in [
            ("id_number", q.id_number.clone()),
            ("former_id_number", q.former_id_number.clone()),
            ("full_name", q.full_name.clone()),
            ("date_of_birth", dmy(q.date_of_birth)),
            ("sex", sex),
            ("place_of_residence", q.address.clone()),
        ] {
            if !v.is_empty() {
                draft.insert(k.to_string(), v);
            }
        }
        if self.commit(e, "enroll.prefill") {
            self.say(Message::info(
                "Đã điền sẵn từ thẻ cũ; kiểm tra và nhập các mục còn lại",
                "Prefilled from the former card; check it and enter the rest",
            ));
        }
    }

    fn checked_in_qr(&mut self, code: String) {
        let code = code.trim().to_string();
        if code.is_empty() || code.len() > 4096 {
            self.say(Message::error(
                "Mã QR trống hoặc quá dài",
                "The QR code is empty or too long",
            ));
            return;
        }
        let mut e = self.draft();
        e.checkin = Some(CheckIn::Qr {
            code,
            at: now_ms() / 1000,
        });
        if self.commit(e, "enroll.checkin.qr") {
            self.say(Message::info(
                "Đã ghi nhận mã QR khai báo y tế",
                "Health-declaration QR code recorded",
            ));
        }
    }

    fn scan_qr(&mut self) {
        let devices = self.devices.clone();
        let spec = self.config.camera.clone();
        self.spawn_job(
            Device::Camera,
            Message::info(
                "Đưa mã QR trước camera",
                "Hold the QR code in front of the camera",
            ),
            move |cancel, _| Done::Qr(devices.scan_qr(&spec, &cancel, Duration::from_secs(30))),
        );
    }

    fn paper(&mut self, note: String) {
        if note.trim().is_empty() {
            self.say(Message::error(
                "Ghi nội dung tờ khai giấy",
                "Write down the paper declaration",
            ));
            return;
        }
        let devices = self.devices.clone();
        let spec = self.config.camera.clone();
        self.spawn_job(
            Device::Camera,
            Message::info(
                "Đặt tờ khai trước camera",
                "Hold the paper form in front of the camera",
            ),
            move |cancel, emit| {
                let r = devices.photograph(&spec, &cancel, |p| emit.send(Done::Preview(p)));
                Done::Paper(r, note)
            },
        );
    }

    fn submit_record(&mut self, record: CitizenRecord) {
        let policy = match profiles::Profile::load(&self.config.profile)
            .map_err(|e| Message::from_display(&e))
            .and_then(|p| crate::devices::policy_for(&p))
        {
            Ok(p) => p,
            Err(m) => {
                self.say(m);
                return;
            }
        };
        let record = record.normalized();
        let today = self.config.today();
        match citizen::validate(&record, &policy, today) {
            Ok(()) => {
                self.snapshot.validation.clear();
                let mut e = self.draft();
                if e.record.as_ref() != Some(&record) {
                    e.data_changed();
                }
                e.record = Some(record);
                if self.commit(e, "enroll.data") {
                    self.say(Message::info("Thông tin hợp lệ", "The data is valid"));
                }
            }
            Err(errs) => {
                self.snapshot.validation = errs
                    .iter()
                    .map(|e| {
                        (
                            e.field.json_key().to_string(),
                            format!("{}: {}", e.field.label_vi(), e.problem.message_vi()),
                            format!("{}: {}", e.field.label_en(), e.problem.message_en()),
                        )
                    })
                    .collect();
                self.say(Message::error(
                    format!("{} mục cần sửa", errs.len()),
                    format!("{} fields to correct", errs.len()),
                ));
            }
        }
    }

    fn capture_portrait(&mut self, manual: Option<String>) {
        let devices = self.devices.clone();
        let config = self.config.clone();
        let reason = manual.clone();
        if self.spawn_job(
            Device::Camera,
            Message::info(
                "Nhìn thẳng vào camera, bỏ khẩu trang",
                "Look straight at the camera, mask off",
            ),
            move |cancel, emit| {
                Done::Portrait(devices.portrait(&config, reason, &cancel, move |p| {
                    emit.send(Done::Preview(p))
                }))
            },
        ) {
            self.portrait_manual = manual;
        }
    }

    fn capture_finger(&mut self) {
        let Some(code) = self.current_finger() else {
            self.say(Message::info("Đã lấy đủ vân tay", "All fingers are taken"));
            return;
        };
        let pos = FingerPosition::from_code(code).unwrap_or(FingerPosition::Unknown);
        let devices = self.devices.clone();
        let timeout = Duration::from_secs(self.config.finger_timeout_secs);
        self.spawn_job(
            Device::Sensor,
            Message::info(
                format!("Đặt {} lên cảm biến", pos.name_vi().to_lowercase()),
                format!("Place the {} on the sensor", pos.name_en()),
            ),
            move |cancel, emit| {
                let r = devices.capture_finger(pos, timeout, &cancel, move |m| {
                    emit.send(Done::FingerEvent(m))
                });
                Done::Finger(code, r)
            },
        );
    }

    fn on_finger(&mut self, code: u8, image: fingerprint::GreyImage) {
        let pos = FingerPosition::from_code(code).unwrap_or(FingerPosition::Unknown);
        let a = fingerprint::quality::assess(&image);
        // The same finger presented for two positions is caught before it is kept.
        if let Some((other, _)) = self.minutiae.iter().find(|(c, m)| {
            **c != code && fingerprint::matching::compare(&a.minutiae, m).same_finger()
        }) {
            let other = FingerPosition::from_code(*other).unwrap_or(FingerPosition::Unknown);
            let w = self.finger_work.entry(code).or_default();
            w.guidance = Some(Message::error(
                format!(
                    "Đây là {} đã lấy; hãy đặt {}",
                    other.name_vi().to_lowercase(),
                    pos.name_vi().to_lowercase()
                ),
                format!(
                    "That is the {} already taken; place the {}",
                    other.name_en(),
                    pos.name_en()
                ),
            ));
            return;
        }
        let png = image.to_png();
        let threshold = self.threshold(code);
        let max = self.config.finger_attempts;
        let w = self.finger_work.entry(code).or_default();
        w.attempts += 1;
        w.last_quality = Some(a.score);
        if w.best.as_ref().is_none_or(|(v, _, _)| *v < a.value) {
            w.best = Some((a.value, a.score, png.clone()));
        }
        if a.score >= threshold {
            let attempts = w.attempts;
            let mut e = self.draft();
            e.set_finger(
                code,
                FingerTaken::Captured {
                    quality: a.score,
                    attempts,
                    png,
                },
            );
            if self.commit(e, &format!("enroll.finger.{}", pos.slug())) {
                self.minutiae.insert(code, a.minutiae);
                self.finger_work.remove(&code);
                self.say(Message::info(
                    format!("{}: chất lượng {}", pos.name_vi(), a.score),
                    format!("{}: quality {}", pos.name_en(), a.score),
                ));
            }
        } else {
            w.guidance = Some(if w.attempts >= max {
                Message::error(
                    format!(
                        "Chất lượng {} < {threshold} sau {max} lần; cán bộ quyết định: nhận ảnh tốt nhất hoặc ghi ngoại lệ",
                        a.score
                    ),
                    format!(
                        "Quality {} < {threshold} after {max} attempts; officer decides: accept the best or record an exception",
                        a.score
                    ),
                )
            } else {
                Message::error(
                    format!(
                        "Chất lượng {} < {threshold}: {}; lấy lại",
                        a.score,
                        a.reason.message_vi()
                    ),
                    format!(
                        "Quality {} < {threshold}: {}; try again",
                        a.score,
                        a.reason.message_en()
                    ),
                )
            });
        }
    }

    fn accept_low_quality(&mut self) {
        let Some(code) = self.current_finger() else {
            return;
        };
        let max = self.config.finger_attempts;
        let pos = FingerPosition::from_code(code).unwrap_or(FingerPosition::Unknown);
        let Some(w) = self.finger_work.get(&code) else {
            self.say(Message::error(
                "Chưa lấy lần nào",
                "No capture of this finger yet",
            ));
            return;
        };
        if w.attempts < max {
            self.say(Message::error(
                format!("Cần thử đủ {max} lần trước"),
                format!("Try all {max} attempts first"),
            ));
            return;
        }
        let Some((_, quality, png)) = w.best.clone() else {
            return;
        };
        let attempts = w.attempts;
        let minutiae = fingerprint::GreyImage::from_png(&png)
            .ok()
            .map(|img| fingerprint::quality::assess(&img).minutiae);
        let mut e = self.draft();
        e.set_finger(
            code,
            FingerTaken::AcceptedLowQuality {
                quality,
                attempts,
                png,
            },
        );
        if self.commit(e, &format!("enroll.finger.low_quality.{}", pos.slug())) {
            if let Some(m) = minutiae {
                self.minutiae.insert(code, m);
            }
            self.finger_work.remove(&code);
        }
    }

    fn finger_exception(&mut self, kind: String, reason: String) {
        let Some(code) = self.current_finger() else {
            return;
        };
        if reason.trim().is_empty() {
            self.say(Message::error(
                "Ghi lý do ngoại lệ",
                "Give the reason for the exception",
            ));
            return;
        }
        let pos = FingerPosition::from_code(code).unwrap_or(FingerPosition::Unknown);
        let mut e = self.draft();
        e.set_finger(
            code,
            FingerTaken::Exception {
                kind: kind.chars().take(64).collect(),
                reason: reason.chars().take(500).collect(),
            },
        );
        if self.commit(e, &format!("enroll.finger.exception.{}", pos.slug())) {
            self.finger_work.remove(&code);
        }
    }

    fn retake_finger(&mut self, code: u8) {
        let pos = FingerPosition::from_code(code).unwrap_or(FingerPosition::Unknown);
        let mut e = self.draft();
        let had_sheet = e.printed.is_some();
        match e.retake_finger(code) {
            Ok(_) => {
                if self.commit(e, &format!("enroll.finger.retake.{}", pos.slug())) {
                    self.minutiae.remove(&code);
                    self.finger_work.remove(&code);
                    let (vi, en) = if had_sheet {
                        (
                            "; phiếu đã in phải in lại và ký lại",
                            "; the printed sheet must be printed and signed again",
                        )
                    } else {
                        ("", "")
                    };
                    self.say(Message::info(
                        format!("Lấy lại {}{vi}", pos.name_vi().to_lowercase()),
                        format!("Retake the {}{en}", pos.name_en()),
                    ));
                }
            }
            Err(m) => self.say(Message::error(m.vi, m.en)),
        }
    }

    fn print(&mut self) {
        let e = self.enrollment.clone().expect("open");
        let devices = self.devices.clone();
        let config = self.config.clone();
        let officer = self.officer.clone().unwrap_or_default();
        self.spawn_job(
            Device::Printer,
            Message::info(
                "Đang in phiếu thu nhận thông tin",
                "Printing the information sheet",
            ),
            move |cancel, _| Done::Printed(devices.print_sheet(&config, &e, &officer, &cancel)),
        );
    }

    fn print_receipt(&mut self) {
        let e = self.enrollment.clone().expect("open");
        let devices = self.devices.clone();
        let config = self.config.clone();
        self.spawn_job(
            Device::Printer,
            Message::info("Đang in giấy hẹn", "Printing the receipt slip"),
            move |cancel, _| Done::Receipt(devices.print_receipt(&config, &e, &cancel)),
        );
    }

    fn write_card(&mut self) {
        let open = self.enrollment.as_ref().map(|e| e.id.as_str());
        if let Some((id, c)) = self.unsaved_card.clone() {
            if Some(id.as_str()) == open {
                return self.card_written(c);
            }
            self.unsaved_card = None;
        }
        let Some(keys) = self.keys.clone() else {
            self.say(Message::error(
                "Trạm chưa có khóa ký (idstation keys init / ds-key.p8)",
                "The station has no signing keys (idstation keys init / ds-key.p8)",
            ));
            return;
        };
        let e = self.enrollment.clone().expect("open");
        let devices = self.devices.clone();
        let config = self.config.clone();
        if self.spawn_job(
            Device::Card,
            Message::info(
                "Đặt thẻ trắng vào đầu đọc",
                "Put a blank card in the reader",
            ),
            move |cancel, emit| {
                Done::Card(devices.write_card(&config, &keys, &e, &cancel, move |p| {
                    emit.send(Done::Progress(p))
                }))
            },
        ) {
            self.card_started = Some(Instant::now());
        }
    }

    /// The card is written, locked and verified: the enrollment is done. The chip cannot be
    /// written again, so when the vault refuses the record the card is kept here and Write
    /// card saves it instead of writing.
    fn card_written(&mut self, c: CardWritten) {
        let mut e = self.draft();
        // The message (which the headless runner prints) names the application, never the
        // card's document number (the last 9 digits of the personal ID number); the done
        // screen shows that to the officer.
        let app = e.id.clone();
        e.card = Some(c.clone());
        let _ = e.advance(&[], now_ms());
        if self.commit(e.clone(), "enroll.card.issued") {
            self.unsaved_card = None;
            self.say(Message::info(
                format!("THẺ ĐÃ CẤP VÀ KIỂM TRA HỢP LỆ (hồ sơ {app})"),
                format!("CARD ISSUED AND VERIFIED (application {app})"),
            ));
        } else {
            let why = self.snapshot.message.clone();
            self.unsaved_card = Some((e.id.clone(), c));
            self.say(Message::error(
                format!(
                    "Thẻ đã ghi và kiểm tra nhưng hồ sơ chưa lưu được ({}); bấm Ghi thẻ để lưu lại (thẻ không bị ghi lần nữa)",
                    why.as_ref().map_or("", |m| m.vi.as_str())
                ),
                format!(
                    "The card is written and verified but the record is not saved ({}); press Write card to save it (the card is not written again)",
                    why.as_ref().map_or("", |m| m.en.as_str())
                ),
            ));
        }
    }

    fn on_done(&mut self, Stamped { job, done }: Stamped) {
        let done = match done {
            Done::Devices(states) => return self.on_devices(states),
            done => done,
        };
        let final_result = !matches!(
            done,
            Done::Preview(_) | Done::Progress(_) | Done::FingerEvent(_)
        );
        if self.job.as_ref().is_none_or(|j| j.id != job) {
            // A late answer: of a job an abort detached, or of no job at all. It changes
            // nothing; its device is free again. The log line names the job, the device and
            // the application number, nothing personal.
            if final_result {
                let (device, enrollment) = match self.detached.iter().position(|j| j.id == job) {
                    Some(i) => {
                        let j = self.detached.remove(i);
                        (j.device.slug(), j.enrollment.unwrap_or_default())
                    }
                    None => ("?", String::new()),
                };
                eprintln!(
                    "idstation: bỏ kết quả muộn của việc thiết bị số {job} ({device}, hồ sơ {enrollment}) / dropped the late result of device job {job} ({device}, application {enrollment})"
                );
            }
            return;
        }
        match done {
            Done::Preview(p) => {
                self.snapshot.preview = Some(p);
                return;
            }
            Done::Progress(p) => {
                if let Some(b) = self.snapshot.busy.as_mut() {
                    b.progress = Some(p);
                }
                return;
            }
            Done::FingerEvent(m) => {
                if let Some(b) = self.snapshot.busy.as_mut() {
                    b.what = m;
                }
                return;
            }
            _ => {}
        }
        let finished = self.end_work();
        if let Done::Checkpoint(r, direction, checkpoint_id) = done {
            match *r {
                Ok((claim, v)) => {
                    // The verdict is shown even when the crossing cannot be logged.
                    let vault = self.vault.as_mut();
                    let result = tokio::task::block_in_place(|| {
                        crate::checkpoint::log(vault, &claim, &v, direction, &checkpoint_id)
                    });
                    self.snapshot.message = Some(result.headline());
                    self.snapshot.checkpoint = Some(Arc::new(result));
                    self.checkpoint_history();
                }
                Err(m) => self.say(m),
            }
            return;
        }
        // The result is for the enrollment the job was started for, and only while that one
        // is open (a receipt: once it is done).
        let same = finished.is_some_and(|j| {
            j.enrollment.is_some()
                && j.enrollment.as_deref() == self.enrollment.as_ref().map(|e| e.id.as_str())
        });
        let open = same && self.enrollment.as_ref().is_some_and(|e| !e.is_finished());
        let issued = same
            && self
                .enrollment
                .as_ref()
                .is_some_and(|e| e.step == Step::Done);
        match done {
            Done::Qr(Ok(code)) if open => self.checked_in_qr(code),
            Done::Prefill(Ok(text)) if open => self.prefill(&text),
            Done::Paper(Ok(jpeg), note) if open => {
                let mut e = self.draft();
                e.checkin = Some(CheckIn::Paper {
                    note: note.chars().take(2000).collect(),
                    photo_jpeg: jpeg,
                    at: now_ms() / 1000,
                });
                if self.commit(e, "enroll.checkin.paper") {
                    self.say(Message::info(
                        "Đã ghi nhận tờ khai giấy và ảnh chụp",
                        "Paper declaration and its photo recorded",
                    ));
                }
            }
            Done::Portrait(Ok(p)) if open => {
                let mut e = self.draft();
                let manual = p.manual_reason.is_some();
                // A portrait retaken after the sheet was printed voids the sheet.
                e.set_portrait(p);
                let action = if manual {
                    "enroll.portrait.manual"
                } else {
                    "enroll.portrait.auto"
                };
                if self.commit(e, action) {
                    self.say(Message::info("Đã chụp ảnh chân dung", "Portrait taken"));
                }
            }
            Done::Finger(code, Ok(img)) if open => self.on_finger(code, img),
            Done::Printed(Ok(p)) if open => {
                let mut e = self.draft();
                e.printed = Some(p);
                e.signed = false;
                if self.commit(e, "enroll.printed") {
                    self.say(Message::info(
                        "Đã in; mời công dân kiểm tra và ký",
                        "Printed; the applicant checks and signs it",
                    ));
                }
            }
            Done::Card(Ok(c)) if open => self.card_written(c),
            Done::Receipt(Ok(p)) if issued => {
                let mut e = self.draft();
                e.receipt = Some(p);
                if self.commit(e, "enroll.receipt") {
                    self.say(Message::info(
                        "Đã in giấy hẹn trả thẻ",
                        "Receipt slip printed",
                    ));
                }
            }
            Done::Receipt(Err(m))
            | Done::Prefill(Err(m))
            | Done::Qr(Err(m))
            | Done::Paper(Err(m), _)
            | Done::Portrait(Err(m))
            | Done::Finger(_, Err(m))
            | Done::Printed(Err(m))
            | Done::Card(Err(m))
            | Done::Failed(m) => self.say(m),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn messages_of_either_order_put_vietnamese_first() {
        let m = Message::from_display(&cardreader::TransportError::CardRemoved);
        assert_eq!(m.vi, "thẻ đã bị rút ra");
        assert_eq!(m.en, "card removed");
        let m = Message::from_display(&"Kho dữ liệu đang khóa / The vault is locked");
        assert_eq!(m.vi, "Kho dữ liệu đang khóa");
        assert!(m.error);
    }
}
