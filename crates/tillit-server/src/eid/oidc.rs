//! The OpenID Connect provider (issue 7): a municipality's own services sign citizens in with
//! the eID the RA issued. Authorization code flow with PKCE (S256, required of every client),
//! an ID token signed RS256 by the node's OIDC key, a pairwise pseudonymous subject per
//! client sector, and the assurance level reached as `acr` (NSIS low, substantial, high).
//!
//! The protocol's endpoints: discovery at `/.well-known/openid-configuration`, keys at
//! `/oidc/jwks`, `/oidc/authorize` (checks the request, keeps it, and sends the browser to
//! the citizen's sign-in page), `/oidc/token` (the code for the tokens, once) and
//! `/oidc/userinfo`. Errors follow RFC 6749 where a client library expects them: a redirect
//! with `error` once the redirect URI is known good, JSON `{"error", "error_description"}`
//! from the token endpoint; before the client and redirect URI are known good, the browser
//! gets problem+json and is never sent anywhere (RFC 6749 §4.1.2.1).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;
use tillit_pki::signer::{spki_der, verify_signature, KeyAlgorithm, Signer};
use tillit_store::eid::{OidcClient, OidcCode, OidcRequest, SignInStep};
use zeroize::Zeroizing;

use crate::problem::Problem;
use crate::AppState;

/// How long a sign-in may take, from the client's request to the code.
pub const REQUEST_LIFETIME_US: i64 = 15 * 60 * 1_000_000;
/// How long an authorization code may wait for its exchange (RFC 6749 §4.1.2: short).
pub const CODE_LIFETIME_US: i64 = 60 * 1_000_000;
/// How long ID and access tokens are valid, in seconds.
pub const TOKEN_LIFETIME_S: i64 = 10 * 60;

/// The path of the citizen's sign-in page, which gets `?request=<id>`.
pub const SIGN_IN_PAGE: &str = "/eid/sign-in";

/// An error of the protocol, as RFC 6749 names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcError {
    /// The error code (`invalid_request`, `invalid_grant`, …).
    pub error: &'static str,
    /// What is wrong, for the client's developer.
    pub description: String,
}

impl OidcError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OidcError { error, description: description.into() }
    }
}

impl IntoResponse for OidcError {
    fn into_response(self) -> Response {
        let status =
            if self.error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
        let mut response =
            (status, Json(json!({ "error": self.error, "error_description": self.description })))
                .into_response();
        no_store(response.headers_mut());
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"tillit\""));
        }
        response
    }
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The provider: its issuer URL, signing key and the key of its pseudonyms.
pub struct Provider {
    issuer: String,
    signer: Arc<dyn Signer>,
    kid: String,
    jwk: Value,
    pseudonym_key: Zeroizing<Vec<u8>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The claims of a signed-in citizen that the code carries to the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The citizen's eID account.
    pub account: String,
    /// The account's person.
    pub person: String,
    /// The assurance level reached, as an `acr` URI.
    pub acr: String,
    /// The methods used (RFC 8176: `pwd`, `otp`, `hwk`, …).
    pub amr: Vec<&'static str>,
    /// When, in microseconds since the epoch.
    pub auth_time_us: i64,
}

