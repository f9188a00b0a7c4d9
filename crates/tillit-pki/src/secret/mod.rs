//! Citizens' credentials as cryptographic building blocks (SPEC §10, R-DK-1..8; the
//! walk-through is `docs/credentials.md`).
//!
//! The Danish public RA hands out key cards, sealed temporary passcode letters and
//! authenticators (code displays and audio code readers: TOTP tokens; paper activation codes;
//! SMS PINs). This module makes and checks those secrets; what a credential's state is, how
//! many tries are left and when it expires is decided in `tillit-core`.
//!
//! - [`seal`]: secrets that must be read back (a key card's secret, a TOTP seed) are sealed
//!   with AES-256-GCM under a key in the file keystore ([`FileSealer`]) or in an HSM
//!   ([`Pkcs11Sealer`]), bound to their record by the associated data.
//! - [`passcode`]: secrets that only need checking (passcodes, temporary passcodes,
//!   activation codes, SMS PINs) are stored as salted argon2id hashes ([`PasscodeHasher`]),
//!   and the generators for the codes the RA issues.
//! - [`keycard`]: key cards, whose numbered codes are derived from one sealed secret.
//! - [`totp`]: RFC 6238 one-time codes for code displays and audio code readers.
//! - [`letter`]: the print files (PDF) of key cards and temporary passcode letters.
//!
//! Everything is composed from reviewed primitives (ring's AES-GCM, RustCrypto's HMAC, SHA-1,
//! SHA-2 and argon2, the keystore's PKCS#8 encryption); randomness comes from the operating
//! system.

pub mod keycard;
pub mod letter;
pub mod passcode;
pub mod seal;
pub mod totp;

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::keystore::KeystoreError;
use crate::signer::SignerError;

pub use keycard::{KeyCard, KeyCardCode, KeyCardKey, KeyCardPair, KeyCardSecret, KeyCardSerial};
pub use letter::{key_card_pdf, passcode_letter_pdf, KeyCardPrint, PasscodeLetterPrint};
pub use passcode::{
    generate_activation_code, generate_sms_pin, generate_temporary_passcode, generate_user_id, normalise,
    HashCost, IssuedCode, PasscodeHasher, UserId, Verification,
};
pub use seal::{sealed_key_id, FileSealer, Pkcs11Sealer, Sealer};
pub use totp::{hotp, Totp, TotpAlgorithm, TotpParams, TotpSeed};

/// Why making, sealing, opening, hashing, checking or printing a credential's secret failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The sealing key file could not be written or read (it exists already, it cannot be
    /// read, or it could not be encoded).
    #[error(transparent)]
    Keystore(KeystoreError),
    /// The sealing key file does not decrypt with this passphrase (or is damaged).
    #[error("{0}: cannot open the sealing key: wrong passphrase, or the file is damaged")]
    WrongPassphrase(PathBuf),
    /// The key file decrypts, but holds another kind of key than a 256-bit AES sealing key.
    #[error("{0}: not a tillit sealing key (an AES-256 key in encrypted PKCS#8)")]
    NotASealingKey(PathBuf),
    /// The token could not be used: no such module, token or key, a wrong PIN, a key that is
    /// not an AES-256 key for encryption, or another PKCS#11 error (the message says which).
    #[error(transparent)]
    Token(#[from] SignerError),
    /// The bytes are not a sealed secret in a format this version knows.
    #[error("not a sealed secret: {0}")]
    Malformed(&'static str),
    /// The secret was sealed under another key than this sealer's.
    #[error("the secret was sealed under the key {found:?}, this sealer has {expected:?}")]
    OtherKey {
        /// The key id in the sealed secret.
        found: String,
        /// The key id of the sealer asked to open it.
        expected: String,
    },
    /// The sealed secret does not authenticate: it was altered, or it belongs to another
    /// record (other associated data).
    #[error("the sealed secret does not open: it was altered, or it was sealed for another record")]
    Open,
    /// The operating system's random generator or a primitive failed.
    #[error("{0} failed")]
    Crypto(&'static str),
    /// A stored passcode hash cannot be checked (not a PHC string, not argon2, a cost beyond
    /// the ceiling).
    #[error("unusable passcode hash: {0}")]
    PasscodeHash(String),
    /// The argon2 cost parameters are outside what argon2 allows.
    #[error("argon2 cost: {0}")]
    HashCost(String),
    /// A key card serial, size or position out of range.
    #[error("key card: {0}")]
    KeyCard(String),
    /// A TOTP seed or parameter that cannot be used.
    #[error("TOTP: {0}")]
    Totp(String),
    /// A print file could not be made (text outside Windows-1252, a value that does not fit).
    #[error("print file: {0}")]
    Print(String),
    /// A user id that is not 9 digits starting with 1-9.
    #[error("a user id has 9 digits and does not start with 0")]
    UserId,
}

impl From<KeystoreError> for SecretError {
    fn from(e: KeystoreError) -> Self {
        match e {
            KeystoreError::Decrypt(path) => SecretError::WrongPassphrase(path),
            other => SecretError::Keystore(other),
        }
    }
}

/// The ten digits, for generated numbers.
pub(crate) const DIGITS: &[u8] = b"0123456789";

/// `len` characters drawn uniformly from `alphabet` (2 to 256 ASCII characters) with the
/// operating system's random generator. Bytes that would favour the first characters are
/// thrown away (rejection sampling), so every character is equally likely.
pub(crate) fn random_from(alphabet: &[u8], len: usize) -> Result<Zeroizing<String>, SecretError> {
    let n = alphabet.len();
    if !(2..=256).contains(&n) || !alphabet.is_ascii() {
        return Err(SecretError::Crypto("drawing from an alphabet of 2 to 256 ASCII characters"));
    }
    // The largest multiple of n that fits a byte's 256 values.
    let limit = 256 - 256 % n;
    let mut out = Zeroizing::new(String::with_capacity(len));
    let mut buffer = Zeroizing::new([0u8; 64]);
    while out.len() < len {
        rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, buffer.as_mut())
            .map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
        for &byte in buffer.iter() {
            if out.len() == len {
                break;
            }
            if usize::from(byte) < limit {
                out.push(char::from(alphabet[usize::from(byte) % n]));
            }
        }
    }
    Ok(out)
}
