//! HIL: a whole enrollment through the station's UI by the keyboard alone, as issue 6 asks
//! ("usable with keyboard only, at 1366×768"): the devices of hil_enrollment.rs (the virtual
//! camera, libfprint's virtual_image sensor fed synthetic prints, cupsd with the cups-pdf
//! queue `idstation-pdf`, the vcard card behind pcscd + vpcd), and no pointer at all — only
//! key presses (Tab, Shift+Tab, Enter, Space, Escape, Alt+N, Alt+B, Alt+L) and typed text,
//! never a programmatic focus or an intent sent past the UI. Each screen is checked for what
//! it shows and for where the focus is (the focused node of the AccessKit tree, as a screen
//! reader finds it), as ui/README.md's "Keyboard" section says.
//!
//! Needs `bash hil/up`, `bash hil/cups-up` and the vcard binary (`cargo build -p vcard`).
//! libfprint reads FP_VIRTUAL_IMAGE once per process, so this is a test binary of its own
//! with one test.

mod common;

use std::time::{Duration, Instant};

use common::{record_json, start, step, vi_date, Station, StationSpec, TestStation};
use common::{PASSWORD, SUPERVISOR};
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use fingerprint::feeder::Feeder;
use fingerprint::synth::{Capture, Finger};
use idstation_tests::{Slot, Vcard};
use iso19794::FingerPosition;
use workflow::model::FingerTaken;
use workflow::{Login, Step};

const PASSPHRASE: &str = "ui-hil-keyboard-passphrase";
const NEXT: &str = "Tiếp theo →";
const QR: &str = "Mã QR (nhập tay hoặc máy quét cầm tay)";
const CAPTURE: &str = "Lấy vân tay";

/// Enter on the focused Capture button, then the finger on the virtual sensor once it is
/// open; after each attempt the focus is back on Capture (for the same finger or the next).
fn capture_finger(st: &mut Station, socket: &std::path::Path, seed: u64, pos: FingerPosition) {
    let print = Finger::new(seed, pos).capture(&Capture::attempt(1));
    for attempt in 0..3 {
        st.assert_focus(CAPTURE);
        st.press(Key::Enter);
        st.wait("the sensor to start", 10, |s| s.busy.is_some());
        // The socket appears when the engine opens the sensor.
        let mut feeder = Feeder::connect(socket, Duration::from_secs(15)).expect("feeder");
        std::thread::sleep(Duration::from_millis(300));
        feeder.image(&print).expect("feed the print");
        let s = st.wait("the capture", 40, |s| s.busy.is_none());
        if s.enrollment.as_ref().unwrap().finger(pos as u8).is_some() {
            return;
        }
        eprintln!(
            "capture attempt {attempt} of {}: {:?}",
            pos.slug(),
            s.message
        );
    }
    panic!("{} was not captured", pos.slug());
}

/// The value of the field labelled `label`.
fn value(st: &Station, label: &str) -> String {
    st.h.get_by_label(label).value().unwrap_or_default()
}