impl Provider {
    /// A provider for `issuer` (the node's public base URL) signing with `signer` (an RSA key:
    /// RS256 is the algorithm every OpenID Connect client supports) and making subjects with
    /// `pseudonym_key` (at least 32 bytes, the same on every node).
    pub fn new(
        issuer: &str,
        signer: Arc<dyn Signer>,
        pseudonym_key: Zeroizing<Vec<u8>>,
    ) -> Result<Self, String> {
        if signer.algorithm() != KeyAlgorithm::Rsa3072 && signer.algorithm() != KeyAlgorithm::Rsa4096 {
            return Err(format!("the OpenID Connect key must be RSA, not {}", signer.algorithm()));
        }
        if pseudonym_key.len() < 32 {
            return Err("the pseudonym key must have at least 32 bytes".into());
        }
        let spki = signer.public_key();
        let der = spki_der(spki).map_err(|e| format!("the OpenID Connect key: {e}"))?;
        let kid = B64URL.encode(&Sha256::digest(&der)[..16]);
        let rsa = rsa::pkcs1::RsaPublicKey::try_from(spki.subject_public_key.raw_bytes())
            .map_err(|e| format!("the OpenID Connect key is not an RSA public key: {e}"))?;
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "alg": alg_name(signer.algorithm()),
            "kid": kid,
            "n": B64URL.encode(rsa.modulus.as_bytes()),
            "e": B64URL.encode(rsa.public_exponent.as_bytes()),
        });
        Ok(Provider {
            issuer: issuer.trim_end_matches('/').to_string(),
            signer,
            kid,
            jwk,
            pseudonym_key,
            rng: SystemRandom::new(),
        })
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The discovery document (OpenID Connect Discovery 1.0 §3).
    pub fn discovery(&self) -> Value {
        let i = &self.issuer;
        json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/oidc/authorize"),
            "token_endpoint": format!("{i}/oidc/token"),
            "userinfo_endpoint": format!("{i}/oidc/userinfo"),
            "jwks_uri": format!("{i}/oidc/jwks"),
            "scopes_supported": ["openid"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": [alg_name(self.signer.algorithm())],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ACR_VALUES,
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        })
    }

    /// The key set (RFC 7517).
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// The pairwise subject of `person` for a client of `sector` (OpenID Connect Core §8.1):
    /// HMAC-SHA256 under the pseudonym key, so a subject says nothing of the person and two
    /// sectors cannot join their users.
    pub fn subject(&self, sector: &str, person: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.pseudonym_key)
            .unwrap_or_else(|_| unreachable_key_length());
        mac.update(b"tillit-oidc-subject-v1");
        // Each field with its length, so no two (sector, person) pairs give the same input.
        for field in [sector, person] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        B64URL.encode(mac.finalize().into_bytes())
    }

    /// A JWS compact serialisation of `claims` with header type `typ`.
    pub fn sign(&self, typ: &str, claims: &Value) -> Result<String, String> {
        let header = json!({ "alg": alg_name(self.signer.algorithm()), "kid": self.kid, "typ": typ });
        let input = format!("{}.{}", B64URL.encode(header.to_string()), B64URL.encode(claims.to_string()));
        let signature = self.signer.sign(input.as_bytes()).map_err(|e| e.to_string())?;
        Ok(format!("{input}.{}", B64URL.encode(signature)))
    }

    /// The claims of a token this provider signed with type `typ`, when its signature is
    /// good and it has not expired at `now_s`.
    pub fn verify(&self, typ: &str, token: &str, now_s: i64) -> Option<Value> {
        let mut parts = token.split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&B64URL.decode(h).ok()?).ok()?;
        if header["typ"] != typ || header["kid"] != self.kid.as_str() {
            return None;
        }
        let signature = B64URL.decode(s).ok()?;
        let algorithm = self.signer.algorithm().signature_algorithm();
        if !verify_signature(self.signer.public_key(), &algorithm, format!("{h}.{c}").as_bytes(), &signature)
        {
            return None;
        }
        let claims: Value = serde_json::from_slice(&B64URL.decode(c).ok()?).ok()?;
        (claims["iss"] == self.issuer.as_str() && claims["exp"].as_i64()? > now_s).then_some(claims)
    }

    /// A fresh random id or code: 256 bits, base64url.
    pub fn random_id(&self) -> Result<String, Problem> {
        let mut bytes = [0u8; 32];
        self.rng.fill(&mut bytes).map_err(|_| {
            tracing::error!("the system's random number generator failed");
            Problem::internal()
        })?;
        Ok(B64URL.encode(bytes))
    }
}

fn unreachable_key_length() -> Hmac<Sha256> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    #[allow(clippy::expect_used)]
    <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]).expect("HMAC accepts any key length")
}

fn alg_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::Rsa4096 => "RS384",
        _ => "RS256",
    }
}

/// The `acr` values, NSIS low, substantial and high.
pub const ACR_VALUES: [&str; 3] = [
    "https://data.gov.dk/concept/core/nsis/loa/Low",
    "https://data.gov.dk/concept/core/nsis/loa/Substantial",
    "https://data.gov.dk/concept/core/nsis/loa/High",
];

/// The SHA-256 (hex) under which a request id or code is kept.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn now_us() -> i64 {
    crate::routines::officers::now_us()
}

