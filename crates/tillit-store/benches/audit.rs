//! Audit log throughput: durable appends per second (one transaction per batch, every
//! commit synced to disk) and entries verified per second, on SQLite and, when
//! `BENCH_TILLIT_POSTGRES_URL` names a PostgreSQL server, on a fresh PostgreSQL database
//! (dropped afterwards).
//!
//! `cargo bench -p tillit-store --bench audit` prints one line per figure.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::json;
use sqlx::Connection as _;
use tillit_core::audit::{Actor, AuditError, AuditEvent, AuditPublicKey, AuditSigner};
use tillit_store::{DatabaseUrl, Store, StoreOptions, VerifyOptions};

struct Key {
    secret: SigningKey,
    public: AuditPublicKey,
}

impl AuditSigner for Key {
    fn public_key(&self) -> &AuditPublicKey {
        &self.public
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuditError> {
        Ok(self.secret.sign(message).to_bytes().to_vec())
    }
}

fn key() -> Arc<Key> {
    let secret = SigningKey::from_bytes(&[42; 32]);
    let public = AuditPublicKey::ed25519(secret.verifying_key());
    Arc::new(Key { secret, public })
}

fn event(chain: &str, i: u64) -> AuditEvent {
    AuditEvent::new(
        chain,
        Actor::parse("officer:0b7e7a52-2f7c-4a43-9d0e-6f1f2b9c3d11").unwrap(),
        "card.handed_out",
        json!({ "card": format!("card-{i:08}"), "person": "p-5f2d", "document": "passport", "receipt": "r-91" }),
    )
}

/// Appends `total` entries in transactions of `batch`, from `writers` concurrent tasks,
/// each on its own chain. Returns appends per second.
async fn appends(store: &Store, total: u64, batch: u64, writers: u64, tag: &str) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let chain = format!("{tag}-{w}");
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            while done < total / writers {
                let mut tx = store.begin().await.unwrap();
                for _ in 0..batch {
                    tx.append(event(&chain, done)).await.unwrap();
                    done += 1;
                }
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn run(label: &str, url: &DatabaseUrl) {
    let store = Store::open(url, StoreOptions { checkpoint_interval: 1000, max_connections: 8 })
        .await
        .unwrap()
        .with_signer(key())
        .await
        .unwrap();
    for (total, batch, writers) in
        [(2_000, 1, 1), (2_000, 1, 4), (20_000, 10, 1), (50_000, 100, 1), (50_000, 100, 4)]
    {
        let rate = appends(&store, total, batch, writers, &format!("b{batch}w{writers}")).await;
        println!(
            "{label:<10} append  batch {batch:>3}, {writers} writer(s): {total:>6} entries  {rate:>9.0} appends/s"
        );
    }
    let entries: u64 = store.audit_heads().await.unwrap().iter().map(|(_, n)| n).sum();
    for round in 1..=2 {
        let started = Instant::now();
        let report = store.verify_audit(&VerifyOptions::default()).await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(report.fault, None);
        assert_eq!(report.entries, entries);
        println!(
            "{label:<10} verify  round {round}: {entries:>6} entries in {secs:.2} s  {:>9.0} entries/s",
            entries as f64 / secs
        );
    }
    store.close().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        println!("cores: {}", std::thread::available_parallelism().map_or(1, |n| n.get()));
        let dir = tempfile::tempdir().unwrap();
        run("sqlite", &DatabaseUrl::sqlite_file(&dir.path().join("bench.db"))).await;

        if let Ok(admin) = std::env::var("BENCH_TILLIT_POSTGRES_URL") {
            let name = format!("tillit_bench_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            let url: DatabaseUrl = format!("{base}/{name}").parse().unwrap();
            run("postgres", &url).await;
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
        } else {
            println!("postgres   skipped: set BENCH_TILLIT_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres");
        }
    });
}
