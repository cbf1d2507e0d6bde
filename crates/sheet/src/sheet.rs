//! The A4 information sheet the applicant checks and signs.
//!
//! Page 1 reads top to bottom: title and QR code of the application number; application
//! number, station, officer and date; the 20 fields (Vietnamese label, English beneath,
//! value to the right, long values wrapped) beside the portrait; the fingerprint summary;
//! the applicant's declaration and the two signature boxes. What does not fit flows onto
//! further pages, each with the application number and "page n of m" in its footer.

use crate::error::SheetError;
use crate::fingers::{CaptureStatus, FingerCapture};
use crate::font::Fonts;
use crate::layout::{
    fill, frame, hline, qr_modules, text, Block, Flow, Style, Type, INK, RULE, SECONDARY,
};
use crate::pdf::{self, Document, Face, Jpeg, Op, A4};
use citizen::{CitizenRecord, Field};
use iso19794::FingerPosition;
use time::Date;

/// What the sheet is about besides the record: the application and where it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The application (file) number, printed as text and as a QR code.
    pub number: String,
    /// The enrolling station (e.g. "Công an phường Bến Nghé").
    pub station: String,
    /// The receiving officer's name.
    pub officer: String,
    /// The day of enrollment, printed on the sheet.
    pub date: Date,
}

/// Everything the information sheet shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoSheet {
    pub record: CitizenRecord,
    /// The ICAO portrait, a JPEG embedded as it is. `None` leaves an empty photo box.
    pub portrait_jpeg: Option<Vec<u8>>,
    /// The fingerprint capture summary; fingers not listed print as "not recorded".
    pub fingers: Vec<FingerCapture>,
    pub application: Application,
}

const MARGIN: f32 = 40.0;
const TOP: f32 = 36.0;
const BOTTOM: f32 = A4.1 - 46.0;
const CONTENT_W: f32 = A4.0 - 2.0 * MARGIN;
const RIGHT: f32 = A4.0 - MARGIN;

const TITLE: Style = Style::new(Face::Bold, 14.0, INK);
const SUBTITLE: Style = Style::new(Face::Regular, 8.5, SECONDARY);
const SECTION: Style = Style::new(Face::Bold, 9.5, INK);
const SECTION_EN: Style = Style::new(Face::Regular, 8.0, SECONDARY);
const LABEL: Style = Style::new(Face::Bold, 8.0, INK);
const LABEL_EN: Style = Style::new(Face::Regular, 6.8, SECONDARY);
const VALUE: Style = Style::new(Face::Regular, 10.5, INK);
const NAME: Style = Style::new(Face::Bold, 11.5, INK);
const SMALL: Style = Style::new(Face::Regular, 8.0, INK);
const FOOT: Style = Style::new(Face::Regular, 7.0, SECONDARY);

const PHOTO_W: f32 = 90.0;
const PHOTO_H: f32 = 120.0;
const NUM_W: f32 = 16.0;
const LABEL_W: f32 = 138.0;
const PAD: f32 = 3.5;

/// Renders the information sheet as a PDF.
pub fn render_sheet(fonts: &Fonts, sheet: &InfoSheet) -> Result<Vec<u8>, SheetError> {
    let t = Type::new(fonts)?;
    let record = sheet.record.normalized();
    let app = &sheet.application;
    check_inputs(&t, &record, sheet)?;
    let image = sheet.portrait_jpeg.as_deref().map(portrait).transpose()?;
    let (qr_n, qr_dark) = qr_modules(&app.number)?;

    let mut flow = Flow::new(A4, TOP, BOTTOM);
    header(&t, &mut flow, app, qr_n, qr_dark);
    fields(&t, &mut flow, &record, image.is_some());
    fingers(&t, &mut flow, &sheet.fingers);
    signatures(&t, &mut flow, app);
    footers(&t, &mut flow, &app.number);

    pdf::write(
        fonts,
        &Document {
            title: format!("Phiếu thu nhận thông tin căn cước – hồ sơ {}", app.number),
            pages: flow.pages,
            image,
        },
    )
}

