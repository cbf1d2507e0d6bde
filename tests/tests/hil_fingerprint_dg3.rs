//! HIL, issue 3's acceptance: both index fingers captured through real libfprint (its
//! virtual_image sensor, fed synthetic prints), put in DG3 of a card personalized through
//! the real pcscd + vpcd on the vcard virtual card, read back by the chip reader, and the
//! prints decode to the captured pixels.
//!
//! libfprint reads FP_VIRTUAL_IMAGE once per process, so this is a test binary of its own.

use fingerprint::feeder::Feeder;
use fingerprint::libfprint::service;
use fingerprint::synth::{Capture, Finger};
use fingerprint::{CancelHandle, FingerPosition, FingerSensor, GreyImage, SensorEvent};
use idstation_tests::{connect, record, trust, Slot, Vcard};
use profiles::Profile;
use std::sync::mpsc;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[test]
fn captured_prints_go_through_dg3_and_decode_after_reading_the_card() {
    let dir = std::env::temp_dir().join(format!("idstation-dg3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("virtual-image.socket");
    // Set before libfprint starts; no other thread exists yet in this test binary.
    std::env::set_var("FP_VIRTUAL_IMAGE", &socket);
    let mut sensor = service()
        .open_first(T)
        .expect("open the virtual_image sensor");
    let mut feeder = Feeder::connect(&socket, T).expect("feeder");

    let mut captured: Vec<(FingerPosition, GreyImage)> = Vec::new();
    for (seed, pos) in [
        (11, FingerPosition::RightIndex),
        (12, FingerPosition::LeftIndex),
    ] {
        let print = Finger::new(seed, pos).capture(&Capture::attempt(1));
        let (tx, rx) = mpsc::channel();
        let got = std::thread::scope(|s| {
            let h = s.spawn(|| {
                sensor.capture(T, &CancelHandle::default(), &mut |e| {
                    let _ = tx.send(e);
                })
            });
            for e in rx.iter() {
                if e == SensorEvent::PlaceFinger {
                    feeder.image(&print).unwrap();
                }
                if e == SensorEvent::FingerOff {
                    break;
                }
            }
            h.join().unwrap()
        });
        let got = got.unwrap_or_else(|e| panic!("{}: {e}", pos.slug()));
        assert_eq!(got.pixels(), print.pixels());
        captured.push((pos, got));
    }

    let profile = Profile::load("vn-citizen-card").unwrap();
    // Lossless PNGs of two 500 ppi prints are far larger than DG3's 30 000 bytes: the chip
    // gets JPEG 2000 (19794-4 compression 4), each fitted to 14 000 bytes.
    let fingers = captured
        .iter()
        .map(|(pos, img)| {
            let q = fingerprint::quality::assess(img);
            let j2k = fingerprint::jp2::encode(img, 14_000).expect("JPEG 2000");
            assert!(j2k.len() <= 14_000);
            iso19794::FingerRecord::from_jpeg2000(
                *pos,
                q.score,
                j2k,
                img.width() as u16,
                img.height() as u16,
                (img.ppi(), img.ppi()),
            )
            .expect("finger record")
        })
        .collect();
    let bio = chip::Biometrics {
        portrait_jpeg: idstation_tests::data("portrait.jpg"),
        face_image_type: iso19794::FaceImageType::FullFrontal,
        eyes: None,
        fingers,
    };
    let doc = chip::build(
        &record(),
        &bio,
        &profile,
        &idstation_tests::signer(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let slot = Slot::take();
    let v = Vcard::start(&slot, &profile.name, None, &[]);
    let mut card = connect(slot.reader);
    chip::personalize(&mut card, &profile, &doc, &trust()).unwrap();
    let reading =
        chip::read_card(&mut card, &doc.bac.mrz_information().unwrap(), &trust()).unwrap();
    assert_eq!(reading.verdict(), chip::Verdict::Verified);
    assert_eq!(reading.fingers.len(), 2);
    for ((pos, quality, j2k), (want_pos, want)) in reading.fingers.iter().zip(&captured) {
        assert_eq!(pos, want_pos);
        let decoded = fingerprint::jp2::decode(j2k).expect("DG3 image decodes");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (want.width(), want.height())
        );
        // Lossy, but the same print: close pixels and close quality.
        let mse: f64 = decoded
            .pixels()
            .iter()
            .zip(want.pixels())
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
            .sum::<f64>()
            / want.pixels().len() as f64;
        let psnr = 10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10();
        assert!(psnr >= 30.0, "{}: PSNR {psnr:.1} dB", pos.slug());
        let original = fingerprint::quality::assess(want).score;
        assert_eq!(
            *quality, original,
            "DG3 carries the capture's quality score"
        );
        let after = fingerprint::quality::assess(&decoded).score;
        assert!(
            original.abs_diff(after) <= 10,
            "{}: quality {original} -> {after}",
            pos.slug()
        );
    }
    drop(card);
    v.remove();
    let _ = std::fs::remove_dir_all(&dir);
}
