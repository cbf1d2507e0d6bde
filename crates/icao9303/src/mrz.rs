//! The TD1 machine readable zone (ICAO 9303-5 §4.2), check digits (9303-3 §4.9) and
//! transliteration of Vietnamese names (9303-3 §6: diacritics dropped, Đ → D).

use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("character {0:?} is not allowed in the MRZ")]
    BadChar(char),
    #[error("{field} must be {expected} characters, got {actual}")]
    Length {
        field: &'static str,
        expected: usize,
        actual: usize,
    },
    #[error("{0} has a wrong check digit")]
    CheckDigit(&'static str),
    #[error("the ID number must be 12 digits")]
    IdNumber,
    #[error("date {0} is not representable in the MRZ")]
    Date(String),
    #[error("the name has no letters A–Z after transliteration")]
    EmptyName,
    #[error("MRZ text must be 90 characters (3 lines of 30), got {0}")]
    TextLength(usize),
}

fn value(c: char) -> Result<u32, MrzError> {
    match c {
        '0'..='9' => Ok(c as u32 - '0' as u32),
        'A'..='Z' => Ok(c as u32 - 'A' as u32 + 10),
        '<' => Ok(0),
        other => Err(MrzError::BadChar(other)),
    }
}

/// Check digit of a field: weights 7, 3, 1 repeating, modulus 10 (9303-3 §4.9).
pub fn check_digit(field: &str) -> Result<u8, MrzError> {
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        sum += value(c)? * [7, 3, 1][i % 3];
    }
    Ok((sum % 10) as u8)
}

fn cd(field: &str) -> Result<char, MrzError> {
    Ok((b'0' + check_digit(field)?) as char)
}

/// Uppercase A–Z and '<' only: Vietnamese diacritics removed, Đ → D, spaces and hyphens → '<',
/// other characters dropped.
pub fn transliterate(name: &str) -> String {
    let mut out = String::new();
    for c in name.nfd() {
        match c {
            'đ' | 'Đ' => out.push('D'),
            ' ' | '-' if !out.ends_with('<') && !out.is_empty() => out.push('<'),
            ' ' | '-' => {}
            c if c.is_ascii_alphabetic() => out.push(c.to_ascii_uppercase()),
            _ => {} // combining marks, apostrophes, digits
        }
    }
    out.trim_end_matches('<').to_string()
}

/// A TD1 document's MRZ fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Td1 {
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub optional_data_1: String,
    pub date_of_birth: String,
    pub sex: char,
    /// YYMMDD, or "<<<<<<" for a card without expiry.
    pub date_of_expiry: String,
    pub nationality: String,
    pub optional_data_2: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
}

fn fill(s: &str, n: usize, field: &'static str) -> Result<String, MrzError> {
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<'))
    {
        return Err(MrzError::BadChar(c));
    }
    let len = s.chars().count();
    if len > n {
        return Err(MrzError::Length {
            field,
            expected: n,
            actual: len,
        });
    }
    Ok(format!("{s:<<n$}"))
}

/// The name field, truncated to `width` as 9303-3 §4.6 describes: secondary name components
/// are shortened from the last one backwards (each keeps at least its initial), then the
/// primary identifier; a truncated field ends with a letter.
fn name_field(primary: &str, secondary: &str, width: usize) -> String {
    let full = if secondary.is_empty() {
        primary.to_string()
    } else {
        format!("{primary}<<{secondary}")
    };
    if full.len() <= width {
        return format!("{full:<<width$}");
    }
    let mut parts: Vec<String> = secondary
        .split('<')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    let mut primary = primary.to_string();
    let render = |p: &str, parts: &[String]| {
        if parts.is_empty() {
            p.to_string()
        } else {
            format!("{p}<<{}", parts.join("<"))
        }
    };
    loop {
        let cur = render(&primary, &parts);
        if cur.len() <= width {
            return format!("{cur:<<width$}");
        }
        if let Some(part) = parts.iter_mut().rev().find(|p| p.len() > 1) {
            part.pop();
            continue;
        }
        if parts.len() > 1 {
            parts.pop();
            continue;
        }
        // Only initials left: cut the whole field, dropping trailing fillers so it ends in a letter.
        let mut cut: String = cur.chars().take(width).collect();
        while cut.ends_with('<') {
            cut.pop();
        }
        primary.clear();
        return format!("{cut:<<width$}");
    }
}

