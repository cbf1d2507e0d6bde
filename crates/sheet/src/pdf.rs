//! A small display list (pages of text, lines, boxes, one JPEG, QR codes) and its PDF form.
//!
//! Layout works top-down in points from the page's top-left corner; PDF's origin is the
//! bottom-left corner (PDF 1.7 §8.3.2.3), so y is flipped here and only here.

use crate::error::SheetError;
use crate::font::{FontData, Fonts, Metrics};
use crate::sfnt::{self, Mapping};
use pdf_writer::types::{FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::writers::Encoding;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::HashMap;
use subsetter::GlyphRemapper;

pub(crate) const A4: (f32, f32) = (595.276, 841.89);
pub(crate) const A6: (f32, f32) = (297.638, 419.528);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// `y` is the baseline, from the top of the page.
    Text {
        face: Face,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        text: String,
    },
    /// A box from its top-left corner.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        stroke: Option<f32>,
        fill: Option<f32>,
        line: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        gray: f32,
        line: f32,
    },
    /// The document's JPEG, scaled into this box.
    Image { x: f32, y: f32, w: f32, h: f32 },
    /// A QR code's modules (row-major, `n` × `n`, true = dark) in a square of `side` points.
    Qr {
        x: f32,
        y: f32,
        side: f32,
        n: usize,
        dark: Vec<bool>,
    },
}

pub(crate) struct Page {
    pub size: (f32, f32),
    pub ops: Vec<Op>,
}

/// A JPEG to embed as it is (DCTDecode, PDF 1.7 §7.4.8).
pub(crate) struct Jpeg {
    pub bytes: Vec<u8>,
    pub width: u16,
    pub height: u16,
    pub components: u8,
}

pub(crate) struct Document {
    pub title: String,
    pub pages: Vec<Page>,
    pub image: Option<Jpeg>,
}

/// Highest byte code of a simple font: codes 1..=255 are used, 0 stays unused.
const CODES_PER_FONT: usize = 255;

/// One face as embedded: the characters the document uses, in order of first use. The
/// n-th character (from 0) is code `n % 255 + 1` of font instance `n / 255`: a simple font
/// has single-byte codes, so a document with more distinct characters gets more instances.
struct Embedded<'a> {
    data: &'a FontData,
    metrics: Metrics<'a>,
    /// (character, glyph in the full font)
    chars: Vec<(char, u16)>,
    index: HashMap<char, usize>,
}

