//! Officers' passkeys as records (docs/design/portal.md §1.2): the one-time enrolment link an
//! RA administrator makes for an officer, and the registration and removal of a passkey, each
//! in the audit log's system chain. The API endpoint, `tillit admin enrol-link`, `tillit init`
//! and the portal all make links through [`create_link`], and the portal registers passkeys
//! through [`register`], so the rules are written once.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use tillit_core::audit::{Actor, AuditEvent, SYSTEM_CHAIN};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::PersonId;
use tillit_store::portal::{EnrolmentLink, NewPasskey};
use tillit_store::{StoreError, Tx};
use utoipa::ToSchema;

use super::action::Signed;
use super::passkey::{PasskeyRegistered, PasskeyRemoved, REGISTERED, REMOVED};
use crate::problem::Problem;
use crate::AppState;

/// The audit action that records a new enrolment link (system chain; the payload holds the
/// SHA-256 of the token, never the token).
pub const LINK_CREATED: &str = "passkey.link_created";
/// How long a link works unless the maker says otherwise.
pub const DEFAULT_LINK_HOURS: u32 = 72;
/// The longest a link may work: a week.
pub const MAX_LINK_HOURS: u32 = 168;
/// Where a link's token is used: `/enrol/<token>` on the portal.
pub const ENROL_PATH: &str = "/enrol/";

/// A link made: the token is shown once, here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The officer it enrols.
    pub person: PersonId,
    /// The token (43 characters of base64url, 256 bits).
    pub token: String,
    /// The end of its validity, microseconds since the Unix epoch.
    pub expires_us: i64,
}

impl NewLink {
    /// The portal path that uses it (`/enrol/<token>`).
    pub fn path(&self) -> String {
        format!("{ENROL_PATH}{}", self.token)
    }
}

/// The stored form of a link's token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    now.unix_timestamp() * 1_000_000 + i64::from(now.microsecond())
}

/// Makes a one-time passkey enrolment link for `person`, valid `hours`, in `tx`, recorded as
/// [`LINK_CREATED`] by `actor` (with the officer's signature when an officer made it). Earlier
/// unused links of the person keep working until they expire.
pub async fn create_link(
    tx: &mut Tx<'_>,
    person: PersonId,
    actor: &Actor,
    signature: Option<Vec<u8>>,
    hours: u32,
    now_us: i64,
) -> Result<NewLink, StoreError> {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = B64URL.encode(secret);
    let hash = token_hash(&token);
    let expires_us = now_us + i64::from(hours) * 3_600_000_000;
    tx.insert_enrolment_link(&EnrolmentLink {
        token_hash: hash.clone(),
        person: person.to_string(),
        created_by: actor.as_str().to_string(),
        created_us: now_us,
        expires_us,
        used_us: None,
    })
    .await?;
    let mut event = AuditEvent::new(
        SYSTEM_CHAIN,
        actor.clone(),
        LINK_CREATED,
        json!({ "person": person.to_string(), "token_sha256": hash, "expires_us": expires_us }),
    );
    event.actor_signature = signature;
    tx.append(event).await?;
    Ok(NewLink { person, token, expires_us })
}

/// Registers a passkey in `tx` and records [`REGISTERED`], by the officer themself.
pub async fn register(tx: &mut Tx<'_>, key: &NewPasskey, now_us: i64) -> Result<(), StoreError> {
    tx.insert_passkey(key, now_us).await?;
    let payload = PasskeyRegistered {
        person: key.person.clone(),
        credential_id: B64URL.encode(&key.credential_id),
        spki: B64.encode(&key.spki),
        alg: key.alg,
        rp_id: key.rp_id.clone(),
        enrolled_via: key.enrolled_via.clone(),
    };
    let actor = officer_actor(&key.person)?;
    let payload = serde_json::to_value(payload).unwrap_or_default();
    tx.append(AuditEvent::new(SYSTEM_CHAIN, actor, REGISTERED, payload)).await?;
    Ok(())
}

/// Removes a passkey in `tx` and records [`REMOVED`] by `actor`. `false`: it was removed
/// already (nothing recorded).
pub async fn remove(
    tx: &mut Tx<'_>,
    person: &str,
    credential_id: &[u8],
    actor: &Actor,
    now_us: i64,
) -> Result<bool, StoreError> {
    if !tx.remove_passkey(credential_id, now_us).await? {
        return Ok(false);
    }
    let payload = PasskeyRemoved { person: person.to_string(), credential_id: B64URL.encode(credential_id) };
    let payload = serde_json::to_value(payload).unwrap_or_default();
    tx.append(AuditEvent::new(SYSTEM_CHAIN, actor.clone(), REMOVED, payload)).await?;
    Ok(true)
}

fn officer_actor(person: &str) -> Result<Actor, StoreError> {
    Actor::parse(&format!("officer:{person}")).map_err(StoreError::from)
}

/// A request for an enrolment link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// How many hours the link works: 1 to 168; unset, 72.
    pub hours: Option<u32>,
}

/// A link made. The token is in this answer only: a retry of the request gets the answer
/// without it (make a new link if it was lost).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkMade {
    /// The officer.
    pub person: String,
    /// The token, to be used once at `path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The portal path to open (`/enrol/<token>`), joined to the portal's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The end of its validity, RFC 3339.
    pub expires: String,
}

/// Makes a one-time passkey enrolment link for an officer: by a caller who holds
/// `grant_roles` on the unit of one of the officer's employments, for a person who holds a
/// role (R-ORG-1: only officers sign in to the portal).
#[utoipa::path(post, path = "/api/v1/persons/{id}/enrolment-links", tag = "ra",
    params(("id" = String, Path, description = "The officer"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = LinkBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Made; the token is shown once", body = LinkMade),
        (status = 403, description = "No right to administer officers there", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: LinkBody = if acting.body().is_empty() { LinkBody::default() } else { acting.json()? };
    let hours = cmd.hours.unwrap_or(DEFAULT_LINK_HOURS);
    if !(1..=MAX_LINK_HOURS).contains(&hours) {
        return Err(Refusal::field("R-ORG-1", "hours", "a link works 1 to 168 hours").into());
    }
    let caller = &acting.caller;
    let (person, at) = caller.readable_person(&state, &id, acting.path()).await?;
    // Any unit of the officer's where the caller administers roles will do.
    let unit = person
        .employments
        .iter()
        .map(|e| e.org)
        .find(|org| caller.principal.can(&caller.tree, Permission::GrantRoles, *org))
        .unwrap_or(at);
    caller.principal.authorise(&caller.tree, Permission::GrantRoles, unit)?;
    if state.store.grants_of(person.id).await?.is_empty() {
        return Err(Refusal::field(
            "R-ORG-1",
            "id",
            "the person holds no role; grant one before making a link to the portal",
        )
        .into());
    }
    let mut tx = state.store.begin().await?;
    let link =
        create_link(&mut tx, person.id, &acting.actor, acting.signature.clone(), hours, now_us()).await?;
    let expires = rfc3339(link.expires_us);
    let answer = LinkMade {
        person: person.id.to_string(),
        token: Some(link.token.clone()),
        path: Some(link.path()),
        expires: expires.clone(),
    };
    let kept = LinkMade { person: person.id.to_string(), token: None, path: None, expires };
    acting.finish_once(&state, tx, StatusCode::CREATED, &answer, &kept).await
}

/// An instant as RFC 3339 UTC.
pub fn rfc3339(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
