//! In-person issuance of a Danish eID over the API (R-DK-1, R-IDP-3..6, R-DK-2, R-DK-3,
//! R-DK-8; the state machine is [`tillit_core::ra::dk::registration`]): the rules accepted,
//! the identity checked with a CPR lookup, a second officer's approval where the level needs
//! it, then the account opened and the registered envelopes handed over (or the key card
//! mailed). Permission `dk_registration` on the registration's office (R-ORG-1); a person
//! with name and address protection only by an officer who also holds the protected-identity
//! right there (R-PER-3, R-IDP-6).
//!
//! # The identity check
//!
//! The officer enters the CPR number (it must be the person's) and the name as read on the
//! document; the server asks the population register ([`crate::eid::register`], the person
//! table by default) whether they belong together. The name is used only for that lookup: it
//! is never stored, answered or logged. A lookup that does not match rejects the applicant
//! (R-IDP-5). Where no lookup is possible (the CPR number is not in the register), the
//! documents must make up for it (R-IDP-3: a second photo document or one of (a)-(d)); if
//! they do not, the request is refused (422, nothing written) so the officer can ask for
//! them, rather than rejecting the applicant for good. E-mail, mobile and a delivery address
//! given are stored on the person record (R-PER-1, R-IDP-6) when the check is accepted.
//!
//! # The answer of an issue
//!
//! It tells the officer the citizen's **user id** (printed for them) and, for a paper
//! activation code (R-DK-8), the code itself, shown once: a retry under the same idempotency
//! key gets the answer without it. The activation code is kept only as an argon2id hash
//! (under the authenticator's id); key cards, passcode letters, media and code tokens keep the
//! secrets made when their box was ordered ([`super::stock`]). Passkeys and SMS PINs are not
//! offered yet (422 `not-offered`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tillit_core::id::{Country, NationalId, ParseOptions, PersonIdKind};
use tillit_core::ra::approval::{OfficerRoles, RejectReason, Verdict};
use tillit_core::ra::dk::account::{Account, AccountStatus, BlindSupport};
use tillit_core::ra::dk::authenticator::{AuthKind, Authenticator, HandOver};
use tillit_core::ra::dk::registration::{
    self, Approve, CheckIdentity, Issue, IssuedItem, NewAuthenticator, RegEvent, Registration, Start,
};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::dk::{AccountId, AuthenticatorId, Nsis, RegistrationId};
use tillit_core::ra::person::{self, check_name, Address, Person};
use tillit_core::ra::proofing::{
    proof_dk, CprLookup, Delivery, DkDocument, DkPresented, DkProofing, DkSituation, Observations,
    ProofingEvent, RejectionReason,
};
use tillit_core::ra::role::{Permission, ROLES};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use tillit_pki::secret::{generate_activation_code, generate_user_id};
use tillit_store::eid::SecretPurpose;
use tillit_store::records::Record;
use tillit_store::StoreError;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::stock::{self as dk_stock, org_param, parse_serial, EnvelopeView, LevelView, Snapshot};
use crate::eid::register::Lookup;
use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::routines::action::Signed;
use crate::routines::kinds::Kept;
use crate::routines::officers::now_us;
use crate::routines::{chain_of, record_in_scope, save, today, Empty};
use crate::tls::ClientCert;
use crate::AppState;

/// The registrations' routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(get))
        .routes(routes!(identity))
        .routes(routes!(approval))
        .routes(routes!(issue))
        .routes(routes!(cancel))
        .routes(routes!(eid_of_person))
}

/// A refusal naming a field the core's static field names cannot (`envelopes[2].serial`).
pub(crate) fn refused(rule: &str, field: String, detail: impl Into<String>) -> Problem {
    let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "rule-violation", "Refused by a rule")
        .field(field)
        .detail(detail);
    p.rule = Some(rule.to_string());
    p
}

/// The person `id`, read fresh, when they may be administered by the caller on `office`: a
/// protected person only by an officer with the protected-identity right there (R-PER-3).
/// "Not found" at `path` when removed or absent.
pub(crate) async fn administered(
    state: &AppState,
    caller: &Caller,
    id: PersonId,
    office: OrgId,
    path: &str,
) -> Result<Person, Problem> {
    let person = match state.store.person(id).await? {
        Some(r) if r.removed_us.is_none() => r.person,
        _ => return Err(Problem::not_found(path)),
    };
    check_protected(caller, person.protected, office)?;
    Ok(person)
}

/// Refuses (403, R-PER-3) an officer without the protected-identity right on `office` for a
/// `protected` person. The refusal names no one.
pub(crate) fn check_protected(caller: &Caller, protected: bool, office: OrgId) -> Result<(), Problem> {
    if protected && !caller.principal.can(&caller.tree, Permission::ProtectedIdentity, office) {
        return Err(Refusal::new(
            "R-PER-3",
            "this person has name and address protection: only an officer with the protected-identity right \
             may register or administer them",
        )
        .into());
    }
    Ok(())
}