/// Whether `uri` may be registered as a redirect URI: absolute HTTPS, or HTTP on the
/// loopback interface (RFC 8252 §7.3); no fragment (RFC 6749 §3.1.2).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.contains('#') {
        return Err("a redirect URI has no fragment".into());
    }
    let loopback = ["http://localhost", "http://127.0.0.1", "http://[::1]"].iter().any(|p| {
        uri.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/', '?']))
    });
    let https = uri.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', '?']).next().unwrap_or("");
        !host.is_empty() && !host.contains('@')
    });
    if !(https || loopback) {
        return Err("a redirect URI is https://…, or http:// on localhost".into());
    }
    if uri.len() > 2_000 || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a redirect URI is at most 2,000 characters, without spaces".into());
    }
    Ok(())
}

/// The query of an authorization request (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    acr_values: Option<String>,
    request: Option<String>,
    request_uri: Option<String>,
}

fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    issuer: &str,
) -> Response {
    let mut url = format!(
        "{redirect_uri}{}error={}&error_description={}",
        if redirect_uri.contains('?') { '&' } else { '?' },
        encode(error),
        encode(description)
    );
    if let Some(state) = state {
        url.push_str(&format!("&state={}", encode(state)));
    }
    url.push_str(&format!("&iss={}", encode(issuer)));
    Redirect::to(&url).into_response()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn field_problem(field: &'static str, reason: &str) -> Response {
    Problem::new(StatusCode::BAD_REQUEST, "invalid-authorization-request", "Invalid authorization request")
        .detail(format!("{field} {reason}"))
        .field(field)
        .into_response()
}

/// `GET /oidc/authorize`: checks the request and keeps it, then sends the browser to the
/// citizen's sign-in page.
pub async fn authorize(State(state): State<Arc<AppState>>, Query(q): Query<AuthorizeQuery>) -> Response {
    let provider = match state.eid().await {
        Ok(eid) => &eid.provider,
        Err(problem) => return problem.into_response(),
    };
    let Some(client_id) = q.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return field_problem("client_id", "is missing");
    };
    let client = match state.store.oidc_client(client_id).await {
        Ok(Some(c)) if c.removed_us.is_none() => c,
        Ok(_) => return field_problem("client_id", "is not a registered client"),
        Err(e) => return Problem::from(e).into_response(),
    };
    let Some(redirect_uri) = q.redirect_uri.as_deref() else {
        return field_problem("redirect_uri", "is missing");
    };
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return field_problem("redirect_uri", "is not one of the client's registered redirect URIs");
    }
    // From here the redirect URI is good: errors go back to the client.
    let back = |error: &str, description: &str| {
        error_redirect(redirect_uri, error, description, q.state.as_deref(), provider.issuer())
    };
    if q.request.is_some() {
        return back("request_not_supported", "request objects are not supported");
    }
    if q.request_uri.is_some() {
        return back("request_uri_not_supported", "request_uri is not supported");
    }
    if q.response_type.as_deref() != Some("code") {
        return back("unsupported_response_type", "response_type must be code");
    }
    if !q.scope.as_deref().unwrap_or("").split(' ').any(|s| s == "openid") {
        return back("invalid_scope", "scope must include openid");
    }
    let Some(challenge) = q.code_challenge.as_deref() else {
        return back("invalid_request", "code_challenge is required (PKCE, RFC 7636)");
    };
    if q.code_challenge_method.as_deref() != Some("S256") {
        return back("invalid_request", "code_challenge_method must be S256");
    }
    if challenge.len() != 43 || B64URL.decode(challenge).is_err() {
        return back("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier");
    }
    for (name, value) in [("state", &q.state), ("nonce", &q.nonce), ("acr_values", &q.acr_values)] {
        if value.as_deref().is_some_and(|v| v.len() > 512) {
            return back("invalid_request", &format!("{name} is longer than 512 characters"));
        }
    }
    if let Some(acr) = q.acr_values.as_deref() {
        if !acr.split(' ').all(|a| ACR_VALUES.contains(&a)) {
            return back(
                "invalid_request",
                "acr_values names an assurance level this provider does not know",
            );
        }
    }
    let id = match provider.random_id() {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    let now = now_us();
    let request = OidcRequest {
        id_hash: token_hash(&id),
        client_id: client.client_id,
        redirect_uri: redirect_uri.to_string(),
        state: q.state.clone(),
        nonce: q.nonce.clone(),
        code_challenge: challenge.to_string(),
        acr_values: q.acr_values.clone(),
        account: None,
        step: SignInStep::Passcode,
        created_us: now,
        expires_us: now + REQUEST_LIFETIME_US,
    };
    if let Err(e) = state.store.insert_oidc_request(&request).await {
        return Problem::from(e).into_response();
    }
    let mut response = Redirect::to(&format!("{SIGN_IN_PAGE}?request={id}")).into_response();
    no_store(response.headers_mut());
    response
}

