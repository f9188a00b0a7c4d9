//! The RA's directory: the organisation tree, people with their employments, and role
//! grants (SPEC §2, §3). Writes go through a [`Tx`] with the routine's audit events; the
//! domain types of `tillit_core::ra` go in and come out.
//!
//! Protected identities (R-PER-3): a search without the right never matches a protected
//! person by name, and every listing shows their name as
//! [`tillit_core::ra::person::PROTECTED`].

use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::Row as _;
use tillit_core::id::{Country, HsaId, NationalId, OrgNumber, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Address, Employment, EmploymentKind, Person, PROTECTED};
use tillit_core::ra::role::{Grant, Role};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use time::{Date, OffsetDateTime};

use crate::ledger::now_us;
use crate::{Store, StoreError, Tx};

/// A stored person and whether they were removed from the directory (R-PER-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// The person.
    pub person: Person,
    /// When they were removed, if they were.
    pub removed_us: Option<i64>,
}

/// What a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonQuery {
    /// A name prefix ("tolv", "tolvansson anna") or a national id or HSA-id (exact).
    pub text: String,
    /// Only persons employed in one of these nodes; `None`: everyone (a principal whose
    /// scope is the whole tree).
    pub orgs: Option<Vec<OrgId>>,
    /// Whether the viewer holds the protected-identity right (R-PER-3).
    pub may_see_protected: bool,
    /// The most rows to return.
    pub limit: u32,
    /// Continue after this person (pagination): the `id` of the last row of the
    /// previous page.
    pub after: Option<PersonId>,
}

/// One row of a person search, redacted for the viewer (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSummary {
    /// The person.
    pub id: PersonId,
    /// The name to show ([`PROTECTED`] when hidden from the viewer).
    pub name: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
    /// Whether the identity is protected.
    pub protected: bool,
}

/// The lower-case search key of a name: family name, then given names.
pub fn search_name(family: &str, given: &str) -> String {
    format!("{} {}", family.trim(), given.trim()).to_lowercase()
}

fn text_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month() as u8, date.day())
}

fn parse_date(text: &str, what: &'static str) -> Result<Date, StoreError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format)
        .map_err(|_| StoreError::CorruptRow { table: what, reason: format!("date {text:?}") })
}

pub(crate) fn parse_uuid<T: From<uuid::Uuid>>(text: &str, what: &'static str) -> Result<T, StoreError> {
    uuid::Uuid::from_str(text)
        .map(T::from)
        .map_err(|_| StoreError::CorruptRow { table: what, reason: format!("id {text:?}") })
}

pub(crate) const PERSON_COLUMNS: &str =
    "id, country, national_id, given_names, family_name, preferred_name, hsa_id, email, \
     mobile, address, delivery_address, licensed_title, protected, name_checked, removed_us";

fn json_address(a: &Option<Address>) -> Result<Option<String>, StoreError> {
    a.as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::CorruptRow { table: "persons", reason: e.to_string() })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a person's changeable fields, `given_names` to `updated_us`, in column order.
fn bind_fields<'q>(query: AnyQuery<'q>, p: &Person) -> Result<AnyQuery<'q>, StoreError> {
    Ok(query
        .bind(p.given_names.clone())
        .bind(p.family_name.clone())
        .bind(p.preferred_name.clone())
        .bind(search_name(&p.family_name, &p.given_names))
        .bind(p.hsa_id.as_ref().map(|h| h.normalised().to_string()))
        .bind(p.email.clone())
        .bind(p.mobile.clone())
        .bind(json_address(&p.address)?)
        .bind(json_address(&p.delivery_address)?)
        .bind(p.licensed_title.clone())
        .bind(i32::from(p.protected))
        .bind(p.name_checked.map(text_date))
        .bind(now_us()))
}

