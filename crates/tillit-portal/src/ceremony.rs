//! The passkey ceremonies (docs/design/portal.md §1.3): enrolment from a one-time link, sign-in
//! with a discoverable passkey, and sign-out. The WebAuthn checks are the server's
//! (`tillit_server::routines::passkey`); this module keeps the challenges single-use, binds
//! them to their purpose, and starts and ends sessions.

use askama::Template as _;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde::Deserialize;
use tillit_core::audit::{Actor, AuditEvent, SYSTEM_CHAIN};
use tillit_core::ra::PersonId;
use tillit_server::routines::officers::{self, token_hash};
use tillit_server::routines::passkey::{verify_assertion, verify_registration};
use tillit_server::tls::TlsConnection;
use tillit_store::portal::{Challenge, NewPasskey, Purpose};

use crate::i18n::Lang;
use crate::pages::{Enrol, SignIn};
use crate::session::{self, internal, now_us, random32, SignedIn};
use crate::web::{language, message, page, tr, Portal};

/// How long a ceremony's challenge works.
const CHALLENGE_US: i64 = 5 * 60_000_000;

/// The audit action that records a passkey whose counter went backwards (a possible clone).
pub const SIGN_COUNT_REGRESSED: &str = "passkey.sign_count_regressed";

/// Stores a new challenge for `purpose`: its id and its bytes.
async fn new_challenge(portal: &Portal, purpose: Purpose) -> Result<(String, Vec<u8>), Response> {
    let now = now_us();
    let challenge = Challenge {
        id: uuid::Uuid::now_v7().to_string(),
        session: None,
        purpose,
        nonce: random32().to_vec(),
        request: None,
        created_us: now,
        expires_us: now + CHALLENGE_US,
    };
    let mut tx = portal.app.store.begin().await.map_err(internal)?;
    tx.insert_challenge(&challenge).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok((challenge.id, challenge.nonce))
}

/// Uses a challenge in a transaction of its own, so that a refused ceremony has used it too.
async fn consume(
    portal: &Portal,
    id: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<Challenge>, Refused> {
    let mut tx = portal.app.store.begin().await.map_err(int)?;
    let challenge = tx.use_challenge(id, purpose, now).await.map_err(int)?;
    tx.commit().await.map_err(int)?;
    Ok(challenge)
}

/// The sign-in page's query.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    lang: Option<String>,
    #[serde(rename = "return")]
    return_to: Option<String>,
    why: Option<String>,
}

async fn sign_in_form(
    portal: &Portal,
    lang: Lang,
    keep: bool,
    status: StatusCode,
    notice: Option<String>,
    return_to: &str,
    certificate: Option<String>,
) -> Response {
    let (challenge_id, challenge) = match new_challenge(portal, Purpose::SignIn).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let view = SignIn {
        t: tr(portal, lang),
        me: None,
        notice,
        challenge_id,
        challenge: B64URL.encode(challenge),
        rp_id: portal.settings.rp_id.clone(),
        return_to: session::return_path(Some(return_to)),
        certificate,
    };
    page(status, view.render(), lang, keep)
}

/// The connection a request came on, when it came on the HTTPS listener.
pub type Connection = Option<axum::Extension<axum::extract::ConnectInfo<TlsConnection>>>;

/// The officer the connection's client certificate speaks for, checked at `now`: issued by
/// this node, not revoked, valid, bound to a person who holds a role. Its serial and the
/// person.
pub async fn certificate_officer(portal: &Portal, conn: &Connection, now: i64) -> Option<(String, PersonId)> {
    let cert = conn.as_ref()?.0 .0.client_cert.clone()?;
    let store = &portal.app.store;
    let record = store.certificate(&cert.serial).await.ok()??;
    if record.revoked_us.is_some() || now < record.not_before_us || now > record.not_after_us {
        return None;
    }
    let person = store.principal(&cert.serial).await.ok()??;
    if store.grants_of(person).await.ok()?.is_empty() {
        return None;
    }
    Some((cert.serial.clone(), person))
}

