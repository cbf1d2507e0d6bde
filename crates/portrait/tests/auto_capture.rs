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
    assert_eq!(p.eyes, ((135, 216), (225, 216)));
    assert_eq!(p.eyes, token_eyes(360));
    assert!(p.quality >= 50, "quality {}", p.quality);
    // Checking the crop again finds the eyes where the record says they are.
    let tok = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
    let again = a.analyze(tok.width(), tok.height(), tok.as_raw());
    let e = again.eyes.expect("eyes in the token image");
    for ((x, y), (ex, ey)) in [(e.right, p.eyes.0), (e.left, p.eyes.1)] {
        assert!(
            (x - ex as f32).abs() < 6.0 && (y - ey as f32).abs() < 6.0,
            "{e:?}"
        );
    }
    // The 19794-5 record carries the same eyes.
    let fi = p.face_image().unwrap();
    assert_eq!(fi.eyes(), Some(p.eyes));
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
    // No face at all: nothing to crop.
    let (img, r) = frame(&mut a, "fail-face_count-no_face.jpg");
    assert_eq!(
        AutoCapture::manual(&img, &r, "x", &spec).unwrap_err(),
        PortraitError::NoFace
    );
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
