//! The directory at scale on the embedded default (SQLite): the HR import of a register
//! with BENCH_HR_N rows (default 1,000,000) into a tree of 200 units, the same file again
//! (nothing changes), and person search on the result: name prefixes and national ids, for
//! an officer scoped to one unit and for one scoped to the whole organisation. Prints rows/s
//! and search latency percentiles.
//!
//! `cargo bench -p tillit-server --bench directory` (`BENCH_HR_N=100000` for a quick run).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write as _;
use std::time::{Duration, Instant};

use tillit_core::audit::Actor;
use tillit_core::id::{Country, OrgNumber};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::OrgId;
use tillit_server::directory::{self, ImportOptions};
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_store::people::PersonQuery;

const UNITS: u64 = 200;
mod support;
use support::{family, personnummer, GIVEN};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("BENCH_HR_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let store = DataDir::open(&data).unwrap().open_store().await.unwrap();
    let actor = Actor::system("bench");
    let top = OrgId(uuid::Uuid::now_v7());
    let org = |id: OrgId, parent: Option<OrgId>, kind: OrgKind, code: String| Org {
        id,
        parent,
        kind,
        name: code.clone(),
        org_number: (kind == OrgKind::Organisation)
            .then(|| OrgNumber::parse(Country::Se, "212000-0738").unwrap()),
        hr_code: Some(code),
    };
    directory::add_org(&store, &actor, org(top, None, OrgKind::Organisation, "K".into())).await.unwrap();
    let mut units = Vec::new();
    for u in 0..UNITS {
        let id = OrgId(uuid::Uuid::now_v7());
        directory::add_org(&store, &actor, org(id, Some(top), OrgKind::Unit, format!("U{u}"))).await.unwrap();
        units.push(id);
    }

    let file = dir.path().join("hr.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(out, "national_id,given_names,family_name,email,unit,start,end").unwrap();
    for i in 0..n {
        let fam = family(i * 7919 % 4096);
        let given = GIVEN[(i % 12) as usize];
        writeln!(
            out,
            "{},{given},{fam},{}.{}@bench.example.org,U{},2020-01-01,",
            personnummer(i),
            given.to_lowercase(),
            i,
            i % UNITS
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let opts = ImportOptions {
        scope: top,
        country: Country::Se,
        dry_run: false,
        may_see_protected: false,
        allow_test_ids: false,
        today: time::OffsetDateTime::now_utc().date(),
        actor,
    };
    println!("HR import, SQLite, {n} rows, {UNITS} units");
    for run in ["first import", "same file again"] {
        let started = Instant::now();
        let report =
            directory::import_hr(&store, std::fs::File::open(&file).unwrap(), &opts, &|_| {}).await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        assert!(report.errors.is_empty(), "{:?}", &report.errors[..1]);
        println!(
            "  {run:<16} {secs:>7.1} s  {:>9.0} rows/s  (registered {}, updated {}, unchanged {})",
            n as f64 / secs,
            report.registered,
            report.updated,
            report.unchanged
        );
    }

    println!("person search, {n} persons, 2000 queries each, latency ms");
    let cases: [(&str, bool); 4] = [
        ("name prefix, whole organisation", false),
        ("name prefix, one unit", true),
        ("national id", false),
        ("HSA-id", false),
    ];
    for (label, one_unit) in cases {
        let mut times = Vec::with_capacity(2000);
        for q in 0..2000u64 {
            let text = match label {
                "national id" => personnummer(q * 499 % n),
                "HSA-id" => format!("SE2120000738-{:04}", q * 499 % n + 1),
                _ => {
                    let f = family(q * 31 % 4096).to_lowercase();
                    f.chars().take(3 + (q % 4) as usize).collect()
                }
            };
            let query = PersonQuery {
                text,
                orgs: if one_unit { Some(vec![units[(q % UNITS) as usize]]) } else { None },
                may_see_protected: false,
                limit: 50,
                after: None,
            };
            let started = Instant::now();
            let rows = store.search_persons(&query).await.unwrap();
            times.push(started.elapsed());
            assert!(
                !rows.is_empty() || label == "HSA-id" || one_unit,
                "{label}: {} found nothing",
                query.text
            );
        }
        times.sort();
        println!(
            "  {label:<32} p50 {:>6.2}  p95 {:>6.2}  p99 {:>6.2}",
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 0.99)
        );
    }
}
