//! PKCS#10 certification requests: parsing, proof of possession, and the checks on the
//! subject key (RSA 2048-4096 bits with a sane exponent, ECDSA P-256/P-384).

use const_oid::ObjectIdentifier;
use der::{Decode as _, Encode as _};
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::Extensions;
use x509_cert::request::CertReq;

use crate::profile::SubjectField;
use crate::signer::{oid, verify_signature};
use crate::x509::attribute_text;

const EXTENSION_REQUEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    /// Not a DER or PEM PKCS#10 request.
    #[error("not a PKCS#10 certification request: {0}")]
    Malformed(String),
    /// The request's signature does not verify with its own key: no proof of possession.
    #[error("the request's signature does not verify with its public key (no proof of possession)")]
    ProofOfPossession,
    /// The key type is not accepted.
    #[error("subject key {0} is not accepted: use RSA 2048-4096 bits or ECDSA P-256/P-384")]
    KeyType(String),
    /// An RSA key outside 2048-4096 bits.
    #[error("RSA key of {0} bits is not accepted: use 2048 to 4096 bits")]
    RsaSize(usize),
    /// An RSA public exponent that is too small or even.
    #[error("RSA public exponent {0} is not accepted: use 65537")]
    RsaExponent(String),
    /// A subject attribute tillit cannot carry.
    #[error("subject attribute {0} is not supported")]
    SubjectAttribute(String),
    /// A subjectAltName entry tillit cannot carry.
    #[error("subjectAltName entry of type {0} is not supported")]
    AltName(&'static str),
}

/// A request whose signature verified with its own key and whose key is acceptable.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    /// The subject key.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// The subject attributes, in the request's order.
    pub subject: Vec<(SubjectField, String)>,
    /// DNS names requested in an extensionRequest subjectAltName.
    pub dns_names: Vec<String>,
    /// E-mail addresses requested in an extensionRequest subjectAltName.
    pub emails: Vec<String>,
}

/// Parses a request (DER, or PEM `CERTIFICATE REQUEST`), checks proof of possession and the
/// key. Never panics on any input.
pub fn verify_csr(input: &[u8]) -> Result<VerifiedCsr, CsrError> {
    let req = if input.trim_ascii_start().starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(input).map_err(|_| CsrError::Malformed("PEM is not text".into()))?;
        // Decoded to DER first: der's streaming PEM reader never returns on some truncated
        // documents (found by the csr fuzz target; seed kept in fuzz/seeds/csr).
        let (label, der) = der::pem::decode_vec(text.trim().as_bytes())
            .map_err(|e| CsrError::Malformed(format!("PEM: {e}")))?;
        if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
            return Err(CsrError::Malformed(format!(
                "PEM label is {label:?}; expected \"CERTIFICATE REQUEST\""
            )));
        }
        CertReq::from_der(&der).map_err(|e| CsrError::Malformed(e.to_string()))?
    } else {
        CertReq::from_der(input).map_err(|e| CsrError::Malformed(e.to_string()))?
    };
    let info = req.info.to_der().map_err(|e| CsrError::Malformed(e.to_string()))?;
    check_key(&req.info.public_key)?;
    let signature = req.signature.as_bytes().ok_or(CsrError::ProofOfPossession)?;
    if !verify_signature(&req.info.public_key, &req.algorithm, &info, signature) {
        return Err(CsrError::ProofOfPossession);
    }

    let mut subject = Vec::new();
    for rdn in req.info.subject.0.iter() {
        for atv in rdn.0.iter() {
            let field = SubjectField::from_oid(atv.oid)
                .ok_or_else(|| CsrError::SubjectAttribute(atv.oid.to_string()))?;
            let value =
                attribute_text(&atv.value).ok_or_else(|| CsrError::SubjectAttribute(atv.oid.to_string()))?;
            subject.push((field, value));
        }
    }

    let mut dns_names = Vec::new();
    let mut emails = Vec::new();
    for attr in req.info.attributes.iter() {
        if attr.oid != EXTENSION_REQUEST {
            continue;
        }
        for value in attr.values.iter() {
            let exts: Extensions = value.decode_as().map_err(|e| CsrError::Malformed(e.to_string()))?;
            for ext in exts.iter().filter(|e| e.extn_id == SUBJECT_ALT_NAME) {
                let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| CsrError::Malformed(e.to_string()))?;
                for name in san.0 {
                    match name {
                        GeneralName::DnsName(d) => dns_names.push(d.to_string()),
                        GeneralName::Rfc822Name(m) => emails.push(m.to_string()),
                        GeneralName::UniformResourceIdentifier(_) => return Err(CsrError::AltName("URI")),
                        GeneralName::IpAddress(_) => return Err(CsrError::AltName("IP address")),
                        _ => return Err(CsrError::AltName("other")),
                    }
                }
            }
        }
    }
    Ok(VerifiedCsr { public_key: req.info.public_key, subject, dns_names, emails })
}

/// Accepts RSA 2048-4096 bits with an odd exponent ≥ 65537, and ECDSA P-256/P-384.
pub fn check_key(spki: &SubjectPublicKeyInfoOwned) -> Result<(), CsrError> {
    match spki.algorithm.oid {
        oid::RSA_ENCRYPTION => {
            let der = spki.to_der().map_err(|e| CsrError::Malformed(e.to_string()))?;
            let key = rsa::RsaPublicKey::from_public_key_der(&der)
                .map_err(|_| CsrError::KeyType("RSA (malformed)".into()))?;
            let bits = key.n().bits();
            if !(2048..=4096).contains(&bits) {
                return Err(CsrError::RsaSize(bits));
            }
            let e = key.e();
            if e < &rsa::BigUint::from(65537u32) || e % 2u32 == rsa::BigUint::from(0u32) {
                return Err(CsrError::RsaExponent(e.to_string()));
            }
            Ok(())
        }
        oid::EC_PUBLIC_KEY => {
            let curve =
                spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(oid::SECP256R1) | Some(oid::SECP384R1) => Ok(()),
                Some(other) => Err(CsrError::KeyType(format!("ECDSA on curve {other}"))),
                None => Err(CsrError::KeyType("ECDSA without a named curve".into())),
            }
        }
        other => Err(CsrError::KeyType(other.to_string())),
    }
}
