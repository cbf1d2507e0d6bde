//! The terminal's side of the ICAO 9303-11 access protocol over a [`CardTransport`]: selecting
//! the LDS application, Basic Access Control (§4.3), and reading files under 3DES secure
//! messaging (§9.8) in as few READ BINARY commands as the chip allows.

use crate::ChipError;
use cardreader::CardTransport;
use icao9303::bac::{get_challenge_command, BacKeys, BacTerminal};
use icao9303::sm::{max_plain_response, SecureMessaging, SmError};
use iso7816::{CommandApdu, ResponseApdu, StatusWord};
use ring::rand::{SecureRandom, SystemRandom};

/// The eMRTD LDS1 application (9303-10 §3.1).
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Largest file this reader accepts (READ BINARY with a 15-bit offset addresses 32 KiB; a
/// chip claiming more is refused rather than trusted with memory).
pub const MAX_FILE: usize = 0x8000 + 0x1000;

/// Most plain data a short-APDU protected READ BINARY answer can carry (231 bytes).
pub fn short_chunk() -> usize {
    max_plain_response(256)
}

/// SELECT by AID without FCI (P2 = 0C), plain.
pub fn select_application<T: CardTransport + ?Sized>(
    t: &mut T,
    aid: &[u8],
) -> Result<(), ChipError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid.to_vec());
    let r = t.transmit(&cmd)?;
    if !r.sw.is_success() {
        return Err(ChipError::Status {
            command: "SELECT AID",
            sw: r.sw,
        });
    }
    Ok(())
}

/// An open BAC secure-messaging session.
pub struct Session<'t, T: CardTransport + ?Sized> {
    t: &'t mut T,
    sm: SecureMessaging,
    /// Plain bytes to ask for per READ BINARY.
    chunk: usize,
}

/// Runs BAC with the MRZ information (document number, birth and expiry with check digits).
pub fn open_bac<'t, T: CardTransport + ?Sized>(
    t: &'t mut T,
    mrz_information: &str,
) -> Result<Session<'t, T>, ChipError> {
    let keys = BacKeys::from_mrz_information(mrz_information);
    let challenge = t.transmit(&get_challenge_command())?;
    if !challenge.sw.is_success() {
        return Err(ChipError::Status {
            command: "GET CHALLENGE",
            sw: challenge.sw,
        });
    }
    let rnd_ic: [u8; 8] = challenge.data.as_slice().try_into().map_err(|_| {
        ChipError::Malformed(format!(
            "GET CHALLENGE answered {} bytes, not 8",
            challenge.data.len()
        ))
    })?;
    let rng = SystemRandom::new();
    let mut rnd_ifd = [0u8; 8];
    let mut k_ifd = [0u8; 16];
    rng.fill(&mut rnd_ifd)
        .and_then(|_| rng.fill(&mut k_ifd))
        .map_err(|_| ChipError::Input("no randomness".into()))?;
    let terminal = BacTerminal::new(keys, rnd_ic, rnd_ifd, k_ifd);
    let answer = t.transmit(&terminal.external_authenticate_command())?;
    if answer.sw == StatusWord(0x6300) || answer.sw == StatusWord(0x6982) {
        return Err(ChipError::BacRejected);
    }
    if !answer.sw.is_success() {
        return Err(ChipError::Status {
            command: "EXTERNAL AUTHENTICATE",
            sw: answer.sw,
        });
    }
    let session = terminal
        .complete(&answer.data)
        .map_err(|e| ChipError::SecureMessaging(format!("BAC: {e}")))?;
    let chunk = if t.supports_extended() {
        usize::from(u16::MAX)
    } else {
        short_chunk()
    };
    Ok(Session {
        t,
        sm: SecureMessaging::new(session),
        chunk,
    })
}

