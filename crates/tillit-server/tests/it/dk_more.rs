//! The Danish RA over HTTPS beyond the first issuance (issue 7), each action signed by the
//! officer: extra key cards one per request and at most ten a visit (R-DK-5); a forgotten
//! passcode that needs the consequence accepted and records no document (R-DK-6); revocation
//! assistance that stops the account and authenticators and revokes a real certificate at
//! the CA (R-DK-7); pickup instructions from the online order to collection, and the timed
//! job that destroys only expired ones (R-DK-4, R-IDP-6); the reports as JSON, CSV and SVG
//! with no person in them; the authorisation matrix over these endpoints (R-ORG-1, R-PER-3);
//! and every path in the OpenAPI document.
//!
//! The citizens' accounts, authenticators, envelopes, credentials and registrations are
//! written straight into the store: these tests do not depend on the issuance endpoints.

use std::path::Path;

use serde_json::{json, Value};
use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::credential::{
    Certificates, Credential, CredentialKind, CredentialState, IdBasis, Serial,
};
use tillit_core::ra::dk::account::{
    Account, AccountEvent, AccountStatus, BlindSupport, PasscodeBy, TestCall,
};
use tillit_core::ra::dk::authenticator::{AuthEvent, AuthStatus, Authenticator, EnvelopeMark};
use tillit_core::ra::dk::extra::Visit;
use tillit_core::ra::dk::pickup::{Pickup, PickupStatus};
use tillit_core::ra::dk::registration::{Checked, Registration, RegistrationStatus};
use tillit_core::ra::dk::stock::{BoxStatus, DkItem, StockBox};
use tillit_core::ra::dk::{AccountId, Nsis, RegistrationId, StockBoxId};
use tillit_core::ra::org::OrgKind;
use tillit_core::ra::person::{Address, Person};
use tillit_core::ra::policy::Policy;
use tillit_core::ra::proofing::{Delivery, DkDocument, DkSituation, ProofingMethod};
use tillit_core::ra::reserve::SerialRange;
use tillit_core::ra::role::Role;
use tillit_core::ra::{CredentialId, OrgId, PersonId};
use tillit_server::config::MailConfig;
use tillit_server::outbox::Mailer;
use tillit_server::routines::dk::stock::envelope_id;
use tillit_server::routines::kinds::Kept;
use tillit_server::scheduler::{Job, Jobs};
use tillit_store::eid::SecretPurpose;
use tillit_store::records::Record;
use time::macros::date;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::p256_csr;
use super::routines::{key, officer, org, Officer};
use super::tls::{start, Node};

const KOMMUNE: u128 = 1;
const NORD: u128 = 2;
const SYD: u128 = 3;
const RA_MAILBOX: &str = "borgerservice@kommune.example";
/// A document number that must never be stored (R-DK-6).
const FORBIDDEN_NUMBER: &str = "P-DK-55667788";
/// The passport number recorded at a pickup (R-DK-4), never shown.
const PICKUP_PASSPORT: &str = "DK-PAS-20990011";

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn office(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n))
}

fn office_s(n: u128) -> String {
    office(n).to_string()
}

/// A citizen in the population register (tillit's person table), with a register address.
fn citizen(n: u128, cpr: &str, given: &str, family: &str, protected: bool) -> Person {
    Person {
        id: PersonId(Uuid::from_u128(n)),
        national_id: NationalId::parse(Country::Dk, cpr, &ParseOptions::new(date!(2026 - 01 - 01))).unwrap(),
        given_names: given.into(),
        family_name: family.into(),
        preferred_name: None,
        hsa_id: None,
        email: None,
        mobile: None,
        address: Some(Address {
            lines: vec![format!("Hemmeligvej {n}")],
            postal_code: "8000".into(),
            town: "Aarhus".into(),
            country: "DK".into(),
        }),
        delivery_address: None,
        employments: Vec::new(),
        licensed_title: None,
        protected,
        name_checked: None,
    }
}

