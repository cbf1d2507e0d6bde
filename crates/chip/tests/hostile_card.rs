//! Fuzz target: a card that answers anything. Reading and personalizing must end in an
//! error or a failed check, never a panic, a hang or an unbounded allocation.

use cardreader::{CardTransport, Traffic, TransportError};
use proptest::prelude::*;

/// Answers from a script, then random status words; at most `limit` commands.
struct Hostile {
    answers: Vec<Vec<u8>>,
    sent: u64,
    extended: bool,
}

impl CardTransport for Hostile {
    fn transmit_raw(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        // Bounded: a reader that loops forever on a hostile card is a bug.
        assert!(self.sent < 10_000, "the reader does not stop");
        if self.answers.is_empty() {
            return Err(TransportError::CardRemoved);
        }
        Ok(self.answers.remove(0))
    }
    fn supports_extended(&self) -> bool {
        self.extended
    }
    fn traffic(&self) -> Traffic {
        Traffic::default()
    }
}

fn answer() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![0x90, 0x00]),
        Just(vec![0x6A, 0x82]),
        Just(vec![0x61, 0x10]),
        Just(vec![0x6C, 0x00]),
        proptest::collection::vec(any::<u8>(), 0..300),
        // Something shaped like an SM answer: DO87, DO99, DO8E and a success status.
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|mut v| {
            let mut out = vec![0x87, v.len() as u8 + 1, 0x01];
            out.append(&mut v);
            out.extend_from_slice(&[
                0x99, 0x02, 0x90, 0x00, 0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00,
            ]);
            out
        }),
    ]
}

proptest! {
    #[test]
    fn reading_a_hostile_card_never_panics(
        answers in proptest::collection::vec(answer(), 0..40),
        extended in any::<bool>(),
    ) {
        let mut card = Hostile { answers, sent: 0, extended };
        let opts = chip::ReadOptions::new(vec![]);
        let _ = chip::read_card(&mut card, "L898902C<369080619406236", &opts);
    }
}

/// A chip that does BAC and secure messaging correctly but holds garbage files: every parser
/// behind the secure channel (EF.COM, DG1, DG2, DG13, DG14, DG15, EF.SOD) gets hostile bytes,
/// and a card with any of its files replaced never verifies.
mod behind_secure_messaging {
    use super::*;
    use chip::Verdict;
    use std::sync::OnceLock;
    use vchip::{Faults, InProcessCard, VirtualChip};

    /// A written card (as bytes), its MRZ information and the CSCA that signed it.
    fn written() -> &'static (Vec<u8>, String, Vec<u8>) {
        static W: OnceLock<(Vec<u8>, String, Vec<u8>)> = OnceLock::new();
        W.get_or_init(|| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/");
            let read = |n: &str| std::fs::read(format!("{dir}{n}")).unwrap();
            let record =
                citizen::CitizenRecord::from_json(&String::from_utf8(read("record.json")).unwrap())
                    .unwrap();
            let p = pki::generate_test_pki("VN", "t", time::OffsetDateTime::now_utc()).unwrap();
            let signer = pki::DocumentSigner::from_pkcs8(&p.ds_key_pkcs8, &p.ds_cert_der).unwrap();
            let profile = profiles::Profile::load("vn-citizen-card").unwrap();
            let bio = chip::Biometrics {
                portrait_jpeg: read("portrait.jpg"),
                face_image_type: iso19794::FaceImageType::FullFrontal,
                eyes: None,
                fingers: vec![],
            };
            let doc = chip::build(
                &record,
                &bio,
                &profile,
                &signer,
                time::OffsetDateTime::now_utc(),
            )
            .unwrap();
            let mut card = InProcessCard::new(VirtualChip::blank(profile.clone()), Faults::none());
            let opts = chip::ReadOptions::new(vec![p.csca_cert_der.clone()]);
            chip::personalize(&mut card, &profile, &doc, &opts).unwrap();
            (
                card.into_chip().to_bytes(),
                doc.bac.mrz_information().unwrap(),
                p.csca_cert_der.clone(),
            )
        })
    }

    fn file_contents() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            // A plausible header with a random or lying length and random content.
            (
                prop::sample::select(vec![0x60u8, 0x61, 0x75, 0x63, 0x6D, 0x6F, 0x77]),
                any::<u16>(),
                proptest::collection::vec(any::<u8>(), 0..200)
            )
                .prop_map(|(tag, len, body)| {
                    let mut v = vec![tag, 0x82, (len >> 8) as u8, len as u8];
                    v.extend(body);
                    v
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn garbage_files_give_failed_checks_not_panics(
            files in proptest::collection::vec(
                // The files this card has (it carries no DG3): EF.COM, DG1, DG2, DG13, DG14,
                // DG15, EF.SOD.
                (prop::sample::select(vec![0x011Eu16, 0x0101, 0x0102, 0x010D, 0x010E, 0x010F, 0x011D]), file_contents()),
                1..4),
        ) {
            let (bytes, info, csca) = written();
            let mut chip = VirtualChip::from_bytes(bytes).unwrap();
            for (fid, content) in files {
                chip.set_file(fid, content);
            }
            let mut card = InProcessCard::new(chip, Faults::none());
            // With the right CSCA a card can verify: garbage files must not.
            let opts = chip::ReadOptions::new(vec![csca.clone()]);
            if let Ok(r) = chip::read_card(&mut card, info, &opts) {
                prop_assert_ne!(r.verdict(), Verdict::Verified);
            }
        }
    }
}
