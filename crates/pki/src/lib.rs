//! The document PKI of ICAO 9303-12: a test CSCA and Document Signer, encrypted key files,
//! EF.SOD as CMS SignedData over the LDS Security Object (9303-10 §4.6.2, RFC 5652), its
//! verification against CSCA trust anchors, the checkpoint's trust store (CSCA folders, master
//! lists, CRLs; 9303-12 §§5–9), and Active Authentication (9303-11 §6.1).
//!
//! ring signs and verifies; RustCrypto's der/cms/x509-cert/pkcs8 types build and parse the
//! ASN.1; rcgen makes certificates. Everything parsed here may come from a chip or a file and
//! is treated as untrusted.

mod aa;
mod cert;
mod keyfile;
pub mod oids;
mod signed;
mod sod;
mod testpki;
mod trust;

pub use aa::{
    aa_key_supported, aa_security_infos_der, aa_sign, aa_verify, parse_aa_signature_algorithm,
    ActiveAuthKey,
};
pub use cert::{load_certificate, summarize, verify_ds_certificate, CertSummary};
pub use keyfile::{decrypt_private_key, encrypt_private_key};
pub use sod::{build_sod, parse_sod, DocumentSigner, HashAlgorithm, Sod};
pub use testpki::{generate_test_pki, TestPki};
pub use trust::{
    build_master_list, certificate_serial, sign_crl, Anchor, Loaded, Revocation, Revocations,
    TrustError, TrustStore, ID_ICAO_CSCA_MASTER_LIST, ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    #[error("malformed {what}: {why}")]
    Malformed { what: &'static str, why: String },
    #[error("wrong passphrase, or the key file is damaged")]
    WrongPassphrase,
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    #[error("the SOD signature does not verify")]
    BadSignature,
    /// EF.SOD's or a master list's: the CMS content was changed after it was signed.
    #[error("the signed messageDigest does not match the content (changed after signing)")]
    DigestMismatch,
    #[error("the signed contentType does not match the content's type")]
    ContentTypeMismatch,
    #[error("data group {0} does not match its hash in the SOD")]
    DataGroupHashMismatch(u8),
    #[error("data group {0} has no hash in the SOD")]
    DataGroupNotInSod(u8),
    #[error("the Document Signer's issuer is not a trusted CSCA")]
    UnknownSigner,
    #[error("the Document Signer certificate (serial {serial}) was revoked on {revoked_on} by its CSCA's CRL")]
    RevokedSigner { serial: String, revoked_on: String },
    #[error("the Document Signer certificate's signature does not verify with its CSCA")]
    BadCertificateSignature,
    #[error("the Document Signer certificate expired on {0}")]
    CertificateExpired(String),
    #[error("the Document Signer certificate is valid only from {0}")]
    CertificateNotYetValid(String),
    #[error("the issuing certificate is not a CA")]
    NotCa,
    #[error("the CSCA certificate that issued the Document Signer expired on {0}")]
    CscaExpired(String),
    #[error("the CSCA certificate that issued the Document Signer is valid only from {0}")]
    CscaNotYetValid(String),
    #[error("Active Authentication signature does not verify")]
    AaFailed,
    #[error("Active Authentication algorithm not supported: {0}")]
    UnsupportedAaAlgorithm(String),
    #[error("key generation or signing failed")]
    Crypto,
}

fn malformed(what: &'static str, e: impl std::fmt::Display) -> PkiError {
    PkiError::Malformed {
        what,
        why: e.to_string(),
    }
}
