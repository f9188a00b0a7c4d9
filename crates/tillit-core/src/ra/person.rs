//! People (R-PER-1..5): the person record, the "secured" HR check that gates credentials,
//! and protected identity.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::id::{HsaId, NationalId};
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::org::{OrgKind, OrgTree};
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// What every list, search, export and error shows instead of a protected person's name or
/// address to a user without the protected-identity right (R-PER-3).
pub const PROTECTED: &str = "(protected identity)";

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street lines (c/o, street and number).
    pub lines: Vec<String>,
    /// Postal code.
    pub postal_code: String,
    /// Town.
    pub town: String,
    /// Country (ISO 3166-1 alpha-2).
    pub country: String,
}

/// Employment or assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentKind {
    /// Employed by the organisation or a group company.
    Employment,
    /// An assignment (consultant, student, contractor).
    Assignment,
}

/// One employment or assignment in a unit of the tree (R-PER-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    /// The unit (or organisation) of the employment.
    pub org: OrgId,
    /// Employment or assignment.
    pub kind: EmploymentKind,
    /// First day.
    pub start: Date,
    /// Last day; `None` while open-ended.
    pub end: Option<Date>,
}

impl Employment {
    /// Whether the employment is in force on `day`.
    pub fn active_on(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|end| day <= end)
    }

    /// Its length in whole months from start to end (`None`: open-ended).
    pub fn months(&self) -> Option<u32> {
        let end = self.end?;
        let months = (end.year() - self.start.year()) * 12 + (end.month() as i32 - self.start.month() as i32)
            - i32::from(end.day() < self.start.day());
        Some(months.max(0) as u32)
    }
}

/// A person (R-PER-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Its id.
    pub id: PersonId,
    /// National id or coordination number.
    pub national_id: NationalId,
    /// Given names as in the population register.
    pub given_names: String,
    /// Family name as in the population register.
    pub family_name: String,
    /// The preferred given name (tilltalsnamn), one of the given names.
    pub preferred_name: Option<String>,
    /// HSA-id (R-ID-5), allocated by the RA.
    pub hsa_id: Option<HsaId>,
    /// E-mail.
    pub email: Option<String>,
    /// Mobile number (E.164).
    pub mobile: Option<String>,
    /// Registered address.
    pub address: Option<Address>,
    /// Alternative delivery address (R-IDP-6 for protected and homeless persons).
    pub delivery_address: Option<Address>,
    /// Employments and assignments.
    pub employments: Vec<Employment>,
    /// Title of a licensed profession (only for licensed professions, R-PER-1, R-CRED-5).
    pub licensed_title: Option<String>,
    /// Protected identity (R-PER-3).
    pub protected: bool,
    /// When the names were last checked against the population register (R-PER-2).
    pub name_checked: Option<Date>,
}

impl Person {
    /// The name to show: given (or preferred) and family name, or [`PROTECTED`] when the
    /// person is protected and the viewer lacks the right (R-PER-3).
    pub fn display_name(&self, may_see_protected: bool) -> String {
        if self.protected && !may_see_protected {
            return PROTECTED.to_string();
        }
        let given = self.preferred_name.as_deref().unwrap_or(&self.given_names);
        format!("{given} {}", self.family_name)
    }

    /// The employments in force on `day`.
    pub fn active_employments(&self, day: Date) -> impl Iterator<Item = &Employment> {
        self.employments.iter().filter(move |e| e.active_on(day))
    }

    /// The last day of employment in force on `day` (`None` inside the `Some`: open-ended);
    /// `None` when there is no employment on `day`.
    pub fn employment_end(&self, day: Date) -> Option<Option<Date>> {
        let mut ends = self.active_employments(day).map(|e| e.end).peekable();
        ends.peek()?;
        Some(ends.try_fold(Date::MIN, |latest, end| end.map(|e| latest.max(e))))
    }

    /// Checks that the HR record is "secured" (R-PER-2): names checked against the
    /// population register, an HSA-id, and an employment in force on `today` in the
    /// organisation `org` or one of its group companies.
    pub fn secured(&self, tree: &OrgTree, org: OrgId, today: Date) -> Result<&Employment, Refusal> {
        ensure(self.name_checked.is_some(), || {
            Refusal::field(
                "R-PER-2",
                "name_checked",
                "the name has not been checked against the population register",
            )
        })?;
        ensure(self.hsa_id.is_some(), || Refusal::field("R-PER-2", "hsa_id", "the person has no HSA-id"))?;
        let organisation = tree.organisation_of(org);
        self.active_employments(today)
            .find(|e| {
                organisation.is_some()
                    && tree.organisation_of(e.org) == organisation
                    && tree
                        .legal_entity_of(e.org)
                        .is_some_and(|le| matches!(le.kind, OrgKind::Organisation | OrgKind::GroupCompany))
            })
            .ok_or_else(|| {
                Refusal::field(
                    "R-PER-2",
                    "employments",
                    "no employment in force today in the organisation or its group companies",
                )
            })
    }
}

