//! OCSP (RFC 6960): request parsing and signed responses.
//!
//! The pieces a responder is built from: [`parse_request`] reads what a client asks,
//! [`IssuerKey`] tells whether a [`CertId`] names one of our CAs, and a delegated
//! [`Responder`] signs complete `OCSPResponse`s. A response for one certificate without a
//! nonce does not depend on the request beyond its [`CertId`], so it can be produced ahead
//! of time and served as bytes; only a request with a nonce needs a fresh signature.
//! [`error_response`] gives the unsigned answers for requests that cannot be answered.

use std::collections::BTreeSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use const_oid::db::{rfc5280, rfc5912, rfc6960};
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitString, GeneralizedTime, IntRef, OctetString, OctetStringRef};
use der::{Decode as _, Encode as _, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{CrlReason, ExtendedKeyUsage};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertStatus, OcspGeneralizedTime, OcspResponse, ResponderId, ResponseData, RevokedInfo,
};

use crate::crl::Reason;
use crate::signer::{verify_signature, Signer, SignerError};
use crate::x509::{self, enc, X509Error};

/// The largest request [`parse_request`] reads, in bytes. Real requests are a few hundred.
pub const MAX_REQUEST_LEN: usize = 64 * 1024;

/// The most certificates one request may ask about.
pub const MAX_CERT_IDS: usize = 16;

/// The longest nonce accepted, in octets (RFC 8954: `Nonce ::= OCTET STRING(SIZE(1..32))`).
pub const MAX_NONCE_LEN: usize = 32;

/// The hash algorithms a [`CertId`] may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-1: what most clients, OpenSSL's included, send by default.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Every supported algorithm.
    pub const ALL: [HashAlgorithm; 4] =
        [HashAlgorithm::Sha1, HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512];

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlgorithm::Sha1 => rfc5912::ID_SHA_1,
            HashAlgorithm::Sha256 => rfc5912::ID_SHA_256,
            HashAlgorithm::Sha384 => rfc5912::ID_SHA_384,
            HashAlgorithm::Sha512 => rfc5912::ID_SHA_512,
        }
    }

    /// The algorithm with this OID, if supported.
    pub fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        HashAlgorithm::ALL.into_iter().find(|h| h.oid() == oid)
    }

    /// The digest length in octets.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// The usual name (`SHA-256`).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which certificate a request asks about (RFC 6960 §4.1.1 `CertID`): a hash of its
/// issuer's name and key, and its serial number. A response echoes it exactly as asked,
/// hash algorithm and parameters included, so it is kept as it was decoded.
///
/// Equal CertIds encode identically, which makes them usable as keys of a cache of produced
/// responses. Note that the hash algorithm's parameters count: a CertId from
/// [`IssuerKey::cert_id`] has NULL parameters, as OpenSSL sends them, and is not
/// equal to the same CertId with the parameters left out (which RFC 5754 allows for SHA-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertId {
    hash: HashAlgorithm,
    inner: x509_ocsp::CertId,
}

impl CertId {
    /// The hash algorithm of the issuer name and key hashes.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The hash of the issuer's distinguished name.
    pub fn issuer_name_hash(&self) -> &[u8] {
        self.inner.issuer_name_hash.as_bytes()
    }

    /// The hash of the issuer's public key (the subjectPublicKey BIT STRING's bits).
    pub fn issuer_key_hash(&self) -> &[u8] {
        self.inner.issuer_key_hash.as_bytes()
    }

    /// The serial number: the INTEGER's content octets as encoded (minimal two's
    /// complement, so a leading 00 when the top bit is set), as [`crate::issue::Issued`]
    /// and [`crate::crl::Revoked`] hold it.
    pub fn serial(&self) -> &[u8] {
        self.inner.serial_number.as_bytes()
    }

    /// The serial number in hex, for logs and messages.
    pub fn serial_hex(&self) -> String {
        hex(self.serial())
    }

    /// The DER encoding of this CertID.
    pub fn to_der(&self) -> Result<Vec<u8>, X509Error> {
        self.inner.to_der().map_err(enc("the CertID"))
    }
}

impl Hash for CertId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with Eq: fields that Eq compares, parameters only by presence.
        self.hash.hash(state);
        self.inner.hash_algorithm.parameters.is_some().hash(state);
        self.issuer_name_hash().hash(state);
        self.issuer_key_hash().hash(state);
        self.serial().hash(state);
    }
}

/// The nonce of a request (RFC 8954): echoed in the response to bind the two together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nonce(Vec<u8>);

impl Nonce {
    /// A nonce of these octets (1 to [`MAX_NONCE_LEN`]).
    pub fn new(value: &[u8]) -> Result<Self, RequestError> {
        if value.is_empty() {
            return Err(RequestError::Nonce("the nonce is empty; it must have 1 to 32 octets".into()));
        }
        if value.len() > MAX_NONCE_LEN {
            return Err(RequestError::Nonce(format!(
                "the nonce is {} octets long; at most {MAX_NONCE_LEN} are accepted (RFC 8954)",
                value.len()
            )));
        }
        Ok(Nonce(value.to_vec()))
    }

    /// The nonce octets.
    pub fn value(&self) -> &[u8] {
        &self.0
    }
}

/// A parsed OCSP request: the certificates asked about and the nonce, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    cert_ids: Vec<CertId>,
    nonce: Option<Nonce>,
    signed: bool,
}

impl Request {
    /// The certificates asked about, in the request's order: 1 to [`MAX_CERT_IDS`].
    pub fn cert_ids(&self) -> &[CertId] {
        &self.cert_ids
    }

    /// The nonce to echo, if the client sent one.
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }

    /// True when the request carried a signature. It is not verified: anyone may ask.
    pub fn is_signed(&self) -> bool {
        self.signed
    }
}

