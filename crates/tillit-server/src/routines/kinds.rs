//! How each routine's state is kept in `ra_records`: its kind, and the columns lists,
//! reports and timed jobs query (status, holder, unit, due date), derived from the state so
//! they can never disagree with it.
//!
//! `due` is the day a timed job must next look at the record:
//!
//! | kind | status with a due date | due |
//! |---|---|---|
//! | `card` | `delivered` | last day to collect (R-CARD-4) |
//! | `reserve_card` | `handed_out` | last day to reuse (R-RES-3) |
//! | `credential` | `order_basis` | last day of the download code (R-CRED-4) |
//! | `credential` | `issued` | day of the renewal notice (R-CRED-6), then the last valid day |
//! | `revocation` | `requested` | the day after the request: the next-day check (R-REV-3) |
//! | `puk_order` | `sent` | the day the letter is expected |

use serde::de::DeserializeOwned;
use serde::Serialize;
use tillit_core::ra::card::{add_days, Card};
use tillit_core::ra::credential::{Credential, CredentialPhase, CredentialState};
use tillit_core::ra::policy::Policy;
use tillit_core::ra::puk::{PukOrder, PukStatus};
use tillit_core::ra::reserve::{Bundle, ReserveCard, ReserveStatus};
use tillit_core::ra::revocation::Revocation;
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::records::Record;
use time::{Date, Duration};

/// A routine's state as one record of `ra_records`.
pub trait Kept: Serialize + DeserializeOwned + Send + Sync {
    /// The record kind.
    const KIND: &'static str;
    /// The record id.
    fn key(&self) -> String;
    /// The person it belongs to.
    fn person(&self) -> Option<PersonId>;
    /// The unit it belongs to, when the state knows it; otherwise the unit the record was
    /// stored with is kept.
    fn org(&self) -> Option<OrgId>;
    /// The status column.
    fn status(&self) -> String;
    /// The day a timed job must next look at it.
    fn due(&self, policy: &Policy) -> Option<Date>;

    /// A new record (version 0) of this state in `org`.
    fn new_record(self, org: Option<OrgId>, policy: &Policy) -> Record<Self>
    where
        Self: Sized,
    {
        let mut record = Record {
            kind: Self::KIND,
            id: self.key(),
            person: None,
            org,
            status: String::new(),
            due: None,
            state: self,
            version: 0,
        };
        refresh(&mut record, policy);
        record
    }
}

/// Recomputes a record's columns from its state after the state changed.
pub fn refresh<T: Kept>(record: &mut Record<T>, policy: &Policy) {
    record.id = record.state.key();
    record.person = record.state.person().or(record.person);
    record.org = record.state.org().or(record.org);
    record.status = record.state.status();
    record.due = record.state.due(policy);
}

/// The snake-case name serde gives a unit enum variant.
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::from("unknown"),
    }
}

impl Kept for Card {
    const KIND: &'static str = "card";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.person)
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.org)
    }
    fn status(&self) -> String {
        self.status.as_str().to_string()
    }
    fn due(&self, policy: &Policy) -> Option<Date> {
        match self.status {
            tillit_core::ra::card::CardStatus::Delivered => self.collect_by(policy),
            _ => None,
        }
    }
}

impl Kept for ReserveCard {
    const KIND: &'static str = "reserve_card";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        self.holder
    }
    fn org(&self) -> Option<OrgId> {
        self.unit
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    fn due(&self, policy: &Policy) -> Option<Date> {
        match self.status {
            ReserveStatus::HandedOut => self.reuse_by(policy),
            _ => None,
        }
    }
}

impl Kept for Bundle {
    const KIND: &'static str = "reserve_bundle";
    fn key(&self) -> String {
        self.id.0.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        None
    }
    fn org(&self) -> Option<OrgId> {
        None
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        None
    }
}

impl Kept for PukOrder {
    const KIND: &'static str = "puk_order";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.person)
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.unit)
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        (self.status == PukStatus::Sent).then_some(self.expected)
    }
}

impl Kept for Credential {
    const KIND: &'static str = "credential";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.person)
    }
    fn org(&self) -> Option<OrgId> {
        None
    }
    fn status(&self) -> String {
        name_of(&self.state.phase())
    }
    fn due(&self, policy: &Policy) -> Option<Date> {
        match self.state {
            CredentialState::OrderBasis { code_expires, .. } => Some(code_expires),
            CredentialState::Issued { not_after, renewal_notified: false, .. } => {
                Some(not_after.saturating_sub(Duration::days(i64::from(policy.renewal_notice_days))))
            }
            CredentialState::Issued { not_after, .. } => Some(not_after),
            _ => None,
        }
    }
}

impl Kept for Revocation {
    const KIND: &'static str = "revocation";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.holder)
    }
    fn org(&self) -> Option<OrgId> {
        None
    }
    fn status(&self) -> String {
        if self.checked_on.is_some() { "checked" } else { "requested" }.to_string()
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        self.checked_on.is_none().then(|| add_days(self.requested_on, 1))
    }
}

/// The phase names credential records are stored under.
pub fn credential_status(phase: CredentialPhase) -> String {
    name_of(&phase)
}
