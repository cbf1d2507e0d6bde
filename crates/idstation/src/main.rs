//! `idstation`: the headless interface of the enrollment station, for officers' scripts and QA.
//!
//! Exit status: 0 success; 1 the card or device failed (card not issued, card not verified);
//! 2 bad input (arguments, files, record); 3 a card read but not proven genuine (no EF.SOD or
//! no CSCA given).

mod card;
mod checkpoint;
mod enroll;
mod keys;
mod record;
mod report;
mod session;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "idstation",
    version,
    about = "Trạm cấp thẻ căn cước gắn chip / chip ID card enrollment station"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Station keys: CSCA and Document Signer.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Chip cards: list readers, personalize, read and verify.
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
    /// Citizen records: validate and show the MRZ.
    Record {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Fingerprints: synthetic prints, quality scores, capture from the first sensor.
    #[command(subcommand)]
    Finger(fingerprint::cli::FingerCommand),
    /// ICAO portrait: check an image, capture from a camera.
    #[command(subcommand)]
    Portrait(portrait::PortraitCommand),
    /// The information sheet and receipt: render to PDF, print through CUPS.
    #[command(subcommand)]
    Sheet(sheet::cli::SheetCommand),
    /// Plays one applicant end to end through the station's workflow engine (headless):
    /// check-in, data, portrait, ten prints, sheet, signature, card, receipt; prints each
    /// step's result and timing. Exit 0 when the scenario reached its end (done, or the
    /// abort it asked for).
    Enroll {
        /// The scenario file (TOML): record, camera frames, fingers, check-in.
        #[arg(long)]
        scenario: PathBuf,
        /// The station file (TOML): station id, reader, printer, keys.
        #[arg(long, env = "IDSTATION_STATION")]
        station: PathBuf,
        #[command(flatten)]
        login: session::VaultLogin,
        /// Continue the most recent interrupted enrollment (after a crash or a kill) from
        /// the step it stood at, instead of starting a new applicant.
        #[arg(long)]
        resume: bool,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Checkpoint mode: verify a presented card and log the crossing.
    Checkpoint {
        #[command(subcommand)]
        command: checkpoint::CheckpointCommand,
    },
    /// Reports from the vault: the station's day.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// The station vault: first-run set-up and officer accounts.
    Vault {
        #[command(subcommand)]
        command: VaultCommand,
    },
    /// The station vault's audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Per station and officer: received, completed, cards issued, aborted with reasons,
    /// average time per step; campaign progress (PDF with charts, or CSV).
    Daily {
        /// The day, YYYY-MM-DD (the station's local date).
        #[arg(long)]
        date: String,
        /// FILE.pdf or FILE.csv.
        #[arg(long)]
        out: PathBuf,
        /// The station file (name, time zone, campaign target).
        #[arg(long, env = "IDSTATION_STATION")]
        station: PathBuf,
        #[command(flatten)]
        login: session::VaultLogin,
    },
    /// Every crossing logged at the checkpoint(s) that day, with totals in/out/alerts
    /// (PDF or CSV).
    Checkpoint(checkpoint::ReportArgs),
}

#[derive(Subcommand)]
enum VaultCommand {
    /// First-run set-up: creates the vault with a fresh station key and its supervisor
    /// (password from IDSTATION_PASSWORD, or asked).
    Init {
        #[arg(long, env = "IDSTATION_VAULT")]
        vault: PathBuf,
        #[arg(long)]
        supervisor: String,
    },
    /// A supervisor adds an officer account (its password from IDSTATION_NEW_PASSWORD, or asked).
    AddOfficer {
        #[command(flatten)]
        login: session::VaultLogin,
        /// The new account's name.
        #[arg(long)]
        name: String,
        /// Make it a supervisor account.
        #[arg(long)]
        supervisor: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Checks the vault's hash-chained audit log: exit 0 when every entry is intact and in
    /// order, 1 naming the first broken, missing or reordered entry. With --officer (password
    /// from IDSTATION_PASSWORD or asked) it also checks the seals made with the station key,
    /// which find a log rewritten with its chain recomputed; without, no password is needed.
    Verify {
        #[arg(long)]
        vault: PathBuf,
        /// Log in as this officer to check the seals too (the log-in is itself audited).
        #[arg(long)]
        officer: Option<String>,
    },
}

fn audit_verify(path: &std::path::Path, officer: Option<&str>) -> Result<u8, Failure> {
    let broken = |e: &dyn std::fmt::Display| {
        Failure::device(format!("NHẬT KÝ KHÔNG NGUYÊN VẸN / AUDIT LOG BROKEN: {e}"))
    };
    let Some(officer) = officer else {
        let v = vault::Vault::open(path, accounts::SystemClock, accounts::Policy::default())
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        let n = v.verify_audit().map_err(|e| broken(&e))?;
        println!(
            "Nhật ký nguyên vẹn: {n} mục (chưa kiểm tra dấu niêm phong; thêm --officer) / \
             audit log intact: {n} entries (seals not checked; add --officer)"
        );
        return Ok(0);
    };
    let login = session::VaultLogin {
        vault: path.to_path_buf(),
        officer: officer.to_string(),
    };
    let v = login.open()?;
    let r = v.verify_audit_seals().map_err(|e| match e {
        vault::VaultError::Audit(a) => broken(&a),
        other => Failure::input(other.to_string()),
    })?;
    let (n, sealed) = (r.entries, r.sealed);
    let last = r.last_sealed.map_or_else(String::new, |(seq, at)| {
        let when = time::OffsetDateTime::from_unix_timestamp(at)
            .map(|t| {
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            })
            .unwrap_or_default();
        format!(" #{seq} {when}")
    });
    println!(
        "Nhật ký nguyên vẹn và đã niêm phong: {n} mục, {sealed} dấu niêm phong đúng, mới nhất{last} / \
         audit log intact and sealed: {n} entries, {sealed} seals verified, newest{last}"
    );
    Ok(0)
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Makes a test CSCA and Document Signer (ECDSA P-256) for test and demo stations:
    /// DIR/csca.der, DIR/ds.der and DIR/ds-key.p8 (encrypted under the passphrase from
    /// IDSTATION_DS_PASSPHRASE, or prompted).
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// Country code in the certificates.
        #[arg(long, default_value = "VN")]
        country: String,
        #[arg(long, default_value = "idstation test PKI")]
        organization: String,
        /// Replace keys already in DIR.
        #[arg(long)]
        force: bool,
    },
    /// Shows the certificates in DIR.
    Show {
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Lists the PC/SC card readers.
    Readers,
    /// Writes a card: builds the LDS from the record, portrait and fingerprints, signs it,
    /// writes and locks the chip, then reads it back and verifies it.
    Personalize {
        #[arg(long)]
        reader: String,
        /// Firmware profile: a name (vn-citizen-card, jmrtd-passport-applet) or a TOML file.
        #[arg(long)]
        profile: String,
        #[arg(long)]
        record: PathBuf,
        /// The ICAO portrait, JPEG.
        #[arg(long)]
        portrait: PathBuf,
        /// The capture's sidecar with the exact eye centres and image type (default: the
        /// portrait's name with .json, when it is there and describes this JPEG).
        #[arg(long)]
        portrait_info: Option<PathBuf>,
        /// Folder of finger images named by position (right-index.png, left-index.png, ...).
        #[arg(long)]
        fingers: Option<PathBuf>,
        /// Station key folder (csca.der, ds.der, ds-key.p8).
        #[arg(long)]
        keys: PathBuf,
        /// A real Document Signer certificate instead of KEYS/ds.der.
        #[arg(long, requires = "ds_key")]
        ds_cert: Option<PathBuf>,
        /// A real Document Signer private key (PKCS#8, encrypted or not) instead of KEYS/ds-key.p8.
        #[arg(long, requires = "ds_cert")]
        ds_key: Option<PathBuf>,
        /// Seconds to wait for a card in the reader.
        #[arg(long, default_value_t = 30)]
        wait: u64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reads a chip through BAC and verifies it (passive and active authentication).
    Read {
        #[arg(long)]
        reader: String,
        /// Document number as in the MRZ (the last 9 digits of the ID number).
        #[arg(long)]
        doc_number: String,
        /// Date of birth, YYMMDD.
        #[arg(long)]
        birth: String,
        /// Date of expiry, YYMMDD (or "<<<<<<" for a card without expiry).
        #[arg(long)]
        expiry: String,
        /// Trusted CSCA certificate(s), DER or PEM; repeat for several.
        #[arg(long)]
        csca: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Folder to save the portrait, finger images and raw files in.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seconds to wait for a card in the reader.
        #[arg(long, default_value_t = 30)]
        wait: u64,
    },
}

#[derive(Subcommand)]
enum RecordCommand {
    /// Validates a record (JSON) against the law and a profile's limits; prints its MRZ.
    Check {
        record: PathBuf,
        #[arg(long, default_value = "vn-citizen-card")]
        profile: String,
    },
}

/// A failure with its exit status; the message is already in both languages.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    pub fn device(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keys { command } => match command {
            KeysCommand::Init {
                dir,
                country,
                organization,
                force,
            } => keys::init(&dir, &country, &organization, force),
            KeysCommand::Show { dir } => keys::show(&dir),
        },
        Command::Card { command } => match command {
            CardCommand::Readers => card::readers(),
            CardCommand::Personalize {
                reader,
                profile,
                record,
                portrait,
                portrait_info,
                fingers,
                keys,
                ds_cert,
                ds_key,
                wait,
                json,
            } => card::personalize(card::PersonalizeArgs {
                reader,
                profile,
                record,
                portrait,
                portrait_info,
                fingers,
                keys,
                ds_cert,
                ds_key,
                wait,
                json,
            }),
            CardCommand::Read {
                reader,
                doc_number,
                birth,
                expiry,
                csca,
                json,
                out,
                wait,
            } => card::read(card::ReadArgs {
                reader,
                doc_number,
                birth,
                expiry,
                csca,
                json,
                out,
                wait,
            }),
        },
        Command::Record { command } => match command {
            RecordCommand::Check { record, profile } => record::check(&record, &profile),
        },
        Command::Finger(cmd) => fingerprint::cli::run(cmd)
            .map(|()| 0)
            .map_err(|e| Failure::device(e.to_string())),
        Command::Portrait(cmd) => portrait::run(cmd).map(|()| 0).map_err(|e| Failure {
            code: if e.is_bad_input() { 2 } else { 1 },
            message: e.to_string(),
        }),
        Command::Enroll {
            scenario,
            station,
            login,
            resume,
            json,
        } => enroll::run(&scenario, &station, &login, resume, json),
        Command::Report { command } => match command {
            ReportCommand::Daily {
                date,
                out,
                station,
                login,
            } => report::daily(&date, &out, &station, &login),
            ReportCommand::Checkpoint(args) => checkpoint::report(args),
        },
        Command::Checkpoint { command } => checkpoint::run(command),
        Command::Vault { command } => match command {
            VaultCommand::Init { vault, supervisor } => session::init(&vault, &supervisor),
            VaultCommand::AddOfficer {
                login,
                name,
                supervisor,
            } => session::add_officer(&login, &name, supervisor),
        },
        Command::Audit {
            command: AuditCommand::Verify { vault, officer },
        } => audit_verify(&vault, officer.as_deref()),
        Command::Sheet(cmd) => sheet::cli::run(cmd).map(|()| 0).map_err(|e| Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("idstation: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
