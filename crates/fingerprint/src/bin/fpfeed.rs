//! fpfeed: plays fingerprints into libfprint's virtual_image sensor for HIL runs.
//!
//!   fpfeed SOCKET png FILE.png...        send each PNG as a finger image
//!   fpfeed SOCKET synth SEED FINGER [N]  send N synthetic captures of a finger (default 1)
//!   fpfeed SOCKET retry REASON           too-short | center-finger | remove-finger | general
//!   fpfeed SOCKET finger on|off
//!   fpfeed SOCKET error CODE
//!   fpfeed SOCKET remove                 the sensor is unplugged
//!
//! FINGER is a name like right-index or a code 1–10. Between messages fpfeed waits
//! FPFEED_GAP_MS milliseconds (default 500) so each lands in its own capture.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use fingerprint::feeder::Feeder;
use fingerprint::sensor::RetryReason;
use fingerprint::synth::{Capture, Finger};
use fingerprint::{parse_position, GreyImage};

fn run(args: &[String]) -> Result<(), String> {
    let [socket, cmd, rest @ ..] = args else {
        return Err("usage: fpfeed SOCKET png|synth|retry|finger|error|remove ...".into());
    };
    let gap = Duration::from_millis(
        std::env::var("FPFEED_GAP_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500),
    );
    let mut feeder = Feeder::connect(Path::new(socket), Duration::from_secs(10))
        .map_err(|e| format!("cannot connect to {socket}: {e}"))?;
    let io = |e: std::io::Error| format!("sending to the sensor: {e}");
    match (cmd.as_str(), rest) {
        ("png", files) if !files.is_empty() => {
            for (i, f) in files.iter().enumerate() {
                let bytes = std::fs::read(f).map_err(|e| format!("{f}: {e}"))?;
                let img = GreyImage::from_png(&bytes).map_err(|e| format!("{f}: {e}"))?;
                if i > 0 {
                    std::thread::sleep(gap);
                }
                feeder.image(&img).map_err(io)?;
            }
        }
        ("synth", [seed, finger, n @ ..]) => {
            let seed: u64 = seed.parse().map_err(|_| format!("bad seed {seed}"))?;
            let position = parse_position(finger).map_err(|e| e.to_string())?;
            let n: u32 = match n {
                [] => 1,
                [n] => n.parse().map_err(|_| format!("bad count {n}"))?,
                _ => return Err("synth takes SEED FINGER [N]".into()),
            };
            let f = Finger::new(seed, position);
            for i in 0..n {
                if i > 0 {
                    std::thread::sleep(gap);
                }
                feeder.image(&f.capture(&Capture::attempt(i))).map_err(io)?;
            }
        }
        ("retry", [reason]) => {
            let r = match reason.as_str() {
                "general" => RetryReason::General,
                "too-short" => RetryReason::TooShort,
                "center-finger" => RetryReason::CenterFinger,
                "remove-finger" => RetryReason::RemoveFinger,
                _ => return Err(format!("unknown retry reason {reason}")),
            };
            feeder.retry(r).map_err(io)?;
        }
        ("finger", [state]) => feeder.finger(state == "on").map_err(io)?,
        ("error", [code]) => feeder
            .fatal_error(code.parse().map_err(|_| format!("bad code {code}"))?)
            .map_err(io)?,
        ("remove", []) => feeder.remove_device().map_err(io)?,
        _ => return Err(format!("unknown command {cmd}")),
    }
    // Give libfprint time to read before the socket closes.
    std::thread::sleep(Duration::from_millis(200));
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fpfeed: {e}");
            ExitCode::FAILURE
        }
    }
}
