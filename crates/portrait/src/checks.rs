//! Per-frame ICAO portrait checks (ICAO 9303-3 §3.9 and Appendix A "portrait quality",
//! ISO/IEC 19794-5 §7 full-frontal and §8 token face image).
//!
//! One face is found with SeetaFace's frontal detector (rustface; the model is compiled in),
//! the eye centres inside its box, and every check then measures one thing, compares it
//! with its limit and, when it fails, says what the officer should do.

use crate::raster::{ycbcr, Luma, Rect};
use serde::{Deserialize, Serialize};

static MODEL: &[u8] = include_bytes!("../model/seeta_fd_frontal_v1.0.bin");

/// The checks, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    FaceCount,
    EyesLocated,
    FaceSize,
    Position,
    Roll,
    Yaw,
    Exposure,
    Contrast,
    Sharpness,
    BackgroundPlain,
    BackgroundLight,
    Lighting,
    EyesOpen,
    LowerFace,
}

impl CheckId {
    pub const ALL: [CheckId; 14] = [
        CheckId::FaceCount,
        CheckId::EyesLocated,
        CheckId::FaceSize,
        CheckId::Position,
        CheckId::Roll,
        CheckId::Yaw,
        CheckId::Exposure,
        CheckId::Contrast,
        CheckId::Sharpness,
        CheckId::BackgroundPlain,
        CheckId::BackgroundLight,
        CheckId::Lighting,
        CheckId::EyesOpen,
        CheckId::LowerFace,
    ];

    /// The snake_case name used in JSON and test file names.
    pub fn slug(self) -> &'static str {
        match self {
            CheckId::FaceCount => "face_count",
            CheckId::EyesLocated => "eyes_located",
            CheckId::FaceSize => "face_size",
            CheckId::Position => "position",
            CheckId::Roll => "roll",
            CheckId::Yaw => "yaw",
            CheckId::Exposure => "exposure",
            CheckId::Contrast => "contrast",
            CheckId::Sharpness => "sharpness",
            CheckId::BackgroundPlain => "background_plain",
            CheckId::BackgroundLight => "background_light",
            CheckId::Lighting => "lighting",
            CheckId::EyesOpen => "eyes_open",
            CheckId::LowerFace => "lower_face",
        }
    }

    pub fn from_slug(s: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.slug() == s)
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            CheckId::FaceCount => "Số khuôn mặt",
            CheckId::EyesLocated => "Vị trí hai mắt",
            CheckId::FaceSize => "Cỡ khuôn mặt (khoảng cách hai mắt)",
            CheckId::Position => "Vị trí khuôn mặt trong khung",
            CheckId::Roll => "Đầu nghiêng (trục mắt)",
            CheckId::Yaw => "Đầu quay trái/phải (ước lượng)",
            CheckId::Exposure => "Độ sáng khuôn mặt",
            CheckId::Contrast => "Độ tương phản",
            CheckId::Sharpness => "Độ nét",
            CheckId::BackgroundPlain => "Phông nền trơn",
            CheckId::BackgroundLight => "Phông nền sáng",
            CheckId::Lighting => "Ánh sáng đều hai bên mặt",
            CheckId::EyesOpen => "Mắt mở",
            CheckId::LowerFace => "Nửa dưới khuôn mặt không bị che",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            CheckId::FaceCount => "Number of faces",
            CheckId::EyesLocated => "Eye centres located",
            CheckId::FaceSize => "Face size (eye distance)",
            CheckId::Position => "Face position in the frame",
            CheckId::Roll => "Head roll (eye line)",
            CheckId::Yaw => "Head yaw (estimate)",
            CheckId::Exposure => "Face exposure",
            CheckId::Contrast => "Contrast",
            CheckId::Sharpness => "Sharpness",
            CheckId::BackgroundPlain => "Plain background",
            CheckId::BackgroundLight => "Light background",
            CheckId::Lighting => "Even lighting",
            CheckId::EyesOpen => "Eyes open",
            CheckId::LowerFace => "Lower face uncovered",
        }
    }

    /// Unit of the measured value.
    pub fn unit(self) -> &'static str {
        match self {
            CheckId::FaceCount | CheckId::EyesLocated => "",
            CheckId::FaceSize => "px",
            CheckId::Position | CheckId::Lighting | CheckId::EyesOpen | CheckId::LowerFace => "%",
            CheckId::Roll | CheckId::Yaw => "°",
            CheckId::Exposure | CheckId::Contrast | CheckId::BackgroundPlain => "/255",
            CheckId::BackgroundLight => "/255",
            CheckId::Sharpness => "",
        }
    }
}

/// Pass, fail, or not measurable on this frame (e.g. no face to measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotMeasured,
}

/// What the officer should do, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    pub vi: &'static str,
    pub en: &'static str,
}

const fn say(vi: &'static str, en: &'static str) -> Instruction {
    Instruction { vi, en }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub measured: Option<f32>,
    pub min: Option<f32>,
    pub max: Option<f32>,
    pub outcome: Outcome,
    /// What to do when it failed (or could not be measured).
    pub instruction: Option<Instruction>,
}

