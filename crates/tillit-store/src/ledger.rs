//! The store handle and its write transactions, which append to the audit log.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AnyPool, Row as _};
use tillit_core::audit::{
    canonical_json, entry_signing_message, Actor, AuditEvent, AuditSigner, Checkpoint, EntryFields, Hash,
    GENESIS, SYSTEM_CHAIN,
};
use time::OffsetDateTime;

use crate::backend::{self, Backend, DatabaseUrl};
use crate::StoreError;

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// A signed checkpoint is written every this many entries of a chain.
    pub checkpoint_interval: u64,
    /// The most connections the pool opens.
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { checkpoint_interval: 1000, max_connections: 8 }
    }
}

/// The store: a connection pool on SQLite or PostgreSQL, with the node's audit key when it
/// may record changes. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    signer: Option<Arc<dyn AuditSigner>>,
    options: StoreOptions,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("signer", &self.signer.as_ref().map(|s| s.public_key().id().to_owned()))
            .finish_non_exhaustive()
    }
}

/// What an append gives back: where the entry stands in its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The chain.
    pub chain: String,
    /// The entry's position.
    pub seq: u64,
    /// The entry's hash.
    pub hash: Hash,
    /// When it was recorded, microseconds since the Unix epoch.
    pub time_us: i64,
}

impl Store {
    /// Opens the database at `url` and runs pending migrations. The store can read and
    /// verify; call [`Store::with_signer`] before recording changes.
    pub async fn open(url: &DatabaseUrl, options: StoreOptions) -> Result<Store, StoreError> {
        let pool = backend::connect(url, options.max_connections).await?;
        Ok(Store { pool, backend: url.backend(), signer: None, options })
    }

    /// Gives the store the node's audit key. A key the database has not seen is registered,
    /// recorded in the system chain in the same transaction (`audit.key_registered`).
    pub async fn with_signer(mut self, signer: Arc<dyn AuditSigner>) -> Result<Store, StoreError> {
        let key = signer.public_key().clone();
        self.signer = Some(signer);
        let mut tx = self.begin().await?;
        // ON CONFLICT: two nodes starting at once with the same key register it once.
        let inserted = sqlx::query(
            "INSERT INTO audit_keys (key_id, algorithm, public_key, created_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(key.id())
        .bind(key.algorithm())
        .bind(key.to_bytes())
        .bind(now_us())
        .execute(tx.conn())
        .await?
        .rows_affected();
        if inserted == 1 {
            tx.append(AuditEvent::new(
                SYSTEM_CHAIN,
                Actor::system("keystore"),
                "audit.key_registered",
                json!({ "key_id": key.id(), "algorithm": key.algorithm(), "public_key": hex::encode(key.to_bytes()) }),
            ))
            .await?;
            tx.commit().await?;
            tracing::info!(key_id = key.id(), "registered the node's audit key");
        } else {
            tx.rollback().await?;
        }
        Ok(self)
    }

    /// The engine underneath.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The options it was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. Everything done through it, audit entries and table
    /// changes, commits together or not at all.
    pub async fn begin(&self) -> Result<Tx<'_>, StoreError> {
        let signer = self.signer.as_deref().ok_or(StoreError::ReadOnly)?;
        let tx = self.pool.begin_with(self.backend.begin_statement()).await?;
        Ok(Tx { tx, store: self, signer, heads: BTreeMap::new() })
    }

    /// Records one event in its own transaction.
    pub async fn append(&self, event: AuditEvent) -> Result<Receipt, StoreError> {
        let mut tx = self.begin().await?;
        let receipt = tx.append(event).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// The number of entries in every chain, from the chain heads.
    pub async fn audit_heads(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows =
            sqlx::query("SELECT chain, seq FROM audit_heads ORDER BY chain").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, to_u64(r.try_get::<i64, _>(1)?, "audit_heads")?)))
            .collect()
    }
}

/// The head of a chain as locked by a transaction.
#[derive(Debug, Clone, Copy)]
struct Head {
    seq: u64,
    hash: Hash,
    changed: bool,
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx<'s> {
    tx: sqlx::Transaction<'static, Any>,
    store: &'s Store,
    signer: &'s dyn AuditSigner,
    heads: BTreeMap<String, Head>,
}

