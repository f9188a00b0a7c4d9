//! Function (system) certificates (R-CRED-7): ordered by an officer with a person of the
//! organisation answering for it, downloaded once with a one-time code by the system's
//! operator, who sends one PKCS#10 request. The certificate is issued under the `function`
//! profile (client and server authentication) with the system's name and DNS names from the
//! request, within the policy's longest validity (R-CRED-2).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::audit::Actor;
use tillit_core::ra::card;
use tillit_core::ra::credential::{
    self, Certificates, Credential, CredentialKind, Issue, OrderFunction, Serial,
};
use tillit_core::ra::event::Event as _;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{CredentialId, OrgId};
use utoipa::ToSchema;

use super::action::Signed;
use super::credentials::{
    code_hash, new_code, open_code, CodeBody, CodeRequest, IssuedView, Ordered, DOWNLOAD_CODE_DAYS,
    UNKNOWN_CODE,
};
use super::kinds::Kept;
use super::{chain_of, save, today};
use crate::ca::CaError;
use crate::problem::Problem;
use crate::AppState;

/// A function certificate order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionBody {
    /// The unit the function belongs to (the responsible person's employment is checked in
    /// its organisation, R-PER-2).
    pub org: String,
    /// The last valid day; the longest allowed when absent (R-CRED-2).
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<time::Date>,
}

/// Orders a function certificate with the person `id` responsible for it (R-CRED-7), by an
/// officer who orders credentials in the unit. Answers the one-time download code, once.
#[utoipa::path(post, path = "/api/v1/persons/{id}/function-credentials", tag = "ra",
    params(("id" = String, Path, description = "The responsible person"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = FunctionBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Ordered", body = Ordered),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn order(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: FunctionBody = acting.json()?;
    let caller = &acting.caller;
    let (person, _) = caller.readable_person(&state, &id, acting.path()).await?;
    let org =
        cmd.org.parse::<uuid::Uuid>().map(OrgId).map_err(|_| {
            Problem::from(Refusal::field("R-ORG-1", "org", "is not an organisation id (a UUID)"))
        })?;
    caller.principal.authorise(&caller.tree, Permission::OrderCredentials, org)?;
    card::check_protected(&person, &super::officer(caller, org))?;
    let today = today();
    let code = new_code();
    let hash = code_hash(&code);
    let code_expires = card::add_days(today, DOWNLOAD_CODE_DAYS);
    let credential_id = CredentialId(uuid::Uuid::now_v7());
    let events = credential::order_function(
        &caller.tree,
        &person,
        OrderFunction {
            id: credential_id,
            org,
            valid_until: cmd.valid_until,
            download_code_ref: format!("sha256:{}", &hash[..16]),
            code_expires,
        },
        &state.policy,
        today,
    )?;
    let created = events.iter().find_map(Credential::created).ok_or_else(Problem::internal)?;
    let credential::CredentialState::OrderBasis { valid_until, .. } = created.state else {
        return Err(Problem::internal());
    };
    let chain = chain_of(&caller.tree, org);
    let mut record = created.new_record(Some(org), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    tx.insert_download_code(&hash, &credential_id.to_string(), &code_expires.to_string()).await?;
    acting.record(&mut tx, &chain, &events).await?;
    let answer = Ordered {
        credential: credential_id.to_string(),
        download_code: Some(code),
        code_expires,
        valid_until,
    };
    let kept =
        Ordered { credential: credential_id.to_string(), download_code: None, code_expires, valid_until };
    acting.finish_once(&state, tx, StatusCode::CREATED, &answer, &kept).await
}

/// The system's download: the one-time code and one request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionEnrolBody {
    /// The one-time download code.
    pub code: String,
    /// PKCS#10 (PEM): the system's name (CN) and DNS names.
    pub csr: String,
}

impl CodeBody for FunctionEnrolBody {
    fn code(&self) -> &str {
        &self.code
    }
}

/// The issued function certificate.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FunctionEnrolled {
    /// The credential.
    pub credential: String,
    /// The last valid day.
    #[schema(value_type = String)]
    pub not_after: time::Date,
    /// The certificate.
    pub certificate: IssuedView,
    /// The issuing CA's certificate, then the root's (PEM).
    pub chain: String,
}

fn code_refused(reason: &str) -> Problem {
    Problem::from(Refusal::field("R-CRED-4", "code", reason.to_string()))
}

/// The system's download of its function certificate (R-CRED-7): the one-time code works
/// once; a retry with the same `Idempotency-Key` gets the same certificate.
#[utoipa::path(post, path = "/api/v1/enrolment/function", tag = "ra",
    params(("Idempotency-Key" = String, Header, description = "A new key per download, the same on a retry")),
    request_body = FunctionEnrolBody,
    responses((status = 201, description = "The certificate", body = FunctionEnrolled),
        (status = 422, description = "The code or the request is refused", body = Problem, content_type = "application/problem+json")))]
pub async fn enrol(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Result<Response, Problem> {
    let (cmd, hash, unsigned, mut order) =
        match open_code::<FunctionEnrolBody>(&state, &method, &uri, &headers, &body).await? {
            CodeRequest::Fresh { cmd, hash, unsigned, order } => (cmd, hash, unsigned, *order),
            CodeRequest::Replay(answer) => return Ok(answer),
        };
    let unknown = UNKNOWN_CODE;
    if order.state.kind != CredentialKind::Function {
        return Err(code_refused("this code is for a card credential: download it with the card client"));
    }
    let credential::CredentialState::OrderBasis { valid_until, .. } = order.state.state else {
        return Err(code_refused(unknown));
    };
    let tree =
        tillit_core::ra::org::OrgTree::new(state.store.orgs().await?).map_err(|_| Problem::internal())?;
    let org = order.org.ok_or_else(Problem::internal)?;
    let chain = chain_of(&tree, org);
    let actor =
        Actor::parse(&format!("responsible:{}", order.state.person)).map_err(|_| Problem::internal())?;
    let today = today();
    let max_days = state.ca.profiles().get("function").map_or(0, |p| p.max_validity_days);
    let days_left = (valid_until - today).whole_days().max(1);
    let days = u32::try_from(days_left).unwrap_or(u32::MAX).min(max_days);
    let mut tx = state.store.begin().await?;
    if !tx.use_download_code(&hash).await? {
        tx.rollback().await?;
        return Err(code_refused(unknown));
    }
    let issued =
        state.ca.issue_csr_in(&mut tx, &actor, &chain, "function", cmd.csr.as_bytes(), days).await.map_err(
            |e| match e {
                CaError::Csr(e) => {
                    Problem::from(Refusal::field("R-CRED-7", "csr", format!("not a usable request: {e}")))
                }
                other => Problem::from(other),
            },
        )?;
    let not_after = card::add_days(today, days);
    let events = credential::issue_function(
        &order.state,
        Issue {
            by: order.state.person,
            certificates: Certificates::Single { serial: Serial::parse("serial", &issued.serial)? },
            not_after: not_after.min(valid_until),
            receipt_ref: None,
        },
        today,
    )?;
    for e in &events {
        order.state.apply(e);
        tx.append(e.to_audit(&chain, &actor)).await?;
    }
    save(&mut tx, &mut order, &state.policy).await?;
    let answer = FunctionEnrolled {
        credential: order.state.id.to_string(),
        not_after: not_after.min(valid_until),
        certificate: IssuedView { serial: issued.serial.clone(), certificate: issued.pem.clone() },
        chain: state.ca.chain_pem().map_err(Problem::from)?,
    };
    unsigned.finish(&state, tx, StatusCode::CREATED, &answer).await
}