impl<'a> Embedded<'a> {
    fn new(data: &'a FontData) -> Result<Embedded<'a>, SheetError> {
        Ok(Embedded {
            data,
            metrics: Metrics::new(data)?,
            chars: Vec::new(),
            index: HashMap::new(),
        })
    }

    /// The text as runs of (font instance, byte codes).
    fn encode(&mut self, text: &str) -> Vec<(usize, Vec<u8>)> {
        let mut runs: Vec<(usize, Vec<u8>)> = Vec::new();
        for c in text.chars() {
            // Layout refused unsupported characters; a stray one is skipped, not boxed.
            let Some(gid) = self.metrics.glyph(c) else {
                continue;
            };
            let n = *self.index.entry(c).or_insert_with(|| {
                self.chars.push((c, gid));
                self.chars.len() - 1
            });
            let (instance, code) = (n / CODES_PER_FONT, (n % CODES_PER_FONT + 1) as u8);
            match runs.last_mut() {
                Some((i, bytes)) if *i == instance => bytes.push(code),
                _ => runs.push((instance, vec![code])),
            }
        }
        runs
    }

    fn instances(&self) -> usize {
        self.chars.len().div_ceil(CODES_PER_FONT).max(1)
    }
}

/// The resource name of a face's font instance: /R0, /R1, … and /B0, /B1, …
fn font_name(face: Face, instance: usize) -> String {
    match face {
        Face::Regular => format!("R{instance}"),
        Face::Bold => format!("B{instance}"),
    }
}

struct Refs(i32);
impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

pub(crate) fn write(fonts: &Fonts, doc: &Document) -> Result<Vec<u8>, SheetError> {
    let mut regular = Embedded::new(&fonts.regular)?;
    let mut bold = Embedded::new(&fonts.bold)?;
    let mut refs = Refs(0);
    let catalog_id = refs.next();
    let tree_id = refs.next();
    let info_id = refs.next();
    let image_id = refs.next();

    let mut pdf = Pdf::new();
    let mut page_ids = Vec::new();
    let mut contents = Vec::new();
    for page in &doc.pages {
        let page_id = refs.next();
        let content_id = refs.next();
        page_ids.push(page_id);
        let content = draw(page, &mut regular, &mut bold, doc.image.as_ref());
        contents.push((page_id, content_id, page.size, content));
    }
    // Every page lists every font instance: the document is small and this keeps the
    // pages' resources independent of which characters each page happens to use.
    let mut font_ids = Vec::new();
    for (face, embedded) in [(Face::Regular, &regular), (Face::Bold, &bold)] {
        for instance in 0..embedded.instances() {
            font_ids.push((face, instance, refs.next()));
        }
    }
    for (page_id, content_id, (w, h), content) in &contents {
        let mut p = pdf.page(*page_id);
        p.media_box(Rect::new(0.0, 0.0, *w, *h));
        p.parent(tree_id);
        p.contents(*content_id);
        let mut res = p.resources();
        {
            let mut f = res.fonts();
            for (face, instance, id) in &font_ids {
                f.pair(Name(font_name(*face, *instance).as_bytes()), *id);
            }
        }
        if doc.image.is_some() {
            res.x_objects().pair(Name(b"Im1"), image_id);
        }
        res.finish();
        p.finish();
        pdf.stream(*content_id, content);
    }
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.document_info(info_id)
        .title(TextStr(&doc.title))
        .producer(TextStr("idstation"));

    for (face, instance, id) in &font_ids {
        let embedded = match face {
            Face::Regular => &regular,
            Face::Bold => &bold,
        };
        embed_font(&mut pdf, &mut refs, *id, embedded, *face, *instance)?;
    }

    if let Some(img) = &doc.image {
        let mut x = pdf.image_xobject(image_id, &img.bytes);
        x.filter(Filter::DctDecode);
        x.width(i32::from(img.width));
        x.height(i32::from(img.height));
        x.bits_per_component(8);
        match img.components {
            1 => {
                x.color_space().device_gray();
            }
            4 => {
                x.color_space().device_cmyk();
            }
            _ => {
                x.color_space().device_rgb();
            }
        }
        x.finish();
    }
    Ok(pdf.finish())
}

fn draw<'a>(
    page: &Page,
    regular: &mut Embedded<'a>,
    bold: &mut Embedded<'a>,
    image: Option<&Jpeg>,
) -> Vec<u8> {
    let h = page.size.1;
    let mut c = Content::new();
    for op in &page.ops {
        match op {
            Op::Text {
                face,
                size,
                x,
                y,
                gray,
                text,
            } => {
                let font = match face {
                    Face::Regular => &mut *regular,
                    Face::Bold => &mut *bold,
                };
                c.set_fill_gray(*gray);
                c.begin_text();
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, h - *y]);
                // Runs in different font instances follow each other: each show advances
                // the text position by its glyphs' widths.
                for (instance, bytes) in font.encode(text) {
                    c.set_font(Name(font_name(*face, instance).as_bytes()), *size);
                    c.show(Str(&bytes));
                }
                c.end_text();
            }
            Op::Rect {
                x,
                y,
                w,
                h: rh,
                stroke,
                fill,
                line,
            } => {
                c.save_state();
                c.set_line_width(*line);
                if let Some(g) = fill {
                    c.set_fill_gray(*g);
                }
                if let Some(g) = stroke {
                    c.set_stroke_gray(*g);
                }
                c.rect(*x, h - *y - *rh, *w, *rh);
                match (stroke.is_some(), fill.is_some()) {
                    (true, true) => c.fill_nonzero_and_stroke(),
                    (true, false) => c.stroke(),
                    (false, true) => c.fill_nonzero(),
                    (false, false) => c.end_path(),
                };
                c.restore_state();
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                gray,
                line,
            } => {
                c.save_state();
                c.set_line_width(*line);
                c.set_stroke_gray(*gray);
                c.move_to(*x1, h - *y1);
                c.line_to(*x2, h - *y2);
                c.stroke();
                c.restore_state();
            }
            Op::Image { x, y, w, h: ih } => {
                if image.is_some() {
                    c.save_state();
                    c.transform([*w, 0.0, 0.0, *ih, *x, h - *y - *ih]);
                    c.x_object(Name(b"Im1"));
                    c.restore_state();
                }
            }
            Op::Qr {
                x,
                y,
                side,
                n,
                dark,
            } => {
                let m = side / *n as f32;
                c.save_state();
                c.set_fill_gray(0.0);
                // One rectangle per horizontal run of dark modules.
                for row in 0..*n {
                    let mut col = 0;
                    while col < *n {
                        if dark.get(row * n + col).copied().unwrap_or(false) {
                            let start = col;
                            while col < *n && dark.get(row * n + col).copied().unwrap_or(false) {
                                col += 1;
                            }
                            let top = y + row as f32 * m;
                            c.rect(
                                x + start as f32 * m,
                                h - top - m,
                                (col - start) as f32 * m,
                                m,
                            );
                        } else {
                            col += 1;
                        }
                    }
                }
                c.fill_nonzero();
                c.restore_state();
            }
        }
    }
    c.finish().to_vec()
}

