//! Authenticators (R-DK-8, R-DK-2, R-DK-3, R-RES-4): the key cards, temporary passcode
//! letters and media in the office's stock, the code displays and audio code readers, and
//! the authenticators enrolled at the desk (passkey, paper activation code, SMS PIN).
//!
//! # Lifecycle
//!
//! ```text
//! Ordered ─receive─► InStock ─assign─► HandedOut ─┬─activate─► Active ─suspend─► Suspended
//!                       │        └───► Mailed ────┘              ▲                 │
//!                    discard  (R-IDP-4: a key card               └──reactivate─────┘
//!                       ▼      is mailed, never handed out)
//!                   Discarded (R-RES-4)     block: any state but Blocked/Discarded ─► Blocked
//! enrol (passkey, activation code, SMS PIN) ─► HandedOut
//! ```
//!
//! `Blocked` and `Discarded` are final. Handing over ([`assign`], [`enrol`]) needs an
//! [`IdentitySigned`]: nothing reaches a citizen before an officer checked and signed their
//! identity (R-DK-1).
//!
//! A paper activation code (R-DK-8) is valid `dk_activation_code_hours` (48) from its issue
//! and blocked after `dk_activation_code_tries` (3) wrong tries: [`use_activation_code`]
//! takes whether the code was right (the caller compares it; the code never comes here).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::ra::dk::revocation::{Requester, RequesterKind, StopRequest};
use crate::ra::dk::{AccountId, AuthenticatorId, IdentitySigned, StockBoxId};
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::policy::Policy;
use crate::ra::proofing::Delivery;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

use super::revocation::DkReason;

/// The kinds of authenticator (R-DK-1, R-DK-3, R-DK-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// A key card (nøglekort): numbered one-time codes.
    KeyCard,
    /// A temporary passcode letter (midlertidigt adgangskodebrev).
    PasscodeLetter,
    /// A CD-ROM or USB stick with the temporary passcode, for blind citizens (R-DK-3).
    Medium,
    /// A code display (kodeviser).
    CodeDisplay,
    /// An audio code reader, for blind citizens (R-DK-3, R-DK-8).
    AudioCodeReader,
    /// A passkey (chip or app authenticator enrolled at the desk).
    Passkey,
    /// A paper activation code (R-DK-8: 48 hours, 3 tries).
    ActivationCode,
    /// A temporary passcode or code sent by SMS (R-DK-1, R-DK-3).
    SmsPin,
}

impl AuthKind {
    /// Every kind.
    pub const ALL: [AuthKind; 8] = [
        AuthKind::KeyCard,
        AuthKind::PasscodeLetter,
        AuthKind::Medium,
        AuthKind::CodeDisplay,
        AuthKind::AudioCodeReader,
        AuthKind::Passkey,
        AuthKind::ActivationCode,
        AuthKind::SmsPin,
    ];

    /// The text form, as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::KeyCard => "key_card",
            AuthKind::PasscodeLetter => "passcode_letter",
            AuthKind::Medium => "medium",
            AuthKind::CodeDisplay => "code_display",
            AuthKind::AudioCodeReader => "audio_code_reader",
            AuthKind::Passkey => "passkey",
            AuthKind::ActivationCode => "activation_code",
            AuthKind::SmsPin => "sms_pin",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<AuthKind> {
        AuthKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether it comes as a registered envelope or item from the office's stock
    /// (R-RES-4); the others are enrolled at the desk ([`enrol`]).
    pub fn from_stock(self) -> bool {
        matches!(
            self,
            AuthKind::KeyCard
                | AuthKind::PasscodeLetter
                | AuthKind::Medium
                | AuthKind::CodeDisplay
                | AuthKind::AudioCodeReader
        )
    }

    /// Whether it gives the citizen the temporary passcode (R-DK-1, R-DK-3, R-DK-8).
    pub fn carries_passcode(self) -> bool {
        matches!(
            self,
            AuthKind::PasscodeLetter | AuthKind::Medium | AuthKind::ActivationCode | AuthKind::SmsPin
        )
    }

    /// Whether it is a second factor (codes, a chip or an app).
    pub fn is_second_factor(self) -> bool {
        matches!(
            self,
            AuthKind::KeyCard | AuthKind::CodeDisplay | AuthKind::AudioCodeReader | AuthKind::Passkey
        )
    }

    /// Whether it is a physical second factor, which R-IDP-4 sends to the register address.
    pub fn is_physical_second_factor(self) -> bool {
        matches!(self, AuthKind::KeyCard | AuthKind::CodeDisplay | AuthKind::AudioCodeReader)
    }

    /// Whether blind citizens get it whatever the office's policy lists (R-DK-3).
    pub fn for_blind(self) -> bool {
        matches!(self, AuthKind::Medium | AuthKind::SmsPin | AuthKind::AudioCodeReader)
    }
}

/// Where an authenticator is (R-DK-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthStatus {
    /// Ordered for the office from the issuer.
    Ordered,
    /// In the office's locked stock.
    InStock,
    /// Handed over to the citizen at the desk (or enrolled there).
    HandedOut,
    /// Mailed to the citizen (R-IDP-4).
    Mailed,
    /// In use.
    Active,
    /// Suspended: may be reactivated (R-DK-7, R-DK-8).
    Suspended,
    /// Blocked for good (R-DK-7, R-DK-8).
    Blocked,
    /// Its envelope was opened or damaged: never handed out (R-RES-4).
    Discarded,
}

