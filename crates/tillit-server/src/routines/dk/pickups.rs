//! Passcode pickup over the API (R-DK-4, R-IDP-6; 001 §3): a citizen abroad or with name
//! and address protection orders online and picks the temporary passcode up at the office
//! they chose. `POST /api/v1/dk/pickups` records the order; `…/{id}/dispatch` that the issuer
//! sent the letter with its pickup instruction (it expires `dk_pickup_days`, 30, later);
//! `…/{id}/arrive` stamps the arrival date (today) on it at the office; `…/{id}/collect` hands
//! it over against a Danish passport (or, to a protected citizen, a Danish driving licence)
//! showing the CPR number, whose number and expiry are recorded. An instruction not collected
//! by its expiry is destroyed by the timed job `dk-pickup-expiry`
//! ([`crate::scheduler`]). `GET /api/v1/dk/pickups` lists an office's instructions.
//!
//! Permission `dk_registration` on the office. Ordering for and handing over to a protected
//! citizen needs the protected-identity right there too (R-PER-3); dispatch and arrival are
//! post-room steps that show no one. A name is shown only in the list, and a protected
//! citizen's only to an officer with that right; an address never. The document's number is
//! kept in the instruction's record (R-DK-4) and in the signed audit entry of the pickup,
//! and in no answer, list, report or log line.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tillit_core::ra::dk::pickup::{
    self, Collect, OrderPickup, Pickup, PickupDocument, PickupDocumentKind, PickupEvent, PickupReason,
    PickupStatus,
};
use tillit_core::ra::dk::PickupId;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::PersonId;
use tillit_store::records::Record;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::name_of;
use super::visits::{citizen, office_param};
use crate::problem::{ApiQuery, Problem};
use crate::ra_api::Caller;
use crate::routines::action::{Acting, Signed};
use crate::routines::kinds::Kept;
use crate::routines::{chain_of, record_in_scope, save, today, Empty};
use crate::tls::ClientCert;
use crate::AppState;

/// Rows per page of the list, unless asked otherwise.
const DEFAULT_LIMIT: u32 = 50;
/// The most rows a page of the list has.
const MAX_LIMIT: u32 = 1_000;

/// This part's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(order, list))
        .routes(routes!(dispatch))
        .routes(routes!(arrive))
        .routes(routes!(collect))
}

/// A pickup instruction as the API shows it: ids, codes and dates. No name, no address, no
/// document number.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickupView {
    /// The instruction.
    pub id: String,
    /// The citizen (an id).
    pub person: String,
    /// The office chosen.
    pub office: String,
    /// `abroad` or `protected`.
    pub reason: String,
    /// `ordered`, `dispatched`, `arrived`, `collected` or `destroyed`.
    pub status: String,
    /// When it was ordered.
    pub ordered_on: String,
    /// When the issuer sent it.
    pub dispatched_on: Option<String>,
    /// The last day it may be collected.
    pub expires_on: Option<String>,
    /// The arrival date stamped on it.
    pub arrived_on: Option<String>,
    /// When it was collected.
    pub collected_on: Option<String>,
    /// The officer who handed it over.
    pub collected_by: Option<String>,
    /// The kind of document shown at pickup (its number is recorded, never shown).
    pub document: Option<String>,
    /// The document's expiry, as recorded (R-DK-4).
    pub document_expires: Option<String>,
    /// When it was destroyed uncollected.
    pub destroyed_on: Option<String>,
    /// The record version.
    pub version: i64,
}

fn day(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

impl PickupView {
    fn of(record: &Record<Pickup>) -> PickupView {
        let p = &record.state;
        PickupView {
            id: p.id.to_string(),
            person: p.person.to_string(),
            office: p.office.to_string(),
            reason: name_of(&p.reason),
            status: name_of(&p.status),
            ordered_on: p.ordered_on.to_string(),
            dispatched_on: day(p.dispatched_on),
            expires_on: day(p.expires_on),
            arrived_on: day(p.arrived_on),
            collected_on: day(p.collected_on),
            collected_by: p.collected_by.map(|o| o.to_string()),
            document: p.document.as_ref().map(|d| name_of(&d.kind)),
            document_expires: p.document.as_ref().map(|d| d.expires.to_string()),
            destroyed_on: day(p.destroyed_on),
            version: record.version,
        }
    }
}

/// An online order for pickup.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// The citizen (a person id).
    pub person: String,
    /// The office the citizen chose: the caller holds `dk_registration` on it.
    pub office: String,
    /// `abroad` (a Danish citizen living abroad) or `protected` (name and address
    /// protection, R-IDP-6).
    #[schema(value_type = String)]
    pub reason: PickupReason,
}

