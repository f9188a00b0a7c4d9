//! A forgotten passcode over the API (R-DK-6; 001 §5):
//! `POST /api/v1/dk/accounts/{id}/forgotten-passcode`. The officer tells the citizen that the
//! signature is reissued and old encrypted data becomes unreadable; unless the citizen
//! accepts (`consequence_accepted: true`) nothing happens. The identity document is checked
//! and **not recorded**: the body has no field for a document number (one sent is refused as
//! an unknown field), the kinds and CPR flags it does carry go no further than the check, and
//! no event, record or answer holds them. The new temporary passcode comes in a passcode
//! letter (or, for a blind citizen, on a medium, R-DK-3) from the office's stock, by its
//! envelope number; by SMS it is not offered yet (no SMS gateway: 501 `not-offered`).
//!
//! In one transaction: the account goes back to awaiting activation and its passcode hash
//! is deleted (the citizen activates again with the new letter), the envelope is handed over
//! (or mailed without photo ID, 001 §5.1), the citizen's valid certificates are revoked
//! through the CA as superseded, and the events are appended to the audit log. Permission
//! `dk_registration` on the office; a protected citizen needs the protected-identity right
//! there too (R-PER-3).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::ra::credential::{Credential, CredentialState};
use tillit_core::ra::dk::forgotten::{self, Forgotten, ForgottenEvent, ForgottenOutcome, NewPasscode};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::dk::AuthenticatorId;
use tillit_core::ra::revocation::ReasonCode;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_store::eid::SecretPurpose;
use tillit_store::records::Record;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::name_of;
use super::visits::{
    account_in_path, citizen, desk_proofing, envelopes, office_param, DeskCheckBody, RejectionView,
};
use crate::problem::Problem;
use crate::routines::action::Signed;
use crate::routines::credentials::revoke_in;
use crate::routines::{chain_of, credentials_of, save};
use crate::AppState;

/// This part's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(forgotten_passcode))
}

/// How the new temporary passcode is given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewPasscodeBody {
    /// A passcode letter from the office's stock, by its envelope number.
    PasscodeLetter {
        /// The number on the letter's envelope.
        serial: String,
    },
    /// A CD-ROM or USB medium from the office's stock, for a blind citizen (R-DK-3).
    Medium {
        /// The number on the medium.
        serial: String,
    },
    /// By SMS: not offered yet (this node has no SMS gateway).
    Sms,
}

/// A new temporary passcode for a citizen who forgot theirs (R-DK-6).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgottenBody {
    /// The office (the desk): the caller holds `dk_registration` on it.
    pub office: String,
    /// The citizen was told that the signature is reissued and old encrypted data becomes
    /// unreadable, and accepted (R-DK-6): refused unless `true`.
    pub consequence_accepted: bool,
    /// The identity check: document kinds and CPR flags only, never a number; not recorded
    /// (R-DK-6).
    pub identity: DeskCheckBody,
    /// `{"by": "passcode_letter", "serial": …}`, `{"by": "medium", "serial": …}` or
    /// `{"by": "sms"}` (not offered yet).
    pub new_passcode: NewPasscodeBody,
}

/// What a forgotten passcode did: ids, kinds and serial numbers; no document.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasscodeReissued {
    /// `reissued`, or `rejected` when the citizen was turned away (R-IDP-5; recorded,
    /// nothing issued).
    pub outcome: String,
    /// The account.
    pub account: String,
    /// The account's status after it: `awaiting_activation` when reissued.
    pub account_status: String,
    /// How the passcode was given: `passcode_letter` or `medium`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode_by: Option<String>,
    /// The letter or medium (authenticator id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator: Option<String>,
    /// Its envelope number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// `hand_out`, or `mail` (to the register address) without photo ID (001 §5.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hand_over: Option<String>,
    /// The credentials superseded and revoked.
    pub credentials: Vec<String>,
    /// The certificate serials revoked at the CA (reason superseded).
    pub serials: Vec<String>,
    /// Why the citizen was turned away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionView>,
}

/// The answer to a request for a passcode by SMS: not offered yet.
fn sms_not_offered() -> Problem {
    Problem::new(StatusCode::NOT_IMPLEMENTED, "not-offered", "Not offered yet")
        .field("new_passcode.by")
        .detail(
            "a temporary passcode by SMS needs an SMS gateway, which this node does not have yet: give a \
             passcode letter (or, to a blind citizen, a medium) from the office's stock",
        )
}

