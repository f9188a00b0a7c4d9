//! The Danish public RA's routines (R-DK-1..8, R-IDP-3..6 as used by registration, R-RES-4)
//! as tables of (state, command) → events | refusal, and the properties the SPEC insists
//! on: the passcode letter is never handed over before the signed identity check; wrong
//! attempts lock the account exactly once and never sign in; no event carries a name, an
//! address, a passcode, a code, a user id or a document number that must not be recorded.

use proptest::prelude::*;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::approval::{OfficerRoles, RejectReason, Verdict};
use tillit_core::ra::dk::account::{
    self, Account, AccountEvent, AccountStatus, ActivationChecks, Attempt, BlindSupport, PasscodeBy,
    PasscodeChoice, SignInChecks, TestCall,
};
use tillit_core::ra::dk::authenticator::{
    self, AuthEvent, AuthKind, AuthStatus, Authenticator, EnvelopeMark, HandOver,
};
use tillit_core::ra::dk::extra::{self, ExtraEvent, ExtraKeyCard, OpenVisit, Opened, Visit};
use tillit_core::ra::dk::forgotten::{self, Forgotten, ForgottenEvent, ForgottenOutcome, NewPasscode};
use tillit_core::ra::dk::pickup::{
    self, Collect, OrderPickup, Pickup, PickupDocument, PickupDocumentKind, PickupEvent, PickupReason,
    PickupStatus,
};
use tillit_core::ra::dk::registration::{
    self, Approve, CheckIdentity, Checked, Issue, IssuedItem, NewAuthenticator, RegEvent, Registration,
    RegistrationStatus, Start,
};
use tillit_core::ra::dk::revocation::{
    self as dk_revocation, Assist, AssistAction, DkReason, Requester, RequesterKind, RevocationEvent,
    StopRequest,
};
use tillit_core::ra::dk::stock::{
    self, BoxStatus, DkItem, DkStockLevel, OrderBox, ReceiveBox, StockBox, StockEvent,
};
use tillit_core::ra::dk::{
    check_at_desk, AccountId, AuthenticatorId, DeskCheck, IdentitySigned, Nsis, PickupId, RegistrationId,
    StockBoxId, VisitId,
};
use tillit_core::ra::proofing::{
    CprLookup, Delivery, DkDocument, DkPresented, DkProofing, DkSituation, Observations, ProofingMethod,
    RejectionReason,
};
use tillit_core::ra::reserve::SerialRange;
use tillit_core::ra::revocation::ReasonCode;
use tillit_core::ra::role::{Permission, Role, PERMISSIONS};
use tillit_core::ra::{CredentialId, Event, OrgId, PersonId, Policy, Refusal};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

use super::card::{run, Events, Refused};
use super::support::{uuid, TODAY};

// ---- fixtures ---------------------------------------------------------------------------------

/// Now in the tables: 2 March 2026 (support's TODAY), 10:00.
const AT: OffsetDateTime = datetime!(2026-03-02 10:00 UTC);
const OFFICE: OrgId = OrgId(uuid::Uuid::from_u128(7000));
const OTHER_OFFICE: OrgId = OrgId(uuid::Uuid::from_u128(7001));
const CITIZEN: PersonId = PersonId(uuid::Uuid::from_u128(7100));
const SOMEONE_ELSE: PersonId = PersonId(uuid::Uuid::from_u128(7101));
const OFFICER: PersonId = PersonId(uuid::Uuid::from_u128(7201));
const SECOND: PersonId = PersonId(uuid::Uuid::from_u128(7202));
const REG: RegistrationId = RegistrationId(uuid::Uuid::from_u128(7300));
const ACCOUNT: AccountId = AccountId(uuid::Uuid::from_u128(7400));

/// Secrets and personal data that appear in commands and states, never in events.
const USER_ID: &str = "anna-userid-71";
const PASSCODE: &str = "Tr0ub4dor&3";
const EMAIL: &str = "anna.jensen@example.dk";
const MOBILE: &str = "+4520304050";
const KEY_PHONE: &str = "+4588776655";
const DOC_NUMBER: &str = "P-123456789";

fn auth_id(n: u128) -> AuthenticatorId {
    AuthenticatorId(uuid(8000 + n))
}

fn cpr() -> NationalId {
    NationalId::parse(Country::Dk, "010190-1234", &ParseOptions::new(TODAY)).unwrap()
}

fn swedish() -> NationalId {
    NationalId::parse(Country::Se, "19121212-1212", &ParseOptions::new(TODAY)).unwrap()
}

fn presented(kind: DkDocument, carries_cpr: bool) -> DkPresented {
    DkPresented { kind, number: Some(DOC_NUMBER.into()), carries_cpr, dated: None }
}

/// A passport with the CPR number, name and CPR matched by lookup (R-IDP-3).
fn photo_id(person: PersonId) -> DkProofing {
    DkProofing {
        person,
        documents: vec![presented(DkDocument::Passport, true)],
        cpr_lookup: CprLookup::Matched,
        situation: DkSituation::Ordinary,
        delivery_address: false,
        observations: Observations::default(),
    }
}

/// Health insurance card (b) with CPR and a tax assessment (c), no photo (R-IDP-4).
fn without_photo(person: PersonId) -> DkProofing {
    DkProofing {
        documents: vec![
            presented(DkDocument::HealthInsuranceCard, true),
            presented(DkDocument::TaxAssessment, false),
        ],
        ..photo_id(person)
    }
}

fn forged(person: PersonId) -> DkProofing {
    DkProofing {
        observations: Observations { forgery_suspected: true, ..Observations::default() },
        ..photo_id(person)
    }
}

fn envelope(n: u128, kind: AuthKind) -> Authenticator {
    Authenticator::stocked(auth_id(n), kind, format!("{:08}", 40_000 + n), OFFICE, false, None)
}

fn large_key_card(n: u128) -> Authenticator {
    Authenticator { large_print: true, ..envelope(n, AuthKind::KeyCard) }
}

fn admin(n: u128) -> OfficerRoles {
    OfficerRoles { id: PersonId(uuid(7200 + n)), roles: vec![Role::DkRaAdmin] }
}

fn signed(person: PersonId, delivery: Delivery) -> IdentitySigned {
    let proofing = if delivery == Delivery::HandOut { photo_id(person) } else { without_photo(person) };
    match check_at_desk(person, OFFICER, &proofing, &Policy::default(), TODAY).unwrap() {
        DeskCheck::Signed(identity) => identity,
        other => panic!("expected a signed check, got {other:?}"),
    }
}

/// Collects the JSON payloads of events.
fn payloads<E: Event>(events: &[E]) -> String {
    events.iter().map(|e| format!("{} {}\n", e.action(), e.payload())).collect()
}

// ---- NSIS, roles, ids --------------------------------------------------------------------------

#[test]
fn nsis_levels() {
    for (level, text, acr) in [
        (Nsis::Low, "low", "https://data.gov.dk/concept/core/nsis/loa/Low"),
        (Nsis::Substantial, "substantial", "https://data.gov.dk/concept/core/nsis/loa/Substantial"),
        (Nsis::High, "high", "https://data.gov.dk/concept/core/nsis/loa/High"),
    ] {
        assert_eq!(level.as_str(), text);
        assert_eq!(level.acr(), acr);
        assert_eq!(Nsis::parse(text), Some(level));
        assert_eq!(serde_json::to_value(level).unwrap(), serde_json::json!(text));
    }
    assert!(Nsis::High > Nsis::Substantial && Nsis::Substantial > Nsis::Low);
    assert_eq!(Nsis::parse("High"), None);
}

#[test]
fn dk_permissions() {
    let admin = Role::DkRaAdmin.permissions();
    let employee = Role::DkRaEmployee.permissions();
    for p in [Permission::DkRegistration, Permission::DkStock, Permission::DkApprove] {
        assert!(admin.contains(&p), "{p:?}");
    }
    assert!(employee.contains(&Permission::DkRegistration) && employee.contains(&Permission::DkStock));
    assert!(!employee.contains(&Permission::DkApprove), "only the administrator approves high (R-DK-8)");
    for p in
        [Permission::ReadPeople, Permission::ManagePeople, Permission::OrderCredentials, Permission::Revoke]
    {
        assert!(admin.contains(&p) && employee.contains(&p), "kept: {p:?}");
    }
    let mut texts: Vec<&str> = PERMISSIONS.iter().map(|p| p.as_str()).collect();
    for p in PERMISSIONS {
        assert_eq!(Permission::parse(p.as_str()), Some(p));
    }
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), PERMISSIONS.len());
    assert_eq!(Permission::parse("dk_approve"), Some(Permission::DkApprove));
    assert_eq!(Permission::parse("nope"), None);
}

#[test]
fn record_ids_are_uuids() {
    let id: RegistrationId = "00000000-0000-0000-0000-000000001c84".parse().unwrap();
    assert_eq!(id, REG);
    assert_eq!(id.to_string(), "00000000-0000-0000-0000-000000001c84");
    assert_eq!(serde_json::to_value(ACCOUNT).unwrap(), serde_json::json!(ACCOUNT.uuid().to_string()));
    let _ = (PickupId(uuid(1)), StockBoxId(uuid(1)), VisitId(uuid(1)));
}

// ---- stock (R-RES-4) ---------------------------------------------------------------------------

fn order(size: u32, first: u64, item: DkItem) -> OrderBox {
    OrderBox {
        id: StockBoxId(uuid(9000)),
        item,
        office: OFFICE,
        size,
        first_serial: first,
        officer: OFFICER,
        on: TODAY,
    }
}

fn ordered_box(size: u64) -> StockBox {
    StockBox {
        id: StockBoxId(uuid(9001)),
        item: DkItem::PasscodeLetter,
        office: OFFICE,
        serials: SerialRange { first: 1_000, last: 1_000 + size - 1 },
        status: BoxStatus::Ordered,
        ordered_on: date!(2026 - 02 - 26),
        received_on: None,
    }
}

#[test]
fn ordering_boxes() {
    let existing = [StockBox {
        id: StockBoxId(uuid(9002)),
        item: DkItem::KeyCard,
        serials: SerialRange { first: 1, last: 200 },
        ..ordered_box(200)
    }];
    let ok = |size: u32, first: u64, item: DkItem| {
        let serials = SerialRange { first, last: first + u64::from(size) - 1 };
        Events(vec![StockEvent::BoxOrdered {
            stock_box: StockBoxId(uuid(9000)),
            item,
            office: OFFICE,
            serials,
            officer: OFFICER,
            on: TODAY,
        }])
    };
    let go = |cmd: OrderBox| stock::order_box(&existing, cmd).map(|(_, events)| events);
    run(vec![
        ("50 key cards", go(order(50, 201, DkItem::KeyCard)), ok(50, 201, DkItem::KeyCard)),
        ("200 letters", go(order(200, 1, DkItem::PasscodeLetter)), ok(200, 1, DkItem::PasscodeLetter)),
        ("500 media", go(order(500, 1, DkItem::Medium)), ok(500, 1, DkItem::Medium)),
        ("100 is not a box size", go(order(100, 201, DkItem::KeyCard)), Refused("R-RES-4", Some("size"))),
        ("0 is not a box size", go(order(0, 201, DkItem::KeyCard)), Refused("R-RES-4", Some("size"))),
        (
            "overlapping key cards",
            go(order(50, 180, DkItem::KeyCard)),
            Refused("R-RES-4", Some("first_serial")),
        ),
        (
            "past the last serial number",
            go(order(50, u64::MAX - 10, DkItem::KeyCard)),
            Refused("R-RES-4", Some("first_serial")),
        ),
    ]);
    let refusal = go(order(100, 201, DkItem::KeyCard)).unwrap_err();
    assert!(refusal.reason.contains("50, 200 or 500"), "{refusal}");
    let (record, _) = stock::order_box(&[], order(50, 201, DkItem::LargePrintKeyCard)).unwrap();
    assert_eq!((record.status, record.serials.count()), (BoxStatus::Ordered, 50));
}

#[test]
fn receiving_a_box_registers_every_envelope() {
    let b = ordered_box(50);
    let ids: Vec<AuthenticatorId> = (0..50).map(auth_id).collect();
    let receive = |envelopes: Vec<AuthenticatorId>, opened: Vec<u64>, damaged: Vec<u64>| ReceiveBox {
        envelopes,
        opened,
        damaged,
        officer: OFFICER,
        on: TODAY,
    };
    let got = stock::receive_box(&b, receive(ids.clone(), vec![1_003], vec![1_049])).unwrap();
    assert_eq!(got.events.len(), 1 + 50 + 2);
    assert_eq!(
        got.events[0],
        StockEvent::BoxReceived { stock_box: b.id, envelopes: 50, officer: OFFICER, on: TODAY }
    );
    assert_eq!(
        got.events[4],
        StockEvent::EnvelopeRegistered {
            envelope: ids[3],
            stock_box: b.id,
            item: DkItem::PasscodeLetter,
            serial: 1_003
        }
    );
    assert_eq!(
        got.events[51..],
        [
            StockEvent::EnvelopeDiscarded { envelope: ids[3], mark: EnvelopeMark::Opened, on: TODAY },
            StockEvent::EnvelopeDiscarded { envelope: ids[49], mark: EnvelopeMark::Damaged, on: TODAY },
        ]
    );
    assert_eq!(got.envelopes.len(), 50);
    assert_eq!(got.envelopes[3].status, AuthStatus::Discarded);
    assert_eq!(got.envelopes[0].status, AuthStatus::InStock);
    assert_eq!(got.envelopes[0].serial.as_deref(), Some("1000"));
    assert_eq!(got.envelopes[0].kind, AuthKind::PasscodeLetter);
    // R-RES-4: an opened envelope can never be handed out.
    let refusal = authenticator::assign(
        &got.envelopes[3],
        &signed(CITIZEN, Delivery::HandOut),
        ACCOUNT,
        HandOver::HandOut,
        OFFICER,
        AT,
    )
    .unwrap_err();
    assert_eq!((refusal.rule, refusal.field), ("R-RES-4", Some("authenticator")));
    let mut received = b.clone();
    for e in &got.events {
        received.apply(e);
    }
    assert_eq!((received.status, received.received_on), (BoxStatus::Received, Some(TODAY)));

    let events = |r: Result<stock::Received, Refusal>| r.map(|r| r.events);
    run(vec![
        (
            "an id missing",
            events(stock::receive_box(&b, receive(ids[..49].to_vec(), vec![], vec![]))),
            Refused("R-RES-4", Some("envelopes")),
        ),
        (
            "an id twice",
            events(stock::receive_box(
                &b,
                receive([vec![ids[0]], ids[..49].to_vec()].concat(), vec![], vec![]),
            )),
            Refused("R-RES-4", Some("envelopes")),
        ),
        (
            "an opened letter of another box",
            events(stock::receive_box(&b, receive(ids.clone(), vec![5], vec![]))),
            Refused("R-RES-4", Some("opened")),
        ),
        (
            "a damaged letter of another box",
            events(stock::receive_box(&b, receive(ids.clone(), vec![], vec![2_000]))),
            Refused("R-RES-4", Some("damaged")),
        ),
        (
            "received twice",
            events(stock::receive_box(&received, receive(ids.clone(), vec![], vec![]))),
            Refused("R-STATE", None),
        ),
    ]);
}