/// Records a citizen's online order to pick the temporary passcode up at the office they
/// chose (R-DK-4). `protected` needs the register's name and address protection (R-IDP-6),
/// and the officer the protected-identity right (R-PER-3).
#[utoipa::path(post, path = "/api/v1/dk/pickups", tag = "dk",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OrderBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Ordered", body = PickupView),
        (status = 403, description = "No dk_registration on the office, or a protected citizen without the right (R-PER-3)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such citizen", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn order(State(state): State<Arc<AppState>>, Signed(acting): Signed) -> Result<Response, Problem> {
    let cmd: OrderBody = acting.json()?;
    let caller = &acting.caller;
    let office = office_param("office", &cmd.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkRegistration, office)?;
    let person: PersonId = cmd
        .person
        .trim()
        .parse()
        .map_err(|_| Problem::from(Refusal::field("R-DK-4", "person", "is not a person id (a UUID)")))?;
    let person = citizen(&state, caller, person, office, acting.path()).await.map_err(|p| {
        if p.status == StatusCode::NOT_FOUND.as_u16() {
            p.field("person").detail("no such citizen in the directory")
        } else {
            p
        }
    })?;
    if cmd.reason == PickupReason::Protected && !person.protected {
        return Err(Refusal::field(
            "R-IDP-6",
            "reason",
            "the population register does not give this citizen name and address protection",
        )
        .into());
    }
    let (pickup, events) = pickup::order(OrderPickup {
        id: PickupId(uuid::Uuid::now_v7()),
        person: person.id,
        office,
        reason: cmd.reason,
        on: today(),
    });
    let mut record = pickup.new_record(Some(office), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    acting.finish(&state, tx, StatusCode::CREATED, &PickupView::of(&record)).await
}

/// A step of an instruction: load it in scope with `dk_registration`, decide, write, answer.
async fn step<B: DeserializeOwned>(
    state: &AppState,
    acting: Box<Acting>,
    id: &str,
    serves_citizen: bool,
    decide: impl FnOnce(&Pickup, B, PersonId) -> Result<Vec<PickupEvent>, Refusal>,
) -> Result<Response, Problem> {
    let cmd: B = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Pickup> =
        record_in_scope(state, caller, id, acting.path(), Permission::DkRegistration).await?;
    let office = record.state.office;
    if serves_citizen {
        citizen(state, caller, record.state.person, office, acting.path()).await?;
    }
    let events = decide(&record.state, cmd, caller.principal.person)?;
    for e in &events {
        record.state.apply(e);
    }
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    acting.finish(state, tx, StatusCode::OK, &PickupView::of(&record)).await
}

/// Records that the issuer sent the passcode letter with its pickup instruction to the
/// office today (R-DK-4): it must be collected within `dk_pickup_days` (30).
#[utoipa::path(post, path = "/api/v1/dk/pickups/{id}/dispatch", tag = "dk",
    params(("id" = String, Path, description = "The pickup instruction"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Dispatched", body = PickupView),
        (status = 404, description = "No such instruction in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not possible in its state", body = Problem, content_type = "application/problem+json")))]
pub async fn dispatch(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let policy = state.policy.clone();
    step(&state, acting, &id, false, |p, _: Empty, _| pickup::dispatch(p, today(), &policy)).await
}

/// Stamps the instruction with its arrival date at the office, today (R-DK-4).
#[utoipa::path(post, path = "/api/v1/dk/pickups/{id}/arrive", tag = "dk",
    params(("id" = String, Path, description = "The pickup instruction"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Arrived, stamped with today's date", body = PickupView),
        (status = 404, description = "No such instruction in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not possible in its state", body = Problem, content_type = "application/problem+json")))]
pub async fn arrive(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    step(&state, acting, &id, false, |p, _: Empty, _| pickup::arrive(p, today())).await
}

/// The document the citizen shows at pickup.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupDocumentBody {
    /// `danish_passport`, or for a protected citizen also `danish_driving_licence` (R-DK-4).
    #[schema(value_type = String)]
    pub kind: PickupDocumentKind,
    /// Its number: recorded (R-DK-4), never shown in a list, report or log.
    pub number: String,
    /// Its expiry date (`YYYY-MM-DD`), recorded (R-DK-4); it must not have passed.
    #[schema(value_type = String)]
    pub expires: Date,
    /// Whether it shows the CPR number (it must).
    pub carries_cpr: bool,
}

/// The citizen collects the passcode letter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectBody {
    /// The document shown.
    pub document: PickupDocumentBody,
    /// The officer identified the citizen against the document's photo.
    pub photo_matches: bool,
}