/// The limits, in one place so a station can tune them.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Least distance between the eye centres, in frame pixels. 60 px keeps a 240 px-wide
    /// ISO/IEC 19794-5 token image (its minimum, §8.4) free of upscaling.
    pub min_eye_distance: f32,
    /// Largest eye distance as a fraction of the frame height: the token crop, 16/3 eye
    /// distances tall, must fit in the frame.
    pub max_eye_distance_of_height: f32,
    /// Most of the token crop that may fall outside the frame, in percent.
    pub max_outside: f32,
    /// Largest roll of the eye line, degrees (ICAO 9303-3: ±8° roll).
    pub max_roll: f32,
    /// Largest estimated yaw, degrees (ICAO: ±5° pitch/yaw; the estimate is rough, so looser).
    pub max_yaw: f32,
    /// Mean luma of the face.
    pub exposure: (f32, f32),
    /// Least standard deviation of the face's luma.
    pub min_contrast: f32,
    /// Least variance of the Laplacian on the face resampled to 128×128.
    pub min_sharpness: f32,
    /// Largest standard deviation of the background's luma.
    pub max_background_std: f32,
    /// Least mean luma of the background.
    pub min_background_luma: f32,
    /// Largest difference between the face's halves, percent of the brighter.
    pub max_lighting_difference: f32,
    /// Least height of the dark iris under the eye centres, percent of the eye distance
    /// (open eyes on the test set: 14–18; lids closed: about 4).
    pub min_iris_height: f32,
    /// Least share of skin-coloured pixels in the mouth–chin region, percent.
    pub min_lower_face_skin: f32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min_eye_distance: 60.0,
            max_eye_distance_of_height: 3.0 / 16.0,
            max_outside: 2.0,
            max_roll: 8.0,
            max_yaw: 15.0,
            exposure: (70.0, 205.0),
            min_contrast: 18.0,
            min_sharpness: 60.0,
            max_background_std: 16.0,
            min_background_luma: 120.0,
            max_lighting_difference: 22.0,
            min_iris_height: 8.0,
            min_lower_face_skin: 55.0,
        }
    }
}

/// A detected face box in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f32,
}

/// Eye centres in frame pixels. `right` is the subject's right eye, on the image's left
/// (ISO/IEC 19794-5 feature point 12.1); `left` is 12.2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Eyes {
    pub right: (f32, f32),
    pub left: (f32, f32),
}

impl Eyes {
    pub fn distance(&self) -> f32 {
        ((self.left.0 - self.right.0).powi(2) + (self.left.1 - self.right.1).powi(2)).sqrt()
    }
    pub fn midpoint(&self) -> (f32, f32) {
        (
            (self.left.0 + self.right.0) / 2.0,
            (self.left.1 + self.right.1) / 2.0,
        )
    }
    /// Roll of the eye line, degrees, positive when the image-right eye is lower.
    pub fn roll(&self) -> f32 {
        (self.left.1 - self.right.1)
            .atan2(self.left.0 - self.right.0)
            .to_degrees()
    }
}

/// Everything measured on one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FaceBox>,
    pub eyes: Option<Eyes>,
    pub checks: Vec<CheckResult>,
}

impl Analysis {
    /// Every check passed (eyes-open may be unmeasurable: "where detectable").
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| {
            c.outcome == Outcome::Pass
                || (c.id == CheckId::EyesOpen && c.outcome == Outcome::NotMeasured)
        })
    }

    /// The checks that failed.
    pub fn failed(&self) -> Vec<CheckId> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .map(|c| c.id)
            .collect()
    }

    pub fn check(&self, id: CheckId) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The sharpness measured (0 when not measured): auto-capture keeps the sharpest.
    pub fn sharpness(&self) -> f32 {
        self.check(CheckId::Sharpness)
            .and_then(|c| c.measured)
            .unwrap_or(0.0)
    }
}

/// Runs the checks. Holds the face detector (not `Send`: make one per thread).
pub struct Analyzer {
    detector: Box<dyn rustface::Detector>,
    pub limits: Limits,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Limits::default())
    }
}

/// Detection runs on a frame shrunk to about this width: faces that pass the size check
/// are still 40+ px there, and it keeps detection within the frame budget.
const DETECT_WIDTH: usize = 320;
/// Frames smaller than this are not searched for faces.
const MIN_SIDE: u32 = 48;
/// Larger frames are refused: a webcam frame is at most 4K.
const MAX_SIDE: u32 = 8192;

impl Analyzer {
    pub fn new(limits: Limits) -> Analyzer {
        let model = rustface::read_model(MODEL).expect("the compiled-in SeetaFace model parses");
        let mut detector = rustface::create_detector_with_model(model);
        // rustface 0.1.7 stores the minimum face size but never uses it (the pyramid's
        // max-scale line is commented out in its `detect`): the pyramid always starts at
        // the shrunk frame itself, so the smallest face found is the 40 px window there,
        // an 80 px box (eye distance about 37 px) in a 640-wide frame. That level is
        // about half of the sliding-window work, and it is what finds a face too small
        // for the 60 px eye-distance limit so that `face_size` names it (the too-small
        // test face is an 88 px box). Kept at 40 so the setting says what happens.
        detector.set_min_face_size(40);
        detector.set_score_thresh(2.0);
        // 0.7 rather than 0.8 cuts detection by about a third (5.3 against 7.8 ms CPU per
        // test image, mean) and finds the same faces on the test set.
        detector.set_pyramid_scale_factor(0.7);
        detector.set_slide_window_step(4, 4);
        Analyzer { detector, limits }
    }

