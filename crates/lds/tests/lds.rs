use iso19794::{
    Compression, FaceImage, FaceImageType, FaceRecord, FingerImage, FingerPosition, FingerRecord,
};
use iso7816::tlv::encode;
use lds::*;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

// ---------------------------------------------------------------- identifiers

#[test]
fn data_group_identifiers() {
    use DataGroup::*;
    let expect = [
        (Dg1, 0x61, 0x0101),
        (Dg2, 0x75, 0x0102),
        (Dg3, 0x63, 0x0103),
        (Dg4, 0x76, 0x0104),
        (Dg11, 0x6B, 0x010B),
        (Dg12, 0x6C, 0x010C),
        (Dg13, 0x6D, 0x010D),
        (Dg14, 0x6E, 0x010E),
        (Dg15, 0x6F, 0x010F),
        (Dg16, 0x70, 0x0110),
    ];
    for (dg, tag, fid) in expect {
        assert_eq!((dg.tag(), dg.fid()), (tag, fid), "{dg}");
        assert_eq!(DataGroup::from_tag(tag), Some(dg));
        assert_eq!(LdsFile::from_fid(fid), Some(LdsFile::Dg(dg)));
    }
    for (i, dg) in DataGroup::ALL.iter().enumerate() {
        assert_eq!(usize::from(dg.number()), i + 1);
        assert_eq!(DataGroup::from_number(dg.number()), Some(*dg));
        assert_eq!(dg.short_ef_id(), dg.number());
        assert_eq!(LdsFile::from_tag(dg.tag()), Some(LdsFile::Dg(*dg)));
    }
    assert_eq!(Dg13.name(), "DG13");
    assert_eq!(DataGroup::from_number(0), None);
    assert_eq!(DataGroup::from_number(17), None);
    assert_eq!(DataGroup::from_tag(0x60), None);
    assert_eq!((LdsFile::Com.fid(), LdsFile::Com.tag()), (0x011E, 0x60));
    assert_eq!((LdsFile::Sod.fid(), LdsFile::Sod.tag()), (0x011D, 0x77));
    assert_eq!(
        (LdsFile::Com.short_ef_id(), LdsFile::Sod.short_ef_id()),
        (0x1E, 0x1D)
    );
    assert_eq!(LdsFile::from_tag(0x77), Some(LdsFile::Sod));
    assert_eq!(LdsFile::from_fid(0x011E), Some(LdsFile::Com));
    assert_eq!(LdsFile::from_fid(0x0111), None);
}

#[test]
fn file_lengths_from_the_first_bytes() {
    assert_eq!(file_length_from_header(&h("60 14 5F01")).unwrap(), 0x16);
    assert_eq!(file_length_from_header(&h("75 82 3A 10")).unwrap(), 0x3A14);
    assert_eq!(
        file_length_from_header(&h("63 83 01 00 00 7F")).unwrap(),
        0x10005
    );
    assert!(file_length_from_header(&h("75 82 3A")).is_err());
    assert!(file_length_from_header(&[]).is_err());
    assert!(file_length_from_header(&h("6D 80")).is_err());
}

// ---------------------------------------------------------------- EF.COM

#[test]
fn ef_com_reproduces_the_icao_9303_11_worked_example() {
    // ICAO 9303-11 Appendix D (BAC worked example): EF.COM of LDS 1.6, Unicode 4.0.0, DG1 + DG2.
    let bytes = h("60 14 5F01 04 30313036 5F36 06 303430303030 5C 02 6175");
    let com = Com {
        lds_version: "0106".into(),
        unicode_version: "040000".into(),
        data_groups: vec![DataGroup::Dg1, DataGroup::Dg2],
    };
    assert_eq!(com.encode().unwrap(), bytes);
    assert_eq!(Com::parse(&bytes).unwrap(), com);
    assert_eq!(file_length_from_header(&bytes[..4]).unwrap(), bytes.len());
}

