//! Reserve cards over the API (R-RES-1..3, R-RES-5): bundles of blank cards and PIN letters
//! ordered and received into the safe, the stock with its low-stock warning, cards discarded
//! unused, the hand-out in the same visit as the credential order, reuse by the same person
//! only, returns, deregistration (every credential on the card revoked, R-REV-3) and
//! destruction. Permission `reserve_cards` on the card's unit: the unit keeping the stock
//! while a card is in the safe, the holder's unit once it is handed out.
//!
//! # Two officers (R-RES-5)
//!
//! A credential at trust level 3 is issued by two KRA officers. The first is the caller,
//! who signs the action in `Tillit-Signature` as every officer does. The second, at the same
//! desk, signs **the same action text** (`tillit-action-v1`, method and path, the same
//! idempotency key, the SHA-256 of the same body; [`super::action::action_text`]) with a key
//! whose certificate this node issued to them, and the request carries it in
//! `Tillit-Co-Signature: keyid="<serial>", signature="<base64>"`; in the portal the second
//! officer signs with their passkey instead, and the portal sends the passkey signature (format
//! 2) as `Tillit-Co-Signature: passkey="<base64 of the stored form>"`. The second officer's
//! grants are read like the caller's; [`reserve::check_officers`] decides. The co-signature
//! is kept with its own audit entry (`reserve.co_signed`, actor the second officer), so
//! `tillit audit verify` checks both signatures offline (R-AUD-1).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tillit_core::audit::{Actor, AuditEvent};
use tillit_core::ra::card::{DeregisterReason, IdDocument, Officer};
use tillit_core::ra::person::Person;
use tillit_core::ra::policy::Policy;
use tillit_core::ra::reserve::{
    self, Bundle, BundleId, BundleStatus, DiscardReason, HandOutReserve, OrderBundle, ReceiveBundle,
    ReserveCard, ReserveEvent, ReserveStatus, Reuse, SerialRange, StockLevel, TrustLevel,
};
use tillit_core::ra::revocation::ReasonCode;
use tillit_core::ra::role::{Permission, Principal, Role};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{CardId, OrgId, PersonId};
use tillit_store::records::Record;
use tillit_store::reports::{Cursor, RecordFilter};
use tillit_store::Tx;
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::action::{action_text, Acting, ActorSignature, Signed};
use super::credentials::{open_on, revoke_in};
use super::kinds::Kept;
use super::passkey::{OfficerSignature, PasskeySignature};
use super::{chain_of, officer, record_in_scope, save, today};
use super::{DeregisterBody, Empty, ReturnBody};
use crate::problem::{ApiQuery, Problem};
use crate::ra_api::Caller;
use crate::tls::ClientCert;
use crate::AppState;

/// The header carrying the second officer's signature over the same action (R-RES-5).
pub const CO_SIGNATURE: &str = "tillit-co-signature";

/// The profiles whose certificates may sign an officer's actions (as `action.rs`).
const SIGNING_PROFILES: [&str; 3] = ["se-authentication", "se-signature", "function"];

/// Records read per page when counting the stock.
const PAGE: u32 = 1_000;

/// A reserve card as the API shows it: ids, codes and dates, never a name (R-PER-3).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReserveCardView {
    /// The card.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub card: ReserveCard,
    /// The unit the record belongs to: the stock's while in the safe, the holder's after.
    #[schema(value_type = Option<String>)]
    pub org: Option<OrgId>,
    /// The record version.
    pub version: i64,
    /// The stock the card left, when the action took it out of the safe (R-RES-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<StockView>,
}

impl ReserveCardView {
    fn of(record: Record<ReserveCard>, stock: Option<StockView>) -> Self {
        ReserveCardView { card: record.state, org: record.org, version: record.version, stock }
    }
}

/// A bundle as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleView {
    /// The bundle.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub bundle: Bundle,
    /// The unit keeping it.
    #[schema(value_type = Option<String>)]
    pub org: Option<OrgId>,
    /// The record version.
    pub version: i64,
}

impl From<Record<Bundle>> for BundleView {
    fn from(r: Record<Bundle>) -> Self {
        BundleView { bundle: r.state, org: r.org, version: r.version }
    }
}

