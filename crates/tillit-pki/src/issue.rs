//! Building and signing certificates: CA certificates for the hierarchy, and end-entity
//! certificates from a profile (SPEC §8). The issuer's [`Signer`] signs; nothing else here
//! touches a key.

use std::time::{Duration, SystemTime};

use const_oid::db::rfc5280;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, Ia5String, Null, OctetString};
use der::{Decode as _, Encode as _, Tag};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, OtherName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::time::Validity;
use x509_cert::{Certificate, TbsCertificate, Version};

use crate::profile::{Profile, ProfileKind, SanKind, SubjectField};
use crate::signer::{Signer, SignerError};
use crate::x509::{self, enc, X509Error};

const UPN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");
const OCSP_NOCHECK: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");

/// Where relying parties fetch CRLs, OCSP answers and CA certificates: built from the
/// node's public base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    base: String,
}

impl Urls {
    /// URLs under `base` (no trailing slash).
    pub fn new(base: &str) -> Self {
        Urls { base: base.trim_end_matches('/').to_owned() }
    }

    /// The base URL itself (no trailing slash).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full CRL of CA `ca`.
    pub fn crl(&self, ca: &str) -> String {
        format!("{}/crl/{ca}.crl", self.base)
    }

    /// The OCSP responder.
    pub fn ocsp(&self) -> String {
        format!("{}/ocsp", self.base)
    }

    /// The certificate of CA `ca` (DER).
    pub fn ca_certificate(&self, ca: &str) -> String {
        format!("{}/ca/{ca}.crt", self.base)
    }
}

/// A CA that signs: its URL name, its certificate and its key.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    /// The CA's name in URLs (`issuing`, `root`).
    pub name: &'a str,
    /// Its certificate.
    pub certificate: &'a Certificate,
    /// Its key.
    pub signer: &'a dyn Signer,
}

/// What the certificate says about its subject, and when it is valid.
#[derive(Debug, Clone)]
pub struct Template {
    /// Subject attributes in order.
    pub subject: Vec<(SubjectField, String)>,
    /// rfc822Name subjectAltNames.
    pub emails: Vec<String>,
    /// UPN subjectAltNames.
    pub upns: Vec<String>,
    /// dNSName subjectAltNames.
    pub dns_names: Vec<String>,
    /// The subject key.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// Certificate policy OIDs (from the trust level).
    pub policies: Vec<ObjectIdentifier>,
}

/// A signed certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The certificate.
    pub certificate: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// Its serial number's content octets.
    pub serial: Vec<u8>,
}

