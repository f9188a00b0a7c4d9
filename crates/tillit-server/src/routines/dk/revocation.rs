//! Revocation assistance over the API (R-DK-7; 001 §6): `POST /api/v1/dk/accounts/{id}/revocation`.
//! At the desk or on the phone the officer suspends (reversible) or revokes (for good) the
//! citizen's passcode (the account), key cards and code tokens (all of them or a list), and
//! the citizen's certificates, with the reason and who asked and how they were identified.
//! Who asked is recorded as a kind, never a name (R-PER-3). Permission `dk_registration` on
//! the office; a protected citizen needs the protected-identity right there too.
//!
//! Everything happens in one transaction: the account's and the authenticators' new states,
//! every listed certificate revoked through the CA ([`revoke_in`]: certificates have no hold,
//! R-REV-3, so a suspension revokes them too), and the audit events. The answer lists what
//! was stopped.
//!
//! **Sign-in stops at once.** The sign-in and activation code (`crate::eid`) reads the
//! account record and the authenticator records on every attempt and refuses an account
//! that is not awaiting activation or active, and an authenticator that is suspended or
//! blocked; so writing their new status in this transaction is all it takes: the next
//! attempt after the commit is refused, on every node, with nothing cached to expire.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Deserializer, Serialize};
use tillit_core::ra::credential::{Credential, CredentialState};
use tillit_core::ra::dk::authenticator::{AuthStatus, Authenticator};
use tillit_core::ra::dk::revocation::{self, Assist, AssistAction, DkReason, Requester};
use tillit_core::ra::dk::AuthenticatorId;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::CredentialId;
use tillit_store::records::Record;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::visits::{account_in_path, citizen, office_param};
use super::{authenticators_of, name_of};
use crate::problem::Problem;
use crate::routines::action::Signed;
use crate::routines::credentials::revoke_in;
use crate::routines::{chain_of, credentials_of, save};
use crate::AppState;

/// This part's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(assist))
}

/// Which of the citizen's authenticators or certificates a request names: none, `"all"`,
/// or a list of ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Selection {
    /// None (the default).
    #[default]
    None,
    /// All that can still be stopped.
    All,
    /// These ids.
    Only(Vec<String>),
}

impl<'de> Deserialize<'de> for Selection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(word) if word == "all" => Ok(Selection::All),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(id) => Ok(id),
                    _ => Err(serde::de::Error::custom("each item is an id (a UUID string)")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Selection::Only),
            serde_json::Value::Null => Ok(Selection::None),
            _ => Err(serde::de::Error::custom("write \"all\" or a list of ids")),
        }
    }
}

/// A request for revocation assistance (R-DK-7).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistBody {
    /// The office (the desk or the phone service): the caller holds `dk_registration` on it.
    pub office: String,
    /// `suspend` (reversible) or `revoke` (the passcode revoked, the authenticators blocked,
    /// for good).
    #[schema(value_type = String)]
    pub action: AssistAction,
    /// Why: `lost`, `stolen`, `suspected_misuse`, `citizen_request`, `deceased` or `other`.
    #[schema(value_type = String)]
    pub reason: DkReason,
    /// Who asks and how they were identified: `{"requester": "citizen_in_person",
    /// "document_checked": true}`, `{"requester": "citizen_by_phone", "verified": true}`,
    /// `{"requester": "police"}`, `{"requester": "guardian", "authority_checked": true}` or
    /// `{"requester": "ra"}`. Recorded as a kind, never a name.
    #[schema(value_type = Object)]
    pub requester: Requester,
    /// Whether the passcode (the account) is suspended or revoked.
    #[serde(default)]
    pub passcode: bool,
    /// The key cards, code tokens and other authenticators: `"all"` (every one that can
    /// still be stopped) or a list of authenticator ids.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub authenticators: Selection,
    /// The certificates: `"all"` (every valid credential of the citizen) or a list of
    /// credential ids. They are revoked at the CA whether the rest is suspended or revoked.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub certificates: Selection,
}

/// An authenticator stopped.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoppedAuthenticator {
    /// The authenticator.
    pub authenticator: String,
    /// `key_card`, `code_display`, `audio_code_reader`, `passcode_letter`, …
    pub kind: String,
    /// Its serial (envelope) number, for stock items.
    pub serial: Option<String>,
    /// `suspended` or `blocked`.
    pub status: String,
}

/// What revocation assistance stopped.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assisted {
    /// The account.
    pub account: String,
    /// `suspend` or `revoke`.
    pub action: String,
    /// The account's status after it (`suspended`, `revoked`, or unchanged when the passcode
    /// was not included).
    pub account_status: String,
    /// Whether the passcode was stopped.
    pub passcode: bool,
    /// The authenticators stopped.
    pub authenticators: Vec<StoppedAuthenticator>,
    /// The credentials revoked.
    pub credentials: Vec<String>,
    /// The certificate serials revoked at the CA.
    pub serials: Vec<String>,
    /// The RFC 5280 reason the CA recorded for them.
    pub crl_reason: String,
}

/// Whether `action` can still stop an authenticator in this state.
fn stoppable(a: &Authenticator, action: AssistAction) -> bool {
    match action {
        AssistAction::Suspend => {
            matches!(a.status, AuthStatus::HandedOut | AuthStatus::Mailed | AuthStatus::Active)
        }
        AssistAction::Revoke => !a.status.is_final(),
    }
}

