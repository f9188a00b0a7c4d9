//! The RA's reports: the quarterly reconciliation of handed-out cards and valid reserve cards
//! against the HR register (R-CARD-8), credentials expiring in a period (R-CRED-6), limbo
//! credentials (R-PER-5), name mismatches (R-PER-4), reserve-card stock (R-RES-1) and PUK
//! costs per unit (R-CARD-9). Each report is the domain's own rule (`tillit_core::ra`) run
//! over the stored records, a page at a time; the rows come out as JSON, CSV or an SVG
//! chart.
//!
//! Every report is scoped (R-ORG-1): a [`Viewer`] sees only rows of the units in its scope,
//! and a protected person's name appears only where the viewer holds the protected-identity
//! right on the row's unit (R-PER-3); elsewhere the row shows the person's id and
//! [`PROTECTED`]. The charts carry counts and unit names, never a person's name.
//!
//! Served as `GET /api/v1/reports/{report}` ([`routes`]) and by `tillit report`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tillit_core::ra::card::{self, CardStage, CardStatus, HeldCard, HrEmployment, Mismatch};
use tillit_core::ra::credential::{self, Credential, CredentialKind, NameMismatch};
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::person::PROTECTED;
use tillit_core::ra::policy::Policy;
use tillit_core::ra::puk::{self, PukOrder, UnitCost};
use tillit_core::ra::reserve::{self, Bundle, ReserveCard, ReserveStatus};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::people::PersonRecord;
use tillit_store::records::Record;
use tillit_store::reports::{Cursor, RecordFilter};
use tillit_store::{Store, StoreError};
use time::{Date, Duration, Month};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::{ApiQuery, Problem};
use crate::ra_api::Caller;
use crate::routines::kinds::{credential_status, Kept};
use crate::tls::ClientCert;
use crate::AppState;

pub(crate) mod chart;

use chart::{bar_chart, Bar};

/// Records read per page: a report over a million records holds one page of them (and its
/// rows) at a time.
const PAGE: u32 = 1_000;

/// Persons whose cards are compared with the HR register at once (R-CARD-8).
const PERSONS_PER_BATCH: usize = 500;

/// A failure to produce a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The CSV could not be written.
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The JSON could not be written.
    #[error("writing the JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<ReportError> for Problem {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Store(e) => Problem::from(e),
            other => {
                tracing::error!(error = %other, "report output failed");
                Problem::internal()
            }
        }
    }
}

/// The reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// Handed-out cards and valid reserve cards against the HR register (R-CARD-8).
    Reconciliation,
    /// Credentials expiring in a period (R-CRED-6).
    Expiring,
    /// Valid credentials of persons removed from the directory (R-PER-5).
    Limbo,
    /// Credentials whose certificate name differs from the directory name (R-PER-4).
    NameMismatch,
    /// Reserve cards in stock and on order against the low-stock threshold (R-RES-1).
    Stock,
    /// PUK orders and their cost per unit (R-CARD-9).
    PukCosts,
}

impl ReportKind {
    /// Every report.
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Reconciliation,
        ReportKind::Expiring,
        ReportKind::Limbo,
        ReportKind::NameMismatch,
        ReportKind::Stock,
        ReportKind::PukCosts,
    ];

    /// The name in the path and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Reconciliation => "reconciliation",
            ReportKind::Expiring => "expiring",
            ReportKind::Limbo => "limbo",
            ReportKind::NameMismatch => "name-mismatch",
            ReportKind::Stock => "stock",
            ReportKind::PukCosts => "puk-costs",
        }
    }

    /// Parses the name.
    pub fn parse(text: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The SPEC rule the report serves.
    pub fn rule(self) -> &'static str {
        match self {
            ReportKind::Reconciliation => "R-CARD-8",
            ReportKind::Expiring => "R-CRED-6",
            ReportKind::Limbo => "R-PER-5",
            ReportKind::NameMismatch => "R-PER-4",
            ReportKind::Stock => "R-RES-1",
            ReportKind::PukCosts => "R-CARD-9",
        }
    }

    /// A one-line title.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Reconciliation => "Cards against the HR register",
            ReportKind::Expiring => "Credentials expiring",
            ReportKind::Limbo => "Credentials in limbo",
            ReportKind::NameMismatch => "Name mismatches",
            ReportKind::Stock => "Reserve-card stock",
            ReportKind::PukCosts => "PUK costs per unit",
        }
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON document: the report's name, rule, period and rows.
    Json,
    /// CSV with a header row.
    Csv,
    /// An SVG bar chart.
    Svg,
}

impl Format {
    /// Parses `json`, `csv` or `svg`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "svg" => Some(Format::Svg),
            _ => None,
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Svg => "image/svg+xml",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Svg => "svg",
        }
    }
}

/// A set of units: all of them, or these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Units {
    /// Every unit, and records stored without one.
    All,
    /// These units only.
    Only(BTreeSet<OrgId>),
}

impl Units {
    /// Whether `org` is in the set (a record without a unit only in [`Units::All`]).
    pub fn contains(&self, org: Option<OrgId>) -> bool {
        match (self, org) {
            (Units::All, _) => true,
            (Units::Only(set), Some(org)) => set.contains(&org),
            (Units::Only(_), None) => false,
        }
    }
}

/// Who reads a report: the units whose rows they see (R-ORG-1) and those where they may see
/// protected identities (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The units whose rows the viewer sees.
    pub scope: Units,
    /// The units where the viewer holds the protected-identity right.
    pub protected: Units,
}

impl Viewer {
    /// The node's operator: every row; protected identities only when `protected`.
    pub fn operator(protected: bool) -> Viewer {
        Viewer {
            scope: Units::All,
            protected: if protected { Units::All } else { Units::Only(BTreeSet::new()) },
        }
    }

    /// A principal: the nodes where they hold the reports right and those where they hold
    /// the protected-identity right, subtrees expanded.
    pub fn principal(caller: &Caller) -> Viewer {
        Viewer {
            scope: Units::Only(caller.nodes(Permission::Reports).into_iter().collect()),
            protected: Units::Only(caller.nodes(Permission::ProtectedIdentity).into_iter().collect()),
        }
    }

