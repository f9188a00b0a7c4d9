//! Credentials (R-CRED-1..7, R-PER-2, R-PER-4, R-PER-5) as tables: given state, command →
//! events | refusal rule.

use std::fmt::Debug;

use tillit_core::ra::credential::{
    expire_due, expiring, issue, issue_function, limbo, must_revoke_first, order_basis, order_function,
    renewal_notices, revoke, subject_content, validity_end, CardContext, CardFacts, Certificates, Credential,
    CredentialEvent, CredentialKind, CredentialState, IdBasis, Issue, NameMismatch, NameMismatchOption,
    OrderCredential, OrderFunction, Serial,
};
use tillit_core::ra::person::Person;
use tillit_core::ra::revocation::ReasonCode;
use tillit_core::ra::rule::STATE;
use tillit_core::ra::{CardId, CredentialId, Event, PersonId, Policy, Refusal};
use time::macros::date;
use time::Date;

use super::support::{person, tree, uuid, TODAY};

/// What a table row expects.
#[derive(Debug)]
pub(super) enum Want<E> {
    /// Exactly these events.
    Events(Vec<E>),
    /// A refusal by this rule, and this field when given.
    Refused(&'static str, Option<&'static str>),
}

/// Checks one row.
pub(super) fn check<E: PartialEq + Debug>(row: &str, got: Result<Vec<E>, Refusal>, want: Want<E>) {
    match (got, want) {
        (Ok(got), Want::Events(want)) => assert_eq!(got, want, "row {row}"),
        (Err(r), Want::Refused(rule, field)) => {
            assert_eq!(r.rule, rule, "row {row}: {r}");
            if field.is_some() {
                assert_eq!(r.field, field, "row {row}: {r}");
            }
            assert!(!r.reason.is_empty(), "row {row}: a refusal gives a reason");
        }
        (got, want) => panic!("row {row}: got {got:?}, want {want:?}"),
    }
}

pub(super) fn card_id(n: u128) -> CardId {
    CardId(uuid(2000 + n))
}

pub(super) fn cred_id(n: u128) -> CredentialId {
    CredentialId(uuid(3000 + n))
}

/// Card `n` of person 1: a regular (SIS) card valid to 2030-12-31, in use.
pub(super) fn card(n: u128) -> CardFacts {
    CardFacts {
        id: card_id(n),
        holder: Some(person(1, None).id),
        kind_is_reserve: false,
        sis: true,
        valid_until: date!(2030 - 12 - 31),
        active: true,
    }
}

pub(super) fn reserve_card(n: u128) -> CardFacts {
    CardFacts { kind_is_reserve: true, sis: false, ..card(n) }
}

pub(super) fn serial(s: &str) -> Serial {
    Serial::parse("serial", s).unwrap()
}

pub(super) fn pair(a: &str, s: &str) -> Certificates {
    Certificates::Pair { authentication: serial(a), signing: serial(s) }
}

/// An issued credential `n` of person 1 on card 1 with serials `a{n}`/`b{n}`.
pub(super) fn issued(n: u128, basis: IdBasis, not_after: Date) -> Credential {
    Credential {
        id: cred_id(n),
        person: person(1, None).id,
        card: Some(card_id(1)),
        kind: CredentialKind::CardPair,
        basis,
        state: CredentialState::Issued {
            certificates: pair(&format!("a{n}"), &format!("b{n}")),
            not_after,
            renewal_notified: false,
        },
    }
}

fn with_state(mut c: Credential, state: CredentialState) -> Credential {
    c.state = state;
    c
}

fn open_order(n: u128, basis: IdBasis, code_expires: Date) -> Credential {
    with_state(
        issued(n, basis, date!(2030 - 01 - 01)),
        CredentialState::OrderBasis { valid_until: date!(2030 - 12 - 31), code_expires },
    )
}

fn order_cmd(n: u128, basis: IdBasis) -> OrderCredential {
    OrderCredential {
        id: cred_id(n),
        org: tree().municipality,
        basis,
        valid_until: None,
        download_code_ref: format!("code-{n}"),
        code_expires: date!(2026 - 03 - 16),
    }
}

fn created(n: u128, basis: IdBasis, valid_until: Date) -> CredentialEvent {
    CredentialEvent::OrderBasisCreated {
        credential: cred_id(n),
        person: person(1, None).id,
        card: Some(card_id(1)),
        kind: CredentialKind::CardPair,
        basis,
        valid_until,
        code_expires: date!(2026 - 03 - 16),
        download_code_ref: format!("code-{n}"),
    }
}

fn revoked_ev(n: u128, reason: ReasonCode, on: Date) -> CredentialEvent {
    CredentialEvent::Revoked {
        credential: cred_id(n),
        card: Some(card_id(1)),
        serials: vec![serial(&format!("a{n}")), serial(&format!("b{n}"))],
        reason,
        on,
    }
}

