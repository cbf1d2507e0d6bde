//! The ISO/IEC 19794-5 token face image (§8.4): the frame rotated so the eyes are level and
//! scaled so they sit 0.25·W apart with their midpoint at (0.5·W, 0.6·W), W wide and 4/3·W
//! high; encoded as a JPEG within a size budget by lowering the quality until it fits.

use crate::{Analysis, CheckResult, Eyes, PortraitError};
use image::codecs::jpeg::JpegEncoder;
use image::RgbImage;

/// What the output looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Token width in pixels (height is 4/3 of it). 360 puts 90 px between the eyes.
    pub width: u32,
    /// Largest JPEG size in bytes for the chip's DG2.
    pub budget: usize,
    /// Quality tried first, and the lowest one allowed.
    pub max_quality: u8,
    pub min_quality: u8,
    /// Quality of the full frame kept for the local record.
    pub full_frame_quality: u8,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            width: 360,
            budget: 20 * 1024,
            max_quality: 92,
            min_quality: 30,
            full_frame_quality: 90,
        }
    }
}

/// How the frame was taken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CaptureKind {
    /// All checks passed on `frames` frames in a row; the sharpest was kept.
    Auto { frames: usize },
    /// The officer took it, giving this reason (kept with the record).
    Manual { reason: String },
}

/// The captured portrait, ready for DG2 and the local record.
#[derive(Clone, PartialEq)]
pub struct Portrait {
    /// The token image as JPEG, within the budget.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    /// What DG2 calls the image (ISO/IEC 19794-5 §5.7.1): `TokenFrontal` for the token crop,
    /// `FullFrontal` for a manual capture's centred crop of a frame without a face found.
    pub image_type: iso19794::FaceImageType,
    /// Eye centres in the token image (right = subject's right, on the image's left), as
    /// `iso19794::FaceImage::from_jpeg` takes them; `None` for the full frontal crop (no
    /// eyes were found, and feature points must not be made up).
    pub eyes: Option<((u16, u16), (u16, u16))>,
    /// The whole camera frame as JPEG, for the local record only.
    pub full_frame_jpeg: Vec<u8>,
    pub capture: CaptureKind,
    /// The checks of the frame it was taken from (a manual capture may have failures).
    pub checks: Vec<CheckResult>,
}

impl std::fmt::Debug for Portrait {
    // A face: sizes only, never bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portrait")
            .field("jpeg_len", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("quality", &self.quality)
            .field("image_type", &self.image_type)
            .field("eyes", &self.eyes)
            .field("capture", &self.capture)
            .finish_non_exhaustive()
    }
}

impl Portrait {
    /// The ISO/IEC 19794-5 face image (its type and eye feature points), for DG2.
    pub fn face_image(&self) -> Result<iso19794::FaceImage, iso19794::RecordError> {
        iso19794::FaceImage::from_jpeg(self.jpeg.clone(), self.image_type, self.eyes)
    }
}

/// Where the eyes go in a token image `w` wide.
pub fn token_eyes(w: u32) -> ((u16, u16), (u16, u16)) {
    let w = w as f32;
    let y = (0.6 * w).round() as u16;
    (
        ((0.375 * w).round() as u16, y),
        ((0.625 * w).round() as u16, y),
    )
}

