//! The HTTP routes of the skeleton: health, readiness, metrics and the OpenAPI document,
//! which is generated from the handlers' annotations; and the API under `/api/v1`, served
//! on the HTTPS listener only, to clients with a TLS client certificate ([`v1_routes`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::SecurityScheme;
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::Problem;
use crate::tls::ClientCert;
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tillit",
        description = "Registration authority and trust services for Nordic public organisations. \
                       Every error is application/problem+json (RFC 9457).",
        license(name = "EUPL-1.2")
    ),
    components(schemas(Problem)),
    modifiers(&MutualTls)
)]
struct ApiDoc;

/// The name of the security scheme of the `/api/v1` routes.
pub const CLIENT_CERTIFICATE: &str = "clientCertificate";

/// Adds the `mutualTLS` security scheme the `/api/v1` routes name.
struct MutualTls;

impl Modify for MutualTls {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            CLIENT_CERTIFICATE,
            SecurityScheme::MutualTls {
                description: Some(
                    "A TLS client certificate issued by this node's CA and not revoked, presented \
                     to the HTTPS listener (listen_tls). /api/v1 is not served on plain HTTP."
                        .into(),
                ),
                extensions: None,
            },
        );
    }
}

/// The routes with their OpenAPI description.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// The API's routes for actions the portal has prepared and had signed (a request carrying a
/// [`crate::routines::action::Prepared`] extension), called in process with `oneshot`: the
/// same handlers, without the client-certificate gate, which such a request has passed in the
/// portal's own way (a session and a fresh passkey assertion). Never served on a listener.
pub fn in_process(state: Arc<AppState>) -> axum::Router {
    let (v1, _) = v1_routes().split_for_parts();
    v1.with_state(state)
}

/// The API routes (`/api/v1`), with their OpenAPI description. Served by the HTTPS listener
/// only, each behind [`crate::tls::authenticate`].
pub fn v1_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(whoami))
        .routes(routes!(crate::ra_api::orgs))
        .routes(routes!(crate::ra_api::persons, crate::routines::people::register))
        .routes(routes!(crate::ra_api::person))
        .routes(routes!(crate::ra_api::person_roles, crate::routines::roles::grant))
        .routes(routes!(crate::routines::cards::choice))
        .routes(routes!(crate::routines::cards::create, crate::routines::cards::list))
        .routes(routes!(crate::routines::cards::get))
        .routes(routes!(crate::routines::cards::order))
        .routes(routes!(crate::routines::cards::send_batch))
        .routes(routes!(crate::routines::cards::export))
        .routes(routes!(crate::routines::cards::deliver))
        .routes(routes!(crate::routines::cards::hand_out))
        .routes(routes!(crate::routines::cards::deregister))
        .routes(routes!(crate::routines::cards::claim))
        .routes(routes!(crate::routines::cards::return_card))
        .routes(routes!(crate::routines::cards::destroy))
        .routes(routes!(crate::routines::cards::move_card))
        .routes(routes!(crate::routines::credentials::order))
        .routes(routes!(crate::routines::credentials::list))
        .routes(routes!(crate::routines::revocations::request))
        .routes(routes!(crate::routines::roles::remove))
        .routes(routes!(crate::routines::officers::create))
        .routes(routes!(crate::routines::functions::order))
        .routes(routes!(crate::routines::mismatch::resolve))
        .routes(routes!(crate::routines::reserve::order_bundle))
        .routes(routes!(crate::routines::reserve::receive_bundle))
        .routes(routes!(crate::routines::reserve::stock))
        .routes(routes!(crate::routines::reserve::get))
        .routes(routes!(crate::routines::reserve::discard))
        .routes(routes!(crate::routines::reserve::hand_out))
        .routes(routes!(crate::routines::reserve::reuse))
        .routes(routes!(crate::routines::reserve::return_card))
        .routes(routes!(crate::routines::reserve::deregister))
        .routes(routes!(crate::routines::reserve::destroy))
        .routes(routes!(crate::routines::puk::order))
        .routes(routes!(crate::routines::puk::sent))
        .routes(routes!(crate::routines::puk::delivered))
        .routes(routes!(crate::routines::puk::returned))
        .routes(routes!(crate::routines::puk::list))
        .merge(crate::reports::routes())
        .merge(crate::routines::dk::routes())
}

/// The routes on the HTTPS listener that need no client certificate: the holder's
/// self-service download, authenticated by its one-time code (R-CRED-4).
pub fn enrol_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(crate::routines::credentials::enrol))
        .routes(routes!(crate::routines::functions::enrol))
}

/// The body of the health endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers, so requests can be served.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    ))]
async fn readyz(State(state): State<Arc<AppState>>) -> Result<Json<Health>, Problem> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(Health { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            Err(Problem::unavailable("the database is not reachable"))
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")))]
async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let heads = match state.store.audit_heads().await {
        Ok(heads) => heads,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the audit heads");
            Vec::new()
        }
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics.render(&heads),
    )
}

/// Who the API sees: the client certificate of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// The certificate's serial number, lower-case hex.
    pub serial: String,
    /// Its subject distinguished name.
    pub subject: String,
}

/// The client certificate this request was authenticated with (later: the principal it maps
/// to).
#[utoipa::path(get, path = "/api/v1/whoami", tag = "api",
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The client certificate", body = WhoAmI),
        (status = 401, description = "No client certificate, or one that is revoked or unknown to this node", body = Problem, content_type = "application/problem+json")
    ))]
async fn whoami(cert: ClientCert) -> Json<WhoAmI> {
    Json(WhoAmI { serial: cert.serial, subject: cert.subject })
}
