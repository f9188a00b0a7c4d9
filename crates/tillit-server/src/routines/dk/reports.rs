//! The Danish RA's reports (issue 7), as `crate::reports` makes the Swedish ones: the stored
//! records of the viewer's offices read a page at a time, the rows out as JSON, CSV or an
//! SVG bar chart. `GET /api/v1/dk/reports/{report}?from=&to=&office=&format=`, permission
//! `reports` on the office (or, without `office`, on the offices where the caller holds it,
//! R-ORG-1).
//!
//! | report | rows | period |
//! |---|---|---|
//! | `issued` | eIDs issued per office and day, by NSIS level (R-DK-1, R-DK-8) | `from` to `to`; default the month of `to` (today) |
//! | `stock` | envelopes per office and item: in stock, on order, the low-stock flag (R-RES-4) | now: no dates |
//! | `uncollected-pickups` | pickup instructions dispatched or arrived and not collected, with their expiry (R-DK-4) | as of `to` (today) |
//!
//! **No person in any report** (R-PER-3, R-IDP-6): the rows carry ids of records, offices,
//! counts and dates, never a name, an address, a CPR number, a person id or a document
//! number, whoever reads them: a protected citizen's pickup is a row like any other.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tillit_core::ra::dk::authenticator::{AuthStatus, Authenticator};
use tillit_core::ra::dk::pickup::{Pickup, PickupStatus};
use tillit_core::ra::dk::registration::{Registration, RegistrationStatus};
use tillit_core::ra::dk::stock::{self, DkItem, StockBox};
use tillit_core::ra::dk::Nsis;
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::policy::Policy;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::OrgId;
use tillit_store::records::Record;
use tillit_store::reports::{Cursor, RecordFilter};
use tillit_store::{Store, StoreError};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::name_of;
use crate::problem::{ApiQuery, Problem};
use crate::ra_api::Caller;
use crate::reports::chart::{bar_chart, Bar};
use crate::reports::{bad_parameter, csv_of, format_of, parse_date, Format, ReportError, Units, Viewer};
use crate::routines::kinds::Kept;
use crate::tls::ClientCert;
use crate::AppState;

/// Records read per page.
const PAGE: u32 = 1_000;

/// This part's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(report))
}

/// The Danish reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DkReportKind {
    /// eIDs issued per office and day (R-DK-1).
    Issued,
    /// Envelopes in stock per office and item, with the low-stock flag (R-RES-4).
    Stock,
    /// Pickup instructions not collected, with their expiry (R-DK-4).
    UncollectedPickups,
}

impl DkReportKind {
    /// Every report.
    pub const ALL: [DkReportKind; 3] =
        [DkReportKind::Issued, DkReportKind::Stock, DkReportKind::UncollectedPickups];

    /// The name in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            DkReportKind::Issued => "issued",
            DkReportKind::Stock => "stock",
            DkReportKind::UncollectedPickups => "uncollected-pickups",
        }
    }

    /// Parses the name.
    pub fn parse(text: &str) -> Option<DkReportKind> {
        DkReportKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The SPEC rule it serves.
    pub fn rule(self) -> &'static str {
        match self {
            DkReportKind::Issued => "R-DK-1",
            DkReportKind::Stock => "R-RES-4",
            DkReportKind::UncollectedPickups => "R-DK-4",
        }
    }

    /// A one-line title.
    pub fn title(self) -> &'static str {
        match self {
            DkReportKind::Issued => "eIDs issued per office and day",
            DkReportKind::Stock => "Key cards, passcode letters and media in stock",
            DkReportKind::UncollectedPickups => "Pickup instructions not collected",
        }
    }
}

// ---- the rows -------------------------------------------------------------------------------

/// The eIDs one office issued on one day (R-DK-1), by NSIS level (R-DK-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IssuedRow {
    /// The office.
    pub office: String,
    /// Its name.
    pub office_name: String,
    /// The day (`YYYY-MM-DD`).
    pub day: String,
    /// Registrations issued.
    pub issued: u64,
    /// Of them at NSIS low.
    pub low: u64,
    /// Of them at NSIS substantial.
    pub substantial: u64,
    /// Of them at NSIS high.
    pub high: u64,
}

