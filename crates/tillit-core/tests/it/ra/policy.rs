//! The policy file: SPEC values by default; an organisation may be stricter than the rules,
//! never laxer; a misspelt key is refused rather than silently defaulted.

use tillit_core::ra::policy::Policy;

#[test]
fn stricter_is_accepted_laxer_is_refused() {
    assert_eq!(Policy::from_toml("").unwrap(), Policy::default());
    let stricter = Policy::from_toml(
        "credential_max_years = 3\nreserve_credential_max_days = 90\nuncollected_card_months = 2\n\
         reserve_reuse_days = 200\nrenewal_notice_days = 60\n",
    )
    .unwrap();
    assert_eq!(stricter.credential_max_years, 3);
    for (toml, rule) in [
        ("credential_max_years = 6", "R-CRED-2"),
        ("credential_max_years = 0", "R-CRED-2"),
        ("reserve_credential_max_days = 181", "R-CRED-2"),
        ("uncollected_card_months = 4", "R-CARD-4"),
        ("reserve_reuse_days = 366", "R-RES-3"),
        ("renewal_notice_days = 30", "R-CRED-6"),
    ] {
        let err = Policy::from_toml(toml).unwrap_err();
        assert!(err.contains(rule), "{toml}: {err}");
    }
    assert!(Policy::from_toml("credential_max_yeras = 3").unwrap_err().contains("unknown field"));
}