impl Td1 {
    /// The three 30-character lines.
    pub fn to_lines(&self) -> Result<[String; 3], MrzError> {
        let code = fill(&self.document_code, 2, "document code")?;
        let state = fill(&self.issuing_state, 3, "issuing state")?;
        let number = fill(&self.document_number, 9, "document number")?;
        let opt1 = fill(&self.optional_data_1, 15, "optional data 1")?;
        let dob = fill(&self.date_of_birth, 6, "date of birth")?;
        let doe = fill(&self.date_of_expiry, 6, "date of expiry")?;
        let nat = fill(&self.nationality, 3, "nationality")?;
        let opt2 = fill(&self.optional_data_2, 11, "optional data 2")?;
        // Dates are digits; only the expiry may be all fillers (a card without expiry).
        if !dob.chars().all(|c| c.is_ascii_digit()) {
            return Err(MrzError::Date(dob));
        }
        if doe != "<<<<<<" && !doe.chars().all(|c| c.is_ascii_digit()) {
            return Err(MrzError::Date(doe));
        }
        if !matches!(self.sex, 'M' | 'F' | '<') {
            return Err(MrzError::BadChar(self.sex));
        }
        let line1 = format!("{code}{state}{number}{}{opt1}", cd(&number)?);
        let line2_head = format!(
            "{dob}{}{}{doe}{}{nat}{opt2}",
            cd(&dob)?,
            self.sex,
            cd(&doe)?
        );
        // Composite check digit over line 1 positions 6–30 and line 2 positions 1–7, 9–15, 19–29.
        let composite = format!(
            "{}{}{}{}",
            &line1[5..30],
            &line2_head[0..7],
            &line2_head[8..15],
            &line2_head[18..29]
        );
        let line2 = format!("{line2_head}{}", cd(&composite)?);
        for name in [&self.primary_identifier, &self.secondary_identifier] {
            if let Some(c) = name
                .chars()
                .find(|c| !(c.is_ascii_uppercase() || *c == '<'))
            {
                return Err(MrzError::BadChar(c));
            }
        }
        let line3 = name_field(&self.primary_identifier, &self.secondary_identifier, 30);
        Ok([line1, line2, line3])
    }

    pub fn to_mrz_string(&self) -> Result<String, MrzError> {
        Ok(self.to_lines()?.concat())
    }

    /// Parses 90 characters (or three lines of 30) and checks every check digit.
    pub fn parse(text: &str) -> Result<Td1, MrzError> {
        let s: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
        if s.chars().count() != 90 {
            return Err(MrzError::TextLength(s.chars().count()));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<'))
        {
            return Err(MrzError::BadChar(c));
        }
        let (l1, rest) = s.split_at(30);
        let (l2, l3) = rest.split_at(30);
        let check = |field: &str, digit: &str, name: &'static str| -> Result<(), MrzError> {
            // An all-filler optional field may carry '<' as its check digit (9303-3 §4.9).
            if digit == "<" && field.chars().all(|c| c == '<') {
                return Ok(());
            }
            if cd(field)?.to_string() == digit {
                Ok(())
            } else {
                Err(MrzError::CheckDigit(name))
            }
        };
        check(&l1[5..14], &l1[14..15], "document number")?;
        check(&l2[0..6], &l2[6..7], "date of birth")?;
        check(&l2[8..14], &l2[14..15], "date of expiry")?;
        let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        check(&composite, &l2[29..30], "composite")?;
        let names = l3.trim_end_matches('<');
        let (primary, secondary) = names.split_once("<<").unwrap_or((names, ""));
        Ok(Td1 {
            document_code: l1[0..2].trim_end_matches('<').to_string(),
            issuing_state: l1[2..5].trim_end_matches('<').to_string(),
            document_number: l1[5..14].trim_end_matches('<').to_string(),
            optional_data_1: l1[15..30].trim_end_matches('<').to_string(),
            date_of_birth: l2[0..6].to_string(),
            sex: l2[7..8].chars().next().unwrap_or('<'),
            date_of_expiry: l2[8..14].to_string(),
            nationality: l2[15..18].trim_end_matches('<').to_string(),
            optional_data_2: l2[18..29].trim_end_matches('<').to_string(),
            primary_identifier: primary.to_string(),
            secondary_identifier: secondary.trim_end_matches('<').to_string(),
        })
    }
}

fn yymmdd((y, m, d): (i32, u8, u8)) -> Result<String, MrzError> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || y < 0 {
        return Err(MrzError::Date(format!("{y}-{m}-{d}")));
    }
    Ok(format!("{:02}{m:02}{d:02}", y.rem_euclid(100)))
}

/// The MRZ of a Vietnamese citizen card: document number = the last 9 digits of the 12-digit
/// ID number, the full ID number in optional data 1, VNM as state and nationality, family name
/// (first word) as primary identifier. A card without expiry (holder 58 or older) carries
/// "<<<<<<" as its expiry: that is what BAC then uses.
pub fn td1_for_vietnamese_card(
    id_number_12: &str,
    full_name: &str,
    dob: (i32, u8, u8),
    sex_male: bool,
    expiry: Option<(i32, u8, u8)>,
) -> Result<Td1, MrzError> {
    if id_number_12.len() != 12 || !id_number_12.chars().all(|c| c.is_ascii_digit()) {
        return Err(MrzError::IdNumber);
    }
    let name = transliterate(full_name);
    let (primary, secondary) = name.split_once('<').unwrap_or((&name, ""));
    if primary.is_empty() {
        return Err(MrzError::EmptyName);
    }
    Ok(Td1 {
        document_code: "ID".into(),
        issuing_state: "VNM".into(),
        document_number: id_number_12[3..].to_string(),
        optional_data_1: id_number_12.to_string(),
        date_of_birth: yymmdd(dob)?,
        sex: if sex_male { 'M' } else { 'F' },
        date_of_expiry: match expiry {
            Some(d) => yymmdd(d)?,
            None => "<<<<<<".into(),
        },
        nationality: "VNM".into(),
        optional_data_2: String::new(),
        primary_identifier: primary.to_string(),
        secondary_identifier: secondary.to_string(),
    })
}

