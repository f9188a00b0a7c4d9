//! CA keys in a PKCS#11 token (an HSM, or SoftHSM2 in tests): [`Pkcs11Signer`].
//!
//! The token is named by an RFC 7512 URI ([`Pkcs11Uri`]): `module-path` is the module to load,
//! `token=` (and optionally `serial=`, `manufacturer=`, `model=`, `slot-id=`) picks the token,
//! `pin-value` or `pin-source` gives the user PIN. The key itself is named by its label
//! (CKA_LABEL), the same on the private and the public half.
//!
//! Keys are generated on the token (sensitive, not extractable, sign only) and never leave it:
//! for ECDSA this module hashes the message and the token signs the digest (CKM_ECDSA); for RSA
//! the token hashes and signs (CKM_SHA256_RSA_PKCS / CKM_SHA384_RSA_PKCS).
//!
//! Each module is loaded and initialised once per process and shared. A signer keeps a small
//! pool of logged-in sessions, so several threads can sign at once; when the token drops its
//! sessions (restart, reinsertion) the signer reconnects once and retries.

mod uri;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::{ObjectIdentifier, OctetString, UintRef};
use der::{Decode as _, Encode as _};
use rand::RngCore as _;
use sha2::Digest as _;
use spki::SubjectPublicKeyInfoOwned;

use crate::signer::{ec_spki, oid, rsa_spki, KeyAlgorithm, Signer, SignerError};

pub use uri::{ObjectType, Pkcs11Uri, Pkcs11UriError};

/// At most this many idle sessions are kept per signer.
const MAX_IDLE_SESSIONS: usize = 8;

/// The modules loaded in this process, by (canonical) path. A module is initialised once and
/// never finalised: other signers on the same module share it.
static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn err(message: impl Into<String>) -> SignerError {
    SignerError::Pkcs11(message.into())
}

/// A cryptoki error as short text: `C_Login: PinIncorrect`.
pub(crate) fn ck(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, function) => format!("C_{function:?}: {rv:?}"),
        other => other.to_string(),
    }
}

/// Errors after which the session (or the key handle) is gone and a fresh connection may work.
pub(crate) fn connection_lost(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::UserNotLoggedIn
                | RvError::KeyHandleInvalid
                | RvError::ObjectHandleInvalid
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::CryptokiNotInitialized,
            _
        )
    )
}

/// Loads and initialises the module at `path`, once per process.
fn load_module(path: &Path) -> Result<Pkcs11, SignerError> {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut modules = lock(MODULES.get_or_init(Default::default));
    if let Some(pkcs11) = modules.get(&key) {
        return Ok(pkcs11.clone());
    }
    let pkcs11 = Pkcs11::new(&key)
        .map_err(|e| err(format!("cannot load the PKCS#11 module {}: {}", path.display(), ck(&e))))?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Initialised already by someone else in this process: usable as it is.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(err(format!("cannot initialise the PKCS#11 module {}: {}", path.display(), ck(&e))))
        }
    }
    modules.insert(key, pkcs11.clone());
    Ok(pkcs11)
}

/// A token named by a URI, with the module that serves it and the PIN to log in with.
pub(crate) struct Token {
    pkcs11: Pkcs11,
    uri: Pkcs11Uri,
    /// How to name the token in messages: `token "tillit-ci"`.
    pub(crate) name: String,
    pin: Option<AuthPin>,
    protected_path: bool,
}

impl Token {
    pub(crate) fn connect(uri: &Pkcs11Uri) -> Result<(Self, Slot), SignerError> {
        let name = describe_token(uri);
        let Some(module_path) = uri.module_path() else {
            let hint = match uri.module_name() {
                Some(_) => " (module-name is not supported: give module-path)",
                None => "",
            };
            return Err(err(format!("the PKCS#11 URI for {name} has no module-path{hint}")));
        };
        if uri.token().is_none() && uri.serial().is_none() && uri.slot_id().is_none() {
            return Err(err("the PKCS#11 URI names no token: give token=<label> (or serial= or slot-id=)"));
        }
        let pkcs11 = load_module(module_path)?;
        check_library(&pkcs11, uri, module_path)?;
        let pin = uri.pin().map_err(SignerError::from)?.map(|p| AuthPin::from(p.as_str()));
        let mut token = Token { pkcs11, uri: uri.clone(), name, pin, protected_path: false };
        let slot = token.find_slot()?;
        let info = token.pkcs11.get_token_info(slot).map_err(|e| token.fail("read the token info", &e))?;
        token.protected_path = info.protected_authentication_path();
        if token.pin.is_none() && !token.protected_path {
            return Err(err(format!(
                "the PKCS#11 URI for {} has no pin-value or pin-source, and the token has no PIN pad",
                token.name
            )));
        }
        Ok((token, slot))
    }

