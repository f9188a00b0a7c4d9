//! Revocation (R-REV-1..6) as tables: given state, command → events | refusal rule.

use tillit_core::ra::credential::{CardFacts, Credential, CredentialState, IdBasis};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::revocation::{
    check_identification, check_requester, holder_units, misuse_notifications, next_day_check,
    on_deregistration, request_revocation, retention_expired, retention_until, Circumstance, Identification,
    ReasonCode, Recipient, RequestRevocation, Requester, Revocation, RevocationEvent, SimplifiedCheck,
    Target, Topic,
};
use tillit_core::ra::rule::STATE;
use tillit_core::ra::{CredentialId, Event, PersonId, RevocationId};
use time::macros::date;

use super::credential::{card, card_id, check, cred_id, issued, reserve_card, serial, Want};
use super::support::{person, tree, uuid, TODAY};

fn rev_id(n: u128) -> RevocationId {
    RevocationId(uuid(4000 + n))
}

fn manager() -> PersonId {
    PersonId(uuid(1500))
}

fn officer() -> PersonId {
    PersonId(uuid(1600))
}

#[test]
fn reason_codes_are_rfc_5280_without_hold() {
    // R-REV-3.
    let offered: Vec<(u8, &str)> = ReasonCode::OFFERED.iter().map(|r| (r.code(), r.rfc_name())).collect();
    assert_eq!(
        offered,
        vec![
            (0, "unspecified"),
            (1, "keyCompromise"),
            (3, "affiliationChanged"),
            (4, "superseded"),
            (5, "cessationOfOperation")
        ]
    );
    assert_eq!(ReasonCode::from_code(1), Ok(ReasonCode::KeyCompromise));
    for code in [2u8, 6, 7, 8, 9, 10, 11] {
        let r = ReasonCode::from_code(code).unwrap_err();
        assert_eq!((r.rule, r.field), ("R-REV-3", Some("reason")), "code {code}");
    }
    assert!(ReasonCode::from_code(6).unwrap_err().reason.contains("certificateHold"));
    assert_eq!(ReasonCode::parse("keyCompromise"), Ok(ReasonCode::KeyCompromise));
    assert_eq!(ReasonCode::parse("affiliation_changed"), Ok(ReasonCode::AffiliationChanged));
    for bad in ["certificateHold", "certificate_hold", "", "lost"] {
        assert_eq!(ReasonCode::parse(bad).unwrap_err().rule, "R-REV-3", "{bad:?}");
    }
    assert!(serde_json::from_str::<ReasonCode>("\"certificate_hold\"").is_err());
    assert_eq!(serde_json::from_str::<ReasonCode>("\"superseded\"").unwrap(), ReasonCode::Superseded);
}

#[test]
fn who_may_request() {
    // R-REV-1: (requester, requested_by, holder) → ok | refusal.
    let t = tree();
    let holder = person(1, None);
    let left = person(1, Some(date!(2026 - 02 - 28)));
    type Row<'a> = (&'a str, Requester, Option<PersonId>, &'a Person, Result<(), &'a str>);
    let rows: Vec<Row> = vec![
        ("the holder", Requester::Holder, Some(holder.id), &holder, Ok(())),
        ("not the holder", Requester::Holder, Some(manager()), &holder, Err("R-REV-1")),
        ("manager of the school", Requester::Manager { unit: t.school }, Some(manager()), &holder, Ok(())),
        (
            "manager above the school",
            Requester::Manager { unit: t.municipality },
            Some(manager()),
            &holder,
            Ok(()),
        ),
        (
            "manager of someone who just left",
            Requester::Manager { unit: t.school },
            Some(manager()),
            &left,
            Ok(()),
        ),
        (
            "manager of the kitchen below",
            Requester::Manager { unit: t.kitchen },
            Some(manager()),
            &holder,
            Err("R-REV-1"),
        ),
        (
            "manager in the group company",
            Requester::Manager { unit: t.company },
            Some(manager()),
            &holder,
            Err("R-REV-1"),
        ),
        (
            "manager of another municipality",
            Requester::Manager { unit: t.other },
            Some(manager()),
            &holder,
            Err("R-REV-1"),
        ),
        ("manager unnamed", Requester::Manager { unit: t.school }, None, &holder, Err("R-REV-1")),
        ("the RA", Requester::Ra, Some(officer()), &holder, Ok(())),
        ("anyone else", Requester::Other, Some(PersonId(uuid(1700))), &holder, Err("R-REV-1")),
    ];
    for (row, requester, by, p, want) in rows {
        let got = check_requester(&t.tree, p, requester, by, TODAY).map_err(|r| r.rule);
        assert_eq!(got, want, "row {row}");
    }
    let other = check_requester(&t.tree, &holder, Requester::Other, None, TODAY).unwrap_err();
    assert!(other.reason.contains("refer the requester to the RA"), "{other}");
}

