//! idstation-station: the enrollment station's window.
//!
//! ```text
//! idstation-station --station station.toml --vault FILE [--english]
//! ```
//! The Document Signer key passphrase comes from IDSTATION_DS_PASSPHRASE; without it (or
//! with keys that do not load) the station runs and the device panel says cards cannot be
//! written.

use std::path::PathBuf;
use std::process::ExitCode;

use station::{launch, App, Lang, LaunchOptions};

const USAGE: &str = "usage: idstation-station --station station.toml --vault FILE [--english]
  --station FILE   the station's configuration (station.toml)
  --vault FILE     the station's encrypted vault (created by the first-run set-up)
  --english        start in English (Vietnamese by default)
environment: IDSTATION_DS_PASSPHRASE  passphrase of the Document Signer key";

struct Args {
    station: PathBuf,
    vault: PathBuf,
    english: bool,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut station, mut vault, mut english) = (None, None, false);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--station" => station = Some(it.next().ok_or("--station needs a file")?),
            "--vault" => vault = Some(it.next().ok_or("--vault needs a file")?),
            "--english" => english = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        station: station.ok_or("--station is required")?.into(),
        vault: vault.ok_or("--vault is required")?.into(),
        english,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("idstation-station: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("station-engine")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("idstation-station: tokio: {e}");
            return ExitCode::from(1);
        }
    };
    let lang = if args.english { Lang::En } else { Lang::Vi };
    let opts = LaunchOptions::new(args.station, args.vault);
    let handle = rt.handle().clone();
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("idstation — Trạm cấp Căn cước")
            .with_inner_size([1366.0, 768.0])
            .with_min_inner_size([1024.0, 600.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let result = eframe::run_native(
        "idstation-station",
        native,
        Box::new(move |cc| {
            station::fonts::install(&cc.egui_ctx);
            // The engine comes up in the background; the first frame does not wait for it.
            let launching = launch(opts, handle, Some(cc.egui_ctx.clone()));
            Ok(Box::new(App::new(launching, lang)))
        }),
    );
    // Give the engine a moment to finish the vault write under way, then stop.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idstation-station: {e}");
            ExitCode::from(1)
        }
    }
}
