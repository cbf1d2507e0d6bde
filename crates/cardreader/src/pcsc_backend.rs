//! Real readers through PC/SC (pcsc-lite's pcscd, and vpcd's virtual readers in HIL tests).
//!
//! SCardTransmit cannot be cancelled, so each card gets a worker thread that owns the PC/SC
//! handle; the caller waits for the answer with a timeout. A command that times out leaves
//! the worker busy: later commands on that card fail at once until it returns, and the
//! station asks the officer to re-insert the card.

use crate::{CardTransport, Traffic, TransportError};
use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};
use std::ffi::CString;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

fn map_err(e: pcsc::Error, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::RemovedCard | E::NoSmartcard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        E::UnknownReader | E::ReaderUnavailable => {
            TransportError::UnknownReader(reader.to_string())
        }
        E::NoReadersAvailable => TransportError::NoReaders,
        E::NoService | E::ServiceStopped => TransportError::ServiceUnavailable,
        E::Timeout => TransportError::WaitTimeout,
        other => TransportError::Pcsc(other.to_string()),
    }
}

fn context() -> Result<Context, TransportError> {
    Context::establish(Scope::User).map_err(|e| map_err(e, ""))
}

/// Names of the connected readers.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let ctx = context()?;
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_err(e, "")),
    }
}

fn wait_for(reader: &str, timeout: Duration, want_present: bool) -> Result<(), TransportError> {
    let ctx = context()?;
    let name =
        CString::new(reader).map_err(|_| TransportError::UnknownReader(reader.to_string()))?;
    let mut states = [ReaderState::new(name, State::UNAWARE)];
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match ctx.get_status_change(left, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => return Err(TransportError::WaitTimeout),
            Err(e) => return Err(map_err(e, reader)),
        }
        let st = states[0].event_state();
        if st.contains(State::UNKNOWN) || st.contains(State::UNAVAILABLE) {
            return Err(TransportError::UnknownReader(reader.to_string()));
        }
        if st.contains(State::PRESENT) == want_present && !st.contains(State::MUTE) {
            return Ok(());
        }
        states[0].sync_current_state();
        if left.is_zero() {
            return Err(TransportError::WaitTimeout);
        }
    }
}

/// Whether the card is still in the reader after an answer that made no sense: pcscd may
/// notice a vanished card only at its next poll, so give it a moment to see the reader empty.
fn card_present(reader: &str) -> bool {
    !matches!(
        wait_for(reader, Duration::from_millis(1500), false),
        Ok(()) | Err(TransportError::UnknownReader(_))
    )
}

/// Waits until a (responsive) card is in the reader.
pub fn wait_for_card(reader: &str, timeout: Duration) -> Result<(), TransportError> {
    wait_for(reader, timeout, true)
}

/// Waits until the reader is empty.
pub fn wait_for_removal(reader: &str, timeout: Duration) -> Result<(), TransportError> {
    wait_for(reader, timeout, false)
}

type Job = Vec<u8>;
type JobResult = Result<Vec<u8>, TransportError>;

/// A connected card. Dropping it disconnects (leaving the card powered, as PC/SC does).
pub struct PcscCard {
    reader: String,
    atr: Vec<u8>,
    jobs: Sender<Job>,
    answers: Receiver<JobResult>,
    busy: bool,
    timeout: Duration,
    extended: bool,
    traffic: Traffic,
}

