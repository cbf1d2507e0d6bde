//! Command and response APDUs, ISO/IEC 7816-4 §5.1 (short and extended length).

use crate::sw::StatusWord;
use std::fmt;

/// Largest Ne a short APDU can ask for (Le = 00).
pub const SHORT_MAX_NE: usize = 256;
/// Largest Nc a short APDU can carry.
pub const SHORT_MAX_NC: usize = 255;
/// Largest Ne an extended APDU can ask for (Le = 0000).
pub const EXTENDED_MAX_NE: usize = 65_536;
/// Largest Nc an extended APDU can carry.
pub const EXTENDED_MAX_NC: usize = 65_535;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("APDU shorter than its header ({0} bytes)")]
    TooShort(usize),
    #[error("APDU length fields do not match its size ({0} bytes)")]
    BadLength(usize),
    #[error("command data of {0} bytes does not fit an APDU")]
    DataTooLong(usize),
    #[error("expected length Ne = {0} is not between 1 and 65536")]
    BadNe(usize),
    #[error("response APDU shorter than its status word ({0} bytes)")]
    ResponseTooShort(usize),
}

/// A command APDU. `ne` is the expected response length Ne: `None` when no Le field is sent,
/// `Some(256)` for a short "00", `Some(65536)` for an extended "0000".
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub ne: Option<usize>,
}

impl CommandApdu {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            ne: None,
        }
    }
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }
    pub fn with_ne(mut self, ne: usize) -> Self {
        self.ne = Some(ne);
        self
    }

    /// True when the APDU needs extended length fields (Nc > 255 or Ne > 256).
    pub fn needs_extended(&self) -> bool {
        self.data.len() > SHORT_MAX_NC || self.ne.is_some_and(|ne| ne > SHORT_MAX_NE)
    }

    /// Encodes the APDU, choosing short length fields when they suffice (§5.1, cases 1–4).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        self.encode(self.needs_extended())
    }

    /// Encodes with extended length fields whenever `extended` is set or required.
    pub fn encode(&self, extended: bool) -> Result<Vec<u8>, ApduError> {
        let nc = self.data.len();
        if nc > EXTENDED_MAX_NC {
            return Err(ApduError::DataTooLong(nc));
        }
        if let Some(ne) = self.ne {
            if ne == 0 || ne > EXTENDED_MAX_NE {
                return Err(ApduError::BadNe(ne));
            }
        }
        let extended = extended || self.needs_extended();
        let mut out = Vec::with_capacity(4 + 3 + nc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if extended {
            if nc > 0 {
                out.push(0);
                out.extend_from_slice(&(nc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                if nc == 0 {
                    out.push(0);
                }
                out.extend_from_slice(&((ne % EXTENDED_MAX_NE) as u16).to_be_bytes());
            }
        } else {
            if nc > 0 {
                out.push(nc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                out.push((ne % SHORT_MAX_NE) as u8);
            }
        }
        Ok(out)
    }

    /// Parses a command APDU as a card receives it (cases 1, 2S, 3S, 4S, 2E, 3E, 4E).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let n = bytes.len();
        let (header, body) = match bytes.split_first_chunk::<4>() {
            Some((h, b)) => (h, b),
            None => return Err(ApduError::TooShort(n)),
        };
        let mut cmd = CommandApdu::new(header[0], header[1], header[2], header[3]);
        let short_ne = |b: u8| if b == 0 { SHORT_MAX_NE } else { b as usize };
        let ext_ne = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => EXTENDED_MAX_NE,
            v => v as usize,
        };
        match body {
            [] => {}
            [le] => cmd.ne = Some(short_ne(*le)),
            [0, hi, lo] => cmd.ne = Some(ext_ne(*hi, *lo)),
            [0, hi, lo, rest @ ..] => {
                // Extended Lc (case 3E/4E).
                let nc = u16::from_be_bytes([*hi, *lo]) as usize;
                if nc == 0 {
                    return Err(ApduError::BadLength(n));
                }
                match rest.len().checked_sub(nc) {
                    Some(0) => cmd.data = rest.to_vec(),
                    Some(2) => {
                        cmd.data = rest[..nc].to_vec();
                        cmd.ne = Some(ext_ne(rest[nc], rest[nc + 1]));
                    }
                    _ => return Err(ApduError::BadLength(n)),
                }
            }
            [lc, rest @ ..] => {
                let nc = *lc as usize;
                match rest.len().checked_sub(nc) {
                    Some(0) => cmd.data = rest.to_vec(),
                    Some(1) => {
                        cmd.data = rest[..nc].to_vec();
                        cmd.ne = Some(short_ne(rest[nc]));
                    }
                    _ => return Err(ApduError::BadLength(n)),
                }
            }
        }
        Ok(cmd)
    }
}

impl fmt::Debug for CommandApdu {
    // Hex only, and the data is not printed: command data may carry personal data or keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "C-APDU {:02X} {:02X} {:02X} {:02X} Nc={} Ne={:?}",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.ne
        )
    }
}

