//! One enrollment as the vault keeps it, and the rules for moving between its steps.
//!
//! Pure: no I/O, no clock. The engine feeds it times and device results; the state machine
//! decides what the officer may do next. Everything here is serialized into the record's
//! encrypted payload, so an interrupted enrollment resumes exactly where it stood.

use citizen::CitizenRecord;
use serde::{Deserialize, Serialize};

/// The steps, in the order an officer walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    CheckIn,
    Data,
    Portrait,
    Fingerprints,
    Review,
    PrintSign,
    WriteCard,
    Done,
    Aborted,
}

impl Step {
    /// The steps that take work, in order (Done and Aborted are ends).
    pub const WORK: [Step; 7] = [
        Step::CheckIn,
        Step::Data,
        Step::Portrait,
        Step::Fingerprints,
        Step::Review,
        Step::PrintSign,
        Step::WriteCard,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            Step::CheckIn => "Tiếp nhận",
            Step::Data => "Thông tin",
            Step::Portrait => "Ảnh chân dung",
            Step::Fingerprints => "Vân tay",
            Step::Review => "Kiểm tra lại",
            Step::PrintSign => "In và ký",
            Step::WriteCard => "Ghi thẻ",
            Step::Done => "Hoàn tất",
            Step::Aborted => "Đã hủy",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Step::CheckIn => "Check-in",
            Step::Data => "Data",
            Step::Portrait => "Portrait",
            Step::Fingerprints => "Fingerprints",
            Step::Review => "Review",
            Step::PrintSign => "Print and sign",
            Step::WriteCard => "Write card",
            Step::Done => "Done",
            Step::Aborted => "Aborted",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Step::CheckIn => "check_in",
            Step::Data => "data",
            Step::Portrait => "portrait",
            Step::Fingerprints => "fingerprints",
            Step::Review => "review",
            Step::PrintSign => "print_sign",
            Step::WriteCard => "write_card",
            Step::Done => "done",
            Step::Aborted => "aborted",
        }
    }

    fn next(self) -> Option<Step> {
        let i = Step::WORK.iter().position(|s| *s == self)?;
        Some(Step::WORK.get(i + 1).copied().unwrap_or(Step::Done))
    }

    fn previous(self) -> Option<Step> {
        let i = Step::WORK.iter().position(|s| *s == self)?;
        i.checked_sub(1).map(|j| Step::WORK[j])
    }
}

/// Bytes in JSON as base64, so a payload with a portrait stays compact.
pub(crate) mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }
}

/// How the applicant checked in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckIn {
    /// The health-declaration QR code, as decoded, and when.
    Qr { code: String, at: i64 },
    /// No smartphone: the officer recorded the paper declaration and photographed it.
    Paper {
        note: String,
        #[serde(with = "b64")]
        photo_jpeg: Vec<u8>,
        at: i64,
    },
}

/// The portrait as taken.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortraitTaken {
    /// ICAO token crop for DG2.
    #[serde(with = "b64")]
    pub token_jpeg: Vec<u8>,
    /// The whole frame, for the local record.
    #[serde(with = "b64")]
    pub full_jpeg: Vec<u8>,
    /// Eye centres (right, left) in the token image; `None` for a manual capture's full
    /// frontal crop of a frame without a face found (older records always have them).
    pub eyes: Option<((u16, u16), (u16, u16))>,
    /// Set when the officer took it manually, with the reason.
    pub manual_reason: Option<String>,
    /// Checks that failed on the frame it was taken from (empty for an auto-capture).
    pub failed_checks: Vec<String>,
}

impl std::fmt::Debug for PortraitTaken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortraitTaken")
            .field("token_jpeg_len", &self.token_jpeg.len())
            .field("manual_reason", &self.manual_reason)
            .finish_non_exhaustive()
    }
}

/// What happened to one finger.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FingerTaken {
    Captured {
        quality: u8,
        attempts: u32,
        #[serde(with = "b64")]
        png: Vec<u8>,
    },
    /// Below the threshold after the retries; the officer accepted the best.
    AcceptedLowQuality {
        quality: u8,
        attempts: u32,
        #[serde(with = "b64")]
        png: Vec<u8>,
    },
    /// Not capturable (amputated, bandaged, …), with the officer's reason.
    Exception { kind: String, reason: String },
}

