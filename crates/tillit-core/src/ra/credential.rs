//! Credentials (R-CRED-1..7): the certificate pair on a card (e-tjänstelegitimation / HCC)
//! and function certificates, from the officer's order basis to the holder's self-service
//! download, revocation and expiry; the renewal notices and the officers' reports on
//! expiring credentials, name mismatches (R-PER-4) and limbo (R-PER-5).
//!
//! Certificates are issued by `tillit-pki` outside this module: [`issue`] records what the
//! CA issued, after [`must_revoke_first`] told the server which credentials to revoke first
//! (R-CRED-3).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::ra::ids::{CardId, CredentialId, OrgId, PersonId};
use crate::ra::org::OrgTree;
use crate::ra::person::{check_name, Person};
use crate::ra::policy::Policy;
use crate::ra::revocation::ReasonCode;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// What a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An authentication and a signing certificate on one card (R-CRED-1).
    CardPair,
    /// A function (system) certificate, not on a card (R-CRED-7).
    Function,
}

/// The identifier a credential's subject is based on (R-CRED-5: an upgraded card carries
/// one credential of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdBasis {
    /// The HSA-id (R-ID-5), which replaces the national id inside services.
    HsaId,
    /// The national id (personnummer).
    NationalId,
}

/// A certificate serial number: 1 to 20 octets as lowercase hex without separators
/// (RFC 5280 §4.1.2.2). Once parsed it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Serial(String);

impl From<Serial> for String {
    fn from(serial: Serial) -> String {
        serial.0
    }
}

impl TryFrom<String> for Serial {
    type Error = String;
    fn try_from(text: String) -> Result<Serial, String> {
        Serial::parse("serial", &text).map_err(|r| r.to_string())
    }
}

impl Serial {
    /// Parses a serial written as hex, with or without `:` separators, in either case.
    pub fn parse(field: &'static str, text: &str) -> Result<Serial, Refusal> {
        let hex: String = text.trim().chars().filter(|c| *c != ':').collect::<String>().to_ascii_lowercase();
        ensure(!hex.is_empty() && hex.len() <= 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()), || {
            Refusal::field("R-CRED-1", field, "is not a certificate serial number (1 to 20 octets in hex)")
        })?;
        ensure(hex.bytes().any(|b| b != b'0'), || {
            Refusal::field("R-CRED-1", field, "a certificate serial number is a positive number, not zero")
        })?;
        Ok(Serial(hex))
    }

    /// The normalised hex form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The certificates the CA issued for a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Certificates {
    /// Authentication and signing certificate of a card credential (R-CRED-1).
    Pair {
        /// The authentication certificate's serial.
        authentication: Serial,
        /// The signing certificate's serial.
        signing: Serial,
    },
    /// The single certificate of a function credential (R-CRED-7).
    Single {
        /// Its serial.
        serial: Serial,
    },
}

impl Certificates {
    /// Every serial, authentication first: a revocation covers all of them (R-CRED-1).
    pub fn serials(&self) -> Vec<Serial> {
        match self {
            Certificates::Pair { authentication, signing } => vec![authentication.clone(), signing.clone()],
            Certificates::Single { serial } => vec![serial.clone()],
        }
    }
}

/// The facts of a card the credential routine needs. The card routine owns cards; the
/// caller reads these from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFacts {
    /// The card.
    pub id: CardId,
    /// Its holder, once handed out.
    pub holder: Option<PersonId>,
    /// Whether it is a reserve card (R-CRED-2: shorter validity; R-CRED-4: signed receipt).
    pub kind_is_reserve: bool,
    /// Whether it is a SIS card, valid as photo ID in society (R-REV-4).
    pub sis: bool,
    /// The card's own last day of validity (R-CRED-2).
    pub valid_until: Date,
    /// Whether the card is in use (handed out, not deregistered).
    pub active: bool,
}

