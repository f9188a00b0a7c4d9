//! Extra key cards over the API (R-DK-5; 001 §4): the citizen comes to the desk, the officer
//! checks their identity and opens a **visit** (`POST /api/v1/dk/accounts/{id}/visits`),
//! then hands out one key card per request (`POST /api/v1/dk/visits/{id}/key-cards`), each
//! registered by its envelope number from the office's stock (R-RES-4) and signed on its
//! own, at most `dk_max_extra_key_cards` (10) in one visit, on the day of the visit.
//! Permission `dk_registration` on the office; a citizen with name and address protection is
//! served only by an officer who also holds the protected-identity right there (R-PER-3).
//!
//! The visit is a record of kind `dk_visit` ([`Visit`]'s [`Kept`] impl), so each card is a
//! request of its own and two officers handing out cards in one visit at once cannot pass
//! the limit: the second write finds the visit changed (409).
//!
//! # The identity check at the desk
//!
//! The desk routines that check documents without recording them (extra key cards, a
//! forgotten passcode: R-DK-6) take a [`DeskCheckBody`]: the *kinds* of the documents and
//! whether each shows the CPR number, never a document number. When the officer types the
//! name as read from the document, the population register ([`crate::eid::register`])
//! matches it against the citizen's CPR number (R-IDP-3); the name goes no further than that
//! lookup: it is in no record, event or answer. Without it no lookup is possible, and the
//! Danish rules then ask for a second photo document or one of (a)-(d).
//!
//! # Envelopes by number
//!
//! An envelope is found by its item and number with the stock's own lookup
//! ([`super::stock::envelope`]), whatever its state or office: the routine then refuses one
//! that is not in this office's stock, or was opened or damaged, naming R-RES-4.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::ra::dk::account::Account;
use tillit_core::ra::dk::authenticator::{AuthEvent, AuthKind, AuthStatus, Authenticator};
use tillit_core::ra::dk::extra::{self, ExtraEvent, ExtraKeyCard, OpenVisit, Opened, Visit};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::dk::{AccountId, VisitId};
use tillit_core::ra::person::Person;
use tillit_core::ra::policy::Policy;
use tillit_core::ra::proofing::{
    CprLookup, DkDocument, DkPresented, DkProofing, DkSituation, Observations, RejectionReason,
};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::records::Record;
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{account, name_of, stock};
use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::routines::action::Signed;
use crate::routines::kinds::Kept;
use crate::routines::{chain_of, record_in_scope, save, today};
use crate::AppState;

/// This part's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(open)).routes(routes!(key_card))
}

impl Kept for Visit {
    const KIND: &'static str = "dk_visit";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.person)
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.office)
    }
    /// A visit is open on its day; the day and the count decide what it may still do.
    fn status(&self) -> String {
        String::from("open")
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        None
    }
}

// ---- shared by the desk routines ----------------------------------------------------------

/// An office named in a body or a query: its organisation id.
pub(super) fn office_param(field: &'static str, text: &str) -> Result<OrgId, Problem> {
    text.trim()
        .parse::<uuid::Uuid>()
        .map(OrgId)
        .map_err(|_| Problem::from(Refusal::field("R-ORG-1", field, "is not an office id (a UUID)")))
}

/// The account in the path; "not found" at `path` when there is none.
pub(super) async fn account_in_path(
    state: &AppState,
    id: &str,
    path: &str,
) -> Result<Record<Account>, Problem> {
    let id: AccountId =
        id.parse().map_err(|_| Problem::from(Refusal::field("R-ORG-1", "id", "is not an id (a UUID)")))?;
    account(state, id).await?.ok_or_else(|| Problem::not_found(path))
}

/// The citizen `person`, served at `office` by `caller`: "not found" at `path` when the
/// directory does not hold them; refused (403, R-PER-3) for a citizen with name and address
/// protection when the caller lacks the protected-identity right on the office. The refusal
/// names no one.
pub(super) async fn citizen(
    state: &AppState,
    caller: &Caller,
    person: PersonId,
    office: OrgId,
    path: &str,
) -> Result<Person, Problem> {
    let record = state
        .store
        .person(person)
        .await?
        .filter(|r| r.removed_us.is_none())
        .ok_or_else(|| Problem::not_found(path))?;
    may_serve(caller, &record.person, office)?;
    Ok(record.person)
}

