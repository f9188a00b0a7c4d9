//! Forgotten passcode (R-DK-6; 001 §5): a new temporary passcode, from a passcode letter in
//! stock, a medium for a blind citizen (R-DK-3), or by SMS. The citizen is first told that
//! the signature is reissued and old encrypted data becomes unreadable, and must accept;
//! the identity document is checked but NOT recorded: no event of this routine carries a
//! document type or number. The account then awaits activation with the new temporary
//! passcode, and the certificates listed are superseded (the server reissues them).
//!
//! ```text
//! consequence accepted ─► identity checked (not recorded) ─► new passcode; account AwaitingActivation
//!         └─ refused otherwise                └─ rejected (R-IDP-5): nothing issued
//! ```
//!
//! 001 §5.1: with photo ID the new passcode is handed over at once (or sent by SMS); without
//! it, the letter is mailed to the register address (as R-IDP-4 does for the key card).

use serde::Serialize;
use time::OffsetDateTime;

use crate::ra::dk::account::{Account, AccountEvent, AccountStatus};
use crate::ra::dk::authenticator::{self, AuthEvent, AuthKind, Authenticator, HandOver};
use crate::ra::dk::{check_at_desk, AccountId, AuthenticatorId, DeskCheck};
use crate::ra::ids::{CredentialId, OrgId, PersonId};
use crate::ra::policy::Policy;
use crate::ra::proofing::{DkProofing, ProofingMethod, RejectionReason};
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// How the new temporary passcode is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewPasscode {
    /// A passcode letter from stock, by its registered number.
    Letter(AuthenticatorId),
    /// A medium from stock, for a blind citizen (R-DK-3).
    Medium(AuthenticatorId),
    /// By SMS: a new SMS PIN with this id.
    Sms(AuthenticatorId),
}

/// A new temporary passcode for a citizen who forgot theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    /// The officer.
    pub officer: PersonId,
    /// The RA office.
    pub office: OrgId,
    /// The documents presented (checked, never recorded).
    pub proofing: DkProofing,
    /// The citizen was told that the signature is reissued and old encrypted data becomes
    /// unreadable, and accepted.
    pub consequence_accepted: bool,
    /// How the new passcode is given.
    pub new_passcode: NewPasscode,
    /// A mobile number is on file (for SMS).
    pub mobile_on_file: bool,
    /// The citizen's certificates, which the new passcode supersedes.
    pub certificates: Vec<CredentialId>,
    /// Now.
    pub at: OffsetDateTime,
}

/// What the forgotten-passcode routine decided. No document fields (R-DK-6), no passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ForgottenEvent {
    /// A new temporary passcode was given; the signature is reissued (R-DK-6).
    PasscodeReissued {
        /// The account.
        account: AccountId,
        /// The citizen.
        person: PersonId,
        /// The officer.
        officer: PersonId,
        /// How the passcode was given.
        via: AuthKind,
        /// The letter, medium or SMS PIN.
        authenticator: AuthenticatorId,
        /// How it reached the citizen.
        hand_over: HandOver,
        /// The certificates superseded (reissued by the server).
        certificates: Vec<CredentialId>,
        /// When.
        at: OffsetDateTime,
    },
    /// The citizen was turned away (R-IDP-5): nothing issued.
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
        at: OffsetDateTime,
    },
}

routine_events!(ForgottenEvent {
    PasscodeReissued => "dk.forgotten.passcode_reissued",
    Rejected => "dk.forgotten.rejected",
});

/// What a new temporary passcode changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reissue {
    /// The routine's record.
    pub events: Vec<ForgottenEvent>,
    /// The account's events (back to awaiting activation).
    pub account: Vec<AccountEvent>,
    /// The letter's, medium's or SMS PIN's events.
    pub authenticators: Vec<AuthEvent>,
    /// The new SMS PIN record, when sent by SMS.
    pub enrolled: Option<Authenticator>,
    /// The certificates the server reissues (the old ones are superseded).
    pub supersede_certificates: Vec<CredentialId>,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgottenOutcome {
    /// The new passcode is given.
    Reissued(Box<Reissue>),
    /// The citizen was turned away (R-IDP-5).
    Rejected(Vec<ForgottenEvent>),
}