    pub(crate) fn fail(&self, what: &str, e: &CkError) -> SignerError {
        err(format!("{}: cannot {what}: {}", self.name, ck(e)))
    }

    /// The one slot whose token matches the URI.
    pub(crate) fn find_slot(&self) -> Result<Slot, SignerError> {
        let uri = &self.uri;
        let slots = self.pkcs11.get_slots_with_token().map_err(|e| self.fail("list the slots", &e))?;
        let mut found = Vec::new();
        for slot in slots {
            if uri.slot_id().is_some_and(|id| id != slot.id()) {
                continue;
            }
            let info = self.pkcs11.get_token_info(slot).map_err(|e| self.fail("read the token info", &e))?;
            let matches = |want: Option<&str>, have: &str| want.is_none_or(|w| w == have.trim_end());
            if matches(uri.token(), info.label())
                && matches(uri.manufacturer(), info.manufacturer_id())
                && matches(uri.serial(), info.serial_number())
                && matches(uri.model(), info.model())
            {
                found.push(slot);
            }
        }
        let module = uri.module_path().map(|p| p.display().to_string()).unwrap_or_default();
        match found.as_slice() {
            [slot] => Ok(*slot),
            [] => Err(err(format!("{}: no such token in the PKCS#11 module {module}", self.name))),
            many => Err(err(format!(
                "{}: {} tokens in the PKCS#11 module {module} match; add serial= to the URI",
                self.name,
                many.len()
            ))),
        }
    }

    /// A new session on `slot`, logged in as the user.
    pub(crate) fn session(&self, slot: Slot, read_write: bool) -> Result<Session, SignerError> {
        let session =
            if read_write { self.pkcs11.open_rw_session(slot) } else { self.pkcs11.open_ro_session(slot) }
                .map_err(|e| self.fail("open a session", &e))?;
        match session.login(UserType::User, self.pin.as_ref()) {
            // The login is per application and token: another session did it already.
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
            Err(e) => Err(self.login_failed(&e)),
        }
    }
}

impl Token {
    /// A failed C_Login in words: a wrong or locked PIN is said as such, since the user
    /// can act on it (and every wrong try counts against the PIN on a card).
    fn login_failed(&self, e: &CkError) -> SignerError {
        let hint = match e {
            CkError::Pkcs11(RvError::PinIncorrect, _) => {
                "the PIN is wrong (each wrong try counts towards locking it; check pin-value or pin-source)"
            }
            CkError::Pkcs11(RvError::PinLocked, _) => "the PIN is locked: unblock it with the PUK first",
            CkError::Pkcs11(RvError::PinLenRange, _) => "the PIN has a length the token does not accept",
            CkError::Pkcs11(RvError::PinExpired, _) => "the PIN has expired: change it first",
            CkError::Pkcs11(RvError::PinInvalid, _) => "the PIN has characters the token does not accept",
            _ => return self.fail("log in as user", e),
        };
        err(format!("{}: cannot log in: {hint} ({})", self.name, ck(e)))
    }
}

/// `token "x"` (or `token serial "…"`, `the token in slot 3`) for messages.
fn describe_token(uri: &Pkcs11Uri) -> String {
    match (uri.token(), uri.serial(), uri.slot_id()) {
        (Some(label), _, _) => format!("token {label:?}"),
        (None, Some(serial), _) => format!("token with serial {serial:?}"),
        (None, None, Some(id)) => format!("the token in slot {id}"),
        (None, None, None) => "the token".to_owned(),
    }
}

