//! The card routine (R-CARD-1..8) as tables of (state, command) → events | refusal.

use std::fmt::Debug;

use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::card::{
    self, add_months, choose_kind, decide_kind, BatchId, Card, CardDates, CardEvent, CardKind, CardStage,
    CardStatus, ClaimCard, CreateOrderBasis, CredentialContent, Deliver, Deregister, DeregisterReason,
    EmploymentChange, HandOut, HeldCard, HrEmployment, IdDocument, Mismatch, Officer, Order, Problem,
    ReturnCard, ReturnedTo, SendBatch,
};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::proofing::SeDocument;
use tillit_core::ra::{CardId, CredentialId, Event, OrgId, PersonId, Policy, Refusal};
use time::macros::date;
use time::Date;

use super::support::{person, tree, uuid, TODAY};

// ---- table helpers (shared with reserve.rs and puk.rs) -----------------------------------------

/// What a row expects.
pub(super) enum Expect<E> {
    /// These events, in this order.
    Events(Vec<E>),
    /// A refusal by this rule, of this field.
    Refused(&'static str, Option<&'static str>),
}
pub(super) use Expect::{Events, Refused};

/// One row of a table: its name, what the routine returned, what the row expects.
pub(super) type Row<'a, E> = (&'a str, Result<Vec<E>, Refusal>, Expect<E>);

/// Runs a table: every row's outcome must be exactly what it expects.
pub(super) fn run<E: Debug + PartialEq>(rows: Vec<Row<'_, E>>) {
    for (name, got, want) in rows {
        match (got, want) {
            (got, Events(events)) => assert_eq!(got, Ok(events), "{name}"),
            (Err(r), Refused(rule, field)) => {
                assert_eq!((r.rule, r.field), (rule, field), "{name}: {r}");
                assert!(!r.reason.is_empty(), "{name}: a refusal gives a reason");
            }
            (Ok(events), Refused(rule, _)) => panic!("{name}: expected a refusal by {rule}, got {events:?}"),
        }
    }
}

pub(super) fn officer(n: u128) -> Officer {
    Officer { id: PersonId(uuid(500 + n)), kra: true, kur: false }
}

pub(super) fn passport() -> IdDocument {
    IdDocument { kind: SeDocument::Passport, number: "AB1234567".into() }
}

pub(super) fn national_id(text: &str) -> NationalId {
    NationalId::parse(Country::Se, text, &ParseOptions::new(TODAY)).unwrap()
}

pub(super) fn holder() -> Person {
    person(1, None)
}

pub(super) fn employed(org: OrgId, start: Date, end: Option<Date>) -> Employment {
    Employment { org, kind: EmploymentKind::Employment, start, end }
}

pub(super) const CARD: CardId = CardId(uuid::Uuid::from_u128(2000));
const OTHER: CardId = CardId(uuid::Uuid::from_u128(2001));
const RESERVE: CardId = CardId(uuid::Uuid::from_u128(2002));
const NEW: CardId = CardId(uuid::Uuid::from_u128(2003));
const BATCH: BatchId = BatchId(uuid::Uuid::from_u128(3000));
const DELIVERED_ON: Date = date!(2026 - 02 - 20);

/// The holder's SIS card in `status`, delivered on 20 February 2026.
pub(super) fn card(status: CardStatus) -> Card {
    Card {
        id: CARD,
        person: holder().id,
        org: tree().school,
        kind: CardKind::Sis,
        status,
        serial: Some("9752000001".into()),
        valid_until: Some(date!(2031 - 02 - 20)),
        batch: None,
        replaces: Vec::new(),
        receipt: None,
        photo: None,
        signature_image: None,
        claims: Vec::new(),
        end_reason: None,
        dates: CardDates { delivered: Some(DELIVERED_ON), ..CardDates::default() },
    }
}

fn held(card: CardId, person: PersonId, kind: CardKind, stage: CardStage) -> HeldCard {
    HeldCard { card, person, unit: tree().school, kind, stage }
}

fn deregistered(card: CardId, kind: CardKind, reason: DeregisterReason, on: Date) -> CardEvent {
    CardEvent::Deregistered { card, kind, reason, revoke_credentials: true, report_to_police: false, on }
}

// ---- R-CARD-1 ---------------------------------------------------------------------------------

