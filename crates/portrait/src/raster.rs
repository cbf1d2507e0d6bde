//! Small raster helpers on a luma plane: the measurements the checks need, written for
//! speed on a 640×480 frame (no allocation per pixel, integer maths where it matters).

/// An 8-bit grey plane.
pub(crate) struct Luma {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

/// Rec. 601 luma, Cb and Cr of one RGB pixel (JPEG's full-range YCbCr).
pub(crate) fn ycbcr(r: u8, g: u8, b: u8) -> (f32, f32, f32) {
    let (r, g, b) = (r as f32, g as f32, b as f32);
    (
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
    )
}

impl Luma {
    pub fn from_rgb(w: usize, h: usize, rgb: &[u8]) -> Luma {
        let px = rgb
            .chunks_exact(3)
            .map(|p| ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as u8)
            .collect();
        Luma { w, h, px }
    }

    #[inline]
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.px[y * self.w + x]
    }

    /// The plane shrunk by an integer factor (mean of each block, rounded down).
    pub fn shrink(&self, f: usize) -> Luma {
        let f = f.max(1);
        let (w, h) = (self.w / f, self.h / f);
        let px = match f {
            1 => self.px.clone(),
            // The 640×480 camera frame is halved for detection on every frame: a straight
            // loop over pairs of rows, the same sums without slicing each 2×2 block
            // (about 0.25 ms less per frame than the general loop below, 4% of a frame).
            2 => {
                let mut px = vec![0u8; w * h];
                for (y, dst) in px.chunks_exact_mut(w.max(1)).enumerate() {
                    let r0 = &self.px[2 * y * self.w..][..2 * w];
                    let r1 = &self.px[(2 * y + 1) * self.w..][..2 * w];
                    for ((d, a), b) in dst
                        .iter_mut()
                        .zip(r0.chunks_exact(2))
                        .zip(r1.chunks_exact(2))
                    {
                        *d = ((a[0] as u32 + a[1] as u32 + b[0] as u32 + b[1] as u32) / 4) as u8;
                    }
                }
                px
            }
            _ => {
                let mut px = vec![0u8; w * h];
                let n = (f * f) as u32;
                for y in 0..h {
                    for x in 0..w {
                        let mut s = 0u32;
                        for dy in 0..f {
                            let row = &self.px[(y * f + dy) * self.w + x * f..][..f];
                            s += row.iter().map(|&v| v as u32).sum::<u32>();
                        }
                        px[y * w + x] = (s / n) as u8;
                    }
                }
                px
            }
        };
        Luma { w, h, px }
    }

    /// Mean and standard deviation over a rectangle (clipped to the plane).
    pub fn stats(&self, r: Rect) -> Option<(f32, f32)> {
        let r = r.clip(self.w, self.h)?;
        let (mut s, mut s2, mut n) = (0u64, 0u64, 0u64);
        for y in r.y0..r.y1 {
            for &v in &self.px[y * self.w + r.x0..y * self.w + r.x1] {
                s += v as u64;
                s2 += (v as u64) * (v as u64);
                n += 1;
            }
        }
        let mean = s as f64 / n as f64;
        let var = (s2 as f64 / n as f64 - mean * mean).max(0.0);
        Some((mean as f32, var.sqrt() as f32))
    }

    /// A rectangle resampled (nearest of block means) to `size`×`size`, for measures that
    /// should not depend on how large the face is in the frame.
    pub fn sample(&self, r: Rect, size: usize) -> Option<Luma> {
        let r = r.clip(self.w, self.h)?;
        let (rw, rh) = (r.x1 - r.x0, r.y1 - r.y0);
        let mut px = vec![0u8; size * size];
        for oy in 0..size {
            let (ya, yb) = (
                r.y0 + oy * rh / size,
                r.y0 + ((oy + 1) * rh / size).max(oy * rh / size + 1),
            );
            for ox in 0..size {
                let (xa, xb) = (
                    r.x0 + ox * rw / size,
                    r.x0 + ((ox + 1) * rw / size).max(ox * rw / size + 1),
                );
                let (mut s, mut n) = (0u32, 0u32);
                for y in ya..yb.min(r.y1) {
                    for x in xa..xb.min(r.x1) {
                        s += self.at(x, y) as u32;
                        n += 1;
                    }
                }
                px[oy * size + ox] = (s / n.max(1)) as u8;
            }
        }
        Some(Luma {
            w: size,
            h: size,
            px,
        })
    }

