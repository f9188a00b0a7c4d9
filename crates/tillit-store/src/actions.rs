//! What the API keeps about requests themselves: the answer each idempotency key got, the
//! files routines reference by hash, and the one-time download codes of credential orders.

use sqlx::Row as _;

use crate::ledger::now_us;
use crate::{Store, StoreError, Tx};

/// The answer a request got, kept under its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// SHA-256 (hex) of the method, path and body it answered.
    pub request: String,
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub response: String,
}

/// A stored one-time download code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadCode {
    /// The credential order it downloads.
    pub credential: String,
    /// Its last valid day, ISO 8601.
    pub expires: String,
    /// When it was used, if it was.
    pub used_us: Option<i64>,
}

impl Tx<'_> {
    /// Keeps the answer to `principal`'s request under `key`. `false`: an answer is kept
    /// under that key already (a concurrent retry won); nothing was written.
    pub async fn remember(
        &mut self,
        principal: &str,
        key: &str,
        answer: &Remembered,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO idempotency (principal, key, request, status, response, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(principal)
        .bind(key)
        .bind(&answer.request)
        .bind(i32::from(answer.status))
        .bind(&answer.response)
        .bind(now_us())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps a file under the SHA-256 (hex) of its content; the same content twice is kept
    /// once.
    pub async fn put_file(
        &mut self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ra_files (sha256, media_type, content, created_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(sha256)
        .bind(media_type)
        .bind(content.to_vec())
        .bind(now_us())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Stores the hash of a new one-time download code.
    pub async fn insert_download_code(
        &mut self,
        code_hash: &str,
        credential: &str,
        expires: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO download_codes (code_hash, credential, expires) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(code_hash)
        .bind(credential)
        .bind(expires)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "download code", value: credential.to_string() });
        }
        Ok(())
    }

    /// Marks a download code used. `false`: it was used already (or does not exist);
    /// nothing was written.
    pub async fn use_download_code(&mut self, code_hash: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE download_codes SET used_us = $1 WHERE code_hash = $2 AND used_us IS NULL")
                .bind(now_us())
                .bind(code_hash)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// The answer kept under `principal`'s idempotency key, if any.
    pub async fn remembered(&self, principal: &str, key: &str) -> Result<Option<Remembered>, StoreError> {
        let row = sqlx::query(
            "SELECT request, status, response FROM idempotency WHERE principal = $1 AND key = $2",
        )
        .bind(principal)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let status: i32 = r.try_get(1)?;
            Ok(Remembered {
                request: r.try_get(0)?,
                status: u16::try_from(status).map_err(|_| StoreError::CorruptRow {
                    table: "idempotency",
                    reason: format!("status {status}"),
                })?,
                response: r.try_get(2)?,
            })
        })
        .transpose()
    }

    /// A kept file and its media type.
    pub async fn file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query("SELECT media_type, content FROM ra_files WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The download code with this hash, if any.
    pub async fn download_code(&self, code_hash: &str) -> Result<Option<DownloadCode>, StoreError> {
        let row = sqlx::query("SELECT credential, expires, used_us FROM download_codes WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(DownloadCode { credential: r.try_get(0)?, expires: r.try_get(1)?, used_us: r.try_get(2)? })
        })
        .transpose()
    }
}

/// An audit entry that carries an officer's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    /// The chain.
    pub chain: String,
    /// Its position.
    pub seq: i64,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// When it was recorded, microseconds since the Unix epoch.
    pub time_us: i64,
    /// The officer's signature as stored.
    pub signature: Vec<u8>,
}

/// An audit entry as the offline checks of the passkey registry read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionEntry {
    /// The chain.
    pub chain: String,
    /// Its position.
    pub seq: i64,
    /// When it was recorded, microseconds since the Unix epoch.
    pub time_us: i64,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The details.
    pub payload: serde_json::Value,
}

impl Store {
    /// Every audit entry with an officer's signature, in chain order, for the offline check
    /// of the signatures (R-AUD-1).
    pub async fn signed_entries(&self) -> Result<Vec<SignedEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT chain, seq, actor, action, time_us, actor_signature FROM audit_entries \
             WHERE actor_signature IS NOT NULL ORDER BY chain, seq",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SignedEntry {
                    chain: r.try_get(0)?,
                    seq: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    time_us: r.try_get(4)?,
                    signature: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Every audit entry of these actions (e.g. `passkey.registered`, `passkey.removed`), in
    /// chain order: the passkey registry as `tillit audit verify` checks signatures against it.
    pub async fn entries_with_actions(&self, actions: &[&str]) -> Result<Vec<ActionEntry>, StoreError> {
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=actions.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT chain, seq, time_us, actor, action, payload FROM audit_entries \
             WHERE action IN ({}) ORDER BY chain, seq",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for action in actions {
            query = query.bind(*action);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let payload: String = r.try_get(5)?;
                Ok(ActionEntry {
                    chain: r.try_get(0)?,
                    seq: r.try_get(1)?,
                    time_us: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    action: r.try_get(4)?,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::CorruptRow {
                        table: "audit_entries",
                        reason: format!("payload: {e}"),
                    })?,
                })
            })
            .collect()
    }
}
