//! ICAO portrait capture for the enrollment station: per-frame compliance checks
//! ([`Analyzer`]), auto-capture ([`AutoCapture`], [`capture`]), and the ISO/IEC 19794-5 token
//! crop as a JPEG within a size budget, with its eye positions, ready for DG2 ([`Portrait`]).

mod capture;
mod checks;
#[cfg(feature = "cli")]
mod cli;
mod error;
mod info;
mod raster;
mod token;

pub use capture::{capture, AutoCapture, CaptureSettings};
pub use checks::{
    Analysis, Analyzer, CheckId, CheckResult, Eyes, FaceBox, Instruction, Limits, Outcome,
};
#[cfg(feature = "cli")]
pub use cli::{run, run_to, PortraitCommand};
pub use error::PortraitError;
pub use info::{
    sha256_hex, InfoCheck, InfoError, InfoEyes, InfoImageType, PortraitInfo, INFO_FORMAT,
};
pub use token::{
    centred_crop, encode_within, make_portrait, token_crop, token_eyes, CaptureKind, OutputSpec,
    Portrait,
};

/// Reads an image file as RGB8 (refusing pictures larger than a camera's).
pub fn read_image(path: &std::path::Path) -> Result<image::RgbImage, PortraitError> {
    let mut reader = image::ImageReader::open(path)
        .map_err(|e| PortraitError::Image(format!("{}: {e}", path.display())))?
        .with_guessed_format()
        .map_err(|e| PortraitError::Image(format!("{}: {e}", path.display())))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader
        .decode()
        .map(|i| i.to_rgb8())
        .map_err(|e| PortraitError::Image(format!("{}: {e}", path.display())))
}
