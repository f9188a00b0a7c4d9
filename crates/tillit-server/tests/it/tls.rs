//! The HTTPS listener: the server's certificate from the node's CA, client certificates
//! verified up to the node's root and checked for revocation on every API request, the API
//! on HTTPS only.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tillit_core::audit::Actor;
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_server::tls::{self, TlsListener};
use tillit_server::AppState;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::{openssl, p256_csr};

pub(crate) struct Node {
    plain: String,
    tls: SocketAddr,
    data: PathBuf,
    pub(crate) state: Arc<AppState>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// A node on ephemeral ports of 127.0.0.1, both listeners, as `tillit serve` runs them.
pub(crate) async fn start() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let data_dir = DataDir::open(&data).unwrap();
    let store = data_dir.open_store().await.unwrap();
    let ca = data_dir.open_authority(&store).await.unwrap();
    let identity = data_dir.tls_identity(&ca).await.unwrap();
    assert_eq!(identity.issued_because, Some("there is none"));
    let config = tls::server_config(&ca, identity).unwrap();
    let plain = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let plain_url = format!("http://{}", plain.local_addr().unwrap());
    let secure = TlsListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).await.unwrap();
    let tls_addr = secure.local_addr();
    let state = AppState::start(store, ca, &data_dir.config.ca).await.unwrap();
    let (stop, stopped) = watch::channel(false);
    let until = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let tasks = vec![
        tokio::spawn(tillit_server::serve(plain, state.clone(), until(stopped.clone()))),
        tokio::spawn(tillit_server::serve_tls(secure, state.clone(), until(stopped))),
    ];
    Node { plain: plain_url, tls: tls_addr, data, state, stop, tasks, _dir: dir }
}

impl Node {
    /// The plain HTTP listener's base URL.
    pub(crate) fn plain_url(&self) -> &str {
        &self.plain
    }

    /// The node's root certificate (PEM), the last of `tls/chain.pem`.
    pub(crate) fn root_pem(&self) -> String {
        let chain = std::fs::read_to_string(self.data.join("tls/chain.pem")).unwrap();
        let pems: Vec<&str> = chain.split_inclusive("-----END CERTIFICATE-----\n").collect();
        assert_eq!(pems.len(), 2, "{chain}");
        pems[1].to_owned()
    }

    /// An HTTPS client that trusts `root` only, reaches the node as `host`, and presents
    /// `identity` (certificate chain and key, PEM) if given.
    pub(crate) fn client(&self, root: &str, host: &str, identity: Option<&str>) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(root.as_bytes()).unwrap())
            .resolve(host, SocketAddr::new(self.tls.ip(), 0));
        if let Some(pem) = identity {
            builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
        }
        builder.build().unwrap()
    }

    pub(crate) fn url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.tls.port())
    }

    pub(crate) async fn shutdown(self) {
        self.stop.send(true).unwrap();
        for task in self.tasks {
            task.await.unwrap().unwrap();
        }
    }
}

async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    r.json().await.unwrap()
}

/// A foreign CA that copies the node's issuing CA's name, and a client certificate (with
/// clientAuth) it issued; returns the client's identity PEM (certificate, CA, key).
fn foreign_identity(dir: &Path) -> String {
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
            "fca.key",
            "-subj",
            "/C=SE/O=tillit/CN=tillit Issuing CA",
            "-days",
            "2",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "fca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "fk.pem",
            "-subj",
            "/CN=svc.example.org",
            "-out",
            "f.csr",
        ],
    );
    std::fs::write(dir.join("ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n")
        .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "f.csr",
            "-CA",
            "fca.pem",
            "-CAkey",
            "fca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext",
            "-out",
            "f.pem",
        ],
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    format!("{}{}{}", read("f.pem"), read("fca.pem"), read("fk.pem"))
}

