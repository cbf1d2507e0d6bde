//! Printing the sheet and the slip: the [`Printer`] trait and its CUPS backend, which talks
//! IPP/1.1 to the local cupsd (RFC 8011; CUPS's own printer state reasons from the CUPS
//! Implementation of IPP).
//!
//! A print is submitted and then followed until CUPS says the job completed: a stopped,
//! paused or rejecting printer, a missing queue and a job that was canceled, aborted or
//! did not finish in time are errors that say so in Vietnamese and English. A job this
//! code gave up on is canceled, so that a sheet with personal data does not come out of
//! the printer later, unattended. So is a job the officer stops (the enrollment aborted,
//! Stop pressed): [`Printer::print_cancellable`] watches a flag while it follows the job and
//! cancels it at CUPS (IPP Cancel-Job, RFC 8011 §4.3.3) as soon as the flag is set.
//! Reprinting is printing the same document again.

use ipp::operation::IppOperation;
use ipp::prelude::*;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A document to print. The title is shown in the print queue (and, for cups-pdf, names
/// the output file): use the application number, never the applicant's name.
#[derive(Debug, Clone, Copy)]
pub struct PrintJob<'a> {
    pub title: &'a str,
    pub pdf: &'a [u8],
}

/// A job that printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub printer: String,
    pub job_id: i32,
}

/// What a printer says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    pub state: PrinterState,
    pub accepting_jobs: bool,
    /// IPP printer-state-reasons keywords ("paused", "media-empty-error", …); "none" left out.
    pub reasons: Vec<String>,
    /// The printer's own message, as CUPS passes it on.
    pub message: String,
}

/// IPP printer-state (RFC 8011 §5.4.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    Idle,
    Processing,
    Stopped,
}

/// A printer the station can send a PDF to.
pub trait Printer {
    /// The printer's state, or why it cannot be asked.
    fn status(&self) -> Result<PrinterStatus, PrintError>;

    /// Prints the document and returns when the printer reports it completed.
    fn print(&self, job: PrintJob<'_>) -> Result<Printed, PrintError>;

    /// As [`Printer::print`], stopped by the officer: once `cancel` is set the job is
    /// canceled at the printer and the answer is [`PrintError::CanceledByOfficer`] (unless
    /// the job completed first: then it printed, and says so). A printer that cannot take a
    /// job back (this default) is only kept from starting one.
    fn print_cancellable(
        &self,
        job: PrintJob<'_>,
        cancel: &AtomicBool,
    ) -> Result<Printed, PrintError> {
        if cancel.load(Ordering::Relaxed) {
            return Err(PrintError::CanceledByOfficer {
                printer: String::new(),
                job_id: None,
                canceled: true,
            });
        }
        self.print(job)
    }

    /// Prints the document again (after a jam, a correction, a stopped printer).
    fn reprint(&self, job: PrintJob<'_>) -> Result<Printed, PrintError> {
        self.print(job)
    }
}

/// Why a document did not print. `Display` gives "<Vietnamese> / <English>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintError {
    /// cupsd could not be reached (not running, wrong address) or answered nonsense.
    Unreachable { server: String, detail: String },
    /// No queue of this name.
    PrinterMissing { printer: String },
    /// The queue is stopped or paused (cupsdisable, or CUPS stopped it after an error).
    /// `job_id` is the job that was waiting and has been canceled, if any.
    PrinterStopped {
        printer: String,
        reasons: Vec<String>,
        message: String,
        job_id: Option<i32>,
    },
    /// The queue rejects new jobs (cupsreject).
    NotAccepting { printer: String, message: String },
    /// CUPS refused the job for another reason (IPP status code).
    Refused { printer: String, status: u16 },
    /// The job ended without completing: canceled, aborted, or held.
    JobFailed {
        printer: String,
        job_id: i32,
        state: JobEnd,
        reasons: Vec<String>,
        message: String,
    },
    /// The job did not complete in time; it has been canceled (`canceled` false when
    /// even that failed, and the job may still print).
    Timeout {
        printer: String,
        job_id: i32,
        waited: Duration,
        canceled: bool,
    },
    /// The document to print is empty.
    EmptyDocument,
    /// The officer stopped the print (Stop, or the enrollment aborted). `job_id` is the
    /// CUPS job, `None` when it was stopped before a job was made; `canceled` false when
    /// CUPS did not confirm the cancel, and the sheet may still print.
    CanceledByOfficer {
        printer: String,
        job_id: Option<i32>,
        canceled: bool,
    },
}

