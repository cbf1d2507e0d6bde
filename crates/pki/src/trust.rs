//! The checkpoint's trust store, all offline (ICAO 9303-12 §§5–9):
//!
//! - **CSCA certificates** from a folder of DER or PEM files (a PEM file may hold several);
//! - **CSCA Master Lists**: CMS SignedData (RFC 5652) whose eContentType is
//!   id-icao-cscaMasterList (2.23.136.1.1.2) and whose content is
//!   `CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }`
//!   (9303-12 §9). A list is used only when its signature verifies, its signer certificate
//!   carries the Master List Signer key purpose (2.23.136.1.1.3) and is certified by a CSCA
//!   the store already trusts; otherwise loading it fails and says what is unverified;
//! - **CRLs** (X.509 v2 CRL, RFC 5280 §5) from CSCAs: used only when signed by a trusted CSCA,
//!   then the Document Signer in a card's EF.SOD is checked against the serial numbers they
//!   revoke (9303-12 §5.1: a CSCA revokes its Document Signers by CRL).
//!
//! Every file is untrusted input: size-limited, parsed with `der`, and every failure is a
//! [`TrustError`] naming the file, in Vietnamese and English.

use crate::cert::{fmt_time, parse_cert, ski, verify_with};
use crate::{malformed, oids, PkiError};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Reader, Tagged};
use std::path::Path;
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

/// id-icao-cscaMasterList (9303-12 §9).
pub const ID_ICAO_CSCA_MASTER_LIST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.23.136.1.1.2");
/// id-icao-cscaMasterListSigningKey: the extended key usage of a Master List Signer.
pub const ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.23.136.1.1.3");

/// Largest trust file read (a full ICAO master list is a few MB).
pub const MAX_TRUST_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most certificates taken from one master list.
pub const MAX_MASTER_LIST_CERTS: usize = 10_000;
/// Most files read from one trust folder.
pub const MAX_FOLDER_FILES: usize = 10_000;

/// Why a trust file was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("không đọc được {path}: {why} / cannot read {path}: {why}")]
    File { path: String, why: String },
    #[error("{source_name} không phải chứng thư hợp lệ: {why} / {source_name} is not a valid certificate: {why}")]
    Certificate { source_name: String, why: String },
    #[error("danh sách CSCA {source_name} bị hỏng: {why} / the master list {source_name} is malformed: {why}")]
    MasterList { source_name: String, why: String },
    #[error("danh sách CSCA {source_name} CHƯA ĐƯỢC XÁC THỰC, không dùng: {why} / the master list {source_name} is UNVERIFIED and not used: {why}")]
    MasterListUnverified { source_name: String, why: String },
    #[error("danh sách thu hồi {source_name} bị hỏng: {why} / the CRL {source_name} is malformed: {why}")]
    Crl { source_name: String, why: String },
    #[error("danh sách thu hồi {source_name} CHƯA ĐƯỢC XÁC THỰC, không dùng: {why} / the CRL {source_name} is UNVERIFIED and not used: {why}")]
    CrlUnverified { source_name: String, why: String },
}

/// A trusted CSCA certificate and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub der: Vec<u8>,
    pub source: String,
}

/// One revoked certificate from a verified CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The issuer's Name, DER (the CRL's issuer: the CSCA).
    issuer_der: Vec<u8>,
    serial: Vec<u8>,
    /// yyyy-mm-dd.
    pub revoked_on: String,
    /// The CRL file it came from.
    pub source: String,
}

/// The revocations of every CRL loaded (possibly none revoked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocations {
    entries: Vec<Revocation>,
    /// The issuer Name (DER) of every CRL loaded: whose Document Signers revocation is
    /// checked for.
    issuers: Vec<Vec<u8>>,
    /// How many CRLs were verified and loaded.
    pub crls: usize,
}

impl Revocations {
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a loaded CRL was issued by this certificate's issuer, i.e. whether
    /// [`Revocations::check`] can say anything about it. A CRL's scope is its issuer's
    /// certificates (RFC 5280 §5): CRLs of CSCA A say nothing about a signer under CSCA B.
    pub fn covers(&self, cert_der: &[u8]) -> Result<bool, PkiError> {
        let cert = parse_cert(cert_der)?;
        let issuer = cert
            .tbs_certificate
            .issuer
            .to_der()
            .map_err(|e| malformed("certificate", e))?;
        Ok(self.issuers.contains(&issuer))
    }

