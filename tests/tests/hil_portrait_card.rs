//! HIL, issue 4's acceptance: the virtual camera drives `idstation portrait capture` (masked
//! frames refused, then auto-capture of the clean ones), and the token JPEG goes into DG2 of
//! a card personalized by `idstation card personalize` through the real pcscd + vcard, and
//! reads back byte for byte with `idstation card read`, with the image type and the eye
//! centres the capture wrote in its sidecar (FACE.json), exactly.

use idstation_tests::{card_read_args, idstation, output_text, repo, Scratch, Slot, Vcard};
use std::process::Output;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", output_text(o));
}

#[test]
fn virtual_camera_portrait_goes_onto_a_card_and_reads_back() {
    let s = Scratch::new("portrait-card");
    let frames = s.path("frames");
    std::fs::create_dir_all(&frames).unwrap();
    let testdata = repo().join("crates/portrait/testdata");
    for i in 0..2 {
        std::fs::copy(
            testdata.join("fail-lower_face-mask-blue.jpg"),
            frames.join(format!("{i:02}.jpg")),
        )
        .unwrap();
    }
    for i in 2..8 {
        std::fs::copy(
            testdata.join("clean.jpg"),
            frames.join(format!("{i:02}.jpg")),
        )
        .unwrap();
    }
    let face = s.path("face.jpg");
    let full = s.path("full.jpg");
    let camera = format!("virtual:{}", frames.display());
    let o = idstation(&[
        "portrait",
        "capture",
        "--camera",
        &camera,
        "--frames",
        "3",
        "--out",
        face.to_str().unwrap(),
        "--full",
        full.to_str().unwrap(),
    ]);
    ok(&o);
    // The two masked frames were checked and refused (the lower face check failed on each),
    // then three clean ones in a row were taken.
    let progress = String::from_utf8_lossy(&o.stderr);
    for n in [1, 2] {
        let line = progress
            .lines()
            .find(|l| l.starts_with(&format!("frame {n}: ")))
            .unwrap_or_else(|| panic!("frame {n} in {progress}"));
        assert!(line.contains("lower_face"), "{line}");
    }
    for n in [3, 4, 5] {
        assert!(
            progress.lines().any(|l| l == format!("frame {n}: ok")),
            "frame {n} in {progress}"
        );
    }
    assert!(
        !progress.lines().any(|l| l.starts_with("frame 6:")),
        "{progress}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("[auto, 3 compliant frames]"), "{stdout}");
    let token = std::fs::read(&face).unwrap();
    assert!(s.path("face.json").exists(), "the capture's sidecar");
    assert!(token.len() <= 20 * 1024, "token JPEG {} bytes", token.len());
    assert!(full.exists());

    let keys = s.path("keys");
    ok(&idstation(&[
        "keys",
        "init",
        "--dir",
        keys.to_str().unwrap(),
    ]));
    let slot = Slot::take();
    let v = Vcard::start(&slot, "vn-citizen-card", None, &[]);
    let record = repo().join("tests/data/record.json");
    let o = idstation(&[
        "card",
        "personalize",
        "--reader",
        slot.reader,
        "--profile",
        "vn-citizen-card",
        "--record",
        record.to_str().unwrap(),
        "--portrait",
        face.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    ok(&o);
    // The sidecar was used: no eye search on the token image, so no warning about it.
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(!said.contains("warning"), "{said}");
    let out = s.path("read");
    let csca = keys.join("csca.der");
    ok(&idstation(&card_read_args(
        slot.reader,
        &[
            "--csca",
            csca.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    )));
    assert_eq!(std::fs::read(out.join("portrait.jpg")).unwrap(), token);
    // DG2's 19794-5 record read back from the card: a token frontal image with the eye
    // centres exactly where the token geometry put them (the capture's own numbers).
    let faces = lds::parse_dg2(&std::fs::read(out.join("DG2.bin")).unwrap()).unwrap();
    let image = &faces[0].images[0];
    assert_eq!(image.image_type, iso19794::FaceImageType::TokenFrontal);
    assert_eq!(image.eyes(), Some(portrait::token_eyes(360)));
    assert_eq!(image.eyes(), Some(((135, 216), (225, 216))));
    v.remove();
}
