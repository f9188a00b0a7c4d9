//! Revocation (R-REV-1..6): who may ask, how the asker was identified, the RFC 5280
//! reason, what a request covers (both certificates of every credential, R-CRED-1; every
//! credential on a deregistered card, R-REV-3), the next-day check that it took effect,
//! the police instruction for lost or stolen SIS cards, misuse notifications and retention.
//!
//! A request yields events; the server revokes at the CA and records each revocation with
//! [`credential::revoke`](crate::ra::credential::revoke).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::credential::{add_years, CardFacts, Credential, CredentialState, Serial};
use crate::ra::ids::{CardId, CredentialId, OrgId, PersonId, RevocationId};
use crate::ra::org::OrgTree;
use crate::ra::person::Person;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// Years a revocation request is kept (R-REV-6).
pub const RETENTION_YEARS: u32 = 10;

/// The RFC 5280 reason codes offered (R-REV-3). `certificateHold` is not offered: a
/// revocation here is final. The CA-side codes (cACompromise, privilegeWithdrawn,
/// aACompromise, removeFromCRL) are not an RA's to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1): the card or its PIN is lost, stolen or misused.
    KeyCompromise,
    /// affiliationChanged (3): the holder left or changed employment.
    AffiliationChanged,
    /// superseded (4): replaced by a new credential (R-CRED-3).
    Superseded,
    /// cessationOfOperation (5): no longer needed (card returned, deregistered).
    CessationOfOperation,
}

impl ReasonCode {
    /// Every offered reason.
    pub const OFFERED: [ReasonCode; 5] = [
        ReasonCode::Unspecified,
        ReasonCode::KeyCompromise,
        ReasonCode::AffiliationChanged,
        ReasonCode::Superseded,
        ReasonCode::CessationOfOperation,
    ];

    /// The CRLReason value (RFC 5280 §5.3.1).
    pub fn code(self) -> u8 {
        match self {
            ReasonCode::Unspecified => 0,
            ReasonCode::KeyCompromise => 1,
            ReasonCode::AffiliationChanged => 3,
            ReasonCode::Superseded => 4,
            ReasonCode::CessationOfOperation => 5,
        }
    }

    /// The RFC 5280 name (`keyCompromise`).
    pub fn rfc_name(self) -> &'static str {
        match self {
            ReasonCode::Unspecified => "unspecified",
            ReasonCode::KeyCompromise => "keyCompromise",
            ReasonCode::AffiliationChanged => "affiliationChanged",
            ReasonCode::Superseded => "superseded",
            ReasonCode::CessationOfOperation => "cessationOfOperation",
        }
    }

    /// The text form, as stored and in the API (`key_compromise`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::Unspecified => "unspecified",
            ReasonCode::KeyCompromise => "key_compromise",
            ReasonCode::AffiliationChanged => "affiliation_changed",
            ReasonCode::Superseded => "superseded",
            ReasonCode::CessationOfOperation => "cessation_of_operation",
        }
    }

    /// The reason for a CRLReason value; refuses the codes not offered (R-REV-3).
    pub fn from_code(code: u8) -> Result<ReasonCode, Refusal> {
        ReasonCode::OFFERED.into_iter().find(|r| r.code() == code).ok_or_else(|| {
            let why = match code {
                6 => "certificateHold is not offered: a revocation is final".to_string(),
                2 | 8 | 9 | 10 => format!("reason code {code} is not the RA's to give"),
                _ => format!("{code} is not an RFC 5280 reason code"),
            };
            Refusal::field("R-REV-3", "reason", why)
        })
    }

    /// Parses the text form or the RFC 5280 name; refuses anything else (R-REV-3).
    pub fn parse(text: &str) -> Result<ReasonCode, Refusal> {
        let text = text.trim();
        ReasonCode::OFFERED.into_iter().find(|r| r.as_str() == text || r.rfc_name() == text).ok_or_else(|| {
            Refusal::field(
                "R-REV-3",
                "reason",
                "not an offered reason (unspecified, key_compromise, affiliation_changed, superseded, cessation_of_operation)",
            )
        })
    }
}

/// Who asks for the revocation (R-REV-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// The holder.
    Holder,
    /// A manager, for the holder in the subtree `unit` where they hold the manager role.
    Manager {
        /// The root of the manager's scope (their grant's subtree).
        unit: OrgId,
    },
    /// The registration authority itself (an officer with the revoke right).
    Ra,
    /// Anyone else: refused and referred to the RA.
    Other,
}

