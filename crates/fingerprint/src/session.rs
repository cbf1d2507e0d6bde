//! The ten-print session, without UI or devices: ten fingers in order, attempts kept with
//! the best one, officer exceptions, officer approval of a low-quality best attempt, and the
//! matching checks that catch one finger given for two positions or a print from someone else.

use crate::image::GreyImage;
use crate::matching::compare;
use crate::quality::{assess, Assessment, Reason, Thresholds};
use crate::FingerPosition;

/// Why a finger cannot be captured, as the officer records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    Missing,
    Bandaged,
    Amputated,
}

impl ExceptionKind {
    pub fn name_en(self) -> &'static str {
        match self {
            ExceptionKind::Missing => "missing",
            ExceptionKind::Bandaged => "bandaged",
            ExceptionKind::Amputated => "amputated",
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            ExceptionKind::Missing => "không có ngón",
            ExceptionKind::Bandaged => "đang băng bó",
            ExceptionKind::Amputated => "đã cắt cụt",
        }
    }
}

/// Where one finger stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerStatus {
    Pending,
    /// Best attempt reached the threshold.
    Captured,
    /// No attempt reached the threshold in the allowed number; the officer accepted the best.
    AcceptedLowQuality,
    /// Not captured, for the reason the officer gave.
    Exception {
        kind: ExceptionKind,
        note: String,
    },
}

/// One capture of one finger.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub image: GreyImage,
    pub assessment: Assessment,
}

#[derive(Debug, Clone)]
struct Slot {
    position: FingerPosition,
    attempts: Vec<Attempt>,
    best: Option<usize>,
    status: FingerStatus,
}

/// What the station should do after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    /// Good enough: the finger is done.
    Accepted { score: u8 },
    /// Below the threshold: tell the officer why and capture again.
    TryAgain {
        score: u8,
        reason: Reason,
        attempts_left: u32,
    },
    /// The last allowed attempt failed: the officer may accept the best, low quality.
    OfficerDecision { best_score: u8, reason: Reason },
    /// The print matches the finger already captured for another position: not kept.
    SameAsOtherFinger(FingerPosition),
}

/// Why a session call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("{0:?} is not one of the ten fingers")]
    NotAFinger(FingerPosition),
    #[error("this finger is already done")]
    AlreadyDone,
    #[error("the best attempt can be accepted only after {0} failed attempts")]
    AttemptsLeft(u32),
    #[error("an exception needs the officer's reason")]
    NoReason,
}

impl SessionError {
    pub fn message_vi(&self) -> &'static str {
        match self {
            SessionError::NotAFinger(_) => "Vị trí ngón tay không hợp lệ",
            SessionError::AlreadyDone => "Ngón tay này đã lấy xong",
            SessionError::AttemptsLeft(_) => "Chưa hết số lần lấy vân tay cho phép",
            SessionError::NoReason => "Cần ghi lý do ngoại lệ",
        }
    }
}

/// The ten-print capture for one applicant.
#[derive(Debug, Clone)]
pub struct TenPrintSession {
    slots: Vec<Slot>,
    max_attempts: u32,
    thresholds: Thresholds,
}

impl TenPrintSession {
    /// `max_attempts` per finger before the officer decides (at least 1).
    pub fn new(max_attempts: u32, thresholds: Thresholds) -> TenPrintSession {
        TenPrintSession {
            slots: FingerPosition::TENPRINT_ORDER
                .iter()
                .map(|&position| Slot {
                    position,
                    attempts: Vec::new(),
                    best: None,
                    status: FingerStatus::Pending,
                })
                .collect(),
            max_attempts: max_attempts.max(1),
            thresholds,
        }
    }

    fn slot(&self, p: FingerPosition) -> Result<&Slot, SessionError> {
        self.slots
            .iter()
            .find(|s| s.position == p)
            .ok_or(SessionError::NotAFinger(p))
    }
    fn slot_mut(&mut self, p: FingerPosition) -> Result<&mut Slot, SessionError> {
        self.slots
            .iter_mut()
            .find(|s| s.position == p)
            .ok_or(SessionError::NotAFinger(p))
    }

    /// The next finger to capture in order (right thumb first), or None when all are done.
    pub fn current(&self) -> Option<FingerPosition> {
        self.slots
            .iter()
            .find(|s| s.status == FingerStatus::Pending)
            .map(|s| s.position)
    }
    pub fn is_complete(&self) -> bool {
        self.current().is_none()
    }
    pub fn status(&self, p: FingerPosition) -> Option<&FingerStatus> {
        self.slot(p).ok().map(|s| &s.status)
    }
    pub fn attempts(&self, p: FingerPosition) -> &[Attempt] {
        self.slot(p).map(|s| s.attempts.as_slice()).unwrap_or(&[])
    }
    /// The best attempt so far for a finger.
    pub fn best(&self, p: FingerPosition) -> Option<&Attempt> {
        let s = self.slot(p).ok()?;
        s.best.and_then(|i| s.attempts.get(i))
    }

