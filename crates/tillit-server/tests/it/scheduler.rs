//! The timed routines on a node's real store: for each job, the records before and after,
//! the audit entries, the outbox messages, a second run that changes nothing, and a lease
//! held by another node that makes the job skip. The `.eml` files the embedded default
//! writes, and SMTP to a real server when `TEST_TILLIT_SMTP=host:port` names one (.ci/smtp.sh).

use std::path::Path;

use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::card::{Card, CardEvent, CardKind, CardStatus};
use tillit_core::ra::credential::{
    Certificates, Credential, CredentialKind, CredentialState, IdBasis, Serial,
};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::policy::Policy;
use tillit_core::ra::reserve::{BundleId, ReserveCard, ReserveStatus};
use tillit_core::ra::revocation::Revocation;
use tillit_core::ra::{CardId, CredentialId, OrgId, PersonId, RevocationId};
use tillit_server::config::{MailConfig, MailMode, SmtpTls};
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_server::outbox::{Mailer, OUTBOX_DIR};
use tillit_server::routines::kinds::Kept;
use tillit_server::scheduler::{self, Job, JobReport, Jobs};
use tillit_store::ca::CertificateRecord;
use tillit_store::outbox::{MessageStatus, RetryPolicy};
use tillit_store::records::Record;
use tillit_store::Store;
use time::macros::date;
use time::Date;
use uuid::Uuid;

const K: u128 = 1;
const UNIT: u128 = 2;
const HOLDER: u128 = 100;
const PROTECTED: u128 = 101;
const NO_EMAIL: u128 = 102;
const RA: &str = "ra@kommun.example";

struct Node {
    store: Store,
    data: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn person(n: u128, national: &str, email: Option<&str>, protected: bool) -> Person {
    Person {
        id: PersonId(id(n)),
        national_id: NationalId::parse(Country::Se, national, &ParseOptions::new(date!(2026 - 01 - 01)))
            .unwrap(),
        given_names: "Hemlig".into(),
        family_name: format!("Skyddadsson{n}"),
        preferred_name: None,
        hsa_id: None,
        email: email.map(String::from),
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(id(UNIT)),
            kind: EmploymentKind::Employment,
            start: date!(2024 - 01 - 01),
            end: None,
        }],
        licensed_title: None,
        protected,
        name_checked: None,
    }
}

/// A node with organisation K, unit A and three persons: one with e-mail, one protected
/// with e-mail, one without e-mail.
async fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let store = DataDir::open(&data).unwrap().open_store().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for (n, parent, kind) in [(K, None, OrgKind::Organisation), (UNIT, Some(K), OrgKind::Unit)] {
        tx.insert_org(&Org {
            id: OrgId(id(n)),
            parent: parent.map(|p| OrgId(id(p))),
            kind,
            name: format!("org {n}"),
            org_number: None,
            hr_code: Some(format!("U{n}")),
        })
        .await
        .unwrap();
    }
    for p in [
        person(HOLDER, "19121212-1212", Some("holder@kommun.example"), false),
        person(PROTECTED, "19800101-0001", Some("secret-address@kommun.example"), true),
        person(NO_EMAIL, "19700101-0003", None, false),
    ] {
        tx.insert_person(&p).await.unwrap();
    }
    tx.commit().await.unwrap();
    Node { store, data, _dir: dir }
}

fn files_jobs(node: &Node) -> Jobs {
    let mailer = Mailer::from_config(&MailConfig::default(), &node.data).unwrap();
    Jobs::new(node.store.clone(), Policy::default(), mailer, Some(RA.into())).with_holder("node-a")
}

async fn insert<T: Kept>(store: &Store, state: T, org: Option<OrgId>) {
    let record = state.new_record(org, &Policy::default());
    let mut tx = store.begin().await.unwrap();
    tx.insert_record(&record).await.unwrap();
    tx.commit().await.unwrap();
}

async fn record<T: Kept>(store: &Store, key: &str) -> Record<T> {
    store.record::<T>(T::KIND, key).await.unwrap().unwrap()
}