/// The reserve-card stock of a unit (R-RES-1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StockView {
    /// The unit keeping the stock.
    #[schema(value_type = String)]
    pub org: OrgId,
    /// Cards in the safe, ready to hand out.
    pub in_stock: u64,
    /// Cards in bundles ordered and not received.
    pub on_order: u64,
    /// The policy's threshold (`reserve_low_stock`).
    pub threshold: u32,
    /// Whether the stock is below the threshold.
    pub low: bool,
    /// The low-stock warning, when it is low (R-RES-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl StockView {
    fn of(org: OrgId, level: StockLevel) -> Self {
        let warning = level.low.then(|| {
            format!(
                "R-RES-1: {} reserve cards in the safe, fewer than the threshold of {}; {} on order",
                level.in_stock, level.threshold, level.on_order
            )
        });
        StockView {
            org,
            in_stock: level.in_stock,
            on_order: level.on_order,
            threshold: level.threshold,
            low: level.low,
            warning,
        }
    }
}

fn org_param(field: &'static str, text: &str) -> Result<OrgId, Problem> {
    text.parse::<uuid::Uuid>()
        .map(OrgId)
        .map_err(|_| Problem::from(Refusal::field("R-ORG-1", field, "is not an organisation id (a UUID)")))
}

/// Every record matching `filter`, a page at a time.
async fn all<T: DeserializeOwned>(state: &AppState, filter: RecordFilter) -> Result<Vec<Record<T>>, Problem> {
    let mut out = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = state.store.records_page::<T>(&filter, cursor.as_ref(), PAGE).await?;
        out.extend(page.records);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// The stock kept by `unit` (R-RES-1), with `changed` cards and bundle as they are after the
/// action under way (not yet committed).
async fn stock_of(
    state: &AppState,
    unit: OrgId,
    changed: &[ReserveCard],
    bundle: Option<&Bundle>,
) -> Result<StockLevel, Problem> {
    let mut bundles: Vec<Bundle> =
        all::<Bundle>(state, RecordFilter::of_kind(Bundle::KIND).orgs(Some(vec![unit])))
            .await?
            .into_iter()
            .map(|r| r.state)
            .filter(|b| bundle.is_none_or(|changed| changed.id != b.id))
            .collect();
    bundles.extend(bundle.cloned());
    let in_stock = reserve_status_name(ReserveStatus::InStock);
    let mut cards: Vec<ReserveCard> = all::<ReserveCard>(
        state,
        RecordFilter::of_kind(ReserveCard::KIND).statuses(&[&in_stock]).orgs(Some(vec![unit])),
    )
    .await?
    .into_iter()
    .map(|r| r.state)
    .filter(|c| !changed.iter().any(|d| d.id == c.id))
    .collect();
    cards.extend(changed.iter().cloned());
    Ok(reserve::stock_level(&cards, &bundles, &state.policy))
}

/// The status column's name of a reserve card status.
fn reserve_status_name(status: ReserveStatus) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::from("unknown"),
    }
}

/// The CA reason for the credentials of a card deregistered for `reason` (R-REV-3).
fn revocation_reason(reason: DeregisterReason) -> ReasonCode {
    match reason {
        DeregisterReason::Lost | DeregisterReason::Stolen | DeregisterReason::Misuse => {
            ReasonCode::KeyCompromise
        }
        DeregisterReason::Replaced => ReasonCode::Superseded,
        DeregisterReason::LeftEmployment => ReasonCode::AffiliationChanged,
        _ => ReasonCode::CessationOfOperation,
    }
}

