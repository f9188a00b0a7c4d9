//! The citizen's eID in the browser (issue 7): activation with the letter's temporary passcode
//! and a key-card code, a municipality's service signing the citizen in over OpenID Connect
//! (authorization code + PKCE, an RS256 ID token with a pairwise subject and the NSIS level
//! as `acr`), one-time codes never accepted twice, a code token's TOTP, and brute force: wrong
//! codes lock the eID after the policy's limit, never sign in, and the lock is in the
//! database. Revocation stops sign-in at once.
//!
//! The eID is set up here through the store, as the desk would leave it (an account awaiting
//! activation, a key card and a passcode letter handed over, their secrets sealed).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::dk::account::{Account, AccountStatus};
use tillit_core::ra::dk::authenticator::{AuthKind, AuthStatus, Authenticator};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::dk::{AccountId, AuthenticatorId, Nsis};
use tillit_core::ra::person::Person;
use tillit_core::ra::{OrgId, PersonId};
use tillit_pki::secret::keycard::DEFAULT_POSITIONS;
use tillit_pki::secret::{KeyCard, KeyCardSecret, KeyCardSerial, Totp, TotpParams, TotpSeed};
use tillit_server::eid::signin;
use tillit_server::routines::dk::{put_sealed, stock_owner};
use tillit_server::routines::kinds::Kept;
use tillit_store::eid::{OidcClient, SecretPurpose};
use time::macros::date;
use uuid::Uuid;

use crate::support::{node, Browser, Node, Page};

const USER_ID: &str = "512345678";
const TEMPORARY: &str = "ABCDE-FGHJK";
const CARD_SERIAL: &str = "4000000001";
const LETTER_SERIAL: &str = "5000000001";
const TOKEN_SERIAL: &str = "6000000001";
const CLIENT: &str = "borgerservice";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn office() -> OrgId {
    OrgId(Uuid::from_u128(2))
}

struct Citizen {
    person: PersonId,
    letter_serial: String,
    account: AccountId,
    card: KeyCard,
    token: Option<Totp>,
}

