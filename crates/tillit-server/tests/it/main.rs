//! The server on a random port with a fresh data directory: the endpoints of the skeleton,
//! and problem+json for what is not there.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::SocketAddr;

use serde_json::Value;
use tillit_server::node::{self, DataDir};
use tillit_server::AppState;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

struct Running {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, None).await.unwrap();
    let dir_ = DataDir::open(&data).unwrap();
    let store = dir_.open_store().await.unwrap();
    let ca = dir_.open_authority(&store).await.unwrap();
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(tillit_server::serve(listener, AppState::new(store, ca), async {
        let _ = stopped.await;
    }));
    Running { base, stop: Some(stop), task, _dir: dir }
}

impl Running {
    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("{}{path}", self.base)).await.unwrap()
    }

    async fn shutdown(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi() {
    let server = start().await;

    let r = server.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");

    let r = server.get("/readyz").await;
    assert_eq!(r.status(), 200);

    let r = server.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("tillit_build_info"), "{text}");
    assert!(text.contains("tillit_audit_entries{chain=\"system\"} 2"), "{text}");
    assert!(text.contains("tillit_audit_entries{chain=\"ca\"} 2"), "{text}");
    assert!(
        text.contains("tillit_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{text}"
    );

    let r = server.get("/api/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/healthz", "/readyz", "/metrics", "/crl/{file}", "/ca/{file}"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing from {doc}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());

    server.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problem_json() {
    let server = start().await;

    let r = server.get("/nothing/here").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["type"], "urn:tillit:problem:not-found");
    assert_eq!(p["status"], 404);
    assert_eq!(p["instance"], "/nothing/here");

    let r = reqwest::Client::new().post(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["type"], "urn:tillit:problem:method-not-allowed");

    server.shutdown().await;
}

#[tokio::test]
async fn init_refuses_to_overwrite_and_to_take_foreign_directories() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, None).await.unwrap();
    let before: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
    let err = node::init(&data, None).await.unwrap_err().to_string();
    assert!(err.contains("already initialised"), "{err}");
    let after: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after);

    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = node::init(&foreign, None).await.unwrap_err().to_string();
    assert!(err.contains("not a tillit data directory"), "{err}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
    let err = DataDir::open(&foreign).unwrap_err().to_string();
    assert!(err.contains("not a tillit data directory"), "{err}");

    // An unreachable database: one clear error, and no data directory left behind.
    let bad = dir.path().join("bad");
    let err = node::init(&bad, Some("postgres://tillit@127.0.0.1:1/none")).await.unwrap_err().to_string();
    assert!(err.contains("cannot open database postgres://tillit@127.0.0.1:1/none"), "{err}");
    assert!(!bad.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tillit-init-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
