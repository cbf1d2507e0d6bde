//! `idstation card`: readers, personalization, reading and verification.

use crate::keys;
use crate::record::{load_profile, load_valid};
use crate::Failure;
use cardreader::{CardTransport, PcscCard, Traffic, TransportError};
use chip::{CheckOutcome, Reading, Verdict};
use iso19794::{FingerPosition, FingerRecord};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn readers() -> Result<u8, Failure> {
    let names = cardreader::list_readers().map_err(|e| Failure::device(e.to_string()))?;
    if names.is_empty() {
        return Err(Failure::device(TransportError::NoReaders.to_string()));
    }
    for n in names {
        println!("{n}");
    }
    Ok(0)
}

/// The reader named exactly, or the only one whose name contains `wanted`.
fn resolve_reader(wanted: &str) -> Result<String, Failure> {
    let names = cardreader::list_readers().map_err(|e| Failure::device(e.to_string()))?;
    if names.iter().any(|n| n == wanted) {
        return Ok(wanted.to_string());
    }
    let matching: Vec<&String> = names.iter().filter(|n| n.contains(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Failure::device(format!(
            "không tìm thấy đầu đọc {wanted:?}; có: {names:?} / reader {wanted:?} not found; connected: {names:?}"
        ))),
        many => Err(Failure::input(format!(
            "nhiều đầu đọc khớp {wanted:?}: {many:?} / several readers match {wanted:?}: {many:?}"
        ))),
    }
}

pub(crate) fn connect(reader: &str, wait: u64) -> Result<PcscCard, Failure> {
    let name = resolve_reader(reader)?;
    cardreader::wait_for_card(&name, Duration::from_secs(wait)).map_err(|e| match e {
        TransportError::WaitTimeout => Failure::device(format!(
            "không có thẻ trong đầu đọc {name} sau {wait} giây / no card in {name} after {wait} s"
        )),
        e => Failure::device(e.to_string()),
    })?;
    PcscCard::connect(&name, cardreader::DEFAULT_COMMAND_TIMEOUT)
        .map_err(|e| Failure::device(e.to_string()))
}

pub struct PersonalizeArgs {
    pub reader: String,
    pub profile: String,
    pub record: PathBuf,
    pub portrait: PathBuf,
    /// The capture's sidecar (`portrait capture` writes FACE.json beside FACE.jpg); when
    /// `None`, the sidecar beside the portrait is used if it describes it.
    pub portrait_info: Option<PathBuf>,
    pub fingers: Option<PathBuf>,
    pub keys: PathBuf,
    pub ds_cert: Option<PathBuf>,
    pub ds_key: Option<PathBuf>,
    pub wait: u64,
    pub json: bool,
}

/// Finger images DIR/<position>.png (lossless, 500 ppi) for the positions the profile stores,
/// fitted into DG3 by [`workflow::dg3::records_for_dg3`].
fn load_fingers(dir: &Path, profile: &profiles::Profile) -> Result<Vec<FingerRecord>, Failure> {
    let mut prints = Vec::new();
    for &code in &profile.fingers_on_chip {
        let pos = FingerPosition::from_code(code)
            .ok_or_else(|| Failure::input(format!("profile finger code {code}")))?;
        let path = dir.join(format!("{}.png", pos.slug()));
        let png = std::fs::read(&path).map_err(|e| {
            Failure::input(format!(
                "thiếu ảnh {} ({}) / missing the {} image ({}): {e}",
                pos.name_vi(),
                path.display(),
                pos.name_en(),
                path.display()
            ))
        })?;
        prints.push((pos, png));
    }
    workflow::dg3::records_for_dg3(profile, &prints).map_err(|e| Failure::input(e.to_string()))
}

/// Right and left eye centres, pixels.
type EyeCentres = ((u16, u16), (u16, u16));

/// What DG2's ISO/IEC 19794-5 record says about the portrait besides its bytes.
#[derive(Debug, PartialEq)]
struct PortraitFacts {
    image_type: iso19794::FaceImageType,
    eyes: Option<EyeCentres>,
}

fn facts_from(info: &portrait::PortraitInfo) -> PortraitFacts {
    PortraitFacts {
        image_type: info.image_type.face_image_type(),
        eyes: info.eye_centres(),
    }
}

