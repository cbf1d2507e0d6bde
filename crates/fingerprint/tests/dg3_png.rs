//! The PNG the generator and the sensor path write is what DG3 takes.

use fingerprint::synth::{synthesize, Capture};
use fingerprint::{FingerPosition, GreyImage};
use iso19794::FingerRecord;

#[test]
fn synthetic_png_is_accepted_by_finger_record_from_png_at_500_ppi() {
    let img = synthesize(11, FingerPosition::LeftIndex, &Capture::attempt(2));
    let png = img.to_png();
    let record =
        FingerRecord::from_png(FingerPosition::LeftIndex, 77, png.clone()).expect("DG3 takes it");
    assert_eq!(record.scan_res, (500, 500));
    assert_eq!(record.image_res, (500, 500));
    assert_eq!(record.pixel_depth, 8);
    assert_eq!(record.fingers.len(), 1);
    let view = &record.fingers[0];
    assert_eq!(
        (u32::from(view.width), u32::from(view.height)),
        (img.width(), img.height())
    );
    assert_eq!(view.quality, 77);
    assert_eq!(view.data, png);
    // And the stored image decodes back to the same pixels.
    assert_eq!(GreyImage::from_png(&view.data).unwrap(), img);
    // The record encodes and parses back (the DG3 biometric data block).
    let bytes = record.encode().unwrap();
    assert_eq!(FingerRecord::parse(&bytes).unwrap(), record);
}
