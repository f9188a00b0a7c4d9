//! Reserve cards and their stock (R-RES-1..3, R-RES-5): bundles of blank cards and PIN
//! letters ordered from the card supplier and kept in the safe, the low-stock warning, the
//! hand-out in the same visit as the order, reuse by the same person only, and the timed
//! deregistration of cards not reused within a year.
//!
//! # Lifecycle
//!
//! ```text
//! bundle: Ordered ─receive_bundle─► Received
//! card:   InStock ─hand_out─► HandedOut ─reuse─► HandedOut ...
//!            │                   │  └─ return_card ─► Returned ─destroy─► Destroyed
//!         discard                └─ deregister / not_reused ─► Deregistered ─destroy─► Destroyed
//!            ▼
//!        Discarded
//! ```
//!
//! A used reserve card stays with its holder (000 §2.3) and may get a new credential, for
//! that holder only (R-RES-3), until `reserve_reuse_days` after its last credential ended.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::approval::{ApprovalRule, OfficerRoles};
use crate::ra::card::{
    add_days, check_document, check_protected, CardKind, CardStage, DeregisterReason, HeldCard, IdDocument,
    Officer, ReturnedTo,
};
use crate::ra::ids::{CardId, OrgId, PersonId};
use crate::ra::org::OrgTree;
use crate::ra::person::Person;
use crate::ra::policy::Policy;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// The most cards one bundle may hold (a sanity limit on the serial range).
pub const MAX_BUNDLE: u64 = 1_000;

/// A bundle of reserve cards and PIN letters (R-RES-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BundleId(pub uuid::Uuid);

impl fmt::Display for BundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The serial numbers of a bundle's cards, first to last inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SerialRange {
    /// The first serial number.
    pub first: u64,
    /// The last serial number.
    pub last: u64,
}

impl SerialRange {
    /// The number of cards.
    pub fn count(&self) -> u64 {
        self.last.saturating_sub(self.first).saturating_add(1)
    }

    /// Whether `serial` is in the range.
    pub fn contains(&self, serial: u64) -> bool {
        (self.first..=self.last).contains(&serial)
    }

    /// Whether the two ranges share a serial number.
    pub fn overlaps(&self, other: &SerialRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    /// Every serial number, in order.
    pub fn serials(&self) -> impl Iterator<Item = u64> {
        self.first..=self.last
    }
}

/// Where a bundle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    /// Ordered from the card supplier.
    Ordered,
    /// Received into the safe.
    Received,
}

/// A bundle of reserve cards (R-RES-1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bundle {
    /// Its id.
    pub id: BundleId,
    /// Its cards' serial numbers.
    pub serials: SerialRange,
    /// Where it is.
    pub status: BundleStatus,
    /// When it was ordered.
    pub ordered_on: Date,
    /// When it was received.
    pub received_on: Option<Date>,
}

/// Where a reserve card is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReserveStatus {
    /// Blank, in the safe with its unopened PIN letter.
    InStock,
    /// Handed out to its holder (also while the holder keeps it for reuse).
    HandedOut,
    /// Returned and deregistered, to be cut.
    Returned,
    /// Deregistered without being returned.
    Deregistered,
    /// Never used: its PIN letter was opened or the card damaged (R-RES-2).
    Discarded,
    /// Cut.
    Destroyed,
}

/// The trust level of a reserve card's credential (R-RES-5, ISO/IEC 29115).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Level 2: the usual level of a reserve card.
    Level2,
    /// Level 3: two KRA officers issue it.
    Level3,
}

/// Why a card in stock was discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    /// The PIN letter's envelope was opened or shows signs of opening (R-RES-2).
    PinLetterOpened,
    /// The card is damaged.
    Damaged,
}