pub(crate) fn person_row(row: &AnyRow, employments: Vec<Employment>) -> Result<PersonRecord, StoreError> {
    let corrupt = |detail: String| StoreError::CorruptRow { table: "persons", reason: detail };
    let country: String = row.try_get(1)?;
    let country = Country::from_str(&country).map_err(|_| corrupt(format!("country {country:?}")))?;
    let national: String = row.try_get(2)?;
    let today = OffsetDateTime::now_utc().date();
    let national_id = NationalId::parse(country, &national, &ParseOptions::new(today).with_test_ids(true))
        .map_err(|e| corrupt(format!("national id: {e}")))?;
    let hsa: Option<String> = row.try_get(6)?;
    let registered: Option<String> = row.try_get(9)?;
    let delivery: Option<String> = row.try_get(10)?;
    let address = |text: Option<String>| -> Result<Option<Address>, StoreError> {
        text.map(|t| serde_json::from_str(&t)).transpose().map_err(|e| corrupt(format!("address: {e}")))
    };
    let protected: i32 = row.try_get(12)?;
    let checked: Option<String> = row.try_get(13)?;
    let id: String = row.try_get(0)?;
    Ok(PersonRecord {
        person: Person {
            id: parse_uuid(&id, "persons")?,
            national_id,
            given_names: row.try_get(3)?,
            family_name: row.try_get(4)?,
            preferred_name: row.try_get(5)?,
            hsa_id: hsa.map(|h| HsaId::parse(&h)).transpose().map_err(|e| corrupt(format!("HSA-id: {e}")))?,
            email: row.try_get(7)?,
            mobile: row.try_get(8)?,
            address: address(registered)?,
            delivery_address: address(delivery)?,
            employments,
            licensed_title: row.try_get(11)?,
            protected: protected != 0,
            name_checked: checked.map(|c| parse_date(&c, "persons")).transpose()?,
        },
        removed_us: row.try_get(14)?,
    })
}

fn employment_row(row: &AnyRow) -> Result<(String, Employment), StoreError> {
    let person: String = row.try_get(0)?;
    let org: String = row.try_get(1)?;
    let kind: String = row.try_get(2)?;
    let start: String = row.try_get(3)?;
    let end: Option<String> = row.try_get(4)?;
    let kind = match kind.as_str() {
        "employment" => EmploymentKind::Employment,
        "assignment" => EmploymentKind::Assignment,
        other => {
            return Err(StoreError::CorruptRow { table: "employments", reason: format!("kind {other:?}") })
        }
    };
    Ok((
        person,
        Employment {
            org: parse_uuid(&org, "employments")?,
            kind,
            start: parse_date(&start, "employments")?,
            end: end.map(|e| parse_date(&e, "employments")).transpose()?,
        },
    ))
}

fn kind_text(kind: EmploymentKind) -> &'static str {
    match kind {
        EmploymentKind::Employment => "employment",
        EmploymentKind::Assignment => "assignment",
    }
}