/// The token crop of an RGB frame around `eyes` (bilinear, edges repeated).
pub fn token_crop(frame: &RgbImage, eyes: &Eyes, width: u32) -> RgbImage {
    let width = width.clamp(16, 4096);
    let height = (width as f32 * 4.0 / 3.0).round() as u32;
    let ((rx, ry), (lx, _)) = token_eyes(width);
    let (tx, ty) = ((rx as f32 + lx as f32) / 2.0, ry as f32);
    let d_out = (lx - rx) as f32;
    let s = eyes.distance() / d_out;
    let a = eyes.roll().to_radians();
    let (c, sn) = (a.cos() * s, a.sin() * s);
    let (mx, my) = eyes.midpoint();
    let (fw, fh) = frame.dimensions();
    let src = frame.as_raw();
    let px = |x: i64, y: i64, k: usize| -> f32 {
        let x = x.clamp(0, fw as i64 - 1) as usize;
        let y = y.clamp(0, fh as i64 - 1) as usize;
        src[(y * fw as usize + x) * 3 + k] as f32
    };
    let mut out = RgbImage::new(width, height);
    for (u, v, p) in out.enumerate_pixels_mut() {
        let (du, dv) = (u as f32 - tx, v as f32 - ty);
        let x = mx + c * du - sn * dv;
        let y = my + sn * du + c * dv;
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        for k in 0..3 {
            let top = px(x0, y0, k) * (1.0 - fx) + px(x0 + 1, y0, k) * fx;
            let bot = px(x0, y0 + 1, k) * (1.0 - fx) + px(x0 + 1, y0 + 1, k) * fx;
            p.0[k] = (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

pub(crate) fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PortraitError> {
    let mut buf = Vec::new();
    JpegEncoder::new_with_quality(&mut buf, quality.clamp(1, 100))
        .encode_image(img)
        .map_err(|e| PortraitError::Image(e.to_string()))?;
    Ok(buf)
}

/// The highest quality in `[min, max]` whose JPEG fits `budget` (binary search: size grows
/// with quality).
pub fn encode_within(
    img: &RgbImage,
    budget: usize,
    min: u8,
    max: u8,
) -> Result<(Vec<u8>, u8), PortraitError> {
    let (mut lo, mut hi) = (min.min(max), max);
    let smallest = encode_jpeg(img, lo)?;
    if smallest.len() > budget {
        return Err(PortraitError::OverBudget {
            budget,
            smallest: smallest.len(),
        });
    }
    let mut best = (smallest, lo);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let j = encode_jpeg(img, mid)?;
        if j.len() <= budget {
            best = (j, mid);
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(best)
}

/// Eyes from the analysis, or where they would be in the single face box (manual capture
/// when the eye search failed).
fn eyes_for_crop(a: &Analysis) -> Option<Eyes> {
    if a.eyes.is_some() {
        return a.eyes;
    }
    match a.faces.as_slice() {
        [b] => Some(Eyes {
            right: (b.x + 0.31 * b.width, b.y + 0.33 * b.height),
            left: (b.x + 0.69 * b.width, b.y + 0.33 * b.height),
        }),
        _ => None,
    }
}

/// The centre of a frame in the 3:4 (width:height) shape of a portrait, as large as the
/// frame allows, scaled to `width` wide: what a manual capture keeps when no face was found
/// to crop around (the officer framed the applicant; the station does not guess eyes).
pub fn centred_crop(frame: &RgbImage, width: u32) -> RgbImage {
    let (fw, fh) = frame.dimensions();
    let width = width.clamp(16, 4096);
    let height = (width as f32 * 4.0 / 3.0).round() as u32;
    if fw == 0 || fh == 0 {
        return RgbImage::new(width, height);
    }
    let (cw, ch) = if u64::from(fw) * 4 >= u64::from(fh) * 3 {
        (fh * 3 / 4, fh)
    } else {
        (fw, fw * 4 / 3)
    };
    let (cw, ch) = (cw.clamp(1, fw), ch.clamp(1, fh));
    let view = image::imageops::crop_imm(frame, (fw - cw) / 2, (fh - ch) / 2, cw, ch).to_image();
    if view.dimensions() == (width, height) {
        return view;
    }
    image::imageops::resize(&view, width, height, image::imageops::FilterType::Triangle)
}

/// The portrait from a frame and its analysis: the token crop around the eyes, or, for a
/// manual capture of a frame where no face was found, the centred full frontal crop.
pub fn make_portrait(
    frame: &RgbImage,
    analysis: &Analysis,
    spec: &OutputSpec,
    capture: CaptureKind,
) -> Result<Portrait, PortraitError> {
    let (crop, image_type, eyes) = match (eyes_for_crop(analysis), &capture) {
        (Some(eyes), _) => {
            let crop = token_crop(frame, &eyes, spec.width);
            let at = token_eyes(crop.width());
            (crop, iso19794::FaceImageType::TokenFrontal, Some(at))
        }
        (None, CaptureKind::Manual { .. }) => (
            centred_crop(frame, spec.width),
            iso19794::FaceImageType::FullFrontal,
            None,
        ),
        (None, CaptureKind::Auto { .. }) => return Err(PortraitError::NoFace),
    };
    let (jpeg, quality) = encode_within(&crop, spec.budget, spec.min_quality, spec.max_quality)?;
    Ok(Portrait {
        jpeg,
        width: crop.width(),
        height: crop.height(),
        quality,
        image_type,
        eyes,
        full_frame_jpeg: encode_jpeg(frame, spec.full_frame_quality)?,
        capture,
        checks: analysis.checks.clone(),
    })
}
