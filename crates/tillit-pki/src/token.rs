//! The holder's card (or any PKCS#11 token) as card middleware uses it for a credential
//! download (R-CRED-1, R-CRED-4): two key pairs generated on the token (authentication and
//! signing), a PKCS#10 request signed by each, and the issued certificates stored beside their
//! keys.
//!
//! - [`CardToken`] is one logged-in read-write session on the token: list the objects under a
//!   label, generate a key pair ([`TokenKey`]), store a certificate next to its key, delete
//!   objects.
//! - [`Enrolment`] is one credential download on a card: [`Enrolment::begin`] refuses a card
//!   that holds a credential under the labels already (unless asked to replace it), generates
//!   both key pairs and their requests; [`Enrolment::complete`] stores the two certificates
//!   and only then removes the credential it replaces; [`Enrolment::abandon`] removes the new
//!   keys when the server refused.
//!
//! Keys are made as [`Pkcs11Signer::generate`] makes CA keys: private halves sensitive, not
//! extractable, sign only. A key pair and its certificate share CKA_LABEL and CKA_ID, the way
//! card middleware (OpenSC, Net iD, SITHS eID) pairs them; CKA_ID is read back after
//! generation, since some cards choose their own.

use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::asn1::BitString;
use der::pem::LineEnding;
use der::{Decode as _, Encode as _};
use rand::RngCore as _;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::Attributes;
use x509_cert::request::{CertReq, CertReqInfo, Version};
use x509_cert::Certificate;

use crate::pkcs11::{check_label, err, generate_pair, hex_id, Pkcs11Signer, Pkcs11Uri, Token};
use crate::profile::SubjectField;
use crate::signer::{KeyAlgorithm, Signer, SignerError};

/// Why a token operation or an enrolment step failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token could not be used: no such module or token, a wrong or locked PIN, a
    /// PKCS#11 error (the message names the token and the operation).
    #[error(transparent)]
    Pkcs11(#[from] SignerError),
    /// The card holds objects under a credential's label already, and replacing was not asked
    /// for.
    #[error(
        "{token}: the card holds a credential labelled {label:?} already ({objects}); \
         give --replace to replace it (the old keys and certificates are deleted only after the \
         new certificates are stored)"
    )]
    Exists {
        /// The token, as messages name it.
        token: String,
        /// The label in use.
        label: String,
        /// What is there, e.g. `a private key, a certificate`.
        objects: String,
    },
    /// A label that cannot be used.
    #[error("{0}")]
    Label(String),
    /// A certificate that is not DER X.509, or not for the key it is to be stored with.
    #[error("{0}")]
    Certificate(String),
    /// A certification request could not be built.
    #[error("cannot build the certification request: {0}")]
    Request(String),
}

/// What kind of object a [`TokenObject`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// CKO_PRIVATE_KEY.
    PrivateKey,
    /// CKO_PUBLIC_KEY.
    PublicKey,
    /// CKO_CERTIFICATE.
    Certificate,
    /// Any other class (data objects and the like).
    Other,
}

impl ObjectKind {
    fn from_class(class: ObjectClass) -> Self {
        if class == ObjectClass::PRIVATE_KEY {
            ObjectKind::PrivateKey
        } else if class == ObjectClass::PUBLIC_KEY {
            ObjectKind::PublicKey
        } else if class == ObjectClass::CERTIFICATE {
            ObjectKind::Certificate
        } else {
            ObjectKind::Other
        }
    }

    /// `a private key`, `a certificate`: for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ObjectKind::PrivateKey => "a private key",
            ObjectKind::PublicKey => "a public key",
            ObjectKind::Certificate => "a certificate",
            ObjectKind::Other => "another object",
        }
    }
}

/// An object on the token, as [`CardToken::objects`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenObject {
    /// Its class.
    pub kind: ObjectKind,
    /// Its CKA_LABEL.
    pub label: String,
    /// Its CKA_ID (empty when it has none).
    pub id: Vec<u8>,
}

/// A key pair generated on the token: its label, its CKA_ID, and a signer for it.
#[derive(Debug)]
pub struct TokenKey {
    label: String,
    id: Vec<u8>,
    signer: Pkcs11Signer,
}

