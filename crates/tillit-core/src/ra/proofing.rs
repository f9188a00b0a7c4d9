//! Identity proofing (R-IDP-1..6): the rules for Swedish (000 §1.1, §1.2.2) and Danish
//! (001 §1.3-§1.5) applicants, with the accepted documents as data in the [`Policy`].
//!
//! Two kinds of "no": a [`Refusal`] means the officer's record is not complete (a document
//! number, a reference or a required step is missing) and nothing is recorded until it is;
//! a [`ProofingEvent::Rejected`] means the applicant is turned away (R-IDP-5): recorded with
//! the rule and a reason code, and nothing is issued.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::ids::PersonId;
use crate::ra::policy::Policy;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

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

impl DkDocument {
    /// The supporting documents (a)-(d) (R-IDP-3, R-IDP-4).
    pub const SUPPORTING: [DkDocument; 4] = [
        DkDocument::BaptismOrNameCertificate,
        DkDocument::HealthInsuranceCard,
        DkDocument::TaxAssessment,
        DkDocument::BenefitPaymentProof,
    ];

    /// Whether it is one of (a)-(d).
    pub fn is_supporting(self) -> bool {
        DkDocument::SUPPORTING.contains(&self)
    }

    /// Whether it is (a) or (b), one of which a proofing without photo ID needs (R-IDP-4).
    pub fn is_a_or_b(self) -> bool {
        matches!(self, DkDocument::BaptismOrNameCertificate | DkDocument::HealthInsuranceCard)
    }
}

/// How an identity was proofed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofingMethod {
    /// A valid Swedish identity document (R-IDP-1).
    SeIdDocument,
    /// Population register extract, written attestation and the attestor in person (R-IDP-2).
    SeAttestation,
    /// Danish photo ID (R-IDP-3).
    DkPhotoDocument,
    /// Danish documents (a)-(d) without photo ID (R-IDP-4).
    DkWithoutPhoto,
}

/// Where the card or key card may go after the proofing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// It may be handed out to the applicant.
    HandOut,
    /// It must be mailed to the population-register address, never handed out (R-IDP-4).
    MailToRegisterAddress,
}

/// The kind of a document recorded in a proofing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A Swedish identity document (R-IDP-1).
    Se(SeDocument),
    /// A Danish document (R-IDP-3, R-IDP-4).
    Dk(DkDocument),
    /// A population register extract (personbevis, R-IDP-2).
    PopulationRegisterExtract,
    /// A written attestation of identity (intygsblankett, R-IDP-2).
    WrittenAttestation,
}

/// A document recorded in a proofing: its kind and its number or reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// The kind.
    pub kind: DocumentKind,
    /// The document number or the reference of the filed copy, when one is recorded.
    pub number: Option<String>,
}

/// Why an applicant was rejected (R-IDP-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// The documents are not enough for any accepted method.
    Incomplete,
    /// The data do not match (the CPR lookup, names, photo).
    Mismatch,
    /// A document is suspected to be forged.
    SuspectedForgery,
}

/// What the officer saw while checking the documents (R-IDP-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Observations {
    /// A document is incomplete (damaged, pages missing).
    pub incomplete: bool,
    /// The data do not match.
    pub mismatch: bool,
    /// A document looks forged.
    pub forgery_suspected: bool,
}

impl Observations {
    fn rejection(self) -> Option<RejectionReason> {
        if self.forgery_suspected {
            Some(RejectionReason::SuspectedForgery)
        } else if self.mismatch {
            Some(RejectionReason::Mismatch)
        } else if self.incomplete {
            Some(RejectionReason::Incomplete)
        } else {
            None
        }
    }
}