    /// Variance of the 4-neighbour Laplacian: high when edges are crisp.
    pub fn laplacian_variance(&self) -> f32 {
        if self.w < 3 || self.h < 3 {
            return 0.0;
        }
        let (mut s, mut s2, mut n) = (0f64, 0f64, 0f64);
        for y in 1..self.h - 1 {
            for x in 1..self.w - 1 {
                let c = self.at(x, y) as i32;
                let l = self.at(x - 1, y) as i32
                    + self.at(x + 1, y) as i32
                    + self.at(x, y - 1) as i32
                    + self.at(x, y + 1) as i32
                    - 4 * c;
                s += l as f64;
                s2 += (l * l) as f64;
                n += 1.0;
            }
        }
        let m = s / n;
        (s2 / n - m * m) as f32
    }
}

/// A half-open pixel rectangle; built from floats and clipped before use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl Rect {
    /// From float corners, clamped at 0 (clipping to the plane happens in `clip`).
    pub fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
        let c = |v: f32| {
            if v.is_finite() {
                v.max(0.0) as usize
            } else {
                0
            }
        };
        Rect {
            x0: c(x0),
            y0: c(y0),
            x1: c(x1),
            y1: c(y1),
        }
    }

    /// The part inside a `w`×`h` plane, `None` when empty.
    pub fn clip(self, w: usize, h: usize) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.min(w),
            y0: self.y0.min(h),
            x1: self.x1.min(w),
            y1: self.y1.min(h),
        };
        (r.x1 > r.x0 && r.y1 > r.y0).then_some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_and_shrink_and_laplacian() {
        let l = Luma {
            w: 4,
            h: 2,
            px: vec![0, 0, 200, 200, 0, 0, 200, 200],
        };
        assert_eq!(l.stats(Rect::new(0.0, 0.0, 4.0, 2.0)), Some((100.0, 100.0)));
        assert_eq!(l.stats(Rect::new(5.0, 0.0, 9.0, 2.0)), None);
        assert_eq!(l.stats(Rect::new(f32::NAN, 0.0, -1.0, 2.0)), None);
        assert_eq!(l.shrink(2).px, vec![0, 200]);
        // The 2× fast path and the general one give the block means, rounded down, and
        // drop a last odd row or column.
        let mut seed = 7u32;
        let odd = Luma::from_rgb(
            13,
            9,
            &(0..13 * 9 * 3)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect::<Vec<_>>(),
        );
        assert_eq!(odd.px.len(), 13 * 9);
        for f in 1..=4 {
            let out = odd.shrink(f);
            assert_eq!((out.w, out.h), (13 / f, 9 / f));
            let mut want = Vec::new();
            for y in 0..9 / f {
                for x in 0..13 / f {
                    let mut s = 0u32;
                    for dy in 0..f {
                        for dx in 0..f {
                            s += odd.at(x * f + dx, y * f + dy) as u32;
                        }
                    }
                    want.push((s / (f * f) as u32) as u8);
                }
            }
            assert_eq!(out.px, want, "factor {f}");
        }
        let flat = Luma {
            w: 8,
            h: 8,
            px: vec![50; 64],
        };
        assert_eq!(flat.laplacian_variance(), 0.0);
        let mut checker = flat;
        for (i, p) in checker.px.iter_mut().enumerate() {
            *p = if (i % 8 + i / 8) % 2 == 0 { 0 } else { 255 };
        }
        assert!(checker.laplacian_variance() > 1000.0);
        assert_eq!(
            checker
                .sample(Rect::new(0.0, 0.0, 8.0, 8.0), 4)
                .unwrap()
                .px
                .len(),
            16
        );
    }
}
