//! In-person issuance of a Danish eID (R-DK-1, R-IDP-3..6, R-DK-2, R-DK-3, R-DK-8; 001
//! §1-§2): the rules handed over and accepted, the identity proofed with the Danish document
//! rules ([`proof_dk`]), the CPR number entered and the document types recorded, a second
//! officer's approval at NSIS high, then the account opened and the registered envelopes
//! handed over (or the key card mailed).
//!
//! # Lifecycle
//!
//! ```text
//! start ─► RulesAccepted ─check_identity─► IdentityChecked ─────────────issue─► Issued
//!               │                 │ (approval needed: high)                ▲
//!               │                 └─► AwaitingApproval ─approve─► Approved ┘
//!               │ proofing rejected (R-IDP-5)     │ rejected
//!               ▼                                 ▼
//!            Rejected                          Rejected
//! cancel: RulesAccepted, IdentityChecked, AwaitingApproval, Approved ─► Cancelled
//! ```
//!
//! Issued, Rejected and Cancelled are final.
//!
//! # Nothing before the signed identity check (R-DK-1)
//!
//! [`issue`] is the only hand-over, and it works only in `IdentityChecked` (when the policy
//! needs no approval for the level) or `Approved`: it takes the officer's signed check from
//! [`Registration::identity_signed`], which exists only in those states, and the
//! authenticator routine hands nothing over without it.
//!
//! # Choices the SPEC left open
//!
//! - A registration is always in person (R-DK-1); NSIS high also needs a photo document
//!   (R-DK-8) and, by the policy's `approvals.dk_high`, a second officer holding the DK RA
//!   administrator role; `approvals.dk_substantial` can ask the same for substantial.
//! - E-mail and mobile are checked (R-PER-1) but stay with the person record: no event and
//!   no registration state holds them.
//! - Without photo ID (R-IDP-4) the key card (and any code token) is mailed, and so is a
//!   blind citizen's medium (001 §2.6); the temporary passcode letter is handed over at the
//!   desk, as 001 §1.4 only requires the key card to be sent.
//! - A blind citizen (R-DK-3) gets the passcode on a medium or by SMS, never as a letter, and
//!   gives a key-delivery phone number (test call when possible).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::id::{NationalId, PersonIdKind};
use crate::ra::approval::{self, Approval, ApprovalRule, Decision, OfficerRoles, RejectReason, Verdict};
use crate::ra::dk::account::{Account, AccountEvent, AccountStatus, BlindSupport};
use crate::ra::dk::authenticator::{self, AuthEvent, AuthKind, Authenticator, HandOver};
use crate::ra::dk::{AccountId, AuthenticatorId, IdentitySigned, Nsis, RegistrationId};
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::person::{check_email, check_mobile};
use crate::ra::policy::Policy;
use crate::ra::proofing::{
    proof_dk, Delivery, DkDocument, DkProofing, DkSituation, ProofingEvent, ProofingMethod, RejectionReason,
};
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// Where a registration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// The rules were handed over (or read aloud) and accepted.
    RulesAccepted,
    /// The officer checked the identity and signed.
    IdentityChecked,
    /// Waiting for the second officer (R-DK-8).
    AwaitingApproval,
    /// The second officer approved.
    Approved,
    /// The account is opened and the authenticators handed over or mailed (final).
    Issued,
    /// The applicant was turned away (R-IDP-5) or the approval rejected (final).
    Rejected,
    /// Cancelled before issue (final).
    Cancelled,
}

impl RegistrationStatus {
    /// Every status.
    pub const ALL: [RegistrationStatus; 7] = [
        RegistrationStatus::RulesAccepted,
        RegistrationStatus::IdentityChecked,
        RegistrationStatus::AwaitingApproval,
        RegistrationStatus::Approved,
        RegistrationStatus::Issued,
        RegistrationStatus::Rejected,
        RegistrationStatus::Cancelled,
    ];

