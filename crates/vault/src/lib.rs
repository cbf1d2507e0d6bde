//! The station's encrypted local store.
//!
//! * SQLite on disk in WAL mode with `synchronous=FULL`; every change is one transaction, so
//!   a crash loses nothing committed.
//! * Each enrollment record's personal data and biometrics are one AES-256-GCM ciphertext
//!   (ring) under the 256-bit station key, with a fresh random 96-bit nonce per write and the
//!   table name, record id, status and officer as associated data, so a ciphertext moved to
//!   another row or table does not decrypt and a status flipped in the clear column is found.
//!   Beside it, a small separately sealed summary (the figures reports need: times, step,
//!   outcome) lets the daily report read a whole campaign without decrypting biometrics.
//! * The station key is stored only wrapped: AES-256-GCM under a key-encryption key derived
//!   with Argon2id (same parameters as the password hashes, see [`accounts::argon2_params`])
//!   from an account's password. Every account added by a supervisor gets its own wrap;
//!   a password change re-wraps.
//! * An append-only audit log (time, officer id, action, record id — never personal data) is
//!   hash-chained: `hash = SHA-256(prev_hash || canonical bytes)`; the chain head is also kept
//!   in `meta` so truncation is caught. [`Vault::verify_audit`] names the first bad entry.
//! * Every audit entry written while the station key is unlocked is also sealed:
//!   `HMAC-SHA256(seal key, seq || hash)` in `audit_seal`, the seal key derived from the
//!   station key with HKDF. Anyone with the file can recompute a plain hash chain; without a
//!   password they cannot make seals, so a rewritten entry breaks every later seal.
//!   [`Vault::verify_audit_seals`] (logged in) checks them; see its documentation for what
//!   may stand unsealed.
//! * The checkpoint's entry/exit log (`crossings`): see [`Vault::log_crossing`].

use std::path::Path;

use accounts::{AccountError, Accounts, Clock, OfficerId, Policy, Role, Session};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

/// Schema version stored in `meta`.
pub const SCHEMA_VERSION: i64 = 1;
/// Longest record id accepted (bytes).
pub const MAX_RECORD_ID_BYTES: usize = 64;
/// Largest record payload accepted (bytes): portrait + ten prints fit easily.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Longest audit action name (bytes).
pub const MAX_ACTION_BYTES: usize = 64;

const RECORD_AAD_PREFIX: &[u8] = b"idstation.vault.records\0";
/// Records written since the status and officer columns are bound into the ciphertext.
const RECORD_AAD_V2_PREFIX: &[u8] = b"idstation.vault.records.v2\0";
const SUMMARY_AAD_PREFIX: &[u8] = b"idstation.vault.records.summary\0";
/// Largest record summary accepted (bytes): a few hundred in practice.
pub const MAX_SUMMARY_BYTES: usize = 64 * 1024;
const WRAP_AAD_PREFIX: &[u8] = b"idstation.vault.key_wraps\0";
/// HKDF salt and info for the audit seal key (domain separation from record encryption).
const SEAL_SALT: &[u8] = b"idstation.vault";
const SEAL_INFO: &[u8] = b"idstation.vault.audit_seal.v1";
/// The audit actions written without the station key (a refused log-in, a refused unlock of
/// an idle-locked session, logging out of one): the only entries that may follow the newest
/// seal.
pub const UNSEALED_ACTIONS: [&str; 4] = [
    "session.login_failed",
    "session.login_locked",
    "session.resume_failed",
    "session.logout",
];

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("Kho dữ liệu đang khóa; hãy đăng nhập / The vault is locked; log in first")]
    Locked,
    #[error("Kho dữ liệu đã tồn tại / A vault already exists at that path")]
    AlreadyExists,
    #[error("Không phải kho dữ liệu của trạm hoặc phiên bản lạ / Not a station vault, or an unknown version")]
    NotAVault,
    #[error("Tài khoản này chưa có khóa trạm; nhờ trưởng ca cấp lại / This account holds no station key; ask a supervisor to re-issue it")]
    NoKeyWrap,
    #[error("Không tìm thấy hồ sơ / Record not found")]
    NotFound,
    #[error("Hồ sơ bị hỏng hoặc bị sửa / The record is damaged or was tampered with")]
    CorruptRecord,
    #[error("Mã hồ sơ không hợp lệ / Invalid record id")]
    InvalidRecordId,
    #[error("Tên thao tác không hợp lệ / Invalid action name")]
    InvalidAction,
    #[error("Hồ sơ quá lớn / The record is too large")]
    TooLarge,
    #[error("Lỗi mã hóa / Cryptography error")]
    Crypto,
    #[error("Lỗi cơ sở dữ liệu / Database error: {0}")]
    Db(String),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("Dữ liệu lượt qua chốt không hợp lệ ({0}) / Invalid checkpoint crossing data ({0})")]
    InvalidCrossing(&'static str),
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite errors name SQL and columns, never bound parameter values.
        VaultError::Db(e.to_string())
    }
}

