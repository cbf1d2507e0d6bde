//! HIL, issue 4's acceptance: the virtual camera drives `idstation portrait capture` (masked
//! frames refused, then auto-capture of the clean ones), and the token JPEG goes into DG2 of
//! a card personalized by `idstation card personalize` through the real pcscd + vcard, and
//! reads back byte for byte with `idstation card read`.

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
    let token = std::fs::read(&face).unwrap();
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
    ok(&idstation(&[
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
    ]));
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
    // DG2's 19794-5 record carries the eye centres, where the token geometry puts them.
    let faces = lds::parse_dg2(&std::fs::read(out.join("DG2.bin")).unwrap()).unwrap();
    let ((rx, ry), (lx, ly)) = faces[0].images[0]
        .eyes()
        .expect("eye feature points in DG2");
    let ((wrx, wry), (wlx, wly)) = portrait::token_eyes(360);
    for (got, want) in [(rx, wrx), (ry, wry), (lx, wlx), (ly, wly)] {
        assert!(
            got.abs_diff(want) <= 8,
            "eyes {:?} vs token {:?}",
            ((rx, ry), (lx, ly)),
            ((wrx, wry), (wlx, wly))
        );
    }
    v.remove();
}
