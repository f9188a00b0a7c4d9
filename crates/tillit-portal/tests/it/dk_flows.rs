//! The Danish public RA's routines as portal flows (issue 7), driven as a browser would with a
//! software passkey, in Danish as the municipality's officers work: a box of key cards ordered
//! and received, an envelope discarded, a citizen registered from the rules to the issue with
//! the user id shown once, a refusal with its rule, an approval at NSIS
//! high by a second officer, revocation assistance; and every Danish page in four languages.

use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::person::Person;
use tillit_core::ra::role::Role;
use tillit_core::ra::{OrgId, PersonId};
use tillit_portal::i18n::{Catalog, Lang};
use tillit_server::routines::passkey::SoftAuthenticator;
use time::macros::date;
use uuid::Uuid;

use crate::flows::{prepare, sign};
use crate::support::{authenticator, enrol, link, node, officer, Browser, Node, Page};

fn unit() -> String {
    OrgId(Uuid::from_u128(2)).to_string()
}

/// An officer with `roles` on the office, signed in with a passkey, working in `lang`.
async fn desk_officer(node: &Node, n: u128, roles: &[Role], lang: &str) -> (Browser, SoftAuthenticator) {
    let me = officer(node, n, roles).await;
    let token = link(node, me, 1).await;
    let mut browser = Browser::in_language(node, lang);
    let auth = authenticator(node);
    assert_eq!(enrol(&mut browser, &auth, &token).await.status, 303);
    (browser, auth)
}

