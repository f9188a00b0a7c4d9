//! `tillit card enroll` as a holder runs it, against a small in-test endpoint (the client side
//! only: the end-to-end run against the real node is in the server's tests): the options it
//! refuses before touching the card, a refusal printed with its rule and field, retries with
//! one Idempotency-Key, the certificates stored on the card, `--replace`, a wrong PIN.
//!
//! The card is a SoftHSM2 token: the tests that need one run when TEST_TILLIT_PKCS11_URI names
//! it (`eval "$(bash .ci/softhsm.sh)"`), and otherwise print a note and pass, unless
//! TEST_TILLIT_REQUIRE_PKCS11 is set (as the PKCS#11 tests of tillit-pki do).

use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tillit_pki::csr::verify_csr;
use tillit_pki::issue::{issue, root_ca, Issuer, Template, Urls};
use tillit_pki::profile::{Profiles, SubjectField};
use tillit_pki::signer::generate_pkcs8;
use tillit_pki::token::{CardToken, ObjectKind};
use tillit_pki::{FileSigner, KeyAlgorithm, Pkcs11Uri, Signer as _};

use crate::{text, tillit};

/// The tests that use the token take turns: SoftHSM2's file store answers C_Login and
/// C_GenerateKeyPair with CKR_GENERAL_ERROR now and then when several sessions log in and
/// write objects at once (SoftHSMv2 issue 573; a real card has one holder at a time).
static CARD: Mutex<()> = Mutex::new(());

/// The token under test and the turn to use it, or None (after a note) when none is
/// configured.
pub(crate) fn card() -> Option<(String, std::sync::MutexGuard<'static, ()>)> {
    let uri = token_uri()?;
    Some((uri, CARD.lock().unwrap_or_else(std::sync::PoisonError::into_inner)))
}

/// The card under test, or None (after a note) when none is configured.
fn token_uri() -> Option<String> {
    match std::env::var("TEST_TILLIT_PKCS11_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri),
        _ => {
            if std::env::var_os("TEST_TILLIT_REQUIRE_PKCS11").is_some_and(|v| !v.is_empty()) {
                panic!("TEST_TILLIT_REQUIRE_PKCS11 is set but TEST_TILLIT_PKCS11_URI is not");
            }
            eprintln!(
                "skipped: set TEST_TILLIT_PKCS11_URI (eval \"$(bash .ci/softhsm.sh)\") to run the PKCS#11 tests"
            );
            None
        }
    }
}

fn unique_prefix() -> String {
    format!("tillit-test-card-{}", uuid::Uuid::new_v4().simple())
}

/// `tillit card enroll ARGS…`.
fn enroll(args: &[&str]) -> Output {
    tillit().args(["card", "enroll"]).args(args).output().unwrap()
}

/// A request as the endpoint saw it.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// An answer: status, content type, body.
type Answer = (u16, &'static str, String);

/// A one-connection-per-request HTTP/1.1 endpoint on 127.0.0.1 (over TLS when `tls` is
/// given), answering request n (from 0) with `respond(n, request)`. Its port and what it saw.
fn endpoint(
    tls: Option<Arc<rustls::ServerConfig>>,
    respond: impl Fn(usize, &Seen) -> Answer + Send + 'static,
) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let result = match &tls {
                Some(config) => {
                    let connection = rustls::ServerConnection::new(config.clone()).unwrap();
                    let mut stream = rustls::StreamOwned::new(connection, stream);
                    let outcome = exchange(&mut stream, &log, &respond);
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                    outcome
                }
                None => {
                    let mut stream: TcpStream = stream;
                    exchange(&mut stream, &log, &respond)
                }
            };
            // A client that gave up (or failed the handshake) is not the endpoint's business.
            let _ = result;
        }
    });
    (port, seen)
}

