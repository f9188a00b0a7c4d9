//! The Danish RA's stock (R-RES-4, 001 §7): key cards, temporary passcode letters, media for
//! blind citizens and code tokens, ordered in boxes of 50, 200 or 500 to the office's
//! address; each envelope is registered by its number; an envelope that shows signs of
//! opening, or is damaged, is never used.
//!
//! # Lifecycle
//!
//! ```text
//! box:      Ordered ─receive_box─► Received   (one envelope record per serial number)
//! envelope: InStock ─mark_envelope─► Discarded  (opened or damaged: never handed out)
//! ```
//!
//! The office is warned when its stock of a kind falls under `dk_low_stock`, and before a
//! campaign ([`stock_check`]) when the stock minus the expected demand would (001 §7: "order
//! extra cards before NemID campaigns").
//!
//! Large-print key cards are their own kind of stock ([`DkItem::LargePrintKeyCard`]): the
//! seed hands them out at the desk instead of standard cards (R-DK-2), so the office must
//! hold and count them apart.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::dk::authenticator::{self, AuthEvent, AuthKind, AuthStatus, Authenticator, EnvelopeMark};
use crate::ra::dk::{AuthenticatorId, StockBoxId};
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::policy::Policy;
use crate::ra::reserve::SerialRange;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// The box sizes the issuer delivers (R-RES-4).
pub const BOX_SIZES: [u32; 3] = [50, 200, 500];

/// What an office keeps in stock (R-RES-4, R-DK-2, R-DK-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DkItem {
    /// Key cards.
    KeyCard,
    /// Large-print key cards (R-DK-2).
    LargePrintKeyCard,
    /// Temporary passcode letters.
    PasscodeLetter,
    /// CD-ROMs or USB sticks with the temporary passcode, for blind citizens (R-DK-3).
    Medium,
    /// Code displays (R-DK-8).
    CodeDisplay,
    /// Audio code readers, for blind citizens (R-DK-3, R-DK-8).
    AudioCodeReader,
}

impl DkItem {
    /// Every item.
    pub const ALL: [DkItem; 6] = [
        DkItem::KeyCard,
        DkItem::LargePrintKeyCard,
        DkItem::PasscodeLetter,
        DkItem::Medium,
        DkItem::CodeDisplay,
        DkItem::AudioCodeReader,
    ];

    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DkItem::KeyCard => "key_card",
            DkItem::LargePrintKeyCard => "large_print_key_card",
            DkItem::PasscodeLetter => "passcode_letter",
            DkItem::Medium => "medium",
            DkItem::CodeDisplay => "code_display",
            DkItem::AudioCodeReader => "audio_code_reader",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<DkItem> {
        DkItem::ALL.into_iter().find(|i| i.as_str() == text)
    }

    /// The authenticator kind of its envelopes.
    pub fn kind(self) -> AuthKind {
        match self {
            DkItem::KeyCard | DkItem::LargePrintKeyCard => AuthKind::KeyCard,
            DkItem::PasscodeLetter => AuthKind::PasscodeLetter,
            DkItem::Medium => AuthKind::Medium,
            DkItem::CodeDisplay => AuthKind::CodeDisplay,
            DkItem::AudioCodeReader => AuthKind::AudioCodeReader,
        }
    }

    /// Whether its envelopes are large print (R-DK-2).
    pub fn large_print(self) -> bool {
        self == DkItem::LargePrintKeyCard
    }

    /// The stock item an authenticator counts as, if it is a stock kind.
    pub fn of(a: &Authenticator) -> Option<DkItem> {
        Some(match (a.kind, a.large_print) {
            (AuthKind::KeyCard, false) => DkItem::KeyCard,
            (AuthKind::KeyCard, true) => DkItem::LargePrintKeyCard,
            (AuthKind::PasscodeLetter, _) => DkItem::PasscodeLetter,
            (AuthKind::Medium, _) => DkItem::Medium,
            (AuthKind::CodeDisplay, _) => DkItem::CodeDisplay,
            (AuthKind::AudioCodeReader, _) => DkItem::AudioCodeReader,
            _ => return None,
        })
    }
}