    /// The same viewer, narrowed to the subtree of `root`.
    pub fn narrowed(self, tree: &OrgTree, root: OrgId) -> Viewer {
        let subtree: BTreeSet<OrgId> = tree.subtree(root).into_iter().collect();
        let scope = match self.scope {
            Units::All => subtree,
            Units::Only(set) => set.intersection(&subtree).copied().collect(),
        };
        Viewer { scope: Units::Only(scope), protected: self.protected }
    }

    /// Whether the viewer sees rows of `org`.
    pub fn sees(&self, org: Option<OrgId>) -> bool {
        self.scope.contains(org)
    }

    /// The name to show for `person` on a row of `org` (R-PER-3).
    fn name(&self, person: Option<&PersonRecord>, org: Option<OrgId>) -> String {
        person.map(|p| p.person.display_name(self.protected.contains(org))).unwrap_or_default()
    }

    /// The units to read, as the store's filter takes them.
    fn store_orgs(&self) -> Option<Vec<OrgId>> {
        match &self.scope {
            Units::All => None,
            Units::Only(set) => Some(set.iter().copied().collect()),
        }
    }
}

/// What a report reads and who reads it.
pub struct Source<'a> {
    /// The store.
    pub store: &'a Store,
    /// The organisation tree (unit names).
    pub tree: &'a OrgTree,
    /// Who reads.
    pub viewer: &'a Viewer,
    /// The organisation's policy (thresholds, notice days).
    pub policy: &'a Policy,
}

impl Source<'_> {
    fn unit_name(&self, org: Option<OrgId>) -> String {
        org.and_then(|o| self.tree.get(o)).map(|o| o.name.clone()).unwrap_or_default()
    }

    /// Every record of `filter` (narrowed to the viewer's scope), a page at a time.
    async fn each_page<T: Kept>(
        &self,
        filter: RecordFilter,
        mut each: impl FnMut(Vec<Record<T>>),
    ) -> Result<(), StoreError> {
        let filter = filter.orgs(self.viewer.store_orgs());
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = self.store.records_page::<T>(&filter, cursor.as_ref(), PAGE).await?;
            // The store filtered by unit already; the viewer's own check is the last word
            // (R-ORG-1).
            each(page.records.into_iter().filter(|r| self.viewer.sees(r.org)).collect());
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    async fn persons(&self, ids: &[PersonId]) -> Result<HashMap<PersonId, PersonRecord>, StoreError> {
        Ok(self.store.persons_by_ids(ids).await?.into_iter().map(|p| (p.person.id, p)).collect())
    }
}

fn text_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month() as u8, date.day())
}

fn date_of_us(us: i64) -> Option<Date> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).ok().map(|t| t.date())
}

// ---- the rows -------------------------------------------------------------------------------

/// A card that does not agree with the HR register (R-CARD-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReconciliationRow {
    /// The card.
    pub card: String,
    /// Its type (`sis`, `osis`, `company`, `reserve`).
    pub card_kind: String,
    /// The holder.
    pub person: String,
    /// The holder's name, or "(protected identity)"; empty when the holder is not in the
    /// directory.
    pub name: String,
    /// The card's unit.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// `no_employment`, `other_unit` or `several_cards`.
    pub problem: String,
    /// What was found: the end of the employment, the holder's units, the other cards.
    pub detail: String,
}

impl ReconciliationRow {
    const HEADER: &'static [&'static str] =
        &["card", "card_kind", "person", "name", "unit", "unit_name", "problem", "detail"];
}

/// A valid credential ending in the period (R-CRED-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExpiringRow {
    /// The credential.
    pub credential: String,
    /// The holder.
    pub person: String,
    /// The holder's name, or "(protected identity)".
    pub name: String,
    /// The holder's HSA-id.
    pub hsa_id: String,
    /// The unit the credential was ordered in.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// The card it is on; empty for a function certificate.
    pub card: String,
    /// `hsa_id` or `national_id` (R-CRED-5).
    pub basis: String,
    /// Its last valid day.
    pub not_after: String,
    /// Days from the report's day to `not_after`.
    pub days_left: i64,
}

impl ExpiringRow {
    const HEADER: &'static [&'static str] = &[
        "credential",
        "person",
        "name",
        "hsa_id",
        "unit",
        "unit_name",
        "card",
        "basis",
        "not_after",
        "days_left",
    ];
}

/// A valid credential whose holder was removed from the directory (R-PER-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LimboRow {
    /// The credential.
    pub credential: String,
    /// The holder.
    pub person: String,
    /// The holder's name, or "(protected identity)"; empty when no record is left.
    pub name: String,
    /// The unit the credential was ordered in.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// The card it is on.
    pub card: String,
    /// Its last valid day.
    pub not_after: String,
    /// When the holder was removed from the directory; empty when no record is left.
    pub removed_on: String,
}

impl LimboRow {
    const HEADER: &'static [&'static str] =
        &["credential", "person", "name", "unit", "unit_name", "card", "not_after", "removed_on"];
}

/// A credential whose certificate name differs from the directory name (R-PER-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NameMismatchRow {
    /// The credential.
    pub credential: String,
    /// The holder.
    pub person: String,
    /// The unit the credential was ordered in.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// The card it is on.
    pub card: String,
    /// The name in the directory, or "(protected identity)".
    pub directory_name: String,
    /// The name in the certificate, or "(protected identity)".
    pub certificate_name: String,
    /// The ways to resolve it, `;`-separated (R-PER-4).
    pub options: String,
}

impl NameMismatchRow {
    const HEADER: &'static [&'static str] = &[
        "credential",
        "person",
        "unit",
        "unit_name",
        "card",
        "directory_name",
        "certificate_name",
        "options",
    ];
}

/// The reserve-card stock of one unit (R-RES-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StockRow {
    /// The unit that keeps the stock.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// Cards in the safe.
    pub in_stock: u64,
    /// Cards in bundles ordered and not received.
    pub on_order: u64,
    /// The low-stock threshold.
    pub threshold: u32,
    /// Whether the stock is below it.
    pub low: bool,
}

impl StockRow {
    const HEADER: &'static [&'static str] =
        &["unit", "unit_name", "in_stock", "on_order", "threshold", "low"];
}