/// Checks the library-* attributes of the URI against the module.
fn check_library(pkcs11: &Pkcs11, uri: &Pkcs11Uri, path: &Path) -> Result<(), SignerError> {
    if uri.library_manufacturer().is_none()
        && uri.library_description().is_none()
        && uri.library_version().is_none()
    {
        return Ok(());
    }
    let info = pkcs11
        .get_library_info()
        .map_err(|e| err(format!("PKCS#11 module {}: cannot read its info: {}", path.display(), ck(&e))))?;
    let version = info.library_version();
    let mismatch =
        |what: &str| err(format!("the PKCS#11 module {} does not match {what} in the URI", path.display()));
    if uri.library_manufacturer().is_some_and(|m| m != info.manufacturer_id().trim_end()) {
        return Err(mismatch("library-manufacturer"));
    }
    if uri.library_description().is_some_and(|d| d != info.library_description().trim_end()) {
        return Err(mismatch("library-description"));
    }
    if uri.library_version().is_some_and(|v| v != (version.major(), version.minor())) {
        return Err(mismatch("library-version"));
    }
    Ok(())
}

/// What a signer needs to sign, behind one lock: the slot, the key handle, idle sessions.
struct State {
    slot: Slot,
    key: ObjectHandle,
    idle: Vec<Session>,
}

/// A CA key held in a PKCS#11 token. The private key never leaves the token; the signer keeps
/// the public key, the key's handle and a pool of logged-in sessions, and is safe to share
/// between threads.
pub struct Pkcs11Signer {
    algorithm: KeyAlgorithm,
    label: String,
    /// The key's CKA_ID when it was opened by it (labels need not be unique then).
    id: Option<Vec<u8>>,
    public: SubjectPublicKeyInfoOwned,
    token: Token,
    state: Mutex<State>,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.token.name)
            .field("label", &self.label)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// Generates a key pair of `algorithm` on the token named by `uri`, labelled `label`
    /// (private key sensitive, not extractable, for signing only; both halves with the same
    /// label and a random CKA_ID). Refuses when an object with that label exists already.
    pub fn generate(uri: &Pkcs11Uri, label: &str, algorithm: KeyAlgorithm) -> Result<Self, SignerError> {
        check_label(label)?;
        let (token, slot) = Token::connect(uri)?;
        let session = token.session(slot, true)?;
        let existing = session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(|e| token.fail("search for objects", &e))?;
        if !existing.is_empty() {
            return Err(err(format!(
                "{}: an object labelled {label:?} exists already; refusing to generate another key with that label",
                token.name
            )));
        }
        let mut id = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let (public_key, private_key) = generate_pair(&token, &session, label, &id, algorithm)?;
        Self::with_key(token, slot, session, label, algorithm, private_key, Some(public_key), None)
    }

    /// Opens the key labelled `label` on the token named by `uri`, and checks that it is a key
    /// of `algorithm`.
    pub fn open(uri: &Pkcs11Uri, label: &str, algorithm: KeyAlgorithm) -> Result<Self, SignerError> {
        check_label(label)?;
        let (token, slot) = Token::connect(uri)?;
        let session = token.session(slot, false)?;
        let private_key = find_key(&token, &session, ObjectClass::PRIVATE_KEY, label, None)?
            .ok_or_else(|| err(format!("{}: no private key labelled {label:?}", token.name)))?;
        let public_key = find_key(&token, &session, ObjectClass::PUBLIC_KEY, label, None)?;
        Self::with_key(token, slot, session, label, algorithm, private_key, public_key, None)
    }

    /// Opens the key pair labelled `label` with CKA_ID `id` on the token named by `uri`, and
    /// checks that it is a key of `algorithm`. Other key pairs may carry the same label (a
    /// card holding the old and the new credential while one replaces the other).
    pub fn open_id(
        uri: &Pkcs11Uri,
        label: &str,
        id: &[u8],
        algorithm: KeyAlgorithm,
    ) -> Result<Self, SignerError> {
        check_label(label)?;
        let (token, slot) = Token::connect(uri)?;
        let session = token.session(slot, false)?;
        let private_key =
            find_key(&token, &session, ObjectClass::PRIVATE_KEY, label, Some(id))?.ok_or_else(|| {
                err(format!("{}: no private key labelled {label:?} with id {}", token.name, hex_id(id)))
            })?;
        let public_key = find_key(&token, &session, ObjectClass::PUBLIC_KEY, label, Some(id))?;
        Self::with_key(token, slot, session, label, algorithm, private_key, public_key, Some(id.to_vec()))
    }

    /// The signer of a key found or made on the token: reads and checks its public key, and
    /// keeps the session as the first of the pool.
    #[allow(clippy::too_many_arguments)]
    fn with_key(
        token: Token,
        slot: Slot,
        session: Session,
        label: &str,
        algorithm: KeyAlgorithm,
        private_key: ObjectHandle,
        public_key: Option<ObjectHandle>,
        id: Option<Vec<u8>>,
    ) -> Result<Self, SignerError> {
        let spki = read_public_key(&token, &session, label, algorithm, private_key, public_key)?;
        Ok(Pkcs11Signer {
            algorithm,
            label: label.to_owned(),
            id,
            public: spki,
            state: Mutex::new(State { slot, key: private_key, idle: vec![session] }),
            token,
        })
    }

    /// The key's label on the token.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A logged-in session from the pool (or a new one) and the key handle.
    fn take_session(&self) -> Result<(Session, ObjectHandle), SignerError> {
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
    fn reconnect(&self) -> Result<(), SignerError> {
        let mut state = lock(&self.state);
        state.idle.clear();
        let slot = self.token.find_slot()?;
        let session = self.token.session(slot, false)?;
        let key = find_key(&self.token, &session, ObjectClass::PRIVATE_KEY, &self.label, self.id.as_deref())?
            .ok_or_else(|| err(format!("{}: the private key {:?} is gone", self.token.name, self.label)))?;
        *state = State { slot, key, idle: vec![session] };
        Ok(())
    }
}

