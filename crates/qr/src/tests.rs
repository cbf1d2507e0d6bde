use super::*;
use proptest::prelude::*;

#[path = "../testsupport/render.rs"]
mod render;
use render::{frame, Placement};

const W: usize = 640;
const H: usize = 480;

/// What a citizen card's QR code holds (ID | former ID | name | birth | sex | address | issue).
const CARD: &str = "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội|20112026";

fn decode(p: Placement, seed: u64) -> Result<Vec<String>, QrError> {
    decode_luma(W, H, &frame(CARD, W, H, p, seed))
}

#[test]
fn a_card_code_in_a_vga_frame_decodes_to_its_utf8_text() {
    assert_eq!(
        decode(Placement::centred(W, H, 3.0), 1),
        Ok(vec![CARD.to_string()])
    );
}

#[test]
fn rotated_codes_decode() {
    for degrees in [7.0, 30.0, 45.0, 90.0, 135.0, 180.0, 212.0, 270.0, 333.0] {
        let p = Placement {
            degrees,
            ..Placement::centred(W, H, 3.0)
        };
        assert_eq!(
            decode(p, 2),
            Ok(vec![CARD.to_string()]),
            "{degrees} degrees"
        );
    }
}

#[test]
fn scaled_and_off_centre_codes_decode() {
    // Not 2.5 px: with module edges exactly mid-pixel everywhere (this renderer's 3 × 3
    // samples make every edge pixel the same grey) no frame position decodes; 2.25 and 2.75
    // do. README notes it.
    for (module, centre) in [
        (2.0, (150.0, 120.0)),
        (2.25, (500.0, 300.0)),
        (2.75, (180.0, 330.0)),
        (4.0, (320.0, 240.0)),
        (5.5, (330.0, 250.0)),
    ] {
        let p = Placement {
            centre,
            ..Placement::centred(W, H, module)
        };
        assert_eq!(
            decode(p, 3),
            Ok(vec![CARD.to_string()]),
            "module {module} px at {centre:?}"
        );
    }
}

#[test]
fn noisy_unevenly_lit_codes_decode() {
    for (noise, gradient, degrees, seed) in [
        (12.0, 0.0, 0.0, 4),
        (20.0, 60.0, 15.0, 5),
        (25.0, 90.0, 100.0, 6),
    ] {
        let p = Placement {
            noise,
            gradient,
            degrees,
            ..Placement::centred(W, H, 3.5)
        };
        assert_eq!(
            decode(p, seed),
            Ok(vec![CARD.to_string()]),
            "noise {noise}, gradient {gradient}, {degrees} degrees"
        );
    }
}

#[test]
fn two_codes_in_one_frame_both_decode() {
    let a = frame(
        "HEALTH|A",
        W,
        H,
        Placement {
            centre: (160.0, 240.0),
            ..Placement::centred(W, H, 4.0)
        },
        7,
    );
    let b = frame(
        "HEALTH|B",
        W,
        H,
        Placement {
            centre: (480.0, 240.0),
            ..Placement::centred(W, H, 4.0)
        },
        7,
    );
    // Left half from one frame, right half from the other.
    let both: Vec<u8> = a
        .chunks(W)
        .zip(b.chunks(W))
        .flat_map(|(ra, rb)| {
            ra[..W / 2]
                .iter()
                .chain(&rb[W / 2..])
                .copied()
                .collect::<Vec<_>>()
        })
        .collect();
    let mut got = decode_luma(W, H, &both).unwrap();
    got.sort();
    assert_eq!(got, vec!["HEALTH|A".to_string(), "HEALTH|B".to_string()]);
}

#[test]
fn a_frame_without_a_code_says_so_in_both_languages() {
    let blank = vec![200u8; W * H];
    let e = decode_luma(W, H, &blank).unwrap_err();
    assert_eq!(e, QrError::NoCode);
    let msg = e.to_string();
    assert!(msg.contains("không tìm thấy mã QR") && msg.contains("no QR code found"));
    let mut rng = render::Rng::new(9);
    let noise: Vec<u8> = (0..W * H).map(|_| rng.next_u64() as u8).collect();
    assert!(decode_luma(W, H, &noise).is_err());
}