fn check_inputs(t: &Type<'_>, record: &CitizenRecord, sheet: &InfoSheet) -> Result<(), SheetError> {
    let app = &sheet.application;
    if app.number.trim().is_empty() {
        return Err(SheetError::NoApplicationNumber);
    }
    for f in Field::ALL {
        t.check(Some(f), "", &record.field_text(f))?;
    }
    t.check(None, "application number", &app.number)?;
    t.check(None, "station", &app.station)?;
    t.check(None, "officer", &app.officer)?;
    let mut seen = Vec::new();
    for c in &sheet.fingers {
        if let Some(q) = c.quality.filter(|&q| q > 100) {
            return Err(SheetError::FingerQuality {
                finger: c.position,
                value: q,
            });
        }
        if c.position != FingerPosition::Unknown && seen.contains(&c.position) {
            return Err(SheetError::DuplicateFinger { finger: c.position });
        }
        seen.push(c.position);
        if let CaptureStatus::Exception { reason } = &c.status {
            t.check(None, "fingerprint exception reason", reason)?;
        }
    }
    Ok(())
}

pub(crate) fn portrait(bytes: &[u8]) -> Result<Jpeg, SheetError> {
    let info = iso19794::jpeg_info(bytes).map_err(|e| SheetError::Portrait(e.to_string()))?;
    if info.precision != 8 {
        return Err(SheetError::Portrait(format!(
            "{} bits per sample (8 needed)",
            info.precision
        )));
    }
    if !matches!(info.components, 1 | 3 | 4) {
        return Err(SheetError::Portrait(format!(
            "{} colour components (1, 3 or 4 needed)",
            info.components
        )));
    }
    Ok(Jpeg {
        bytes: bytes.to_vec(),
        width: info.width,
        height: info.height,
        components: info.components,
    })
}

/// A label in Vietnamese with its English beneath, as one block pair.
fn label_pair(t: &Type<'_>, vi: &str, en: &str, width: f32) -> (Block, Block) {
    (t.block(LABEL, vi, width), t.block(LABEL_EN, en, width))
}

fn header(t: &Type<'_>, flow: &mut Flow, app: &Application, qr_n: usize, qr_dark: Vec<bool>) {
    let qr_side = 74.0;
    let left_w = CONTENT_W - qr_side - 14.0;
    let top = flow.y;
    let ops = flow.ops();

    let title = t.block(TITLE, "PHIẾU THU NHẬN THÔNG TIN CĂN CƯỚC", left_w);
    let mut y = title.draw(ops, MARGIN, top);
    let sub = t.block(
        SUBTITLE,
        "Identity card enrollment – information sheet for the applicant to check and sign",
        left_w,
    );
    y = sub.draw(ops, MARGIN, y) + 6.0;

    // Application number, date, station, officer: a 2 × 2 grid.
    let cell_w = left_w / 2.0;
    let date = format!(
        "{:02}/{:02}/{:04}",
        app.date.day(),
        u8::from(app.date.month()),
        app.date.year()
    );
    let cells = [
        ("Số hồ sơ", "Application no.", app.number.as_str(), true),
        ("Ngày thu nhận", "Date of enrollment", date.as_str(), false),
        ("Nơi thu nhận", "Station", app.station.as_str(), false),
        ("Cán bộ thu nhận", "Receiving officer", app.officer.as_str(), false),
    ];
    for row in cells.chunks(2) {
        let mut bottom = y;
        let row_top = y;
        for (i, (vi, en, value, strong)) in row.iter().enumerate() {
            let x = MARGIN + i as f32 * cell_w;
            let inner = cell_w - 10.0;
            let (lv, le) = label_pair(t, vi, en, inner);
            let style = if *strong { NAME } else { VALUE };
            let v = t.block(style, value, inner);
            let mut yy = lv.draw(ops, x + 4.0, row_top + PAD);
            yy = le.draw(ops, x + 4.0, yy);
            yy = v.draw(ops, x + 4.0, yy + 1.0);
            bottom = bottom.max(yy + PAD);
        }
        for i in 0..row.len() {
            let x = MARGIN + i as f32 * cell_w;
            frame(ops, x, row_top, cell_w, bottom - row_top, RULE, 0.5);
        }
        y = bottom;
    }

    // QR code of the application number, with the number beneath it.
    let qx = RIGHT - qr_side;
    ops.push(Op::Qr {
        x: qx,
        y: top,
        side: qr_side,
        n: qr_n,
        dark: qr_dark,
    });
    let num = t.block(SMALL, &app.number, qr_side + 10.0);
    let mut qy = top + qr_side + 2.0;
    for line in &num.lines {
        let w = t.width(Face::Regular, SMALL.size, line);
        text(ops, SMALL, qx + (qr_side - w) / 2.0, qy + SMALL.size, line);
        qy += SMALL.leading();
    }
    y = y.max(qy) + 8.0;

    let note = t.block(
        Style::new(Face::Bold, 8.5, INK),
        "Đề nghị công dân kiểm tra kỹ từng mục dưới đây; nếu có sai sót, báo ngay cho cán bộ trước khi ký.",
        CONTENT_W,
    );
    y = note.draw(ops, MARGIN, y);
    let note_en = t.block(
        Style::new(Face::Regular, 7.5, SECONDARY),
        "Please check every item below; tell the officer about any mistake before you sign.",
        CONTENT_W,
    );
    flow.y = note_en.draw(ops, MARGIN, y) + 6.0;
}

