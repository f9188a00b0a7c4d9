//! A state-changing API request as the routines see it: who acts, under which idempotency
//! key, and the officer's own signature over the action (R-AUD-1; ARCHITECTURE.md "Officer
//! authentication").
//!
//! Every `POST` carries an `Idempotency-Key` header. The answer is kept under that key in
//! the transaction of the change itself, so a retry after a timeout gets the same answer and
//! never makes the change twice; the same key with another request is refused (409).
//!
//! An officer's request also carries `Tillit-Signature: keyid="<serial>", signature="<base64>"`:
//! a signature, with a key whose certificate this node issued to the same person as the TLS
//! client certificate, over the action's canonical text ([`action_text`]):
//!
//! ```text
//! tillit-action-v1
//! POST /api/v1/cards/…/hand-out
//! idempotency-key: 0b6f…
//! content-sha256: <hex of the exact body bytes>
//! ```
//!
//! ECDSA (P-256 with SHA-256, P-384 with SHA-384) or RSA PKCS#1 v1.5 with SHA-256, as
//! `openssl dgst -sha256 -sign key.pem` makes it. The text, the certificate and the signature
//! are stored with every audit entry of the action ([`ActorSignature`]), so `tillit audit
//! verify` checks the officer's signature offline.

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use der::Decode as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use spki::AlgorithmIdentifierOwned;
use tillit_core::audit::Actor;
use tillit_core::ra::event::Event;
use tillit_core::ra::PersonId;
use tillit_store::actions::Remembered;
use tillit_store::Tx;
use x509_cert::Certificate;

use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::tls::ClientCert;
use crate::AppState;

/// The header naming the request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header carrying the officer's signature over the action.
pub const SIGNATURE: &str = "tillit-signature";

/// The profiles whose certificates may sign an officer's actions.
const SIGNING_PROFILES: [&str; 3] = ["se-authentication", "se-signature", "function"];

/// The canonical text of an action, which the officer signs.
pub fn action_text(method: &str, path: &str, key: &str, body: &[u8]) -> String {
    format!(
        "tillit-action-v1\n{method} {path}\nidempotency-key: {key}\ncontent-sha256: {}",
        hex::encode(Sha256::digest(body))
    )
}

/// The officer's signature as stored with the audit entry: self-contained, so it can be
/// checked offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorSignature {
    /// Format version (1).
    pub v: u8,
    /// The signed text ([`action_text`]).
    pub message: String,
    /// The signer's certificate, DER, base64.
    pub certificate: String,
    /// The signature, base64.
    pub signature: String,
}

impl ActorSignature {
    /// Checks the signature with the certificate's key; `Err` says what is wrong.
    pub fn verify(&self) -> Result<Certificate, String> {
        if self.v != 1 {
            return Err(format!("unknown signature format {}", self.v));
        }
        let der = B64.decode(&self.certificate).map_err(|_| "the certificate is not base64".to_string())?;
        let cert = Certificate::from_der(&der).map_err(|_| "the certificate is not DER X.509".to_string())?;
        let signature = B64.decode(&self.signature).map_err(|_| "the signature is not base64".to_string())?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let algorithms = signature_algorithms(spki);
        if algorithms.is_empty() {
            return Err("the certificate's key type cannot sign actions".into());
        }
        if algorithms
            .iter()
            .any(|a| tillit_pki::signer::verify_signature(spki, a, self.message.as_bytes(), &signature))
        {
            Ok(cert)
        } else {
            Err("the signature does not verify with the certificate's key".into())
        }
    }

    /// The stored form.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads the stored form.
    pub fn from_bytes(bytes: &[u8]) -> Result<ActorSignature, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not an officer signature: {e}"))
    }
}

/// The signature algorithms tried for a key: what the key type allows.
fn signature_algorithms(spki: &spki::SubjectPublicKeyInfoOwned) -> Vec<AlgorithmIdentifierOwned> {
    use tillit_pki::signer::oid;
    let alg = |oid| AlgorithmIdentifierOwned { oid, parameters: None };
    match spki.algorithm.oid {
        oid::EC_PUBLIC_KEY => vec![alg(oid::ECDSA_SHA256), alg(oid::ECDSA_SHA384)],
        oid::RSA_ENCRYPTION => vec![alg(oid::SHA256_WITH_RSA)],
        _ => Vec::new(),
    }
}

fn bad_header(header: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request").field(header).detail(detail)
}

