//! Quality ordering over a generated set: every degradation scores below its clean original,
//! and lower the stronger it is, for all finger classes.

use std::collections::BTreeMap;

use fingerprint::quality::{assess, Reason};
use fingerprint::synth::{Capture, Degradation, Finger, FingerClass};
use fingerprint::FingerPosition;

const STRENGTHS: [f32; 3] = [0.35, 0.7, 1.0];
const KINDS: [Degradation; 4] = [
    Degradation::LowContrast(0.0),
    Degradation::Dry(0.0),
    Degradation::Blur(0.0),
    Degradation::Partial(0.0),
];

struct Row {
    label: String,
    class: FingerClass,
    clean: f32,
    clean_features: String,
    /// Per kind, the values at each strength, and the reason at full strength.
    degraded: Vec<(Degradation, Vec<f32>, Reason)>,
}

fn evaluate(seed: u64, position: FingerPosition) -> Row {
    let finger = Finger::new(seed, position);
    // Vary the placement too, so the set is not all centred captures.
    let base = Capture::attempt((seed % 4) as u32);
    let clean_a = assess(&finger.capture(&base));
    let clean = clean_a.value;
    let degraded = KINDS
        .iter()
        .map(|kind| {
            let mut values = Vec::new();
            let mut reason = Reason::Good;
            for s in STRENGTHS {
                let a = assess(&finger.capture(&base.clone().with(kind.with_strength(s))));
                values.push(a.value);
                if std::env::var_os("QUALITY_DEBUG").is_some() {
                    eprintln!(
                        "{seed} {} {} {s}: {:.2} {:?}",
                        position.slug(),
                        kind.name(),
                        a.value,
                        a.features
                    );
                }
                reason = a.reason;
            }
            (*kind, values, reason)
        })
        .collect();
    Row {
        label: format!("seed {seed} {}", position.slug()),
        class: finger.class(),
        clean,
        clean_features: format!("{:?}", clean_a.features),
        degraded,
    }
}

#[test]
fn every_degradation_scores_lower_and_monotonically_over_a_generated_set() {
    // 50 fingers × (1 clean + 4 kinds × 3 strengths) = 650 prints.
    let fingers: Vec<(u64, FingerPosition)> = (0..5u64)
        .flat_map(|seed| FingerPosition::TENPRINT_ORDER.map(move |p| (seed, p)))
        .collect();
    let rows: Vec<Row> = std::thread::scope(|s| {
        let handles: Vec<_> = fingers
            .chunks(fingers.len().div_ceil(2))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&(seed, p)| evaluate(seed, p))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let prints: usize = rows.len() * (1 + KINDS.len() * STRENGTHS.len());
    assert!(prints >= 200, "{prints} prints");

    let mut classes = BTreeMap::new();
    let mut failures = Vec::new();
    let mut reasons_right = BTreeMap::<&str, (usize, usize)>::new();
    for row in &rows {
        *classes.entry(row.class.name()).or_insert(0) += 1;
        if row.clean < 60.0 {
            failures.push(format!(
                "{}: clean print scores only {:.1}",
                row.label, row.clean
            ));
        }
        for (kind, values, reason) in &row.degraded {
            let mut prev = row.clean;
            for (s, v) in STRENGTHS.iter().zip(values) {
                if *v >= prev {
                    failures.push(format!(
                        "{} {} {s}: {v:.2} not below {prev:.2} (clean {})",
                        row.label,
                        kind.name(),
                        row.clean_features
                    ));
                }
                prev = *v;
            }
            let expected = match kind {
                Degradation::LowContrast(_) => Reason::LowContrast,
                Degradation::Dry(_) => Reason::Dry,
                Degradation::Blur(_) => Reason::Smudged,
                Degradation::Partial(_) => Reason::Partial,
            };
            let e = reasons_right.entry(kind.name()).or_default();
            e.1 += 1;
            if *reason == expected {
                e.0 += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} ordering failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for class in FingerClass::ALL {
        assert!(
            classes.contains_key(class.name()),
            "no {} in the set: {classes:?}",
            class.name()
        );
    }
    // At full strength the reason names the degradation for most prints.
    for (kind, (right, all)) in &reasons_right {
        assert!(
            *right * 10 >= *all * 8,
            "{kind}: reason right for only {right} of {all}"
        );
    }
}