/// Where a credential is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CredentialState {
    /// Created by the officer; the holder may download it with the one-time code until
    /// `code_expires` (R-CRED-4).
    OrderBasis {
        /// The validity chosen at ordering (R-CRED-2).
        valid_until: Date,
        /// The last day the download code works.
        code_expires: Date,
    },
    /// The CA issued the certificates.
    Issued {
        /// The certificates.
        certificates: Certificates,
        /// Their last day of validity.
        not_after: Date,
        /// Whether the renewal notice was sent (R-CRED-6).
        renewal_notified: bool,
    },
    /// Revoked; an order basis revoked this way is void.
    Revoked {
        /// Why (R-REV-3).
        reason: ReasonCode,
        /// When.
        on: Date,
        /// The certificates it had, so the next-day check (R-REV-3) asks the CA about each;
        /// `None` for an order basis never downloaded.
        #[serde(default)]
        certificates: Option<Certificates>,
    },
    /// Past its validity, or an order basis never downloaded.
    Expired {
        /// When it was recorded.
        on: Date,
    },
}

/// The name of a [`CredentialState`], for refusals and lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialPhase {
    /// [`CredentialState::OrderBasis`].
    OrderBasis,
    /// [`CredentialState::Issued`].
    Issued,
    /// [`CredentialState::Revoked`].
    Revoked,
    /// [`CredentialState::Expired`].
    Expired,
}

impl CredentialState {
    /// The state's name.
    pub fn phase(&self) -> CredentialPhase {
        match self {
            CredentialState::OrderBasis { .. } => CredentialPhase::OrderBasis,
            CredentialState::Issued { .. } => CredentialPhase::Issued,
            CredentialState::Revoked { .. } => CredentialPhase::Revoked,
            CredentialState::Expired { .. } => CredentialPhase::Expired,
        }
    }
}

/// A credential.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credential {
    /// Its id.
    pub id: CredentialId,
    /// The holder; for a function certificate the person responsible for it.
    pub person: PersonId,
    /// The card it is on; `None` for a function certificate.
    pub card: Option<CardId>,
    /// Card pair or function certificate.
    pub kind: CredentialKind,
    /// The identifier its subject is based on.
    pub basis: IdBasis,
    /// Where it is in its life.
    pub state: CredentialState,
}

impl Credential {
    /// The credential created by a [`CredentialEvent::OrderBasisCreated`].
    pub fn created(event: &CredentialEvent) -> Option<Credential> {
        match event {
            CredentialEvent::OrderBasisCreated {
                credential,
                person,
                card,
                kind,
                basis,
                valid_until,
                code_expires,
                ..
            } => Some(Credential {
                id: *credential,
                person: *person,
                card: *card,
                kind: *kind,
                basis: *basis,
                state: CredentialState::OrderBasis { valid_until: *valid_until, code_expires: *code_expires },
            }),
            _ => None,
        }
    }

    /// Applies an event: the state every event leaves the credential in. Events about other
    /// credentials are ignored.
    pub fn apply(&mut self, event: &CredentialEvent) {
        match event {
            CredentialEvent::Issued { credential, certificates, not_after, .. } if *credential == self.id => {
                self.state = CredentialState::Issued {
                    certificates: certificates.clone(),
                    not_after: *not_after,
                    renewal_notified: false,
                };
            }
            CredentialEvent::Revoked { credential, reason, on, .. } if *credential == self.id => {
                let certificates = match &self.state {
                    CredentialState::Issued { certificates, .. } => Some(certificates.clone()),
                    _ => None,
                };
                self.state = CredentialState::Revoked { reason: *reason, on: *on, certificates };
            }
            CredentialEvent::Expired { credential, on } if *credential == self.id => {
                self.state = CredentialState::Expired { on: *on };
            }
            CredentialEvent::RenewalNoticeRequested { credential, .. } if *credential == self.id => {
                if let CredentialState::Issued { renewal_notified, .. } = &mut self.state {
                    *renewal_notified = true;
                }
            }
            _ => {}
        }
    }

    /// Whether it is issued and within its validity on `day`.
    pub fn is_valid_on(&self, day: Date) -> bool {
        matches!(self.state, CredentialState::Issued { not_after, .. } if day <= not_after)
    }

    /// Whether it is an order basis whose download code still works on `day`.
    pub fn is_open_order_on(&self, day: Date) -> bool {
        matches!(self.state, CredentialState::OrderBasis { code_expires, .. } if day <= code_expires)
    }

    /// Its last day of validity, once issued.
    pub fn not_after(&self) -> Option<Date> {
        match self.state {
            CredentialState::Issued { not_after, .. } => Some(not_after),
            _ => None,
        }
    }

