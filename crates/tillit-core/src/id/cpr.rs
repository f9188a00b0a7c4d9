//! Danish CPR numbers (R-ID-2).

use super::birth_date::{calendar_date, not_in_future};
use super::checksum::weighted_sum;
use super::lexer::lex;
use super::person::{PersonIdKind, PersonParts};
use super::{IdError, IdWarning, ParseOptions};

const WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// Parses `DDMMYY-SSSS` or `DDMMYYSSSS`. The date must exist and not be in the future; the
/// modulus-11 check only yields a warning (R-ID-2).
pub(crate) fn parse(input: &str, opts: &ParseOptions) -> Result<PersonParts, IdError> {
    let lexed = lex(input, &['-'], "only digits and one '-' are allowed")?;
    if lexed.digits.len() != 10 {
        return Err(IdError::WrongLength { expected: "10", got: lexed.digits.len() });
    }
    lexed.separators_fit(&[6], "DDMMYY-SSSS")?;

    let day = lexed.number(0..2) as u8;
    let month = lexed.number(2..4) as u8;
    let yy = lexed.number(4..6) as i32;
    // R-ID-2: the 7th digit with the year gives the century.
    let century = match lexed.digits[6] {
        0..=3 => 1900,
        4 | 9 if yy <= 36 => 2000,
        4 | 9 => 1900,
        _ if yy <= 57 => 2000,
        _ => 1800,
    };
    let birth_date = not_in_future(calendar_date(century + yy, month, day)?, opts.today)?;

    let remainder = (weighted_sum(&lexed.digits, &WEIGHTS) % 11) as u8;
    let warnings = if remainder == 0 { Vec::new() } else { vec![IdWarning::CprModulus11 { remainder }] };
    Ok(PersonParts {
        kind: PersonIdKind::Cpr,
        birth_date,
        normalised: lexed.digit_string(),
        warnings,
        test_id: false,
    })
}