/// A reserve card (R-CARD-1: blank, printed serial number, transport certificate).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReserveCard {
    /// Its id.
    pub id: CardId,
    /// Its bundle.
    pub bundle: BundleId,
    /// The serial number printed on it.
    pub serial: u64,
    /// Where it is.
    pub status: ReserveStatus,
    /// The person it was handed out to, the only one who may ever use it (R-RES-3).
    pub holder: Option<PersonId>,
    /// The holder's unit.
    pub unit: Option<OrgId>,
    /// When it was handed out.
    pub handed_out: Option<Date>,
    /// When it was last given a credential (hand-out or reuse).
    pub last_issued: Option<Date>,
    /// The last day of its latest credential.
    pub credential_until: Option<Date>,
    /// The trust level of its latest credential.
    pub trust_level: Option<TrustLevel>,
    /// The reference of the holder's paper receipt (R-AUD-3: archived 15 years).
    pub receipt: Option<String>,
    /// Why it was deregistered.
    pub end_reason: Option<DeregisterReason>,
}

impl ReserveCard {
    /// A card received into stock.
    pub fn stocked(id: CardId, bundle: BundleId, serial: u64) -> ReserveCard {
        ReserveCard {
            id,
            bundle,
            serial,
            status: ReserveStatus::InStock,
            holder: None,
            unit: None,
            handed_out: None,
            last_issued: None,
            credential_until: None,
            trust_level: None,
            receipt: None,
            end_reason: None,
        }
    }

    /// The card as the card routines see it (R-CARD-6, R-CARD-8): active while handed out.
    pub fn held(&self) -> Option<HeldCard> {
        match (self.status, self.holder, self.unit) {
            (ReserveStatus::HandedOut, Some(person), Some(unit)) => Some(HeldCard {
                card: self.id,
                person,
                unit,
                kind: CardKind::Reserve,
                stage: CardStage::Active,
            }),
            _ => None,
        }
    }

    /// The last day the card may be reused (R-RES-3): `reserve_reuse_days` after its latest
    /// credential ended. `None` for a card that was never handed out.
    pub fn reuse_by(&self, policy: &Policy) -> Option<Date> {
        let anchor = self.credential_until.or(self.handed_out)?;
        Some(add_days(anchor, policy.reserve_reuse_days))
    }

    /// Applies an event to the card; events about other cards are ignored.
    pub fn apply(&mut self, event: &ReserveEvent) {
        if event.card() != Some(self.id) {
            return;
        }
        match event {
            ReserveEvent::HandedOut { person, unit, on, trust_level, credential_until, receipt, .. } => {
                self.status = ReserveStatus::HandedOut;
                self.holder = Some(*person);
                self.unit = Some(*unit);
                self.handed_out = Some(*on);
                self.issued(*on, *credential_until, *trust_level);
                self.receipt = Some(receipt.clone());
            }
            ReserveEvent::Reused { on, trust_level, credential_until, .. } => {
                self.issued(*on, *credential_until, *trust_level)
            }
            ReserveEvent::Discarded { .. } => self.status = ReserveStatus::Discarded,
            ReserveEvent::Returned { .. } => self.status = ReserveStatus::Returned,
            ReserveEvent::Deregistered { reason, .. } => {
                self.end_reason = Some(*reason);
                if self.status != ReserveStatus::Returned {
                    self.status = ReserveStatus::Deregistered;
                }
            }
            ReserveEvent::Destroyed { .. } => self.status = ReserveStatus::Destroyed,
            ReserveEvent::BundleOrdered { .. }
            | ReserveEvent::BundleReceived { .. }
            | ReserveEvent::Stocked { .. }
            | ReserveEvent::LowStock { .. } => {}
        }
    }

    fn issued(&mut self, on: Date, until: Date, level: TrustLevel) {
        self.last_issued = Some(on);
        self.credential_until = Some(until);
        self.trust_level = Some(level);
    }
}