/// How the simplified check was made (R-REV-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimplifiedCheck {
    /// Calling back a known number.
    CallBack,
    /// Control questions.
    ControlQuestions,
    /// Both.
    CallBackAndQuestions,
}

/// How the requester was identified (R-REV-2); recorded with the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Identification {
    /// In person with an ID document.
    InPerson {
        /// The document's kind and number, as a reference.
        document: String,
    },
    /// The officer knows the requester personally and vouches for them.
    PersonalKnowledge {
        /// The officer who vouches.
        officer: PersonId,
    },
    /// Signed in to the portal with their own eID (self-service, manager, officer).
    SignedIn,
    /// Only where misuse is feared: a simplified check.
    SimplifiedCheck {
        /// How.
        how: SimplifiedCheck,
    },
}

/// What happened to the card or credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Circumstance {
    /// Nothing special (left employment, card returned, superseded).
    Ordinary,
    /// The card was lost (R-REV-4).
    Lost,
    /// The card was stolen (R-REV-4).
    Stolen,
    /// Misuse is suspected or known (R-REV-5).
    Misuse {
        /// A serious case: the CA and the card supplier are told too.
        serious: bool,
        /// The person's rights (roles) are to be revoked as well.
        revoke_rights: bool,
    },
}

impl Circumstance {
    fn misuse_feared(self) -> bool {
        !matches!(self, Circumstance::Ordinary)
    }
}

/// What the request covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// Named credentials (each with both its certificates, R-CRED-1).
    Credentials {
        /// The credentials.
        ids: Vec<CredentialId>,
    },
    /// The card: it is deregistered and all its credentials revoked (R-REV-3).
    Card {
        /// The card.
        card: CardId,
    },
}

/// Who receives a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The manager of the holder's unit.
    UnitManager {
        /// The unit.
        unit: OrgId,
    },
    /// The registration authority.
    Ra,
    /// The security officer.
    SecurityOfficer,
    /// The certificate authority.
    Ca,
    /// The card supplier.
    CardSupplier,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Misuse of a card or credential (R-REV-5).
    Misuse,
}

/// A request to revoke (R-REV-1..6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRevocation {
    /// The request's id.
    pub id: RevocationId,
    /// Who asks.
    pub requester: Requester,
    /// The asking person, when known (required but for [`Requester::Other`]).
    pub requested_by: Option<PersonId>,
    /// How they were identified (R-REV-2).
    pub identification: Identification,
    /// Why (R-REV-3).
    pub reason: ReasonCode,
    /// Lost, stolen, misuse or nothing special.
    pub circumstance: Circumstance,
    /// What is revoked.
    pub target: Target,
}

/// A recorded revocation request, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Revocation {
    /// Its id.
    pub id: RevocationId,
    /// The holder.
    pub holder: PersonId,
    /// The day it was made.
    pub requested_on: Date,
    /// The credentials it covered.
    pub credentials: Vec<CredentialId>,
    /// When the next-day check ran (R-REV-3); `None` until it has.
    pub checked_on: Option<Date>,
    /// Kept until this day (R-REV-6).
    pub retain_until: Date,
}

impl Revocation {
    /// The request recorded by a [`RevocationEvent::Requested`], covering the credentials of
    /// the [`RevocationEvent::CredentialRevocationRequested`] events beside it.
    pub fn created(events: &[RevocationEvent]) -> Option<Revocation> {
        let (id, holder, on, retain_until) = events.iter().find_map(|e| match e {
            RevocationEvent::Requested { revocation, holder, on, retain_until, .. } => {
                Some((*revocation, *holder, *on, *retain_until))
            }
            _ => None,
        })?;
        let credentials = events
            .iter()
            .filter_map(|e| match e {
                RevocationEvent::CredentialRevocationRequested { revocation, credential, .. }
                    if *revocation == id =>
                {
                    Some(*credential)
                }
                _ => None,
            })
            .collect();
        Some(Revocation { id, holder, requested_on: on, credentials, checked_on: None, retain_until })
    }

    /// Applies an event; events about other requests are ignored.
    pub fn apply(&mut self, event: &RevocationEvent) {
        if let RevocationEvent::Checked { revocation, on, .. } = event {
            if *revocation == self.id {
                self.checked_on = Some(*on);
            }
        }
    }
}