/// A state-changing request under way: the caller, the key, and the officer's signature.
pub struct Acting {
    /// The principal and the tree.
    pub caller: Caller,
    /// The audit actor (`officer:<person id>`).
    pub actor: Actor,
    /// The officer's signature over the action, as stored with its audit entries.
    pub signature: Option<Vec<u8>>,
    principal: String,
    key: String,
    request: String,
    body: bytes::Bytes,
    path: String,
    method: Method,
    headers: HeaderMap,
}

/// What starting a request gave: a fresh action, or the kept answer of a retry.
pub enum Begun {
    /// A request seen for the first time.
    Fresh(Box<Acting>),
    /// The answer the same request got before.
    Replay(Response),
}

fn replay(kept: &Remembered) -> Response {
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() { "application/json" } else { crate::problem::PROBLEM_JSON };
    (status, [(axum::http::header::CONTENT_TYPE, content_type)], kept.response.clone()).into_response()
}

/// The idempotency key of a request: 1-128 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<String, Problem> {
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| {
            bad_header("Idempotency-Key", "every POST carries an Idempotency-Key header (a UUID is best)")
        })?
        .to_str()
        .map_err(|_| bad_header("Idempotency-Key", "must be visible ASCII"))?
        .trim()
        .to_string();
    if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad_header("Idempotency-Key", "must be 1 to 128 visible ASCII characters"));
    }
    Ok(key)
}

/// The request's hash, which a retry under the same key must match.
fn request_hash(method: &Method, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str());
    h.update(b"\n");
    h.update(path);
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

/// The kept answer for `principal`'s key, if the same request was answered before; a
/// different request under the key is refused.
async fn kept_answer(
    state: &AppState,
    principal: &str,
    key: &str,
    request: &str,
) -> Result<Option<Response>, Problem> {
    match state.store.remembered(principal, key).await? {
        Some(kept) if kept.request == request => Ok(Some(replay(&kept))),
        Some(_) => {
            Err(Problem::new(StatusCode::CONFLICT, "idempotency-key-reused", "Idempotency key reused")
                .field("Idempotency-Key")
                .detail("this key was used for another request; make a new key for a new request"))
        }
        None => Ok(None),
    }
}