/// The outcome of a proofing. Kinds, numbers and references only; never a name or address
/// (R-PER-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProofingEvent {
    /// The identity is proofed.
    Accepted {
        /// The applicant.
        person: PersonId,
        /// How.
        method: ProofingMethod,
        /// The documents presented.
        documents: Vec<DocumentRef>,
        /// The attestor, for an attestation (R-IDP-2).
        attestor: Option<PersonId>,
        /// The receipt the holder brings at hand-out, for an attestation (R-IDP-2).
        receipt_ref: Option<String>,
        /// Whether name and CPR were matched by a CPR lookup (DK).
        cpr_lookup: Option<bool>,
        /// Where the card or key card may go (R-IDP-4).
        delivery: Delivery,
        /// Whether an alternative delivery address is on file (R-IDP-6; the address is
        /// never in the event).
        delivery_address: bool,
        /// When.
        on: Date,
    },
    /// The applicant is rejected; nothing is issued (R-IDP-5).
    Rejected {
        /// The applicant.
        person: PersonId,
        /// The rule the documents failed.
        rule: &'static str,
        /// Why.
        reason: RejectionReason,
        /// When.
        on: Date,
    },
}

routine_events!(ProofingEvent {
    Accepted => "proofing.accepted",
    Rejected => "proofing.rejected",
});

impl ProofingEvent {
    /// Where the card may go, when accepted.
    pub fn delivery(&self) -> Option<Delivery> {
        match self {
            ProofingEvent::Accepted { delivery, .. } => Some(*delivery),
            ProofingEvent::Rejected { .. } => None,
        }
    }
}

fn rejected(person: PersonId, rule: &'static str, reason: RejectionReason, on: Date) -> Vec<ProofingEvent> {
    vec![ProofingEvent::Rejected { person, rule, reason, on }]
}

fn reference(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// The written attestation used when a Swedish applicant has no valid document (R-IDP-2,
/// 000 §1.1 step 3, §1.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// The applicant showed a population register extract (personbevis).
    pub register_extract: bool,
    /// The reference of the filed written attestation.
    pub attestation_ref: String,
    /// The attestor.
    pub attestor: PersonId,
    /// The attestor is present in person.
    pub attestor_present: bool,
    /// The attestor was told that a false attestation is a crime.
    pub attestor_warned: bool,
    /// The receipt given to the applicant to bring at hand-out.
    pub receipt_ref: String,
}

/// What a Swedish applicant presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeEvidence {
    /// A valid identity document (R-IDP-1).
    Document {
        /// Its kind.
        kind: SeDocument,
        /// Its number.
        number: String,
    },
    /// No valid document: the attestation procedure (R-IDP-2).
    Attestation(Attestation),
}

/// A Swedish identity proofing at card order (R-IDP-1, R-IDP-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeProofing {
    /// The applicant.
    pub person: PersonId,
    /// What was presented.
    pub evidence: SeEvidence,
    /// The hiring manager who made the ordering assignment (000 §1.1 step 1): the only
    /// credible attestor (R-IDP-2).
    pub hiring_manager: Option<PersonId>,
    /// What the officer saw (R-IDP-5).
    pub observations: Observations,
}

