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
/// Longest alert code, bytes.
pub const MAX_ALERT_BYTES: usize = 64;
/// Longest ID number kept, bytes.
pub const MAX_ID_NUMBER_BYTES: usize = 64;
/// Longest full name kept, bytes.
pub const MAX_NAME_BYTES: usize = 400;
/// More codes of one kind than this (`dg_missing.4`, `dg_missing.5`…) are kept as one
/// `KIND.count_N` by [`loggable_alerts`]: a chip can make any number of them, a report
/// reader needs the kind and how many.
pub const COLLAPSE_ABOVE: usize = 8;

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

fn plain(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Whether a checkpoint id can be logged: not blank, at most [`MAX_CHECKPOINT_BYTES`], no
/// control characters. Callers check it before the card is read, so a verification is
/// never lost to a bad id.
pub fn checkpoint_id_is_valid(id: &str) -> bool {
    !id.trim().is_empty() && id.len() <= MAX_CHECKPOINT_BYTES && plain(id)
}

fn code_is_valid(a: &str) -> bool {
    !a.is_empty()
        && a.len() <= MAX_ALERT_BYTES
        && a.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

/// Text (read from a chip, typed, scanned) as the log can keep it: every control character
/// replaced by U+FFFD, and text over `max_bytes` cut at a character boundary with the marker
/// `…[+N]` (N bytes cut) so a reader sees it was cut. `None` when the text fits as it is.
pub fn loggable_text(s: &str, max_bytes: usize) -> Option<String> {
    if plain(s) && s.len() <= max_bytes {
        return None;
    }
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if clean.len() <= max_bytes {
        return Some(clean);
    }
    // The marker's length depends on N, which depends on the cut: the longest N is
    // clean.len(), so leaving room for that always fits. A limit too small for any marker
    // gets the bare cut.
    let marker = format!("…[+{}]", clean.len()).len();
    let mut cut = max_bytes.saturating_sub(marker);
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    if max_bytes < marker {
        let mut cut = max_bytes;
        while !clean.is_char_boundary(cut) {
            cut -= 1;
        }
        return Some(clean[..cut].to_string());
    }
    Some(format!("{}…[+{}]", &clean[..cut], clean.len() - cut))
}

/// Alert codes as the log keeps them: each once, in order; more than [`COLLAPSE_ABOVE`]
/// codes of one kind (the part before the first '.') as one `KIND.count_N` where the first
/// stood; a code outside `[a-z0-9._]{1,64}` as `invalid_code`; and past [`MAX_ALERTS`], the
/// rest counted in a last `more.count_N`. Whatever the chip made, the row fits.
pub fn loggable_alerts(codes: &[String]) -> Vec<String> {
    let mut unique: Vec<&str> = Vec::new();
    for c in codes {
        let c = if code_is_valid(c) {
            c.as_str()
        } else {
            "invalid_code"
        };
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    let kind = |c: &str| c.split_once('.').map_or(c, |(k, _)| k).to_string();
    let mut out: Vec<String> = Vec::new();
    let mut collapsed: Vec<String> = Vec::new();
    for c in &unique {
        let k = kind(c);
        let n = unique.iter().filter(|o| kind(o) == k).count();
        if n <= COLLAPSE_ABOVE {
            out.push(c.to_string());
        } else if !collapsed.contains(&k) {
            out.push(format!("{k}.count_{n}"));
            collapsed.push(k);
        }
    }
    if out.len() > MAX_ALERTS {
        let rest = out.len() - (MAX_ALERTS - 1);
        out.truncate(MAX_ALERTS - 1);
        out.push(format!("more.count_{rest}"));
    }
    out
}

fn check(c: &NewCrossing<'_>) -> Result<(), VaultError> {
    if !checkpoint_id_is_valid(c.checkpoint) {
        return Err(invalid("checkpoint"));
    }
    if c.alerts.len() > MAX_ALERTS || !c.alerts.iter().all(|a| code_is_valid(a)) {
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

    /// What a forged chip can make — a 1000-byte name full of control characters, an ID
    /// number of any length, forty alert codes, a code outside the grammar — is made to fit
    /// and logged, never refused.
    #[test]
    fn hostile_values_are_made_loggable() {
        assert_eq!(loggable_text("Nguyễn Văn An", MAX_NAME_BYTES), None);
        let name = format!("A\u{1b}[2J\n{}", "Ồ".repeat(400));
        let clean = loggable_text(&name, MAX_NAME_BYTES).unwrap();
        assert!(clean.len() <= MAX_NAME_BYTES, "{}", clean.len());
        assert!(clean.starts_with("A\u{FFFD}[2J\u{FFFD}Ồ"), "{clean}");
        assert!(!clean.chars().any(char::is_control));
        let cut: usize = clean
            .rsplit_once("…[+")
            .and_then(|(_, n)| n.strip_suffix(']'))
            .and_then(|n| n.parse().ok())
            .expect("the cut is marked");
        // What was kept plus what was cut is the whole (each control character became the
        // 3-byte U+FFFD).
        let whole = name.len() + 2 * 2;
        assert_eq!(clean.len() - format!("…[+{cut}]").len() + cut, whole);
        // Only control characters: replaced, nothing cut.
        assert_eq!(loggable_text("a\tb", 64).as_deref(), Some("a\u{FFFD}b"));
        // Tiny limits still give valid UTF-8 within the limit.
        for max in 0..40 {
            let t = loggable_text(&"ệ".repeat(10), max).unwrap_or_default();
            assert!(t.len() <= max, "{max}: {t}");
        }

        let mut codes: Vec<String> = (1..=40).map(|n| format!("dg_missing.{n}")).collect();
        codes.insert(0, "sod_signature".into());
        codes.push("sod_signature".into());
        codes.push("mismatch.full_name".into());
        codes.push("Not A Code".into());
        assert_eq!(
            loggable_alerts(&codes),
            vec![
                "sod_signature",
                "dg_missing.count_40",
                "mismatch.full_name",
                "invalid_code"
            ]
        );
        // Many kinds, each under the collapse limit: cut at MAX_ALERTS with the rest counted.
        let many: Vec<String> = (0..50)
            .flat_map(|k| (0..2).map(move |n| format!("kind{k}.{n}")))
            .collect();
        let kept = loggable_alerts(&many);
        assert_eq!(kept.len(), MAX_ALERTS);
        assert_eq!(kept.last().unwrap(), &format!("more.count_{}", 100 - 31));

        let d = tempfile::tempdir().unwrap();
        let mut v = vault(&d);
        let id = loggable_text(&"9".repeat(500), MAX_ID_NUMBER_BYTES).unwrap();
        v.log_crossing(&NewCrossing {
            verified: false,
            alerts: &loggable_alerts(&codes),
            id_number: &id,
            full_name: &clean,
            ..entry(Direction::In, "", &[])
        })
        .unwrap();
        let got = v.crossings_between(0, i64::MAX, None).unwrap();
        assert_eq!(got[0].full_name, clean);
        assert_eq!(got[0].id_number, id);
        assert!(checkpoint_id_is_valid("CHOT-01"));
        for bad in ["", "  ", "a\u{7}b", &"x".repeat(65)] {
            assert!(!checkpoint_id_is_valid(bad), "{bad:?}");
        }
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
