//! Per-frame cost of all portrait checks on 640×480 frames (the budget is 30 ms so the
//! preview stays live). Prints its figures; run with `cargo bench -p portrait --bench checks`.
use std::time::{Duration, Instant};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    let mut analyzer = portrait::Analyzer::default();
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20usize);
    println!("portrait checks, 640x480 frames, {rounds} rounds per image (budget 30 ms/frame)");
    println!("{:<36} {:>9} {:>9} {:>9}", "image", "median", "mean", "max");
    let mut all = Vec::new();
    for f in &files {
        let img = image::open(f).expect("image").to_rgb8();
        let (w, h) = img.dimensions();
        // One warm-up run.
        std::hint::black_box(analyzer.analyze(w, h, img.as_raw()));
        let mut times: Vec<Duration> = (0..rounds)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(analyzer.analyze(w, h, img.as_raw()));
                t.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / times.len() as f64;
        println!(
            "{:<36} {:>6.2} ms {:>6.2} ms {:>6.2} ms",
            f.file_name().unwrap().to_string_lossy(),
            ms(times[times.len() / 2]),
            mean,
            ms(*times.last().unwrap())
        );
        all.extend(times);
    }
    all.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "all frames: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames)",
        ms(all[all.len() / 2]),
        ms(all[all.len() * 95 / 100]),
        ms(*all.last().unwrap()),
        all.len()
    );
}
