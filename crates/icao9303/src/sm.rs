//! Secure messaging with 3DES and retail MAC (ICAO 9303-11 §9.8), terminal and chip side,
//! short and extended length. Data objects: 87 (encrypted data with padding-content indicator
//! 01; 85 for an odd INS, ISO/IEC 7816-4 §10.3.1), 97 (Le), 99 (status word), 8E (MAC).

use crate::bac::SessionKeys;
use crate::crypto::{decrypt_padded, encrypt_padded, mac_equal, pad, retail_mac};
use iso7816::{tlv, CommandApdu, ResponseApdu, StatusWord, TlvReader};
use zeroize::{Zeroize, ZeroizeOnDrop};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmError {
    #[error("the chip answered {0} without secure messaging (session ended)")]
    CardStatus(StatusWord),
    #[error("secure messaging MAC check failed")]
    Mac,
    #[error("secure messaging data object {0:02X} missing")]
    Missing(u8),
    #[error("malformed secure messaging data: {0}")]
    Malformed(String),
    #[error("command is not protected (CLA {0:02X})")]
    NotProtected(u8),
    #[error("command too large to protect: {0}")]
    TooLarge(String),
}

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct Keys {
    enc: [u8; 16],
    mac: [u8; 16],
    ssc: u64,
}

impl Keys {
    fn from(k: SessionKeys) -> Keys {
        Keys {
            enc: k.ks_enc,
            mac: k.ks_mac,
            ssc: u64::from_be_bytes(k.ssc),
        }
    }
    fn next_ssc(&mut self) -> [u8; 8] {
        self.ssc = self.ssc.wrapping_add(1);
        self.ssc.to_be_bytes()
    }
    fn mac_over(&self, ssc: &[u8; 8], parts: &[&[u8]]) -> [u8; 8] {
        let mut m = Vec::with_capacity(64);
        m.extend_from_slice(ssc);
        for p in parts {
            m.extend_from_slice(p);
        }
        retail_mac(&self.mac, &pad(&m))
    }
}

fn padded_header(cla: u8, ins: u8, p1: u8, p2: u8) -> Vec<u8> {
    pad(&[cla, ins, p1, p2])
}

/// DO97 carrying Ne: one byte (00 = 256) in short form, two (0000 = 65536) in extended.
fn do97(ne: usize, extended: bool) -> Vec<u8> {
    if extended {
        tlv::encode(0x97, &((ne % 65536) as u16).to_be_bytes())
    } else {
        tlv::encode(0x97, &[(ne % 256) as u8])
    }
}

/// The terminal's secure messaging.
pub struct SecureMessaging {
    keys: Keys,
}

impl SecureMessaging {
    pub fn new(keys: SessionKeys) -> Self {
        SecureMessaging {
            keys: Keys::from(keys),
        }
    }
    pub fn ssc(&self) -> u64 {
        self.keys.ssc
    }

    /// Protects a plain command (9303-11 §9.8.6.1, Appendix D.4).
    pub fn wrap(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        let cla = cmd.cla | 0x0C;
        let extended = cmd.ne.is_some_and(|ne| ne > 256);
        let mut body = Vec::new();
        if !cmd.data.is_empty() {
            let cipher = encrypt_padded(&self.keys.enc, &cmd.data);
            if cmd.ins & 1 == 1 {
                body.extend_from_slice(&tlv::encode(0x85, &cipher));
            } else {
                let mut v = Vec::with_capacity(cipher.len() + 1);
                v.push(0x01);
                v.extend_from_slice(&cipher);
                body.extend_from_slice(&tlv::encode(0x87, &v));
            }
        }
        if let Some(ne) = cmd.ne {
            body.extend_from_slice(&do97(ne, extended));
        }
        let ssc = self.keys.next_ssc();
        let mac = self
            .keys
            .mac_over(&ssc, &[&padded_header(cla, cmd.ins, cmd.p1, cmd.p2), &body]);
        body.extend_from_slice(&tlv::encode(0x8E, &mac));
        if body.len() > iso7816::apdu::EXTENDED_MAX_NC {
            return Err(SmError::TooLarge(format!("{} bytes", body.len())));
        }
        let extended = extended || body.len() > 255;
        Ok(CommandApdu::new(cla, cmd.ins, cmd.p1, cmd.p2)
            .with_data(body)
            .with_ne(if extended { 65536 } else { 256 }))
    }

