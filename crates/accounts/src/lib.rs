//! Officer and supervisor accounts for the enrollment station.
//!
//! * Passwords are stored only as Argon2id PHC strings with a per-account random salt
//!   (see [`argon2_params`] for the parameters and why).
//! * After [`Policy::max_failures`] consecutive wrong passwords an account is locked for
//!   [`Policy::lockout_secs`].
//! * [`Accounts::first_run`] creates the first supervisor exactly once.
//! * A [`Session`] locks itself after [`Policy::idle_secs`] without activity; every action asks
//!   the session for the officer id through [`Accounts::act`], so nothing is done anonymously.
//!
//! The accounts live as plain rows (`id, name, role, phc, failures, locked_until`) in the
//! `officers` table of a SQLite connection the caller passes in (the vault's database).
//! The clock is injected so lockout and idle rules are testable.
//!
//! Errors carry Vietnamese and English text; none of them contains a password or hash.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// Argon2id memory cost in KiB: 19 MiB.
pub const ARGON2_M_KIB: u32 = 19 * 1024;
/// Largest memory cost accepted from a stored hash or key wrap (256 MiB).
pub const MAX_ARGON2_M_KIB: u32 = 256 * 1024;
/// Argon2id passes.
pub const ARGON2_T: u32 = 2;
/// Argon2id lanes.
pub const ARGON2_P: u32 = 1;

/// The Argon2id parameters for password hashes (and, in the vault, for key-encryption keys).
///
/// m = 19 MiB, t = 2, p = 1 is the OWASP Password Storage Cheat Sheet's first recommended
/// Argon2id configuration. It costs tens of milliseconds on a mobile-point laptop: one login
/// stays instant for an officer, while an offline guesser pays 19 MiB of memory per guess,
/// which blunts GPU/ASIC attacks. p = 1 because the station hashes one password at a time and
/// the laptops have few cores. The parameters are recorded inside every PHC string, so raising
/// them later does not invalidate existing hashes.
pub fn argon2_params() -> Params {
    // The constants are valid Argon2 parameters; `Params::DEFAULT` is the same OWASP set and
    // is the fallback should a future edit make them invalid, so this cannot panic.
    Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).unwrap_or(Params::DEFAULT)
}

fn argon2id() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params())
}

/// Seconds since the Unix epoch, injected so tests can move time.
pub trait Clock: Send + Sync {
    fn now_unix(&self) -> i64;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock tests set by hand; clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now_unix: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now_unix)))
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    pub fn set(&self, now_unix: i64) {
        self.0.store(now_unix, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

/// The database row id of an officer; this, never the name, goes into audit entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OfficerId(pub i64);

impl std::fmt::Display for OfficerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "officer#{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Officer,
    Supervisor,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
        }
    }
    fn parse(s: &str) -> Result<Self, AccountError> {
        match s {
            "officer" => Ok(Role::Officer),
            "supervisor" => Ok(Role::Supervisor),
            _ => Err(AccountError::Corrupt),
        }
    }
}

/// Lockout and idle rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Consecutive wrong passwords that lock an account.
    pub max_failures: u32,
    /// How long a locked account stays locked.
    pub lockout_secs: i64,
    /// Inactivity after which a session locks and asks for the password again.
    pub idle_secs: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lockout_secs: 15 * 60,
            idle_secs: 5 * 60,
        }
    }
}

/// Shortest password accepted (characters).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (bytes): bounds the work an outside input can cause.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest officer name accepted (bytes).
pub const MAX_NAME_BYTES: usize = 128;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("Sai tên đăng nhập hoặc mật khẩu / Wrong user name or password")]
    WrongPassword,
    #[error("Tài khoản bị khóa đến {} / Account locked until {}", fmt_time(*until), fmt_time(*until))]
    Locked { until: i64 },
    #[error("Chỉ trưởng ca (giám sát viên) được làm việc này / Only a supervisor may do this")]
    NotSupervisor,
    #[error("Trạm đã được cài đặt; không thể chạy cài đặt lần đầu lại / The station is already set up; first-run set-up cannot run again")]
    AlreadySetUp,
    #[error("Trạm chưa được cài đặt / The station has not been set up yet")]
    NotSetUp,
    #[error("Phiên làm việc đã khóa do không hoạt động; nhập lại mật khẩu / Session locked after inactivity; enter your password again")]
    SessionLocked,
    #[error("Tên đăng nhập đã tồn tại / That user name already exists")]
    NameTaken,
    #[error("Tên đăng nhập không hợp lệ (1–128 byte) / Invalid user name (1–128 bytes)")]
    InvalidName,
    #[error("Mật khẩu phải có từ 8 ký tự (tối đa 1024 byte) / Password must have at least 8 characters (at most 1024 bytes)")]
    WeakPassword,
    #[error("Không thể tự xóa tài khoản của mình / You cannot remove your own account")]
    CannotRemoveSelf,
    #[error("Không có tài khoản này / No such account")]
    NoSuchAccount,
    #[error("Dữ liệu tài khoản hỏng / Account data is corrupt")]
    Corrupt,
    #[error("Lỗi cơ sở dữ liệu / Database error: {0}")]
    Db(String),
    #[error("Lỗi mã hóa / Cryptography error")]
    Crypto,
}

