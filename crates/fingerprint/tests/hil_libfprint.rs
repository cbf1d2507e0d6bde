//! HIL: captures through real libfprint and its virtual_image sensor.
//!
//! libfprint reads FP_VIRTUAL_IMAGE once per process, when its context is created, so this
//! binary holds one test that sets it first and then runs every scenario in sequence.
#![cfg(feature = "libfprint")]

use std::sync::mpsc;
use std::time::Duration;

use fingerprint::feeder::Feeder;
use fingerprint::libfprint::{service, LibfprintSensor};
use fingerprint::synth::{Capture, Finger};
use fingerprint::{
    CancelHandle, FingerPosition, FingerSensor, GreyImage, RetryReason, SensorError, SensorEvent,
};

const T: Duration = Duration::from_secs(10);

/// Runs a capture on another thread and hands each event to `script` on this one, with the
/// feeder, so that each message reaches the sensor while it waits for a finger.
fn capture_with(
    sensor: &mut LibfprintSensor,
    feeder: &mut Feeder,
    timeout: Duration,
    cancel: &CancelHandle,
    mut script: impl FnMut(SensorEvent, &mut Feeder, &CancelHandle),
) -> (Result<GreyImage, SensorError>, Vec<SensorEvent>) {
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let c = cancel.clone();
        let h = s.spawn(move || sensor.capture(timeout, &c, &mut |e| tx.send(e).unwrap()));
        let mut seen = Vec::new();
        for e in rx {
            seen.push(e);
            script(e, feeder, cancel);
        }
        (h.join().unwrap(), seen)
    })
}

#[test]
fn virtual_image_sensor_scenarios() {
    let dir = std::env::temp_dir().join(format!("idstation-fp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("virtual-image.socket");
    // Edition 2021: set_var is safe; no other thread exists yet in this test binary.
    std::env::set_var("FP_VIRTUAL_IMAGE", &socket);

    let fprint = service();
    let sensors = fprint.sensors(T).expect("list sensors");
    assert!(
        sensors.iter().any(|s| s.driver == "virtual_image"),
        "virtual_image not listed: {sensors:?}"
    );
    let mut sensor = fprint.open_first(T).expect("open");
    assert_eq!(sensor.info().driver, "virtual_image");
    let mut feeder = Feeder::connect(&socket, T).expect("feeder connects");

    // 1. Clean synthetic prints of every class are captured: libfprint's own minutiae
    //    detection accepts them (it would answer a retry otherwise).
    let mut classes = std::collections::HashSet::new();
    for (seed, pos) in [
        (1, FingerPosition::RightIndex),
        (2, FingerPosition::LeftThumb),
        (3, FingerPosition::RightMiddle),
        (4, FingerPosition::LeftLittle),
        (1, FingerPosition::LeftRing),
        (0, FingerPosition::LeftRing),
    ] {
        let finger = Finger::new(seed, pos);
        classes.insert(finger.class());
        let img = finger.capture(&Capture::attempt(seed as u32));
        let (r, events) = capture_with(
            &mut sensor,
            &mut feeder,
            T,
            &CancelHandle::default(),
            |e, f, _| {
                if e == SensorEvent::PlaceFinger {
                    f.image(&img).unwrap();
                }
            },
        );
        let got = r.unwrap_or_else(|e| panic!("seed {seed} {}: {e} after {events:?}", pos.slug()));
        assert_eq!(
            (got.width(), got.height(), got.ppi()),
            (img.width(), img.height(), 500)
        );
        assert_eq!(got.pixels(), img.pixels());
        assert!(events.contains(&SensorEvent::FingerOn), "{events:?}");
        assert!(
            !events.iter().any(|e| matches!(e, SensorEvent::Retry(_))),
            "{events:?}"
        );
    }
    assert!(classes.len() >= 3, "{classes:?}");

    // 2. An injected retry is reported as its own event and the capture goes on.
    let img = Finger::new(5, FingerPosition::RightThumb).capture(&Capture::clean());
    let mut waits = 0;
    let (r, events) = capture_with(
        &mut sensor,
        &mut feeder,
        T,
        &CancelHandle::default(),
        |e, f, _| {
            if e == SensorEvent::PlaceFinger {
                waits += 1;
                if waits == 1 {
                    f.retry(RetryReason::CenterFinger).unwrap();
                } else {
                    f.image(&img).unwrap();
                }
            }
        },
    );
    assert!(r.is_ok(), "{r:?} after {events:?}");
    assert!(
        events.contains(&SensorEvent::Retry(RetryReason::CenterFinger)),
        "{events:?}"
    );

    // 3. Too short a swipe, a different reason, is told apart.
    let mut waits = 0;
    let (r, events) = capture_with(
        &mut sensor,
        &mut feeder,
        T,
        &CancelHandle::default(),
        |e, f, _| {
            if e == SensorEvent::PlaceFinger {
                waits += 1;
                if waits == 1 {
                    f.retry(RetryReason::TooShort).unwrap();
                } else {
                    f.image(&img).unwrap();
                }
            }
        },
    );
    assert!(r.is_ok(), "{r:?}");
    assert!(
        events.contains(&SensorEvent::Retry(RetryReason::TooShort)),
        "{events:?}"
    );

    // 4. The check above means something: libfprint's minutiae detection refuses an image
    //    with no ridges, which reaches us as a general retry.
    let blank = GreyImage::filled(320, 400, 235).unwrap();
    let mut waits = 0;
    let (r, events) = capture_with(
        &mut sensor,
        &mut feeder,
        T,
        &CancelHandle::default(),
        |e, f, _| {
            if e == SensorEvent::PlaceFinger {
                waits += 1;
                f.image(if waits == 1 { &blank } else { &img }).unwrap();
            }
        },
    );
    assert!(r.is_ok(), "{r:?}");
    assert!(
        events.contains(&SensorEvent::Retry(RetryReason::General)),
        "{events:?}"
    );

    // 5. Cancel while waiting for the finger.
    let (r, _) = capture_with(
        &mut sensor,
        &mut feeder,
        T,
        &CancelHandle::default(),
        |e, _, c| {
            if e == SensorEvent::PlaceFinger {
                c.cancel();
            }
        },
    );
    assert_eq!(r.unwrap_err(), SensorError::Cancelled);

    // 6. Nobody touches the sensor: the call ends at its timeout.
    let (r, _) = capture_with(
        &mut sensor,
        &mut feeder,
        Duration::from_millis(400),
        &CancelHandle::default(),
        |_, _, _| {},
    );
    assert!(matches!(r, Err(SensorError::Timeout(_))), "{r:?}");

    // 7. The sensor is unplugged mid-capture: a clear error, and it is no longer listed.
    let (r, events) = capture_with(
        &mut sensor,
        &mut feeder,
        T,
        &CancelHandle::default(),
        |e, f, _| {
            if e == SensorEvent::PlaceFinger {
                f.remove_device().unwrap();
            }
        },
    );
    assert_eq!(r.unwrap_err(), SensorError::Unplugged, "{events:?}");
    assert!(SensorError::Unplugged.message_vi().contains("rút"));
    let after = fprint.sensors(T).unwrap();
    assert!(
        after.iter().all(|s| s.driver != "virtual_image"),
        "{after:?}"
    );
    let (r, _) = capture_with(
        &mut sensor,
        &mut feeder,
        T,
        &CancelHandle::default(),
        |_, _, _| {},
    );
    assert_eq!(r.unwrap_err(), SensorError::Unplugged);
    drop(sensor);
    let _ = std::fs::remove_dir_all(&dir);
}