/// Why a request cannot be answered. Every one of these is answered with
/// `malformedRequest` ([`ErrorStatus::MalformedRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The request is larger than [`MAX_REQUEST_LEN`].
    #[error("the OCSP request is {0} bytes long; at most {MAX_REQUEST_LEN} are accepted")]
    TooLarge(usize),
    /// Not DER of an OCSPRequest: `part` says where.
    #[error("malformed OCSP request: {part}: {reason}")]
    Malformed {
        /// The field, as named in RFC 6960 (`tbsRequest.requestList[0].reqCert.serialNumber`).
        part: String,
        /// What is wrong with it.
        reason: String,
    },
    /// More than [`MAX_CERT_IDS`] certificates asked about.
    #[error("the OCSP request asks about more than {MAX_CERT_IDS} certificates")]
    TooManyCertificates,
    /// A CertID hashed with an algorithm not supported.
    #[error("{part}: hash algorithm {oid} is not supported: use SHA-1, SHA-256, SHA-384 or SHA-512")]
    UnsupportedHash {
        /// The CertID (`tbsRequest.requestList[0].reqCert.hashAlgorithm`).
        part: String,
        /// The algorithm asked for.
        oid: ObjectIdentifier,
    },
    /// The nonce extension is malformed, empty or too long (RFC 8954).
    #[error("nonce extension: {0}")]
    Nonce(String),
    /// A critical extension that tillit does not understand (RFC 6960 §4.4).
    #[error("{part}: critical extension {oid} is not supported")]
    CriticalExtension {
        /// Where (`tbsRequest.requestExtensions`).
        part: String,
        /// The extension.
        oid: ObjectIdentifier,
    },
}

fn malformed(part: &str, reason: impl Into<String>) -> RequestError {
    RequestError::Malformed { part: part.to_owned(), reason: reason.into() }
}

fn der_error(part: &str) -> impl FnOnce(der::Error) -> RequestError + '_ {
    // The error's kind only: its position is relative to the field's own octets.
    move |e| malformed(part, e.kind().to_string())
}

/// Reads one TLV with `tag` and returns a reader over its contents.
fn constructed<'a>(r: &mut SliceReader<'a>, tag: Tag, part: &str) -> Result<SliceReader<'a>, RequestError> {
    let any: AnyRef<'a> = r.decode().map_err(der_error(part))?;
    if any.tag() != tag {
        return Err(malformed(part, format!("expected {tag}, found {}", any.tag())));
    }
    SliceReader::new(any.value()).map_err(der_error(part))
}

/// The contents of an optional `[number] EXPLICIT` field, when it is next.
fn optional_explicit<'a>(
    r: &mut SliceReader<'a>,
    number: TagNumber,
    part: &str,
) -> Result<Option<SliceReader<'a>>, RequestError> {
    let tag = Tag::ContextSpecific { constructed: true, number };
    match r.peek_tag() {
        Ok(next) if next == tag => constructed(r, tag, part).map(Some),
        // Anything else is left for the next field, or for `finish` to refuse.
        _ => Ok(None),
    }
}

fn finish(r: &SliceReader<'_>, part: &str) -> Result<(), RequestError> {
    if r.is_finished() {
        Ok(())
    } else {
        Err(malformed(part, format!("has {} unexpected octet(s) after its last field", r.remaining_len())))
    }
}

/// Parses a DER `OCSPRequest` (RFC 6960 §4.1.1): the CertIDs asked about (at most
/// [`MAX_CERT_IDS`], hashed with SHA-1 or SHA-2) and the nonce (RFC 8954). The requestor
/// name and an optional signature are checked for form and otherwise ignored. Unknown
/// extensions are ignored unless critical. Never panics on any input.
pub fn parse_request(der: &[u8]) -> Result<Request, RequestError> {
    if der.len() > MAX_REQUEST_LEN {
        return Err(RequestError::TooLarge(der.len()));
    }
    let mut outer = SliceReader::new(der).map_err(der_error("OCSPRequest"))?;
    let mut request = constructed(&mut outer, Tag::Sequence, "OCSPRequest")?;
    if !outer.is_finished() {
        return Err(malformed(
            "OCSPRequest",
            format!("is followed by {} octet(s) of trailing data", outer.remaining_len()),
        ));
    }

    let mut tbs = constructed(&mut request, Tag::Sequence, "tbsRequest")?;
    let signed = match optional_explicit(&mut request, TagNumber::N0, "optionalSignature")? {
        Some(mut signature) => {
            check_signature(&mut signature)?;
            finish(&signature, "optionalSignature")?;
            true
        }
        None => false,
    };
    finish(&request, "OCSPRequest")?;

    if let Some(mut version) = optional_explicit(&mut tbs, TagNumber::N0, "tbsRequest.version")? {
        let v: u8 = version.decode().map_err(der_error("tbsRequest.version"))?;
        finish(&version, "tbsRequest.version")?;
        if v != 0 {
            return Err(malformed("tbsRequest.version", format!("only v1 (0) is defined, found {v}")));
        }
    }
    if let Some(mut name) = optional_explicit(&mut tbs, TagNumber::N1, "tbsRequest.requestorName")? {
        let _: GeneralName = name.decode().map_err(der_error("tbsRequest.requestorName"))?;
        finish(&name, "tbsRequest.requestorName")?;
    }

    let mut list = constructed(&mut tbs, Tag::Sequence, "tbsRequest.requestList")?;
    let mut cert_ids = Vec::new();
    while !list.is_finished() {
        if cert_ids.len() == MAX_CERT_IDS {
            return Err(RequestError::TooManyCertificates);
        }
        let part = format!("tbsRequest.requestList[{}]", cert_ids.len());
        cert_ids.push(parse_single_request(&mut list, &part)?);
    }
    if cert_ids.is_empty() {
        return Err(malformed("tbsRequest.requestList", "is empty: it must name at least one certificate"));
    }

    let mut nonce = None;
    let part = "tbsRequest.requestExtensions";
    if let Some(mut field) = optional_explicit(&mut tbs, TagNumber::N2, part)? {
        let exts: Vec<Extension> = field.decode().map_err(der_error(part))?;
        finish(&field, part)?;
        // The nonce is answered; acceptable response types always include the basic one
        // we send (RFC 6960 §4.4.3), so both are understood even when marked critical.
        check_extensions(&exts, &[rfc6960::ID_PKIX_OCSP_NONCE, rfc6960::ID_PKIX_OCSP_RESPONSE], part)?;
        if let Some(ext) = exts.iter().find(|e| e.extn_id == rfc6960::ID_PKIX_OCSP_NONCE) {
            nonce = Some(parse_nonce(ext.extn_value.as_bytes())?);
        }
    }
    finish(&tbs, "tbsRequest")?;

    Ok(Request { cert_ids, nonce, signed })
}

