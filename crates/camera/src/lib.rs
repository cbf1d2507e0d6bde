//! Camera driver for the enrollment station.
//!
//! A [`Camera`] lists its formats, starts a stream, hands out RGB8 frames with a timeout and
//! stops. Two backends implement it: real webcams through nokhwa (V4L2 on Linux, cargo
//! feature `nokhwa`, spec `v4l:N`) and a [`VirtualCamera`] that plays image files as a stream
//! (spec `virtual:DIR`) for tests and HIL. [`CaptureWorker`] runs a camera on its own thread
//! and delivers frames over a channel, so the UI thread never blocks on a device; it can be
//! cancelled, and it reopens a camera that was unplugged once the camera is back.

mod error;
#[cfg(feature = "nokhwa")]
mod native;
mod virtual_camera;
mod worker;

pub use error::CameraError;
#[cfg(feature = "nokhwa")]
pub use native::NokhwaCamera;
pub use virtual_camera::VirtualCamera;
pub use worker::{CaptureEvent, CaptureOptions, CaptureWorker};

use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// One frame: tightly packed RGB8, row by row, `width * height * 3` bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    /// Time since the stream started.
    pub timestamp: Duration,
    /// Frame number in the stream, from 0.
    pub sequence: u64,
}

impl std::fmt::Debug for Frame {
    // The pixels are a face: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("timestamp", &self.timestamp)
            .field("sequence", &self.sequence)
            .finish_non_exhaustive()
    }
}

impl Frame {
    /// A frame around RGB8 pixels; `None` when the buffer does not match the size.
    pub fn new(width: u32, height: u32, rgb: Vec<u8>) -> Option<Frame> {
        let want = (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(3)?;
        (rgb.len() == want && width > 0 && height > 0).then_some(Frame {
            width,
            height,
            rgb,
            timestamp: Duration::ZERO,
            sequence: 0,
        })
    }

    /// The frame as an `image` buffer (moves the pixels, no copy).
    pub fn into_image(self) -> image::RgbImage {
        image::RgbImage::from_raw(self.width, self.height, self.rgb)
            .expect("Frame invariant: rgb.len() == width * height * 3")
    }

    /// A frame from an `image` buffer.
    pub fn from_image(img: image::RgbImage) -> Frame {
        let (width, height) = img.dimensions();
        Frame {
            width,
            height,
            rgb: img.into_raw(),
            timestamp: Duration::ZERO,
            sequence: 0,
        }
    }
}

/// A format a camera can stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameFormat {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The device's pixel format (e.g. "MJPEG", "YUYV"); "RGB" for decoded files.
    pub pixel_format: String,
}

impl FrameFormat {
    /// Largest side accepted from the command line (a 8K sensor is 7680 wide).
    pub const MAX_SIDE: u32 = 8192;

    /// A format asked for as `WIDTHxHEIGHT[@FPS]` (e.g. `1280x720@30`; 30 fps when not
    /// given), in MJPEG, which every UVC webcam offers at its larger sizes. The camera gets
    /// the closest it has.
    pub fn parse(text: &str) -> Result<FrameFormat, CameraError> {
        let bad = || CameraError::BadFormat(text.chars().take(40).collect());
        let (size, fps) = match text.split_once('@') {
            Some((size, fps)) => (size, Some(fps)),
            None => (text, None),
        };
        let (w, h) = size.split_once(['x', 'X']).ok_or_else(bad)?;
        let number = |s: &str| -> Result<u32, CameraError> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        let (width, height) = (number(w)?, number(h)?);
        let fps = fps.map(number).transpose()?.unwrap_or(30);
        let side = 16..=FrameFormat::MAX_SIDE;
        if !side.contains(&width) || !side.contains(&height) || !(1..=240).contains(&fps) {
            return Err(bad());
        }
        Ok(FrameFormat {
            width,
            height,
            fps,
            pixel_format: "MJPEG".into(),
        })
    }
}

impl std::fmt::Display for FrameFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}x{}@{} {}",
            self.width, self.height, self.fps, self.pixel_format
        )
    }
}

/// Whether this build has the webcam driver (cargo feature `nokhwa`).
pub fn has_webcam_driver() -> bool {
    cfg!(feature = "nokhwa")
}

