//! Synthetic 500 ppi fingerprints, made from nothing but a seed: no real print is used.
//!
//! The method follows SFinGe (Cappelli, Maio, Maltoni): an orientation field from the
//! finger's singular points by the zero-pole model of Sherlock and Monro, then ridges grown
//! from white noise by iterated Gabor filtering tuned to the local orientation and a ridge
//! period of 9–10 pixels. A [`Finger`] is one identity, fixed by (seed, finger position);
//! each [`Capture`] places it on the sensor with a little shift, rotation and pressure, and
//! may degrade it the ways elderly or worn fingers do.

use std::f32::consts::PI;

use iso19794::FingerPosition;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::image::GreyImage;

/// Width of a synthetic capture in pixels (16 mm at 500 ppi).
pub const WIDTH: u32 = 320;
/// Height of a synthetic capture in pixels (20 mm at 500 ppi).
pub const HEIGHT: u32 = 400;

/// The finger's own frame is larger than a capture, so that a shifted or turned capture
/// still has ridges under every pixel.
const MW: usize = 400;
const MH: usize = 480;
/// Gabor kernel radius and the number of quantised kernel orientations.
const KR: usize = 6;
const ORIENTATIONS: usize = 24;
const GROW_ITERATIONS: usize = 8;

/// The pattern class of a finger (Henry classes as NIST SD 4 uses them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FingerClass {
    Arch,
    TentedArch,
    LeftLoop,
    RightLoop,
    Whorl,
}

impl FingerClass {
    pub const ALL: [FingerClass; 5] = [
        FingerClass::Arch,
        FingerClass::TentedArch,
        FingerClass::LeftLoop,
        FingerClass::RightLoop,
        FingerClass::Whorl,
    ];
    pub fn name(self) -> &'static str {
        match self {
            FingerClass::Arch => "arch",
            FingerClass::TentedArch => "tented-arch",
            FingerClass::LeftLoop => "left-loop",
            FingerClass::RightLoop => "right-loop",
            FingerClass::Whorl => "whorl",
        }
    }
}

/// A way a capture goes wrong, each with a strength in 0..=1 (0 leaves the print as it is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Degradation {
    /// A light touch or a pale sensor: ridges faint against the sensor's own noise.
    LowContrast(f32),
    /// Dry skin: ridges broken into pieces and lighter.
    Dry(f32),
    /// Blurred and smudged, as worn elderly skin or a moist finger gives: valleys fill in.
    Blur(f32),
    /// The finger placed off the sensor: part of the print is missing.
    Partial(f32),
}

impl Degradation {
    pub fn strength(self) -> f32 {
        match self {
            Degradation::LowContrast(s)
            | Degradation::Dry(s)
            | Degradation::Blur(s)
            | Degradation::Partial(s) => s,
        }
    }
    /// The same kind at another strength.
    pub fn with_strength(self, s: f32) -> Degradation {
        match self {
            Degradation::LowContrast(_) => Degradation::LowContrast(s),
            Degradation::Dry(_) => Degradation::Dry(s),
            Degradation::Blur(_) => Degradation::Blur(s),
            Degradation::Partial(_) => Degradation::Partial(s),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Degradation::LowContrast(_) => "low-contrast",
            Degradation::Dry(_) => "dry",
            Degradation::Blur(_) => "blur",
            Degradation::Partial(_) => "partial",
        }
    }
    /// "blur", "dry", "low-contrast" or "partial" at the given strength.
    pub fn from_name(name: &str, strength: f32) -> Option<Degradation> {
        let d = match name {
            "low-contrast" => Degradation::LowContrast(0.0),
            "dry" => Degradation::Dry(0.0),
            "blur" | "smudge" => Degradation::Blur(0.0),
            "partial" => Degradation::Partial(0.0),
            _ => return None,
        };
        Some(d.with_strength(strength))
    }
    fn clamped(self) -> f32 {
        let s = self.strength();
        if s.is_nan() {
            0.0
        } else {
            s.clamp(0.0, 1.0)
        }
    }
}

