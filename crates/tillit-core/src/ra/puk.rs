//! PUK orders (R-CARD-9, 000 §1.6, §7.6): an officer orders a new PUK code for a card in its
//! holder's hands; the letter goes by registered mail to the holder's registered (or
//! delivery) address and arrives after about `letter_days`; the cost is charged to the
//! holder's unit. Wrong PUK entries are counted and lock the card for good at
//! `puk_max_attempts`.
//!
//! ```text
//! Ordered ─send─► Sent ─deliver─► Delivered
//!                   └──returned─► Returned
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::card::{add_days, check_protected, Card, CardStatus, Officer};
use crate::ra::ids::{CardId, OrgId, PersonId, PukOrderId};
use crate::ra::person::Person;
use crate::ra::policy::Policy;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// Where a PUK order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PukStatus {
    /// Ordered by an officer.
    Ordered,
    /// The registered letter was sent.
    Sent,
    /// The holder received it.
    Delivered,
    /// It came back undelivered.
    Returned,
}

/// Which of the holder's addresses the letter goes to (the address itself is never in an
/// event: R-PER-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTo {
    /// The registered (folkbokföring) address.
    Registered,
    /// The alternative delivery address.
    Delivery,
}

/// A PUK order (R-CARD-9).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PukOrder {
    /// Its id.
    pub id: PukOrderId,
    /// The card.
    pub card: CardId,
    /// The holder.
    pub person: PersonId,
    /// The unit charged.
    pub unit: OrgId,
    /// Where it is.
    pub status: PukStatus,
    /// The cost charged, in öre.
    pub cost_ore: u32,
    /// When it was ordered.
    pub ordered_on: Date,
    /// When the letter is expected to arrive.
    pub expected: Date,
    /// When the letter was sent.
    pub sent_on: Option<Date>,
    /// When it was delivered or came back.
    pub closed_on: Option<Date>,
}

impl PukOrder {
    /// The order created by a [`PukEvent::Ordered`].
    pub fn created(event: &PukEvent) -> Option<PukOrder> {
        match event {
            PukEvent::Ordered { order, card, person, unit, cost_ore, expected, on, .. } => Some(PukOrder {
                id: *order,
                card: *card,
                person: *person,
                unit: *unit,
                status: PukStatus::Ordered,
                cost_ore: *cost_ore,
                ordered_on: *on,
                expected: *expected,
                sent_on: None,
                closed_on: None,
            }),
            _ => None,
        }
    }

    /// Applies an event; events about other orders are ignored.
    pub fn apply(&mut self, event: &PukEvent) {
        match event {
            PukEvent::Sent { order, on } if *order == self.id => {
                self.status = PukStatus::Sent;
                self.sent_on = Some(*on);
            }
            PukEvent::Delivered { order, on } if *order == self.id => {
                self.status = PukStatus::Delivered;
                self.closed_on = Some(*on);
            }
            PukEvent::Returned { order, on } if *order == self.id => {
                self.status = PukStatus::Returned;
                self.closed_on = Some(*on);
            }
            _ => {}
        }
    }
}

/// The wrong PUK entries counted for a card (R-CARD-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PukCounter {
    /// The card.
    pub card: CardId,
    /// Wrong entries since the last correct one.
    pub wrong: u32,
    /// Locked for good.
    pub locked: bool,
}

impl PukCounter {
    /// A card with no wrong entries.
    pub fn new(card: CardId) -> PukCounter {
        PukCounter { card, wrong: 0, locked: false }
    }

    /// Applies an event; events about other cards are ignored.
    pub fn apply(&mut self, event: &PukEvent) {
        match event {
            PukEvent::WrongEntry { card, wrong, .. } if *card == self.card => self.wrong = *wrong,
            PukEvent::CardLocked { card, .. } if *card == self.card => self.locked = true,
            PukEvent::EntriesReset { card, .. } if *card == self.card => self.wrong = 0,
            _ => {}
        }
    }
}