impl Signer for Pkcs11Signer {
    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let (mechanism, data) = match self.algorithm {
            KeyAlgorithm::EcdsaP256 => (Mechanism::Ecdsa, sha2::Sha256::digest(message).to_vec()),
            KeyAlgorithm::EcdsaP384 => (Mechanism::Ecdsa, sha2::Sha384::digest(message).to_vec()),
            KeyAlgorithm::Rsa3072 => (Mechanism::Sha256RsaPkcs, message.to_vec()),
            KeyAlgorithm::Rsa4096 => (Mechanism::Sha384RsaPkcs, message.to_vec()),
        };
        let mut reconnected = false;
        let raw = loop {
            let (session, key) = self.take_session()?;
            match session.sign(&mechanism, key, &data) {
                Ok(signature) => {
                    self.give_back(session);
                    break signature;
                }
                Err(e) if connection_lost(&e) && !reconnected => {
                    drop(session);
                    self.reconnect()?;
                    reconnected = true;
                }
                Err(e) => {
                    // A failed C_Sign ends the operation; the session stays usable unless it
                    // is the session that failed.
                    if !connection_lost(&e) {
                        self.give_back(session);
                    }
                    return Err(SignerError::Sign(format!(
                        "{}: key {:?}: {}",
                        self.token.name,
                        self.label,
                        ck(&e)
                    )));
                }
            }
        };
        if self.algorithm.is_rsa() {
            return Ok(raw);
        }
        ecdsa_der(&raw, field_len(self.algorithm)).ok_or_else(|| {
            SignerError::Sign(format!(
                "{}: key {:?}: the token returned a {}-byte ECDSA signature, not r||s for {}",
                self.token.name,
                self.label,
                raw.len(),
                self.algorithm
            ))
        })
    }
}