fn read_info(path: &Path, jpeg: &[u8]) -> Result<portrait::PortraitInfo, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("không đọc được {0} / cannot read {0}: {e}", path.display()))?;
    let info = portrait::PortraitInfo::parse(&text).map_err(|e| e.to_string())?;
    info.check(jpeg).map_err(|e| e.to_string())?;
    Ok(info)
}

/// The portrait's image type and eye centres: exactly as `portrait capture` recorded them
/// in its sidecar (`info`, or FACE.json beside FACE.jpg) when that describes this very JPEG;
/// otherwise found again by the ICAO checks, and then the image is called full frontal since
/// nothing says it is a token crop. A sidecar named with `--portrait-info` must fit; the one
/// found beside the portrait is skipped with a warning when it does not.
fn portrait_facts(jpeg: &[u8], path: &Path, info: Option<&Path>) -> Result<PortraitFacts, Failure> {
    if let Some(info) = info {
        return read_info(info, jpeg)
            .map(|i| facts_from(&i))
            .map_err(|e| Failure::input(format!("{}: {e}", info.display())));
    }
    let beside = portrait::PortraitInfo::path_for(path);
    if beside.is_file() {
        match read_info(&beside, jpeg) {
            Ok(i) => return Ok(facts_from(&i)),
            Err(e) => eprintln!(
                "idstation: cảnh báo: bỏ qua {0}, tìm lại mắt trên ảnh / warning: ignoring {0}, finding the eyes again: {e}",
                beside.display()
            ),
        }
    }
    Ok(PortraitFacts {
        image_type: iso19794::FaceImageType::FullFrontal,
        eyes: locate_eyes(jpeg, path)?,
    })
}

/// The eye centres in a portrait that came without its capture's sidecar, found by the
/// same ICAO checks the capture step runs. A portrait that fails them is still written (QA
/// scripts bring their own images) but the officer is told which checks failed.
fn locate_eyes(jpeg: &[u8], path: &Path) -> Result<Option<EyeCentres>, Failure> {
    let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| {
            Failure::input(format!(
                "ảnh chân dung {0} không phải JPEG đọc được / the portrait {0} is not a readable JPEG: {e}",
                path.display()
            ))
        })?
        .to_rgb8();
    let (w, h) = img.dimensions();
    let analysis = portrait::Analyzer::default().analyze(w, h, img.as_raw());
    if !analysis.passed() {
        let failed: Vec<String> = analysis.failed().iter().map(|c| format!("{c:?}")).collect();
        eprintln!(
            "idstation: cảnh báo: ảnh chân dung không đạt chuẩn ICAO ({0}) / warning: the portrait fails ICAO checks ({0})",
            failed.join(", ")
        );
    }
    let px = |v: f32| v.round().clamp(0.0, f32::from(u16::MAX)) as u16;
    Ok(analysis
        .eyes
        .map(|e| ((px(e.right.0), px(e.right.1)), (px(e.left.0), px(e.left.1)))))
}

fn traffic_json(t: Traffic) -> serde_json::Value {
    json!({"apdus": t.apdus, "bytes_sent": t.bytes_sent, "bytes_received": t.bytes_received})
}

