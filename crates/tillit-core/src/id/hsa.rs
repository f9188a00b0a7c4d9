//! HSA-ids, the Swedish health-care directory's person ids, as tillit stores them (R-ID-5).

use std::fmt;
use std::str::FromStr;

use super::{Country, IdError, OrgNumber};

/// The HSA catalogue allows at most this many characters in an HSA-id.
const MAX_LEN: usize = 31;

/// A valid HSA-id `<country><org number>-<local part>` (R-ID-5), e.g. `SE2120000738-abcd`.
///
/// - The country code is SE, DK or NO in any letter case, stored in upper case.
/// - The organisation number is the issuing organisation's, digits only, and must be a valid
///   [`OrgNumber`] of that country (SE: Luhn and third digit 2 or more).
/// - The local part is one or more ASCII letters and digits, kept as written: HSA-ids are
///   compared exactly.
/// - The whole id is at most 31 characters.
///
/// `Display`, `Serialize` and `Deserialize` use the normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsaId {
    normalised: String,
    org: OrgNumber,
    /// Byte offset of the local part in `normalised`.
    local_start: usize,
}

impl HsaId {
    /// Parses an HSA-id; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<HsaId, IdError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty);
        }
        let length = trimmed.chars().count();
        if length > MAX_LEN {
            return Err(IdError::HsaTooLong { length });
        }
        let prefix: String = trimmed.chars().take(2).collect();
        let country = match prefix.parse::<Country>() {
            Ok(c) if prefix.len() == 2 => c,
            _ => return Err(IdError::HsaCountry { found: prefix }),
        };
        // The prefix is two ASCII letters, so byte 2 is a character boundary.
        let rest = trimmed.get(2..).unwrap_or_default();
        let Some((org_part, local)) = rest.split_once('-') else {
            return Err(IdError::HsaMissingDash);
        };
        if let Some((i, found)) = org_part.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::HsaOrgNumber(Box::new(IdError::UnexpectedCharacter {
                found,
                position: 3 + i,
                allowed: "only digits are allowed",
            })));
        }
        let org = OrgNumber::parse(country, org_part).map_err(|e| IdError::HsaOrgNumber(Box::new(e)))?;
        if local.is_empty() {
            return Err(IdError::HsaEmptyLocalPart);
        }
        let local_offset = 2 + org_part.len() + 1;
        if let Some((i, found)) = local.chars().enumerate().find(|(_, c)| !c.is_ascii_alphanumeric()) {
            return Err(IdError::HsaLocalPart { found, position: local_offset + i + 1 });
        }
        Ok(HsaId {
            normalised: format!("{}{}-{}", country.upper_code(), org.normalised(), local),
            org,
            local_start: local_offset,
        })
    }

    /// The country of the issuing organisation.
    pub fn country(&self) -> Country {
        self.org.country()
    }

    /// The issuing organisation's number.
    pub fn org_number(&self) -> &OrgNumber {
        &self.org
    }

    /// The part after the `-`, unique within the organisation.
    pub fn local_part(&self) -> &str {
        self.normalised.get(self.local_start..).unwrap_or_default()
    }

    /// The stored form, e.g. `SE2120000738-abcd`.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }
}

impl fmt::Display for HsaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalised)
    }
}

impl FromStr for HsaId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HsaId::parse(s)
    }
}

impl serde::Serialize for HsaId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.normalised)
    }
}

impl<'de> serde::Deserialize<'de> for HsaId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        HsaId::parse(&s).map_err(serde::de::Error::custom)
    }
}
