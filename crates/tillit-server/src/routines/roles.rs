//! Role administration over the API (R-ORG-2..4): granting a role on a subtree and removing
//! it, by an officer who holds `grant_roles` on that subtree; CRA/KRA with the training and
//! the signature specimen approved by a security officer (R-ORG-3). A change takes effect at
//! the next request (R-ORG-4: grants are read for every request).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::ra::event::Event as _;
use tillit_core::ra::role::{
    self, Grant, GrantRole, Permission, Principal, RemoveRole, Role, RoleEvent, Specimen, Training,
};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{GrantId, OrgId};
use utoipa::ToSchema;

use super::action::Signed;
use super::{chain_of, today};
use crate::problem::Problem;
use crate::AppState;

/// A grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// `ra`, `kra`, `lra`, `ora`, `kur`, `hsa_admin`, `manager`, `security_officer`,
    /// `card_holder`, `auditor`, `dk_ra_admin`, `dk_ra_employee`.
    pub role: String,
    /// The root of the subtree.
    pub scope: String,
    /// CRA/KRA: the training (R-ORG-3).
    #[schema(value_type = Option<Object>)]
    pub training: Option<Training>,
    /// CRA/KRA: the signature specimen approved by a security officer (R-ORG-3).
    #[schema(value_type = Option<Object>)]
    pub specimen: Option<Specimen>,
}

/// A grant made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Granted {
    /// The grant's id.
    pub id: String,
    /// The role.
    pub role: String,
    /// The root of its subtree.
    pub scope: String,
}

fn uuid_field(rule: &'static str, field: &'static str, text: &str) -> Result<uuid::Uuid, Problem> {
    text.parse().map_err(|_| Problem::from(Refusal::field(rule, field, "is not an id (a UUID)")))
}

/// Grants a role on a subtree (R-ORG-2, R-ORG-3) to a person the caller may read, by a
/// caller who holds `grant_roles` on that subtree.
#[utoipa::path(post, path = "/api/v1/persons/{id}/roles", tag = "ra",
    params(("id" = String, Path, description = "The person"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = GrantBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Granted", body = Granted),
        (status = 403, description = "No right to grant roles there", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn grant(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: GrantBody = acting.json()?;
    let caller = &acting.caller;
    let (person, _) = caller.readable_person(&state, &id, acting.path()).await?;
    let role = Role::parse(&cmd.role)
        .ok_or_else(|| Problem::from(Refusal::field("R-ORG-2", "role", "is not a role of tillit")))?;
    let scope = OrgId(uuid_field("R-ORG-2", "scope", &cmd.scope)?);
    if caller.tree.get(scope).is_none() {
        return Err(Refusal::field("R-ORG-2", "scope", "no such organisation or unit").into());
    }
    caller.principal.authorise(&caller.tree, Permission::GrantRoles, scope)?;
    let existing = state.store.grants_of(person.id).await?;
    let approver = match &cmd.specimen {
        Some(s) => {
            Some(Principal { person: s.approved_by, grants: state.store.grants_of(s.approved_by).await? })
        }
        None => None,
    };
    let grant_id = GrantId(uuid::Uuid::now_v7());
    let events = role::grant(
        &caller.tree,
        &existing,
        approver.as_ref(),
        GrantRole {
            id: grant_id,
            person: person.id,
            role,
            scope,
            training: cmd.training,
            specimen: cmd.specimen,
        },
        today(),
    )?;
    let chain = chain_of(&caller.tree, scope);
    let mut tx = state.store.begin().await?;
    for event in &events {
        if let RoleEvent::Granted { grant, person, role, scope, .. } = event {
            tx.insert_grant(
                &Grant { id: *grant, person: *person, role: *role, scope: *scope },
                &event.payload(),
            )
            .await?;
        }
    }
    acting.record(&mut tx, &chain, &events).await?;
    let answer =
        Granted { id: grant_id.to_string(), role: role.as_str().to_string(), scope: scope.to_string() };
    acting.finish(&state, tx, StatusCode::CREATED, &answer).await
}

/// A removal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovalBody {
    /// Why (R-ORG-4).
    pub reason: String,
    /// CRA/KRA: the specimen of the removal, approved by a security officer (R-ORG-3).
    #[schema(value_type = Option<Object>)]
    pub specimen: Option<Specimen>,
}

/// Removes a grant (R-ORG-2..4), by a caller who holds `grant_roles` on its subtree.
#[utoipa::path(post, path = "/api/v1/roles/{id}/removal", tag = "ra",
    params(("id" = String, Path, description = "The grant"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = RemovalBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Removed", body = Granted),
        (status = 404, description = "No such grant in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: RemovalBody = acting.json()?;
    let caller = &acting.caller;
    let grant_id = GrantId(uuid_field("R-ORG-2", "id", &id)?);
    let current = state
        .store
        .grants()
        .await?
        .into_iter()
        .find(|g| g.id == grant_id)
        .filter(|g| caller.principal.can(&caller.tree, Permission::ReadPeople, g.scope))
        .ok_or_else(|| Problem::not_found(acting.path()))?;
    caller.principal.authorise(&caller.tree, Permission::GrantRoles, current.scope)?;
    let approver = match &cmd.specimen {
        Some(s) => {
            Some(Principal { person: s.approved_by, grants: state.store.grants_of(s.approved_by).await? })
        }
        None => None,
    };
    let events = role::remove(
        &caller.tree,
        &current,
        approver.as_ref(),
        RemoveRole { grant: grant_id, reason: cmd.reason, specimen: cmd.specimen },
        today(),
    )?;
    let chain = chain_of(&caller.tree, current.scope);
    let mut tx = state.store.begin().await?;
    tx.remove_grant(grant_id).await?;
    acting.record(&mut tx, &chain, &events).await?;
    let answer = Granted {
        id: grant_id.to_string(),
        role: current.role.as_str().to_string(),
        scope: current.scope.to_string(),
    };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}
