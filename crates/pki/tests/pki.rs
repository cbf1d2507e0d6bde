use pki::*;
use proptest::prelude::*;
use std::process::Command;

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn signer(p: &TestPki) -> DocumentSigner {
    DocumentSigner::from_pkcs8(&p.ds_key_pkcs8, &p.ds_cert_der).unwrap()
}

fn sample_sod(p: &TestPki) -> (Vec<u8>, Vec<(u8, Vec<u8>)>) {
    let files: Vec<(u8, Vec<u8>)> = vec![
        (1, b"dg one".to_vec()),
        (2, vec![0x75; 300]),
        (13, "Nguyễn Văn An".as_bytes().to_vec()),
    ];
    let hashes: Vec<(u8, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| {
            (
                *n,
                ring::digest::digest(&ring::digest::SHA256, b)
                    .as_ref()
                    .to_vec(),
            )
        })
        .collect();
    (build_sod(&signer(p), &hashes, Some(now())).unwrap(), files)
}

#[test]
fn sod_signs_verifies_and_chains() {
    let p = generate_test_pki("VN", "test", now()).unwrap();
    let (der, files) = sample_sod(&p);
    let sod = parse_sod(&der).unwrap();
    assert_eq!(sod.hash_algorithm, HashAlgorithm::Sha256);
    assert_eq!(sod.dg_hashes.len(), 3);
    assert!(sod.signing_time.is_some());
    sod.verify_signature().unwrap();
    for (n, b) in &files {
        sod.check_data_group(*n, b).unwrap();
    }
    assert_eq!(
        sod.check_data_group(13, b"altered"),
        Err(PkiError::DataGroupHashMismatch(13))
    );
    assert_eq!(
        sod.check_data_group(3, b"x"),
        Err(PkiError::DataGroupNotInSod(3))
    );
    let ds = sod.ds_certificate_der.clone().unwrap();
    assert_eq!(ds, p.ds_cert_der);
    verify_ds_certificate(&ds, &[&p.csca_cert_der], now()).unwrap();
    let s = summarize(&ds).unwrap();
    assert!(s.subject.contains("Document Signer"), "{s:?}");
    assert!(summarize(&p.csca_cert_der).unwrap().issuer.contains("CSCA"));
}

#[test]
fn chain_failures_are_named() {
    let p = generate_test_pki("VN", "test", now()).unwrap();
    let other = generate_test_pki("VN", "test", now()).unwrap();
    // Same subject names, different keys: the signature check catches the impostor CSCA.
    let e = verify_ds_certificate(&p.ds_cert_der, &[&other.csca_cert_der], now()).unwrap_err();
    assert!(
        matches!(
            e,
            PkiError::UnknownSigner | PkiError::BadCertificateSignature
        ),
        "{e:?}"
    );
    let unrelated = generate_test_pki("LA", "elsewhere", now()).unwrap();
    assert_eq!(
        verify_ds_certificate(&p.ds_cert_der, &[&unrelated.csca_cert_der], now()),
        Err(PkiError::UnknownSigner)
    );
    let later = now() + time::Duration::days(365 * 11);
    assert!(matches!(
        verify_ds_certificate(&p.ds_cert_der, &[&p.csca_cert_der], later),
        Err(PkiError::CertificateExpired(_))
    ));
    let earlier = now() - time::Duration::days(2);
    assert!(matches!(
        verify_ds_certificate(&p.ds_cert_der, &[&p.csca_cert_der], earlier),
        Err(PkiError::CertificateNotYetValid(_))
    ));
    // The DS certificate is not a CA: nothing it "issued" chains.
    assert!(verify_ds_certificate(&p.csca_cert_der, &[&p.ds_cert_der], now()).is_err());
}

#[test]
fn tampered_sod_fails() {
    let p = generate_test_pki("VN", "test", now()).unwrap();
    let (der, _) = sample_sod(&p);
    // Flip a byte inside the first data group hash: find its bytes in the DER.
    let sod = parse_sod(&der).unwrap();
    let h = sod.hash_for(1).unwrap().to_vec();
    let pos = der
        .windows(h.len())
        .position(|w| w == h.as_slice())
        .unwrap();
    let mut bad = der.clone();
    bad[pos] ^= 0xFF;
    let tampered = parse_sod(&bad).unwrap();
    assert_eq!(tampered.verify_signature(), Err(PkiError::DigestMismatch));
    // Another signer's key with this certificate: refused at load.
    let other = generate_test_pki("VN", "test", now()).unwrap();
    assert!(matches!(
        DocumentSigner::from_pkcs8(&other.ds_key_pkcs8, &p.ds_cert_der),
        Err(PkiError::KeyMismatch)
    ));
}

