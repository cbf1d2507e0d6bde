//! The station's screens driven through the UI on the real engine: first-run set-up, log-in,
//! a new applicant checked in by typed QR text, the 20 fields typed in (a bad ID number is
//! refused under its field), Next to the portrait step, the portrait taken from the virtual
//! camera, English labels after the language switch, and keyboard-only use.
//!
//! No daemon is needed: the devices the steps up to the portrait use are the virtual camera
//! (files) and the vault. The device panel shows whatever the card reader, sensor and
//! printer answer on this machine.

mod common;

use std::time::Duration;

use common::{
    check_in_qr, fill_form, new_applicant, record_json, set_up, start, start_with, step,
    StationSpec, TestStation, PASSWORD, SUPERVISOR,
};
use egui::Key;
use egui_kittest::kittest::{NodeT, Queryable};
use workflow::{Login, Step};

#[test]
fn an_enrollment_walks_from_first_run_to_the_portrait_in_vietnamese_and_english() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);

    // The queue, with the officer's name and the device panel in the frame.
    st.assert_shows("Hàng chờ");
    st.assert_shows(SUPERVISOR);
    st.assert_shows("Thiết bị");
    st.assert_shows("Không có hồ sơ đang dở");
    let s = new_applicant(&mut st);
    let id = s.enrollment.as_ref().unwrap().id.clone();
    assert!(id.starts_with("UI01-"), "{id}");

    // The step bar in Vietnamese, and the check-in screen.
    for name in [
        "Tiếp nhận",
        "Thông tin",
        "Ảnh chân dung",
        "Vân tay",
        "Kiểm tra lại",
        "In và ký",
        "Ghi thẻ",
        "Hoàn tất",
    ] {
        st.assert_shows(name);
    }
    st.assert_shows("Bước 1/7: Tiếp nhận");
    st.assert_shows("Quét mã QR bằng camera");
    // Next before check-in: the engine says what is missing.
    st.click("Tiếp theo →");
    st.wait("the engine's refusal", 10, |s| {
        s.message.as_ref().is_some_and(|m| m.error)
    });
    st.assert_shows_part("Chưa quét mã QR");

    check_in_qr(&mut st, "KBYT-2026-11-23-000123");
    st.assert_shows_part("Đã ghi nhận mã QR: KBYT-2026-11-23-000123");
    st.click("Tiếp theo →");
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    st.assert_shows("Bước 2/7: Thông tin");

    // The 20 fields, typed; the ID number first wrong (11 digits).
    let rec = record_json();
    fill_form(&mut st, &rec, "00109501234");
    st.click("Kiểm tra thông tin");
    let s = st.wait("the engine's validation", 10, |s| !s.validation.is_empty());
    assert_eq!(
        s.validation
            .iter()
            .map(|v| v.0.as_str())
            .collect::<Vec<_>>(),
        vec!["id_number"],
        "{:?}",
        s.validation
    );
    // Under the field, without the label repeated.
    st.assert_shows("phải có đúng 12 chữ số (đang có 11)");
    st.assert_shows("1 mục cần sửa");
    // Next does not go on with a wrong record.
    st.click("Tiếp theo →");
    for _ in 0..20 {
        st.h.step();
    }
    assert_eq!(step(&st.snap()), Some(Step::Data));

    // A date the form cannot read is said under its field, before the engine sees it.
    st.type_into("Ngày cấp", "2026-11-20");
    st.click("Kiểm tra thông tin");
    st.assert_shows("2026-11-20 không phải ngày dạng DD/MM/YYYY");
    st.type_into("Ngày cấp", "20/11/2026");

    st.type_into("Số định danh cá nhân", rec["id_number"].as_str().unwrap());
    st.click("Tiếp theo →");
    let s = st.wait("the portrait step", 20, |s| step(s) == Some(Step::Portrait));
    let saved = s.enrollment.as_ref().unwrap().record.clone().unwrap();
    assert_eq!(saved.full_name, "Nguyễn Văn An");
    assert_eq!(saved.place_of_origin, "Xã Đông Hội, huyện Đông Anh, Hà Nội");

    // The portrait from the virtual camera: masked frames refused, then auto-capture.
    st.assert_shows("Bước 3/7: Ảnh chân dung");
    st.assert_shows("Chưa có hình từ camera");
    st.click("Chụp (tự động khi đạt)");
    let s = st.wait("the portrait", 60, |s| {
        s.busy.is_none()
            && (s.enrollment.as_ref().is_some_and(|e| e.portrait.is_some())
                || s.message.as_ref().is_some_and(|m| m.error))
    });
    let e = s.enrollment.as_ref().unwrap();
    assert!(e.portrait.is_some(), "no portrait: {:?}", s.message);
    assert!(s.preview.is_some());
    st.assert_shows("Đã chụp ảnh chân dung");
    st.assert_shows("Ảnh đã chụp");
    st.assert_shows("Tự động, đạt mọi tiêu chí");
    assert!(
        st.h.query_all_by_label_contains("✔ ").count() >= 10,
        "the checks are listed with ticks"
    );

    // English: header, step bar, screen, buttons.
    st.click("English");
    for name in [
        "Check-in",
        "Data",
        "Portrait",
        "Fingerprints",
        "Review",
        "Print and sign",
        "Write card",
        "Done",
    ] {
        st.assert_shows(name);
    }
    st.assert_shows("Step 3/7: Portrait");
    st.assert_shows("Devices");
    st.assert_shows("Portrait taken");
    st.assert_shows("Next →");
    assert!(!st.shows("Tiếp theo →"));

    // Back to the data, in English, with what was saved in the form.
    st.click("← Back");
    st.wait("back on the data step", 10, |s| step(s) == Some(Step::Data));
    st.assert_shows("Step 2/7: Data");
    st.assert_shows("Personal ID number");
    st.assert_shows("Date of birth");
    st.assert_shows("Place of permanent residence");
    assert_eq!(
        st.h.get_by_label("Full name").value().as_deref(),
        Some("Nguyễn Văn An")
    );
    assert_eq!(
        st.h.get_by_label("Date of birth").value().as_deref(),
        Some("12/05/1995")
    );

    // And Tiếng Việt again.
    st.click("Tiếng Việt");
    st.assert_shows("Số định danh cá nhân");
}

