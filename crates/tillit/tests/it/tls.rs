//! `tillit serve` with its HTTPS listener, as an operator and an API client meet it: the
//! node's TLS certificate made at start on a directory that has none, the API over HTTPS
//! with a client certificate from `tillit ca issue`, refused once `tillit ca revoke`d, not
//! served on plain HTTP; OpenSSL as the client.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::ca::{openssl, tillit_ok};
use crate::{init, run, stop, text, tillit, verify};

/// `tillit serve` on ephemeral ports, both given on the command line; the plain address
/// (`http://…`) and the HTTPS one (`host:port`) once it listens.
pub(crate) fn serve_both(data: &Path) -> (Child, String, String) {
    let mut child = tillit()
        .args(["serve", "--data", data.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0"])
        .env("TILLIT_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (plain, secure) = loop {
        let line = lines.next().expect("serve stopped before it listened").unwrap();
        if line.contains("tillit is serving") {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            let tls = v["fields"]["tls_address"].as_str().unwrap();
            break (
                v["fields"]["address"].as_str().unwrap().to_owned(),
                tls.strip_prefix("https://").unwrap().to_owned(),
            );
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, plain, secure)
}

/// `GET path` over HTTPS with `openssl s_client`, verifying the server as `localhost` up to
/// `root.pem` in `dir`, presenting `cert`/`key` when given. Whether the handshake verified,
/// and what came back.
fn https_get(dir: &Path, address: &str, path: &str, client: Option<(&str, &str)>) -> (bool, String) {
    let mut args = vec![
        "s_client",
        "-connect",
        address,
        "-servername",
        "localhost",
        "-verify_hostname",
        "localhost",
        "-CAfile",
        "root.pem",
        "-verify_return_error",
        "-quiet",
    ];
    if let Some((cert, key)) = client {
        args.extend(["-cert", cert, "-key", key]);
    }
    let mut child = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    child.stdin.take().unwrap().write_all(request.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn serve_issues_its_tls_certificate_and_serves_the_api_to_client_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A data directory without a TLS certificate (as every one made before the HTTPS
    // listener existed): serve issues it at start.
    let data = init(dir);
    let data_str = data.to_str().unwrap();
    assert!(!data.join("tls").exists());
    let (node, plain, secure) = serve_both(&data);
    for file in ["tls/server.pem", "tls/chain.pem", "keys/tls-server.pem"] {
        assert!(data.join(file).is_file(), "{file} missing");
    }
    let server_pem = std::fs::read_to_string(data.join("tls/server.pem")).unwrap();
    let chain = std::fs::read_to_string(data.join("tls/chain.pem")).unwrap();
    let root = chain.split_inclusive("-----END CERTIFICATE-----\n").nth(1).unwrap();
    std::fs::write(dir.join("root.pem"), root).unwrap();

    // The server verifies as localhost up to the root; public endpoints need no certificate.
    let (ok, said) = https_get(dir, &secure, "/healthz", None);
    assert!(ok && said.starts_with("HTTP/1.1 200"), "{said}");
    // The API does.
    let (_, said) = https_get(dir, &secure, "/api/v1/whoami", None);
    assert!(said.starts_with("HTTP/1.1 401") && said.contains("application/problem+json"), "{said}");

    // A client certificate from the node's CA (the function profile has clientAuth).
    openssl(
        dir,
        &["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            .into_iter()
            .chain(["-keyout", "client.key", "-subj", "/O=Emmaboda kommun/CN=agency.example.org"])
            .chain(["-out", "client.csr"])
            .collect::<Vec<_>>(),
    );
    let csr = dir.join("client.csr");
    let cert = dir.join("client.pem");
    let out = tillit_ok(&[
        "ca",
        "issue",
        "--data",
        data_str,
        "--profile",
        "function",
        "--csr",
        csr.to_str().unwrap(),
        "--days",
        "1",
        "--out",
        cert.to_str().unwrap(),
    ]);
    let serial = out.split_whitespace().nth(2).unwrap().to_owned();
    let (ok, said) = https_get(dir, &secure, "/api/v1/whoami", Some(("client.pem", "client.key")));
    assert!(ok && said.starts_with("HTTP/1.1 200"), "{said}");
    assert!(said.contains(&format!("\"serial\":\"{serial}\"")), "{said}");
    assert!(said.contains("CN=agency.example.org"), "{said}");

    // Revoked from the command line: the running node refuses it at once.
    tillit_ok(&["ca", "revoke", "--data", data_str, "--serial", &serial, "--reason", "keyCompromise"]);
    let (_, said) = https_get(dir, &secure, "/api/v1/whoami", Some(("client.pem", "client.key")));
    assert!(said.starts_with("HTTP/1.1 401") && said.contains("revoked"), "{said}");

    // Plain HTTP has no API.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::get(format!("{plain}/api/v1/whoami")).await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = reqwest::get(format!("{plain}/ca/root.crt")).await.unwrap();
        assert_eq!(r.status(), 200);
    });
    stop(node);

    // The next start keeps the certificate; the log verifies with the issuance in it.
    let (node, _, secure) = serve_both(&data);
    assert_eq!(std::fs::read_to_string(data.join("tls/server.pem")).unwrap(), server_pem);
    let (ok, said) = https_get(dir, &secure, "/readyz", None);
    assert!(ok && said.starts_with("HTTP/1.1 200"), "{said}");
    stop(node);
    let (code, report) = verify(&data);
    assert_eq!(code, 0, "{report}");
    let listed = tillit_ok(&["ca", "list", "--data", data_str]);
    assert_eq!(listed.lines().filter(|l| l.contains("\ttls-server\t")).count(), 1, "{listed}");
}

#[test]
fn a_bad_tls_setting_is_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    for (key, value, said) in [
        ("TILLIT_TLS_HOSTS", "[\"127.0.0.1\"]", "is an IP address"),
        ("TILLIT_TLS_HOSTS", "[]", "at least one host name"),
        ("TILLIT_TLS_HOSTS", "[\"bad name\"]", "is not a DNS name"),
        ("TILLIT_LISTEN_TLS", "nowhere", "LISTEN_TLS"),
    ] {
        let out =
            tillit().args(["serve", "--data", data.to_str().unwrap()]).env(key, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}={value}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(said), "{key}={value}: {err}");
    }
    // A port that is taken: named, and nothing was left listening.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = run(&[
        "serve",
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--listen-tls",
        &address,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {address}")), "{err}");
}

/// The officer portal on `tillit serve`: the start page in the browser's language on both
/// listeners (plain HTTP only because it listens on loopback), with its strict CSP; the API's
/// problem+json answers what the portal does not serve.
#[test]
fn serve_offers_the_portal_on_both_listeners() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::init(dir.path());
    let (mut server, plain, secure) = serve_both(&data);
    let chain = std::fs::read(data.join("tls/chain.pem")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let page = |url: &str, _ca: Option<()>| {
        let mut builder = reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false);
        for cert in reqwest::Certificate::from_pem_bundle(&chain).unwrap() {
            builder = builder.add_root_certificate(cert);
        }
        let client = builder.build().unwrap();
        runtime.block_on(async {
            let r = client.get(url).header("accept-language", "sv-SE,sv;q=0.9").send().await.unwrap();
            let mut text = String::new();
            for (k, v) in r.headers() {
                text.push_str(&format!("{k}: {}\n", v.to_str().unwrap_or_default()));
            }
            text + &r.text().await.unwrap()
        })
    };
    let answer = page(&format!("{plain}/"), None);
    assert!(answer.contains("<html lang=\"sv\">") && answer.contains("Logga in"), "{answer}");
    assert!(
        answer.to_lowercase().contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{answer}"
    );
    let port = secure.rsplit(':').next().unwrap();
    let answer = page(&format!("https://localhost:{port}/?lang=nb"), Some(()));
    assert!(answer.contains("<html lang=\"nb\">") && answer.contains("Logg inn"), "{answer}");
    let answer = page(&format!("{plain}/nothing"), None);
    assert!(answer.contains("application/problem+json"), "{answer}");
    server.kill().unwrap();
    server.wait().unwrap();
}
