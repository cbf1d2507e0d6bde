//! Real webcams through nokhwa (V4L2 on Linux). The nokhwa camera lives on a thread of its
//! own for the whole stream: its `frame()` call blocks with no timeout, so the thread feeds
//! a small channel and [`Camera::next_frame`] waits on that channel with the caller's
//! timeout. A read error ends the stream: when the device node is already gone it is an
//! unplug, otherwise [`CameraError::ReadFailed`]; either way the [`crate::CaptureWorker`]
//! restarts the camera, which tells an unplug (the node is gone by then) from a hiccup. A
//! panic inside nokhwa's decoder (a truncated MJPEG frame from a flaky USB link) is one
//! damaged frame, not the end of the thread.

use crate::{Camera, CameraError, CameraInfo, Frame, FrameFormat};
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat as Fourcc, RequestedFormat,
    RequestedFormatType, Resolution,
};
use nokhwa::NokhwaError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long `start` waits for the device to open and report its format.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The cameras nokhwa sees, as `v4l:N` specs (on Linux every /dev/videoN node; none is
/// an empty list, not an error).
pub(crate) fn list() -> Result<Vec<CameraInfo>, CameraError> {
    // The v4l crate's enumeration unwraps on a /dev entry named "video…" without a number
    // or not in UTF-8; a strange node must not take the station down.
    let cams = catch_unwind(|| nokhwa::query(ApiBackend::Auto))
        .map_err(|p| CameraError::Backend(format!("listing cameras: {}", panic_text(&*p))))?
        .map_err(|e| CameraError::Backend(e.to_string()))?;
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
/// once streaming), anything else while opening is "busy", and while streaming a read
/// failure the capture worker retries (the node may vanish a moment after the read fails).
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
        (false, true) => CameraError::ReadFailed {
            device,
            detail: e.to_string(),
        },
    }
}

/// The text of a caught panic (nokhwa panics with a `String` or a `&str`).
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// One frame from a decoder that gives (width, height, RGB8): an error or a panic inside it
/// is a damaged frame. nokhwa's MJPEG decoding has panicked on truncated frames; the stream
/// must go on with the next one rather than lose its thread.
fn decode_guarded(
    index: u32,
    decode: impl FnOnce() -> Result<(u32, u32, Vec<u8>), String>,
) -> Result<Frame, CameraError> {
    let bad = |detail: String| CameraError::BadFrame {
        source_name: format!("v4l:{index}"),
        detail,
    };
    let (w, h, rgb) = catch_unwind(AssertUnwindSafe(decode))
        .map_err(|p| bad(format!("decoder panicked: {}", panic_text(&*p))))?
        .map_err(bad)?;
    Frame::new(w, h, rgb).ok_or_else(|| bad("size mismatch".into()))
}

/// Opens the device, a panic inside the driver (nokhwa and v4l unwrap on some replies)
/// becoming an error the officer sees instead of a thread that dies without a word.
fn open_guarded<T>(
    index: u32,
    open: impl FnOnce() -> Result<T, CameraError>,
) -> Result<T, CameraError> {
    catch_unwind(AssertUnwindSafe(open)).unwrap_or_else(|p| {
        Err(CameraError::Backend(format!(
            "v4l:{index}: the camera driver failed while opening: {}",
            panic_text(&*p)
        )))
    })
}