fn section(t: &Type<'_>, flow: &mut Flow, vi: &str, en: &str) {
    let top = flow.y;
    let ops = flow.ops();
    fill(ops, MARGIN, top, CONTENT_W, 16.0, 0.88);
    text(ops, SECTION, MARGIN + 4.0, top + 11.5, vi);
    let w = t.width(SECTION.face, SECTION.size, vi);
    text(ops, SECTION_EN, MARGIN + 4.0 + w + 8.0, top + 11.5, en);
    flow.y = top + 16.0 + 2.0;
}

fn fields(t: &Type<'_>, flow: &mut Flow, record: &CitizenRecord, has_photo: bool) {
    section(t, flow, "THÔNG TIN CÔNG DÂN", "Citizen's details");
    // The portrait sits at the top right; rows beside it are narrower.
    let photo_top = flow.y + 2.0;
    let photo_x = RIGHT - PHOTO_W;
    let photo_bottom = photo_top + PHOTO_H;
    {
        let ops = flow.ops();
        if has_photo {
            ops.push(Op::Image {
                x: photo_x,
                y: photo_top,
                w: PHOTO_W,
                h: PHOTO_H,
            });
        } else {
            let s = Style::new(Face::Regular, 7.5, SECONDARY);
            text(ops, s, photo_x + 22.0, photo_top + 56.0, "Chưa có ảnh");
            text(ops, s, photo_x + 28.0, photo_top + 67.0, "No photo");
        }
        frame(ops, photo_x, photo_top, PHOTO_W, PHOTO_H, 0.4, 0.6);
    }
    let photo_page = flow.pages.len();

    for f in Field::ALL {
        let beside_photo = flow.pages.len() == photo_page && flow.y < photo_bottom + 2.0;
        let right = if beside_photo { photo_x - 8.0 } else { RIGHT };
        field_row(t, flow, record, f, right);
    }
    if flow.pages.len() == photo_page && flow.y < photo_bottom + 6.0 {
        flow.y = photo_bottom + 6.0;
    }
}

fn field_row(t: &Type<'_>, flow: &mut Flow, record: &CitizenRecord, f: Field, right: f32) {
    let value_x = MARGIN + NUM_W + LABEL_W + 6.0;
    let value_w = right - value_x;
    let (lv, le) = label_pair(t, f.label_vi(), f.label_en(), LABEL_W);
    let text_value = record.field_text(f);
    let (style, shown) = if text_value.trim().is_empty() {
        (Style::new(Face::Regular, VALUE.size, SECONDARY), "—".to_string())
    } else if f == Field::FullName {
        (NAME, text_value)
    } else {
        (VALUE, text_value)
    };
    let value = t.block(style, &shown, value_w);
    let label_h = lv.height() + le.height();
    let lead = style.leading();

    let mut from = 0;
    let mut first = true;
    loop {
        let rest = value.lines.len() - from;
        let value_h = rest as f32 * lead;
        let need = label_h.max(value_h) + 2.0 * PAD;
        let fits = need <= flow.room();
        if !fits && !flow.fresh {
            continue_page(t, flow);
            continue;
        }
        // On a fresh page a row taller than the page is split between its lines.
        let take = if fits {
            rest
        } else {
            (((flow.room() - 2.0 * PAD) / lead).floor() as usize).clamp(1, rest)
        };
        let top = flow.y;
        let ops = flow.ops();
        let num = format!("{}", f.number());
        text(ops, LABEL, MARGIN, top + PAD + LABEL.size * 0.93, &num);
        let mut ly = lv.draw(ops, MARGIN + NUM_W, top + PAD);
        if first {
            ly = le.draw(ops, MARGIN + NUM_W, ly);
        } else {
            ly = t
                .block(LABEL_EN, "(tiếp / continued)", LABEL_W)
                .draw(ops, MARGIN + NUM_W, ly);
        }
        let vy = value.draw_lines(ops, value_x, top + PAD, from..from + take);
        let bottom = ly.max(vy) + PAD;
        hline(ops, MARGIN, right, bottom, RULE, 0.4);
        flow.y = bottom;
        from += take;
        first = false;
        if from >= value.lines.len() {
            break;
        }
        continue_page(t, flow);
    }
}

