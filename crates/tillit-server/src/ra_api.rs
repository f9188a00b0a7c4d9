//! The RA's API (`/api/v1`): who the client is, the organisation tree and persons, each
//! request authorised on the server against the principal's roles × subtree (R-ORG-1) and
//! redacted for protected identities (R-PER-3).
//!
//! The principal comes from the TLS client certificate only ([`ClientCert`]): the
//! certificate must be bound to a person in the directory (`principals`), and that person's
//! grants are read for every request, so a role change takes effect at once (R-ORG-4).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::role::{Permission, Principal};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::people::PersonQuery;
use utoipa::{IntoParams, ToSchema};

use crate::problem::{ApiQuery, Problem};
use crate::tls::ClientCert;
use crate::AppState;

/// The principal of a request and the tree it is judged in.
pub struct Caller {
    /// The person and their grants.
    pub principal: Principal,
    /// The organisation tree.
    pub tree: OrgTree,
}

impl Caller {
    /// Reads the principal of a client certificate: 403 when the certificate speaks for no
    /// one in the directory.
    pub async fn of(state: &AppState, cert: &ClientCert) -> Result<Caller, Problem> {
        let person = state.store.principal(&cert.serial).await?.ok_or_else(|| {
            Problem::from(Refusal::new(
                "R-ORG-1",
                "this client certificate is not bound to an officer or system of this organisation",
            ))
        })?;
        Caller::for_person(state, person).await
    }

    /// The caller for a person known otherwise (a portal session): their grants, read now
    /// (R-ORG-4), and the tree.
    pub async fn for_person(state: &AppState, person: PersonId) -> Result<Caller, Problem> {
        let grants = state.store.grants_of(person).await?;
        let tree = OrgTree::new(state.store.orgs().await?).map_err(|r| {
            tracing::error!(refusal = %r, "the stored organisation tree is inconsistent");
            Problem::internal()
        })?;
        Ok(Caller { principal: Principal { person, grants }, tree })
    }

    /// The nodes on which the principal holds `permission`, subtrees expanded.
    pub(crate) fn nodes(&self, permission: Permission) -> Vec<OrgId> {
        let mut nodes: Vec<OrgId> =
            self.principal.scopes(permission).into_iter().flat_map(|s| self.tree.subtree(s)).collect();
        nodes.sort();
        nodes.dedup();
        nodes
    }

    /// The person `id` and the first node of their employments the caller may read people
    /// in; a person outside the caller's scope is "not found" at `path`, as if absent
    /// (R-ORG-1).
    pub(crate) async fn readable_person(
        &self,
        state: &AppState,
        id: &str,
        path: &str,
    ) -> Result<(tillit_core::ra::person::Person, OrgId), Problem> {
        let person_id: PersonId = id
            .parse()
            .map_err(|_| Problem::from(Refusal::field("R-PER-1", "id", "is not a person id (a UUID)")))?;
        let record = state
            .store
            .person(person_id)
            .await?
            .filter(|r| r.removed_us.is_none())
            .ok_or_else(|| Problem::not_found(path))?;
        let at = record
            .person
            .employments
            .iter()
            .find(|e| self.principal.can(&self.tree, Permission::ReadPeople, e.org))
            .map(|e| e.org)
            .ok_or_else(|| Problem::not_found(path))?;
        Ok((record.person, at))
    }

    /// Whether the protected-identity right covers every node the principal reads people in.
    fn sees_protected_everywhere(&self) -> bool {
        let read = self.principal.scopes(Permission::ReadPeople);
        !read.is_empty()
            && read.iter().all(|s| self.principal.can(&self.tree, Permission::ProtectedIdentity, *s))
    }
}

/// One node of the organisation tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    /// Its id.
    pub id: String,
    /// The node above it.
    pub parent: Option<String>,
    /// organisation, group_company or unit.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its HR code.
    pub hr_code: Option<String>,
}

/// The nodes of the tree the caller holds any right on.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "ra",
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The nodes in the caller's scope", body = [OrgView]),
        (status = 403, description = "The certificate speaks for no one here", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn orgs(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
) -> Result<Json<Vec<OrgView>>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(orgs_for(&caller)))
}

/// The body of [`orgs`]: the nodes of the tree `caller` holds any right on, by name.
pub fn orgs_for(caller: &Caller) -> Vec<OrgView> {
    let mut nodes: Vec<OrgView> = caller
        .tree
        .iter()
        .filter(|o| caller.principal.grants.iter().any(|g| caller.tree.within(o.id, g.scope)))
        .map(|o| OrgView {
            id: o.id.to_string(),
            parent: o.parent.map(|p| p.to_string()),
            kind: o.kind.as_str().to_string(),
            name: o.name.clone(),
            hr_code: o.hr_code.clone(),
        })
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    nodes
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PersonSearch {
    /// A name prefix ("svens", "svensson anna"), a national id or an HSA-id.
    pub q: String,
    /// At most this many rows (1 to 1000, default 50).
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

/// One person in a list, redacted for the viewer (R-PER-3).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRow {
    /// The person's id.
    pub id: String,
    /// The name, or "(protected identity)".
    pub name: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
}

/// A page of persons.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    /// The rows.
    pub persons: Vec<PersonRow>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// Searches persons employed in the caller's scope (R-ORG-1). Without the
/// protected-identity right a protected person is never matched by name and shown without
/// a name when found by number (R-PER-3).
#[utoipa::path(get, path = "/api/v1/persons", tag = "ra", params(PersonSearch),
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "A page of persons", body = PersonPage),
        (status = 403, description = "No right to read people", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn persons(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    ApiQuery(search): ApiQuery<PersonSearch>,
) -> Result<Json<PersonPage>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(persons_for(&state, &caller, &search).await?))
}

