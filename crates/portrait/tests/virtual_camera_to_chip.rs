//! End to end: the virtual camera plays a folder of frames, auto-capture takes the
//! portrait, its token JPEG and eye positions go into DG2 of a card built with chip::build,
//! personalized on the in-process virtual chip, and read back through BAC.
use portrait::{capture, Analyzer, CaptureKind, CaptureSettings};
use std::sync::atomic::AtomicBool;

fn data(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/");
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn virtual_camera_auto_capture_goes_into_dg2_and_reads_back() {
    // A camera folder: the applicant with a mask on, then taking it off and holding still.
    let cam_dir = tempfile::tempdir().unwrap();
    let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/");
    for (i, name) in [
        "fail-lower_face-mask-blue.jpg",
        "fail-lower_face-mask-blue.jpg",
        "fail-sharpness-blurred.jpg",
        "clean.jpg",
        "clean-mirrored.jpg",
        "clean.jpg",
        "clean.jpg",
    ]
    .iter()
    .enumerate()
    {
        std::fs::copy(
            format!("{testdata}{name}"),
            cam_dir.path().join(format!("{i:03}.jpg")),
        )
        .unwrap();
    }
    let cam = camera::open(&format!("virtual:{}", cam_dir.path().display())).unwrap();
    let settings = CaptureSettings {
        k: 3,
        ..CaptureSettings::default()
    };
    let mut failures = Vec::new();
    let p = capture(
        cam,
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |a| failures.push(a.failed()),
    )
    .unwrap();
    assert_eq!(p.capture, CaptureKind::Auto { frames: 3 });
    assert!(failures[0].contains(&portrait::CheckId::LowerFace));
    assert!(p.jpeg.len() <= 20 * 1024);

    // The card, as chip's in-process tests build it.
    let record =
        citizen::CitizenRecord::from_json(&String::from_utf8(data("record.json")).unwrap())
            .unwrap();
    let bio = chip::Biometrics {
        portrait_jpeg: p.jpeg.clone(),
        face_image_type: p.image_type,
        eyes: p.eyes,
        fingers: vec![
            iso19794::FingerRecord::from_png(
                iso19794::FingerPosition::RightIndex,
                80,
                data("fingers/right-index.png"),
            )
            .unwrap(),
            iso19794::FingerRecord::from_png(
                iso19794::FingerPosition::LeftIndex,
                75,
                data("fingers/left-index.png"),
            )
            .unwrap(),
        ],
    };
    let pki = pki::generate_test_pki("VN", "test", time::OffsetDateTime::now_utc()).unwrap();
    let signer = pki::DocumentSigner::from_pkcs8(&pki.ds_key_pkcs8, &pki.ds_cert_der).unwrap();
    let profile = profiles::Profile::load("vn-citizen-card").unwrap();
    let doc = chip::build(
        &record,
        &bio,
        &profile,
        &signer,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let mut card = vchip::InProcessCard::new(
        vchip::VirtualChip::blank(profile.clone()),
        vchip::Faults::none(),
    );
    let trust = chip::ReadOptions::new(vec![pki.csca_cert_der.clone()]);
    let report = chip::personalize(&mut card, &profile, &doc, &trust).unwrap();
    let reading = &report.reading;
    assert_eq!(
        reading.verdict(),
        chip::Verdict::Verified,
        "{:?}",
        reading.checks
    );
    assert_eq!(reading.portrait.as_deref(), Some(p.jpeg.as_slice()));
    let dg2 = lds::parse_dg2(reading.file("DG2").expect("DG2 read")).unwrap();
    let face = &dg2[0].images[0];
    assert_eq!(face.eyes(), p.eyes);
    assert_eq!(face.eyes(), Some(((135, 216), (225, 216))));
    assert_eq!((face.width, face.height), (p.width as u16, p.height as u16));
    // The card's DG2 calls the token crop what it is: Token Frontal, code 2 (19794-5
    // §5.7.1), with the subject's left eye (on the image's right, x 225) as feature point
    // 12.1 and the right eye (x 135) as 12.2 (§5.6.4).
    assert_eq!(face.image_type, iso19794::FaceImageType::TokenFrontal);
    assert_eq!(face.image_type.code(), 2);
    let points: Vec<(u8, u8, u16, u16)> = face
        .feature_points
        .iter()
        .map(|f| (f.kind, f.code, f.x, f.y))
        .collect();
    assert_eq!(points, [(1, 0xC1, 225, 216), (1, 0xC2, 135, 216)]);

    // A fresh read of the locked card gives the same portrait.
    card.reinsert();
    let again = chip::read_card(&mut card, &doc.bac.mrz_information().unwrap(), &trust).unwrap();
    assert_eq!(again.portrait.as_deref(), Some(p.jpeg.as_slice()));
}

/// The officer's manual capture of a frame where no face was found goes onto the card as
/// what it is: a full frontal image (19794-5 §5.7.1, code 1) without eye feature points.
#[test]
fn a_manual_capture_without_a_face_goes_into_dg2_as_full_frontal() {
    let cam_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/fail-face_count-no_face.jpg"
        ),
        cam_dir.path().join("0.jpg"),
    )
    .unwrap();
    let cam = camera::open(&format!("virtual:{}", cam_dir.path().display())).unwrap();
    let settings = CaptureSettings {
        manual_reason: Some("face not detected, checked by supervisor".into()),
        ..CaptureSettings::default()
    };
    let p = capture(
        cam,
        &mut Analyzer::default(),
        &settings,
        &AtomicBool::new(false),
        |_| {},
    )
    .unwrap();
    let record =
        citizen::CitizenRecord::from_json(&String::from_utf8(data("record.json")).unwrap())
            .unwrap();
    let bio = chip::Biometrics {
        portrait_jpeg: p.jpeg.clone(),
        face_image_type: p.image_type,
        eyes: p.eyes,
        fingers: Vec::new(),
    };
    let pki = pki::generate_test_pki("VN", "test", time::OffsetDateTime::now_utc()).unwrap();
    let signer = pki::DocumentSigner::from_pkcs8(&pki.ds_key_pkcs8, &pki.ds_cert_der).unwrap();
    let profile = profiles::Profile::load("vn-citizen-card").unwrap();
    let doc = chip::build(
        &record,
        &bio,
        &profile,
        &signer,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let mut card = vchip::InProcessCard::new(
        vchip::VirtualChip::blank(profile.clone()),
        vchip::Faults::none(),
    );
    let trust = chip::ReadOptions::new(vec![pki.csca_cert_der.clone()]);
    let report = chip::personalize(&mut card, &profile, &doc, &trust).unwrap();
    assert_eq!(report.reading.portrait.as_deref(), Some(p.jpeg.as_slice()));
    let dg2 = lds::parse_dg2(report.reading.file("DG2").expect("DG2 read")).unwrap();
    let face = &dg2[0].images[0];
    assert_eq!(face.image_type, iso19794::FaceImageType::FullFrontal);
    assert_eq!(face.image_type.code(), 1);
    assert!(face.feature_points.is_empty());
    assert_eq!(face.eyes(), None);
    assert_eq!((face.width, face.height), (360, 480));
}