/// (a) the server verifies as `localhost` up to the node's root, and only so; (b) the API
/// without a client certificate is 401; (c) with one the node issued, the handler sees its
/// serial; (d) once revoked it is 401, on the same client; (e) a certificate of another CA
/// (with the issuing CA's name) fails the handshake; (f) the plain listener does not serve
/// the API, and its OpenAPI document describes it.
#[tokio::test]
async fn the_api_is_served_over_https_to_client_certificates_of_this_node() {
    let node = start().await;
    let root = node.root_pem();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // (a) The node's certificate verifies up to its root for localhost: public endpoints
    // are served over HTTPS too, without a client certificate.
    let anonymous = node.client(&root, "localhost", None);
    let r = anonymous.get(node.url("localhost", "/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Not for a name it does not carry, and not for a client trusting another root.
    let elsewhere = node.client(&root, "ra.example.org", None);
    let err = elsewhere.get(node.url("ra.example.org", "/healthz")).send().await.unwrap_err();
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
    openssl(
        dir,
        &["req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            .into_iter()
            .chain(["-keyout", "other.key", "-subj", "/CN=Other Root", "-out", "other.pem"])
            .collect::<Vec<_>>(),
    );
    let other_root = std::fs::read_to_string(dir.join("other.pem")).unwrap();
    let err = node.client(&other_root, "localhost", None).get(node.url("localhost", "/healthz")).send().await;
    assert!(format!("{:?}", err.unwrap_err()).contains("UnknownIssuer"));

    // (b) The API needs a client certificate.
    let r = anonymous.get(node.url("localhost", "/api/v1/whoami")).send().await.unwrap();
    let p = problem(r, 401).await;
    assert_eq!(p["type"], "urn:tillit:problem:unauthenticated");
    assert!(p["detail"].as_str().unwrap().contains("none was presented"), "{p}");

    // (c) A certificate the node issued (function profile: clientAuth), presented alone.
    let csr = p256_csr(dir, "svc.example.org");
    let actor = Actor::system("test");
    let issued = node.state.ca.issue_from_csr(&actor, "ca", "function", &csr, Some(1)).await.unwrap();
    let key = std::fs::read_to_string(dir.join("k.pem")).unwrap();
    let officer = node.client(&root, "localhost", Some(&format!("{}{key}", issued.pem)));
    let r = officer.get(node.url("localhost", "/api/v1/whoami")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["serial"], issued.serial.as_str());
    assert!(me["subject"].as_str().unwrap().contains("CN=svc.example.org"), "{me}");
    // A header claiming another certificate changes nothing.
    let r = officer
        .get(node.url("localhost", "/api/v1/whoami"))
        .header("x-client-cert", "forged")
        .header("x-ssl-client-serial", "01")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["serial"], issued.serial.as_str());
    // An unknown API path is a 404, not a handler.
    let r = officer.get(node.url("localhost", "/api/v1/nothing")).send().await.unwrap();
    problem(r, 404).await;

    // (d) Revoked: refused at once, also on the connection opened before.
    node.state.ca.revoke(&actor, "ca", &issued.serial, "keyCompromise".parse().unwrap()).await.unwrap();
    let r = officer.get(node.url("localhost", "/api/v1/whoami")).send().await.unwrap();
    let p = problem(r, 401).await;
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
    let fresh = node.client(&root, "localhost", Some(&format!("{}{key}", issued.pem)));
    let r = fresh.get(node.url("localhost", "/api/v1/whoami")).send().await.unwrap();
    problem(r, 401).await;

    // (e) Another CA, even one named like the node's issuing CA, or a self-signed
    // certificate: the server refuses the handshake with an alert.
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let self_signed = format!("{}{}", read("other.pem"), read("other.key"));
    for (what, identity) in
        [("named like the issuing CA", foreign_identity(dir)), ("self-signed", self_signed)]
    {
        let foreign = node.client(&root, "localhost", Some(&identity));
        let r = foreign.get(node.url("localhost", "/api/v1/whoami")).send().await;
        let said = format!("{:?}", r.map(|r| r.status()));
        assert!(said.starts_with("Err(") && said.contains("AlertReceived"), "{what}: {said}");
    }

    // (f) Plain HTTP: no API, a 404 that says where it is; the document describes it.
    let r = reqwest::get(format!("{}/api/v1/whoami", node.plain)).await.unwrap();
    let p = problem(r, 404).await;
    assert!(p["detail"].as_str().unwrap().contains("HTTPS listener"), "{p}");
    let doc: Value =
        reqwest::get(format!("{}/api/openapi.json", node.plain)).await.unwrap().json().await.unwrap();
    let whoami = &doc["paths"]["/api/v1/whoami"]["get"];
    assert!(whoami.is_object(), "{doc}");
    assert_eq!(whoami["security"][0]["clientCertificate"], serde_json::json!([]));
    assert_eq!(doc["components"]["securitySchemes"]["clientCertificate"]["type"], "mutualTLS");
    assert!(doc["components"]["schemas"]["WhoAmI"].is_object());
    // The public endpoints stay on plain HTTP.
    let r = reqwest::get(format!("{}/ca/root.crt", node.plain)).await.unwrap();
    assert_eq!(r.status(), 200);

    node.shutdown().await;
}

/// The server certificate is kept while it fits, and issued anew (and audited) when it
/// expires within 30 days, is revoked, or `tls_hosts` changes; its key stays, encrypted.
#[tokio::test]
async fn the_server_certificate_is_kept_while_it_fits_and_renewed_when_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let mut data_dir = DataDir::open(&data).unwrap();
    let store = data_dir.open_store().await.unwrap();
    let ca = data_dir.open_authority(&store).await.unwrap();
    assert!(!data.join("tls/server.pem").exists(), "init leaves the TLS certificate to serve");

    let first = data_dir.tls_identity(&ca).await.unwrap();
    assert_eq!(first.issued_because, Some("there is none"));
    let key = std::fs::read_to_string(data.join("keys/tls-server.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{key}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data.join("keys/tls-server.pem")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(std::fs::read_to_string(data.join("tls/chain.pem")).unwrap(), ca.chain_pem().unwrap());
    let shown = openssl(&data, &["x509", "-in", "tls/server.pem", "-noout", "-text"]);
    for want in
        ["DNS:localhost", "TLS Web Server Authentication", "Subject: C = SE, O = tillit, CN = localhost"]
    {
        assert!(shown.contains(want), "{want}: {shown}");
    }
    assert!(!shown.contains("TLS Web Client Authentication"), "{shown}");
    let verified = openssl(
        &data,
        &[
            "verify",
            "-CAfile",
            "tls/chain.pem",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "localhost",
            "tls/server.pem",
        ],
    );
    assert!(verified.contains("OK"), "{verified}");

    // Kept while it fits.
    let again = data_dir.tls_identity(&ca).await.unwrap();
    assert_eq!((again.serial.as_str(), again.issued_because), (first.serial.as_str(), None));

    // Less than 30 days left: a certificate for the same key and names, ending in 10 days.
    let pem = std::fs::read_to_string(data.join("tls/server.pem")).unwrap();
    let current = <x509_cert::Certificate as der::DecodePem>::from_pem(pem.as_bytes()).unwrap();
    let now = std::time::SystemTime::now();
    let template = tillit_pki::issue::Template {
        subject: vec![(tillit_pki::profile::SubjectField::CommonName, "localhost".into())],
        emails: vec![],
        upns: vec![],
        dns_names: vec!["localhost".into()],
        public_key: current.tbs_certificate.subject_public_key_info.clone(),
        not_before: now,
        not_after: now + std::time::Duration::from_secs(10 * 86_400),
        policies: vec![],
    };
    let short = ca.issue(&Actor::system("test"), "ca", tls::TLS_SERVER_PROFILE, &template).await.unwrap();
    std::fs::write(data.join("tls/server.pem"), &short.pem).unwrap();
    let renewed = data_dir.tls_identity(&ca).await.unwrap();
    assert_eq!(renewed.issued_because, Some("it expires within 30 days"));
    assert_ne!(renewed.serial, short.serial);
    let left = renewed.not_after.duration_since(now).unwrap().as_secs() / 86_400;
    assert!((363..=365).contains(&left), "{left} days");

    // Revoked: issued anew.
    ca.revoke(&Actor::system("test"), "ca", &renewed.serial, "superseded".parse().unwrap()).await.unwrap();
    let after_revocation = data_dir.tls_identity(&ca).await.unwrap();
    assert_eq!(after_revocation.issued_because, Some("it was revoked"));

    // Other host names: issued anew for them, with the same key.
    data_dir.config.tls_hosts = vec!["localhost".into(), "ra.example.org".into()];
    let rehosted = data_dir.tls_identity(&ca).await.unwrap();
    assert_eq!(rehosted.issued_because, Some("tls_hosts changed"));
    let shown = openssl(&data, &["x509", "-in", "tls/server.pem", "-noout", "-text"]);
    assert!(shown.contains("DNS:localhost, DNS:ra.example.org"), "{shown}");
    assert_eq!(std::fs::read_to_string(data.join("keys/tls-server.pem")).unwrap(), key);

    // Every one of them is recorded under the tls-server profile, each audited.
    let certificates = store.certificates().await.unwrap();
    let tls_server: Vec<_> = certificates.iter().filter(|c| c.profile == tls::TLS_SERVER_PROFILE).collect();
    assert_eq!(tls_server.len(), 5);
    store.close().await;
}
