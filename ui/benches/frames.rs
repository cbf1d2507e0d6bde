//! Cold start and UI frame times while a device works (issue 6: "the app starts to its
//! first frame in under a second"; "device I/O never blocks the UI thread").
//!
//! Prints figures, asserts nothing. Cold start: from creating the app (the engine starting
//! in the background) to the end of its first frame, and to the first frame that shows the
//! engine's first snapshot. Frames: each UI pass (egui layout of the whole window, what the
//! UI thread does per frame besides painting) while the virtual camera's frames run through
//! the portrait checks on the engine's threads.
//!
//! `cargo bench -p station --bench frames`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{set_up, start, step, StationSpec, TestStation};
use workflow::Step;

fn figures(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: {} frames, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

fn main() {
    let ts = TestStation::new(&StationSpec {
        masked_frames: 40,
        ..StationSpec::default()
    });
    let t0 = Instant::now();
    let mut st = start(&ts, None);
    st.h.step();
    let first = t0.elapsed();
    while st.h.state().snapshot().is_none() {
        st.h.step();
        std::thread::sleep(Duration::from_millis(1));
    }
    let engine = t0.elapsed();
    println!(
        "cold start: first frame {:.1} ms after the app was created, engine's first snapshot shown after {:.1} ms",
        first.as_secs_f64() * 1e3,
        engine.as_secs_f64() * 1e3
    );

    set_up(&mut st);
    common::new_applicant(&mut st);
    let mut idle = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        st.h.step();
        idle.push(t.elapsed().as_secs_f64() * 1e3);
    }
    figures("UI pass, check-in screen, idle", idle);

    common::check_in_qr(&mut st, "KBYT-1");
    st.click("Tiếp theo →");
    st.wait("data", 10, |s| step(s) == Some(Step::Data));
    let rec = common::record_json();
    common::fill_form(&mut st, &rec, rec["id_number"].as_str().unwrap());
    st.click("Tiếp theo →");
    st.wait("portrait", 20, |s| step(s) == Some(Step::Portrait));
    st.click("Chụp (tự động khi đạt)");
    let mut busy = Vec::new();
    let mut previews = 0usize;
    let mut last_preview = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let t = Instant::now();
        st.h.step();
        let dt = t.elapsed().as_secs_f64() * 1e3;
        let s = st.snap();
        if s.busy.is_none() || Instant::now() > deadline {
            break;
        }
        busy.push(dt);
        if let Some(p) = &s.preview {
            let ptr = std::sync::Arc::as_ptr(&p.rgb);
            if last_preview != Some(ptr) {
                previews += 1;
                last_preview = Some(ptr);
            }
        }
        // About 60 frames a second, as a window would ask for them.
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let s = st.snap();
    let outcome = match s.enrollment.as_ref().and_then(|e| e.portrait.as_ref()) {
        Some(_) => "portrait taken".to_string(),
        None => format!("no portrait: {:?}", s.message.map(|m| m.en)),
    };
    figures(
        &format!(
            "UI pass, portrait step, camera and checks running ({previews} camera frames shown, {outcome})"
        ),
        busy,
    );
}
