//! Why an identifier was refused (R-ID-6): one variant per rule that can fail, each displayed
//! as one line that names what is wrong and, where there is one, the SPEC rule.

use time::Date;

use super::birth_date::iso;

/// A refused identifier. Its `Display` is one line without tabs or newlines (input characters
/// are shown escaped), fit for `tillit id check` and for API error bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The input is empty or only whitespace.
    #[error("empty")]
    Empty,

    /// A character that is neither a digit nor a separator this identifier accepts (R-ID-3a).
    #[error("unexpected character {found:?} at position {position}; {allowed} (R-ID-3a)")]
    UnexpectedCharacter {
        /// The offending character.
        found: char,
        /// Its 1-based position in the input, surrounding whitespace removed.
        position: usize,
        /// What is allowed instead, e.g. "only digits and one '-' or '+' are allowed".
        allowed: &'static str,
    },

    /// The number of digits does not fit the identifier (R-ID-3a).
    #[error("expected {expected} digits, got {got}")]
    WrongLength {
        /// The accepted digit counts, e.g. "10 or 12".
        expected: &'static str,
        /// The digit count found.
        got: usize,
    },

    /// A separator stands where the identifier's form has none (R-ID-3a).
    #[error("separator {found:?} at position {position} does not fit the form {form} (R-ID-3a)")]
    MisplacedSeparator {
        /// The separator character.
        found: char,
        /// Its 1-based position in the input, surrounding whitespace removed.
        position: usize,
        /// The expected form, e.g. "YYMMDD-NNNC".
        form: &'static str,
    },

    /// A check digit does not match the one computed from the other digits.
    #[error("{digit} is {found}, expected {expected} ({rule})")]
    CheckDigit {
        /// Which digit: "check digit", "first control digit", "second control digit".
        digit: &'static str,
        /// The digit in the input.
        found: u8,
        /// The digit the algorithm gives.
        expected: u8,
        /// The rule and algorithm, e.g. "R-ID-1 Luhn".
        rule: &'static str,
    },

    /// Modulus 11 gives 10 for these digits, so no check digit can complete them.
    #[error("{digit} cannot exist: modulus 11 gives 10 for these digits ({rule})")]
    NoCheckDigit {
        /// Which digit: "check digit", "first control digit", "second control digit".
        digit: &'static str,
        /// The rule and algorithm, e.g. "R-ID-3 mod 11".
        rule: &'static str,
    },

    /// The birth date the number encodes does not exist in the calendar (R-ID-3a).
    #[error("birth date {year:04}-{month:02}-{day:02} does not exist (R-ID-3a)")]
    NoSuchDate {
        /// The year, century applied.
        year: i32,
        /// The month, any offset (H-number, synthetic) removed.
        month: u8,
        /// The day, any offset (samordningsnummer, D-number) removed.
        day: u8,
    },

    /// The birth date lies after the parse's "today" (R-ID-3a).
    #[error("birth date {} lies in the future (R-ID-3a)", iso(*date))]
    FutureDate {
        /// The birth date the number encodes.
        date: Date,
    },

    /// A 12-digit personnummer whose year no 10-digit form with `-` or `+` can express,
    /// i.e. a birth more than two centuries ago (R-ID-1).
    #[error(
        "birth year {year} is too far back for a personnummer: its 10-digit form cannot express it (R-ID-1)"
    )]
    CenturyOutOfRange {
        /// The 4-digit year given.
        year: i32,
    },

    /// A 12-digit personnummer written with `+` for someone not yet 100 (R-ID-1).
    #[error("separator '+' means age 100 or more, but birth date {} is less than 100 years ago (R-ID-1)", iso(*date))]
    PlusSeparatorMismatch {
        /// The birth date the 12 digits give.
        date: Date,
    },

    /// A Norwegian individual number that gives no century with this year (R-ID-3).
    #[error("individual number {individual:03} with year {year:02} gives no century (R-ID-3)")]
    NoCentury {
        /// The individual number (digits 7-9).
        individual: u16,
        /// The two-digit year (digits 5-6).
        year: u8,
    },

    /// A Norwegian FH-number (first digit 8 or 9), which has no birth date by design (R-ID-3).
    #[error("FH-number carries no birth date (R-ID-3)")]
    FhNumber,

    /// A Norwegian number with both day + 40 (D-number) and month + 40 (H-number) (R-ID-3).
    #[error("day + 40 (D-number) and month + 40 (H-number) cannot be combined (R-ID-3)")]
    DAndHNumber,

    /// A synthetic test number (month + 80) while test identities are not enabled (R-ID-3).
    #[error("synthetic test number; test identities are not enabled (R-ID-3)")]
    TestIdNotEnabled,

    /// A Swedish organisation number whose third digit is below 2: that is a sole trader's
    /// personnummer, not an organisationsnummer of a legal person (R-ID-4).
    #[error("third digit is {found}, expected 2-9: with 0 or 1 it is a sole trader's personnummer, not an organisationsnummer (R-ID-4)")]
    PersonalOrgNumber {
        /// The third digit.
        found: u8,
    },

    /// An organisation number whose first digit its register never issues (R-ID-4).
    #[error("first digit is {found}, expected {expected} ({rule})")]
    FirstDigit {
        /// The first digit.
        found: u8,
        /// The digits allowed, e.g. "1-9".
        expected: &'static str,
        /// The rule, e.g. "R-ID-4 CVR".
        rule: &'static str,
    },

    /// An HSA-id that does not start with a country code SE, DK or NO (R-ID-5).
    #[error("HSA-id starts with {found:?}, expected a country code SE, DK or NO (R-ID-5)")]
    HsaCountry {
        /// The first (at most two) characters.
        found: String,
    },

    /// An HSA-id without the `-` between organisation number and local part (R-ID-5).
    #[error("HSA-id has no '-' between organisation number and local part (R-ID-5)")]
    HsaMissingDash,

    /// The organisation number inside an HSA-id is not valid for its country (R-ID-5, R-ID-4).
    #[error("organisation number in HSA-id: {0}")]
    HsaOrgNumber(Box<IdError>),

    /// An HSA-id whose local part is empty (R-ID-5).
    #[error("HSA-id local part is empty (R-ID-5)")]
    HsaEmptyLocalPart,

    /// An HSA-id local part with a character other than an ASCII letter or digit (R-ID-5).
    #[error("HSA-id local part has {found:?} at position {position}; only ASCII letters and digits are allowed (R-ID-5)")]
    HsaLocalPart {
        /// The offending character.
        found: char,
        /// Its 1-based position in the HSA-id.
        position: usize,
    },

    /// An HSA-id longer than the 31 characters the HSA catalogue allows (R-ID-5).
    #[error("HSA-id is {length} characters, at most 31 are allowed (R-ID-5)")]
    HsaTooLong {
        /// The length in characters.
        length: usize,
    },

    /// A country code other than se, dk or no.
    #[error("unknown country {found:?}, expected se, dk or no")]
    UnknownCountry {
        /// The code given (cut to 16 characters).
        found: String,
    },

    /// A check kind other than person or org (the `tillit id check --kind` argument).
    #[error("unknown kind {found:?}, expected person or org")]
    UnknownCheckKind {
        /// The kind given (cut to 16 characters).
        found: String,
    },
}

/// At most 16 characters of `s`, so that messages quoting input stay one short line.
pub(crate) fn excerpt(s: &str) -> String {
    s.chars().take(16).collect()
}
