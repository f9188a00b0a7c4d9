//! Four-eyes approval (R-DK-8, R-RES-5) as tables of (approval, approver) → decision |
//! refusal. The reserve-card tables (reserve.rs) cover `check_officers`, which is built on it.

use tillit_core::ra::approval::{
    decide, Approval, ApprovalRule, Decision, OfficerRoles, RejectReason, Verdict,
};
use tillit_core::ra::card::Officer;
use tillit_core::ra::dk::Nsis;
use tillit_core::ra::policy::Approvals;
use tillit_core::ra::role::Role;
use tillit_core::ra::{PersonId, Refusal};
use time::macros::datetime;
use time::OffsetDateTime;

use super::support::uuid;

const ASKED: OffsetDateTime = datetime!(2026-03-02 10:00 UTC);
const LATER: OffsetDateTime = datetime!(2026-03-02 10:05 UTC);

fn officer(n: u128, roles: &[Role]) -> OfficerRoles {
    OfficerRoles { id: PersonId(uuid(600 + n)), roles: roles.to_vec() }
}

fn pending() -> Approval {
    Approval::requested(PersonId(uuid(601)), ASKED)
}

type Outcome = Result<Decision, (&'static str, Option<&'static str>)>;

fn outcome(r: Result<Approval, Refusal>) -> Outcome {
    r.map(|a| a.decision).map_err(|r| {
        assert!(!r.reason.is_empty());
        (r.rule, r.field)
    })
}

#[test]
fn decisions() {
    let dk = ApprovalRule::DK_REGISTRATION;
    let se = ApprovalRule::SE_RESERVE_LEVEL3;
    let admin = officer(2, &[Role::DkRaAdmin]);
    let employee = officer(3, &[Role::DkRaEmployee]);
    let myself = officer(1, &[Role::DkRaAdmin]);
    let kra = officer(4, &[Role::Kra]);
    let kra_kur = officer(5, &[Role::Kra, Role::Kur]);
    let approved_by = |o: &OfficerRoles| Decision::Approved { by: o.id, at: LATER };
    let decided = Approval { decision: approved_by(&admin), ..pending() };
    let rows: Vec<(&str, Outcome, Outcome)> = vec![
        (
            "DK: another officer holding the DK RA administrator role",
            outcome(decide(&pending(), &dk, &admin, false, Verdict::Approve, LATER)),
            Ok(approved_by(&admin)),
        ),
        (
            "DK: the same officer approves their own check",
            outcome(decide(&pending(), &dk, &myself, false, Verdict::Approve, LATER)),
            Err(("R-DK-8", Some("approver"))),
        ),
        (
            "DK: an RA employee may not approve",
            outcome(decide(&pending(), &dk, &employee, false, Verdict::Approve, LATER)),
            Err(("R-DK-8", Some("approver"))),
        ),
        (
            "DK: a rejection rejects",
            outcome(decide(
                &pending(),
                &dk,
                &admin,
                false,
                Verdict::Reject(RejectReason::IdentityInDoubt),
                LATER,
            )),
            Ok(Decision::Rejected { by: admin.id, at: LATER, reason: RejectReason::IdentityInDoubt }),
        ),
        (
            "DK: a protected person needs no KUR in the DK rule (R-PER-3 is the HTTP edge's)",
            outcome(decide(&pending(), &dk, &admin, true, Verdict::Approve, LATER)),
            Ok(approved_by(&admin)),
        ),
        (
            "a decided approval is final",
            outcome(decide(&decided, &dk, &officer(6, &[Role::DkRaAdmin]), false, Verdict::Approve, LATER)),
            Err(("R-STATE", None)),
        ),
        (
            "a decision before the request",
            outcome(decide(
                &pending(),
                &dk,
                &admin,
                false,
                Verdict::Approve,
                datetime!(2026-03-02 09:00 UTC),
            )),
            Err(("R-DK-8", Some("at"))),
        ),
        (
            "SE level 3: another KRA officer",
            outcome(decide(&pending(), &se, &kra, false, Verdict::Approve, LATER)),
            Ok(approved_by(&kra)),
        ),
        (
            "SE level 3: not KRA",
            outcome(decide(&pending(), &se, &admin, false, Verdict::Approve, LATER)),
            Err(("R-RES-5", Some("approver"))),
        ),
        (
            "SE level 3, protected person: KRA without KUR",
            outcome(decide(&pending(), &se, &kra, true, Verdict::Approve, LATER)),
            Err(("R-RES-5", Some("approver"))),
        ),
        (
            "SE level 3, protected person: KRA and KUR",
            outcome(decide(&pending(), &se, &kra_kur, true, Verdict::Approve, LATER)),
            Ok(approved_by(&kra_kur)),
        ),
    ];
    for (name, got, want) in rows {
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn one_rejection_is_final() {
    let dk = ApprovalRule::DK_REGISTRATION;
    let rejected = decide(
        &pending(),
        &dk,
        &officer(2, &[Role::DkRaAdmin]),
        false,
        Verdict::Reject(RejectReason::ProcedureNotFollowed),
        LATER,
    )
    .unwrap();
    assert!(rejected.is_decided() && !rejected.is_approved());
    let again = decide(&rejected, &dk, &officer(3, &[Role::DkRaAdmin]), false, Verdict::Approve, LATER);
    assert_eq!(again.unwrap_err().rule, "R-STATE");
}

#[test]
fn requesters() {
    let se = ApprovalRule::SE_RESERVE_LEVEL3;
    let dk = ApprovalRule::DK_REGISTRATION;
    let field = |r: Result<(), Refusal>| r.map_err(|r| (r.rule, r.field));
    assert_eq!(field(se.check_requester(&officer(1, &[Role::Kra]), false)), Ok(()));
    assert_eq!(
        field(se.check_requester(&officer(1, &[Role::Lra]), false)),
        Err(("R-RES-5", Some("requested_by")))
    );
    assert_eq!(
        field(se.check_requester(&officer(1, &[Role::Kra]), true)),
        Err(("R-RES-5", Some("requested_by")))
    );
    assert_eq!(field(se.check_requester(&officer(1, &[Role::Kra, Role::Kur]), true)), Ok(()));
    assert_eq!(field(dk.check_requester(&officer(1, &[Role::DkRaEmployee]), true)), Ok(()));
}

#[test]
fn which_dk_registrations_need_approval() {
    let default = Approvals::default();
    assert_eq!(default, Approvals { dk_high: true, dk_substantial: false, se_reserve_level3: true });
    assert_eq!(ApprovalRule::for_dk(&default, Nsis::High), Some(ApprovalRule::DK_REGISTRATION));
    assert_eq!(ApprovalRule::for_dk(&default, Nsis::Substantial), None);
    assert_eq!(ApprovalRule::for_dk(&default, Nsis::Low), None);
    let substantial_too = Approvals { dk_substantial: true, ..default };
    assert_eq!(
        ApprovalRule::for_dk(&substantial_too, Nsis::Substantial),
        Some(ApprovalRule::DK_REGISTRATION)
    );
    assert_eq!(ApprovalRule::for_dk(&substantial_too, Nsis::Low), None);
}

#[test]
fn card_officers_as_roles() {
    let o = Officer { id: PersonId(uuid(1)), kra: true, kur: true };
    assert_eq!(OfficerRoles::from(&o).roles, vec![Role::Kra, Role::Kur]);
    let o = Officer { id: PersonId(uuid(1)), kra: false, kur: false };
    assert!(OfficerRoles::from(&o).roles.is_empty());
}
