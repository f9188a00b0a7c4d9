//! SE cards and tokens (R-CARD-1..8): the choice of card type, the lifecycle of an SIS, OSIS
//! or company card from order basis to destruction, the timed destruction of uncollected
//! cards, what happens to a card when its holder's employment changes, and the quarterly
//! reconciliation against the HR register.
//!
//! Reserve cards have their own routine ([`crate::ra::reserve`]): they are taken from stock
//! and handed out in the same visit (R-RES-2), so they never pass through the order states
//! here.
//!
//! # Lifecycle (R-CARD-3)
//!
//! ```text
//! OrderBasis ─order─► Ordered ─send_batch─► Sent ─deliver─► Delivered ─hand_out─► HandedOut
//!                                            │                 │                    │
//!                                          claim          uncollected           mark_in_use
//!                                            ▼            (R-CARD-4)                ▼
//!                                         Claimed ◄──────── claim ──────────────  InUse
//!                                            │                                      │
//!                                            │            return_card / deregister  │
//!                                            ▼                                      ▼
//!                                        Destroyed ◄─destroy── Returned / Deregistered
//! ```
//!
//! Deregistering a card always revokes all its credentials (R-CARD-3, R-REV-3): the
//! `card.deregistered` event says so, and the credential routine revokes them.
//!
//! # Replacing a card (R-CARD-6)
//!
//! When an order basis is created for a person who holds an active card (handed out or in use,
//! regular or reserve), the new card records the cards it replaces. Nothing happens to them
//! then: the holder keeps using the old card until the new one is in hand. In the same
//! transaction as the hand-out of the new card, every other active card of the holder is
//! deregistered with reason `replaced` (and recorded as returned when the holder hands it
//! in). So the holder never has two active cards, and never none while waiting.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

use crate::id::{NationalId, PersonIdKind};
use crate::ra::ids::{CardId, CredentialId, OrgId, PersonId};
use crate::ra::org::{OrgKind, OrgTree};
use crate::ra::person::{Employment, Person};
use crate::ra::policy::Policy;
use crate::ra::proofing::SeDocument;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// The rule the card-type choice cites.
const CHOICE_RULE: &str = "R-CARD-2";

/// Card types (R-CARD-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    /// SIS card: a photo ID card valid in society.
    Sis,
    /// OSIS card: a photo card that is not an SIS-approved ID card.
    Osis,
    /// Company card without photo, for group companies.
    Company,
    /// Reserve card: blank, printed serial number, transport certificate.
    Reserve,
}

impl CardKind {
    /// Every card type.
    pub const ALL: [CardKind; 4] = [CardKind::Sis, CardKind::Osis, CardKind::Company, CardKind::Reserve];

    /// The text form, as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CardKind::Sis => "sis",
            CardKind::Osis => "osis",
            CardKind::Company => "company",
            CardKind::Reserve => "reserve",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<CardKind> {
        CardKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the card carries the holder's photo and signature (R-CARD-1).
    pub fn has_photo(self) -> bool {
        matches!(self, CardKind::Sis | CardKind::Osis)
    }
}

/// The card type the routine proposes for a person (R-CARD-2, 000 §8.1-8.2), with the reason
/// shown to the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindChoice {
    /// The proposed type.
    pub kind: CardKind,
    /// The SPEC rule behind the choice.
    pub rule: &'static str,
    /// Why, in words shown to the officer. Never a name.
    pub reason: String,
    /// Whether the choice is a rule (binding) rather than a guideline the officer may
    /// override with a reason.
    pub binding: bool,
    /// Whether the person may have an SIS card at all: an employment or assignment longer
    /// than the SIS minimum and a personnummer (000 §8.1: the card supplier's rule).
    pub sis_eligible: bool,
}

/// The type decided for an order basis: the choice, or an override of a guideline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindDecision {
    /// The decided type.
    pub kind: CardKind,
    /// The officer's reason for overriding the guideline, when the type differs from the
    /// proposed one.
    pub override_reason: Option<String>,
}

/// An RA officer acting in a routine, with the role facts the routine needs (the caller
/// reads them from the officer's grants on the holder's unit: `Principal::holds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Officer {
    /// The officer.
    pub id: PersonId,
    /// Holds CRA/KRA on the holder's unit (R-ORG-2, R-RES-5).
    pub kra: bool,
    /// Holds KUR, the protected-identity right (R-PER-3).
    pub kur: bool,
}

/// An identity document shown to the officer (R-IDP-1): its type and number are recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdDocument {
    /// The document type.
    pub kind: SeDocument,
    /// Its number, as printed on it.
    pub number: String,
}

/// An id batch of card orders sent together to the card supplier (R-CARD-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub uuid::Uuid);

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a card is in its lifecycle (R-CARD-3, R-CARD-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// The order basis exists; the holder need not have been present.
    OrderBasis,
    /// Ordered with the holder present: photo, signature and ID document recorded.
    Ordered,
    /// Sent to the card supplier in a batch.
    Sent,
    /// Delivered to the RA and kept in the safe.
    Delivered,
    /// Handed out to the holder ("received").
    HandedOut,
    /// In use: a credential has been issued to it.
    InUse,
    /// Claimed (reklamation) with the card supplier; a replacement is on its way.
    Claimed,
    /// Returned to the RA (or its holder's manager) and deregistered.
    Returned,
    /// Deregistered without being returned (lost, stolen, not returned, ...).
    Deregistered,
    /// Destroyed (cut, or makulerad when not collected).
    Destroyed,
}

impl CardStatus {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::OrderBasis => "order_basis",
            CardStatus::Ordered => "ordered",
            CardStatus::Sent => "sent",
            CardStatus::Delivered => "delivered",
            CardStatus::HandedOut => "handed_out",
            CardStatus::InUse => "in_use",
            CardStatus::Claimed => "claimed",
            CardStatus::Returned => "returned",
            CardStatus::Deregistered => "deregistered",
            CardStatus::Destroyed => "destroyed",
        }
    }

    /// Where the card stands for other routines: pending, active, or ended (`None`).
    pub fn stage(self) -> Option<CardStage> {
        match self {
            CardStatus::OrderBasis | CardStatus::Ordered | CardStatus::Sent | CardStatus::Delivered => {
                Some(CardStage::Pending)
            }
            CardStatus::HandedOut | CardStatus::InUse => Some(CardStage::Active),
            CardStatus::Claimed | CardStatus::Returned | CardStatus::Deregistered | CardStatus::Destroyed => {
                None
            }
        }
    }
}

