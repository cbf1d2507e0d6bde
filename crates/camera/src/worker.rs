//! The capture loop off the UI thread: a worker thread owns the camera, pulls frames with a
//! timeout and sends them over a channel. Cancelling is a flag the loop checks between
//! frames (every `frame_timeout` at worst) and while it waits to reopen a camera.
//!
//! The recovery policy lives here, over the [`Camera`] trait, so it is the same for every
//! backend and is tested with a scripted camera: a failed read (or `restart_after_timeouts`
//! timeouts in a row) restarts the stream after `retry_delay`; when the device is gone by
//! then (or was gone at the read) the officer is told it is unplugged and the worker reopens
//! it every `reconnect_every` until it is back, cancelled, or `give_up_after` has passed.
//! A damaged frame is a warning and the stream goes on.

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
    /// Pause before the first reopening after a failed read: the device node of a pulled
    /// cable can outlive the read that failed by a moment, and a hiccup needs a breath.
    pub retry_delay: Duration,
    /// Pause between reopening attempts after that.
    pub reconnect_every: Duration,
    /// Stop retrying once this long has passed (`None`: until cancelled).
    pub give_up_after: Option<Duration>,
    /// Timeouts in a row after which the stream is restarted (0: never). A webcam whose
    /// driver stalls sends nothing and reports nothing; restarting the stream is the cure.
    pub restart_after_timeouts: u32,
    /// Frames waiting for the receiver at most; the worker waits when the queue is full.
    pub queue: usize,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            format: None,
            frame_timeout: Duration::from_millis(500),
            retry_delay: Duration::from_millis(200),
            reconnect_every: Duration::from_millis(500),
            give_up_after: None,
            // 5 s without a frame at the default timeout.
            restart_after_timeouts: 10,
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
    /// A passing problem (timeout, one damaged frame, a failed reopening); the stream goes on
    /// or the worker keeps trying.
    Warning(CameraError),
    /// The stream failed with the camera still there (why: a read failure, or the last
    /// timeout); the worker restarts it. `Reconnected` or `Unplugged` follows.
    Restarting(CameraError),
    /// The camera went away; the worker is trying to reopen it.
    Unplugged(CameraError),
    /// The camera streams again after a restart or an unplug.
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
    /// Starts `camera` on a new thread; the first event is `Started` or `Ended(_)`.
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

/// Sleeps `d` in small steps; false when cancelled meanwhile.
fn pause(d: Duration, cancel: &AtomicBool) -> bool {
    let wake = Instant::now() + d;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return false;
        }
        let left = wake.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(10)));
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
        // The last word waits for room in the queue (it was lost when the receiver was a
        // few frames behind); once cancelled it goes out only if there is room, since a
        // cancelling receiver may never read again.
        let mut last = CaptureEvent::Ended(why);
        loop {
            match tx.try_send(last) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => break,
                Err(TrySendError::Full(e)) => {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    last = e;
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    };
    match camera.start_cancellable(options.format.as_ref(), &cancel) {
        Ok(f) => {
            if !send(&tx, &cancel, CaptureEvent::Started(f)) {
                end(&mut camera, None);
                return camera;
            }
        }
        Err(CameraError::Cancelled) => {
            end(&mut camera, None);
            return camera;
        }
        Err(e) => {
            end(&mut camera, Some(e));
            return camera;
        }
    }
    let mut timeouts = 0u32;
    while !cancel.load(Ordering::Relaxed) {
        let failed = match camera.next_frame(options.frame_timeout) {
            Ok(frame) => {
                timeouts = 0;
                if !send(&tx, &cancel, CaptureEvent::Frame(frame)) {
                    break;
                }
                continue;
            }
            Err(CameraError::EndOfStream) => break,
            Err(e @ CameraError::Timeout(_)) => {
                timeouts += 1;
                if options.restart_after_timeouts == 0 || timeouts < options.restart_after_timeouts
                {
                    if !send(&tx, &cancel, CaptureEvent::Warning(e)) {
                        break;
                    }
                    continue;
                }
                e
            }
            Err(e @ CameraError::BadFrame { .. }) => {
                if !send(&tx, &cancel, CaptureEvent::Warning(e)) {
                    break;
                }
                continue;
            }
            Err(e) if e.is_final() => {
                end(&mut camera, Some(e));
                return camera;
            }
            Err(e) => e,
        };
        timeouts = 0;
        match recover(&mut *camera, &options, &tx, &cancel, failed) {
            Recovery::Back(f) => {
                if !send(&tx, &cancel, CaptureEvent::Reconnected(f)) {
                    break;
                }
            }
            Recovery::GaveUp(e) => {
                end(&mut camera, Some(e));
                return camera;
            }
            Recovery::Cancelled => break,
        }
    }
    end(&mut camera, None);
    camera
}

