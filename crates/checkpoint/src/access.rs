//! The BAC access key of a presented card (ICAO 9303-11 §4.3: document number, date of birth,
//! date of expiry, as the MRZ writes them).
//!
//! A Vietnamese card's MRZ document number is the last 9 digits of the 12-digit ID number
//! (`icao9303::mrz::td1_for_vietnamese_card`). The QR code carries no expiry date: it is the
//! one the law gives a card of that birth date issued on that day (`citizen::expected_expiry`
//! with the profile's rule), and `<<<<<<` for a card without expiry (issued at 58 or older),
//! exactly as personalization wrote it.

use crate::card_qr::CardQr;
use citizen::ExpiryRule;
use time::Date;

/// What BAC keys are derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// 9 characters.
    pub document_number: String,
    /// YYMMDD.
    pub date_of_birth: String,
    /// YYMMDD, or `<<<<<<` for no expiry.
    pub date_of_expiry: String,
}

/// Why no access key could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessKeyError {
    #[error("hồ sơ chip không có quy tắc hạn thẻ cố định nên mã QR không đủ để mở chip; hãy nhập --id-number, --birth và --expiry / the profile's expiry rule is free, so the QR code cannot give the expiry: type --id-number, --birth and --expiry")]
    ExpiryNotDerivable,
    #[error("số định danh {0:?} không hợp lệ: cần 12 chữ số (hoặc số thẻ 9 ký tự trong MRZ) / the ID number {0:?} is invalid: 12 digits expected (or the MRZ's 9-character document number)")]
    IdNumber(String),
    #[error("{what_vi} {value:?} không hợp lệ: dùng YYMMDD, DDMMYYYY hoặc YYYY-MM-DD / the {what_en} {value:?} is invalid: use YYMMDD, DDMMYYYY or YYYY-MM-DD")]
    Date {
        what_vi: &'static str,
        what_en: &'static str,
        value: String,
    },
    #[error("không tạo được khóa BAC: {0} / cannot make the BAC key: {0}")]
    Mrz(String),
}

fn yymmdd(d: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        u8::from(d.month()),
        d.day()
    )
}

/// A typed date: `YYMMDD` (taken as is), `DDMMYYYY`, `YYYY-MM-DD` or `dd/mm/yyyy`. Returns
/// the MRZ form and, when the century is known, the full date.
pub fn parse_typed_date(s: &str) -> Option<(String, Option<Date>)> {
    let s = s.trim();
    let b = s.as_bytes();
    let full = match b.len() {
        6 if s.bytes().all(|c| c.is_ascii_digit()) => {
            let m: u8 = s[2..4].parse().ok()?;
            let d: u8 = s[4..6].parse().ok()?;
            // The century is unknown, but the month and day must exist in some year.
            Date::from_calendar_date(2000, time::Month::try_from(m).ok()?, d).ok()?;
            return Some((s.to_string(), None));
        }
        8 => crate::card_qr::parse_ddmmyyyy(s)?,
        10 if b[4] == b'-' && b[7] == b'-' => {
            crate::card_qr::parse_ddmmyyyy(&format!("{}{}{}", &s[8..10], &s[5..7], &s[0..4]))?
        }
        10 if b[2] == b'/' && b[5] == b'/' => {
            crate::card_qr::parse_ddmmyyyy(&format!("{}{}{}", &s[0..2], &s[3..5], &s[6..10]))?
        }
        _ => return None,
    };
    Some((yymmdd(full), Some(full)))
}

impl AccessKey {
    /// From a card's QR code, with the expiry the profile's rule gives.
    pub fn from_qr(qr: &CardQr, rule: &ExpiryRule) -> Result<AccessKey, AccessKeyError> {
        let expiry = citizen::expected_expiry(qr.date_of_birth, qr.date_of_issue, rule)
            .ok_or(AccessKeyError::ExpiryNotDerivable)?;
        let key = AccessKey {
            document_number: qr.id_number[3..].to_string(),
            date_of_birth: yymmdd(qr.date_of_birth),
            date_of_expiry: expiry.map_or_else(|| "<<<<<<".to_string(), yymmdd),
        };
        key.mrz_information()?;
        Ok(key)
    }