    /// The serials of its certificates, once issued.
    pub fn serials(&self) -> Vec<Serial> {
        match &self.state {
            CredentialState::Issued { certificates, .. } => certificates.serials(),
            _ => Vec::new(),
        }
    }
}

/// What the credential routine decided. Ids, codes, dates and references only (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CredentialEvent {
    /// The officer created an order basis (R-CRED-4).
    OrderBasisCreated {
        /// The credential.
        credential: CredentialId,
        /// The holder (or responsible person).
        person: PersonId,
        /// The card; `None` for a function certificate.
        card: Option<CardId>,
        /// Card pair or function certificate.
        kind: CredentialKind,
        /// HSA-id or national id (R-CRED-5).
        basis: IdBasis,
        /// The validity chosen (R-CRED-2).
        valid_until: Date,
        /// The last day the download code works.
        code_expires: Date,
        /// The reference of the one-time download code (never the code itself).
        download_code_ref: String,
    },
    /// The CA issued the certificates and the holder downloaded them (R-CRED-4).
    Issued {
        /// The credential.
        credential: CredentialId,
        /// The holder.
        person: PersonId,
        /// The card.
        card: Option<CardId>,
        /// The certificates (R-CRED-1: both of a pair).
        certificates: Certificates,
        /// Their last day of validity.
        not_after: Date,
        /// When.
        on: Date,
    },
    /// Revoked (R-CRED-3 superseded, R-REV-3).
    Revoked {
        /// The credential.
        credential: CredentialId,
        /// The card.
        card: Option<CardId>,
        /// Every certificate of the credential (R-CRED-1); empty for an order basis.
        serials: Vec<Serial>,
        /// Why.
        reason: ReasonCode,
        /// When.
        on: Date,
    },
    /// The holder signed the receipt of a reserve-card credential electronically (R-CRED-4).
    ReceiptSigned {
        /// The credential.
        credential: CredentialId,
        /// The reserve card.
        card: CardId,
        /// The signed receipt's reference.
        receipt_ref: String,
        /// When.
        on: Date,
    },
    /// Past its validity, or an order basis not downloaded in time.
    Expired {
        /// The credential.
        credential: CredentialId,
        /// When recorded.
        on: Date,
    },
    /// The holder is to be e-mailed that the credential expires soon (R-CRED-6).
    RenewalNoticeRequested {
        /// The credential.
        credential: CredentialId,
        /// The holder.
        person: PersonId,
        /// Its last day of validity.
        not_after: Date,
    },
    /// A name mismatch was resolved with one of the options (R-PER-4).
    NameMismatchResolved {
        /// The credential whose certificate name differs.
        credential: CredentialId,
        /// The holder.
        person: PersonId,
        /// The option chosen.
        resolution: NameMismatchOption,
    },
    /// The card is to be deregistered and a new card ordered (R-PER-4, card name wrong).
    CardReplacementRequested {
        /// The holder.
        person: PersonId,
        /// The card with the wrong name.
        card: CardId,
        /// The credential that showed it.
        credential: CredentialId,
    },
}

routine_events!(CredentialEvent {
    OrderBasisCreated => "credential.order_basis_created",
    Issued => "credential.issued",
    Revoked => "credential.revoked",
    ReceiptSigned => "credential.receipt_signed",
    Expired => "credential.expired",
    RenewalNoticeRequested => "credential.renewal_notice_requested",
    NameMismatchResolved => "credential.name_mismatch_resolved",
    CardReplacementRequested => "credential.card_replacement_requested",
});

/// `date` plus `years` calendar years; 29 February becomes 28 February in a common year.
pub(crate) fn add_years(date: Date, years: u32) -> Option<Date> {
    let year = date.year().checked_add(i32::try_from(years).ok()?)?;
    Date::from_calendar_date(year, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(year, date.month(), date.day().saturating_sub(1)))
        .ok()
}

/// `date` plus `days` days.
pub(crate) fn add_days(date: Date, days: u32) -> Option<Date> {
    date.checked_add(Duration::days(i64::from(days)))
}

fn out_of_range(rule: &'static str, field: &'static str) -> Refusal {
    Refusal::field(rule, field, "the date is out of range")
}