/// A Danish citizen in the person table (the embedded population register): no employment.
async fn citizen(node: &Node, n: u128, cpr: &str, given: &str, family: &str) -> PersonId {
    let id = PersonId(Uuid::from_u128(n));
    let person = Person {
        id,
        national_id: NationalId::parse(Country::Dk, cpr, &ParseOptions::new(date!(2026 - 01 - 01))).unwrap(),
        given_names: given.into(),
        family_name: family.into(),
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
    };
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_person(&person).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// The value shown for the fact labelled `label` on a result page.
fn fact(page: &Page, label: &str) -> String {
    let needle = format!("<dt>{label}</dt><dd>");
    let start =
        page.html.find(&needle).unwrap_or_else(|| panic!("no {label} in {}", page.html)) + needle.len();
    let end = page.html[start..].find("</dd>").unwrap() + start;
    page.html[start..end].to_string()
}

/// The one-time value shown under `label`, if the page shows it.
fn secret(page: &Page, label: &str) -> Option<String> {
    let needle = format!("<p><strong>{label}</strong></p>\n<p class=\"code\">");
    let start = page.html.find(&needle)? + needle.len();
    let end = page.html[start..].find("</p>").unwrap() + start;
    Some(page.html[start..end].to_string())
}

/// The `n`-th link of the "next step" list.
fn next(page: &Page, n: usize) -> String {
    let list = &page.html[page.html.find("<ul class=\"next\">").unwrap_or_else(|| panic!("{}", page.html))..];
    let start = list.match_indices("href=\"").nth(n).unwrap().0 + 6;
    list[start..start + list[start..].find('"').unwrap()].to_string()
}

/// Orders a box of `item` to the office and receives it with `opened` discarded; its first
/// serial number.
async fn box_in_stock(browser: &mut Browser, auth: &mut SoftAuthenticator, item: &str, opened: &str) -> u64 {
    let review = prepare(
        browser,
        "/dk/stock/boxes/new",
        &[("item", item.into()), ("size", "50".into()), ("office", unit())],
    )
    .await;
    let done = sign(browser, auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let range = fact(&done, "Serienumre");
    let first: u64 = range.split('–').next().unwrap().parse().unwrap();
    let receive = next(&done, 0);
    assert!(receive.ends_with("/receive"), "{receive}");
    let review = prepare(browser, &receive, &[("opened", opened.into())]).await;
    let done = sign(browser, auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert_eq!(fact(&done, "Registrerede kuverter"), "50");
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_of_key_cards_is_ordered_received_and_an_envelope_discarded_in_the_portal() {
    let node = node().await;
    let (mut browser, mut auth) = desk_officer(&node, 40, &[Role::DkRaEmployee], "da").await;

    // The start page offers the desk's routines the officer's grants allow.
    let start = browser.get("/").await;
    for text in
        ["Borgerservice (Danmark)", "/dk/registrations/new", "/dk/stock/boxes/new", "Kassér en kuvert"]
    {
        assert!(start.html.contains(text), "{text}: {}", start.html);
    }
    let review = prepare(
        &mut browser,
        "/dk/stock/boxes/new",
        &[("item", "key_card".into()), ("size", "50".into()), ("office", unit())],
    )
    .await;
    assert!(
        review.html.contains("Nøglekort") && review.html.contains("POST /api/v1/dk/stock/boxes"),
        "{}",
        review.html
    );
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let first: u64 = fact(&done, "Serienumre").split('–').next().unwrap().parse().unwrap();
    let receive = next(&done, 0);
    assert!(done.html.contains("Modtag en kasse"), "{}", done.html);

    // Received with two envelopes found opened: registered, and those two discarded.
    let opened = format!("{}, {}", first + 1, first + 2);
    let review = prepare(&mut browser, &receive, &[("opened", opened), ("damaged", String::new())]).await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert_eq!(fact(&done, "Registrerede kuverter"), "50");
    assert_eq!(fact(&done, "Kasseret (udleveres aldrig)"), format!("{}, {}", first + 1, first + 2));

    // One more envelope discarded as damaged; a second time it is refused with the rule.
    let discard = [
        ("item", "key_card".to_string()),
        ("envelope_serial", (first + 3).to_string()),
        ("mark", "damaged".to_string()),
    ];
    let review = prepare(&mut browser, "/dk/stock/envelopes/discard", &discard).await;
    assert!(
        review.html.contains(&format!("/api/v1/dk/stock/envelopes/key_card/{}/discard", first + 3)),
        "{}",
        review.html
    );
    assert_eq!(sign(&mut browser, &mut auth, &review).await.status, 200);
    let review = prepare(&mut browser, "/dk/stock/envelopes/discard", &discard).await;
    let refused = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(
        refused.html.contains("R-") && refused.html.contains("Tilbage til formularen"),
        "{}",
        refused.html
    );

    // A serial that is not a number never reaches an API path.
    let form = browser.get("/dk/stock/envelopes/discard").await;
    let bad = browser
        .post(
            "/dk/stock/envelopes/discard",
            &[
                ("csrf", form.input("csrf")),
                ("item", "key_card".into()),
                ("envelope_serial", "../1".into()),
                ("mark", "opened".into()),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("href=\"#f-envelope_serial\""), "{}", bad.html);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_is_registered_at_the_desk_from_the_rules_to_the_issue_and_gets_the_user_id_once() {
    let node = node().await;
    let karen = citizen(&node, 7_001, "010190-1234", "Karen", "Jensen").await;
    let (mut browser, mut auth) = desk_officer(&node, 41, &[Role::DkRaEmployee], "da").await;
    let card = box_in_stock(&mut browser, &mut auth, "key_card", "").await;
    let letter = box_in_stock(&mut browser, &mut auth, "passcode_letter", "").await;

    // The rules handed over and accepted: a form without the acceptance names the field.
    let form = browser.get("/dk/registrations/new").await;
    assert!(form.html.contains("Borgeren har læst reglerne og accepterer dem"), "{}", form.html);
    let refused = browser
        .post(
            "/dk/registrations/new",
            &[("csrf", form.input("csrf")), ("citizen", karen.to_string()), ("office", unit())],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("href=\"#f-rules_accepted\""), "{}", refused.html);
    let review = prepare(
        &mut browser,
        "/dk/registrations/new",
        &[("citizen", karen.to_string()), ("office", unit()), ("rules_accepted", "yes".into())],
    )
    .await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let registration = fact(&done, "Reference");
    assert_eq!(next(&done, 0), format!("/dk/registrations/{registration}/identity"));

    // The issue before the identity check: refused, R-DK-1 with its title.
    let issue_path = format!("/dk/registrations/{registration}/issue");
    let issue = [
        ("key_serial", card.to_string()),
        ("passcode_serial", letter.to_string()),
        ("key_card_delivery", "hand_out".to_string()),
    ];
    let review = prepare(&mut browser, &issue_path, &issue).await;
    let refused = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let title = Catalog::load().unwrap().text(Lang::Da, "rule-R-DK-1", None);
    assert!(refused.html.contains(&format!("R-DK-1: {title}")), "{}", refused.html);

    // The identity check: CPR, the name on the document for the lookup, a driving licence
    // showing the CPR number, NSIS substantial.
    let review = prepare(
        &mut browser,
        &format!("/dk/registrations/{registration}/identity"),
        &[
            ("cpr", "010190-1234".into()),
            ("doc_given_names", "Karen".into()),
            ("doc_family_name", "Jensen".into()),
            ("document_1_kind", "driving_licence".into()),
            ("document_1_number", "12345678".into()),
            ("document_1_cpr", "yes".into()),
            ("assurance", "substantial".into()),
        ],
    )
    .await;
    assert!(
        review.html.contains("Kørekort (EU/EØS)") && review.html.contains("NSIS betydelig"),
        "{}",
        review.html
    );
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(!done.html.contains("Borgeren blev afvist"), "{}", done.html);
    assert_eq!(next(&done, 0), issue_path);

    // The issue: the user id, shown once, with what to do with them.
    let review = prepare(&mut browser, &issue_path, &issue).await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let user_id = secret(&done, "Borgerens bruger-id").unwrap_or_else(|| panic!("{}", done.html));
    assert!(!user_id.is_empty() && done.html.contains("Giv borgeren bruger-id"), "{}", done.html);
    // The default policy enrols no paper activation code: none is shown.
    assert!(secret(&done, "Aktiveringskode").is_none(), "{}", done.html);
    let account = fact(&done, "eID-konto");
    let accounts = node.state.store.account_of_user_id(&user_id).await.unwrap();
    assert_eq!(accounts.as_deref(), Some(account.as_str()));
    // A second click: the same answer, the user id and the code not shown again.
    let again = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(again.status, 200, "{}", again.html);
    assert!(
        secret(&again, "Borgerens bruger-id").is_none() && secret(&again, "Aktiveringskode").is_none(),
        "{}",
        again.html
    );
    // The desk's routines for the account are offered next.
    assert_eq!(next(&done, 0), format!("/dk/accounts/{account}/visits/new"));

    // Revocation assistance: the citizen at the desk, document checked; everything stopped.
    let review = prepare(
        &mut browser,
        &format!("/dk/accounts/{account}/revocation"),
        &[
            ("office", unit()),
            ("assist_action", "suspend".into()),
            ("dk_reason", "lost".into()),
            ("requester", "citizen_in_person".into()),
            ("requester_checked", "yes".into()),
        ],
    )
    .await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_nsis_high_a_second_officer_approves_before_the_issue() {
    let node = node().await;
    let jens = citizen(&node, 7_002, "020285-4321", "Jens", "Hansen").await;
    let (mut clerk, mut clerk_auth) = desk_officer(&node, 42, &[Role::DkRaEmployee], "en").await;
    let (mut admin, mut admin_auth) = desk_officer(&node, 43, &[Role::DkRaAdmin], "sv").await;
    let review = prepare(
        &mut clerk,
        "/dk/registrations/new",
        &[("citizen", jens.to_string()), ("office", unit()), ("rules_accepted", "yes".into())],
    )
    .await;
    let registration = fact(&sign(&mut clerk, &mut clerk_auth, &review).await, "Reference");
    let review = prepare(
        &mut clerk,
        &format!("/dk/registrations/{registration}/identity"),
        &[
            ("cpr", "0202854321".into()),
            ("doc_given_names", "Jens".into()),
            ("doc_family_name", "Hansen".into()),
            ("document_1_kind", "passport".into()),
            ("document_1_cpr", "yes".into()),
            ("assurance", "high".into()),
        ],
    )
    .await;
    let done = sign(&mut clerk, &mut clerk_auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let approval = format!("/dk/registrations/{registration}/approval");
    assert_eq!(next(&done, 0), approval);

    // The officer who checked the identity cannot approve it.
    let review = prepare(&mut clerk, &approval, &[("verdict", "approve".into())]).await;
    let refused = sign(&mut clerk, &mut clerk_auth, &review).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("R-DK-8"), "{}", refused.html);
    // A rejection needs its reason, named on the form.
    let form = admin.get(&approval).await;
    let missing = admin.post(&approval, &[("csrf", form.input("csrf")), ("verdict", "reject".into())]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.html.contains("href=\"#f-reject_reason\""), "{}", missing.html);
    // The administrator approves, in Swedish; the issue is next.
    let review = prepare(&mut admin, &approval, &[("verdict", "approve".into())]).await;
    assert!(review.html.contains("Godkänn"), "{}", review.html);
    let done = sign(&mut admin, &mut admin_auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert_eq!(next(&done, 0), format!("/dk/registrations/{registration}/issue"));
    node.shutdown().await;
}

/// Every Danish form, in every language: no message id shown instead of text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_danish_page_renders_in_four_languages() {
    let node = node().await;
    let (mut browser, _) = desk_officer(&node, 44, &[Role::DkRaAdmin], "en").await;
    let id = Uuid::now_v7();
    let paths = [
        "/dk/stock/boxes/new".to_string(),
        format!("/dk/stock/boxes/{id}/receive"),
        "/dk/stock/envelopes/discard".to_string(),
        "/dk/registrations/new".to_string(),
        format!("/dk/registrations/{id}/identity"),
        format!("/dk/registrations/{id}/approval"),
        format!("/dk/registrations/{id}/issue"),
        format!("/dk/accounts/{id}/revocation"),
        format!("/dk/accounts/{id}/unlock"),
        format!("/dk/accounts/{id}/visits/new"),
        format!("/dk/visits/{id}/key-cards/new"),
        format!("/dk/accounts/{id}/forgotten-passcode"),
        "/".to_string(),
    ];
    let catalog = Catalog::load().unwrap();
    for lang in Lang::ALL {
        for path in &paths {
            let page = browser.get(&format!("{path}?lang={}", lang.tag())).await;
            assert_eq!(page.status, 200, "{path}: {}", page.html);
            assert!(page.html.contains(&format!("<html lang=\"{}\">", lang.tag())), "{path}");
            for id in [">field-", ">hint-", ">flow-", ">dk-", ">answer-", ">result-"] {
                assert!(!page.html.contains(id), "{lang} {path}: {id} in {}", page.html);
            }
        }
        // The consequence of a forgotten passcode is on its form, in the language.
        let forgotten =
            browser.get(&format!("/dk/accounts/{id}/forgotten-passcode?lang={}", lang.tag())).await;
        assert!(forgotten.html.contains(&catalog.text(lang, "hint-consequence_accepted", None)), "{lang}");
    }
    // An unknown step is not a flow.
    assert_eq!(browser.get(&format!("/dk/registrations/{id}/nothing")).await.status, 404);
    node.shutdown().await;
}
