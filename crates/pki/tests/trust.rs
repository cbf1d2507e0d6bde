//! The checkpoint trust store: CSCA folders, master lists (ICAO 9303-12 §9), CRLs (RFC 5280).

use pki::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Two unrelated test PKIs, A and B, made once.
fn pkis() -> &'static (TestPki, TestPki) {
    static P: OnceLock<(TestPki, TestPki)> = OnceLock::new();
    P.get_or_init(|| {
        (
            generate_test_pki("VN", "A", now()).unwrap(),
            generate_test_pki("VN", "B", now()).unwrap(),
        )
    })
}

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pki-trust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

fn chains(store: &TrustStore, ds: &[u8]) -> Result<(), PkiError> {
    let anchors = store.anchors_der();
    let refs: Vec<&[u8]> = anchors.iter().map(Vec::as_slice).collect();
    verify_ds_certificate(ds, &refs, now())
}

#[test]
fn a_folder_of_der_and_pem_certificates_is_trusted_and_other_files_are_named() {
    let (a, b) = pkis();
    let dir = scratch("folder");
    std::fs::write(dir.join("a.der"), &a.csca_cert_der).unwrap();
    // Two certificates in one PEM file.
    let both = pem("CERTIFICATE", &b.csca_cert_der) + &pem("CERTIFICATE", &a.csca_cert_der);
    std::fs::write(dir.join("both.PEM"), both).unwrap();
    std::fs::write(dir.join("README.txt"), "not a certificate").unwrap();
    // A link into a shared store counts like the file.
    let shared = scratch("folder-shared");
    std::fs::write(shared.join("a.der"), &a.csca_cert_der).unwrap();
    std::os::unix::fs::symlink(shared.join("a.der"), dir.join("linked.crt")).unwrap();
    let mut store = TrustStore::new();
    let loaded = store.load_folder(&dir, now()).unwrap();
    assert_eq!(loaded.len(), 3);
    assert_eq!(store.anchors().len(), 2, "duplicates are kept once");
    assert!(store.revocations().is_none(), "no CRL loaded");
    assert!(store.notes.iter().any(|n| n.contains("README.txt")));
    assert_eq!(chains(&store, &a.ds_cert_der), Ok(()));
    assert_eq!(chains(&store, &b.ds_cert_der), Ok(()));

    let _ = std::fs::remove_dir_all(&dir);
}