/// The PUK orders of one unit in the period and their cost (R-CARD-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PukCostRow {
    /// The unit charged.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// Orders in the period.
    pub orders: u32,
    /// Their cost in öre.
    pub total_ore: u64,
    /// Their cost in SEK, two decimals.
    pub total_sek: String,
}

impl PukCostRow {
    const HEADER: &'static [&'static str] = &["unit", "unit_name", "orders", "total_ore", "total_sek"];
}

// ---- the reports ----------------------------------------------------------------------------

/// The quarterly reconciliation (R-CARD-8): the handed-out cards and valid reserve cards of
/// the viewer's units against the HR register's employments in force on `day`: holders
/// without employment (left, or not in the directory), cards of a unit the holder is not in,
/// holders with several active cards. By holder, then card.
pub async fn reconciliation(src: &Source<'_>, day: Date) -> Result<Vec<ReconciliationRow>, StoreError> {
    let mut held: Vec<HeldCard> = Vec::new();
    let active = |h: &HeldCard| h.stage == CardStage::Active;
    src.each_page::<card::Card>(
        RecordFilter::of_kind(card::Card::KIND)
            .statuses(&[CardStatus::HandedOut.as_str(), CardStatus::InUse.as_str()]),
        |page| held.extend(page.iter().filter_map(|r| r.state.held()).filter(active)),
    )
    .await?;
    src.each_page::<ReserveCard>(
        RecordFilter::of_kind(ReserveCard::KIND).statuses(&[&name_of(ReserveStatus::HandedOut)]),
        |page| held.extend(page.iter().filter_map(|r| r.state.held()).filter(active)),
    )
    .await?;
    held.sort_by_key(|h| (h.person, h.card));
    let mut rows = Vec::new();
    // Batches of whole persons: a holder's cards are compared together (several cards).
    let mut start = 0;
    while start < held.len() {
        let mut end = start;
        let mut persons = Vec::new();
        while end < held.len()
            && (persons.len() < PERSONS_PER_BATCH || persons.last() == Some(&held[end].person))
        {
            if persons.last() != Some(&held[end].person) {
                persons.push(held[end].person);
            }
            end += 1;
        }
        let batch = &held[start..end];
        let units: HashMap<_, _> = batch.iter().map(|h| (h.card, h.unit)).collect();
        let directory = src.persons(&persons).await?;
        // The HR register as the directory holds it: a removed person has no employment.
        let hr: Vec<HrEmployment> = directory
            .values()
            .filter(|p| p.removed_us.is_none())
            .flat_map(|p| {
                p.person
                    .employments
                    .iter()
                    .map(|e| HrEmployment { person: p.person.id, employment: e.clone() })
            })
            .collect();
        for m in card::reconcile(batch, &hr, day) {
            let unit = units.get(&m.card).copied();
            rows.push(reconciliation_row(src, &m, unit, directory.get(&m.person), day));
        }
        start = end;
    }
    Ok(rows)
}

fn reconciliation_row(
    src: &Source<'_>,
    m: &Mismatch,
    unit: Option<OrgId>,
    holder: Option<&PersonRecord>,
    day: Date,
) -> ReconciliationRow {
    let (problem, detail) = match &m.problem {
        card::Problem::NoEmployment => {
            let detail = match holder {
                None => "the holder is not in the directory".to_string(),
                Some(p) if p.removed_us.is_some() => "the holder was removed from the directory".to_string(),
                Some(p) => match p.person.employments.iter().filter_map(|e| e.end).filter(|e| *e < day).max()
                {
                    Some(ended) => format!("employment ended {}", text_date(ended)),
                    None => "no employment in force".to_string(),
                },
            };
            ("no_employment", detail)
        }
        card::Problem::OtherUnit { units } => {
            // Units outside the viewer's scope are counted, not named (R-ORG-1).
            let named: Vec<String> = units
                .iter()
                .filter(|u| src.viewer.sees(Some(**u)))
                .map(|u| src.unit_name(Some(*u)))
                .collect();
            let detail = match (named.is_empty(), units.len() - named.len()) {
                (false, 0) => format!("the holder's units: {}", named.join("; ")),
                (false, hidden) => {
                    format!(
                        "the holder's units: {} and {hidden} outside the report's scope",
                        named.join("; ")
                    )
                }
                (true, hidden) => format!("the holder's units: {hidden} outside the report's scope"),
            };
            ("other_unit", detail)
        }
        card::Problem::SeveralCards { others } => {
            let list: Vec<String> = others.iter().map(|c| c.to_string()).collect();
            ("several_cards", format!("other active cards: {}", list.join("; ")))
        }
    };
    ReconciliationRow {
        card: m.card.to_string(),
        card_kind: m.kind.as_str().to_string(),
        person: m.person.to_string(),
        name: src.viewer.name(holder, unit),
        unit: unit.map(|u| u.to_string()).unwrap_or_default(),
        unit_name: src.unit_name(unit),
        problem: problem.to_string(),
        detail,
    }
}

/// The valid credentials of the viewer's units ending from `from` to `to`, both included,
/// soonest first (R-CRED-6); `days_left` counts from `today`.
pub async fn expiring(
    src: &Source<'_>,
    from: Date,
    to: Date,
    today: Date,
) -> Result<Vec<ExpiringRow>, StoreError> {
    let mut found: Vec<(Credential, Option<OrgId>)> = Vec::new();
    // An issued credential's due date (the renewal notice, then the last day) is never after
    // its last day, so `due <= to` narrows the scan without losing one.
    let filter = RecordFilter::of_kind(Credential::KIND)
        .statuses(&[&credential_status(credential::CredentialPhase::Issued)])
        .due_until(to);
    src.each_page::<Credential>(filter, |page| {
        let orgs: HashMap<_, _> = page.iter().map(|r| (r.state.id, r.org)).collect();
        let states: Vec<Credential> = page.into_iter().map(|r| r.state).collect();
        for c in credential::expiring(&states, from, to) {
            found.push((c.clone(), orgs.get(&c.id).copied().flatten()));
        }
    })
    .await?;
    found.sort_by_key(|(c, _)| (c.not_after(), c.id));
    let persons: Vec<PersonId> = found.iter().map(|(c, _)| c.person).collect();
    let directory = src.persons(&persons).await?;
    Ok(found
        .into_iter()
        .map(|(c, org)| {
            let holder = directory.get(&c.person);
            let not_after = c.not_after().unwrap_or(to);
            ExpiringRow {
                credential: c.id.to_string(),
                person: c.person.to_string(),
                name: src.viewer.name(holder, org),
                hsa_id: holder
                    .and_then(|p| p.person.hsa_id.as_ref())
                    .map(|h| h.normalised().to_string())
                    .unwrap_or_default(),
                unit: org.map(|o| o.to_string()).unwrap_or_default(),
                unit_name: src.unit_name(org),
                card: c.card.map(|k| k.to_string()).unwrap_or_default(),
                basis: name_of(c.basis),
                not_after: text_date(not_after),
                days_left: (not_after - today).whole_days(),
            }
        })
        .collect())
}