/// The lowest assurance level the request asked for (`acr_values`), if any.
pub fn required_acr(request: &OidcRequest) -> Option<usize> {
    request.acr_values.as_deref()?.split(' ').filter_map(|a| ACR_VALUES.iter().position(|v| *v == a)).min()
}

/// Ends a sign-in for the authenticated citizen: the code is stored and the URL to send the
/// browser back to the client is returned. `None` when the request was used or has expired.
pub async fn issue_code(
    state: &AppState,
    request_id: &str,
    who: &Authenticated,
) -> Result<Option<String>, Problem> {
    let provider = &state.eid().await?.provider;
    let now = now_us();
    let mut tx = state.store.begin().await?;
    let Some(request) = tx.use_oidc_request(&token_hash(request_id), now).await? else {
        return Ok(None);
    };
    let code = provider.random_id()?;
    tx.insert_oidc_code(&OidcCode {
        code_hash: token_hash(&code),
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        account: who.account.clone(),
        person: who.person.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        acr: who.acr.clone(),
        amr: who.amr.join(" "),
        auth_time_us: who.auth_time_us,
        expires_us: now + CODE_LIFETIME_US,
    })
    .await?;
    tx.commit().await?;
    let mut url = format!(
        "{}{}code={}",
        request.redirect_uri,
        if request.redirect_uri.contains('?') { '&' } else { '?' },
        encode(&code)
    );
    if let Some(s) = &request.state {
        url.push_str(&format!("&state={}", encode(s)));
    }
    url.push_str(&format!("&iss={}", encode(provider.issuer())));
    Ok(Some(url))
}

/// The URL that tells the client the citizen cancelled (or could not sign in), ending the
/// request. `None` when it was used or has expired.
pub async fn deny(state: &AppState, request_id: &str, description: &str) -> Result<Option<String>, Problem> {
    let mut tx = state.store.begin().await?;
    let Some(request) = tx.use_oidc_request(&token_hash(request_id), now_us()).await? else {
        return Ok(None);
    };
    tx.commit().await?;
    let response = error_redirect(
        &request.redirect_uri,
        "access_denied",
        description,
        request.state.as_deref(),
        state.eid().await?.provider.issuer(),
    );
    Ok(response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()).map(str::to_string))
}

/// The form of a token request (RFC 6749 §4.1.3).
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code_verifier: Option<String>,
}

/// The SHA-256 (hex, with a `sha256:` prefix) under which a client secret is kept: the
/// secret is 256 random bits, so a salted slow hash adds nothing.
pub fn client_secret_hash(secret: &str) -> String {
    format!("sha256:{}", token_hash(secret))
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(B64.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Decodes `application/x-www-form-urlencoded` (RFC 6749 §2.3.1 encodes Basic credentials).
fn form_decode(value: &str) -> Option<String> {
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = (bytes.next()? as char).to_digit(16)?;
                let lo = (bytes.next()? as char).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

fn authenticate_client(client: &OidcClient, secret: Option<&str>) -> Result<(), OidcError> {
    match (&client.secret_hash, secret) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OidcError::new("invalid_client", "this client is public: it sends no secret")),
        (Some(_), None) => {
            Err(OidcError::new("invalid_client", "this client must authenticate with its secret"))
        }
        (Some(hash), Some(secret)) => {
            let given = client_secret_hash(secret);
            if bool::from(given.as_bytes().ct_eq(hash.as_bytes())) {
                Ok(())
            } else {
                Err(OidcError::new("invalid_client", "the client secret is wrong"))
            }
        }
    }
}

/// Checks a PKCE verifier against its S256 challenge (RFC 7636 §4.6).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed
        && bool::from(
            B64URL.encode(Sha256::digest(verifier.as_bytes())).as_bytes().ct_eq(challenge.as_bytes()),
        )
}

/// `POST /oidc/token`: the authorization code, once, for an ID token and an access token.
pub async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    match exchange(&state, &headers, form).await {
        Ok(tokens) => {
            let mut response = Json(tokens).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(Ok(error)) => error.into_response(),
        Err(Err(problem)) => problem.into_response(),
    }
}

async fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    form: TokenForm,
) -> Result<Value, Result<OidcError, Problem>> {
    let provider = &state.eid().await.map_err(Err)?.provider;
    if form.grant_type.as_deref() != Some("authorization_code") {
        return Err(Ok(OidcError::new("unsupported_grant_type", "grant_type must be authorization_code")));
    }
    let basic = basic_credentials(headers);
    if basic.is_some() && form.client_secret.is_some() {
        return Err(Ok(OidcError::new("invalid_request", "authenticate the client one way, not two")));
    }
    let (client_id, secret) = match (&basic, &form.client_id) {
        (Some((id, secret)), given) => {
            if given.as_deref().is_some_and(|g| g != id) {
                return Err(Ok(OidcError::new(
                    "invalid_request",
                    "client_id differs from the authenticated client",
                )));
            }
            (id.clone(), Some(secret.clone()))
        }
        (None, Some(id)) => (id.clone(), form.client_secret.clone()),
        (None, None) => return Err(Ok(OidcError::new("invalid_client", "client_id is missing"))),
    };
    let client = match state.store.oidc_client(&client_id).await.map_err(|e| Err(Problem::from(e)))? {
        Some(c) if c.removed_us.is_none() => c,
        _ => return Err(Ok(OidcError::new("invalid_client", "unknown client"))),
    };
    authenticate_client(&client, secret.as_deref()).map_err(Ok)?;
    let Some(code) = form.code.as_deref() else {
        return Err(Ok(OidcError::new("invalid_request", "code is missing")));
    };
    let Some(verifier) = form.code_verifier.as_deref() else {
        return Err(Ok(OidcError::new("invalid_request", "code_verifier is missing (PKCE)")));
    };
    let now = now_us();
    let mut tx = state.store.begin().await.map_err(|e| Err(Problem::from(e)))?;
    let used = tx.use_oidc_code(&token_hash(code), now).await.map_err(|e| Err(Problem::from(e)))?;
    // The code is spent whatever follows: a stolen code tried with a wrong verifier is gone.
    tx.commit().await.map_err(|e| Err(Problem::from(e)))?;
    let Some(issued) = used else {
        return Err(Ok(OidcError::new("invalid_grant", "the code is unknown, used or expired")));
    };
    if issued.client_id != client.client_id {
        return Err(Ok(OidcError::new("invalid_grant", "the code was issued to another client")));
    }
    if form.redirect_uri.as_deref() != Some(issued.redirect_uri.as_str()) {
        return Err(Ok(OidcError::new(
            "invalid_grant",
            "redirect_uri differs from the authorization request's",
        )));
    }
    if !pkce_matches(verifier, &issued.code_challenge) {
        return Err(Ok(OidcError::new("invalid_grant", "code_verifier does not match the code_challenge")));
    }
    let now_s = now / 1_000_000;
    let subject = provider.subject(&client.sector, &issued.person);
    let amr: Vec<&str> = issued.amr.split(' ').filter(|a| !a.is_empty()).collect();
    let mut id_claims = json!({
        "iss": provider.issuer(),
        "sub": subject,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": now_s,
        "exp": now_s + TOKEN_LIFETIME_S,
        "auth_time": issued.auth_time_us / 1_000_000,
        "acr": issued.acr,
        "amr": amr,
    });
    if let Some(nonce) = &issued.nonce {
        id_claims["nonce"] = json!(nonce);
    }
    let jti = provider.random_id().map_err(Err)?;
    let access_claims = json!({
        "iss": provider.issuer(),
        "sub": id_claims["sub"],
        "aud": format!("{}/oidc/userinfo", provider.issuer()),
        "client_id": client.client_id,
        "iat": now_s,
        "exp": now_s + TOKEN_LIFETIME_S,
        "jti": jti,
        "acr": issued.acr,
        "auth_time": id_claims["auth_time"],
    });
    let id_token = provider.sign("JWT", &id_claims).map_err(signing_failed)?;
    let access_token = provider.sign("at+jwt", &access_claims).map_err(signing_failed)?;
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_S,
        "id_token": id_token,
        "scope": "openid",
    }))
}

fn signing_failed(e: String) -> Result<OidcError, Problem> {
    tracing::error!(error = %e, "the OpenID Connect key did not sign");
    Err(Problem::internal())
}

