use iso19794::*;
use proptest::prelude::*;

/// A minimal valid baseline JPEG header: SOI, APP0, SOF0 (8-bit, 480 high, 360 wide, 1 comp), EOI.
fn tiny_jpeg() -> Vec<u8> {
    let mut j = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    j.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0xE0, 0x01, 0x68, 0x01, 0x01, 0x11, 0x00,
    ]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

/// A PNG signature, a 256x320 greyscale IHDR and a pHYs of 19685 px/m (500 ppi). CRCs are not
/// checked by the reader and are zero here.
fn tiny_png() -> Vec<u8> {
    let mut p = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    p.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 1, 0, 0, 0, 1, 0x40, 8, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    p.extend_from_slice(&[
        0, 0, 0, 9, b'p', b'H', b'Y', b's', 0, 0, 0x4C, 0xE5, 0, 0, 0x4C, 0xE5, 1, 0, 0, 0, 0,
    ]);
    p.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0, 0, 0, 0]);
    p
}

#[test]
fn face_record_layout_and_round_trip() {
    let img = FaceImage::from_jpeg(
        tiny_jpeg(),
        FaceImageType::TokenFrontal,
        Some(((120, 200), (240, 200))),
    )
    .unwrap();
    assert_eq!((img.width, img.height), (360, 480));
    let rec = FaceRecord { images: vec![img] };
    let bytes = rec.encode().unwrap();
    let n = bytes.len();
    assert_eq!(&bytes[..8], b"FAC\x00010\x00");
    assert_eq!(
        u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize,
        n
    );
    assert_eq!(&bytes[12..14], &[0, 1]);
    // Facial information block: length, 2 feature points, then feature point 12.1 at x=120 y=200.
    assert_eq!(
        u32::from_be_bytes(bytes[14..18].try_into().unwrap()) as usize,
        n - 14
    );
    assert_eq!(&bytes[18..20], &[0, 2]);
    assert_eq!(&bytes[34..42], &[1, 0xC1, 0, 120, 0, 200, 0, 0]);
    // Image information after the two points: token frontal, JPEG, 360 x 480.
    assert_eq!(&bytes[50..56], &[2, 0, 0x01, 0x68, 0x01, 0xE0]);
    assert_eq!(FaceRecord::parse(&bytes).unwrap(), rec);
}

#[test]
fn finger_record_layout_and_round_trip() {
    let rec = FingerRecord::from_png(FingerPosition::RightIndex, 77, tiny_png()).unwrap();
    assert_eq!(rec.scan_res, (500, 500));
    let bytes = rec.encode().unwrap();
    assert_eq!(&bytes[..8], b"FIR\x00010\x00");
    assert_eq!(&bytes[8..14], &[0, 0, 0, 0, 0, bytes.len() as u8]);
    assert_eq!(bytes[18], 1, "one finger");
    assert_eq!(bytes[29], 5, "PNG compression");
    assert_eq!(&bytes[32 + 4..32 + 9], &[2, 1, 1, 77, 0]);
    assert_eq!(&bytes[32 + 9..32 + 13], &[1, 0, 1, 0x40]);
    assert_eq!(FingerRecord::parse(&bytes).unwrap(), rec);
    assert_eq!(
        FingerPosition::from_slug("left-index"),
        Some(FingerPosition::LeftIndex)
    );
    assert_eq!(FingerPosition::LeftIndex.code(), 7);
    assert_eq!(FingerPosition::RightIndex.name_vi(), "ngón trỏ phải");
}

#[test]
fn bad_input_is_refused() {
    assert!(FaceImage::from_jpeg(b"GIF89a".to_vec(), FaceImageType::Basic, None).is_err());
    assert!(FingerRecord::from_png(FingerPosition::LeftIndex, 1, tiny_jpeg()).is_err());
    let face = FaceRecord {
        images: vec![FaceImage::from_jpeg(tiny_jpeg(), FaceImageType::Basic, None).unwrap()],
    }
    .encode()
    .unwrap();
    for cut in 0..face.len() {
        assert!(FaceRecord::parse(&face[..cut]).is_err());
    }
    let finger = FingerRecord::from_png(FingerPosition::LeftIndex, 1, tiny_png())
        .unwrap()
        .encode()
        .unwrap();
    for cut in 0..finger.len() {
        assert!(FingerRecord::parse(&finger[..cut]).is_err());
    }
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = FaceRecord::parse(&bytes);
        let _ = FingerRecord::parse(&bytes);
        let _ = jpeg_dimensions(&bytes);
        let _ = png_info(&bytes);
    }
    #[test]
    fn mutated_records_never_panic(pos in 0usize..200, val in any::<u8>()) {
        let mut face = FaceRecord { images: vec![FaceImage::from_jpeg(tiny_jpeg(), FaceImageType::Basic, None).unwrap()] }.encode().unwrap();
        let i = pos % face.len();
        face[i] = val;
        let _ = FaceRecord::parse(&face);
        let mut f = FingerRecord::from_png(FingerPosition::LeftIndex, 1, tiny_png()).unwrap().encode().unwrap();
        let i = pos % f.len();
        f[i] = val;
        let _ = FingerRecord::parse(&f);
    }
}