/// The name serde gives a unit enum variant (`hsa_id`, `in_stock`), as stored and shown.
fn name_of<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The credentials in limbo on `day` (R-PER-5): valid, of the viewer's units, held by a
/// person no longer in the directory.
pub async fn limbo(src: &Source<'_>, day: Date) -> Result<Vec<LimboRow>, StoreError> {
    let mut candidates: Vec<(Credential, Option<OrgId>)> = Vec::new();
    // The store leaves out credentials of persons in the directory; the domain decides.
    let filter = RecordFilter::of_kind(Credential::KIND)
        .statuses(&[&credential_status(credential::CredentialPhase::Issued)])
        .holder_removed();
    src.each_page::<Credential>(filter, |page| candidates.extend(page.into_iter().map(|r| (r.state, r.org))))
        .await?;
    let persons: Vec<PersonId> = candidates.iter().map(|(c, _)| c.person).collect();
    let present: BTreeSet<PersonId> = src.store.present_persons(&persons).await?.into_iter().collect();
    let states: Vec<Credential> = candidates.iter().map(|(c, _)| c.clone()).collect();
    let in_limbo: BTreeSet<_> =
        credential::limbo(&states, |p| present.contains(&p), day).into_iter().collect();
    let directory = src.persons(&persons).await?;
    let mut rows: Vec<LimboRow> = candidates
        .into_iter()
        .filter(|(c, _)| in_limbo.contains(&c.id))
        .map(|(c, org)| {
            let holder = directory.get(&c.person);
            LimboRow {
                credential: c.id.to_string(),
                person: c.person.to_string(),
                name: src.viewer.name(holder, org),
                unit: org.map(|o| o.to_string()).unwrap_or_default(),
                unit_name: src.unit_name(org),
                card: c.card.map(|k| k.to_string()).unwrap_or_default(),
                not_after: c.not_after().map(text_date).unwrap_or_default(),
                removed_on: holder
                    .and_then(|p| p.removed_us)
                    .and_then(date_of_us)
                    .map(text_date)
                    .unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.unit_name.cmp(&b.unit_name).then(a.person.cmp(&b.person)).then(a.credential.cmp(&b.credential))
    });
    Ok(rows)
}

/// The name in a certificate subject as text (RFC 4514 style, as the CA stores it): given
/// name and surname when both are there, else the common name.
pub fn certificate_name(subject: &str) -> Option<String> {
    let mut given = None;
    let mut surname = None;
    let mut common = None;
    for attribute in split_unescaped(subject, &[',', '+']) {
        let Some((key, value)) = attribute.split_once('=') else { continue };
        let value = unescape(value.trim());
        match key.trim().to_ascii_lowercase().as_str() {
            "givenname" | "gn" | "2.5.4.42" => given = Some(value),
            "sn" | "surname" | "2.5.4.4" => surname = Some(value),
            "cn" | "commonname" | "2.5.4.3" => common = Some(value),
            _ => {}
        }
    }
    match (given, surname) {
        (Some(g), Some(s)) => Some(format!("{g} {s}")),
        _ => common,
    }
}

fn split_unescaped<'a>(text: &'a str, separators: &[char]) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if separators.contains(&c) {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The card credentials of the viewer's units, valid on `day`, whose authentication
/// certificate names the holder otherwise than the directory does (R-PER-4), with the three
/// ways to resolve each. Holders removed from the directory are the limbo report's.
pub async fn name_mismatches(src: &Source<'_>, day: Date) -> Result<Vec<NameMismatchRow>, StoreError> {
    let filter = RecordFilter::of_kind(Credential::KIND)
        .statuses(&[&credential_status(credential::CredentialPhase::Issued)]);
    let mut rows = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let filter = filter.orgs(src.viewer.store_orgs());
    loop {
        let page = src.store.records_page::<Credential>(&filter, cursor.as_ref(), PAGE).await?;
        let found: Vec<(Credential, Option<OrgId>)> = page
            .records
            .into_iter()
            .filter(|r| src.viewer.sees(r.org))
            .filter(|r| r.state.kind == CredentialKind::CardPair && r.state.is_valid_on(day))
            .map(|r| (r.state, r.org))
            .collect();
        // Each page is compared as it comes: its certificates and holders in a few queries.
        rows.extend(mismatches_in(src, found).await?);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    rows.sort_by(|a, b| {
        a.unit_name.cmp(&b.unit_name).then(a.person.cmp(&b.person)).then(a.credential.cmp(&b.credential))
    });
    Ok(rows)
}

async fn mismatches_in(
    src: &Source<'_>,
    found: Vec<(Credential, Option<OrgId>)>,
) -> Result<Vec<NameMismatchRow>, StoreError> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    // R-CRED-1: both certificates of a pair carry the same subject; the first is read.
    let serials: Vec<String> =
        found.iter().filter_map(|(c, _)| c.serials().first().map(|s| s.as_str().to_string())).collect();
    let subjects = src.store.certificate_subjects(&serials).await?;
    let persons: Vec<PersonId> = found.iter().map(|(c, _)| c.person).collect();
    let directory = src.persons(&persons).await?;
    let options: Vec<String> = NameMismatch::OPTIONS.into_iter().map(name_of).collect();
    let mut rows = Vec::new();
    for (c, org) in found {
        let Some(holder) = directory.get(&c.person).filter(|p| p.removed_us.is_none()) else { continue };
        let Some(subject) = c.serials().first().and_then(|s| subjects.get(s.as_str())) else { continue };
        let Some(in_certificate) = certificate_name(subject) else { continue };
        let in_directory = holder.person.display_name(true);
        let Some(mismatch) = NameMismatch::check(&c, &in_directory, &in_certificate) else { continue };
        // R-PER-3: the certificate name is the person's name too.
        let visible = !holder.person.protected || src.viewer.protected.contains(org);
        let shown = |name: String| if visible { name } else { PROTECTED.to_string() };
        rows.push(NameMismatchRow {
            credential: mismatch.credential().to_string(),
            person: c.person.to_string(),
            unit: org.map(|o| o.to_string()).unwrap_or_default(),
            unit_name: src.unit_name(org),
            card: c.card.map(|k| k.to_string()).unwrap_or_default(),
            directory_name: shown(in_directory),
            certificate_name: shown(in_certificate),
            options: options.join("; "),
        });
    }
    Ok(rows)
}

/// The reserve-card stock of each unit in the viewer's scope that keeps one (R-RES-1): cards
/// in the safe, cards on order, and whether the stock is below the policy's threshold. A
/// unit keeps a stock when it has bundles or cards in stock, so a unit whose safe is empty
/// still shows (as low).
pub async fn stock(src: &Source<'_>) -> Result<Vec<StockRow>, StoreError> {
    let mut bundles: BTreeMap<Option<OrgId>, Vec<Bundle>> = BTreeMap::new();
    src.each_page::<Bundle>(RecordFilter::of_kind(Bundle::KIND), |page| {
        for r in page {
            bundles.entry(r.org).or_default().push(r.state);
        }
    })
    .await?;
    let mut cards: BTreeMap<Option<OrgId>, Vec<ReserveCard>> = BTreeMap::new();
    src.each_page::<ReserveCard>(
        RecordFilter::of_kind(ReserveCard::KIND).statuses(&[&name_of(ReserveStatus::InStock)]),
        |page| {
            for r in page {
                cards.entry(r.org).or_default().push(r.state);
            }
        },
    )
    .await?;
    let units: BTreeSet<Option<OrgId>> = bundles.keys().chain(cards.keys()).copied().collect();
    let mut rows: Vec<StockRow> = units
        .into_iter()
        .map(|org| {
            let level = reserve::stock_level(
                cards.get(&org).map(Vec::as_slice).unwrap_or_default(),
                bundles.get(&org).map(Vec::as_slice).unwrap_or_default(),
                src.policy,
            );
            StockRow {
                unit: org.map(|o| o.to_string()).unwrap_or_default(),
                unit_name: src.unit_name(org),
                in_stock: level.in_stock,
                on_order: level.on_order,
                threshold: level.threshold,
                low: level.low,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.unit_name.cmp(&b.unit_name).then(a.unit.cmp(&b.unit)));
    Ok(rows)
}

/// The PUK orders placed from `from` to `to` (both included) charged to each unit of the
/// viewer's scope, and their cost (R-CARD-9: every order is charged).
pub async fn puk_costs(src: &Source<'_>, from: Date, to: Date) -> Result<Vec<PukCostRow>, StoreError> {
    let mut units: BTreeMap<OrgId, UnitCost> = BTreeMap::new();
    src.each_page::<PukOrder>(RecordFilter::of_kind(PukOrder::KIND), |page| {
        let orders: Vec<PukOrder> = page.into_iter().map(|r| r.state).collect();
        for cost in puk::costs_by_unit(&orders, from, to) {
            let entry =
                units.entry(cost.unit).or_insert(UnitCost { unit: cost.unit, orders: 0, total_ore: 0 });
            entry.orders += cost.orders;
            entry.total_ore += cost.total_ore;
        }
    })
    .await?;
    let mut rows: Vec<PukCostRow> = units
        .into_values()
        .filter(|c| src.viewer.sees(Some(c.unit)))
        .map(|c| PukCostRow {
            unit: c.unit.to_string(),
            unit_name: src.unit_name(Some(c.unit)),
            orders: c.orders,
            total_ore: c.total_ore,
            total_sek: format!("{}.{:02}", c.total_ore / 100, c.total_ore % 100),
        })
        .collect();
    rows.sort_by(|a, b| a.unit_name.cmp(&b.unit_name).then(a.unit.cmp(&b.unit)));
    Ok(rows)
}

// ---- periods --------------------------------------------------------------------------------

/// The days a report covers, after defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day, for reports over a period.
    pub from: Option<Date>,
    /// The last day, or the one day a report is as of.
    pub to: Option<Date>,
}

/// A date parameter: `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).ok()
}

fn quarter_of(day: Date) -> (Date, Date) {
    let first_month = (day.month() as u8 - 1) / 3 * 3 + 1;
    let start = Month::try_from(first_month)
        .ok()
        .and_then(|m| Date::from_calendar_date(day.year(), m, 1).ok())
        .unwrap_or(day);
    let next = if first_month == 10 {
        Date::from_calendar_date(day.year() + 1, Month::January, 1).ok()
    } else {
        Month::try_from(first_month + 3).ok().and_then(|m| Date::from_calendar_date(day.year(), m, 1).ok())
    };
    let end = next.and_then(|n| n.previous_day()).unwrap_or(day);
    (start, end)
}

/// The period of `kind` from the given `from` and `to`, with the defaults: the
/// reconciliation, limbo and name-mismatch reports are as of one day (`to`, default
/// `today`; `from` is refused); expiring runs from `today` to `renewal_notice_days` later
/// (R-CRED-6: 45); PUK costs cover the current quarter (the quarter of `from` or `to` when
/// one is given); stock is now (both refused). A refusal names the field.
pub fn period(
    kind: ReportKind,
    from: Option<Date>,
    to: Option<Date>,
    today: Date,
    policy: &Policy,
) -> Result<Period, Refusal> {
    let rule = kind.rule();
    match kind {
        ReportKind::Reconciliation | ReportKind::Limbo | ReportKind::NameMismatch => {
            if from.is_some() {
                return Err(Refusal::field(rule, "from", "this report is as of one day: give only `to`"));
            }
            Ok(Period { from: None, to: Some(to.unwrap_or(today)) })
        }
        ReportKind::Stock => {
            if from.is_some() || to.is_some() {
                let field = if from.is_some() { "from" } else { "to" };
                return Err(Refusal::field(
                    rule,
                    field,
                    "the stock report shows the stock now; give no dates",
                ));
            }
            Ok(Period { from: None, to: None })
        }
        ReportKind::Expiring => {
            let from = from.unwrap_or(today);
            let to = match to {
                Some(to) => to,
                None => from
                    .checked_add(Duration::days(i64::from(policy.renewal_notice_days)))
                    .ok_or_else(|| Refusal::field(rule, "from", "is too far in the future"))?,
            };
            ordered(rule, from, to)
        }
        ReportKind::PukCosts => {
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) => (f, t),
                (Some(f), None) => (f, quarter_of(f).1),
                (None, Some(t)) => (quarter_of(t).0, t),
                (None, None) => quarter_of(today),
            };
            ordered(rule, from, to)
        }
    }
}

