//! The read-only pages against a real node: search, a person with their history, a card with
//! the actions its status allows, reports with their chart and CSV; each in four languages,
//! each with a session only; protected names (R-PER-3) only for an officer with KUR; records
//! outside the officer's units "not found" (R-ORG-1); and no inline script or style anywhere.

use std::collections::BTreeSet;

use tillit_core::audit::{Actor, AuditEvent};
use tillit_core::id::HsaId;
use tillit_core::ra::card::{Card, CardDates, CardKind, CardStatus};
use tillit_core::ra::credential::{
    Certificates, Credential, CredentialKind, CredentialState, IdBasis, Serial,
};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Address, Employment, EmploymentKind, Person};
use tillit_core::ra::puk::{PukOrder, PukStatus};
use tillit_core::ra::role::Role;
use tillit_core::ra::{CardId, CredentialId, OrgId, PersonId, PukOrderId};
use tillit_portal::i18n::{Catalog, Lang};
use tillit_portal::locale;
use tillit_server::routines::action::ActorSignature;
use tillit_server::routines::kinds::Kept as _;
use time::macros::date;
use time::{Date, Duration};
use uuid::Uuid;

use crate::support::{authenticator, enrol, link, national_id, node, officer, Browser, Node, Page};

/// The unit the officers work in, and one beside it that none of them may read.
const UNIT: u128 = 2;
const OTHER_UNIT: u128 = 3;

/// The people of the tests.
const ANNA: u128 = 100;
const HIDDEN: u128 = 101;
const OUTSIDE: u128 = 102;
/// The card officer whose actions the history shows, and one in the other unit.
const KRA: u128 = 20;
const FAR_OFFICER: u128 = 30;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn pid(n: u128) -> PersonId {
    PersonId(Uuid::from_u128(n))
}

fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n))
}

fn card_id(n: u128) -> CardId {
    CardId(Uuid::from_u128(n))
}

fn person(n: u128, given: &str, family: &str, unit: u128) -> Person {
    Person {
        id: pid(n),
        national_id: national_id(n),
        given_names: given.into(),
        family_name: family.into(),
        preferred_name: None,
        hsa_id: Some(HsaId::parse(&format!("SE2321000016-{n:04}")).unwrap()),
        email: Some(format!("{}.{}@example.invalid", given.to_lowercase(), family.to_lowercase())),
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: org(unit),
            kind: EmploymentKind::Employment,
            start: date!(2020 - 01 - 01),
            end: None,
        }],
        licensed_title: None,
        protected: false,
        name_checked: Some(date!(2026 - 01 - 02)),
    }
}

fn card(n: u128, holder: u128, unit: u128, status: CardStatus) -> Card {
    let handed_out = matches!(status, CardStatus::HandedOut | CardStatus::InUse);
    Card {
        id: card_id(n),
        person: pid(holder),
        org: org(unit),
        kind: CardKind::Sis,
        status,
        serial: handed_out.then(|| format!("9752{n:06}")),
        valid_until: handed_out.then_some(date!(2030 - 01 - 01)),
        batch: None,
        replaces: vec![],
        receipt: handed_out.then(|| "receipt-1".to_string()),
        photo: None,
        signature_image: None,
        claims: vec![],
        end_reason: None,
        dates: CardDates {
            order_basis: Some(date!(2026 - 01 - 05)),
            handed_out: handed_out.then_some(date!(2026 - 02 - 10)),
            ..CardDates::default()
        },
    }
}

fn issued(n: u128, holder: u128, on_card: u128, days: i64) -> Credential {
    let serial = |s: &str| Serial::try_from(s.to_string()).unwrap();
    Credential {
        id: CredentialId(Uuid::from_u128(n)),
        person: pid(holder),
        card: Some(card_id(on_card)),
        kind: CredentialKind::CardPair,
        basis: IdBasis::HsaId,
        state: CredentialState::Issued {
            certificates: Certificates::Pair {
                authentication: serial(&format!("{n:x}a")),
                signing: serial(&format!("{n:x}b")),
            },
            not_after: today() + Duration::days(days),
            renewal_notified: false,
        },
    }
}

