//! The daily report over a real vault: figures from the records' sealed facts (no record
//! decrypted for them), records from before summaries read in full, a damaged record listed
//! as unreadable instead of failing the report, and the campaign's progress in the CSV.

use accounts::{ManualClock, Policy};
use time::macros::date;
use vault::{RecordStatus, Vault};
use workflow::model::{CardWritten, Enrollment, StepTime};
use workflow::report::{daily, EnrollmentFacts};
use workflow::Step;

/// 2026-11-23 10:00 in Vietnam (UTC+7).
const DAY_MS: i64 = 1_795_402_800_000;
const OFFSET: time::UtcOffset = time::macros::offset!(+7);

fn enrollment(id: &str, officer: &str, created_ms: i64) -> Enrollment {
    Enrollment::new(id.into(), 1, "HN01", officer, created_ms)
}

fn issued(mut e: Enrollment, at_s: i64) -> Enrollment {
    e.step = Step::Done;
    e.finished_at = Some(at_s);
    e.card = Some(CardWritten {
        reader: "Virtual PCD 00 00".into(),
        document_number: "095012345".into(),
        apdus: 64,
        millis: 20,
        at: at_s,
    });
    e.step_times = vec![
        StepTime {
            step: Step::Data,
            millis: 60_000,
        },
        StepTime {
            step: Step::WriteCard,
            millis: 4_000,
        },
    ];
    e
}

fn put(v: &mut Vault<ManualClock>, e: &Enrollment, status: RecordStatus, with_facts: bool) {
    let payload = serde_json::to_vec(e).unwrap();
    let facts = serde_json::to_vec(&EnrollmentFacts::of(e)).unwrap();
    if with_facts {
        v.put_record_audited(&e.id, status, &payload, Some(&facts), Some("enroll.test"))
            .unwrap();
    } else {
        // As a vault written before summaries existed.
        v.put_record(&e.id, status, &payload).unwrap();
    }
}

#[test]
fn the_daily_report_reads_facts_not_records_and_lists_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(DAY_MS / 1000);
    let mut v = Vault::create(
        &dir.path().join("v.db"),
        "chief",
        "supervisor-pass",
        clock,
        Policy::default(),
    )
    .unwrap();
    let t = DAY_MS / 1000;
    // Two cards issued today by chief, one by lan; one abort; one from yesterday; one
    // written before summaries; one damaged.
    // (application, officer, created at ms, issued at s, with its facts)
    let issue = |v: &mut Vault<ManualClock>, id, officer, created_ms, at_s, with_facts| {
        let e = issued(enrollment(id, officer, created_ms), at_s);
        put(v, &e, RecordStatus::Issued, with_facts);
    };
    issue(&mut v, "HN01-20261123-001", "chief", DAY_MS, t + 600, true);
    issue(
        &mut v,
        "HN01-20261123-002",
        "chief",
        DAY_MS + 1000,
        t + 900,
        true,
    );
    issue(
        &mut v,
        "HN01-20261123-003",
        "lan",
        DAY_MS + 2000,
        t + 1200,
        false,
    );
    let mut aborted = enrollment("HN01-20261123-004", "lan", DAY_MS + 3000);
    aborted.step = Step::Aborted;
    aborted.finished_at = Some(t + 300);
    aborted.abort_reason = Some("Công dân không mang giấy tờ / no papers".into());
    put(&mut v, &aborted, RecordStatus::Aborted, true);
    let yesterday = DAY_MS - 86_400_000;
    issue(
        &mut v,
        "HN01-20261122-001",
        "chief",
        yesterday,
        t - 86_000,
        true,
    );
    issue(
        &mut v,
        "HN01-20261123-005",
        "chief",
        DAY_MS + 4000,
        t + 1500,
        true,
    );
    v.connection()
        .execute(
            "UPDATE records SET summary = CAST('garbage' AS BLOB) WHERE id = 'HN01-20261123-005'",
            [],
        )
        .unwrap();

    let before = v.audit_entries().unwrap().len();
    let d = daily(&mut v, date!(2026 - 11 - 23), OFFSET, 12_000).unwrap();
    let new: Vec<(String, Option<String>)> = v.audit_entries().unwrap()[before..]
        .iter()
        .map(|e| (e.action.clone(), e.record_id.clone()))
        .collect();
    // One read of the summaries; only the record from before summaries is decrypted.
    assert_eq!(
        new,
        vec![
            ("record.summaries".to_string(), None),
            (
                "record.get".to_string(),
                Some("HN01-20261123-003".to_string())
            ),
        ]
    );
    assert_eq!(d.unreadable, vec!["HN01-20261123-005".to_string()]);
    assert_eq!(d.issued_to_date, 4);
    let chief = d.rows.iter().find(|r| r.officer == "chief").unwrap();
    assert_eq!(
        (
            chief.received,
            chief.completed,
            chief.cards_issued,
            chief.aborted
        ),
        (2, 2, 2, 0)
    );
    let lan = d.rows.iter().find(|r| r.officer == "lan").unwrap();
    assert_eq!(
        (lan.received, lan.completed, lan.cards_issued, lan.aborted),
        (2, 1, 1, 1)
    );
    assert_eq!(chief.step_ms.get(&Step::Data), Some(&(120_000, 2)));
    assert_eq!(d.aborts.len(), 1);
    assert_eq!(d.aborts[0].application, "HN01-20261123-004");
    assert!(d.aborts[0].reason.contains("no papers"));

    let csv = d.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with(",campaign_issued_to_date,campaign_target,unreadable_records"));
    let total = lines.last().unwrap();
    assert!(total.starts_with("2026-11-23,TOTAL,,4,3,3,1,"), "{total}");
    assert!(total.ends_with(",4,12000,1"), "{total}");
    // Every line has as many cells as the header (no quoted commas in these).
    let cells = lines[0].split(',').count();
    for l in &lines[1..] {
        if !l.contains('"') {
            assert_eq!(l.split(',').count(), cells, "{l}");
        }
    }
    // The PDF report names the unreadable record.
    let report = d.to_report("Trạm thử", "chief");
    let text = format!("{report:?}");
    assert!(text.contains("HN01-20261123-005"), "{text}");
}
