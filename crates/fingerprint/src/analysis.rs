//! Block-wise ridge analysis shared by the quality score and minutiae extraction: local
//! orientation and its certainty, foreground, ridge period, clarity and contrast.

use std::f32::consts::PI;

use crate::image::GreyImage;

/// Block side in pixels: about one and a half ridge periods at 500 ppi.
pub const BLOCK: usize = 16;

/// What one analysis found, block by block (row-major, `bw` × `bh` blocks).
pub struct Analysis {
    pub w: usize,
    pub h: usize,
    pub bw: usize,
    pub bh: usize,
    pub pixels: Vec<f32>,
    /// Ridge direction in radians, mod π, smoothed over neighbouring blocks.
    pub orientation: Vec<f32>,
    /// Orientation certainty (coherence of the gradient structure tensor), 0..=1.
    pub certainty: Vec<f32>,
    /// Grey-level standard deviation.
    pub contrast: Vec<f32>,
    /// Mean grey level.
    pub mean: Vec<f32>,
    /// Mean gradient magnitude over standard deviation: low when the block is blurred.
    pub sharpness: Vec<f32>,
    /// Ridge period in pixels, or 0 where none was found.
    pub period: Vec<f32>,
    /// Share of the grey-level variance explained by parallel ridges at the block's
    /// orientation (1 clean ridges, 0 noise or broken ridges).
    pub clarity: Vec<f32>,
    pub foreground: Vec<bool>,
}

impl Analysis {
    pub fn new(image: &GreyImage) -> Analysis {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let pixels: Vec<f32> = image.pixels().iter().map(|&p| f32::from(p)).collect();
        let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
        let nb = bw * bh;

        // Structure tensor per block from Sobel gradients.
        let mut gxx = vec![0.0f32; nb];
        let mut gyy = vec![0.0f32; nb];
        let mut gxy = vec![0.0f32; nb];
        let mut gmag = vec![0.0f32; nb];
        let mut sum = vec![0.0f32; nb];
        let mut sum2 = vec![0.0f32; nb];
        let mut count = vec![0.0f32; nb];
        for y in 0..h {
            for x in 0..w {
                let b = (y / BLOCK) * bw + x / BLOCK;
                let p = pixels[y * w + x];
                sum[b] += p;
                sum2[b] += p * p;
                count[b] += 1.0;
                if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
                    continue;
                }
                let at = |dx: isize, dy: isize| {
                    pixels[(y as isize + dy) as usize * w + (x as isize + dx) as usize]
                };
                let gx = (at(1, -1) + 2.0 * at(1, 0) + at(1, 1))
                    - (at(-1, -1) + 2.0 * at(-1, 0) + at(-1, 1));
                let gy = (at(-1, 1) + 2.0 * at(0, 1) + at(1, 1))
                    - (at(-1, -1) + 2.0 * at(0, -1) + at(1, -1));
                gxx[b] += gx * gx;
                gyy[b] += gy * gy;
                gxy[b] += gx * gy;
                gmag[b] += (gx * gx + gy * gy).sqrt();
            }
        }
        let mut contrast = vec![0.0f32; nb];
        let mut mean = vec![0.0f32; nb];
        let mut certainty = vec![0.0f32; nb];
        let mut sharpness = vec![0.0f32; nb];
        for b in 0..nb {
            let n = count[b].max(1.0);
            mean[b] = sum[b] / n;
            contrast[b] = (sum2[b] / n - mean[b] * mean[b]).max(0.0).sqrt();
            let tr = gxx[b] + gyy[b];
            certainty[b] = if tr > 1e-3 {
                ((gxx[b] - gyy[b]).powi(2) + 4.0 * gxy[b] * gxy[b]).sqrt() / tr
            } else {
                0.0
            };
            // Sobel gain is 8 for a unit step; per unit of standard deviation.
            sharpness[b] = gmag[b] / n / 8.0 / contrast[b].max(1.0);
        }

