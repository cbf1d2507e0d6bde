//! Prints the analysis of image files (for tuning limits): `cargo run --example probe -- FILES`.
fn main() {
    let mut a = portrait::Analyzer::default();
    for p in std::env::args().skip(1) {
        let img = image::open(&p).unwrap().to_rgb8();
        let t = std::time::Instant::now();
        let r = a.analyze(img.width(), img.height(), img.as_raw());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "{p}: {:.1} ms faces={:?} eyes={:?} failed={:?}",
            ms,
            r.faces,
            r.eyes,
            r.failed()
        );
        for c in &r.checks {
            println!(
                "   {:18} {:>8} {:?}",
                c.id.slug(),
                c.measured.map(|m| format!("{m:.1}")).unwrap_or("-".into()),
                c.outcome
            );
        }
    }
}