/// Generates a key pair of `algorithm` on the token, both halves labelled `label` with CKA_ID
/// `id`; the private key sensitive, not extractable, for signing only. Returns the (public,
/// private) handles. Checks nothing about existing objects: the callers decide.
pub(crate) fn generate_pair(
    token: &Token,
    session: &Session,
    label: &str,
    id: &[u8],
    algorithm: KeyAlgorithm,
) -> Result<(ObjectHandle, ObjectHandle), SignerError> {
    let common = |private: bool| {
        vec![
            Attribute::Token(true),
            Attribute::Private(private),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ]
    };
    let mut public = common(false);
    public.push(Attribute::Verify(true));
    let mut private = common(true);
    private.extend([Attribute::Sensitive(true), Attribute::Extractable(false), Attribute::Sign(true)]);
    let mechanism = if algorithm.is_rsa() {
        public.extend([
            Attribute::ModulusBits(rsa_bits(algorithm).into()),
            Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
            Attribute::Encrypt(false),
            Attribute::Wrap(false),
        ]);
        private.extend([Attribute::Decrypt(false), Attribute::Unwrap(false)]);
        Mechanism::RsaPkcsKeyPairGen
    } else {
        let params = curve(algorithm)
            .to_der()
            .map_err(|e| err(format!("cannot encode the curve of {algorithm}: {e}")))?;
        public.push(Attribute::EcParams(params));
        private.push(Attribute::Derive(false));
        Mechanism::EccKeyPairGen
    };
    session
        .generate_key_pair(&mechanism, &public, &private)
        .map_err(|e| token.fail(&format!("generate a {algorithm} key labelled {label:?}"), &e))
}

/// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480, RFC 3279).
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// The DER `Ecdsa-Sig-Value` of a PKCS#11 ECDSA signature (r and s, `len` bytes each).
fn ecdsa_der(raw: &[u8], len: usize) -> Option<Vec<u8>> {
    if raw.len() != 2 * len {
        return None;
    }
    let (r, s) = raw.split_at(len);
    EcdsaSigValue { r: UintRef::new(r).ok()?, s: UintRef::new(s).ok()? }.to_der().ok()
}

/// A CKA_ID as lower-case hex, for messages.
pub(crate) fn hex_id(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn check_label(label: &str) -> Result<(), SignerError> {
    if label.is_empty() {
        return Err(err("a PKCS#11 key needs a non-empty label"));
    }
    Ok(())
}

fn rsa_bits(algorithm: KeyAlgorithm) -> u64 {
    algorithm.rsa_bits() as u64
}

fn curve(algorithm: KeyAlgorithm) -> ObjectIdentifier {
    algorithm.curve()
}

/// The size of a field element (and of r and s) in bytes.
fn field_len(algorithm: KeyAlgorithm) -> usize {
    match algorithm {
        KeyAlgorithm::EcdsaP384 => 48,
        _ => 32,
    }
}

fn curve_name(curve: ObjectIdentifier) -> String {
    match curve {
        oid::SECP256R1 => "P-256".to_owned(),
        oid::SECP384R1 => "P-384".to_owned(),
        other => other.to_string(),
    }
}

/// The key of `class` labelled `label` (and with CKA_ID `id`, when given) on the token, if
/// there is exactly one.
fn find_key(
    token: &Token,
    session: &Session,
    class: ObjectClass,
    label: &str,
    id: Option<&[u8]>,
) -> Result<Option<ObjectHandle>, SignerError> {
    let mut template =
        vec![Attribute::Token(true), Attribute::Class(class), Attribute::Label(label.as_bytes().to_vec())];
    if let Some(id) = id {
        template.push(Attribute::Id(id.to_vec()));
    }
    let found = session
        .find_objects(&template)
        .map_err(|e| token.fail(&format!("search for the key {label:?}"), &e))?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(err(format!(
            "{}: {} {} keys are labelled {label:?}; key labels must be unique",
            token.name,
            many.len(),
            if class == ObjectClass::PRIVATE_KEY { "private" } else { "public" },
        ))),
    }
}

/// Reads the attributes `types` of `object`, in that order; an error if one is missing.
fn attributes(
    token: &Token,
    session: &Session,
    object: ObjectHandle,
    label: &str,
    types: &[AttributeType],
) -> Result<Vec<Attribute>, SignerError> {
    let found = session
        .get_attributes(object, types)
        .map_err(|e| token.fail(&format!("read the attributes of the key {label:?}"), &e))?;
    types
        .iter()
        .map(|t| {
            found
                .iter()
                .find(|a| a.attribute_type() == *t)
                .cloned()
                .ok_or_else(|| err(format!("{}: the key {label:?} has no readable {t}", token.name)))
        })
        .collect()
}