/// Starts an officer's state-changing request: the caller from the client certificate, the
/// idempotency key (a retry gets the kept answer), and the officer's signature over the
/// action, checked (R-AUD-1).
pub async fn begin(
    state: &AppState,
    cert: &ClientCert,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> Result<Begun, Problem> {
    let caller = Caller::of(state, cert).await?;
    let key = idempotency_key(headers)?;
    let principal = format!("person:{}", caller.principal.person);
    let request = request_hash(method, path, &body);
    if let Some(answer) = kept_answer(state, &principal, &key, &request).await? {
        return Ok(Begun::Replay(answer));
    }
    let signature = officer_signature(state, &caller, method, path, &key, &body, headers).await?;
    let actor =
        Actor::parse(&format!("officer:{}", caller.principal.person)).map_err(|_| Problem::internal())?;
    Ok(Begun::Fresh(Box::new(Acting {
        caller,
        actor,
        signature: Some(signature.to_bytes()),
        principal,
        key,
        request,
        body,
        path: path.to_string(),
        method: method.clone(),
        headers: headers.clone(),
    })))
}

/// Starts an officer's action signed in the portal (docs/design/portal.md §1.3): as
/// [`begin`], but the officer is the session's person and `signature` is their passkey
/// signature over [`action_text`], which the portal has checked against their registered
/// passkey. The idempotency key is the portal's; a retry gets the kept answer.
#[allow(clippy::too_many_arguments)]
pub async fn begin_for_portal(
    state: &AppState,
    person: PersonId,
    signature: Vec<u8>,
    method: &Method,
    path: &str,
    key: &str,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> Result<Begun, Problem> {
    let caller = Caller::for_person(state, person).await?;
    let principal = format!("person:{person}");
    let request = request_hash(method, path, &body);
    if let Some(answer) = kept_answer(state, &principal, key, &request).await? {
        return Ok(Begun::Replay(answer));
    }
    let actor = Actor::parse(&format!("officer:{person}")).map_err(|_| Problem::internal())?;
    Ok(Begun::Fresh(Box::new(Acting {
        caller,
        actor,
        signature: Some(signature),
        principal,
        key: key.to_string(),
        request,
        body,
        path: path.to_string(),
        method: method.clone(),
        headers: headers.clone(),
    })))
}

/// Starts a request that no officer signs (the holder's download with a one-time code):
/// the idempotency key only, kept per `principal`.
pub async fn begin_unsigned(
    state: &AppState,
    principal: &str,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Result<Unsigned, Response>, Problem> {
    let key = idempotency_key(headers)?;
    let request = request_hash(method, path, body);
    if let Some(answer) = kept_answer(state, principal, &key, &request).await? {
        return Ok(Err(answer));
    }
    Ok(Ok(Unsigned { principal: principal.to_string(), key, request }))
}

/// An unsigned request's idempotency facts.
pub struct Unsigned {
    principal: String,
    key: String,
    request: String,
}

impl Unsigned {
    /// Keeps the answer in `tx` and commits; see [`Acting::finish`].
    pub async fn finish(
        self,
        state: &AppState,
        tx: Tx<'_>,
        status: StatusCode,
        body: &impl Serialize,
    ) -> Result<Response, Problem> {
        finish(state, tx, &self.principal, &self.key, &self.request, status, body).await
    }
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    state: &AppState,
    tx: Tx<'_>,
    principal: &str,
    key: &str,
    request: &str,
    status: StatusCode,
    body: &impl Serialize,
) -> Result<Response, Problem> {
    finish_keeping(state, tx, principal, key, request, status, body, body).await
}

/// Commits and answers `body`, keeping `kept` as the answer to a retry.
#[allow(clippy::too_many_arguments)]
async fn finish_keeping(
    state: &AppState,
    mut tx: Tx<'_>,
    principal: &str,
    key: &str,
    request: &str,
    status: StatusCode,
    body: &impl Serialize,
    kept: &impl Serialize,
) -> Result<Response, Problem> {
    let full = serde_json::to_string(body).map_err(|_| Problem::internal())?;
    let response = serde_json::to_string(kept).map_err(|_| Problem::internal())?;
    let answer = Remembered { request: request.to_string(), status: status.as_u16(), response };
    if !tx.remember(principal, key, &answer).await? {
        // A concurrent retry of the same request committed first: its answer stands.
        tx.rollback().await?;
        return match kept_answer(state, principal, key, request).await? {
            Some(answer) => Ok(answer),
            None => Err(Problem::internal()),
        };
    }
    tx.commit().await?;
    Ok((status, [(axum::http::header::CONTENT_TYPE, "application/json")], full).into_response())
}

impl Acting {
    /// The request body as `T`; a body that is not `T` is refused naming the field.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        let deserializer = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            let p =
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "bad-body", "The body is not as described")
                    .detail(e.inner().to_string());
            if path == "." {
                p
            } else {
                p.field(path)
            }
        })
    }

    /// Appends a routine's events to `chain` in `tx`, each with the officer's signature.
    pub async fn record<E: Event>(&self, tx: &mut Tx<'_>, chain: &str, events: &[E]) -> Result<(), Problem> {
        for event in events {
            let mut audit = event.to_audit(chain, &self.actor);
            audit.actor_signature = self.signature.clone();
            tx.append(audit).await?;
        }
        Ok(())
    }

    /// Keeps the answer under the request's key in `tx` and commits: the change and its
    /// answer are durable together. A concurrent retry that committed first wins; its
    /// answer is returned and this transaction is rolled back.
    pub async fn finish(
        self,
        state: &AppState,
        tx: Tx<'_>,
        status: StatusCode,
        body: &impl Serialize,
    ) -> Result<Response, Problem> {
        finish(state, tx, &self.principal, &self.key, &self.request, status, body).await
    }

    /// As [`Acting::finish`], but a retry is answered `kept` instead of `body`: for an answer
    /// that holds a secret shown once (a one-time download code), which is never stored.
    pub async fn finish_once(
        self,
        state: &AppState,
        tx: Tx<'_>,
        status: StatusCode,
        body: &impl Serialize,
        kept: &impl Serialize,
    ) -> Result<Response, Problem> {
        finish_keeping(state, tx, &self.principal, &self.key, &self.request, status, body, kept).await
    }
}

