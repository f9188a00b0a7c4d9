//! Identifier rules R-ID-1..6: tables per rule, then properties.

mod check_line;
mod dk;
mod hsa;
mod no;
mod org;
mod props;
mod se;

use tillit_core::id::{Country, NationalId, ParseOptions, PersonIdKind};
use time::{macros::date, Date};

/// The "today" of the tables unless a case says otherwise.
pub const TODAY: Date = date!(2025 - 06 - 15);

pub fn opts() -> ParseOptions {
    ParseOptions::new(TODAY)
}

/// What a table row expects.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// Valid, with this normalised form, kind and birth date.
    Valid(&'static str, PersonIdKind, Date),
    /// Invalid, with exactly this reason.
    Invalid(&'static str),
}

/// Runs a table of person-id cases and reports every row that disagrees.
pub fn run_person_table(country: Country, opts: &ParseOptions, table: &[(&str, Expect)]) {
    let mut failures = Vec::new();
    for &(input, expect) in table {
        let got = NationalId::parse(country, input, opts);
        let ok = match (&got, expect) {
            (Ok(id), Expect::Valid(normalised, kind, birth)) => {
                id.normalised() == normalised
                    && id.kind() == kind
                    && id.birth_date() == birth
                    && id.country() == country
                    // R-ID-6: the stored form parses back to the same value.
                    && NationalId::parse(country, id.normalised(), opts).as_ref() == Ok(id)
            }
            (Err(e), Expect::Invalid(reason)) => e.to_string() == reason,
            _ => false,
        };
        if !ok {
            failures.push(format!("{country} {input:?}: got {got:?}, expected {expect:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failing rows:\n{}", failures.len(), failures.join("\n"));
}