/// Writes a reserve card's events in `tx`: the card, the credentials of the card revoked
/// when it is deregistered (R-REV-3), the audit entries; and, when the card left the safe
/// and the stock it left is low, the low-stock warning (R-RES-1). Returns the serials to
/// announce after commit and the stock the card left.
async fn write_events(
    tx: &mut Tx<'_>,
    state: &AppState,
    acting: &Acting,
    card: &mut Record<ReserveCard>,
    events: &[ReserveEvent],
) -> Result<(Vec<String>, Option<StockView>), Problem> {
    let before = card.state.clone();
    let stock_unit = card.org;
    let holder = card.state.holder;
    for e in events {
        card.state.apply(e);
    }
    let unit = card.state.unit.or(card.org).ok_or_else(Problem::internal)?;
    let chain = chain_of(&acting.caller.tree, unit);
    save(tx, card, &state.policy).await?;
    let mut announce = Vec::new();
    for e in events {
        if let (ReserveEvent::Deregistered { reason, revoke_credentials: true, .. }, Some(person)) =
            (e, holder)
        {
            let open = open_on(state, person, card.state.id).await?;
            announce.extend(revoke_in(tx, state, acting, &chain, open, revocation_reason(*reason)).await?);
        }
    }
    acting.record(tx, &chain, events).await?;
    let mut stock = None;
    if let (ReserveStatus::InStock, true, Some(stock_unit)) =
        (before.status, card.state.status != ReserveStatus::InStock, stock_unit)
    {
        let level = stock_of(state, stock_unit, std::slice::from_ref(&card.state), None).await?;
        if let Some(warning) = level.warning(today()) {
            acting.record(tx, &chain_of(&acting.caller.tree, stock_unit), &[warning]).await?;
        }
        stock = Some(StockView::of(stock_unit, level));
    }
    Ok((announce, stock))
}

async fn done(
    state: &AppState,
    acting: Box<Acting>,
    tx: Tx<'_>,
    card: Record<ReserveCard>,
    announce: Vec<String>,
    stock: Option<StockView>,
) -> Result<Response, Problem> {
    let response = acting.finish(state, tx, StatusCode::OK, &ReserveCardView::of(card, stock)).await?;
    for serial in announce {
        state.ca.announce_revoked(&serial);
    }
    Ok(response)
}

/// A transition that needs only the reserve card and the body: begin (idempotency,
/// signature), read the body, load the card in scope with `reserve_cards`, decide, write,
/// answer.
#[allow(clippy::too_many_arguments)]
async fn transition<B: DeserializeOwned>(
    state: &AppState,
    acting: Box<Acting>,
    id: &str,
    decide: impl FnOnce(&ReserveCard, B) -> Result<Vec<ReserveEvent>, Refusal>,
) -> Result<Response, Problem> {
    let cmd: B = acting.json()?;
    let mut record: Record<ReserveCard> =
        record_in_scope(state, &acting.caller, id, acting.path(), Permission::ReserveCards).await?;
    let events = decide(&record.state, cmd)?;
    let mut tx = state.store.begin().await?;
    let (announce, stock) = write_events(&mut tx, state, &acting, &mut record, &events).await?;
    done(state, acting, tx, record, announce, stock).await
}

// ---- the second officer (R-RES-5) ---------------------------------------------------------

/// The second officer of a level-3 issue, with their signature over the same action.
struct CoSigner {
    officer: Officer,
    signature: OfficerSignature,
}

