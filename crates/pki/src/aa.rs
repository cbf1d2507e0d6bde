//! Active Authentication (ICAO 9303-11 §6.1) with ECDSA: the chip signs the terminal's
//! 8-byte challenge with a private key that never leaves it, proving it is not a copy.
//! Signatures are plain r || s over SHA-256 (ecdsa-plain-SHA256, BSI TR-03111 §5.2.1), as
//! DG14's ActiveAuthenticationInfo announces.

use crate::{malformed, oids, PkiError};
use der::asn1::{BitString, ObjectIdentifier, SetOfVec};
use der::{Decode, Encode, Sequence, ValueOrd};
use ring::signature::{
    self, EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED_SIGNING,
};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

/// A per-card AA key pair. Generated for one card; the private scalar is sent to the chip
/// and then dropped (zeroized).
pub struct ActiveAuthKey {
    pkcs8: Zeroizing<Vec<u8>>,
    public: [u8; 65],
}

impl std::fmt::Debug for ActiveAuthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActiveAuthKey(..)")
    }
}

impl ActiveAuthKey {
    pub fn generate() -> Result<Self, PkiError> {
        let rng = ring::rand::SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| PkiError::Crypto)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref(), &rng)
            .map_err(|_| PkiError::Crypto)?;
        let public: [u8; 65] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| PkiError::Crypto)?;
        Ok(ActiveAuthKey {
            pkcs8: Zeroizing::new(doc.as_ref().to_vec()),
            public,
        })
    }

    /// The private scalar d (32 bytes), from the SEC 1 ECPrivateKey inside the PKCS#8 document.
    pub fn private_scalar(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        if let Ok(info) = pkcs8::PrivateKeyInfo::from_der(&self.pkcs8) {
            if let Ok(ec) = sec1::EcPrivateKey::from_der(info.private_key) {
                if ec.private_key.len() == 32 {
                    out.copy_from_slice(ec.private_key);
                }
            }
        }
        out
    }

    pub fn public_point(&self) -> [u8; 65] {
        self.public
    }

    /// SubjectPublicKeyInfo (id-ecPublicKey, prime256v1): the content of DG15.
    pub fn subject_public_key_info_der(&self) -> Vec<u8> {
        let Ok(subject_public_key) = BitString::from_bytes(&self.public) else {
            return Vec::new();
        };
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: oids::EC_PUBLIC_KEY,
                parameters: der::asn1::Any::encode_from(&oids::PRIME256V1).ok(),
            },
            subject_public_key,
        };
        spki.to_der().unwrap_or_default()
    }
}

/// ActiveAuthenticationInfo ::= SEQUENCE { protocol, version, signatureAlgorithm } (9303-11 §9.2.7)
#[derive(Sequence, ValueOrd, PartialEq, Eq, Clone)]
struct ActiveAuthenticationInfo {
    protocol: ObjectIdentifier,
    version: u8,
    signature_algorithm: ObjectIdentifier,
}

/// DG14's SecurityInfos with one ActiveAuthenticationInfo (ecdsa-plain-SHA256).
pub fn aa_security_infos_der() -> Vec<u8> {
    let mut set = SetOfVec::new();
    let _ = set.insert(ActiveAuthenticationInfo {
        protocol: oids::ID_AA,
        version: 1,
        signature_algorithm: oids::ECDSA_PLAIN_SHA256,
    });
    set.to_der().unwrap_or_default()
}

/// The AA signature algorithm announced in DG14's SecurityInfos, if any.
pub fn parse_aa_signature_algorithm(security_infos_der: &[u8]) -> Result<Option<String>, PkiError> {
    // SecurityInfo ::= SEQUENCE { protocol OID, requiredData ANY, optionalData ANY OPTIONAL }
    let infos = SetOfVec::<der::asn1::Any>::from_der(security_infos_der)
        .map_err(|e| malformed("DG14 SecurityInfos", e))?;
    for info in infos.iter() {
        if let Ok(aa) = info.decode_as::<ActiveAuthenticationInfo>() {
            if aa.protocol == oids::ID_AA {
                return Ok(Some(aa.signature_algorithm.to_string()));
            }
        }
    }
    Ok(None)
}

/// The chip's side: signs the challenge.
pub fn aa_sign(
    private_scalar: &[u8; 32],
    public_point: &[u8; 65],
    challenge: &[u8],
) -> Result<Vec<u8>, PkiError> {
    let rng = ring::rand::SystemRandom::new();
    let pair = EcdsaKeyPair::from_private_key_and_public_key(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        private_scalar,
        public_point,
        &rng,
    )
    .map_err(|_| PkiError::Crypto)?;
    Ok(pair
        .sign(&rng, challenge)
        .map_err(|_| PkiError::Crypto)?
        .as_ref()
        .to_vec())
}

/// Whether this station can check Active Authentication with DG15's key: ECDSA on P-256 or
/// P-384. `UnsupportedAaAlgorithm` otherwise (RSA AA, common on passports, needs ISO/IEC
/// 9796-2 message recovery, which ring does not offer), `Malformed` for a key that does not
/// parse.
pub fn aa_key_supported(spki_der_from_dg15: &[u8]) -> Result<(), PkiError> {
    aa_algorithm(spki_der_from_dg15).map(|_| ())
}

fn aa_algorithm(
    spki_der_from_dg15: &[u8],
) -> Result<
    (
        SubjectPublicKeyInfoOwned,
        &'static dyn signature::VerificationAlgorithm,
    ),
    PkiError,
> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der_from_dg15)
        .map_err(|e| malformed("DG15 public key", e))?;
    if spki.algorithm.oid != oids::EC_PUBLIC_KEY {
        // RSA AA (ISO/IEC 9796-2 message recovery) needs a raw RSA operation ring does not offer.
        return Err(PkiError::UnsupportedAaAlgorithm(
            if spki.algorithm.oid == oids::RSA_ENCRYPTION {
                "RSA (ISO/IEC 9796-2)".to_string()
            } else {
                spki.algorithm.oid.to_string()
            },
        ));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let alg: &dyn signature::VerificationAlgorithm = match curve {
        Some(c) if c == oids::PRIME256V1 => &signature::ECDSA_P256_SHA256_FIXED,
        Some(c) if c == oids::SECP384R1 => &signature::ECDSA_P384_SHA384_FIXED,
        other => {
            return Err(PkiError::UnsupportedAaAlgorithm(format!(
                "EC curve {other:?}"
            )))
        }
    };
    Ok((spki, alg))
}

/// The terminal's side: checks the chip's signature with DG15's public key.
pub fn aa_verify(
    spki_der_from_dg15: &[u8],
    challenge: &[u8],
    signature_bytes: &[u8],
) -> Result<(), PkiError> {
    let (spki, alg) = aa_algorithm(spki_der_from_dg15)?;
    UnparsedPublicKey::new(alg, spki.subject_public_key.raw_bytes())
        .verify(challenge, signature_bytes)
        .map_err(|_| PkiError::AaFailed)
}
