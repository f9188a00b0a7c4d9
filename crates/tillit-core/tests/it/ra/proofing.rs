//! Identity proofing (R-IDP-1..6) as tables: given what was presented → accepted |
//! rejected (with rule and reason) | refusal rule.

use tillit_core::ra::proofing::{
    proof_dk, proof_se, Attestation, CprLookup, Delivery, DkDocument, DkPresented, DkProofing, DkSituation,
    DocumentKind, DocumentRef, Observations, ProofingEvent, ProofingMethod, RejectionReason, SeDocument,
    SeEvidence, SeProofing,
};
use tillit_core::ra::{Event, PersonId, Policy};
use time::macros::date;
use time::Date;

use super::credential::{check, Want};
use super::support::{uuid, TODAY};

fn applicant() -> PersonId {
    PersonId(uuid(1001))
}

fn manager() -> PersonId {
    PersonId(uuid(1500))
}

fn rejected(rule: &'static str, reason: RejectionReason) -> Want<ProofingEvent> {
    Want::Events(vec![ProofingEvent::Rejected { person: applicant(), rule, reason, on: TODAY }])
}

fn se(evidence: SeEvidence) -> SeProofing {
    SeProofing {
        person: applicant(),
        evidence,
        hiring_manager: Some(manager()),
        observations: Observations::default(),
    }
}

fn passport(number: &str) -> SeEvidence {
    SeEvidence::Document { kind: SeDocument::Passport, number: number.into() }
}

fn attestation() -> Attestation {
    Attestation {
        register_extract: true,
        attestation_ref: "INT-2026-17".into(),
        attestor: manager(),
        attestor_present: true,
        attestor_warned: true,
        receipt_ref: "KV-2026-17".into(),
    }
}

fn se_accepted(
    method: ProofingMethod,
    documents: Vec<DocumentRef>,
    attestor: Option<PersonId>,
    receipt: Option<&str>,
) -> Want<ProofingEvent> {
    Want::Events(vec![ProofingEvent::Accepted {
        person: applicant(),
        method,
        documents,
        attestor,
        receipt_ref: receipt.map(str::to_string),
        cpr_lookup: None,
        delivery: Delivery::HandOut,
        delivery_address: false,
        on: TODAY,
    }])
}

#[test]
fn swedish_proofing_table() {
    let policy = Policy::default();
    let no_passports = Policy {
        se_documents: vec![SeDocument::DrivingLicence, SeDocument::NationalIdCard],
        ..Policy::default()
    };
    let att = |f: fn(&mut Attestation)| {
        let mut a = attestation();
        f(&mut a);
        se(SeEvidence::Attestation(a))
    };
    let attested = se_accepted(
        ProofingMethod::SeAttestation,
        vec![
            DocumentRef { kind: DocumentKind::PopulationRegisterExtract, number: None },
            DocumentRef { kind: DocumentKind::WrittenAttestation, number: Some("INT-2026-17".into()) },
        ],
        Some(manager()),
        Some("KV-2026-17"),
    );
    let rows: Vec<(&str, &Policy, SeProofing, Want<ProofingEvent>)> = vec![
        (
            "passport with number (R-IDP-1)",
            &policy,
            se(passport(" 87654321 ")),
            se_accepted(
                ProofingMethod::SeIdDocument,
                vec![DocumentRef {
                    kind: DocumentKind::Se(SeDocument::Passport),
                    number: Some("87654321".into()),
                }],
                None,
                None,
            ),
        ),
        (
            "passport not in the policy",
            &no_passports,
            se(passport("87654321")),
            Want::Refused("R-IDP-1", Some("evidence.kind")),
        ),
        (
            "no document number",
            &policy,
            se(passport("  ")),
            Want::Refused("R-IDP-1", Some("evidence.number")),
        ),
        (
            "attestation by the hiring manager (R-IDP-2)",
            &policy,
            se(SeEvidence::Attestation(attestation())),
            attested,
        ),
        (
            "no register extract",
            &policy,
            att(|a| a.register_extract = false),
            rejected("R-IDP-2", RejectionReason::Incomplete),
        ),
        (
            "attestor not present",
            &policy,
            att(|a| a.attestor_present = false),
            rejected("R-IDP-2", RejectionReason::Incomplete),
        ),
        (
            "attestor not the hiring manager",
            &policy,
            att(|a| a.attestor = PersonId(uuid(1777))),
            rejected("R-IDP-2", RejectionReason::Incomplete),
        ),
        (
            "the applicant attests for themselves",
            &policy,
            SeProofing { hiring_manager: Some(applicant()), ..att(|a| a.attestor = applicant()) },
            rejected("R-IDP-2", RejectionReason::Incomplete),
        ),
        (
            "attestor not warned",
            &policy,
            att(|a| a.attestor_warned = false),
            Want::Refused("R-IDP-2", Some("evidence.attestor_warned")),
        ),
        (
            "no attestation reference",
            &policy,
            att(|a| a.attestation_ref = String::new()),
            Want::Refused("R-IDP-2", Some("evidence.attestation_ref")),
        ),
        (
            "no receipt",
            &policy,
            att(|a| a.receipt_ref = " ".into()),
            Want::Refused("R-IDP-2", Some("evidence.receipt_ref")),
        ),
        (
            "hiring manager unknown",
            &policy,
            SeProofing { hiring_manager: None, ..se(SeEvidence::Attestation(attestation())) },
            Want::Refused("R-IDP-2", Some("hiring_manager")),
        ),
        (
            "suspected forgery (R-IDP-5)",
            &policy,
            SeProofing {
                observations: Observations { forgery_suspected: true, ..Observations::default() },
                ..se(passport("87654321"))
            },
            rejected("R-IDP-5", RejectionReason::SuspectedForgery),
        ),
        (
            "photo does not match (R-IDP-5), even without a number",
            &policy,
            SeProofing {
                observations: Observations { mismatch: true, ..Observations::default() },
                ..se(passport(""))
            },
            rejected("R-IDP-5", RejectionReason::Mismatch),
        ),
    ];
    for (row, policy, cmd, want) in rows {
        check(row, proof_se(&cmd, policy, TODAY), want);
    }
}