impl IssuedRow {
    const HEADER: &'static [&'static str] =
        &["office", "office_name", "day", "issued", "low", "substantial", "high"];
}

/// One office's stock of one item (R-RES-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StockRow {
    /// The office.
    pub office: String,
    /// Its name.
    pub office_name: String,
    /// `key_card`, `large_print_key_card`, `passcode_letter`, `medium`, `code_display` or
    /// `audio_code_reader`.
    pub item: String,
    /// Envelopes in stock, ready to hand out.
    pub in_stock: u64,
    /// Envelopes in boxes ordered and not received.
    pub on_order: u64,
    /// The low-stock threshold (`dk_low_stock`).
    pub threshold: u32,
    /// Whether the stock is under it.
    pub low: bool,
}

impl StockRow {
    const HEADER: &'static [&'static str] =
        &["office", "office_name", "item", "in_stock", "on_order", "threshold", "low"];
}

/// A pickup instruction dispatched or arrived and not collected (R-DK-4): ids and dates,
/// nothing of the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UncollectedRow {
    /// The instruction.
    pub pickup: String,
    /// The office it is (or goes) to.
    pub office: String,
    /// Its name.
    pub office_name: String,
    /// `dispatched` or `arrived`.
    pub status: String,
    /// When the issuer sent it.
    pub dispatched_on: String,
    /// The arrival date stamped on it; empty before it arrives.
    pub arrived_on: String,
    /// The last day it may be collected.
    pub expires_on: String,
    /// Days from the report's day to `expires_on` (negative: past it).
    pub days_left: i64,
    /// Past its expiry: the timed job destroys it.
    pub expired: bool,
}

impl UncollectedRow {
    const HEADER: &'static [&'static str] = &[
        "pickup",
        "office",
        "office_name",
        "status",
        "dispatched_on",
        "arrived_on",
        "expires_on",
        "days_left",
        "expired",
    ];
}

/// The rows of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DkRows {
    /// [`issued`].
    Issued(Vec<IssuedRow>),
    /// [`stock_levels`].
    Stock(Vec<StockRow>),
    /// [`uncollected`].
    UncollectedPickups(Vec<UncollectedRow>),
}

impl DkRows {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            DkRows::Issued(r) => r.len(),
            DkRows::Stock(r) => r.len(),
            DkRows::UncollectedPickups(r) => r.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A report as made: which, for which days, the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkReport {
    /// Which report.
    pub report: DkReportKind,
    /// The SPEC rule it serves.
    pub rule: &'static str,
    /// The first day of the period (`YYYY-MM-DD`), for the issued report.
    pub from: Option<String>,
    /// The last day of the period, or the day the report is as of.
    pub to: Option<String>,
    /// The day it was made.
    pub made_on: String,
    /// The rows.
    pub rows: DkRows,
}

// ---- what a report reads --------------------------------------------------------------------

/// What a report reads: the store, the tree (office names), the offices in scope, the policy.
pub struct DkSource<'a> {
    /// The store.
    pub store: &'a Store,
    /// The organisation tree.
    pub tree: &'a OrgTree,
    /// The offices whose records the report reads.
    pub offices: &'a Units,
    /// The policy (the low-stock threshold).
    pub policy: &'a Policy,
}

impl DkSource<'_> {
    fn office_name(&self, office: OrgId) -> String {
        self.tree.get(office).map(|o| o.name.clone()).unwrap_or_default()
    }

    /// Every record of `filter` in the offices in scope, a page at a time.
    async fn each_page<T: Kept>(
        &self,
        filter: RecordFilter,
        mut each: impl FnMut(Vec<Record<T>>),
    ) -> Result<(), StoreError> {
        let orgs = match self.offices {
            Units::All => None,
            Units::Only(set) => Some(set.iter().copied().collect()),
        };
        let filter = filter.orgs(orgs);
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = self.store.records_page::<T>(&filter, cursor.as_ref(), PAGE).await?;
            each(page.records.into_iter().filter(|r| self.offices.contains(r.org)).collect());
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }
}

