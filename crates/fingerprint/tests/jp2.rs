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

/// A file of the repository's test data (tests/data).
fn test_data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Per channel (R, G, B): mean absolute difference and mean of each picture.
fn channel_stats(a: &[u8], b: &[u8]) -> [(f64, f64, f64); 3] {
    let n = (a.len() / 3) as f64;
    let mut out = [(0.0, 0.0, 0.0); 3];
    for (pa, pb) in a.chunks(3).zip(b.chunks(3)) {
        for c in 0..3 {
            out[c].0 += (f64::from(pa[c]) - f64::from(pb[c])).abs() / n;
            out[c].1 += f64::from(pa[c]) / n;
            out[c].2 += f64::from(pb[c]) / n;
        }
    }
    out
}

/// A chip portrait as another issuer's software writes it: tests/data/portrait.jp2 is
/// tests/data/portrait.jpg made into a colour JP2 file (sRGB, 9/7 wavelet with the colour
/// transform, 20:1) by Pillow on OpenJPEG. It decodes to RGB of the same size and the same
/// colours as the JPEG it came from, channel by channel, so red and blue are not swapped
/// and nothing is shown grey.
#[test]
fn a_colour_portrait_decodes_to_its_colours() {
    let pic = jp2::decode_rgb(&test_data("portrait.jp2")).unwrap();
    let jpeg =
        image::load_from_memory_with_format(&test_data("portrait.jpg"), image::ImageFormat::Jpeg)
            .unwrap()
            .into_rgb8();
    assert_eq!((pic.width, pic.height), jpeg.dimensions());
    assert_eq!(pic.rgb.len(), 300 * 400 * 3);
    let stats = channel_stats(&pic.rgb, jpeg.as_raw());
    for (c, (mad, mean, want)) in stats.iter().enumerate() {
        assert!(*mad < 6.0, "channel {c}: mean difference {mad:.2}");
        assert!(
            (mean - want).abs() < 2.0,
            "channel {c}: mean {mean:.1}, JPEG {want:.1}"
        );
    }
    // The portrait is a colour one: its red and blue means are far apart.
    assert!((stats[0].2 - stats[2].2).abs() > 20.0, "{stats:?}");
    // Not a fingerprint: the grey decoder says what it found.
    assert!(matches!(
        jp2::decode(&test_data("portrait.jp2")),
        Err(Jp2Error::NotGrey { components: 3, .. })
    ));
}

/// A grey raw codestream (tests/data/portrait-grey.j2k, Pillow on OpenJPEG) shows as grey,
/// with the grey decoder's values.
#[test]
fn a_grey_codestream_shows_grey() {
    let bytes = test_data("portrait-grey.j2k");
    let pic = jp2::decode_rgb(&bytes).unwrap();
    let grey = jp2::decode(&bytes).unwrap();
    assert_eq!((pic.width, pic.height), (grey.width(), grey.height()));
    assert!(pic
        .rgb
        .chunks(3)
        .zip(grey.pixels())
        .all(|(p, g)| p == [*g, *g, *g]));
}

/// A YCC colour space would show in wrong colours: refused, with what it is.
#[test]
fn ycc_colour_spaces_are_refused_not_shown_wrong() {
    let mut file = test_data("portrait.jp2");
    // The colour specification box: method 1 (enumerated), precedence, approximation, then
    // the enumerated colour space, 16 (sRGB); 18 is sYCC (15444-1 I.5.3.3).
    let at = file.windows(4).position(|w| w == b"colr").unwrap() + 4;
    assert_eq!(file[at..at + 7], [1, 0, 0, 0, 0, 0, 16]);
    file[at + 6] = 18;
    assert!(matches!(
        jp2::decode_rgb(&file),
        Err(Jp2Error::NotColour {
            components: 3,
            colour_space: 3,
            ..
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
        let _ = jp2::decode_rgb(&bytes);
    }

    #[test]
    fn corrupted_colour_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
    ) {
        static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let mut file = FILE.get_or_init(|| test_data("portrait.jp2")).clone();
        for (at, byte) in edits {
            let i = at.index(file.len());
            file[i] = byte;
        }
        let len = file.len();
        file.truncate(len - cut.index(len / 4 + 1));
        if let Ok(pic) = jp2::decode_rgb(&file) {
            prop_assert!(pic.width <= 4000 && pic.height <= 4000);
            prop_assert_eq!(pic.rgb.len(), pic.width as usize * pic.height as usize * 3);
        }
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