fn doc(kind: DkDocument, cpr: bool) -> DkPresented {
    DkPresented { kind, number: None, carries_cpr: cpr, dated: None }
}

fn benefit(dated: Option<Date>, cpr: bool) -> DkPresented {
    DkPresented { kind: DkDocument::BenefitPaymentProof, number: None, carries_cpr: cpr, dated }
}

fn dk(documents: Vec<DkPresented>, cpr_lookup: CprLookup) -> DkProofing {
    DkProofing {
        person: applicant(),
        documents,
        cpr_lookup,
        situation: DkSituation::Ordinary,
        delivery_address: false,
        observations: Observations::default(),
    }
}

fn dk_accepted(cmd: &DkProofing, method: ProofingMethod, delivery: Delivery) -> Want<ProofingEvent> {
    Want::Events(vec![ProofingEvent::Accepted {
        person: applicant(),
        method,
        documents: cmd
            .documents
            .iter()
            .map(|d| DocumentRef { kind: DocumentKind::Dk(d.kind), number: d.number.clone() })
            .collect(),
        attestor: None,
        receipt_ref: None,
        cpr_lookup: Some(cmd.cpr_lookup == CprLookup::Matched),
        delivery,
        delivery_address: cmd.delivery_address,
        on: TODAY,
    }])
}

