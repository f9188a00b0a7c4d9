//! Cards over the API (R-CARD-1..7): the type choice with its reason, the order basis, the
//! order with the holder present (document, photo and signature image), the batch to the
//! card supplier with its export file, delivery to the RA, hand-out with the holder's
//! receipt, and deregistration, which revokes every credential of the card (R-REV-3).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::card::{
    self, BatchId, Card, CardEvent, CardKind, ClaimCard, CreateOrderBasis, Deliver, Deregister,
    DeregisterReason, HandOut, IdDocument, KindChoice, Order, ReturnCard, SendBatch,
};
use tillit_core::ra::reserve::{self, ReserveCard};
use tillit_core::ra::revocation::ReasonCode;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{CardId, OrgId};
use tillit_store::records::Record;
use tillit_store::Tx;
use utoipa::{IntoParams, ToSchema};

use super::action::{Acting, Signed};
use super::credentials::{open_on_card, revoke_in};
use super::kinds::Kept;
use super::{chain_of, held_cards, officer, person_of, record_in_scope, save, today};
use super::{DeregisterBody, Empty, ReturnBody};
use crate::problem::{ApiQuery, Problem};
use crate::ra_api::Caller;
use crate::tls::ClientCert;
use crate::AppState;

/// Largest photo or signature image accepted (2 MiB).
const MAX_IMAGE: usize = 2 * 1024 * 1024;

/// A card as the API shows it: ids, codes and dates, never a name (R-PER-3).
#[derive(Debug, Serialize, ToSchema)]
pub struct CardView {
    /// The card.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub card: Card,
    /// The record version.
    pub version: i64,
}

impl From<Record<Card>> for CardView {
    fn from(r: Record<Card>) -> Self {
        CardView { card: r.state, version: r.version }
    }
}

/// Writes the card's events: the card itself, the other cards they end (R-CARD-6), and the
/// credentials of every card deregistered, revoked (R-REV-3). Returns serials to announce.
async fn write_card_events(
    tx: &mut Tx<'_>,
    state: &AppState,
    acting: &Acting,
    chain: &str,
    card: &mut Record<Card>,
    events: &[CardEvent],
) -> Result<Vec<String>, Problem> {
    let mut announce = Vec::new();
    for e in events {
        card.state.apply(e);
    }
    save(tx, card, &state.policy).await?;
    for e in events {
        if let CardEvent::ReplacementOrdered { .. } = e {
            if let Some(replacement) = Card::created(e) {
                let mut rec = replacement.new_record(Some(card.state.org), &state.policy);
                save(tx, &mut rec, &state.policy).await?;
            }
            continue;
        }
        if let CardEvent::Claimed { card: claimed, revoke_credentials: true, .. } = e {
            if *claimed == card.state.id {
                let open = open_on_card(state, &card.state).await?;
                announce.extend(
                    revoke_in(tx, state, acting, chain, open, ReasonCode::CessationOfOperation).await?,
                );
            }
            continue;
        }
        let CardEvent::Deregistered { card: other, reason, revoke_credentials, on, .. } = e else { continue };
        let target = if *other == card.state.id {
            card.state.clone()
        } else if let Some(mut rec) = state.store.record::<Card>(Card::KIND, &other.to_string()).await? {
            rec.state.apply(e);
            save(tx, &mut rec, &state.policy).await?;
            rec.state
        } else if let Some(mut rec) =
            state.store.record::<ReserveCard>(ReserveCard::KIND, &other.to_string()).await?
        {
            for re in reserve::deregister(&rec.state, *reason, *on)? {
                rec.state.apply(&re);
            }
            save(tx, &mut rec, &state.policy).await?;
            // Its credentials go with it (R-CARD-6, R-REV-3), as a regular card's do.
            if let (Some(holder), true) = (rec.state.holder, *revoke_credentials) {
                let open = super::credentials::open_on(state, holder, *other).await?;
                announce.extend(revoke_in(tx, state, acting, chain, open, ReasonCode::Superseded).await?);
            }
            continue;
        } else {
            continue;
        };
        if *revoke_credentials {
            let code = match reason {
                DeregisterReason::Lost | DeregisterReason::Stolen | DeregisterReason::Misuse => {
                    ReasonCode::KeyCompromise
                }
                DeregisterReason::Replaced => ReasonCode::Superseded,
                DeregisterReason::LeftEmployment => ReasonCode::AffiliationChanged,
                _ => ReasonCode::CessationOfOperation,
            };
            let open = open_on_card(state, &target).await?;
            announce.extend(revoke_in(tx, state, acting, chain, open, code).await?);
        }
    }
    acting.record(tx, chain, events).await?;
    Ok(announce)
}

