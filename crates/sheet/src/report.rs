//! A generic A4 report: title, a few header lines, then headings, paragraphs, tables,
//! horizontal bar charts and progress bars, flowing over as many pages as needed.
//!
//! The station's daily report and the checkpoint's daily report of entries and exits are
//! both built from these pieces, so both get the same embedded fonts (text extractable with
//! its diacritics, see [`crate::render_sheet`]) and the same page flow. Numbers a supervisor
//! compares at a glance (work per officer, campaign progress) are charts; everything else is
//! a table, because a table is what one reads and checks line by line.

use crate::error::SheetError;
use crate::font::Fonts;
use crate::layout::{fill, frame, hline, text, Flow, Style, Type, INK, RULE, SECONDARY};
use crate::pdf::{self, Document, Face, A4};

/// A report to render.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// On top of the first page, and the PDF's title.
    pub title: String,
    /// Small lines under the title: station, date, who printed it.
    pub lines: Vec<String>,
    pub sections: Vec<Section>,
}

/// One piece of a report, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Section {
    Heading(String),
    Paragraph(String),
    /// A table with a header row; cells wrap within their column.
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Horizontal bars, one per label, scaled to the largest value.
    Bars {
        title: String,
        unit: String,
        bars: Vec<(String, f64)>,
    },
    /// How far `done` is towards `target`, as one wide bar with the figures.
    Progress {
        label: String,
        done: u64,
        target: u64,
    },
}

const M: f32 = 42.0;
const GAP: f32 = 10.0;
/// Cell padding in tables.
const PAD: f32 = 3.0;
/// Most rows a table may have; bounds the work a corrupt or hostile input can cause.
pub const MAX_TABLE_ROWS: usize = 100_000;

/// Renders the report as an A4 PDF.
pub fn render_report(fonts: &Fonts, report: &Report) -> Result<Vec<u8>, SheetError> {
    let doc = layout(fonts, report)?;
    pdf::write(fonts, &doc)
}

fn check_all(t: &Type<'_>, report: &Report) -> Result<(), SheetError> {
    t.check(None, "title", &report.title)?;
    for l in &report.lines {
        t.check(None, "header", l)?;
    }
    for s in &report.sections {
        match s {
            Section::Heading(h) | Section::Paragraph(h) => t.check(None, "text", h)?,
            Section::Table { columns, rows } => {
                for c in columns.iter().chain(rows.iter().flatten()) {
                    t.check(None, "table", c)?;
                }
            }
            Section::Bars { title, unit, bars } => {
                t.check(None, "chart", title)?;
                t.check(None, "chart", unit)?;
                for (l, _) in bars {
                    t.check(None, "chart", l)?;
                }
            }
            Section::Progress { label, .. } => t.check(None, "progress", label)?,
        }
    }
    Ok(())
}

fn fmt_num(v: f64) -> String {
    if v.fract().abs() < 1e-9 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

fn layout(fonts: &Fonts, report: &Report) -> Result<Document, SheetError> {
    let t = Type::new(fonts)?;
    check_all(&t, report)?;
    let width = A4.0 - 2.0 * M;
    let mut flow = Flow::new(A4, M, A4.1 - M);

    let title = t.block(Style::new(Face::Bold, 15.0, INK), &report.title, width);
    let y = flow.y;
    flow.y = title.draw(flow.ops(), M, y);
    for l in &report.lines {
        let b = t.block(Style::new(Face::Regular, 8.5, SECONDARY), l, width);
        let y = flow.y;
        flow.y = b.draw(flow.ops(), M, y);
    }
    let y = flow.y + 4.0;
    hline(flow.ops(), M, A4.0 - M, y, RULE, 0.6);
    flow.y = y + GAP;

    for s in &report.sections {
        match s {
            Section::Heading(h) => {
                let b = t.block(Style::new(Face::Bold, 11.0, INK), h, width);
                // Keep a heading with at least a few lines of what follows it.
                if flow.room() < b.height() + 60.0 && !flow.fresh {
                    flow.new_page(M);
                }
                let y = flow.y + 4.0;
                flow.y = b.draw(flow.ops(), M, y) + 4.0;
            }
            Section::Paragraph(p) => {
                let b = t.block(Style::new(Face::Regular, 9.0, INK), p, width);
                for i in 0..b.lines.len() {
                    if flow.room() < b.style.leading() {
                        flow.new_page(M);
                    }
                    let y = flow.y;
                    flow.y = b.draw_lines(flow.ops(), M, y, i..i + 1);
                }
                flow.y += GAP / 2.0;
            }
            Section::Table { columns, rows } => {
                table(&t, &mut flow, width, columns, rows)?;
            }
            Section::Bars { title, unit, bars } => {
                bar_chart(&t, &mut flow, width, title, unit, bars)
            }
            Section::Progress {
                label,
                done,
                target,
            } => progress(&t, &mut flow, width, label, *done, *target),
        }
    }
    Ok(Document {
        title: report.title.clone(),
        pages: flow.pages,
        image: None,
    })
}

/// Column widths: each column's natural width (its widest cell, capped), then scaled to
/// the page so no column is squeezed below its header's longest word.
fn column_widths(
    t: &Type<'_>,
    width: f32,
    columns: &[String],
    rows: &[Vec<String>],
    size: f32,
) -> Vec<f32> {
    let n = columns.len();
    let mut natural = vec![0f32; n];
    for (i, c) in columns.iter().enumerate() {
        natural[i] = t.width(Face::Bold, size, c).min(width * 0.4);
    }
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            natural[i] = natural[i].max(t.width(Face::Regular, size, c).min(width * 0.45));
        }
    }
    let natural: Vec<f32> = natural.iter().map(|w| w + 2.0 * PAD + 1.0).collect();
    let total: f32 = natural.iter().sum();
    if total <= width {
        // Spread the spare room so the table spans the page.
        let extra = (width - total) / n as f32;
        natural.iter().map(|w| w + extra).collect()
    } else {
        natural.iter().map(|w| w * width / total).collect()
    }
}

