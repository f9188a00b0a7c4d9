//! The RA's reports on known data: each report's rows (R-CARD-8 reconciliation, R-CRED-6
//! expiring with its boundary days, R-PER-5 limbo, R-PER-4 name mismatch, R-RES-1 stock,
//! R-CARD-9 PUK costs), scoped to the caller's subtrees (R-ORG-1), protected identities
//! hidden in JSON, CSV and SVG without the right (R-PER-3), CSV that parses back, SVG that
//! is well-formed XML, problem+json for bad parameters, and the route in the OpenAPI
//! document. The handler is called in-process with the client certificate the TLS gate
//! would hand it (the gate itself is tested in `tls.rs` and `ra_api.rs`).

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use serde_json::Value;
use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::card::{Card, CardEvent, CardKind, CardStatus};
use tillit_core::ra::credential::{
    Certificates, Credential, CredentialEvent, CredentialKind, IdBasis, Serial,
};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Employment, EmploymentKind, Person, PROTECTED};
use tillit_core::ra::policy::Policy;
use tillit_core::ra::puk::{MailTo, PukEvent, PukOrder};
use tillit_core::ra::reserve::{Bundle, BundleId, BundleStatus, ReserveCard, ReserveStatus, SerialRange};
use tillit_core::ra::role::{Grant, Role};
use tillit_core::ra::{CardId, CredentialId, GrantId, OrgId, PersonId, PukOrderId};
use tillit_server::routines::kinds::Kept;
use tillit_server::tls::ClientCert;
use time::macros::date;
use time::{Date, Duration};
use tower::ServiceExt as _;
use uuid::Uuid;

use super::p256_csr;

const K: u128 = 1;
const A: u128 = 2;
const B: u128 = 3;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn org(n: u128, parent: Option<u128>, kind: OrgKind, name: &str) -> Org {
    Org {
        id: OrgId(id(n)),
        parent: parent.map(|p| OrgId(id(p))),
        kind,
        name: name.into(),
        org_number: None,
        hr_code: Some(format!("U{n}")),
    }
}

/// A valid personnummer for the n-th person.
fn pnr(n: u32) -> String {
    let nine = format!("8002{:02}{:03}", 1 + n % 28, 100 + n);
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0') * if k % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    format!("19{nine}{}", (10 - sum % 10) % 10)
}

fn person(n: u128, family: &str, unit: u128, end: Option<Date>, protected: bool) -> Person {
    Person {
        id: PersonId(id(n)),
        national_id: NationalId::parse(
            Country::Se,
            &pnr(n as u32),
            &ParseOptions::new(date!(2026 - 01 - 01)),
        )
        .unwrap(),
        given_names: "Anna".into(),
        family_name: family.into(),
        preferred_name: None,
        hsa_id: None,
        email: Some(format!("{}@example.org", family.to_lowercase())),
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(id(unit)),
            kind: EmploymentKind::Employment,
            start: date!(2024 - 01 - 01),
            end,
        }],
        licensed_title: None,
        protected,
        name_checked: None,
    }
}

fn card(n: u128, holder: u128, unit: u128, status: CardStatus) -> Card {
    let mut c = Card::created(&CardEvent::ReplacementOrdered {
        card: CardId(id(n)),
        replaces: CardId(id(n + 50_000)),
        person: PersonId(id(holder)),
        org: OrgId(id(unit)),
        kind: CardKind::Sis,
        on: date!(2025 - 01 - 01),
    })
    .unwrap();
    c.status = status;
    c
}

fn credential(n: u128, holder: u128, serial: &str, not_after: Date) -> Credential {
    let (credential, person, card) =
        (CredentialId(id(n)), PersonId(id(holder)), Some(CardId(id(n + 60_000))));
    let mut c = Credential::created(&CredentialEvent::OrderBasisCreated {
        credential,
        person,
        card,
        kind: CredentialKind::CardPair,
        basis: IdBasis::HsaId,
        valid_until: not_after,
        code_expires: date!(2025 - 01 - 10),
        download_code_ref: "code-ref".into(),
    })
    .unwrap();
    c.apply(&CredentialEvent::Issued {
        credential,
        person,
        card,
        certificates: Certificates::Pair {
            authentication: Serial::parse("serial", serial).unwrap(),
            signing: Serial::parse("serial", &format!("{serial}5")).unwrap(),
        },
        not_after,
        on: date!(2025 - 01 - 01),
    });
    c
}