fn delivered_card(n: u128, holder: u128, delivered: Date) -> Card {
    let mut card = Card::created(&CardEvent::ReplacementOrdered {
        card: CardId(id(n)),
        replaces: CardId(id(n + 1000)),
        person: PersonId(id(holder)),
        org: OrgId(id(UNIT)),
        kind: CardKind::Sis,
        on: date!(2025 - 12 - 01),
    })
    .unwrap();
    card.status = CardStatus::Delivered;
    card.serial = Some(format!("9752{n:06}"));
    card.valid_until = Some(date!(2030 - 12 - 31));
    card.dates.delivered = Some(delivered);
    card
}

/// The audit chain of organisation K after `after`.
async fn entries_after(store: &Store, after: i64) -> Vec<(String, serde_json::Value)> {
    store
        .audit_entries_after(&id(K).to_string(), after, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.actor, "system:scheduler");
            (e.action, e.payload)
        })
        .collect()
}

async fn head(store: &Store) -> i64 {
    let chain = id(K).to_string();
    store.audit_heads().await.unwrap().into_iter().find(|(c, _)| *c == chain).map_or(0, |(_, n)| n as i64)
}

fn counts(r: &JobReport) -> (u64, u64, u64, u64) {
    (r.changed, r.notices, r.not_sent, r.conflicts)
}

/// No protected name or address in anything the job wrote to the audit log (R-PER-3).
fn assert_no_protected_data(entries: &[(String, serde_json::Value)]) {
    let text = serde_json::to_string(entries).unwrap();
    for secret in ["Skyddadsson", "Hemlig", "secret-address", "holder@"] {
        assert!(!text.contains(secret), "{secret} in the audit log: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncollected_cards_are_deregistered_destroyed_and_told_once() {
    let node = node().await;
    let store = &node.store;
    // R-CARD-4: 3 months to collect. Delivered 10 January: the last day is 10 April.
    insert(store, delivered_card(10, HOLDER, date!(2026 - 01 - 10)), None).await;
    insert(store, delivered_card(11, PROTECTED, date!(2026 - 01 - 05)), None).await;
    insert(store, delivered_card(12, NO_EMAIL, date!(2026 - 01 - 08)), None).await;
    insert(store, delivered_card(13, HOLDER, date!(2026 - 03 - 01)), None).await;
    // One record a page: the walk goes on past a record left as it was (card 10 on its
    // last day) and stops at the end.
    let jobs = files_jobs(&node).with_page(1);
    let before = head(store).await;

    // On the last day nothing happens yet (the card may still be collected).
    let r = jobs.run(Job::UncollectedCards, date!(2026 - 04 - 10)).await.unwrap();
    assert_eq!(counts(&r), (2, 3, 1, 0), "cards 11 and 12 are overdue: {r:?}");
    let card: Record<Card> = record(store, &id(10).to_string()).await;
    assert_eq!((card.status.as_str(), card.due), ("delivered", Some(date!(2026 - 04 - 10))));

    let r = jobs.run(Job::UncollectedCards, date!(2026 - 04 - 11)).await.unwrap();
    assert!(r.ran);
    assert_eq!(counts(&r), (1, 2, 0, 0), "{r:?}");
    let card: Record<Card> = record(store, &id(10).to_string()).await;
    assert_eq!((card.status.as_str(), card.due, card.version), ("destroyed", None, 2));
    let later: Record<Card> = record(store, &id(13).to_string()).await;
    assert_eq!((later.status.as_str(), later.version), ("delivered", 1));

    let entries = entries_after(store, before).await;
    let actions: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "card.destroyed").count(), 3, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "notice.queued").count(), 5, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "notice.not_sent").count(), 1, "{actions:?}");
    let not_sent = entries.iter().find(|(a, _)| a == "notice.not_sent").unwrap();
    assert_eq!(not_sent.1["person"], id(NO_EMAIL).to_string());
    assert_eq!(not_sent.1["to"], "holder");
    assert_no_protected_data(&entries);

    // The holder and the RA are told (R-CARD-4): messages about the card.
    let messages = store.messages_about("card", &id(10).to_string()).await.unwrap();
    let mut to: Vec<&str> = messages.iter().map(|m| m.recipient.as_str()).collect();
    to.sort();
    assert_eq!(to, ["holder@kommun.example", RA]);
    assert!(messages.iter().all(|m| m.status == MessageStatus::Pending && m.topic == "card.uncollected"));

    // Idempotent: the same day again changes nothing, writes nothing.
    let head_after = head(store).await;
    let r = jobs.run(Job::UncollectedCards, date!(2026 - 04 - 11)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "{r:?}");
    assert_eq!(head(store).await, head_after);
    assert_eq!(store.messages(None, 100).await.unwrap().len(), 5);

    // The sender writes each message once as an .eml file, then has nothing to do.
    let r = jobs.run(Job::SendMail, date!(2026 - 04 - 11)).await.unwrap();
    assert_eq!((r.sent, r.failed, r.retrying), (5, 0, 0));
    let r = jobs.run(Job::SendMail, date!(2026 - 04 - 11)).await.unwrap();
    assert_eq!((r.looked_at, r.sent), (0, 0));
    let outbox = node.data.join(OUTBOX_DIR);
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(files.iter().all(|f| f.extension().is_some_and(|e| e == "eml")), "no temporary files left");
    for m in &messages {
        let text = std::fs::read_to_string(outbox.join(format!("{}.eml", m.id))).unwrap();
        check_eml(&text, &m.id, &m.recipient);
        assert_eq!(store.message(&m.id).await.unwrap().unwrap().status, MessageStatus::Sent);
    }
}