/// The eIDs issued from `from` to `to` (both included) per office and day, by NSIS level
/// (R-DK-1, R-DK-8): the registrations that ended issued on those days. By day, then office.
pub async fn issued(src: &DkSource<'_>, from: Date, to: Date) -> Result<Vec<IssuedRow>, StoreError> {
    let mut counts: BTreeMap<(Date, OrgId), [u64; 3]> = BTreeMap::new();
    let status = name_of(&RegistrationStatus::Issued);
    src.each_page::<Registration>(RecordFilter::of_kind(Registration::KIND).statuses(&[&status]), |page| {
        for r in page {
            let reg = r.state;
            let Some(day) = reg.ended_on.filter(|d| (from..=to).contains(d)) else { continue };
            let level = reg.checked.as_ref().map_or(Nsis::Low, |c| c.assurance);
            let slot = Nsis::ALL.iter().position(|n| *n == level).unwrap_or(0);
            counts.entry((day, reg.office)).or_default()[slot] += 1;
        }
    })
    .await?;
    let mut rows: Vec<IssuedRow> = counts
        .into_iter()
        .map(|((day, office), [low, substantial, high])| IssuedRow {
            office: office.to_string(),
            office_name: src.office_name(office),
            day: day.to_string(),
            issued: low + substantial + high,
            low,
            substantial,
            high,
        })
        .collect();
    rows.sort_by(|a, b| {
        a.day.cmp(&b.day).then(a.office_name.cmp(&b.office_name)).then(a.office.cmp(&b.office))
    });
    Ok(rows)
}

/// Each office's stock of each item it keeps (R-RES-4): envelopes in stock (opened, damaged
/// and handed-out ones do not count), envelopes in boxes on order, and the low-stock flag. An
/// office keeps an item when it has ordered a box of it or holds an envelope of it. By office,
/// then item.
pub async fn stock_levels(src: &DkSource<'_>) -> Result<Vec<StockRow>, StoreError> {
    let mut boxes: BTreeMap<OrgId, Vec<StockBox>> = BTreeMap::new();
    src.each_page::<StockBox>(RecordFilter::of_kind(StockBox::KIND), |page| {
        for r in page {
            boxes.entry(r.state.office).or_default().push(r.state);
        }
    })
    .await?;
    let mut envelopes: BTreeMap<OrgId, Vec<Authenticator>> = BTreeMap::new();
    src.each_page::<Authenticator>(
        RecordFilter::of_kind(Authenticator::KIND).statuses(&[AuthStatus::InStock.as_str()]),
        |page| {
            for r in page {
                envelopes.entry(r.state.office).or_default().push(r.state);
            }
        },
    )
    .await?;
    let offices: BTreeSet<OrgId> = boxes.keys().chain(envelopes.keys()).copied().collect();
    let mut rows = Vec::new();
    for office in offices {
        let boxes = boxes.get(&office).map(Vec::as_slice).unwrap_or_default();
        let envelopes = envelopes.get(&office).map(Vec::as_slice).unwrap_or_default();
        for item in DkItem::ALL {
            let kept =
                boxes.iter().any(|b| b.item == item) || envelopes.iter().any(|e| DkItem::of(e) == Some(item));
            if !kept {
                continue;
            }
            let level = stock::stock_level(envelopes, boxes, office, item, src.policy);
            rows.push(StockRow {
                office: office.to_string(),
                office_name: src.office_name(office),
                item: item.as_str().to_string(),
                in_stock: level.in_stock,
                on_order: level.on_order,
                threshold: level.threshold,
                low: level.low,
            });
        }
    }
    rows.sort_by(|a, b| a.office_name.cmp(&b.office_name).then(a.office.cmp(&b.office)));
    Ok(rows)
}

