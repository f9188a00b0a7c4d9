//! Sealing secrets that must be read back (a key card's secret, a TOTP seed): AES-256-GCM
//! under a key that never sits in the database, with the record the secret belongs to as
//! associated data.
//!
//! A sealed secret is, byte for byte:
//!
//! ```text
//! "tsl1" | key id length (1 byte) | key id (UTF-8) | nonce (12 bytes) | ciphertext | tag (16 bytes)
//! ```
//!
//! The GCM associated data is everything before the nonce followed by the caller's `aad`, so
//! the key id is authenticated too, and a blob copied to another record (another `aad`) does
//! not open. The key id says which key sealed it, so keys can be rotated later: a keyring
//! picks the sealer by [`sealed_key_id`]. Nonces are 96 random bits from the operating system;
//! a key should seal fewer than 2^32 secrets (NIST SP 800-38D §8.3), far beyond a registry's
//! lifetime of credentials.
//!
//! Two sealers: [`FileSealer`], a random 256-bit key in the data directory encrypted under the
//! keystore passphrase (the keystore's PKCS#8 encryption: scrypt and AES-256-CBC), and
//! [`Pkcs11Sealer`], an AES-256 key generated in an HSM that never leaves it (CKM_AES_GCM).

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use cryptoki::types::Ulong;
use der::asn1::ObjectIdentifier;
use der::Encode as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom as _, SystemRandom};
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::SecretError;
use crate::keystore::{read_encrypted_pkcs8, write_encrypted_pkcs8, Passphrase};
use crate::pkcs11::{check_label, ck, connection_lost, err, hex_id, Pkcs11Uri, Token};

/// The first bytes of every sealed secret: format version 1.
pub const SEALED_FORMAT: &[u8; 4] = b"tsl1";
/// The GCM tag length in bytes (128 bits).
const TAG_LEN: usize = 16;
/// A sealing key: AES-256.
const KEY_LEN: usize = 32;
/// Key ids are at most this many bytes (their length is one byte in the format).
const MAX_KEY_ID: usize = 255;
/// At most this many idle token sessions are kept per sealer.
const MAX_IDLE_SESSIONS: usize = 8;
/// id-aes256-GCM (NIST CSOR): the algorithm named in a sealing key's PKCS#8 document.
const AES256_GCM: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.46");

/// Seals secrets so that only this key opens them, bound to the record they belong to.
pub trait Sealer: Send + Sync + fmt::Debug {
    /// Encrypts and authenticates `plaintext`, binding it to `aad` (e.g. the authenticator's
    /// id): the sealed secret opens only with the same `aad`.
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SecretError>;
    /// Checks and decrypts a secret sealed by this key for `aad`. Refuses a secret sealed
    /// under another key ([`SecretError::OtherKey`]) and one that was altered or sealed for
    /// another record ([`SecretError::Open`]).
    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError>;
    /// The key's id as written into every secret it seals.
    fn key_id(&self) -> &str;
}

/// A shared sealer seals as the sealer itself.
impl<S: Sealer + ?Sized> Sealer for Arc<S> {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        (**self).seal(aad, plaintext)
    }
    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        (**self).open(aad, sealed)
    }
    fn key_id(&self) -> &str {
        (**self).key_id()
    }
}

/// The id of the key a secret was sealed under, read from the sealed secret (not
/// authenticated until the secret is opened): picks the sealer when keys have been rotated.
pub fn sealed_key_id(sealed: &[u8]) -> Result<&str, SecretError> {
    Ok(Parsed::new(sealed)?.key_id)
}

/// A sealed secret taken apart.
struct Parsed<'a> {
    /// Format and key id: the first part of the associated data.
    header: &'a [u8],
    key_id: &'a str,
    nonce: [u8; NONCE_LEN],
    /// Ciphertext and tag.
    ciphertext: &'a [u8],
}

