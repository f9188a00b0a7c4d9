//! Several processes on one database, and a process killed mid-append.
//!
//! The test binary re-runs itself as the writer process: `processes::child` does the
//! appending when `TEST_TILLIT_CHILD_URL` is set and is otherwise skipped.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent};
use tillit_store::{DatabaseUrl, Store, StoreOptions, VerifyOptions};

use crate::both_backends;
use crate::support::TestSigner;

const URL_ENV: &str = "TEST_TILLIT_CHILD_URL";
const COUNT_ENV: &str = "TEST_TILLIT_CHILD_COUNT";

/// The writer process: appends COUNT events to chain `org-a` (forever when COUNT is 0), one
/// transaction each, and prints `committed <seq>` after each commit.
#[tokio::test]
#[ignore = "helper process for the multi-process tests, started by them"]
async fn child() {
    let Ok(url) = std::env::var(URL_ENV) else { return };
    let count: u64 = std::env::var(COUNT_ENV).unwrap().parse().unwrap();
    let url: DatabaseUrl = url.parse().unwrap();
    let store = Store::open(&url, StoreOptions { checkpoint_interval: 10, max_connections: 2 })
        .await
        .unwrap()
        .with_signer(TestSigner::new(1))
        .await
        .unwrap();
    let mut i = 0;
    while count == 0 || i < count {
        i += 1;
        let receipt = store
            .append(AuditEvent::new(
                "org-a",
                Actor::system("writer"),
                "test.appended",
                json!({ "pid": std::process::id(), "i": i }),
            ))
            .await
            .unwrap();
        println!("committed {}", receipt.seq);
    }
}

fn spawn_writer(url: &DatabaseUrl, count: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "processes::child", "--include-ignored", "--nocapture", "--test-threads=1"])
        .env(URL_ENV, url.as_str())
        .env(COUNT_ENV, count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn verify(url: &DatabaseUrl) -> tillit_store::VerifyReport {
    let store = Store::open(url, StoreOptions::default()).await.unwrap();
    let report = store.verify_audit(&VerifyOptions::default()).await.unwrap();
    store.close().await;
    report
}

both_backends! {
    async fn two_processes_append_to_one_chain(db: TestDb) {
        // Register the key first so both writers only append.
        db.store(TestSigner::new(1)).await.close().await;
        let mut writers = [spawn_writer(&db.url, 150), spawn_writer(&db.url, 150)];
        for w in &mut writers {
            let status = w.wait().unwrap();
            assert!(status.success(), "writer failed: {status}");
        }
        let report = verify(&db.url).await;
        assert_eq!(report.fault, None);
        assert_eq!(report.entries, 301, "150 + 150 appends and the key registration");
        assert_eq!(report.checkpoints, 30);
    }
}

both_backends! {
    async fn kill_9_mid_append_loses_nothing_accepted(db: TestDb) {
        db.store(TestSigner::new(1)).await.close().await;
        let mut writer = spawn_writer(&db.url, 0);
        let stdout = writer.stdout.take().unwrap();
        let mut last_committed = 0u64;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(seq) = line.strip_prefix("committed ") {
                last_committed = seq.parse().unwrap();
                if last_committed >= 200 {
                    break;
                }
            }
        }
        // SIGKILL: no destructor, no rollback, no flush; the writer is mid-way through its next append.
        writer.kill().unwrap();
        writer.wait().unwrap();
        let report = verify(&db.url).await;
        assert_eq!(report.fault, None);
        let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
        let heads = store.audit_heads().await.unwrap();
        let org_a = heads.iter().find(|(c, _)| c == "org-a").unwrap().1;
        assert!(org_a >= last_committed, "entry {last_committed} was reported committed, the chain has {org_a}");
        // The store takes new appends after the crash, continuing the chain.
        let store = store.with_signer(TestSigner::new(1)).await.unwrap();
        let next = store.append(AuditEvent::new("org-a", Actor::system("t"), "test.appended", json!({}))).await.unwrap();
        assert_eq!(next.seq, org_a + 1);
        assert_eq!(verify(&db.url).await.fault, None);
    }
}
