//! A citizen's authenticators and account at the desk (R-DK-7, R-DK-8; the state machines
//! are [`tillit_core::ra::dk::authenticator`] and [`tillit_core::ra::dk::account`]): an
//! authenticator suspended (reversible), reactivated at the citizen's request, or blocked for
//! good, with the reason and who asked recorded (as a kind, never a name); an account locked
//! after too many failed attempts unlocked once the citizen's identity is checked at the desk.
//! Permission `dk_registration` on the office that holds the authenticator (the one that
//! issued it) or opened the account (R-ORG-1); for a person with name and address protection
//! also the protected-identity right there (R-PER-3).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tillit_core::ra::dk::account::{self, Account, AccountStatus};
use tillit_core::ra::dk::authenticator::{self, AuthEvent, Authenticator};
use tillit_core::ra::dk::revocation::{DkReason, Requester, StopRequest};
use tillit_core::ra::dk::{check_at_desk, DeskCheck};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_store::records::Record;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::registrations::{administered, check_protected, desk_lookup, proofing, refused, DeskIdentityBody};
use super::stock::EnvelopeView;
use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::routines::action::{Acting, Signed};
use crate::routines::{chain_of, record_in_scope, save, today};
use crate::tls::ClientCert;
use crate::AppState;

/// The authenticators' and accounts' routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(get))
        .routes(routes!(suspend))
        .routes(routes!(reactivate))
        .routes(routes!(block))
        .routes(routes!(unlock))
}

/// An authenticator in the caller's scope (R-ORG-1): kind, serial, status, holder, account,
/// dates; never a secret.
#[utoipa::path(get, path = "/api/v1/dk/authenticators/{id}", tag = "dk",
    params(("id" = String, Path, description = "The authenticator")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The authenticator", body = EnvelopeView),
        (status = 404, description = "No such authenticator in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<EnvelopeView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let record: Record<Authenticator> =
        record_in_scope(&state, &caller, &id, uri.path(), Permission::DkRegistration).await?;
    Ok(Json(record.into()))
}

/// A suspension or block.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopBody {
    /// Why: `lost`, `stolen`, `suspected_misuse`, `citizen_request`, `deceased` or `other`.
    #[schema(value_type = String)]
    pub reason: DkReason,
    /// Who asks and how they were identified (R-DK-7, R-REV-2): `{"requester":
    /// "citizen_in_person", "document_checked": true}`, `{"requester": "citizen_by_phone",
    /// "verified": true}`, `{"requester": "police"}`, `{"requester": "guardian",
    /// "authority_checked": true}` or `{"requester": "ra"}`.
    #[schema(value_type = Object)]
    pub requester: Requester,
}

/// A reactivation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactivateBody {
    /// Who asks: only the citizen (document checked, or verified by phone) or a guardian
    /// (authority checked) (R-DK-7).
    #[schema(value_type = Object)]
    pub requester: Requester,
}

/// A transition of an authenticator the caller administers: load it in scope with
/// `dk_registration`, check the protected-identity right for its holder, decide, write.
async fn transition(
    state: &AppState,
    acting: Box<Acting>,
    id: &str,
    decide: impl FnOnce(&Authenticator, &Acting, OffsetDateTime) -> Result<Vec<AuthEvent>, Refusal>,
) -> Result<Response, Problem> {
    let caller = &acting.caller;
    let mut record: Record<Authenticator> =
        record_in_scope(state, caller, id, acting.path(), Permission::DkRegistration).await?;
    let office = record.state.office;
    if let Some(holder) = record.state.holder {
        let protected = state.store.person(holder).await?.is_some_and(|r| r.person.protected);
        check_protected(caller, protected, office)?;
    }
    let events = decide(&record.state, &acting, OffsetDateTime::now_utc())?;
    for e in &events {
        record.state.apply(e);
    }
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&acting.caller.tree, office), &events).await?;
    acting.finish(state, tx, StatusCode::OK, &EnvelopeView::from(record)).await
}

