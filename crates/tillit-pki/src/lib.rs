//! tillit-pki: keys and certificates.
//!
//! For now this holds the file keystore for the node's audit key (encrypted PKCS#8, SPEC
//! R-AUD-2). The certificate authority (profiles, issuance, CRL, OCSP, PKCS#11) grows here;
//! it knows X.509 and keys, never people or the database.

pub mod keystore;
pub mod signer;

pub use keystore::{Ed25519FileKey, KeystoreError, Passphrase};
pub use signer::{FileSigner, KeyAlgorithm, Signer, SignerError};