#[test]
fn abort_needs_a_reason_and_the_enrollment_can_be_closed() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    st.click("Hủy hồ sơ…");
    st.assert_shows("Lý do hủy");
    // Empty reason: the confirm button is disabled; Escape closes the dialog.
    st.key(Key::Escape);
    assert!(!st.shows("Lý do hủy"));
    st.click("Hủy hồ sơ…");
    st.type_into("Lý do hủy", "Công dân bỏ về");
    st.click("Xác nhận hủy");
    let s = st.wait("the abort", 10, |s| step(s) == Some(Step::Aborted));
    assert_eq!(
        s.enrollment.as_ref().unwrap().abort_reason.as_deref(),
        Some("Công dân bỏ về")
    );
    st.assert_shows("Hồ sơ đã hủy");
    st.assert_shows("Lý do: Công dân bỏ về");
    st.click("Đóng hồ sơ");
    st.wait("the queue", 10, |s| s.enrollment.is_none());
    st.assert_shows("Hàng chờ");
}

#[test]
fn device_work_shows_its_prompt_and_stops_on_stop() {
    // Thirty seconds of frames without a QR code: the scan runs until Stop.
    let ts = TestStation::new(&StationSpec {
        masked_frames: 300,
        ..StationSpec::default()
    });
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    st.click("Quét mã QR bằng camera");
    st.wait("the scan", 10, |s| s.busy.is_some());
    st.assert_shows("Đưa mã QR trước camera");
    // While a device works, the step's buttons wait.
    assert!(st
        .h
        .get_by_label("Tiếp theo →")
        .accesskit_node()
        .is_disabled());
    st.click("Dừng");
    let s = st.wait("the stop", 10, |s| s.busy.is_none());
    assert_eq!(s.message.as_ref().map(|m| m.vi.as_str()), Some("Đã dừng"));
    st.assert_shows("Đã dừng");
    assert!(s.enrollment.as_ref().unwrap().checkin.is_none());
}

