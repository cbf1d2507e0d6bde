//! `idstation keys`: the station's CSCA and Document Signer files.

use crate::Failure;
use pki::{DocumentSigner, PkiError};
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

pub const CSCA_CERT: &str = "csca.der";
pub const CSCA_KEY: &str = "csca-key.p8";
pub const DS_CERT: &str = "ds.der";
pub const DS_KEY: &str = "ds-key.p8";
pub const PASSPHRASE_ENV: &str = "IDSTATION_DS_PASSPHRASE";

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|e| {
        Failure::input(format!(
            "không đọc được {0} / cannot read {0}: {e}",
            path.display()
        ))
    })
}

/// Writes a file readable by its owner only, all at once (temp file + rename).
fn write_private(path: &Path, bytes: &[u8], private: bool) -> Result<(), Failure> {
    let tmp = path.with_extension("tmp");
    let result = (|| -> std::io::Result<()> {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        Failure::device(format!(
            "không ghi được {0} / cannot write {0}: {e}",
            path.display()
        ))
    })
}

/// The passphrase from IDSTATION_DS_PASSPHRASE, or asked at the terminal.
fn passphrase(confirm: bool) -> Result<Zeroizing<String>, Failure> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(Zeroizing::new(p));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|e| {
            Failure::input(format!(
                "cần mật khẩu khóa người ký (đặt {PASSPHRASE_ENV} khi chạy bằng script) / the Document Signer passphrase is needed (set {PASSPHRASE_ENV} in scripts): {e}"
            ))
        })
    };
    let p = ask("Mật khẩu khóa người ký / Document Signer passphrase: ")?;
    if confirm {
        let again = ask("Nhập lại / Repeat: ")?;
        if *again != *p {
            return Err(Failure::input(
                "hai mật khẩu không giống nhau / the passphrases differ",
            ));
        }
    }
    Ok(p)
}

pub fn init(dir: &Path, country: &str, org: &str, force: bool) -> Result<u8, Failure> {
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Failure::input(format!(
            "mã quốc gia phải là 2 chữ in hoa (VN) / the country code must be 2 capital letters (VN), got {country:?}"
        )));
    }
    for name in [CSCA_CERT, CSCA_KEY, DS_CERT, DS_KEY] {
        let p = dir.join(name);
        if p.exists() && !force {
            return Err(Failure::input(format!(
                "{0} đã có; thêm --force để thay / {0} exists; add --force to replace it",
                p.display()
            )));
        }
    }
    let pass = passphrase(true)?;
    if pass.chars().count() < 8 {
        return Err(Failure::input(
            "mật khẩu cần ít nhất 8 ký tự / the passphrase needs at least 8 characters",
        ));
    }
    fs::create_dir_all(dir).map_err(|e| {
        Failure::device(format!(
            "không tạo được {0} / cannot create {0}: {e}",
            dir.display()
        ))
    })?;
    let now = time::OffsetDateTime::now_utc();
    let p = pki::generate_test_pki(country, org, now)
        .map_err(|e| Failure::device(format!("tạo khóa thất bại / key generation failed: {e}")))?;
    let enc = |k: &[u8]| {
        pki::encrypt_private_key(k, pass.as_bytes()).map_err(|e| {
            Failure::device(format!("mã hóa khóa thất bại / key encryption failed: {e}"))
        })
    };
    write_private(&dir.join(CSCA_CERT), &p.csca_cert_der, false)?;
    write_private(&dir.join(CSCA_KEY), &enc(&p.csca_key_pkcs8)?, true)?;
    write_private(&dir.join(DS_CERT), &p.ds_cert_der, false)?;
    write_private(&dir.join(DS_KEY), &enc(&p.ds_key_pkcs8)?, true)?;
    println!(
        "Đã tạo CSCA và người ký tài liệu (thử nghiệm) / made a test CSCA and Document Signer in {}:",
        dir.display()
    );
    println!("  {CSCA_CERT}    CSCA certificate (trust anchor for `card read --csca`)");
    println!("  {CSCA_KEY} CSCA private key, encrypted (keep offline)");
    println!("  {DS_CERT}      Document Signer certificate");
    println!("  {DS_KEY}   Document Signer private key, encrypted (PKCS#8, scrypt + AES-256-CBC)");
    Ok(0)
}

pub fn show(dir: &Path) -> Result<u8, Failure> {
    for name in [CSCA_CERT, DS_CERT] {
        let der = pki::load_certificate(&read(&dir.join(name))?)
            .map_err(|e| Failure::input(format!("{name}: {e}")))?;
        let s = pki::summarize(&der).map_err(|e| Failure::input(format!("{name}: {e}")))?;
        println!(
            "{name}: {}\n  issuer {}\n  serial {}\n  valid {} .. {}",
            s.subject, s.issuer, s.serial_hex, s.not_before, s.not_after
        );
    }
    Ok(0)
}

/// The station's Document Signer: KEYS/ds.der + KEYS/ds-key.p8, or a real signer's files.
pub fn load_signer(
    dir: &Path,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<DocumentSigner, Failure> {
    let cert_path = cert.map(Path::to_path_buf).unwrap_or(dir.join(DS_CERT));
    let key_path = key.map(Path::to_path_buf).unwrap_or(dir.join(DS_KEY));
    let cert = pki::load_certificate(&read(&cert_path)?)
        .map_err(|e| Failure::input(format!("{}: {e}", cert_path.display())))?;
    let key_file = Zeroizing::new(read(&key_path)?);
    // An unencrypted key opens without a passphrase; an encrypted one needs it.
    let key = match pki::decrypt_private_key(&key_file, b"") {
        Ok(k) if std::env::var(PASSPHRASE_ENV).is_err() => k,
        _ => {
            let pass = passphrase(false)?;
            pki::decrypt_private_key(&key_file, pass.as_bytes()).map_err(|e| match e {
                PkiError::WrongPassphrase => Failure::input(format!(
                    "sai mật khẩu khóa người ký, hoặc tệp {0} hỏng / wrong Document Signer passphrase, or {0} is damaged",
                    key_path.display()
                )),
                e => Failure::input(format!("{}: {e}", key_path.display())),
            })?
        }
    };
    DocumentSigner::from_pkcs8(&key, &cert).map_err(|e| {
        Failure::input(format!(
            "khóa người ký không dùng được / the Document Signer key cannot be used: {e}"
        ))
    })
}

/// The station's own CSCA, to verify what it writes.
pub fn station_csca(dir: &Path) -> Result<Vec<u8>, Failure> {
    pki::load_certificate(&read(&dir.join(CSCA_CERT))?)
        .map_err(|e| Failure::input(format!("{CSCA_CERT}: {e}")))
}

/// Loads a certificate file (DER or PEM).
pub fn certificate(path: &Path) -> Result<Vec<u8>, Failure> {
    pki::load_certificate(&read(path)?)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))
}

pub fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    read(path)
}