impl Tx<'_> {
    /// Adds a node to the organisation tree.
    pub async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO organisations (id, parent, kind, name, org_number, hr_code, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(org.id.to_string())
        .bind(org.parent.map(|p| p.to_string()))
        .bind(org.kind.as_str())
        .bind(&org.name)
        .bind(org.org_number.as_ref().map(|n| n.normalised().to_string()))
        .bind(org.hr_code.clone())
        .bind(now_us())
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Duplicate {
                what: "organisation id or HR code",
                value: org.hr_code.clone().unwrap_or_else(|| org.id.to_string()),
            });
        }
        Ok(())
    }

    /// Changes a node's name, parent or HR code.
    pub async fn update_org(&mut self, org: &Org) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE organisations SET parent = $1, name = $2, org_number = $3, hr_code = $4 WHERE id = $5",
        )
        .bind(org.parent.map(|p| p.to_string()))
        .bind(&org.name)
        .bind(org.org_number.as_ref().map(|n| n.normalised().to_string()))
        .bind(org.hr_code.clone())
        .bind(org.id.to_string())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Registers a person with their employments. A national id that is registered already
    /// is refused with [`StoreError::Duplicate`].
    pub async fn insert_person(&mut self, p: &Person) -> Result<(), StoreError> {
        let query = sqlx::query(
            "INSERT INTO persons (id, country, national_id, given_names, family_name, preferred_name, search_name, \
             hsa_id, email, mobile, address, delivery_address, licensed_title, protected, name_checked, updated_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING",
        )
        .bind(p.id.to_string())
        .bind(p.national_id.country().code())
        .bind(p.national_id.normalised().to_string());
        let result = bind_fields(query, p)?.execute(self.conn()).await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Duplicate {
                what: "person (national id or HSA-id)",
                value: p.id.to_string(),
            });
        }
        self.replace_employments(p).await
    }

    /// Registers many new persons at once (the HR import): multi-row inserts, persons then
    /// employments. A national id or HSA-id registered already fails the whole call.
    /// Addresses are not written: the HR register carries none (use [`Tx::insert_person`]).
    pub async fn insert_persons(&mut self, persons: &[Person]) -> Result<(), StoreError> {
        // Small statements: the SQLite driver resolves each numbered parameter by scanning
        // the statement's parameter names, so the cost grows with the square of the
        // parameters per statement (measured: 400 rows spent 44 % of an import there).
        const PERSON_ROWS: usize = 32;
        const PERSON_COLUMNS_BOUND: usize = 14;
        let now = now_us();
        for chunk in persons.chunks(PERSON_ROWS) {
            let mut text = String::from(
                "INSERT INTO persons (id, country, national_id, given_names, family_name, preferred_name, \
                 search_name, hsa_id, email, mobile, licensed_title, protected, name_checked, updated_us) VALUES ",
            );
            // Every value is a parameter (NULL included), so the statement text depends only
            // on the number of rows and is prepared once per shape.
            placeholders(&mut text, chunk.len(), PERSON_COLUMNS_BOUND);
            let mut query = sqlx::query(&text);
            for p in chunk {
                query = query
                    .bind(p.id.to_string())
                    .bind(p.national_id.country().code())
                    .bind(p.national_id.normalised().to_string())
                    .bind(p.given_names.clone())
                    .bind(p.family_name.clone())
                    .bind(p.preferred_name.clone())
                    .bind(search_name(&p.family_name, &p.given_names))
                    .bind(p.hsa_id.as_ref().map(|h| h.normalised().to_string()))
                    .bind(p.email.clone())
                    .bind(p.mobile.clone())
                    .bind(p.licensed_title.clone())
                    .bind(i32::from(p.protected))
                    .bind(p.name_checked.map(text_date))
                    .bind(now);
            }
            query.execute(self.conn()).await?;
        }
        let employments: Vec<(PersonId, &Employment)> =
            persons.iter().flat_map(|p| p.employments.iter().map(move |e| (p.id, e))).collect();
        for chunk in employments.chunks(PERSON_ROWS * 2) {
            let mut text =
                String::from("INSERT INTO employments (person, org, kind, start_date, end_date) VALUES ");
            placeholders(&mut text, chunk.len(), 5);
            let mut query = sqlx::query(&text);
            for (person, e) in chunk {
                query = query
                    .bind(person.to_string())
                    .bind(e.org.to_string())
                    .bind(kind_text(e.kind))
                    .bind(text_date(e.start))
                    .bind(e.end.map(text_date));
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Stores a changed person record and replaces their employments.
    pub async fn update_person(&mut self, p: &Person) -> Result<(), StoreError> {
        let query = sqlx::query(
            "UPDATE persons SET given_names = $1, family_name = $2, preferred_name = $3, search_name = $4, \
             hsa_id = $5, email = $6, mobile = $7, address = $8, delivery_address = $9, licensed_title = $10, \
             protected = $11, name_checked = $12, updated_us = $13 WHERE id = $14",
        );
        bind_fields(query, p)?.bind(p.id.to_string()).execute(self.conn()).await?;
        self.replace_employments(p).await
    }

    async fn replace_employments(&mut self, p: &Person) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM employments WHERE person = $1")
            .bind(p.id.to_string())
            .execute(self.conn())
            .await?;
        for e in &p.employments {
            sqlx::query(
                "INSERT INTO employments (person, org, kind, start_date, end_date) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(p.id.to_string())
            .bind(e.org.to_string())
            .bind(kind_text(e.kind))
            .bind(text_date(e.start))
            .bind(e.end.map(text_date))
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Marks a person as removed from the directory (R-PER-5: their credentials are then
    /// "in limbo" until the routine resolves them).
    pub async fn remove_person(&mut self, id: PersonId) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE persons SET removed_us = $1, updated_us = $1 WHERE id = $2 AND removed_us IS NULL",
        )
        .bind(now_us())
        .bind(id.to_string())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records a role grant; `details` is the JSON of its training and specimen (R-ORG-3).
    pub async fn insert_grant(
        &mut self,
        grant: &Grant,
        details: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO role_grants (id, person, role, scope, details, granted_us) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(grant.id.to_string())
        .bind(grant.person.to_string())
        .bind(grant.role.as_str())
        .bind(grant.scope.to_string())
        .bind(details.to_string())
        .bind(now_us())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Ends a role grant at once (R-ORG-4).
    pub async fn remove_grant(&mut self, id: GrantId) -> Result<(), StoreError> {
        sqlx::query("UPDATE role_grants SET removed_us = $1 WHERE id = $2 AND removed_us IS NULL")
            .bind(now_us())
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Reserves `n` consecutive values of a counter and returns the first.
    pub async fn reserve_counter(&mut self, scope: &str, name: &str, n: u64) -> Result<u64, StoreError> {
        let n = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
        let row = sqlx::query(
            "INSERT INTO counters (scope, name, value) VALUES ($1, $2, $3) \
             ON CONFLICT (scope, name) DO UPDATE SET value = counters.value + $3 RETURNING value",
        )
        .bind(scope)
        .bind(name)
        .bind(n)
        .fetch_one(self.conn())
        .await?;
        let last: i64 = row.try_get(0)?;
        u64::try_from(last - n + 1)
            .map_err(|_| StoreError::CorruptRow { table: "counters", reason: last.to_string() })
    }

    /// Lets the client certificate `serial` (issued by this node) speak for `person`.
    pub async fn bind_principal(&mut self, serial: &str, person: PersonId) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO principals (serial, person, created_us) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(serial)
        .bind(person.to_string())
        .bind(now_us())
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "principal certificate", value: serial.to_string() });
        }
        Ok(())
    }

    /// The next value of a counter (1, 2, …), e.g. HSA-id local parts per organisation.
    pub async fn next_counter(&mut self, scope: &str, name: &str) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO counters (scope, name, value) VALUES ($1, $2, 1) \
             ON CONFLICT (scope, name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(scope)
        .bind(name)
        .fetch_one(self.conn())
        .await?;
        let value: i64 = row.try_get(0)?;
        u64::try_from(value)
            .map_err(|_| StoreError::CorruptRow { table: "counters", reason: value.to_string() })
    }
}

impl Store {
    /// The whole organisation tree.
    pub async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        let rows = sqlx::query("SELECT id, parent, kind, name, org_number, hr_code FROM organisations")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get(0)?;
                let parent: Option<String> = row.try_get(1)?;
                let kind: String = row.try_get(2)?;
                let number: Option<String> = row.try_get(4)?;
                let corrupt =
                    |detail: String| StoreError::CorruptRow { table: "organisations", reason: detail };
                let kind = OrgKind::parse(&kind).ok_or_else(|| corrupt(format!("kind {kind:?}")))?;
                let org_number = match number {
                    None => None,
                    Some(n) => Some(
                        Country::ALL
                            .into_iter()
                            .find_map(|c| OrgNumber::parse(c, &n).ok())
                            .ok_or_else(|| corrupt(format!("organisation number {n:?}")))?,
                    ),
                };
                Ok(Org {
                    id: parse_uuid(&id, "organisations")?,
                    parent: parent.map(|p| parse_uuid(&p, "organisations")).transpose()?,
                    kind,
                    name: row.try_get(3)?,
                    org_number,
                    hr_code: row.try_get(5)?,
                })
            })
            .collect()
    }

    async fn employments_of(&self, person: &str) -> Result<Vec<Employment>, StoreError> {
        let rows = sqlx::query(
            "SELECT person, org, kind, start_date, end_date FROM employments WHERE person = $1 ORDER BY start_date",
        )
        .bind(person)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| employment_row(r).map(|(_, e)| e)).collect()
    }

    /// The person `id`.
    pub async fn person(&self, id: PersonId) -> Result<Option<PersonRecord>, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
        let Some(row) = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let employments = self.employments_of(&id.to_string()).await?;
        person_row(&row, employments).map(Some)
    }

    /// The persons with these national ids (`(country code, normalised id)`), with their
    /// employments, in one query per 100 ids.
    pub async fn persons_by_national_ids(
        &self,
        ids: &[(&str, String)],
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let mut found = Vec::new();
        let mut by_country: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
        for (country, id) in ids {
            by_country.entry(*country).or_default().push(id.as_str());
        }
        let batches =
            by_country.iter().flat_map(|(country, ids)| ids.chunks(LOOKUP_BATCH).map(move |c| (*country, c)));
        for (country, chunk) in batches {
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let country = sql.param(country);
            let list: Vec<String> = chunk.iter().map(|n| sql.param(n)).collect();
            sql.text = format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE country = {country} AND national_id IN ({})",
                list.join(", ")
            );
            let query = sql.query();
            let rows = query.fetch_all(&self.pool).await?;
            let ids: Vec<String> =
                rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?;
            let mut employments = self.employments_of_many(&ids).await?;
            for row in &rows {
                let id: String = row.try_get(0)?;
                found.push(person_row(row, employments.remove(&id).unwrap_or_default())?);
            }
        }
        Ok(found)
    }

    pub(crate) async fn employments_of_many(
        &self,
        persons: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<Employment>>, StoreError> {
        let mut by_person: std::collections::HashMap<String, Vec<Employment>> =
            std::collections::HashMap::new();
        for chunk in persons.chunks(LOOKUP_BATCH) {
            if chunk.is_empty() {
                continue;
            }
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let list: Vec<String> = chunk.iter().map(|p| sql.param(p)).collect();
            sql.text = format!(
                "SELECT person, org, kind, start_date, end_date FROM employments WHERE person IN ({}) \
                 ORDER BY start_date",
                list.join(", ")
            );
            let query = sql.query();
            for row in query.fetch_all(&self.pool).await? {
                let (person, e) = employment_row(&row)?;
                by_person.entry(person).or_default().push(e);
            }
        }
        Ok(by_person)
    }

    /// The persons (not removed) with an employment in one of `orgs` that has not ended
    /// before `day`.
    pub async fn persons_employed_in(&self, orgs: &[OrgId], day: Date) -> Result<Vec<PersonId>, StoreError> {
        let mut ids = Vec::new();
        for chunk in orgs.chunks(LOOKUP_BATCH) {
            let mut sql = Sql { text: String::new(), binds: Vec::new() };
            let list: Vec<String> = chunk.iter().map(|o| sql.param(&o.to_string())).collect();
            let day = sql.param(&text_date(day));
            sql.text = format!(
                "SELECT DISTINCT e.person FROM employments e JOIN persons p ON p.id = e.person \
                 WHERE p.removed_us IS NULL AND e.org IN ({}) AND (e.end_date IS NULL OR e.end_date >= {day})",
                list.join(", ")
            );
            let query = sql.query();
            for row in query.fetch_all(&self.pool).await? {
                let id: String = row.try_get(0)?;
                ids.push(parse_uuid(&id, "employments")?);
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// The person with this national id.
    pub async fn person_by_national_id(&self, id: &NationalId) -> Result<Option<PersonRecord>, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE country = $1 AND national_id = $2");
        let row = sqlx::query(&sql)
            .bind(id.country().code())
            .bind(id.normalised())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let person: String = row.try_get(0)?;
        let employments = self.employments_of(&person).await?;
        person_row(&row, employments).map(Some)
    }

    /// Searches persons by name prefix, national id or HSA-id, within the viewer's scope,
    /// redacted for the viewer (R-PER-3), ordered by name, `limit` at a time.
    pub async fn search_persons(&self, q: &PersonQuery) -> Result<Vec<PersonSummary>, StoreError> {
        let text = q.text.trim();
        let exact = NationalIdOrHsa::guess(text);
        let sql = String::from(
            "SELECT id, given_names, family_name, preferred_name, hsa_id, protected FROM persons \
             WHERE removed_us IS NULL",
        );
        let mut sql = Sql { text: sql, binds: Vec::new() };
        match &exact {
            Some(NationalIdOrHsa::National(ids)) => {
                let any: Vec<String> = ids
                    .iter()
                    .map(|(country, id)| {
                        format!("(country = {} AND national_id = {})", sql.param(country), sql.param(id))
                    })
                    .collect();
                sql.text.push_str(&format!(" AND ({})", any.join(" OR ")));
            }
            Some(NationalIdOrHsa::Hsa(h)) => {
                let p = sql.param(h);
                sql.text.push_str(&format!(" AND hsa_id = {p}"));
            }
            None => {
                let prefix = text.to_lowercase();
                let (from, to) = (sql.param(&prefix), sql.param(&format!("{prefix}\u{10FFFF}")));
                sql.text.push_str(&format!(" AND search_name >= {from} AND search_name < {to}"));
                if !q.may_see_protected {
                    // A name search never matches a protected person for a viewer without
                    // the right: the match itself would reveal the name (R-PER-3).
                    sql.text.push_str(" AND protected = 0");
                }
            }
        }
        if let Some(after) = q.after {
            // The cursor is a person id. It names a position only in a name search, and only
            // when the viewer may see that person: a protected person's id as cursor would
            // reveal where the hidden name sorts (R-PER-3). Otherwise the page is empty.
            if exact.is_some() {
                return Ok(Vec::new());
            }
            let row = sqlx::query("SELECT search_name, protected FROM persons WHERE id = $1")
                .bind(after.to_string())
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else { return Ok(Vec::new()) };
            let protected: i32 = row.try_get(1)?;
            if protected != 0 && !q.may_see_protected {
                return Ok(Vec::new());
            }
            let name: String = row.try_get(0)?;
            let (n1, n2, id) = (sql.param(&name), sql.param(&name), sql.param(&after.to_string()));
            sql.text.push_str(&format!(" AND (search_name > {n1} OR (search_name = {n2} AND id > {id}))"));
        }
        if let Some(orgs) = &q.orgs {
            if orgs.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = orgs.iter().map(|o| sql.param(&o.to_string())).collect();
            sql.text.push_str(&format!(
                " AND id IN (SELECT person FROM employments WHERE org IN ({}))",
                list.join(", ")
            ));
        }
        sql.text.push_str(&format!(" ORDER BY search_name, id LIMIT {}", q.limit.clamp(1, 1000)));
        let query = sql.query();
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get(0)?;
                let given: String = row.try_get(1)?;
                let family: String = row.try_get(2)?;
                let preferred: Option<String> = row.try_get(3)?;
                let protected: i32 = row.try_get(5)?;
                let protected = protected != 0;
                let name = if protected && !q.may_see_protected {
                    PROTECTED.to_string()
                } else {
                    format!("{} {family}", preferred.unwrap_or(given))
                };
                Ok(PersonSummary {
                    id: parse_uuid(&id, "persons")?,
                    name,
                    hsa_id: row.try_get(4)?,
                    protected,
                })
            })
            .collect()
    }

    /// The person a client certificate speaks for, if it is bound to one and the person is
    /// still in the directory.
    pub async fn principal(&self, serial: &str) -> Result<Option<PersonId>, StoreError> {
        let row = sqlx::query(
            "SELECT p.person FROM principals p JOIN persons s ON s.id = p.person \
             WHERE p.serial = $1 AND p.removed_us IS NULL AND s.removed_us IS NULL",
        )
        .bind(serial)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            r.try_get::<String, _>(0).map_err(StoreError::from).and_then(|id| parse_uuid(&id, "principals"))
        })
        .transpose()
    }

    /// The grants a person holds now (R-ORG-4: read for every request, so a change takes
    /// effect at once).
    pub async fn grants_of(&self, person: PersonId) -> Result<Vec<Grant>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, person, role, scope FROM role_grants WHERE person = $1 AND removed_us IS NULL",
        )
        .bind(person.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(grant_row).collect()
    }

    /// Every grant in force, for role tables and reviews (R-ORG-4).
    pub async fn grants(&self) -> Result<Vec<Grant>, StoreError> {
        let rows = sqlx::query("SELECT id, person, role, scope FROM role_grants WHERE removed_us IS NULL")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(grant_row).collect()
    }
}