/// Where a box is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoxStatus {
    /// Ordered from the issuer.
    Ordered,
    /// Received at the office; its envelopes are registered.
    Received,
}

/// A box of envelopes ordered to an office (R-RES-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockBox {
    /// Its id.
    pub id: StockBoxId,
    /// What it holds.
    pub item: DkItem,
    /// The RA office it is ordered to.
    pub office: OrgId,
    /// Its envelopes' serial numbers.
    pub serials: SerialRange,
    /// Where it is.
    pub status: BoxStatus,
    /// When it was ordered.
    pub ordered_on: Date,
    /// When it was received.
    pub received_on: Option<Date>,
}

impl StockBox {
    /// Applies an event; events about other boxes are ignored.
    pub fn apply(&mut self, event: &StockEvent) {
        if let StockEvent::BoxReceived { stock_box, on, .. } = event {
            if *stock_box == self.id {
                self.status = BoxStatus::Received;
                self.received_on = Some(*on);
            }
        }
    }
}

/// What the stock routine decided. Ids, kinds, serial numbers, counts and dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StockEvent {
    /// A box was ordered to the office (R-RES-4).
    BoxOrdered {
        /// The box.
        stock_box: StockBoxId,
        /// What it holds.
        item: DkItem,
        /// The office.
        office: OrgId,
        /// Its serial numbers.
        serials: SerialRange,
        /// The officer.
        officer: PersonId,
        /// When.
        on: Date,
    },
    /// The box arrived (R-RES-4).
    BoxReceived {
        /// The box.
        stock_box: StockBoxId,
        /// The number of envelopes registered (discarded ones included).
        envelopes: u64,
        /// The officer.
        officer: PersonId,
        /// When.
        on: Date,
    },
    /// An envelope of the box was registered by its number.
    EnvelopeRegistered {
        /// The envelope.
        envelope: AuthenticatorId,
        /// Its box.
        stock_box: StockBoxId,
        /// What it holds.
        item: DkItem,
        /// Its serial number.
        serial: u64,
    },
    /// An envelope of the box showed signs of opening or damage on arrival: never used
    /// (R-RES-4).
    EnvelopeDiscarded {
        /// The envelope.
        envelope: AuthenticatorId,
        /// What is wrong with it.
        mark: EnvelopeMark,
        /// When.
        on: Date,
    },
    /// The office's stock of an item is under the threshold (R-RES-4).
    LowStock {
        /// The office.
        office: OrgId,
        /// The item.
        item: DkItem,
        /// Envelopes in stock.
        in_stock: u64,
        /// Envelopes in boxes ordered and not received.
        on_order: u64,
        /// The threshold.
        threshold: u32,
        /// When.
        on: Date,
    },
    /// The stock would fall under the threshold in a campaign (001 §7).
    CampaignShortfall {
        /// The office.
        office: OrgId,
        /// The item.
        item: DkItem,
        /// Envelopes in stock.
        in_stock: u64,
        /// Envelopes in boxes ordered and not received.
        on_order: u64,
        /// The demand expected in the campaign.
        expected_demand: u64,
        /// The threshold.
        threshold: u32,
        /// When.
        on: Date,
    },
}

routine_events!(StockEvent {
    BoxOrdered => "dk.stock.box_ordered",
    BoxReceived => "dk.stock.box_received",
    EnvelopeRegistered => "dk.stock.envelope_registered",
    EnvelopeDiscarded => "dk.stock.envelope_discarded",
    LowStock => "dk.stock.low_stock",
    CampaignShortfall => "dk.stock.campaign_shortfall",
});