/// How a job ended without completing (IPP job-state, RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    Canceled,
    Aborted,
    /// Held (job-state pending-held or processing-stopped); this code canceled it.
    Held,
}

impl PrintError {
    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            PrintError::Unreachable { server, detail } => format!(
                "không kết nối được dịch vụ in CUPS tại {server} ({detail}); kiểm tra cupsd đang chạy"
            ),
            PrintError::PrinterMissing { printer } => {
                format!("không có máy in \"{printer}\"; kiểm tra tên máy in (lpstat -p)")
            }
            PrintError::PrinterStopped {
                printer,
                reasons,
                message,
                job_id,
            } => {
                let what = if reasons.iter().any(|r| r == "paused") {
                    "đang tạm dừng"
                } else {
                    "đang dừng"
                };
                let mut s = format!("máy in \"{printer}\" {what}{}", detail(reasons, message));
                if let Some(id) = job_id {
                    s.push_str(&format!("; đã hủy lệnh in {id}"));
                }
                s.push_str("; bật lại máy in (cupsenable) rồi in lại");
                s
            }
            PrintError::NotAccepting { printer, message } => format!(
                "máy in \"{printer}\" đang từ chối lệnh in{}; cho phép lại (cupsaccept) rồi in lại",
                detail(&[], message)
            ),
            PrintError::Refused { printer, status } => {
                format!("máy in \"{printer}\" từ chối lệnh in (mã IPP 0x{status:04x})")
            }
            PrintError::JobFailed {
                printer,
                job_id,
                state,
                reasons,
                message,
            } => {
                let how = match state {
                    JobEnd::Canceled => "đã bị hủy",
                    JobEnd::Aborted => "bị lỗi, đã dừng",
                    JobEnd::Held => "bị giữ lại, đã hủy",
                };
                format!(
                    "lệnh in {job_id} trên máy in \"{printer}\" {how}{}; hãy in lại",
                    detail(reasons, message)
                )
            }
            PrintError::Timeout {
                printer,
                job_id,
                waited,
                canceled,
            } => format!(
                "lệnh in {job_id} trên máy in \"{printer}\" chưa xong sau {} giây; {}",
                waited.as_secs(),
                if *canceled {
                    "đã hủy lệnh in; kiểm tra máy in rồi in lại"
                } else {
                    "không hủy được, lệnh in có thể vẫn được in ra; hủy bằng lệnh cancel"
                }
            ),
            PrintError::EmptyDocument => "tài liệu cần in bị rỗng".to_string(),
            PrintError::CanceledByOfficer {
                printer,
                job_id,
                canceled,
            } => match (job_id, canceled) {
                (None, _) => "cán bộ đã hủy lệnh in trước khi gửi tới máy in".to_string(),
                (Some(id), true) => {
                    format!("cán bộ đã hủy lệnh in {id} trên máy in \"{printer}\"")
                }
                (Some(id), false) => format!(
                    "cán bộ đã hủy lệnh in {id} trên máy in \"{printer}\" nhưng máy in chưa xác nhận hủy: phiếu có thể vẫn được in ra; hủy bằng lệnh cancel {id} và thu lại phiếu"
                ),
            },
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            PrintError::Unreachable { server, detail } => format!(
                "cannot reach the CUPS print service at {server} ({detail}); check that cupsd is running"
            ),
            PrintError::PrinterMissing { printer } => {
                format!("there is no printer \"{printer}\"; check the name (lpstat -p)")
            }
            PrintError::PrinterStopped {
                printer,
                reasons,
                message,
                job_id,
            } => {
                let what = if reasons.iter().any(|r| r == "paused") {
                    "is paused"
                } else {
                    "is stopped"
                };
                let mut s = format!("printer \"{printer}\" {what}{}", detail(reasons, message));
                if let Some(id) = job_id {
                    s.push_str(&format!("; job {id} was canceled"));
                }
                s.push_str("; enable the printer (cupsenable) and print again");
                s
            }
            PrintError::NotAccepting { printer, message } => format!(
                "printer \"{printer}\" is rejecting jobs{}; accept jobs again (cupsaccept) and print again",
                detail(&[], message)
            ),
            PrintError::Refused { printer, status } => {
                format!("printer \"{printer}\" refused the job (IPP status 0x{status:04x})")
            }
            PrintError::JobFailed {
                printer,
                job_id,
                state,
                reasons,
                message,
            } => {
                let how = match state {
                    JobEnd::Canceled => "was canceled",
                    JobEnd::Aborted => "failed and was aborted",
                    JobEnd::Held => "was held and has been canceled",
                };
                format!(
                    "job {job_id} on printer \"{printer}\" {how}{}; print again",
                    detail(reasons, message)
                )
            }
            PrintError::Timeout {
                printer,
                job_id,
                waited,
                canceled,
            } => format!(
                "job {job_id} on printer \"{printer}\" did not complete in {} s; {}",
                waited.as_secs(),
                if *canceled {
                    "it was canceled; check the printer and print again"
                } else {
                    "it could not be canceled and may still print; cancel it with the cancel command"
                }
            ),
            PrintError::EmptyDocument => "the document to print is empty".to_string(),
            PrintError::CanceledByOfficer {
                printer,
                job_id,
                canceled,
            } => match (job_id, canceled) {
                (None, _) => {
                    "the print was canceled by the officer before it was sent".to_string()
                }
                (Some(id), true) => {
                    format!("job {id} on printer \"{printer}\" was canceled by the officer")
                }
                (Some(id), false) => format!(
                    "job {id} on printer \"{printer}\" was canceled by the officer but the printer did not confirm it: the sheet may still print; cancel it with cancel {id} and collect the sheet"
                ),
            },
        }
    }
}

