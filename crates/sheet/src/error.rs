//! The errors of rendering, each said in Vietnamese and English.

use citizen::Field;
use iso19794::FingerPosition;
use std::fmt;
use std::path::PathBuf;

/// Why a sheet or slip could not be made. `Display` gives "<Vietnamese> / <English>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// None of the fonts the sheet needs is installed.
    FontMissing { tried: Vec<PathBuf> },
    /// A font file exists but could not be read or is not a usable font.
    FontUnusable { path: PathBuf, detail: String },
    /// A character the font has no glyph for: it would print as an empty box.
    UnsupportedCharacter {
        /// Where it is: a field's English label, or "application number", "station", …
        place: String,
        ch: char,
    },
    /// The portrait is not a JPEG the sheet can embed.
    Portrait(String),
    /// A fingerprint quality outside 0–100.
    FingerQuality { finger: FingerPosition, value: u8 },
    /// The same finger listed twice in the capture summary.
    DuplicateFinger { finger: FingerPosition },
    /// The application number cannot be put in a QR code (too long).
    QrCode(String),
    /// The application number is empty.
    NoApplicationNumber,
    /// The font could not be subset for embedding.
    FontEmbedding(String),
    /// A report table longer than [`crate::report::MAX_TABLE_ROWS`].
    TableTooLong { rows: usize },
}

impl SheetError {
    pub(crate) fn unsupported(field: Option<Field>, place: &str, ch: char) -> SheetError {
        SheetError::UnsupportedCharacter {
            place: field.map_or_else(|| place.to_string(), |f| f.label_en().to_string()),
            ch,
        }
    }

    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            SheetError::FontMissing { tried } => format!(
                "không tìm thấy phông chữ tiếng Việt (đã tìm: {}); hãy cài gói fonts-dejavu-core",
                paths(tried)
            ),
            SheetError::FontUnusable { path, detail } => {
                format!("không dùng được phông chữ {}: {detail}", path.display())
            }
            SheetError::UnsupportedCharacter { place, ch } => format!(
                "ký tự {ch:?} (U+{:04X}) trong mục \"{place}\" không có trong phông chữ, không in được",
                u32::from(*ch)
            ),
            SheetError::Portrait(d) => format!("ảnh chân dung không phải JPEG dùng được: {d}"),
            SheetError::FingerQuality { finger, value } => {
                format!(
                    "chất lượng vân tay {} là {value}, phải trong khoảng 0–100",
                    finger.name_vi()
                )
            }
            SheetError::DuplicateFinger { finger } => {
                format!("{} có hai lần trong bản tóm tắt vân tay", finger.name_vi())
            }
            SheetError::QrCode(d) => format!("không tạo được mã QR cho số hồ sơ: {d}"),
            SheetError::NoApplicationNumber => "chưa có số hồ sơ".to_string(),
            SheetError::FontEmbedding(d) => format!("không nhúng được phông chữ vào PDF: {d}"),
            SheetError::TableTooLong { rows } => format!("bảng báo cáo quá dài ({rows} dòng)"),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            SheetError::FontMissing { tried } => format!(
                "no Vietnamese font found (looked for: {}); install fonts-dejavu-core",
                paths(tried)
            ),
            SheetError::FontUnusable { path, detail } => {
                format!("cannot use the font {}: {detail}", path.display())
            }
            SheetError::UnsupportedCharacter { place, ch } => format!(
                "character {ch:?} (U+{:04X}) in \"{place}\" is not in the font and cannot be printed",
                u32::from(*ch)
            ),
            SheetError::Portrait(d) => format!("the portrait is not a usable JPEG: {d}"),
            SheetError::FingerQuality { finger, value } => {
                format!(
                    "fingerprint quality of the {} is {value}; it must be 0–100",
                    finger.name_en()
                )
            }
            SheetError::DuplicateFinger { finger } => {
                format!(
                    "the {} is listed twice in the fingerprint summary",
                    finger.name_en()
                )
            }
            SheetError::QrCode(d) => {
                format!("cannot make a QR code of the application number: {d}")
            }
            SheetError::NoApplicationNumber => "no application number".to_string(),
            SheetError::FontEmbedding(d) => format!("cannot embed the font in the PDF: {d}"),
            SheetError::TableTooLong { rows } => format!("the report table is too long ({rows} rows)"),
        }
    }
}

fn paths(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_vi(), self.message_en())
    }
}

impl std::error::Error for SheetError {}