/// An RFC 5322 message: the headers, a blank line, the body; CRLF line ends.
fn check_eml(text: &str, id: &str, to: &str) {
    let (headers, body) = text.split_once("\r\n\r\n").expect("headers, a blank line, the body");
    let header = |name: &str| {
        headers
            .split("\r\n")
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} header in {headers}"))
    };
    assert_eq!(header("From"), "tillit@localhost");
    assert_eq!(header("To"), to);
    assert_eq!(header("Message-ID"), format!("<{id}@localhost>"));
    assert!(header("Date").contains("GMT") || header("Date").contains("+0000"), "{headers}");
    assert!(header("Content-Type").starts_with("text/plain; charset=utf-8"), "{headers}");
    assert!(!header("Subject").is_empty());
    assert!(!body.trim().is_empty());
    assert!(text.split("\r\n").all(|l| l.len() <= 998), "line length limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_cards_not_reused_within_a_year_are_deregistered() {
    let node = node().await;
    let store = &node.store;
    let mut card = ReserveCard::stocked(CardId(id(20)), BundleId(id(29)), 4711);
    card.status = ReserveStatus::HandedOut;
    card.holder = Some(PersonId(id(HOLDER)));
    card.unit = Some(OrgId(id(UNIT)));
    card.handed_out = Some(date!(2025 - 01 - 10));
    card.last_issued = Some(date!(2025 - 01 - 10));
    // R-RES-3: a year after its credential ended (10 July 2025): the last day is 10 July 2026.
    card.credential_until = Some(date!(2025 - 07 - 10));
    insert(store, card, None).await;
    let jobs = files_jobs(&node);

    let r = jobs.run(Job::ReserveNotReused, date!(2026 - 07 - 10)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "{r:?}");
    let before = head(store).await;
    let r = jobs.run(Job::ReserveNotReused, date!(2026 - 07 - 11)).await.unwrap();
    assert_eq!(counts(&r), (1, 1, 0, 0), "{r:?}");
    let after: Record<ReserveCard> = record(store, &id(20).to_string()).await;
    assert_eq!((after.status.as_str(), after.due), ("deregistered", None));
    let entries = entries_after(store, before).await;
    let actions: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["reserve.deregistered", "notice.queued"]);
    assert_eq!(entries[1].1["to"], "ra");
    let messages = store.messages_about("reserve_card", &id(20).to_string()).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].recipient, RA);

    let r = jobs.run(Job::ReserveNotReused, date!(2026 - 07 - 11)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "second run: {r:?}");
}