#[test]
fn marking_envelopes() {
    let letter = envelope(1, AuthKind::PasscodeLetter);
    let handed = Authenticator { status: AuthStatus::HandedOut, ..letter.clone() };
    let discarded = |mark| {
        Events(vec![AuthEvent::Discarded { authenticator: letter.id, mark, officer: OFFICER, on: TODAY }])
    };
    run(vec![
        (
            "opened",
            stock::mark_envelope(&letter, EnvelopeMark::Opened, OFFICER, TODAY),
            discarded(EnvelopeMark::Opened),
        ),
        (
            "damaged",
            stock::mark_envelope(&letter, EnvelopeMark::Damaged, OFFICER, TODAY),
            discarded(EnvelopeMark::Damaged),
        ),
        (
            "handed out already",
            stock::mark_envelope(&handed, EnvelopeMark::Opened, OFFICER, TODAY),
            Refused("R-STATE", None),
        ),
    ]);
    let mut marked = letter.clone();
    for e in stock::mark_envelope(&letter, EnvelopeMark::Opened, OFFICER, TODAY).unwrap() {
        marked.apply(&e);
    }
    assert_eq!((marked.status, marked.discarded), (AuthStatus::Discarded, Some(EnvelopeMark::Opened)));
    let identity = signed(CITIZEN, Delivery::HandOut);
    for hand_over in [HandOver::HandOut, HandOver::Mail] {
        let r = authenticator::assign(&marked, &identity, ACCOUNT, hand_over, OFFICER, AT).unwrap_err();
        assert_eq!(r.rule, "R-RES-4", "a discarded envelope is never handed out or mailed");
    }
    assert_eq!(
        stock::mark_envelope(&marked, EnvelopeMark::Damaged, OFFICER, TODAY).unwrap_err().rule,
        "R-STATE"
    );
}

#[test]
fn stock_levels_and_campaigns() {
    let policy = Policy::default();
    let mut envelopes: Vec<Authenticator> = (0..49).map(|n| envelope(n, AuthKind::KeyCard)).collect();
    envelopes.push(Authenticator { status: AuthStatus::Discarded, ..envelope(100, AuthKind::KeyCard) });
    envelopes.push(Authenticator { status: AuthStatus::HandedOut, ..envelope(101, AuthKind::KeyCard) });
    envelopes.push(Authenticator { office: OTHER_OFFICE, ..envelope(102, AuthKind::KeyCard) });
    envelopes.push(large_key_card(103));
    envelopes.push(envelope(104, AuthKind::PasscodeLetter));
    let boxes = [
        StockBox { item: DkItem::KeyCard, ..ordered_box(200) },
        StockBox { item: DkItem::KeyCard, status: BoxStatus::Received, ..ordered_box(50) },
    ];
    let level = stock::stock_level(&envelopes, &boxes, OFFICE, DkItem::KeyCard, &policy);
    assert_eq!(
        level,
        DkStockLevel {
            office: OFFICE,
            item: DkItem::KeyCard,
            in_stock: 49,
            on_order: 200,
            threshold: 50,
            low: true
        }
    );
    assert_eq!(
        level.warning(TODAY),
        Some(StockEvent::LowStock {
            office: OFFICE,
            item: DkItem::KeyCard,
            in_stock: 49,
            on_order: 200,
            threshold: 50,
            on: TODAY
        })
    );
    let large = stock::stock_level(&envelopes, &boxes, OFFICE, DkItem::LargePrintKeyCard, &policy);
    assert_eq!((large.in_stock, large.on_order), (1, 0));
    let relaxed = Policy { dk_low_stock: 49, ..Policy::default() };
    let fine = stock::stock_level(&envelopes, &boxes, OFFICE, DkItem::KeyCard, &relaxed);
    assert!(!fine.low);
    assert_eq!(fine.warning(TODAY), None);
    // Before a campaign: 49 in stock, threshold 49 → any demand warns; a larger stock does not.
    assert_eq!(stock::stock_check(&fine, 0, TODAY), None);
    assert!(stock::stock_check(&fine, 1, TODAY).is_some());
    let big = DkStockLevel { in_stock: 500, low: false, ..fine };
    assert_eq!(stock::stock_check(&big, 451, TODAY), None, "500 - 451 = 49, at the threshold");
    assert_eq!(
        stock::stock_check(&big, 452, TODAY),
        Some(StockEvent::CampaignShortfall {
            office: OFFICE,
            item: DkItem::KeyCard,
            in_stock: 500,
            on_order: 200,
            expected_demand: 452,
            threshold: 49,
            on: TODAY
        })
    );
    assert!(stock::stock_check(&big, 10_000, TODAY).is_some(), "more demand than stock");
}

// ---- authenticators (R-DK-8, R-DK-2, R-DK-3, R-IDP-4) ----------------------------------------

fn stop(requester: Requester) -> StopRequest {
    StopRequest { reason: DkReason::Lost, requester, officer: OFFICER }
}

const IN_PERSON: Requester = Requester::CitizenInPerson { document_checked: true };

fn held(kind: AuthKind, status: AuthStatus) -> Authenticator {
    Authenticator {
        status,
        holder: Some(CITIZEN),
        account: Some(ACCOUNT),
        issued_at: Some(AT),
        ..envelope(1, kind)
    }
}

#[test]
fn authenticator_transitions() {
    let key_card = envelope(1, AuthKind::KeyCard);
    let id = key_card.id;
    let photo = signed(CITIZEN, Delivery::HandOut);
    let no_photo = signed(CITIZEN, Delivery::MailToRegisterAddress);
    let ordered = Authenticator::ordered(id, AuthKind::KeyCard, Some("1".into()), OFFICE, false);
    let handed = |kind, person, officer| AuthEvent::HandedOut {
        authenticator: id,
        kind,
        serial: Some("00040001".into()),
        person,
        account: ACCOUNT,
        officer,
        at: AT,
    };
    let mailed = AuthEvent::Mailed {
        authenticator: id,
        kind: AuthKind::KeyCard,
        serial: Some("00040001".into()),
        person: CITIZEN,
        account: ACCOUNT,
        officer: SECOND,
        at: AT,
    };
    let suspended = AuthEvent::Suspended {
        authenticator: id,
        reason: DkReason::Lost,
        requester: RequesterKind::CitizenInPerson,
        officer: OFFICER,
        at: AT,
    };
    let blocked = |requester| AuthEvent::Blocked {
        authenticator: id,
        reason: DkReason::Lost,
        requester,
        officer: OFFICER,
        at: AT,
    };
    let assign = |a: &Authenticator, identity: &IdentitySigned, hand_over| {
        authenticator::assign(a, identity, ACCOUNT, hand_over, SECOND, AT)
    };
    run(vec![
        (
            "receive an ordered item",
            authenticator::receive(&ordered, TODAY),
            Events(vec![AuthEvent::Received { authenticator: id, on: TODAY }]),
        ),
        ("receive twice", authenticator::receive(&key_card, TODAY), Refused("R-STATE", None)),
        (
            "hand out from stock: the holder is the checked citizen",
            assign(&key_card, &photo, HandOver::HandOut),
            Events(vec![handed(AuthKind::KeyCard, CITIZEN, SECOND)]),
        ),
        ("mail from stock", assign(&key_card, &photo, HandOver::Mail), Events(vec![mailed.clone()])),
        ("not from stock: ordered", assign(&ordered, &photo, HandOver::HandOut), Refused("R-STATE", None)),
        (
            "not twice",
            assign(&held(AuthKind::KeyCard, AuthStatus::HandedOut), &photo, HandOver::HandOut),
            Refused("R-STATE", None),
        ),
        (
            "R-IDP-4: key card of a citizen without photo ID handed out",
            assign(&key_card, &no_photo, HandOver::HandOut),
            Refused("R-IDP-4", Some("hand_over")),
        ),
        (
            "R-IDP-4: code display handed out",
            assign(&envelope(1, AuthKind::CodeDisplay), &no_photo, HandOver::HandOut),
            Refused("R-IDP-4", Some("hand_over")),
        ),
        ("R-IDP-4: key card mailed", assign(&key_card, &no_photo, HandOver::Mail), Events(vec![mailed])),
        (
            "R-IDP-4 is about the key card: the passcode letter is handed over",
            assign(&envelope(1, AuthKind::PasscodeLetter), &no_photo, HandOver::HandOut),
            Events(vec![handed(AuthKind::PasscodeLetter, CITIZEN, SECOND)]),
        ),
        (
            "only an SMS PIN goes by SMS",
            assign(&key_card, &photo, HandOver::Sms),
            Refused("R-DK-1", Some("hand_over")),
        ),
        (
            "activate a handed-out card",
            authenticator::activate(&held(AuthKind::KeyCard, AuthStatus::HandedOut), AT),
            Events(vec![AuthEvent::Activated { authenticator: id, at: AT }]),
        ),
        (
            "activate a mailed card",
            authenticator::activate(&held(AuthKind::KeyCard, AuthStatus::Mailed), AT),
            Events(vec![AuthEvent::Activated { authenticator: id, at: AT }]),
        ),
        ("activate from stock", authenticator::activate(&key_card, AT), Refused("R-STATE", None)),
        (
            "an activation code is used, not activated",
            authenticator::activate(&held(AuthKind::ActivationCode, AuthStatus::HandedOut), AT),
            Refused("R-DK-8", Some("kind")),
        ),
        (
            "suspend an active card",
            authenticator::suspend(&held(AuthKind::KeyCard, AuthStatus::Active), &stop(IN_PERSON), AT),
            Events(vec![suspended.clone()]),
        ),
        (
            "suspend one in stock",
            authenticator::suspend(&key_card, &stop(IN_PERSON), AT),
            Refused("R-STATE", None),
        ),
        (
            "suspend on an unverified call",
            authenticator::suspend(
                &held(AuthKind::KeyCard, AuthStatus::Active),
                &stop(Requester::CitizenByPhone { verified: false }),
                AT,
            ),
            Refused("R-DK-7", Some("requester")),
        ),
        (
            "reactivate a suspended card",
            authenticator::reactivate(
                &held(AuthKind::KeyCard, AuthStatus::Suspended),
                IN_PERSON,
                OFFICER,
                AT,
            ),
            Events(vec![AuthEvent::Reactivated {
                authenticator: id,
                requester: RequesterKind::CitizenInPerson,
                officer: OFFICER,
                at: AT,
            }]),
        ),
        (
            "reactivate an active card",
            authenticator::reactivate(&held(AuthKind::KeyCard, AuthStatus::Active), IN_PERSON, OFFICER, AT),
            Refused("R-STATE", None),
        ),
        (
            "the police cannot lift a suspension",
            authenticator::reactivate(
                &held(AuthKind::KeyCard, AuthStatus::Suspended),
                Requester::Police,
                OFFICER,
                AT,
            ),
            Refused("R-DK-7", Some("requester")),
        ),
        (
            "block a suspended card",
            authenticator::block(
                &held(AuthKind::KeyCard, AuthStatus::Suspended),
                &stop(Requester::Police),
                AT,
            ),
            Events(vec![blocked(RequesterKind::Police)]),
        ),
        (
            "block one in stock (lost from the safe)",
            authenticator::block(&key_card, &stop(Requester::Ra), AT),
            Events(vec![blocked(RequesterKind::Ra)]),
        ),
        (
            "block a discarded envelope",
            authenticator::block(&held(AuthKind::KeyCard, AuthStatus::Discarded), &stop(Requester::Ra), AT),
            Refused("R-STATE", None),
        ),
        (
            "discard from stock",
            authenticator::discard(&key_card, EnvelopeMark::Opened, OFFICER, TODAY),
            Events(vec![AuthEvent::Discarded {
                authenticator: id,
                mark: EnvelopeMark::Opened,
                officer: OFFICER,
                on: TODAY,
            }]),
        ),
    ]);
}

#[test]
fn nothing_leaves_blocked() {
    let blocked = held(AuthKind::KeyCard, AuthStatus::Blocked);
    let identity = signed(CITIZEN, Delivery::HandOut);
    let all: Vec<(&str, Result<Vec<AuthEvent>, Refusal>)> = vec![
        ("receive", authenticator::receive(&blocked, TODAY)),
        ("assign", authenticator::assign(&blocked, &identity, ACCOUNT, HandOver::HandOut, OFFICER, AT)),
        ("activate", authenticator::activate(&blocked, AT)),
        ("suspend", authenticator::suspend(&blocked, &stop(IN_PERSON), AT)),
        ("reactivate", authenticator::reactivate(&blocked, IN_PERSON, OFFICER, AT)),
        ("block", authenticator::block(&blocked, &stop(IN_PERSON), AT)),
        ("discard", authenticator::discard(&blocked, EnvelopeMark::Damaged, OFFICER, TODAY)),
    ];
    for (name, got) in all {
        assert!(got.is_err(), "{name} from Blocked: {got:?}");
    }
}

#[test]
fn suspension_returns_to_where_it_was() {
    for from in [AuthStatus::HandedOut, AuthStatus::Mailed, AuthStatus::Active] {
        let mut a = held(AuthKind::KeyCard, from);
        for e in authenticator::suspend(&a.clone(), &stop(IN_PERSON), AT).unwrap() {
            a.apply(&e);
        }
        assert_eq!((a.status, a.stop_reason), (AuthStatus::Suspended, Some(DkReason::Lost)));
        for e in authenticator::reactivate(&a.clone(), IN_PERSON, OFFICER, AT).unwrap() {
            a.apply(&e);
        }
        assert_eq!((a.status, a.stop_reason), (from, None));
    }
}

