//! Four-eyes approval (R-DK-8, R-RES-5): a step of a routine that a second officer must
//! approve before the routine goes on, as a policy option of the routine engine.
//!
//! # Lifecycle
//!
//! ```text
//! Approval::requested ─► Pending ─decide(Approve)─► Approved   (final)
//!                           └─────decide(Reject)──► Rejected   (final: the routine is rejected)
//! ```
//!
//! An [`ApprovalRule`] says who may approve: another officer than the one who asked
//! (always), holding the rule's role, and, when the rule says so and the person is protected,
//! the protected-identity right (KUR) too. Where the SPEC also puts a condition on the
//! officer who asks (R-RES-5: *both* officers hold KRA, and KUR for a protected person), the
//! rule carries a requester role and [`ApprovalRule::check_requester`] checks it.
//!
//! Which approvals an organisation requires is [`Approvals`] in its [`Policy`]
//! (`[approvals]` in `policy.toml`); the ones the SPEC requires cannot be switched off.
//!
//! [`Policy`]: crate::ra::policy::Policy

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ra::card::Officer;
use crate::ra::dk::Nsis;
use crate::ra::ids::PersonId;
use crate::ra::policy::Approvals;
use crate::ra::role::Role;
use crate::ra::rule::{ensure, Refusal};

/// Who may approve a step, and which SPEC rule a refusal cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalRule {
    /// The SPEC rule every refusal of this approval names (`R-DK-8`, `R-RES-5`).
    pub rule: &'static str,
    /// The role the approver must hold on the unit concerned.
    pub role: Role,
    /// The role the officer who asks must hold too, when the rule says so (R-RES-5: both
    /// officers hold KRA).
    pub requester_role: Option<Role>,
    /// Whether, for a person with protected identity, both officers must also hold KUR
    /// (R-RES-5; R-PER-3).
    pub also_kur_for_protected: bool,
}

impl ApprovalRule {
    /// A Danish registration at NSIS high (R-DK-8: "high needs in-person attendance and a
    /// second officer's approval"); also used for substantial when the policy asks for it.
    /// The approver holds the DK RA administrator role, the only one with the
    /// `dk_approve` permission. Protected persons are gated by the protected-identity
    /// permission at the HTTP edge (R-PER-3), so no KUR condition is added here.
    pub const DK_REGISTRATION: ApprovalRule = ApprovalRule {
        rule: "R-DK-8",
        role: Role::DkRaAdmin,
        requester_role: None,
        also_kur_for_protected: false,
    };

    /// A Swedish reserve card at trust level 3 (R-RES-5): issued by two different trained
    /// officers who both hold KRA, and both KUR when the person has a protected identity.
    pub const SE_RESERVE_LEVEL3: ApprovalRule = ApprovalRule {
        rule: "R-RES-5",
        role: Role::Kra,
        requester_role: Some(Role::Kra),
        also_kur_for_protected: true,
    };

    /// The approval a Danish registration at `level` needs under `approvals`, if any
    /// (R-DK-8: always for high; for substantial when the organisation asks for it).
    pub fn for_dk(approvals: &Approvals, level: Nsis) -> Option<ApprovalRule> {
        let needed = match level {
            Nsis::High => approvals.dk_high,
            Nsis::Substantial => approvals.dk_substantial,
            Nsis::Low => false,
        };
        needed.then_some(ApprovalRule::DK_REGISTRATION)
    }

    /// Checks the officer who asks for the approval: the rule's requester role, and KUR for
    /// a protected person when the rule says so.
    pub fn check_requester(&self, requester: &OfficerRoles, protected: bool) -> Result<(), Refusal> {
        if let Some(role) = self.requester_role {
            ensure(requester.holds(role), || {
                Refusal::field(
                    self.rule,
                    "requested_by",
                    format!("the officer who asks must hold the {} role", role.as_str()),
                )
            })?;
        }
        ensure(!(protected && self.also_kur_for_protected) || requester.holds(Role::Kur), || {
            Refusal::field(
                self.rule,
                "requested_by",
                "for a protected person the officer who asks must also hold KUR (R-PER-3)",
            )
        })
    }

