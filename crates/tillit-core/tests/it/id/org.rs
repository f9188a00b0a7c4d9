//! R-ID-4: organisation numbers.

use tillit_core::id::{Country, OrgIdKind, OrgNumber};

fn run_org_table(table: &[(Country, &str, Result<&str, &str>)]) {
    let mut failures = Vec::new();
    for &(country, input, expect) in table {
        let got = OrgNumber::parse(country, input);
        let ok = match (&got, expect) {
            (Ok(org), Ok(normalised)) => {
                org.normalised() == normalised
                    && org.country() == country
                    && OrgNumber::parse(country, org.normalised()).as_ref() == Ok(org)
            }
            (Err(e), Err(reason)) => e.to_string() == reason,
            _ => false,
        };
        if !ok {
            failures.push(format!("{country} {input:?}: got {got:?}, expected {expect:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failing rows:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn organisationsnummer_table() {
    use Country::Se;
    run_org_table(&[
        (Se, "212000-0142", Ok("2120000142")),
        (Se, "2120000738", Ok("2120000738")),
        (Se, " 556036-0793 ", Ok("5560360793")),
        (Se, "556036-0794", Err("check digit is 4, expected 3 (R-ID-4 Luhn)")),
        // A sole trader's personnummer: refused, tillit keeps people as NationalId.
        (Se, "811218-9876", Err("third digit is 1, expected 2-9: with 0 or 1 it is a sole trader's personnummer, not an organisationsnummer (R-ID-4)")),
        (Se, "55603607", Err("expected 10 digits, got 8")),
        (Se, "5560-360793", Err("separator '-' at position 5 does not fit the form NNNNNN-NNNN (R-ID-3a)")),
        (Se, "556036 0793", Err("unexpected character ' ' at position 7; only digits and one '-' are allowed (R-ID-3a)")),
        (Se, "", Err("empty")),
    ]);
}

#[test]
fn cvr_table() {
    use Country::Dk;
    run_org_table(&[
        (Dk, "13585628", Ok("13585628")),
        (Dk, "30808460", Ok("30808460")),
        (Dk, "30808461", Err("check digit is 1, expected 0 (R-ID-4 CVR mod 11)")),
        (Dk, "01234560", Err("first digit is 0, expected 1-9 (R-ID-4 CVR)")),
        (
            Dk,
            "10000050",
            Err("check digit cannot exist: modulus 11 gives 10 for these digits (R-ID-4 CVR mod 11)"),
        ),
        (Dk, "3080846", Err("expected 8 digits, got 7")),
        (Dk, "DK30808460", Err("unexpected character 'D' at position 1; only digits are allowed (R-ID-3a)")),
        (Dk, "3080-8460", Err("unexpected character '-' at position 5; only digits are allowed (R-ID-3a)")),
    ]);
}

#[test]
fn organisasjonsnummer_table() {
    use Country::No;
    run_org_table(&[
        (No, "988077917", Ok("988077917")),
        (No, "923 609 016", Ok("923609016")),
        (No, "923609017", Err("check digit is 7, expected 6 (R-ID-4 organisasjonsnummer mod 11)")),
        (No, "123456785", Err("first digit is 1, expected 8 or 9 (R-ID-4 organisasjonsnummer)")),
        (No, "712345675", Err("first digit is 7, expected 8 or 9 (R-ID-4 organisasjonsnummer)")),
        (No, "923 609016", Err("separator ' ' at position 4 does not fit the form NNN NNN NNN (R-ID-3a)")),
        (No, "9236 09 016", Err("separator ' ' at position 5 does not fit the form NNN NNN NNN (R-ID-3a)")),
        (No, "92360901", Err("expected 9 digits, got 8")),
    ]);
}

#[test]
fn kinds_and_display() {
    let se = OrgNumber::parse(Country::Se, "212000-0142").unwrap();
    assert_eq!(se.kind(), OrgIdKind::SeOrganisationsnummer);
    assert_eq!(se.to_string(), "2120000142");
    assert_eq!(serde_json::to_string(&se).unwrap(), "\"2120000142\"");
    assert_eq!(OrgNumber::parse(Country::Dk, "13585628").unwrap().kind(), OrgIdKind::DkCvr);
    assert_eq!(OrgNumber::parse(Country::No, "988077917").unwrap().kind(), OrgIdKind::NoOrganisasjonsnummer);
}
