//! The RA routines as the node runs them: each loads its records and their context, asks
//! the domain state machine in `tillit_core::ra`, and writes the new state and the audit
//! events in one transaction (ARCHITECTURE.md, "Audit log"), with the answer kept under the
//! request's idempotency key ([`action`]).

pub mod action;
pub mod cards;
pub mod credentials;
pub mod dk;
pub mod functions;
pub mod kinds;
pub mod mismatch;
pub mod officers;
pub mod passkey;
pub mod people;
pub mod puk;
pub mod reserve;
pub mod revocations;
pub mod roles;

use tillit_core::ra::card::{Card, HeldCard, Officer};
use tillit_core::ra::credential::Credential;
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::person::Person;
use tillit_core::ra::reserve::ReserveCard;
use tillit_core::ra::role::{Permission, Role};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::records::Record;
use tillit_store::Tx;
use time::Date;

use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::AppState;
use kinds::{refresh, Kept};

/// Today, UTC.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// The audit chain of a unit: its organisation's.
pub fn chain_of(tree: &OrgTree, org: OrgId) -> String {
    tree.organisation_of(org).unwrap_or(org).to_string()
}

/// The officer as the routines see them on `org` (R-ORG-2, R-PER-3).
pub fn officer(caller: &Caller, org: OrgId) -> Officer {
    Officer {
        id: caller.principal.person,
        kra: caller.principal.holds(&caller.tree, Role::Kra, org),
        kur: caller.principal.can(&caller.tree, Permission::ProtectedIdentity, org),
    }
}

/// Writes a record whose state changed: inserted when new (version 0), otherwise updated
/// if nobody changed it since it was read (409 otherwise: nothing is written).
pub async fn save<T: Kept>(
    tx: &mut Tx<'_>,
    record: &mut Record<T>,
    policy: &tillit_core::ra::policy::Policy,
) -> Result<(), Problem> {
    refresh(record, policy);
    if record.version == 0 {
        tx.insert_record(record).await?;
        record.version = 1;
    } else {
        record.version = tx.update_record(record).await?;
    }
    Ok(())
}

/// A record of `kind` by its id in the path; "not found" when there is none or it is
/// outside the caller's reach for `permission` (R-ORG-1: as if absent). The caller must
/// hold `permission` on the record's unit.
pub async fn record_in_scope<T: Kept>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
    permission: Permission,
) -> Result<Record<T>, Problem> {
    let uuid: uuid::Uuid =
        id.parse().map_err(|_| Problem::from(Refusal::field("R-ORG-1", "id", "is not an id (a UUID)")))?;
    let record: Record<T> =
        state.store.record(T::KIND, &uuid.to_string()).await?.ok_or_else(|| Problem::not_found(path))?;
    let Some(org) = record.org else { return Err(Problem::not_found(path)) };
    if !caller.principal.can(&caller.tree, Permission::ReadPeople, org) {
        return Err(Problem::not_found(path));
    }
    caller.principal.authorise(&caller.tree, permission, org)?;
    Ok(record)
}

/// The person, read fresh; "not found" when removed.
pub async fn person_of(state: &AppState, id: PersonId, path: &str) -> Result<Person, Problem> {
    match state.store.person(id).await? {
        Some(r) if r.removed_us.is_none() => Ok(r.person),
        _ => Err(Problem::not_found(path)),
    }
}

/// The person's cards, regular and reserve, that have not ended, as the card routines see
/// them (R-CARD-6).
pub async fn held_cards(state: &AppState, person: PersonId) -> Result<Vec<HeldCard>, Problem> {
    let cards: Vec<Record<Card>> = state.store.records_of_person(Card::KIND, person).await?;
    let reserve: Vec<Record<ReserveCard>> = state.store.records_of_person(ReserveCard::KIND, person).await?;
    Ok(cards
        .iter()
        .filter_map(|r| r.state.held())
        .chain(reserve.iter().filter_map(|r| r.state.held()))
        .collect())
}

/// The person's credentials, every state.
pub async fn credentials_of(state: &AppState, person: PersonId) -> Result<Vec<Record<Credential>>, Problem> {
    Ok(state.store.records_of_person(Credential::KIND, person).await?)
}

/// A deregistration.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeregisterBody {
    /// Why (`lost`, `stolen`, `left_employment`, `damaged`, …).
    #[schema(value_type = String)]
    pub reason: tillit_core::ra::card::DeregisterReason,
}

/// A card returned by its holder.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// `{"kind": "ra"}` or `{"kind": "manager", "manager": <person id>}`.
    #[schema(value_type = Object)]
    pub to: tillit_core::ra::card::ReturnedTo,
    /// Why (`left_employment`, `replaced`, …).
    #[schema(value_type = String)]
    pub reason: tillit_core::ra::card::DeregisterReason,
}

/// Nothing to say: the action is the path.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}
