//! The Danish public RA over the API (issue 7; SPEC §10 R-DK-1..8, R-IDP-3..6, R-RES-4):
//! `/api/v1/dk/…`, on the same engine as the Swedish routines. Each handler loads its
//! records, asks the state machine in `tillit_core::ra::dk`, and writes the new states and
//! the audit events in one transaction, with the answer kept under the request's
//! idempotency key ([`super::action`]); every change is signed by the officer.
//!
//! # The credentials' secrets
//!
//! tillit makes every key card and temporary passcode itself, when a box is ordered from the
//! stock supplier (docs/credentials.md): a key card's secret, a code token's TOTP seed and a
//! passcode letter's (or medium's) temporary passcode are **sealed** to the node's sealing
//! key, so the supplier's print file can be made from them; a passcode the citizen chooses, an
//! activation code and an SMS PIN are kept only as argon2id **hashes**. Secrets are in
//! `eid_secrets`, never in a record or an event:
//!
//! | owner | purpose | value |
//! |---|---|---|
//! | [`stock_owner`]`(item, serial)` | `key_card` | the sealed key-card secret |
//! | [`stock_owner`]`(item, serial)` | `temporary_passcode` | the sealed temporary passcode |
//! | [`stock_owner`]`(item, serial)` | `totp_seed` | the sealed TOTP seed |
//! | authenticator id | `activation_code` | argon2id hash (paper activation code) |
//! | authenticator id | `temporary_passcode` | argon2id hash (SMS PIN) |
//! | account id | `passcode` | argon2id hash of the passcode the citizen chose |
//!
//! A sealed value is bound to its owner and purpose ([`aad`]), so a blob copied to another
//! row does not open.

pub mod authenticators;
pub mod forgotten;
pub mod pickups;
pub mod registrations;
pub mod reports;
pub mod revocation;
pub mod stock;
pub mod visits;

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use tillit_core::ra::dk::account::Account;
use tillit_core::ra::dk::authenticator::{AuthStatus, Authenticator};
use tillit_core::ra::dk::pickup::Pickup;
use tillit_core::ra::dk::registration::Registration;
use tillit_core::ra::dk::stock::{DkItem, StockBox};
use tillit_core::ra::dk::AccountId;
use tillit_core::ra::policy::Policy;
use tillit_core::ra::{OrgId, PersonId};
use tillit_pki::secret::Sealer;
use tillit_store::eid::SecretPurpose;
use tillit_store::records::Record;
use tillit_store::Tx;
use time::Date;
use utoipa_axum::router::OpenApiRouter;

use super::kinds::Kept;
use crate::problem::Problem;
use crate::AppState;

/// The Danish routines' routes, under `/api/v1/dk`.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .merge(stock::routes())
        .merge(registrations::routes())
        .merge(authenticators::routes())
        .merge(visits::routes())
        .merge(forgotten::routes())
        .merge(revocation::routes())
        .merge(pickups::routes())
        .merge(reports::routes())
}

/// The owner under which the secret of a stock item is kept: its kind and serial number
/// (unique per kind, R-RES-4).
pub fn stock_owner(item: DkItem, serial: &str) -> String {
    format!("dk:{}:{serial}", name_of(&item))
}

/// The associated data a secret of `owner` for `purpose` is sealed with.
pub fn aad(owner: &str, purpose: SecretPurpose) -> Vec<u8> {
    format!("tillit-eid-v1|{owner}|{}", purpose.as_str()).into_bytes()
}

/// Seals `secret` for `owner` and `purpose` and keeps it in `tx`.
pub async fn put_sealed(
    tx: &mut Tx<'_>,
    sealer: &dyn Sealer,
    owner: &str,
    purpose: SecretPurpose,
    secret: &[u8],
    now_us: i64,
) -> Result<(), Problem> {
    let sealed = sealer.seal(&aad(owner, purpose), secret).map_err(|e| {
        tracing::error!(error = %e, "sealing a secret failed");
        Problem::internal()
    })?;
    tx.put_secret(owner, purpose, &B64.encode(sealed), now_us).await?;
    Ok(())
}

/// Opens the sealed secret of `owner` for `purpose`: `None` when there is none.
pub async fn open_sealed(
    state: &AppState,
    owner: &str,
    purpose: SecretPurpose,
) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, Problem> {
    let Some(stored) = state.store.secret(owner, purpose).await? else { return Ok(None) };
    let eid = state.eid().await?;
    let opened = B64
        .decode(stored)
        .map_err(|_| "not base64".to_string())
        .and_then(|sealed| eid.sealer.open(&aad(owner, purpose), &sealed).map_err(|e| e.to_string()));
    match opened {
        Ok(secret) => Ok(Some(secret)),
        Err(e) => {
            tracing::error!(error = %e, purpose = purpose.as_str(), "a sealed secret does not open");
            Err(Problem::internal())
        }
    }
}

/// The snake-case name serde gives a unit enum variant.
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::from("unknown"),
    }
}

/// The citizen's current account (not revoked), if any.
pub async fn current_account(state: &AppState, person: PersonId) -> Result<Option<Record<Account>>, Problem> {
    let accounts: Vec<Record<Account>> = state.store.records_of_person(Account::KIND, person).await?;
    Ok(accounts.into_iter().find(|a| a.state.status != tillit_core::ra::dk::account::AccountStatus::Revoked))
}

/// An account by its id.
pub async fn account(state: &AppState, id: AccountId) -> Result<Option<Record<Account>>, Problem> {
    Ok(state.store.record(Account::KIND, &id.to_string()).await?)
}

/// The authenticators given to the account (every state).
pub async fn authenticators_of(
    state: &AppState,
    account: &Account,
) -> Result<Vec<Record<Authenticator>>, Problem> {
    let all: Vec<Record<Authenticator>> =
        state.store.records_of_person(Authenticator::KIND, account.person).await?;
    Ok(all.into_iter().filter(|a| a.state.account == Some(account.id)).collect())
}

impl Kept for Account {
    const KIND: &'static str = "dk_account";
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
        name_of(&self.status)
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        None
    }
}

impl Kept for Authenticator {
    const KIND: &'static str = "dk_authenticator";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        self.holder
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.office)
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    /// A paper activation code handed over: the day it expires (R-DK-8, 48 hours).
    fn due(&self, policy: &Policy) -> Option<Date> {
        (self.status == AuthStatus::HandedOut)
            .then(|| self.activation_code_valid_until(policy))
            .flatten()
            .map(|t| t.date())
    }
}

impl Kept for Registration {
    const KIND: &'static str = "dk_registration";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.person)
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.office)
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        None
    }
}

impl Kept for StockBox {
    const KIND: &'static str = "dk_stock_box";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        None
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.office)
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    fn due(&self, _: &Policy) -> Option<Date> {
        None
    }
}

impl Kept for Pickup {
    const KIND: &'static str = "dk_pickup";
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn person(&self) -> Option<PersonId> {
        Some(self.person)
    }
    fn org(&self) -> Option<OrgId> {
        Some(self.office)
    }
    fn status(&self) -> String {
        name_of(&self.status)
    }
    /// A dispatched instruction: the day it expires and is destroyed (R-DK-4).
    fn due(&self, _: &Policy) -> Option<Date> {
        self.expires_on
    }
}