fn table(
    t: &Type<'_>,
    flow: &mut Flow,
    width: f32,
    columns: &[String],
    rows: &[Vec<String>],
) -> Result<(), SheetError> {
    if columns.is_empty() {
        return Ok(());
    }
    if rows.len() > MAX_TABLE_ROWS {
        return Err(SheetError::TableTooLong { rows: rows.len() });
    }
    let size = 8.0;
    let widths = column_widths(t, width, columns, rows, size);
    let head = Style::new(Face::Bold, size, INK);
    let body = Style::new(Face::Regular, size, INK);
    let draw_row = |flow: &mut Flow, cells: &[String], style: Style, shaded: bool| {
        let blocks: Vec<_> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                t.block(style, c, w - 2.0 * PAD)
            })
            .collect();
        let h = blocks.iter().map(|b| b.height()).fold(0f32, f32::max) + 2.0 * PAD;
        let y = flow.y;
        if shaded {
            fill(flow.ops(), M, y, width, h, 0.92);
        }
        let mut x = M;
        for (b, w) in blocks.iter().zip(&widths) {
            b.draw(flow.ops(), x + PAD, y + PAD);
            x += w;
        }
        hline(flow.ops(), M, M + width, y + h, RULE, 0.4);
        flow.y = y + h;
        h
    };
    let row_height = |cells: &[String], style: Style| {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                t.block(style, c, w - 2.0 * PAD).height()
            })
            .fold(0f32, f32::max)
            + 2.0 * PAD
    };
    let head_h = row_height(columns, head);
    if flow.room() < head_h + row_height(rows.first().map(Vec::as_slice).unwrap_or(&[]), body) {
        flow.new_page(M);
    }
    draw_row(flow, columns, head, true);
    for r in rows {
        if flow.room() < row_height(r, body) {
            // Repeat the header on each page the table continues on.
            flow.new_page(M);
            draw_row(flow, columns, head, true);
        }
        draw_row(flow, r, body, false);
    }
    flow.y += GAP;
    Ok(())
}

fn bar_chart(
    t: &Type<'_>,
    flow: &mut Flow,
    width: f32,
    title: &str,
    unit: &str,
    bars: &[(String, f64)],
) {
    let size = 8.5;
    let bar_h = 12.0;
    let step = bar_h + 5.0;
    let label_w = bars
        .iter()
        .map(|(l, _)| t.width(Face::Regular, size, l))
        .fold(0f32, f32::max)
        .min(width * 0.35)
        + 6.0;
    let max = bars
        .iter()
        .map(|(_, v)| if v.is_finite() { *v } else { 0.0 })
        .fold(0f64, f64::max);
    let value_w = 60.0;
    let bar_w = (width - label_w - value_w).max(10.0);
    let title_style = Style::new(Face::Bold, 9.5, INK);
    if flow.room() < title_style.leading() + step * (bars.len().min(4) as f32) {
        flow.new_page(M);
    }
    let y = flow.y;
    flow.y = t.block(title_style, title, width).draw(flow.ops(), M, y) + 3.0;
    for (label, v) in bars {
        if flow.room() < step {
            flow.new_page(M);
        }
        let v = if v.is_finite() && *v > 0.0 { *v } else { 0.0 };
        let y = flow.y;
        let lines = t.block(Style::new(Face::Regular, size, INK), label, label_w - 6.0);
        let first = lines.lines.first().cloned().unwrap_or_default();
        text(
            flow.ops(),
            Style::new(Face::Regular, size, INK),
            M,
            y + bar_h * 0.75,
            &first,
        );
        let w = if max > 0.0 {
            (v / max) as f32 * bar_w
        } else {
            0.0
        };
        frame(flow.ops(), M + label_w, y, bar_w, bar_h, RULE, 0.4);
        if w > 0.0 {
            fill(flow.ops(), M + label_w, y, w, bar_h, 0.35);
        }
        let value = if unit.is_empty() {
            fmt_num(v)
        } else {
            format!("{} {unit}", fmt_num(v))
        };
        text(
            flow.ops(),
            Style::new(Face::Regular, size, INK),
            M + label_w + bar_w + 5.0,
            y + bar_h * 0.75,
            &value,
        );
        flow.y = y + step;
    }
    flow.y += GAP;
}

