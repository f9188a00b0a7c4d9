//! Revocation assistance (R-DK-7, 001 §6): at the desk or on the phone, the officer
//! suspends (reversible) or revokes the citizen's passcode (the account), key cards and code
//! tokens (blocked for good), and lists the certificates the CA revokes.
//!
//! Who asks is recorded as a kind, never as a name (R-PER-3, R-REV-2): the citizen in person
//! (document checked), the citizen by phone (after verification), the police, a guardian or
//! holder of a power of attorney (authority checked), or the RA itself (suspected misuse).
//! A suspension is lifted only at the citizen's (or guardian's) request.
//!
//! Certificates have no "hold" here (R-REV-3: certificateHold is not offered), so the
//! certificates listed are revoked whether the passcode and authenticators are suspended or
//! revoked; the server revokes them through the CA with [`DkReason::crl_reason`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ra::dk::account::{self, Account, AccountEvent};
use crate::ra::dk::authenticator::{self, AuthEvent, Authenticator};
use crate::ra::dk::{AccountId, AuthenticatorId};
use crate::ra::ids::{CredentialId, PersonId};
use crate::ra::revocation::ReasonCode;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// Why a passcode, authenticator or certificate is suspended or revoked (R-DK-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DkReason {
    /// Lost (a key card, a code display).
    Lost,
    /// Stolen.
    Stolen,
    /// Misuse is suspected (the passcode or a code may be known to someone else).
    SuspectedMisuse,
    /// The citizen no longer wants the eID.
    CitizenRequest,
    /// The citizen has died.
    Deceased,
    /// Another reason.
    Other,
}

impl DkReason {
    /// The RFC 5280 reason the CA records for the certificates (R-REV-3).
    pub fn crl_reason(self) -> ReasonCode {
        match self {
            DkReason::Lost | DkReason::Stolen | DkReason::SuspectedMisuse => ReasonCode::KeyCompromise,
            DkReason::CitizenRequest | DkReason::Deceased => ReasonCode::CessationOfOperation,
            DkReason::Other => ReasonCode::Unspecified,
        }
    }
}

/// Who asks, and how they were identified (R-DK-7, R-REV-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "requester", rename_all = "snake_case")]
pub enum Requester {
    /// The citizen at the desk.
    CitizenInPerson {
        /// The identity document was checked.
        document_checked: bool,
    },
    /// The citizen on the phone.
    CitizenByPhone {
        /// The caller was verified (call back, control questions).
        verified: bool,
    },
    /// The police.
    Police,
    /// A guardian or the holder of a power of attorney.
    Guardian {
        /// The guardianship or power of attorney was checked.
        authority_checked: bool,
    },
    /// The RA itself (for example on suspected misuse).
    Ra,
}

/// Who asked, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequesterKind {
    /// The citizen in person, document checked.
    CitizenInPerson,
    /// The citizen by phone, verified.
    CitizenByPhone,
    /// The police.
    Police,
    /// A guardian or holder of a power of attorney.
    Guardian,
    /// The RA itself.
    Ra,
}

impl Requester {
    /// What is recorded.
    pub fn kind(self) -> RequesterKind {
        match self {
            Requester::CitizenInPerson { .. } => RequesterKind::CitizenInPerson,
            Requester::CitizenByPhone { .. } => RequesterKind::CitizenByPhone,
            Requester::Police => RequesterKind::Police,
            Requester::Guardian { .. } => RequesterKind::Guardian,
            Requester::Ra => RequesterKind::Ra,
        }
    }

    /// Checks the requester's identification (R-DK-7, R-REV-2).
    pub fn check(self) -> Result<RequesterKind, Refusal> {
        let (ok, why) = match self {
            Requester::CitizenInPerson { document_checked } => {
                (document_checked, "check the citizen's identity document first")
            }
            Requester::CitizenByPhone { verified } => {
                (verified, "verify the caller first (call back, control questions)")
            }
            Requester::Guardian { authority_checked } => {
                (authority_checked, "check the guardianship or power of attorney first")
            }
            Requester::Police | Requester::Ra => (true, ""),
        };
        ensure(ok, || Refusal::field("R-DK-7", "requester", why))?;
        Ok(self.kind())
    }

    /// Checks a request to lift a suspension: only the citizen (or a guardian), identified
    /// (R-DK-7).
    pub fn check_lift(self) -> Result<RequesterKind, Refusal> {
        ensure(!matches!(self, Requester::Police | Requester::Ra), || {
            Refusal::field(
                "R-DK-7",
                "requester",
                "only the citizen or a guardian may have a suspension lifted",
            )
        })?;
        self.check()
    }
}

/// A request to suspend, block or revoke (R-DK-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopRequest {
    /// Why.
    pub reason: DkReason,
    /// Who asks, and how they were identified.
    pub requester: Requester,
    /// The officer who acts.
    pub officer: PersonId,
}