/// The pickup instructions dispatched or arrived and not yet collected or destroyed on `day`
/// (R-DK-4), soonest expiry first: ids, offices and dates only.
pub async fn uncollected(src: &DkSource<'_>, day: Date) -> Result<Vec<UncollectedRow>, StoreError> {
    let statuses = [name_of(&PickupStatus::Dispatched), name_of(&PickupStatus::Arrived)];
    let mut found: Vec<Pickup> = Vec::new();
    src.each_page::<Pickup>(
        RecordFilter::of_kind(Pickup::KIND).statuses(&[&statuses[0], &statuses[1]]),
        |page| found.extend(page.into_iter().map(|r| r.state)),
    )
    .await?;
    found.sort_by_key(|p| (p.expires_on, p.id));
    Ok(found
        .into_iter()
        .map(|p| {
            let expires = p.expires_on.unwrap_or(day);
            UncollectedRow {
                pickup: p.id.to_string(),
                office: p.office.to_string(),
                office_name: src.office_name(p.office),
                status: name_of(&p.status),
                dispatched_on: p.dispatched_on.map(|d| d.to_string()).unwrap_or_default(),
                arrived_on: p.arrived_on.map(|d| d.to_string()).unwrap_or_default(),
                expires_on: expires.to_string(),
                days_left: (expires - day).whole_days(),
                expired: day > expires,
            }
        })
        .collect())
}

// ---- periods --------------------------------------------------------------------------------

/// The days a report covers: `(from, to)` after the defaults. `issued`: `from` to `to`,
/// default the month of `to` (today) up to `to`; `stock`: now (dates refused);
/// `uncollected-pickups`: as of `to` (today; `from` refused). A refusal names the field.
pub fn period(
    kind: DkReportKind,
    from: Option<Date>,
    to: Option<Date>,
    today: Date,
) -> Result<(Option<Date>, Option<Date>), Refusal> {
    let rule = kind.rule();
    match kind {
        DkReportKind::Issued => {
            let to = to.unwrap_or(today);
            let from = from.unwrap_or_else(|| to.replace_day(1).unwrap_or(to));
            if to < from {
                return Err(Refusal::field(rule, "to", "is before `from`"));
            }
            Ok((Some(from), Some(to)))
        }
        DkReportKind::Stock => match (from, to) {
            (None, None) => Ok((None, None)),
            (from, _) => Err(Refusal::field(
                rule,
                if from.is_some() { "from" } else { "to" },
                "the stock report shows the stock now; give no dates",
            )),
        },
        DkReportKind::UncollectedPickups => {
            if from.is_some() {
                return Err(Refusal::field(rule, "from", "this report is as of one day: give only `to`"));
            }
            Ok((None, Some(to.unwrap_or(today))))
        }
    }
}

/// Makes report `kind` over the period (see [`period`]) as of `today`.
pub async fn run(
    src: &DkSource<'_>,
    kind: DkReportKind,
    (from, to): (Option<Date>, Option<Date>),
    today: Date,
) -> Result<DkReport, StoreError> {
    let day = to.unwrap_or(today);
    let rows = match kind {
        DkReportKind::Issued => DkRows::Issued(issued(src, from.unwrap_or(day), day).await?),
        DkReportKind::Stock => DkRows::Stock(stock_levels(src).await?),
        DkReportKind::UncollectedPickups => DkRows::UncollectedPickups(uncollected(src, day).await?),
    };
    Ok(DkReport {
        report: kind,
        rule: kind.rule(),
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        made_on: today.to_string(),
        rows,
    })
}

// ---- outputs --------------------------------------------------------------------------------