/// Where the audit chain breaks.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuditError {
    #[error("Nhật ký bị sửa tại mục {seq} / Audit entry {seq} was modified")]
    Modified { seq: i64 },
    #[error("Nhật ký thiếu hoặc sai thứ tự tại mục {expected} (gặp {found}) / Audit entry {expected} is missing or out of order (found {found})")]
    Gap { expected: i64, found: i64 },
    #[error("Nhật ký không nối tiếp tại mục {seq} / Audit entry {seq} does not chain to the previous one")]
    Unchained { seq: i64 },
    #[error("Nhật ký bị cắt bớt: thiếu các mục sau {last} (đầu chuỗi {head}) / Audit log truncated after entry {last} (head is {head})")]
    Truncated { last: i64, head: i64 },
    #[error("Dấu niêm phong của mục {seq} không đúng: nhật ký đã bị viết lại / The seal of audit entry {seq} does not verify: the log was rewritten")]
    SealBroken { seq: i64 },
    #[error("Mục {seq} ({action}) không có dấu niêm phong: nhật ký đã bị sửa sau lần niêm phong cuối / Audit entry {seq} ({action}) is not sealed: the log was changed after its last seal")]
    Unsealed { seq: i64, action: String },
    #[error("Lỗi đọc nhật ký / Cannot read the audit log: {0}")]
    Db(String),
}

/// What [`Vault::verify_audit_seals`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealReport {
    /// Entries in the chain.
    pub entries: usize,
    /// Entries carrying a seal (all verified).
    pub sealed: usize,
    /// The newest sealed entry: its number and time (unix seconds). Everything up to it is
    /// covered, since its seal is over its chain hash.
    pub last_sealed: Option<(i64, i64)>,
}

/// Where an enrollment record is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    InProgress,
    Enrolled,
    Issued,
    Aborted,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::InProgress => "in_progress",
            RecordStatus::Enrolled => "enrolled",
            RecordStatus::Issued => "issued",
            RecordStatus::Aborted => "aborted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "in_progress" => RecordStatus::InProgress,
            "enrolled" => RecordStatus::Enrolled,
            "issued" => RecordStatus::Issued,
            "aborted" => RecordStatus::Aborted,
            _ => return None,
        })
    }
}

/// What `list` shows: no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    pub id: String,
    pub status: RecordStatus,
    pub officer: OfficerId,
    pub updated_at: i64,
}

/// A record's summary as [`Vault::summaries`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryState {
    /// Decrypted and authenticated for this record and status.
    Present(Zeroizing<Vec<u8>>),
    /// Written before summaries existed (or by `put_record`): read the whole record.
    Missing,
    /// Does not decrypt for this record and status: damaged or tampered with.
    Damaged,
}

/// One row of [`Vault::summaries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    pub record: RecordSummary,
    pub summary: SummaryState,
}

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub officer: OfficerId,
    pub action: String,
    pub record_id: Option<String>,
}