/// The people, cards, credentials, a PUK order and a history, as the routines would have
/// left them: Anna and the protected person in the officers' unit, one person in the other.
async fn world(node: &Node) {
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    tx.insert_org(&Org {
        id: org(OTHER_UNIT),
        parent: Some(org(1)),
        kind: OrgKind::Unit,
        name: "Tolvköping 3".into(),
        org_number: None,
        hr_code: Some("U3".into()),
    })
    .await
    .unwrap();
    let mut hidden = person(HIDDEN, "Sekretessa", "Hemligsson", UNIT);
    hidden.protected = true;
    hidden.address = Some(Address {
        lines: vec!["Gömdgatan 1".into()],
        postal_code: "123 45".into(),
        town: "Döljeby".into(),
        country: "SE".into(),
    });
    for p in [
        person(ANNA, "Anna", "Tolvansson", UNIT),
        hidden,
        person(OUTSIDE, "Otto", "Utomsson", OTHER_UNIT),
        person(FAR_OFFICER, "Fjärran", "Officersson", OTHER_UNIT),
    ] {
        tx.insert_person(&p).await.unwrap();
    }
    let policy = Default::default();
    for (c, unit) in [
        (card(500, ANNA, UNIT, CardStatus::HandedOut), UNIT),
        (card(501, HIDDEN, UNIT, CardStatus::HandedOut), UNIT),
        (card(502, OUTSIDE, OTHER_UNIT, CardStatus::OrderBasis), OTHER_UNIT),
        // A card of the officers' unit whose holder is not: the page names no one.
        (card(503, OUTSIDE, UNIT, CardStatus::Returned), UNIT),
        (card(504, ANNA, UNIT, CardStatus::OrderBasis), UNIT),
    ] {
        tx.insert_record(&c.new_record(Some(org(unit)), &policy)).await.unwrap();
    }
    for c in [issued(600, ANNA, 500, 30), issued(601, HIDDEN, 501, 10)] {
        tx.insert_record(&c.new_record(Some(org(UNIT)), &policy)).await.unwrap();
    }
    let order = PukOrder {
        id: PukOrderId(Uuid::from_u128(700)),
        card: card_id(500),
        person: pid(ANNA),
        unit: org(UNIT),
        status: PukStatus::Sent,
        cost_ore: 20_000,
        ordered_on: date!(2026 - 03 - 01),
        expected: date!(2026 - 03 - 03),
        sent_on: Some(date!(2026 - 03 - 02)),
        closed_on: None,
    };
    tx.insert_record(&order.new_record(Some(org(UNIT)), &policy)).await.unwrap();
    tx.commit().await.unwrap();
}

/// An audit entry about `payload`'s records, by `actor`, signed with `signature`.
async fn audit(
    node: &Node,
    actor: &str,
    action: &str,
    payload: serde_json::Value,
    signature: Option<Vec<u8>>,
) {
    let mut tx = node.state.store.begin().await.unwrap();
    let mut event = AuditEvent::new(org(1).to_string(), Actor::parse(actor).unwrap(), action, payload);
    event.actor_signature = signature;
    tx.append(event).await.unwrap();
    tx.commit().await.unwrap();
}

/// A browser signed in as officer `n` of the unit with `roles`.
async fn signed_in(node: &Node, n: u128, roles: &[Role]) -> Browser {
    let me = officer(node, n, roles).await;
    let token = link(node, me, 1).await;
    let mut browser = Browser::new(node);
    let done = enrol(&mut browser, &authenticator(node), &token).await;
    assert_eq!(done.status, 303, "{}", done.html);
    browser
}

