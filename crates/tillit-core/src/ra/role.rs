//! Roles and rights (R-ORG-2..4): which role may do what, granted on which subtree, and the
//! routine that grants and removes roles.
//!
//! Authorisation is one function, [`Principal::authorise`]: a permission on a target node is
//! allowed when one of the principal's grants carries the permission and the target lies in
//! the grant's subtree (R-ORG-1). The HTTP layer calls it for every request, read and write.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ra::ids::{GrantId, OrgId, PersonId};
use crate::ra::org::OrgTree;
use crate::ra::rule::{ensure, Refusal};
use crate::routine_events;

/// A role (R-ORG-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Registration authority administrator: grants roles, administers the organisation.
    Ra,
    /// Card officer (CRA/KRA): orders SIS cards, hands them out, orders credentials.
    Kra,
    /// Local officer (LRA): reserve cards.
    Lra,
    /// Unit RA with access to the card safe (ORA).
    Ora,
    /// Protected identities (KUR): may see and administer persons with protected identity.
    Kur,
    /// HSA administrator: the directory (persons, HSA-ids).
    HsaAdmin,
    /// Manager (verksamhetsansvarig): may request revocation for the own unit.
    Manager,
    /// Security officer: approves signature specimens, receives misuse reports.
    SecurityOfficer,
    /// Card holder: self-service on the own card and credentials.
    CardHolder,
    /// Auditor: reads the audit log and reports.
    Auditor,
    /// DK RA administrator (R-ORG-3: from a signed, approved agreement).
    DkRaAdmin,
    /// DK RA employee.
    DkRaEmployee,
}

/// Every role, in display order.
pub const ROLES: [Role; 12] = [
    Role::Ra,
    Role::Kra,
    Role::Lra,
    Role::Ora,
    Role::Kur,
    Role::HsaAdmin,
    Role::Manager,
    Role::SecurityOfficer,
    Role::CardHolder,
    Role::Auditor,
    Role::DkRaAdmin,
    Role::DkRaEmployee,
];

/// What a request wants to do; each endpoint names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// List, search and read persons and their cards.
    ReadPeople,
    /// Register and change persons; import the HR register.
    ManagePeople,
    /// See and administer persons with protected identity (R-PER-3).
    ProtectedIdentity,
    /// Grant and remove roles (R-ORG-2).
    GrantRoles,
    /// Create, rename and move organisations and units.
    ManageOrganisation,
    /// Create order bases and orders for SIS, OSIS and company cards; send batches.
    OrderCards,
    /// Record deliveries, hand out, deregister and destroy cards (the card safe).
    HandleCards,
    /// Order reserve-card bundles and hand out reserve cards (R-RES).
    ReserveCards,
    /// Order credentials (R-CRED-4) and function certificates (R-CRED-7).
    OrderCredentials,
    /// Revoke credentials and deregister cards as the RA (R-REV-1).
    Revoke,
    /// Request revocation for a person in the own unit (R-REV-1: the manager).
    RequestRevocation,
    /// Order PUK codes (R-CARD-9).
    OrderPuk,
    /// Read reports (R-CARD-8, R-CRED-6, R-PER-4, R-PER-5).
    Reports,
    /// Read the audit log.
    ReadAudit,
    /// Approve signature specimens (R-ORG-3) and receive misuse reports (R-REV-5).
    Security,
    /// Self-service on the own card and credentials (R-CRED-4).
    SelfService,
    /// The Danish desk (R-DK-1..7): issue an eID in person, hand out and enrol
    /// authenticators, hand out passcode pickups, extra key cards, new temporary passcodes,
    /// revocation assistance, unlocking an account at the desk.
    DkRegistration,
    /// The Danish RA's stock (R-RES-4): order and receive boxes, mark opened or damaged
    /// envelopes.
    DkStock,
    /// Approve a Danish registration at NSIS high as the second officer (R-DK-8).
    DkApprove,
}

/// Every permission.
pub const PERMISSIONS: [Permission; 19] = [
    Permission::ReadPeople,
    Permission::ManagePeople,
    Permission::ProtectedIdentity,
    Permission::GrantRoles,
    Permission::ManageOrganisation,
    Permission::OrderCards,
    Permission::HandleCards,
    Permission::ReserveCards,
    Permission::OrderCredentials,
    Permission::Revoke,
    Permission::RequestRevocation,
    Permission::OrderPuk,
    Permission::Reports,
    Permission::ReadAudit,
    Permission::Security,
    Permission::SelfService,
    Permission::DkRegistration,
    Permission::DkStock,
    Permission::DkApprove,
];