pub fn personalize(a: PersonalizeArgs) -> Result<u8, Failure> {
    let profile = load_profile(&a.profile)?;
    let record = load_valid(&a.record, &profile)?;
    let portrait = keys::read_file(&a.portrait)?;
    let fingers = match &a.fingers {
        Some(dir) => load_fingers(dir, &profile)?,
        None => Vec::new(),
    };
    let signer = keys::load_signer(&a.keys, a.ds_cert.as_deref(), a.ds_key.as_deref())?;
    let csca = keys::station_csca(&a.keys)?;
    let now = time::OffsetDateTime::now_utc();
    let facts = portrait_facts(&portrait, &a.portrait, a.portrait_info.as_deref())?;
    let bio = chip::Biometrics {
        portrait_jpeg: portrait,
        face_image_type: facts.image_type,
        eyes: facts.eyes,
        fingers,
    };
    let doc = chip::build(&record, &bio, &profile, &signer, now)
        .map_err(|e| Failure::input(e.to_string()))?;
    let trust = chip::ReadOptions {
        now,
        ..chip::ReadOptions::new(vec![csca])
    };
    let mut card = connect(&a.reader, a.wait)?;
    let started = Instant::now();
    let result = chip::personalize(&mut card, &profile, &doc, &trust);
    let elapsed = started.elapsed();
    match result {
        Ok(report) => {
            if a.json {
                let v = json!({
                    "issued": true,
                    "already_locked": report.already_locked,
                    "reader": card.reader(),
                    "profile": profile.name,
                    "document_number": doc.bac.document_number,
                    "files": doc.files.iter().map(|f| json!({"name": f.name, "bytes": f.bytes.len()})).collect::<Vec<_>>(),
                    "write": traffic_json(report.write_traffic),
                    "verify": traffic_json(report.verify_traffic),
                    "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
                    "checks": checks_json(&report.reading),
                });
                println!("{v:#}");
            } else {
                if report.already_locked {
                    println!("Chip đã được ghi và khóa ở lần trước; đã kiểm tra lại / the chip had been written and locked by an earlier attempt; verified again");
                }
                for f in &doc.files {
                    println!("  {:7} {:6} bytes", f.name, f.bytes.len());
                }
                print_checks(&report.reading);
                let (w, v) = (report.write_traffic, report.verify_traffic);
                println!(
                    "Ghi / write: {} APDU, {} B sent, {} B received; đọc lại / read back: {} APDU, {} B sent, {} B received; {:.0} ms",
                    w.apdus, w.bytes_sent, w.bytes_received, v.apdus, v.bytes_sent, v.bytes_received,
                    elapsed.as_secs_f64() * 1000.0
                );
                println!(
                    "THẺ ĐÃ CẤP / CARD ISSUED — số thẻ / document number {}",
                    doc.bac.document_number
                );
            }
            Ok(0)
        }
        Err(e) => {
            if a.json {
                let v = json!({
                    "issued": false,
                    "step_vi": e.step.label_vi(),
                    "step_en": e.step.label_en(),
                    "error": e.error.to_string(),
                    "card_removed": e.error.card_gone(),
                });
                println!("{v:#}");
            }
            Err(Failure::device(e.to_string()))
        }
    }
}

pub struct ReadArgs {
    pub reader: String,
    pub doc_number: String,
    pub birth: String,
    pub expiry: String,
    pub csca: Vec<PathBuf>,
    pub json: bool,
    pub out: Option<PathBuf>,
    pub wait: u64,
}

fn outcome_text(o: &CheckOutcome) -> (&'static str, String) {
    match o {
        CheckOutcome::Passed => ("passed", String::new()),
        CheckOutcome::Failed(why) => ("failed", why.clone()),
        CheckOutcome::NotRun(why) => ("not run", why.clone()),
    }
}

fn checks_json(r: &Reading) -> serde_json::Value {
    r.checks
        .iter()
        .map(|c| {
            let (o, why) = outcome_text(&c.outcome);
            json!({"check_vi": c.name_vi, "check_en": c.name_en, "outcome": o, "detail": why})
        })
        .collect()
}

fn print_checks(r: &Reading) {
    for c in &r.checks {
        let mark = match c.outcome {
            CheckOutcome::Passed => "ĐẠT / PASS",
            CheckOutcome::Failed(_) => "LỖI / FAIL",
            CheckOutcome::NotRun(_) => "CHƯA KIỂM / NOT RUN",
        };
        let (_, why) = outcome_text(&c.outcome);
        if why.is_empty() {
            println!("  [{mark}] {} / {}", c.name_vi, c.name_en);
        } else {
            println!("  [{mark}] {} / {}: {why}", c.name_vi, c.name_en);
        }
    }
    for n in &r.notes {
        println!("  [--] {n}");
    }
}

fn image_ext(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, ..] => "jpg",
        [0x89, b'P', b'N', b'G', ..] => "png",
        [0x00, 0x00, 0x00, 0x0C, b'j', b'P', ..] | [0xFF, 0x4F, 0xFF, 0x51, ..] => "jp2",
        _ => "bin",
    }
}