/// `GET /oidc/userinfo`: the subject and assurance level of a valid access token.
pub async fn userinfo(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let provider = match state.eid().await {
        Ok(eid) => &eid.provider,
        Err(problem) => return problem.into_response(),
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let claims = token.and_then(|t| provider.verify("at+jwt", t, now_us() / 1_000_000));
    match claims {
        Some(c) if c["aud"] == format!("{}/oidc/userinfo", provider.issuer()) => {
            let mut response = Json(json!({ "sub": c["sub"], "acr": c["acr"], "auth_time": c["auth_time"] }))
                .into_response();
            no_store(response.headers_mut());
            response
        }
        _ => {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            response
        }
    }
}

/// The provider's routes, on both listeners.
pub fn routes() -> axum::Router<Arc<AppState>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize))
        .route("/oidc/token", post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
}

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(state): State<Arc<AppState>>) -> Response {
    match state.eid().await {
        Ok(eid) => Json(eid.provider.discovery()).into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// `GET /oidc/jwks`.
pub async fn jwks(State(state): State<Arc<AppState>>) -> Response {
    match state.eid().await {
        Ok(eid) => Json(eid.provider.jwks()).into_response(),
        Err(problem) => problem.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pkce_s256_as_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!pkce_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
        // Too short, or characters outside the unreserved set, never match.
        assert!(!pkce_matches("short", &B64URL.encode(Sha256::digest(b"short"))));
        let spaced = "dBjftJeZ4CVP mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(!pkce_matches(spaced, &B64URL.encode(Sha256::digest(spaced.as_bytes()))));
    }

    #[test]
    fn redirect_uris() {
        for good in [
            "https://rp.example/cb",
            "https://rp.example:8443/cb?x=1",
            "http://localhost:9999/cb",
            "http://127.0.0.1/cb",
        ] {
            assert_eq!(check_redirect_uri(good), Ok(()), "{good}");
        }
        for bad in [
            "http://rp.example/cb",
            "https://rp.example/cb#frag",
            "https://",
            "https://user@rp.example/cb",
            "http://localhost.evil.example/cb",
            "javascript:alert(1)",
            "https://rp.example/a b",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_encoding_both_ways() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(form_decode("a+b%26c%3Dd%2F%C3%A9").as_deref(), Some("a b&c=d/é"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
    }

    fn provider(pseudonym: u8) -> Provider {
        let key = tillit_pki::signer::generate_pkcs8(KeyAlgorithm::Rsa3072).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let signer =
            tillit_pki::FileSigner::from_pkcs8(&dir.path().join("k.pem"), KeyAlgorithm::Rsa3072, &key)
                .unwrap();
        Provider::new("https://eid.example/", Arc::new(signer), Zeroizing::new(vec![pseudonym; 32])).unwrap()
    }

    #[test]
    fn tokens_verify_only_as_signed_and_unexpired() {
        let p = provider(1);
        assert_eq!(p.issuer(), "https://eid.example");
        let claims = json!({ "iss": "https://eid.example", "sub": "s", "exp": 2_000 });
        let token = p.sign("at+jwt", &claims).unwrap();
        assert_eq!(p.verify("at+jwt", &token, 1_999), Some(claims.clone()));
        assert_eq!(p.verify("at+jwt", &token, 2_000), None, "expired");
        assert_eq!(p.verify("JWT", &token, 1_000), None, "another type");
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        parts[1] =
            B64URL.encode(json!({ "iss": "https://eid.example", "sub": "t", "exp": 2_000 }).to_string());
        assert_eq!(p.verify("at+jwt", &parts.join("."), 1_000), None, "altered claims");
        assert_eq!(provider(1).verify("at+jwt", &token, 1_000), None, "another key");
        let jwks = p.jwks();
        assert_eq!(jwks["keys"][0]["kty"], "RSA");
        assert_eq!(jwks["keys"][0]["alg"], "RS256");
        assert_eq!(p.discovery()["jwks_uri"], "https://eid.example/oidc/jwks");
    }

    #[test]
    fn subjects_are_pairwise_per_sector_and_stable() {
        let (a, b) = (provider(1), provider(2));
        assert_eq!(a.subject("s1", "p1"), a.subject("s1", "p1"));
        assert_ne!(a.subject("s1", "p1"), a.subject("s2", "p1"));
        assert_ne!(a.subject("s1", "p1"), a.subject("s1", "p2"));
        assert_ne!(a.subject("s1", "p1"), b.subject("s1", "p1"), "another node key");
        assert_ne!(a.subject("s1\0p", "x"), a.subject("s1", "p\0x"), "fields are separated");
        assert!(!a.subject("s1", "p1").contains("p1"));
    }
}
