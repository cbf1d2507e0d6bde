//! A demo station's virtual applicant (`virtual_applicant_seed`): when the engine captures a
//! finger through libfprint's real virtual_image sensor, the applicant puts a synthetic print
//! of that finger on it. Own test binary: FP_VIRTUAL_IMAGE must be set before libfprint
//! starts in this process.

mod common;

use std::time::Duration;

use common::{first_run, record, StationFile};
use workflow::{Devices, Intent, Step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virtual_applicant_puts_the_asked_finger_on_the_virtual_sensor() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("FP_VIRTUAL_IMAGE", dir.path().join("fp.sock"));
    let config = StationFile::new("T02")
        .repo_frames()
        .two_fingers()
        .line("virtual_applicant_seed = 7")
        .load(dir.path());
    let devices = Devices::real(&config);
    assert!(devices.virtual_applicant.is_some());
    let h = common::start(dir.path(), config, devices);
    let t = Duration::from_secs(60);
    first_run(&h, t).await;
    h.run(Intent::NewApplicant, t).await.unwrap();
    h.run(Intent::CheckInQr("KBYT".into()), t).await.unwrap();
    h.run(Intent::Next, t).await.unwrap();
    let s = h
        .run(Intent::SubmitRecord(Box::new(record())), t)
        .await
        .unwrap();
    assert!(s.validation.is_empty(), "{:?}", s.validation);
    h.run(Intent::Next, t).await.unwrap();
    let s = h.run(Intent::CapturePortrait, t).await.unwrap();
    assert!(
        s.enrollment.as_ref().unwrap().portrait.is_some(),
        "{:?}",
        s.message
    );
    let s = h.run(Intent::Next, t).await.unwrap();
    assert_eq!(s.enrollment.as_ref().unwrap().step, Step::Fingerprints);
    for code in [2u8, 7] {
        let s = h.run(Intent::CaptureFinger, t).await.unwrap();
        let e = s.enrollment.clone().unwrap();
        let q = e.finger(code).and_then(|f| f.quality());
        assert!(q.is_some_and(|q| q >= 40), "finger {code}: {:?}", s.message);
    }
    let s = h.run(Intent::Next, t).await.unwrap();
    assert_eq!(s.enrollment.as_ref().unwrap().step, Step::Review);
    h.send(Intent::Shutdown);
}
