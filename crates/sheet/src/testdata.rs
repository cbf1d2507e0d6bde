//! Test inputs shared by the unit tests.

use crate::fingers::{CaptureStatus, FingerCapture};
use crate::sheet::{Application, InfoSheet};
use citizen::CitizenRecord;
use iso19794::FingerPosition;
use unicode_normalization::UnicodeNormalization;

pub(crate) const LONG_NAMES: &str = include_str!("../testdata/long-names.json");
pub(crate) const PORTRAIT: &[u8] = include_bytes!("../testdata/portrait.jpg");

/// Every letter of the Vietnamese alphabet that carries a mark: the twelve vowels bare and
/// with each of the five tones, lower and upper case, and đ / Đ (NFC).
pub(crate) fn vietnamese_alphabet() -> String {
    let tones = ["", "\u{301}", "\u{300}", "\u{309}", "\u{303}", "\u{323}"];
    let mut out = String::new();
    for v in "aăâeêioôơuưy".chars() {
        for t in tones {
            for c in [v.to_string(), v.to_uppercase().to_string()] {
                out.extend(format!("{c}{t}").nfc());
            }
        }
    }
    out.push_str("đĐ");
    out
}

pub(crate) fn long_record() -> CitizenRecord {
    CitizenRecord::from_json(LONG_NAMES).expect("test record parses")
}

pub(crate) fn fingers() -> Vec<FingerCapture> {
    FingerPosition::TENPRINT_ORDER
        .iter()
        .map(|&p| FingerCapture {
            position: p,
            quality: Some(40 + p.code() * 5),
            status: match p {
                FingerPosition::LeftLittle => CaptureStatus::Exception {
                    reason: "Cụt đốt ngón từ năm 2010 (tai nạn lao động)".to_string(),
                },
                FingerPosition::RightRing => CaptureStatus::LowQualityApproved,
                _ => CaptureStatus::Captured,
            },
        })
        .map(|mut c| {
            if matches!(c.status, CaptureStatus::Exception { .. }) {
                c.quality = None;
            }
            c
        })
        .collect()
}

pub(crate) fn long_sheet() -> InfoSheet {
    InfoSheet {
        record: long_record(),
        portrait_jpeg: Some(PORTRAIT.to_vec()),
        fingers: fingers(),
        application: Application {
            number: "HS-079-2026-000123".to_string(),
            station:
                "Công an phường Bến Nghé, quận 1, TP. Hồ Chí Minh – tổ cấp căn cước lưu động số 3"
                    .to_string(),
            officer: "Thượng úy Lê Thị Ngọc Hường".to_string(),
            date: time::macros::date!(2026 - 11 - 23),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_record_has_every_vietnamese_letter() {
        let r = long_record().normalized();
        let text: String = citizen::Field::ALL
            .iter()
            .map(|&f| r.field_text(f))
            .collect();
        let missing: String = vietnamese_alphabet()
            .chars()
            .filter(|c| !text.contains(*c))
            .collect();
        assert_eq!(missing, "", "letters missing from the long-names record");
        assert_eq!(vietnamese_alphabet().chars().count(), 12 * 6 * 2 + 2);
    }
}
