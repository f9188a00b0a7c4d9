//! Check-digit arithmetic: Luhn (R-ID-1, R-ID-4 SE) and weighted modulus 11 (R-ID-2, R-ID-3,
//! R-ID-4 DK and NO). Digits are values 0..=9, as the lexer produces them.

/// The result of computing a modulus-11 check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mod11 {
    /// The check digit the payload needs.
    Digit(u8),
    /// `11 - sum mod 11` is 10: no single digit fits, so no number with this payload exists.
    Impossible,
}

/// The Luhn check digit that completes `payload` (weights 2, 1, 2, … counted from the digit
/// nearest the check digit).
pub(crate) fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The weighted sum of `digits`; `weights` must be at least as long as `digits`.
pub(crate) fn weighted_sum(digits: &[u8], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(&d, &w)| u32::from(d) * w).sum()
}

/// The modulus-11 check digit `11 - (weighted sum mod 11)`, where 11 gives 0 and 10 gives none.
pub(crate) fn mod11_check_digit(payload: &[u8], weights: &[u32]) -> Mod11 {
    match (11 - weighted_sum(payload, weights) % 11) % 11 {
        10 => Mod11::Impossible,
        d => Mod11::Digit(d as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_of_known_personnummer() {
        // 811218-9876 is Skatteverket's textbook example.
        assert_eq!(luhn_check_digit(&[8, 1, 1, 2, 1, 8, 9, 8, 7]), 6);
    }

    #[test]
    fn mod11_eleven_gives_zero() {
        assert_eq!(mod11_check_digit(&[0, 0], &[1, 1]), Mod11::Digit(0));
        assert_eq!(mod11_check_digit(&[1], &[1]), Mod11::Impossible);
    }
}
