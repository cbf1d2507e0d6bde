//! Fault injection, and the chip plugged straight into the card reader trait.

use crate::VirtualChip;
use cardreader::{CardTransport, Traffic, TransportError};
use std::time::Duration;

/// Fault injection shared by the in-process card and the vcard binary. Commands are
/// numbered from 1 (control messages like power/ATR do not count).
///
/// - `pull_after: Some(n)`: commands 1..=n are processed and answered, then the card leaves
///   the reader; `Some(0)`: it leaves before the first command.
/// - `sw_at: (n, sw)`: command n is not processed, only answered with `sw`.
/// - `delay`: sleep before every answer (to a command).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    pub pull_after: Option<u64>,
    pub sw_at: Vec<(u64, u16)>,
    pub delay: Duration,
}

/// What to do with command number n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Process normally.
    Process,
    /// Do not process; answer with this status word only.
    Status(u16),
    /// The card is gone: the command is not answered.
    Removed,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Faults::default()
    }

    pub fn action(&self, n: u64) -> FaultAction {
        if self.pull_after.is_some_and(|p| n > p) {
            return FaultAction::Removed;
        }
        match self.sw_at.iter().find(|(k, _)| *k == n) {
            Some((_, sw)) => FaultAction::Status(*sw),
            None => FaultAction::Process,
        }
    }

    /// Whether the card leaves the reader right after answering command n.
    pub fn leaves_after(&self, n: u64) -> bool {
        self.pull_after == Some(n)
    }
}

/// Parses "N:SW" (SW in hex, e.g. "3:6A82") for `--sw-at`.
pub fn parse_sw_at(s: &str) -> Result<(u64, u16), String> {
    let (n, sw) = s
        .split_once(':')
        .ok_or_else(|| format!("expected N:SW (e.g. 3:6A82), got {s:?}"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("command number {n:?} is not a number"))?;
    if n == 0 {
        return Err("commands are numbered from 1".into());
    }
    let sw = sw.trim();
    let sw = sw
        .strip_prefix("0x")
        .or_else(|| sw.strip_prefix("0X"))
        .unwrap_or(sw);
    if sw.len() != 4 {
        return Err(format!("status word {sw:?} must be 4 hex digits"));
    }
    let sw = u16::from_str_radix(sw, 16).map_err(|_| format!("status word {sw:?} is not hex"))?;
    Ok((n, sw))
}

/// A [`VirtualChip`] plugged straight into [`CardTransport`], for in-process tests and
/// benchmarks.
///
/// `commands()` counts the commands answered since the card was (re)inserted: fault numbers
/// refer to this count, and [`InProcessCard::reinsert`] starts it again from 0, so a
/// `pull_after` plan pulls the card again n commands after each re-insertion (use
/// [`InProcessCard::set_faults`] to change the plan). [`CardTransport::traffic`] counts over
/// the card's whole life.
pub struct InProcessCard {
    chip: VirtualChip,
    faults: Faults,
    commands: u64,
    removed: bool,
    traffic: Traffic,
}

impl InProcessCard {
    pub fn new(chip: VirtualChip, faults: Faults) -> Self {
        InProcessCard {
            chip,
            faults,
            commands: 0,
            removed: false,
            traffic: Traffic::default(),
        }
    }

    pub fn chip(&self) -> &VirtualChip {
        &self.chip
    }

    pub fn chip_mut(&mut self) -> &mut VirtualChip {
        &mut self.chip
    }

    pub fn into_chip(self) -> VirtualChip {
        self.chip
    }

    /// Commands answered since the last (re)insertion.
    pub fn commands(&self) -> u64 {
        self.commands
    }

    /// Whether the card has left the reader (a `pull_after` fault fired).
    pub fn is_removed(&self) -> bool {
        self.removed
    }

    pub fn set_faults(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// Puts the card back: a power-up reset, the removed state cleared and the command
    /// count restarted from 0 (the fault plan applies afresh).
    pub fn reinsert(&mut self) {
        self.chip.reset();
        self.removed = false;
        self.commands = 0;
    }

    fn remove(&mut self) {
        self.removed = true;
        // Out of the field, the chip loses power.
        self.chip.reset();
    }

    fn answer(&mut self, apdu: &[u8], response: Vec<u8>) -> Vec<u8> {
        if !self.faults.delay.is_zero() {
            std::thread::sleep(self.faults.delay);
        }
        self.traffic.apdus += 1;
        self.traffic.bytes_sent += apdu.len() as u64;
        self.traffic.bytes_received += response.len() as u64;
        if self.faults.leaves_after(self.commands) {
            self.remove();
        }
        response
    }
}

impl CardTransport for InProcessCard {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.removed {
            return Err(TransportError::CardRemoved);
        }
        let n = self.commands + 1;
        match self.faults.action(n) {
            FaultAction::Removed => {
                self.remove();
                Err(TransportError::CardRemoved)
            }
            FaultAction::Status(sw) => {
                self.commands = n;
                Ok(self.answer(apdu, sw.to_be_bytes().to_vec()))
            }
            FaultAction::Process => {
                self.commands = n;
                let response = self.chip.process(apdu);
                Ok(self.answer(apdu, response))
            }
        }
    }

    fn supports_extended(&self) -> bool {
        self.chip.profile().apdu.extended_length
    }

    fn traffic(&self) -> Traffic {
        self.traffic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_plan() {
        let f = Faults {
            pull_after: Some(3),
            sw_at: vec![(2, 0x6A82)],
            delay: Duration::ZERO,
        };
        assert_eq!(f.action(1), FaultAction::Process);
        assert_eq!(f.action(2), FaultAction::Status(0x6A82));
        assert_eq!(f.action(3), FaultAction::Process);
        assert_eq!(f.action(4), FaultAction::Removed);
        assert!(f.leaves_after(3));
        let zero = Faults {
            pull_after: Some(0),
            ..Faults::none()
        };
        assert_eq!(zero.action(1), FaultAction::Removed);
        assert_eq!(Faults::none().action(u64::MAX), FaultAction::Process);
    }

    #[test]
    fn sw_at_parsing() {
        assert_eq!(parse_sw_at("3:6A82"), Ok((3, 0x6A82)));
        assert_eq!(parse_sw_at("12:0x6f00"), Ok((12, 0x6F00)));
        for bad in ["", "3", "x:6A82", "0:6A82", "3:6A8", "3:ZZZZ", "3:6A820"] {
            assert!(parse_sw_at(bad).is_err(), "{bad}");
        }
    }
}
