//! The daily report: per station and officer, applications received, completed, cards
//! issued, aborted (with reasons), average time per step, and the campaign's progress
//! against its target population. Read from the vault's record summaries
//! ([`EnrollmentFacts`], sealed beside each record), so a report over a whole campaign never
//! decrypts a portrait or a fingerprint; written as CSV or as a PDF with charts.

use std::collections::BTreeMap;

use accounts::Clock;
use serde::{Deserialize, Serialize};
use time::{Date, UtcOffset};
use vault::{SummaryState, Vault, VaultError};

use crate::model::{Enrollment, Step, StepTime};

/// What the vault keeps of an enrollment beside its encrypted record, for reports and the
/// list of unfinished enrollments: no personal data of the applicant but the abort reason
/// the officer typed (sealed all the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentFacts {
    pub station: String,
    pub officer: String,
    pub created_at: i64,
    pub step: Step,
    pub finished_at: Option<i64>,
    /// When the card was written and verified.
    pub card_at: Option<i64>,
    pub abort_reason: Option<String>,
    pub step_times: Vec<StepTime>,
    /// Whether the receipt slip was printed: an issued card without one is still to be
    /// finished (the station was stopped between the card and the receipt).
    #[serde(default)]
    pub receipt_printed: bool,
}

impl EnrollmentFacts {
    pub fn of(e: &Enrollment) -> Self {
        EnrollmentFacts {
            station: e.station.clone(),
            officer: e.officer.clone(),
            created_at: e.created_at,
            step: e.step,
            finished_at: e.finished_at,
            card_at: e.card.as_ref().map(|c| c.at),
            abort_reason: e.abort_reason.clone(),
            step_times: e.step_times.clone(),
            receipt_printed: e.receipt.is_some(),
        }
    }
}

/// Records with their facts, and the ids of those that could not be read.
pub type Facts = (Vec<(vault::RecordSummary, EnrollmentFacts)>, Vec<String>);

/// Every record's facts, oldest first: from its summary, or for a record written before
/// summaries existed from the record itself. A record whose summary or payload does not
/// decrypt or parse is returned by id in the second list, never silently left out.
pub fn all_facts<C: Clock>(
    vault: &mut Vault<C>,
    status: Option<vault::RecordStatus>,
) -> Result<Facts, VaultError> {
    facts_of(vault, status, true)
}

/// As [`all_facts`]; with `read_old` false, records written before summaries existed are
/// left out instead of decrypted (for lists that must stay cheap on an old vault).
pub fn facts_of<C: Clock>(
    vault: &mut Vault<C>,
    status: Option<vault::RecordStatus>,
    read_old: bool,
) -> Result<Facts, VaultError> {
    let mut facts = Vec::new();
    let mut unreadable = Vec::new();
    for row in vault.summaries(status)? {
        let id = row.record.id.clone();
        let f = match row.summary {
            SummaryState::Present(bytes) => serde_json::from_slice::<EnrollmentFacts>(&bytes).ok(),
            SummaryState::Missing if !read_old => continue,
            SummaryState::Missing => vault
                .get_record(&id)
                .ok()
                .and_then(|(_, p)| serde_json::from_slice::<Enrollment>(&p).ok())
                .map(|e| EnrollmentFacts::of(&e)),
            SummaryState::Damaged => None,
        };
        match f {
            Some(f) => facts.push((row.record, f)),
            None => unreadable.push(id),
        }
    }
    Ok((facts, unreadable))
}

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
    /// Records that could not be read (damaged or tampered with): counted nowhere above, and
    /// listed so a supervisor sees the figures are incomplete.
    pub unreadable: Vec<String>,
}

fn local_date(unix: i64, offset: UtcOffset) -> Option<Date> {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(offset).date())
}

/// Gathers the day's figures from every record's facts in the vault (one audited read).
pub fn daily<C: Clock>(
    vault: &mut Vault<C>,
    date: Date,
    offset: UtcOffset,
    campaign_target: u64,
) -> Result<Daily, VaultError> {
    let (facts, unreadable) = all_facts(vault, None)?;
    Ok(daily_from(
        &facts,
        unreadable,
        date,
        offset,
        campaign_target,
    ))
}

/// The day's figures from facts already read.
pub fn daily_from(
    facts: &[(vault::RecordSummary, EnrollmentFacts)],
    unreadable: Vec<String>,
    date: Date,
    offset: UtcOffset,
    campaign_target: u64,
) -> Daily {
    let mut rows: BTreeMap<(String, String), OfficerDay> = BTreeMap::new();
    let mut aborts = Vec::new();
    let mut issued_to_date = 0u64;
    for (rec, e) in facts {
        if e.card_at.is_some() {
            issued_to_date += 1;
        }
        let on_day = |t: Option<i64>| t.and_then(|t| local_date(t, offset)) == Some(date);
        let received = on_day(Some(e.created_at));
        let finished = on_day(e.finished_at);
        let issued = on_day(e.card_at);
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
                application: rec.id.clone(),
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
    Daily {
        date,
        rows: rows.into_values().collect(),
        aborts,
        issued_to_date,
        campaign_target,
        unreadable,
    }
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
    /// One line per station and officer, then a TOTAL line; average seconds per step. The
    /// campaign's progress (cards issued to date, target population) and the count of
    /// unreadable records are on the TOTAL line, empty on the officers' lines.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "date,station,officer,received,completed,cards_issued,aborted,abort_reasons",
        );
        for s in Step::WORK {
            out.push_str(&format!(",avg_s_{}", s.slug()));
        }
        out.push_str(",campaign_issued_to_date,campaign_target,unreadable_records\n");
        let mut total = OfficerDay {
            station: "TOTAL".into(),
            ..Default::default()
        };
        let line = |out: &mut String, r: &OfficerDay, reasons: &str, campaign: Option<&str>| {
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
            out.push_str(campaign.unwrap_or(",,,"));
            out.push('\n');
        };
        for r in &self.rows {
            let reasons: Vec<String> = self
                .aborts
                .iter()
                .filter(|a| a.officer == r.officer)
                .map(|a| format!("{}: {}", a.application, a.reason))
                .collect();
            line(&mut out, r, &reasons.join("; "), None);
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
        let campaign = format!(
            ",{},{},{}",
            self.issued_to_date,
            self.campaign_target,
            self.unreadable.len()
        );
        line(&mut out, &total, "", Some(&campaign));
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
        if !self.unreadable.is_empty() {
            sections.push(Section::Heading(
                "Hồ sơ không đọc được / Unreadable records".into(),
            ));
            sections.push(Section::Paragraph(format!(
                "{} hồ sơ bị hỏng hoặc bị sửa, không được tính ở trên; báo cho trưởng ca: {} / \
                 {} records are damaged or were tampered with and are not counted above; \
                 tell the supervisor: {}",
                self.unreadable.len(),
                self.unreadable.join(", "),
                self.unreadable.len(),
                self.unreadable.join(", ")
            )));
        }
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
