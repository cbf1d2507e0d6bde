//! The workflow built with its default features (as the station app `station` and
//! `idstation` build it) carries the webcam driver: a `v4l:N` camera that is not plugged in
//! is "not found", never "this build has no webcam driver". The station app once built the
//! camera crate without nokhwa, and every real webcam gave BackendMissing.

mod common;

use common::StationFile;
use std::sync::atomic::AtomicBool;
use workflow::Devices;

#[test]
fn a_missing_webcam_is_not_found_rather_than_no_driver() {
    let dir = tempfile::tempdir().unwrap();
    // A camera number no machine here has (these machines have no /dev/video* at all).
    assert!(!std::path::Path::new("/dev/video63").exists());
    let config = StationFile::new("T01").camera("v4l:63").load(dir.path());
    let devices = Devices::real(&config);
    // The portrait step, as the station runs it: open, start on the capture worker.
    let e = devices
        .portrait(&config, None, &AtomicBool::new(false), |_| {})
        .unwrap_err();
    assert!(e.error);
    assert!(e.en.contains("Camera v4l:63 not found"), "{}", e.en);
    assert!(e.en.contains("/dev/video63"), "{}", e.en);
    assert!(e.vi.contains("Không tìm thấy camera v4l:63"), "{}", e.vi);
    assert!(!e.en.contains("no webcam driver"), "{}", e.en);
}