impl AuthStatus {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStatus::Ordered => "ordered",
            AuthStatus::InStock => "in_stock",
            AuthStatus::HandedOut => "handed_out",
            AuthStatus::Mailed => "mailed",
            AuthStatus::Active => "active",
            AuthStatus::Suspended => "suspended",
            AuthStatus::Blocked => "blocked",
            AuthStatus::Discarded => "discarded",
        }
    }

    /// Whether nothing leaves this state.
    pub fn is_final(self) -> bool {
        matches!(self, AuthStatus::Blocked | AuthStatus::Discarded)
    }
}

/// How an authenticator reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandOver {
    /// Handed over at the desk.
    HandOut,
    /// Mailed (to the register address under R-IDP-4, or the address the citizen gave).
    Mail,
    /// Sent by SMS (an SMS PIN only).
    Sms,
}

/// What is wrong with an envelope in stock (R-RES-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeMark {
    /// It shows signs of opening.
    Opened,
    /// It is damaged.
    Damaged,
}

/// An authenticator, or an envelope in stock (R-DK-8, R-RES-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticator {
    /// Its id.
    pub id: AuthenticatorId,
    /// Its kind.
    pub kind: AuthKind,
    /// The serial (envelope) number registered for it, for stock items.
    pub serial: Option<String>,
    /// Where it is.
    pub status: AuthStatus,
    /// The citizen it was given to.
    pub holder: Option<PersonId>,
    /// The citizen's account.
    pub account: Option<AccountId>,
    /// The RA office that holds (or held) it.
    pub office: OrgId,
    /// A large-print key card (R-DK-2).
    pub large_print: bool,
    /// The box it came in.
    pub stock_box: Option<StockBoxId>,
    /// When it was handed over, mailed or enrolled (the activation code's 48 hours run
    /// from here).
    pub issued_at: Option<OffsetDateTime>,
    /// Wrong tries of an activation code.
    pub wrong_tries: u32,
    /// When an activation code was used.
    pub used_at: Option<OffsetDateTime>,
    /// The state a suspension returns to.
    pub before_suspension: Option<AuthStatus>,
    /// Why it is suspended or blocked, when on request.
    pub stop_reason: Option<DkReason>,
    /// Why its envelope was discarded.
    pub discarded: Option<EnvelopeMark>,
    /// Codes of a key card used so far: the next sign-in asks for position `codes_used + 1`,
    /// and a card whose codes are all used asks for none (one-time codes, never reused).
    #[serde(default)]
    pub codes_used: u32,
    /// The last time step of a code token's code accepted: a code is never accepted twice,
    /// nor one older than it (RFC 6238 §5.2).
    #[serde(default)]
    pub last_code_step: Option<u64>,
}

