//! The reserve-card routine (R-RES-1..3, R-RES-5) as tables of (state, command) → events |
//! refusal.

use tillit_core::ra::card::{
    CardKind, CardStage, DeregisterReason, HeldCard, IdDocument, Officer, ReturnedTo,
};
use tillit_core::ra::person::Person;
use tillit_core::ra::proofing::SeDocument;
use tillit_core::ra::reserve::{
    self, max_credential_end, Bundle, BundleId, BundleStatus, DiscardReason, HandOutReserve, OrderBundle,
    ReceiveBundle, ReserveCard, ReserveEvent, ReserveStatus, Reuse, SerialRange, StockLevel, TrustLevel,
};
use tillit_core::ra::{CardId, Event, PersonId, Policy};
use time::macros::date;
use time::Date;

use super::card::{holder, officer, passport, run, Events, Refused};
use super::support::{person, tree, uuid, TODAY};

const BUNDLE: BundleId = BundleId(uuid::Uuid::from_u128(5000));
const CARD: CardId = CardId(uuid::Uuid::from_u128(5100));

fn bundle(first: u64, last: u64, status: BundleStatus) -> Bundle {
    Bundle {
        id: BUNDLE,
        serials: SerialRange { first, last },
        status,
        ordered_on: date!(2026 - 02 - 01),
        received_on: None,
    }
}

fn in_stock() -> ReserveCard {
    ReserveCard::stocked(CARD, BUNDLE, 880_001)
}

/// The holder's card, handed out on 1 December 2025 with a credential to 30 May 2026.
fn handed_out_card() -> ReserveCard {
    ReserveCard {
        status: ReserveStatus::HandedOut,
        holder: Some(holder().id),
        unit: Some(tree().school),
        handed_out: Some(date!(2025 - 12 - 01)),
        last_issued: Some(date!(2025 - 12 - 01)),
        credential_until: Some(date!(2026 - 05 - 30)),
        trust_level: Some(TrustLevel::Level2),
        receipt: Some("binder/19121212".into()),
        ..in_stock()
    }
}

fn kra_kur(n: u128) -> Officer {
    Officer { kur: true, ..officer(n) }
}

// ---- bundles and stock (R-RES-1) --------------------------------------------------------------------

#[test]
fn bundles() {
    let other = Bundle { id: BundleId(uuid(5001)), ..bundle(100, 199, BundleStatus::Received) };
    let order = |first, last| OrderBundle { bundle: BUNDLE, serials: SerialRange { first, last }, on: TODAY };
    let ordered = ReserveEvent::BundleOrdered {
        bundle: BUNDLE,
        serials: SerialRange { first: 200, last: 249 },
        on: TODAY,
    };
    run(vec![
        (
            "next range",
            reserve::order_bundle(std::slice::from_ref(&other), order(200, 249)),
            Events(vec![ordered]),
        ),
        (
            "overlapping range",
            reserve::order_bundle(std::slice::from_ref(&other), order(150, 249)),
            Refused("R-RES-1", Some("serials")),
        ),
        ("backwards range", reserve::order_bundle(&[], order(249, 200)), Refused("R-RES-1", Some("serials"))),
        ("too many cards", reserve::order_bundle(&[], order(1, 1001)), Refused("R-RES-1", Some("serials"))),
    ]);
}

