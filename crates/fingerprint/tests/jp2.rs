//! JPEG 2000 for DG3: synthetic prints fit a card's budget and come back faithful.

use fingerprint::jp2::{self, Jp2Error};
use fingerprint::quality::assess;
use fingerprint::synth::{Capture, Finger};
use fingerprint::{FingerPosition, GreyImage};
use iso19794::{Compression, FingerRecord};
use proptest::prelude::*;

/// Half of a DG3 of 30 000 bytes, less room for the records' headers and the CBEFF templates.
const PER_FINGER: usize = 14_000;

fn psnr(a: &GreyImage, b: &GreyImage) -> f64 {
    let mse = a
        .pixels()
        .iter()
        .zip(b.pixels())
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum::<f64>()
        / a.pixels().len() as f64;
    10.0 * (255.0 * 255.0 / mse.max(1e-12)).log10()
}

fn print(seed: u64, position: FingerPosition) -> GreyImage {
    Finger::new(seed, position).capture(&Capture::attempt(1))
}

/// A ridge pattern at 500 ppi has most of its energy around its ridge frequency (about one
/// ridge every 9-10 pixels), which 14 kB of JPEG 2000 keeps: 30 dB is an RMS error of 8 grey
/// levels against ridge/valley contrast of well over 100, and the quality score (which looks at
/// ridge clarity and orientation) must not move by more than 10 points.
#[test]
fn synthetic_prints_fit_14_kb_and_stay_faithful() {
    let cases = [
        (1, FingerPosition::RightIndex),
        (2, FingerPosition::LeftIndex),
        (7, FingerPosition::RightIndex),
        (42, FingerPosition::LeftIndex),
        (1234, FingerPosition::RightThumb),
    ];
    for (seed, position) in cases {
        let img = print(seed, position);
        let start = std::time::Instant::now();
        let bytes = jp2::encode(&img, PER_FINGER).unwrap();
        let took = start.elapsed();
        assert!(bytes.len() <= PER_FINGER, "{} bytes", bytes.len());
        let back = jp2::decode(&bytes).unwrap();
        assert_eq!((back.width(), back.height()), (img.width(), img.height()));
        assert_eq!(back.ppi(), 500);
        let p = psnr(&img, &back);
        let (q0, q1) = (assess(&img).score, assess(&back).score);
        eprintln!(
            "seed {seed} {}: png {} B, jp2 {} B in {took:?}, PSNR {p:.1} dB, score {q0} -> {q1}",
            position.slug(),
            img.to_png().len(),
            bytes.len()
        );
        assert!(p >= 30.0, "seed {seed}: PSNR {p:.1} dB");
        assert!(q0.abs_diff(q1) <= 10, "seed {seed}: score {q0} -> {q1}");
    }
}

#[test]
fn two_index_fingers_in_dg3_stay_under_30_000_bytes() {
    let records: Vec<FingerRecord> = [FingerPosition::RightIndex, FingerPosition::LeftIndex]
        .into_iter()
        .map(|position| {
            let img = print(5, position);
            let bytes = jp2::encode(&img, PER_FINGER).unwrap();
            let quality = assess(&img).score;
            FingerRecord::from_jpeg2000(
                position,
                quality,
                bytes,
                img.width() as u16,
                img.height() as u16,
                (img.ppi(), img.ppi()),
            )
            .unwrap()
        })
        .collect();
    let dg3 = lds::encode_dg3(&records).unwrap();
    eprintln!("DG3 of two JPEG 2000 index fingers: {} bytes", dg3.len());
    assert!(dg3.len() < 30_000, "{} bytes", dg3.len());
    let parsed = lds::parse_dg3(&dg3).unwrap();
    assert_eq!(parsed, records);
    for r in &parsed {
        assert_eq!(r.compression, Compression::Jpeg2000);
        assert_eq!((r.acquisition_level, r.pixel_depth), (31, 8));
        let img = jp2::decode(&r.fingers[0].data).unwrap();
        assert_eq!(
            (img.width(), img.height()),
            (
                u32::from(r.fingers[0].width),
                u32::from(r.fingers[0].height)
            )
        );
    }
}

#[test]
fn a_larger_budget_gives_a_better_image() {
    let img = print(3, FingerPosition::RightIndex);
    let small = jp2::encode(&img, 8_000).unwrap();
    let large = jp2::encode(&img, 20_000).unwrap();
    assert!(small.len() <= 8_000 && large.len() <= 20_000);
    let (ps, pl) = (
        psnr(&img, &jp2::decode(&small).unwrap()),
        psnr(&img, &jp2::decode(&large).unwrap()),
    );
    assert!(pl > ps + 1.0, "{ps:.1} dB at 8 kB, {pl:.1} dB at 20 kB");
}

#[test]
fn raw_codestreams_and_junk() {
    assert_eq!(jp2::decode(b""), Err(Jp2Error::NotJpeg2000));
    assert_eq!(
        jp2::decode(b"\x89PNG\r\n\x1a\n"),
        Err(Jp2Error::NotJpeg2000)
    );
    // The codestream inside the JP2 file decodes on its own, at the default 500 ppi.
    let img = print(9, FingerPosition::LeftIndex).with_ppi(1000);
    let file = jp2::encode(&img, PER_FINGER).unwrap();
    let at = file
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])
        .unwrap();
    let from_file = jp2::decode(&file).unwrap();
    let from_stream = jp2::decode(&file[at..]).unwrap();
    assert_eq!(from_file.ppi(), 1000);
    assert_eq!(from_stream.ppi(), 500);
    assert_eq!(from_file.pixels(), from_stream.pixels());
    // Truncated files are refused, not half-read.
    for cut in [13, 60, file.len() / 2, file.len() - 3] {
        assert!(jp2::decode(&file[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn absurd_dimensions_are_refused_before_decoding() {
    // A codestream whose SIZ declares 60 000 × 60 000 pixels: 14 GB of samples.
    let img = GreyImage::filled(64, 64, 128).unwrap();
    let file = jp2::encode(&img, 2_000).unwrap();
    let at = file
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])
        .unwrap();
    let mut cs = file[at..].to_vec();
    // SIZ: marker(2) Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz YOsiz XTsiz(4) YTsiz(4) ...
    cs[8..12].copy_from_slice(&60_000u32.to_be_bytes());
    cs[12..16].copy_from_slice(&60_000u32.to_be_bytes());
    cs[24..28].copy_from_slice(&60_000u32.to_be_bytes());
    cs[28..32].copy_from_slice(&60_000u32.to_be_bytes());
    assert!(matches!(
        jp2::decode(&cs),
        Err(Jp2Error::Size {
            width: 60_000,
            height: 60_000
        })
    ));
}

fn sample_file() -> &'static [u8] {
    static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let img = Finger::new(77, FingerPosition::RightIndex)
            .capture(&Capture::clean())
            .into_pixels();
        // A small crop keeps each decode cheap.
        let crop: Vec<u8> = img
            .chunks(320)
            .skip(150)
            .take(96)
            .flat_map(|r| r[100..196].to_vec())
            .collect();
        let img = GreyImage::from_pixels(96, 96, crop).unwrap();
        jp2::encode(&img, 3_000).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = jp2::decode(&bytes);
    }

    #[test]
    fn corrupted_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = sample_file().to_vec();
        for (at, byte) in edits {
            let i = at.index(file.len());
            file[i] = byte;
        }
        let len = file.len();
        file.truncate(len - cut.index(len / 4 + 1));
        if let Ok(img) = jp2::decode(&file) {
            prop_assert!(img.width() <= 4000 && img.height() <= 4000);
        }
    }
}