/// " (reasons; message)" when there is anything to say beyond "paused" (which the
/// sentence says already; cupsdisable sets it, with the message "Paused").
fn detail(reasons: &[String], message: &str) -> String {
    let mut parts: Vec<&str> = reasons
        .iter()
        .map(String::as_str)
        .filter(|r| *r != "paused")
        .collect();
    let message = message.trim();
    if !message.is_empty() && !message.eq_ignore_ascii_case("paused") {
        parts.push(message);
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

impl fmt::Display for PrintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_vi(), self.message_en())
    }
}

impl std::error::Error for PrintError {}

/// A CUPS queue reached over IPP at a cupsd (by default the local one).
#[derive(Debug, Clone)]
pub struct CupsPrinter {
    /// "host:port" of cupsd.
    server: String,
    queue: String,
    user: String,
    /// How long to wait for a job to complete.
    pub job_timeout: Duration,
    /// How long one IPP request may take.
    pub request_timeout: Duration,
    /// How often to ask for the job's state.
    pub poll_interval: Duration,
}

/// The cupsd a printer name refers to: $CUPS_SERVER when it names a host (not a socket
/// path), else localhost:631.
fn default_server() -> String {
    match std::env::var("CUPS_SERVER") {
        Ok(s) if !s.is_empty() && !s.starts_with('/') => {
            if s.contains(':') {
                s
            } else {
                format!("{s}:631")
            }
        }
        _ => "localhost:631".to_string(),
    }
}

/// Job states of RFC 8011 §5.3.7.
const JOB_PENDING_HELD: i32 = 4;
const JOB_PROCESSING_STOPPED: i32 = 6;
const JOB_CANCELED: i32 = 7;
const JOB_ABORTED: i32 = 8;
const JOB_COMPLETED: i32 = 9;
const PRINTER_STOPPED: i32 = 5;
/// IPP status codes (RFC 8011 §B).
const CLIENT_ERROR_NOT_FOUND: u16 = 0x0406;
const SERVER_ERROR_NOT_ACCEPTING: u16 = 0x0506;

impl CupsPrinter {
    /// The queue `queue` at the local cupsd; the job waits up to 2 minutes.
    pub fn new(queue: &str) -> CupsPrinter {
        CupsPrinter::at(&default_server(), queue)
    }

