//! Certificates: loading, the Document Signer → CSCA chain (9303-12 §5), and signature
//! verification with ring for the algorithms ICAO chips use.

use crate::{malformed, oids, PkiError};
use der::{Decode, Encode};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

/// A certificate file (DER or PEM "CERTIFICATE") as DER, checked to parse.
pub fn load_certificate(der_or_pem: &[u8]) -> Result<Vec<u8>, PkiError> {
    let der = match std::str::from_utf8(der_or_pem) {
        Ok(t) if t.contains("-----BEGIN CERTIFICATE-----") => {
            der::pem::decode_vec(t.trim().as_bytes())
                .map_err(|e| malformed("PEM certificate", e))?
                .1
        }
        _ => der_or_pem.to_vec(),
    };
    Certificate::from_der(&der).map_err(|e| malformed("certificate", e))?;
    Ok(der)
}

pub(crate) fn parse_cert(der: &[u8]) -> Result<Certificate, PkiError> {
    Certificate::from_der(der).map_err(|e| malformed("certificate", e))
}

/// Which ring algorithm verifies `sig_alg` (with `digest` for rsaEncryption / PSS, which do not
/// name their hash) under the public key `spki`.
fn ring_algorithm(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    digest: Option<&der::asn1::ObjectIdentifier>,
) -> Result<&'static dyn VerificationAlgorithm, PkiError> {
    let unsupported = || {
        PkiError::Unsupported(format!(
            "signature {} with key {}",
            sig_alg.oid, spki.algorithm.oid
        ))
    };
    if spki.algorithm.oid == oids::EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
            .ok_or_else(|| PkiError::Unsupported("EC key with explicit curve parameters".into()))?;
        let p256 = curve == oids::PRIME256V1;
        let p384 = curve == oids::SECP384R1;
        return match (sig_alg.oid, p256, p384) {
            (o, true, _) if o == oids::ECDSA_SHA256 => Ok(&signature::ECDSA_P256_SHA256_ASN1),
            (o, true, _) if o == oids::ECDSA_SHA384 => Ok(&signature::ECDSA_P256_SHA384_ASN1),
            (o, _, true) if o == oids::ECDSA_SHA256 => Ok(&signature::ECDSA_P384_SHA256_ASN1),
            (o, _, true) if o == oids::ECDSA_SHA384 => Ok(&signature::ECDSA_P384_SHA384_ASN1),
            _ => Err(unsupported()),
        };
    }
    if spki.algorithm.oid == oids::RSA_ENCRYPTION || spki.algorithm.oid == oids::RSA_PSS {
        let o = sig_alg.oid;
        if o == oids::SHA256_RSA {
            return Ok(&signature::RSA_PKCS1_2048_8192_SHA256);
        }
        if o == oids::SHA384_RSA {
            return Ok(&signature::RSA_PKCS1_2048_8192_SHA384);
        }
        if o == oids::SHA512_RSA {
            return Ok(&signature::RSA_PKCS1_2048_8192_SHA512);
        }
        let d = digest.copied();
        if o == oids::RSA_ENCRYPTION {
            return match d {
                Some(h) if h == oids::SHA256 => Ok(&signature::RSA_PKCS1_2048_8192_SHA256),
                Some(h) if h == oids::SHA384 => Ok(&signature::RSA_PKCS1_2048_8192_SHA384),
                Some(h) if h == oids::SHA512 => Ok(&signature::RSA_PKCS1_2048_8192_SHA512),
                Some(h) if h == oids::SHA1 => {
                    Ok(&signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY)
                }
                _ => Err(unsupported()),
            };
        }
        if o == oids::RSA_PSS {
            return match d {
                Some(h) if h == oids::SHA256 => Ok(&signature::RSA_PSS_2048_8192_SHA256),
                Some(h) if h == oids::SHA384 => Ok(&signature::RSA_PSS_2048_8192_SHA384),
                Some(h) if h == oids::SHA512 => Ok(&signature::RSA_PSS_2048_8192_SHA512),
                _ => Err(unsupported()),
            };
        }
    }
    Err(unsupported())
}

