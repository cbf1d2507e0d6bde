//! Basic Access Control (ICAO 9303-11 §4.3; keys §9.7.1–9.7.2), terminal and chip side.
//! Randomness is the caller's: the core stays deterministic and testable against Appendix D.

use crate::crypto::{self, kdf, mac_equal, pad, retail_mac};
use iso7816::CommandApdu;
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BacError {
    #[error("EXTERNAL AUTHENTICATE data must be 40 bytes, got {0}")]
    Length(usize),
    #[error("MAC check failed")]
    Mac,
    #[error("the challenge echoed back does not match")]
    Challenge,
    #[error("cryptographic error")]
    Crypto,
}

/// K_Enc and K_MAC derived from the MRZ information.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BacKeys {
    k_enc: [u8; 16],
    k_mac: [u8; 16],
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys(..)")
    }
}

/// K_seed: the first 16 bytes of SHA-1 over the MRZ information (9303-11 §9.7.2).
pub fn kseed(mrz_information: &str) -> [u8; 16] {
    let d = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        mrz_information.as_bytes(),
    );
    let mut k = [0u8; 16];
    k.copy_from_slice(&d.as_ref()[..16]);
    k
}

impl BacKeys {
    pub fn new(k_enc: [u8; 16], k_mac: [u8; 16]) -> Self {
        BacKeys { k_enc, k_mac }
    }
    pub fn from_mrz_information(mrz_information: &str) -> Self {
        let mut seed = kseed(mrz_information);
        let keys = BacKeys {
            k_enc: *kdf(&seed, 1),
            k_mac: *kdf(&seed, 2),
        };
        seed.zeroize();
        keys
    }
    pub fn k_enc(&self) -> &[u8; 16] {
        &self.k_enc
    }
    pub fn k_mac(&self) -> &[u8; 16] {
        &self.k_mac
    }
}

/// Session keys and send sequence counter after BAC.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    pub ks_enc: [u8; 16],
    pub ks_mac: [u8; 16],
    pub ssc: [u8; 8],
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKeys(..)")
    }
}

fn session_keys(
    k_ifd: &[u8; 16],
    k_ic: &[u8; 16],
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
) -> SessionKeys {
    let mut seed = [0u8; 16];
    for i in 0..16 {
        seed[i] = k_ifd[i] ^ k_ic[i];
    }
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    let keys = SessionKeys {
        ks_enc: *kdf(&seed, 1),
        ks_mac: *kdf(&seed, 2),
        ssc,
    };
    seed.zeroize();
    keys
}

/// GET CHALLENGE for 8 bytes (9303-11 §4.3.4.1).
pub fn get_challenge_command() -> CommandApdu {
    CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_ne(8)
}

/// Encrypts and MACs a 32-byte block: E || MAC(pad(E)).
fn seal(keys: &BacKeys, plain: &[u8; 32]) -> Result<Vec<u8>, BacError> {
    let mut out = crypto::encrypt_blocks(&keys.k_enc, plain).map_err(|_| BacError::Crypto)?;
    let mac = retail_mac(&keys.k_mac, &pad(&out));
    out.extend_from_slice(&mac);
    Ok(out)
}

/// Checks the MAC and decrypts a 40-byte authentication cryptogram.
fn open(keys: &BacKeys, data: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, BacError> {
    if data.len() != 40 {
        return Err(BacError::Length(data.len()));
    }
    let (e, m) = data.split_at(32);
    if !mac_equal(&retail_mac(&keys.k_mac, &pad(e)), m) {
        return Err(BacError::Mac);
    }
    Ok(zeroize::Zeroizing::new(
        crypto::decrypt_blocks(&keys.k_enc, e).map_err(|_| BacError::Crypto)?,
    ))
}

/// The inspection system's side of BAC.
pub struct BacTerminal {
    keys: BacKeys,
    rnd_ic: [u8; 8],
    rnd_ifd: [u8; 8],
    k_ifd: [u8; 16],
}

impl Drop for BacTerminal {
    fn drop(&mut self) {
        self.k_ifd.zeroize();
    }
}

impl BacTerminal {
    pub fn new(keys: BacKeys, rnd_ic: [u8; 8], rnd_ifd: [u8; 8], k_ifd: [u8; 16]) -> Self {
        BacTerminal {
            keys,
            rnd_ic,
            rnd_ifd,
            k_ifd,
        }
    }

    /// EXTERNAL AUTHENTICATE with E_IFD || M_IFD over S = RND.IFD || RND.IC || K.IFD.
    pub fn external_authenticate_command(&self) -> CommandApdu {
        let mut s = zeroize::Zeroizing::new([0u8; 32]);
        s[..8].copy_from_slice(&self.rnd_ifd);
        s[8..16].copy_from_slice(&self.rnd_ic);
        s[16..].copy_from_slice(&self.k_ifd);
        let data = seal(&self.keys, &s).unwrap_or_default();
        CommandApdu::new(0x00, 0x82, 0x00, 0x00)
            .with_data(data)
            .with_ne(40)
    }

    /// Checks the chip's answer (E_IC || M_IC) and derives the session keys.
    pub fn complete(self, response: &[u8]) -> Result<SessionKeys, BacError> {
        let r = open(&self.keys, response)?;
        // R = RND.IC || RND.IFD || K.IC
        if !mac_equal(&r[..8], &self.rnd_ic) || !mac_equal(&r[8..16], &self.rnd_ifd) {
            return Err(BacError::Challenge);
        }
        let mut k_ic = [0u8; 16];
        k_ic.copy_from_slice(&r[16..32]);
        let keys = session_keys(&self.k_ifd, &k_ic, &self.rnd_ic, &self.rnd_ifd);
        k_ic.zeroize();
        Ok(keys)
    }
}

/// The chip's side of BAC.
pub struct BacCard {
    keys: BacKeys,
    rnd_ic: [u8; 8],
    k_ic: [u8; 16],
}

impl Drop for BacCard {
    fn drop(&mut self) {
        self.k_ic.zeroize();
    }
}

impl BacCard {
    pub fn new(keys: BacKeys, rnd_ic: [u8; 8], k_ic: [u8; 16]) -> Self {
        BacCard { keys, rnd_ic, k_ic }
    }

    /// Verifies EXTERNAL AUTHENTICATE data and returns the answer E_IC || M_IC.
    pub fn respond(
        self,
        external_authenticate_data: &[u8],
    ) -> Result<(Vec<u8>, SessionKeys), BacError> {
        let s = open(&self.keys, external_authenticate_data)?;
        // S = RND.IFD || RND.IC || K.IFD
        if !mac_equal(&s[8..16], &self.rnd_ic) {
            return Err(BacError::Challenge);
        }
        let mut rnd_ifd = [0u8; 8];
        rnd_ifd.copy_from_slice(&s[..8]);
        let mut k_ifd = [0u8; 16];
        k_ifd.copy_from_slice(&s[16..32]);
        let mut r = zeroize::Zeroizing::new([0u8; 32]);
        r[..8].copy_from_slice(&self.rnd_ic);
        r[8..16].copy_from_slice(&rnd_ifd);
        r[16..].copy_from_slice(&self.k_ic);
        let answer = seal(&self.keys, &r)?;
        let keys = session_keys(&k_ifd, &self.k_ic, &self.rnd_ic, &rnd_ifd);
        k_ifd.zeroize();
        Ok((answer, keys))
    }
}