/// Checks the officer's signature over the action: a certificate this node issued to the
/// caller, not revoked, within its validity, of a profile that signs, and a signature over
/// [`action_text`] that verifies with its key.
async fn officer_signature(
    state: &AppState,
    caller: &Caller,
    method: &Method,
    path: &str,
    key: &str,
    body: &[u8],
    headers: &HeaderMap,
) -> Result<ActorSignature, Problem> {
    const FIELD: &str = "Tillit-Signature";
    let refuse = |detail: &str| {
        Problem::new(
            StatusCode::FORBIDDEN,
            "signature-required",
            "The officer's signature is missing or wrong",
        )
        .field(FIELD)
        .detail(detail.to_string())
    };
    let header = headers
        .get(SIGNATURE)
        .ok_or_else(|| refuse("every change is signed by the officer: send Tillit-Signature (R-AUD-1)"))?
        .to_str()
        .map_err(|_| bad_header(FIELD, "must be visible ASCII"))?;
    let mut keyid = None;
    let mut signature = None;
    for part in header.split(',') {
        let Some((name, value)) = part.split_once('=') else {
            return Err(bad_header(FIELD, "write keyid=\"<serial>\", signature=\"<base64>\""));
        };
        let value = value.trim().trim_matches('"');
        match name.trim() {
            "keyid" => keyid = Some(value.to_string()),
            "signature" => signature = Some(value.to_string()),
            _ => {}
        }
    }
    let (Some(keyid), Some(signature)) = (keyid, signature) else {
        return Err(bad_header(FIELD, "both keyid and signature are needed"));
    };
    let serial =
        crate::ca::normalise_serial(&keyid).map_err(|_| bad_header(FIELD, "keyid is not a serial number"))?;
    let record = state
        .store
        .certificate(&serial)
        .await?
        .ok_or_else(|| refuse("keyid names no certificate this node issued"))?;
    if record.revoked_us.is_some() {
        return Err(refuse("the signing certificate is revoked"));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000_000;
    if now < record.not_before_us || now > record.not_after_us {
        return Err(refuse("the signing certificate is not valid now"));
    }
    if !SIGNING_PROFILES.contains(&record.profile.as_str()) {
        return Err(refuse("the certificate's profile does not sign actions"));
    }
    if state.store.principal(&serial).await? != Some(caller.principal.person) {
        return Err(refuse("the signing certificate is not the caller's own"));
    }
    let stored = ActorSignature {
        v: 1,
        message: action_text(method.as_str(), path, key, body),
        certificate: B64.encode(&record.der),
        signature,
    };
    // The certificate is the one the node stored when it issued it: the key it certified.
    stored.verify().map_err(|e| refuse(&e))?;
    Ok(stored)
}

/// The largest request body a routine reads (16 MiB: a card order's images are at most 2 MiB
/// each, base64).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// An officer's state-changing request, as an extractor: the client certificate, the body,
/// the idempotency key and the officer's signature, checked by [`begin`]. A retry of a request
/// answered before is answered at once with the kept answer (as the extractor's rejection),
/// so the handler runs only for a fresh request.
pub struct Signed(pub Box<Acting>);

impl axum::extract::FromRequest<std::sync::Arc<AppState>> for Signed {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &std::sync::Arc<AppState>,
    ) -> Result<Self, Response> {
        use axum::extract::FromRequestParts as _;
        let (mut parts, body) = request.into_parts();
        // An action the portal prepared and had signed: handed over in process, never from
        // the network (a request cannot carry a Rust value).
        if let Some(prepared) = parts.extensions.remove::<Prepared>() {
            return prepared.take().map(Signed).ok_or_else(|| Problem::internal().into_response());
        }
        let cert =
            ClientCert::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "The body is too large")
                .detail(format!("a request body is at most {MAX_BODY} bytes"))
                .into_response()
        })?;
        match begin(state, &cert, &parts.method, parts.uri.path(), &parts.headers, body).await {
            Ok(Begun::Fresh(mut acting)) => {
                acting.path = parts.uri.path().to_string();
                Ok(Signed(acting))
            }
            Ok(Begun::Replay(answer)) => Err(answer),
            Err(problem) => Err(problem.into_response()),
        }
    }
}

/// An action the portal started with [`begin_for_portal`], handed to the API's own handler in
/// process as a request extension (see [`crate::api::in_process`]): the [`Signed`] extractor
/// takes it instead of reading a client certificate and a `Tillit-Signature` header.
#[derive(Clone)]
pub struct Prepared(std::sync::Arc<std::sync::Mutex<Option<Box<Acting>>>>);

impl Prepared {
    /// Wraps a started action.
    pub fn new(acting: Box<Acting>) -> Prepared {
        Prepared(std::sync::Arc::new(std::sync::Mutex::new(Some(acting))))
    }

    fn take(&self) -> Option<Box<Acting>> {
        self.0.lock().ok().and_then(|mut a| a.take())
    }
}

impl Acting {
    /// The request's path (for "not found" answers).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's headers (a co-signature rides in one).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request's body, as received.
    pub fn body(&self) -> &bytes::Bytes {
        &self.body
    }

    /// The request's idempotency key (from its header, or the portal's own).
    pub fn key(&self) -> &str {
        &self.key
    }
}