/// Checks that the key pair is one of `algorithm` and returns its public key.
fn read_public_key(
    token: &Token,
    session: &Session,
    label: &str,
    algorithm: KeyAlgorithm,
    private: ObjectHandle,
    public: Option<ObjectHandle>,
) -> Result<SubjectPublicKeyInfoOwned, SignerError> {
    let name = &token.name;
    let not = |what: String| err(format!("{name}: the key {label:?} is {what}, not {algorithm}"));
    let private_attrs =
        attributes(token, session, private, label, &[AttributeType::KeyType, AttributeType::Sign])?;
    let (key_type, can_sign) = match private_attrs.as_slice() {
        [Attribute::KeyType(t), Attribute::Sign(s)] => (*t, *s),
        _ => return Err(err(format!("{name}: the key {label:?} has unexpected attributes"))),
    };
    let always_auth = session
        .get_attributes(private, &[AttributeType::AlwaysAuthenticate])
        .ok()
        .and_then(|a| match a.first() {
            Some(Attribute::AlwaysAuthenticate(b)) => Some(*b),
            _ => None,
        })
        .unwrap_or(false);
    if !can_sign {
        return Err(err(format!("{name}: the key {label:?} is not allowed to sign (CKA_SIGN is false)")));
    }
    if always_auth {
        return Err(err(format!(
            "{name}: the key {label:?} needs the PIN for every signature (CKA_ALWAYS_AUTHENTICATE), \
             which tillit does not support"
        )));
    }
    if let Some(public) = public {
        let ids = |object| {
            session
                .get_attributes(object, &[AttributeType::Id])
                .ok()
                .and_then(|a| a.into_iter().next())
                .and_then(|a| match a {
                    Attribute::Id(id) => Some(id),
                    _ => None,
                })
        };
        if let (Some(a), Some(b)) = (ids(private), ids(public)) {
            if a != b {
                return Err(err(format!(
                    "{name}: the private and public keys labelled {label:?} have different CKA_IDs"
                )));
            }
        }
    }
    if algorithm.is_rsa() {
        if key_type != KeyType::RSA {
            return Err(not(format!("a {key_type} key")));
        }
        // The modulus and exponent are public attributes of the private key too.
        let source = public.unwrap_or(private);
        let attrs = attributes(
            token,
            session,
            source,
            label,
            &[AttributeType::Modulus, AttributeType::PublicExponent],
        )?;
        let (modulus, exponent) = match attrs.as_slice() {
            [Attribute::Modulus(n), Attribute::PublicExponent(e)] => (n, e),
            _ => return Err(err(format!("{name}: the key {label:?} has unexpected attributes"))),
        };
        let modulus = UintRef::new(modulus)
            .map_err(|e| err(format!("{name}: the key {label:?} has a bad modulus: {e}")))?;
        let bytes = modulus.as_bytes();
        let bits = match bytes.first() {
            Some(&top) => (bytes.len() * 8) as u64 - u64::from(top.leading_zeros()),
            None => 0,
        };
        if bits != rsa_bits(algorithm) {
            return Err(not(format!("a {bits}-bit RSA key")));
        }
        let public_exponent = UintRef::new(exponent)
            .map_err(|e| err(format!("{name}: the key {label:?} has a bad public exponent: {e}")))?;
        let pkcs1 = rsa::pkcs1::RsaPublicKey { modulus, public_exponent }
            .to_der()
            .map_err(|e| err(format!("{name}: cannot encode the public key {label:?}: {e}")))?;
        rsa_spki(&pkcs1).map_err(|e| err(format!("{name}: cannot encode the public key {label:?}: {e}")))
    } else {
        if key_type != KeyType::EC {
            return Err(not(format!("a {key_type} key")));
        }
        let params = attributes(token, session, private, label, &[AttributeType::EcParams])?;
        let key_curve = match params.as_slice() {
            [Attribute::EcParams(p)] => ObjectIdentifier::from_der(p).ok(),
            _ => None,
        }
        .ok_or_else(|| not("an EC key on a curve given by explicit parameters".to_owned()))?;
        if key_curve != curve(algorithm) {
            return Err(not(format!("an EC key on {}", curve_name(key_curve))));
        }
        let public = public
            .ok_or_else(|| err(format!("{name}: no public key labelled {label:?} beside the private key")))?;
        let point = attributes(token, session, public, label, &[AttributeType::EcPoint])?;
        let point = match point.as_slice() {
            [Attribute::EcPoint(p)] => ec_point(p, field_len(algorithm)),
            _ => None,
        }
        .ok_or_else(|| err(format!("{name}: the public key {label:?} has a malformed CKA_EC_POINT")))?;
        ec_spki(key_curve, &point)
            .map_err(|e| err(format!("{name}: cannot encode the public key {label:?}: {e}")))
    }
}

