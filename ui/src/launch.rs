//! Bringing the engine up off the UI thread.
//!
//! Reading station.toml, decrypting the Document Signer key and starting the engine take
//! from milliseconds to a second; the window must not wait for them. [`launch`] does them on
//! a thread of its own and hands the result over a channel the app polls each frame.

use std::path::PathBuf;
use std::sync::mpsc;

use workflow::{Devices, Engine, Handle, Message, StationConfig, StationKeys};
use zeroize::Zeroizing;

/// What the station is started with (from the command line and the environment).
pub struct LaunchOptions {
    pub station: PathBuf,
    pub vault: PathBuf,
    /// The Document Signer key passphrase (IDSTATION_DS_PASSPHRASE); `None` runs without keys.
    pub passphrase: Option<Zeroizing<String>>,
    /// Officer lockout and idle-lock rules.
    pub policy: accounts::Policy,
}

impl LaunchOptions {
    pub fn new(station: PathBuf, vault: PathBuf) -> LaunchOptions {
        LaunchOptions {
            station,
            vault,
            passphrase: std::env::var("IDSTATION_DS_PASSPHRASE")
                .ok()
                .map(Zeroizing::new),
            policy: accounts::Policy::default(),
        }
    }
}

/// A running engine and what the app shows about the station.
pub struct Started {
    pub handle: Handle,
    pub station_id: String,
    pub station_name: String,
    /// The fingers this station takes (ISO/IEC 19794-4 position codes), in capture order.
    pub fingers: Vec<u8>,
    /// Why the signing keys are not loaded, when they are not.
    pub keys_problem: Option<Message>,
}

/// Loads the station and starts the engine on `rt` from a background thread. When `repaint`
/// is given, every new engine snapshot asks egui for a frame, so the window follows the
/// engine without polling.
pub fn launch(
    opts: LaunchOptions,
    rt: tokio::runtime::Handle,
    repaint: Option<egui::Context>,
) -> mpsc::Receiver<Result<Started, Message>> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("station-launch".into())
        .spawn(move || {
            let r = start(opts, &rt, repaint.clone());
            let _ = tx.send(r);
            if let Some(ctx) = repaint {
                ctx.request_repaint();
            }
        });
    if let Err(e) = spawned {
        let (tx, rx2) = mpsc::channel();
        let _ = tx.send(Err(Message::error(
            format!("Không khởi động được: {e}"),
            format!("Cannot start: {e}"),
        )));
        return rx2;
    }
    rx
}

fn start(
    opts: LaunchOptions,
    rt: &tokio::runtime::Handle,
    repaint: Option<egui::Context>,
) -> Result<Started, Message> {
    let config = StationConfig::load(&opts.station).map_err(|e| Message::from_display(&e))?;
    let (keys, keys_problem) = match &opts.passphrase {
        None => (
            None,
            Some(Message::error(
                "Chưa có mật khẩu khóa ký (biến IDSTATION_DS_PASSPHRASE); không ghi được thẻ",
                "No signing-key passphrase (IDSTATION_DS_PASSPHRASE); cards cannot be written",
            )),
        ),
        Some(p) => match StationKeys::load(&config.keys, p.as_bytes()) {
            Ok(k) => (Some(k), None),
            Err(m) => (None, Some(m)),
        },
    };
    let devices = Devices::real(&config);
    let station_id = config.station_id.clone();
    let station_name = config.station_name.clone();
    let fingers = config.finger_codes().unwrap_or_else(|_| (1..=10).collect());
    let _entered = rt.enter();
    let handle = Engine::start(config, devices, keys, opts.vault, opts.policy);
    if let Some(ctx) = repaint {
        let mut rx = handle.watch();
        rt.spawn(async move {
            while rx.changed().await.is_ok() {
                ctx.request_repaint();
            }
        });
    }
    Ok(Started {
        handle,
        station_id,
        station_name,
        fingers,
        keys_problem,
    })
}
