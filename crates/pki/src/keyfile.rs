//! Private key files: PKCS#8, encrypted with PBES2 (scrypt + AES-256-CBC, RFC 8018 / RFC 7914)
//! so `openssl pkcs8` reads them too.

use crate::{malformed, PkiError};
use der::{Decode, Encode};
use pkcs8::{pkcs5, EncryptedPrivateKeyInfo, PrivateKeyInfo};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// Encrypts a PKCS#8 key under a passphrase (scrypt N = 2^14, r = 8, p = 1).
pub fn encrypt_private_key(pkcs8_der: &[u8], passphrase: &[u8]) -> Result<Vec<u8>, PkiError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| PkiError::Crypto)?;
    rng.fill(&mut iv).map_err(|_| PkiError::Crypto)?;
    // N = 2^14, r = 8, p = 1: OpenSSL's own default, and within its 32 MiB scrypt memory cap.
    let params =
        pkcs5::scrypt::Params::new(14, 8, 1, 32).map_err(|e| malformed("scrypt parameters", e))?;
    let pbes2 = pkcs5::pbes2::Parameters::scrypt_aes256cbc(params, &salt, &iv)
        .map_err(|e| malformed("PBES2 parameters", e))?;
    let info = PrivateKeyInfo::from_der(pkcs8_der).map_err(|e| malformed("PKCS#8 key", e))?;
    let doc = info
        .encrypt_with_params(pbes2, passphrase)
        .map_err(|e| malformed("PKCS#8 encryption", e))?;
    Ok(doc.as_bytes().to_vec())
}

fn pem_body(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = text[start..].find(&end)? + start;
    let b64: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    der::pem::decode_vec(format!("{begin}\n{b64}\n{end}\n").as_bytes())
        .ok()
        .map(|(_, d)| d)
}

/// Opens a key file: encrypted PKCS#8 (DER or PEM "ENCRYPTED PRIVATE KEY") with the passphrase,
/// or an unencrypted PKCS#8 key (DER or PEM "PRIVATE KEY") as real signers are often exported.
pub fn decrypt_private_key(
    der_or_pem: &[u8],
    passphrase: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PkiError> {
    let text = std::str::from_utf8(der_or_pem).ok();
    let (der, encrypted) = match text {
        Some(t) if t.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") => (
            pem_body(t, "ENCRYPTED PRIVATE KEY")
                .ok_or_else(|| malformed("PEM key", "bad base64"))?,
            true,
        ),
        Some(t) if t.contains("-----BEGIN PRIVATE KEY-----") => (
            pem_body(t, "PRIVATE KEY").ok_or_else(|| malformed("PEM key", "bad base64"))?,
            false,
        ),
        _ => {
            let encrypted = EncryptedPrivateKeyInfo::from_der(der_or_pem).is_ok();
            (der_or_pem.to_vec(), encrypted)
        }
    };
    let der = Zeroizing::new(der);
    if encrypted {
        let info =
            EncryptedPrivateKeyInfo::from_der(&der).map_err(|e| malformed("encrypted key", e))?;
        let doc = info
            .decrypt(passphrase)
            .map_err(|_| PkiError::WrongPassphrase)?;
        // A wrong passphrase can still unpad by chance: the result must parse as PKCS#8.
        PrivateKeyInfo::from_der(doc.as_bytes()).map_err(|_| PkiError::WrongPassphrase)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    } else {
        let info = PrivateKeyInfo::from_der(&der).map_err(|e| malformed("PKCS#8 key", e))?;
        Ok(Zeroizing::new(
            info.to_der().map_err(|e| malformed("PKCS#8 key", e))?,
        ))
    }
}