    /// Whether nothing leaves this state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RegistrationStatus::Issued | RegistrationStatus::Rejected | RegistrationStatus::Cancelled
        )
    }
}

/// The officer's identity check, as recorded (R-DK-1: document types, never numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    /// The officer who checked and signed.
    pub officer: PersonId,
    /// How the identity was proofed.
    pub method: ProofingMethod,
    /// The types of the documents presented.
    pub documents: Vec<DkDocument>,
    /// Whether name and CPR were matched by a CPR lookup.
    pub cpr_lookup: bool,
    /// Ordinary, protected or homeless (R-IDP-6).
    pub situation: DkSituation,
    /// Where the key card may go (R-IDP-4).
    pub delivery: Delivery,
    /// The NSIS level registered (R-DK-8).
    pub assurance: Nsis,
    /// When.
    pub on: Date,
}

/// Why a registration was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Rejection {
    /// The documents failed the proofing (R-IDP-5).
    Proofing {
        /// The rule.
        rule: String,
        /// Why.
        reason: RejectionReason,
    },
    /// The second officer rejected (R-DK-8).
    Approver {
        /// The approver.
        approver: PersonId,
        /// Why.
        reason: RejectReason,
    },
}

/// An in-person registration (R-DK-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Its id.
    pub id: RegistrationId,
    /// The citizen.
    pub person: PersonId,
    /// The RA office.
    pub office: OrgId,
    /// Where it is.
    pub status: RegistrationStatus,
    /// The officer who started it.
    pub started_by: PersonId,
    /// When.
    pub started_on: Date,
    /// The rules were read aloud (R-DK-3).
    pub read_aloud: bool,
    /// The blind citizens' routine (R-DK-3).
    pub blind: bool,
    /// The identity check.
    pub checked: Option<Checked>,
    /// The second officer's approval (R-DK-8).
    pub approval: Option<Approval>,
    /// Why it was rejected.
    pub rejection: Option<Rejection>,
    /// The account opened.
    pub account: Option<AccountId>,
    /// The authenticators issued.
    pub issued: Vec<AuthenticatorId>,
    /// When it ended (issued, rejected or cancelled).
    pub ended_on: Option<Date>,
}

impl Registration {
    /// The officer's signed identity check, only in `IdentityChecked` and `Approved`: what
    /// handing anything over needs (R-DK-1).
    pub fn identity_signed(&self) -> Option<IdentitySigned> {
        let checked = self.checked.as_ref()?;
        matches!(self.status, RegistrationStatus::IdentityChecked | RegistrationStatus::Approved).then(|| {
            IdentitySigned::new(self.person, checked.officer, checked.method, checked.delivery, checked.on)
        })
    }

    /// Whether the person is protected (R-IDP-6, R-PER-3).
    pub fn protected(&self) -> bool {
        self.checked.as_ref().is_some_and(|c| c.situation == DkSituation::Protected)
    }

