//! Auto-capture (sans-I/O): feed each frame with its analysis; once every check has passed
//! on K frames in a row, the sharpest of them is taken. A manual capture takes the frame
//! the officer chose, with the reason the officer gave.

use crate::{Analysis, Analyzer, CaptureKind, OutputSpec, Portrait, PortraitError};
use camera::{Camera, CaptureEvent, CaptureOptions, CaptureWorker};
use image::RgbImage;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Counts compliant frames in a row and keeps the sharpest.
pub struct AutoCapture {
    k: usize,
    run: usize,
    best: Option<(RgbImage, Analysis)>,
}

impl AutoCapture {
    /// Takes a portrait after `k` compliant frames in a row (at least 1).
    pub fn new(k: usize) -> AutoCapture {
        AutoCapture {
            k: k.max(1),
            run: 0,
            best: None,
        }
    }

    /// Compliant frames in the current run.
    pub fn run_length(&self) -> usize {
        self.run
    }

    /// Feeds a frame; returns the sharpest of the run when it reaches K (and starts over).
    pub fn push(&mut self, frame: RgbImage, analysis: Analysis) -> Option<(RgbImage, Analysis)> {
        if !analysis.passed() {
            self.run = 0;
            self.best = None;
            return None;
        }
        self.run += 1;
        let sharper = self
            .best
            .as_ref()
            .is_none_or(|(_, b)| analysis.sharpness() > b.sharpness());
        if sharper {
            self.best = Some((frame, analysis));
        }
        if self.run >= self.k {
            self.run = 0;
            return self.best.take();
        }
        None
    }

    /// The officer's capture of `frame`, whatever the checks say; the reason is required
    /// and kept with the portrait. The token crop when a face was found, else the centred
    /// full frontal crop without eye points (manual capture is for when the checks fail).
    pub fn manual(
        frame: &RgbImage,
        analysis: &Analysis,
        reason: &str,
        spec: &OutputSpec,
    ) -> Result<Portrait, PortraitError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(PortraitError::NoReason);
        }
        crate::make_portrait(
            frame,
            analysis,
            spec,
            CaptureKind::Manual {
                reason: reason.to_string(),
            },
        )
    }
}

/// Settings for [`capture`].
#[derive(Debug, Clone)]
pub struct CaptureSettings {
    /// Compliant frames in a row before the portrait is taken.
    pub k: usize,
    /// Give up after this many frames (`None`: until the stream ends or is cancelled).
    pub max_frames: Option<u64>,
    /// The officer's manual capture: the first frame is checked (and shown) and then taken
    /// whatever the checks say, with this reason.
    pub manual_reason: Option<String>,
    pub output: OutputSpec,
    pub camera: CaptureOptions,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        CaptureSettings {
            k: 5,
            max_frames: None,
            manual_reason: None,
            output: OutputSpec::default(),
            camera: CaptureOptions::default(),
        }
    }
}

/// Runs a camera on a worker thread and auto-captures a portrait: every frame is checked
/// (and shown to `on_frame`, e.g. for a live preview); camera unplugs are waited out by the
/// worker. Ends with the portrait, or an error when the stream ends, `max_frames` pass or
/// `cancel` is set first. With `manual_reason`, the first frame is taken (after its checks).
pub fn capture(
    camera: Box<dyn Camera>,
    analyzer: &mut Analyzer,
    settings: &CaptureSettings,
    cancel: &AtomicBool,
    mut on_frame: impl FnMut(&Analysis),
) -> Result<Portrait, PortraitError> {
    if let Some(reason) = &settings.manual_reason {
        // Refused before the camera is opened.
        if reason.trim().is_empty() {
            return Err(PortraitError::NoReason);
        }
    }
    let worker = CaptureWorker::spawn(camera, settings.camera.clone())?;
    let mut auto = AutoCapture::new(settings.k);
    let mut frames = 0u64;
    let mut last_failed = Vec::new();
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(PortraitError::Cancelled);
        }
        let event = match worker.events().recv_timeout(Duration::from_millis(100)) {
            Ok(e) => e,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        match event {
            CaptureEvent::Frame(f) => {
                frames += 1;
                let img = f.into_image();
                let a = analyzer.analyze(img.width(), img.height(), img.as_raw());
                on_frame(&a);
                last_failed = a.failed();
                if let Some(reason) = &settings.manual_reason {
                    return AutoCapture::manual(&img, &a, reason, &settings.output);
                }
                if let Some((best, analysis)) = auto.push(img, a) {
                    return crate::make_portrait(
                        &best,
                        &analysis,
                        &settings.output,
                        CaptureKind::Auto { frames: settings.k },
                    );
                }
                if settings.max_frames.is_some_and(|m| frames >= m) {
                    break;
                }
            }
            CaptureEvent::Ended(Some(e)) => return Err(e.into()),
            CaptureEvent::Ended(None) => break,
            CaptureEvent::Started(_)
            | CaptureEvent::Warning(_)
            | CaptureEvent::Restarting(_)
            | CaptureEvent::Unplugged(_)
            | CaptureEvent::Reconnected(_) => {}
        }
    }
    Err(PortraitError::NoCompliantFrame {
        frames,
        last_failed,
    })
}
