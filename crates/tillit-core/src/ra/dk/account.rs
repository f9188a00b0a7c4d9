//! The citizen's eID account (one per person): activation with the temporary passcode,
//! sign-in, the lock after too many failures, unlocking at the desk, suspension, reactivation
//! and revocation (R-DK-1, R-DK-2, R-DK-3, R-DK-7, R-DK-8).
//!
//! # Lifecycle
//!
//! ```text
//! AwaitingActivation ─activate─► Active ─suspend─► Suspended ─reactivate─► Active
//!        ▲      │                  │
//!        │      └── dk_max_failures failed attempts ─► locked ─unlock (desk)─► unlocked
//!        └── forgotten passcode (R-DK-6) ──┘
//! revoke: any state but Revoked ─► Revoked (for good)
//! ```
//!
//! The decisions are pure: the caller checks the passcode and the code against what it
//! stores and passes only whether they were right. While the account is locked, suspended
//! or revoked, [`may_attempt`] refuses, and the caller must not even check the secrets:
//! nothing is counted and nothing can be learned.
//!
//! Unlocking follows the seed's intent (001 §5: the RA cannot unlock a forgotten passcode;
//! a citizen who proves their identity at the desk gets a fresh series of tries): an
//! [`unlock`] needs the citizen's identity checked and signed at the desk, and gives
//! `dk_max_failures` tries again.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ra::dk::authenticator::AuthKind;
use crate::ra::dk::revocation::{DkReason, Requester, RequesterKind, StopRequest};
use crate::ra::dk::{AccountId, AuthenticatorId, IdentitySigned, Nsis};
use crate::ra::ids::PersonId;
use crate::ra::person::check_mobile;
use crate::ra::policy::{Policy, DK_PASSCODE_MAX_LEN};
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// Where an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Issued; the citizen has not yet activated it with the temporary passcode.
    AwaitingActivation,
    /// In use.
    Active,
    /// Suspended: may be reactivated (R-DK-7).
    Suspended,
    /// Revoked for good (R-DK-7).
    Revoked,
}

/// How a blind citizen receives the temporary passcode (R-DK-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasscodeBy {
    /// On a numbered medium (CD-ROM, USB).
    Medium,
    /// By SMS (read aloud by the phone).
    Sms,
}

/// The test call to the key-delivery phone (R-DK-3: "with a test call when possible").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestCall {
    /// The test call reached the citizen's phone.
    Succeeded,
    /// Not possible (not a mobile, or the citizen does not have it with them).
    NotPossible,
    /// It failed: the number is wrong and is not accepted.
    Failed,
}

/// Support for a blind citizen (R-DK-3). Kept on the account, never in an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindSupport {
    /// The phone number keys are delivered to (IVR), in international form.
    pub key_phone: String,
    /// The test call.
    pub test_call: TestCall,
    /// How the temporary passcode is given.
    pub passcode_by: PasscodeBy,
}

/// Checks a blind citizen's support (R-DK-3): a phone number in international form and a
/// test call that did not fail.
pub fn check_blind(support: &BlindSupport) -> Result<(), Refusal> {
    check_mobile("blind.key_phone", &support.key_phone).map_err(|r| Refusal { rule: "R-DK-3", ..r })?;
    ensure(support.test_call != TestCall::Failed, || {
        Refusal::field("R-DK-3", "blind.test_call", "the test call failed: check the phone number")
    })
}