/// Now, UTC.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

// ---- views -------------------------------------------------------------------------------------

/// A registration as the API shows it: ids, kinds, levels and dates; never a name, an
/// address, a document number or the user id (R-PER-3).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    /// The registration: `id`, `person`, `office`, `status` (`rules_accepted`,
    /// `identity_checked`, `awaiting_approval`, `approved`, `issued`, `rejected`,
    /// `cancelled`), `started_by`, `started_on`, `read_aloud`, `blind`, `checked` (officer,
    /// method, document types, `cpr_lookup`, situation, delivery, assurance, date),
    /// `approval`, `rejection`, `account`, `issued`, `ended_on`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub registration: Registration,
    /// The record version.
    pub version: i64,
}

impl From<Record<Registration>> for RegistrationView {
    fn from(r: Record<Registration>) -> Self {
        RegistrationView { registration: r.state, version: r.version }
    }
}

// ---- start (R-DK-1, R-DK-3) --------------------------------------------------------------------

/// A registration to start: the rules handed over.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// The citizen (a person with a Danish CPR number).
    pub person: String,
    /// The RA office at whose desk the citizen is.
    pub office: String,
    /// The citizen read (or heard) the rules and accepts them (R-DK-1).
    pub rules_accepted: bool,
    /// The rules were read aloud on request (R-DK-3).
    #[serde(default)]
    pub read_aloud: bool,
    /// The blind citizens' routine (R-DK-3): the passcode on a medium or by SMS, a phone
    /// number for key delivery.
    #[serde(default)]
    pub blind: bool,
}

/// Starts an in-person registration (R-DK-1): the citizen accepts the rules handed over (or
/// read aloud, R-DK-3) before anything else.
#[utoipa::path(post, path = "/api/v1/dk/registrations", tag = "dk",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = StartBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Started", body = RegistrationView),
        (status = 403, description = "No dk_registration right on the office, or a protected person without the right", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn start(State(state): State<Arc<AppState>>, Signed(acting): Signed) -> Result<Response, Problem> {
    let cmd: StartBody = acting.json()?;
    let caller = &acting.caller;
    let office = org_param("office", &cmd.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkRegistration, office)?;
    let person_id: PersonId = cmd
        .person
        .parse()
        .map_err(|_| Problem::from(Refusal::field("R-DK-1", "person", "is not a person id (a UUID)")))?;
    let person = administered(&state, caller, person_id, office, acting.path()).await.map_err(|p| {
        if p.status == 404 {
            refused("R-DK-1", "person".into(), "no such person")
        } else {
            p
        }
    })?;
    if person.national_id.kind() != PersonIdKind::Cpr {
        return Err(Refusal::field("R-DK-1", "person", "has no Danish CPR number").into());
    }
    let (registration, events) = registration::start(Start {
        id: RegistrationId(uuid::Uuid::now_v7()),
        person: person.id,
        office,
        officer: caller.principal.person,
        rules_accepted: cmd.rules_accepted,
        read_aloud: cmd.read_aloud,
        blind: cmd.blind,
        on: today(),
    })?;
    let mut record = registration.new_record(Some(office), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    acting.finish(&state, tx, StatusCode::CREATED, &RegistrationView::from(record)).await
}

/// A registration in the caller's scope (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/dk/registrations/{id}", tag = "dk",
    params(("id" = String, Path, description = "The registration")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The registration", body = RegistrationView),
        (status = 404, description = "No such registration in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<RegistrationView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let record: Record<Registration> =
        record_in_scope(&state, &caller, &id, uri.path(), Permission::DkRegistration).await?;
    Ok(Json(record.into()))
}

// ---- the identity check (R-DK-1, R-IDP-3..6, R-DK-8) -------------------------------------------

/// A document the citizen presented (R-IDP-3, R-IDP-4).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentBody {
    /// `driving_licence`, `passport`, `defence_id`, `nato_passport`, `police_id`,
    /// `residence_permit`, `bank_id_card` (photo documents); `baptism_or_name_certificate`,
    /// `health_insurance_card`, `tax_assessment`, `benefit_payment_proof` ((a)-(d)).
    #[schema(value_type = String)]
    pub kind: DkDocument,
    /// Its number, as checked (not recorded: the registration keeps the document types).
    pub number: Option<String>,
    /// Whether it shows the CPR number.
    #[serde(default)]
    pub carries_cpr: bool,
    /// Its date: required for a proof of benefit payment (d), which must be recent.
    #[schema(value_type = Option<String>)]
    pub dated: Option<Date>,
}

/// What the officer saw while checking the documents (R-IDP-5).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationsBody {
    /// A document is incomplete (damaged, pages missing).
    #[serde(default)]
    pub incomplete: bool,
    /// The data do not match (the photo, the details).
    #[serde(default)]
    pub mismatch: bool,
    /// A document looks forged.
    #[serde(default)]
    pub forgery_suspected: bool,
}

impl From<ObservationsBody> for Observations {
    fn from(o: ObservationsBody) -> Self {
        Observations {
            incomplete: o.incomplete,
            mismatch: o.mismatch,
            forgery_suspected: o.forgery_suspected,
        }
    }
}

/// The identity as checked at the desk, before the CPR lookup: what an identity check and an
/// unlock share.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskIdentityBody {
    /// The CPR number entered (R-DK-1): the person's own.
    pub cpr: String,
    /// The given names as read on the document: only for the CPR lookup, never stored,
    /// answered or logged.
    pub given_names: String,
    /// The family name as read on the document: only for the CPR lookup, never stored,
    /// answered or logged.
    pub family_name: String,
    /// The documents presented.
    pub documents: Vec<DocumentBody>,
    /// `ordinary` (the default), `protected` (name and address protection) or `homeless`
    /// (R-IDP-6); a person the register marks as protected is `protected` whatever is given.
    #[schema(value_type = Option<String>)]
    pub situation: Option<DkSituation>,
    /// What the officer saw (R-IDP-5).
    #[serde(default)]
    pub observations: ObservationsBody,
}

