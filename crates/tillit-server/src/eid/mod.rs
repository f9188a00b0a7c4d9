//! The citizens' eID as the node runs it (issue 7): the keys and services behind the
//! credentials the Danish RA hands out, the population register it consults, and the
//! OpenID Connect provider through which a municipality's own services sign citizens in.
//!
//! - [`Eid`]: the sealing key (secrets that must be read back, such as a key card's secret,
//!   are sealed to it; docs/credentials.md), the passcode hasher (argon2id), the OpenID
//!   Connect provider and the population register.
//! - [`oidc`]: the provider's endpoints.
//! - [`register`]: the population register (CPR) adapter.

pub mod clients;
pub mod oidc;
pub mod register;
pub mod signin;

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use tillit_pki::secret::{FileSealer, PasscodeHasher, Sealer};
use tillit_pki::KeyAlgorithm;
use tillit_store::eid::SecretPurpose;
use tillit_store::Store;
use zeroize::Zeroizing;

use crate::ca::{Authority, CaError};

/// The file of the node's sealing key, under the data directory.
pub const SEALING_KEY: &str = "keys/eid-seal.key";
/// The name of the node's OpenID Connect signing key (`keys/oidc.pem`).
pub const OIDC_KEY: &str = "oidc";
/// The associated data the pseudonym key is sealed with.
const PSEUDONYM_AAD: &[u8] = b"tillit-eid-pseudonym-key-v1";

/// The eID's keys and services.
#[derive(Debug)]
pub struct Eid {
    /// Seals the secrets that must be read back (key cards, TOTP seeds).
    pub sealer: Arc<dyn Sealer>,
    /// Hashes and checks passcodes, temporary passcodes and activation codes.
    pub hasher: Arc<PasscodeHasher>,
    /// The OpenID Connect provider.
    pub provider: oidc::Provider,
    /// The population register.
    pub register: Arc<dyn register::PopulationRegister>,
}

impl Eid {
    /// Opens the eID's keys, making each on first use: the sealing key in the file keystore,
    /// the OpenID Connect key (RSA-3072, RS256) beside the OCSP responders', and the key of
    /// pseudonymous subjects, sealed in the database so that every node uses the same.
    pub async fn open(store: &Store, ca: &Authority) -> Result<Eid, CaError> {
        let (dir, passphrase) = ca.keystore();
        let path = dir.join(SEALING_KEY);
        let passphrase = passphrase.clone();
        let sealer = tokio::task::spawn_blocking(move || {
            if path.exists() {
                return FileSealer::open(&path, &passphrase);
            }
            match FileSealer::generate(&path, &passphrase) {
                Ok(sealer) => Ok(sealer),
                // Another node on this data directory made it first.
                Err(_) if path.exists() => FileSealer::open(&path, &passphrase),
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(|_| CaError::TaskFailed)?
        .map_err(|e| CaError::Keystore(format!("the eID sealing key: {e}")))?;
        let sealer: Arc<dyn Sealer> = Arc::new(sealer);
        let pseudonym_key = pseudonym_key(store, sealer.as_ref()).await?;
        let signer = Arc::new(ca.node_key(OIDC_KEY, KeyAlgorithm::Rsa3072).await?);
        let provider = oidc::Provider::new(ca.urls().base(), signer, pseudonym_key)
            .map_err(|e| CaError::Keystore(format!("the OpenID Connect key: {e}")))?;
        Ok(Eid {
            sealer,
            hasher: Arc::new(PasscodeHasher::default()),
            provider,
            register: Arc::new(register::PersonTable::new(store.clone())),
        })
    }
}

/// The key of pseudonymous subjects: drawn once, sealed, kept in the database.
async fn pseudonym_key(store: &Store, sealer: &dyn Sealer) -> Result<Zeroizing<Vec<u8>>, CaError> {
    let keystore = |e: tillit_pki::secret::SecretError| CaError::Keystore(format!("the pseudonym key: {e}"));
    if store.secret("node", SecretPurpose::PseudonymKey).await?.is_none() {
        let mut key = Zeroizing::new(vec![0u8; 32]);
        SystemRandom::new().fill(&mut key).map_err(|_| CaError::Keystore("no randomness".into()))?;
        let sealed = B64.encode(sealer.seal(PSEUDONYM_AAD, &key).map_err(keystore)?);
        let mut tx = store.begin().await?;
        tx.put_secret_if_absent(
            "node",
            SecretPurpose::PseudonymKey,
            &sealed,
            crate::routines::officers::now_us(),
        )
        .await?;
        tx.commit().await?;
    }
    let stored = store
        .secret("node", SecretPurpose::PseudonymKey)
        .await?
        .ok_or_else(|| CaError::Keystore("the pseudonym key was not kept".into()))?;
    let sealed = B64.decode(stored).map_err(|_| CaError::Keystore("the pseudonym key is damaged".into()))?;
    sealer.open(PSEUDONYM_AAD, &sealed).map_err(keystore)
}
