//! The relying parties of the OpenID Connect provider: a municipality's own services that
//! sign citizens in with the eID. Registered by an administrator (`tillit admin oidc-client`),
//! each with its exact redirect URIs, a sector for its pseudonymous subjects, and either no
//! secret (a public client: PKCE protects the code) or a secret shown once and kept only as
//! its SHA-256. Every registration is an audit entry (`oidc.client_registered`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent};
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::OrgId;
use tillit_store::eid::OidcClient;
use tillit_store::Store;

use super::oidc::{check_redirect_uri, client_secret_hash};
use crate::routines::chain_of;

/// A relying party to register.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Its name, shown to the citizen ("Log på Borgerservice").
    pub name: String,
    /// The organisation (or unit) it belongs to.
    pub org: OrgId,
    /// Its redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Whether it authenticates with a secret (a server-side application).
    pub confidential: bool,
    /// The sector of its subjects; its organisation's when not given.
    pub sector: Option<String>,
}

/// A registered relying party, with its secret when confidential (shown once).
#[derive(Debug, Clone)]
pub struct Registered {
    /// Its client id.
    pub client_id: String,
    /// Its secret, shown once.
    pub secret: Option<String>,
    /// The sector of its subjects.
    pub sector: String,
}

/// Why a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A field is wrong.
    #[error("{field}: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tillit_store::StoreError),
    /// No randomness.
    #[error("the system's random number generator failed")]
    Random,
}

fn field(field: &'static str, reason: impl Into<String>) -> ClientError {
    ClientError::Field { field, reason: reason.into() }
}

fn random() -> Result<String, ClientError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| ClientError::Random)?;
    Ok(B64URL.encode(bytes))
}

/// Registers a relying party by `actor`; audited on the organisation's chain.
pub async fn register(
    store: &Store,
    new: &NewClient,
    actor: &Actor,
    now_us: i64,
) -> Result<Registered, ClientError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(field("name", "1 to 100 characters, no control characters"));
    }
    if new.redirect_uris.is_empty() || new.redirect_uris.len() > 10 {
        return Err(field("redirect_uri", "1 to 10 redirect URIs"));
    }
    for uri in &new.redirect_uris {
        check_redirect_uri(uri).map_err(|reason| field("redirect_uri", format!("{uri}: {reason}")))?;
    }
    let tree = OrgTree::new(store.orgs().await?).map_err(|e| field("org", e.to_string()))?;
    if tree.get(new.org).is_none() {
        return Err(field("org", "no such organisation or unit"));
    }
    let sector = match &new.sector {
        Some(s) if s.trim().is_empty() || s.len() > 100 => {
            return Err(field("sector", "1 to 100 characters"))
        }
        Some(s) => s.trim().to_string(),
        None => tree.organisation_of(new.org).unwrap_or(new.org).to_string(),
    };
    let client_id = format!("rp-{}", &random()?[..22]);
    let secret = if new.confidential { Some(random()?) } else { None };
    let client = OidcClient {
        client_id: client_id.clone(),
        name: name.to_string(),
        org: new.org.to_string(),
        redirect_uris: new.redirect_uris.clone(),
        secret_hash: secret.as_deref().map(client_secret_hash),
        sector: sector.clone(),
        created_us: now_us,
        removed_us: None,
    };
    let mut tx = store.begin().await?;
    tx.insert_oidc_client(&client).await?;
    tx.append(AuditEvent::new(
        chain_of(&tree, new.org),
        actor.clone(),
        "oidc.client_registered",
        json!({
            "client": client_id,
            "org": new.org.to_string(),
            "redirect_uris": new.redirect_uris,
            "confidential": new.confidential,
            "sector": sector,
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok(Registered { client_id, secret, sector })
}