#[test]
fn identification_methods() {
    // R-REV-2.
    let simplified = Identification::SimplifiedCheck { how: SimplifiedCheck::CallBack };
    let misuse = Circumstance::Misuse { serious: false, revoke_rights: false };
    type Outcome<'a> = Result<(), (&'a str, Option<&'a str>)>;
    let rows: Vec<(&str, Identification, Circumstance, ReasonCode, Outcome)> = vec![
        (
            "in person",
            Identification::InPerson { document: "passport 12345678".into() },
            Circumstance::Ordinary,
            ReasonCode::AffiliationChanged,
            Ok(()),
        ),
        (
            "in person, no document",
            Identification::InPerson { document: " ".into() },
            Circumstance::Ordinary,
            ReasonCode::AffiliationChanged,
            Err(("R-REV-2", Some("identification.document"))),
        ),
        (
            "personal knowledge",
            Identification::PersonalKnowledge { officer: officer() },
            Circumstance::Ordinary,
            ReasonCode::Unspecified,
            Ok(()),
        ),
        ("signed in", Identification::SignedIn, Circumstance::Ordinary, ReasonCode::Unspecified, Ok(())),
        ("simplified, lost card", simplified.clone(), Circumstance::Lost, ReasonCode::KeyCompromise, Ok(())),
        ("simplified, misuse", simplified.clone(), misuse, ReasonCode::Unspecified, Ok(())),
        (
            "simplified, key compromise",
            simplified.clone(),
            Circumstance::Ordinary,
            ReasonCode::KeyCompromise,
            Ok(()),
        ),
        (
            "simplified, no misuse feared",
            simplified,
            Circumstance::Ordinary,
            ReasonCode::AffiliationChanged,
            Err(("R-REV-2", Some("identification"))),
        ),
    ];
    for (row, ident, circumstance, reason, want) in rows {
        let got = check_identification(&ident, circumstance, reason).map_err(|r| (r.rule, r.field));
        assert_eq!(got, want, "row {row}");
    }
}

fn cmd(
    requester: Requester,
    by: PersonId,
    target: Target,
    circumstance: Circumstance,
    reason: ReasonCode,
) -> RequestRevocation {
    RequestRevocation {
        id: rev_id(1),
        requester,
        requested_by: Some(by),
        identification: Identification::InPerson { document: "driving_licence 998877".into() },
        reason,
        circumstance,
        target,
    }
}

fn requested(c: &RequestRevocation, holder: PersonId) -> RevocationEvent {
    RevocationEvent::Requested {
        revocation: c.id,
        holder,
        requester: c.requester,
        requested_by: c.requested_by,
        identification: c.identification.clone(),
        reason: c.reason,
        circumstance: c.circumstance,
        target: c.target.clone(),
        on: TODAY,
        retain_until: date!(2036 - 03 - 02),
    }
}

fn cred_requested(n: u128, reason: ReasonCode) -> RevocationEvent {
    RevocationEvent::CredentialRevocationRequested {
        revocation: rev_id(1),
        credential: cred_id(n),
        card: Some(card_id(1)),
        serials: vec![serial(&format!("a{n}")), serial(&format!("b{n}"))],
        reason,
    }
}

fn notify(to: Recipient) -> RevocationEvent {
    RevocationEvent::NotificationRequested { revocation: rev_id(1), to, topic: Topic::Misuse }
}