/// `Signature ::= SEQUENCE { signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT
/// SEQUENCE OF Certificate OPTIONAL }`: read for form only.
fn check_signature(r: &mut SliceReader<'_>) -> Result<(), RequestError> {
    let part = "optionalSignature";
    let mut signature = constructed(r, Tag::Sequence, part)?;
    let _: AlgorithmIdentifierOwned =
        signature.decode().map_err(der_error("optionalSignature.signatureAlgorithm"))?;
    let _: BitString = signature.decode().map_err(der_error("optionalSignature.signature"))?;
    if let Some(mut certs) = optional_explicit(&mut signature, TagNumber::N0, "optionalSignature.certs")? {
        let mut list = constructed(&mut certs, Tag::Sequence, "optionalSignature.certs")?;
        while !list.is_finished() {
            let _: AnyRef<'_> = list.decode().map_err(der_error("optionalSignature.certs"))?;
        }
        finish(&certs, "optionalSignature.certs")?;
    }
    finish(&signature, part)
}

/// `Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions
/// OPTIONAL }`.
fn parse_single_request(list: &mut SliceReader<'_>, part: &str) -> Result<CertId, RequestError> {
    let mut request = constructed(list, Tag::Sequence, part)?;
    let cert_part = format!("{part}.reqCert");
    let mut cert = constructed(&mut request, Tag::Sequence, &cert_part)?;

    let alg_part = format!("{cert_part}.hashAlgorithm");
    let hash_algorithm: AlgorithmIdentifierOwned = cert.decode().map_err(der_error(&alg_part))?;
    let hash = HashAlgorithm::from_oid(hash_algorithm.oid)
        .ok_or_else(|| RequestError::UnsupportedHash { part: alg_part.clone(), oid: hash_algorithm.oid })?;
    // RFC 5754 §2: SHA-2 parameters are absent or NULL; clients send either, SHA-1 alike.
    if hash_algorithm.parameters.as_ref().is_some_and(|p| AnyRef::from(p) != AnyRef::NULL) {
        return Err(malformed(&format!("{alg_part}.parameters"), "must be NULL or absent"));
    }

    let mut issuer_hash = |field: &str| -> Result<OctetString, RequestError> {
        let field_part = format!("{cert_part}.{field}");
        let value: OctetString = cert.decode().map_err(der_error(&field_part))?;
        if value.as_bytes().len() != hash.output_len() {
            return Err(malformed(
                &field_part,
                format!("is {} octets long, but {hash} gives {}", value.as_bytes().len(), hash.output_len()),
            ));
        }
        Ok(value)
    };
    let issuer_name_hash = issuer_hash("issuerNameHash")?;
    let issuer_key_hash = issuer_hash("issuerKeyHash")?;

    let serial_part = format!("{cert_part}.serialNumber");
    let tlv = cert.tlv_bytes().map_err(der_error(&serial_part))?;
    let int = IntRef::from_der(tlv).map_err(der_error(&serial_part))?;
    // x509-cert decodes up to 21 octets: 20, and a sign octet some CAs count apart.
    if int.as_bytes().len() > 21 {
        return Err(malformed(
            &serial_part,
            format!("is {} octets long; RFC 5280 allows at most 20", int.as_bytes().len()),
        ));
    }
    let serial_number = SerialNumber::from_der(tlv).map_err(der_error(&serial_part))?;
    finish(&cert, &cert_part)?;

    let ext_part = format!("{part}.singleRequestExtensions");
    if let Some(mut field) = optional_explicit(&mut request, TagNumber::N0, &ext_part)? {
        let exts: Vec<Extension> = field.decode().map_err(der_error(&ext_part))?;
        finish(&field, &ext_part)?;
        check_extensions(&exts, &[], &ext_part)?;
    }
    finish(&request, part)?;

    Ok(CertId {
        hash,
        inner: x509_ocsp::CertId { hash_algorithm, issuer_name_hash, issuer_key_hash, serial_number },
    })
}

/// Refuses repeated extensions and critical ones not in `known`.
fn check_extensions(exts: &[Extension], known: &[ObjectIdentifier], part: &str) -> Result<(), RequestError> {
    let mut seen = BTreeSet::new();
    for ext in exts {
        if !seen.insert(ext.extn_id) {
            return Err(malformed(part, format!("extension {} appears more than once", ext.extn_id)));
        }
        if ext.critical && !known.contains(&ext.extn_id) {
            return Err(RequestError::CriticalExtension { part: part.to_owned(), oid: ext.extn_id });
        }
    }
    Ok(())
}

/// RFC 8954: the extnValue holds the DER of `Nonce ::= OCTET STRING(SIZE(1..32))`. This is
/// what `openssl ocsp` sends (16 random octets by default).
fn parse_nonce(extn_value: &[u8]) -> Result<Nonce, RequestError> {
    let value = OctetStringRef::from_der(extn_value).map_err(|e| {
        RequestError::Nonce(format!(
            "the extension value must be a DER OCTET STRING (RFC 8954): {}",
            e.kind()
        ))
    })?;
    Nonce::new(value.as_bytes())
}

/// A CA as OCSP requests name it: the hashes of its subject name and public key for every
/// supported hash algorithm, computed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerKey {
    /// (name hash, key hash), in the order of [`HashAlgorithm::ALL`].
    hashes: [(Vec<u8>, Vec<u8>); 4],
}

impl IssuerKey {
    /// The hashes of `issuer`'s subject name (its DER) and of its subjectPublicKey bits.
    pub fn new(issuer: &Certificate) -> Result<Self, OcspError> {
        let name = issuer.tbs_certificate.subject.to_der().map_err(enc("the issuer name"))?;
        let key = issuer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
        Ok(IssuerKey { hashes: HashAlgorithm::ALL.map(|h| (h.digest(&name), h.digest(key))) })
    }

    fn hashes(&self, hash: HashAlgorithm) -> &(Vec<u8>, Vec<u8>) {
        let index = match hash {
            HashAlgorithm::Sha1 => 0,
            HashAlgorithm::Sha256 => 1,
            HashAlgorithm::Sha384 => 2,
            HashAlgorithm::Sha512 => 3,
        };
        &self.hashes[index]
    }

    /// The hash of the issuer's name with `hash`.
    pub fn name_hash(&self, hash: HashAlgorithm) -> &[u8] {
        &self.hashes(hash).0
    }

    /// The hash of the issuer's public key with `hash`.
    pub fn key_hash(&self, hash: HashAlgorithm) -> &[u8] {
        &self.hashes(hash).1
    }

    /// True when `id` names a certificate of this issuer: both hashes match.
    pub fn matches(&self, id: &CertId) -> bool {
        let (name, key) = self.hashes(id.hash_algorithm());
        name == id.issuer_name_hash() && key == id.issuer_key_hash()
    }

