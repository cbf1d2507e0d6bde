//! QR decode time per 640×480 greyscale frame (issue 7 target: at most 50 ms), over card codes
//! rendered at several sizes, rotations and noise levels, plus frames without a code (the
//! camera's idle frames cost the same search). Prints its figures; README quotes them.
//!
//! `cargo bench -p qr --bench decode`

#[path = "../testsupport/render.rs"]
mod render;

use render::{frame, Placement};
use std::time::{Duration, Instant};

const W: usize = 640;
const H: usize = 480;
const ROUNDS: usize = 20;
const CARD: &str = "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội|20112026";

fn main() {
    let mut frames = Vec::new();
    for (i, (module, degrees, noise, gradient)) in [
        (2.25, 0.0, 0.0, 0.0),
        (3.0, 12.0, 8.0, 0.0),
        (3.5, 45.0, 15.0, 40.0),
        (3.75, 90.0, 20.0, 60.0),
        (5.0, 200.0, 10.0, 80.0),
        (4.0, 315.0, 25.0, 20.0),
    ]
    .into_iter()
    .enumerate()
    {
        let p = Placement {
            degrees,
            noise,
            gradient,
            ..Placement::centred(W, H, module)
        };
        let f = frame(CARD, W, H, p, i as u64);
        if qr::decode_luma(W, H, &f).is_err() {
            println!("  not decoded: {module} px per module, {degrees}°, noise {noise}, light falling by {gradient}");
        }
        frames.push((true, f));
    }
    let mut rng = render::Rng::new(99);
    frames.push((false, vec![180u8; W * H]));
    frames.push((
        false,
        (0..W * H)
            .map(|_| 100 + (rng.next_u64() % 60) as u8)
            .collect(),
    ));

    let mut with_code = Vec::new();
    let mut without = Vec::new();
    let mut decoded = 0usize;
    for _ in 0..ROUNDS {
        for (has_code, f) in &frames {
            let t = Instant::now();
            let r = qr::decode_luma(W, H, f);
            let d = t.elapsed();
            if *has_code {
                if r.as_deref() == Ok(&[CARD.to_string()][..]) {
                    decoded += 1;
                }
                with_code.push(d);
            } else {
                assert!(r.is_err());
                without.push(d);
            }
        }
    }
    println!(
        "QR decode, 640×480 greyscale frames, {ROUNDS} rounds (target: at most 50 ms per frame)"
    );
    let n = with_code.len();
    report("frames with a card code (6 placements)", &mut with_code);
    println!("  decoded correctly: {decoded} of {n}");
    report("frames without a code (2)", &mut without);
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = times.len();
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / n as f64;
    println!(
        "  {what:40} mean {:6.2} ms  median {:6.2}  p95 {:6.2}  max {:6.2}  ({n} decodes)",
        mean,
        ms(times[n / 2]),
        ms(times[(n * 95 / 100).min(n - 1)]),
        ms(times[n - 1])
    );
}