/// A response APDU: response data and the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl ResponseApdu {
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        ResponseApdu {
            data: data.into(),
            sw,
        }
    }
    pub fn status(sw: StatusWord) -> Self {
        ResponseApdu {
            data: Vec::new(),
            sw,
        }
    }
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes.split_last_chunk::<2>() {
            Some((data, sw)) => Ok(ResponseApdu {
                data: data.to_vec(),
                sw: StatusWord::new(sw[0], sw[1]),
            }),
            None => Err(ApduError::ResponseTooShort(bytes.len())),
        }
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

impl fmt::Debug for ResponseApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R-APDU {} bytes {:?}", self.data.len(), self.sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn encodes_the_four_cases_short_and_extended() {
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        assert_eq!(select.to_bytes().unwrap(), hex("00A4020C02011E"));
        let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_ne(256);
        assert_eq!(read.to_bytes().unwrap(), hex("00B0000000"));
        assert_eq!(read.encode(true).unwrap(), hex("00B00000000100"));
        let big = CommandApdu::new(0x00, 0xB0, 0x01, 0x00).with_ne(1000);
        assert_eq!(big.to_bytes().unwrap(), hex("00B0010000 03E8"));
        let write = CommandApdu::new(0x00, 0xD6, 0, 0)
            .with_data(vec![0xAA; 300])
            .with_ne(65536);
        let bytes = write.to_bytes().unwrap();
        assert_eq!(&bytes[..7], &hex("00D60000 00012C")[..]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0, 0]);
        assert_eq!(
            CommandApdu::new(0, 0x84, 0, 0).to_bytes().unwrap(),
            hex("00840000")
        );
    }

    #[test]
    fn parses_what_it_encodes() {
        for cmd in [
            CommandApdu::new(0x0C, 0xB0, 0, 4).with_ne(18),
            CommandApdu::new(0, 0xA4, 4, 0x0C).with_data(vec![0xA0, 0, 0, 2, 0x47, 0x10, 1]),
            CommandApdu::new(0, 0x82, 0, 0)
                .with_data(vec![1; 40])
                .with_ne(40),
            CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![1; 4000]),
            CommandApdu::new(0, 0xB0, 0, 0).with_ne(65536),
            CommandApdu::new(0, 0xB0, 0, 0)
                .with_data(vec![7; 300])
                .with_ne(2),
        ] {
            for ext in [false, true] {
                let bytes = cmd.encode(ext).unwrap();
                assert_eq!(CommandApdu::parse(&bytes).unwrap(), cmd, "{bytes:02X?}");
            }
        }
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        assert_eq!(CommandApdu::parse(&[0, 0xA4]), Err(ApduError::TooShort(2)));
        assert!(CommandApdu::parse(&hex("00A4020C03011E")).is_err());
        assert!(CommandApdu::parse(&hex("00D60000000000AA")).is_err());
        assert!(ResponseApdu::parse(&[0x90]).is_err());
        assert!(CommandApdu::new(0, 0, 0, 0).with_ne(0).to_bytes().is_err());
        assert!(CommandApdu::new(0, 0, 0, 0)
            .with_data(vec![0; 65536])
            .to_bytes()
            .is_err());
    }

    #[test]
    fn response_splits_status() {
        let r = ResponseApdu::parse(&hex("60145F019000")).unwrap();
        assert_eq!(r.data, hex("60145F01"));
        assert!(r.sw.is_success());
        assert_eq!(r.to_bytes(), hex("60145F019000"));
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(cmd) = CommandApdu::parse(&bytes) {
                // Whatever parses re-encodes to a parseable APDU with the same meaning.
                let again = CommandApdu::parse(&cmd.encode(bytes.len() > 4 && bytes[4] == 0).unwrap()).unwrap();
                prop_assert_eq!(again, cmd);
            }
            let _ = ResponseApdu::parse(&bytes);
        }
    }
}