#[test]
fn request_revocation_table() {
    let t = tree();
    let holder = person(1, None);
    let hsa = issued(1, IdBasis::HsaId, date!(2027 - 01 - 01));
    let national = issued(2, IdBasis::NationalId, date!(2027 - 01 - 01));
    let revoked = Credential {
        state: CredentialState::Revoked { reason: ReasonCode::Superseded, on: TODAY, certificates: None },
        ..issued(3, IdBasis::HsaId, TODAY)
    };
    let someone_elses = Credential {
        person: PersonId(uuid(1999)),
        card: Some(card_id(2)),
        ..issued(4, IdBasis::HsaId, date!(2027 - 01 - 01))
    };
    let creds = vec![hsa, national, revoked, someone_elses];
    let by_holder =
        |target, circumstance, reason| cmd(Requester::Holder, holder.id, target, circumstance, reason);
    let one = || Target::Credentials { ids: vec![cred_id(1)] };
    let the_card = || Target::Card { card: card_id(1) };
    let misuse = |serious, revoke_rights| Circumstance::Misuse { serious, revoke_rights };

    let c_one = by_holder(one(), Circumstance::Ordinary, ReasonCode::AffiliationChanged);
    let c_twice = by_holder(
        Target::Credentials { ids: vec![cred_id(1), cred_id(1)] },
        Circumstance::Ordinary,
        ReasonCode::Unspecified,
    );
    let c_manager = cmd(
        Requester::Manager { unit: t.school },
        manager(),
        one(),
        Circumstance::Ordinary,
        ReasonCode::AffiliationChanged,
    );
    let c_lost = by_holder(the_card(), Circumstance::Lost, ReasonCode::KeyCompromise);
    let c_stolen = cmd(Requester::Ra, officer(), the_card(), Circumstance::Stolen, ReasonCode::KeyCompromise);
    let c_returned =
        cmd(Requester::Ra, officer(), the_card(), Circumstance::Ordinary, ReasonCode::CessationOfOperation);
    let c_misuse = cmd(Requester::Ra, officer(), one(), misuse(false, false), ReasonCode::KeyCompromise);
    let c_serious = cmd(Requester::Ra, officer(), one(), misuse(true, true), ReasonCode::KeyCompromise);

    let sis = card(1);
    let reserve = reserve_card(1);
    let elses_card = CardFacts { holder: Some(PersonId(uuid(1999))), ..card(1) };
    type Row<'a> = (&'a str, Option<&'a CardFacts>, RequestRevocation, Want<RevocationEvent>);
    let rows: Vec<Row> = vec![
        (
            "holder revokes one credential: both certificates (R-CRED-1)",
            None,
            c_one.clone(),
            Want::Events(vec![
                requested(&c_one, holder.id),
                cred_requested(1, ReasonCode::AffiliationChanged),
            ]),
        ),
        (
            "named twice, covered once",
            None,
            c_twice.clone(),
            Want::Events(vec![requested(&c_twice, holder.id), cred_requested(1, ReasonCode::Unspecified)]),
        ),
        (
            "manager within the own unit",
            None,
            c_manager.clone(),
            Want::Events(vec![
                requested(&c_manager, holder.id),
                cred_requested(1, ReasonCode::AffiliationChanged),
            ]),
        ),
        (
            "lost SIS card: deregistered, every credential, police (R-REV-3, R-REV-4)",
            Some(&sis),
            c_lost.clone(),
            Want::Events(vec![
                requested(&c_lost, holder.id),
                cred_requested(1, ReasonCode::KeyCompromise),
                cred_requested(2, ReasonCode::KeyCompromise),
                RevocationEvent::CardDeregistrationRequested {
                    revocation: rev_id(1),
                    card: card_id(1),
                    reason: ReasonCode::KeyCompromise,
                },
                RevocationEvent::PoliceReportInstructed { revocation: rev_id(1), card: card_id(1) },
            ]),
        ),
        (
            "stolen reserve card: not an ID card, no police",
            Some(&reserve),
            c_stolen.clone(),
            Want::Events(vec![
                requested(&c_stolen, holder.id),
                cred_requested(1, ReasonCode::KeyCompromise),
                cred_requested(2, ReasonCode::KeyCompromise),
                RevocationEvent::CardDeregistrationRequested {
                    revocation: rev_id(1),
                    card: card_id(1),
                    reason: ReasonCode::KeyCompromise,
                },
            ]),
        ),
        (
            "returned SIS card: no police",
            Some(&sis),
            c_returned.clone(),
            Want::Events(vec![
                requested(&c_returned, holder.id),
                cred_requested(1, ReasonCode::CessationOfOperation),
                cred_requested(2, ReasonCode::CessationOfOperation),
                RevocationEvent::CardDeregistrationRequested {
                    revocation: rev_id(1),
                    card: card_id(1),
                    reason: ReasonCode::CessationOfOperation,
                },
            ]),
        ),
        (
            "misuse: unit manager, RA, security officer (R-REV-5)",
            None,
            c_misuse.clone(),
            Want::Events(vec![
                requested(&c_misuse, holder.id),
                cred_requested(1, ReasonCode::KeyCompromise),
                notify(Recipient::UnitManager { unit: t.school }),
                notify(Recipient::Ra),
                notify(Recipient::SecurityOfficer),
            ]),
        ),
        (
            "serious misuse: also CA and card supplier; rights too",
            None,
            c_serious.clone(),
            Want::Events(vec![
                requested(&c_serious, holder.id),
                cred_requested(1, ReasonCode::KeyCompromise),
                notify(Recipient::UnitManager { unit: t.school }),
                notify(Recipient::Ra),
                notify(Recipient::SecurityOfficer),
                notify(Recipient::Ca),
                notify(Recipient::CardSupplier),
                RevocationEvent::RightsRevocationRequested { revocation: rev_id(1), person: holder.id },
            ]),
        ),
        (
            "anyone else",
            None,
            cmd(
                Requester::Other,
                PersonId(uuid(1700)),
                one(),
                Circumstance::Ordinary,
                ReasonCode::Unspecified,
            ),
            Want::Refused("R-REV-1", Some("requester")),
        ),
        (
            "manager outside the own unit",
            None,
            cmd(
                Requester::Manager { unit: t.company_unit },
                manager(),
                one(),
                Circumstance::Ordinary,
                ReasonCode::Unspecified,
            ),
            Want::Refused("R-REV-1", Some("requester")),
        ),
        (
            "simplified check without fear of misuse",
            None,
            RequestRevocation {
                identification: Identification::SimplifiedCheck { how: SimplifiedCheck::ControlQuestions },
                ..c_one.clone()
            },
            Want::Refused("R-REV-2", Some("identification")),
        ),
        (
            "no credential named",
            None,
            by_holder(Target::Credentials { ids: vec![] }, Circumstance::Ordinary, ReasonCode::Unspecified),
            Want::Refused("R-REV-3", Some("target")),
        ),
        ("card facts missing", None, c_lost.clone(), Want::Refused("R-REV-3", Some("target"))),
        (
            "lost, but only a credential named",
            None,
            by_holder(one(), Circumstance::Lost, ReasonCode::KeyCompromise),
            Want::Refused("R-REV-4", Some("target")),
        ),
        (
            "someone else's credential",
            None,
            by_holder(
                Target::Credentials { ids: vec![cred_id(4)] },
                Circumstance::Ordinary,
                ReasonCode::Unspecified,
            ),
            Want::Refused("R-REV-1", Some("target")),
        ),
        (
            "someone else's card",
            Some(&elses_card),
            c_returned.clone(),
            Want::Refused("R-REV-1", Some("target")),
        ),
        (
            "already revoked",
            None,
            by_holder(
                Target::Credentials { ids: vec![cred_id(3)] },
                Circumstance::Ordinary,
                ReasonCode::Unspecified,
            ),
            Want::Refused(STATE, None),
        ),
    ];
    for (row, card, c, want) in rows {
        check(row, request_revocation(&t.tree, &holder, card, &creds, c, TODAY), want);
    }
}

