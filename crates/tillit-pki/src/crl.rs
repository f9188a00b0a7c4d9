//! Certificate revocation: RFC 5280 reason codes and full CRLs (§5), signed by the CA.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use const_oid::db::rfc5280;
use der::asn1::{BitString, OctetString, Uint};
use der::Encode as _;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Version;

use crate::issue::{issuer_key_id, Issuer};
use crate::signer::SignerError;
use crate::x509::{self, enc, X509Error};

/// Why a certificate was revoked (RFC 5280 §5.3.1). `certificateHold` is not offered:
/// tillit revokes, it does not suspend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// unspecified (0): no reason code is put in the CRL entry, as RFC 5280 recommends.
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3): the holder left, or moved and the content changed.
    AffiliationChanged,
    /// superseded (4): replaced by a new certificate.
    Superseded,
    /// cessationOfOperation (5): no longer needed (card returned, deregistered).
    CessationOfOperation,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 7] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::PrivilegeWithdrawn,
    ];

    /// The RFC 5280 CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            Reason::Unspecified => 0,
            Reason::KeyCompromise => 1,
            Reason::CaCompromise => 2,
            Reason::AffiliationChanged => 3,
            Reason::Superseded => 4,
            Reason::CessationOfOperation => 5,
            Reason::PrivilegeWithdrawn => 9,
        }
    }

    /// The reason for a code.
    pub fn from_code(code: u8) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The RFC 5280 name (`keyCompromise`).
    pub fn name(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "keyCompromise",
            Reason::CaCompromise => "cACompromise",
            Reason::AffiliationChanged => "affiliationChanged",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    fn crl_reason(self) -> CrlReason {
        match self {
            Reason::Unspecified => CrlReason::Unspecified,
            Reason::KeyCompromise => CrlReason::KeyCompromise,
            Reason::CaCompromise => CrlReason::CaCompromise,
            Reason::AffiliationChanged => CrlReason::AffiliationChanged,
            Reason::Superseded => CrlReason::Superseded,
            Reason::CessationOfOperation => CrlReason::CessationOfOperation,
            Reason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown reason name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown revocation reason {0:?}: use one of unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn")]
pub struct UnknownReason(pub String);

impl FromStr for Reason {
    type Err = UnknownReason;

    /// Accepts the RFC 5280 names in any case, with or without `-`/`_`, or the code.
    fn from_str(s: &str) -> Result<Self, UnknownReason> {
        let wanted: String = s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase();
        if let Ok(code) = wanted.parse::<u8>() {
            return Reason::from_code(code).ok_or_else(|| UnknownReason(s.to_owned()));
        }
        Reason::ALL
            .into_iter()
            .find(|r| r.name().to_lowercase() == wanted)
            .ok_or_else(|| UnknownReason(s.chars().take(40).collect()))
    }
}

/// One revoked certificate, as the CRL lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The serial number's content octets.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub at: SystemTime,
    /// Why.
    pub reason: Reason,
}

/// Errors in producing a CRL.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// Encoding failed.
    #[error(transparent)]
    X509(#[from] X509Error),
    /// The CA's key failed to sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// Produces a full CRL (v2) of `issuer` listing `revoked`, numbered `number`, valid from
/// `this_update` to `next_update`, with the authority key identifier and CRL number
/// extensions. Returns the DER.
pub fn full_crl(
    issuer: &Issuer<'_>,
    number: u64,
    this_update: SystemTime,
    next_update: SystemTime,
    revoked: &[Revoked],
) -> Result<Vec<u8>, CrlError> {
    let mut entries = Vec::with_capacity(revoked.len());
    for r in revoked {
        let reason_ext = match r.reason {
            // RFC 5280 §5.3.1: use no reason code rather than unspecified.
            Reason::Unspecified => None,
            other => Some(vec![x509::extension(rfc5280::ID_CE_CRL_REASONS, false, &other.crl_reason())?]),
        };
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(&r.serial).map_err(enc("a serial number"))?,
            revocation_date: x509::time(r.at)?,
            crl_entry_extensions: reason_ext,
        });
    }
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(
            OctetString::new(issuer_key_id(issuer.certificate)).map_err(enc("the key identifier"))?,
        ),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let number = CrlNumber(Uint::new(&number.to_be_bytes()).map_err(enc("the CRL number"))?);
    let tbs = TbsCertList {
        version: Version::V2,
        signature: issuer.signer.algorithm().signature_algorithm(),
        issuer: issuer.certificate.tbs_certificate.subject.clone(),
        this_update: x509::time(this_update)?,
        next_update: Some(x509::time(next_update)?),
        revoked_certificates: if entries.is_empty() { None } else { Some(entries) },
        crl_extensions: Some(vec![
            x509::extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?,
            x509::extension(rfc5280::ID_CE_CRL_NUMBER, false, &number)?,
        ]),
    };
    let tbs_der = tbs.to_der().map_err(enc("the CRL"))?;
    let signature = issuer.signer.sign(&tbs_der)?;
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: issuer.signer.algorithm().signature_algorithm(),
        signature: BitString::from_bytes(&signature).map_err(enc("the signature"))?,
    };
    Ok(crl.to_der().map_err(enc("the CRL"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_parse_by_name_and_code() {
        assert_eq!("keyCompromise".parse::<Reason>().unwrap(), Reason::KeyCompromise);
        assert_eq!("key-compromise".parse::<Reason>().unwrap(), Reason::KeyCompromise);
        assert_eq!("9".parse::<Reason>().unwrap(), Reason::PrivilegeWithdrawn);
        assert!("certificateHold".parse::<Reason>().is_err());
        assert!("7".parse::<Reason>().is_err());
        for r in Reason::ALL {
            assert_eq!(r.name().parse::<Reason>().unwrap(), r);
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
    }
}