/// R-PER-3, R-IDP-6: only an officer with the protected-identity right on the office serves a
/// protected citizen.
fn may_serve(caller: &Caller, person: &Person, office: OrgId) -> Result<(), Problem> {
    if person.protected && !caller.principal.can(&caller.tree, Permission::ProtectedIdentity, office) {
        return Err(Refusal::new(
            "R-PER-3",
            "this citizen has name and address protection: only an officer with the protected-identity \
             right serves them",
        )
        .into());
    }
    Ok(())
}

/// A document presented at the desk: its kind and whether it shows the CPR number. There is
/// no field for its number: these routines check documents and do not record them (R-DK-6).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskDocument {
    /// `passport`, `driving_licence`, `defence_id`, `nato_passport`, `police_id`,
    /// `residence_permit`, `bank_id_card` (photo documents, R-IDP-3), or
    /// `baptism_or_name_certificate`, `health_insurance_card`, `tax_assessment`,
    /// `benefit_payment_proof` ((a)-(d), R-IDP-3, R-IDP-4).
    #[schema(value_type = String)]
    pub kind: DkDocument,
    /// Whether it shows the CPR number (R-IDP-3: at least one must).
    pub carries_cpr: bool,
    /// The date of a proof of benefit payment (d), which must be at most 3 months old
    /// (`YYYY-MM-DD`); not recorded.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub dated: Option<Date>,
}

/// The name as the officer reads it from the document, for the CPR lookup (R-IDP-3). It is
/// matched against the population register and then forgotten.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameOnDocument {
    /// The given names on the document.
    pub given_names: String,
    /// The family name on the document.
    pub family_name: String,
}

/// What the officer saw while checking the documents (R-IDP-5): any of these turns the
/// citizen away.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeenBody {
    /// A document is incomplete (damaged, pages missing).
    #[serde(default)]
    pub incomplete: bool,
    /// The data do not match.
    #[serde(default)]
    pub mismatch: bool,
    /// A document looks forged.
    #[serde(default)]
    pub forgery_suspected: bool,
}

/// The citizen's identity, checked at the desk with the Danish document rules (R-IDP-3..6)
/// and not recorded: kinds and CPR flags only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskCheckBody {
    /// The documents presented.
    pub documents: Vec<DeskDocument>,
    /// The name as read from the document: the population register matches it against the
    /// citizen's CPR number. Without it no lookup is possible (a second photo document or one
    /// of (a)-(d) is then needed, R-IDP-3).
    #[serde(default)]
    pub name_on_document: Option<NameOnDocument>,
    /// The citizen has no population-register address (R-IDP-6). Name and address protection
    /// is read from the register, not from the request.
    #[serde(default)]
    pub homeless: bool,
    /// A protected or homeless citizen has given the address new key cards go to (R-IDP-6).
    #[serde(default)]
    pub delivery_address: bool,
    /// What the officer saw (R-IDP-5).
    #[serde(default)]
    pub observations: SeenBody,
}

/// The proofing of `citizen` from what the officer checked: the CPR lookup is the population
/// register's, when the officer typed the name on the document; protection is the register's
/// (the person record's, or the lookup's).
pub(super) async fn desk_proofing(
    state: &AppState,
    citizen: &Person,
    check: &DeskCheckBody,
) -> Result<DkProofing, Problem> {
    let (cpr_lookup, register_protected) = match &check.name_on_document {
        Some(name) => {
            let eid = state.eid().await?;
            let found =
                eid.register.lookup(&citizen.national_id, &name.given_names, &name.family_name).await?;
            (found.result, found.protected)
        }
        None => (CprLookup::NotPossible, false),
    };
    let situation = if citizen.protected || register_protected {
        DkSituation::Protected
    } else if check.homeless {
        DkSituation::Homeless
    } else {
        DkSituation::Ordinary
    };
    Ok(DkProofing {
        person: citizen.id,
        documents: check
            .documents
            .iter()
            .map(|d| DkPresented { kind: d.kind, number: None, carries_cpr: d.carries_cpr, dated: d.dated })
            .collect(),
        cpr_lookup,
        situation,
        delivery_address: check.delivery_address,
        observations: Observations {
            incomplete: check.observations.incomplete,
            mismatch: check.observations.mismatch,
            forgery_suspected: check.observations.forgery_suspected,
        },
    })
}

/// The envelopes of `items` numbered `serial` (R-RES-4), registered in any office and state;
/// when both of two items have the number, those in stock. A number that is not one is
/// refused naming `field`.
pub(super) async fn envelopes(
    state: &AppState,
    items: &[DkItem],
    field: &'static str,
    serial: &str,
) -> Result<Vec<Record<Authenticator>>, Problem> {
    let number = stock::parse_serial(serial)
        .ok_or_else(|| Problem::from(Refusal::field("R-RES-4", field, "is not an envelope number")))?;
    let mut found = Vec::new();
    for item in items {
        found.extend(stock::envelope(state, *item, number).await?);
    }
    if found.len() > 1 {
        found.retain(|e| e.state.status == AuthStatus::InStock);
    }
    Ok(found)
}

