//! Test station and harness helpers shared by the UI tests: a station.toml in a scratch
//! folder (virtual camera frames, the CUPS PDF queue, vpcd's reader), the real engine behind
//! the app, and small steps a person would take (type into a labelled field, press a button,
//! wait until the engine shows something).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use station::{App, Lang, LaunchOptions};
use workflow::engine::Snapshot;
use workflow::{Login, Step};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn record_json() -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(repo().join("tests/data/record.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A scratch station: station.toml, the virtual camera's frames (two masked frames, then
/// compliant ones, as the portrait HIL test plays them), keys and output folders.
pub struct TestStation {
    pub dir: tempfile::TempDir,
}

pub struct StationSpec<'a> {
    pub reader: &'a str,
    pub fingers: &'a [&'a str],
    pub passphrase: Option<&'a str>,
    /// Masked frames the virtual camera plays before the compliant ones (10 a second).
    pub masked_frames: usize,
}

impl Default for StationSpec<'_> {
    fn default() -> Self {
        StationSpec {
            reader: "Virtual PCD 00 00",
            fingers: &["right-index", "left-index"],
            passphrase: None,
            masked_frames: 2,
        }
    }
}

impl TestStation {
    pub fn new(spec: &StationSpec) -> TestStation {
        let dir = tempfile::Builder::new()
            .prefix("idstation-ui-")
            .tempdir()
            .unwrap();
        let frames = dir.path().join("frames");
        std::fs::create_dir_all(&frames).unwrap();
        let testdata = repo().join("crates/portrait/testdata");
        for i in 0..2 {
            std::fs::copy(
                testdata.join("fail-lower_face-mask-blue.jpg"),
                frames.join(format!("{i:02}.jpg")),
            )
            .unwrap();
        }
        for i in 2..8 {
            std::fs::copy(
                testdata.join("clean.jpg"),
                frames.join(format!("{i:02}.jpg")),
            )
            .unwrap();
        }
        let keys = dir.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        if let Some(pass) = spec.passphrase {
            let p =
                pki::generate_test_pki("VN", "idstation UI test", time::OffsetDateTime::now_utc())
                    .unwrap();
            std::fs::write(keys.join("csca.der"), &p.csca_cert_der).unwrap();
            std::fs::write(keys.join("ds.der"), &p.ds_cert_der).unwrap();
            let enc = pki::encrypt_private_key(&p.ds_key_pkcs8, pass.as_bytes()).unwrap();
            std::fs::write(keys.join("ds-key.p8"), enc).unwrap();
        }
        let fingers = spec
            .fingers
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let toml = format!(
            r#"station_id = "UI01"
station_name = "Công an phường Hàng Bạc"
reader = "{}"
camera = "virtual:frames"
printer = "idstation-pdf"
keys = "keys"
fingers = [{fingers}]
finger_timeout_secs = 20
card_wait_secs = 20
output_dir = "out"
"#,
            spec.reader
        );
        std::fs::write(dir.path().join("station.toml"), toml).unwrap();
        TestStation { dir }
    }

    pub fn station(&self) -> PathBuf {
        self.dir.path().join("station.toml")
    }

    pub fn vault(&self) -> PathBuf {
        self.dir.path().join("station.vault")
    }
}

/// The app on the real engine, in a 1366×768 window, with the station's fonts (the harness
/// panics on any character no font can draw, so every frame checks the Vietnamese glyphs).
pub struct Station<'a> {
    pub h: Harness<'a, App>,
    pub rt: tokio::runtime::Runtime,
}

pub fn start<'a>(ts: &TestStation, passphrase: Option<&str>) -> Station<'a> {
    start_with(ts, passphrase, accounts::Policy::default())
}

