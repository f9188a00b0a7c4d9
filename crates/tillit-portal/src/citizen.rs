//! The citizens' pages (issue 7): signing in with the eID the Danish RA issued, for a
//! municipality's service through the OpenID Connect provider, and activating it in
//! self-service. Two steps (`tillit_server::eid::signin`): user id and passcode, then the
//! one-time code (and at activation the new passcode, twice).
//!
//! There is no session: the sign-in request's id, 256 random bits kept hashed by the node and
//! valid for 15 minutes, is in each form. A page on another site cannot know it, so it also
//! stands in for a CSRF token; every POST must come from a page of this origin (`Origin`).
//! The passcode and code fields are never echoed back, logged or kept.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tillit_server::eid::signin::{self, CodeStep, NewPasscode, PasscodeStep, Prompt, Unusable};

use crate::i18n::Lang;
use crate::pages::Tr;
use crate::web::{language, page, tr, Portal};

/// The citizens' routes.
pub fn routes() -> Router<Portal> {
    Router::new()
        .route("/eid/activate", get(activate))
        .route("/eid/sign-in", get(sign_in_page).post(sign_in))
        .route("/eid/sign-in/code", post(code))
        .route("/eid/cancel", post(cancel))
}

/// Step one.
#[derive(Template)]
#[template(path = "eid_sign_in.html")]
struct SignInPage {
    t: Tr,
    keep_request: Option<String>,
    heading: String,
    notice: Option<String>,
    activation_help: bool,
    request: String,
    cancellable: bool,
}

/// Step two.
#[derive(Template)]
#[template(path = "eid_code.html")]
struct CodePage {
    t: Tr,
    keep_request: Option<String>,
    heading: String,
    notice: Option<String>,
    request: String,
    code_label: String,
    code_hint: String,
    activation: bool,
    cancellable: bool,
}