/// Why a card was deregistered (R-CARD-3: the reason is always recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeregisterReason {
    /// Lost by its holder.
    Lost,
    /// Stolen.
    Stolen,
    /// The holder left the organisation (R-CARD-7).
    LeftEmployment,
    /// A new card replaced it (R-CARD-6).
    Replaced,
    /// Damaged or broken.
    Damaged,
    /// Not returned when the employment ended (R-CARD-8: the note "not returned").
    NotReturned,
    /// Misuse (R-REV-5).
    Misuse,
    /// Not collected in time (R-CARD-4).
    Uncollected,
    /// The name on the card is wrong (R-PER-4).
    WrongName,
    /// Locked for good by wrong PUK entries (R-CARD-9).
    PukLocked,
    /// A reserve card not reused in time (R-RES-3).
    NotReused,
    /// The person was removed from the directory (R-PER-5).
    PersonRemoved,
}

impl DeregisterReason {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeregisterReason::Lost => "lost",
            DeregisterReason::Stolen => "stolen",
            DeregisterReason::LeftEmployment => "left_employment",
            DeregisterReason::Replaced => "replaced",
            DeregisterReason::Damaged => "damaged",
            DeregisterReason::NotReturned => "not_returned",
            DeregisterReason::Misuse => "misuse",
            DeregisterReason::Uncollected => "uncollected",
            DeregisterReason::WrongName => "wrong_name",
            DeregisterReason::PukLocked => "puk_locked",
            DeregisterReason::NotReused => "not_reused",
            DeregisterReason::PersonRemoved => "person_removed",
        }
    }
}

/// To whom a card was returned (R-CARD-7, 000 §7.3-7.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReturnedTo {
    /// To the RA, which cuts it later ([`destroy`]).
    Ra,
    /// To the holder's manager, who cut it in front of the holder and told the RA.
    Manager {
        /// The manager.
        manager: PersonId,
    },
}

/// A claim (reklamation) of a card with the card supplier (R-CARD-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// When.
    pub on: Date,
    /// The reference of the claim form sent to the supplier.
    pub form: String,
    /// The replacement card.
    pub replacement: CardId,
}

/// The day of each step a card has passed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDates {
    /// The order basis was created.
    pub order_basis: Option<Date>,
    /// Ordered with the holder present.
    pub ordered: Option<Date>,
    /// Sent to the card supplier.
    pub sent: Option<Date>,
    /// Delivered to the RA.
    pub delivered: Option<Date>,
    /// Handed out.
    pub handed_out: Option<Date>,
    /// First credential issued.
    pub in_use: Option<Date>,
    /// Claimed.
    pub claimed: Option<Date>,
    /// Returned or deregistered.
    pub ended: Option<Date>,
    /// Destroyed.
    pub destroyed: Option<Date>,
}

/// An SIS, OSIS or company card (R-CARD-1, R-CARD-3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Card {
    /// Its id.
    pub id: CardId,
    /// Its holder.
    pub person: PersonId,
    /// The holder's unit: PUK costs are charged to it (R-CARD-9).
    pub org: OrgId,
    /// Its type.
    pub kind: CardKind,
    /// Where it is in its lifecycle.
    pub status: CardStatus,
    /// The serial number printed on it, once delivered.
    pub serial: Option<String>,
    /// Its last valid day, once delivered (credentials never outlive it: R-CRED-2).
    pub valid_until: Option<Date>,
    /// The batch it was (or will be) sent in.
    pub batch: Option<BatchId>,
    /// The active cards of the holder this card replaces when handed out (R-CARD-6).
    pub replaces: Vec<CardId>,
    /// The reference of the holder's signed receipt, once handed out (R-AUD-3).
    pub receipt: Option<String>,
    /// The reference of the photo taken at the order (R-CARD-3), for the card supplier.
    #[serde(default)]
    pub photo: Option<String>,
    /// The reference of the signature image taken at the order (R-CARD-3).
    #[serde(default)]
    pub signature_image: Option<String>,
    /// Claims with the card supplier (R-CARD-5).
    pub claims: Vec<Claim>,
    /// Why it was deregistered.
    pub end_reason: Option<DeregisterReason>,
    /// When each step happened.
    pub dates: CardDates,
}

/// Whether a card is on its way to its holder or in the holder's hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStage {
    /// Order basis, ordered, sent or delivered.
    Pending,
    /// Handed out or in use (for reserve cards: handed out and not deregistered).
    Active,
}

/// A card, regular or reserve, as the other card routines see it: creating an order basis
/// and handing out (R-CARD-6), reconciliation (R-CARD-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct HeldCard {
    /// The card.
    pub card: CardId,
    /// Its holder.
    pub person: PersonId,
    /// The holder's unit on the card.
    pub unit: OrgId,
    /// Its type.
    pub kind: CardKind,
    /// Pending or active.
    pub stage: CardStage,
}

impl Card {
    /// The card as other routines see it; `None` once it has ended (claimed, returned,
    /// deregistered or destroyed).
    pub fn held(&self) -> Option<HeldCard> {
        let stage = self.status.stage()?;
        Some(HeldCard { card: self.id, person: self.person, unit: self.org, kind: self.kind, stage })
    }

    /// The last day the card may be collected (R-CARD-4); `None` until it is delivered.
    pub fn collect_by(&self, policy: &Policy) -> Option<Date> {
        self.dates.delivered.map(|d| add_months(d, policy.uncollected_card_months))
    }

    /// The card created by `event` ([`CardEvent::OrderBasisCreated`] or
    /// [`CardEvent::ReplacementOrdered`]).
    pub fn created(event: &CardEvent) -> Option<Card> {
        let card = |id, person, org, kind, status, replaces: Vec<CardId>| Card {
            id,
            person,
            org,
            kind,
            status,
            serial: None,
            valid_until: None,
            batch: None,
            replaces,
            receipt: None,
            photo: None,
            signature_image: None,
            claims: Vec::new(),
            end_reason: None,
            dates: CardDates::default(),
        };
        match event {
            CardEvent::OrderBasisCreated { card: id, person, org, kind, replaces, on, .. } => {
                let mut c = card(*id, *person, *org, *kind, CardStatus::OrderBasis, replaces.clone());
                c.dates.order_basis = Some(*on);
                Some(c)
            }
            CardEvent::ReplacementOrdered { card: id, replaces, person, org, kind, on } => {
                let mut c = card(*id, *person, *org, *kind, CardStatus::Sent, vec![*replaces]);
                c.dates.sent = Some(*on);
                Some(c)
            }
            _ => None,
        }
    }

