//! Rendering speed of the information sheet and the receipt slip (issue 5: a sheet in at
//! most 200 ms). Prints figures; asserts nothing. `cargo bench -p sheet --bench render`.

use sheet::{
    render_receipt, render_sheet, Application, CaptureStatus, FingerCapture, Fonts, InfoSheet,
    ReceiptSlip,
};
use std::time::{Duration, Instant};

fn figures(name: &str, runs: u32, mut f: impl FnMut()) {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} runs {runs:>3}  median {:>7.2} ms  p90 {:>7.2} ms  max {:>7.2} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(times[times.len() - 1])
    );
}

fn main() {
    let record = citizen::CitizenRecord::from_json(include_str!("../testdata/long-names.json"))
        .expect("test record");
    let fingers = iso19794::FingerPosition::TENPRINT_ORDER
        .iter()
        .map(|&p| FingerCapture {
            position: p,
            quality: Some(70),
            status: CaptureStatus::Captured,
        })
        .collect();
    let sheet = InfoSheet {
        record,
        portrait_jpeg: Some(include_bytes!("../testdata/portrait.jpg").to_vec()),
        fingers,
        application: Application {
            number: "HS-079-2026-000123".into(),
            station: "Công an phường Bến Nghé, quận 1, TP. Hồ Chí Minh".into(),
            officer: "Thượng úy Lê Thị Ngọc Hường".into(),
            date: time::macros::date!(2026 - 11 - 23),
        },
    };
    let slip = ReceiptSlip {
        application_number: "HS-079-2026-000123".into(),
        full_name: sheet.record.full_name.clone(),
        station: sheet.application.station.clone(),
        enrolled_on: time::macros::date!(2026 - 11 - 23),
        collect_on: time::macros::date!(2026 - 12 - 07),
    };
    let fonts = Fonts::system().expect("fonts installed (fonts-dejavu-core)");
    let size = render_sheet(&fonts, &sheet).expect("renders").len();
    println!("sheet PDF: {size} bytes (long-names record, portrait, 10 fingers)");
    figures("render_sheet (fonts loaded once)", 50, || {
        render_sheet(&fonts, &sheet).expect("renders");
    });
    figures("Fonts::system + render_sheet (cold path)", 20, || {
        let fonts = Fonts::system().expect("fonts");
        render_sheet(&fonts, &sheet).expect("renders");
    });
    figures("render_receipt", 50, || {
        render_receipt(&fonts, &slip).expect("renders");
    });
}