/// Reads and checks `Tillit-Co-Signature`, when the request carries one: a signature over the
/// same action text by another officer than the caller, with a key whose certificate this node
/// issued (not revoked, valid now, of a profile that signs) or with a passkey registered to
/// them (not removed, the same key). The
/// second officer's grants on `unit` say whether they hold KRA and KUR (R-RES-5, R-PER-3).
async fn co_signer(state: &AppState, acting: &Acting, unit: OrgId) -> Result<Option<CoSigner>, Problem> {
    let (caller, method, path, headers, body) =
        (&acting.caller, acting.method(), acting.path(), acting.headers(), acting.body().as_ref());
    const FIELD: &str = "Tillit-Co-Signature";
    let refuse = |detail: &str| {
        Problem::new(
            StatusCode::FORBIDDEN,
            "signature-required",
            "The second officer's signature is missing or wrong",
        )
        .field(FIELD)
        .detail(detail.to_string())
    };
    let bad = |detail: &str| {
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request")
            .field(FIELD)
            .detail(detail.to_string())
    };
    let Some(header) = headers.get(CO_SIGNATURE) else { return Ok(None) };
    let header = header.to_str().map_err(|_| bad("must be visible ASCII"))?;
    let message = action_text(method.as_str(), path, acting.key(), body);
    let (person, signature) = match header.trim().strip_prefix("passkey=") {
        Some(blob) => {
            // A passkey signature (format 2), as the portal sends it: the blob stored with the
            // audit entry, base64.
            let bytes =
                B64.decode(blob.trim().trim_matches('"')).map_err(|_| bad("passkey is not base64"))?;
            let signature = PasskeySignature::from_bytes(&bytes).map_err(|e| bad(&e))?;
            if signature.message != message {
                return Err(refuse("the second officer signed another action"));
            }
            let verified = signature.verify().map_err(|e| refuse(&e))?;
            let passkey = state
                .store
                .passkey(&verified.credential_id)
                .await?
                .filter(|p| p.removed_us.is_none())
                .ok_or_else(|| {
                    refuse("the second officer's passkey is not registered here, or was removed")
                })?;
            if passkey.key.spki != verified.spki || passkey.key.rp_id != signature.rp_id {
                return Err(refuse("the second officer's passkey was registered with another key"));
            }
            let person: PersonId = passkey
                .key
                .person
                .parse()
                .map_err(|_| refuse("the second officer's passkey names no person"))?;
            (person, OfficerSignature::Passkey(signature))
        }
        None => {
            let (person, signature) = certificate_co_signature(state, header, message, &refuse, &bad).await?;
            (person, OfficerSignature::Certificate(signature))
        }
    };
    if person == caller.principal.person {
        return Err(refuse("the second officer must be another person than the caller (R-RES-5)"));
    }
    let second = Principal { person, grants: state.store.grants_of(person).await? };
    Ok(Some(CoSigner {
        officer: Officer {
            id: person,
            kra: second.holds(&caller.tree, Role::Kra, unit),
            kur: second.can(&caller.tree, Permission::ProtectedIdentity, unit),
        },
        signature,
    }))
}