/// Suspends an authenticator the citizen has (R-DK-7, R-DK-8): reversible; the reason and
/// who asked are recorded. A key card or code token suspended gives no codes at sign-in.
#[utoipa::path(post, path = "/api/v1/dk/authenticators/{id}/suspend", tag = "dk",
    params(("id" = String, Path, description = "The authenticator"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = StopBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Suspended", body = EnvelopeView),
        (status = 404, description = "No such authenticator in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn suspend(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: StopBody = acting.json()?;
    transition(&state, acting, &id, |a, acting, at| {
        let request = StopRequest {
            reason: cmd.reason,
            requester: cmd.requester,
            officer: acting.caller.principal.person,
        };
        authenticator::suspend(a, &request, at)
    })
    .await
}

/// Lifts a suspension at the citizen's (or guardian's) request (R-DK-7, R-DK-8): the
/// authenticator returns to the state it was suspended in.
#[utoipa::path(post, path = "/api/v1/dk/authenticators/{id}/reactivate", tag = "dk",
    params(("id" = String, Path, description = "The authenticator"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ReactivateBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Reactivated", body = EnvelopeView),
        (status = 404, description = "No such authenticator in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn reactivate(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ReactivateBody = acting.json()?;
    transition(&state, acting, &id, |a, acting, at| {
        authenticator::reactivate(a, cmd.requester, acting.caller.principal.person, at)
    })
    .await
}

/// Blocks an authenticator for good (R-DK-7, R-DK-8): the reason and who asked are recorded;
/// nothing leaves `blocked`.
#[utoipa::path(post, path = "/api/v1/dk/authenticators/{id}/block", tag = "dk",
    params(("id" = String, Path, description = "The authenticator"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = StopBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Blocked", body = EnvelopeView),
        (status = 404, description = "No such authenticator in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn block(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: StopBody = acting.json()?;
    transition(&state, acting, &id, |a, acting, at| {
        let request = StopRequest {
            reason: cmd.reason,
            requester: cmd.requester,
            officer: acting.caller.principal.person,
        };
        authenticator::block(a, &request, at)
    })
    .await
}

/// An account as the unlock answers it: no user id, no secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnlockedView {
    /// The account.
    pub account: String,
    /// `awaiting_activation` or `active`.
    #[schema(value_type = String)]
    pub status: AccountStatus,
    /// Whether it is locked (false after the unlock).
    pub locked: bool,
    /// Failed attempts in a row (0 after the unlock: a fresh series of tries).
    pub failures: u32,
    /// The record version.
    pub version: i64,
}

/// Unlocks an account locked after too many failed attempts (R-DK-8): the citizen is at the
/// desk and the officer checks their identity as at issuance (the CPR number entered, a
/// population-register lookup of the name read from the document, the documents by the
/// Danish rules, R-IDP-3..6) and signs; the check is not recorded beyond its outcome. A check
/// that rejects the citizen (R-IDP-5) leaves the account locked. Not while the account is
/// suspended or revoked (R-DK-7).
#[utoipa::path(post, path = "/api/v1/dk/accounts/{id}/unlock", tag = "dk",
    params(("id" = String, Path, description = "The account"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = DeskIdentityBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Unlocked", body = UnlockedView),
        (status = 403, description = "A protected person without the right", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it, or the identity check rejected the citizen", body = Problem, content_type = "application/problem+json")))]
pub async fn unlock(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: DeskIdentityBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Account> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkRegistration).await?;
    let office = record.org.ok_or_else(Problem::internal)?;
    let person = administered(&state, caller, record.state.person, office, acting.path()).await?;
    let desk =
        desk_lookup(&state, &person, &cmd.cpr, &cmd.given_names, &cmd.family_name, cmd.situation).await?;
    check_protected(caller, desk.lookup.protected, office)?;
    let proofing =
        proofing(person.id, &cmd.documents, &desk, person.delivery_address.is_some(), cmd.observations);
    let identity = match check_at_desk(person.id, caller.principal.person, &proofing, &state.policy, today())?
    {
        DeskCheck::Signed(identity) => identity,
        DeskCheck::Rejected { rule, reason } => {
            return Err(refused(
                rule,
                "documents".into(),
                format!(
                    "the identity check turned the citizen away ({}): the account stays locked",
                    super::name_of(&reason)
                ),
            ))
        }
    };
    let events = account::unlock(&record.state, &identity, OffsetDateTime::now_utc())?;
    for e in &events {
        record.state.apply(e);
    }
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    let answer = UnlockedView {
        account: record.state.id.to_string(),
        status: record.state.status,
        locked: record.state.locked,
        failures: record.state.failures,
        version: record.version,
    };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}