    /// Applies an event; events about other registrations are ignored.
    pub fn apply(&mut self, event: &RegEvent) {
        if event.registration() != self.id {
            return;
        }
        match event {
            RegEvent::RulesAccepted { .. } => self.status = RegistrationStatus::RulesAccepted,
            RegEvent::IdentityChecked {
                officer,
                method,
                documents,
                cpr_lookup,
                situation,
                delivery,
                assurance,
                on,
                ..
            } => {
                self.status = RegistrationStatus::IdentityChecked;
                self.checked = Some(Checked {
                    officer: *officer,
                    method: *method,
                    documents: documents.clone(),
                    cpr_lookup: *cpr_lookup,
                    situation: *situation,
                    delivery: *delivery,
                    assurance: *assurance,
                    on: *on,
                });
            }
            RegEvent::ApprovalRequested { requested_by, at, .. } => {
                self.status = RegistrationStatus::AwaitingApproval;
                self.approval = Some(Approval::requested(*requested_by, *at));
            }
            RegEvent::Approved { by, at, .. } => {
                self.status = RegistrationStatus::Approved;
                if let Some(a) = &mut self.approval {
                    a.decision = Decision::Approved { by: *by, at: *at };
                }
            }
            RegEvent::ApprovalRejected { by, reason, at, .. } => {
                self.status = RegistrationStatus::Rejected;
                if let Some(a) = &mut self.approval {
                    a.decision = Decision::Rejected { by: *by, at: *at, reason: *reason };
                }
                self.rejection = Some(Rejection::Approver { approver: *by, reason: *reason });
                self.ended_on = Some(at.date());
            }
            RegEvent::Rejected { rule, reason, on, .. } => {
                self.status = RegistrationStatus::Rejected;
                self.rejection = Some(Rejection::Proofing { rule: rule.to_string(), reason: *reason });
                self.ended_on = Some(*on);
            }
            RegEvent::Issued { account, items, on, .. } => {
                self.status = RegistrationStatus::Issued;
                self.account = Some(*account);
                self.issued = items.iter().map(|i| i.authenticator).collect();
                self.ended_on = Some(*on);
            }
            RegEvent::Cancelled { on, .. } => {
                self.status = RegistrationStatus::Cancelled;
                self.ended_on = Some(*on);
            }
        }
    }
}

/// One authenticator issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedItem {
    /// The authenticator.
    pub authenticator: AuthenticatorId,
    /// Its kind.
    pub kind: AuthKind,
    /// Its registered serial (envelope) number.
    pub serial: Option<String>,
    /// How it reached the citizen.
    pub hand_over: HandOver,
}

