use crate::CheckId;

/// Why no portrait came out. `Display` gives Vietnamese then English; `vi`/`en` each alone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} / {}", self.vi(), self.en())]
pub enum PortraitError {
    Camera(#[from] camera::CameraError),
    /// The stream ended (or the frame limit was reached) before K compliant frames in a row.
    NoCompliantFrame {
        frames: u64,
        last_failed: Vec<CheckId>,
    },
    /// No face to crop around.
    NoFace,
    /// A manual capture needs the officer's reason.
    NoReason,
    /// The token JPEG does not fit the size budget even at the lowest quality allowed.
    OverBudget {
        budget: usize,
        smallest: usize,
    },
    /// The picture failed these checks (`portrait check`).
    NotCompliant(Vec<CheckId>),
    /// Cancelled by the officer.
    Cancelled,
    /// An image could not be read or written.
    Image(String),
}

impl PortraitError {
    /// Whether the command line or an input file was wrong (exit status 2), rather than a
    /// camera or a picture failing.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            PortraitError::Image(_)
                | PortraitError::NoReason
                | PortraitError::Camera(
                    camera::CameraError::BadFormat(_) | camera::CameraError::FixedFormat { .. }
                )
        )
    }

    pub fn vi(&self) -> String {
        match self {
            PortraitError::Camera(e) => e.vi(),
            PortraitError::NoCompliantFrame {
                frames,
                last_failed,
            } => format!(
                "Không có ảnh đạt chuẩn ICAO sau {frames} khung hình (lỗi cuối: {})",
                names(last_failed, CheckId::name_vi)
            ),
            PortraitError::NoFace => "Không thấy khuôn mặt để cắt ảnh".into(),
            PortraitError::NoReason => "Chụp thủ công cần ghi lý do".into(),
            PortraitError::OverBudget { budget, smallest } => {
                format!("Ảnh JPEG vượt giới hạn {budget} byte (nhỏ nhất {smallest} byte)")
            }
            PortraitError::NotCompliant(f) => {
                format!("Ảnh không đạt chuẩn ICAO: {}", names(f, CheckId::name_vi))
            }
            PortraitError::Cancelled => "Đã huỷ chụp ảnh".into(),
            PortraitError::Image(d) => format!("Lỗi tệp ảnh: {d}"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            PortraitError::Camera(e) => e.en(),
            PortraitError::NoCompliantFrame {
                frames,
                last_failed,
            } => format!(
                "No ICAO-compliant picture after {frames} frames (last failures: {})",
                names(last_failed, CheckId::name_en)
            ),
            PortraitError::NoFace => "No face to crop the portrait around".into(),
            PortraitError::NoReason => "A manual capture needs a reason".into(),
            PortraitError::OverBudget { budget, smallest } => {
                format!("The JPEG exceeds the {budget}-byte budget (smallest {smallest} bytes)")
            }
            PortraitError::NotCompliant(f) => {
                format!(
                    "The picture is not ICAO compliant: {}",
                    names(f, CheckId::name_en)
                )
            }
            PortraitError::Cancelled => "Portrait capture cancelled".into(),
            PortraitError::Image(d) => format!("Image file error: {d}"),
        }
    }
}

fn names(ids: &[CheckId], f: fn(CheckId) -> &'static str) -> String {
    if ids.is_empty() {
        return "-".into();
    }
    ids.iter().map(|&i| f(i)).collect::<Vec<_>>().join(", ")
}
