//! The signature step, UI-free: the sheet is printed, the applicant checks and signs it,
//! the officer confirms; optionally a photo of the signed sheet is kept with the record. A
//! correction the applicant asks for sends the enrollment back to the data step, and the
//! corrected sheet must be printed (and signed) again: a signature on the old sheet does
//! not count.
//!
//! ```text
//!   NeedsPrint ──printed──► AwaitingSignature ──confirm_signed──► Signed
//!       ▲                        │   ▲                              │
//!       │                        │   └──────printed (reprint)───────┘ (before signing only)
//!       │                request_correction                 request_correction
//!       │                        ▼                                  │
//!       └──data_corrected── Correcting ◄────────────────────────────┘
//! ```

use crate::printer::Printed;
use citizen::Field;
use std::fmt;

/// The largest photo of the signed sheet kept (a phone-camera JPEG of an A4 page is a few
/// MB).
pub const MAX_PHOTO_BYTES: usize = 12 * 1024 * 1024;

/// Where the signature step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureState {
    /// The sheet must be printed: first time, or again after a correction (`reprint`).
    NeedsPrint { reprint: bool },
    /// Printed; the applicant is checking it.
    AwaitingSignature { printed: Printed },
    /// The officer confirmed that the applicant signed this print.
    Signed { printed: Printed },
    /// The applicant asked to correct these fields (empty: not said which); the data step
    /// is open.
    Correcting { fields: Vec<Field> },
}

/// The signature step of one enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureStep {
    state: SignatureState,
    /// JPEG of the signed sheet, kept only while the signature stands.
    photo: Option<Vec<u8>>,
    /// How many corrections sent the enrollment back to the data step.
    corrections: u32,
}

/// What the signature step hands on once it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedSheet {
    pub printed: Printed,
    pub photo_jpeg: Option<Vec<u8>>,
    pub corrections: u32,
}

/// An action the step's state does not allow, or a photo that is not one. `Display` gives
/// "<Vietnamese> / <English>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// Confirming a signature, or keeping a photo, before the (re)printed sheet exists.
    NotPrinted,
    /// Printing again after the applicant signed: ask for a correction first.
    AlreadySigned,
    /// An action other than `data_corrected` while the data step is open.
    Correcting,
    /// `data_corrected` with no correction asked for.
    NoCorrection,
    /// The photo of the signed sheet is not a usable JPEG.
    Photo(String),
    /// The camera could not take the photo (Vietnamese, English).
    Camera(String, String),
}

impl SignatureError {
    pub fn message_vi(&self) -> String {
        match self {
            SignatureError::NotPrinted => {
                "chưa in phiếu (hoặc chưa in lại sau khi sửa); hãy in phiếu trước".to_string()
            }
            SignatureError::AlreadySigned => {
                "công dân đã ký phiếu; muốn in lại thì phải yêu cầu sửa thông tin trước".to_string()
            }
            SignatureError::Correcting => {
                "đang sửa thông tin; hãy lưu thông tin đã sửa rồi in lại phiếu".to_string()
            }
            SignatureError::NoCorrection => "không có yêu cầu sửa thông tin nào".to_string(),
            SignatureError::Photo(d) => format!("ảnh phiếu đã ký không dùng được: {d}"),
            SignatureError::Camera(vi, _) => format!("không chụp được phiếu đã ký: {vi}"),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            SignatureError::NotPrinted => {
                "the sheet has not been printed (or reprinted after a correction); print it first"
                    .to_string()
            }
            SignatureError::AlreadySigned => {
                "the applicant has signed; to print again, ask for a correction first".to_string()
            }
            SignatureError::Correcting => {
                "a correction is open; save the corrected data, then reprint the sheet".to_string()
            }
            SignatureError::NoCorrection => "no correction was asked for".to_string(),
            SignatureError::Photo(d) => format!("the photo of the signed sheet is unusable: {d}"),
            SignatureError::Camera(_, en) => format!("cannot photograph the signed sheet: {en}"),
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_vi(), self.message_en())
    }
}

impl std::error::Error for SignatureError {}

impl Default for SignatureStep {
    fn default() -> Self {
        SignatureStep::new()
    }
}

impl SignatureStep {
    pub fn new() -> SignatureStep {
        SignatureStep {
            state: SignatureState::NeedsPrint { reprint: false },
            photo: None,
            corrections: 0,
        }
    }