#[test]
fn validity_end_is_the_earliest_limit() {
    // R-CRED-2: (employment end, card valid until, reserve, today) → end | refusal.
    let policy = Policy::default();
    type Row<'a> = (&'a str, Option<Date>, Date, bool, Date, Result<Date, &'a str>);
    let rows: Vec<Row> = vec![
        ("card validity", None, date!(2030 - 01 - 01), false, TODAY, Ok(date!(2030 - 01 - 01))),
        ("five years", None, date!(2035 - 01 - 01), false, TODAY, Ok(date!(2031 - 03 - 02))),
        (
            "employment end",
            Some(date!(2026 - 06 - 30)),
            date!(2030 - 01 - 01),
            false,
            TODAY,
            Ok(date!(2026 - 06 - 30)),
        ),
        ("reserve 180 days", None, date!(2030 - 01 - 01), true, TODAY, Ok(date!(2026 - 08 - 29))),
        (
            "reserve, employment sooner",
            Some(date!(2026 - 04 - 30)),
            date!(2030 - 01 - 01),
            true,
            TODAY,
            Ok(date!(2026 - 04 - 30)),
        ),
        ("29 February", None, date!(2040 - 01 - 01), false, date!(2028 - 02 - 29), Ok(date!(2033 - 02 - 28))),
        ("employment ends today", Some(TODAY), date!(2030 - 01 - 01), false, TODAY, Err("R-CRED-2")),
        ("card ends today", None, TODAY, false, TODAY, Err("R-CRED-2")),
        ("no employment", Some(date!(2025 - 12 - 31)), date!(2030 - 01 - 01), false, TODAY, Err("R-CRED-2")),
    ];
    for (row, end, card_until, reserve, today, want) in rows {
        let p = person(1, end);
        let c = CardFacts { valid_until: card_until, kind_is_reserve: reserve, ..card(1) };
        let got = validity_end(&p, &c, &policy, today).map_err(|r| r.rule);
        assert_eq!(got, want, "row {row}");
    }
    // Rules as data: a policy of 2 years.
    let two = Policy { credential_max_years: 2, ..Policy::default() };
    assert_eq!(validity_end(&person(1, None), &card(1), &two, TODAY), Ok(date!(2028 - 03 - 02)));
}