/// A co-signature with a key whose certificate this node issued (format 1):
/// `keyid="<serial>", signature="<base64>"`, checked as the caller's own signature is.
async fn certificate_co_signature(
    state: &AppState,
    header: &str,
    message: String,
    refuse: &(dyn Fn(&str) -> Problem + Sync),
    bad: &(dyn Fn(&str) -> Problem + Sync),
) -> Result<(PersonId, ActorSignature), Problem> {
    let mut keyid = None;
    let mut signature = None;
    for part in header.split(',') {
        let Some((name, value)) = part.split_once('=') else {
            return Err(bad("write keyid=\"<serial>\", signature=\"<base64>\""));
        };
        let value = value.trim().trim_matches('"');
        match name.trim() {
            "keyid" => keyid = Some(value.to_string()),
            "signature" => signature = Some(value.to_string()),
            _ => {}
        }
    }
    let (Some(keyid), Some(signature)) = (keyid, signature) else {
        return Err(bad("both keyid and signature are needed"));
    };
    let serial = crate::ca::normalise_serial(&keyid).map_err(|_| bad("keyid is not a serial number"))?;
    let record = state
        .store
        .certificate(&serial)
        .await?
        .ok_or_else(|| refuse("keyid names no certificate this node issued"))?;
    if record.revoked_us.is_some() {
        return Err(refuse("the second officer's certificate is revoked"));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000_000;
    if now < record.not_before_us || now > record.not_after_us {
        return Err(refuse("the second officer's certificate is not valid now"));
    }
    if !SIGNING_PROFILES.contains(&record.profile.as_str()) {
        return Err(refuse("the certificate's profile does not sign actions"));
    }
    let person = state
        .store
        .principal(&serial)
        .await?
        .ok_or_else(|| refuse("the certificate is not bound to an officer of this organisation"))?;
    let stored = ActorSignature { v: 1, message, certificate: B64.encode(&record.der), signature };
    stored.verify().map_err(|e| refuse(&e))?;
    Ok((person, stored))
}

/// The issuing officers: the caller first, then the second officer if one co-signed.
fn officers(caller: &Caller, unit: OrgId, second: &Option<CoSigner>) -> Vec<Officer> {
    let mut officers = vec![officer(caller, unit)];
    officers.extend(second.as_ref().map(|s| s.officer));
    officers
}

/// Appends the second officer's own audit entry with their signature (R-AUD-1, R-RES-5).
async fn record_co_signature(
    tx: &mut Tx<'_>,
    chain: &str,
    second: Option<CoSigner>,
    card: CardId,
    level: TrustLevel,
    routine: &str,
) -> Result<(), Problem> {
    let Some(second) = second else { return Ok(()) };
    let actor = Actor::parse(&format!("officer:{}", second.officer.id)).map_err(|_| Problem::internal())?;
    let mut audit = AuditEvent::new(
        chain,
        actor,
        "reserve.co_signed",
        serde_json::json!({
            "card": card,
            "officer": second.officer.id,
            "trust_level": level,
            "routine": routine,
            "on": today(),
        }),
    );
    audit.actor_signature = Some(second.signature.to_bytes());
    tx.append(audit).await?;
    Ok(())
}

fn person_param(text: &str) -> Result<PersonId, Problem> {
    text.parse()
        .map_err(|_| Problem::from(Refusal::field("R-PER-1", "person", "is not a person id (a UUID)")))
}

/// The person named in the body, when the caller may read them; otherwise refused naming
/// the field, as if absent (R-ORG-1).
async fn person_in_body(state: &AppState, caller: &Caller, id: &str, path: &str) -> Result<Person, Problem> {
    person_param(id)?;
    caller.readable_person(state, id, path).await.map(|(p, _)| p).map_err(|p| {
        if p.status == StatusCode::NOT_FOUND.as_u16() {
            p.field("person").detail("no such person in the caller's scope")
        } else {
            p
        }
    })
}

/// The longest credential a reserve card may get today (R-RES-2, R-CRED-2): at most
/// `reserve_credential_max_days`, within the employment.
fn longest(person: &Person, on: Date, policy: &Policy) -> Date {
    let max = reserve::max_credential_end(on, policy);
    match person.employment_end(on) {
        Some(Some(end)) => max.min(end),
        _ => max,
    }
}

// ---- bundles and stock (R-RES-1) ----------------------------------------------------------

/// A bundle to order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBundleBody {
    /// The unit whose safe keeps the stock.
    pub org: String,
    /// The cards' serial numbers: `{"first": …, "last": …}`, at most 1000.
    #[schema(value_type = Object)]
    pub serials: SerialRange,
}

/// Orders a bundle of reserve cards and PIN letters from the card supplier for a unit's
/// safe (R-RES-1): a serial range no other bundle holds.
#[utoipa::path(post, path = "/api/v1/reserve/bundles", tag = "ra",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OrderBundleBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Ordered", body = BundleView),
        (status = 403, description = "No reserve_cards right on the unit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn order_bundle(
    State(state): State<Arc<AppState>>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: OrderBundleBody = acting.json()?;
    let caller = &acting.caller;
    let org = org_param("org", &cmd.org)?;
    caller.principal.authorise(&caller.tree, Permission::ReserveCards, org)?;
    // Serial numbers are printed on the cards: unique across every unit's bundles.
    let existing: Vec<Bundle> = all::<Bundle>(&state, RecordFilter::of_kind(Bundle::KIND))
        .await?
        .into_iter()
        .map(|r| r.state)
        .collect();
    let id = BundleId(uuid::Uuid::now_v7());
    let on = today();
    let events = reserve::order_bundle(&existing, OrderBundle { bundle: id, serials: cmd.serials, on })?;
    let bundle =
        Bundle { id, serials: cmd.serials, status: BundleStatus::Ordered, ordered_on: on, received_on: None };
    let mut record = bundle.new_record(Some(org), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, org), &events).await?;
    acting.finish(&state, tx, StatusCode::CREATED, &BundleView::from(record)).await
}

/// A bundle's arrival.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    /// Serial numbers whose PIN letter envelope shows signs of opening: discarded at once
    /// (R-RES-2).
    #[serde(default)]
    pub opened_letters: Vec<u64>,
}