#[test]
fn a_whole_enrollment_by_keyboard_alone_on_virtual_devices() {
    let started = Instant::now();
    let scratch = tempfile::tempdir().unwrap();
    let socket = scratch.path().join("virtual-image.socket");
    // Before libfprint starts (the engine's first device check); no other thread uses the
    // environment yet.
    std::env::set_var("FP_VIRTUAL_IMAGE", &socket);
    let slot = Slot::take();
    let ts = TestStation::new(&StationSpec {
        reader: slot.reader,
        fingers: &["right-index", "left-index", "right-little"],
        passphrase: Some(PASSPHRASE),
        ..StationSpec::default()
    });
    let mut st = start(&ts, Some(PASSPHRASE));

    // First run: the name field has the focus, Tab goes from field to field, Enter in the
    // last one submits; passwords that differ empty the repeat field and focus it again.
    st.wait("the first-run screen", 30, |s| s.login == Login::FirstRun);
    st.h.step();
    st.assert_shows("Thiết lập trạm lần đầu");
    st.type_focused("Tên trưởng ca", SUPERVISOR);
    st.press(Key::Tab);
    st.type_focused("Mật khẩu", PASSWORD);
    st.press(Key::Tab);
    st.type_focused("Nhập lại mật khẩu", "khác hẳn");
    st.press(Key::Enter);
    st.assert_shows("Hai mật khẩu không khớp");
    assert_eq!(st.snap().login, Login::FirstRun);
    st.type_focused("Nhập lại mật khẩu", PASSWORD);
    st.press(Key::Enter);
    st.wait(
        "the supervisor logged in",
        30,
        |s| matches!(&s.login, Login::LoggedIn { officer } if officer == SUPERVISOR),
    );

    // Every device is there and says so.
    let s = st.wait("the device states", 30, |s| !s.devices.is_empty());
    let bad: Vec<_> = s.devices.iter().filter(|d| !d.ok).collect();
    assert!(
        bad.iter().all(|d| d.name.en == "Card reader"),
        "devices not ready: {bad:?} (bash hil/up, bash hil/cups-up)"
    );
    assert!(s.devices[0].ok, "card reader: {:?}", s.devices[0].detail);

    // The queue: New applicant has the focus. Alt+L switches the language and back, the
    // focus stays where it was.
    st.assert_shows("Hàng chờ");
    st.assert_focus("Công dân mới");
    st.key_alt(Key::L);
    st.assert_shows("Queue");
    st.assert_focus("New applicant");
    st.key_alt(Key::L);
    st.assert_shows("Hàng chờ");
    st.assert_focus("Công dân mới");
    st.press(Key::Enter);
    st.wait("the check-in step", 30, |s| step(s) == Some(Step::CheckIn));

    // Check-in: the QR field has the focus; Enter records the code, then Next has it.
    st.assert_shows("Bước 1/7: Tiếp nhận");
    st.type_focused(QR, "KBYT-2026-11-23-000888");
    st.press(Key::Enter);
    st.wait("the QR check-in", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.checkin.is_some())
    });
    st.h.step();
    st.assert_shows("✔ Đã ghi nhận mã QR: KBYT-2026-11-23-000888");
    st.assert_focus(NEXT);
    st.press(Key::Enter);
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));

    // The data: the 20 fields typed with Tab between them (sex by Space on its radio
    // button), the ID number first one digit short; Shift+Tab goes back a field. Enter in
    // the last field checks the record: the ID number is refused under its field and has
    // the focus.
    st.h.step();
    st.assert_shows("Bước 2/7: Thông tin");
    let rec = record_json();
    for (i, field) in citizen::Field::ALL.into_iter().enumerate() {
        let text = rec[field.json_key()].as_str().unwrap_or_default();
        let label = field.label_vi();
        match field {
            citizen::Field::Sex => {
                let sex = if text == "male" { "Nam" } else { "Nữ" };
                st.assert_focus("Nam");
                if sex == "Nữ" {
                    st.press(Key::Tab);
                }
                st.press(Key::Space);
                assert_eq!(
                    st.h.get_by_label(sex).accesskit_node().toggled(),
                    Some(egui::accesskit::Toggled::True),
                    "Space did not choose {sex}"
                );
                if sex == "Nam" {
                    st.press(Key::Tab);
                }
            }
            citizen::Field::IdNumber => st.type_focused(label, &text[..11]),
            citizen::Field::DateOfBirth
            | citizen::Field::DateOfIssue
            | citizen::Field::DateOfExpiry => st.type_focused(label, &vi_date(text)),
            _ if text.is_empty() => st.assert_focus(label),
            _ => st.type_focused(label, text),
        }
        if field == citizen::Field::FullName {
            st.press_with(Modifiers::SHIFT, Key::Tab);
            st.assert_focus("Số định danh cá nhân");
            assert_eq!(
                value(&st, "Số định danh cá nhân"),
                &rec["id_number"].as_str().unwrap()[..11]
            );
            st.press(Key::Tab);
            st.assert_focus(label);
        }
        if i + 1 < citizen::Field::ALL.len() {
            st.press(Key::Tab);
        }
    }
    st.assert_focus("Nơi cấp");
    st.press(Key::Enter);
    let s = st.wait("the engine's validation", 10, |s| !s.validation.is_empty());
    let keys: Vec<&str> = s.validation.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(keys, ["id_number"], "{:?}", s.validation);
    st.h.step();
    st.assert_shows("phải có đúng 12 chữ số (đang có 11)");
    // The cursor is at the end of the field: the missing digit goes there; Tab on to the
    // last field and Enter checks again, then Next has the focus.
    st.assert_focus("Số định danh cá nhân");
    st.type_text(&rec["id_number"].as_str().unwrap()[11..]);
    assert_eq!(
        value(&st, "Số định danh cá nhân"),
        rec["id_number"].as_str().unwrap()
    );
    st.tab_to("Nơi cấp");
    st.press(Key::Enter);
    let s = st.wait("the record checked", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.record.is_some())
    });
    assert!(s.validation.is_empty(), "{:?}", s.validation);
    st.h.step();
    st.assert_shows("Thông tin hợp lệ");
    st.assert_focus(NEXT);
    // Space presses the focused button as Enter does.
    st.press(Key::Space);
    st.wait("the portrait step", 20, |s| step(s) == Some(Step::Portrait));

    // The portrait: Capture has the focus; Enter starts the automatic capture, and once
    // the portrait is taken Next has the focus. Alt+N goes on.
    st.h.step();
    st.assert_shows("Bước 3/7: Ảnh chân dung");
    st.assert_focus("Chụp (tự động khi đạt)");
    st.press(Key::Enter);
    let s = st.wait("the portrait", 60, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.portrait.is_some())
    });
    let e = s.enrollment.as_ref().unwrap();
    assert!(e.portrait.as_ref().unwrap().manual_reason.is_none());
    st.assert_shows("Tự động, đạt mọi tiêu chí");
    st.assert_focus(NEXT);
    st.key_alt(Key::N);
    st.wait("the fingerprint step", 10, |s| {
        step(s) == Some(Step::Fingerprints)
    });

    // The fingers: Capture has the focus for each finger in turn.
    st.h.step();
    st.assert_shows("Bước 4/7: Vân tay");
    st.assert_shows("Ngón hiện tại: Ngón trỏ phải");
    capture_finger(&mut st, &socket, 31, FingerPosition::RightIndex);
    st.assert_shows_part("✔ chất lượng");
    st.assert_shows(&format!(
        "Ngón hiện tại: {}",
        FingerPosition::LeftIndex.name_vi()
    ));
    capture_finger(&mut st, &socket, 32, FingerPosition::LeftIndex);
    // The little finger is bandaged: Tab to the kind, Space chooses it, Tab to the reason,
    // Enter in the reason records the exception; then Next has the focus.
    st.assert_shows("Ngón hiện tại: Ngón út phải");
    st.assert_focus(CAPTURE);
    st.tab_to("Băng bó, bị thương");
    st.press(Key::Space);
    assert_eq!(
        st.h.get_by_label("Băng bó, bị thương")
            .accesskit_node()
            .toggled(),
        Some(egui::accesskit::Toggled::True)
    );
    st.tab_to("Lý do ngoại lệ");
    st.type_focused("Lý do ngoại lệ", "Ngón út phải đang bó bột");
    st.press(Key::Enter);
    let s = st.wait("the exception", 10, |s| s.finger.is_none());
    assert!(matches!(
        s.enrollment.as_ref().unwrap().finger(FingerPosition::RightLittle as u8),
        Some(FingerTaken::Exception { kind, reason })
            if kind == "bandaged" && reason == "Ngón út phải đang bó bột"
    ));
    st.assert_shows("✔ Đã lấy đủ vân tay; bấm Tiếp theo");
    st.assert_shows("✘ Băng bó, bị thương: Ngón út phải đang bó bột");
    st.assert_focus(NEXT);
    st.press(Key::Enter);
    st.wait("the review", 10, |s| step(s) == Some(Step::Review));

    // The review: nothing to type, Next has the focus.
    st.h.step();
    st.assert_shows("Bước 5/7: Kiểm tra lại");
    st.assert_shows("Nguyễn Văn An");
    st.assert_shows("Vân tay: 2 ngón đã lấy, 1 ngoại lệ");
    st.assert_focus(NEXT);
    // The abort dialog by Tab and Enter: its reason field has the focus, Alt+N neither goes
    // on nor types, Escape closes it with nothing aborted and the focus back on Next.
    st.tab_to("Hủy hồ sơ…");
    st.press(Key::Enter);
    st.assert_shows("Hủy hồ sơ");
    st.assert_shows("Xác nhận hủy");
    st.type_focused("Lý do hủy", "thử");
    st.key_alt(Key::N);
    assert_eq!(
        value(&st, "Lý do hủy"),
        "thử",
        "Alt+N typed into the reason"
    );
    st.press(Key::Escape);
    assert!(!st.shows("Xác nhận hủy"), "Escape did not close the dialog");
    let s = st.snap();
    assert_eq!(step(&s), Some(Step::Review));
    assert!(s.enrollment.as_ref().unwrap().abort_reason.is_none());
    st.assert_focus(NEXT);
    // Alt+B back to the fingers (all taken: Next has the focus), Alt+N to the review again.
    st.key_alt(Key::B);
    st.wait("back to the fingers", 10, |s| {
        step(s) == Some(Step::Fingerprints)
    });
    st.h.step();
    st.assert_shows("✔ Đã lấy đủ vân tay; bấm Tiếp theo");
    st.assert_focus(NEXT);
    st.key_alt(Key::N);
    st.wait("the review again", 10, |s| step(s) == Some(Step::Review));
    st.h.step();
    st.assert_focus(NEXT);
    st.press(Key::Enter);
    st.wait("print and sign", 10, |s| step(s) == Some(Step::PrintSign));

    // Print and sign: Print has the focus; once printed, Applicant has signed; once signed,
    // Next.
    st.h.step();
    st.assert_shows("Bước 6/7: In và ký");
    st.assert_focus("In phiếu");
    st.press(Key::Enter);
    let s = st.wait("the sheet printed", 120, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.printed.is_some())
            || s.message.as_ref().is_some_and(|m| m.error)
    });
    assert!(
        s.enrollment.as_ref().unwrap().printed.is_some(),
        "not printed: {:?}",
        s.message
    );
    st.assert_shows_part("Đã in trên idstation-pdf");
    st.assert_focus("Công dân đã ký");
    st.press(Key::Enter);
    st.wait("signed", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.signed)
    });
    st.assert_shows("✔ Công dân đã ký phiếu");
    st.assert_focus(NEXT);
    st.press(Key::Enter);
    st.wait("the write-card step", 10, |s| {
        step(s) == Some(Step::WriteCard)
    });

    // The card: Write card has the focus; the blank card goes into the reader, Enter.
    st.h.step();
    st.assert_shows("Bước 7/7: Ghi thẻ");
    st.assert_shows("Đặt thẻ trắng vào đầu đọc, rồi bấm Ghi thẻ.");
    st.assert_focus("Ghi thẻ");
    let _card = Vcard::start(&slot, "vn-citizen-card", None, &[]);
    st.press(Key::Enter);
    let s = st.wait("the card", 120, |s| {
        s.busy.is_none()
            && (step(s) == Some(Step::Done) || s.message.as_ref().is_some_and(|m| m.error))
    });
    assert_eq!(
        step(&s),
        Some(Step::Done),
        "card not issued: {:?}",
        s.message
    );
    assert!(s.enrollment.as_ref().unwrap().card.is_some());

    // Done: Print the receipt has the focus, then Close; Enter on each.
    st.h.step();
    st.assert_shows("Thẻ đã cấp và kiểm tra hợp lệ");
    st.assert_focus("In giấy hẹn");
    st.press(Key::Enter);
    st.wait("the receipt", 120, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.receipt.is_some())
    });
    st.assert_shows_part("Đã in giấy hẹn, lệnh số");
    st.assert_focus("Đóng hồ sơ");
    st.press(Key::Enter);
    st.wait("the queue", 10, |s| s.enrollment.is_none());

    // Back at the queue, New applicant has the focus; Shift+Tab reaches Log out in the
    // header.
    st.h.step();
    st.assert_shows("Hàng chờ");
    st.assert_shows("Không có hồ sơ đang dở");
    st.assert_focus("Công dân mới");
    st.shift_tab_to("Đăng xuất");
    st.press(Key::Enter);
    st.wait("logged out", 10, |s| s.login == Login::LoggedOut);

    // Log-in: the name has the focus, Alt+N types nothing into it; a wrong password is
    // refused and the password field has the focus again.
    st.h.step();
    st.assert_shows("Đăng nhập");
    st.assert_focus("Tên cán bộ");
    st.key_alt(Key::N);
    assert_eq!(value(&st, "Tên cán bộ"), "", "Alt+N typed into the name");
    st.type_focused("Tên cán bộ", SUPERVISOR);
    st.press(Key::Tab);
    st.type_focused("Mật khẩu", "sai mật khẩu");
    st.press(Key::Enter);
    st.wait("the refusal", 30, |s| {
        s.message.as_ref().is_some_and(|m| m.error)
    });
    st.h.step();
    assert_eq!(st.snap().login, Login::LoggedOut);
    st.type_focused("Mật khẩu", PASSWORD);
    st.press(Key::Enter);
    st.wait("logged in again", 30, |s| {
        matches!(s.login, Login::LoggedIn { .. })
    });
    // Tab forward wraps from the queue's last button round to the header's Log out.
    st.h.step();
    st.assert_focus("Công dân mới");
    st.tab_to("Đăng xuất");
    st.press(Key::Enter);
    st.wait("logged out again", 10, |s| s.login == Login::LoggedOut);
    st.h.step();
    st.assert_focus("Tên cán bộ");
    eprintln!(
        "keyboard-only enrollment: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