impl AuditEntry {
    /// Canonical bytes: big-endian integers, length-prefixed strings, a flag for the optional
    /// record id — unambiguous, so no two entries share an encoding.
    fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at.to_be_bytes());
        out.extend_from_slice(&self.officer.0.to_be_bytes());
        push_str(&mut out, &self.action);
        match &self.record_id {
            Some(id) => {
                out.push(1);
                push_str(&mut out, id);
            }
            None => out.push(0),
        }
        out
    }

    /// `SHA-256(prev || canonical bytes)`: the entry's chain hash after `prev`. Public so
    /// tools and tests can recompute a chain as someone holding the file could.
    pub fn chain_hash(&self, prev: &[u8]) -> [u8; 32] {
        let mut buf = Vec::with_capacity(32 + 64);
        buf.extend_from_slice(prev);
        buf.extend_from_slice(&self.canonical());
        let d = digest(&SHA256, &buf);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    // Lengths are bounded by the input checks; u32 is ample.
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

const GENESIS: [u8; 32] = [0u8; 32];

struct Unlocked {
    session: Session,
    /// `None` while the session is idle-locked: the key is not kept behind a locked screen.
    key: Option<Zeroizing<[u8; 32]>>,
}

/// The vault. `create` or `open`, then `unlock` with an account's password.
pub struct Vault<C: Clock> {
    conn: Connection,
    accounts: Accounts<C>,
    unlocked: Option<Unlocked>,
}

fn connect(path: &Path, create: bool) -> Result<Connection, VaultError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // WAL: readers never block the writer and a torn write cannot damage committed pages.
    // synchronous=FULL: fsync the WAL at every commit, so "committed" survives power loss.
    // secure_delete: overwrite freed pages so old ciphertexts do not linger.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl<C: Clock> Vault<C> {
    /// Creates a new vault file with its first supervisor and a fresh random station key.
    pub fn create(
        path: &Path,
        supervisor: &str,
        password: &str,
        clock: C,
        policy: Policy,
    ) -> Result<Self, VaultError> {
        // create_new: never reuse or overwrite an existing file, with no check-then-create race.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(VaultError::AlreadyExists)
            }
            Err(e) => return Err(VaultError::Db(e.to_string())),
        }
        let created = Self::create_in(path, supervisor, password, clock, policy);
        if created.is_err() {
            // A half-made vault would block the next first-run attempt; remove it.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        created
    }

    fn create_in(
        path: &Path,
        supervisor: &str,
        password: &str,
        clock: C,
        policy: Policy,
    ) -> Result<Self, VaultError> {
        let mut conn = connect(path, true)?;
        let accounts = Accounts::new(clock, policy);
        let mut key = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut key[..])
            .map_err(|_| VaultError::Crypto)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
             CREATE TABLE key_wraps (
                officer_id INTEGER PRIMARY KEY REFERENCES officers(id),
                salt BLOB NOT NULL,
                m_kib INTEGER NOT NULL, t INTEGER NOT NULL, p INTEGER NOT NULL,
                nonce BLOB NOT NULL,
                wrapped BLOB NOT NULL
             );
             CREATE TABLE records (
                id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                officer_id INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                nonce BLOB NOT NULL,
                ciphertext BLOB NOT NULL,
                aad_v INTEGER NOT NULL DEFAULT 1,
                summary_nonce BLOB,
                summary BLOB
             );
             CREATE TABLE audit (
                seq INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                officer_id INTEGER NOT NULL,
                action TEXT NOT NULL,
                record_id TEXT,
                prev_hash BLOB NOT NULL,
                hash BLOB NOT NULL
             );
             -- Append-only: the app never updates or deletes audit rows.
             CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
             CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
        )?;
        init_seal_schema(&tx)?;
        Accounts::<C>::init_schema(&tx)?;
        crossings::init_schema(&tx)?;
        tx.execute(
            "INSERT INTO meta (k, v) VALUES ('schema_version', ?1)",
            params![SCHEMA_VERSION],
        )?;
        let session = accounts.first_run_in(&tx, supervisor, password)?;
        write_wrap(&tx, session.officer(), password, &key)?;
        let seal = seal_key(&key);
        append_audit(
            &tx,
            Some(&seal),
            accounts.now(),
            session.officer(),
            "vault.create",
            None,
        )?;
        tx.commit()?;
        Ok(Self {
            conn,
            accounts,
            unlocked: Some(Unlocked {
                session,
                key: Some(key),
            }),
        })
    }

    /// Opens an existing vault, locked.
    pub fn open(path: &Path, clock: C, policy: Policy) -> Result<Self, VaultError> {
        if !path.exists() {
            return Err(VaultError::NotAVault);
        }
        let conn = connect(path, false)?;
        let version: Option<i64> = conn
            .query_row("SELECT v FROM meta WHERE k = 'schema_version'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|_| VaultError::NotAVault)?;
        if version != Some(SCHEMA_VERSION) {
            return Err(VaultError::NotAVault);
        }
        // Vaults made before checkpoint mode get the crossing log, those made before audit
        // seals the seal table (the first log-in seals the chain), and those made before
        // record summaries their columns (no version change: all additive).
        crossings::init_schema(&conn)?;
        init_seal_schema(&conn)?;
        init_record_columns(&conn)?;
        Ok(Self {
            conn,
            accounts: Accounts::new(clock, policy),
            unlocked: None,
        })
    }

    /// Logs an account in and unwraps the station key with its password.
    pub fn unlock(&mut self, name: &str, password: &str) -> Result<OfficerId, VaultError> {
        self.unlocked = None;
        let session = match self.accounts.login(&self.conn, name, password) {
            Ok(s) => s,
            Err(e) => {
                // A refused log-in on a known account is an action too, stamped with that
                // account's id (never the typed name or password). Unknown names leave no row.
                if let Ok(Some(id)) = accounts::officer_id_by_name(&self.conn, name) {
                    let action = match e {
                        AccountError::Locked { .. } => "session.login_locked",
                        _ => "session.login_failed",
                    };
                    let now = self.accounts.now();
                    let tx = self
                        .conn
                        .transaction_with_behavior(TransactionBehavior::Immediate)?;
                    append_audit(&tx, None, now, id, action, None)?;
                    tx.commit()?;
                }
                return Err(e.into());
            }
        };
        let key = read_wrap(&self.conn, session.officer(), password)?;
        let officer = session.officer();
        self.unlocked = Some(Unlocked {
            session,
            key: Some(key),
        });
        self.audit("session.login", None)?;
        Ok(officer)
    }

    /// Logs out and forgets the station key.
    pub fn lock(&mut self) {
        if let Some(u) = self.unlocked.take() {
            // Logging out must not fail on a database error; the key is forgotten regardless.
            // Sealed when the key is still there (not behind an idle lock).
            let seal = u.key.as_deref().map(seal_key);
            let _ = self.append(seal.as_ref(), u.session.officer(), "session.logout");
        }
    }

    /// Unlocks a session that locked itself after idle time: checks the same officer's
    /// password (with the lockout rule) and unwraps the station key again.
    pub fn resume(&mut self, password: &str) -> Result<(), VaultError> {
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        let officer = u.session.officer();
        if let Err(e) = self
            .accounts
            .unlock_session(&self.conn, &mut u.session, password)
        {
            self.append(None, officer, "session.resume_failed")?;
            return Err(e.into());
        }
        let key = read_wrap(&self.conn, officer, password)?;
        let seal = seal_key(&key);
        u.key = Some(key);
        self.append(Some(&seal), officer, "session.resume")?;
        Ok(())
    }

    /// One audit entry in its own transaction, sealed with `seal` when given.
    fn append(
        &mut self,
        seal: Option<&hmac::Key>,
        officer: OfficerId,
        action: &str,
    ) -> Result<(), VaultError> {
        let now = self.accounts.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        append_audit(&tx, seal, now, officer, action, None)?;
        tx.commit()?;
        Ok(())
    }

    pub fn is_unlocked(&self) -> bool {
        self.unlocked
            .as_ref()
            .is_some_and(|u| !u.session.is_locked())
    }

    /// Applies the idle rule on a timer: when the session has just gone idle, the station
    /// key is dropped and the lock audited. Returns whether the session is locked.
    pub fn check_idle(&mut self) -> Result<bool, VaultError> {
        let Some(u) = self.unlocked.as_mut() else {
            return Ok(true);
        };
        let was_locked = u.session.is_locked();
        if self.accounts.check_idle(&mut u.session) {
            // The lock is sealed with the key it is about to drop.
            let seal = u.key.take().map(|k| seal_key(&k));
            if !was_locked {
                let officer = u.session.officer();
                self.append(seal.as_ref(), officer, "session.idle_locked")?;
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// The officer is at the station (typing, moving through a form): counts as activity
    /// for the idle rule, as any vault action does.
    pub fn touch(&mut self) -> Result<(), VaultError> {
        self.act().map(|_| ())
    }

    /// The officer of the current session, after applying the idle rule.
    /// On the idle lock the station key is dropped (zeroized) and the lock is audited.
    fn act(&mut self) -> Result<OfficerId, VaultError> {
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        let was_locked = u.session.is_locked();
        match self.accounts.act(&mut u.session) {
            Ok(id) => Ok(id),
            Err(e) => {
                let seal = u.key.take().map(|k| seal_key(&k));
                if !was_locked {
                    let officer = u.session.officer();
                    self.append(seal.as_ref(), officer, "session.idle_locked")?;
                }
                Err(e.into())
            }
        }
    }

    fn key(&self) -> Result<&[u8; 32], VaultError> {
        self.unlocked
            .as_ref()
            .and_then(|u| u.key.as_deref())
            .ok_or(VaultError::Locked)
    }

    /// The audit seal key of the unlocked station key.
    fn seal(&self) -> Result<hmac::Key, VaultError> {
        self.key().map(seal_key)
    }

    /// Encrypts and stores (insert or replace) one record, with its audit entry, atomically.
    /// It carries no summary; see [`Vault::put_record_audited`].
    pub fn put_record(
        &mut self,
        id: &str,
        status: RecordStatus,
        plaintext: &[u8],
    ) -> Result<(), VaultError> {
        self.put_record_audited(id, status, plaintext, None, None)
    }

    /// Encrypts and stores one record with its summary (the figures reports read, sealed on
    /// its own so a report never decrypts biometrics) and, in the same transaction, the
    /// `record.put.<status>` audit entry and the caller's `action` entry: the step an officer
    /// saw committed is in the log, or neither is.
    pub fn put_record_audited(
        &mut self,
        id: &str,
        status: RecordStatus,
        plaintext: &[u8],
        summary: Option<&[u8]>,
        action: Option<&str>,
    ) -> Result<(), VaultError> {
        check_record_id(id)?;
        if let Some(a) = action {
            check_action(a)?;
        }
        if plaintext.len() > MAX_RECORD_BYTES
            || summary.is_some_and(|s| s.len() > MAX_SUMMARY_BYTES)
        {
            return Err(VaultError::TooLarge);
        }
        let now = self.accounts.now();
        let officer = self.act()?;
        let key = self.key()?;
        let (nonce, ct) = seal(key, &record_aad_v2(id, status, officer), plaintext)?;
        let sealed_summary = summary
            .map(|s| seal(key, &summary_aad(id, status), s))
            .transpose()?;
        let (s_nonce, s_ct) = match &sealed_summary {
            Some((n, c)) => (Some(&n[..]), Some(&c[..])),
            None => (None, None),
        };
        let sealer = self.seal()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO records (id, status, officer_id, updated_at, nonce, ciphertext, aad_v,
                summary_nonce, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 2, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status,
                officer_id = excluded.officer_id, updated_at = excluded.updated_at,
                nonce = excluded.nonce, ciphertext = excluded.ciphertext, aad_v = 2,
                summary_nonce = excluded.summary_nonce, summary = excluded.summary",
            params![
                id,
                status.as_str(),
                officer.0,
                now,
                &nonce[..],
                ct,
                s_nonce,
                s_ct
            ],
        )?;
        append_audit(
            &tx,
            Some(&sealer),
            now,
            officer,
            &format!("record.put.{}", status.as_str()),
            Some(id),
        )?;
        if let Some(a) = action {
            append_audit(&tx, Some(&sealer), now, officer, a, Some(id))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Decrypts one record (the read is audited too).
    pub fn get_record(
        &mut self,
        id: &str,
    ) -> Result<(RecordStatus, Zeroizing<Vec<u8>>), VaultError> {
        check_record_id(id)?;
        let now = self.accounts.now();
        let officer = self.act()?;
        type Row = (String, i64, i64, Vec<u8>, Vec<u8>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT status, officer_id, aad_v, nonce, ciphertext FROM records WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (status, writer, aad_v, nonce, ct) = row.ok_or(VaultError::NotFound)?;
        let status = RecordStatus::parse(&status).ok_or(VaultError::CorruptRecord)?;
        let aad = match aad_v {
            1 => record_aad(id),
            2 => record_aad_v2(id, status, OfficerId(writer)),
            _ => return Err(VaultError::CorruptRecord),
        };
        let pt =
            open_sealed(self.key()?, &aad, &nonce, ct).map_err(|_| VaultError::CorruptRecord)?;
        let sealer = self.seal()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        append_audit(&tx, Some(&sealer), now, officer, "record.get", Some(id))?;
        tx.commit()?;
        Ok((status, pt))
    }

    /// Every record's summary, oldest first, in one read with one audit entry
    /// (`record.summaries`): what a report or the list of unfinished enrollments needs,
    /// without decrypting any record's personal data or biometrics. A summary that does not
    /// authenticate for its row (moved, status flipped, damaged) is [`SummaryState::Damaged`],
    /// not an error, so one bad row cannot hide the rest of a day's figures.
    pub fn summaries(
        &mut self,
        status: Option<RecordStatus>,
    ) -> Result<Vec<RecordFacts>, VaultError> {
        let now = self.accounts.now();
        let officer = self.act()?;
        let key = *self.key()?;
        let key = Zeroizing::new(key);
        let mut out = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT id, status, officer_id, updated_at, summary_nonce, summary FROM records
                 WHERE ?1 IS NULL OR status = ?1 ORDER BY updated_at, id",
            )?;
            let mut rows = stmt.query(params![status.map(|s| s.as_str())])?;
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let st: String = r.get(1)?;
                let writer: i64 = r.get(2)?;
                let updated_at: i64 = r.get(3)?;
                let s_nonce: Option<Vec<u8>> = r.get(4)?;
                let s_ct: Option<Vec<u8>> = r.get(5)?;
                let parsed = RecordStatus::parse(&st);
                let summary = match (parsed, s_nonce, s_ct) {
                    (None, _, _) => SummaryState::Damaged,
                    (Some(_), None, None) => SummaryState::Missing,
                    (Some(st), Some(n), Some(c)) => {
                        match open_sealed(&key, &summary_aad(&id, st), &n, c) {
                            Ok(pt) => SummaryState::Present(pt),
                            Err(_) => SummaryState::Damaged,
                        }
                    }
                    _ => SummaryState::Damaged,
                };
                out.push(RecordFacts {
                    record: RecordSummary {
                        id,
                        // A row whose status is unreadable is listed as in progress and
                        // flagged damaged; nothing is taken from it.
                        status: parsed.unwrap_or(RecordStatus::InProgress),
                        officer: OfficerId(writer),
                        updated_at,
                    },
                    summary,
                });
            }
        }
        let sealer = self.seal()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        append_audit(&tx, Some(&sealer), now, officer, "record.summaries", None)?;
        tx.commit()?;
        Ok(out)
    }

    /// Lists records (ids, status, officer, time — nothing personal), optionally by status.
    pub fn list(&mut self, status: Option<RecordStatus>) -> Result<Vec<RecordSummary>, VaultError> {
        self.act()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, status, officer_id, updated_at FROM records
             WHERE ?1 IS NULL OR status = ?1 ORDER BY updated_at, id",
        )?;
        let rows = stmt.query_map(params![status.map(|s| s.as_str())], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, st, officer, updated_at) = row?;
            out.push(RecordSummary {
                id,
                status: RecordStatus::parse(&st).ok_or(VaultError::CorruptRecord)?,
                officer: OfficerId(officer),
                updated_at,
            });
        }
        Ok(out)
    }

    /// Records an action by the logged-in officer. `record_id` is an id, never personal data.
    pub fn audit(&mut self, action: &str, record_id: Option<&str>) -> Result<(), VaultError> {
        check_action(action)?;
        if let Some(id) = record_id {
            check_record_id(id)?;
        }
        let now = self.accounts.now();
        let officer = self.act()?;
        let sealer = self.seal()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        append_audit(&tx, Some(&sealer), now, officer, action, record_id)?;
        tx.commit()?;
        Ok(())
    }

    /// A supervisor adds an account and gives it its own wrap of the station key.
    pub fn add_account(
        &mut self,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<OfficerId, VaultError> {
        let now = self.accounts.now();
        self.act()?;
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        let by = self.accounts.require_supervisor(&mut u.session)?;
        let key = u.key.as_deref().ok_or(VaultError::Locked)?;
        let sealer = seal_key(key);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = self
            .accounts
            .add_account(&tx, &mut u.session, name, role, password)?;
        write_wrap(&tx, id, password, key)?;
        append_audit(&tx, Some(&sealer), now, by, "account.add", None)?;
        tx.commit()?;
        Ok(id)
    }

    /// The accounts, for a supervisor's list (names, roles, lockouts; no password data).
    pub fn accounts(&mut self) -> Result<Vec<accounts::AccountInfo>, VaultError> {
        self.act()?;
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        Ok(self.accounts.list(&self.conn, &mut u.session)?)
    }

    /// The logged-in officer's id and role (also while idle-locked).
    pub fn officer(&self) -> Option<(OfficerId, Role)> {
        self.unlocked
            .as_ref()
            .map(|u| (u.session.officer(), u.session.role()))
    }

    /// A supervisor removes an account and its wrap of the station key, atomically.
    pub fn remove_account(&mut self, id: OfficerId) -> Result<(), VaultError> {
        let now = self.accounts.now();
        self.act()?;
        let sealer = self.seal()?;
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        let by = self.accounts.require_supervisor(&mut u.session)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM key_wraps WHERE officer_id = ?1", params![id.0])?;
        self.accounts.remove_account(&tx, &mut u.session, id)?;
        append_audit(
            &tx,
            Some(&sealer),
            now,
            by,
            &format!("account.remove.{}", id.0),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A supervisor lifts another account's lockout early.
    pub fn clear_lockout(&mut self, id: OfficerId) -> Result<(), VaultError> {
        let now = self.accounts.now();
        self.act()?;
        let sealer = self.seal()?;
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        let by = self.accounts.require_supervisor(&mut u.session)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        self.accounts.clear_lockout(&tx, &mut u.session, id)?;
        append_audit(
            &tx,
            Some(&sealer),
            now,
            by,
            &format!("account.clear_lockout.{}", id.0),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Changes the logged-in account's password and re-wraps its station key copy, atomically.
    pub fn change_password(&mut self, old: &str, new: &str) -> Result<(), VaultError> {
        let now = self.accounts.now();
        self.act()?;
        let u = self.unlocked.as_mut().ok_or(VaultError::Locked)?;
        let key = u.key.as_deref().ok_or(VaultError::Locked)?;
        let sealer = seal_key(key);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        self.accounts
            .change_password(&tx, &mut u.session, old, new)?;
        let officer = u.session.officer();
        write_wrap(&tx, officer, new, key)?;
        append_audit(
            &tx,
            Some(&sealer),
            now,
            officer,
            "account.password_changed",
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Walks the audit chain. Needs no key, so `idstation audit verify` can run locked.
    /// Returns the number of entries, or where the chain first breaks.
    pub fn verify_audit(&self) -> Result<usize, AuditError> {
        verify_chain(&self.conn)
    }

    /// Walks the audit chain and checks its seals with the unlocked station key: every
    /// seal must verify over its entry's chain hash, and after the newest seal only entries
    /// written without the key ([`UNSEALED_ACTIONS`]) may stand. A seal covers its entry and,
    /// through the chain, every entry before it, so an entry rewritten by someone holding the
    /// file but no password (the chain recomputed to match) is found; entries of a vault
    /// made before seals existed are covered from its first log-in on. What no check inside
    /// the file can find: the newest entries cut off together with their seals and the head.
    pub fn verify_audit_seals(&self) -> Result<SealReport, VaultError> {
        let sealer = self.seal()?;
        let db = |e: rusqlite::Error| VaultError::Audit(AuditError::Db(e.to_string()));
        let entries = verify_chain(&self.conn)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.seq, a.at, a.action, a.hash, s.mac
                 FROM audit a LEFT JOIN audit_seal s ON s.seq = a.seq ORDER BY a.seq",
            )
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        let mut sealed = 0usize;
        let mut last_sealed = None;
        let mut unsealed_since: Option<(i64, String)> = None;
        while let Some(r) = rows.next().map_err(db)? {
            let seq: i64 = r.get(0).map_err(db)?;
            let at: i64 = r.get(1).map_err(db)?;
            let action: String = r.get(2).map_err(db)?;
            let hash: Vec<u8> = r.get(3).map_err(db)?;
            let mac: Option<Vec<u8>> = r.get(4).map_err(db)?;
            match mac {
                Some(mac) => {
                    hmac::verify(&sealer, &seal_message(seq, &hash), &mac)
                        .map_err(|_| AuditError::SealBroken { seq })?;
                    sealed += 1;
                    last_sealed = Some((seq, at));
                    unsealed_since = None;
                }
                None if UNSEALED_ACTIONS.contains(&action.as_str()) => {}
                None => {
                    unsealed_since.get_or_insert((seq, action));
                }
            }
        }
        // A seal for an entry that is no longer there: the tail was cut.
        let orphan: Option<i64> = self
            .conn
            .query_row(
                "SELECT MAX(seq) FROM audit_seal WHERE seq NOT IN (SELECT seq FROM audit)",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        if let Some(head) = orphan {
            let last = i64::try_from(entries).unwrap_or(i64::MAX);
            return Err(AuditError::Truncated { last, head }.into());
        }
        if let Some((seq, action)) = unsealed_since {
            return Err(AuditError::Unsealed { seq, action }.into());
        }
        Ok(SealReport {
            entries,
            sealed,
            last_sealed,
        })
    }

    /// All audit entries in order (no personal data is ever in them).
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>, VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, officer_id, action, record_id FROM audit ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                officer: OfficerId(r.get(2)?),
                action: r.get(3)?,
                record_id: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The underlying connection, for tests and tools that read raw rows.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn check_record_id(id: &str) -> Result<(), VaultError> {
    if id.is_empty()
        || id.len() > MAX_RECORD_ID_BYTES
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(VaultError::InvalidRecordId);
    }
    Ok(())
}

fn check_action(action: &str) -> Result<(), VaultError> {
    if action.is_empty()
        || action.len() > MAX_ACTION_BYTES
        || !action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(VaultError::InvalidAction);
    }
    Ok(())
}

fn record_aad(id: &str) -> Vec<u8> {
    let mut aad = RECORD_AAD_PREFIX.to_vec();
    aad.extend_from_slice(id.as_bytes());
    aad
}

/// Since v2 the clear status and officer columns are bound too: flipping a record's status
/// in the file makes it fail to decrypt instead of passing unnoticed.
fn record_aad_v2(id: &str, status: RecordStatus, officer: OfficerId) -> Vec<u8> {
    let mut aad = RECORD_AAD_V2_PREFIX.to_vec();
    push_str(&mut aad, id);
    push_str(&mut aad, status.as_str());
    aad.extend_from_slice(&officer.0.to_be_bytes());
    aad
}

fn summary_aad(id: &str, status: RecordStatus) -> Vec<u8> {
    let mut aad = SUMMARY_AAD_PREFIX.to_vec();
    push_str(&mut aad, id);
    push_str(&mut aad, status.as_str());
    aad
}

fn wrap_aad(officer: OfficerId) -> Vec<u8> {
    let mut aad = WRAP_AAD_PREFIX.to_vec();
    aad.extend_from_slice(&officer.0.to_be_bytes());
    aad
}

fn aead_key(key: &[u8; 32]) -> Result<LessSafeKey, VaultError> {
    // ring does not zeroize its expanded key schedule; it lives only for one operation.
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| VaultError::Crypto)
}

fn seal(
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>), VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| VaultError::Crypto)?;
    let mut buf = plaintext.to_vec();
    aead_key(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .map_err(|_| VaultError::Crypto)?;
    Ok((nonce, buf))
}

fn open_sealed(
    key: &[u8; 32],
    aad: &[u8],
    nonce: &[u8],
    ct: Vec<u8>,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Crypto)?;
    let mut buf = Zeroizing::new(ct);
    let len = aead_key(key)?
        .open_in_place(nonce, Aad::from(aad), &mut buf[..])
        .map_err(|_| VaultError::Crypto)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

fn derive_kek(
    password: &str,
    salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let params = argon2::Params::new(m_kib, t, p, Some(32)).map_err(|_| VaultError::Crypto)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut kek = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, &mut kek[..])
        .map_err(|_| VaultError::Crypto)?;
    Ok(kek)
}

fn write_wrap(
    conn: &Connection,
    officer: OfficerId,
    password: &str,
    key: &[u8; 32],
) -> Result<(), VaultError> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| VaultError::Crypto)?;
    let p = accounts::argon2_params();
    let kek = derive_kek(password, &salt, p.m_cost(), p.t_cost(), p.p_cost())?;
    let (nonce, wrapped) = seal(&kek, &wrap_aad(officer), key)?;
    conn.execute(
        "INSERT INTO key_wraps (officer_id, salt, m_kib, t, p, nonce, wrapped)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(officer_id) DO UPDATE SET salt = excluded.salt, m_kib = excluded.m_kib,
            t = excluded.t, p = excluded.p, nonce = excluded.nonce, wrapped = excluded.wrapped",
        params![
            officer.0,
            &salt[..],
            p.m_cost(),
            p.t_cost(),
            p.p_cost(),
            &nonce[..],
            wrapped
        ],
    )?;
    Ok(())
}

fn read_wrap(
    conn: &Connection,
    officer: OfficerId,
    password: &str,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    type WrapRow = (Vec<u8>, u32, u32, u32, Vec<u8>, Vec<u8>);
    let row: Option<WrapRow> = conn
        .query_row(
            "SELECT salt, m_kib, t, p, nonce, wrapped FROM key_wraps WHERE officer_id = ?1",
            params![officer.0],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let (salt, m, t, p, nonce, wrapped) = row.ok_or(VaultError::NoKeyWrap)?;
    // Refuse absurd stored costs rather than allocate without bound.
    if m > accounts::MAX_ARGON2_M_KIB || t > 16 || p > 16 {
        return Err(VaultError::CorruptRecord);
    }
    let kek = derive_kek(password, &salt, m, t, p)?;
    let pt = open_sealed(&kek, &wrap_aad(officer), &nonce, wrapped)
        .map_err(|_| VaultError::CorruptRecord)?;
    let mut key = Zeroizing::new([0u8; 32]);
    if pt.len() != 32 {
        return Err(VaultError::CorruptRecord);
    }
    key.copy_from_slice(&pt);
    Ok(key)
}

/// The audit seal key: HKDF-SHA256 of the station key, for HMAC-SHA256.
fn seal_key(station_key: &[u8; 32]) -> hmac::Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, SEAL_SALT).extract(station_key);
    let okm = prk
        .expand(&[SEAL_INFO], hmac::HMAC_SHA256)
        .expect("32 bytes is within HKDF-SHA256's output limit");
    hmac::Key::from(okm)
}

/// What a seal signs: the entry's number and chain hash.
fn seal_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(8 + hash.len());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
}