        // Foreground: blocks with ridge-like contrast, cleaned of specks and holes.
        let mut foreground: Vec<bool> = (0..nb)
            .map(|b| contrast[b] > 9.0 && mean[b] < 232.0)
            .collect();
        for _ in 0..2 {
            let prev = foreground.clone();
            for by in 0..bh {
                for bx in 0..bw {
                    let mut n = 0;
                    for (dx, dy) in NEIGHBOURS {
                        let (x, y) = (bx as isize + dx, by as isize + dy);
                        if x >= 0
                            && y >= 0
                            && (x as usize) < bw
                            && (y as usize) < bh
                            && prev[y as usize * bw + x as usize]
                        {
                            n += 1;
                        }
                    }
                    let b = by * bw + bx;
                    if prev[b] && n < 3 {
                        foreground[b] = false;
                    } else if !prev[b] && n >= 6 {
                        foreground[b] = true;
                    }
                }
            }
        }

        // Orientation: the doubled-angle vectors averaged over 3 × 3 blocks (foreground only).
        let mut orientation = vec![0.0f32; nb];
        for by in 0..bh {
            for bx in 0..bw {
                let (mut c, mut s) = (0.0f32, 0.0f32);
                for dy in -1..=1isize {
                    for dx in -1..=1isize {
                        let (x, y) = (bx as isize + dx, by as isize + dy);
                        if x < 0 || y < 0 || x as usize >= bw || y as usize >= bh {
                            continue;
                        }
                        let b = y as usize * bw + x as usize;
                        let wgt = if dx == 0 && dy == 0 { 2.0 } else { 1.0 };
                        c += wgt * (gxx[b] - gyy[b]);
                        s += wgt * 2.0 * gxy[b];
                    }
                }
                // Gradient direction is across the ridges; the ridge runs at right angles.
                orientation[by * bw + bx] = (0.5 * s.atan2(c) + PI / 2.0).rem_euclid(PI);
            }
        }