fn ids<T: From<uuid::Uuid>>(field: &'static str, items: &[String]) -> Result<Vec<T>, Problem> {
    items
        .iter()
        .map(|text| {
            text.trim().parse::<uuid::Uuid>().map(T::from).map_err(|_| {
                Problem::from(Refusal::field("R-DK-7", field, format!("{text:?} is not an id (a UUID)")))
            })
        })
        .collect()
}

/// Suspends or revokes the citizen's passcode, authenticators and certificates (R-DK-7): who
/// asks identified (the document checked, the caller verified, the authority checked), a
/// reason recorded, at least one thing named; every authenticator listed must be the
/// citizen's and every certificate one of their valid credentials. The certificates are
/// revoked through the CA in the same transaction, and sign-in stops at once.
#[utoipa::path(post, path = "/api/v1/dk/accounts/{id}/revocation", tag = "dk",
    params(("id" = String, Path, description = "The citizen's account"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = AssistBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "What was stopped", body = Assisted),
        (status = 403, description = "No dk_registration on the office, or a protected citizen without the right (R-PER-3)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn assist(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: AssistBody = acting.json()?;
    let caller = &acting.caller;
    let office = office_param("office", &cmd.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkRegistration, office)?;
    let mut account = account_in_path(&state, &id, acting.path()).await?;
    let person = citizen(&state, caller, account.state.person, office, acting.path()).await?;
    let mut held = authenticators_of(&state, &account.state).await?;
    let listed: Vec<AuthenticatorId> = match &cmd.authenticators {
        Selection::None => Vec::new(),
        Selection::All => {
            held.iter().filter(|a| stoppable(&a.state, cmd.action)).map(|a| a.state.id).collect()
        }
        Selection::Only(items) => ids("authenticators", items)?,
    };
    let valid: Vec<Record<Credential>> = credentials_of(&state, person.id)
        .await?
        .into_iter()
        .filter(|c| {
            matches!(c.state.state, CredentialState::OrderBasis { .. } | CredentialState::Issued { .. })
        })
        .collect();
    let certificates: Vec<CredentialId> = match &cmd.certificates {
        Selection::None => Vec::new(),
        Selection::All => valid.iter().map(|c| c.state.id).collect(),
        Selection::Only(items) => {
            let wanted: Vec<CredentialId> = ids("certificates", items)?;
            if let Some(stray) = wanted.iter().find(|w| !valid.iter().any(|c| c.state.id == **w)) {
                return Err(Refusal::field(
                    "R-DK-7",
                    "certificates",
                    format!("credential {stray} is not a valid credential of this citizen"),
                )
                .into());
            }
            wanted
        }
    };
    let states: Vec<Authenticator> = held.iter().map(|a| a.state.clone()).collect();
    let assistance = revocation::assist(
        &account.state,
        &states,
        Assist {
            action: cmd.action,
            reason: cmd.reason,
            requester: cmd.requester,
            officer: caller.principal.person,
            passcode: cmd.passcode,
            authenticators: listed,
            certificates,
            at: time::OffsetDateTime::now_utc(),
        },
    )?;
    let chain = chain_of(&caller.tree, office);
    let mut tx = state.store.begin().await?;
    if !assistance.account.is_empty() {
        for e in &assistance.account {
            account.state.apply(e);
        }
        save(&mut tx, &mut account, &state.policy).await?;
    }
    let mut stopped = Vec::new();
    for record in &mut held {
        let mine: Vec<_> =
            assistance.authenticators.iter().filter(|e| e.authenticator() == record.state.id).collect();
        if mine.is_empty() {
            continue;
        }
        for e in mine {
            record.state.apply(e);
        }
        save(&mut tx, record, &state.policy).await?;
        stopped.push(StoppedAuthenticator {
            authenticator: record.state.id.to_string(),
            kind: record.state.kind.as_str().to_string(),
            serial: record.state.serial.clone(),
            status: record.state.status.as_str().to_string(),
        });
    }
    acting.record(&mut tx, &chain, &assistance.events).await?;
    acting.record(&mut tx, &chain, &assistance.account).await?;
    acting.record(&mut tx, &chain, &assistance.authenticators).await?;
    let revoke: Vec<Record<Credential>> =
        valid.into_iter().filter(|c| assistance.revoke_certificates.contains(&c.state.id)).collect();
    let credentials = revoke.iter().map(|c| c.state.id.to_string()).collect();
    let serials = revoke_in(&mut tx, &state, &acting, &chain, revoke, assistance.crl_reason).await?;
    let answer = Assisted {
        account: account.state.id.to_string(),
        action: name_of(&cmd.action),
        account_status: name_of(&account.state.status),
        passcode: cmd.passcode,
        authenticators: stopped,
        credentials,
        serials: serials.clone(),
        crl_reason: name_of(&assistance.crl_reason),
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

    #[test]
    fn selections() {
        let parse = |v: serde_json::Value| serde_json::from_value::<Selection>(v).map_err(|e| e.to_string());
        assert_eq!(parse(serde_json::json!("all")), Ok(Selection::All));
        assert_eq!(parse(serde_json::json!(["a", "b"])), Ok(Selection::Only(vec!["a".into(), "b".into()])));
        assert_eq!(parse(serde_json::Value::Null), Ok(Selection::None));
        assert!(parse(serde_json::json!("some")).unwrap_err().contains("\"all\" or a list"));
        assert!(parse(serde_json::json!([1])).unwrap_err().contains("each item is an id"));
    }
}