fn ordered(rule: &'static str, from: Date, to: Date) -> Result<Period, Refusal> {
    if to < from {
        return Err(Refusal::field(rule, "to", "is before `from`"));
    }
    Ok(Period { from: Some(from), to: Some(to) })
}

// ---- a report and its outputs ---------------------------------------------------------------

/// The rows of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Rows {
    /// [`reconciliation`].
    Reconciliation(Vec<ReconciliationRow>),
    /// [`expiring`].
    Expiring(Vec<ExpiringRow>),
    /// [`limbo`].
    Limbo(Vec<LimboRow>),
    /// [`name_mismatches`].
    NameMismatch(Vec<NameMismatchRow>),
    /// [`stock`].
    Stock(Vec<StockRow>),
    /// [`puk_costs`].
    PukCosts(Vec<PukCostRow>),
}

impl Rows {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Reconciliation(r) => r.len(),
            Rows::Expiring(r) => r.len(),
            Rows::Limbo(r) => r.len(),
            Rows::NameMismatch(r) => r.len(),
            Rows::Stock(r) => r.len(),
            Rows::PukCosts(r) => r.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A report as produced: what, for which days, the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Which report.
    pub report: ReportKind,
    /// The SPEC rule it serves.
    pub rule: &'static str,
    /// The first day of the period (`YYYY-MM-DD`), for reports over a period.
    #[serde(serialize_with = "opt_date")]
    pub from: Option<Date>,
    /// The last day of the period, or the day the report is as of.
    #[serde(serialize_with = "opt_date")]
    pub to: Option<Date>,
    /// The day it was made.
    #[serde(serialize_with = "date")]
    pub made_on: Date,
    /// The rows.
    pub rows: Rows,
}

