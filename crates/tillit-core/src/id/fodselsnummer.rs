//! Norwegian fødselsnummer, D-nummer and H-nummer, and Skatteetaten's synthetic test numbers
//! (R-ID-3).

use super::birth_date::{calendar_date, not_in_future};
use super::checksum::{mod11_check_digit, Mod11};
use super::lexer::{lex, Lexed};
use super::person::{PersonIdKind, PersonParts};
use super::{IdError, ParseOptions};

const K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Parses `DDMMYYIIIKK` or `DDMMYY IIIKK`.
///
/// Order of checks: form, the two control digits, FH-numbers, the day/month offsets (D: day
/// + 40, H: month + 40, synthetic: month + 80, also on D-numbers), the century, the date.
pub(crate) fn parse(input: &str, opts: &ParseOptions) -> Result<PersonParts, IdError> {
    let lexed = lex(input, &[' '], "only digits and one space after the date are allowed")?;
    if lexed.digits.len() != 11 {
        return Err(IdError::WrongLength { expected: "11", got: lexed.digits.len() });
    }
    lexed.separators_fit(&[6], "DDMMYY IIIKK")?;
    check_control_digit(&lexed, 9, &K1_WEIGHTS, "first control digit")?;
    check_control_digit(&lexed, 10, &K2_WEIGHTS, "second control digit")?;

    if lexed.digits[0] >= 8 {
        return Err(IdError::FhNumber);
    }
    let day_digits = lexed.number(0..2) as u8;
    let month_digits = lexed.number(2..4) as u8;
    let d_number = day_digits >= 40;
    let day = if d_number { day_digits - 40 } else { day_digits };
    let (synthetic, h_number, month) = match month_digits {
        80.. => (true, false, month_digits - 80),
        40.. => (false, true, month_digits - 40),
        _ => (false, false, month_digits),
    };
    if d_number && h_number {
        return Err(IdError::DAndHNumber);
    }
    if synthetic && !opts.allow_test_ids {
        return Err(IdError::TestIdNotEnabled);
    }

    let yy = lexed.number(4..6) as u8;
    let individual = lexed.number(6..9) as u16;
    let century = match (individual, yy) {
        (0..=499, _) => 1900,
        (500..=749, 54..) => 1800,
        (500..=999, ..=39) => 2000,
        (900..=999, 40..) => 1900,
        _ => return Err(IdError::NoCentury { individual, year: yy }),
    };
    let birth_date = not_in_future(calendar_date(century + i32::from(yy), month, day)?, opts.today)?;

    let kind = if d_number {
        PersonIdKind::DNummer
    } else if h_number {
        PersonIdKind::HNummer
    } else {
        PersonIdKind::Fodselsnummer
    };
    Ok(PersonParts {
        kind,
        birth_date,
        normalised: lexed.digit_string(),
        warnings: Vec::new(),
        test_id: synthetic,
    })
}

/// Checks the control digit at `at` against the digits before it (R-ID-3 mod 11).
fn check_control_digit(
    lexed: &Lexed,
    at: usize,
    weights: &[u32],
    digit: &'static str,
) -> Result<(), IdError> {
    let rule = "R-ID-3 mod 11";
    match mod11_check_digit(&lexed.digits[..at], weights) {
        Mod11::Impossible => Err(IdError::NoCheckDigit { digit, rule }),
        Mod11::Digit(expected) if expected != lexed.digits[at] => {
            Err(IdError::CheckDigit { digit, found: lexed.digits[at], expected, rule })
        }
        Mod11::Digit(_) => Ok(()),
    }
}