/// The last day a new credential on `card` may be valid (R-CRED-2): the earliest of the end
/// of the employment or assignment in force today, today plus the policy's maximum years,
/// the card's own validity and, on a reserve card, today plus the reserve maximum in days.
/// Refuses when there is no employment today or that day is not after today.
pub fn validity_end(
    person: &Person,
    card: &CardFacts,
    policy: &Policy,
    today: Date,
) -> Result<Date, Refusal> {
    let employment = person.employment_end(today).ok_or_else(|| {
        Refusal::field("R-CRED-2", "employments", "no employment or assignment in force today")
    })?;
    let mut end = add_years(today, policy.credential_max_years)
        .ok_or_else(|| out_of_range("R-CRED-2", "credential_max_years"))?;
    if let Some(last) = employment {
        end = end.min(last);
    }
    end = end.min(card.valid_until);
    if card.kind_is_reserve {
        let reserve = add_days(today, policy.reserve_credential_max_days)
            .ok_or_else(|| out_of_range("R-CRED-2", "reserve_credential_max_days"))?;
        end = end.min(reserve);
    }
    ensure(end > today, || {
        Refusal::new(
            "R-CRED-2",
            format!(
                "a credential would end on {end}, not after today: the employment or the card ends too soon"
            ),
        )
    })?;
    Ok(end)
}

/// What a credential order is made against: the holder, the card and what is on it.
#[derive(Debug, Clone, Copy)]
pub struct CardContext<'a> {
    /// The organisation tree (R-PER-2).
    pub tree: &'a OrgTree,
    /// The holder.
    pub person: &'a Person,
    /// The card.
    pub card: &'a CardFacts,
    /// Every credential on the card, in any state.
    pub existing: &'a [Credential],
    /// The organisation's policy.
    pub policy: &'a Policy,
    /// Today.
    pub today: Date,
}

/// The officer's order of a credential for an existing card (R-CRED-4, 000 §3.1, §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCredential {
    /// The new credential's id.
    pub id: CredentialId,
    /// The organisation ordering it (R-PER-2: the employment must be in it or its group).
    pub org: OrgId,
    /// HSA-id or national id (R-CRED-5).
    pub basis: IdBasis,
    /// The validity the officer chose; `None` takes the longest allowed (R-CRED-2).
    pub valid_until: Option<Date>,
    /// The reference of the one-time download code the server made.
    pub download_code_ref: String,
    /// The last day the download code works.
    pub code_expires: Date,
}

fn check_code(cmd_ref: &str, code_expires: Date, today: Date) -> Result<(), Refusal> {
    ensure(!cmd_ref.trim().is_empty(), || {
        Refusal::field("R-CRED-4", "download_code_ref", "the one-time download code is missing")
    })?;
    ensure(code_expires >= today, || {
        Refusal::field("R-CRED-4", "code_expires", "the download code would already have expired")
    })
}

fn chosen_validity(chosen: Option<Date>, end: Date, today: Date) -> Result<Date, Refusal> {
    let valid_until = chosen.unwrap_or(end);
    ensure(valid_until > today, || {
        Refusal::field("R-CRED-2", "valid_until", "the validity must end after today")
    })?;
    ensure(valid_until <= end, || {
        Refusal::field(
            "R-CRED-2",
            "valid_until",
            format!("at most {end}: the employment, the card or the maximum validity ends then"),
        )
    })?;
    Ok(valid_until)
}