/// What the reserve-card routine decided. Payloads hold ids, codes, dates and references,
/// never a name or address (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ReserveEvent {
    /// A bundle was ordered from the card supplier (R-RES-1).
    BundleOrdered {
        /// The bundle.
        bundle: BundleId,
        /// Its serial numbers.
        serials: SerialRange,
        /// When.
        on: Date,
    },
    /// A bundle arrived and was put in the safe (R-RES-1).
    BundleReceived {
        /// The bundle.
        bundle: BundleId,
        /// The number of cards stocked (discarded ones included).
        cards: u64,
        /// When.
        on: Date,
    },
    /// A card of a received bundle was stocked.
    Stocked {
        /// The card.
        card: CardId,
        /// Its bundle.
        bundle: BundleId,
        /// Its serial number.
        serial: u64,
    },
    /// Fewer cards are in stock than the policy's threshold (R-RES-1).
    LowStock {
        /// Cards in stock.
        in_stock: u64,
        /// Cards in bundles ordered and not yet received.
        on_order: u64,
        /// The threshold.
        threshold: u32,
        /// When.
        on: Date,
    },
    /// Handed out in the same visit as its credential order (R-RES-2, R-RES-5).
    HandedOut {
        /// The card.
        card: CardId,
        /// The holder.
        person: PersonId,
        /// The holder's unit.
        unit: OrgId,
        /// The officers who issued it (two for level 3).
        officers: Vec<PersonId>,
        /// The trust level of the credential.
        trust_level: TrustLevel,
        /// The last day of the credential (at most `reserve_credential_max_days`).
        credential_until: Date,
        /// The identity document type.
        document: crate::ra::proofing::SeDocument,
        /// Its number.
        document_number: String,
        /// The reference of the holder's paper receipt (R-AUD-3).
        receipt: String,
        /// When.
        on: Date,
    },
    /// Its holder got a new credential on it (R-RES-3).
    Reused {
        /// The card.
        card: CardId,
        /// The holder.
        person: PersonId,
        /// The officers who issued it.
        officers: Vec<PersonId>,
        /// The trust level of the credential.
        trust_level: TrustLevel,
        /// The last day of the credential.
        credential_until: Date,
        /// The identity document type.
        document: crate::ra::proofing::SeDocument,
        /// Its number.
        document_number: String,
        /// When.
        on: Date,
    },
    /// A card in stock was discarded (cut) unused (R-RES-2).
    Discarded {
        /// The card.
        card: CardId,
        /// Why.
        reason: DiscardReason,
        /// When.
        on: Date,
    },
    /// Returned by its holder (000 §2.3, §7.5).
    Returned {
        /// The card.
        card: CardId,
        /// To whom.
        to: ReturnedTo,
        /// When.
        on: Date,
    },
    /// Deregistered: every credential on it must be revoked now (R-REV-3).
    Deregistered {
        /// The card.
        card: CardId,
        /// Why.
        reason: DeregisterReason,
        /// Always true.
        revoke_credentials: bool,
        /// When.
        on: Date,
    },
    /// Cut.
    Destroyed {
        /// The card.
        card: CardId,
        /// When.
        on: Date,
    },
}

routine_events!(ReserveEvent {
    BundleOrdered => "reserve.bundle_ordered",
    BundleReceived => "reserve.bundle_received",
    Stocked => "reserve.stocked",
    LowStock => "reserve.low_stock",
    HandedOut => "reserve.handed_out",
    Reused => "reserve.reused",
    Discarded => "reserve.discarded",
    Returned => "reserve.returned",
    Deregistered => "reserve.deregistered",
    Destroyed => "reserve.destroyed",
});

impl ReserveEvent {
    /// The card the event is about (`None` for bundle and stock events).
    pub fn card(&self) -> Option<CardId> {
        match self {
            ReserveEvent::BundleOrdered { .. }
            | ReserveEvent::BundleReceived { .. }
            | ReserveEvent::LowStock { .. } => None,
            ReserveEvent::Stocked { card, .. }
            | ReserveEvent::HandedOut { card, .. }
            | ReserveEvent::Reused { card, .. }
            | ReserveEvent::Discarded { card, .. }
            | ReserveEvent::Returned { card, .. }
            | ReserveEvent::Deregistered { card, .. }
            | ReserveEvent::Destroyed { card, .. } => Some(*card),
        }
    }
}

