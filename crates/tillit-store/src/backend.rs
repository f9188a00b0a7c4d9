//! The one place where SQLite and PostgreSQL differ: URLs, connection set-up, migrations,
//! and row locks.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor as _};

use crate::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A database URL that tillit can open: `sqlite://PATH` or `postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// The SQLite file at `path`, created if missing.
    pub fn sqlite_file(path: &Path) -> Self {
        DatabaseUrl { url: format!("sqlite://{}?mode=rwc", path.display()), backend: Backend::Sqlite }
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as the driver takes it.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    pub fn redacted(&self) -> String {
        redact(&self.url)
    }
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    let Some((userinfo, host)) = authority.rsplit_once('@') else { return url.to_owned() };
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    let sep = if tail.is_empty() && !rest.contains('/') { "" } else { "/" };
    if userinfo.contains(':') {
        format!("{scheme}://{user}:***@{host}{sep}{tail}")
    } else {
        format!("{scheme}://{user}@{host}{sep}{tail}")
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(url: &str) -> Result<Self, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        Ok(DatabaseUrl { url: url.to_owned(), backend })
    }
}

impl Backend {
    /// Appended to a `SELECT` that must lock the rows it reads until commit. SQLite needs
    /// none: its write transactions ([`Backend::begin_statement`]) are serialised.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// How a write transaction starts. SQLite takes the write lock up front, so a
    /// transaction that reads before it writes never fails to upgrade.
    pub(crate) fn begin_statement(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// The database's clock, microseconds since the Unix epoch, as an SQL expression. Leases
    /// and the outbox's retry times are compared with it, so nodes whose clocks drift apart
    /// still agree on when a lease expired or a message is due: all of them read the one
    /// clock of the database server.
    pub(crate) fn now_us_sql(self) -> &'static str {
        match self {
            // julianday('now') has millisecond precision; 2440587.5 is the Unix epoch.
            Backend::Sqlite => "CAST(ROUND((julianday('now') - 2440587.5) * 86400000000.0) AS BIGINT)",
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Opens a pool on `url` and brings the schema up to date.
pub(crate) async fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<AnyPool, StoreError> {
    sqlx::any::install_default_drivers();
    let connect_error = |e: sqlx::Error| StoreError::Connect { url: url.redacted(), reason: e.to_string() };
    let options = AnyConnectOptions::from_str(url.as_str()).map_err(connect_error)?;
    let mut pool =
        AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
    if url.backend == Backend::Sqlite {
        pool = pool.after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; FULL makes every commit durable.
                // A 64 MiB page cache per connection keeps the directory's indexes in memory
                // (the default 2 MiB made a million-person HR import disk-bound).
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA cache_size = -65536;",
                )
                .await?;
                Ok(())
            })
        });
    }
    let pool = pool.connect_with(options).await.map_err(connect_error)?;
    url.backend
        .migrator()
        .run(&pool)
        .await
        .map_err(|e| StoreError::Migrate { url: url.redacted(), reason: e.to_string() })?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://u:secret@db:5432/tillit"), "postgres://u:***@db:5432/tillit");
        assert_eq!(redact("postgres://u@db/tillit"), "postgres://u@db/tillit");
        assert_eq!(redact("postgres://db/tillit"), "postgres://db/tillit");
        assert_eq!(redact("postgres://u:p@w:rd@db"), "postgres://u:***@db");
        let err = "mysql://u:secret@db/x".parse::<DatabaseUrl>().unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!("sqlite://x.db".parse::<DatabaseUrl>().unwrap().backend(), Backend::Sqlite);
        assert_eq!("postgres://h/db".parse::<DatabaseUrl>().unwrap().backend(), Backend::Postgres);
        assert_eq!("postgresql://h/db".parse::<DatabaseUrl>().unwrap().backend(), Backend::Postgres);
    }
}