#[test]
fn receiving_a_bundle() {
    let ordered = bundle(10, 12, BundleStatus::Ordered);
    let ids = [CardId(uuid(5110)), CardId(uuid(5111)), CardId(uuid(5112))];
    let receive = |cards: &[CardId], opened: Vec<u64>| ReceiveBundle {
        cards: cards.to_vec(),
        opened_letters: opened,
        on: TODAY,
    };
    let stocked = |i: usize| ReserveEvent::Stocked { card: ids[i], bundle: BUNDLE, serial: 10 + i as u64 };
    run(vec![
        (
            "one PIN letter opened",
            reserve::receive_bundle(&ordered, receive(&ids, vec![11])),
            Events(vec![
                ReserveEvent::BundleReceived { bundle: BUNDLE, cards: 3, on: TODAY },
                stocked(0),
                stocked(1),
                stocked(2),
                ReserveEvent::Discarded { card: ids[1], reason: DiscardReason::PinLetterOpened, on: TODAY },
            ]),
        ),
        (
            "an id missing",
            reserve::receive_bundle(&ordered, receive(&ids[..2], vec![])),
            Refused("R-RES-1", Some("cards")),
        ),
        (
            "an id twice",
            reserve::receive_bundle(&ordered, receive(&[ids[0], ids[0], ids[1]], vec![])),
            Refused("R-RES-1", Some("cards")),
        ),
        (
            "a letter of another bundle",
            reserve::receive_bundle(&ordered, receive(&ids, vec![13])),
            Refused("R-RES-1", Some("opened_letters")),
        ),
        (
            "received twice",
            reserve::receive_bundle(&bundle(10, 12, BundleStatus::Received), receive(&ids, vec![])),
            Refused("R-STATE", None),
        ),
    ]);
}

#[test]
fn low_stock_warning() {
    let policy = Policy::default();
    let cards = |n: u128| {
        (0..n).map(|i| ReserveCard::stocked(CardId(uuid(5200 + i)), BUNDLE, 1 + i as u64)).collect::<Vec<_>>()
    };
    let mut nine = cards(9);
    nine.push(handed_out_card());
    let coming = [
        bundle(500, 549, BundleStatus::Ordered),
        Bundle { id: BundleId(uuid(5002)), ..bundle(1, 9, BundleStatus::Received) },
    ];
    let low = reserve::stock_level(&nine, &coming, &policy);
    assert_eq!(low, StockLevel { in_stock: 9, on_order: 50, threshold: 10, low: true });
    assert_eq!(
        low.warning(TODAY),
        Some(ReserveEvent::LowStock { in_stock: 9, on_order: 50, threshold: 10, on: TODAY })
    );
    let enough = reserve::stock_level(&cards(10), &[], &policy);
    assert_eq!(enough, StockLevel { in_stock: 10, on_order: 0, threshold: 10, low: false });
    assert_eq!(enough.warning(TODAY), None);
    assert!(
        reserve::stock_level(&cards(10), &[], &Policy { reserve_low_stock: 11, ..Policy::default() }).low
    );
}

#[test]
fn discard() {
    run(vec![
        (
            "opened envelope",
            reserve::discard(&in_stock(), DiscardReason::PinLetterOpened, TODAY),
            Events(vec![ReserveEvent::Discarded {
                card: CARD,
                reason: DiscardReason::PinLetterOpened,
                on: TODAY,
            }]),
        ),
        (
            "handed out",
            reserve::discard(&handed_out_card(), DiscardReason::Damaged, TODAY),
            Refused("R-STATE", None),
        ),
    ]);
}

// ---- hand-out (R-RES-2, R-RES-5, R-PER-2, R-PER-3, R-IDP-1, R-AUD-3, R-CRED-2) --------------------------------

#[test]
fn credential_validity_on_a_reserve_card() {
    let policy = Policy::default();
    assert_eq!(max_credential_end(TODAY, &policy), date!(2026 - 08 - 29));
    assert_eq!(
        max_credential_end(TODAY, &Policy { reserve_credential_max_days: 30, ..policy }),
        date!(2026 - 04 - 01)
    );
}

fn cmd(officers: Vec<Officer>, level: TrustLevel) -> HandOutReserve {
    HandOutReserve {
        unit: tree().school,
        officers,
        holder_present: true,
        document: passport(),
        pin_letter_unopened: true,
        receipt: "binder/19121212".into(),
        credential_until: date!(2026 - 08 - 29),
        trust_level: level,
        on: TODAY,
    }
}

fn handed(officers: Vec<Officer>, level: TrustLevel, until: Date) -> ReserveEvent {
    ReserveEvent::HandedOut {
        card: CARD,
        person: holder().id,
        unit: tree().school,
        officers: officers.iter().map(|o| o.id).collect(),
        trust_level: level,
        credential_until: until,
        document: SeDocument::Passport,
        document_number: "AB1234567".into(),
        receipt: "binder/19121212".into(),
        on: TODAY,
    }
}

