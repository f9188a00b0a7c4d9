//! R-ID-5: HSA-ids.

use tillit_core::id::{Country, HsaId};

#[test]
fn hsa_table() {
    let table: &[(&str, Result<&str, &str>)] = &[
        ("SE2120000738-abcd", Ok("SE2120000738-abcd")),
        ("se2120000738-abcd", Ok("SE2120000738-abcd")),
        (" SE2321000016-15CQ ", Ok("SE2321000016-15CQ")),
        ("DK30808460-x1", Ok("DK30808460-x1")),
        ("NO988077917-A", Ok("NO988077917-A")),
        ("SE2120000739-abcd", Err("organisation number in HSA-id: check digit is 9, expected 8 (R-ID-4 Luhn)")),
        ("SE8112189876-abcd", Err("organisation number in HSA-id: third digit is 1, expected 2-9: with 0 or 1 it is a sole trader's personnummer, not an organisationsnummer (R-ID-4)")),
        ("SE212000-0738-abcd", Err("organisation number in HSA-id: expected 10 digits, got 6")),
        ("SE21200007 38-abcd", Err("organisation number in HSA-id: unexpected character ' ' at position 11; only digits are allowed (R-ID-3a)")),
        ("SE-abcd", Err("organisation number in HSA-id: empty")),
        ("DK2120000738-abcd", Err("organisation number in HSA-id: expected 8 digits, got 10")),
        ("SE2120000738", Err("HSA-id has no '-' between organisation number and local part (R-ID-5)")),
        ("SE2120000738-", Err("HSA-id local part is empty (R-ID-5)")),
        ("SE2120000738-ab_cd", Err("HSA-id local part has '_' at position 16; only ASCII letters and digits are allowed (R-ID-5)")),
        ("SE2120000738-åsa", Err("HSA-id local part has 'å' at position 14; only ASCII letters and digits are allowed (R-ID-5)")),
        ("FI2120000738-abcd", Err("HSA-id starts with \"FI\", expected a country code SE, DK or NO (R-ID-5)")),
        ("2120000738-abcd", Err("HSA-id starts with \"21\", expected a country code SE, DK or NO (R-ID-5)")),
        ("SE2120000738-abcdefghijklmnopqr", Ok("SE2120000738-abcdefghijklmnopqr")),
        ("SE2120000738-abcdefghijklmnopqrs", Err("HSA-id is 32 characters, at most 31 are allowed (R-ID-5)")),
        ("", Err("empty")),
    ];
    let mut failures = Vec::new();
    for &(input, expect) in table {
        let got = HsaId::parse(input);
        let ok = match (&got, expect) {
            (Ok(id), Ok(normalised)) => {
                id.normalised() == normalised && HsaId::parse(id.normalised()).as_ref() == Ok(id)
            }
            (Err(e), Err(reason)) => e.to_string() == reason,
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?}: got {got:?}, expected {expect:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failing rows:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn parts_and_serde() {
    let id: HsaId = "se2120000738-abcd".parse().unwrap();
    assert_eq!(id.country(), Country::Se);
    assert_eq!(id.org_number().normalised(), "2120000738");
    assert_eq!(id.local_part(), "abcd");
    assert_eq!(id.to_string(), "SE2120000738-abcd");
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"SE2120000738-abcd\"");
    assert_eq!(serde_json::from_str::<HsaId>(&json).unwrap(), id);
    assert!(serde_json::from_str::<HsaId>("\"SE2120000739-abcd\"").is_err());
}