impl Role {
    /// The text form, as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ra => "ra",
            Role::Kra => "kra",
            Role::Lra => "lra",
            Role::Ora => "ora",
            Role::Kur => "kur",
            Role::HsaAdmin => "hsa_admin",
            Role::Manager => "manager",
            Role::SecurityOfficer => "security_officer",
            Role::CardHolder => "card_holder",
            Role::Auditor => "auditor",
            Role::DkRaAdmin => "dk_ra_admin",
            Role::DkRaEmployee => "dk_ra_employee",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<Role> {
        ROLES.into_iter().find(|r| r.as_str() == text)
    }

    /// What the role may do (R-ORG-2).
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Ra => {
                &[ReadPeople, ManagePeople, GrantRoles, ManageOrganisation, Revoke, Reports, ReadAudit]
            }
            Role::Kra => &[
                ReadPeople,
                ManagePeople,
                OrderCards,
                HandleCards,
                ReserveCards,
                OrderCredentials,
                Revoke,
                OrderPuk,
                Reports,
            ],
            Role::Lra => &[ReadPeople, ManagePeople, ReserveCards, OrderCredentials, Revoke, OrderPuk],
            Role::Ora => &[ReadPeople, HandleCards, Revoke, OrderPuk],
            Role::Kur => &[ReadPeople, ProtectedIdentity],
            Role::HsaAdmin => &[ReadPeople, ManagePeople],
            Role::Manager => &[ReadPeople, RequestRevocation],
            Role::SecurityOfficer => &[ReadPeople, Security, ReadAudit, Reports],
            Role::CardHolder => &[SelfService],
            Role::Auditor => &[ReadAudit, Reports],
            Role::DkRaAdmin => &[
                ReadPeople,
                ManagePeople,
                GrantRoles,
                OrderCredentials,
                Revoke,
                Reports,
                ReadAudit,
                DkRegistration,
                DkStock,
                DkApprove,
            ],
            Role::DkRaEmployee => {
                &[ReadPeople, ManagePeople, OrderCredentials, Revoke, DkRegistration, DkStock]
            }
        }
    }

    /// Whether granting or removing the role needs training and an approved signature
    /// specimen (R-ORG-3).
    pub fn needs_specimen(self) -> bool {
        self == Role::Kra
    }
}

impl Permission {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadPeople => "read_people",
            Permission::ManagePeople => "manage_people",
            Permission::ProtectedIdentity => "protected_identity",
            Permission::GrantRoles => "grant_roles",
            Permission::ManageOrganisation => "manage_organisation",
            Permission::OrderCards => "order_cards",
            Permission::HandleCards => "handle_cards",
            Permission::ReserveCards => "reserve_cards",
            Permission::OrderCredentials => "order_credentials",
            Permission::Revoke => "revoke",
            Permission::RequestRevocation => "request_revocation",
            Permission::OrderPuk => "order_puk",
            Permission::Reports => "reports",
            Permission::ReadAudit => "read_audit",
            Permission::Security => "security",
            Permission::SelfService => "self_service",
            Permission::DkRegistration => "dk_registration",
            Permission::DkStock => "dk_stock",
            Permission::DkApprove => "dk_approve",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Option<Permission> {
        PERMISSIONS.into_iter().find(|p| p.as_str() == text)
    }
}

/// A role held by a person on a subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Its id.
    pub id: GrantId,
    /// Who holds it.
    pub person: PersonId,
    /// The role.
    pub role: Role,
    /// The root of the subtree it applies to.
    pub scope: OrgId,
}

/// Who is asking: a person and the grants they hold now (R-ORG-4: a change takes effect at
/// once because grants are read for every request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The person.
    pub person: PersonId,
    /// Their grants.
    pub grants: Vec<Grant>,
}

impl Principal {
    /// Whether the principal may use `permission` on `target` (R-ORG-1).
    pub fn can(&self, tree: &OrgTree, permission: Permission, target: OrgId) -> bool {
        self.grants.iter().any(|g| g.role.permissions().contains(&permission) && tree.within(target, g.scope))
    }