#[test]
fn enrolling_at_the_desk() {
    let identity = signed(CITIZEN, Delivery::HandOut);
    let (record, events) =
        authenticator::enrol(auth_id(50), AuthKind::Passkey, &identity, ACCOUNT, OFFICE, SECOND, AT).unwrap();
    assert_eq!(
        events,
        vec![AuthEvent::Enrolled {
            authenticator: auth_id(50),
            kind: AuthKind::Passkey,
            person: CITIZEN,
            account: ACCOUNT,
            hand_over: HandOver::HandOut,
            officer: SECOND,
            at: AT
        }]
    );
    assert_eq!(
        (record.status, record.holder, record.account, record.serial),
        (AuthStatus::HandedOut, Some(CITIZEN), Some(ACCOUNT), None)
    );
    let (sms, events) =
        authenticator::enrol(auth_id(51), AuthKind::SmsPin, &identity, ACCOUNT, OFFICE, SECOND, AT).unwrap();
    assert!(matches!(events[0], AuthEvent::Enrolled { hand_over: HandOver::Sms, .. }));
    assert_eq!(sms.issued_at, Some(AT));
    for kind in AuthKind::ALL.into_iter().filter(|k| k.from_stock()) {
        let r = authenticator::enrol(auth_id(52), kind, &identity, ACCOUNT, OFFICE, SECOND, AT).unwrap_err();
        assert_eq!((r.rule, r.field), ("R-RES-4", Some("kind")), "{kind:?}");
    }
    for kind in AuthKind::ALL {
        assert_eq!(AuthKind::parse(kind.as_str()), Some(kind));
    }
}

#[test]
fn paper_activation_code() {
    let policy = Policy::default();
    let code = held(AuthKind::ActivationCode, AuthStatus::HandedOut);
    let id = code.id;
    assert_eq!(code.activation_code_valid_until(&policy), Some(datetime!(2026-03-04 10:00 UTC)));
    let in_47h = datetime!(2026-03-04 09:59:59 UTC);
    let at_48h = datetime!(2026-03-04 10:00 UTC);
    let tried = |n| Authenticator { wrong_tries: n, ..code.clone() };
    let use_ = |a: &Authenticator, now, ok| authenticator::use_activation_code(a, now, ok, &policy);
    let wrong = |tries| AuthEvent::ActivationCodeWrongTry { authenticator: id, tries, at: AT };
    run(vec![
        (
            "right, in time",
            use_(&code, in_47h, true),
            Events(vec![AuthEvent::ActivationCodeUsed { authenticator: id, at: in_47h }]),
        ),
        ("first wrong try", use_(&code, AT, false), Events(vec![wrong(1)])),
        ("second wrong try", use_(&tried(1), AT, false), Events(vec![wrong(2)])),
        (
            "third wrong try blocks",
            use_(&tried(2), AT, false),
            Events(vec![wrong(3), AuthEvent::ActivationCodeBlocked { authenticator: id, tries: 3, at: AT }]),
        ),
        (
            "right after 48 hours: expired and blocked",
            use_(&code, at_48h, true),
            Events(vec![AuthEvent::ActivationCodeExpired { authenticator: id, at: at_48h }]),
        ),
        (
            "blocked: refused without counting",
            use_(&Authenticator { status: AuthStatus::Blocked, wrong_tries: 3, ..code.clone() }, AT, true),
            Refused("R-DK-8", None),
        ),
        (
            "used already",
            use_(&Authenticator { status: AuthStatus::Active, used_at: Some(AT), ..code.clone() }, AT, true),
            Refused("R-DK-8", None),
        ),
        (
            "still in stock",
            use_(&Authenticator { status: AuthStatus::InStock, ..code.clone() }, AT, true),
            Refused("R-STATE", None),
        ),
        (
            "a key card",
            use_(&held(AuthKind::KeyCard, AuthStatus::HandedOut), AT, true),
            Refused("R-DK-8", Some("kind")),
        ),
    ]);
    // A stricter policy: 24 hours, one try.
    let strict = Policy { dk_activation_code_hours: 24, dk_activation_code_tries: 1, ..Policy::default() };
    let late = datetime!(2026-03-03 10:00 UTC);
    assert_eq!(
        authenticator::use_activation_code(&code, late, true, &strict).unwrap(),
        vec![AuthEvent::ActivationCodeExpired { authenticator: id, at: late }]
    );
    assert_eq!(authenticator::use_activation_code(&code, AT, false, &strict).unwrap().len(), 2);
    // Applied: three wrong tries block it for good.
    let mut a = code.clone();
    for _ in 0..3 {
        for e in authenticator::use_activation_code(&a.clone(), AT, false, &policy).unwrap() {
            a.apply(&e);
        }
    }
    assert_eq!((a.status, a.wrong_tries), (AuthStatus::Blocked, 3));
    assert!(authenticator::use_activation_code(&a, AT, true, &policy).is_err());
    let mut used = code.clone();
    for e in authenticator::use_activation_code(&code, AT, true, &policy).unwrap() {
        used.apply(&e);
    }
    assert_eq!((used.status, used.used_at), (AuthStatus::Active, Some(AT)));
}

// ---- accounts (R-DK-1, R-DK-7, R-DK-8) --------------------------------------------------------

fn new_account() -> Account {
    Account::open(ACCOUNT, CITIZEN, USER_ID.into(), Nsis::Substantial, false, None, TODAY).unwrap().0
}

fn active() -> Account {
    Account { status: AccountStatus::Active, passcode_set: true, activated_on: Some(TODAY), ..new_account() }
}

fn activation(temporary: bool, code: bool, passcode: &str) -> ActivationChecks {
    ActivationChecks {
        temporary_passcode_ok: temporary,
        key_card_code_ok: code,
        new_passcode: PasscodeChoice::new(passcode),
    }
}

const WRONG: SignInChecks = SignInChecks { passcode_ok: false, code_ok: true };
const RIGHT: SignInChecks = SignInChecks { passcode_ok: true, code_ok: true };

#[test]
fn opening_accounts() {
    let (account, events) =
        Account::open(ACCOUNT, CITIZEN, USER_ID.into(), Nsis::High, true, None, TODAY).unwrap();
    assert_eq!(
        events,
        vec![AccountEvent::Opened {
            account: ACCOUNT,
            person: CITIZEN,
            assurance: Nsis::High,
            large_print: true,
            blind: false,
            on: TODAY
        }]
    );
    assert_eq!(
        (account.status, account.passcode_set, account.failures),
        (AccountStatus::AwaitingActivation, false, 0)
    );
    let open = |user: &str, blind| {
        Account::open(ACCOUNT, CITIZEN, user.into(), Nsis::Low, false, blind, TODAY).map(|(_, e)| e)
    };
    let support = |phone: &str, test_call| {
        Some(BlindSupport { key_phone: phone.into(), test_call, passcode_by: PasscodeBy::Medium })
    };
    run(vec![
        ("empty user id", open("", None), Refused("R-DK-1", Some("user_id"))),
        ("user id with a space", open("anna jensen", None), Refused("R-DK-1", Some("user_id"))),
        ("user id of 65 characters", open(&"a".repeat(65), None), Refused("R-DK-1", Some("user_id"))),
        (
            "key phone not a number",
            open(USER_ID, support("12345", TestCall::Succeeded)),
            Refused("R-DK-3", Some("blind.key_phone")),
        ),
        (
            "test call failed",
            open(USER_ID, support(KEY_PHONE, TestCall::Failed)),
            Refused("R-DK-3", Some("blind.test_call")),
        ),
    ]);
    assert!(open(USER_ID, support(KEY_PHONE, TestCall::NotPossible)).is_ok());
}

#[test]
fn passcode_rules() {
    let policy = Policy::default();
    let check = |p: &str| {
        account::check_passcode(&PasscodeChoice::new(p), USER_ID, &policy).map_err(|r| (r.rule, r.field))
    };
    assert_eq!(check(PASSCODE), Ok(()));
    assert_eq!(check("abc12"), Err(("R-DK-8", Some("new_passcode"))), "5 characters");
    assert_eq!(check("abc123"), Ok(()), "6 characters");
    assert_eq!(check(&"ab".repeat(32)), Ok(()), "64 characters");
    assert_eq!(check(&"ab".repeat(33)), Err(("R-DK-8", Some("new_passcode"))), "66 characters");
    assert_eq!(check("7777777"), Err(("R-DK-8", Some("new_passcode"))), "one character repeated");
    assert_eq!(check("ANNA-USERID-71"), Err(("R-DK-8", Some("new_passcode"))), "the user id");
    assert_eq!(check("ææææææææ"), Err(("R-DK-8", Some("new_passcode"))));
    let strict = Policy { dk_passcode_min_len: 10, ..Policy::default() };
    assert!(account::check_passcode(&PasscodeChoice::new("abc12345"), USER_ID, &strict).is_err());
    // The passcode never shows up in a refusal or a debug print.
    let refusal = account::check_passcode(&PasscodeChoice::new("Secret"), "Secret", &policy).unwrap_err();
    assert!(!refusal.to_string().contains("Secret"));
    assert!(!format!("{:?}", activation(true, true, PASSCODE)).contains(PASSCODE));
}

#[test]
fn activation_and_sign_in() {
    let policy = Policy::default();
    let waiting = new_account();
    let at = |failures| AccountEvent::AttemptFailed {
        account: ACCOUNT,
        attempt: Attempt::Activation,
        failures,
        at: AT,
    };
    let si = |failures| AccountEvent::AttemptFailed {
        account: ACCOUNT,
        attempt: Attempt::SignIn,
        failures,
        at: AT,
    };
    let locked = |failures| AccountEvent::Locked { account: ACCOUNT, failures, at: AT };
    let four = |a: Account| Account { failures: 4, ..a };
    run(vec![
        (
            "activate",
            account::activate(&waiting, &activation(true, true, PASSCODE), &policy, AT),
            Events(vec![AccountEvent::Activated { account: ACCOUNT, at: AT }]),
        ),
        (
            "wrong temporary passcode",
            account::activate(&waiting, &activation(false, true, PASSCODE), &policy, AT),
            Events(vec![at(1)]),
        ),
        (
            "wrong key-card code",
            account::activate(&waiting, &activation(true, false, PASSCODE), &policy, AT),
            Events(vec![at(1)]),
        ),
        (
            "fifth failure locks",
            account::activate(&four(new_account()), &activation(false, false, PASSCODE), &policy, AT),
            Events(vec![at(5), locked(5)]),
        ),
        (
            "a bad new passcode is refused, not counted",
            account::activate(&waiting, &activation(false, true, "short"), &policy, AT),
            Refused("R-DK-8", Some("new_passcode")),
        ),
        (
            "activate an active account",
            account::activate(&active(), &activation(true, true, PASSCODE), &policy, AT),
            Refused("R-STATE", None),
        ),
        (
            "sign in",
            account::sign_in(&active(), RIGHT, &policy, AT),
            Events(vec![AccountEvent::SignedIn { account: ACCOUNT, at: AT }]),
        ),
        ("wrong passcode", account::sign_in(&active(), WRONG, &policy, AT), Events(vec![si(1)])),
        (
            "wrong code",
            account::sign_in(&active(), SignInChecks { passcode_ok: true, code_ok: false }, &policy, AT),
            Events(vec![si(1)]),
        ),
        (
            "fifth failure locks",
            account::sign_in(&four(active()), WRONG, &policy, AT),
            Events(vec![si(5), locked(5)]),
        ),
        (
            "sign in before activation",
            account::sign_in(&waiting, RIGHT, &policy, AT),
            Refused("R-STATE", None),
        ),
        (
            "locked: refused, not counted",
            account::sign_in(&Account { locked: true, failures: 5, ..active() }, RIGHT, &policy, AT),
            Refused("R-DK-8", None),
        ),
        (
            "suspended",
            account::sign_in(&Account { status: AccountStatus::Suspended, ..active() }, RIGHT, &policy, AT),
            Refused("R-DK-7", None),
        ),
        (
            "revoked",
            account::activate(
                &Account { status: AccountStatus::Revoked, ..new_account() },
                &activation(true, true, PASSCODE),
                &policy,
                AT,
            ),
            Refused("R-DK-7", None),
        ),
        (
            "a stricter policy locks at 3",
            account::sign_in(
                &Account { failures: 2, ..active() },
                WRONG,
                &Policy { dk_max_failures: 3, ..Policy::default() },
                AT,
            ),
            Events(vec![si(3), locked(3)]),
        ),
    ]);
    let mut a = new_account();
    for e in account::activate(&a.clone(), &activation(true, true, PASSCODE), &policy, AT).unwrap() {
        a.apply(&e);
    }
    assert_eq!(
        (a.status, a.passcode_set, a.activated_on, a.next_key_card_position),
        (AccountStatus::Active, true, Some(TODAY), 2)
    );
    for e in account::sign_in(&Account { failures: 3, ..a.clone() }, RIGHT, &policy, AT).unwrap() {
        a.apply(&e);
    }
    assert_eq!((a.failures, a.next_key_card_position), (0, 3), "a sign-in resets the failures");
}

#[test]
fn ten_thousand_wrong_attempts_lock_once_and_never_sign_in() {
    let policy = Policy::default();
    let mut a = active();
    let (mut locks, mut failures, mut refused) = (0, 0, 0);
    for _ in 0..10_000 {
        if account::may_attempt(&a).is_err() {
            refused += 1;
            // The caller does not check the secrets; the routine refuses anyway.
            assert!(account::sign_in(&a, WRONG, &policy, AT).is_err());
            continue;
        }
        for e in account::sign_in(&a.clone(), WRONG, &policy, AT).unwrap() {
            match e {
                AccountEvent::Locked { .. } => locks += 1,
                AccountEvent::AttemptFailed { .. } => failures += 1,
                AccountEvent::SignedIn { .. } => panic!("signed in with a wrong passcode"),
                _ => {}
            }
            a.apply(&e);
        }
    }
    assert_eq!((locks, failures, refused), (1, policy.dk_max_failures, 10_000 - policy.dk_max_failures));
    assert!(a.locked);
    // Even the right passcode is refused while locked.
    assert_eq!(account::sign_in(&a, RIGHT, &policy, AT).unwrap_err().rule, "R-DK-8");
}

proptest! {
    /// Whatever the attempts, failures never pass the limit, a lock comes exactly when the
    /// limit is reached, and nothing signs in while locked.
    #[test]
    fn attempts_never_pass_the_limit(attempts in proptest::collection::vec((any::<bool>(), any::<bool>()), 0..60), max in 1u32..=5) {
        let policy = Policy { dk_max_failures: max, ..Policy::default() };
        let mut a = active();
        for (passcode_ok, code_ok) in attempts {
            let was_locked = a.locked;
            match account::sign_in(&a.clone(), SignInChecks { passcode_ok, code_ok }, &policy, AT) {
                Err(r) => prop_assert!(was_locked && r.rule == "R-DK-8"),
                Ok(events) => {
                    prop_assert!(!was_locked);
                    let signed_in = events.iter().any(|e| matches!(e, AccountEvent::SignedIn { .. }));
                    prop_assert_eq!(signed_in, passcode_ok && code_ok);
                    for e in &events { a.apply(e); }
                    let locks = events.iter().filter(|e| matches!(e, AccountEvent::Locked { .. })).count();
                    prop_assert_eq!(locks == 1, a.locked);
                }
            }
            prop_assert!(a.failures <= max);
        }
    }
}