/// Creates an order basis for a credential on the holder's card (R-CRED-4). The holder's
/// record must be secured (R-PER-2), the card theirs and in use, and no other order basis
/// of the same basis open on it (R-CRED-5: one credential per basis); the validity follows
/// [`validity_end`] (R-CRED-2).
pub fn order_basis(ctx: &CardContext<'_>, cmd: OrderCredential) -> Result<Vec<CredentialEvent>, Refusal> {
    let CardContext { tree, person, card, existing, policy, today } = *ctx;
    person.secured(tree, cmd.org, today)?;
    ensure(card.holder == Some(person.id), || {
        Refusal::field(
            "R-CRED-1",
            "card",
            "the card is not this person's card (a reserve card is reused only by its holder)",
        )
    })?;
    ensure(card.active, || {
        Refusal::field("R-CRED-4", "card", "the card is not in use; order credentials for a card handed out")
    })?;
    ensure(
        !existing.iter().any(|c| {
            c.id != cmd.id && c.card == Some(card.id) && c.basis == cmd.basis && c.is_open_order_on(today)
        }),
        || {
            Refusal::field(
                "R-CRED-5",
                "basis",
                "the card already has an open order basis on this basis; revoke it or let the holder download it",
            )
        },
    )?;
    ensure(!existing.iter().any(|c| c.id == cmd.id), || {
        Refusal::field("R-CRED-4", "id", "a credential with this id exists")
    })?;
    check_code(&cmd.download_code_ref, cmd.code_expires, today)?;
    let end = validity_end(person, card, policy, today)?;
    let valid_until = chosen_validity(cmd.valid_until, end, today)?;
    Ok(vec![CredentialEvent::OrderBasisCreated {
        credential: cmd.id,
        person: person.id,
        card: Some(card.id),
        kind: CredentialKind::CardPair,
        basis: cmd.basis,
        valid_until,
        code_expires: cmd.code_expires,
        download_code_ref: cmd.download_code_ref,
    }])
}

/// The officer's order of a function (system) certificate (R-CRED-7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFunction {
    /// The new credential's id.
    pub id: CredentialId,
    /// The organisation the function belongs to (R-PER-2 for the responsible person).
    pub org: OrgId,
    /// The validity chosen; `None` takes the maximum (R-CRED-2).
    pub valid_until: Option<Date>,
    /// The reference of the one-time download code.
    pub download_code_ref: String,
    /// The last day the download code works.
    pub code_expires: Date,
}

/// Creates an order basis for a function certificate (R-CRED-7), with `responsible` (a
/// secured person, R-PER-2) answering for it. It is on no card and based on an HSA-id; its
/// validity is at most the policy's maximum (R-CRED-2).
pub fn order_function(
    tree: &OrgTree,
    responsible: &Person,
    cmd: OrderFunction,
    policy: &Policy,
    today: Date,
) -> Result<Vec<CredentialEvent>, Refusal> {
    responsible.secured(tree, cmd.org, today)?;
    check_code(&cmd.download_code_ref, cmd.code_expires, today)?;
    let end = add_years(today, policy.credential_max_years)
        .ok_or_else(|| out_of_range("R-CRED-2", "credential_max_years"))?;
    let valid_until = chosen_validity(cmd.valid_until, end, today)?;
    Ok(vec![CredentialEvent::OrderBasisCreated {
        credential: cmd.id,
        person: responsible.id,
        card: None,
        kind: CredentialKind::Function,
        basis: IdBasis::HsaId,
        valid_until,
        code_expires: cmd.code_expires,
        download_code_ref: cmd.download_code_ref,
    }])
}

/// The credentials to revoke before the CA issues `order` (R-CRED-3): the valid ones on the
/// same card with the same basis. A card carries one credential per basis (R-CRED-5), so an
/// HSA-id credential does not supersede the national-id one beside it.
pub fn must_revoke_first(order: &Credential, existing: &[Credential]) -> Vec<CredentialId> {
    if order.card.is_none() {
        return Vec::new();
    }
    existing
        .iter()
        .filter(|c| {
            c.id != order.id
                && c.card == order.card
                && c.basis == order.basis
                && matches!(c.state, CredentialState::Issued { .. })
        })
        .map(|c| c.id)
        .collect()
}

/// What the CA issued for an order basis, recorded at the holder's download (R-CRED-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The person logged in to self-service (with their eID, or the reserve card).
    pub by: PersonId,
    /// The certificates issued.
    pub certificates: Certificates,
    /// Their last day of validity.
    pub not_after: Date,
    /// The holder's electronically signed receipt, for a reserve card (R-CRED-4).
    pub receipt_ref: Option<String>,
}

fn revoked_event(c: &Credential, reason: ReasonCode, on: Date) -> CredentialEvent {
    CredentialEvent::Revoked { credential: c.id, card: c.card, serials: c.serials(), reason, on }
}