/// The municipality (1) and its two citizen service offices, Nord (2) and Syd (3), and the
/// citizens.
async fn directory(node: &Node, citizens: &[&Person]) {
    let mut tx = node.state.store.begin().await.unwrap();
    for o in [
        org(KOMMUNE, None, OrgKind::Organisation),
        org(NORD, Some(KOMMUNE), OrgKind::Unit),
        org(SYD, Some(KOMMUNE), OrgKind::Unit),
    ] {
        tx.insert_org(&o).await.unwrap();
    }
    for c in citizens {
        tx.insert_person(c).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn insert<T: Kept>(node: &Node, state: T, org: Option<OrgId>) {
    let record = state.new_record(org, &Policy::default());
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_record(&record).await.unwrap();
    tx.commit().await.unwrap();
}

async fn record<T: Kept>(node: &Node, id: &str) -> Record<T> {
    node.state.store.record::<T>(T::KIND, id).await.unwrap().unwrap()
}

/// An activated account.
fn active_account(n: u128, person: PersonId, large_print: bool, blind: Option<BlindSupport>) -> Account {
    let (mut account, _) = Account::open(
        AccountId(Uuid::from_u128(n)),
        person,
        format!("9{n:08}"),
        Nsis::Substantial,
        large_print,
        blind,
        today(),
    )
    .unwrap();
    account.apply(&AccountEvent::Activated { account: account.id, at: OffsetDateTime::now_utc() });
    account
}

/// An envelope registered in `office`'s stock under the stock's own id for its number.
fn envelope(item: DkItem, serial: u64, at: u128) -> Authenticator {
    Authenticator::stocked(
        envelope_id(item, serial),
        item.kind(),
        serial.to_string(),
        office(at),
        item.large_print(),
        None,
    )
}

/// An envelope handed out to the account's citizen and activated.
fn held(item: DkItem, serial: u64, at: u128, account: &Account) -> Authenticator {
    let mut a = envelope(item, serial, at);
    let now = OffsetDateTime::now_utc();
    a.apply(&AuthEvent::HandedOut {
        authenticator: a.id,
        kind: a.kind,
        serial: a.serial.clone(),
        person: account.person,
        account: account.id,
        officer: PersonId(Uuid::from_u128(999)),
        at: now,
    });
    a.apply(&AuthEvent::Activated { authenticator: a.id, at: now });
    a
}

async fn authenticator(node: &Node, item: DkItem, serial: u64) -> Authenticator {
    record::<Authenticator>(node, &envelope_id(item, serial).to_string()).await.state
}

/// A credential of the citizen with a real certificate from the node's CA.
async fn certificate(node: &Node, person: PersonId, n: u128) -> (CredentialId, String) {
    let dir = tempfile::tempdir().unwrap();
    let csr = p256_csr(dir.path(), &format!("citizen-{n}"));
    let issued =
        node.state.ca.issue_from_csr(&Actor::system("test"), "ca", "function", &csr, Some(1)).await.unwrap();
    let credential = Credential {
        id: CredentialId(Uuid::from_u128(n)),
        person,
        card: None,
        kind: CredentialKind::Function,
        basis: IdBasis::NationalId,
        state: CredentialState::Issued {
            certificates: Certificates::Single { serial: Serial::parse("serial", &issued.serial).unwrap() },
            not_after: today() + Duration::days(1),
            renewal_notified: false,
        },
    };
    insert(node, credential, None).await;
    (CredentialId(Uuid::from_u128(n)), issued.serial)
}

/// The CA's word on a certificate: the RFC 5280 reason when revoked.
async fn revoked(node: &Node, serial: &str) -> Option<u8> {
    let status = node.state.store.certificate_status(serial).await.unwrap().unwrap();
    status.revoked_us.map(|_| status.reason.unwrap_or(0))
}

/// A passport with the CPR number, the name on it as the register has it (the CPR lookup
/// matches).
fn passport(p: &Person) -> Value {
    json!({
        "documents": [{ "kind": "passport", "carries_cpr": true }],
        "name_on_document": { "given_names": p.given_names, "family_name": p.family_name },
    })
}

/// Asserts a refusal (422) naming `rule` and, when given, `field`.
fn refused(answer: (u16, Value), rule: &str, field: Option<&str>) {
    let (status, p) = answer;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["rule"].as_str(), Some(rule), "{p}");
    if let Some(field) = field {
        assert_eq!(p["field"].as_str(), Some(field), "{p}");
    }
}

/// Every file of the data directory (the database and its journal among them) that holds
/// `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// The data directory of the node (where its keystore, database and outbox are).
fn data_dir(node: &Node) -> std::path::PathBuf {
    node.state.ca.keystore().0.to_path_buf()
}

// ---- R-DK-5 ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_key_cards_are_handed_out_one_by_one_at_most_ten_a_visit() {
    let node = start().await;
    let anna = citizen(100, "010190-1234", "Anna Marie", "Jensen", false);
    let bo = citizen(101, "020285-4321", "Bo", "Nielsen", false);
    let carl = citizen(102, "030375-1111", "Carl", "Hansen", false);
    let hemmelig = citizen(105, "060690-4444", "Hemmelig", "Skjultsen", true);
    directory(&node, &[&anna, &bo, &carl, &hemmelig]).await;
    let anna_account = active_account(200, anna.id, false, None);
    let bo_account = active_account(201, bo.id, true, None);
    let mut carl_account = active_account(202, carl.id, false, None);
    carl_account.status = AccountStatus::Suspended;
    let hemmelig_account = active_account(205, hemmelig.id, false, None);
    for a in [&anna_account, &bo_account, &carl_account, &hemmelig_account] {
        insert(&node, a.clone(), None).await;
    }
    for serial in 1001..=1012 {
        insert(&node, envelope(DkItem::KeyCard, serial, NORD), Some(office(NORD))).await;
    }
    let mut opened = envelope(DkItem::KeyCard, 1013, NORD);
    opened.status = AuthStatus::Discarded;
    opened.discarded = Some(EnvelopeMark::Opened);
    insert(&node, opened, Some(office(NORD))).await;
    insert(&node, envelope(DkItem::KeyCard, 2001, SYD), Some(office(SYD))).await;
    insert(&node, envelope(DkItem::LargePrintKeyCard, 3001, NORD), Some(office(NORD))).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], NORD).await;
    let syd = officer(&node, 21, &[Role::DkRaEmployee], SYD).await;
    let kur = officer(&node, 22, &[Role::DkRaEmployee, Role::Kur], NORD).await;

    let visits = |a: &Account| format!("/api/v1/dk/accounts/{}/visits", a.id);
    let open = |identity: Value| json!({ "office": office_s(NORD), "identity": identity });

    // Another office's officer does not serve at this one (R-ORG-1).
    let (status, p) = syd.post(&node, &visits(&anna_account), &key(), &open(passport(&anna))).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-ORG-1")), "{p}");
    // The documents are checked, not recorded: there is no field for a number.
    let mut numbered = passport(&anna);
    numbered["documents"][0]["number"] = json!(FORBIDDEN_NUMBER);
    let (status, p) = clerk.post(&node, &visits(&anna_account), &key(), &open(numbered)).await;
    assert_eq!((status, p["type"].as_str()), (422, Some("urn:tillit:problem:bad-body")), "{p}");
    // Turned away (R-IDP-5, R-IDP-3): recorded, no visit.
    let mut forged = passport(&anna);
    forged["observations"] = json!({ "forgery_suspected": true });
    let mut misnamed = passport(&anna);
    misnamed["name_on_document"]["family_name"] = json!("Jensen-Olsen");
    let mut unlooked = passport(&anna);
    unlooked.as_object_mut().unwrap().remove("name_on_document");
    for (identity, rule, reason) in [
        (forged, "R-IDP-5", "suspected_forgery"),
        (misnamed, "R-IDP-5", "mismatch"),
        (unlooked, "R-IDP-3", "incomplete"),
    ] {
        let (status, a) = clerk.post(&node, &visits(&anna_account), &key(), &open(identity)).await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(a["outcome"], "rejected", "{a}");
        assert_eq!(
            (a["rejection"]["rule"].as_str(), a["rejection"]["reason"].as_str()),
            (Some(rule), Some(reason))
        );
        assert!(a.get("visit").is_none(), "{a}");
    }
    let rejections = node.state.store.entries_with_actions(&["dk.extra.rejected"]).await.unwrap();
    assert_eq!(rejections.len(), 3);
    // A suspended eID gets no key cards (R-DK-7); an unknown account is not found.
    refused(clerk.post(&node, &visits(&carl_account), &key(), &open(passport(&carl))).await, "R-DK-7", None);
    let unknown = format!("/api/v1/dk/accounts/{}/visits", Uuid::from_u128(7));
    assert_eq!(clerk.post(&node, &unknown, &key(), &open(passport(&anna))).await.0, 404);

    // The visit.
    let (status, opened) = clerk.post(&node, &visits(&anna_account), &key(), &open(passport(&anna))).await;
    assert_eq!(status, 201, "{opened}");
    assert_eq!(opened["outcome"], "opened");
    assert_eq!(opened["visit"]["remaining"], 10);
    assert_eq!(opened["visit"]["on"], today().to_string());
    let visit = opened["visit"]["id"].as_str().unwrap().to_string();
    let cards = format!("/api/v1/dk/visits/{visit}/key-cards");

    // From this office's stock only, never an opened envelope (R-RES-4); key cards only.
    let card = |serial: &str| json!({ "serial": serial });
    refused(clerk.post(&node, &cards, &key(), &card("1013")).await, "R-RES-4", Some("authenticator"));
    refused(clerk.post(&node, &cards, &key(), &card("2001")).await, "R-RES-4", Some("authenticator"));
    refused(clerk.post(&node, &cards, &key(), &card("9999")).await, "R-RES-4", Some("serial"));
    refused(clerk.post(&node, &cards, &key(), &card("not a number")).await, "R-RES-4", Some("serial"));
    refused(
        clerk.post(&node, &cards, &key(), &json!({ "serial": "1001", "item": "passcode_letter" })).await,
        "R-DK-5",
        Some("item"),
    );
    // The visit is not Syd's to see.
    assert_eq!(syd.post(&node, &cards, &key(), &card("1001")).await.0, 404);

    // Ten cards, each entered by its number and signed on its own; a retry of one answers
    // the same and hands nothing more out.
    for (i, serial) in (1001..=1010).enumerate() {
        let k = key();
        let body = card(&format!("{}-{:02}", serial / 100, serial % 100));
        let (status, a) = clerk.post(&node, &cards, &k, &body).await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(a["key_card"]["serial"], serial.to_string(), "{a}");
        assert_eq!(a["key_card"]["status"], "handed_out");
        assert_eq!(a["visit"]["remaining"], 9 - i as u64, "{a}");
        if i == 0 {
            assert_eq!(clerk.post(&node, &cards, &k, &body).await, (200, a.clone()));
        }
    }
    // The 11th is refused, and nothing of it is written (R-DK-5).
    let before: Record<Visit> = record(&node, &visit).await;
    refused(clerk.post(&node, &cards, &key(), &card("1011")).await, "R-DK-5", Some("extra_key_cards"));
    let after: Record<Visit> = record(&node, &visit).await;
    assert_eq!((before.version, after.state.issued.len()), (after.version, 10));
    assert_eq!(authenticator(&node, DkItem::KeyCard, 1011).await.status, AuthStatus::InStock);
    for serial in 1001..=1010 {
        let a = authenticator(&node, DkItem::KeyCard, serial).await;
        assert_eq!(
            (a.status, a.holder, a.account),
            (AuthStatus::HandedOut, Some(anna.id), Some(anna_account.id))
        );
    }
    let signed = node.state.store.signed_entries().await.unwrap();
    assert_eq!(signed.iter().filter(|e| e.action == "dk.authenticator.handed_out").count(), 10);
    assert_eq!(signed.iter().filter(|e| e.action == "dk.extra.visit_opened").count(), 1);

    // Bo asked for large-print key cards: a standard one is refused (R-DK-2).
    let (status, bo_visit) = clerk.post(&node, &visits(&bo_account), &key(), &open(passport(&bo))).await;
    assert_eq!(status, 201, "{bo_visit}");
    let bo_cards = format!("/api/v1/dk/visits/{}/key-cards", bo_visit["visit"]["id"].as_str().unwrap());
    refused(clerk.post(&node, &bo_cards, &key(), &card("1012")).await, "R-DK-2", Some("authenticator"));
    let (status, a) = clerk.post(&node, &bo_cards, &key(), &card("3001")).await;
    assert_eq!((status, a["key_card"]["large_print"].as_bool()), (200, Some(true)), "{a}");

    // A protected citizen (R-IDP-6, R-PER-3): served only with the protected-identity right,
    // and with the address new key cards go to given.
    let (status, p) = clerk.post(&node, &visits(&hemmelig_account), &key(), &open(passport(&hemmelig))).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    assert!(!p.to_string().contains("Skjultsen"), "{p}");
    refused(
        kur.post(&node, &visits(&hemmelig_account), &key(), &open(passport(&hemmelig))).await,
        "R-IDP-6",
        Some("delivery_address"),
    );
    let mut with_address = passport(&hemmelig);
    with_address["delivery_address"] = json!(true);
    let (status, a) = kur.post(&node, &visits(&hemmelig_account), &key(), &open(with_address)).await;
    assert_eq!((status, a["outcome"].as_str()), (201, Some("opened")), "{a}");

    // No event names the citizen or carries a document.
    let payloads = node
        .state
        .store
        .entries_with_actions(&["dk.extra.visit_opened", "dk.extra.rejected", "dk.authenticator.handed_out"])
        .await
        .unwrap();
    let text = serde_json::to_string(&payloads.iter().map(|e| &e.payload).collect::<Vec<_>>()).unwrap();
    for secret in ["Jensen", "Nielsen", "Skjultsen", "passport", "010190"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(files_holding(&data_dir(&node), FORBIDDEN_NUMBER.as_bytes()).is_empty());
}