fn serial(n: u32) -> Serial {
    Serial::parse("serial", &format!("7e{n:06x}")).unwrap()
}

fn issued(n: u128, holder: u128, not_after: Date) -> Credential {
    Credential {
        id: CredentialId(id(n)),
        person: PersonId(id(holder)),
        card: Some(CardId(id(n + 500))),
        kind: CredentialKind::CardPair,
        basis: IdBasis::HsaId,
        state: CredentialState::Issued {
            certificates: Certificates::Pair {
                authentication: serial(n as u32 * 2),
                signing: serial(n as u32 * 2 + 1),
            },
            not_after,
            renewal_notified: false,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_notices_45_days_before_then_expiry() {
    let node = node().await;
    let store = &node.store;
    // R-CRED-6: expiring 30 June: the notice is due on 16 May.
    insert(store, issued(30, HOLDER, date!(2026 - 06 - 30)), None).await;
    insert(store, issued(31, NO_EMAIL, date!(2026 - 06 - 30)), None).await;
    insert(store, issued(32, HOLDER, date!(2026 - 12 - 31)), None).await;
    let jobs = files_jobs(&node);

    let r = jobs.run(Job::RenewalNotices, date!(2026 - 05 - 15)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "not yet: {r:?}");
    let before = head(store).await;
    let r = jobs.run(Job::RenewalNotices, date!(2026 - 05 - 16)).await.unwrap();
    assert_eq!(counts(&r), (2, 1, 1, 0), "{r:?}");
    let c: Record<Credential> = record(store, &id(30).to_string()).await;
    assert!(matches!(c.state.state, CredentialState::Issued { renewal_notified: true, .. }));
    // Next looked at on its last day.
    assert_eq!((c.status.as_str(), c.due), ("issued", Some(date!(2026 - 06 - 30))));
    let entries = entries_after(store, before).await;
    let actions: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "credential.renewal_notice_requested",
            "notice.queued",
            "credential.renewal_notice_requested",
            "notice.not_sent"
        ]
    );
    // The person without e-mail: recorded, not silently dropped.
    assert_eq!(entries[3].1["person"], id(NO_EMAIL).to_string());
    assert_eq!(entries[3].1["topic"], "credential.renewal_notice");
    assert_no_protected_data(&entries);
    let messages = store.messages_about("credential", &id(30).to_string()).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].recipient, "holder@kommun.example");
    assert!(messages[0].subject.contains("2026-06-30"));

    // Idempotent, also on the following days up to the last valid one.
    for day in [date!(2026 - 05 - 16), date!(2026 - 05 - 17), date!(2026 - 06 - 30)] {
        let r = jobs.run(Job::RenewalNotices, day).await.unwrap();
        assert_eq!(counts(&r), (0, 0, 0, 0), "{day}: {r:?}");
    }
    // The day after: expired, once.
    let r = jobs.run(Job::RenewalNotices, date!(2026 - 07 - 01)).await.unwrap();
    assert_eq!(counts(&r), (2, 0, 0, 0), "{r:?}");
    let c: Record<Credential> = record(store, &id(30).to_string()).await;
    assert_eq!((c.status.as_str(), c.due), ("expired", None));
    let r = jobs.run(Job::RenewalNotices, date!(2026 - 07 - 01)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "{r:?}");
    assert_eq!(store.messages(None, 100).await.unwrap().len(), 1);
}