/// What the registration routine decided. Ids, kinds, codes, serial numbers and dates: no
/// name, address, e-mail, phone number, user id or document number (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RegEvent {
    /// The rules were handed over (or read aloud) and accepted (R-DK-1, R-DK-3).
    RulesAccepted {
        /// The registration.
        registration: RegistrationId,
        /// The citizen.
        person: PersonId,
        /// The RA office.
        office: OrgId,
        /// The officer.
        officer: PersonId,
        /// Read aloud (R-DK-3).
        read_aloud: bool,
        /// The blind citizens' routine (R-DK-3).
        blind: bool,
        /// When.
        on: Date,
    },
    /// The officer checked the identity and signed (R-DK-1, R-IDP-3, R-IDP-4, R-IDP-6).
    IdentityChecked {
        /// The registration.
        registration: RegistrationId,
        /// The citizen.
        person: PersonId,
        /// The officer.
        officer: PersonId,
        /// How.
        method: ProofingMethod,
        /// The document types presented.
        documents: Vec<DkDocument>,
        /// Whether name and CPR were matched by a CPR lookup.
        cpr_lookup: bool,
        /// Ordinary, protected or homeless.
        situation: DkSituation,
        /// Where the key card may go (R-IDP-4).
        delivery: Delivery,
        /// The NSIS level (R-DK-8).
        assurance: Nsis,
        /// When.
        on: Date,
    },
    /// A second officer's approval is needed (R-DK-8).
    ApprovalRequested {
        /// The registration.
        registration: RegistrationId,
        /// The officer who checked.
        requested_by: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// The second officer approved (R-DK-8).
    Approved {
        /// The registration.
        registration: RegistrationId,
        /// The approver.
        by: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// The second officer rejected: nothing is issued (R-DK-8).
    ApprovalRejected {
        /// The registration.
        registration: RegistrationId,
        /// The approver.
        by: PersonId,
        /// Why.
        reason: RejectReason,
        /// When.
        at: OffsetDateTime,
    },
    /// The applicant was turned away: nothing is issued (R-IDP-5).
    Rejected {
        /// The registration.
        registration: RegistrationId,
        /// The citizen.
        person: PersonId,
        /// The rule the documents failed.
        rule: &'static str,
        /// Why.
        reason: RejectionReason,
        /// When.
        on: Date,
    },
    /// The account was opened and the authenticators handed over or mailed; the officer
    /// signed (R-DK-1).
    Issued {
        /// The registration.
        registration: RegistrationId,
        /// The citizen.
        person: PersonId,
        /// The account.
        account: AccountId,
        /// The NSIS level (R-DK-8).
        assurance: Nsis,
        /// The officer.
        officer: PersonId,
        /// What was issued.
        items: Vec<IssuedItem>,
        /// When.
        on: Date,
    },
    /// Cancelled before issue.
    Cancelled {
        /// The registration.
        registration: RegistrationId,
        /// The officer.
        officer: PersonId,
        /// When.
        on: Date,
    },
}

routine_events!(RegEvent {
    RulesAccepted => "dk.registration.rules_accepted",
    IdentityChecked => "dk.registration.identity_checked",
    ApprovalRequested => "dk.registration.approval_requested",
    Approved => "dk.registration.approved",
    ApprovalRejected => "dk.registration.approval_rejected",
    Rejected => "dk.registration.rejected",
    Issued => "dk.registration.issued",
    Cancelled => "dk.registration.cancelled",
});

impl RegEvent {
    /// The registration the event is about.
    pub fn registration(&self) -> RegistrationId {
        match self {
            RegEvent::RulesAccepted { registration, .. }
            | RegEvent::IdentityChecked { registration, .. }
            | RegEvent::ApprovalRequested { registration, .. }
            | RegEvent::Approved { registration, .. }
            | RegEvent::ApprovalRejected { registration, .. }
            | RegEvent::Rejected { registration, .. }
            | RegEvent::Issued { registration, .. }
            | RegEvent::Cancelled { registration, .. } => *registration,
        }
    }
}

fn expect(reg: &Registration, allowed: &[RegistrationStatus], command: &str) -> Result<(), Refusal> {
    ensure(allowed.contains(&reg.status), || {
        Refusal::state(&format!("registration {}", reg.id), reg.status, command)
    })
}

// ---- the rules (R-DK-1, R-DK-3) ----------------------------------------------------------

/// Start a registration: the rules are handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// The new registration's id.
    pub id: RegistrationId,
    /// The citizen.
    pub person: PersonId,
    /// The RA office.
    pub office: OrgId,
    /// The officer.
    pub officer: PersonId,
    /// The citizen said they read (or heard) and accept the rules.
    pub rules_accepted: bool,
    /// The rules were read aloud on request (R-DK-3).
    pub read_aloud: bool,
    /// The blind citizens' routine (R-DK-3).
    pub blind: bool,
    /// Today.
    pub on: Date,
}

/// Starts a registration (R-DK-1): nothing begins until the citizen has accepted the rules,
/// read aloud on request (R-DK-3).
pub fn start(cmd: Start) -> Result<(Registration, Vec<RegEvent>), Refusal> {
    ensure(cmd.rules_accepted, || {
        Refusal::field(
            "R-DK-1",
            "rules_accepted",
            "the citizen must accept the rules before the issue begins",
        )
    })?;
    let registration = Registration {
        id: cmd.id,
        person: cmd.person,
        office: cmd.office,
        status: RegistrationStatus::RulesAccepted,
        started_by: cmd.officer,
        started_on: cmd.on,
        read_aloud: cmd.read_aloud,
        blind: cmd.blind,
        checked: None,
        approval: None,
        rejection: None,
        account: None,
        issued: Vec::new(),
        ended_on: None,
    };
    let event = RegEvent::RulesAccepted {
        registration: cmd.id,
        person: cmd.person,
        office: cmd.office,
        officer: cmd.officer,
        read_aloud: cmd.read_aloud,
        blind: cmd.blind,
        on: cmd.on,
    };
    Ok((registration, vec![event]))
}

