//! Small, typed builders for the X.509 pieces tillit puts in certificates and CRLs: names,
//! times, serial numbers, extensions. Everything is encoded by the `der` and `x509-cert`
//! crates; nothing here writes DER bytes by hand.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use const_oid::db::rfc4519;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, Ia5String, OctetString, SetOfVec};
use der::{Encode, Tag, Tagged as _};
use sha1::{Digest as _, Sha1};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::profile::SubjectField;

/// Errors in building X.509 structures.
#[derive(Debug, thiserror::Error)]
pub enum X509Error {
    /// An encoding failed (a value too long, a character not allowed in its string type).
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's reason.
        source: der::Error,
    },
    /// A time outside what X.509 can express.
    #[error("time out of range")]
    Time,
}

/// Wraps a der error with what was being encoded.
pub fn enc(what: &'static str) -> impl FnOnce(der::Error) -> X509Error {
    move |source| X509Error::Encode { what, source }
}

impl SubjectField {
    /// The attribute type.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            SubjectField::CountryName => rfc4519::C,
            SubjectField::OrganizationName => rfc4519::O,
            SubjectField::OrganizationalUnitName => rfc4519::OU,
            SubjectField::Title => rfc4519::TITLE,
            SubjectField::SerialNumber => rfc4519::SERIAL_NUMBER,
            SubjectField::GivenName => rfc4519::GIVEN_NAME,
            SubjectField::Surname => rfc4519::SN,
            SubjectField::CommonName => rfc4519::CN,
        }
    }

    /// The field for an attribute type, if tillit knows it.
    pub fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        [
            SubjectField::CountryName,
            SubjectField::OrganizationName,
            SubjectField::OrganizationalUnitName,
            SubjectField::Title,
            SubjectField::SerialNumber,
            SubjectField::GivenName,
            SubjectField::Surname,
            SubjectField::CommonName,
        ]
        .into_iter()
        .find(|f| f.oid() == oid)
    }

    /// The name used in profiles and messages.
    pub fn name(self) -> &'static str {
        match self {
            SubjectField::CountryName => "countryName",
            SubjectField::OrganizationName => "organizationName",
            SubjectField::OrganizationalUnitName => "organizationalUnitName",
            SubjectField::Title => "title",
            SubjectField::SerialNumber => "serialNumber",
            SubjectField::GivenName => "givenName",
            SubjectField::Surname => "surname",
            SubjectField::CommonName => "commonName",
        }
    }

    /// RFC 5280 upper bounds (ub-*) on the value's length in characters.
    pub fn max_len(self) -> usize {
        match self {
            SubjectField::CountryName => 2,
            SubjectField::SerialNumber => 64,
            SubjectField::CommonName
            | SubjectField::OrganizationName
            | SubjectField::OrganizationalUnitName => 64,
            SubjectField::Title => 64,
            SubjectField::GivenName | SubjectField::Surname => 32768,
        }
    }
}

/// A distinguished name from (field, value) pairs, one attribute per RDN, in the order
/// given. countryName and serialNumber are PrintableString (RFC 5280), the rest UTF8String.
pub fn name(fields: &[(SubjectField, String)]) -> Result<Name, X509Error> {
    let mut rdns = Vec::with_capacity(fields.len());
    for (field, value) in fields {
        let tag = match field {
            SubjectField::CountryName | SubjectField::SerialNumber => Tag::PrintableString,
            _ => Tag::Utf8String,
        };
        let value = Any::new(tag, value.as_bytes()).map_err(enc("a name attribute"))?;
        let atv = AttributeTypeAndValue { oid: field.oid(), value };
        let set = SetOfVec::try_from(vec![atv]).map_err(enc("a name attribute"))?;
        rdns.push(RelativeDistinguishedName(set));
    }
    Ok(RdnSequence(rdns))
}

/// True when every character may stand in a PrintableString.
pub fn is_printable(value: &str) -> bool {
    value.chars().all(|c| c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c))
}

/// An X.509 time: UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub fn time(at: SystemTime) -> Result<Time, X509Error> {
    let since = at.duration_since(UNIX_EPOCH).map_err(|_| X509Error::Time)?;
    // Whole seconds only: X.509 times carry no fractions.
    let since = Duration::from_secs(since.as_secs());
    let dt = der::DateTime::from_unix_duration(since).map_err(|_| X509Error::Time)?;
    if dt.year() < 2050 {
        Ok(Time::UtcTime(der::asn1::UtcTime::from_date_time(dt).map_err(|_| X509Error::Time)?))
    } else {
        Ok(Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt)))
    }
}

/// A fresh serial number: 16 bytes from the OS CSPRNG (127 random bits), positive, with no
/// leading zero byte, so it is exactly 16 octets (RFC 5280: at most 20).
pub fn random_serial() -> Result<(SerialNumber, Vec<u8>), X509Error> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    bytes[0] &= 0x7f;
    if bytes[0] == 0 {
        bytes[0] = 0x01;
    }
    let serial = SerialNumber::new(&bytes).map_err(enc("the serial number"))?;
    Ok((serial, bytes.to_vec()))
}

/// The key identifier of a public key: SHA-1 of the subjectPublicKey bits (RFC 5280
/// §4.2.1.2, method 1).
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

/// An extension with its value DER-encoded.
pub fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension, X509Error> {
    let der = value.to_der().map_err(enc("an extension"))?;
    Ok(Extension { extn_id: oid, critical, extn_value: OctetString::new(der).map_err(enc("an extension"))? })
}

/// A URI general name.
pub fn uri(value: &str) -> Result<x509_cert::ext::pkix::name::GeneralName, X509Error> {
    Ok(x509_cert::ext::pkix::name::GeneralName::UniformResourceIdentifier(
        Ia5String::new(value).map_err(enc("a URL"))?,
    ))
}

/// The value of a name attribute as text, whatever its string type.
pub fn attribute_text(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            std::str::from_utf8(value.value()).ok().map(str::to_owned)
        }
        _ => None,
    }
}
