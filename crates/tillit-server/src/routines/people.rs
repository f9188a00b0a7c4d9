//! Registering a person by hand (R-PER-1..3): someone the HR register does not carry (a
//! consultant, a temporary assignment), by an officer who manages people in the unit. The
//! person gets an HSA-id from the organisation's sequence (R-ID-5); a protected identity
//! only by an officer with the protected-identity right (R-PER-3).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::person::{self, allocate_hsa_id, Employment, EmploymentKind, Person};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use utoipa::ToSchema;

use super::action::Signed;
use super::{chain_of, today};
use crate::problem::Problem;
use crate::AppState;

/// A person to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// `se` (default), `dk` or `no`.
    pub country: Option<String>,
    /// The national id (personnummer, samordningsnummer, CPR, fødselsnummer, …).
    pub national_id: String,
    /// Given names.
    pub given_names: String,
    /// Family name.
    pub family_name: String,
    /// Preferred given name.
    pub preferred_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Mobile, E.164.
    pub mobile: Option<String>,
    /// The unit of the employment or assignment.
    pub unit: String,
    /// `employment` (default) or `assignment`.
    pub kind: Option<String>,
    /// Its first day.
    #[schema(value_type = String)]
    pub start: time::Date,
    /// Its last day.
    #[schema(value_type = Option<String>)]
    pub end: Option<time::Date>,
    /// Title of a licensed profession.
    pub licensed_title: Option<String>,
    /// Protected identity (R-PER-3).
    #[serde(default)]
    pub protected: bool,
    /// The day the names were checked against the population register (R-PER-2).
    #[schema(value_type = Option<String>)]
    pub name_checked: Option<time::Date>,
}

/// The registered person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Registered {
    /// The person's id.
    pub id: String,
    /// The HSA-id allocated, when the organisation has an organisation number.
    pub hsa_id: Option<String>,
}

/// Registers a person with one employment or assignment (R-PER-1), by an officer who holds
/// `manage_people` on the unit.
#[utoipa::path(post, path = "/api/v1/persons", tag = "ra",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = RegisterBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Registered", body = Registered),
        (status = 409, description = "The national id is registered already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn register(
    State(state): State<Arc<AppState>>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: RegisterBody = acting.json()?;
    let caller = &acting.caller;
    let unit = cmd.unit.parse::<uuid::Uuid>().map(OrgId).map_err(|_| {
        Problem::from(Refusal::field("R-ORG-1", "unit", "is not an organisation id (a UUID)"))
    })?;
    if caller.tree.get(unit).is_none() {
        return Err(Refusal::field("R-ORG-1", "unit", "no such organisation or unit").into());
    }
    caller.principal.authorise(&caller.tree, Permission::ManagePeople, unit)?;
    let country = match cmd.country.as_deref().unwrap_or("se") {
        "se" => Country::Se,
        "dk" => Country::Dk,
        "no" => Country::No,
        _ => return Err(Refusal::field("R-PER-1", "country", "must be se, dk or no").into()),
    };
    let national_id = NationalId::parse(country, &cmd.national_id, &ParseOptions::new(today()))
        .map_err(|e| Problem::from(Refusal::field("R-PER-1", "national_id", e.to_string())))?;
    let kind = match cmd.kind.as_deref() {
        None | Some("employment") => EmploymentKind::Employment,
        Some("assignment") => EmploymentKind::Assignment,
        Some(_) => return Err(Refusal::field("R-PER-1", "kind", "must be employment or assignment").into()),
    };
    if cmd.name_checked.is_some_and(|d| d > today()) {
        return Err(Refusal::field("R-PER-2", "name_checked", "is in the future").into());
    }
    let mut new = Person {
        id: PersonId(uuid::Uuid::now_v7()),
        national_id,
        given_names: cmd.given_names.trim().to_string(),
        family_name: cmd.family_name.trim().to_string(),
        preferred_name: cmd.preferred_name,
        hsa_id: None,
        email: cmd.email,
        mobile: cmd.mobile,
        address: None,
        delivery_address: None,
        employments: vec![Employment { org: unit, kind, start: cmd.start, end: cmd.end }],
        licensed_title: cmd.licensed_title,
        protected: cmd.protected,
        name_checked: cmd.name_checked,
    };
    let may_see_protected = caller.principal.can(&caller.tree, Permission::ProtectedIdentity, unit);
    let events = person::register(&new, may_see_protected)?;
    if state.store.person_by_national_id(&new.national_id).await?.is_some() {
        return Err(Problem::new(StatusCode::CONFLICT, "conflict", "Conflict")
            .field("national_id")
            .detail("a person with this national id is registered already"));
    }
    let chain = chain_of(&caller.tree, unit);
    let mut tx = state.store.begin().await?;
    if let Some(org) = caller.tree.legal_entity_of(unit).and_then(|o| o.org_number.clone()) {
        // R-ID-5: the organisation's sequence.
        let n = tx.reserve_counter(&chain, "hsa-id", 1).await?;
        new.hsa_id = Some(allocate_hsa_id(&org, n)?);
    }
    tx.insert_person(&new).await?;
    acting.record(&mut tx, &chain, &events).await?;
    let answer = Registered {
        id: new.id.to_string(),
        hsa_id: new.hsa_id.as_ref().map(|h| h.normalised().to_string()),
    };
    acting.finish(&state, tx, StatusCode::CREATED, &answer).await
}
