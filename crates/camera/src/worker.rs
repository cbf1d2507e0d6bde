//! The capture loop off the UI thread: a worker thread owns the camera, pulls frames with a
//! timeout and sends them over a channel. Cancelling is a flag the loop checks between
//! frames (every `frame_timeout` at worst). An unplugged camera is reopened every
//! `reconnect_every` until it is back, cancelled, or `give_up_after` has passed.

use crate::{Camera, CameraError, Frame, FrameFormat};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the worker runs its camera.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Format asked of the camera (`None`: the camera's choice).
    pub format: Option<FrameFormat>,
    /// Longest wait for one frame before a `Timeout` event (the loop then goes on).
    pub frame_timeout: Duration,
    /// Pause between reopening attempts after an unplug.
    pub reconnect_every: Duration,
    /// Stop retrying after an unplug once this long has passed (`None`: until cancelled).
    pub give_up_after: Option<Duration>,
    /// Frames waiting for the receiver at most; the worker waits when the queue is full.
    pub queue: usize,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            format: None,
            frame_timeout: Duration::from_millis(500),
            reconnect_every: Duration::from_millis(500),
            give_up_after: None,
            queue: 4,
        }
    }
}

/// What the worker reports, in order.
#[derive(Debug)]
pub enum CaptureEvent {
    /// The camera streams in this format.
    Started(FrameFormat),
    Frame(Frame),
    /// A passing problem (timeout, one damaged frame); the stream goes on.
    Warning(CameraError),
    /// The camera went away; the worker is trying to reopen it.
    Unplugged(CameraError),
    /// The camera is back after an unplug.
    Reconnected(FrameFormat),
    /// The last event: `None` when cancelled or the stream ended, else why it failed.
    Ended(Option<CameraError>),
}

/// A camera streaming on its own thread. Dropping it cancels and joins the thread.
pub struct CaptureWorker {
    events: Receiver<CaptureEvent>,
    cancel: Arc<AtomicBool>,
    handle: Option<JoinHandle<Box<dyn Camera>>>,
}

impl CaptureWorker {
    /// Starts `camera` on a new thread; the first event is `Started` or `Ended(Some(_))`.
    pub fn spawn(
        camera: Box<dyn Camera>,
        options: CaptureOptions,
    ) -> Result<CaptureWorker, CameraError> {
        let (tx, rx) = mpsc::sync_channel(options.queue.max(1));
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let handle = std::thread::Builder::new()
            .name("camera-capture".into())
            .spawn(move || run(camera, options, tx, flag))
            .map_err(|e| CameraError::Backend(e.to_string()))?;
        Ok(CaptureWorker {
            events: rx,
            cancel,
            handle: Some(handle),
        })
    }

    /// The event channel (for `recv`, `recv_timeout`, `try_iter`…).
    pub fn events(&self) -> &Receiver<CaptureEvent> {
        &self.events
    }

    /// Asks the worker to stop; it sends `Ended(None)` and ends.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Cancels, waits for the thread and gives the camera back (stopped).
    pub fn join(mut self) -> Option<Box<dyn Camera>> {
        self.cancel();
        self.handle.take().and_then(|h| h.join().ok())
    }
}

