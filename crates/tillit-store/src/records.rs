//! The routines' records: each card, reserve card, PUK order, credential or revocation
//! request is its routine's state as JSON, with the columns that lists, reports and timed
//! jobs query. Writes are versioned: an update names the version it read, and a record that
//! changed since is refused with [`StoreError::Conflict`], so concurrent officers (or nodes)
//! never overwrite each other's decisions. Every write goes through a [`Tx`] with the
//! routine's audit events.

use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row as _;
use tillit_core::ra::{OrgId, PersonId};
use time::Date;

use crate::ledger::now_us;
use crate::{Store, StoreError, Tx};

/// One stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<T> {
    /// The kind (`card`, `reserve_card`, `puk_order`, `credential`, `revocation`).
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// The person it belongs to, if any.
    pub person: Option<PersonId>,
    /// The unit it belongs to, if any.
    pub org: Option<OrgId>,
    /// Its status, as the routine names it.
    pub status: String,
    /// The date a timed job looks at, if any.
    pub due: Option<Date>,
    /// The routine's state.
    pub state: T,
    /// The version read (0 for a record not yet stored).
    pub version: i64,
}

pub(crate) fn text_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month() as u8, date.day())
}

fn parse_date(text: &str) -> Result<Date, StoreError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format)
        .map_err(|_| StoreError::CorruptRow { table: "ra_records", reason: format!("date {text:?}") })
}

fn corrupt(reason: String) -> StoreError {
    StoreError::CorruptRow { table: "ra_records", reason }
}

pub(crate) const COLUMNS: &str = "id, person, org, status, due, state, version";

pub(crate) fn record_row<T: DeserializeOwned>(
    kind: &'static str,
    row: &AnyRow,
) -> Result<Record<T>, StoreError> {
    let person: Option<String> = row.try_get(1)?;
    let org: Option<String> = row.try_get(2)?;
    let due: Option<String> = row.try_get(4)?;
    let state: String = row.try_get(5)?;
    let uuid = |text: String| uuid::Uuid::from_str(&text).map_err(|_| corrupt(format!("id {text:?}")));
    Ok(Record {
        kind,
        id: row.try_get(0)?,
        person: person.map(uuid).transpose()?.map(PersonId),
        org: org.map(uuid).transpose()?.map(OrgId),
        status: row.try_get(3)?,
        due: due.as_deref().map(parse_date).transpose()?,
        state: serde_json::from_str(&state).map_err(|e| corrupt(format!("{kind} state: {e}")))?,
        version: row.try_get(6)?,
    })
}

fn state_json<T: Serialize>(record: &Record<T>) -> Result<String, StoreError> {
    serde_json::to_string(&record.state).map_err(|e| corrupt(format!("{} state: {e}", record.kind)))
}

impl Tx<'_> {
    /// Stores a new record at version 1. An id of this kind that exists is refused with
    /// [`StoreError::Duplicate`].
    pub async fn insert_record<T: Serialize>(&mut self, record: &Record<T>) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO ra_records (kind, id, person, org, status, due, state, version, updated_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) ON CONFLICT DO NOTHING",
        )
        .bind(record.kind)
        .bind(&record.id)
        .bind(record.person.map(|p| p.to_string()))
        .bind(record.org.map(|o| o.to_string()))
        .bind(&record.status)
        .bind(record.due.map(text_date))
        .bind(state_json(record)?)
        .bind(now_us())
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: record.kind, value: record.id.clone() });
        }
        Ok(())
    }

    /// Stores a changed record if it is still at the version read (`record.version`), and
    /// returns the new version; otherwise [`StoreError::Conflict`] and nothing is written.
    pub async fn update_record<T: Serialize>(&mut self, record: &Record<T>) -> Result<i64, StoreError> {
        let result = sqlx::query(
            "UPDATE ra_records SET person = $1, org = $2, status = $3, due = $4, state = $5, \
             version = version + 1, updated_us = $6 WHERE kind = $7 AND id = $8 AND version = $9",
        )
        .bind(record.person.map(|p| p.to_string()))
        .bind(record.org.map(|o| o.to_string()))
        .bind(&record.status)
        .bind(record.due.map(text_date))
        .bind(state_json(record)?)
        .bind(now_us())
        .bind(record.kind)
        .bind(&record.id)
        .bind(record.version)
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Conflict { kind: record.kind.to_string(), id: record.id.clone() });
        }
        Ok(record.version + 1)
    }
}

impl Store {
    /// The record `kind`/`id`.
    pub async fn record<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        id: &str,
    ) -> Result<Option<Record<T>>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM ra_records WHERE kind = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(kind).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| record_row(kind, &r)).transpose()
    }

    /// Every record of `kind` belonging to `person`.
    pub async fn records_of_person<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        person: PersonId,
    ) -> Result<Vec<Record<T>>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM ra_records WHERE person = $1 AND kind = $2 ORDER BY id");
        let rows = sqlx::query(&sql).bind(person.to_string()).bind(kind).fetch_all(&self.pool).await?;
        rows.iter().map(|r| record_row(kind, r)).collect()
    }

    /// One page of the records of `kind` kept by the unit `org` (its `org` column), in one of
    /// `statuses` (empty: any), in id order after the id `after` (`None`: from the start), at
    /// most `limit` (1 to 1000): the API's lists of one unit's records, paged by the last id
    /// seen. Scope (R-ORG-1) is the caller's check on `org`.
    pub async fn records_of_org<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        org: OrgId,
        statuses: &[&str],
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Record<T>>, StoreError> {
        let mut sql = crate::people::Sql { text: String::new(), binds: Vec::new() };
        let kind_param = sql.param(kind);
        let org_param = sql.param(&org.to_string());
        let mut text =
            format!("SELECT {COLUMNS} FROM ra_records WHERE kind = {kind_param} AND org = {org_param}");
        if !statuses.is_empty() {
            let list: Vec<String> = statuses.iter().map(|s| sql.param(s)).collect();
            text.push_str(&format!(" AND status IN ({})", list.join(", ")));
        }
        if let Some(after) = after {
            let after = sql.param(after);
            text.push_str(&format!(" AND id > {after}"));
        }
        text.push_str(&format!(" ORDER BY id LIMIT {}", limit.clamp(1, 1_000)));
        sql.text = text;
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(|r| record_row(kind, r)).collect()
    }

    /// The records of `kind` in `status` whose due date is on or before `day`, for a timed
    /// job, at most `limit`, oldest first.
    pub async fn records_due<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        status: &str,
        day: Date,
        limit: u32,
    ) -> Result<Vec<Record<T>>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM ra_records WHERE kind = $1 AND status = $2 AND due IS NOT NULL AND due <= $3 \
             ORDER BY due, id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let rows =
            sqlx::query(&sql).bind(kind).bind(status).bind(text_date(day)).fetch_all(&self.pool).await?;
        rows.iter().map(|r| record_row(kind, r)).collect()
    }
}
