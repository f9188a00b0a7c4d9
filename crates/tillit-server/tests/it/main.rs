//! The server on a random port with a fresh data directory: the endpoints of the skeleton,
//! and problem+json for what is not there.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::SocketAddr;

use serde_json::Value;
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_server::AppState;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

mod dk_desk;
mod dk_more;
mod ra_api;
mod reports;
mod reserve_puk;
mod routines;
mod scheduler;
mod tls;

struct Running {
    base: String,
    state: std::sync::Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let dir_ = DataDir::open(&data).unwrap();
    let store = dir_.open_store().await.unwrap();
    let ca = dir_.open_authority(&store).await.unwrap();
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let state = AppState::start(store, ca, &dir_.config.ca).await.unwrap();
    let task = tokio::spawn(tillit_server::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Running { base, state, stop: Some(stop), task, _dir: dir }
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
    // The two CAs and a delegated OCSP responder certificate for each; the scheduled CRL
    // publication may have added its entries too.
    let ca_entries: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("tillit_audit_entries{chain=\"ca\"} "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_default();
    assert!(ca_entries >= 4, "{text}");
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
    node::init(&data, &InitOptions::default()).await.unwrap();
    let before: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
    let err = node::init(&data, &InitOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("already initialised"), "{err}");
    let after: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after);

    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = node::init(&foreign, &InitOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("not a tillit data directory"), "{err}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
    let err = DataDir::open(&foreign).unwrap_err().to_string();
    assert!(err.contains("not a tillit data directory"), "{err}");

    // An unreachable database: one clear error, and no data directory left behind.
    let bad = dir.path().join("bad");
    let err = node::init(
        &bad,
        &InitOptions {
            database_url: Some("postgres://tillit@127.0.0.1:1/none".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("cannot open database postgres://tillit@127.0.0.1:1/none"), "{err}");
    assert!(!bad.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tillit-init-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn openssl(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A PKCS#10 request (DER) for a new P-256 key with common name `cn`, made by OpenSSL.
fn p256_csr(dir: &std::path::Path, cn: &str) -> Vec<u8> {
    let subject = format!("/CN={cn}");
    openssl(
        dir,
        &["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            .into_iter()
            .chain(["-keyout", "k.pem", "-subj", &subject, "-outform", "DER", "-out", "req.der"])
            .collect::<Vec<_>>(),
    );
    std::fs::read(dir.join("req.der")).unwrap()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The OCSP responder over HTTP: GET and POST, the kept response, what malformed, foreign
/// and oversized requests get (an OCSP error response, never an HTTP error), and a
/// revocation in this node forgetting the kept response at once.
#[tokio::test]
async fn ocsp_over_get_and_post() {
    use base64::Engine as _;
    let server = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issuing = server.get("/ca/issuing.crt").await.bytes().await.unwrap();
    std::fs::write(dir.join("issuing.der"), &issuing).unwrap();
    openssl(dir, &["x509", "-inform", "DER", "-in", "issuing.der", "-out", "issuing.pem"]);
    let csr = p256_csr(dir, "svc.example.org");
    let actor = tillit_core::audit::Actor::system("test");
    let issued = server.state.ca.issue_from_csr(&actor, "ca", "function", &csr, Some(1)).await.unwrap();
    std::fs::write(dir.join("cert.pem"), &issued.pem).unwrap();
    openssl(
        dir,
        &["ocsp", "-issuer", "issuing.pem", "-cert", "cert.pem", "-no_nonce", "-reqout", "good.req"],
    );
    openssl(
        dir,
        &["ocsp", "-issuer", "issuing.pem", "-serial", "0x0badc0de", "-no_nonce", "-reqout", "unknown.req"],
    );
    let client = reqwest::Client::new();
    let status_of = |resp: &[u8], name: &str| {
        std::fs::write(dir.join(name), resp).unwrap();
        openssl(dir, &["ocsp", "-respin", name, "-resp_text", "-noverify"])
    };

    // GET: base64 then URL-encoded; cacheable for a few seconds.
    let good = std::fs::read(dir.join("good.req")).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&good);
    let r = server.get(&format!("/ocsp/{}", percent_encode(&b64))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/ocsp-response");
    assert_eq!(r.headers()["cache-control"], "public, max-age=10, no-transform");
    let first = r.bytes().await.unwrap();
    assert!(status_of(&first, "a.resp").contains("Cert Status: good"));
    // POST: the same kept bytes, not signed again.
    let r = client.post(format!("{}/ocsp", server.base)).body(good.clone()).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.bytes().await.unwrap(), first);

    let unknown = std::fs::read(dir.join("unknown.req")).unwrap();
    let r = client.post(format!("{}/ocsp", server.base)).body(unknown).send().await.unwrap();
    assert!(status_of(&r.bytes().await.unwrap(), "u.resp").contains("Cert Status: unknown"));

    // Revoked in this node: the kept response is forgotten at once.
    server.state.ca.revoke(&actor, "ca", &issued.serial, "superseded".parse().unwrap()).await.unwrap();
    let r = client.post(format!("{}/ocsp", server.base)).body(good).send().await.unwrap();
    let said = status_of(&r.bytes().await.unwrap(), "r.resp");
    assert!(
        said.contains("Cert Status: revoked") && said.contains("Revocation Reason: superseded"),
        "{said}"
    );

    // Errors are OCSP responses with HTTP 200: malformed, oversized, not base64, and a CA
    // this node does not run (unauthorized).
    let malformed = [0x30, 0x03, 0x0a, 0x01, 0x01];
    for body in [b"not DER".to_vec(), vec![0x30; 70_000], Vec::new()] {
        let r = client.post(format!("{}/ocsp", server.base)).body(body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.bytes().await.unwrap().as_ref(), malformed);
    }
    let r = server.get("/ocsp/not!base64").await;
    assert_eq!((r.status().as_u16(), r.bytes().await.unwrap().to_vec()), (200, malformed.to_vec()));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "f.pem",
            "-subj",
            "/CN=Foreign CA",
            "-out",
            "foreign.pem",
        ],
    );
    openssl(dir, &["ocsp", "-issuer", "foreign.pem", "-serial", "0x01", "-reqout", "foreign.req"]);
    let r = client
        .post(format!("{}/ocsp", server.base))
        .body(std::fs::read(dir.join("foreign.req")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), [0x30, 0x03, 0x0a, 0x01, 0x06]);

    server.shutdown().await;
}

/// A batch is issued all or none: one bad request refuses it, names its position, and
/// nothing of it is recorded.
#[tokio::test]
async fn a_batch_is_issued_all_or_none() {
    use tillit_server::ca::CsrRequest;
    let server = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let csr = p256_csr(tmp.path(), "batch.example.org");
    let actor = tillit_core::audit::Actor::system("test");
    let request = |csr: &[u8]| CsrRequest { profile: "function".into(), csr: csr.to_vec(), days: Some(2) };
    let before = server.state.store.certificates().await.unwrap().len();

    let err = server
        .state
        .ca
        .issue_batch(&actor, "ca", vec![request(&csr), request(b"junk"), request(&csr)])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("request 2 of the batch: csr:"), "{err}");
    assert_eq!(server.state.store.certificates().await.unwrap().len(), before);

    let issued = server.state.ca.issue_batch(&actor, "ca", vec![request(&csr); 5]).await.unwrap();
    assert_eq!(issued.len(), 5);
    let serials: std::collections::BTreeSet<_> = issued.iter().map(|c| c.serial.clone()).collect();
    assert_eq!(serials.len(), 5);
    assert_eq!(server.state.store.certificates().await.unwrap().len(), before + 5);
    server.shutdown().await;
}