impl std::fmt::Debug for FingerTaken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FingerTaken::Captured { quality, .. } => write!(f, "Captured(q={quality})"),
            FingerTaken::AcceptedLowQuality { quality, .. } => {
                write!(f, "AcceptedLowQuality(q={quality})")
            }
            FingerTaken::Exception { kind, .. } => write!(f, "Exception({kind})"),
        }
    }
}

impl FingerTaken {
    pub fn png(&self) -> Option<&[u8]> {
        match self {
            FingerTaken::Captured { png, .. } | FingerTaken::AcceptedLowQuality { png, .. } => {
                Some(png)
            }
            FingerTaken::Exception { .. } => None,
        }
    }
    pub fn quality(&self) -> Option<u8> {
        match self {
            FingerTaken::Captured { quality, .. }
            | FingerTaken::AcceptedLowQuality { quality, .. } => Some(*quality),
            FingerTaken::Exception { .. } => None,
        }
    }
}

/// The sheet as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedSheet {
    pub printer: String,
    pub job_id: i32,
    pub at: i64,
}

/// The card as written and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardWritten {
    pub reader: String,
    pub document_number: String,
    pub apdus: u64,
    pub millis: u64,
    pub at: i64,
}

/// Time spent in one step (milliseconds, summed over visits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTime {
    pub step: Step,
    pub millis: u64,
}

/// One enrollment: what the vault stores, encrypted, under the application number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// Application number: `<station>-<yyyymmdd>-<queue>`.
    pub id: String,
    pub queue_number: u32,
    pub station: String,
    /// The officer who started it and the one who last acted.
    pub officer: String,
    pub last_officer: String,
    pub created_at: i64,
    pub step: Step,
    pub checkin: Option<CheckIn>,
    /// What was typed into the data form and not yet validated (field JSON key → text).
    #[serde(default)]
    pub draft: Option<std::collections::BTreeMap<String, String>>,
    pub record: Option<CitizenRecord>,
    pub portrait: Option<PortraitTaken>,
    /// ISO/IEC 19794-4 position code → what was taken.
    pub fingers: Vec<(u8, FingerTaken)>,
    pub printed: Option<PrintedSheet>,
    pub signed: bool,
    pub card: Option<CardWritten>,
    /// The receipt slip, printed when the card is done.
    #[serde(default)]
    pub receipt: Option<PrintedSheet>,
    pub abort_reason: Option<String>,
    pub step_times: Vec<StepTime>,
    /// When the current step was entered (ms since the Unix epoch).
    pub step_entered_ms: i64,
    pub finished_at: Option<i64>,
}

/// Why a move is not allowed now, for the officer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{vi} / {en}")]
pub struct NotReady {
    pub vi: String,
    pub en: String,
}

fn not_ready(vi: impl Into<String>, en: impl Into<String>) -> NotReady {
    NotReady {
        vi: vi.into(),
        en: en.into(),
    }
}

impl Enrollment {
    pub fn new(id: String, queue_number: u32, station: &str, officer: &str, now_ms: i64) -> Self {
        Enrollment {
            id,
            queue_number,
            station: station.to_string(),
            officer: officer.to_string(),
            last_officer: officer.to_string(),
            created_at: now_ms / 1000,
            step: Step::CheckIn,
            checkin: None,
            draft: None,
            record: None,
            portrait: None,
            fingers: Vec::new(),
            printed: None,
            signed: false,
            card: None,
            receipt: None,
            abort_reason: None,
            step_times: Vec::new(),
            step_entered_ms: now_ms,
            finished_at: None,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.step, Step::Done | Step::Aborted)
    }

    /// Not finished, or done with its card but not yet its receipt slip (the station was
    /// stopped in between): the officer can take it up again.
    pub fn is_resumable(&self) -> bool {
        !self.is_finished() || (self.step == Step::Done && self.receipt.is_none())
    }