#[test]
fn order_basis_table() {
    let t = tree();
    let policy = Policy::default();
    let expired_order = open_order(7, IdBasis::HsaId, date!(2026 - 03 - 01));
    let open_hsa = open_order(7, IdBasis::HsaId, date!(2026 - 03 - 10));
    let issued_hsa = issued(8, IdBasis::HsaId, date!(2027 - 01 - 01));
    let unchecked = Person { name_checked: None, ..person(1, None) };
    let no_hsa = Person { hsa_id: None, ..person(1, None) };
    let secured = person(1, None);
    let other_holder = CardFacts { holder: Some(PersonId(uuid(1999))), ..card(1) };
    let inactive = CardFacts { active: false, ..card(1) };
    let c1 = card(1);

    type Row<'a> =
        (&'a str, &'a Person, &'a CardFacts, Vec<Credential>, OrderCredential, Want<CredentialEvent>);
    let rows: Vec<Row> = vec![
        (
            "secured person, active card",
            &secured,
            &c1,
            vec![],
            order_cmd(1, IdBasis::HsaId),
            Want::Events(vec![created(1, IdBasis::HsaId, date!(2030 - 12 - 31))]),
        ),
        (
            "chosen validity within the limit",
            &secured,
            &c1,
            vec![],
            OrderCredential { valid_until: Some(date!(2027 - 01 - 31)), ..order_cmd(1, IdBasis::HsaId) },
            Want::Events(vec![created(1, IdBasis::HsaId, date!(2027 - 01 - 31))]),
        ),
        (
            "an issued credential on the card does not block (R-CRED-3 revokes it at issue)",
            &secured,
            &c1,
            vec![issued_hsa.clone()],
            order_cmd(1, IdBasis::HsaId),
            Want::Events(vec![created(1, IdBasis::HsaId, date!(2030 - 12 - 31))]),
        ),
        (
            "open order of the other basis (R-CRED-5: one of each)",
            &secured,
            &c1,
            vec![open_hsa.clone()],
            order_cmd(1, IdBasis::NationalId),
            Want::Events(vec![created(1, IdBasis::NationalId, date!(2030 - 12 - 31))]),
        ),
        (
            "expired order of the same basis does not block",
            &secured,
            &c1,
            vec![expired_order],
            order_cmd(1, IdBasis::HsaId),
            Want::Events(vec![created(1, IdBasis::HsaId, date!(2030 - 12 - 31))]),
        ),
        (
            "open order of the same basis",
            &secured,
            &c1,
            vec![open_hsa],
            order_cmd(1, IdBasis::HsaId),
            Want::Refused("R-CRED-5", Some("basis")),
        ),
        (
            "name not checked",
            &unchecked,
            &c1,
            vec![],
            order_cmd(1, IdBasis::HsaId),
            Want::Refused("R-PER-2", Some("name_checked")),
        ),
        (
            "no HSA-id",
            &no_hsa,
            &c1,
            vec![],
            order_cmd(1, IdBasis::HsaId),
            Want::Refused("R-PER-2", Some("hsa_id")),
        ),
        (
            "employment in another organisation",
            &secured,
            &c1,
            vec![],
            OrderCredential { org: t.other, ..order_cmd(1, IdBasis::HsaId) },
            Want::Refused("R-PER-2", Some("employments")),
        ),
        (
            "someone else's card",
            &secured,
            &other_holder,
            vec![],
            order_cmd(1, IdBasis::HsaId),
            Want::Refused("R-CRED-1", Some("card")),
        ),
        (
            "card not in use",
            &secured,
            &inactive,
            vec![],
            order_cmd(1, IdBasis::HsaId),
            Want::Refused("R-CRED-4", Some("card")),
        ),
        (
            "validity beyond the card",
            &secured,
            &c1,
            vec![],
            OrderCredential { valid_until: Some(date!(2031 - 01 - 01)), ..order_cmd(1, IdBasis::HsaId) },
            Want::Refused("R-CRED-2", Some("valid_until")),
        ),
        (
            "validity ends today",
            &secured,
            &c1,
            vec![],
            OrderCredential { valid_until: Some(TODAY), ..order_cmd(1, IdBasis::HsaId) },
            Want::Refused("R-CRED-2", Some("valid_until")),
        ),
        (
            "no download code",
            &secured,
            &c1,
            vec![],
            OrderCredential { download_code_ref: " ".into(), ..order_cmd(1, IdBasis::HsaId) },
            Want::Refused("R-CRED-4", Some("download_code_ref")),
        ),
        (
            "download code already expired",
            &secured,
            &c1,
            vec![],
            OrderCredential { code_expires: date!(2026 - 03 - 01), ..order_cmd(1, IdBasis::HsaId) },
            Want::Refused("R-CRED-4", Some("code_expires")),
        ),
    ];
    for (row, p, c, existing, cmd, want) in rows {
        let ctx = CardContext {
            tree: &t.tree,
            person: p,
            card: c,
            existing: &existing,
            policy: &policy,
            today: TODAY,
        };
        check(row, order_basis(&ctx, cmd), want);
    }
}

#[test]
fn reserve_card_order_is_at_most_180_days() {
    // R-CRED-2 on a reserve card.
    let t = tree();
    let p = person(1, None);
    let c = reserve_card(1);
    let ctx = CardContext {
        tree: &t.tree,
        person: &p,
        card: &c,
        existing: &[],
        policy: &Policy::default(),
        today: TODAY,
    };
    check(
        "reserve default",
        order_basis(&ctx, order_cmd(1, IdBasis::HsaId)),
        Want::Events(vec![created(1, IdBasis::HsaId, date!(2026 - 08 - 29))]),
    );
    let longer = OrderCredential { valid_until: Some(date!(2026 - 08 - 30)), ..order_cmd(1, IdBasis::HsaId) };
    check("reserve 181 days", order_basis(&ctx, longer), Want::Refused("R-CRED-2", Some("valid_until")));
}

#[test]
fn must_revoke_first_names_the_same_basis_on_the_same_card() {
    // R-CRED-3 (with R-CRED-5: the other basis stays).
    let order = open_order(1, IdBasis::HsaId, date!(2026 - 03 - 16));
    let same = issued(2, IdBasis::HsaId, date!(2027 - 01 - 01));
    let other_basis = issued(3, IdBasis::NationalId, date!(2027 - 01 - 01));
    let revoked = with_state(
        issued(4, IdBasis::HsaId, date!(2027 - 01 - 01)),
        CredentialState::Revoked { reason: ReasonCode::Superseded, on: TODAY, certificates: None },
    );
    let other_card =
        Credential { card: Some(card_id(2)), ..issued(5, IdBasis::HsaId, date!(2027 - 01 - 01)) };
    let second_same = issued(6, IdBasis::HsaId, date!(2028 - 01 - 01));
    let existing = vec![order.clone(), same, other_basis, revoked, other_card, second_same];
    assert_eq!(must_revoke_first(&order, &existing), vec![cred_id(2), cred_id(6)]);
    assert_eq!(must_revoke_first(&order, &[]), Vec::<CredentialId>::new());
}

fn issue_cmd() -> Issue {
    Issue {
        by: person(1, None).id,
        certificates: pair("c1", "d1"),
        not_after: date!(2030 - 12 - 31),
        receipt_ref: None,
    }
}

fn issued_ev(n: u128, certificates: Certificates, not_after: Date) -> CredentialEvent {
    CredentialEvent::Issued {
        credential: cred_id(n),
        person: person(1, None).id,
        card: Some(card_id(1)),
        certificates,
        not_after,
        on: TODAY,
    }
}

#[test]
fn issue_table() {
    let order = open_order(1, IdBasis::HsaId, date!(2026 - 03 - 16));
    let old = issued(2, IdBasis::HsaId, date!(2027 - 01 - 01));
    let old_revoked = with_state(
        old.clone(),
        CredentialState::Revoked { reason: ReasonCode::Superseded, on: TODAY, certificates: None },
    );
    let beside = issued(3, IdBasis::NationalId, date!(2027 - 01 - 01));
    let reserve_order = with_state(
        order.clone(),
        CredentialState::OrderBasis { valid_until: date!(2026 - 08 - 29), code_expires: TODAY },
    );
    let reserve_cmd =
        Issue { not_after: date!(2026 - 08 - 29), receipt_ref: Some("kv-77".into()), ..issue_cmd() };

    type Row<'a> = (&'a str, Credential, CardFacts, Vec<Credential>, Issue, Want<CredentialEvent>);
    let rows: Vec<Row> = vec![
        (
            "first credential",
            order.clone(),
            card(1),
            vec![beside.clone()],
            issue_cmd(),
            Want::Events(vec![issued_ev(1, pair("c1", "d1"), date!(2030 - 12 - 31))]),
        ),
        (
            "existing credential revoked first, as superseded (R-CRED-3)",
            order.clone(),
            card(1),
            vec![old.clone(), beside.clone()],
            issue_cmd(),
            Want::Events(vec![
                revoked_ev(2, ReasonCode::Superseded, TODAY),
                issued_ev(1, pair("c1", "d1"), date!(2030 - 12 - 31)),
            ]),
        ),
        (
            "already revoked by the server before the CA call: not again",
            order.clone(),
            card(1),
            vec![old_revoked],
            issue_cmd(),
            Want::Events(vec![issued_ev(1, pair("c1", "d1"), date!(2030 - 12 - 31))]),
        ),
        (
            "reserve card: the holder signs the receipt",
            reserve_order.clone(),
            reserve_card(1),
            vec![],
            reserve_cmd.clone(),
            Want::Events(vec![
                issued_ev(1, pair("c1", "d1"), date!(2026 - 08 - 29)),
                CredentialEvent::ReceiptSigned {
                    credential: cred_id(1),
                    card: card_id(1),
                    receipt_ref: "kv-77".into(),
                    on: TODAY,
                },
            ]),
        ),
        (
            "reserve card without receipt",
            reserve_order,
            reserve_card(1),
            vec![],
            Issue { receipt_ref: Some("  ".into()), ..reserve_cmd },
            Want::Refused("R-CRED-4", Some("receipt_ref")),
        ),
        ("already issued", old.clone(), card(1), vec![], issue_cmd(), Want::Refused(STATE, None)),
        (
            "someone else downloads",
            order.clone(),
            card(1),
            vec![],
            Issue { by: PersonId(uuid(1999)), ..issue_cmd() },
            Want::Refused("R-CRED-4", Some("by")),
        ),
        (
            "download code expired",
            with_state(
                order.clone(),
                CredentialState::OrderBasis {
                    valid_until: date!(2030 - 12 - 31),
                    code_expires: date!(2026 - 03 - 01),
                },
            ),
            card(1),
            vec![],
            issue_cmd(),
            Want::Refused("R-CRED-4", Some("code_expires")),
        ),
        (
            "certificates outlive the order",
            with_state(
                order.clone(),
                CredentialState::OrderBasis { valid_until: date!(2029 - 12 - 31), code_expires: TODAY },
            ),
            card(1),
            vec![],
            issue_cmd(),
            Want::Refused("R-CRED-2", Some("not_after")),
        ),
        (
            "certificates outlive the card",
            order.clone(),
            CardFacts { valid_until: date!(2030 - 06 - 30), ..card(1) },
            vec![],
            issue_cmd(),
            Want::Refused("R-CRED-2", Some("not_after")),
        ),
        (
            "one certificate for a card credential",
            order.clone(),
            card(1),
            vec![],
            Issue { certificates: Certificates::Single { serial: serial("c1") }, ..issue_cmd() },
            Want::Refused("R-CRED-1", Some("certificates")),
        ),
        (
            "same serial twice",
            order.clone(),
            card(1),
            vec![],
            Issue { certificates: pair("c1", "C1"), ..issue_cmd() },
            Want::Refused("R-CRED-1", Some("certificates")),
        ),
        (
            "another card",
            order.clone(),
            card(2),
            vec![],
            issue_cmd(),
            Want::Refused("R-CRED-1", Some("card")),
        ),
        (
            "card deregistered meanwhile",
            order,
            CardFacts { active: false, ..card(1) },
            vec![],
            issue_cmd(),
            Want::Refused("R-CRED-4", Some("card")),
        ),
    ];
    for (row, order, card, existing, cmd, want) in rows {
        check(row, issue(&order, &card, &existing, cmd, TODAY), want);
    }
}

