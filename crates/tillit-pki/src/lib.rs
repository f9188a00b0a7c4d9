//! tillit-pki: keys and certificates.
//!
//! CA keys behind the [`Signer`] trait (file keystore; PKCS#11), the node's audit key,
//! certificate profiles as data, PKCS#10 verification, certificate issuance, CRLs and OCSP
//! responses. It knows X.509 and keys, never people or the database.

pub mod crl;
pub mod csr;
pub mod issue;
pub mod keystore;
pub mod ocsp;
pub mod pkcs11;
pub mod profile;
pub mod secret;
pub mod signer;
pub mod token;
pub mod x509;

pub use keystore::{Ed25519FileKey, KeystoreError, Passphrase};
pub use pkcs11::{Pkcs11Signer, Pkcs11Uri};
pub use signer::{FileSigner, KeyAlgorithm, Signer, SignerError};