async fn certificate(store: &Store, serial: &Serial, revoked: bool) {
    let issuer = store.cas().await.unwrap().into_iter().next().unwrap().name;
    let mut tx = store.begin().await.unwrap();
    tx.insert_certificate(&CertificateRecord {
        serial: serial.as_str().to_string(),
        issuer,
        profile: "card-authentication".into(),
        subject: "CN=test".into(),
        not_before_us: 0,
        not_after_us: 4_000_000_000_000_000,
        der: vec![0x30, 0x00],
        revoked_us: None,
        reason: None,
    })
    .await
    .unwrap();
    if revoked {
        tx.revoke_certificate(serial.as_str(), 1, 1_000_000).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_day_check_lists_what_was_not_revoked_and_tells_the_ra() {
    let node = node().await;
    let store = &node.store;
    // Credential 40: both certificates revoked at the CA. Credential 41: the signing
    // certificate was not (R-CRED-1: a revocation covers both).
    let done = issued(40, HOLDER, date!(2027 - 01 - 01));
    let half = issued(41, HOLDER, date!(2027 - 01 - 01));
    for s in done.serials() {
        certificate(store, &s, true).await;
    }
    let serials = half.serials();
    certificate(store, &serials[0], true).await;
    certificate(store, &serials[1], false).await;
    insert(store, done, None).await;
    insert(store, half, None).await;
    let request = Revocation {
        id: RevocationId(id(50)),
        holder: PersonId(id(HOLDER)),
        requested_on: date!(2026 - 03 - 02),
        credentials: vec![CredentialId(id(40)), CredentialId(id(41))],
        checked_on: None,
        retain_until: date!(2036 - 03 - 02),
    };
    insert(store, request, None).await;
    let jobs = files_jobs(&node);

    // R-REV-3: checked the next day, not the same day.
    let r = jobs.run(Job::RevocationCheck, date!(2026 - 03 - 02)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "{r:?}");
    let before = head(store).await;
    let r = jobs.run(Job::RevocationCheck, date!(2026 - 03 - 03)).await.unwrap();
    assert_eq!(counts(&r), (1, 1, 0, 0), "{r:?}");
    let checked: Record<Revocation> = record(store, &id(50).to_string()).await;
    assert_eq!((checked.status.as_str(), checked.due), ("checked", None));
    assert_eq!(checked.state.checked_on, Some(date!(2026 - 03 - 03)));
    let entries = entries_after(store, before).await;
    assert_eq!(entries[0].0, "revocation.checked");
    assert_eq!(entries[0].1["not_revoked"], serde_json::json!([id(41).to_string()]));
    assert_eq!((entries[1].0.as_str(), &entries[1].1["to"]), ("notice.queued", &serde_json::json!("ra")));
    let messages = store.messages_about("revocation", &id(50).to_string()).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].recipient, RA);
    assert!(messages[0].body.contains(&id(41).to_string()) && messages[0].body.contains(serials[1].as_str()));
    assert!(!messages[0].body.contains(&id(40).to_string()));

    let r = jobs.run(Job::RevocationCheck, date!(2026 - 03 - 04)).await.unwrap();
    assert_eq!(counts(&r), (0, 0, 0, 0), "checked once: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_lease_another_node_holds_is_skipped() {
    let node = node().await;
    let store = &node.store;
    insert(store, delivered_card(10, HOLDER, date!(2026 - 01 - 10)), None).await;
    let jobs = files_jobs(&node);
    let hour = 3_600_000_000;
    assert!(store.take_lease("uncollected-cards", "node-b", hour).await.unwrap().is_some());

    let reports = jobs.run_once(date!(2026 - 05 - 01), None).await;
    let skipped = reports.iter().find(|r| r.job == "uncollected-cards").unwrap();
    assert!(!skipped.ran);
    let card: Record<Card> = record(store, &id(10).to_string()).await;
    assert_eq!((card.status.as_str(), card.version), ("delivered", 1));
    assert!(reports.iter().filter(|r| r.job != "uncollected-cards").all(|r| r.ran && r.error.is_none()));

    // Node B finishes: node A's next run does the work.
    assert!(store.finish_lease("uncollected-cards", "node-b").await.unwrap());
    let reports = jobs.run_once(date!(2026 - 05 - 01), Some(Job::UncollectedCards)).await;
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].ran, reports[0].changed), (true, 1));
    // Its lease is free again after the run.
    assert!(store.take_lease("uncollected-cards", "node-b", hour).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_does_not_answer_means_retry_later() {
    let node = node().await;
    let store = &node.store;
    insert(store, issued(30, HOLDER, date!(2026 - 06 - 30)), None).await;
    // A port nothing listens on (a plain connection is allowed to a loopback relay only).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = MailConfig {
        mode: MailMode::Smtp,
        host: "127.0.0.1".into(),
        port: Some(closed),
        tls: SmtpTls::None,
        timeout_seconds: 5,
        ..MailConfig::default()
    };
    let mailer = Mailer::from_config(&config, &node.data).unwrap();
    let retry = RetryPolicy { max_attempts: 2, first_delay_us: 1, max_delay_us: 1 };
    let jobs = Jobs::new(store.clone(), Policy::default(), mailer, None).with_retry(retry);
    let r = jobs.run(Job::RenewalNotices, date!(2026 - 05 - 20)).await.unwrap();
    assert_eq!(counts(&r), (1, 1, 0, 0));

    let r = jobs.run(Job::SendMail, date!(2026 - 05 - 20)).await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 0), "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = jobs.run(Job::SendMail, date!(2026 - 05 - 20)).await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 0, 1), "{r:?}");
    let failed = store.messages(Some(MessageStatus::Failed), 10).await.unwrap();
    assert_eq!((failed.len(), failed[0].attempts), (1, 2));
    let error = failed[0].last_error.as_deref().unwrap();
    assert!(error.starts_with("SMTP"), "{error}");
    assert!(!error.contains("holder@"), "{error}");
}