#[test]
fn unlocking_at_the_desk() {
    let locked = Account { locked: true, failures: 5, ..active() };
    let identity = signed(CITIZEN, Delivery::HandOut);
    let other = signed(SOMEONE_ELSE, Delivery::HandOut);
    run(vec![
        (
            "identity checked",
            account::unlock(&locked, &identity, AT),
            Events(vec![AccountEvent::Unlocked { account: ACCOUNT, officer: OFFICER, at: AT }]),
        ),
        (
            "another person's identity",
            account::unlock(&locked, &other, AT),
            Refused("R-DK-8", Some("identity")),
        ),
        ("not locked", account::unlock(&active(), &identity, AT), Refused("R-STATE", None)),
        (
            "suspended",
            account::unlock(&Account { status: AccountStatus::Suspended, ..locked.clone() }, &identity, AT),
            Refused("R-DK-7", None),
        ),
    ]);
    let mut a = locked.clone();
    for e in account::unlock(&locked, &identity, AT).unwrap() {
        a.apply(&e);
    }
    assert!(!a.locked && a.failures == 0 && account::may_attempt(&a).is_ok());
    // A rejected identity check gives no way to unlock.
    assert!(matches!(
        check_at_desk(CITIZEN, OFFICER, &forged(CITIZEN), &Policy::default(), TODAY).unwrap(),
        DeskCheck::Rejected { rule: "R-IDP-5", reason: RejectionReason::SuspectedForgery }
    ));
    assert_eq!(
        check_at_desk(CITIZEN, OFFICER, &photo_id(SOMEONE_ELSE), &Policy::default(), TODAY)
            .unwrap_err()
            .field,
        Some("proofing.person")
    );
}

#[test]
fn suspend_reactivate_revoke() {
    let by_phone = Requester::CitizenByPhone { verified: true };
    let suspended =
        Account { status: AccountStatus::Suspended, stop_reason: Some(DkReason::Lost), ..active() };
    let revoked = Account { status: AccountStatus::Revoked, ..active() };
    run(vec![
        (
            "suspend on a verified call",
            account::suspend(&active(), &stop(by_phone), AT),
            Events(vec![AccountEvent::Suspended {
                account: ACCOUNT,
                reason: DkReason::Lost,
                requester: RequesterKind::CitizenByPhone,
                officer: OFFICER,
                at: AT,
            }]),
        ),
        (
            "suspend on an unverified call",
            account::suspend(&active(), &stop(Requester::CitizenByPhone { verified: false }), AT),
            Refused("R-DK-7", Some("requester")),
        ),
        (
            "suspend without the document checked",
            account::suspend(&active(), &stop(Requester::CitizenInPerson { document_checked: false }), AT),
            Refused("R-DK-7", Some("requester")),
        ),
        (
            "a guardian without authority checked",
            account::suspend(&active(), &stop(Requester::Guardian { authority_checked: false }), AT),
            Refused("R-DK-7", Some("requester")),
        ),
        ("suspend twice", account::suspend(&suspended, &stop(IN_PERSON), AT), Refused("R-STATE", None)),
        (
            "reactivate at the citizen's request",
            account::reactivate(&suspended, IN_PERSON, OFFICER, AT),
            Events(vec![AccountEvent::Reactivated {
                account: ACCOUNT,
                requester: RequesterKind::CitizenInPerson,
                officer: OFFICER,
                at: AT,
            }]),
        ),
        (
            "the RA cannot lift it alone",
            account::reactivate(&suspended, Requester::Ra, OFFICER, AT),
            Refused("R-DK-7", Some("requester")),
        ),
        (
            "reactivate an active account",
            account::reactivate(&active(), IN_PERSON, OFFICER, AT),
            Refused("R-STATE", None),
        ),
        (
            "revoke a suspended account",
            account::revoke(&suspended, &stop(Requester::Police), AT),
            Events(vec![AccountEvent::Revoked {
                account: ACCOUNT,
                reason: DkReason::Lost,
                requester: RequesterKind::Police,
                officer: OFFICER,
                at: AT,
            }]),
        ),
        ("revoke twice", account::revoke(&revoked, &stop(IN_PERSON), AT), Refused("R-STATE", None)),
        (
            "reactivate a revoked account",
            account::reactivate(&revoked, IN_PERSON, OFFICER, AT),
            Refused("R-STATE", None),
        ),
        (
            "large print on request",
            account::remember_large_print(&active(), TODAY),
            Events(vec![AccountEvent::LargePrintRemembered { account: ACCOUNT, on: TODAY }]),
        ),
        (
            "large print remembered already",
            account::remember_large_print(&Account { large_print: true, ..active() }, TODAY),
            Events(vec![]),
        ),
    ]);
    let mut a = suspended.clone();
    for e in account::reactivate(&suspended, IN_PERSON, OFFICER, AT).unwrap() {
        a.apply(&e);
    }
    assert_eq!((a.status, a.stop_reason), (AccountStatus::Active, None));
}

// ---- registration (R-DK-1, R-IDP-3..6, R-DK-2, R-DK-3, R-DK-8) -------------------------------

fn started(blind: bool) -> Registration {
    registration::start(Start {
        id: REG,
        person: CITIZEN,
        office: OFFICE,
        officer: OFFICER,
        rules_accepted: true,
        read_aloud: blind,
        blind,
        on: TODAY,
    })
    .unwrap()
    .0
}

fn check(proofing: DkProofing, assurance: Nsis) -> CheckIdentity {
    CheckIdentity {
        officer: OFFICER,
        national_id: cpr(),
        proofing,
        assurance,
        email: Some(EMAIL.into()),
        mobile: Some(MOBILE.into()),
        at: AT,
    }
}

fn checked_event(
    method: ProofingMethod,
    documents: Vec<DkDocument>,
    delivery: Delivery,
    assurance: Nsis,
) -> RegEvent {
    RegEvent::IdentityChecked {
        registration: REG,
        person: CITIZEN,
        officer: OFFICER,
        method,
        documents,
        cpr_lookup: true,
        situation: DkSituation::Ordinary,
        delivery,
        assurance,
        on: TODAY,
    }
}

/// A registration after `events`.
fn after(mut reg: Registration, events: &[RegEvent]) -> Registration {
    for e in events {
        reg.apply(e);
    }
    reg
}

/// A registration whose identity was checked with photo ID at `assurance` (approved when
/// the default policy needs it), or without photo ID.
fn identity_checked(assurance: Nsis, photo: bool, blind: bool) -> Registration {
    let proofing = if photo { photo_id(CITIZEN) } else { without_photo(CITIZEN) };
    let reg = started(blind);
    let events = registration::check_identity(&reg, check(proofing, assurance), &Policy::default()).unwrap();
    after(reg, &events)
}

fn approved_high() -> Registration {
    let reg = identity_checked(Nsis::High, true, false);
    let events = registration::approve(
        &reg,
        Approve { approver: admin(2), verdict: Verdict::Approve, at: AT },
        &Policy::default(),
    )
    .unwrap();
    after(reg, &events)
}

#[test]
fn starting_a_registration() {
    let go = |accepted, read_aloud| {
        registration::start(Start {
            id: REG,
            person: CITIZEN,
            office: OFFICE,
            officer: OFFICER,
            rules_accepted: accepted,
            read_aloud,
            blind: read_aloud,
            on: TODAY,
        })
        .map(|(_, events)| events)
    };
    run(vec![
        (
            "rules accepted",
            go(true, false),
            Events(vec![RegEvent::RulesAccepted {
                registration: REG,
                person: CITIZEN,
                office: OFFICE,
                officer: OFFICER,
                read_aloud: false,
                blind: false,
                on: TODAY,
            }]),
        ),
        (
            "rules read aloud to a blind citizen (R-DK-3)",
            go(true, true),
            Events(vec![RegEvent::RulesAccepted {
                registration: REG,
                person: CITIZEN,
                office: OFFICE,
                officer: OFFICER,
                read_aloud: true,
                blind: true,
                on: TODAY,
            }]),
        ),
        ("rules not accepted", go(false, false), Refused("R-DK-1", Some("rules_accepted"))),
    ]);
    assert_eq!(started(false).status, RegistrationStatus::RulesAccepted);
}

#[test]
fn identity_checks() {
    let policy = Policy::default();
    let reg = started(false);
    let go = |cmd: CheckIdentity| registration::check_identity(&reg, cmd, &policy);
    let passport = vec![DkDocument::Passport];
    let no_photo_docs = vec![DkDocument::HealthInsuranceCard, DkDocument::TaxAssessment];
    let rejected = |rule, reason| {
        Events(vec![RegEvent::Rejected { registration: REG, person: CITIZEN, rule, reason, on: TODAY }])
    };
    let protected = |address: bool, proofing: DkProofing| DkProofing {
        situation: DkSituation::Protected,
        delivery_address: address,
        ..proofing
    };
    let checked_protected = RegEvent::IdentityChecked {
        registration: REG,
        person: CITIZEN,
        officer: OFFICER,
        method: ProofingMethod::DkPhotoDocument,
        documents: passport.clone(),
        cpr_lookup: true,
        situation: DkSituation::Protected,
        delivery: Delivery::HandOut,
        assurance: Nsis::Substantial,
        on: TODAY,
    };
    run(vec![
        (
            "photo ID, substantial (R-IDP-3)",
            go(check(photo_id(CITIZEN), Nsis::Substantial)),
            Events(vec![checked_event(
                ProofingMethod::DkPhotoDocument,
                passport.clone(),
                Delivery::HandOut,
                Nsis::Substantial,
            )]),
        ),
        (
            "photo ID, high: the second officer is asked (R-DK-8)",
            go(check(photo_id(CITIZEN), Nsis::High)),
            Events(vec![
                checked_event(
                    ProofingMethod::DkPhotoDocument,
                    passport.clone(),
                    Delivery::HandOut,
                    Nsis::High,
                ),
                RegEvent::ApprovalRequested { registration: REG, requested_by: OFFICER, at: AT },
            ]),
        ),
        (
            "without photo ID: the key card is to be mailed (R-IDP-4)",
            go(check(without_photo(CITIZEN), Nsis::Substantial)),
            Events(vec![checked_event(
                ProofingMethod::DkWithoutPhoto,
                no_photo_docs,
                Delivery::MailToRegisterAddress,
                Nsis::Substantial,
            )]),
        ),
        (
            "without photo ID, high (R-DK-8)",
            go(check(without_photo(CITIZEN), Nsis::High)),
            Refused("R-DK-8", Some("assurance")),
        ),
        (
            "suspected forgery (R-IDP-5)",
            go(check(forged(CITIZEN), Nsis::Substantial)),
            rejected("R-IDP-5", RejectionReason::SuspectedForgery),
        ),
        (
            "no document with the CPR number (R-IDP-3)",
            go(check(
                DkProofing { documents: vec![presented(DkDocument::Passport, false)], ..photo_id(CITIZEN) },
                Nsis::Substantial,
            )),
            rejected("R-IDP-3", RejectionReason::Incomplete),
        ),
        (
            "CPR lookup does not match (R-IDP-5)",
            go(check(
                DkProofing { cpr_lookup: CprLookup::NotMatched, ..photo_id(CITIZEN) },
                Nsis::Substantial,
            )),
            rejected("R-IDP-5", RejectionReason::Mismatch),
        ),
        (
            "protected, with photo ID and a delivery address (R-IDP-6)",
            go(check(protected(true, photo_id(CITIZEN)), Nsis::Substantial)),
            Events(vec![checked_protected]),
        ),
        (
            "protected without a delivery address (R-IDP-6)",
            go(check(protected(false, photo_id(CITIZEN)), Nsis::Substantial)),
            Refused("R-IDP-6", Some("delivery_address")),
        ),
        (
            "protected without photo ID (R-IDP-6)",
            go(check(protected(true, without_photo(CITIZEN)), Nsis::Substantial)),
            rejected("R-IDP-6", RejectionReason::Incomplete),
        ),
        (
            "not a CPR number (R-DK-1)",
            go(CheckIdentity { national_id: swedish(), ..check(photo_id(CITIZEN), Nsis::Substantial) }),
            Refused("R-DK-1", Some("national_id")),
        ),
        (
            "documents of another person",
            go(check(photo_id(SOMEONE_ELSE), Nsis::Substantial)),
            Refused("R-IDP-3", Some("proofing.person")),
        ),
        (
            "e-mail malformed",
            go(CheckIdentity { email: Some("anna@".into()), ..check(photo_id(CITIZEN), Nsis::Low) }),
            Refused("R-PER-1", Some("email")),
        ),
        (
            "mobile malformed",
            go(CheckIdentity { mobile: Some("12".into()), ..check(photo_id(CITIZEN), Nsis::Low) }),
            Refused("R-PER-1", Some("mobile")),
        ),
        (
            "e-mail and mobile are optional",
            go(CheckIdentity { email: None, mobile: None, ..check(photo_id(CITIZEN), Nsis::Low) }),
            Events(vec![checked_event(
                ProofingMethod::DkPhotoDocument,
                passport.clone(),
                Delivery::HandOut,
                Nsis::Low,
            )]),
        ),
        (
            "the policy asks approval for substantial too",
            registration::check_identity(
                &reg,
                check(photo_id(CITIZEN), Nsis::Substantial),
                &Policy {
                    approvals: tillit_core::ra::policy::Approvals {
                        dk_substantial: true,
                        ..Default::default()
                    },
                    ..Policy::default()
                },
            ),
            Events(vec![
                checked_event(
                    ProofingMethod::DkPhotoDocument,
                    passport.clone(),
                    Delivery::HandOut,
                    Nsis::Substantial,
                ),
                RegEvent::ApprovalRequested { registration: REG, requested_by: OFFICER, at: AT },
            ]),
        ),
        (
            "checked twice",
            registration::check_identity(
                &identity_checked(Nsis::Low, true, false),
                check(photo_id(CITIZEN), Nsis::Low),
                &policy,
            ),
            Refused("R-STATE", None),
        ),
    ]);
    // A rejected registration is final: nothing more happens to it.
    let rejected = after(reg.clone(), &go(check(forged(CITIZEN), Nsis::Substantial)).unwrap());
    assert_eq!(rejected.status, RegistrationStatus::Rejected);
    assert!(rejected.identity_signed().is_none());
    assert_eq!(registration::cancel(&rejected, OFFICER, TODAY).unwrap_err().rule, "R-STATE");
    let checked = identity_checked(Nsis::Substantial, true, false);
    assert_eq!(
        checked.checked,
        Some(Checked {
            officer: OFFICER,
            method: ProofingMethod::DkPhotoDocument,
            documents: passport,
            cpr_lookup: true,
            situation: DkSituation::Ordinary,
            delivery: Delivery::HandOut,
            assurance: Nsis::Substantial,
            on: TODAY
        })
    );
}