#[test]
fn function_certificates() {
    // R-CRED-7: a separate type, one certificate, no card.
    let t = tree();
    let policy = Policy::default();
    let responsible = person(1, None);
    let cmd = OrderFunction {
        id: cred_id(9),
        org: t.municipality,
        valid_until: None,
        download_code_ref: "fn-9".into(),
        code_expires: date!(2026 - 03 - 16),
    };
    let want_created = CredentialEvent::OrderBasisCreated {
        credential: cred_id(9),
        person: responsible.id,
        card: None,
        kind: CredentialKind::Function,
        basis: IdBasis::HsaId,
        valid_until: date!(2031 - 03 - 02),
        code_expires: date!(2026 - 03 - 16),
        download_code_ref: "fn-9".into(),
    };
    check(
        "order",
        order_function(&t.tree, &responsible, cmd.clone(), &policy, TODAY),
        Want::Events(vec![want_created]),
    );
    let unsecured = Person { name_checked: None, ..person(1, None) };
    check(
        "responsible not secured",
        order_function(&t.tree, &unsecured, cmd, &policy, TODAY),
        Want::Refused("R-PER-2", None),
    );

    let order = Credential {
        id: cred_id(9),
        person: responsible.id,
        card: None,
        kind: CredentialKind::Function,
        basis: IdBasis::HsaId,
        state: CredentialState::OrderBasis {
            valid_until: date!(2031 - 03 - 02),
            code_expires: date!(2026 - 03 - 16),
        },
    };
    let single = Issue {
        by: responsible.id,
        certificates: Certificates::Single { serial: serial("f9") },
        not_after: date!(2031 - 03 - 02),
        receipt_ref: None,
    };
    check(
        "issue one certificate",
        issue_function(&order, single.clone(), TODAY),
        Want::Events(vec![CredentialEvent::Issued {
            credential: cred_id(9),
            person: responsible.id,
            card: None,
            certificates: Certificates::Single { serial: serial("f9") },
            not_after: date!(2031 - 03 - 02),
            on: TODAY,
        }]),
    );
    check(
        "a pair for a function",
        issue_function(&order, Issue { certificates: pair("f9", "f8"), ..single.clone() }, TODAY),
        Want::Refused("R-CRED-7", Some("certificates")),
    );
    let card_order = open_order(1, IdBasis::HsaId, date!(2026 - 03 - 16));
    check(
        "card order as function",
        issue_function(&card_order, Issue { by: person(1, None).id, ..single }, TODAY),
        Want::Refused("R-CRED-7", Some("kind")),
    );
    // A function credential never supersedes anything on a card.
    assert!(must_revoke_first(&order, &[issued(2, IdBasis::HsaId, date!(2027 - 01 - 01))]).is_empty());
}