/// A citizen whose eID was issued at the desk: awaiting activation, a key card and a passcode
/// letter handed over (and a code display when `token`).
async fn issued(node: &Node, n: u128, token: bool) -> Citizen {
    let person = PersonId(Uuid::from_u128(7_000 + n));
    let cpr = NationalId::parse(
        Country::Dk,
        &format!("0101{:02}-12{:02}", 80 + n % 20, n % 100),
        &ParseOptions::new(date!(2026 - 01 - 01)),
    )
    .unwrap();
    let store = &node.state.store;
    let sealer = node.state.eid().await.unwrap().sealer.clone();
    let account_id = AccountId(Uuid::from_u128(7_100 + n));
    let user_id = format!("{}{n}", &USER_ID[..8]);
    let (account, _) = Account::open(
        account_id,
        person,
        user_id.clone(),
        Nsis::Substantial,
        false,
        None,
        date!(2026 - 11 - 20),
    )
    .unwrap();
    let secret = KeyCardSecret::generate().unwrap();
    let card_serial = format!("{}{n}", &CARD_SERIAL[..9]);
    let letter_serial = format!("{}{n}", &LETTER_SERIAL[..9]);
    let card = KeyCard::new(
        KeyCardSerial::new(&card_serial).unwrap(),
        KeyCardSecret::from_bytes(secret.as_bytes()).unwrap(),
        DEFAULT_POSITIONS,
    )
    .unwrap();
    let handed = |id: u128, kind: AuthKind, serial: &str| Authenticator {
        status: AuthStatus::HandedOut,
        holder: Some(person),
        account: Some(account_id),
        issued_at: Some(time::OffsetDateTime::now_utc()),
        ..Authenticator::stocked(
            AuthenticatorId(Uuid::from_u128(id)),
            kind,
            serial.to_string(),
            office(),
            false,
            None,
        )
    };
    let mut authenticators = vec![
        handed(7_200 + n, AuthKind::KeyCard, &card_serial),
        handed(7_300 + n, AuthKind::PasscodeLetter, &letter_serial),
    ];
    let seed = TotpSeed::generate().unwrap();
    let token_serial = format!("{}{n}", &TOKEN_SERIAL[..9]);
    if token {
        authenticators.push(handed(7_400 + n, AuthKind::CodeDisplay, &token_serial));
    }
    let mut tx = store.begin().await.unwrap();
    tx.insert_person(&Person {
        id: person,
        national_id: cpr,
        given_names: "Karen".into(),
        family_name: format!("Borger{n}"),
        preferred_name: None,
        hsa_id: None,
        email: None,
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![],
        licensed_title: None,
        protected: false,
        name_checked: None,
    })
    .await
    .unwrap();
    tx.insert_record(&account.new_record(Some(office()), &node.state.policy)).await.unwrap();
    tx.insert_user_id(&user_id, &account_id.to_string()).await.unwrap();
    for a in authenticators {
        tx.insert_record(&a.new_record(None, &node.state.policy)).await.unwrap();
    }
    let now = tillit_server::routines::officers::now_us();
    put_sealed(
        &mut tx,
        sealer.as_ref(),
        &stock_owner(DkItem::KeyCard, &card_serial),
        SecretPurpose::KeyCard,
        secret.as_bytes(),
        now,
    )
    .await
    .unwrap();
    put_sealed(
        &mut tx,
        sealer.as_ref(),
        &stock_owner(DkItem::PasscodeLetter, &letter_serial),
        SecretPurpose::TemporaryPasscode,
        b"ABCDEFGHJK",
        now,
    )
    .await
    .unwrap();
    if token {
        put_sealed(
            &mut tx,
            sealer.as_ref(),
            &stock_owner(DkItem::CodeDisplay, &token_serial),
            SecretPurpose::TotpSeed,
            seed.as_bytes(),
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    Citizen {
        person,
        letter_serial,
        account: account_id,
        card,
        token: token
            .then(|| Totp::new(TotpSeed::from_bytes(seed.as_bytes()).unwrap(), TotpParams::default())),
    }
}

async fn client(node: &Node) {
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_oidc_client(&OidcClient {
        client_id: CLIENT.into(),
        name: "Borgerservice Tolvköping".into(),
        org: office().to_string(),
        redirect_uris: vec![REDIRECT.into()],
        secret_hash: None,
        sector: "tolvkoping".into(),
        created_us: 0,
        removed_us: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.replace("%2F", "/").replace("%3A", ":").replace("%2B", "+").replace("%3D", "="))
    })
}

/// Starts a sign-in at the provider as a relying party would; the sign-in page's request id.
async fn authorize(browser: &mut Browser) -> String {
    let challenge = B64URL.encode(Sha256::digest(VERIFIER.as_bytes()));
    let page = browser
        .get(&format!(
            "/oidc/authorize?response_type=code&client_id={CLIENT}&redirect_uri={}&scope=openid&state=st4te&nonce=n0nce&code_challenge={challenge}&code_challenge_method=S256",
            tillit_server::eid::oidc::encode(REDIRECT)
        ))
        .await;
    assert_eq!(page.status, 303, "{}", page.html);
    let location = page.location().to_string();
    assert!(location.starts_with("/eid/sign-in?request="), "{location}");
    query_param(&location, "request").unwrap()
}

async fn passcode(browser: &mut Browser, request: &str, user_id: &str, passcode: &str) -> Page {
    browser
        .post(
            "/eid/sign-in",
            &[("request", request.into()), ("user_id", user_id.into()), ("passcode", passcode.into())],
        )
        .await
}

/// The key the code page asks for, read from its label.
fn asked_key(page: &Page) -> u16 {
    let at = page.html.find("for=\"code\">").unwrap() + "for=\"code\">".len();
    let label = &page.html[at..at + page.html[at..].find('<').unwrap()];
    label.rsplit(' ').next().unwrap().parse().unwrap()
}

/// The code of the asked key on the card.
fn code_for(card: &KeyCard, key: u16) -> String {
    let position = (1..=card.positions()).find(|p| card.key(*p).unwrap().value() == key).unwrap();
    card.code(position).unwrap().as_str().to_string()
}

async fn account(node: &Node, id: AccountId) -> Account {
    node.state.store.record::<Account>(Account::KIND, &id.to_string()).await.unwrap().unwrap().state
}

async fn token_exchange(node: &Node, code: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/oidc/token", node.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap()
}

fn claims(jwt: &str) -> Value {
    serde_json::from_slice(&B64URL.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

#[tokio::test]
async fn activation_then_openid_connect_sign_in_with_one_time_key_card_codes() {
    let node = node().await;
    client(&node).await;
    let citizen = issued(&node, 1, false).await;
    let user_id = account(&node, citizen.account).await.user_id;
    let mut browser = Browser::new(&node);

    // Self-service activation: user id + temporary passcode, then a key-card code and the
    // new passcode twice.
    let start = browser.get("/eid/activate").await;
    assert_eq!(start.status, 303);
    let request = query_param(start.location(), "request").unwrap();
    let page = browser.get(&format!("/eid/sign-in?request={request}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("name=\"user_id\""));
    let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("name=\"new_passcode\""), "activation asks for the new passcode");
    let key = asked_key(&page);
    // Two different passcodes, then one that breaks the rules: nothing counted.
    let form = |code: String, new: &str, again: &str| {
        vec![
            ("request", request.clone()),
            ("code", code),
            ("new_passcode", new.to_string()),
            ("new_passcode_again", again.to_string()),
        ]
    };
    let page = browser
        .post("/eid/sign-in/code", &form(code_for(&citizen.card, key), "Hemmelig42", "Hemmelig43"))
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    let page =
        browser.post("/eid/sign-in/code", &form(code_for(&citizen.card, key), "aaaaaaaa", "aaaaaaaa")).await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert_eq!(account(&node, citizen.account).await.failures, 0);
    let page = browser
        .post("/eid/sign-in/code", &form(code_for(&citizen.card, key), "Hemmelig42", "Hemmelig42"))
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
    let active = account(&node, citizen.account).await;
    assert_eq!(active.status, AccountStatus::Active);
    // The temporary passcode is gone; the new one is a hash.
    let store = &node.state.store;
    assert_eq!(
        store
            .secret(
                &stock_owner(DkItem::PasscodeLetter, &citizen.letter_serial),
                SecretPurpose::TemporaryPasscode
            )
            .await
            .unwrap(),
        None
    );
    assert!(store
        .secret(&citizen.account.to_string(), SecretPurpose::Passcode)
        .await
        .unwrap()
        .unwrap()
        .starts_with("$argon2id$"));

    // A municipality's service signs the citizen in: passcode, the NEXT key (a code is never
    // asked twice), the code back to the service, the tokens for the code.
    let request = authorize(&mut browser).await;
    let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
    assert_eq!(page.status, 401, "the temporary passcode is used up");
    let page = passcode(&mut browser, &request, &user_id, "Hemmelig42").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("new_passcode"));
    let second = asked_key(&page);
    assert_ne!(second, key, "the next position");
    let page = browser
        .post("/eid/sign-in/code", &[("request", request.clone()), ("code", code_for(&citizen.card, second))])
        .await;
    assert_eq!(page.status, 303, "{}", page.html);
    let back = page.location().to_string();
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("st4te"));
    let code = query_param(&back, "code").unwrap();
    let response = token_exchange(&node, &code).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], CLIENT);
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["acr"], "https://data.gov.dk/concept/core/nsis/loa/Substantial");
    assert_eq!(id["iss"], node.state.ca.urls().base());
    let sub = id["sub"].as_str().unwrap();
    assert!(!sub.contains(&citizen.person.to_string()), "a pseudonym, not the person id");
    // The code is spent: a second exchange fails.
    let again = token_exchange(&node, &code).await;
    assert_eq!(again.status(), 400);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["error"], "invalid_grant");
    // The userinfo endpoint knows the same subject.
    let info: Value = reqwest::Client::new()
        .get(format!("{}/oidc/userinfo", node.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], sub);

    // The discovery document and keys are where a client library looks for them.
    let discovery: Value = reqwest::get(format!("{}/.well-known/openid-configuration", node.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["code_challenge_methods_supported"][0], "S256");
    // The issuer is the configured public base URL; the test node listens elsewhere.
    let (issuer, jwks_uri) = (discovery["issuer"].as_str().unwrap(), discovery["jwks_uri"].as_str().unwrap());
    let path = jwks_uri.strip_prefix(issuer).unwrap();
    let jwks: Value = reqwest::get(format!("{}{path}", node.base)).await.unwrap().json().await.unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");

    // Revoked at the desk: sign-in stops at once.
    let mut revoked = node
        .state
        .store
        .record::<Account>(Account::KIND, &citizen.account.to_string())
        .await
        .unwrap()
        .unwrap();
    revoked.state.status = AccountStatus::Revoked;
    let mut tx = node.state.store.begin().await.unwrap();
    tx.update_record(&revoked).await.unwrap();
    tx.commit().await.unwrap();
    let request = authorize(&mut browser).await;
    let page = passcode(&mut browser, &request, &user_id, "Hemmelig42").await;
    assert_eq!(page.status, 403);
    node.shutdown().await;
}