    /// Checks the approver of a step that `requested_by` asked for: another officer
    /// (four eyes), holding the rule's role, and KUR for a protected person when the rule says
    /// so.
    pub fn check_approver(
        &self,
        requested_by: PersonId,
        approver: &OfficerRoles,
        protected: bool,
    ) -> Result<(), Refusal> {
        ensure(approver.id != requested_by, || {
            Refusal::field(
                self.rule,
                "approver",
                "four eyes: the approver must be another officer than the one who asked",
            )
        })?;
        ensure(approver.holds(self.role), || {
            Refusal::field(
                self.rule,
                "approver",
                format!("the approver must hold the {} role", self.role.as_str()),
            )
        })?;
        ensure(!(protected && self.also_kur_for_protected) || approver.holds(Role::Kur), || {
            Refusal::field(
                self.rule,
                "approver",
                "for a protected person the approver must also hold KUR (R-PER-3)",
            )
        })
    }
}

/// An officer with the roles they hold on the unit concerned (the caller reads them from the
/// officer's grants: `Principal::holds`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerRoles {
    /// The officer.
    pub id: PersonId,
    /// The roles they hold on the unit.
    pub roles: Vec<Role>,
}

impl OfficerRoles {
    /// Whether the officer holds `role`.
    pub fn holds(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl From<&Officer> for OfficerRoles {
    /// A card officer's facts as roles: KRA and KUR.
    fn from(officer: &Officer) -> Self {
        let roles = [(officer.kra, Role::Kra), (officer.kur, Role::Kur)]
            .into_iter()
            .filter_map(|(held, role)| held.then_some(role))
            .collect();
        OfficerRoles { id: officer.id, roles }
    }
}

/// Why an approver rejected (a code, never free text: the audit log holds no names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The documents do not support the requested level.
    DocumentsInsufficient,
    /// The approver doubts the identity.
    IdentityInDoubt,
    /// The routine was not followed (for example, not in person).
    ProcedureNotFollowed,
    /// Another reason, given to the officers outside the record.
    Other,
}

/// The approver's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Approve the step.
    Approve,
    /// Reject it, for this reason: the routine is rejected.
    Reject(RejectReason),
}

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Waiting for the second officer.
    Pending,
    /// Approved (final).
    Approved {
        /// The approver.
        by: PersonId,
        /// When.
        at: OffsetDateTime,
    },
    /// Rejected (final).
    Rejected {
        /// The approver.
        by: PersonId,
        /// When.
        at: OffsetDateTime,
        /// Why.
        reason: RejectReason,
    },
}

/// A four-eyes approval of one step of a routine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The officer who asked (the one who did the step).
    pub requested_by: PersonId,
    /// When.
    pub requested_at: OffsetDateTime,
    /// The decision.
    pub decision: Decision,
}

impl Approval {
    /// A pending approval asked for by `by` at `at`.
    pub fn requested(by: PersonId, at: OffsetDateTime) -> Approval {
        Approval { requested_by: by, requested_at: at, decision: Decision::Pending }
    }

    /// Whether it is approved.
    pub fn is_approved(&self) -> bool {
        matches!(self.decision, Decision::Approved { .. })
    }

    /// Whether it is decided (approved or rejected: either is final).
    pub fn is_decided(&self) -> bool {
        self.decision != Decision::Pending
    }
}

/// Decides a pending approval (R-DK-8, R-RES-5 as `rule` says): the approver must be another
/// officer than the one who asked, hold the rule's role, and KUR too for a `protected`
/// person when the rule says so. One rejection rejects; a decided approval is final. Returns
/// the decided approval.
pub fn decide(
    approval: &Approval,
    rule: &ApprovalRule,
    approver: &OfficerRoles,
    protected: bool,
    verdict: Verdict,
    at: OffsetDateTime,
) -> Result<Approval, Refusal> {
    ensure(!approval.is_decided(), || Refusal::state("the approval", approval.decision, "decide"))?;
    rule.check_approver(approval.requested_by, approver, protected)?;
    ensure(at >= approval.requested_at, || {
        Refusal::field(rule.rule, "at", "the decision cannot come before the request")
    })?;
    let decision = match verdict {
        Verdict::Approve => Decision::Approved { by: approver.id, at },
        Verdict::Reject(reason) => Decision::Rejected { by: approver.id, at, reason },
    };
    Ok(Approval { decision, ..approval.clone() })
}