fn expect(card: &ReserveCard, allowed: &[ReserveStatus], command: &str) -> Result<(), Refusal> {
    ensure(allowed.contains(&card.status), || {
        Refusal::state(&format!("reserve card {}", card.id), card.status, command)
    })
}

// ---- bundles and stock (R-RES-1) ----------------------------------------------------------

/// Order a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderBundle {
    /// The new bundle's id.
    pub bundle: BundleId,
    /// Its cards' serial numbers.
    pub serials: SerialRange,
    /// Today.
    pub on: Date,
}

/// Orders a bundle of reserve cards and PIN letters (R-RES-1): a range of at most
/// [`MAX_BUNDLE`] serial numbers that no other bundle holds.
pub fn order_bundle(existing: &[Bundle], cmd: OrderBundle) -> Result<Vec<ReserveEvent>, Refusal> {
    ensure(cmd.serials.first <= cmd.serials.last, || {
        Refusal::field("R-RES-1", "serials", "the first serial number is after the last")
    })?;
    ensure(cmd.serials.count() <= MAX_BUNDLE, || {
        Refusal::field("R-RES-1", "serials", format!("a bundle holds at most {MAX_BUNDLE} cards"))
    })?;
    if let Some(other) = existing.iter().find(|b| b.serials.overlaps(&cmd.serials)) {
        return Err(Refusal::field(
            "R-RES-1",
            "serials",
            format!("bundle {} already holds some of these serial numbers", other.id),
        ));
    }
    Ok(vec![ReserveEvent::BundleOrdered { bundle: cmd.bundle, serials: cmd.serials, on: cmd.on }])
}

/// Receive an ordered bundle into the safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveBundle {
    /// One new card id per serial number, in serial order.
    pub cards: Vec<CardId>,
    /// Serial numbers whose PIN letter envelope shows signs of opening.
    pub opened_letters: Vec<u64>,
    /// Today.
    pub on: Date,
}

/// Receives a bundle (R-RES-1): every card is stocked; a card whose PIN letter shows signs
/// of opening is discarded at once (R-RES-2).
pub fn receive_bundle(bundle: &Bundle, cmd: ReceiveBundle) -> Result<Vec<ReserveEvent>, Refusal> {
    ensure(bundle.status == BundleStatus::Ordered, || {
        Refusal::state(&format!("bundle {}", bundle.id), bundle.status, "receive_bundle")
    })?;
    ensure(cmd.cards.len() as u64 == bundle.serials.count(), || {
        Refusal::field(
            "R-RES-1",
            "cards",
            format!("the bundle holds {} cards; one id is needed per card", bundle.serials.count()),
        )
    })?;
    let mut ids = cmd.cards.clone();
    ids.sort();
    ids.dedup();
    ensure(ids.len() == cmd.cards.len(), || Refusal::field("R-RES-1", "cards", "a card id is given twice"))?;
    if let Some(stray) = cmd.opened_letters.iter().find(|s| !bundle.serials.contains(**s)) {
        return Err(Refusal::field(
            "R-RES-1",
            "opened_letters",
            format!("serial {stray} is not in this bundle"),
        ));
    }
    let mut events =
        vec![ReserveEvent::BundleReceived { bundle: bundle.id, cards: bundle.serials.count(), on: cmd.on }];
    let cards: Vec<(u64, CardId)> = bundle.serials.serials().zip(cmd.cards.iter().copied()).collect();
    events.extend(cards.iter().map(|(serial, card)| ReserveEvent::Stocked {
        card: *card,
        bundle: bundle.id,
        serial: *serial,
    }));
    events.extend(cards.iter().filter(|(serial, _)| cmd.opened_letters.contains(serial)).map(|(_, card)| {
        ReserveEvent::Discarded { card: *card, reason: DiscardReason::PinLetterOpened, on: cmd.on }
    }));
    Ok(events)
}

