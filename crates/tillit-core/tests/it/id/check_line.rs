//! The `tillit id check` line format.

use tillit_core::id::{check_line, Country, IdCheckKind};

use super::opts;

#[test]
fn verdict_lines() {
    use Country::*;
    use IdCheckKind::*;
    let table = [
        (Se, Person, "811218-9876", "valid\t198112189876"),
        (Se, Person, "811218-9875", "invalid\tcheck digit is 5, expected 6 (R-ID-1 Luhn)"),
        (Dk, Person, "010190-1234", "valid\t0101901234"),
        (No, Person, "01819000049", "invalid\tsynthetic test number; test identities are not enabled (R-ID-3)"),
        (Se, Org, "556036-0793", "valid\t5560360793"),
        (Dk, Org, "13585628", "valid\t13585628"),
        (No, Org, "923 609 016", "valid\t923609016"),
        (Se, Person, "", "invalid\tempty"),
        (No, Org, " \t ", "invalid\tempty"),
        (Dk, Person, "12\t34", "invalid\tunexpected character '\\t' at position 3; only digits and one '-' are allowed (R-ID-3a)"),
        (Se, Person, "811218-9876\r", "valid\t198112189876"),
        (No, Person, "0101\u{2028}9000083", "invalid\tunexpected character '\\u{2028}' at position 5; only digits and one space after the date are allowed (R-ID-3a)"),
    ];
    for (country, kind, line, expected) in table {
        assert_eq!(check_line(country, kind, line, &opts()), expected, "{country} {kind} {line:?}");
    }
}

#[test]
fn test_ids_follow_options() {
    let line = check_line(Country::No, IdCheckKind::Person, "01819000049", &opts().with_test_ids(true));
    assert_eq!(line, "valid\t01819000049");
}

#[test]
fn country_and_kind_parse() {
    assert_eq!("SE".parse::<Country>().unwrap(), Country::Se);
    assert_eq!("dk".parse::<Country>().unwrap(), Country::Dk);
    assert_eq!("No".parse::<Country>().unwrap(), Country::No);
    assert_eq!(Country::No.to_string(), "no");
    assert_eq!(
        "fi".parse::<Country>().unwrap_err().to_string(),
        "unknown country \"fi\", expected se, dk or no"
    );
    assert_eq!("org".parse::<IdCheckKind>().unwrap(), IdCheckKind::Org);
    assert_eq!("Person".parse::<IdCheckKind>().unwrap(), IdCheckKind::Person);
    assert!("people".parse::<IdCheckKind>().is_err());
}