// ---- the identity check (R-DK-1, R-IDP-3..6, R-DK-8) --------------------------------------

/// The officer's identity check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIdentity {
    /// The officer, who signs the check.
    pub officer: PersonId,
    /// The CPR number entered (the person's national id).
    pub national_id: NationalId,
    /// The documents presented and what the officer saw.
    pub proofing: DkProofing,
    /// The NSIS level to register (R-DK-8).
    pub assurance: Nsis,
    /// E-mail, optional (kept with the person, not here).
    pub email: Option<String>,
    /// Mobile, optional (kept with the person, not here).
    pub mobile: Option<String>,
    /// Now.
    pub at: OffsetDateTime,
}

/// Checks the citizen's identity (R-DK-1): a Danish CPR number, the documents by the Danish
/// rules ([`proof_dk`]: R-IDP-3..6), e-mail and mobile well-formed when given. A proofing
/// that rejects the applicant makes the registration `Rejected` (R-IDP-5): nothing is ever
/// issued. NSIS high needs a photo document (R-DK-8); when the policy requires an approval
/// for the level, the registration awaits the second officer.
pub fn check_identity(
    reg: &Registration,
    cmd: CheckIdentity,
    policy: &Policy,
) -> Result<Vec<RegEvent>, Refusal> {
    expect(reg, &[RegistrationStatus::RulesAccepted], "check_identity")?;
    ensure(cmd.national_id.kind() == PersonIdKind::Cpr, || {
        Refusal::field("R-DK-1", "national_id", "enter the citizen's Danish CPR number")
    })?;
    ensure(cmd.proofing.person == reg.person, || {
        Refusal::field("R-IDP-3", "proofing.person", "the documents were checked for another person")
    })?;
    if let Some(email) = &cmd.email {
        check_email("email", email)?;
    }
    if let Some(mobile) = &cmd.mobile {
        check_mobile("mobile", mobile)?;
    }
    let on = cmd.at.date();
    let (method, cpr_lookup, delivery) = match proof_dk(&cmd.proofing, policy, on)?.into_iter().next() {
        Some(ProofingEvent::Accepted { method, cpr_lookup, delivery, .. }) => {
            (method, cpr_lookup.unwrap_or(false), delivery)
        }
        Some(ProofingEvent::Rejected { rule, reason, .. }) => {
            return Ok(vec![RegEvent::Rejected {
                registration: reg.id,
                person: reg.person,
                rule,
                reason,
                on,
            }]);
        }
        None => return Err(Refusal::new("R-IDP-5", "the identity check gave no outcome")),
    };
    ensure(cmd.assurance != Nsis::High || method == ProofingMethod::DkPhotoDocument, || {
        Refusal::field("R-DK-8", "assurance", "NSIS high needs a photo document shown in person")
    })?;
    let mut events = vec![RegEvent::IdentityChecked {
        registration: reg.id,
        person: reg.person,
        officer: cmd.officer,
        method,
        documents: cmd.proofing.documents.iter().map(|d| d.kind).collect(),
        cpr_lookup,
        situation: cmd.proofing.situation,
        delivery,
        assurance: cmd.assurance,
        on,
    }];
    if ApprovalRule::for_dk(&policy.approvals, cmd.assurance).is_some() {
        events.push(RegEvent::ApprovalRequested {
            registration: reg.id,
            requested_by: cmd.officer,
            at: cmd.at,
        });
    }
    Ok(events)
}

// ---- the second officer (R-DK-8) ----------------------------------------------------------

/// The second officer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approve {
    /// The approver with the roles they hold on the office.
    pub approver: OfficerRoles,
    /// Approve or reject.
    pub verdict: Verdict,
    /// Now.
    pub at: OffsetDateTime,
}