    pub fn state(&self) -> &SignatureState {
        &self.state
    }

    pub fn photo(&self) -> Option<&[u8]> {
        self.photo.as_deref()
    }

    /// The sheet printed (CUPS said completed). Also a reprint of an unsigned sheet (a
    /// jam, a lost page): the applicant signs the latest print.
    pub fn printed(&mut self, printed: Printed) -> Result<(), SignatureError> {
        match self.state {
            SignatureState::NeedsPrint { .. } | SignatureState::AwaitingSignature { .. } => {
                self.state = SignatureState::AwaitingSignature { printed };
                Ok(())
            }
            SignatureState::Signed { .. } => Err(SignatureError::AlreadySigned),
            SignatureState::Correcting { .. } => Err(SignatureError::Correcting),
        }
    }

    /// The officer confirms that the applicant signed the printed sheet.
    pub fn confirm_signed(&mut self) -> Result<(), SignatureError> {
        match &self.state {
            SignatureState::AwaitingSignature { printed } => {
                self.state = SignatureState::Signed {
                    printed: printed.clone(),
                };
                Ok(())
            }
            SignatureState::Signed { .. } => Ok(()),
            SignatureState::NeedsPrint { .. } => Err(SignatureError::NotPrinted),
            SignatureState::Correcting { .. } => Err(SignatureError::Correcting),
        }
    }

    /// Keeps a photo of the signed sheet (JPEG, as the camera gives it), replacing an
    /// earlier one. Only once the signature is confirmed: the photo is of the signed page.
    pub fn keep_photo(&mut self, jpeg: Vec<u8>) -> Result<(), SignatureError> {
        match self.state {
            SignatureState::Signed { .. } => {}
            SignatureState::Correcting { .. } => return Err(SignatureError::Correcting),
            _ => return Err(SignatureError::NotPrinted),
        }
        if jpeg.len() > MAX_PHOTO_BYTES {
            return Err(SignatureError::Photo(format!(
                "{} bytes, more than {MAX_PHOTO_BYTES}",
                jpeg.len()
            )));
        }
        iso19794::jpeg_info(&jpeg).map_err(|e| SignatureError::Photo(e.to_string()))?;
        self.photo = Some(jpeg);
        Ok(())
    }

    /// Photographs the signed sheet with the station's camera (one frame, JPEG quality 85)
    /// and keeps the picture with the record. Only once the signature is confirmed.
    pub fn photograph_signed_sheet(
        &mut self,
        camera: &mut dyn camera::Camera,
        timeout: std::time::Duration,
    ) -> Result<(), SignatureError> {
        match self.state {
            SignatureState::Signed { .. } => {}
            SignatureState::Correcting { .. } => return Err(SignatureError::Correcting),
            _ => return Err(SignatureError::NotPrinted),
        }
        let cam = |e: camera::CameraError| SignatureError::Camera(e.vi(), e.en());
        camera.start(None).map_err(cam)?;
        let frame = camera.next_frame(timeout);
        camera.stop();
        let frame = frame.map_err(cam)?;
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(&frame.into_image())
            .map_err(|e| SignatureError::Photo(e.to_string()))?;
        self.keep_photo(jpeg)
    }

    /// The applicant found a mistake: back to the data step, from any state. Whatever
    /// was printed or signed is void, and the photo of it is dropped.
    pub fn request_correction(&mut self, mut fields: Vec<Field>) {
        fields.sort_by_key(|f| f.number());
        fields.dedup();
        self.state = SignatureState::Correcting { fields };
        self.photo = None;
        self.corrections = self.corrections.saturating_add(1);
    }

    /// The data step saved the corrected record: the sheet must be printed again.
    pub fn data_corrected(&mut self) -> Result<(), SignatureError> {
        match self.state {
            SignatureState::Correcting { .. } => {
                self.state = SignatureState::NeedsPrint { reprint: true };
                Ok(())
            }
            _ => Err(SignatureError::NoCorrection),
        }
    }