/// A grant from a row of `id, person, role, scope`.
fn grant_row(row: &AnyRow) -> Result<Grant, StoreError> {
    let id: String = row.try_get(0)?;
    let person: String = row.try_get(1)?;
    let role: String = row.try_get(2)?;
    let scope: String = row.try_get(3)?;
    Ok(Grant {
        id: parse_uuid(&id, "role_grants")?,
        person: parse_uuid(&person, "role_grants")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::CorruptRow {
            table: "role_grants",
            reason: format!("role {role:?}"),
        })?,
        scope: parse_uuid(&scope, "role_grants")?,
    })
}

/// How a search text is read: an exact identifier, or a name prefix.
enum NationalIdOrHsa {
    National(Vec<(&'static str, String)>),
    Hsa(String),
}

impl NationalIdOrHsa {
    fn guess(text: &str) -> Option<NationalIdOrHsa> {
        if let Ok(hsa) = HsaId::parse(text) {
            return Some(NationalIdOrHsa::Hsa(hsa.normalised().to_string()));
        }
        let today = OffsetDateTime::now_utc().date();
        let opts = ParseOptions::new(today).with_test_ids(true);
        let ids: Vec<(&'static str, String)> = Country::ALL
            .into_iter()
            .filter_map(|c| NationalId::parse(c, text, &opts).ok())
            .map(|id| (id.country().code(), id.normalised().to_string()))
            .collect();
        (!ids.is_empty()).then_some(NationalIdOrHsa::National(ids))
    }
}

/// Ids per lookup statement (see `insert_persons` on parameters per statement).
pub(crate) const LOOKUP_BATCH: usize = 100;

/// Appends `rows` groups of `columns` numbered placeholders: `($1, $2), ($3, $4)`.
fn placeholders(text: &mut String, rows: usize, columns: usize) {
    for i in 0..rows {
        if i > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for k in 1..=columns {
            if k > 1 {
                text.push_str(", ");
            }
            text.push_str(&format!("${}", i * columns + k));
        }
        text.push(')');
    }
}

/// A query under construction with its text parameters.
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) binds: Vec<String>,
}

impl Sql {
    /// The query with its parameters bound.
    pub(crate) fn query(&self) -> AnyQuery<'_> {
        self.binds.iter().fold(sqlx::query(&self.text), |q, b| q.bind(b))
    }

    /// Adds a parameter and returns its placeholder.
    pub(crate) fn param(&mut self, value: &str) -> String {
        self.binds.push(value.to_string());
        format!("${}", self.binds.len())
    }
}