async fn done(
    state: &AppState,
    acting: Box<Acting>,
    tx: Tx<'_>,
    status: StatusCode,
    card: Record<Card>,
    announce: Vec<String>,
) -> Result<Response, Problem> {
    let response = acting.finish(state, tx, status, &CardView::from(card)).await?;
    for serial in announce {
        state.ca.announce_revoked(&serial);
    }
    Ok(response)
}

/// A transition that needs only the card and the body: begin (idempotency, signature),
/// read the body, load the card in scope with `permission`, decide, write, answer.
#[allow(clippy::too_many_arguments)]
async fn transition<B: serde::de::DeserializeOwned>(
    state: &AppState,
    acting: Box<Acting>,
    id: &str,
    permission: Permission,
    decide: impl FnOnce(&Acting, &Card, B) -> Result<Vec<CardEvent>, Problem>,
) -> Result<Response, Problem> {
    let cmd: B = acting.json()?;
    let mut record: Record<Card> =
        record_in_scope(state, &acting.caller, id, acting.path(), permission).await?;
    let events = decide(&acting, &record.state, cmd)?;
    let chain = chain_of(&acting.caller.tree, record.state.org);
    let mut tx = state.store.begin().await?;
    let announce = write_card_events(&mut tx, state, &acting, &chain, &mut record, &events).await?;
    done(state, acting, tx, StatusCode::OK, record, announce).await
}

/// Where the choice is asked for.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ChoiceQuery {
    /// The unit the card is for (one of the person's employments).
    pub org: String,
}

fn org_param(text: &str) -> Result<OrgId, Problem> {
    text.parse::<uuid::Uuid>()
        .map(OrgId)
        .map_err(|_| Problem::from(Refusal::field("R-ORG-1", "org", "is not an organisation id (a UUID)")))
}

/// The card type proposed for the person (R-CARD-2), with the rule and the reason shown to
/// the officer, and whether the officer may choose otherwise.
#[utoipa::path(get, path = "/api/v1/persons/{id}/card-choice", tag = "ra",
    params(("id" = String, Path, description = "The person"), ChoiceQuery),
    security(("clientCertificate" = [])),
    responses((status = 200, description = "The proposal", body = Object),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn choice(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ChoiceQuery>,
    uri: Uri,
) -> Result<Json<KindChoice>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(choice_for(&state, &caller, &id, &q, uri.path()).await?))
}

/// The body of [`choice`]: the card type proposed for the person `id` in the unit `q.org`,
/// for a caller who may order cards there (and, for a protected person, holds KUR: R-PER-3);
/// "not found" at `path` outside the caller's scope (R-ORG-1).
pub async fn choice_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    q: &ChoiceQuery,
    path: &str,
) -> Result<KindChoice, Problem> {
    let (person, _) = caller.readable_person(state, id, path).await?;
    let org = org_param(&q.org)?;
    caller.principal.authorise(&caller.tree, Permission::OrderCards, org)?;
    card::check_protected(&person, &officer(caller, org))?;
    Ok(card::choose_kind(&person, &caller.tree, today(), &state.policy))
}