/// The citizen's credentials that are still valid (an order basis or issued certificates):
/// what a new passcode supersedes.
fn open(credentials: Vec<Record<Credential>>) -> Vec<Record<Credential>> {
    credentials
        .into_iter()
        .filter(|c| {
            matches!(c.state.state, CredentialState::OrderBasis { .. } | CredentialState::Issued { .. })
        })
        .collect()
}

/// Gives a citizen who forgot their passcode a new temporary one (R-DK-6): refused until the
/// citizen accepts the consequence; not for a suspended or revoked eID (R-DK-7); the identity
/// checked with the Danish rules (R-IDP-3..6) and not recorded; a passcode letter (a blind
/// citizen: a medium, R-DK-3) from the office's stock (R-RES-4), handed over, or mailed
/// without photo ID. The account awaits activation again, its passcode hash is deleted, and
/// the citizen's certificates are revoked as superseded, all in one transaction.
#[utoipa::path(post, path = "/api/v1/dk/accounts/{id}/forgotten-passcode", tag = "dk",
    params(("id" = String, Path, description = "The citizen's account"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ForgottenBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "A new temporary passcode, or the citizen turned away (R-IDP-5)", body = PasscodeReissued),
        (status = 403, description = "No dk_registration on the office, or a protected citizen without the right (R-PER-3)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it (R-DK-6: the consequence not accepted)", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "By SMS: not offered yet", body = Problem, content_type = "application/problem+json")))]