impl std::fmt::Debug for DeskIdentityBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The name read from the document is never shown (R-PER-3).
        f.debug_struct("DeskIdentityBody").field("documents", &self.documents.len()).finish_non_exhaustive()
    }
}

/// The identity check of a registration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityBody {
    /// The CPR number entered (R-DK-1): the person's own.
    pub cpr: String,
    /// The given names as read on the document: only for the CPR lookup, never stored,
    /// answered or logged.
    pub given_names: String,
    /// The family name as read on the document: only for the CPR lookup, never stored,
    /// answered or logged.
    pub family_name: String,
    /// The documents presented (R-IDP-3, R-IDP-4).
    pub documents: Vec<DocumentBody>,
    /// `ordinary` (the default), `protected` (name and address protection) or `homeless`
    /// (R-IDP-6); a person the register marks as protected is `protected` whatever is given.
    #[schema(value_type = Option<String>)]
    pub situation: Option<DkSituation>,
    /// The address later key cards go to, given by a protected or homeless citizen (R-IDP-6):
    /// stored on the person record as the delivery address, never answered.
    #[schema(value_type = Option<Object>)]
    pub delivery_address: Option<Address>,
    /// What the officer saw (R-IDP-5).
    #[serde(default)]
    pub observations: ObservationsBody,
    /// The NSIS level to register (R-DK-8): `low`, `substantial` or `high`.
    #[schema(value_type = String)]
    pub assurance: Nsis,
    /// E-mail, optional (R-DK-1): stored on the person record.
    pub email: Option<String>,
    /// Mobile in international form, optional (R-DK-1): stored on the person record.
    pub mobile: Option<String>,
}

impl std::fmt::Debug for IdentityBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The name read from the document and the addresses are never shown (R-PER-3).
        f.debug_struct("IdentityBody")
            .field("documents", &self.documents.len())
            .field("assurance", &self.assurance)
            .finish_non_exhaustive()
    }
}

/// What the desk found: the CPR number and the register's answer.
pub(crate) struct DeskLookup {
    /// The lookup.
    pub lookup: Lookup,
    /// The situation, the register's protection taken into account (R-IDP-6).
    pub situation: DkSituation,
}

/// Checks the CPR number entered against `person` and asks the population register whether
/// the name read from the document belongs to it (R-IDP-3). The name goes no further.
pub(crate) async fn desk_lookup(
    state: &AppState,
    person: &Person,
    cpr: &str,
    given: &str,
    family: &str,
    situation: Option<DkSituation>,
) -> Result<DeskLookup, Problem> {
    let cpr = NationalId::parse(Country::Dk, cpr, &ParseOptions::new(today()))
        .map_err(|e| Problem::from(Refusal::field("R-ID-2", "cpr", e.to_string())))?;
    if cpr.normalised() != person.national_id.normalised() {
        return Err(
            Refusal::field("R-DK-1", "cpr", "is not the CPR number of the person being served").into()
        );
    }
    check_name("given_names", given).map_err(|r| Refusal { rule: "R-IDP-3", ..r })?;
    check_name("family_name", family).map_err(|r| Refusal { rule: "R-IDP-3", ..r })?;
    let eid = state.eid().await?;
    let lookup = eid.register.lookup(&cpr, given.trim(), family.trim()).await?;
    let situation = if lookup.protected || person.protected {
        DkSituation::Protected
    } else {
        situation.unwrap_or(DkSituation::Ordinary)
    };
    Ok(DeskLookup { lookup, situation })
}