    /// The queue `queue` at the cupsd `server` ("host:port").
    pub fn at(server: &str, queue: &str) -> CupsPrinter {
        // The job's owner must be an account this machine knows: CUPS checks the
        // requesting user's groups when a job is canceled, and Debian's cupsd 2.4.2
        // crashes (null dereference, seen here) on a name with no passwd entry — which
        // "idstation" is, and $USER is unset under CI and service managers.
        let user = account_name()
            .or_else(|| std::env::var("USER").ok())
            .filter(|u| !u.is_empty() && u.chars().all(|c| c.is_ascii_graphic()))
            .unwrap_or_else(|| "idstation".to_string());
        CupsPrinter {
            server: server.to_string(),
            queue: queue.to_string(),
            user,
            job_timeout: Duration::from_secs(120),
            request_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(200),
        }
    }

    pub fn queue(&self) -> &str {
        &self.queue
    }

    fn unreachable(&self, detail: impl fmt::Display) -> PrintError {
        PrintError::Unreachable {
            server: self.server.clone(),
            detail: detail.to_string(),
        }
    }

    fn uri(&self) -> Result<Uri, PrintError> {
        // The queue name goes into a URI path: refuse what would change the URI's meaning
        // rather than escape it (CUPS queue names are printable, without / # ? and space).
        if self.queue.is_empty()
            || !self
                .queue
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '#' | '?' | '%'))
        {
            return Err(PrintError::PrinterMissing {
                printer: self.queue.clone(),
            });
        }
        format!("ipp://{}/printers/{}", self.server, self.queue)
            .parse()
            .map_err(|e| self.unreachable(e))
    }

    fn client(&self, uri: &Uri) -> IppClient {
        IppClient::builder(uri.clone())
            .request_timeout(self.request_timeout)
            .build()
    }

    fn send(
        &self,
        client: &IppClient,
        op: impl IppOperation,
    ) -> Result<IppRequestResponse, PrintError> {
        let resp = client.send(op).map_err(|e| self.unreachable(e))?;
        let status = resp.header().operation_or_status as u16;
        if status == CLIENT_ERROR_NOT_FOUND {
            return Err(PrintError::PrinterMissing {
                printer: self.queue.clone(),
            });
        }
        Ok(resp)
    }

    fn printer_status(&self, client: &IppClient, uri: &Uri) -> Result<PrinterStatus, PrintError> {
        let op = IppOperationBuilder::get_printer_attributes(uri.clone())
            .attributes([
                "printer-state",
                "printer-state-reasons",
                "printer-state-message",
                "printer-is-accepting-jobs",
            ])
            .build()
            .map_err(|e| self.unreachable(e))?;
        let resp = self.send(client, op)?;
        let status = resp.header().operation_or_status as u16;
        if status >= 0x0100 {
            return Err(PrintError::Refused {
                printer: self.queue.clone(),
                status,
            });
        }
        let a = resp.attributes();
        let state = match int(a, DelimiterTag::PrinterAttributes, "printer-state") {
            Some(PRINTER_STOPPED) => PrinterState::Stopped,
            Some(4) => PrinterState::Processing,
            _ => PrinterState::Idle,
        };
        let accepting_jobs = !matches!(
            a.groups_of(DelimiterTag::PrinterAttributes)
                .find_map(|g| g.get("printer-is-accepting-jobs"))
                .map(|v| v.value()),
            Some(IppValue::Boolean(false))
        );
        let status = PrinterStatus {
            state,
            accepting_jobs,
            reasons: strings(a, DelimiterTag::PrinterAttributes, "printer-state-reasons")
                .into_iter()
                .filter(|r| r != "none")
                .collect(),
            message: strings(a, DelimiterTag::PrinterAttributes, "printer-state-message").join(" "),
        };
        Ok(status)
    }

    fn stopped(&self, s: PrinterStatus, job_id: Option<i32>) -> PrintError {
        PrintError::PrinterStopped {
            printer: self.queue.clone(),
            reasons: s.reasons,
            message: s.message,
            job_id,
        }
    }

    /// Cancels a job; whether CUPS confirmed it.
    fn cancel(&self, client: &IppClient, uri: &Uri, job_id: i32) -> bool {
        let Ok(op) = IppOperationBuilder::cancel_job(uri.clone(), job_id)
            .user_name(&self.user)
            .build()
        else {
            return false;
        };
        match client.send(op) {
            Ok(resp) => {
                let s = resp.header().operation_or_status as u16;
                // Already ended (client-error-not-possible) also means it will not print.
                s < 0x0100 || s == 0x040C
            }
            Err(_) => false,
        }
    }

    /// The job's IPP job-state, if CUPS answers.
    fn job_state(&self, client: &IppClient, uri: &Uri, job_id: i32) -> Option<i32> {
        let op = IppOperationBuilder::get_job_attributes(uri.clone(), job_id)
            .build()
            .ok()?;
        let resp = self.send(client, op).ok()?;
        int(resp.attributes(), DelimiterTag::JobAttributes, "job-state")
    }

    /// Cancels a job this code gives up on and says whether it will not print: `Ok(true)`
    /// canceled (or ended), `Ok(false)` CUPS did not confirm it, `Err` the job completed
    /// meanwhile (it printed).
    fn give_up(&self, client: &IppClient, uri: &Uri, job_id: i32) -> Result<bool, Printed> {
        if self.cancel(client, uri, job_id) {
            return Ok(true);
        }
        // The cancel may have crossed the job's end, or met a passing error on a loaded
        // server: look at the job again before saying it may still print.
        std::thread::sleep(self.poll_interval.min(Duration::from_millis(200)));
        match self.job_state(client, uri, job_id) {
            Some(JOB_COMPLETED) => Err(Printed {
                printer: self.queue.clone(),
                job_id,
            }),
            Some(JOB_CANCELED) | Some(JOB_ABORTED) => Ok(true),
            _ => Ok(self.cancel(client, uri, job_id)),
        }
    }

    fn follow(
        &self,
        client: &IppClient,
        uri: &Uri,
        job_id: i32,
        stop: &AtomicBool,
    ) -> Result<Printed, PrintError> {
        let start = Instant::now();
        loop {
            let op = IppOperationBuilder::get_job_attributes(uri.clone(), job_id)
                .build()
                .map_err(|e| self.unreachable(e))?;
            let resp = self.send(client, op)?;
            let a = resp.attributes();
            let state = int(a, DelimiterTag::JobAttributes, "job-state");
            let reasons = || {
                strings(a, DelimiterTag::JobAttributes, "job-state-reasons")
                    .into_iter()
                    .filter(|r| r != "none")
                    .collect::<Vec<_>>()
            };
            let message = || strings(a, DelimiterTag::JobAttributes, "job-state-message").join(" ");
            let failed = |state| PrintError::JobFailed {
                printer: self.queue.clone(),
                job_id,
                state,
                reasons: reasons(),
                message: message(),
            };
            match state {
                Some(JOB_COMPLETED) => {
                    return Ok(Printed {
                        printer: self.queue.clone(),
                        job_id,
                    })
                }
                Some(JOB_CANCELED) => return Err(failed(JobEnd::Canceled)),
                Some(JOB_ABORTED) => return Err(failed(JobEnd::Aborted)),
                Some(JOB_PENDING_HELD) | Some(JOB_PROCESSING_STOPPED) => {
                    // Stopped with its printer, or held: it will not print by itself.
                    let printer = self.printer_status(client, uri)?;
                    self.cancel(client, uri, job_id);
                    if printer.state == PrinterState::Stopped {
                        return Err(self.stopped(printer, Some(job_id)));
                    }
                    return Err(failed(JobEnd::Held));
                }
                _ => {}
            }
            // Pending or printing, and the officer stopped it: it must not come out later.
            if stop.load(Ordering::Relaxed) {
                return match self.give_up(client, uri, job_id) {
                    Ok(canceled) => Err(PrintError::CanceledByOfficer {
                        printer: self.queue.clone(),
                        job_id: Some(job_id),
                        canceled,
                    }),
                    Err(printed) => Ok(printed),
                };
            }
            // Pending behind a printer that has since been stopped: it would wait forever.
            let printer = self.printer_status(client, uri)?;
            if printer.state == PrinterState::Stopped {
                self.cancel(client, uri, job_id);
                return Err(self.stopped(printer, Some(job_id)));
            }
            let waited = start.elapsed();
            if waited >= self.job_timeout {
                return match self.give_up(client, uri, job_id) {
                    Ok(canceled) => Err(PrintError::Timeout {
                        printer: self.queue.clone(),
                        job_id,
                        waited,
                        canceled,
                    }),
                    Err(printed) => Ok(printed),
                };
            }
            // The wait till the next poll, in slices: Stop is taken within 50 ms.
            let pause = self.poll_interval.min(self.job_timeout - waited);
            let paused = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                let gone = paused.elapsed();
                if gone >= pause {
                    break;
                }
                std::thread::sleep((pause - gone).min(Duration::from_millis(50)));
            }
        }
    }
}