impl Tx<'_> {
    /// The engine underneath.
    pub fn backend(&self) -> Backend {
        self.store.backend
    }

    /// The connection, for the table changes that go with the audit entries.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Takes the chain's head under a row lock for the rest of the transaction, so that
    /// concurrent writers (other connections, other nodes) queue behind it and never fork
    /// the chain or reuse a sequence number.
    async fn lock_head(&mut self, chain: &str) -> Result<Head, StoreError> {
        if let Some(head) = self.heads.get(chain) {
            return Ok(*head);
        }
        sqlx::query(
            "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
        )
        .bind(chain)
        .bind(GENESIS.to_vec())
        .execute(&mut *self.tx)
        .await?;
        let sql =
            format!("SELECT seq, hash FROM audit_heads WHERE chain = $1{}", self.store.backend.for_update());
        let row = sqlx::query(&sql).bind(chain).fetch_one(&mut *self.tx).await?;
        let head = Head {
            seq: to_u64(row.try_get::<i64, _>(0)?, "audit_heads")?,
            hash: to_hash(&row, 1, "audit_heads")?,
            changed: false,
        };
        self.heads.insert(chain.to_owned(), head);
        Ok(head)
    }

    /// Appends an event to its chain: the next sequence number, linked to the previous
    /// entry, hashed, signed by the node; and a signed checkpoint every
    /// `checkpoint_interval` entries.
    pub async fn append(&mut self, event: AuditEvent) -> Result<Receipt, StoreError> {
        event.validate()?;
        let head = self.lock_head(&event.chain).await?;
        let seq = head.seq + 1;
        let time_us = now_us();
        let payload = canonical_json(&event.payload);
        let key_id = self.signer.public_key().id();
        let fields = EntryFields {
            chain: &event.chain,
            seq,
            prev_hash: &head.hash,
            time_us,
            actor: event.actor.as_str(),
            action: &event.action,
            payload: &payload,
            actor_signature: event.actor_signature.as_deref(),
            key_id,
        };
        let hash = fields.hash();
        let signature = self.signer.sign(&entry_signing_message(&hash))?;
        sqlx::query(
            "INSERT INTO audit_entries (chain, seq, prev_hash, time_us, actor, action, payload, \
             actor_signature, key_id, node_signature, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&event.chain)
        .bind(to_i64(seq))
        .bind(head.hash.to_vec())
        .bind(time_us)
        .bind(event.actor.as_str())
        .bind(&event.action)
        .bind(&payload)
        .bind(event.actor_signature.clone())
        .bind(key_id)
        .bind(signature)
        .bind(hash.to_vec())
        .execute(&mut *self.tx)
        .await?;
        // The records the entry is about, for their history (audit_subjects).
        self.index_subjects(&event.payload, &event.chain, to_i64(seq)).await?;

        if seq % self.store.options.checkpoint_interval.max(1) == 0 {
            let message = Checkpoint::signing_message(&event.chain, seq, &hash, time_us, key_id);
            let signature = self.signer.sign(&message)?;
            sqlx::query(
                "INSERT INTO audit_checkpoints (chain, seq, hash, time_us, key_id, signature) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&event.chain)
            .bind(to_i64(seq))
            .bind(hash.to_vec())
            .bind(time_us)
            .bind(key_id)
            .bind(signature)
            .execute(&mut *self.tx)
            .await?;
        }

        self.heads.insert(event.chain.clone(), Head { seq, hash, changed: true });
        Ok(Receipt { chain: event.chain, seq, hash, time_us })
    }

    /// Moves the heads of the chains this transaction appended to, then commits. Only
    /// after this returns is anything recorded.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        for (chain, head) in &self.heads {
            if head.changed {
                sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3")
                    .bind(to_i64(head.seq))
                    .bind(head.hash.to_vec())
                    .bind(chain)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons the transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

pub(crate) fn now_us() -> i64 {
    let now = OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Sequence numbers are u64 in the domain and BIGINT in the database; a chain would need
/// 2^63 entries to overflow, so saturating here is unreachable in practice.
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(v: i64, table: &'static str) -> Result<u64, StoreError> {
    u64::try_from(v)
        .map_err(|_| StoreError::CorruptRow { table, reason: format!("negative sequence number {v}") })
}

pub(crate) fn to_hash(row: &AnyRow, index: usize, table: &'static str) -> Result<Hash, StoreError> {
    let bytes: Vec<u8> = row.try_get(index)?;
    bytes.as_slice().try_into().map_err(|_| StoreError::CorruptRow {
        table,
        reason: format!("a hash has {} bytes, not 32", bytes.len()),
    })
}