#[test]
fn hand_out() {
    let t = tree();
    let policy = Policy::default();
    let p = holder();
    let protected = Person { protected: true, ..holder() };
    let leaving = person(1, Some(date!(2026 - 06 - 30)));
    let unsecured = Person { hsa_id: None, ..holder() };
    let go = |p: &Person, c: HandOutReserve| reserve::hand_out(&in_stock(), p, &t.tree, c, &policy);
    let one = vec![officer(1)];
    let two = vec![officer(1), officer(2)];
    let not_kra = vec![officer(1), Officer { kra: false, ..officer(2) }];
    let one_kur = vec![kra_kur(1), officer(2)];
    let both_kur = vec![kra_kur(1), kra_kur(2)];
    use TrustLevel::{Level2, Level3};
    run(vec![
        (
            "level 2",
            go(&p, cmd(one.clone(), Level2)),
            Events(vec![handed(one.clone(), Level2, date!(2026 - 08 - 29))]),
        ),
        (
            "level 3, two KRA officers",
            go(&p, cmd(two.clone(), Level3)),
            Events(vec![handed(two.clone(), Level3, date!(2026 - 08 - 29))]),
        ),
        ("level 3, one officer", go(&p, cmd(one.clone(), Level3)), Refused("R-RES-5", Some("officers"))),
        (
            "level 3, the same officer twice",
            go(&p, cmd(vec![officer(1), officer(1)], Level3)),
            Refused("R-RES-5", Some("officers")),
        ),
        ("level 3, one without KRA", go(&p, cmd(not_kra, Level3)), Refused("R-RES-5", Some("officers"))),
        (
            "level 3, protected, one without KUR",
            go(&protected, cmd(one_kur, Level3)),
            Refused("R-RES-5", Some("officers")),
        ),
        (
            "level 3, protected, both KUR",
            go(&protected, cmd(both_kur.clone(), Level3)),
            Events(vec![handed(both_kur, Level3, date!(2026 - 08 - 29))]),
        ),
        (
            "level 2, protected, no KUR",
            go(&protected, cmd(one.clone(), Level2)),
            Refused("R-PER-3", Some("officer")),
        ),
        ("no officer", go(&p, cmd(vec![], Level2)), Refused("R-AUD-1", Some("officers"))),
        (
            "holder not there: not the same visit",
            go(&p, HandOutReserve { holder_present: false, ..cmd(one.clone(), Level2) }),
            Refused("R-RES-2", Some("holder_present")),
        ),
        (
            "PIN letter opened",
            go(&p, HandOutReserve { pin_letter_unopened: false, ..cmd(one.clone(), Level2) }),
            Refused("R-RES-2", Some("pin_letter_unopened")),
        ),
        (
            "credential of 181 days",
            go(&p, HandOutReserve { credential_until: date!(2026 - 08 - 30), ..cmd(one.clone(), Level2) }),
            Refused("R-RES-2", Some("credential_until")),
        ),
        (
            "credential ending today",
            go(&p, HandOutReserve { credential_until: TODAY, ..cmd(one.clone(), Level2) }),
            Refused("R-RES-2", Some("credential_until")),
        ),
        (
            "credential beyond the employment",
            go(&leaving, cmd(one.clone(), Level2)),
            Refused("R-CRED-2", Some("credential_until")),
        ),
        (
            "credential to the employment's end",
            go(
                &leaving,
                HandOutReserve { credential_until: date!(2026 - 06 - 30), ..cmd(one.clone(), Level2) },
            ),
            Events(vec![handed(one.clone(), Level2, date!(2026 - 06 - 30))]),
        ),
        (
            "HR record not secured",
            go(&unsecured, cmd(one.clone(), Level2)),
            Refused("R-PER-2", Some("hsa_id")),
        ),
        (
            "not employed in the unit",
            go(&p, HandOutReserve { unit: t.kitchen, ..cmd(one.clone(), Level2) }),
            Refused("R-PER-2", Some("unit")),
        ),
        (
            "document not accepted",
            reserve::hand_out(
                &in_stock(),
                &p,
                &t.tree,
                cmd(one.clone(), Level2),
                &Policy { se_documents: vec![SeDocument::DrivingLicence], ..Policy::default() },
            ),
            Refused("R-IDP-1", Some("document.kind")),
        ),
        (
            "no receipt",
            go(&p, HandOutReserve { receipt: "".into(), ..cmd(one.clone(), Level2) }),
            Refused("R-AUD-3", Some("receipt")),
        ),
        (
            "already handed out",
            reserve::hand_out(&handed_out_card(), &p, &t.tree, cmd(one.clone(), Level2), &policy),
            Refused("R-STATE", None),
        ),
    ]);
}

