//! tillit-server: the HTTP face of a tillit node.
//!
//! An axum application: the JSON API under `/api/v1` with its OpenAPI document at
//! `/api/openapi.json` (generated from the handlers), health and readiness probes,
//! Prometheus metrics, and `application/problem+json` for every error. It also owns the
//! node's configuration and data directory.

pub mod api;
pub mod ca;
pub mod config;
pub mod metrics;
pub mod node;
pub mod pki;
pub mod problem;

use std::future::Future;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tillit_store::Store;
use tokio::net::TcpListener;

use crate::ca::Authority;
use crate::metrics::Metrics;
use crate::problem::Problem;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// The store, with the node's audit key.
    pub store: Store,
    /// The certificate authority.
    pub ca: Arc<Authority>,
    /// The node's metrics.
    pub metrics: Metrics,
}

impl AppState {
    /// State around an opened store and certificate authority.
    pub fn new(store: Store, ca: Authority) -> Arc<Self> {
        let backend = format!("{:?}", store.backend()).to_lowercase();
        Arc::new(AppState { store, ca: Arc::new(ca), metrics: Metrics::new(&backend) })
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
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}
