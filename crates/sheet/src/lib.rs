//! The enrollment information sheet and receipt slip as PDF, printing them through CUPS,
//! and the signature step that follows.
//!
//! - [`render_sheet`]: the A4 sheet the applicant checks and signs (20 fields in Vietnamese
//!   with English labels, portrait, fingerprint summary, application number as text and QR
//!   code, station, officer, date, signature boxes). Fonts are embedded as subset simple
//!   TrueType fonts whose glyphs carry Unicode names, with a ToUnicode map, so the text can
//!   be extracted with its diacritics — also from the copy a CUPS PDF printer makes.
//! - [`render_receipt`]: the A6 slip with the application number, QR code and the date to
//!   collect the card.
//! - [`render_report`]: A4 reports (tables, bar charts, progress bars) for the station's and
//!   the checkpoint's daily reports.
//! - [`Printer`] / [`CupsPrinter`]: printing the sheet or slip through CUPS (IPP), following the job
//!   until it completed, with clear errors for stopped, rejecting and missing printers.
//! - [`SignatureStep`]: the officer confirms the applicant signed; an optional photo of
//!   the signed sheet; a correction goes back to the data step and requires a reprint.

#[cfg(feature = "cli")]
pub mod cli;
mod error;
mod fingers;
mod font;
mod layout;
mod pdf;
mod printer;
mod receipt;
pub mod report;
mod sfnt;
mod sheet;
mod signature;

pub use error::SheetError;
pub use fingers::{CaptureStatus, FingerCapture};
pub use font::{FontData, Fonts};
pub use printer::{
    CupsPrinter, JobEnd, PrintError, PrintJob, Printed, Printer, PrinterState, PrinterStatus,
};
pub use receipt::{render_receipt, ReceiptSlip};
pub use report::{render_report, Report, Section};
pub use sheet::{render_sheet, Application, InfoSheet};
pub use signature::{SignatureError, SignatureState, SignatureStep, SignedSheet, MAX_PHOTO_BYTES};

#[cfg(test)]
mod testdata;