/// `GET /sign-in`: the passkey button, with a fresh challenge.
pub async fn sign_in_page(
    State(portal): State<Portal>,
    Query(query): Query<SignInQuery>,
    conn: Connection,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = language(&portal, query.lang.as_deref(), &headers);
    let t = tr(&portal, lang);
    let notice = match query.why.as_deref() {
        Some("expired") => Some(t.msg("sign-in-expired")),
        Some("ended") => Some(t.msg("sign-in-ended")),
        _ => None,
    };
    let back = session::return_path(query.return_to.as_deref());
    let certificate = certificate_officer(&portal, &conn, now_us()).await.map(|(serial, _)| serial);
    sign_in_form(&portal, lang, keep, StatusCode::OK, notice, &back, certificate).await
}

/// What the certificate sign-in form posts.
#[derive(Debug, Deserialize)]
pub struct ReturnForm {
    #[serde(rename = "return", default)]
    return_to: String,
}

/// `POST /sign-in/certificate`: a session for the officer the connection's client
/// certificate speaks for (HTTPS only). Signing actions still needs a passkey, which the
/// officer can add from this session without a link.
pub async fn sign_in_certificate(
    State(portal): State<Portal>,
    conn: Connection,
    headers: HeaderMap,
    Form(form): Form<ReturnForm>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    if let Err(r) = session::check_origin(&portal, &headers) {
        return r.into_response();
    }
    let now = now_us();
    let back = session::return_path(Some(&form.return_to));
    let Some((serial, person)) = certificate_officer(&portal, &conn, now).await else {
        let notice = tr(&portal, lang).msg("sign-in-certificate-refused");
        return sign_in_form(&portal, lang, false, StatusCode::UNAUTHORIZED, Some(notice), &back, None).await;
    };
    let started = async {
        let mut tx = portal.app.store.begin().await.map_err(|e| e.to_string())?;
        let cookie = session::start(&mut tx, person, &format!("certificate:{serial}"), now).await?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(cookie)
    };
    match started.await {
        Ok(cookie) => {
            tracing::info!(person = %person, "an officer signed in with a certificate");
            let mut response = Redirect::to(&back).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => internal(e),
    }
}

/// What the sign-in form posts (base64url fields, as `portal.js` fills them).
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    challenge_id: String,
    #[serde(rename = "return", default)]
    return_to: String,
    credential_id: String,
    authenticator_data: String,
    client_data_json: String,
    signature: String,
    #[serde(default)]
    user_handle: String,
}

/// Why a sign-in was refused: shown to the officer in their language, with the check's own
/// words for the details.
enum Refused {
    Stale,
    NoRole,
    Check(String),
    /// The node's own failure: logged, answered 500.
    Internal(String),
}

impl Refused {
    /// What the officer reads: a stale page, no role, or the check's reason in `failed`
    /// (a message with a `reason` argument); the reason is logged as `what` was refused.
    fn notice(self, t: &crate::pages::Tr, failed: &str, what: &str) -> String {
        match self {
            Refused::Stale => t.msg("sign-in-stale"),
            Refused::NoRole => t.msg("sign-in-no-role"),
            Refused::Check(reason) | Refused::Internal(reason) => {
                tracing::info!(reason = %reason, "{what} was refused");
                t.with(failed, "reason", &reason)
            }
        }
    }
}

fn int(e: impl std::fmt::Display) -> Refused {
    Refused::Internal(e.to_string())
}

