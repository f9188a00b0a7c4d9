//! The Danish public RA's routines (SPEC §10, R-DK-1..8; the identity rules of §5,
//! R-IDP-3..6; the stock of §7, R-RES-4), after DanID's work procedures for a public RA
//! (seed 001, NemID 2010) and current MitID practice (R-DK-8).
//!
//! Every routine is a pure state machine like the rest of [`crate::ra`]: ids, dates, times,
//! user ids and the answers of secret checks ("was the passcode right?") come in as
//! arguments; a transition returns the events (or the new records and the events) or a
//! [`Refusal`](crate::ra::Refusal) naming the SPEC rule. Events carry ids, serial numbers,
//! kinds, reason codes and dates, never a name, an address, a passcode, a code or any other
//! secret (R-PER-3).
//!
//! # The passcode is never handed over before the identity check (R-DK-1)
//!
//! Handing an authenticator to a citizen ([`authenticator::assign`],
//! [`authenticator::enrol`]) needs an [`IdentitySigned`]: a value only this crate can make,
//! and only from a routine state in which an officer has checked and signed the citizen's
//! identity ([`registration::Registration::identity_signed`] in `IdentityChecked` or
//! `Approved`, an open extra-key-card [`extra::Visit`], or [`check_at_desk`]). No other code
//! path can hand a passcode letter over.
//!
//! # Lifecycles
//!
//! Stock (R-RES-4, [`stock`]): boxes of 50, 200 or 500 envelopes per kind, to an office.
//!
//! ```text
//! box:      Ordered ─receive_box─► Received   (one envelope record per serial number)
//! envelope: InStock ─mark_envelope(opened | damaged)─► Discarded   (never handed out)
//! ```
//!
//! An authenticator (R-DK-2, R-DK-3, R-DK-8, [`authenticator`]):
//!
//! ```text
//! Ordered ─receive─► InStock ─assign─► HandedOut ─activate─► Active ─suspend─► Suspended
//!                       │        └───► Mailed (R-IDP-4) ─┘     ▲               │
//!                    discard                                    └─reactivate───┘
//!                       ▼
//!                   Discarded        block: any state but Discarded ─► Blocked (for good)
//! enrol (passkey, activation code, SMS PIN) ─► HandedOut
//! activation code: use_activation_code ─► Active (used) | wrong try (×3 ─► Blocked) | 48 h ─► Blocked
//! ```
//!
//! The citizen's eID account (one per person, [`account`]):
//!
//! ```text
//! AwaitingActivation ─activate─► Active ─suspend─► Suspended ─reactivate─► Active
//!        ▲                         │  └─ 5 failures ─► locked ─unlock (desk)─► Active
//!        └── forgotten passcode ───┘
//! revoke: any state ─► Revoked (for good)
//! ```
//!
//! In-person issuance (R-DK-1, [`registration`]):
//!
//! ```text
//! start (rules accepted) ─► RulesAccepted ─check_identity─► IdentityChecked ─issue─► Issued
//!                                │                 │  (high: second officer)      ▲
//!                                │                 └─► AwaitingApproval ─approve─► Approved
//!                                │                             │ reject
//!                                ▼ (proofing rejected, R-IDP-5)▼
//!                             Rejected                       Rejected
//! cancel: any state before Issued ─► Cancelled.   Rejected, Cancelled and Issued are final.
//! ```
//!
//! Passcode pickup for citizens abroad or protected (R-DK-4, [`pickup`]):
//!
//! ```text
//! Ordered (online) ─dispatch─► Dispatched ─arrive (stamped)─► Arrived ─collect─► Collected
//!                                   └──────── expire (after the expiry date) ─┴──► Destroyed
//! ```
//!
//! Extra key cards (R-DK-5, [`extra`]): `open_visit` (identity checked) ─► one
//! `hand_out_extra` per card, each signed, at most 10 a visit.
//!
//! Forgotten passcode (R-DK-6, [`forgotten`]): consequence accepted, identity checked (not
//! recorded) ─► new temporary passcode, account back to `AwaitingActivation`.
//!
//! Revocation assistance (R-DK-7, [`revocation`]): suspend or revoke the passcode (account),
//! key cards and code tokens, and list the certificates the CA revokes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::ids::PersonId;
use crate::ra::policy::Policy;
use crate::ra::proofing::{proof_dk, Delivery, DkProofing, ProofingEvent, ProofingMethod, RejectionReason};
use crate::ra::rule::{ensure, Refusal};