#[test]
fn revoke_table() {
    // R-CRED-1: both certificates; R-REV-3: a reason.
    let rows: Vec<(&str, Credential, Want<CredentialEvent>)> = vec![
        (
            "issued: both serials",
            issued(1, IdBasis::HsaId, date!(2027 - 01 - 01)),
            Want::Events(vec![revoked_ev(1, ReasonCode::KeyCompromise, TODAY)]),
        ),
        (
            "order basis: void, no serials",
            open_order(1, IdBasis::HsaId, date!(2026 - 03 - 16)),
            Want::Events(vec![CredentialEvent::Revoked {
                credential: cred_id(1),
                card: Some(card_id(1)),
                serials: vec![],
                reason: ReasonCode::KeyCompromise,
                on: TODAY,
            }]),
        ),
        (
            "already revoked",
            with_state(
                issued(1, IdBasis::HsaId, TODAY),
                CredentialState::Revoked { reason: ReasonCode::Unspecified, on: TODAY, certificates: None },
            ),
            Want::Refused(STATE, None),
        ),
        (
            "expired",
            with_state(issued(1, IdBasis::HsaId, TODAY), CredentialState::Expired { on: TODAY }),
            Want::Refused(STATE, None),
        ),
    ];
    for (row, c, want) in rows {
        check(row, revoke(&c, ReasonCode::KeyCompromise, TODAY), want);
    }
}

