use tillit_core::audit::{AuditError, KeyFormatError};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names a scheme tillit does not support.
    #[error("database URL {0}: only sqlite: and postgres: URLs are supported")]
    UnsupportedUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot open database {url}: {reason}")]
    Connect {
        /// The URL, with any password removed.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// A migration failed; the database was left as the migration's transaction found it.
    #[error("cannot migrate database {url}: {reason}")]
    Migrate {
        /// The URL, with any password removed.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The store was opened without an audit signer, so it cannot record state changes.
    #[error("this store was opened for reading only (no audit key); it cannot record changes")]
    ReadOnly,
    /// The audit event is malformed, or the node's signer failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A stored audit key cannot be read.
    #[error("audit key {key_id}: {source}")]
    StoredKey {
        /// The key's id.
        key_id: String,
        /// What is wrong.
        source: KeyFormatError,
    },
    /// A unique value exists already; nothing was written.
    #[error("{what} {value} exists already")]
    Duplicate {
        /// What kind of value.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The record changed since it was read (another officer or node acted on it first);
    /// nothing was written. Read it again and decide anew.
    #[error("{kind} {id} was changed by someone else since it was read; nothing was written")]
    Conflict {
        /// The kind of record.
        kind: String,
        /// Its id.
        id: String,
    },
    /// A stored row has a value outside its type (e.g. a hash that is not 32 bytes).
    #[error("corrupt row in {table}: {reason}")]
    CorruptRow {
        /// The table.
        table: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl StoreError {
    /// True when the database could not be reached (as opposed to refusing a query): the
    /// caller may retry later, and a health check reports the node not ready.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Connect { .. } => true,
            StoreError::Database(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::Tls(_)
                )
            }
            _ => false,
        }
    }
}