pub async fn forgotten_passcode(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ForgottenBody = acting.json()?;
    let caller = &acting.caller;
    let office = office_param("office", &cmd.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkRegistration, office)?;
    let mut account = account_in_path(&state, &id, acting.path()).await?;
    let person = citizen(&state, caller, account.state.person, office, acting.path()).await?;
    if cmd.consequence_accepted && matches!(cmd.new_passcode, NewPasscodeBody::Sms) {
        return Err(sms_not_offered());
    }
    let proofing = desk_proofing(&state, &person, &cmd.identity).await?;
    let (item, serial) = match &cmd.new_passcode {
        NewPasscodeBody::PasscodeLetter { serial } => (Some(DkItem::PasscodeLetter), Some(serial.as_str())),
        NewPasscodeBody::Medium { serial } => (Some(DkItem::Medium), Some(serial.as_str())),
        NewPasscodeBody::Sms => (None, None),
    };
    let mut envelope = match (item, serial) {
        (Some(item), Some(serial)) => envelopes(&state, &[item], "new_passcode.serial", serial).await?.pop(),
        _ => None,
    };
    // An envelope the office does not hold: the routine refuses it in its own order (the
    // consequence first), under R-RES-4, and the refusal is told by its number below.
    let envelope_id = envelope.as_ref().map_or(AuthenticatorId(uuid::Uuid::nil()), |e| e.state.id);
    let stock: Vec<_> = envelope.iter().map(|e| e.state.clone()).collect();
    let new_passcode = match cmd.new_passcode {
        NewPasscodeBody::PasscodeLetter { .. } => NewPasscode::Letter(envelope_id),
        NewPasscodeBody::Medium { .. } => NewPasscode::Medium(envelope_id),
        NewPasscodeBody::Sms => NewPasscode::Sms(AuthenticatorId(uuid::Uuid::now_v7())),
    };
    let credentials = open(credentials_of(&state, person.id).await?);
    let outcome = forgotten::new_passcode(
        &account.state,
        &stock,
        Forgotten {
            officer: caller.principal.person,
            office,
            proofing,
            consequence_accepted: cmd.consequence_accepted,
            new_passcode,
            mobile_on_file: person.mobile.is_some(),
            certificates: credentials.iter().map(|c| c.state.id).collect(),
            at: time::OffsetDateTime::now_utc(),
        },
        &state.policy,
    )
    .map_err(|r| match (r.rule, r.field, serial) {
        ("R-RES-4", Some("new_passcode"), Some(serial)) => Refusal::field(
            "R-RES-4",
            "new_passcode.serial",
            format!("no envelope numbered {} of this kind in this office's stock", serial.trim()),
        ),
        _ => r,
    })?;
    let chain = chain_of(&caller.tree, office);
    let mut tx = state.store.begin().await?;
    let reissue = match outcome {
        ForgottenOutcome::Rejected(events) => {
            acting.record(&mut tx, &chain, &events).await?;
            let rejection = events.iter().find_map(|e| match e {
                ForgottenEvent::Rejected { rule, reason, .. } => Some(RejectionView::of(rule, *reason)),
                ForgottenEvent::PasscodeReissued { .. } => None,
            });
            let answer = PasscodeReissued {
                outcome: "rejected".into(),
                account: account.state.id.to_string(),
                account_status: name_of(&account.state.status),
                passcode_by: None,
                authenticator: None,
                serial: None,
                hand_over: None,
                credentials: Vec::new(),
                serials: Vec::new(),
                rejection,
            };
            return acting.finish(&state, tx, StatusCode::OK, &answer).await;
        }
        ForgottenOutcome::Reissued(reissue) => reissue,
    };
    // By SMS the routine enrols a new SMS PIN; refused above until there is a gateway.
    let (Some(envelope), None) = (envelope.as_mut(), reissue.enrolled.as_ref()) else {
        tracing::error!("a forgotten passcode without an envelope from stock");
        return Err(Problem::internal());
    };
    for e in &reissue.account {
        account.state.apply(e);
    }
    for e in &reissue.authenticators {
        envelope.state.apply(e);
    }
    save(&mut tx, &mut account, &state.policy).await?;
    save(&mut tx, envelope, &state.policy).await?;
    // The passcode the citizen chose no longer opens the account: they activate again with
    // the new temporary passcode.
    tx.delete_secret(&account.state.id.to_string(), SecretPurpose::Passcode).await?;
    acting.record(&mut tx, &chain, &reissue.events).await?;
    acting.record(&mut tx, &chain, &reissue.account).await?;
    acting.record(&mut tx, &chain, &reissue.authenticators).await?;
    let superseded: Vec<Record<Credential>> =
        credentials.into_iter().filter(|c| reissue.supersede_certificates.contains(&c.state.id)).collect();
    let credential_ids = superseded.iter().map(|c| c.state.id.to_string()).collect();
    let serials = revoke_in(&mut tx, &state, &acting, &chain, superseded, ReasonCode::Superseded).await?;
    let hand_over = reissue.events.iter().find_map(|e| match e {
        ForgottenEvent::PasscodeReissued { hand_over, via, .. } => Some((name_of(hand_over), name_of(via))),
        ForgottenEvent::Rejected { .. } => None,
    });
    let answer = PasscodeReissued {
        outcome: "reissued".into(),
        account: account.state.id.to_string(),
        account_status: name_of(&account.state.status),
        passcode_by: hand_over.as_ref().map(|(_, via)| via.clone()),
        authenticator: Some(envelope.state.id.to_string()),
        serial: envelope.state.serial.clone(),
        hand_over: hand_over.map(|(h, _)| h),
        credentials: credential_ids,
        serials: serials.clone(),
        rejection: None,
    };
    let response = acting.finish(&state, tx, StatusCode::OK, &answer).await?;
    for serial in serials {
        state.ca.announce_revoked(&serial);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: serde_json::Value) -> Result<ForgottenBody, String> {
        serde_json::from_value(body).map_err(|e| e.to_string())
    }

    #[test]
    fn a_document_number_has_no_field_to_go_into() {
        let body = |document: serde_json::Value, new: serde_json::Value| {
            serde_json::json!({
                "office": "00000000-0000-0000-0000-000000000002",
                "consequence_accepted": true,
                "identity": { "documents": [document] },
                "new_passcode": new,
            })
        };
        let passport = serde_json::json!({ "kind": "passport", "carries_cpr": true });
        let letter = serde_json::json!({ "by": "passcode_letter", "serial": "5001" });
        assert!(parse(body(passport.clone(), letter.clone())).is_ok());
        let numbered = serde_json::json!({ "kind": "passport", "carries_cpr": true, "number": "P-1" });
        assert!(parse(body(numbered, letter.clone())).unwrap_err().contains("unknown field `number`"));
        let extra = serde_json::json!({ "by": "passcode_letter", "serial": "5001", "number": "P-1" });
        assert!(parse(body(passport.clone(), extra)).unwrap_err().contains("unknown field"));
        let sms = parse(body(passport.clone(), serde_json::json!({ "by": "sms" }))).unwrap();
        assert!(matches!(sms.new_passcode, NewPasscodeBody::Sms));
        assert!(parse(body(passport, serde_json::json!({ "by": "pigeon" }))).is_err());
    }
}