    /// Checks an RGB8 frame (`rgb.len() == width * height * 3`; otherwise, or for frames
    /// too small or too large, every check is "not measured" and the face count fails).
    pub fn analyze(&mut self, width: u32, height: u32, rgb: &[u8]) -> Analysis {
        let sane = (MIN_SIDE..=MAX_SIDE).contains(&width)
            && (MIN_SIDE..=MAX_SIDE).contains(&height)
            && rgb.len() == width as usize * height as usize * 3;
        if !sane {
            let mut checks = vec![fail(
                CheckId::FaceCount,
                Some(0.0),
                Some(1.0),
                Some(1.0),
                say(
                    "Hình từ camera không hợp lệ: kiểm tra camera",
                    "The camera picture is not valid: check the camera",
                ),
            )];
            checks.extend(CheckId::ALL[1..].iter().map(|&id| not_measured(id)));
            return Analysis {
                width,
                height,
                faces: Vec::new(),
                eyes: None,
                checks,
            };
        }
        let luma = Luma::from_rgb(width as usize, height as usize, rgb);
        let faces = self.detect(&luma);
        let frame = Frame {
            luma: &luma,
            rgb,
            w: width as f32,
            h: height as f32,
        };
        let (faces, eyes, covered) = match faces.as_slice() {
            [one] => {
                let eyes = locate_eyes(&luma, one);
                (faces, eyes, false)
            }
            [] => match covered_face(&self.limits, &frame) {
                Some((face, eyes)) => (vec![face], Some(eyes), true),
                None => (faces, None, false),
            },
            _ => (faces, None, false),
        };
        let mut checks = run_checks(&self.limits, &frame, &faces, eyes);
        if covered {
            // The frontal detector did not confirm this face: it cannot count as found.
            checks[0] = CheckResult {
                outcome: Outcome::NotMeasured,
                instruction: Some(say(
                    "Chỉ thấy nửa trên khuôn mặt: mời người dân tháo khẩu trang",
                    "Only the upper face is visible: ask the applicant to take the mask off",
                )),
                ..checks[0].clone()
            };
        }
        Analysis {
            width,
            height,
            faces,
            eyes,
            checks,
        }
    }

    fn detect(&mut self, luma: &Luma) -> Vec<FaceBox> {
        let f = (luma.w / DETECT_WIDTH).max(1);
        let small = luma.shrink(f);
        let data = rustface::ImageData::new(&small.px, small.w as u32, small.h as u32);
        let scale = f as f32;
        let mut faces: Vec<FaceBox> = self
            .detector
            .detect(&data)
            .into_iter()
            .map(|fi| {
                let b = fi.bbox();
                FaceBox {
                    x: b.x() as f32 * scale,
                    y: b.y() as f32 * scale,
                    width: b.width() as f32 * scale,
                    height: b.height() as f32 * scale,
                    score: fi.score() as f32,
                }
            })
            .collect();
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        faces
    }
}

struct Frame<'a> {
    luma: &'a Luma,
    rgb: &'a [u8],
    w: f32,
    h: f32,
}

