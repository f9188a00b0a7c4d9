//! The passkey ceremonies against a real node: enrolment from a one-time link (once, and never
//! after it expired), sign-in and sign-out, the session cookie's attributes, and each check of
//! docs/design/portal.md §1.3 refused when broken: origin, challenge reuse, the user not
//! verified, another RP id, a bad signature, a removed passkey, a counter going backwards, an
//! officer without a role, a POST from another origin or without the session's CSRF token,
//! and the idle and absolute limits of a session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use tillit_core::audit::Actor;
use tillit_core::ra::role::Role;
use tillit_portal::session::{self, NoSession};
use tillit_server::routines::officers;
use tillit_server::routines::passkey::{SoftAuthenticator, ES256, FLAG_UP, REGISTERED};

use crate::support::{authenticator, enrol, link, node, officer, sign_in, Browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_enrols_from_a_link_signs_out_and_signs_in_again() {
    let node = node().await;
    let me = officer(&node, 10, &[Role::Ra]).await;
    let token = link(&node, me, 72).await;
    let mut browser = Browser::new(&node);
    let mut auth = authenticator(&node);

    // The enrolment page names the officer and offers the three algorithms' ceremony.
    let page = browser.get(&format!("/enrol/{token}")).await;
    assert!(page.html.contains("Tolvan Officer10"), "{}", page.html);
    assert_eq!(page.attr("data-rp-id"), "localhost");
    assert_eq!(page.attr("data-user-name"), "SE2321000016-0010");

    let done = enrol(&mut browser, &auth, &token).await;
    assert_eq!((done.status, done.location()), (303, "/"), "{}", done.html);
    let cookie = done.headers["set-cookie"].to_str().unwrap();
    for attribute in ["__Host-tillit-session=", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Domain") && !cookie.contains("Max-Age"), "{cookie}");
    let start = browser.get("/").await;
    assert!(start.html.contains("Tolvan Officer10") && start.html.contains("/sign-out"), "{}", start.html);

    // The passkey is registered and its registration is in the audit log, by the officer.
    let keys = node.state.store.passkeys_of(&me.to_string()).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!((keys[0].key.name.as_str(), keys[0].key.transports.as_str()), ("Security key", r#"["usb"]"#));
    assert_eq!(keys[0].key.enrolled_via, format!("link:{}", officers::token_hash(&token)));
    let entries = node.state.store.entries_with_actions(&[REGISTERED]).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, format!("officer:{me}"));

    // The link works once.
    let mut other = Browser::new(&node);
    assert_eq!(other.get(&format!("/enrol/{token}")).await.status, 410);

    // Sign-out ends the session; the cookie no longer opens anything.
    let csrf = start.input("csrf");
    let out = browser.post("/sign-out", &[("csrf", csrf)]).await;
    assert_eq!((out.status, out.location()), (303, "/sign-in"));
    assert!(out.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert!(!browser.get("/").await.html.contains("/sign-out"));

    // Sign-in with the passkey: a new session.
    auth.sign_count = 5;
    let done = sign_in(&mut browser, &mut auth).await;
    assert_eq!((done.status, done.location()), (303, "/"), "{}", done.html);
    assert!(browser.get("/").await.html.contains("Tolvan Officer10"));
    let stored = node.state.store.passkeys_of(&me.to_string()).await.unwrap();
    assert_eq!(stored[0].sign_count, 6);
    assert!(stored[0].last_used_us.is_some());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broken_check_refuses_the_ceremony() {
    let node = node().await;
    let me = officer(&node, 11, &[Role::Lra]).await;
    let mut browser = Browser::new(&node);

    // Enrolment: another origin, no UV, another RP id, a link past its time.
    let token = link(&node, me, 1).await;
    let mut evil = SoftAuthenticator::new(ES256, "localhost", "http://localhost:1").unwrap();
    let refused = enrol(&mut browser, &evil, &token).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("not an allowed origin"), "{}", refused.html);
    evil.origin = node.origin().to_string();
    evil.flags = FLAG_UP;
    let refused = enrol(&mut browser, &evil, &token).await;
    assert!(refused.html.contains("UV clear"), "{}", refused.html);
    evil.flags |= tillit_server::routines::passkey::FLAG_UV;
    evil.rp_id = "example.org".into();
    let refused = enrol(&mut browser, &evil, &token).await;
    assert!(refused.html.contains("rpIdHash"), "{}", refused.html);
    assert!(browser.cookie.is_none());
    // None of that used the link.
    let mut auth = authenticator(&node);
    assert_eq!(enrol(&mut browser, &auth, &token).await.status, 303);
    let csrf = browser.get("/").await.input("csrf");

    // A POST from another origin, or without the session's token, changes nothing.
    let page = browser.post_from("/sign-out", &[("csrf", csrf.clone())], Some("https://evil.example")).await;
    assert_eq!(page.status, 403);
    let page = browser.post_from("/sign-out", &[("csrf", csrf.clone())], None).await;
    assert_eq!(page.status, 403);
    let page = browser.post("/sign-out", &[("csrf", B64URL.encode([0u8; 32]))]).await;
    assert_eq!(page.status, 403);
    assert!(browser.get("/").await.html.contains("/sign-out"), "still signed in");

    // Sign-in: a challenge used twice, a signature changed, a counter going backwards.
    let mut fresh = Browser::new(&node);
    let page = fresh.get("/sign-in").await;
    let assertion = auth.assert(&page.challenge()).unwrap();
    let form = |signature: &[u8]| {
        vec![
            ("challenge_id", page.input("challenge_id")),
            ("return", "/".to_string()),
            ("credential_id", B64URL.encode(auth.credential_id())),
            ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
            ("client_data_json", B64URL.encode(&assertion.client_data_json)),
            ("signature", B64URL.encode(signature)),
            ("user_handle", String::new()),
        ]
    };
    let mut bad = assertion.signature.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let refused = fresh.post("/sign-in", &form(&bad)).await;
    assert_eq!(refused.status, 401);
    assert!(refused.html.contains("does not verify"), "{}", refused.html);
    let refused = fresh.post("/sign-in", &form(&assertion.signature)).await;
    assert!(refused.html.contains("expired"), "a used challenge: {}", refused.html);
    assert!(fresh.cookie.is_none());

    auth.sign_count = 10;
    assert_eq!(sign_in(&mut fresh, &mut auth).await.status, 303);
    auth.sign_count = 3;
    let refused = sign_in(&mut Browser::new(&node), &mut auth).await;
    assert!(refused.html.contains("counter went backwards"), "{}", refused.html);
    let regressed = node.state.store.entries_with_actions(&["passkey.sign_count_regressed"]).await.unwrap();
    assert_eq!(regressed.len(), 1);

    // A removed passkey signs nothing and its sessions end.
    let mut tx = node.state.store.begin().await.unwrap();
    let removed = officers::remove(
        &mut tx,
        &me.to_string(),
        auth.credential_id(),
        &Actor::system("test"),
        officers::now_us(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(removed);
    let page = fresh.get("/me/passkeys").await;
    assert!(page.location().starts_with("/sign-in?return=/me/passkeys&why=ended"), "{}", page.location());
    auth.sign_count = 0;
    let refused = sign_in(&mut Browser::new(&node), &mut auth).await;
    assert!(refused.html.contains("not registered here, or was removed"), "{}", refused.html);

    // An officer without a role cannot enrol or sign in.
    let nobody = officer(&node, 12, &[]).await;
    let token = link(&node, nobody, 1).await;
    let refused = enrol(&mut Browser::new(&node), &authenticator(&node), &token).await;
    assert!(refused.html.contains("no role"), "{}", refused.html);
    // A malformed or unknown token.
    assert_eq!(browser.get("/enrol/abc").await.status, 410);
    assert_eq!(browser.get(&format!("/enrol/{}", "A".repeat(43))).await.status, 410);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_idle_or_too_old_and_when_the_role_goes() {
    let node = node().await;
    let me = officer(&node, 13, &[Role::Ra]).await;
    let token = link(&node, me, 1).await;
    let mut browser = Browser::new(&node);
    assert_eq!(enrol(&mut browser, &authenticator(&node), &token).await.status, 303);
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        "cookie",
        format!("__Host-tillit-session={}", browser.cookie.clone().unwrap()).parse().unwrap(),
    );
    let hash = session::id_hash(browser.cookie.as_deref().unwrap());
    let now = node.state.store.portal_session(&hash).await.unwrap().unwrap().last_seen_us;
    let settings = node.portal.settings.clone();
    assert!(session::find(&node.portal, &headers, now).await.is_ok());
    // Seen within the idle limit: still on, and seen again.
    assert!(session::find(&node.portal, &headers, now + settings.idle_us - 1).await.is_ok());
    // The absolute limit, even when active.
    let at_max = now + settings.max_us;
    assert_eq!(session::find(&node.portal, &headers, at_max).await.err(), Some(NoSession::Expired));
    // Gone for good.
    assert_eq!(session::find(&node.portal, &headers, now).await.err(), Some(NoSession::None));

    // Idle: a new session, then a request after the idle limit.
    let token = link(&node, me, 1).await;
    let mut browser = Browser::new(&node);
    let auth = SoftAuthenticator::new(ES256, "localhost", node.origin()).unwrap();
    assert_eq!(enrol(&mut browser, &auth, &token).await.status, 303);
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        "cookie",
        format!("__Host-tillit-session={}", browser.cookie.clone().unwrap()).parse().unwrap(),
    );
    let now = officers::now_us();
    assert_eq!(
        session::find(&node.portal, &headers, now + settings.idle_us + 1).await.err(),
        Some(NoSession::Expired)
    );
    // And the page says why.
    let page = browser.get("/me/passkeys").await;
    assert_eq!(page.status, 303);

    // The role taken away: the session ends at the next request.
    let token = link(&node, me, 1).await;
    let mut browser = Browser::new(&node);
    let auth = SoftAuthenticator::new(ES256, "localhost", node.origin()).unwrap();
    assert_eq!(enrol(&mut browser, &auth, &token).await.status, 303);
    let grants = node.state.store.grants_of(me).await.unwrap();
    let mut tx = node.state.store.begin().await.unwrap();
    for g in grants {
        tx.remove_grant(g.id).await.unwrap();
    }
    tx.commit().await.unwrap();
    let page = browser.get("/me/passkeys").await;
    assert!(page.location().contains("why=ended"), "{}", page.location());
    node.shutdown().await;
}

/// PEM of DER `bytes` under `label`.
fn pem(label: &str, bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_signs_in_with_their_certificate_and_adds_a_passkey_from_that_session() {
    let node = node().await;
    let me = officer(&node, 14, &[Role::Ra]).await;
    let credential = tillit_server::admin::issue_credential(
        &node.state.store,
        &node.state.ca,
        &node.data,
        &Actor::system("test"),
        me,
    )
    .await
    .unwrap();
    let issuing = node.chain_pem().split_inclusive("-----END CERTIFICATE-----\n").next().unwrap().to_string();
    let identity = format!(
        "{}{issuing}{}",
        pem("CERTIFICATE", &credential.certificate),
        pem("PRIVATE KEY", &credential.key)
    );

    // Without a certificate the page offers passkeys only.
    let mut anonymous = node.tls_browser(None);
    let page = anonymous.get("/sign-in").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("/sign-in/certificate"), "{}", page.html);

    // With one, it offers the certificate, and a POST from the portal's origin signs in.
    let mut browser = node.tls_browser(Some(&identity));
    let page = browser.get("/sign-in").await;
    // Over HTTPS: HSTS, and the page's policy upgrades plain-HTTP references; the forms post
    // with the page's Origin (same-origin referrer policy, whatever the node's default).
    assert_eq!(page.headers["strict-transport-security"], "max-age=31536000");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("require-trusted-types-for 'script'; upgrade-insecure-requests"), "{csp}");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
    assert!(
        page.html.contains("/sign-in/certificate") && page.html.contains(&credential.serial),
        "{}",
        page.html
    );
    let forged = browser
        .post_from("/sign-in/certificate", &[("return", "/".into())], Some("https://evil.example"))
        .await;
    assert_eq!(forged.status, 403);
    let done = browser.post("/sign-in/certificate", &[("return", "/me/passkeys".into())]).await;
    assert_eq!((done.status, done.location()), (303, "/me/passkeys"), "{}", done.html);

    // The session may add a passkey without a link.
    let page = browser.get("/me/passkeys").await;
    assert!(page.html.contains("data-webauthn=\"create\""), "{}", page.html);
    let auth = SoftAuthenticator::new(ES256, "localhost", &node.tls_base).unwrap();
    let (attestation, client_data) = auth.register(&page.challenge()).unwrap();
    let added = browser
        .post(
            "/me/passkeys",
            &[
                ("csrf", page.input("csrf")),
                ("challenge_id", page.input("challenge_id")),
                ("name", "Laptop".into()),
                ("attestation_object", B64URL.encode(attestation)),
                ("client_data_json", B64URL.encode(client_data)),
                ("transports", "[]".into()),
            ],
        )
        .await;
    assert_eq!((added.status, added.location()), (303, "/me/passkeys"), "{}", added.html);
    let keys = node.state.store.passkeys_of(&me.to_string()).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key.enrolled_via, format!("certificate:{}", credential.serial));

    // A passkey session may not add one that way.
    let mut passkey_session = Browser::new(&node);
    let mut auth = auth;
    auth.origin = node.base.clone();
    assert_eq!(sign_in(&mut passkey_session, &mut auth).await.status, 303);
    let page = passkey_session.get("/me/passkeys").await;
    assert!(!page.html.contains("data-webauthn=\"create\""), "{}", page.html);

    // The certificate revoked: its session ends at the next request.
    node.state
        .ca
        .revoke(&Actor::system("test"), "ca", &credential.serial, tillit_pki::crl::Reason::KeyCompromise)
        .await
        .unwrap();
    let page = browser.get("/me/passkeys").await;
    assert!(page.location().contains("why=ended"), "{} {}", page.status, page.location());
    let page = browser.get("/sign-in").await;
    assert!(
        !page.html.contains("/sign-in/certificate"),
        "a revoked certificate is not offered: {}",
        page.html
    );
    node.shutdown().await;
}