/// The Danish proofing of `person` from the documents and the lookup.
pub(crate) fn proofing(
    person: PersonId,
    documents: &[DocumentBody],
    desk: &DeskLookup,
    delivery_address: bool,
    observations: ObservationsBody,
) -> DkProofing {
    DkProofing {
        person,
        documents: documents
            .iter()
            .map(|d| DkPresented {
                kind: d.kind,
                number: d.number.clone(),
                carries_cpr: d.carries_cpr,
                dated: d.dated,
            })
            .collect(),
        cpr_lookup: desk.lookup.result,
        situation: desk.situation,
        delivery_address,
        observations: observations.into(),
    }
}

/// Refuses, before anything is decided, documents that fall short only because no CPR lookup
/// was possible (R-IDP-3): the officer asks for the extra documents instead of rejecting the
/// applicant for good.
pub(crate) fn extra_documents_needed(proofing: &DkProofing, state: &AppState) -> Result<(), Problem> {
    if proofing.cpr_lookup != CprLookup::NotPossible || proofing.observations != Observations::default() {
        return Ok(());
    }
    if let Ok(Some(ProofingEvent::Rejected { reason: RejectionReason::Incomplete, .. })) =
        proof_dk(proofing, &state.policy, today()).map(|e| e.into_iter().next())
    {
        return Err(Refusal::field(
            "R-IDP-3",
            "documents",
            "no CPR lookup was possible (the CPR number is not in the population register): besides a photo \
             document showing the CPR number, ask for a second photo document or one of (a) a baptism or name \
             certificate, (b) the health insurance card, (c) the latest tax assessment, (d) a proof of public \
             benefit payment at most 3 months old; without photo ID nothing can be issued without a lookup \
             (R-IDP-4)",
        )
        .into());
    }
    Ok(())
}

/// The answer of an identity check.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityView {
    /// The registration: `identity_checked`, `awaiting_approval` (NSIS high: a second officer
    /// approves, R-DK-8) or `rejected` (R-IDP-5, with the rule and reason).
    pub registration: RegistrationView,
    /// The CPR lookup: `matched`, `not_matched` or `not_possible`.
    #[schema(value_type = String)]
    pub cpr_lookup: CprLookup,
    /// Where the key card may go when accepted: `hand_out`, or `mail_to_register_address`
    /// (R-IDP-4: never handed out).
    #[schema(value_type = Option<String>)]
    pub delivery: Option<Delivery>,
}

/// Checks the citizen's identity and signs it (R-DK-1, R-IDP-3..6): the CPR number entered,
/// a population-register lookup of the name read from the document, the documents by the
/// Danish rules, the NSIS level (R-DK-8). A lookup that does not match, incomplete documents
/// or suspected forgery reject the applicant: nothing is ever issued (R-IDP-5). At NSIS high
/// the registration then awaits a second officer. E-mail, mobile and a delivery address are
/// stored on the person record.
#[utoipa::path(post, path = "/api/v1/dk/registrations/{id}/identity", tag = "dk",
    params(("id" = String, Path, description = "The registration"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = IdentityBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Checked (or the applicant rejected)", body = IdentityView),
        (status = 403, description = "A protected person without the right", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn identity(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: IdentityBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Registration> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkRegistration).await?;
    let office = record.state.office;
    let before = administered(&state, caller, record.state.person, office, acting.path()).await?;
    let desk =
        desk_lookup(&state, &before, &cmd.cpr, &cmd.given_names, &cmd.family_name, cmd.situation).await?;
    check_protected(caller, desk.lookup.protected, office)?;
    let mut after = before.clone();
    if let Some(address) = cmd.delivery_address.clone() {
        check_address(&address)?;
        after.delivery_address = Some(address);
    }
    if cmd.email.is_some() {
        after.email = cmd.email.clone();
    }
    if cmd.mobile.is_some() {
        after.mobile = cmd.mobile.clone();
    }
    let proofing =
        proofing(before.id, &cmd.documents, &desk, after.delivery_address.is_some(), cmd.observations);
    extra_documents_needed(&proofing, &state)?;
    let events = registration::check_identity(
        &record.state,
        CheckIdentity {
            officer: caller.principal.person,
            national_id: before.national_id.clone(),
            proofing,
            assurance: cmd.assurance,
            email: cmd.email.clone(),
            mobile: cmd.mobile.clone(),
            at: now(),
        },
        &state.policy,
    )?;
    let accepted = events.iter().any(|e| matches!(e, RegEvent::IdentityChecked { .. }));
    let person_events = if accepted && after != before {
        let may_see = caller.principal.can(&caller.tree, Permission::ProtectedIdentity, office);
        person::update(&before, &after, may_see)?
    } else {
        Vec::new()
    };
    for e in &events {
        record.state.apply(e);
    }
    let chain = chain_of(&caller.tree, office);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    if !person_events.is_empty() {
        tx.update_person(&after).await?;
        acting.record(&mut tx, &chain, &person_events).await?;
    }
    acting.record(&mut tx, &chain, &events).await?;
    let delivery = record.state.checked.as_ref().map(|c| c.delivery);
    let answer = IdentityView { registration: record.into(), cpr_lookup: desk.lookup.result, delivery };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}

/// Checks a delivery address given at the desk (R-IDP-6): street, postal code, town and a
/// two-letter country.
fn check_address(address: &Address) -> Result<(), Problem> {
    let ok = !address.lines.is_empty()
        && address.lines.iter().all(|l| !l.trim().is_empty() && l.chars().count() <= 200)
        && !address.postal_code.trim().is_empty()
        && !address.town.trim().is_empty()
        && address.country.len() == 2
        && address.country.bytes().all(|b| b.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(Refusal::field(
            "R-IDP-6",
            "delivery_address",
            "give the street lines, postal code, town and the country as two capital letters (DK)",
        )
        .into())
    }
}

// ---- the second officer (R-DK-8) ---------------------------------------------------------------

/// The second officer's verdict.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictBody {
    /// Approve the registration.
    Approve,
    /// Reject it: nothing is issued.
    Reject,
}

/// The second officer's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalBody {
    /// `approve` or `reject`.
    pub verdict: VerdictBody,
    /// Why, when rejecting: `documents_insufficient`, `identity_in_doubt`,
    /// `procedure_not_followed` or `other` (a code: the log holds no free text).
    #[schema(value_type = Option<String>)]
    pub reason: Option<RejectReason>,
}

