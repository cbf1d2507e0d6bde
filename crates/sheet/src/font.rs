//! The sheet's fonts: found at run time at their Debian paths, measured with ttf-parser,
//! subset and embedded as simple TrueType fonts (see `pdf::embed_font` for why not CID
//! fonts) with a ToUnicode map so that the printed text can be searched and extracted
//! (PDF 1.7 §9.6.3, §9.10.3 ToUnicode CMaps).
//!
//! No shaping is needed for Vietnamese in NFC form: every letter with its tone mark is one
//! precomposed code point (TCVN 6909:2001), which the fonts map to one glyph.

use crate::error::SheetError;
use std::path::{Path, PathBuf};

/// Regular and bold faces, tried in this order. DejaVu Sans Condensed first: it covers the
/// whole Vietnamese alphabet with precomposed glyphs and also the typographic signs records
/// use (U+2212 minus in "AB−", which Noto Sans lacks), and its narrow set fits long
/// addresses in fewer lines. Noto Sans is the fallback.
const CANDIDATES: [(&str, &str); 3] = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ),
];

/// One font file, checked to be a usable TrueType/OpenType font.
#[derive(Clone)]
pub struct FontData {
    bytes: Vec<u8>,
    postscript_name: String,
}

impl FontData {
    /// A font from its bytes; `origin` names it in errors.
    pub fn from_bytes(bytes: Vec<u8>, origin: &Path) -> Result<FontData, SheetError> {
        let postscript_name = {
            let face =
                ttf_parser::Face::parse(&bytes, 0).map_err(|e| SheetError::FontUnusable {
                    path: origin.to_path_buf(),
                    detail: e.to_string(),
                })?;
            face.names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
                .find_map(|n| n.to_string())
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
                .unwrap_or_else(|| "IdstationFont".to_string())
        };
        Ok(FontData {
            bytes,
            postscript_name,
        })
    }

    fn load(path: &Path) -> Result<FontData, SheetError> {
        let bytes = std::fs::read(path).map_err(|e| SheetError::FontUnusable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        FontData::from_bytes(bytes, path)
    }

    pub(crate) fn face(&self) -> Result<ttf_parser::Face<'_>, SheetError> {
        ttf_parser::Face::parse(&self.bytes, 0)
            .map_err(|e| SheetError::FontEmbedding(e.to_string()))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn postscript_name(&self) -> &str {
        &self.postscript_name
    }
}

/// The regular and the bold face the sheet is set in. Load once ([`Fonts::system`]) and
/// reuse for every sheet: rendering then reads no file.
#[derive(Clone)]
pub struct Fonts {
    pub(crate) regular: FontData,
    pub(crate) bold: FontData,
}

impl Fonts {
    /// DejaVu Sans Condensed (Debian fonts-dejavu-extra), else DejaVu Sans
    /// (fonts-dejavu-core), else Noto Sans (fonts-noto-core), from their Debian paths. The error lists the paths tried and the packages to install.
    pub fn system() -> Result<Fonts, SheetError> {
        for (regular, bold) in CANDIDATES {
            let (regular, bold) = (Path::new(regular), Path::new(bold));
            if regular.exists() && bold.exists() {
                return Ok(Fonts {
                    regular: FontData::load(regular)?,
                    bold: FontData::load(bold)?,
                });
            }
        }
        Err(SheetError::FontMissing {
            tried: CANDIDATES
                .iter()
                .flat_map(|(r, b)| [PathBuf::from(r), PathBuf::from(b)])
                .collect(),
        })
    }

    /// Fonts from files of one's choosing (a font shipped elsewhere).
    pub fn from_files(regular: &Path, bold: &Path) -> Result<Fonts, SheetError> {
        Ok(Fonts {
            regular: FontData::load(regular)?,
            bold: FontData::load(bold)?,
        })
    }
}

/// A face ready for measuring: parsed once per render.
pub(crate) struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
    scale: f32,
}