#[test]
fn ef_com_of_lds_1_7() {
    // LDS 1.7 with DG1-DG4, as the iso7816 crate's TLV test reads it.
    let bytes = h("60 16 5F01 04 30313037 5F36 06 303430303030 5C 04 61756376");
    let com = Com::new(vec![
        DataGroup::Dg1,
        DataGroup::Dg2,
        DataGroup::Dg3,
        DataGroup::Dg4,
    ]);
    assert_eq!(com.encode().unwrap(), bytes);
    assert_eq!(Com::parse(&bytes).unwrap(), com);
    // The card this station writes.
    use DataGroup::*;
    let card = Com::new(vec![Dg1, Dg2, Dg3, Dg13, Dg14, Dg15]);
    let bytes = card.encode().unwrap();
    assert_eq!(&bytes[bytes.len() - 8..], h("5C 06 61 75 63 6D 6E 6F"));
    assert_eq!(Com::parse(&bytes).unwrap(), card);
}

#[test]
fn ef_com_errors() {
    let mut com = Com::new(vec![DataGroup::Dg1, DataGroup::Dg1]);
    assert_eq!(
        com.encode(),
        Err(LdsError::DuplicateDataGroup(DataGroup::Dg1))
    );
    com.data_groups.pop();
    com.lds_version = "1.7".into();
    assert!(matches!(com.encode(), Err(LdsError::ComVersion(..))));
    // Unknown tag in the list, duplicate tag, missing tag list, wrong outer tag.
    assert_eq!(
        Com::parse(&h("60 13 5F01 04 30313037 5F36 06 303430303030 5C 01 77")),
        Err(LdsError::UnknownDataGroupTag(0x77))
    );
    assert!(Com::parse(&h("60 14 5F01 04 30313037 5F36 06 303430303030 5C 02 6161")).is_err());
    assert_eq!(
        Com::parse(&h("60 10 5F01 04 30313037 5F36 06 303430303030")),
        Err(LdsError::Tlv {
            file: "EF.COM",
            source: iso7816::TlvError::Missing(0x5C)
        })
    );
    assert!(Com::parse(&h("61 14 5F01 04 30313036 5F36 06 303430303030 5C 02 6175")).is_err());
    assert!(Com::parse(&h("60 14 5F01 04 3031FF36 5F36 06 303430303030 5C 02 6175")).is_err());
}

// ---------------------------------------------------------------- DG1

const TD1_SPECIMEN: &str = concat!(
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
);

#[test]
fn dg1_with_the_icao_td1_specimen() {
    // ICAO 9303-5 specimen TD1 MRZ (Anna Maria Eriksson, Utopia).
    let dg1 = encode_dg1(TD1_SPECIMEN).unwrap();
    assert_eq!(&dg1[..5], h("61 5D 5F1F 5A"));
    assert_eq!(&dg1[5..], TD1_SPECIMEN.as_bytes());
    assert_eq!(parse_dg1(&dg1).unwrap(), TD1_SPECIMEN);
    // TD3 (88) and TD2 (72) lengths.
    let td3 =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    assert_eq!(parse_dg1(&encode_dg1(td3).unwrap()).unwrap(), td3);
    assert_eq!(encode_dg1(&"<".repeat(72)).unwrap()[1], 0x4B);
    for bad in [
        "short",
        &TD1_SPECIMEN.to_lowercase(),
        &TD1_SPECIMEN.replace('<', " "),
        &format!("{TD1_SPECIMEN}<"),
    ] {
        assert_eq!(encode_dg1(bad), Err(LdsError::Mrz));
    }
    // Not an MRZ inside, trailing bytes, truncated.
    assert_eq!(
        parse_dg1(&encode(0x61, &encode(0x5F1F, b"ABC"))),
        Err(LdsError::Mrz)
    );
    let mut long = dg1.clone();
    long.push(0);
    assert!(parse_dg1(&long).is_err());
    assert!(parse_dg1(&dg1[..dg1.len() - 1]).is_err());
}

// ---------------------------------------------------------------- DG2, DG3