/// The stock of reserve cards (R-RES-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StockLevel {
    /// Cards in the safe, ready to hand out.
    pub in_stock: u64,
    /// Cards in bundles ordered and not received.
    pub on_order: u64,
    /// The policy's threshold.
    pub threshold: u32,
    /// Whether the stock is below the threshold.
    pub low: bool,
}

impl StockLevel {
    /// The low-stock warning (R-RES-1), when the stock is low.
    pub fn warning(&self, on: Date) -> Option<ReserveEvent> {
        self.low.then_some(ReserveEvent::LowStock {
            in_stock: self.in_stock,
            on_order: self.on_order,
            threshold: self.threshold,
            on,
        })
    }
}

/// Counts the RA's stock (R-RES-1): the cards in the safe against
/// `policy.reserve_low_stock`, and the cards on order.
pub fn stock_level(cards: &[ReserveCard], bundles: &[Bundle], policy: &Policy) -> StockLevel {
    let in_stock = cards.iter().filter(|c| c.status == ReserveStatus::InStock).count() as u64;
    let on_order =
        bundles.iter().filter(|b| b.status == BundleStatus::Ordered).map(|b| b.serials.count()).sum();
    StockLevel {
        in_stock,
        on_order,
        threshold: policy.reserve_low_stock,
        low: in_stock < u64::from(policy.reserve_low_stock),
    }
}

/// Discards a card in stock unused: its PIN letter was opened, or it is damaged (R-RES-2).
pub fn discard(card: &ReserveCard, reason: DiscardReason, on: Date) -> Result<Vec<ReserveEvent>, Refusal> {
    expect(card, &[ReserveStatus::InStock], "discard")?;
    Ok(vec![ReserveEvent::Discarded { card: card.id, reason, on }])
}

// ---- issuing (R-RES-2, R-RES-3, R-RES-5) ---------------------------------------------------

/// The last day a credential on a reserve card issued on `start` may be valid
/// (R-RES-2, R-CRED-2: `reserve_credential_max_days`).
pub fn max_credential_end(start: Date, policy: &Policy) -> Date {
    add_days(start, policy.reserve_credential_max_days)
}

/// Checks the officers who issue a reserve card (R-RES-5): at level 3 two distinct officers
/// who both hold KRA, and both KUR when the person is protected; at level 2 one officer, with
/// KUR when the person is protected (R-PER-3).
///
/// Level 3 is a four-eyes approval ([`ApprovalRule::SE_RESERVE_LEVEL3`], required by the
/// policy's `approvals.se_reserve_level3`, which cannot be switched off): the first officer
/// asks, every other officer listed approves. Refusals name the `officers` field.
pub fn check_officers(level: TrustLevel, officers: &[Officer], person: &Person) -> Result<(), Refusal> {
    let first = officers
        .first()
        .ok_or_else(|| Refusal::field("R-AUD-1", "officers", "the issuing officer must sign"))?;
    match level {
        TrustLevel::Level2 => check_protected(person, first),
        TrustLevel::Level3 => {
            let rule = ApprovalRule::SE_RESERVE_LEVEL3;
            ensure(officers.iter().any(|o| o.id != first.id), || {
                Refusal::field(rule.rule, "officers", "trust level 3 needs two different officers")
            })?;
            let as_officers = |r: Refusal| Refusal { field: Some("officers"), ..r };
            for officer in officers {
                let roles = OfficerRoles::from(officer);
                if officer.id == first.id {
                    rule.check_requester(&roles, person.protected).map_err(as_officers)?;
                } else {
                    rule.check_approver(first.id, &roles, person.protected).map_err(as_officers)?;
                }
            }
            Ok(())
        }
    }
}