/// An order basis.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The holder's unit.
    pub org: String,
    /// `sis`, `osis` or `company`.
    #[schema(value_type = String)]
    pub kind: CardKind,
    /// Why a guideline is overridden (R-CARD-2).
    pub override_reason: Option<String>,
}

/// Creates an order basis (R-CARD-3): the person secured in the unit (R-PER-2), the type
/// the choice allows (R-CARD-2), no other card on order (R-CARD-6).
#[utoipa::path(post, path = "/api/v1/persons/{id}/cards", tag = "ra",
    params(("id" = String, Path, description = "The holder"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = CreateBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "The order basis", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: CreateBody = acting.json()?;
    let caller = &acting.caller;
    let (person, _) = caller.readable_person(&state, &id, acting.path()).await?;
    let org = org_param(&cmd.org)?;
    caller.principal.authorise(&caller.tree, Permission::OrderCards, org)?;
    let others = held_cards(&state, person.id).await?;
    let events = card::create_order_basis(
        &person,
        &caller.tree,
        &others,
        CreateOrderBasis {
            card: CardId(uuid::Uuid::now_v7()),
            org,
            kind: cmd.kind,
            override_reason: cmd.override_reason,
            officer: officer(caller, org),
            on: today(),
        },
        &state.policy,
    )?;
    let created = events.iter().find_map(Card::created).ok_or_else(Problem::internal)?;
    let mut record = created.new_record(Some(org), &state.policy);
    let chain = chain_of(&caller.tree, org);
    let mut tx = state.store.begin().await?;
    let announce = write_card_events(&mut tx, &state, &acting, &chain, &mut record, &events).await?;
    done(&state, acting, tx, StatusCode::CREATED, record, announce).await
}

/// The person's cards, for a caller who may read the person (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/persons/{id}/cards", tag = "ra",
    params(("id" = String, Path, description = "The person")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The cards", body = [CardView]),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Vec<CardView>>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(list_for(&state, &caller, &id, uri.path()).await?))
}

/// The body of [`list`]: the cards of the person `id` in the caller's scope; "not found" at
/// `path` when the person is outside it (R-ORG-1).
pub async fn list_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
) -> Result<Vec<CardView>, Problem> {
    let (person, _) = caller.readable_person(state, id, path).await?;
    let cards: Vec<Record<Card>> = state.store.records_of_person(Card::KIND, person.id).await?;
    Ok(cards
        .into_iter()
        .filter(|r| caller.principal.can(&caller.tree, Permission::ReadPeople, r.state.org))
        .map(CardView::from)
        .collect())
}

/// A card in the caller's scope (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/cards/{id}", tag = "ra",
    params(("id" = String, Path, description = "The card")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The card", body = CardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<CardView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(get_for(&state, &caller, &id, uri.path()).await?))
}

/// The body of [`get`]: the card `id` in the caller's scope; "not found" at `path` outside
/// it (R-ORG-1).
pub async fn get_for(state: &AppState, caller: &Caller, id: &str, path: &str) -> Result<CardView, Problem> {
    let record: Record<Card> = record_in_scope(state, caller, id, path, Permission::ReadPeople).await?;
    Ok(record.into())
}

/// An image taken at the desk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// The image, base64.
    pub content: String,
}

/// Keeps an image and answers its reference (its SHA-256).
async fn keep_image(
    tx: &mut Tx<'_>,
    field: &'static str,
    image: Option<Image>,
) -> Result<Option<String>, Problem> {
    let Some(image) = image else { return Ok(None) };
    let bad = |reason: &str| Problem::from(Refusal::field("R-CARD-3", field, reason.to_string()));
    let bytes = B64.decode(image.content.trim()).map_err(|_| bad("the content is not base64"))?;
    if bytes.is_empty() || bytes.len() > MAX_IMAGE {
        return Err(bad("the image must be 1 byte to 2 MiB"));
    }
    let magic_ok = match image.media_type.as_str() {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        _ => return Err(bad("media_type must be image/jpeg or image/png")),
    };
    if !magic_ok {
        return Err(bad("the content is not an image of the media type given"));
    }
    let hash = hex::encode(Sha256::digest(&bytes));
    tx.put_file(&hash, &image.media_type, &bytes).await?;
    Ok(Some(format!("sha256:{hash}")))
}