/// What the revocation routine decided. Ids, codes, dates and references only (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RevocationEvent {
    /// A request was recorded (R-REV-1..3, R-REV-6).
    Requested {
        /// The request.
        revocation: RevocationId,
        /// The holder.
        holder: PersonId,
        /// Who asked.
        requester: Requester,
        /// The asking person, when known.
        requested_by: Option<PersonId>,
        /// How they were identified (R-REV-2).
        identification: Identification,
        /// Why (R-REV-3).
        reason: ReasonCode,
        /// The circumstance.
        circumstance: Circumstance,
        /// What it covers.
        target: Target,
        /// When.
        on: Date,
        /// Kept until (R-REV-6).
        retain_until: Date,
    },
    /// One credential, both certificates, is to be revoked at the CA (R-CRED-1).
    CredentialRevocationRequested {
        /// The request.
        revocation: RevocationId,
        /// The credential.
        credential: CredentialId,
        /// Its card.
        card: Option<CardId>,
        /// Every certificate serial of it; empty for an order basis not yet downloaded.
        serials: Vec<Serial>,
        /// Why.
        reason: ReasonCode,
    },
    /// The card is to be deregistered (R-REV-3).
    CardDeregistrationRequested {
        /// The request.
        revocation: RevocationId,
        /// The card.
        card: CardId,
        /// Why.
        reason: ReasonCode,
    },
    /// The holder was told to report the lost or stolen ID card to the police (R-REV-4).
    PoliceReportInstructed {
        /// The request.
        revocation: RevocationId,
        /// The SIS card.
        card: CardId,
    },
    /// Someone is to be notified (R-REV-5).
    NotificationRequested {
        /// The request.
        revocation: RevocationId,
        /// To whom.
        to: Recipient,
        /// About what.
        topic: Topic,
    },
    /// The holder's rights (roles) are to be revoked too (R-REV-5).
    RightsRevocationRequested {
        /// The request.
        revocation: RevocationId,
        /// The holder.
        person: PersonId,
    },
    /// The next-day check ran (R-REV-3); `not_revoked` lists what did not take effect.
    Checked {
        /// The request.
        revocation: RevocationId,
        /// When.
        on: Date,
        /// Credentials still not revoked: the officer revokes them by hand.
        not_revoked: Vec<CredentialId>,
    },
}

routine_events!(RevocationEvent {
    Requested => "revocation.requested",
    CredentialRevocationRequested => "revocation.credential_requested",
    CardDeregistrationRequested => "revocation.card_deregistration_requested",
    PoliceReportInstructed => "revocation.police_report_instructed",
    NotificationRequested => "revocation.notification_requested",
    RightsRevocationRequested => "revocation.rights_revocation_requested",
    Checked => "revocation.checked",
});

/// The units whose managers answer for `holder` on `day`: those of the employments in
/// force, else of the employment that ended last (a manager may still act for someone who
/// just left).
pub fn holder_units(holder: &Person, day: Date) -> Vec<OrgId> {
    let mut units: Vec<OrgId> = holder.active_employments(day).map(|e| e.org).collect();
    if units.is_empty() {
        if let Some(last) = holder.employments.iter().filter(|e| e.start <= day).max_by_key(|e| e.end) {
            units.push(last.org);
        }
    }
    units.sort();
    units.dedup();
    units
}

/// Checks who asks (R-REV-1): the holder; a manager whose scope covers one of the holder's
/// units; the RA. Anyone else is referred to the RA. Whether the asking person holds the
/// manager or revoke right is the server's authorisation (`Principal::authorise`).
pub fn check_requester(
    tree: &OrgTree,
    holder: &Person,
    requester: Requester,
    requested_by: Option<PersonId>,
    today: Date,
) -> Result<(), Refusal> {
    match requester {
        Requester::Other => Err(Refusal::field(
            "R-REV-1",
            "requester",
            "only the holder, the holder's manager or the RA may request revocation: refer the requester to the RA",
        )),
        Requester::Holder => ensure(requested_by == Some(holder.id), || {
            Refusal::field("R-REV-1", "requested_by", "the requester is not the holder")
        }),
        Requester::Manager { unit } => {
            ensure(requested_by.is_some_and(|p| p != holder.id), || {
                Refusal::field("R-REV-1", "requested_by", "name the manager asking (a holder asks as the holder)")
            })?;
            ensure(holder_units(holder, today).iter().any(|u| tree.within(*u, unit)), || {
                Refusal::field(
                    "R-REV-1",
                    "requester",
                    "a manager may request revocation only within their own unit: refer to the RA",
                )
            })
        }
        Requester::Ra => ensure(requested_by.is_some(), || {
            Refusal::field("R-REV-1", "requested_by", "the officer must be named")
        }),
    }
}

