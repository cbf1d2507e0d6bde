//! Checkpoint verification time through the real pcscd + vpcd and the `vcard` virtual card
//! (issue 7 target: chip read + verification at most 100 ms): the card's QR text parsed, the
//! BAC key derived, the chip read (BAC, every data group, EF.SOD), passive authentication
//! against a trust store with the CSCA and a CRL, Active Authentication, and the QR fields
//! compared with DG13. A full card: 20 fields, DG2 portrait, DG3 two fingers. Prints its
//! figures; README quotes them.
//!
//! `bash hil/up && cargo build --release -p vcard && cargo bench -p idstation-tests --bench checkpoint`

use checkpoint::{AccessKey, CardQr, Claim};
use idstation_tests::{connect, document, record, test_pki, Slot, Vcard};
use profiles::Profile;
use std::time::{Duration, Instant};

const CARDS: usize = 5;
const READS_PER_CARD: usize = 4;

fn main() {
    let slot = Slot::take();
    let profile = Profile::load("vn-citizen-card").expect("profile");
    let doc = document(&profile);
    let qr_text = CardQr::from_record(&record()).to_text();
    let p = test_pki();
    let now = time::OffsetDateTime::now_utc();
    let mut store = pki::TrustStore::from_csca_ders(vec![p.csca_cert_der.clone()]);
    let crl = pki::sign_crl(
        &p.csca_cert_der,
        &p.csca_key_pkcs8,
        &[vec![0x01, 0x23]],
        now,
        now + time::Duration::days(7),
    )
    .expect("CRL");
    store.add_crl(&crl, "bench.crl", now).expect("CRL loads");
    let opts = chip::ReadOptions::with_trust(&store);

    let mut times: Vec<Duration> = Vec::new();
    let mut apdus = 0;
    for _ in 0..CARDS {
        let v = Vcard::start(&slot, &profile.name, None, &[]);
        let mut card = connect(slot.reader);
        chip::personalize(&mut card, &profile, &doc, &idstation_tests::trust())
            .expect("personalize");
        for _ in 0..READS_PER_CARD {
            let before = cardreader::CardTransport::traffic(&card);
            let t = Instant::now();
            let qr = CardQr::parse(&qr_text).expect("QR");
            let key = AccessKey::from_qr(&qr, &citizen::ExpiryRule::default()).expect("key");
            let result = checkpoint::verify(&mut card, &key, &Claim::Qr(qr), &opts);
            times.push(t.elapsed());
            apdus = cardreader::CardTransport::traffic(&card)
                .since(before)
                .apdus;
            assert!(
                result.verified(),
                "{:?}",
                result.alerts.iter().map(|a| a.code()).collect::<Vec<_>>()
            );
        }
        drop(card);
        v.remove();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = times.len();
    println!(
        "checkpoint verify through pcscd + vpcd + vcard, {n} reads of a full card (target: at most 100 ms)"
    );
    println!(
        "  QR parse + BAC + read + PA (CSCA + CRL) + AA + compare: median {:.1} ms  p95 {:.1}  min {:.1}  max {:.1}  ({apdus} APDUs per read)",
        ms(times[n / 2]),
        ms(times[(n * 95 / 100).min(n - 1)]),
        ms(times[0]),
        ms(times[n - 1])
    );
}