    /// Another finger whose kept print matches this assessment, if any.
    fn other_finger_matching(&self, p: FingerPosition, a: &Assessment) -> Option<FingerPosition> {
        self.slots
            .iter()
            .filter(|s| s.position != p)
            .find(|s| {
                s.attempts
                    .iter()
                    .any(|t| compare(&a.minutiae, &t.assessment.minutiae).same_finger())
            })
            .map(|s| s.position)
    }

    /// Records a capture of finger `p`, scores it and says what to do next.
    pub fn submit(
        &mut self,
        p: FingerPosition,
        image: GreyImage,
    ) -> Result<AttemptOutcome, SessionError> {
        let assessment = assess(&image);
        self.submit_assessed(p, image, assessment)
    }

    /// As [`TenPrintSession::submit`], with a score already computed.
    pub fn submit_assessed(
        &mut self,
        p: FingerPosition,
        image: GreyImage,
        assessment: Assessment,
    ) -> Result<AttemptOutcome, SessionError> {
        if self.slot(p)?.status != FingerStatus::Pending {
            return Err(SessionError::AlreadyDone);
        }
        if let Some(other) = self.other_finger_matching(p, &assessment) {
            return Ok(AttemptOutcome::SameAsOtherFinger(other));
        }
        let threshold = self.thresholds.for_finger(p);
        let max = self.max_attempts;
        let slot = self.slot_mut(p)?;
        let score = assessment.score;
        let reason = assessment.reason;
        slot.attempts.push(Attempt { image, assessment });
        let i = slot.attempts.len() - 1;
        if slot
            .best
            .is_none_or(|b| slot.attempts[b].assessment.value < slot.attempts[i].assessment.value)
        {
            slot.best = Some(i);
        }
        if score >= threshold {
            slot.status = FingerStatus::Captured;
            return Ok(AttemptOutcome::Accepted { score });
        }
        let used = slot.attempts.len() as u32;
        if used >= max {
            let best = slot.best.map(|b| &slot.attempts[b].assessment);
            return Ok(AttemptOutcome::OfficerDecision {
                best_score: best.map_or(0, |a| a.score),
                reason: best.map_or(reason, |a| a.reason),
            });
        }
        Ok(AttemptOutcome::TryAgain {
            score,
            reason,
            attempts_left: max - used,
        })
    }

    /// The officer accepts the best attempt although below the threshold, after all allowed
    /// attempts failed. The record keeps that it was low quality and officer-approved.
    pub fn accept_best_low_quality(&mut self, p: FingerPosition) -> Result<(), SessionError> {
        let max = self.max_attempts;
        let slot = self.slot_mut(p)?;
        if slot.status != FingerStatus::Pending {
            return Err(SessionError::AlreadyDone);
        }
        let used = slot.attempts.len() as u32;
        if used < max || slot.best.is_none() {
            return Err(SessionError::AttemptsLeft(max.saturating_sub(used)));
        }
        slot.status = FingerStatus::AcceptedLowQuality;
        Ok(())
    }

    /// The officer records that a finger cannot be captured, with a reason.
    pub fn mark_exception(
        &mut self,
        p: FingerPosition,
        kind: ExceptionKind,
        note: &str,
    ) -> Result<(), SessionError> {
        if note.trim().is_empty() {
            return Err(SessionError::NoReason);
        }
        let slot = self.slot_mut(p)?;
        slot.status = FingerStatus::Exception {
            kind,
            note: note.trim().to_string(),
        };
        Ok(())
    }