    /// From typed values: the 12-digit ID number (or the 9-character document number), the
    /// birth date and the expiry date (`<<<<<<` or `none` for a card without expiry).
    pub fn typed(id_number: &str, birth: &str, expiry: &str) -> Result<AccessKey, AccessKeyError> {
        let id = id_number.trim();
        let document_number = match id.len() {
            12 if id.bytes().all(|c| c.is_ascii_digit()) => id[3..].to_string(),
            9 if id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'<') => {
                id.to_ascii_uppercase()
            }
            _ => return Err(AccessKeyError::IdNumber(id.to_string())),
        };
        let (date_of_birth, _) = parse_typed_date(birth).ok_or_else(|| AccessKeyError::Date {
            what_vi: "ngày sinh",
            what_en: "date of birth",
            value: birth.to_string(),
        })?;
        let e = expiry.trim();
        let date_of_expiry = if e == "<<<<<<" || e.eq_ignore_ascii_case("none") {
            "<<<<<<".to_string()
        } else {
            parse_typed_date(e)
                .ok_or_else(|| AccessKeyError::Date {
                    what_vi: "ngày hết hạn",
                    what_en: "date of expiry",
                    value: expiry.to_string(),
                })?
                .0
        };
        let key = AccessKey {
            document_number,
            date_of_birth,
            date_of_expiry,
        };
        key.mrz_information()?;
        Ok(key)
    }

    /// The MRZ information with check digits that BAC keys are derived from.
    pub fn mrz_information(&self) -> Result<String, AccessKeyError> {
        icao9303::mrz::bac_mrz_information(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
        .map_err(|e| AccessKeyError::Mrz(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qr(birth: &str, issue: &str) -> CardQr {
        CardQr::parse(&format!(
            "001095012345||Nguyễn Văn An|{birth}|Nam|Hà Nội|{issue}"
        ))
        .unwrap()
    }

    #[test]
    fn the_qr_gives_the_key_personalization_wrote() {
        // The demo record: born 1995-05-12, issued 2026-11-20 (aged 31): valid to the 40th
        // birthday, 2035-05-12, as tests/data/record.json says.
        let k = AccessKey::from_qr(&qr("12051995", "20112026"), &ExpiryRule::default()).unwrap();
        assert_eq!(
            k,
            AccessKey {
                document_number: "095012345".into(),
                date_of_birth: "950512".into(),
                date_of_expiry: "350512".into(),
            }
        );
        assert_eq!(
            k.mrz_information().unwrap(),
            icao9303::mrz::bac_mrz_information("095012345", "950512", "350512").unwrap()
        );
        // Issued at 60: no expiry.
        let k = AccessKey::from_qr(&qr("01011960", "02012020"), &ExpiryRule::default()).unwrap();
        assert_eq!(k.date_of_expiry, "<<<<<<");
        // Issued at 22: until the 25th birthday.
        let k = AccessKey::from_qr(&qr("15082001", "01032023"), &ExpiryRule::default()).unwrap();
        assert_eq!(k.date_of_expiry, "260815");
        assert_eq!(
            AccessKey::from_qr(&qr("12051995", "20112026"), &ExpiryRule::Free),
            Err(AccessKeyError::ExpiryNotDerivable)
        );
    }

    #[test]
    fn typed_keys_accept_the_usual_date_forms() {
        let want = AccessKey {
            document_number: "095012345".into(),
            date_of_birth: "950512".into(),
            date_of_expiry: "350512".into(),
        };
        for (id, birth, expiry) in [
            ("001095012345", "950512", "350512"),
            ("095012345", "12051995", "2035-05-12"),
            (" 001095012345 ", "12/05/1995", "12052035"),
        ] {
            assert_eq!(AccessKey::typed(id, birth, expiry), Ok(want.clone()));
        }
        assert_eq!(
            AccessKey::typed("001095012345", "950512", "<<<<<<")
                .unwrap()
                .date_of_expiry,
            "<<<<<<"
        );
        assert!(matches!(
            AccessKey::typed("0010950123", "950512", "350512"),
            Err(AccessKeyError::IdNumber(_))
        ));
        for bad in ["951312", "1995-13-01", "30021995", "12-05-1995", ""] {
            let e = AccessKey::typed("001095012345", bad, "350512").unwrap_err();
            assert!(e.to_string().contains("date of birth"), "{bad}: {e}");
        }
    }
}