// ---- R-DK-6 ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_passcode_needs_the_consequence_accepted_and_records_no_document() {
    let node = start().await;
    let anna = citizen(100, "010190-1234", "Anna", "Jensen", false);
    let dora = citizen(103, "040480-2222", "Dora", "Lund", false);
    let erik = citizen(104, "050570-3333", "Erik", "Berg", false);
    directory(&node, &[&anna, &dora, &erik]).await;
    let anna_account = active_account(200, anna.id, false, None);
    let blind = BlindSupport {
        key_phone: "+4588776655".into(),
        test_call: TestCall::Succeeded,
        passcode_by: PasscodeBy::Medium,
    };
    let dora_account = active_account(203, dora.id, false, Some(blind));
    let mut erik_account = active_account(204, erik.id, false, None);
    erik_account.status = AccountStatus::Revoked;
    for a in [&anna_account, &dora_account, &erik_account] {
        insert(&node, a.clone(), None).await;
    }
    let owner = anna_account.id.to_string();
    let mut tx = node.state.store.begin().await.unwrap();
    tx.put_secret(&owner, SecretPurpose::Passcode, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for serial in [5001, 5002] {
        insert(&node, envelope(DkItem::PasscodeLetter, serial, NORD), Some(office(NORD))).await;
    }
    insert(&node, envelope(DkItem::PasscodeLetter, 5003, SYD), Some(office(SYD))).await;
    insert(&node, envelope(DkItem::Medium, 6001, NORD), Some(office(NORD))).await;
    let (credential, serial) = certificate(&node, anna.id, 300).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], NORD).await;

    let path = |a: &Account| format!("/api/v1/dk/accounts/{}/forgotten-passcode", a.id);
    let body = |accepted: bool, identity: Value, new: Value| {
        json!({
            "office": office_s(NORD),
            "consequence_accepted": accepted,
            "identity": identity,
            "new_passcode": new,
        })
    };
    let letter = |serial: &str| json!({ "by": "passcode_letter", "serial": serial });

    // Not accepted: refused (R-DK-6), nothing written.
    refused(
        clerk.post(&node, &path(&anna_account), &key(), &body(false, passport(&anna), letter("5001"))).await,
        "R-DK-6",
        Some("consequence_accepted"),
    );
    refused(
        clerk
            .post(&node, &path(&anna_account), &key(), &body(false, passport(&anna), json!({ "by": "sms" })))
            .await,
        "R-DK-6",
        Some("consequence_accepted"),
    );
    let unchanged: Record<Account> = record(&node, &owner).await;
    assert_eq!((unchanged.version, unchanged.state.status), (1, AccountStatus::Active));
    assert!(node.state.store.secret(&owner, SecretPurpose::Passcode).await.unwrap().is_some());
    assert_eq!(authenticator(&node, DkItem::PasscodeLetter, 5001).await.status, AuthStatus::InStock);
    assert_eq!(revoked(&node, &serial).await, None);
    // A document number is refused as an unknown field: it can never be recorded.
    let mut numbered = passport(&anna);
    numbered["documents"][0]["number"] = json!(FORBIDDEN_NUMBER);
    let (status, p) =
        clerk.post(&node, &path(&anna_account), &key(), &body(true, numbered, letter("5001"))).await;
    assert_eq!((status, p["type"].as_str()), (422, Some("urn:tillit:problem:bad-body")), "{p}");
    // By SMS: not offered yet.
    let (status, p) = clerk
        .post(&node, &path(&anna_account), &key(), &body(true, passport(&anna), json!({ "by": "sms" })))
        .await;
    assert_eq!(
        (status, p["type"].as_str(), p["field"].as_str()),
        (501, Some("urn:tillit:problem:not-offered"), Some("new_passcode.by")),
        "{p}"
    );
    // From this office's stock (R-RES-4); a blind citizen gets a medium (R-DK-3); a revoked
    // eID gets nothing (R-DK-7).
    for serial in ["7777", "5003"] {
        refused(
            clerk
                .post(&node, &path(&anna_account), &key(), &body(true, passport(&anna), letter(serial)))
                .await,
            "R-RES-4",
            Some("new_passcode.serial"),
        );
    }
    refused(
        clerk.post(&node, &path(&dora_account), &key(), &body(true, passport(&dora), letter("5002"))).await,
        "R-DK-3",
        Some("new_passcode"),
    );
    refused(
        clerk.post(&node, &path(&erik_account), &key(), &body(true, passport(&erik), letter("5002"))).await,
        "R-DK-7",
        None,
    );
    // Turned away (R-IDP-5): recorded, nothing issued.
    let mut forged = passport(&anna);
    forged["observations"] = json!({ "forgery_suspected": true });
    let (status, a) =
        clerk.post(&node, &path(&anna_account), &key(), &body(true, forged, letter("5001"))).await;
    assert_eq!((status, a["outcome"].as_str()), (200, Some("rejected")), "{a}");
    assert_eq!(record::<Account>(&node, &owner).await.version, 1);

    // Accepted: a new temporary passcode letter handed over, the account awaiting
    // activation without its passcode, the certificate revoked as superseded.
    let k = key();
    let request = body(true, passport(&anna), letter("5001"));
    let (status, a) = clerk.post(&node, &path(&anna_account), &k, &request).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["outcome"], "reissued");
    assert_eq!(a["account_status"], "awaiting_activation");
    assert_eq!(
        (a["passcode_by"].as_str(), a["hand_over"].as_str()),
        (Some("passcode_letter"), Some("hand_out"))
    );
    assert_eq!(a["serial"], "5001");
    assert_eq!(a["credentials"], json!([credential.to_string()]));
    assert_eq!(a["serials"], json!([serial]));
    assert_eq!(clerk.post(&node, &path(&anna_account), &k, &request).await, (200, a.clone()));
    let account: Record<Account> = record(&node, &owner).await;
    assert_eq!(
        (account.state.status, account.state.passcode_set),
        (AccountStatus::AwaitingActivation, false)
    );
    assert!(node.state.store.secret(&owner, SecretPurpose::Passcode).await.unwrap().is_none());
    let handed = authenticator(&node, DkItem::PasscodeLetter, 5001).await;
    assert_eq!((handed.status, handed.account), (AuthStatus::HandedOut, Some(anna_account.id)));
    assert_eq!(revoked(&node, &serial).await, Some(4), "superseded");
    let revoked_credential: Record<Credential> = record(&node, &credential.to_string()).await;
    assert_eq!(revoked_credential.status, "revoked");

    // The blind citizen: a medium.
    let (status, a) = clerk
        .post(
            &node,
            &path(&dora_account),
            &key(),
            &body(true, passport(&dora), json!({ "by": "medium", "serial": "6001" })),
        )
        .await;
    assert_eq!((status, a["passcode_by"].as_str()), (200, Some("medium")), "{a}");

    // The document is recorded nowhere: not in the events, not in any file of the node.
    let entries = node
        .state
        .store
        .entries_with_actions(&[
            "dk.forgotten.passcode_reissued",
            "dk.forgotten.rejected",
            "dk.account.passcode_reset",
            "dk.authenticator.handed_out",
        ])
        .await
        .unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "dk.forgotten.passcode_reissued").count(), 2);
    for e in &entries {
        let text = e.payload.to_string();
        for word in ["passport", "document", "number", "Jensen", "010190"] {
            assert!(!text.contains(word), "{word} in {}: {text}", e.action);
        }
    }
    assert!(files_holding(&data_dir(&node), FORBIDDEN_NUMBER.as_bytes()).is_empty());
}