        let mut a = Analysis {
            w,
            h,
            bw,
            bh,
            pixels,
            orientation,
            certainty,
            contrast,
            mean,
            sharpness,
            period: vec![0.0; nb],
            clarity: vec![0.0; nb],
            foreground,
        };
        for b in 0..nb {
            if a.foreground[b] {
                let (p, c) = a.signature(b);
                a.period[b] = p;
                a.clarity[b] = c;
            }
        }
        a
    }

    fn pixel(&self, x: f32, y: f32) -> Option<f32> {
        if x < 0.0 || y < 0.0 {
            return None;
        }
        let (xi, yi) = (x as usize, y as usize);
        if xi >= self.w || yi >= self.h {
            return None;
        }
        Some(self.pixels[yi * self.w + xi])
    }

    /// Ridge period and clarity of block `b` from its x-signature (Hong, Wan and Jain 1998):
    /// grey levels along the ridge-normal through the block centre, each averaged along the
    /// ridge. Clarity is the share of variance the signature explains.
    fn signature(&self, b: usize) -> (f32, f32) {
        const LEN: usize = 32;
        const ALONG: isize = 7;
        let (bx, by) = (b % self.bw, b / self.bw);
        let cx = (bx * BLOCK) as f32 + BLOCK as f32 / 2.0;
        let cy = (by * BLOCK) as f32 + BLOCK as f32 / 2.0;
        let theta = self.orientation[b];
        let (ts, tc) = theta.sin_cos();
        let (nx, ny) = (-ts, tc);
        let mut sig = [0.0f32; LEN];
        let (mut tot, mut tot2, mut n_all) = (0.0f32, 0.0f32, 0.0f32);
        let mut valid = 0usize;
        for (k, s) in sig.iter_mut().enumerate() {
            let d = k as f32 - LEN as f32 / 2.0;
            let (mut acc, mut n) = (0.0f32, 0.0f32);
            for j in -ALONG..=ALONG {
                let x = cx + d * nx + j as f32 * tc;
                let y = cy + d * ny + j as f32 * ts;
                if let Some(p) = self.pixel(x, y) {
                    acc += p;
                    tot += p;
                    tot2 += p * p;
                    n += 1.0;
                }
            }
            n_all += n;
            if n > 0.0 {
                *s = acc / n;
                valid += 1;
            }
        }
        if valid < LEN || n_all < 1.0 {
            return (0.0, 0.0);
        }
        let mean_all = tot / n_all;
        let var_all = (tot2 / n_all - mean_all * mean_all).max(1e-3);
        let smean = sig.iter().sum::<f32>() / LEN as f32;
        let var_sig = sig.iter().map(|s| (s - smean).powi(2)).sum::<f32>() / LEN as f32;
        let clarity = (var_sig / var_all).clamp(0.0, 1.0);
        // Period: mean distance between the signature's maxima (valleys).
        let mut peaks = Vec::new();
        for k in 1..LEN - 1 {
            if sig[k] > sig[k - 1] && sig[k] >= sig[k + 1] && sig[k] > smean {
                peaks.push(k);
            }
        }
        let period = if peaks.len() >= 2 {
            (peaks[peaks.len() - 1] - peaks[0]) as f32 / (peaks.len() - 1) as f32
        } else {
            0.0
        };
        let period = if (5.0..=15.0).contains(&period) {
            period
        } else {
            0.0
        };
        (period, clarity)
    }

    /// The ridge direction at a pixel, interpolated between block centres.
    pub fn orientation_at(&self, x: f32, y: f32) -> f32 {
        let fx = (x / BLOCK as f32 - 0.5).clamp(0.0, (self.bw - 1) as f32);
        let fy = (y / BLOCK as f32 - 0.5).clamp(0.0, (self.bh - 1) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(self.bw - 1), (y0 + 1).min(self.bh - 1));
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        let (mut c, mut s) = (0.0f32, 0.0f32);
        for (bx, by, wgt) in [
            (x0, y0, (1.0 - ax) * (1.0 - ay)),
            (x1, y0, ax * (1.0 - ay)),
            (x0, y1, (1.0 - ax) * ay),
            (x1, y1, ax * ay),
        ] {
            let t = self.orientation[by * self.bw + bx];
            c += wgt * (2.0 * t).cos();
            s += wgt * (2.0 * t).sin();
        }
        (0.5 * s.atan2(c)).rem_euclid(PI)
    }

    /// Median ridge period over the foreground, or 9.5 px when none was found.
    pub fn median_period(&self) -> f32 {
        let mut p: Vec<f32> = self
            .period
            .iter()
            .zip(&self.foreground)
            .filter(|(p, f)| **f && **p > 0.0)
            .map(|(p, _)| *p)
            .collect();
        if p.is_empty() {
            return 9.5;
        }
        p.sort_by(|a, b| a.total_cmp(b));
        p[p.len() / 2].clamp(6.0, 14.0)
    }

    pub fn block_of(&self, x: usize, y: usize) -> usize {
        (y / BLOCK).min(self.bh - 1) * self.bw + (x / BLOCK).min(self.bw - 1)
    }

    /// Whether every block within `blocks` of the pixel's block is foreground: minutiae near
    /// the print's edge are artefacts of the edge.
    pub fn well_inside(&self, x: usize, y: usize, blocks: isize) -> bool {
        let (bx, by) = ((x / BLOCK) as isize, (y / BLOCK) as isize);
        for dy in -blocks..=blocks {
            for dx in -blocks..=blocks {
                let (xx, yy) = (bx + dx, by + dy);
                if xx < 0 || yy < 0 || xx as usize >= self.bw || yy as usize >= self.bh {
                    return false;
                }
                if !self.foreground[yy as usize * self.bw + xx as usize] {
                    return false;
                }
            }
        }
        true
    }
}

const NEIGHBOURS: [(isize, isize); 8] = [
    (-1, -1),
    (0, -1),
    (1, -1),
    (-1, 0),
    (1, 0),
    (-1, 1),
    (0, 1),
    (1, 1),
];
