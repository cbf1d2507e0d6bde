//! Helpers shared by the workflow's integration tests: a station.toml in the test's scratch
//! folder, the engine on it, the first-run set-up, the repository's test record, and the
//! step checks every walk through an enrollment makes.

// Each test binary uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use workflow::{Devices, Engine, Handle, Intent, Login, Snapshot, StationConfig, Step};

/// How long one intent may take (the engine answers at once; device work is bounded).
pub const T: Duration = Duration::from_secs(30);

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A station.toml for a test: station `id`, no reader, no printer, the virtual camera on
/// the folder `frames` beside the file, keys in `keys`; the builder's methods change the
/// few lines a test needs otherwise.
pub struct StationFile {
    id: &'static str,
    camera: String,
    printer: &'static str,
    extra: String,
}

impl StationFile {
    pub fn new(id: &'static str) -> StationFile {
        StationFile {
            id,
            camera: "virtual:frames".into(),
            printer: "none",
            extra: String::new(),
        }
    }

    /// The camera, as station.toml names it (`virtual:DIR`, `v4l:N`).
    pub fn camera(mut self, spec: impl Into<String>) -> StationFile {
        self.camera = spec.into();
        self
    }

    /// The virtual camera on the repository's test frames (a portrait passes on them).
    pub fn repo_frames(self) -> StationFile {
        let frames = repo().join("tests/data/frames");
        self.camera(format!("virtual:{}", frames.display()))
    }

    pub fn printer(mut self, queue: &'static str) -> StationFile {
        self.printer = queue;
        self
    }

    /// Two fingers to take: the right and the left index.
    pub fn two_fingers(self) -> StationFile {
        self.line("fingers = [\"right-index\", \"left-index\"]")
    }

    /// One more line of the file, as written.
    pub fn line(mut self, line: &str) -> StationFile {
        self.extra.push_str(line);
        self.extra.push('\n');
        self
    }

    /// The file's text. `output_dir` is one the station accepts and ignores (older files
    /// name it).
    pub fn text(&self) -> String {
        format!(
            "station_id = \"{}\"\nstation_name = \"Trạm thử\"\nreader = \"none\"\n\
             camera = \"{}\"\nprinter = \"{}\"\nkeys = \"keys\"\noutput_dir = \"out\"\n{}",
            self.id, self.camera, self.printer, self.extra
        )
    }

    /// Writes `dir`/station.toml; returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("station.toml");
        std::fs::write(&path, self.text()).unwrap();
        path
    }

    /// Writes `dir`/station.toml and loads it as the station does.
    pub fn load(&self, dir: &Path) -> StationConfig {
        StationConfig::load(&self.write(dir)).unwrap()
    }
}

/// The engine on `config` and `devices`, its vault in `dir`, the default account policy.
pub fn start(dir: &Path, config: StationConfig, devices: Devices) -> Handle {
    start_with_policy(dir, config, devices, accounts::Policy::default())
}

pub fn start_with_policy(
    dir: &Path,
    config: StationConfig,
    devices: Devices,
    policy: accounts::Policy,
) -> Handle {
    Engine::start(config, devices, None, dir.join("vault.db"), policy)
}

/// The first-run set-up, answered within `t`: supervisor "chief", logged in.
pub async fn first_run(h: &Handle, t: Duration) -> Snapshot {
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
    assert!(matches!(s.login, Login::LoggedIn { .. }), "{:?}", s.message);
    s
}

/// The supervisor "chief" logs in (a restarted engine).
pub async fn log_in_chief(h: &Handle) -> Snapshot {
    h.run(
        Intent::Login {
            name: "chief".into(),
            password: "supervisor-pass".into(),
        },
        T,
    )
    .await
    .unwrap()
}

/// The repository's test applicant (tests/data/record.json).
pub fn record() -> citizen::CitizenRecord {
    citizen::CitizenRecord::from_json(
        &std::fs::read_to_string(repo().join("tests/data/record.json")).unwrap(),
    )
    .unwrap()
}

pub fn step(s: &Snapshot) -> Option<Step> {
    s.enrollment.as_ref().map(|e| e.step)
}

/// The engine answered, and the enrollment is at `want`.
#[track_caller]
pub fn at(s: Option<Snapshot>, want: Step) -> Snapshot {
    let s = s.expect("the engine answered in time");
    assert_eq!(step(&s), Some(want), "{:?}", s.message);
    s
}

/// A new applicant checked in by QR and taken to the data step. Returns the application
/// number.
pub async fn to_data_step(h: &Handle) -> String {
    let s = at(h.run(Intent::NewApplicant, T).await, Step::CheckIn);
    let id = s.enrollment.as_ref().unwrap().id.clone();
    h.run(Intent::CheckInQr("KBYT|ok".into()), T).await.unwrap();
    at(h.run(Intent::Next, T).await, Step::Data);
    id
}