/// `POST /sign-in`: the assertion checked against the passkey it names; a session on success.
pub async fn sign_in(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    if let Err(r) = session::check_origin(&portal, &headers) {
        return r.into_response();
    }
    let back = session::return_path(Some(&form.return_to));
    match try_sign_in(&portal, &form).await {
        Ok(cookie) => {
            let mut response = Redirect::to(&back).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(Refused::Internal(e)) => internal(e),
        Err(refused) => {
            let notice = refused.notice(&tr(&portal, lang), "sign-in-failed", "a passkey sign-in");
            sign_in_form(&portal, lang, false, StatusCode::UNAUTHORIZED, Some(notice), &back, None).await
        }
    }
}

fn decode(field: &str, value: &str) -> Result<Vec<u8>, Refused> {
    B64URL.decode(value.trim()).map_err(|_| Refused::Check(format!("{field} is not base64url")))
}

async fn try_sign_in(portal: &Portal, form: &SignInForm) -> Result<axum::http::HeaderValue, Refused> {
    let now = now_us();
    let store = &portal.app.store;
    let credential_id = decode("credential_id", &form.credential_id)?;
    let authenticator_data = decode("authenticator_data", &form.authenticator_data)?;
    let client_data_json = decode("client_data_json", &form.client_data_json)?;
    let signature = decode("signature", &form.signature)?;
    let Some(challenge) = consume(portal, &form.challenge_id, Purpose::SignIn, now).await? else {
        return Err(Refused::Stale);
    };
    let mut tx = store.begin().await.map_err(int)?;
    let passkey = store
        .passkey(&credential_id)
        .await
        .map_err(int)?
        .filter(|p| p.removed_us.is_none())
        .ok_or_else(|| Refused::Check("this passkey is not registered here, or was removed".into()))?;
    if !form.user_handle.is_empty() {
        let handle = decode("user_handle", &form.user_handle)?;
        let owner = store.person_of_user_handle(&handle).await.map_err(int)?;
        if owner.as_deref() != Some(passkey.key.person.as_str()) {
            return Err(Refused::Check("the passkey's user handle is not its officer's".into()));
        }
    }
    let data = verify_assertion(
        &passkey.key.spki,
        &authenticator_data,
        &client_data_json,
        &signature,
        &challenge.nonce,
        &portal.settings.rp_id,
        &portal.settings.origins,
    )
    .map_err(Refused::Check)?;
    let person: PersonId =
        passkey.key.person.parse().map_err(|_| int("a passkey's person is not a person id"))?;
    if data.sign_count != 0 && passkey.sign_count != 0 && data.sign_count <= passkey.sign_count {
        // A counter that goes backwards: the key may have been copied. Recorded, refused.
        let actor = Actor::parse(&format!("officer:{person}")).map_err(int)?;
        let event = AuditEvent::new(
            SYSTEM_CHAIN,
            actor,
            SIGN_COUNT_REGRESSED,
            serde_json::json!({
                "person": person.to_string(),
                "credential_id": B64URL.encode(&credential_id),
                "stored": passkey.sign_count,
                "received": data.sign_count,
            }),
        );
        tx.append(event).await.map_err(int)?;
        tx.commit().await.map_err(int)?;
        return Err(Refused::Check(
            "the passkey's signature counter went backwards; it may have been copied. Ask an RA administrator"
                .into(),
        ));
    }
    if store.grants_of(person).await.map_err(int)?.is_empty() {
        return Err(Refused::NoRole);
    }
    tx.passkey_used(&credential_id, data.sign_count, now).await.map_err(int)?;
    let auth = format!("passkey:{}", B64URL.encode(&credential_id));
    let cookie = session::start(&mut tx, person, &auth, now).await.map_err(int)?;
    tx.commit().await.map_err(int)?;
    tracing::info!(person = %person, "an officer signed in with a passkey");
    Ok(cookie)
}

/// What the sign-out form posts.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /sign-out`: the session ended and its cookie cleared.
pub async fn sign_out(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = signed_in.check_post(&portal, &headers, &form.csrf) {
        return r.into_response();
    }
    if let Err(e) = portal.app.store.end_session(&signed_in.session.id_hash).await {
        return internal(e);
    }
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().append(header::SET_COOKIE, session::cleared());
    response
}

/// The enrolment page's query.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The officer a link enrols, when the link can still be used.
async fn usable_link(portal: &Portal, token: &str, now: i64) -> Result<Option<PersonId>, Response> {
    let link = portal.app.store.enrolment_link(&token_hash(token)).await.map_err(internal)?;
    Ok(link.filter(|l| l.used_us.is_none() && l.expires_us > now).and_then(|l| l.person.parse().ok()))
}

async fn enrol_form(
    portal: &Portal,
    lang: Lang,
    keep: bool,
    status: StatusCode,
    token: &str,
    person: PersonId,
    notice: Option<String>,
) -> Response {
    let store = &portal.app.store;
    let record = match store.person(person).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            return message(portal, lang, None, StatusCode::GONE, "link-unusable-title", "link-unusable-text")
        }
        Err(e) => return internal(e),
    };
    let (challenge_id, challenge) = match new_challenge(portal, Purpose::Enrol).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let handle = async {
        let mut tx = store.begin().await?;
        let handle = tx.user_handle(&person.to_string(), &random32()[..16]).await?;
        tx.commit().await?;
        Ok::<_, tillit_store::StoreError>(handle)
    };
    let handle = match handle.await {
        Ok(h) => h,
        Err(e) => return internal(e),
    };
    let existing = match store.passkeys_of(&person.to_string()).await {
        Ok(keys) => keys.iter().map(|k| B64URL.encode(&k.key.credential_id)).collect::<Vec<_>>().join(","),
        Err(e) => return internal(e),
    };
    let p = &record.person;
    let name = format!("{} {}", p.given_names, p.family_name);
    // What the authenticator lists: the HSA-id when there is one, else the name.
    let user_name = p.hsa_id.as_ref().map(|h| h.to_string()).unwrap_or_else(|| name.clone());
    let view = Enrol {
        t: tr(portal, lang),
        me: None,
        notice,
        token: token.to_string(),
        name,
        challenge_id,
        challenge: B64URL.encode(challenge),
        rp_id: portal.settings.rp_id.clone(),
        user_handle: B64URL.encode(handle),
        user_name,
        exclude: existing,
    };
    page(status, view.render(), lang, keep)
}

