//! The portal's routes: pages in the request's language, the stylesheet, and the headers of
//! a strict Content-Security-Policy (docs/design/portal.md §2). The language is the officer's
//! choice (`?lang=`, kept in a cookie), else the browser's `Accept-Language`, else English.

use std::sync::Arc;

use askama::Template as _;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::i18n::{Catalog, Lang};
use crate::pages::{Start, Tr};

/// The cookie that keeps the officer's language.
pub const LANG_COOKIE: &str = "tillit-lang";

/// The stylesheet, compiled in.
const CSS: &[u8] = include_bytes!("../assets/portal.css");

/// What the portal's handlers share.
#[derive(Debug, Clone)]
pub struct Portal {
    /// The four languages.
    pub catalog: Arc<Catalog>,
}

/// The portal's routes, to be merged into the node's applications.
pub fn routes(portal: Portal) -> Router {
    Router::new().route("/", get(start)).route("/assets/portal.css", get(stylesheet)).with_state(portal)
}

/// The query every page accepts.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// A language the officer chose.
    pub lang: Option<String>,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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

/// The request's language, and whether the officer just chose it (then it is kept).
fn language(portal: &Portal, query: &PageQuery, headers: &HeaderMap) -> (Lang, bool) {
    let chosen = query.lang.as_deref().and_then(Lang::from_tag);
    let kept = cookie(headers, LANG_COOKIE);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = portal.catalog.negotiate(chosen.map(Lang::tag).or(kept), accept);
    (lang, chosen.is_some())
}

/// A rendered page with the portal's headers.
fn page(html: Result<String, askama::Error>, lang: Lang, keep_language: bool) -> Response {
    let Ok(html) = html else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response();
    };
    let mut response =
        (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
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
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    h.insert(header::VARY, HeaderValue::from_static("accept-language, cookie"));
    if keep_language {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.tag()
        )) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    response
}

async fn start(State(portal): State<Portal>, Query(query): Query<PageQuery>, headers: HeaderMap) -> Response {
    let (lang, keep) = language(&portal, &query, &headers);
    page(Start::new(Tr::new(portal.catalog.clone(), lang), None).render(), lang, keep)
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        CSS,
    )
        .into_response()
}