/// How one capture places the finger on the sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// Shift of the finger in pixels.
    pub dx: f32,
    pub dy: f32,
    /// Rotation in degrees, clockwise on the image.
    pub rotation: f32,
    /// −1 light touch (thin ridges, smaller contact) to 1 firm (thick ridges, larger contact).
    pub pressure: f32,
    /// Seeds the sensor noise and the pattern of a degradation.
    pub noise_seed: u64,
    pub degradations: Vec<Degradation>,
}

impl Capture {
    /// The finger centred, straight, at normal pressure.
    pub fn clean() -> Capture {
        Capture {
            dx: 0.0,
            dy: 0.0,
            rotation: 0.0,
            pressure: 0.0,
            noise_seed: 0,
            degradations: Vec::new(),
        }
    }

    /// The n-th attempt at a finger: 0 is [`Capture::clean`], later ones vary a little in
    /// place (±14 px), angle (±8°) and pressure, as an officer's repeated captures do.
    pub fn attempt(n: u32) -> Capture {
        if n == 0 {
            return Capture::clean();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(mix(0x5eed_ca97, u64::from(n)));
        Capture {
            dx: rng.random_range(-14.0..14.0),
            dy: rng.random_range(-14.0..14.0),
            rotation: rng.random_range(-8.0..8.0),
            pressure: rng.random_range(-0.4..0.4),
            noise_seed: u64::from(n),
            degradations: Vec::new(),
        }
    }

    pub fn with(mut self, degradation: Degradation) -> Capture {
        self.degradations.push(degradation);
        self
    }
}

/// One synthetic finger: its class, singular points and master ridge pattern.
pub struct Finger {
    class: FingerClass,
    /// Ridge pattern in the finger's frame, MW × MH, values in −1..=1 (1 is ridge).
    ridges: Vec<f32>,
    /// Contact ellipse radii in the finger's frame.
    radii: (f32, f32),
    period: f32,
}

impl std::fmt::Debug for Finger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finger")
            .field("class", &self.class)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// SplitMix64 finaliser: spreads (seed, salt) over 64 bits.
fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Class by finger, in rough proportion to population statistics: whorls common on thumbs,
/// loops everywhere, arches rarest. Right-hand fingers mostly loop one way, left the other
/// (ulnar loops).
fn pick_class(rng: &mut ChaCha8Rng, position: FingerPosition) -> FingerClass {
    let right = position.code() <= 5;
    let (ulnar, radial) = if right {
        (FingerClass::RightLoop, FingerClass::LeftLoop)
    } else {
        (FingerClass::LeftLoop, FingerClass::RightLoop)
    };
    let roll: f32 = rng.random();
    let whorl = match position {
        FingerPosition::RightThumb | FingerPosition::LeftThumb => 0.45,
        FingerPosition::RightRing | FingerPosition::LeftRing => 0.4,
        _ => 0.25,
    };
    if roll < whorl {
        FingerClass::Whorl
    } else if roll < whorl + 0.08 {
        FingerClass::Arch
    } else if roll < whorl + 0.14 {
        FingerClass::TentedArch
    } else if roll < whorl + 0.22 {
        radial
    } else {
        ulnar
    }
}

/// The orientation field: ridge direction in radians (mod π) at each point of the frame.
struct OrientationModel {
    class: FingerClass,
    cores: Vec<(f32, f32)>,
    deltas: Vec<(f32, f32)>,
    /// Arch parameters: bump height, width and centre.
    arch: (f32, f32, f32),
}

impl OrientationModel {
    fn new(class: FingerClass, rng: &mut ChaCha8Rng) -> OrientationModel {
        let cx = MW as f32 / 2.0 + rng.random_range(-15.0..15.0);
        let cy = MH as f32 / 2.0 + rng.random_range(-25.0..15.0);
        let j = |rng: &mut ChaCha8Rng| rng.random_range(-12.0..12.0);
        let (cores, deltas) = match class {
            FingerClass::Arch => (vec![], vec![]),
            FingerClass::TentedArch => (
                vec![(cx + j(rng), cy - 20.0 + j(rng))],
                vec![(cx + j(rng), cy + 70.0 + j(rng))],
            ),
            FingerClass::RightLoop => (
                vec![(cx + 10.0 + j(rng), cy - 30.0 + j(rng))],
                vec![(cx - 105.0 + j(rng), cy + 95.0 + j(rng))],
            ),
            FingerClass::LeftLoop => (
                vec![(cx - 10.0 + j(rng), cy - 30.0 + j(rng))],
                vec![(cx + 105.0 + j(rng), cy + 95.0 + j(rng))],
            ),
            FingerClass::Whorl => (
                vec![
                    (cx - 14.0 + j(rng), cy - 45.0 + j(rng)),
                    (cx + 14.0 + j(rng), cy - 5.0 + j(rng)),
                ],
                vec![
                    (cx - 115.0 + j(rng), cy + 100.0 + j(rng)),
                    (cx + 115.0 + j(rng), cy + 100.0 + j(rng)),
                ],
            ),
        };
        let arch = (
            rng.random_range(45.0..80.0),
            rng.random_range(70.0..110.0),
            cx,
        );
        OrientationModel {
            class,
            cores,
            deltas,
            arch,
        }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        if self.class == FingerClass::Arch {
            // Ridges are the level lines of f = y − h·exp(−((x−c)/w)²)·s(y): an arch that
            // flattens towards the finger's base. Direction is normal to ∇f.
            let (h, w, c) = self.arch;
            let f = |x: f32, y: f32| {
                let s = ((MH as f32 * 0.85 - y) / MH as f32).clamp(0.0, 1.0);
                y - h * (-((x - c) / w).powi(2)).exp() * s
            };
            let fx = f(x + 1.0, y) - f(x - 1.0, y);
            let fy = f(x, y + 1.0) - f(x, y - 1.0);
            return fy.atan2(-fx) + PI / 2.0;
        }
        // Zero-pole model (Sherlock and Monro 1993): each core turns the direction by half
        // its argument, each delta by minus half, so a core has Poincaré index +1/2 and a
        // delta −1/2; far away the ridges run across the finger.
        let mut t = 0.0;
        for &(px, py) in &self.cores {
            t += 0.5 * (y - py).atan2(x - px);
        }
        for &(px, py) in &self.deltas {
            t -= 0.5 * (y - py).atan2(x - px);
        }
        t
    }
}

/// A bank of even-symmetric Gabor kernels, one per quantised orientation, at one frequency.
struct GaborBank {
    kernels: Vec<[f32; (2 * KR + 1) * (2 * KR + 1)]>,
}

impl GaborBank {
    fn new(period: f32, sigma: f32) -> GaborBank {
        let n = 2 * KR + 1;
        let kernels = (0..ORIENTATIONS)
            .map(|k| {
                let theta = k as f32 * PI / ORIENTATIONS as f32;
                let (s, c) = theta.sin_cos();
                let mut kern = [0.0f32; (2 * KR + 1) * (2 * KR + 1)];
                let mut mean = 0.0;
                for (i, v) in kern.iter_mut().enumerate() {
                    let x = (i % n) as f32 - KR as f32;
                    let y = (i / n) as f32 - KR as f32;
                    // Across the ridge: the coordinate normal to direction theta.
                    let across = -x * s + y * c;
                    let r2 = x * x + y * y;
                    *v = (-r2 / (2.0 * sigma * sigma)).exp() * (2.0 * PI * across / period).cos();
                    mean += *v;
                }
                // Zero DC so flat areas give no response.
                mean /= kern.len() as f32;
                let mut norm = 0.0;
                for v in kern.iter_mut() {
                    *v -= mean;
                    norm += v.abs();
                }
                for v in kern.iter_mut() {
                    *v /= norm;
                }
                kern
            })
            .collect();
        GaborBank { kernels }
    }