    /// Applies an event to the card: the state every event leaves it in. Events about other
    /// cards are ignored.
    pub fn apply(&mut self, event: &CardEvent) {
        let about_me = match event {
            CardEvent::BatchSent { .. } => false,
            other => other.card() == Some(self.id),
        };
        if !about_me {
            return;
        }
        match event {
            CardEvent::OrderBasisCreated { .. } | CardEvent::ReplacementOrdered { .. } => {}
            CardEvent::BatchSent { .. } => {}
            CardEvent::Ordered { on, photo, signature_image, .. } => {
                self.photo = photo.clone();
                self.signature_image = signature_image.clone();
                self.step(CardStatus::Ordered, *on);
            }
            CardEvent::AddedToBatch { batch, .. } => self.batch = Some(*batch),
            CardEvent::Sent { batch, on, .. } => {
                self.batch = Some(*batch);
                self.step(CardStatus::Sent, *on);
            }
            CardEvent::Delivered { on, serial, valid_until, .. } => {
                self.serial = Some(serial.clone());
                self.valid_until = Some(*valid_until);
                self.step(CardStatus::Delivered, *on);
            }
            CardEvent::HandedOut { on, receipt, .. } => {
                self.receipt = Some(receipt.clone());
                self.step(CardStatus::HandedOut, *on);
            }
            CardEvent::InUse { on, .. } => self.step(CardStatus::InUse, *on),
            CardEvent::Claimed { on, form, replacement, .. } => {
                self.claims.push(Claim { on: *on, form: form.clone(), replacement: *replacement });
                self.step(CardStatus::Claimed, *on);
            }
            CardEvent::Returned { on, .. } => self.step(CardStatus::Returned, *on),
            CardEvent::Deregistered { on, reason, .. } => {
                self.end_reason = Some(*reason);
                // A returned card stays "returned": it is in the RA's hands, to be cut.
                if self.status != CardStatus::Returned {
                    self.step(CardStatus::Deregistered, *on);
                }
            }
            CardEvent::Destroyed { on, .. } => self.step(CardStatus::Destroyed, *on),
            CardEvent::Moved { to, .. } => self.org = *to,
        }
    }

    fn step(&mut self, status: CardStatus, on: Date) {
        self.status = status;
        let slot = match status {
            CardStatus::OrderBasis => &mut self.dates.order_basis,
            CardStatus::Ordered => &mut self.dates.ordered,
            CardStatus::Sent => &mut self.dates.sent,
            CardStatus::Delivered => &mut self.dates.delivered,
            CardStatus::HandedOut => &mut self.dates.handed_out,
            CardStatus::InUse => &mut self.dates.in_use,
            CardStatus::Claimed => &mut self.dates.claimed,
            CardStatus::Returned | CardStatus::Deregistered => &mut self.dates.ended,
            CardStatus::Destroyed => &mut self.dates.destroyed,
        };
        *slot = Some(on);
    }
}

/// What the card routine decided. Payloads hold ids, codes, dates and references, never a
/// name or address (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CardEvent {
    /// An order basis was created (R-CARD-2, R-CARD-3).
    OrderBasisCreated {
        /// The new card.
        card: CardId,
        /// Its holder.
        person: PersonId,
        /// The holder's unit.
        org: OrgId,
        /// The type.
        kind: CardKind,
        /// The officer's reason for overriding the type guideline (R-CARD-2).
        override_reason: Option<String>,
        /// The holder's active cards the new one replaces at hand-out (R-CARD-6).
        replaces: Vec<CardId>,
        /// When.
        on: Date,
    },
    /// Ordered with the holder present (R-CARD-3, R-IDP-1).
    Ordered {
        /// The card.
        card: CardId,
        /// The officer who signed the order.
        officer: PersonId,
        /// The identity document type.
        document: SeDocument,
        /// Its number.
        document_number: String,
        /// The photo's file reference (SIS and OSIS cards).
        photo: Option<String>,
        /// The signature image's file reference (SIS and OSIS cards).
        signature_image: Option<String>,
        /// When.
        on: Date,
    },
    /// Put in a batch to be sent (R-CARD-3).
    AddedToBatch {
        /// The card.
        card: CardId,
        /// The batch.
        batch: BatchId,
    },
    /// Sent to the card supplier in a batch (R-CARD-3).
    Sent {
        /// The card.
        card: CardId,
        /// The batch.
        batch: BatchId,
        /// When.
        on: Date,
    },
    /// A batch was reviewed, signed and sent (R-CARD-3, R-AUD-4).
    BatchSent {
        /// The batch.
        batch: BatchId,
        /// Its cards.
        cards: Vec<CardId>,
        /// The officer who reviewed and signed it.
        officer: PersonId,
        /// When.
        on: Date,
    },
    /// Delivered to the RA and put in the safe (R-CARD-3).
    Delivered {
        /// The card.
        card: CardId,
        /// The serial number printed on it.
        serial: String,
        /// Its last valid day.
        valid_until: Date,
        /// When the PIN letter should reach the holder (R-CARD-3: about two days).
        pin_letter_expected: Date,
        /// The last day it may be collected (R-CARD-4).
        collect_by: Date,
        /// When.
        on: Date,
    },
    /// Handed out to its holder: status "received" (R-CARD-3, R-AUD-3).
    HandedOut {
        /// The card.
        card: CardId,
        /// The officer who checked the holder and signed.
        officer: PersonId,
        /// The identity document type.
        document: SeDocument,
        /// Its number.
        document_number: String,
        /// The reference of the holder's signed receipt.
        receipt: String,
        /// When.
        on: Date,
    },
    /// The first credential was issued to the card.
    InUse {
        /// The card.
        card: CardId,
        /// The credential.
        credential: CredentialId,
        /// When.
        on: Date,
    },
    /// Claimed with the card supplier (R-CARD-5). The card leaves service.
    Claimed {
        /// The card.
        card: CardId,
        /// The status it had.
        from: CardStatus,
        /// The claim form's reference.
        form: String,
        /// The replacement card.
        replacement: CardId,
        /// Always true: any credential on a claimed card is revoked.
        revoke_credentials: bool,
        /// When.
        on: Date,
    },
    /// The supplier makes a replacement for a claimed card; the claim form is its order, so
    /// it starts as sent (R-CARD-5).
    ReplacementOrdered {
        /// The new card.
        card: CardId,
        /// The claimed card.
        replaces: CardId,
        /// The holder.
        person: PersonId,
        /// The holder's unit.
        org: OrgId,
        /// The type.
        kind: CardKind,
        /// When.
        on: Date,
    },
    /// Returned by its holder (R-CARD-7).
    Returned {
        /// The card.
        card: CardId,
        /// Its type (a replaced card may be a reserve card).
        kind: CardKind,
        /// To whom.
        to: ReturnedTo,
        /// When.
        on: Date,
    },
    /// Deregistered: all its credentials must be revoked now (R-CARD-3, R-REV-3).
    Deregistered {
        /// The card.
        card: CardId,
        /// Its type (a replaced card may be a reserve card).
        kind: CardKind,
        /// Why.
        reason: DeregisterReason,
        /// Always true: deregistering revokes every credential of the card.
        revoke_credentials: bool,
        /// The holder must report the ID card to the police (R-REV-4: lost or stolen SIS card).
        report_to_police: bool,
        /// When.
        on: Date,
    },
    /// Destroyed: cut, or makulerad when not collected (R-CARD-4).
    Destroyed {
        /// The card.
        card: CardId,
        /// When.
        on: Date,
    },
    /// The holder moved or changed post within the organisation and keeps the card
    /// (R-CARD-7). When the credential's content changed the credential routine revokes it.
    Moved {
        /// The card.
        card: CardId,
        /// The unit before.
        from: OrgId,
        /// The unit after.
        to: OrgId,
        /// Whether the credential's content changed.
        content_changed: bool,
        /// The names of the changed fields (never their values).
        changed: Vec<String>,
        /// When.
        on: Date,
    },
}

