//! `idstation finger ...`: the subcommands, for the idstation binary to mount.
//!
//! ```ignore
//! #[derive(clap::Subcommand)]
//! enum Command { #[command(subcommand)] Finger(fingerprint::cli::FingerCommand), ... }
//! Command::Finger(cmd) => fingerprint::cli::run(cmd)?,
//! ```

use std::path::PathBuf;
use std::time::Duration;

use crate::image::GreyImage;
use crate::quality::assess;
use crate::synth::{Capture, Degradation, Finger};
use crate::{parse_position, FingerPosition};

/// Fingerprint commands.
#[derive(Debug, Clone, PartialEq, clap::Subcommand)]
pub enum FingerCommand {
    /// Write a synthetic 500 ppi print as PNG.
    Synth {
        /// Identity seed: the same seed and finger give the same print.
        #[arg(long)]
        seed: u64,
        /// right-thumb ... left-little, or an ISO/IEC 19794-4 code 1-10.
        #[arg(long, value_parser = parse_finger)]
        finger: FingerPosition,
        /// blur, dry, low-contrast or partial.
        #[arg(long, value_parser = parse_degradation)]
        degrade: Option<String>,
        /// Degradation strength, 0-1.
        #[arg(long, default_value_t = 1.0)]
        strength: f32,
        /// Capture number: 0 is centred, later ones shift, turn and press a little differently.
        #[arg(long, default_value_t = 0)]
        attempt: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a PNG's quality score and the reason in Vietnamese and English.
    Score { file: PathBuf },
    /// Capture one finger from the first sensor and write it as PNG.
    Capture {
        #[arg(long, value_parser = parse_finger)]
        finger: FingerPosition,
        #[arg(long)]
        out: PathBuf,
        /// Seconds to wait for the finger.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
}

fn parse_finger(s: &str) -> Result<FingerPosition, String> {
    parse_position(s).map_err(|e| e.to_string())
}

fn parse_degradation(s: &str) -> Result<String, String> {
    Degradation::from_name(s, 1.0)
        .map(|d| d.name().to_string())
        .ok_or_else(|| format!("unknown degradation {s:?}: use blur, dry, low-contrast or partial"))
}

/// A failed command, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerError {
    pub en: String,
    pub vi: String,
}

impl std::fmt::Display for FingerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

impl std::error::Error for FingerError {}

fn write_png(path: &PathBuf, img: &GreyImage) -> Result<(), FingerError> {
    std::fs::write(path, img.to_png()).map_err(|e| FingerError {
        en: format!("cannot write {}: {e}", path.display()),
        vi: format!("không ghi được tệp {}", path.display()),
    })
}

/// Runs one fingerprint command, printing its result on stdout.
pub fn run(cmd: FingerCommand) -> Result<(), FingerError> {
    match cmd {
        FingerCommand::Synth {
            seed,
            finger,
            degrade,
            strength,
            attempt,
            out,
        } => {
            let mut capture = Capture::attempt(attempt);
            if let Some(d) = degrade
                .as_deref()
                .and_then(|d| Degradation::from_name(d, strength))
            {
                capture = capture.with(d);
            }
            let f = Finger::new(seed, finger);
            write_png(&out, &f.capture(&capture))?;
            println!(
                "{} ({}) -> {}",
                finger.slug(),
                f.class().name(),
                out.display()
            );
            Ok(())
        }
        FingerCommand::Score { file } => {
            let bytes = std::fs::read(&file).map_err(|e| FingerError {
                en: format!("cannot read {}: {e}", file.display()),
                vi: format!("không đọc được tệp {}", file.display()),
            })?;
            let img = GreyImage::from_png(&bytes).map_err(|e| FingerError {
                en: e.to_string(),
                vi: e.message_vi(),
            })?;
            let a = assess(&img);
            println!("score {} minutiae {}", a.score, a.minutiae.len());
            println!("vi: {}", a.reason.message_vi());
            println!("en: {}", a.reason.message_en());
            Ok(())
        }
        FingerCommand::Capture {
            finger,
            out,
            timeout,
        } => capture(finger, &out, Duration::from_secs(timeout)),
    }
}

#[cfg(feature = "libfprint")]
fn capture(finger: FingerPosition, out: &PathBuf, timeout: Duration) -> Result<(), FingerError> {
    use crate::sensor::{CancelHandle, FingerSensor, SensorEvent};
    let err = |e: crate::SensorError| FingerError {
        en: e.to_string(),
        vi: e.message_vi(),
    };
    let mut sensor = crate::libfprint::service()
        .open_first(Duration::from_secs(10))
        .map_err(err)?;
    println!(
        "{} / {}: {}",
        finger.name_vi(),
        finger.name_en(),
        sensor.info().name
    );
    let img = sensor
        .capture(timeout, &CancelHandle::default(), &mut |e| match e {
            SensorEvent::PlaceFinger => {
                println!("Đặt ngón tay lên cảm biến / Place the finger on the sensor")
            }
            SensorEvent::Retry(r) => println!("{} / {}", r.message_vi(), r.message_en()),
            SensorEvent::FingerOn | SensorEvent::FingerOff => {}
        })
        .map_err(err)?;
    write_png(out, &img)?;
    let a = assess(&img);
    println!("score {} -> {}", a.score, out.display());
    Ok(())
}

#[cfg(not(feature = "libfprint"))]
fn capture(_: FingerPosition, _: &PathBuf, _: Duration) -> Result<(), FingerError> {
    Err(FingerError {
        en: "built without the libfprint sensor backend".into(),
        vi: "bản dựng không có trình điều khiển cảm biến vân tay".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: FingerCommand,
    }

    #[test]
    fn synth_then_score_through_the_command_line() {
        let dir = std::env::temp_dir().join(format!("fp-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("p.png");
        let cli = Cli::try_parse_from([
            "x",
            "synth",
            "--seed",
            "5",
            "--finger",
            "left-thumb",
            "--degrade",
            "dry",
            "--out",
            out.to_str().unwrap(),
        ])
        .unwrap();
        assert!(matches!(
            &cli.cmd,
            FingerCommand::Synth {
                finger: FingerPosition::LeftThumb,
                ..
            }
        ));
        run(cli.cmd).unwrap();
        let by_code = Cli::try_parse_from([
            "x", "synth", "--seed", "5", "--finger", "6", "--out", "y.png",
        ])
        .unwrap();
        assert!(matches!(
            by_code.cmd,
            FingerCommand::Synth {
                finger: FingerPosition::LeftThumb,
                ..
            }
        ));
        run(Cli::try_parse_from(["x", "score", out.to_str().unwrap()])
            .unwrap()
            .cmd)
        .unwrap();
        assert!(Cli::try_parse_from([
            "x", "synth", "--seed", "1", "--finger", "left-toe", "--out", "z"
        ])
        .is_err());
        assert!(
            Cli::try_parse_from(["x", "synth", "--seed", "1", "--finger", "11", "--out", "z"])
                .is_err()
        );
        assert!(Cli::try_parse_from([
            "x",
            "synth",
            "--seed",
            "1",
            "--finger",
            "1",
            "--degrade",
            "wet",
            "--out",
            "z"
        ])
        .is_err());
        let e = run(FingerCommand::Score {
            file: dir.join("missing.png"),
        })
        .unwrap_err();
        assert!(e.to_string().contains("không đọc được"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
