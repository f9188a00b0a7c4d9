//! Passcode pickup (R-DK-4, R-IDP-6; 001 §3): citizens abroad or with name and address
//! protection order their eID online and pick the temporary passcode up at the RA office
//! they chose. The issuer sends the office the passcode letter with a pickup instruction; the
//! office stamps its arrival date; the citizen collects it with a Danish passport (or, when
//! protected, a Danish driving licence) showing the CPR number, whose number and expiry are
//! recorded; an instruction not collected by its expiry date is destroyed. The key card is
//! mailed by the issuer to the address the citizen gave: the office never hands one out.
//!
//! # Lifecycle
//!
//! ```text
//! Ordered (online) ─dispatch─► Dispatched ─arrive (stamped)─► Arrived ─collect─► Collected
//!                                  │                              │
//!                                  └── expire (after expiry) ─────┴──► Destroyed
//! ```
//!
//! Collected and Destroyed are final. The SPEC says "typically 30 days": the expiry is
//! `dk_pickup_days` after dispatch (30 by default, 1 to 90 accepted). An instruction that
//! expires before it arrives is destroyed on arrival; [`is_due`] says which instructions the
//! timed job destroys.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::card::add_days;
use crate::ra::dk::PickupId;
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::policy::Policy;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// Why the citizen picks the passcode up (R-DK-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickupReason {
    /// A Danish citizen without residence in Denmark.
    Abroad,
    /// A citizen with name and address protection (R-IDP-6).
    Protected,
}

/// Where a pickup instruction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickupStatus {
    /// Ordered online; the chosen office is recorded.
    Ordered,
    /// The issuer sent it to the office.
    Dispatched,
    /// Arrived at the office, stamped with the date (kept locked away).
    Arrived,
    /// Collected by the citizen (final).
    Collected,
    /// Destroyed uncollected (final).
    Destroyed,
}

/// The documents a pickup accepts (R-DK-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickupDocumentKind {
    /// A Danish passport.
    DanishPassport,
    /// A Danish driving licence (protected citizens only).
    DanishDrivingLicence,
}

/// The document shown at pickup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupDocument {
    /// Its kind.
    pub kind: PickupDocumentKind,
    /// Its number.
    pub number: String,
    /// Its expiry date.
    pub expires: Date,
    /// Whether it shows the CPR number.
    pub carries_cpr: bool,
}

/// The document recorded at pickup (R-DK-4: passport number and expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDocument {
    /// Its kind.
    pub kind: PickupDocumentKind,
    /// Its number.
    pub number: String,
    /// Its expiry date.
    pub expires: Date,
}

/// A pickup instruction with its passcode letter (R-DK-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pickup {
    /// Its id.
    pub id: PickupId,
    /// The citizen.
    pub person: PersonId,
    /// The office chosen.
    pub office: OrgId,
    /// Abroad or protected.
    pub reason: PickupReason,
    /// Where it is.
    pub status: PickupStatus,
    /// When it was ordered.
    pub ordered_on: Date,
    /// When the issuer sent it.
    pub dispatched_on: Option<Date>,
    /// The last day it may be collected.
    pub expires_on: Option<Date>,
    /// The arrival date stamped on it.
    pub arrived_on: Option<Date>,
    /// When it was collected.
    pub collected_on: Option<Date>,
    /// The officer who handed it over.
    pub collected_by: Option<PersonId>,
    /// The document shown.
    pub document: Option<RecordedDocument>,
    /// When it was destroyed.
    pub destroyed_on: Option<Date>,
}

impl Pickup {
    /// Applies an event; events about other pickups are ignored.
    pub fn apply(&mut self, event: &PickupEvent) {
        if event.pickup() != self.id {
            return;
        }
        match event {
            PickupEvent::Ordered { .. } => self.status = PickupStatus::Ordered,
            PickupEvent::Dispatched { on, expires_on, .. } => {
                self.status = PickupStatus::Dispatched;
                self.dispatched_on = Some(*on);
                self.expires_on = Some(*expires_on);
            }
            PickupEvent::Arrived { on, .. } => {
                self.status = PickupStatus::Arrived;
                self.arrived_on = Some(*on);
            }
            PickupEvent::Collected { officer, document, document_number, document_expires, on, .. } => {
                self.status = PickupStatus::Collected;
                self.collected_on = Some(*on);
                self.collected_by = Some(*officer);
                self.document = Some(RecordedDocument {
                    kind: *document,
                    number: document_number.clone(),
                    expires: *document_expires,
                });
            }
            PickupEvent::Destroyed { on, .. } => {
                self.status = PickupStatus::Destroyed;
                self.destroyed_on = Some(*on);
            }
        }
    }
}