    /// Allows `permission` on `target`, or refuses naming the permission (R-ORG-1).
    pub fn authorise(&self, tree: &OrgTree, permission: Permission, target: OrgId) -> Result<(), Refusal> {
        ensure(self.can(tree, permission, target), || {
            Refusal::new("R-ORG-1", format!("no role grants {} on this organisation", permission.as_str()))
        })
    }

    /// Whether the principal holds `permission` anywhere (for requests that are not about
    /// one node, such as listing what the principal may see).
    pub fn has_anywhere(&self, permission: Permission) -> bool {
        self.grants.iter().any(|g| g.role.permissions().contains(&permission))
    }

    /// The roots of the subtrees on which the principal holds `permission`.
    pub fn scopes(&self, permission: Permission) -> Vec<OrgId> {
        let mut scopes: Vec<OrgId> = self
            .grants
            .iter()
            .filter(|g| g.role.permissions().contains(&permission))
            .map(|g| g.scope)
            .collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// Whether the principal holds `role` on a subtree containing `target`.
    pub fn holds(&self, tree: &OrgTree, role: Role, target: OrgId) -> bool {
        self.grants.iter().any(|g| g.role == role && tree.within(target, g.scope))
    }
}

/// The training record a CRA/KRA grant needs (R-ORG-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Training {
    /// The course.
    pub course: String,
    /// When it was completed.
    pub completed: Date,
}

/// The signature specimen a CRA/KRA grant or removal needs (R-ORG-3, 000 §5.2, §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specimen {
    /// The document's reference (archive number of the signed specimen).
    pub reference: String,
    /// The authorised signatory who signed it (name and title as on the document).
    pub signed_by: String,
    /// The security officer who approved it.
    pub approved_by: PersonId,
    /// When it was approved.
    pub approved_on: Date,
}

/// Grant a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRole {
    /// The new grant's id.
    pub id: GrantId,
    /// To whom.
    pub person: PersonId,
    /// Which role.
    pub role: Role,
    /// On which subtree.
    pub scope: OrgId,
    /// Training (required for CRA/KRA).
    pub training: Option<Training>,
    /// Signature specimen (required for CRA/KRA).
    pub specimen: Option<Specimen>,
}

/// Remove a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveRole {
    /// The grant to remove.
    pub grant: GrantId,
    /// Why.
    pub reason: String,
    /// Signature specimen of the removal (required for CRA/KRA, R-ORG-3).
    pub specimen: Option<Specimen>,
}

/// What the role routine decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RoleEvent {
    /// A role was granted.
    Granted {
        /// The grant.
        grant: GrantId,
        /// The holder.
        person: PersonId,
        /// The role.
        role: Role,
        /// The subtree.
        scope: OrgId,
        /// The training record, for CRA/KRA.
        training: Option<Training>,
        /// The specimen, for CRA/KRA.
        specimen: Option<Specimen>,
    },
    /// A role was removed.
    Removed {
        /// The grant.
        grant: GrantId,
        /// The holder.
        person: PersonId,
        /// The role.
        role: Role,
        /// The subtree.
        scope: OrgId,
        /// Why.
        reason: String,
        /// The specimen of the removal, for CRA/KRA.
        specimen: Option<Specimen>,
    },
    /// A reorganisation moved a node; grants in the moved subtree must be reviewed (R-ORG-4).
    ReviewRequired {
        /// The grant to review.
        grant: GrantId,
        /// The moved node.
        moved: OrgId,
    },
}

routine_events!(RoleEvent {
    Granted => "role.granted",
    Removed => "role.removed",
    ReviewRequired => "role.review_required",
});