    /// The outcome, once the officer confirmed the signature.
    pub fn signed(&self) -> Option<SignedSheet> {
        match &self.state {
            SignatureState::Signed { printed } => Some(SignedSheet {
                printed: printed.clone(),
                photo_jpeg: self.photo.clone(),
                corrections: self.corrections,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: i32) -> Printed {
        Printed {
            printer: "idstation-pdf".into(),
            job_id: id,
        }
    }

    const JPEG: &[u8] = include_bytes!("../testdata/portrait.jpg");

    #[test]
    fn print_sign_and_keep_a_photo() {
        let mut s = SignatureStep::new();
        assert_eq!(s.state(), &SignatureState::NeedsPrint { reprint: false });
        assert_eq!(s.confirm_signed(), Err(SignatureError::NotPrinted));
        s.printed(job(1)).unwrap();
        assert_eq!(s.keep_photo(JPEG.to_vec()), Err(SignatureError::NotPrinted));
        s.confirm_signed().unwrap();
        s.keep_photo(JPEG.to_vec()).unwrap();
        let done = s.signed().unwrap();
        assert_eq!(done.printed, job(1));
        assert_eq!(done.photo_jpeg.as_deref(), Some(JPEG));
        assert_eq!(done.corrections, 0);
        // Confirming twice is harmless; printing again needs a correction first.
        s.confirm_signed().unwrap();
        assert_eq!(s.printed(job(2)), Err(SignatureError::AlreadySigned));
    }

    #[test]
    fn the_photo_is_optional() {
        let mut s = SignatureStep::new();
        s.printed(job(1)).unwrap();
        s.confirm_signed().unwrap();
        assert_eq!(s.signed().unwrap().photo_jpeg, None);
    }

    #[test]
    fn a_reprint_before_signing_replaces_the_print() {
        let mut s = SignatureStep::new();
        s.printed(job(1)).unwrap();
        s.printed(job(2)).unwrap();
        s.confirm_signed().unwrap();
        assert_eq!(s.signed().unwrap().printed, job(2));
    }

    #[test]
    fn a_correction_returns_to_the_data_step_and_requires_a_reprint() {
        let mut s = SignatureStep::new();
        s.printed(job(1)).unwrap();
        s.confirm_signed().unwrap();
        s.keep_photo(JPEG.to_vec()).unwrap();

        s.request_correction(vec![
            Field::PlaceOfResidence,
            Field::FullName,
            Field::FullName,
        ]);
        assert_eq!(
            s.state(),
            &SignatureState::Correcting {
                fields: vec![Field::FullName, Field::PlaceOfResidence]
            }
        );
        assert_eq!(s.signed(), None);
        assert_eq!(s.photo(), None, "the photo of the void sheet is dropped");
        assert_eq!(s.confirm_signed(), Err(SignatureError::Correcting));
        assert_eq!(s.printed(job(2)), Err(SignatureError::Correcting));

        s.data_corrected().unwrap();
        assert_eq!(s.state(), &SignatureState::NeedsPrint { reprint: true });
        // The old signature does not carry over: no signing without the reprint.
        assert_eq!(s.confirm_signed(), Err(SignatureError::NotPrinted));
        s.printed(job(3)).unwrap();
        s.confirm_signed().unwrap();
        let done = s.signed().unwrap();
        assert_eq!(done.printed, job(3));
        assert_eq!(done.corrections, 1);
    }

    #[test]
    fn a_correction_before_signing_also_requires_a_reprint() {
        let mut s = SignatureStep::new();
        s.printed(job(1)).unwrap();
        s.request_correction(Vec::new());
        assert_eq!(s.data_corrected(), Ok(()));
        assert_eq!(s.data_corrected(), Err(SignatureError::NoCorrection));
        assert_eq!(s.confirm_signed(), Err(SignatureError::NotPrinted));
    }

    #[test]
    fn bad_photos_are_refused_and_errors_are_bilingual() {
        let mut s = SignatureStep::new();
        s.printed(job(1)).unwrap();
        s.confirm_signed().unwrap();
        let e = s.keep_photo(b"not a jpeg".to_vec()).unwrap_err();
        assert!(matches!(e, SignatureError::Photo(_)));
        assert!(e.to_string().contains("ảnh phiếu đã ký") && e.to_string().contains("photo"));
        let e = s.keep_photo(vec![0xFF; MAX_PHOTO_BYTES + 1]).unwrap_err();
        assert!(matches!(e, SignatureError::Photo(_)));
        assert_eq!(s.photo(), None);
        for e in [
            SignatureError::NotPrinted,
            SignatureError::AlreadySigned,
            SignatureError::Correcting,
            SignatureError::NoCorrection,
        ] {
            let t = e.to_string();
            assert!(t.contains(" / ") && t.len() > 20, "{t}");
        }
    }
}