fn save(dir: &Path, r: &Reading) -> Result<Vec<PathBuf>, Failure> {
    let err = |p: &Path, e: std::io::Error| {
        Failure::device(format!(
            "không ghi được {0} / cannot write {0}: {e}",
            p.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let mut saved = Vec::new();
    let mut put = |name: String, bytes: &[u8]| -> Result<(), Failure> {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| err(&p, e))?;
        saved.push(p);
        Ok(())
    };
    if let Some(p) = &r.portrait {
        put(format!("portrait.{}", image_ext(p)), p)?;
    }
    for (pos, _, img) in &r.fingers {
        put(format!("{}.{}", pos.slug(), image_ext(img)), img)?;
    }
    for f in &r.files {
        put(format!("{}.bin", f.name), &f.bytes)?;
    }
    Ok(saved)
}

pub fn read(a: ReadArgs) -> Result<u8, Failure> {
    let info = icao9303::mrz::bac_mrz_information(&a.doc_number, &a.birth, &a.expiry)
        .map_err(|e| {
            Failure::input(format!(
                "số thẻ/ngày sinh/ngày hết hạn không hợp lệ / bad document number, birth or expiry: {e}"
            ))
        })?;
    let mut csca = Vec::new();
    for p in &a.csca {
        csca.push(keys::certificate(p)?);
    }
    let opts = chip::ReadOptions::new(csca);
    let mut card = connect(&a.reader, a.wait)?;
    let started = Instant::now();
    let reading =
        chip::read_card(&mut card, &info, &opts).map_err(|e| Failure::device(e.to_string()))?;
    let elapsed = started.elapsed();
    let traffic = card.traffic();
    let saved = match &a.out {
        Some(dir) => save(dir, &reading)?,
        None => Vec::new(),
    };
    let verdict = reading.verdict();
    if a.json {
        let fields: serde_json::Map<String, serde_json::Value> = reading
            .fields
            .iter()
            .map(|(f, v)| (f.json_key().to_string(), json!(v)))
            .collect();
        let v = json!({
            "verdict": match verdict { Verdict::Verified => "verified", Verdict::Unverified => "unverified", Verdict::Failed => "failed" },
            "mrz": reading.mrz,
            "fields": fields,
            "files": reading.files.iter().map(|f| json!({"name": f.name, "bytes": f.bytes.len()})).collect::<Vec<_>>(),
            "fingers": reading.fingers.iter().map(|(p, q, img)| json!({"position": p.slug(), "quality": q, "bytes": img.len()})).collect::<Vec<_>>(),
            "portrait_bytes": reading.portrait.as_ref().map(Vec::len),
            "checks": checks_json(&reading),
            "notes": reading.notes,
            "saved": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "traffic": traffic_json(traffic),
            "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
        });
        println!("{v:#}");
    } else {
        if let Some(mrz) = &reading.mrz {
            println!("MRZ:");
            for line in mrz.as_bytes().chunks(30) {
                println!("  {}", String::from_utf8_lossy(line));
            }
        }
        for (f, v) in &reading.fields {
            println!(
                "{:2}. {} / {}: {}",
                f.number(),
                f.label_vi(),
                f.label_en(),
                v
            );
        }
        if let Some(p) = &reading.portrait {
            println!("Ảnh chân dung / portrait: {} bytes", p.len());
        }
        for (p, _, img) in &reading.fingers {
            println!(
                "Vân tay / finger: {} / {} ({} bytes)",
                p.name_vi(),
                p.name_en(),
                img.len()
            );
        }
        print_checks(&reading);
        for p in &saved {
            println!("Đã lưu / saved {}", p.display());
        }
        println!(
            "{} APDU, {} B sent, {} B received, {:.0} ms",
            traffic.apdus,
            traffic.bytes_sent,
            traffic.bytes_received,
            elapsed.as_secs_f64() * 1000.0
        );
        println!(
            "{}",
            match verdict {
                Verdict::Verified => "THẺ HỢP LỆ / CARD VERIFIED",
                Verdict::Unverified =>
                    "CHƯA XÁC THỰC ĐƯỢC THẺ / CARD NOT VERIFIED (no EF.SOD or no CSCA)",
                Verdict::Failed => "CẢNH BÁO: THẺ KHÔNG HỢP LỆ / ALERT: CARD FAILED VERIFICATION",
            }
        );
    }
    Ok(match verdict {
        Verdict::Verified => 0,
        Verdict::Failed => 1,
        Verdict::Unverified => 3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use iso19794::FaceImageType;

    fn ok<T>(r: Result<T, Failure>) -> T {
        r.unwrap_or_else(|f| panic!("{}", f.message))
    }

    fn err<T>(r: Result<T, Failure>) -> Failure {
        match r {
            Ok(_) => panic!("expected a failure"),
            Err(f) => f,
        }
    }

    /// A token portrait captured from the clean test frame, written as FACE.jpg with its
    /// sidecar FACE.json, as `portrait capture` leaves them.
    fn captured(dir: &Path) -> (PathBuf, portrait::Portrait) {
        let frame = portrait::read_image(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../portrait/testdata/clean.jpg"
        )))
        .unwrap();
        let a =
            portrait::Analyzer::default().analyze(frame.width(), frame.height(), frame.as_raw());
        let p = portrait::make_portrait(
            &frame,
            &a,
            &portrait::OutputSpec::default(),
            portrait::CaptureKind::Auto { frames: 3 },
        )
        .unwrap();
        let jpg = dir.join("face.jpg");
        std::fs::write(&jpg, &p.jpeg).unwrap();
        std::fs::write(
            portrait::PortraitInfo::path_for(&jpg),
            portrait::PortraitInfo::of(&p).to_json(),
        )
        .unwrap();
        (jpg, p)
    }

    #[test]
    fn the_sidecar_beside_the_portrait_gives_the_exact_eyes_and_type() {
        let dir = tempfile::tempdir().unwrap();
        let (jpg, p) = captured(dir.path());
        let facts = ok(portrait_facts(&p.jpeg, &jpg, None));
        assert_eq!(
            facts,
            PortraitFacts {
                image_type: FaceImageType::TokenFrontal,
                eyes: Some(portrait::token_eyes(360)),
            }
        );
        // Named explicitly from elsewhere, the same.
        let elsewhere = dir.path().join("info-copy.json");
        std::fs::copy(dir.path().join("face.json"), &elsewhere).unwrap();
        std::fs::remove_file(dir.path().join("face.json")).unwrap();
        assert_eq!(ok(portrait_facts(&p.jpeg, &jpg, Some(&elsewhere))), facts);
    }

    #[test]
    fn a_sidecar_of_another_jpeg_is_skipped_beside_and_refused_when_named() {
        let dir = tempfile::tempdir().unwrap();
        let (jpg, p) = captured(dir.path());
        // The portrait was re-encoded after the capture: its sidecar no longer describes it.
        let img = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
        let mut other = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut other, 50)
            .encode_image(&img)
            .unwrap();
        assert_ne!(other, p.jpeg);
        std::fs::write(&jpg, &other).unwrap();
        // Beside the portrait: ignored (with a warning), the eyes found again, and the image
        // not claimed to be a token crop.
        let facts = ok(portrait_facts(&other, &jpg, None));
        assert_eq!(facts.image_type, FaceImageType::FullFrontal);
        // Named with --portrait-info: an input error, in both languages.
        let named = dir.path().join("face.json");
        let e = err(portrait_facts(&other, &jpg, Some(&named)));
        assert_eq!(e.code, 2);
        assert!(e.message.contains("SHA-256"), "{}", e.message);
        assert!(e.message.contains("mã SHA-256 không khớp"), "{}", e.message);
        // A named sidecar that is not there is an input error too.
        let e = err(portrait_facts(
            &other,
            &jpg,
            Some(&dir.path().join("none.json")),
        ));
        assert_eq!(e.code, 2);
        assert!(e.message.contains("cannot read"), "{}", e.message);
    }

    #[test]
    fn without_a_sidecar_the_eyes_are_found_by_the_checks() {
        let dir = tempfile::tempdir().unwrap();
        let (jpg, p) = captured(dir.path());
        std::fs::remove_file(dir.path().join("face.json")).unwrap();
        let facts = ok(portrait_facts(&p.jpeg, &jpg, None));
        assert_eq!(facts.image_type, FaceImageType::FullFrontal);
        let ((rx, ry), (lx, ly)) = facts.eyes.expect("eyes found on the token image");
        let ((wrx, wry), (wlx, wly)) = portrait::token_eyes(360);
        for (got, want) in [(rx, wrx), (ry, wry), (lx, wlx), (ly, wly)] {
            assert!(got.abs_diff(want) <= 12, "{:?}", facts.eyes);
        }
    }
}