#[test]
fn a_handed_out_card_is_held() {
    let t = tree();
    let mut card = in_stock();
    assert_eq!(card.held(), None);
    for e in reserve::hand_out(
        &card.clone(),
        &holder(),
        &t.tree,
        cmd(vec![officer(1)], TrustLevel::Level2),
        &Policy::default(),
    )
    .unwrap()
    {
        card.apply(&e);
    }
    assert_eq!(card.status, ReserveStatus::HandedOut);
    assert_eq!(card.credential_until, Some(date!(2026 - 08 - 29)));
    assert_eq!(
        card.held(),
        Some(HeldCard {
            card: CARD,
            person: holder().id,
            unit: t.school,
            kind: CardKind::Reserve,
            stage: CardStage::Active
        })
    );
}

// ---- reuse (R-RES-3) ------------------------------------------------------------------------------------------

#[test]
fn reuse_by_the_same_person_only() {
    let t = tree();
    let policy = Policy::default();
    let p = holder();
    let reuse_cmd = |on| Reuse {
        officers: vec![officer(1)],
        document: IdDocument { kind: SeDocument::DrivingLicence, number: "D-1".into() },
        credential_until: date!(2026 - 08 - 29),
        trust_level: TrustLevel::Level2,
        on,
    };
    let reused = ReserveEvent::Reused {
        card: CARD,
        person: p.id,
        officers: vec![officer(1).id],
        trust_level: TrustLevel::Level2,
        credential_until: date!(2026 - 08 - 29),
        document: SeDocument::DrivingLicence,
        document_number: "D-1".into(),
        on: TODAY,
    };
    let expired_long_ago = ReserveCard { credential_until: Some(date!(2025 - 03 - 01)), ..handed_out_card() };
    let go = |card: &ReserveCard, p: &Person, cmd| reserve::reuse(card, p, &t.tree, cmd, &policy);
    run(vec![
        ("the same person", go(&handed_out_card(), &p, reuse_cmd(TODAY)), Events(vec![reused])),
        (
            "another person",
            go(&handed_out_card(), &person(2, None), reuse_cmd(TODAY)),
            Refused("R-RES-3", Some("person")),
        ),
        (
            "after the reuse deadline",
            go(&expired_long_ago, &p, reuse_cmd(TODAY)),
            Refused("R-RES-3", Some("on")),
        ),
        (
            "level 3 by one officer",
            go(&handed_out_card(), &p, Reuse { trust_level: TrustLevel::Level3, ..reuse_cmd(TODAY) }),
            Refused("R-RES-5", Some("officers")),
        ),
        (
            "credential too long",
            go(&handed_out_card(), &p, Reuse { credential_until: date!(2026 - 09 - 01), ..reuse_cmd(TODAY) }),
            Refused("R-RES-2", Some("credential_until")),
        ),
        ("never handed out", go(&in_stock(), &p, reuse_cmd(TODAY)), Refused("R-STATE", None)),
    ]);
}

