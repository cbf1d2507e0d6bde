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
        // Flat blocks of colour: skin-like and dark patches the searches may latch on to.
        let rgb = frame(w, h, extra, seed, blocky.then_some(12));
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

    #[test]
    fn centred_crop_never_panics(w in 0u32..300, h in 0u32..300, width in 0u32..400) {
        let out = portrait::centred_crop(&image::RgbImage::new(w, h), width);
        let want = width.clamp(16, 4096);
        prop_assert_eq!(out.dimensions(), (want, (want as f32 * 4.0 / 3.0).round() as u32));
    }
}

/// A frame of `w`×`h` (with `extra` bytes too many or too few) of random pixels, or of flat
/// blocks of colour `block` pixels wide.
fn frame(w: u32, h: u32, extra: i64, seed: u64, block: Option<usize>) -> Vec<u8> {
    let want = (w as i64 * h as i64 * 3 + extra).max(0) as usize;
    let mut s = seed | 1;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 24) as u8
    };
    if let Some(block) = block {
        let cols: Vec<[u8; 3]> = (0..16).map(|_| [next(), next(), next()]).collect();
        (0..want)
            .map(|i| {
                let p = i / 3;
                let (x, y) = (p % w.max(1) as usize, p / w.max(1) as usize);
                cols[(x / block + 4 * (y / block)) % 16][i % 3]
            })
            .collect()
    } else {
        (0..want).map(|_| next()).collect()
    }
}

proptest! {
    // Camera-sized frames: 640–959 px wide go through the detector's 2× shrink, wider ones
    // through the general one (frames under 320 px are not shrunk at all). Each case is a
    // full analysis of up to 1.4 Mpixel in a debug build, so few cases.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn analyze_never_panics_on_camera_sized_frames(
        w in prop_oneof![640u32..960, 960u32..1400, Just(641u32), Just(959u32), Just(961u32)],
        h in prop_oneof![1u32..8, 8u32..1000],
        extra in prop_oneof![Just(0i64), -3i64..3],
        seed in any::<u64>(),
        blocky in any::<bool>(),
    ) {
        let rgb = frame(w, h, extra, seed, blocky.then_some(40));
        let r = ANALYZER.with(|a| a.borrow_mut().analyze(w, h, &rgb));
        prop_assert_eq!(r.checks.len(), portrait::CheckId::ALL.len());
    }
}

#[test]
fn analyze_survives_the_shrink_edges() {
    // The widths where the detector's shrink factor changes, with heights below the factor
    // (a shrunk plane with no rows) and odd sizes.
    let mut a = Analyzer::default();
    for (w, h) in [
        (640, 1),
        (641, 1),
        (959, 2),
        (960, 1),
        (960, 2),
        (961, 3),
        (1280, 3),
        (1281, 720),
        (1919, 1),
        (640, 481),
    ] {
        for blocky in [false, true] {
            let rgb = frame(w, h, 0, 7, blocky.then_some(40));
            let r = a.analyze(w, h, &rgb);
            assert_eq!(r.checks.len(), portrait::CheckId::ALL.len(), "{w}x{h}");
        }
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
