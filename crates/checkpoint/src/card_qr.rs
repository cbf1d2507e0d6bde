//! The QR code printed on the back of a citizen card: `|`-separated fields
//!
//! `ID number | former ID number | full name | date of birth ddmmyyyy | sex | address |
//! date of issue ddmmyyyy [| more…]`
//!
//! The text is untrusted (anyone can print a QR code): it is length-limited, every field is
//! checked, and an error names the field in Vietnamese and English. Fields after the seventh
//! are kept as they are, unchecked.

use citizen::{Field, Sex};
use time::Date;
use unicode_normalization::UnicodeNormalization;

/// Longest QR text accepted, bytes (a version 40 code holds at most 2953 bytes).
pub const MAX_QR_BYTES: usize = 4096;
/// Longest name, characters (citizen policy's default).
const MAX_NAME_CHARS: usize = 100;
/// Longest address, characters.
const MAX_ADDRESS_CHARS: usize = 250;

/// The seven fields, in the code's order, as the station's 20 fields name them.
pub const QR_FIELDS: [Field; 7] = [
    Field::IdNumber,
    Field::FormerIdNumber,
    Field::FullName,
    Field::DateOfBirth,
    Field::Sex,
    Field::PlaceOfResidence,
    Field::DateOfIssue,
];

/// A card's QR code, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardQr {
    /// 12 digits.
    pub id_number: String,
    /// Empty, or the 9-digit CMND / 12-digit number the holder had before.
    pub former_id_number: String,
    /// NFC, single spaces.
    pub full_name: String,
    pub date_of_birth: Date,
    pub sex: Sex,
    /// Place of permanent residence, NFC, single spaces.
    pub address: String,
    pub date_of_issue: Date,
    /// Fields after the seventh, as printed.
    pub extra: Vec<String>,
}

/// Why a QR text is not a card's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrDataError {
    #[error("mã QR trống / the QR code is empty")]
    Empty,
    #[error(
        "mã QR dài {0} byte, quá {MAX_QR_BYTES} / the QR code is {0} bytes, over {MAX_QR_BYTES}"
    )]
    TooLong(usize),
    #[error("mã QR có {found} trường, cần ít nhất 7: thiếu {} / the QR code has {found} fields, at least 7 are needed: {} is missing", .missing.label_vi(), .missing.label_en())]
    TooFewFields { found: usize, missing: Field },
    #[error("{} trong mã QR không hợp lệ: {vi} / {} in the QR code is invalid: {en}", .field.label_vi(), .field.label_en())]
    BadField {
        field: Field,
        vi: &'static str,
        en: &'static str,
    },
}

impl QrDataError {
    /// The field at fault, when one is.
    pub fn field(&self) -> Option<Field> {
        match self {
            QrDataError::TooFewFields { missing, .. } => Some(*missing),
            QrDataError::BadField { field, .. } => Some(*field),
            _ => None,
        }
    }
}

fn bad(field: Field, vi: &'static str, en: &'static str) -> QrDataError {
    QrDataError::BadField { field, vi, en }
}

/// NFC, trimmed, inner whitespace runs made one space: the form names and addresses are
/// compared and stored in (as `CitizenRecord::normalized` does).
pub fn normalize_text(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `ddmmyyyy`, a real day from 1900 on.
pub fn parse_ddmmyyyy(s: &str) -> Option<Date> {
    if s.len() != 8 || !digits(s) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u16>().ok();
    let (d, m, y) = (n(0..2)?, n(2..4)?, n(4..8)?);
    if y < 1900 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::from(y), month, u8::try_from(d).ok()?).ok()
}

fn text_field(field: Field, raw: &str, max: usize, required: bool) -> Result<String, QrDataError> {
    if raw.chars().any(char::is_control) {
        return Err(bad(
            field,
            "có ký tự điều khiển",
            "contains control characters",
        ));
    }
    let t = normalize_text(raw);
    if required && t.is_empty() {
        return Err(bad(field, "để trống", "is empty"));
    }
    if t.chars().count() > max {
        return Err(bad(field, "quá dài", "is too long"));
    }
    Ok(t)
}