/// What the PUK routine decided. Payloads hold ids, codes, dates and amounts, never a name
/// or address (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PukEvent {
    /// A PUK was ordered for a card (R-CARD-9).
    Ordered {
        /// The order.
        order: PukOrderId,
        /// The card.
        card: CardId,
        /// The holder.
        person: PersonId,
        /// The unit charged.
        unit: OrgId,
        /// The cost charged, in öre.
        cost_ore: u32,
        /// Which address the letter goes to.
        mail_to: MailTo,
        /// When it is expected to arrive.
        expected: Date,
        /// The officer who ordered and signed.
        officer: PersonId,
        /// When.
        on: Date,
    },
    /// The registered letter was sent.
    Sent {
        /// The order.
        order: PukOrderId,
        /// When.
        on: Date,
    },
    /// The holder received it.
    Delivered {
        /// The order.
        order: PukOrderId,
        /// When.
        on: Date,
    },
    /// It came back undelivered.
    Returned {
        /// The order.
        order: PukOrderId,
        /// When.
        on: Date,
    },
    /// A wrong PUK was entered on the card.
    WrongEntry {
        /// The card.
        card: CardId,
        /// Wrong entries so far.
        wrong: u32,
        /// Entries left before the card locks.
        remaining: u32,
        /// When.
        on: Date,
    },
    /// The card is locked for good (R-CARD-9): it must be deregistered and replaced.
    CardLocked {
        /// The card.
        card: CardId,
        /// Wrong entries that locked it.
        wrong: u32,
        /// When.
        on: Date,
    },
    /// A correct PUK reset the count of wrong entries.
    EntriesReset {
        /// The card.
        card: CardId,
        /// When.
        on: Date,
    },
}

routine_events!(PukEvent {
    Ordered => "puk.ordered",
    Sent => "puk.sent",
    Delivered => "puk.delivered",
    Returned => "puk.returned",
    WrongEntry => "puk.wrong_entry",
    CardLocked => "puk.card_locked",
    EntriesReset => "puk.entries_reset",
});

/// Order a PUK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPuk {
    /// The new order's id.
    pub order: PukOrderId,
    /// The officer who orders and signs.
    pub officer: Officer,
    /// Which address the letter goes to.
    pub mail_to: MailTo,
    /// Today.
    pub on: Date,
}

fn check_locked(counter: &PukCounter, policy: &Policy) -> Result<(), Refusal> {
    ensure(!counter.locked && counter.wrong < policy.puk_max_attempts, || {
        Refusal::field(
            "R-CARD-9",
            "card",
            "the card is locked for good by wrong PUK entries: deregister it and order a new card",
        )
    })
}

/// Orders a PUK for `card` (R-CARD-9): the card must be in its holder's hands (handed out
/// or in use) and not locked for good; the officer needs KUR for a protected holder
/// (R-PER-3); the chosen address must exist. The cost `puk_cost_ore` is charged to the
/// card's unit and the letter is expected `letter_days` later.
pub fn order(
    card: &Card,
    person: &Person,
    counter: &PukCounter,
    cmd: OrderPuk,
    policy: &Policy,
) -> Result<Vec<PukEvent>, Refusal> {
    ensure(matches!(card.status, CardStatus::HandedOut | CardStatus::InUse), || {
        Refusal::field(
            "R-CARD-9",
            "card",
            format!(
                "a PUK is ordered only for a card in its holder's hands; this one is {}",
                card.status.as_str()
            ),
        )
    })?;
    ensure(card.person == person.id, || {
        Refusal::field("R-CARD-9", "person", "the person is not the card's holder")
    })?;
    ensure(counter.card == card.id, || {
        Refusal::field("R-CARD-9", "card", "the PUK count is another card's")
    })?;
    check_locked(counter, policy)?;
    check_protected(person, &cmd.officer)?;
    let address = match cmd.mail_to {
        MailTo::Registered => person.address.as_ref(),
        MailTo::Delivery => person.delivery_address.as_ref(),
    };
    ensure(address.is_some(), || Refusal::field("R-CARD-9", "mail_to", "the person has no such address"))?;
    Ok(vec![PukEvent::Ordered {
        order: cmd.order,
        card: card.id,
        person: person.id,
        unit: card.org,
        cost_ore: policy.puk_cost_ore,
        mail_to: cmd.mail_to,
        expected: add_days(cmd.on, policy.letter_days),
        officer: cmd.officer.id,
        on: cmd.on,
    }])
}