routine_events!(CardEvent {
    OrderBasisCreated => "card.order_basis_created",
    Ordered => "card.ordered",
    AddedToBatch => "card.added_to_batch",
    Sent => "card.sent",
    BatchSent => "card.batch_sent",
    Delivered => "card.delivered",
    HandedOut => "card.handed_out",
    InUse => "card.in_use",
    Claimed => "card.claimed",
    ReplacementOrdered => "card.replacement_ordered",
    Returned => "card.returned",
    Deregistered => "card.deregistered",
    Destroyed => "card.destroyed",
    Moved => "card.moved",
});

impl CardEvent {
    /// The card the event is about (`None` for a whole batch).
    pub fn card(&self) -> Option<CardId> {
        match self {
            CardEvent::BatchSent { .. } => None,
            CardEvent::OrderBasisCreated { card, .. }
            | CardEvent::Ordered { card, .. }
            | CardEvent::AddedToBatch { card, .. }
            | CardEvent::Sent { card, .. }
            | CardEvent::Delivered { card, .. }
            | CardEvent::HandedOut { card, .. }
            | CardEvent::InUse { card, .. }
            | CardEvent::Claimed { card, .. }
            | CardEvent::ReplacementOrdered { card, .. }
            | CardEvent::Returned { card, .. }
            | CardEvent::Deregistered { card, .. }
            | CardEvent::Destroyed { card, .. }
            | CardEvent::Moved { card, .. } => Some(*card),
        }
    }
}

// ---- dates -------------------------------------------------------------------------------

/// `date` plus `months` calendar months, the day clamped to the month's length
/// (31 January + 1 month = 28 or 29 February).
pub fn add_months(date: Date, months: u32) -> Date {
    let total = i64::from(date.year()) * 12 + i64::from(date.month() as u8) - 1 + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
    let month = u8::try_from(total.rem_euclid(12) + 1).ok().and_then(|m| Month::try_from(m).ok());
    let Some(month) = month else { return Date::MAX };
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// `date` plus `days` days.
pub fn add_days(date: Date, days: u32) -> Date {
    date.saturating_add(Duration::days(i64::from(days)))
}

/// Whether the employment lasts longer than `months` months: open-ended, or its last day at
/// least `months` months after its first (1 January to 1 July is six months and a day).
fn lasts_over(employment: &Employment, months: u32) -> bool {
    employment.end.is_none_or(|end| end >= add_months(employment.start, months))
}

// ---- card type (R-CARD-2) ----------------------------------------------------------------

/// Proposes the card type for `person` (R-CARD-2, 000 §8.1-8.2), from the employments in
/// force on `today` or starting later:
///
/// | situation | type | |
/// | --- | --- | --- |
/// | coordination number (samordningsnummer) | reserve | binding (000 §8.1) |
/// | employment or assignment in the organisation over `sis_min_employment_months` | SIS | rule, binding |
/// | employment in a group company over that | company | guideline |
/// | shorter employment or assignment | reserve | guideline |
///
/// With no current or coming employment it proposes a reserve card as a guideline; the
/// order basis is refused anyway (R-PER-2).
pub fn choose_kind(person: &Person, tree: &OrgTree, today: Date, policy: &Policy) -> KindChoice {
    let months = policy.sis_min_employment_months;
    let (mut any, mut long_own, mut long_group) = (false, false, false);
    for e in person.employments.iter().filter(|e| e.end.is_none_or(|end| end >= today)) {
        let Some(entity) = tree.legal_entity_of(e.org) else { continue };
        any = true;
        let long = lasts_over(e, months);
        match entity.kind {
            OrgKind::Organisation => long_own |= long,
            OrgKind::GroupCompany => long_group |= long,
            OrgKind::Unit => {}
        }
    }
    let coordination = person.national_id.kind() == PersonIdKind::Samordningsnummer;
    let sis_eligible = (long_own || long_group) && !coordination;
    let choice =
        |kind, binding, reason: String| KindChoice { kind, rule: CHOICE_RULE, reason, binding, sis_eligible };
    if coordination {
        choice(
            CardKind::Reserve,
            true,
            "the person has a coordination number: reserve card (000 §8.1)".into(),
        )
    } else if long_own {
        choice(
            CardKind::Sis,
            true,
            format!("employment or assignment longer than {months} months: SIS card (rule, 000 §8.2)"),
        )
    } else if long_group {
        choice(
            CardKind::Company,
            false,
            format!(
                "group company employment longer than {months} months: company card (guideline, 000 §8.2)"
            ),
        )
    } else if any {
        choice(
            CardKind::Reserve,
            false,
            format!(
                "employment or assignment of at most {months} months: reserve card (guideline, 000 §8.2)"
            ),
        )
    } else {
        choice(
            CardKind::Reserve,
            false,
            "no current or coming employment: a card needs a secured HR record (R-PER-2)".into(),
        )
    }
}

/// Checks the type an officer asks for against the proposal (R-CARD-2): the proposed type
/// is always allowed; a binding choice cannot be overridden; a guideline can, with a reason;
/// an SIS card needs SIS eligibility whatever the officer says (000 §8.1).
pub fn decide_kind(
    choice: &KindChoice,
    requested: CardKind,
    override_reason: Option<&str>,
) -> Result<KindDecision, Refusal> {
    if requested == choice.kind {
        return Ok(KindDecision { kind: requested, override_reason: None });
    }
    ensure(!choice.binding, || {
        Refusal::field(
            CHOICE_RULE,
            "kind",
            format!("{}; this is binding, a {} card cannot be chosen", choice.reason, requested.as_str()),
        )
    })?;
    ensure(requested != CardKind::Sis || choice.sis_eligible, || {
        Refusal::field(
            CHOICE_RULE,
            "kind",
            "an SIS card needs an employment or assignment longer than the SIS minimum (000 §8.1)",
        )
    })?;
    let reason = override_reason.map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
        Refusal::field(
            CHOICE_RULE,
            "override_reason",
            format!(
                "choosing a {} card instead of the guideline's {} needs a reason",
                requested.as_str(),
                choice.kind.as_str()
            ),
        )
    })?;
    Ok(KindDecision { kind: requested, override_reason: Some(reason.to_string()) })
}

