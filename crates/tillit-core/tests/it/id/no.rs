//! R-ID-3: Norwegian fødselsnummer, D- and H-numbers, FH- and synthetic numbers (today
//! 2025-06-15).

use tillit_core::id::{Country, NationalId, PersonIdKind::*};
use time::macros::date;

use super::{opts, run_person_table, Expect::*};

#[test]
fn fodselsnummer_table() {
    run_person_table(
        Country::No,
        &opts(),
        &[
            ("01019000083", Valid("01019000083", Fodselsnummer, date!(1990 - 01 - 01))),
            ("010190 00083", Valid("01019000083", Fodselsnummer, date!(1990 - 01 - 01))),
            (" 01019000083 ", Valid("01019000083", Fodselsnummer, date!(1990 - 01 - 01))),
            // Century from the individual number.
            ("01019040034", Valid("01019040034", Fodselsnummer, date!(1990 - 01 - 01))),
            ("01015850031", Valid("01015850031", Fodselsnummer, date!(1858 - 01 - 01))),
            ("01015460020", Valid("01015460020", Fodselsnummer, date!(1854 - 01 - 01))),
            ("01015360190", Invalid("individual number 601 with year 53 gives no century (R-ID-3)")),
            ("01011050081", Valid("01011050081", Fodselsnummer, date!(2010 - 01 - 01))),
            ("01013950187", Invalid("birth date 2039-01-01 lies in the future (R-ID-3a)")),
            ("01014550050", Invalid("individual number 500 with year 45 gives no century (R-ID-3)")),
            ("01015875034", Invalid("individual number 750 with year 58 gives no century (R-ID-3)")),
            ("01014090017", Valid("01014090017", Fodselsnummer, date!(1940 - 01 - 01))),
            ("15062550071", Valid("15062550071", Fodselsnummer, date!(2025 - 06 - 15))),
            ("16062550000", Invalid("birth date 2025-06-16 lies in the future (R-ID-3a)")),
            // Leap days.
            ("29020050088", Valid("29020050088", Fodselsnummer, date!(2000 - 02 - 29))),
            ("29020000064", Invalid("birth date 1900-02-29 does not exist (R-ID-3a)")),
            // D-number (day + 40), H-number (month + 40), both together.
            ("41019000077", Valid("41019000077", DNummer, date!(1990 - 01 - 01))),
            ("01419000066", Valid("01419000066", HNummer, date!(1990 - 01 - 01))),
            ("41419000130", Invalid("day + 40 (D-number) and month + 40 (H-number) cannot be combined (R-ID-3)")),
            // FH-numbers.
            ("81019000060", Invalid("FH-number carries no birth date (R-ID-3)")),
            ("91019000031", Invalid("FH-number carries no birth date (R-ID-3)")),
            // Synthetic numbers need test identities.
            ("01819000049", Invalid("synthetic test number; test identities are not enabled (R-ID-3)")),
            ("41819000032", Invalid("synthetic test number; test identities are not enabled (R-ID-3)")),
            // Control digits.
            ("01019000084", Invalid("second control digit is 4, expected 3 (R-ID-3 mod 11)")),
            ("01019000093", Invalid("first control digit is 9, expected 8 (R-ID-3 mod 11)")),
            ("01019001200", Invalid("first control digit cannot exist: modulus 11 gives 10 for these digits (R-ID-3 mod 11)")),
            ("01019000750", Invalid("second control digit cannot exist: modulus 11 gives 10 for these digits (R-ID-3 mod 11)")),
            // Form.
            ("0101900008", Invalid("expected 11 digits, got 10")),
            ("010190-00083", Invalid("unexpected character '-' at position 7; only digits and one space after the date are allowed (R-ID-3a)")),
            ("0101 9000083", Invalid("separator ' ' at position 5 does not fit the form DDMMYY IIIKK (R-ID-3a)")),
            ("", Invalid("empty")),
        ],
    );
}

#[test]
fn synthetic_numbers_with_test_ids_enabled() {
    let opts = opts().with_test_ids(true);
    run_person_table(
        Country::No,
        &opts,
        &[
            ("01819000049", Valid("01819000049", Fodselsnummer, date!(1990 - 01 - 01))),
            ("41819000032", Valid("41819000032", DNummer, date!(1990 - 01 - 01))),
            ("01818290027", Valid("01818290027", Fodselsnummer, date!(1982 - 01 - 01))),
            // H-numbers are not test identities; month 53 (H + 13) does not exist.
            ("01528290082", Valid("01528290082", HNummer, date!(1982 - 12 - 01))),
            ("01538290072", Invalid("birth date 1982-13-01 does not exist (R-ID-3a)")),
        ],
    );
    assert!(NationalId::parse(Country::No, "01819000049", &opts).unwrap().is_test_id());
    assert!(!NationalId::parse(Country::No, "01019000083", &opts).unwrap().is_test_id());
}
