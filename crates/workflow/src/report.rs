//! The daily report: per station and officer, applications received, completed, cards
//! issued, aborted (with reasons), average time per step, and the campaign's progress
//! against its target population. Read from the vault (the figures need the encrypted
//! records, so a logged-in officer makes it); written as CSV or as a PDF with charts.

use std::collections::BTreeMap;

use accounts::Clock;
use time::{Date, UtcOffset};
use vault::{Vault, VaultError};

use crate::model::{Enrollment, Step};

/// One officer's day at one station.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficerDay {
    pub station: String,
    pub officer: String,
    pub received: u32,
    pub completed: u32,
    pub cards_issued: u32,
    pub aborted: u32,
    /// Step → (total ms, enrollments that spent time in it).
    pub step_ms: BTreeMap<Step, (u64, u32)>,
}

/// An aborted enrollment of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abort {
    pub application: String,
    pub officer: String,
    pub reason: String,
}

/// The day's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daily {
    pub date: Date,
    pub rows: Vec<OfficerDay>,
    pub aborts: Vec<Abort>,
    /// Cards issued since the campaign began (all days in the vault).
    pub issued_to_date: u64,
    pub campaign_target: u64,
}

fn local_date(unix: i64, offset: UtcOffset) -> Option<Date> {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(offset).date())
}

/// Gathers the day's figures from every record in the vault.
pub fn daily<C: Clock>(
    vault: &mut Vault<C>,
    date: Date,
    offset: UtcOffset,
    campaign_target: u64,
) -> Result<Daily, VaultError> {
    let mut rows: BTreeMap<(String, String), OfficerDay> = BTreeMap::new();
    let mut aborts = Vec::new();
    let mut issued_to_date = 0u64;
    for summary in vault.list(None)? {
        let (_, payload) = vault.get_record(&summary.id)?;
        let Ok(e) = serde_json::from_slice::<Enrollment>(&payload) else {
            return Err(VaultError::CorruptRecord);
        };
        if e.card.is_some() {
            issued_to_date += 1;
        }
        let on_day = |t: Option<i64>| t.and_then(|t| local_date(t, offset)) == Some(date);
        let received = on_day(Some(e.created_at));
        let finished = on_day(e.finished_at);
        let issued = on_day(e.card.as_ref().map(|c| c.at));
        if !(received || finished || issued) {
            continue;
        }
        let row = rows
            .entry((e.station.clone(), e.officer.clone()))
            .or_insert_with(|| OfficerDay {
                station: e.station.clone(),
                officer: e.officer.clone(),
                ..Default::default()
            });
        row.received += u32::from(received);
        row.completed += u32::from(finished && e.step == Step::Done);
        row.cards_issued += u32::from(issued);
        if finished && e.step == Step::Aborted {
            row.aborted += 1;
            aborts.push(Abort {
                application: e.id.clone(),
                officer: e.officer.clone(),
                reason: e.abort_reason.clone().unwrap_or_default(),
            });
        }
        if received {
            for t in &e.step_times {
                let slot = row.step_ms.entry(t.step).or_default();
                slot.0 += t.millis;
                slot.1 += 1;
            }
        }
    }
    Ok(Daily {
        date,
        rows: rows.into_values().collect(),
        aborts,
        issued_to_date,
        campaign_target,
    })
}

fn avg_secs(row: &OfficerDay, step: Step) -> Option<f64> {
    row.step_ms
        .get(&step)
        .filter(|(_, n)| *n > 0)
        .map(|(ms, n)| *ms as f64 / f64::from(*n) / 1000.0)
}

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A CSV field, quoted when it needs to be (RFC 4180); a leading formula character
/// (`=`, `+`, `-`, `@`, tab, carriage return) is neutralised with `'` so a spreadsheet does
/// not run officer-typed or card-read text as a formula. Every CSV report of the station
/// (daily enrollment, checkpoint crossings) writes its text cells through this.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