fn opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&text_date(*d)),
        None => s.serialize_none(),
    }
}

fn date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&text_date(*d))
}

/// Runs report `kind` over `period` (see [`period`]) as of `today`.
pub async fn run(
    src: &Source<'_>,
    kind: ReportKind,
    period: Period,
    today: Date,
) -> Result<Report, ReportError> {
    let day = period.to.unwrap_or(today);
    let from = period.from.unwrap_or(today);
    let rows = match kind {
        ReportKind::Reconciliation => Rows::Reconciliation(reconciliation(src, day).await?),
        ReportKind::Expiring => Rows::Expiring(expiring(src, from, day, today).await?),
        ReportKind::Limbo => Rows::Limbo(limbo(src, day).await?),
        ReportKind::NameMismatch => Rows::NameMismatch(name_mismatches(src, day).await?),
        ReportKind::Stock => Rows::Stock(stock(src).await?),
        ReportKind::PukCosts => Rows::PukCosts(puk_costs(src, from, day).await?),
    };
    Ok(Report { report: kind, rule: kind.rule(), from: period.from, to: period.to, made_on: today, rows })
}

impl Report {
    /// The report in `format`.
    pub fn render(&self, format: Format) -> Result<Vec<u8>, ReportError> {
        match format {
            Format::Json => Ok(serde_json::to_vec_pretty(self)?),
            Format::Csv => self.csv(),
            Format::Svg => Ok(self.svg().into_bytes()),
        }
    }

    /// CSV: a header row, then one line per row.
    pub fn csv(&self) -> Result<Vec<u8>, ReportError> {
        match &self.rows {
            Rows::Reconciliation(r) => csv_of(ReconciliationRow::HEADER, r),
            Rows::Expiring(r) => csv_of(ExpiringRow::HEADER, r),
            Rows::Limbo(r) => csv_of(LimboRow::HEADER, r),
            Rows::NameMismatch(r) => csv_of(NameMismatchRow::HEADER, r),
            Rows::Stock(r) => csv_of(StockRow::HEADER, r),
            Rows::PukCosts(r) => csv_of(PukCostRow::HEADER, r),
        }
    }

