//! Minutiae matching: are two prints of the same finger?
//!
//! A generalised Hough transform over (rotation, translation) from every pair of minutiae,
//! then for the strongest alignments a one-to-one pairing of minutiae that land close in
//! position and direction. Enough for the station's own checks (one finger captured for two
//! positions, a print that matches none of the applicant's), not for 1:N identification.

use std::collections::HashMap;
use std::f32::consts::PI;

use crate::minutiae::Minutia;

/// Largest rotation between two placements considered (plain impressions on a flat sensor).
const MAX_ROTATION: f32 = 35.0 * PI / 180.0;
const ANGLE_BIN: f32 = 5.0 * PI / 180.0;
const SHIFT_BIN: f32 = 12.0;
const PAIR_DISTANCE: f32 = 9.0;
const PAIR_ANGLE: f32 = 15.0 * PI / 180.0;
const HYPOTHESES: usize = 6;

/// Score at or above which two prints are taken for the same finger.
pub const SAME_FINGER_SCORE: f32 = 0.5;
/// Fewest paired minutiae for a match, whatever the score.
pub const MIN_PAIRED: usize = 12;

/// How well two minutiae sets agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchScore {
    /// Paired minutiae over the smaller set, 0..=1.
    pub score: f32,
    pub paired: usize,
}

impl MatchScore {
    pub fn same_finger(&self) -> bool {
        self.score >= SAME_FINGER_SCORE && self.paired >= MIN_PAIRED
    }
}

/// Difference of two directions mod π, in (−π/2, π/2].
fn angle_diff(a: f32, b: f32) -> f32 {
    let mut d = (a - b).rem_euclid(PI);
    if d > PI / 2.0 {
        d -= PI;
    }
    d
}

fn pair_count(a: &[Minutia], b: &[Minutia], rot: f32, tx: f32, ty: f32) -> usize {
    let (s, c) = rot.sin_cos();
    let mut used = vec![false; b.len()];
    let mut paired = 0;
    for m in a {
        let x = c * m.x - s * m.y + tx;
        let y = s * m.x + c * m.y + ty;
        let ang = m.angle + rot;
        let mut best: Option<(usize, f32)> = None;
        for (j, n) in b.iter().enumerate() {
            if used[j] {
                continue;
            }
            let d = (n.x - x).hypot(n.y - y);
            if d <= PAIR_DISTANCE
                && angle_diff(n.angle, ang).abs() <= PAIR_ANGLE
                && best.is_none_or(|(_, bd)| d < bd)
            {
                best = Some((j, d));
            }
        }
        if let Some((j, _)) = best {
            used[j] = true;
            paired += 1;
        }
    }
    paired
}

/// Compares two minutiae sets.
pub fn compare(a: &[Minutia], b: &[Minutia]) -> MatchScore {
    if a.is_empty() || b.is_empty() {
        return MatchScore {
            score: 0.0,
            paired: 0,
        };
    }
    let mut votes: HashMap<(i32, i32, i32), u32> = HashMap::new();
    for m in a {
        for n in b {
            let rot = angle_diff(n.angle, m.angle);
            if rot.abs() > MAX_ROTATION {
                continue;
            }
            let (s, c) = rot.sin_cos();
            let tx = n.x - (c * m.x - s * m.y);
            let ty = n.y - (s * m.x + c * m.y);
            let key = (
                (rot / ANGLE_BIN).round() as i32,
                (tx / SHIFT_BIN).round() as i32,
                (ty / SHIFT_BIN).round() as i32,
            );
            *votes.entry(key).or_insert(0) += 1;
        }
    }
    let mut cells: Vec<((i32, i32, i32), u32)> = votes.into_iter().collect();
    cells.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let paired = cells
        .iter()
        .take(HYPOTHESES)
        .map(|&((r, x, y), _)| {
            pair_count(
                a,
                b,
                r as f32 * ANGLE_BIN,
                x as f32 * SHIFT_BIN,
                y as f32 * SHIFT_BIN,
            )
        })
        .max()
        .unwrap_or(0);
    MatchScore {
        score: paired as f32 / a.len().min(b.len()) as f32,
        paired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::assess;
    use crate::synth::{Capture, Finger};
    use crate::FingerPosition;

    #[test]
    fn captures_of_one_finger_match_and_other_fingers_do_not() {
        let positions = [
            FingerPosition::RightThumb,
            FingerPosition::RightIndex,
            FingerPosition::LeftMiddle,
            FingerPosition::LeftLittle,
        ];
        let mut prints = Vec::new();
        for seed in 0..3u64 {
            for p in positions {
                let f = Finger::new(seed, p);
                let a = assess(&f.capture(&Capture::attempt(1))).minutiae;
                let b = assess(&f.capture(&Capture::attempt(2))).minutiae;
                prints.push((a, b));
            }
        }
        for (i, (a, b)) in prints.iter().enumerate() {
            let genuine = compare(a, b);
            assert!(genuine.same_finger(), "finger {i}: genuine {genuine:?}");
            for (j, (c, _)) in prints.iter().enumerate() {
                if i != j {
                    let impostor = compare(a, c);
                    assert!(
                        !impostor.same_finger(),
                        "fingers {i} and {j}: impostor {impostor:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn empty_sets_do_not_match() {
        assert!(!compare(&[], &[]).same_finger());
    }
}