#[test]
fn misuse_notifies_every_unit_manager() {
    // R-REV-5: a person employed in two units.
    let t = tree();
    let mut p = person(1, None);
    p.employments.push(Employment {
        org: t.company_unit,
        kind: EmploymentKind::Assignment,
        start: date!(2025 - 01 - 01),
        end: None,
    });
    assert_eq!(holder_units(&p, TODAY), {
        let mut u = vec![t.school, t.company_unit];
        u.sort();
        u
    });
    let events = misuse_notifications(rev_id(1), &p, false, TODAY);
    assert_eq!(events.len(), 4);
    assert!(events.contains(&notify(Recipient::UnitManager { unit: t.company_unit })));
    assert!(events.contains(&notify(Recipient::UnitManager { unit: t.school })));
}

#[test]
fn deregistration_revokes_every_credential_on_the_card() {
    // R-REV-3.
    let holder = person(1, None);
    let on_card = issued(1, IdBasis::HsaId, date!(2027 - 01 - 01));
    let other_card =
        Credential { card: Some(card_id(2)), ..issued(2, IdBasis::HsaId, date!(2027 - 01 - 01)) };
    let expired =
        Credential { state: CredentialState::Expired { on: TODAY }, ..issued(3, IdBasis::HsaId, TODAY) };
    let creds = vec![on_card, other_card, expired];
    let got =
        on_deregistration(rev_id(1), &card(1), officer(), &creds, ReasonCode::CessationOfOperation, TODAY);
    let want = vec![
        RevocationEvent::Requested {
            revocation: rev_id(1),
            holder: holder.id,
            requester: Requester::Ra,
            requested_by: Some(officer()),
            identification: Identification::SignedIn,
            reason: ReasonCode::CessationOfOperation,
            circumstance: Circumstance::Ordinary,
            target: Target::Card { card: card_id(1) },
            on: TODAY,
            retain_until: date!(2036 - 03 - 02),
        },
        cred_requested(1, ReasonCode::CessationOfOperation),
    ];
    check("deregistration", got, Want::Events(want));
    let blank = CardFacts { holder: None, ..card(1) };
    check(
        "card without holder",
        on_deregistration(rev_id(1), &blank, officer(), &creds, ReasonCode::Unspecified, TODAY),
        Want::Refused("R-REV-3", Some("card")),
    );
}

