//! The 3DES primitives of BAC and secure messaging (ICAO 9303-11 §9.7, §9.8.6.1 and
//! Appendix D): two-key 3DES-CBC with a zero IV, ISO/IEC 9797-1 padding method 2 and MAC
//! algorithm 3 (retail MAC) with DES, and the SHA-1 key derivation function.

use cbc::cipher::block_padding::{Iso7816, NoPadding};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use retail_mac::{KeyInit, Mac, RetailMac};
use zeroize::Zeroizing;

type TdesCbcEnc = cbc::Encryptor<des::TdesEde2>;
type TdesCbcDec = cbc::Decryptor<des::TdesEde2>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("ciphertext is not a whole number of 8-byte blocks")]
    BlockLength,
    #[error("bad ISO/IEC 9797-1 method 2 padding")]
    Padding,
}

const ZERO_IV: [u8; 8] = [0; 8];

/// 3DES-CBC encryption with zero IV of data already padded to whole blocks.
pub fn encrypt_blocks(key: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if !data.len().is_multiple_of(8) {
        return Err(CryptoError::BlockLength);
    }
    let enc = TdesCbcEnc::new_from_slices(key, &ZERO_IV).map_err(|_| CryptoError::BlockLength)?;
    Ok(enc.encrypt_padded_vec::<NoPadding>(data))
}

/// 3DES-CBC decryption with zero IV, no padding removed.
pub fn decrypt_blocks(key: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if !data.len().is_multiple_of(8) {
        return Err(CryptoError::BlockLength);
    }
    let dec = TdesCbcDec::new_from_slices(key, &ZERO_IV).map_err(|_| CryptoError::BlockLength)?;
    dec.decrypt_padded_vec::<NoPadding>(data)
        .map_err(|_| CryptoError::BlockLength)
}

/// Pads with method 2 and encrypts (secure messaging DO87 contents).
pub fn encrypt_padded(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    // new_from_slices cannot fail for a 16-byte key and 8-byte IV.
    match TdesCbcEnc::new_from_slices(key, &ZERO_IV) {
        Ok(enc) => enc.encrypt_padded_vec::<Iso7816>(data),
        Err(_) => Vec::new(),
    }
}

/// Decrypts and removes method 2 padding.
pub fn decrypt_padded(key: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if data.is_empty() || !data.len().is_multiple_of(8) {
        return Err(CryptoError::BlockLength);
    }
    let dec = TdesCbcDec::new_from_slices(key, &ZERO_IV).map_err(|_| CryptoError::BlockLength)?;
    dec.decrypt_padded_vec::<Iso7816>(data)
        .map_err(|_| CryptoError::Padding)
}

/// ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a multiple of 8.
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    out
}

/// Retail MAC (ISO/IEC 9797-1 MAC algorithm 3, DES, key K1 || K2) of data padded by the
/// caller to whole blocks.
pub fn retail_mac(key: &[u8; 16], padded: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    if let Ok(mut mac) = <RetailMac<des::Des> as KeyInit>::new_from_slice(key) {
        mac.update(padded);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// Comparison of MACs and nonces whose time does not depend on where they differ.
pub fn mac_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// KDF(K_seed, c) = the first 16 bytes of SHA-1(K_seed || c) with DES parity adjusted
/// (ICAO 9303-11 §9.7.1.1).
pub fn kdf(seed: &[u8], counter: u32) -> Zeroizing<[u8; 16]> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(seed);
    ctx.update(&counter.to_be_bytes());
    let digest = ctx.finish();
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&digest.as_ref()[..16]);
    for b in key.iter_mut() {
        // Odd parity in the least significant bit of each byte.
        let ones = (*b & 0xFE).count_ones();
        *b = (*b & 0xFE) | if ones % 2 == 0 { 1 } else { 0 };
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retail_mac_matches_iso_9797_1_annex_b4() {
        let key: [u8; 16] = hex::decode("0123456789ABCDEFFEDCBA9876543210")
            .unwrap()
            .try_into()
            .unwrap();
        // The standard's own example pads with method 1 (zeros); 24 bytes need none.
        assert_eq!(
            hex::encode_upper(retail_mac(&key, b"Now is the time for all ")),
            "A1C72E74EA3FA9B6"
        );
    }

    #[test]
    fn padding_round_trip_and_errors() {
        assert_eq!(pad(&[]), [0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(pad(&[1; 8]).len(), 16);
        let key = [0x23u8; 16];
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).collect();
            let c = encrypt_padded(&key, &data);
            assert_eq!(c.len(), (len / 8 + 1) * 8);
            assert_eq!(decrypt_padded(&key, &c).unwrap(), data);
        }
        assert_eq!(decrypt_padded(&key, &[0; 7]), Err(CryptoError::BlockLength));
        let garbage = encrypt_blocks(&key, &[0u8; 8]).unwrap();
        assert_eq!(decrypt_padded(&key, &garbage), Err(CryptoError::Padding));
    }
}