/// Checks a name field (R-PER-1): present, at most 200 characters, no control characters.
pub fn check_name(field: &'static str, value: &str) -> Result<(), Refusal> {
    let value = value.trim();
    ensure(!value.is_empty(), || Refusal::field("R-PER-1", field, "is empty"))?;
    ensure(value.chars().count() <= 200, || {
        Refusal::field("R-PER-1", field, "is longer than 200 characters")
    })?;
    ensure(!value.chars().any(char::is_control), || {
        Refusal::field("R-PER-1", field, "contains control characters")
    })
}

/// Checks an e-mail address: one `@`, a local part and a domain with a dot, no spaces,
/// at most 254 characters.
pub fn check_email(field: &'static str, value: &str) -> Result<(), Refusal> {
    let ok = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    ensure(ok, || Refusal::field("R-PER-1", field, "is not an e-mail address (name@example.org)"))
}

/// Checks a mobile number in international form: `+` and 8 to 15 digits.
pub fn check_mobile(field: &'static str, value: &str) -> Result<(), Refusal> {
    let digits = value.strip_prefix('+').unwrap_or("");
    ensure((8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()), || {
        Refusal::field("R-PER-1", field, "is not a mobile number in international form (+46701234567)")
    })
}

/// Checks a whole person record before it is stored (R-PER-1).
pub fn check_person(person: &Person) -> Result<(), Refusal> {
    check_name("given_names", &person.given_names)?;
    check_name("family_name", &person.family_name)?;
    if let Some(preferred) = &person.preferred_name {
        check_name("preferred_name", preferred)?;
        ensure(person.given_names.split_whitespace().any(|g| g == preferred.trim()), || {
            Refusal::field("R-PER-1", "preferred_name", "must be one of the given names")
        })?;
    }
    if let Some(email) = &person.email {
        check_email("email", email)?;
    }
    if let Some(mobile) = &person.mobile {
        check_mobile("mobile", mobile)?;
    }
    if let Some(title) = &person.licensed_title {
        check_name("licensed_title", title)?;
    }
    for (i, e) in person.employments.iter().enumerate() {
        ensure(e.end.is_none_or(|end| end >= e.start), || {
            Refusal::field("R-PER-1", "employments", format!("employment {} ends before it starts", i + 1))
        })?;
    }
    Ok(())
}

/// What happened to a person record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PersonEvent {
    /// Registered. The payload holds ids only (R-PER-3).
    Registered {
        /// The person.
        person: PersonId,
        /// Whether the identity is protected.
        protected: bool,
    },
    /// Fields changed (names of the fields, never their values).
    Updated {
        /// The person.
        person: PersonId,
        /// The changed fields.
        fields: Vec<String>,
    },
    /// An employment started or changed.
    EmploymentRecorded {
        /// The person.
        person: PersonId,
        /// The unit.
        org: OrgId,
        /// First day.
        start: Date,
        /// Last day.
        end: Option<Date>,
    },
    /// An employment ended (the HR register no longer lists it, or gave an end date).
    EmploymentEnded {
        /// The person.
        person: PersonId,
        /// The unit.
        org: OrgId,
        /// Last day.
        end: Date,
    },
    /// The names were checked against the population register (R-PER-2).
    NameChecked {
        /// The person.
        person: PersonId,
        /// When.
        on: Date,
    },
    /// An HSA-id was allocated (R-ID-5).
    HsaIdAllocated {
        /// The person.
        person: PersonId,
        /// The HSA-id.
        hsa_id: String,
    },
    /// The person was removed from the directory (R-PER-5 finds credentials left behind).
    Removed {
        /// The person.
        person: PersonId,
    },
}

routine_events!(PersonEvent {
    Registered => "person.registered",
    Updated => "person.updated",
    EmploymentRecorded => "person.employment_recorded",
    EmploymentEnded => "person.employment_ended",
    NameChecked => "person.name_checked",
    HsaIdAllocated => "person.hsa_id_allocated",
    Removed => "person.removed",
});

