//! The portal's routes: pages in the request's language, the assets, and the headers of a
//! strict Content-Security-Policy (docs/design/portal.md §2). The language is the officer's
//! choice (`?lang=`, kept in a cookie), else the browser's `Accept-Language`, else English.

use std::sync::Arc;

use askama::Template as _;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tillit_server::AppState;

use crate::i18n::{Catalog, Lang};
use crate::pages::{Me, Message, Start, Tr};
use crate::session::{self, SignedIn};
use crate::settings::PortalSettings;

/// The cookie that keeps the officer's language.
pub const LANG_COOKIE: &str = "tillit-lang";

/// The stylesheet, script and icon, compiled in.
const CSS: &[u8] = include_bytes!("../assets/portal.css");
const JS: &[u8] = include_bytes!("../assets/portal.js");
const ICON: &[u8] = include_bytes!("../assets/icon.svg");

/// What the portal's handlers share.
#[derive(Clone)]
pub struct Portal {
    /// The four languages.
    pub catalog: Arc<Catalog>,
    /// The node: its store, certificate authority and policy; the API's handlers.
    pub app: Arc<AppState>,
    /// Where the portal runs.
    pub settings: Arc<PortalSettings>,
    /// The API's routes for actions the portal signs, built once
    /// ([`tillit_server::api::in_process`]).
    pub api: Router,
}

impl Portal {
    /// The portal of the node `app`, running as `settings` say.
    pub fn new(catalog: Arc<Catalog>, app: Arc<AppState>, settings: PortalSettings) -> Portal {
        let api = tillit_server::api::in_process(app.clone());
        Portal { catalog, app, settings: Arc::new(settings), api }
    }
}

/// The portal's routes, to be merged into the node's applications.
pub fn routes(portal: Portal) -> Router {
    Router::new()
        .route("/", get(start))
        .route("/sign-in", get(crate::ceremony::sign_in_page).post(crate::ceremony::sign_in))
        .route("/sign-in/certificate", post(crate::ceremony::sign_in_certificate))
        .route("/sign-out", post(crate::ceremony::sign_out))
        .route("/me/passkeys", get(crate::ceremony::my_passkeys).post(crate::ceremony::add_passkey))
        .route("/enrol/{token}", get(crate::ceremony::enrol_page).post(crate::ceremony::enrol))
        .route("/assets/portal.css", get(|| asset("text/css; charset=utf-8", CSS)))
        .route("/assets/portal.js", get(|| asset("text/javascript; charset=utf-8", JS)))
        .route("/assets/icon.svg", get(|| asset("image/svg+xml", ICON)))
        .route("/favicon.ico", get(|| asset("image/svg+xml", ICON)))
        .merge(crate::read::routes())
        .merge(crate::flows::routes())
        .merge(crate::citizen::routes())
        .with_state(portal)
}

/// The query every page accepts.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// A language the officer chose.
    pub lang: Option<String>,
}

/// The request's language, and whether the officer just chose it (then it is kept).
pub fn language(portal: &Portal, chosen: Option<&str>, headers: &HeaderMap) -> (Lang, bool) {
    let chosen = chosen.and_then(Lang::from_tag);
    let kept = session::cookie(headers, LANG_COOKIE);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = portal.catalog.negotiate(chosen.map(Lang::tag).or(kept), accept);
    (lang, chosen.is_some())
}

/// The translator of a request.
pub fn tr(portal: &Portal, lang: Lang) -> Tr {
    Tr::new(portal.catalog.clone(), lang)
}

/// The portal's headers on a page (CSP and the others), with `Set-Cookie` for a language the
/// officer just chose.
pub fn headers(response: &mut Response, lang: Lang, keep_language: bool) {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'",
        ),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "publickey-credentials-get=(self), publickey-credentials-create=(self), camera=(), microphone=(), geolocation=()",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The portal's forms post to its own origin, and every POST must carry that `Origin`
    // (session.rs): with `no-referrer` a browser would send `Origin: null`.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    h.insert(header::VARY, HeaderValue::from_static("accept-language, cookie"));
    if keep_language {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.tag()
        )) {
            h.append(header::SET_COOKIE, v);
        }
    }
}

/// A rendered page with the portal's headers.
pub fn page(
    status: StatusCode,
    html: Result<String, askama::Error>,
    lang: Lang,
    keep_language: bool,
) -> Response {
    let html = match html {
        Ok(html) => html,
        Err(e) => return session::internal(e),
    };
    let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    headers(&mut response, lang, keep_language);
    response
}

/// A page that says something: `title_id` and `text_id` are message ids.
pub fn message(
    portal: &Portal,
    lang: Lang,
    me: Option<Me>,
    status: StatusCode,
    title_id: &str,
    text_id: &str,
) -> Response {
    let t = tr(portal, lang);
    let page_ = Message { title: t.msg(title_id), text: t.msg(text_id), t, me };
    page(status, page_.render(), lang, false)
}

async fn start(State(portal): State<Portal>, Query(query): Query<PageQuery>, headers: HeaderMap) -> Response {
    let (lang, keep) = language(&portal, query.lang.as_deref(), &headers);
    let t = tr(&portal, lang);
    let (me, desk) = match session::find(&portal, &headers, session::now_us()).await {
        Ok(signed_in) => (Some(Me::of(&t, &signed_in)), crate::flows::desk(&t, &signed_in)),
        Err(_) => (None, Vec::new()),
    };
    page(StatusCode::OK, Start { t, me, desk }.render(), lang, keep)
}

/// The officer's own view of the header, for handlers that have a session.
pub fn me(portal: &Portal, lang: Lang, signed_in: &SignedIn) -> Me {
    Me::of(&tr(portal, lang), signed_in)
}

async fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