/// Proofs a Swedish applicant (R-IDP-1, R-IDP-2, R-IDP-5). An accepted document from the
/// policy's list with its number; or, without one, a population register extract, a
/// written attestation and the hiring manager present in person, told that a false
/// attestation is a crime, and a receipt the holder brings at hand-out.
pub fn proof_se(cmd: &SeProofing, policy: &Policy, today: Date) -> Result<Vec<ProofingEvent>, Refusal> {
    if let Some(reason) = cmd.observations.rejection() {
        return Ok(rejected(cmd.person, "R-IDP-5", reason, today));
    }
    let accepted = |method, documents, attestor, receipt_ref| {
        vec![ProofingEvent::Accepted {
            person: cmd.person,
            method,
            documents,
            attestor,
            receipt_ref,
            cpr_lookup: None,
            delivery: Delivery::HandOut,
            delivery_address: false,
            on: today,
        }]
    };
    match &cmd.evidence {
        SeEvidence::Document { kind, number } => {
            ensure(policy.se_documents.contains(kind), || {
                Refusal::field(
                    "R-IDP-1",
                    "evidence.kind",
                    "not an accepted identity document; without one use the attestation procedure (R-IDP-2)",
                )
            })?;
            let number = reference(number).ok_or_else(|| {
                Refusal::field("R-IDP-1", "evidence.number", "record the document's number")
            })?;
            Ok(accepted(
                ProofingMethod::SeIdDocument,
                vec![DocumentRef { kind: DocumentKind::Se(*kind), number: Some(number) }],
                None,
                None,
            ))
        }
        SeEvidence::Attestation(a) => {
            let manager = cmd.hiring_manager.ok_or_else(|| {
                Refusal::field("R-IDP-2", "hiring_manager", "the hiring manager of the order is not known")
            })?;
            if !a.register_extract || !a.attestor_present || a.attestor != manager || a.attestor == cmd.person
            {
                return Ok(rejected(cmd.person, "R-IDP-2", RejectionReason::Incomplete, today));
            }
            ensure(a.attestor_warned, || {
                Refusal::field(
                    "R-IDP-2",
                    "evidence.attestor_warned",
                    "tell the attestor that a false attestation is a crime before recording it",
                )
            })?;
            let attestation = reference(&a.attestation_ref).ok_or_else(|| {
                Refusal::field(
                    "R-IDP-2",
                    "evidence.attestation_ref",
                    "record the written attestation's reference",
                )
            })?;
            let receipt = reference(&a.receipt_ref).ok_or_else(|| {
                Refusal::field("R-IDP-2", "evidence.receipt_ref", "record the receipt given to the applicant")
            })?;
            Ok(accepted(
                ProofingMethod::SeAttestation,
                vec![
                    DocumentRef { kind: DocumentKind::PopulationRegisterExtract, number: None },
                    DocumentRef { kind: DocumentKind::WrittenAttestation, number: Some(attestation) },
                ],
                Some(a.attestor),
                Some(receipt),
            ))
        }
    }
}

/// The CPR lookup of name and CPR number (R-IDP-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CprLookup {
    /// Name and CPR number belong together.
    Matched,
    /// They do not (R-IDP-5: mismatch).
    NotMatched,
    /// No lookup was possible.
    NotPossible,
}

/// The applicant's address situation (R-IDP-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DkSituation {
    /// A population-register address.
    Ordinary,
    /// Name and address protection.
    Protected,
    /// No population-register address (homeless).
    Homeless,
}

/// A document a Danish applicant presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkPresented {
    /// Its kind.
    pub kind: DkDocument,
    /// Its number, when recorded.
    pub number: Option<String>,
    /// Whether it shows the CPR number.
    pub carries_cpr: bool,
    /// Its date; required for a proof of benefit payment (d), which must be recent.
    pub dated: Option<Date>,
}

/// A Danish identity proofing (R-IDP-3, R-IDP-4, R-IDP-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkProofing {
    /// The applicant.
    pub person: PersonId,
    /// What was presented.
    pub documents: Vec<DkPresented>,
    /// The CPR lookup.
    pub cpr_lookup: CprLookup,
    /// Protected, homeless or neither.
    pub situation: DkSituation,
    /// Whether an address for future key cards is on file or given now (R-IDP-6).
    pub delivery_address: bool,
    /// What the officer saw (R-IDP-5).
    pub observations: Observations,
}

