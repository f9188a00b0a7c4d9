//! The integration tests of tillit-pki (one test binary for the crate).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod csr;
mod ocsp;
mod pkcs11;
mod secret;
mod token;