fn exchange<S: Read + Write>(
    stream: &mut S,
    log: &Mutex<Vec<Seen>>,
    respond: &impl Fn(usize, &Seen) -> Answer,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut *stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let seen = Seen {
        request_line: request_line.trim_end().to_owned(),
        headers,
        body: String::from_utf8(body).unwrap(),
    };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(seen.clone());
        log.len() - 1
    };
    let (status, content_type, body) = respond(n, &seen);
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

/// A test CA: its certificate (PEM in `dir/root.pem`) and key; a TLS configuration for
/// `localhost` under it; and a way to issue a certificate from a request.
struct TestCa {
    certificate: x509_cert::Certificate,
    signer: FileSigner,
    profiles: Profiles,
}

impl TestCa {
    fn new(dir: &Path) -> Self {
        let pkcs8 = generate_pkcs8(KeyAlgorithm::EcdsaP256).unwrap();
        let signer = FileSigner::from_pkcs8(Path::new("test-ca"), KeyAlgorithm::EcdsaP256, &pkcs8).unwrap();
        let now = SystemTime::now();
        let root = root_ca(
            &signer,
            &[(SubjectField::CommonName, "tillit card test CA".into())],
            now - Duration::from_secs(60),
            now + Duration::from_secs(30 * 86_400),
        )
        .unwrap();
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &root.der).unwrap();
        std::fs::write(dir.join("root.pem"), pem).unwrap();
        TestCa { certificate: root.certificate, signer, profiles: Profiles::defaults() }
    }

    fn issue(
        &self,
        profile: &str,
        subject: &str,
        public_key: spki::SubjectPublicKeyInfoOwned,
        dns: &[&str],
    ) -> Vec<u8> {
        let now = SystemTime::now();
        let template = Template {
            subject: vec![(SubjectField::CommonName, subject.to_owned())]
                .into_iter()
                .chain(
                    (profile != "tls-server").then(|| (SubjectField::SerialNumber, "TEST-0001".to_owned())),
                )
                .collect(),
            emails: vec![],
            upns: vec![],
            dns_names: dns.iter().map(|d| d.to_string()).collect(),
            public_key,
            not_before: now - Duration::from_secs(60),
            not_after: now + Duration::from_secs(7 * 86_400),
            policies: vec![],
        };
        let issuer = Issuer { name: "test", certificate: &self.certificate, signer: &self.signer };
        issue(
            &issuer,
            profile,
            self.profiles.get(profile).unwrap(),
            &template,
            &Urls::new("http://127.0.0.1"),
        )
        .unwrap()
        .der
    }

    fn tls(&self) -> Arc<rustls::ServerConfig> {
        let pkcs8 = generate_pkcs8(KeyAlgorithm::EcdsaP256).unwrap();
        let key = FileSigner::from_pkcs8(Path::new("tls"), KeyAlgorithm::EcdsaP256, &pkcs8).unwrap();
        let der = self.issue("tls-server", "localhost", key.public_key().clone(), &["localhost"]);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(der)],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8.to_vec())),
            )
            .unwrap();
        Arc::new(config)
    }

    /// The 201 answer for an enrolment request: both requests verified and issued.
    fn answer(&self, request: &Seen) -> Answer {
        let body = request.json();
        let mut issued = Vec::new();
        for (field, profile) in [("authentication_csr", "se-authentication"), ("signing_csr", "se-signature")]
        {
            let csr = verify_csr(body[field].as_str().unwrap().as_bytes()).unwrap();
            let der = self.issue(profile, "Test Holder", csr.public_key, &[]);
            let certificate: x509_cert::Certificate = der::Decode::from_der(&der).unwrap();
            let serial = hex::encode(certificate.tbs_certificate.serial_number.as_bytes());
            let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap();
            issued.push(serde_json::json!({ "serial": serial, "certificate": pem }));
        }
        let answer = serde_json::json!({
            "credential": "0193a7a0-0000-7000-8000-000000000001",
            "not_after": "2030-01-31",
            "authentication": issued[0],
            "signing": issued[1],
            "chain": "",
        });
        (201, "application/json", answer.to_string())
    }
}