// ---- shared checks -----------------------------------------------------------------------

/// Checks an identity document (R-IDP-1): a type the policy accepts and a number.
pub fn check_document(document: &IdDocument, policy: &Policy) -> Result<(), Refusal> {
    ensure(policy.se_documents.contains(&document.kind), || {
        Refusal::field("R-IDP-1", "document.kind", "this identity document is not accepted")
    })?;
    ensure(!document.number.trim().is_empty(), || {
        Refusal::field("R-IDP-1", "document.number", "the document's number must be recorded")
    })
}

/// Refuses a protected person to an officer without KUR (R-PER-3).
pub fn check_protected(person: &Person, officer: &Officer) -> Result<(), Refusal> {
    ensure(!person.protected || officer.kur, || {
        Refusal::field(
            "R-PER-3",
            "officer",
            "only an officer with the protected-identity right (KUR) may administer this person",
        )
    })
}

fn check_reference(
    rule: &'static str,
    field: &'static str,
    value: Option<&str>,
    what: &str,
) -> Result<(), Refusal> {
    ensure(value.is_some_and(|v| !v.trim().is_empty()), || {
        Refusal::field(rule, field, format!("{what} is missing"))
    })
}

fn check_holder(card: &Card, person: &Person) -> Result<(), Refusal> {
    ensure(card.person == person.id, || {
        Refusal::field("R-CARD-3", "person", "the person is not the card's holder")
    })
}

fn check_present(rule: &'static str, present: bool) -> Result<(), Refusal> {
    ensure(present, || Refusal::field(rule, "holder_present", "the holder must be present in person"))
}

fn expect(card: &Card, allowed: &[CardStatus], command: &str) -> Result<(), Refusal> {
    ensure(allowed.contains(&card.status), || {
        Refusal::state(&format!("card {}", card.id), card.status, command)
    })
}

fn deregistered(card: CardId, kind: CardKind, reason: DeregisterReason, on: Date) -> CardEvent {
    let report_to_police =
        kind == CardKind::Sis && matches!(reason, DeregisterReason::Lost | DeregisterReason::Stolen);
    CardEvent::Deregistered { card, kind, reason, revoke_credentials: true, report_to_police, on }
}

// ---- order basis and order ---------------------------------------------------------------

/// Create an order basis (the holder need not be present).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrderBasis {
    /// The new card's id.
    pub card: CardId,
    /// The holder's unit (one of their current employments).
    pub org: OrgId,
    /// The type the officer asks for.
    pub kind: CardKind,
    /// The reason for overriding a guideline (R-CARD-2).
    pub override_reason: Option<String>,
    /// The officer.
    pub officer: Officer,
    /// Today.
    pub on: Date,
}

/// Creates an order basis for `person` (R-CARD-3). Refuses a protected person to an officer
/// without KUR (R-PER-3), a person whose HR record is not secured or who is not employed in
/// `org` (R-PER-2), a reserve card (taken from stock instead: R-RES-2), a type the choice
/// does not allow (R-CARD-2), and a second card on order for the person (R-CARD-6).
/// `others` are the person's other cards, regular and reserve, that have not ended; the
/// active ones are recorded as replaced at hand-out (R-CARD-6).
pub fn create_order_basis(
    person: &Person,
    tree: &OrgTree,
    others: &[HeldCard],
    cmd: CreateOrderBasis,
    policy: &Policy,
) -> Result<Vec<CardEvent>, Refusal> {
    check_protected(person, &cmd.officer)?;
    ensure(cmd.kind != CardKind::Reserve, || {
        Refusal::field(
            "R-RES-2",
            "kind",
            "a reserve card is taken from stock and handed out in the same visit",
        )
    })?;
    person.secured(tree, cmd.org, cmd.on)?;
    ensure(person.active_employments(cmd.on).any(|e| e.org == cmd.org), || {
        Refusal::field("R-PER-2", "org", "the person has no employment in force in this unit")
    })?;
    let choice = choose_kind(person, tree, cmd.on, policy);
    let decision = decide_kind(&choice, cmd.kind, cmd.override_reason.as_deref())?;
    let mine = || others.iter().filter(|c| c.person == person.id && c.card != cmd.card);
    if let Some(pending) = mine().find(|c| c.stage == CardStage::Pending && c.kind != CardKind::Reserve) {
        return Err(Refusal::field(
            "R-CARD-6",
            "person",
            format!("card {} is already on order for this person", pending.card),
        ));
    }
    let replaces = mine().filter(|c| c.stage == CardStage::Active).map(|c| c.card).collect();
    Ok(vec![CardEvent::OrderBasisCreated {
        card: cmd.card,
        person: person.id,
        org: cmd.org,
        kind: decision.kind,
        override_reason: decision.override_reason,
        replaces,
        on: cmd.on,
    }])
}

/// Order a card with the holder present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The officer who signs the order.
    pub officer: Officer,
    /// Whether the holder is present.
    pub holder_present: bool,
    /// The identity document shown.
    pub document: IdDocument,
    /// The photo's file reference (SIS and OSIS; none on a company card).
    pub photo: Option<String>,
    /// The scanned signature's file reference (SIS and OSIS; none on a company card).
    pub signature_image: Option<String>,
    /// Today.
    pub on: Date,
}

