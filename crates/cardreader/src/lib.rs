//! The card reader device trait and its real backend on PC/SC (pcsc-lite's pcscd).
//!
//! The workflow only sees [`CardTransport`]; [`pcsc_backend::PcscCard`] drives real readers
//! (and vpcd's virtual ones in HIL tests), and tests may plug a chip emulator in directly.

pub mod pcsc_backend;

use iso7816::{CommandApdu, ResponseApdu};
use std::time::Duration;

pub use pcsc_backend::{list_readers, wait_for_card, wait_for_removal, PcscCard};

/// Default time a single command may take before the station gives up on it.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("card removed / thẻ đã bị rút ra")]
    CardRemoved,
    #[error("card was reset by another application / thẻ bị khởi động lại")]
    CardReset,
    #[error("no card in reader {0} / không có thẻ trong đầu đọc {0}")]
    NoCard(String),
    #[error("reader {0} not found / không tìm thấy đầu đọc {0}")]
    UnknownReader(String),
    #[error("no card readers connected; is pcscd running? / không có đầu đọc thẻ nào; pcscd đã chạy chưa?")]
    NoReaders,
    #[error("PC/SC service unavailable (pcscd not running?) / dịch vụ PC/SC không chạy")]
    ServiceUnavailable,
    #[error("the card did not answer within {0:?} / thẻ không phản hồi trong {0:?}")]
    Timeout(Duration),
    #[error("waiting for the card timed out / hết thời gian chờ thẻ")]
    WaitTimeout,
    #[error("malformed response from the card: {0} / phản hồi của thẻ không hợp lệ")]
    BadResponse(String),
    #[error("extended-length APDUs are not supported by this reader/card / đầu đọc hoặc thẻ không hỗ trợ APDU dài")]
    ExtendedNotSupported,
    #[error("PC/SC error: {0} / lỗi PC/SC")]
    Pcsc(String),
}

impl TransportError {
    /// Errors after which the card is no longer in the reader (or its session is gone).
    pub fn card_gone(&self) -> bool {
        matches!(
            self,
            TransportError::CardRemoved | TransportError::CardReset | TransportError::NoCard(_)
        )
    }
}

/// Traffic counters, for benchmarks and the officer's progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub apdus: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl Traffic {
    /// The traffic since `earlier` (counters only grow).
    pub fn since(self, earlier: Traffic) -> Traffic {
        Traffic {
            apdus: self.apdus.saturating_sub(earlier.apdus),
            bytes_sent: self.bytes_sent.saturating_sub(earlier.bytes_sent),
            bytes_received: self.bytes_received.saturating_sub(earlier.bytes_received),
        }
    }
}

/// A card in a reader: APDUs in, responses out.
pub trait CardTransport {
    /// Sends the encoded command APDU and returns the raw response (data and SW1 SW2).
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether both reader and card take extended-length APDUs.
    fn supports_extended(&self) -> bool;

    /// Traffic so far.
    fn traffic(&self) -> Traffic;

    /// Sends a command APDU. Handles the T=0 transport conventions of ISO/IEC 7816-3/-4:
    /// 61xx (fetch the rest with GET RESPONSE) and 6Cxx (wrong Le: re-send with Le = xx),
    /// the latter only for plain commands since a secure-messaging command cannot be replayed.
    fn transmit(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, TransportError> {
        if cmd.needs_extended() && !self.supports_extended() {
            return Err(TransportError::ExtendedNotSupported);
        }
        let bytes = cmd
            .to_bytes()
            .map_err(|e| TransportError::BadResponse(e.to_string()))?;
        let mut resp = parse(&self.transmit_raw(&bytes)?)?;
        if let Some(exact) = resp.sw.exact_length() {
            if cmd.cla & 0x0C == 0 {
                let again = cmd.clone().with_ne(exact);
                let bytes = again
                    .to_bytes()
                    .map_err(|e| TransportError::BadResponse(e.to_string()))?;
                resp = parse(&self.transmit_raw(&bytes)?)?;
            }
        }
        let mut data = std::mem::take(&mut resp.data);
        // Bounded: at most 64 KiB of chained responses, as no APDU answer can be longer.
        let mut rounds = 0;
        while let Some(n) = resp.sw.bytes_available() {
            rounds += 1;
            if rounds > 256 || data.len() > iso7816::apdu::EXTENDED_MAX_NE {
                return Err(TransportError::BadResponse("endless 61xx chain".into()));
            }
            let get_response = CommandApdu::new(cmd.cla & 0x03, 0xC0, 0, 0).with_ne(n);
            let bytes = get_response
                .to_bytes()
                .map_err(|e| TransportError::BadResponse(e.to_string()))?;
            resp = parse(&self.transmit_raw(&bytes)?)?;
            data.append(&mut resp.data);
        }
        Ok(ResponseApdu::new(data, resp.sw))
    }
}

fn parse(bytes: &[u8]) -> Result<ResponseApdu, TransportError> {
    ResponseApdu::parse(bytes).map_err(|e| TransportError::BadResponse(e.to_string()))
}

impl<T: CardTransport + ?Sized> CardTransport for &mut T {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit_raw(apdu)
    }
    fn supports_extended(&self) -> bool {
        (**self).supports_extended()
    }
    fn traffic(&self) -> Traffic {
        (**self).traffic()
    }
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit_raw(apdu)
    }
    fn supports_extended(&self) -> bool {
        (**self).supports_extended()
    }
    fn traffic(&self) -> Traffic {
        (**self).traffic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iso7816::StatusWord;

    /// A scripted card for the T=0 conventions.
    struct Scripted {
        answers: Vec<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }
    impl CardTransport for Scripted {
        fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(apdu.to_vec());
            if self.answers.is_empty() {
                return Err(TransportError::CardRemoved);
            }
            Ok(self.answers.remove(0))
        }
        fn supports_extended(&self) -> bool {
            false
        }
        fn traffic(&self) -> Traffic {
            Traffic::default()
        }
    }

    #[test]
    fn get_response_and_wrong_le() {
        let mut t = Scripted {
            answers: vec![
                vec![0x6C, 0x04],
                vec![0x61, 0x02],
                vec![1, 2, 0x61, 0x01],
                vec![3, 0x90, 0x00],
            ],
            sent: vec![],
        };
        let r = t
            .transmit(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(256))
            .unwrap();
        assert_eq!(r.data, [1, 2, 3]);
        assert!(r.sw.is_success());
        assert_eq!(t.sent[1], [0, 0xB0, 0, 0, 4]);
        assert_eq!(t.sent[2], [0, 0xC0, 0, 0, 2]);
        assert_eq!(t.sent[3], [0, 0xC0, 0, 0, 1]);
    }

    #[test]
    fn protected_commands_are_not_replayed_and_extended_needs_support() {
        let mut t = Scripted {
            answers: vec![vec![0x6C, 0x04]],
            sent: vec![],
        };
        let r = t
            .transmit(&CommandApdu::new(0x0C, 0xB0, 0, 0).with_ne(256))
            .unwrap();
        assert_eq!(r.sw, StatusWord(0x6C04));
        assert_eq!(t.sent.len(), 1);
        let big = CommandApdu::new(0, 0xB0, 0, 0).with_ne(1000);
        assert_eq!(t.transmit(&big), Err(TransportError::ExtendedNotSupported));
    }

    #[test]
    fn endless_chain_is_cut() {
        let mut t = Scripted {
            answers: vec![vec![0xAA, 0x61, 0x01]; 400],
            sent: vec![],
        };
        assert!(matches!(
            t.transmit(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(1)),
            Err(TransportError::BadResponse(_))
        ));
    }
}