    /// Checks and removes the protection of a response.
    pub fn unwrap(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        let ssc = self.keys.next_ssc();
        let mut r = TlvReader::new(&resp.data);
        let mut do87 = None;
        let mut do99 = None;
        let mut do8e = None;
        while let Some(t) = r.read().map_err(|e| SmError::Malformed(e.to_string()))? {
            match t.tag {
                0x87 | 0x85 if do87.is_none() && do99.is_none() => do87 = Some(t),
                0x99 if do99.is_none() => do99 = Some(t),
                0x8E if do8e.is_none() => do8e = Some(t),
                other => {
                    return Err(SmError::Malformed(format!(
                        "unexpected data object {other:X}"
                    )))
                }
            }
        }
        let Some(mac) = do8e else {
            if resp.data.is_empty() && resp.sw != StatusWord::SUCCESS {
                return Err(SmError::CardStatus(resp.sw));
            }
            return Err(SmError::Missing(0x8E));
        };
        let do99 = do99.ok_or(SmError::Missing(0x99))?;
        let mut covered = Vec::new();
        if let Some(t) = do87 {
            covered.extend_from_slice(t.raw);
        }
        covered.extend_from_slice(do99.raw);
        if !mac_equal(&self.keys.mac_over(&ssc, &[&covered]), mac.value) {
            return Err(SmError::Mac);
        }
        let sw: [u8; 2] = do99
            .value
            .try_into()
            .map_err(|_| SmError::Malformed("DO99 is not 2 bytes".into()))?;
        let data = match do87 {
            None => Vec::new(),
            Some(t) => {
                let cipher = if t.tag == 0x87 {
                    match t.value.split_first() {
                        Some((0x01, c)) => c,
                        _ => {
                            return Err(SmError::Malformed(
                                "DO87 padding indicator is not 01".into(),
                            ))
                        }
                    }
                } else {
                    t.value
                };
                decrypt_padded(&self.keys.enc, cipher)
                    .map_err(|e| SmError::Malformed(e.to_string()))?
            }
        };
        Ok(ResponseApdu::new(data, StatusWord::new(sw[0], sw[1])))
    }
}

/// The chip's secure messaging.
pub struct CardSecureMessaging {
    keys: Keys,
}

impl CardSecureMessaging {
    pub fn new(keys: SessionKeys) -> Self {
        CardSecureMessaging {
            keys: Keys::from(keys),
        }
    }
    pub fn ssc(&self) -> u64 {
        self.keys.ssc
    }

    /// Checks and removes the protection of a command.
    pub fn unwrap_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        if cmd.cla & 0x0C != 0x0C {
            return Err(SmError::NotProtected(cmd.cla));
        }
        let ssc = self.keys.next_ssc();
        let mut r = TlvReader::new(&cmd.data);
        let mut data_do = None;
        let mut do97 = None;
        let mut do8e = None;
        while let Some(t) = r.read().map_err(|e| SmError::Malformed(e.to_string()))? {
            match t.tag {
                0x87 | 0x85 if data_do.is_none() && do97.is_none() && do8e.is_none() => {
                    data_do = Some(t)
                }
                0x97 if do97.is_none() && do8e.is_none() => do97 = Some(t),
                0x8E if do8e.is_none() => do8e = Some(t),
                other => {
                    return Err(SmError::Malformed(format!(
                        "unexpected data object {other:X}"
                    )))
                }
            }
        }
        let mac = do8e.ok_or(SmError::Missing(0x8E))?;
        let mut covered = padded_header(cmd.cla, cmd.ins, cmd.p1, cmd.p2);
        if let Some(t) = data_do {
            covered.extend_from_slice(t.raw);
        }
        if let Some(t) = do97 {
            covered.extend_from_slice(t.raw);
        }
        if !mac_equal(&self.keys.mac_over(&ssc, &[&covered]), mac.value) {
            return Err(SmError::Mac);
        }
        let data = match data_do {
            None => Vec::new(),
            Some(t) => {
                let cipher = match (t.tag, t.value.split_first()) {
                    (0x87, Some((0x01, c))) => c,
                    (0x85, _) => t.value,
                    _ => {
                        return Err(SmError::Malformed(
                            "DO87 padding indicator is not 01".into(),
                        ))
                    }
                };
                decrypt_padded(&self.keys.enc, cipher)
                    .map_err(|e| SmError::Malformed(e.to_string()))?
            }
        };
        let ne = match do97.map(|t| t.value) {
            None => None,
            Some([0]) => Some(256),
            Some([n]) => Some(*n as usize),
            Some([0, 0]) => Some(65536),
            Some([hi, lo]) => Some(u16::from_be_bytes([*hi, *lo]) as usize),
            Some(_) => return Err(SmError::Malformed("DO97 longer than 2 bytes".into())),
        };
        Ok(CommandApdu {
            cla: cmd.cla & !0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            ne,
        })
    }

    /// Protects a response: DO87 (if data), DO99, DO8E; the status word is repeated outside.
    pub fn wrap_response(&mut self, resp: &ResponseApdu) -> ResponseApdu {
        let ssc = self.keys.next_ssc();
        let mut body = Vec::new();
        if !resp.data.is_empty() {
            let mut v = vec![0x01];
            v.extend_from_slice(&encrypt_padded(&self.keys.enc, &resp.data));
            body.extend_from_slice(&tlv::encode(0x87, &v));
        }
        body.extend_from_slice(&tlv::encode(0x99, &resp.sw.to_bytes()));
        let mac = self.keys.mac_over(&ssc, &[&body]);
        body.extend_from_slice(&tlv::encode(0x8E, &mac));
        ResponseApdu::new(body, resp.sw)
    }
}

fn length_octets(n: usize) -> usize {
    match n {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    }
}