#[test]
fn expiry_job_is_idempotent() {
    let past = issued(1, IdBasis::HsaId, date!(2026 - 03 - 01));
    let last_day = issued(2, IdBasis::HsaId, TODAY);
    let stale_order = open_order(3, IdBasis::HsaId, date!(2026 - 03 - 01));
    let fresh_order = open_order(4, IdBasis::HsaId, TODAY);
    let creds = vec![past, last_day, stale_order, fresh_order];
    let events = expire_due(&creds, TODAY);
    assert_eq!(
        events,
        vec![
            CredentialEvent::Expired { credential: cred_id(1), on: TODAY },
            CredentialEvent::Expired { credential: cred_id(3), on: TODAY }
        ]
    );
    // Applied: the second run finds nothing.
    let applied: Vec<Credential> = creds
        .into_iter()
        .map(|c| {
            if [cred_id(1), cred_id(3)].contains(&c.id) {
                with_state(c, CredentialState::Expired { on: TODAY })
            } else {
                c
            }
        })
        .collect();
    assert!(expire_due(&applied, TODAY).is_empty());
}

#[test]
fn expiring_lists_valid_credentials_in_the_period() {
    // R-CRED-6: the officers' list.
    let a = issued(1, IdBasis::HsaId, date!(2026 - 04 - 10));
    let b = issued(2, IdBasis::HsaId, date!(2026 - 03 - 20));
    let c = issued(3, IdBasis::HsaId, date!(2026 - 05 - 01));
    let revoked = with_state(
        issued(4, IdBasis::HsaId, date!(2026 - 03 - 25)),
        CredentialState::Revoked { reason: ReasonCode::Unspecified, on: TODAY, certificates: None },
    );
    let creds = vec![a, b, c, revoked];
    let ids: Vec<CredentialId> =
        expiring(&creds, date!(2026 - 03 - 20), date!(2026 - 04 - 30)).iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![cred_id(2), cred_id(1)]);
}

#[test]
fn renewal_notices_are_sent_once() {
    // R-CRED-6: 45 days before expiry, idempotent.
    let policy = Policy::default();
    let due = issued(1, IdBasis::HsaId, date!(2026 - 04 - 16)); // today + 45
    let too_early = issued(2, IdBasis::HsaId, date!(2026 - 04 - 17)); // today + 46
    let notified = with_state(
        issued(3, IdBasis::HsaId, date!(2026 - 03 - 20)),
        CredentialState::Issued {
            certificates: pair("a3", "b3"),
            not_after: date!(2026 - 03 - 20),
            renewal_notified: true,
        },
    );
    let gone = issued(4, IdBasis::HsaId, date!(2026 - 03 - 01));
    let today_last = issued(5, IdBasis::HsaId, TODAY);
    let creds = vec![due, too_early, notified, gone, today_last];
    let person1 = person(1, None).id;
    let want = vec![
        CredentialEvent::RenewalNoticeRequested {
            credential: cred_id(1),
            person: person1,
            not_after: date!(2026 - 04 - 16),
        },
        CredentialEvent::RenewalNoticeRequested { credential: cred_id(5), person: person1, not_after: TODAY },
    ];
    assert_eq!(renewal_notices(&creds, TODAY, &policy), want);
    // The store marks them notified; the job run again sends nothing.
    let applied: Vec<Credential> = creds
        .into_iter()
        .map(|mut c| {
            if let CredentialState::Issued { renewal_notified, .. } = &mut c.state {
                if [cred_id(1), cred_id(5)].contains(&c.id) {
                    *renewal_notified = true;
                }
            }
            c
        })
        .collect();
    assert!(renewal_notices(&applied, TODAY, &policy).is_empty());
    // The next day the one that was too early is due.
    assert_eq!(
        renewal_notices(&applied, date!(2026 - 03 - 03), &policy),
        vec![CredentialEvent::RenewalNoticeRequested {
            credential: cred_id(2),
            person: person1,
            not_after: date!(2026 - 04 - 17)
        }]
    );
    // Rules as data: 60 days.
    let sixty = Policy { renewal_notice_days: 60, ..Policy::default() };
    assert_eq!(renewal_notices(&applied, TODAY, &sixty).len(), 1);
}

#[test]
fn subject_content_follows_r_cred_5() {
    let p = person(1, None);
    let hsa = subject_content(&p, IdBasis::HsaId, date!(2030 - 12 - 31)).unwrap();
    assert_eq!(hsa.given_name, "Anna");
    assert_eq!(hsa.family_name, "Tolvansson");
    assert_eq!(hsa.hsa_id.as_deref(), Some(p.hsa_id.as_ref().unwrap().normalised()));
    assert_eq!(hsa.national_id, None);
    assert_eq!(hsa.licensed_title, None);
    assert_eq!(hsa.email.as_deref(), Some("anna.tolvansson@emmaboda.example"));
    assert_eq!(hsa.not_after, date!(2030 - 12 - 31));

    let nurse =
        Person {
            licensed_title: Some("Leg. sjuksköterska".into()), preferred_name: None, ..person(1, None)
        };
    let nat = subject_content(&nurse, IdBasis::NationalId, date!(2030 - 12 - 31)).unwrap();
    assert_eq!(nat.given_name, "Tolvan Anna");
    assert_eq!(nat.national_id.as_deref(), Some(nurse.national_id.normalised()));
    assert_eq!(nat.licensed_title.as_deref(), Some("Leg. sjuksköterska"));

    let no_hsa = Person { hsa_id: None, ..person(1, None) };
    let refused = subject_content(&no_hsa, IdBasis::HsaId, TODAY).unwrap_err();
    assert_eq!((refused.rule, refused.field), ("R-CRED-5", Some("hsa_id")));
    assert!(subject_content(&no_hsa, IdBasis::NationalId, TODAY).is_ok());
}