#[test]
fn the_second_officer() {
    let policy = Policy::default();
    let waiting = identity_checked(Nsis::High, true, false);
    assert_eq!(waiting.status, RegistrationStatus::AwaitingApproval);
    let go = |reg: &Registration, approver: OfficerRoles, verdict| {
        registration::approve(reg, Approve { approver, verdict, at: AT }, &policy)
    };
    let me = OfficerRoles { id: OFFICER, roles: vec![Role::DkRaAdmin] };
    let employee = OfficerRoles { id: SECOND, roles: vec![Role::DkRaEmployee] };
    run(vec![
        (
            "approved by another administrator",
            go(&waiting, admin(2), Verdict::Approve),
            Events(vec![RegEvent::Approved { registration: REG, by: admin(2).id, at: AT }]),
        ),
        (
            "approved by the officer who checked",
            go(&waiting, me, Verdict::Approve),
            Refused("R-DK-8", Some("approver")),
        ),
        (
            "approved by an RA employee",
            go(&waiting, employee, Verdict::Approve),
            Refused("R-DK-8", Some("approver")),
        ),
        (
            "rejected",
            go(&waiting, admin(2), Verdict::Reject(RejectReason::IdentityInDoubt)),
            Events(vec![RegEvent::ApprovalRejected {
                registration: REG,
                by: admin(2).id,
                reason: RejectReason::IdentityInDoubt,
                at: AT,
            }]),
        ),
        (
            "nothing to approve",
            go(&identity_checked(Nsis::Substantial, true, false), admin(2), Verdict::Approve),
            Refused("R-STATE", None),
        ),
        ("approved already", go(&approved_high(), admin(3), Verdict::Approve), Refused("R-STATE", None)),
    ]);
    let rejected =
        after(waiting.clone(), &go(&waiting, admin(2), Verdict::Reject(RejectReason::Other)).unwrap());
    assert_eq!(rejected.status, RegistrationStatus::Rejected);
    assert!(rejected.approval.as_ref().is_some_and(|a| a.is_decided() && !a.is_approved()));
    assert_eq!(approved_high().status, RegistrationStatus::Approved);
    assert!(approved_high().approval.is_some_and(|a| a.is_approved()));
}

fn issue_cmd(envelopes: &[u128]) -> Issue {
    Issue {
        officer: OFFICER,
        account: ACCOUNT,
        user_id: USER_ID.into(),
        envelopes: envelopes.iter().map(|n| auth_id(*n)).collect(),
        enrol: vec![],
        key_card_delivery: HandOver::HandOut,
        large_print: false,
        blind: None,
        mobile_on_file: true,
        at: AT,
    }
}

/// The office's safe: 1 key card, 2 passcode letter, 3 medium, 4 code display, 5 audio code
/// reader, 6 discarded key card, 7 large-print key card, 8 another office's key card,
/// 9 a second passcode letter.
fn safe() -> Vec<Authenticator> {
    vec![
        envelope(1, AuthKind::KeyCard),
        envelope(2, AuthKind::PasscodeLetter),
        envelope(3, AuthKind::Medium),
        envelope(4, AuthKind::CodeDisplay),
        envelope(5, AuthKind::AudioCodeReader),
        Authenticator {
            status: AuthStatus::Discarded,
            discarded: Some(EnvelopeMark::Opened),
            ..envelope(6, AuthKind::KeyCard)
        },
        large_key_card(7),
        Authenticator { office: OTHER_OFFICE, ..envelope(8, AuthKind::KeyCard) },
        envelope(9, AuthKind::PasscodeLetter),
    ]
}

fn handed(n: u128, kind: AuthKind) -> AuthEvent {
    AuthEvent::HandedOut {
        authenticator: auth_id(n),
        kind,
        serial: Some(format!("{:08}", 40_000 + n)),
        person: CITIZEN,
        account: ACCOUNT,
        officer: OFFICER,
        at: AT,
    }
}

fn mailed(n: u128, kind: AuthKind) -> AuthEvent {
    AuthEvent::Mailed {
        authenticator: auth_id(n),
        kind,
        serial: Some(format!("{:08}", 40_000 + n)),
        person: CITIZEN,
        account: ACCOUNT,
        officer: OFFICER,
        at: AT,
    }
}

#[test]
fn issuing() {
    let policy = Policy::default();
    let modern = Policy {
        dk_authenticators: vec![
            AuthKind::CodeDisplay,
            AuthKind::Passkey,
            AuthKind::ActivationCode,
            AuthKind::SmsPin,
            AuthKind::KeyCard,
            AuthKind::PasscodeLetter,
        ],
        ..Policy::default()
    };
    let stock = safe();
    let substantial = identity_checked(Nsis::Substantial, true, false);
    let no_photo = identity_checked(Nsis::Substantial, false, false);
    let blind = identity_checked(Nsis::Substantial, true, true);
    let go = |reg: &Registration, existing: Option<&Account>, cmd: Issue, policy: &Policy| {
        registration::issue(reg, existing, &stock, cmd, policy).map(|i| i.authenticator_events)
    };
    let revoked_large =
        Account { id: AccountId(uuid(7401)), status: AccountStatus::Revoked, large_print: true, ..active() };
    let support = BlindSupport {
        key_phone: KEY_PHONE.into(),
        test_call: TestCall::Succeeded,
        passcode_by: PasscodeBy::Medium,
    };
    let enrolled = |n: u128, kind, hand_over| AuthEvent::Enrolled {
        authenticator: auth_id(n),
        kind,
        person: CITIZEN,
        account: ACCOUNT,
        hand_over,
        officer: OFFICER,
        at: AT,
    };
    run(vec![
        (
            "key card and passcode letter handed over (R-DK-1)",
            go(&substantial, None, issue_cmd(&[1, 2]), &policy),
            Events(vec![handed(1, AuthKind::KeyCard), handed(2, AuthKind::PasscodeLetter)]),
        ),
        (
            "the key card mailed at the citizen's request",
            go(
                &substantial,
                None,
                Issue { key_card_delivery: HandOver::Mail, ..issue_cmd(&[1, 2]) },
                &policy,
            ),
            Events(vec![mailed(1, AuthKind::KeyCard), handed(2, AuthKind::PasscodeLetter)]),
        ),
        (
            "without photo ID the key card is handed out (R-IDP-4)",
            go(&no_photo, None, issue_cmd(&[1, 2]), &policy),
            Refused("R-IDP-4", Some("key_card_delivery")),
        ),
        (
            "without photo ID the key card is mailed (R-IDP-4)",
            go(&no_photo, None, Issue { key_card_delivery: HandOver::Mail, ..issue_cmd(&[1, 2]) }, &policy),
            Events(vec![mailed(1, AuthKind::KeyCard), handed(2, AuthKind::PasscodeLetter)]),
        ),
        (
            "an opened envelope (R-RES-4)",
            go(&substantial, None, issue_cmd(&[6, 2]), &policy),
            Refused("R-RES-4", Some("authenticator")),
        ),
        (
            "another office's key card (R-RES-4)",
            go(&substantial, None, issue_cmd(&[8, 2]), &policy),
            Refused("R-RES-4", Some("envelopes")),
        ),
        (
            "an unknown envelope (R-RES-4)",
            go(&substantial, None, issue_cmd(&[99, 2]), &policy),
            Refused("R-RES-4", Some("envelopes")),
        ),
        (
            "no temporary passcode",
            go(&substantial, None, issue_cmd(&[1]), &policy),
            Refused("R-DK-1", Some("envelopes")),
        ),
        (
            "two temporary passcodes",
            go(&substantial, None, issue_cmd(&[1, 2, 9]), &policy),
            Refused("R-DK-1", Some("envelopes")),
        ),
        (
            "no key card",
            go(&substantial, None, issue_cmd(&[2]), &policy),
            Refused("R-DK-1", Some("envelopes")),
        ),
        (
            "the same envelope twice",
            go(&substantial, None, issue_cmd(&[1, 2, 2]), &policy),
            Refused("R-DK-1", Some("envelopes")),
        ),
        (
            "a code display the office does not enrol (R-DK-8)",
            go(&substantial, None, issue_cmd(&[4, 2]), &policy),
            Refused("R-DK-8", Some("envelopes")),
        ),
        (
            "a code display and a paper activation code where the office enrols them (R-DK-8)",
            go(
                &substantial,
                None,
                Issue {
                    enrol: vec![NewAuthenticator { id: auth_id(60), kind: AuthKind::ActivationCode }],
                    ..issue_cmd(&[4])
                },
                &modern,
            ),
            Events(vec![
                handed(4, AuthKind::CodeDisplay),
                enrolled(60, AuthKind::ActivationCode, HandOver::HandOut),
            ]),
        ),
        (
            "a passkey and an SMS PIN",
            go(
                &substantial,
                None,
                Issue {
                    enrol: vec![
                        NewAuthenticator { id: auth_id(61), kind: AuthKind::Passkey },
                        NewAuthenticator { id: auth_id(62), kind: AuthKind::SmsPin },
                    ],
                    ..issue_cmd(&[])
                },
                &modern,
            ),
            Events(vec![
                enrolled(61, AuthKind::Passkey, HandOver::HandOut),
                enrolled(62, AuthKind::SmsPin, HandOver::Sms),
            ]),
        ),
        (
            "an SMS PIN without a mobile number",
            go(
                &substantial,
                None,
                Issue {
                    mobile_on_file: false,
                    enrol: vec![NewAuthenticator { id: auth_id(62), kind: AuthKind::SmsPin }],
                    ..issue_cmd(&[1])
                },
                &modern,
            ),
            Refused("R-DK-1", Some("mobile_on_file")),
        ),
        (
            "a key card enrolled instead of taken from stock",
            go(
                &substantial,
                None,
                Issue {
                    enrol: vec![NewAuthenticator { id: auth_id(63), kind: AuthKind::KeyCard }],
                    ..issue_cmd(&[2])
                },
                &policy,
            ),
            Refused("R-RES-4", Some("kind")),
        ),
        (
            "the citizen has an eID already",
            go(&substantial, Some(&active()), issue_cmd(&[1, 2]), &policy),
            Refused("R-DK-1", Some("account")),
        ),
        (
            "another person's account",
            go(
                &substantial,
                Some(&Account { person: SOMEONE_ELSE, status: AccountStatus::Revoked, ..active() }),
                issue_cmd(&[1, 2]),
                &policy,
            ),
            Refused("R-DK-1", Some("account")),
        ),
        (
            "large print remembered from the revoked account: a standard card (R-DK-2)",
            go(&substantial, Some(&revoked_large), issue_cmd(&[1, 2]), &policy),
            Refused("R-DK-2", Some("envelopes")),
        ),
        (
            "large print remembered: a large-print card (R-DK-2)",
            go(&substantial, Some(&revoked_large), issue_cmd(&[7, 2]), &policy),
            Events(vec![handed(7, AuthKind::KeyCard), handed(2, AuthKind::PasscodeLetter)]),
        ),
        (
            "a new account reusing the revoked account's id",
            go(
                &substantial,
                Some(&Account { status: AccountStatus::Revoked, ..active() }),
                issue_cmd(&[1, 2]),
                &policy,
            ),
            Refused("R-DK-1", Some("account")),
        ),
        (
            "large print on request (R-DK-2)",
            go(&substantial, None, Issue { large_print: true, ..issue_cmd(&[7, 2]) }, &policy),
            Events(vec![handed(7, AuthKind::KeyCard), handed(2, AuthKind::PasscodeLetter)]),
        ),
        (
            "a large-print card nobody asked for",
            go(&substantial, None, issue_cmd(&[7, 2]), &policy),
            Refused("R-DK-2", Some("envelopes")),
        ),
        (
            "a blind citizen without a key phone (R-DK-3)",
            go(&blind, None, issue_cmd(&[1, 3]), &policy),
            Refused("R-DK-3", Some("blind")),
        ),
        (
            "a blind citizen given a passcode letter (R-DK-3)",
            go(&blind, None, Issue { blind: Some(support.clone()), ..issue_cmd(&[1, 2]) }, &policy),
            Refused("R-DK-3", Some("envelopes")),
        ),
        (
            "a blind citizen: medium and audio code reader whatever the policy (R-DK-3)",
            go(&blind, None, Issue { blind: Some(support.clone()), ..issue_cmd(&[5, 3]) }, &policy),
            Events(vec![handed(5, AuthKind::AudioCodeReader), handed(3, AuthKind::Medium)]),
        ),
        (
            "a blind citizen: passcode by SMS to the key phone (R-DK-3)",
            go(
                &blind,
                None,
                Issue {
                    blind: Some(support.clone()),
                    mobile_on_file: false,
                    enrol: vec![NewAuthenticator { id: auth_id(64), kind: AuthKind::SmsPin }],
                    ..issue_cmd(&[1])
                },
                &policy,
            ),
            Events(vec![handed(1, AuthKind::KeyCard), enrolled(64, AuthKind::SmsPin, HandOver::Sms)]),
        ),
        (
            "a blind citizen whose test call failed (R-DK-3)",
            go(
                &blind,
                None,
                Issue {
                    blind: Some(BlindSupport { test_call: TestCall::Failed, ..support.clone() }),
                    ..issue_cmd(&[1, 3])
                },
                &policy,
            ),
            Refused("R-DK-3", Some("blind.test_call")),
        ),
        (
            "a medium for a sighted citizen the office does not enrol",
            go(&substantial, None, issue_cmd(&[1, 3]), &policy),
            Refused("R-DK-8", Some("envelopes")),
        ),
        (
            "a bad user id",
            go(&substantial, None, Issue { user_id: "a b".into(), ..issue_cmd(&[1, 2]) }, &policy),
            Refused("R-DK-1", Some("user_id")),
        ),
        (
            "a key card by SMS",
            go(&substantial, None, Issue { key_card_delivery: HandOver::Sms, ..issue_cmd(&[1, 2]) }, &policy),
            Refused("R-DK-1", Some("key_card_delivery")),
        ),
        (
            "high, awaiting approval (R-DK-8)",
            go(&identity_checked(Nsis::High, true, false), None, issue_cmd(&[1, 2]), &policy),
            Refused("R-DK-8", None),
        ),
        (
            "high, approved",
            go(&approved_high(), None, issue_cmd(&[1, 2]), &policy),
            Events(vec![handed(1, AuthKind::KeyCard), handed(2, AuthKind::PasscodeLetter)]),
        ),
        (
            "substantial checked, but the policy now needs an approval",
            go(
                &substantial,
                None,
                issue_cmd(&[1, 2]),
                &Policy {
                    approvals: tillit_core::ra::policy::Approvals {
                        dk_substantial: true,
                        ..Default::default()
                    },
                    ..Policy::default()
                },
            ),
            Refused("R-DK-8", None),
        ),
    ]);

    // The whole issuance: registration, account and authenticators.
    let got = registration::issue(
        &substantial,
        None,
        &stock,
        Issue { large_print: true, ..issue_cmd(&[7, 2]) },
        &policy,
    )
    .unwrap();
    assert_eq!(
        got.events,
        vec![RegEvent::Issued {
            registration: REG,
            person: CITIZEN,
            account: ACCOUNT,
            assurance: Nsis::Substantial,
            officer: OFFICER,
            items: vec![
                IssuedItem {
                    authenticator: auth_id(7),
                    kind: AuthKind::KeyCard,
                    serial: Some("00040007".into()),
                    hand_over: HandOver::HandOut
                },
                IssuedItem {
                    authenticator: auth_id(2),
                    kind: AuthKind::PasscodeLetter,
                    serial: Some("00040002".into()),
                    hand_over: HandOver::HandOut
                },
            ],
            on: TODAY,
        }]
    );
    assert_eq!(got.account.user_id, USER_ID);
    assert_eq!(
        (got.account.status, got.account.large_print, got.account.assurance),
        (AccountStatus::AwaitingActivation, true, Nsis::Substantial)
    );
    assert_eq!(
        got.account_events,
        vec![AccountEvent::Opened {
            account: ACCOUNT,
            person: CITIZEN,
            assurance: Nsis::Substantial,
            large_print: true,
            blind: false,
            on: TODAY
        }]
    );
    assert!(got.enrolled.is_empty());
    let done = after(substantial.clone(), &got.events);
    assert_eq!(
        (done.status, done.account, done.issued.clone()),
        (RegistrationStatus::Issued, Some(ACCOUNT), vec![auth_id(7), auth_id(2)])
    );
    assert_eq!(
        registration::issue(&done, None, &stock, issue_cmd(&[1, 9]), &policy).unwrap_err().rule,
        "R-STATE",
        "issued once"
    );
    // A blind citizen proofed without photo ID: the medium is mailed too (001 §2.6).
    let blind_no_photo = identity_checked(Nsis::Substantial, false, true);
    let got = registration::issue(
        &blind_no_photo,
        None,
        &stock,
        Issue { blind: Some(support.clone()), key_card_delivery: HandOver::Mail, ..issue_cmd(&[5, 3]) },
        &policy,
    )
    .unwrap();
    assert_eq!(
        got.authenticator_events,
        vec![mailed(5, AuthKind::AudioCodeReader), mailed(3, AuthKind::Medium)]
    );
    assert_eq!(got.account.blind, Some(support));
}