#[test]
fn key_files_round_trip_and_reject_wrong_passphrase() {
    let p = generate_test_pki("VN", "test", now()).unwrap();
    let enc = encrypt_private_key(&p.ds_key_pkcs8, b"correct horse").unwrap();
    let dec = decrypt_private_key(&enc, b"correct horse").unwrap();
    assert_eq!(*dec, *p.ds_key_pkcs8);
    assert_eq!(
        decrypt_private_key(&enc, b"wrong horse"),
        Err(PkiError::WrongPassphrase)
    );
    // Unencrypted PKCS#8 (a real signer's export) loads too.
    assert_eq!(
        *decrypt_private_key(&p.ds_key_pkcs8, b"").unwrap(),
        *p.ds_key_pkcs8
    );
}

/// The interoperability check needs the openssl command (Debian package openssl, which
/// hil/test installs); it fails rather than passing silently without it.
fn openssl() -> &'static str {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "the openssl command is needed: apt-get install openssl");
    "openssl"
}

#[test]
fn openssl_reads_our_key_files_and_sod() {
    let openssl = openssl();
    let dir = std::env::temp_dir().join(format!("pki-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = generate_test_pki("VN", "test", now()).unwrap();
    std::fs::write(
        dir.join("key.p8"),
        encrypt_private_key(&p.ds_key_pkcs8, b"openssl-pass").unwrap(),
    )
    .unwrap();
    let out = Command::new(openssl)
        .args([
            "pkcs8",
            "-inform",
            "DER",
            "-outform",
            "DER",
            "-passin",
            "pass:openssl-pass",
            "-in",
        ])
        .arg(dir.join("key.p8"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl pkcs8: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (sod, _) = sample_sod(&p);
    std::fs::write(dir.join("sod.der"), &sod).unwrap();
    std::fs::write(dir.join("csca.der"), &p.csca_cert_der).unwrap();
    let out = Command::new(openssl)
        .args([
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-binary",
            "-purpose",
            "any",
            "-noverify",
            "-in",
        ])
        .arg(dir.join("sod.der"))
        .arg("-out")
        .arg(dir.join("lso.der"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn active_authentication_round_trip() {
    let key = ActiveAuthKey::generate().unwrap();
    let spki = key.subject_public_key_info_der();
    let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
    let sig = aa_sign(&key.private_scalar(), &key.public_point(), &challenge).unwrap();
    assert_eq!(sig.len(), 64);
    aa_verify(&spki, &challenge, &sig).unwrap();
    assert_eq!(aa_verify(&spki, &[0; 8], &sig), Err(PkiError::AaFailed));
    let clone = ActiveAuthKey::generate().unwrap();
    let forged = aa_sign(&clone.private_scalar(), &clone.public_point(), &challenge).unwrap();
    assert_eq!(
        aa_verify(&spki, &challenge, &forged),
        Err(PkiError::AaFailed)
    );
    let infos = aa_security_infos_der();
    assert_eq!(
        parse_aa_signature_algorithm(&infos).unwrap().as_deref(),
        Some("0.4.0.127.0.7.1.1.4.1.3")
    );
    // A scalar that does not match the public point is refused.
    assert!(aa_sign(&clone.private_scalar(), &key.public_point(), &challenge).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(s) = parse_sod(&bytes) { let _ = s.verify_signature(); }
        let _ = summarize(&bytes);
        let _ = load_certificate(&bytes);
        let _ = aa_verify(&bytes, &[0; 8], &bytes);
        let _ = decrypt_private_key(&bytes, b"x");
        let _ = parse_aa_signature_algorithm(&bytes);
        let _ = verify_ds_certificate(&bytes, &[&bytes], time::OffsetDateTime::UNIX_EPOCH);
    }
}

#[test]
fn mutated_sods_never_panic() {
    let p = generate_test_pki("VN", "test", now()).unwrap();
    let (der, _) = sample_sod(&p);
    let mut rng = 0x1234_5678u64;
    for i in 0..2000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut m = der.clone();
        let pos = (rng as usize) % m.len();
        match i % 3 {
            0 => m[pos] ^= (rng >> 32) as u8 | 1,
            1 => m.truncate(pos),
            _ => m.insert(pos, (rng >> 40) as u8),
        }
        if let Ok(s) = parse_sod(&m) {
            let _ = s.verify_signature();
            if let Some(ds) = &s.ds_certificate_der {
                let _ = verify_ds_certificate(ds, &[&p.csca_cert_der], now());
            }
        }
    }
}

/// A CSCA (C=VN, O=`org`, CN=CSCA VN (test), as generate_test_pki names it) with `key`,
/// valid from `from` to `to`, a CA or not; and a Document Signer it certifies, valid now.
fn csca_and_ds(
    org: &str,
    key: &rcgen::KeyPair,
    ca: bool,
    from: time::OffsetDateTime,
    to: time::OffsetDateTime,
) -> (Vec<u8>, Vec<u8>) {
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CountryName, "VN");
    dn.push(rcgen::DnType::OrganizationName, org);
    dn.push(rcgen::DnType::CommonName, "CSCA VN (test)");
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn;
    p.is_ca = if ca {
        rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0))
    } else {
        rcgen::IsCa::ExplicitNoCa
    };
    p.not_before = from;
    p.not_after = to;
    let csca = p.self_signed(key).unwrap();
    let ds_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut d = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    d.distinguished_name
        .push(rcgen::DnType::CommonName, "Document Signer VN (test)");
    d.use_authority_key_identifier_extension = true;
    d.not_before = now() - time::Duration::days(1);
    d.not_after = now() + time::Duration::days(365);
    let ds = d.signed_by(&ds_key, &csca, key).unwrap();
    (csca.der().to_vec(), ds.der().to_vec())
}

/// Several trusted certificates with the DS's issuer name: a stray copy that is no CA
/// (same name, same key) no longer hides the real CSCA after it; and a CSCA is itself
/// checked for validity — an expired or not yet valid CSCA certifies nothing, even when its
/// signature and the DS's dates are right.
#[test]
fn every_same_name_csca_is_tried_and_the_cscas_validity_counts() {
    let p = generate_test_pki("VN", "rollover", now()).unwrap();
    let key = rcgen::KeyPair::try_from(p.csca_key_pkcs8.as_slice()).unwrap();
    let year = time::Duration::days(365);
    let (not_ca, _) = csca_and_ds("rollover", &key, false, now() - year, now() + year);
    assert_eq!(
        verify_ds_certificate(&p.ds_cert_der, &[&not_ca], now()),
        Err(PkiError::NotCa)
    );
    assert_eq!(
        verify_ds_certificate(&p.ds_cert_der, &[&not_ca, &p.csca_cert_der], now()),
        Ok(())
    );

    let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let (expired, ds) = csca_and_ds(
        "old",
        &other,
        true,
        now() - year * 16,
        now() - time::Duration::days(1),
    );
    assert!(matches!(
        verify_ds_certificate(&ds, &[&expired], now()),
        Err(PkiError::CscaExpired(_))
    ));
    let (future, ds) = csca_and_ds("new", &other, true, now() + year, now() + year * 15);
    let e = verify_ds_certificate(&ds, &[&future], now()).unwrap_err();
    assert!(matches!(e, PkiError::CscaNotYetValid(_)), "{e:?}");
    assert!(e.to_string().contains("CSCA"), "{e}");
    // The closest failure is named: an expired CSCA beside a same-name non-CA copy.
    let (copy, _) = csca_and_ds("old", &other, false, now() - year, now() + year);
    let (expired, ds) = csca_and_ds(
        "old",
        &other,
        true,
        now() - year * 16,
        now() - time::Duration::days(1),
    );
    assert!(matches!(
        verify_ds_certificate(&ds, &[&copy, &expired], now()),
        Err(PkiError::CscaExpired(_))
    ));
}
