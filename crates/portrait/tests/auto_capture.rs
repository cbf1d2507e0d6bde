//! Auto-capture, manual capture and the token output on the derived test images.
use portrait::{
    capture, read_image, token_eyes, Analyzer, AutoCapture, CaptureKind, CaptureSettings, CheckId,
    OutputSpec, PortraitError,
};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

fn path(name: &str) -> PathBuf {
    PathBuf::from(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR")))
}

fn frame(a: &mut Analyzer, name: &str) -> (image::RgbImage, portrait::Analysis) {
    let img = read_image(&path(name)).unwrap();
    let r = a.analyze(img.width(), img.height(), img.as_raw());
    (img, r)
}

#[test]
fn k_compliant_frames_in_a_row_give_the_sharpest_and_a_failure_starts_over() {
    let mut a = Analyzer::default();
    let clean = ["clean.jpg", "clean-mirrored.jpg", "clean-closer.jpg"].map(|n| frame(&mut a, n));
    let sharpest = clean
        .iter()
        .map(|(_, r)| r.sharpness())
        .fold(0.0f32, f32::max);
    let mut auto = AutoCapture::new(3);
    assert!(auto.push(clean[0].0.clone(), clean[0].1.clone()).is_none());
    assert!(auto.push(clean[1].0.clone(), clean[1].1.clone()).is_none());
    // A masked frame breaks the run.
    let (m, mr) = frame(&mut a, "fail-lower_face-mask-blue.jpg");
    assert!(auto.push(m, mr).is_none());
    assert_eq!(auto.run_length(), 0);
    let mut got = None;
    for (img, r) in clean.iter().cloned() {
        got = auto.push(img, r);
    }
    let (_, best) = got.expect("captured after 3 in a row");
    assert_eq!(best.sharpness(), sharpest);
    assert!(best.passed());
}

#[test]
fn token_jpeg_fits_the_budget_with_the_eyes_where_19794_5_puts_them() {
    let mut a = Analyzer::default();
    let (img, r) = frame(&mut a, "clean.jpg");
    let spec = OutputSpec::default();
    let p = portrait::make_portrait(&img, &r, &spec, CaptureKind::Auto { frames: 1 }).unwrap();
    assert!(p.jpeg.len() <= 20 * 1024, "{} bytes", p.jpeg.len());
    assert_eq!((p.width, p.height), (360, 480));
    assert_eq!(p.eyes, Some(((135, 216), (225, 216))));
    assert_eq!(p.eyes, Some(token_eyes(360)));
    assert_eq!(p.image_type, iso19794::FaceImageType::TokenFrontal);
    assert!(p.quality >= 50, "quality {}", p.quality);
    // Checking the crop again finds the eyes where the record says they are.
    let tok = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
    let again = a.analyze(tok.width(), tok.height(), tok.as_raw());
    let e = again.eyes.expect("eyes in the token image");
    let (right, left) = p.eyes.unwrap();
    for ((x, y), (ex, ey)) in [(e.right, right), (e.left, left)] {
        assert!(
            (x - ex as f32).abs() < 6.0 && (y - ey as f32).abs() < 6.0,
            "{e:?}"
        );
    }
    // The 19794-5 record carries the same eyes.
    let fi = p.face_image().unwrap();
    assert_eq!(fi.eyes(), p.eyes);
    assert_eq!(fi.image_type, iso19794::FaceImageType::TokenFrontal);
    assert_eq!((fi.width, fi.height), (360, 480));
    // The full frame is kept as is for the local record.
    let full = image::load_from_memory(&p.full_frame_jpeg).unwrap();
    assert_eq!((full.width(), full.height()), (640, 480));
    // A tighter budget lowers the quality; an impossible one is refused.
    let small = OutputSpec {
        budget: 12 * 1024,
        ..OutputSpec::default()
    };
    let q = portrait::make_portrait(&img, &r, &small, CaptureKind::Auto { frames: 1 }).unwrap();
    assert!(q.jpeg.len() <= 12 * 1024 && q.quality < p.quality);
    let tiny = OutputSpec {
        budget: 500,
        ..OutputSpec::default()
    };
    assert!(matches!(
        portrait::make_portrait(&img, &r, &tiny, CaptureKind::Auto { frames: 1 }),
        Err(PortraitError::OverBudget { budget: 500, .. })
    ));
}

#[test]
fn rolled_head_is_levelled_in_the_crop() {
    let mut a = Analyzer::default();
    let (img, r) = frame(&mut a, "fail-roll-rotated.jpg");
    let p = AutoCapture::manual(
        &img,
        &r,
        "officer: applicant cannot hold head straight",
        &OutputSpec::default(),
    )
    .unwrap();
    let tok = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
    let again = a.analyze(tok.width(), tok.height(), tok.as_raw());
    let roll = again.eyes.expect("eyes").roll();
    assert!(roll.abs() < 3.0, "roll {roll}");
}

#[test]
fn manual_capture_needs_a_reason_and_keeps_it_with_the_failed_checks() {
    let mut a = Analyzer::default();
    let (img, r) = frame(&mut a, "fail-lighting-one_side.jpg");
    let spec = OutputSpec::default();
    assert_eq!(
        AutoCapture::manual(&img, &r, "  ", &spec).unwrap_err(),
        PortraitError::NoReason
    );
    let p = AutoCapture::manual(&img, &r, " lamp broken, approved by supervisor ", &spec).unwrap();
    assert_eq!(
        p.capture,
        CaptureKind::Manual {
            reason: "lamp broken, approved by supervisor".into()
        }
    );
    assert!(p
        .checks
        .iter()
        .any(|c| c.id == CheckId::Lighting && c.outcome == portrait::Outcome::Fail));
    assert_eq!(p.image_type, iso19794::FaceImageType::TokenFrontal);
}

#[test]
fn manual_capture_without_a_face_keeps_the_centred_full_frontal_crop() {
    let mut a = Analyzer::default();
    let (img, r) = frame(&mut a, "fail-face_count-no_face.jpg");
    assert!(r.faces.is_empty() && r.eyes.is_none());
    let spec = OutputSpec::default();
    // Auto-capture has nothing to crop around.
    assert_eq!(
        portrait::make_portrait(&img, &r, &spec, CaptureKind::Auto { frames: 1 }).unwrap_err(),
        PortraitError::NoFace
    );
    // The officer's capture is exactly for when the checks fail: the centre of the frame,
    // 3:4, as a full frontal image without made-up eye points, the reason kept.
    let reason = "applicant's face hidden by a bandage, approved by supervisor";
    let p = AutoCapture::manual(&img, &r, reason, &spec).unwrap();
    assert_eq!(p.image_type, iso19794::FaceImageType::FullFrontal);
    assert_eq!(p.eyes, None);
    assert_eq!(
        p.capture,
        CaptureKind::Manual {
            reason: reason.into()
        }
    );
    assert!(p
        .checks
        .iter()
        .any(|c| c.id == CheckId::FaceCount && c.outcome == portrait::Outcome::Fail));
    assert_eq!((p.width, p.height), (360, 480));
    assert!(p.jpeg.len() <= spec.budget, "{} bytes", p.jpeg.len());
    let fi = p.face_image().unwrap();
    assert_eq!(fi.image_type, iso19794::FaceImageType::FullFrontal);
    assert!(fi.feature_points.is_empty() && fi.feature_mask == 0);
    // The crop is the middle of the 640x480 frame (its 360x480 centre, scale 1): the
    // pixels match the frame's centre columns.
    let got = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
    let want = portrait::centred_crop(&img, 360);
    assert_eq!(want.dimensions(), (360, 480));
    let centre = image::imageops::crop_imm(&img, 140, 0, 360, 480).to_image();
    assert_eq!(want, centre);
    let diff: f64 = got
        .as_raw()
        .iter()
        .zip(centre.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).abs())
        .sum::<f64>()
        / got.as_raw().len() as f64;
    assert!(diff < 6.0, "mean difference {diff}");
    // Odd shapes still give a 3:4 crop.
    for (w, h) in [(1, 1), (3000, 10), (10, 3000), (641, 479)] {
        let c = portrait::centred_crop(&image::RgbImage::new(w, h), 120);
        assert_eq!(c.dimensions(), (120, 160), "{w}x{h}");
    }
}

