//! What the RA's reports read (R-CARD-8, R-CRED-6, R-PER-4, R-PER-5, R-RES-1, R-CARD-9):
//! the routines' records of one kind within a set of units, a page at a time so a report
//! over a million records never holds them all; the persons those records name, with their
//! employments; and the subjects of issued certificates.
//!
//! Scope (R-ORG-1) is a filter on the records' `org` column: a report for an officer names
//! the units of the officer's subtrees, and a record stored without a unit is seen only by
//! a report over everything (the node's operator).

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use sqlx::Row as _;
use tillit_core::ra::{OrgId, PersonId};
use time::Date;

use crate::people::{parse_uuid, PersonRecord, Sql, LOOKUP_BATCH, PERSON_COLUMNS};
use crate::records::{record_row, text_date, Record, COLUMNS};
use crate::{Store, StoreError};

/// Units per statement of a scoped scan: few statements even for a large tree, and few
/// enough parameters that SQLite resolves them quickly (see `Tx::insert_persons`).
const ORG_BATCH: usize = 500;

/// The records a report reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFilter {
    /// The kind (`card`, `reserve_card`, `reserve_bundle`, `puk_order`, `credential`).
    pub kind: &'static str,
    /// Only records in one of these statuses; empty: any status.
    pub statuses: Vec<String>,
    /// Only records of these units; `None`: every record, those without a unit included
    /// (a report over everything). An empty list matches nothing.
    pub orgs: Option<Vec<OrgId>>,
    /// Only records due on or before this day (records without a due date are left out).
    pub due_until: Option<Date>,
    /// Only records whose person is not in the directory: removed, or never there
    /// (R-PER-5).
    pub holder_removed: bool,
}

impl RecordFilter {
    /// Every record of `kind`, in any status and unit.
    pub fn of_kind(kind: &'static str) -> RecordFilter {
        RecordFilter { kind, statuses: Vec::new(), orgs: None, due_until: None, holder_removed: false }
    }

    /// Only records in one of `statuses`.
    pub fn statuses(mut self, statuses: &[&str]) -> RecordFilter {
        self.statuses = statuses.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Only records of these units (`None`: all).
    pub fn orgs(mut self, orgs: Option<Vec<OrgId>>) -> RecordFilter {
        self.orgs = orgs;
        self
    }

    /// Only records due on or before `day`.
    pub fn due_until(mut self, day: Date) -> RecordFilter {
        self.due_until = Some(day);
        self
    }

    /// Only records whose person is not in the directory (R-PER-5).
    pub fn holder_removed(mut self) -> RecordFilter {
        self.holder_removed = true;
        self
    }
}

/// Where a scan continues: pass a page's `next` to [`Store::records_page`] for the page
/// after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The batch of units being read.
    batch: usize,
    /// The last record id read in that batch.
    after: Option<String>,
}

/// One page of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The records, by id within a batch of units.
    pub records: Vec<Record<T>>,
    /// Where the next page starts; `None` after the last page.
    pub next: Option<Cursor>,
}

