//! The app: header with the step bar, the device panel, the current screen, the message
//! and busy bar with Back / Next / Abort, and the abort dialog.
//!
//! Every frame reads the engine's latest snapshot and draws it; nothing here waits on the
//! engine or a device. Keyboard: Tab / Shift+Tab move between fields and buttons, Enter or
//! Space press the focused button, Alt+N next, Alt+B back, Alt+L switches the language,
//! Escape closes the abort dialog.

use std::collections::BTreeMap;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use citizen::{CitizenRecord, Field, Sex};
use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText};
use workflow::engine::{Preview, Snapshot};
use workflow::{Intent, Login, Message, Step};
use zeroize::Zeroize;

use crate::form::{DataForm, FormError};
use crate::lang::Lang;
use crate::launch::Started;

pub const NEXT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::ALT, Key::N);
pub const BACK: KeyboardShortcut = KeyboardShortcut::new(Modifiers::ALT, Key::B);
pub const LANGUAGE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::ALT, Key::L);

pub(crate) const OK: Color32 = Color32::from_rgb(0x2e, 0x9d, 0x4a);
pub(crate) const BAD: Color32 = Color32::from_rgb(0xd9, 0x3b, 0x3b);

/// What the central area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Starting,
    StartFailed,
    FirstRun,
    Login,
    Locked,
    Queue,
    /// The day's figures (from the queue).
    Report,
    /// Checkpoint mode: verify a presented card.
    Checkpoint,
    /// A supervisor's officer accounts (from the queue).
    Accounts,
    Step(Step),
}

/// What the station is used for, switched in the header between enrollments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Enrollment,
    Checkpoint,
}

/// Officer input sends [`Intent::Activity`] at most this often.
pub const ACTIVITY_EVERY: Duration = Duration::from_secs(15);
/// The data form's draft is sent at most this often while it changes.
pub const DRAFT_EVERY: Duration = Duration::from_secs(3);

/// Kinds of finger exception the officer can record.
pub(crate) const EXCEPTIONS: [(&str, &str, &str); 3] = [
    ("amputated", "Cụt ngón", "Amputated"),
    ("bandaged", "Băng bó, bị thương", "Bandaged or injured"),
    ("unusable", "Không lấy được vân", "Print cannot be taken"),
];

/// Why a screen is to put the keyboard focus on its first field or main button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Focus {
    #[default]
    None,
    /// The screen was just shown.
    Arrive,
    /// Nothing holds the focus after the officer's action was answered, device work ended,
    /// or the abort dialog closed: Enter in a field gives the focus up, and a button that is
    /// disabled while a device works, or goes away, loses it. The screen focuses what comes
    /// next in its state (Next once the step's work is done).
    Again,
}

/// What the officer is typing, kept between frames.
#[derive(Default)]
pub(crate) struct Inputs {
    pub setup_name: String,
    pub setup_password: String,
    pub setup_password2: String,
    pub login_name: String,
    pub login_password: String,
    pub unlock_password: String,
    pub qr_text: String,
    pub paper_note: String,
    pub form: DataForm,
    pub form_errors: Vec<FormError>,
    pub manual_reason: String,
    /// The former card's QR text, for prefilling the data form.
    pub former_qr: String,
    pub exception_kind: usize,
    pub exception_reason: String,
    /// The abort dialog is open, with the reason typed so far.
    pub abort: Option<String>,
    /// A supervisor adding an account.
    pub account_name: String,
    pub account_password: String,
    pub account_password2: String,
    pub account_supervisor: bool,
    /// The account whose removal waits for the supervisor's confirmation.
    pub account_remove: Option<i64>,
}

impl Inputs {
    fn forget_passwords(&mut self) {
        self.setup_password.zeroize();
        self.setup_password2.zeroize();
        self.login_password.zeroize();
        self.unlock_password.zeroize();
        self.account_password.zeroize();
        self.account_password2.zeroize();
    }
}

/// A decoded image on the GPU and what it was made from.
pub(crate) struct Texture<K> {
    pub key: K,
    pub handle: egui::TextureHandle,
}

/// A JPEG of the enrollment (the portrait, the paper form's photo) decoded once into a
/// texture. A picture that does not decode is remembered as such, so it is not decoded
/// again on every frame.
#[derive(Default)]
pub(crate) struct JpegTexture {
    /// The application number, and the bytes' length and hash.
    key: Option<(String, usize, u64)>,
    handle: Option<egui::TextureHandle>,
    /// Decodes done so far.
    pub(crate) decodes: u32,
}

