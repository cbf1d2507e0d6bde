//! The fingerprint sensor as the workflow sees it: a trait, its events and its errors.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::image::GreyImage;

/// One sensor as the system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorInfo {
    /// Stable within one run: what `open` takes.
    pub id: String,
    pub name: String,
    pub driver: String,
}

/// Why the sensor asks for the finger again (libfprint's FpDeviceRetry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryReason {
    /// Poor scan, no more specific reason.
    General,
    /// Swipe too short.
    TooShort,
    /// Finger not centred on the sensor.
    CenterFinger,
    /// Lift the finger and place it again.
    RemoveFinger,
}

impl RetryReason {
    /// From FpDeviceRetry's numbering (fp-device.h).
    pub fn from_code(code: i32) -> RetryReason {
        match code {
            1 => RetryReason::TooShort,
            2 => RetryReason::CenterFinger,
            3 => RetryReason::RemoveFinger,
            _ => RetryReason::General,
        }
    }
    pub fn code(self) -> i32 {
        match self {
            RetryReason::General => 0,
            RetryReason::TooShort => 1,
            RetryReason::CenterFinger => 2,
            RetryReason::RemoveFinger => 3,
        }
    }
    pub fn message_en(self) -> &'static str {
        match self {
            RetryReason::General => "The sensor could not read the finger: place it again.",
            RetryReason::TooShort => "The finger was lifted too soon: hold it still on the sensor.",
            RetryReason::CenterFinger => "Place the finger in the centre of the sensor.",
            RetryReason::RemoveFinger => "Lift the finger, then place it again.",
        }
    }
    pub fn message_vi(self) -> &'static str {
        match self {
            RetryReason::General => "Cảm biến chưa đọc được vân tay: đặt lại ngón tay.",
            RetryReason::TooShort => "Nhấc ngón tay quá sớm: giữ yên ngón tay trên cảm biến.",
            RetryReason::CenterFinger => "Đặt ngón tay vào giữa cảm biến.",
            RetryReason::RemoveFinger => "Nhấc ngón tay lên rồi đặt lại.",
        }
    }
}

/// What happens on the sensor while a capture runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorEvent {
    /// The sensor is ready and waits for the finger.
    PlaceFinger,
    FingerOn,
    FingerOff,
    /// The sensor rejected the scan; the capture goes on and waits for the finger again.
    Retry(RetryReason),
}

/// Why a sensor call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SensorError {
    #[error("no fingerprint sensor found")]
    NoSensor,
    #[error("no sensor with id {0}")]
    NotFound(String),
    #[error("the sensor did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the capture was cancelled")]
    Cancelled,
    #[error("the sensor was unplugged")]
    Unplugged,
    #[error("the sensor is busy")]
    Busy,
    #[error("the sensor service has stopped")]
    ServiceStopped,
    #[error("sensor error: {0}")]
    Device(String),
}

impl SensorError {
    /// A short instruction for the officer, in Vietnamese (`Display` gives the English).
    pub fn message_vi(&self) -> String {
        match self {
            SensorError::NoSensor => "Không tìm thấy thiết bị lấy vân tay".into(),
            SensorError::NotFound(_) => "Không tìm thấy thiết bị lấy vân tay đã chọn".into(),
            SensorError::Timeout(_) => "Thiết bị lấy vân tay không phản hồi; thử lại".into(),
            SensorError::Cancelled => "Đã hủy lấy vân tay".into(),
            SensorError::Unplugged => {
                "Thiết bị lấy vân tay đã bị rút ra; cắm lại rồi thử lại".into()
            }
            SensorError::Busy => "Thiết bị lấy vân tay đang bận".into(),
            SensorError::ServiceStopped => "Dịch vụ vân tay đã dừng; khởi động lại ứng dụng".into(),
            SensorError::Device(_) => "Lỗi thiết bị lấy vân tay; thử lại".into(),
        }
    }
}

/// Cancels a running capture from another thread (the UI's Cancel button).
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// Clears a cancel left from an earlier capture.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// A fingerprint sensor. Calls block the calling thread (the workflow's, never the UI's)
/// for at most their timeout.
pub trait FingerSensor: Send {
    fn info(&self) -> &SensorInfo;
    /// Waits for a finger and returns its image (8-bit grey, with the sensor's resolution).
    /// Retries the sensor asks for are passed to `events` and the capture goes on, until an
    /// image arrives, `timeout` passes or the capture is cancelled.
    fn capture(
        &mut self,
        timeout: Duration,
        cancel: &CancelHandle,
        events: &mut dyn FnMut(SensorEvent),
    ) -> Result<GreyImage, SensorError>;
}
