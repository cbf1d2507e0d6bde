//! A camera that plays image files (or frames held in memory) as a stream at a set rate.
//! With a folder, the folder is the device: removing it mid-stream is an unplug, and
//! putting it back lets the camera start again, which is how the recovery path is tested.

use crate::{Camera, CameraError, Frame, FrameFormat};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest picture a virtual camera decodes (a 4K webcam is 3840×2160).
const MAX_SIDE: u32 = 8192;
const EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "bmp", "ppm", "pnm"];

enum Source {
    Dir(PathBuf),
    Files(Vec<PathBuf>),
    Frames(Vec<Frame>),
}

struct Stream {
    files: Vec<PathBuf>,
    next: usize,
    started: Instant,
    sequence: u64,
}

/// Plays images as a stream. See the module docs.
pub struct VirtualCamera {
    source: Source,
    fps: f64,
    looping: bool,
    stream: Option<Stream>,
}

impl VirtualCamera {
    /// The images in `dir` (png, jpg, bmp, ppm), in file-name order, at `fps` frames per
    /// second (0 or less: as fast as asked), once through.
    pub fn from_dir(dir: impl Into<PathBuf>, fps: f64) -> VirtualCamera {
        VirtualCamera {
            source: Source::Dir(dir.into()),
            fps,
            looping: false,
            stream: None,
        }
    }

    /// The given image files, in that order.
    pub fn from_files(files: Vec<PathBuf>, fps: f64) -> VirtualCamera {
        VirtualCamera {
            source: Source::Files(files),
            fps,
            looping: false,
            stream: None,
        }
    }

    /// Frames held in memory (for tests that make their own pictures).
    pub fn from_frames(frames: Vec<Frame>, fps: f64) -> VirtualCamera {
        VirtualCamera {
            source: Source::Frames(frames),
            fps,
            looping: false,
            stream: None,
        }
    }

    /// Starts again from the first image after the last instead of ending the stream.
    pub fn looping(mut self, looping: bool) -> VirtualCamera {
        self.looping = looping;
        self
    }

    fn device(&self) -> String {
        match &self.source {
            Source::Dir(d) => format!("virtual:{}", d.display()),
            Source::Files(f) => format!("virtual ({} files)", f.len()),
            Source::Frames(f) => format!("virtual ({} frames)", f.len()),
        }
    }

    fn count(&self) -> usize {
        match (&self.source, &self.stream) {
            (Source::Frames(f), _) => f.len(),
            (_, Some(s)) => s.files.len(),
            _ => 0,
        }
    }

    fn scan(&self) -> Result<Vec<PathBuf>, CameraError> {
        let not_found = |detail: String| CameraError::NotFound {
            device: self.device(),
            detail,
        };
        match &self.source {
            Source::Frames(_) => Ok(Vec::new()),
            Source::Files(files) => {
                if let Some(missing) = files.iter().find(|f| !f.is_file()) {
                    return Err(not_found(format!("no file {}", missing.display())));
                }
                Ok(files.clone())
            }
            Source::Dir(dir) => {
                let entries = std::fs::read_dir(dir).map_err(|e| not_found(e.to_string()))?;
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && has_image_extension(p))
                    .collect();
                files.sort();
                Ok(files)
            }
        }
    }

    fn frame_at(&self, index: usize, files: &[PathBuf]) -> Result<Frame, CameraError> {
        match &self.source {
            Source::Frames(frames) => Ok(frames[index].clone()),
            _ => decode(&files[index]),
        }
    }
}