pub mod account;
pub mod authenticator;
pub mod extra;
pub mod forgotten;
pub mod pickup;
pub mod registration;
pub mod revocation;
pub mod stock;

record_id! {
    /// An in-person registration (R-DK-1).
    RegistrationId,
    /// An authenticator: a key card, passcode letter, medium, code display, audio code
    /// reader, passkey, activation code or SMS PIN (R-DK-8). Also the envelope in stock.
    AuthenticatorId,
    /// A box of envelopes ordered to an office (R-RES-4).
    StockBoxId,
    /// A passcode pickup instruction (R-DK-4).
    PickupId,
    /// A citizen's eID account (one per person).
    AccountId,
    /// A visit at the desk for extra key cards (R-DK-5).
    VisitId,
}

/// The NSIS assurance level a registration records (R-DK-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nsis {
    /// NSIS low.
    Low,
    /// NSIS substantial.
    Substantial,
    /// NSIS high: in person, photo document, a second officer's approval.
    High,
}

impl Nsis {
    /// Every level, lowest first.
    pub const ALL: [Nsis; 3] = [Nsis::Low, Nsis::Substantial, Nsis::High];

    /// The text form, as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Nsis::Low => "low",
            Nsis::Substantial => "substantial",
            Nsis::High => "high",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<Nsis> {
        Nsis::ALL.into_iter().find(|n| n.as_str() == text)
    }

    /// The level's authentication context class reference (the `acr` value of the Danish
    /// NSIS concept URIs).
    pub fn acr(self) -> &'static str {
        match self {
            Nsis::Low => "https://data.gov.dk/concept/core/nsis/loa/Low",
            Nsis::Substantial => "https://data.gov.dk/concept/core/nsis/loa/Substantial",
            Nsis::High => "https://data.gov.dk/concept/core/nsis/loa/High",
        }
    }
}

/// That an officer has checked the citizen's identity and signed it (R-DK-1): what handing
/// an authenticator over needs. Only this crate makes one, from a routine state where the
/// check is done; it is never stored (it has no `Deserialize`), so it cannot be forged from
/// a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySigned {
    person: PersonId,
    officer: PersonId,
    method: ProofingMethod,
    delivery: Delivery,
    on: Date,
}

impl IdentitySigned {
    pub(crate) fn new(
        person: PersonId,
        officer: PersonId,
        method: ProofingMethod,
        delivery: Delivery,
        on: Date,
    ) -> IdentitySigned {
        IdentitySigned { person, officer, method, delivery, on }
    }

    /// The citizen.
    pub fn person(&self) -> PersonId {
        self.person
    }

    /// The officer who checked and signed.
    pub fn officer(&self) -> PersonId {
        self.officer
    }

    /// How the identity was proofed.
    pub fn method(&self) -> ProofingMethod {
        self.method
    }

    /// Where a key card may go (R-IDP-4: mailed, never handed out, without photo ID).
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// The day of the check.
    pub fn on(&self) -> Date {
        self.on
    }
}

/// The outcome of an identity check at the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskCheck {
    /// The identity is proofed and the officer signed.
    Signed(IdentitySigned),
    /// The citizen is turned away (R-IDP-5): nothing is issued.
    Rejected {
        /// The rule the documents failed.
        rule: &'static str,
        /// Why.
        reason: RejectionReason,
    },
}

/// Checks a citizen's identity at the desk with the Danish document rules
/// ([`proof_dk`], R-IDP-3..6) for a routine that does not record the documents (R-DK-6,
/// unlocking, extra key cards): accepted, the officer's signed check; or rejected (R-IDP-5).
/// A [`Refusal`] means the officer's record is incomplete.
pub fn check_at_desk(
    person: PersonId,
    officer: PersonId,
    proofing: &DkProofing,
    policy: &Policy,
    on: Date,
) -> Result<DeskCheck, Refusal> {
    ensure(proofing.person == person, || {
        Refusal::field("R-IDP-3", "proofing.person", "the documents were checked for another person")
    })?;
    match proof_dk(proofing, policy, on)?.into_iter().next() {
        Some(ProofingEvent::Accepted { method, delivery, .. }) => {
            Ok(DeskCheck::Signed(IdentitySigned::new(person, officer, method, delivery, on)))
        }
        Some(ProofingEvent::Rejected { rule, reason, .. }) => Ok(DeskCheck::Rejected { rule, reason }),
        None => Err(Refusal::new("R-IDP-5", "the identity check gave no outcome")),
    }
}