fn check_credential_end(on: Date, until: Date, person: &Person, policy: &Policy) -> Result<(), Refusal> {
    ensure(until > on, || {
        Refusal::field("R-RES-2", "credential_until", "the credential would end before it starts")
    })?;
    let max = max_credential_end(on, policy);
    ensure(until <= max, || {
        Refusal::field(
            "R-RES-2",
            "credential_until",
            format!(
                "a credential on a reserve card is valid at most {} days: until {max}",
                policy.reserve_credential_max_days
            ),
        )
    })?;
    if let Some(Some(end)) = person.employment_end(on) {
        ensure(until <= end, || {
            Refusal::field("R-CRED-2", "credential_until", format!("the employment ends on {end}"))
        })?;
    }
    Ok(())
}

/// Hand out a reserve card in the same visit as its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOutReserve {
    /// The holder's unit.
    pub unit: OrgId,
    /// The issuing officers, the signing one first (two for level 3).
    pub officers: Vec<Officer>,
    /// Whether the holder is present.
    pub holder_present: bool,
    /// The identity document shown.
    pub document: IdDocument,
    /// Whether the card's PIN letter is unopened.
    pub pin_letter_unopened: bool,
    /// The reference of the paper receipt the holder and officer signed (R-AUD-3).
    pub receipt: String,
    /// The last day of the credential ordered for the card.
    pub credential_until: Date,
    /// The trust level.
    pub trust_level: TrustLevel,
    /// Today.
    pub on: Date,
}

/// Hands a reserve card out to `person` in the same visit as its credential order (R-RES-2):
/// the holder present, the PIN letter unopened (otherwise discard the card and take
/// another), a secured HR record in `unit` (R-PER-2), an accepted identity document
/// (R-IDP-1), the credential at most `reserve_credential_max_days` (R-RES-2) and within the
/// employment (R-CRED-2), the paper receipt signed (R-AUD-3), and the officers R-RES-5 needs.
pub fn hand_out(
    card: &ReserveCard,
    person: &Person,
    tree: &OrgTree,
    cmd: HandOutReserve,
    policy: &Policy,
) -> Result<Vec<ReserveEvent>, Refusal> {
    expect(card, &[ReserveStatus::InStock], "hand_out")?;
    ensure(cmd.holder_present, || {
        Refusal::field(
            "R-RES-2",
            "holder_present",
            "a reserve card is handed out in the same visit as the order, with the holder present",
        )
    })?;
    ensure(cmd.pin_letter_unopened, || {
        Refusal::field(
            "R-RES-2",
            "pin_letter_unopened",
            "the PIN letter has been opened: discard this card and take another",
        )
    })?;
    check_officers(cmd.trust_level, &cmd.officers, person)?;
    person.secured(tree, cmd.unit, cmd.on)?;
    ensure(person.active_employments(cmd.on).any(|e| e.org == cmd.unit), || {
        Refusal::field("R-PER-2", "unit", "the person has no employment in force in this unit")
    })?;
    check_document(&cmd.document, policy)?;
    check_credential_end(cmd.on, cmd.credential_until, person, policy)?;
    ensure(!cmd.receipt.trim().is_empty(), || {
        Refusal::field("R-AUD-3", "receipt", "the signed paper receipt's reference is missing")
    })?;
    Ok(vec![ReserveEvent::HandedOut {
        card: card.id,
        person: person.id,
        unit: cmd.unit,
        officers: cmd.officers.iter().map(|o| o.id).collect(),
        trust_level: cmd.trust_level,
        credential_until: cmd.credential_until,
        document: cmd.document.kind,
        document_number: cmd.document.number.trim().to_string(),
        receipt: cmd.receipt.trim().to_string(),
        on: cmd.on,
    }])
}

/// Give a used reserve card a new credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reuse {
    /// The issuing officers, the signing one first.
    pub officers: Vec<Officer>,
    /// The identity document shown (000 §3.2: the person is identified).
    pub document: IdDocument,
    /// The last day of the new credential.
    pub credential_until: Date,
    /// The trust level.
    pub trust_level: TrustLevel,
    /// Today.
    pub on: Date,
}