    /// An SVG bar chart of the report: counts or amounts per unit, month or problem. It
    /// names no person (R-PER-3).
    pub fn svg(&self) -> String {
        let kind = self.report;
        let period = match (self.from, self.to) {
            (Some(f), Some(t)) => format!("{} to {}", text_date(f), text_date(t)),
            (None, Some(t)) => format!("as of {}", text_date(t)),
            _ => format!("as of {}", text_date(self.made_on)),
        };
        let title = format!("{} ({}), {period}", kind.title(), kind.rule());
        let count = |bars: BTreeMap<String, u64>| -> Vec<Bar> {
            bars.into_iter().map(|(label, n)| Bar { label, value: n as f64, text: n.to_string() }).collect()
        };
        let per_unit = |names: Vec<&String>| {
            let mut bars: BTreeMap<String, u64> = BTreeMap::new();
            for n in names {
                *bars.entry(unit_label(n)).or_default() += 1;
            }
            count(bars)
        };
        let (what, bars, threshold) = match &self.rows {
            Rows::Reconciliation(rows) => {
                let mut bars: BTreeMap<String, u64> = BTreeMap::new();
                for r in rows {
                    *bars.entry(r.problem.replace('_', " ")).or_default() += 1;
                }
                ("cards per problem", count(bars), None)
            }
            Rows::Expiring(rows) => {
                let mut bars: BTreeMap<String, u64> = BTreeMap::new();
                // Every month of the period, also those with none.
                if let (Some(from), Some(to)) = (self.from, self.to) {
                    let mut month = from.replace_day(1).unwrap_or(from);
                    while month <= to {
                        bars.insert(text_date(month)[..7].to_string(), 0);
                        month = next_month(month).unwrap_or(Date::MAX);
                    }
                }
                for r in rows {
                    *bars.entry(r.not_after.get(..7).unwrap_or_default().to_string()).or_default() += 1;
                }
                ("credentials ending per month", count(bars), None)
            }
            Rows::Limbo(rows) => {
                ("credentials per unit", per_unit(rows.iter().map(|r| &r.unit_name).collect()), None)
            }
            Rows::NameMismatch(rows) => {
                ("credentials per unit", per_unit(rows.iter().map(|r| &r.unit_name).collect()), None)
            }
            Rows::Stock(rows) => {
                let bars = rows
                    .iter()
                    .map(|r| Bar {
                        label: unit_label(&r.unit_name),
                        value: r.in_stock as f64,
                        text: format!(
                            "{} in stock, {} on order{}",
                            r.in_stock,
                            r.on_order,
                            if r.low { ", LOW" } else { "" }
                        ),
                    })
                    .collect();
                let threshold = rows.first().map(|r| r.threshold);
                (
                    "reserve cards in the safe",
                    bars,
                    threshold.map(|t| (f64::from(t), format!("low-stock threshold {t}"))),
                )
            }
            Rows::PukCosts(rows) => {
                let bars = rows
                    .iter()
                    .map(|r| Bar {
                        label: unit_label(&r.unit_name),
                        value: r.total_ore as f64 / 100.0,
                        text: format!("{} SEK ({} orders)", r.total_sek, r.orders),
                    })
                    .collect();
                ("SEK per unit", bars, None)
            }
        };
        let desc = format!(
            "Bar chart of {what}: {}",
            if bars.is_empty() {
                "no rows".to_string()
            } else {
                bars.iter().map(|b| format!("{}: {}", b.label, b.text)).collect::<Vec<_>>().join("; ")
            }
        );
        bar_chart(&title, &desc, &bars, threshold)
    }
}

/// A unit's name on a chart; records kept without a unit show as such.
fn unit_label(name: &str) -> String {
    if name.is_empty() {
        "(no unit)".to_string()
    } else {
        name.to_string()
    }
}

fn next_month(day: Date) -> Option<Date> {
    let (year, month) = if day.month() == Month::December {
        (day.year() + 1, Month::January)
    } else {
        (day.year(), day.month().next())
    };
    Date::from_calendar_date(year, month, 1).ok()
}

/// A cell that a spreadsheet would run as a formula gets a leading `'` (CSV injection).
pub(crate) fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

pub(crate) fn csv_of<R: Serialize>(header: &[&str], rows: &[R]) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        let value = serde_json::to_value(row)?;
        let record: Vec<String> = header
            .iter()
            .map(|key| match value.get(*key) {
                Some(serde_json::Value::String(s)) => cell(s),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            })
            .collect();
        out.write_record(&record)?;
    }
    out.into_inner().map_err(|e| ReportError::Csv(csv::Error::from(e.into_error())))
}

// ---- HTTP -----------------------------------------------------------------------------------

/// The report routes, with their OpenAPI description.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(report))
}

/// The parameters of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (the default), `csv` or `svg`; without it the `Accept` header decides.
    pub format: Option<String>,
    /// The first day (`YYYY-MM-DD`) of a report over a period (expiring: today; PUK costs:
    /// the first day of the quarter).
    pub from: Option<String>,
    /// The last day of the period (expiring: 45 days after `from`; PUK costs: the end of
    /// the quarter), or the day the reconciliation, limbo and name-mismatch reports are as
    /// of (today).
    pub to: Option<String>,
    /// A unit (id or HR code) to narrow the report to its subtree.
    pub org: Option<String>,
}

/// The JSON form of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDocument {
    /// `reconciliation`, `expiring`, `limbo`, `name-mismatch`, `stock` or `puk-costs`.
    pub report: String,
    /// The SPEC rule it serves.
    pub rule: String,
    /// The first day of the period.
    pub from: Option<String>,
    /// The last day of the period, or the day the report is as of.
    pub to: Option<String>,
    /// The day it was made.
    pub made_on: String,
    /// The rows: [`ReconciliationRow`], [`ExpiringRow`], [`LimboRow`], [`NameMismatchRow`],
    /// [`StockRow`] or [`PukCostRow`].
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
}

pub(crate) fn bad_parameter(field: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-parameter", "Invalid parameter")
        .field(field)
        .detail(detail)
}