/// SMTP to a real server (`.ci/smtp.sh` runs Python's aiosmtpd): `TEST_TILLIT_SMTP=host:port`,
/// and `TEST_TILLIT_SMTP_MAILDIR` where it delivers. Skipped when unset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_to_a_real_relay() {
    let Ok(relay) = std::env::var("TEST_TILLIT_SMTP") else {
        eprintln!("skipping: TEST_TILLIT_SMTP is not set (.ci/smtp.sh sets it)");
        return;
    };
    let (host, port) = relay.rsplit_once(':').expect("TEST_TILLIT_SMTP=host:port");
    let node = node().await;
    let store = &node.store;
    insert(store, issued(30, PROTECTED, date!(2026 - 06 - 30)), None).await;
    let config = MailConfig {
        mode: MailMode::Smtp,
        from: "tillit@kommun.example".into(),
        host: host.into(),
        port: Some(port.parse().unwrap()),
        tls: SmtpTls::None,
        ..MailConfig::default()
    };
    let mailer = Mailer::from_config(&config, &node.data).unwrap();
    let jobs = Jobs::new(store.clone(), Policy::default(), mailer, None);
    jobs.run(Job::RenewalNotices, date!(2026 - 05 - 20)).await.unwrap();
    let r = jobs.run(Job::SendMail, date!(2026 - 05 - 20)).await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (1, 0, 0), "{r:?}");
    let message = store.messages(Some(MessageStatus::Sent), 10).await.unwrap().remove(0);
    // R-PER-3: the protected person gets their notice.
    assert_eq!(message.recipient, "secret-address@kommun.example");
    if let Ok(maildir) = std::env::var("TEST_TILLIT_SMTP_MAILDIR") {
        let wanted = format!("<{}@kommun.example>", message.id);
        let found = received(Path::new(&maildir)).into_iter().find(|m| m.contains(&wanted));
        let text = found.unwrap_or_else(|| panic!("{wanted} was not delivered to {maildir}"));
        assert!(text.contains("To: secret-address@kommun.example"), "{text}");
        assert!(text.contains("From: tillit@kommun.example"), "{text}");
    }
}