impl Authenticator {
    fn new(
        id: AuthenticatorId,
        kind: AuthKind,
        serial: Option<String>,
        office: OrgId,
        status: AuthStatus,
    ) -> Self {
        Authenticator {
            id,
            kind,
            serial,
            status,
            holder: None,
            account: None,
            office,
            large_print: false,
            stock_box: None,
            issued_at: None,
            wrong_tries: 0,
            used_at: None,
            before_suspension: None,
            stop_reason: None,
            discarded: None,
            codes_used: 0,
            last_code_step: None,
        }
    }

    /// An item ordered for `office` from the issuer (not yet received).
    pub fn ordered(
        id: AuthenticatorId,
        kind: AuthKind,
        serial: Option<String>,
        office: OrgId,
        large_print: bool,
    ) -> Authenticator {
        Authenticator { large_print, ..Authenticator::new(id, kind, serial, office, AuthStatus::Ordered) }
    }

    /// An envelope registered into `office`'s stock from a box (R-RES-4).
    pub fn stocked(
        id: AuthenticatorId,
        kind: AuthKind,
        serial: String,
        office: OrgId,
        large_print: bool,
        stock_box: Option<StockBoxId>,
    ) -> Authenticator {
        Authenticator {
            large_print,
            stock_box,
            ..Authenticator::new(id, kind, Some(serial), office, AuthStatus::InStock)
        }
    }

    /// The end of an activation code's validity: `dk_activation_code_hours` after its issue.
    pub fn activation_code_valid_until(&self, policy: &Policy) -> Option<OffsetDateTime> {
        let issued = self.issued_at.filter(|_| self.kind == AuthKind::ActivationCode)?;
        Some(
            issued.checked_add(Duration::hours(i64::from(policy.dk_activation_code_hours))).unwrap_or(issued),
        )
    }

    /// Applies an event; events about other authenticators are ignored.
    pub fn apply(&mut self, event: &AuthEvent) {
        if event.authenticator() != self.id {
            return;
        }
        match event {
            AuthEvent::Received { .. } => self.status = AuthStatus::InStock,
            AuthEvent::HandedOut { person, account, at, .. }
            | AuthEvent::Mailed { person, account, at, .. } => {
                self.status = if matches!(event, AuthEvent::Mailed { .. }) {
                    AuthStatus::Mailed
                } else {
                    AuthStatus::HandedOut
                };
                self.holder = Some(*person);
                self.account = Some(*account);
                self.issued_at = Some(*at);
            }
            AuthEvent::Enrolled { person, account, at, .. } => {
                self.status = AuthStatus::HandedOut;
                self.holder = Some(*person);
                self.account = Some(*account);
                self.issued_at = Some(*at);
            }
            AuthEvent::Activated { .. } => self.status = AuthStatus::Active,
            AuthEvent::Suspended { reason, .. } => {
                self.before_suspension = Some(self.status);
                self.status = AuthStatus::Suspended;
                self.stop_reason = Some(*reason);
            }
            AuthEvent::Reactivated { .. } => {
                self.status = self.before_suspension.take().unwrap_or(AuthStatus::Active);
                self.stop_reason = None;
            }
            AuthEvent::Blocked { reason, .. } => {
                self.status = AuthStatus::Blocked;
                self.stop_reason = Some(*reason);
            }
            AuthEvent::Discarded { mark, .. } => {
                self.status = AuthStatus::Discarded;
                self.discarded = Some(*mark);
            }
            AuthEvent::ActivationCodeUsed { at, .. } => {
                self.status = AuthStatus::Active;
                self.used_at = Some(*at);
            }
            AuthEvent::ActivationCodeWrongTry { tries, .. } => self.wrong_tries = *tries,
            AuthEvent::ActivationCodeBlocked { .. } | AuthEvent::ActivationCodeExpired { .. } => {
                self.status = AuthStatus::Blocked
            }
        }
    }
}