/// Why a certificate cannot be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The profile does not allow this subject attribute.
    #[error("subject attribute {field} is not allowed by profile {profile}")]
    FieldNotAllowed {
        /// The attribute.
        field: &'static str,
        /// The profile.
        profile: String,
    },
    /// The profile requires a subject attribute that is missing.
    #[error("subject attribute {field} is required by profile {profile}")]
    FieldMissing {
        /// The attribute.
        field: &'static str,
        /// The profile.
        profile: String,
    },
    /// A subject value is empty, too long, or has characters its string type cannot hold.
    #[error("subject attribute {field}: {reason}")]
    FieldValue {
        /// The attribute.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The profile does not allow this kind of subjectAltName.
    #[error("subjectAltName {kind} is not allowed by profile {profile}")]
    AltNameNotAllowed {
        /// The kind.
        kind: &'static str,
        /// The profile.
        profile: String,
    },
    /// A subjectAltName value is malformed.
    #[error("subjectAltName {kind} {value:?} is not valid")]
    AltNameValue {
        /// The kind.
        kind: &'static str,
        /// The value.
        value: String,
    },
    /// The validity is empty, too long for the profile, or ends after the issuer's.
    #[error("validity: {0}")]
    Validity(String),
    /// Encoding failed.
    #[error(transparent)]
    X509(#[from] X509Error),
    /// The issuer's key failed to sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// Checks a template against a profile and issues the certificate.
pub fn issue(
    issuer: &Issuer<'_>,
    profile_name: &str,
    profile: &Profile,
    template: &Template,
    urls: &Urls,
) -> Result<Issued, IssueError> {
    check_subject(profile_name, profile, &template.subject)?;
    check_validity(profile, template, issuer.certificate)?;
    let allow = |kind: SanKind, name: &'static str, present: bool| {
        if present && !profile.subject_alt_names.contains(&kind) {
            Err(IssueError::AltNameNotAllowed { kind: name, profile: profile_name.to_owned() })
        } else {
            Ok(())
        }
    };
    allow(SanKind::Email, "email", !template.emails.is_empty())?;
    allow(SanKind::Upn, "upn", !template.upns.is_empty())?;
    allow(SanKind::Dns, "dns", !template.dns_names.is_empty())?;

    let subject_key_is_rsa = template.public_key.algorithm.oid == crate::signer::oid::RSA_ENCRYPTION;
    let mut usages = profile.key_usage.iter().map(|u| u.flag()).collect::<Vec<_>>();
    if subject_key_is_rsa {
        usages.extend(profile.key_usage_rsa_extra.iter().map(|u| u.flag()));
    }

    let mut exts = vec![
        x509::extension(
            rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints { ca: false, path_len_constraint: None },
        )?,
        x509::extension(rfc5280::ID_CE_KEY_USAGE, true, &key_usage(&usages))?,
    ];
    if !profile.extended_key_usage.is_empty() {
        let eku = ExtendedKeyUsage(profile.extended_key_usage.iter().map(|u| u.oid()).collect());
        exts.push(x509::extension(rfc5280::ID_CE_EXT_KEY_USAGE, false, &eku)?);
    }
    exts.push(subject_key_id(&template.public_key)?);
    exts.push(authority_key_id(issuer.certificate)?);
    if profile.kind == ProfileKind::OcspResponder {
        // RFC 6960 §4.2.2.2.1: relying parties need not check the responder's status.
        exts.push(x509::extension(OCSP_NOCHECK, false, &Null)?);
    } else {
        exts.push(crl_distribution_point(&urls.crl(issuer.name))?);
    }
    exts.push(authority_info_access(issuer.name, urls, profile.kind != ProfileKind::OcspResponder)?);
    if !template.policies.is_empty() {
        let policies = CertificatePolicies(
            template
                .policies
                .iter()
                .map(|oid| PolicyInformation { policy_identifier: *oid, policy_qualifiers: None })
                .collect(),
        );
        exts.push(x509::extension(rfc5280::ID_CE_CERTIFICATE_POLICIES, false, &policies)?);
    }
    let sans = alt_names(template)?;
    if !sans.is_empty() {
        exts.push(x509::extension(rfc5280::ID_CE_SUBJECT_ALT_NAME, false, &SubjectAltName(sans))?);
    }
    let subject = x509::name(&template.subject)?;
    sign(issuer.signer, &issuer.certificate.tbs_certificate.subject, subject, template, exts)
}

/// Issues a self-signed root CA certificate.
pub fn root_ca(
    signer: &dyn Signer,
    subject: &[(SubjectField, String)],
    not_before: SystemTime,
    not_after: SystemTime,
) -> Result<Issued, IssueError> {
    let public_key = signer.public_key().clone();
    let name = x509::name(subject)?;
    let exts = vec![
        x509::extension(
            rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints { ca: true, path_len_constraint: None },
        )?,
        x509::extension(
            rfc5280::ID_CE_KEY_USAGE,
            true,
            &key_usage(&[KeyUsages::KeyCertSign, KeyUsages::CRLSign]),
        )?,
        subject_key_id(&public_key)?,
    ];
    let template = ca_template(subject, public_key, not_before, not_after);
    sign(signer, &name, name.clone(), &template, exts)
}

/// Issues a subordinate (issuing) CA certificate under `issuer`, path length 0.
pub fn subordinate_ca(
    issuer: &Issuer<'_>,
    subject: &[(SubjectField, String)],
    public_key: SubjectPublicKeyInfoOwned,
    not_before: SystemTime,
    not_after: SystemTime,
    urls: &Urls,
) -> Result<Issued, IssueError> {
    let template = ca_template(subject, public_key, not_before, not_after);
    check_validity_against_issuer(&template, issuer.certificate)?;
    let exts = vec![
        x509::extension(
            rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints { ca: true, path_len_constraint: Some(0) },
        )?,
        x509::extension(
            rfc5280::ID_CE_KEY_USAGE,
            true,
            &key_usage(&[KeyUsages::KeyCertSign, KeyUsages::CRLSign]),
        )?,
        subject_key_id(&template.public_key)?,
        authority_key_id(issuer.certificate)?,
        crl_distribution_point(&urls.crl(issuer.name))?,
        authority_info_access(issuer.name, urls, false)?,
    ];
    let subject = x509::name(subject)?;
    sign(issuer.signer, &issuer.certificate.tbs_certificate.subject, subject, &template, exts)
}

/// A CA's template: a name and a key, no alternative names or policies.
fn ca_template(
    subject: &[(SubjectField, String)],
    public_key: SubjectPublicKeyInfoOwned,
    not_before: SystemTime,
    not_after: SystemTime,
) -> Template {
    Template {
        subject: subject.to_vec(),
        emails: vec![],
        upns: vec![],
        dns_names: vec![],
        public_key,
        not_before,
        not_after,
        policies: vec![],
    }
}

fn sign(
    signer: &dyn Signer,
    issuer: &x509_cert::name::Name,
    subject: x509_cert::name::Name,
    template: &Template,
    extensions: Vec<Extension>,
) -> Result<Issued, IssueError> {
    let (serial_number, serial) = x509::random_serial()?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number,
        signature: signer.algorithm().signature_algorithm(),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: x509::time(template.not_before)?,
            not_after: x509::time(template.not_after)?,
        },
        subject,
        subject_public_key_info: template.public_key.clone(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der().map_err(enc("the certificate"))?;
    let signature = signer.sign(&tbs_der)?;
    let certificate = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signer.algorithm().signature_algorithm(),
        signature: BitString::from_bytes(&signature).map_err(enc("the signature"))?,
    };
    let der = certificate.to_der().map_err(enc("the certificate"))?;
    Ok(Issued { certificate, der, serial })
}