impl TokenKey {
    /// The key's CKA_LABEL.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The key's CKA_ID (the same on both halves and on its certificate).
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.signer.algorithm()
    }

    /// The public key.
    pub fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        self.signer.public_key()
    }

    /// Signs with the key on the token.
    pub fn signer(&self) -> &Pkcs11Signer {
        &self.signer
    }

    /// A PKCS#10 request for this key with the subject `CN=<label>`, as PEM.
    pub fn certification_request(&self) -> Result<String, TokenError> {
        let der = certification_request(&self.signer, &[(SubjectField::CommonName, self.label.clone())])?;
        der::pem::encode_string("CERTIFICATE REQUEST", LineEnding::LF, &der)
            .map_err(|e| TokenError::Request(e.to_string()))
    }
}

/// A PKCS#10 request (DER) for the key of `signer` with the given subject, signed by that key:
/// proof of possession for any [`Signer`], on a token or not. No attributes are requested;
/// the CA sets the content from its own records.
pub fn certification_request(
    signer: &dyn Signer,
    subject: &[(SubjectField, String)],
) -> Result<Vec<u8>, TokenError> {
    let subject = crate::x509::name(subject).map_err(|e| TokenError::Request(e.to_string()))?;
    let info = CertReqInfo {
        version: Version::V1,
        subject,
        public_key: signer.public_key().clone(),
        attributes: Attributes::new(),
    };
    let tbs = info.to_der().map_err(|e| TokenError::Request(e.to_string()))?;
    let signature = signer.sign(&tbs)?;
    let request = CertReq {
        info,
        algorithm: signer.algorithm().signature_algorithm(),
        signature: BitString::from_bytes(&signature).map_err(|e| TokenError::Request(e.to_string()))?,
    };
    request.to_der().map_err(|e| TokenError::Request(e.to_string()))
}

/// One logged-in read-write session on a token, for the card operations of a credential
/// download.
pub struct CardToken {
    uri: Pkcs11Uri,
    token: Token,
    session: Session,
}

impl std::fmt::Debug for CardToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardToken").field("token", &self.token.name).finish_non_exhaustive()
    }
}

impl CardToken {
    /// Finds the token named by `uri` (module-path, token=…, the PIN from pin-value or
    /// pin-source) and logs in. A wrong or locked PIN is said as such.
    pub fn open(uri: &Pkcs11Uri) -> Result<Self, TokenError> {
        let (token, slot) = Token::connect(uri)?;
        let session = token.session(slot, true)?;
        Ok(CardToken { uri: uri.clone(), token, session })
    }

    /// How messages name the token: `token "holder-card"`.
    pub fn name(&self) -> &str {
        &self.token.name
    }

    /// Every object on the token labelled `label`.
    pub fn objects(&self, label: &str) -> Result<Vec<TokenObject>, TokenError> {
        let handles = self.find(&[Attribute::Token(true), Attribute::Label(label.as_bytes().to_vec())])?;
        let mut objects = Vec::with_capacity(handles.len());
        for handle in handles {
            let (class, id) = self.class_and_id(handle)?;
            objects.push(TokenObject { kind: ObjectKind::from_class(class), label: label.to_owned(), id });
        }
        Ok(objects)
    }

    /// Generates a key pair of `algorithm` labelled `label` with a fresh random CKA_ID (private
    /// half sensitive, not extractable, sign only). Other objects with the label may exist: the
    /// caller decides whether that is allowed ([`Enrolment::begin`] does).
    pub fn generate_key_pair(&self, label: &str, algorithm: KeyAlgorithm) -> Result<TokenKey, TokenError> {
        check_label(label)?;
        let mut id = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let (_public, private) = generate_pair(&self.token, &self.session, label, &id, algorithm)?;
        // Some cards set CKA_ID themselves (e.g. from the public key): use what the token has.
        let (_, id) = self.class_and_id(private)?;
        match Pkcs11Signer::open_id(&self.uri, label, &id, algorithm) {
            Ok(signer) => Ok(TokenKey { label: label.to_owned(), id, signer }),
            Err(e) => {
                // Leave no half-made key behind.
                let _ = self.delete_id(label, &id);
                Err(e.into())
            }
        }
    }