/// Orders the card from its order basis (R-CARD-3): the holder present with an accepted
/// identity document (R-IDP-1), photo and signature taken for a photo card and none for a
/// company card (R-CARD-1), the officer signs.
pub fn order(card: &Card, person: &Person, cmd: Order, policy: &Policy) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::OrderBasis], "order")?;
    check_holder(card, person)?;
    check_protected(person, &cmd.officer)?;
    check_present("R-CARD-3", cmd.holder_present)?;
    check_document(&cmd.document, policy)?;
    if card.kind.has_photo() {
        check_reference("R-CARD-3", "photo", cmd.photo.as_deref(), "the photo")?;
        check_reference("R-CARD-3", "signature_image", cmd.signature_image.as_deref(), "the signature")?;
    } else {
        ensure(cmd.photo.is_none() && cmd.signature_image.is_none(), || {
            Refusal::field("R-CARD-1", "photo", "a company card carries no photo or signature")
        })?;
    }
    Ok(vec![CardEvent::Ordered {
        card: card.id,
        officer: cmd.officer.id,
        document: cmd.document.kind,
        document_number: cmd.document.number.trim().to_string(),
        photo: cmd.photo,
        signature_image: cmd.signature_image,
        on: cmd.on,
    }])
}

// ---- batches ---------------------------------------------------------------------------

/// Puts an ordered card in a batch to be sent later (R-CARD-3: orders are collected and
/// sent together). Adding it to the batch it is in already changes nothing.
pub fn add_to_batch(card: &Card, batch: BatchId) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::Ordered], "add_to_batch")?;
    match card.batch {
        Some(current) if current == batch => Ok(Vec::new()),
        Some(current) => Err(Refusal::field("R-CARD-3", "batch", format!("the card is in batch {current}"))),
        None => Ok(vec![CardEvent::AddedToBatch { card: card.id, batch }]),
    }
}

/// Send a batch of orders to the card supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendBatch {
    /// The batch.
    pub batch: BatchId,
    /// The officer who reviews and signs it.
    pub officer: Officer,
    /// The orders the officer reviewed ("Granska beställning"): every card of the batch.
    pub reviewed: Vec<CardId>,
    /// Today.
    pub on: Date,
}

/// Sends `cards` as one batch (R-CARD-3): at least one card, each ordered, in no other batch
/// and reviewed by the signing officer.
pub fn send_batch(cards: &[Card], cmd: SendBatch) -> Result<Vec<CardEvent>, Refusal> {
    ensure(!cards.is_empty(), || Refusal::field("R-CARD-3", "cards", "a batch holds at least one order"))?;
    let mut seen = std::collections::BTreeSet::new();
    for card in cards {
        ensure(seen.insert(card.id), || {
            Refusal::field("R-CARD-3", "cards", format!("card {} is in the batch twice", card.id))
        })?;
        expect(card, &[CardStatus::Ordered], "send_batch")?;
        ensure(card.batch.is_none_or(|b| b == cmd.batch), || {
            Refusal::field("R-CARD-3", "cards", format!("card {} is in another batch", card.id))
        })?;
        ensure(cmd.reviewed.contains(&card.id), || {
            Refusal::field(
                "R-CARD-3",
                "reviewed",
                format!("the order of card {} has not been reviewed", card.id),
            )
        })?;
    }
    let mut events: Vec<CardEvent> =
        cards.iter().map(|c| CardEvent::Sent { card: c.id, batch: cmd.batch, on: cmd.on }).collect();
    events.push(CardEvent::BatchSent {
        batch: cmd.batch,
        cards: cards.iter().map(|c| c.id).collect(),
        officer: cmd.officer.id,
        on: cmd.on,
    });
    Ok(events)
}

// ---- delivery and hand-out ---------------------------------------------------------------

/// Record a delivery from the card supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliver {
    /// The serial number printed on the card.
    pub serial: String,
    /// Its last valid day, when the supplier states it; otherwise delivery plus
    /// `card_validity_years`.
    pub valid_until: Option<Date>,
    /// The day it arrived.
    pub on: Date,
}

/// Records that a sent card arrived at the RA and is in the safe (R-CARD-3). The PIN letter
/// reaches the holder `letter_days` later; the card must be collected within
/// `uncollected_card_months` (R-CARD-4).
pub fn deliver(card: &Card, cmd: Deliver, policy: &Policy) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::Sent], "deliver")?;
    let serial = cmd.serial.trim();
    ensure(!serial.is_empty(), || {
        Refusal::field("R-CARD-1", "serial", "the card's serial number is missing")
    })?;
    let valid_until = cmd.valid_until.unwrap_or_else(|| add_months(cmd.on, policy.card_validity_years * 12));
    ensure(valid_until > cmd.on, || {
        Refusal::field("R-CARD-3", "valid_until", "the card's validity ends before it was delivered")
    })?;
    Ok(vec![CardEvent::Delivered {
        card: card.id,
        serial: serial.to_string(),
        valid_until,
        pin_letter_expected: add_days(cmd.on, policy.letter_days),
        collect_by: add_months(cmd.on, policy.uncollected_card_months),
        on: cmd.on,
    }])
}

/// Hand a card out to its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOut {
    /// The officer who checks and signs.
    pub officer: Officer,
    /// Whether the holder is present.
    pub holder_present: bool,
    /// The identity document shown.
    pub document: IdDocument,
    /// The national id on the document.
    pub national_id: NationalId,
    /// The given names on the document.
    pub given_names: String,
    /// The family name on the document.
    pub family_name: String,
    /// Whether the holder brought the PIN letter.
    pub pin_letter: bool,
    /// The reference of the receipt the holder signed with the card's PIN (R-AUD-3).
    pub receipt: String,
    /// The holder's previous cards handed in now (R-CARD-6).
    pub returned: Vec<CardId>,
    /// Today.
    pub on: Date,
}

/// Whether the names on a document are the person's: the same family name and given names
/// among the registered ones (case and spacing ignored).
fn name_matches(person: &Person, given: &str, family: &str) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    let registered = words(&person.given_names);
    let shown = words(given);
    words(family) == words(&person.family_name)
        && !shown.is_empty()
        && shown.iter().all(|g| registered.contains(g))
}