/// A minimal JPEG frame: SOI, SOF0 of 300 x 400, 1 component, EOI.
fn tiny_jpeg() -> Vec<u8> {
    h("FFD8 FFC0 000B 08 0190 012C 01 011100 FFD9")
}

fn face() -> FaceRecord {
    FaceRecord {
        images: vec![FaceImage::from_jpeg(
            tiny_jpeg(),
            FaceImageType::TokenFrontal,
            Some(((100, 200), (200, 200))),
        )
        .unwrap()],
    }
}

fn finger(position: FingerPosition) -> FingerRecord {
    FingerRecord {
        device_id: 0,
        acquisition_level: 31,
        scale_units: 1,
        scan_res: (500, 500),
        image_res: (500, 500),
        pixel_depth: 8,
        compression: Compression::Png,
        fingers: vec![FingerImage {
            position,
            view_count: 1,
            view_number: 1,
            quality: 60,
            impression: 0,
            width: 2,
            height: 2,
            data: vec![1, 2, 3],
        }],
    }
}

#[test]
fn dg2_exact_layout_and_round_trip() {
    let face = face();
    let record = face.encode().unwrap();
    let dg2 = encode_dg2(std::slice::from_ref(&face)).unwrap();
    // A 79-byte face record (14 + 20 + 2 x 8 + 12 + a 17-byte JPEG).
    assert_eq!(record.len(), 79);
    let expected = [
        h("75 6F
             7F61 6C
                02 01 01
                7F60 66
                   A1 12  80 02 0101  81 01 02  82 01 00  87 02 0101  88 02 0008
                   5F2E 4F"),
        record,
    ]
    .concat();
    assert_eq!(dg2, expected);
    assert_eq!(parse_dg2(&dg2).unwrap(), vec![face.clone()]);
    // Two faces.
    let two = encode_dg2(&[face.clone(), face.clone()]).unwrap();
    assert_eq!(parse_dg2(&two).unwrap(), vec![face.clone(), face]);
}

#[test]
fn dg2_parser_takes_other_headers_and_long_lengths() {
    let record = face().encode().unwrap();
    // Header elements in another order with a creation date (83), validity (85) and creator
    // (86); the record's length in three-byte form; the BIT's in two-byte form.
    let bht = encode(
        0xA1,
        &h("88 02 0008 83 07 20240102030405 87 02 0101 81 01 02 85 08 2024010120340101 86 02 0001 82 01 00 80 02 0101"),
    );
    let mut bdb = h("5F2E 82");
    bdb.extend_from_slice(&(record.len() as u16).to_be_bytes());
    bdb.extend_from_slice(&record);
    let bit_value = [bht, bdb].concat();
    let mut bit = h("7F60 82");
    bit.extend_from_slice(&(bit_value.len() as u16).to_be_bytes());
    bit.extend_from_slice(&bit_value);
    let dg2 = encode(
        0x75,
        &encode(0x7F61, &[h("02 01 01"), bit.clone()].concat()),
    );
    assert_eq!(parse_dg2(&dg2).unwrap(), vec![face()]);

    // An enciphered block, a wrong biometric type, a wrong format, a wrong count.
    let enciphered = encode(
        0x7F60,
        &[encode(0xA1, &h("81 01 02")), encode(0x7F2E, &[1, 2, 3])].concat(),
    );
    let group = |bit: &[u8], n: u8| encode(0x75, &encode(0x7F61, &[&[2, 1, n][..], bit].concat()));
    assert_eq!(
        parse_dg2(&group(&enciphered, 1)),
        Err(LdsError::Enciphered { file: "DG2" })
    );
    let typed = |header: &str| {
        encode(
            0x7F60,
            &[encode(0xA1, &h(header)), encode(0x5F2E, &record)].concat(),
        )
    };
    assert!(matches!(
        parse_dg2(&group(&typed("81 01 08"), 1)),
        Err(LdsError::BiometricType { found: 8, .. })
    ));
    assert!(matches!(
        parse_dg2(&group(&typed("87 02 0101 88 02 0009"), 1)),
        Err(LdsError::BiometricFormat { format: 9, .. })
    ));
    assert!(matches!(
        parse_dg2(&group(&bit, 2)),
        Err(LdsError::TemplateCount {
            declared: 2,
            found: 1,
            ..
        })
    ));
    assert!(matches!(
        parse_dg2(&group(&encode(0x7F60, &encode(0x5F2E, &record)), 1)),
        Err(LdsError::Missing { .. })
    ));
    // A header with the biometric type only is enough; a record that does not parse is not.
    assert!(parse_dg2(&group(&typed("81 01 02"), 1)).is_ok());
    let broken = encode(
        0x7F60,
        &[encode(0xA1, &h("81 01 02")), encode(0x5F2E, b"FAC\0")].concat(),
    );
    assert!(matches!(
        parse_dg2(&group(&broken, 1)),
        Err(LdsError::Record { file: "DG2", .. })
    ));
    assert_eq!(encode_dg2(&[]), Err(LdsError::NoTemplates { file: "DG2" }));
}

#[test]
fn dg3_one_template_per_finger_with_cbeff_subtypes() {
    let recs = vec![
        finger(FingerPosition::RightIndex),
        finger(FingerPosition::LeftIndex),
    ];
    let dg3 = encode_dg3(&recs).unwrap();
    assert_eq!(dg3[0], 0x63);
    let headers: Vec<_> = dg3
        .windows(20)
        .filter(|w| w[0] == 0xA1)
        .map(|w| w.to_vec())
        .collect();
    assert_eq!(
        headers,
        vec![
            h("A1 12 80 02 0101 81 01 08 82 01 09 87 02 0101 88 02 0007"),
            h("A1 12 80 02 0101 81 01 08 82 01 0A 87 02 0101 88 02 0007"),
        ]
    );
    assert_eq!(parse_dg3(&dg3).unwrap(), recs);
    // Both index fingers in one record share the "index finger" bits only.
    let mut both = finger(FingerPosition::RightIndex);
    both.fingers
        .push(finger(FingerPosition::LeftIndex).fingers.remove(0));
    let dg3 = encode_dg3(std::slice::from_ref(&both)).unwrap();
    assert!(dg3.windows(3).any(|w| w == [0x82, 0x01, 0x08]));
    assert_eq!(parse_dg3(&dg3).unwrap(), vec![both]);
    // A face group is not a finger group, nor the other way round.
    assert!(parse_dg3(&encode_dg2(&[face()]).unwrap()).is_err());
    assert!(parse_dg2(&encode_dg3(&recs).unwrap()).is_err());
}

// ---------------------------------------------------------------- DG13

/// The worked example of firmware-profiles/DG13.md.
fn dg13_example() -> Dg13 {
    Dg13 {
        fields: vec![
            (dg13::ID_NUMBER, vec!["001095012345".into()]),
            (dg13::DATE_OF_BIRTH, vec!["15/06/1995".into()]),
            (dg13::SEX, vec!["Nữ".into()]),
            (dg13::DATE_OF_EXPIRY, vec!["Không thời hạn".into()]),
            (dg13::PARENTS, vec!["Lê Văn A".into(), "Đỗ Thị B".into()]),
            (dg13::SPOUSE, vec![String::new()]),
            (dg13::FORMER_ID_NUMBER, vec![String::new()]),
        ],
    }
}

const DG13_EXAMPLE_HEX: &str = "
    6D 7D
    30 11  02 01 01  13 0C 303031303935303132333435
    30 0F  02 01 03  13 0A 31352F30362F31393935
    30 09  02 01 04  0C 04 4EE1BBAF
    30 18  02 01 0C  0C 13 4B68C3B46E67207468E1BB9D692068E1BAA16E
    30 22  02 01 0D  30 0C 0C 0A 4CC3AA2056C4836E2041
                     30 0F 0C 0D C490E1BB97205468E1BB8B2042
    30 07  02 01 0E  30 02 0C 00
    30 05  02 01 0F  13 00";

#[test]
fn dg13_exact_bytes_of_the_documented_example() {
    let bytes = encode_dg13(&dg13_example());
    assert_eq!(
        hex::encode_upper(&bytes),
        hex::encode_upper(h(DG13_EXAMPLE_HEX))
    );
    assert_eq!(parse_dg13(&bytes).unwrap(), dg13_example());
    let parsed = parse_dg13(&bytes).unwrap();
    assert_eq!(parsed.first(dg13::SEX), Some("Nữ"));
    assert_eq!(parsed.get(dg13::PARENTS).unwrap(), ["Lê Văn A", "Đỗ Thị B"]);
    assert_eq!(parsed.first(dg13::SPOUSE), Some(""));
    assert_eq!(parsed.get(dg13::BLOOD_TYPE), None);
}

#[test]
fn dg13_matches_the_prefixes_readers_of_issued_cards_look_for() {
    // Readers written against issued cards look for these exact field starts.
    let dg = Dg13 {
        fields: vec![
            (1, vec!["012345678901".into()]),
            (3, vec!["01/01/1990".into()]),
            (4, vec!["Nam".into()]),
            (5, vec!["Việt Nam".into()]),
            (11, vec!["01/01/2021".into()]),
            (12, vec!["01/01/2030".into()]),
            (15, vec!["123456789".into()]),
        ],
    };
    let bytes = encode_dg13(&dg);
    for prefix in [
        "30 11 02 01 01 13 0C",
        "30 0F 02 01 03 13 0A",
        "30 08 02 01 04 0C 03",
        "30 0F 02 01 05 0C 0A",
        "30 0F 02 01 0B 13 0A",
        "30 0F 02 01 0C 0C 0A",
        "30 0E 02 01 0F 13 09",
    ] {
        let p = h(prefix);
        assert!(bytes.windows(p.len()).any(|w| w == p), "{prefix}");
    }
}

#[test]
fn dg13_full_card_uses_long_lengths_and_sorts_fields() {
    let mut fields: Vec<(u8, Vec<String>)> = (1..=20)
        .filter(|id| *id != 13)
        .map(|id| {
            (
                id,
                vec![format!("Xã Đông Hòa, huyện Dĩ An, tỉnh Bình Dương {id}")],
            )
        })
        .collect();
    fields.push((13, vec!["A".into(), "B".into()]));
    fields.reverse();
    let dg = Dg13 { fields };
    let bytes = encode_dg13(&dg);
    assert_eq!(&bytes[..2], h("6D 82"));
    assert_eq!(file_length_from_header(&bytes[..4]).unwrap(), bytes.len());
    let parsed = parse_dg13(&bytes).unwrap();
    let ids: Vec<u8> = parsed.fields.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (1..=20).collect::<Vec<u8>>());
    for (id, strings) in &dg.fields {
        assert_eq!(parsed.get(*id), Some(&strings[..]));
    }
    // Non-printable text in a PrintableString field falls back to UTF8String.
    let odd = encode_dg13(&Dg13 {
        fields: vec![(1, vec!["số 1".into()])],
    });
    assert_eq!(&odd[2..7], h("30 0B 02 01 01"));
    assert_eq!(odd[7], 0x0C);
    // Ids of 128 and above are positive DER INTEGERs.
    let big = encode_dg13(&Dg13 {
        fields: vec![(200, vec!["x".into()])],
    });
    assert_eq!(big, h("6D 09 30 07 02 02 00C8 0C 01 78"));
    assert_eq!(parse_dg13(&big).unwrap().first(200), Some("x"));
}