#[test]
fn name_mismatch_options() {
    // R-PER-4.
    let t = tree();
    let policy = Policy::default();
    let cred = issued(1, IdBasis::HsaId, date!(2027 - 01 - 01));
    assert_eq!(NameMismatch::check(&cred, "Anna  Tolvansson", "anna tolvansson"), None);
    let m = NameMismatch::check(&cred, "Anna Tolvansson", "Anna Svensson").unwrap();
    assert_eq!(m.credential(), cred_id(1));
    assert_eq!(
        m.options(),
        [
            NameMismatchOption::CorrectDirectory,
            NameMismatchOption::ReissueToSameCard,
            NameMismatchOption::ReplaceCard
        ]
    );
    let person1 = person(1, None);
    let resolved = |resolution| CredentialEvent::NameMismatchResolved {
        credential: cred_id(1),
        person: person1.id,
        resolution,
    };

    check(
        "correct the directory",
        m.correct_directory(&cred),
        Want::Events(vec![resolved(NameMismatchOption::CorrectDirectory)]),
    );

    let c1 = card(1);
    let existing = vec![cred.clone()];
    let ctx = CardContext {
        tree: &t.tree,
        person: &person1,
        card: &c1,
        existing: &existing,
        policy: &policy,
        today: TODAY,
    };
    check(
        "revoke and reissue to the same card",
        m.reissue_to_same_card(&cred, &ctx, order_cmd(2, IdBasis::HsaId)),
        Want::Events(vec![
            resolved(NameMismatchOption::ReissueToSameCard),
            revoked_ev(1, ReasonCode::Superseded, TODAY),
            created(2, IdBasis::HsaId, date!(2030 - 12 - 31)),
        ]),
    );
    let c2 = card(2);
    let ctx2 = CardContext { card: &c2, ..ctx };
    check(
        "reissue to another card",
        m.reissue_to_same_card(&cred, &ctx2, order_cmd(2, IdBasis::HsaId)),
        Want::Refused("R-PER-4", Some("card")),
    );
    check(
        "replace the card",
        m.replace_card(&cred),
        Want::Events(vec![
            resolved(NameMismatchOption::ReplaceCard),
            CredentialEvent::CardReplacementRequested {
                person: person1.id,
                card: card_id(1),
                credential: cred_id(1),
            },
        ]),
    );
    let other = issued(5, IdBasis::HsaId, date!(2027 - 01 - 01));
    check(
        "mismatch of another credential",
        m.correct_directory(&other),
        Want::Refused("R-PER-4", Some("credential")),
    );
    let revoked = with_state(
        cred,
        CredentialState::Revoked { reason: ReasonCode::Superseded, on: TODAY, certificates: None },
    );
    check("credential already revoked", m.replace_card(&revoked), Want::Refused(STATE, None));
}

#[test]
fn limbo_finds_valid_credentials_of_removed_people() {
    // R-PER-5.
    let kept = issued(1, IdBasis::HsaId, date!(2027 - 01 - 01));
    let removed =
        Credential { person: PersonId(uuid(1002)), ..issued(2, IdBasis::HsaId, date!(2027 - 01 - 01)) };
    let removed_expired =
        Credential { person: PersonId(uuid(1002)), ..issued(3, IdBasis::HsaId, date!(2026 - 01 - 01)) };
    let removed_revoked = Credential {
        person: PersonId(uuid(1002)),
        ..with_state(
            issued(4, IdBasis::HsaId, date!(2027 - 01 - 01)),
            CredentialState::Revoked { reason: ReasonCode::Unspecified, on: TODAY, certificates: None },
        )
    };
    let creds = vec![kept, removed, removed_expired, removed_revoked];
    let present = |p: PersonId| p == person(1, None).id;
    assert_eq!(limbo(&creds, present, TODAY), vec![cred_id(2)]);
    assert!(limbo(&creds, |_| true, TODAY).is_empty());
}