fn well_formed_token(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /enrol/{token}`: the page that creates the officer's passkey, while the link works.
pub async fn enrol_page(
    State(portal): State<Portal>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = language(&portal, query.lang.as_deref(), &headers);
    let person =
        if well_formed_token(&token) { usable_link(&portal, &token, now_us()).await } else { Ok(None) };
    match person {
        Ok(Some(person)) => enrol_form(&portal, lang, keep, StatusCode::OK, &token, person, None).await,
        Ok(None) => {
            message(&portal, lang, None, StatusCode::GONE, "link-unusable-title", "link-unusable-text")
        }
        Err(r) => r,
    }
}

/// What the enrolment form posts.
#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    challenge_id: String,
    name: String,
    attestation_object: String,
    client_data_json: String,
    #[serde(default)]
    transports: String,
}

/// `POST /enrol/{token}`: the new passkey checked and registered, the link used, and a session
/// started, in one transaction.
pub async fn enrol(
    State(portal): State<Portal>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    if let Err(r) = session::check_origin(&portal, &headers) {
        return r.into_response();
    }
    let now = now_us();
    let person = if well_formed_token(&token) { usable_link(&portal, &token, now).await } else { Ok(None) };
    let person = match person {
        Ok(Some(person)) => person,
        Ok(None) => {
            return message(
                &portal,
                lang,
                None,
                StatusCode::GONE,
                "link-unusable-title",
                "link-unusable-text",
            )
        }
        Err(r) => return r,
    };
    match try_enrol(&portal, &token, person, &form, now).await {
        Ok(cookie) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(Refused::Internal(e)) => internal(e),
        Err(reason) => {
            let notice = reason.notice(&tr(&portal, lang), "enrol-failed", "a passkey enrolment");
            enrol_form(&portal, lang, false, StatusCode::UNPROCESSABLE_ENTITY, &token, person, Some(notice))
                .await
        }
    }
}

async fn try_enrol(
    portal: &Portal,
    token: &str,
    person: PersonId,
    form: &EnrolForm,
    now: i64,
) -> Result<axum::http::HeaderValue, Refused> {
    let store = &portal.app.store;
    if store.grants_of(person).await.map_err(int)?.is_empty() {
        return Err(Refused::NoRole);
    }
    let hash = token_hash(token);
    let key = checked_key(portal, person, form, &format!("link:{hash}"), now).await?;
    let mut tx = store.begin().await.map_err(int)?;
    if tx.use_enrolment_link(&hash, now).await.map_err(int)?.is_none() {
        // Used by another browser a moment ago.
        return Err(Refused::Stale);
    }
    register(&mut tx, &key, now).await?;
    let auth = format!("passkey:{}", B64URL.encode(&key.credential_id));
    let cookie = session::start(&mut tx, person, &auth, now).await.map_err(int)?;
    tx.commit().await.map_err(int)?;
    tracing::info!(person = %person, "an officer enrolled a passkey");
    Ok(cookie)
}

/// Checks a `create` ceremony (its challenge used once) and gives the passkey to register for
/// `person`, enrolled via `enrolled_via`.
async fn checked_key(
    portal: &Portal,
    person: PersonId,
    form: &EnrolForm,
    enrolled_via: &str,
    now: i64,
) -> Result<NewPasskey, Refused> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Refused::Check("the passkey's name must be 1 to 64 characters".into()));
    }
    let transports: Vec<String> = if form.transports.trim().is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(&form.transports)
            .map_err(|_| Refused::Check("transports is not a JSON list of names".into()))?
    };
    let attestation_object = decode("attestation_object", &form.attestation_object)?;
    let client_data_json = decode("client_data_json", &form.client_data_json)?;
    let Some(challenge) = consume(portal, &form.challenge_id, Purpose::Enrol, now).await? else {
        return Err(Refused::Stale);
    };
    let registration = verify_registration(
        &attestation_object,
        &client_data_json,
        &challenge.nonce,
        &portal.settings.rp_id,
        &portal.settings.origins,
    )
    .map_err(Refused::Check)?;
    Ok(NewPasskey {
        credential_id: registration.credential_id,
        person: person.to_string(),
        public_key: registration.cose_key,
        spki: registration.key.spki,
        alg: registration.key.alg,
        sign_count: registration.sign_count,
        transports: serde_json::to_string(&transports).unwrap_or_else(|_| "[]".into()),
        backup_eligible: registration.backup_eligible,
        backed_up: registration.backed_up,
        aaguid: registration.aaguid.to_vec(),
        attestation_fmt: registration.attestation_fmt,
        name: name.to_string(),
        rp_id: portal.settings.rp_id.clone(),
        enrolled_via: enrolled_via.to_string(),
    })
}

/// Registers a checked passkey in `tx` (audited); a credential registered before is refused.
async fn register(tx: &mut tillit_store::Tx<'_>, key: &NewPasskey, now: i64) -> Result<(), Refused> {
    match officers::register(tx, key, now).await {
        Ok(()) => Ok(()),
        Err(tillit_store::StoreError::Duplicate { .. }) => {
            Err(Refused::Check("this passkey is registered already".into()))
        }
        Err(e) => Err(int(e)),
    }
}

/// The officer's user handle, name as authenticators list it, display name, and passkeys
/// registered already: what a `create` ceremony needs.
async fn creation_data(
    portal: &Portal,
    person: PersonId,
) -> Result<(Vec<u8>, String, String, String), String> {
    let store = &portal.app.store;
    let record = store.person(person).await.map_err(|e| e.to_string())?.ok_or("no such person")?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let handle = tx.user_handle(&person.to_string(), &random32()[..16]).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    let existing = store.passkeys_of(&person.to_string()).await.map_err(|e| e.to_string())?;
    let exclude = existing.iter().map(|k| B64URL.encode(&k.key.credential_id)).collect::<Vec<_>>().join(",");
    let p = &record.person;
    let name = format!("{} {}", p.given_names, p.family_name);
    let user_name = p.hsa_id.as_ref().map(|h| h.to_string()).unwrap_or_else(|| name.clone());
    Ok((handle, user_name, name, exclude))
}

async fn my_passkeys_page(
    portal: &Portal,
    lang: Lang,
    keep: bool,
    signed_in: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
) -> Response {
    let keys = match portal.app.store.passkeys_of(&signed_in.person.to_string()).await {
        Ok(keys) => keys,
        Err(e) => return internal(e),
    };
    let keys = keys
        .into_iter()
        .map(|k| crate::pages::KeyRow {
            name: k.key.name,
            created: crate::locale::format_timestamp(lang, k.created_us),
            last_used: k.last_used_us.map(|us| crate::locale::format_timestamp(lang, us)),
        })
        .collect();
    // A session begun with the officer's certificate may add a passkey without a link: the
    // certificate, which an RA administrator issued, is stronger than a link.
    let add = if signed_in.session.auth.starts_with("certificate:") {
        let (challenge_id, challenge) = match new_challenge(portal, Purpose::Enrol).await {
            Ok(c) => c,
            Err(r) => return r,
        };
        let (handle, user_name, display_name, exclude) = match creation_data(portal, signed_in.person).await {
            Ok(data) => data,
            Err(e) => return internal(e),
        };
        Some(crate::pages::AddPasskey {
            challenge_id,
            challenge: B64URL.encode(challenge),
            rp_id: portal.settings.rp_id.clone(),
            user_handle: B64URL.encode(handle),
            user_name,
            display_name,
            exclude,
        })
    } else {
        None
    };
    let t = tr(portal, lang);
    let me = crate::pages::Me::of(&t, signed_in);
    let view = crate::pages::MyPasskeys { t, me: Some(me), keys, add, notice };
    page(status, view.render(), lang, keep)
}

/// `GET /me/passkeys`: the officer's passkeys, and in a certificate session the ceremony that
/// adds one.
pub async fn my_passkeys(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = language(&portal, query.lang.as_deref(), &headers);
    my_passkeys_page(&portal, lang, keep, &signed_in, StatusCode::OK, None).await
}

/// What the add-a-passkey form posts.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    csrf: String,
    #[serde(flatten)]
    enrol: EnrolForm,
}

/// `POST /me/passkeys`: a passkey added in a session begun with the officer's certificate,
/// registered with `enrolled_via = certificate:<serial>`.
pub async fn add_passkey(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Form(form): Form<AddForm>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    if let Err(r) = signed_in.check_post(&portal, &headers, &form.csrf) {
        return r.into_response();
    }
    let auth = signed_in.session.auth.clone();
    if !auth.starts_with("certificate:") {
        return crate::session::Forbidden(
            "a passkey is added from a session begun with a certificate, or by a link",
        )
        .into_response();
    }
    match try_register(&portal, signed_in.person, &form.enrol, &auth, now_us()).await {
        Ok(()) => Redirect::to("/me/passkeys").into_response(),
        Err(Refused::Internal(e)) => internal(e),
        Err(refused) => {
            let notice = refused.notice(&tr(&portal, lang), "enrol-failed", "adding a passkey");
            my_passkeys_page(&portal, lang, false, &signed_in, StatusCode::UNPROCESSABLE_ENTITY, Some(notice))
                .await
        }
    }
}

/// Checks a `create` ceremony and registers its passkey for `person`, enrolled via
/// `enrolled_via`.
async fn try_register(
    portal: &Portal,
    person: PersonId,
    form: &EnrolForm,
    enrolled_via: &str,
    now: i64,
) -> Result<(), Refused> {
    let key = checked_key(portal, person, form, enrolled_via, now).await?;
    let mut tx = portal.app.store.begin().await.map_err(int)?;
    register(&mut tx, &key, now).await?;
    tx.commit().await.map_err(int)?;
    tracing::info!(person = %person, "an officer added a passkey");
    Ok(())
}
