//! Time to score a 500 ppi capture and extract its minutiae (target: at most 50 ms).
//! `cargo bench -p fingerprint --bench fingerprint` prints the figures.

use std::time::{Duration, Instant};

use fingerprint::quality::assess;
use fingerprint::synth::{Capture, Degradation, Finger};
use fingerprint::FingerPosition;

fn main() {
    let mut images = Vec::new();
    for seed in 0..4u64 {
        for p in [
            FingerPosition::RightThumb,
            FingerPosition::RightIndex,
            FingerPosition::LeftMiddle,
            FingerPosition::LeftLittle,
        ] {
            let f = Finger::new(seed, p);
            images.push(f.capture(&Capture::attempt(seed as u32)));
            images.push(f.capture(&Capture::attempt(1).with(Degradation::Blur(0.6))));
            images.push(f.capture(&Capture::attempt(2).with(Degradation::Dry(0.6))));
        }
    }
    // Warm up caches and the allocator.
    for img in images.iter().take(3) {
        std::hint::black_box(assess(img));
    }
    let mut times: Vec<Duration> = Vec::new();
    let mut minutiae = 0usize;
    for _ in 0..3 {
        for img in &images {
            let t = Instant::now();
            let a = std::hint::black_box(assess(img));
            times.push(t.elapsed());
            minutiae += a.minutiae.len();
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len() as f64;
    let (w, h) = (images[0].width(), images[0].height());
    println!(
        "fingerprint quality + minutiae, {w}×{h} at 500 ppi, {} runs over {} images",
        times.len(),
        images.len()
    );
    println!("  mean   {mean:6.2} ms");
    println!("  median {:6.2} ms", ms(times[times.len() / 2]));
    println!("  p95    {:6.2} ms", ms(times[times.len() * 95 / 100]));
    println!("  max    {:6.2} ms", ms(times[times.len() - 1]));
    println!(
        "  minutiae per image {:.1}",
        minutiae as f64 / times.len() as f64
    );
    let t = Instant::now();
    let f = Finger::new(99, FingerPosition::RightIndex);
    let gen = t.elapsed();
    let t = Instant::now();
    std::hint::black_box(f.capture(&Capture::attempt(1)));
    println!(
        "  (generator: finger {:.1} ms, capture {:.1} ms)",
        ms(gen),
        ms(t.elapsed())
    );
}