#[test]
fn cancelling() {
    for reg in [
        started(false),
        identity_checked(Nsis::Low, true, false),
        identity_checked(Nsis::High, true, false),
        approved_high(),
    ] {
        assert_eq!(
            registration::cancel(&reg, OFFICER, TODAY).unwrap(),
            vec![RegEvent::Cancelled { registration: REG, officer: OFFICER, on: TODAY }]
        );
        let cancelled = after(reg, &registration::cancel(&started(false), OFFICER, TODAY).unwrap());
        assert_eq!(cancelled.status, RegistrationStatus::Cancelled);
        assert!(cancelled.identity_signed().is_none());
        assert_eq!(registration::cancel(&cancelled, OFFICER, TODAY).unwrap_err().rule, "R-STATE");
    }
}

/// Every state a registration can be in, made by the routine itself.
fn every_state() -> Vec<Registration> {
    let policy = Policy::default();
    let forged_reg = {
        let reg = started(false);
        after(
            reg.clone(),
            &registration::check_identity(&reg, check(forged(CITIZEN), Nsis::Low), &policy).unwrap(),
        )
    };
    let approval_rejected = {
        let reg = identity_checked(Nsis::High, true, false);
        let events = registration::approve(
            &reg,
            Approve { approver: admin(2), verdict: Verdict::Reject(RejectReason::Other), at: AT },
            &policy,
        )
        .unwrap();
        after(reg, &events)
    };
    let issued = {
        let reg = identity_checked(Nsis::Low, true, false);
        let events = registration::issue(&reg, None, &safe(), issue_cmd(&[1, 2]), &policy).unwrap().events;
        after(reg, &events)
    };
    let cancelled = after(started(false), &registration::cancel(&started(false), OFFICER, TODAY).unwrap());
    vec![
        started(false),
        identity_checked(Nsis::Low, true, false),
        identity_checked(Nsis::High, true, false),
        approved_high(),
        issued,
        forged_reg,
        approval_rejected,
        cancelled,
    ]
}

#[test]
fn the_passcode_letter_is_never_handed_over_before_the_signed_identity_check() {
    let policy = Policy::default();
    let states = every_state();
    let statuses: Vec<RegistrationStatus> = states.iter().map(|r| r.status).collect();
    for status in RegistrationStatus::ALL {
        assert!(statuses.contains(&status), "{status:?} is covered");
    }
    for reg in states {
        let may_hand_over =
            matches!(reg.status, RegistrationStatus::IdentityChecked | RegistrationStatus::Approved);
        assert_eq!(reg.identity_signed().is_some(), may_hand_over, "{:?}", reg.status);
        let got = registration::issue(&reg, None, &safe(), issue_cmd(&[1, 2]), &policy);
        if may_hand_over {
            let events = got.unwrap().authenticator_events;
            assert!(events.contains(&handed(2, AuthKind::PasscodeLetter)));
        } else {
            let refusal = got.unwrap_err();
            let expected = match reg.status {
                RegistrationStatus::RulesAccepted => "R-DK-1",
                RegistrationStatus::AwaitingApproval => "R-DK-8",
                _ => "R-STATE",
            };
            assert_eq!(refusal.rule, expected, "{:?}: {refusal}", reg.status);
        }
    }
}

/// A command of the registration routine, for the property test.
#[derive(Debug, Clone, Copy)]
enum Cmd {
    Check { assurance: u8, photo: bool, forged: bool },
    Approve { same_officer: bool, reject: bool },
    Issue,
    Cancel,
}

fn cmd_strategy() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        (0u8..3, any::<bool>(), any::<bool>()).prop_map(|(assurance, photo, forged)| Cmd::Check {
            assurance,
            photo,
            forged
        }),
        (any::<bool>(), any::<bool>())
            .prop_map(|(same_officer, reject)| Cmd::Approve { same_officer, reject }),
        Just(Cmd::Issue),
        Just(Cmd::Cancel),
    ]
}

proptest! {
    /// Whatever the officers do, in whatever order: a passcode letter is handed over only
    /// after an identity check has been recorded, and for high only after the approval;
    /// a rejected or cancelled registration never issues anything.
    #[test]
    fn no_letter_before_the_check(cmds in proptest::collection::vec(cmd_strategy(), 0..12)) {
        let policy = Policy::default();
        let mut reg = started(false);
        let mut history: Vec<RegEvent> = Vec::new();
        for c in cmds {
            let events = match c {
                Cmd::Check { assurance, photo, forged: f } => {
                    let proofing = if f { forged(CITIZEN) } else if photo { photo_id(CITIZEN) } else { without_photo(CITIZEN) };
                    registration::check_identity(&reg, check(proofing, Nsis::ALL[assurance as usize]), &policy).ok()
                }
                Cmd::Approve { same_officer, reject } => {
                    let approver = if same_officer { OfficerRoles { id: OFFICER, roles: vec![Role::DkRaAdmin] } } else { admin(2) };
                    let verdict = if reject { Verdict::Reject(RejectReason::Other) } else { Verdict::Approve };
                    registration::approve(&reg, Approve { approver, verdict, at: AT }, &policy).ok()
                }
                Cmd::Issue => {
                    let before = reg.status;
                    match registration::issue(&reg, None, &safe(), Issue { key_card_delivery: HandOver::Mail, ..issue_cmd(&[1, 2]) }, &policy) {
                        Ok(issuance) => {
                            prop_assert!(matches!(before, RegistrationStatus::IdentityChecked | RegistrationStatus::Approved));
                            let checked = history.iter().any(|e| matches!(e, RegEvent::IdentityChecked { .. }));
                            let high = history.iter().any(|e| matches!(e, RegEvent::IdentityChecked { assurance: Nsis::High, .. }));
                            let approved = history.iter().any(|e| matches!(e, RegEvent::Approved { .. }));
                            let ended = history.iter().any(|e| {
                                matches!(e, RegEvent::Rejected { .. } | RegEvent::ApprovalRejected { .. } | RegEvent::Cancelled { .. })
                            });
                            prop_assert!(checked, "issued without an identity check");
                            prop_assert!(!high || approved, "high issued without approval");
                            prop_assert!(!ended, "issued after rejection or cancellation");
                            prop_assert!(issuance.authenticator_events.contains(&handed(2, AuthKind::PasscodeLetter)));
                            Some(issuance.events)
                        }
                        Err(_) => None,
                    }
                }
                Cmd::Cancel => registration::cancel(&reg, OFFICER, TODAY).ok(),
            };
            for e in events.unwrap_or_default() {
                reg.apply(&e);
                history.push(e);
            }
        }
    }
}

// ---- pickup (R-DK-4, R-IDP-6) ------------------------------------------------------------------

const PICKUP: PickupId = PickupId(uuid::Uuid::from_u128(7500));
const SENT: Date = date!(2026 - 02 - 10);

fn pickup_at(status: PickupStatus, reason: PickupReason) -> Pickup {
    let (mut p, _) = pickup::order(OrderPickup {
        id: PICKUP,
        person: CITIZEN,
        office: OFFICE,
        reason,
        on: date!(2026 - 02 - 09),
    });
    let policy = Policy::default();
    if status == PickupStatus::Ordered {
        return p;
    }
    for e in pickup::dispatch(&p.clone(), SENT, &policy).unwrap() {
        p.apply(&e);
    }
    if status == PickupStatus::Dispatched {
        return p;
    }
    for e in pickup::arrive(&p.clone(), date!(2026 - 02 - 13)).unwrap() {
        p.apply(&e);
    }
    p.status = status;
    p
}

fn passport(kind: PickupDocumentKind) -> PickupDocument {
    PickupDocument {
        kind,
        number: format!(" {DOC_NUMBER} "),
        expires: date!(2030 - 01 - 01),
        carries_cpr: true,
    }
}

fn collect(document: PickupDocument, on: Date) -> Collect {
    Collect { officer: OFFICER, document, photo_matches: true, on }
}

#[test]
fn pickup_routine() {
    let policy = Policy::default();
    let (ordered, events) = pickup::order(OrderPickup {
        id: PICKUP,
        person: CITIZEN,
        office: OFFICE,
        reason: PickupReason::Abroad,
        on: date!(2026 - 02 - 09),
    });
    assert_eq!(
        events,
        vec![PickupEvent::Ordered {
            pickup: PICKUP,
            person: CITIZEN,
            office: OFFICE,
            reason: PickupReason::Abroad,
            on: date!(2026 - 02 - 09)
        }]
    );
    assert_eq!(ordered.status, PickupStatus::Ordered);
    let dispatched = pickup_at(PickupStatus::Dispatched, PickupReason::Abroad);
    let arrived = pickup_at(PickupStatus::Arrived, PickupReason::Abroad);
    let protected = pickup_at(PickupStatus::Arrived, PickupReason::Protected);
    assert_eq!(dispatched.expires_on, Some(date!(2026 - 03 - 12)), "30 days after dispatch");
    assert_eq!(arrived.arrived_on, Some(date!(2026 - 02 - 13)));
    let collected = |kind| {
        Events(vec![PickupEvent::Collected {
            pickup: PICKUP,
            officer: OFFICER,
            document: kind,
            document_number: DOC_NUMBER.into(),
            document_expires: date!(2030 - 01 - 01),
            on: TODAY,
        }])
    };
    let licence = passport(PickupDocumentKind::DanishDrivingLicence);
    let pass = passport(PickupDocumentKind::DanishPassport);
    run(vec![
        (
            "dispatch",
            pickup::dispatch(&ordered, SENT, &policy),
            Events(vec![PickupEvent::Dispatched {
                pickup: PICKUP,
                on: SENT,
                expires_on: date!(2026 - 03 - 12),
            }]),
        ),
        (
            "dispatch with a 14-day policy",
            pickup::dispatch(&ordered, SENT, &Policy { dk_pickup_days: 14, ..Policy::default() }),
            Events(vec![PickupEvent::Dispatched {
                pickup: PICKUP,
                on: SENT,
                expires_on: date!(2026 - 02 - 24),
            }]),
        ),
        (
            "dispatch before the order",
            pickup::dispatch(&ordered, date!(2026 - 02 - 01), &policy),
            Refused("R-DK-4", Some("on")),
        ),
        ("dispatch twice", pickup::dispatch(&dispatched, SENT, &policy), Refused("R-STATE", None)),
        (
            "arrival stamped",
            pickup::arrive(&dispatched, date!(2026 - 02 - 12)),
            Events(vec![PickupEvent::Arrived { pickup: PICKUP, on: date!(2026 - 02 - 12) }]),
        ),
        (
            "arrival before dispatch",
            pickup::arrive(&dispatched, date!(2026 - 02 - 09)),
            Refused("R-DK-4", Some("on")),
        ),
        ("arrival before it was sent", pickup::arrive(&ordered, TODAY), Refused("R-STATE", None)),
        (
            "collected with a Danish passport",
            pickup::collect(&arrived, collect(pass.clone(), TODAY)),
            collected(PickupDocumentKind::DanishPassport),
        ),
        (
            "abroad: a driving licence is not enough",
            pickup::collect(&arrived, collect(licence.clone(), TODAY)),
            Refused("R-DK-4", Some("document.kind")),
        ),
        (
            "protected: a Danish driving licence",
            pickup::collect(&protected, collect(licence.clone(), TODAY)),
            collected(PickupDocumentKind::DanishDrivingLicence),
        ),
        (
            "expired passport",
            pickup::collect(
                &arrived,
                collect(PickupDocument { expires: date!(2026 - 03 - 01), ..pass.clone() }, TODAY),
            ),
            Refused("R-DK-4", Some("document.expires")),
        ),
        (
            "passport without CPR",
            pickup::collect(&arrived, collect(PickupDocument { carries_cpr: false, ..pass.clone() }, TODAY)),
            Refused("R-DK-4", Some("document.carries_cpr")),
        ),
        (
            "no passport number",
            pickup::collect(&arrived, collect(PickupDocument { number: " ".into(), ..pass.clone() }, TODAY)),
            Refused("R-DK-4", Some("document.number")),
        ),
        (
            "the photo does not match",
            pickup::collect(&arrived, Collect { photo_matches: false, ..collect(pass.clone(), TODAY) }),
            Refused("R-DK-4", Some("photo_matches")),
        ),
        (
            "on the last day",
            pickup::collect(&arrived, collect(pass.clone(), date!(2026 - 03 - 12))),
            Events(vec![PickupEvent::Collected {
                pickup: PICKUP,
                officer: OFFICER,
                document: PickupDocumentKind::DanishPassport,
                document_number: DOC_NUMBER.into(),
                document_expires: date!(2030 - 01 - 01),
                on: date!(2026 - 03 - 12),
            }]),
        ),
        (
            "after its expiry",
            pickup::collect(&arrived, collect(pass.clone(), date!(2026 - 03 - 13))),
            Refused("R-DK-4", Some("on")),
        ),
        (
            "not arrived yet",
            pickup::collect(&dispatched, collect(pass.clone(), TODAY)),
            Refused("R-STATE", None),
        ),
    ]);
    let mut p = arrived.clone();
    for e in pickup::collect(&arrived, collect(pass, TODAY)).unwrap() {
        p.apply(&e);
    }
    assert_eq!(p.status, PickupStatus::Collected);
    assert_eq!(
        p.document.as_ref().map(|d| (d.number.as_str(), d.expires)),
        Some((DOC_NUMBER, date!(2030 - 01 - 01)))
    );
    assert_eq!(p.collected_by, Some(OFFICER));
}