/// Checks the identification (R-REV-2): a document reference in person; a simplified check
/// only where misuse is feared (lost, stolen, misuse or key compromise).
pub fn check_identification(
    identification: &Identification,
    circumstance: Circumstance,
    reason: ReasonCode,
) -> Result<(), Refusal> {
    match identification {
        Identification::InPerson { document } => ensure(!document.trim().is_empty(), || {
            Refusal::field("R-REV-2", "identification.document", "record the ID document shown")
        }),
        Identification::SimplifiedCheck { .. } => {
            ensure(circumstance.misuse_feared() || reason == ReasonCode::KeyCompromise, || {
                Refusal::field(
                    "R-REV-2",
                    "identification",
                    "a simplified check is allowed only where misuse is feared; identify the requester in person",
                )
            })
        }
        Identification::PersonalKnowledge { .. } | Identification::SignedIn => Ok(()),
    }
}

/// Records a revocation request and what it covers (R-REV-1..6). `card` is the card when
/// the target is a card (or the card the lost or stolen credentials are on); `credentials`
/// are the holder's credentials (or those on the card).
///
/// Emits the request (with its retention date, R-REV-6), one
/// [`RevocationEvent::CredentialRevocationRequested`] per credential covered (both
/// certificates, R-CRED-1), the card's deregistration (R-REV-3), the police instruction for a
/// lost or stolen SIS card (R-REV-4) and, for misuse, the notifications (R-REV-5).
pub fn request_revocation(
    tree: &OrgTree,
    holder: &Person,
    card: Option<&CardFacts>,
    credentials: &[Credential],
    cmd: RequestRevocation,
    today: Date,
) -> Result<Vec<RevocationEvent>, Refusal> {
    check_requester(tree, holder, cmd.requester, cmd.requested_by, today)?;
    check_identification(&cmd.identification, cmd.circumstance, cmd.reason)?;
    let (covered, deregister): (Vec<&Credential>, Option<&CardFacts>) = match &cmd.target {
        Target::Credentials { ids } => {
            ensure(!ids.is_empty(), || Refusal::field("R-REV-3", "target", "name at least one credential"))?;
            ensure(!matches!(cmd.circumstance, Circumstance::Lost | Circumstance::Stolen), || {
                Refusal::field("R-REV-4", "target", "a lost or stolen card is deregistered: target the card")
            })?;
            let mut covered: Vec<&Credential> = Vec::new();
            for id in ids {
                let c =
                    credentials.iter().find(|c| c.id == *id && c.person == holder.id).ok_or_else(|| {
                        Refusal::field("R-REV-1", "target", format!("credential {id} is not the holder's"))
                    })?;
                ensure(revocable(c), || Refusal::state("credential", c.state.phase(), "revoke"))?;
                if !covered.iter().any(|k| k.id == c.id) {
                    covered.push(c);
                }
            }
            (covered, None)
        }
        Target::Card { card: id } => {
            let facts = card.filter(|c| c.id == *id).ok_or_else(|| {
                Refusal::field("R-REV-3", "target", "the card's facts are needed to deregister it")
            })?;
            ensure(facts.holder == Some(holder.id), || {
                Refusal::field("R-REV-1", "target", "the card is not the holder's")
            })?;
            (credentials.iter().filter(|c| c.card == Some(*id) && revocable(c)).collect(), Some(facts))
        }
    };
    let retain_until = retention_until(today)?;
    let mut events = vec![RevocationEvent::Requested {
        revocation: cmd.id,
        holder: holder.id,
        requester: cmd.requester,
        requested_by: cmd.requested_by,
        identification: cmd.identification,
        reason: cmd.reason,
        circumstance: cmd.circumstance,
        target: cmd.target,
        on: today,
        retain_until,
    }];
    events.extend(covered.iter().map(|c| credential_requested(cmd.id, c, cmd.reason)));
    if let Some(card) = deregister {
        events.push(RevocationEvent::CardDeregistrationRequested {
            revocation: cmd.id,
            card: card.id,
            reason: cmd.reason,
        });
        // R-REV-4: a SIS card is also an ID card in society; the police must know.
        if card.sis && matches!(cmd.circumstance, Circumstance::Lost | Circumstance::Stolen) {
            events.push(RevocationEvent::PoliceReportInstructed { revocation: cmd.id, card: card.id });
        }
    }
    if let Circumstance::Misuse { serious, revoke_rights } = cmd.circumstance {
        events.extend(misuse_notifications(cmd.id, holder, serious, today));
        if revoke_rights {
            events.push(RevocationEvent::RightsRevocationRequested { revocation: cmd.id, person: holder.id });
        }
    }
    Ok(events)
}