    /// Whether a CRL revokes this certificate (matched by issuer name and serial number,
    /// RFC 5280 §5.1.2.3, §5.1.2.6).
    pub fn check(&self, cert_der: &[u8]) -> Result<(), PkiError> {
        let cert = parse_cert(cert_der)?;
        let issuer = cert
            .tbs_certificate
            .issuer
            .to_der()
            .map_err(|e| malformed("certificate", e))?;
        let serial = cert.tbs_certificate.serial_number.as_bytes();
        match self
            .entries
            .iter()
            .find(|r| r.issuer_der == issuer && r.serial == serial)
        {
            Some(r) => Err(PkiError::RevokedSigner {
                serial: hex::encode_upper(serial),
                revoked_on: r.revoked_on.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// What a loaded file added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Certificates(usize),
    MasterList { certificates: usize, signer: String },
    Crl { revoked: usize, stale: bool },
}

/// Trusted CSCAs and verified revocations.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
    revocations: Revocations,
    /// Things an officer should know that do not stop verification (a CRL past its next
    /// update, files in the trust folder that were not read or were refused).
    pub notes: Vec<String>,
    /// Files of a trust folder that were refused (broken, unverified), each naming its
    /// file; the folder's other files are used. Also in [`TrustStore::notes`].
    pub refused: Vec<TrustError>,
}

fn read_limited(path: &Path) -> Result<Vec<u8>, TrustError> {
    use std::io::Read;
    let file_err = |why: String| TrustError::File {
        path: path.display().to_string(),
        why,
    };
    let f = std::fs::File::open(path).map_err(|e| file_err(e.to_string()))?;
    let mut bytes = Vec::new();
    f.take(MAX_TRUST_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| file_err(e.to_string()))?;
    if bytes.len() as u64 > MAX_TRUST_FILE_BYTES {
        return Err(file_err(format!(
            "lớn hơn {MAX_TRUST_FILE_BYTES} byte / larger than {MAX_TRUST_FILE_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// The DER blocks of every PEM block labelled `label` in `bytes`; `None` when the bytes are
/// not PEM text (then they are DER).
fn pem_blocks(bytes: &[u8], label: &str) -> Option<Result<Vec<Vec<u8>>, String>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    if !text.contains(&begin) {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let Some(stop) = rest[start..].find(&end) else {
            return Some(Err(format!("{begin} without {end}")));
        };
        let block = &rest[start..start + stop + end.len()];
        match der::pem::decode_vec(block.as_bytes()) {
            Ok((_, der)) => out.push(der),
            Err(e) => return Some(Err(e.to_string())),
        }
        rest = &rest[start + stop + end.len()..];
    }
    Some(Ok(out))
}

fn has_eku(cert: &Certificate, purpose: ObjectIdentifier) -> bool {
    cert.tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.37"))
        })
        .and_then(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|eku| eku.0.contains(&purpose))
}

impl TrustStore {
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// A store trusting these CSCA certificates (DER), as `--csca` gives them.
    pub fn from_csca_ders(ders: Vec<Vec<u8>>) -> Self {
        TrustStore {
            anchors: ders
                .into_iter()
                .map(|der| Anchor {
                    der,
                    source: "--csca".into(),
                })
                .collect(),
            ..TrustStore::default()
        }
    }

    pub fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    /// The trusted CSCA certificates, DER.
    pub fn anchors_der(&self) -> Vec<Vec<u8>> {
        self.anchors.iter().map(|a| a.der.clone()).collect()
    }

    /// The revocations of the CRLs loaded; `None` when no CRL was loaded (revocation then
    /// cannot be checked at all, which is different from "checked, not revoked").
    pub fn revocations(&self) -> Option<&Revocations> {
        (self.revocations.crls > 0).then_some(&self.revocations)
    }

    fn add_anchor(&mut self, der: Vec<u8>, source: &str) {
        if !self.anchors.iter().any(|a| a.der == der) {
            self.anchors.push(Anchor {
                der,
                source: source.to_string(),
            });
        }
    }

    /// Adds the CSCA certificate(s) of one DER or PEM file.
    pub fn add_certificates(&mut self, bytes: &[u8], source: &str) -> Result<usize, TrustError> {
        let err = |why: String| TrustError::Certificate {
            source_name: source.to_string(),
            why,
        };
        let ders = match pem_blocks(bytes, "CERTIFICATE") {
            Some(r) => r.map_err(err)?,
            None => vec![bytes.to_vec()],
        };
        if ders.is_empty() {
            return Err(err("không có chứng thư / no certificate".into()));
        }
        for der in &ders {
            Certificate::from_der(der).map_err(|e| err(e.to_string()))?;
        }
        let n = ders.len();
        for der in ders {
            self.add_anchor(der, source);
        }
        Ok(n)
    }

    /// Adds the CSCAs of a master list once its signature and signer are verified against
    /// the CSCAs already trusted, at time `now`.
    pub fn add_master_list(
        &mut self,
        bytes: &[u8],
        source: &str,
        now: time::OffsetDateTime,
    ) -> Result<Loaded, TrustError> {
        let bad = |why: String| TrustError::MasterList {
            source_name: source.to_string(),
            why,
        };
        let unverified = |why: String| TrustError::MasterListUnverified {
            source_name: source.to_string(),
            why,
        };
        let signed = crate::signed::parse(bytes, "master list").map_err(|e| bad(e.to_string()))?;
        if signed.econtent_type != ID_ICAO_CSCA_MASTER_LIST {
            return Err(bad(format!(
                "loại nội dung {} không phải id-icao-cscaMasterList / content type {} is not id-icao-cscaMasterList (2.23.136.1.1.2)",
                signed.econtent_type, signed.econtent_type
            )));
        }
        let certs = parse_master_list(&signed.econtent).map_err(bad)?;
        signed.verify_signature().map_err(|e| {
            unverified(format!(
                "chữ ký không đúng / the signature does not verify: {e}"
            ))
        })?;
        let signer_der = signed.signer_cert_der.as_ref().ok_or_else(|| {
            unverified("không có chứng thư người ký / no signer certificate".into())
        })?;
        let signer = parse_cert(signer_der).map_err(|e| unverified(e.to_string()))?;
        if !has_eku(&signer, ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY) {
            return Err(unverified(
                "chứng thư người ký không có mục đích ký danh sách CSCA (2.23.136.1.1.3) / the signer certificate lacks the Master List Signer key purpose (2.23.136.1.1.3)".into(),
            ));
        }
        let anchors: Vec<&[u8]> = self.anchors.iter().map(|a| a.der.as_slice()).collect();
        crate::verify_ds_certificate(signer_der, &anchors, now).map_err(|e| {
            unverified(format!(
                "người ký {} không được CSCA đã tin cậy chứng nhận / the signer {} is not certified by a CSCA already trusted: {e}",
                signer.tbs_certificate.subject, signer.tbs_certificate.subject
            ))
        })?;
        let n = certs.len();
        for der in certs {
            self.add_anchor(der, source);
        }
        Ok(Loaded::MasterList {
            certificates: n,
            signer: signer.tbs_certificate.subject.to_string(),
        })
    }

    /// Adds a CRL's revocations once its signature verifies with the trusted CSCA that
    /// issued it (RFC 5280 §6.3.3 (f)–(g), offline).
    pub fn add_crl(
        &mut self,
        bytes: &[u8],
        source: &str,
        now: time::OffsetDateTime,
    ) -> Result<Loaded, TrustError> {
        let bad = |why: String| TrustError::Crl {
            source_name: source.to_string(),
            why,
        };
        let unverified = |why: String| TrustError::CrlUnverified {
            source_name: source.to_string(),
            why,
        };
        let der = match pem_blocks(bytes, "X509 CRL") {
            Some(r) => r
                .map_err(bad)?
                .into_iter()
                .next()
                .ok_or_else(|| bad("no CRL".into()))?,
            None => bytes.to_vec(),
        };
        let crl = CertificateList::from_der(&der).map_err(|e| bad(e.to_string()))?;
        let tbs = &crl.tbs_cert_list;
        // A CRL from the future is not one the CSCA has issued yet as far as this station
        // knows: its clock or the file is wrong, and neither is a basis for a verdict.
        if tbs.this_update.to_unix_duration().as_secs() as i64 > now.unix_timestamp() {
            return Err(unverified(format!(
                "ngày phát hành (thisUpdate) {0} ở tương lai: đồng hồ của trạm hoặc tệp bị sai / its thisUpdate {0} is in the future: the station's clock or the file is wrong",
                fmt_time(tbs.this_update)
            )));
        }
        if tbs.signature != crl.signature_algorithm {
            return Err(bad(
                "hai thuật toán chữ ký khác nhau / the two signature algorithms differ (RFC 5280 §5.1.1.2)"
                    .into(),
            ));
        }
        let crl_aki = crl_aki(&crl);
        let tbs_der = tbs.to_der().map_err(|e| bad(e.to_string()))?;
        let sig = crl
            .signature
            .as_bytes()
            .ok_or_else(|| bad("signature has unused bits".into()))?;
        let mut issuer_found = false;
        let mut no_crl_sign = false;
        let mut verified = false;
        for a in &self.anchors {
            let Ok(csca) = parse_cert(&a.der) else {
                continue;
            };
            if csca.tbs_certificate.subject != tbs.issuer {
                continue;
            }
            if let (Some(k), Some(s)) = (&crl_aki, ski(&csca)) {
                if *k != s {
                    continue;
                }
            }
            issuer_found = true;
            // RFC 5280 §4.2.1.3, §6.3.3 (f): a key whose usage is stated signs CRLs only
            // when cRLSign is among them.
            if key_usage(&csca).is_some_and(|ku| !ku.crl_sign()) {
                no_crl_sign = true;
                continue;
            }
            if verify_with(
                &csca.tbs_certificate.subject_public_key_info,
                &crl.signature_algorithm,
                None,
                &tbs_der,
                sig,
            )
            .unwrap_or(false)
            {
                verified = true;
                break;
            }
        }
        if !verified {
            return Err(unverified(if no_crl_sign {
                format!("mục đích sử dụng khóa của CSCA {0} không cho phép ký danh sách thu hồi (thiếu cRLSign) / the key usage of the CSCA {0} does not allow signing CRLs (no cRLSign)", tbs.issuer)
            } else if issuer_found {
                format!("chữ ký không khớp với CSCA {0} / the signature does not verify with the CSCA {0}", tbs.issuer)
            } else {
                format!("bên phát hành {0} không phải CSCA được tin cậy / the issuer {0} is not a trusted CSCA", tbs.issuer)
            }));
        }
        let issuer_der = tbs.issuer.to_der().map_err(|e| bad(e.to_string()))?;
        if !self.revocations.issuers.contains(&issuer_der) {
            self.revocations.issuers.push(issuer_der.clone());
        }
        let revoked = tbs.revoked_certificates.as_deref().unwrap_or_default();
        for r in revoked {
            self.revocations.entries.push(Revocation {
                issuer_der: issuer_der.clone(),
                serial: r.serial_number.as_bytes().to_vec(),
                revoked_on: fmt_time(r.revocation_date),
                source: source.to_string(),
            });
        }
        self.revocations.crls += 1;
        // A CRL past its nextUpdate still revokes what it lists; a newer one may revoke more.
        let stale = tbs
            .next_update
            .is_some_and(|t| (t.to_unix_duration().as_secs() as i64) < now.unix_timestamp());
        if stale {
            self.notes.push(format!(
                "danh sách thu hồi {source} đã quá hạn cập nhật ({0}) / the CRL {source} is past its next update ({0})",
                tbs.next_update.map(fmt_time).unwrap_or_default()
            ));
        }
        Ok(Loaded::Crl {
            revoked: revoked.len(),
            stale,
        })
    }

    /// Loads a trust folder: certificates (`.der`, `.cer`, `.crt`, `.pem`) first, then master
    /// lists (`.ml`), then CRLs (`.crl`), so lists and CRLs are checked against the folder's
    /// CSCAs. Other files are skipped and named in [`TrustStore::notes`]. A file that cannot
    /// be read or is refused (malformed, an unverified list or CRL) is left out, named in
    /// [`TrustStore::refused`] and the notes, and the others are used: one bad file in a
    /// shared folder must not stop a checkpoint. Only the folder itself failing is an error.
    /// (Files named one by one, [`TrustStore::load_master_list`] and
    /// [`TrustStore::load_crl`], stay strict.)
    pub fn load_folder(
        &mut self,
        dir: &Path,
        now: time::OffsetDateTime,
    ) -> Result<Vec<(String, Loaded)>, TrustError> {
        let dir_err = |e: std::io::Error| TrustError::File {
            path: dir.display().to_string(),
            why: e.to_string(),
        };
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(dir_err)? {
            let entry = entry.map_err(dir_err)?;
            // is_file follows symbolic links: trust folders are often links into a shared
            // certificate store (c_rehash style).
            if entry.path().is_file() {
                paths.push(entry.path());
                if paths.len() > MAX_FOLDER_FILES {
                    return Err(TrustError::File {
                        path: dir.display().to_string(),
                        why: format!(
                            "hơn {MAX_FOLDER_FILES} tệp / more than {MAX_FOLDER_FILES} files"
                        ),
                    });
                }
            }
        }
        paths.sort();
        let ext = |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase())
                .unwrap_or_default()
        };
        let mut loaded = Vec::new();
        for pass in 0..3 {
            for p in &paths {
                let e = ext(p);
                let wanted = match pass {
                    0 => matches!(e.as_str(), "der" | "cer" | "crt" | "pem"),
                    1 => e == "ml",
                    _ => e == "crl",
                };
                if !wanted {
                    continue;
                }
                let name = p.display().to_string();
                let l = read_limited(p).and_then(|bytes| match pass {
                    0 => self
                        .add_certificates(&bytes, &name)
                        .map(Loaded::Certificates),
                    1 => self.add_master_list(&bytes, &name, now),
                    _ => self.add_crl(&bytes, &name, now),
                });
                match l {
                    Ok(l) => loaded.push((name, l)),
                    Err(e) => {
                        // The error says it in both languages around " / ", and names the
                        // file.
                        let text = e.to_string();
                        let (vi, en) = text.split_once(" / ").unwrap_or((&text, &text));
                        self.notes
                            .push(format!("KHÔNG DÙNG: {vi} / NOT USED: {en}"));
                        self.refused.push(e);
                    }
                }
            }
        }
        for p in &paths {
            if !matches!(
                ext(p).as_str(),
                "der" | "cer" | "crt" | "pem" | "ml" | "crl"
            ) {
                self.notes.push(format!(
                    "bỏ qua {0} (không phải .der/.cer/.crt/.pem/.ml/.crl) / skipped {0} (not .der/.cer/.crt/.pem/.ml/.crl)",
                    p.display()
                ));
            }
        }
        Ok(loaded)
    }

    /// Reads and adds a master list file.
    pub fn load_master_list(
        &mut self,
        path: &Path,
        now: time::OffsetDateTime,
    ) -> Result<Loaded, TrustError> {
        let bytes = read_limited(path)?;
        self.add_master_list(&bytes, &path.display().to_string(), now)
    }

    /// Reads and adds a CRL file.
    pub fn load_crl(
        &mut self,
        path: &Path,
        now: time::OffsetDateTime,
    ) -> Result<Loaded, TrustError> {
        let bytes = read_limited(path)?;
        self.add_crl(&bytes, &path.display().to_string(), now)
    }
}

/// The keyUsage extension, when the certificate has one (a malformed one counts as stating
/// no usage at all).
fn key_usage(cert: &Certificate) -> Option<x509_cert::ext::pkix::KeyUsage> {
    let ext = cert
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.15"))?;
    Some(
        x509_cert::ext::pkix::KeyUsage::from_der(ext.extn_value.as_bytes())
            .unwrap_or(x509_cert::ext::pkix::KeyUsage(Default::default())),
    )
}

fn crl_aki(crl: &CertificateList) -> Option<Vec<u8>> {
    let exts = crl.tbs_cert_list.crl_extensions.as_ref()?;
    let ext = exts
        .iter()
        .find(|e| e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.35"))?;
    let aki =
        x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
    aki.key_identifier.map(|k| k.as_bytes().to_vec())
}

/// `CscaMasterList ::= SEQUENCE { version CscaMasterListVersion, certList SET OF Certificate }`
/// (9303-12 §9). The SET is read element by element rather than as a DER SET OF, because
/// published lists are not always in DER sort order; every certificate must still parse.
fn parse_master_list(econtent: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut outer = der::SliceReader::new(econtent).map_err(|e| e.to_string())?;
    let certs = outer
        .sequence(|seq| {
            let version = der::asn1::Int::decode(seq)?;
            if version.as_bytes() != [0] {
                return Err(der::Tag::Integer.value_error());
            }
            let set = der::asn1::Any::decode(seq)?;
            if set.tag() != der::Tag::Set {
                return Err(set.tag().unexpected_error(Some(der::Tag::Set)));
            }
            let mut inner = der::SliceReader::new(set.value())?;
            let mut certs = Vec::new();
            while !inner.is_finished() {
                let c = Certificate::decode(&mut inner)?;
                if certs.len() >= MAX_MASTER_LIST_CERTS {
                    return Err(der::ErrorKind::Overlength.into());
                }
                certs.push(c.to_der()?);
            }
            Ok(certs)
        })
        .map_err(|e| format!("CscaMasterList: {e}"))?;
    outer.finish(()).map_err(|e| e.to_string())?;
    Ok(certs)
}

/// Encodes a CscaMasterList of `cscas` (DER certificates) and signs it as CMS SignedData
/// with a Master List Signer's ECDSA P-256 key (PKCS#8) and certificate. For test and
/// demo stations, and the trust store's tests.
pub fn build_master_list(
    signer_key_pkcs8: &[u8],
    signer_cert_der: &[u8],
    cscas: &[Vec<u8>],
    signing_time: Option<time::OffsetDateTime>,
) -> Result<Vec<u8>, PkiError> {
    let enc = |e: der::Error| malformed("master list encoding", e);
    let rng = ring::rand::SystemRandom::new();
    let key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        signer_key_pkcs8,
        &rng,
    )
    .map_err(|_| PkiError::Unsupported("master list signer key: ECDSA P-256 only".into()))?;
    let mut set = der::asn1::SetOfVec::new();
    for c in cscas {
        set.insert(Certificate::from_der(c).map_err(enc)?)
            .map_err(enc)?;
    }
    #[derive(der::Sequence)]
    struct CscaMasterList {
        version: u8,
        cert_list: der::asn1::SetOfVec<Certificate>,
    }
    let econtent = CscaMasterList {
        version: 0,
        cert_list: set,
    }
    .to_der()
    .map_err(enc)?;
    crate::signed::sign(
        ID_ICAO_CSCA_MASTER_LIST,
        econtent,
        &key,
        signer_cert_der,
        signing_time,
    )
}

/// Signs an X.509 v2 CRL (RFC 5280 §5) as `csca` revoking the certificates with these
/// serial numbers, ECDSA P-256 / SHA-256, with the CSCA's key identifier as its authority
/// key identifier. For test and demo stations, and the trust store's tests.
pub fn sign_crl(
    csca_cert_der: &[u8],
    csca_key_pkcs8: &[u8],
    revoked_serials: &[Vec<u8>],
    this_update: time::OffsetDateTime,
    next_update: time::OffsetDateTime,
) -> Result<Vec<u8>, PkiError> {
    use x509_cert::crl::{RevokedCert, TbsCertList};
    use x509_cert::ext::{pkix::AuthorityKeyIdentifier, Extension};
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::Time;
    let enc = |e: der::Error| malformed("CRL encoding", e);
    let rng = ring::rand::SystemRandom::new();
    let key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        csca_key_pkcs8,
        &rng,
    )
    .map_err(|_| PkiError::Unsupported("CSCA key: ECDSA P-256 only".into()))?;
    let csca = parse_cert(csca_cert_der)?;
    let t = |d: time::OffsetDateTime| -> Result<Time, PkiError> {
        let secs =
            u64::try_from(d.unix_timestamp()).map_err(|_| malformed("CRL time", "before 1970"))?;
        Time::try_from(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .map_err(enc)
    };
    let alg = spki::AlgorithmIdentifierOwned {
        oid: oids::ECDSA_SHA256,
        parameters: None,
    };
    let mut extensions = Vec::new();
    if let Some(k) = ski(&csca) {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(der::asn1::OctetString::new(k).map_err(enc)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(Extension {
            extn_id: ObjectIdentifier::new_unwrap("2.5.29.35"),
            critical: false,
            extn_value: der::asn1::OctetString::new(aki.to_der().map_err(enc)?).map_err(enc)?,
        });
    }
    let revoked = revoked_serials
        .iter()
        .map(|s| {
            Ok(RevokedCert {
                serial_number: SerialNumber::new(s).map_err(enc)?,
                revocation_date: t(this_update)?,
                crl_entry_extensions: None,
            })
        })
        .collect::<Result<Vec<_>, PkiError>>()?;
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: csca.tbs_certificate.subject.clone(),
        this_update: t(this_update)?,
        next_update: Some(t(next_update)?),
        revoked_certificates: (!revoked.is_empty()).then_some(revoked),
        crl_extensions: (!extensions.is_empty()).then_some(extensions),
    };
    let tbs_der = tbs.to_der().map_err(enc)?;
    let sig = key.sign(&rng, &tbs_der).map_err(|_| PkiError::Crypto)?;
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature: der::asn1::BitString::from_bytes(sig.as_ref()).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// The serial number of a certificate, as stored (big-endian bytes).
pub fn certificate_serial(cert_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    Ok(parse_cert(cert_der)?
        .tbs_certificate
        .serial_number
        .as_bytes()
        .to_vec())
}
