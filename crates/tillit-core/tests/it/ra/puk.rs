//! The PUK routine (R-CARD-9) as tables of (state, command) → events | refusal.

use tillit_core::ra::card::{Card, CardStatus, Officer};
use tillit_core::ra::person::{Address, Person};
use tillit_core::ra::puk::{
    self, costs_by_unit, MailTo, OrderPuk, PukCounter, PukEvent, PukOrder, PukStatus, UnitCost,
};
use tillit_core::ra::{CardId, Event, OrgId, Policy, PukOrderId};
use time::macros::date;
use time::Date;

use super::card::{card, holder, officer, run, Events, Refused, CARD};
use super::support::{person, tree, uuid, TODAY};

const ORDER: PukOrderId = PukOrderId(uuid::Uuid::from_u128(6000));

fn address() -> Address {
    Address {
        lines: vec!["Storgatan 1".into()],
        postal_code: "361 30".into(),
        town: "Emmaboda".into(),
        country: "SE".into(),
    }
}

fn addressed() -> Person {
    Person { address: Some(address()), ..holder() }
}

fn order_cmd(mail_to: MailTo) -> OrderPuk {
    OrderPuk { order: ORDER, officer: officer(1), mail_to, on: TODAY }
}

fn ordered(mail_to: MailTo, cost_ore: u32, expected: Date) -> PukEvent {
    PukEvent::Ordered {
        order: ORDER,
        card: CARD,
        person: holder().id,
        unit: tree().school,
        cost_ore,
        mail_to,
        expected,
        officer: officer(1).id,
        on: TODAY,
    }
}

fn counter(wrong: u32) -> PukCounter {
    PukCounter { wrong, ..PukCounter::new(CARD) }
}

#[test]
fn ordering_a_puk() {
    let policy = Policy::default();
    let in_use = card(CardStatus::InUse);
    let p = addressed();
    let delivery_only = Person { address: None, delivery_address: Some(address()), ..holder() };
    let protected = Person { protected: true, ..addressed() };
    let cheap = Policy { puk_cost_ore: 15_000, letter_days: 5, ..Policy::default() };
    let go = |card: &Card, p: &Person, c: &PukCounter, cmd| puk::order(card, p, c, cmd, &policy);
    run(vec![
        (
            "card in use, registered address",
            go(&in_use, &p, &counter(0), order_cmd(MailTo::Registered)),
            Events(vec![ordered(MailTo::Registered, 20_000, date!(2026 - 03 - 04))]),
        ),
        (
            "handed out, delivery address",
            go(&card(CardStatus::HandedOut), &delivery_only, &counter(3), order_cmd(MailTo::Delivery)),
            Events(vec![ordered(MailTo::Delivery, 20_000, date!(2026 - 03 - 04))]),
        ),
        (
            "the policy's cost and letter days",
            puk::order(&in_use, &p, &counter(0), order_cmd(MailTo::Registered), &cheap),
            Events(vec![ordered(MailTo::Registered, 15_000, date!(2026 - 03 - 07))]),
        ),
        (
            "no registered address",
            go(&in_use, &delivery_only, &counter(0), order_cmd(MailTo::Registered)),
            Refused("R-CARD-9", Some("mail_to")),
        ),
        (
            "no delivery address",
            go(&in_use, &p, &counter(0), order_cmd(MailTo::Delivery)),
            Refused("R-CARD-9", Some("mail_to")),
        ),
        (
            "card in the safe",
            go(&card(CardStatus::Delivered), &p, &counter(0), order_cmd(MailTo::Registered)),
            Refused("R-CARD-9", Some("card")),
        ),
        (
            "card deregistered",
            go(&card(CardStatus::Deregistered), &p, &counter(0), order_cmd(MailTo::Registered)),
            Refused("R-CARD-9", Some("card")),
        ),
        (
            "card locked for good",
            go(&in_use, &p, &PukCounter { locked: true, ..counter(0) }, order_cmd(MailTo::Registered)),
            Refused("R-CARD-9", Some("card")),
        ),
        (
            "another card's count",
            go(&in_use, &p, &PukCounter::new(CardId(uuid(1))), order_cmd(MailTo::Registered)),
            Refused("R-CARD-9", Some("card")),
        ),
        (
            "not the holder",
            go(&in_use, &person(2, None), &counter(0), order_cmd(MailTo::Registered)),
            Refused("R-CARD-9", Some("person")),
        ),
        (
            "protected, no KUR",
            go(&in_use, &protected, &counter(0), order_cmd(MailTo::Registered)),
            Refused("R-PER-3", Some("officer")),
        ),
        (
            "protected, KUR",
            go(
                &in_use,
                &protected,
                &counter(0),
                OrderPuk { officer: Officer { kur: true, ..officer(1) }, ..order_cmd(MailTo::Registered) },
            ),
            Events(vec![ordered(MailTo::Registered, 20_000, date!(2026 - 03 - 04))]),
        ),
    ]);
}