impl Printer for CupsPrinter {
    fn status(&self) -> Result<PrinterStatus, PrintError> {
        let uri = self.uri()?;
        self.printer_status(&self.client(&uri), &uri)
    }

    fn print(&self, job: PrintJob<'_>) -> Result<Printed, PrintError> {
        self.print_cancellable(job, &AtomicBool::new(false))
    }

    fn print_cancellable(
        &self,
        job: PrintJob<'_>,
        stop: &AtomicBool,
    ) -> Result<Printed, PrintError> {
        if job.pdf.is_empty() {
            return Err(PrintError::EmptyDocument);
        }
        let stopped_before = || PrintError::CanceledByOfficer {
            printer: self.queue.clone(),
            job_id: None,
            canceled: true,
        };
        if stop.load(Ordering::Relaxed) {
            return Err(stopped_before());
        }
        let uri = self.uri()?;
        let client = self.client(&uri);
        let status = self.printer_status(&client, &uri)?;
        if status.state == PrinterState::Stopped {
            return Err(self.stopped(status, None));
        }
        if !status.accepting_jobs {
            return Err(PrintError::NotAccepting {
                printer: self.queue.clone(),
                message: status.message,
            });
        }
        if stop.load(Ordering::Relaxed) {
            return Err(stopped_before());
        }
        let payload = IppPayload::new(std::io::Cursor::new(job.pdf.to_vec()));
        let title: String = job.title.chars().filter(|c| !c.is_control()).collect();
        let op = IppOperationBuilder::print_job(uri.clone(), payload)
            .user_name(&self.user)
            .job_title(if title.is_empty() {
                "idstation"
            } else {
                &title
            })
            .document_format("application/pdf")
            .build()
            .map_err(|e| self.unreachable(e))?;
        let resp = self.send(&client, op)?;
        let status = resp.header().operation_or_status as u16;
        if status == SERVER_ERROR_NOT_ACCEPTING {
            return Err(PrintError::NotAccepting {
                printer: self.queue.clone(),
                message: String::new(),
            });
        }
        if status >= 0x0100 {
            return Err(PrintError::Refused {
                printer: self.queue.clone(),
                status,
            });
        }
        let job_id = int(resp.attributes(), DelimiterTag::JobAttributes, "job-id")
            .ok_or_else(|| self.unreachable("CUPS accepted the job but gave no job-id"))?;
        self.follow(&client, &uri, job_id, stop)
    }
}

