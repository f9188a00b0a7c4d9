//! The Danish RA at the desk over HTTPS (issue 7; R-RES-4, R-DK-1..3, R-DK-7, R-DK-8,
//! R-IDP-3..6, R-PER-3): a box of key cards ordered with its secrets made and sealed, its
//! print file read back with `pdftotext`, the box received with envelopes discarded; a
//! registration from the rules through the CPR lookup (matched, mismatched, not possible),
//! the second officer at NSIS high, the issue with the user id (the secrets only in
//! `eid_secrets`), R-IDP-4's mailed key card, the passcode letter never before the signed
//! check; authenticators suspended, reactivated, blocked and an account unlocked; a protected
//! person's name and address in no answer; and the authorisation matrix of every endpoint ×
//! every role × inside/outside the office's subtree, with every path in the OpenAPI document.

use std::sync::Arc;

use serde_json::{json, Value};
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::approval::Approval;
use tillit_core::ra::dk::account::Account;
use tillit_core::ra::dk::authenticator::{AuthKind, AuthStatus, Authenticator};
use tillit_core::ra::dk::registration::{Checked, Registration, RegistrationStatus};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::dk::{AccountId, AuthenticatorId, Nsis, RegistrationId};
use tillit_core::ra::org::OrgKind;
use tillit_core::ra::person::{Address, Person};
use tillit_core::ra::proofing::{Delivery, DkDocument, DkSituation, ProofingMethod};
use tillit_core::ra::role::{Permission, Role, ROLES};
use tillit_core::ra::{OrgId, PersonId};
use tillit_pki::secret::keycard::DEFAULT_POSITIONS;
use tillit_pki::secret::{KeyCard, KeyCardSecret, KeyCardSerial, TotpSeed};
use tillit_server::eid::register::{Lookup, LookupFuture, PersonTable, PopulationRegister};
use tillit_server::eid::Eid;
use tillit_server::routines::dk::stock::{envelope_id, SERIAL_BASE};
use tillit_server::routines::dk::{open_sealed, stock_owner};
use tillit_server::routines::kinds::Kept as _;
use tillit_store::eid::SecretPurpose;
use tillit_store::records::Record;
use tillit_store::reports::RecordFilter;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::routines::{key, officer, org, Officer};
use super::tls::{start, Node};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn unit(n: u128) -> String {
    OrgId(Uuid::from_u128(n)).to_string()
}

/// The audit chain of units 2 and 3: their organisation's.
fn chain() -> String {
    OrgId(Uuid::from_u128(1)).to_string()
}

fn address(street: &str) -> Address {
    Address {
        lines: vec![street.into()],
        postal_code: "1550".into(),
        town: "København V".into(),
        country: "DK".into(),
    }
}

/// A Danish citizen in the person table (the embedded population register): no employment.
fn citizen(n: u128, cpr: &str, given: &str, family: &str) -> Person {
    Person {
        id: PersonId(Uuid::from_u128(n)),
        national_id: NationalId::parse(Country::Dk, cpr, &ParseOptions::new(today())).unwrap(),
        given_names: given.into(),
        family_name: family.into(),
        preferred_name: None,
        hsa_id: None,
        email: None,
        mobile: None,
        address: Some(address("Rådhuspladsen 1")),
        delivery_address: None,
        employments: vec![],
        licensed_title: None,
        protected: false,
        name_checked: None,
    }
}

/// The tree (organisation 1 with offices 2 and 3) and `people`.
async fn directory(node: &Node, people: &[&Person]) {
    let mut tx = node.state.store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    for p in people {
        tx.insert_person(p).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// A register that cannot look these CPR numbers up (as a municipality's CPR service that
/// does not know them), the person table otherwise.
#[derive(Debug)]
struct PartialRegister {
    table: PersonTable,
    unknown: Vec<String>,
}

impl PopulationRegister for PartialRegister {
    fn lookup<'a>(&'a self, cpr: &'a NationalId, given: &'a str, family: &'a str) -> LookupFuture<'a> {
        if self.unknown.iter().any(|u| u == cpr.normalised()) {
            return Box::pin(async { Ok(Lookup::not_possible()) });
        }
        self.table.lookup(cpr, given, family)
    }
}

/// Opens the node's eID with a register that does not know `unknown` (before first use).
async fn with_register(node: &Node, unknown: &[&Person]) {
    let mut eid = Eid::open(&node.state.store, &node.state.ca).await.unwrap();
    eid.register = Arc::new(PartialRegister {
        table: PersonTable::new(node.state.store.clone()),
        unknown: unknown.iter().map(|p| p.national_id.normalised().to_string()).collect(),
    });
    node.state.eid.set(eid).unwrap();
}

/// Asserts a 422 refusal naming `rule` and, when given, `field`.
fn refused(answer: (u16, Value), rule: &str, field: Option<&str>) {
    let (status, p) = answer;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["rule"].as_str(), Some(rule), "{p}");
    if let Some(field) = field {
        assert_eq!(p["field"].as_str(), Some(field), "{p}");
    }
}

/// The key card of `item` numbered `serial`, from its sealed secret.
async fn key_card(node: &Node, item: DkItem, serial: u64) -> KeyCard {
    let text = serial.to_string();
    let secret =
        open_sealed(&node.state, &stock_owner(item, &text), SecretPurpose::KeyCard).await.unwrap().unwrap();
    KeyCard::new(
        KeyCardSerial::new(&text).unwrap(),
        KeyCardSecret::from_bytes(&secret).unwrap(),
        DEFAULT_POSITIONS,
    )
    .unwrap()
}

/// A GET answered with raw bytes: status, content type, body.
async fn get_bytes(node: &Node, who: &Officer, path: &str) -> (u16, String, Vec<u8>) {
    let r = who.client.get(node.url("localhost", path)).send().await.unwrap();
    let status = r.status().as_u16();
    let content_type =
        r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, content_type, r.bytes().await.unwrap().to_vec())
}

/// Orders a box and receives it whole: its first serial number.
async fn stocked_box(node: &Node, who: &Officer, item: &str, size: u32, office: u128) -> u64 {
    let (status, b) = who
        .post(
            node,
            "/api/v1/dk/stock/boxes",
            &key(),
            &json!({ "item": item, "size": size, "office": unit(office) }),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let id = b["id"].as_str().unwrap();
    let (status, r) =
        who.post(node, &format!("/api/v1/dk/stock/boxes/{id}/receive"), &key(), &json!({})).await;
    assert_eq!(status, 200, "{r}");
    b["serials"]["first"].as_u64().unwrap()
}

/// The identity-check body for `p` with a passport showing the CPR number.
fn identity(p: &Person, assurance: &str) -> Value {
    json!({
        "cpr": p.national_id.normalised(),
        "given_names": p.given_names,
        "family_name": p.family_name,
        "documents": [{ "kind": "passport", "number": "DK1234567", "carries_cpr": true }],
        "assurance": assurance,
    })
}

fn start_body(p: &Person, office: u128) -> Value {
    json!({ "person": p.id.to_string(), "office": unit(office), "rules_accepted": true })
}

async fn started(node: &Node, who: &Officer, p: &Person) -> String {
    let (status, r) = who.post(node, "/api/v1/dk/registrations", &key(), &start_body(p, 2)).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["status"], "rules_accepted", "{r}");
    format!("/api/v1/dk/registrations/{}", r["id"].as_str().unwrap())
}

