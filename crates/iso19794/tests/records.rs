use iso19794::*;
use proptest::prelude::*;

/// A 12 x 16 RGB baseline JPEG (SOF0) and a 9 x 7 greyscale progressive one (SOF2), both
/// written by an ordinary encoder.
const FACE_JPEG: &[u8] = include_bytes!("data/face_baseline.jpg");
const GREY_PROGRESSIVE_JPEG: &[u8] = include_bytes!("data/grey_progressive.jpg");
/// A 10 x 12 8-bit greyscale PNG with pHYs 19685 px/m (500 ppi), the same without pHYs, and a
/// 3 x 2 RGB PNG.
const FINGER_PNG: &[u8] = include_bytes!("data/finger_500ppi.png");
const FINGER_PNG_NO_PHYS: &[u8] = include_bytes!("data/finger_nophys.png");
const RGB_PNG: &[u8] = include_bytes!("data/rgb.png");

fn h(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn small_face() -> FaceRecord {
    FaceRecord {
        images: vec![FaceImage {
            gender: Gender::Female,
            eye_colour: 1,
            hair_colour: 2,
            feature_mask: FaceImage::FEATURES_SPECIFIED,
            expression: 1,
            pose: [0, 0, 0],
            pose_uncertainty: [0, 0, 0],
            feature_points: vec![
                FeaturePoint {
                    kind: FeaturePoint::MPEG4,
                    code: FeaturePoint::RIGHT_EYE_CENTRE,
                    x: 4,
                    y: 6,
                },
                FeaturePoint {
                    kind: FeaturePoint::MPEG4,
                    code: FeaturePoint::LEFT_EYE_CENTRE,
                    x: 8,
                    y: 6,
                },
            ],
            image_type: FaceImageType::FullFrontal,
            data_type: ImageDataType::Jpeg,
            width: 12,
            height: 16,
            colour_space: FaceImage::COLOUR_SPACE_RGB24,
            source_type: FaceImage::SOURCE_DIGITAL_STILL,
            device_type: 0,
            quality: 0,
            data: vec![0xFF, 0xD8, 0xFF, 0xD9],
        }],
    }
}

fn small_finger() -> FingerRecord {
    FingerRecord {
        device_id: 0,
        acquisition_level: 31,
        scale_units: FingerRecord::SCALE_PPI,
        scan_res: (500, 500),
        image_res: (500, 500),
        pixel_depth: 8,
        compression: Compression::Png,
        fingers: vec![FingerImage {
            position: FingerPosition::RightIndex,
            view_count: 1,
            view_number: 1,
            quality: 60,
            impression: 0,
            width: 10,
            height: 12,
            data: vec![1, 2, 3],
        }],
    }
}

#[test]
fn face_record_exact_bytes() {
    // 14 + (20 + 2 * 8 + 12 + 4) = 66 bytes.
    let expected = h("
        46414300 30313000 00000042 0001
        00000034 0002 02 01 02 000001 0001 000000 000000
        01 C2 0004 0006 0000
        01 C1 0008 0006 0000
        01 00 000C 0010 01 02 0000 0000
        FFD8FFD9");
    let rec = small_face();
    assert_eq!(rec.encode().unwrap(), expected);
    assert_eq!(FaceRecord::parse(&expected).unwrap(), rec);
    assert_eq!(rec.images[0].eyes(), Some(((4, 6), (8, 6))));
}

#[test]
fn face_from_real_jpegs() {
    let img = FaceImage::from_jpeg(
        FACE_JPEG.to_vec(),
        FaceImageType::TokenFrontal,
        Some(((4, 6), (8, 6))),
    )
    .unwrap();
    assert_eq!((img.width, img.height), (12, 16));
    assert_eq!(img.colour_space, FaceImage::COLOUR_SPACE_RGB24);
    assert_eq!(img.data_type, ImageDataType::Jpeg);
    assert_eq!(img.feature_mask, 1);
    let rec = FaceRecord { images: vec![img] };
    let bytes = rec.encode().unwrap();
    assert_eq!(bytes.len(), 14 + 20 + 16 + 12 + FACE_JPEG.len());
    assert_eq!(&bytes[8..12], (bytes.len() as u32).to_be_bytes());
    // 19794-5 §5.6.4: 12.1 is the subject's left eye (here at x 8, the image's right),
    // 12.2 the right eye (x 4).
    assert_eq!(
        &bytes[34..50],
        h("01 C1 0008 0006 0000  01 C2 0004 0006 0000")
    );
    assert_eq!(&bytes[50..56], [2, 0, 0, 12, 0, 16]);
    assert_eq!(FaceRecord::parse(&bytes).unwrap(), rec);

    let info = jpeg_info(GREY_PROGRESSIVE_JPEG).unwrap();
    assert_eq!(
        (info.width, info.height, info.components, info.process),
        (9, 7, 1, 2)
    );
    let grey =
        FaceImage::from_jpeg(GREY_PROGRESSIVE_JPEG.to_vec(), FaceImageType::Basic, None).unwrap();
    assert_eq!(grey.colour_space, FaceImage::COLOUR_SPACE_GREY8);
    assert!(grey.feature_points.is_empty());
    assert_eq!(grey.eyes(), None);
}

#[test]
fn jpeg_walker_refuses_what_is_not_a_usable_jpeg() {
    let err = |b: &[u8]| jpeg_info(b).unwrap_err();
    assert_eq!(err(b"GIF89a"), ImageError::NotJpeg);
    assert_eq!(err(FINGER_PNG), ImageError::NotJpeg);
    assert_eq!(err(&[]), ImageError::NotJpeg);
    // Cut before the frame header, and cut inside it.
    assert!(jpeg_info(&FACE_JPEG[..100]).is_err());
    assert!(jpeg_info(&FACE_JPEG[..165]).is_err());
    // Lossless (SOF3) and arithmetic (SOF9) processes.
    assert_eq!(
        err(&h("FFD8 FFC3 000B 08 0010 000C 01 011100")),
        ImageError::UnsupportedJpeg(3)
    );
    assert_eq!(
        err(&h("FFD8 FFC9 000B 08 0010 000C 01 011100")),
        ImageError::UnsupportedJpeg(9)
    );
    // Height 0 (DNL), scan or end of image before any frame header, broken segment lengths.
    assert_eq!(
        err(&h("FFD8 FFC0 000B 08 0000 000C 01 011100")),
        ImageError::ZeroSize
    );
    assert_eq!(err(&h("FFD8 FFDA 0002 FFD9")), ImageError::NoFrameHeader);
    assert_eq!(err(&h("FFD8 FFD9")), ImageError::NoFrameHeader);
    assert!(jpeg_info(&h("FFD8 FFE0 0001")).is_err());
    assert!(jpeg_info(&h("FFD8 FFE0 00FF 00")).is_err());
    assert!(jpeg_info(&h("FFD8 00")).is_err());
    // Fill bytes and standalone markers are walked over.
    let info = jpeg_info(&h("FFD8 FFFF FFD0 FFC0 000B 08 0002 0003 01 011100")).unwrap();
    assert_eq!((info.width, info.height), (3, 2));
}

#[test]
fn finger_record_exact_bytes() {
    // 32 + 14 + 3 = 49 bytes.
    let expected = h("
        46495200 30313000 000000000031 0000 001F 01 01 01F4 01F4 01F4 01F4 08 05 0000
        00000011 02 01 01 3C 00 000A 000C 00
        010203");
    let rec = small_finger();
    assert_eq!(rec.encode().unwrap(), expected);
    assert_eq!(FingerRecord::parse(&expected).unwrap(), rec);
}

#[test]
fn finger_from_real_pngs() {
    let rec = FingerRecord::from_png(FingerPosition::LeftIndex, 77, FINGER_PNG.to_vec()).unwrap();
    assert_eq!(rec.scan_res, (500, 500));
    assert_eq!(rec.image_res, (500, 500));
    assert_eq!(rec.acquisition_level, 31);
    assert_eq!(rec.pixel_depth, 8);
    assert_eq!(rec.compression, Compression::Png);
    let f = &rec.fingers[0];
    assert_eq!((f.width, f.height, f.quality), (10, 12, 77));
    assert_eq!(f.data, FINGER_PNG);
    let bytes = rec.encode().unwrap();
    assert_eq!(bytes[29], 5, "compression: PNG");
    assert_eq!(&bytes[36..41], [7, 1, 1, 77, 0]);
    assert_eq!(FingerRecord::parse(&bytes).unwrap(), rec);

    let info = png_info(FINGER_PNG_NO_PHYS).unwrap();
    assert_eq!(
        (info.width, info.height, info.bit_depth, info.ppi),
        (10, 12, 8, None)
    );
    let rec =
        FingerRecord::from_png(FingerPosition::RightThumb, 0, FINGER_PNG_NO_PHYS.to_vec()).unwrap();
    assert_eq!(rec.scan_res, (500, 500));
}

#[test]
fn png_reader_refuses_bad_files() {
    let png_err =
        |b: &[u8]| FingerRecord::from_png(FingerPosition::RightIndex, 50, b.to_vec()).unwrap_err();
    assert_eq!(
        png_err(RGB_PNG),
        RecordError::Image(ImageError::NotGreyscale(2))
    );
    assert_eq!(png_err(FACE_JPEG), RecordError::Image(ImageError::NotPng));
    assert_eq!(png_err(b""), RecordError::Image(ImageError::NotPng));
    assert_eq!(
        FingerRecord::from_png(FingerPosition::RightIndex, 101, FINGER_PNG.to_vec()).unwrap_err(),
        RecordError::Quality(101)
    );
    // A flipped bit in IHDR (the height) or in pHYs fails the CRC.
    let mut bad = FINGER_PNG.to_vec();
    bad[23] ^= 1;
    assert_eq!(png_info(&bad), Err(ImageError::BadCrc("IHDR")));
    let mut bad = FINGER_PNG.to_vec();
    bad[43] ^= 1;
    assert_eq!(png_info(&bad), Err(ImageError::BadCrc("pHYs")));
    // Truncated anywhere before the image data.
    for cut in 0..41 {
        assert!(png_info(&FINGER_PNG[..cut]).is_err(), "cut at {cut}");
    }
    // A chunk before IHDR.
    let mut swapped = FINGER_PNG[..8].to_vec();
    swapped.extend_from_slice(&FINGER_PNG[33..]);
    assert!(png_info(&swapped).is_err());
}

#[test]
fn truncated_overlong_and_garbage_records_are_refused() {
    let face = small_face().encode().unwrap();
    let finger = small_finger().encode().unwrap();
    for cut in 0..face.len() {
        assert!(
            FaceRecord::parse(&face[..cut]).is_err(),
            "face cut at {cut}"
        );
    }
    for cut in 0..finger.len() {
        assert!(
            FingerRecord::parse(&finger[..cut]).is_err(),
            "finger cut at {cut}"
        );
    }
    let mut long = face.clone();
    long.push(0);
    assert!(matches!(
        FaceRecord::parse(&long),
        Err(RecordError::Length { .. })
    ));
    let mut long = finger.clone();
    long.push(0);
    assert!(matches!(
        FingerRecord::parse(&long),
        Err(RecordError::Length { .. })
    ));
    assert_eq!(
        FaceRecord::parse(b"FIR\x00010\x00").unwrap_err(),
        RecordError::BadMagic("ISO/IEC 19794-5 face image")
    );
    assert!(matches!(
        FingerRecord::parse(&face),
        Err(RecordError::BadMagic(_))
    ));

    // The 2011 edition ("030\0") is not this format.
    let mut v = face.clone();
    v[4..8].copy_from_slice(b"030\0");
    assert_eq!(
        FaceRecord::parse(&v).unwrap_err(),
        RecordError::Version(*b"030\0")
    );
    // A block length that runs past the record, or too short for its own header.
    let mut v = face.clone();
    v[17] = 0x40;
    assert!(matches!(
        FaceRecord::parse(&v),
        Err(RecordError::BlockLength { .. })
    ));
    let mut v = face.clone();
    v[17] = 0x10;
    assert!(matches!(
        FaceRecord::parse(&v),
        Err(RecordError::BlockLength { .. })
    ));
    // A block length that ends early leaves bytes over.
    let mut v = face.clone();
    v[17] -= 1;
    assert!(FaceRecord::parse(&v).is_err());
    // Zero images.
    let mut v = finger.clone();
    v[18] = 0;
    assert_eq!(FingerRecord::parse(&v).unwrap_err(), RecordError::NoImages);
    // A plain four-finger impression (code 13) is not a single finger.
    let mut v = finger.clone();
    v[36] = 13;
    assert_eq!(
        FingerRecord::parse(&v).unwrap_err(),
        RecordError::FingerPosition(13)
    );
}

#[test]
fn encoder_refuses_what_does_not_fit() {
    assert_eq!(
        FaceRecord { images: vec![] }.encode(),
        Err(RecordError::NoImages)
    );
    let mut f = small_finger();
    f.fingers.clear();
    assert_eq!(f.encode(), Err(RecordError::NoImages));
    let mut f = small_finger();
    f.fingers = vec![f.fingers[0].clone(); 256];
    assert!(matches!(f.encode(), Err(RecordError::TooMany { .. })));
    let mut face = small_face();
    face.images[0].feature_mask = 1 << 24;
    assert!(matches!(face.encode(), Err(RecordError::OutOfRange(_))));
}

#[test]
fn finger_positions() {
    assert_eq!(FingerPosition::RightIndex.name_vi(), "Ngón trỏ phải");
    assert_eq!(FingerPosition::LeftIndex.name_vi(), "Ngón trỏ trái");
    assert_eq!(FingerPosition::LeftRing.name_en(), "left ring finger");
    assert_eq!(FingerPosition::LeftIndex.code(), 7);
    assert_eq!(
        FingerPosition::from_code(10),
        Some(FingerPosition::LeftLittle)
    );
    assert_eq!(FingerPosition::from_code(11), None);
    assert_eq!(FingerPosition::from_code(255), None);
    assert_eq!(
        FingerPosition::from_slug("left-index"),
        Some(FingerPosition::LeftIndex)
    );
    for (i, p) in FingerPosition::TENPRINT_ORDER.iter().enumerate() {
        assert_eq!(usize::from(p.code()), i + 1);
        assert_eq!(FingerPosition::from_code(p.code()), Some(*p));
        assert_eq!(FingerPosition::from_slug(p.slug()), Some(*p));
    }
    // ISO/IEC 7816-11 Table C.3: right index 01 | 08, left index 02 | 08, left little 02 | 14.
    assert_eq!(FingerPosition::RightIndex.cbeff_subtype(), 0x09);
    assert_eq!(FingerPosition::LeftIndex.cbeff_subtype(), 0x0A);
    assert_eq!(FingerPosition::RightThumb.cbeff_subtype(), 0x05);
    assert_eq!(FingerPosition::LeftLittle.cbeff_subtype(), 0x16);
    assert_eq!(FingerPosition::Unknown.cbeff_subtype(), 0x00);
}

fn mutate(mut v: Vec<u8>, pos: usize, val: u8, cut: usize) -> Vec<u8> {
    if !v.is_empty() {
        let i = pos % v.len();
        v[i] ^= val;
    }
    v.truncate(cut % (v.len() + 1));
    v
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = FaceRecord::parse(&bytes);
        let _ = FingerRecord::parse(&bytes);
        let _ = jpeg_info(&bytes);
        let _ = png_info(&bytes);
        let _ = FaceImage::from_jpeg(bytes.clone(), FaceImageType::Basic, None);
        let _ = FingerRecord::from_png(FingerPosition::Unknown, 0, bytes);
    }

    #[test]
    fn parsers_never_panic_on_prefixed_garbage(
        tail in proptest::collection::vec(any::<u8>(), 0..300),
        which in 0usize..4,
    ) {
        // Valid magic and version so the fuzz reaches the length and block fields.
        let head: &[u8] = [&b"FAC\x00010\x00"[..], b"FIR\x00010\x00", &[0xFF, 0xD8], &FINGER_PNG[..8]][which];
        let bytes = [head, &tail].concat();
        let _ = FaceRecord::parse(&bytes);
        let _ = FingerRecord::parse(&bytes);
        let _ = jpeg_info(&bytes);
        let _ = png_info(&bytes);
    }

    #[test]
    fn mutated_records_never_panic(pos in any::<usize>(), val in 1u8.., cut in any::<usize>()) {
        let face = FaceRecord { images: vec![FaceImage::from_jpeg(FACE_JPEG.to_vec(), FaceImageType::Basic, Some(((1, 2), (3, 4)))).unwrap()] };
        let finger = FingerRecord::from_png(FingerPosition::LeftIndex, 1, FINGER_PNG.to_vec()).unwrap();
        let m = mutate(face.encode().unwrap(), pos, val, cut);
        if let Ok(parsed) = FaceRecord::parse(&m) {
            // Whatever parses re-encodes (reserved bytes zeroed) to a record that parses back.
            prop_assert_eq!(FaceRecord::parse(&parsed.encode().unwrap()).unwrap(), parsed);
        }
        let m = mutate(finger.encode().unwrap(), pos, val, cut);
        if let Ok(parsed) = FingerRecord::parse(&m) {
            prop_assert_eq!(FingerRecord::parse(&parsed.encode().unwrap()).unwrap(), parsed);
        }
        let _ = jpeg_info(&mutate(FACE_JPEG.to_vec(), pos, val, cut));
        let _ = png_info(&mutate(FINGER_PNG.to_vec(), pos, val, cut));
    }

    #[test]
    fn round_trips(
        points in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u16>(), any::<u16>()), 0..4),
        data in proptest::collection::vec(any::<u8>(), 0..64),
        gender in any::<u8>(),
        mask in 0u32..0x100_0000,
        quality in 0u8..=100,
        position in 0u8..=10,
    ) {
        let mut face = small_face();
        face.images[0].feature_points = points.iter().map(|&(kind, code, x, y)| FeaturePoint { kind, code, x, y }).collect();
        face.images[0].data = data.clone();
        face.images[0].gender = Gender::from_code(gender);
        face.images[0].feature_mask = mask;
        face.images.push(face.images[0].clone());
        prop_assert_eq!(FaceRecord::parse(&face.encode().unwrap()).unwrap(), face);
        let mut finger = small_finger();
        finger.fingers[0].data = data;
        finger.fingers[0].quality = quality;
        finger.fingers[0].position = FingerPosition::from_code(position).unwrap();
        finger.fingers.push(finger.fingers[0].clone());
        prop_assert_eq!(FingerRecord::parse(&finger.encode().unwrap()).unwrap(), finger);
    }
}

