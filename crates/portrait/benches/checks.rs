//! Per-frame cost of all portrait checks on 640×480 frames (the budget is 30 ms so the
//! preview stays live). Prints its figures; run with `cargo bench -p portrait --bench checks`.
//!
//! The set is every test image: the clean portraits and every derived failing case, so the
//! frames where detection has the most to reject (two faces, busy backdrop) and the masked
//! ones that take the covered-face fallback are all in it. The images take turns, one frame
//! each per round, so a burst of load from other processes lands on many images rather than
//! on all rounds of one. Beside the wall-clock time (what the budget is about) the bench
//! prints the thread's CPU time: on a machine shared with other builds the difference is
//! time the checks waited for a core, not work they did.
use std::time::{Duration, Instant};

/// CPU time consumed by this thread so far.
#[cfg(unix)]
fn thread_cpu() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu() -> Option<Duration> {
    None
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median, p95 and max of sorted times.
fn figures(sorted: &[Duration]) -> (f64, f64, f64) {
    let n = sorted.len();
    (
        ms(sorted[n / 2]),
        ms(sorted[(n * 95 / 100).min(n - 1)]),
        ms(sorted[n - 1]),
    )
}

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    let images: Vec<(String, image::RgbImage)> = files
        .iter()
        .map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let img = image::open(f).expect("image").to_rgb8();
            assert_eq!(img.dimensions(), (640, 480), "{name}: not a 640×480 frame");
            (name, img)
        })
        .collect();
    let clean = images
        .iter()
        .filter(|(n, _)| n.starts_with("clean"))
        .count();
    let failing = images
        .iter()
        .filter(|(n, _)| n.starts_with("fail-"))
        .count();
    assert!(
        clean >= 3 && failing >= 12,
        "the set must hold the clean portraits and the derived failing cases ({clean} clean, {failing} failing)"
    );
    let mut analyzer = portrait::Analyzer::default();
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20usize)
        .max(1);
    println!(
        "portrait checks, 640x480 frames, {} images ({clean} clean, {failing} failing), \
         {rounds} rounds per image (budget 30 ms/frame)",
        images.len()
    );
    // One warm-up run of each.
    for (_, img) in &images {
        std::hint::black_box(analyzer.analyze(640, 480, img.as_raw()));
    }
    let mut wall: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); images.len()];
    let mut cpu: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); images.len()];
    for _ in 0..rounds {
        for (i, (_, img)) in images.iter().enumerate() {
            let c = thread_cpu();
            let t = Instant::now();
            std::hint::black_box(analyzer.analyze(640, 480, img.as_raw()));
            wall[i].push(t.elapsed());
            if let (Some(c0), Some(c1)) = (c, thread_cpu()) {
                cpu[i].push(c1.saturating_sub(c0));
            }
        }
    }
    println!(
        "{:<40} {:>9} {:>9} {:>9} {:>9}",
        "image", "median", "mean", "max", "max cpu"
    );
    for (i, (name, _)) in images.iter().enumerate() {
        let times = &mut wall[i];
        times.sort();
        cpu[i].sort();
        let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / times.len() as f64;
        let max_cpu = cpu[i]
            .last()
            .map_or_else(|| "-".to_string(), |&d| format!("{:.2} ms", ms(d)));
        println!(
            "{:<40} {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>9}",
            name,
            ms(times[times.len() / 2]),
            mean,
            ms(*times.last().unwrap()),
            max_cpu
        );
    }
    let mut all: Vec<Duration> = wall.into_iter().flatten().collect();
    all.sort();
    let (median, p95, max) = figures(&all);
    println!(
        "all frames: median {median:.2} ms, p95 {p95:.2} ms, max {max:.2} ms ({} frames)",
        all.len()
    );
    let mut all_cpu: Vec<Duration> = cpu.into_iter().flatten().collect();
    if !all_cpu.is_empty() {
        all_cpu.sort();
        let (median, p95, max) = figures(&all_cpu);
        println!("cpu time:   median {median:.2} ms, p95 {p95:.2} ms, max {max:.2} ms");
    }
}
