//! EF.SOD's content: CMS SignedData (RFC 5652) over the LDS Security Object (ICAO 9303-10
//! §4.6.2.2), signed by the Document Signer.

use crate::cert::parse_cert;
use crate::signed::sha256_alg;
use crate::{malformed, oids, PkiError};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use spki::AlgorithmIdentifierOwned;

/// LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo OPTIONAL }
#[derive(Sequence)]
struct LdsSecurityObject {
    version: u8,
    hash_algorithm: AlgorithmIdentifierOwned,
    data_group_hash_values: Vec<DataGroupHash>,
    lds_version_info: Option<Any>,
}

#[derive(Sequence)]
struct DataGroupHash {
    data_group_number: u8,
    data_group_hash_value: OctetString,
}

/// Hash algorithms an LDS Security Object may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Result<Self, PkiError> {
        match *oid {
            o if o == oids::SHA1 => Ok(HashAlgorithm::Sha1),
            o if o == oids::SHA256 => Ok(HashAlgorithm::Sha256),
            o if o == oids::SHA384 => Ok(HashAlgorithm::Sha384),
            o if o == oids::SHA512 => Ok(HashAlgorithm::Sha512),
            o => Err(PkiError::Unsupported(format!("hash {o}"))),
        }
    }
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            HashAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => &ring::digest::SHA256,
            HashAlgorithm::Sha384 => &ring::digest::SHA384,
            HashAlgorithm::Sha512 => &ring::digest::SHA512,
        };
        ring::digest::digest(alg, data).as_ref().to_vec()
    }
}

/// The station's Document Signer: its private key (ring) and certificate.
pub struct DocumentSigner {
    pub(crate) key: EcdsaKeyPair,
    pub(crate) cert_der: Vec<u8>,
}

impl DocumentSigner {
    pub fn from_pkcs8(key_pkcs8: &[u8], cert_der: &[u8]) -> Result<Self, PkiError> {
        let rng = ring::rand::SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, key_pkcs8, &rng)
            .map_err(|_| {
                PkiError::Unsupported(
                    "Document Signer key: only ECDSA P-256 PKCS#8 keys are supported".into(),
                )
            })?;
        let cert = parse_cert(cert_der)?;
        if cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes()
            != key.public_key().as_ref()
        {
            return Err(PkiError::KeyMismatch);
        }
        Ok(DocumentSigner {
            key,
            cert_der: cert_der.to_vec(),
        })
    }
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }
}

impl std::fmt::Debug for DocumentSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentSigner(..)")
    }
}

/// Builds and signs EF.SOD's ContentInfo over the data groups' SHA-256 hashes.
pub fn build_sod(
    signer: &DocumentSigner,
    dg_hashes: &[(u8, Vec<u8>)],
    signing_time: Option<time::OffsetDateTime>,
) -> Result<Vec<u8>, PkiError> {
    let enc = |e: der::Error| malformed("SOD encoding", e);
    let lso = LdsSecurityObject {
        version: 0,
        hash_algorithm: sha256_alg(),
        data_group_hash_values: dg_hashes
            .iter()
            .map(|(n, h)| {
                Ok(DataGroupHash {
                    data_group_number: *n,
                    data_group_hash_value: OctetString::new(h.clone())?,
                })
            })
            .collect::<Result<_, der::Error>>()
            .map_err(enc)?,
        lds_version_info: None,
    };
    let econtent = lso.to_der().map_err(enc)?;
    crate::signed::sign(
        oids::LDS_SECURITY_OBJECT,
        econtent,
        &signer.key,
        &signer.cert_der,
        signing_time,
    )
}

/// A parsed EF.SOD.
#[derive(Debug, Clone)]
pub struct Sod {
    pub hash_algorithm: HashAlgorithm,
    pub dg_hashes: Vec<(u8, Vec<u8>)>,
    pub ds_certificate_der: Option<Vec<u8>>,
    pub signing_time: Option<time::OffsetDateTime>,
    signed: crate::signed::Signed,
}

pub fn parse_sod(content_info_der: &[u8]) -> Result<Sod, PkiError> {
    let signed = crate::signed::parse(content_info_der, "EF.SOD")?;
    let lso = LdsSecurityObject::from_der(&signed.econtent)
        .map_err(|e| malformed("LDS Security Object", e))?;
    let hash_algorithm = HashAlgorithm::from_oid(&lso.hash_algorithm.oid)?;
    let dg_hashes = lso
        .data_group_hash_values
        .iter()
        .map(|d| {
            (
                d.data_group_number,
                d.data_group_hash_value.as_bytes().to_vec(),
            )
        })
        .collect();
    Ok(Sod {
        hash_algorithm,
        dg_hashes,
        ds_certificate_der: signed.signer_cert_der.clone(),
        signing_time: signed.signing_time(),
        signed,
    })
}

impl Sod {
    /// messageDigest and contentType attributes, and the signature with the DS public key.
    pub fn verify_signature(&self) -> Result<(), PkiError> {
        self.signed.verify_signature()
    }

    pub fn hash_for(&self, number: u8) -> Option<&[u8]> {
        self.dg_hashes
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, h)| h.as_slice())
    }

    /// Hashes a data group file and compares it with the SOD.
    pub fn check_data_group(&self, number: u8, file_bytes: &[u8]) -> Result<(), PkiError> {
        let expected = self
            .hash_for(number)
            .ok_or(PkiError::DataGroupNotInSod(number))?;
        if self.hash_algorithm.digest(file_bytes) == expected {
            Ok(())
        } else {
            Err(PkiError::DataGroupHashMismatch(number))
        }
    }
}