/// What the pickup routine decided. Ids, codes, the document's number and dates; never a
/// name or address (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PickupEvent {
    /// Ordered online, for pickup at the chosen office.
    Ordered {
        /// The pickup.
        pickup: PickupId,
        /// The citizen.
        person: PersonId,
        /// The office.
        office: OrgId,
        /// Abroad or protected.
        reason: PickupReason,
        /// When.
        on: Date,
    },
    /// The issuer sent it; it must be collected by `expires_on`.
    Dispatched {
        /// The pickup.
        pickup: PickupId,
        /// When.
        on: Date,
        /// The last day to collect it.
        expires_on: Date,
    },
    /// Arrived at the office, stamped with the date (R-DK-4).
    Arrived {
        /// The pickup.
        pickup: PickupId,
        /// The date stamped.
        on: Date,
    },
    /// Collected (R-DK-4).
    Collected {
        /// The pickup.
        pickup: PickupId,
        /// The officer.
        officer: PersonId,
        /// The document shown.
        document: PickupDocumentKind,
        /// Its number (R-DK-4).
        document_number: String,
        /// Its expiry (R-DK-4).
        document_expires: Date,
        /// When.
        on: Date,
    },
    /// Destroyed uncollected after its expiry (R-DK-4).
    Destroyed {
        /// The pickup.
        pickup: PickupId,
        /// When.
        on: Date,
    },
}

routine_events!(PickupEvent {
    Ordered => "dk.pickup.ordered",
    Dispatched => "dk.pickup.dispatched",
    Arrived => "dk.pickup.arrived",
    Collected => "dk.pickup.collected",
    Destroyed => "dk.pickup.destroyed",
});

impl PickupEvent {
    /// The pickup the event is about.
    pub fn pickup(&self) -> PickupId {
        match self {
            PickupEvent::Ordered { pickup, .. }
            | PickupEvent::Dispatched { pickup, .. }
            | PickupEvent::Arrived { pickup, .. }
            | PickupEvent::Collected { pickup, .. }
            | PickupEvent::Destroyed { pickup, .. } => *pickup,
        }
    }
}

fn expect(p: &Pickup, allowed: &[PickupStatus], command: &str) -> Result<(), Refusal> {
    ensure(allowed.contains(&p.status), || Refusal::state(&format!("pickup {}", p.id), p.status, command))
}

/// An online order for pickup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPickup {
    /// The new pickup's id.
    pub id: PickupId,
    /// The citizen.
    pub person: PersonId,
    /// The office chosen.
    pub office: OrgId,
    /// Abroad or protected.
    pub reason: PickupReason,
    /// Today.
    pub on: Date,
}

/// Records an online order for pickup at the chosen office (R-DK-4).
pub fn order(cmd: OrderPickup) -> (Pickup, Vec<PickupEvent>) {
    let pickup = Pickup {
        id: cmd.id,
        person: cmd.person,
        office: cmd.office,
        reason: cmd.reason,
        status: PickupStatus::Ordered,
        ordered_on: cmd.on,
        dispatched_on: None,
        expires_on: None,
        arrived_on: None,
        collected_on: None,
        collected_by: None,
        document: None,
        destroyed_on: None,
    };
    let event = PickupEvent::Ordered {
        pickup: cmd.id,
        person: cmd.person,
        office: cmd.office,
        reason: cmd.reason,
        on: cmd.on,
    };
    (pickup, vec![event])
}