/// The seal table (vaults made before it get it on open).
fn init_seal_schema(conn: &Connection) -> Result<(), VaultError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS audit_seal (
            seq INTEGER PRIMARY KEY,
            mac BLOB NOT NULL
         );
         CREATE TRIGGER IF NOT EXISTS audit_seal_no_update BEFORE UPDATE ON audit_seal
            BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;
         CREATE TRIGGER IF NOT EXISTS audit_seal_no_delete BEFORE DELETE ON audit_seal
            BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;",
    )?;
    Ok(())
}

/// The record columns added after the first release (aad_v, summary), for vaults made
/// before them. Rows keep aad_v 1 (the id-only associated data) until they are next written.
fn init_record_columns(conn: &Connection) -> Result<(), VaultError> {
    let mut have = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('records')")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            have.push(r.get::<_, String>(0)?);
        }
    }
    for (col, decl) in [
        ("aad_v", "INTEGER NOT NULL DEFAULT 1"),
        ("summary_nonce", "BLOB"),
        ("summary", "BLOB"),
    ] {
        if !have.iter().any(|h| h == col) {
            conn.execute_batch(&format!("ALTER TABLE records ADD COLUMN {col} {decl}"))?;
        }
    }
    Ok(())
}

/// Appends one audit entry to the chain, sealed when `seal` is given (the station key is
/// unlocked).
fn append_audit(
    tx: &Connection,
    seal: Option<&hmac::Key>,
    at: i64,
    officer: OfficerId,
    action: &str,
    record_id: Option<&str>,
) -> Result<(), VaultError> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s.saturating_add(1), h),
        None => (1, GENESIS.to_vec()),
    };
    let entry = AuditEntry {
        seq,
        at,
        officer,
        action: action.to_owned(),
        record_id: record_id.map(str::to_owned),
    };
    let hash = entry.chain_hash(&prev);
    tx.execute(
        "INSERT INTO audit (seq, at, officer_id, action, record_id, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, at, officer.0, action, record_id, prev, &hash[..]],
    )?;
    if let Some(key) = seal {
        let mac = hmac::sign(key, &seal_message(seq, &hash));
        tx.execute(
            "INSERT INTO audit_seal (seq, mac) VALUES (?1, ?2)",
            params![seq, mac.as_ref()],
        )?;
    }
    tx.execute(
        "INSERT INTO meta (k, v) VALUES ('audit_head', ?1)
         ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        params![seq],
    )?;
    Ok(())
}