/// What every page must be: a strict CSP and no inline script, style or event handler; one
/// h1 and headings in order; a title "… – tillit"; tables with a caption and `th scope`.
fn assert_clean(page: &Page) -> String {
    let html = &page.html;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(html.contains(r#"<script type="module" src="/assets/portal.js"></script>"#), "{html}");
    assert!(!html.contains("<style") && !html.contains(" style="), "{html}");
    for (at, _) in html.match_indices(" on") {
        let name: String = html[at + 3..].chars().take_while(|c| c.is_ascii_lowercase()).collect();
        assert!(
            name.is_empty() || !html[at + 3 + name.len()..].starts_with('='),
            "an on{name}= attribute in {html}"
        );
    }
    assert_eq!(html.matches("<h1").count(), 1, "{html}");
    let mut previous = 0;
    for (at, _) in html.match_indices("<h") {
        let Some(level) = html[at + 2..].chars().next().and_then(|c| c.to_digit(10)) else { continue };
        assert!(level <= previous + 1, "h{level} after h{previous} in {html}");
        previous = level;
    }
    let tables = html.matches("<table").count();
    assert_eq!(html.matches("<caption>").count(), tables, "{html}");
    let headers = html.matches("<th ").count() + html.matches("<th>").count();
    assert_eq!(html.matches("<th scope=\"").count(), headers, "{html}");
    let title = html.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap().to_string();
    assert!(title.ends_with(" – tillit"), "{title}");
    title
}

/// The address of the page's `rel="next"` link, unescaped.
fn next_link(page: &Page) -> String {
    let at = page.html.find("rel=\"next\"").unwrap_or_else(|| panic!("no next link in {}", page.html));
    let start = page.html[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let end = page.html[start..].find('"').unwrap() + start;
    page.html[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

/// `path` with `lang=<tag>` added to its query.
fn with_lang(path: &str, lang: Lang) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}lang={}", lang.tag())
}

fn assert_no_names(page: &Page, what: &str) {
    let lower = page.html.to_lowercase();
    for secret in ["hemligsson", "sekretessa", "gömdgatan", "döljeby"] {
        assert!(!lower.contains(secret), "{what}: {secret} in {}", page.html);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_page_renders_in_four_languages() {
    let node = node().await;
    world(&node).await;
    let mut browser = signed_in(&node, KRA, &[Role::Kra]).await;
    let catalog = Catalog::load().unwrap();
    let anna = pid(ANNA);
    for lang in Lang::ALL {
        let tag = lang.tag();
        let mut titles = BTreeSet::new();
        let pages = [
            (format!("/people?lang={tag}"), "read-search-hint"),
            (format!("/people?q=Tolvansson&lang={tag}"), "read-search-results"),
            (format!("/people/{anna}?lang={tag}"), "read-history"),
            (format!("/cards/{}?lang={tag}", card_id(500)), "read-card-lifecycle"),
            (format!("/reports?lang={tag}"), "read-reports-intro"),
            (format!("/reports/expiring?lang={tag}"), "read-report-chart"),
            (format!("/reports/stock?lang={tag}"), "read-report-stock"),
            (format!("/reports/puk-costs?lang={tag}&from=&to=&org="), "read-report-puk-costs"),
        ];
        for (path, id) in pages {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.html);
            assert!(page.html.contains(&format!("<html lang=\"{tag}\">")), "{path}");
            let text = catalog.text(lang, id, None);
            assert!(page.html.contains(&text), "{path}: no {text:?} in {}", page.html);
            assert!(titles.insert(assert_clean(&page)), "{path}: a title seen before");
        }
        // Dates, numbers and money in the page's language; national ids in their own form.
        let anna_page = browser.get(&format!("/people/{anna}?lang={tag}")).await;
        for text in [
            locale::format_date(lang, date!(2020 - 01 - 01)),
            locale::format_money(lang, 20_000, locale::Currency::Sek),
            locale::format_national_id(&national_id(ANNA)),
            catalog.text(lang, "card-status-handed_out", None),
            catalog.text(lang, "puk-status-sent", None),
            catalog.text(lang, "credential-status-issued", None),
        ] {
            assert!(anna_page.html.contains(&text), "{tag}: no {text:?} in {}", anna_page.html);
        }
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_name_reaches_only_an_officer_with_kur() {
    let node = node().await;
    world(&node).await;
    audit(
        &node,
        &format!("officer:{}", pid(KRA)),
        "card.handed_out",
        serde_json::json!({"card": card_id(501).to_string(), "person": pid(HIDDEN).to_string()}),
        None,
    )
    .await;
    let mut plain = signed_in(&node, KRA, &[Role::Kra]).await;
    let mut kur = signed_in(&node, 21, &[Role::Kra, Role::Kur]).await;
    let hidden = pid(HIDDEN);
    let number = locale::format_national_id(&national_id(HIDDEN));
    let pages = [
        format!("/people?q={number}"),
        "/people?q=Hemlig".to_string(),
        format!("/people/{hidden}"),
        format!("/cards/{}", card_id(501)),
        "/reports/expiring".to_string(),
        "/reports/expiring.csv".to_string(),
        "/reports/expiring.svg".to_string(),
        "/reports/reconciliation".to_string(),
        "/reports/name-mismatch".to_string(),
    ];
    for lang in Lang::ALL {
        for path in &pages {
            let page = plain.get(&with_lang(path, lang)).await;
            assert_eq!(page.status, 200, "{path}: {}", page.html);
            assert_no_names(&page, path);
        }
    }
    // Found by number, shown as protected; by name, not found at all (R-PER-3).
    let found = plain.get(&format!("/people?q={number}&lang=sv")).await;
    assert!(found.html.contains("(skyddad identitet)") && found.html.contains(&number), "{}", found.html);
    let by_name = plain.get("/people?q=Hemlig&lang=en").await;
    assert!(by_name.html.contains("Nobody in your units matches"), "{}", by_name.html);
    let page = plain.get(&format!("/people/{hidden}?lang=en")).await;
    let title = format!("<title>Person – (protected identity) SE2321000016-{HIDDEN:04} – tillit</title>");
    assert!(page.html.contains(&title), "{}", page.html);
    assert!(!page.html.contains("Protected identity."), "the note is for those who see the person");

    // The officer with KUR sees the name, the e-mail and the note, never the address.
    for path in [format!("/people?q={number}"), "/people?q=Hemlig".to_string(), format!("/people/{hidden}")] {
        let page = kur.get(&with_lang(&path, Lang::En)).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.html.contains("Sekretessa Hemligsson"), "{path}: {}", page.html);
        assert!(!page.html.to_lowercase().contains("gömdgatan"), "{path}");
    }
    let page = kur.get(&format!("/people/{hidden}?lang=en")).await;
    assert!(page.html.contains("Protected identity.") && page.html.contains("sekretessa.hemligsson@"));
    let card = kur.get(&format!("/cards/{}?lang=en", card_id(501))).await;
    assert!(
        card.html.contains(&format!("<a href=\"/people/{hidden}\">Sekretessa Hemligsson</a>")),
        "{}",
        card.html
    );
    let report = kur.get("/reports/expiring?lang=en").await;
    assert!(report.html.contains("Sekretessa Hemligsson"), "{}", report.html);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_outside_the_officers_units_are_not_found() {
    let node = node().await;
    world(&node).await;
    let mut browser = signed_in(&node, KRA, &[Role::Kra]).await;
    for path in [
        format!("/people/{}", pid(OUTSIDE)),
        format!("/cards/{}", card_id(502)),
        format!("/people/{}", Uuid::from_u128(999_999)),
        format!("/cards/{}", Uuid::from_u128(999_999)),
        "/reports/no-such-report".to_string(),
    ] {
        let page = browser.get(&format!("{path}?lang=en")).await;
        assert_eq!(page.status, 404, "{path}: {}", page.html);
        assert!(page.html.contains("<h1>Not found</h1>"), "{path}: {}", page.html);
        assert!(!page.html.contains("Utomsson") && !page.html.contains("Otto"), "{path}");
        assert_clean(&page);
    }
    // Nor are they found by a search.
    let search = browser.get("/people?q=Utomsson&lang=en").await;
    assert!(search.html.contains("Nobody in your units matches"), "{}", search.html);
    let number = locale::format_national_id(&national_id(OUTSIDE));
    assert!(!browser.get(&format!("/people?q={number}")).await.html.contains("/people/"));
    // A card of the unit whose holder has moved on: shown, its holder not named.
    let card = browser.get(&format!("/cards/{}?lang=en", card_id(503))).await;
    assert_eq!(card.status, 200, "{}", card.html);
    assert!(card.html.contains("Not in your units") && !card.html.contains("Utomsson"), "{}", card.html);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_lists_entries_newest_first_with_labels_and_signatures() {
    let node = node().await;
    world(&node).await;
    let anna = pid(ANNA).to_string();
    let card = card_id(500).to_string();
    let mut passkey = authenticator(&node);
    let by_passkey = passkey.sign_action("POST /api/v1/cards/…/hand-out").unwrap().to_bytes();
    let by_certificate = ActorSignature {
        v: 1,
        message: "POST /api/v1/persons/…/cards".into(),
        certificate: String::new(),
        signature: String::new(),
    }
    .to_bytes();
    audit(&node, "system:hr", "person.registered", serde_json::json!({"person": anna}), None).await;
    audit(
        &node,
        &format!("officer:{}", pid(FAR_OFFICER)),
        "card.order_basis_created",
        serde_json::json!({"card": card, "person": anna}),
        Some(by_certificate),
    )
    .await;
    audit(
        &node,
        &format!("officer:{}", pid(KRA)),
        "card.handed_out",
        serde_json::json!({"card": card}),
        Some(by_passkey),
    )
    .await;
    // Another person's entry is not Anna's history.
    audit(
        &node,
        "system:hr",
        "person.updated",
        serde_json::json!({"person": pid(OUTSIDE).to_string()}),
        None,
    )
    .await;
    let mut browser = signed_in(&node, KRA, &[Role::Kra]).await;

    let page = browser.get(&format!("/people/{anna}?lang=en")).await;
    assert_clean(&page);
    let history = page.html.split("<h2 id=\"history\">").nth(1).unwrap();
    let at = |text: &str| history.find(text).unwrap_or_else(|| panic!("no {text} in {history}"));
    assert!(at("Card handed out") < at("Card order basis created"));
    assert!(at("Card order basis created") < at("Person registered"));
    assert!(!history.contains("Person details changed"), "{history}");
    // Who: the officer of the viewer's unit by name, the other one not (R-ORG-1).
    assert!(history.contains("Tolvan Officer20") && history.contains("An officer"), "{history}");
    assert!(!history.contains("Fjärran") && history.contains("tillit (automatic)"), "{history}");
    assert!(history.contains("Signed with a passkey") && history.contains("Signed with a certificate"));
    assert!(history.contains("<time datetime=\"") && history.contains("Z\">"), "{history}");
    assert!(!page.html.contains("Older entries"), "one page only");

    // Twenty more: the first page shows the newest twenty and links to the older entries.
    for n in 0..20 {
        audit(&node, "system:hr", "person.name_checked", serde_json::json!({"person": anna, "n": n}), None)
            .await;
    }
    let first = browser.get(&format!("/people/{anna}?lang=sv")).await;
    let history = first.html.split("<h2 id=\"history\">").nth(1).unwrap();
    assert_eq!(history.matches("Namn kontrollerat mot befolkningsregistret").count(), 20, "{history}");
    assert!(!history.contains("Kort utlämnat"), "{history}");
    let older = next_link(&first);
    assert!(older.starts_with(&format!("/people/{anna}?before_us=")), "{older}");
    // (A browser keeps the language in a cookie; this client sends it with each request.)
    let second = browser.get(&with_lang(older.trim_end_matches("#history"), Lang::Sv)).await;
    assert_eq!(second.status, 200, "{}", second.html);
    assert_clean(&second);
    let history = second.html.split("<h2 id=\"history\">").nth(1).unwrap();
    assert!(history.contains("Kort utlämnat") && history.contains("Person registrerad"), "{history}");
    assert!(!history.contains("Namn kontrollerat"), "{history}");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_finds_people_by_name_prefix_national_id_and_hsa_id_a_page_at_a_time() {
    let node = node().await;
    world(&node).await;
    let mut tx = node.state.store.begin().await.unwrap();
    for n in 0..30 {
        tx.insert_person(&person(200 + n, &format!("Person{n:02}"), "Tolvberg", UNIT)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut browser = signed_in(&node, KRA, &[Role::Kra]).await;
    let anna = format!("href=\"/people/{}\"", pid(ANNA));
    for q in [
        "tolvans".to_string(),
        "Tolvansson%20An".to_string(),
        locale::format_national_id(&national_id(ANNA)),
        national_id(ANNA).normalised().to_string(),
        format!("SE2321000016-{ANNA:04}"),
    ] {
        let page = browser.get(&format!("/people?q={q}&lang=en")).await;
        assert_eq!(page.status, 200, "{q}: {}", page.html);
        assert!(page.html.contains(&anna) && page.html.contains("Anna Tolvansson"), "{q}: {}", page.html);
        assert!(page.html.contains(&locale::format_national_id(&national_id(ANNA))), "{q}");
        assert!(page.html.contains("Tolvköping 2"), "{q}: the unit");
        assert_clean(&page);
    }
    // Paged with the API's cursor: 25, then the other 5.
    let first = browser.get("/people?q=tolvberg&lang=en").await;
    assert_eq!(first.html.matches("<tr><th scope=\"row\">").count(), 25, "{}", first.html);
    let next = next_link(&first);
    assert!(next.starts_with("/people?q=tolvberg&after="), "{next}");
    let second = browser.get(&next).await;
    assert_eq!(second.html.matches("<tr><th scope=\"row\">").count(), 5, "{}", second.html);
    assert!(!second.html.contains("rel=\"next\""));
    let all: BTreeSet<&str> = [&first, &second]
        .iter()
        .flat_map(|p| p.html.split("href=\"/people/").skip(1).map(|s| s.split('"').next().unwrap()))
        .collect();
    assert_eq!(all.len(), 30);
    // Nothing found, and a query the API refuses.
    let none = browser.get("/people?q=Ingen&lang=en").await;
    assert!(none.html.contains("Nobody in your units matches “Ingen”."), "{}", none.html);
    let long = browser.get(&format!("/people?q={}&lang=en", "x".repeat(201))).await;
    assert_eq!(long.status, 422);
    assert!(long.html.contains("role=\"alert\"") && long.html.contains("aria-invalid=\"true\""));
    assert_clean(&long);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_without_a_session_goes_to_the_sign_in_page() {
    let node = node().await;
    world(&node).await;
    let mut browser = Browser::new(&node);
    for path in [
        "/people".to_string(),
        "/people?q=Tolvansson".to_string(),
        format!("/people/{}", pid(ANNA)),
        format!("/cards/{}", card_id(500)),
        "/reports".to_string(),
        "/reports/stock".to_string(),
        "/reports/stock.svg".to_string(),
        "/reports/stock.csv".to_string(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(
            page.location().starts_with("/sign-in?return=%2F")
                || page.location().starts_with("/sign-in?return=/")
        );
        assert!(!page.html.contains("Tolvansson"), "{path}");
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_offers_the_actions_its_status_and_the_officers_roles_allow() {
    let node = node().await;
    world(&node).await;
    let mut kra = signed_in(&node, KRA, &[Role::Kra]).await;
    let mut manager = signed_in(&node, 22, &[Role::Manager]).await;
    let handed_out = card_id(500);
    let page = kra.get(&format!("/cards/{handed_out}?lang=en")).await;
    assert_clean(&page);
    for action in ["credentials/new", "puk-orders/new", "deregistration", "claim", "return", "move"] {
        assert!(
            page.html.contains(&format!("href=\"/cards/{handed_out}/{action}\"")),
            "{action}: {}",
            page.html
        );
    }
    assert!(!page.html.contains(&format!("/cards/{handed_out}/order\"")));
    assert!(page.html.contains("Handed out") && page.html.contains("9752000500"), "{}", page.html);
    assert!(page.html.contains(&format!("<a href=\"/people/{}\">Anna Tolvansson</a>", pid(ANNA))));
    assert!(page.html.contains("SEK\u{a0}200.00"), "the PUK order: {}", page.html);
    let basis = kra.get(&format!("/cards/{}?lang=en", card_id(504))).await;
    assert!(basis.html.contains(&format!("href=\"/cards/{}/order\"", card_id(504))), "{}", basis.html);
    let returned = kra.get(&format!("/cards/{}?lang=en", card_id(503))).await;
    assert!(returned.html.contains(&format!("href=\"/cards/{}/destruction\"", card_id(503))));

    // A manager reads the card but may do nothing with it; on the person page they may
    // request revocation, nothing else.
    let page = manager.get(&format!("/cards/{handed_out}?lang=en")).await;
    assert_eq!(page.status, 200);
    assert!(!page.html.contains(&format!("/cards/{handed_out}/")), "{}", page.html);
    let anna = pid(ANNA);
    let person = manager.get(&format!("/people/{anna}?lang=en")).await;
    assert!(person.html.contains(&format!("href=\"/revocations/new?person={anna}\"")), "{}", person.html);
    for not in ["/cards/new", "/roles\"", "/function-credentials/new"] {
        assert!(!person.html.contains(&format!("/people/{anna}{not}")), "{not}");
    }
    let person = kra.get(&format!("/people/{anna}?lang=en")).await;
    for link in ["/cards/new", "/function-credentials/new"] {
        assert!(person.html.contains(&format!("href=\"/people/{anna}{link}\"")), "{link}");
    }
    assert!(!person.html.contains(&format!("/people/{anna}/roles")), "a KRA grants no roles");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_a_table_a_chart_and_a_csv_with_the_apis_parameters() {
    let node = node().await;
    world(&node).await;
    let mut kra = signed_in(&node, KRA, &[Role::Kra]).await;
    let page = kra.get("/reports?lang=en").await;
    assert_clean(&page);
    for name in ["reconciliation", "expiring", "limbo", "name-mismatch", "stock", "puk-costs"] {
        assert!(page.html.contains(&format!("href=\"/reports/{name}\"")), "{name}");
    }
    assert!(page.html.contains("R-CRED-6: Credential expiring"), "{}", page.html);

    let page = kra.get("/reports/expiring?lang=en").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("<img src=\"/reports/expiring.svg\" alt=\"Bar chart of"), "{}", page.html);
    assert!(page.html.contains("href=\"/reports/expiring.csv\""), "{}", page.html);
    assert!(page.html.contains("Anna Tolvansson") && page.html.contains("2 rows"), "{}", page.html);
    let svg = kra.get("/reports/expiring.svg").await;
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.html.starts_with("<svg") && !svg.html.contains("<script"), "{}", svg.html);
    let csv = kra.get("/reports/expiring.csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"tillit-expiring-"));
    assert!(csv.html.starts_with("credential,person,name,") && csv.html.contains("Anna Tolvansson"));

    // The API's parameters: a period narrows it; one it refuses is marked on the form.
    let far = today() + Duration::days(20);
    let narrowed = kra.get(&format!("/reports/expiring?lang=en&to={far}&org={}", org(UNIT))).await;
    assert!(
        narrowed.html.contains("1 row") && !narrowed.html.contains("Anna Tolvansson"),
        "{}",
        narrowed.html
    );
    assert!(
        narrowed.html.contains(&format!("/reports/expiring.svg?to={far}&amp;org="))
            || narrowed.html.contains(&format!("/reports/expiring.svg?to={far}&#38;org=")),
        "{}",
        narrowed.html
    );
    let bad = kra.get("/reports/expiring?lang=en&from=yesterday").await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("href=\"#report-from\"") && bad.html.contains("aria-invalid=\"true\""));
    assert!(bad.html.contains("<p lang=\"en\">is not a date (YYYY-MM-DD)</p>"), "{}", bad.html);
    assert_clean(&bad);
    let other = kra.get(&format!("/reports/stock?org={}", org(OTHER_UNIT))).await;
    assert_eq!(other.status, 403, "a unit outside the officer's: {}", other.html);

    // Without a role that grants reports: the list says so, a report is not allowed.
    let mut ora = signed_in(&node, 23, &[Role::Ora]).await;
    let list = ora.get("/reports?lang=en").await;
    assert!(list.html.contains("None of your roles gives access to reports."), "{}", list.html);
    let refused = ora.get("/reports/stock?lang=en").await;
    assert_eq!(refused.status, 403);
    assert!(refused.html.contains("<h1>Not allowed</h1>"), "{}", refused.html);
    assert_clean(&refused);
    node.shutdown().await;
}
