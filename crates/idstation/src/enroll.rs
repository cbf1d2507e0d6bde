//! `idstation enroll --scenario FILE`: one applicant end to end through the station's
//! workflow engine, headless, printing each step's result and timing.

use std::path::{Path, PathBuf};

use crate::session::{password, VaultLogin};
use crate::Failure;
use workflow::scenario::{self, Scenario};
use workflow::{StationConfig, StationKeys, Step};

pub fn run(
    scenario_path: &Path,
    station: &Path,
    login: &VaultLogin,
    resume: bool,
    json: bool,
) -> Result<u8, Failure> {
    let scenario = Scenario::load(scenario_path).map_err(|e| Failure::input(e.to_string()))?;
    let config = StationConfig::load(station).map_err(|e| Failure::input(e.to_string()))?;
    // libfprint's virtual_image sensor listens on this socket; the scenario feeds it. It
    // must be set before libfprint starts, which is the first device query below.
    let socket = match std::env::var_os("FP_VIRTUAL_IMAGE") {
        Some(s) => PathBuf::from(s),
        None => {
            let s = std::env::temp_dir().join(format!("idstation-fp-{}.sock", std::process::id()));
            std::env::set_var("FP_VIRTUAL_IMAGE", &s);
            s
        }
    };
    let ds_pass = std::env::var("IDSTATION_DS_PASSPHRASE").unwrap_or_default();
    let keys = match StationKeys::load(&config.keys, ds_pass.as_bytes()) {
        Ok(k) => Some(k),
        Err(m) => {
            eprintln!("idstation: {m}");
            None
        }
    };
    let pw = password(&format!(
        "Mật khẩu của {0} / password for {0}: ",
        login.officer
    ))?;
    if !login.vault.exists() {
        return Err(Failure::input(format!(
            "chưa có kho dữ liệu {0}; chạy idstation vault init / no vault at {0}; run idstation vault init",
            login.vault.display()
        )));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::device(e.to_string()))?;
    let report = rt
        .block_on(scenario::run(
            &scenario,
            config,
            keys,
            scenario::Officer {
                vault: login.vault.clone(),
                name: &login.officer,
                password: &pw,
            },
            resume,
            socket,
            |o| {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"step": o.step, "ok": o.ok, "ms": o.millis, "message": o.message})
                    );
                } else {
                    println!(
                        "{} {:<22} {:>7} ms  {}",
                        if o.ok { "✔" } else { "✘" },
                        o.step,
                        o.millis,
                        o.message
                    );
                }
            },
        ))
        .map_err(|e| Failure::input(e.to_string()))?;
    let total: u64 = report.steps.iter().map(|s| s.millis).sum();
    let app = report.application.clone().unwrap_or_default();
    let wanted = match scenario.abort_at {
        Some(_) => Step::Aborted,
        None => Step::Done,
    };
    let ok = report.final_step == Some(wanted) && report.steps.iter().all(|s| s.ok);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "application": app,
                "final_step": report.final_step.map(|s| s.slug()),
                "ok": ok,
                "total_ms": total,
                "card_issued": report.card_issued,
                "sheet": report.sheet_job.as_ref().map(|(p, j)| serde_json::json!({"printer": p, "job": j})),
                "receipt": report.receipt_job.as_ref().map(|(p, j)| serde_json::json!({"printer": p, "job": j})),
            })
        );
    } else {
        let step = report.final_step.unwrap_or(Step::CheckIn);
        println!(
            "Hồ sơ {app}: {} / {} — {total} ms",
            step.label_vi(),
            step.label_en()
        );
        // The application number, never the document number (9 digits of the ID number).
        if report.card_issued {
            println!("Thẻ đã cấp cho hồ sơ {app} / card issued for application {app}");
        }
        if let Some((p, j)) = &report.sheet_job {
            println!("Phiếu thu nhận in trên {p}, lệnh in {j} / information sheet printed on {p}, job {j}");
        }
        if let Some((p, j)) = &report.receipt_job {
            println!("Giấy hẹn in trên {p}, lệnh in {j} / receipt slip printed on {p}, job {j}");
        }
    }
    Ok(if ok { 0 } else { 1 })
}