fn check_issue_common(order: &Credential, cmd: &Issue, today: Date) -> Result<Date, Refusal> {
    let CredentialState::OrderBasis { valid_until, code_expires } = order.state else {
        return Err(Refusal::state("credential", order.state.phase(), "issue"));
    };
    ensure(cmd.by == order.person, || {
        Refusal::field("R-CRED-4", "by", "only the holder downloads the credential, in self-service")
    })?;
    ensure(today <= code_expires, || {
        Refusal::field(
            "R-CRED-4",
            "code_expires",
            format!("the download code expired on {code_expires}; the officer creates a new order basis"),
        )
    })?;
    ensure(cmd.not_after > today && cmd.not_after <= valid_until, || {
        Refusal::field(
            "R-CRED-2",
            "not_after",
            format!("the certificates must end after today and at most on {valid_until}, as ordered"),
        )
    })?;
    Ok(valid_until)
}

/// Records the holder's self-service download of a card credential (R-CRED-4): first the
/// revocation, as superseded, of every credential [`must_revoke_first`] names (R-CRED-3),
/// then the issue of both certificates (R-CRED-1), then for a reserve card the holder's
/// electronically signed receipt.
pub fn issue(
    order: &Credential,
    card: &CardFacts,
    existing: &[Credential],
    cmd: Issue,
    today: Date,
) -> Result<Vec<CredentialEvent>, Refusal> {
    check_issue_common(order, &cmd, today)?;
    ensure(order.kind == CredentialKind::CardPair && order.card == Some(card.id), || {
        Refusal::field("R-CRED-1", "card", "the order basis is not for this card")
    })?;
    ensure(card.active, || Refusal::field("R-CRED-4", "card", "the card is no longer in use"))?;
    ensure(cmd.not_after <= card.valid_until, || {
        Refusal::field("R-CRED-2", "not_after", "the certificates cannot outlive the card")
    })?;
    let Certificates::Pair { authentication, signing } = &cmd.certificates else {
        return Err(Refusal::field(
            "R-CRED-1",
            "certificates",
            "a card credential is an authentication and a signing certificate",
        ));
    };
    ensure(authentication != signing, || {
        Refusal::field("R-CRED-1", "certificates", "the two certificates must have different serials")
    })?;
    let receipt = if card.kind_is_reserve {
        let receipt =
            cmd.receipt_ref.as_deref().map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
                Refusal::field(
                    "R-CRED-4",
                    "receipt_ref",
                    "on a reserve card the holder signs the receipt electronically",
                )
            })?;
        Some(receipt.to_string())
    } else {
        None
    };
    let superseded = must_revoke_first(order, existing);
    let mut events: Vec<CredentialEvent> = existing
        .iter()
        .filter(|c| superseded.contains(&c.id))
        .map(|c| revoked_event(c, ReasonCode::Superseded, today))
        .collect();
    events.push(CredentialEvent::Issued {
        credential: order.id,
        person: order.person,
        card: order.card,
        certificates: cmd.certificates,
        not_after: cmd.not_after,
        on: today,
    });
    if let Some(receipt_ref) = receipt {
        events.push(CredentialEvent::ReceiptSigned {
            credential: order.id,
            card: card.id,
            receipt_ref,
            on: today,
        });
    }
    Ok(events)
}

/// Records the issue of a function certificate (R-CRED-7): one certificate, no card.
pub fn issue_function(order: &Credential, cmd: Issue, today: Date) -> Result<Vec<CredentialEvent>, Refusal> {
    ensure(order.kind == CredentialKind::Function, || {
        Refusal::field("R-CRED-7", "kind", "this order basis is for a card credential")
    })?;
    check_issue_common(order, &cmd, today)?;
    ensure(matches!(cmd.certificates, Certificates::Single { .. }), || {
        Refusal::field("R-CRED-7", "certificates", "a function credential is one certificate")
    })?;
    Ok(vec![CredentialEvent::Issued {
        credential: order.id,
        person: order.person,
        card: None,
        certificates: cmd.certificates,
        not_after: cmd.not_after,
        on: today,
    }])
}

/// Revokes a credential, both certificates at once (R-CRED-1), with an RFC 5280 reason
/// (R-REV-3). An order basis revoked this way is void.
pub fn revoke(
    credential: &Credential,
    reason: ReasonCode,
    today: Date,
) -> Result<Vec<CredentialEvent>, Refusal> {
    match credential.state {
        CredentialState::OrderBasis { .. } | CredentialState::Issued { .. } => {
            Ok(vec![revoked_event(credential, reason, today)])
        }
        _ => Err(Refusal::state("credential", credential.state.phase(), "revoke")),
    }
}