/// Gives a new temporary passcode (R-DK-6): refused until the citizen accepts the
/// consequence; not for a suspended or revoked eID (R-DK-7); the identity checked with the
/// Danish rules but not recorded. With photo ID the letter (or medium) is handed over or an
/// SMS sent; without, the letter is mailed (001 §5.1). A blind citizen gets a medium or SMS,
/// never a letter (R-DK-3).
pub fn new_passcode(
    account: &Account,
    stock: &[Authenticator],
    cmd: Forgotten,
    policy: &Policy,
) -> Result<ForgottenOutcome, Refusal> {
    ensure(cmd.consequence_accepted, || {
        Refusal::field(
            "R-DK-6",
            "consequence_accepted",
            "tell the citizen that the signature is reissued and old encrypted data becomes unreadable; they must accept",
        )
    })?;
    ensure(!matches!(account.status, AccountStatus::Suspended | AccountStatus::Revoked), || {
        Refusal::new("R-DK-7", "the eID is suspended or revoked")
    })?;
    let identity = match check_at_desk(account.person, cmd.officer, &cmd.proofing, policy, cmd.at.date())? {
        DeskCheck::Signed(identity) => identity,
        DeskCheck::Rejected { rule, reason } => {
            return Ok(ForgottenOutcome::Rejected(vec![ForgottenEvent::Rejected {
                account: account.id,
                person: account.person,
                rule,
                reason,
                at: cmd.at,
            }]))
        }
    };
    let photo = identity.method() == ProofingMethod::DkPhotoDocument;
    let from_stock = |id: AuthenticatorId, kind: AuthKind| {
        stock.iter().find(|a| a.id == id && a.office == cmd.office && a.kind == kind).ok_or_else(|| {
            Refusal::field(
                "R-RES-4",
                "new_passcode",
                format!("no {} {id} in this office's stock", kind.as_str()),
            )
        })
    };
    let (via, id, authenticators, enrolled, hand_over) = match cmd.new_passcode {
        NewPasscode::Letter(id) | NewPasscode::Medium(id) => {
            let kind = if matches!(cmd.new_passcode, NewPasscode::Letter(_)) {
                AuthKind::PasscodeLetter
            } else {
                AuthKind::Medium
            };
            ensure(!(account.blind.is_some() && kind == AuthKind::PasscodeLetter), || {
                Refusal::field(
                    "R-DK-3",
                    "new_passcode",
                    "a blind citizen gets the passcode on a medium or by SMS",
                )
            })?;
            let item = from_stock(id, kind)?;
            let hand_over = if photo { HandOver::HandOut } else { HandOver::Mail };
            let events = authenticator::assign(item, &identity, account.id, hand_over, cmd.officer, cmd.at)?;
            (kind, id, events, None, hand_over)
        }
        NewPasscode::Sms(id) => {
            ensure(photo, || {
                Refusal::field(
                    "R-IDP-4",
                    "new_passcode",
                    "without photo ID the new passcode is mailed to the register address",
                )
            })?;
            ensure(cmd.mobile_on_file || account.blind.is_some(), || {
                Refusal::field("R-DK-6", "mobile_on_file", "an SMS needs the citizen's mobile number")
            })?;
            let (record, events) = authenticator::enrol(
                id,
                AuthKind::SmsPin,
                &identity,
                account.id,
                cmd.office,
                cmd.officer,
                cmd.at,
            )?;
            (AuthKind::SmsPin, id, events, Some(record), HandOver::Sms)
        }
    };
    let mut certificates = cmd.certificates.clone();
    certificates.sort();
    certificates.dedup();
    Ok(ForgottenOutcome::Reissued(Box::new(Reissue {
        events: vec![ForgottenEvent::PasscodeReissued {
            account: account.id,
            person: account.person,
            officer: cmd.officer,
            via,
            authenticator: id,
            hand_over,
            certificates: certificates.clone(),
            at: cmd.at,
        }],
        account: vec![AccountEvent::PasscodeReset {
            account: account.id,
            via,
            authenticator: id,
            officer: cmd.officer,
            at: cmd.at,
        }],
        authenticators,
        enrolled,
        supersede_certificates: certificates,
    })))
}
