//! Fixtures: a store on a fresh database of either backend, and a test audit signer.

use std::sync::Arc;

use ed25519_dalek::{Signer as _, SigningKey};
use sqlx::Connection as _;
use tillit_core::audit::{AuditError, AuditPublicKey, AuditSigner};
use tillit_store::{DatabaseUrl, Store, StoreOptions};

/// An in-memory Ed25519 audit key.
pub struct TestSigner {
    key: SigningKey,
    public: AuditPublicKey,
}

impl TestSigner {
    pub fn new(seed: u8) -> Arc<Self> {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let public = AuditPublicKey::ed25519(key.verifying_key());
        Arc::new(TestSigner { key, public })
    }
}

impl AuditSigner for TestSigner {
    fn public_key(&self) -> &AuditPublicKey {
        &self.public
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuditError> {
        Ok(self.key.sign(message).to_bytes().to_vec())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh, empty database; dropped (PostgreSQL) or deleted (SQLite) with the value.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub engine: Engine,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

pub const POSTGRES_ENV: &str = "TEST_TILLIT_POSTGRES_URL";

impl TestDb {
    /// None when the engine is PostgreSQL and no server was named (a user's machine): the
    /// SQLite leg still runs. `.ci/run` names the server and sets TEST_TILLIT_REQUIRE_POSTGRES.
    pub async fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = DatabaseUrl::sqlite_file(&dir.path().join("tillit.db"));
                Some(TestDb { url, engine, admin: None, _dir: Some(dir) })
            }
            Engine::Postgres => {
                let Ok(admin) = std::env::var(POSTGRES_ENV) else {
                    assert!(
                        std::env::var_os("TEST_TILLIT_REQUIRE_POSTGRES").is_none(),
                        "TEST_TILLIT_REQUIRE_POSTGRES is set but {POSTGRES_ENV} is not"
                    );
                    eprintln!("skipping the PostgreSQL leg: {POSTGRES_ENV} is not set");
                    return None;
                };
                let name = format!("tillit_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
                let url = match admin.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => format!("{admin}/{name}"),
                };
                Some(TestDb { url: url.parse().unwrap(), engine, admin: Some((admin, name)), _dir: None })
            }
        }
    }

    pub async fn store(&self, signer: Arc<TestSigner>) -> Store {
        self.store_with(signer, StoreOptions::default()).await
    }

    pub async fn store_with(&self, signer: Arc<TestSigner>, options: StoreOptions) -> Store {
        Store::open(&self.url, options).await.unwrap().with_signer(signer).await.unwrap()
    }

    /// Runs raw SQL as someone with direct database access would (the tamperer).
    pub async fn tamper(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(self.url.as_str()).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }

    /// Removes the triggers that refuse UPDATE and DELETE on entries, as a tamperer with
    /// direct database access could.
    pub async fn drop_append_only_guard(&self) {
        match self.engine {
            Engine::Sqlite => {
                self.tamper(
                    "DROP TRIGGER audit_entries_append_only_update; DROP TRIGGER audit_entries_append_only_delete;",
                )
                .await
            }
            Engine::Postgres => self.tamper("DROP TRIGGER audit_entries_append_only ON audit_entries").await,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.admin.take() {
            // Best effort on a separate runtime: the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Declares a test that runs once per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident: TestDb) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: $crate::support::TestDb) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::support::TestDb::new($crate::support::Engine::Sqlite).await.unwrap()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::support::TestDb::new($crate::support::Engine::Postgres).await {
                    run(db).await
                }
            }
        }
    };
}
