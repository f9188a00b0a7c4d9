//! The Nordic countries whose identifiers tillit knows.

use std::fmt;
use std::str::FromStr;

use super::error::excerpt;
use super::IdError;

/// A country whose person and organisation identifiers tillit parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Country {
    /// Sweden.
    Se,
    /// Denmark.
    Dk,
    /// Norway.
    No,
}

impl Country {
    /// Every country, in a fixed order.
    pub const ALL: [Country; 3] = [Country::Se, Country::Dk, Country::No];

    /// The lowercase ISO 3166-1 alpha-2 code: "se", "dk" or "no".
    pub fn code(self) -> &'static str {
        match self {
            Country::Se => "se",
            Country::Dk => "dk",
            Country::No => "no",
        }
    }

    /// The uppercase code, as it prefixes an HSA-id (R-ID-5).
    pub fn upper_code(self) -> &'static str {
        match self {
            Country::Se => "SE",
            Country::Dk => "DK",
            Country::No => "NO",
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Country {
    type Err = IdError;

    /// Parses "se", "dk" or "no", in any letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Country::ALL
            .into_iter()
            .find(|c| s.eq_ignore_ascii_case(c.code()))
            .ok_or_else(|| IdError::UnknownCountry { found: excerpt(s) })
    }
}