/// A received bundle: its cards, now in the safe, and the stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    /// The bundle.
    pub bundle: BundleView,
    /// The ids of its cards, in serial order (those discarded included).
    pub cards: Vec<String>,
    /// The unit's stock now (R-RES-1).
    pub stock: StockView,
}

/// Receives an ordered bundle into the safe (R-RES-1): one reserve card per serial number is
/// stocked; a card whose PIN letter shows signs of opening is discarded at once (R-RES-2).
/// The low-stock warning is recorded when the stock is still low.
#[utoipa::path(post, path = "/api/v1/reserve/bundles/{id}/receipt", tag = "ra",
    params(("id" = String, Path, description = "The bundle"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ReceiveBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Received", body = Received),
        (status = 404, description = "No such bundle in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn receive_bundle(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ReceiveBody = acting.json()?;
    let caller = &acting.caller;
    let mut bundle: Record<Bundle> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::ReserveCards).await?;
    let unit = bundle.org.ok_or_else(Problem::internal)?;
    let on = today();
    let ids: Vec<CardId> = bundle.state.serials.serials().map(|_| CardId(uuid::Uuid::now_v7())).collect();
    let events = reserve::receive_bundle(
        &bundle.state,
        ReceiveBundle { cards: ids.clone(), opened_letters: cmd.opened_letters, on },
    )?;
    bundle.state.status = BundleStatus::Received;
    bundle.state.received_on = Some(on);
    let mut cards: Vec<Record<ReserveCard>> = events
        .iter()
        .filter_map(|e| match e {
            ReserveEvent::Stocked { card, bundle, serial } => {
                Some(ReserveCard::stocked(*card, *bundle, *serial).new_record(Some(unit), &state.policy))
            }
            _ => None,
        })
        .collect();
    for card in &mut cards {
        for e in &events {
            card.state.apply(e);
        }
    }
    let states: Vec<ReserveCard> = cards.iter().map(|c| c.state.clone()).collect();
    let level = stock_of(&state, unit, &states, Some(&bundle.state)).await?;
    let chain = chain_of(&caller.tree, unit);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut bundle, &state.policy).await?;
    for card in &mut cards {
        save(&mut tx, card, &state.policy).await?;
    }
    acting.record(&mut tx, &chain, &events).await?;
    if let Some(warning) = level.warning(on) {
        acting.record(&mut tx, &chain, &[warning]).await?;
    }
    let answer = Received {
        bundle: BundleView::from(bundle),
        cards: ids.iter().map(ToString::to_string).collect(),
        stock: StockView::of(unit, level),
    };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}

/// Whose stock.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StockQuery {
    /// The unit keeping the stock.
    pub org: String,
}

/// The reserve-card stock a unit keeps in its safe, with the low-stock warning when it is
/// below the policy's threshold (R-RES-1).
#[utoipa::path(get, path = "/api/v1/reserve/stock", tag = "ra",
    params(StockQuery), security(("clientCertificate" = [])),
    responses((status = 200, description = "The stock", body = StockView),
        (status = 403, description = "No reserve_cards right on the unit", body = Problem, content_type = "application/problem+json")))]
pub async fn stock(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    ApiQuery(q): ApiQuery<StockQuery>,
) -> Result<Json<StockView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(stock_for(&state, &caller, &q).await?))
}

/// The body of [`stock`]: the stock of the unit `q.org`, for a caller with `reserve_cards`
/// on it.
pub async fn stock_for(state: &AppState, caller: &Caller, q: &StockQuery) -> Result<StockView, Problem> {
    let org = org_param("org", &q.org)?;
    caller.principal.authorise(&caller.tree, Permission::ReserveCards, org)?;
    let level = stock_of(state, org, &[], None).await?;
    Ok(StockView::of(org, level))
}

/// A reserve card in the caller's scope (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/reserve/cards/{id}", tag = "ra",
    params(("id" = String, Path, description = "The reserve card")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The card", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<ReserveCardView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(get_for(&state, &caller, &id, uri.path()).await?))
}

