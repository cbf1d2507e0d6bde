//! The fingerprint capture summary the sheet prints: the sheet's own small input type, so
//! that it does not depend on the capture crate (the workflow maps into it).

use iso19794::FingerPosition;

/// How the capture of one finger ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureStatus {
    /// Captured with acceptable quality.
    Captured,
    /// Quality below the threshold, accepted by the officer (e.g. an elderly applicant).
    LowQualityApproved,
    /// Not captured, with the officer's reason (amputated, bandaged, …).
    Exception { reason: String },
}

/// One finger of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerCapture {
    pub position: FingerPosition,
    /// NFIQ-like quality score 0–100, if measured.
    pub quality: Option<u8>,
    pub status: CaptureStatus,
}

impl CaptureStatus {
    pub fn label_vi(&self) -> &'static str {
        match self {
            CaptureStatus::Captured => "Đã thu nhận",
            CaptureStatus::LowQualityApproved => "Chất lượng thấp, đã duyệt",
            CaptureStatus::Exception { .. } => "Ngoại lệ",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            CaptureStatus::Captured => "Captured",
            CaptureStatus::LowQualityApproved => "Low quality, approved",
            CaptureStatus::Exception { .. } => "Exception",
        }
    }
}