/// The second officer approves or rejects (R-DK-8, [`approval::decide`]): another officer
/// than the one who checked, holding the DK RA administrator role. A rejection rejects the
/// registration for good.
pub fn approve(reg: &Registration, cmd: Approve, policy: &Policy) -> Result<Vec<RegEvent>, Refusal> {
    expect(reg, &[RegistrationStatus::AwaitingApproval], "approve")?;
    let pending = reg
        .approval
        .as_ref()
        .ok_or_else(|| Refusal::state(&format!("registration {}", reg.id), "without approval", "approve"))?;
    let level = reg.checked.as_ref().map_or(Nsis::High, |c| c.assurance);
    let rule = ApprovalRule::for_dk(&policy.approvals, level).unwrap_or(ApprovalRule::DK_REGISTRATION);
    let decided = approval::decide(pending, &rule, &cmd.approver, reg.protected(), cmd.verdict, cmd.at)?;
    Ok(vec![match decided.decision {
        Decision::Approved { by, at } => RegEvent::Approved { registration: reg.id, by, at },
        Decision::Rejected { by, at, reason } => {
            RegEvent::ApprovalRejected { registration: reg.id, by, reason, at }
        }
        Decision::Pending => return Err(Refusal::state("the approval", decided.decision, "approve")),
    }])
}

// ---- the hand-over (R-DK-1, R-DK-2, R-DK-3, R-IDP-4, R-RES-4, R-DK-8) ----------------------

/// An authenticator enrolled at the desk (not from stock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAuthenticator {
    /// Its new id.
    pub id: AuthenticatorId,
    /// Passkey, activation code or SMS PIN.
    pub kind: AuthKind,
}

/// Issue: open the account, hand over (or mail) the registered envelopes, enrol the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The officer, who signs the registration.
    pub officer: PersonId,
    /// The new account's id.
    pub account: AccountId,
    /// The citizen's user id (kept on the account, never in an event).
    pub user_id: String,
    /// The envelopes taken from the safe, by their registered numbers: key card, passcode
    /// letter, medium, code display, audio code reader.
    pub envelopes: Vec<AuthenticatorId>,
    /// Authenticators enrolled at the desk: passkey, activation code, SMS PIN.
    pub enrol: Vec<NewAuthenticator>,
    /// How the key card (and any code token) goes: handed out or mailed.
    pub key_card_delivery: HandOver,
    /// The citizen asks for large-print key cards (R-DK-2).
    pub large_print: bool,
    /// Support for a blind citizen (R-DK-3): required in the blind citizens' routine.
    pub blind: Option<BlindSupport>,
    /// A mobile number is on file (for an SMS PIN).
    pub mobile_on_file: bool,
    /// Now.
    pub at: OffsetDateTime,
}

/// What an issue changes: the registration, the new account and the authenticators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuance {
    /// The registration's events.
    pub events: Vec<RegEvent>,
    /// The new account.
    pub account: Account,
    /// Its events.
    pub account_events: Vec<AccountEvent>,
    /// The authenticators enrolled at the desk (new records).
    pub enrolled: Vec<Authenticator>,
    /// The events of every authenticator issued (envelopes and enrolled).
    pub authenticator_events: Vec<AuthEvent>,
}

fn not_before_check(reg: &Registration, policy: &Policy) -> Result<IdentitySigned, Refusal> {
    let refusal = match reg.status {
        RegistrationStatus::RulesAccepted => Refusal::new(
            "R-DK-1",
            "the identity check is not done and signed: nothing is handed over before it",
        ),
        RegistrationStatus::AwaitingApproval => {
            Refusal::new("R-DK-8", "the second officer has not approved the registration")
        }
        RegistrationStatus::IdentityChecked | RegistrationStatus::Approved => {
            let level = reg.checked.as_ref().map_or(Nsis::High, |c| c.assurance);
            let needs_approval = ApprovalRule::for_dk(&policy.approvals, level).is_some();
            if reg.status == RegistrationStatus::IdentityChecked && needs_approval {
                Refusal::new("R-DK-8", "this level needs a second officer's approval")
            } else {
                return reg.identity_signed().ok_or_else(|| {
                    Refusal::state(&format!("registration {}", reg.id), "without identity check", "issue")
                });
            }
        }
        RegistrationStatus::Issued | RegistrationStatus::Rejected | RegistrationStatus::Cancelled => {
            Refusal::state(&format!("registration {}", reg.id), reg.status, "issue")
        }
    };
    Err(refusal)
}

