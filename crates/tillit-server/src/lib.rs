//! tillit-server: the HTTP face of a tillit node.
//!
//! An axum application: the JSON API under `/api/v1` with its OpenAPI document at
//! `/api/openapi.json` (generated from the handlers), health and readiness probes,
//! Prometheus metrics, and `application/problem+json` for every error. It also owns the
//! node's configuration and data directory.
//!
//! Two listeners: plain HTTP ([`app`], [`serve`]) for what anyone may fetch (health,
//! readiness, metrics, OCSP, CRLs, CA certificates, the OpenAPI document), and HTTPS
//! ([`tls_app`], [`serve_tls`]) for the same and the API, whose callers authenticate with
//! TLS client certificates the node's CA issued ([`tls`]).

// `Problem` is the answer of a failed request: built once per request, never in a hot loop.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod api;
pub mod ca;
pub mod config;
pub mod directory;
pub mod eid;
pub mod metrics;
pub mod node;
pub mod ocsp;
pub mod outbox;
pub mod pki;
pub mod problem;
pub mod ra_api;
pub mod reports;
pub mod routines;
pub mod scheduler;
pub mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
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
    /// The routines' policy (SPEC values unless `policy.toml` says otherwise).
    pub policy: tillit_core::ra::policy::Policy,
    /// The citizens' eID: its keys, the population register, the OpenID Connect provider;
    /// opened on first use ([`AppState::eid`]).
    pub eid: tokio::sync::OnceCell<eid::Eid>,
}

impl AppState {
    /// State around an opened store and certificate authority; starts the OCSP responder
    /// (with its background work) and the scheduled CRL publication.
    pub async fn start(store: Store, ca: Authority, config: &CaConfig) -> Result<Arc<Self>, CaError> {
        Self::start_with(store, ca, config, tillit_core::ra::policy::Policy::default()).await
    }

    /// [`AppState::start`] with the routines' policy.
    pub async fn start_with(
        store: Store,
        ca: Authority,
        config: &CaConfig,
        policy: tillit_core::ra::policy::Policy,
    ) -> Result<Arc<Self>, CaError> {
        let backend = format!("{:?}", store.backend()).to_lowercase();
        let ca = Arc::new(ca);
        let validity = Duration::from_secs(u64::from(config.ocsp_validity_minutes) * 60);
        let ocsp = OcspService::start(ca.clone(), validity).await?;
        // CRLs are re-published under the `crl-refresh` lease: one node does it.
        tokio::spawn(scheduler::publish_crls_on_schedule(Arc::downgrade(&ca)));
        Ok(Arc::new(AppState {
            store,
            ca,
            ocsp,
            metrics: Metrics::new(&backend),
            policy,
            eid: tokio::sync::OnceCell::new(),
        }))
    }
}

impl AppState {
    /// The citizens' eID, its keys opened (and made, the first time) on first use: a node
    /// that never serves a citizen never pays for them.
    pub async fn eid(&self) -> Result<&eid::Eid, problem::Problem> {
        self.eid.get_or_try_init(|| eid::Eid::open(&self.store, &self.ca)).await.map_err(|e| {
            tracing::error!(error = %e, "the eID keys cannot be opened");
            problem::Problem::unavailable("the eID keys cannot be opened; the fault is logged")
        })
    }
}

/// The application of the plain HTTP listener: the public routes, the OpenAPI document (of
/// every route), problem+json fallbacks, metrics. `/api/v1` is not served here: it answers
/// 404 problem+json saying where it is.
pub fn app(state: Arc<AppState>) -> Router {
    build(state, false)
}

/// The application of the HTTPS listener: everything [`app`] serves, and the API routes
/// (`/api/v1`), each behind [`tls::authenticate`] (a client certificate the node issued and
/// has not revoked). Serve it with [`serve_tls`], which gives it the connections' client
/// certificates.
pub fn tls_app(state: Arc<AppState>) -> Router {
    build(state, true)
}

/// [`app`] with more routes (the portal's pages), which get the same metrics and security
/// headers; the server's problem+json fallback answers what neither serves.
pub fn app_with(state: Arc<AppState>, extra: Router) -> Router {
    build_with(state, false, extra)
}

/// [`tls_app`] with more routes (the portal's pages).
pub fn tls_app_with(state: Arc<AppState>, extra: Router) -> Router {
    build_with(state, true, extra)
}

fn build(state: Arc<AppState>, with_api: bool) -> Router {
    build_with(state, with_api, Router::new())
}

fn build_with(state: Arc<AppState>, with_api: bool, extra: Router) -> Router {
    let (public, mut openapi) = api::routes().merge(pki::routes()).split_for_parts();
    let (v1, v1_doc) = api::v1_routes().split_for_parts();
    let (enrol, enrol_doc) = api::enrol_routes().split_for_parts();
    openapi.merge(v1_doc);
    openapi.merge(enrol_doc);
    let openapi = Arc::new(openapi);
    let router = if with_api {
        public
            .merge(v1.route_layer(middleware::from_fn_with_state(state.clone(), tls::authenticate)))
            .merge(enrol)
    } else {
        public.route("/api/v1", any(api_not_here)).route("/api/v1/{*rest}", any(api_not_here))
    };
    let router = router
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { Json(openapi.as_ref().clone()) }
            }),
        )
        .merge(eid::oidc::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .merge(extra)
        .layer(middleware::from_fn_with_state(state, metrics::track));
    if with_api {
        router.layer(middleware::map_response(security_headers_tls))
    } else {
        router.layer(middleware::map_response(security_headers))
    }
}

async fn not_found(request: Request) -> Problem {
    Problem::not_found(request.uri().path())
}

async fn api_not_here(request: Request) -> Problem {
    Problem::not_found(request.uri().path()).detail(format!(
        "nothing is served at {} over plain HTTP: the API is on the HTTPS listener (listen_tls), with a TLS client certificate",
        request.uri().path()
    ))
}

async fn method_not_allowed(method: Method, request: Request) -> Problem {
    Problem::method_not_allowed(method.as_str(), request.uri().path())
}

/// [`security_headers`], and on the HTTPS listener `Strict-Transport-Security`: a browser that
/// reached the node over HTTPS never falls back to plain HTTP for it.
async fn security_headers_tls(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    // A page's own policy (the portal's) also upgrades any plain-HTTP reference.
    let upgraded = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .filter(|csp| !csp.contains("upgrade-insecure-requests"))
        .and_then(|csp| HeaderValue::from_str(&format!("{csp}; upgrade-insecure-requests")).ok());
    if let Some(csp) = upgraded {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    security_headers(response).await
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A page that posts forms to its own origin (the portal) says `same-origin`: with
    // `no-referrer` a browser sends `Origin: null` on those POSTs.
    headers.entry("referrer-policy").or_insert(HeaderValue::from_static("no-referrer"));
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

/// Serves `router` (from [`app_with`]) on `listener` until `shutdown` completes.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service()).with_graceful_shutdown(shutdown).await
}

/// Serves `router` (from [`tls_app_with`]) on the TLS `listener` until `shutdown` completes.
pub async fn serve_tls_router(
    listener: tls::TlsListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service: IntoMakeServiceWithConnectInfo<Router, tls::TlsConnection> =
        router.into_make_service_with_connect_info();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await
}

/// Serves [`tls_app`] on `listener` until `shutdown` completes, then finishes the requests in
/// flight. Each connection's client certificate reaches the handlers from its TLS session.
pub async fn serve_tls(
    listener: tls::TlsListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service: IntoMakeServiceWithConnectInfo<Router, tls::TlsConnection> =
        tls_app(state).into_make_service_with_connect_info();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await
}