impl<T: CardTransport + ?Sized> Session<'_, T> {
    /// Sends a command under secure messaging and returns the chip's plain answer.
    pub fn transmit(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ChipError> {
        let wrapped = self
            .sm
            .wrap(cmd)
            .map_err(|e| ChipError::SecureMessaging(e.to_string()))?;
        let resp = self.t.transmit(&wrapped)?;
        match self.sm.unwrap(&resp) {
            Ok(plain) => Ok(plain),
            // The chip dropped secure messaging and answered a bare status word.
            Err(SmError::CardStatus(sw)) => Ok(ResponseApdu::status(sw)),
            Err(e) => Err(ChipError::SecureMessaging(e.to_string())),
        }
    }

    /// SELECT EF by file id (P2 = 0C). `Ok(false)` when the chip has no such file.
    pub fn select_ef(&mut self, fid: u16) -> Result<bool, ChipError> {
        let cmd = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec());
        let r = self.transmit(&cmd)?;
        match r.sw.0 {
            0x9000 => Ok(true),
            0x6A82 => Ok(false),
            _ => Err(ChipError::Status {
                command: "SELECT EF",
                sw: r.sw,
            }),
        }
    }

    /// Reads the selected file: its TLV header tells the length, then as few READ BINARY
    /// commands as the chip's answer size allows. A chip that answers less than asked is
    /// followed (that is how chips signal their limit); one that answers nothing is an error.
    pub fn read_selected(&mut self) -> Result<Vec<u8>, ChipError> {
        let mut data: Vec<u8> = Vec::new();
        let mut total: Option<usize> = None;
        loop {
            let want = match total {
                Some(t) => (t - data.len()).min(self.chunk),
                None => self.chunk,
            };
            let offset = data.len();
            if offset > 0x7FFF {
                return Err(ChipError::Malformed(format!(
                    "file longer than READ BINARY can address ({offset} bytes)"
                )));
            }
            let cmd = CommandApdu::new(0x00, 0xB0, (offset >> 8) as u8, offset as u8).with_ne(want);
            let r = self.transmit(&cmd)?;
            match r.sw.0 {
                0x9000 | 0x6282 => {}
                0x6700 if self.chunk > short_chunk() && data.is_empty() => {
                    // The chip refuses the large Le: fall back to what every chip takes.
                    self.chunk = short_chunk();
                    continue;
                }
                _ => {
                    return Err(ChipError::Status {
                        command: "READ BINARY",
                        sw: r.sw,
                    })
                }
            }
            if r.data.is_empty() {
                return Err(ChipError::Malformed("READ BINARY returned no data".into()));
            }
            let got = r.data.len();
            data.extend_from_slice(&r.data);
            if total.is_none() {
                let header = iso7816::tlv::parse_header(&data)
                    .map_err(|e| ChipError::Malformed(format!("file header: {e}")))?;
                let t = header.total_len();
                if t > MAX_FILE {
                    return Err(ChipError::Malformed(format!("file of {t} bytes")));
                }
                total = Some(t);
            }
            let t = total.unwrap_or(0);
            // A chip that answers less than asked before the end has told us its limit.
            if got < want && data.len() < t {
                self.chunk = got;
            }
            if data.len() >= t {
                data.truncate(t);
                return Ok(data);
            }
        }
    }

    /// Selects and reads a file; `None` when the chip does not have it.
    pub fn read_file(&mut self, fid: u16) -> Result<Option<Vec<u8>>, ChipError> {
        if !self.select_ef(fid)? {
            return Ok(None);
        }
        self.read_selected().map(Some)
    }

    /// INTERNAL AUTHENTICATE (Active Authentication, 9303-11 §6.1) with an 8-byte challenge.
    pub fn internal_authenticate(&mut self, challenge: &[u8; 8]) -> Result<Vec<u8>, ChipError> {
        let cmd = CommandApdu::new(0x00, 0x88, 0x00, 0x00)
            .with_data(challenge.to_vec())
            .with_ne(256);
        let r = self.transmit(&cmd)?;
        if !r.sw.is_success() {
            return Err(ChipError::Status {
                command: "INTERNAL AUTHENTICATE",
                sw: r.sw,
            });
        }
        Ok(r.data)
    }
}
