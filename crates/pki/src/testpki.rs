//! Key ceremony for test and demo stations: a CSCA and one Document Signer (ECDSA P-256),
//! profiled after ICAO 9303-12 §7.1 as far as rcgen allows.

use crate::PkiError;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SerialNumber,
};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

pub struct TestPki {
    pub csca_cert_der: Vec<u8>,
    pub csca_key_pkcs8: Zeroizing<Vec<u8>>,
    pub ds_cert_der: Vec<u8>,
    pub ds_key_pkcs8: Zeroizing<Vec<u8>>,
    /// A Master List Signer under the same CSCA (extended key usage 2.23.136.1.1.3), for
    /// signing CSCA master lists (9303-12 §9).
    pub mls_cert_der: Vec<u8>,
    pub mls_key_pkcs8: Zeroizing<Vec<u8>>,
}

fn serial(rng: &SystemRandom) -> Result<SerialNumber, PkiError> {
    let mut s = [0u8; 12];
    rng.fill(&mut s).map_err(|_| PkiError::Crypto)?;
    // Positive and without a leading zero byte (RFC 5280 §4.1.2.2).
    s[0] = (s[0] & 0x7F) | 0x40;
    Ok(SerialNumber::from_slice(&s))
}

fn name(country: &str, org: &str, cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, country);
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    dn
}

/// Makes a CSCA (15 years), a Document Signer it certifies (10 years and 3 months: the
/// signer's use period plus the validity of the cards it signs, 9303-12 §5.3) and a Master
/// List Signer (5 years).
///
/// Not in these certificates: the ICAO document-type list extension and the private-key usage
/// period, which rcgen cannot write; readers do not require them.
pub fn generate_test_pki(
    country: &str,
    org: &str,
    now: time::OffsetDateTime,
) -> Result<TestPki, PkiError> {
    let rng = SystemRandom::new();
    let err = |e: rcgen::Error| PkiError::Malformed {
        what: "certificate parameters",
        why: e.to_string(),
    };
    let csca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let mut csca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    csca.distinguished_name = name(country, org, &format!("CSCA {country} (test)"));
    csca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    csca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    csca.not_before = now;
    csca.not_after = now + time::Duration::days(15 * 365 + 4);
    csca.serial_number = Some(serial(&rng)?);
    let csca_cert = csca.self_signed(&csca_key).map_err(err)?;

    let ds_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let mut ds = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ds.distinguished_name = name(country, org, &format!("Document Signer {country} (test)"));
    ds.is_ca = IsCa::ExplicitNoCa;
    ds.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    ds.use_authority_key_identifier_extension = true;
    ds.not_before = now;
    ds.not_after = now + time::Duration::days(10 * 365 + 3 + 92);
    ds.serial_number = Some(serial(&rng)?);
    let ds_cert = ds.signed_by(&ds_key, &csca_cert, &csca_key).map_err(err)?;

    let mls_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let mut mls = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    mls.distinguished_name = name(
        country,
        org,
        &format!("Master List Signer {country} (test)"),
    );
    mls.is_ca = IsCa::ExplicitNoCa;
    mls.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    mls.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(vec![2, 23, 136, 1, 1, 3])];
    mls.use_authority_key_identifier_extension = true;
    mls.not_before = now;
    mls.not_after = now + time::Duration::days(5 * 365);
    mls.serial_number = Some(serial(&rng)?);
    let mls_cert = mls
        .signed_by(&mls_key, &csca_cert, &csca_key)
        .map_err(err)?;

    Ok(TestPki {
        csca_cert_der: csca_cert.der().to_vec(),
        csca_key_pkcs8: Zeroizing::new(csca_key.serialize_der()),
        ds_cert_der: ds_cert.der().to_vec(),
        ds_key_pkcs8: Zeroizing::new(ds_key.serialize_der()),
        mls_cert_der: mls_cert.der().to_vec(),
        mls_key_pkcs8: Zeroizing::new(mls_key.serialize_der()),
    })
}