/// SMTP with STARTTLS and with implicit TLS to real servers (`.ci/smtp.sh`), the relay's
/// certificate checked against `ca_file`; without it the same relay is not trusted and the
/// message waits for a retry. Skipped unless `TEST_TILLIT_SMTP_STARTTLS`, `TEST_TILLIT_SMTPS`
/// and `TEST_TILLIT_SMTP_CA` are set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_over_tls_to_a_real_relay() {
    let (Ok(starttls), Ok(smtps), Ok(ca)) = (
        std::env::var("TEST_TILLIT_SMTP_STARTTLS"),
        std::env::var("TEST_TILLIT_SMTPS"),
        std::env::var("TEST_TILLIT_SMTP_CA"),
    ) else {
        eprintln!("skipping: TEST_TILLIT_SMTP_STARTTLS, TEST_TILLIT_SMTPS, TEST_TILLIT_SMTP_CA are not set (.ci/smtp.sh)");
        return;
    };
    for (relay, tls) in [(starttls, SmtpTls::Starttls), (smtps, SmtpTls::Tls)] {
        let (host, port) = relay.rsplit_once(':').expect("host:port");
        let node = node().await;
        let store = &node.store;
        insert(store, issued(30, HOLDER, date!(2026 - 06 - 30)), None).await;
        let config = MailConfig {
            mode: MailMode::Smtp,
            from: "tillit@kommun.example".into(),
            host: host.into(),
            port: Some(port.parse().unwrap()),
            tls,
            timeout_seconds: 10,
            ..MailConfig::default()
        };
        // The relay's CA not trusted: the TLS handshake fails, the message waits.
        let untrusted = Mailer::from_config(&config, &node.data).unwrap();
        let jobs = Jobs::new(store.clone(), Policy::default(), untrusted, None);
        jobs.run(Job::RenewalNotices, date!(2026 - 05 - 20)).await.unwrap();
        let r = jobs.run(Job::SendMail, date!(2026 - 05 - 20)).await.unwrap();
        assert_eq!((r.sent, r.retrying), (0, 1), "{tls:?} to an untrusted relay: {r:?}");
        let waiting = store.messages(Some(MessageStatus::Pending), 10).await.unwrap().remove(0);
        assert!(waiting.last_error.as_deref().unwrap().starts_with("SMTP"), "{:?}", waiting.last_error);

        // Trusted through ca_file: sent. (Due again at once with a retry policy of no wait.)
        let trusted = MailConfig { ca_file: Some(ca.clone().into()), ..config };
        let mailer = Mailer::from_config(&trusted, &node.data).unwrap();
        let fast = RetryPolicy { max_attempts: 5, first_delay_us: 1, max_delay_us: 1 };
        let retry_now = Jobs::new(store.clone(), Policy::default(), mailer, None).with_retry(fast);
        store.mark_failed(&waiting, "retry now", false, &fast).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let r = retry_now.run(Job::SendMail, date!(2026 - 05 - 20)).await.unwrap();
        assert_eq!((r.sent, r.retrying, r.failed), (1, 0, 0), "{tls:?}: {r:?}");
        if let Ok(maildir) = std::env::var("TEST_TILLIT_SMTP_MAILDIR") {
            let wanted = format!("<{}@kommun.example>", waiting.id);
            assert!(
                received(Path::new(&maildir)).iter().any(|m| m.contains(&wanted)),
                "{wanted} was not delivered over {tls:?}"
            );
        }
    }
}

/// The messages in a Maildir (`new/` and `cur/`), waiting briefly for the server to write.
fn received(maildir: &Path) -> Vec<String> {
    for _ in 0..50 {
        let texts: Vec<String> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(maildir.join(d)).ok())
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect();
        if !texts.is_empty() {
            return texts;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Vec::new()
}

/// The CRL publication under its lease: skipped while another node holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crls_are_published_under_a_lease() {
    let node = node().await;
    let authority = DataDir::open(&node.data).unwrap().open_authority(&node.store).await.unwrap();
    let hour = 3_600_000_000;
    assert!(node.store.take_lease(scheduler::CRL_LEASE, "node-b", hour).await.unwrap().is_some());
    assert!(!scheduler::publish_crls_under_lease(&authority, "node-a").await.unwrap());
    assert!(node.store.finish_lease(scheduler::CRL_LEASE, "node-b").await.unwrap());
    assert!(scheduler::publish_crls_under_lease(&authority, "node-a").await.unwrap());
    for ca in authority.cas() {
        assert!(node.store.latest_crl(&ca.name).await.unwrap().is_some(), "{} has a CRL", ca.name);
    }
    // Given up after the run.
    assert!(node.store.take_lease(scheduler::CRL_LEASE, "node-b", hour).await.unwrap().is_some());
}