impl<'a> Parsed<'a> {
    fn new(sealed: &'a [u8]) -> Result<Self, SecretError> {
        let rest = sealed.strip_prefix(SEALED_FORMAT.as_slice()).ok_or(SecretError::Malformed(
            "it does not start with the format tag tsl1 (another format, or not sealed at all)",
        ))?;
        let (&id_len, rest) = rest.split_first().ok_or(SecretError::Malformed("it is truncated"))?;
        let id_len = usize::from(id_len);
        if id_len == 0 {
            return Err(SecretError::Malformed("its key id is empty"));
        }
        if rest.len() < id_len + NONCE_LEN + TAG_LEN {
            return Err(SecretError::Malformed("it is truncated"));
        }
        let (id, rest) = rest.split_at(id_len);
        let key_id =
            std::str::from_utf8(id).map_err(|_| SecretError::Malformed("its key id is not UTF-8"))?;
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let mut nonce_bytes = [0u8; NONCE_LEN];
        nonce_bytes.copy_from_slice(nonce);
        let header = &sealed[..SEALED_FORMAT.len() + 1 + id_len];
        Ok(Parsed { header, key_id, nonce: nonce_bytes, ciphertext })
    }

    /// Refuses a secret sealed under another key than `key_id`.
    fn check_key(&self, key_id: &str) -> Result<(), SecretError> {
        if self.key_id != key_id {
            return Err(SecretError::OtherKey { found: self.key_id.to_owned(), expected: key_id.to_owned() });
        }
        Ok(())
    }
}

/// The format tag and key id that start a sealed secret.
fn header(key_id: &str) -> Result<Vec<u8>, SecretError> {
    let len = u8::try_from(key_id.len())
        .ok()
        .filter(|len| *len > 0)
        .ok_or(SecretError::Malformed("a key id has 1 to 255 bytes"))?;
    let mut out = Vec::with_capacity(SEALED_FORMAT.len() + 1 + key_id.len() + NONCE_LEN);
    out.extend_from_slice(SEALED_FORMAT);
    out.push(len);
    out.extend_from_slice(key_id.as_bytes());
    Ok(out)
}

/// The GCM associated data: the header, then the caller's. The header carries its own
/// length, so the concatenation is unambiguous.
fn gcm_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    [header, aad].concat()
}

fn random_nonce(rng: &SystemRandom) -> Result<[u8; NONCE_LEN], SecretError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
    Ok(nonce)
}

/// A sealing key in the data directory: 32 random bytes, kept in a file encrypted under the
/// keystore passphrase exactly as the CA keys are (encrypted PKCS#8, PBES2 with scrypt
/// N=2^17, r=8, p=1 and AES-256-CBC; mode 0600, never overwritten). Sealing uses ring's
/// AES-256-GCM.
pub struct FileSealer {
    key: LessSafeKey,
    key_id: String,
    rng: SystemRandom,
}

impl fmt::Debug for FileSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSealer").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl FileSealer {
    /// Generates a sealing key and writes it, encrypted under `passphrase`, to `path` (which
    /// must not exist).
    pub fn generate(path: &Path, passphrase: &Passphrase) -> Result<Self, SecretError> {
        let rng = SystemRandom::new();
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill(key.as_mut()).map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
        let info = pkcs8::PrivateKeyInfo::new(
            pkcs8::AlgorithmIdentifierRef { oid: AES256_GCM, parameters: None },
            key.as_ref(),
        );
        let der = Zeroizing::new(
            info.to_der().map_err(|e| SecretError::Keystore(crate::KeystoreError::Encode(e.to_string())))?,
        );
        write_encrypted_pkcs8(path, &der, passphrase)?;
        Self::from_key(&key)
    }

    /// Opens the sealing key at `path` with `passphrase`. A wrong passphrase is
    /// [`SecretError::WrongPassphrase`].
    pub fn open(path: &Path, passphrase: &Passphrase) -> Result<Self, SecretError> {
        let der = read_encrypted_pkcs8(path, passphrase)?;
        let not_ours = || SecretError::NotASealingKey(path.to_owned());
        let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).map_err(|_| not_ours())?;
        if info.algorithm.oid != AES256_GCM
            || info.algorithm.parameters.is_some()
            || info.private_key.len() != KEY_LEN
        {
            return Err(not_ours());
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(info.private_key);
        Self::from_key(&key)
    }

    fn from_key(key: &[u8; KEY_LEN]) -> Result<Self, SecretError> {
        // A key check value as the id: it names the key without revealing anything of it.
        let digest = sha2::Sha256::new_with_prefix(b"tillit-sealing-key-id-v1").chain_update(key).finalize();
        let key_id = format!("file:{}", hex_id(&digest[..8]));
        let unbound =
            UnboundKey::new(&AES_256_GCM, key).map_err(|_| SecretError::Crypto("loading the AES key"))?;
        Ok(FileSealer { key: LessSafeKey::new(unbound), key_id, rng: SystemRandom::new() })
    }
}