/// Why a citizen was turned away at the desk (R-IDP-5).
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionView {
    /// The rule the documents failed (`R-IDP-3`, `R-IDP-4`, `R-IDP-5`, `R-IDP-6`).
    pub rule: String,
    /// `incomplete`, `mismatch` or `suspected_forgery`.
    pub reason: String,
}

impl RejectionView {
    /// The view of a rejection.
    pub(super) fn of(rule: &str, reason: RejectionReason) -> RejectionView {
        RejectionView { rule: rule.to_string(), reason: name_of(&reason) }
    }
}

// ---- the visit -------------------------------------------------------------------------------

/// A visit as the API shows it: ids, the day and the cards handed out.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    /// The visit.
    pub id: String,
    /// The citizen's account.
    pub account: String,
    /// The citizen (an id: never a name).
    pub person: String,
    /// The office.
    pub office: String,
    /// The officer who checked the identity.
    pub officer: String,
    /// How the identity was proofed (`dk_photo_document`, `dk_without_photo`).
    pub method: String,
    /// The day of the visit: cards are handed out on this day only.
    pub on: String,
    /// The key cards handed out in it, in order.
    pub issued: Vec<String>,
    /// How many more it may hand out (R-DK-5).
    pub remaining: u32,
    /// The record version.
    pub version: i64,
}

impl VisitView {
    fn of(record: &Record<Visit>, policy: &Policy) -> VisitView {
        let v = &record.state;
        VisitView {
            id: v.id.to_string(),
            account: v.account.to_string(),
            person: v.person.to_string(),
            office: v.office.to_string(),
            officer: v.officer.to_string(),
            method: name_of(&v.method),
            on: v.on.to_string(),
            issued: v.issued.iter().map(ToString::to_string).collect(),
            remaining: v.remaining(policy),
            version: record.version,
        }
    }
}

/// The outcome of a visit's identity check.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitOpened {
    /// `opened`, or `rejected` when the citizen was turned away (R-IDP-5; recorded, nothing
    /// handed out).
    pub outcome: String,
    /// The visit, when opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit: Option<VisitView>,
    /// Why the citizen was turned away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionView>,
}

/// Opens a visit for extra key cards.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenVisitBody {
    /// The office (the desk): the caller holds `dk_registration` on it.
    pub office: String,
    /// The citizen's identity, checked and not recorded.
    pub identity: DeskCheckBody,
}

/// Opens a visit for extra key cards (R-DK-5): the account in use (not suspended or revoked,
/// R-DK-7) and the citizen's identity checked with the Danish rules (R-IDP-3..6), by an
/// officer with `dk_registration` on the office (and the protected-identity right for a
/// protected citizen, R-PER-3). A citizen turned away (R-IDP-5) is recorded and gets no visit.
#[utoipa::path(post, path = "/api/v1/dk/accounts/{id}/visits", tag = "dk",
    params(("id" = String, Path, description = "The citizen's account"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OpenVisitBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "The visit is open", body = VisitOpened),
        (status = 200, description = "The citizen was turned away (R-IDP-5): recorded, no visit", body = VisitOpened),
        (status = 403, description = "No dk_registration on the office, or a protected citizen without the right (R-PER-3)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn open(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: OpenVisitBody = acting.json()?;
    let caller = &acting.caller;
    let office = office_param("office", &cmd.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkRegistration, office)?;
    let account = account_in_path(&state, &id, acting.path()).await?;
    let person = citizen(&state, caller, account.state.person, office, acting.path()).await?;
    let proofing = desk_proofing(&state, &person, &cmd.identity).await?;
    let opened = extra::open_visit(
        &account.state,
        OpenVisit {
            id: VisitId(uuid::Uuid::now_v7()),
            office,
            officer: caller.principal.person,
            proofing,
            on: today(),
        },
        &state.policy,
    )?;
    let chain = chain_of(&caller.tree, office);
    let mut tx = state.store.begin().await?;
    match opened {
        Opened::Visit(visit, events) => {
            let mut record = visit.new_record(Some(office), &state.policy);
            save(&mut tx, &mut record, &state.policy).await?;
            acting.record(&mut tx, &chain, &events).await?;
            let answer = VisitOpened {
                outcome: "opened".into(),
                visit: Some(VisitView::of(&record, &state.policy)),
                rejection: None,
            };
            acting.finish(&state, tx, StatusCode::CREATED, &answer).await
        }
        Opened::Rejected(events) => {
            acting.record(&mut tx, &chain, &events).await?;
            let rejection = events.iter().find_map(|e| match e {
                ExtraEvent::Rejected { rule, reason, .. } => Some(RejectionView::of(rule, *reason)),
                ExtraEvent::VisitOpened { .. } => None,
            });
            let answer = VisitOpened { outcome: "rejected".into(), visit: None, rejection };
            acting.finish(&state, tx, StatusCode::OK, &answer).await
        }
    }
}

/// One extra key card, by its envelope number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyCardBody {
    /// The number on the key card's envelope, from the office's stock (R-RES-4).
    pub serial: String,
    /// `key_card` or `large_print_key_card`: needed only when the office holds both with
    /// this number.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub item: Option<DkItem>,
}

