use fingerprint::quality::assess;
use fingerprint::synth::{Capture, Degradation, Finger};
use fingerprint::FingerPosition;
fn main() {
    for seed in 0..3u64 {
        for p in [FingerPosition::RightThumb, FingerPosition::LeftRing] {
            let f = Finger::new(seed, p);
            println!("seed {seed} {} {}", p.slug(), f.class().name());
            let show = |name: &str, c: Capture| {
                let t = std::time::Instant::now();
                let a = assess(&f.capture(&c));
                let ff = a.features;
                println!("  {name:16} score {:3} {:5.1} {:?} area {:.2} ocl {:.2} clar {:.2} con {:.2} sharp {:.2} freq {:.2} min {:.2} grey {:.0} n={} {:?}", a.score, a.value, a.reason, ff.area, ff.orientation_certainty, ff.clarity, ff.contrast, ff.sharpness, ff.frequency, ff.minutiae, ff.mean_grey, a.minutiae.len(), t.elapsed());
            };
            show("clean", Capture::clean());
            show("attempt3", Capture::attempt(3));
            for d in [
                Degradation::LowContrast(0.),
                Degradation::Dry(0.),
                Degradation::Blur(0.),
                Degradation::Partial(0.),
            ] {
                for s in [0.25f32, 0.5, 0.75, 1.0] {
                    show(
                        &format!("{}{s}", d.name()),
                        Capture::clean().with(d.with_strength(s)),
                    );
                }
            }
        }
    }
}
