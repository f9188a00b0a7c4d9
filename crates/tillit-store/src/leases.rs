//! Leases for timed jobs (uncollected cards, reserve-card reuse, renewal notices, next-day
//! revocation checks, CRL refresh): a job runs only on the node holding its lease. Taking a
//! lease is one conditional write, so two nodes never both hold it; a holder that dies loses
//! it when it expires.
//!
//! Expiry is measured on the database's clock ([`crate::Backend`]'s `now_us_sql`), never the
//! node's: nodes whose clocks disagree still agree on when a lease expired. A holder must
//! renew (take again) its lease well within the TTL while it works; the scheduler renews
//! before every page of records.

use sqlx::Row as _;

use crate::{Store, StoreError};

/// A lease held by this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The job.
    pub name: String,
    /// This node's holder id.
    pub holder: String,
    /// When it expires, microseconds since the epoch.
    pub expires_us: i64,
    /// When the job last finished a run, if it ever did.
    pub last_run_us: Option<i64>,
}

impl Store {
    /// Takes the lease of job `name` for `holder` for `ttl_us`, if it is free, expired, or
    /// already `holder`'s (then it is extended). `None`: another holder has it.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_us: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let now = self.backend.now_us_sql();
        let sql = format!(
            "INSERT INTO job_leases (name, holder, expires_us) VALUES ($1, $2, {now} + $3) \
             ON CONFLICT (name) DO UPDATE SET holder = $2, expires_us = {now} + $3 \
             WHERE job_leases.holder = $2 OR job_leases.expires_us < {now} \
             RETURNING holder, expires_us, last_run_us"
        );
        let row = sqlx::query(&sql).bind(name).bind(holder).bind(ttl_us).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Lease {
            name: name.to_string(),
            holder: row.try_get(0)?,
            expires_us: row.try_get(1)?,
            last_run_us: row.try_get(2)?,
        }))
    }

    /// Records that the job finished a run and gives the lease up, if `holder` still holds
    /// it: it expired a microsecond ago, so another holder may take it at once (the
    /// database clock may read the same microsecond, or millisecond on SQLite, again).
    /// Returns whether it did.
    pub async fn finish_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let now = self.backend.now_us_sql();
        let sql = format!(
            "UPDATE job_leases SET last_run_us = {now}, expires_us = {now} - 1 WHERE name = $1 AND holder = $2"
        );
        let result = sqlx::query(&sql).bind(name).bind(holder).execute(&self.pool).await?;
        Ok(result.rows_affected() == 1)
    }
}