/// Verifies `signature` over `message` with the key in `spki`.
pub(crate) fn verify_with(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    digest: Option<&der::asn1::ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, PkiError> {
    let alg = ring_algorithm(spki, sig_alg, digest)?;
    let key = spki.subject_public_key.raw_bytes();
    Ok(UnparsedPublicKey::new(alg, key)
        .verify(message, signature)
        .is_ok())
}

pub(crate) fn ski(cert: &Certificate) -> Option<Vec<u8>> {
    let exts = cert.tbs_certificate.extensions.as_ref()?;
    let ext = exts
        .iter()
        .find(|e| e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14"))?;
    der::asn1::OctetString::from_der(ext.extn_value.as_bytes())
        .ok()
        .map(|o| o.as_bytes().to_vec())
}

pub(crate) fn aki(cert: &Certificate) -> Option<Vec<u8>> {
    let exts = cert.tbs_certificate.extensions.as_ref()?;
    let ext = exts
        .iter()
        .find(|e| e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.35"))?;
    let aki =
        x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
    aki.key_identifier.map(|k| k.as_bytes().to_vec())
}

pub(crate) fn is_ca(cert: &Certificate) -> bool {
    let Some(exts) = cert.tbs_certificate.extensions.as_ref() else {
        return false;
    };
    exts.iter()
        .find(|e| e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.19"))
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|bc| bc.ca)
}

pub(crate) fn fmt_time(t: x509_cert::time::Time) -> String {
    let secs = t.to_unix_duration().as_secs() as i64;
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()))
        .unwrap_or_else(|_| "?".into())
}

/// Checks the Document Signer certificate against trusted CSCA certificates at time `at`:
/// a CSCA with the DS's issuer name (and, when both say, its key identifier) that is a CA,
/// whose signature on the DS verifies, and which, like the DS, is valid at `at` (9303-12
/// §5.3: a CSCA certificate outlives every card it certifies, so an expired one certifies
/// nothing). Every candidate is tried — several trusted certificates may carry one name
/// (key rollover, a stray copy that is no CA) — and when none chains, the failure of the
/// candidate that came closest is returned.
pub fn verify_ds_certificate(
    ds_cert_der: &[u8],
    csca_certs_der: &[&[u8]],
    at: time::OffsetDateTime,
) -> Result<(), PkiError> {
    let ds = parse_cert(ds_cert_der)?;
    let ds_aki = aki(&ds);
    let now = at.unix_timestamp().max(0) as u64;
    let tbs = ds
        .tbs_certificate
        .to_der()
        .map_err(|e| malformed("certificate", e))?;
    let sig = ds
        .signature
        .as_bytes()
        .ok_or_else(|| malformed("certificate", "signature has unused bits"))?;
    let mut issuer_found = false;
    // (how far the candidate got, why it failed): not a CA 1, signature 2, validity 3.
    let mut closest: Option<(u8, PkiError)> = None;
    let mut keep = |stage: u8, e: PkiError| {
        if closest.as_ref().is_none_or(|(s, _)| stage > *s) {
            closest = Some((stage, e));
        }
    };
    for der in csca_certs_der {
        let Ok(csca) = parse_cert(der) else { continue };
        if csca.tbs_certificate.subject != ds.tbs_certificate.issuer {
            continue;
        }
        if let (Some(a), Some(s)) = (&ds_aki, ski(&csca)) {
            if *a != s {
                continue;
            }
        }
        issuer_found = true;
        if !is_ca(&csca) {
            keep(1, PkiError::NotCa);
            continue;
        }
        match verify_with(
            &csca.tbs_certificate.subject_public_key_info,
            &ds.signature_algorithm,
            None,
            &tbs,
            sig,
        ) {
            Ok(true) => {}
            Ok(false) => {
                keep(2, PkiError::BadCertificateSignature);
                continue;
            }
            Err(e) => {
                keep(2, e);
                continue;
            }
        }
        // The DS's own validity: no other CSCA changes it.
        let validity = &ds.tbs_certificate.validity;
        if now < validity.not_before.to_unix_duration().as_secs() {
            return Err(PkiError::CertificateNotYetValid(fmt_time(
                validity.not_before,
            )));
        }
        if now > validity.not_after.to_unix_duration().as_secs() {
            return Err(PkiError::CertificateExpired(fmt_time(validity.not_after)));
        }
        let csca_validity = &csca.tbs_certificate.validity;
        if now < csca_validity.not_before.to_unix_duration().as_secs() {
            keep(
                3,
                PkiError::CscaNotYetValid(fmt_time(csca_validity.not_before)),
            );
            continue;
        }
        if now > csca_validity.not_after.to_unix_duration().as_secs() {
            keep(3, PkiError::CscaExpired(fmt_time(csca_validity.not_after)));
            continue;
        }
        return Ok(());
    }
    Err(match closest {
        Some((_, e)) => e,
        None if issuer_found => PkiError::BadCertificateSignature,
        None => PkiError::UnknownSigner,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    pub not_before: String,
    pub not_after: String,
}

pub fn summarize(cert_der: &[u8]) -> Result<CertSummary, PkiError> {
    let c = parse_cert(cert_der)?;
    Ok(CertSummary {
        subject: c.tbs_certificate.subject.to_string(),
        issuer: c.tbs_certificate.issuer.to_string(),
        serial_hex: hex::encode_upper(c.tbs_certificate.serial_number.as_bytes()),
        not_before: fmt_time(c.tbs_certificate.validity.not_before),
        not_after: fmt_time(c.tbs_certificate.validity.not_after),
    })
}