/// The second officer approves or rejects a registration that needs it (R-DK-8: NSIS high):
/// the caller, who signs, must be another officer than the one who checked the identity and
/// hold the DK RA administrator role on the office (the role with `dk_approve`). One
/// rejection rejects the registration for good.
#[utoipa::path(post, path = "/api/v1/dk/registrations/{id}/approval", tag = "dk",
    params(("id" = String, Path, description = "The registration"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The second officer's signature over the action")),
    request_body = ApprovalBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Decided", body = RegistrationView),
        (status = 404, description = "No such registration in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn approval(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ApprovalBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Registration> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkRegistration).await?;
    let office = record.state.office;
    administered(&state, caller, record.state.person, office, acting.path()).await?;
    let verdict = match (cmd.verdict, cmd.reason) {
        (VerdictBody::Approve, None) => Verdict::Approve,
        (VerdictBody::Approve, Some(_)) => {
            return Err(Refusal::field("R-DK-8", "reason", "a reason is given only with a rejection").into())
        }
        (VerdictBody::Reject, Some(reason)) => Verdict::Reject(reason),
        (VerdictBody::Reject, None) => {
            return Err(Refusal::field("R-DK-8", "reason", "say why the registration is rejected").into())
        }
    };
    let approver = OfficerRoles {
        id: caller.principal.person,
        roles: ROLES.into_iter().filter(|r| caller.principal.holds(&caller.tree, *r, office)).collect(),
    };
    let events =
        registration::approve(&record.state, Approve { approver, verdict, at: now() }, &state.policy)?;
    for e in &events {
        record.state.apply(e);
    }
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    acting.finish(&state, tx, StatusCode::OK, &RegistrationView::from(record)).await
}

// ---- the hand-over (R-DK-1, R-DK-2, R-DK-3, R-IDP-4, R-RES-4, R-DK-8) --------------------------

/// An envelope taken from the office's stock, by its registered number.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeRef {
    /// `key_card`, `large_print_key_card`, `passcode_letter`, `medium`, `code_display` or
    /// `audio_code_reader`.
    #[schema(value_type = String)]
    pub item: DkItem,
    /// The number printed on the envelope (spaces and dashes are ignored).
    pub serial: String,
}

/// An authenticator enrolled at the desk.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    /// `activation_code` (a paper code, valid 48 hours, 3 tries: R-DK-8); `passkey` and
    /// `sms_pin` are not offered yet.
    #[schema(value_type = String)]
    pub kind: AuthKind,
}