impl Frame<'_> {
    fn ycc(&self, x: usize, y: usize) -> (f32, f32, f32) {
        let i = (y * self.luma.w + x) * 3;
        ycbcr(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
}

/// A face the frontal detector misses because its lower half is covered (a mask): the
/// largest skin-coloured region (skin chroma after Chai & Ngan, 1999: Cb 77–127, Cr 133–173;
/// brown and blond hair falls in it too, so the region is hair, forehead and eyes), two
/// eyes in its lower part, and a mouth–chin region that is not skin. Returned only when
/// that last holds, so it can only ever name the covered lower face, never pass a frame.
fn covered_face(lim: &Limits, f: &Frame<'_>) -> Option<(FaceBox, Eyes)> {
    const B: usize = 4;
    let (gw, gh) = (f.luma.w / B, f.luma.h / B);
    let mut skin = vec![false; gw * gh];
    for gy in 0..gh {
        for gx in 0..gw {
            let (x, y) = (gx * B + B / 2, gy * B + B / 2);
            let (yy, cb, cr) = f.ycc(x, y);
            skin[gy * gw + gx] =
                yy > 40.0 && (77.0..=127.0).contains(&cb) && (133.0..=173.0).contains(&cr);
        }
    }
    // Largest 4-connected skin region.
    let mut label = vec![0u32; gw * gh];
    let mut best: Option<(usize, (usize, usize, usize, usize))> = None;
    let mut stack = Vec::new();
    let mut next = 0u32;
    for start in 0..gw * gh {
        if !skin[start] || label[start] != 0 {
            continue;
        }
        next += 1;
        label[start] = next;
        stack.push(start);
        let (mut n, mut bb) = (0usize, (gw, gh, 0usize, 0usize));
        while let Some(i) = stack.pop() {
            n += 1;
            let (x, y) = (i % gw, i / gw);
            bb = (bb.0.min(x), bb.1.min(y), bb.2.max(x + 1), bb.3.max(y + 1));
            let mut visit = |j: usize| {
                if skin[j] && label[j] == 0 {
                    label[j] = next;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < gw {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - gw);
            }
            if y + 1 < gh {
                visit(i + gw);
            }
        }
        if best.is_none_or(|(m, _)| n > m) {
            best = Some((n, bb));
        }
    }
    let (n, (x0, y0, x1, y1)) = best?;
    let (x0, y0, x1, y1) = (
        (x0 * B) as f32,
        (y0 * B) as f32,
        (x1 * B) as f32,
        (y1 * B) as f32,
    );
    let (bw, bh) = (x1 - x0, y1 - y0);
    if bw < 0.12 * f.w || bh < 0.3 * bw || ((n * B * B) as f32) < 0.3 * bw * bh {
        return None;
    }
    // Eyes: in the lower part of the region, either side of its middle.
    let band = Rect::new(x0, y0 + 0.62 * bh, x1, y1 + 0.05 * bh);
    let eyes = darkest_pair(f.luma, band)?;
    let d = eyes.distance();
    if d < 0.15 * bw || d > 0.6 * bw || eyes.roll().abs() > 20.0 {
        return None;
    }
    let (mx, my) = eyes.midpoint();
    // The box SeetaFace would have drawn: about 2.1 eye distances wide, top 0.7 above.
    let face = FaceBox {
        x: mx - 1.05 * d,
        y: my - 0.7 * d,
        width: 2.1 * d,
        height: 2.1 * d,
        score: 0.0,
    };
    (lower_face(lim, f, &eyes).outcome == Outcome::Fail).then_some((face, eyes))
}

/// The darkest iris-sized spot in each half of `band`.
fn darkest_pair(luma: &Luma, band: Rect) -> Option<Eyes> {
    let band = band.clip(luma.w, luma.h)?;
    let w = (band.x1 - band.x0) as f32;
    let face = FaceBox {
        x: band.x0 as f32,
        y: band.y0 as f32,
        width: w,
        height: (band.y1 - band.y0) as f32,
        score: 0.0,
    };
    // Hair frames the face on both sides: keep to the middle of the band.
    let right = dark_spot(luma, &face, (0.22, 0.48), (0.0, 1.0))?;
    // The other eye at about the same height, mirrored about the middle of the band (the
    // hair frames the face about symmetrically).
    let mirror = 2.0 * (band.x0 as f32 + 0.5 * w) - right.0;
    let near = FaceBox {
        x: mirror - 0.07 * w,
        y: right.1 - 0.06 * w,
        width: 0.14 * w,
        height: 0.12 * w,
        score: 0.0,
    };
    let left = dark_spot_r(luma, &near, (0.0, 1.0), (0.0, 1.0), 0.035 * w)?;
    Some(Eyes { right, left })
}

/// The darkest iris-sized spot in each eye window of the face box, refined to the centroid
/// of the dark pixels around it. SeetaFace's box runs from about the eyebrows to the chin;
/// the windows sit where the eyes fall in it and leave the eyebrows out.
fn locate_eyes(luma: &Luma, face: &FaceBox) -> Option<Eyes> {
    let right = dark_spot(luma, face, (0.12, 0.48), (0.22, 0.50))?;
    let left = dark_spot(luma, face, (0.52, 0.88), (0.22, 0.50))?;
    let eyes = Eyes { right, left };
    // Eyes that are not roughly level and apart are not eyes.
    let d = eyes.distance();
    let bw = face.width;
    (d > 0.2 * bw && d < 0.8 * bw && eyes.roll().abs() < 30.0).then_some(eyes)
}

/// The darkest spot of about an iris's size (0.035 of the box width in radius) in the
/// window `xs`×`ys` (fractions of the box), refined to the centroid of the dark pixels
/// around it.
fn dark_spot(luma: &Luma, face: &FaceBox, xs: (f32, f32), ys: (f32, f32)) -> Option<(f32, f32)> {
    dark_spot_r(luma, face, xs, ys, 0.035 * face.width)
}

fn dark_spot_r(
    luma: &Luma,
    face: &FaceBox,
    xs: (f32, f32),
    ys: (f32, f32),
    radius: f32,
) -> Option<(f32, f32)> {
    let (bx, by, bw, bh) = (face.x, face.y, face.width, face.height);
    let win = Rect::new(
        bx + xs.0 * bw,
        by + ys.0 * bh,
        bx + xs.1 * bw,
        by + ys.1 * bh,
    )
    .clip(luma.w, luma.h)?;
    let r = (radius as usize).max(1);
    let (ww, wh) = (win.x1 - win.x0, win.y1 - win.y0);
    if ww <= 2 * r || wh <= 2 * r {
        return None;
    }
    // Integral image of the window for box means.
    let iw = ww + 1;
    let mut ii = vec![0u32; iw * (wh + 1)];
    for y in 0..wh {
        let mut row = 0u32;
        for x in 0..ww {
            row += luma.at(win.x0 + x, win.y0 + y) as u32;
            ii[(y + 1) * iw + x + 1] = ii[y * iw + x + 1] + row;
        }
    }
    let boxsum = |x0: usize, y0: usize, x1: usize, y1: usize| {
        ii[y1 * iw + x1] + ii[y0 * iw + x0] - ii[y0 * iw + x1] - ii[y1 * iw + x0]
    };
    let mut best = (u32::MAX, 0usize, 0usize);
    for y in r..wh - r {
        for x in r..ww - r {
            let s = boxsum(x - r, y - r, x + r + 1, y + r + 1);
            if s < best.0 {
                best = (s, x, y);
            }
        }
    }
    let (_, cx, cy) = best;
    // Centroid of the pixels darker than halfway between the spot and the window mean.
    let spot = best.0 as f32 / ((2 * r + 1) * (2 * r + 1)) as f32;
    let mean = boxsum(0, 0, ww, wh) as f32 / (ww * wh) as f32;
    let cut = spot + 0.5 * (mean - spot);
    let rr = 2 * r;
    let (mut sx, mut sy, mut sw) = (0f32, 0f32, 0f32);
    for y in cy.saturating_sub(rr)..(cy + rr + 1).min(wh) {
        for x in cx.saturating_sub(rr)..(cx + rr + 1).min(ww) {
            let v = luma.at(win.x0 + x, win.y0 + y) as f32;
            if v < cut {
                let wgt = cut - v;
                sx += wgt * x as f32;
                sy += wgt * y as f32;
                sw += wgt;
            }
        }
    }
    let (ex, ey) = if sw > 0.0 {
        (sx / sw, sy / sw)
    } else {
        (cx as f32, cy as f32)
    };
    Some((win.x0 as f32 + ex + 0.5, win.y0 as f32 + ey + 0.5))
}

fn result(
    id: CheckId,
    measured: f32,
    min: Option<f32>,
    max: Option<f32>,
    low: Instruction,
    high: Instruction,
) -> CheckResult {
    let too_low = min.is_some_and(|m| measured < m) || !measured.is_finite();
    let too_high = max.is_some_and(|m| measured > m);
    CheckResult {
        id,
        measured: Some(measured),
        min,
        max,
        outcome: if too_low || too_high {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        instruction: if too_low {
            Some(low)
        } else if too_high {
            Some(high)
        } else {
            None
        },
    }
}

fn fail(
    id: CheckId,
    measured: Option<f32>,
    min: Option<f32>,
    max: Option<f32>,
    what: Instruction,
) -> CheckResult {
    CheckResult {
        id,
        measured,
        min,
        max,
        outcome: Outcome::Fail,
        instruction: Some(what),
    }
}

fn not_measured(id: CheckId) -> CheckResult {
    CheckResult {
        id,
        measured: None,
        min: None,
        max: None,
        outcome: Outcome::NotMeasured,
        instruction: Some(say(
            "Chưa đo được: cần thấy rõ một khuôn mặt",
            "Not measured: one face must be clearly visible",
        )),
    }
}

/// The token crop's corners: ISO/IEC 19794-5 §8.4 puts the eyes 0.25·W apart, their
/// midpoint at x = 0.5·W, y = 0.6·W, and the image is W wide, 4/3·W high.
pub(crate) fn token_geometry(eyes: &Eyes) -> (f32, f32, f32, f32, f32) {
    let d = eyes.distance();
    let w = 4.0 * d;
    let (mx, my) = eyes.midpoint();
    let a = eyes.roll().to_radians();
    (mx, my, w, w * 4.0 / 3.0, a)
}

/// Share (percent) of the token crop falling outside the frame, and the mean direction
/// (dx, dy) of the outside part from the crop's centre.
fn outside_share(eyes: &Eyes, fw: f32, fh: f32) -> (f32, f32, f32) {
    let (mx, my, w, h, a) = token_geometry(eyes);
    let (c, s) = (a.cos(), a.sin());
    let n = 24;
    let (mut out, mut dx, mut dy) = (0, 0.0, 0.0);
    for j in 0..n {
        for i in 0..n {
            // Crop coordinates relative to the eye midpoint.
            let u = (i as f32 + 0.5) / n as f32 * w - 0.5 * w;
            let v = (j as f32 + 0.5) / n as f32 * h - 0.6 * w;
            let x = mx + c * u - s * v;
            let y = my + s * u + c * v;
            if x < 0.0 || y < 0.0 || x >= fw || y >= fh {
                out += 1;
                dx += u;
                dy += v + 0.6 * w - 0.5 * h;
            }
        }
    }
    (100.0 * out as f32 / (n * n) as f32, dx, dy)
}

fn run_checks(
    lim: &Limits,
    f: &Frame<'_>,
    faces: &[FaceBox],
    eyes: Option<Eyes>,
) -> Vec<CheckResult> {
    let mut out = Vec::with_capacity(CheckId::ALL.len());
    let n = faces.len();
    out.push(match n {
        1 => result(
            CheckId::FaceCount,
            1.0,
            Some(1.0),
            Some(1.0),
            say("", ""),
            say("", ""),
        ),
        0 => fail(
            CheckId::FaceCount,
            Some(0.0),
            Some(1.0),
            Some(1.0),
            say(
                "Không thấy khuôn mặt: mời người dân nhìn thẳng vào camera, bỏ khẩu trang, kính râm, mũ",
                "No face found: ask the applicant to look straight at the camera without mask, sunglasses or hat",
            ),
        ),
        _ => fail(
            CheckId::FaceCount,
            Some(n as f32),
            Some(1.0),
            Some(1.0),
            say(
                "Có nhiều khuôn mặt trong khung: chỉ một người đứng trước camera",
                "More than one face in the frame: only the applicant may be in front of the camera",
            ),
        ),
    });
    let face = (n == 1).then(|| faces[0]);
    // Where the face is, or where it should be when none was found: exposure, contrast and
    // sharpness are still measured there, so a dark or blurred frame says so.
    let face_rect = match face {
        Some(b) => Rect::new(
            b.x + 0.15 * b.width,
            b.y + 0.10 * b.height,
            b.x + 0.85 * b.width,
            b.y + 0.95 * b.height,
        ),
        None => Rect::new(0.3 * f.w, 0.2 * f.h, 0.7 * f.w, 0.75 * f.h),
    };
    out.push(match (face, eyes) {
        (Some(_), Some(_)) => result(
            CheckId::EyesLocated,
            1.0,
            Some(1.0),
            None,
            say("", ""),
            say("", ""),
        ),
        (Some(_), None) => fail(
            CheckId::EyesLocated,
            Some(0.0),
            Some(1.0),
            None,
            say(
                "Không xác định được hai mắt: mời người dân nhìn thẳng, mở mắt, bỏ kính, vén tóc khỏi mắt",
                "Eyes not found: ask the applicant to look straight, eyes open, glasses off, hair away from the eyes",
            ),
        ),
        (None, _) => not_measured(CheckId::EyesLocated),
    });
    match eyes {
        Some(e) => {
            let d = e.distance();
            out.push(result(
                CheckId::FaceSize,
                d,
                Some(lim.min_eye_distance),
                Some(lim.max_eye_distance_of_height * f.h),
                say(
                    "Khuôn mặt quá nhỏ: mời người dân tiến lại gần camera",
                    "Face too small: ask the applicant to come closer to the camera",
                ),
                say(
                    "Khuôn mặt quá to: mời người dân lùi ra xa camera",
                    "Face too large: ask the applicant to move back from the camera",
                ),
            ));
            let (share, dx, dy) = outside_share(&e, f.w, f.h);
            // The direction the crop sticks out is where the applicant should move from.
            let dir = if dx.abs() >= dy.abs() {
                if dx > 0.0 {
                    say(
                        "Khuôn mặt lệch sang phải khung hình: mời người dân dịch sang trái của ảnh (hoặc chỉnh camera)",
                        "Face too far right in the frame: move the applicant (or the camera) so the face is centred",
                    )
                } else {
                    say(
                        "Khuôn mặt lệch sang trái khung hình: mời người dân dịch sang phải của ảnh (hoặc chỉnh camera)",
                        "Face too far left in the frame: move the applicant (or the camera) so the face is centred",
                    )
                }
            } else if dy > 0.0 {
                say(
                    "Khuôn mặt quá thấp: nâng camera hoặc mời người dân ngồi cao hơn",
                    "Face too low in the frame: raise the camera or seat the applicant higher",
                )
            } else {
                say(
                    "Khuôn mặt quá cao: hạ camera hoặc mời người dân ngồi thấp hơn",
                    "Face too high in the frame: lower the camera or seat the applicant lower",
                )
            };
            out.push(result(
                CheckId::Position,
                share,
                None,
                Some(lim.max_outside),
                say("", ""),
                dir,
            ));
            let roll = e.roll();
            out.push(result(
                CheckId::Roll,
                roll,
                Some(-lim.max_roll),
                Some(lim.max_roll),
                say(
                    "Đầu nghiêng: mời người dân giữ đầu thẳng, hai mắt ngang nhau",
                    "Head tilted: ask the applicant to hold the head straight, eyes level",
                ),
                say(
                    "Đầu nghiêng: mời người dân giữ đầu thẳng, hai mắt ngang nhau",
                    "Head tilted: ask the applicant to hold the head straight, eyes level",
                ),
            ));
            // Yaw from where the eyes sit in the face box: a turned head moves the eyes
            // towards one side of the box. Rough, hence the loose limit.
            let b = face.expect("eyes imply a face");
            let off = (e.midpoint().0 - (b.x + 0.5 * b.width)) / (0.5 * b.width);
            let yaw = off.clamp(-1.0, 1.0).asin().to_degrees();
            let turn = say(
                "Đầu quay sang một bên: mời người dân nhìn thẳng vào camera",
                "Head turned: ask the applicant to face the camera squarely",
            );
            out.push(result(
                CheckId::Yaw,
                yaw,
                Some(-lim.max_yaw),
                Some(lim.max_yaw),
                turn.clone(),
                turn,
            ));
        }
        None => {
            for id in [
                CheckId::FaceSize,
                CheckId::Position,
                CheckId::Roll,
                CheckId::Yaw,
            ] {
                out.push(not_measured(id));
            }
        }
    }
    // Exposure and contrast of the face.
    match f.luma.stats(face_rect) {
        Some((mean, std)) => {
            out.push(result(
                CheckId::Exposure,
                mean,
                Some(lim.exposure.0),
                Some(lim.exposure.1),
                say(
                    "Mặt quá tối: bật thêm đèn chiếu vào mặt",
                    "Face too dark: add light on the face",
                ),
                say(
                    "Mặt quá sáng (cháy sáng): giảm đèn hoặc lùi đèn ra xa",
                    "Face overexposed: dim the light or move it back",
                ),
            ));
            out.push(result(
                CheckId::Contrast,
                std,
                Some(lim.min_contrast),
                None,
                say(
                    "Ảnh thiếu tương phản: chỉnh lại đèn và phơi sáng của camera",
                    "Too little contrast: adjust the lights and the camera exposure",
                ),
                say("", ""),
            ));
        }
        None => {
            out.push(not_measured(CheckId::Exposure));
            out.push(not_measured(CheckId::Contrast));
        }
    }
    // Sharpness on the face resampled to a fixed size, so it does not grow with the face.
    out.push(match f.luma.sample(face_rect, 128) {
        Some(s) => result(
            CheckId::Sharpness,
            s.laplacian_variance(),
            Some(lim.min_sharpness),
            None,
            say(
                "Ảnh bị mờ: mời người dân ngồi yên, lấy nét lại camera",
                "Picture blurred: ask the applicant to keep still and refocus the camera",
            ),
            say("", ""),
        ),
        None => not_measured(CheckId::Sharpness),
    });
    out.extend(background(lim, f, face, eyes));
    match (face, eyes) {
        (Some(b), Some(e)) => {
            out.push(lighting(lim, f, &e));
            out.push(eyes_open(lim, f, &b, &e));
            out.push(lower_face(lim, f, &e));
        }
        _ => {
            for id in [CheckId::Lighting, CheckId::EyesOpen, CheckId::LowerFace] {
                out.push(not_measured(id));
            }
        }
    }
    out
}

/// The background beside and above the head: columns clear of the head on both sides down
/// to eye level, and the rows above the hair across the frame.
fn background(
    lim: &Limits,
    f: &Frame<'_>,
    face: Option<FaceBox>,
    eyes: Option<Eyes>,
) -> [CheckResult; 2] {
    let (s, s2, n) = {
        let mut acc = (0f64, 0f64, 0f64);
        let mut add = |r: Rect| {
            if let Some(r) = r.clip(f.luma.w, f.luma.h) {
                // Every other pixel is plenty for a mean and a spread.
                for y in (r.y0..r.y1).step_by(2) {
                    for x in (r.x0..r.x1).step_by(2) {
                        let v = f.luma.at(x, y) as f64;
                        acc.0 += v;
                        acc.1 += v * v;
                        acc.2 += 1.0;
                    }
                }
            }
        };
        match face {
            Some(b) => {
                let bottom = eyes.map_or(b.y + 0.4 * b.height, |e| e.midpoint().1);
                let (hx0, hx1) = (b.x - 0.45 * b.width, b.x + 1.45 * b.width);
                let margin = 0.02 * f.w;
                add(Rect::new(margin, margin, hx0, bottom));
                add(Rect::new(hx1, margin, f.w - margin, bottom));
                add(Rect::new(
                    hx0.max(margin),
                    margin,
                    hx1,
                    b.y - 0.75 * b.height,
                ));
            }
            None => {
                add(Rect::new(0.02 * f.w, 0.02 * f.h, 0.2 * f.w, 0.4 * f.h));
                add(Rect::new(0.8 * f.w, 0.02 * f.h, 0.98 * f.w, 0.4 * f.h));
            }
        }
        acc
    };
    if n < 50.0 {
        // The face fills the frame: no background to judge.
        let too_close = say(
            "Không thấy phông nền: mời người dân lùi ra xa camera",
            "No background visible: ask the applicant to move back",
        );
        return [
            fail(
                CheckId::BackgroundPlain,
                None,
                None,
                Some(lim.max_background_std),
                too_close.clone(),
            ),
            fail(
                CheckId::BackgroundLight,
                None,
                Some(lim.min_background_luma),
                None,
                too_close,
            ),
        ];
    }
    let mean = s / n;
    let std = (s2 / n - mean * mean).max(0.0).sqrt();
    [
        result(
            CheckId::BackgroundPlain,
            std as f32,
            None,
            Some(lim.max_background_std),
            say("", ""),
            say(
                "Phông nền không trơn: dùng phông một màu sáng, bỏ đồ vật và người phía sau",
                "Background not plain: use a plain light backdrop with nothing and nobody behind",
            ),
        ),
        result(
            CheckId::BackgroundLight,
            mean as f32,
            Some(lim.min_background_luma),
            None,
            say(
                "Phông nền quá tối: dùng phông màu sáng và chiếu đèn vào phông",
                "Background too dark: use a light backdrop and light it",
            ),
            say("", ""),
        ),
    ]
}

/// Left and right cheeks under the eyes: the difference of their mean luma.
fn lighting(lim: &Limits, f: &Frame<'_>, e: &Eyes) -> CheckResult {
    let d = e.distance();
    let cheek = |(x, y): (f32, f32)| {
        f.luma
            .stats(Rect::new(
                x - 0.2 * d,
                y + 0.25 * d,
                x + 0.2 * d,
                y + 0.6 * d,
            ))
            .map(|s| s.0)
    };
    match (cheek(e.right), cheek(e.left)) {
        (Some(a), Some(b)) if a.max(b) > 0.0 => result(
            CheckId::Lighting,
            100.0 * (a - b).abs() / a.max(b),
            None,
            Some(lim.max_lighting_difference),
            say("", ""),
            say(
                "Ánh sáng không đều, một bên mặt tối: chiếu đèn đều cả hai bên",
                "Uneven light, one side of the face is dark: light both sides evenly",
            ),
        ),
        _ => not_measured(CheckId::Lighting),
    }
}

/// Height of the dark iris under each eye centre, as a share of the eye distance. An open
/// eye shows the iris about as tall as it is wide (0.1–0.2 eye distances between the lids);
/// a closed lid leaves a lash line a pixel or two high, and a brow is a thin band too. The
/// lower of the two eyes counts.
fn eyes_open(lim: &Limits, f: &Frame<'_>, _b: &FaceBox, e: &Eyes) -> CheckResult {
    let d = e.distance();
    if d < 40.0 {
        return not_measured(CheckId::EyesOpen);
    }
    // Skin reference: the nose bridge between the eyes.
    let (mx, my) = e.midpoint();
    let Some((skin, _)) = f.luma.stats(Rect::new(
        mx - 0.1 * d,
        my - 0.05 * d,
        mx + 0.1 * d,
        my + 0.25 * d,
    )) else {
        return not_measured(CheckId::EyesOpen);
    };
    let cut = 0.55 * skin;
    let (w, h) = (f.luma.w as i64, f.luma.h as i64);
    let dark = |x: i64, y: i64| {
        x >= 0 && y >= 0 && x < w && y < h && (f.luma.at(x as usize, y as usize) as f32) < cut
    };
    let iris = |(x, y): (f32, f32)| -> f32 {
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        let reach = (0.06 * d).ceil() as i64;
        let max = (0.4 * d) as i64;
        // The tallest dark column near the centre.
        let mut best = 0i64;
        for x in cx - reach..=cx + reach {
            for y0 in cy - reach..=cy + reach {
                if !dark(x, y0) {
                    continue;
                }
                let mut up = 0;
                while up < max && dark(x, y0 - up - 1) {
                    up += 1;
                }
                let mut down = 0;
                while down < max && dark(x, y0 + down + 1) {
                    down += 1;
                }
                best = best.max(up + down + 1);
            }
        }
        100.0 * best as f32 / d
    };
    let (a, c) = (iris(e.right), iris(e.left));
    result(
        CheckId::EyesOpen,
        a.min(c),
        Some(lim.min_iris_height),
        None,
        say(
            "Mắt nhắm hoặc bị che: mời người dân mở mắt, nhìn thẳng, bỏ kính",
            "Eyes closed or hidden: ask the applicant to open the eyes, look straight, glasses off",
        ),
        say("", ""),
    )
}

/// The mouth–chin region compared with the forehead: a mask (any colour that is not this
/// applicant's skin) covers it, so few of its pixels have the forehead's chroma.
fn lower_face(lim: &Limits, f: &Frame<'_>, e: &Eyes) -> CheckResult {
    let d = e.distance();
    let (mx, my) = e.midpoint();
    let a = e.roll().to_radians();
    let (c, s) = (a.cos(), a.sin());
    // A point at (u, v) eye distances from the eye midpoint, in the face's own axes.
    let at = |u: f32, v: f32| -> Option<(usize, usize)> {
        let x = mx + d * (c * u - s * v);
        let y = my + d * (s * u + c * v);
        (x >= 0.0 && y >= 0.0 && x < f.w && y < f.h).then_some((x as usize, y as usize))
    };
    let grid = |u0: f32, u1: f32, v0: f32, v1: f32| -> Vec<(f32, f32, f32)> {
        let n = 16;
        let mut px = Vec::with_capacity(n * n);
        for j in 0..n {
            for i in 0..n {
                let u = u0 + (u1 - u0) * (i as f32 + 0.5) / n as f32;
                let v = v0 + (v1 - v0) * (j as f32 + 0.5) / n as f32;
                if let Some((x, y)) = at(u, v) {
                    px.push(f.ycc(x, y));
                }
            }
        }
        px
    };
    let forehead = grid(-0.45, 0.45, -0.5, -0.22);
    let lower = grid(-0.45, 0.45, 0.8, 1.4);
    if forehead.len() < 32 || lower.len() < 64 {
        return not_measured(CheckId::LowerFace);
    }
    let median = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let ref_y = median(forehead.iter().map(|p| p.0).collect());
    let ref_cb = median(forehead.iter().map(|p| p.1).collect());
    let ref_cr = median(forehead.iter().map(|p| p.2).collect());
    let skin = lower
        .iter()
        .filter(|&&(y, cb, cr)| {
            let dc = ((cb - ref_cb).powi(2) + (cr - ref_cr).powi(2)).sqrt();
            dc < 14.0 && y > 0.35 * ref_y && y < 1.5 * ref_y + 10.0
        })
        .count();
    result(
        CheckId::LowerFace,
        100.0 * skin as f32 / lower.len() as f32,
        Some(lim.min_lower_face_skin),
        None,
        say(
            "Nửa dưới khuôn mặt bị che: mời người dân tháo khẩu trang, bỏ tay hoặc khăn khỏi mặt",
            "Lower face covered: ask the applicant to take the mask off and keep hands and scarves away",
        ),
        say("", ""),
    )
}