#[tokio::test]
async fn wrong_codes_lock_the_eid_and_never_sign_in() {
    let node = node().await;
    client(&node).await;
    let citizen = issued(&node, 2, false).await;
    let user_id = account(&node, citizen.account).await.user_id;
    let mut browser = Browser::new(&node);
    let request = browser.get("/eid/activate").await;
    let request = query_param(request.location(), "request").unwrap();
    let limit = node.state.policy.dk_max_failures;
    // Unknown user ids answer like wrong passcodes and count nothing.
    let page = passcode(&mut browser, &request, "999999999", TEMPORARY).await;
    assert_eq!(page.status, 401);
    // Wrong passcodes, then wrong codes: each one failure, locked at the limit.
    let mut attempts = 0;
    let mut statuses = Vec::new();
    while attempts < 200 {
        attempts += 1;
        let page = if attempts % 2 == 0 {
            passcode(&mut browser, &request, &user_id, "WRONGWRONG").await
        } else {
            let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
            if page.status != 200 {
                statuses.push(page.status);
                continue;
            }
            browser
                .post(
                    "/eid/sign-in/code",
                    &[
                        ("request", request.clone()),
                        ("code", "000000".into()),
                        ("new_passcode", "Hemmelig42".into()),
                        ("new_passcode_again", "Hemmelig42".into()),
                    ],
                )
                .await
        };
        statuses.push(page.status);
        assert!(page.status != 303 && !page.html.contains("eid-activated"), "never signed in");
    }
    let locked = account(&node, citizen.account).await;
    assert!(locked.locked);
    assert_eq!(locked.failures, limit, "counted up to the limit, never past it");
    assert_eq!(locked.status, AccountStatus::AwaitingActivation);
    // Each failure before the limit is "wrong"; the one that locks says so at once.
    let head = &statuses[..12.min(statuses.len())];
    assert_eq!(statuses.iter().filter(|s| **s == 401).count() as u32, limit - 1, "{head:?}");
    assert_eq!(statuses[(limit - 1) as usize], 403, "{head:?}");
    // Locked: even the right passcode is not checked.
    let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
    assert_eq!(page.status, 403);
    // The lock is in the database: a node started afresh on the same data refuses too.
    let data = tillit_server::node::DataDir::open(&node.data).unwrap();
    let store = data.open_store().await.unwrap();
    let ca = data.open_authority(&store).await.unwrap();
    let restarted = tillit_server::AppState::start(store, ca, &data.config.ca).await.unwrap();
    let request = signin::start_self_service(&restarted).await.unwrap();
    let step = signin::passcode(&restarted, &request, &user_id, TEMPORARY).await.unwrap();
    assert_eq!(step, signin::PasscodeStep::Unusable(signin::Unusable::Locked));
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_concurrent_wrong_passcodes_lock_once_at_the_limit() {
    let node = node().await;
    let citizen = issued(&node, 4, false).await;
    let user_id = account(&node, citizen.account).await.user_id;
    let mut browser = Browser::new(&node);
    let request = browser.get("/eid/activate").await;
    let request = query_param(request.location(), "request").unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (mut browser, request, user_id) = (Browser::new(&node), request.clone(), user_id.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..625 {
                    seen.push(passcode(&mut browser, &request, &user_id, "WRONGWRONG").await.status);
                }
                seen
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.extend(task.await.unwrap());
    }
    assert_eq!(statuses.len(), 10_000);
    let odd: std::collections::BTreeSet<u16> =
        statuses.iter().copied().filter(|s| *s != 401 && *s != 403).collect();
    assert!(odd.is_empty(), "only wrong or locked: {odd:?}");
    let locked = account(&node, citizen.account).await;
    assert!(locked.locked);
    assert_eq!(locked.failures, node.state.policy.dk_max_failures, "no failure lost, none past the limit");
    // The right passcode is refused now.
    let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
    assert_eq!(page.status, 403);
    node.shutdown().await;
}

#[tokio::test]
async fn a_code_display_signs_in_and_a_code_is_never_accepted_twice() {
    let node = node().await;
    client(&node).await;
    let citizen = issued(&node, 3, true).await;
    let totp = citizen.token.as_ref().unwrap();
    let user_id = account(&node, citizen.account).await.user_id;
    // Activate with the key card first (the oldest key card with codes left is asked).
    let mut browser = Browser::new(&node);
    let request = browser.get("/eid/activate").await;
    let request = query_param(request.location(), "request").unwrap();
    let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
    let key = asked_key(&page);
    let page = browser
        .post(
            "/eid/sign-in/code",
            &[
                ("request", request.clone()),
                ("code", code_for(&citizen.card, key)),
                ("new_passcode", "Hemmelig42".into()),
                ("new_passcode_again", "Hemmelig42".into()),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
    // Block the key card: the code display is asked next.
    let cards: Vec<tillit_store::records::Record<Authenticator>> =
        node.state.store.records_of_person(Authenticator::KIND, citizen.person).await.unwrap();
    let mut card = cards.into_iter().find(|a| a.state.kind == AuthKind::KeyCard).unwrap();
    card.state.status = AuthStatus::Blocked;
    let mut tx = node.state.store.begin().await.unwrap();
    tx.update_record(&card).await.unwrap();
    tx.commit().await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let code = totp.code(now).unwrap().to_string();
    let request = authorize(&mut browser).await;
    let page = passcode(&mut browser, &request, &user_id, "Hemmelig42").await;
    assert!(
        page.html.contains("code display")
            || page.html.contains("kodeviser")
            || page.html.contains("Code from"),
        "{}",
        page.html
    );
    let page =
        browser.post("/eid/sign-in/code", &[("request", request.clone()), ("code", code.clone())]).await;
    assert_eq!(page.status, 303, "{}", page.html);
    let tokens: Value =
        token_exchange(&node, &query_param(page.location(), "code").unwrap()).await.json().await.unwrap();
    assert_eq!(claims(tokens["id_token"].as_str().unwrap())["amr"], serde_json::json!(["pwd", "otp", "hwk"]));
    // The same code again: refused, one failure.
    let request = authorize(&mut browser).await;
    passcode(&mut browser, &request, &user_id, "Hemmelig42").await;
    let page = browser.post("/eid/sign-in/code", &[("request", request.clone()), ("code", code)]).await;
    assert_eq!(page.status, 401, "a replayed code");
    assert_eq!(account(&node, citizen.account).await.failures, 1);
    node.shutdown().await;
}

/// Gives the citizen a paper activation code handed out `hours_ago` (R-DK-8), the newest
/// temporary passcode of the account.
async fn with_activation_code(
    node: &Node,
    citizen: &Citizen,
    n: u128,
    code: &str,
    hours_ago: i64,
) -> AuthenticatorId {
    let id = AuthenticatorId(Uuid::from_u128(7_500 + n));
    let issued_at =
        time::OffsetDateTime::now_utc() - time::Duration::hours(hours_ago) + time::Duration::seconds(5);
    let enrolled = Authenticator {
        kind: AuthKind::ActivationCode,
        serial: None,
        status: AuthStatus::HandedOut,
        holder: Some(citizen.person),
        account: Some(citizen.account),
        issued_at: Some(issued_at),
        ..Authenticator::stocked(id, AuthKind::ActivationCode, String::new(), office(), false, None)
    };
    let hasher = node.state.eid().await.unwrap().hasher.clone();
    let hash = hasher.hash(&code.replace('-', "")).unwrap();
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_record(&enrolled.new_record(None, &node.state.policy)).await.unwrap();
    tx.put_secret(&id.to_string(), SecretPurpose::ActivationCode, &hash, 0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn authenticator(node: &Node, id: AuthenticatorId) -> Authenticator {
    node.state
        .store
        .record::<Authenticator>(Authenticator::KIND, &id.to_string())
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn a_paper_activation_code_activates_once_and_is_blocked_after_three_wrong_tries() {
    let node = node().await;
    const CODE: &str = "ABCD-EFGH-JKMN-PQRS";
    // Used: it activates, and is used up.
    let citizen = issued(&node, 5, false).await;
    let code_id = with_activation_code(&node, &citizen, 5, CODE, 0).await;
    let user_id = account(&node, citizen.account).await.user_id;
    let mut browser = Browser::new(&node);
    let request = query_param(browser.get("/eid/activate").await.location(), "request").unwrap();
    let page = passcode(&mut browser, &request, &user_id, TEMPORARY).await;
    assert_eq!(page.status, 401, "the letter's passcode no longer counts beside a newer activation code");
    let page = passcode(&mut browser, &request, &user_id, &CODE.to_lowercase()).await;
    assert_eq!(page.status, 200, "{}", page.html);
    let key = asked_key(&page);
    let page = browser
        .post(
            "/eid/sign-in/code",
            &[
                ("request", request.clone()),
                ("code", code_for(&citizen.card, key)),
                ("new_passcode", "Hemmelig42".into()),
                ("new_passcode_again", "Hemmelig42".into()),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(account(&node, citizen.account).await.status, AccountStatus::Active);
    let used = authenticator(&node, code_id).await;
    assert!(used.used_at.is_some(), "{used:?}");
    assert_eq!(
        node.state.store.secret(&code_id.to_string(), SecretPurpose::ActivationCode).await.unwrap(),
        None
    );

    // Three wrong tries block it; the right code then counts for nothing.
    let citizen = issued(&node, 6, false).await;
    let code_id = with_activation_code(&node, &citizen, 6, CODE, 0).await;
    let user_id = account(&node, citizen.account).await.user_id;
    let request = query_param(browser.get("/eid/activate").await.location(), "request").unwrap();
    for _ in 0..node.state.policy.dk_activation_code_tries {
        assert_eq!(passcode(&mut browser, &request, &user_id, "ZZZZ-ZZZZ-ZZZZ-ZZZZ").await.status, 401);
    }
    assert_eq!(authenticator(&node, code_id).await.status, AuthStatus::Blocked);
    assert_eq!(passcode(&mut browser, &request, &user_id, CODE).await.status, 401);

    // After 48 hours it has expired (handed out after the letter, which it replaced).
    let citizen = issued(&node, 7, false).await;
    let mut letter = node
        .state
        .store
        .records_of_person::<Authenticator>(Authenticator::KIND, citizen.person)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.state.kind == AuthKind::PasscodeLetter)
        .unwrap();
    letter.state.issued_at = Some(time::OffsetDateTime::now_utc() - time::Duration::hours(60));
    let mut tx = node.state.store.begin().await.unwrap();
    tx.update_record(&letter).await.unwrap();
    tx.commit().await.unwrap();
    let code_id = with_activation_code(&node, &citizen, 7, CODE, 49).await;
    let user_id = account(&node, citizen.account).await.user_id;
    let request = query_param(browser.get("/eid/activate").await.location(), "request").unwrap();
    assert_eq!(passcode(&mut browser, &request, &user_id, CODE).await.status, 401);
    assert_eq!(authenticator(&node, code_id).await.status, AuthStatus::Blocked, "recorded as expired");
    node.shutdown().await;
}