/// Waits for the streaming thread to report the device open: in small steps, so a cancel
/// is seen within 50 ms, and at most `timeout`.
fn wait_opened(
    opened: &Receiver<Result<FrameFormat, CameraError>>,
    cancel: &AtomicBool,
    timeout: Duration,
) -> Result<FrameFormat, CameraError> {
    let deadline = Instant::now() + timeout;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(CameraError::Cancelled);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(CameraError::Timeout(timeout));
        }
        match opened.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok(r) => return r,
            Err(RecvTimeoutError::Timeout) => {}
            // The thread always answers before it ends; ending without a word means it
            // died (a panic not caught below, or the system killed it): say so at once
            // rather than after the timeout as if the device were slow.
            Err(RecvTimeoutError::Disconnected) => {
                return Err(CameraError::Backend(
                    "the camera thread ended before the device opened".into(),
                ))
            }
        }
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
    let mut cam = match open_guarded(index, || {
        let mut c = open(index, format.as_ref())?;
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
        // A panic in the driver's read leaves the device in an unknown state: end the
        // stream as a read failure and let the worker reopen it.
        let buffer = match catch_unwind(AssertUnwindSafe(|| cam.frame())) {
            Ok(b) => b.map_err(|e| map_error(index, e, true)),
            Err(p) => Err(CameraError::ReadFailed {
                device: format!("v4l:{index}"),
                detail: format!("driver panicked: {}", panic_text(&*p)),
            }),
        };
        let result = buffer
            .and_then(|buf| {
                decode_guarded(index, || {
                    let img = buf.decode_image::<RgbFormat>().map_err(|e| e.to_string())?;
                    Ok((img.width(), img.height(), img.into_raw()))
                })
            })
            .map(|mut f| {
                f.timestamp = started.elapsed();
                f.sequence = sequence;
                f
            });
        sequence += 1;
        // A damaged frame is one frame; anything else ends this stream.
        let fatal = matches!(
            result,
            Err(CameraError::Unplugged { .. }) | Err(CameraError::ReadFailed { .. })
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
        self.start_cancellable(format, &AtomicBool::new(false))
    }

    fn start_cancellable(
        &mut self,
        format: Option<&FrameFormat>,
        cancel: &AtomicBool,
    ) -> Result<FrameFormat, CameraError> {
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
        // A driver that hangs while opening is left behind (its thread stops at its first
        // send once the receivers are gone); the station is not.
        let format = wait_opened(&opened_rx, cancel, OPEN_TIMEOUT).inspect_err(|_| {
            stop.store(true, Ordering::Relaxed);
        })?;
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
            // The thread ended without a word (it only does so after a panic): a read
            // failure, which the worker retries after checking the device.
            Err(RecvTimeoutError::Disconnected) => Err(CameraError::ReadFailed {
                device: self.device(),
                detail: "the camera thread ended".into(),
            }),
        };
        if matches!(
            result,
            Err(CameraError::Unplugged { .. }) | Err(CameraError::ReadFailed { .. })
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
    }

    /// The indices N of the /dev/videoN nodes this machine has.
    fn video_nodes() -> Vec<u32> {
        let mut n: Vec<u32> = std::fs::read_dir("/dev")
            .unwrap()
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_prefix("video")?.parse().ok()
            })
            .collect();
        n.sort();
        n
    }

    /// Listing gives one `v4l:N` per /dev/videoN node: on machines without any (CI, these
    /// build machines) an empty list, not an error.
    #[test]
    fn listing_finds_exactly_the_video_nodes() {
        let listed = crate::list().expect("listing cameras is not an error");
        let mut got: Vec<u32> = listed
            .iter()
            .map(|c| c.spec.strip_prefix("v4l:").unwrap().parse().unwrap())
            .collect();
        got.sort();
        assert_eq!(got, video_nodes());
        assert!(crate::has_webcam_driver());
    }

    #[test]
    fn a_panic_in_the_decoder_is_a_damaged_frame() {
        let e = decode_guarded(3, || panic!("index out of bounds: the len is 0")).unwrap_err();
        match &e {
            CameraError::BadFrame {
                source_name,
                detail,
            } => {
                assert_eq!(source_name, "v4l:3");
                assert!(
                    detail.contains("decoder panicked: index out of bounds"),
                    "{detail}"
                );
            }
            e => panic!("{e:?}"),
        }
        let e = decode_guarded(3, || Err("bad huffman table".into())).unwrap_err();
        assert!(
            matches!(e, CameraError::BadFrame { ref detail, .. } if detail == "bad huffman table")
        );
        // A decoder that gives the wrong number of bytes does not make a frame.
        let e = decode_guarded(3, || Ok((2, 2, vec![0; 5]))).unwrap_err();
        assert!(matches!(e, CameraError::BadFrame { ref detail, .. } if detail == "size mismatch"));
        let f = decode_guarded(3, || Ok((2, 1, vec![7; 6]))).unwrap();
        assert_eq!((f.width, f.height, f.rgb[0]), (2, 1, 7));
    }

    #[test]
    fn waiting_for_the_device_to_open_is_bounded_and_cancellable() {
        let (tx, rx) = mpsc::sync_channel::<Result<FrameFormat, CameraError>>(1);
        // Nothing answers: the wait ends at its timeout.
        let t = Instant::now();
        let e = wait_opened(&rx, &AtomicBool::new(false), Duration::from_millis(120));
        assert_eq!(e, Err(CameraError::Timeout(Duration::from_millis(120))));
        assert!(t.elapsed() < Duration::from_secs(2));
        // A cancel is seen within a step, long before a 10 s timeout.
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, Ordering::Relaxed);
        });
        let t = Instant::now();
        assert_eq!(
            wait_opened(&rx, &cancel, OPEN_TIMEOUT),
            Err(CameraError::Cancelled)
        );
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        canceller.join().unwrap();
        // The device's answer is passed on.
        let f = FrameFormat {
            width: 640,
            height: 480,
            fps: 30,
            pixel_format: "MJPEG".into(),
        };
        tx.send(Ok(f.clone())).unwrap();
        assert_eq!(
            wait_opened(&rx, &AtomicBool::new(false), OPEN_TIMEOUT),
            Ok(f)
        );
    }

    #[test]
    fn a_camera_thread_that_dies_before_opening_is_reported_at_once() {
        // The thread's sender goes away without an answer (it died): not a 10 s timeout.
        let (tx, rx) = mpsc::sync_channel::<Result<FrameFormat, CameraError>>(1);
        let dying = std::thread::spawn(move || {
            let _tx = tx;
            std::thread::sleep(Duration::from_millis(50));
        });
        let t = Instant::now();
        let e = wait_opened(&rx, &AtomicBool::new(false), OPEN_TIMEOUT).unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert!(
            matches!(&e, CameraError::Backend(d) if d.contains("ended before the device opened")),
            "{e:?}"
        );
        dying.join().unwrap();
        // A panic in the driver while opening is the answer itself, with its text.
        let e = open_guarded::<()>(5, || panic!("called `Option::unwrap()` on a `None` value"))
            .unwrap_err();
        assert!(
            matches!(&e, CameraError::Backend(d) if d.contains("v4l:5") && d.contains("failed while opening: called `Option::unwrap()`")),
            "{e:?}"
        );
        assert!(e.vi().starts_with("Lỗi camera") && e.en().starts_with("Camera error"));
        assert_eq!(open_guarded(5, || Ok(7)), Ok(7));
        let busy = CameraError::Busy {
            device: "v4l:5".into(),
            detail: "EBUSY".into(),
        };
        assert_eq!(open_guarded::<()>(5, || Err(busy.clone())), Err(busy));
    }
}
