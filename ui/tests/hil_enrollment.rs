//! HIL: a whole enrollment through the station's UI on virtual devices, as issue 6 asks:
//! the real engine with the virtual camera (portrait test frames), libfprint's virtual_image
//! sensor fed synthetic prints, the real cupsd with the cups-pdf queue `idstation-pdf`, and
//! the vcard virtual card behind the real pcscd + vpcd. The card written is read back and
//! verified by the engine before the Done screen shows it.
//!
//! Needs `bash hil/up`, `bash hil/cups-up` and the vcard binary (`cargo build -p vcard`), as
//! the other HIL tests do. libfprint reads FP_VIRTUAL_IMAGE once per process, so this is a
//! test binary of its own with one test.

mod common;

use std::time::Duration;

use common::{
    check_in_qr, fill_form, new_applicant, record_json, set_up, start, step, Station, StationSpec,
    TestStation,
};
use egui_kittest::kittest::{NodeT, Queryable};
use fingerprint::feeder::Feeder;
use fingerprint::synth::{Capture, Finger};
use idstation_tests::{Slot, Vcard};
use iso19794::FingerPosition;
use workflow::model::FingerTaken;
use workflow::Step;

const PASSPHRASE: &str = "ui-hil-passphrase";

/// Presses Capture and puts the finger on the virtual sensor once it is open.
fn capture_finger(st: &mut Station, socket: &std::path::Path, seed: u64, pos: FingerPosition) {
    let print = Finger::new(seed, pos).capture(&Capture::attempt(1));
    for attempt in 0..3 {
        st.click("Lấy vân tay");
        st.wait("the sensor to start", 10, |s| s.busy.is_some());
        // The socket appears when the engine opens the sensor.
        let mut feeder = Feeder::connect(socket, Duration::from_secs(15)).expect("feeder");
        std::thread::sleep(Duration::from_millis(300));
        feeder.image(&print).expect("feed the print");
        let s = st.wait("the capture", 40, |s| s.busy.is_none());
        let e = s.enrollment.as_ref().unwrap();
        if e.finger(pos as u8).is_some() {
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

#[test]
fn a_whole_enrollment_through_the_ui_on_virtual_devices() {
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
    set_up(&mut st);

    // Every device is there and says so.
    let s = st.wait("the device states", 30, |s| !s.devices.is_empty());
    let bad: Vec<_> = s.devices.iter().filter(|d| !d.ok).collect();
    let reader_ok = s.devices[0].ok;
    assert!(
        bad.iter().all(|d| d.name.en == "Card reader"),
        "devices not ready: {bad:?} (bash hil/up, bash hil/cups-up)"
    );
    // vpcd's reader is listed by pcscd as soon as pcscd runs; a card is not needed yet.
    assert!(reader_ok, "card reader: {:?}", s.devices[0].detail);
    st.assert_shows("Đầu đọc thẻ");
    st.assert_shows("Cảm biến vân tay");
    st.assert_shows("Máy in");
    st.assert_shows("Khóa ký của trạm");

    new_applicant(&mut st);
    check_in_qr(&mut st, "KBYT-2026-11-23-000777");
    st.click("Tiếp theo →");
    st.wait("the data step", 10, |s| step(s) == Some(Step::Data));
    let rec = record_json();
    fill_form(&mut st, &rec, rec["id_number"].as_str().unwrap());
    st.click("Tiếp theo →");
    st.wait("the portrait step", 20, |s| step(s) == Some(Step::Portrait));

    st.click("Chụp (tự động khi đạt)");
    let s = st.wait("the portrait", 60, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.portrait.is_some())
    });
    assert!(s
        .enrollment
        .as_ref()
        .unwrap()
        .portrait
        .as_ref()
        .unwrap()
        .manual_reason
        .is_none());
    st.click("Tiếp theo →");
    st.wait("the fingerprint step", 10, |s| {
        step(s) == Some(Step::Fingerprints)
    });

    st.assert_shows("Ngón hiện tại: Ngón trỏ phải");
    capture_finger(&mut st, &socket, 21, FingerPosition::RightIndex);
    st.assert_shows_part("✔ chất lượng");
    capture_finger(&mut st, &socket, 22, FingerPosition::LeftIndex);
    // The little finger is bandaged: an exception with the reason.
    st.assert_shows("Ngón hiện tại: Ngón út phải");
    st.click("Băng bó, bị thương");
    st.type_into("Lý do ngoại lệ", "Ngón út phải đang bó bột");
    st.click("Ghi ngoại lệ");
    let s = st.wait("the exception", 10, |s| s.finger.is_none());
    assert!(matches!(
        s.enrollment.as_ref().unwrap().finger(FingerPosition::RightLittle as u8),
        Some(FingerTaken::Exception { kind, .. }) if kind == "bandaged"
    ));
    st.assert_shows("✔ Đã lấy đủ vân tay; bấm Tiếp theo");
    st.assert_shows("✘ Băng bó, bị thương: Ngón út phải đang bó bột");

    st.click("Tiếp theo →");
    st.wait("the review", 10, |s| step(s) == Some(Step::Review));
    st.assert_shows("Nguyễn Văn An");
    st.assert_shows("Vân tay: 2 ngón đã lấy, 1 ngoại lệ");
    st.click("Tiếp theo →");
    st.wait("print and sign", 10, |s| step(s) == Some(Step::PrintSign));

    st.click("In phiếu");
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

    // The applicant finds a mistake on the sheet: back to the data, and the sheet must be
    // printed again before it is signed.
    st.click("Sửa thông tin");
    let s = st.wait("the correction", 10, |s| step(s) == Some(Step::Data));
    assert!(s.enrollment.as_ref().unwrap().printed.is_none());
    st.type_into("Tôn giáo", "Phật giáo");
    for next in [
        Step::Portrait,
        Step::Fingerprints,
        Step::Review,
        Step::PrintSign,
    ] {
        st.click("Tiếp theo →");
        st.wait(&format!("{next:?}"), 10, |s| step(s) == Some(next));
        if next == Step::Review {
            st.assert_shows("Phật giáo");
        }
    }
    assert!(st
        .h
        .get_by_label("Công dân đã ký")
        .accesskit_node()
        .is_disabled());
    st.click("In phiếu");
    let s = st.wait("the sheet printed again", 120, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.printed.is_some())
    });
    assert_eq!(
        s.enrollment
            .as_ref()
            .unwrap()
            .record
            .as_ref()
            .unwrap()
            .religion,
        "Phật giáo"
    );
    st.click("Công dân đã ký");
    st.wait("signed", 10, |s| {
        s.enrollment.as_ref().is_some_and(|e| e.signed)
    });
    st.click("Tiếp theo →");
    st.wait("the write-card step", 10, |s| {
        step(s) == Some(Step::WriteCard)
    });
    st.assert_shows("Đặt thẻ trắng vào đầu đọc, rồi bấm Ghi thẻ.");

    let _card = Vcard::start(&slot, "vn-citizen-card", None, &[]);
    st.click("Ghi thẻ");
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
    st.assert_shows("Thẻ đã cấp và kiểm tra hợp lệ");
    st.assert_shows_part("THẺ ĐÃ CẤP VÀ KIỂM TRA HỢP LỆ");

    st.click("In giấy hẹn");
    st.wait("the receipt", 120, |s| {
        s.busy.is_none() && s.enrollment.as_ref().is_some_and(|e| e.receipt.is_some())
    });
    st.click("Đóng hồ sơ");
    st.wait("the queue", 10, |s| s.enrollment.is_none());
    st.assert_shows("Hàng chờ");

    // The card just written, verified at a checkpoint by typed ID number and dates: its
    // chip against the station's own CSCA, Active Authentication, the fields side by side.
    st.click("Kiểm soát");
    st.type_into("Số định danh", rec["id_number"].as_str().unwrap());
    st.type_into(
        "Ngày sinh",
        &common::vi_date(rec["date_of_birth"].as_str().unwrap()),
    );
    st.type_into(
        "Có giá trị đến",
        &common::vi_date(rec["date_of_expiry"].as_str().unwrap()),
    );
    st.click("Ra");
    st.type_into("Mã chốt", "CHOT-HB-01");
    st.click("Kiểm tra thẻ");
    let s = st.wait("the checkpoint verdict", 60, |s| {
        s.busy.is_none() && (s.checkpoint.is_some() || s.message.as_ref().is_some_and(|m| m.error))
    });
    let r = s
        .checkpoint
        .as_ref()
        .unwrap_or_else(|| panic!("no verdict: {:?}", s.message));
    assert!(r.verified, "alerts: {:?}", r.alerts);
    st.assert_shows("THẺ HỢP LỆ");
    st.assert_shows("Trong chip");
    st.assert_shows_part(rec["full_name"].as_str().unwrap());
    let s = st.wait("the crossing in today's list", 10, |s| {
        !s.crossings.is_empty()
    });
    assert_eq!(s.crossings[0].checkpoint, "CHOT-HB-01");
    st.assert_shows("CHOT-HB-01");
    st.assert_shows("✔ Hợp lệ");

    // The same card presented with a QR code whose name was changed (a forged card body
    // around a genuine chip): a red alert that names the field, the two names side by side.
    let forged = "Nguyễn Văn Bình";
    let qr = [
        rec["id_number"].as_str().unwrap(),
        rec["former_id_number"].as_str().unwrap(),
        forged,
        &common::vi_date(rec["date_of_birth"].as_str().unwrap()).replace('/', ""),
        "Nam",
        rec["place_of_residence"].as_str().unwrap(),
        &common::vi_date(rec["date_of_issue"].as_str().unwrap()).replace('/', ""),
    ]
    .join("|");
    st.type_into("Mã QR trên thẻ (máy quét cầm tay)", &qr);
    st.click("Kiểm tra thẻ");
    let first = r.crossing_id;
    let s = st.wait("the second verdict", 60, |s| {
        s.busy.is_none()
            && (s
                .checkpoint
                .as_ref()
                .is_some_and(|r| r.crossing_id != first)
                || s.message.as_ref().is_some_and(|m| m.error))
    });
    let r = s
        .checkpoint
        .as_ref()
        .unwrap_or_else(|| panic!("no verdict: {:?}", s.message));
    assert!(!r.verified, "a forged name verified");
    let alerts: Vec<&str> = r.alerts.iter().map(|m| m.vi.as_str()).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].starts_with("Họ, chữ đệm và tên khai sinh trên chip khác mã QR"),
        "{alerts:?}"
    );
    st.assert_shows("CẢNH BÁO");
    st.assert_shows_part("✘ Họ, chữ đệm và tên khai sinh trên chip khác mã QR");
    st.assert_shows(forged);
    st.assert_shows(&format!("{} ✘", rec["full_name"].as_str().unwrap()));
    let s = st.wait("both crossings in today's list", 10, |s| {
        s.crossings.len() == 2
    });
    assert_eq!(s.crossings.iter().filter(|c| c.verified).count(), 1);
}