/// Instance `instance` of a face as a simple TrueType font (PDF 1.7 §9.6.3): byte codes
/// 1..=n, an /Encoding whose /Differences names each code's glyph `uniXXXX`, the subset
/// font program (FontFile2) with a cmap from those characters
/// to its glyphs, and a ToUnicode CMap (§9.10.3).
///
/// Why simple fonts and not a Type 0/Identity-H font: the printed copy. CUPS turns the PDF
/// into PostScript and cups-pdf rebuilds a PDF from it with ghostscript. A CID font comes
/// out of that as glyphs with no character meaning; a simple font keeps its glyph names
/// (poppler's and ghostscript's PostScript both carry them), and ghostscript's pdfwrite
/// maps `uniXXXX` names back to Unicode, so the printed PDF's text stays readable.
fn embed_font(
    pdf: &mut Pdf,
    refs: &mut Refs,
    font_id: Ref,
    font: &Embedded<'_>,
    face: Face,
    instance: usize,
) -> Result<(), SheetError> {
    let descriptor_id = refs.next();
    let cmap_id = refs.next();
    let file_id = refs.next();
    let base = format!(
        "{}+{}",
        subset_tag(face, instance),
        font.data.postscript_name()
    );
    let base = Name(base.as_bytes());

    let from = instance * CODES_PER_FONT;
    let chars = font.chars.get(from..).unwrap_or_default();
    let chars = &chars[..chars.len().min(CODES_PER_FONT)];

    // The subset: .notdef, then this instance's glyphs.
    let mut remapper = GlyphRemapper::new();
    remapper.remap(0);
    let mut mappings = Vec::with_capacity(chars.len());
    for (i, &(ch, gid)) in chars.iter().enumerate() {
        mappings.push(Mapping {
            code: (i + 1) as u8,
            gid: remapper.remap(gid),
            ch,
        });
    }
    let names: Vec<String> = chars.iter().map(|&(c, _)| glyph_name(c)).collect();
    let last = chars.len().max(1) as u8;

    {
        let mut dict = pdf.indirect(font_id).dict();
        dict.pair(Name(b"Type"), Name(b"Font"));
        dict.pair(Name(b"Subtype"), Name(b"TrueType"));
        dict.pair(Name(b"BaseFont"), base);
        dict.pair(Name(b"FirstChar"), 1);
        dict.pair(Name(b"LastChar"), i32::from(last));
        dict.insert(Name(b"Widths"))
            .array()
            .items(chars.iter().map(|&(_, g)| font.metrics.advance_milli(g)));
        dict.pair(Name(b"FontDescriptor"), descriptor_id);
        {
            let mut enc = dict.insert(Name(b"Encoding")).start::<Encoding>();
            enc.base_encoding(Name(b"WinAnsiEncoding"));
            if !names.is_empty() {
                enc.differences()
                    .consecutive(1, names.iter().map(|n| Name(n.as_bytes())));
            }
        }
        dict.pair(Name(b"ToUnicode"), cmap_id);
    }

    let m = &font.metrics;
    let b = m.bbox();
    pdf.font_descriptor(descriptor_id)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(b[0], b[1], b[2], b[3]))
        .italic_angle(0.0)
        .ascent(m.ascent())
        .descent(m.descent())
        .cap_height(m.cap_height())
        .stem_v(80.0)
        .font_file2(file_id);

    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"UCS"),
        supplement: 0,
    };
    let mut cmap = UnicodeCmap::<u8>::new(Name(b"Adobe-Identity-UCS"), system_info);
    for m in &mappings {
        cmap.pair(m.code, m.ch);
    }
    pdf.cmap(cmap_id, &cmap.finish());

    let subset = subsetter::subset(font.data.bytes(), 0, &remapper)
        .map_err(|e| SheetError::FontEmbedding(format!("{e:?}")))?;
    let data = sfnt::with_cmap(&subset, &mappings).map_err(SheetError::FontEmbedding)?;
    let len = data.len() as i32;
    pdf.stream(file_id, &data).pair(Name(b"Length1"), len);
    Ok(())
}