#[test]
fn the_station_is_usable_with_the_keyboard_alone() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    st.wait("the first-run screen", 30, |s| s.login == Login::FirstRun);
    st.h.step();
    // The first field has the focus; Tab goes on, Enter in the last field submits.
    st.type_text(SUPERVISOR);
    st.key(Key::Tab);
    st.type_text(PASSWORD);
    st.key(Key::Tab);
    st.type_text(PASSWORD);
    st.key(Key::Enter);
    st.wait("the supervisor logged in", 30, |s| {
        matches!(s.login, Login::LoggedIn { .. })
    });
    // Log out: Shift+Tab from the queue's focused button to the header's Log out, Enter.
    st.h.step();
    st.shift_tab_to("Đăng xuất");
    st.press(Key::Enter);
    st.wait("logged out", 10, |s| s.login == Login::LoggedOut);
    st.h.step();
    st.assert_shows("Đăng nhập");
    st.type_text(SUPERVISOR);
    st.key(Key::Tab);
    st.type_text("sai mật khẩu");
    st.key(Key::Enter);
    st.wait("the refusal", 30, |s| {
        s.message.as_ref().is_some_and(|m| m.error)
    });
    // The password field was emptied and has the focus again; the name is kept.
    st.h.step();
    st.type_focused("Mật khẩu", PASSWORD);
    st.key(Key::Enter);
    st.wait("logged in again", 30, |s| {
        matches!(s.login, Login::LoggedIn { .. })
    });
    // The queue's New applicant button has the focus: Enter presses it.
    st.h.step();
    st.key(Key::Enter);
    st.wait("the check-in step", 10, |s| step(s) == Some(Step::CheckIn));
    // The QR field has the focus: type, Enter records it, Alt+N goes on, Alt+B comes back.
    st.h.step();
    st.type_text("KBYT-123");
    st.key(Key::Enter);
    st.wait("the QR check-in", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.checkin.is_some())
    });
    st.key_alt(Key::N);
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    // The ID number field has the focus; the shortcut's letter does not land in it.
    st.h.step();
    assert!(st.h.get_by_label("Số định danh cá nhân").is_focused());
    st.key_alt(Key::B);
    st.wait("back to check-in", 10, |s| step(s) == Some(Step::CheckIn));
    st.key_alt(Key::N);
    st.wait("the data step again", 10, |s| step(s) == Some(Step::Data));
    st.h.step();
    st.key_alt(Key::N);
    assert_eq!(
        st.h.get_by_label("Số định danh cá nhân").value().as_deref(),
        Some(""),
        "Alt+N typed into the focused field"
    );
    st.assert_shows("Chưa nhập ngày (DD/MM/YYYY)");
    st.key_alt(Key::B);
    st.wait("back to check-in", 10, |s| step(s) == Some(Step::CheckIn));
    // Alt+L switches the language.
    st.key_alt(Key::L);
    st.assert_shows("Step 1/7: Check-in");
}

#[test]
fn every_vietnamese_letter_has_a_glyph_in_the_station_font() {
    // The harness panics on a character no font can draw.
    let mut h = egui_kittest::Harness::builder()
        .with_context_setup(|ctx| {
            station::fonts::install(ctx);
        })
        .build_ui(|ui| {
            ui.label(station::fonts::VIETNAMESE_SAMPLE);
            ui.monospace(station::fonts::VIETNAMESE_SAMPLE);
            ui.label("✔ ✘ ⚠ ▶ → ← —");
        });
    h.run();
}

