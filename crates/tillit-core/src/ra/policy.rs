//! The organisation's policy: the limits and choices of the routines as data, with the SPEC
//! values as defaults (ARCHITECTURE.md, "Policy is data with defaults"). A region that runs
//! its routine differently changes its `policy.toml`, not the code.

use serde::{Deserialize, Serialize};

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
        Ok(())
    }
}
