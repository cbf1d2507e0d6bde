//! Benchmark of the chip path through the real pcscd + vpcd and the `vcard` virtual card
//! (issue 2 target: personalize + read-back verification of a full card at most 150 ms, APDU
//! count within 5% of the minimum for the profile's data size limits), and the in-process
//! chip emulator for comparison. Prints its figures; README quotes them.
//!
//! `bash hil/up && cargo build --workspace --bins --release && cargo bench -p idstation-tests --bench chip`

use cardreader::{CardTransport, Traffic};
use chip::{Document, Verdict};
use idstation_tests::{connect, document, trust, Slot, Vcard};
use profiles::Profile;
use std::time::{Duration, Instant};
use vchip::{Faults, InProcessCard, VirtualChip};

const RUNS: usize = 10;

struct Figures {
    times: Vec<Duration>,
    traffic: Traffic,
}

impl Figures {
    fn line(&self, what: &str, minimum: u64) {
        let mut t = self.times.clone();
        t.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let over = 100.0 * (self.traffic.apdus as f64 - minimum as f64) / minimum as f64;
        println!(
            "  {what:34} median {:7.1} ms  min {:7.1}  max {:7.1}  | {:4} APDUs (minimum {minimum}, {over:+.1}%), {:6} B sent, {:6} B received",
            ms(t[t.len() / 2]),
            ms(t[0]),
            ms(t[t.len() - 1]),
            self.traffic.apdus,
            self.traffic.bytes_sent,
            self.traffic.bytes_received
        );
    }
}

/// The fewest commands a profile allows for this document: writing (SELECT AID, per file
/// CREATE + SELECT + one UPDATE BINARY per full command, BAC seed, AA key, lock) and reading
/// (SELECT AID, GET CHALLENGE, EXTERNAL AUTHENTICATE, per file SELECT + one READ BINARY per
/// full protected answer, INTERNAL AUTHENTICATE).
fn minimum(profile: &Profile, doc: &Document) -> (u64, u64) {
    let chunk = profile.write_chunk();
    let per_file = if profile.personalization.create_file.is_some() {
        2
    } else {
        1
    };
    let write = 1
        + doc
            .files
            .iter()
            .map(|f| per_file + f.bytes.len().div_ceil(chunk))
            .sum::<usize>()
        + 2
        + usize::from(doc.aa_key.is_some());
    let answer = if profile.apdu.extended_length {
        profile.apdu.max_response_data
    } else {
        256
    };
    let plain = icao9303::sm::max_plain_response(answer);
    let read = 3
        + doc
            .files
            .iter()
            .map(|f| 1 + f.bytes.len().div_ceil(plain))
            .sum::<usize>()
        + usize::from(doc.aa_key.is_some());
    (write as u64, read as u64)
}

fn bench_pcscd(slot: &Slot, profile: &Profile, doc: &Document) -> (Figures, Figures) {
    let mut perso = Figures {
        times: vec![],
        traffic: Traffic::default(),
    };
    let mut read = Figures {
        times: vec![],
        traffic: Traffic::default(),
    };
    let info = doc.bac.mrz_information().expect("MRZ");
    for _ in 0..RUNS {
        let v = Vcard::start(slot, &profile.name, None, &[]);
        let mut card = connect(slot.reader);
        let before = card.traffic();
        let t = Instant::now();
        let report = chip::personalize(&mut card, profile, doc, &trust()).expect("personalize");
        perso.times.push(t.elapsed());
        perso.traffic = card.traffic().since(before);
        assert_eq!(report.reading.verdict(), Verdict::Verified);
        for _ in 0..2 {
            let before = card.traffic();
            let t = Instant::now();
            let r = chip::read_card(&mut card, &info, &trust()).expect("read");
            read.times.push(t.elapsed());
            read.traffic = card.traffic().since(before);
            assert_eq!(r.verdict(), Verdict::Verified);
        }
        drop(card);
        v.remove();
    }
    (perso, read)
}

fn bench_in_process(profile: &Profile, doc: &Document) -> (Figures, Figures) {
    let mut perso = Figures {
        times: vec![],
        traffic: Traffic::default(),
    };
    let mut read = Figures {
        times: vec![],
        traffic: Traffic::default(),
    };
    let info = doc.bac.mrz_information().expect("MRZ");
    for _ in 0..RUNS {
        let mut card = InProcessCard::new(VirtualChip::blank(profile.clone()), Faults::none());
        let t = Instant::now();
        chip::personalize(&mut card, profile, doc, &trust()).expect("personalize");
        perso.times.push(t.elapsed());
        perso.traffic = card.traffic();
        let before = card.traffic();
        let t = Instant::now();
        chip::read_card(&mut card, &info, &trust()).expect("read");
        read.times.push(t.elapsed());
        read.traffic = card.traffic().since(before);
    }
    (perso, read)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing: run either way.
    let slot = Slot::take();
    println!("chip path benchmark, {RUNS} cards per profile (full card: 20 fields, DG2 portrait, DG3 two fingers)");
    for name in ["vn-citizen-card", "jmrtd-passport-applet"] {
        let profile = Profile::load(name).expect("profile");
        let doc = document(&profile);
        let sizes: Vec<String> = doc
            .files
            .iter()
            .map(|f| format!("{} {} B", f.name, f.bytes.len()))
            .collect();
        let (min_write, min_read) = minimum(&profile, &doc);
        println!("\n{name}: {}", sizes.join(", "));
        let (p, r) = bench_pcscd(&slot, &profile, &doc);
        println!(" through pcscd + vpcd + vcard:");
        p.line("personalize + read-back verify", min_write + min_read);
        r.line("read + verify", min_read);
        let (p, r) = bench_in_process(&profile, &doc);
        println!(" in process (chip emulator, no I/O):");
        p.line("personalize + read-back verify", min_write + min_read);
        r.line("read + verify", min_read);
    }
}