/// Issues the eID (R-DK-1): only after the signed identity check (and the approval the level
/// needs: R-DK-8). Opens the citizen's account (one per person: an existing account that is
/// not revoked is refused) and hands over or mails the registered envelopes from this office's
/// stock (R-RES-4: in stock, never a discarded one) and enrols the rest, as the office's policy
/// allows (`dk_authenticators`; a blind citizen's items always, R-DK-3). Exactly one way of
/// giving the temporary passcode and at least one second factor. A large-print request, or
/// one remembered from an earlier account, takes large-print key cards (R-DK-2). Without photo
/// ID the key card is mailed, never handed out (R-IDP-4).
pub fn issue(
    reg: &Registration,
    existing: Option<&Account>,
    stock: &[Authenticator],
    cmd: Issue,
    policy: &Policy,
) -> Result<Issuance, Refusal> {
    let identity = not_before_check(reg, policy)?;
    let checked = reg.checked.as_ref().ok_or_else(|| {
        Refusal::state(&format!("registration {}", reg.id), "without identity check", "issue")
    })?;
    if let Some(account) = existing {
        ensure(account.person == reg.person, || {
            Refusal::field("R-DK-1", "account", "the account is another person's")
        })?;
        ensure(account.id != cmd.account, || {
            Refusal::field("R-DK-1", "account", "the new account needs a new id, not the revoked account's")
        })?;
        ensure(account.status == AccountStatus::Revoked, || {
            Refusal::field(
                "R-DK-1",
                "account",
                "the citizen has an eID already: use extra key cards (R-DK-5) or a new temporary passcode (R-DK-6)",
            )
        })?;
    }
    ensure(!reg.blind || cmd.blind.is_some(), || {
        Refusal::field("R-DK-3", "blind", "register the phone number keys are delivered to")
    })?;
    let blind = reg.blind || cmd.blind.is_some();
    let large_print = cmd.large_print || existing.is_some_and(|a| a.large_print);
    ensure(matches!(cmd.key_card_delivery, HandOver::HandOut | HandOver::Mail), || {
        Refusal::field("R-DK-1", "key_card_delivery", "a key card is handed out or mailed")
    })?;
    ensure(
        !(checked.delivery == Delivery::MailToRegisterAddress && cmd.key_card_delivery == HandOver::HandOut),
        || {
            Refusal::field(
            "R-IDP-4",
            "key_card_delivery",
            "without photo ID the key card is mailed to the population-register address, never handed out",
        )
        },
    )?;

    // The envelopes from this office's stock (R-RES-4).
    let mut ids: Vec<AuthenticatorId> =
        cmd.envelopes.iter().copied().chain(cmd.enrol.iter().map(|n| n.id)).collect();
    ids.sort();
    ids.dedup();
    ensure(ids.len() == cmd.envelopes.len() + cmd.enrol.len(), || {
        Refusal::field("R-DK-1", "envelopes", "an authenticator is given twice")
    })?;
    let mut envelopes = Vec::with_capacity(cmd.envelopes.len());
    for id in &cmd.envelopes {
        let envelope = stock.iter().find(|a| a.id == *id && a.office == reg.office).ok_or_else(|| {
            Refusal::field("R-RES-4", "envelopes", format!("{id} is not in this office's stock"))
        })?;
        envelopes.push(envelope);
    }
    let kinds: Vec<AuthKind> =
        envelopes.iter().map(|e| e.kind).chain(cmd.enrol.iter().map(|n| n.kind)).collect();
    for (field, kind) in
        envelopes.iter().map(|e| ("envelopes", e.kind)).chain(cmd.enrol.iter().map(|n| ("enrol", n.kind)))
    {
        ensure(policy.dk_authenticators.contains(&kind) || (blind && kind.for_blind()), || {
            Refusal::field("R-DK-8", field, format!("this office does not enrol the kind {}", kind.as_str()))
        })?;
        ensure(!(blind && kind == AuthKind::PasscodeLetter), || {
            Refusal::field("R-DK-3", field, "a blind citizen gets the passcode on a medium or by SMS")
        })?;
        ensure(kind != AuthKind::SmsPin || cmd.mobile_on_file || cmd.blind.is_some(), || {
            Refusal::field("R-DK-1", "mobile_on_file", "an SMS PIN needs the citizen's mobile number")
        })?;
    }
    ensure(kinds.iter().filter(|k| k.carries_passcode()).count() == 1, || {
        Refusal::field(
            "R-DK-1",
            "envelopes",
            "give exactly one temporary passcode (letter, medium, SMS or activation code)",
        )
    })?;
    ensure(kinds.iter().any(|k| k.is_second_factor()), || {
        Refusal::field("R-DK-1", "envelopes", "give a key card or another second factor")
    })?;
    ensure(
        envelopes.iter().filter(|e| e.kind == AuthKind::KeyCard).all(|e| e.large_print == large_print),
        || {
            Refusal::field(
                "R-DK-2",
                "envelopes",
                if large_print {
                    "the citizen has large-print key cards: take a large-print card"
                } else {
                    "a large-print key card is given on request: set large_print"
                },
            )
        },
    )?;

    // The account, then the hand-over, both signed by the officer.
    let (account, account_events) = Account::open(
        cmd.account,
        reg.person,
        cmd.user_id,
        checked.assurance,
        large_print,
        cmd.blind,
        cmd.at.date(),
    )?;
    let mut items = Vec::new();
    let mut authenticator_events = Vec::new();
    for envelope in envelopes {
        let hand_over = match envelope.kind {
            k if k.is_physical_second_factor() => cmd.key_card_delivery,
            AuthKind::Medium if checked.delivery == Delivery::MailToRegisterAddress => HandOver::Mail,
            _ => HandOver::HandOut,
        };
        authenticator_events.extend(authenticator::assign(
            envelope,
            &identity,
            account.id,
            hand_over,
            cmd.officer,
            cmd.at,
        )?);
        items.push(IssuedItem {
            authenticator: envelope.id,
            kind: envelope.kind,
            serial: envelope.serial.clone(),
            hand_over,
        });
    }
    let mut enrolled = Vec::new();
    for new in &cmd.enrol {
        let (record, events) =
            authenticator::enrol(new.id, new.kind, &identity, account.id, reg.office, cmd.officer, cmd.at)?;
        let hand_over = if new.kind == AuthKind::SmsPin { HandOver::Sms } else { HandOver::HandOut };
        items.push(IssuedItem { authenticator: new.id, kind: new.kind, serial: None, hand_over });
        authenticator_events.extend(events);
        enrolled.push(record);
    }
    Ok(Issuance {
        events: vec![RegEvent::Issued {
            registration: reg.id,
            person: reg.person,
            account: account.id,
            assurance: checked.assurance,
            officer: cmd.officer,
            items,
            on: cmd.at.date(),
        }],
        account,
        account_events,
        enrolled,
        authenticator_events,
    })
}

/// Cancels a registration before issue.
pub fn cancel(reg: &Registration, officer: PersonId, on: Date) -> Result<Vec<RegEvent>, Refusal> {
    ensure(!reg.status.is_final(), || {
        Refusal::state(&format!("registration {}", reg.id), reg.status, "cancel")
    })?;
    Ok(vec![RegEvent::Cancelled { registration: reg.id, officer, on }])
}