impl JpegTexture {
    pub(crate) fn get(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        id: &str,
        jpeg: &[u8],
    ) -> Option<(egui::TextureId, egui::Vec2)> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        jpeg.hash(&mut h);
        let key = (id.to_string(), jpeg.len(), h.finish());
        if self.key.as_ref() != Some(&key) {
            self.decodes += 1;
            self.key = Some(key);
            self.handle = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
                .ok()
                .map(|img| {
                    let img = img.into_rgb8();
                    let size = [img.width() as usize, img.height() as usize];
                    ctx.load_texture(
                        name,
                        egui::ColorImage::from_rgb(size, img.as_raw()),
                        egui::TextureOptions::LINEAR,
                    )
                });
        }
        self.handle.as_ref().map(|t| (t.id(), t.size_vec2()))
    }
}

pub struct App {
    pub(crate) lang: Lang,
    launching: Option<mpsc::Receiver<Result<Started, Message>>>,
    pub(crate) started: Option<Started>,
    launch_error: Option<Message>,
    pub(crate) snap: Option<Snapshot>,
    pub(crate) inputs: Inputs,
    /// A note from the app itself (passwords that differ, a form that cannot be sent).
    pub(crate) note: Option<Message>,
    /// The enrollment the inputs belong to.
    inputs_for: Option<String>,
    /// Next on the data step: the record sent and the number of its SubmitRecord intent;
    /// once the engine has handled it, Next follows if the engine holds exactly this record.
    pub(crate) next_after: Option<(CitizenRecord, u64)>,
    screen: Screen,
    /// Put the keyboard focus on the screen's first field or main button (see [`Focus`]).
    pub(crate) focus: Focus,
    /// Put the keyboard focus on the bottom bar's Next (its frame comes before the screen's,
    /// so the screen asks for it one frame ahead).
    pub(crate) focus_next: bool,
    /// Put the keyboard focus on the abort dialog's reason: the dialog's own flag, since the
    /// step under it (drawn after the bottom bar's Abort button) would take `focus`.
    abort_focus: bool,
    /// The officer's last intent, until the engine has handled it.
    acted: Option<u64>,
    /// Device work was under way in the last frame.
    was_busy: bool,
    /// Frames left to look for a focus lost after an answer (see [`App::refocus`]).
    refocus_frames: u8,
    pub(crate) preview: Option<Texture<Arc<Vec<u8>>>>,
    pub(crate) portrait: JpegTexture,
    /// The photo of the paper declaration form.
    pub(crate) paper: JpegTexture,
    /// When [`Intent::Activity`] was last sent, and how often it may be.
    activity_at: Option<Instant>,
    activity_every: Duration,
    /// The data form's draft as last sent, and when.
    draft_sent: Option<BTreeMap<String, String>>,
    draft_at: Option<Instant>,
    /// The report screen is open (over the queue).
    pub(crate) report_open: bool,
    /// The accounts screen is open (over the queue; supervisors only).
    pub(crate) accounts_open: bool,
    /// The number of a PrefillFromFormerCard intent: once handled (and its scan done), the
    /// form takes the engine's draft.
    pub(crate) prefill_after: Option<u64>,
    pub(crate) mode: Mode,
    pub(crate) checkpoint_inputs: crate::checkpoint::CheckpointInputs,
    pub(crate) chip_portrait: Option<Texture<(String, usize)>>,
    pub(crate) chip_portrait_failed: Option<(String, usize)>,
}

impl App {
    /// An app showing the engine `launching` brings up (see [`crate::launch`]).
    pub fn new(launching: mpsc::Receiver<Result<Started, Message>>, lang: Lang) -> App {
        App {
            lang,
            launching: Some(launching),
            started: None,
            launch_error: None,
            snap: None,
            inputs: Inputs::default(),
            note: None,
            inputs_for: None,
            next_after: None,
            screen: Screen::Starting,
            focus: Focus::Arrive,
            focus_next: false,
            abort_focus: false,
            acted: None,
            was_busy: false,
            refocus_frames: 0,
            preview: None,
            portrait: JpegTexture::default(),
            paper: JpegTexture::default(),
            activity_at: None,
            activity_every: ACTIVITY_EVERY,
            draft_sent: None,
            draft_at: None,
            report_open: false,
            accounts_open: false,
            prefill_after: None,
            mode: Mode::Enrollment,
            checkpoint_inputs: Default::default(),
            chip_portrait: None,
            chip_portrait_failed: None,
        }
    }