    /// Stores `certificate` (DER) on the token beside `key`: CKO_CERTIFICATE, X.509, the key's
    /// CKA_LABEL and CKA_ID, CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE; public
    /// (readable without the PIN, as card middleware expects). Refuses a certificate for
    /// another key. Storing the same certificate again does nothing.
    pub fn store_certificate(&self, key: &TokenKey, certificate: &[u8]) -> Result<(), TokenError> {
        let attributes = certificate_attributes(key, certificate)?;
        let existing = self.find(&[
            Attribute::Token(true),
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Label(key.label.as_bytes().to_vec()),
            Attribute::Id(key.id.clone()),
        ])?;
        if let Some(handle) = existing.first().copied() {
            if self.value(handle)?.as_deref() == Some(certificate) {
                return Ok(());
            }
            return Err(TokenError::Certificate(format!(
                "{}: another certificate is stored for the key {:?} (id {}) already",
                self.name(),
                key.label,
                hex_id(&key.id)
            )));
        }
        self.session.create_object(&attributes).map_err(|e| {
            self.token.fail(&format!("store the certificate for the key {:?}", key.label), &e)
        })?;
        Ok(())
    }

    /// The certificate (DER) labelled `label` with CKA_ID `id`, if the token has one.
    pub fn certificate(&self, label: &str, id: &[u8]) -> Result<Option<Vec<u8>>, TokenError> {
        let found = self.find(&[
            Attribute::Token(true),
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ])?;
        match found.first() {
            Some(handle) => self.value(*handle),
            None => Ok(None),
        }
    }