#[test]
fn uncollected_pickups_are_destroyed_after_expiry() {
    let arrived = pickup_at(PickupStatus::Arrived, PickupReason::Protected);
    let dispatched = pickup_at(PickupStatus::Dispatched, PickupReason::Abroad);
    let last_day = date!(2026 - 03 - 12);
    let day_after = date!(2026 - 03 - 13);
    let destroyed = |on| Events(vec![PickupEvent::Destroyed { pickup: PICKUP, on }]);
    run(vec![
        ("before the expiry", pickup::expire(&arrived, TODAY), Refused("R-DK-4", Some("today"))),
        ("on the last day to collect", pickup::expire(&arrived, last_day), Refused("R-DK-4", Some("today"))),
        ("the day after", pickup::expire(&arrived, day_after), destroyed(day_after)),
        ("sent, never arrived", pickup::expire(&dispatched, day_after), destroyed(day_after)),
        (
            "collected",
            pickup::expire(&pickup_at(PickupStatus::Collected, PickupReason::Abroad), day_after),
            Refused("R-STATE", None),
        ),
        (
            "destroyed already",
            pickup::expire(&pickup_at(PickupStatus::Destroyed, PickupReason::Abroad), day_after),
            Refused("R-STATE", None),
        ),
        (
            "not sent",
            pickup::expire(&pickup_at(PickupStatus::Ordered, PickupReason::Abroad), day_after),
            Refused("R-STATE", None),
        ),
    ]);
    assert!(!pickup::is_due(&arrived, last_day));
    assert!(pickup::is_due(&arrived, day_after));
    assert!(pickup::is_due(&dispatched, day_after));
    assert!(!pickup::is_due(&pickup_at(PickupStatus::Collected, PickupReason::Abroad), day_after));
    assert!(!pickup::is_due(&pickup_at(PickupStatus::Ordered, PickupReason::Abroad), day_after));
    let mut p = arrived.clone();
    for e in pickup::expire(&arrived, day_after).unwrap() {
        p.apply(&e);
    }
    assert_eq!((p.status, p.destroyed_on), (PickupStatus::Destroyed, Some(day_after)));
    assert!(!pickup::is_due(&p, day_after), "the job runs once");
}

// ---- extra key cards (R-DK-5) ------------------------------------------------------------------

fn visit(account: &Account, policy: &Policy) -> Visit {
    let cmd = OpenVisit {
        id: VisitId(uuid(7600)),
        office: OFFICE,
        officer: OFFICER,
        proofing: photo_id(CITIZEN),
        on: TODAY,
    };
    match extra::open_visit(account, cmd, policy).unwrap() {
        Opened::Visit(v, _) => v,
        Opened::Rejected(e) => panic!("rejected: {e:?}"),
    }
}