    /// How often officer input may send [`Intent::Activity`] ([`ACTIVITY_EVERY`]; tests
    /// with a short idle time shorten it).
    pub fn set_activity_every(&mut self, every: Duration) {
        self.activity_every = every;
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// The engine's latest snapshot as of the last frame.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snap.as_ref()
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Asks the engine to stop (it finishes the vault write under way).
    /// The data form's unsent draft goes first.
    pub fn shutdown(&mut self) {
        if self.screen == Screen::Step(Step::Data) {
            self.save_draft(true);
        }
        self.send(Intent::Shutdown);
    }

    pub(crate) fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }

    /// Sends an intent; its number in the engine's count of handled intents (0 when the
    /// engine is not up).
    pub(crate) fn send(&self, intent: Intent) -> u64 {
        self.started.as_ref().map_or(0, |s| s.handle.send(intent))
    }

    /// Sends an intent for an officer's action; the app's own note gives way to the
    /// engine's answer.
    pub(crate) fn act(&mut self, intent: Intent) -> u64 {
        // Leaving the data step (Next, Back, Abort, Log out): its draft first.
        if self.screen == Screen::Step(Step::Data) {
            self.save_draft(true);
        }
        self.note = None;
        self.next_after = None;
        let n = self.send(intent);
        if n > 0 {
            self.acted = Some(n);
        }
        n
    }