    fn index(theta: f32) -> u8 {
        let t = theta.rem_euclid(PI);
        ((t / PI * ORIENTATIONS as f32).round() as usize % ORIENTATIONS) as u8
    }

    /// Filters `src` (width w, height h) into `dst` with the kernel chosen per pixel by
    /// `orient`, only where `active`; zero outside the image.
    fn apply(
        &self,
        src: &[f32],
        dst: &mut [f32],
        w: usize,
        h: usize,
        orient: &[u8],
        active: &[bool],
    ) {
        let pw = w + 2 * KR;
        let mut padded = vec![0.0f32; pw * (h + 2 * KR)];
        for y in 0..h {
            padded[(y + KR) * pw + KR..(y + KR) * pw + KR + w]
                .copy_from_slice(&src[y * w..y * w + w]);
        }
        let n = 2 * KR + 1;
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                if !active[i] {
                    dst[i] = 0.0;
                    continue;
                }
                let kern = &self.kernels[orient[i] as usize];
                let mut acc = 0.0f32;
                for ky in 0..n {
                    let row = &padded[(y + ky) * pw + x..(y + ky) * pw + x + n];
                    let krow = &kern[ky * n..ky * n + n];
                    for (a, b) in row.iter().zip(krow) {
                        acc += a * b;
                    }
                }
                dst[i] = acc;
            }
        }
    }
}