#[test]
fn opening_a_visit() {
    let policy = Policy::default();
    let open = |account: &Account, proofing| {
        extra::open_visit(
            account,
            OpenVisit { id: VisitId(uuid(7600)), office: OFFICE, officer: OFFICER, proofing, on: TODAY },
            &policy,
        )
    };
    match open(&active(), photo_id(CITIZEN)).unwrap() {
        Opened::Visit(v, events) => {
            assert_eq!(
                events,
                vec![ExtraEvent::VisitOpened {
                    visit: v.id,
                    account: ACCOUNT,
                    person: CITIZEN,
                    office: OFFICE,
                    officer: OFFICER,
                    method: ProofingMethod::DkPhotoDocument,
                    on: TODAY
                }]
            );
            assert!(v.issued.is_empty());
            assert_eq!(v.remaining(&policy), 10);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        open(&active(), forged(CITIZEN)).unwrap(),
        Opened::Rejected(vec![ExtraEvent::Rejected {
            account: ACCOUNT,
            person: CITIZEN,
            rule: "R-IDP-5",
            reason: RejectionReason::SuspectedForgery,
            on: TODAY
        }])
    );
    // Without photo ID the first key card is mailed (R-IDP-4); extra cards are handed out.
    assert!(matches!(open(&active(), without_photo(CITIZEN)).unwrap(), Opened::Visit(..)));
    assert_eq!(
        open(&Account { status: AccountStatus::Suspended, ..active() }, photo_id(CITIZEN)).unwrap_err().rule,
        "R-DK-7"
    );
    assert_eq!(open(&active(), photo_id(SOMEONE_ELSE)).unwrap_err().field, Some("proofing.person"));
}

#[test]
fn at_most_ten_extra_key_cards_a_visit() {
    let policy = Policy::default();
    let account = active();
    let mut v = visit(&account, &policy);
    let cmd = ExtraKeyCard { officer: OFFICER, at: AT };
    for n in 0..10 {
        let card = envelope(100 + n, AuthKind::KeyCard);
        let events = extra::hand_out_extra(&v, &account, &card, cmd, &policy).unwrap();
        assert_eq!(
            events,
            vec![handed(100 + n, AuthKind::KeyCard)],
            "card {n}, entered and signed on its own"
        );
        for e in &events {
            v.apply(e);
        }
    }
    assert_eq!(v.issued.len(), 10);
    assert_eq!(v.remaining(&policy), 0);
    let eleventh =
        extra::hand_out_extra(&v, &account, &envelope(110, AuthKind::KeyCard), cmd, &policy).unwrap_err();
    assert_eq!((eleventh.rule, eleventh.field), ("R-DK-5", Some("extra_key_cards")));
    assert!(eleventh.reason.contains("10"), "{eleventh}");

    let fresh = visit(&account, &policy);
    let strict = Policy { dk_max_extra_key_cards: 2, ..Policy::default() };
    let two = Visit { issued: vec![auth_id(100), auth_id(101)], ..fresh.clone() };
    let go = |v: &Visit, a: &Account, card: &Authenticator, cmd: ExtraKeyCard, p: &Policy| {
        extra::hand_out_extra(v, a, card, cmd, p)
    };
    let large = Account { large_print: true, ..active() };
    run(vec![
        (
            "a key card",
            go(&fresh, &account, &envelope(1, AuthKind::KeyCard), cmd, &policy),
            Events(vec![handed(1, AuthKind::KeyCard)]),
        ),
        (
            "the policy's stricter limit",
            go(&two, &account, &envelope(1, AuthKind::KeyCard), cmd, &strict),
            Refused("R-DK-5", Some("extra_key_cards")),
        ),
        (
            "the next day",
            go(
                &fresh,
                &account,
                &envelope(1, AuthKind::KeyCard),
                ExtraKeyCard { officer: OFFICER, at: datetime!(2026-03-03 09:00 UTC) },
                &policy,
            ),
            Refused("R-DK-5", Some("at")),
        ),
        (
            "a passcode letter",
            go(&fresh, &account, &envelope(2, AuthKind::PasscodeLetter), cmd, &policy),
            Refused("R-DK-5", Some("authenticator")),
        ),
        (
            "another office's card",
            go(
                &fresh,
                &account,
                &Authenticator { office: OTHER_OFFICE, ..envelope(1, AuthKind::KeyCard) },
                cmd,
                &policy,
            ),
            Refused("R-RES-4", Some("authenticator")),
        ),
        (
            "an opened envelope",
            go(
                &fresh,
                &account,
                &Authenticator { status: AuthStatus::Discarded, ..envelope(1, AuthKind::KeyCard) },
                cmd,
                &policy,
            ),
            Refused("R-RES-4", Some("authenticator")),
        ),
        (
            "large print remembered: a standard card (R-DK-2)",
            go(&fresh, &large, &envelope(1, AuthKind::KeyCard), cmd, &policy),
            Refused("R-DK-2", Some("authenticator")),
        ),
        (
            "large print remembered: a large-print card",
            go(&fresh, &large, &large_key_card(7), cmd, &policy),
            Events(vec![handed(7, AuthKind::KeyCard)]),
        ),
        (
            "a suspended eID",
            go(
                &fresh,
                &Account { status: AccountStatus::Suspended, ..active() },
                &envelope(1, AuthKind::KeyCard),
                cmd,
                &policy,
            ),
            Refused("R-DK-7", None),
        ),
        (
            "another account's visit",
            go(
                &fresh,
                &Account { id: AccountId(uuid(1)), ..active() },
                &envelope(1, AuthKind::KeyCard),
                cmd,
                &policy,
            ),
            Refused("R-DK-5", Some("account")),
        ),
    ]);
}

// ---- forgotten passcode (R-DK-6) ---------------------------------------------------------------

fn forgotten_cmd(proofing: DkProofing, new: NewPasscode) -> Forgotten {
    Forgotten {
        officer: OFFICER,
        office: OFFICE,
        proofing,
        consequence_accepted: true,
        new_passcode: new,
        mobile_on_file: true,
        certificates: vec![CredentialId(uuid(7701)), CredentialId(uuid(7700)), CredentialId(uuid(7700))],
        at: AT,
    }
}

#[test]
fn forgotten_passcode() {
    let policy = Policy::default();
    let stock = safe();
    let go = |a: &Account, cmd| forgotten::new_passcode(a, &stock, cmd, &policy);
    let letter = NewPasscode::Letter(auth_id(2));
    let certificates = vec![CredentialId(uuid(7700)), CredentialId(uuid(7701))];
    let reissued = |via, id, hand_over| ForgottenEvent::PasscodeReissued {
        account: ACCOUNT,
        person: CITIZEN,
        officer: OFFICER,
        via,
        authenticator: id,
        hand_over,
        certificates: certificates.clone(),
        at: AT,
    };
    let reset = |via, id| AccountEvent::PasscodeReset {
        account: ACCOUNT,
        via,
        authenticator: id,
        officer: OFFICER,
        at: AT,
    };

    // With photo ID: the letter at once.
    let ForgottenOutcome::Reissued(r) = go(&active(), forgotten_cmd(photo_id(CITIZEN), letter)).unwrap()
    else {
        panic!("rejected")
    };
    assert_eq!(r.events, vec![reissued(AuthKind::PasscodeLetter, auth_id(2), HandOver::HandOut)]);
    assert_eq!(r.account, vec![reset(AuthKind::PasscodeLetter, auth_id(2))]);
    assert_eq!(r.authenticators, vec![handed(2, AuthKind::PasscodeLetter)]);
    assert_eq!(r.supersede_certificates, certificates);
    assert_eq!(r.enrolled, None);
    let mut a = Account { locked: true, failures: 5, ..active() };
    for e in &r.account {
        a.apply(e);
    }
    assert_eq!(
        (a.status, a.passcode_set, a.locked, a.failures),
        (AccountStatus::AwaitingActivation, false, false, 0)
    );

    // Without photo ID: the letter is mailed; no SMS.
    let ForgottenOutcome::Reissued(r) = go(&active(), forgotten_cmd(without_photo(CITIZEN), letter)).unwrap()
    else {
        panic!("rejected")
    };
    assert_eq!(r.authenticators, vec![mailed(2, AuthKind::PasscodeLetter)]);
    // By SMS.
    let ForgottenOutcome::Reissued(r) =
        go(&active(), forgotten_cmd(photo_id(CITIZEN), NewPasscode::Sms(auth_id(70)))).unwrap()
    else {
        panic!("rejected")
    };
    assert_eq!(r.events, vec![reissued(AuthKind::SmsPin, auth_id(70), HandOver::Sms)]);
    assert_eq!(r.enrolled.map(|e| (e.kind, e.status)), Some((AuthKind::SmsPin, AuthStatus::HandedOut)));
    // A blind citizen: a medium.
    let blind = Account {
        blind: Some(BlindSupport {
            key_phone: KEY_PHONE.into(),
            test_call: TestCall::NotPossible,
            passcode_by: PasscodeBy::Medium,
        }),
        ..active()
    };
    assert!(matches!(
        go(&blind, forgotten_cmd(photo_id(CITIZEN), NewPasscode::Medium(auth_id(3)))).unwrap(),
        ForgottenOutcome::Reissued(_)
    ));

    let refused = |r: Result<ForgottenOutcome, Refusal>| r.map(|_| Vec::<ForgottenEvent>::new());
    run(vec![
        (
            "consequence not accepted",
            refused(go(
                &active(),
                Forgotten { consequence_accepted: false, ..forgotten_cmd(photo_id(CITIZEN), letter) },
            )),
            Refused("R-DK-6", Some("consequence_accepted")),
        ),
        (
            "suspended eID",
            refused(go(
                &Account { status: AccountStatus::Suspended, ..active() },
                forgotten_cmd(photo_id(CITIZEN), letter),
            )),
            Refused("R-DK-7", None),
        ),
        (
            "revoked eID",
            refused(go(
                &Account { status: AccountStatus::Revoked, ..active() },
                forgotten_cmd(photo_id(CITIZEN), letter),
            )),
            Refused("R-DK-7", None),
        ),
        (
            "SMS without photo ID",
            refused(go(&active(), forgotten_cmd(without_photo(CITIZEN), NewPasscode::Sms(auth_id(70))))),
            Refused("R-IDP-4", Some("new_passcode")),
        ),
        (
            "SMS without a mobile",
            refused(go(
                &active(),
                Forgotten {
                    mobile_on_file: false,
                    ..forgotten_cmd(photo_id(CITIZEN), NewPasscode::Sms(auth_id(70)))
                },
            )),
            Refused("R-DK-6", Some("mobile_on_file")),
        ),
        (
            "a blind citizen given a letter",
            refused(go(&blind, forgotten_cmd(photo_id(CITIZEN), letter))),
            Refused("R-DK-3", Some("new_passcode")),
        ),
        (
            "a key card is not a passcode letter",
            refused(go(&active(), forgotten_cmd(photo_id(CITIZEN), NewPasscode::Letter(auth_id(1))))),
            Refused("R-RES-4", Some("new_passcode")),
        ),
        (
            "an opened letter",
            refused(go(&active(), forgotten_cmd(photo_id(CITIZEN), NewPasscode::Letter(auth_id(6))))),
            Refused("R-RES-4", Some("new_passcode")),
        ),
        (
            "documents of another person",
            refused(go(&active(), forgotten_cmd(photo_id(SOMEONE_ELSE), letter))),
            Refused("R-IDP-3", Some("proofing.person")),
        ),
    ]);
    let rejected = go(&active(), forgotten_cmd(forged(CITIZEN), letter)).unwrap();
    assert_eq!(
        rejected,
        ForgottenOutcome::Rejected(vec![ForgottenEvent::Rejected {
            account: ACCOUNT,
            person: CITIZEN,
            rule: "R-IDP-5",
            reason: RejectionReason::SuspectedForgery,
            at: AT
        }])
    );
}

#[test]
fn the_identity_document_of_a_forgotten_passcode_is_not_recorded() {
    let policy = Policy::default();
    let stock = safe();
    let mut all = String::new();
    for (proofing, new) in [
        (photo_id(CITIZEN), NewPasscode::Letter(auth_id(2))),
        (without_photo(CITIZEN), NewPasscode::Letter(auth_id(2))),
        (photo_id(CITIZEN), NewPasscode::Sms(auth_id(70))),
        (forged(CITIZEN), NewPasscode::Letter(auth_id(2))),
    ] {
        match forgotten::new_passcode(&active(), &stock, forgotten_cmd(proofing, new), &policy).unwrap() {
            ForgottenOutcome::Reissued(r) => {
                all += &payloads(&r.events);
                all += &payloads(&r.account);
                all += &payloads(&r.authenticators);
            }
            ForgottenOutcome::Rejected(events) => all += &payloads(&events),
        }
    }
    assert!(all.contains("dk.forgotten.passcode_reissued") && all.contains("dk.forgotten.rejected"), "{all}");
    for needle in [DOC_NUMBER, "passport", "health_insurance_card", "tax_assessment", "document", "method"] {
        assert!(!all.contains(needle), "{needle} is recorded:\n{all}");
    }
}

// ---- revocation assistance (R-DK-7) -----------------------------------------------------------

#[test]
fn revocation_assistance() {
    let account = active();
    let key_card = held(AuthKind::KeyCard, AuthStatus::Active);
    let code_display = Authenticator {
        id: auth_id(4),
        kind: AuthKind::CodeDisplay,
        ..held(AuthKind::CodeDisplay, AuthStatus::HandedOut)
    };
    let blocked = Authenticator { id: auth_id(5), ..held(AuthKind::KeyCard, AuthStatus::Blocked) };
    let someone_elses = Authenticator {
        id: auth_id(6),
        account: Some(AccountId(uuid(1))),
        ..held(AuthKind::KeyCard, AuthStatus::Active)
    };
    let theirs = [key_card.clone(), code_display.clone(), blocked.clone(), someone_elses.clone()];
    assert_eq!(dk_revocation::revocable(&account, &theirs), vec![auth_id(1), auth_id(4)]);
    let cert = CredentialId(uuid(7700));
    let assist = |action, requester, passcode, authenticators: Vec<AuthenticatorId>| Assist {
        action,
        reason: DkReason::Stolen,
        requester,
        officer: OFFICER,
        passcode,
        authenticators,
        certificates: vec![cert, cert],
        at: AT,
    };

    let got = dk_revocation::assist(
        &account,
        &theirs,
        assist(AssistAction::Suspend, IN_PERSON, true, vec![auth_id(1), auth_id(4), auth_id(1)]),
    )
    .unwrap();
    assert_eq!(
        got.events,
        vec![RevocationEvent::Assisted {
            account: ACCOUNT,
            person: CITIZEN,
            action: AssistAction::Suspend,
            reason: DkReason::Stolen,
            requester: RequesterKind::CitizenInPerson,
            officer: OFFICER,
            passcode: true,
            authenticators: vec![auth_id(1), auth_id(4)],
            certificates: vec![cert],
            crl_reason: ReasonCode::KeyCompromise,
            at: AT,
        }]
    );
    assert_eq!(
        got.account,
        vec![AccountEvent::Suspended {
            account: ACCOUNT,
            reason: DkReason::Stolen,
            requester: RequesterKind::CitizenInPerson,
            officer: OFFICER,
            at: AT
        }]
    );
    assert_eq!(got.authenticators.len(), 2);
    assert!(got.authenticators.iter().all(|e| matches!(e, AuthEvent::Suspended { .. })));
    assert_eq!((got.revoke_certificates, got.crl_reason), (vec![cert], ReasonCode::KeyCompromise));

    let got = dk_revocation::assist(
        &account,
        &theirs,
        assist(AssistAction::Revoke, Requester::Police, true, vec![auth_id(1)]),
    )
    .unwrap();
    assert!(matches!(got.account[..], [AccountEvent::Revoked { requester: RequesterKind::Police, .. }]));
    assert!(matches!(got.authenticators[..], [AuthEvent::Blocked { .. }]));
    // Certificates only, on the RA's own initiative.
    let got =
        dk_revocation::assist(&account, &theirs, assist(AssistAction::Revoke, Requester::Ra, false, vec![]))
            .unwrap();
    assert!(got.account.is_empty() && got.authenticators.is_empty());
    assert_eq!(got.revoke_certificates, vec![cert]);

    let events = |r: Result<dk_revocation::Assistance, Refusal>| r.map(|a| a.events);
    let nothing = Assist { certificates: vec![], ..assist(AssistAction::Suspend, IN_PERSON, false, vec![]) };
    run(vec![
        (
            "a caller not verified",
            events(dk_revocation::assist(
                &account,
                &theirs,
                assist(AssistAction::Suspend, Requester::CitizenByPhone { verified: false }, true, vec![]),
            )),
            Refused("R-DK-7", Some("requester")),
        ),
        (
            "nothing named",
            events(dk_revocation::assist(&account, &theirs, nothing)),
            Refused("R-DK-7", Some("authenticators")),
        ),
        (
            "another citizen's key card",
            events(dk_revocation::assist(
                &account,
                &theirs,
                assist(AssistAction::Suspend, IN_PERSON, false, vec![auth_id(6)]),
            )),
            Refused("R-DK-7", Some("authenticators")),
        ),
        (
            "a blocked card cannot be suspended",
            events(dk_revocation::assist(
                &account,
                &theirs,
                assist(AssistAction::Suspend, IN_PERSON, false, vec![auth_id(5)]),
            )),
            Refused("R-STATE", None),
        ),
        (
            "a revoked passcode",
            events(dk_revocation::assist(
                &Account { status: AccountStatus::Revoked, ..active() },
                &theirs,
                assist(AssistAction::Revoke, IN_PERSON, true, vec![]),
            )),
            Refused("R-STATE", None),
        ),
    ]);
    for (reason, code) in [
        (DkReason::Lost, ReasonCode::KeyCompromise),
        (DkReason::SuspectedMisuse, ReasonCode::KeyCompromise),
        (DkReason::CitizenRequest, ReasonCode::CessationOfOperation),
        (DkReason::Deceased, ReasonCode::CessationOfOperation),
        (DkReason::Other, ReasonCode::Unspecified),
    ] {
        assert_eq!(reason.crl_reason(), code);
    }
}

// ---- no names, addresses or secrets in events (R-PER-3) ----------------------------------------

#[test]
fn events_never_carry_a_name_an_address_or_a_secret() {
    let policy = Policy::default();
    let mut all = String::new();
    // Registration of a blind citizen, approved at high, with every contact detail given.
    let (reg, events) = registration::start(Start {
        id: REG,
        person: CITIZEN,
        office: OFFICE,
        officer: OFFICER,
        rules_accepted: true,
        read_aloud: true,
        blind: true,
        on: TODAY,
    })
    .unwrap();
    all += &payloads(&events);
    let events = registration::check_identity(&reg, check(photo_id(CITIZEN), Nsis::High), &policy).unwrap();
    all += &payloads(&events);
    let reg = after(reg, &events);
    let events = registration::approve(
        &reg,
        Approve { approver: admin(2), verdict: Verdict::Approve, at: AT },
        &policy,
    )
    .unwrap();
    all += &payloads(&events);
    let reg = after(reg, &events);
    let support = BlindSupport {
        key_phone: KEY_PHONE.into(),
        test_call: TestCall::Succeeded,
        passcode_by: PasscodeBy::Sms,
    };
    let issued = registration::issue(
        &reg,
        None,
        &safe(),
        Issue {
            blind: Some(support),
            enrol: vec![NewAuthenticator { id: auth_id(70), kind: AuthKind::SmsPin }],
            ..issue_cmd(&[5])
        },
        &policy,
    )
    .unwrap();
    all += &payloads(&issued.events);
    all += &payloads(&issued.account_events);
    all += &payloads(&issued.authenticator_events);
    // Activation, failures, the lock, unlocking, sign-in.
    let mut a = issued.account.clone();
    let events = account::activate(&a, &activation(true, true, PASSCODE), &policy, AT).unwrap();
    all += &payloads(&events);
    events.iter().for_each(|e| a.apply(e));
    for _ in 0..5 {
        let events = account::sign_in(&a, WRONG, &policy, AT).unwrap();
        all += &payloads(&events);
        events.iter().for_each(|e| a.apply(e));
    }
    let events = account::unlock(&a, &signed(CITIZEN, Delivery::HandOut), AT).unwrap();
    all += &payloads(&events);
    events.iter().for_each(|e| a.apply(e));
    all += &payloads(&account::sign_in(&a, RIGHT, &policy, AT).unwrap());
    // Extra key card, stock, pickup order, revocation.
    let v = visit(&a, &policy);
    all += &payloads(
        &extra::hand_out_extra(
            &v,
            &a,
            &envelope(1, AuthKind::KeyCard),
            ExtraKeyCard { officer: OFFICER, at: AT },
            &policy,
        )
        .unwrap(),
    );
    all += &payloads(&stock::order_box(&[], order(50, 1, DkItem::KeyCard)).unwrap().1);
    let (p, events) = pickup::order(OrderPickup {
        id: PICKUP,
        person: CITIZEN,
        office: OFFICE,
        reason: PickupReason::Protected,
        on: TODAY,
    });
    all += &payloads(&events);
    all += &payloads(&pickup::dispatch(&p, TODAY, &policy).unwrap());
    let assisted = dk_revocation::assist(
        &a,
        &issued.enrolled,
        Assist {
            action: AssistAction::Revoke,
            reason: DkReason::SuspectedMisuse,
            requester: Requester::Guardian { authority_checked: true },
            officer: OFFICER,
            passcode: true,
            authenticators: vec![auth_id(70)],
            certificates: vec![CredentialId(uuid(7700))],
            at: AT,
        },
    )
    .unwrap();
    all += &payloads(&assisted.events);
    all += &payloads(&assisted.account);
    all += &payloads(&assisted.authenticators);

    for action in [
        "dk.registration.issued",
        "dk.account.locked",
        "dk.account.unlocked",
        "dk.authenticator.enrolled",
        "dk.revocation.assisted",
    ] {
        assert!(all.contains(action), "{action} missing:\n{all}");
    }
    for secret in [USER_ID, PASSCODE, EMAIL, MOBILE, KEY_PHONE, DOC_NUMBER, "Jensen", "Nørregade"] {
        assert!(!all.contains(secret), "{secret} is in an event:\n{all}");
    }
    // Only the pickup records the passport number, because R-DK-4 requires it.
    let pickup_collected = payloads(
        &pickup::collect(
            &pickup_at(PickupStatus::Arrived, PickupReason::Abroad),
            collect(passport(PickupDocumentKind::DanishPassport), TODAY),
        )
        .unwrap(),
    );
    assert!(pickup_collected.contains(DOC_NUMBER));
    for secret in [USER_ID, PASSCODE, EMAIL, MOBILE, KEY_PHONE] {
        assert!(!pickup_collected.contains(secret));
    }
}

#[test]
fn states_round_trip_as_json_records() {
    let reg = approved_high();
    let back: Registration = serde_json::from_value(serde_json::to_value(&reg).unwrap()).unwrap();
    assert_eq!(back, reg);
    let a = Account {
        blind: Some(BlindSupport {
            key_phone: KEY_PHONE.into(),
            test_call: TestCall::Succeeded,
            passcode_by: PasscodeBy::Sms,
        }),
        ..active()
    };
    let back: Account = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
    assert_eq!(back, a);
    let auth = held(AuthKind::ActivationCode, AuthStatus::HandedOut);
    let back: Authenticator = serde_json::from_value(serde_json::to_value(&auth).unwrap()).unwrap();
    assert_eq!(back, auth);
    let p = pickup_at(PickupStatus::Arrived, PickupReason::Protected);
    let back: Pickup = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let b = ordered_box(50);
    let back: StockBox = serde_json::from_value(serde_json::to_value(&b).unwrap()).unwrap();
    assert_eq!(back, b);
    let v = visit(&active(), &Policy::default());
    let back: Visit = serde_json::from_value(serde_json::to_value(&v).unwrap()).unwrap();
    assert_eq!(back, v);
}
