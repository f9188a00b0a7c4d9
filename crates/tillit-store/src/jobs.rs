//! What the timed jobs read besides the records themselves: the due records of a kind and
//! status, a page at a time in a stable order, so a job walks past records it looked at and
//! left as they were (a record due today that its routine acts on only tomorrow) instead of
//! reading them again and again.

use sqlx::Row as _;
use time::Date;

use crate::{Store, StoreError};

/// Where a due record stands in the order the jobs walk: by due date, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DueKey {
    /// Its due date.
    pub due: Date,
    /// Its id.
    pub id: String,
}

fn text_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month() as u8, date.day())
}

fn parse_date(text: &str) -> Result<Date, StoreError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format)
        .map_err(|_| StoreError::CorruptRow { table: "ra_records", reason: format!("date {text:?}") })
}

impl Store {
    /// The keys of the records of `kind` in `status` due on or before `day`, after `after`
    /// in (due, id) order (from the first when `None`), at most `limit`. Load each with
    /// [`Store::record`] and write it back with its version ([`crate::Tx::update_record`]).
    pub async fn due_record_keys(
        &self,
        kind: &str,
        status: &str,
        day: Date,
        after: Option<&DueKey>,
        limit: u32,
    ) -> Result<Vec<DueKey>, StoreError> {
        let (after_due, after_id) = match after {
            Some(key) => (text_date(key.due), key.id.clone()),
            None => (String::new(), String::new()),
        };
        let sql = format!(
            "SELECT due, id FROM ra_records WHERE kind = $1 AND status = $2 AND due IS NOT NULL \
             AND due <= $3 AND (due > $4 OR (due = $4 AND id > $5)) ORDER BY due, id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let rows = sqlx::query(&sql)
            .bind(kind)
            .bind(status)
            .bind(text_date(day))
            .bind(after_due)
            .bind(after_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let due: String = row.try_get(0)?;
                Ok(DueKey { due: parse_date(&due)?, id: row.try_get(1)? })
            })
            .collect()
    }
}

/// An audit entry as the jobs' reports read it: what was done, by whom, with what.
#[derive(Debug, Clone, PartialEq)]
pub struct EntrySummary {
    /// Its position in the chain.
    pub seq: i64,
    /// Who did it.
    pub actor: String,
    /// What was done (`card.destroyed`).
    pub action: String,
    /// The details (ids, codes, dates: never a protected name or address, R-PER-3).
    pub payload: serde_json::Value,
}

impl Store {
    /// The entries of `chain` after `after_seq`, in order, at most `limit`: what a run of the
    /// timed jobs recorded.
    pub async fn audit_entries_after(
        &self,
        chain: &str,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<EntrySummary>, StoreError> {
        let sql = format!(
            "SELECT seq, actor, action, payload FROM audit_entries WHERE chain = $1 AND seq > $2 \
             ORDER BY seq LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let rows = sqlx::query(&sql).bind(chain).bind(after_seq).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let payload: String = row.try_get(3)?;
                Ok(EntrySummary {
                    seq: row.try_get(0)?,
                    actor: row.try_get(1)?,
                    action: row.try_get(2)?,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::CorruptRow {
                        table: "audit_entries",
                        reason: format!("payload: {e}"),
                    })?,
                })
            })
            .collect()
    }
}