#[test]
fn dg13_parser_is_lenient_where_issuers_differ() {
    // Field 13 with both names directly in the field, after a version INTEGER and an OID of
    // another issuer; field 14 as a bare id (issued cards without a spouse); fields out of
    // order; an unknown SEQUENCE.
    let bytes = encode(
        0x6D,
        &[
            encode(0x02, &[1]),
            encode(0x06, &[0x2A, 0x03, 0x04]),
            encode(
                0x30,
                &[
                    encode(0x02, &[13]),
                    encode(0x0C, b"Anh"),
                    encode(0x0C, b"Chi"),
                ]
                .concat(),
            ),
            encode(0x30, &encode(0x02, &[14])),
            encode(0x30, &[encode(0x02, &[1]), encode(0x13, b"001")].concat()),
            encode(0x30, &encode(0x04, b"?")),
            encode(0x30, &[encode(0x02, &[13]), encode(0x30, &[])].concat()),
        ]
        .concat(),
    );
    let dg = parse_dg13(&bytes).unwrap();
    assert_eq!(
        dg.fields,
        vec![
            (13, vec!["Anh".to_string(), "Chi".to_string()]),
            (14, vec![]),
            (1, vec!["001".to_string()]),
            (13, vec![String::new()]),
        ]
    );
    assert_eq!(dg.get(13).unwrap(), ["Anh", "Chi"]);
    // Fields wrapped in one more SEQUENCE (with a version and an OID first) are found too.
    let wrapped = encode(
        0x6D,
        &encode(
            0x30,
            &[
                encode(0x02, &[1]),
                encode(0x06, &[0x2A, 0x03]),
                encode(0x30, &[encode(0x02, &[2]), encode(0x0C, b"Lan")].concat()),
            ]
            .concat(),
        ),
    );
    assert_eq!(
        parse_dg13(&wrapped).unwrap().fields,
        vec![(2, vec!["Lan".to_string()])]
    );
}