#[test]
fn a_station_that_cannot_start_or_sign_says_why() {
    // No station.toml: the window still comes up and says what is wrong.
    let ts = TestStation::new(&StationSpec::default());
    std::fs::remove_file(ts.station()).unwrap();
    let mut st = start(&ts, None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !st.shows("Trạm không khởi động được") {
        assert!(
            std::time::Instant::now() < deadline,
            "no start-up error shown"
        );
        st.h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    st.assert_shows_part("station.toml");
    drop(st);

    // Keys made under another passphrase: the station runs, the device panel says why it
    // cannot write cards.
    let ts = TestStation::new(&StationSpec {
        passphrase: Some("the right one"),
        ..StationSpec::default()
    });
    let mut st = start(&ts, Some("a wrong one"));
    let s = st.wait("the device states", 30, |s| !s.devices.is_empty());
    let keys = s.devices.last().unwrap();
    assert!(!keys.ok);
    st.assert_shows("Khóa ký của trạm");
    st.assert_shows("Chưa nạp khóa ký; không ghi được thẻ");
    st.assert_shows_part("Khóa của trạm không dùng được");
}

#[test]
fn an_interrupted_enrollment_resumes_after_a_restart_with_what_was_typed() {
    let ts = TestStation::new(&StationSpec::default());
    let id = {
        let mut st = start(&ts, None);
        set_up(&mut st);
        new_applicant(&mut st);
        let s = check_in_qr(&mut st, "KBYT-RESUME");
        st.click("Tiếp theo →");
        st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
        st.type_into("Họ, chữ đệm và tên khai sinh", "Lê Thị Hồng");
        st.type_into("Quê quán", "Xã Tân Phong, huyện Tiền Hải, tỉnh Thái Bình");
        st.click("Nữ");
        let id = s.enrollment.as_ref().unwrap().id.clone();
        // The app goes away here (its engine stops) with the enrollment open; the form's
        // draft is sent before the engine stops.
        st.h.state_mut().shutdown();
        st.wait("the engine stopped", 10, |s| s.stopped);
        id
    };
    let mut st = start(&ts, None);
    st.wait("the log-in screen", 30, |s| s.login == Login::LoggedOut);
    st.h.step();
    st.type_into("Tên cán bộ", SUPERVISOR);
    st.type_into("Mật khẩu", PASSWORD);
    st.click("Đăng nhập");
    st.wait("the queue with the unfinished enrollment", 30, |s| {
        s.resumable.iter().any(|r| r.id == id)
    });
    st.assert_shows(&id);
    st.assert_shows("Hồ sơ đang dở");
    st.click("Tiếp tục");
    let s = st.wait("the resumed enrollment", 10, |s| {
        step(s) == Some(Step::Data)
    });
    let e = s.enrollment.as_ref().unwrap();
    assert!(e.checkin.is_some());
    assert!(e.record.is_none());
    st.assert_shows("Bước 2/7: Thông tin");
    // Typed but never validated: the draft brings it back.
    assert_eq!(
        st.h.get_by_label("Họ, chữ đệm và tên khai sinh")
            .value()
            .as_deref(),
        Some("Lê Thị Hồng")
    );
    assert_eq!(
        st.h.get_by_label("Quê quán").value().as_deref(),
        Some("Xã Tân Phong, huyện Tiền Hải, tỉnh Thái Bình")
    );
    assert_eq!(
        e.draft
            .as_ref()
            .and_then(|d| d.get("sex"))
            .map(String::as_str),
        Some("female")
    );
}

#[test]
fn the_draft_is_sent_while_typing_without_leaving_the_step() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    check_in_qr(&mut st, "KBYT-DRAFT");
    st.click("Tiếp theo →");
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    st.type_into("Họ, chữ đệm và tên khai sinh", "Trần Văn Bình");
    st.wait("the first draft", 10, |s| {
        s.enrollment
            .as_ref()
            .and_then(|e| e.draft.as_ref())
            .is_some_and(|d| d.get("full_name").map(String::as_str) == Some("Trần Văn Bình"))
    });
    // A later change waits its turn (at most one draft every 3 s), then goes without
    // further input.
    st.type_into("Quê quán", "Hà Nội");
    st.wait("the second draft", 10, |s| {
        s.enrollment
            .as_ref()
            .and_then(|e| e.draft.as_ref())
            .is_some_and(|d| d.get("place_of_origin").map(String::as_str) == Some("Hà Nội"))
    });
}

#[test]
fn an_idle_station_locks_and_unlocking_brings_the_enrollment_back() {
    let ts = TestStation::new(&StationSpec::default());
    let policy = accounts::Policy {
        idle_secs: 2,
        ..accounts::Policy::default()
    };
    let mut st = start_with(&ts, None, policy);
    st.h.state_mut()
        .set_activity_every(Duration::from_millis(300));
    set_up(&mut st);
    new_applicant(&mut st);
    let s = check_in_qr(&mut st, "KBYT-IDLE");
    let id = s.enrollment.as_ref().unwrap().id.clone();
    st.click("Tiếp theo →");
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    // Typing counts as activity: four seconds of typing, two past the idle time.
    let field = "Họ, chữ đệm và tên khai sinh";
    st.h.get_by_label(field).focus();
    st.h.step();
    for c in ["N", "g", "u", "y", "ễ", "n", " ", "A"] {
        st.type_text(c);
        std::thread::sleep(Duration::from_millis(500));
        st.h.step();
        assert!(
            matches!(st.snap().login, Login::LoggedIn { .. }),
            "locked while typing"
        );
    }
    // Three seconds without input: the unlock screen, and nothing of the applicant.
    let locked = st.wait("the idle lock", 10, |s| {
        matches!(s.login, Login::Locked { .. })
    });
    assert!(locked.enrollment.is_none());
    st.assert_shows("Phiên làm việc đã khóa");
    assert!(!st.shows(&id));
    assert!(st.h.query_by_label(field).is_none());
    st.type_into("Mật khẩu", PASSWORD);
    st.click("Mở khóa");
    let s = st.wait("the unlocked enrollment", 10, |s| {
        matches!(s.login, Login::LoggedIn { .. }) && step(s) == Some(Step::Data)
    });
    assert_eq!(s.enrollment.as_ref().unwrap().id, id);
    st.assert_shows("Bước 2/7: Thông tin");
    assert_eq!(
        st.h.get_by_label(field).value().as_deref(),
        Some("Nguyễn A")
    );
}

#[test]
fn the_daily_report_shows_an_aborted_enrollment_with_its_reason() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    st.click("Hủy hồ sơ…");
    st.type_into("Lý do hủy", "Công dân bỏ về");
    st.click("Xác nhận hủy");
    st.wait("the abort", 10, |s| step(s) == Some(Step::Aborted));
    st.click("Đóng hồ sơ");
    st.wait("the queue", 10, |s| s.enrollment.is_none());
    st.click("Báo cáo ngày");
    let s = st.wait("the day's figures", 10, |s| s.daily.is_some());
    let d = s.daily.as_ref().unwrap();
    assert_eq!(d.rows.len(), 1);
    assert_eq!((d.rows[0].received, d.rows[0].aborted), (1, 1));
    st.assert_shows_part("Báo cáo ngày ");
    st.assert_shows("Tiếp nhận");
    st.assert_shows("1 tiếp nhận");
    st.assert_shows("1 đã hủy");
    st.assert_shows("0 thẻ đã cấp");
    st.assert_shows_part("lý do: Công dân bỏ về");
    st.assert_shows("Tiến độ chiến dịch");
    st.key_alt(Key::L);
    st.assert_shows("1 received");
    st.assert_shows("1 aborted");
    st.assert_shows_part("reason: Công dân bỏ về");
    st.key_alt(Key::L);
    st.click("← Hàng chờ");
    st.assert_shows("Hàng chờ");
}

