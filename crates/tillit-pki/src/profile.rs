//! Certificate profiles as data (TOML): what a certificate of each kind carries. tillit ships
//! defaults (`profiles/default.toml`); an organisation may load its own.

use std::collections::BTreeMap;

use const_oid::ObjectIdentifier;
use serde::Deserialize;
use x509_cert::ext::pkix::KeyUsages;

/// The profiles shipped with tillit.
pub const DEFAULT_PROFILES: &str = include_str!("../profiles/default.toml");

/// What a profile is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    /// A certificate for a person or system.
    EndEntity,
    /// A delegated OCSP responder: gets id-pkix-ocsp-nocheck.
    OcspResponder,
}

/// A subject attribute a profile may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SubjectField {
    /// C.
    CountryName,
    /// O.
    OrganizationName,
    /// OU.
    OrganizationalUnitName,
    /// title (licensed profession).
    Title,
    /// serialNumber (HSA-id or national id).
    SerialNumber,
    /// givenName.
    GivenName,
    /// surname.
    Surname,
    /// CN.
    CommonName,
}

/// A subjectAltName kind a profile may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SanKind {
    /// rfc822Name.
    Email,
    /// Microsoft UPN otherName (smart card logon).
    Upn,
    /// dNSName.
    Dns,
}

/// A key usage bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Usage {
    /// digitalSignature.
    DigitalSignature,
    /// nonRepudiation (contentCommitment).
    NonRepudiation,
    /// keyEncipherment.
    KeyEncipherment,
}

impl Usage {
    /// The x509-cert flag.
    pub fn flag(self) -> KeyUsages {
        match self {
            Usage::DigitalSignature => KeyUsages::DigitalSignature,
            Usage::NonRepudiation => KeyUsages::NonRepudiation,
            Usage::KeyEncipherment => KeyUsages::KeyEncipherment,
        }
    }
}

/// An extended key usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtendedUsage {
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-emailProtection.
    EmailProtection,
    /// Microsoft smart card logon.
    MsSmartcardLogin,
    /// id-kp-OCSPSigning.
    OcspSigning,
}

impl ExtendedUsage {
    /// The OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            ExtendedUsage::ServerAuth => ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1"),
            ExtendedUsage::ClientAuth => ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2"),
            ExtendedUsage::EmailProtection => ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4"),
            ExtendedUsage::MsSmartcardLogin => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.2"),
            ExtendedUsage::OcspSigning => ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9"),
        }
    }
}

/// One certificate profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What it is for, in words.
    pub description: String,
    /// End entity or OCSP responder.
    pub kind: ProfileKind,
    /// The longest validity it allows.
    pub max_validity_days: u32,
    /// Key usage bits for every key type.
    pub key_usage: Vec<Usage>,
    /// Extra key usage bits for RSA subject keys (keyEncipherment).
    #[serde(default)]
    pub key_usage_rsa_extra: Vec<Usage>,
    /// Extended key usages (none: the extension is left out).
    #[serde(default)]
    pub extended_key_usage: Vec<ExtendedUsage>,
    /// Subject attributes it may carry, in this order.
    pub subject: Vec<SubjectField>,
    /// Subject attributes it must carry.
    #[serde(default)]
    pub subject_required: Vec<SubjectField>,
    /// subjectAltName kinds it may carry.
    #[serde(default)]
    pub subject_alt_names: Vec<SanKind>,
}

/// A set of profiles and the policy OIDs per trust level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    /// By name.
    pub profiles: BTreeMap<String, Profile>,
    /// Certificate policy OIDs per trust level ("1".."4").
    #[serde(default)]
    pub policies: BTreeMap<String, Vec<String>>,
}

/// A profile file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Not valid TOML of the profile format.
    #[error("profiles: {0}")]
    Parse(String),
    /// A policy OID is malformed.
    #[error("profiles: trust level {level}: {oid:?} is not an OID")]
    PolicyOid {
        /// The trust level.
        level: String,
        /// The value.
        oid: String,
    },
    /// A required subject field is not among the allowed ones.
    #[error("profile {0}: a required subject field is not in `subject`")]
    Required(String),
}

impl Profiles {
    /// The shipped defaults.
    #[allow(clippy::expect_used)]
    pub fn defaults() -> Self {
        Self::parse(DEFAULT_PROFILES)
            .expect("the shipped profiles parse: profile::tests::the_shipped_profiles_parse")
    }

    /// Parses and checks a profile file.
    pub fn parse(text: &str) -> Result<Self, ProfileError> {
        let parsed: Profiles =
            toml::from_str(text).map_err(|e| ProfileError::Parse(e.message().to_owned()))?;
        for (level, oids) in &parsed.policies {
            for oid in oids {
                ObjectIdentifier::new(oid)
                    .map_err(|_| ProfileError::PolicyOid { level: level.clone(), oid: oid.clone() })?;
            }
        }
        for (name, p) in &parsed.profiles {
            if !p.subject_required.iter().all(|f| p.subject.contains(f)) {
                return Err(ProfileError::Required(name.clone()));
            }
        }
        Ok(parsed)
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The policy OIDs for a trust level (none when the level has none).
    pub fn policy_oids(&self, level: u8) -> Vec<ObjectIdentifier> {
        self.policies
            .get(&level.to_string())
            .map(|v| v.iter().filter_map(|o| ObjectIdentifier::new(o).ok()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_profiles_parse() {
        let p = Profiles::parse(DEFAULT_PROFILES).unwrap();
        for name in ["se-authentication", "se-signature", "function", "tls-server", "ocsp-responder"] {
            assert!(p.get(name).is_some(), "{name}");
        }
        assert_eq!(p.get("se-signature").unwrap().key_usage, vec![Usage::NonRepudiation]);
        assert!(p.policy_oids(3).is_empty());
        let p = Profiles::parse("[profiles]\n[policies]\n\"3\" = [\"1.2.752.1.3\"]\n").unwrap();
        assert_eq!(p.policy_oids(3), vec![ObjectIdentifier::new_unwrap("1.2.752.1.3")]);
    }

    #[test]
    fn bad_profiles_are_named() {
        let err = Profiles::parse("[profiles.x]\ndescription='x'\nkind='end-entity'\nmax_validity_days=1\nkey_usage=[]\nsubject=['commonName']\nbogus=1\n").unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        let err = Profiles::parse("[policies]\n\"1\" = [\"not an oid\"]\n[profiles]\n").unwrap_err();
        assert!(err.to_string().contains("not an OID"), "{err}");
    }
}
