//! The daily report screen (from the queue): per station and officer, applications
//! received, completed, cards issued and aborted, a bar per officer, the average time per
//! step, the aborted enrollments with their reasons, and the campaign's progress.

use std::collections::BTreeMap;

use egui::{Color32, RichText, Sense, Ui};
use workflow::report::Daily;
use workflow::{Intent, Step};

use crate::app::{App, BAD, OK};
use crate::form::format_dmy;
use crate::lang::Lang;

const ISSUED: Color32 = Color32::from_rgb(0x2f, 0x6f, 0xb8);
const RECEIVED: Color32 = Color32::from_rgb(0x8a, 0x8a, 0x8a);

/// A bar of `value` out of `max`, `width` wide at full scale, with `text` after it.
fn bar(ui: &mut Ui, value: f32, max: f32, width: f32, colour: Color32, text: &str) {
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 14.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
        let frac = if max > 0.0 {
            (value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut filled = rect;
        filled.set_width(rect.width() * frac);
        painter.rect_filled(filled, 2.0, colour);
        ui.label(RichText::new(text).small());
    });
}

/// Average seconds per step over all rows, in the order of the steps.
fn step_averages(d: &Daily) -> Vec<(Step, f32)> {
    let mut sums: BTreeMap<Step, (u64, u32)> = BTreeMap::new();
    for r in &d.rows {
        for (step, (ms, n)) in &r.step_ms {
            let s = sums.entry(*step).or_default();
            s.0 += ms;
            s.1 += n;
        }
    }
    sums.into_iter()
        .filter(|(_, (_, n))| *n > 0)
        .map(|(step, (ms, n))| (step, ms as f32 / n as f32 / 1000.0))
        .collect()
}

impl App {
    pub(crate) fn report(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let daily = self.snap.as_ref().and_then(|s| s.daily.clone());
        if self.back_and_refresh(ui, Intent::DailyReport(None)) {
            self.report_open = false;
        }
        let title = match &daily {
            Some(d) => format!(
                "{} {}",
                lang.pick("Báo cáo ngày", "Daily report"),
                format_dmy(d.date)
            ),
            None => lang.pick("Báo cáo ngày", "Daily report").to_string(),
        };
        ui.heading(title);
        let Some(d) = daily else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(lang.pick("Đang tổng hợp số liệu…", "Gathering the figures…"));
            });
            return;
        };
        ui.separator();
        if !d.unreadable.is_empty() {
            ui.colored_label(
                BAD,
                format!(
                    "{} {}: {}",
                    d.unreadable.len(),
                    lang.pick(
                        "hồ sơ bị hỏng hoặc bị sửa, không được tính; báo cho trưởng ca",
                        "records are damaged or were tampered with and are not counted; tell the supervisor"
                    ),
                    d.unreadable.join(", ")
                ),
            );
        }

        // The table.
        egui::Grid::new("daily-table")
            .striped(true)
            .num_columns(6)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                for h in [
                    lang.pick("Trạm", "Station"),
                    lang.pick("Cán bộ", "Officer"),
                    lang.pick("Tiếp nhận", "Received"),
                    lang.pick("Hoàn tất", "Completed"),
                    lang.pick("Thẻ đã cấp", "Cards issued"),
                    lang.pick("Đã hủy", "Aborted"),
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for r in &d.rows {
                    ui.label(&r.station);
                    ui.label(&r.officer);
                    ui.label(r.received.to_string());
                    ui.label(r.completed.to_string());
                    ui.label(r.cards_issued.to_string());
                    ui.label(r.aborted.to_string());
                    ui.end_row();
                }
            });
        if d.rows.is_empty() {
            ui.label(
                RichText::new(lang.pick("Chưa có hồ sơ nào hôm nay", "No applications today"))
                    .weak(),
            );
        }
        ui.add_space(8.0);

        ui.columns(2, |cols| {
            // A bar per officer.
            let ui = &mut cols[0];
            ui.label(RichText::new(lang.pick("Theo cán bộ", "By officer")).strong());
            let max = d.rows.iter().map(|r| r.received).max().unwrap_or(0).max(1) as f32;
            for r in &d.rows {
                ui.label(format!("{} · {}", r.officer, r.station));
                bar(
                    ui,
                    r.received as f32,
                    max,
                    220.0,
                    RECEIVED,
                    &format!("{} {}", r.received, lang.pick("tiếp nhận", "received")),
                );
                bar(
                    ui,
                    r.completed as f32,
                    max,
                    220.0,
                    OK,
                    &format!("{} {}", r.completed, lang.pick("hoàn tất", "completed")),
                );
                bar(
                    ui,
                    r.cards_issued as f32,
                    max,
                    220.0,
                    ISSUED,
                    &format!(
                        "{} {}",
                        r.cards_issued,
                        lang.pick("thẻ đã cấp", "cards issued")
                    ),
                );
                bar(
                    ui,
                    r.aborted as f32,
                    max,
                    220.0,
                    BAD,
                    &format!("{} {}", r.aborted, lang.pick("đã hủy", "aborted")),
                );
                ui.add_space(4.0);
            }

            // Average time per step.
            let ui = &mut cols[1];
            ui.label(
                RichText::new(lang.pick("Thời gian trung bình mỗi bước", "Average time per step"))
                    .strong(),
            );
            let avg = step_averages(&d);
            if avg.is_empty() {
                ui.label(RichText::new(lang.pick("Chưa có số liệu", "No figures yet")).weak());
            }
            let max = avg.iter().map(|(_, s)| *s).fold(1.0f32, f32::max);
            for (step, secs) in &avg {
                ui.label(lang.pick(step.label_vi(), step.label_en()));
                bar(ui, *secs, max, 220.0, ISSUED, &seconds(lang, *secs));
            }
        });
        ui.add_space(8.0);

        // Aborted, with reasons.
        ui.label(RichText::new(lang.pick("Hồ sơ đã hủy", "Aborted enrollments")).strong());
        if d.aborts.is_empty() {
            ui.label(RichText::new(lang.pick("Không có", "None")).weak());
        }
        for a in &d.aborts {
            ui.label(format!(
                "{} · {} — {}: {}",
                a.application,
                a.officer,
                lang.pick("lý do", "reason"),
                a.reason
            ));
        }
        ui.add_space(8.0);

        // The campaign.
        ui.label(RichText::new(lang.pick("Tiến độ chiến dịch", "Campaign progress")).strong());
        if d.campaign_target > 0 {
            let frac = d.issued_to_date as f32 / d.campaign_target as f32;
            ui.add(
                egui::ProgressBar::new(frac.clamp(0.0, 1.0))
                    .desired_width(480.0)
                    .text(format!(
                        "{} / {} {} ({:.1}%)",
                        d.issued_to_date,
                        d.campaign_target,
                        lang.pick("thẻ đã cấp", "cards issued"),
                        frac * 100.0
                    )),
            );
        } else {
            ui.label(format!(
                "{} {} ({})",
                d.issued_to_date,
                lang.pick("thẻ đã cấp", "cards issued"),
                lang.pick("chưa đặt chỉ tiêu", "no target set")
            ));
        }
    }
}

fn seconds(lang: Lang, secs: f32) -> String {
    if secs >= 60.0 {
        format!("{:.1} {}", secs / 60.0, lang.pick("phút", "min"))
    } else {
        format!("{secs:.0} {}", lang.pick("giây", "s"))
    }
}