fn expect(order: &PukOrder, allowed: PukStatus, command: &str) -> Result<(), Refusal> {
    ensure(order.status == allowed, || {
        Refusal::state(&format!("PUK order {}", order.id), order.status, command)
    })
}

/// Records that the registered letter was sent.
pub fn send(order: &PukOrder, on: Date) -> Result<Vec<PukEvent>, Refusal> {
    expect(order, PukStatus::Ordered, "send")?;
    Ok(vec![PukEvent::Sent { order: order.id, on }])
}

/// Records that the holder received the letter.
pub fn deliver(order: &PukOrder, on: Date) -> Result<Vec<PukEvent>, Refusal> {
    expect(order, PukStatus::Sent, "deliver")?;
    Ok(vec![PukEvent::Delivered { order: order.id, on }])
}

/// Records that the letter came back undelivered.
pub fn returned(order: &PukOrder, on: Date) -> Result<Vec<PukEvent>, Refusal> {
    expect(order, PukStatus::Sent, "returned")?;
    Ok(vec![PukEvent::Returned { order: order.id, on }])
}

/// Counts a wrong PUK entry (R-CARD-9); the entry that reaches `puk_max_attempts` locks the
/// card for good. A locked card takes no more entries.
pub fn wrong_entry(counter: &PukCounter, on: Date, policy: &Policy) -> Result<Vec<PukEvent>, Refusal> {
    check_locked(counter, policy)?;
    let wrong = counter.wrong + 1;
    let remaining = policy.puk_max_attempts.saturating_sub(wrong);
    let mut events = vec![PukEvent::WrongEntry { card: counter.card, wrong, remaining, on }];
    if remaining == 0 {
        events.push(PukEvent::CardLocked { card: counter.card, wrong, on });
    }
    Ok(events)
}

/// A correct PUK entry resets the count of wrong ones (as the card's retry counter does).
/// Nothing to reset, no event; a locked card takes no entries (R-CARD-9).
pub fn correct_entry(counter: &PukCounter, on: Date, policy: &Policy) -> Result<Vec<PukEvent>, Refusal> {
    check_locked(counter, policy)?;
    Ok(if counter.wrong == 0 { Vec::new() } else { vec![PukEvent::EntriesReset { card: counter.card, on }] })
}

/// The PUK costs of one unit over a period (R-CARD-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnitCost {
    /// The unit charged.
    pub unit: OrgId,
    /// Orders in the period.
    pub orders: u32,
    /// Their total cost, in öre.
    pub total_ore: u64,
}

/// The PUK costs per unit of the orders placed from `from` to `to` (both included), sorted
/// by unit. Every order is charged, also one whose letter came back.
pub fn costs_by_unit(orders: &[PukOrder], from: Date, to: Date) -> Vec<UnitCost> {
    let mut units: BTreeMap<OrgId, UnitCost> = BTreeMap::new();
    for o in orders.iter().filter(|o| (from..=to).contains(&o.ordered_on)) {
        let entry = units.entry(o.unit).or_insert(UnitCost { unit: o.unit, orders: 0, total_ore: 0 });
        entry.orders += 1;
        entry.total_ore += u64::from(o.cost_ore);
    }
    units.into_values().collect()
}