/// A new page, headed so that a loose page is still recognisable.
fn continue_page(t: &Type<'_>, flow: &mut Flow) {
    flow.new_page(TOP);
    let top = flow.y;
    let ops = flow.ops();
    let s = Style::new(Face::Bold, 9.0, INK);
    text(ops, s, MARGIN, top + 9.0, "PHIẾU THU NHẬN THÔNG TIN CĂN CƯỚC (tiếp)");
    let w = t.width(s.face, s.size, "PHIẾU THU NHẬN THÔNG TIN CĂN CƯỚC (tiếp)");
    text(
        ops,
        Style::new(Face::Regular, 8.0, SECONDARY),
        MARGIN + w + 8.0,
        top + 9.0,
        "Information sheet (continued)",
    );
    hline(ops, MARGIN, RIGHT, top + 14.0, RULE, 0.5);
    flow.y = top + 20.0;
    flow.fresh = true;
}

fn fingers(t: &Type<'_>, flow: &mut Flow, captures: &[FingerCapture]) {
    // Ten cells in tenprint order, then any finger of unknown position.
    let mut cells: Vec<(FingerPosition, Option<&FingerCapture>)> = FingerPosition::TENPRINT_ORDER
        .iter()
        .map(|&p| (p, captures.iter().find(|c| c.position == p)))
        .collect();
    for c in captures
        .iter()
        .filter(|c| c.position == FingerPosition::Unknown)
    {
        cells.push((c.position, Some(c)));
    }
    let captured = captures
        .iter()
        .filter(|c| !matches!(c.status, CaptureStatus::Exception { .. }))
        .count();
    let low = captures
        .iter()
        .filter(|c| c.status == CaptureStatus::LowQualityApproved)
        .count();
    let exceptions = captures.len() - captured;

    if flow.room() < 16.0 + 30.0 + 70.0 {
        continue_page(t, flow);
    }
    flow.y += 4.0;
    section(t, flow, "VÂN TAY", "Fingerprints");
    let summary_vi = format!(
        "Đã thu nhận {captured}/10 ngón; {low} ngón chất lượng thấp đã duyệt; {exceptions} ngoại lệ."
    );
    let summary_en = format!(
        "{captured} of 10 fingers captured; {low} low quality approved; {exceptions} exceptions."
    );
    {
        let top = flow.y;
        let ops = flow.ops();
        let mut y = t
            .block(Style::new(Face::Regular, 8.5, INK), &summary_vi, CONTENT_W)
            .draw(ops, MARGIN, top);
        y = t
            .block(LABEL_EN, &summary_en, CONTENT_W)
            .draw(ops, MARGIN, y);
        flow.y = y + 3.0;
    }

    let cell_w = CONTENT_W / 5.0;
    let inner = cell_w - 8.0;
    for row in cells.chunks(5) {
        let blocks: Vec<Vec<Block>> = row
            .iter()
            .map(|(p, c)| finger_cell(t, *p, *c, inner))
            .collect();
        let h = blocks
            .iter()
            .map(|b| b.iter().map(Block::height).sum::<f32>())
            .fold(0.0, f32::max)
            + 2.0 * PAD;
        if h > flow.room() && !flow.fresh {
            continue_page(t, flow);
        }
        let top = flow.y;
        let ops = flow.ops();
        for (i, (cell, (_, capture))) in blocks.iter().zip(row).enumerate() {
            let x = MARGIN + i as f32 * cell_w;
            let flagged = match capture {
                None => true,
                Some(c) => c.status != CaptureStatus::Captured,
            };
            if flagged {
                fill(ops, x, top, cell_w, h, 0.93);
            }
            frame(ops, x, top, cell_w, h, RULE, 0.5);
            let mut y = top + PAD;
            for b in cell {
                y = b.draw(ops, x + 4.0, y);
            }
        }
        flow.y = top + h;
    }
    flow.y += 6.0;
}