impl Finger {
    /// The finger of this (seed, position): the same pair always gives the same finger.
    pub fn new(seed: u64, position: FingerPosition) -> Finger {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::from(position.code()) + 1));
        let class = pick_class(&mut rng, position);
        let model = OrientationModel::new(class, &mut rng);
        let period: f32 = rng.random_range(9.0..10.0);
        // Thumbs are broader than little fingers.
        let scale = match position.code() {
            1 | 6 => 1.0,
            5 | 10 => 0.88,
            _ => 0.94,
        };
        let radii = (
            scale * rng.random_range(128.0..140.0),
            scale * rng.random_range(170.0..185.0),
        );

        let (w, h) = (MW, MH);
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let mut orient = vec![0u8; w * h];
        let mut active = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                orient[i] = GaborBank::index(model.at(x as f32, y as f32));
                // Grow ridges a little beyond the largest contact area.
                let dx = (x as f32 - cx) / (radii.0 * 1.25 + 20.0);
                let dy = (y as f32 - cy) / (radii.1 * 1.25 + 20.0);
                active[i] = dx * dx + dy * dy <= 1.0;
            }
        }
        let bank = GaborBank::new(period, 0.4 * period);
        let mut ridges: Vec<f32> = (0..w * h).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut out = vec![0.0f32; w * h];
        for _ in 0..GROW_ITERATIONS {
            bank.apply(&ridges, &mut out, w, h, &orient, &active);
            // Normalise and saturate: the filter keeps what runs along the field at the
            // ridge period, saturation turns it into ridges of even strength.
            let (mut sum, mut n) = (0.0f64, 0usize);
            for (v, a) in out.iter().zip(&active) {
                if *a {
                    sum += f64::from(v * v);
                    n += 1;
                }
            }
            let rms = ((sum / n.max(1) as f64).sqrt() as f32).max(1e-6);
            for (r, v) in ridges.iter_mut().zip(&out) {
                *r = (v / rms * 1.6).clamp(-1.0, 1.0);
            }
        }
        Finger {
            class,
            ridges,
            radii,
            period,
        }
    }

    pub fn class(&self) -> FingerClass {
        self.class
    }
    /// Mean ridge period in pixels.
    pub fn ridge_period(&self) -> f32 {
        self.period
    }

    fn ridge_at(&self, u: f32, v: f32) -> f32 {
        if !(u >= 0.0 && v >= 0.0 && u < (MW - 1) as f32 && v < (MH - 1) as f32) {
            return 0.0;
        }
        let (x0, y0) = (u as usize, v as usize);
        let (fx, fy) = (u - x0 as f32, v - y0 as f32);
        let i = y0 * MW + x0;
        let r = &self.ridges;
        (r[i] * (1.0 - fx) + r[i + 1] * fx) * (1.0 - fy)
            + (r[i + MW] * (1.0 - fx) + r[i + MW + 1] * fx) * fy
    }

    /// One capture of this finger as the sensor would give it: 320 × 400 at 500 ppi.
    pub fn capture(&self, capture: &Capture) -> GreyImage {
        let (w, h) = (WIDTH as usize, HEIGHT as usize);
        let mut rng = ChaCha8Rng::seed_from_u64(mix(capture.noise_seed, 0xC0FFEE));
        let strength = |kind: fn(&Degradation) -> bool| {
            capture
                .degradations
                .iter()
                .filter(|d| kind(d))
                .map(|d| d.clamped())
                .fold(0.0f32, f32::max)
        };
        let dry = strength(|d| matches!(d, Degradation::Dry(_)));
        let blur = strength(|d| matches!(d, Degradation::Blur(_)));
        let low = strength(|d| matches!(d, Degradation::LowContrast(_)));
        let partial = strength(|d| matches!(d, Degradation::Partial(_)));
        let pressure = if capture.pressure.is_nan() {
            0.0
        } else {
            capture.pressure.clamp(-1.0, 1.0)
        };
        let finite = |v: f32, lim: f32| {
            if v.is_finite() {
                v.clamp(-lim, lim)
            } else {
                0.0
            }
        };
        let (dx, dy) = (finite(capture.dx, 60.0), finite(capture.dy, 60.0));
        let (sin, cos) = finite(capture.rotation, 45.0).to_radians().sin_cos();

        // Noise fields drawn whether used or not, so every strength of a degradation uses
        // the same pattern and a stronger one breaks a superset of what a weaker one broke.
        let breaks = value_noise(&mut rng, w, h, 7.0);
        let fine_breaks = value_noise(&mut rng, w, h, 3.0);
        let smudge = value_noise(&mut rng, w, h, 18.0);
        let cut_angle: f32 = rng.random_range(0.0..2.0 * PI);

        const BG: f32 = 238.0;
        const VALLEY: f32 = 214.0;
        const RIDGE: f32 = 40.0;
        let mut img = vec![BG; w * h];
        let (ocx, ocy) = (w as f32 / 2.0, h as f32 / 2.0);
        let (mcx, mcy) = (MW as f32 / 2.0, MH as f32 / 2.0);
        let contact = 1.0 + 0.08 * pressure;
        for y in 0..h {
            for x in 0..w {
                let px = x as f32 - ocx - dx;
                let py = y as f32 - ocy - dy;
                let u = cos * px + sin * py;
                let v = -sin * px + cos * py;
                let e =
                    (u / (self.radii.0 * contact)).powi(2) + (v / (self.radii.1 * contact)).powi(2);
                let d = e.sqrt();
                if d >= 1.0 {
                    continue;
                }
                // Skin contact fades over the outer few percent of the ellipse.
                let weight = ((1.0 - d) / 0.07).clamp(0.0, 1.0);
                let r = self.ridge_at(u + mcx, v + mcy);
                let mut ridge = (0.5 + 0.9 * (r + 0.25 * pressure)).clamp(0.0, 1.0);
                let i = y * w + x;
                if dry > 0.0 {
                    // Broken ridges where the skin is driest; a stronger level breaks a
                    // superset of the places a weaker one broke, and lightens the rest.
                    let b = 0.65 * breaks[i] + 0.35 * fine_breaks[i];
                    let gap = ((-0.9 + 0.8 * dry - b) / 0.12).clamp(0.0, 1.0);
                    ridge *= (1.0 - gap) * (1.0 - 0.3 * dry);
                }
                let level = VALLEY - ridge * (VALLEY - RIDGE);
                img[i] = BG + weight * (level - BG);
            }
        }
        if blur > 0.0 {
            // Moisture and worn skin: valleys fill in patches, then everything blurs.
            for (p, s) in img.iter_mut().zip(&smudge) {
                if *p < BG - 1.0 {
                    let patch = ((s + 0.3) * 1.5).clamp(0.0, 1.0);
                    *p -= 60.0 * blur * patch * ((*p - RIDGE) / (VALLEY - RIDGE)).clamp(0.0, 1.0);
                }
            }
            gaussian_blur(&mut img, w, h, 0.6 + 2.6 * blur);
        }
        if partial > 0.0 {
            // The finger off one edge: only what lies before a line crossing the contact
            // area touches the sensor, the line moving in with the strength.
            let (s, c) = cut_angle.sin_cos();
            // From the contact ellipse's edge in that direction (its support distance), so
            // that any strength above 0 removes some of the print.
            let support = ((self.radii.0 * c).powi(2) + (self.radii.1 * s).powi(2)).sqrt();
            let limit = support * (1.0 - 1.3 * partial);
            for y in 0..h {
                for x in 0..w {
                    let along = (x as f32 - ocx - dx) * c + (y as f32 - ocy - dy) * s;
                    let keep = ((limit - along) / 8.0).clamp(0.0, 1.0);
                    let i = y * w + x;
                    img[i] = BG + keep * (img[i] - BG);
                }
            }
        }
        if low > 0.0 {
            let k = 1.0 - 0.85 * low;
            for p in img.iter_mut() {
                *p = BG - (BG - *p) * k;
            }
        }
        // Sensor noise, the same whatever the print: faint prints drown in it.
        let mut out = Vec::with_capacity(w * h);
        for p in img {
            let n: f32 = rng.random_range(-1.0..1.0)
                + rng.random_range(-1.0..1.0)
                + rng.random_range(-1.0..1.0);
            out.push((p + 4.0 * n).round().clamp(0.0, 255.0) as u8);
        }
        match GreyImage::from_pixels(WIDTH, HEIGHT, out) {
            Ok(img) => img,
            // Unreachable: the size is constant and valid.
            Err(_) => GreyImage::filled(WIDTH, HEIGHT, BG as u8).unwrap_or_else(|_| unreachable!()),
        }
    }
}