/// A citizen's eID account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// The citizen.
    pub person: PersonId,
    /// The user id the citizen signs in with (kept here, never in an event).
    pub user_id: String,
    /// Where it is.
    pub status: AccountStatus,
    /// The NSIS level of the registration (R-DK-8).
    pub assurance: Nsis,
    /// Failed attempts in a row.
    pub failures: u32,
    /// Locked after `dk_max_failures` failures, until unlocked at the desk.
    pub locked: bool,
    /// The citizen asked for large-print key cards: later cards are large print too
    /// (R-DK-2).
    pub large_print: bool,
    /// Support for a blind citizen (R-DK-3).
    pub blind: Option<BlindSupport>,
    /// Whether the citizen has chosen a passcode (false until activation, and again after a
    /// forgotten passcode).
    pub passcode_set: bool,
    /// The key-card position the next code is asked for (advances with every code used).
    pub next_key_card_position: u32,
    /// When the account was opened.
    pub opened_on: Date,
    /// When it was (last) activated.
    pub activated_on: Option<Date>,
    /// Why it is suspended or revoked.
    pub stop_reason: Option<DkReason>,
}

/// Checks a user id: 1 to 64 characters, no spaces or control characters (R-DK-1).
pub fn check_user_id(user_id: &str) -> Result<(), Refusal> {
    let n = user_id.chars().count();
    ensure((1..=64).contains(&n), || Refusal::field("R-DK-1", "user_id", "must be 1 to 64 characters"))?;
    ensure(!user_id.chars().any(|c| c.is_whitespace() || c.is_control()), || {
        Refusal::field("R-DK-1", "user_id", "must not contain spaces or control characters")
    })
}

impl Account {
    /// Opens the citizen's account at issuance (R-DK-1), awaiting activation.
    pub fn open(
        id: AccountId,
        person: PersonId,
        user_id: String,
        assurance: Nsis,
        large_print: bool,
        blind: Option<BlindSupport>,
        on: Date,
    ) -> Result<(Account, Vec<AccountEvent>), Refusal> {
        check_user_id(&user_id)?;
        if let Some(support) = &blind {
            check_blind(support)?;
        }
        let event =
            AccountEvent::Opened { account: id, person, assurance, large_print, blind: blind.is_some(), on };
        let account = Account {
            id,
            person,
            user_id,
            status: AccountStatus::AwaitingActivation,
            assurance,
            failures: 0,
            locked: false,
            large_print,
            blind,
            passcode_set: false,
            next_key_card_position: 1,
            opened_on: on,
            activated_on: None,
            stop_reason: None,
        };
        Ok((account, vec![event]))
    }

    /// Applies an event; events about other accounts are ignored.
    pub fn apply(&mut self, event: &AccountEvent) {
        if event.account() != self.id {
            return;
        }
        match event {
            AccountEvent::Opened { .. } => {}
            AccountEvent::Activated { at, .. } => {
                self.status = AccountStatus::Active;
                self.failures = 0;
                self.passcode_set = true;
                self.activated_on = Some(at.date());
                self.next_key_card_position = self.next_key_card_position.saturating_add(1);
            }
            AccountEvent::SignedIn { .. } => {
                self.failures = 0;
                self.next_key_card_position = self.next_key_card_position.saturating_add(1);
            }
            AccountEvent::AttemptFailed { failures, .. } => self.failures = *failures,
            AccountEvent::Locked { .. } => self.locked = true,
            AccountEvent::Unlocked { .. } => {
                self.locked = false;
                self.failures = 0;
            }
            AccountEvent::Suspended { reason, .. } => {
                self.status = AccountStatus::Suspended;
                self.stop_reason = Some(*reason);
            }
            AccountEvent::Reactivated { .. } => {
                self.status =
                    if self.passcode_set { AccountStatus::Active } else { AccountStatus::AwaitingActivation };
                self.stop_reason = None;
            }
            AccountEvent::Revoked { reason, .. } => {
                self.status = AccountStatus::Revoked;
                self.stop_reason = Some(*reason);
            }
            AccountEvent::PasscodeReset { .. } => {
                self.status = AccountStatus::AwaitingActivation;
                self.passcode_set = false;
                self.failures = 0;
                self.locked = false;
            }
            AccountEvent::LargePrintRemembered { .. } => self.large_print = true,
        }
    }
}

/// Which attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attempt {
    /// Activation with the temporary passcode.
    Activation,
    /// Sign-in.
    SignIn,
}