#[test]
fn dg13_parser_is_strict_where_it_matters() {
    let field = |parts: &[Vec<u8>]| encode(0x6D, &encode(0x30, &parts.concat()));
    // Invalid UTF-8, a PrintableString with other characters, a bad id, a non-string element.
    for bad in [
        field(&[encode(0x02, &[1]), encode(0x0C, &[0xC3])]),
        field(&[encode(0x02, &[1]), encode(0x0C, &[0xFF, 0xFE])]),
        field(&[encode(0x02, &[1]), encode(0x13, "Nữ".as_bytes())]),
        field(&[encode(0x02, &[1]), encode(0x13, b"a@b")]),
        field(&[encode(0x02, &[1]), encode(0x16, &[0x80])]),
        field(&[encode(0x02, &[0x80]), encode(0x0C, b"x")]),
        field(&[encode(0x02, &[0, 1]), encode(0x0C, b"x")]),
        field(&[encode(0x02, &[1, 0, 0]), encode(0x0C, b"x")]),
        field(&[encode(0x02, &[]), encode(0x0C, b"x")]),
        field(&[encode(0x02, &[1]), encode(0x04, b"x")]),
        field(&[encode(0x02, &[13]), encode(0x30, &encode(0x04, b"x"))]),
    ] {
        assert!(parse_dg13(&bad).is_err(), "{}", hex::encode(&bad));
    }
    assert!(matches!(
        parse_dg13(&field(&[encode(0x02, &[4]), encode(0x0C, &[0xC3])])),
        Err(LdsError::Dg13Field { id: 4, .. })
    ));
    // Truncation anywhere, trailing bytes, the wrong file.
    let good = encode_dg13(&dg13_example());
    for cut in 0..good.len() {
        assert!(parse_dg13(&good[..cut]).is_err(), "cut at {cut}");
    }
    let mut long = good.clone();
    long.push(0);
    assert!(parse_dg13(&long).is_err());
    assert!(parse_dg13(&encode_dg1(TD1_SPECIMEN).unwrap()).is_err());
}

