//! Identifiers (SPEC R-ID-1..6): national person ids, organisation numbers and HSA-ids.
//!
//! Every identifier is a parsed type (R-ID-6): [`NationalId`], [`OrgNumber`] and [`HsaId`]
//! can only be built by their `parse` functions, so a value that exists is valid, and a
//! refusal is an [`IdError`] whose one-line message names the rule that failed.
//!
//! | country | person id ([`NationalId`]) | normalised | organisation ([`OrgNumber`]) | normalised |
//! | --- | --- | --- | --- | --- |
//! | SE | personnummer, samordningsnummer (R-ID-1) | `YYYYMMDDNNNC` | organisationsnummer (R-ID-4) | 10 digits |
//! | DK | CPR (R-ID-2) | `DDMMYYSSSS` | CVR (R-ID-4) | 8 digits |
//! | NO | fødselsnummer, D-nummer, H-nummer (R-ID-3) | `DDMMYYIIIKK` | organisasjonsnummer (R-ID-4) | 9 digits |
//!
//! HSA-ids (R-ID-5) normalise to `<COUNTRY><org number>-<local part>`.
//!
//! Nothing here reads the clock: "today", against which birth dates are checked (R-ID-3a)
//! and Swedish centuries are chosen (R-ID-1), comes in through [`ParseOptions`].
//!
//! ```
//! use tillit_core::id::{Country, NationalId, ParseOptions, PersonIdKind};
//! use time::macros::date;
//!
//! let opts = ParseOptions::new(date!(2025 - 06 - 15));
//! let id = NationalId::parse(Country::Se, "701063-2391", &opts)?;
//! assert_eq!(id.kind(), PersonIdKind::Samordningsnummer);
//! assert_eq!(id.birth_date(), date!(1970 - 10 - 03));
//! assert_eq!(id.normalised(), "197010632391");
//!
//! let err = NationalId::parse(Country::Se, "701063-2392", &opts).unwrap_err();
//! assert_eq!(err.to_string(), "check digit is 2, expected 1 (R-ID-1 Luhn)");
//! # Ok::<(), tillit_core::id::IdError>(())
//! ```

mod birth_date;
mod check;
mod checksum;
mod country;
mod cpr;
mod error;
mod fodselsnummer;
mod hsa;
mod lexer;
mod org;
mod person;
mod personnummer;
mod warning;

pub use check::{check_line, IdCheckKind};
pub use country::Country;
pub use error::IdError;
pub use hsa::HsaId;
pub use org::{OrgIdKind, OrgNumber};
pub use person::{NationalId, PersonIdKind};
pub use warning::IdWarning;

use time::Date;

/// What a parse of a person id depends on besides the input: the date it is judged on and
/// whether this deployment accepts test identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    /// The current date. Birth dates after it are refused (R-ID-3a) and a 10-digit Swedish
    /// personnummer takes the most recent century that does not pass it (R-ID-1).
    pub today: Date,
    /// Whether synthetic test numbers (Norwegian month + 80, R-ID-3) are accepted.
    pub allow_test_ids: bool,
}

impl ParseOptions {
    /// Options for judging on `today`, with test identities refused.
    pub fn new(today: Date) -> Self {
        ParseOptions { today, allow_test_ids: false }
    }

    /// The same options with test identities accepted or refused.
    #[must_use]
    pub fn with_test_ids(self, allow_test_ids: bool) -> Self {
        ParseOptions { allow_test_ids, ..self }
    }
}