/// An outcome.
#[derive(Template)]
#[template(path = "eid_message.html")]
struct MessagePage {
    t: Tr,
    keep_request: Option<String>,
    title: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    request: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
struct PasscodeForm {
    request: String,
    user_id: String,
    passcode: String,
}

#[derive(Deserialize)]
struct CodeForm {
    request: String,
    code: String,
    new_passcode: Option<String>,
    new_passcode_again: Option<String>,
}

#[derive(Deserialize)]
struct CancelForm {
    request: String,
}

fn message(portal: &Portal, lang: Lang, status: StatusCode, title: &str, text: &str) -> Response {
    let t = tr(portal, lang);
    let html = MessagePage { title: t.msg(title), text: t.msg(text), t, keep_request: None }.render();
    page(status, html, lang, false)
}

fn expired(portal: &Portal, lang: Lang) -> Response {
    message(portal, lang, StatusCode::GONE, "eid-expired-title", "eid-expired-text")
}

fn unusable(portal: &Portal, lang: Lang, why: Unusable) -> Response {
    let (title, text) = match why {
        Unusable::Locked => ("eid-locked-title", "eid-locked-text"),
        Unusable::Suspended => ("eid-suspended-title", "eid-suspended-text"),
        Unusable::Revoked => ("eid-revoked-title", "eid-revoked-text"),
        Unusable::NoCode => ("eid-no-code-title", "eid-no-code-text"),
    };
    message(portal, lang, StatusCode::FORBIDDEN, title, text)
}

/// The request's language for a POST: the cookie or the browser's.
fn post_language(portal: &Portal, headers: &HeaderMap) -> Lang {
    language(portal, None, headers).0
}

/// Whether a POST comes from this origin: `Origin` (or, without it, `Referer`) names one of
/// the portal's origins, or the request's own host.
fn same_origin(portal: &Portal, headers: &HeaderMap) -> bool {
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let rest =
                v.split_once("://").map(|(s, r)| (s, r.split('/').next().unwrap_or(""))).unwrap_or(("", ""));
            format!("{}://{}", rest.0, rest.1)
        });
    let Some(origin) = origin else { return false };
    if portal.settings.origins.contains(&origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

fn forbidden_origin(portal: &Portal, lang: Lang) -> Response {
    message(portal, lang, StatusCode::FORBIDDEN, "eid-expired-title", "eid-expired-text")
}

async fn render_sign_in(
    portal: &Portal,
    lang: Lang,
    keep: bool,
    request_id: &str,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let app = &portal.app;
    let request = match signin::request(app, request_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return expired(portal, lang),
        Err(problem) => return problem.into_response(),
    };
    let client = match signin::client_name(app, &request).await {
        Ok(c) => c,
        Err(problem) => return problem.into_response(),
    };
    let t = tr(portal, lang);
    let heading = match &client {
        Some(name) => t.with("eid-sign-in-to", "client", name),
        None => t.msg("eid-activate"),
    };
    let html = SignInPage {
        heading,
        notice,
        activation_help: client.is_none(),
        request: request_id.to_string(),
        cancellable: client.is_some(),
        keep_request: Some(request_id.to_string()),
        t,
    }
    .render();
    page(status, html, lang, keep)
}

/// `GET /eid/sign-in?request=…`: step one.
async fn sign_in_page(
    State(portal): State<Portal>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = language(&portal, q.lang.as_deref(), &headers);
    let Some(request) = q.request.filter(|r| !r.is_empty() && r.len() <= 100) else {
        return expired(&portal, lang);
    };
    render_sign_in(&portal, lang, keep, &request, None, StatusCode::OK).await
}

/// `GET /eid/activate`: a self-service activation, then step one.
async fn activate(State(portal): State<Portal>, Query(q): Query<PageQuery>) -> Response {
    match signin::start_self_service(&portal.app).await {
        Ok(id) => {
            let lang = q.lang.as_deref().and_then(Lang::from_tag).map(|l| format!("&lang={}", l.tag()));
            Redirect::to(&format!("/eid/sign-in?request={id}{}", lang.unwrap_or_default())).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}

/// `POST /eid/sign-in`: user id and passcode.
async fn sign_in(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Form(form): Form<PasscodeForm>,
) -> Response {
    let lang = post_language(&portal, &headers);
    if !same_origin(&portal, &headers) {
        return forbidden_origin(&portal, lang);
    }
    let t = tr(&portal, lang);
    let step = signin::passcode(&portal.app, &form.request, &form.user_id, &form.passcode).await;
    match step {
        Ok(PasscodeStep::Code { prompt, activation }) => {
            code_page(&portal, lang, &form.request, &prompt, activation, None, StatusCode::OK).await
        }
        Ok(PasscodeStep::Wrong) => {
            render_sign_in(
                &portal,
                lang,
                false,
                &form.request,
                Some(t.msg("eid-wrong")),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Ok(PasscodeStep::Unusable(why)) => unusable(&portal, lang, why),
        Ok(PasscodeStep::Expired) => expired(&portal, lang),
        Err(problem) => problem.into_response(),
    }
}

async fn code_page(
    portal: &Portal,
    lang: Lang,
    request_id: &str,
    prompt: &Prompt,
    activation: bool,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let t = tr(portal, lang);
    let cancellable = match signin::request(&portal.app, request_id).await {
        Ok(Some(r)) => r.client_id != signin::SELF_SERVICE,
        Ok(None) => return expired(portal, lang),
        Err(problem) => return problem.into_response(),
    };
    let (code_label, code_hint) = match prompt {
        Prompt::KeyCard { key, serial } => {
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("key", key.clone());
            args.set("serial", serial.clone());
            (
                t.with("eid-key-card-code", "key", key),
                portal.catalog.text(lang, "eid-key-card-hint", Some(&args)),
            )
        }
        Prompt::Token { audio: false, .. } => (t.msg("eid-token-code"), t.msg("eid-token-hint")),
        Prompt::Token { audio: true, .. } => (t.msg("eid-audio-code"), t.msg("eid-audio-hint")),
    };
    let heading = if activation { t.msg("eid-activate") } else { t.msg("eid-sign-in") };
    let html = CodePage {
        heading,
        notice,
        request: request_id.to_string(),
        code_label,
        code_hint,
        activation,
        cancellable,
        keep_request: None,
        t,
    }
    .render();
    page(status, html, lang, false)
}

/// `POST /eid/sign-in/code`: the one-time code (and the new passcode at activation).
async fn code(State(portal): State<Portal>, headers: HeaderMap, Form(form): Form<CodeForm>) -> Response {
    let lang = post_language(&portal, &headers);
    if !same_origin(&portal, &headers) {
        return forbidden_origin(&portal, lang);
    }
    let t = tr(&portal, lang);
    let new = match (form.new_passcode.as_deref(), form.new_passcode_again.as_deref()) {
        (Some(passcode), Some(again)) => Some(NewPasscode { passcode, again }),
        _ => None,
    };
    let step = signin::code(&portal.app, &form.request, &form.code, new).await;
    match step {
        Ok(CodeStep::Done { redirect: Some(url), .. }) => Redirect::to(&url).into_response(),
        Ok(CodeStep::Done { redirect: None, activated }) => {
            let (title, text) = if activated {
                ("eid-activated-title", "eid-activated-text")
            } else {
                ("eid-signed-in-title", "eid-signed-in-text")
            };
            message(&portal, lang, StatusCode::OK, title, text)
        }
        Ok(CodeStep::Wrong) => {
            render_sign_in(
                &portal,
                lang,
                false,
                &form.request,
                Some(t.msg("eid-code-wrong")),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Ok(CodeStep::NewPasscode(refusal)) => {
            let notice = t.with("eid-new-passcode-refused", "reason", &refusal.reason);
            again(&portal, lang, &form.request, notice).await
        }
        Ok(CodeStep::NewPasscodeMismatch) => {
            again(&portal, lang, &form.request, t.msg("eid-new-passcode-mismatch")).await
        }
        Ok(CodeStep::Unusable(why)) => unusable(&portal, lang, why),
        Ok(CodeStep::Expired) => expired(&portal, lang),
        Err(problem) => problem.into_response(),
    }
}

/// The code page again, after a new passcode that cannot be used (nothing was counted).
async fn again(portal: &Portal, lang: Lang, request_id: &str, notice: String) -> Response {
    match signin::prompt_again(&portal.app, request_id).await {
        Ok(Some((prompt, activation))) => {
            code_page(
                portal,
                lang,
                request_id,
                &prompt,
                activation,
                Some(notice),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(None) => expired(portal, lang),
        Err(problem) => problem.into_response(),
    }
}

/// `POST /eid/cancel`: back to the relying party with `access_denied`.
async fn cancel(State(portal): State<Portal>, headers: HeaderMap, Form(form): Form<CancelForm>) -> Response {
    let lang = post_language(&portal, &headers);
    if !same_origin(&portal, &headers) {
        return forbidden_origin(&portal, lang);
    }
    match signin::cancel(&portal.app, &form.request).await {
        Ok(Some(url)) => Redirect::to(&url).into_response(),
        Ok(None) => expired(&portal, lang),
        Err(problem) => problem.into_response(),
    }
}