#[test]
fn the_checkpoint_screen_says_why_a_bad_qr_code_cannot_be_verified() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    st.click("Kiểm soát");
    st.assert_shows("Kiểm soát ra vào");
    st.assert_shows("Chưa có lượt nào");
    // The station's id stands for the checkpoint until one is typed.
    assert_eq!(
        st.h.get_by_label("Mã chốt").value().as_deref(),
        Some("UI01")
    );
    // Nothing given: the engine asks for one way.
    st.type_into("Mã chốt", "CHOT-01");
    st.click("Kiểm tra thẻ");
    st.wait("the engine's answer", 10, |s| {
        s.message.as_ref().is_some_and(|m| m.error)
    });
    st.assert_shows_part("Chọn một cách");
    // A partial code: said in both languages, nothing logged.
    st.type_into(
        "Mã QR trên thẻ (máy quét cầm tay)",
        "001234567890|Nguyễn Văn A",
    );
    st.click("Kiểm tra thẻ");
    let s = st.wait("the QR error", 10, |s| {
        s.message
            .as_ref()
            .is_some_and(|m| m.error && m.vi.contains("cần ít nhất 7"))
    });
    assert!(s.checkpoint.is_none());
    assert!(s.crossings.is_empty());
    st.assert_shows_part("cần ít nhất 7");
    st.key_alt(Key::L);
    st.assert_shows("Checkpoint");
    st.assert_shows_part("at least 7 are needed");
    st.key_alt(Key::L);
    // Back to enrollments.
    st.click("Cấp thẻ");
    st.assert_shows("Hàng chờ");
}

