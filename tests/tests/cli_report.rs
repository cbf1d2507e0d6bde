//! `idstation report daily` as QA and supervisors run it: the PDF (read back with pdftotext)
//! and the CSV of a day with issued cards by two officers and one abort, logged in through
//! the CLI, from a vault whose records carry their sealed facts.

use idstation_tests::{bin, output_text, Scratch};
use std::process::Command;
use vault::RecordStatus;
use workflow::model::{CardWritten, Enrollment};
use workflow::report::EnrollmentFacts;
use workflow::Step;

const PASSWORD: &str = "supervisor-pass";

fn put(v: &mut vault::Vault<accounts::SystemClock>, e: &Enrollment, status: RecordStatus) {
    let payload = serde_json::to_vec(e).unwrap();
    let facts = serde_json::to_vec(&EnrollmentFacts::of(e)).unwrap();
    v.put_record_audited(&e.id, status, &payload, Some(&facts), None)
        .unwrap();
}

#[test]
fn the_daily_report_as_pdf_and_csv() {
    let s = Scratch::new("report");
    let vault_path = s.path("station.vault");
    let now = time::OffsetDateTime::now_utc();
    let now_s = now.unix_timestamp();
    {
        let mut v = vault::Vault::create(
            &vault_path,
            "chief",
            PASSWORD,
            accounts::SystemClock,
            accounts::Policy::default(),
        )
        .unwrap();
        for (i, officer) in ["chief", "chief", "lan"].iter().enumerate() {
            let mut e = Enrollment::new(
                format!("HN01-TEST-{i:03}"),
                i as u32 + 1,
                "HN01",
                officer,
                now_s * 1000,
            );
            e.step = Step::Done;
            e.finished_at = Some(now_s);
            e.card = Some(CardWritten {
                reader: "Virtual PCD 00 00".into(),
                document_number: "000000000".into(),
                apdus: 64,
                millis: 20,
                at: now_s,
            });
            put(&mut v, &e, RecordStatus::Issued);
        }
        let mut e = Enrollment::new("HN01-TEST-009".into(), 9, "HN01", "lan", now_s * 1000);
        e.step = Step::Aborted;
        e.finished_at = Some(now_s);
        e.abort_reason = Some("Máy in hỏng / printer broken".into());
        put(&mut v, &e, RecordStatus::Aborted);
    }
    // The station's day in UTC: the report's day is the test's whatever the machine's zone.
    let station = s.path("station.toml");
    std::fs::write(
        &station,
        "station_id = \"HN01\"\nstation_name = \"Công an phường Hàng Bạc\"\nreader = \"none\"\n\
         camera = \"virtual:frames\"\nprinter = \"none\"\nkeys = \"keys\"\noutput_dir = \"out\"\n\
         utc_offset_minutes = 0\ncampaign_target = 200\n",
    )
    .unwrap();
    let day = format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    );
    let run = |out: &std::path::Path| {
        Command::new(bin("idstation"))
            .args(["report", "daily", "--date", &day, "--station"])
            .arg(&station)
            .arg("--vault")
            .arg(&vault_path)
            .args(["--officer", "chief", "--out"])
            .arg(out)
            .env("IDSTATION_PASSWORD", PASSWORD)
            .output()
            .unwrap()
    };

    let csv = s.path("daily.csv");
    let o = run(&csv);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let total = text.lines().last().unwrap();
    assert!(
        total.starts_with(&format!("{day},TOTAL,,4,3,3,1,")),
        "{text}"
    );
    assert!(total.ends_with(",3,200,0"), "{text}");
    assert!(
        text.contains("HN01-TEST-009: Máy in hỏng / printer broken"),
        "{text}"
    );

    let pdf = s.path("daily.pdf");
    let o = run(&pdf);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let t = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by hil/cups-up) must be there");
    assert!(t.status.success());
    let page = String::from_utf8_lossy(&t.stdout);
    for want in [
        "Báo cáo ngày",
        "Công an phường Hàng Bạc",
        "Tiến độ chiến dịch / Campaign progress",
        "Hồ sơ bị hủy / Aborted",
        "HN01-TEST-009",
        "Máy in hỏng / printer broken",
        "Thẻ đã cấp theo cán bộ",
    ] {
        assert!(page.contains(want), "{want:?} not in the PDF:\n{page}");
    }
    // The table's total line: 4 received, 3 completed, 3 issued, 1 aborted.
    assert!(
        page.lines().any(|l| l.contains("Tổng / Total")
            && l.split_whitespace().rev().take(4).collect::<Vec<_>>() == ["1", "3", "3", "4"]),
        "{page}"
    );
    // The report is audited as made by the logged-in officer.
    let v = vault::Vault::open(
        &vault_path,
        accounts::SystemClock,
        accounts::Policy::default(),
    )
    .unwrap();
    let actions: Vec<String> = v
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "report.daily").count(), 2);
    assert!(!actions.iter().any(|a| a == "record.get"), "{actions:?}");
}