fn progress(t: &Type<'_>, flow: &mut Flow, width: f32, label: &str, done: u64, target: u64) {
    let style = Style::new(Face::Bold, 9.5, INK);
    let bar_h = 18.0;
    if flow.room() < style.leading() + bar_h + 20.0 {
        flow.new_page(M);
    }
    let y = flow.y;
    flow.y = t.block(style, label, width).draw(flow.ops(), M, y) + 3.0;
    let y = flow.y;
    let share = if target == 0 {
        0.0
    } else {
        (done as f64 / target as f64).min(1.0)
    };
    frame(flow.ops(), M, y, width, bar_h, INK, 0.6);
    if share > 0.0 {
        fill(flow.ops(), M, y, width * share as f32, bar_h, 0.35);
    }
    let pct = if target == 0 {
        "—".to_string()
    } else {
        format!("{:.1}%", done as f64 * 100.0 / target as f64)
    };
    text(
        flow.ops(),
        Style::new(Face::Regular, 8.5, INK),
        M,
        y + bar_h + 11.0,
        &format!("{done} / {target} ({pct})"),
    );
    flow.y = y + bar_h + 18.0 + GAP;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: usize) -> Report {
        Report {
            title: "Báo cáo ngày / Daily report".into(),
            lines: vec!["Trạm HN-01 · 23/11/2026".into()],
            sections: vec![
                Section::Heading("Cán bộ / Officers".into()),
                Section::Table {
                    columns: vec!["Cán bộ".into(), "Nhận".into(), "Hoàn tất".into()],
                    rows: (0..rows)
                        .map(|i| vec![format!("Nguyễn Văn Ấn {i}"), "3".into(), "2".into()])
                        .collect(),
                },
                Section::Bars {
                    title: "Hồ sơ theo cán bộ".into(),
                    unit: "hồ sơ".into(),
                    bars: vec![
                        ("an".into(), 3.0),
                        ("bình".into(), 0.0),
                        ("nan".into(), f64::NAN),
                    ],
                },
                Section::Progress {
                    label: "Tiến độ chiến dịch".into(),
                    done: 1234,
                    target: 5000,
                },
                Section::Paragraph("Đã kiểm tra xong.".into()),
            ],
        }
    }

    #[test]
    fn a_long_table_flows_over_pages_and_repeats_its_header() {
        let fonts = Fonts::system().expect("fonts");
        let doc = layout(&fonts, &sample(200)).unwrap();
        assert!(doc.pages.len() >= 4, "{} pages", doc.pages.len());
        for page in &doc.pages[1..doc.pages.len() - 1] {
            let texts: Vec<&str> = page
                .ops
                .iter()
                .filter_map(|o| match o {
                    crate::pdf::Op::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert!(texts.contains(&"Hoàn tất"), "header repeated on every page");
        }
        let pdf = render_report(&fonts, &sample(200)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn every_row_is_drawn_once() {
        let fonts = Fonts::system().expect("fonts");
        let doc = layout(&fonts, &sample(57)).unwrap();
        let all: Vec<String> = doc
            .pages
            .iter()
            .flat_map(|p| p.ops.iter())
            .filter_map(|o| match o {
                crate::pdf::Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        for i in 0..57 {
            let cell = format!("Nguyễn Văn Ấn {i}");
            assert_eq!(all.iter().filter(|t| **t == cell).count(), 1, "{cell}");
        }
        assert!(all.iter().any(|t| t == "1234 / 5000 (24.7%)"));
        // A NaN bar is drawn as zero, not as a bar off the page.
        assert!(all.iter().any(|t| t == "0 hồ sơ"));
    }

    #[test]
    fn a_character_the_fonts_lack_is_refused() {
        let fonts = Fonts::system().expect("fonts");
        let mut r = sample(1);
        r.lines.push("\u{10FFFD}".into());
        assert!(render_report(&fonts, &r).is_err());
    }
}