fn problem(status: u16, title: &str, detail: &str, rule: &str, field: &str) -> Answer {
    let mut body =
        serde_json::json!({ "type": "about:blank", "title": title, "status": status, "detail": detail });
    for (name, value) in [("rule", rule), ("field", field)] {
        if !value.is_empty() {
            body[name] = value.into();
        }
    }
    (status, "application/problem+json", body.to_string())
}

/// The kinds of object on the card under `label`, sorted.
fn on_card(uri: &str, label: &str) -> Vec<ObjectKind> {
    let uri: Pkcs11Uri = uri.parse().unwrap();
    let card = CardToken::open(&uri).unwrap();
    let mut kinds: Vec<ObjectKind> = card.objects(label).unwrap().into_iter().map(|o| o.kind).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    kinds
}

fn one_line_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.lines().filter(|l| l.starts_with("error")).count(), 1, "{err}");
    err
}

#[test]
fn options_that_cannot_work_are_refused_before_the_card_is_touched() {
    // A token that does not exist: any of these reaching the card would fail differently.
    let token = "pkcs11:token=holder?module-path=/nonexistent/opensc-pkcs11.so&pin-value=123456";
    let base = ["--code", "ABCD-EFGH", "--token", token];
    let cases: &[(&[&str], &[&str])] = &[
        (&["--server", "https://ra.example.se:8443"], &["--ca-file", "system's roots are not used"]),
        (
            &["--server", "http://ra.example.se:8080"],
            &["plain http is refused", "127.0.0.1 or localhost", "unencrypted"],
        ),
        (&["--server", "http://10.0.0.1:8080"], &["plain http is refused"]),
        (&["--server", "ftp://127.0.0.1"], &["scheme \"ftp\""]),
        (&["--server", "ra.example.se"], &["--server \"ra.example.se\" is not a URL"]),
        (
            &["--server", "https://localhost:1", "--ca-file", "/nonexistent/chain.pem"],
            &["--ca-file /nonexistent/chain.pem: cannot read it"],
        ),
        (&["--server", "http://127.0.0.1:1", "--label", ""], &["label prefix is empty"]),
    ];
    for (args, expected) in cases {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(base);
        let err = one_line_error(&enroll(&all));
        for e in *expected {
            assert!(err.contains(e), "{args:?}: expected {e:?} in {err}");
        }
        assert!(!err.contains("123456") && !err.contains("ABCD-EFGH"), "{err}");
    }

    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let out = enroll(&[
        "--server",
        "https://localhost:1",
        "--ca-file",
        empty.to_str().unwrap(),
        "--code",
        "x",
        "--token",
        token,
    ]);
    assert!(one_line_error(&out).contains("holds no PEM certificate"), "{}", text(&out.stderr));

    let out = enroll(&["--server", "http://127.0.0.1:1", "--code", "x", "--token", "not-a-uri"]);
    assert!(one_line_error(&out).contains("--token is not a usable PKCS#11 URI"), "{}", text(&out.stderr));

    // clap's own refusals name the option.
    let out = enroll(&[
        "--server",
        "http://127.0.0.1:1",
        "--code",
        "x",
        "--token",
        token,
        "--algorithm",
        "rsa1024",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--algorithm") && err.contains("p256, p384 or rsa3072"), "{err}");
    let out = enroll(&["--server", "http://127.0.0.1:1", "--token", token]);
    assert!(text(&out.stderr).contains("--code"), "{}", text(&out.stderr));
}

#[test]
fn a_refusal_is_printed_with_its_rule_and_field_and_the_new_keys_are_removed() {
    let Some((uri, _turn)) = card() else { return };
    let (port, seen) = endpoint(None, |_, _| {
        problem(409, "Conflict", "the download code has been used already", "R-CRED-4", "code")
    });
    let prefix = unique_prefix();
    let server = format!("http://127.0.0.1:{port}");
    let out = enroll(&["--server", &server, "--code", "USED-CODE", "--token", &uri, "--label", &prefix]);
    let err = one_line_error(&out);
    for expected in
        ["refused", "409 Conflict", "the download code has been used already", "rule R-CRED-4", "field code"]
    {
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    }
    // A 4xx is final: asked once.
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(on_card(&uri, &format!("{prefix}-authentication")).is_empty());
    assert!(on_card(&uri, &format!("{prefix}-signing")).is_empty());

    // Not problem+json: the status and the start of the body.
    let (port, _) = endpoint(None, |_, _| (404, "text/plain", "no such route".to_owned()));
    let out = enroll(&[
        "--server",
        &format!("http://localhost:{port}"),
        "--code",
        "C",
        "--token",
        &uri,
        "--label",
        &prefix,
    ]);
    let err = one_line_error(&out);
    assert!(err.contains("404") && err.contains("no such route"), "{err}");
}

#[test]
fn a_credential_is_downloaded_over_https_after_a_server_error_and_replaced_only_when_asked() {
    let Some((uri, _turn)) = card() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(TestCa::new(dir.path()));
    let tls = ca.tls();
    let issuing = ca.clone();
    let (port, seen) = endpoint(Some(tls), move |n, request| {
        if n == 0 {
            problem(503, "Service Unavailable", "the database is restarting", "", "")
        } else {
            issuing.answer(request)
        }
    });
    let prefix = unique_prefix();
    let server = format!("https://localhost:{port}");
    let root = dir.path().join("root.pem");
    let args = [
        "--server",
        &server,
        "--ca-file",
        root.to_str().unwrap(),
        "--code",
        "K7Q2-9XZP",
        "--token",
        &uri,
        "--label",
        &prefix,
    ];
    let out = enroll(&args);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains(
            "credential 0193a7a0-0000-7000-8000-000000000001 stored on the card, valid until 2030-01-31"
        ),
        "{said}"
    );
    assert!(
        said.contains(&format!("label {prefix}-authentication"))
            && said.contains(&format!("label {prefix}-signing")),
        "{said}"
    );

    // Two tries of one request: the same Idempotency-Key, the JSON body of the contract.
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.request_line, "POST /api/v1/enrolment HTTP/1.1");
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body = request.json();
        assert_eq!(body["code"], "K7Q2-9XZP");
        assert!(body.get("receipt").is_none(), "{body}");
        for field in ["authentication_csr", "signing_csr"] {
            let csr = verify_csr(body[field].as_str().unwrap().as_bytes()).unwrap();
            assert!(
                matches!(csr.subject.as_slice(), [(SubjectField::CommonName, cn)] if cn.starts_with(&prefix))
            );
        }
    }
    let key = requests[0].header("idempotency-key").unwrap();
    assert_eq!(uuid::Uuid::parse_str(key).unwrap().get_version_num(), 4);
    assert_eq!(requests[1].header("idempotency-key"), Some(key));
    assert_eq!(requests[0].body, requests[1].body);

    let full = vec![ObjectKind::Certificate, ObjectKind::PrivateKey, ObjectKind::PublicKey];
    assert_eq!(on_card(&uri, &format!("{prefix}-authentication")), full);
    assert_eq!(on_card(&uri, &format!("{prefix}-signing")), full);

    // Again on the same card: refused before anything is sent, the card as it was.
    let err = one_line_error(&enroll(&args));
    assert!(err.contains("--replace") && err.contains(&format!("{prefix}-authentication")), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(on_card(&uri, &format!("{prefix}-authentication")), full);

    // With --replace (and a receipt): the new credential, the old one deleted.
    let mut replace = args.to_vec();
    replace.extend(["--replace", "--receipt", "receipt-42", "--algorithm", "p384"]);
    let out = enroll(&replace);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        text(&out.stdout).contains("replaced the previous credential (6 objects deleted)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(seen.lock().unwrap()[2].json()["receipt"], "receipt-42");
    assert_eq!(on_card(&uri, &format!("{prefix}-authentication")), full);
    assert_eq!(on_card(&uri, &format!("{prefix}-signing")), full);

    // A CA file that is not the node's: the handshake fails, and says where to look.
    let other = tempfile::tempdir().unwrap();
    TestCa::new(other.path());
    let wrong_root = other.path().join("root.pem");
    let mut wrong = args.to_vec();
    wrong[3] = wrong_root.to_str().unwrap();
    wrong.push("--replace");
    let err = one_line_error(&enroll(&wrong));
    assert!(err.contains("no answer from the server after 3 tries") && err.contains("--ca-file"), "{err}");
}

#[test]
fn the_library_enrols_too() {
    let Some((uri, _turn)) = card() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(TestCa::new(dir.path()));
    let issuing = ca.clone();
    let (port, _) = endpoint(Some(ca.tls()), move |_, request| issuing.answer(request));
    let mut options =
        tillit_card::EnrolOptions::new(format!("https://localhost:{port}"), "CODE", uri.parse().unwrap());
    options.ca_file = Some(dir.path().join("root.pem"));
    options.label = unique_prefix();
    options.algorithm = KeyAlgorithm::Rsa3072;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let enrolled = rt.block_on(tillit_card::enroll(&options)).unwrap();
    assert_eq!(enrolled.not_after, "2030-01-31");
    assert_eq!(enrolled.labels.signing, format!("{}-signing", options.label));
    assert_eq!(enrolled.replaced, 0);
    let card = CardToken::open(&options.token).unwrap();
    let stored = card.certificate(&enrolled.labels.signing, &enrolled.signing_id).unwrap().unwrap();
    let certificate: x509_cert::Certificate = der::Decode::from_der(&stored).unwrap();
    assert_eq!(hex::encode(certificate.tbs_certificate.serial_number.as_bytes()), enrolled.signing_serial);
}

#[test]
fn an_unreachable_server_and_a_wrong_pin_are_named() {
    let Some((uri, _turn)) = card() else { return };
    // A port nobody listens on: three tries, then the new keys are removed.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let prefix = unique_prefix();
    let out = enroll(&[
        "--server",
        &format!("http://127.0.0.1:{closed}"),
        "--code",
        "C",
        "--token",
        &uri,
        "--label",
        &prefix,
    ]);
    let err = one_line_error(&out);
    assert!(
        err.contains("no answer from the server after 3 tries") && err.contains("removed from the card"),
        "{err}"
    );
    assert!(on_card(&uri, &format!("{prefix}-authentication")).is_empty());

    // A wrong PIN: said as such, nothing sent.
    let (port, seen) = endpoint(None, |_, _| (500, "text/plain", String::new()));
    let parsed: Pkcs11Uri = uri.parse().unwrap();
    let wrong = format!(
        "pkcs11:token={}?module-path={}&pin-value=wrong-pin-0000",
        parsed.token().unwrap(),
        parsed.module_path().unwrap().display()
    );
    let out = enroll(&["--server", &format!("http://127.0.0.1:{port}"), "--code", "C", "--token", &wrong]);
    let err = one_line_error(&out);
    assert!(err.contains("the PIN is wrong") && !err.contains("wrong-pin-0000"), "{err}");
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn each_try_has_its_timeout_and_the_answer_names_it() {
    let Some((uri, _turn)) = card() else { return };
    // An endpoint that reads the request and then keeps the client waiting.
    let (port, seen) = endpoint(None, |_, _| {
        std::thread::sleep(Duration::from_millis(1500));
        (500, "text/plain", String::new())
    });
    let mut options =
        tillit_card::EnrolOptions::new(format!("http://127.0.0.1:{port}"), "CODE", uri.parse().unwrap());
    options.label = unique_prefix();
    options.timeout = Duration::from_millis(500);
    options.retry_delay = Duration::from_millis(10);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = rt.block_on(tillit_card::enroll(&options)).unwrap_err();
    assert!(matches!(e, tillit_card::CardError::Unreachable { tries: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(!seen.lock().unwrap().is_empty());
    assert!(on_card(&uri, &format!("{}-authentication", options.label)).is_empty());
}

#[test]
fn certificates_for_other_keys_are_a_wrong_answer_and_nothing_is_stored() {
    let Some((uri, _turn)) = card() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(TestCa::new(dir.path()));
    let issuing = ca.clone();
    // The two certificates swapped: each for the other key.
    let (port, _) = endpoint(None, move |_, request| {
        let (status, content_type, body) = issuing.answer(request);
        let mut answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        let authentication = answer["authentication"].take();
        answer["authentication"] = answer["signing"].take();
        answer["signing"] = authentication;
        (status, content_type, answer.to_string())
    });
    let mut options =
        tillit_card::EnrolOptions::new(format!("http://127.0.0.1:{port}"), "CODE", uri.parse().unwrap());
    options.label = unique_prefix();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = rt.block_on(tillit_card::enroll(&options)).unwrap_err();
    assert!(matches!(e, tillit_card::CardError::Answer(_)), "{e:?}");
    assert!(e.to_string().contains("not for the key"), "{e}");
    for suffix in ["authentication", "signing"] {
        assert!(on_card(&uri, &format!("{}-{suffix}", options.label)).is_empty(), "{suffix}");
    }
}

/// The whole routine as its users run it, against the real node: the directory from the HR
/// register, a KRA officer with a client certificate, an SIS card from order basis to
/// hand-out over the API with every action signed, the holder's download through
/// `tillit card enroll` onto a SoftHSM2 card, `openssl verify` and `openssl ocsp` on the pair,
/// the lost card revoked, OCSP saying so, and `tillit audit verify` checking the log and
/// every officer signature at the end.
#[test]
fn card_end_to_end_from_order_basis_to_revocation() {
    let Some((uri, _turn)) = card() else { return };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(end_to_end(uri));
}

async fn end_to_end(uri: String) {
    use base64::Engine as _;
    use serde_json::{json, Value};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = crate::init(d);
    let data_s = data.to_str().unwrap();
    let ok = |args: &[&str]| {
        let out = tillit().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    ok(&[
        "org",
        "add",
        "--data",
        data_s,
        "--name",
        "Tolvköping",
        "--kind",
        "organisation",
        "--hr-code",
        "K1",
        "--org-number",
        "2120000142",
    ]);
    ok(&[
        "org",
        "add",
        "--data",
        data_s,
        "--name",
        "Skolan",
        "--kind",
        "unit",
        "--parent",
        "K1",
        "--hr-code",
        "U1",
    ]);
    let hr = d.join("hr.csv");
    std::fs::write(
        &hr,
        "national_id,given_names,family_name,email,unit,start,name_checked\n\
         19121212-1212,Tolvan,Tolvansson,tolvan@example.org,U1,2020-01-01,2026-01-02\n\
         19800101-0001,Karin,Kra,karin@example.org,U1,2020-01-01,2026-01-02\n\
         19700101-0003,Sven,Säker,sven@example.org,U1,2020-01-01,2026-01-02\n",
    )
    .unwrap();
    ok(&["import", "hr", hr.to_str().unwrap(), "--data", data_s, "--org", "K1"]);
    ok(&[
        "role",
        "grant",
        "--data",
        data_s,
        "--person",
        "19700101-0003",
        "--role",
        "security_officer",
        "--org",
        "K1",
    ]);
    ok(&[
        "role",
        "grant",
        "--data",
        data_s,
        "--person",
        "19800101-0001",
        "--role",
        "kra",
        "--org",
        "U1",
        "--training-course",
        "KRA-grund",
        "--training-completed",
        "2026-01-05",
        "--specimen-reference",
        "ARK-2026-7",
        "--specimen-signed-by",
        "Kommundirektören",
        "--specimen-approved-by",
        "19700101-0003",
        "--specimen-approved-on",
        "2026-01-06",
    ]);
    crate::ca::openssl(
        d,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "me.key",
            "-subj",
            "/CN=Karin Kra",
            "-out",
            "me.csr",
        ],
    );
    let issued = ok(&[
        "ca",
        "issue",
        "--data",
        data_s,
        "--profile",
        "function",
        "--csr",
        d.join("me.csr").to_str().unwrap(),
        "--out",
        d.join("me.pem").to_str().unwrap(),
    ]);
    let serial = issued
        .split_whitespace()
        .find(|w| w.len() >= 16 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap()
        .to_string();
    ok(&["principal", "bind", "--data", data_s, "--serial", &serial, "--person", "19800101-0001"]);

    let (mut server, plain, secure) = crate::tls::serve_both(&data);
    let port = secure.rsplit(':').next().unwrap().to_string();
    let base = format!("https://localhost:{port}");
    let chain = std::fs::read(data.join("tls/chain.pem")).unwrap();
    let mut builder = reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false);
    for cert in reqwest::Certificate::from_pem_bundle(&chain).unwrap() {
        builder = builder.add_root_certificate(cert);
    }
    let identity =
        [std::fs::read(d.join("me.pem")).unwrap(), std::fs::read(d.join("me.key")).unwrap()].concat();
    let client = builder.identity(reqwest::Identity::from_pem(&identity).unwrap()).build().unwrap();
    let sign = |path: &str, key: &str, body: &[u8]| {
        std::fs::write(d.join("body.json"), body).unwrap();
        let digest = crate::ca::openssl(d, &["dgst", "-sha256", "-r", "body.json"]);
        let text = format!(
            "tillit-action-v1\nPOST {path}\nidempotency-key: {key}\ncontent-sha256: {}",
            &digest[..64]
        );
        std::fs::write(d.join("action.txt"), text).unwrap();
        crate::ca::openssl(d, &["dgst", "-sha256", "-sign", "me.key", "-out", "action.sig", "action.txt"]);
        let sig =
            base64::engine::general_purpose::STANDARD.encode(std::fs::read(d.join("action.sig")).unwrap());
        format!("keyid=\"{serial}\", signature=\"{sig}\"")
    };
    let post = |path: String, body: Value| {
        let (client, base) = (client.clone(), base.clone());
        let bytes = serde_json::to_vec(&body).unwrap();
        let key = uuid::Uuid::new_v4().to_string();
        let signature = sign(&path, &key, &bytes);
        async move {
            let r = client
                .post(format!("{base}{path}"))
                .header("idempotency-key", key)
                .header("tillit-signature", signature)
                .header("content-type", "application/json")
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let found: Value =
        client.get(format!("{base}/api/v1/persons?q=tolvansson")).send().await.unwrap().json().await.unwrap();
    let holder = found["persons"][0]["id"].as_str().unwrap().to_string();
    let orgs: Value = client.get(format!("{base}/api/v1/orgs")).send().await.unwrap().json().await.unwrap();
    let unit = orgs.as_array().unwrap().iter().find(|o| o["hr_code"] == "U1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (s, card) =
        post(format!("/api/v1/persons/{holder}/cards"), json!({"org": unit, "kind": "sis"})).await;
    assert_eq!(s, 201, "{card}");
    let c = card["id"].as_str().unwrap().to_string();
    let jpeg = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0xFF, 0xD9]);
    let (s, a) = post(
        format!("/api/v1/cards/{c}/order"),
        json!({"holder_present": true, "document": {"kind": "passport", "number": "AB1234567"},
               "photo": {"media_type": "image/jpeg", "content": jpeg},
               "signature_image": {"media_type": "image/jpeg", "content": jpeg}}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let (s, a) = post("/api/v1/batches".into(), json!({"cards": [c], "reviewed": [c]})).await;
    assert_eq!(s, 201, "{a}");
    let (s, a) = post(format!("/api/v1/cards/{c}/delivery"), json!({"serial": "9752000001"})).await;
    assert_eq!(s, 200, "{a}");
    let (s, a) = post(
        format!("/api/v1/cards/{c}/hand-out"),
        json!({"holder_present": true, "document": {"kind": "passport", "number": "AB1234567"},
               "national_id": "19121212-1212", "given_names": "Tolvan", "family_name": "Tolvansson",
               "pin_letter": true, "receipt": "kvittens-1"}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let (s, ordered) = post(format!("/api/v1/cards/{c}/credentials"), json!({"basis": "hsa_id"})).await;
    assert_eq!(s, 201, "{ordered}");
    let code = ordered["download_code"].as_str().unwrap();

    // The holder's card client on the token: keys made on the card, the pair stored there.
    let prefix = unique_prefix();
    let out = enroll(&[
        "--server",
        &base,
        "--code",
        code,
        "--token",
        &uri,
        "--label",
        &prefix,
        "--ca-file",
        data.join("tls/chain.pem").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let said = text(&out.stdout);
    let token = CardToken::open(&uri.parse::<Pkcs11Uri>().unwrap()).unwrap();
    std::fs::write(d.join("chain.pem"), &chain).unwrap();
    let pems: Vec<String> = String::from_utf8(chain.clone())
        .unwrap()
        .split_inclusive("-----END CERTIFICATE-----\n")
        .map(str::to_string)
        .collect();
    std::fs::write(d.join("issuing.pem"), &pems[0]).unwrap();
    std::fs::write(d.join("root.pem"), pems.last().unwrap()).unwrap();
    for which in ["authentication", "signing"] {
        let line = said.lines().find(|l| l.starts_with(which)).unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let (label, id) = (words[4], hex::decode(words[6]).unwrap());
        let der = token.certificate(label, &id).unwrap().expect("the certificate is on the card");
        std::fs::write(d.join(format!("{which}.der")), der).unwrap();
        crate::ca::openssl(
            d,
            &["x509", "-inform", "DER", "-in", &format!("{which}.der"), "-out", &format!("{which}.pem")],
        );
        let verified = crate::ca::openssl(
            d,
            &["verify", "-CAfile", "root.pem", "-untrusted", "chain.pem", &format!("{which}.pem")],
        );
        assert!(verified.contains(": OK"), "{verified}");
    }
    drop(token);
    let ocsp = |cert: &str| {
        crate::ca::openssl(
            d,
            &[
                "ocsp",
                "-issuer",
                "issuing.pem",
                "-cert",
                cert,
                "-url",
                &format!("{plain}/ocsp"),
                "-CAfile",
                "root.pem",
                "-no_nonce",
            ],
        )
    };
    for cert in ["authentication.pem", "signing.pem"] {
        assert!(ocsp(cert).contains(": good"), "{cert}");
    }

    // Lost: the RA revokes at the holder's request; the card is deregistered.
    let (s, revoked) = post(
        "/api/v1/revocations".into(),
        json!({"holder": holder, "requester": "holder", "requested_by": holder,
               "identification": {"method": "in_person", "document": "passport"},
               "reason": "key_compromise", "circumstance": "lost", "target": {"kind": "card", "card": c}}),
    )
    .await;
    assert_eq!(s, 201, "{revoked}");
    for cert in ["authentication.pem", "signing.pem"] {
        let said = ocsp(cert);
        assert!(said.contains(": revoked") && said.contains("keyCompromise"), "{said}");
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let out = tillit().args(["audit", "verify", "--data", data_s]).output().unwrap();
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let err = text(&out.stderr);
    let signed: u64 =
        err.lines().find_map(|l| l.strip_suffix(" officer signatures verified")).unwrap().parse().unwrap();
    assert!(signed >= 8, "{err}");
}
