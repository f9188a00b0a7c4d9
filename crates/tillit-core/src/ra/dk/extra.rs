//! Extra key cards (R-DK-5; 001 §4): a citizen who needs more key cards (travelling, for
//! example) comes to the desk, shows identity documents, and gets at most 10 key cards in
//! one visit, each entered by its number and signed separately.
//!
//! # Lifecycle
//!
//! ```text
//! open_visit (identity checked, R-IDP-3..5) ─► Visit ─hand_out_extra─► Visit (+1 card) ... ×10
//!            └─ rejected (R-IDP-5): no visit, nothing handed out
//! ```
//!
//! The identity is checked with the Danish document rules ([`check_at_desk`], stricter than
//! 001 §4's "photo ID or two of (a)-(d)"). R-IDP-4's mailing concerns the *first* key card
//! (001 §1.4: "første gang"), so extra cards are handed out whatever the method.
//! A visit is one day at one office; the store keeps it as a record so each card can be its
//! own signed request.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ra::dk::account::{Account, AccountStatus};
use crate::ra::dk::authenticator::{self, AuthEvent, AuthKind, Authenticator, HandOver};
use crate::ra::dk::{check_at_desk, AccountId, AuthenticatorId, DeskCheck, IdentitySigned, VisitId};
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::policy::Policy;
use crate::ra::proofing::{Delivery, DkProofing, ProofingMethod, RejectionReason};
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// A visit for extra key cards: what it has handed out so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Its id.
    pub id: VisitId,
    /// The citizen's account.
    pub account: AccountId,
    /// The citizen.
    pub person: PersonId,
    /// The RA office.
    pub office: OrgId,
    /// The officer who checked the identity.
    pub officer: PersonId,
    /// How the identity was proofed.
    pub method: ProofingMethod,
    /// The day of the visit.
    pub on: Date,
    /// The key cards handed out in this visit.
    pub issued: Vec<AuthenticatorId>,
}

impl Visit {
    /// The officer's signed identity check of this visit (R-DK-1).
    pub fn identity_signed(&self) -> IdentitySigned {
        IdentitySigned::new(self.person, self.officer, self.method, Delivery::HandOut, self.on)
    }

    /// How many more key cards this visit may hand out (R-DK-5).
    pub fn remaining(&self, policy: &Policy) -> u32 {
        let issued = u32::try_from(self.issued.len()).unwrap_or(u32::MAX);
        policy.dk_max_extra_key_cards.saturating_sub(issued)
    }

    /// Counts a key card handed out to the visit's account; other events are ignored.
    pub fn apply(&mut self, event: &AuthEvent) {
        if let AuthEvent::HandedOut { authenticator, kind: AuthKind::KeyCard, account, .. } = event {
            if *account == self.account && !self.issued.contains(authenticator) {
                self.issued.push(*authenticator);
            }
        }
    }
}

/// What the extra-key-card routine decided (the cards themselves are authenticator events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ExtraEvent {
    /// A visit was opened after the identity check.
    VisitOpened {
        /// The visit.
        visit: VisitId,
        /// The account.
        account: AccountId,
        /// The citizen.
        person: PersonId,
        /// The office.
        office: OrgId,
        /// The officer.
        officer: PersonId,
        /// How the identity was proofed.
        method: ProofingMethod,
        /// When.
        on: Date,
    },
    /// The citizen was turned away (R-IDP-5): no card.
    Rejected {
        /// The account.
        account: AccountId,
        /// The citizen.
        person: PersonId,
        /// The rule the documents failed.
        rule: &'static str,
        /// Why.
        reason: RejectionReason,
        /// When.
        on: Date,
    },
}

routine_events!(ExtraEvent {
    VisitOpened => "dk.extra.visit_opened",
    Rejected => "dk.extra.rejected",
});

/// Open a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenVisit {
    /// The new visit's id.
    pub id: VisitId,
    /// The RA office.
    pub office: OrgId,
    /// The officer.
    pub officer: PersonId,
    /// The documents presented and what the officer saw.
    pub proofing: DkProofing,
    /// Today.
    pub on: Date,
}

/// The outcome of opening a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The identity is checked: the visit and its event.
    Visit(Visit, Vec<ExtraEvent>),
    /// The citizen was turned away (R-IDP-5).
    Rejected(Vec<ExtraEvent>),
}

fn check_account(account: &Account) -> Result<(), Refusal> {
    ensure(!matches!(account.status, AccountStatus::Suspended | AccountStatus::Revoked), || {
        Refusal::new("R-DK-7", "the eID is suspended or revoked: no key cards are handed out")
    })
}

/// Opens a visit for extra key cards (R-DK-5): the account in use (not suspended or revoked,
/// R-DK-7) and the citizen's identity checked ([`check_at_desk`]).
pub fn open_visit(account: &Account, cmd: OpenVisit, policy: &Policy) -> Result<Opened, Refusal> {
    check_account(account)?;
    match check_at_desk(account.person, cmd.officer, &cmd.proofing, policy, cmd.on)? {
        DeskCheck::Rejected { rule, reason } => Ok(Opened::Rejected(vec![ExtraEvent::Rejected {
            account: account.id,
            person: account.person,
            rule,
            reason,
            on: cmd.on,
        }])),
        DeskCheck::Signed(identity) => {
            let visit = Visit {
                id: cmd.id,
                account: account.id,
                person: account.person,
                office: cmd.office,
                officer: cmd.officer,
                method: identity.method(),
                on: cmd.on,
                issued: Vec::new(),
            };
            let event = ExtraEvent::VisitOpened {
                visit: visit.id,
                account: visit.account,
                person: visit.person,
                office: visit.office,
                officer: visit.officer,
                method: visit.method,
                on: visit.on,
            };
            Ok(Opened::Visit(visit, vec![event]))
        }
    }
}

/// Hand out one extra key card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraKeyCard {
    /// The officer, who enters the card's number and signs.
    pub officer: PersonId,
    /// Now.
    pub at: OffsetDateTime,
}

/// Hands out one extra key card in the visit (R-DK-5): entered by its number and signed on
/// its own, from this office's stock (R-RES-4), large print when the citizen has asked for it
/// (R-DK-2), at most `dk_max_extra_key_cards` (10) in the visit, on the day of the visit.
pub fn hand_out_extra(
    visit: &Visit,
    account: &Account,
    card: &Authenticator,
    cmd: ExtraKeyCard,
    policy: &Policy,
) -> Result<Vec<AuthEvent>, Refusal> {
    ensure(account.id == visit.account, || {
        Refusal::field("R-DK-5", "account", "the visit is another account's")
    })?;
    check_account(account)?;
    ensure(cmd.at.date() == visit.on, || {
        Refusal::field("R-DK-5", "at", "the visit has ended: open a new one")
    })?;
    ensure(visit.remaining(policy) > 0, || {
        Refusal::field(
            "R-DK-5",
            "extra_key_cards",
            format!("at most {} key cards are handed out in one visit", policy.dk_max_extra_key_cards),
        )
    })?;
    ensure(card.kind == AuthKind::KeyCard, || {
        Refusal::field("R-DK-5", "authenticator", "only key cards are handed out as extra cards")
    })?;
    ensure(card.office == visit.office, || {
        Refusal::field("R-RES-4", "authenticator", "the card is not in this office's stock")
    })?;
    ensure(!account.large_print || card.large_print, || {
        Refusal::field(
            "R-DK-2",
            "authenticator",
            "the citizen has large-print key cards: take a large-print card",
        )
    })?;
    authenticator::assign(card, &visit.identity_signed(), account.id, HandOver::HandOut, cmd.officer, cmd.at)
}