    /// The CertID of this issuer's certificate with serial number `serial` (content octets
    /// of a positive INTEGER, as [`crate::issue::Issued::serial`]), as a client would ask
    /// with `hash` (parameters NULL, as OpenSSL sends them): for producing responses ahead
    /// of any request.
    pub fn cert_id(&self, hash: HashAlgorithm, serial: &[u8]) -> Result<CertId, OcspError> {
        let bad = || OcspError::Serial(hex(serial));
        if serial.first().is_none_or(|b| *b >= 0x80) {
            return Err(bad());
        }
        let serial_number = SerialNumber::new(serial).map_err(|_| bad())?;
        // Refuses non-minimal encodings (a needless leading 00), which SerialNumber strips.
        if serial_number.as_bytes() != serial {
            return Err(bad());
        }
        let (name, key) = self.hashes(hash);
        Ok(CertId {
            hash,
            inner: x509_ocsp::CertId {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: hash.oid(),
                    parameters: Some(AnyRef::NULL.into()),
                },
                issuer_name_hash: OctetString::new(name.as_slice()).map_err(enc("the issuer name hash"))?,
                issuer_key_hash: OctetString::new(key.as_slice()).map_err(enc("the issuer key hash"))?,
                serial_number,
            },
        })
    }
}

/// What the responder says about one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Issued by this CA and not revoked.
    Good,
    /// Revoked at `at`, for `reason`. No reason, or unspecified, puts no reason code in the
    /// response (as in the CRL, RFC 5280 §5.3.1).
    Revoked {
        /// When it was revoked.
        at: SystemTime,
        /// Why.
        reason: Option<Reason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// One certificate's status over a validity window: one `SingleResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleResponse {
    /// The certificate, exactly as the request named it.
    pub cert_id: CertId,
    /// Its status.
    pub status: Status,
    /// When the status was known to be correct (`thisUpdate`).
    pub this_update: SystemTime,
    /// When newer information will be available (`nextUpdate`); must be after
    /// `this_update`. Clients may cache the response until then.
    pub next_update: SystemTime,
}

/// Errors in producing a response.
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    /// Encoding failed.
    #[error(transparent)]
    X509(#[from] X509Error),
    /// The responder's key failed to sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// A time before 1970 or after 9999.
    #[error("{0}: time out of range for GeneralizedTime")]
    Time(&'static str),
    /// nextUpdate is not after thisUpdate.
    #[error("the response for serial number {serial}: nextUpdate must be after thisUpdate")]
    Window {
        /// The certificate's serial number in hex.
        serial: String,
    },
    /// A response must say something about at least one certificate.
    #[error("an OCSP response needs at least one certificate status")]
    NoResponses,
    /// The responder's key is not the one its certificate certifies.
    #[error("the OCSP responder's key does not match the public key in its certificate")]
    KeyMismatch,
    /// The responder certificate may not sign OCSP responses.
    #[error("the OCSP responder certificate lacks extended key usage id-kp-OCSPSigning (RFC 6960 §4.2.2.2)")]
    NotOcspSigning,
    /// A serial number that is not the content octets of a positive DER INTEGER.
    #[error("serial number {0}: not the content octets of a positive DER INTEGER of at most 20 octets")]
    Serial(String),
}

/// A delegated OCSP responder (RFC 6960 §4.2.2.2): a certificate with id-kp-OCSPSigning,
/// issued by the CA whose certificates it answers for (see [`Responder::is_issued_by`]),
/// and its key.
#[derive(Debug)]
pub struct Responder {
    certificate: Certificate,
    signer: Box<dyn Signer>,
    key_hash: Vec<u8>,
}

impl Responder {
    /// A responder with this certificate and key. Refuses a key that is not the
    /// certificate's, and a certificate without id-kp-OCSPSigning.
    pub fn new(certificate: Certificate, signer: Box<dyn Signer>) -> Result<Self, OcspError> {
        let spki = &certificate.tbs_certificate.subject_public_key_info;
        let key = signer.public_key();
        if spki.algorithm.oid != key.algorithm.oid || spki.subject_public_key != key.subject_public_key {
            return Err(OcspError::KeyMismatch);
        }
        let ocsp_signing = certificate
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == rfc5280::ID_CE_EXT_KEY_USAGE)
            .filter_map(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok())
            .any(|eku| eku.0.contains(&rfc5280::ID_KP_OCSP_SIGNING));
        if !ocsp_signing {
            return Err(OcspError::NotOcspSigning);
        }
        let key_hash = x509::key_identifier(spki);
        Ok(Responder { certificate, signer, key_hash })
    }

    /// True when `issuer` issued the responder's certificate (its name is the certificate's
    /// issuer and its key verifies the certificate's signature): clients accept a delegated
    /// responder only for the CA that issued it, so check this when pairing a responder
    /// with an [`IssuerKey`].
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        let tbs = &self.certificate.tbs_certificate;
        if tbs.issuer != issuer.tbs_certificate.subject {
            return false;
        }
        match (tbs.to_der(), self.certificate.signature.as_bytes()) {
            (Ok(message), Some(signature)) => verify_signature(
                &issuer.tbs_certificate.subject_public_key_info,
                &self.certificate.signature_algorithm,
                &message,
                signature,
            ),
            _ => false,
        }
    }

    /// The responder's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The responderID `byKey`: SHA-1 of the responder's subjectPublicKey bits.
    pub fn key_hash(&self) -> &[u8] {
        &self.key_hash
    }

    /// A complete signed `OCSPResponse` (DER): status successful, a BasicOCSPResponse with
    /// one SingleResponse per entry of `responses` in order, responderID byKey, `produced_at`,
    /// the nonce echoed when given, and the responder's certificate. Without a nonce the
    /// bytes may be kept and served to any request for the same CertIDs until nextUpdate.
    pub fn respond(
        &self,
        responses: &[SingleResponse],
        nonce: Option<&Nonce>,
        produced_at: SystemTime,
    ) -> Result<Vec<u8>, OcspError> {
        if responses.is_empty() {
            return Err(OcspError::NoResponses);
        }
        let mut singles = Vec::with_capacity(responses.len());
        for r in responses {
            if r.next_update <= r.this_update {
                return Err(OcspError::Window { serial: r.cert_id.serial_hex() });
            }
            singles.push(x509_ocsp::SingleResponse {
                cert_id: r.cert_id.inner.clone(),
                cert_status: cert_status(&r.status)?,
                this_update: generalized_time(r.this_update, "thisUpdate")?,
                next_update: Some(generalized_time(r.next_update, "nextUpdate")?),
                single_extensions: None,
            });
        }
        let response_extensions = match nonce {
            Some(nonce) => {
                let value = OctetStringRef::new(nonce.value()).map_err(enc("the nonce"))?;
                Some(vec![x509::extension(rfc6960::ID_PKIX_OCSP_NONCE, false, &value)?])
            }
            None => None,
        };
        let tbs = ResponseData {
            version: x509_ocsp::Version::V1,
            responder_id: ResponderId::ByKey(
                OctetString::new(self.key_hash.clone()).map_err(enc("the responder key hash"))?,
            ),
            produced_at: generalized_time(produced_at, "producedAt")?,
            responses: singles,
            response_extensions,
        };
        let tbs_der = tbs.to_der().map_err(enc("the OCSP response data"))?;
        let signature = self.signer.sign(&tbs_der)?;
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: self.signer.algorithm().signature_algorithm(),
            signature: BitString::from_bytes(&signature).map_err(enc("the signature"))?,
            certs: Some(vec![self.certificate.clone()]),
        };
        let response = OcspResponse::successful(basic).map_err(enc("the OCSP response"))?;
        Ok(response.to_der().map_err(enc("the OCSP response"))?)
    }
}