/// Proofs a Danish applicant (R-IDP-3..6, 001 §1.3-§1.5).
///
/// With a photo document from the policy's list: name and CPR matched by lookup, or,
/// without a lookup, a second photo document or one of (a)-(d), a proof of benefit payment
/// (d) no older than the policy allows. Without photo ID: two different documents of
/// (a)-(d), one of them (a) or (b), and a CPR lookup for the register address the key card
/// is then mailed to. Either way at least one document shows the CPR number. A protected or
/// homeless applicant gives a delivery address and shows photo ID.
pub fn proof_dk(cmd: &DkProofing, policy: &Policy, today: Date) -> Result<Vec<ProofingEvent>, Refusal> {
    if let Some(reason) = cmd.observations.rejection() {
        return Ok(rejected(cmd.person, "R-IDP-5", reason, today));
    }
    if cmd.cpr_lookup == CprLookup::NotMatched {
        return Ok(rejected(cmd.person, "R-IDP-5", RejectionReason::Mismatch, today));
    }
    let oldest_benefit = today
        .checked_sub(time::Duration::days(i64::from(policy.dk_benefit_proof_max_days)))
        .unwrap_or(Date::MIN);
    let mut counted: Vec<&DkPresented> = Vec::new();
    for d in &cmd.documents {
        if d.kind == DkDocument::BenefitPaymentProof {
            let dated = d.dated.ok_or_else(|| {
                Refusal::field("R-IDP-3", "documents.dated", "record the date of the benefit payment proof")
            })?;
            ensure(dated <= today, || {
                Refusal::field(
                    "R-IDP-3",
                    "documents.dated",
                    "the benefit payment proof is dated in the future",
                )
            })?;
            if dated < oldest_benefit {
                continue;
            }
        }
        if policy.dk_photo_documents.contains(&d.kind) || d.kind.is_supporting() {
            counted.push(d);
        }
    }
    let special = cmd.situation != DkSituation::Ordinary;
    ensure(!special || cmd.delivery_address, || {
        Refusal::field(
            "R-IDP-6",
            "delivery_address",
            "a protected or homeless applicant gives the address new key cards are sent to",
        )
    })?;
    let photos = counted.iter().filter(|d| policy.dk_photo_documents.contains(&d.kind)).count();
    let supporting: Vec<DkDocument> = {
        let mut kinds: Vec<DkDocument> = counted
            .iter()
            .map(|d| d.kind)
            .filter(|k| k.is_supporting() && !policy.dk_photo_documents.contains(k))
            .collect();
        kinds.sort_by_key(|k| DkDocument::SUPPORTING.iter().position(|s| s == k));
        kinds.dedup();
        kinds
    };
    let with_cpr = counted.iter().any(|d| d.carries_cpr);
    let (method, delivery) = if photos > 0 {
        let rule = "R-IDP-3";
        if !with_cpr {
            return Ok(rejected(cmd.person, rule, RejectionReason::Incomplete, today));
        }
        let enough = cmd.cpr_lookup == CprLookup::Matched || photos >= 2 || !supporting.is_empty();
        if !enough {
            return Ok(rejected(cmd.person, rule, RejectionReason::Incomplete, today));
        }
        (ProofingMethod::DkPhotoDocument, Delivery::HandOut)
    } else if special {
        return Ok(rejected(cmd.person, "R-IDP-6", RejectionReason::Incomplete, today));
    } else {
        let rule = "R-IDP-4";
        let enough = supporting.len() >= 2
            && supporting.iter().any(|k| k.is_a_or_b())
            && with_cpr
            // The key card goes to the register address, which only the lookup gives.
            && cmd.cpr_lookup == CprLookup::Matched;
        if !enough {
            return Ok(rejected(cmd.person, rule, RejectionReason::Incomplete, today));
        }
        (ProofingMethod::DkWithoutPhoto, Delivery::MailToRegisterAddress)
    };
    Ok(vec![ProofingEvent::Accepted {
        person: cmd.person,
        method,
        documents: cmd
            .documents
            .iter()
            .map(|d| DocumentRef {
                kind: DocumentKind::Dk(d.kind),
                number: d.number.as_deref().and_then(reference),
            })
            .collect(),
        attestor: None,
        receipt_ref: None,
        cpr_lookup: Some(cmd.cpr_lookup == CprLookup::Matched),
        delivery,
        delivery_address: cmd.delivery_address,
        on: today,
    }])
}