impl<'a> Metrics<'a> {
    pub(crate) fn new(data: &'a FontData) -> Result<Metrics<'a>, SheetError> {
        let face = data.face()?;
        let upem = f32::from(face.units_per_em().max(1));
        Ok(Metrics {
            face,
            scale: 1.0 / upem,
        })
    }

    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0).filter(|&g| g != 0)
    }

    /// Advance of a glyph in thousandths of the font size (PDF glyph space).
    pub(crate) fn advance_milli(&self, gid: u16) -> f32 {
        let adv = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0);
        f32::from(adv) * self.scale * 1000.0
    }

    /// Width of a text at a size, in points. Characters the font lacks count as zero
    /// (they are refused before anything is drawn).
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .filter_map(|c| self.glyph(c))
            .map(|g| self.advance_milli(g))
            .sum::<f32>()
            * size
            / 1000.0
    }

    pub(crate) fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) * self.scale * 1000.0
    }

    pub(crate) fn descent(&self) -> f32 {
        f32::from(self.face.descender()) * self.scale * 1000.0
    }

    pub(crate) fn cap_height(&self) -> f32 {
        f32::from(self.face.capital_height().unwrap_or(self.face.ascender())) * self.scale * 1000.0
    }

    pub(crate) fn bbox(&self) -> [f32; 4] {
        let b = self.face.global_bounding_box();
        let s = self.scale * 1000.0;
        [
            f32::from(b.x_min) * s,
            f32::from(b.y_min) * s,
            f32::from(b.x_max) * s,
            f32::from(b.y_max) * s,
        ]
    }

    /// The first character of `text` the font cannot show, if any. Controls are refused
    /// too: they would print nothing; and characters beyond the BMP, which the embedded
    /// fonts' (3,1) cmap cannot reach (no Vietnamese letter is among them).
    pub(crate) fn first_unsupported(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| {
            c.is_control() || u32::from(c) > 0xFFFF || (c != ' ' && self.glyph(c).is_none())
        })
    }
}

/// Breaks a text into lines no wider than `width` points: at spaces where possible, and
/// inside a word only when the word alone is wider than the line. Nothing is dropped:
/// joining the lines with spaces (or nothing, for a broken word) gives the text back.
pub(crate) fn wrap(m: &Metrics<'_>, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if m.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if m.width(word, size) <= width {
            line = word.to_string();
            continue;
        }
        // A word wider than the line: cut it between characters.
        for c in word.chars() {
            let mut next = line.clone();
            next.push(c);
            if !line.is_empty() && m.width(&next, size) > width {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = next;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::system().expect("fonts-noto-core or fonts-dejavu-core installed")
    }

    #[test]
    fn every_vietnamese_letter_has_a_glyph() {
        let f = fonts();
        let m = Metrics::new(&f.regular).unwrap();
        let text = crate::testdata::vietnamese_alphabet();
        assert_eq!(m.first_unsupported(&text), None);
        let b = Metrics::new(&f.bold).unwrap();
        assert_eq!(b.first_unsupported(&text), None);
    }

    #[test]
    fn wrap_keeps_every_word_and_respects_width() {
        let f = fonts();
        let m = Metrics::new(&f.regular).unwrap();
        let text =
            "Số 168/23/7 hẻm 12 đường Võ Thị Sáu, phường Bến Nghé, quận 1, thành phố Hồ Chí Minh";
        let lines = wrap(&m, 10.0, text, 120.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(m.width(l, 10.0) <= 120.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn wrap_cuts_a_word_longer_than_the_line() {
        let f = fonts();
        let m = Metrics::new(&f.regular).unwrap();
        let word = "NGUYỄNNGUYỄNNGUYỄNNGUYỄNNGUYỄNNGUYỄNNGUYỄN";
        let lines = wrap(&m, 10.0, word, 60.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), word);
        for l in &lines {
            assert!(m.width(l, 10.0) <= 60.0);
        }
    }

    #[test]
    fn wrap_of_empty_text_is_one_empty_line() {
        let f = fonts();
        let m = Metrics::new(&f.regular).unwrap();
        assert_eq!(wrap(&m, 10.0, "", 100.0), vec![String::new()]);
    }

    #[test]
    fn missing_font_file_is_a_clear_bilingual_error() {
        let e = Fonts::from_files(Path::new("/nonexistent/a.ttf"), Path::new("/x.ttf"))
            .err()
            .unwrap();
        let s = e.to_string();
        assert!(s.contains("không dùng được phông chữ"), "{s}");
        assert!(s.contains("cannot use the font"), "{s}");
        let missing = SheetError::FontMissing {
            tried: vec![PathBuf::from("/a.ttf")],
        };
        assert!(missing.to_string().contains("fonts-dejavu-core"));
    }

    #[test]
    fn garbage_is_not_a_font() {
        assert!(FontData::from_bytes(vec![1, 2, 3], Path::new("x")).is_err());
    }
}