    /// Deletes every object labelled `label` whose CKA_ID is not in `keep`; how many it
    /// deleted.
    pub fn delete_objects(&self, label: &str, keep: &[&[u8]]) -> Result<usize, TokenError> {
        let handles = self.find(&[Attribute::Token(true), Attribute::Label(label.as_bytes().to_vec())])?;
        let mut deleted = 0;
        for handle in handles {
            let (_, id) = self.class_and_id(handle)?;
            if keep.contains(&id.as_slice()) {
                continue;
            }
            self.session
                .destroy_object(handle)
                .map_err(|e| self.token.fail(&format!("delete an object labelled {label:?}"), &e))?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Deletes the objects labelled `label` with CKA_ID `id` (a key pair and its certificate).
    pub fn delete_id(&self, label: &str, id: &[u8]) -> Result<usize, TokenError> {
        let handles = self.find(&[
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ])?;
        for handle in &handles {
            self.session
                .destroy_object(*handle)
                .map_err(|e| self.token.fail(&format!("delete an object labelled {label:?}"), &e))?;
        }
        Ok(handles.len())
    }

    fn find(&self, template: &[Attribute]) -> Result<Vec<ObjectHandle>, TokenError> {
        self.session.find_objects(template).map_err(|e| self.token.fail("search for objects", &e).into())
    }

    fn class_and_id(&self, handle: ObjectHandle) -> Result<(ObjectClass, Vec<u8>), TokenError> {
        let attributes = self
            .session
            .get_attributes(handle, &[AttributeType::Class, AttributeType::Id])
            .map_err(|e| self.token.fail("read an object's class and id", &e))?;
        let mut class = None;
        let mut id = Vec::new();
        for attribute in attributes {
            match attribute {
                Attribute::Class(c) => class = Some(c),
                Attribute::Id(i) => id = i,
                _ => {}
            }
        }
        let class =
            class.ok_or_else(|| err(format!("{}: an object has no readable CKA_CLASS", self.name())))?;
        Ok((class, id))
    }

    fn value(&self, handle: ObjectHandle) -> Result<Option<Vec<u8>>, TokenError> {
        let attributes = self
            .session
            .get_attributes(handle, &[AttributeType::Value])
            .map_err(|e| self.token.fail("read a certificate", &e))?;
        Ok(attributes.into_iter().find_map(|a| match a {
            Attribute::Value(v) => Some(v),
            _ => None,
        }))
    }
}

/// The attributes of the certificate object for `key`, after checking that the certificate
/// is for that key.
fn certificate_attributes(key: &TokenKey, der: &[u8]) -> Result<Vec<Attribute>, TokenError> {
    let certificate = Certificate::from_der(der).map_err(|e| {
        TokenError::Certificate(format!("the certificate for the key {:?} is not DER X.509: {e}", key.label))
    })?;
    let tbs = &certificate.tbs_certificate;
    let encode = |what: &str, r: der::Result<Vec<u8>>| {
        r.map_err(|e| TokenError::Certificate(format!("cannot encode the certificate's {what}: {e}")))
    };
    let spki = encode("public key", tbs.subject_public_key_info.to_der())?;
    let ours = encode("public key", key.public_key().to_der())?;
    if spki != ours {
        return Err(TokenError::Certificate(format!(
            "the certificate with serial {} is not for the key {:?} on the card (another public key)",
            hex_id(tbs.serial_number.as_bytes()),
            key.label
        )));
    }
    Ok(vec![
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Label(key.label.as_bytes().to_vec()),
        Attribute::Id(key.id.clone()),
        Attribute::Subject(encode("subject", tbs.subject.to_der())?),
        Attribute::Issuer(encode("issuer", tbs.issuer.to_der())?),
        // CKA_SERIAL_NUMBER is the DER encoding of the INTEGER (PKCS#11 §4.6.3).
        Attribute::SerialNumber(encode("serial number", tbs.serial_number.to_der())?),
        Attribute::Value(der.to_vec()),
    ])
}

/// The DER of a PEM `CERTIFICATE` (the first, when there are several), checked to be X.509.
pub fn certificate_der(pem: &str) -> Result<Vec<u8>, TokenError> {
    let text = pem.trim_start();
    let end = "-----END CERTIFICATE-----";
    let first = match text.find(end) {
        Some(at) => &text[..at + end.len()],
        None => text,
    };
    let (label, der) = der::pem::decode_vec(first.as_bytes())
        .map_err(|e| TokenError::Certificate(format!("not a PEM certificate: {e}")))?;
    if label != "CERTIFICATE" {
        return Err(TokenError::Certificate(format!("PEM label is {label:?}; expected \"CERTIFICATE\"")));
    }
    Certificate::from_der(&der)
        .map_err(|e| TokenError::Certificate(format!("not an X.509 certificate: {e}")))?;
    Ok(der)
}

/// The labels of a credential's two key pairs and certificates: `PREFIX-authentication` and
/// `PREFIX-signing`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialLabels {
    /// The authentication key pair and certificate.
    pub authentication: String,
    /// The signing key pair and certificate.
    pub signing: String,
}

impl CredentialLabels {
    /// The labels for `prefix` (non-empty, at most 64 characters, no control characters).
    pub fn new(prefix: &str) -> Result<Self, TokenError> {
        if prefix.is_empty() {
            return Err(TokenError::Label("the label prefix is empty".into()));
        }
        if prefix.chars().count() > 64 || prefix.chars().any(char::is_control) {
            return Err(TokenError::Label(format!(
                "the label prefix {:?} is not usable: at most 64 characters, no control characters",
                prefix.chars().take(80).collect::<String>()
            )));
        }
        Ok(CredentialLabels {
            authentication: format!("{prefix}-authentication"),
            signing: format!("{prefix}-signing"),
        })
    }
}

/// What [`Enrolment::complete`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The CKA_ID of the authentication key pair and certificate.
    pub authentication_id: Vec<u8>,
    /// The CKA_ID of the signing key pair and certificate.
    pub signing_id: Vec<u8>,
    /// How many objects of the replaced credential were deleted (0 without `replace`).
    pub deleted: usize,
}

/// One credential download on a card (R-CRED-4): the key pairs made for it, their requests,
/// and what completes or undoes it.
#[derive(Debug)]
pub struct Enrolment {
    card: CardToken,
    labels: CredentialLabels,
    authentication: TokenKey,
    signing: TokenKey,
    authentication_csr: String,
    signing_csr: String,
}

