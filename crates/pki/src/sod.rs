//! EF.SOD's content: CMS SignedData (RFC 5652) over the LDS Security Object (ICAO 9303-10
//! §4.6.2.2), signed by the Document Signer.

use crate::cert::{parse_cert, verify_with};
use crate::{malformed, oids, PkiError};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode, Sequence};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

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
    fn from_oid(oid: &ObjectIdentifier) -> Result<Self, PkiError> {
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

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oids::SHA256,
        parameters: None,
    }
}

/// The station's Document Signer: its private key (ring) and certificate.
pub struct DocumentSigner {
    key: EcdsaKeyPair,
    cert_der: Vec<u8>,
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

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, PkiError> {
    let mut values = SetOfVec::new();
    values
        .insert(value)
        .map_err(|e| malformed("attribute", e))?;
    Ok(Attribute { oid, values })
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
    let digest = ring::digest::digest(&ring::digest::SHA256, &econtent);

    let mut signed_attrs = SetOfVec::new();
    signed_attrs
        .insert(attribute(
            oids::CONTENT_TYPE,
            Any::encode_from(&oids::LDS_SECURITY_OBJECT).map_err(enc)?,
        )?)
        .map_err(enc)?;
    signed_attrs
        .insert(attribute(
            oids::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.as_ref()).map_err(enc)?).map_err(enc)?,
        )?)
        .map_err(enc)?;
    if let Some(t) = signing_time {
        let secs = u64::try_from(t.unix_timestamp())
            .map_err(|_| malformed("signing time", "before 1970"))?;
        let utc = UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(enc)?;
        signed_attrs
            .insert(attribute(
                oids::SIGNING_TIME,
                Any::encode_from(&utc).map_err(enc)?,
            )?)
            .map_err(enc)?;
    }
    // The signature covers the DER of the attributes as a SET OF (RFC 5652 §5.4).
    let to_sign = signed_attrs.to_der().map_err(enc)?;
    let rng = ring::rand::SystemRandom::new();
    let signature = signer
        .key
        .sign(&rng, &to_sign)
        .map_err(|_| PkiError::Crypto)?;

    let cert = parse_cert(&signer.cert_der)?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: sha256_alg(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: oids::ECDSA_SHA256,
            parameters: None,
        },
        signature: OctetString::new(signature.as_ref()).map_err(enc)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_alg()).map_err(enc)?;
    let mut certs = SetOfVec::new();
    certs
        .insert(CertificateChoices::Certificate(cert))
        .map_err(enc)?;
    let mut infos = SetOfVec::new();
    infos.insert(signer_info).map_err(enc)?;
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::LDS_SECURITY_OBJECT,
            econtent: Some(
                Any::encode_from(&OctetString::new(econtent).map_err(enc)?).map_err(enc)?,
            ),
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    let ci = ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(enc)?,
    };
    ci.to_der().map_err(enc)
}

/// A parsed EF.SOD.
#[derive(Debug, Clone)]
pub struct Sod {
    pub hash_algorithm: HashAlgorithm,
    pub dg_hashes: Vec<(u8, Vec<u8>)>,
    pub ds_certificate_der: Option<Vec<u8>>,
    pub signing_time: Option<time::OffsetDateTime>,
    econtent: Vec<u8>,
    signer: Option<SignerInfo>,
    econtent_type: ObjectIdentifier,
}

pub fn parse_sod(content_info_der: &[u8]) -> Result<Sod, PkiError> {
    let ci = ContentInfo::from_der(content_info_der).map_err(|e| malformed("EF.SOD", e))?;
    if ci.content_type != oids::ID_SIGNED_DATA {
        return Err(malformed(
            "EF.SOD",
            format!("content type {} is not signedData", ci.content_type),
        ));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| malformed("EF.SOD SignedData", e))?;
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| malformed("EF.SOD", "no encapsulated content"))?
        .decode_as::<OctetString>()
        .map_err(|e| malformed("EF.SOD eContent", e))?
        .as_bytes()
        .to_vec();
    let lso =
        LdsSecurityObject::from_der(&econtent).map_err(|e| malformed("LDS Security Object", e))?;
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
    let signer = sd.signer_infos.0.iter().next().cloned();
    let certs: Vec<x509_cert::Certificate> = sd
        .certificates
        .as_ref()
        .map(|c| {
            c.0.iter()
                .filter_map(|ch| match ch {
                    CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    // The signer's certificate: by issuer and serial, or by subject key identifier.
    let ds = signer.as_ref().and_then(|si| {
        certs.iter().find(|c| match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                c.tbs_certificate.issuer == ias.issuer
                    && c.tbs_certificate.serial_number == ias.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => c
                .tbs_certificate
                .extensions
                .as_ref()
                .and_then(|exts| {
                    exts.iter()
                        .find(|e| e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.14"))
                })
                .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
                .is_some_and(|k| k.as_bytes() == ski.0.as_bytes()),
        })
    });
    let ds_certificate_der = match ds.or(certs.first()) {
        Some(c) => Some(c.to_der().map_err(|e| malformed("DS certificate", e))?),
        None => None,
    };
    let signing_time = signer.as_ref().and_then(|si| {
        let attrs = si.signed_attrs.as_ref()?;
        let a = attrs.iter().find(|a| a.oid == oids::SIGNING_TIME)?;
        let v = a.values.iter().next()?;
        let t = x509_cert::time::Time::from_der(&v.to_der().ok()?).ok()?;
        time::OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64).ok()
    });
    Ok(Sod {
        hash_algorithm,
        dg_hashes,
        ds_certificate_der,
        signing_time,
        econtent,
        signer,
        econtent_type: sd.encap_content_info.econtent_type,
    })
}

impl Sod {
    /// messageDigest and contentType attributes, and the signature with the DS public key.
    pub fn verify_signature(&self) -> Result<(), PkiError> {
        let si = self
            .signer
            .as_ref()
            .ok_or_else(|| malformed("EF.SOD", "no SignerInfo"))?;
        let cert_der = self
            .ds_certificate_der
            .as_ref()
            .ok_or_else(|| malformed("EF.SOD", "no Document Signer certificate"))?;
        let cert = parse_cert(cert_der)?;
        let digest_alg = HashAlgorithm::from_oid(&si.digest_alg.oid)?;
        let message = match &si.signed_attrs {
            Some(attrs) => {
                let md = attrs
                    .iter()
                    .find(|a| a.oid == oids::MESSAGE_DIGEST)
                    .and_then(|a| a.values.iter().next())
                    .and_then(|v| v.decode_as::<OctetString>().ok())
                    .ok_or_else(|| malformed("EF.SOD", "no messageDigest attribute"))?;
                if md.as_bytes() != digest_alg.digest(&self.econtent).as_slice() {
                    return Err(PkiError::DigestMismatch);
                }
                let ct = attrs
                    .iter()
                    .find(|a| a.oid == oids::CONTENT_TYPE)
                    .and_then(|a| a.values.iter().next())
                    .and_then(|v| v.decode_as::<ObjectIdentifier>().ok());
                if ct != Some(self.econtent_type) {
                    return Err(PkiError::ContentTypeMismatch);
                }
                attrs
                    .to_der()
                    .map_err(|e| malformed("signed attributes", e))?
            }
            None => self.econtent.clone(),
        };
        let ok = verify_with(
            &cert.tbs_certificate.subject_public_key_info,
            &si.signature_algorithm,
            Some(&si.digest_alg.oid),
            &message,
            si.signature.as_bytes(),
        )?;
        if ok {
            Ok(())
        } else {
            Err(PkiError::BadSignature)
        }
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
