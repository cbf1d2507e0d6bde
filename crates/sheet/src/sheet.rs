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
const BOTTOM: f32 = A4.1 - 40.0;
const CONTENT_W: f32 = A4.0 - 2.0 * MARGIN;
const RIGHT: f32 = A4.0 - MARGIN;

const TITLE: Style = Style::new(Face::Bold, 14.0, INK);
const SUBTITLE: Style = Style::new(Face::Regular, 8.5, SECONDARY);
const SECTION: Style = Style::new(Face::Bold, 9.5, INK);
const SECTION_EN: Style = Style::new(Face::Regular, 8.0, SECONDARY);
const LABEL: Style = Style::new(Face::Bold, 8.0, INK);
const LABEL_EN: Style = Style::new(Face::Regular, 6.8, SECONDARY);
const VALUE: Style = Style::new(Face::Regular, 10.0, INK);
const NAME: Style = Style::new(Face::Bold, 11.5, INK);
const SMALL: Style = Style::new(Face::Regular, 8.0, INK);
const QUALITY: Style = Style::new(Face::Bold, 12.0, INK);
const FOOT: Style = Style::new(Face::Regular, 7.0, SECONDARY);

const PHOTO_W: f32 = 90.0;
const PHOTO_H: f32 = 120.0;
const NUM_W: f32 = 16.0;
const LABEL_W: f32 = 138.0;
const PAD: f32 = 2.4;

/// Renders the information sheet as a PDF.
pub fn render_sheet(fonts: &Fonts, sheet: &InfoSheet) -> Result<Vec<u8>, SheetError> {
    let doc = layout(fonts, sheet)?;
    pdf::write(fonts, &doc)
}