#[test]
fn the_former_cards_qr_code_prefills_the_form_and_keeps_what_was_typed() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    check_in_qr(&mut st, "KBYT-PREFILL");
    st.click("Tiếp theo →");
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    st.type_into("Tôn giáo", "Phật giáo");
    st.type_into("Mã QR thẻ cũ", "001095012345|Nguyễn Văn An");
    st.click("Điền từ thẻ cũ");
    st.wait("the engine's answer", 10, |s| {
        s.message.as_ref().is_some_and(|m| m.error)
    });
    st.assert_shows_part("cần ít nhất 7");
    st.type_into(
        "Mã QR thẻ cũ",
        "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội|20112026",
    );
    st.click("Điền từ thẻ cũ");
    st.wait("the prefilled draft", 10, |s| {
        s.enrollment
            .as_ref()
            .and_then(|e| e.draft.as_ref())
            .is_some_and(|d| d.get("full_name").map(String::as_str) == Some("Nguyễn Văn An"))
    });
    st.h.step();
    let value = |st: &common::Station, label: &str| st.h.get_by_label(label).value();
    assert_eq!(
        value(&st, "Họ, chữ đệm và tên khai sinh").as_deref(),
        Some("Nguyễn Văn An")
    );
    assert_eq!(
        value(&st, "Số định danh cá nhân").as_deref(),
        Some("001095012345")
    );
    assert_eq!(
        value(&st, "Ngày, tháng, năm sinh").as_deref(),
        Some("12/05/1995")
    );
    assert_eq!(value(&st, "Tôn giáo").as_deref(), Some("Phật giáo"));
    assert_eq!(
        st.h.state()
            .snapshot()
            .unwrap()
            .enrollment
            .as_ref()
            .unwrap()
            .draft
            .as_ref()
            .unwrap()["sex"],
        "male"
    );
}