/// [`start`] with these officer rules (a short idle time, say).
pub fn start_with<'a>(
    ts: &TestStation,
    passphrase: Option<&str>,
    policy: accounts::Policy,
) -> Station<'a> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut opts = LaunchOptions::new(ts.station(), ts.vault());
    opts.passphrase = passphrase.map(|p| zeroize::Zeroizing::new(p.to_string()));
    opts.policy = policy;
    let launching = station::launch(opts, rt.handle().clone(), None);
    let app = App::new(launching, Lang::Vi);
    let h = Harness::builder()
        .with_size(egui::vec2(1366.0, 768.0))
        .with_context_setup(|ctx| {
            let f = station::fonts::install(ctx);
            assert!(
                f.proportional.is_some(),
                "no Vietnamese font (fonts-dejavu-core)"
            );
        })
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    Station { h, rt }
}

impl Drop for Station<'_> {
    fn drop(&mut self) {
        self.h.state_mut().shutdown();
    }
}

impl Station<'_> {
    pub fn snap(&self) -> Snapshot {
        self.h.state().snapshot().cloned().expect("engine started")
    }

    /// Steps frames until the engine's snapshot satisfies `pred` (then one more frame so
    /// the screen shows it).
    #[track_caller]
    pub fn wait(&mut self, what: &str, secs: u64, pred: impl Fn(&Snapshot) -> bool) -> Snapshot {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.h.step();
            if let Some(s) = self.h.state().snapshot() {
                if pred(s) {
                    let s = s.clone();
                    self.h.step();
                    self.h.step();
                    return s;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {secs} s for {what}; last snapshot: login {:?}, step {:?}, busy {:?}, message {:?}, validation {:?}",
                    self.h.state().snapshot().map(|s| &s.login),
                    self.h.state().snapshot().and_then(|s| s.enrollment.as_ref().map(|e| e.step)),
                    self.h.state().snapshot().and_then(|s| s.busy.clone()),
                    self.h.state().snapshot().and_then(|s| s.message.clone()),
                    self.h.state().snapshot().map(|s| s.validation.clone()),
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether some node shows exactly `text`.
    pub fn shows(&self, text: &str) -> bool {
        self.h.query_all_by_label(text).next().is_some()
    }

    /// Whether some node's text contains `text`.
    pub fn shows_part(&self, text: &str) -> bool {
        self.h.query_all_by_label_contains(text).next().is_some()
    }

    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        assert!(self.shows(text), "{text:?} is not on the screen");
    }

    #[track_caller]
    pub fn assert_shows_part(&self, text: &str) {
        assert!(
            self.shows_part(text),
            "nothing on the screen contains {text:?}"
        );
    }

    /// Clicks the button with this label.
    #[track_caller]
    pub fn click(&mut self, label: &str) {
        // A button first (the step bar shows "Ghi thẻ" too), else a radio button or link.
        self.h
            .query_by_role_and_label(egui::accesskit::Role::Button, label)
            .or_else(|| self.h.query_by_label(label))
            .unwrap_or_else(|| panic!("no button {label:?} on the screen"))
            .click();
        self.h.step();
        self.h.step();
    }

    /// Focuses the field labelled `label`, selects what it holds and types `text` over it.
    #[track_caller]
    pub fn type_into(&mut self, label: &str, text: &str) {
        self.h
            .query_by_label(label)
            .unwrap_or_else(|| panic!("no field labelled {label:?} on the screen"))
            .focus();
        self.h.step();
        self.h
            .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        self.h.step();
        self.h.get_by_label(label).type_text(text);
        self.h.step();
        let got = self.h.get_by_label(label).value().unwrap_or_default();
        if !got.is_empty() && got.chars().all(|c| c == '•') {
            // A password field shows one dot a character.
            assert_eq!(
                got.chars().count(),
                text.chars().count(),
                "typed into {label:?}"
            );
        } else {
            assert_eq!(got, text, "typed into {label:?}");
        }
    }

    /// Types into whatever has the keyboard focus.
    pub fn type_text(&mut self, text: &str) {
        self.h.root().type_text(text);
        self.h.step();
    }

    pub fn key(&mut self, key: egui::Key) {
        self.h.key_press(key);
        self.h.step();
        self.h.step();
    }

    /// Alt+key as winit delivers it: the key event and, in the same frame, the letter as
    /// text (which must not land in a focused field).
    pub fn key_alt(&mut self, key: egui::Key) {
        let alt = egui::Modifiers::ALT;
        let press = |pressed| egui::Event::Key {
            key,
            physical_key: Some(key),
            pressed,
            repeat: false,
            modifiers: alt,
        };
        let input = self.h.input_mut();
        input.events.push(egui::Event::ModifiersChanged(alt));
        input.events.push(press(true));
        input
            .events
            .push(egui::Event::Text(key.name().to_lowercase()));
        self.h.step();
        let input = self.h.input_mut();
        input.events.push(press(false));
        input
            .events
            .push(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
        self.h.step();
        self.h.step();
    }
}

/// How a node reads in a failure message: its role and label (or value).
fn describe(n: &egui_kittest::Node<'_>) -> String {
    let a = n.accesskit_node();
    let text = a.label().or_else(|| a.value()).unwrap_or_default();
    format!("{:?} {text:?}", a.role())
}

/// Keyboard steps: what a person does with the keys alone, and where the focus is, read from
/// the AccessKit tree as a screen reader reads it (the focused node, its label).
impl Station<'_> {
    /// The label of the widget with the keyboard focus (a field's label, a button's text);
    /// `None` when nothing has it.
    pub fn focus_label(&self) -> Option<String> {
        let n = self.h.query_by(|n| n.is_focused())?;
        let a = n.accesskit_node();
        Some(a.label().or_else(|| a.value()).unwrap_or_default())
    }

    /// The focused node and its ancestors, innermost first.
    pub fn focus_path(&self) -> String {
        let Some(n) = self.h.query_by(|n| n.is_focused()) else {
            return "nothing has the focus".to_string();
        };
        let mut path = vec![describe(&n)];
        let mut at = n.parent();
        while let Some(p) = at {
            path.push(describe(&p));
            at = p.parent();
        }
        path.join(" < ")
    }

    /// The focus is on `label`, and that widget is wholly on the screen.
    #[track_caller]
    pub fn assert_focus(&self, label: &str) {
        assert_eq!(
            self.focus_label().as_deref(),
            Some(label),
            "the focus is not on {label:?}: {}",
            self.focus_path()
        );
        self.assert_focus_visible();
    }

    /// The focused widget is wholly in view: egui's interact rect is the widget's rect
    /// clipped to its panel, scroll area and the window, so a widget scrolled under the bottom
    /// bar or past the window's edge (at 1366×768) has a smaller one.
    #[track_caller]
    pub fn assert_focus_visible(&self) {
        let ctx = &self.h.ctx;
        let id = ctx
            .memory(|m| m.focused())
            .unwrap_or_else(|| panic!("nothing has the focus"));
        let r = ctx
            .read_response(id)
            .unwrap_or_else(|| panic!("the focused widget is not drawn: {}", self.focus_path()));
        assert!(
            r.interact_rect == r.rect && ctx.content_rect().contains_rect(r.rect),
            "the focused widget is not wholly in view ({:?}, shown {:?}): {}",
            r.rect,
            r.interact_rect,
            self.focus_path()
        );
    }

    /// Presses a key (down and up, a frame each), then draws what it did.
    pub fn press(&mut self, key: egui::Key) {
        self.press_with(egui::Modifiers::NONE, key);
    }

    pub fn press_with(&mut self, modifiers: egui::Modifiers, key: egui::Key) {
        self.h.key_press_modifiers(modifiers, key);
        self.h.step();
        self.h.step();
    }

    /// Presses Tab until the focus is on `label` (at most 40 times).
    #[track_caller]
    pub fn tab_to(&mut self, label: &str) {
        self.move_focus_to(egui::Modifiers::NONE, label);
    }

    /// Presses Shift+Tab until the focus is on `label` (at most 40 times).
    #[track_caller]
    pub fn shift_tab_to(&mut self, label: &str) {
        self.move_focus_to(egui::Modifiers::SHIFT, label);
    }

    #[track_caller]
    fn move_focus_to(&mut self, modifiers: egui::Modifiers, label: &str) {
        let mut seen = Vec::new();
        for _ in 0..40 {
            self.press_with(modifiers, egui::Key::Tab);
            let at = self.focus_label();
            if at.as_deref() == Some(label) {
                return;
            }
            seen.push(at.unwrap_or_else(|| "(nothing)".to_string()));
        }
        panic!(
            "{} 40 times without reaching {label:?}; the focus went through {seen:?} and is at {}",
            if modifiers.shift { "Shift+Tab" } else { "Tab" },
            self.focus_path()
        );
    }

    /// Types `text` into the focused field, which must be the one labelled `label`, and
    /// checks it holds the text afterwards.
    #[track_caller]
    pub fn type_focused(&mut self, label: &str, text: &str) {
        self.assert_focus(label);
        self.type_text(text);
        let n = self
            .h
            .query_by(|n| n.is_focused())
            .unwrap_or_else(|| panic!("typing into {label:?} lost the focus"));
        let got = n.value().unwrap_or_default();
        if !got.is_empty() && got.chars().all(|c| c == '•') {
            assert_eq!(
                got.chars().count(),
                text.chars().count(),
                "typed into {label:?}"
            );
        } else {
            assert_eq!(got, text, "typed into {label:?}");
        }
    }
}

pub const SUPERVISOR: &str = "truongca";
pub const PASSWORD: &str = "mật khẩu trạm 2026";

pub fn step(s: &Snapshot) -> Option<Step> {
    s.enrollment.as_ref().map(|e| e.step)
}

/// First run through the UI: the supervisor is created and logged in.
pub fn set_up(st: &mut Station) {
    st.wait("the first-run screen", 30, |s| s.login == Login::FirstRun);
    st.assert_shows("Thiết lập trạm lần đầu");
    st.type_into("Tên trưởng ca", SUPERVISOR);
    st.type_into("Mật khẩu", PASSWORD);
    st.type_into("Nhập lại mật khẩu", "khác hẳn");
    st.click("Tạo trạm");
    st.assert_shows("Hai mật khẩu không khớp");
    st.type_into("Nhập lại mật khẩu", PASSWORD);
    st.click("Tạo trạm");
    st.wait(
        "the supervisor logged in",
        30,
        |s| matches!(&s.login, Login::LoggedIn { officer } if officer == SUPERVISOR),
    );
}

pub fn vi_date(ymd: &str) -> String {
    let (y, rest) = ymd.split_at(4);
    let (m, d) = (&rest[1..3], &rest[4..6]);
    format!("{d}/{m}/{y}")
}

/// Presses New applicant and waits for the check-in step.
pub fn new_applicant(st: &mut Station) -> Snapshot {
    st.click("Công dân mới");
    st.wait("the check-in step", 30, |s| step(s) == Some(Step::CheckIn))
}

/// Checks the applicant in with typed QR text.
pub fn check_in_qr(st: &mut Station, code: &str) -> Snapshot {
    st.type_into("Mã QR (nhập tay hoặc máy quét cầm tay)", code);
    st.click("Ghi nhận mã QR");
    st.wait("the QR check-in", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.checkin.is_some())
    })
}

/// Types the record's 20 fields into the data form (dates as DD/MM/YYYY, sex by its radio
/// button), with `id_number` in place of the record's own.
pub fn fill_form(
    st: &mut Station,
    rec: &serde_json::Map<String, serde_json::Value>,
    id_number: &str,
) {
    for field in citizen::Field::ALL {
        let value = rec[field.json_key()].as_str().unwrap_or_default();
        let label = field.label_vi();
        match field {
            citizen::Field::Sex => st.click(if value == "male" { "Nam" } else { "Nữ" }),
            citizen::Field::IdNumber => st.type_into(label, id_number),
            citizen::Field::DateOfBirth
            | citizen::Field::DateOfIssue
            | citizen::Field::DateOfExpiry => st.type_into(label, &vi_date(value)),
            _ if value.is_empty() => {}
            _ => st.type_into(label, value),
        }
    }
}
