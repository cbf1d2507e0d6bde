//! Real webcams through nokhwa (V4L2 on Linux). The nokhwa camera lives on a thread of its
//! own for the whole stream: its `frame()` call blocks with no timeout, so the thread feeds
//! a small channel and [`Camera::next_frame`] waits on that channel with the caller's
//! timeout. A read error after the device node disappeared is an unplug; `start` again
//! once the camera is back (the [`crate::CaptureWorker`] does that by itself).

use crate::{Camera, CameraError, CameraInfo, Frame, FrameFormat};
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat as Fourcc, RequestedFormat,
    RequestedFormatType, Resolution,
};
use nokhwa::NokhwaError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long `start` waits for the device to open and report its format.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The cameras nokhwa sees, as `v4l:N` specs.
pub(crate) fn list() -> Result<Vec<CameraInfo>, CameraError> {
    let cams = nokhwa::query(ApiBackend::Auto).map_err(|e| CameraError::Backend(e.to_string()))?;
    Ok(cams
        .into_iter()
        .filter_map(|c| match c.index() {
            CameraIndex::Index(i) => Some(CameraInfo {
                spec: format!("v4l:{i}"),
                description: c.human_name(),
            }),
            CameraIndex::String(_) => None,
        })
        .collect())
}

struct Stream {
    frames: Receiver<Result<Frame, CameraError>>,
    stop: Arc<AtomicBool>,
}

/// A webcam, `v4l:N`.
pub struct NokhwaCamera {
    index: u32,
    stream: Option<Stream>,
}

impl NokhwaCamera {
    /// Webcam number `index` (/dev/videoN on Linux). Nothing is opened yet.
    pub fn new(index: u32) -> NokhwaCamera {
        NokhwaCamera {
            index,
            stream: None,
        }
    }

    fn device(&self) -> String {
        format!("v4l:{}", self.index)
    }
}

fn device_node(index: u32) -> PathBuf {
    PathBuf::from(format!("/dev/video{index}"))
}

/// Turns a nokhwa error into ours: a missing device node is "not found" (or "unplugged"
/// once streaming), anything else while opening is "busy".
fn map_error(index: u32, e: NokhwaError, streaming: bool) -> CameraError {
    let device = format!("v4l:{index}");
    let gone = cfg!(target_os = "linux") && !device_node(index).exists();
    match (gone, streaming) {
        (true, true) => CameraError::Unplugged { device },
        (true, false) => CameraError::NotFound {
            device,
            detail: format!("no {}", device_node(index).display()),
        },
        (false, false) => CameraError::Busy {
            device,
            detail: e.to_string(),
        },
        (false, true) => CameraError::Backend(e.to_string()),
    }
}

fn fourcc_of(name: &str) -> Fourcc {
    match name {
        "YUYV" => Fourcc::YUYV,
        "NV12" => Fourcc::NV12,
        "GRAY" => Fourcc::GRAY,
        "RAWRGB" => Fourcc::RAWRGB,
        "RAWBGR" => Fourcc::RAWBGR,
        _ => Fourcc::MJPEG,
    }
}

fn request(format: Option<&FrameFormat>) -> RequestedFormat<'static> {
    let wanted = match format {
        Some(f) => CameraFormat::new(
            Resolution::new(f.width, f.height),
            fourcc_of(&f.pixel_format),
            f.fps,
        ),
        // A portrait needs no more than VGA, and VGA keeps the checks live.
        None => CameraFormat::new(Resolution::new(640, 480), Fourcc::MJPEG, 30),
    };
    RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted))
}

fn our_format(f: CameraFormat) -> FrameFormat {
    FrameFormat {
        width: f.width(),
        height: f.height(),
        fps: f.frame_rate(),
        pixel_format: f.format().to_string(),
    }
}

fn open(index: u32, format: Option<&FrameFormat>) -> Result<nokhwa::Camera, CameraError> {
    nokhwa::Camera::new(CameraIndex::Index(index), request(format))
        .map_err(|e| map_error(index, e, false))
}