impl From<rusqlite::Error> for AccountError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite errors name SQL and columns, never bound parameter values.
        AccountError::Db(e.to_string())
    }
}

fn fmt_time(unix: i64) -> String {
    let fmt = time::macros::format_description!("[hour]:[minute] [day]/[month]/[year] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Hashes a password to an Argon2id PHC string with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| AccountError::Crypto)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| AccountError::Crypto)?;
    argon2id()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AccountError::Crypto)
}

/// Checks a password against a PHC string (constant-time comparison inside `argon2`).
pub fn verify_password(phc: &str, password: &str) -> Result<bool, AccountError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(false);
    }
    let parsed = PasswordHash::new(phc).map_err(|_| AccountError::Corrupt)?;
    // A tampered row must not make a log-in allocate without bound.
    let params = Params::try_from(&parsed).map_err(|_| AccountError::Corrupt)?;
    if params.m_cost() > MAX_ARGON2_M_KIB || params.t_cost() > 16 || params.p_cost() > 16 {
        return Err(AccountError::Corrupt);
    }
    // The algorithm and parameters come from the PHC string itself.
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::WeakPassword);
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), AccountError> {
    if name.trim().is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        return Err(AccountError::InvalidName);
    }
    Ok(())
}

/// A logged-in officer. It locks after the policy's idle time; see [`Accounts::act`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    officer: OfficerId,
    role: Role,
    last_activity: i64,
    locked: bool,
}

impl Session {
    pub fn officer(&self) -> OfficerId {
        self.officer
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn is_locked(&self) -> bool {
        self.locked
    }
}

/// An account as listed to a supervisor (no hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    pub id: OfficerId,
    pub name: String,
    pub role: Role,
    pub locked_until: Option<i64>,
}

struct Row {
    id: OfficerId,
    role: Role,
    phc: String,
    failures: u32,
    locked_until: Option<i64>,
}

/// The account rules over the `officers` table of a connection passed to each call.
#[derive(Debug, Clone)]
pub struct Accounts<C: Clock> {
    clock: C,
    policy: Policy,
}