impl CardQr {
    /// Reads a card's QR text. Surrounding whitespace (and a byte-order mark some scanners
    /// add) is ignored; each field is trimmed.
    pub fn parse(text: &str) -> Result<CardQr, QrDataError> {
        if text.len() > MAX_QR_BYTES {
            return Err(QrDataError::TooLong(text.len()));
        }
        let text = text.trim().trim_start_matches('\u{FEFF}').trim();
        if text.is_empty() {
            return Err(QrDataError::Empty);
        }
        let parts: Vec<&str> = text.split('|').map(str::trim).collect();
        if parts.len() < QR_FIELDS.len() {
            return Err(QrDataError::TooFewFields {
                found: parts.len(),
                missing: QR_FIELDS[parts.len()],
            });
        }
        let id_number = parts[0].to_string();
        if id_number.len() != 12 || !digits(&id_number) {
            return Err(bad(
                Field::IdNumber,
                "phải có đúng 12 chữ số",
                "must be exactly 12 digits",
            ));
        }
        let former_id_number = parts[1].to_string();
        let former_ok = former_id_number.is_empty()
            || (digits(&former_id_number) && matches!(former_id_number.len(), 9 | 12));
        if !former_ok {
            return Err(bad(
                Field::FormerIdNumber,
                "phải để trống hoặc có 9 hay 12 chữ số",
                "must be empty or 9 or 12 digits",
            ));
        }
        let full_name = text_field(Field::FullName, parts[2], MAX_NAME_CHARS, true)?;
        if full_name.chars().any(|c| c.is_ascii_digit()) {
            return Err(bad(Field::FullName, "có chữ số", "contains digits"));
        }
        let date_of_birth = parse_ddmmyyyy(parts[3]).ok_or_else(|| {
            bad(
                Field::DateOfBirth,
                "phải là ngày có thật dạng ddmmyyyy",
                "must be a real date written ddmmyyyy",
            )
        })?;
        let sex = match normalize_text(parts[4]).to_lowercase().as_str() {
            "nam" => Sex::Male,
            "nữ" => Sex::Female,
            _ => return Err(bad(Field::Sex, "phải là Nam hoặc Nữ", "must be Nam or Nữ")),
        };
        let address = text_field(Field::PlaceOfResidence, parts[5], MAX_ADDRESS_CHARS, true)?;
        let date_of_issue = parse_ddmmyyyy(parts[6]).ok_or_else(|| {
            bad(
                Field::DateOfIssue,
                "phải là ngày có thật dạng ddmmyyyy",
                "must be a real date written ddmmyyyy",
            )
        })?;
        if date_of_issue < date_of_birth {
            return Err(bad(
                Field::DateOfIssue,
                "trước ngày sinh",
                "is before the date of birth",
            ));
        }
        Ok(CardQr {
            id_number,
            former_id_number,
            full_name,
            date_of_birth,
            sex,
            address,
            date_of_issue,
            extra: parts[7..].iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The seven fields as the chip's DG13 shows them (dates dd/mm/yyyy, sex "Nam"/"Nữ").
    pub fn fields(&self) -> Vec<(Field, String)> {
        let dmy = |d: Date| format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year());
        vec![
            (Field::IdNumber, self.id_number.clone()),
            (Field::FormerIdNumber, self.former_id_number.clone()),
            (Field::FullName, self.full_name.clone()),
            (Field::DateOfBirth, dmy(self.date_of_birth)),
            (Field::Sex, self.sex.label_vi().to_string()),
            (Field::PlaceOfResidence, self.address.clone()),
            (Field::DateOfIssue, dmy(self.date_of_issue)),
        ]
    }

    /// The seven fields of a citizen record, as its card's QR code carries them.
    pub fn from_record(r: &citizen::CitizenRecord) -> CardQr {
        let r = r.normalized();
        CardQr {
            id_number: r.id_number,
            former_id_number: r.former_id_number,
            full_name: r.full_name,
            date_of_birth: r.date_of_birth,
            sex: r.sex,
            address: r.place_of_residence,
            date_of_issue: r.date_of_issue,
            extra: Vec::new(),
        }
    }

    /// The code's text, as a card prints it.
    pub fn to_text(&self) -> String {
        let ddmmyyyy = |d: Date| format!("{:02}{:02}{:04}", d.day(), u8::from(d.month()), d.year());
        let mut parts = vec![
            self.id_number.clone(),
            self.former_id_number.clone(),
            self.full_name.clone(),
            ddmmyyyy(self.date_of_birth),
            self.sex.label_vi().to_string(),
            self.address.clone(),
            ddmmyyyy(self.date_of_issue),
        ];
        parts.extend(self.extra.iter().cloned());
        parts.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const DEMO: &str = "001095012345|012345678|Nguyễn Văn An|12051995|Nam|Số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội|20112026";

    #[test]
    fn the_demo_cards_code_parses() {
        let q = CardQr::parse(DEMO).unwrap();
        assert_eq!(q.id_number, "001095012345");
        assert_eq!(q.former_id_number, "012345678");
        assert_eq!(q.full_name, "Nguyễn Văn An");
        assert_eq!(q.date_of_birth, date!(1995 - 05 - 12));
        assert_eq!(q.sex, Sex::Male);
        assert_eq!(q.date_of_issue, date!(2026 - 11 - 20));
        assert!(q.extra.is_empty());
        assert_eq!(q.to_text(), DEMO);
        assert_eq!(q.fields()[3], (Field::DateOfBirth, "12/05/1995".into()));
    }

    #[test]
    fn extra_fields_empty_former_id_decomposed_text_and_whitespace_are_accepted() {
        let decomposed = "Nguye\u{0302}\u{0303}n  Thị   Bình";
        let text = format!(
            "\u{FEFF} 079301000001||{decomposed}|29022000|nữ|Quận 1, TP Hồ Chí Minh|01032021|extra|more \n"
        );
        let q = CardQr::parse(&text).unwrap();
        assert_eq!(q.full_name, "Nguyễn Thị Bình");
        assert_eq!(q.sex, Sex::Female);
        assert_eq!(q.former_id_number, "");
        assert_eq!(q.date_of_birth, date!(2000 - 02 - 29));
        assert_eq!(q.extra, vec!["extra".to_string(), "more".to_string()]);
    }

    fn field_of(text: &str) -> Option<Field> {
        CardQr::parse(text).unwrap_err().field()
    }

    #[test]
    fn bad_and_partial_codes_name_the_field_in_both_languages() {
        let e = CardQr::parse("001095012345|012345678|Nguyễn Văn An").unwrap_err();
        assert_eq!(e.field(), Some(Field::DateOfBirth));
        let msg = e.to_string();
        assert!(
            msg.contains("có 3 trường") && msg.contains("has 3 fields"),
            "{msg}"
        );
        assert!(
            msg.contains("Ngày, tháng, năm sinh") && msg.contains("Date of birth"),
            "{msg}"
        );

        let with = |i: usize, v: &str| {
            let mut p: Vec<&str> = DEMO.split('|').collect();
            p[i] = v;
            p.join("|")
        };
        for (i, v, field) in [
            (0, "00109501234", Field::IdNumber),
            (0, "00109501234X", Field::IdNumber),
            (0, "", Field::IdNumber),
            (1, "12345", Field::FormerIdNumber),
            (2, "  ", Field::FullName),
            (2, "Nguyễn Văn 4n", Field::FullName),
            (2, "Nguyễn\u{0007}An", Field::FullName),
            (3, "31021995", Field::DateOfBirth),
            (3, "1995-05-12", Field::DateOfBirth),
            (3, "12051895", Field::DateOfBirth),
            (4, "M", Field::Sex),
            (5, "", Field::PlaceOfResidence),
            (6, "20132026", Field::DateOfIssue),
            (6, "01011990", Field::DateOfIssue),
        ] {
            let text = with(i, v);
            assert_eq!(field_of(&text), Some(field), "{text}");
            let msg = CardQr::parse(&text).unwrap_err().to_string();
            assert!(
                msg.contains(field.label_vi()) && msg.contains(field.label_en()),
                "{msg}"
            );
        }
        assert_eq!(CardQr::parse(" \n").unwrap_err(), QrDataError::Empty);
        assert!(matches!(
            CardQr::parse(&"9".repeat(MAX_QR_BYTES + 1)),
            Err(QrDataError::TooLong(_))
        ));
        assert_eq!(
            CardQr::parse("https://example.org/not-a-card")
                .unwrap_err()
                .field(),
            Some(Field::FormerIdNumber),
            "one field: the second is the first missing"
        );
    }

    /// Vietnamese letters, precomposed.
    const L: &str =
        "[A-Za-zĐđÂâĂăÊêÔôƠơƯưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]";

    fn valid_code() -> impl Strategy<Value = (String, CardQr)> {
        (
            "[0-9]{12}",
            prop_oneof![Just(String::new()), "[0-9]{9}", "[0-9]{12}"],
            proptest::string::string_regex(&format!("{L}{{1,12}}( {L}{{1,12}}){{0,3}}")).unwrap(),
            (1920i32..2020, 1u8..=12, 1u8..=28),
            any::<bool>(),
            proptest::string::string_regex(&format!(
                "[0-9,/ ]{{0,3}}({L}|[0-9,/ ]){{0,40}}[A-Za-z]"
            ))
            .unwrap(),
            0i64..30_000,
        )
            .prop_map(|(id, former, name, (y, m, d), male, address, days)| {
                let birth =
                    Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
                let issue = birth + time::Duration::days(days);
                let q = CardQr {
                    id_number: id,
                    former_id_number: former,
                    full_name: normalize_text(&name),
                    date_of_birth: birth,
                    sex: if male { Sex::Male } else { Sex::Female },
                    address: normalize_text(&address),
                    date_of_issue: issue,
                    extra: vec![],
                };
                (q.to_text(), q)
            })
    }

    proptest! {
        /// Any text: a code or a clear error, never a panic.
        #[test]
        fn any_text_never_panics(text in ".{0,600}") {
            match CardQr::parse(&text) {
                Ok(q) => prop_assert_eq!(q.id_number.len(), 12),
                Err(e) => prop_assert!(e.to_string().contains(" / ")),
            }
        }

        /// Pipe-separated garbage, the shape a scanner delivers: never a panic.
        #[test]
        fn any_fields_never_panic(parts in proptest::collection::vec("[0-9A-Za-zÀ-ỹ /\\-]{0,20}", 0..12)) {
            let _ = CardQr::parse(&parts.join("|"));
        }

        /// Well-formed codes round-trip.
        #[test]
        fn valid_codes_round_trip((text, q) in valid_code()) {
            prop_assert_eq!(CardQr::parse(&text), Ok(q));
        }

        /// A code cut short names the first missing field.
        #[test]
        fn truncated_codes_name_the_missing_field((text, _) in valid_code(), keep in 0usize..7) {
            let cut: Vec<&str> = text.split('|').take(keep).collect();
            let e = CardQr::parse(&cut.join("|")).unwrap_err();
            if keep > 0 {
                prop_assert_eq!(e.field(), Some(QR_FIELDS[keep]));
            }
        }
    }
}