/// The MRZ information BAC keys are derived from: document number (padded to 9), birth and
/// expiry dates, each with its check digit (9303-11 §9.7.2).
pub fn bac_mrz_information(
    document_number: &str,
    dob_yymmdd: &str,
    expiry_yymmdd: &str,
) -> Result<String, MrzError> {
    let number = fill(document_number, 9, "document number")?;
    let dob = fill(dob_yymmdd, 6, "date of birth")?;
    let doe = fill(expiry_yymmdd, 6, "date of expiry")?;
    for (v, f) in [
        (dob_yymmdd, "date of birth"),
        (expiry_yymmdd, "date of expiry"),
    ] {
        if v.len() != 6 {
            return Err(MrzError::Length {
                field: f,
                expected: 6,
                actual: v.len(),
            });
        }
    }
    Ok(format!(
        "{number}{}{dob}{}{doe}{}",
        cd(&number)?,
        cd(&dob)?,
        cd(&doe)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_digits_from_9303_3() {
        // 9303-3 §4.9 worked example: 520727 → 3; the Appendix D document number L898902C< → 3.
        assert_eq!(check_digit("520727").unwrap(), 3);
        assert_eq!(check_digit("L898902C<").unwrap(), 3);
        assert_eq!(check_digit("690806").unwrap(), 1);
        assert_eq!(check_digit("940623").unwrap(), 6);
        assert!(check_digit("abc").is_err());
    }

    #[test]
    fn icao_td1_specimen_parses_and_rebuilds() {
        let text = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let td1 = Td1::parse(text).unwrap();
        assert_eq!(td1.document_number, "D23145890");
        assert_eq!(td1.date_of_birth, "740812");
        assert_eq!(td1.sex, 'F');
        assert_eq!(td1.primary_identifier, "ERIKSSON");
        assert_eq!(td1.secondary_identifier, "ANNA<MARIA");
        assert_eq!(
            td1.to_mrz_string().unwrap(),
            text.replacen("I<", "I", 1).replacen("IUTO", "I<UTO", 1)
        );
        let mut bad = text.to_string();
        bad.replace_range(14..15, "8");
        assert_eq!(
            Td1::parse(&bad),
            Err(MrzError::CheckDigit("document number"))
        );
        assert!(Td1::parse("SHORT").is_err());
    }

    #[test]
    fn vietnamese_names_and_card() {
        assert_eq!(
            transliterate("Nguyễn Thị Thúy Hằng"),
            "NGUYEN<THI<THUY<HANG"
        );
        assert_eq!(transliterate("Đặng Văn Lâm"), "DANG<VAN<LAM");
        assert_eq!(transliterate("H'Hen Niê"), "HHEN<NIE");
        let td1 = td1_for_vietnamese_card(
            "001095012345",
            "Nguyễn Văn An",
            (1995, 5, 12),
            true,
            Some((2020, 5, 12)),
        )
        .unwrap();
        let lines = td1.to_lines().unwrap();
        assert_eq!(
            lines[0],
            format!(
                "IDVNM095012345{}001095012345<<<",
                check_digit("095012345").unwrap()
            )
        );
        assert_eq!(&lines[1][..15], "9505128M2005124");
        assert_eq!(lines[2], "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<");
        assert_eq!(Td1::parse(&lines.concat()).unwrap(), td1);
        let old = td1_for_vietnamese_card("001955012345", "Trần Thị B", (1955, 1, 2), false, None)
            .unwrap();
        assert_eq!(&old.to_lines().unwrap()[1][8..15], "<<<<<<0");
    }

    #[test]
    fn long_names_are_truncated_by_the_rules() {
        let td1 = td1_for_vietnamese_card(
            "079300012345",
            "Nguyễn Huỳnh Thị Ngọc Phương Thảo Quỳnh Anh",
            (2000, 1, 1),
            false,
            Some((2025, 1, 1)),
        )
        .unwrap();
        let line3 = &td1.to_lines().unwrap()[2];
        assert_eq!(line3.len(), 30);
        assert!(line3.starts_with("NGUYEN<<"));
        assert!(
            line3.chars().last().unwrap().is_ascii_alphabetic(),
            "{line3}"
        );
    }

    #[test]
    fn bac_mrz_information_from_appendix_d() {
        assert_eq!(
            bac_mrz_information("L898902C", "690806", "940623").unwrap(),
            "L898902C<369080619406236"
        );
        assert!(bac_mrz_information("L898902C", "6908", "940623").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,100}") {
            let _ = Td1::parse(&s);
            let _ = transliterate(&s);
        }
        #[test]
        fn parse_mrz_alphabet_never_panics(s in "[A-Z0-9<]{90}") {
            let _ = Td1::parse(&s);
        }
    }
}