/// Order a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderBox {
    /// The new box's id.
    pub id: StockBoxId,
    /// What it holds.
    pub item: DkItem,
    /// The RA office it goes to.
    pub office: OrgId,
    /// How many envelopes: 50, 200 or 500.
    pub size: u32,
    /// The serial number of its first envelope.
    pub first_serial: u64,
    /// The officer.
    pub officer: PersonId,
    /// Today.
    pub on: Date,
}

/// Orders a box (R-RES-4): 50, 200 or 500 envelopes of one item to the office, with a serial
/// range no other box of the same item holds (`existing`: the boxes known so far).
pub fn order_box(existing: &[StockBox], cmd: OrderBox) -> Result<(StockBox, Vec<StockEvent>), Refusal> {
    ensure(BOX_SIZES.contains(&cmd.size), || {
        Refusal::field("R-RES-4", "size", "boxes hold 50, 200 or 500 envelopes")
    })?;
    let last = cmd.first_serial.checked_add(u64::from(cmd.size) - 1).ok_or_else(|| {
        Refusal::field("R-RES-4", "first_serial", "the serial numbers run past the largest")
    })?;
    let serials = SerialRange { first: cmd.first_serial, last };
    if let Some(other) = existing.iter().find(|b| b.item == cmd.item && b.serials.overlaps(&serials)) {
        return Err(Refusal::field(
            "R-RES-4",
            "first_serial",
            format!("box {} already holds some of these serial numbers", other.id),
        ));
    }
    let stock_box = StockBox {
        id: cmd.id,
        item: cmd.item,
        office: cmd.office,
        serials,
        status: BoxStatus::Ordered,
        ordered_on: cmd.on,
        received_on: None,
    };
    let event = StockEvent::BoxOrdered {
        stock_box: cmd.id,
        item: cmd.item,
        office: cmd.office,
        serials,
        officer: cmd.officer,
        on: cmd.on,
    };
    Ok((stock_box, vec![event]))
}

/// Receive an ordered box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveBox {
    /// One new envelope id per serial number, in serial order.
    pub envelopes: Vec<AuthenticatorId>,
    /// Serial numbers of envelopes that show signs of opening.
    pub opened: Vec<u64>,
    /// Serial numbers of damaged envelopes.
    pub damaged: Vec<u64>,
    /// The officer.
    pub officer: PersonId,
    /// Today.
    pub on: Date,
}

/// A received box: its events and one new envelope record per serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The events.
    pub events: Vec<StockEvent>,
    /// The envelope records, in stock or (opened, damaged) discarded.
    pub envelopes: Vec<Authenticator>,
}

/// Receives a box (R-RES-4): registers every envelope by its number; an opened or damaged
/// envelope is discarded at once and can never be handed out.
pub fn receive_box(stock_box: &StockBox, cmd: ReceiveBox) -> Result<Received, Refusal> {
    ensure(stock_box.status == BoxStatus::Ordered, || {
        Refusal::state(&format!("box {}", stock_box.id), stock_box.status, "receive_box")
    })?;
    let count = stock_box.serials.count();
    ensure(cmd.envelopes.len() as u64 == count, || {
        Refusal::field(
            "R-RES-4",
            "envelopes",
            format!("the box holds {count} envelopes; one id is needed for each"),
        )
    })?;
    let mut ids = cmd.envelopes.clone();
    ids.sort();
    ids.dedup();
    ensure(ids.len() == cmd.envelopes.len(), || {
        Refusal::field("R-RES-4", "envelopes", "an envelope id is given twice")
    })?;
    for (field, serials) in [("opened", &cmd.opened), ("damaged", &cmd.damaged)] {
        if let Some(stray) = serials.iter().find(|s| !stock_box.serials.contains(**s)) {
            return Err(Refusal::field("R-RES-4", field, format!("serial {stray} is not in this box")));
        }
    }
    let mark = |serial: u64| {
        if cmd.opened.contains(&serial) {
            Some(EnvelopeMark::Opened)
        } else if cmd.damaged.contains(&serial) {
            Some(EnvelopeMark::Damaged)
        } else {
            None
        }
    };
    let mut events = vec![StockEvent::BoxReceived {
        stock_box: stock_box.id,
        envelopes: count,
        officer: cmd.officer,
        on: cmd.on,
    }];
    let mut discarded = Vec::new();
    let mut envelopes = Vec::with_capacity(cmd.envelopes.len());
    for (serial, id) in stock_box.serials.serials().zip(cmd.envelopes.iter().copied()) {
        events.push(StockEvent::EnvelopeRegistered {
            envelope: id,
            stock_box: stock_box.id,
            item: stock_box.item,
            serial,
        });
        let mut envelope = Authenticator::stocked(
            id,
            stock_box.item.kind(),
            serial.to_string(),
            stock_box.office,
            stock_box.item.large_print(),
            Some(stock_box.id),
        );
        if let Some(mark) = mark(serial) {
            envelope.status = AuthStatus::Discarded;
            envelope.discarded = Some(mark);
            discarded.push(StockEvent::EnvelopeDiscarded { envelope: id, mark, on: cmd.on });
        }
        envelopes.push(envelope);
    }
    events.extend(discarded);
    Ok(Received { events, envelopes })
}

