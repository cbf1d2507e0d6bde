//! The checkpoint's entry/exit log.
//!
//! One row per verification at a checkpoint. What a daily report counts and groups by stays
//! in clear: time, checkpoint, direction, officer, verdict and alert codes (codes such as
//! `mismatch.full_name` or `revoked_signer`, never the values compared). The person — ID
//! number and full name — is one AES-256-GCM ciphertext under the station key, sealed like
//! records: a fresh random nonce per row and the table name plus the row id as associated
//! data, so a ciphertext moved to another row does not open. Rows are append-only (triggers),
//! and each logged crossing appends an audit entry in the same transaction.

use crate::{append_audit, open_sealed, seal, seal_key, Vault, VaultError};
use accounts::{Clock, OfficerId};
use rusqlite::{params, Connection, TransactionBehavior};

const CROSSING_AAD_PREFIX: &[u8] = b"idstation.vault.crossings\0";
/// Longest checkpoint id, bytes.
pub const MAX_CHECKPOINT_BYTES: usize = 64;
/// Most alert codes per crossing.
pub const MAX_ALERTS: usize = 32;
const MAX_ALERT_BYTES: usize = 64;
const MAX_ID_NUMBER_BYTES: usize = 64;
const MAX_NAME_BYTES: usize = 400;

/// Created by `Vault::create` and, for vaults made before checkpoint mode, by `Vault::open`
/// (so the schema version stays 1).
pub(crate) fn init_schema(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS crossings (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            checkpoint TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            officer_id INTEGER NOT NULL,
            verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
            alerts TEXT NOT NULL,
            nonce BLOB NOT NULL,
            ciphertext BLOB NOT NULL
         );
         CREATE INDEX IF NOT EXISTS crossings_at ON crossings (at);
         CREATE TRIGGER IF NOT EXISTS crossings_no_update BEFORE UPDATE ON crossings
            BEGIN SELECT RAISE(ABORT, 'the crossing log is append-only'); END;
         CREATE TRIGGER IF NOT EXISTS crossings_no_delete BEFORE DELETE ON crossings
            BEGIN SELECT RAISE(ABORT, 'the crossing log is append-only'); END;",
    )
}

/// Entering or leaving the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Direction::In => "vào",
            Direction::Out => "ra",
        }
    }
}

/// A verification to log.
#[derive(Debug, Clone, Copy)]
pub struct NewCrossing<'a> {
    pub checkpoint: &'a str,
    pub direction: Direction,
    pub verified: bool,
    /// Alert codes (no personal data): `[a-z0-9._]`, at most 64 bytes each.
    pub alerts: &'a [String],
    pub id_number: &'a str,
    pub full_name: &'a str,
}

/// A logged crossing, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub checkpoint: String,
    pub direction: Direction,
    pub officer: OfficerId,
    /// The officer's account name (empty if the account row is gone).
    pub officer_name: String,
    pub verified: bool,
    pub alerts: Vec<String>,
    pub id_number: String,
    pub full_name: String,
}

fn aad(id: i64) -> Vec<u8> {
    let mut a = CROSSING_AAD_PREFIX.to_vec();
    a.extend_from_slice(&id.to_be_bytes());
    a
}

fn invalid(why: &'static str) -> VaultError {
    VaultError::InvalidCrossing(why)
}

fn check(c: &NewCrossing<'_>) -> Result<(), VaultError> {
    let plain = |s: &str| !s.chars().any(char::is_control);
    if c.checkpoint.trim().is_empty()
        || c.checkpoint.len() > MAX_CHECKPOINT_BYTES
        || !plain(c.checkpoint)
    {
        return Err(invalid("checkpoint"));
    }
    if c.alerts.len() > MAX_ALERTS
        || c.alerts.iter().any(|a| {
            a.is_empty()
                || a.len() > MAX_ALERT_BYTES
                || !a
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
        })
    {
        return Err(invalid("alerts"));
    }
    if c.verified && !c.alerts.is_empty() {
        return Err(invalid("verified with alerts"));
    }
    if c.id_number.len() > MAX_ID_NUMBER_BYTES || !plain(c.id_number) {
        return Err(invalid("id_number"));
    }
    if c.full_name.len() > MAX_NAME_BYTES || !plain(c.full_name) {
        return Err(invalid("full_name"));
    }
    Ok(())
}