/// Hands a delivered card out (R-CARD-3): only within the collection period (R-CARD-4), to
/// the holder in person with an accepted identity document (R-IDP-1) whose name and national
/// id are the card's holder's, who brought the PIN letter and signed the receipt (R-AUD-3).
///
/// R-CARD-6: every other active card of the holder in `others` is deregistered now with
/// reason `replaced`, and recorded as returned when it is in `cmd.returned`.
pub fn hand_out(
    card: &Card,
    person: &Person,
    others: &[HeldCard],
    cmd: HandOut,
    policy: &Policy,
) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::Delivered], "hand_out")?;
    check_holder(card, person)?;
    if let Some(collect_by) = card.collect_by(policy) {
        ensure(cmd.on <= collect_by, || {
            Refusal::new("R-CARD-4", format!("not collected by {collect_by}: the card is to be destroyed"))
        })?;
    }
    check_present("R-CARD-3", cmd.holder_present)?;
    check_protected(person, &cmd.officer)?;
    check_document(&cmd.document, policy)?;
    ensure(cmd.national_id == person.national_id, || {
        Refusal::field("R-CARD-3", "national_id", "the document's national id is not the card holder's")
    })?;
    ensure(name_matches(person, &cmd.given_names, &cmd.family_name), || {
        Refusal::field("R-CARD-3", "name", "the name on the document is not the card holder's")
    })?;
    ensure(cmd.pin_letter, || {
        Refusal::field("R-CARD-3", "pin_letter", "the holder must bring the PIN letter")
    })?;
    check_reference("R-AUD-3", "receipt", Some(&cmd.receipt), "the holder's signed receipt")?;
    let previous: Vec<&HeldCard> = others
        .iter()
        .filter(|c| c.person == card.person && c.card != card.id && c.stage == CardStage::Active)
        .collect();
    if let Some(stray) = cmd.returned.iter().find(|r| !previous.iter().any(|p| p.card == **r)) {
        return Err(Refusal::field(
            "R-CARD-6",
            "returned",
            format!("card {stray} is not an active card of the holder"),
        ));
    }
    let mut events = vec![CardEvent::HandedOut {
        card: card.id,
        officer: cmd.officer.id,
        document: cmd.document.kind,
        document_number: cmd.document.number.trim().to_string(),
        receipt: cmd.receipt.trim().to_string(),
        on: cmd.on,
    }];
    for p in previous {
        if cmd.returned.contains(&p.card) {
            events.push(CardEvent::Returned { card: p.card, kind: p.kind, to: ReturnedTo::Ra, on: cmd.on });
        }
        events.push(deregistered(p.card, p.kind, DeregisterReason::Replaced, cmd.on));
    }
    Ok(events)
}

/// Records the first credential issued to a handed-out card. For a card already in use it
/// changes nothing (the credential routine may call it for every credential).
pub fn mark_in_use(card: &Card, credential: CredentialId, on: Date) -> Result<Vec<CardEvent>, Refusal> {
    if card.status == CardStatus::InUse {
        return Ok(Vec::new());
    }
    expect(card, &[CardStatus::HandedOut], "mark_in_use")?;
    Ok(vec![CardEvent::InUse { card: card.id, credential, on }])
}

// ---- claims, returns, deregistration, destruction ------------------------------------------

/// Claim a card with the card supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimCard {
    /// The claim form's reference.
    pub form: String,
    /// The id of the replacement card.
    pub replacement: CardId,
    /// Today.
    pub on: Date,
}

/// Claims a card that does not work (R-CARD-5, 000 §7.2): only a sent or handed-out card
/// (in use counts as handed out). The card leaves service, its credentials are revoked and
/// a replacement starts as sent.
pub fn claim(card: &Card, cmd: ClaimCard) -> Result<Vec<CardEvent>, Refusal> {
    ensure(matches!(card.status, CardStatus::Sent | CardStatus::HandedOut | CardStatus::InUse), || {
        Refusal::field(
            "R-CARD-5",
            "status",
            format!(
                "a claim is possible only for a sent or handed-out card; this one is {}",
                card.status.as_str()
            ),
        )
    })?;
    check_reference("R-CARD-5", "form", Some(&cmd.form), "the claim form's reference")?;
    ensure(cmd.replacement != card.id, || {
        Refusal::field("R-CARD-5", "replacement", "the replacement needs a new card id")
    })?;
    Ok(vec![
        CardEvent::Claimed {
            card: card.id,
            from: card.status,
            form: cmd.form.trim().to_string(),
            replacement: cmd.replacement,
            revoke_credentials: true,
            on: cmd.on,
        },
        CardEvent::ReplacementOrdered {
            card: cmd.replacement,
            replaces: card.id,
            person: card.person,
            org: card.org,
            kind: card.kind,
            on: cmd.on,
        },
    ])
}

/// A holder returns a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnCard {
    /// To whom.
    pub to: ReturnedTo,
    /// Why it is returned.
    pub reason: DeregisterReason,
    /// Today.
    pub on: Date,
}

/// Records a returned card (R-CARD-7, 000 §1.3, §7.4): returned and deregistered at once
/// (credentials revoked). A card returned to the manager was cut then, so it is also
/// destroyed; one returned to the RA is cut later ([`destroy`]).
pub fn return_card(card: &Card, cmd: ReturnCard) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::HandedOut, CardStatus::InUse], "return_card")?;
    let mut events = vec![
        CardEvent::Returned { card: card.id, kind: card.kind, to: cmd.to, on: cmd.on },
        deregistered(card.id, card.kind, cmd.reason, cmd.on),
    ];
    if matches!(cmd.to, ReturnedTo::Manager { .. }) {
        events.push(CardEvent::Destroyed { card: card.id, on: cmd.on });
    }
    Ok(events)
}

/// Deregister a card that is not in the RA's hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deregister {
    /// Why (R-CARD-3: always recorded).
    pub reason: DeregisterReason,
    /// Today.
    pub on: Date,
}

/// Deregisters a delivered, handed-out or in-use card (R-CARD-3): its credentials are all
/// revoked at once (R-REV-3).
pub fn deregister(card: &Card, cmd: Deregister) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::Delivered, CardStatus::HandedOut, CardStatus::InUse], "deregister")?;
    Ok(vec![deregistered(card.id, card.kind, cmd.reason, cmd.on)])
}

/// Deregisters a card its former holder did not return, with the note "not returned"
/// (R-CARD-8, 000 §1.5).
pub fn not_returned(card: &Card, on: Date) -> Result<Vec<CardEvent>, Refusal> {
    deregister(card, Deregister { reason: DeregisterReason::NotReturned, on })
}

/// Destroys (cuts) a returned, deregistered or claimed card (R-CARD-3).
pub fn destroy(card: &Card, on: Date) -> Result<Vec<CardEvent>, Refusal> {
    expect(card, &[CardStatus::Returned, CardStatus::Deregistered, CardStatus::Claimed], "destroy")?;
    Ok(vec![CardEvent::Destroyed { card: card.id, on }])
}

