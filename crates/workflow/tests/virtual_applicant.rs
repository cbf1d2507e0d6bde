//! A demo station's virtual applicant (`virtual_applicant_seed`): when the engine captures a
//! finger through libfprint's real virtual_image sensor, the applicant puts a synthetic print
//! of that finger on it. Own test binary: FP_VIRTUAL_IMAGE must be set before libfprint
//! starts in this process.

use std::time::Duration;

use workflow::{Devices, Engine, Intent, Login, StationConfig, Step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virtual_applicant_puts_the_asked_finger_on_the_virtual_sensor() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("FP_VIRTUAL_IMAGE", dir.path().join("fp.sock"));
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = dir.path().join("station.toml");
    std::fs::write(
        &path,
        format!(
            "station_id = \"T02\"\nstation_name = \"Trạm thử\"\nreader = \"none\"\n\
             camera = \"virtual:{}\"\nprinter = \"none\"\nkeys = \"keys\"\noutput_dir = \"out\"\n\
             fingers = [\"right-index\", \"left-index\"]\nvirtual_applicant_seed = 7\n",
            repo.join("tests/data/frames").display()
        ),
    )
    .unwrap();
    let config = StationConfig::load(&path).unwrap();
    let devices = Devices::real(&config);
    assert!(devices.virtual_applicant.is_some());
    let h = Engine::start(
        config,
        devices,
        None,
        dir.path().join("vault.db"),
        accounts::Policy::default(),
    );
    let t = Duration::from_secs(60);
    let s = h
        .run(
            Intent::FirstRun {
                supervisor: "chief".into(),
                password: "supervisor-pass".into(),
            },
            t,
        )
        .await
        .unwrap();
    assert!(matches!(s.login, Login::LoggedIn { .. }));
    h.run(Intent::NewApplicant, t).await.unwrap();
    h.run(Intent::CheckInQr("KBYT".into()), t).await.unwrap();
    h.run(Intent::Next, t).await.unwrap();
    let record = citizen::CitizenRecord::from_json(
        &std::fs::read_to_string(repo.join("tests/data/record.json")).unwrap(),
    )
    .unwrap();
    let s = h
        .run(Intent::SubmitRecord(Box::new(record)), t)
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