impl DkReport {
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
            DkRows::Issued(r) => csv_of(IssuedRow::HEADER, r),
            DkRows::Stock(r) => csv_of(StockRow::HEADER, r),
            DkRows::UncollectedPickups(r) => csv_of(UncollectedRow::HEADER, r),
        }
    }

    /// An SVG bar chart: eIDs issued per day, envelopes in stock per office and item against
    /// the threshold, instructions not collected per office. Counts, days and office names
    /// only.
    pub fn svg(&self) -> String {
        let kind = self.report;
        let period = match (&self.from, &self.to) {
            (Some(f), Some(t)) => format!("{f} to {t}"),
            (None, Some(t)) => format!("as of {t}"),
            _ => format!("as of {}", self.made_on),
        };
        let title = format!("{} ({}), {period}", kind.title(), kind.rule());
        let (what, bars, threshold) = match &self.rows {
            DkRows::Issued(rows) => {
                let mut days: BTreeMap<&str, u64> = BTreeMap::new();
                for r in rows {
                    *days.entry(r.day.as_str()).or_default() += r.issued;
                }
                let bars: Vec<Bar> = days.into_iter().map(|(d, n)| bar_count(d.to_string(), n)).collect();
                ("eIDs issued per day", bars, None)
            }
            DkRows::Stock(rows) => {
                let bars = rows
                    .iter()
                    .map(|r| Bar {
                        label: format!("{} · {}", unit_label(&r.office_name), r.item.replace('_', " ")),
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
                    "envelopes in stock",
                    bars,
                    threshold.map(|t| (f64::from(t), format!("low-stock threshold {t}"))),
                )
            }
            DkRows::UncollectedPickups(rows) => {
                let mut offices: BTreeMap<String, (u64, u64)> = BTreeMap::new();
                for r in rows {
                    let entry = offices.entry(unit_label(&r.office_name)).or_default();
                    entry.0 += 1;
                    entry.1 += u64::from(r.expired);
                }
                let bars = offices
                    .into_iter()
                    .map(|(office, (n, expired))| Bar {
                        label: office,
                        value: n as f64,
                        text: format!("{n} ({expired} past expiry)"),
                    })
                    .collect();
                ("instructions not collected per office", bars, None)
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

/// An office's name on a chart.
fn unit_label(name: &str) -> String {
    if name.is_empty() {
        "(no office)".to_string()
    } else {
        name.to_string()
    }
}

/// A bar of a count.
fn bar_count(label: String, n: u64) -> Bar {
    Bar { label, value: n as f64, text: n.to_string() }
}

// ---- HTTP -----------------------------------------------------------------------------------

/// The parameters of a Danish report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DkReportQuery {
    /// `json` (the default), `csv` or `svg`; without it the `Accept` header decides.
    pub format: Option<String>,
    /// The first day (`YYYY-MM-DD`) of the issued report (default: the first of the month of
    /// `to`).
    pub from: Option<String>,
    /// The last day of the issued report, or the day the uncollected-pickups report is as of
    /// (default: today).
    pub to: Option<String>,
    /// An office (id or HR code): the report covers its subtree; the caller holds `reports`
    /// on it. Without it: every office where the caller holds `reports`.
    pub office: Option<String>,
}

/// The JSON form of a Danish report.
#[derive(Debug, Serialize, ToSchema)]
pub struct DkReportDocument {
    /// `issued`, `stock` or `uncollected-pickups`.
    pub report: String,
    /// The SPEC rule it serves.
    pub rule: String,
    /// The first day of the period.
    pub from: Option<String>,
    /// The last day of the period, or the day the report is as of.
    pub to: Option<String>,
    /// The day it was made.
    pub made_on: String,
    /// The rows: [`IssuedRow`], [`StockRow`] or [`UncollectedRow`].
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
}

/// A Danish report over the offices where the caller holds the reports right (R-ORG-1):
/// `issued` (eIDs per office and day, R-DK-1), `stock` (envelopes per office and item with
/// the low-stock flag, R-RES-4), `uncollected-pickups` (instructions dispatched or arrived and
/// not collected, with their expiry, R-DK-4); as JSON, CSV or an SVG chart. No report names a
/// person (R-PER-3).
#[utoipa::path(get, path = "/api/v1/dk/reports/{report}", tag = "dk",
    params(
        ("report" = String, Path, description = "issued, stock or uncollected-pickups"),
        DkReportQuery
    ),
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The report", content(
            (DkReportDocument = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml")
        )),
        (status = 400, description = "A query string that does not parse", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role grants reports (on that office)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named in `field`", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(report): Path<String>,
    ApiQuery(query): ApiQuery<DkReportQuery>,
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
        let name =
            format!("attachment; filename=\"tillit-dk-{}-{}.csv\"", report.report.as_str(), report.made_on);
        if let Ok(value) = HeaderValue::from_str(&name) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}

/// The body of [`report`]: the report named `report` as `caller` may read it (R-ORG-1), over
/// the period and office of `query`, made today. A `format` is checked, not applied.
pub async fn report_for(
    state: &AppState,
    caller: &Caller,
    report: &str,
    query: &DkReportQuery,
) -> Result<DkReport, Problem> {
    if !caller.principal.has_anywhere(Permission::Reports) {
        return Err(Refusal::new("R-ORG-1", "no role grants reports").into());
    }
    let kind = DkReportKind::parse(report)
        .ok_or_else(|| bad_parameter("report", "must be issued, stock or uncollected-pickups"))?;
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
    let period = period(kind, from, to, today)?;
    let mut viewer = Viewer::principal(caller);
    if let Some(key) = query.office.as_deref() {
        let office = caller
            .tree
            .by_hr_code(key)
            .map(|o| o.id)
            .or_else(|| key.parse::<OrgId>().ok().filter(|id| caller.tree.get(*id).is_some()))
            .ok_or_else(|| bad_parameter("office", "no office has this id or HR code"))?;
        caller.principal.authorise(&caller.tree, Permission::Reports, office)?;
        viewer = viewer.narrowed(&caller.tree, office);
    }
    let src =
        DkSource { store: &state.store, tree: &caller.tree, offices: &viewer.scope, policy: &state.policy };
    Ok(run(&src, kind, period, today).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn default_periods() {
        let today = date!(2026 - 05 - 17);
        assert_eq!(
            period(DkReportKind::Issued, None, None, today).unwrap(),
            (Some(date!(2026 - 05 - 01)), Some(today))
        );
        assert_eq!(
            period(DkReportKind::Issued, None, Some(date!(2026 - 04 - 10)), today).unwrap().0,
            Some(date!(2026 - 04 - 01))
        );
        assert_eq!(
            period(DkReportKind::Issued, Some(today), Some(date!(2026 - 05 - 01)), today).unwrap_err().field,
            Some("to")
        );
        assert_eq!(period(DkReportKind::Stock, Some(today), None, today).unwrap_err().field, Some("from"));
        assert_eq!(period(DkReportKind::Stock, None, Some(today), today).unwrap_err().field, Some("to"));
        assert_eq!(period(DkReportKind::UncollectedPickups, None, None, today).unwrap(), (None, Some(today)));
        assert_eq!(
            period(DkReportKind::UncollectedPickups, Some(today), None, today).unwrap_err().field,
            Some("from")
        );
    }

    #[test]
    fn headers_match_the_rows() {
        let keys =
            |v: serde_json::Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
        let set = |h: &[&str]| -> BTreeSet<String> { h.iter().map(|s| s.to_string()).collect() };
        let issued = IssuedRow {
            office: String::new(),
            office_name: String::new(),
            day: String::new(),
            issued: 0,
            low: 0,
            substantial: 0,
            high: 0,
        };
        assert_eq!(keys(serde_json::to_value(issued).unwrap()), set(IssuedRow::HEADER));
        let stock = StockRow {
            office: String::new(),
            office_name: String::new(),
            item: String::new(),
            in_stock: 0,
            on_order: 0,
            threshold: 0,
            low: true,
        };
        assert_eq!(keys(serde_json::to_value(stock).unwrap()), set(StockRow::HEADER));
        let pickup = UncollectedRow {
            pickup: String::new(),
            office: String::new(),
            office_name: String::new(),
            status: String::new(),
            dispatched_on: String::new(),
            arrived_on: String::new(),
            expires_on: String::new(),
            days_left: 0,
            expired: false,
        };
        assert_eq!(keys(serde_json::to_value(pickup).unwrap()), set(UncollectedRow::HEADER));
    }

    #[test]
    fn charts_escape_and_name_no_one() {
        let report = DkReport {
            report: DkReportKind::UncollectedPickups,
            rule: "R-DK-4",
            from: None,
            to: Some("2026-05-17".into()),
            made_on: "2026-05-17".into(),
            rows: DkRows::UncollectedPickups(vec![UncollectedRow {
                pickup: "p".into(),
                office: "o".into(),
                office_name: "Borgerservice <Nord> & Syd".into(),
                status: "arrived".into(),
                dispatched_on: "2026-04-01".into(),
                arrived_on: "2026-04-03".into(),
                expires_on: "2026-05-01".into(),
                days_left: -16,
                expired: true,
            }]),
        };
        let svg = report.svg();
        assert!(svg.contains("Borgerservice &lt;Nord&gt; &amp; Syd: 1 (1 past expiry)"), "{svg}");
        let csv = String::from_utf8(report.csv().unwrap()).unwrap();
        assert_eq!(csv.lines().next(), Some(UncollectedRow::HEADER.join(",").as_str()));
        assert!(csv.contains(",-16,true"), "{csv}");
    }
}