/// An order with the holder present.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// Whether the holder is at the desk.
    pub holder_present: bool,
    /// The identity document shown (R-IDP-1).
    #[schema(value_type = Object)]
    pub document: IdDocument,
    /// The photo (SIS and OSIS).
    pub photo: Option<Image>,
    /// The scanned signature (SIS and OSIS).
    pub signature_image: Option<Image>,
}

/// Orders the card with the holder present (R-CARD-3, R-IDP-1, R-CARD-1).
#[utoipa::path(post, path = "/api/v1/cards/{id}/order", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OrderBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Ordered", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn order(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: OrderBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Card> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::OrderCards).await?;
    let person = person_of(&state, record.state.person, acting.path()).await?;
    let org = record.state.org;
    let mut tx = state.store.begin().await?;
    let photo = keep_image(&mut tx, "photo", cmd.photo).await?;
    let signature_image = keep_image(&mut tx, "signature_image", cmd.signature_image).await?;
    let events = card::order(
        &record.state,
        &person,
        Order {
            officer: officer(caller, org),
            holder_present: cmd.holder_present,
            document: cmd.document,
            photo,
            signature_image,
            on: today(),
        },
        &state.policy,
    )?;
    let chain = chain_of(&caller.tree, org);
    let announce = write_card_events(&mut tx, &state, &acting, &chain, &mut record, &events).await?;
    done(&state, acting, tx, StatusCode::OK, record, announce).await
}

/// A batch of orders to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// The cards.
    pub cards: Vec<String>,
    /// The cards whose orders the officer reviewed ("Granska beställning"): all of them.
    pub reviewed: Vec<String>,
}

/// A batch sent to the card supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CardBatch {
    /// The batch.
    #[schema(value_type = String)]
    pub id: BatchId,
    /// The cards in it.
    #[schema(value_type = Vec<String>)]
    pub cards: Vec<CardId>,
    /// The unit of the signing officer's scope the batch belongs to.
    #[schema(value_type = String)]
    pub org: OrgId,
    /// When it was sent.
    #[schema(value_type = String)]
    pub sent_on: time::Date,
}

impl Kept for CardBatch {
    const KIND: &'static str = "card_batch";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<tillit_core::ra::PersonId> {
        None
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.org)
    }
    fn status(&self) -> String {
        "sent".into()
    }
    fn due(&self, _: &tillit_core::ra::policy::Policy) -> Option<time::Date> {
        None
    }
}

fn card_ids(field: &'static str, ids: &[String]) -> Result<Vec<CardId>, Problem> {
    ids.iter()
        .map(|t| {
            t.parse::<uuid::Uuid>().map(CardId).map_err(|_| {
                Problem::from(Refusal::field("R-CARD-3", field, format!("{t:?} is not a card id (a UUID)")))
            })
        })
        .collect()
}