fn puk(n: u128, holder: u128, unit: u128, on: Date, policy: &Policy) -> PukOrder {
    PukOrder::created(&PukEvent::Ordered {
        order: PukOrderId(id(n)),
        card: CardId(id(n + 70_000)),
        person: PersonId(id(holder)),
        unit: OrgId(id(unit)),
        cost_ore: policy.puk_cost_ore,
        mail_to: MailTo::Registered,
        expected: on,
        officer: PersonId(id(900)),
        on,
    })
    .unwrap()
}

async fn insert<T: Kept>(tx: &mut tillit_store::Tx<'_>, state: T, unit: u128, policy: &Policy) {
    tx.insert_record(&state.new_record(Some(OrgId(id(unit))), policy)).await.unwrap();
}

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn rows(&self) -> Vec<Value> {
        assert_eq!(self.status, 200, "{}", self.body);
        self.json()["rows"].as_array().unwrap().clone()
    }
}

async fn get(app: &Router, serial: &str, uri: &str, accept: Option<&str>) -> Answer {
    let mut request = Request::builder().uri(uri);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let request = request
        .extension(ClientCert { serial: serial.into(), subject: "CN=test".into(), der: Vec::new() })
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 10 << 20).await.unwrap();
    Answer { status, content_type, body: String::from_utf8(body.to_vec()).unwrap() }
}

/// Checks that `text` is well-formed XML: tags nest and close, attribute and text content
/// hold no bare `<` or `&`.
fn well_formed(text: &str) -> Result<(), String> {
    let mut open: Vec<String> = Vec::new();
    let mut rest = text.trim();
    let entity = |s: &str| ["amp;", "lt;", "gt;", "quot;", "apos;"].iter().any(|e| s.starts_with(e));
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            return Err(format!("text after the root: {rest:?}"));
        };
        let content = &rest[..lt];
        for (i, _) in content.match_indices('&') {
            if !entity(&content[i + 1..]) {
                return Err(format!("bare & in {content:?}"));
            }
        }
        if lt > 0 && open.is_empty() {
            return Err(format!("text outside the root: {content:?}"));
        }
        let after = &rest[lt + 1..];
        let gt = after.find('>').ok_or("unclosed tag")?;
        let tag = &after[..gt];
        if tag.contains('<') {
            return Err(format!("< inside a tag: {tag:?}"));
        }
        for (i, _) in tag.match_indices('&') {
            if !entity(&tag[i + 1..]) {
                return Err(format!("bare & in tag {tag:?}"));
            }
        }
        if tag.starts_with('?') || tag.starts_with('!') {
        } else if let Some(name) = tag.strip_prefix('/') {
            let top = open.pop().ok_or(format!("</{name}> closes nothing"))?;
            if top != name.trim() {
                return Err(format!("</{name}> closes <{top}>"));
            }
            if open.is_empty() && !after[gt + 1..].trim().is_empty() {
                return Err("content after the root element".into());
            }
        } else {
            let name = tag.split_whitespace().next().unwrap_or_default().trim_end_matches('/').to_string();
            if name.is_empty() {
                return Err("empty tag".into());
            }
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        rest = &after[gt + 1..];
    }
    if open.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {open:?}"))
    }
}

