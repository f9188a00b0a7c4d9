//! Swedish personnummer and samordningsnummer (R-ID-1).
//!
//! The century of a 10-digit number is the most recent one that does not put the birth date
//! after today, and `+` (age 100 or more) goes back another 100 years; this follows SPEC
//! R-ID-1 literally, judging by the full date. (Folkbokföringslagen 18 § switches to `+` at
//! the start of the year the person turns 100, so for a birthday later in the current year
//! the two readings differ; the SPEC's is the one implemented.)
//!
//! A 12-digit number states its century, but it must still have a 10-digit form, which is
//! what the Luhn digit is computed over: its year must be the `-` or the `+` reading of its
//! last two digits, and a `+` written in it must agree.

use time::Date;

use super::birth_date::{calendar_date, not_in_future};
use super::checksum::luhn_check_digit;
use super::lexer::lex;
use super::person::{PersonIdKind, PersonParts};
use super::{IdError, ParseOptions};

const ALLOWED: &str = "only digits and one '-' or '+' are allowed";

/// Parses a personnummer or samordningsnummer; see the module documentation for the century.
pub(crate) fn parse(input: &str, opts: &ParseOptions) -> Result<PersonParts, IdError> {
    let lexed = lex(input, &['-', '+'], ALLOWED)?;
    let len = lexed.digits.len();
    let form = match len {
        10 => "YYMMDD-NNNC",
        12 => "YYYYMMDD-NNNC",
        got => return Err(IdError::WrongLength { expected: "10 or 12", got }),
    };
    let plus = lexed.separators_fit(&[len - 4], form)? == Some('+');

    // R-ID-1: Luhn over the 10-digit form.
    let ten = &lexed.digits[len - 10..];
    let expected = luhn_check_digit(&ten[..9]);
    if ten[9] != expected {
        return Err(IdError::CheckDigit {
            digit: "check digit",
            found: ten[9],
            expected,
            rule: "R-ID-1 Luhn",
        });
    }

    let yy = lexed.number(len - 10..len - 8) as i32;
    let month = lexed.number(len - 8..len - 6) as u8;
    let day_digits = lexed.number(len - 6..len - 4) as u8;
    // R-ID-1: samordningsnummer add 60 to the day.
    let (kind, day) = if day_digits > 60 {
        (PersonIdKind::Samordningsnummer, day_digits - 60)
    } else {
        (PersonIdKind::Personnummer, day_digits)
    };

    let recent = most_recent_year(yy, month, day, opts.today);
    let birth_date = if len == 10 {
        let year = if plus { recent - 100 } else { recent };
        calendar_date(year, month, day)?
    } else {
        let year = lexed.number(0..4) as i32;
        let date = not_in_future(calendar_date(year, month, day)?, opts.today)?;
        if year < recent - 100 {
            return Err(IdError::CenturyOutOfRange { year });
        }
        if plus && year != recent - 100 {
            return Err(IdError::PlusSeparatorMismatch { date });
        }
        date
    };

    let digits = lexed.digit_string();
    let normalised = if len == 10 { format!("{:04}{}", birth_date.year(), &digits[2..]) } else { digits };
    Ok(PersonParts { kind, birth_date, normalised, warnings: Vec::new(), test_id: false })
}

/// The most recent year ending in `yy` in which `month`-`day` is not after `today`. Compares
/// month and day as numbers, so it is defined even for dates that turn out not to exist.
fn most_recent_year(yy: i32, month: u8, day: u8, today: Date) -> i32 {
    let this_year = today.year();
    let candidate = this_year - this_year.rem_euclid(100) + yy;
    let today_md = (u8::from(today.month()), today.day());
    if candidate > this_year || (candidate == this_year && (month, day) > today_md) {
        candidate - 100
    } else {
        candidate
    }
}
