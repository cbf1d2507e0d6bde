//! Ten-print capture for the enrollment station.
//!
//! One crate rather than a generator crate beside a fingerprint crate: the generator, the
//! quality measure and the minutiae matcher share the image type and the ridge maths
//! (orientation, Gabor filtering), and the virtual-sensor feeder plays generated prints. The
//! device backend on libfprint sits behind the default `libfprint` feature, so everything
//! else builds and tests without the system library.

pub mod image;
pub mod jp2;
pub mod synth;

pub use image::{GreyImage, ImageError};
pub use iso19794::FingerPosition;
pub(crate) mod analysis;
pub mod feeder;
#[cfg(feature = "libfprint")]
pub mod libfprint;
pub mod minutiae;
pub mod quality;
pub mod sensor;

pub use sensor::{CancelHandle, FingerSensor, RetryReason, SensorError, SensorEvent, SensorInfo};

/// Why a finger name or code was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown finger {0:?}: use a name like right-index or left-thumb, or a code 1-10")]
pub struct UnknownFinger(pub String);

/// A finger position from a name (right-index, left-thumb, ...) or an ISO/IEC 19794-4 code
/// (1 right thumb ... 10 left little).
pub fn parse_position(s: &str) -> Result<FingerPosition, UnknownFinger> {
    let t = s.trim().to_ascii_lowercase().replace('_', "-");
    let p = match t.parse::<u8>() {
        Ok(code) => FingerPosition::from_code(code),
        Err(_) => FingerPosition::from_slug(&t),
    };
    match p {
        Some(p) if p != FingerPosition::Unknown => Ok(p),
        _ => Err(UnknownFinger(s.into())),
    }
}
#[cfg(feature = "cli")]
pub mod cli;
pub mod matching;
pub mod session;