fn assert_svg(answer: &Answer, hidden: &[&str]) {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "image/svg+xml");
    let svg = &answer.body;
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    assert!(svg.contains("<title id=\"chart-title\">") && svg.contains("<desc id=\"chart-desc\">"), "{svg}");
    assert!(!svg.to_lowercase().contains("<script") && !svg.contains("href"), "{svg}");
    well_formed(svg).unwrap_or_else(|e| panic!("{e}:\n{svg}"));
    for h in hidden {
        assert!(!svg.contains(h), "{h} in {svg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_on_known_data_scoped_and_redacted() {
    let server = super::start().await;
    let state = server.state.clone();
    let store = &state.store;
    let policy = Policy::default();
    let today = time::OffsetDateTime::now_utc().date();
    let days = |n: i64| today + Duration::days(n);
    let tmp = tempfile::tempdir().unwrap();
    let actor = Actor::system("test");

    // Certificates: the officers' client certificates, and three card credentials' subjects.
    let officer_csr = p256_csr(tmp.path(), "officer");
    let officers = state
        .ca
        .issue_batch(
            &actor,
            "ca",
            vec![
                tillit_server::ca::CsrRequest { profile: "function".into(), csr: officer_csr, days: Some(2) };
                4
            ],
        )
        .await
        .unwrap();
    let subject_serial = |cn: &str| {
        let csr = p256_csr(tmp.path(), cn);
        let state = state.clone();
        let actor = actor.clone();
        async move { state.ca.issue_from_csr(&actor, "ca", "function", &csr, Some(2)).await.unwrap().serial }
    };
    let wrong_name = subject_serial("Anna Felnamn").await;
    let right_name = subject_serial("Anna Tolvansson").await;
    let protected_wrong = subject_serial("Anna Fel").await;

    // K (1) with units A (2) and B (3).
    let mut tx = store.begin().await.unwrap();
    for o in [
        org(K, None, OrgKind::Organisation, "Kommunen"),
        org(A, Some(K), OrgKind::Unit, "Avdelning A"),
        org(B, Some(K), OrgKind::Unit, "Avdelning B"),
    ] {
        tx.insert_org(&o).await.unwrap();
    }
    let ended = Some(date!(2025 - 12 - 31));
    for p in [
        person(10, "Lämnat", A, ended, false),
        person(11, "Tolvansson", A, None, false),
        person(12, "Borta", A, None, false),
        person(13, "Bsson", B, Some(date!(2025 - 06 - 30)), false),
        person(14, "Hemlig", A, ended, true),
        person(15, "Flyttad", B, None, false),
    ] {
        tx.insert_person(&p).await.unwrap();
    }
    tx.remove_person(PersonId(id(12))).await.unwrap();
    // Officers: KRA on A; KRA and KUR on A; KRA on B; a manager on A (no reports right).
    let grants: [(u128, &[Role], u128); 4] = [
        (20, &[Role::Kra], A),
        (21, &[Role::Kra, Role::Kur], A),
        (22, &[Role::Kra], B),
        (23, &[Role::Manager], A),
    ];
    for (i, (n, roles, scope)) in grants.iter().enumerate() {
        tx.insert_person(&person(*n, "Officer", *scope, None, false)).await.unwrap();
        for (k, role) in roles.iter().enumerate() {
            let grant = Grant {
                id: GrantId(id(300 + 10 * *n + k as u128)),
                person: PersonId(id(*n)),
                role: *role,
                scope: OrgId(id(*scope)),
            };
            tx.insert_grant(&grant, &serde_json::json!({})).await.unwrap();
        }
        tx.bind_principal(&officers[i].serial, PersonId(id(*n))).await.unwrap();
    }
    // Cards (R-CARD-8): left (10), in order (11), holder removed (12), left in B (13),
    // protected and left, with a reserve card too (14), a card of A for someone in B (15),
    // and a card still on its way (pending: ignored).
    for (n, holder, unit) in
        [(110, 10, A), (111, 11, A), (112, 12, A), (113, 13, B), (114, 14, A), (115, 15, A)]
    {
        insert(&mut tx, card(n, holder, unit, CardStatus::InUse), unit, &policy).await;
    }
    insert(&mut tx, card(116, 10, A, CardStatus::Delivered), A, &policy).await;
    // Reserve stock (R-RES-1): A has 3 in the safe and 20 on order; B has 12.
    let bundle = |n: u128, first: u64, last: u64, status| Bundle {
        id: BundleId(id(n)),
        serials: SerialRange { first, last },
        status,
        ordered_on: date!(2025 - 01 - 01),
        received_on: (status == BundleStatus::Received).then_some(date!(2025 - 01 - 10)),
    };
    insert(&mut tx, bundle(500, 1, 5, BundleStatus::Received), A, &policy).await;
    insert(&mut tx, bundle(501, 100, 119, BundleStatus::Ordered), A, &policy).await;
    insert(&mut tx, bundle(502, 200, 211, BundleStatus::Received), B, &policy).await;
    for serial in 1..=3u64 {
        insert(
            &mut tx,
            ReserveCard::stocked(CardId(id(600 + u128::from(serial))), BundleId(id(500)), serial),
            A,
            &policy,
        )
        .await;
    }
    for serial in 200..=211u64 {
        insert(
            &mut tx,
            ReserveCard::stocked(CardId(id(600 + u128::from(serial))), BundleId(id(502)), serial),
            B,
            &policy,
        )
        .await;
    }
    let reserve = ReserveCard {
        status: ReserveStatus::HandedOut,
        holder: Some(PersonId(id(14))),
        unit: Some(OrgId(id(A))),
        handed_out: Some(date!(2025 - 11 - 01)),
        ..ReserveCard::stocked(CardId(id(604)), BundleId(id(500)), 4)
    };
    insert(&mut tx, reserve, A, &policy).await;
    // Credentials (R-CRED-6, R-PER-4, R-PER-5).
    let credentials = [
        (201, 11, wrong_name.as_str(), days(45), A),
        (202, 11, "f002", days(46), A),
        (203, 14, protected_wrong.as_str(), today, A),
        (204, 11, "f004", days(-1), A),
        (205, 13, "f005", days(10), B),
        (206, 12, "f006", days(100), A),
        (207, 11, right_name.as_str(), days(200), A),
    ];
    for (n, holder, serial, not_after, unit) in credentials {
        insert(&mut tx, credential(n, holder, serial, not_after), unit, &policy).await;
    }
    // PUK orders (R-CARD-9): three in A this quarter, one in A the quarter before, one in B.
    let quarter = tillit_server::reports::period(
        tillit_server::reports::ReportKind::PukCosts,
        None,
        None,
        today,
        &policy,
    )
    .unwrap();
    let quarter_start = quarter.from.unwrap();
    for (n, unit, on) in [
        (401, A, today),
        (402, A, quarter_start),
        (403, A, today),
        (404, A, quarter_start - Duration::days(1)),
        (405, B, today),
    ] {
        insert(&mut tx, puk(n, 11, unit, on, &policy), unit, &policy).await;
    }
    tx.commit().await.unwrap();

    let (router, openapi) = tillit_server::reports::routes().split_for_parts();
    let app = router.with_state(state.clone());
    let doc = serde_json::to_value(&openapi).unwrap();
    let path = &doc["paths"]["/api/v1/reports/{report}"]["get"];
    let params: Vec<&str> =
        path["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(params, ["report", "format", "from", "to", "org"], "{path}");
    let (kra_a, kur_a, kra_b, manager) = (
        officers[0].serial.as_str(),
        officers[1].serial.as_str(),
        officers[2].serial.as_str(),
        officers[3].serial.as_str(),
    );
    let uuid = |n: u128| id(n).to_string();
    let field = |rows: &[Value], key: &str| -> Vec<String> {
        rows.iter().map(|r| r[key].as_str().unwrap().to_string()).collect()
    };

    // ---- reconciliation (R-CARD-8) ----
    let rows = get(&app, kra_a, "/api/v1/reports/reconciliation", None).await.rows();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["card"].as_str().unwrap().into(),
                r["problem"].as_str().unwrap().into(),
                r["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = |card: u128, problem: &str, name: &str| (uuid(card), problem.to_string(), name.to_string());
    assert_eq!(
        got,
        vec![
            want(110, "no_employment", "Anna Lämnat"),
            want(112, "no_employment", "Anna Borta"),
            want(114, "no_employment", PROTECTED),
            want(114, "several_cards", PROTECTED),
            want(604, "no_employment", PROTECTED),
            want(604, "several_cards", PROTECTED),
            want(115, "other_unit", "Anna Flyttad"),
        ],
        "{rows:#?}"
    );
    let detail = |card: u128| {
        rows.iter().find(|r| r["card"] == uuid(card)).unwrap()["detail"].as_str().unwrap().to_string()
    };
    assert_eq!(detail(110), "employment ended 2025-12-31");
    assert_eq!(detail(112), "the holder was removed from the directory");
    // The holder's unit in B is outside the scope: counted, not named (R-ORG-1).
    assert_eq!(detail(115), "the holder's units: 1 outside the report's scope");
    assert_eq!(rows.iter().find(|r| r["card"] == uuid(604)).unwrap()["card_kind"], "reserve");
    let answer = get(&app, kra_a, "/api/v1/reports/reconciliation", None).await;
    assert!(!answer.body.contains("Hemlig") && !answer.body.contains("hemlig@"), "{}", answer.body);
    // With the protected-identity right on A, the name shows (R-PER-3).
    let rows = get(&app, kur_a, "/api/v1/reports/reconciliation", None).await.rows();
    assert!(field(&rows, "name").contains(&"Anna Hemlig".to_string()), "{rows:?}");
    // B's officer sees B's cards only (R-ORG-1).
    let rows = get(&app, kra_b, "/api/v1/reports/reconciliation", None).await.rows();
    assert_eq!(field(&rows, "card"), [uuid(113)]);
    // As of a day before the employments ended, the left holders are in order.
    let rows = get(&app, kra_a, "/api/v1/reports/reconciliation?to=2025-06-01", None).await.rows();
    assert!(!field(&rows, "card").contains(&uuid(110)), "{rows:?}");

    // ---- expiring (R-CRED-6): today to 45 days later, both included ----
    let rows = get(&app, kra_a, "/api/v1/reports/expiring", None).await.rows();
    assert_eq!(field(&rows, "credential"), [uuid(203), uuid(201)]);
    assert_eq!(field(&rows, "name"), [PROTECTED, "Anna Tolvansson"]);
    assert_eq!(rows[1]["days_left"], 45);
    let rows = get(&app, kra_a, &format!("/api/v1/reports/expiring?from={}&to={}", days(45), days(46)), None)
        .await
        .rows();
    assert_eq!(field(&rows, "credential"), [uuid(201), uuid(202)]);
    let rows = get(&app, kra_b, "/api/v1/reports/expiring", None).await.rows();
    assert_eq!(field(&rows, "credential"), [uuid(205)]);

    // ---- limbo (R-PER-5) ----
    let rows = get(&app, kra_a, "/api/v1/reports/limbo", None).await.rows();
    assert_eq!(field(&rows, "credential"), [uuid(206)]);
    assert_eq!(rows[0]["removed_on"], today.to_string());
    assert!(get(&app, kra_b, "/api/v1/reports/limbo", None).await.rows().is_empty());

    // ---- name mismatch (R-PER-4) ----
    let rows = get(&app, kra_a, "/api/v1/reports/name-mismatch", None).await.rows();
    assert_eq!(field(&rows, "credential"), [uuid(201), uuid(203)], "{rows:#?}");
    assert_eq!(rows[0]["directory_name"], "Anna Tolvansson");
    assert_eq!(rows[0]["certificate_name"], "Anna Felnamn");
    assert_eq!(rows[0]["options"], "correct_directory; reissue_to_same_card; replace_card");
    assert_eq!(
        (rows[1]["directory_name"].as_str(), rows[1]["certificate_name"].as_str()),
        (Some(PROTECTED), Some(PROTECTED))
    );
    let rows = get(&app, kur_a, "/api/v1/reports/name-mismatch", None).await.rows();
    assert_eq!(rows[1]["certificate_name"], "Anna Fel");

    // ---- stock (R-RES-1) ----
    let rows = get(&app, kra_a, "/api/v1/reports/stock", None).await.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (
            &rows[0]["unit_name"],
            &rows[0]["in_stock"],
            &rows[0]["on_order"],
            &rows[0]["threshold"],
            &rows[0]["low"]
        ),
        (
            &Value::from("Avdelning A"),
            &Value::from(3),
            &Value::from(20),
            &Value::from(10),
            &Value::from(true)
        )
    );
    let rows = get(&app, kra_b, "/api/v1/reports/stock", None).await.rows();
    assert_eq!((&rows[0]["in_stock"], &rows[0]["low"]), (&Value::from(12), &Value::from(false)));

    // ---- PUK costs (R-CARD-9): 200 SEK each, this quarter ----
    let rows = get(&app, kra_a, "/api/v1/reports/puk-costs", None).await.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (&rows[0]["orders"], &rows[0]["total_ore"], &rows[0]["total_sek"]),
        (&Value::from(3), &Value::from(60_000), &Value::from("600.00"))
    );
    let rows = get(&app, kra_b, "/api/v1/reports/puk-costs", None).await.rows();
    assert_eq!((&rows[0]["orders"], &rows[0]["total_sek"]), (&Value::from(1), &Value::from("200.00")));

    // ---- CSV: a header row, parses back, protected names hidden ----
    let answer = get(&app, kra_a, "/api/v1/reports/expiring?format=csv", None).await;
    assert_eq!((answer.status, answer.content_type.as_str()), (200, "text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(answer.body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "credential",
            "person",
            "name",
            "hsa_id",
            "unit",
            "unit_name",
            "card",
            "basis",
            "not_after",
            "days_left"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!((&records[0][0], &records[0][2]), (uuid(203).as_str(), PROTECTED));
    assert!(!answer.body.contains("Hemlig"));
    // The Accept header chooses when `format` is absent.
    let answer = get(&app, kra_a, "/api/v1/reports/reconciliation", Some("text/csv")).await;
    assert_eq!(answer.content_type, "text/csv; charset=utf-8");
    assert!(
        answer.body.starts_with("card,card_kind,person,name,unit,unit_name,problem,detail\n"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(PROTECTED) && !answer.body.contains("Hemlig"));
    let answer = get(&app, kra_b, "/api/v1/reports/limbo?format=csv", None).await;
    assert_eq!(
        answer.body, "credential,person,name,unit,unit_name,card,not_after,removed_on\n",
        "header even with no rows"
    );

    // ---- SVG: well-formed, accessible, no person named ----
    for report in ["reconciliation", "expiring", "limbo", "name-mismatch", "stock", "puk-costs"] {
        let answer = get(&app, kur_a, &format!("/api/v1/reports/{report}?format=svg"), None).await;
        assert_svg(&answer, &["Hemlig", "Tolvansson", "Felnamn", "Anna"]);
    }
    let answer = get(&app, kra_a, "/api/v1/reports/stock", Some("image/svg+xml")).await;
    assert_svg(&answer, &[]);
    assert!(
        answer.body.contains("low-stock threshold 10")
            && answer.body.contains("3 in stock, 20 on order, LOW"),
        "{}",
        answer.body
    );
    let answer = get(&app, kra_a, "/api/v1/reports/puk-costs?format=svg", None).await;
    assert!(answer.body.contains("Avdelning A: 600.00 SEK (3 orders)"), "{}", answer.body);
    assert!(!answer.body.contains("Avdelning B"));

    // ---- refusals ----
    let problem = |answer: Answer, status: u16| {
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (status, "application/problem+json"),
            "{}",
            answer.body
        );
        answer.json()
    };
    let p = problem(get(&app, manager, "/api/v1/reports/expiring", None).await, 403);
    assert_eq!(p["rule"], "R-ORG-1");
    let p = problem(get(&app, kra_a, "/api/v1/reports/expiring?org=U3", None).await, 403);
    assert_eq!(p["rule"], "R-ORG-1");
    for (uri, field) in [
        ("/api/v1/reports/bogus", "report"),
        ("/api/v1/reports/expiring?format=xml", "format"),
        ("/api/v1/reports/expiring?from=2026-13-01", "from"),
        ("/api/v1/reports/expiring?from=2026-06-02&to=2026-06-01", "to"),
        ("/api/v1/reports/limbo?from=2026-06-02", "from"),
        ("/api/v1/reports/stock?to=2026-06-02", "to"),
        ("/api/v1/reports/stock?org=U99", "org"),
    ] {
        let p = problem(get(&app, kra_a, uri, None).await, 422);
        assert_eq!(p["field"], field, "{uri}: {p}");
    }
    // Narrowed to a unit inside the scope: the same rows as the whole scope here.
    let rows = get(&app, kra_a, "/api/v1/reports/stock?org=U2", None).await.rows();
    assert_eq!(rows.len(), 1);
    let rows = get(&app, kra_a, &format!("/api/v1/reports/stock?org={}", uuid(A)), None).await.rows();
    assert_eq!(rows.len(), 1);
    server.shutdown().await;
}