/// The body of [`get`]: the reserve card `id` in the caller's scope; "not found" at `path`
/// outside it (R-ORG-1).
pub async fn get_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
) -> Result<ReserveCardView, Problem> {
    let record: Record<ReserveCard> =
        record_in_scope(state, caller, id, path, Permission::ReadPeople).await?;
    Ok(ReserveCardView::of(record, None))
}

/// Why a card is discarded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardBody {
    /// `pin_letter_opened` or `damaged`.
    #[schema(value_type = String)]
    pub reason: DiscardReason,
}

/// Discards a card in the safe unused: its PIN letter was opened, or it is damaged
/// (R-RES-2). The answer carries the stock, with the warning when it is low (R-RES-1).
#[utoipa::path(post, path = "/api/v1/reserve/cards/{id}/discard", tag = "ra",
    params(("id" = String, Path, description = "The reserve card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = DiscardBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Discarded", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn discard(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, |card, cmd: DiscardBody| reserve::discard(card, cmd.reason, today()))
        .await
}

// ---- issuing (R-RES-2, R-RES-3, R-RES-5) ---------------------------------------------------

/// A hand-out at the desk, in the same visit as the credential order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOutBody {
    /// The holder.
    pub person: String,
    /// The holder's unit (an employment in force there, R-PER-2).
    pub unit: String,
    /// Whether the holder is at the desk.
    pub holder_present: bool,
    /// The identity document shown (R-IDP-1).
    #[schema(value_type = Object)]
    pub document: IdDocument,
    /// Whether the card's PIN letter is unopened (R-RES-2).
    pub pin_letter_unopened: bool,
    /// The reference of the paper receipt the holder and officer signed (R-AUD-3).
    pub receipt: String,
    /// The last day of the credential; the longest allowed when absent (at most 180 days and
    /// within the employment: R-RES-2, R-CRED-2).
    #[schema(value_type = Option<String>)]
    pub credential_until: Option<Date>,
    /// `level2` (the default) or `level3`, which needs a second KRA officer's
    /// `Tillit-Co-Signature` (R-RES-5).
    #[schema(value_type = Option<String>)]
    pub trust_level: Option<TrustLevel>,
}

/// Hands a reserve card out of the safe to its holder, in the same visit as the credential
/// order (R-RES-2): holder present, PIN letter unopened, an accepted identity document
/// (R-IDP-1), a secured HR record in the unit (R-PER-2), the paper receipt (R-AUD-3), at
/// trust level 3 a second KRA officer co-signing (R-RES-5), KUR for a protected person
/// (R-PER-3). The credential is then ordered on `POST /api/v1/cards/{id}/credentials`. The
/// answer carries the stock the card left, with the warning when it is low (R-RES-1).
#[utoipa::path(post, path = "/api/v1/reserve/cards/{id}/hand-out", tag = "ra",
    params(("id" = String, Path, description = "The reserve card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action"),
        ("Tillit-Co-Signature" = Option<String>, Header, description = "The second officer's signature over the same action (trust level 3, R-RES-5)")),
    request_body = HandOutBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Handed out", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn hand_out(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: HandOutBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<ReserveCard> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::ReserveCards).await?;
    let unit = org_param("unit", &cmd.unit)?;
    caller.principal.authorise(&caller.tree, Permission::ReserveCards, unit)?;
    let person = person_in_body(&state, caller, &cmd.person, acting.path()).await?;
    let second = co_signer(&state, &acting, unit).await?;
    let on = today();
    let level = cmd.trust_level.unwrap_or(TrustLevel::Level2);
    let events = reserve::hand_out(
        &record.state,
        &person,
        &caller.tree,
        HandOutReserve {
            unit,
            officers: officers(caller, unit, &second),
            holder_present: cmd.holder_present,
            document: cmd.document,
            pin_letter_unopened: cmd.pin_letter_unopened,
            receipt: cmd.receipt,
            credential_until: cmd.credential_until.unwrap_or_else(|| longest(&person, on, &state.policy)),
            trust_level: level,
            on,
        },
        &state.policy,
    )?;
    let mut tx = state.store.begin().await?;
    let (announce, stock) = write_events(&mut tx, &state, &acting, &mut record, &events).await?;
    record_co_signature(&mut tx, &chain_of(&caller.tree, unit), second, record.state.id, level, "hand_out")
        .await?;
    done(&state, acting, tx, record, announce, stock).await
}