fn key_usage(usages: &[KeyUsages]) -> KeyUsage {
    KeyUsage(usages.iter().fold(der::flagset::FlagSet::default(), |set, u| set | *u))
}

fn subject_key_id(spki: &SubjectPublicKeyInfoOwned) -> Result<Extension, IssueError> {
    let id = OctetString::new(x509::key_identifier(spki)).map_err(enc("the key identifier"))?;
    Ok(x509::extension(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &SubjectKeyIdentifier(id))?)
}

/// The issuer's key identifier: from its SKI extension, else computed from its key.
pub fn issuer_key_id(issuer: &Certificate) -> Vec<u8> {
    issuer
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
        .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
        .map(|ski| ski.0.as_bytes().to_vec())
        .unwrap_or_else(|| x509::key_identifier(&issuer.tbs_certificate.subject_public_key_info))
}

fn authority_key_id(issuer: &Certificate) -> Result<Extension, IssueError> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(issuer_key_id(issuer)).map_err(enc("the key identifier"))?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    Ok(x509::extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?)
}

fn crl_distribution_point(url: &str) -> Result<Extension, IssueError> {
    let dp = DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![x509::uri(url)?])),
        reasons: None,
        crl_issuer: None,
    };
    Ok(x509::extension(rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS, false, &CrlDistributionPoints(vec![dp]))?)
}