// ---------------------------------------------------------------- DG14, DG15, EF.SOD

#[test]
fn der_wrappers() {
    let set = h("31 03 02 01 01");
    let spki = h("30 03 02 01 01");
    assert_eq!(encode_dg14(&set), h("6E 05 31 03 02 01 01"));
    assert_eq!(parse_dg14(&encode_dg14(&set)).unwrap(), set);
    assert_eq!(encode_dg15(&spki), h("6F 05 30 03 02 01 01"));
    assert_eq!(parse_dg15(&encode_dg15(&spki)).unwrap(), spki);
    assert_eq!(encode_sod(&spki), h("77 05 30 03 02 01 01"));
    assert_eq!(parse_sod(&encode_sod(&spki)).unwrap(), spki);
    let big = encode(0x30, &vec![0xAB; 1000]);
    assert_eq!(&encode_sod(&big)[..4], h("77 82 03 EC"));
    assert_eq!(parse_sod(&encode_sod(&big)).unwrap(), big);

    assert_eq!(
        parse_dg14(&encode_dg14(&spki)),
        Err(LdsError::Content {
            file: "DG14",
            expected: 0x31
        })
    );
    assert!(parse_dg15(&encode_dg15(&[spki.clone(), spki.clone()].concat())).is_err());
    assert!(parse_sod(&h("77 05 30")).is_err());
    assert!(parse_sod(&encode_dg15(&spki)).is_err());
    assert!(parse_sod(&encode(0x77, &[])).is_err());
}

