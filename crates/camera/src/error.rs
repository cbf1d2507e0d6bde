use std::time::Duration;

/// Why a camera did not give a frame. `Display` gives the Vietnamese text, then the
/// English, for the officer; [`CameraError::vi`] and [`CameraError::en`] give each alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} / {}", self.vi(), self.en())]
pub enum CameraError {
    /// The spec is not `v4l:N` or `virtual:DIR`.
    BadSpec(String),
    /// A format asked for that is not `WIDTHxHEIGHT[@FPS]` within limits.
    BadFormat(String),
    /// A format asked of a camera that cannot change it (a virtual camera plays its files
    /// at their own size).
    FixedFormat { device: String },
    /// No such camera (device missing, folder missing or without images).
    NotFound { device: String, detail: String },
    /// The camera went away while streaming (cable pulled, folder removed).
    Unplugged { device: String },
    /// A read failed while streaming and the device was still there: the stream is over,
    /// the capture worker checks the device and reopens it (or reports an unplug).
    ReadFailed { device: String, detail: String },
    /// The camera is there but is used by another program or refused to open.
    Busy { device: String, detail: String },
    /// No frame within the timeout.
    Timeout(Duration),
    /// `next_frame` before `start`.
    NotStarted,
    /// A virtual camera played all its images.
    EndOfStream,
    /// A frame that could not be decoded (bad file, unsupported pixel format).
    BadFrame { source_name: String, detail: String },
    /// The webcam backend was not compiled in (cargo feature `nokhwa`).
    BackendMissing,
    /// Opening was cancelled (the capture was stopped while the device was opening).
    Cancelled,
    /// Any other failure of the backend.
    Backend(String),
}

impl CameraError {
    /// The message in Vietnamese.
    pub fn vi(&self) -> String {
        match self {
            CameraError::BadSpec(s) => {
                format!("Tên camera không hợp lệ «{s}»: dùng v4l:SỐ hoặc virtual:THƯ_MỤC")
            }
            CameraError::BadFormat(s) => format!(
                "Định dạng hình không hợp lệ «{s}»: dùng RỘNGxCAO hoặc RỘNGxCAO@KHUNG_HÌNH/GIÂY (16–8192 điểm ảnh, 1–240 hình/giây)"
            ),
            CameraError::FixedFormat { device } => format!(
                "Camera {device} phát hình theo kích thước của tệp: chỉ chọn định dạng được cho webcam v4l:SỐ"
            ),
            CameraError::NotFound { device, detail } => format!(
                "Không tìm thấy camera {device} ({detail}): kiểm tra cáp USB và chọn lại camera"
            ),
            CameraError::Unplugged { device } => format!(
                "Camera {device} bị ngắt kết nối: cắm lại camera, hệ thống sẽ tự kết nối lại"
            ),
            CameraError::ReadFailed { device, detail } => {
                format!("Camera {device} ngừng gửi hình ({detail}): hệ thống đang mở lại camera")
            }
            CameraError::Busy { device, detail } => format!(
                "Không mở được camera {device} ({detail}): đóng chương trình khác đang dùng camera"
            ),
            CameraError::Timeout(t) => format!(
                "Camera không gửi hình trong {} ms: kiểm tra camera",
                t.as_millis()
            ),
            CameraError::NotStarted => "Camera chưa được bật".to_string(),
            CameraError::EndOfStream => "Camera ảo đã phát hết hình".to_string(),
            CameraError::BadFrame {
                source_name,
                detail,
            } => format!("Hình từ {source_name} bị lỗi ({detail})"),
            CameraError::BackendMissing => {
                "Bản này không có trình điều khiển webcam (tính năng nokhwa)".to_string()
            }
            CameraError::Cancelled => "Đã dừng mở camera".to_string(),
            CameraError::Backend(d) => format!("Lỗi camera: {d}"),
        }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        match self {
            CameraError::BadSpec(s) => {
                format!("Invalid camera name \"{s}\": use v4l:N or virtual:DIR")
            }
            CameraError::BadFormat(s) => format!(
                "Invalid picture format \"{s}\": use WIDTHxHEIGHT or WIDTHxHEIGHT@FPS (16–8192 pixels, 1–240 fps)"
            ),
            CameraError::FixedFormat { device } => format!(
                "Camera {device} plays its files at their own size: a format can be chosen for v4l:N webcams only"
            ),
            CameraError::NotFound { device, detail } => format!(
                "Camera {device} not found ({detail}): check the USB cable and choose the camera again"
            ),
            CameraError::Unplugged { device } => format!(
                "Camera {device} was disconnected: plug it back in, the station reconnects by itself"
            ),
            CameraError::ReadFailed { device, detail } => format!(
                "Camera {device} stopped sending pictures ({detail}): the station is reopening it"
            ),
            CameraError::Busy { device, detail } => format!(
                "Could not open camera {device} ({detail}): close any other program using it"
            ),
            CameraError::Timeout(t) => format!(
                "The camera sent no picture within {} ms: check the camera",
                t.as_millis()
            ),
            CameraError::NotStarted => "The camera is not started".to_string(),
            CameraError::EndOfStream => "The virtual camera has played all its images".to_string(),
            CameraError::BadFrame {
                source_name,
                detail,
            } => format!("A picture from {source_name} is damaged ({detail})"),
            CameraError::BackendMissing => {
                "This build has no webcam driver (feature nokhwa)".to_string()
            }
            CameraError::Cancelled => "Opening the camera was stopped".to_string(),
            CameraError::Backend(d) => format!("Camera error: {d}"),
        }
    }

    /// Whether the camera went away (the capture worker then waits for it to come back).
    pub fn is_unplugged(&self) -> bool {
        matches!(self, CameraError::Unplugged { .. })
    }

    /// Whether the error ends a capture for good, even mid-stream: a bad spec, no driver,
    /// a camera never started, a cancel. Everything else a streaming camera reports (read
    /// failures, unplugs, a busy or missing device on reopening) is retried by the worker.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            CameraError::BadSpec(_)
                | CameraError::BadFormat(_)
                | CameraError::FixedFormat { .. }
                | CameraError::BackendMissing
                | CameraError::NotStarted
                | CameraError::Cancelled
                | CameraError::EndOfStream
        )
    }
}
