//! Name mismatches (R-PER-4): the name in a card credential's certificates is no longer the
//! directory's. The officer resolves it one of three ways: the directory was wrong and is
//! corrected through the HR register (recorded), a new credential is ordered to the same card
//! (the old one revoked as superseded in the same transaction), or the card is replaced (a
//! card with a printed name: the officer orders the new card).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::ra::card::{self, Card};
use tillit_core::ra::credential::{
    CardContext, Credential, CredentialEvent, IdBasis, NameMismatch, NameMismatchOption, OrderCredential,
};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::CredentialId;
use tillit_pki::crl::Reason;
use tillit_store::records::Record;
use utoipa::ToSchema;

use super::action::Signed;
use super::credentials::{card_facts, code_hash, new_code, DOWNLOAD_CODE_DAYS};
use super::kinds::Kept;
use super::{chain_of, credentials_of, person_of, record_in_scope, save, today};
use crate::ca::Authority;
use crate::problem::Problem;
use crate::AppState;

/// How the officer resolves the mismatch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `correct_directory`, `reissue_to_same_card` or `replace_card`.
    #[schema(value_type = String)]
    pub resolution: NameMismatchOption,
}

/// What was done.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Resolved {
    /// The resolution.
    pub resolution: String,
    /// For `reissue_to_same_card`: the new credential's order.
    pub credential: Option<String>,
    /// For `reissue_to_same_card`: the one-time download code, shown once.
    pub download_code: Option<String>,
    /// The serials revoked.
    pub revoked: Vec<String>,
}

/// Resolves a name mismatch on an issued card credential (R-PER-4), by an officer who orders
/// credentials in the card's unit. Refused when the names agree.
#[utoipa::path(post, path = "/api/v1/credentials/{id}/name-mismatch", tag = "ra",
    params(("id" = String, Path, description = "The credential"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ResolveBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Resolved", body = Resolved),
        (status = 404, description = "No such credential in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn resolve(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ResolveBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<Credential> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::OrderCredentials).await?;
    let person = person_of(&state, record.state.person, acting.path()).await?;
    let org = record.org.ok_or_else(Problem::internal)?;
    card::check_protected(&person, &super::officer(caller, org))?;
    let serials = record.state.serials();
    let subject = match serials.first() {
        Some(serial) => state.store.certificate(serial.as_str()).await?.map(|c| c.subject),
        None => None,
    };
    let in_certificate = subject.as_deref().and_then(crate::reports::certificate_name).ok_or_else(|| {
        Problem::from(Refusal::state("credential", record.state.state.phase(), "resolve a name mismatch"))
    })?;
    let mismatch = NameMismatch::check(&record.state, &person.display_name(true), &in_certificate)
        .ok_or_else(|| {
            Problem::from(Refusal::field(
                "R-PER-4",
                "credential",
                "the names in the directory and the certificate agree",
            ))
        })?;
    let chain = chain_of(&caller.tree, org);
    let today = today();
    let mut tx = state.store.begin().await?;
    let mut answer =
        Resolved { resolution: String::new(), credential: None, download_code: None, revoked: Vec::new() };
    let events: Vec<CredentialEvent> = match cmd.resolution {
        NameMismatchOption::CorrectDirectory => mismatch.correct_directory(&record.state)?,
        NameMismatchOption::ReplaceCard => mismatch.replace_card(&record.state)?,
        NameMismatchOption::ReissueToSameCard => {
            let card_id = record.state.card.ok_or_else(Problem::internal)?;
            let card: Record<Card> =
                state.store.record(Card::KIND, &card_id.to_string()).await?.ok_or_else(|| {
                    Problem::from(Refusal::field("R-PER-4", "card", "the card is not a registered card"))
                })?;
            let facts = card_facts(&card.state);
            let existing: Vec<Credential> =
                credentials_of(&state, person.id).await?.into_iter().map(|r| r.state).collect();
            let ctx = CardContext {
                tree: &caller.tree,
                person: &person,
                card: &facts,
                existing: &existing,
                policy: &state.policy,
                today,
            };
            let code = new_code();
            let hash = code_hash(&code);
            let new_id = CredentialId(uuid::Uuid::now_v7());
            let code_expires = card::add_days(today, DOWNLOAD_CODE_DAYS);
            let basis: IdBasis = record.state.basis;
            let events = mismatch.reissue_to_same_card(
                &record.state,
                &ctx,
                OrderCredential {
                    id: new_id,
                    org,
                    basis,
                    valid_until: None,
                    download_code_ref: format!("sha256:{}", &hash[..16]),
                    code_expires,
                },
            )?;
            let created = events.iter().find_map(Credential::created).ok_or_else(Problem::internal)?;
            let mut new = created.new_record(Some(org), &state.policy);
            save(&mut tx, &mut new, &state.policy).await?;
            tx.insert_download_code(&hash, &new_id.to_string(), &code_expires.to_string()).await?;
            answer.credential = Some(new_id.to_string());
            answer.download_code = Some(code);
            events
        }
    };
    answer.resolution = serde_json::to_value(cmd.resolution)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if events
        .iter()
        .any(|e| matches!(e, CredentialEvent::Revoked { credential, .. } if *credential == record.state.id))
    {
        for serial in &serials {
            if Authority::revoke_in(&mut tx, &acting.actor, &chain, serial.as_str(), Reason::Superseded)
                .await
                .map_err(Problem::from)?
                .is_some()
            {
                answer.revoked.push(serial.as_str().to_string());
            }
        }
    }
    let before = record.state.clone();
    for e in &events {
        record.state.apply(e);
    }
    if record.state != before {
        save(&mut tx, &mut record, &state.policy).await?;
    }
    acting.record(&mut tx, &chain, &events).await?;
    let announce = answer.revoked.clone();
    let kept = Resolved {
        download_code: None,
        credential: answer.credential.clone(),
        revoked: answer.revoked.clone(),
        resolution: answer.resolution.clone(),
    };
    let response = acting.finish_once(&state, tx, StatusCode::OK, &answer, &kept).await?;
    for serial in announce {
        state.ca.announce_revoked(&serial);
    }
    Ok(response)
}