/// The store's query for a search by `caller` for `q` (a name prefix, a national id or an
/// HSA-id), `limit` rows (1 to 1000, default 50) after the person `after` (the `next` of
/// the previous page): within the caller's scope (R-ORG-1), protected persons matched by
/// name only for a caller with the right everywhere they read people (R-PER-3). Refused
/// without `read_people`, and for a bad parameter (named in the problem's field).
pub fn person_query(
    caller: &Caller,
    q: &str,
    limit: Option<u32>,
    after: Option<&str>,
) -> Result<PersonQuery, Problem> {
    if !caller.principal.has_anywhere(Permission::ReadPeople) {
        return Err(Refusal::new("R-ORG-1", "no role grants read_people").into());
    }
    let text = q.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(Refusal::field(
            "R-PER-1",
            "q",
            "give 1 to 200 characters: a name prefix or an identifier",
        )
        .into());
    }
    let limit = limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(Refusal::field("R-PER-1", "limit", "must be 1 to 1000").into());
    }
    Ok(PersonQuery {
        text: text.to_string(),
        orgs: Some(caller.nodes(Permission::ReadPeople)),
        may_see_protected: caller.sees_protected_everywhere(),
        limit,
        after: match after {
            None => None,
            Some(text) => Some(text.parse::<PersonId>().map_err(|_| {
                Problem::from(Refusal::field(
                    "R-PER-1",
                    "after",
                    "is not the `next` value of a previous page",
                ))
            })?),
        },
    })
}

/// The body of [`persons`]: a page of the search, redacted for `caller` (R-PER-3).
pub async fn persons_for(
    state: &AppState,
    caller: &Caller,
    search: &PersonSearch,
) -> Result<PersonPage, Problem> {
    let query = person_query(caller, &search.q, search.limit, search.after.as_deref())?;
    let limit = query.limit;
    let rows = state.store.search_persons(&query).await?;
    let next = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.id.to_string())).flatten();
    Ok(PersonPage {
        persons: rows
            .into_iter()
            .map(|r| PersonRow { id: r.id.to_string(), name: r.name, hsa_id: r.hsa_id })
            .collect(),
        next,
    })
}

/// A person's record as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    /// The id.
    pub id: String,
    /// The name, or "(protected identity)".
    pub name: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
    /// E-mail (hidden for a protected person without the right).
    pub email: Option<String>,
    /// Whether the identity is protected.
    pub protected: bool,
    /// Whether the HR record is "secured" today for the caller's organisation (R-PER-2).
    pub secured: bool,
    /// Why not, when it is not.
    pub not_secured_because: Option<String>,
}

/// A person employed in the caller's scope (R-ORG-1), redacted for the caller (R-PER-3).
/// A person outside the scope is "not found", as if absent.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "ra",
    params(("id" = String, Path, description = "The person's id")),
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn person(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
) -> Result<Json<PersonView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(person_for(&state, &caller, &id, &format!("/api/v1/persons/{id}")).await?))
}

/// The body of [`person`]: the person `id` as `caller` may see them; "not found" at `path`
/// outside the caller's scope (R-ORG-1).
pub async fn person_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
) -> Result<PersonView, Problem> {
    let (p, at) = caller.readable_person(state, id, path).await?;
    let may_see = caller.principal.can(&caller.tree, Permission::ProtectedIdentity, at);
    let today = time::OffsetDateTime::now_utc().date();
    let secured = match caller.tree.organisation_of(at) {
        Some(org) => p.secured(&caller.tree, org, today).map(|_| ()).map_err(|r| r.to_string()),
        None => Err("the unit is not in an organisation".to_string()),
    };
    Ok(PersonView {
        id: p.id.to_string(),
        name: p.display_name(may_see),
        hsa_id: p.hsa_id.as_ref().map(|h| h.normalised().to_string()),
        email: if p.protected && !may_see { None } else { p.email.clone() },
        protected: p.protected,
        secured: secured.is_ok(),
        not_secured_because: secured.err(),
    })
}

/// A role a person holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleRow {
    /// The grant's id.
    pub id: String,
    /// The role (`kra`, `ra`, …).
    pub role: String,
    /// The root of the subtree it applies to.
    pub scope: String,
    /// The name of that node.
    pub scope_name: String,
}

/// The person's role table (R-ORG-4: a change is visible at once), for a caller who may
/// read the person (R-ORG-1), showing the grants on nodes in the caller's scope; a person
/// outside the caller's scope is "not found".
#[utoipa::path(get, path = "/api/v1/persons/{id}/roles", tag = "ra",
    params(("id" = String, Path, description = "The person's id")),
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The roles in force", body = [RoleRow]),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn person_roles(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
) -> Result<Json<Vec<RoleRow>>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(person_roles_for(&state, &caller, &id, &format!("/api/v1/persons/{id}/roles")).await?))
}

/// The body of [`person_roles`]: the role table of the person `id` as `caller` may see it;
/// "not found" at `path` outside the caller's scope (R-ORG-1).
pub async fn person_roles_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
) -> Result<Vec<RoleRow>, Problem> {
    let (p, _) = caller.readable_person(state, id, path).await?;
    let mut rows: Vec<RoleRow> = state
        .store
        .grants_of(p.id)
        .await?
        .into_iter()
        // Only grants on nodes the caller may read: a grant elsewhere stays out of view
        // (R-ORG-1).
        .filter(|g| caller.principal.can(&caller.tree, Permission::ReadPeople, g.scope))
        .map(|g| RoleRow {
            id: g.id.to_string(),
            role: g.role.as_str().to_string(),
            scope: g.scope.to_string(),
            scope_name: caller.tree.get(g.scope).map(|o| o.name.clone()).unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| a.role.cmp(&b.role).then(a.scope.cmp(&b.scope)));
    Ok(rows)
}
