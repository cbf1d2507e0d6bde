//! Test frames: a QR code (made with the `qrcode` crate) rendered into a greyscale camera
//! frame at a given module size, rotation and position, with optional sensor noise and
//! uneven light. Shared by the unit tests and the benchmark (included with `#[path]`).

use qrcode::{Color, EcLevel, QrCode};

/// Where and how the code appears in the frame.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    /// Pixels per module.
    pub module: f32,
    /// Rotation, degrees (counter-clockwise).
    pub degrees: f32,
    /// Centre of the code in the frame, pixels.
    pub centre: (f32, f32),
    /// Standard deviation of the added noise, grey levels (0: none).
    pub noise: f32,
    /// Light falling off from left to right by this many grey levels.
    pub gradient: f32,
}

impl Placement {
    pub fn centred(w: usize, h: usize, module: f32) -> Self {
        Placement {
            module,
            degrees: 0.0,
            centre: (w as f32 / 2.0, h as f32 / 2.0),
            noise: 0.0,
            gradient: 0.0,
        }
    }
}

/// A QR code's modules (true = dark) and its width in modules, error correction M like the
/// codes printed on cards.
pub fn modules(text: &str) -> (Vec<bool>, usize) {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).expect("encodable");
    let w = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    (dark, w)
}

/// A deterministic pseudo-random generator (xorshift), so frames are the same every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Approximately normal (sum of four uniforms), mean 0, standard deviation 1.
    pub fn normal(&mut self) -> f32 {
        let s: f32 = (0..4).map(|_| self.unit()).sum();
        (s - 2.0) * (3.0f32).sqrt()
    }
}

/// Renders `text` as a QR code into a `w × h` frame (mid-grey background, white quiet zone of
/// four modules, dark modules near black).
pub fn frame(text: &str, w: usize, h: usize, p: Placement, seed: u64) -> Vec<u8> {
    let (dark, n) = modules(text);
    let quiet = 4.0f32;
    let (sin, cos) = p.degrees.to_radians().sin_cos();
    let half = n as f32 / 2.0;
    let mut rng = Rng::new(seed);
    let mut out = vec![0u8; w * h];
    // Each pixel averages 3 × 3 samples, as a camera's sensor integrates light over its area.
    let level_at = |fx: f32, fy: f32| -> f32 {
        let dx = fx - p.centre.0;
        let dy = fy - p.centre.1;
        let u = (cos * dx + sin * dy) / p.module + half;
        let v = (-sin * dx + cos * dy) / p.module + half;
        let n_f = n as f32;
        if u >= -quiet && v >= -quiet && u < n_f + quiet && v < n_f + quiet {
            let (mu, mv) = (u.floor(), v.floor());
            let inside = mu >= 0.0 && mv >= 0.0 && mu < n_f && mv < n_f;
            if inside && dark[mv as usize * n + mu as usize] {
                30.0
            } else {
                225.0
            }
        } else {
            128.0
        }
    };
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            for sy in 0..3 {
                for sx in 0..3 {
                    sum += level_at(
                        x as f32 + (sx as f32 + 0.5) / 3.0,
                        y as f32 + (sy as f32 + 0.5) / 3.0,
                    );
                }
            }
            let light = sum / 9.0 - p.gradient * x as f32 / w as f32;
            let noisy = light + p.noise * rng.normal();
            out[y * w + x] = noisy.clamp(0.0, 255.0) as u8;
        }
    }
    out
}