fn cert_status(status: &Status) -> Result<CertStatus, OcspError> {
    Ok(match status {
        Status::Good => CertStatus::good(),
        Status::Unknown => CertStatus::unknown(),
        Status::Revoked { at, reason } => CertStatus::revoked(RevokedInfo {
            revocation_time: generalized_time(*at, "revocationTime")?,
            revocation_reason: reason.and_then(crl_reason),
        }),
    })
}

/// The reason code for the response: none for unspecified (RFC 5280 §5.3.1).
fn crl_reason(reason: Reason) -> Option<CrlReason> {
    match reason {
        Reason::Unspecified => None,
        Reason::KeyCompromise => Some(CrlReason::KeyCompromise),
        Reason::CaCompromise => Some(CrlReason::CaCompromise),
        Reason::AffiliationChanged => Some(CrlReason::AffiliationChanged),
        Reason::Superseded => Some(CrlReason::Superseded),
        Reason::CessationOfOperation => Some(CrlReason::CessationOfOperation),
        Reason::PrivilegeWithdrawn => Some(CrlReason::PrivilegeWithdrawn),
    }
}

/// A GeneralizedTime of whole seconds (OCSP uses GeneralizedTime only; RFC 5280 §4.1.2.5.2
/// forbids fractions).
fn generalized_time(at: SystemTime, what: &'static str) -> Result<OcspGeneralizedTime, OcspError> {
    let since = at.duration_since(UNIX_EPOCH).map_err(|_| OcspError::Time(what))?;
    let time = GeneralizedTime::from_unix_duration(Duration::from_secs(since.as_secs()))
        .map_err(|_| OcspError::Time(what))?;
    Ok(OcspGeneralizedTime(time))
}

/// The OCSPResponseStatus values of an unsuccessful response (RFC 6960 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorStatus {
    /// malformedRequest (1): the request could not be parsed ([`RequestError`]).
    MalformedRequest,
    /// internalError (2): the responder failed.
    InternalError,
    /// tryLater (3): the responder cannot answer now (e.g. status data unavailable).
    TryLater,
    /// unauthorized (6): the responder does not answer for this CA (RFC 5019 §2.2.3).
    Unauthorized,
}

impl ErrorStatus {
    /// The OCSPResponseStatus code.
    pub fn code(self) -> u8 {
        match self {
            ErrorStatus::MalformedRequest => 1,
            ErrorStatus::InternalError => 2,
            ErrorStatus::TryLater => 3,
            ErrorStatus::Unauthorized => 6,
        }
    }
}

