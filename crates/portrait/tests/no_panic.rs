//! Frames come from a device: whatever their size or content, the checks and the crop
//! refuse them or measure them, never panic.
use portrait::{token_crop, Analyzer, Eyes};
use proptest::prelude::*;
use std::cell::RefCell;

thread_local! {
    static ANALYZER: RefCell<Analyzer> = RefCell::new(Analyzer::default());
}

proptest! {
    // Each case runs the whole analysis: fewer cases than the parsers' fuzz targets.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn analyze_never_panics(
        w in 0u32..160,
        h in 0u32..160,
        extra in -3i64..3,
        seed in any::<u64>(),
        blocky in any::<bool>(),
    ) {
        let want = (w as i64 * h as i64 * 3 + extra).max(0) as usize;
        let mut s = seed | 1;
        let mut next = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; (s >> 24) as u8 };
        let rgb: Vec<u8> = if blocky {
            // Flat blocks of colour: skin-like and dark patches the searches may latch on to.
            let cols: Vec<[u8; 3]> = (0..16).map(|_| [next(), next(), next()]).collect();
            (0..want).map(|i| {
                let p = i / 3;
                let (x, y) = (p % w.max(1) as usize, p / w.max(1) as usize);
                cols[(x / 12 + 4 * (y / 12)) % 16][i % 3]
            }).collect()
        } else {
            (0..want).map(|_| next()).collect()
        };
        let r = ANALYZER.with(|a| a.borrow_mut().analyze(w, h, &rgb));
        prop_assert_eq!(r.checks.len(), portrait::CheckId::ALL.len());
    }

    #[test]
    fn token_crop_never_panics(
        w in 1u32..64,
        h in 1u32..64,
        rx in -1e4f32..1e4, ry in -1e4f32..1e4,
        lx in -1e4f32..1e4, ly in -1e4f32..1e4,
        width in 0u32..200,
    ) {
        let img = image::RgbImage::new(w, h);
        let out = token_crop(&img, &Eyes { right: (rx, ry), left: (lx, ly) }, width);
        prop_assert!(out.width() >= 16);
    }
}

#[test]
fn token_crop_survives_degenerate_eyes() {
    let img = image::RgbImage::new(8, 8);
    for e in [
        (0.0, 0.0),
        (f32::NAN, 1.0),
        (f32::INFINITY, f32::NEG_INFINITY),
    ] {
        let out = token_crop(&img, &Eyes { right: e, left: e }, 64);
        assert_eq!(out.dimensions(), (64, 85));
    }
}
