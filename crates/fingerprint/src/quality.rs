//! A 0–100 quality score per capture, in the spirit of NIST's NFIQ 2: features measured
//! block by block (orientation certainty, ridge clarity, contrast, ridge-period consistency),
//! the usable foreground area, and the count and reliability of minutiae, combined into one
//! number, with the main reason in words an officer can act on.

use std::collections::BTreeMap;

use crate::analysis::Analysis;
use crate::image::GreyImage;
use crate::minutiae::{self, Minutia};
use crate::FingerPosition;

/// Foreground blocks a well-placed finger covers on a 500 ppi plain capture of about
/// 16 × 20 mm (the contact ellipse covers about 300 of 500 blocks).
const FULL_AREA_BLOCKS: f32 = 260.0;
/// Reliable minutiae of a good plain print; more add nothing to the score.
const ENOUGH_MINUTIAE: f32 = 30.0;

/// The measured features, each 0..=1 where 1 is what a clean, well-placed print shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    /// Usable foreground relative to a well-placed finger, each block weighted by how much
    /// ridge contrast it has (a block the finger only half covers counts less).
    pub area: f32,
    /// Foreground blocks relative to a well-placed finger, whatever their contrast: where
    /// the finger is, which tells a partial placement from a faint print.
    pub placement: f32,
    /// Orientation certainty (NFIQ 2 OCL) over the foreground.
    pub orientation_certainty: f32,
    /// Ridge clarity (the share of grey-level variance that parallel ridges explain; close to
    /// NFIQ 2 LCS) over the foreground.
    pub clarity: f32,
    /// Grey-level contrast over the foreground.
    pub contrast: f32,
    /// Gradient strength for the contrast there is: blur and smudge lower it.
    pub sharpness: f32,
    /// Share of foreground blocks with a plausible ridge period, times the consistency of the
    /// periods (NFIQ 2 FDA and RVU in spirit).
    pub frequency: f32,
    /// Reliability-weighted minutiae relative to a good print.
    pub minutiae: f32,
    /// Mean grey level of the foreground, 0 black to 255 white: faint prints are light,
    /// smudged ones dark. Not part of the score; it tells the two apart.
    pub mean_grey: f32,
}

/// What is wrong with a capture, as the officer should hear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    Good,
    /// The finger is off-centre or only partly on the glass.
    Partial,
    /// Too light a touch or a faint print.
    LowContrast,
    /// Dry skin: broken ridges.
    Dry,
    /// Blurred or smudged: moving finger, wet or worn skin, dirty glass.
    Smudged,
    /// Too few reliable ridge details.
    FewMinutiae,
}

impl Reason {
    pub fn message_en(self) -> &'static str {
        match self {
            Reason::Good => "Good print.",
            Reason::Partial => "Only part of the finger was captured: place the finger flat in the centre of the glass.",
            Reason::LowContrast => "The print is too faint: press the finger a little more firmly.",
            Reason::Dry => "The skin is dry and the ridges are broken: moisten the finger slightly and capture again.",
            Reason::Smudged => "The print is blurred or smudged: wipe the finger and the glass, keep the finger still.",
            Reason::FewMinutiae => "Too few ridge details: roll the finger slightly flatter and capture again.",
        }
    }
    pub fn message_vi(self) -> &'static str {
        match self {
            Reason::Good => "Vân tay tốt.",
            Reason::Partial => {
                "Chỉ lấy được một phần ngón tay: đặt ngón tay phẳng vào giữa mặt kính."
            }
            Reason::LowContrast => "Vân tay quá mờ: ấn ngón tay mạnh hơn một chút.",
            Reason::Dry => "Da tay khô, đường vân bị đứt: làm ẩm nhẹ ngón tay rồi lấy lại.",
            Reason::Smudged => "Vân tay bị nhòe: lau sạch ngón tay và mặt kính, giữ yên ngón tay.",
            Reason::FewMinutiae => "Quá ít chi tiết vân: đặt ngón tay phẳng hơn rồi lấy lại.",
        }
    }
}

/// The result of assessing one capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// 0–100, higher is better.
    pub score: u8,
    /// The score before rounding, for comparing captures finely.
    pub value: f32,
    pub features: Features,
    /// The main reason for a low score, or [`Reason::Good`].
    pub reason: Reason,
    pub minutiae: Vec<Minutia>,
}

impl Assessment {
    /// Whether the score reaches the threshold.
    pub fn passes(&self, threshold: u8) -> bool {
        self.score >= threshold
    }
}

