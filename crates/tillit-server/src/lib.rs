//! tillit-server: the HTTP face of a tillit node.
//!
//! An axum application: the JSON API under `/api/v1` with its OpenAPI document at
//! `/api/openapi.json` (generated from the handlers), health and readiness probes,
//! Prometheus metrics, and `application/problem+json` for every error. It also owns the
//! node's configuration and data directory.

pub mod api;
pub mod ca;
pub mod config;
pub mod directory;
pub mod metrics;
pub mod node;
pub mod ocsp;
pub mod pki;
pub mod problem;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tillit_store::Store;
use tokio::net::TcpListener;

use crate::ca::{Authority, CaConfig, CaError};
use crate::metrics::Metrics;
use crate::ocsp::OcspService;
use crate::problem::Problem;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// The store, with the node's audit key.
    pub store: Store,
    /// The certificate authority.
    pub ca: Arc<Authority>,
    /// The OCSP responder.
    pub ocsp: Arc<OcspService>,
    /// The node's metrics.
    pub metrics: Metrics,
}

impl AppState {
    /// State around an opened store and certificate authority; starts the OCSP responder
    /// (with its background work) and the scheduled CRL publication.
    pub async fn start(store: Store, ca: Authority, config: &CaConfig) -> Result<Arc<Self>, CaError> {
        let backend = format!("{:?}", store.backend()).to_lowercase();
        let ca = Arc::new(ca);
        let validity = Duration::from_secs(u64::from(config.ocsp_validity_minutes) * 60);
        let ocsp = OcspService::start(ca.clone(), validity).await?;
        tokio::spawn(ca::publish_crls_on_schedule(Arc::downgrade(&ca)));
        Ok(Arc::new(AppState { store, ca, ocsp, metrics: Metrics::new(&backend) }))
    }
}

/// The application: every route, the OpenAPI document, problem+json fallbacks, metrics.
pub fn app(state: Arc<AppState>) -> Router {
    let (router, openapi) = api::routes().merge(pki::routes()).split_for_parts();
    let openapi = Arc::new(openapi);
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { Json(openapi.as_ref().clone()) }
            }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(middleware::map_response(security_headers))
        .with_state(state)
}

async fn not_found(request: Request) -> Problem {
    Problem::not_found(request.uri().path())
}

async fn method_not_allowed(method: Method, request: Request) -> Problem {
    Problem::method_not_allowed(method.as_str(), request.uri().path())
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // Responses are private unless a handler says otherwise (CRLs, CA certificates, OCSP).
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    response.into_response()
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // `into_make_service`: each connection gets a clone of the finished router (an `Arc`).
    // Served as a plain `Router`, axum would re-run `with_state` on a deep copy of every
    // route for each new connection, which costs more than answering a cached OCSP request.
    axum::serve(listener, app(state).into_make_service()).with_graceful_shutdown(shutdown).await
}