/// Six capital letters naming a subset (PDF 1.7 §9.6.4), distinct for each face and
/// instance (26³ instances are more than Unicode's characters ÷ 255).
fn subset_tag(face: Face, instance: usize) -> String {
    let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
    let f = match face {
        Face::Regular => 'R',
        Face::Bold => 'B',
    };
    format!(
        "ID{f}{}{}{}",
        letter(instance / 676),
        letter(instance / 26),
        letter(instance)
    )
}

/// The glyph name a PostScript consumer maps back to the character: `uniXXXX` (BMP) or
/// `uXXXXX` (Adobe Glyph List specification, "Mapping glyph names to Unicode").
///
/// Not the AGL's own names for ASCII ("space", "comma", "y"): with those, ghostscript 10's
/// ps2write (the CUPS pdftops filter's default renderer) drew the wrong glyphs — a hook
/// above instead of a space, "y" or a comma — while the `uni` names come through right.
/// `the_postscript_round_trip_looks_like_the_sheet` guards this.
pub(crate) fn glyph_name(c: char) -> String {
    let u = u32::from(c);
    if u <= 0xFFFF {
        format!("uni{u:04X}")
    } else {
        format!("u{u:05X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// More distinct characters than one simple font holds: the Vietnamese letters, ASCII,
    /// Greek and Cyrillic.
    fn many_characters() -> String {
        let mut s = crate::testdata::vietnamese_alphabet();
        s.extend((0x21u8..0x7F).map(char::from));
        s.extend(('α'..='ω').filter(|&c| c != 'ς'));
        s.extend('А'..='Я');
        s
    }

    fn doc(text: &str) -> Document {
        let line = |i: usize, t: &str| Op::Text {
            face: Face::Regular,
            size: 9.0,
            x: 20.0,
            y: 40.0 + 14.0 * i as f32,
            gray: 0.0,
            text: t.to_string(),
        };
        let chars: Vec<char> = text.chars().collect();
        Document {
            title: "t".into(),
            pages: vec![Page {
                size: A4,
                ops: chars
                    .chunks(60)
                    .enumerate()
                    .map(|(i, c)| line(i, &c.iter().collect::<String>()))
                    .chain([Op::Text {
                        face: Face::Bold,
                        size: 9.0,
                        x: 20.0,
                        y: 300.0,
                        gray: 0.0,
                        text: "Bold".into(),
                    }])
                    .collect(),
            }],
            image: None,
        }
    }

    #[test]
    fn more_than_255_characters_take_a_second_font_instance() {
        let fonts = Fonts::system().unwrap();
        let text = many_characters();
        let distinct: std::collections::HashSet<char> = text.chars().collect();
        assert!(distinct.len() > 255 && distinct.len() < 510);
        let pdf = write(&fonts, &doc(&text)).unwrap();
        let has = |s: &[u8]| pdf.windows(s.len()).any(|w| w == s);
        assert!(has(b"/R0") && has(b"/R1") && has(b"/B0"));
        assert!(!has(b"/R2 ") && !has(b"/B1 "));
        assert!(has(b"/Subtype /TrueType") || has(b"/Subtype/TrueType"));
        assert!(has(b"/uni1EC7") && has(b"/uni007E"));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) installed");
        let got: String = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .collect();
        assert_eq!(got, format!("{text}Bold"));
    }

    #[test]
    fn glyph_names_are_unicode_names() {
        assert_eq!(glyph_name(' '), "uni0020");
        assert_eq!(glyph_name('A'), "uni0041");
        assert_eq!(glyph_name('ệ'), "uni1EC7");
        assert_eq!(glyph_name('Đ'), "uni0110");
        assert_eq!(glyph_name('\u{1F600}'), "u1F600");
    }

    #[test]
    fn subset_tags_are_six_capitals_and_distinct() {
        let mut tags: Vec<String> = (0..2000)
            .flat_map(|i| [subset_tag(Face::Regular, i), subset_tag(Face::Bold, i)])
            .collect();
        assert!(tags
            .iter()
            .all(|t| t.len() == 6 && t.bytes().all(|b| b.is_ascii_uppercase())));
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), 4000);
    }
}
