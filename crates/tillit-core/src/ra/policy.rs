//! The organisation's policy: the limits and choices of the routines as data, with the SPEC
//! values as defaults (ARCHITECTURE.md, "Policy is data with defaults"). A region that runs
//! its routine differently changes its `policy.toml`, not the code.

use serde::{Deserialize, Serialize};

use crate::ra::dk::authenticator::AuthKind;
use crate::ra::proofing::{DkDocument, SeDocument};

/// Limits and choices of the routines. Every field has the SPEC value as its default, so an
/// empty file is the SPEC's routine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Longest credential validity in years (R-CRED-2: 5).
    pub credential_max_years: u32,
    /// Longest credential validity on a reserve card in days (R-CRED-2, R-RES-2: 180).
    pub reserve_credential_max_days: u32,
    /// Validity of a newly ordered card in years (the card supplier's, commonly 5).
    pub card_validity_years: u32,
    /// Employment longer than this many months gets a SIS card (R-CARD-2: 6).
    pub sis_min_employment_months: u32,
    /// A card not collected within this many months is destroyed (R-CARD-4: 3).
    pub uncollected_card_months: u32,
    /// A used reserve card not reused within this many days is deregistered (R-RES-3: 365).
    pub reserve_reuse_days: u32,
    /// Days before expiry the holder is notified (R-CRED-6: 45).
    pub renewal_notice_days: u32,
    /// Warn when valid reserve cards in stock fall below this (R-RES-1).
    pub reserve_low_stock: u32,
    /// Cost of a PUK order charged to the holder's unit, in öre (R-CARD-9: 200 SEK).
    pub puk_cost_ore: u32,
    /// Days after delivery that PIN and PUK letters reach the holder (R-CARD-3, R-CARD-9: 2).
    pub letter_days: u32,
    /// Wrong PUK entries that lock a card for good (R-CARD-9).
    pub puk_max_attempts: u32,
    /// Accepted Swedish identity documents (R-IDP-1).
    pub se_documents: Vec<SeDocument>,
    /// Accepted Danish photo documents (R-IDP-3).
    pub dk_photo_documents: Vec<DkDocument>,
    /// Age in days of the newest proof of public benefit payment accepted (R-IDP-3 (d): ~3 months).
    pub dk_benefit_proof_max_days: u32,
    /// Hours a paper activation code is valid from its issue (R-DK-8: 48; stricter only).
    pub dk_activation_code_hours: u32,
    /// Wrong tries that block a paper activation code (R-DK-8: 3; stricter only).
    pub dk_activation_code_tries: u32,
    /// Failed sign-ins or activations in a row that lock a citizen's account until an
    /// officer unlocks it at the desk (R-DK-8, current practice: 5; stricter only).
    pub dk_max_failures: u32,
    /// Shortest passcode a citizen may choose, in characters (6 to 64; the longest is
    /// always [`DK_PASSCODE_MAX_LEN`]).
    pub dk_passcode_min_len: u32,
    /// Extra key cards handed out in one visit (R-DK-5: 10; stricter only).
    pub dk_max_extra_key_cards: u32,
    /// Days after dispatch a passcode pickup instruction may be collected before it is
    /// destroyed (R-DK-4: "typically 30"; the SPEC gives no hard limit, so 1 to 90 is
    /// accepted, 30 by default).
    pub dk_pickup_days: u32,
    /// Warn when envelopes of one kind in an office's stock fall below this (R-RES-4).
    pub dk_low_stock: u32,
    /// The authenticators the office enrols (R-DK-1, R-DK-8): by default key card and
    /// temporary passcode letter. The blind citizens' items (passcode on a medium or by SMS,
    /// audio code reader: R-DK-3) are offered to them whatever this says.
    pub dk_authenticators: Vec<AuthKind>,
    /// The four-eyes approvals the routines require (R-DK-8, R-RES-5).
    pub approvals: Approvals,
}

/// The longest passcode a citizen may choose, in characters.
pub const DK_PASSCODE_MAX_LEN: u32 = 64;

/// Which steps need a second officer's approval ([`crate::ra::approval`]). `[approvals]` in
/// `policy.toml`; the approvals the SPEC requires cannot be switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Approvals {
    /// A Danish registration at NSIS high (R-DK-8: required; `false` is refused).
    pub dk_high: bool,
    /// A Danish registration at NSIS substantial (not in the SPEC; off by default).
    pub dk_substantial: bool,
    /// A Swedish reserve card at trust level 3 (R-RES-5: required; `false` is refused).
    pub se_reserve_level3: bool,
}

impl Default for Approvals {
    fn default() -> Self {
        Approvals { dk_high: true, dk_substantial: false, se_reserve_level3: true }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            credential_max_years: 5,
            reserve_credential_max_days: 180,
            card_validity_years: 5,
            sis_min_employment_months: 6,
            uncollected_card_months: 3,
            reserve_reuse_days: 365,
            renewal_notice_days: 45,
            reserve_low_stock: 10,
            puk_cost_ore: 20_000,
            letter_days: 2,
            puk_max_attempts: 10,
            se_documents: SeDocument::ALL.to_vec(),
            dk_photo_documents: DkDocument::PHOTO.to_vec(),
            dk_benefit_proof_max_days: 92,
            dk_activation_code_hours: 48,
            dk_activation_code_tries: 3,
            dk_max_failures: 5,
            dk_passcode_min_len: 6,
            dk_max_extra_key_cards: 10,
            dk_pickup_days: 30,
            dk_low_stock: 50,
            dk_authenticators: vec![AuthKind::KeyCard, AuthKind::PasscodeLetter],
            approvals: Approvals::default(),
        }
    }
}