#[test]
fn card_kinds_have_a_text_form() {
    for kind in CardKind::ALL {
        assert_eq!(CardKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(CardKind::parse("SIS"), None);
    assert_eq!(CardKind::ALL.map(CardKind::has_photo), [true, true, false, false]);
}

// ---- R-CARD-2 ---------------------------------------------------------------------------------

fn with_employments(mut p: Person, employments: Vec<Employment>) -> Person {
    p.employments = employments;
    p
}

#[test]
fn card_type_follows_the_employment() {
    let t = tree();
    let policy = Policy::default();
    let coordination = Person { national_id: national_id("701063-2391"), ..holder() };
    let short = |org| employed(org, date!(2026 - 01 - 01), Some(date!(2026 - 06 - 30)));
    // (row, person, kind, binding, sis eligible)
    let rows = [
        ("open-ended in the municipality", holder(), CardKind::Sis, true, true),
        (
            "exactly six months",
            with_employments(holder(), vec![short(t.school)]),
            CardKind::Reserve,
            false,
            false,
        ),
        (
            "six months and a day",
            with_employments(
                holder(),
                vec![employed(t.school, date!(2026 - 01 - 01), Some(date!(2026 - 07 - 01)))],
            ),
            CardKind::Sis,
            true,
            true,
        ),
        (
            "group company over six months",
            with_employments(holder(), vec![employed(t.company_unit, date!(2025 - 01 - 01), None)]),
            CardKind::Company,
            false,
            true,
        ),
        (
            "group company short",
            with_employments(holder(), vec![short(t.company_unit)]),
            CardKind::Reserve,
            false,
            false,
        ),
        (
            "long group company and short municipality",
            with_employments(
                holder(),
                vec![short(t.school), employed(t.company_unit, date!(2025 - 01 - 01), None)],
            ),
            CardKind::Company,
            false,
            true,
        ),
        (
            "a coming employment counts",
            with_employments(holder(), vec![employed(t.school, date!(2026 - 04 - 01), None)]),
            CardKind::Sis,
            true,
            true,
        ),
        ("coordination number", coordination, CardKind::Reserve, true, false),
        (
            "no current employment",
            with_employments(
                holder(),
                vec![employed(t.school, date!(2020 - 01 - 01), Some(date!(2025 - 12 - 31)))],
            ),
            CardKind::Reserve,
            false,
            false,
        ),
    ];
    for (name, p, kind, binding, sis_eligible) in rows {
        let choice = choose_kind(&p, &t.tree, TODAY, &policy);
        assert_eq!(
            (choice.kind, choice.binding, choice.sis_eligible),
            (kind, binding, sis_eligible),
            "{name}"
        );
        assert_eq!(choice.rule, "R-CARD-2", "{name}");
        assert!(!choice.reason.contains("Tolvan"), "{name}: the reason shows no name");
    }
}

#[test]
fn a_guideline_can_be_overridden_with_a_reason_a_rule_cannot() {
    let t = tree();
    let policy = Policy::default();
    let choice = |p: &Person| choose_kind(p, &t.tree, TODAY, &policy);
    let sis = choice(&holder());
    let short = choice(&with_employments(
        holder(),
        vec![employed(t.school, date!(2026 - 01 - 01), Some(date!(2026 - 04 - 30)))],
    ));
    let group =
        choice(&with_employments(holder(), vec![employed(t.company_unit, date!(2025 - 01 - 01), None)]));
    let coordination = choice(&Person { national_id: national_id("701063-2391"), ..holder() });
    type Want<'a> = Result<Option<&'a str>, (&'a str, &'a str)>;
    let rows: Vec<(&str, Result<_, Refusal>, Want)> = vec![
        ("the rule's own kind", decide_kind(&sis, CardKind::Sis, None), Ok(None)),
        (
            "rule overridden",
            decide_kind(&sis, CardKind::Company, Some("wants one")),
            Err(("R-CARD-2", "kind")),
        ),
        ("guideline kept", decide_kind(&short, CardKind::Reserve, None), Ok(None)),
        (
            "guideline overridden",
            decide_kind(&short, CardKind::Company, Some("  works in the company too ")),
            Ok(Some("works in the company too")),
        ),
        (
            "override without reason",
            decide_kind(&short, CardKind::Company, None),
            Err(("R-CARD-2", "override_reason")),
        ),
        (
            "override blank reason",
            decide_kind(&short, CardKind::Osis, Some(" ")),
            Err(("R-CARD-2", "override_reason")),
        ),
        (
            "SIS for a short employment",
            decide_kind(&short, CardKind::Sis, Some("x")),
            Err(("R-CARD-2", "kind")),
        ),
        (
            "SIS for a group company employee",
            decide_kind(&group, CardKind::Sis, Some("also teaches")),
            Ok(Some("also teaches")),
        ),
        (
            "coordination number",
            decide_kind(&coordination, CardKind::Sis, Some("x")),
            Err(("R-CARD-2", "kind")),
        ),
    ];
    for (name, got, want) in rows {
        match (got, want) {
            (Ok(d), Ok(reason)) => assert_eq!(d.override_reason.as_deref(), reason, "{name}"),
            (Err(r), Err((rule, field))) => assert_eq!((r.rule, r.field), (rule, Some(field)), "{name}"),
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

// ---- order basis (R-CARD-2, R-CARD-6, R-PER-2, R-PER-3) -----------------------------------------

fn basis(kind: CardKind, officer: Officer) -> CreateOrderBasis {
    CreateOrderBasis { card: NEW, org: tree().school, kind, override_reason: None, officer, on: TODAY }
}

fn basis_created(replaces: Vec<CardId>) -> CardEvent {
    CardEvent::OrderBasisCreated {
        card: NEW,
        person: holder().id,
        org: tree().school,
        kind: CardKind::Sis,
        override_reason: None,
        replaces,
        on: TODAY,
    }
}

#[test]
fn order_basis() {
    let t = tree();
    let policy = Policy::default();
    let p = holder();
    let protected = Person { protected: true, ..holder() };
    let unsecured = Person { name_checked: None, ..holder() };
    let kur = Officer { kur: true, ..officer(1) };
    let active = held(OTHER, p.id, CardKind::Sis, CardStage::Active);
    let reserve = held(RESERVE, p.id, CardKind::Reserve, CardStage::Active);
    let pending = held(OTHER, p.id, CardKind::Sis, CardStage::Pending);
    let someone_elses = held(OTHER, PersonId(uuid(77)), CardKind::Sis, CardStage::Pending);
    let create =
        |p: &Person, others: &[HeldCard], cmd| card::create_order_basis(p, &t.tree, others, cmd, &policy);
    run(vec![
        (
            "first card",
            create(&p, &[], basis(CardKind::Sis, officer(1))),
            Events(vec![basis_created(vec![])]),
        ),
        (
            "replaces the active cards",
            create(&p, &[active, reserve], basis(CardKind::Sis, officer(1))),
            Events(vec![basis_created(vec![OTHER, RESERVE])]),
        ),
        (
            "another person's order does not count",
            create(&p, &[someone_elses], basis(CardKind::Sis, officer(1))),
            Events(vec![basis_created(vec![])]),
        ),
        (
            "a card already on order",
            create(&p, &[pending], basis(CardKind::Sis, officer(1))),
            Refused("R-CARD-6", Some("person")),
        ),
        (
            "a reserve card",
            create(&p, &[], basis(CardKind::Reserve, officer(1))),
            Refused("R-RES-2", Some("kind")),
        ),
        (
            "rule overridden",
            create(&p, &[], basis(CardKind::Osis, officer(1))),
            Refused("R-CARD-2", Some("kind")),
        ),
        (
            "protected, officer with KUR",
            create(&protected, &[], basis(CardKind::Sis, kur)),
            Events(vec![basis_created(vec![])]),
        ),
        (
            "protected, officer without KUR",
            create(&protected, &[], basis(CardKind::Sis, officer(1))),
            Refused("R-PER-3", Some("officer")),
        ),
        (
            "HR record not secured",
            create(&unsecured, &[], basis(CardKind::Sis, officer(1))),
            Refused("R-PER-2", Some("name_checked")),
        ),
        (
            "not employed in the unit",
            create(&p, &[], CreateOrderBasis { org: t.kitchen, ..basis(CardKind::Sis, officer(1)) }),
            Refused("R-PER-2", Some("org")),
        ),
    ]);
}

// ---- order (R-CARD-1, R-CARD-3, R-IDP-1) --------------------------------------------------------

fn order_cmd() -> Order {
    Order {
        officer: officer(1),
        holder_present: true,
        document: passport(),
        photo: Some("photo/2000.jpg".into()),
        signature_image: Some("signature/2000.png".into()),
        on: TODAY,
    }
}

fn ordered(photo: bool) -> CardEvent {
    CardEvent::Ordered {
        card: CARD,
        officer: officer(1).id,
        document: SeDocument::Passport,
        document_number: "AB1234567".into(),
        photo: photo.then(|| "photo/2000.jpg".into()),
        signature_image: photo.then(|| "signature/2000.png".into()),
        on: TODAY,
    }
}

#[test]
fn order() {
    let p = holder();
    let policy = Policy::default();
    let passports_only = Policy { se_documents: vec![SeDocument::Passport], ..Policy::default() };
    let basis = card(CardStatus::OrderBasis);
    let company = Card { kind: CardKind::Company, ..card(CardStatus::OrderBasis) };
    let no_photo = Order { photo: None, signature_image: None, ..order_cmd() };
    let licence = IdDocument { kind: SeDocument::DrivingLicence, number: "1".into() };
    run(vec![
        ("SIS card", card::order(&basis, &p, order_cmd(), &policy), Events(vec![ordered(true)])),
        (
            "company card without photo",
            card::order(&company, &p, no_photo.clone(), &policy),
            Events(vec![ordered(false)]),
        ),
        (
            "company card with photo",
            card::order(&company, &p, order_cmd(), &policy),
            Refused("R-CARD-1", Some("photo")),
        ),
        (
            "SIS card without photo",
            card::order(&basis, &p, no_photo, &policy),
            Refused("R-CARD-3", Some("photo")),
        ),
        (
            "SIS card without signature",
            card::order(&basis, &p, Order { signature_image: Some(" ".into()), ..order_cmd() }, &policy),
            Refused("R-CARD-3", Some("signature_image")),
        ),
        (
            "holder absent",
            card::order(&basis, &p, Order { holder_present: false, ..order_cmd() }, &policy),
            Refused("R-CARD-3", Some("holder_present")),
        ),
        (
            "document the policy does not accept",
            card::order(&basis, &p, Order { document: licence, ..order_cmd() }, &passports_only),
            Refused("R-IDP-1", Some("document.kind")),
        ),
        (
            "document number missing",
            card::order(
                &basis,
                &p,
                Order { document: IdDocument { number: " ".into(), ..passport() }, ..order_cmd() },
                &policy,
            ),
            Refused("R-IDP-1", Some("document.number")),
        ),
        (
            "another person",
            card::order(&basis, &person(2, None), order_cmd(), &policy),
            Refused("R-CARD-3", Some("person")),
        ),
        (
            "already ordered",
            card::order(&card(CardStatus::Ordered), &p, order_cmd(), &policy),
            Refused("R-STATE", None),
        ),
    ]);
}

// ---- batches (R-CARD-3) ---------------------------------------------------------------------------

#[test]
fn batches() {
    let a = card(CardStatus::Ordered);
    let b = Card { id: OTHER, ..card(CardStatus::Ordered) };
    let in_batch = Card { batch: Some(BATCH), ..a.clone() };
    let elsewhere = Card { batch: Some(BatchId(uuid(3001))), ..a.clone() };
    let send = |reviewed: Vec<CardId>| SendBatch { batch: BATCH, officer: officer(1), reviewed, on: TODAY };
    run(vec![
        (
            "add",
            card::add_to_batch(&a, BATCH),
            Events(vec![CardEvent::AddedToBatch { card: CARD, batch: BATCH }]),
        ),
        ("add again", card::add_to_batch(&in_batch, BATCH), Events(vec![])),
        ("add to a second batch", card::add_to_batch(&elsewhere, BATCH), Refused("R-CARD-3", Some("batch"))),
        (
            "add an order basis",
            card::add_to_batch(&card(CardStatus::OrderBasis), BATCH),
            Refused("R-STATE", None),
        ),
        (
            "send",
            card::send_batch(&[in_batch.clone(), b.clone()], send(vec![OTHER, CARD])),
            Events(vec![
                CardEvent::Sent { card: CARD, batch: BATCH, on: TODAY },
                CardEvent::Sent { card: OTHER, batch: BATCH, on: TODAY },
                CardEvent::BatchSent {
                    batch: BATCH,
                    cards: vec![CARD, OTHER],
                    officer: officer(1).id,
                    on: TODAY,
                },
            ]),
        ),
        ("send nothing", card::send_batch(&[], send(vec![])), Refused("R-CARD-3", Some("cards"))),
        (
            "not reviewed",
            card::send_batch(&[a.clone(), b.clone()], send(vec![CARD])),
            Refused("R-CARD-3", Some("reviewed")),
        ),
        (
            "twice in the batch",
            card::send_batch(&[a.clone(), a.clone()], send(vec![CARD])),
            Refused("R-CARD-3", Some("cards")),
        ),
        (
            "in another batch",
            card::send_batch(&[elsewhere], send(vec![CARD])),
            Refused("R-CARD-3", Some("cards")),
        ),
        (
            "not ordered",
            card::send_batch(&[card(CardStatus::OrderBasis)], send(vec![CARD])),
            Refused("R-STATE", None),
        ),
    ]);
}

// ---- delivery (R-CARD-3, R-CARD-4) ----------------------------------------------------------------

#[test]
fn delivery() {
    let policy = Policy::default();
    let sent = card(CardStatus::Sent);
    let deliver = |serial: &str, valid_until| Deliver { serial: serial.into(), valid_until, on: TODAY };
    let delivered = |valid_until| CardEvent::Delivered {
        card: CARD,
        serial: "9752000001".into(),
        valid_until,
        pin_letter_expected: date!(2026 - 03 - 04),
        collect_by: date!(2026 - 06 - 02),
        on: TODAY,
    };
    run(vec![
        (
            "card validity from the policy",
            card::deliver(&sent, deliver(" 9752000001 ", None), &policy),
            Events(vec![delivered(date!(2031 - 03 - 02))]),
        ),
        (
            "card validity from the supplier",
            card::deliver(&sent, deliver("9752000001", Some(date!(2030 - 12 - 31))), &policy),
            Events(vec![delivered(date!(2030 - 12 - 31))]),
        ),
        ("no serial", card::deliver(&sent, deliver(" ", None), &policy), Refused("R-CARD-1", Some("serial"))),
        (
            "expired",
            card::deliver(&sent, deliver("1", Some(TODAY)), &policy),
            Refused("R-CARD-3", Some("valid_until")),
        ),
        (
            "not sent",
            card::deliver(&card(CardStatus::Ordered), deliver("1", None), &policy),
            Refused("R-STATE", None),
        ),
    ]);
}

// ---- hand-out (R-CARD-3, R-CARD-4, R-CARD-6, R-IDP-1, R-AUD-3, R-PER-3) ---------------------------

fn hand_out_cmd() -> HandOut {
    HandOut {
        officer: officer(1),
        holder_present: true,
        document: passport(),
        national_id: national_id("19121212-1212"),
        given_names: "Anna".into(),
        family_name: "TOLVANSSON".into(),
        pin_letter: true,
        receipt: "receipt/2000".into(),
        returned: Vec::new(),
        on: TODAY,
    }
}

fn handed_out(on: Date) -> CardEvent {
    CardEvent::HandedOut {
        card: CARD,
        officer: officer(1).id,
        document: SeDocument::Passport,
        document_number: "AB1234567".into(),
        receipt: "receipt/2000".into(),
        on,
    }
}

#[test]
fn hand_out() {
    let policy = Policy::default();
    let p = holder();
    let delivered = card(CardStatus::Delivered);
    let previous = held(OTHER, p.id, CardKind::Sis, CardStage::Active);
    let reserve = held(RESERVE, p.id, CardKind::Reserve, CardStage::Active);
    let pending = held(NEW, p.id, CardKind::Sis, CardStage::Pending);
    let protected = Person { protected: true, ..holder() };
    let go = |p: &Person, others: &[HeldCard], cmd| card::hand_out(&delivered, p, others, cmd, &policy);
    let last_day = date!(2026 - 05 - 20);
    run(vec![
        ("first card", go(&p, &[], hand_out_cmd()), Events(vec![handed_out(TODAY)])),
        (
            "on the last day to collect",
            go(&p, &[], HandOut { on: last_day, ..hand_out_cmd() }),
            Events(vec![handed_out(last_day)]),
        ),
        (
            "replaces the previous cards; the SIS card is handed in",
            go(&p, &[previous, reserve, pending], HandOut { returned: vec![OTHER], ..hand_out_cmd() }),
            Events(vec![
                handed_out(TODAY),
                CardEvent::Returned { card: OTHER, kind: CardKind::Sis, to: ReturnedTo::Ra, on: TODAY },
                deregistered(OTHER, CardKind::Sis, DeregisterReason::Replaced, TODAY),
                deregistered(RESERVE, CardKind::Reserve, DeregisterReason::Replaced, TODAY),
            ]),
        ),
        (
            "hands in a card that is not the holder's",
            go(&p, &[], HandOut { returned: vec![OTHER], ..hand_out_cmd() }),
            Refused("R-CARD-6", Some("returned")),
        ),
        (
            "not collected in time",
            go(&p, &[], HandOut { on: date!(2026 - 05 - 21), ..hand_out_cmd() }),
            Refused("R-CARD-4", None),
        ),
        (
            "holder absent",
            go(&p, &[], HandOut { holder_present: false, ..hand_out_cmd() }),
            Refused("R-CARD-3", Some("holder_present")),
        ),
        (
            "document without number",
            go(
                &p,
                &[],
                HandOut { document: IdDocument { number: "".into(), ..passport() }, ..hand_out_cmd() },
            ),
            Refused("R-IDP-1", Some("document.number")),
        ),
        (
            "another national id",
            go(&p, &[], HandOut { national_id: national_id("811218-9876"), ..hand_out_cmd() }),
            Refused("R-CARD-3", Some("national_id")),
        ),
        (
            "another family name",
            go(&p, &[], HandOut { family_name: "Svensson".into(), ..hand_out_cmd() }),
            Refused("R-CARD-3", Some("name")),
        ),
        (
            "a given name not registered",
            go(&p, &[], HandOut { given_names: "Anna Maria".into(), ..hand_out_cmd() }),
            Refused("R-CARD-3", Some("name")),
        ),
        (
            "no PIN letter",
            go(&p, &[], HandOut { pin_letter: false, ..hand_out_cmd() }),
            Refused("R-CARD-3", Some("pin_letter")),
        ),
        (
            "no receipt",
            go(&p, &[], HandOut { receipt: " ".into(), ..hand_out_cmd() }),
            Refused("R-AUD-3", Some("receipt")),
        ),
        ("protected, no KUR", go(&protected, &[], hand_out_cmd()), Refused("R-PER-3", Some("officer"))),
        (
            "protected, KUR",
            go(&protected, &[], HandOut { officer: Officer { kur: true, ..officer(1) }, ..hand_out_cmd() }),
            Events(vec![handed_out(TODAY)]),
        ),
        ("another person", go(&person(2, None), &[], hand_out_cmd()), Refused("R-CARD-3", Some("person"))),
        (
            "not delivered",
            card::hand_out(&card(CardStatus::Sent), &p, &[], hand_out_cmd(), &policy),
            Refused("R-STATE", None),
        ),
    ]);
}

#[test]
fn in_use() {
    let credential = CredentialId(uuid(4000));
    run(vec![
        (
            "first credential",
            card::mark_in_use(&card(CardStatus::HandedOut), credential, TODAY),
            Events(vec![CardEvent::InUse { card: CARD, credential, on: TODAY }]),
        ),
        ("already in use", card::mark_in_use(&card(CardStatus::InUse), credential, TODAY), Events(vec![])),
        (
            "not handed out",
            card::mark_in_use(&card(CardStatus::Delivered), credential, TODAY),
            Refused("R-STATE", None),
        ),
    ]);
}

// ---- claims (R-CARD-5) -------------------------------------------------------------------------------

#[test]
fn claims() {
    let cmd = || ClaimCard { form: "claim/17".into(), replacement: NEW, on: TODAY };
    let claimed = |from| {
        vec![
            CardEvent::Claimed {
                card: CARD,
                from,
                form: "claim/17".into(),
                replacement: NEW,
                revoke_credentials: true,
                on: TODAY,
            },
            CardEvent::ReplacementOrdered {
                card: NEW,
                replaces: CARD,
                person: holder().id,
                org: tree().school,
                kind: CardKind::Sis,
                on: TODAY,
            },
        ]
    };
    run(vec![
        ("sent", card::claim(&card(CardStatus::Sent), cmd()), Events(claimed(CardStatus::Sent))),
        (
            "handed out",
            card::claim(&card(CardStatus::HandedOut), cmd()),
            Events(claimed(CardStatus::HandedOut)),
        ),
        (
            "in use counts as handed out",
            card::claim(&card(CardStatus::InUse), cmd()),
            Events(claimed(CardStatus::InUse)),
        ),
        ("delivered", card::claim(&card(CardStatus::Delivered), cmd()), Refused("R-CARD-5", Some("status"))),
        ("ordered", card::claim(&card(CardStatus::Ordered), cmd()), Refused("R-CARD-5", Some("status"))),
        (
            "deregistered",
            card::claim(&card(CardStatus::Deregistered), cmd()),
            Refused("R-CARD-5", Some("status")),
        ),
        (
            "no claim form",
            card::claim(&card(CardStatus::Sent), ClaimCard { form: "".into(), ..cmd() }),
            Refused("R-CARD-5", Some("form")),
        ),
        (
            "replacement with the same id",
            card::claim(&card(CardStatus::Sent), ClaimCard { replacement: CARD, ..cmd() }),
            Refused("R-CARD-5", Some("replacement")),
        ),
    ]);
}

#[test]
fn a_replacement_starts_as_sent_and_can_be_delivered() {
    let events = card::claim(
        &card(CardStatus::HandedOut),
        ClaimCard { form: "c".into(), replacement: NEW, on: TODAY },
    )
    .unwrap();
    let replacement = Card::created(&events[1]).unwrap();
    assert_eq!(
        (replacement.id, replacement.status, replacement.replaces.clone()),
        (NEW, CardStatus::Sent, vec![CARD])
    );
    let mut old = card(CardStatus::HandedOut);
    old.apply(&events[0]);
    assert_eq!(old.status, CardStatus::Claimed);
    assert_eq!(old.claims.len(), 1);
    assert!(old.held().is_none(), "a claimed card has ended");
    assert!(card::deliver(
        &replacement,
        Deliver { serial: "2".into(), valid_until: None, on: TODAY },
        &Policy::default()
    )
    .is_ok());
    assert_eq!(card::destroy(&old, TODAY), Ok(vec![CardEvent::Destroyed { card: CARD, on: TODAY }]));
}

// ---- return, deregistration, destruction (R-CARD-3, R-CARD-7, R-REV-4) ---------------------------------

#[test]
fn return_deregister_destroy() {
    let manager = PersonId(uuid(600));
    let ret = |to| ReturnCard { to, reason: DeregisterReason::Damaged, on: TODAY };
    let dereg = |reason| Deregister { reason, on: TODAY };
    let company = Card { kind: CardKind::Company, ..card(CardStatus::InUse) };
    run(vec![
        (
            "returned to the RA",
            card::return_card(&card(CardStatus::InUse), ret(ReturnedTo::Ra)),
            Events(vec![
                CardEvent::Returned { card: CARD, kind: CardKind::Sis, to: ReturnedTo::Ra, on: TODAY },
                deregistered(CARD, CardKind::Sis, DeregisterReason::Damaged, TODAY),
            ]),
        ),
        (
            "returned to the manager, who cut it",
            card::return_card(&card(CardStatus::HandedOut), ret(ReturnedTo::Manager { manager })),
            Events(vec![
                CardEvent::Returned {
                    card: CARD,
                    kind: CardKind::Sis,
                    to: ReturnedTo::Manager { manager },
                    on: TODAY,
                },
                deregistered(CARD, CardKind::Sis, DeregisterReason::Damaged, TODAY),
                CardEvent::Destroyed { card: CARD, on: TODAY },
            ]),
        ),
        (
            "return a card in the safe",
            card::return_card(&card(CardStatus::Delivered), ret(ReturnedTo::Ra)),
            Refused("R-STATE", None),
        ),
        (
            "lost SIS card: report to the police",
            card::deregister(&card(CardStatus::InUse), dereg(DeregisterReason::Lost)),
            Events(vec![CardEvent::Deregistered {
                card: CARD,
                kind: CardKind::Sis,
                reason: DeregisterReason::Lost,
                revoke_credentials: true,
                report_to_police: true,
                on: TODAY,
            }]),
        ),
        (
            "stolen company card is no ID card",
            card::deregister(&company, dereg(DeregisterReason::Stolen)),
            Events(vec![deregistered(CARD, CardKind::Company, DeregisterReason::Stolen, TODAY)]),
        ),
        (
            "misuse of a card in the safe",
            card::deregister(&card(CardStatus::Delivered), dereg(DeregisterReason::Misuse)),
            Events(vec![deregistered(CARD, CardKind::Sis, DeregisterReason::Misuse, TODAY)]),
        ),
        (
            "deregister an order",
            card::deregister(&card(CardStatus::Ordered), dereg(DeregisterReason::Lost)),
            Refused("R-STATE", None),
        ),
        (
            "deregister twice",
            card::deregister(&card(CardStatus::Deregistered), dereg(DeregisterReason::Lost)),
            Refused("R-STATE", None),
        ),
        (
            "destroy a returned card",
            card::destroy(&card(CardStatus::Returned), TODAY),
            Events(vec![CardEvent::Destroyed { card: CARD, on: TODAY }]),
        ),
        ("destroy a card in use", card::destroy(&card(CardStatus::InUse), TODAY), Refused("R-STATE", None)),
        ("destroy twice", card::destroy(&card(CardStatus::Destroyed), TODAY), Refused("R-STATE", None)),
    ]);
}

// ---- R-CARD-4: the timed check ------------------------------------------------------------------------

#[test]
fn uncollected_cards_are_destroyed_once() {
    let policy = Policy::default();
    let delivered = card(CardStatus::Delivered);
    let deadline = date!(2026 - 05 - 20);
    assert_eq!(card::uncollected(&delivered, deadline, &policy), None, "the last day to collect");
    let day_after = date!(2026 - 05 - 21);
    let events = card::uncollected(&delivered, day_after, &policy).unwrap();
    assert_eq!(
        events,
        vec![
            deregistered(CARD, CardKind::Sis, DeregisterReason::Uncollected, day_after),
            CardEvent::Destroyed { card: CARD, on: day_after },
        ]
    );
    let mut after = delivered.clone();
    for e in &events {
        after.apply(e);
    }
    assert_eq!(after.status, CardStatus::Destroyed);
    assert_eq!(after.end_reason, Some(DeregisterReason::Uncollected));
    assert_eq!(card::uncollected(&after, day_after, &policy), None, "idempotent");
    assert_eq!(card::uncollected(&after, date!(2027 - 01 - 01), &policy), None, "idempotent later too");
    for status in [CardStatus::HandedOut, CardStatus::InUse, CardStatus::Sent, CardStatus::Returned] {
        assert_eq!(card::uncollected(&card(status), day_after, &policy), None, "{status:?}");
    }
    let one_month = Policy { uncollected_card_months: 1, ..Policy::default() };
    assert!(
        card::uncollected(&delivered, date!(2026 - 03 - 21), &one_month).is_some(),
        "the policy's period"
    );
}

// ---- R-CARD-7 ---------------------------------------------------------------------------------------------

fn content(unit: Option<OrgId>, title: Option<&str>) -> CredentialContent {
    CredentialContent {
        unit,
        title: title.map(Into::into),
        given_names: "Tolvan Anna".into(),
        family_name: "Tolvansson".into(),
    }
}

#[test]
fn employment_changes() {
    let t = tree();
    let manager = PersonId(uuid(600));
    let in_use = card(CardStatus::InUse);
    let left = |returned_to| EmploymentChange::Left { returned_to, on: TODAY };
    let moved = |to, before, after| EmploymentChange::Moved { to, before, after, on: TODAY };
    let moved_event = |to, changed: Vec<&str>| CardEvent::Moved {
        card: CARD,
        from: t.school,
        to,
        content_changed: !changed.is_empty(),
        changed: changed.into_iter().map(Into::into).collect(),
        on: TODAY,
    };
    run(vec![
        (
            "left, returned to the RA",
            card::employment_changed(&in_use, left(Some(ReturnedTo::Ra))),
            Events(vec![
                CardEvent::Returned { card: CARD, kind: CardKind::Sis, to: ReturnedTo::Ra, on: TODAY },
                deregistered(CARD, CardKind::Sis, DeregisterReason::LeftEmployment, TODAY),
            ]),
        ),
        (
            "left, returned to the manager",
            card::employment_changed(&in_use, left(Some(ReturnedTo::Manager { manager }))),
            Events(vec![
                CardEvent::Returned {
                    card: CARD,
                    kind: CardKind::Sis,
                    to: ReturnedTo::Manager { manager },
                    on: TODAY,
                },
                deregistered(CARD, CardKind::Sis, DeregisterReason::LeftEmployment, TODAY),
                CardEvent::Destroyed { card: CARD, on: TODAY },
            ]),
        ),
        (
            "left, not returned",
            card::employment_changed(&in_use, left(None)),
            Events(vec![deregistered(CARD, CardKind::Sis, DeregisterReason::NotReturned, TODAY)]),
        ),
        (
            "left before collecting",
            card::employment_changed(&card(CardStatus::Delivered), left(None)),
            Events(vec![
                deregistered(CARD, CardKind::Sis, DeregisterReason::LeftEmployment, TODAY),
                CardEvent::Destroyed { card: CARD, on: TODAY },
            ]),
        ),
        (
            "left, card on order",
            card::employment_changed(&card(CardStatus::Ordered), left(None)),
            Refused("R-STATE", None),
        ),
        (
            "moved, credential still right",
            card::employment_changed(&in_use, moved(t.kitchen, content(None, None), content(None, None))),
            Events(vec![moved_event(t.kitchen, vec![])]),
        ),
        (
            "moved, the credential names the unit",
            card::employment_changed(
                &in_use,
                moved(t.kitchen, content(Some(t.school), None), content(Some(t.kitchen), None)),
            ),
            Events(vec![moved_event(t.kitchen, vec!["unit"])]),
        ),
        (
            "new post, new title",
            card::employment_changed(
                &in_use,
                moved(t.school, content(None, None), content(None, Some("leg. sjuksköterska"))),
            ),
            Events(vec![moved_event(t.school, vec!["title"])]),
        ),
        (
            "nothing changed",
            card::employment_changed(&in_use, moved(t.school, content(None, None), content(None, None))),
            Events(vec![]),
        ),
        (
            "moved with a card in the safe",
            card::employment_changed(
                &card(CardStatus::Delivered),
                moved(t.kitchen, content(None, None), content(None, None)),
            ),
            Refused("R-STATE", None),
        ),
        (
            "temporary absence",
            card::employment_changed(&in_use, EmploymentChange::TemporaryAbsence),
            Events(vec![]),
        ),
    ]);
}

// ---- R-CARD-8 ---------------------------------------------------------------------------------------------

#[test]
fn quarterly_reconciliation() {
    let t = tree();
    let who = |n: u128| PersonId(uuid(1000 + n));
    let c = |n: u128| CardId(uuid(2100 + n));
    let hr = |n: u128, org, end| HrEmployment {
        person: who(n),
        employment: employed(org, date!(2024 - 01 - 01), end),
    };
    let at = |card, person, unit, kind, stage| HeldCard { card, person, unit, kind, stage };
    let held = [
        at(c(1), who(1), t.school, CardKind::Sis, CardStage::Active),
        at(c(2), who(2), t.school, CardKind::Sis, CardStage::Active),
        at(c(3), who(3), t.school, CardKind::Sis, CardStage::Active),
        at(c(4), who(4), t.school, CardKind::Sis, CardStage::Active),
        at(c(5), who(4), t.school, CardKind::Reserve, CardStage::Active),
        at(c(6), who(5), t.school, CardKind::Sis, CardStage::Pending),
        at(c(7), who(6), t.school, CardKind::Reserve, CardStage::Active),
    ];
    let register = [
        hr(1, t.school, None),
        hr(3, t.kitchen, None),
        hr(4, t.school, None),
        hr(6, t.school, Some(date!(2026 - 03 - 01))),
    ];
    let mismatch = |card, person, kind, problem| Mismatch { card, person, kind, problem };
    assert_eq!(
        card::reconcile(&held, &register, TODAY),
        vec![
            mismatch(c(2), who(2), CardKind::Sis, Problem::NoEmployment),
            mismatch(c(3), who(3), CardKind::Sis, Problem::OtherUnit { units: vec![t.kitchen] }),
            mismatch(c(4), who(4), CardKind::Sis, Problem::SeveralCards { others: vec![c(5)] }),
            mismatch(c(5), who(4), CardKind::Reserve, Problem::SeveralCards { others: vec![c(4)] }),
            mismatch(c(7), who(6), CardKind::Reserve, Problem::NoEmployment),
        ]
    );
    assert_eq!(card::reconcile(&held[..1], &register, TODAY), vec![], "all in order");
    run(vec![
        (
            "not returned",
            card::not_returned(&card(CardStatus::InUse), TODAY),
            Events(vec![deregistered(CARD, CardKind::Sis, DeregisterReason::NotReturned, TODAY)]),
        ),
        (
            "already destroyed",
            card::not_returned(&card(CardStatus::Destroyed), TODAY),
            Refused("R-STATE", None),
        ),
    ]);
}

// ---- the whole lifecycle, events and payloads --------------------------------------------------------------

#[test]
fn lifecycle_from_order_basis_to_destruction() {
    let t = tree();
    let policy = Policy::default();
    let p = holder();
    let cmd = CreateOrderBasis { card: CARD, ..basis(CardKind::Sis, officer(1)) };
    let events = card::create_order_basis(&p, &t.tree, &[], cmd, &policy).unwrap();
    let mut c = Card::created(&events[0]).unwrap();
    let mut step = |events: Vec<CardEvent>, status| {
        for e in &events {
            c.apply(e);
        }
        assert_eq!(c.status, status);
        c.clone()
    };
    let now = step(vec![], CardStatus::OrderBasis);
    let now = step(card::order(&now, &p, order_cmd(), &policy).unwrap(), CardStatus::Ordered);
    let now = step(card::add_to_batch(&now, BATCH).unwrap(), CardStatus::Ordered);
    let send = SendBatch { batch: BATCH, officer: officer(1), reviewed: vec![CARD], on: TODAY };
    let now = step(card::send_batch(&[now], send).unwrap(), CardStatus::Sent);
    let deliver = Deliver { serial: "9752000001".into(), valid_until: None, on: date!(2026 - 03 - 10) };
    let now = step(card::deliver(&now, deliver, &policy).unwrap(), CardStatus::Delivered);
    assert_eq!(now.collect_by(&policy), Some(date!(2026 - 06 - 10)));
    let hand = HandOut { on: date!(2026 - 03 - 16), ..hand_out_cmd() };
    let now = step(card::hand_out(&now, &p, &[], hand, &policy).unwrap(), CardStatus::HandedOut);
    assert_eq!(now.held().map(|h| h.stage), Some(CardStage::Active));
    let now = step(
        card::mark_in_use(&now, CredentialId(uuid(4000)), date!(2026 - 03 - 16)).unwrap(),
        CardStatus::InUse,
    );
    let ret = ReturnCard {
        to: ReturnedTo::Ra,
        reason: DeregisterReason::LeftEmployment,
        on: date!(2027 - 01 - 31),
    };
    let now = step(card::return_card(&now, ret).unwrap(), CardStatus::Returned);
    let now = step(card::destroy(&now, date!(2027 - 01 - 31)).unwrap(), CardStatus::Destroyed);
    assert_eq!(now.batch, Some(BATCH));
    assert_eq!(now.serial.as_deref(), Some("9752000001"));
    assert_eq!(now.valid_until, Some(date!(2031 - 03 - 10)));
    assert_eq!(now.receipt.as_deref(), Some("receipt/2000"));
    assert_eq!(now.end_reason, Some(DeregisterReason::LeftEmployment));
    assert_eq!(
        (now.dates.ordered, now.dates.sent, now.dates.handed_out, now.dates.ended, now.dates.destroyed),
        (
            Some(TODAY),
            Some(TODAY),
            Some(date!(2026 - 03 - 16)),
            Some(date!(2027 - 01 - 31)),
            Some(date!(2027 - 01 - 31))
        )
    );
    assert!(now.held().is_none());
}

#[test]
fn events_name_their_action_and_carry_no_names() {
    let rows = [
        (basis_created(vec![]), "card.order_basis_created"),
        (ordered(true), "card.ordered"),
        (CardEvent::AddedToBatch { card: CARD, batch: BATCH }, "card.added_to_batch"),
        (CardEvent::Sent { card: CARD, batch: BATCH, on: TODAY }, "card.sent"),
        (
            CardEvent::BatchSent { batch: BATCH, cards: vec![CARD], officer: officer(1).id, on: TODAY },
            "card.batch_sent",
        ),
        (handed_out(TODAY), "card.handed_out"),
        (CardEvent::InUse { card: CARD, credential: CredentialId(uuid(1)), on: TODAY }, "card.in_use"),
        (deregistered(CARD, CardKind::Sis, DeregisterReason::NotReturned, TODAY), "card.deregistered"),
        (CardEvent::Destroyed { card: CARD, on: TODAY }, "card.destroyed"),
    ];
    for (event, action) in rows {
        assert_eq!(event.action(), action);
        let payload = event.payload().to_string();
        assert!(!payload.contains("Tolvan"), "{payload}");
    }
    let payload = deregistered(CARD, CardKind::Sis, DeregisterReason::NotReturned, TODAY).payload();
    assert_eq!(payload["event"], "deregistered");
    assert_eq!(payload["reason"], "not_returned");
    assert_eq!(payload["revoke_credentials"], true);
    assert_eq!(payload["kind"], "sis");
    let returned = CardEvent::Returned {
        card: CARD,
        kind: CardKind::Sis,
        to: ReturnedTo::Manager { manager: PersonId(uuid(6)) },
        on: TODAY,
    };
    assert_eq!(returned.payload()["to"]["kind"], "manager");
}

#[test]
fn months_are_calendar_months() {
    assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
    assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
    assert_eq!(add_months(date!(2026 - 11 - 15), 3), date!(2027 - 02 - 15));
    assert_eq!(add_months(date!(2026 - 03 - 02), 60), date!(2031 - 03 - 02));
}
