use iso19794::{FaceImage, FaceImageType, FaceRecord, FingerImage, FingerPosition, FingerRecord};
use lds::*;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn ef_com_matches_the_icao_9303_11_appendix_d_file() {
    // The EF.COM read in ICAO 9303-11 Appendix D.4: LDS 1.6, Unicode 4.0.0, DG1 and DG2.
    let bytes = h("60145F0104303130365F36063034303030305C026175");
    let com = Com {
        lds_version: "0106".into(),
        unicode_version: "040000".into(),
        data_groups: vec![
            DataGroup::from_number(1).unwrap(),
            DataGroup::from_number(2).unwrap(),
        ],
    };
    assert_eq!(com.encode().unwrap(), bytes);
    assert_eq!(Com::parse(&bytes).unwrap(), com);
    assert_eq!(file_length_from_header(&bytes[..4]).unwrap(), bytes.len());
}

#[test]
fn data_group_identifiers() {
    let dg = |n| DataGroup::from_number(n).unwrap();
    assert_eq!((dg(1).tag(), dg(1).fid()), (0x61, 0x0101));
    assert_eq!(
        (
            dg(2).tag(),
            dg(3).tag(),
            dg(13).tag(),
            dg(14).tag(),
            dg(15).tag()
        ),
        (0x75, 0x63, 0x6D, 0x6E, 0x6F)
    );
    assert_eq!(LdsFile::Sod.fid(), 0x011D);
    assert_eq!(DataGroup::from_tag(0x6D), Some(dg(13)));
    assert_eq!(DataGroup::from_number(17), None);
}

#[test]
fn dg1_with_the_icao_td1_specimen() {
    let mrz = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let dg1 = encode_dg1(mrz).unwrap();
    assert_eq!(&dg1[..5], &[0x61, 0x5D, 0x5F, 0x1F, 0x5A]);
    assert_eq!(parse_dg1(&dg1).unwrap(), mrz);
    assert!(encode_dg1("short").is_err());
}

#[test]
fn dg13_exact_bytes() {
    // The worked example of firmware-profiles/DG13.md.
    let dg13 = Dg13 {
        fields: vec![
            (1, vec!["001095012345".into()]),
            (4, vec!["Nữ".into()]),
            (13, vec!["Lê Văn A".into(), "Đỗ Thị B".into()]),
        ],
    };
    let bytes = encode_dg13(&dg13);
    let expected = concat!(
        "6D3E",
        "3011",
        "020101",
        "0C0C",
        "303031303935303132333435", // 1: "001095012345"
        "3009",
        "020104",
        "0C04",
        "4EE1BBAF", // 4: "Nữ"
        "301E",
        "02010D", // 13: father, mother
        "0C0A",
        "4CC3AA2056C4836E2041", //     "Lê Văn A"
        "0C0D",
        "C490E1BB972054 68E1BB8B2042", //     "Đỗ Thị B"
    )
    .replace(' ', "");
    assert_eq!(hex::encode_upper(&bytes), expected);
    assert_eq!(parse_dg13(&bytes).unwrap(), dg13);
}

#[test]
fn dg13_parser_accepts_nested_strings_and_skips_unknown_elements() {
    use iso7816::tlv::encode;
    // Field 13 with each name in a SEQUENCE of its own, after an element of another issuer.
    let field13 = [
        encode(0x02, &[13]),
        encode(0x30, &encode(0x0C, b"Anh")),
        encode(0x30, &encode(0x0C, b"Chi")),
    ]
    .concat();
    let bytes = encode(
        0x6D,
        &[encode(0x06, &[0x2A, 0x03, 0x04]), encode(0x30, &field13)].concat(),
    );
    let dg = parse_dg13(&bytes).unwrap();
    assert_eq!(
        dg.fields,
        vec![(13, vec!["Anh".to_string(), "Chi".to_string()])]
    );
    // Invalid UTF-8 is an error, not a panic or a lossy string.
    assert!(parse_dg13(&encode(
        0x6D,
        &encode(0x30, &[encode(0x02, &[1]), encode(0x0C, &[0xFF])].concat())
    ))
    .is_err());
}

fn tiny_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9,
    ]);
    j
}

#[test]
fn dg2_and_dg3_round_trip() {
    let face = FaceRecord {
        images: vec![FaceImage::from_jpeg(tiny_jpeg(), FaceImageType::TokenFrontal, None).unwrap()],
    };
    let dg2 = encode_dg2(std::slice::from_ref(&face)).unwrap();
    assert_eq!(&dg2[..1], &[0x75]);
    // Biometric header: ICAO header version 0101, type 02 (face), owner 0101, format 0008.
    let pos = dg2
        .windows(4)
        .position(|w| w == [0x81, 0x01, 0x02, 0x87])
        .unwrap();
    assert_eq!(&dg2[pos..pos + 11], &h("810102 87020101 88020008")[..]);
    assert_eq!(parse_dg2(&dg2).unwrap(), vec![face]);
    let finger = |pos| FingerRecord {
        device_id: 0,
        acquisition_level: 31,
        scale_units: 1,
        scan_res: (500, 500),
        image_res: (500, 500),
        pixel_depth: 8,
        compression: iso19794::Compression::Png,
        fingers: vec![FingerImage {
            position: pos,
            view_count: 1,
            view_number: 1,
            quality: 60,
            impression: 0,
            width: 2,
            height: 2,
            data: vec![1, 2, 3],
        }],
    };
    let recs = vec![
        finger(FingerPosition::RightIndex),
        finger(FingerPosition::LeftIndex),
    ];
    let dg3 = encode_dg3(&recs).unwrap();
    assert_eq!(parse_dg3(&dg3).unwrap(), recs);
    // A face group is not a finger group.
    assert!(parse_dg3(&dg2).is_err());
}

#[test]
fn wrappers() {
    assert_eq!(
        parse_dg14(&encode_dg14(&[0x31, 0x00])).unwrap(),
        [0x31, 0x00]
    );
    assert_eq!(
        parse_dg15(&encode_dg15(&[0x30, 0x00])).unwrap(),
        [0x30, 0x00]
    );
    assert_eq!(parse_sod(&encode_sod(&[0x30, 0x00])).unwrap(), [0x30, 0x00]);
    assert!(parse_sod(&[0x77, 0x05, 0x30]).is_err());
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Com::parse(&bytes);
        let _ = parse_dg1(&bytes);
        let _ = parse_dg2(&bytes);
        let _ = parse_dg3(&bytes);
        let _ = parse_dg13(&bytes);
        let _ = parse_dg14(&bytes);
        let _ = parse_dg15(&bytes);
        let _ = parse_sod(&bytes);
        let _ = file_length_from_header(&bytes);
    }

    #[test]
    fn mutated_files_never_panic(pos in 0usize..1000, val in any::<u8>(), cut in 0usize..1000) {
        let face = FaceRecord { images: vec![FaceImage::from_jpeg(tiny_jpeg(), FaceImageType::TokenFrontal, None).unwrap()] };
        let dg13 = Dg13 { fields: vec![(1, vec!["001095012345".into()]), (13, vec!["A".into(), "B".into()])] };
        for file in [encode_dg2(&[face]).unwrap(), encode_dg13(&dg13)] {
            let mut m = file.clone();
            let i = pos % m.len();
            m[i] = val;
            m.truncate(cut % (m.len() + 1));
            let _ = parse_dg2(&m);
            let _ = parse_dg13(&m);
            let _ = Com::parse(&m);
        }
    }
}
