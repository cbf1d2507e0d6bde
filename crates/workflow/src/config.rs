//! The station's configuration file (`station.toml`) and what it loads: the chip profile,
//! the signing keys, which devices to use.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `station.toml`. Relative paths are relative to the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    /// Short station code used in application numbers, e.g. "HN01".
    pub station_id: String,
    /// The station's name as printed, e.g. "Công an phường Hàng Bạc".
    pub station_name: String,
    /// Firmware profile of the blank cards (firmware-profiles/NAME.toml).
    #[serde(default = "default_profile")]
    pub profile: String,
    /// PC/SC reader name (or a unique part of it).
    pub reader: String,
    /// `virtual:DIR` or `v4l:N`.
    pub camera: String,
    /// CUPS queue for the sheet and receipt.
    pub printer: String,
    /// CUPS server URI (default: the local scheduler).
    #[serde(default)]
    pub cups_server: Option<String>,
    /// Directory with csca.der, ds.der, ds-key.p8 (`idstation keys init`).
    pub keys: PathBuf,
    /// Fingers to take, by name (right-thumb … left-little); default all ten.
    #[serde(default)]
    pub fingers: Option<Vec<String>>,
    /// Attempts per finger before the officer decides.
    #[serde(default = "default_attempts")]
    pub finger_attempts: u32,
    /// Seconds to wait for a finger on the sensor.
    #[serde(default = "default_finger_timeout")]
    pub finger_timeout_secs: u64,
    /// Seconds to wait for a card in the reader.
    #[serde(default = "default_card_wait")]
    pub card_wait_secs: u64,
    /// Compliant frames in a row before the portrait is taken.
    #[serde(default = "default_k")]
    pub portrait_frames: usize,
    /// Frames to try before giving up on the portrait.
    #[serde(default = "default_max_frames")]
    pub portrait_max_frames: u64,
    /// People the campaign must enroll in this station's area.
    #[serde(default)]
    pub campaign_target: u64,
    /// Checkpoint trust: a folder of CSCA certificates (DER/PEM), ICAO master lists and
    /// CRLs. Without a folder or master list, the station's own CSCA (keys/csca.der).
    #[serde(default)]
    pub trust_dir: Option<PathBuf>,
    #[serde(default)]
    pub master_lists: Vec<PathBuf>,
    #[serde(default)]
    pub crls: Vec<PathBuf>,
    /// Demo and QA stations only: a virtual applicant puts synthetic prints (this seed) on
    /// libfprint's virtual_image sensor whenever it asks for a finger (FP_VIRTUAL_IMAGE
    /// must name its socket). Never set on a real station.
    #[serde(default)]
    pub virtual_applicant_seed: Option<u64>,
    /// No longer used: the station writes no files of its own (sheets and receipts go to
    /// the CUPS queue, reports to `idstation report … --out FILE`). Accepted, and ignored,
    /// so station files that still name it load.
    #[serde(default, rename = "output_dir")]
    _output_dir: Option<toml::Value>,
    /// The station's time zone as minutes east of UTC (Vietnam: +420, no summer time);
    /// application numbers and the daily report use the local date.
    #[serde(default = "default_offset")]
    pub utc_offset_minutes: i32,
}

fn default_offset() -> i32 {
    7 * 60
}
fn default_profile() -> String {
    "vn-citizen-card".into()
}
fn default_attempts() -> u32 {
    3
}
fn default_finger_timeout() -> u64 {
    30
}
fn default_card_wait() -> u64 {
    30
}
fn default_k() -> usize {
    3
}
fn default_max_frames() -> u64 {
    200
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Không đọc được {path}: {detail} / Cannot read {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("Tệp cấu hình trạm {path} sai: {detail} / The station file {path} is wrong: {detail}")]
    Invalid { path: String, detail: String },
}

impl StationConfig {
    pub fn load(path: &Path) -> Result<StationConfig, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: p.clone(),
            detail: e.to_string(),
        })?;
        let mut c: StationConfig = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: p.clone(),
            detail: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let paths = [&mut c.keys]
            .into_iter()
            .chain(c.trust_dir.as_mut())
            .chain(c.master_lists.iter_mut())
            .chain(c.crls.iter_mut());
        for dir in paths {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        if let Some(rest) = c.camera.strip_prefix("virtual:") {
            if Path::new(rest).is_relative() {
                c.camera = format!("virtual:{}", base.join(rest).display());
            }
        }
        let invalid = |detail: String| ConfigError::Invalid {
            path: p.clone(),
            detail,
        };
        if c.station_id.is_empty()
            || c.station_id.len() > 16
            || !c.station_id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(invalid(
                "station_id: 1–16 chữ và số / letters and digits".into(),
            ));
        }
        c.finger_codes().map_err(invalid)?;
        if c.offset().is_none() {
            return Err(invalid("utc_offset_minutes: -1080…1080".into()));
        }
        // Timeouts and counts within what a station can use: a value out of range is a
        // typo, and an absurd one would overflow the device deadlines.
        let bounded: [(&str, u64, u64, u64, &str, &str); 5] = [
            (
                "finger_attempts",
                c.finger_attempts.into(),
                1,
                20,
                "lần",
                "attempts",
            ),
            (
                "finger_timeout_secs",
                c.finger_timeout_secs,
                1,
                300,
                "giây",
                "seconds",
            ),
            (
                "card_wait_secs",
                c.card_wait_secs,
                1,
                600,
                "giây",
                "seconds",
            ),
            (
                "portrait_frames",
                c.portrait_frames as u64,
                1,
                100,
                "khung hình",
                "frames",
            ),
            (
                "portrait_max_frames",
                c.portrait_max_frames,
                1,
                100_000,
                "khung hình",
                "frames",
            ),
        ];
        for (key, value, min, max, unit_vi, unit_en) in bounded {
            if !(min..=max).contains(&value) {
                return Err(invalid(format!(
                    "{key} = {value}: {min}–{max} {unit_vi} / {unit_en}"
                )));
            }
        }
        Ok(c)
    }

    /// The station's UTC offset.
    pub fn offset(&self) -> Option<time::UtcOffset> {
        time::UtcOffset::from_whole_seconds(self.utc_offset_minutes.checked_mul(60)?).ok()
    }

    /// Today at the station.
    pub fn today(&self) -> time::Date {
        time::OffsetDateTime::now_utc()
            .to_offset(self.offset().unwrap_or(time::UtcOffset::UTC))
            .date()
    }

    /// The fingers to take, as ISO/IEC 19794-4 position codes, in capture order.
    pub fn finger_codes(&self) -> Result<Vec<u8>, String> {
        match &self.fingers {
            None => Ok((1..=10).collect()),
            Some(names) => {
                let mut out = Vec::new();
                for n in names {
                    let p = fingerprint::parse_position(n).map_err(|e| format!("fingers: {e}"))?;
                    let c = p as u8;
                    if out.contains(&c) {
                        return Err(format!("fingers: {n} hai lần / twice"));
                    }
                    out.push(c);
                }
                Ok(out)
            }
        }
    }
}