// ---- R-DK-7 ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_assistance_stops_the_eid_and_revokes_the_certificates() {
    let node = start().await;
    let anna = citizen(100, "010190-1234", "Anna", "Jensen", false);
    let bo = citizen(101, "020285-4321", "Bo", "Nielsen", false);
    let hemmelig = citizen(105, "060690-4444", "Hemmelig", "Skjultsen", true);
    directory(&node, &[&anna, &bo, &hemmelig]).await;
    let anna_account = active_account(200, anna.id, false, None);
    let bo_account = active_account(201, bo.id, false, None);
    let hemmelig_account = active_account(205, hemmelig.id, false, None);
    for a in [&anna_account, &bo_account, &hemmelig_account] {
        insert(&node, a.clone(), None).await;
    }
    for (item, serial, account) in [
        (DkItem::KeyCard, 1101, &anna_account),
        (DkItem::CodeDisplay, 7001, &anna_account),
        (DkItem::PasscodeLetter, 5101, &anna_account),
        (DkItem::KeyCard, 1102, &bo_account),
    ] {
        insert(&node, held(item, serial, NORD, account), Some(office(NORD))).await;
    }
    let (credential, serial) = certificate(&node, anna.id, 300).await;
    let (_, bo_serial) = certificate(&node, bo.id, 301).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], NORD).await;
    let kur = officer(&node, 22, &[Role::DkRaEmployee, Role::Kur], NORD).await;

    let path = |a: &Account| format!("/api/v1/dk/accounts/{}/revocation", a.id);
    let by_phone = json!({ "requester": "citizen_by_phone", "verified": true });
    let request = |patch: Value| {
        let mut body = json!({
            "office": office_s(NORD),
            "action": "suspend",
            "reason": "lost",
            "requester": { "requester": "citizen_by_phone", "verified": true },
        });
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let anna_card = envelope_id(DkItem::KeyCard, 1101).to_string();
    let bo_card = envelope_id(DkItem::KeyCard, 1102).to_string();

    // The requester identified (R-DK-7), something named, only the citizen's own.
    refused(
        clerk
            .post(
                &node,
                &path(&anna_account),
                &key(),
                &request(json!({ "requester": { "requester": "citizen_by_phone", "verified": false }, "passcode": true })),
            )
            .await,
        "R-DK-7",
        Some("requester"),
    );
    refused(
        clerk.post(&node, &path(&anna_account), &key(), &request(json!({}))).await,
        "R-DK-7",
        Some("authenticators"),
    );
    refused(
        clerk
            .post(&node, &path(&anna_account), &key(), &request(json!({ "authenticators": [bo_card] })))
            .await,
        "R-DK-7",
        Some("authenticators"),
    );
    refused(
        clerk
            .post(
                &node,
                &path(&anna_account),
                &key(),
                &request(json!({ "certificates": [Uuid::from_u128(301).to_string()] })),
            )
            .await,
        "R-DK-7",
        Some("certificates"),
    );
    let (status, p) =
        clerk.post(&node, &path(&anna_account), &key(), &request(json!({ "authenticators": "some" }))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("authenticators")), "{p}");
    // A protected citizen is served only with the protected-identity right (R-PER-3); the
    // refusal names no one.
    let (status, p) =
        clerk.post(&node, &path(&hemmelig_account), &key(), &request(json!({ "passcode": true }))).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    assert!(!p.to_string().contains("Skjultsen"), "{p}");
    let (status, p) =
        kur.post(&node, &path(&hemmelig_account), &key(), &request(json!({ "passcode": true }))).await;
    assert_eq!((status, p["account_status"].as_str()), (200, Some("suspended")), "{p}");
    // Nothing of the refused requests was written.
    assert_eq!(record::<Account>(&node, &anna_account.id.to_string()).await.version, 1);
    assert_eq!(revoked(&node, &serial).await, None);

    // Lost key card, by phone: the passcode and the card suspended.
    let (status, a) = clerk
        .post(
            &node,
            &path(&anna_account),
            &key(),
            &request(json!({ "requester": by_phone, "passcode": true, "authenticators": [anna_card] })),
        )
        .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (a["action"].as_str(), a["account_status"].as_str()),
        (Some("suspend"), Some("suspended")),
        "{a}"
    );
    assert_eq!(
        a["authenticators"],
        json!([{ "authenticator": anna_card, "kind": "key_card", "serial": "1101", "status": "suspended" }])
    );
    assert_eq!(a["serials"], json!([]));
    assert_eq!(authenticator(&node, DkItem::CodeDisplay, 7001).await.status, AuthStatus::Active);

    // Stolen, the citizen at the desk: everything revoked, the certificate at the CA too.
    let (status, a) = clerk
        .post(
            &node,
            &path(&anna_account),
            &key(),
            &request(json!({
                "action": "revoke",
                "reason": "stolen",
                "requester": { "requester": "citizen_in_person", "document_checked": true },
                "passcode": true,
                "authenticators": "all",
                "certificates": "all",
            })),
        )
        .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["account_status"], "revoked");
    assert_eq!(a["authenticators"].as_array().unwrap().len(), 3, "{a}");
    assert_eq!(a["credentials"], json!([credential.to_string()]));
    assert_eq!(a["serials"], json!([serial]));
    assert_eq!(revoked(&node, &serial).await, Some(1), "keyCompromise");
    assert_eq!(revoked(&node, &bo_serial).await, None);
    // What sign-in reads: the account and every authenticator stopped.
    let account: Record<Account> = record(&node, &anna_account.id.to_string()).await;
    assert_eq!(account.state.status, AccountStatus::Revoked);
    for (item, serial) in
        [(DkItem::KeyCard, 1101), (DkItem::CodeDisplay, 7001), (DkItem::PasscodeLetter, 5101)]
    {
        assert_eq!(authenticator(&node, item, serial).await.status, AuthStatus::Blocked, "{serial}");
    }
    assert_eq!(authenticator(&node, DkItem::KeyCard, 1102).await.status, AuthStatus::Active);
    // Who asked is a kind, never a name.
    let entries = node.state.store.entries_with_actions(&["dk.revocation.assisted"]).await.unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[2].payload["requester"], "citizen_in_person");
    assert!(entries.iter().all(|e| !e.payload.to_string().contains("Skjultsen")));
}