impl PcscCard {
    /// Connects to the card in `reader` (T=0 or T=1, shared).
    pub fn connect(reader: &str, timeout: Duration) -> Result<PcscCard, TransportError> {
        let name =
            CString::new(reader).map_err(|_| TransportError::UnknownReader(reader.to_string()))?;
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (ans_tx, answers) = mpsc::channel::<JobResult>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<Vec<u8>, TransportError>>();
        let reader_name = reader.to_string();
        std::thread::Builder::new()
            .name("pcsc-card".into())
            .spawn(move || {
                let setup = context().and_then(|ctx| {
                    let card = ctx
                        .connect(&name, ShareMode::Shared, Protocols::ANY)
                        .map_err(|e| match e {
                            pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => {
                                TransportError::NoCard(reader_name.clone())
                            }
                            other => map_err(other, &reader_name),
                        })?;
                    let atr = card
                        .status2_owned()
                        .map(|s| s.atr().to_vec())
                        .unwrap_or_default();
                    Ok((ctx, card, atr))
                });
                let (_ctx, card) = match setup {
                    Ok((ctx, card, atr)) => {
                        let _ = ready_tx.send(Ok(atr));
                        (ctx, card)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
                while let Ok(apdu) = job_rx.recv() {
                    let result = card
                        .transmit(&apdu, &mut buf)
                        .map(|r| r.to_vec())
                        .map_err(|e| map_err(e, &reader_name));
                    if ans_tx.send(result).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| TransportError::Pcsc(e.to_string()))?;
        let atr = match ready_rx.recv_timeout(timeout) {
            Ok(r) => r?,
            Err(_) => return Err(TransportError::Timeout(timeout)),
        };
        let extended = atr_supports_extended(&atr);
        Ok(PcscCard {
            reader: reader.to_string(),
            atr,
            jobs,
            answers,
            busy: false,
            timeout,
            extended,
            traffic: Traffic::default(),
        })
    }

    pub fn atr(&self) -> &[u8] {
        &self.atr
    }
    pub fn reader(&self) -> &str {
        &self.reader
    }
    /// Per-command timeout.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }
}

/// Card capabilities in the ATR's historical bytes (ISO/IEC 7816-4 §8.1.1.2.7): compact-TLV
/// tag 7, third software function byte, bit 7 = extended Lc and Le fields.
pub fn atr_supports_extended(atr: &[u8]) -> bool {
    historical_bytes(atr)
        .and_then(|h| {
            let (first, rest) = h.split_first()?;
            if *first != 0x00 && *first != 0x80 {
                return None;
            }
            let mut i = 0;
            while i < rest.len() {
                let tag = rest[i] >> 4;
                let len = (rest[i] & 0x0F) as usize;
                let value = rest.get(i + 1..i + 1 + len)?;
                if tag == 7 && len >= 3 {
                    return Some(value[2] & 0x40 != 0);
                }
                i += 1 + len;
            }
            None
        })
        .unwrap_or(false)
}

/// Historical bytes of an ATR (ISO/IEC 7816-3 §8.2): T0's low nibble gives their count,
/// after the interface bytes announced by each Y nibble.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let k = (t0 & 0x0F) as usize;
    let mut y = t0 >> 4;
    let mut i = 2;
    loop {
        let count = y.count_ones() as usize;
        let td = if y & 0x8 != 0 {
            Some(*atr.get(i + count - 1)?)
        } else {
            None
        };
        i += count;
        match td {
            Some(td) => y = td >> 4,
            None => break,
        }
    }
    atr.get(i..i + k)
}

impl CardTransport for PcscCard {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.busy {
            // The worker is still blocked in the command that timed out.
            match self.answers.try_recv() {
                Ok(_) => self.busy = false,
                Err(_) => return Err(TransportError::Timeout(self.timeout)),
            }
        }
        self.jobs
            .send(apdu.to_vec())
            .map_err(|_| TransportError::CardRemoved)?;
        let answer = match self.answers.recv_timeout(self.timeout) {
            Ok(Ok(a)) => a,
            // pcsc-lite reports a card that vanished mid-command as a failed transaction
            // (SCARD_E_NOT_TRANSACTED) or a reader error: if the reader is now empty, say so.
            Ok(Err(TransportError::Pcsc(e))) => {
                return Err(if card_present(&self.reader) {
                    TransportError::Pcsc(e)
                } else {
                    TransportError::CardRemoved
                })
            }
            Ok(Err(e)) => return Err(e),
            Err(RecvTimeoutError::Timeout) => {
                self.busy = true;
                return Err(TransportError::Timeout(self.timeout));
            }
            Err(RecvTimeoutError::Disconnected) => return Err(TransportError::CardRemoved),
        };
        self.traffic.apdus += 1;
        self.traffic.bytes_sent += apdu.len() as u64;
        self.traffic.bytes_received += answer.len() as u64;
        if answer.len() < 2 {
            // pcsc-lite hands back an empty answer when the card vanished mid-command (seen
            // with vpcd's virtual card): tell a pulled card from a malformed answer.
            return Err(if card_present(&self.reader) {
                TransportError::BadResponse(format!("{} byte answer", answer.len()))
            } else {
                TransportError::CardRemoved
            });
        }
        Ok(answer)
    }

    fn supports_extended(&self) -> bool {
        self.extended
    }

    fn traffic(&self) -> Traffic {
        self.traffic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_card_capabilities_from_the_atr() {
        let ext = [
            0x3B, 0x88, 0x80, 0x01, 0x00, 0x73, 0x80, 0x01, 0x40, 0x05, 0x90, 0x00, 0x2E,
        ];
        let short = [
            0x3B, 0x88, 0x80, 0x01, 0x00, 0x73, 0x80, 0x01, 0x00, 0x05, 0x90, 0x00, 0x6E,
        ];
        assert_eq!(historical_bytes(&ext).unwrap(), &ext[4..12]);
        assert!(atr_supports_extended(&ext));
        assert!(!atr_supports_extended(&short));
        assert!(!atr_supports_extended(&[0x3B]));
        assert!(!atr_supports_extended(&[0x3B, 0xFF, 0xFF]));
    }
}