fn finger_cell(
    t: &Type<'_>,
    p: FingerPosition,
    c: Option<&FingerCapture>,
    w: f32,
) -> Vec<Block> {
    let mut out = vec![
        t.block(LABEL, p.name_vi(), w),
        t.block(LABEL_EN, p.name_en(), w),
    ];
    let status = Style::new(Face::Regular, 8.0, INK);
    match c {
        None => {
            out.push(t.block(status, "Không có dữ liệu", w));
            out.push(t.block(LABEL_EN, "Not recorded", w));
        }
        Some(c) => {
            let vi = match c.quality {
                Some(q) => format!("{} · chất lượng {q}", c.status.label_vi()),
                None => c.status.label_vi().to_string(),
            };
            let en = match c.quality {
                Some(q) => format!("{} · quality {q}", c.status.label_en()),
                None => c.status.label_en().to_string(),
            };
            out.push(t.block(status, &vi, w));
            out.push(t.block(LABEL_EN, &en, w));
            if let CaptureStatus::Exception { reason } = &c.status {
                out.push(t.block(status, &format!("Lý do / reason: {reason}"), w));
            }
        }
    }
    out
}

fn signatures(t: &Type<'_>, flow: &mut Flow, app: &Application) {
    let box_h = 92.0;
    let decl_vi = "Tôi đã kiểm tra các thông tin trên và xác nhận là đúng.";
    let decl_en = "I have checked the information above and confirm that it is correct.";
    let d1 = t.block(Style::new(Face::Bold, 9.0, INK), decl_vi, CONTENT_W);
    let d2 = t.block(Style::new(Face::Regular, 7.5, SECONDARY), decl_en, CONTENT_W);
    if d1.height() + d2.height() + 6.0 + box_h > flow.room() && !flow.fresh {
        continue_page(t, flow);
    }
    let top = flow.y;
    let ops = flow.ops();
    let mut y = d1.draw(ops, MARGIN, top);
    y = d2.draw(ops, MARGIN, y) + 6.0;
    let gap = 16.0;
    let w = (CONTENT_W - gap) / 2.0;
    let boxes = [
        (
            "NGƯỜI ĐỀ NGHỊ CẤP THẺ",
            "(ký, ghi rõ họ tên)",
            "Applicant – signature and full name",
            None,
        ),
        (
            "CÁN BỘ THU NHẬN",
            "(ký, ghi rõ họ tên)",
            "Receiving officer – signature and full name",
            Some(app.officer.as_str()),
        ),
    ];
    for (i, (title, hint, en, name)) in boxes.iter().enumerate() {
        let x = MARGIN + i as f32 * (w + gap);
        frame(ops, x, y, w, box_h, 0.3, 0.8);
        let mut yy = t.block(LABEL, title, w - 10.0).draw(ops, x + 5.0, y + PAD);
        yy = t
            .block(Style::new(Face::Regular, 7.5, INK), hint, w - 10.0)
            .draw(ops, x + 5.0, yy);
        t.block(LABEL_EN, en, w - 10.0).draw(ops, x + 5.0, yy);
        if let Some(name) = name {
            let b = t.block(VALUE, name, w - 10.0);
            let by = y + box_h - PAD - b.height();
            b.draw(ops, x + 5.0, by);
        }
    }
    flow.y = y + box_h;
}

fn footers(t: &Type<'_>, flow: &mut Flow, number: &str) {
    let n = flow.pages.len();
    for (i, page) in flow.pages.iter_mut().enumerate() {
        let y = A4.1 - 26.0;
        hline(&mut page.ops, MARGIN, RIGHT, y - 10.0, RULE, 0.4);
        let left = t.block(
            FOOT,
            &format!("Số hồ sơ / Application no.: {number}"),
            CONTENT_W - 120.0,
        );
        // Only the first line of a very long number goes in the footer; the full number
        // is in the header.
        if let Some(line) = left.lines.first() {
            text(&mut page.ops, FOOT, MARGIN, y, line);
        }
        let right = format!("Trang {} / {} · Page {} of {}", i + 1, n, i + 1, n);
        let w = t.width(FOOT.face, FOOT.size, &right);
        text(&mut page.ops, FOOT, RIGHT - w, y, &right);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::long_sheet;

    #[test]
    fn renders_the_long_record() {
        let fonts = Fonts::system().unwrap();
        let pdf = render_sheet(&fonts, &long_sheet()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        if let Some(dir) = std::env::var_os("SHEET_DUMP_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("sheet.pdf"), &pdf).unwrap();
        }
    }
}