/// The supervisor's account screen: the list with their own account, a new officer added
/// (passwords that differ are caught first), the officer logging in without an accounts
/// button, and the officer's account removed after a confirmation.
#[test]
fn a_supervisor_adds_and_removes_an_officer_on_the_accounts_screen() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    st.click("Tài khoản cán bộ");
    st.wait("the account list", 10, |s| s.accounts.len() == 1);
    st.assert_shows("Tài khoản cán bộ");
    st.assert_shows("Trưởng ca");
    st.assert_shows("(bạn)");
    st.type_into("Tên đăng nhập mới", "canbo02");
    st.type_into("Mật khẩu đầu tiên (ít nhất 8 ký tự)", "mat-khau-can-bo");
    st.type_into("Nhập lại mật khẩu đầu tiên", "khác hẳn");
    st.click("Thêm tài khoản");
    st.assert_shows("Hai mật khẩu không khớp");
    st.type_into("Nhập lại mật khẩu đầu tiên", "mat-khau-can-bo");
    st.click("Thêm tài khoản");
    let s = st.wait("the new account", 30, |s| s.accounts.len() == 2);
    assert!(!s.accounts[1].supervisor && s.accounts[1].name == "canbo02");
    st.assert_shows("canbo02");
    st.assert_shows("Cán bộ");
    st.assert_shows("Hoạt động");
    st.assert_shows_part("Đã thêm tài khoản canbo02");

    // The officer logs in: the queue has no accounts button.
    st.click("Đăng xuất");
    st.wait("logged out", 10, |s| s.login == Login::LoggedOut);
    st.h.step();
    st.type_into("Tên cán bộ", "canbo02");
    st.type_into("Mật khẩu", "mat-khau-can-bo");
    st.click("Đăng nhập");
    st.wait("the officer logged in", 30, |s| {
        matches!(&s.login, Login::LoggedIn { officer } if officer == "canbo02") && !s.supervisor
    });
    st.assert_shows("Hàng chờ");
    assert!(!st.shows("Tài khoản cán bộ"));

    // The supervisor removes the account: Remove asks first, Keep keeps it.
    st.click("Đăng xuất");
    st.wait("logged out", 10, |s| s.login == Login::LoggedOut);
    st.h.step();
    st.type_into("Tên cán bộ", SUPERVISOR);
    st.type_into("Mật khẩu", PASSWORD);
    st.click("Đăng nhập");
    st.wait("the supervisor logged in", 30, |s| s.supervisor);
    st.click("Tài khoản cán bộ");
    st.wait("the account list", 10, |s| s.accounts.len() == 2);
    st.click("Xóa…");
    st.assert_shows("Xóa canbo02?");
    st.click("Thôi");
    assert!(!st.shows("Xóa canbo02?"));
    st.click("Xóa…");
    st.click("Xác nhận xóa");
    st.wait("the account removed", 30, |s| s.accounts.len() == 1);
    st.assert_shows_part("Đã xóa tài khoản canbo02");
    st.click("← Hàng chờ");
    st.assert_shows("Hàng chờ");
}

/// A finger recorded by mistake is taken again from the fingerprint step, with the keyboard
/// or the mouse: its exception is cleared and the finger is asked for again.
#[test]
fn a_recorded_finger_can_be_taken_again_from_the_fingerprint_step() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    check_in_qr(&mut st, "KBYT-RETAKE");
    st.click("Tiếp theo →");
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    let rec = record_json();
    fill_form(&mut st, &rec, rec["id_number"].as_str().unwrap());
    st.click("Tiếp theo →");
    st.wait("the portrait step", 20, |s| step(s) == Some(Step::Portrait));
    st.click("Chụp (tự động khi đạt)");
    st.wait("the portrait", 60, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.portrait.is_some())
    });
    st.click("Tiếp theo →");
    st.wait("the fingerprint step", 10, |s| {
        step(s) == Some(Step::Fingerprints)
    });
    // No sensor here: both fingers are recorded as exceptions.
    for code in [2u8, 7] {
        st.type_into("Lý do ngoại lệ", "Băng bó sau tai nạn");
        st.click("Ghi ngoại lệ");
        st.wait("the exception", 10, |s| {
            s.enrollment
                .as_ref()
                .is_some_and(|e| e.finger(code).is_some())
        });
    }
    st.assert_shows("✔ Đã lấy đủ vân tay; bấm Tiếp theo");
    assert!(!st.shows("▶ đang lấy"));

    // With the keyboard: the left index's button, Enter.
    st.h.get_by_label("Lấy lại ngón trỏ trái").focus();
    st.h.step();
    st.key(Key::Enter);
    let s = st.wait("the left index cleared", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.finger(7).is_none())
    });
    assert!(s.enrollment.as_ref().unwrap().finger(2).is_some());
    assert_eq!(s.finger.as_ref().map(|f| f.position), Some(7));
    st.assert_shows("Ngón hiện tại: Ngón trỏ trái");
    st.assert_shows("▶ đang lấy");
    // The engine says which finger to take again, and only the right index has a button.
    st.assert_shows_part("Lấy lại ngón trỏ trái");
    assert!(!button(&st, "Lấy lại ngón trỏ trái"), "nothing to retake");
    assert!(button(&st, "Lấy lại ngón trỏ phải"));

    // With the mouse, in English: the right index.
    st.click("English");
    st.click("Retake the right index finger");
    let s = st.wait("the right index cleared", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.fingers.is_empty())
    });
    assert_eq!(s.finger.as_ref().map(|f| f.position), Some(2));
    st.assert_shows("Current finger: right index finger");
    assert!(!button(&st, "Retake the right index finger"));
}