// ---------------------------------------------------------------- never panic

fn mutate(mut v: Vec<u8>, pos: usize, val: u8, cut: usize) -> Vec<u8> {
    if !v.is_empty() {
        let i = pos % v.len();
        v[i] ^= val;
    }
    v.truncate(cut % (v.len() + 1));
    v
}

fn parse_all(bytes: &[u8]) {
    let _ = Com::parse(bytes);
    let _ = parse_dg1(bytes);
    let _ = parse_dg2(bytes);
    let _ = parse_dg3(bytes);
    let _ = parse_dg13(bytes);
    let _ = parse_dg14(bytes);
    let _ = parse_dg15(bytes);
    let _ = parse_sod(bytes);
    let _ = file_length_from_header(bytes);
}

fn valid_files() -> Vec<Vec<u8>> {
    vec![
        Com::new(DataGroup::ALL.to_vec()).encode().unwrap(),
        encode_dg1(TD1_SPECIMEN).unwrap(),
        encode_dg2(&[face(), face()]).unwrap(),
        encode_dg3(&[
            finger(FingerPosition::RightIndex),
            finger(FingerPosition::LeftIndex),
        ])
        .unwrap(),
        encode_dg13(&dg13_example()),
        encode_dg14(&h("31 03 02 01 01")),
        encode_dg15(&h("30 03 02 01 01")),
        encode_sod(&h("30 03 02 01 01")),
    ]
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        parse_all(&bytes);
    }

    #[test]
    fn parsers_never_panic_under_a_valid_outer_tag(
        tag in prop::sample::select(vec![0x60u8, 0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F, 0x77]),
        inner in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        parse_all(&encode(tag.into(), &inner));
    }

    #[test]
    fn mutated_files_never_panic(pos in any::<usize>(), val in 1u8.., cut in any::<usize>(), which in 0usize..8) {
        let files = valid_files();
        let m = mutate(files[which].clone(), pos, val, cut);
        parse_all(&m);
        // What still parses re-encodes to something that parses the same.
        if let Ok(dg) = parse_dg13(&m) {
            let again = parse_dg13(&encode_dg13(&dg)).unwrap();
            let mut sorted = dg.fields.clone();
            sorted.sort_by_key(|(id, _)| *id);
            prop_assert_eq!(again.fields, sorted);
        }
        if let Ok(com) = Com::parse(&m) {
            prop_assert_eq!(Com::parse(&com.encode().unwrap()).unwrap(), com);
        }
    }

    #[test]
    fn dg13_round_trips(fields in proptest::collection::vec((any::<u8>(), proptest::collection::vec(".{0,20}", 1..3)), 0..25)) {
        let mut fields = fields;
        fields.sort_by_key(|(id, _)| *id);
        let dg = Dg13 { fields };
        prop_assert_eq!(parse_dg13(&encode_dg13(&dg)).unwrap(), dg);
    }
}
