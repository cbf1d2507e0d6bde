//! The A6 receipt slip (giấy hẹn): application number as text and QR code, the date to
//! collect the card, where, and for whom.

use crate::error::SheetError;
use crate::font::Fonts;
use crate::layout::{frame, hline, qr_modules, text, Flow, Style, Type, INK, RULE, SECONDARY};
use crate::pdf::{self, Document, Face, Op, A6};
use time::Date;

/// What the slip shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSlip {
    pub application_number: String,
    /// The applicant's full name as on the record.
    pub full_name: String,
    pub station: String,
    /// The day the application was taken.
    pub enrolled_on: Date,
    /// The day the card can be collected.
    pub collect_on: Date,
}

const M: f32 = 22.0;

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// Renders the slip as a one-page A6 PDF (more pages only if a value is very long).
pub fn render_receipt(fonts: &Fonts, slip: &ReceiptSlip) -> Result<Vec<u8>, SheetError> {
    let doc = layout(fonts, slip)?;
    pdf::write(fonts, &doc)
}

pub(crate) fn layout(fonts: &Fonts, slip: &ReceiptSlip) -> Result<Document, SheetError> {
    let t = Type::new(fonts)?;
    if slip.application_number.trim().is_empty() {
        return Err(SheetError::NoApplicationNumber);
    }
    t.check(None, "application number", &slip.application_number)?;
    t.check(Some(citizen::Field::FullName), "", &slip.full_name)?;
    t.check(None, "station", &slip.station)?;
    let (n, dark) = qr_modules(&slip.application_number)?;

    let w = A6.0 - 2.0 * M;
    let mut flow = Flow::new(A6, M, A6.1 - M);
    let mut lines: Vec<(Style, String, bool)> = vec![
        (
            Style::new(Face::Bold, 12.0, INK),
            "GIẤY HẸN TRẢ THẺ CĂN CƯỚC".into(),
            true,
        ),
        (
            Style::new(Face::Regular, 7.5, SECONDARY),
            "Identity card – receipt and collection slip".into(),
            true,
        ),
    ];
    let mut rows: Vec<(&str, &str, String, Style)> = vec![
        (
            "Số hồ sơ",
            "Application no.",
            slip.application_number.clone(),
            Style::new(Face::Bold, 12.0, INK),
        ),
        (
            "Ngày hẹn trả thẻ",
            "Collect the card on",
            dmy(slip.collect_on),
            Style::new(Face::Bold, 14.0, INK),
        ),
        (
            "Họ và tên",
            "Full name",
            slip.full_name.clone(),
            Style::new(Face::Regular, 9.5, INK),
        ),
        (
            "Nơi trả thẻ",
            "Collect at",
            slip.station.clone(),
            Style::new(Face::Regular, 9.5, INK),
        ),
        (
            "Ngày thu nhận",
            "Enrolled on",
            dmy(slip.enrolled_on),
            Style::new(Face::Regular, 9.5, INK),
        ),
    ];
    // Title, centred.
    for (style, s, centre) in lines.drain(..) {
        let b = t.block(style, &s, w);
        let top = flow.y;
        let ops = flow.ops();
        let mut y = top;
        for line in &b.lines {
            let lw = t.width(style.face, style.size, line);
            let x = if centre { M + (w - lw) / 2.0 } else { M };
            text(ops, style, x, y + style.size * 0.93, line);
            y += style.leading();
        }
        flow.y = y;
    }
    // QR code, centred.
    let side = 96.0;
    let top = flow.y + 6.0;
    flow.ops().push(Op::Qr {
        x: (A6.0 - side) / 2.0,
        y: top,
        side,
        n,
        dark,
    });
    flow.y = top + side + 8.0;
    let label = Style::new(Face::Bold, 7.5, INK);
    let label_en = Style::new(Face::Regular, 6.5, SECONDARY);
    for (vi, en, value, style) in rows.drain(..) {
        let lv = t.block(label, &format!("{vi} / {en}"), w);
        let v = t.block(style, &value, w);
        let h = lv.height() + v.height() + 6.0;
        if h > flow.room() && !flow.fresh {
            flow.new_page(M);
        }
        let top = flow.y;
        let ops = flow.ops();
        hline(ops, M, M + w, top, RULE, 0.4);
        // Vietnamese bold, English grey, on one line when it fits.
        let y = if t.width(label.face, label.size, vi)
            + t.width(label_en.face, label_en.size, en)
            + 8.0
            <= w
        {
            text(ops, label, M, top + 3.0 + label.size, vi);
            let x = M + t.width(label.face, label.size, vi) + 6.0;
            text(ops, label_en, x, top + 3.0 + label.size, en);
            top + 3.0 + label.leading()
        } else {
            lv.draw(ops, M, top + 3.0)
        };
        flow.y = v.draw(ops, M, y) + 3.0;
    }
    let note = t.block(
        Style::new(Face::Regular, 7.0, SECONDARY),
        "Mang theo giấy hẹn này khi nhận thẻ. / Bring this slip when you collect the card.",
        w,
    );
    if note.height() + 4.0 > flow.room() && !flow.fresh {
        flow.new_page(M);
    }
    let top = flow.y + 4.0;
    flow.y = note.draw(flow.ops(), M, top);
    for page in &mut flow.pages {
        frame(
            &mut page.ops,
            10.0,
            10.0,
            A6.0 - 20.0,
            A6.1 - 20.0,
            RULE,
            0.6,
        );
    }
    Ok(Document {
        title: format!("Giấy hẹn trả thẻ – hồ sơ {}", slip.application_number),
        pages: flow.pages,
        image: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn slip() -> ReceiptSlip {
        ReceiptSlip {
            application_number: "HS-079-2026-000123".into(),
            full_name: "CÔNG TẰNG TÔN NỮ HUỲNH THỊ Ỷ LAN NGỌC DIỄM QUỲNH PHƯỢNG ÁNH TUYẾT MỴ CHÂU"
                .into(),
            station: "Công an phường Bến Nghé, quận 1, TP. Hồ Chí Minh".into(),
            enrolled_on: date!(2026 - 11 - 23),
            collect_on: date!(2026 - 12 - 07),
        }
    }

    #[test]
    fn slip_is_one_a6_page_with_number_qr_and_date() {
        let fonts = Fonts::system().unwrap();
        let doc = layout(&fonts, &slip()).unwrap();
        assert_eq!(doc.pages.len(), 1);
        let t = Type::new(&fonts).unwrap();
        let mut all = String::new();
        let mut qr = 0;
        for op in &doc.pages[0].ops {
            match op {
                Op::Text {
                    face,
                    size,
                    x,
                    y,
                    text,
                    ..
                } => {
                    assert!(*x >= M - 0.01 && x + t.width(*face, *size, text) <= A6.0 - M + 0.01);
                    assert!(*y < A6.1 - M);
                    all.push_str(text);
                    all.push(' ');
                }
                Op::Qr { .. } => qr += 1,
                _ => {}
            }
        }
        assert_eq!(qr, 1);
        assert!(all.contains("HS-079-2026-000123"));
        assert!(all.contains("07/12/2026"));
        assert!(all.contains("Ngày hẹn trả thẻ"));
        let pdf = render_receipt(&fonts, &slip()).unwrap();
        if let Some(dir) = std::env::var_os("SHEET_DUMP_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("receipt.pdf"), &pdf).unwrap();
        }
    }

    #[test]
    fn slip_refuses_empty_number() {
        let fonts = Fonts::system().unwrap();
        let mut s = slip();
        s.application_number.clear();
        assert_eq!(
            render_receipt(&fonts, &s),
            Err(SheetError::NoApplicationNumber)
        );
    }
}