/// The unsigned `OCSPResponse` (DER) with this status and no responseBytes:
/// `SEQUENCE { ENUMERATED code }`.
pub fn error_response(status: ErrorStatus) -> &'static [u8] {
    // Five constant octets; ocsp::tests::error_responses_are_what_x509_ocsp_encodes checks
    // them against the encoder.
    match status {
        ErrorStatus::MalformedRequest => &[0x30, 0x03, 0x0a, 0x01, 0x01],
        ErrorStatus::InternalError => &[0x30, 0x03, 0x0a, 0x01, 0x02],
        ErrorStatus::TryLater => &[0x30, 0x03, 0x0a, 0x01, 0x03],
        ErrorStatus::Unauthorized => &[0x30, 0x03, 0x0a, 0x01, 0x06],
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use der::asn1::Null;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_ocsp::{OcspRequest, OcspResponseStatus, TbsRequest};

    use super::*;
    use crate::issue::{self, Issuer, Template, Urls};
    use crate::profile::{Profiles, SubjectField};
    use crate::signer::{verify_signature, FileSigner, KeyAlgorithm};
    use crate::Passphrase;

    const MD5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
    const UNKNOWN_EXT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1");

    struct Pki {
        _dir: tempfile::TempDir,
        ca: Certificate,
        responder: Responder,
    }

    fn pki() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let pass = Passphrase::new("correct horse battery".into()).unwrap();
        let now = SystemTime::now();
        let ca_key = FileSigner::generate(&dir.path().join("ca"), KeyAlgorithm::EcdsaP256, &pass).unwrap();
        let ca = issue::root_ca(
            &ca_key,
            &[(SubjectField::CommonName, "Test CA".into())],
            now - Duration::from_secs(60),
            now + Duration::from_secs(86_400 * 365),
        )
        .unwrap();
        let key = FileSigner::generate(&dir.path().join("ocsp"), KeyAlgorithm::EcdsaP256, &pass).unwrap();
        let profiles = Profiles::defaults();
        let template = Template {
            subject: vec![(SubjectField::CommonName, "Test OCSP".into())],
            emails: vec![],
            upns: vec![],
            dns_names: vec![],
            public_key: key.public_key().clone(),
            not_before: now - Duration::from_secs(60),
            not_after: now + Duration::from_secs(86_400 * 30),
            policies: vec![],
        };
        let issuer = Issuer { name: "test", certificate: &ca.certificate, signer: &ca_key };
        let cert = issue::issue(
            &issuer,
            "ocsp-responder",
            profiles.get("ocsp-responder").unwrap(),
            &template,
            &Urls::new("https://ca.example"),
        )
        .unwrap();
        let responder = Responder::new(cert.certificate, Box::new(key)).unwrap();
        Pki { _dir: dir, ca: ca.certificate, responder }
    }

    fn raw_cert_id(
        hash: ObjectIdentifier,
        params: Option<der::asn1::Any>,
        len: usize,
        serial: &[u8],
    ) -> x509_ocsp::CertId {
        x509_ocsp::CertId {
            hash_algorithm: AlgorithmIdentifierOwned { oid: hash, parameters: params },
            issuer_name_hash: OctetString::new(vec![1; len]).unwrap(),
            issuer_key_hash: OctetString::new(vec![2; len]).unwrap(),
            serial_number: SerialNumber::new(serial).unwrap(),
        }
    }

    fn sha1_id(serial: &[u8]) -> x509_ocsp::CertId {
        raw_cert_id(rfc5912::ID_SHA_1, Some(Null.into()), 20, serial)
    }

    fn request_der(ids: Vec<x509_ocsp::CertId>, exts: Option<Vec<Extension>>) -> Vec<u8> {
        OcspRequest {
            tbs_request: TbsRequest {
                version: x509_ocsp::Version::V1,
                requestor_name: None,
                request_list: ids
                    .into_iter()
                    .map(|req_cert| x509_ocsp::Request { req_cert, single_request_extensions: None })
                    .collect(),
                request_extensions: exts,
            },
            optional_signature: None,
        }
        .to_der()
        .unwrap()
    }

    fn ext(oid: ObjectIdentifier, critical: bool, value: &[u8]) -> Extension {
        Extension { extn_id: oid, critical, extn_value: OctetString::new(value).unwrap() }
    }

    fn nonce_ext(nonce: &[u8]) -> Extension {
        ext(rfc6960::ID_PKIX_OCSP_NONCE, false, &OctetString::new(nonce).unwrap().to_der().unwrap())
    }

    fn part_of(err: RequestError) -> String {
        match err {
            RequestError::Malformed { part, .. } => part,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn error_responses_are_what_x509_ocsp_encodes() {
        for (status, expected) in [
            (ErrorStatus::MalformedRequest, OcspResponseStatus::MalformedRequest),
            (ErrorStatus::InternalError, OcspResponseStatus::InternalError),
            (ErrorStatus::TryLater, OcspResponseStatus::TryLater),
            (ErrorStatus::Unauthorized, OcspResponseStatus::Unauthorized),
        ] {
            let der = OcspResponse { response_status: expected, response_bytes: None }.to_der().unwrap();
            assert_eq!(error_response(status), der.as_slice(), "{status:?}");
            assert_eq!(u32::from(status.code()), expected as u32);
        }
    }

    #[test]
    fn a_request_yields_its_cert_ids_and_nonce() {
        let der =
            request_der(vec![sha1_id(&[0x01, 0x02]), sha1_id(&[0x7f])], Some(vec![nonce_ext(&[9; 16])]));
        let req = parse_request(&der).unwrap();
        assert_eq!(req.cert_ids().len(), 2);
        let id = &req.cert_ids()[0];
        assert_eq!(id.hash_algorithm(), HashAlgorithm::Sha1);
        assert_eq!(id.issuer_name_hash(), &[1; 20]);
        assert_eq!(id.issuer_key_hash(), &[2; 20]);
        assert_eq!(id.serial(), &[0x01, 0x02]);
        assert_eq!(id.serial_hex(), "0102");
        assert_eq!(req.cert_ids()[1].serial(), &[0x7f]);
        assert_eq!(req.nonce().map(Nonce::value), Some(&[9u8; 16][..]));
        assert!(!req.is_signed());

        let req = parse_request(&request_der(vec![sha1_id(&[1])], None)).unwrap();
        assert_eq!(req.nonce(), None);
    }

    #[test]
    fn cert_ids_re_encode_exactly_as_asked() {
        // Serial with a sign octet, negative serial, and both parameter forms.
        let negative = SerialNumber::from_der(&[0x02, 0x02, 0xff, 0x01]).unwrap();
        let mut ids = vec![
            sha1_id(&[0x80, 0x01]),
            raw_cert_id(rfc5912::ID_SHA_256, None, 32, &[0x05]),
            raw_cert_id(rfc5912::ID_SHA_512, Some(Null.into()), 64, &[0x05]),
        ];
        let mut neg = sha1_id(&[1]);
        neg.serial_number = negative;
        ids.push(neg);
        let der = request_der(ids.clone(), None);
        let req = parse_request(&der).unwrap();
        for (parsed, sent) in req.cert_ids().iter().zip(&ids) {
            assert_eq!(parsed.to_der().unwrap(), sent.to_der().unwrap());
        }
        assert_eq!(req.cert_ids()[0].serial(), &[0x00, 0x80, 0x01]);
        assert_eq!(req.cert_ids()[3].serial(), &[0xff, 0x01]);
        assert_eq!(req.cert_ids()[1].hash_algorithm(), HashAlgorithm::Sha256);
        assert_eq!(req.cert_ids()[2].hash_algorithm(), HashAlgorithm::Sha512);
    }

    #[test]
    fn hash_algorithms_are_checked() {
        for h in HashAlgorithm::ALL {
            let der = request_der(vec![raw_cert_id(h.oid(), Some(Null.into()), h.output_len(), &[1])], None);
            assert_eq!(parse_request(&der).unwrap().cert_ids()[0].hash_algorithm(), h);
        }
        let err = parse_request(&request_der(vec![raw_cert_id(MD5, None, 16, &[1])], None)).unwrap_err();
        assert_eq!(
            err,
            RequestError::UnsupportedHash {
                part: "tbsRequest.requestList[0].reqCert.hashAlgorithm".into(),
                oid: MD5
            }
        );
        assert!(err.to_string().contains("SHA-256"), "{err}");

        let params = Some(der::asn1::Any::from(rfc5912::ID_SHA_1));
        let err = parse_request(&request_der(vec![raw_cert_id(rfc5912::ID_SHA_1, params, 20, &[1])], None))
            .unwrap_err();
        assert_eq!(part_of(err), "tbsRequest.requestList[0].reqCert.hashAlgorithm.parameters");

        let err = parse_request(&request_der(
            vec![sha1_id(&[1]), raw_cert_id(rfc5912::ID_SHA_256, None, 20, &[1])],
            None,
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("requestList[1].reqCert.issuerNameHash: is 20 octets long, but SHA-256 gives 32"),
            "{err}"
        );
    }

    #[test]
    fn the_number_of_cert_ids_is_limited() {
        let ids = |n: usize| (0..n).map(|i| sha1_id(&[i as u8 + 1])).collect::<Vec<_>>();
        assert_eq!(
            parse_request(&request_der(ids(MAX_CERT_IDS), None)).unwrap().cert_ids().len(),
            MAX_CERT_IDS
        );
        assert_eq!(
            parse_request(&request_der(ids(MAX_CERT_IDS + 1), None)),
            Err(RequestError::TooManyCertificates)
        );
        assert_eq!(part_of(parse_request(&request_der(vec![], None)).unwrap_err()), "tbsRequest.requestList");
    }

    #[test]
    fn nonces_are_checked() {
        for len in [1, 16, 32] {
            let der = request_der(vec![sha1_id(&[1])], Some(vec![nonce_ext(&vec![7; len])]));
            assert_eq!(parse_request(&der).unwrap().nonce().unwrap().value().len(), len);
        }
        for (len, message) in [(0, "empty"), (33, "33 octets long")] {
            let der = request_der(vec![sha1_id(&[1])], Some(vec![nonce_ext(&vec![7; len])]));
            let err = parse_request(&der).unwrap_err();
            assert!(matches!(err, RequestError::Nonce(_)) && err.to_string().contains(message), "{err}");
        }
        // The nonce octets straight in extnValue, not wrapped in an OCTET STRING.
        let der = request_der(
            vec![sha1_id(&[1])],
            Some(vec![ext(rfc6960::ID_PKIX_OCSP_NONCE, false, &[0x30; 16])]),
        );
        let err = parse_request(&der).unwrap_err();
        assert!(err.to_string().contains("must be a DER OCTET STRING"), "{err}");
    }

    #[test]
    fn extensions_are_checked() {
        let with = |exts: Vec<Extension>| parse_request(&request_der(vec![sha1_id(&[1])], Some(exts)));
        assert!(with(vec![ext(UNKNOWN_EXT, false, &[0x05, 0x00])]).is_ok());
        assert_eq!(
            with(vec![ext(UNKNOWN_EXT, true, &[0x05, 0x00])]),
            Err(RequestError::CriticalExtension {
                part: "tbsRequest.requestExtensions".into(),
                oid: UNKNOWN_EXT
            })
        );
        let err = with(vec![nonce_ext(&[1; 16]), nonce_ext(&[2; 16])]).unwrap_err();
        assert!(err.to_string().contains("appears more than once"), "{err}");
        // The nonce marked critical is understood.
        let mut critical_nonce = nonce_ext(&[1; 16]);
        critical_nonce.critical = true;
        assert!(with(vec![critical_nonce]).unwrap().nonce().is_some());

        let mut req = OcspRequest::from_der(&request_der(vec![sha1_id(&[1])], None)).unwrap();
        req.tbs_request.request_list[0].single_request_extensions =
            Some(vec![ext(UNKNOWN_EXT, true, &[5, 0])]);
        let err = parse_request(&req.to_der().unwrap()).unwrap_err();
        assert_eq!(
            err,
            RequestError::CriticalExtension {
                part: "tbsRequest.requestList[0].singleRequestExtensions".into(),
                oid: UNKNOWN_EXT
            }
        );
    }

    #[test]
    fn signed_requests_and_requestor_names_are_accepted() {
        let mut req = OcspRequest::from_der(&request_der(vec![sha1_id(&[1])], None)).unwrap();
        req.tbs_request.requestor_name =
            Some(GeneralName::DnsName(der::asn1::Ia5String::new("client.example").unwrap()));
        req.optional_signature = Some(x509_ocsp::Signature {
            signature_algorithm: KeyAlgorithm::EcdsaP256.signature_algorithm(),
            signature: BitString::from_bytes(&[1, 2, 3]).unwrap(),
            certs: Some(vec![]),
        });
        let parsed = parse_request(&req.to_der().unwrap()).unwrap();
        assert!(parsed.is_signed());
        assert_eq!(parsed.cert_ids()[0].serial(), &[1]);
    }

    #[test]
    fn malformed_input_is_refused_naming_the_part() {
        let good = request_der(vec![sha1_id(&[1])], Some(vec![nonce_ext(&[1; 16])]));
        let mut trailing = good.clone();
        trailing.push(0);
        let err = parse_request(&trailing).unwrap_err();
        assert!(err.to_string().contains("OCSPRequest: is followed by 1 octet(s) of trailing data"), "{err}");
        assert_eq!(part_of(parse_request(&[]).unwrap_err()), "OCSPRequest");
        assert_eq!(part_of(parse_request(&good[..good.len() - 1]).unwrap_err()), "OCSPRequest");
        assert_eq!(
            parse_request(&vec![0; MAX_REQUEST_LEN + 1]),
            Err(RequestError::TooLarge(MAX_REQUEST_LEN + 1))
        );

        // A version other than v1.
        let mut v2 = vec![0x30, 0x00, 0x30, 0x00, 0xa0, 0x03, 0x02, 0x01, 0x01];
        let rest = &good[4..]; // the requestList and extensions of `good`
        v2.extend_from_slice(rest);
        let tbs_len = v2.len() - 4;
        v2[3] = tbs_len as u8;
        v2[1] = (v2.len() - 2) as u8;
        let err = parse_request(&v2).unwrap_err();
        assert!(err.to_string().contains("tbsRequest.version: only v1 (0) is defined, found 1"), "{err}");
        // v1 spelt out is tolerated.
        v2[8] = 0;
        assert!(parse_request(&v2).is_ok());
    }

    #[test]
    fn issuer_keys_match_their_cert_ids() {
        let pki = pki();
        let issuer = IssuerKey::new(&pki.ca).unwrap();
        let other = IssuerKey::new(pki.responder.certificate()).unwrap();
        for h in HashAlgorithm::ALL {
            let id = issuer.cert_id(h, &[0x42, 0x01]).unwrap();
            assert!(issuer.matches(&id) && !other.matches(&id), "{h}");
            assert_eq!(id.issuer_name_hash().len(), h.output_len());
            assert_eq!(id.serial(), &[0x42, 0x01]);
            // What a client sends parses to the same CertId.
            let der = request_der(vec![id.inner.clone()], None);
            assert_eq!(parse_request(&der).unwrap().cert_ids()[0], id);
        }
        assert_eq!(
            issuer.key_hash(HashAlgorithm::Sha1),
            x509::key_identifier(&pki.ca.tbs_certificate.subject_public_key_info)
        );
        assert!(issuer.cert_id(HashAlgorithm::Sha1, &[0x00, 0x80]).is_ok());
        for bad in [&[][..], &[0x80], &[0x00, 0x01], &[1; 22]] {
            assert!(matches!(issuer.cert_id(HashAlgorithm::Sha1, bad), Err(OcspError::Serial(_))), "{bad:?}");
        }
    }

    fn decode_basic(der: &[u8]) -> BasicOcspResponse {
        let response = OcspResponse::from_der(der).unwrap();
        assert_eq!(response.response_status, OcspResponseStatus::Successful);
        let bytes = response.response_bytes.unwrap();
        assert_eq!(bytes.response_type, rfc6960::ID_PKIX_OCSP_BASIC);
        BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap()
    }

    #[test]
    fn responses_are_signed_and_say_what_was_asked() {
        let pki = pki();
        let issuer = IssuerKey::new(&pki.ca).unwrap();
        let now = UNIX_EPOCH + Duration::from_millis(1_750_000_000_123);
        let revoked_at = UNIX_EPOCH + Duration::from_secs(1_749_000_000);
        let answers = [
            (Status::Good, CertStatus::good()),
            (Status::Unknown, CertStatus::unknown()),
            (
                Status::Revoked { at: revoked_at, reason: Some(Reason::KeyCompromise) },
                CertStatus::revoked(RevokedInfo {
                    revocation_time: generalized_time(revoked_at, "t").unwrap(),
                    revocation_reason: Some(CrlReason::KeyCompromise),
                }),
            ),
            (
                Status::Revoked { at: revoked_at, reason: Some(Reason::Unspecified) },
                CertStatus::revoked(RevokedInfo {
                    revocation_time: generalized_time(revoked_at, "t").unwrap(),
                    revocation_reason: None,
                }),
            ),
        ];
        let singles: Vec<SingleResponse> = answers
            .iter()
            .enumerate()
            .map(|(i, (status, _))| SingleResponse {
                cert_id: issuer.cert_id(HashAlgorithm::Sha256, &[i as u8 + 1]).unwrap(),
                status: *status,
                this_update: now,
                next_update: now + Duration::from_secs(3600),
            })
            .collect();
        let nonce = Nonce::new(&[0xab; 32]).unwrap();
        let der = pki.responder.respond(&singles, Some(&nonce), now).unwrap();
        let basic = decode_basic(&der);

        let tbs = &basic.tbs_response_data;
        let tbs_der = tbs.to_der().unwrap();
        assert!(verify_signature(
            &pki.responder.certificate().tbs_certificate.subject_public_key_info,
            &basic.signature_algorithm,
            &tbs_der,
            basic.signature.raw_bytes()
        ));
        assert_eq!(basic.signature_algorithm, KeyAlgorithm::EcdsaP256.signature_algorithm());
        assert_eq!(basic.certs.as_deref(), Some(&[pki.responder.certificate().clone()][..]));
        assert_eq!(tbs.responder_id, ResponderId::ByKey(OctetString::new(pki.responder.key_hash()).unwrap()));
        assert_eq!(tbs.nonce().unwrap().0.as_bytes(), &[0xab; 32]);
        let whole = generalized_time(UNIX_EPOCH + Duration::from_secs(1_750_000_000), "t").unwrap();
        assert_eq!(tbs.produced_at, whole);
        assert_eq!(tbs.responses.len(), answers.len());
        for (single, ((_, expected), asked)) in tbs.responses.iter().zip(answers.iter().zip(&singles)) {
            assert_eq!(single.cert_id, asked.cert_id.inner);
            assert_eq!(&single.cert_status, expected);
            assert_eq!(single.this_update, whole);
            assert_eq!(
                single.next_update,
                Some(generalized_time(now + Duration::from_secs(3600), "t").unwrap())
            );
            assert_eq!(single.single_extensions, None);
        }
        // v1 is the DEFAULT, so it is left out: ResponseData starts with the responderID [2].
        assert_eq!(AnyRef::from_der(&tbs_der).unwrap().value()[0], 0xa2);

        // Without a nonce there are no response extensions.
        let der = pki.responder.respond(&singles[..1], None, now).unwrap();
        assert_eq!(decode_basic(&der).tbs_response_data.response_extensions, None);
    }

    #[test]
    fn bad_responses_are_refused() {
        let pki = pki();
        let issuer = IssuerKey::new(&pki.ca).unwrap();
        let now = SystemTime::now();
        let single = SingleResponse {
            cert_id: issuer.cert_id(HashAlgorithm::Sha1, &[0x0a]).unwrap(),
            status: Status::Good,
            this_update: now,
            next_update: now,
        };
        let err = pki.responder.respond(std::slice::from_ref(&single), None, now).unwrap_err();
        assert!(matches!(err, OcspError::Window { .. }) && err.to_string().contains("0a"), "{err}");
        assert!(matches!(pki.responder.respond(&[], None, now), Err(OcspError::NoResponses)));
        let before_1970 = SingleResponse { this_update: UNIX_EPOCH - Duration::from_secs(1), ..single };
        assert!(matches!(
            pki.responder.respond(&[before_1970], None, now),
            Err(OcspError::Time("thisUpdate"))
        ));
    }

    #[test]
    fn a_responder_knows_its_issuer() {
        let pki = pki();
        assert!(pki.responder.is_issued_by(&pki.ca));
        assert!(!pki.responder.is_issued_by(pki.responder.certificate()));
        // Same name, another key.
        let mut impostor = pki.ca.clone();
        impostor.tbs_certificate.subject_public_key_info =
            pki.responder.certificate().tbs_certificate.subject_public_key_info.clone();
        assert!(!pki.responder.is_issued_by(&impostor));
    }

    #[test]
    fn a_responder_needs_its_own_key_and_ocsp_signing() {
        let pki = pki();
        let dir = tempfile::tempdir().unwrap();
        let pass = Passphrase::new("correct horse battery".into()).unwrap();
        let other = FileSigner::generate(&dir.path().join("k"), KeyAlgorithm::EcdsaP256, &pass).unwrap();
        let err = Responder::new(pki.responder.certificate().clone(), Box::new(other)).unwrap_err();
        assert!(matches!(err, OcspError::KeyMismatch), "{err}");
        // The CA certificate has no id-kp-OCSPSigning.
        let ca_key_stand_in =
            FileSigner::generate(&dir.path().join("k2"), KeyAlgorithm::EcdsaP256, &pass).unwrap();
        let mut ca = pki.ca.clone();
        ca.tbs_certificate.subject_public_key_info = ca_key_stand_in.public_key().clone();
        let err = Responder::new(ca, Box::new(ca_key_stand_in)).unwrap_err();
        assert!(matches!(err, OcspError::NotOcspSigning), "{err}");
    }
}