impl Enrolment {
    /// Opens the card named by `uri`, checks that no credential is stored under the labels of
    /// `prefix` (or that `replace` is given), and generates the authentication and the signing
    /// key pair and their requests. Nothing on the card is deleted here: with `replace` the
    /// old credential stays until [`Enrolment::complete`] has stored the new certificates.
    pub fn begin(
        uri: &Pkcs11Uri,
        prefix: &str,
        algorithm: KeyAlgorithm,
        replace: bool,
    ) -> Result<Self, TokenError> {
        let labels = CredentialLabels::new(prefix)?;
        let card = CardToken::open(uri)?;
        if !replace {
            for label in [&labels.authentication, &labels.signing] {
                let objects = card.objects(label)?;
                if !objects.is_empty() {
                    let mut kinds: Vec<&str> = objects.iter().map(|o| o.kind.describe()).collect();
                    kinds.dedup();
                    return Err(TokenError::Exists {
                        token: card.name().to_owned(),
                        label: label.clone(),
                        objects: kinds.join(", "),
                    });
                }
            }
        }
        let authentication = card.generate_key_pair(&labels.authentication, algorithm)?;
        let signing = match card.generate_key_pair(&labels.signing, algorithm) {
            Ok(key) => key,
            Err(e) => {
                let _ = card.delete_id(&authentication.label, &authentication.id);
                return Err(e);
            }
        };
        let requests =
            authentication.certification_request().and_then(|a| Ok((a, signing.certification_request()?)));
        match requests {
            Ok((authentication_csr, signing_csr)) => {
                Ok(Enrolment { card, labels, authentication, signing, authentication_csr, signing_csr })
            }
            Err(e) => {
                let _ = card.delete_id(&authentication.label, &authentication.id);
                let _ = card.delete_id(&signing.label, &signing.id);
                Err(e)
            }
        }
    }

    /// The authentication key's request (PEM).
    pub fn authentication_csr(&self) -> &str {
        &self.authentication_csr
    }

    /// The signing key's request (PEM).
    pub fn signing_csr(&self) -> &str {
        &self.signing_csr
    }

    /// The labels in use.
    pub fn labels(&self) -> &CredentialLabels {
        &self.labels
    }

    /// The new authentication key pair.
    pub fn authentication_key(&self) -> &TokenKey {
        &self.authentication
    }

    /// The new signing key pair.
    pub fn signing_key(&self) -> &TokenKey {
        &self.signing
    }

    /// The card, e.g. to look at what is on it.
    pub fn card(&self) -> &CardToken {
        &self.card
    }

    /// Checks that the certificates (DER) are X.509 and for the new authentication and signing
    /// keys, without storing anything.
    pub fn check_certificates(&self, authentication: &[u8], signing: &[u8]) -> Result<(), TokenError> {
        certificate_attributes(&self.authentication, authentication)?;
        certificate_attributes(&self.signing, signing)?;
        Ok(())
    }

    /// Stores the issued certificates (DER) beside their keys, both checked against their keys
    /// before either is stored; then deletes every other object under the two labels (the
    /// credential this one replaces). On an error the new keys stay on the card with whatever
    /// was stored, and the old credential is untouched.
    pub fn complete(self, authentication: &[u8], signing: &[u8]) -> Result<Stored, TokenError> {
        // Both checked first, so a wrong answer stores nothing.
        self.check_certificates(authentication, signing)?;
        self.card.store_certificate(&self.authentication, authentication)?;
        self.card.store_certificate(&self.signing, signing)?;
        let mut deleted = 0;
        for key in [&self.authentication, &self.signing] {
            deleted += self.card.delete_objects(&key.label, &[key.id.as_slice()])?;
        }
        Ok(Stored {
            authentication_id: self.authentication.id.clone(),
            signing_id: self.signing.id.clone(),
            deleted,
        })
    }

    /// Deletes the new key pairs (the server refused the requests): the card is as it was
    /// before [`Enrolment::begin`].
    pub fn abandon(self) -> Result<(), TokenError> {
        let first = self.card.delete_id(&self.authentication.label, &self.authentication.id);
        let second = self.card.delete_id(&self.signing.label, &self.signing.id);
        first?;
        second?;
        Ok(())
    }
}