/// The hand-over.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The envelopes taken from the safe: key card (or large-print key card), passcode letter,
    /// medium, code display, audio code reader.
    #[serde(default)]
    pub envelopes: Vec<EnvelopeRef>,
    /// Authenticators enrolled at the desk.
    #[serde(default)]
    pub enrol: Vec<EnrolBody>,
    /// How the key card (and any code token) goes: `hand_out` or `mail`. By default `mail`
    /// when the identity was proofed without photo ID (R-IDP-4: never handed out), otherwise
    /// `hand_out`.
    #[schema(value_type = Option<String>)]
    pub key_card_delivery: Option<HandOver>,
    /// The citizen asks for large-print key cards, remembered for later cards (R-DK-2).
    #[serde(default)]
    pub large_print: bool,
    /// A blind citizen's support (R-DK-3): `{"key_phone": "+45…", "test_call": "succeeded" |
    /// "not_possible" | "failed", "passcode_by": "medium" | "sms"}`.
    #[schema(value_type = Option<Object>)]
    pub blind: Option<BlindSupport>,
}

/// The eID issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedView {
    /// The registration, now `issued`.
    pub registration: RegistrationView,
    /// The citizen's new account.
    pub account: String,
    /// The user id the citizen signs in with: print it for them.
    pub user_id: String,
    /// What was handed over, mailed or enrolled: authenticator, kind, serial, `hand_over`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<IssuedItem>,
    /// The paper activation code (R-DK-8), shown this once: hand it to the citizen. A retry
    /// of the request is answered without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_code: Option<String>,
    /// The office's stock of the items taken, after the hand-over (R-RES-4).
    pub stock: Vec<LevelView>,
}

/// Not offered yet: a clear answer for an authenticator the desk cannot enrol.
fn not_offered(field: String, kind: AuthKind) -> Problem {
    let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "not-offered", "Not offered yet")
        .field(field)
        .detail(format!(
            "a {} is not offered at the desk yet: give a key card or code token and a passcode letter, medium \
             or activation code",
            kind.as_str()
        ));
    p.rule = Some("R-DK-8".into());
    p
}