impl Sealer for FileSealer {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let mut out = header(&self.key_id)?;
        let aad = gcm_aad(&out, aad);
        let nonce = random_nonce(&self.rng)?;
        out.extend_from_slice(&nonce);
        let mut in_out = Zeroizing::new(plaintext.to_vec());
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&aad), &mut *in_out)
            .map_err(|_| SecretError::Crypto("AES-GCM sealing"))?;
        out.extend_from_slice(&in_out);
        Ok(out)
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let parsed = Parsed::new(sealed)?;
        parsed.check_key(&self.key_id)?;
        let aad = gcm_aad(parsed.header, aad);
        let mut in_out = Zeroizing::new(parsed.ciphertext.to_vec());
        let len = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(parsed.nonce), Aad::from(&aad), &mut in_out)
            .map_err(|_| SecretError::Open)?
            .len();
        in_out.truncate(len);
        Ok(in_out)
    }

    fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// What a token sealer needs to seal, behind one lock: the slot, the key handle, idle
/// sessions.
struct State {
    slot: Slot,
    key: ObjectHandle,
    idle: Vec<Session>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A sealing key in a PKCS#11 token (an HSM; SoftHSM2 in tests): an AES-256 secret key,
/// named by its label, generated on the token as a token object that is sensitive and never
/// extractable, for encryption and decryption only. Sealing is CKM_AES_GCM on the token with a
/// 96-bit nonce chosen here and a 128-bit tag. Like [`crate::Pkcs11Signer`] it keeps a small
/// pool of logged-in sessions and reconnects once when the token dropped them.
pub struct Pkcs11Sealer {
    label: String,
    key_id: String,
    token: Token,
    rng: SystemRandom,
    state: Mutex<State>,
}

impl fmt::Debug for Pkcs11Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Sealer")
            .field("token", &self.token.name)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Sealer {
    /// Generates an AES-256 sealing key labelled `label` on the token named by `uri` (with a
    /// random CKA_ID). Refuses when an object with that label exists already.
    pub fn generate(uri: &Pkcs11Uri, label: &str) -> Result<Self, SecretError> {
        let key_id = key_id_for(label)?;
        let (token, slot) = Token::connect(uri)?;
        let session = token.session(slot, true)?;
        let existing = session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(|e| token.fail("search for objects", &e))?;
        if !existing.is_empty() {
            return Err(err(format!(
                "{}: an object labelled {label:?} exists already; refusing to generate another key with that label",
                token.name
            ))
            .into());
        }
        let mut id = [0u8; 16];
        SystemRandom::new()
            .fill(&mut id)
            .map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(Ulong::new(KEY_LEN as _)),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Wrap(false),
            Attribute::Unwrap(false),
            Attribute::Sign(false),
            Attribute::Verify(false),
            Attribute::Derive(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ];
        let key = session
            .generate_key(&Mechanism::AesKeyGen, &template)
            .map_err(|e| token.fail(&format!("generate an AES-256 key labelled {label:?}"), &e))?;
        Self::with_key(token, slot, session, label, key_id, key)
    }

    /// Opens the AES-256 sealing key labelled `label` on the token named by `uri`.
    pub fn open(uri: &Pkcs11Uri, label: &str) -> Result<Self, SecretError> {
        let key_id = key_id_for(label)?;
        let (token, slot) = Token::connect(uri)?;
        let session = token.session(slot, false)?;
        let key = find_secret_key(&token, &session, label)?;
        Self::with_key(token, slot, session, label, key_id, key)
    }

    /// The key's label on the token.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The sealer of a key found or made on the token, after checking that it is an AES-256
    /// key allowed to encrypt and decrypt; keeps the session as the first of the pool.
    fn with_key(
        token: Token,
        slot: Slot,
        session: Session,
        label: &str,
        key_id: String,
        key: ObjectHandle,
    ) -> Result<Self, SecretError> {
        check_secret_key(&token, &session, label, key)?;
        Ok(Pkcs11Sealer {
            label: label.to_owned(),
            key_id,
            token,
            rng: SystemRandom::new(),
            state: Mutex::new(State { slot, key, idle: vec![session] }),
        })
    }

    /// Runs `op` on a pooled session with the key; reconnects once when the token lost the
    /// session or the key handle. The outer error is the token being unusable, the inner one
    /// what `op` got.
    fn call<T>(
        &self,
        op: impl Fn(&Session, ObjectHandle) -> Result<T, CkError>,
    ) -> Result<Result<T, CkError>, SecretError> {
        let mut reconnected = false;
        loop {
            let (session, key) = self.take_session()?;
            match op(&session, key) {
                Ok(value) => {
                    self.give_back(session);
                    return Ok(Ok(value));
                }
                Err(e) if connection_lost(&e) && !reconnected => {
                    drop(session);
                    self.reconnect()?;
                    reconnected = true;
                }
                Err(e) => {
                    // A failed C_Encrypt/C_Decrypt ends the operation; the session stays usable
                    // unless it is the session that failed.
                    if !connection_lost(&e) {
                        self.give_back(session);
                    }
                    return Ok(Err(e));
                }
            }
        }
    }

    fn take_session(&self) -> Result<(Session, ObjectHandle), SecretError> {
        let mut state = lock(&self.state);
        let session = match state.idle.pop() {
            Some(session) => session,
            None => self.token.session(state.slot, false)?,
        };
        Ok((session, state.key))
    }

    fn give_back(&self, session: Session) {
        let mut state = lock(&self.state);
        if state.idle.len() < MAX_IDLE_SESSIONS {
            state.idle.push(session);
        }
    }

    /// Drops every pooled session, finds the token and the key again, and pools a fresh
    /// session.
    fn reconnect(&self) -> Result<(), SecretError> {
        let mut state = lock(&self.state);
        state.idle.clear();
        let slot = self.token.find_slot()?;
        let session = self.token.session(slot, false)?;
        let key = find_secret_key(&self.token, &session, &self.label)?;
        *state = State { slot, key, idle: vec![session] };
        Ok(())
    }

    fn failed(&self, what: &str, e: &CkError) -> SecretError {
        err(format!("{}: key {:?}: cannot {what}: {}", self.token.name, self.label, ck(e))).into()
    }
}

impl Sealer for Pkcs11Sealer {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let mut out = header(&self.key_id)?;
        let aad = gcm_aad(&out, aad);
        let nonce = random_nonce(&self.rng)?;
        out.extend_from_slice(&nonce);
        let sealed = self
            .call(|session, key| {
                let mut iv = nonce;
                let params = GcmParams::new(&mut iv, &aad, Ulong::new((TAG_LEN * 8) as _))?;
                session.encrypt(&Mechanism::AesGcm(params), key, plaintext)
            })?
            .map_err(|e| self.failed("seal with AES-GCM", &e))?;
        if sealed.len() != plaintext.len() + TAG_LEN {
            return Err(err(format!(
                "{}: key {:?}: AES-GCM returned {} bytes for {} (expected the ciphertext and a 16-byte tag)",
                self.token.name,
                self.label,
                sealed.len(),
                plaintext.len()
            ))
            .into());
        }
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let parsed = Parsed::new(sealed)?;
        parsed.check_key(&self.key_id)?;
        let aad = gcm_aad(parsed.header, aad);
        let result = self.call(|session, key| {
            let mut iv = parsed.nonce;
            let params = GcmParams::new(&mut iv, &aad, Ulong::new((TAG_LEN * 8) as _))?;
            session.decrypt(&Mechanism::AesGcm(params), key, parsed.ciphertext).map(Zeroizing::new)
        })?;
        match result {
            Ok(plain) => Ok(plain),
            // The tag did not verify. PKCS#11 says CKR_ENCRYPTED_DATA_INVALID; SoftHSM2 (and
            // some HSMs) answer CKR_GENERAL_ERROR when OpenSSL's final GCM step refuses.
            Err(CkError::Pkcs11(
                RvError::EncryptedDataInvalid | RvError::EncryptedDataLenRange | RvError::GeneralError,
                _,
            )) => Err(SecretError::Open),
            Err(e) => Err(self.failed("open with AES-GCM", &e)),
        }
    }

    fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// A token key's id in sealed secrets: `pkcs11:` and its label.
fn key_id_for(label: &str) -> Result<String, SecretError> {
    check_label(label)?;
    let key_id = format!("pkcs11:{label}");
    if key_id.len() > MAX_KEY_ID {
        return Err(err(format!("the sealing key label {label:?} is too long (at most 248 bytes)")).into());
    }
    Ok(key_id)
}

/// The one secret key labelled `label` on the token.
fn find_secret_key(token: &Token, session: &Session, label: &str) -> Result<ObjectHandle, SecretError> {
    let found = session
        .find_objects(&[
            Attribute::Token(true),
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(|e| token.fail(&format!("search for the key {label:?}"), &e))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(err(format!("{}: no secret key labelled {label:?}", token.name)).into()),
        many => Err(err(format!(
            "{}: {} secret keys are labelled {label:?}; key labels must be unique",
            token.name,
            many.len()
        ))
        .into()),
    }
}

/// Checks that the key is AES-256 and allowed to encrypt and decrypt.
fn check_secret_key(
    token: &Token,
    session: &Session,
    label: &str,
    key: ObjectHandle,
) -> Result<(), SecretError> {
    let attributes = session
        .get_attributes(
            key,
            &[
                AttributeType::KeyType,
                AttributeType::ValueLen,
                AttributeType::Encrypt,
                AttributeType::Decrypt,
            ],
        )
        .map_err(|e| token.fail(&format!("read the attributes of the key {label:?}"), &e))?;
    let (mut key_type, mut len, mut encrypt, mut decrypt) = (None, None, false, false);
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::ValueLen(l) => len = Some(usize::from(l)),
            Attribute::Encrypt(b) => encrypt = b,
            Attribute::Decrypt(b) => decrypt = b,
            _ => {}
        }
    }
    let name = &token.name;
    match key_type {
        Some(t) if t == KeyType::AES => {}
        Some(t) => return Err(err(format!("{name}: the key {label:?} is a {t} key, not AES-256")).into()),
        None => return Err(err(format!("{name}: the key {label:?} has no readable CKA_KEY_TYPE")).into()),
    }
    if len != Some(KEY_LEN) {
        let bits = len.map_or_else(|| "unknown".to_owned(), |l| (l * 8).to_string());
        return Err(err(format!("{name}: the key {label:?} is AES with {bits} bits, not AES-256")).into());
    }
    if !encrypt || !decrypt {
        return Err(err(format!(
            "{name}: the key {label:?} is not allowed to encrypt and decrypt (CKA_ENCRYPT, CKA_DECRYPT)"
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_the_key_id_and_refuse_empty_or_long_ones() {
        let h = header("file:0011").unwrap();
        assert_eq!(&h[..4], b"tsl1");
        assert_eq!(h[4], 9);
        assert_eq!(&h[5..], b"file:0011");
        assert!(header("").is_err());
        assert!(header(&"x".repeat(256)).is_err());
        assert!(header(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn truncated_and_foreign_blobs_are_malformed() {
        for blob in [&b""[..], b"tsl", b"tsl1", b"tsl1\x00", b"tsl2\x01a", b"tsl1\x05ab"] {
            assert!(matches!(Parsed::new(blob), Err(SecretError::Malformed(_))), "{blob:?}");
        }
        let mut minimal = header("k").unwrap();
        minimal.extend([0u8; NONCE_LEN + TAG_LEN]);
        let parsed = Parsed::new(&minimal).unwrap();
        assert_eq!(parsed.key_id, "k");
        assert_eq!(parsed.ciphertext.len(), TAG_LEN);
        assert!(Parsed::new(&minimal[..minimal.len() - 1]).is_err());
    }
}
