//! Faults during issuance: a `kill -9` in the middle of a burst, and two processes issuing
//! at once (on PostgreSQL in `.ci/run`). Afterwards no serial appears twice, every
//! certificate has its audit entry and every reported one is there, and the log verifies.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use sqlx::{Connection as _, Row as _};

use crate::{run, text, tillit, verify};

fn make_csr(dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
        .args(["-keyout", "k.pem", "-subj", "/CN=burst.example.org", "-out", "burst.csr"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join("burst.csr").to_str().unwrap().to_owned()
}

/// `tillit ca issue` of `n` certificates from the same request into `out`.
fn burst(data: &Path, csr: &str, n: usize, out: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = tillit();
    cmd.args(["ca", "issue", "--data", data.to_str().unwrap(), "--profile", "function", "--days", "1"]);
    for _ in 0..n {
        cmd.args(["--csr", csr]);
    }
    cmd.args(["--out-dir", out.to_str().unwrap()]);
    cmd.envs(env.iter().copied());
    cmd
}

/// The function certificates' serials (all distinct, or the test fails), and the serials of
/// the `certificate.issued` audit entries.
async fn recorded(url: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT serial FROM certificates WHERE profile = 'function'")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let serials: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let distinct: BTreeSet<String> = serials.iter().cloned().collect();
    assert_eq!(distinct.len(), serials.len(), "a serial appears twice");
    let rows = sqlx::query("SELECT payload FROM audit_entries WHERE action = 'certificate.issued'")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let audited = rows
        .iter()
        .map(|r| {
            let payload: String = r.get(0);
            let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
            v["serial"].as_str().unwrap().to_owned()
        })
        .collect();
    conn.close().await.unwrap();
    (distinct, audited)
}

#[test]
fn kill_9_during_an_issuance_burst_loses_nothing_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let data = crate::init(tmp.path());
    let csr = make_csr(tmp.path());
    let out = tmp.path().join("out");
    let mut child =
        burst(&data, &csr, 400, &out, &[]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut reported = BTreeSet::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while reported.len() < 40 {
        let line = lines.next().expect("the burst ended before it was killed").unwrap();
        reported.insert(line.split_whitespace().nth(2).unwrap().to_owned());
    }
    let status = Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    child.wait().unwrap();
    // Lines written before the kill were reported too.
    for line in lines.map_while(Result::ok) {
        if let Some(serial) = line.split_whitespace().nth(2) {
            reported.insert(serial.to_owned());
        }
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", data.join("tillit.db").display());
    let (certificates, audited) = rt.block_on(recorded(&url));
    assert!(certificates.len() < 400, "the burst was not interrupted");
    assert_eq!(certificates, audited, "every certificate has its audit entry, and no entry lacks one");
    assert!(reported.is_subset(&certificates), "a certificate reported as issued was lost");
    let (code, said) = verify(&data);
    assert_eq!(code, 0, "{said}");

    // The node works on after the restart.
    let again = run(&[
        "ca",
        "issue",
        "--data",
        data.to_str().unwrap(),
        "--profile",
        "function",
        "--csr",
        &csr,
        "--out",
        tmp.path().join("after.pem").to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(verify(&data).0, 0);
}

/// Two processes issuing at once on one database: PostgreSQL when TEST_TILLIT_POSTGRES_URL
/// names a server (`.ci/run`), else the SQLite file.
#[test]
fn two_processes_issuing_at_once_never_share_a_serial() {
    let tmp = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let postgres = std::env::var("TEST_TILLIT_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    let (url, db) = match &postgres {
        Some(admin) => {
            let name = format!("tillit_two_{}", std::process::id());
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            });
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), Some(name))
        }
        None => {
            assert!(
                std::env::var_os("TEST_TILLIT_REQUIRE_POSTGRES").is_none(),
                "TEST_TILLIT_REQUIRE_POSTGRES is set but TEST_TILLIT_POSTGRES_URL is not"
            );
            (String::new(), None)
        }
    };
    let data = tmp.path().join("data");
    let mut args = vec!["init", "--data", data.to_str().unwrap()];
    if db.is_some() {
        args.extend(["--database-url", &url]);
    }
    let out = run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = if db.is_some() { url } else { format!("sqlite://{}", data.join("tillit.db").display()) };

    let csr = make_csr(tmp.path());
    let children: Vec<_> = (0..2)
        .map(|i| {
            burst(&data, &csr, 60, &tmp.path().join(format!("out{i}")), &[])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let (certificates, audited) = rt.block_on(recorded(&url));
    assert_eq!(certificates.len(), 120);
    assert_eq!(certificates, audited);
    let (code, said) = verify(&data);
    assert_eq!(code, 0, "{said}");

    if let (Some(admin), Some(name)) = (&postgres, db) {
        rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
        });
    }
}