/// Smooth noise in about −1..1 with features of `scale` pixels (bilinear value noise).
fn value_noise(rng: &mut ChaCha8Rng, w: usize, h: usize, scale: f32) -> Vec<f32> {
    let gw = (w as f32 / scale) as usize + 2;
    let gh = (h as f32 / scale) as usize + 2;
    let grid: Vec<f32> = (0..gw * gh).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let gy = y as f32 / scale;
        let (y0, fy) = (gy as usize, gy.fract());
        let fy = fy * fy * (3.0 - 2.0 * fy);
        for x in 0..w {
            let gx = x as f32 / scale;
            let (x0, fx) = (gx as usize, gx.fract());
            let fx = fx * fx * (3.0 - 2.0 * fx);
            let a = grid[y0 * gw + x0] * (1.0 - fx) + grid[y0 * gw + x0 + 1] * fx;
            let b = grid[(y0 + 1) * gw + x0] * (1.0 - fx) + grid[(y0 + 1) * gw + x0 + 1] * fx;
            out.push(a * (1.0 - fy) + b * fy);
        }
    }
    out
}

/// Separable Gaussian blur in place, edges clamped.
pub(crate) fn gaussian_blur(img: &mut [f32], w: usize, h: usize, sigma: f32) {
    if sigma <= 0.0 || w == 0 || h == 0 {
        return;
    }
    let r = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let mut tmp = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, kv) in kernel.iter().enumerate() {
                let xx = (x as isize + k as isize - r).clamp(0, w as isize - 1) as usize;
                acc += img[y * w + xx] * kv;
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, kv) in kernel.iter().enumerate() {
                let yy = (y as isize + k as isize - r).clamp(0, h as isize - 1) as usize;
                acc += tmp[yy * w + x] * kv;
            }
            img[y * w + x] = acc;
        }
    }
}