/// A 16 x 16 8-bit grey JP2 file at 500 ppi (capture resolution box), lossy 9/7, as
/// `fingerprint::jp2::encode` writes it.
const FINGER_JP2: &str = "
    0000000c6a5020200d0a870a00000014667479706a703220000000006a703220000000476a70326800000016
    6968647200000010000000100001070700000000000f636f6c72010000000000110000001a72657320000000
    127265736361a8007f61a8007f0202000000e36a703263ff4fff510029000000000010000000100000000000
    000000000000100000001000000000000000000001070101ff52000c00000001000404040000ff5c001d426f
    206f006f006ee067506750676850055005504757d357d35762ff640025000143726561746564206279204f70
    656e4a5045472076657273696f6e20322e352e33ff90000a0000000000580001ff93c1f9808008c3f60281f8
    010004900047c1f802c0fb41000d020506df0b3e2f7fc1f504407c81c0221a050d5246d64f037e268dc68f9f
    c03e12600e8a36a17e74971821447f3da62d657fffd9";

#[test]
fn finger_from_jpeg2000_round_trips() {
    let jp2 = h(FINGER_JP2);
    assert_eq!(jp2.len(), 330);
    let rec = FingerRecord::from_jpeg2000(
        FingerPosition::RightIndex,
        88,
        jp2.clone(),
        16,
        16,
        (500, 500),
    )
    .unwrap();
    assert_eq!(rec.compression, Compression::Jpeg2000);
    assert_eq!(rec.compression.code(), 4);
    assert_eq!(rec.pixel_depth, 8);
    assert_eq!(rec.acquisition_level, 31);
    assert_eq!((rec.scan_res, rec.image_res), ((500, 500), (500, 500)));
    assert_eq!(rec.scale_units, FingerRecord::SCALE_PPI);
    let f = &rec.fingers[0];
    assert_eq!(
        (
            f.position,
            f.width,
            f.height,
            f.quality,
            f.view_count,
            f.view_number
        ),
        (FingerPosition::RightIndex, 16, 16, 88, 1, 1)
    );
    assert_eq!(f.data, jp2);

    let bytes = rec.encode().unwrap();
    assert_eq!(bytes.len(), 32 + 14 + 330);
    assert_eq!(&bytes[8..14], [0, 0, 0, 0, 0x01, 0x78], "record length 376");
    assert_eq!(&bytes[16..18], [0, 31], "acquisition level");
    assert_eq!(
        &bytes[20..28],
        [0x01, 0xF4, 0x01, 0xF4, 0x01, 0xF4, 0x01, 0xF4]
    );
    assert_eq!((bytes[28], bytes[29]), (8, 4), "8 bits, JPEG 2000");
    assert_eq!(&bytes[32..36], [0, 0, 0x01, 0x58], "finger block 344");
    assert_eq!(&bytes[36..46], [2, 1, 1, 88, 0, 0, 16, 0, 16, 0]);
    assert_eq!(&bytes[46..], &jp2[..]);
    assert_eq!(FingerRecord::parse(&bytes).unwrap(), rec);

    // The acquisition level follows the lower resolution, as for PNG.
    for (ppi, level) in [
        ((1000, 1000), 41),
        ((1000, 500), 31),
        ((250, 250), 20),
        ((125, 125), 10),
    ] {
        let rec =
            FingerRecord::from_jpeg2000(FingerPosition::LeftIndex, 0, jp2.clone(), 16, 16, ppi)
                .unwrap();
        assert_eq!((rec.acquisition_level, rec.scan_res), (level, ppi));
        assert_eq!(FingerRecord::parse(&rec.encode().unwrap()).unwrap(), rec);
    }
}

#[test]
fn finger_from_jpeg2000_refuses_bad_arguments() {
    let jp2 = h(FINGER_JP2);
    let make = |q, data: Vec<u8>, w, hgt, ppi| {
        FingerRecord::from_jpeg2000(FingerPosition::RightIndex, q, data, w, hgt, ppi)
    };
    assert_eq!(
        make(101, jp2.clone(), 16, 16, (500, 500)),
        Err(RecordError::Quality(101))
    );
    assert!(make(50, jp2.clone(), 0, 16, (500, 500)).is_err());
    assert!(make(50, jp2.clone(), 16, 16, (0, 500)).is_err());
    assert!(make(50, Vec::new(), 16, 16, (500, 500)).is_err());
}