#[test]
fn danish_proofing_table() {
    use DkDocument::*;
    let policy = Policy::default();
    let no_bank_id = Policy {
        dk_photo_documents: DkDocument::PHOTO.into_iter().filter(|d| *d != BankIdCard).collect(),
        ..Policy::default()
    };
    let longer_benefit = Policy { dk_benefit_proof_max_days: 120, ..Policy::default() };
    let recent = Some(date!(2026 - 02 - 01));
    let old = Some(date!(2025 - 11 - 20)); // 102 days
    let passport_cpr = DkPresented { number: Some("P1234567".into()), ..doc(Passport, true) };

    let photo = |cmd: DkProofing| {
        let want = dk_accepted(&cmd, ProofingMethod::DkPhotoDocument, Delivery::HandOut);
        (cmd, want)
    };
    let mailed = |cmd: DkProofing| {
        let want = dk_accepted(&cmd, ProofingMethod::DkWithoutPhoto, Delivery::MailToRegisterAddress);
        (cmd, want)
    };
    let protected = |documents, delivery_address| DkProofing {
        situation: DkSituation::Protected,
        delivery_address,
        ..dk(documents, CprLookup::Matched)
    };
    let homeless = |documents, delivery_address| DkProofing {
        situation: DkSituation::Homeless,
        delivery_address,
        ..dk(documents, CprLookup::Matched)
    };

    let mut rows: Vec<(&str, &Policy, DkProofing, Want<ProofingEvent>)> = Vec::new();
    let mut ok = |row, policy, (cmd, want)| rows.push((row, policy, cmd, want));
    ok(
        "passport with CPR, lookup matched (R-IDP-3)",
        &policy,
        photo(dk(vec![passport_cpr.clone()], CprLookup::Matched)),
    );
    ok(
        "licence, CPR on health card, lookup matched",
        &policy,
        photo(dk(vec![doc(DrivingLicence, false), doc(HealthInsuranceCard, true)], CprLookup::Matched)),
    );
    ok(
        "no lookup: a second photo document",
        &policy,
        photo(dk(vec![passport_cpr.clone(), doc(DrivingLicence, false)], CprLookup::NotPossible)),
    );
    ok(
        "no lookup: a tax assessment (c)",
        &policy,
        photo(dk(vec![passport_cpr.clone(), doc(TaxAssessment, false)], CprLookup::NotPossible)),
    );
    ok(
        "no lookup: recent benefit proof (d)",
        &policy,
        photo(dk(vec![passport_cpr.clone(), benefit(recent, false)], CprLookup::NotPossible)),
    );
    ok(
        "no lookup: older benefit proof under a longer policy",
        &longer_benefit,
        photo(dk(vec![passport_cpr.clone(), benefit(old, false)], CprLookup::NotPossible)),
    );
    ok(
        "no photo: (b) with CPR and (c) (R-IDP-4)",
        &policy,
        mailed(dk(vec![doc(HealthInsuranceCard, true), doc(TaxAssessment, false)], CprLookup::Matched)),
    );
    ok(
        "no photo: (a) and recent (d) with CPR",
        &policy,
        mailed(dk(vec![doc(BaptismOrNameCertificate, false), benefit(recent, true)], CprLookup::Matched)),
    );
    ok(
        "protected, photo ID, delivery address (R-IDP-6)",
        &policy,
        photo(protected(vec![passport_cpr.clone()], true)),
    );
    ok("homeless, photo ID, delivery address", &policy, photo(homeless(vec![doc(BankIdCard, true)], true)));

    let mut rows2: Vec<(&str, &Policy, DkProofing, Want<ProofingEvent>)> = vec![
        (
            "no document shows the CPR (R-IDP-3)",
            &policy,
            dk(vec![doc(Passport, false)], CprLookup::Matched),
            rejected("R-IDP-3", RejectionReason::Incomplete),
        ),
        (
            "no lookup and nothing else",
            &policy,
            dk(vec![passport_cpr.clone()], CprLookup::NotPossible),
            rejected("R-IDP-3", RejectionReason::Incomplete),
        ),
        (
            "no lookup, benefit proof too old",
            &policy,
            dk(vec![passport_cpr.clone(), benefit(old, false)], CprLookup::NotPossible),
            rejected("R-IDP-3", RejectionReason::Incomplete),
        ),
        (
            "benefit proof without date",
            &policy,
            dk(vec![passport_cpr.clone(), benefit(None, false)], CprLookup::NotPossible),
            Want::Refused("R-IDP-3", Some("documents.dated")),
        ),
        (
            "benefit proof dated in the future",
            &policy,
            dk(
                vec![passport_cpr.clone(), benefit(Some(date!(2026 - 03 - 03)), false)],
                CprLookup::NotPossible,
            ),
            Want::Refused("R-IDP-3", Some("documents.dated")),
        ),
        (
            "no photo: (c) and (d), neither (a) nor (b) (R-IDP-4)",
            &policy,
            dk(vec![doc(TaxAssessment, true), benefit(recent, false)], CprLookup::Matched),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "no photo: one document",
            &policy,
            dk(vec![doc(HealthInsuranceCard, true)], CprLookup::Matched),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "no photo: the same kind twice",
            &policy,
            dk(vec![doc(HealthInsuranceCard, true), doc(HealthInsuranceCard, false)], CprLookup::Matched),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "no photo: no CPR",
            &policy,
            dk(vec![doc(HealthInsuranceCard, false), doc(TaxAssessment, false)], CprLookup::Matched),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "no photo: no lookup, so no register address",
            &policy,
            dk(vec![doc(HealthInsuranceCard, true), doc(TaxAssessment, false)], CprLookup::NotPossible),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "bank ID not accepted by this policy",
            &no_bank_id,
            dk(vec![doc(BankIdCard, true)], CprLookup::Matched),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "nothing presented",
            &policy,
            dk(vec![], CprLookup::Matched),
            rejected("R-IDP-4", RejectionReason::Incomplete),
        ),
        (
            "name and CPR do not match (R-IDP-5)",
            &policy,
            dk(vec![passport_cpr.clone()], CprLookup::NotMatched),
            rejected("R-IDP-5", RejectionReason::Mismatch),
        ),
        (
            "suspected forgery",
            &policy,
            DkProofing {
                observations: Observations { forgery_suspected: true, mismatch: true, incomplete: true },
                ..dk(vec![passport_cpr.clone()], CprLookup::Matched)
            },
            rejected("R-IDP-5", RejectionReason::SuspectedForgery),
        ),
        (
            "documents incomplete",
            &policy,
            DkProofing {
                observations: Observations { incomplete: true, ..Observations::default() },
                ..dk(vec![passport_cpr.clone()], CprLookup::Matched)
            },
            rejected("R-IDP-5", RejectionReason::Incomplete),
        ),
        (
            "protected without delivery address (R-IDP-6)",
            &policy,
            protected(vec![passport_cpr.clone()], false),
            Want::Refused("R-IDP-6", Some("delivery_address")),
        ),
        (
            "homeless without photo ID",
            &policy,
            homeless(vec![doc(HealthInsuranceCard, true), doc(TaxAssessment, false)], true),
            rejected("R-IDP-6", RejectionReason::Incomplete),
        ),
    ];
    rows.append(&mut rows2);
    for (row, policy, cmd, want) in rows {
        check(row, proof_dk(&cmd, policy, TODAY), want);
    }
}

