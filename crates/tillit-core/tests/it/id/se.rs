//! R-ID-1: Swedish personnummer and samordningsnummer (today 2025-06-15 unless stated).

use tillit_core::id::{Country, NationalId, ParseOptions, PersonIdKind::*};
use time::macros::date;

use super::{opts, run_person_table, Expect::*};

#[test]
fn personnummer_table() {
    run_person_table(
        Country::Se,
        &opts(),
        &[
            // Forms of Skatteverket's textbook number.
            ("811218-9876", Valid("198112189876", Personnummer, date!(1981 - 12 - 18))),
            ("8112189876", Valid("198112189876", Personnummer, date!(1981 - 12 - 18))),
            ("198112189876", Valid("198112189876", Personnummer, date!(1981 - 12 - 18))),
            ("19811218-9876", Valid("198112189876", Personnummer, date!(1981 - 12 - 18))),
            ("  811218-9876\t", Valid("198112189876", Personnummer, date!(1981 - 12 - 18))),
            // '+': age 100 or more, 100 more years back.
            ("811218+9876", Valid("188112189876", Personnummer, date!(1881 - 12 - 18))),
            ("18811218+9876", Valid("188112189876", Personnummer, date!(1881 - 12 - 18))),
            // A 12-digit number may carry '-' at any age.
            ("18811218-9876", Valid("188112189876", Personnummer, date!(1881 - 12 - 18))),
            // Samordningsnummer: day + 60.
            ("701063-2391", Valid("197010632391", Samordningsnummer, date!(1970 - 10 - 03))),
            ("197010632391", Valid("197010632391", Samordningsnummer, date!(1970 - 10 - 03))),
            // Century: the most recent one not in the future; today itself is not future.
            ("250615-1238", Valid("202506151238", Personnummer, date!(2025 - 06 - 15))),
            ("250616-1237", Valid("192506161237", Personnummer, date!(1925 - 06 - 16))),
            ("250616+1237", Valid("182506161237", Personnummer, date!(1825 - 06 - 16))),
            ("20000229-1235", Valid("200002291235", Personnummer, date!(2000 - 02 - 29))),
            // Leap days: 2000 is a leap year, 1900 is not; 2025 is not.
            ("000229-1235", Valid("200002291235", Personnummer, date!(2000 - 02 - 29))),
            ("000229+1235", Invalid("birth date 1900-02-29 does not exist (R-ID-3a)")),
            ("240229-1237", Valid("202402291237", Personnummer, date!(2024 - 02 - 29))),
            ("250229-1236", Invalid("birth date 2025-02-29 does not exist (R-ID-3a)")),
            ("811318-9875", Invalid("birth date 1981-13-18 does not exist (R-ID-3a)")),
            // 12 digits: future, too far back, '+' inconsistent.
            ("20250616-1237", Invalid("birth date 2025-06-16 lies in the future (R-ID-3a)")),
            ("17811218-9876", Invalid("birth year 1781 is too far back for a personnummer: its 10-digit form cannot express it (R-ID-1)")),
            ("19811218+9876", Invalid("separator '+' means age 100 or more, but birth date 1981-12-18 is less than 100 years ago (R-ID-1)")),
            // Form.
            ("811218-9875", Invalid("check digit is 5, expected 6 (R-ID-1 Luhn)")),
            ("81121898", Invalid("expected 10 or 12 digits, got 8")),
            ("1981121898765", Invalid("expected 10 or 12 digits, got 13")),
            ("81121-89876", Invalid("separator '-' at position 6 does not fit the form YYMMDD-NNNC (R-ID-3a)")),
            ("811218--9876", Invalid("separator '-' at position 8 does not fit the form YYMMDD-NNNC (R-ID-3a)")),
            ("198112-189876", Invalid("separator '-' at position 7 does not fit the form YYYYMMDD-NNNC (R-ID-3a)")),
            ("811218/9876", Invalid("unexpected character '/' at position 7; only digits and one '-' or '+' are allowed (R-ID-3a)")),
            ("811218 9876", Invalid("unexpected character ' ' at position 7; only digits and one '-' or '+' are allowed (R-ID-3a)")),
            ("811218\u{2013}9876", Invalid("unexpected character '–' at position 7; only digits and one '-' or '+' are allowed (R-ID-3a)")),
            ("81121\t89876", Invalid("unexpected character '\\t' at position 6; only digits and one '-' or '+' are allowed (R-ID-3a)")),
            ("", Invalid("empty")),
            ("   ", Invalid("empty")),
        ],
    );
}

#[test]
fn century_follows_today() {
    // On 2025-06-16 the same number is someone born that day.
    let opts = ParseOptions::new(date!(2025 - 06 - 16));
    let id = NationalId::parse(Country::Se, "250616-1237", &opts).unwrap();
    assert_eq!(id.birth_date(), date!(2025 - 06 - 16));
    // New Year: a '99' number is from 1999 when today is 2000-01-01.
    let opts = ParseOptions::new(date!(2000 - 01 - 01));
    let id = NationalId::parse(Country::Se, "9901011230", &opts).unwrap();
    assert_eq!(id.normalised(), "199901011230");
}

#[test]
fn se_has_no_test_ids_or_warnings() {
    let id = NationalId::parse(Country::Se, "811218-9876", &opts().with_test_ids(true)).unwrap();
    assert!(!id.is_test_id());
    assert!(id.warnings().is_empty());
    assert_eq!(id.to_string(), "198112189876");
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"198112189876\"");
}