/// What the account routine decided. Ids, counts, reason codes and times: never the user
/// id, a passcode or a code (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AccountEvent {
    /// Opened at issuance (R-DK-1).
    Opened {
        /// The account.
        account: AccountId,
        /// The citizen.
        person: PersonId,
        /// The NSIS level (R-DK-8).
        assurance: Nsis,
        /// Large-print key cards (R-DK-2).
        large_print: bool,
        /// Blind support is on file (R-DK-3; the phone number is not in the event).
        blind: bool,
        /// When.
        on: Date,
    },
    /// Activated with the temporary passcode and a new passcode.
    Activated {
        /// The account.
        account: AccountId,
        /// When.
        at: OffsetDateTime,
    },
    /// Signed in.
    SignedIn {
        /// The account.
        account: AccountId,
        /// When.
        at: OffsetDateTime,
    },
    /// An activation or sign-in failed.
    AttemptFailed {
        /// The account.
        account: AccountId,
        /// Which.
        attempt: Attempt,
        /// Failures in a row.
        failures: u32,
        /// When.
        at: OffsetDateTime,
    },
    /// Locked after `dk_max_failures` failures in a row.
    Locked {
        /// The account.
        account: AccountId,
        /// Failures in a row.
        failures: u32,
        /// When.
        at: OffsetDateTime,
    },
    /// Unlocked by an officer at the desk, identity checked.
    Unlocked {
        /// The account.
        account: AccountId,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Suspended (R-DK-7).
    Suspended {
        /// The account.
        account: AccountId,
        /// Why.
        reason: DkReason,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Reactivated after a suspension (R-DK-7).
    Reactivated {
        /// The account.
        account: AccountId,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Revoked for good (R-DK-7).
    Revoked {
        /// The account.
        account: AccountId,
        /// Why.
        reason: DkReason,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// A new temporary passcode was issued: the account awaits activation again (R-DK-6).
    PasscodeReset {
        /// The account.
        account: AccountId,
        /// How the temporary passcode was given.
        via: AuthKind,
        /// The passcode letter, medium or SMS PIN.
        authenticator: AuthenticatorId,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// The citizen asked for large-print key cards; later cards are large print (R-DK-2).
    LargePrintRemembered {
        /// The account.
        account: AccountId,
        /// When.
        on: Date,
    },
}

routine_events!(AccountEvent {
    Opened => "dk.account.opened",
    Activated => "dk.account.activated",
    SignedIn => "dk.account.signed_in",
    AttemptFailed => "dk.account.attempt_failed",
    Locked => "dk.account.locked",
    Unlocked => "dk.account.unlocked",
    Suspended => "dk.account.suspended",
    Reactivated => "dk.account.reactivated",
    Revoked => "dk.account.revoked",
    PasscodeReset => "dk.account.passcode_reset",
    LargePrintRemembered => "dk.account.large_print_remembered",
});

impl AccountEvent {
    /// The account the event is about.
    pub fn account(&self) -> AccountId {
        match self {
            AccountEvent::Opened { account, .. }
            | AccountEvent::Activated { account, .. }
            | AccountEvent::SignedIn { account, .. }
            | AccountEvent::AttemptFailed { account, .. }
            | AccountEvent::Locked { account, .. }
            | AccountEvent::Unlocked { account, .. }
            | AccountEvent::Suspended { account, .. }
            | AccountEvent::Reactivated { account, .. }
            | AccountEvent::Revoked { account, .. }
            | AccountEvent::PasscodeReset { account, .. }
            | AccountEvent::LargePrintRemembered { account, .. } => *account,
        }
    }
}

/// The passcode a citizen chooses at activation. Its `Debug` never shows it; it is checked
/// by [`check_passcode`] and goes no further than the caller, which stores only its hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasscodeChoice(String);

impl PasscodeChoice {
    /// The citizen's choice.
    pub fn new(passcode: impl Into<String>) -> PasscodeChoice {
        PasscodeChoice(passcode.into())
    }

    /// The passcode, for the caller to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasscodeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasscodeChoice(..)")
    }
}

/// Checks a new passcode (R-DK-8, current practice): `dk_passcode_min_len` (6) to
/// [`DK_PASSCODE_MAX_LEN`] (64) characters, not one character repeated, not the user id.
/// The reason never repeats the passcode.
pub fn check_passcode(choice: &PasscodeChoice, user_id: &str, policy: &Policy) -> Result<(), Refusal> {
    let passcode = choice.expose();
    let n = passcode.chars().count();
    let min = policy.dk_passcode_min_len as usize;
    let max = DK_PASSCODE_MAX_LEN as usize;
    ensure((min..=max).contains(&n), || {
        Refusal::field("R-DK-8", "new_passcode", format!("must be {min} to {max} characters"))
    })?;
    let mut chars = passcode.chars();
    let first = chars.next();
    ensure(!chars.all(|c| Some(c) == first), || {
        Refusal::field("R-DK-8", "new_passcode", "must not be one character repeated")
    })?;
    ensure(passcode.to_lowercase() != user_id.trim().to_lowercase(), || {
        Refusal::field("R-DK-8", "new_passcode", "must not be the user id")
    })
}

/// What the caller found when the citizen activated: whether the temporary passcode and
/// the key-card code were right, and the new passcode chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationChecks {
    /// The temporary passcode was right.
    pub temporary_passcode_ok: bool,
    /// The key-card (or code display) code was right.
    pub key_card_code_ok: bool,
    /// The new passcode.
    pub new_passcode: PasscodeChoice,
}

/// What the caller found when the citizen signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInChecks {
    /// The passcode was right.
    pub passcode_ok: bool,
    /// The code (key card, code display, ...) was right.
    pub code_ok: bool,
}

/// Whether the citizen may try to activate or sign in at all. While the account is revoked,
/// suspended (R-DK-7) or locked (R-DK-8) the caller must not check the passcode or code:
/// this refuses, and nothing is counted.
pub fn may_attempt(account: &Account) -> Result<(), Refusal> {
    ensure(account.status != AccountStatus::Revoked, || Refusal::new("R-DK-7", "the eID is revoked"))?;
    ensure(account.status != AccountStatus::Suspended, || {
        Refusal::new("R-DK-7", "the eID is suspended: the citizen may have it reactivated")
    })?;
    ensure(!account.locked, || {
        Refusal::new("R-DK-8", "locked after too many failed attempts: the citizen comes to the desk")
    })
}

fn failed(account: &Account, attempt: Attempt, policy: &Policy, at: OffsetDateTime) -> Vec<AccountEvent> {
    let failures = account.failures.saturating_add(1);
    let mut events = vec![AccountEvent::AttemptFailed { account: account.id, attempt, failures, at }];
    if failures >= policy.dk_max_failures {
        events.push(AccountEvent::Locked { account: account.id, failures, at });
    }
    events
}

/// Records a failed attempt found before the whole attempt could be checked (a wrong
/// passcode in the first step of a two-step sign-in or activation): one more failure, and
/// at `dk_max_failures` the account is locked (R-DK-8). Refused, and nothing counted, when
/// no attempt is allowed ([`may_attempt`]).
pub fn record_failure(
    account: &Account,
    attempt: Attempt,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    may_attempt(account)?;
    Ok(failed(account, attempt, policy, now))
}

/// Activates an account awaiting activation (R-DK-1): temporary passcode and code right and
/// an acceptable new passcode ([`check_passcode`]; a bad choice is refused before anything
/// is counted). A wrong passcode or code counts as a failure; at `dk_max_failures` the
/// account is locked.
pub fn activate(
    account: &Account,
    checks: &ActivationChecks,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    may_attempt(account)?;
    ensure(account.status == AccountStatus::AwaitingActivation, || {
        Refusal::state(&format!("account {}", account.id), account.status, "activate")
    })?;
    check_passcode(&checks.new_passcode, &account.user_id, policy)?;
    if checks.temporary_passcode_ok && checks.key_card_code_ok {
        Ok(vec![AccountEvent::Activated { account: account.id, at: now }])
    } else {
        Ok(failed(account, Attempt::Activation, policy, now))
    }
}

/// Signs in to an active account: passcode and code right → signed in (failures reset);
/// otherwise one more failure, and at `dk_max_failures` the account is locked (R-DK-8).
pub fn sign_in(
    account: &Account,
    checks: SignInChecks,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    may_attempt(account)?;
    ensure(account.status == AccountStatus::Active, || {
        Refusal::state(&format!("account {}", account.id), account.status, "sign_in")
    })?;
    if checks.passcode_ok && checks.code_ok {
        Ok(vec![AccountEvent::SignedIn { account: account.id, at: now }])
    } else {
        Ok(failed(account, Attempt::SignIn, policy, now))
    }
}

/// Unlocks a locked account at the desk (R-DK-8): the citizen's identity checked and signed
/// by the officer, who is recorded. Not while suspended or revoked (R-DK-7).
pub fn unlock(
    account: &Account,
    identity: &IdentitySigned,
    at: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    ensure(identity.person() == account.person, || {
        Refusal::field("R-DK-8", "identity", "the identity checked is another person's")
    })?;
    ensure(!matches!(account.status, AccountStatus::Suspended | AccountStatus::Revoked), || {
        Refusal::new("R-DK-7", "a suspended or revoked eID is not unlocked")
    })?;
    ensure(account.locked, || Refusal::state(&format!("account {}", account.id), "not locked", "unlock"))?;
    Ok(vec![AccountEvent::Unlocked { account: account.id, officer: identity.officer(), at }])
}

/// Suspends the passcode (the account) (R-DK-7): reversible.
pub fn suspend(
    account: &Account,
    request: &StopRequest,
    at: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    let requester = request.requester.check()?;
    ensure(matches!(account.status, AccountStatus::AwaitingActivation | AccountStatus::Active), || {
        Refusal::state(&format!("account {}", account.id), account.status, "suspend")
    })?;
    Ok(vec![AccountEvent::Suspended {
        account: account.id,
        reason: request.reason,
        requester,
        officer: request.officer,
        at,
    }])
}

/// Lifts a suspension at the citizen's (or guardian's) request (R-DK-7).
pub fn reactivate(
    account: &Account,
    requester: Requester,
    officer: PersonId,
    at: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    let requester = requester.check_lift()?;
    ensure(account.status == AccountStatus::Suspended, || {
        Refusal::state(&format!("account {}", account.id), account.status, "reactivate")
    })?;
    Ok(vec![AccountEvent::Reactivated { account: account.id, requester, officer, at }])
}

/// Revokes the account for good (R-DK-7).
pub fn revoke(
    account: &Account,
    request: &StopRequest,
    at: OffsetDateTime,
) -> Result<Vec<AccountEvent>, Refusal> {
    let requester = request.requester.check()?;
    ensure(account.status != AccountStatus::Revoked, || {
        Refusal::state(&format!("account {}", account.id), account.status, "revoke")
    })?;
    Ok(vec![AccountEvent::Revoked {
        account: account.id,
        reason: request.reason,
        requester,
        officer: request.officer,
        at,
    }])
}

/// Remembers that the citizen wants large-print key cards (R-DK-2).
pub fn remember_large_print(account: &Account, on: Date) -> Result<Vec<AccountEvent>, Refusal> {
    ensure(account.status != AccountStatus::Revoked, || {
        Refusal::state(&format!("account {}", account.id), account.status, "remember_large_print")
    })?;
    if account.large_print {
        return Ok(Vec::new());
    }
    Ok(vec![AccountEvent::LargePrintRemembered { account: account.id, on }])
}