#[test]
fn serials_are_parsed() {
    assert_eq!(serial("0A:1b").as_str(), "0a1b");
    for bad in ["", "  ", "00", "xyz", &"a".repeat(41)] {
        let r = Serial::parse("serial", bad).unwrap_err();
        assert_eq!((r.rule, r.field), ("R-CRED-1", Some("serial")), "{bad:?}");
    }
    assert!(Serial::parse("serial", &"f".repeat(40)).is_ok());
}

#[test]
fn events_name_their_action_and_carry_no_names() {
    let rows: Vec<(CredentialEvent, &str)> = vec![
        (created(1, IdBasis::HsaId, TODAY), "credential.order_basis_created"),
        (issued_ev(1, pair("a", "b"), TODAY), "credential.issued"),
        (revoked_ev(1, ReasonCode::Superseded, TODAY), "credential.revoked"),
        (
            CredentialEvent::ReceiptSigned {
                credential: cred_id(1),
                card: card_id(1),
                receipt_ref: "r".into(),
                on: TODAY,
            },
            "credential.receipt_signed",
        ),
        (CredentialEvent::Expired { credential: cred_id(1), on: TODAY }, "credential.expired"),
        (
            CredentialEvent::RenewalNoticeRequested {
                credential: cred_id(1),
                person: person(1, None).id,
                not_after: TODAY,
            },
            "credential.renewal_notice_requested",
        ),
        (
            CredentialEvent::NameMismatchResolved {
                credential: cred_id(1),
                person: person(1, None).id,
                resolution: NameMismatchOption::ReplaceCard,
            },
            "credential.name_mismatch_resolved",
        ),
        (
            CredentialEvent::CardReplacementRequested {
                person: person(1, None).id,
                card: card_id(1),
                credential: cred_id(1),
            },
            "credential.card_replacement_requested",
        ),
    ];
    for (event, action) in rows {
        assert_eq!(event.action(), action);
        let payload = event.payload();
        assert_eq!(payload["event"], action.trim_start_matches("credential."), "{action}");
        let text = payload.to_string();
        assert!(!text.contains("Tolvan") && !text.contains("19121212"), "{text}");
    }
    let payload = revoked_ev(1, ReasonCode::Superseded, TODAY).payload();
    assert_eq!(payload["serials"], serde_json::json!(["a1", "b1"]));
    assert_eq!(payload["reason"], "superseded");
    assert_eq!(payload["on"], "2026-03-02");
}

#[test]
fn stored_state_round_trips_and_a_bad_serial_is_refused_on_reading() {
    use tillit_core::ra::credential::{Certificates, CredentialState, Serial};
    let state = CredentialState::Issued {
        certificates: Certificates::Pair {
            authentication: Serial::parse("a", "0A:1b").unwrap(),
            signing: Serial::parse("s", "7f").unwrap(),
        },
        not_after: time::macros::date!(2030 - 01 - 31),
        renewal_notified: false,
    };
    let json = serde_json::to_string(&state).unwrap();
    assert!(json.contains(r#""authentication":"0a1b""#), "{json}");
    assert_eq!(serde_json::from_str::<CredentialState>(&json).unwrap(), state);
    let bad = json.replace("0a1b", "00");
    assert!(serde_json::from_str::<CredentialState>(&bad).is_err());
}

/// The state is the replay of the events: an order basis created, issued, revoked (keeping
/// the certificates it had, for the CA check of R-REV-3), and events about other credentials
/// ignored.
#[test]
fn a_credential_is_the_replay_of_its_events() {
    let order = open_order(7, IdBasis::HsaId, date!(2030 - 01 - 01));
    let created = CredentialEvent::OrderBasisCreated {
        credential: order.id,
        person: order.person,
        card: order.card,
        kind: order.kind,
        basis: order.basis,
        valid_until: date!(2029 - 06 - 30),
        code_expires: date!(2030 - 01 - 01),
        download_code_ref: "sha256:00".into(),
    };
    let mut c = Credential::created(&created).unwrap();
    assert!(c.is_open_order_on(TODAY));
    c.apply(&issued_ev(99, pair("ff", "fe"), date!(2029 - 06 - 30)));
    assert!(c.is_open_order_on(TODAY), "an event about another credential changes nothing");
    c.apply(&CredentialEvent::Issued {
        credential: c.id,
        person: c.person,
        card: c.card,
        certificates: pair("a7", "b7"),
        not_after: date!(2029 - 06 - 30),
        on: TODAY,
    });
    assert_eq!(c.not_after(), Some(date!(2029 - 06 - 30)));
    c.apply(&CredentialEvent::Revoked {
        credential: c.id,
        card: c.card,
        serials: c.serials(),
        reason: ReasonCode::KeyCompromise,
        on: TODAY,
    });
    assert_eq!(
        c.state,
        CredentialState::Revoked {
            reason: ReasonCode::KeyCompromise,
            on: TODAY,
            certificates: Some(pair("a7", "b7"))
        }
    );
}
