//! The officer's manual capture works when the checks fail, including when no face is found:
//! the station's portrait step takes the frame (a centred full frontal crop, no eye points)
//! with the reason, instead of waiting for a face that never comes.

mod common;

use common::StationFile;
use std::sync::atomic::AtomicBool;
use workflow::Devices;

#[test]
fn a_manual_capture_without_a_face_is_taken_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("frames")).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../portrait/testdata/fail-face_count-no_face.jpg"
        ),
        dir.path().join("frames/0.jpg"),
    )
    .unwrap();
    let config = StationFile::new("T01").load(dir.path());
    let devices = Devices::real(&config);
    let mut previews = 0;
    let p = devices
        .portrait(
            &config,
            Some("mặt bị băng / face bandaged".into()),
            &AtomicBool::new(false),
            |_| previews += 1,
        )
        .unwrap_or_else(|m| panic!("{} / {}", m.vi, m.en));
    assert_eq!(previews, 1);
    assert_eq!(p.eyes, None);
    assert_eq!(
        p.manual_reason.as_deref(),
        Some("mặt bị băng / face bandaged")
    );
    assert!(
        p.failed_checks.iter().any(|c| c == "face_count"),
        "{:?}",
        p.failed_checks
    );
    let img = image::load_from_memory(&p.token_jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (360, 480));
    assert!(p.token_jpeg.len() <= 20 * 1024);
}
