//! Prepares a station vault for a look at the app (ui/screenshot.sh): creates it with a
//! supervisor, opens an enrollment, checks the applicant in and saves the demo applicant's
//! 20 fields (tests/data/record.json), leaving the enrollment on the data step to resume.
//! With `--passphrase`, also writes test station keys (a fresh test CSCA and Document
//! Signer, the key encrypted under the passphrase) into the station's keys folder.
//!
//! ```text
//! cargo run -p station --example seed_station -- --station station.toml --vault FILE \
//!     --officer NAME --password PASSWORD --record REC.json [--passphrase P]
//! ```

use std::path::PathBuf;
use std::time::Duration;

use workflow::{Devices, Engine, Intent, Login, StationConfig, Step};

fn optional(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn arg(args: &[String], name: &str) -> String {
    optional(args, name).unwrap_or_else(|| panic!("{name} is required"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let station = PathBuf::from(arg(&args, "--station"));
    let vault = PathBuf::from(arg(&args, "--vault"));
    let officer = arg(&args, "--officer");
    let password = arg(&args, "--password");
    let record = std::fs::read_to_string(arg(&args, "--record")).expect("record file");
    let record = citizen::CitizenRecord::from_json(&record).expect("record");
    let config = StationConfig::load(&station).expect("station.toml");
    if let Some(pass) = optional(&args, "--passphrase") {
        let now = time::OffsetDateTime::now_utc();
        let p = pki::generate_test_pki("VN", "idstation screenshot", now).expect("test PKI");
        std::fs::create_dir_all(&config.keys).expect("keys folder");
        std::fs::write(config.keys.join("csca.der"), &p.csca_cert_der).expect("csca.der");
        std::fs::write(config.keys.join("ds.der"), &p.ds_cert_der).expect("ds.der");
        let key = pki::encrypt_private_key(&p.ds_key_pkcs8, pass.as_bytes()).expect("encrypt");
        std::fs::write(config.keys.join("ds-key.p8"), key).expect("ds-key.p8");
    }
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    rt.block_on(async move {
        let devices = Devices::real(&config);
        let h = Engine::start(config, devices, None, vault, accounts::Policy::default());
        let t = Duration::from_secs(30);
        h.send(Intent::FirstRun {
            supervisor: officer,
            password,
        });
        h.wait_for(t, |s| matches!(s.login, Login::LoggedIn { .. }))
            .await
            .expect("first run");
        h.send(Intent::NewApplicant);
        h.send(Intent::CheckInQr("KBYT-2026-11-23-000123".into()));
        h.send(Intent::Next);
        h.send(Intent::SubmitRecord(Box::new(record)));
        let s = h
            .wait_for(t, |s| {
                s.enrollment
                    .as_ref()
                    .is_some_and(|e| e.step == Step::Data && e.record.is_some())
            })
            .await
            .expect("the record saved");
        println!(
            "seeded {} at the data step",
            s.enrollment.as_ref().map(|e| e.id.as_str()).unwrap_or("?")
        );
        h.send(Intent::Shutdown);
        h.wait_for(t, |s| s.stopped).await;
    });
}