impl Daily {
    /// One line per station and officer, then a TOTAL line; average seconds per step.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "date,station,officer,received,completed,cards_issued,aborted,abort_reasons",
        );
        for s in Step::WORK {
            out.push_str(&format!(",avg_s_{}", s.slug()));
        }
        out.push('\n');
        let mut total = OfficerDay {
            station: "TOTAL".into(),
            ..Default::default()
        };
        let line = |out: &mut String, r: &OfficerDay, reasons: &str| {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}",
                self.date,
                csv_field(&r.station),
                csv_field(&r.officer),
                r.received,
                r.completed,
                r.cards_issued,
                r.aborted,
                csv_field(reasons)
            ));
            for s in Step::WORK {
                match avg_secs(r, s) {
                    Some(v) => out.push_str(&format!(",{v:.1}")),
                    None => out.push(','),
                }
            }
            out.push('\n');
        };
        for r in &self.rows {
            let reasons: Vec<String> = self
                .aborts
                .iter()
                .filter(|a| a.officer == r.officer)
                .map(|a| format!("{}: {}", a.application, a.reason))
                .collect();
            line(&mut out, r, &reasons.join("; "));
            total.received += r.received;
            total.completed += r.completed;
            total.cards_issued += r.cards_issued;
            total.aborted += r.aborted;
            for (s, (ms, n)) in &r.step_ms {
                let slot = total.step_ms.entry(*s).or_default();
                slot.0 += ms;
                slot.1 += n;
            }
        }
        line(&mut out, &total, "");
        out
    }

    /// The report as the supervisor reads it: figures per officer as a table, the work per
    /// officer and the campaign's progress as charts.
    pub fn to_report(&self, station_name: &str, printed_by: &str) -> sheet::Report {
        use sheet::Section;
        let mut sections = vec![Section::Heading("Theo cán bộ / By officer".into())];
        let mut rows = Vec::new();
        for r in &self.rows {
            rows.push(vec![
                r.station.clone(),
                r.officer.clone(),
                r.received.to_string(),
                r.completed.to_string(),
                r.cards_issued.to_string(),
                r.aborted.to_string(),
            ]);
        }
        let sum = |f: fn(&OfficerDay) -> u32| self.rows.iter().map(f).sum::<u32>().to_string();
        rows.push(vec![
            "Tổng / Total".into(),
            String::new(),
            sum(|r| r.received),
            sum(|r| r.completed),
            sum(|r| r.cards_issued),
            sum(|r| r.aborted),
        ]);
        sections.push(Section::Table {
            columns: vec![
                "Trạm / Station".into(),
                "Cán bộ / Officer".into(),
                "Tiếp nhận / Received".into(),
                "Hoàn tất / Completed".into(),
                "Thẻ đã cấp / Cards issued".into(),
                "Hủy / Aborted".into(),
            ],
            rows,
        });
        sections.push(Section::Bars {
            title: "Thẻ đã cấp theo cán bộ / Cards issued per officer".into(),
            unit: "thẻ".into(),
            bars: self
                .rows
                .iter()
                .map(|r| {
                    (
                        format!("{} · {}", r.officer, r.station),
                        f64::from(r.cards_issued),
                    )
                })
                .collect(),
        });
        // Average time per step over the whole day, every officer together.
        let mut all: BTreeMap<Step, (u64, u32)> = BTreeMap::new();
        for r in &self.rows {
            for (s, (ms, n)) in &r.step_ms {
                let slot = all.entry(*s).or_default();
                slot.0 += ms;
                slot.1 += n;
            }
        }
        sections.push(Section::Bars {
            title: "Thời gian trung bình mỗi bước / Average time per step".into(),
            unit: "s".into(),
            bars: Step::WORK
                .iter()
                .map(|s| {
                    let v = all
                        .get(s)
                        .filter(|(_, n)| *n > 0)
                        .map_or(0.0, |(ms, n)| *ms as f64 / f64::from(*n) / 1000.0);
                    (
                        format!("{} / {}", s.label_vi(), s.label_en()),
                        (v * 10.0).round() / 10.0,
                    )
                })
                .collect(),
        });
        sections.push(Section::Heading("Hồ sơ bị hủy / Aborted".into()));
        if self.aborts.is_empty() {
            sections.push(Section::Paragraph("Không có / None".into()));
        } else {
            sections.push(Section::Table {
                columns: vec![
                    "Số hồ sơ / Application".into(),
                    "Cán bộ / Officer".into(),
                    "Lý do / Reason".into(),
                ],
                rows: self
                    .aborts
                    .iter()
                    .map(|a| vec![a.application.clone(), a.officer.clone(), a.reason.clone()])
                    .collect(),
            });
        }
        sections.push(Section::Heading(
            "Tiến độ chiến dịch / Campaign progress".into(),
        ));
        sections.push(Section::Progress {
            label: "Thẻ đã cấp so với dân số mục tiêu / Cards issued against the target population"
                .into(),
            done: self.issued_to_date,
            target: self.campaign_target,
        });
        sheet::Report {
            title: format!("Báo cáo ngày {} / Daily report", dmy(self.date)),
            lines: vec![
                station_name.to_string(),
                format!("Người lập / Prepared by: {printed_by}"),
            ],
            sections,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formula_safe() {
        assert_eq!(csv_field("Nguyễn Văn An"), "Nguyễn Văn An");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("+84 912"), "'+84 912");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\t=1"), "'\t=1");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
