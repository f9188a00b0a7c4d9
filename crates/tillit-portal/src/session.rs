//! Portal sessions (docs/design/portal.md §2): a `__Host-` cookie (Secure, HttpOnly,
//! SameSite=Strict) holding 32 random bytes, of which the database keeps only the SHA-256; an
//! idle and an absolute limit; a synchronizer CSRF token per session and an `Origin` check on
//! every POST. A session ends at the next request when its officer holds no role any more,
//! their passkey was removed or the certificate they signed in with was revoked.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use tillit_core::ra::PersonId;
use tillit_server::ra_api::Caller;
use tillit_store::portal::PortalSession;
use tillit_store::Tx;

use crate::web::Portal;

/// The session cookie. `__Host-`: Secure, `Path=/`, no `Domain`, so no other host can set it.
pub const SESSION_COOKIE: &str = "__Host-tillit-session";

/// `last_seen` is written at most this often (every page view would otherwise be a write).
const SEEN_EVERY_US: i64 = 60_000_000;

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    tillit_server::routines::officers::now_us()
}

/// 32 random bytes.
pub fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// The stored form of a cookie value.
pub fn id_hash(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// The value of cookie `name` in a request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Starts a session for `person` in `tx`; the answer's `Set-Cookie` value.
pub async fn start(tx: &mut Tx<'_>, person: PersonId, auth: &str, now: i64) -> Result<HeaderValue, String> {
    let value = B64URL.encode(random32());
    let session = PortalSession {
        id_hash: id_hash(&value),
        person: person.to_string(),
        auth: auth.to_string(),
        csrf: random32().to_vec(),
        locale: None,
        created_us: now,
        last_seen_us: now,
    };
    tx.insert_session(&session).await.map_err(|e| e.to_string())?;
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Strict"))
        .map_err(|e| e.to_string())
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared() -> HeaderValue {
    HeaderValue::from_static("__Host-tillit-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// An error that is the node's, not the officer's: logged, answered 500 without details.
pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "portal");
    (StatusCode::INTERNAL_SERVER_ERROR, "the portal could not complete the request").into_response()
}

/// Why a request has no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSession {
    /// No cookie, or one the node does not know.
    None,
    /// The session was idle too long, or is older than the absolute limit.
    Expired,
    /// The officer holds no role, or the passkey or certificate they signed in with is gone.
    Revoked,
}

impl NoSession {
    /// The `why` the sign-in page explains.
    pub fn why(self) -> Option<&'static str> {
        match self {
            NoSession::None => None,
            NoSession::Expired => Some("expired"),
            NoSession::Revoked => Some("ended"),
        }
    }
}

/// A signed-in officer.
#[derive(Clone)]
pub struct SignedIn {
    /// The session as stored.
    pub session: PortalSession,
    /// The officer.
    pub person: PersonId,
    /// Their name, as the directory has it.
    pub name: String,
    /// Their grants and the organisation tree, read for this request (R-ORG-4).
    pub caller: std::sync::Arc<Caller>,
}

impl SignedIn {
    /// The CSRF token for forms, base64url.
    pub fn csrf(&self) -> String {
        B64URL.encode(&self.session.csrf)
    }

    /// Checks a POST of this session: its `Origin` is one of the portal's, and the form's
    /// `csrf` is the session's token. The refusal is a 403 page-less answer: a real form never
    /// gets it.
    pub fn check_post(&self, portal: &Portal, headers: &HeaderMap, csrf: &str) -> Result<(), Forbidden> {
        check_origin(portal, headers)?;
        let given = B64URL.decode(csrf.trim()).unwrap_or_default();
        if given.len() == self.session.csrf.len() && bool::from(given.ct_eq(&self.session.csrf)) {
            Ok(())
        } else {
            Err(Forbidden("the form is not from this session (CSRF token): reload the page"))
        }
    }
}

/// A POST refused before anything was read: 403 with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden(pub &'static str);

impl IntoResponse for Forbidden {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, self.0).into_response()
    }
}

/// Every portal POST carries an `Origin` that is one of the portal's (browsers send it on
/// every POST).
pub fn check_origin(portal: &Portal, headers: &HeaderMap) -> Result<(), Forbidden> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    if portal.settings.origins.iter().any(|o| o == origin) {
        Ok(())
    } else {
        Err(Forbidden("the request does not come from the portal's own pages (Origin)"))
    }
}

/// The session of a request, checked at `now`.
pub async fn find(portal: &Portal, headers: &HeaderMap, now: i64) -> Result<SignedIn, NoSession> {
    let value = cookie(headers, SESSION_COOKIE).ok_or(NoSession::None)?;
    let hash = id_hash(value);
    let store = &portal.app.store;
    let session = store.portal_session(&hash).await.ok().flatten().ok_or(NoSession::None)?;
    let settings = &portal.settings;
    if now - session.last_seen_us >= settings.idle_us || now - session.created_us >= settings.max_us {
        let _ = store.end_session(&hash).await;
        return Err(NoSession::Expired);
    }
    let person: PersonId = session.person.parse().map_err(|_| NoSession::None)?;
    let still_valid = match session.auth.split_once(':') {
        Some(("passkey", id)) => match B64URL.decode(id) {
            Ok(id) => store.passkey(&id).await.ok().flatten().is_some_and(|p| p.removed_us.is_none()),
            Err(_) => false,
        },
        Some(("certificate", serial)) => store
            .certificate(serial)
            .await
            .ok()
            .flatten()
            .is_some_and(|c| c.revoked_us.is_none() && now <= c.not_after_us),
        _ => false,
    };
    let caller = Caller::for_person(&portal.app, person).await.map_err(|_| NoSession::None)?;
    if !still_valid || caller.principal.grants.is_empty() {
        let _ = store.end_session(&hash).await;
        return Err(NoSession::Revoked);
    }
    if now - session.last_seen_us >= SEEN_EVERY_US {
        let _ = store.session_seen(&hash, now).await;
    }
    let name = match store.person(person).await {
        Ok(Some(record)) => format!("{} {}", record.person.given_names, record.person.family_name),
        _ => person.to_string(),
    };
    Ok(SignedIn { session, person, name, caller: std::sync::Arc::new(caller) })
}

/// Where the sign-in page sends an officer back to: a path on this portal (one leading `/`,
/// not `//`), else the start page.
pub fn return_path(asked: Option<&str>) -> String {
    match asked {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p.len() <= 512 => {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The extractor for pages that need an officer: without a session, a GET goes to the
/// sign-in page (and comes back after), a POST is refused.
impl FromRequestParts<Portal> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, Response> {
        match find(portal, &parts.headers, now_us()).await {
            Ok(signed_in) => Ok(signed_in),
            Err(why) => {
                let back = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let mut to = format!("/sign-in?return={}", urlencoding(back));
                if let Some(why) = why.why() {
                    to.push_str("&why=");
                    to.push_str(why);
                }
                let mut response = Redirect::to(&to).into_response();
                if why != NoSession::None {
                    response.headers_mut().insert(header::SET_COOKIE, cleared());
                }
                Err(response)
            }
        }
    }
}

/// Percent-encodes a path for a query value.
pub fn urlencoding(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