/// Issues the eID (R-DK-1): only after the signed identity check and, where the level needs
/// it, the second officer's approval (R-DK-8) — before that, nothing is handed over. Opens the
/// citizen's account with a fresh user id, takes the registered envelopes from this office's
/// stock (R-RES-4: never a discarded one) and hands them over, or mails the key card (R-IDP-4:
/// without photo ID it is mailed to the population-register address, never handed out), and
/// enrols a paper activation code. Large print on request or remembered (R-DK-2); a blind
/// citizen's support (R-DK-3). The answer shows the user id and, once, the activation code.
#[utoipa::path(post, path = "/api/v1/dk/registrations/{id}/issue", tag = "dk",
    params(("id" = String, Path, description = "The registration"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = IssueBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Issued", body = IssuedView),
        (status = 403, description = "A protected person without the right", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it, or the authenticator is not offered yet", body = Problem, content_type = "application/problem+json")))]
pub async fn issue(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: IssueBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Registration> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkRegistration).await?;
    let office = record.state.office;
    let person = administered(&state, caller, record.state.person, office, acting.path()).await?;

    // The envelopes by their numbers (R-RES-4).
    let mut stock: Vec<Record<Authenticator>> = Vec::with_capacity(cmd.envelopes.len());
    for (i, e) in cmd.envelopes.iter().enumerate() {
        let serial = parse_serial(&e.serial).ok_or_else(|| {
            refused("R-RES-4", format!("envelopes[{i}].serial"), "is not an envelope number (digits)")
        })?;
        let envelope = dk_stock::envelope(&state, e.item, serial).await?.ok_or_else(|| {
            refused(
                "R-RES-4",
                format!("envelopes[{i}]"),
                format!("no {} numbered {serial} is registered in stock", e.item.as_str()),
            )
        })?;
        stock.push(envelope);
    }
    let mut enrol = Vec::with_capacity(cmd.enrol.len());
    for (i, e) in cmd.enrol.iter().enumerate() {
        if matches!(e.kind, AuthKind::Passkey | AuthKind::SmsPin) {
            return Err(not_offered(format!("enrol[{i}].kind"), e.kind));
        }
        enrol.push(NewAuthenticator { id: AuthenticatorId(uuid::Uuid::now_v7()), kind: e.kind });
    }
    // One account per person: the current one refuses; a revoked one remembers large print.
    let accounts: Vec<Record<Account>> = state.store.records_of_person(Account::KIND, person.id).await?;
    let existing = accounts
        .iter()
        .find(|a| a.state.status != AccountStatus::Revoked)
        .or_else(|| accounts.iter().max_by_key(|a| (a.state.opened_on, a.id.clone())))
        .map(|a| &a.state);
    let delivery = record.state.checked.as_ref().map(|c| c.delivery);
    let key_card_delivery = cmd.key_card_delivery.unwrap_or(match delivery {
        Some(Delivery::MailToRegisterAddress) => HandOver::Mail,
        _ => HandOver::HandOut,
    });
    let account_id = AccountId(uuid::Uuid::now_v7());
    let user_id = generate_user_id().map_err(|_| Problem::internal())?;
    let states: Vec<Authenticator> = stock.iter().map(|r| r.state.clone()).collect();
    let mut issuance = registration::issue(
        &record.state,
        existing,
        &states,
        Issue {
            officer: caller.principal.person,
            account: account_id,
            user_id: user_id.as_str().to_string(),
            envelopes: states.iter().map(|a| a.id).collect(),
            enrol,
            key_card_delivery,
            large_print: cmd.large_print,
            blind: cmd.blind,
            mobile_on_file: person.mobile.is_some(),
            at: now(),
        },
        &state.policy,
    )?;

    // Activation codes: shown once, kept as an argon2id hash (slow: off the async threads).
    let eid = state.eid().await?;
    let mut codes: Vec<(AuthenticatorId, String, String)> = Vec::new();
    for a in issuance.enrolled.iter().filter(|a| a.kind == AuthKind::ActivationCode) {
        let code = generate_activation_code().map_err(|_| Problem::internal())?;
        let printed = code.printed().to_string();
        let hasher = eid.hasher.clone();
        let hash = tokio::task::spawn_blocking(move || hasher.hash(code.as_str()))
            .await
            .map_err(|_| Problem::internal())?
            .map_err(|e| {
                tracing::error!(error = %e, "hashing an activation code");
                Problem::internal()
            })?;
        codes.push((a.id, printed, hash));
    }

    for e in &issuance.events {
        record.state.apply(e);
    }
    for r in &mut stock {
        for e in &issuance.authenticator_events {
            r.state.apply(e);
        }
    }
    let taken: Vec<DkItem> = stock.iter().filter_map(|r| DkItem::of(&r.state)).collect();
    let changed: Vec<Authenticator> = stock.iter().map(|r| r.state.clone()).collect();
    let snapshot = Snapshot::load(&state, office, &changed, None).await?;
    let chain = chain_of(&caller.tree, office);
    let mut tx = state.store.begin().await?;
    // The user id: drawn again while taken.
    let mut user_id = issuance.account.user_id.clone();
    let mut tries = 0;
    loop {
        match tx.insert_user_id(&user_id, &account_id.to_string()).await {
            Ok(()) => break,
            Err(StoreError::Duplicate { .. }) if tries < 10 => {
                tries += 1;
                user_id = generate_user_id().map_err(|_| Problem::internal())?.as_str().to_string();
            }
            Err(e) => return Err(e.into()),
        }
    }
    issuance.account.user_id = user_id.clone();
    save(&mut tx, &mut record, &state.policy).await?;
    let mut account = issuance.account.clone().new_record(Some(office), &state.policy);
    save(&mut tx, &mut account, &state.policy).await?;
    for r in &mut stock {
        save(&mut tx, r, &state.policy).await?;
    }
    for a in issuance.enrolled.clone() {
        let mut r = a.new_record(Some(office), &state.policy);
        save(&mut tx, &mut r, &state.policy).await?;
    }
    let now = now_us();
    for (id, _, hash) in &codes {
        tx.put_secret(&id.to_string(), SecretPurpose::ActivationCode, hash, now).await?;
    }
    acting.record(&mut tx, &chain, &issuance.events).await?;
    acting.record(&mut tx, &chain, &issuance.account_events).await?;
    acting.record(&mut tx, &chain, &issuance.authenticator_events).await?;
    let stock_levels = dk_stock::warn_low(&mut tx, &acting, &state, &snapshot, &taken).await?;
    let items = issuance
        .events
        .iter()
        .find_map(|e| match e {
            RegEvent::Issued { items, .. } => Some(items.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let answer = IssuedView {
        registration: record.into(),
        account: account_id.to_string(),
        user_id,
        items,
        activation_code: codes.first().map(|(_, printed, _)| printed.clone()),
        stock: stock_levels,
    };
    let kept = answer.without_code();
    acting.finish_once(&state, tx, StatusCode::OK, &answer, &kept).await
}

impl IssuedView {
    /// The same answer without the activation code: what a retry gets.
    fn without_code(&self) -> IssuedView {
        IssuedView {
            registration: RegistrationView {
                registration: self.registration.registration.clone(),
                version: self.registration.version,
            },
            account: self.account.clone(),
            user_id: self.user_id.clone(),
            items: self.items.clone(),
            activation_code: None,
            stock: self.stock.clone(),
        }
    }
}

// ---- cancel --------------------------------------------------------------------------------------

/// Cancels a registration before issue: nothing is handed over.
#[utoipa::path(post, path = "/api/v1/dk/registrations/{id}/cancel", tag = "dk",
    params(("id" = String, Path, description = "The registration"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = Empty, security(("clientCertificate" = [])),
    responses((status = 200, description = "Cancelled", body = RegistrationView),
        (status = 404, description = "No such registration in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let _: Empty = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Registration> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkRegistration).await?;
    let office = record.state.office;
    administered(&state, caller, record.state.person, office, acting.path()).await?;
    let events = registration::cancel(&record.state, caller.principal.person, today())?;
    for e in &events {
        record.state.apply(e);
    }
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    acting.finish(&state, tx, StatusCode::OK, &RegistrationView::from(record)).await
}

// ---- a citizen's eID --------------------------------------------------------------------------------

/// A citizen's account as the API shows it: no secret ever; the user id and the key-delivery
/// phone only to an officer with `dk_registration` on the account's office (and, for a
/// protected person, the protected-identity right).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// The account.
    pub id: String,
    /// The office that opened it.
    pub office: Option<String>,
    /// `awaiting_activation`, `active`, `suspended` or `revoked`.
    #[schema(value_type = String)]
    pub status: AccountStatus,
    /// The NSIS level of the registration (R-DK-8).
    #[schema(value_type = String)]
    pub assurance: Nsis,
    /// Locked after too many failed attempts, until unlocked at the desk.
    pub locked: bool,
    /// Failed attempts in a row.
    pub failures: u32,
    /// Large-print key cards (R-DK-2).
    pub large_print: bool,
    /// Blind support is on file (R-DK-3).
    pub blind: bool,
    /// The phone number keys are delivered to (R-DK-3), for an officer who may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_phone: Option<String>,
    /// Whether the citizen has chosen a passcode.
    pub passcode_set: bool,
    /// When it was opened.
    #[schema(value_type = String)]
    pub opened_on: Date,
    /// When it was last activated.
    #[schema(value_type = Option<String>)]
    pub activated_on: Option<Date>,
    /// Why it is suspended or revoked.
    #[schema(value_type = Option<String>)]
    pub stop_reason: Option<tillit_core::ra::dk::revocation::DkReason>,
    /// The user id, for an officer with `dk_registration` on the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The record version.
    pub version: i64,
    /// Its authenticators, every state (no secrets).
    pub authenticators: Vec<EnvelopeView>,
}

/// A citizen's eID.
#[derive(Debug, Serialize, ToSchema)]
pub struct EidView {
    /// The person.
    pub person: String,
    /// Their accounts the caller may read, newest first (at most one is not revoked).
    pub accounts: Vec<AccountView>,
}

/// A citizen's eID: their accounts and authenticators, without secrets (R-DK-8), for a
/// caller who reads people on the account's office; the user id only with `dk_registration`
/// there. "Not found" when the caller may read no account of the person (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/dk/persons/{person}/eid", tag = "dk",
    params(("person" = String, Path, description = "The person")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The eID", body = EidView),
        (status = 404, description = "No eID of the person in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn eid_of_person(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(person): Path<String>,
    uri: Uri,
) -> Result<Json<EidView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let person: PersonId = person.parse().map_err(|_| Problem::not_found(uri.path()))?;
    let mut accounts: Vec<Record<Account>> = state.store.records_of_person(Account::KIND, person).await?;
    accounts.retain(|a| a.org.is_some_and(|o| caller.principal.can(&caller.tree, Permission::ReadPeople, o)));
    if accounts.is_empty() {
        return Err(Problem::not_found(uri.path()));
    }
    accounts.sort_by(|a, b| b.id.cmp(&a.id));
    let protected = state.store.person(person).await?.is_some_and(|r| r.person.protected);
    let all: Vec<Record<Authenticator>> = state.store.records_of_person(Authenticator::KIND, person).await?;
    let mut views = Vec::with_capacity(accounts.len());
    for a in accounts {
        let Some(office) = a.org else { continue };
        let registrar = caller.principal.can(&caller.tree, Permission::DkRegistration, office)
            && (!protected || caller.principal.can(&caller.tree, Permission::ProtectedIdentity, office));
        let authenticators = all
            .iter()
            .filter(|r| r.state.account == Some(a.state.id))
            .filter(|r| caller.principal.can(&caller.tree, Permission::ReadPeople, r.state.office))
            .cloned()
            .map(EnvelopeView::from)
            .collect();
        let s = a.state;
        views.push(AccountView {
            id: s.id.to_string(),
            office: a.org.map(|o| o.to_string()),
            status: s.status,
            assurance: s.assurance,
            locked: s.locked,
            failures: s.failures,
            large_print: s.large_print,
            blind: s.blind.is_some(),
            key_phone: s.blind.filter(|_| registrar).map(|b| b.key_phone),
            passcode_set: s.passcode_set,
            opened_on: s.opened_on,
            activated_on: s.activated_on,
            stop_reason: s.stop_reason,
            user_id: registrar.then_some(s.user_id),
            version: a.version,
            authenticators,
        });
    }
    Ok(Json(EidView { person: person.to_string(), accounts: views }))
}
