//! Prometheus metrics: HTTP requests by route and status, request durations, build
//! information, and the audit log's size per chain (read at scrape time).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
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

/// The metrics of one route, looked up once: its duration histogram and a request counter
/// per (method, status) seen. Counters and histograms are shared handles: these are the
/// same metrics the families expose.
struct RouteHandles {
    duration: Histogram,
    requests: Vec<(&'static str, u16, Counter)>,
}

impl RouteHandles {
    fn counter(&self, method: &str, status: u16) -> Option<&Counter> {
        self.requests.iter().find(|(m, s, _)| *m == method && *s == status).map(|(_, _, c)| c)
    }
}

/// The node's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    audit_entries: Family<ChainLabels, Gauge>,
    /// By route template: counting a request allocates no label strings and hashes the
    /// route once, where looking it up in the families would build and hash two label sets.
    routes: RwLock<HashMap<String, RouteHandles>>,
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
        Metrics { registry, requests, durations, audit_entries, routes: RwLock::new(HashMap::new()) }
    }

    /// Counts a request to `route` (a route template, never a raw path) and records how
    /// long it took.
    pub fn record(&self, method: &'static str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        {
            let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(handles) = routes.get(route) {
                if let Some(counter) = handles.counter(method, status) {
                    counter.inc();
                    handles.duration.observe(seconds);
                    return;
                }
            }
        }
        // First request of its kind: resolve the handles, then count.
        let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        let handles = routes.entry(route.to_owned()).or_insert_with(|| RouteHandles {
            duration: self.durations.get_or_create(&RouteLabels { route: route.to_owned() }).clone(),
            requests: Vec::new(),
        });
        if let Some(counter) = handles.counter(method, status) {
            counter.inc();
        } else {
            let labels = RequestLabels { method: method.to_owned(), route: route.to_owned(), status };
            let counter = self.requests.get_or_create(&labels).clone();
            counter.inc();
            handles.requests.push((method, status, counter));
        }
        handles.duration.observe(seconds);
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

/// The method as a label: the standard methods by name, any other as `other`, so that
/// requests with made-up methods cannot grow the metrics without bound.
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

/// Middleware: counts and times every request by its route template (never the raw path,
/// which could carry identifiers).
pub async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    // A clone of the router's own template (reference-counted), not a new string.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state.metrics.record(method, route, status, elapsed);
    tracing::debug!(%method, %route, status, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "request");
    response
}