/// The timed check of R-CARD-4: a card delivered and not collected within
/// `uncollected_card_months` is deregistered (it was delivered with a credential) and
/// destroyed (makulerad). `None` for any other card, so running the check again changes
/// nothing.
pub fn uncollected(card: &Card, today: Date, policy: &Policy) -> Option<Vec<CardEvent>> {
    if card.status != CardStatus::Delivered || today <= card.collect_by(policy)? {
        return None;
    }
    Some(vec![
        deregistered(card.id, card.kind, DeregisterReason::Uncollected, today),
        CardEvent::Destroyed { card: card.id, on: today },
    ])
}

// ---- employment changes (R-CARD-7) --------------------------------------------------------

/// What a credential on the card says about its holder, to compare before and after a move
/// (R-CARD-7, R-CRED-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialContent {
    /// The unit the credential names, when it names one.
    pub unit: Option<OrgId>,
    /// The title (licensed professions).
    pub title: Option<String>,
    /// Given names.
    pub given_names: String,
    /// Family name.
    pub family_name: String,
}

/// A change in the holder's employment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmploymentChange {
    /// The holder left the organisation; the card was returned (to whom), or not.
    Left {
        /// To whom the card was returned; `None` when it was not.
        returned_to: Option<ReturnedTo>,
        /// Today.
        on: Date,
    },
    /// The holder moved to another unit or post within the organisation.
    Moved {
        /// The holder's unit now (the card's unit before is `card.org`).
        to: OrgId,
        /// The credential's content before.
        before: CredentialContent,
        /// The content it would have now.
        after: CredentialContent,
        /// Today.
        on: Date,
    },
    /// Parental leave, sick leave, leave of absence (000 §8.6).
    TemporaryAbsence,
}

/// What a change in the holder's employment does to the card (R-CARD-7, 000 §7.3-7.5, §8.6):
///
/// - left, returned to the RA or the manager: returned and deregistered ([`return_card`]);
/// - left, not returned: deregistered with the note "not returned" (R-CARD-8);
/// - left before collecting a delivered card: deregistered and destroyed;
/// - moved: the card is kept and follows the holder to the new unit; `card.moved` says
///   whether the credential's content changed (the credential routine then revokes the
///   credential; 000 §7.3.1 keeps it while it is still correct); no change, no event;
/// - temporary absence: card and credential are kept; no event.
pub fn employment_changed(card: &Card, change: EmploymentChange) -> Result<Vec<CardEvent>, Refusal> {
    match change {
        EmploymentChange::TemporaryAbsence => Ok(Vec::new()),
        EmploymentChange::Left { on, .. } if card.status == CardStatus::Delivered => Ok(vec![
            deregistered(card.id, card.kind, DeregisterReason::LeftEmployment, on),
            CardEvent::Destroyed { card: card.id, on },
        ]),
        EmploymentChange::Left { returned_to: Some(to), on } => {
            return_card(card, ReturnCard { to, reason: DeregisterReason::LeftEmployment, on })
        }
        EmploymentChange::Left { returned_to: None, on } => not_returned(card, on),
        EmploymentChange::Moved { to, before, after, on } => {
            expect(card, &[CardStatus::HandedOut, CardStatus::InUse], "move")?;
            let mut changed = Vec::new();
            let mut note = |differs: bool, name: &str| {
                if differs {
                    changed.push(name.to_string());
                }
            };
            note(before.unit != after.unit, "unit");
            note(before.title != after.title, "title");
            note(before.given_names != after.given_names, "given_names");
            note(before.family_name != after.family_name, "family_name");
            if changed.is_empty() && to == card.org {
                return Ok(Vec::new());
            }
            Ok(vec![CardEvent::Moved {
                card: card.id,
                from: card.org,
                to,
                content_changed: !changed.is_empty(),
                changed,
                on,
            }])
        }
    }
}

// ---- reconciliation (R-CARD-8) -------------------------------------------------------------

/// An employment or assignment as the HR register lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrEmployment {
    /// The person.
    pub person: PersonId,
    /// The employment.
    pub employment: Employment,
}

/// What is wrong with a held card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The holder has no employment in force: the card should have been returned and
    /// deregistered ([`not_returned`] for a card, the reserve routine for a reserve card).
    NoEmployment,
    /// The card's unit is none of the holder's units: a move not recorded (R-CARD-7).
    OtherUnit {
        /// The holder's units in the HR register.
        units: Vec<OrgId>,
    },
    /// The holder has more than one active card (R-CARD-6).
    SeveralCards {
        /// The holder's other active cards.
        others: Vec<CardId>,
    },
}

/// A handed-out card that does not agree with the HR register (R-CARD-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The card.
    pub card: CardId,
    /// Its holder.
    pub person: PersonId,
    /// Its type.
    pub kind: CardKind,
    /// What is wrong.
    #[serde(flatten)]
    pub problem: Problem,
}

/// The quarterly comparison of R-CARD-8 (000 §1.5, §2.5): the active cards in `held`
/// (handed-out cards and valid reserve cards; pending ones are ignored) against the HR
/// register's employments in force on `day`. Sorted by holder, then card.
pub fn reconcile(held: &[HeldCard], hr: &[HrEmployment], day: Date) -> Vec<Mismatch> {
    let mut units: BTreeMap<PersonId, Vec<OrgId>> = BTreeMap::new();
    for h in hr.iter().filter(|h| h.employment.active_on(day)) {
        units.entry(h.person).or_default().push(h.employment.org);
    }
    let mut active: Vec<&HeldCard> = held.iter().filter(|c| c.stage == CardStage::Active).collect();
    active.sort_by_key(|c| (c.person, c.card));
    let mut mismatches = Vec::new();
    for card in &active {
        let mismatch = |problem| Mismatch { card: card.card, person: card.person, kind: card.kind, problem };
        match units.get(&card.person) {
            None => mismatches.push(mismatch(Problem::NoEmployment)),
            Some(list) if !list.contains(&card.unit) => {
                mismatches.push(mismatch(Problem::OtherUnit { units: list.clone() }))
            }
            Some(_) => {}
        }
        let others: Vec<CardId> = active
            .iter()
            .filter(|o| o.person == card.person && o.card != card.card)
            .map(|o| o.card)
            .collect();
        if !others.is_empty() {
            mismatches.push(mismatch(Problem::SeveralCards { others }));
        }
    }
    mismatches
}
