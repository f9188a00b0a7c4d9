//! The line format of `tillit id check`: one verdict per input line.

use std::fmt;
use std::str::FromStr;

use super::error::excerpt;
use super::{Country, IdError, NationalId, OrgNumber, ParseOptions};

/// What `tillit id check` reads its lines as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdCheckKind {
    /// National person identifiers ([`NationalId`]).
    Person,
    /// Organisation numbers ([`OrgNumber`]).
    Org,
}

impl fmt::Display for IdCheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdCheckKind::Person => "person",
            IdCheckKind::Org => "org",
        })
    }
}

impl FromStr for IdCheckKind {
    type Err = IdError;

    /// Parses "person" or "org", in any letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("person") {
            Ok(IdCheckKind::Person)
        } else if s.eq_ignore_ascii_case("org") {
            Ok(IdCheckKind::Org)
        } else {
            Err(IdError::UnknownCheckKind { found: excerpt(s) })
        }
    }
}

/// Judges one input line: `"valid\t<normalised>"` or `"invalid\t<reason>"`, without a
/// trailing newline. The reason never holds a tab or a line break; an empty or
/// whitespace-only line is `"invalid\tempty"`.
pub fn check_line(country: Country, kind: IdCheckKind, line: &str, opts: &ParseOptions) -> String {
    let verdict = match kind {
        IdCheckKind::Person => NationalId::parse(country, line, opts).map(|id| id.to_string()),
        IdCheckKind::Org => OrgNumber::parse(country, line).map(|org| org.to_string()),
    };
    match verdict {
        Ok(normalised) => format!("valid\t{normalised}"),
        Err(e) => {
            // Messages quote input escaped already; this keeps the line format safe regardless.
            let line_break = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
            let reason: String = e.to_string().chars().map(|c| if line_break(c) { ' ' } else { c }).collect();
            format!("invalid\t{reason}")
        }
    }
}
