//! ICAO portrait capture for the enrollment station: per-frame compliance checks,
//! auto-capture, and the ISO/IEC 19794-5 token crop as a JPEG ready for DG2.

mod checks;
mod raster;

pub use checks::{
    Analysis, Analyzer, CheckId, CheckResult, Eyes, FaceBox, Instruction, Limits, Outcome,
};