/// A key card handed out.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandedOutView {
    /// The key card (authenticator id).
    pub authenticator: String,
    /// Its envelope number.
    pub serial: Option<String>,
    /// Whether it is large print (R-DK-2).
    pub large_print: bool,
    /// `handed_out`.
    pub status: String,
}

/// The key card and the visit after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyCardHandedOut {
    /// The key card.
    pub key_card: HandedOutView,
    /// The visit, with the card counted.
    pub visit: VisitView,
}

/// Hands out one extra key card in an open visit (R-DK-5): entered by its envelope number,
/// from the office's stock (R-RES-4: never an opened or damaged envelope), large print when
/// the citizen has asked for it (R-DK-2), on the day of the visit, at most
/// `dk_max_extra_key_cards` (10) in the visit: the 11th is refused. Each card is its own
/// signed request.
#[utoipa::path(post, path = "/api/v1/dk/visits/{id}/key-cards", tag = "dk",
    params(("id" = String, Path, description = "The visit"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = KeyCardBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Handed out", body = KeyCardHandedOut),
        (status = 403, description = "No dk_registration on the office, or a protected citizen without the right (R-PER-3)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The visit changed meanwhile (another card): read it again", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn key_card(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: KeyCardBody = acting.json()?;
    let caller = &acting.caller;
    let mut visit: Record<Visit> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkRegistration).await?;
    let office = visit.state.office;
    let account = account(&state, visit.state.account).await?.ok_or_else(|| {
        tracing::error!(visit = %visit.state.id, "the visit's account is not stored");
        Problem::internal()
    })?;
    citizen(&state, caller, account.state.person, office, acting.path()).await?;
    let items = match cmd.item {
        None => vec![DkItem::KeyCard, DkItem::LargePrintKeyCard],
        Some(item) if item.kind() == AuthKind::KeyCard => vec![item],
        Some(_) => {
            return Err(
                Refusal::field("R-DK-5", "item", "only key cards are handed out as extra cards").into()
            )
        }
    };
    let mut found = envelopes(&state, &items, "serial", &cmd.serial).await?;
    if found.len() > 1 {
        return Err(Refusal::field(
            "R-RES-4",
            "item",
            format!(
                "the office holds a standard and a large-print key card numbered {}: say which (item)",
                cmd.serial.trim()
            ),
        )
        .into());
    }
    let mut card = found.pop().ok_or_else(|| {
        Problem::from(Refusal::field(
            "R-RES-4",
            "serial",
            format!("no key card numbered {} in this office's stock", cmd.serial.trim()),
        ))
    })?;
    let events = extra::hand_out_extra(
        &visit.state,
        &account.state,
        &card.state,
        ExtraKeyCard { officer: caller.principal.person, at: time::OffsetDateTime::now_utc() },
        &state.policy,
    )?;
    for e in &events {
        card.state.apply(e);
        visit.state.apply(e);
    }
    let chain = chain_of(&caller.tree, office);
    let mut tx = state.store.begin().await?;
    // The visit first: of two cards at once, the second finds it changed (409) and nothing
    // of it is written (R-DK-5).
    save(&mut tx, &mut visit, &state.policy).await?;
    save(&mut tx, &mut card, &state.policy).await?;
    acting.record::<AuthEvent>(&mut tx, &chain, &events).await?;
    let answer = KeyCardHandedOut {
        key_card: HandedOutView {
            authenticator: card.state.id.to_string(),
            serial: card.state.serial.clone(),
            large_print: card.state.large_print,
            status: card.state.status.as_str().to_string(),
        },
        visit: VisitView::of(&visit, &state.policy),
    };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}