/// A camera the station can take portraits with.
pub trait Camera: Send {
    /// A name for the officer and the logs (device name or folder; no personal data).
    fn name(&self) -> String;
    /// The formats the camera offers.
    fn formats(&mut self) -> Result<Vec<FrameFormat>, CameraError>;
    /// Starts streaming, in `format` when given (otherwise the camera's choice, preferring
    /// 640×480). Returns the format in use. Starting a started camera restarts it.
    fn start(&mut self, format: Option<&FrameFormat>) -> Result<FrameFormat, CameraError>;
    /// As [`Camera::start`], giving up with [`CameraError::Cancelled`] soon after `cancel` is
    /// set, so a capture can be stopped while a slow device opens. The default starts at
    /// once (for cameras whose `start` does not wait on a device).
    fn start_cancellable(
        &mut self,
        format: Option<&FrameFormat>,
        cancel: &AtomicBool,
    ) -> Result<FrameFormat, CameraError> {
        let _ = cancel;
        self.start(format)
    }
    /// The next frame, waiting at most `timeout`.
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError>;
    /// Stops streaming; the camera can be started again.
    fn stop(&mut self);
}

/// What can be opened: a spec and a human description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraInfo {
    pub spec: String,
    pub description: String,
}

/// The cameras the real backend sees (empty without the `nokhwa` feature or without
/// devices). Virtual cameras are not listed: they are named by their folder.
pub fn list() -> Result<Vec<CameraInfo>, CameraError> {
    #[cfg(feature = "nokhwa")]
    {
        native::list()
    }
    #[cfg(not(feature = "nokhwa"))]
    {
        Ok(Vec::new())
    }
}

/// Opens a camera from its spec: `v4l:N` (webcam N through nokhwa) or `virtual:DIR`
/// (the images in DIR, in name order, at 10 frames per second, once through).
/// The device is not touched until [`Camera::start`].
pub fn open(spec: &str) -> Result<Box<dyn Camera>, CameraError> {
    if let Some(dir) = spec.strip_prefix("virtual:") {
        if dir.is_empty() {
            return Err(CameraError::BadSpec(spec.to_string()));
        }
        return Ok(Box::new(VirtualCamera::from_dir(dir, 10.0)));
    }
    if let Some(n) = spec.strip_prefix("v4l:") {
        let index: u32 = n
            .parse()
            .map_err(|_| CameraError::BadSpec(spec.to_string()))?;
        #[cfg(feature = "nokhwa")]
        {
            return Ok(Box::new(NokhwaCamera::new(index)));
        }
        #[cfg(not(feature = "nokhwa"))]
        {
            let _ = index;
            return Err(CameraError::BackendMissing);
        }
    }
    Err(CameraError::BadSpec(spec.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_parsed_and_bad_ones_refused() {
        assert!(open("virtual:/x").is_ok());
        for bad in [
            "",
            "virtual:",
            "v4l:",
            "v4l:x",
            "v4l:-1",
            "usb:0",
            "/dev/video0",
        ] {
            assert!(
                matches!(open(bad), Err(CameraError::BadSpec(_))),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn formats_are_parsed_and_bad_ones_refused() {
        let f = FrameFormat::parse("1280x720@15").unwrap();
        assert_eq!((f.width, f.height, f.fps), (1280, 720, 15));
        assert_eq!(f.pixel_format, "MJPEG");
        assert_eq!(f.to_string(), "1280x720@15 MJPEG");
        let f = FrameFormat::parse("640X480").unwrap();
        assert_eq!((f.width, f.height, f.fps), (640, 480, 30));
        for bad in [
            "",
            "640",
            "640x",
            "x480",
            "640x480@",
            "640x480@0",
            "640x480@241",
            "-640x480",
            "640x-480",
            "+640x480",
            "640 x 480",
            "8x8",
            "9000x480",
            "640x480x3",
            "99999999999x480",
            "640x480@30fps",
            "６４０x480",
        ] {
            let e = FrameFormat::parse(bad).unwrap_err();
            assert!(matches!(e, CameraError::BadFormat(_)), "{bad}: {e:?}");
            assert!(e.to_string().contains("WIDTHxHEIGHT") && e.vi().contains("RỘNGxCAO"));
        }
    }

    #[test]
    fn frame_checks_its_buffer_and_hides_pixels_in_debug() {
        assert!(Frame::new(2, 2, vec![0; 12]).is_some());
        assert!(Frame::new(2, 2, vec![0; 11]).is_none());
        assert!(Frame::new(0, 2, vec![]).is_none());
        assert!(Frame::new(u32::MAX, u32::MAX, vec![]).is_none());
        let f = Frame::new(1, 1, vec![1, 2, 3]).unwrap();
        let d = format!("{f:?}");
        assert!(!d.contains("rgb"), "{d}");
    }
}