/// The expiry job: every issued credential past its validity and every order basis whose
/// code expired. Idempotent: an expired credential is not reported again.
pub fn expire_due(credentials: &[Credential], today: Date) -> Vec<CredentialEvent> {
    credentials
        .iter()
        .filter(|c| match c.state {
            CredentialState::OrderBasis { code_expires, .. } => code_expires < today,
            CredentialState::Issued { not_after, .. } => not_after < today,
            _ => false,
        })
        .map(|c| CredentialEvent::Expired { credential: c.id, on: today })
        .collect()
}

/// The valid credentials ending between `from` and `to`, both included, soonest first, for
/// the officers' list (R-CRED-6).
pub fn expiring(credentials: &[Credential], from: Date, to: Date) -> Vec<&Credential> {
    let mut list: Vec<&Credential> = credentials
        .iter()
        .filter(|c| matches!(c.state, CredentialState::Issued { not_after, .. } if from <= not_after && not_after <= to))
        .collect();
    list.sort_by_key(|c| (c.not_after(), c.id));
    list
}

/// The renewal notices due today (R-CRED-6): valid credentials ending within the policy's
/// notice days that were not notified yet. Idempotent: once the store records a
/// [`CredentialEvent::RenewalNoticeRequested`], the credential is marked notified.
pub fn renewal_notices(credentials: &[Credential], today: Date, policy: &Policy) -> Vec<CredentialEvent> {
    let Some(horizon) = add_days(today, policy.renewal_notice_days) else {
        return Vec::new();
    };
    credentials
        .iter()
        .filter_map(|c| match c.state {
            CredentialState::Issued { not_after, renewal_notified: false, .. }
                if today <= not_after && not_after <= horizon =>
            {
                Some(CredentialEvent::RenewalNoticeRequested {
                    credential: c.id,
                    person: c.person,
                    not_after,
                })
            }
            _ => None,
        })
        .collect()
}

/// What a certificate's subject holds (R-CRED-5), computed from the person; the server
/// turns it into the CSR template. Never stored in events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectContent {
    /// The basis of the credential.
    pub basis: IdBasis,
    /// Given name: the preferred given name when registered, else the given names.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// HSA-id, normalised.
    pub hsa_id: Option<String>,
    /// National id, normalised; only in a national-id based credential.
    pub national_id: Option<String>,
    /// Title of a licensed profession; only when the person has one.
    pub licensed_title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Last day of validity.
    pub not_after: Date,
}

/// The subject content of a credential for `person` on `basis` (R-CRED-5): names as in the
/// directory, the HSA-id (required for an HSA-id credential), the national id only for a
/// national-id credential, the licensed title only when the person has one, the e-mail.
pub fn subject_content(person: &Person, basis: IdBasis, not_after: Date) -> Result<SubjectContent, Refusal> {
    let given = person.preferred_name.as_deref().unwrap_or(&person.given_names).trim().to_string();
    check_name("given_names", &given)?;
    check_name("family_name", &person.family_name)?;
    let hsa_id = person.hsa_id.as_ref().map(|h| h.normalised().to_string());
    ensure(basis != IdBasis::HsaId || hsa_id.is_some(), || {
        Refusal::field("R-CRED-5", "hsa_id", "an HSA-id based credential needs the person's HSA-id")
    })?;
    let licensed_title =
        person.licensed_title.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    Ok(SubjectContent {
        basis,
        given_name: given,
        family_name: person.family_name.trim().to_string(),
        hsa_id,
        national_id: (basis == IdBasis::NationalId).then(|| person.national_id.normalised().to_string()),
        licensed_title,
        email: person.email.clone(),
        not_after,
    })
}

/// The three ways to resolve a name mismatch (R-PER-4, 000 §7.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameMismatchOption {
    /// The directory is wrong: correct the person record.
    CorrectDirectory,
    /// The card's name is right: revoke the credential and order a new one to the same card.
    ReissueToSameCard,
    /// The card's name is wrong: deregister the card and order a new card.
    ReplaceCard,
}

