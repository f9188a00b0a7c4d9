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

#[test]
fn danish_limits_are_never_laxer_than_the_spec() {
    use tillit_core::ra::dk::authenticator::AuthKind;
    use tillit_core::ra::policy::Approvals;

    let spec = Policy::default();
    assert_eq!(
        (
            spec.dk_activation_code_hours,
            spec.dk_activation_code_tries,
            spec.dk_max_failures,
            spec.dk_passcode_min_len,
            spec.dk_max_extra_key_cards,
            spec.dk_pickup_days,
            spec.dk_low_stock,
        ),
        (48, 3, 5, 6, 10, 30, 50)
    );
    assert_eq!(spec.dk_authenticators, vec![AuthKind::KeyCard, AuthKind::PasscodeLetter]);
    assert_eq!(spec.approvals, Approvals { dk_high: true, dk_substantial: false, se_reserve_level3: true });

    let stricter = Policy::from_toml(
        "dk_activation_code_hours = 24\ndk_activation_code_tries = 1\ndk_max_failures = 3\n\
         dk_passcode_min_len = 12\ndk_max_extra_key_cards = 5\ndk_pickup_days = 60\ndk_low_stock = 200\n\
         dk_authenticators = [\"code_display\", \"activation_code\", \"passkey\"]\n\
         [approvals]\ndk_substantial = true\n",
    )
    .unwrap();
    assert_eq!(stricter.dk_max_failures, 3);
    assert_eq!(stricter.dk_pickup_days, 60, "the SPEC says 'typically 30': up to 90 is accepted");
    assert!(stricter.approvals.dk_substantial && stricter.approvals.dk_high);
    assert_eq!(
        stricter.dk_authenticators,
        vec![AuthKind::CodeDisplay, AuthKind::ActivationCode, AuthKind::Passkey]
    );

    for (toml, rule) in [
        ("dk_activation_code_hours = 49", "R-DK-8"),
        ("dk_activation_code_hours = 0", "R-DK-8"),
        ("dk_activation_code_tries = 4", "R-DK-8"),
        ("dk_activation_code_tries = 0", "R-DK-8"),
        ("dk_max_failures = 6", "R-DK-8"),
        ("dk_max_failures = 0", "R-DK-8"),
        ("dk_passcode_min_len = 5", "R-DK-8"),
        ("dk_passcode_min_len = 65", "R-DK-8"),
        ("dk_max_extra_key_cards = 11", "R-DK-5"),
        ("dk_max_extra_key_cards = 0", "R-DK-5"),
        ("dk_pickup_days = 91", "R-DK-4"),
        ("dk_pickup_days = 0", "R-DK-4"),
        ("dk_authenticators = []", "R-DK-1"),
        ("dk_authenticators = [\"key_card\"]", "R-DK-1"),
        ("dk_authenticators = [\"passcode_letter\"]", "R-DK-1"),
        ("[approvals]\ndk_high = false", "R-DK-8"),
        ("[approvals]\nse_reserve_level3 = false", "R-RES-5"),
    ] {
        let err = Policy::from_toml(toml).unwrap_err();
        assert!(err.contains(rule), "{toml}: {err}");
    }
    assert!(Policy::from_toml("[approvals]\ndk_hgh = true").unwrap_err().contains("unknown field"));
    assert!(Policy::from_toml("dk_authenticators = [\"chip\"]").is_err());
}