fn revocable(c: &Credential) -> bool {
    matches!(c.state, CredentialState::OrderBasis { .. } | CredentialState::Issued { .. })
}

fn credential_requested(revocation: RevocationId, c: &Credential, reason: ReasonCode) -> RevocationEvent {
    RevocationEvent::CredentialRevocationRequested {
        revocation,
        credential: c.id,
        card: c.card,
        serials: c.serials(),
        reason,
    }
}

/// The last day a request made on `day` is kept (R-REV-6: 10 years).
pub fn retention_until(day: Date) -> Result<Date, Refusal> {
    add_years(day, RETENTION_YEARS).ok_or_else(|| Refusal::field("R-REV-6", "on", "the date is out of range"))
}

/// The notifications for misuse (R-REV-5, 000 §8.5): the manager of each of the holder's
/// units, the RA and the security officer at once; in serious cases also the CA and the
/// card supplier.
pub fn misuse_notifications(
    revocation: RevocationId,
    holder: &Person,
    serious: bool,
    today: Date,
) -> Vec<RevocationEvent> {
    let mut to: Vec<Recipient> =
        holder_units(holder, today).into_iter().map(|unit| Recipient::UnitManager { unit }).collect();
    to.extend([Recipient::Ra, Recipient::SecurityOfficer]);
    if serious {
        to.extend([Recipient::Ca, Recipient::CardSupplier]);
    }
    to.into_iter()
        .map(|to| RevocationEvent::NotificationRequested { revocation, to, topic: Topic::Misuse })
        .collect()
}

/// The revocations a card's deregistration makes (R-REV-3): a request by the RA covering
/// every credential still on the card. The card routine's deregistration calls this so the
/// next-day check covers them too.
pub fn on_deregistration(
    id: RevocationId,
    card: &CardFacts,
    officer: PersonId,
    credentials: &[Credential],
    reason: ReasonCode,
    today: Date,
) -> Result<Vec<RevocationEvent>, Refusal> {
    let holder = card.holder.ok_or_else(|| {
        Refusal::field("R-REV-3", "card", "the card has no holder; there is nothing to revoke")
    })?;
    let mut events = vec![RevocationEvent::Requested {
        revocation: id,
        holder,
        requester: Requester::Ra,
        requested_by: Some(officer),
        identification: Identification::SignedIn,
        reason,
        circumstance: Circumstance::Ordinary,
        target: Target::Card { card: card.id },
        on: today,
        retain_until: retention_until(today)?,
    }];
    events.extend(
        credentials
            .iter()
            .filter(|c| c.card == Some(card.id) && revocable(c))
            .map(|c| credential_requested(id, c, reason)),
    );
    Ok(events)
}

/// The next-day verification job (R-REV-3, 000 §1.4): for every request made before today
/// and not checked yet, whether each covered credential is revoked (`revoked` asks the
/// store or the CA). Idempotent: a checked request is not checked again; what did not take
/// effect is listed in the [`RevocationEvent::Checked`] event for the officer to revoke by
/// hand.
pub fn next_day_check(
    requests: &[Revocation],
    today: Date,
    revoked: impl Fn(CredentialId) -> bool,
) -> Vec<RevocationEvent> {
    requests
        .iter()
        .filter(|r| r.checked_on.is_none() && r.requested_on < today)
        .map(|r| RevocationEvent::Checked {
            revocation: r.id,
            on: today,
            not_revoked: r.credentials.iter().copied().filter(|c| !revoked(*c)).collect(),
        })
        .collect()
}

/// The requests whose retention ended before `today` (R-REV-6): the store may delete them.
pub fn retention_expired(requests: &[Revocation], today: Date) -> Vec<RevocationId> {
    requests.iter().filter(|r| r.retain_until < today).map(|r| r.id).collect()
}
