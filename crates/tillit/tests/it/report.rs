//! `tillit report` end to end: the operator sees every unit; a protected person's name stays
//! hidden (R-PER-3) unless `--protected-identities` is given, and that use is recorded in
//! the audit log, which still verifies; `--out` writes the file; bad arguments are one
//! clear line.

use std::path::Path;

use sqlx::Connection as _;
use tillit_core::ra::card::{Card, CardEvent, CardKind, CardStatus};
use tillit_core::ra::policy::Policy;
use tillit_core::ra::CardId;
use tillit_server::node::DataDir;
use tillit_server::routines::kinds::Kept;

use crate::{init, run, text, verify};

fn tillit_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

async fn audit_count(data: &Path, action: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", data.join("tillit.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_entries WHERE action = $1")
        .bind(action)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_from_the_command_line_hide_protected_identities_unless_asked_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data_path = init(dir.path());
    let data = data_path.to_str().unwrap();
    tillit_ok(&[
        "org",
        "add",
        "--data",
        data,
        "--name",
        "Emmaboda kommun",
        "--kind",
        "organisation",
        "--org-number",
        "212000-0738",
        "--hr-code",
        "K1",
    ]);
    tillit_ok(&["org", "add", "--data", data, "--name", "Skola", "--parent", "K1", "--hr-code", "U3"]);
    let hr = dir.path().join("hr.csv");
    std::fs::write(
        &hr,
        "national_id,given_names,family_name,unit,start,end,protected\n\
         19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no\n\
         19700101-0003,Hemlig,Person,U3,2024-01-01,2025-01-31,yes\n",
    )
    .unwrap();
    tillit_ok(&[
        "import",
        "hr",
        "--data",
        data,
        hr.to_str().unwrap(),
        "--org",
        "K1",
        "--protected-identities",
    ]);

    // Each holds a card in use; the protected person's employment has ended (R-CARD-8).
    {
        let data_dir = DataDir::open(&data_path).unwrap();
        let store = data_dir.open_store().await.unwrap();
        let unit =
            store.orgs().await.unwrap().into_iter().find(|o| o.hr_code.as_deref() == Some("U3")).unwrap().id;
        let policy = Policy::default();
        let mut tx = store.begin().await.unwrap();
        for (n, national) in [(1u128, "19121212-1212"), (2, "19700101-0003")] {
            let national = tillit_core::id::NationalId::parse(
                tillit_core::id::Country::Se,
                national,
                &tillit_core::id::ParseOptions::new(time::OffsetDateTime::now_utc().date())
                    .with_test_ids(true),
            )
            .unwrap();
            let holder = store.person_by_national_id(&national).await.unwrap().unwrap().person.id;
            let mut card = Card::created(&CardEvent::ReplacementOrdered {
                card: CardId(uuid::Uuid::from_u128(n)),
                replaces: CardId(uuid::Uuid::from_u128(100 + n)),
                person: holder,
                org: unit,
                kind: CardKind::Sis,
                on: time::macros::date!(2024 - 02 - 01),
            })
            .unwrap();
            card.status = CardStatus::InUse;
            tx.insert_record(&card.new_record(Some(unit), &policy)).await.unwrap();
        }
        tx.commit().await.unwrap();
        store.close().await;
    }

    let before = audit_count(&data_path, "report.protected_identities_shown").await;
    assert_eq!(before, 0);
    let csv = tillit_ok(&["report", "reconciliation", "--data", data, "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "card,card_kind,person,name,unit,unit_name,problem,detail");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains("(protected identity)") && lines[1].contains("employment ended 2025-01-31"),
        "{csv}"
    );
    assert!(!csv.contains("Hemlig") && !csv.contains("Person,"), "{csv}");
    assert_eq!(
        audit_count(&data_path, "report.protected_identities_shown").await,
        0,
        "nothing shown, nothing recorded"
    );

    // With the right: the name, and the use is in the audit log (R-PER-3).
    let json =
        tillit_ok(&["report", "reconciliation", "--data", data, "--org", "U3", "--protected-identities"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["report"], "reconciliation");
    assert_eq!(doc["rule"], "R-CARD-8");
    assert_eq!(doc["rows"][0]["name"], "Hemlig Person");
    assert_eq!(audit_count(&data_path, "report.protected_identities_shown").await, 1);
    let (code, out) = verify(&data_path);
    assert_eq!(code, 0, "{out}");

    // --out writes the chart; the period defaults to the current quarter.
    let svg = dir.path().join("puk.svg");
    let out =
        run(&["report", "puk-costs", "--data", data, "--format", "svg", "--out", svg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("puk-costs: 0 rows written to"), "{}", text(&out.stderr));
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg ")
            && chart.contains("<title id=\"chart-title\">PUK costs per unit")
            && chart.trim_end().ends_with("</svg>"),
        "{chart}"
    );

    // The node's policy sets the default period of the expiring report (R-CRED-6).
    std::fs::write(data_path.join("policy.toml"), "renewal_notice_days = 60\n").unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&tillit_ok(&["report", "expiring", "--data", data])).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        (doc["from"].as_str(), doc["to"].as_str()),
        (Some(today.to_string().as_str()), Some((today + time::Duration::days(60)).to_string().as_str()))
    );
    assert_eq!(doc["rows"], serde_json::json!([]));

    // Bad arguments: one line naming what is wrong; nothing recorded.
    for (args, want) in [
        (vec!["report", "bogus"], "no report \"bogus\": choose one of reconciliation, expiring"),
        (vec!["report", "limbo", "--from", "2026-01-01"], "--from: this report is as of one day"),
        (vec!["report", "expiring", "--to", "2026-02-30"], "--to: not a date"),
        (vec!["report", "stock", "--org", "U9"], "--org: no organisation has the HR code or id \"U9\""),
        (vec!["report", "stock", "--format", "xml"], "--format: must be csv, json or svg"),
    ] {
        let mut args = args;
        args.extend(["--data", data]);
        let out = run(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want) && err.lines().count() == 1, "{args:?}: {err}");
    }
    assert_eq!(audit_count(&data_path, "report.protected_identities_shown").await, 1);
}
