//! Minutiae extraction: Gabor enhancement along the local orientation, binarisation,
//! thinning (Zhang and Suen 1984), crossing number, then removal of the false minutiae that
//! borders, spurs and broken ridges leave.

use std::f32::consts::PI;

use crate::analysis::Analysis;

/// Ridge ending or bifurcation (the two minutia types of ISO/IEC 19794-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    Ending,
    Bifurcation,
}

/// One minutia: position in pixels, ridge direction (radians, mod π) and a reliability in
/// 0..=1 from the orientation certainty and clarity of the ridges around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutia {
    pub x: f32,
    pub y: f32,
    pub angle: f32,
    pub kind: MinutiaKind,
    pub reliability: f32,
}

const KR: isize = 6;
const ORIENTATIONS: usize = 16;

/// Enhanced ridge map: true on ridge pixels (dark ridges), foreground only.
fn binarise(a: &Analysis) -> Vec<bool> {
    let (w, h) = (a.w, a.h);
    let period = a.median_period();
    let sigma = 0.45 * period;
    let n = (2 * KR + 1) as usize;
    let bank: Vec<Vec<f32>> = (0..ORIENTATIONS)
        .map(|k| {
            let theta = k as f32 * PI / ORIENTATIONS as f32;
            let (s, c) = theta.sin_cos();
            let mut kern = vec![0.0f32; n * n];
            for (i, v) in kern.iter_mut().enumerate() {
                let x = (i % n) as f32 - KR as f32;
                let y = (i / n) as f32 - KR as f32;
                let across = -x * s + y * c;
                let along = x * c + y * s;
                *v = (-(across * across) / (2.0 * sigma * sigma)
                    - (along * along) / (2.0 * 1.3 * 1.3 * sigma * sigma))
                    .exp()
                    * (2.0 * PI * across / period).cos();
            }
            let mean = kern.iter().sum::<f32>() / kern.len() as f32;
            kern.iter_mut().for_each(|v| *v -= mean);
            kern
        })
        .collect();
    // Orientation per pixel, interpolated, quantised to the bank once per 4 × 4 cell.
    let mut out = vec![false; w * h];
    let k = KR as usize;
    let pw = w + 2 * k;
    let mut padded = vec![0.0f32; pw * (h + 2 * k)];
    for y in 0..h {
        for x in 0..w {
            padded[(y + k) * pw + x + k] = a.pixels[y * w + x];
        }
    }
    // Mirror-free padding: fill the border with the block mean so edges do not ring.
    let fill = a.pixels.iter().sum::<f32>() / a.pixels.len().max(1) as f32;
    for y in 0..h + 2 * k {
        for x in 0..pw {
            if y < k || y >= h + k || x < k || x >= w + k {
                padded[y * pw + x] = fill;
            }
        }
    }
    for cy in (0..h).step_by(4) {
        for cx in (0..w).step_by(4) {
            let b = a.block_of(cx, cy);
            if !a.foreground[b] {
                continue;
            }
            let theta = a.orientation_at(cx as f32 + 2.0, cy as f32 + 2.0);
            let q = ((theta / PI * ORIENTATIONS as f32).round() as usize) % ORIENTATIONS;
            let kern = &bank[q];
            for y in cy..(cy + 4).min(h) {
                for x in cx..(cx + 4).min(w) {
                    let mut acc = 0.0f32;
                    for ky in 0..n {
                        let row = &padded[(y + ky) * pw + x..(y + ky) * pw + x + n];
                        let krow = &kern[ky * n..ky * n + n];
                        for (p, kv) in row.iter().zip(krow) {
                            acc += p * kv;
                        }
                    }
                    // The kernel's centre lobe is positive: dark ridges answer negative.
                    out[y * w + x] = acc < 0.0;
                }
            }
        }
    }
    out
}

