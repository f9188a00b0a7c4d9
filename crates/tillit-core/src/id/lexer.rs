//! Splits an identifier as typed into its digits and separators (R-ID-3a: surrounding
//! whitespace is ignored; anything but digits and the separators of that identifier is not).

use super::IdError;

/// A separator found between the digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Separator {
    /// The separator character.
    pub ch: char,
    /// How many digits came before it.
    pub after_digits: usize,
    /// Its 1-based character position in the trimmed input.
    pub position: usize,
}

/// The digits and separators of a trimmed, non-empty input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lexed {
    /// Digit values 0..=9, in order.
    pub digits: Vec<u8>,
    /// Separators, in order.
    pub separators: Vec<Separator>,
}

/// Lexes `input`, allowing ASCII digits and the characters in `separators`; `allowed`
/// describes both for the message when another character turns up.
pub(crate) fn lex(input: &str, separators: &[char], allowed: &'static str) -> Result<Lexed, IdError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdError::Empty);
    }
    let mut lexed = Lexed { digits: Vec::with_capacity(12), separators: Vec::new() };
    for (i, ch) in trimmed.chars().enumerate() {
        // ASCII only: other Unicode digits are refused, not read.
        if ch.is_ascii_digit() {
            lexed.digits.push(ch as u8 - b'0');
        } else if separators.contains(&ch) {
            lexed.separators.push(Separator { ch, after_digits: lexed.digits.len(), position: i + 1 });
        } else {
            return Err(IdError::UnexpectedCharacter { found: ch, position: i + 1, allowed });
        }
    }
    Ok(lexed)
}

impl Lexed {
    /// Checks that there is either no separator or exactly one after each count of digits in
    /// `positions`; returns the first separator. `form` names the expected shape for messages.
    pub(crate) fn separators_fit(
        &self,
        positions: &[usize],
        form: &'static str,
    ) -> Result<Option<char>, IdError> {
        let misplaced =
            |sep: &Separator| IdError::MisplacedSeparator { found: sep.ch, position: sep.position, form };
        for (i, sep) in self.separators.iter().enumerate() {
            if positions.get(i) != Some(&sep.after_digits) {
                return Err(misplaced(sep));
            }
        }
        match self.separators.first() {
            None => Ok(None),
            Some(first) if self.separators.len() == positions.len() => Ok(Some(first.ch)),
            Some(first) => Err(misplaced(first)),
        }
    }

    /// The number the digits in `range` spell, most significant first.
    pub(crate) fn number(&self, range: std::ops::Range<usize>) -> u32 {
        self.digits.get(range).unwrap_or_default().iter().fold(0, |n, &d| n * 10 + u32::from(d))
    }

    /// The digits as a string of ASCII digits.
    pub(crate) fn digit_string(&self) -> String {
        self.digits.iter().map(|&d| char::from(b'0' + d)).collect()
    }
}
