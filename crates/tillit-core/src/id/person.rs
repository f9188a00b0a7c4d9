//! National person identifiers of Sweden, Denmark and Norway (R-ID-1..3a).

use std::fmt;

use time::Date;

use super::{cpr, fodselsnummer, personnummer, Country, IdError, IdWarning, ParseOptions};

/// Which kind of national person identifier a [`NationalId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonIdKind {
    /// Swedish personnummer (R-ID-1).
    Personnummer,
    /// Swedish samordningsnummer: a personnummer with day + 60 (R-ID-1).
    Samordningsnummer,
    /// Danish CPR number (R-ID-2).
    Cpr,
    /// Norwegian fødselsnummer (R-ID-3).
    Fodselsnummer,
    /// Norwegian D-nummer: day + 40 (R-ID-3).
    #[serde(rename = "d-nummer")]
    DNummer,
    /// Norwegian H-nummer: month + 40 (R-ID-3).
    #[serde(rename = "h-nummer")]
    HNummer,
}

impl PersonIdKind {
    /// A short lowercase name, e.g. "samordningsnummer" or "d-nummer" (also its serde form).
    pub fn name(self) -> &'static str {
        match self {
            PersonIdKind::Personnummer => "personnummer",
            PersonIdKind::Samordningsnummer => "samordningsnummer",
            PersonIdKind::Cpr => "cpr",
            PersonIdKind::Fodselsnummer => "fodselsnummer",
            PersonIdKind::DNummer => "d-nummer",
            PersonIdKind::HNummer => "h-nummer",
        }
    }
}

impl fmt::Display for PersonIdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A valid national person identifier (R-ID-6): it exists only as the result of
/// [`NationalId::parse`], so its check digits hold and its birth date exists and is not in the
/// future as of the parse.
///
/// Two values are equal when country and normalised form are (the other fields follow from
/// them). `Display` and `Serialize` give the normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NationalId {
    country: Country,
    kind: PersonIdKind,
    birth_date: Date,
    normalised: String,
    warnings: Vec<IdWarning>,
    test_id: bool,
}

/// What a country's rules produce for a valid number.
#[derive(Debug)]
pub(crate) struct PersonParts {
    pub kind: PersonIdKind,
    pub birth_date: Date,
    pub normalised: String,
    pub warnings: Vec<IdWarning>,
    pub test_id: bool,
}

impl NationalId {
    /// Parses `input` as a person identifier of `country`, judged on `opts.today`.
    ///
    /// Accepted forms (surrounding whitespace ignored, R-ID-3a):
    /// - SE: `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`, `YYYYMMDDNNNC`, `YYYYMMDD-NNNC`,
    ///   `YYYYMMDD+NNNC` (R-ID-1);
    /// - DK: `DDMMYY-SSSS`, `DDMMYYSSSS` (R-ID-2);
    /// - NO: `DDMMYYIIIKK`, `DDMMYY IIIKK` (R-ID-3).
    pub fn parse(country: Country, input: &str, opts: &ParseOptions) -> Result<NationalId, IdError> {
        let parts = match country {
            Country::Se => personnummer::parse(input, opts)?,
            Country::Dk => cpr::parse(input, opts)?,
            Country::No => fodselsnummer::parse(input, opts)?,
        };
        Ok(NationalId {
            country,
            kind: parts.kind,
            birth_date: parts.birth_date,
            normalised: parts.normalised,
            warnings: parts.warnings,
            test_id: parts.test_id,
        })
    }

    /// The issuing country.
    pub fn country(&self) -> Country {
        self.country
    }

    /// Which kind of identifier this is.
    pub fn kind(&self) -> PersonIdKind {
        self.kind
    }

    /// The birth date the number encodes, offsets (samordningsnummer, D-, H-, synthetic
    /// numbers) removed and century resolved.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The stored form: SE `YYYYMMDDNNNC` (12 digits), DK `DDMMYYSSSS` (10 digits), NO
    /// `DDMMYYIIIKK` (11 digits); no separators, offsets kept as issued.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }

    /// Findings that did not make the number invalid, e.g. a CPR number failing modulus 11.
    pub fn warnings(&self) -> &[IdWarning] {
        &self.warnings
    }

    /// Whether this is a synthetic test identity (Norwegian month + 80, R-ID-3). Only
    /// parses with [`ParseOptions::allow_test_ids`] produce these.
    pub fn is_test_id(&self) -> bool {
        self.test_id
    }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalised)
    }
}

impl serde::Serialize for NationalId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.normalised)
    }
}
