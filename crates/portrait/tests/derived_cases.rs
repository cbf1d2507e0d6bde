//! Acceptance: every derived failing portrait is refused with the right check named, and
//! the clean portraits pass. The expected check is in each file's name:
//! `fail-<check>-<case>.jpg` (see testdata/README.md and make_testdata.py).
use portrait::{Analyzer, CheckId, Outcome};
use std::path::PathBuf;

fn testdata() -> Vec<PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    v.sort();
    v
}

fn analyze(a: &mut Analyzer, p: &PathBuf) -> portrait::Analysis {
    let img = image::open(p).unwrap().to_rgb8();
    a.analyze(img.width(), img.height(), img.as_raw())
}

#[test]
fn clean_portraits_pass_every_check() {
    let mut a = Analyzer::default();
    let clean: Vec<_> = testdata()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("clean")
        })
        .collect();
    assert!(clean.len() >= 3);
    for p in clean {
        let r = analyze(&mut a, &p);
        assert!(r.passed(), "{}: failed {:?}", p.display(), r.failed());
        assert_eq!(r.faces.len(), 1);
        let eyes = r.eyes.expect("eyes");
        // The subject's right eye is on the image's left.
        assert!(eyes.right.0 < eyes.left.0);
        for c in &r.checks {
            assert!(c.measured.is_some(), "{:?} measured", c.id);
            assert_eq!(c.outcome, Outcome::Pass, "{:?}", c.id);
            assert!(c.instruction.is_none());
        }
    }
}

#[test]
fn every_derived_failing_case_is_refused_naming_its_check() {
    let mut a = Analyzer::default();
    let mut cases = 0;
    for p in testdata() {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let Some(rest) = name.strip_prefix("fail-") else {
            continue;
        };
        let slug = rest.split('-').next().unwrap();
        let want = CheckId::from_slug(slug).unwrap_or_else(|| panic!("{name}: no check {slug}"));
        let r = analyze(&mut a, &p);
        assert!(!r.passed(), "{name} passed");
        assert!(
            r.failed().contains(&want),
            "{name}: want {want:?} among failed {:?}",
            r.failed()
        );
        let c = r.check(want).unwrap();
        let i = c.instruction.as_ref().expect("an instruction");
        assert!(!i.vi.is_empty() && !i.en.is_empty(), "{name}");
        cases += 1;
    }
    // mask (2), dark, overexposed, blurred, off-centre, rotated, too small, busy
    // background, two faces, no face, one-sided light.
    assert!(cases >= 12, "{cases} cases");
}

#[test]
fn a_masked_face_is_refused_as_covered_not_passed_as_some_other_face() {
    let mut a = Analyzer::default();
    for colour in ["blue", "white"] {
        let p = PathBuf::from(format!(
            "{}/testdata/fail-lower_face-mask-{colour}.jpg",
            env!("CARGO_MANIFEST_DIR")
        ));
        let r = analyze(&mut a, &p);
        let c = r.check(CheckId::LowerFace).unwrap();
        assert_eq!(c.outcome, Outcome::Fail, "{colour}");
        assert!(c.instruction.as_ref().unwrap().en.contains("mask"));
        assert!(c.instruction.as_ref().unwrap().vi.contains("khẩu trang"));
        // Found only as an upper face: never counted as a confirmed face.
        assert_ne!(r.check(CheckId::FaceCount).unwrap().outcome, Outcome::Pass);
    }
}

#[test]
fn garbage_frames_are_refused_without_panicking() {
    let mut a = Analyzer::default();
    for (w, h, len) in [
        (0, 0, 0),
        (640, 480, 10),
        (10, 10, 300),
        (100_000, 2, 600_000),
    ] {
        let r = a.analyze(w, h, &vec![0u8; len]);
        assert!(!r.passed());
        assert_eq!(r.failed(), vec![CheckId::FaceCount]);
        assert_eq!(r.checks.len(), CheckId::ALL.len());
    }
    // Noise and flat colours of every kind.
    let mut seed = 1u32;
    let noise: Vec<u8> = (0..640 * 480 * 3)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as u8
        })
        .collect();
    assert!(!a.analyze(640, 480, &noise).passed());
    for v in [0u8, 128, 255] {
        assert!(!a.analyze(64, 48, &vec![v; 64 * 48 * 3]).passed());
    }
}