impl<C: Clock> Accounts<C> {
    pub fn new(clock: C, policy: Policy) -> Self {
        Self { clock, policy }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    pub fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    /// Creates the `officers` table if missing.
    pub fn init_schema(conn: &Connection) -> Result<(), AccountError> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS officers (
                -- AUTOINCREMENT: a removed account's id is never reused, so audit entries
                -- keep naming one person.
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor')),
                phc TEXT NOT NULL,
                failures INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER
            );",
        )?;
        Ok(())
    }

    /// Whether first-run set-up has happened (an account exists).
    pub fn is_set_up(conn: &Connection) -> Result<bool, AccountError> {
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM officers", [], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// First-run set-up: creates the first supervisor. Refused once any account exists.
    /// Runs in its own immediate transaction so two set-ups cannot both succeed.
    pub fn first_run(
        &self,
        conn: &mut Connection,
        name: &str,
        password: &str,
    ) -> Result<Session, AccountError> {
        check_name(name)?;
        let phc = hash_password(password)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if Self::is_set_up(&tx)? {
            return Err(AccountError::AlreadySetUp);
        }
        let id = insert(&tx, name, Role::Supervisor, &phc)?;
        tx.commit()?;
        Ok(self.new_session(id, Role::Supervisor))
    }

    /// Like [`Accounts::first_run`] but inside the caller's transaction (for the vault, which
    /// must create the supervisor and its key wrap atomically).
    pub fn first_run_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        name: &str,
        password: &str,
    ) -> Result<Session, AccountError> {
        check_name(name)?;
        let phc = hash_password(password)?;
        if Self::is_set_up(tx)? {
            return Err(AccountError::AlreadySetUp);
        }
        let id = insert(tx, name, Role::Supervisor, &phc)?;
        Ok(self.new_session(id, Role::Supervisor))
    }

    /// A supervisor adds an officer or another supervisor.
    pub fn add_account(
        &self,
        conn: &Connection,
        by: &mut Session,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<OfficerId, AccountError> {
        self.require_supervisor(by)?;
        check_name(name)?;
        let phc = hash_password(password)?;
        insert(conn, name, role, &phc)
    }

    /// Logs in by name and password, applying the lockout rule.
    pub fn login(
        &self,
        conn: &Connection,
        name: &str,
        password: &str,
    ) -> Result<Session, AccountError> {
        let Some(row) = load_by_name(conn, name)? else {
            // Same answer as a wrong password; still pay the hash so timing does not tell
            // whether the name exists.
            let _ = hash_password_unchecked(password);
            return Err(AccountError::WrongPassword);
        };
        self.check_password_for(conn, &row, password)?;
        Ok(self.new_session(row.id, row.role))
    }

    /// Unlocks an idle-locked session with the same officer's password.
    pub fn unlock_session(
        &self,
        conn: &Connection,
        session: &mut Session,
        password: &str,
    ) -> Result<(), AccountError> {
        let row = load_by_id(conn, session.officer)?.ok_or(AccountError::Corrupt)?;
        self.check_password_for(conn, &row, password)?;
        session.locked = false;
        session.last_activity = self.now();
        Ok(())
    }

    /// Every action calls this: it returns the logged-in officer's id, or locks the session
    /// (and refuses) once it has been idle for the policy's idle time.
    pub fn act(&self, session: &mut Session) -> Result<OfficerId, AccountError> {
        let now = self.now();
        if session.locked || now.saturating_sub(session.last_activity) >= self.policy.idle_secs {
            session.locked = true;
            return Err(AccountError::SessionLocked);
        }
        session.last_activity = now;
        Ok(session.officer)
    }

    /// Applies the idle rule without counting as activity (a timer calls it, so a station
    /// left alone locks on time rather than at the next click). True when the session is
    /// locked.
    pub fn check_idle(&self, session: &mut Session) -> bool {
        if !session.locked
            && self.now().saturating_sub(session.last_activity) >= self.policy.idle_secs
        {
            session.locked = true;
        }
        session.locked
    }

    /// Like [`Accounts::act`] but also requires a supervisor.
    pub fn require_supervisor(&self, session: &mut Session) -> Result<OfficerId, AccountError> {
        let id = self.act(session)?;
        if session.role != Role::Supervisor {
            return Err(AccountError::NotSupervisor);
        }
        Ok(id)
    }

    /// Changes the session officer's own password after checking the old one.
    pub fn change_password(
        &self,
        conn: &Connection,
        session: &mut Session,
        old: &str,
        new: &str,
    ) -> Result<(), AccountError> {
        self.act(session)?;
        let row = load_by_id(conn, session.officer)?.ok_or(AccountError::Corrupt)?;
        self.check_password_for(conn, &row, old)?;
        let phc = hash_password(new)?;
        conn.execute(
            "UPDATE officers SET phc = ?1 WHERE id = ?2",
            params![phc, row.id.0],
        )?;
        Ok(())
    }

    /// A supervisor removes another account (never their own, so a station always keeps one
    /// supervisor). Call inside the transaction that also removes what refers to the account.
    pub fn remove_account(
        &self,
        conn: &Connection,
        by: &mut Session,
        id: OfficerId,
    ) -> Result<(), AccountError> {
        let me = self.require_supervisor(by)?;
        if me == id {
            return Err(AccountError::CannotRemoveSelf);
        }
        let n = conn.execute("DELETE FROM officers WHERE id = ?1", params![id.0])?;
        if n == 0 {
            return Err(AccountError::NoSuchAccount);
        }
        Ok(())
    }

    /// A supervisor lifts a lockout early (e.g. after checking the officer in person).
    pub fn clear_lockout(
        &self,
        conn: &Connection,
        by: &mut Session,
        id: OfficerId,
    ) -> Result<(), AccountError> {
        self.require_supervisor(by)?;
        let n = conn.execute(
            "UPDATE officers SET failures = 0, locked_until = NULL WHERE id = ?1",
            params![id.0],
        )?;
        if n == 0 {
            return Err(AccountError::NoSuchAccount);
        }
        Ok(())
    }

    /// Accounts for a supervisor's list.
    pub fn list(
        &self,
        conn: &Connection,
        by: &mut Session,
    ) -> Result<Vec<AccountInfo>, AccountError> {
        self.require_supervisor(by)?;
        let mut stmt =
            conn.prepare("SELECT id, name, role, locked_until FROM officers ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, locked_until) = row?;
            out.push(AccountInfo {
                id: OfficerId(id),
                name,
                role: Role::parse(&role)?,
                locked_until,
            });
        }
        Ok(out)
    }

    fn new_session(&self, officer: OfficerId, role: Role) -> Session {
        Session {
            officer,
            role,
            last_activity: self.now(),
            locked: false,
        }
    }

    /// The lockout rule: refuse while locked; count a wrong password and lock at the limit;
    /// a right password resets the count.
    fn check_password_for(
        &self,
        conn: &Connection,
        row: &Row,
        password: &str,
    ) -> Result<(), AccountError> {
        let now = self.now();
        if let Some(until) = row.locked_until {
            if now < until {
                return Err(AccountError::Locked { until });
            }
        }
        if verify_password(&row.phc, password)? {
            conn.execute(
                "UPDATE officers SET failures = 0, locked_until = NULL WHERE id = ?1",
                params![row.id.0],
            )?;
            return Ok(());
        }
        let failures = row.failures.saturating_add(1);
        if failures >= self.policy.max_failures {
            let until = now.saturating_add(self.policy.lockout_secs);
            conn.execute(
                "UPDATE officers SET failures = 0, locked_until = ?1 WHERE id = ?2",
                params![until, row.id.0],
            )?;
            return Err(AccountError::Locked { until });
        }
        conn.execute(
            "UPDATE officers SET failures = ?1 WHERE id = ?2",
            params![failures, row.id.0],
        )?;
        Err(AccountError::WrongPassword)
    }
}