/// Suspend (reversible) or revoke (for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssistAction {
    /// Suspend the passcode and authenticators (reversible).
    Suspend,
    /// Revoke the passcode and block the authenticators (for good).
    Revoke,
}

/// Revocation assistance for one citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assist {
    /// Suspend or revoke.
    pub action: AssistAction,
    /// Why.
    pub reason: DkReason,
    /// Who asks.
    pub requester: Requester,
    /// The officer who acts.
    pub officer: PersonId,
    /// Whether the passcode (the account) is suspended or revoked.
    pub passcode: bool,
    /// The key cards and code tokens to suspend or block (the citizen's).
    pub authenticators: Vec<AuthenticatorId>,
    /// The certificates the CA is to revoke.
    pub certificates: Vec<CredentialId>,
    /// Now.
    pub at: OffsetDateTime,
}

/// What revocation assistance decided, for each record it touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistance {
    /// The record of the assistance itself.
    pub events: Vec<RevocationEvent>,
    /// The account's events (when the passcode was included).
    pub account: Vec<AccountEvent>,
    /// The authenticators' events.
    pub authenticators: Vec<AuthEvent>,
    /// The certificates the server revokes through the CA, with this reason.
    pub revoke_certificates: Vec<CredentialId>,
    /// The RFC 5280 reason for them.
    pub crl_reason: ReasonCode,
}

/// The record of revocation assistance. Kinds and ids only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RevocationEvent {
    /// The officer assisted (R-DK-7).
    Assisted {
        /// The account.
        account: AccountId,
        /// The citizen.
        person: PersonId,
        /// Suspend or revoke.
        action: AssistAction,
        /// Why.
        reason: DkReason,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// Whether the passcode was included.
        passcode: bool,
        /// The authenticators.
        authenticators: Vec<AuthenticatorId>,
        /// The certificates to revoke.
        certificates: Vec<CredentialId>,
        /// The RFC 5280 reason for the certificates.
        crl_reason: ReasonCode,
        /// When.
        at: OffsetDateTime,
    },
}

routine_events!(RevocationEvent { Assisted => "dk.revocation.assisted" });

/// The citizen's authenticators that can still be suspended or blocked.
pub fn revocable(account: &Account, authenticators: &[Authenticator]) -> Vec<AuthenticatorId> {
    authenticators
        .iter()
        .filter(|a| a.account == Some(account.id) && !a.status.is_final())
        .map(|a| a.id)
        .collect()
}

fn dedup<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    let mut out = items.to_vec();
    out.sort();
    out.dedup();
    out
}

/// Revocation assistance (R-DK-7): checks who asks, then suspends or revokes the passcode
/// (the account) and suspends or blocks each listed authenticator of the citizen (any not
/// the citizen's, or in a state that does not allow it, refuses the whole request), and
/// lists the certificates to revoke. At least one thing must be listed.
pub fn assist(
    account: &Account,
    authenticators: &[Authenticator],
    cmd: Assist,
) -> Result<Assistance, Refusal> {
    let requester = cmd.requester.check()?;
    let listed = dedup(&cmd.authenticators);
    let certificates = dedup(&cmd.certificates);
    ensure(cmd.passcode || !listed.is_empty() || !certificates.is_empty(), || {
        Refusal::field(
            "R-DK-7",
            "authenticators",
            "name the passcode, authenticators or certificates to stop",
        )
    })?;
    let stop = StopRequest { reason: cmd.reason, requester: cmd.requester, officer: cmd.officer };
    let account_events = match (cmd.passcode, cmd.action) {
        (false, _) => Vec::new(),
        (true, AssistAction::Suspend) => account::suspend(account, &stop, cmd.at)?,
        (true, AssistAction::Revoke) => account::revoke(account, &stop, cmd.at)?,
    };
    let mut auth_events = Vec::new();
    for id in &listed {
        let a = authenticators.iter().find(|a| a.id == *id && a.account == Some(account.id)).ok_or_else(
            || {
                Refusal::field(
                    "R-DK-7",
                    "authenticators",
                    format!("authenticator {id} is not this citizen's"),
                )
            },
        )?;
        auth_events.extend(match cmd.action {
            AssistAction::Suspend => authenticator::suspend(a, &stop, cmd.at)?,
            AssistAction::Revoke => authenticator::block(a, &stop, cmd.at)?,
        });
    }
    let crl_reason = cmd.reason.crl_reason();
    Ok(Assistance {
        events: vec![RevocationEvent::Assisted {
            account: account.id,
            person: account.person,
            action: cmd.action,
            reason: cmd.reason,
            requester,
            officer: cmd.officer,
            passcode: cmd.passcode,
            authenticators: listed,
            certificates: certificates.clone(),
            crl_reason,
            at: cmd.at,
        }],
        account: account_events,
        authenticators: auth_events,
        revoke_certificates: certificates,
        crl_reason,
    })
}