/// Marks an envelope in stock as opened or damaged (R-RES-4): it is discarded and can never
/// be handed out.
pub fn mark_envelope(
    envelope: &Authenticator,
    mark: EnvelopeMark,
    officer: PersonId,
    on: Date,
) -> Result<Vec<AuthEvent>, Refusal> {
    authenticator::discard(envelope, mark, officer, on)
}

/// An office's stock of one item (R-RES-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DkStockLevel {
    /// The office.
    pub office: OrgId,
    /// The item.
    pub item: DkItem,
    /// Envelopes in stock, ready to hand out.
    pub in_stock: u64,
    /// Envelopes in boxes ordered and not received.
    pub on_order: u64,
    /// The policy's threshold (`dk_low_stock`).
    pub threshold: u32,
    /// Whether the stock is under the threshold.
    pub low: bool,
}

impl DkStockLevel {
    /// The low-stock warning, when the stock is low.
    pub fn warning(&self, on: Date) -> Option<StockEvent> {
        self.low.then_some(StockEvent::LowStock {
            office: self.office,
            item: self.item,
            in_stock: self.in_stock,
            on_order: self.on_order,
            threshold: self.threshold,
            on,
        })
    }
}

/// Counts `office`'s stock of `item` (R-RES-4) against `dk_low_stock`: the envelopes in stock
/// (discarded and handed-out ones do not count) and those in boxes on order.
pub fn stock_level(
    envelopes: &[Authenticator],
    boxes: &[StockBox],
    office: OrgId,
    item: DkItem,
    policy: &Policy,
) -> DkStockLevel {
    let in_stock = envelopes
        .iter()
        .filter(|e| e.office == office && e.status == AuthStatus::InStock && DkItem::of(e) == Some(item))
        .count() as u64;
    let on_order = boxes
        .iter()
        .filter(|b| b.office == office && b.item == item && b.status == BoxStatus::Ordered)
        .map(|b| b.serials.count())
        .sum();
    DkStockLevel {
        office,
        item,
        in_stock,
        on_order,
        threshold: policy.dk_low_stock,
        low: in_stock < u64::from(policy.dk_low_stock),
    }
}

/// Before a campaign (001 §7): a warning when the stock minus `expected_demand` would fall
/// under the threshold (boxes on order are not counted: they may not arrive in time).
pub fn stock_check(level: &DkStockLevel, expected_demand: u64, on: Date) -> Option<StockEvent> {
    let left = level.in_stock.saturating_sub(expected_demand);
    let short = left < u64::from(level.threshold) || expected_demand > level.in_stock;
    short.then_some(StockEvent::CampaignShortfall {
        office: level.office,
        item: level.item,
        in_stock: level.in_stock,
        on_order: level.on_order,
        expected_demand,
        threshold: level.threshold,
        on,
    })
}
