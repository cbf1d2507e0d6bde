//! A small byte-template language so that a chip model's personalization commands are data.
//!
//! ```text
//! template := item*
//! item     := HEX            literal bytes, e.g. "00 DA 00 62" or "6304"
//!           | {name:N}       a variable of exactly N bytes
//!           | {name}         a variable of any length (last item of its scope when matching)
//!           | tlv(TAG, template)   a BER-TLV data object whose value is the inner template
//! ```
//!
//! The station *builds* commands from templates; the virtual card *matches* received commands
//! against the same templates, so one profile file drives both ends.

use std::collections::BTreeMap;

/// Variable values by name.
pub type Vars = BTreeMap<String, Vec<u8>>;

const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template syntax error at character {pos}: {what}")]
    Syntax { pos: usize, what: &'static str },
    #[error("template variable {{{0}}} has no value")]
    MissingVar(String),
    #[error("template variable {{{name}}} must be {expected} bytes, got {actual}")]
    VarLength {
        name: String,
        expected: usize,
        actual: usize,
    },
    #[error("bytes do not match the template")]
    NoMatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(Vec<u8>),
    Var { name: String, len: Option<usize> },
    Tlv { tag: u32, inner: Vec<Item> },
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    items: Vec<Item>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let chars: Vec<char> = source.chars().collect();
        let mut p = Parser {
            chars: &chars,
            pos: 0,
        };
        let items = p.items(0)?;
        p.skip_ws();
        if p.pos != chars.len() {
            return Err(TemplateError::Syntax {
                pos: p.pos,
                what: "unexpected character",
            });
        }
        Ok(Template {
            source: source.to_string(),
            items,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Names of the variables the template uses.
    pub fn variables(&self) -> Vec<String> {
        fn walk(items: &[Item], out: &mut Vec<String>) {
            for i in items {
                match i {
                    Item::Var { name, .. } => out.push(name.clone()),
                    Item::Tlv { inner, .. } => walk(inner, out),
                    Item::Literal(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }

    /// Produces the bytes with the given variable values.
    pub fn build(&self, vars: &Vars) -> Result<Vec<u8>, TemplateError> {
        let mut out = Vec::new();
        build_items(&self.items, vars, &mut out)?;
        Ok(out)
    }

    /// Matches `bytes` completely, returning the variable values found.
    pub fn match_bytes(&self, bytes: &[u8]) -> Result<Vars, TemplateError> {
        let mut vars = Vars::new();
        match_items(&self.items, bytes, &mut vars)?;
        Ok(vars)
    }

    /// Smallest number of bytes the template produces when every variable of unknown length
    /// is empty: used to size write chunks so a command fits the APDU limit.
    pub fn fixed_overhead(&self) -> usize {
        fn walk(items: &[Item]) -> usize {
            items
                .iter()
                .map(|i| match i {
                    Item::Literal(b) => b.len(),
                    Item::Var { len, .. } => len.unwrap_or(0),
                    // Tag up to 3 bytes, length up to 3 bytes for values below 64 KiB.
                    Item::Tlv { inner, .. } => 6 + walk(inner),
                })
                .sum()
        }
        walk(&self.items)
    }
}

fn build_items(items: &[Item], vars: &Vars, out: &mut Vec<u8>) -> Result<(), TemplateError> {
    for item in items {
        match item {
            Item::Literal(b) => out.extend_from_slice(b),
            Item::Var { name, len } => {
                let v = vars
                    .get(name)
                    .ok_or_else(|| TemplateError::MissingVar(name.clone()))?;
                if let Some(n) = len {
                    if v.len() != *n {
                        return Err(TemplateError::VarLength {
                            name: name.clone(),
                            expected: *n,
                            actual: v.len(),
                        });
                    }
                }
                out.extend_from_slice(v);
            }
            Item::Tlv { tag, inner } => {
                let mut value = Vec::new();
                build_items(inner, vars, &mut value)?;
                out.extend_from_slice(&iso7816::tlv::encode(*tag, &value));
            }
        }
    }
    Ok(())
}

fn match_items(items: &[Item], mut bytes: &[u8], vars: &mut Vars) -> Result<(), TemplateError> {
    for (idx, item) in items.iter().enumerate() {
        match item {
            Item::Literal(b) => {
                bytes = bytes
                    .strip_prefix(b.as_slice())
                    .ok_or(TemplateError::NoMatch)?;
            }
            Item::Var { name, len: Some(n) } => {
                let (v, rest) = bytes.split_at_checked(*n).ok_or(TemplateError::NoMatch)?;
                bind(vars, name, v)?;
                bytes = rest;
            }
            Item::Var { name, len: None } => {
                if idx + 1 != items.len() {
                    return Err(TemplateError::NoMatch);
                }
                bind(vars, name, bytes)?;
                bytes = &[];
            }
            Item::Tlv { tag, inner } => {
                let mut r = iso7816::TlvReader::new(bytes);
                let t = r.expect(*tag).map_err(|_| TemplateError::NoMatch)?;
                match_items(inner, t.value, vars)?;
                bytes = r.remaining();
            }
        }
    }
    if bytes.is_empty() {
        Ok(())
    } else {
        Err(TemplateError::NoMatch)
    }
}

fn bind(vars: &mut Vars, name: &str, value: &[u8]) -> Result<(), TemplateError> {
    // A variable used twice must carry the same bytes both times.
    match vars.get(name) {
        Some(old) if old != value => Err(TemplateError::NoMatch),
        _ => {
            vars.insert(name.to_string(), value.to_vec());
            Ok(())
        }
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_whitespace() || c == ',') {
            self.pos += 1;
        }
    }
    fn err(&self, what: &'static str) -> TemplateError {
        TemplateError::Syntax {
            pos: self.pos,
            what,
        }
    }
    fn items(&mut self, depth: usize) -> Result<Vec<Item>, TemplateError> {
        if depth > MAX_DEPTH {
            return Err(self.err("tlv() nested too deeply"));
        }
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(')') => return Ok(items),
                Some('{') => items.push(self.var()?),
                Some('t') => items.push(self.tlv(depth)?),
                Some(c) if c.is_ascii_hexdigit() => {
                    let bytes = self.hex()?;
                    match items.last_mut() {
                        Some(Item::Literal(prev)) => prev.extend_from_slice(&bytes),
                        _ => items.push(Item::Literal(bytes)),
                    }
                }
                Some(_) => return Err(self.err("expected hex bytes, {variable} or tlv(")),
            }
        }
    }
    fn hex(&mut self) -> Result<Vec<u8>, TemplateError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        if !s.len().is_multiple_of(2) {
            return Err(TemplateError::Syntax {
                pos: start,
                what: "odd number of hex digits",
            });
        }
        hex::decode(&s).map_err(|_| TemplateError::Syntax {
            pos: start,
            what: "bad hex",
        })
    }
    fn var(&mut self) -> Result<Item, TemplateError> {
        self.pos += 1; // '{'
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if name.is_empty() {
            return Err(self.err("empty variable name"));
        }
        let mut len = None;
        if self.peek() == Some(':') {
            self.pos += 1;
            let s = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            let digits: String = self.chars[s..self.pos].iter().collect();
            len = Some(
                digits
                    .parse::<usize>()
                    .map_err(|_| self.err("bad variable length"))?,
            );
        }
        if self.peek() != Some('}') {
            return Err(self.err("expected }"));
        }
        self.pos += 1;
        Ok(Item::Var { name, len })
    }
    fn tlv(&mut self, depth: usize) -> Result<Item, TemplateError> {
        let kw: String = self.chars[self.pos..].iter().take(4).collect();
        if kw != "tlv(" {
            return Err(self.err("expected tlv("));
        }
        self.pos += 4;
        self.skip_ws();
        let tag_bytes = self.hex()?;
        if tag_bytes.is_empty() || tag_bytes.len() > 3 {
            return Err(self.err("tag must be 1 to 3 bytes"));
        }
        let tag = tag_bytes.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32);
        let inner = self.items(depth + 1)?;
        if self.peek() != Some(')') {
            return Err(self.err("expected )"));
        }
        self.pos += 1;
        Ok(Item::Tlv { tag, inner })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vars(pairs: &[(&str, &[u8])]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    #[test]
    fn builds_and_matches_create_file() {
        let t = Template::parse("63 04 {size:2} {fid:2}").unwrap();
        let v = vars(&[("size", &[0x12, 0x34]), ("fid", &[0x01, 0x1E])]);
        let bytes = t.build(&v).unwrap();
        assert_eq!(bytes, [0x63, 0x04, 0x12, 0x34, 0x01, 0x1E]);
        assert_eq!(t.match_bytes(&bytes).unwrap(), v);
        assert_eq!(
            t.match_bytes(&[0x63, 0x04, 0x12]),
            Err(TemplateError::NoMatch)
        );
    }

    #[test]
    fn nested_tlv_round_trip() {
        let t = Template::parse("tlv(62, tlv(04 {document_number}) tlv(04 {date_of_birth:6}), tlv(04, {date_of_expiry:6}))")
            .unwrap();
        let v = vars(&[
            ("document_number", b"095012345"),
            ("date_of_birth", b"950512"),
            ("date_of_expiry", b"200512"),
        ]);
        let bytes = t.build(&v).unwrap();
        assert_eq!(&bytes[..4], &[0x62, 0x1B, 0x04, 0x09]);
        assert_eq!(t.match_bytes(&bytes).unwrap(), v);
        assert_eq!(
            t.variables(),
            ["document_number", "date_of_birth", "date_of_expiry"]
        );
    }

    #[test]
    fn reports_errors() {
        assert!(matches!(
            Template::parse("0"),
            Err(TemplateError::Syntax { .. })
        ));
        assert!(matches!(
            Template::parse("{x"),
            Err(TemplateError::Syntax { .. })
        ));
        assert!(matches!(
            Template::parse("tlv(62 {x}"),
            Err(TemplateError::Syntax { .. })
        ));
        assert!(matches!(
            Template::parse("zz"),
            Err(TemplateError::Syntax { .. })
        ));
        let t = Template::parse("{a:2}").unwrap();
        assert!(matches!(
            t.build(&vars(&[("a", &[1])])),
            Err(TemplateError::VarLength { .. })
        ));
        assert!(matches!(
            t.build(&Vars::new()),
            Err(TemplateError::MissingVar(_))
        ));
        let deep = "tlv(30 ".repeat(20) + &")".repeat(20);
        assert!(Template::parse(&deep).is_err());
    }

    proptest! {
        #[test]
        fn match_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let t = Template::parse("tlv(62, tlv(04 {a}) tlv(04 {b:6}) 01 {rest})").unwrap();
            let _ = t.match_bytes(&bytes);
        }
        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = Template::parse(&s);
        }
    }
}
