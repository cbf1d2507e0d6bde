//! Logging an officer in from the command line: which vault, which account, and the
//! password — from `IDSTATION_PASSWORD` for QA scripts, otherwise asked on the terminal
//! without echo. Also the vault's first-run set-up and adding accounts.

use std::path::PathBuf;

use accounts::{Policy, Role, SystemClock};
use vault::Vault;
use zeroize::Zeroizing;

use crate::Failure;

/// The vault and the officer a command acts as.
#[derive(clap::Args, Clone, Debug)]
pub struct VaultLogin {
    /// The station vault (SQLite file). Also from IDSTATION_VAULT.
    #[arg(long, env = "IDSTATION_VAULT")]
    pub vault: PathBuf,
    /// The officer's account name. Also from IDSTATION_OFFICER; the password comes from
    /// IDSTATION_PASSWORD or is asked for.
    #[arg(long, env = "IDSTATION_OFFICER")]
    pub officer: String,
}

/// The password from `IDSTATION_PASSWORD`, or asked on the terminal.
pub fn password(prompt: &str) -> Result<Zeroizing<String>, Failure> {
    if let Ok(p) = std::env::var("IDSTATION_PASSWORD") {
        return Ok(Zeroizing::new(p));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| {
            Failure::input(format!(
                "Không đọc được mật khẩu; đặt IDSTATION_PASSWORD / cannot read the password; set IDSTATION_PASSWORD: {e}"
            ))
        })
}

impl VaultLogin {
    /// Opens the vault and logs the officer in (the station key is unwrapped).
    pub fn open(&self) -> Result<Vault<SystemClock>, Failure> {
        let mut v = Vault::open(&self.vault, SystemClock, Policy::default())
            .map_err(|e| Failure::input(format!("{}: {e}", self.vault.display())))?;
        let pw = password(&format!(
            "Mật khẩu của {0} / password for {0}: ",
            self.officer
        ))?;
        v.unlock(&self.officer, &pw)
            .map_err(|e| Failure::input(e.to_string()))?;
        Ok(v)
    }
}

/// `idstation vault init`: the first-run set-up, creating the vault and its supervisor.
pub fn init(path: &std::path::Path, supervisor: &str) -> Result<u8, Failure> {
    let pw = password(&format!(
        "Mật khẩu mới của trưởng ca {0} / new password for supervisor {0}: ",
        supervisor
    ))?;
    Vault::create(path, supervisor, &pw, SystemClock, Policy::default())
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    println!(
        "Đã tạo kho dữ liệu {} với trưởng ca {supervisor} / vault created with supervisor {supervisor}",
        path.display()
    );
    Ok(0)
}

/// `idstation vault add-officer`: a supervisor adds an account. The new account's password
/// comes from IDSTATION_NEW_PASSWORD or is asked.
pub fn add_officer(login: &VaultLogin, name: &str, supervisor_role: bool) -> Result<u8, Failure> {
    let mut v = login.open()?;
    let pw = match std::env::var("IDSTATION_NEW_PASSWORD") {
        Ok(p) => Zeroizing::new(p),
        Err(_) => rpassword::prompt_password(format!(
            "Mật khẩu của tài khoản mới {name} / password for the new account {name}: "
        ))
        .map(Zeroizing::new)
        .map_err(|e| Failure::input(format!("IDSTATION_NEW_PASSWORD: {e}")))?,
    };
    let role = if supervisor_role {
        Role::Supervisor
    } else {
        Role::Officer
    };
    let id = v
        .add_account(name, role, &pw)
        .map_err(|e| Failure::input(e.to_string()))?;
    println!("Đã thêm tài khoản {name} ({id}) / account added");
    Ok(0)
}