    /// The fingers the station takes: the engine's list, else what the launch read.
    pub(crate) fn station_fingers(&self) -> Vec<u8> {
        match self.snap.as_ref().map(|s| &s.fingers) {
            Some(f) if !f.is_empty() => f.clone(),
            _ => self
                .started
                .as_ref()
                .map(|s| s.fingers.clone())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn busy(&self) -> bool {
        self.snap.as_ref().is_some_and(|s| s.busy.is_some())
    }

    /// True once per newly shown screen (and when the focus is to come back, see
    /// [`Focus`]), for its first field or main button.
    pub(crate) fn take_focus(&mut self) -> bool {
        self.take_focus_why() != Focus::None
    }

    /// [`App::take_focus`] with the reason, for screens that focus another field when the
    /// focus comes back (the password after a refused log-in, a field with a problem).
    pub(crate) fn take_focus_why(&mut self) -> Focus {
        std::mem::take(&mut self.focus)
    }

    /// Gives the focus back to the screen ([`Focus::Again`]) once the officer's last intent
    /// is answered or device work ends, if nothing holds it then or in the next frame (a
    /// focused button disabled or gone by the answer loses the focus only as the frame is
    /// drawn). Without it the keyboard had to Tab from the header again.
    fn refocus(&mut self, ctx: &egui::Context) {
        let Some(s) = &self.snap else { return };
        let busy = s.busy.is_some();
        let ended = std::mem::replace(&mut self.was_busy, busy) && !busy;
        let answered = self.acted.is_some_and(|n| s.handled >= n);
        if answered {
            self.acted = None;
        }
        if answered || ended {
            self.refocus_frames = 2;
        }
        if self.refocus_frames == 0 {
            return;
        }
        self.refocus_frames -= 1;
        if self.inputs.abort.is_none() && ctx.memory(|m| m.focused().is_none()) {
            self.refocus_frames = 0;
            if self.focus == Focus::None {
                self.focus = Focus::Again;
            }
        }
    }

    /// The bar of a screen opened from the queue: "← Queue" (with the screen's first focus)
    /// and "Refresh", which sends `refresh`. Returns whether "← Queue" was pressed.
    pub(crate) fn back_and_refresh(&mut self, ui: &mut egui::Ui, refresh: Intent) -> bool {
        let lang = self.lang;
        ui.horizontal(|ui| {
            let focus = self.take_focus();
            let back = ui.button(lang.pick("← Hàng chờ", "← Queue"));
            if focus {
                back.request_focus();
            }
            if ui.button(lang.pick("Cập nhật", "Refresh")).clicked() {
                self.send(refresh);
            }
            back.clicked()
        })
        .inner
    }

    fn poll_launch(&mut self) {
        let Some(rx) = &self.launching else { return };
        match rx.try_recv() {
            Ok(Ok(started)) => {
                self.started = Some(started);
                self.launching = None;
            }
            Ok(Err(m)) => {
                self.launch_error = Some(m);
                self.launching = None;
            }
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => {
                self.launch_error = Some(Message::error(
                    "Không khởi động được bộ xử lý hồ sơ",
                    "The workflow engine did not start",
                ));
                self.launching = None;
            }
        }
    }

    fn current_screen(&self) -> Screen {
        if self.launch_error.is_some() {
            return Screen::StartFailed;
        }
        let Some(s) = &self.snap else {
            return Screen::Starting;
        };
        match &s.login {
            Login::FirstRun => Screen::FirstRun,
            Login::LoggedOut => Screen::Login,
            Login::Locked { .. } => Screen::Locked,
            Login::LoggedIn { .. } => match &s.enrollment {
                Some(e) => Screen::Step(e.step),
                None if self.mode == Mode::Checkpoint => Screen::Checkpoint,
                None if self.report_open => Screen::Report,
                None if self.accounts_open && s.supervisor => Screen::Accounts,
                None => Screen::Queue,
            },
        }
    }

    /// Keeps the typed inputs with the enrollment they belong to: a new applicant starts
    /// empty, a resumed one shows its saved data.
    fn sync_inputs(&mut self) {
        // Behind the lock screen the snapshot holds no enrollment; what was typed stays
        // for when the officer unlocks.
        if self
            .snap
            .as_ref()
            .is_none_or(|s| matches!(s.login, Login::Locked { .. }))
        {
            return;
        }
        let e = self.snap.as_ref().and_then(|s| s.enrollment.clone());
        let id = e.as_ref().map(|e| e.id.clone());
        if id == self.inputs_for {
            return;
        }
        let keep = std::mem::take(&mut self.inputs);
        self.inputs = Inputs {
            login_name: keep.login_name,
            ..Inputs::default()
        };
        self.draft_sent = None;
        self.draft_at = None;
        if let Some(e) = &e {
            if let Some(r) = &e.record {
                self.inputs.form = DataForm::from_record(r);
            } else if let Some(d) = &e.draft {
                // Typed before a restart and never validated: back in the form.
                self.inputs.form = form_from_draft(d);
                self.draft_sent = Some(d.clone());
            }
        }
        self.inputs_for = id;
        self.next_after = None;
        self.prefill_after = None;
        self.preview = None;
        self.portrait = JpegTexture::default();
        self.paper = JpegTexture::default();
    }

    /// Sends the data form's text as a draft when it changed since the last one, at most
    /// every [`DRAFT_EVERY`] unless `now`.
    pub(crate) fn save_draft(&mut self, now: bool) {
        let draft = form_draft(&self.inputs.form);
        if self.draft_sent.as_ref() == Some(&draft)
            || self.draft_sent.is_none() && draft.values().all(|v| v.is_empty())
        {
            return;
        }
        if !now && self.draft_at.is_some_and(|t| t.elapsed() < DRAFT_EVERY) {
            return;
        }
        self.send(Intent::SaveDraft(draft.clone()));
        self.draft_sent = Some(draft);
        self.draft_at = Some(Instant::now());
    }

    /// The former card's QR fields, put into the draft by the engine, into the form (what
    /// else was typed stays: the draft was sent first).
    fn follow_prefill(&mut self) {
        let Some(sent) = self.prefill_after else {
            return;
        };
        let Some(s) = &self.snap else { return };
        if s.handled < sent || s.busy.is_some() {
            return;
        }
        self.prefill_after = None;
        let draft = s
            .enrollment
            .as_ref()
            .filter(|e| e.step == Step::Data)
            .and_then(|e| e.draft.clone());
        if let Some(d) = draft {
            self.inputs.form = form_from_draft(&d);
            self.draft_sent = Some(d);
        }
    }

    /// Officer input (a key, text, a click) keeps the session from idling out: one
    /// [`Intent::Activity`] every [`ACTIVITY_EVERY`] at most (see [`App::set_activity_every`]).
    fn activity(&mut self, ctx: &egui::Context) {
        let logged_in = self
            .snap
            .as_ref()
            .is_some_and(|s| matches!(s.login, Login::LoggedIn { .. }));
        if !logged_in {
            return;
        }
        let input = ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    egui::Event::Key { pressed: true, .. }
                        | egui::Event::Text(_)
                        | egui::Event::Paste(_)
                        | egui::Event::PointerButton { pressed: true, .. }
                        | egui::Event::MouseWheel { .. }
                )
            })
        });
        if input
            && self
                .activity_at
                .is_none_or(|t| t.elapsed() >= self.activity_every)
        {
            self.send(Intent::Activity);
            self.activity_at = Some(Instant::now());
        }
    }

    /// The data step's Next: once the engine has handled the record that was sent, go on
    /// if it holds exactly that record; when it answered with problems instead, stay.
    fn follow_up(&mut self) {
        let Some((record, sent)) = &self.next_after else {
            return;
        };
        let Some(s) = &self.snap else { return };
        if s.handled < *sent {
            return;
        }
        let go = s
            .enrollment
            .as_ref()
            .is_some_and(|e| e.step == Step::Data && e.record.as_ref() == Some(record));
        self.next_after = None;
        if go {
            self.send(Intent::Next);
        }
    }

    /// Consumes a shortcut. With Alt held, winit still sends the letter as text in the same
    /// frame; it is dropped too, or Alt+N would type "n" into the focused field.
    fn take_shortcut(ctx: &egui::Context, shortcut: &KeyboardShortcut) -> bool {
        ctx.input_mut(|i| {
            if !i.consume_shortcut(shortcut) {
                return false;
            }
            let letter = shortcut.logical_key.name();
            i.events
                .retain(|e| !matches!(e, egui::Event::Text(t) if t.eq_ignore_ascii_case(letter)));
            true
        })
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        if Self::take_shortcut(ctx, &LANGUAGE) {
            self.lang = match self.lang {
                Lang::Vi => Lang::En,
                Lang::En => Lang::Vi,
            };
        }
        // Taken on every screen, so the letter never lands in a field (the log-in name, the
        // abort reason); they act only on a step, with no dialog open.
        let next = Self::take_shortcut(ctx, &NEXT);
        let back = Self::take_shortcut(ctx, &BACK);
        if self.inputs.abort.is_some() || !matches!(self.screen, Screen::Step(_)) {
            return;
        }
        if next {
            self.next();
        }
        if back {
            self.act(Intent::Back);
        }
    }

    /// Next: on the data step the form is sent first, and Next follows once it is valid.
    pub(crate) fn next(&mut self) {
        if self.screen == Screen::Step(Step::Data) {
            if let Some((record, sent)) = self.submit_form() {
                self.next_after = Some((record.normalized(), sent));
            }
        } else {
            self.act(Intent::Next);
        }
    }

    /// Sends the form to the engine for validation, with the intent's number; `None` when
    /// the form cannot make a record (an unreadable date, no sex chosen), which is then shown under the fields.
    pub(crate) fn submit_form(&mut self) -> Option<(CitizenRecord, u64)> {
        match self.inputs.form.to_record() {
            Ok(r) => {
                self.inputs.form_errors.clear();
                let sent = self.act(Intent::SubmitRecord(Box::new(r.clone())));
                Some((r, sent))
            }
            Err(errs) => {
                self.note = Some(Message::error(
                    format!("{} mục cần sửa trước khi kiểm tra", errs.len()),
                    format!("{} fields to correct before checking", errs.len()),
                ));
                self.inputs.form_errors = errs;
                // To the first field to correct.
                self.focus = Focus::Again;
                None
            }
        }
    }

    /// One frame: the whole window inside `ui`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.poll_launch();
        self.snap = self.started.as_ref().map(|s| s.handle.snapshot());
        self.sync_inputs();
        self.follow_up();
        self.follow_prefill();
        self.refocus(&ctx);
        let screen = self.current_screen();
        if screen != self.screen {
            self.screen = screen;
            self.focus = Focus::Arrive;
            self.focus_next = false;
            self.refocus_frames = 0;
            if screen == Screen::Checkpoint {
                self.send(Intent::CheckpointHistory);
                // The station's id stands for the checkpoint until the officer names one.
                if self.checkpoint_inputs.checkpoint.trim().is_empty() {
                    if let Some(s) = &self.started {
                        self.checkpoint_inputs.checkpoint = s.station_id.clone();
                    }
                }
            }
            if !matches!(screen, Screen::Step(_)) {
                self.inputs.forget_passwords();
            }
        }
        self.activity(&ctx);
        self.shortcuts(&ctx);
        if self.screen == Screen::Step(Step::Data) {
            self.save_draft(false);
            if self.draft_sent.as_ref() != Some(&form_draft(&self.inputs.form)) {
                // A change waiting for its turn is sent without further input.
                ctx.request_repaint_after(DRAFT_EVERY);
            }
        }

        egui::Panel::top("header").show(ui, |ui| self.header(ui));
        egui::Panel::right("devices")
            .resizable(false)
            .exact_size(280.0)
            .show(ui, |ui| self.devices(ui));
        egui::Panel::bottom("status")
            .resizable(false)
            .show(ui, |ui| self.status_bar(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| self.screen_ui(ui));
        });
        self.abort_dialog(&ctx);

        if self.busy() || self.started.is_none() && self.launch_error.is_none() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn screen_ui(&mut self, ui: &mut egui::Ui) {
        match self.screen {
            Screen::Starting => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(self.t("Đang khởi động trạm…", "Starting the station…"));
                });
            }
            Screen::StartFailed => {
                ui.heading(self.t("Trạm không khởi động được", "The station did not start"));
                if let Some(m) = &self.launch_error {
                    ui.colored_label(BAD, self.lang.msg(m));
                }
            }
            Screen::FirstRun => self.first_run(ui),
            Screen::Login => self.login(ui),
            Screen::Locked => self.locked(ui),
            Screen::Queue => self.queue(ui),
            Screen::Report => self.report(ui),
            Screen::Checkpoint => self.checkpoint(ui),
            Screen::Accounts => self.accounts(ui),
            Screen::Step(step) => self.step_screen(ui, step),
        }
    }

    fn header(&mut self, ui: &mut egui::Ui) {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let title = match &self.started {
                Some(s) => format!("idstation — {} ({})", s.station_name, s.station_id),
                None => "idstation".to_string(),
            };
            ui.label(RichText::new(title).strong().size(16.0));
            // The mode: between enrollments only.
            if matches!(
                self.screen,
                Screen::Queue | Screen::Report | Screen::Checkpoint | Screen::Accounts
            ) {
                ui.separator();
                for (mode, vi, en) in [
                    (Mode::Enrollment, "Cấp thẻ", "Enrollment"),
                    (Mode::Checkpoint, "Kiểm soát", "Checkpoint"),
                ] {
                    if ui
                        .selectable_label(self.mode == mode, self.t(vi, en))
                        .clicked()
                    {
                        self.mode = mode;
                    }
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(Login::LoggedIn { .. } | Login::Locked { .. }) =
                    self.snap.as_ref().map(|s| &s.login)
                {
                    if ui.button(self.t("Đăng xuất", "Log out")).clicked() {
                        // The next officer starts at the queue, not on the last one's
                        // report or account screens.
                        self.report_open = false;
                        self.accounts_open = false;
                        self.inputs.account_remove = None;
                        self.act(Intent::Logout);
                    }
                }
                let en = ui
                    .selectable_label(self.lang == Lang::En, "English")
                    .on_hover_text("Alt+L");
                let vi = ui
                    .selectable_label(self.lang == Lang::Vi, "Tiếng Việt")
                    .on_hover_text("Alt+L");
                if vi.clicked() {
                    self.lang = Lang::Vi;
                }
                if en.clicked() {
                    self.lang = Lang::En;
                }
                ui.separator();
                let officer = match self.snap.as_ref().map(|s| &s.login) {
                    Some(Login::LoggedIn { officer } | Login::Locked { officer }) => {
                        Some(officer.clone())
                    }
                    _ => None,
                };
                if let Some(o) = officer {
                    ui.label(RichText::new(o).strong());
                    ui.label(self.t("Cán bộ:", "Officer:"));
                }
            });
        });
        if let Screen::Step(current) = self.screen {
            ui.separator();
            self.step_bar(ui, current);
        }
        ui.add_space(4.0);
    }

    fn step_bar(&self, ui: &mut egui::Ui, current: Step) {
        let steps: Vec<Step> = Step::WORK.iter().copied().chain([Step::Done]).collect();
        let at = steps.iter().position(|s| *s == current);
        ui.horizontal_wrapped(|ui| {
            for (i, step) in steps.iter().enumerate() {
                if i > 0 {
                    ui.label(RichText::new("→").weak());
                }
                let name = self.t(step.label_vi(), step.label_en());
                let text = match at {
                    Some(a) if i < a => RichText::new(name).color(OK),
                    Some(a) if i == a => RichText::new(name)
                        .strong()
                        .underline()
                        .color(ui.visuals().strong_text_color()),
                    _ => RichText::new(name).weak(),
                };
                ui.label(text);
            }
            if current == Step::Aborted {
                ui.separator();
                ui.colored_label(
                    BAD,
                    self.t(Step::Aborted.label_vi(), Step::Aborted.label_en()),
                );
            }
        });
    }

    fn devices(&mut self, ui: &mut egui::Ui) {
        ui.add_space(6.0);
        ui.heading(self.t("Thiết bị", "Devices"));
        ui.separator();
        let devices = self
            .snap
            .as_ref()
            .map(|s| s.devices.clone())
            .unwrap_or_default();
        if devices.is_empty() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(self.t("Đang kiểm tra thiết bị…", "Checking the devices…"));
            });
        }
        let keys_problem = self.started.as_ref().and_then(|s| s.keys_problem.clone());
        for (i, d) in devices.iter().enumerate() {
            let (mark, colour) = if d.ok { ("✔", OK) } else { ("✘", BAD) };
            ui.horizontal(|ui| {
                ui.colored_label(colour, mark);
                ui.label(RichText::new(self.lang.msg(&d.name)).strong());
            });
            ui.label(
                RichText::new(self.lang.msg(&d.detail))
                    .small()
                    .color(if d.ok { ui.visuals().text_color() } else { BAD }),
            );
            // The engine lists the signing keys last; say why they are missing.
            if i + 1 == devices.len() && !d.ok {
                if let Some(m) = &keys_problem {
                    ui.label(RichText::new(self.lang.msg(m)).small().color(BAD));
                }
            }
            ui.add_space(4.0);
        }
        ui.separator();
        let refresh = ui.add_enabled(
            self.started.is_some(),
            egui::Button::new(self.t("Kiểm tra lại thiết bị", "Check devices again")),
        );
        if refresh.clicked() {
            self.send(Intent::Refresh);
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.add_space(4.0);
        let snap = self.snap.clone();
        if let Some(b) = snap.as_ref().and_then(|s| s.busy.as_ref()) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(RichText::new(self.lang.msg(&b.what)).strong());
                if let Some(p) = b.progress {
                    ui.add(
                        egui::ProgressBar::new(p)
                            .desired_width(260.0)
                            .show_percentage(),
                    );
                }
                if ui
                    .button(self.t("Dừng", "Stop"))
                    .on_hover_text(self.t("Dừng thiết bị đang làm", "Stop the device work"))
                    .clicked()
                {
                    self.send(Intent::Cancel);
                }
            });
        }
        let message = self
            .note
            .clone()
            .or_else(|| snap.as_ref().and_then(|s| s.message.clone()));
        if let Some(m) = message {
            let text = RichText::new(self.lang.msg(&m).to_string());
            if m.error {
                ui.colored_label(BAD, text.strong());
            } else {
                ui.colored_label(OK, text);
            }
        }
        if let Screen::Step(step) = self.screen {
            ui.separator();
            self.nav(ui, step);
        }
        ui.add_space(4.0);
    }

    fn nav(&mut self, ui: &mut egui::Ui, step: Step) {
        let busy = self.busy();
        let finished = matches!(step, Step::Done | Step::Aborted);
        let card_written = self
            .snap
            .as_ref()
            .and_then(|s| s.enrollment.as_ref())
            .is_some_and(|e| e.card.is_some());
        ui.horizontal(|ui| {
            let back = ui
                .add_enabled(
                    !busy && !finished && !card_written && step != Step::CheckIn,
                    egui::Button::new(self.t("← Quay lại", "← Back")),
                )
                .on_hover_text("Alt+B");
            if back.clicked() {
                self.act(Intent::Back);
            }
            let next = ui
                .add_enabled(
                    !busy && !finished,
                    egui::Button::new(self.t("Tiếp theo →", "Next →")),
                )
                .on_hover_text("Alt+N");
            if std::mem::take(&mut self.focus_next) && next.enabled() {
                next.request_focus();
            }
            if next.clicked() {
                self.next();
            }
            ui.add_space(24.0);
            if !finished {
                let abort = ui.button(self.t("Hủy hồ sơ…", "Abort…"));
                if abort.clicked() {
                    self.inputs.abort = Some(String::new());
                    self.abort_focus = true;
                }
            }
        });
    }

    fn abort_dialog(&mut self, ctx: &egui::Context) {
        if self.inputs.abort.is_none() {
            return;
        }
        let lang = self.lang;
        let focus = std::mem::take(&mut self.abort_focus);
        let mut confirm = false;
        let mut cancel = false;
        let modal = egui::Modal::new(egui::Id::unique("abort-dialog")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(lang.pick("Hủy hồ sơ", "Abort the enrollment"));
            ui.label(lang.pick(
                "Hồ sơ sẽ kết thúc và không tiếp tục được. Ghi lý do:",
                "The enrollment ends and cannot be continued. Give the reason:",
            ));
            let label = ui.label(lang.pick("Lý do hủy", "Reason"));
            let reason = self.inputs.abort.get_or_insert_with(String::new);
            let edit = ui
                .add(egui::TextEdit::multiline(reason).desired_rows(3))
                .labelled_by(label.id);
            if focus {
                edit.request_focus();
            }
            ui.horizontal(|ui| {
                let ok = ui.add_enabled(
                    !reason.trim().is_empty(),
                    egui::Button::new(lang.pick("Xác nhận hủy", "Confirm abort")),
                );
                confirm = ok.clicked();
                cancel = ui.button(lang.pick("Không hủy", "Keep it")).clicked();
            });
        });
        if confirm {
            let reason = self.inputs.abort.take().unwrap_or_default();
            self.act(Intent::Abort { reason });
        } else if cancel || modal.should_close() {
            self.inputs.abort = None;
            // Escape took the focus away (egui drops it on Escape) and Keep it was the
            // dialog's: back to the step's first field or main button.
            self.focus = Focus::Again;
        }
    }

    /// The live camera frame as a texture, replaced when the engine sends a new frame.
    pub(crate) fn preview_texture(
        &mut self,
        ctx: &egui::Context,
        p: &Preview,
    ) -> Option<egui::TextureId> {
        let (w, h) = (p.width as usize, p.height as usize);
        if w == 0 || h == 0 || p.rgb.len() != w.saturating_mul(h).saturating_mul(3) {
            return None;
        }
        match &mut self.preview {
            Some(t) if Arc::ptr_eq(&t.key, &p.rgb) => {}
            Some(t) => {
                t.handle.set(
                    egui::ColorImage::from_rgb([w, h], &p.rgb),
                    egui::TextureOptions::LINEAR,
                );
                t.key = p.rgb.clone();
            }
            None => {
                let handle = ctx.load_texture(
                    "camera-preview",
                    egui::ColorImage::from_rgb([w, h], &p.rgb),
                    egui::TextureOptions::LINEAR,
                );
                self.preview = Some(Texture {
                    key: p.rgb.clone(),
                    handle,
                });
            }
        }
        self.preview.as_ref().map(|t| t.handle.id())
    }

    /// The portrait as taken (the ICAO token JPEG), decoded once.
    pub(crate) fn portrait_texture(
        &mut self,
        ctx: &egui::Context,
        id: &str,
        jpeg: &[u8],
    ) -> Option<(egui::TextureId, egui::Vec2)> {
        self.portrait.get(ctx, "portrait-taken", id, jpeg)
    }
}