fn has_image_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Decodes one image file to RGB8, refusing pictures too large to be a camera frame.
pub(crate) fn decode(path: &Path) -> Result<Frame, CameraError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = |detail: String| CameraError::BadFrame {
        source_name: name.clone(),
        detail,
    };
    let mut reader = image::ImageReader::open(path)
        .map_err(|e| bad(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| bad(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| bad(e.to_string()))?;
    Ok(Frame::from_image(img.to_rgb8()))
}

impl Camera for VirtualCamera {
    fn name(&self) -> String {
        self.device()
    }

    fn formats(&mut self) -> Result<Vec<FrameFormat>, CameraError> {
        let fps = if self.fps > 0.0 {
            self.fps.round() as u32
        } else {
            0
        };
        let (width, height) = match &self.source {
            Source::Frames(f) => {
                f.first()
                    .map(|f| (f.width, f.height))
                    .ok_or_else(|| CameraError::NotFound {
                        device: self.device(),
                        detail: "no frames".into(),
                    })?
            }
            _ => {
                let files = self.scan()?;
                let first = files.first().ok_or_else(|| CameraError::NotFound {
                    device: self.device(),
                    detail: "no images".into(),
                })?;
                image::image_dimensions(first).map_err(|e| CameraError::BadFrame {
                    source_name: first
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    detail: e.to_string(),
                })?
            }
        };
        Ok(vec![FrameFormat {
            width,
            height,
            fps,
            pixel_format: "RGB".into(),
        }])
    }

    /// Plays the files at their own size: a requested format is not applied.
    fn start(&mut self, _format: Option<&FrameFormat>) -> Result<FrameFormat, CameraError> {
        self.stream = None;
        let format = self.formats()?.remove(0);
        let files = self.scan()?;
        self.stream = Some(Stream {
            files,
            next: 0,
            started: Instant::now(),
            sequence: 0,
        });
        Ok(format)
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        if self.stream.is_none() {
            return Err(CameraError::NotStarted);
        }
        if let Source::Dir(dir) = &self.source {
            if !dir.is_dir() {
                self.stream = None;
                return Err(CameraError::Unplugged {
                    device: self.device(),
                });
            }
        }
        let count = self.count();
        let stream = self.stream.as_mut().expect("checked above");
        if stream.next >= count {
            if self.looping && count > 0 {
                stream.next = 0;
            } else {
                return Err(CameraError::EndOfStream);
            }
        }
        // Pace the stream: frame n is due n / fps after the start.
        if self.fps > 0.0 {
            let due = stream.started + Duration::from_secs_f64(stream.sequence as f64 / self.fps);
            let now = Instant::now();
            if due > now {
                let wait = due - now;
                if wait > timeout {
                    std::thread::sleep(timeout);
                    return Err(CameraError::Timeout(timeout));
                }
                std::thread::sleep(wait);
            }
        }
        let (index, sequence, started) = (stream.next, stream.sequence, stream.started);
        let files = std::mem::take(&mut stream.files);
        let result = self.frame_at(index, &files);
        let stream = self.stream.as_mut().expect("still streaming");
        stream.files = files;
        stream.next += 1;
        stream.sequence += 1;
        if result.is_err() {
            // A file that vanished with its folder is an unplug, not a damaged picture.
            if let Source::Dir(dir) = &self.source {
                if !dir.is_dir() {
                    self.stream = None;
                    return Err(CameraError::Unplugged {
                        device: self.device(),
                    });
                }
            }
        }
        let mut frame = result?;
        frame.sequence = sequence;
        frame.timestamp = started.elapsed();
        Ok(frame)
    }

    fn stop(&mut self) {
        self.stream = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(dir: &Path, name: &str, w: u32, h: u32, shade: u8) {
        image::RgbImage::from_pixel(w, h, image::Rgb([shade, shade, shade]))
            .save(dir.join(name))
            .unwrap();
    }

    #[test]
    fn plays_a_folder_in_name_order_then_ends() {
        let dir = tempfile::tempdir().unwrap();
        write_png(dir.path(), "b.png", 4, 3, 20);
        write_png(dir.path(), "a.png", 4, 3, 10);
        std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
        let mut cam = VirtualCamera::from_dir(dir.path(), 0.0);
        assert_eq!(
            cam.next_frame(Duration::from_millis(10)),
            Err(CameraError::NotStarted)
        );
        let fmt = cam.start(None).unwrap();
        assert_eq!((fmt.width, fmt.height), (4, 3));
        let a = cam.next_frame(Duration::from_secs(1)).unwrap();
        let b = cam.next_frame(Duration::from_secs(1)).unwrap();
        assert_eq!((a.rgb[0], a.sequence), (10, 0));
        assert_eq!((b.rgb[0], b.sequence), (20, 1));
        assert_eq!(
            cam.next_frame(Duration::from_secs(1)),
            Err(CameraError::EndOfStream)
        );
        // Restarting plays it again; looping never ends.
        cam.start(None).unwrap();
        assert_eq!(cam.next_frame(Duration::from_secs(1)).unwrap().rgb[0], 10);
        let mut cam = VirtualCamera::from_dir(dir.path(), 0.0).looping(true);
        cam.start(None).unwrap();
        let shades: Vec<u8> = (0..5)
            .map(|_| cam.next_frame(Duration::from_secs(1)).unwrap().rgb[0])
            .collect();
        assert_eq!(shades, [10, 20, 10, 20, 10]);
    }

    #[test]
    fn paces_frames_and_times_out_when_the_next_is_not_due() {
        let frames = vec![Frame::new(1, 1, vec![1, 2, 3]).unwrap(); 3];
        let mut cam = VirtualCamera::from_frames(frames, 20.0);
        cam.start(None).unwrap();
        cam.next_frame(Duration::from_secs(1)).unwrap();
        // The second frame is due 50 ms after the start.
        assert_eq!(
            cam.next_frame(Duration::from_millis(1)),
            Err(CameraError::Timeout(Duration::from_millis(1)))
        );
        let f = cam.next_frame(Duration::from_secs(1)).unwrap();
        assert!(
            f.timestamp >= Duration::from_millis(50),
            "{:?}",
            f.timestamp
        );
        assert_eq!(f.sequence, 1);
    }

    #[test]
    fn missing_or_empty_folder_is_not_found_and_damaged_file_is_a_bad_frame() {
        let mut cam = VirtualCamera::from_dir("/nonexistent/portraits", 0.0);
        let e = cam.start(None).unwrap_err();
        assert!(matches!(e, CameraError::NotFound { .. }), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = VirtualCamera::from_dir(dir.path(), 0.0)
            .start(None)
            .unwrap_err();
        assert!(e.en().contains("no images"), "{e}");
        std::fs::write(dir.path().join("a.jpg"), b"\xff\xd8 not really").unwrap();
        let e = VirtualCamera::from_dir(dir.path(), 0.0)
            .start(None)
            .unwrap_err();
        assert!(matches!(e, CameraError::BadFrame { .. }), "{e}");
        let mut cam = VirtualCamera::from_files(vec![dir.path().join("b.png")], 0.0);
        assert!(matches!(cam.start(None), Err(CameraError::NotFound { .. })));
    }

    #[test]
    fn removing_the_folder_mid_stream_is_an_unplug_and_it_starts_again_when_back() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cam");
        std::fs::create_dir(&dir).unwrap();
        write_png(&dir, "a.png", 2, 2, 1);
        let mut cam = VirtualCamera::from_dir(&dir, 0.0).looping(true);
        cam.start(None).unwrap();
        cam.next_frame(Duration::from_secs(1)).unwrap();
        std::fs::rename(&dir, root.path().join("away")).unwrap();
        let e = cam.next_frame(Duration::from_secs(1)).unwrap_err();
        assert!(e.is_unplugged(), "{e}");
        assert!(e.vi().contains("ngắt kết nối") && e.en().contains("disconnected"));
        assert!(cam.start(None).is_err());
        std::fs::rename(root.path().join("away"), &dir).unwrap();
        cam.start(None).unwrap();
        cam.next_frame(Duration::from_secs(1)).unwrap();
    }
}
