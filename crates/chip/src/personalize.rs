//! Personalization: writes a [`Document`] onto a blank chip with the firmware profile's
//! commands, locks it, then reads it back through BAC and verifies it. Only a card that reads
//! back verified, with every file as written, is issued.
//!
//! Retries are safe: a chip left unlocked by a pulled card or a failed command is simply
//! written again (existing files are overwritten); a chip that was locked before the failure
//! is read back, and issued only if it verifies and carries this applicant's data.

use crate::document::Document;
use crate::read::{read_card, ReadOptions, Reading, Verdict};
use crate::session::select_application;
use crate::ChipError;
use cardreader::{CardTransport, Traffic};
use iso7816::{CommandApdu, StatusWord};
use profiles::{Command, Profile, Vars};
use std::fmt;

/// A personalization step, named for the officer when it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    SelectApplication,
    CreateFile(&'static str),
    SelectFile(&'static str),
    WriteFile(&'static str),
    BacKeys,
    ActiveAuthenticationKey,
    Lock,
    ReadBack,
    Verify,
}

impl Step {
    pub fn label_vi(&self) -> String {
        match self {
            Step::SelectApplication => "chọn ứng dụng ICAO trên chip".into(),
            Step::CreateFile(f) => format!("tạo tệp {f}"),
            Step::SelectFile(f) => format!("chọn tệp {f}"),
            Step::WriteFile(f) => format!("ghi tệp {f}"),
            Step::BacKeys => "ghi khóa truy cập BAC".into(),
            Step::ActiveAuthenticationKey => "ghi khóa xác thực chủ động".into(),
            Step::Lock => "khóa chip".into(),
            Step::ReadBack => "đọc lại chip".into(),
            Step::Verify => "kiểm tra chip sau khi ghi".into(),
        }
    }
    pub fn label_en(&self) -> String {
        match self {
            Step::SelectApplication => "select the ICAO application".into(),
            Step::CreateFile(f) => format!("create {f}"),
            Step::SelectFile(f) => format!("select {f}"),
            Step::WriteFile(f) => format!("write {f}"),
            Step::BacKeys => "write the BAC access keys".into(),
            Step::ActiveAuthenticationKey => "write the Active Authentication key".into(),
            Step::Lock => "lock the chip".into(),
            Step::ReadBack => "read the chip back".into(),
            Step::Verify => "verify the written chip".into(),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.label_vi(), self.label_en())
    }
}

/// The card was not issued: the step that failed and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalizeError {
    pub step: Step,
    pub error: ChipError,
}

impl fmt::Display for PersonalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "THẺ CHƯA ĐƯỢC CẤP / CARD NOT ISSUED — bước {} / step {}: {}",
            self.step.label_vi(),
            self.step.label_en(),
            self.error
        )?;
        if self.error.card_gone() {
            write!(
                f,
                " — cắm lại thẻ và làm lại / re-insert the card and retry"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for PersonalizeError {}

/// An issued card.
#[derive(Debug, Clone)]
pub struct IssueReport {
    /// The read-back, every check passed.
    pub reading: Reading,
    /// Traffic of writing (zero when the chip had been written and locked before).
    pub write_traffic: Traffic,
    /// Traffic of the read-back and verification.
    pub verify_traffic: Traffic,
    /// The chip had already been written with this applicant's data and locked by an earlier,
    /// interrupted attempt; it was verified, not written again.
    pub already_locked: bool,
}

fn at(step: Step) -> impl FnOnce(ChipError) -> PersonalizeError {
    move |error| PersonalizeError { step, error }
}

/// A locked chip refuses personalization with one of these.
fn is_locked_answer(sw: StatusWord) -> bool {
    matches!(sw.0, 0x6982 | 0x6985 | 0x6986)
}

enum Sent {
    Ok,
    Status(StatusWord),
}

fn send<T: CardTransport + ?Sized>(
    t: &mut T,
    command: &Command,
    vars: &Vars,
) -> Result<Sent, ChipError> {
    let apdu: CommandApdu = command
        .build(vars)
        .map_err(|e| ChipError::Input(format!("profile template: {e}")))?;
    let r = t.transmit(&apdu)?;
    Ok(if r.sw.is_success() {
        Sent::Ok
    } else {
        Sent::Status(r.sw)
    })
}

fn expect_ok(sent: Sent, command: &'static str) -> Result<(), ChipError> {
    match sent {
        Sent::Ok => Ok(()),
        Sent::Status(sw) => Err(ChipError::Status { command, sw }),
    }
}

/// Writes `doc` onto the chip in `t` per `profile`, locks it, reads it back and verifies it
/// against `trust` (the station's CSCA). See the module documentation for retries.
pub fn personalize<T: CardTransport + ?Sized>(
    t: &mut T,
    profile: &Profile,
    doc: &Document,
    trust: &ReadOptions,
) -> Result<IssueReport, PersonalizeError> {
    let start = t.traffic();
    let perso = &profile.personalization;
    select_application(t, &profile.aid).map_err(at(Step::SelectApplication))?;

    let mut locked = false;
    let chunk = profile.write_chunk();
    'files: for (i, file) in doc.files.iter().enumerate() {
        let spec = profile
            .file_by_fid(file.fid)
            .ok_or_else(|| ChipError::Input(format!("profile has no {}", file.name)))
            .map_err(at(Step::CreateFile(file.name)))?;
        let mut vars = Vars::new();
        vars.insert("fid".into(), file.fid.to_be_bytes().to_vec());
        let size = u16::try_from(spec.max_size)
            .map_err(|_| ChipError::Input(format!("{} max_size", file.name)))
            .map_err(at(Step::CreateFile(file.name)))?;
        vars.insert("size".into(), size.to_be_bytes().to_vec());
        if let Some(create) = &perso.create_file {
            match send(t, create, &vars).map_err(at(Step::CreateFile(file.name)))? {
                Sent::Ok => {}
                // The file is there from an earlier attempt: overwrite it.
                Sent::Status(sw) if sw.0 == 0x6A89 => {}
                Sent::Status(sw) if i == 0 && is_locked_answer(sw) => {
                    locked = true;
                    break 'files;
                }
                Sent::Status(sw) => {
                    return Err(at(Step::CreateFile(file.name))(ChipError::Status {
                        command: "CREATE FILE",
                        sw,
                    }))
                }
            }
        }
        match send(t, &perso.select_file, &vars).map_err(at(Step::SelectFile(file.name)))? {
            Sent::Status(sw) if i == 0 && perso.create_file.is_none() && is_locked_answer(sw) => {
                locked = true;
                break 'files;
            }
            other => expect_ok(other, "SELECT").map_err(at(Step::SelectFile(file.name)))?,
        }
        for (n, piece) in file.bytes.chunks(chunk).enumerate() {
            let offset = u16::try_from(n * chunk)
                .map_err(|_| ChipError::Input(format!("{} too large", file.name)))
                .map_err(at(Step::WriteFile(file.name)))?;
            vars.insert("offset".into(), offset.to_be_bytes().to_vec());
            vars.insert("chunk".into(), piece.to_vec());
            let sent =
                send(t, &perso.write_binary, &vars).map_err(at(Step::WriteFile(file.name)))?;
            expect_ok(sent, "UPDATE BINARY").map_err(at(Step::WriteFile(file.name)))?;
        }
    }

    if !locked {
        let mut vars = Vars::new();
        vars.insert(
            "document_number".into(),
            doc.bac.document_number.as_bytes().to_vec(),
        );
        vars.insert(
            "date_of_birth".into(),
            doc.bac.date_of_birth.as_bytes().to_vec(),
        );
        vars.insert(
            "date_of_expiry".into(),
            doc.bac.date_of_expiry.as_bytes().to_vec(),
        );
        let sent = send(t, &perso.bac_seed, &vars).map_err(at(Step::BacKeys))?;
        expect_ok(sent, "PUT DATA").map_err(at(Step::BacKeys))?;
        if let (Some(cmd), Some(key)) = (&perso.aa_private_key, &doc.aa_key) {
            let mut vars = Vars::new();
            vars.insert("aa_private_key".into(), key.private_scalar().to_vec());
            vars.insert("aa_public_key".into(), key.public_point().to_vec());
            let sent = send(t, cmd, &vars).map_err(at(Step::ActiveAuthenticationKey));
            // The key's bytes were in `vars`: wipe them.
            if let Some(v) = vars.get_mut("aa_private_key") {
                zeroize::Zeroize::zeroize(v);
            }
            expect_ok(sent?, "PUT DATA").map_err(at(Step::ActiveAuthenticationKey))?;
        }
        let sent = send(t, &perso.lock, &Vars::new()).map_err(at(Step::Lock))?;
        expect_ok(sent, "PUT DATA (lock)").map_err(at(Step::Lock))?;
    }
    let written = t.traffic();

    let mrz_information = doc.bac.mrz_information().map_err(at(Step::ReadBack))?;
    let reading = read_card(t, &mrz_information, trust).map_err(at(Step::ReadBack))?;
    let verify_traffic = t.traffic().since(written);
    check_written(&reading, doc, locked).map_err(at(Step::Verify))?;
    Ok(IssueReport {
        reading,
        write_traffic: if locked {
            Traffic::default()
        } else {
            written.since(start)
        },
        verify_traffic,
        already_locked: locked,
    })
}

/// The read-back must verify and hold what was written. A chip locked by an earlier attempt
/// has that attempt's EF.SOD and Active Authentication key (DG14, DG15): its personal data and
/// biometrics must still be this document's.
fn check_written(reading: &Reading, doc: &Document, locked_before: bool) -> Result<(), ChipError> {
    if reading.verdict() != Verdict::Verified {
        let failed: Vec<String> = reading
            .checks
            .iter()
            .filter(|c| c.outcome != crate::CheckOutcome::Passed)
            .map(|c| format!("{} / {}: {:?}", c.name_vi, c.name_en, c.outcome))
            .collect();
        return Err(ChipError::Malformed(format!(
            "chip ghi xong nhưng không xác thực được / the written chip does not verify: {}",
            failed.join("; ")
        )));
    }
    for f in &doc.files {
        if locked_before && matches!(f.name, "EF.SOD" | "DG14" | "DG15") {
            continue;
        }
        if reading.file(f.name) != Some(f.bytes.as_slice()) {
            return Err(ChipError::Malformed(if locked_before {
                format!("chip đã khóa với dữ liệu khác ({}): dùng thẻ mới / the chip is already locked with other data ({}): use a new card", f.name, f.name)
            } else {
                format!("{} đọc lại khác với dữ liệu đã ghi / {} reads back different from what was written", f.name, f.name)
            }));
        }
    }
    Ok(())
}
