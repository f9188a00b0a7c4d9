//! PUK orders over the API (R-CARD-9): an officer orders a new PUK code for a card in its
//! holder's hands, the cost (`puk_cost_ore`, 200 SEK by default) charged to the card's unit;
//! the registered letter is recorded as sent, then delivered or returned. Permission
//! `order_puk` on the card's unit; the orders are read with `read_people`.
//!
//! Wrong PUK entries are counted on the card itself; the node does not hear of them yet, so
//! an order starts from a count of none (`PukCounter::new`). A card locked for good is
//! deregistered with the reason `puk_locked` and replaced (R-CARD-9).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tillit_core::ra::card::{self, Card};
use tillit_core::ra::puk::{self, MailTo, OrderPuk, PukCounter, PukEvent, PukOrder};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::PukOrderId;
use tillit_store::records::Record;
use utoipa::ToSchema;

use super::action::{Acting, Signed};
use super::kinds::Kept;
use super::Empty;
use super::{chain_of, officer, person_of, record_in_scope, save, today};
use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::tls::ClientCert;
use crate::AppState;

/// A PUK order as the API shows it: ids, dates and the cost, never a name or address
/// (R-PER-3).
#[derive(Debug, Serialize, ToSchema)]
pub struct PukOrderView {
    /// The order.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub order: PukOrder,
    /// The record version.
    pub version: i64,
}

impl From<Record<PukOrder>> for PukOrderView {
    fn from(r: Record<PukOrder>) -> Self {
        PukOrderView { order: r.state, version: r.version }
    }
}

/// A PUK order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// `registered` (the default: the registered address) or `delivery` (the alternative
    /// delivery address).
    #[schema(value_type = Option<String>)]
    pub mail_to: Option<MailTo>,
}

/// Orders a PUK for a card in its holder's hands (R-CARD-9): not locked for good, KUR for a
/// protected holder (R-PER-3), the chosen address on record. The cost is charged to the
/// card's unit (the holder's) and the registered letter is expected `letter_days` later.
#[utoipa::path(post, path = "/api/v1/cards/{id}/puk-orders", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OrderBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Ordered", body = PukOrderView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn order(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: OrderBody = acting.json()?;
    let caller = &acting.caller;
    let card: Record<Card> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::OrderPuk).await?;
    let person = person_of(&state, card.state.person, acting.path()).await?;
    let org = card.state.org;
    // R-PER-3 before anything about the person is looked at.
    card::check_protected(&person, &officer(caller, org))?;
    let events = puk::order(
        &card.state,
        &person,
        &PukCounter::new(card.state.id),
        OrderPuk {
            order: PukOrderId(uuid::Uuid::now_v7()),
            officer: officer(caller, org),
            mail_to: cmd.mail_to.unwrap_or(MailTo::Registered),
            on: today(),
        },
        &state.policy,
    )?;
    let created = events.iter().find_map(PukOrder::created).ok_or_else(Problem::internal)?;
    let mut record = created.new_record(Some(org), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, org), &events).await?;
    acting.finish(&state, tx, StatusCode::CREATED, &PukOrderView::from(record)).await
}

/// A step of the letter: load the order in scope with `order_puk`, decide, write.
async fn step(
    state: &AppState,
    acting: Box<Acting>,
    id: &str,
    decide: fn(&PukOrder, time::Date) -> Result<Vec<PukEvent>, Refusal>,
) -> Result<Response, Problem> {
    let _: Empty = acting.json()?;
    let mut record: Record<PukOrder> =
        record_in_scope(state, &acting.caller, id, acting.path(), Permission::OrderPuk).await?;
    let events = decide(&record.state, today())?;
    for e in &events {
        record.state.apply(e);
    }
    let chain = chain_of(&acting.caller.tree, record.state.unit);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain, &events).await?;
    acting.finish(state, tx, StatusCode::OK, &PukOrderView::from(record)).await
}

/// Records that the registered letter was sent (R-CARD-9).
#[utoipa::path(post, path = "/api/v1/puk-orders/{id}/sent", tag = "ra",
    params(("id" = String, Path, description = "The PUK order"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Sent", body = PukOrderView),
        (status = 404, description = "No such order in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not possible in the order's state", body = Problem, content_type = "application/problem+json")))]
pub async fn sent(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    step(&state, acting, &id, puk::send).await
}

/// Records that the holder received the letter (R-CARD-9).
#[utoipa::path(post, path = "/api/v1/puk-orders/{id}/delivered", tag = "ra",
    params(("id" = String, Path, description = "The PUK order"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Delivered", body = PukOrderView),
        (status = 404, description = "No such order in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not possible in the order's state", body = Problem, content_type = "application/problem+json")))]
pub async fn delivered(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    step(&state, acting, &id, puk::deliver).await
}

/// Records that the letter came back undelivered (R-CARD-9); the order stays charged.
#[utoipa::path(post, path = "/api/v1/puk-orders/{id}/returned", tag = "ra",
    params(("id" = String, Path, description = "The PUK order"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Returned", body = PukOrderView),
        (status = 404, description = "No such order in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not possible in the order's state", body = Problem, content_type = "application/problem+json")))]
pub async fn returned(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    step(&state, acting, &id, puk::returned).await
}

/// The person's PUK orders in the caller's scope (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/persons/{id}/puk-orders", tag = "ra",
    params(("id" = String, Path, description = "The person")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The orders", body = [PukOrderView]),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Vec<PukOrderView>>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(list_for(&state, &caller, &id, uri.path()).await?))
}

/// The body of [`list`]: the PUK orders of the person `id` in the caller's scope; "not
/// found" at `path` when the person is outside it (R-ORG-1).
pub async fn list_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
) -> Result<Vec<PukOrderView>, Problem> {
    let (person, _) = caller.readable_person(state, id, path).await?;
    let orders: Vec<Record<PukOrder>> = state.store.records_of_person(PukOrder::KIND, person.id).await?;
    Ok(orders
        .into_iter()
        .filter(|r| caller.principal.can(&caller.tree, Permission::ReadPeople, r.state.unit))
        .map(PukOrderView::from)
        .collect())
}