/// A found difference between the directory name and a credential's certificate name
/// (R-PER-4). Made only by [`NameMismatch::check`], so holding one proves the names differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMismatch {
    credential: CredentialId,
}

impl NameMismatch {
    /// The options an officer chooses from.
    pub const OPTIONS: [NameMismatchOption; 3] = [
        NameMismatchOption::CorrectDirectory,
        NameMismatchOption::ReissueToSameCard,
        NameMismatchOption::ReplaceCard,
    ];

    /// Compares the directory name with the certificate name of `credential` (whitespace
    /// and letter case aside); `Some` when they differ.
    pub fn check(
        credential: &Credential,
        directory_name: &str,
        certificate_name: &str,
    ) -> Option<NameMismatch> {
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        (norm(directory_name) != norm(certificate_name)).then_some(NameMismatch { credential: credential.id })
    }

    /// The credential concerned.
    pub fn credential(&self) -> CredentialId {
        self.credential
    }

    /// The options (R-PER-4).
    pub fn options(&self) -> [NameMismatchOption; 3] {
        Self::OPTIONS
    }

    fn applies_to(&self, credential: &Credential) -> Result<(), Refusal> {
        ensure(self.credential == credential.id, || {
            Refusal::field("R-PER-4", "credential", "the mismatch was found on another credential")
        })?;
        ensure(credential.kind == CredentialKind::CardPair && credential.card.is_some(), || {
            Refusal::field("R-PER-4", "credential", "a name mismatch is resolved for a card credential")
        })?;
        ensure(matches!(credential.state, CredentialState::Issued { .. }), || {
            Refusal::state("credential", credential.state.phase(), "resolve a name mismatch")
        })
    }

    fn resolved(&self, credential: &Credential, resolution: NameMismatchOption) -> CredentialEvent {
        CredentialEvent::NameMismatchResolved {
            credential: credential.id,
            person: credential.person,
            resolution,
        }
    }

    /// Option 1: the directory is corrected (the person update itself is the person
    /// routine's); records the decision.
    pub fn correct_directory(&self, credential: &Credential) -> Result<Vec<CredentialEvent>, Refusal> {
        self.applies_to(credential)?;
        Ok(vec![self.resolved(credential, NameMismatchOption::CorrectDirectory)])
    }

    /// Option 2: the card's name is right; the credential is revoked as superseded and a
    /// new order basis created for the same card ([`order_basis`], R-CRED-3).
    pub fn reissue_to_same_card(
        &self,
        credential: &Credential,
        ctx: &CardContext<'_>,
        cmd: OrderCredential,
    ) -> Result<Vec<CredentialEvent>, Refusal> {
        self.applies_to(credential)?;
        ensure(credential.card == Some(ctx.card.id), || {
            Refusal::field("R-PER-4", "card", "the new credential goes to the same card")
        })?;
        let mut events = vec![self.resolved(credential, NameMismatchOption::ReissueToSameCard)];
        events.extend(revoke(credential, ReasonCode::Superseded, ctx.today)?);
        events.extend(order_basis(ctx, cmd)?);
        Ok(events)
    }

    /// Option 3: the card's name is wrong; requests the card's deregistration (which
    /// revokes its credentials, R-REV-3) and a new card order.
    pub fn replace_card(&self, credential: &Credential) -> Result<Vec<CredentialEvent>, Refusal> {
        self.applies_to(credential)?;
        let card = credential.card.ok_or_else(|| {
            Refusal::field("R-PER-4", "credential", "a name mismatch is resolved for a card credential")
        })?;
        Ok(vec![
            self.resolved(credential, NameMismatchOption::ReplaceCard),
            CredentialEvent::CardReplacementRequested {
                person: credential.person,
                card,
                credential: credential.id,
            },
        ])
    }
}

/// The credentials in limbo (R-PER-5, 000 §7.9): valid on `today`, held by a person no
/// longer in the directory (`present` says who is). The officer recreates the person,
/// deregisters the card and removes the person again.
pub fn limbo(
    credentials: &[Credential],
    present: impl Fn(PersonId) -> bool,
    today: Date,
) -> Vec<CredentialId> {
    credentials.iter().filter(|c| c.is_valid_on(today) && !present(c.person)).map(|c| c.id).collect()
}