impl Drop for CaptureWorker {
    fn drop(&mut self) {
        self.cancel();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Sends unless cancelled; false when the worker should end (cancelled or nobody listens).
fn send(tx: &SyncSender<CaptureEvent>, cancel: &AtomicBool, mut event: CaptureEvent) -> bool {
    loop {
        if cancel.load(Ordering::Relaxed) {
            return false;
        }
        match tx.try_send(event) {
            Ok(()) => return true,
            Err(TrySendError::Disconnected(_)) => return false,
            Err(TrySendError::Full(e)) => {
                event = e;
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }
}

fn run(
    mut camera: Box<dyn Camera>,
    options: CaptureOptions,
    tx: SyncSender<CaptureEvent>,
    cancel: Arc<AtomicBool>,
) -> Box<dyn Camera> {
    let end = |camera: &mut Box<dyn Camera>, why: Option<CameraError>| {
        camera.stop();
        // The last word goes out even when cancelled, unless nobody listens.
        let _ = tx.try_send(CaptureEvent::Ended(why));
    };
    match camera.start(options.format.as_ref()) {
        Ok(f) => {
            if !send(&tx, &cancel, CaptureEvent::Started(f)) {
                end(&mut camera, None);
                return camera;
            }
        }
        Err(e) => {
            end(&mut camera, Some(e));
            return camera;
        }
    }
    while !cancel.load(Ordering::Relaxed) {
        let event = match camera.next_frame(options.frame_timeout) {
            Ok(frame) => CaptureEvent::Frame(frame),
            Err(CameraError::EndOfStream) => break,
            Err(e @ (CameraError::Timeout(_) | CameraError::BadFrame { .. })) => {
                CaptureEvent::Warning(e)
            }
            Err(e) if e.is_unplugged() => {
                if !send(&tx, &cancel, CaptureEvent::Unplugged(e.clone())) {
                    break;
                }
                match reconnect(&mut *camera, &options, &cancel) {
                    Some(Ok(f)) => CaptureEvent::Reconnected(f),
                    Some(Err(())) => {
                        end(&mut camera, Some(e));
                        return camera;
                    }
                    None => break,
                }
            }
            Err(e) => {
                end(&mut camera, Some(e));
                return camera;
            }
        };
        if !send(&tx, &cancel, event) {
            break;
        }
    }
    end(&mut camera, None);
    camera
}

/// Reopens an unplugged camera: `Some(Ok)` when back, `Some(Err)` when given up, `None`
/// when cancelled.
fn reconnect(
    camera: &mut dyn Camera,
    options: &CaptureOptions,
    cancel: &AtomicBool,
) -> Option<Result<FrameFormat, ()>> {
    let since = Instant::now();
    loop {
        // Sleep in small steps so a cancel is seen quickly.
        let wake = Instant::now() + options.reconnect_every;
        while Instant::now() < wake {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10).min(options.reconnect_every));
        }
        if let Ok(f) = camera.start(options.format.as_ref()) {
            return Some(Ok(f));
        }
        if options.give_up_after.is_some_and(|g| since.elapsed() >= g) {
            return Some(Err(()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VirtualCamera;

    fn fast() -> CaptureOptions {
        CaptureOptions {
            frame_timeout: Duration::from_millis(50),
            reconnect_every: Duration::from_millis(20),
            ..CaptureOptions::default()
        }
    }

    fn next(w: &CaptureWorker) -> CaptureEvent {
        w.events()
            .recv_timeout(Duration::from_secs(10))
            .expect("an event within 10 s")
    }

    #[test]
    fn delivers_every_frame_then_ends() {
        let frames: Vec<Frame> = (0..5u8)
            .map(|i| Frame::new(1, 1, vec![i, i, i]).unwrap())
            .collect();
        let w = CaptureWorker::spawn(Box::new(VirtualCamera::from_frames(frames, 0.0)), fast())
            .unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        for i in 0..5u8 {
            match next(&w) {
                CaptureEvent::Frame(f) => assert_eq!((f.rgb[0], f.sequence), (i, i as u64)),
                e => panic!("{e:?}"),
            }
        }
        assert!(matches!(next(&w), CaptureEvent::Ended(None)));
        assert!(w.join().is_some());
    }

    #[test]
    fn a_camera_that_cannot_start_ends_with_the_reason() {
        let w = CaptureWorker::spawn(
            Box::new(VirtualCamera::from_dir("/nonexistent", 0.0)),
            fast(),
        )
        .unwrap();
        match next(&w) {
            CaptureEvent::Ended(Some(CameraError::NotFound { .. })) => {}
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn cancel_stops_a_slow_stream_promptly() {
        let frames = vec![Frame::new(1, 1, vec![0; 3]).unwrap(); 3];
        // One frame a minute: the worker only ever waits `frame_timeout` at a time.
        let cam = VirtualCamera::from_frames(frames, 1.0 / 60.0);
        let w = CaptureWorker::spawn(Box::new(cam), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        assert!(matches!(next(&w), CaptureEvent::Frame(_)));
        assert!(matches!(
            next(&w),
            CaptureEvent::Warning(CameraError::Timeout(_))
        ));
        w.cancel();
        loop {
            match next(&w) {
                CaptureEvent::Ended(None) => break,
                CaptureEvent::Warning(_) => {}
                e => panic!("{e:?}"),
            }
        }
        w.join();
    }

    #[test]
    fn unplugged_mid_stream_reconnects_when_the_camera_comes_back() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cam");
        std::fs::create_dir(&dir).unwrap();
        image::RgbImage::new(2, 2).save(dir.join("a.png")).unwrap();
        let cam = VirtualCamera::from_dir(&dir, 200.0).looping(true);
        let w = CaptureWorker::spawn(Box::new(cam), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        assert!(matches!(next(&w), CaptureEvent::Frame(_)));
        std::fs::rename(&dir, root.path().join("away")).unwrap();
        let mut unplugged = false;
        loop {
            match next(&w) {
                CaptureEvent::Frame(_) if !unplugged => {}
                CaptureEvent::Unplugged(e) => {
                    assert!(e.is_unplugged());
                    unplugged = true;
                    std::thread::sleep(Duration::from_millis(100));
                    std::fs::rename(root.path().join("away"), &dir).unwrap();
                }
                CaptureEvent::Reconnected(_) => break,
                e => panic!("{e:?}"),
            }
        }
        assert!(unplugged);
        assert!(matches!(next(&w), CaptureEvent::Frame(_)));
        drop(w);
    }

    #[test]
    fn gives_up_after_the_set_time_when_the_camera_stays_away() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cam");
        std::fs::create_dir(&dir).unwrap();
        image::RgbImage::new(2, 2).save(dir.join("a.png")).unwrap();
        let cam = VirtualCamera::from_dir(&dir, 100.0).looping(true);
        let opts = CaptureOptions {
            give_up_after: Some(Duration::from_millis(100)),
            ..fast()
        };
        let w = CaptureWorker::spawn(Box::new(cam), opts).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        std::fs::remove_dir_all(&dir).unwrap();
        loop {
            match next(&w) {
                CaptureEvent::Frame(_) | CaptureEvent::Unplugged(_) => {}
                CaptureEvent::Ended(Some(e)) => {
                    assert!(e.is_unplugged(), "{e}");
                    break;
                }
                e => panic!("{e:?}"),
            }
        }
    }
}