fn hash_password_unchecked(password: &str) -> Result<(), AccountError> {
    let salt = SaltString::encode_b64(&[0u8; 16]).map_err(|_| AccountError::Crypto)?;
    let bounded = &password.as_bytes()[..password.len().min(MAX_PASSWORD_BYTES)];
    argon2id()
        .hash_password(bounded, &salt)
        .map(|_| ())
        .map_err(|_| AccountError::Crypto)
}

fn insert(conn: &Connection, name: &str, role: Role, phc: &str) -> Result<OfficerId, AccountError> {
    match conn.execute(
        "INSERT INTO officers (name, role, phc) VALUES (?1, ?2, ?3)",
        params![name, role.as_str(), phc],
    ) {
        Ok(_) => Ok(OfficerId(conn.last_insert_rowid())),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(AccountError::NameTaken)
        }
        Err(e) => Err(e.into()),
    }
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, i64, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_row(t: (i64, String, String, i64, Option<i64>)) -> Result<Row, AccountError> {
    let (id, role, phc, failures, locked_until) = t;
    Ok(Row {
        id: OfficerId(id),
        role: Role::parse(&role)?,
        phc,
        failures: u32::try_from(failures).map_err(|_| AccountError::Corrupt)?,
        locked_until,
    })
}

fn load_by_name(conn: &Connection, name: &str) -> Result<Option<Row>, AccountError> {
    conn.query_row(
        "SELECT id, role, phc, failures, locked_until FROM officers WHERE name = ?1",
        params![name],
        row_from,
    )
    .optional()?
    .map(to_row)
    .transpose()
}

fn load_by_id(conn: &Connection, id: OfficerId) -> Result<Option<Row>, AccountError> {
    conn.query_row(
        "SELECT id, role, phc, failures, locked_until FROM officers WHERE id = ?1",
        params![id.0],
        row_from,
    )
    .optional()?
    .map(to_row)
    .transpose()
}

/// Looks up an account id by name (so failed log-ins can be audited by id, not name).
pub fn officer_id_by_name(
    conn: &Connection,
    name: &str,
) -> Result<Option<OfficerId>, AccountError> {
    Ok(load_by_name(conn, name)?.map(|r| r.id))
}

/// Looks up an officer's role (for callers holding only an id).
pub fn role_of(conn: &Connection, id: OfficerId) -> Result<Option<Role>, AccountError> {
    Ok(load_by_id(conn, id)?.map(|r| r.role))
}

#[cfg(test)]
mod tests;