fn authority_info_access(issuer: &str, urls: &Urls, with_ocsp: bool) -> Result<Extension, IssueError> {
    let mut access = Vec::new();
    if with_ocsp {
        access.push(AccessDescription { access_method: AD_OCSP, access_location: x509::uri(&urls.ocsp())? });
    }
    access.push(AccessDescription {
        access_method: AD_CA_ISSUERS,
        access_location: x509::uri(&urls.ca_certificate(issuer))?,
    });
    Ok(x509::extension(rfc5280::ID_PE_AUTHORITY_INFO_ACCESS, false, &AuthorityInfoAccessSyntax(access))?)
}

fn alt_names(t: &Template) -> Result<Vec<GeneralName>, IssueError> {
    let mut names = Vec::new();
    for email in &t.emails {
        let ok =
            email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.')) && email.is_ascii();
        let value = Ia5String::new(email).ok().filter(|_| ok);
        names.push(GeneralName::Rfc822Name(
            value.ok_or_else(|| IssueError::AltNameValue { kind: "email", value: email.clone() })?,
        ));
    }
    for upn in &t.upns {
        if !upn.contains('@') || upn.chars().any(char::is_control) {
            return Err(IssueError::AltNameValue { kind: "upn", value: upn.clone() });
        }
        let value = Any::new(Tag::Utf8String, upn.as_bytes()).map_err(enc("a UPN"))?;
        names.push(GeneralName::OtherName(OtherName { type_id: UPN, value }));
    }
    for dns in &t.dns_names {
        let ok = !dns.is_empty()
            && dns.len() <= 253
            && dns.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*')
            });
        let value = Ia5String::new(dns).ok().filter(|_| ok);
        names.push(GeneralName::DnsName(
            value.ok_or_else(|| IssueError::AltNameValue { kind: "dns", value: dns.clone() })?,
        ));
    }
    Ok(names)
}

fn check_subject(
    profile_name: &str,
    profile: &Profile,
    subject: &[(SubjectField, String)],
) -> Result<(), IssueError> {
    for (field, value) in subject {
        if !profile.subject.contains(field) {
            return Err(IssueError::FieldNotAllowed {
                field: field.name(),
                profile: profile_name.to_owned(),
            });
        }
        let bad = |reason: &str| IssueError::FieldValue { field: field.name(), reason: reason.to_owned() };
        if value.trim().is_empty() {
            return Err(bad("is empty"));
        }
        if value.chars().count() > field.max_len() {
            return Err(bad(&format!("is longer than {} characters", field.max_len())));
        }
        if value.chars().any(char::is_control) {
            return Err(bad("has control characters"));
        }
        let printable = matches!(field, SubjectField::CountryName | SubjectField::SerialNumber);
        if printable && !x509::is_printable(value) {
            return Err(bad("may hold only letters, digits, space and '()+,-./:=?"));
        }
        if *field == SubjectField::CountryName
            && !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(bad("must be a two-letter country code such as SE"));
        }
    }
    for field in &profile.subject_required {
        if !subject.iter().any(|(f, _)| f == field) {
            return Err(IssueError::FieldMissing { field: field.name(), profile: profile_name.to_owned() });
        }
    }
    Ok(())
}

fn check_validity(profile: &Profile, t: &Template, issuer: &Certificate) -> Result<(), IssueError> {
    let max = Duration::from_secs(u64::from(profile.max_validity_days) * 86_400);
    let length = t.not_after.duration_since(t.not_before).unwrap_or_default();
    if length.is_zero() {
        return Err(IssueError::Validity("notAfter must be after notBefore".into()));
    }
    if length > max {
        return Err(IssueError::Validity(format!(
            "the profile allows at most {} days",
            profile.max_validity_days
        )));
    }
    check_validity_against_issuer(t, issuer)
}

fn check_validity_against_issuer(t: &Template, issuer: &Certificate) -> Result<(), IssueError> {
    let issuer_end = issuer.tbs_certificate.validity.not_after.to_system_time();
    if t.not_after > issuer_end {
        return Err(IssueError::Validity(format!(
            "the certificate would outlive its issuing CA (valid until {})",
            issuer.tbs_certificate.validity.not_after
        )));
    }
    Ok(())
}