/// Hands the passcode letter over (R-DK-4, R-IDP-6): arrived and not expired; a Danish
/// passport, or for a protected citizen also a Danish driving licence, showing the CPR
/// number and valid today, its number and expiry recorded; the citizen identified against its
/// photo. A protected citizen's letter is handed over only by an officer with the
/// protected-identity right (R-PER-3).
#[utoipa::path(post, path = "/api/v1/dk/pickups/{id}/collect", tag = "dk",
    params(("id" = String, Path, description = "The pickup instruction"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = CollectBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Collected", body = PickupView),
        (status = 403, description = "A protected citizen without the right (R-PER-3)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instruction in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn collect(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    step(&state, acting, &id, true, |p, cmd: CollectBody, officer| {
        pickup::collect(
            p,
            Collect {
                officer,
                document: PickupDocument {
                    kind: cmd.document.kind,
                    number: cmd.document.number,
                    expires: cmd.document.expires,
                    carries_cpr: cmd.document.carries_cpr,
                },
                photo_matches: cmd.photo_matches,
                on: today(),
            },
        )
    })
    .await
}

/// Which instructions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PickupQuery {
    /// The office: the caller holds `dk_registration` on it.
    pub office: String,
    /// Only instructions in this status: `ordered`, `dispatched`, `arrived`, `collected` or
    /// `destroyed`.
    pub status: Option<String>,
    /// At most this many rows (1 to 1000, default 50).
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

/// One instruction in a list: the view and the citizen's name, or "(protected identity)"
/// for a protected citizen when the caller lacks the right (R-PER-3). Never an address.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickupRow {
    /// The instruction.
    #[serde(flatten)]
    pub pickup: PickupView,
    /// The citizen's name, or "(protected identity)"; empty when not in the directory.
    pub name: String,
}

/// A page of instructions, by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickupPage {
    /// The rows.
    pub pickups: Vec<PickupRow>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

fn bad_parameter(field: &str, detail: &str) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-parameter", "Invalid parameter")
        .field(field)
        .detail(detail.to_string())
}

/// The pickup instructions of an office, a page at a time by id,
/// optionally in one status (R-DK-4). A protected citizen's name is shown only to an officer
/// with the protected-identity right on the office (R-PER-3); no address, no document number.
#[utoipa::path(get, path = "/api/v1/dk/pickups", tag = "dk",
    params(PickupQuery), security(("clientCertificate" = [])),
    responses((status = 200, description = "A page of instructions", body = PickupPage),
        (status = 400, description = "A query string that does not parse", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No dk_registration on the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named in `field`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    ApiQuery(query): ApiQuery<PickupQuery>,
) -> Result<Json<PickupPage>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(list_for(&state, &caller, &query).await?))
}

/// The body of [`list`]: the page `query` asks for, as `caller` may see it.
pub async fn list_for(state: &AppState, caller: &Caller, query: &PickupQuery) -> Result<PickupPage, Problem> {
    let office = office_param("office", &query.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkRegistration, office)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(
            [
                PickupStatus::Ordered,
                PickupStatus::Dispatched,
                PickupStatus::Arrived,
                PickupStatus::Collected,
                PickupStatus::Destroyed,
            ]
            .into_iter()
            .map(|s| name_of(&s))
            .find(|s| s == text)
            .ok_or_else(|| {
                bad_parameter("status", "must be ordered, dispatched, arrived, collected or destroyed")
            })?,
        ),
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_parameter("limit", "must be 1 to 1000"));
    }
    let after = match query.after.as_deref() {
        None => None,
        Some(text) => Some(
            text.trim()
                .parse::<PickupId>()
                .map_err(|_| bad_parameter("after", "is not a pickup id (the `next` of a page)"))?,
        ),
    };
    let statuses: Vec<&str> = status.as_deref().into_iter().collect();
    let after = after.map(|a| a.to_string());
    // One more than the page, to know whether another follows (the store gives at most
    // MAX_LIMIT: a full page of that size is followed by a `next`).
    let mut rows: Vec<Record<Pickup>> = state
        .store
        .records_of_org(Pickup::KIND, office, &statuses, after.as_deref(), (limit + 1).min(MAX_LIMIT))
        .await?;
    let more = rows.len() > limit as usize || rows.len() == MAX_LIMIT as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| r.state.id.to_string()) } else { None };
    let persons: Vec<PersonId> = rows.iter().map(|r| r.state.person).collect();
    let directory = state.store.persons_by_ids(&persons).await?;
    let pickups = rows
        .iter()
        .map(|r| {
            let person = directory.iter().find(|p| p.person.id == r.state.person);
            let sees = caller.principal.can(&caller.tree, Permission::ProtectedIdentity, r.state.office);
            PickupRow {
                pickup: PickupView::of(r),
                name: person.map(|p| p.person.display_name(sees)).unwrap_or_default(),
            }
        })
        .collect();
    Ok(PickupPage { pickups, next })
}
