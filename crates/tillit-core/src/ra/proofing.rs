//! Identity proofing (R-IDP-1..6).

use serde::{Deserialize, Serialize};

/// Swedish identity documents (R-IDP-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeDocument {
    /// Driving licence.
    DrivingLicence,
    /// SIS-approved ID card.
    SisIdCard,
    /// National ID card.
    NationalIdCard,
    /// Tax Agency (Skatteverket) ID card.
    TaxAgencyIdCard,
    /// Passport.
    Passport,
}

impl SeDocument {
    /// Every accepted document (R-IDP-1).
    pub const ALL: [SeDocument; 5] = [
        SeDocument::DrivingLicence,
        SeDocument::SisIdCard,
        SeDocument::NationalIdCard,
        SeDocument::TaxAgencyIdCard,
        SeDocument::Passport,
    ];
}

/// Danish documents (R-IDP-3, R-IDP-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DkDocument {
    /// EU/EEA national driving licence (photo).
    DrivingLicence,
    /// Passport (photo).
    Passport,
    /// Danish defence ID (photo).
    DefenceId,
    /// NATO passport (photo).
    NatoPassport,
    /// Danish police ID (photo).
    PoliceId,
    /// Permanent residence permit type C, D or F (photo).
    ResidencePermit,
    /// Danish bank ID card (photo).
    BankIdCard,
    /// (a) Baptism or name certificate.
    BaptismOrNameCertificate,
    /// (b) Health insurance card.
    HealthInsuranceCard,
    /// (c) Latest tax assessment.
    TaxAssessment,
    /// (d) Proof of public benefit payment, at most 3 months old.
    BenefitPaymentProof,
}

impl DkDocument {
    /// The accepted photo documents (R-IDP-3).
    pub const PHOTO: [DkDocument; 7] = [
        DkDocument::DrivingLicence,
        DkDocument::Passport,
        DkDocument::DefenceId,
        DkDocument::NatoPassport,
        DkDocument::PoliceId,
        DkDocument::ResidencePermit,
        DkDocument::BankIdCard,
    ];
}
