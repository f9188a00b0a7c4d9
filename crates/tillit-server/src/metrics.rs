//! Prometheus metrics: HTTP requests by route and status, request durations, build
//! information, and the audit log's size per chain (read at scrape time).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChainLabels {
    chain: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    backend: String,
}

/// The node's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    audit_entries: Family<ChainLabels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new(backend: &str) -> Self {
        let mut registry = Registry::with_prefix("tillit");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests handled", requests.clone());
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register("http_request_duration_seconds", "HTTP request durations", durations.clone());
        let audit_entries = Family::<ChainLabels, Gauge>::default();
        registry.register("audit_entries", "Entries in each audit chain", audit_entries.clone());
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").into(),
                backend: backend.into(),
            })
            .set(1);
        registry.register("build_info", "Version and database backend", build);
        Metrics { registry, requests, durations, audit_entries }
    }

    /// The Prometheus text exposition, with the audit gauges refreshed from `heads`.
    pub fn render(&self, heads: &[(String, u64)]) -> String {
        for (chain, seq) in heads {
            self.audit_entries
                .get_or_create(&ChainLabels { chain: chain.clone() })
                .set(i64::try_from(*seq).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Middleware: counts and times every request by its route template (never the raw path,
/// which could carry identifiers).
pub async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status })
        .inc();
    state
        .metrics
        .durations
        .get_or_create(&RouteLabels { route: route.clone() })
        .observe(elapsed.as_secs_f64());
    tracing::debug!(%method, %route, status, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "request");
    response
}
