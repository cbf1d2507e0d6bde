//! A small display list (pages of text, lines, boxes, one JPEG, QR codes) and its PDF form.
//!
//! Layout works top-down in points from the page's top-left corner; PDF's origin is the
//! bottom-left corner (PDF 1.7 §8.3.2.3), so y is flipped here and only here.

use crate::error::SheetError;
use crate::font::{FontData, Fonts, Metrics};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
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

/// One font as embedded: the old→new glyph map and the character of each glyph.
struct Embedded<'a> {
    data: &'a FontData,
    metrics: Metrics<'a>,
    remapper: GlyphRemapper,
    chars: BTreeMap<u16, char>,
}

impl<'a> Embedded<'a> {
    fn new(data: &'a FontData) -> Result<Embedded<'a>, SheetError> {
        let mut remapper = GlyphRemapper::new();
        remapper.remap(0); // .notdef stays glyph 0
        Ok(Embedded {
            data,
            metrics: Metrics::new(data)?,
            remapper,
            chars: BTreeMap::new(),
        })
    }

    /// The text as 2-byte new glyph ids (Identity-H), recording each glyph's character.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            // Layout refused unsupported characters; a stray one is skipped, not boxed.
            let Some(old) = self.metrics.glyph(c) else {
                continue;
            };
            let new = self.remapper.remap(old);
            self.chars.entry(new).or_insert(c);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
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
    let regular_id = refs.next();
    let bold_id = refs.next();
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
    for (page_id, content_id, (w, h), content) in &contents {
        let mut p = pdf.page(*page_id);
        p.media_box(Rect::new(0.0, 0.0, *w, *h));
        p.parent(tree_id);
        p.contents(*content_id);
        let mut res = p.resources();
        {
            let mut f = res.fonts();
            f.pair(Name(b"F1"), regular_id);
            f.pair(Name(b"F2"), bold_id);
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

    embed_font(&mut pdf, &mut refs, regular_id, &regular, "AAAAAA")?;
    embed_font(&mut pdf, &mut refs, bold_id, &bold, "AAAAAB")?;

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
                let (name, font) = match face {
                    Face::Regular => (Name(b"F1"), &mut *regular),
                    Face::Bold => (Name(b"F2"), &mut *bold),
                };
                let bytes = font.encode(text);
                c.set_fill_gray(*gray);
                c.begin_text();
                c.set_font(name, *size);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, h - *y]);
                c.show(Str(&bytes));
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

/// A Type 0 font with a CIDFontType2 descendant (TrueType outlines), the subset embedded as
/// FontFile2, CID = new glyph id (the subsetter's identity CID mapping), and a ToUnicode
/// CMap from each glyph back to its character (PDF 1.7 §9.7.4, §9.10.3).
fn embed_font(
    pdf: &mut Pdf,
    refs: &mut Refs,
    type0_id: Ref,
    font: &Embedded<'_>,
    tag: &str,
) -> Result<(), SheetError> {
    let cid_id = refs.next();
    let descriptor_id = refs.next();
    let cmap_id = refs.next();
    let file_id = refs.next();
    let base = format!("{tag}+{}", font.data.postscript_name());
    let base = Name(base.as_bytes());

    pdf.type0_font(type0_id)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    // Widths by new glyph id, in glyph space (1/1000 of the size).
    let mut widths = Vec::new();
    for old in font.remapper.remapped_gids() {
        widths.push(font.metrics.advance_milli(old));
    }
    {
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system_info)
            .font_descriptor(descriptor_id)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths.iter().copied());
        cid.finish();
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

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (&gid, &c) in &font.chars {
        cmap.pair(gid, c);
    }
    pdf.cmap(cmap_id, &cmap.finish());

    // An unused face still gets a valid (tiny) font program: just .notdef.
    let data = subsetter::subset(font.data.bytes(), 0, &font.remapper)
        .map_err(|e| SheetError::FontEmbedding(format!("{e:?}")))?;
    let len = data.len() as i32;
    pdf.stream(file_id, &data).pair(Name(b"Length1"), len);
    Ok(())
}