/// Zhang–Suen thinning to one-pixel-wide ridges, in place.
fn thin(img: &mut [bool], w: usize, h: usize) {
    if w < 3 || h < 3 {
        return;
    }
    let mut to_clear = Vec::new();
    loop {
        let mut changed = false;
        for step in 0..2 {
            to_clear.clear();
            for y in 1..h - 1 {
                for x in 1..w - 1 {
                    if !img[y * w + x] {
                        continue;
                    }
                    // P2..P9 clockwise from north.
                    let p = [
                        img[(y - 1) * w + x],
                        img[(y - 1) * w + x + 1],
                        img[y * w + x + 1],
                        img[(y + 1) * w + x + 1],
                        img[(y + 1) * w + x],
                        img[(y + 1) * w + x - 1],
                        img[y * w + x - 1],
                        img[(y - 1) * w + x - 1],
                    ];
                    let b = p.iter().filter(|v| **v).count();
                    if !(2..=6).contains(&b) {
                        continue;
                    }
                    let a = (0..8).filter(|&i| !p[i] && p[(i + 1) % 8]).count();
                    if a != 1 {
                        continue;
                    }
                    let (p2, p4, p6, p8) = (p[0], p[2], p[4], p[6]);
                    let ok = if step == 0 {
                        !(p4 && p6 && (p2 || p8))
                    } else {
                        !(p2 && p8 && (p4 || p6))
                    };
                    if ok {
                        to_clear.push(y * w + x);
                    }
                }
            }
            for &i in &to_clear {
                img[i] = false;
            }
            changed |= !to_clear.is_empty();
        }
        if !changed {
            break;
        }
    }
}

/// Length of the skeleton path from an ending, up to `max` pixels.
fn trace_length(skel: &[bool], w: usize, h: usize, x: usize, y: usize, max: usize) -> usize {
    let (mut px, mut py) = (x, y);
    let (mut prev_x, mut prev_y) = (usize::MAX, usize::MAX);
    for step in 0..max {
        let mut next = None;
        let mut n = 0;
        for (dx, dy) in RING {
            let (nx, ny) = (px as isize + dx, py as isize + dy);
            if nx < 0 || ny < 0 || nx as usize >= w || ny as usize >= h {
                continue;
            }
            let (nx, ny) = (nx as usize, ny as usize);
            if skel[ny * w + nx] && (nx, ny) != (prev_x, prev_y) && (nx, ny) != (x, y) {
                n += 1;
                next = Some((nx, ny));
            }
        }
        match (n, next) {
            (1, Some((nx, ny))) => {
                (prev_x, prev_y) = (px, py);
                (px, py) = (nx, ny);
            }
            // A junction or the end of the ridge.
            _ => return step,
        }
    }
    max
}

const RING: [(isize, isize); 8] = [
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
];

/// The minutiae of an analysed image.
pub fn extract(a: &Analysis) -> Vec<Minutia> {
    let (w, h) = (a.w, a.h);
    let mut skel = binarise(a);
    thin(&mut skel, w, h);
    let mut found = Vec::new();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            if !skel[y * w + x] || !a.well_inside(x, y, 1) {
                continue;
            }
            let ring: Vec<bool> = RING
                .iter()
                .map(|(dx, dy)| skel[(y as isize + dy) as usize * w + (x as isize + dx) as usize])
                .collect();
            let cn = (0..8).filter(|&i| ring[i] != ring[(i + 1) % 8]).count() / 2;
            let kind = match cn {
                1 => MinutiaKind::Ending,
                3 => MinutiaKind::Bifurcation,
                _ => continue,
            };
            // An ending whose ridge stops within a few pixels is a speck, not a ridge.
            if kind == MinutiaKind::Ending && trace_length(&skel, w, h, x, y, 8) < 8 {
                continue;
            }
            let b = a.block_of(x, y);
            found.push(Minutia {
                x: x as f32,
                y: y as f32,
                angle: a.orientation_at(x as f32, y as f32),
                kind,
                reliability: (a.certainty[b] * (0.5 + a.clarity[b])).clamp(0.0, 1.0),
            });
        }
    }
    // Minutiae closer than most of a ridge period are spurs, bridges, holes or the two ends
    // of a broken ridge: drop all of them.
    let close = 0.8 * a.median_period();
    let mut keep = vec![true; found.len()];
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            let (mi, mj) = (&found[i], &found[j]);
            if (mi.x - mj.x).abs() < close
                && (mi.y - mj.y).abs() < close
                && (mi.x - mj.x).hypot(mi.y - mj.y) < close
            {
                keep[i] = false;
                keep[j] = false;
            }
        }
    }
    found
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(m, _)| m)
        .collect()
}