fn button(st: &common::Station, label: &str) -> bool {
    st.h.query_by_role_and_label(egui::accesskit::Role::Button, label)
        .is_some()
}

/// The device panel probes the camera: its frames folder gone, the camera is shown failing
/// with what to do, and "Check devices again" finds it once the folder is back.
#[test]
fn a_missing_camera_is_shown_failing_with_what_to_do() {
    let ts = TestStation::new(&StationSpec::default());
    let frames = ts.dir.path().join("frames");
    let kept = ts.dir.path().join("frames-away");
    std::fs::rename(&frames, &kept).unwrap();
    let mut st = start(&ts, None);
    let camera = |s: &workflow::Snapshot| {
        s.devices
            .iter()
            .find(|d| d.name.en == "Camera")
            .cloned()
            .unwrap()
    };
    let s = st.wait("the device states", 30, |s| s.devices_checked > 0);
    assert!(!camera(&s).ok);
    st.assert_shows_part("Không có thư mục hình của camera ảo");
    st.assert_shows_part("tạo thư mục có ảnh, hoặc sửa mục camera trong station.toml");
    std::fs::rename(&kept, &frames).unwrap();
    st.click("Kiểm tra lại thiết bị");
    let s = st.wait("the devices checked again", 30, |s| s.devices_checked > 1);
    assert!(camera(&s).ok, "{:?}", camera(&s).detail);
    assert!(!st.shows_part("Không có thư mục hình của camera ảo"));
}

/// The paper declaration: the camera's picture is shown while the form is photographed,
/// then the photo as stored.
#[test]
fn the_paper_form_is_shown_while_it_is_photographed_and_after() {
    let ts = TestStation::new(&StationSpec::default());
    let mut st = start(&ts, None);
    set_up(&mut st);
    new_applicant(&mut st);
    st.type_into(
        "Nội dung tờ khai giấy",
        "Tờ khai giấy số 17, không triệu chứng",
    );
    let images =
        |st: &common::Station| st.h.query_all_by_role(egui::accesskit::Role::Image).count();
    assert_eq!(images(&st), 0);
    st.click("Ghi nhận tờ khai và chụp ảnh tờ khai");
    st.wait("the form in the preview", 10, |s| {
        s.busy.is_some() && s.preview.is_some()
    });
    st.assert_shows("Đặt tờ khai trước camera");
    assert_eq!(images(&st), 1, "the camera's picture");
    let s = st.wait("the photo", 20, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.checkin.is_some())
    });
    assert!(matches!(
        s.enrollment.as_ref().unwrap().checkin,
        Some(workflow::model::CheckIn::Paper { .. })
    ));
    st.assert_shows_part("Đã ghi nhận tờ khai giấy và ảnh chụp (");
    assert_eq!(images(&st), 1, "the photo as stored");
    assert!(!st.shows("Ảnh tờ khai không mở được; chụp lại"));
}