/// Length-prefixed ID number then name: unambiguous whatever the text holds.
fn encode_person(id_number: &str, full_name: &str) -> Vec<u8> {
    let mut out = vec![1u8];
    for s in [id_number, full_name] {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    out
}

fn decode_person(b: &[u8]) -> Option<(String, String)> {
    let (&version, mut rest) = b.split_first()?;
    if version != 1 {
        return None;
    }
    let mut take = || -> Option<String> {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let s = std::str::from_utf8(rest.get(4..4 + len)?).ok()?.to_string();
        rest = &rest[4 + len..];
        Some(s)
    };
    let id = take()?;
    let name = take()?;
    rest.is_empty().then_some((id, name))
}

impl<C: Clock> Vault<C> {
    /// Logs one verification by the logged-in officer, with its audit entry, atomically.
    /// Returns the crossing's id.
    pub fn log_crossing(&mut self, c: &NewCrossing<'_>) -> Result<i64, VaultError> {
        check(c)?;
        let now = self.accounts.now();
        let officer = self.act()?;
        let key = *self.key()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Rows are never deleted (trigger), so MAX + 1 is never reused; the immediate
        // transaction keeps two writers from taking the same id.
        let id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM crossings", [], |r| {
            r.get(0)
        })?;
        let (nonce, ct) = seal(&key, &aad(id), &encode_person(c.id_number, c.full_name))?;
        tx.execute(
            "INSERT INTO crossings (id, at, checkpoint, direction, officer_id, verified, alerts, nonce, ciphertext)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                now,
                c.checkpoint,
                c.direction.as_str(),
                officer.0,
                c.verified,
                c.alerts.join(","),
                &nonce[..],
                ct
            ],
        )?;
        append_audit(
            &tx,
            Some(&seal_key(&key)),
            now,
            officer,
            &format!("crossing.{}", c.direction.as_str()),
            Some(&format!("crossing-{id}")),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every crossing logged with `from <= at < to` (unix seconds), optionally at one
    /// checkpoint, oldest first, decrypted. Reading personal data is audited.
    pub fn crossings_between(
        &mut self,
        from: i64,
        to: i64,
        checkpoint: Option<&str>,
    ) -> Result<Vec<Crossing>, VaultError> {
        let now = self.accounts.now();
        let officer = self.act()?;
        let key = *self.key()?;
        let mut out = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT c.id, c.at, c.checkpoint, c.direction, c.officer_id, COALESCE(o.name, ''),
                        c.verified, c.alerts, c.nonce, c.ciphertext
                 FROM crossings c LEFT JOIN officers o ON o.id = c.officer_id
                 WHERE c.at >= ?1 AND c.at < ?2 AND (?3 IS NULL OR c.checkpoint = ?3)
                 ORDER BY c.at, c.id",
            )?;
            let mut rows = stmt.query(params![from, to, checkpoint])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let direction: String = r.get(3)?;
                let alerts: String = r.get(7)?;
                let nonce: Vec<u8> = r.get(8)?;
                let ct: Vec<u8> = r.get(9)?;
                let pt = open_sealed(&key, &aad(id), &nonce, ct)
                    .map_err(|_| VaultError::CorruptRecord)?;
                let (id_number, full_name) = decode_person(&pt).ok_or(VaultError::CorruptRecord)?;
                out.push(Crossing {
                    id,
                    at: r.get(1)?,
                    checkpoint: r.get(2)?,
                    direction: Direction::parse(&direction).ok_or(VaultError::CorruptRecord)?,
                    officer: OfficerId(r.get(4)?),
                    officer_name: r.get(5)?,
                    verified: r.get(6)?,
                    alerts: alerts
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(str::to_string)
                        .collect(),
                    id_number,
                    full_name,
                });
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        append_audit(
            &tx,
            Some(&seal_key(&key)),
            now,
            officer,
            "crossing.report",
            None,
        )?;
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accounts::{ManualClock, Policy};

    const PW: &str = "correct horse battery staple";

    fn vault(dir: &tempfile::TempDir) -> Vault<ManualClock> {
        Vault::create(
            &dir.path().join("v.db"),
            "chief",
            PW,
            ManualClock::new(1_800_000_000),
            Policy::default(),
        )
        .unwrap()
    }

    fn entry<'a>(dir: Direction, name: &'a str, alerts: &'a [String]) -> NewCrossing<'a> {
        NewCrossing {
            checkpoint: "north-gate",
            direction: dir,
            verified: alerts.is_empty(),
            alerts,
            id_number: "001095012345",
            full_name: name,
        }
    }

    #[test]
    fn crossings_round_trip_with_audit_and_no_plaintext_name_on_disk() {
        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        let alerts = vec!["mismatch.full_name".to_string(), "dg_hash.13".to_string()];
        let a = v
            .log_crossing(&entry(Direction::In, "Nguyễn Văn Zyxwvu", &[]))
            .unwrap();
        let b = v
            .log_crossing(&entry(Direction::Out, "Trần Thị Qwerty", &alerts))
            .unwrap();
        assert_eq!((a, b), (1, 2));
        let got = v.crossings_between(0, i64::MAX, None).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].full_name, "Nguyễn Văn Zyxwvu");
        assert_eq!(got[0].officer_name, "chief");
        assert!(got[0].verified && got[0].alerts.is_empty());
        assert_eq!(got[1].direction, Direction::Out);
        assert_eq!(got[1].alerts, alerts);
        assert!(v
            .crossings_between(0, i64::MAX, Some("other"))
            .unwrap()
            .is_empty());
        let actions: Vec<String> = v
            .audit_entries()
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"crossing.in".to_string()));
        assert!(actions.contains(&"crossing.out".to_string()));
        assert!(actions.contains(&"crossing.report".to_string()));
        assert_eq!(v.verify_audit().map(|n| n > 3), Ok(true));
        v.lock();
        drop(v);
        let mut raw = Vec::new();
        for suffix in ["", "-wal"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", d.path().join("v.db").display())) {
                raw.extend(b);
            }
        }
        for secret in ["Zyxwvu", "Qwerty", "001095012345"] {
            assert!(
                !raw.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in the vault file"
            );
        }
        // The report columns stay readable.
        assert!(raw.windows(10).any(|w| w == b"north-gate"));
    }

    #[test]
    fn the_log_is_append_only_and_a_moved_ciphertext_does_not_open() {
        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        v.log_crossing(&entry(Direction::In, "A", &[])).unwrap();
        v.log_crossing(&entry(Direction::In, "B", &[])).unwrap();
        assert!(v
            .connection()
            .execute("DELETE FROM crossings WHERE id = 1", [])
            .is_err());
        assert!(v
            .connection()
            .execute("UPDATE crossings SET verified = 0", [])
            .is_err());
        // An attacker with the file drops the trigger and swaps two rows' ciphertexts.
        v.connection()
            .execute_batch(
                "DROP TRIGGER crossings_no_update;
                 UPDATE crossings SET nonce = (SELECT nonce FROM crossings WHERE id = 2),
                   ciphertext = (SELECT ciphertext FROM crossings WHERE id = 2) WHERE id = 1;",
            )
            .unwrap();
        assert!(matches!(
            v.crossings_between(0, i64::MAX, None),
            Err(VaultError::CorruptRecord)
        ));
    }

    #[test]
    fn bad_input_is_refused_and_a_locked_vault_logs_nothing() {
        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        let with_name = vec!["mismatch.Nguyễn".to_string()];
        for bad in [
            NewCrossing {
                checkpoint: "",
                ..entry(Direction::In, "A", &[])
            },
            NewCrossing {
                checkpoint: "a\nb",
                ..entry(Direction::In, "A", &[])
            },
            entry(Direction::In, "A", &with_name),
            NewCrossing {
                verified: true,
                ..entry(Direction::In, "A", &["x".to_string()])
            },
        ] {
            assert!(matches!(
                v.log_crossing(&bad),
                Err(VaultError::InvalidCrossing(_))
            ));
        }
        v.lock();
        assert!(matches!(
            v.log_crossing(&entry(Direction::In, "A", &[])),
            Err(VaultError::Locked)
        ));
    }

    #[test]
    fn a_vault_made_before_checkpoint_mode_gets_the_table_on_open() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("v.db");
        drop(vault(&d));
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "DROP TRIGGER crossings_no_update; DROP TRIGGER crossings_no_delete;
                 DROP TABLE crossings;",
            )
            .unwrap();
        }
        let mut v = Vault::open(&path, ManualClock::new(1_800_000_100), Policy::default()).unwrap();
        v.unlock("chief", PW).unwrap();
        v.log_crossing(&entry(Direction::Out, "C", &[])).unwrap();
        assert_eq!(v.crossings_between(0, i64::MAX, None).unwrap().len(), 1);
    }
}