    /// Which of the applicant's captured fingers a new print matches, if any: a print that
    /// should be the applicant's and matches none of their captures is from someone else or
    /// from another finger.
    pub fn matches_applicant(&self, image: &GreyImage) -> Option<FingerPosition> {
        let a = assess(image);
        self.slots
            .iter()
            .find(|s| {
                s.attempts
                    .iter()
                    .any(|t| compare(&a.minutiae, &t.assessment.minutiae).same_finger())
            })
            .map(|s| s.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{Capture, Degradation, Finger};

    fn print(seed: u64, p: FingerPosition, n: u32) -> GreyImage {
        Finger::new(seed, p).capture(&Capture::attempt(n))
    }

    #[test]
    fn ten_fingers_in_order_with_retries_exceptions_and_officer_approval() {
        let mut s = TenPrintSession::new(3, Thresholds::default());
        assert_eq!(s.current(), Some(FingerPosition::RightThumb));
        let order: Vec<FingerPosition> = FingerPosition::TENPRINT_ORDER.to_vec();
        for (i, &p) in order.iter().enumerate() {
            assert_eq!(s.current(), Some(p));
            match i {
                // Right middle: bandaged.
                2 => s
                    .mark_exception(p, ExceptionKind::Bandaged, "băng sau tai nạn")
                    .unwrap(),
                // Left index: an elderly finger, three smudged attempts, officer accepts.
                6 => {
                    let f = Finger::new(42, p);
                    for n in 0..3 {
                        let img = f.capture(&Capture::attempt(n).with(Degradation::Blur(1.0)));
                        let out = s.submit(p, img).unwrap();
                        if n < 2 {
                            assert!(
                                matches!(
                                    out,
                                    AttemptOutcome::TryAgain {
                                        reason: Reason::Smudged,
                                        ..
                                    }
                                ),
                                "{out:?}"
                            );
                            assert_eq!(
                                s.accept_best_low_quality(p),
                                Err(SessionError::AttemptsLeft(2 - n))
                            );
                        } else {
                            assert!(
                                matches!(out, AttemptOutcome::OfficerDecision { .. }),
                                "{out:?}"
                            );
                        }
                    }
                    s.accept_best_low_quality(p).unwrap();
                    assert_eq!(s.status(p), Some(&FingerStatus::AcceptedLowQuality));
                    let best = s.best(p).unwrap().assessment.value;
                    assert!(s.attempts(p).iter().all(|a| a.assessment.value <= best));
                }
                _ => {
                    // A faint first attempt, then a good one.
                    let f = Finger::new(42, p);
                    let faint = f.capture(&Capture::attempt(1).with(Degradation::LowContrast(1.0)));
                    let out = s.submit(p, faint).unwrap();
                    assert!(
                        matches!(
                            out,
                            AttemptOutcome::TryAgain {
                                attempts_left: 2,
                                ..
                            }
                        ),
                        "{p:?}: {out:?}"
                    );
                    let out = s.submit(p, f.capture(&Capture::attempt(2))).unwrap();
                    assert!(
                        matches!(out, AttemptOutcome::Accepted { .. }),
                        "{p:?}: {out:?}"
                    );
                    assert_eq!(
                        s.best(p).unwrap().assessment.score,
                        s.attempts(p)[1].assessment.score
                    );
                }
            }
        }
        assert!(s.is_complete());
        assert!(matches!(
            s.status(FingerPosition::RightMiddle),
            Some(FingerStatus::Exception {
                kind: ExceptionKind::Bandaged,
                ..
            })
        ));
        assert_eq!(
            s.submit(
                FingerPosition::RightThumb,
                print(42, FingerPosition::RightThumb, 3)
            ),
            Err(SessionError::AlreadyDone)
        );
        assert_eq!(
            s.mark_exception(FingerPosition::LeftThumb, ExceptionKind::Missing, "  "),
            Err(SessionError::NoReason)
        );

        // A later print of the applicant's right index matches; someone else's matches nothing.
        assert_eq!(
            s.matches_applicant(&print(42, FingerPosition::RightIndex, 4)),
            Some(FingerPosition::RightIndex)
        );
        assert_eq!(
            s.matches_applicant(&print(7, FingerPosition::RightIndex, 4)),
            None
        );
    }

    #[test]
    fn the_same_finger_given_for_two_positions_is_caught() {
        let mut s = TenPrintSession::new(3, Thresholds::default());
        let out = s
            .submit(
                FingerPosition::RightThumb,
                print(9, FingerPosition::RightThumb, 1),
            )
            .unwrap();
        assert!(matches!(out, AttemptOutcome::Accepted { .. }));
        // The applicant puts the thumb down again for the index.
        let out = s
            .submit(
                FingerPosition::RightIndex,
                print(9, FingerPosition::RightThumb, 2),
            )
            .unwrap();
        assert_eq!(
            out,
            AttemptOutcome::SameAsOtherFinger(FingerPosition::RightThumb)
        );
        assert!(s.attempts(FingerPosition::RightIndex).is_empty());
        let out = s
            .submit(
                FingerPosition::RightIndex,
                print(9, FingerPosition::RightIndex, 2),
            )
            .unwrap();
        assert!(matches!(out, AttemptOutcome::Accepted { .. }));
        assert_eq!(
            s.submit(
                FingerPosition::Unknown,
                print(9, FingerPosition::RightIndex, 1)
            ),
            Err(SessionError::NotAFinger(FingerPosition::Unknown))
        );
    }
}