/// Sends ordered cards to the card supplier as one batch (R-CARD-3): each ordered, reviewed
/// by the signing officer, in the officer's scope. The supplier's file is then at
/// `/api/v1/batches/{id}/export`.
#[utoipa::path(post, path = "/api/v1/batches", tag = "ra",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = BatchBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Sent", body = CardBatch),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn send_batch(
    State(state): State<Arc<AppState>>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: BatchBody = acting.json()?;
    let caller = &acting.caller;
    let ids = card_ids("cards", &cmd.cards)?;
    let reviewed = card_ids("reviewed", &cmd.reviewed)?;
    if ids.is_empty() || ids.len() > 1000 {
        return Err(Refusal::field("R-CARD-3", "cards", "a batch holds 1 to 1000 orders").into());
    }
    let mut records = Vec::with_capacity(ids.len());
    for id in &ids {
        let path = format!("/api/v1/cards/{id}");
        let r: Record<Card> = record_in_scope(&state, caller, &id.to_string(), &path, Permission::OrderCards)
            .await
            .map_err(|p| p.field("cards"))?;
        records.push(r);
    }
    let first_org = records[0].state.org;
    let cards: Vec<Card> = records.iter().map(|r| r.state.clone()).collect();
    let batch = BatchId(uuid::Uuid::now_v7());
    let events = card::send_batch(
        &cards,
        SendBatch { batch, officer: officer(caller, first_org), reviewed, on: today() },
    )?;
    let chain = chain_of(&caller.tree, first_org);
    let mut tx = state.store.begin().await?;
    for mut r in records {
        for e in &events {
            r.state.apply(e);
        }
        save(&mut tx, &mut r, &state.policy).await?;
    }
    acting.record(&mut tx, &chain, &events).await?;
    let sent = CardBatch { id: batch, cards: ids, org: first_org, sent_on: today() };
    let mut record = sent.clone().new_record(Some(first_org), &state.policy);
    save(&mut tx, &mut record, &state.policy).await?;
    acting.finish(&state, tx, StatusCode::CREATED, &sent).await
}

/// The card supplier's file of a batch (CSV): one row per card with what is printed on it
/// and the references of the photo and signature. A batch with a protected person's card is
/// exported only by an officer with the protected-identity right (R-PER-3).
#[utoipa::path(get, path = "/api/v1/batches/{id}/export", tag = "ra",
    params(("id" = String, Path, description = "The batch")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The file", content_type = "text/csv"),
        (status = 404, description = "No such batch in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let batch: Record<CardBatch> =
        record_in_scope(&state, &caller, &id, uri.path(), Permission::OrderCards).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |e: csv::Error| {
        tracing::error!(error = %e, "batch export");
        Problem::internal()
    };
    out.write_record([
        "card",
        "kind",
        "national_id",
        "given_names",
        "family_name",
        "organisation",
        "photo",
        "signature_image",
    ])
    .map_err(write)?;
    for card_id in &batch.state.cards {
        let Some(card) = state.store.record::<Card>(Card::KIND, &card_id.to_string()).await? else {
            continue;
        };
        let person = person_of(&state, card.state.person, uri.path()).await?;
        card::check_protected(&person, &officer(&caller, card.state.org))?;
        let organisation = caller
            .tree
            .organisation_of(card.state.org)
            .and_then(|o| caller.tree.get(o))
            .map(|o| o.name.clone())
            .unwrap_or_default();
        out.write_record([
            card_id.to_string(),
            card.state.kind.as_str().to_string(),
            person.national_id.to_string(),
            person.given_names.clone(),
            person.family_name.clone(),
            organisation,
            card.state.photo.clone().unwrap_or_default(),
            card.state.signature_image.clone().unwrap_or_default(),
        ])
        .map_err(write)?;
    }
    let bytes = out.into_inner().map_err(|_| Problem::internal())?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
}

/// A delivery from the card supplier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    /// The serial number printed on the card.
    pub serial: String,
    /// Its last valid day, when the supplier states it.
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<time::Date>,
}

/// Records the card's arrival at the RA (R-CARD-3); it must be collected within the policy's
/// months (R-CARD-4).
#[utoipa::path(post, path = "/api/v1/cards/{id}/delivery", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = DeliveryBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Delivered", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn deliver(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, Permission::HandleCards, |_, card, cmd: DeliveryBody| {
        Ok(card::deliver(
            card,
            Deliver { serial: cmd.serial, valid_until: cmd.valid_until, on: today() },
            &state.policy,
        )?)
    })
    .await
}