/// One broken or unverified file in a shared trust folder: the folder's other files are
/// used, and each refused file is named (for the officer) in both languages.
#[test]
fn a_folder_with_broken_and_unverified_files_loads_the_rest_and_names_them() {
    let (a, b) = pkis();
    let dir = scratch("folder-broken");
    std::fs::write(dir.join("a.der"), &a.csca_cert_der).unwrap();
    std::fs::write(dir.join("broken.cer"), b"\x30\x03\x02\x01").unwrap();
    // A master list whose signer's CSCA (B) is not in the folder.
    let unverified = build_master_list(
        &b.mls_key_pkcs8,
        &b.mls_cert_der,
        std::slice::from_ref(&b.csca_cert_der),
        None,
    )
    .unwrap();
    std::fs::write(dir.join("b.ml"), unverified).unwrap();
    // B's CRL: its issuer is not trusted.
    let crl = sign_crl(
        &b.csca_cert_der,
        &b.csca_key_pkcs8,
        &[vec![1]],
        now(),
        now() + time::Duration::days(1),
    )
    .unwrap();
    std::fs::write(dir.join("b.crl"), crl).unwrap();
    let mut store = TrustStore::new();
    let loaded = store.load_folder(&dir, now()).unwrap();
    assert_eq!(loaded.len(), 1, "{loaded:?}");
    assert_eq!(chains(&store, &a.ds_cert_der), Ok(()));
    assert_eq!(chains(&store, &b.ds_cert_der), Err(PkiError::UnknownSigner));
    assert!(store.revocations().is_none());
    assert_eq!(store.refused.len(), 3, "{:?}", store.refused);
    assert!(matches!(store.refused[0], TrustError::Certificate { .. }));
    assert!(matches!(
        store.refused[1],
        TrustError::MasterListUnverified { .. }
    ));
    assert!(matches!(store.refused[2], TrustError::CrlUnverified { .. }));
    for (file, says) in [
        ("broken.cer", "not a valid certificate"),
        ("b.ml", "UNVERIFIED"),
        ("b.crl", "UNVERIFIED"),
    ] {
        assert!(
            store.notes.iter().any(|n| n.contains(file)
                && n.contains(says)
                && n.contains("KHÔNG DÙNG: ")
                && n.contains(" / NOT USED: ")),
            "{file}: {:?}",
            store.notes
        );
    }
    // The same files named one by one stay strict.
    let mut strict = TrustStore::from_csca_ders(vec![a.csca_cert_der.clone()]);
    assert!(strict.load_master_list(&dir.join("b.ml"), now()).is_err());
    assert!(strict.load_crl(&dir.join("b.crl"), now()).is_err());
    // A folder that cannot be read is still an error.
    assert!(TrustStore::new()
        .load_folder(&dir.join("missing"), now())
        .is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_master_list_signed_under_a_trusted_csca_adds_its_cscas() {
    let (a, b) = pkis();
    let ml = build_master_list(
        &a.mls_key_pkcs8,
        &a.mls_cert_der,
        &[b.csca_cert_der.clone(), a.csca_cert_der.clone()],
        Some(now()),
    )
    .unwrap();
    let mut store = TrustStore::from_csca_ders(vec![a.csca_cert_der.clone()]);
    assert_eq!(chains(&store, &b.ds_cert_der), Err(PkiError::UnknownSigner));
    match store.add_master_list(&ml, "vn.ml", now()).unwrap() {
        Loaded::MasterList {
            certificates,
            signer,
        } => {
            assert_eq!(certificates, 2);
            assert!(signer.contains("Master List Signer"), "{signer}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.anchors().len(), 2);
    assert_eq!(chains(&store, &b.ds_cert_der), Ok(()));

    // In a folder: the certificate is read first, so the list verifies against it.
    let dir = scratch("ml-folder");
    std::fs::write(dir.join("z-csca.der"), &a.csca_cert_der).unwrap();
    std::fs::write(dir.join("a-list.ml"), &ml).unwrap();
    let mut store = TrustStore::new();
    store.load_folder(&dir, now()).unwrap();
    assert_eq!(chains(&store, &b.ds_cert_der), Ok(()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unverified_master_lists_are_refused_saying_why() {
    let (a, b) = pkis();
    let ml = build_master_list(
        &a.mls_key_pkcs8,
        &a.mls_cert_der,
        std::slice::from_ref(&b.csca_cert_der),
        None,
    )
    .unwrap();
    // Its signer's CSCA is not trusted.
    let mut store = TrustStore::from_csca_ders(vec![b.csca_cert_der.clone()]);
    let e = store.add_master_list(&ml, "vn.ml", now()).unwrap_err();
    assert!(
        matches!(e, TrustError::MasterListUnverified { .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("not certified by a CSCA already trusted"),
        "{e}"
    );
    assert_eq!(store.anchors().len(), 1, "nothing added");

    // Signed by a Document Signer: a valid chain, but not a Master List Signer.
    let by_ds = build_master_list(
        &a.ds_key_pkcs8,
        &a.ds_cert_der,
        std::slice::from_ref(&b.csca_cert_der),
        None,
    )
    .unwrap();
    let mut store = TrustStore::from_csca_ders(vec![a.csca_cert_der.clone()]);
    let e = store.add_master_list(&by_ds, "ds.ml", now()).unwrap_err();
    assert!(e.to_string().contains("2.23.136.1.1.3"), "{e}");

    // A CSCA slipped into the signed list: the digest no longer matches.
    let at = ml
        .windows(b.csca_cert_der.len().min(40))
        .position(|w| w == &b.csca_cert_der[..40])
        .unwrap();
    let mut tampered = ml.clone();
    tampered[at + 30] ^= 0x01;
    let e = store
        .add_master_list(&tampered, "tampered.ml", now())
        .unwrap_err();
    assert!(
        matches!(
            e,
            TrustError::MasterListUnverified { .. } | TrustError::MasterList { .. }
        ),
        "{e:?}"
    );
    assert_eq!(store.anchors().len(), 1);

    // A well-formed master list whose certificate SET was replaced (another CSCA slipped
    // in) under the old signer info: the list parses, and is refused as unverified because
    // its messageDigest no longer matches.
    let bigger = build_master_list(
        &a.mls_key_pkcs8,
        &a.mls_cert_der,
        &[b.csca_cert_der.clone(), a.csca_cert_der.clone()],
        None,
    )
    .unwrap();
    let swapped = swap_content(&ml, &bigger);
    assert_ne!(swapped, ml);
    let e = store
        .add_master_list(&swapped, "swapped.ml", now())
        .unwrap_err();
    assert!(
        matches!(e, TrustError::MasterListUnverified { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("messageDigest"), "{e}");
    assert_eq!(store.anchors().len(), 1);

    // An EF.SOD is CMS too, but not a master list.
    let sod = build_sod(
        &DocumentSigner::from_pkcs8(&a.ds_key_pkcs8, &a.ds_cert_der).unwrap(),
        &[(1, vec![0; 32])],
        None,
    )
    .unwrap();
    let e = store.add_master_list(&sod, "sod.ml", now()).unwrap_err();
    assert!(e.to_string().contains("id-icao-cscaMasterList"), "{e}");
    let e = store
        .add_master_list(b"garbage", "garbage.ml", now())
        .unwrap_err();
    assert!(matches!(e, TrustError::MasterList { .. }), "{e:?}");
}

#[test]
fn a_crl_from_a_trusted_csca_revokes_its_document_signer() {
    let (a, b) = pkis();
    let serial = certificate_serial(&a.ds_cert_der).unwrap();
    let crl = sign_crl(
        &a.csca_cert_der,
        &a.csca_key_pkcs8,
        &[serial, vec![0x01, 0x02]],
        now(),
        now() + time::Duration::days(30),
    )
    .unwrap();
    let mut store =
        TrustStore::from_csca_ders(vec![a.csca_cert_der.clone(), b.csca_cert_der.clone()]);
    assert_eq!(
        store.add_crl(&crl, "a.crl", now()).unwrap(),
        Loaded::Crl {
            revoked: 2,
            stale: false
        }
    );
    let rev = store.revocations().expect("a CRL was loaded");
    assert_eq!(rev.crls, 1);
    let e = rev.check(&a.ds_cert_der).unwrap_err();
    assert!(matches!(e, PkiError::RevokedSigner { .. }), "{e:?}");
    assert!(e.to_string().contains("revoked"), "{e}");
    // B's signer is not on A's list (serial numbers are per issuer).
    assert_eq!(rev.check(&b.ds_cert_der), Ok(()));

    // PEM, and a stale one: still applied, with a note.
    let stale = sign_crl(
        &b.csca_cert_der,
        &b.csca_key_pkcs8,
        &[certificate_serial(&b.ds_cert_der).unwrap()],
        now() - time::Duration::days(60),
        now() - time::Duration::days(30),
    )
    .unwrap();
    let loaded = store
        .add_crl(pem("X509 CRL", &stale).as_bytes(), "b.crl", now())
        .unwrap();
    assert_eq!(
        loaded,
        Loaded::Crl {
            revoked: 1,
            stale: true
        }
    );
    assert!(store
        .notes
        .iter()
        .any(|n| n.contains("b.crl") && n.contains("past its next update")));
    assert!(store.revocations().unwrap().check(&b.ds_cert_der).is_err());
}

#[test]
fn crls_not_signed_by_a_trusted_csca_are_refused() {
    let (a, b) = pkis();
    let serial = certificate_serial(&a.ds_cert_der).unwrap();
    let crl = sign_crl(
        &a.csca_cert_der,
        &a.csca_key_pkcs8,
        std::slice::from_ref(&serial),
        now(),
        now(),
    )
    .unwrap();
    // A's CRL with only B trusted.
    let mut store = TrustStore::from_csca_ders(vec![b.csca_cert_der.clone()]);
    let e = store.add_crl(&crl, "a.crl", now()).unwrap_err();
    assert!(matches!(e, TrustError::CrlUnverified { .. }), "{e:?}");
    assert!(e.to_string().contains("not a trusted CSCA"), "{e}");
    // A CRL naming A as issuer but signed with B's key.
    let forged = sign_crl(&a.csca_cert_der, &b.csca_key_pkcs8, &[serial], now(), now()).unwrap();
    let mut store = TrustStore::from_csca_ders(vec![a.csca_cert_der.clone()]);
    let e = store.add_crl(&forged, "forged.crl", now()).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    assert!(store.revocations().is_none());
    let e = store.add_crl(b"\x30\x00", "empty.crl", now()).unwrap_err();
    assert!(matches!(e, TrustError::Crl { .. }), "{e:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Changed bytes in a master list or CRL: refused or (rarely) accepted, never a panic,
    /// and a changed master list never adds a certificate the signer did not sign.
    #[test]
    fn mutated_master_lists_and_crls_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let (a, b) = pkis();
        static FILES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        let (ml, crl) = FILES.get_or_init(|| {
            let (a, b) = pkis();
            (
                build_master_list(&a.mls_key_pkcs8, &a.mls_cert_der, std::slice::from_ref(&b.csca_cert_der), None).unwrap(),
                sign_crl(&a.csca_cert_der, &a.csca_key_pkcs8, &[certificate_serial(&a.ds_cert_der).unwrap()], now(), now()).unwrap(),
            )
        });
        for original in [ml, crl] {
            let mut bytes = original.clone();
            for (i, v) in &edits {
                let at = i.index(bytes.len());
                bytes[at] = *v;
            }
            let mut store = TrustStore::from_csca_ders(vec![a.csca_cert_der.clone()]);
            if store.add_master_list(&bytes, "m.ml", now()).is_ok() && bytes != *original {
                // Only unsigned parts (e.g. the signature's DER padding) can change and still verify.
                prop_assert!(store.anchors().iter().all(|x| x.der == a.csca_cert_der || x.der == b.csca_cert_der));
            }
            let _ = store.add_crl(&bytes, "c.crl", now());
            let short = &original[..cut.index(original.len())];
            prop_assert!(store.add_master_list(short, "short.ml", now()).is_err());
            prop_assert!(store.add_crl(short, "short.crl", now()).is_err());
        }
    }
}

/// CRLs say whose signers they cover: a CRL of CSCA A covers A's Document Signer, not B's
/// (whose revocation then is simply not known).
#[test]
fn a_crl_covers_only_its_own_cscas_signers() {
    let (a, b) = pkis();
    let crl = sign_crl(
        &a.csca_cert_der,
        &a.csca_key_pkcs8,
        &[vec![0x01]],
        now(),
        now() + time::Duration::days(7),
    )
    .unwrap();
    let mut store =
        TrustStore::from_csca_ders(vec![a.csca_cert_der.clone(), b.csca_cert_der.clone()]);
    store.add_crl(&crl, "a.crl", now()).unwrap();
    let rev = store.revocations().unwrap();
    assert_eq!(rev.covers(&a.ds_cert_der), Ok(true));
    assert_eq!(rev.covers(&b.ds_cert_der), Ok(false));
    assert!(rev.covers(b"junk").is_err());
}

/// A CSCA (same name and key as a trusted one would have) whose key usage is stated
/// without cRLSign cannot sign CRLs (RFC 5280 §4.2.1.3); one that states no key usage
/// at all may.
#[test]
fn a_crl_signed_by_a_csca_without_crl_sign_is_refused() {
    let make = |usages: Vec<rcgen::KeyUsagePurpose>| {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "CSCA key usage test");
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
        p.key_usages = usages;
        let cert = p.self_signed(&key).unwrap();
        (cert.der().to_vec(), key.serialize_der())
    };
    let crl_of = |(cert, key): &(Vec<u8>, Vec<u8>)| {
        sign_crl(
            cert,
            key,
            &[vec![0x05]],
            now(),
            now() + time::Duration::days(7),
        )
        .unwrap()
    };
    let cert_sign_only = make(vec![rcgen::KeyUsagePurpose::KeyCertSign]);
    let mut store = TrustStore::from_csca_ders(vec![cert_sign_only.0.clone()]);
    let e = store
        .add_crl(&crl_of(&cert_sign_only), "ku.crl", now())
        .unwrap_err();
    assert!(matches!(e, TrustError::CrlUnverified { .. }), "{e:?}");
    assert!(e.to_string().contains("no cRLSign"), "{e}");
    assert!(store.revocations().is_none());

    for ok in [
        make(vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ]),
        make(vec![]),
    ] {
        let mut store = TrustStore::from_csca_ders(vec![ok.0.clone()]);
        store.add_crl(&crl_of(&ok), "ok.crl", now()).unwrap();
        assert_eq!(store.revocations().unwrap().crls, 1);
    }
}

/// A CRL whose thisUpdate is in the future is refused (the clock or the file is wrong);
/// one issued a second ago is not.
#[test]
fn a_crl_from_the_future_is_refused() {
    let (a, _) = pkis();
    let sign = |this: time::OffsetDateTime| {
        sign_crl(
            &a.csca_cert_der,
            &a.csca_key_pkcs8,
            &[vec![0x07]],
            this,
            this + time::Duration::days(7),
        )
        .unwrap()
    };
    let mut store = TrustStore::from_csca_ders(vec![a.csca_cert_der.clone()]);
    let e = store
        .add_crl(&sign(now() + time::Duration::days(2)), "future.crl", now())
        .unwrap_err();
    assert!(matches!(e, TrustError::CrlUnverified { .. }), "{e:?}");
    assert!(e.to_string().contains("is in the future"), "{e}");
    assert!(store.revocations().is_none());
    store
        .add_crl(&sign(now() - time::Duration::seconds(1)), "now.crl", now())
        .unwrap();
}

/// `signed` (CMS SignedData) with its encapsulated content replaced by `other`'s, its
/// signer info, certificates and signature kept: what an attacker who edits a list's
/// certificates without the signer's key can make.
fn swap_content(signed: &[u8], other: &[u8]) -> Vec<u8> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Decode, Encode};
    let parse = |b: &[u8]| {
        let ci = ContentInfo::from_der(b).unwrap();
        (
            ci.content_type,
            ci.content.decode_as::<SignedData>().unwrap(),
        )
    };
    let (content_type, mut sd) = parse(signed);
    let (_, other_sd) = parse(other);
    assert_ne!(
        sd.encap_content_info.econtent, other_sd.encap_content_info.econtent,
        "different certificate sets"
    );
    sd.encap_content_info.econtent = other_sd.encap_content_info.econtent;
    ContentInfo {
        content_type,
        content: der::Any::encode_from(&sd).unwrap(),
    }
    .to_der()
    .unwrap()
}