fn request(n: u128, requested_on: time::Date, credentials: Vec<CredentialId>) -> Revocation {
    Revocation {
        id: rev_id(n),
        holder: person(1, None).id,
        requested_on,
        credentials,
        checked_on: None,
        retain_until: retention_until(requested_on).unwrap(),
    }
}

#[test]
fn next_day_check_is_idempotent() {
    // R-REV-3: the day after, it is verified that the revocation took effect.
    let yesterday = date!(2026 - 03 - 01);
    let requests = vec![
        request(1, yesterday, vec![cred_id(1), cred_id(2)]),
        request(2, TODAY, vec![cred_id(3)]),
        request(3, date!(2026 - 02 - 20), vec![cred_id(4)]),
    ];
    let revoked = |c: CredentialId| c != cred_id(2);
    let events = next_day_check(&requests, TODAY, revoked);
    assert_eq!(
        events,
        vec![
            RevocationEvent::Checked { revocation: rev_id(1), on: TODAY, not_revoked: vec![cred_id(2)] },
            RevocationEvent::Checked { revocation: rev_id(3), on: TODAY, not_revoked: vec![] },
        ]
    );
    // Applied: the job run again the same day, or later, finds nothing.
    let applied: Vec<Revocation> = requests
        .into_iter()
        .map(|mut r| {
            if r.id != rev_id(2) {
                r.checked_on = Some(TODAY);
            }
            r
        })
        .collect();
    assert!(next_day_check(&applied, TODAY, revoked).is_empty());
    assert_eq!(
        next_day_check(&applied, date!(2026 - 03 - 03), revoked),
        vec![RevocationEvent::Checked {
            revocation: rev_id(2),
            on: date!(2026 - 03 - 03),
            not_revoked: vec![]
        }]
    );
}

#[test]
fn requests_are_kept_ten_years() {
    // R-REV-6.
    assert_eq!(retention_until(TODAY), Ok(date!(2036 - 03 - 02)));
    assert_eq!(retention_until(date!(2028 - 02 - 29)), Ok(date!(2038 - 02 - 28)));
    let requests = vec![
        request(1, date!(2016 - 03 - 01), vec![]),
        request(2, date!(2016 - 03 - 02), vec![]),
        request(3, TODAY, vec![]),
    ];
    assert_eq!(retention_expired(&requests, TODAY), vec![rev_id(1)]);
}

#[test]
fn events_name_their_action_and_carry_no_names() {
    let t = tree();
    let holder = person(1, None);
    let c = cmd(
        Requester::Manager { unit: t.school },
        manager(),
        Target::Card { card: card_id(1) },
        Circumstance::Stolen,
        ReasonCode::KeyCompromise,
    );
    let rows: Vec<(RevocationEvent, &str)> = vec![
        (requested(&c, holder.id), "revocation.requested"),
        (cred_requested(1, ReasonCode::KeyCompromise), "revocation.credential_requested"),
        (
            RevocationEvent::CardDeregistrationRequested {
                revocation: rev_id(1),
                card: card_id(1),
                reason: ReasonCode::KeyCompromise,
            },
            "revocation.card_deregistration_requested",
        ),
        (
            RevocationEvent::PoliceReportInstructed { revocation: rev_id(1), card: card_id(1) },
            "revocation.police_report_instructed",
        ),
        (notify(Recipient::Ca), "revocation.notification_requested"),
        (
            RevocationEvent::RightsRevocationRequested { revocation: rev_id(1), person: holder.id },
            "revocation.rights_revocation_requested",
        ),
        (
            RevocationEvent::Checked { revocation: rev_id(1), on: TODAY, not_revoked: vec![] },
            "revocation.checked",
        ),
    ];
    for (event, action) in rows {
        assert_eq!(event.action(), action);
        let text = event.payload().to_string();
        assert!(!text.contains("Tolvan") && !text.contains("19121212"), "{text}");
    }
    let payload = requested(&c, holder.id).payload();
    assert_eq!(payload["reason"], "key_compromise");
    assert_eq!(payload["retain_until"], "2036-03-02");
    assert_eq!(payload["identification"]["method"], "in_person");
    assert_eq!(payload["requester"]["manager"]["unit"], t.school.to_string());
}