    pub fn finger(&self, code: u8) -> Option<&FingerTaken> {
        self.fingers
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, f)| f)
    }

    /// Records a finger. A sheet printed before no longer shows what the card will hold.
    pub fn set_finger(&mut self, code: u8, taken: FingerTaken) {
        self.fingers.retain(|(c, _)| *c != code);
        self.fingers.push((code, taken));
        self.fingers.sort_by_key(|(c, _)| *c);
        self.sheet_outdated();
    }

    /// Records the portrait (a new one replaces the old). A sheet printed before no longer
    /// shows what the card will hold.
    pub fn set_portrait(&mut self, portrait: PortraitTaken) {
        self.portrait = Some(portrait);
        self.sheet_outdated();
    }

    /// The officer takes a finger again: its capture or exception is cleared (the finger is
    /// then asked for like one never taken), and the sheet must be printed and signed again.
    pub fn retake_finger(&mut self, code: u8) -> Result<FingerTaken, NotReady> {
        if self.step != Step::Fingerprints {
            return Err(not_ready(
                "Chỉ lấy lại vân tay ở bước vân tay",
                "Fingers are retaken at the fingerprint step",
            ));
        }
        let i = self
            .fingers
            .iter()
            .position(|(c, _)| *c == code)
            .ok_or_else(|| not_ready("Ngón này chưa được lấy", "This finger is not taken yet"))?;
        let (_, old) = self.fingers.remove(i);
        self.sheet_outdated();
        Ok(old)
    }

    /// What the current step still lacks before the officer may go on.
    pub fn ready_to_advance(&self, fingers_required: &[u8]) -> Result<(), NotReady> {
        match self.step {
            Step::CheckIn if self.checkin.is_none() => Err(not_ready(
                "Chưa quét mã QR khai báo y tế hoặc ghi nhận tờ khai giấy",
                "Scan the health-declaration QR code or record the paper form first",
            )),
            Step::Data if self.record.is_none() => Err(not_ready(
                "Chưa nhập đủ và đúng thông tin",
                "Enter and validate the personal data first",
            )),
            Step::Portrait if self.portrait.is_none() => Err(not_ready(
                "Chưa chụp ảnh chân dung",
                "Take the portrait first",
            )),
            Step::Fingerprints => {
                let missing: Vec<u8> = fingers_required
                    .iter()
                    .copied()
                    .filter(|c| self.finger(*c).is_none())
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    let names = |vi: bool| {
                        missing
                            .iter()
                            .filter_map(|c| iso19794::FingerPosition::from_code(*c))
                            .map(|p| if vi { p.name_vi() } else { p.name_en() })
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    Err(not_ready(
                        format!("Còn thiếu vân tay: {}", names(true)),
                        format!("Fingers still to take: {}", names(false)),
                    ))
                }
            }
            Step::PrintSign if self.printed.is_none() => Err(not_ready(
                "Chưa in phiếu thu nhận thông tin",
                "Print the information sheet first",
            )),
            Step::PrintSign if !self.signed => Err(not_ready(
                "Công dân chưa ký phiếu",
                "The applicant has not signed the sheet yet",
            )),
            Step::WriteCard if self.card.is_none() => Err(not_ready(
                "Thẻ chưa được ghi và kiểm tra",
                "The card is not written and verified yet",
            )),
            Step::Done | Step::Aborted => Err(not_ready(
                "Hồ sơ đã kết thúc",
                "This enrollment is finished",
            )),
            _ => Ok(()),
        }
    }

    fn enter(&mut self, step: Step, now_ms: i64) {
        let spent = u64::try_from(now_ms.saturating_sub(self.step_entered_ms)).unwrap_or(0);
        match self.step_times.iter_mut().find(|t| t.step == self.step) {
            Some(t) => t.millis = t.millis.saturating_add(spent),
            None => self.step_times.push(StepTime {
                step: self.step,
                millis: spent,
            }),
        }
        self.step = step;
        self.step_entered_ms = now_ms;
        if self.is_finished() {
            self.finished_at = Some(now_ms / 1000);
        }
    }

    /// Goes on to the next step when the current one is complete.
    pub fn advance(&mut self, fingers_required: &[u8], now_ms: i64) -> Result<Step, NotReady> {
        self.ready_to_advance(fingers_required)?;
        let next = self
            .step
            .next()
            .ok_or_else(|| not_ready("Hồ sơ đã kết thúc", "This enrollment is finished"))?;
        self.enter(next, now_ms);
        Ok(next)
    }

    /// Goes back one step. Not from a finished enrollment, and not back past a card that is
    /// already written (the chip is locked; what it holds can no longer change).
    pub fn back(&mut self, now_ms: i64) -> Result<Step, NotReady> {
        if self.card.is_some() {
            return Err(not_ready(
                "Thẻ đã ghi và khóa; không quay lại được",
                "The card is written and locked; there is no going back",
            ));
        }
        let prev = self
            .step
            .previous()
            .ok_or_else(|| not_ready("Không có bước trước", "There is no step before this one"))?;
        self.enter(prev, now_ms);
        Ok(prev)
    }

    /// A correction found on the printed sheet: back to the data, and the sheet must be
    /// printed and signed again.
    pub fn correction(&mut self, now_ms: i64) -> Result<(), NotReady> {
        if self.step != Step::PrintSign {
            return Err(not_ready(
                "Chỉ sửa thông tin ở bước in và ký",
                "Corrections are made from the print-and-sign step",
            ));
        }
        self.printed = None;
        self.signed = false;
        self.enter(Step::Data, now_ms);
        Ok(())
    }

    /// Data changed: what was printed no longer matches.
    pub fn data_changed(&mut self) {
        self.sheet_outdated();
    }

    /// The printed sheet (and the signature on it) no longer matches what the card will
    /// hold: the data, the portrait or a finger changed. It must be printed and signed again.
    fn sheet_outdated(&mut self) {
        self.printed = None;
        self.signed = false;
    }

    pub fn abort(&mut self, reason: &str, now_ms: i64) -> Result<(), NotReady> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(not_ready(
                "Hãy ghi lý do hủy hồ sơ",
                "Give the reason for aborting",
            ));
        }
        if self.is_finished() {
            return Err(not_ready(
                "Hồ sơ đã kết thúc",
                "This enrollment is finished",
            ));
        }
        self.abort_reason = Some(reason.chars().take(500).collect());
        self.enter(Step::Aborted, now_ms);
        Ok(())
    }

    /// Milliseconds spent in `step` so far.
    pub fn time_in(&self, step: Step) -> u64 {
        self.step_times
            .iter()
            .find(|t| t.step == step)
            .map_or(0, |t| t.millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e() -> Enrollment {
        Enrollment::new("HN01-20261123-0001".into(), 1, "HN01", "an", 1_000)
    }

    #[test]
    fn a_card_without_its_receipt_can_be_taken_up_again() {
        let mut e = e();
        assert!(e.is_resumable());
        e.step = Step::Done;
        assert!(e.is_finished() && e.is_resumable());
        e.receipt = Some(PrintedSheet {
            printer: "p".into(),
            job_id: 1,
            at: 2,
        });
        assert!(!e.is_resumable());
        e.step = Step::Aborted;
        e.receipt = None;
        assert!(!e.is_resumable());
    }

    #[test]
    fn each_step_needs_its_work_before_the_next() {
        let mut e = e();
        let err = e.advance(&[2, 7], 2_000).unwrap_err();
        assert!(err.en.contains("QR"), "{err}");
        e.checkin = Some(CheckIn::Qr {
            code: "x".into(),
            at: 1,
        });
        assert_eq!(e.advance(&[2, 7], 3_000), Ok(Step::Data));
        assert!(e.advance(&[2, 7], 3_000).is_err());
        e.record = Some(
            CitizenRecord::from_json(include_str!("../../citizen/testdata/sample.json")).unwrap(),
        );
        assert_eq!(e.advance(&[2, 7], 4_000), Ok(Step::Portrait));
        e.portrait = Some(PortraitTaken {
            token_jpeg: vec![1],
            full_jpeg: vec![2],
            eyes: Some(((1, 1), (2, 2))),
            manual_reason: None,
            failed_checks: vec![],
        });
        e.advance(&[2, 7], 5_000).unwrap();
        e.set_finger(
            2,
            FingerTaken::Captured {
                quality: 80,
                attempts: 1,
                png: vec![],
            },
        );
        let err = e.advance(&[2, 7], 6_000).unwrap_err();
        assert!(err.en.contains("left index"), "{err}");
        e.set_finger(
            7,
            FingerTaken::Exception {
                kind: "amputated".into(),
                reason: "r".into(),
            },
        );
        assert_eq!(e.advance(&[2, 7], 7_000), Ok(Step::Review));
        assert_eq!(e.advance(&[2, 7], 8_000), Ok(Step::PrintSign));
        e.printed = Some(PrintedSheet {
            printer: "p".into(),
            job_id: 1,
            at: 8,
        });
        assert!(e.advance(&[2, 7], 9_000).unwrap_err().en.contains("signed"));
        e.signed = true;
        assert_eq!(e.advance(&[2, 7], 9_000), Ok(Step::WriteCard));
        assert_eq!(e.time_in(Step::Fingerprints), 2_000);
        assert_eq!(e.time_in(Step::PrintSign), 1_000);
    }

    #[test]
    fn a_correction_goes_back_to_data_and_needs_a_reprint() {
        let mut e = e();
        e.step = Step::PrintSign;
        e.printed = Some(PrintedSheet {
            printer: "p".into(),
            job_id: 1,
            at: 8,
        });
        e.signed = true;
        e.correction(2_000).unwrap();
        assert_eq!(e.step, Step::Data);
        assert!(e.printed.is_none() && !e.signed);
    }

    #[test]
    fn no_going_back_past_a_written_card_and_abort_needs_a_reason() {
        let mut e = e();
        e.step = Step::WriteCard;
        e.card = Some(CardWritten {
            reader: "r".into(),
            document_number: "d".into(),
            apdus: 1,
            millis: 1,
            at: 1,
        });
        assert!(e.back(2_000).is_err());
        assert!(e.abort("  ", 2_000).is_err());
        e.abort("applicant left", 2_000).unwrap();
        assert_eq!(e.step, Step::Aborted);
        assert!(e.abort("again", 3_000).is_err());
        assert_eq!(e.finished_at, Some(2));
    }

    fn printed_and_signed(e: &mut Enrollment) {
        e.printed = Some(PrintedSheet {
            printer: "p".into(),
            job_id: 1,
            at: 8,
        });
        e.signed = true;
    }

    #[test]
    fn a_biometric_change_after_printing_needs_a_new_sheet_and_signature() {
        let mut e = e();
        e.step = Step::Fingerprints;
        e.set_finger(
            2,
            FingerTaken::Exception {
                kind: "bandaged".into(),
                reason: "r".into(),
            },
        );
        printed_and_signed(&mut e);
        e.set_portrait(PortraitTaken {
            token_jpeg: vec![1],
            full_jpeg: vec![2],
            eyes: Some(((1, 1), (2, 2))),
            manual_reason: None,
            failed_checks: vec![],
        });
        assert!(e.printed.is_none() && !e.signed, "a new portrait");
        printed_and_signed(&mut e);
        e.set_finger(
            7,
            FingerTaken::Captured {
                quality: 80,
                attempts: 1,
                png: vec![],
            },
        );
        assert!(e.printed.is_none() && !e.signed, "a finger taken");
        printed_and_signed(&mut e);
        assert!(e.retake_finger(3).is_err(), "never taken");
        assert!(e.printed.is_some() && e.signed);
        assert!(matches!(
            e.retake_finger(2),
            Ok(FingerTaken::Exception { .. })
        ));
        assert!(e.finger(2).is_none());
        assert!(e.printed.is_none() && !e.signed, "a finger retaken");
        e.step = Step::Review;
        assert!(e.retake_finger(7).is_err(), "only at the fingerprint step");
        assert!(e.finger(7).is_some());
    }

    #[test]
    fn the_payload_round_trips_through_json() {
        let mut e = e();
        e.checkin = Some(CheckIn::Paper {
            note: "tờ khai giấy".into(),
            photo_jpeg: vec![0xFF, 0xD8, 0, 1, 2],
            at: 5,
        });
        let json = serde_json::to_vec(&e).unwrap();
        let back: Enrollment = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, e);
    }
}
