//! R-ID-2: Danish CPR numbers (today 2025-06-15).

use tillit_core::id::{Country, IdWarning, NationalId, PersonIdKind::Cpr};
use time::macros::date;

use super::{opts, run_person_table, Expect::*};

#[test]
fn cpr_table() {
    run_person_table(
        Country::Dk,
        &opts(),
        &[
            // 7th digit 5 with YY 62 (> 57): the 1800s.
            ("211062-5629", Valid("2110625629", Cpr, date!(1862 - 10 - 21))),
            ("2110625629", Valid("2110625629", Cpr, date!(1862 - 10 - 21))),
            (" 211062-5629 ", Valid("2110625629", Cpr, date!(1862 - 10 - 21))),
            // 7th digit 0-3: 1900s.
            ("311299-0002", Valid("3112990002", Cpr, date!(1999 - 12 - 31))),
            // 4 and 9: 2000s up to YY 36, else 1900s.
            ("010136-4003", Invalid("birth date 2036-01-01 lies in the future (R-ID-3a)")),
            ("010137-4009", Valid("0101374009", Cpr, date!(1937 - 01 - 01))),
            ("010100-9009", Valid("0101009009", Cpr, date!(2000 - 01 - 01))),
            ("150625-4007", Valid("1506254007", Cpr, date!(2025 - 06 - 15))),
            ("160625-4004", Invalid("birth date 2025-06-16 lies in the future (R-ID-3a)")),
            // 5-8: 2000s up to YY 57, else 1800s.
            ("010157-5004", Invalid("birth date 2057-01-01 lies in the future (R-ID-3a)")),
            ("010158-5018", Valid("0101585018", Cpr, date!(1858 - 01 - 01))),
            // Leap days: 2000 yes, 1900 no, 1860 yes.
            ("290200-4001", Valid("2902004001", Cpr, date!(2000 - 02 - 29))),
            ("290200-1002", Invalid("birth date 1900-02-29 does not exist (R-ID-3a)")),
            ("290260-5005", Valid("2902605005", Cpr, date!(1860 - 02 - 29))),
            ("320190-1234", Invalid("birth date 1990-01-32 does not exist (R-ID-3a)")),
            ("011390-1234", Invalid("birth date 1990-13-01 does not exist (R-ID-3a)")),
            // Mod 11 is a warning only: still valid.
            ("010190-1234", Valid("0101901234", Cpr, date!(1990 - 01 - 01))),
            // Form.
            ("211062-562", Invalid("expected 10 digits, got 9")),
            (
                "211062+5629",
                Invalid(
                    "unexpected character '+' at position 7; only digits and one '-' are allowed (R-ID-3a)",
                ),
            ),
            (
                "2110-625629",
                Invalid("separator '-' at position 5 does not fit the form DDMMYY-SSSS (R-ID-3a)"),
            ),
            (
                "21106x5629",
                Invalid(
                    "unexpected character 'x' at position 6; only digits and one '-' are allowed (R-ID-3a)",
                ),
            ),
            ("", Invalid("empty")),
        ],
    );
}

#[test]
fn mod11_failure_is_a_warning() {
    let id = NationalId::parse(Country::Dk, "010190-1234", &opts()).unwrap();
    assert_eq!(id.warnings(), &[IdWarning::CprModulus11 { remainder: 7 }]);
    assert!(id.warnings()[0].to_string().contains("(R-ID-2)"));
    let id = NationalId::parse(Country::Dk, "211062-5629", &opts()).unwrap();
    assert!(id.warnings().is_empty());
    assert!(!id.is_test_id());
}