/// What the authenticator routine decided. Ids, kinds, serial numbers, reason codes and
/// times; never a code or passcode (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuthEvent {
    /// An ordered item arrived in the office's stock.
    Received {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// When.
        on: Date,
    },
    /// Handed over at the desk, after the signed identity check (R-DK-1).
    HandedOut {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// Its kind.
        kind: AuthKind,
        /// Its registered serial (envelope) number.
        serial: Option<String>,
        /// The citizen.
        person: PersonId,
        /// The citizen's account.
        account: AccountId,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Mailed to the citizen (R-IDP-4).
    Mailed {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// Its kind.
        kind: AuthKind,
        /// Its registered serial (envelope) number.
        serial: Option<String>,
        /// The citizen.
        person: PersonId,
        /// The citizen's account.
        account: AccountId,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Enrolled at the desk (passkey, activation code, SMS PIN) (R-DK-8).
    Enrolled {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// Its kind.
        kind: AuthKind,
        /// The citizen.
        person: PersonId,
        /// The citizen's account.
        account: AccountId,
        /// How it reached the citizen.
        hand_over: HandOver,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Activated by the citizen.
    Activated {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// When.
        at: OffsetDateTime,
    },
    /// Suspended (R-DK-7, R-DK-8).
    Suspended {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// Why.
        reason: DkReason,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Reactivated after a suspension (R-DK-8).
    Reactivated {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Blocked for good (R-DK-7, R-DK-8).
    Blocked {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// Why.
        reason: DkReason,
        /// Who asked.
        requester: RequesterKind,
        /// The officer.
        officer: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Its envelope was opened or damaged: never handed out (R-RES-4).
    Discarded {
        /// The authenticator.
        authenticator: AuthenticatorId,
        /// What is wrong with it.
        mark: EnvelopeMark,
        /// The officer.
        officer: PersonId,
        /// When.
        on: Date,
    },
    /// A paper activation code was used (R-DK-8).
    ActivationCodeUsed {
        /// The activation code.
        authenticator: AuthenticatorId,
        /// When.
        at: OffsetDateTime,
    },
    /// A wrong activation code was entered (R-DK-8).
    ActivationCodeWrongTry {
        /// The activation code.
        authenticator: AuthenticatorId,
        /// Wrong tries so far.
        tries: u32,
        /// When.
        at: OffsetDateTime,
    },
    /// The activation code is blocked after the last wrong try allowed (R-DK-8).
    ActivationCodeBlocked {
        /// The activation code.
        authenticator: AuthenticatorId,
        /// Wrong tries.
        tries: u32,
        /// When.
        at: OffsetDateTime,
    },
    /// The activation code was used after its validity: it is blocked (R-DK-8).
    ActivationCodeExpired {
        /// The activation code.
        authenticator: AuthenticatorId,
        /// When.
        at: OffsetDateTime,
    },
}

routine_events!(AuthEvent {
    Received => "dk.authenticator.received",
    HandedOut => "dk.authenticator.handed_out",
    Mailed => "dk.authenticator.mailed",
    Enrolled => "dk.authenticator.enrolled",
    Activated => "dk.authenticator.activated",
    Suspended => "dk.authenticator.suspended",
    Reactivated => "dk.authenticator.reactivated",
    Blocked => "dk.authenticator.blocked",
    Discarded => "dk.authenticator.discarded",
    ActivationCodeUsed => "dk.authenticator.activation_code_used",
    ActivationCodeWrongTry => "dk.authenticator.activation_code_wrong_try",
    ActivationCodeBlocked => "dk.authenticator.activation_code_blocked",
    ActivationCodeExpired => "dk.authenticator.activation_code_expired",
});

impl AuthEvent {
    /// The authenticator the event is about.
    pub fn authenticator(&self) -> AuthenticatorId {
        match self {
            AuthEvent::Received { authenticator, .. }
            | AuthEvent::HandedOut { authenticator, .. }
            | AuthEvent::Mailed { authenticator, .. }
            | AuthEvent::Enrolled { authenticator, .. }
            | AuthEvent::Activated { authenticator, .. }
            | AuthEvent::Suspended { authenticator, .. }
            | AuthEvent::Reactivated { authenticator, .. }
            | AuthEvent::Blocked { authenticator, .. }
            | AuthEvent::Discarded { authenticator, .. }
            | AuthEvent::ActivationCodeUsed { authenticator, .. }
            | AuthEvent::ActivationCodeWrongTry { authenticator, .. }
            | AuthEvent::ActivationCodeBlocked { authenticator, .. }
            | AuthEvent::ActivationCodeExpired { authenticator, .. } => *authenticator,
        }
    }
}

fn expect(a: &Authenticator, allowed: &[AuthStatus], command: &str) -> Result<(), Refusal> {
    ensure(allowed.contains(&a.status), || {
        Refusal::state(&format!("authenticator {}", a.id), a.status, command)
    })
}

/// Receives an ordered item into the office's stock.
pub fn receive(a: &Authenticator, on: Date) -> Result<Vec<AuthEvent>, Refusal> {
    expect(a, &[AuthStatus::Ordered], "receive")?;
    Ok(vec![AuthEvent::Received { authenticator: a.id, on }])
}

/// Assigns an item from stock to the citizen whose identity was checked and signed
/// (`identity`, R-DK-1): handed over at the desk or mailed. Only from stock; never a
/// discarded envelope (R-RES-4); a key card or code token of a citizen proofed without photo
/// ID is mailed, never handed out (R-IDP-4).
pub fn assign(
    a: &Authenticator,
    identity: &IdentitySigned,
    account: AccountId,
    hand_over: HandOver,
    officer: PersonId,
    at: OffsetDateTime,
) -> Result<Vec<AuthEvent>, Refusal> {
    ensure(a.status != AuthStatus::Discarded, || {
        Refusal::field(
            "R-RES-4",
            "authenticator",
            format!(
                "envelope {} was opened or damaged: it must never be used",
                a.serial.as_deref().unwrap_or("")
            ),
        )
    })?;
    expect(a, &[AuthStatus::InStock], "assign")?;
    ensure(a.kind.from_stock(), || {
        Refusal::field("R-DK-8", "authenticator", "this kind is enrolled at the desk, not taken from stock")
    })?;
    ensure(hand_over != HandOver::Sms, || {
        Refusal::field("R-DK-1", "hand_over", "only an SMS PIN is sent by SMS")
    })?;
    ensure(
        !(identity.delivery() == Delivery::MailToRegisterAddress
            && hand_over == HandOver::HandOut
            && a.kind.is_physical_second_factor()),
        || {
            Refusal::field(
                "R-IDP-4",
                "hand_over",
                "without photo ID the key card is mailed to the population-register address, never handed out",
            )
        },
    )?;
    let (authenticator, kind, serial, person) = (a.id, a.kind, a.serial.clone(), identity.person());
    Ok(vec![match hand_over {
        HandOver::Mail => AuthEvent::Mailed { authenticator, kind, serial, person, account, officer, at },
        HandOver::HandOut | HandOver::Sms => {
            AuthEvent::HandedOut { authenticator, kind, serial, person, account, officer, at }
        }
    }])
}

/// Enrols, at the desk, an authenticator that does not come from stock (R-DK-8): a passkey,
/// a paper activation code (handed over) or an SMS PIN (sent by SMS), for the citizen whose
/// identity was checked and signed (R-DK-1). Returns the new record and its event.
pub fn enrol(
    id: AuthenticatorId,
    kind: AuthKind,
    identity: &IdentitySigned,
    account: AccountId,
    office: OrgId,
    officer: PersonId,
    at: OffsetDateTime,
) -> Result<(Authenticator, Vec<AuthEvent>), Refusal> {
    ensure(!kind.from_stock(), || {
        Refusal::field(
            "R-RES-4",
            "kind",
            format!("a {} is taken from stock by its registered number", kind.as_str()),
        )
    })?;
    let hand_over = if kind == AuthKind::SmsPin { HandOver::Sms } else { HandOver::HandOut };
    let event = AuthEvent::Enrolled {
        authenticator: id,
        kind,
        person: identity.person(),
        account,
        hand_over,
        officer,
        at,
    };
    let mut record = Authenticator::new(id, kind, None, office, AuthStatus::HandedOut);
    record.apply(&event);
    Ok((record, vec![event]))
}

/// Activates a handed-out or mailed authenticator, by the citizen (R-DK-8). An activation
/// code is used with [`use_activation_code`] instead.
pub fn activate(a: &Authenticator, at: OffsetDateTime) -> Result<Vec<AuthEvent>, Refusal> {
    ensure(a.kind != AuthKind::ActivationCode, || {
        Refusal::field("R-DK-8", "kind", "an activation code is used, not activated")
    })?;
    expect(a, &[AuthStatus::HandedOut, AuthStatus::Mailed], "activate")?;
    Ok(vec![AuthEvent::Activated { authenticator: a.id, at }])
}

/// Suspends an authenticator the citizen has (R-DK-7, R-DK-8): reversible.
pub fn suspend(
    a: &Authenticator,
    request: &StopRequest,
    at: OffsetDateTime,
) -> Result<Vec<AuthEvent>, Refusal> {
    let requester = request.requester.check()?;
    expect(a, &[AuthStatus::HandedOut, AuthStatus::Mailed, AuthStatus::Active], "suspend")?;
    Ok(vec![AuthEvent::Suspended {
        authenticator: a.id,
        reason: request.reason,
        requester,
        officer: request.officer,
        at,
    }])
}

/// Lifts a suspension at the citizen's (or guardian's) request (R-DK-7, R-DK-8): back to
/// the state it was suspended in.
pub fn reactivate(
    a: &Authenticator,
    requester: Requester,
    officer: PersonId,
    at: OffsetDateTime,
) -> Result<Vec<AuthEvent>, Refusal> {
    let requester = requester.check_lift()?;
    expect(a, &[AuthStatus::Suspended], "reactivate")?;
    Ok(vec![AuthEvent::Reactivated { authenticator: a.id, requester, officer, at }])
}

/// Blocks an authenticator for good (R-DK-7, R-DK-8), from any state but the final ones.
pub fn block(
    a: &Authenticator,
    request: &StopRequest,
    at: OffsetDateTime,
) -> Result<Vec<AuthEvent>, Refusal> {
    let requester = request.requester.check()?;
    ensure(!a.status.is_final(), || Refusal::state(&format!("authenticator {}", a.id), a.status, "block"))?;
    Ok(vec![AuthEvent::Blocked {
        authenticator: a.id,
        reason: request.reason,
        requester,
        officer: request.officer,
        at,
    }])
}

/// Discards an envelope in stock that was opened or is damaged (R-RES-4): it can never be
/// handed out.
pub fn discard(
    a: &Authenticator,
    mark: EnvelopeMark,
    officer: PersonId,
    on: Date,
) -> Result<Vec<AuthEvent>, Refusal> {
    expect(a, &[AuthStatus::InStock], "discard")?;
    Ok(vec![AuthEvent::Discarded { authenticator: a.id, mark, officer, on }])
}

/// The citizen enters a paper activation code (R-DK-8); `verified` says whether it was the
/// right one (the caller compares; the code never comes here). Expired (`now` at or after
/// [`Authenticator::activation_code_valid_until`]) blocks it whatever was entered; right:
/// used; wrong: one more wrong try, and at `dk_activation_code_tries` it is blocked. A
/// blocked or used code is refused without counting.
pub fn use_activation_code(
    a: &Authenticator,
    now: OffsetDateTime,
    verified: bool,
    policy: &Policy,
) -> Result<Vec<AuthEvent>, Refusal> {
    ensure(a.kind == AuthKind::ActivationCode, || {
        Refusal::field("R-DK-8", "kind", format!("a {} is not an activation code", a.kind.as_str()))
    })?;
    ensure(a.status != AuthStatus::Blocked, || Refusal::new("R-DK-8", "the activation code is blocked"))?;
    ensure(a.used_at.is_none(), || Refusal::new("R-DK-8", "the activation code was used already"))?;
    expect(a, &[AuthStatus::HandedOut, AuthStatus::Mailed], "use_activation_code")?;
    let until = a.activation_code_valid_until(policy).ok_or_else(|| {
        Refusal::state(&format!("authenticator {}", a.id), "without issue time", "use_activation_code")
    })?;
    let authenticator = a.id;
    if now >= until {
        return Ok(vec![AuthEvent::ActivationCodeExpired { authenticator, at: now }]);
    }
    if verified {
        return Ok(vec![AuthEvent::ActivationCodeUsed { authenticator, at: now }]);
    }
    let tries = a.wrong_tries.saturating_add(1);
    let mut events = vec![AuthEvent::ActivationCodeWrongTry { authenticator, tries, at: now }];
    if tries >= policy.dk_activation_code_tries {
        events.push(AuthEvent::ActivationCodeBlocked { authenticator, tries, at: now });
    }
    Ok(events)
}