/// A log sink for one test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// R-PER-3: every job run for a protected person, at trace level, with a relay that fails:
/// their name and address never reach the log, though their notice is queued to them. The
/// log sink is the process's global one (a scoped one misses callsites other tests' threads
/// registered first), so it also hears the other tests of this binary: they must not log
/// these either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_protected_name_or_address_reaches_the_log() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("tillit=trace,tillit_server=trace,tillit_store=trace,tillit_core=trace,warn")
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        eprintln!("skipping: another test set the global log subscriber");
        return;
    }

    let node = node().await;
    let store = &node.store;
    insert(store, delivered_card(11, PROTECTED, date!(2026 - 01 - 05)), None).await;
    insert(store, issued(30, PROTECTED, date!(2026 - 06 - 30)), None).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = MailConfig {
        mode: MailMode::Smtp,
        port: Some(closed),
        tls: SmtpTls::None,
        ra_address: Some(RA.into()),
        ..MailConfig::default()
    };
    let mailer = Mailer::from_config(&config, &node.data).unwrap();
    let jobs = Jobs::new(store.clone(), Policy::default(), mailer, Some(RA.into()));
    let reports = jobs.run_once(date!(2026 - 05 - 20), None).await;
    assert!(reports.iter().all(|r| r.ran && r.error.is_none()), "{reports:?}");
    let queued = store.messages(None, 10).await.unwrap();
    assert!(queued.iter().any(|m| m.recipient == "secret-address@kommun.example"));

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("timed job finished") && log.contains("could not be sent"), "{log}");
    for secret in ["Skyddadsson", "Hemlig", "secret-address", "19800101"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[test]
fn every_job_has_a_name_the_cli_takes() {
    for job in Job::ALL {
        assert_eq!(Job::parse(job.name()), Some(job));
    }
    assert_eq!(Job::parse("nope"), None);
    let _ = Actor::system("scheduler");
}

/// The portal's leftovers go: a challenge past its validity and a session idle beyond the
/// limit are deleted by `portal-cleanup`; a live session stays.
#[tokio::test]
async fn portal_cleanup_deletes_expired_challenges_and_sessions() {
    use tillit_store::portal::{Challenge, PortalSession, Purpose};
    let node = node().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000_000;
    let session = |id: &str, seen: i64| PortalSession {
        id_hash: id.into(),
        person: "p".into(),
        auth: "passkey:x".into(),
        csrf: vec![1; 32],
        locale: None,
        created_us: seen,
        last_seen_us: seen,
    };
    let mut tx = node.store.begin().await.unwrap();
    tx.insert_session(&session("live", now)).await.unwrap();
    tx.insert_session(&session("idle", now - 16 * 60_000_000)).await.unwrap();
    tx.insert_challenge(&Challenge {
        id: "old".into(),
        session: None,
        purpose: Purpose::SignIn,
        nonce: vec![0; 32],
        request: None,
        created_us: now - 600_000_000,
        expires_us: now - 300_000_000,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let reports = files_jobs(&node).run_once(date!(2026 - 05 - 01), Some(Job::PortalCleanup)).await;
    assert_eq!(reports.len(), 1);
    assert!(reports[0].ran && reports[0].error.is_none(), "{reports:?}");
    assert_eq!(reports[0].changed, 2, "{reports:?}");
    assert!(node.store.portal_session("live").await.unwrap().is_some());
    assert!(node.store.portal_session("idle").await.unwrap().is_none());
    assert!(node.store.portal_challenge("old").await.unwrap().is_none());
}