// ---- R-DK-4, R-IDP-6 ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickups_from_online_order_to_collection_and_expiry() {
    let node = start().await;
    let anna = citizen(100, "010190-1234", "Anna", "Jensen", false);
    let hemmelig = citizen(105, "060690-4444", "Hemmelig", "Skjultsen", true);
    let bo = citizen(101, "020285-4321", "Bo", "Nielsen", false);
    directory(&node, &[&anna, &hemmelig, &bo]).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], NORD).await;
    let kur = officer(&node, 22, &[Role::DkRaEmployee, Role::Kur], NORD).await;
    let syd = officer(&node, 21, &[Role::DkRaEmployee], SYD).await;

    let order = |p: &Person, reason: &str| json!({ "person": p.id.to_string(), "office": office_s(NORD), "reason": reason });
    // Another office's officer orders for no one here; a citizen without protection is not
    // "protected" (R-IDP-6); a protected one is served with the right only (R-PER-3).
    let (status, p) = syd.post(&node, "/api/v1/dk/pickups", &key(), &order(&anna, "abroad")).await;
    assert_eq!(status, 403, "{p}");
    refused(
        clerk.post(&node, "/api/v1/dk/pickups", &key(), &order(&anna, "protected")).await,
        "R-IDP-6",
        Some("reason"),
    );
    let (status, p) = clerk.post(&node, "/api/v1/dk/pickups", &key(), &order(&hemmelig, "protected")).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    assert!(!p.to_string().contains("Skjultsen") && !p.to_string().contains("Hemmeligvej"), "{p}");
    let stranger =
        json!({ "person": Uuid::from_u128(9).to_string(), "office": office_s(NORD), "reason": "abroad" });
    let (status, p) = clerk.post(&node, "/api/v1/dk/pickups", &key(), &stranger).await;
    assert_eq!((status, p["field"].as_str()), (404, Some("person")), "{p}");

    let (status, a) = clerk.post(&node, "/api/v1/dk/pickups", &key(), &order(&anna, "abroad")).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        (a["status"].as_str(), a["ordered_on"].as_str()),
        (Some("ordered"), Some(today().to_string().as_str()))
    );
    let anna_pickup = a["id"].as_str().unwrap().to_string();
    let (status, h) = kur.post(&node, "/api/v1/dk/pickups", &key(), &order(&hemmelig, "protected")).await;
    assert_eq!(status, 201, "{h}");
    let hemmelig_pickup = h["id"].as_str().unwrap().to_string();
    let step = |id: &str, what: &str| format!("/api/v1/dk/pickups/{id}/{what}");

    // Collected only after arrival; arrival only after dispatch.
    refused(clerk.post(&node, &step(&anna_pickup, "arrive"), &key(), &json!({})).await, "R-STATE", None);
    let (status, d) = clerk.post(&node, &step(&anna_pickup, "dispatch"), &key(), &json!({})).await;
    assert_eq!(status, 200, "{d}");
    let expires = (today() + Duration::days(30)).to_string();
    assert_eq!(
        (d["status"].as_str(), d["expires_on"].as_str()),
        (Some("dispatched"), Some(expires.as_str()))
    );
    let passport = |patch: Value| {
        let mut body = json!({
            "document": {
                "kind": "danish_passport",
                "number": PICKUP_PASSPORT,
                "expires": (today() + Duration::days(400)).to_string(),
                "carries_cpr": true,
            },
            "photo_matches": true,
        });
        for (k, v) in patch.as_object().unwrap() {
            body["document"][k] = v.clone();
        }
        body
    };
    refused(
        clerk.post(&node, &step(&anna_pickup, "collect"), &key(), &passport(json!({}))).await,
        "R-STATE",
        None,
    );
    // The office stamps the arrival date: today.
    let (status, d) = clerk.post(&node, &step(&anna_pickup, "arrive"), &key(), &json!({})).await;
    assert_eq!((status, d["arrived_on"].as_str()), (200, Some(today().to_string().as_str())), "{d}");
    // A citizen abroad shows a Danish passport with the CPR number, valid, and is identified
    // against its photo (R-DK-4).
    let collect = step(&anna_pickup, "collect");
    for (patch, field) in [
        (json!({ "kind": "danish_driving_licence" }), "document.kind"),
        (json!({ "carries_cpr": false }), "document.carries_cpr"),
        (json!({ "number": " " }), "document.number"),
        (json!({ "expires": (today() - Duration::days(1)).to_string() }), "document.expires"),
    ] {
        refused(clerk.post(&node, &collect, &key(), &passport(patch)).await, "R-DK-4", Some(field));
    }
    let mut unseen = passport(json!({}));
    unseen["photo_matches"] = json!(false);
    refused(clerk.post(&node, &collect, &key(), &unseen).await, "R-DK-4", Some("photo_matches"));
    let (status, c) = clerk.post(&node, &collect, &key(), &passport(json!({}))).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!((c["status"].as_str(), c["document"].as_str()), (Some("collected"), Some("danish_passport")));
    assert!(!c.to_string().contains(PICKUP_PASSPORT), "{c}");
    // The number is recorded (R-DK-4).
    let collected: Record<Pickup> = record(&node, &anna_pickup).await;
    assert_eq!(collected.state.document.unwrap().number, PICKUP_PASSPORT);

    // The protected citizen's letter: the post-room steps need no right; the hand-over does,
    // and a Danish driving licence is accepted (R-IDP-6).
    for what in ["dispatch", "arrive"] {
        assert_eq!(clerk.post(&node, &step(&hemmelig_pickup, what), &key(), &json!({})).await.0, 200);
    }
    let licence = passport(json!({ "kind": "danish_driving_licence" }));
    let (status, p) = clerk.post(&node, &step(&hemmelig_pickup, "collect"), &key(), &licence).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");

    // The list: names only where the viewer may see them, never an address or the number.
    let list = format!("/api/v1/dk/pickups?office={}", office_s(NORD));
    let (status, page) = clerk.get(&node, &list).await;
    assert_eq!(status, 200, "{page}");
    let rows = page["pickups"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{page}");
    let name_of = |page: &Value, id: &str| {
        page["pickups"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()["name"].clone()
    };
    assert_eq!(name_of(&page, &anna_pickup), "Anna Jensen");
    assert_eq!(name_of(&page, &hemmelig_pickup), "(protected identity)");
    for secret in ["Skjultsen", "Hemmeligvej", PICKUP_PASSPORT, "060690"] {
        assert!(!page.to_string().contains(secret), "{secret} in {page}");
    }
    let (_, seen) = kur.get(&node, &list).await;
    assert_eq!(name_of(&seen, &hemmelig_pickup), "Hemmelig Skjultsen");
    let (_, arrived) = clerk.get(&node, &format!("{list}&status=arrived")).await;
    assert_eq!(arrived["pickups"].as_array().unwrap().len(), 1, "{arrived}");
    let (_, first) = clerk.get(&node, &format!("{list}&limit=1")).await;
    let next = first["next"].as_str().unwrap();
    let (_, second) = clerk.get(&node, &format!("{list}&limit=1&after={next}")).await;
    assert_eq!(second["pickups"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null(), "{second}");
    assert_ne!(first["pickups"][0]["id"], second["pickups"][0]["id"]);
    let (status, p) = clerk.get(&node, &format!("{list}&status=lost")).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("status")), "{p}");
    assert_eq!(syd.get(&node, &list).await.0, 403);

    // The timed job: two more instructions, one dispatched, one still ordered. On the last
    // day to collect nothing goes; the day after, the uncollected ones are destroyed and
    // the collected and ordered ones are left alone; a second run changes nothing.
    let (_, b) = clerk.post(&node, "/api/v1/dk/pickups", &key(), &order(&bo, "abroad")).await;
    let bo_pickup = b["id"].as_str().unwrap().to_string();
    assert_eq!(clerk.post(&node, &step(&bo_pickup, "dispatch"), &key(), &json!({})).await.0, 200);
    let (_, ordered) = clerk.post(&node, "/api/v1/dk/pickups", &key(), &order(&anna, "abroad")).await;
    let ordered = ordered["id"].as_str().unwrap().to_string();
    let mailer = Mailer::from_config(&MailConfig::default(), &data_dir(&node)).unwrap();
    let jobs = Jobs::new(node.state.store.clone(), Policy::default(), mailer, Some(RA_MAILBOX.into()))
        .with_holder("node-a");
    let last_day = today() + Duration::days(30);
    let reports = jobs.run_once(last_day, Some(Job::DkPickupExpiry)).await;
    assert_eq!(reports.len(), 1);
    assert!(reports[0].ran && reports[0].error.is_none(), "{reports:?}");
    assert_eq!(reports[0].changed, 0, "{reports:?}");
    let reports = jobs.run_once(last_day + Duration::days(1), Some(Job::DkPickupExpiry)).await;
    assert_eq!((reports[0].changed, reports[0].notices), (2, 2), "{reports:?}");
    for (id, status) in [
        (&hemmelig_pickup, PickupStatus::Destroyed),
        (&bo_pickup, PickupStatus::Destroyed),
        (&anna_pickup, PickupStatus::Collected),
        (&ordered, PickupStatus::Ordered),
    ] {
        let r: Record<Pickup> = record(&node, id).await;
        assert_eq!(r.state.status, status, "{id}");
    }
    let destroyed: Record<Pickup> = record(&node, &bo_pickup).await;
    assert_eq!(destroyed.state.destroyed_on, Some(last_day + Duration::days(1)));
    let again = jobs.run_once(last_day + Duration::days(2), Some(Job::DkPickupExpiry)).await;
    assert_eq!(again[0].changed, 0, "{again:?}");
    let entries = node.state.store.entries_with_actions(&["dk.pickup.destroyed"]).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.actor == "system:scheduler"), "{entries:?}");
    // The RA is told, by ids and dates: never the citizen.
    let messages = node.state.store.messages(None, 100).await.unwrap();
    let told: Vec<_> = messages.iter().filter(|m| m.topic == "dk_pickup.destroyed").collect();
    assert_eq!(told.len(), 2);
    for m in told {
        assert_eq!(m.recipient, RA_MAILBOX);
        for secret in ["Skjultsen", "Hemmelig", "Nielsen", "Hemmeligvej", "060690"] {
            assert!(!m.body.contains(secret) && !m.subject.contains(secret), "{secret} in {m:?}");
        }
    }
    // A destroyed instruction is collected no more.
    refused(kur.post(&node, &step(&hemmelig_pickup, "collect"), &key(), &licence).await, "R-STATE", None);
}

