//! HIL: `idstation finger capture` as QA scripts run it, through real libfprint's
//! virtual_image sensor: the officer is told to place the finger, an injected retry is shown
//! with its reason, and the captured print is written as PNG.

use fingerprint::feeder::Feeder;
use fingerprint::synth::{Capture, Finger};
use fingerprint::{FingerPosition, GreyImage, RetryReason};
use idstation_tests::{bin, Scratch};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn finger_capture_command_through_libfprint() {
    let s = Scratch::new("finger-cli");
    let socket = s.path("virtual-image.socket");
    let out = s.path("right-index.png");
    let mut child = Command::new(bin("idstation"))
        .args([
            "finger",
            "capture",
            "--finger",
            "right-index",
            "--timeout",
            "20",
            "--out",
        ])
        .arg(&out)
        .env("FP_VIRTUAL_IMAGE", &socket)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run idstation");
    let print = Finger::new(31, FingerPosition::RightIndex).capture(&Capture::attempt(2));
    let mut feeder: Option<Feeder> = None;
    let mut places = 0;
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("Place the finger") {
            places += 1;
            let f = feeder.get_or_insert_with(|| {
                Feeder::connect(&socket, Duration::from_secs(10)).expect("feeder")
            });
            if places == 1 {
                f.retry(RetryReason::CenterFinger).unwrap();
            } else {
                f.image(&print).unwrap();
            }
        }
        lines.push(line);
    }
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{lines:?}\n{err}");
    assert!(places >= 2, "{lines:?}");
    let retry = RetryReason::CenterFinger;
    assert!(
        lines.iter().any(|l| l.contains(retry.message_en())),
        "the retry reason is shown: {lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("score ")), "{lines:?}");
    let got = GreyImage::from_png(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(got.pixels(), print.pixels());
    assert_eq!(got.ppi(), 500);
}