fn verify_chain(conn: &Connection) -> Result<usize, AuditError> {
    let db = |e: rusqlite::Error| AuditError::Db(e.to_string());
    let mut stmt = conn
        .prepare(
            "SELECT seq, at, officer_id, action, record_id, prev_hash, hash
             FROM audit ORDER BY seq",
        )
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_vec();
    let mut count = 0usize;
    while let Some(r) = rows.next().map_err(db)? {
        let entry = AuditEntry {
            seq: r.get(0).map_err(db)?,
            at: r.get(1).map_err(db)?,
            officer: OfficerId(r.get(2).map_err(db)?),
            action: r.get(3).map_err(db)?,
            record_id: r.get(4).map_err(db)?,
        };
        let stored_prev: Vec<u8> = r.get(5).map_err(db)?;
        let stored_hash: Vec<u8> = r.get(6).map_err(db)?;
        if entry.seq != expected_seq {
            return Err(AuditError::Gap {
                expected: expected_seq,
                found: entry.seq,
            });
        }
        if stored_prev != prev {
            return Err(AuditError::Unchained { seq: entry.seq });
        }
        let hash = entry.chain_hash(&prev);
        if stored_hash != hash {
            return Err(AuditError::Modified { seq: entry.seq });
        }
        prev = stored_hash;
        expected_seq = expected_seq.saturating_add(1);
        count += 1;
    }
    let head: Option<i64> = conn
        .query_row("SELECT v FROM meta WHERE k = 'audit_head'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    let last = expected_seq - 1;
    if let Some(head) = head {
        if head != last {
            return Err(AuditError::Truncated { last, head });
        }
    }
    Ok(count)
}

mod crossings;
pub use crossings::{
    checkpoint_id_is_valid, loggable_alerts, loggable_text, Crossing, Direction, NewCrossing,
    COLLAPSE_ABOVE, MAX_ALERTS, MAX_CHECKPOINT_BYTES, MAX_ID_NUMBER_BYTES, MAX_NAME_BYTES,
};

#[cfg(test)]
mod tests;