#[test]
fn a_code_with_its_data_wiped_is_found_but_unreadable() {
    let p = Placement::centred(W, H, 4.0);
    let mut f = frame(CARD, W, H, p, 10);
    // Paint the middle of the code white: the finder patterns stay, the data is gone
    // beyond what error correction level M (about 15%) restores.
    let (n, m) = (render::modules(CARD).1 as f32, 4.0);
    let half = n * m / 2.0;
    let (cx, cy) = (W as f32 / 2.0, H as f32 / 2.0);
    for y in (cy - half * 0.45) as usize..(cy + half * 0.45) as usize {
        for x in (cx - half * 0.6) as usize..(cx + half * 0.9) as usize {
            f[y * W + x] = 225;
        }
    }
    let e = decode_luma(W, H, &f).unwrap_err();
    assert!(matches!(e, QrError::Unreadable { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("không đọc được") && msg.contains("cannot be read"),
        "{msg}"
    );
}

#[test]
fn frames_whose_size_does_not_match_their_bytes_are_refused() {
    assert!(matches!(
        decode_luma(640, 480, &[0u8; 100]),
        Err(QrError::BadFrame { .. })
    ));
    assert!(matches!(
        decode_luma(0, 0, &[]),
        Err(QrError::BadFrame { .. })
    ));
    assert!(matches!(
        decode_luma(usize::MAX, 2, &[0u8; 4]),
        Err(QrError::BadFrame { .. })
    ));
}

#[test]
fn a_large_frame_is_downscaled_and_still_decodes() {
    let (w, h) = (3000, 2000);
    let p = Placement {
        degrees: 20.0,
        ..Placement::centred(w, h, 9.0)
    };
    let f = frame(CARD, w, h, p, 11);
    assert_eq!(decode_luma(w, h, &f), Ok(vec![CARD.to_string()]));
}

fn encode(f: &[u8], w: usize, h: usize, format: image::ImageFormat) -> Vec<u8> {
    let img = image::GrayImage::from_raw(w as u32, h as u32, f.to_vec()).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn png_and_jpeg_files_decode() {
    let p = Placement {
        degrees: 10.0,
        ..Placement::centred(W, H, 3.0)
    };
    let f = frame(CARD, W, H, p, 12);
    let dir = std::env::temp_dir().join(format!("qr-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [
        (image::ImageFormat::Png, "card.png"),
        (image::ImageFormat::Jpeg, "card.jpg"),
    ] {
        let bytes = encode(&f, W, H, format);
        assert_eq!(
            decode_image_bytes(&bytes),
            Ok(vec![CARD.to_string()]),
            "{name}"
        );
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            decode_image_file(&path),
            Ok(vec![CARD.to_string()]),
            "{name}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn undecodable_truncated_missing_and_oversized_images_give_clear_errors() {
    let e = decode_image_bytes(b"this is not an image").unwrap_err();
    assert!(matches!(e, QrError::Image(_)), "{e:?}");
    assert!(e.to_string().contains("PNG or JPEG"), "{e}");

    let png = encode(
        &frame(CARD, W, H, Placement::centred(W, H, 3.0), 13),
        W,
        H,
        image::ImageFormat::Png,
    );
    let e = decode_image_bytes(&png[..png.len() / 2]).unwrap_err();
    assert!(matches!(e, QrError::Image(_)), "{e:?}");

    let e = decode_image_file(Path::new("/nonexistent/qr.png")).unwrap_err();
    assert!(matches!(e, QrError::File { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/qr.png"));

    // A 9000 × 1 PNG: tiny file, too wide.
    let wide = encode(&vec![255u8; 9000], 9000, 1, image::ImageFormat::Png);
    let e = decode_image_bytes(&wide).unwrap_err();
    assert!(matches!(e, QrError::TooLarge(_)), "{e:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any bytes as a frame: an answer, never a panic.
    #[test]
    fn any_frame_bytes_never_panic(w in 1usize..160, h in 1usize..160, seed in any::<u64>()) {
        let mut rng = render::Rng::new(seed);
        let f: Vec<u8> = (0..w * h).map(|_| if rng.unit() < 0.5 { 0 } else { 255 }).collect();
        let _ = decode_luma(w, h, &f);
    }

    /// A real code with random pixels flipped: decoded, unreadable or not found; no panic.
    #[test]
    fn damaged_codes_never_panic(flips in proptest::collection::vec((0usize..W * H, any::<u8>()), 0..4000)) {
        let mut f = frame(CARD, W, H, Placement::centred(W, H, 2.0), 14);
        for (at, v) in flips {
            f[at] = v;
        }
        match decode_luma(W, H, &f) {
            Ok(texts) => prop_assert!(texts.iter().all(|t| !t.is_empty())),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Any bytes as an image file: a clear error, never a panic.
    #[test]
    fn any_file_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(decode_image_bytes(&bytes).is_err());
    }

    /// A real PNG with bytes changed: never a panic.
    #[test]
    fn mutated_png_never_panics(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut png = encode(&frame("X|Y", 120, 120, Placement::centred(120, 120, 3.0), 15), 120, 120, image::ImageFormat::Png);
        for (i, v) in edits {
            let at = i.index(png.len());
            png[at] = v;
        }
        let _ = decode_image_bytes(&png);
    }
}