/// A hand-out at the desk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOutBody {
    /// Whether the holder is at the desk.
    pub holder_present: bool,
    /// The identity document shown (R-IDP-1).
    #[schema(value_type = Object)]
    pub document: IdDocument,
    /// The national id on the document.
    pub national_id: String,
    /// The given names on the document.
    pub given_names: String,
    /// The family name on the document.
    pub family_name: String,
    /// Whether the holder brought the PIN letter.
    pub pin_letter: bool,
    /// The reference of the receipt the holder signed (R-AUD-3).
    pub receipt: String,
    /// The holder's previous cards handed in now (R-CARD-6).
    #[serde(default)]
    pub returned: Vec<String>,
}

/// Hands the card to its holder (R-CARD-3, R-CARD-4, R-IDP-1, R-AUD-3); the holder's other
/// active cards are deregistered as replaced and their credentials revoked (R-CARD-6).
#[utoipa::path(post, path = "/api/v1/cards/{id}/hand-out", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = HandOutBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Handed out", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn hand_out(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: HandOutBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Card> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::HandleCards).await?;
    let person = person_of(&state, record.state.person, acting.path()).await?;
    let national_id = NationalId::parse(Country::Se, &cmd.national_id, &ParseOptions::new(today()))
        .map_err(|e| Problem::from(Refusal::field("R-IDP-1", "national_id", e.to_string())))?;
    let others = held_cards(&state, person.id).await?;
    let events = card::hand_out(
        &record.state,
        &person,
        &others,
        HandOut {
            officer: officer(caller, record.state.org),
            holder_present: cmd.holder_present,
            document: cmd.document,
            national_id,
            given_names: cmd.given_names,
            family_name: cmd.family_name,
            pin_letter: cmd.pin_letter,
            receipt: cmd.receipt,
            returned: card_ids("returned", &cmd.returned)?,
            on: today(),
        },
        &state.policy,
    )?;
    let chain = chain_of(&caller.tree, record.state.org);
    let mut tx = state.store.begin().await?;
    let announce = write_card_events(&mut tx, &state, &acting, &chain, &mut record, &events).await?;
    done(&state, acting, tx, StatusCode::OK, record, announce).await
}

/// Deregisters a delivered or active card (R-CARD-3); every credential on it is revoked
/// in the same transaction (R-REV-3).
#[utoipa::path(post, path = "/api/v1/cards/{id}/deregistration", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = DeregisterBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Deregistered", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn deregister(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, Permission::HandleCards, |_, card, cmd: DeregisterBody| {
        Ok(card::deregister(card, Deregister { reason: cmd.reason, on: today() })?)
    })
    .await
}

/// A claim with the card supplier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// The claim form's reference.
    pub form: String,
}

/// Claims a card that does not work (R-CARD-5): a sent or handed-out card leaves service,
/// its credentials are revoked, and a replacement starts as sent.
#[utoipa::path(post, path = "/api/v1/cards/{id}/claim", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ClaimBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Claimed; the replacement is in `claims`", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn claim(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, Permission::HandleCards, |_, card, cmd: ClaimBody| {
        Ok(card::claim(
            card,
            ClaimCard { form: cmd.form, replacement: CardId(uuid::Uuid::now_v7()), on: today() },
        )?)
    })
    .await
}

/// Records a card returned by its holder (R-CARD-7): returned and deregistered at once, its
/// credentials revoked; a card returned to the manager was cut then.
#[utoipa::path(post, path = "/api/v1/cards/{id}/return", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ReturnBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Returned", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn return_card(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, Permission::HandleCards, |_, card, cmd: ReturnBody| {
        Ok(card::return_card(card, ReturnCard { to: cmd.to, reason: cmd.reason, on: today() })?)
    })
    .await
}

/// Records that a returned, deregistered or claimed card was cut (R-CARD-3).
#[utoipa::path(post, path = "/api/v1/cards/{id}/destruction", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Destroyed", body = CardView),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn destroy(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, Permission::HandleCards, |_, card, _: Empty| {
        Ok(card::destroy(card, today())?)
    })
    .await
}

/// A card holder's move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The unit the holder works in now.
    pub to: String,
}