#[test]
fn capture_with_a_manual_reason_takes_the_first_frame_after_its_checks() {
    let files = ["fail-face_count-no_face.jpg", "clean.jpg"]
        .map(path)
        .to_vec();
    let settings = CaptureSettings {
        manual_reason: Some("camera fault, approved".into()),
        ..CaptureSettings::default()
    };
    let mut seen = Vec::new();
    let p = capture(
        Box::new(camera::VirtualCamera::from_files(files.clone(), 0.0)),
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |a| seen.push(a.failed()),
    )
    .unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains(&CheckId::FaceCount));
    assert_eq!(p.image_type, iso19794::FaceImageType::FullFrontal);
    assert_eq!(
        p.capture,
        CaptureKind::Manual {
            reason: "camera fault, approved".into()
        }
    );
    // A blank reason is refused before the camera is touched.
    let settings = CaptureSettings {
        manual_reason: Some(" ".into()),
        ..CaptureSettings::default()
    };
    let e = capture(
        Box::new(camera::VirtualCamera::from_dir("/nonexistent", 0.0)),
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |_| {},
    )
    .unwrap_err();
    assert_eq!(e, PortraitError::NoReason);
}

#[test]
fn capture_from_a_virtual_camera_skips_failing_frames_and_takes_the_run() {
    let files = [
        "fail-lower_face-mask-blue.jpg",
        "clean.jpg",
        "fail-sharpness-blurred.jpg",
        "clean.jpg",
        "clean-mirrored.jpg",
        "clean.jpg",
    ]
    .map(path)
    .to_vec();
    let cam = camera::VirtualCamera::from_files(files.clone(), 0.0);
    let settings = CaptureSettings {
        k: 3,
        ..CaptureSettings::default()
    };
    let mut seen = 0;
    let p = capture(
        Box::new(cam),
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |_| seen += 1,
    )
    .unwrap();
    assert_eq!(seen, 6);
    assert_eq!(p.capture, CaptureKind::Auto { frames: 3 });
    // Never three in a row: the stream ends without a portrait, saying why.
    let cam = camera::VirtualCamera::from_files(files[..4].to_vec(), 0.0);
    let e = capture(
        Box::new(cam),
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(e, PortraitError::NoCompliantFrame { frames: 4, .. }),
        "{e}"
    );
    // A camera that is not there.
    let e = capture(
        Box::new(camera::VirtualCamera::from_dir("/nonexistent", 0.0)),
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |_| {},
    )
    .unwrap_err();
    assert!(matches!(
        e,
        PortraitError::Camera(camera::CameraError::NotFound { .. })
    ));
    assert!(e.to_string().contains(" / "));
    // Cancelled before anything.
    let cam = camera::VirtualCamera::from_files(files, 1.0);
    let e = capture(
        Box::new(cam),
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(true),
        |_| {},
    )
    .unwrap_err();
    assert_eq!(e, PortraitError::Cancelled);
}
