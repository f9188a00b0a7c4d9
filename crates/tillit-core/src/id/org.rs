//! Organisation numbers of Sweden, Denmark and Norway (R-ID-4).

use std::fmt;

use super::checksum::{luhn_check_digit, mod11_check_digit, Mod11};
use super::lexer::{lex, Lexed};
use super::{Country, IdError};

const CVR_WEIGHTS: [u32; 7] = [2, 7, 6, 5, 4, 3, 2];
const NO_ORGNR_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// Which register an [`OrgNumber`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgIdKind {
    /// Swedish organisationsnummer (Bolagsverket and others; Luhn).
    SeOrganisationsnummer,
    /// Danish CVR number (mod 11, weights 2,7,6,5,4,3,2,1).
    DkCvr,
    /// Norwegian organisasjonsnummer (Enhetsregisteret; mod 11, weights 3,2,7,6,5,4,3,2).
    NoOrganisasjonsnummer,
}

/// A valid organisation number (R-ID-4, R-ID-6). `Display` and `Serialize` give the
/// normalised form: the digits without separators (SE 10, DK 8, NO 9).
///
/// Accepted input, surrounding whitespace ignored:
/// - SE `NNNNNNNNNN` or `NNNNNN-NNNN`; Luhn; the third digit must be 2 or more, i.e. only
///   legal persons. A sole trader (enskild näringsidkare) uses their personnummer as
///   organisation number; that 10-digit number lacks the century, so its birth date cannot be
///   checked, and it is personal data: tillit keeps such a person as a [`super::NationalId`]
///   and refuses it here rather than store something half-valid (R-ID-6).
/// - DK `NNNNNNNN`; first digit not 0; weighted sum divisible by 11.
/// - NO `NNNNNNNNN` or `NNN NNN NNN`; first digit 8 or 9; the mod-11 control digit, where a
///   computed 10 means no valid number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgNumber {
    country: Country,
    normalised: String,
}

impl OrgNumber {
    /// Parses `input` as an organisation number of `country` (R-ID-4).
    pub fn parse(country: Country, input: &str) -> Result<OrgNumber, IdError> {
        let lexed = match country {
            Country::Se => parse_se(input)?,
            Country::Dk => parse_dk(input)?,
            Country::No => parse_no(input)?,
        };
        Ok(OrgNumber { country, normalised: lexed.digit_string() })
    }

    /// The registering country.
    pub fn country(&self) -> Country {
        self.country
    }

    /// Which register the number comes from.
    pub fn kind(&self) -> OrgIdKind {
        match self.country {
            Country::Se => OrgIdKind::SeOrganisationsnummer,
            Country::Dk => OrgIdKind::DkCvr,
            Country::No => OrgIdKind::NoOrganisasjonsnummer,
        }
    }

    /// The stored form: the digits only (SE 10, DK 8, NO 9).
    pub fn normalised(&self) -> &str {
        &self.normalised
    }
}

impl fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalised)
    }
}

impl serde::Serialize for OrgNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.normalised)
    }
}

fn lex_length(
    input: &str,
    separators: &[char],
    allowed: &'static str,
    len: usize,
    expected: &'static str,
) -> Result<Lexed, IdError> {
    let lexed = lex(input, separators, allowed)?;
    if lexed.digits.len() != len {
        return Err(IdError::WrongLength { expected, got: lexed.digits.len() });
    }
    Ok(lexed)
}

fn check_mod11(lexed: &Lexed, weights: &[u32], rule: &'static str) -> Result<(), IdError> {
    let last = lexed.digits.len() - 1;
    let digit = "check digit";
    match mod11_check_digit(&lexed.digits[..last], weights) {
        Mod11::Impossible => Err(IdError::NoCheckDigit { digit, rule }),
        Mod11::Digit(expected) if expected != lexed.digits[last] => {
            Err(IdError::CheckDigit { digit, found: lexed.digits[last], expected, rule })
        }
        Mod11::Digit(_) => Ok(()),
    }
}

fn parse_se(input: &str) -> Result<Lexed, IdError> {
    let lexed = lex_length(input, &['-'], "only digits and one '-' are allowed", 10, "10")?;
    lexed.separators_fit(&[6], "NNNNNN-NNNN")?;
    // R-ID-4: Luhn, as for personnummer.
    let expected = luhn_check_digit(&lexed.digits[..9]);
    if lexed.digits[9] != expected {
        return Err(IdError::CheckDigit {
            digit: "check digit",
            found: lexed.digits[9],
            expected,
            rule: "R-ID-4 Luhn",
        });
    }
    // R-ID-4: legal persons have 2 or more in the third digit ("month" 20+).
    if lexed.digits[2] < 2 {
        return Err(IdError::PersonalOrgNumber { found: lexed.digits[2] });
    }
    Ok(lexed)
}

fn parse_dk(input: &str) -> Result<Lexed, IdError> {
    let lexed = lex_length(input, &[], "only digits are allowed", 8, "8")?;
    // R-ID-4: weights 2,7,6,5,4,3,2 and the check digit with weight 1 sum to 0 mod 11.
    check_mod11(&lexed, &CVR_WEIGHTS, "R-ID-4 CVR mod 11")?;
    if lexed.digits[0] == 0 {
        return Err(IdError::FirstDigit { found: 0, expected: "1-9", rule: "R-ID-4 CVR" });
    }
    Ok(lexed)
}

fn parse_no(input: &str) -> Result<Lexed, IdError> {
    let lexed = lex_length(input, &[' '], "only digits and spaces as in NNN NNN NNN are allowed", 9, "9")?;
    lexed.separators_fit(&[3, 6], "NNN NNN NNN")?;
    check_mod11(&lexed, &NO_ORGNR_WEIGHTS, "R-ID-4 organisasjonsnummer mod 11")?;
    if lexed.digits[0] < 8 {
        return Err(IdError::FirstDigit {
            found: lexed.digits[0],
            expected: "8 or 9",
            rule: "R-ID-4 organisasjonsnummer",
        });
    }
    Ok(lexed)
}
