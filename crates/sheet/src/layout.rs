//! Shared layout helpers: measured, wrapped text blocks and the page flow.

use crate::error::SheetError;
use crate::font::{wrap, Fonts, Metrics};
use crate::pdf::{Face, Op, Page};

/// Dark text, secondary (English) text, rules.
pub(crate) const INK: f32 = 0.0;
pub(crate) const SECONDARY: f32 = 0.38;
pub(crate) const RULE: f32 = 0.72;

pub(crate) struct Type<'a> {
    pub regular: Metrics<'a>,
    pub bold: Metrics<'a>,
}

impl<'a> Type<'a> {
    pub(crate) fn new(fonts: &'a Fonts) -> Result<Type<'a>, SheetError> {
        Ok(Type {
            regular: Metrics::new(&fonts.regular)?,
            bold: Metrics::new(&fonts.bold)?,
        })
    }

    pub(crate) fn metrics(&self, face: Face) -> &Metrics<'a> {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    /// Refuses text with a character either face lacks, naming where it is.
    pub(crate) fn check(
        &self,
        field: Option<citizen::Field>,
        place: &str,
        text: &str,
    ) -> Result<(), SheetError> {
        let bad = self
            .regular
            .first_unsupported(text)
            .or_else(|| self.bold.first_unsupported(text));
        match bad {
            Some(c) => Err(SheetError::unsupported(field, place, c)),
            None => Ok(()),
        }
    }

    /// A text wrapped to a width.
    pub(crate) fn block(&self, style: Style, text: &str, width: f32) -> Block {
        let lines = wrap(self.metrics(style.face), style.size, text, width);
        Block { style, lines }
    }

    pub(crate) fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        self.metrics(face).width(text, size)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub face: Face,
    pub size: f32,
    pub gray: f32,
}

impl Style {
    pub(crate) const fn new(face: Face, size: f32, gray: f32) -> Style {
        Style { face, size, gray }
    }

    /// Line spacing: 1.25 × size.
    pub(crate) fn leading(self) -> f32 {
        self.size * 1.25
    }
}

pub(crate) struct Block {
    pub style: Style,
    pub lines: Vec<String>,
}

impl Block {
    pub(crate) fn height(&self) -> f32 {
        self.lines.len() as f32 * self.style.leading()
    }

    /// Draws the lines from `top` down; returns the y below the block.
    pub(crate) fn draw(&self, ops: &mut Vec<Op>, x: f32, top: f32) -> f32 {
        self.draw_lines(ops, x, top, 0..self.lines.len())
    }

    pub(crate) fn draw_lines(
        &self,
        ops: &mut Vec<Op>,
        x: f32,
        top: f32,
        range: std::ops::Range<usize>,
    ) -> f32 {
        let lead = self.style.leading();
        let mut y = top;
        for line in self.lines.get(range).unwrap_or_default() {
            // Baseline a little below the cap height of the line box.
            ops.push(Op::Text {
                face: self.style.face,
                size: self.style.size,
                x,
                y: y + self.style.size * 0.93,
                gray: self.style.gray,
                text: line.clone(),
            });
            y += lead;
        }
        y
    }
}

/// A one-line text (no wrapping) at a baseline.
pub(crate) fn text(ops: &mut Vec<Op>, style: Style, x: f32, baseline: f32, text: &str) {
    ops.push(Op::Text {
        face: style.face,
        size: style.size,
        x,
        y: baseline,
        gray: style.gray,
        text: text.to_string(),
    });
}

pub(crate) fn hline(ops: &mut Vec<Op>, x1: f32, x2: f32, y: f32, gray: f32, line: f32) {
    ops.push(Op::Line {
        x1,
        y1: y,
        x2,
        y2: y,
        gray,
        line,
    });
}

pub(crate) fn frame(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32, gray: f32, line: f32) {
    ops.push(Op::Rect {
        x,
        y,
        w,
        h,
        stroke: Some(gray),
        fill: None,
        line,
    });
}

pub(crate) fn fill(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32, gray: f32) {
    ops.push(Op::Rect {
        x,
        y,
        w,
        h,
        stroke: None,
        fill: Some(gray),
        line: 0.0,
    });
}

/// The modules of a QR code of `data` (error correction M), with no quiet zone.
pub(crate) fn qr_modules(data: &str) -> Result<(usize, Vec<bool>), SheetError> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| SheetError::QrCode(e.to_string()))?;
    let n = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((n, dark))
}

/// Pages flowing top to bottom between margins; `new_page` starts the next one.
pub(crate) struct Flow {
    pub size: (f32, f32),
    pub bottom: f32,
    pub y: f32,
    pub pages: Vec<Page>,
    /// Whether anything was placed on the current page since it began.
    pub fresh: bool,
}

impl Flow {
    pub(crate) fn new(size: (f32, f32), top: f32, bottom: f32) -> Flow {
        Flow {
            size,
            bottom,
            y: top,
            pages: vec![Page {
                size,
                ops: Vec::new(),
            }],
            fresh: true,
        }
    }

    pub(crate) fn ops(&mut self) -> &mut Vec<Op> {
        self.fresh = false;
        let last = self.pages.len() - 1;
        &mut self.pages[last].ops
    }

    pub(crate) fn room(&self) -> f32 {
        self.bottom - self.y
    }

    pub(crate) fn new_page(&mut self, top: f32) {
        self.pages.push(Page {
            size: self.size,
            ops: Vec::new(),
        });
        self.y = top;
        self.fresh = true;
    }
}