/// Size of the protected response data (before SW) carrying `plain` bytes.
pub fn protected_response_len(plain: usize) -> usize {
    let tail = 4 + 10; // DO99 + DO8E
    if plain == 0 {
        return tail;
    }
    let inner = 1 + (plain / 8 + 1) * 8;
    1 + length_octets(inner) + inner + tail
}

/// The most plain data a protected response of at most `max_response_data` bytes carries:
/// what a reader should ask for per READ BINARY.
pub fn max_plain_response(max_response_data: usize) -> usize {
    let mut p = max_response_data.saturating_sub(14);
    while p > 0 && protected_response_len(p) > max_response_data {
        p -= 1;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn response_sizes() {
        assert_eq!(max_plain_response(256), 231);
        assert_eq!(protected_response_len(231), 250);
        assert_eq!(protected_response_len(232), 258);
        for max in [64, 128, 256, 1000, 4096, 65536] {
            let p = max_plain_response(max);
            assert!(protected_response_len(p) <= max);
            assert!(protected_response_len(p + 1) > max);
        }
    }

    fn pair() -> (SecureMessaging, CardSecureMessaging) {
        let keys = || SessionKeys {
            ks_enc: [0x11; 16],
            ks_mac: [0x22; 16],
            ssc: [0, 0, 0, 0, 0, 0, 0, 7],
        };
        (
            SecureMessaging::new(keys()),
            CardSecureMessaging::new(keys()),
        )
    }

    #[test]
    fn wrap_sizes_match_what_travels() {
        let (mut t, mut c) = pair();
        for plain in 0..=1200usize {
            let data = vec![0x5A; plain];
            let wrapped = c.wrap_response(&ResponseApdu::new(data.clone(), StatusWord::SUCCESS));
            assert_eq!(wrapped.data.len(), protected_response_len(plain));
            assert_eq!(t.unwrap(&wrapped).unwrap().data, data);
        }
    }

    #[test]
    fn tampering_is_detected() {
        let (mut t, mut c) = pair();
        let cmd = t.wrap(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(4)).unwrap();
        let mut bad = cmd.clone();
        bad.p2 = 1;
        assert_eq!(c.unwrap_command(&bad), Err(SmError::Mac));
        // Counters are now out of step: the next honest command fails too.
        assert_eq!(c.unwrap_command(&cmd), Err(SmError::Mac));
        let (mut t, mut c) = pair();
        let cmd = t.wrap(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(4)).unwrap();
        c.unwrap_command(&cmd).unwrap();
        let mut resp = c.wrap_response(&ResponseApdu::new(vec![1, 2, 3, 4], StatusWord::SUCCESS));
        let n = resp.data.len();
        resp.data[n - 1] ^= 0x80;
        assert_eq!(t.unwrap(&resp), Err(SmError::Mac));
        assert_eq!(
            t.unwrap(&ResponseApdu::status(StatusWord(0x6988))),
            Err(SmError::CardStatus(StatusWord(0x6988)))
        );
        assert!(matches!(
            c.unwrap_command(&CommandApdu::new(0, 0xB0, 0, 0)),
            Err(SmError::NotProtected(0))
        ));
    }

    #[test]
    fn round_trip_short_and_extended() {
        let (mut t, mut c) = pair();
        for cmd in [
            CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]),
            CommandApdu::new(0, 0xB0, 0x12, 0x34).with_ne(256),
            CommandApdu::new(0, 0xB0, 0, 0).with_ne(65536),
            CommandApdu::new(0, 0xB0, 0, 0).with_ne(3000),
            CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![9; 300]),
            CommandApdu::new(0, 0x88, 0, 0)
                .with_data(vec![7; 8])
                .with_ne(256),
            CommandApdu::new(0, 0xB1, 0, 0)
                .with_data(vec![0x54, 2, 0x80, 0])
                .with_ne(100),
        ] {
            let wrapped = t.wrap(&cmd).unwrap();
            let bytes = wrapped.to_bytes().unwrap();
            let parsed = CommandApdu::parse(&bytes).unwrap();
            assert_eq!(c.unwrap_command(&parsed).unwrap(), cmd);
            let answer = ResponseApdu::new(
                vec![0xAB; cmd.ne.unwrap_or(0).min(2000)],
                StatusWord::SUCCESS,
            );
            let r = c.wrap_response(&answer);
            assert_eq!(t.unwrap(&r).unwrap(), answer);
        }
        // An error status travels protected, and outside too.
        let r = c.wrap_response(&ResponseApdu::status(StatusWord::FILE_NOT_FOUND));
        assert_eq!(r.sw, StatusWord::FILE_NOT_FOUND);
        assert_eq!(t.unwrap(&r).unwrap().sw, StatusWord::FILE_NOT_FOUND);
    }

    proptest! {
        #[test]
        fn unwrap_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300), sw in any::<u16>(), ins in any::<u8>()) {
            let (mut t, mut c) = pair();
            let _ = t.unwrap(&ResponseApdu::new(data.clone(), StatusWord(sw)));
            let _ = c.unwrap_command(&CommandApdu::new(0x0C, ins, 0, 0).with_data(data));
        }
    }
}
