//! Revocation requests (R-REV-1..6): who asks and how they were identified, the reason
//! code, and what is covered. The credentials are revoked at the CA, the card deregistered,
//! and the request recorded for the next-day check (R-REV-3) and its 10-year retention
//! (R-REV-6), all in one transaction.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::ra::card::{self, Card, CardStatus, Deregister, DeregisterReason};
use tillit_core::ra::credential::Credential;
use tillit_core::ra::revocation::{
    self, Circumstance, Identification, ReasonCode, RequestRevocation, Requester, Revocation,
    RevocationEvent, Target,
};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{PersonId, RevocationId};
use tillit_store::records::Record;
use utoipa::ToSchema;

use super::action::Signed;
use super::credentials::{card_facts, revoke_in};
use super::kinds::Kept;
use super::{chain_of, credentials_of, save, today};
use crate::problem::Problem;
use crate::AppState;

/// A revocation request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    /// The holder.
    pub holder: String,
    /// Who asks: `"holder"`, `"ra"` or `{"manager": {"unit": …}}` (R-REV-1).
    #[schema(value_type = Object)]
    pub requester: Requester,
    /// The asking person, when known.
    pub requested_by: Option<String>,
    /// How the requester was identified (R-REV-2).
    #[schema(value_type = Object)]
    pub identification: Identification,
    /// The RFC 5280 reason (R-REV-3).
    #[schema(value_type = String)]
    pub reason: ReasonCode,
    /// `ordinary`, `lost`, `stolen` or `{"misuse": {...}}`.
    #[schema(value_type = Object)]
    pub circumstance: Circumstance,
    /// `{"kind": "card", "card": …}` or `{"kind": "credentials", "ids": […]}`.
    #[schema(value_type = Object)]
    pub target: Target,
}

/// What the request did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Revoked {
    /// The request.
    pub revocation: String,
    /// The credentials revoked.
    pub credentials: Vec<String>,
    /// The certificate serials revoked at the CA.
    pub serials: Vec<String>,
    /// The actions for the officer: police report, notifications (R-REV-4, R-REV-5).
    #[schema(value_type = Vec<Object>)]
    pub instructions: Vec<serde_json::Value>,
}

fn person_param(field: &'static str, text: &str) -> Result<PersonId, Problem> {
    text.parse::<uuid::Uuid>()
        .map(PersonId)
        .map_err(|_| Problem::from(Refusal::field("R-REV-1", field, "is not a person id (a UUID)")))
}

/// Records a revocation request and carries it out (R-REV-1..6). The caller revokes as the
/// RA (`revoke`) or, as a manager, requests for their own unit (`request_revocation`).
#[utoipa::path(post, path = "/api/v1/revocations", tag = "ra",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = RevocationBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Revoked", body = Revoked),
        (status = 404, description = "No such holder in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn request(
    State(state): State<Arc<AppState>>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: RevocationBody = acting.json()?;
    let caller = &acting.caller;
    let (holder, _) = caller.readable_person(&state, &cmd.holder, acting.path()).await?;
    let units = revocation::holder_units(&holder, today());
    let may = |p| units.iter().any(|u| caller.principal.can(&caller.tree, p, *u));
    if !(may(Permission::Revoke) || may(Permission::RequestRevocation)) {
        return Err(
            Refusal::new("R-ORG-1", "no role lets you revoke or request revocation for this holder").into()
        );
    }
    let requested_by = cmd.requested_by.as_deref().map(|t| person_param("requested_by", t)).transpose()?;
    let card_record: Option<Record<Card>> = match &cmd.target {
        Target::Card { card } => Some(
            state
                .store
                .record::<Card>(Card::KIND, &card.to_string())
                .await?
                .ok_or_else(|| Problem::from(Refusal::field("R-REV-3", "target", "no such card")))?,
        ),
        Target::Credentials { .. } => None,
    };
    let facts = card_record.as_ref().map(|c| card_facts(&c.state));
    let records = credentials_of(&state, holder.id).await?;
    let credentials: Vec<Credential> = records.iter().map(|r| r.state.clone()).collect();
    let id = RevocationId(uuid::Uuid::now_v7());
    let events = revocation::request_revocation(
        &caller.tree,
        &holder,
        facts.as_ref(),
        &credentials,
        RequestRevocation {
            id,
            requester: cmd.requester,
            requested_by,
            identification: cmd.identification,
            reason: cmd.reason,
            circumstance: cmd.circumstance,
            target: cmd.target,
        },
        today(),
    )?;
    let org = units.first().copied().ok_or_else(Problem::internal)?;
    let chain = chain_of(&caller.tree, org);
    let mut request =
        Revocation::created(&events).ok_or_else(Problem::internal)?.new_record(Some(org), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut request, &state.policy).await?;
    acting.record(&mut tx, &chain, &events).await?;
    let covered: Vec<Record<Credential>> =
        records.into_iter().filter(|r| request.state.credentials.contains(&r.state.id)).collect();
    let credential_ids = covered.iter().map(|r| r.state.id.to_string()).collect();
    let mut serials = revoke_in(&mut tx, &state, &acting, &chain, covered, cmd.reason).await?;
    if let Some(mut card) = card_record {
        if events.iter().any(|e| matches!(e, RevocationEvent::CardDeregistrationRequested { .. }))
            && matches!(card.state.status, CardStatus::Delivered | CardStatus::HandedOut | CardStatus::InUse)
        {
            let reason = match cmd.circumstance {
                Circumstance::Lost => DeregisterReason::Lost,
                Circumstance::Stolen => DeregisterReason::Stolen,
                Circumstance::Misuse { .. } => DeregisterReason::Misuse,
                Circumstance::Ordinary => match cmd.reason {
                    ReasonCode::AffiliationChanged => DeregisterReason::LeftEmployment,
                    ReasonCode::Superseded => DeregisterReason::Replaced,
                    _ => DeregisterReason::Damaged,
                },
            };
            let card_events = card::deregister(&card.state, Deregister { reason, on: today() })?;
            for e in &card_events {
                card.state.apply(e);
            }
            save(&mut tx, &mut card, &state.policy).await?;
            acting.record(&mut tx, &chain, &card_events).await?;
            // The credentials were revoked above; a card's are all covered (R-REV-3).
            serials.sort();
        }
    }
    let instructions = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                RevocationEvent::PoliceReportInstructed { .. }
                    | RevocationEvent::NotificationRequested { .. }
                    | RevocationEvent::RightsRevocationRequested { .. }
            )
        })
        .map(|e| serde_json::to_value(e).unwrap_or_default())
        .collect();
    let answer = Revoked {
        revocation: id.to_string(),
        credentials: credential_ids,
        serials: serials.clone(),
        instructions,
    };
    let response = acting.finish(&state, tx, StatusCode::CREATED, &answer).await?;
    for serial in serials {
        state.ca.announce_revoked(&serial);
    }
    Ok(response)
}