#[test]
fn unused_reserve_cards_are_deregistered_once() {
    let policy = Policy::default();
    let card = handed_out_card();
    assert_eq!(card.reuse_by(&policy), Some(date!(2027 - 05 - 30)));
    assert_eq!(reserve::not_reused(&card, date!(2027 - 05 - 30), &policy), None, "the last day to reuse");
    let day_after = date!(2027 - 05 - 31);
    let events = reserve::not_reused(&card, day_after, &policy).unwrap();
    assert_eq!(
        events,
        vec![ReserveEvent::Deregistered {
            card: CARD,
            reason: DeregisterReason::NotReused,
            revoke_credentials: true,
            on: day_after
        }]
    );
    let mut after = card.clone();
    for e in &events {
        after.apply(e);
    }
    assert_eq!(after.status, ReserveStatus::Deregistered);
    assert_eq!(reserve::not_reused(&after, day_after, &policy), None, "idempotent");
    assert_eq!(reserve::not_reused(&in_stock(), day_after, &policy), None, "stock is not used");
    let no_credential = ReserveCard { credential_until: None, ..handed_out_card() };
    assert_eq!(no_credential.reuse_by(&policy), Some(date!(2026 - 12 - 01)), "counted from the hand-out");
    let reuse_days_30 = Policy { reserve_reuse_days: 30, ..Policy::default() };
    assert!(
        reserve::not_reused(&card, date!(2026 - 06 - 30), &reuse_days_30).is_some(),
        "the policy's period"
    );
}

// ---- returns and deregistration ------------------------------------------------------------------------------------

#[test]
fn returns() {
    let manager = PersonId(uuid(600));
    let dereg =
        |reason| ReserveEvent::Deregistered { card: CARD, reason, revoke_credentials: true, on: TODAY };
    let returned = ReserveCard { status: ReserveStatus::Returned, ..handed_out_card() };
    run(vec![
        (
            "returned to the RA",
            reserve::return_card(&handed_out_card(), ReturnedTo::Ra, DeregisterReason::LeftEmployment, TODAY),
            Events(vec![
                ReserveEvent::Returned { card: CARD, to: ReturnedTo::Ra, on: TODAY },
                dereg(DeregisterReason::LeftEmployment),
            ]),
        ),
        (
            "returned to the manager, who cut it",
            reserve::return_card(
                &handed_out_card(),
                ReturnedTo::Manager { manager },
                DeregisterReason::LeftEmployment,
                TODAY,
            ),
            Events(vec![
                ReserveEvent::Returned { card: CARD, to: ReturnedTo::Manager { manager }, on: TODAY },
                dereg(DeregisterReason::LeftEmployment),
                ReserveEvent::Destroyed { card: CARD, on: TODAY },
            ]),
        ),
        (
            "return a card in stock",
            reserve::return_card(&in_stock(), ReturnedTo::Ra, DeregisterReason::Lost, TODAY),
            Refused("R-STATE", None),
        ),
        (
            "not returned",
            reserve::deregister(&handed_out_card(), DeregisterReason::NotReturned, TODAY),
            Events(vec![dereg(DeregisterReason::NotReturned)]),
        ),
        (
            "deregister a card in stock",
            reserve::deregister(&in_stock(), DeregisterReason::Lost, TODAY),
            Refused("R-STATE", None),
        ),
        (
            "destroy a returned card",
            reserve::destroy(&returned, TODAY),
            Events(vec![ReserveEvent::Destroyed { card: CARD, on: TODAY }]),
        ),
        ("destroy a card in use", reserve::destroy(&handed_out_card(), TODAY), Refused("R-STATE", None)),
    ]);
}

#[test]
fn reserve_events_name_their_action_and_carry_no_names() {
    let t = tree();
    let rows = [
        (ReserveEvent::BundleReceived { bundle: BUNDLE, cards: 1, on: TODAY }, "reserve.bundle_received"),
        (ReserveEvent::LowStock { in_stock: 1, on_order: 0, threshold: 10, on: TODAY }, "reserve.low_stock"),
        (handed(vec![officer(1)], TrustLevel::Level3, TODAY), "reserve.handed_out"),
        (
            ReserveEvent::Discarded { card: CARD, reason: DiscardReason::PinLetterOpened, on: TODAY },
            "reserve.discarded",
        ),
    ];
    for (event, action) in rows {
        assert_eq!(event.action(), action);
        assert!(!event.payload().to_string().contains("Tolvan"));
    }
    let payload = handed(vec![officer(1)], TrustLevel::Level3, TODAY).payload();
    assert_eq!(payload["trust_level"], "level3");
    assert_eq!(payload["unit"], t.school.to_string());
}