enum Recovery {
    Back(FrameFormat),
    GaveUp(CameraError),
    Cancelled,
}

/// Restarts a stream that failed with `why`: tells the receiver (unplugged, or restarting),
/// then reopens the camera after `retry_delay` and every `reconnect_every` after that. A
/// camera that turns out to be gone on reopening is reported unplugged once.
fn recover(
    camera: &mut dyn Camera,
    options: &CaptureOptions,
    tx: &SyncSender<CaptureEvent>,
    cancel: &AtomicBool,
    why: CameraError,
) -> Recovery {
    camera.stop();
    let mut unplugged = why.is_unplugged();
    let first = if unplugged {
        CaptureEvent::Unplugged(why.clone())
    } else {
        CaptureEvent::Restarting(why.clone())
    };
    if !send(tx, cancel, first) {
        return Recovery::Cancelled;
    }
    let since = Instant::now();
    let mut last = why;
    let mut wait = options.retry_delay;
    loop {
        if !pause(wait, cancel) {
            return Recovery::Cancelled;
        }
        wait = options.reconnect_every;
        match camera.start_cancellable(options.format.as_ref(), cancel) {
            Ok(f) => return Recovery::Back(f),
            Err(CameraError::Cancelled) => return Recovery::Cancelled,
            Err(e) if e.is_final() => return Recovery::GaveUp(e),
            Err(CameraError::NotFound { .. } | CameraError::Unplugged { .. }) => {
                let gone = CameraError::Unplugged {
                    device: camera.name(),
                };
                if !unplugged {
                    unplugged = true;
                    if !send(tx, cancel, CaptureEvent::Unplugged(gone.clone())) {
                        return Recovery::Cancelled;
                    }
                }
                last = gone;
            }
            Err(e) => {
                // There but not opening (busy, a driver error): say so once per new reason.
                if e != last && !send(tx, cancel, CaptureEvent::Warning(e.clone())) {
                    return Recovery::Cancelled;
                }
                last = e;
            }
        }
        if options.give_up_after.is_some_and(|g| since.elapsed() >= g) {
            return Recovery::GaveUp(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VirtualCamera;
    use std::collections::VecDeque;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// What a scripted camera does on its next read.
    enum Step {
        Frame(u8),
        Fail(CameraError),
        /// The cable is pulled as the read fails: the device is gone right after.
        FailThenGone(CameraError),
    }

    /// A camera without a device: `next_frame` plays a script (then frames forever),
    /// `start` works while `present` is set, and waits (cancellably) while `slow_open` is.
    #[derive(Clone, Default)]
    struct Scripted {
        present: Arc<AtomicBool>,
        slow_open: Arc<AtomicBool>,
        starts: Arc<AtomicUsize>,
        script: Arc<Mutex<VecDeque<Step>>>,
    }

    impl Scripted {
        fn new(script: Vec<Step>) -> Scripted {
            let s = Scripted::default();
            s.present.store(true, Ordering::SeqCst);
            *s.script.lock().unwrap() = script.into();
            s
        }
        fn format() -> FrameFormat {
            FrameFormat {
                width: 1,
                height: 1,
                fps: 30,
                pixel_format: "MJPEG".into(),
            }
        }
    }

    impl Camera for Scripted {
        fn name(&self) -> String {
            "v4l:7".into()
        }
        fn formats(&mut self) -> Result<Vec<FrameFormat>, CameraError> {
            Ok(vec![Scripted::format()])
        }
        fn start(&mut self, format: Option<&FrameFormat>) -> Result<FrameFormat, CameraError> {
            self.start_cancellable(format, &AtomicBool::new(false))
        }
        fn start_cancellable(
            &mut self,
            _format: Option<&FrameFormat>,
            cancel: &AtomicBool,
        ) -> Result<FrameFormat, CameraError> {
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.slow_open.load(Ordering::SeqCst) && Instant::now() < deadline {
                if cancel.load(Ordering::Relaxed) {
                    return Err(CameraError::Cancelled);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            if !self.present.load(Ordering::SeqCst) {
                return Err(CameraError::NotFound {
                    device: self.name(),
                    detail: "no /dev/video7".into(),
                });
            }
            self.starts.fetch_add(1, Ordering::SeqCst);
            Ok(Scripted::format())
        }
        fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
            let step = self.script.lock().unwrap().pop_front();
            match step {
                Some(Step::Frame(v)) => Ok(Frame::new(1, 1, vec![v; 3]).unwrap()),
                Some(Step::Fail(e)) => {
                    if matches!(e, CameraError::Timeout(_)) {
                        std::thread::sleep(timeout.min(Duration::from_millis(5)));
                    }
                    Err(e)
                }
                Some(Step::FailThenGone(e)) => {
                    self.present.store(false, Ordering::SeqCst);
                    Err(e)
                }
                None => {
                    std::thread::sleep(Duration::from_millis(2));
                    Ok(Frame::new(1, 1, vec![255; 3]).unwrap())
                }
            }
        }
        fn stop(&mut self) {}
    }

    fn read_failed() -> CameraError {
        CameraError::ReadFailed {
            device: "v4l:7".into(),
            detail: "VIDIOC_DQBUF: No such device".into(),
        }
    }

    fn fast() -> CaptureOptions {
        CaptureOptions {
            frame_timeout: Duration::from_millis(50),
            retry_delay: Duration::from_millis(20),
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

    #[test]
    fn a_read_error_then_the_device_gone_is_an_unplug_and_frames_come_back_with_it() {
        let cam = Scripted::new(vec![Step::Frame(1), Step::FailThenGone(read_failed())]);
        let w = CaptureWorker::spawn(Box::new(cam.clone()), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        assert!(matches!(next(&w), CaptureEvent::Frame(f) if f.rgb[0] == 1));
        // The read failed while the node was still there: a restart first, then the
        // re-check finds the device gone.
        match next(&w) {
            CaptureEvent::Restarting(e) => assert_eq!(e, read_failed()),
            e => panic!("{e:?}"),
        }
        match next(&w) {
            CaptureEvent::Unplugged(e) => {
                assert!(e.is_unplugged(), "{e}");
                assert!(e.en().contains("v4l:7") && e.en().contains("disconnected"));
            }
            e => panic!("{e:?}"),
        }
        // Nothing else while it is away (reopening keeps failing quietly).
        assert!(w.events().recv_timeout(Duration::from_millis(150)).is_err());
        cam.present.store(true, Ordering::SeqCst);
        assert!(matches!(next(&w), CaptureEvent::Reconnected(_)));
        assert!(matches!(next(&w), CaptureEvent::Frame(_)));
        assert_eq!(cam.starts.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_read_error_with_the_device_still_there_restarts_the_stream() {
        let e = CameraError::Backend("select timeout".into());
        let cam = Scripted::new(vec![Step::Fail(read_failed()), Step::Fail(e.clone())]);
        let w = CaptureWorker::spawn(Box::new(cam.clone()), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        // Any read error during streaming is retried, not the end of the worker.
        for want in [read_failed(), e] {
            match next(&w) {
                CaptureEvent::Restarting(got) => assert_eq!(got, want),
                e => panic!("{e:?}"),
            }
            assert!(matches!(next(&w), CaptureEvent::Reconnected(_)));
        }
        assert!(matches!(next(&w), CaptureEvent::Frame(_)));
        assert_eq!(cam.starts.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_damaged_frame_is_a_warning_and_the_stream_goes_on() {
        let bad = CameraError::BadFrame {
            source_name: "v4l:7".into(),
            detail: "decoder panicked: index out of bounds".into(),
        };
        let cam = Scripted::new(vec![Step::Fail(bad.clone()), Step::Frame(9)]);
        let w = CaptureWorker::spawn(Box::new(cam.clone()), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        match next(&w) {
            CaptureEvent::Warning(e) => assert_eq!(e, bad),
            e => panic!("{e:?}"),
        }
        assert!(matches!(next(&w), CaptureEvent::Frame(f) if f.rgb[0] == 9));
        assert_eq!(cam.starts.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn timeouts_in_a_row_restart_the_stream() {
        let t = CameraError::Timeout(Duration::from_millis(50));
        let mut script: Vec<Step> = (0..3).map(|_| Step::Fail(t.clone())).collect();
        // A frame resets the count: three more timeouts are needed after it.
        script.push(Step::Frame(1));
        script.extend((0..3).map(|_| Step::Fail(t.clone())));
        let cam = Scripted::new(script);
        let opts = CaptureOptions {
            restart_after_timeouts: 3,
            ..fast()
        };
        let w = CaptureWorker::spawn(Box::new(cam.clone()), opts).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        for _ in 0..2 {
            assert!(matches!(
                next(&w),
                CaptureEvent::Warning(CameraError::Timeout(_))
            ));
        }
        match next(&w) {
            CaptureEvent::Restarting(e) => assert_eq!(e, t),
            e => panic!("{e:?}"),
        }
        assert!(matches!(next(&w), CaptureEvent::Reconnected(_)));
        assert!(matches!(next(&w), CaptureEvent::Frame(f) if f.rgb[0] == 1));
        for _ in 0..2 {
            assert!(matches!(
                next(&w),
                CaptureEvent::Warning(CameraError::Timeout(_))
            ));
        }
        assert!(matches!(next(&w), CaptureEvent::Restarting(_)));
        assert!(matches!(next(&w), CaptureEvent::Reconnected(_)));
        assert_eq!(cam.starts.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_cancel_does_not_wait_behind_a_slow_reopening() {
        let cam = Scripted::new(vec![Step::Frame(1), Step::Fail(read_failed())]);
        let w = CaptureWorker::spawn(Box::new(cam.clone()), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        // The device now takes 10 s to open.
        cam.slow_open.store(true, Ordering::SeqCst);
        assert!(matches!(next(&w), CaptureEvent::Frame(_)));
        assert!(matches!(next(&w), CaptureEvent::Restarting(_)));
        // Let the worker get into the reopening.
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        w.cancel();
        match next(&w) {
            CaptureEvent::Ended(None) => {}
            e => panic!("{e:?}"),
        }
        w.join();
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    }

    #[test]
    fn a_busy_device_on_reopening_is_warned_once_and_retried() {
        #[derive(Clone)]
        struct BusyOnce(Scripted, Arc<AtomicUsize>);
        impl Camera for BusyOnce {
            fn name(&self) -> String {
                self.0.name()
            }
            fn formats(&mut self) -> Result<Vec<FrameFormat>, CameraError> {
                self.0.formats()
            }
            fn start(&mut self, f: Option<&FrameFormat>) -> Result<FrameFormat, CameraError> {
                // The first start works, the next two find the device busy.
                let n = self.1.fetch_add(1, Ordering::SeqCst);
                if (1..3).contains(&n) {
                    return Err(CameraError::Busy {
                        device: self.name(),
                        detail: "EBUSY".into(),
                    });
                }
                self.0.start(f)
            }
            fn next_frame(&mut self, t: Duration) -> Result<Frame, CameraError> {
                self.0.next_frame(t)
            }
            fn stop(&mut self) {}
        }
        let cam = BusyOnce(
            Scripted::new(vec![Step::Fail(read_failed())]),
            Arc::new(AtomicUsize::new(0)),
        );
        let w = CaptureWorker::spawn(Box::new(cam.clone()), fast()).unwrap();
        assert!(matches!(next(&w), CaptureEvent::Started(_)));
        assert!(matches!(next(&w), CaptureEvent::Restarting(_)));
        assert!(matches!(
            next(&w),
            CaptureEvent::Warning(CameraError::Busy { .. })
        ));
        assert!(matches!(next(&w), CaptureEvent::Reconnected(_)));
        assert_eq!(cam.1.load(Ordering::SeqCst), 4);
    }
}