/// The streaming thread: opens the device, reports the format in use, then feeds frames
/// until told to stop or the device fails.
fn run(
    index: u32,
    format: Option<FrameFormat>,
    opened: SyncSender<Result<FrameFormat, CameraError>>,
    frames: SyncSender<Result<Frame, CameraError>>,
    stop: Arc<AtomicBool>,
) {
    let mut cam = match open(index, format.as_ref()).and_then(|mut c| {
        c.open_stream().map_err(|e| map_error(index, e, false))?;
        Ok(c)
    }) {
        Ok(c) => c,
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    if opened.send(Ok(our_format(cam.camera_format()))).is_err() {
        return;
    }
    let started = Instant::now();
    let mut sequence = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let result = cam
            .frame()
            .map_err(|e| map_error(index, e, true))
            .and_then(|buf| {
                let img = buf
                    .decode_image::<RgbFormat>()
                    .map_err(|e| CameraError::BadFrame {
                        source_name: format!("v4l:{index}"),
                        detail: e.to_string(),
                    })?;
                let (w, h) = (img.width(), img.height());
                Frame::new(w, h, img.into_raw()).ok_or_else(|| CameraError::BadFrame {
                    source_name: format!("v4l:{index}"),
                    detail: "size mismatch".into(),
                })
            })
            .map(|mut f| {
                f.timestamp = started.elapsed();
                f.sequence = sequence;
                f
            });
        sequence += 1;
        let fatal = matches!(
            result,
            Err(CameraError::Unplugged { .. }) | Err(CameraError::Backend(_))
        );
        match frames.try_send(result) {
            // A slow consumer drops frames rather than queueing stale ones.
            Ok(()) | Err(mpsc::TrySendError::Full(_)) => {}
            Err(mpsc::TrySendError::Disconnected(_)) => break,
        }
        if fatal {
            break;
        }
    }
    let _ = cam.stop_stream();
}

impl Camera for NokhwaCamera {
    fn name(&self) -> String {
        self.device()
    }

    fn formats(&mut self) -> Result<Vec<FrameFormat>, CameraError> {
        let mut cam = open(self.index, None)?;
        let formats = cam
            .compatible_camera_formats()
            .map_err(|e| map_error(self.index, e, false))?;
        Ok(formats.into_iter().map(our_format).collect())
    }

    fn start(&mut self, format: Option<&FrameFormat>) -> Result<FrameFormat, CameraError> {
        self.stop();
        let (opened_tx, opened_rx) = mpsc::sync_channel(1);
        let (frames_tx, frames_rx) = mpsc::sync_channel(2);
        let stop = Arc::new(AtomicBool::new(false));
        let index = self.index;
        let format = format.cloned();
        let thread_stop = stop.clone();
        std::thread::Builder::new()
            .name(format!("camera-v4l{index}"))
            .spawn(move || run(index, format, opened_tx, frames_tx, thread_stop))
            .map_err(|e| CameraError::Backend(e.to_string()))?;
        let format = match opened_rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(r) => r?,
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                return Err(CameraError::Timeout(OPEN_TIMEOUT));
            }
        };
        self.stream = Some(Stream {
            frames: frames_rx,
            stop,
        });
        Ok(format)
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        let stream = self.stream.as_ref().ok_or(CameraError::NotStarted)?;
        let result = match stream.frames.recv_timeout(timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => return Err(CameraError::Timeout(timeout)),
            // The thread ended without a word: treat as gone.
            Err(RecvTimeoutError::Disconnected) => Err(CameraError::Unplugged {
                device: self.device(),
            }),
        };
        if matches!(
            result,
            Err(CameraError::Unplugged { .. }) | Err(CameraError::Backend(_))
        ) {
            self.stop();
        }
        result
    }

    fn stop(&mut self) {
        if let Some(s) = self.stream.take() {
            // The thread sees the flag after its current frame; it is not joined, since a
            // hung driver must not hang the station.
            // Dropping the receiver ends the thread at its next send.
            s.stop.store(true, Ordering::Relaxed);
            drop(s.frames);
        }
    }
}

impl Drop for NokhwaCamera {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the whole path through nokhwa up to the device open: with no such device the
    /// officer gets "not found" with the device named, in both languages.
    #[test]
    fn opening_a_missing_webcam_is_a_clear_not_found() {
        // A number no machine here has (there is no /dev/video* on CI at all).
        let index = 63;
        assert!(!device_node(index).exists());
        let mut cam = crate::open(&format!("v4l:{index}")).unwrap();
        assert_eq!(cam.name(), "v4l:63");
        let e = cam.start(None).unwrap_err();
        assert!(matches!(e, CameraError::NotFound { .. }), "{e:?}");
        assert!(e.vi().contains("Không tìm thấy camera v4l:63"), "{e}");
        assert!(e.en().contains("Camera v4l:63 not found"), "{e}");
        assert!(e.en().contains("/dev/video63"), "{e}");
        let e = cam.formats().unwrap_err();
        assert!(matches!(e, CameraError::NotFound { .. }), "{e:?}");
        assert_eq!(
            cam.next_frame(Duration::from_millis(1)),
            Err(CameraError::NotStarted)
        );
        // Listing works (and finds nothing here) rather than failing.
        let _ = list();
    }
}