/// What a move did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Moved {
    /// The card, now in the new unit.
    pub card: CardView,
    /// What the card's credentials state that is no longer true (`unit` for another
    /// organisation, `title`, `given_names`, `family_name`): when not empty, order new
    /// credentials for the card (R-CARD-7).
    pub content_changed: Vec<String>,
}

/// The credential content a card's issued credential carries, read from its certificate,
/// and the directory's now.
async fn credential_content(
    state: &AppState,
    card: &Card,
    person: &tillit_core::ra::person::Person,
    tree: &tillit_core::ra::org::OrgTree,
    to: OrgId,
) -> Result<(card::CredentialContent, card::CredentialContent), Problem> {
    let issued = super::credentials::open_on_card(state, card)
        .await?
        .into_iter()
        .find(|c| matches!(c.state.state, tillit_core::ra::credential::CredentialState::Issued { .. }));
    let subject = match issued.as_ref().and_then(|c| c.state.serials().first().cloned()) {
        Some(serial) => state.store.certificate(serial.as_str()).await?.map(|c| c.subject),
        None => None,
    };
    // RFC 4514 text as the CA stored it; names by their short name or OID.
    let attribute = |names: &[&str]| {
        subject.as_deref().and_then(|s| {
            s.split(',').find_map(|a| {
                let (key, value) = a.split_once('=')?;
                names.contains(&key.trim().to_ascii_lowercase().as_str()).then(|| value.trim().to_string())
            })
        })
    };
    let after = card::CredentialContent {
        unit: tree.organisation_of(to),
        title: person.licensed_title.clone(),
        given_names: person.preferred_name.clone().unwrap_or_else(|| person.given_names.clone()),
        family_name: person.family_name.clone(),
    };
    let before = match subject {
        None => card::CredentialContent { unit: tree.organisation_of(card.org), ..after.clone() },
        Some(_) => card::CredentialContent {
            unit: tree.organisation_of(card.org),
            title: attribute(&["title", "2.5.4.12"]),
            given_names: attribute(&["givenname", "gn", "2.5.4.42"]).unwrap_or_default(),
            family_name: attribute(&["sn", "surname", "2.5.4.4"]).unwrap_or_default(),
        },
    };
    Ok((before, after))
}

/// Moves a handed-out card with its holder to another unit (R-CARD-7), by an officer who
/// handles cards in both units. Answers what the card's credentials state that no longer
/// holds, so the officer orders new ones when it matters.
#[utoipa::path(post, path = "/api/v1/cards/{id}/move", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = MoveBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Moved", body = Moved),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn move_card(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: MoveBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Card> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::HandleCards).await?;
    let to = org_param(&cmd.to).map_err(|p| p.field("to"))?;
    if caller.tree.get(to).is_none() {
        return Err(Refusal::field("R-CARD-7", "to", "no such unit").into());
    }
    caller.principal.authorise(&caller.tree, Permission::HandleCards, to)?;
    let person = person_of(&state, record.state.person, acting.path()).await?;
    card::check_protected(&person, &officer(caller, to))?;
    if !person.active_employments(today()).any(|e| e.org == to) {
        return Err(
            Refusal::field("R-CARD-7", "to", "the holder has no employment in force in that unit").into()
        );
    }
    let (before, after) = credential_content(&state, &record.state, &person, &caller.tree, to).await?;
    let events = card::employment_changed(
        &record.state,
        card::EmploymentChange::Moved { to, before, after, on: today() },
    )?;
    let changed = events
        .iter()
        .find_map(|e| match e {
            CardEvent::Moved { changed, .. } => Some(changed.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let chain = chain_of(&caller.tree, to);
    let mut tx = state.store.begin().await?;
    let announce = write_card_events(&mut tx, &state, &acting, &chain, &mut record, &events).await?;
    debug_assert!(announce.is_empty());
    let answer = Moved { card: CardView::from(record), content_changed: changed };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}
