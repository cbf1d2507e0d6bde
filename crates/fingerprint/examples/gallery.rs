//! Writes a few synthetic prints to a folder for a look: `cargo run --example gallery DIR`.
use fingerprint::synth::{Capture, Degradation, Finger};
use fingerprint::FingerPosition;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    for seed in 0..3u64 {
        for p in [
            FingerPosition::RightThumb,
            FingerPosition::RightIndex,
            FingerPosition::LeftRing,
        ] {
            let f = Finger::new(seed, p);
            let mut caps = vec![("clean".to_string(), Capture::clean())];
            for d in [
                Degradation::LowContrast(1.0),
                Degradation::Dry(1.0),
                Degradation::Blur(1.0),
                Degradation::Partial(1.0),
            ] {
                caps.push((d.name().to_string(), Capture::clean().with(d)));
            }
            caps.push(("attempt3".into(), Capture::attempt(3)));
            for (name, c) in caps {
                let path = format!("{dir}/s{seed}-{}-{}-{name}.png", p.slug(), f.class().name());
                std::fs::write(&path, f.capture(&c).to_png()).unwrap();
            }
        }
    }
}