/// A reuse by the card's holder.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReuseBody {
    /// The person at the desk: only the one who first received the card (R-RES-3).
    pub person: String,
    /// The identity document shown (R-IDP-1).
    #[schema(value_type = Object)]
    pub document: IdDocument,
    /// The last day of the new credential; the longest allowed when absent (R-RES-2).
    #[schema(value_type = Option<String>)]
    pub credential_until: Option<Date>,
    /// `level2` (the default) or `level3` with a `Tillit-Co-Signature` (R-RES-5).
    #[schema(value_type = Option<String>)]
    pub trust_level: Option<TrustLevel>,
}

/// Gives a used reserve card a new credential (R-RES-3): only for the person who first
/// received it and before its reuse deadline, with the checks of a hand-out (R-PER-2,
/// R-IDP-1, R-RES-2, R-RES-5). The credential is then ordered on
/// `POST /api/v1/cards/{id}/credentials`; its download supersedes the previous one (R-CRED-3).
#[utoipa::path(post, path = "/api/v1/reserve/cards/{id}/reuse", tag = "ra",
    params(("id" = String, Path, description = "The reserve card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action"),
        ("Tillit-Co-Signature" = Option<String>, Header, description = "The second officer's signature over the same action (trust level 3, R-RES-5)")),
    request_body = ReuseBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Reused", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn reuse(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ReuseBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<ReserveCard> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::ReserveCards).await?;
    let unit = record.state.unit.or(record.org).ok_or_else(Problem::internal)?;
    let person = person_in_body(&state, caller, &cmd.person, acting.path()).await?;
    let second = co_signer(&state, &acting, unit).await?;
    let on = today();
    let level = cmd.trust_level.unwrap_or(TrustLevel::Level2);
    let events = reserve::reuse(
        &record.state,
        &person,
        &caller.tree,
        Reuse {
            officers: officers(caller, unit, &second),
            document: cmd.document,
            credential_until: cmd.credential_until.unwrap_or_else(|| longest(&person, on, &state.policy)),
            trust_level: level,
            on,
        },
        &state.policy,
    )?;
    let mut tx = state.store.begin().await?;
    let (announce, stock) = write_events(&mut tx, &state, &acting, &mut record, &events).await?;
    record_co_signature(&mut tx, &chain_of(&caller.tree, unit), second, record.state.id, level, "reuse")
        .await?;
    done(&state, acting, tx, record, announce, stock).await
}

// ---- returns and deregistration -------------------------------------------------------------

/// Records a reserve card returned by its holder (000 §2.3, §7.5): returned and
/// deregistered at once, its credentials revoked (R-REV-3); one returned to the manager was
/// cut then.
#[utoipa::path(post, path = "/api/v1/reserve/cards/{id}/return", tag = "ra",
    params(("id" = String, Path, description = "The reserve card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ReturnBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Returned", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn return_card(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, |card, cmd: ReturnBody| {
        reserve::return_card(card, cmd.to, cmd.reason, today())
    })
    .await
}

/// Deregisters a handed-out reserve card that is not returned (lost, stolen, not returned:
/// R-CARD-8); every credential on it is revoked in the same transaction (R-REV-3).
#[utoipa::path(post, path = "/api/v1/reserve/cards/{id}/deregistration", tag = "ra",
    params(("id" = String, Path, description = "The reserve card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = DeregisterBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Deregistered", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn deregister(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, |card, cmd: DeregisterBody| {
        reserve::deregister(card, cmd.reason, today())
    })
    .await
}

/// Records that a returned or deregistered reserve card was cut.
#[utoipa::path(post, path = "/api/v1/reserve/cards/{id}/destruction", tag = "ra",
    params(("id" = String, Path, description = "The reserve card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Destroyed", body = ReserveCardView),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn destroy(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    transition(&state, acting, &id, |card, _: Empty| reserve::destroy(card, today())).await
}