/// Gives a used reserve card a new credential (R-RES-3, 000 §3.2): only for the person who
/// first received it, and only until its reuse deadline; otherwise the checks of a hand-out
/// (R-PER-2, R-IDP-1, R-RES-2, R-RES-5).
pub fn reuse(
    card: &ReserveCard,
    person: &Person,
    tree: &OrgTree,
    cmd: Reuse,
    policy: &Policy,
) -> Result<Vec<ReserveEvent>, Refusal> {
    expect(card, &[ReserveStatus::HandedOut], "reuse")?;
    ensure(card.holder == Some(person.id), || {
        Refusal::field("R-RES-3", "person", "a reserve card may be reused only by the person who received it")
    })?;
    if let Some(by) = card.reuse_by(policy) {
        ensure(cmd.on <= by, || {
            Refusal::field("R-RES-3", "on", format!("not reused by {by}: the card is to be deregistered"))
        })?;
    }
    check_officers(cmd.trust_level, &cmd.officers, person)?;
    let unit = card
        .unit
        .ok_or_else(|| Refusal::state(&format!("reserve card {}", card.id), "without unit", "reuse"))?;
    person.secured(tree, unit, cmd.on)?;
    check_document(&cmd.document, policy)?;
    check_credential_end(cmd.on, cmd.credential_until, person, policy)?;
    Ok(vec![ReserveEvent::Reused {
        card: card.id,
        person: person.id,
        officers: cmd.officers.iter().map(|o| o.id).collect(),
        trust_level: cmd.trust_level,
        credential_until: cmd.credential_until,
        document: cmd.document.kind,
        document_number: cmd.document.number.trim().to_string(),
        on: cmd.on,
    }])
}

// ---- returns and deregistration ------------------------------------------------------------

fn deregistered(card: CardId, reason: DeregisterReason, on: Date) -> ReserveEvent {
    ReserveEvent::Deregistered { card, reason, revoke_credentials: true, on }
}

/// Records a returned reserve card (000 §2.3, §7.5): returned and deregistered at once
/// (credentials revoked); one returned to the manager was cut then, so it is also destroyed.
/// The PIN letter is not returned.
pub fn return_card(
    card: &ReserveCard,
    to: ReturnedTo,
    reason: DeregisterReason,
    on: Date,
) -> Result<Vec<ReserveEvent>, Refusal> {
    expect(card, &[ReserveStatus::HandedOut], "return_card")?;
    let mut events =
        vec![ReserveEvent::Returned { card: card.id, to, on }, deregistered(card.id, reason, on)];
    if matches!(to, ReturnedTo::Manager { .. }) {
        events.push(ReserveEvent::Destroyed { card: card.id, on });
    }
    Ok(events)
}

/// Deregisters a handed-out reserve card that is not returned (lost, stolen, not returned:
/// R-CARD-8); its credentials are revoked (R-REV-3).
pub fn deregister(
    card: &ReserveCard,
    reason: DeregisterReason,
    on: Date,
) -> Result<Vec<ReserveEvent>, Refusal> {
    expect(card, &[ReserveStatus::HandedOut], "deregister")?;
    Ok(vec![deregistered(card.id, reason, on)])
}

/// Destroys (cuts) a returned or deregistered reserve card.
pub fn destroy(card: &ReserveCard, on: Date) -> Result<Vec<ReserveEvent>, Refusal> {
    expect(card, &[ReserveStatus::Returned, ReserveStatus::Deregistered], "destroy")?;
    Ok(vec![ReserveEvent::Destroyed { card: card.id, on }])
}

/// The timed check of R-RES-3 (000 §2.4): a handed-out reserve card not reused by its
/// reuse deadline ([`ReserveCard::reuse_by`]) is deregistered. `None` for any other card,
/// so running the check again changes nothing.
pub fn not_reused(card: &ReserveCard, today: Date, policy: &Policy) -> Option<Vec<ReserveEvent>> {
    if card.status != ReserveStatus::HandedOut || today <= card.reuse_by(policy)? {
        return None;
    }
    Some(vec![deregistered(card.id, DeregisterReason::NotReused, today)])
}