/// The issuer sent the instruction and the passcode letter on `on`: it expires
/// `dk_pickup_days` later (R-DK-4).
pub fn dispatch(p: &Pickup, on: Date, policy: &Policy) -> Result<Vec<PickupEvent>, Refusal> {
    expect(p, &[PickupStatus::Ordered], "dispatch")?;
    ensure(on >= p.ordered_on, || Refusal::field("R-DK-4", "on", "sent before it was ordered"))?;
    Ok(vec![PickupEvent::Dispatched { pickup: p.id, on, expires_on: add_days(on, policy.dk_pickup_days) }])
}

/// The office stamps the arrival date (R-DK-4): not before the dispatch.
pub fn arrive(p: &Pickup, on: Date) -> Result<Vec<PickupEvent>, Refusal> {
    expect(p, &[PickupStatus::Dispatched], "arrive")?;
    ensure(p.dispatched_on.is_none_or(|sent| on >= sent), || {
        Refusal::field("R-DK-4", "on", "the arrival date cannot be before the dispatch")
    })?;
    Ok(vec![PickupEvent::Arrived { pickup: p.id, on }])
}

/// The citizen collects the passcode letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collect {
    /// The officer.
    pub officer: PersonId,
    /// The document shown.
    pub document: PickupDocument,
    /// The officer identified the citizen physically against the document's photo.
    pub photo_matches: bool,
    /// Today.
    pub on: Date,
}

/// Hands the passcode letter over (R-DK-4): arrived and not expired; a Danish passport, or
/// for a protected citizen also a Danish driving licence (R-IDP-6), showing the CPR number
/// and valid today; its number and expiry recorded; the citizen identified against its
/// photo.
pub fn collect(p: &Pickup, cmd: Collect) -> Result<Vec<PickupEvent>, Refusal> {
    expect(p, &[PickupStatus::Arrived], "collect")?;
    if let Some(last) = p.expires_on {
        ensure(cmd.on <= last, || {
            Refusal::field(
                "R-DK-4",
                "on",
                format!("the instruction expired on {last}: it is to be destroyed"),
            )
        })?;
    }
    let doc = &cmd.document;
    let accepted = match p.reason {
        PickupReason::Abroad => doc.kind == PickupDocumentKind::DanishPassport,
        PickupReason::Protected => true,
    };
    ensure(accepted, || {
        Refusal::field("R-DK-4", "document.kind", "a citizen abroad shows a Danish passport")
    })?;
    ensure(doc.carries_cpr, || {
        Refusal::field("R-DK-4", "document.carries_cpr", "the document must show the CPR number")
    })?;
    let number = doc.number.trim();
    ensure(!number.is_empty(), || {
        Refusal::field("R-DK-4", "document.number", "record the document's number")
    })?;
    ensure(doc.expires >= cmd.on, || {
        Refusal::field("R-DK-4", "document.expires", "the document has expired")
    })?;
    ensure(cmd.photo_matches, || {
        Refusal::field(
            "R-DK-4",
            "photo_matches",
            "the citizen must be identified against the document's photo",
        )
    })?;
    Ok(vec![PickupEvent::Collected {
        pickup: p.id,
        officer: cmd.officer,
        document: doc.kind,
        document_number: number.to_string(),
        document_expires: doc.expires,
        on: cmd.on,
    }])
}

/// Whether the timed job destroys the instruction today (R-DK-4): sent, not collected, and
/// past its expiry date.
pub fn is_due(p: &Pickup, today: Date) -> bool {
    matches!(p.status, PickupStatus::Dispatched | PickupStatus::Arrived)
        && p.expires_on.is_some_and(|e| today > e)
}

/// Destroys an uncollected instruction after its expiry date (R-DK-4). The office does not
/// tell the issuer (001 §3.2).
pub fn expire(p: &Pickup, today: Date) -> Result<Vec<PickupEvent>, Refusal> {
    expect(p, &[PickupStatus::Dispatched, PickupStatus::Arrived], "expire")?;
    ensure(is_due(p, today), || {
        Refusal::field("R-DK-4", "today", "the instruction may still be collected until its expiry date")
    })?;
    Ok(vec![PickupEvent::Destroyed { pickup: p.id, on: today }])
}