// ---- reports --------------------------------------------------------------------------------

fn issued_registration(
    n: u128,
    person: PersonId,
    at: u128,
    on: Date,
    assurance: Nsis,
    situation: DkSituation,
) -> Registration {
    let officer = PersonId(Uuid::from_u128(20));
    Registration {
        id: RegistrationId(Uuid::from_u128(n)),
        person,
        office: office(at),
        status: RegistrationStatus::Issued,
        started_by: officer,
        started_on: on,
        read_aloud: false,
        blind: false,
        checked: Some(Checked {
            officer,
            method: ProofingMethod::DkPhotoDocument,
            documents: vec![DkDocument::Passport],
            cpr_lookup: true,
            situation,
            delivery: Delivery::HandOut,
            assurance,
            on,
        }),
        approval: None,
        rejection: None,
        account: Some(AccountId(Uuid::from_u128(n + 1000))),
        issued: Vec::new(),
        ended_on: Some(on),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_issued_eids_stock_and_uncollected_pickups_name_no_one() {
    let node = start().await;
    let anna = citizen(100, "010190-1234", "Anna", "Jensen", false);
    let hemmelig = citizen(105, "060690-4444", "Hemmelig", "Skjultsen", true);
    directory(&node, &[&anna, &hemmelig]).await;
    let day1 = date!(2026 - 03 - 02);
    let day2 = date!(2026 - 03 - 03);
    for (n, person, at, on, level, situation) in [
        (400, anna.id, NORD, day1, Nsis::Substantial, DkSituation::Ordinary),
        (401, hemmelig.id, NORD, day1, Nsis::High, DkSituation::Protected),
        (402, anna.id, NORD, day2, Nsis::Low, DkSituation::Ordinary),
        (403, anna.id, SYD, day1, Nsis::Substantial, DkSituation::Ordinary),
        (404, anna.id, NORD, date!(2026 - 04 - 01), Nsis::Substantial, DkSituation::Ordinary),
    ] {
        insert(&node, issued_registration(n, person, at, on, level, situation), Some(office(at))).await;
    }
    for serial in 8001..=8003 {
        insert(&node, envelope(DkItem::KeyCard, serial, NORD), Some(office(NORD))).await;
    }
    let stock_box = StockBox {
        id: StockBoxId(Uuid::from_u128(500)),
        item: DkItem::PasscodeLetter,
        office: office(SYD),
        serials: SerialRange { first: 90_001, last: 90_050 },
        status: BoxStatus::Ordered,
        ordered_on: today(),
        received_on: None,
    };
    insert(&node, stock_box, Some(office(SYD))).await;
    let admin = officer(&node, 30, &[Role::DkRaAdmin], KOMMUNE).await;
    let kur_admin = officer(&node, 31, &[Role::DkRaAdmin, Role::Kur], KOMMUNE).await;
    let syd_admin = officer(&node, 32, &[Role::DkRaAdmin], SYD).await;
    let clerk = officer(&node, 20, &[Role::DkRaEmployee], NORD).await;
    // A pickup each, dispatched; the protected citizen's arrived.
    let mut pickups = Vec::new();
    for (p, reason) in [(&anna, "abroad"), (&hemmelig, "protected")] {
        let body = json!({ "person": p.id.to_string(), "office": office_s(NORD), "reason": reason });
        let (status, a) = kur_admin.post(&node, "/api/v1/dk/pickups", &key(), &body).await;
        assert_eq!(status, 201, "{a}");
        let id = a["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/dk/pickups/{id}/dispatch");
        assert_eq!(kur_admin.post(&node, &path, &key(), &json!({})).await.0, 200);
        pickups.push(id);
    }
    let path = format!("/api/v1/dk/pickups/{}/arrive", pickups[1]);
    assert_eq!(kur_admin.post(&node, &path, &key(), &json!({})).await.0, 200);

    // Issued per office and day, by level; the period's ends included, outside it left out.
    let (status, r) = admin.get(&node, "/api/v1/dk/reports/issued?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!((r["report"].as_str(), r["rule"].as_str()), (Some("issued"), Some("R-DK-1")));
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{r}");
    assert_eq!(rows[0]["day"], "2026-03-02");
    let nord_day1 = rows.iter().find(|x| x["day"] == "2026-03-02" && x["office"] == office_s(NORD)).unwrap();
    assert_eq!(
        (nord_day1["issued"].as_u64(), nord_day1["substantial"].as_u64(), nord_day1["high"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    let (_, narrowed) = admin
        .get(
            &node,
            &format!("/api/v1/dk/reports/issued?from=2026-03-01&to=2026-03-31&office={}", office_s(SYD)),
        )
        .await;
    assert_eq!(narrowed["rows"].as_array().unwrap().len(), 1, "{narrowed}");
    let r = admin
        .client
        .get(node.url("localhost", "/api/v1/dk/reports/issued?from=2026-03-01&to=2026-03-31&format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "office,office_name,day,issued,low,substantial,high");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].ends_with(",2026-03-02,2,0,1,1") || lines[2].ends_with(",2026-03-02,2,0,1,1"), "{csv}");

    // Stock per office and item, with the low-stock flag (R-RES-4; threshold 50).
    let (status, r) = admin.get(&node, "/api/v1/dk/reports/stock").await;
    assert_eq!(status, 200, "{r}");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{r}");
    let nord = rows.iter().find(|x| x["office"] == office_s(NORD)).unwrap();
    assert_eq!(
        (nord["item"].as_str(), nord["in_stock"].as_u64(), nord["low"].as_bool()),
        (Some("key_card"), Some(3), Some(true))
    );
    let syd = rows.iter().find(|x| x["office"] == office_s(SYD)).unwrap();
    assert_eq!(
        (syd["item"].as_str(), syd["in_stock"].as_u64(), syd["on_order"].as_u64()),
        (Some("passcode_letter"), Some(0), Some(50))
    );
    let (status, p) = admin.get(&node, "/api/v1/dk/reports/stock?from=2026-01-01").await;
    assert_eq!((status, p["field"].as_str()), (422, Some("from")), "{p}");

    // Uncollected pickups: ids and dates, soonest expiry first.
    let (status, r) = admin.get(&node, "/api/v1/dk/reports/uncollected-pickups").await;
    assert_eq!(status, 200, "{r}");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{r}");
    let expires = (today() + Duration::days(30)).to_string();
    assert!(rows.iter().all(|x| x["expires_on"] == expires.as_str() && x["days_left"] == 30), "{r}");
    let statuses: Vec<&str> = rows.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"arrived") && statuses.contains(&"dispatched"), "{r}");
    let (_, later) = admin
        .get(&node, &format!("/api/v1/dk/reports/uncollected-pickups?to={}", today() + Duration::days(31)))
        .await;
    assert!(later["rows"].as_array().unwrap().iter().all(|x| x["expired"] == true), "{later}");

    // SVG charts, with a title and no script.
    for report in ["issued?from=2026-03-01&to=2026-03-31&", "stock?", "uncollected-pickups?"] {
        let r = admin
            .client
            .get(node.url("localhost", &format!("/api/v1/dk/reports/{report}format=svg")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        let svg = r.text().await.unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<title") && !svg.contains("<script"), "{svg}");
    }

    // A protected citizen is in no report, whoever reads it, in no format; and no citizen
    // is named at all.
    for viewer in [&admin, &kur_admin] {
        for report in ["issued?from=2026-03-01&to=2026-03-31&", "stock?", "uncollected-pickups?"] {
            for format in ["json", "csv", "svg"] {
                let r = viewer
                    .client
                    .get(node.url("localhost", &format!("/api/v1/dk/reports/{report}format={format}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let text = r.text().await.unwrap();
                for secret in [
                    "Skjultsen",
                    "Hemmelig",
                    "Jensen",
                    "Hemmeligvej",
                    "060690",
                    "010190",
                    hemmelig.id.to_string().as_str(),
                    anna.id.to_string().as_str(),
                ] {
                    assert!(!text.contains(secret), "{secret} in {report}{format}: {text}");
                }
            }
        }
    }

    // Permission `reports` on the office (R-ORG-1).
    let (status, p) = clerk.get(&node, "/api/v1/dk/reports/stock").await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-ORG-1")), "{p}");
    let (status, _) =
        syd_admin.get(&node, &format!("/api/v1/dk/reports/stock?office={}", office_s(NORD))).await;
    assert_eq!(status, 403);
    let (_, own) = syd_admin.get(&node, "/api/v1/dk/reports/stock").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1, "{own}");
    let (status, p) = admin.get(&node, "/api/v1/dk/reports/nothing").await;
    assert_eq!((status, p["field"].as_str()), (422, Some("report")), "{p}");
    let (status, p) = admin.get(&node, "/api/v1/dk/reports/issued?format=pdf").await;
    assert_eq!((status, p["field"].as_str()), (422, Some("format")), "{p}");
}

// ---- R-ORG-1 --------------------------------------------------------------------------------

/// Every endpoint of these routines × DK roles in and out of the office's subtree × Swedish
/// roles: the right answer each time. The requests name a record that does not exist, or ask
/// what the state refuses, so that an allowed caller gets past the authorisation to a refusal
/// of its own and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorisation_matrix_has_no_wrong_answer() {
    let node = start().await;
    let anna = citizen(100, "010190-1234", "Anna", "Jensen", false);
    directory(&node, &[&anna]).await;
    let kur_admin = officer(&node, 90, &[Role::DkRaAdmin, Role::Kur], NORD).await;
    let (_, pickup) = kur_admin
        .post(
            &node,
            "/api/v1/dk/pickups",
            &key(),
            &json!({ "person": anna.id.to_string(), "office": office_s(NORD), "reason": "abroad" }),
        )
        .await;
    let pickup = pickup["id"].as_str().unwrap().to_string();
    let anna_account = active_account(200, anna.id, false, None);
    insert(&node, anna_account.clone(), None).await;
    let (status, visit) = kur_admin
        .post(
            &node,
            &format!("/api/v1/dk/accounts/{}/visits", anna_account.id),
            &key(),
            &json!({ "office": office_s(NORD), "identity": passport(&anna) }),
        )
        .await;
    assert_eq!(status, 201, "{visit}");
    let visit = visit["visit"]["id"].as_str().unwrap().to_string();

    // (name, roles, unit, allowed on Nord's desk, may read people in Nord, reports on Nord)
    type Case = (&'static str, Vec<Role>, u128, bool, bool, bool);
    let cases: Vec<Case> = vec![
        ("dk admin in", vec![Role::DkRaAdmin], NORD, true, true, true),
        ("dk admin above", vec![Role::DkRaAdmin], KOMMUNE, true, true, true),
        ("dk employee in", vec![Role::DkRaEmployee], NORD, true, true, false),
        ("dk admin out", vec![Role::DkRaAdmin], SYD, false, false, false),
        ("dk employee out", vec![Role::DkRaEmployee], SYD, false, false, false),
        ("kra", vec![Role::Kra], NORD, false, true, true),
        ("lra", vec![Role::Lra], NORD, false, true, false),
        ("ora", vec![Role::Ora], NORD, false, true, false),
        ("kur", vec![Role::Kur], NORD, false, true, false),
        ("ra", vec![Role::Ra], NORD, false, true, true),
        ("manager", vec![Role::Manager], NORD, false, true, false),
        ("auditor", vec![Role::Auditor], NORD, false, false, true),
    ];
    let nobody = Uuid::from_u128(12_345).to_string();
    let mut wrong = Vec::new();
    for (i, (name, roles, unit, desk, reads, reports)) in cases.into_iter().enumerate() {
        let o: Officer = officer(&node, 40 + i as u128, &roles, unit).await;
        let forbidden = 403;
        // (what, answer, expected)
        let mut checks: Vec<(&str, u16, u16)> = Vec::new();
        let account_path = |what: &str| format!("/api/v1/dk/accounts/{nobody}/{what}");
        let desk_body = json!({ "office": office_s(NORD), "identity": passport(&anna) });
        let (s, _) = o.post(&node, &account_path("visits"), &key(), &desk_body).await;
        checks.push(("open visit", s, if desk { 404 } else { forbidden }));
        let forgotten = json!({
            "office": office_s(NORD),
            "consequence_accepted": true,
            "identity": passport(&anna),
            "new_passcode": { "by": "passcode_letter", "serial": "1" },
        });
        let (s, _) = o.post(&node, &account_path("forgotten-passcode"), &key(), &forgotten).await;
        checks.push(("forgotten passcode", s, if desk { 404 } else { forbidden }));
        let assist = json!({
            "office": office_s(NORD),
            "action": "suspend",
            "reason": "lost",
            "requester": { "requester": "ra" },
            "passcode": true,
        });
        let (s, _) = o.post(&node, &account_path("revocation"), &key(), &assist).await;
        checks.push(("revocation", s, if desk { 404 } else { forbidden }));
        let order = json!({ "person": nobody, "office": office_s(NORD), "reason": "abroad" });
        let (s, _) = o.post(&node, "/api/v1/dk/pickups", &key(), &order).await;
        checks.push(("order pickup", s, if desk { 404 } else { forbidden }));
        // On records of Nord: outside what the caller may read, as if absent (R-ORG-1).
        let on_record = if desk {
            422
        } else if reads {
            forbidden
        } else {
            404
        };
        let (s, _) = o.post(&node, &format!("/api/v1/dk/pickups/{pickup}/arrive"), &key(), &json!({})).await;
        checks.push(("arrive (still ordered)", s, on_record));
        let (s, _) = o.post(&node, &format!("/api/v1/dk/pickups/{pickup}/collect"), &key(), &json!({ "document": { "kind": "danish_passport", "number": "X1", "expires": "2099-01-01", "carries_cpr": true }, "photo_matches": true })).await;
        checks.push(("collect (still ordered)", s, on_record));
        let (s, _) = o
            .post(
                &node,
                &format!("/api/v1/dk/visits/{visit}/key-cards"),
                &key(),
                &json!({ "serial": "424242" }),
            )
            .await;
        checks.push(("key card (not in stock)", s, on_record));
        let (s, _) = o.get(&node, &format!("/api/v1/dk/pickups?office={}", office_s(NORD))).await;
        checks.push(("list pickups", s, if desk { 200 } else { forbidden }));
        let (s, _) = o.get(&node, &format!("/api/v1/dk/reports/stock?office={}", office_s(NORD))).await;
        checks.push(("stock report", s, if reports { 200 } else { forbidden }));
        for (what, got, expected) in checks {
            if got != expected {
                wrong.push(format!("{name}: {what}: {got}, expected {expected}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    // Nothing changed on the records the refused requests named.
    let p: Record<Pickup> = record(&node, &pickup).await;
    assert_eq!((p.state.status, p.version), (PickupStatus::Ordered, 1));
    let v: Record<Visit> = record(&node, &visit).await;
    assert!(v.state.issued.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_is_in_the_openapi_document() {
    let node = start().await;
    let doc: Value =
        reqwest::get(format!("{}/api/openapi.json", node.plain_url())).await.unwrap().json().await.unwrap();
    for (path, method) in [
        ("/api/v1/dk/accounts/{id}/visits", "post"),
        ("/api/v1/dk/visits/{id}/key-cards", "post"),
        ("/api/v1/dk/accounts/{id}/forgotten-passcode", "post"),
        ("/api/v1/dk/accounts/{id}/revocation", "post"),
        ("/api/v1/dk/pickups", "post"),
        ("/api/v1/dk/pickups", "get"),
        ("/api/v1/dk/pickups/{id}/dispatch", "post"),
        ("/api/v1/dk/pickups/{id}/arrive", "post"),
        ("/api/v1/dk/pickups/{id}/collect", "post"),
        ("/api/v1/dk/reports/{report}", "get"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        assert!(op["description"].is_string() || op["summary"].is_string(), "{method} {path} undocumented");
        if method == "post" {
            assert!(op["requestBody"].is_object(), "{method} {path}: no body described");
            let params: Vec<&str> =
                op["parameters"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
            assert!(params.contains(&"Idempotency-Key") && params.contains(&"Tillit-Signature"), "{path}");
        }
    }
    for schema in ["OpenVisitBody", "KeyCardBody", "ForgottenBody", "AssistBody", "OrderBody", "CollectBody"]
    {
        let s = &doc["components"]["schemas"][schema];
        assert!(s.is_object(), "{schema} missing");
        for (field, prop) in s["properties"].as_object().unwrap() {
            assert!(
                prop["description"].is_string() || prop.get("$ref").is_some() || prop.get("allOf").is_some(),
                "{schema}.{field} undocumented: {prop}"
            );
        }
    }
    node.shutdown().await;
}