/// The form's text fields (and sex) by JSON key, as a draft.
pub(crate) fn form_draft(form: &DataForm) -> BTreeMap<String, String> {
    Field::ALL
        .into_iter()
        .map(|f| {
            let v = match f {
                Field::Sex => match form.sex {
                    Some(Sex::Male) => "male".to_string(),
                    Some(Sex::Female) => "female".to_string(),
                    None => String::new(),
                },
                _ => form.text(f).to_string(),
            };
            (f.json_key().to_string(), v)
        })
        .collect()
}

/// The form filled from a draft (unknown keys are ignored).
pub(crate) fn form_from_draft(d: &BTreeMap<String, String>) -> DataForm {
    let mut form = DataForm::default();
    for f in Field::ALL {
        let Some(v) = d.get(f.json_key()) else {
            continue;
        };
        match f {
            Field::Sex => {
                form.sex = match v.as_str() {
                    "male" => Some(Sex::Male),
                    "female" => Some(Sex::Female),
                    _ => None,
                }
            }
            _ => *form.text_mut(f) = v.clone(),
        }
    }
    form
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::JpegTexture;

    #[test]
    fn a_picture_that_does_not_decode_is_not_decoded_again_every_frame() {
        let ctx = egui::Context::default();
        let mut t = JpegTexture::default();
        for _ in 0..5 {
            assert!(t
                .get(&ctx, "t", "HN01-1", b"\xFF\xD8\xFF not a JPEG")
                .is_none());
        }
        assert_eq!(t.decodes, 1);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&image::RgbImage::from_pixel(8, 4, image::Rgb([9, 99, 199])))
            .unwrap();
        for _ in 0..5 {
            let (_, size) = t.get(&ctx, "t", "HN01-1", &jpeg).expect("decodes");
            assert_eq!(size, egui::vec2(8.0, 4.0));
        }
        assert_eq!(t.decodes, 2, "a new picture is decoded, once");
    }
}