fn check_specimen(
    tree: &OrgTree,
    specimen: Option<&Specimen>,
    approver: Option<&Principal>,
    scope: OrgId,
    today: Date,
) -> Result<(), Refusal> {
    let specimen = specimen.ok_or_else(|| {
        Refusal::field(
            "R-ORG-3",
            "specimen",
            "a signature specimen approved by the security officer is required",
        )
    })?;
    ensure(!specimen.reference.trim().is_empty(), || {
        Refusal::field("R-ORG-3", "specimen.reference", "the specimen's reference is empty")
    })?;
    ensure(!specimen.signed_by.trim().is_empty(), || {
        Refusal::field(
            "R-ORG-3",
            "specimen.signed_by",
            "the authorised signatory who signed the specimen is missing",
        )
    })?;
    ensure(specimen.approved_on <= today, || {
        Refusal::field("R-ORG-3", "specimen.approved_on", "the approval date is in the future")
    })?;
    let approver_ok = approver
        .is_some_and(|a| a.person == specimen.approved_by && a.holds(tree, Role::SecurityOfficer, scope));
    ensure(approver_ok, || {
        Refusal::field(
            "R-ORG-3",
            "specimen.approved_by",
            "the approver does not hold the security officer role for this organisation",
        )
    })
}

/// Grants a role (R-ORG-2, R-ORG-3). `existing` are the grantee's current grants;
/// `approver` is the specimen's approver with their grants, when a specimen is given.
pub fn grant(
    tree: &OrgTree,
    existing: &[Grant],
    approver: Option<&Principal>,
    cmd: GrantRole,
    today: Date,
) -> Result<Vec<RoleEvent>, Refusal> {
    ensure(tree.get(cmd.scope).is_some(), || {
        Refusal::field("R-ORG-1", "scope", format!("no organisation {}", cmd.scope))
    })?;
    ensure(!existing.iter().any(|g| g.role == cmd.role && tree.within(cmd.scope, g.scope)), || {
        Refusal::field(
            "R-ORG-2",
            "role",
            format!("the person already holds {} on this subtree", cmd.role.as_str()),
        )
    })?;
    if cmd.role.needs_specimen() {
        let training = cmd.training.as_ref().ok_or_else(|| {
            Refusal::field("R-ORG-3", "training", "granting CRA/KRA requires a recorded training")
        })?;
        ensure(!training.course.trim().is_empty(), || {
            Refusal::field("R-ORG-3", "training.course", "the course is empty")
        })?;
        ensure(training.completed <= today, || {
            Refusal::field("R-ORG-3", "training.completed", "the training is not completed yet")
        })?;
        check_specimen(tree, cmd.specimen.as_ref(), approver, cmd.scope, today)?;
        // R-ORG-3: the security officer approves someone else's specimen, never their own.
        ensure(cmd.specimen.as_ref().is_none_or(|s| s.approved_by != cmd.person), || {
            Refusal::field("R-ORG-3", "specimen.approved_by", "nobody approves their own signature specimen")
        })?;
    }
    Ok(vec![RoleEvent::Granted {
        grant: cmd.id,
        person: cmd.person,
        role: cmd.role,
        scope: cmd.scope,
        training: cmd.training,
        specimen: cmd.specimen,
    }])
}

/// Removes a role (R-ORG-3 for CRA/KRA: recorded with a specimen the same way).
pub fn remove(
    tree: &OrgTree,
    current: &Grant,
    approver: Option<&Principal>,
    cmd: RemoveRole,
    today: Date,
) -> Result<Vec<RoleEvent>, Refusal> {
    ensure(current.id == cmd.grant, || Refusal::field("R-ORG-2", "grant", "no such grant"))?;
    ensure(!cmd.reason.trim().is_empty(), || Refusal::field("R-ORG-4", "reason", "a reason is required"))?;
    if current.role.needs_specimen() {
        check_specimen(tree, cmd.specimen.as_ref(), approver, current.scope, today)?;
    }
    Ok(vec![RoleEvent::Removed {
        grant: current.id,
        person: current.person,
        role: current.role,
        scope: current.scope,
        reason: cmd.reason,
        specimen: cmd.specimen,
    }])
}

/// After `moved` got a new parent, every grant whose scope lies in the moved subtree or
/// covered it before must be reviewed (R-ORG-4).
pub fn review_after_move(
    before: &OrgTree,
    after: &OrgTree,
    moved: OrgId,
    grants: &[Grant],
) -> Vec<RoleEvent> {
    grants
        .iter()
        .filter(|g| {
            after.within(g.scope, moved) || before.within(moved, g.scope) != after.within(moved, g.scope)
        })
        .map(|g| RoleEvent::ReviewRequired { grant: g.id, moved })
        .collect()
}