fn envelopes(pairs: &[(&str, u64)]) -> Value {
    json!({ "envelopes": pairs.iter().map(|(item, serial)| json!({ "item": item, "serial": serial.to_string() })).collect::<Vec<_>>() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_of_key_cards_ordered_printed_received_and_discarded() {
    let node = start().await;
    directory(&node, &[]).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], 2).await;
    let elsewhere = officer(&node, 23, &[Role::DkRaEmployee], 3).await;
    let store = &node.state.store;
    // The sealing key is opened once per node (scrypt): not part of the order's time.
    node.state.eid().await.unwrap();

    // R-RES-4: 500 key cards, each secret made and sealed in the order's transaction.
    let order = json!({ "item": "key_card", "size": 500, "office": unit(2) });
    let k = key();
    let started = std::time::Instant::now();
    let (status, b) = clerk.post(&node, "/api/v1/dk/stock/boxes", &k, &order).await;
    let took = started.elapsed();
    eprintln!("ordering a box of 500 key cards (secrets made and sealed) took {took:?}");
    assert_eq!(status, 201, "{b}");
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    assert_eq!(b["status"], "ordered");
    assert_eq!(b["printable"], true);
    assert_eq!(
        (b["serials"]["first"].as_u64(), b["serials"]["last"].as_u64()),
        (Some(SERIAL_BASE + 1), Some(SERIAL_BASE + 500))
    );
    assert_eq!(clerk.post(&node, "/api/v1/dk/stock/boxes", &k, &order).await, (201, b.clone()));
    let first = SERIAL_BASE + 1;
    for serial in [first, SERIAL_BASE + 500] {
        assert!(store
            .secret(&stock_owner(DkItem::KeyCard, &serial.to_string()), SecretPurpose::KeyCard)
            .await
            .unwrap()
            .is_some());
    }
    // A size the supplier does not deliver, another office: refused, nothing ordered, no
    // serial number used up.
    refused(
        clerk
            .post(
                &node,
                "/api/v1/dk/stock/boxes",
                &key(),
                &json!({ "item": "key_card", "size": 100, "office": unit(2) }),
            )
            .await,
        "R-RES-4",
        Some("size"),
    );
    let (status, p) = clerk
        .post(
            &node,
            "/api/v1/dk/stock/boxes",
            &key(),
            &json!({ "item": "key_card", "size": 50, "office": unit(3) }),
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-ORG-1")), "{p}");
    let (status, second) = clerk
        .post(
            &node,
            "/api/v1/dk/stock/boxes",
            &key(),
            &json!({ "item": "key_card", "size": 50, "office": unit(2) }),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["serials"]["first"].as_u64(), Some(SERIAL_BASE + 501), "never overlapping: {second}");
    // Another item counts on its own.
    let (_, letters) = clerk
        .post(
            &node,
            "/api/v1/dk/stock/boxes",
            &key(),
            &json!({ "item": "code_display", "size": 50, "office": unit(2) }),
        )
        .await;
    assert_eq!(letters["serials"]["first"].as_u64(), Some(SERIAL_BASE + 1), "{letters}");

    // The supplier's print file while the box is on order: a PDF whose first card shows its
    // serial and its first code; audited.
    let id = b["id"].as_str().unwrap();
    let print = format!("/api/v1/dk/stock/boxes/{id}/print");
    assert_eq!(get_bytes(&node, &elsewhere, &print).await.0, 404);
    let started = std::time::Instant::now();
    let (status, content_type, pdf) = get_bytes(&node, &clerk, &print).await;
    eprintln!("the print file of 500 key cards ({} bytes) took {:?}", pdf.len(), started.elapsed());
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/pdf"),
        "{}",
        String::from_utf8_lossy(&pdf)
    );
    assert!(pdf.starts_with(b"%PDF-"));
    let card = key_card(&node, DkItem::KeyCard, first).await;
    let code = card.code(1).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("box.pdf"), &pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "box.pdf", "-"])
        .current_dir(tmp.path())
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(code.as_str()), "the first code is not on the first page:\n{text}");
            assert!(text.contains(&card.serial().grouped()), "{text}");
        }
        _ => eprintln!("note: pdftotext is not installed; the print file's text is not checked"),
    }
    // The token vendor's file of the code displays: serial and base32 seed.
    let (status, content_type, csv) = get_bytes(
        &node,
        &clerk,
        &format!("/api/v1/dk/stock/boxes/{}/print", letters["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("serial,seed_base32,algorithm,digits,period\n"), "{csv}");
    assert_eq!(csv.lines().count(), 51, "{csv}");
    let seed = open_sealed(
        &node.state,
        &stock_owner(DkItem::CodeDisplay, &first.to_string()),
        SecretPurpose::TotpSeed,
    )
    .await
    .unwrap()
    .unwrap();
    let seed = TotpSeed::from_bytes(&seed).unwrap().to_base32();
    assert_eq!(csv.lines().nth(1), Some(format!("{first},{},SHA1,6,30", seed.as_str()).as_str()), "{csv}");
    // Large-print key cards (R-DK-2) print in large print; media (R-DK-3) as the medium
    // writer's file of serial and passcode.
    for (item, content_type, header) in [
        ("large_print_key_card", "application/pdf", "%PDF-"),
        ("medium", "text/csv; charset=utf-8", "serial,temporary_passcode\n"),
    ] {
        let (status, ordered) = clerk
            .post(
                &node,
                "/api/v1/dk/stock/boxes",
                &key(),
                &json!({ "item": item, "size": 50, "office": unit(2) }),
            )
            .await;
        assert_eq!(status, 201, "{ordered}");
        let path = format!("/api/v1/dk/stock/boxes/{}/print", ordered["id"].as_str().unwrap());
        let (status, got, bytes) = get_bytes(&node, &clerk, &path).await;
        assert_eq!((status, got.as_str()), (200, content_type), "{item}");
        assert!(bytes.starts_with(header.as_bytes()), "{item}: {}", String::from_utf8_lossy(&bytes[..40]));
        if item == "medium" {
            let passcode = open_sealed(
                &node.state,
                &stock_owner(DkItem::Medium, &first.to_string()),
                SecretPurpose::TemporaryPasscode,
            )
            .await
            .unwrap()
            .unwrap();
            let passcode = String::from_utf8(passcode.to_vec()).unwrap();
            let line = format!("{first},{}-{}", &passcode[..5], &passcode[5..]);
            assert_eq!(String::from_utf8(bytes).unwrap().lines().nth(1), Some(line.as_str()));
        }
    }
    let printed = store.audit_entries_after(&chain(), 0, 10_000).await.unwrap();
    let prints: Vec<_> = printed.iter().filter(|e| e.action == "dk.stock.printed").collect();
    assert_eq!(prints.len(), 4, "{prints:?}");
    assert_eq!(prints[0].payload["box"], b["id"]);
    assert_eq!(prints[0].actor, format!("officer:{}", Uuid::from_u128(20)));
    assert!(
        printed.iter().all(|e| !e.payload.to_string().contains(code.as_str())),
        "a code in the audit log"
    );

    // Received: every envelope registered by number; one damaged and one opened discarded at
    // once, their secrets deleted.
    let receive = format!("/api/v1/dk/stock/boxes/{id}/receive");
    assert_eq!(elsewhere.post(&node, &receive, &key(), &json!({})).await.0, 404);
    refused(
        clerk.post(&node, &receive, &key(), &json!({ "damaged": [7] })).await,
        "R-RES-4",
        Some("damaged"),
    );
    let (status, received) =
        clerk.post(&node, &receive, &key(), &json!({ "damaged": [first + 2], "opened": [first + 3] })).await;
    assert_eq!(status, 200, "{received}");
    assert_eq!(received["registered"], 500);
    assert_eq!(received["discarded"], json!([(first + 2).to_string(), (first + 3).to_string()]));
    assert_eq!(received["box"]["status"], "received");
    assert_eq!(received["stock"][0]["in_stock"], 498, "{received}");
    assert_eq!(received["stock"][0]["low"], false, "{received}");
    for (serial, kept) in [(first, true), (first + 2, false), (first + 3, false)] {
        let secret = store
            .secret(&stock_owner(DkItem::KeyCard, &serial.to_string()), SecretPurpose::KeyCard)
            .await
            .unwrap();
        assert_eq!(secret.is_some(), kept, "{serial}");
    }
    let (status, env) = clerk.get(&node, &format!("/api/v1/dk/stock/envelopes/key_card/{}", first + 3)).await;
    assert_eq!(
        (status, env["status"].as_str(), env["discarded"].as_str()),
        (200, Some("discarded"), Some("opened")),
        "{env}"
    );
    assert_eq!(env["id"], envelope_id(DkItem::KeyCard, first + 3).to_string());
    // After receipt the secrets never leave again; the box is not received twice.
    let (status, p) = clerk.get(&node, &print).await;
    assert_eq!((status, p["rule"].as_str()), (409, Some("R-RES-4")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("never leave"), "{p}");
    let (status, p) = clerk.post(&node, &receive, &key(), &json!({})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");

    // An envelope found damaged later: discarded, never handed out; not twice.
    let discard = format!("/api/v1/dk/stock/envelopes/key_card/{}/discard", first + 4);
    assert_eq!(elsewhere.post(&node, &discard, &key(), &json!({ "mark": "damaged" })).await.0, 404);
    let (status, d) = clerk.post(&node, &discard, &key(), &json!({ "mark": "damaged" })).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        (d["envelope"]["status"].as_str(), d["stock"][0]["in_stock"].as_u64()),
        (Some("discarded"), Some(497)),
        "{d}"
    );
    let (status, p) = clerk.post(&node, &discard, &key(), &json!({ "mark": "opened" })).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    assert_eq!(
        clerk
            .post(
                &node,
                "/api/v1/dk/stock/envelopes/key_card/42/discard",
                &key(),
                &json!({ "mark": "opened" })
            )
            .await
            .0,
        404
    );

    // The stock per item, and the campaign check (001 §7).
    let (status, s) = clerk.get(&node, &format!("/api/v1/dk/stock?office={}", unit(2))).await;
    assert_eq!(status, 200, "{s}");
    let items: Vec<&str> =
        s["items"].as_array().unwrap().iter().map(|i| i["item"].as_str().unwrap()).collect();
    assert_eq!(items, ["key_card", "large_print_key_card", "medium", "code_display"], "{s}");
    assert_eq!(
        (s["items"][0]["in_stock"].as_u64(), s["items"][0]["on_order"].as_u64()),
        (Some(497), Some(50)),
        "{s}"
    );
    assert_eq!(s["items"][1]["low"], true, "{s}");
    assert!(s["items"][1]["warning"].as_str().unwrap().starts_with("R-RES-4"), "{s}");
    let (_, s) = clerk
        .get(&node, &format!("/api/v1/dk/stock?office={}&item=key_card&expected_demand=460", unit(2)))
        .await;
    assert_eq!(s["items"][0]["campaign"]["short"], true, "{s}");
    assert!(s["items"][0]["campaign"]["warning"].as_str().unwrap().contains("order boxes now"), "{s}");
    let (_, s) = clerk
        .get(&node, &format!("/api/v1/dk/stock?office={}&item=key_card&expected_demand=100", unit(2)))
        .await;
    assert_eq!(s["items"][0]["campaign"]["short"], false, "{s}");
    assert_eq!(elsewhere.get(&node, &format!("/api/v1/dk/stock?office={}", unit(2))).await.0, 403);
    let (status, p) = clerk.get(&node, &format!("/api/v1/dk/stock?office={}&item=floppy", unit(2))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("item")), "{p}");

    // Lists, a page at a time.
    let envelopes = format!("/api/v1/dk/stock/envelopes?office={}&status=discarded&limit=2", unit(2));
    let (_, page) = clerk.get(&node, &envelopes).await;
    assert_eq!(page["envelopes"].as_array().unwrap().len(), 2, "{page}");
    let (_, rest) = clerk.get(&node, &format!("{envelopes}&after={}", page["next"].as_str().unwrap())).await;
    assert_eq!(rest["envelopes"].as_array().unwrap().len(), 1, "{rest}");
    assert!(rest.get("next").is_none(), "{rest}");
    let (_, some) = clerk
        .get(&node, &format!("/api/v1/dk/stock/envelopes?office={}&item=key_card&limit=3", unit(2)))
        .await;
    assert_eq!(some["envelopes"].as_array().unwrap().len(), 3, "{some}");
    let (_, boxes) = clerk.get(&node, &format!("/api/v1/dk/stock/boxes?office={}&limit=2", unit(2))).await;
    assert_eq!(boxes["boxes"].as_array().unwrap().len(), 2, "{boxes}");
    let (_, rest) = clerk
        .get(
            &node,
            &format!("/api/v1/dk/stock/boxes?office={}&after={}", unit(2), boxes["next"].as_str().unwrap()),
        )
        .await;
    assert_eq!(rest["boxes"].as_array().unwrap().len(), 3, "{rest}");
    let (status, p) = clerk.get(&node, &format!("/api/v1/dk/stock/boxes?office={}&limit=0", unit(2))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("limit")), "{p}");

    // The log verifies, with the low-stock warning of the code displays' receipt absent (they
    // are on order), and every officer signature.
    let report = store.verify_audit(&Default::default()).await.unwrap();
    assert!(report.fault.is_none(), "{report:?}");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_at_the_desk_from_the_rules_to_the_issue() {
    let node = start().await;
    let jens = Person { mobile: None, ..citizen(50, "010190-1235", "Jens Peter", "Hansen") };
    let karen = citizen(51, "020291-1236", "Karen", "Nielsen");
    let ole = citizen(52, "030392-1237", "Ole", "Larsen");
    let unknown = citizen(53, "040493-1238", "Mette", "Jensen");
    let high = citizen(54, "050594-1239", "Anders", "Pedersen");
    let doubted = citizen(55, "060695-1240", "Sofie", "Christensen");
    let blind = citizen(56, "101299-1244", "Poul", "Mortensen");
    directory(&node, &[&jens, &karen, &ole, &unknown, &high, &doubted, &blind]).await;
    with_register(&node, &[&unknown]).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], 2).await;
    let admin = officer(&node, 21, &[Role::DkRaAdmin], 2).await;
    let second = officer(&node, 22, &[Role::DkRaAdmin], 2).await;
    let elsewhere = officer(&node, 23, &[Role::DkRaAdmin], 3).await;
    let store = &node.state.store;

    // The office's stock: 50 key cards (one found damaged), 50 passcode letters.
    let cards = stocked_box(&node, &clerk, "key_card", 50, 2).await;
    let letters = stocked_box(&node, &clerk, "passcode_letter", 50, 2).await;
    let media = stocked_box(&node, &clerk, "medium", 50, 2).await;
    let readers = stocked_box(&node, &clerk, "audio_code_reader", 50, 2).await;
    let (status, _) = clerk
        .post(
            &node,
            &format!("/api/v1/dk/stock/envelopes/key_card/{}/discard", cards + 9),
            &key(),
            &json!({ "mark": "damaged" }),
        )
        .await;
    assert_eq!(status, 200);

    // R-DK-1: nothing starts before the rules are accepted.
    refused(
        clerk
            .post(
                &node,
                "/api/v1/dk/registrations",
                &key(),
                &json!({ "person": jens.id.to_string(), "office": unit(2), "rules_accepted": false }),
            )
            .await,
        "R-DK-1",
        Some("rules_accepted"),
    );
    assert_eq!(elsewhere.post(&node, "/api/v1/dk/registrations", &key(), &start_body(&jens, 2)).await.0, 403);
    let reg = started(&node, &clerk, &jens).await;
    assert_eq!(elsewhere.get(&node, &reg).await.0, 404);

    // The passcode letter is never handed over before the signed identity check (R-DK-1).
    let issue = format!("{reg}/issue");
    let hand_over = envelopes(&[("key_card", cards), ("passcode_letter", letters)]);
    refused(clerk.post(&node, &issue, &key(), &hand_over).await, "R-DK-1", None);
    let (_, letter) =
        clerk.get(&node, &format!("/api/v1/dk/stock/envelopes/passcode_letter/{letters}")).await;
    assert_eq!(letter["status"], "in_stock", "{letter}");

    // The identity check: the CPR number must be the person's; the name is matched by the CPR
    // lookup in the person table; e-mail and mobile go to the person record.
    let check = format!("{reg}/identity");
    let mut body = identity(&jens, "substantial");
    body["cpr"] = json!(karen.national_id.normalised());
    refused(clerk.post(&node, &check, &key(), &body).await, "R-DK-1", Some("cpr"));
    body["cpr"] = json!("310299-1234");
    refused(clerk.post(&node, &check, &key(), &body).await, "R-ID-2", Some("cpr"));
    let mut body = identity(&jens, "substantial");
    body["email"] = json!("jens@example.dk");
    body["mobile"] = json!("+4512345678");
    body["given_names"] = json!("Jens");
    let (status, checked) = clerk.post(&node, &check, &key(), &body).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["cpr_lookup"], "matched");
    assert_eq!(checked["delivery"], "hand_out");
    assert_eq!(checked["registration"]["status"], "identity_checked", "{checked}");
    assert_eq!(checked["registration"]["checked"]["documents"], json!(["passport"]), "{checked}");
    assert!(
        !checked.to_string().contains("DK1234567") && !checked.to_string().contains("Hansen"),
        "{checked}"
    );
    let stored = store.person(jens.id).await.unwrap().unwrap().person;
    assert_eq!(
        (stored.email.as_deref(), stored.mobile.as_deref()),
        (Some("jens@example.dk"), Some("+4512345678"))
    );

    // Issue: not a discarded envelope (R-RES-4), not a number the stock does not have, no
    // passkey yet, no activation code where the office does not enrol them (R-DK-8).
    refused(
        clerk
            .post(&node, &issue, &key(), &envelopes(&[("key_card", cards + 9), ("passcode_letter", letters)]))
            .await,
        "R-RES-4",
        Some("authenticator"),
    );
    refused(
        clerk
            .post(&node, &issue, &key(), &envelopes(&[("key_card", 77), ("passcode_letter", letters)]))
            .await,
        "R-RES-4",
        Some("envelopes[0]"),
    );
    let (status, p) = clerk
        .post(&node, &issue, &key(), &json!({ "envelopes": [{ "item": "key_card", "serial": cards.to_string() }], "enrol": [{ "kind": "passkey" }] }))
        .await;
    assert_eq!(
        (status, p["type"].as_str(), p["field"].as_str()),
        (422, Some("urn:tillit:problem:not-offered"), Some("enrol[0].kind")),
        "{p}"
    );
    refused(
        clerk
            .post(&node, &issue, &key(), &json!({ "envelopes": [{ "item": "key_card", "serial": cards.to_string() }], "enrol": [{ "kind": "activation_code" }] }))
            .await,
        "R-DK-8",
        Some("enrol"),
    );
    // Handed out: the key card and the passcode letter; the user id in the answer.
    let k = key();
    let (status, issued) = clerk.post(&node, &issue, &k, &hand_over).await;
    assert_eq!(status, 200, "{issued}");
    let user_id = issued["user_id"].as_str().unwrap().to_string();
    assert!(user_id.len() == 9 && user_id.bytes().all(|b| b.is_ascii_digit()), "{issued}");
    assert_eq!(issued["registration"]["status"], "issued");
    let hand: Vec<&str> =
        issued["items"].as_array().unwrap().iter().map(|i| i["hand_over"].as_str().unwrap()).collect();
    assert_eq!(hand, ["hand_out", "hand_out"], "{issued}");
    assert!(issued.get("activation_code").is_none(), "{issued}");
    // 48 key cards left, under the threshold of 50: the warning.
    let key_cards = issued["stock"].as_array().unwrap().iter().find(|s| s["item"] == "key_card").unwrap();
    assert_eq!(
        (key_cards["in_stock"].as_u64(), key_cards["low"].as_bool()),
        (Some(48), Some(true)),
        "{issued}"
    );
    assert_eq!(clerk.post(&node, &issue, &k, &hand_over).await, (200, issued.clone()));
    let account = issued["account"].as_str().unwrap().to_string();
    assert_eq!(store.account_of_user_id(&user_id).await.unwrap().as_deref(), Some(account.as_str()));
    // The passcode letter is handed over now, and never twice (R-RES-4).
    let (_, letter) =
        clerk.get(&node, &format!("/api/v1/dk/stock/envelopes/passcode_letter/{letters}")).await;
    assert_eq!(
        (letter["status"].as_str(), letter["holder"].as_str()),
        (Some("handed_out"), Some(jens.id.to_string().as_str())),
        "{letter}"
    );
    let (status, eid) = clerk.get(&node, &format!("/api/v1/dk/persons/{}/eid", jens.id)).await;
    assert_eq!(status, 200, "{eid}");
    assert_eq!(eid["accounts"][0]["user_id"].as_str(), Some(user_id.as_str()), "{eid}");
    assert_eq!(eid["accounts"][0]["status"], "awaiting_activation", "{eid}");
    assert_eq!(eid["accounts"][0]["authenticators"].as_array().unwrap().len(), 2, "{eid}");
    assert_eq!(elsewhere.get(&node, &format!("/api/v1/dk/persons/{}/eid", jens.id)).await.0, 404);

    // The secrets stay in eid_secrets: no code of the key card, no temporary passcode, in any
    // record or audit entry.
    let card = key_card(&node, DkItem::KeyCard, cards).await;
    let codes: Vec<String> =
        (1..=DEFAULT_POSITIONS).map(|p| card.code(p).unwrap().as_str().to_string()).collect();
    let passcode = open_sealed(
        &node.state,
        &stock_owner(DkItem::PasscodeLetter, &letters.to_string()),
        SecretPurpose::TemporaryPasscode,
    )
    .await
    .unwrap()
    .unwrap();
    let passcode = String::from_utf8(passcode.to_vec()).unwrap();
    assert_eq!(passcode.len(), 10);
    let mut texts = Vec::new();
    for kind in ["dk_account", "dk_authenticator", "dk_registration", "dk_stock_box"] {
        let page = store.records_page::<Value>(&RecordFilter::of_kind(kind), None, 10_000).await.unwrap();
        texts.extend(page.records.iter().map(|r| r.state.to_string()));
    }
    texts.extend(
        store.audit_entries_after(&chain(), 0, 10_000).await.unwrap().iter().map(|e| e.payload.to_string()),
    );
    assert!(texts.len() > 100);
    for text in &texts {
        assert!(!text.contains(&passcode), "the temporary passcode in {text}");
        for code in &codes {
            assert!(
                !text.contains(&format!("\"{code}\"")) && !text.contains(&format!(":{code}")),
                "a code in {text}"
            );
        }
    }

    // R-IDP-4: without photo ID the key card is mailed to the register address, never handed
    // out; the passcode letter is handed over.
    let reg = started(&node, &clerk, &karen).await;
    let body = json!({
        "cpr": karen.national_id.normalised(),
        "given_names": "Karen",
        "family_name": "Nielsen",
        "documents": [
            { "kind": "health_insurance_card", "carries_cpr": true },
            { "kind": "tax_assessment", "carries_cpr": true },
        ],
        "assurance": "low",
    });
    let (status, checked) = clerk.post(&node, &format!("{reg}/identity"), &key(), &body).await;
    assert_eq!((status, checked["delivery"].as_str()), (200, Some("mail_to_register_address")), "{checked}");
    let mut hand_over = envelopes(&[("key_card", cards + 1), ("passcode_letter", letters + 1)]);
    hand_over["key_card_delivery"] = json!("hand_out");
    refused(
        clerk.post(&node, &format!("{reg}/issue"), &key(), &hand_over).await,
        "R-IDP-4",
        Some("key_card_delivery"),
    );
    let (status, issued) = clerk
        .post(
            &node,
            &format!("{reg}/issue"),
            &key(),
            &envelopes(&[("key_card", cards + 1), ("passcode_letter", letters + 1)]),
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    let hand: Vec<&str> =
        issued["items"].as_array().unwrap().iter().map(|i| i["hand_over"].as_str().unwrap()).collect();
    assert_eq!(hand, ["mail", "hand_out"], "{issued}");
    let (_, mailed) = clerk.get(&node, &format!("/api/v1/dk/stock/envelopes/key_card/{}", cards + 1)).await;
    assert_eq!(mailed["status"], "mailed", "{mailed}");
    // R-DK-3: a blind citizen hears the rules read aloud, gets the passcode on a numbered
    // medium (never a letter) and an audio code reader, and gives a phone number for keys.
    let (status, reg) = clerk
        .post(
            &node,
            "/api/v1/dk/registrations",
            &key(),
            &json!({ "person": blind.id.to_string(), "office": unit(2), "rules_accepted": true, "read_aloud": true, "blind": true }),
        )
        .await;
    assert_eq!(
        (status, reg["read_aloud"].as_bool(), reg["blind"].as_bool()),
        (201, Some(true), Some(true)),
        "{reg}"
    );
    let reg = format!("/api/v1/dk/registrations/{}", reg["id"].as_str().unwrap());
    let (status, _) =
        clerk.post(&node, &format!("{reg}/identity"), &key(), &identity(&blind, "substantial")).await;
    assert_eq!(status, 200);
    let support = json!({ "key_phone": "+4520304050", "test_call": "succeeded", "passcode_by": "medium" });
    refused(
        clerk
            .post(
                &node,
                &format!("{reg}/issue"),
                &key(),
                &envelopes(&[("audio_code_reader", readers), ("medium", media)]),
            )
            .await,
        "R-DK-3",
        Some("blind"),
    );
    let mut with_letter = envelopes(&[("audio_code_reader", readers), ("passcode_letter", letters + 5)]);
    with_letter["blind"] = support.clone();
    refused(
        clerk.post(&node, &format!("{reg}/issue"), &key(), &with_letter).await,
        "R-DK-3",
        Some("envelopes"),
    );
    let mut hand_over = envelopes(&[("audio_code_reader", readers), ("medium", media)]);
    hand_over["blind"] = support;
    let (status, issued) = clerk.post(&node, &format!("{reg}/issue"), &key(), &hand_over).await;
    assert_eq!(status, 200, "{issued}");
    let kinds: Vec<&str> =
        issued["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["audio_code_reader", "medium"], "{issued}");
    let (_, eid) = clerk.get(&node, &format!("/api/v1/dk/persons/{}/eid", blind.id)).await;
    assert_eq!(
        (eid["accounts"][0]["blind"].as_bool(), eid["accounts"][0]["key_phone"].as_str()),
        (Some(true), Some("+4520304050")),
        "{eid}"
    );

    // R-IDP-5: a name that does not match the CPR number rejects the applicant; nothing is
    // issued.
    let reg = started(&node, &clerk, &ole).await;
    let mut body = identity(&ole, "substantial");
    body["family_name"] = json!("Olsen");
    let (status, rejected) = clerk.post(&node, &format!("{reg}/identity"), &key(), &body).await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["cpr_lookup"], "not_matched");
    assert_eq!(rejected["registration"]["status"], "rejected");
    assert_eq!(
        rejected["registration"]["rejection"],
        json!({ "by": "proofing", "rule": "R-IDP-5", "reason": "mismatch" })
    );
    let (status, p) = clerk
        .post(
            &node,
            &format!("{reg}/issue"),
            &key(),
            &envelopes(&[("key_card", cards + 2), ("passcode_letter", letters + 2)]),
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");

    // No lookup possible: one photo document is not enough (refused, nothing written); with
    // a second document the identity is proofed without a lookup (R-IDP-3).
    let reg = started(&node, &clerk, &unknown).await;
    let (status, p) =
        clerk.post(&node, &format!("{reg}/identity"), &key(), &identity(&unknown, "substantial")).await;
    assert_eq!(
        (status, p["rule"].as_str(), p["field"].as_str()),
        (422, Some("R-IDP-3"), Some("documents")),
        "{p}"
    );
    assert!(p["detail"].as_str().unwrap().contains("no CPR lookup was possible"), "{p}");
    let (_, unchanged) = clerk.get(&node, &reg).await;
    assert_eq!(
        (unchanged["status"].as_str(), unchanged["version"].as_i64()),
        (Some("rules_accepted"), Some(1))
    );
    let mut body = identity(&unknown, "substantial");
    body["documents"].as_array_mut().unwrap().push(json!({ "kind": "health_insurance_card" }));
    let (status, checked) = clerk.post(&node, &format!("{reg}/identity"), &key(), &body).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["cpr_lookup"], "not_possible");
    assert_eq!(checked["registration"]["checked"]["cpr_lookup"], false, "{checked}");
    let (status, cancelled) = clerk.post(&node, &format!("{reg}/cancel"), &key(), &json!({})).await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")), "{cancelled}");

    // NSIS high: a second officer approves (R-DK-8): never the one who checked, always a DK
    // RA administrator; nothing is issued before.
    let reg = started(&node, &admin, &high).await;
    let (status, checked) =
        admin.post(&node, &format!("{reg}/identity"), &key(), &identity(&high, "high")).await;
    assert_eq!(
        (status, checked["registration"]["status"].as_str()),
        (200, Some("awaiting_approval")),
        "{checked}"
    );
    let hand_over = envelopes(&[("key_card", cards + 2), ("passcode_letter", letters + 2)]);
    refused(admin.post(&node, &format!("{reg}/issue"), &key(), &hand_over).await, "R-DK-8", None);
    let approval = format!("{reg}/approval");
    refused(
        admin.post(&node, &approval, &key(), &json!({ "verdict": "approve" })).await,
        "R-DK-8",
        Some("approver"),
    );
    refused(
        clerk.post(&node, &approval, &key(), &json!({ "verdict": "approve" })).await,
        "R-DK-8",
        Some("approver"),
    );
    refused(
        second.post(&node, &approval, &key(), &json!({ "verdict": "reject" })).await,
        "R-DK-8",
        Some("reason"),
    );
    assert_eq!(elsewhere.post(&node, &approval, &key(), &json!({ "verdict": "approve" })).await.0, 404);
    let (status, approved) = second.post(&node, &approval, &key(), &json!({ "verdict": "approve" })).await;
    assert_eq!((status, approved["status"].as_str()), (200, Some("approved")), "{approved}");
    // Jens' envelopes are his: never handed over twice (R-RES-4).
    let (status, p) = admin
        .post(
            &node,
            &format!("{reg}/issue"),
            &key(),
            &envelopes(&[("key_card", cards), ("passcode_letter", letters + 2)]),
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let (status, issued) = admin.post(&node, &format!("{reg}/issue"), &key(), &hand_over).await;
    assert_eq!(status, 200, "{issued}");
    let (_, eid) = admin.get(&node, &format!("/api/v1/dk/persons/{}/eid", high.id)).await;
    assert_eq!(eid["accounts"][0]["assurance"], "high", "{eid}");
    // One rejection rejects.
    let reg = started(&node, &admin, &doubted).await;
    let (status, _) =
        admin.post(&node, &format!("{reg}/identity"), &key(), &identity(&doubted, "high")).await;
    assert_eq!(status, 200);
    let (status, rejected) = second
        .post(
            &node,
            &format!("{reg}/approval"),
            &key(),
            &json!({ "verdict": "reject", "reason": "identity_in_doubt" }),
        )
        .await;
    assert_eq!((status, rejected["status"].as_str()), (200, Some("rejected")), "{rejected}");
    assert_eq!(rejected["rejection"]["by"], "approver", "{rejected}");
    let (status, p) =
        second.post(&node, &format!("{reg}/approval"), &key(), &json!({ "verdict": "approve" })).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let (status, p) = admin
        .post(
            &node,
            &format!("{reg}/issue"),
            &key(),
            &envelopes(&[("key_card", cards + 3), ("passcode_letter", letters + 3)]),
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");

    // Jens' key card: suspended (who asked recorded), reactivated at his request, blocked for
    // good (R-DK-7, R-DK-8).
    let auth = envelope_id(DkItem::KeyCard, cards).to_string();
    let path = |step: &str| format!("/api/v1/dk/authenticators/{auth}/{step}");
    refused(
        clerk.post(&node, &path("suspend"), &key(), &json!({ "reason": "lost", "requester": { "requester": "citizen_in_person", "document_checked": false } })).await,
        "R-DK-7",
        Some("requester"),
    );
    assert_eq!(
        elsewhere
            .post(
                &node,
                &path("suspend"),
                &key(),
                &json!({ "reason": "lost", "requester": { "requester": "ra" } })
            )
            .await
            .0,
        404
    );
    let (status, suspended) = clerk
        .post(
            &node,
            &path("suspend"),
            &key(),
            &json!({ "reason": "lost", "requester": { "requester": "citizen_by_phone", "verified": true } }),
        )
        .await;
    assert_eq!(
        (status, suspended["status"].as_str(), suspended["stop_reason"].as_str()),
        (200, Some("suspended"), Some("lost")),
        "{suspended}"
    );
    refused(
        clerk.post(&node, &path("reactivate"), &key(), &json!({ "requester": { "requester": "ra" } })).await,
        "R-DK-7",
        Some("requester"),
    );
    let (status, back) = clerk
        .post(
            &node,
            &path("reactivate"),
            &key(),
            &json!({ "requester": { "requester": "citizen_in_person", "document_checked": true } }),
        )
        .await;
    assert_eq!((status, back["status"].as_str()), (200, Some("handed_out")), "{back}");
    let (status, blocked) = clerk
        .post(
            &node,
            &path("block"),
            &key(),
            &json!({ "reason": "stolen", "requester": { "requester": "police" } }),
        )
        .await;
    assert_eq!((status, blocked["status"].as_str()), (200, Some("blocked")), "{blocked}");
    let (status, p) = clerk
        .post(
            &node,
            &path("reactivate"),
            &key(),
            &json!({ "requester": { "requester": "citizen_in_person", "document_checked": true } }),
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let (status, got) = clerk.get(&node, &format!("/api/v1/dk/authenticators/{auth}")).await;
    assert_eq!((status, got["status"].as_str()), (200, Some("blocked")), "{got}");
    assert_eq!(elsewhere.get(&node, &format!("/api/v1/dk/authenticators/{auth}")).await.0, 404);

    // Unlocking at the desk (R-DK-8): only a locked account, only with the identity checked.
    let unlock = format!("/api/v1/dk/accounts/{account}/unlock");
    let desk = json!({
        "cpr": jens.national_id.normalised(),
        "given_names": "Jens",
        "family_name": "Hansen",
        "documents": [{ "kind": "driving_licence", "carries_cpr": true }],
    });
    let (status, p) = clerk.post(&node, &unlock, &key(), &desk).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let mut record: Record<Account> = store.record(Account::KIND, &account).await.unwrap().unwrap();
    record.state.locked = true;
    record.state.failures = 5;
    let mut tx = store.begin().await.unwrap();
    tx.update_record(&record).await.unwrap();
    tx.commit().await.unwrap();
    let mut wrong = desk.clone();
    wrong["family_name"] = json!("Jensen");
    let (status, p) = clerk.post(&node, &unlock, &key(), &wrong).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-IDP-5")), "{p}");
    assert!(!p.to_string().contains("Jensen"), "{p}");
    assert_eq!(elsewhere.post(&node, &unlock, &key(), &desk).await.0, 404);
    let (status, unlocked) = clerk.post(&node, &unlock, &key(), &desk).await;
    assert_eq!(status, 200, "{unlocked}");
    assert_eq!(
        (unlocked["locked"].as_bool(), unlocked["failures"].as_u64()),
        (Some(false), Some(0)),
        "{unlocked}"
    );
    assert!(unlocked.get("user_id").is_none());

    // The log verifies; the names read from the documents are nowhere in it.
    let report = store.verify_audit(&Default::default()).await.unwrap();
    assert!(report.fault.is_none(), "{report:?}");
    let entries = store.audit_entries_after(&chain(), 0, 10_000).await.unwrap();
    for name in ["Hansen", "Nielsen", "Olsen", "Jens", user_id.as_str(), "jens@example.dk"] {
        assert!(entries.iter().all(|e| !e.payload.to_string().contains(name)), "{name} in the audit log");
    }
    for action in [
        "dk.registration.issued",
        "dk.authenticator.handed_out",
        "dk.authenticator.mailed",
        "dk.account.opened",
        "dk.account.unlocked",
        "dk.stock.low_stock",
        "dk.registration.approved",
        "dk.registration.approval_rejected",
        "dk.registration.rejected",
        "person.updated",
    ] {
        assert!(entries.iter().any(|e| e.action == action), "no {action}");
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_persons_name_and_address_reach_no_officer_without_the_right() {
    let node = start().await;
    let hidden = Person {
        protected: true,
        address: Some(address("Hemmeligvej 7")),
        ..citizen(60, "070796-1241", "Skjulte", "Beskyttetsen")
    };
    directory(&node, &[&hidden]).await;
    let plain = officer(&node, 30, &[Role::DkRaEmployee], 2).await;
    let kur = officer(&node, 31, &[Role::DkRaEmployee, Role::Kur], 2).await;
    let cards = stocked_box(&node, &kur, "key_card", 50, 2).await;
    let letters = stocked_box(&node, &kur, "passcode_letter", 50, 2).await;
    let mut answers: Vec<String> = Vec::new();

    // Without the protected-identity right: refused, naming no one (R-PER-3).
    let (status, p) = plain.post(&node, "/api/v1/dk/registrations", &key(), &start_body(&hidden, 2)).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    answers.push(p.to_string());

    // With it: the registration; the register marks the person protected, so a delivery
    // address is needed (R-IDP-6) and photo ID.
    let reg = started(&node, &kur, &hidden).await;
    let check = format!("{reg}/identity");
    refused(
        kur.post(&node, &check, &key(), &identity(&hidden, "substantial")).await,
        "R-IDP-6",
        Some("delivery_address"),
    );
    let mut body = identity(&hidden, "substantial");
    body["delivery_address"] =
        json!({ "lines": ["Postboks 99"], "postal_code": "1000", "town": "København K", "country": "DK" });
    let (status, p) = plain.post(&node, &check, &key(), &body).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    answers.push(p.to_string());
    let (status, checked) = kur.post(&node, &check, &key(), &body).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["registration"]["checked"]["situation"], "protected", "{checked}");
    assert!(!checked.to_string().contains("Postboks"), "{checked}");
    let stored = node.state.store.person(hidden.id).await.unwrap().unwrap().person;
    assert_eq!(stored.delivery_address.unwrap().lines, ["Postboks 99"]);
    let hand_over = envelopes(&[("key_card", cards), ("passcode_letter", letters)]);
    let (status, p) = plain.post(&node, &format!("{reg}/issue"), &key(), &hand_over).await;
    assert_eq!(status, 403, "{p}");
    answers.push(p.to_string());
    let (status, issued) = kur.post(&node, &format!("{reg}/issue"), &key(), &hand_over).await;
    assert_eq!(status, 200, "{issued}");
    let auth = envelope_id(DkItem::KeyCard, cards);

    // What the officer without the right may read shows no name, no address, no user id of
    // a protected person; what they may not do is refused without one.
    for path in [
        reg.clone(),
        format!("/api/v1/dk/persons/{}/eid", hidden.id),
        format!("/api/v1/dk/authenticators/{auth}"),
        format!("/api/v1/dk/stock/envelopes/key_card/{cards}"),
        format!("/api/v1/dk/stock?office={}", unit(2)),
    ] {
        let (status, answer) = plain.get(&node, &path).await;
        assert_eq!(status, 200, "{path}: {answer}");
        answers.push(answer.to_string());
    }
    let (_, eid) = plain.get(&node, &format!("/api/v1/dk/persons/{}/eid", hidden.id)).await;
    assert!(eid["accounts"][0].get("user_id").is_none(), "{eid}");
    let (_, eid) = kur.get(&node, &format!("/api/v1/dk/persons/{}/eid", hidden.id)).await;
    assert_eq!(eid["accounts"][0]["user_id"], issued["user_id"], "{eid}");
    for (path, body) in [
        (
            format!("/api/v1/dk/authenticators/{auth}/suspend"),
            json!({ "reason": "lost", "requester": { "requester": "ra" } }),
        ),
        (
            format!("/api/v1/dk/authenticators/{auth}/block"),
            json!({ "reason": "lost", "requester": { "requester": "ra" } }),
        ),
        (format!("{reg}/cancel"), json!({})),
        (
            format!("/api/v1/dk/accounts/{}/unlock", issued["account"].as_str().unwrap()),
            json!({ "cpr": hidden.national_id.normalised(), "given_names": "Skjulte", "family_name": "Beskyttetsen", "documents": [{ "kind": "passport", "carries_cpr": true }] }),
        ),
    ] {
        let (status, answer) = plain.post(&node, &path, &key(), &body).await;
        assert_eq!((status, answer["rule"].as_str()), (403, Some("R-PER-3")), "{path}: {answer}");
        answers.push(answer.to_string());
    }
    for answer in answers.iter().chain(std::iter::once(&issued.to_string())) {
        for secret in ["Skjulte", "Beskyttetsen", "Hemmeligvej", "Postboks"] {
            assert!(!answer.contains(secret), "{secret} in {answer}");
        }
    }
    let entries = node.state.store.audit_entries_after(&chain(), 0, 10_000).await.unwrap();
    for secret in ["Skjulte", "Beskyttetsen", "Hemmeligvej", "Postboks"] {
        assert!(entries.iter().all(|e| !e.payload.to_string().contains(secret)), "{secret} in the audit log");
    }
    node.shutdown().await;
}

/// Every desk endpoint × every role × (inside / outside the role's subtree): allowed (any
/// answer but 401, 403 or 404) exactly when the role grants the endpoint's permissions on the
/// record's office (R-ORG-1): the Swedish roles never reach the Danish desk, whose reads and
/// writes need `dk_stock` or `dk_registration`; a citizen's eID is read with `read_people`,
/// its user id only with `dk_registration`. 0 wrong answers. Every path is in the OpenAPI
/// document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_desk_endpoint_times_every_role_inside_and_outside() {
    use Permission::{DkRegistration, DkStock, ReadPeople};

    let node = start().await;
    let store = &node.state.store;
    let policy = Default::default();
    let people: Vec<Person> = [(1u128, "080897-1242"), (2, "090998-1243")]
        .iter()
        .flat_map(|(n, cpr)| {
            let second = format!("{}{}", &cpr[..7], 1300 + n);
            [citizen(70 + n, cpr, "Jens", "Hansen"), citizen(80 + n, &second, "Lise", "Holm")]
        })
        .collect();
    directory(&node, &people.iter().collect::<Vec<_>>()).await;
    let now = OffsetDateTime::now_utc();
    let someone = PersonId(Uuid::from_u128(999));

    struct Side {
        office: OrgId,
        holder: Person,
        print_box: String,
        in_stock: u64,
        letter: u64,
        discard: u64,
        rules: RegistrationId,
        to_cancel: RegistrationId,
        awaiting: RegistrationId,
        checked: RegistrationId,
        handed: AuthenticatorId,
        suspended: AuthenticatorId,
        to_block: AuthenticatorId,
        account: AccountId,
    }
    let mut sides = Vec::new();
    for (n, u) in [(1u128, 2u128), (2, 3)] {
        let office = OrgId(Uuid::from_u128(u));
        let holder = people.iter().find(|p| p.id.0 == Uuid::from_u128(70 + n)).unwrap().clone();
        let newcomer = people.iter().find(|p| p.id.0 == Uuid::from_u128(80 + n)).unwrap().clone();
        let admin = officer(&node, 40 + n, &[Role::DkRaAdmin], u).await;
        let (status, b) = admin
            .post(
                &node,
                "/api/v1/dk/stock/boxes",
                &key(),
                &json!({ "item": "key_card", "size": 50, "office": office.to_string() }),
            )
            .await;
        assert_eq!(status, 201, "{b}");
        let in_stock = stocked_box(&node, &admin, "key_card", 50, u).await;
        let letter = stocked_box(&node, &admin, "passcode_letter", 50, u).await;
        let mut tx = store.begin().await.unwrap();
        let registration = |id: u128, person: &Person, status: RegistrationStatus| Registration {
            id: RegistrationId(Uuid::from_u128(id)),
            person: person.id,
            office,
            status,
            started_by: someone,
            started_on: today(),
            read_aloud: false,
            blind: false,
            checked: (status != RegistrationStatus::RulesAccepted).then(|| Checked {
                officer: someone,
                method: ProofingMethod::DkPhotoDocument,
                documents: vec![DkDocument::Passport],
                cpr_lookup: true,
                situation: DkSituation::Ordinary,
                delivery: Delivery::HandOut,
                assurance: if status == RegistrationStatus::AwaitingApproval {
                    Nsis::High
                } else {
                    Nsis::Substantial
                },
                on: today(),
            }),
            approval: (status == RegistrationStatus::AwaitingApproval)
                .then(|| Approval::requested(someone, now - Duration::minutes(5))),
            rejection: None,
            account: None,
            issued: vec![],
            ended_on: None,
        };
        let regs = [
            registration(500 + n, &holder, RegistrationStatus::RulesAccepted),
            registration(510 + n, &holder, RegistrationStatus::RulesAccepted),
            registration(520 + n, &holder, RegistrationStatus::AwaitingApproval),
            registration(530 + n, &newcomer, RegistrationStatus::IdentityChecked),
        ];
        for r in &regs {
            tx.insert_record(&r.clone().new_record(Some(office), &policy)).await.unwrap();
        }
        let (mut account, _) = Account::open(
            AccountId(Uuid::from_u128(600 + n)),
            holder.id,
            format!("98765432{n}"),
            Nsis::Substantial,
            false,
            None,
            today(),
        )
        .unwrap();
        account.locked = true;
        account.failures = 5;
        tx.insert_record(&account.clone().new_record(Some(office), &policy)).await.unwrap();
        let held = |id: u128, status: AuthStatus| Authenticator {
            status,
            holder: Some(holder.id),
            account: Some(account.id),
            issued_at: Some(now),
            before_suspension: (status == AuthStatus::Suspended).then_some(AuthStatus::HandedOut),
            ..Authenticator::stocked(
                AuthenticatorId(Uuid::from_u128(id)),
                AuthKind::KeyCard,
                format!("{id}"),
                office,
                false,
                None,
            )
        };
        let auths = [
            held(700 + n, AuthStatus::HandedOut),
            held(710 + n, AuthStatus::Suspended),
            held(720 + n, AuthStatus::HandedOut),
        ];
        for a in &auths {
            tx.insert_record(&a.clone().new_record(Some(office), &policy)).await.unwrap();
        }
        tx.commit().await.unwrap();
        sides.push(Side {
            office,
            holder,
            print_box: b["id"].as_str().unwrap().to_string(),
            in_stock,
            letter,
            discard: in_stock + 1,
            rules: regs[0].id,
            to_cancel: regs[1].id,
            awaiting: regs[2].id,
            checked: regs[3].id,
            handed: auths[0].id,
            suspended: auths[1].id,
            to_block: auths[2].id,
            account: account.id,
        });
    }

    type Case = (&'static str, String, Option<Value>, &'static [Permission]);
    let cases = |s: &Side| -> Vec<Case> {
        let u = s.office.to_string();
        let r = "/api/v1/dk/registrations";
        let a = "/api/v1/dk/authenticators";
        let stop = json!({ "reason": "lost", "requester": { "requester": "police" } });
        let desk = json!({
            "cpr": s.holder.national_id.normalised(), "given_names": "Jens", "family_name": "Hansen",
            "documents": [{ "kind": "passport", "carries_cpr": true }],
        });
        let mut check = desk.clone();
        check["assurance"] = json!("substantial");
        vec![
            (
                "POST",
                "/api/v1/dk/stock/boxes".into(),
                Some(json!({ "item": "medium", "size": 50, "office": u })),
                &[DkStock],
            ),
            ("GET", format!("/api/v1/dk/stock/boxes?office={u}"), None, &[DkStock]),
            ("GET", format!("/api/v1/dk/stock/boxes/{}", s.print_box), None, &[ReadPeople, DkStock]),
            ("GET", format!("/api/v1/dk/stock/boxes/{}/print", s.print_box), None, &[ReadPeople, DkStock]),
            (
                "POST",
                format!("/api/v1/dk/stock/boxes/{}/receive", s.print_box),
                Some(json!({})),
                &[ReadPeople, DkStock],
            ),
            ("GET", format!("/api/v1/dk/stock/envelopes?office={u}"), None, &[DkStock]),
            (
                "GET",
                format!("/api/v1/dk/stock/envelopes/key_card/{}", s.in_stock),
                None,
                &[ReadPeople, DkStock],
            ),
            (
                "POST",
                format!("/api/v1/dk/stock/envelopes/key_card/{}/discard", s.discard),
                Some(json!({ "mark": "damaged" })),
                &[ReadPeople, DkStock],
            ),
            ("GET", format!("/api/v1/dk/stock?office={u}"), None, &[DkStock]),
            (
                "POST",
                r.into(),
                Some(json!({ "person": s.holder.id.to_string(), "office": u, "rules_accepted": true })),
                &[DkRegistration],
            ),
            ("GET", format!("{r}/{}", s.rules), None, &[ReadPeople, DkRegistration]),
            ("POST", format!("{r}/{}/identity", s.rules), Some(check), &[ReadPeople, DkRegistration]),
            (
                "POST",
                format!("{r}/{}/approval", s.awaiting),
                Some(json!({ "verdict": "approve" })),
                &[ReadPeople, DkRegistration],
            ),
            (
                "POST",
                format!("{r}/{}/issue", s.checked),
                Some(envelopes(&[("key_card", s.in_stock), ("passcode_letter", s.letter)])),
                &[ReadPeople, DkRegistration],
            ),
            ("POST", format!("{r}/{}/cancel", s.to_cancel), Some(json!({})), &[ReadPeople, DkRegistration]),
            ("GET", format!("/api/v1/dk/persons/{}/eid", s.holder.id), None, &[ReadPeople]),
            ("GET", format!("{a}/{}", s.handed), None, &[ReadPeople, DkRegistration]),
            ("POST", format!("{a}/{}/suspend", s.handed), Some(stop.clone()), &[ReadPeople, DkRegistration]),
            (
                "POST",
                format!("{a}/{}/reactivate", s.suspended),
                Some(json!({ "requester": { "requester": "citizen_in_person", "document_checked": true } })),
                &[ReadPeople, DkRegistration],
            ),
            ("POST", format!("{a}/{}/block", s.to_block), Some(stop), &[ReadPeople, DkRegistration]),
            (
                "POST",
                format!("/api/v1/dk/accounts/{}/unlock", s.account),
                Some(desk),
                &[ReadPeople, DkRegistration],
            ),
        ]
    };
    let mut wrong = Vec::new();
    let mut asked = 0;
    let mut done = Vec::new();
    for (i, role) in ROLES.into_iter().enumerate() {
        let o = officer(&node, 100 + i as u128, &[role], 2).await;
        for (side, s) in [("inside", &sides[0]), ("outside", &sides[1])] {
            for (method, path, body, needs) in cases(s) {
                let (status, answer) = match &body {
                    Some(b) => o.post(&node, &path, &key(), b).await,
                    None => {
                        let (status, _, bytes) = get_bytes(&node, &o, &path).await;
                        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
                    }
                };
                asked += 1;
                let granted = needs.iter().all(|n| role.permissions().contains(n));
                let expected = side == "inside" && granted;
                let allowed = !matches!(status, 401 | 403 | 404);
                if allowed != expected {
                    wrong.push(format!("{} {method} {path} ({side}): {status} {answer}", role.as_str()));
                }
                if path.ends_with("/eid") && status == 200 {
                    let sees = role.permissions().contains(&DkRegistration);
                    assert_eq!(
                        answer["accounts"][0].get("user_id").is_some(),
                        sees,
                        "{}: {answer}",
                        role.as_str()
                    );
                }
                if (200..300).contains(&status) {
                    let step =
                        path.split('?').next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
                    done.push(step.to_string());
                }
            }
        }
    }
    assert!(asked >= 12 * 2 * 21, "{asked}");
    for step in [
        "boxes",
        "print",
        "receive",
        "discard",
        "identity",
        "approval",
        "issue",
        "cancel",
        "eid",
        "suspend",
        "reactivate",
        "block",
        "unlock",
        "registrations",
    ] {
        assert!(done.iter().any(|d| d == step), "no {step} succeeded: {done:?}");
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));

    let doc: Value =
        reqwest::get(format!("{}/api/openapi.json", node.plain_url())).await.unwrap().json().await.unwrap();
    for (path, method) in [
        ("/api/v1/dk/stock/boxes", "post"),
        ("/api/v1/dk/stock/boxes", "get"),
        ("/api/v1/dk/stock/boxes/{id}", "get"),
        ("/api/v1/dk/stock/boxes/{id}/print", "get"),
        ("/api/v1/dk/stock/boxes/{id}/receive", "post"),
        ("/api/v1/dk/stock/envelopes", "get"),
        ("/api/v1/dk/stock/envelopes/{item}/{serial}", "get"),
        ("/api/v1/dk/stock/envelopes/{item}/{serial}/discard", "post"),
        ("/api/v1/dk/stock", "get"),
        ("/api/v1/dk/registrations", "post"),
        ("/api/v1/dk/registrations/{id}", "get"),
        ("/api/v1/dk/registrations/{id}/identity", "post"),
        ("/api/v1/dk/registrations/{id}/approval", "post"),
        ("/api/v1/dk/registrations/{id}/issue", "post"),
        ("/api/v1/dk/registrations/{id}/cancel", "post"),
        ("/api/v1/dk/persons/{person}/eid", "get"),
        ("/api/v1/dk/authenticators/{id}", "get"),
        ("/api/v1/dk/authenticators/{id}/suspend", "post"),
        ("/api/v1/dk/authenticators/{id}/reactivate", "post"),
        ("/api/v1/dk/authenticators/{id}/block", "post"),
        ("/api/v1/dk/accounts/{id}/unlock", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
    for schema in
        ["OrderBoxBody", "IdentityBody", "IssueBody", "StopBody", "DeskIdentityBody", "IssuedView", "EidView"]
    {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema} missing");
    }
    node.shutdown().await;
}