/// The name of the account this process runs as (its effective uid's passwd entry).
fn account_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: zeroed is a valid bit pattern for passwd (integers and null pointers);
    // getpwuid_r writes the entry's strings into `buf`, which outlives every use of `pwd`,
    // and sets `found` to `&mut pwd` or null.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        );
        if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(pwd.pw_name)
            .to_str()
            .ok()
            .map(str::to_owned)
    }
}

fn int(a: &IppAttributes, tag: DelimiterTag, name: &str) -> Option<i32> {
    a.groups_of(tag)
        .find_map(|g| g.get(name))
        .and_then(|v| match v.value() {
            IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
            _ => None,
        })
}

fn strings(a: &IppAttributes, tag: DelimiterTag, name: &str) -> Vec<String> {
    a.groups_of(tag)
        .find_map(|g| g.get(name))
        .map(|v| v.value().into_iter().map(|v| v.to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_owned_by_the_account_the_station_runs_as() {
        // Whatever $USER says (unset under CI): the passwd entry of the effective uid.
        let want = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        let want = String::from_utf8(want.stdout).unwrap();
        assert_eq!(account_name().as_deref(), Some(want.trim()));
        assert_eq!(CupsPrinter::new("q").user, want.trim());
    }

    #[test]
    fn messages_are_bilingual_and_name_the_printer() {
        let errors = [
            PrintError::PrinterMissing {
                printer: "p".into(),
            },
            PrintError::PrinterStopped {
                printer: "p".into(),
                reasons: vec!["paused".into()],
                message: String::new(),
                job_id: Some(7),
            },
            PrintError::NotAccepting {
                printer: "p".into(),
                message: "Rejecting Jobs".into(),
            },
            PrintError::JobFailed {
                printer: "p".into(),
                job_id: 3,
                state: JobEnd::Aborted,
                reasons: vec!["job-canceled-at-device".into()],
                message: String::new(),
            },
            PrintError::Timeout {
                printer: "p".into(),
                job_id: 4,
                waited: Duration::from_secs(120),
                canceled: true,
            },
            PrintError::Unreachable {
                server: "localhost:631".into(),
                detail: "connection refused".into(),
            },
        ];
        for e in errors {
            let s = e.to_string();
            assert!(s.contains(" / "), "{s}");
            assert!(!e.message_vi().is_empty() && !e.message_en().is_empty());
            if !matches!(e, PrintError::Unreachable { .. }) {
                assert!(s.contains("\"p\""), "{s}");
            }
        }
        let paused = PrintError::PrinterStopped {
            printer: "p".into(),
            reasons: vec!["paused".into()],
            message: String::new(),
            job_id: None,
        };
        assert!(paused.message_vi().contains("tạm dừng"));
        assert!(paused.message_en().contains("paused"));
    }

    #[test]
    fn a_queue_name_that_would_change_the_uri_is_a_missing_printer() {
        for q in ["", "a/b", "a b", "x?y", "q#", "máy"] {
            let p = CupsPrinter::at("localhost:631", q);
            assert_eq!(
                p.uri().unwrap_err(),
                PrintError::PrinterMissing {
                    printer: q.to_string()
                }
            );
        }
    }

    #[test]
    fn an_unreachable_cupsd_is_an_error_not_a_hang() {
        // Port 9 (discard) on localhost: nothing listens there on a test machine.
        let mut p = CupsPrinter::at("127.0.0.1:9", "idstation-pdf");
        p.request_timeout = Duration::from_secs(2);
        let e = p
            .print(PrintJob {
                title: "t",
                pdf: b"%PDF-1.7",
            })
            .unwrap_err();
        assert!(matches!(e, PrintError::Unreachable { .. }), "{e}");
        assert!(p.status().is_err());
    }

    /// Stopped before the job is made: nothing is sent (here cupsd is not even reachable,
    /// so a request would be an Unreachable error), and the answer says the officer
    /// canceled it.
    #[test]
    fn a_print_stopped_before_it_is_sent_never_reaches_cups() {
        let p = CupsPrinter::at("127.0.0.1:9", "idstation-pdf");
        let stop = AtomicBool::new(true);
        let e = p
            .print_cancellable(
                PrintJob {
                    title: "t",
                    pdf: b"%PDF-1.7",
                },
                &stop,
            )
            .unwrap_err();
        assert_eq!(
            e,
            PrintError::CanceledByOfficer {
                printer: "idstation-pdf".into(),
                job_id: None,
                canceled: true
            }
        );
        assert!(e.to_string().contains("cán bộ đã hủy lệnh in"), "{e}");
        assert!(e.to_string().contains("canceled by the officer"), "{e}");
    }

    #[test]
    fn a_canceled_print_says_whether_it_may_still_come_out() {
        let done = PrintError::CanceledByOfficer {
            printer: "p".into(),
            job_id: Some(12),
            canceled: true,
        };
        assert_eq!(
            done.to_string(),
            "cán bộ đã hủy lệnh in 12 trên máy in \"p\" / job 12 on printer \"p\" was canceled by the officer"
        );
        let unsure = PrintError::CanceledByOfficer {
            printer: "p".into(),
            job_id: Some(12),
            canceled: false,
        };
        assert!(unsure.message_vi().contains("có thể vẫn được in ra"));
        assert!(unsure.message_en().contains("may still print"));
        assert!(unsure.message_en().contains("cancel 12"));
    }

    #[test]
    fn an_empty_document_is_refused_before_cups_is_asked() {
        let p = CupsPrinter::at("127.0.0.1:9", "x");
        assert_eq!(
            p.print(PrintJob {
                title: "t",
                pdf: &[]
            }),
            Err(PrintError::EmptyDocument)
        );
    }
}