/// The sheet as pages of drawing operations.
pub(crate) fn layout(fonts: &Fonts, sheet: &InfoSheet) -> Result<Document, SheetError> {
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

    Ok(Document {
        title: format!("Phiếu thu nhận thông tin căn cước – hồ sơ {}", app.number),
        pages: flow.pages,
        image,
    })
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

    // Application number, date, station, officer: one row of four cells.
    let date = format!(
        "{:02}/{:02}/{:04}",
        app.date.day(),
        u8::from(app.date.month()),
        app.date.year()
    );
    let cells = [
        ("Số hồ sơ", "Application no.", app.number.as_str(), 1.05),
        ("Ngày thu nhận", "Enrollment date", date.as_str(), 0.75),
        ("Nơi thu nhận", "Station", app.station.as_str(), 1.3),
        (
            "Cán bộ thu nhận",
            "Receiving officer",
            app.officer.as_str(),
            1.1,
        ),
    ];
    let total: f32 = cells.iter().map(|c| c.3).sum();
    let row_top = y;
    let mut bottom = y;
    let mut x = MARGIN;
    let mut frames = Vec::new();
    for (vi, en, value, share) in cells {
        let cell_w = left_w * share / total;
        let inner = cell_w - 8.0;
        let (lv, le) = label_pair(t, vi, en, inner);
        let face = if vi == "Số hồ sơ" {
            Face::Bold
        } else {
            Face::Regular
        };
        let v = t.block(Style::new(face, 9.0, INK), value, inner);
        let mut yy = lv.draw(ops, x + 4.0, row_top + PAD);
        yy = le.draw(ops, x + 4.0, yy);
        yy = v.draw(ops, x + 4.0, yy + 1.0);
        bottom = bottom.max(yy + PAD);
        frames.push((x, cell_w));
        x += cell_w;
    }
    for (x, w) in frames {
        frame(ops, x, row_top, w, bottom - row_top, RULE, 0.5);
    }
    y = bottom;

    // QR code of the application number, with the number beneath it.
    let qx = RIGHT - qr_side;
    ops.push(Op::Qr {
        x: qx,
        y: top,
        side: qr_side,
        n: qr_n,
        dark: qr_dark,
    });
    let num = t.block(SMALL, &app.number, qr_side + 12.0);
    let mut qy = top + qr_side + 2.0;
    for line in &num.lines {
        let w = t.width(Face::Regular, SMALL.size, line);
        let x = (qx + (qr_side - w) / 2.0).min(RIGHT - w);
        text(ops, SMALL, x, qy + SMALL.size, line);
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

    let mut i = 0;
    while let Some(&f) = Field::ALL.get(i) {
        let beside_photo = flow.pages.len() == photo_page && flow.y < photo_bottom + 2.0;
        let right = if beside_photo { photo_x - 8.0 } else { RIGHT };
        let partner = PAIRS
            .iter()
            .find(|(a, _)| *a == f)
            .map(|(_, b)| *b)
            .filter(|&b| short(t, record, f, right) && short(t, record, b, right));
        match partner {
            Some(b) => {
                pair_row(t, flow, record, [f, b], right);
                i += 2;
            }
            None => {
                field_row(t, flow, record, f, right);
                i += 1;
            }
        }
    }
    if flow.pages.len() == photo_page && flow.y < photo_bottom + 6.0 {
        flow.y = photo_bottom + 6.0;
    }
}

/// Short fields that share a row, each pair consecutive in the field order.
const PAIRS: [(Field, Field); 5] = [
    (Field::DateOfBirth, Field::Sex),
    (Field::Nationality, Field::Ethnicity),
    (Field::DateOfIssue, Field::DateOfExpiry),
    (Field::FatherName, Field::MotherName),
    (Field::SpouseName, Field::FormerIdNumber),
];
const PAIR_LABEL_W: f32 = 88.0;

fn pair_value_w(right: f32) -> f32 {
    (right - MARGIN) / 2.0 - NUM_W - PAIR_LABEL_W - 10.0
}

/// Whether a field's value fits on two lines of half a row.
fn short(t: &Type<'_>, record: &CitizenRecord, f: Field, right: f32) -> bool {
    t.block(VALUE, &record.field_text(f), pair_value_w(right))
        .lines
        .len()
        <= 2
}

fn pair_row(t: &Type<'_>, flow: &mut Flow, record: &CitizenRecord, fs: [Field; 2], right: f32) {
    let col_w = (right - MARGIN) / 2.0;
    let value_w = pair_value_w(right);
    let cols: Vec<(Block, Block, Block)> = fs
        .iter()
        .map(|&f| {
            let (lv, le) = label_pair(t, f.label_vi(), f.label_en(), PAIR_LABEL_W);
            (lv, le, value_block(t, record, f, value_w))
        })
        .collect();
    let h = cols
        .iter()
        .map(|(lv, le, v)| (lv.height() + le.height()).max(v.height()))
        .fold(0.0, f32::max)
        + 2.0 * PAD;
    if h > flow.room() && !flow.fresh {
        continue_page(t, flow);
    }
    let top = flow.y;
    let ops = flow.ops();
    for (i, (&f, (lv, le, v))) in fs.iter().zip(&cols).enumerate() {
        let x = MARGIN + i as f32 * col_w;
        text(
            ops,
            LABEL,
            x,
            top + PAD + LABEL.size * 0.93,
            &f.number().to_string(),
        );
        let y = lv.draw(ops, x + NUM_W, top + PAD);
        le.draw(ops, x + NUM_W, y);
        v.draw(ops, x + NUM_W + PAIR_LABEL_W + 4.0, top + PAD);
    }
    hline(ops, MARGIN, right, top + h, RULE, 0.4);
    flow.y = top + h;
}

fn value_block(t: &Type<'_>, record: &CitizenRecord, f: Field, width: f32) -> Block {
    let text_value = record.field_text(f);
    if text_value.trim().is_empty() {
        t.block(Style::new(Face::Regular, VALUE.size, SECONDARY), "—", width)
    } else if f == Field::FullName {
        t.block(NAME, &text_value, width)
    } else {
        t.block(VALUE, &text_value, width)
    }
}

fn field_row(t: &Type<'_>, flow: &mut Flow, record: &CitizenRecord, f: Field, right: f32) {
    let value_x = MARGIN + NUM_W + LABEL_W + 6.0;
    let value_w = right - value_x;
    let (lv, le) = label_pair(t, f.label_vi(), f.label_en(), LABEL_W);
    let value = value_block(t, record, f, value_w);
    let label_h = lv.height() + le.height();
    let lead = value.style.leading();

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
    text(
        ops,
        s,
        MARGIN,
        top + 9.0,
        "PHIẾU THU NHẬN THÔNG TIN CĂN CƯỚC (tiếp)",
    );
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
    flow.y += 2.0;
    section(t, flow, "VÂN TAY", "Fingerprints");
    let summary_vi = format!(
        "Đã thu nhận {captured}/10 ngón; {low} ngón chất lượng thấp đã duyệt; {exceptions} ngoại lệ. Số ở góc ô: điểm chất lượng 0–100."
    );
    let summary_en = format!(
        "{captured} of 10 fingers captured; {low} low quality approved; {exceptions} exceptions. Number in the corner: quality score 0–100."
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
        let blocks: Vec<(Vec<Block>, Option<String>)> = row
            .iter()
            .map(|(p, c)| finger_cell(t, *p, *c, inner))
            .collect();
        let h = blocks
            .iter()
            .map(|(b, _)| b.iter().map(Block::height).sum::<f32>())
            .fold(0.0, f32::max)
            + 2.0 * PAD;
        if h > flow.room() && !flow.fresh {
            continue_page(t, flow);
        }
        let top = flow.y;
        let ops = flow.ops();
        for (i, ((cell, quality), (_, capture))) in blocks.iter().zip(row).enumerate() {
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
            if let Some(q) = quality {
                let w = t.width(QUALITY.face, QUALITY.size, q);
                text(
                    ops,
                    QUALITY,
                    x + cell_w - 4.0 - w,
                    top + PAD + QUALITY.size,
                    q,
                );
            }
        }
        flow.y = top + h;
    }
    flow.y += 4.0;
}

/// One finger: its name in both languages with the quality score at the top right, then
/// the status in both languages and an exception's reason.
fn finger_cell(
    t: &Type<'_>,
    p: FingerPosition,
    c: Option<&FingerCapture>,
    w: f32,
) -> (Vec<Block>, Option<String>) {
    let name_w = w - 22.0;
    let mut out = vec![
        t.block(LABEL, p.name_vi(), name_w),
        t.block(LABEL_EN, p.name_en(), name_w),
    ];
    let status = Style::new(Face::Regular, 8.0, INK);
    match c {
        None => {
            out.push(t.block(status, "Không có dữ liệu", w));
            out.push(t.block(LABEL_EN, "Not recorded", w));
            (out, None)
        }
        Some(c) => {
            out.push(t.block(status, c.status.label_vi(), w));
            out.push(t.block(LABEL_EN, c.status.label_en(), w));
            if let CaptureStatus::Exception { reason } = &c.status {
                out.push(t.block(status, &format!("Lý do / Reason: {reason}"), w));
            }
            (out, c.quality.map(|q| q.to_string()))
        }
    }
}

fn signatures(t: &Type<'_>, flow: &mut Flow, app: &Application) {
    let box_h = 68.0;
    let decl_vi = "Tôi đã kiểm tra các thông tin trên và xác nhận là đúng.";
    let decl_en = "I have checked the information above and confirm that it is correct.";
    let d1 = t.block(Style::new(Face::Bold, 9.0, INK), decl_vi, CONTENT_W);
    let d2 = t.block(
        Style::new(Face::Regular, 7.5, SECONDARY),
        decl_en,
        CONTENT_W,
    );
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
    use crate::layout::Type;
    use crate::testdata::{long_sheet, PORTRAIT};

    fn fonts() -> Fonts {
        Fonts::system().unwrap()
    }

    /// Every text drawn lies inside the page's margins: nothing overflows.
    fn assert_inside(fonts: &Fonts, doc: &Document) {
        let t = Type::new(fonts).unwrap();
        for (n, page) in doc.pages.iter().enumerate() {
            for op in &page.ops {
                if let Op::Text {
                    face,
                    size,
                    x,
                    y,
                    text,
                    ..
                } = op
                {
                    let w = t.width(*face, *size, text);
                    assert!(*x >= MARGIN - 0.01, "page {n}: {text:?} starts at {x}");
                    assert!(
                        x + w <= RIGHT + 0.01,
                        "page {n}: {text:?} ends at {}",
                        x + w
                    );
                    assert!(*y > TOP && *y < A4.1 - 20.0, "page {n}: {text:?} at y {y}");
                }
            }
        }
    }

    fn all_text(doc: &Document) -> String {
        let mut out = String::new();
        for page in &doc.pages {
            for op in &page.ops {
                if let Op::Text { text, .. } = op {
                    out.push_str(text);
                    out.push(' ');
                }
            }
        }
        out
    }

    fn squash(s: &str) -> String {
        s.split_whitespace().collect()
    }

    #[test]
    fn long_record_wraps_inside_the_margins_and_keeps_every_field() {
        let fonts = fonts();
        let sheet = long_sheet();
        let doc = layout(&fonts, &sheet).unwrap();
        assert_inside(&fonts, &doc);
        let text = squash(&all_text(&doc));
        let r = sheet.record.normalized();
        for f in Field::ALL {
            let v = squash(&r.field_text(f));
            assert!(text.contains(&v), "{f:?} missing: {v}");
            assert!(text.contains(&squash(f.label_vi())), "{f:?} label");
            assert!(text.contains(&squash(f.label_en())), "{f:?} English label");
        }
        let pdf = pdf::write(&fonts, &doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        if let Some(dir) = std::env::var_os("SHEET_DUMP_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("sheet.pdf"), &pdf).unwrap();
        }
    }

    #[test]
    fn an_ordinary_record_fits_one_page() {
        let fonts = fonts();
        let mut sheet = long_sheet();
        sheet.record =
            CitizenRecord::from_json(include_str!("../../citizen/testdata/sample.json")).unwrap();
        let doc = layout(&fonts, &sheet).unwrap();
        if let Some(dir) = std::env::var_os("SHEET_DUMP_DIR") {
            let pdf = pdf::write(&fonts, &doc).unwrap();
            std::fs::write(std::path::Path::new(&dir).join("sample.pdf"), &pdf).unwrap();
        }
        assert_eq!(doc.pages.len(), 1);
        assert_inside(&fonts, &doc);
    }

    #[test]
    fn a_value_longer_than_a_page_flows_over_pages() {
        let fonts = fonts();
        let mut sheet = long_sheet();
        sheet.record.place_of_origin = "Thôn Đồi Mỡ, xã Kẽm Trống, ".repeat(400);
        let doc = layout(&fonts, &sheet).unwrap();
        assert!(doc.pages.len() >= 3, "{} pages", doc.pages.len());
        assert_inside(&fonts, &doc);
        assert_eq!(all_text(&doc).matches("Kẽm Trống").count(), 400);
    }

    #[test]
    fn long_station_officer_and_number_wrap() {
        let fonts = fonts();
        let mut sheet = long_sheet();
        sheet.application.station = "Trạm lưu động ".repeat(30);
        sheet.application.officer = "Nguyễn".repeat(40);
        sheet.application.number = "HS".repeat(60);
        let doc = layout(&fonts, &sheet).unwrap();
        assert_inside(&fonts, &doc);
        let text = squash(&all_text(&doc));
        assert!(text.contains(&squash(&sheet.application.station)));
        assert!(text.contains(&sheet.application.officer));
    }

    #[test]
    fn no_portrait_and_no_fingers_still_render() {
        let fonts = fonts();
        let mut sheet = long_sheet();
        sheet.portrait_jpeg = None;
        sheet.fingers.clear();
        let doc = layout(&fonts, &sheet).unwrap();
        assert!(doc.image.is_none());
        let text = all_text(&doc);
        assert!(text.contains("Chưa có ảnh"));
        assert_eq!(text.matches("Không có dữ liệu").count(), 10);
        pdf::write(&fonts, &doc).unwrap();
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let fonts = fonts();
        let mut s = long_sheet();
        s.portrait_jpeg = Some(b"not a jpeg".to_vec());
        assert!(matches!(
            render_sheet(&fonts, &s),
            Err(SheetError::Portrait(_))
        ));
        s.portrait_jpeg = Some(PORTRAIT[..40].to_vec());
        assert!(matches!(
            render_sheet(&fonts, &s),
            Err(SheetError::Portrait(_))
        ));

        let mut s = long_sheet();
        s.fingers[0].quality = Some(101);
        let e = render_sheet(&fonts, &s).unwrap_err();
        assert!(e.to_string().contains("0–100"));
        let mut s = long_sheet();
        s.fingers[1].position = s.fingers[0].position;
        assert!(matches!(
            render_sheet(&fonts, &s),
            Err(SheetError::DuplicateFinger { .. })
        ));

        let mut s = long_sheet();
        s.record.religion = "Phật giáo 仏".to_string();
        let e = render_sheet(&fonts, &s).unwrap_err();
        assert_eq!(
            e,
            SheetError::UnsupportedCharacter {
                place: "Religion".to_string(),
                ch: '仏'
            }
        );
        assert!(e.to_string().contains("không in được"));

        let mut s = long_sheet();
        s.application.number = "  ".to_string();
        assert_eq!(
            render_sheet(&fonts, &s),
            Err(SheetError::NoApplicationNumber)
        );
        let mut s = long_sheet();
        s.application.number = "9".repeat(8000);
        assert!(matches!(
            render_sheet(&fonts, &s),
            Err(SheetError::QrCode(_))
        ));
    }

    #[test]
    fn the_portrait_is_embedded_as_it_is() {
        let fonts = fonts();
        let pdf = render_sheet(&fonts, &long_sheet()).unwrap();
        assert!(pdf.windows(PORTRAIT.len()).any(|w| w == PORTRAIT));
        assert!(pdf.windows(9).any(|w| w == b"DCTDecode"));
    }
}