/// The uncompressed point from CKA_EC_POINT: a DER OCTET STRING wrapping it (as the standard
/// says and SoftHSM does), or the bare point (as some tokens do).
fn ec_point(value: &[u8], field_len: usize) -> Option<Vec<u8>> {
    let well_formed = |p: &[u8]| p.len() == 1 + 2 * field_len && p[0] == 0x04;
    if let Ok(wrapped) = OctetString::from_der(value) {
        if well_formed(wrapped.as_bytes()) {
            return Some(wrapped.as_bytes().to_vec());
        }
    }
    well_formed(value).then(|| value.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signatures_become_der() {
        // r with its top bit set gets a leading zero; s with leading zeros loses them.
        let mut raw = vec![0x80; 32];
        raw.extend([0u8; 31]);
        raw.push(0x05);
        let der = ecdsa_der(&raw, 32).unwrap();
        let mut expected = vec![0x30, 0x26, 0x02, 0x21, 0x00];
        expected.extend([0x80; 32]);
        expected.extend([0x02, 0x01, 0x05]);
        assert_eq!(der, expected);
        assert!(ecdsa_der(&raw, 48).is_none());
        assert!(ecdsa_der(&raw[..63], 32).is_none());
    }

    #[test]
    fn ec_points_are_unwrapped() {
        let mut point = vec![0x04];
        point.extend([7u8; 64]);
        let wrapped = OctetString::new(point.clone()).unwrap().to_der().unwrap();
        assert_eq!(ec_point(&wrapped, 32), Some(point.clone()));
        assert_eq!(ec_point(&point, 32), Some(point.clone()));
        assert_eq!(ec_point(&point, 48), None);
        assert_eq!(ec_point(&wrapped[..10], 32), None);
    }

    #[test]
    fn errors_name_the_token_and_never_the_pin() {
        let uri: Pkcs11Uri = "pkcs11:token=nowhere?pin-value=secret-pin".parse().unwrap();
        let e = Pkcs11Signer::open(&uri, "k", KeyAlgorithm::EcdsaP256).unwrap_err().to_string();
        assert!(e.contains("token \"nowhere\"") && e.contains("no module-path"), "{e}");
        assert!(!e.contains("secret-pin"), "{e}");
        let uri: Pkcs11Uri =
            "pkcs11:object=k?module-path=/nonexistent/lib.so&pin-value=secret-pin".parse().unwrap();
        let e = Pkcs11Signer::open(&uri, "k", KeyAlgorithm::EcdsaP256).unwrap_err().to_string();
        assert!(e.contains("names no token"), "{e}");
        let uri: Pkcs11Uri =
            "pkcs11:token=t?module-path=/nonexistent/lib.so&pin-value=secret-pin".parse().unwrap();
        let e = Pkcs11Signer::open(&uri, "k", KeyAlgorithm::EcdsaP256).unwrap_err().to_string();
        assert!(e.contains("cannot load the PKCS#11 module /nonexistent/lib.so"), "{e}");
        assert!(!e.contains("secret-pin"), "{e}");
        let e = Pkcs11Signer::open(&uri, "", KeyAlgorithm::EcdsaP256).unwrap_err().to_string();
        assert!(e.contains("non-empty label"), "{e}");
    }
}