impl Policy {
    /// Reads a policy from TOML; missing keys take the SPEC defaults, unknown keys are
    /// refused (a misspelt limit must not silently fall back to the default).
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        policy.check()?;
        Ok(policy)
    }

    /// Refuses limits that make no sense (zero validity, a reserve limit longer than the
    /// general one) and limits looser than the SPEC's: an organisation may be stricter than
    /// the rules, never laxer (R-CRED-2 5 years and 180 days, R-CARD-4 3 months, R-RES-3 a
    /// year, R-CRED-6 at least 45 days' notice).
    pub fn check(&self) -> Result<(), String> {
        let spec = Policy::default();
        if self.credential_max_years == 0 || self.credential_max_years > spec.credential_max_years {
            return Err(format!(
                "credential_max_years must be 1 to {} (R-CRED-2)",
                spec.credential_max_years
            ));
        }
        if self.reserve_credential_max_days > spec.reserve_credential_max_days {
            return Err(format!(
                "reserve_credential_max_days must be at most {} (R-CRED-2)",
                spec.reserve_credential_max_days
            ));
        }
        if self.uncollected_card_months > spec.uncollected_card_months {
            return Err(format!(
                "uncollected_card_months must be at most {} (R-CARD-4)",
                spec.uncollected_card_months
            ));
        }
        if self.reserve_reuse_days > spec.reserve_reuse_days {
            return Err(format!("reserve_reuse_days must be at most {} (R-RES-3)", spec.reserve_reuse_days));
        }
        if self.renewal_notice_days < spec.renewal_notice_days {
            return Err(format!(
                "renewal_notice_days must be at least {} (R-CRED-6)",
                spec.renewal_notice_days
            ));
        }
        if self.reserve_credential_max_days == 0
            || self.reserve_credential_max_days > self.credential_max_years * 365
        {
            return Err(
                "reserve_credential_max_days must be at least 1 and within credential_max_years".into()
            );
        }
        if self.card_validity_years == 0 || self.card_validity_years > 10 {
            return Err("card_validity_years must be 1 to 10".into());
        }
        if self.uncollected_card_months == 0 || self.reserve_reuse_days == 0 || self.puk_max_attempts == 0 {
            return Err(
                "uncollected_card_months, reserve_reuse_days and puk_max_attempts must be at least 1".into(),
            );
        }
        if self.se_documents.is_empty() {
            return Err("se_documents must name at least one accepted document".into());
        }
        self.check_dk()
    }

    /// The Danish limits (R-DK-4, R-DK-5, R-DK-8, R-RES-4, R-RES-5): within the SPEC's,
    /// never laxer.
    fn check_dk(&self) -> Result<(), String> {
        let spec = Policy::default();
        let within = |value: u32, low: u32, high: u32, key: &str, rule: &str| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(format!("{key} must be {low} to {high} ({rule})"))
            }
        };
        within(
            self.dk_activation_code_hours,
            1,
            spec.dk_activation_code_hours,
            "dk_activation_code_hours",
            "R-DK-8",
        )?;
        within(
            self.dk_activation_code_tries,
            1,
            spec.dk_activation_code_tries,
            "dk_activation_code_tries",
            "R-DK-8",
        )?;
        within(self.dk_max_failures, 1, spec.dk_max_failures, "dk_max_failures", "R-DK-8")?;
        within(
            self.dk_passcode_min_len,
            spec.dk_passcode_min_len,
            DK_PASSCODE_MAX_LEN,
            "dk_passcode_min_len",
            "R-DK-8",
        )?;
        within(
            self.dk_max_extra_key_cards,
            1,
            spec.dk_max_extra_key_cards,
            "dk_max_extra_key_cards",
            "R-DK-5",
        )?;
        within(self.dk_pickup_days, 1, 90, "dk_pickup_days", "R-DK-4")?;
        if !self.dk_authenticators.iter().any(|k| k.carries_passcode())
            || !self.dk_authenticators.iter().any(|k| k.is_second_factor())
        {
            return Err(
                "dk_authenticators must name a way to give the temporary passcode (passcode_letter, \
                 activation_code, sms_pin) and a second factor (key_card, code_display, \
                 audio_code_reader, passkey) (R-DK-1)"
                    .into(),
            );
        }
        if !self.approvals.dk_high {
            return Err(
                "approvals.dk_high cannot be switched off: NSIS high needs a second officer (R-DK-8)".into(),
            );
        }
        if !self.approvals.se_reserve_level3 {
            return Err(
                "approvals.se_reserve_level3 cannot be switched off: level 3 needs two officers (R-RES-5)"
                    .into(),
            );
        }
        Ok(())
    }
}
