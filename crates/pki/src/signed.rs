//! CMS SignedData (RFC 5652 §5) as ICAO 9303 uses it: one signer, signed attributes with
//! contentType and messageDigest, the signer's certificate in `certificates`. EF.SOD
//! (9303-10 §4.6.2) and the CSCA Master List (9303-12 §9) are both this shape.

use crate::cert::{parse_cert, verify_with};
use crate::sod::HashAlgorithm;
use crate::{malformed, oids, PkiError};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode};
use ring::signature::EcdsaKeyPair;
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

pub(crate) fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oids::SHA256,
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, PkiError> {
    let mut values = SetOfVec::new();
    values
        .insert(value)
        .map_err(|e| malformed("attribute", e))?;
    Ok(Attribute { oid, values })
}

/// Signs `econtent` as CMS SignedData with ECDSA P-256 / SHA-256: contentType, messageDigest
/// and (optionally) signingTime as signed attributes, the signer identified by issuer and
/// serial number, its certificate included.
pub(crate) fn sign(
    econtent_type: ObjectIdentifier,
    econtent: Vec<u8>,
    key: &EcdsaKeyPair,
    cert_der: &[u8],
    signing_time: Option<time::OffsetDateTime>,
) -> Result<Vec<u8>, PkiError> {
    let enc = |e: der::Error| malformed("CMS encoding", e);
    let digest = ring::digest::digest(&ring::digest::SHA256, &econtent);

    let mut signed_attrs = SetOfVec::new();
    signed_attrs
        .insert(attribute(
            oids::CONTENT_TYPE,
            Any::encode_from(&econtent_type).map_err(enc)?,
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
    let signature = key.sign(&rng, &to_sign).map_err(|_| PkiError::Crypto)?;

    let cert = parse_cert(cert_der)?;
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
            econtent_type,
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

/// A parsed SignedData: its content and what verifies it.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    pub econtent_type: ObjectIdentifier,
    pub econtent: Vec<u8>,
    /// The signer's certificate (by issuer and serial or subject key identifier; else the
    /// first certificate carried).
    pub signer_cert_der: Option<Vec<u8>>,
    signer: Option<SignerInfo>,
}

/// Parses a ContentInfo holding SignedData with encapsulated content. `what` names the
/// file in errors ("EF.SOD", "master list").
pub(crate) fn parse(content_info_der: &[u8], what: &'static str) -> Result<Signed, PkiError> {
    let ci = ContentInfo::from_der(content_info_der).map_err(|e| malformed(what, e))?;
    if ci.content_type != oids::ID_SIGNED_DATA {
        return Err(malformed(
            what,
            format!("content type {} is not signedData", ci.content_type),
        ));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| malformed(what, e))?;
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| malformed(what, "no encapsulated content"))?
        .decode_as::<OctetString>()
        .map_err(|e| malformed(what, e))?
        .as_bytes()
        .to_vec();
    let signer = sd.signer_infos.0.iter().next().cloned();
    let certs: Vec<Certificate> = sd
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
    let by_sid = signer.as_ref().and_then(|si| {
        certs.iter().find(|c| match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                c.tbs_certificate.issuer == ias.issuer
                    && c.tbs_certificate.serial_number == ias.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                crate::cert::ski(c).is_some_and(|k| k == ski.0.as_bytes())
            }
        })
    });
    let signer_cert_der = match by_sid.or(certs.first()) {
        Some(c) => Some(c.to_der().map_err(|e| malformed(what, e))?),
        None => None,
    };
    Ok(Signed {
        econtent_type: sd.encap_content_info.econtent_type,
        econtent,
        signer_cert_der,
        signer,
    })
}

impl Signed {
    /// The signingTime signed attribute, when present and readable.
    pub fn signing_time(&self) -> Option<time::OffsetDateTime> {
        let attrs = self.signer.as_ref()?.signed_attrs.as_ref()?;
        let a = attrs.iter().find(|a| a.oid == oids::SIGNING_TIME)?;
        let v = a.values.iter().next()?;
        let t = x509_cert::time::Time::from_der(&v.to_der().ok()?).ok()?;
        time::OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64).ok()
    }

    /// messageDigest and contentType attributes, then the signature with the signer
    /// certificate's public key (RFC 5652 §5.4, §11).
    pub fn verify_signature(&self) -> Result<(), PkiError> {
        let si = self
            .signer
            .as_ref()
            .ok_or_else(|| malformed("CMS", "no SignerInfo"))?;
        let cert_der = self
            .signer_cert_der
            .as_ref()
            .ok_or_else(|| malformed("CMS", "no signer certificate"))?;
        let cert = parse_cert(cert_der)?;
        let digest_alg = HashAlgorithm::from_oid(&si.digest_alg.oid)?;
        let message = match &si.signed_attrs {
            Some(attrs) => {
                let md = attrs
                    .iter()
                    .find(|a| a.oid == oids::MESSAGE_DIGEST)
                    .and_then(|a| a.values.iter().next())
                    .and_then(|v| v.decode_as::<OctetString>().ok())
                    .ok_or_else(|| malformed("CMS", "no messageDigest attribute"))?;
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
}