/// The format a request asks for: `format`, else the `Accept` header, else JSON; `None`
/// for a `format` that is none of ours.
pub(crate) fn format_of(query: Option<&str>, headers: &HeaderMap) -> Option<Format> {
    if let Some(text) = query {
        return Format::parse(text);
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let wants =
        |media: &str| accept.split(',').any(|m| m.split(';').next().is_some_and(|t| t.trim() == media));
    Some(if wants("text/csv") {
        Format::Csv
    } else if wants("image/svg+xml") {
        Format::Svg
    } else {
        Format::Json
    })
}

/// A report over the units where the caller holds the reports right (R-ORG-1), protected
/// identities shown only where the caller holds that right too (R-PER-3): `reconciliation`
/// (R-CARD-8), `expiring` (R-CRED-6), `limbo` (R-PER-5), `name-mismatch` (R-PER-4), `stock`
/// (R-RES-1), `puk-costs` (R-CARD-9); as JSON, CSV or an SVG chart.
#[utoipa::path(get, path = "/api/v1/reports/{report}", tag = "ra",
    params(
        ("report" = String, Path, description = "reconciliation, expiring, limbo, name-mismatch, stock or puk-costs"),
        ReportQuery
    ),
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The report", content(
            (ReportDocument = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml")
        )),
        (status = 400, description = "A query string that does not parse", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role grants reports (on that unit)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named in `field`", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(report): Path<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let report = report_for(&state, &caller, &report, &query).await?;
    let format = format_of(query.format.as_deref(), &headers)
        .ok_or_else(|| bad_parameter("format", "must be json, csv or svg"))?;
    let body = report.render(format)?;
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if format == Format::Csv {
        let name = format!(
            "attachment; filename=\"tillit-{}-{}.csv\"",
            report.report.as_str(),
            text_date(report.made_on)
        );
        if let Ok(value) = HeaderValue::from_str(&name) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}

/// The body of [`report`]: the report named `report` as `caller` may read it (R-ORG-1,
/// R-PER-3), over the period and unit of `query`, made today. A `format` in the query is
/// checked (it must be `json`, `csv` or `svg`) but not applied: the caller renders the
/// report ([`Report::render`]). Refused without the reports right, and for a bad parameter
/// (named in the problem's field).
pub async fn report_for(
    state: &AppState,
    caller: &Caller,
    report: &str,
    query: &ReportQuery,
) -> Result<Report, Problem> {
    if !caller.principal.has_anywhere(Permission::Reports) {
        return Err(Refusal::new("R-ORG-1", "no role grants reports").into());
    }
    let kind = ReportKind::parse(report).ok_or_else(|| {
        bad_parameter("report", "must be reconciliation, expiring, limbo, name-mismatch, stock or puk-costs")
    })?;
    if query.format.as_deref().is_some_and(|f| Format::parse(f).is_none()) {
        return Err(bad_parameter("format", "must be json, csv or svg"));
    }
    let mut days = [None, None];
    for (slot, (field, text)) in days.iter_mut().zip([("from", &query.from), ("to", &query.to)]) {
        if let Some(text) = text {
            *slot = Some(parse_date(text).ok_or_else(|| bad_parameter(field, "is not a date (YYYY-MM-DD)"))?);
        }
    }
    let [from, to] = days;
    let today = time::OffsetDateTime::now_utc().date();
    let policy = &state.policy;
    let period = period(kind, from, to, today, policy)?;
    let mut viewer = Viewer::principal(caller);
    if let Some(key) = query.org.as_deref() {
        let org = caller
            .tree
            .by_hr_code(key)
            .map(|o| o.id)
            .or_else(|| key.parse::<OrgId>().ok().filter(|id| caller.tree.get(*id).is_some()))
            .ok_or_else(|| bad_parameter("org", "no unit has this id or HR code"))?;
        caller.principal.authorise(&caller.tree, Permission::Reports, org)?;
        viewer = viewer.narrowed(&caller.tree, org);
    }
    let src = Source { store: &state.store, tree: &caller.tree, viewer: &viewer, policy };
    Ok(run(&src, kind, period, today).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn certificate_names_from_subjects() {
        assert_eq!(certificate_name("CN=Anna Svensson,O=Region").as_deref(), Some("Anna Svensson"));
        assert_eq!(
            certificate_name("givenName=Anna+sn=Svensson,CN=Anna S,C=SE").as_deref(),
            Some("Anna Svensson")
        );
        assert_eq!(certificate_name("CN=Svensson\\, Anna").as_deref(), Some("Svensson, Anna"));
        assert_eq!(certificate_name("O=Region"), None);
    }

    #[test]
    fn default_periods() {
        let p = Policy::default();
        let today = date!(2026 - 05 - 17);
        let of = |k, f, t| period(k, f, t, today, &p);
        assert_eq!(of(ReportKind::Expiring, None, None).unwrap().to, Some(date!(2026 - 07 - 01)));
        assert_eq!(
            of(ReportKind::PukCosts, None, None).unwrap(),
            Period { from: Some(date!(2026 - 04 - 01)), to: Some(date!(2026 - 06 - 30)) }
        );
        assert_eq!(quarter_of(date!(2026 - 11 - 02)), (date!(2026 - 10 - 01), date!(2026 - 12 - 31)));
        assert_eq!(of(ReportKind::Reconciliation, None, None).unwrap().to, Some(today));
        assert_eq!(of(ReportKind::Limbo, Some(today), None).unwrap_err().field, Some("from"));
        assert_eq!(of(ReportKind::Stock, None, Some(today)).unwrap_err().field, Some("to"));
        assert_eq!(
            of(ReportKind::Expiring, Some(date!(2026 - 06 - 01)), Some(today)).unwrap_err().field,
            Some("to")
        );
    }

    #[test]
    fn headers_match_the_rows() {
        let keys = |v: serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>().into_iter().collect()
        };
        let sorted = |h: &[&str]| -> Vec<String> {
            h.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>().into_iter().collect()
        };
        let stock = StockRow {
            unit: String::new(),
            unit_name: String::new(),
            in_stock: 0,
            on_order: 0,
            threshold: 0,
            low: true,
        };
        assert_eq!(keys(serde_json::to_value(stock).unwrap()), sorted(StockRow::HEADER));
        let puk = PukCostRow {
            unit: String::new(),
            unit_name: String::new(),
            orders: 0,
            total_ore: 0,
            total_sek: String::new(),
        };
        assert_eq!(keys(serde_json::to_value(puk).unwrap()), sorted(PukCostRow::HEADER));
        let text = String::new;
        let row = ReconciliationRow {
            card: text(),
            card_kind: text(),
            person: text(),
            name: text(),
            unit: text(),
            unit_name: text(),
            problem: text(),
            detail: text(),
        };
        assert_eq!(keys(serde_json::to_value(row).unwrap()), sorted(ReconciliationRow::HEADER));
        let row = ExpiringRow {
            credential: text(),
            person: text(),
            name: text(),
            hsa_id: text(),
            unit: text(),
            unit_name: text(),
            card: text(),
            basis: text(),
            not_after: text(),
            days_left: 0,
        };
        assert_eq!(keys(serde_json::to_value(row).unwrap()), sorted(ExpiringRow::HEADER));
        let row = LimboRow {
            credential: text(),
            person: text(),
            name: text(),
            unit: text(),
            unit_name: text(),
            card: text(),
            not_after: text(),
            removed_on: text(),
        };
        assert_eq!(keys(serde_json::to_value(row).unwrap()), sorted(LimboRow::HEADER));
        let row = NameMismatchRow {
            credential: text(),
            person: text(),
            unit: text(),
            unit_name: text(),
            card: text(),
            directory_name: text(),
            certificate_name: text(),
            options: text(),
        };
        assert_eq!(keys(serde_json::to_value(row).unwrap()), sorted(NameMismatchRow::HEADER));
    }

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("Anna"), "Anna");
    }
}