/// Registers a person (R-PER-1). Only a user with the protected-identity right may register
/// a protected person (R-PER-3).
pub fn register(person: &Person, may_see_protected: bool) -> Result<Vec<PersonEvent>, Refusal> {
    check_person(person)?;
    ensure(!person.protected || may_see_protected, || {
        Refusal::field(
            "R-PER-3",
            "protected",
            "only a user with the protected-identity right (KUR) may register this person",
        )
    })?;
    let mut events = vec![PersonEvent::Registered { person: person.id, protected: person.protected }];
    events.extend(person.employments.iter().map(|e| PersonEvent::EmploymentRecorded {
        person: person.id,
        org: e.org,
        start: e.start,
        end: e.end,
    }));
    if let Some(on) = person.name_checked {
        events.push(PersonEvent::NameChecked { person: person.id, on });
    }
    if let Some(hsa) = &person.hsa_id {
        events.push(PersonEvent::HsaIdAllocated { person: person.id, hsa_id: hsa.normalised().to_string() });
    }
    Ok(events)
}

/// Changes a person record from `before` to `after` (same id). A protected person, or
/// making one protected, needs the protected-identity right (R-PER-3).
pub fn update(before: &Person, after: &Person, may_see_protected: bool) -> Result<Vec<PersonEvent>, Refusal> {
    ensure(before.id == after.id, || Refusal::field("R-PER-1", "id", "the id cannot change"))?;
    ensure(before.national_id == after.national_id, || {
        Refusal::field("R-PER-1", "national_id", "cannot change; register the person anew")
    })?;
    check_person(after)?;
    ensure(!(before.protected || after.protected) || may_see_protected, || {
        Refusal::new("R-PER-3", "only a user with the protected-identity right (KUR) may change this person")
    })?;
    let mut fields = Vec::new();
    let mut note = |changed: bool, name: &str| {
        if changed {
            fields.push(name.to_string());
        }
    };
    note(before.given_names != after.given_names, "given_names");
    note(before.family_name != after.family_name, "family_name");
    note(before.preferred_name != after.preferred_name, "preferred_name");
    note(before.email != after.email, "email");
    note(before.mobile != after.mobile, "mobile");
    note(before.address != after.address, "address");
    note(before.delivery_address != after.delivery_address, "delivery_address");
    note(before.licensed_title != after.licensed_title, "licensed_title");
    note(before.protected != after.protected, "protected");
    let mut events = Vec::new();
    if !fields.is_empty() {
        events.push(PersonEvent::Updated { person: after.id, fields });
    }
    for e in &after.employments {
        let same = before.employments.iter().any(|b| b == e);
        if !same {
            events.push(PersonEvent::EmploymentRecorded {
                person: after.id,
                org: e.org,
                start: e.start,
                end: e.end,
            });
        }
    }
    for b in &before.employments {
        let kept = after.employments.iter().any(|a| a.org == b.org && a.start == b.start);
        if !kept {
            events.push(PersonEvent::EmploymentEnded {
                person: after.id,
                org: b.org,
                end: b.end.unwrap_or(b.start),
            });
        }
    }
    if after.name_checked != before.name_checked {
        if let Some(on) = after.name_checked {
            events.push(PersonEvent::NameChecked { person: after.id, on });
        }
    }
    if after.hsa_id != before.hsa_id {
        ensure(before.hsa_id.is_none(), || {
            Refusal::field("R-ID-5", "hsa_id", "an allocated HSA-id never changes")
        })?;
        if let Some(hsa) = &after.hsa_id {
            events
                .push(PersonEvent::HsaIdAllocated { person: after.id, hsa_id: hsa.normalised().to_string() });
        }
    }
    Ok(events)
}

/// Allocates an HSA-id for a person: `<country><org number>-<local part>`, the local part
/// from `sequence` in base 36 (R-ID-5). The store supplies a sequence unique to the
/// organisation.
pub fn allocate_hsa_id(org_number: &crate::id::OrgNumber, sequence: u64) -> Result<HsaId, Refusal> {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = sequence;
    let mut local = Vec::new();
    loop {
        local.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    while local.len() < 4 {
        local.push(b'0');
    }
    local.reverse();
    let local = String::from_utf8(local).unwrap_or_default();
    let text = format!("{}{}-{local}", org_number.country().upper_code(), org_number.normalised());
    HsaId::parse(&text).map_err(|e| Refusal::field("R-ID-5", "hsa_id", e.to_string()))
}