impl Store {
    /// One page of the records matching `filter`, at most `limit` (1 to 10,000), from
    /// `from` (`None`: the start). Records come in id order per batch of units; a report
    /// that needs another order sorts its rows.
    pub async fn records_page<T: DeserializeOwned>(
        &self,
        filter: &RecordFilter,
        from: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<T>, StoreError> {
        let limit = limit.clamp(1, 10_000);
        let batches: Vec<Option<&[OrgId]>> = match &filter.orgs {
            None => vec![None],
            Some(orgs) => orgs.chunks(ORG_BATCH).map(Some).collect(),
        };
        let mut cursor = from.cloned().unwrap_or_default();
        while let Some(orgs) = batches.get(cursor.batch) {
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let kind = sql.param(filter.kind);
            let mut text = format!("SELECT {COLUMNS} FROM ra_records WHERE kind = {kind}");
            if !filter.statuses.is_empty() {
                let list: Vec<String> = filter.statuses.iter().map(|s| sql.param(s)).collect();
                text.push_str(&format!(" AND status IN ({})", list.join(", ")));
            }
            if let Some(orgs) = orgs {
                let list: Vec<String> = orgs.iter().map(|o| sql.param(&o.to_string())).collect();
                text.push_str(&format!(" AND org IN ({})", list.join(", ")));
            }
            if let Some(day) = filter.due_until {
                let day = sql.param(&text_date(day));
                text.push_str(&format!(" AND due IS NOT NULL AND due <= {day}"));
            }
            if filter.holder_removed {
                // R-PER-5: the holder was removed from the directory, or is not in it.
                text.push_str(
                    " AND (person IS NULL OR person NOT IN (SELECT id FROM persons WHERE removed_us IS NULL))",
                );
            }
            if let Some(after) = &cursor.after {
                let after = sql.param(after);
                text.push_str(&format!(" AND id > {after}"));
            }
            text.push_str(&format!(" ORDER BY id LIMIT {limit}"));
            sql.text = text;
            let rows = sql.query().fetch_all(&self.pool).await?;
            let records: Vec<Record<T>> =
                rows.iter().map(|r| record_row(filter.kind, r)).collect::<Result<_, _>>()?;
            if records.len() == limit as usize {
                let after = records.last().map(|r| r.id.clone());
                return Ok(Page { records, next: Some(Cursor { batch: cursor.batch, after }) });
            }
            cursor = Cursor { batch: cursor.batch + 1, after: None };
            if !records.is_empty() {
                let next = (cursor.batch < batches.len()).then_some(cursor);
                return Ok(Page { records, next });
            }
        }
        Ok(Page { records: Vec::new(), next: None })
    }

    /// The persons with these ids, with their employments, removed ones included (their
    /// `removed_us` says so); ids not in the directory are left out. One query per 100 ids.
    pub async fn persons_by_ids(&self, ids: &[PersonId]) -> Result<Vec<PersonRecord>, StoreError> {
        let mut ids: Vec<String> = ids.iter().map(|p| p.to_string()).collect();
        ids.sort();
        ids.dedup();
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(LOOKUP_BATCH) {
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let list: Vec<String> = chunk.iter().map(|id| sql.param(id)).collect();
            sql.text = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id IN ({})", list.join(", "));
            let rows = sql.query().fetch_all(&self.pool).await?;
            let present: Vec<String> =
                rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?;
            let mut employments = self.employments_of_many(&present).await?;
            for row in &rows {
                let id: String = row.try_get(0)?;
                found.push(crate::people::person_row(row, employments.remove(&id).unwrap_or_default())?);
            }
        }
        Ok(found)
    }

    /// The subjects (as text) of the certificates with these serials (lower-case hex), by
    /// serial; unknown serials are left out. One query per 100 serials.
    pub async fn certificate_subjects(
        &self,
        serials: &[String],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut subjects = HashMap::new();
        for chunk in serials.chunks(LOOKUP_BATCH) {
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let list: Vec<String> = chunk.iter().map(|s| sql.param(s)).collect();
            sql.text =
                format!("SELECT serial, subject FROM certificates WHERE serial IN ({})", list.join(", "));
            for row in sql.query().fetch_all(&self.pool).await? {
                subjects.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        Ok(subjects)
    }

    /// The ids of the persons among `ids` who are in the directory and not removed.
    pub async fn present_persons(&self, ids: &[PersonId]) -> Result<Vec<PersonId>, StoreError> {
        let mut present = Vec::new();
        for chunk in ids.chunks(LOOKUP_BATCH) {
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let list: Vec<String> = chunk.iter().map(|p| sql.param(&p.to_string())).collect();
            sql.text =
                format!("SELECT id FROM persons WHERE removed_us IS NULL AND id IN ({})", list.join(", "));
            for row in sql.query().fetch_all(&self.pool).await? {
                let id: String = row.try_get(0)?;
                present.push(parse_uuid(&id, "persons")?);
            }
        }
        Ok(present)
    }
}