#[test]
fn the_letter() {
    let events = puk::order(
        &card(CardStatus::InUse),
        &addressed(),
        &counter(0),
        order_cmd(MailTo::Registered),
        &Policy::default(),
    )
    .unwrap();
    let ordered = PukOrder::created(&events[0]).unwrap();
    assert_eq!((ordered.status, ordered.unit, ordered.cost_ore), (PukStatus::Ordered, tree().school, 20_000));
    let with = |status| PukOrder { status, ..ordered.clone() };
    let day = date!(2026 - 03 - 03);
    run(vec![
        ("send", puk::send(&ordered, day), Events(vec![PukEvent::Sent { order: ORDER, on: day }])),
        ("send twice", puk::send(&with(PukStatus::Sent), day), Refused("R-STATE", None)),
        (
            "delivered",
            puk::deliver(&with(PukStatus::Sent), day),
            Events(vec![PukEvent::Delivered { order: ORDER, on: day }]),
        ),
        ("delivered before sent", puk::deliver(&ordered, day), Refused("R-STATE", None)),
        (
            "came back",
            puk::returned(&with(PukStatus::Sent), day),
            Events(vec![PukEvent::Returned { order: ORDER, on: day }]),
        ),
        (
            "came back after delivery",
            puk::returned(&with(PukStatus::Delivered), day),
            Refused("R-STATE", None),
        ),
    ]);
    let mut order = ordered.clone();
    order.apply(&PukEvent::Sent { order: ORDER, on: day });
    order.apply(&PukEvent::Delivered { order: PukOrderId(uuid(1)), on: day });
    assert_eq!((order.status, order.sent_on, order.closed_on), (PukStatus::Sent, Some(day), None));
    order.apply(&PukEvent::Delivered { order: ORDER, on: day });
    assert_eq!((order.status, order.closed_on), (PukStatus::Delivered, Some(day)));
}

#[test]
fn wrong_puk_entries_lock_the_card_for_good() {
    let policy = Policy::default();
    let three = Policy { puk_max_attempts: 3, ..Policy::default() };
    let wrong = |n, remaining| PukEvent::WrongEntry { card: CARD, wrong: n, remaining, on: TODAY };
    let locked = |n| PukEvent::CardLocked { card: CARD, wrong: n, on: TODAY };
    run(vec![
        ("first wrong entry", puk::wrong_entry(&counter(0), TODAY, &policy), Events(vec![wrong(1, 9)])),
        (
            "the tenth locks",
            puk::wrong_entry(&counter(9), TODAY, &policy),
            Events(vec![wrong(10, 0), locked(10)]),
        ),
        (
            "the policy's limit",
            puk::wrong_entry(&counter(2), TODAY, &three),
            Events(vec![wrong(3, 0), locked(3)]),
        ),
        (
            "locked",
            puk::wrong_entry(&PukCounter { locked: true, ..counter(10) }, TODAY, &policy),
            Refused("R-CARD-9", Some("card")),
        ),
        (
            "correct after wrong ones",
            puk::correct_entry(&counter(4), TODAY, &policy),
            Events(vec![PukEvent::EntriesReset { card: CARD, on: TODAY }]),
        ),
        ("correct, nothing to reset", puk::correct_entry(&counter(0), TODAY, &policy), Events(vec![])),
        (
            "correct on a locked card",
            puk::correct_entry(&PukCounter { locked: true, ..counter(3) }, TODAY, &policy),
            Refused("R-CARD-9", Some("card")),
        ),
    ]);
    let mut c = counter(0);
    for _ in 0..10 {
        for e in puk::wrong_entry(&c, TODAY, &policy).unwrap() {
            c.apply(&e);
        }
    }
    assert_eq!((c.wrong, c.locked), (10, true));
    assert_eq!(puk::wrong_entry(&c, TODAY, &policy).unwrap_err().rule, "R-CARD-9");
    let in_use = card(CardStatus::InUse);
    assert_eq!(
        puk::order(&in_use, &addressed(), &c, order_cmd(MailTo::Registered), &policy).unwrap_err().rule,
        "R-CARD-9"
    );
}

#[test]
fn puk_costs_per_unit() {
    let t = tree();
    let order = |n: u128, unit: OrgId, on: Date, cost_ore: u32, status| PukOrder {
        id: PukOrderId(uuid(6100 + n)),
        card: CardId(uuid(2100 + n)),
        person: holder().id,
        unit,
        status,
        cost_ore,
        ordered_on: on,
        expected: on,
        sent_on: None,
        closed_on: None,
    };
    let orders = [
        order(1, t.school, date!(2026 - 01 - 01), 20_000, PukStatus::Delivered),
        order(2, t.school, date!(2026 - 03 - 31), 20_000, PukStatus::Returned),
        order(3, t.kitchen, date!(2026 - 02 - 15), 15_000, PukStatus::Sent),
        order(4, t.kitchen, date!(2025 - 12 - 31), 20_000, PukStatus::Delivered),
        order(5, t.school, date!(2026 - 04 - 01), 20_000, PukStatus::Ordered),
    ];
    let mut want = vec![
        UnitCost { unit: t.school, orders: 2, total_ore: 40_000 },
        UnitCost { unit: t.kitchen, orders: 1, total_ore: 15_000 },
    ];
    want.sort_by_key(|c| c.unit);
    assert_eq!(costs_by_unit(&orders, date!(2026 - 01 - 01), date!(2026 - 03 - 31)), want);
    assert_eq!(costs_by_unit(&orders, date!(2027 - 01 - 01), date!(2027 - 12 - 31)), vec![]);
}

#[test]
fn puk_events_name_their_action_and_carry_no_address() {
    let event = ordered(MailTo::Registered, 20_000, TODAY);
    assert_eq!(event.action(), "puk.ordered");
    let payload = event.payload();
    assert_eq!(
        (payload["cost_ore"].as_u64(), payload["mail_to"].as_str()),
        (Some(20_000), Some("registered"))
    );
    assert_eq!(payload["unit"], tree().school.to_string());
    assert!(!payload.to_string().contains("Storgatan"));
    assert_eq!(PukEvent::CardLocked { card: CARD, wrong: 10, on: TODAY }.action(), "puk.card_locked");
    assert_eq!(
        PukEvent::WrongEntry { card: CARD, wrong: 1, remaining: 9, on: TODAY }.action(),
        "puk.wrong_entry"
    );
}
