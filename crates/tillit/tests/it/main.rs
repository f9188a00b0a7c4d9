//! The `tillit` binary as a user runs it: init, serve, audit verify, id check, and the
//! errors a user meets. Each test gets its own temporary data directory.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sqlx::Connection as _;

mod admin;
mod ca;
mod ca_import;
mod card;
mod demo;
mod directory;
mod faults;
mod passkey_audit;
mod report;
mod tls;

pub(crate) fn tillit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tillit"));
    // The user's own TILLIT_* settings must not leak into the tests.
    for (key, _) in std::env::vars() {
        if key.starts_with("TILLIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "info");
    cmd
}

pub(crate) fn run(args: &[&str]) -> Output {
    tillit().args(args).output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn init(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let out = run(&["init", "--data", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    data
}

pub(crate) fn verify(data: &Path) -> (i32, String) {
    let out = run(&["audit", "verify", "--data", data.to_str().unwrap()]);
    (out.status.code().unwrap(), text(&out.stdout))
}

async fn tamper(data: &Path, sql: &str) {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", data.join("tillit.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

#[test]
fn init_then_verify_then_refuse_a_second_init() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    for file in [".tillit", "tillit.toml", "tillit.db", "keys/audit-key.pem", "keys/audit-key.pub.pem"] {
        assert!(data.join(file).exists(), "{file} missing");
    }
    let (code, out) = verify(&data);
    assert_eq!(code, 0, "{out}");
    // The node (key registered, initialised) and the CA (root and issuing created).
    assert_eq!(out.lines().last(), Some("ok 4 entries"));

    let out = run(&["init", "--data", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("already initialised"), "{err}");
}

#[tokio::test]
async fn verify_names_the_first_bad_entry_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    tamper(
        &data,
        "DROP TRIGGER audit_entries_append_only_update; \
         UPDATE audit_entries SET payload = '{}' WHERE chain = 'system' AND seq = 2;",
    )
    .await;
    let (code, out) = verify(&data);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().last(),
        Some("FAILED: chain system entry 2: hash does not match the entry's content (the entry was altered)")
    );
}

#[test]
fn verify_with_a_pinned_key_rejects_a_foreign_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    let other = tempfile::tempdir().unwrap();
    let other_data = init(other.path());
    let own_key = data.join("keys/audit-key.pub.pem");
    let foreign_key = other_data.join("keys/audit-key.pub.pem");
    let out = run(&[
        "audit",
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--trusted-key",
        own_key.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = run(&[
        "audit",
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--trusted-key",
        foreign_key.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("unknown or untrusted key"), "{}", text(&out.stdout));
}

/// `tillit serve` on a free port of 127.0.0.1; its address (`http://…`) once it listens. The
/// rest of its log is drained in the background.
pub(crate) fn serve(data: &Path) -> (std::process::Child, String) {
    let mut child = tillit()
        .args(["serve", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("TILLIT_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("serve stopped before it listened").unwrap();
        if line.contains("tillit is serving") {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            break v["fields"]["address"].as_str().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

/// Stops a served node as an operator would (SIGTERM) and checks it stopped cleanly.
pub(crate) fn stop(mut child: std::process::Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // A missing data directory is initialised on first start.
    let data = dir.path().join("fresh");
    let (child, address) = serve(&data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::get(format!("{address}/readyz")).await.unwrap();
        assert_eq!(r.status(), 200);
        let r = reqwest::get(format!("{address}/api/v1/nothing")).await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    });
    stop(child);
    assert_eq!(verify(&data).0, 0);
}

#[test]
fn an_unknown_config_key_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    let mut f = std::fs::OpenOptions::new().append(true).open(data.join("tillit.toml")).unwrap();
    writeln!(f, "lisen = \"127.0.0.1:9999\"").unwrap();
    let out = run(&["serve", "--data", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("lisen") && err.contains("tillit.toml"), "{err}");
}

#[test]
fn an_unreachable_database_is_one_clear_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tillit()
        .args(["init", "--data", data.to_str().unwrap()])
        .env("TILLIT_DATABASE_URL", "postgres://tillit:secret@127.0.0.1:1/tillit")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot open database postgres://tillit:***@127.0.0.1:1/tillit"), "{err}");
    assert!(!err.contains("secret"));
    assert!(!data.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "staging left behind");
}

#[test]
fn a_foreign_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("payroll.csv"), "x").unwrap();
    for cmd in ["init", "serve"] {
        let out = run(&[cmd, "--data", dir.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("not a tillit data directory"), "{}", text(&out.stderr));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn id_check_writes_one_line_per_input_line() {
    let mut child = tillit()
        .args(["id", "check", "--country", "no"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"15076500565\n\n15076500566\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let out = text(&out.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["valid\t15076500565", "invalid\tempty", lines[2]]);
    assert!(lines[2].starts_with("invalid\t"), "{}", lines[2]);
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["serve", "--help"],
        vec!["id", "check", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["demo", "--help"],
        vec!["admin", "create", "--help"],
        vec!["admin", "enrol-link", "--help"],
        vec!["card", "enroll", "--help"],
        vec!["report", "--help"],
        vec!["jobs", "run", "--help"],
        vec!["org", "add", "--help"],
        vec!["import", "hr", "--help"],
        vec!["role", "grant", "--help"],
        vec!["principal", "bind", "--help"],
    ] {
        let out = run(&args);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: tillit"), "{args:?}: {help}");
    }
}

#[test]
fn a_missing_passphrase_file_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-passphrase");
    let out = tillit()
        .args(["init", "--data", dir.path().join("data").to_str().unwrap()])
        .env("TILLIT_KEY_PASSPHRASE_FILE", &missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("no-such-passphrase"), "{said}");
    assert_eq!(said.matches("os error 2").count(), 1, "{said}");
    assert!(!dir.path().join("data").exists());
}