#[test]
fn without_photo_the_key_card_is_never_handed_out() {
    // R-IDP-4: the outcome carries the delivery constraint.
    let cmd = dk(
        vec![
            DkPresented { number: Some("SK-1".into()), ..doc(DkDocument::HealthInsuranceCard, true) },
            doc(DkDocument::BaptismOrNameCertificate, false),
        ],
        CprLookup::Matched,
    );
    let events = proof_dk(&cmd, &Policy::default(), TODAY).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].delivery(), Some(Delivery::MailToRegisterAddress));
    let payload = events[0].payload();
    assert_eq!(payload["delivery"], "mail_to_register_address");
    assert_eq!(payload["method"], "dk_without_photo");
    assert_eq!(payload["documents"][0]["kind"]["dk"], "health_insurance_card");
    assert_eq!(payload["documents"][0]["number"], "SK-1");
    let passport = dk(vec![doc(DkDocument::Passport, true)], CprLookup::Matched);
    assert_eq!(
        proof_dk(&passport, &Policy::default(), TODAY).unwrap()[0].delivery(),
        Some(Delivery::HandOut)
    );
}

#[test]
fn events_name_their_action() {
    let accepted = proof_se(&se(passport("87654321")), &Policy::default(), TODAY).unwrap();
    assert_eq!(accepted[0].action(), "proofing.accepted");
    assert_eq!(accepted[0].payload()["documents"][0]["kind"]["se"], "passport");
    let rejected = ProofingEvent::Rejected {
        person: applicant(),
        rule: "R-IDP-5",
        reason: RejectionReason::SuspectedForgery,
        on: TODAY,
    };
    assert_eq!(rejected.action(), "proofing.rejected");
    assert_eq!(rejected.delivery(), None);
    let payload = rejected.payload();
    assert_eq!(
        (payload["rule"].as_str(), payload["reason"].as_str()),
        (Some("R-IDP-5"), Some("suspected_forgery"))
    );
}