/// One capture of the finger (seed, position): a convenience for the command line and tests.
pub fn synthesize(seed: u64, position: FingerPosition, capture: &Capture) -> GreyImage {
    Finger::new(seed, position).capture(capture)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_finger_give_the_same_image() {
        let a = synthesize(7, FingerPosition::RightIndex, &Capture::clean());
        let b = synthesize(7, FingerPosition::RightIndex, &Capture::clean());
        assert_eq!(a, b);
        let c = synthesize(7, FingerPosition::LeftIndex, &Capture::clean());
        assert_ne!(a, c);
        assert_eq!((a.width(), a.height()), (WIDTH, HEIGHT));
    }

    #[test]
    fn all_classes_occur_over_seeds() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..40 {
            for p in FingerPosition::TENPRINT_ORDER {
                let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::from(p.code()) + 1));
                seen.insert(pick_class(&mut rng, p));
            }
        }
        assert_eq!(seen.len(), FingerClass::ALL.len());
    }

    #[test]
    fn hostile_capture_parameters_do_not_panic() {
        let f = Finger::new(1, FingerPosition::LeftThumb);
        let mut c = Capture::attempt(3);
        c.dx = f32::NAN;
        c.rotation = f32::INFINITY;
        c.pressure = 99.0;
        c.degradations = vec![Degradation::Dry(f32::NAN), Degradation::Partial(7.0)];
        let img = f.capture(&c);
        assert_eq!(img.width(), WIDTH);
    }
}
