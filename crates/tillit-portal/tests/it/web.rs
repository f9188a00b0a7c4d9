//! The portal's routes without a network: the language from `?lang=`, the cookie and
//! `Accept-Language`, the cookie set only when the officer chooses, the strict CSP and the
//! other headers on every page, and the stylesheet.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tillit_portal::web::{routes, LANG_COOKIE};
use tower::ServiceExt as _;

async fn get(uri: &str, headers: &[(&str, &str)]) -> (StatusCode, axum::http::HeaderMap, String) {
    let node = crate::support::node().await;
    let app = routes(node.portal.clone());
    let mut request = Request::builder().uri(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    node.shutdown().await;
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_start_page_speaks_the_officers_language() {
    let (status, headers, html) = get("/", &[("accept-language", "sv-SE,sv;q=0.9,en;q=0.5")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"sv\">") && html.contains("Logga in"), "{html}");
    assert_eq!(headers[header::CONTENT_LANGUAGE], "sv");
    assert!(headers.get(header::SET_COOKIE).is_none(), "the browser's language is not kept");

    // A choice is kept in a cookie, and the cookie wins over the browser.
    let (_, headers, html) = get("/?lang=da", &[("accept-language", "sv")]).await;
    assert!(html.contains("<html lang=\"da\">") && html.contains("Log ind"), "{html}");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with(&format!("{LANG_COOKIE}=da;")) && cookie.contains("HttpOnly"), "{cookie}");
    let (_, _, html) =
        get("/", &[("accept-language", "sv"), ("cookie", &format!("a=b; {LANG_COOKIE}=nb"))]).await;
    assert!(html.contains("<html lang=\"nb\">") && html.contains("Logg inn"), "{html}");
    // An unknown choice falls back to the browser's language.
    let (_, _, html) = get("/?lang=xx", &[("accept-language", "da")]).await;
    assert!(html.contains("<html lang=\"da\">"), "{html}");
}

#[tokio::test]
async fn every_page_carries_a_strict_content_security_policy() {
    let (_, headers, html) = get("/", &[]).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert_eq!(headers["cross-origin-opener-policy"], "same-origin");
    // The forms post to the portal's own origin with its Origin header: not `no-referrer`.
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(headers["permissions-policy"].to_str().unwrap().contains("publickey-credentials-get=(self)"));
    // No inline script or style: the one script is the portal's own file.
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(html.contains(r#"<script type="module" src="/assets/portal.js"></script>"#), "{html}");
    assert!(!html.contains("style=") && !html.contains(" on"), "{html}");
    assert!(html.contains("href=\"/assets/portal.css\""), "{html}");

    let (status, headers, css) = get("/assets/portal.css", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(css.contains(":focus-visible"), "{css}");
    let (status, headers, js) = get("/assets/portal.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert!(js.contains("navigator.credentials.get") && !js.contains("innerHTML"), "{js}");
    let (status, headers, _) = get("/favicon.ico", &[]).await;
    assert_eq!(
        (status, &headers[header::CONTENT_TYPE]),
        (StatusCode::OK, &"image/svg+xml".parse::<axum::http::HeaderValue>().unwrap())
    );
}