/// Minimum scores per finger. MOSIP's registration client accepts slaps from 40; the same
/// default applies to every finger here until a profile says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    pub default: u8,
    pub per_finger: BTreeMap<u8, u8>,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            default: 40,
            per_finger: BTreeMap::new(),
        }
    }
}

impl Thresholds {
    pub fn for_finger(&self, position: FingerPosition) -> u8 {
        self.per_finger
            .get(&position.code())
            .copied()
            .unwrap_or(self.default)
            .min(100)
    }
    pub fn set(&mut self, position: FingerPosition, threshold: u8) {
        self.per_finger.insert(position.code(), threshold.min(100));
    }
}

fn mean_over<F: Fn(usize) -> f32>(a: &Analysis, f: F) -> (f32, usize) {
    let (mut s, mut n) = (0.0, 0);
    for b in 0..a.foreground.len() {
        if a.foreground[b] {
            s += f(b);
            n += 1;
        }
    }
    (if n > 0 { s / n as f32 } else { 0.0 }, n)
}

/// Linear from `lo` (0) to `hi` (1), clamped.
fn ramp(v: f32, lo: f32, hi: f32) -> f32 {
    ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Identity up to 0.8, then rising ever more slowly towards 1 (continuous in value and
/// slope): a large thumb covers more than the reference area, and a cut through it must
/// still lower the score.
fn soft_cap(r: f32) -> f32 {
    if r <= 0.8 {
        r.max(0.0)
    } else {
        0.8 + 0.2 * (1.0 - (-(r - 0.8) / 0.2).exp())
    }
}

/// Measures the features of an image and finds its minutiae.
pub fn features(image: &GreyImage) -> (Features, Vec<Minutia>) {
    let a = Analysis::new(image);
    let (certainty, fg) = mean_over(&a, |b| a.certainty[b]);
    let (clarity, _) = mean_over(&a, |b| a.clarity[b]);
    let (contrast, _) = mean_over(&a, |b| a.contrast[b]);
    let (sharp, _) = mean_over(&a, |b| a.sharpness[b]);
    // A block the finger only partly covers has less ridge contrast than a full one.
    let (covered, _) = mean_over(&a, |b| ramp(a.contrast[b], 9.0, 30.0));
    let (mean_grey, _) = mean_over(&a, |b| a.mean[b]);
    let periods: Vec<f32> = (0..a.foreground.len())
        .filter(|&b| a.foreground[b] && a.period[b] > 0.0)
        .map(|b| a.period[b])
        .collect();
    let frequency = if fg == 0 || periods.is_empty() {
        0.0
    } else {
        let m = periods.iter().sum::<f32>() / periods.len() as f32;
        let sd =
            (periods.iter().map(|p| (p - m).powi(2)).sum::<f32>() / periods.len() as f32).sqrt();
        let valid = periods.len() as f32 / fg as f32;
        valid * (1.0 - sd / m).clamp(0.0, 1.0)
    };
    let minutiae = if fg > 0 {
        minutiae::extract(&a)
    } else {
        Vec::new()
    };
    let reliable: f32 = minutiae.iter().map(|m| m.reliability).sum();
    // Block counts scale with the image: a larger sensor window is not a better print.
    let area_blocks = FULL_AREA_BLOCKS * (a.w * a.h) as f32 / (320.0 * 400.0);
    let f = Features {
        area: soft_cap(fg as f32 * covered / area_blocks),
        placement: (fg as f32 / area_blocks).clamp(0.0, 1.0),
        orientation_certainty: ramp(certainty, 0.45, 0.85),
        clarity: ramp(clarity, 0.35, 0.65),
        // Smooth rather than capped, so that any loss of contrast shows.
        contrast: (1.0 - (-(contrast - 5.0).max(0.0) / 22.0).exp()).clamp(0.0, 1.0),
        sharpness: ramp(sharp, 0.30, 0.44),
        frequency: ramp(frequency, 0.25, 0.65),
        minutiae: (reliable / ENOUGH_MINUTIAE).clamp(0.0, 1.0),
        mean_grey,
    };
    (f, minutiae)
}

/// How much each feature weighs: the score is a weighted geometric mean, so any one feature
/// near zero pulls the score down whatever the others say.
const WEIGHTS: [(f32, usize); 7] = [
    (1.0, 0), // area
    (0.8, 1), // contrast
    (0.8, 2), // orientation certainty
    (0.8, 3), // clarity
    // Sharpness tells a smudge from a faint print but moves both ways with light
    // degradations, so it names problems without changing the score.
    (0.0, 4), // sharpness
    (0.5, 5), // frequency
    (0.6, 6), // minutiae
];

fn factors(f: &Features) -> [f32; 7] {
    [
        f.area,
        f.contrast,
        f.orientation_certainty,
        f.clarity,
        f.sharpness,
        f.frequency,
        f.minutiae,
    ]
}

/// Scores an image and names its main problem.
pub fn assess(image: &GreyImage) -> Assessment {
    let (f, minutiae) = features(image);
    let fs = factors(&f);
    // ln of each weighted factor: 0 for a perfect feature, negative otherwise.
    let logs = WEIGHTS.map(|(w, i)| w * fs[i].max(1e-4).ln());
    let value = (100.0 * logs.iter().sum::<f32>().exp()).clamp(0.0, 100.0);
    let score = value.round() as u8;
    let reason = reason_for(&f, &logs, score);
    Assessment {
        score,
        value,
        features: f,
        reason,
        minutiae,
    }
}

/// Below this score the officer is told what is wrong.
pub const GOOD_SCORE: u8 = 60;

/// The biggest penalty names the problem. Lost contrast is a faint print when the print is
/// light and a smudge when it is dark.
fn reason_for(f: &Features, logs: &[f32; 7], score: u8) -> Reason {
    if score >= GOOD_SCORE {
        return Reason::Good;
    }
    let contrast = -logs[1];
    let faint = f.mean_grey >= 165.0;
    let penalties = [
        (Reason::Partial, -WEIGHTS[0].0 * f.placement.max(1e-4).ln()),
        (Reason::LowContrast, if faint { contrast } else { 0.0 }),
        (Reason::Dry, -logs[2] - logs[3]),
        (
            Reason::Smudged,
            -(0.7 * f.sharpness.max(1e-4).ln()) - logs[5] + if faint { 0.0 } else { contrast },
        ),
        // Few minutiae on a partial print is the partial placement's fault.
        (
            Reason::FewMinutiae,
            (-logs[6] + WEIGHTS[6].0 * f.placement.max(1e-4).ln()).max(0.0),
        ),
    ];
    penalties
        .iter()
        .copied()
        .fold((Reason::FewMinutiae, f32::MIN), |acc, p| {
            if p.1 > acc.1 {
                p
            } else {
                acc
            }
        })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{synthesize, Capture, Degradation};

    #[test]
    fn blank_tiny_and_noise_images_score_low_without_panicking() {
        for (w, h) in [(1, 1), (3, 17), (16, 16), (320, 400)] {
            let a = assess(&GreyImage::filled(w, h, 240).unwrap());
            assert_eq!(a.score, 0, "{w}×{h}");
            assert!(a.minutiae.is_empty());
        }
        let noise: Vec<u8> = (0..320u32 * 400)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let a = assess(&GreyImage::from_pixels(320, 400, noise).unwrap());
        assert!(a.score < 40, "noise scored {}", a.score);
    }

    #[test]
    fn clean_print_is_good_and_strong_blur_is_a_smudge() {
        let clean = assess(&synthesize(
            3,
            FingerPosition::RightIndex,
            &Capture::clean(),
        ));
        assert!(clean.score >= 60, "{}", clean.score);
        assert_eq!(clean.reason, Reason::Good);
        assert!(
            clean.minutiae.len() >= 20,
            "{} minutiae",
            clean.minutiae.len()
        );
        let blurred = assess(&synthesize(
            3,
            FingerPosition::RightIndex,
            &Capture::clean().with(Degradation::Blur(1.0)),
        ));
        assert!(blurred.score < 40, "{}", blurred.score);
        assert_eq!(blurred.reason, Reason::Smudged);
        assert!(!blurred.passes(Thresholds::default().for_finger(FingerPosition::RightIndex)));
    }

    #[test]
    fn thresholds_default_to_40_and_are_set_per_finger() {
        let mut t = Thresholds::default();
        assert_eq!(t.for_finger(FingerPosition::LeftLittle), 40);
        t.set(FingerPosition::LeftLittle, 30);
        t.set(FingerPosition::RightThumb, 250);
        assert_eq!(t.for_finger(FingerPosition::LeftLittle), 30);
        assert_eq!(t.for_finger(FingerPosition::RightThumb), 100);
        assert_eq!(t.for_finger(FingerPosition::RightIndex), 40);
    }

    #[test]
    fn every_reason_has_both_languages() {
        for r in [
            Reason::Good,
            Reason::Partial,
            Reason::LowContrast,
            Reason::Dry,
            Reason::Smudged,
            Reason::FewMinutiae,
        ] {
            assert!(!r.message_en().is_empty() && !r.message_vi().is_empty());
            assert_ne!(r.message_en(), r.message_vi());
        }
    }
}
