//! The card client: `tillit card enroll`, the card middleware of a holder's self-service
//! credential download (R-CRED-4).
//!
//! The card generates an authentication and a signing key pair ([`tillit_pki::token`]), the
//! client sends their two PKCS#10 requests with the one-time download code to the node
//! (`POST /api/v1/enrolment`), and stores the two issued certificates on the card beside their
//! keys. The node sets the certificates' content from its directory (R-CRED-5): the requests
//! carry only the key and a minimal subject.
//!
//! - **Trust**: HTTPS to the node, trusting only the CA file given (`--ca-file`, e.g. the data
//!   directory's `tls/chain.pem`), never the system roots. Plain HTTP only to this machine
//!   (127.0.0.1, ::1, localhost): the one-time code must not cross a network in clear text.
//! - **Retries**: on a connection error, a timeout or a 5xx answer the request is sent again
//!   with the same `Idempotency-Key` (three tries in all, one second then two apart), so the
//!   node issues one credential however often it hears the request; a 4xx answer is final.
//! - **The card**: a credential under the labels already on the card is refused unless
//!   `replace` is given, and then deleted only after the new certificates are stored. When
//!   the node refuses, or cannot be reached, the new keys are deleted again.
//!
//! This file is also the `tillit_card` library, so tests can call [`enroll`] directly.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tillit_pki::token::{certificate_der, CredentialLabels, Enrolment, TokenError};
use tillit_pki::{KeyAlgorithm, Pkcs11Uri};

/// How often a request is sent at most (the first try and two retries).
pub const TRIES: u32 = 3;

/// The path of the enrolment endpoint under the server URL.
pub const ENROLMENT_PATH: &str = "api/v1/enrolment";

/// `tillit card …`: the holder's card.
#[derive(Debug, clap::Subcommand)]
pub enum CardCommand {
    /// Download a credential onto the card: generate the authentication and the signing key
    /// pair on it, send their certificate requests with the one-time code, and store the two
    /// certificates beside their keys.
    Enroll(EnrollArgs),
}

/// The options of `tillit card enroll`.
#[derive(Debug, clap::Args)]
pub struct EnrollArgs {
    /// The tillit node, e.g. https://ra.example.se:8443 (plain http only to 127.0.0.1 or
    /// localhost).
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The one-time download code the officer's order gave the holder.
    #[arg(long, env = "TILLIT_ENROLMENT_CODE", value_name = "CODE", hide_env_values = true)]
    pub code: String,
    /// The card as a PKCS#11 URI, e.g.
    /// pkcs11:token=Holder?module-path=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so&pin-source=file:/run/pin
    /// (the PIN from pin-value or pin-source).
    #[arg(long, value_name = "URI")]
    pub token: String,
    /// The CA certificates (PEM) to trust for the node's TLS certificate, e.g. the data
    /// directory's tls/chain.pem. Required for https://; the system roots are never used.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// The key type of both key pairs.
    #[arg(long, default_value = "p256", value_parser = parse_algorithm, value_name = "p256|p384|rsa3072")]
    pub algorithm: KeyAlgorithm,
    /// Label prefix of the objects on the card: PREFIX-authentication and PREFIX-signing.
    #[arg(long, default_value = "tillit", value_name = "PREFIX")]
    pub label: String,
    /// Replace a credential stored under the labels already (deleted once the new one is
    /// stored).
    #[arg(long)]
    pub replace: bool,
    /// The holder's electronically signed receipt reference (reserve cards).
    #[arg(long, value_name = "REFERENCE")]
    pub receipt: Option<String>,
    /// Seconds to wait for each try of the request.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

/// `p256`, `p384`, `rsa3072` (or the key algorithm names: `ecdsa-p256`, …).
fn parse_algorithm(value: &str) -> Result<KeyAlgorithm, String> {
    match value.to_ascii_lowercase().as_str() {
        "p256" | "ecdsa-p256" => Ok(KeyAlgorithm::EcdsaP256),
        "p384" | "ecdsa-p384" => Ok(KeyAlgorithm::EcdsaP384),
        "rsa3072" | "rsa-3072" => Ok(KeyAlgorithm::Rsa3072),
        _ => Err(format!("{value:?} is not a card key type: use p256, p384 or rsa3072")),
    }
}

/// What [`enroll`] needs.
#[derive(Clone)]
pub struct EnrolOptions {
    /// The node's base URL (`https://host:port`, or `http://127.0.0.1:port`).
    pub server: String,
    /// The one-time download code.
    pub code: String,
    /// The card.
    pub token: Pkcs11Uri,
    /// The CA certificates (PEM file) to trust for the node's TLS certificate.
    pub ca_file: Option<PathBuf>,
    /// The key type of both key pairs.
    pub algorithm: KeyAlgorithm,
    /// The label prefix on the card.
    pub label: String,
    /// Replace a credential stored under the labels.
    pub replace: bool,
    /// The receipt reference (reserve cards).
    pub receipt: Option<String>,
    /// The time allowed for each try.
    pub timeout: Duration,
    /// The wait before the first retry (doubled before the next).
    pub retry_delay: Duration,
}

/// The code is a secret until used: never in debug output (the URI hides its PIN itself).
impl fmt::Debug for EnrolOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrolOptions")
            .field("server", &self.server)
            .field("token", &self.token)
            .field("ca_file", &self.ca_file)
            .field("algorithm", &self.algorithm)
            .field("label", &self.label)
            .field("replace", &self.replace)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl EnrolOptions {
    /// Options with the defaults of the command line: P-256, labels `tillit-…`, no
    /// replacing, no receipt, 30 s per try, retries 1 s then 2 s apart.
    pub fn new(server: impl Into<String>, code: impl Into<String>, token: Pkcs11Uri) -> Self {
        EnrolOptions {
            server: server.into(),
            code: code.into(),
            token,
            ca_file: None,
            algorithm: KeyAlgorithm::EcdsaP256,
            label: "tillit".to_owned(),
            replace: false,
            receipt: None,
            timeout: Duration::from_secs(30),
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// A credential downloaded and stored on the card.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The credential's id at the node.
    pub credential: String,
    /// Its last day of validity (YYYY-MM-DD).
    pub not_after: String,
    /// The labels of its objects on the card.
    pub labels: CredentialLabels,
    /// The authentication certificate: serial (hex), as the node gave it.
    pub authentication_serial: String,
    /// The signing certificate: serial (hex).
    pub signing_serial: String,
    /// CKA_ID of the authentication key pair and certificate.
    pub authentication_id: Vec<u8>,
    /// CKA_ID of the signing key pair and certificate.
    pub signing_id: Vec<u8>,
    /// The CA chain (PEM: issuing CA, then root) the node sent.
    pub chain: String,
    /// How many objects of a replaced credential were deleted.
    pub replaced: usize,
}

/// An `application/problem+json` answer (RFC 9457) from the node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Problem {
    /// The HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// A short summary.
    #[serde(default)]
    pub title: String,
    /// What is wrong with this request.
    #[serde(default)]
    pub detail: Option<String>,
    /// The SPEC rule that refused it (`R-CRED-3`).
    #[serde(default)]
    pub rule: Option<String>,
    /// The request field at fault.
    #[serde(default)]
    pub field: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if !self.title.is_empty() {
            write!(f, " {}", self.title)?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        match (&self.rule, &self.field) {
            (Some(rule), Some(field)) => write!(f, " (rule {rule}, field {field})"),
            (Some(rule), None) => write!(f, " (rule {rule})"),
            (None, Some(field)) => write!(f, " (field {field})"),
            (None, None) => Ok(()),
        }
    }
}

/// Why an enrolment failed.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// The options cannot work (a URL, a CA file, a PKCS#11 URI); nothing was sent and the
    /// card was not touched.
    #[error("{0}")]
    Usage(String),
    /// The card could not be used, or refused an operation; the message names which.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The node refused the request (a 4xx answer, or a 5xx on the last try). The new keys
    /// were deleted from the card.
    #[error("the server refused the enrolment: {0}")]
    Refused(Problem),
    /// The node could not be reached in [`TRIES`] tries. The new keys were deleted from the
    /// card; the code may have been used up if the node answered but the answer was lost.
    #[error(
        "no answer from the server after {tries} tries ({last}); the new keys were removed from the \
         card; run again (if the code is no longer accepted, ask the officer for a new one)"
    )]
    Unreachable {
        /// How many tries were made.
        tries: u32,
        /// The last error.
        last: String,
    },
    /// The node answered 201 with something that is not the credential.
    #[error("the server's answer is not a credential: {0}")]
    Answer(String),
    /// The credential was issued but could not be stored on the card.
    #[error(
        "credential {credential} was issued but could not be stored on the card: {source}; \
         the card's previous credential, if any, was left in place"
    )]
    Store {
        /// The credential's id at the node.
        credential: String,
        /// The card's error.
        source: TokenError,
    },
}

/// The request body of `POST /api/v1/enrolment`.
#[derive(Debug, Serialize)]
struct EnrolmentRequest<'a> {
    code: &'a str,
    authentication_csr: &'a str,
    signing_csr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<&'a str>,
}

/// One issued certificate in the answer.
#[derive(Debug, Deserialize)]
struct IssuedCertificate {
    serial: String,
    certificate: String,
}

/// The `201` answer.
#[derive(Debug, Deserialize)]
struct EnrolmentAnswer {
    credential: String,
    not_after: String,
    authentication: IssuedCertificate,
    signing: IssuedCertificate,
    #[serde(default)]
    chain: String,
}

/// Checks the server URL: https (the caller needs a CA file), or http to this machine only.
/// The enrolment endpoint's URL.
pub fn enrolment_url(server: &str, has_ca_file: bool) -> Result<reqwest::Url, CardError> {
    let url = reqwest::Url::parse(server)
        .map_err(|e| CardError::Usage(format!("--server {server:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {
            if !has_ca_file {
                return Err(CardError::Usage(format!(
                    "--server {server} is https: give --ca-file with the CA certificates to trust for \
                     it (e.g. the node's tls/chain.pem); the system's roots are not used"
                )));
            }
        }
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let local = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !local {
                return Err(CardError::Usage(format!(
                    "--server {server}: plain http is refused except to 127.0.0.1 or localhost, since \
                     the one-time code would cross the network unencrypted; use https:// with --ca-file"
                )));
            }
        }
        other => {
            return Err(CardError::Usage(format!("--server {server}: scheme {other:?} is not http or https")))
        }
    }
    if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
        return Err(CardError::Usage(format!(
            "--server {server}: give the node's base URL, e.g. https://host:8443"
        )));
    }
    let mut base = url;
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(ENROLMENT_PATH)
        .map_err(|e| CardError::Usage(format!("--server {server}: cannot make the enrolment URL: {e}")))
}

/// The HTTP client: only the CA file's certificates as roots, no redirects (the code goes to
/// the URL given and nowhere else), `timeout` per try.
fn client(ca_file: Option<&PathBuf>, timeout: Duration) -> Result<reqwest::Client, CardError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("tillit-card/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| CardError::Usage(format!("--ca-file {}: cannot read it: {e}", path.display())))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            CardError::Usage(format!("--ca-file {}: not PEM certificates: {e}", path.display()))
        })?;
        if certificates.is_empty() {
            return Err(CardError::Usage(format!(
                "--ca-file {}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|e| CardError::Usage(format!("cannot set up the HTTP client: {e}")))
}

/// Downloads a credential onto the card (R-CRED-4): checks the options, generates both key
/// pairs on the card, sends their requests with the code (retrying as the module says), and
/// stores the certificates beside their keys. Blocking card work runs off the async threads.
pub async fn enroll(options: &EnrolOptions) -> Result<Enrolled, CardError> {
    // Everything that can be checked without the card or the network, first.
    let url = enrolment_url(&options.server, options.ca_file.is_some())?;
    let http = client(options.ca_file.as_ref(), options.timeout)?;
    if options.code.trim().is_empty() {
        return Err(CardError::Usage("--code is empty: give the one-time download code".into()));
    }
    CredentialLabels::new(&options.label)?;

    let (token, label, algorithm, replace) =
        (options.token.clone(), options.label.clone(), options.algorithm, options.replace);
    let enrolment = blocking(move || Enrolment::begin(&token, &label, algorithm, replace)).await?;

    let body = EnrolmentRequest {
        code: options.code.trim(),
        authentication_csr: enrolment.authentication_csr(),
        signing_csr: enrolment.signing_csr(),
        receipt: options.receipt.as_deref(),
    };
    let answer = match send(&http, &url, &body, options.retry_delay).await {
        Ok(answer) => answer,
        Err(e) => {
            // Keys without certificates are of no use: leave the card as it was.
            let _ = blocking(move || enrolment.abandon()).await;
            return Err(e);
        }
    };
    // Certificates that are not for the new keys are a wrong answer, not a card failure.
    let certificates = certificate_der(&answer.authentication.certificate)
        .and_then(|a| Ok((a, certificate_der(&answer.signing.certificate)?)))
        .and_then(|(a, s)| enrolment.check_certificates(&a, &s).map(|()| (a, s)));
    let (authentication, signing) = match certificates {
        Ok(pair) => pair,
        Err(e) => {
            let _ = blocking(move || enrolment.abandon()).await;
            return Err(CardError::Answer(e.to_string()));
        }
    };
    let labels = enrolment.labels().clone();
    let stored = blocking(move || enrolment.complete(&authentication, &signing))
        .await
        .map_err(|source| CardError::Store { credential: answer.credential.clone(), source })?;
    Ok(Enrolled {
        credential: answer.credential,
        not_after: answer.not_after,
        labels,
        authentication_serial: answer.authentication.serial,
        signing_serial: answer.signing.serial,
        authentication_id: stored.authentication_id,
        signing_id: stored.signing_id,
        chain: answer.chain,
        replaced: stored.deleted,
    })
}

/// Runs card work on the blocking pool (key generation on a card takes seconds).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, TokenError> + Send + 'static,
) -> Result<T, TokenError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => {
            Err(TokenError::Pkcs11(tillit_pki::SignerError::Pkcs11(format!("the card task failed: {e}"))))
        }
    }
}

/// Posts the request, up to [`TRIES`] times with one Idempotency-Key.
async fn send(
    http: &reqwest::Client,
    url: &reqwest::Url,
    body: &EnrolmentRequest<'_>,
    retry_delay: Duration,
) -> Result<EnrolmentAnswer, CardError> {
    let key = uuid::Uuid::new_v4().to_string();
    let mut delay = retry_delay;
    let mut last = String::new();
    for attempt in 1..=TRIES {
        if attempt > 1 {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        let response = http.post(url.clone()).header("Idempotency-Key", &key).json(body).send().await;
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                last = transport_error(&e);
                tracing::debug!(attempt, error = %last, "enrolment request failed");
                continue;
            }
        };
        let status = response.status();
        // 201 as the contract says; 200 too, as a replay of a completed request may answer.
        if status == reqwest::StatusCode::CREATED || status == reqwest::StatusCode::OK {
            let text = response.text().await.map_err(|e| CardError::Answer(e.to_string()))?;
            return serde_json::from_str(&text).map_err(|e| CardError::Answer(e.to_string()));
        }
        let problem = problem(response).await;
        if status.is_server_error() && attempt < TRIES {
            last = problem.to_string();
            continue;
        }
        if status.is_success() {
            return Err(CardError::Answer(format!("status {status}, not 201 Created")));
        }
        return Err(CardError::Refused(problem));
    }
    Err(CardError::Unreachable { tries: TRIES, last })
}

/// A transport error in words, with its causes (reqwest's own message is terse).
fn transport_error(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() { "timed out".to_owned() } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text = format!("{text}: {words}");
        }
        source = cause.source();
    }
    if text.contains("certificate") {
        text.push_str(" (is --ca-file the node's CA chain?)");
    }
    text
}

/// The problem+json of an error answer; the status and a bit of the body when it is not one.
async fn problem(response: reqwest::Response) -> Problem {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<Problem>(&text) {
        Ok(problem) => Problem { status: status.as_u16(), ..problem },
        Err(_) => {
            let excerpt: String = text.trim().chars().take(200).collect();
            Problem {
                status: status.as_u16(),
                title: status.canonical_reason().unwrap_or("error").to_owned(),
                detail: (!excerpt.is_empty()).then_some(excerpt),
                rule: None,
                field: None,
            }
        }
    }
}

/// `tillit card …`.
pub async fn run(command: CardCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        CardCommand::Enroll(args) => {
            let token: Pkcs11Uri = args
                .token
                .parse()
                .map_err(|e| anyhow::anyhow!("--token is not a usable PKCS#11 URI: {e}"))?;
            let options = EnrolOptions {
                server: args.server,
                code: args.code,
                token,
                ca_file: args.ca_file,
                algorithm: args.algorithm,
                label: args.label,
                replace: args.replace,
                receipt: args.receipt,
                timeout: Duration::from_secs(args.timeout),
                retry_delay: Duration::from_secs(1),
            };
            let enrolled = enroll(&options).await?;
            println!(
                "credential {} stored on the card, valid until {}",
                enrolled.credential, enrolled.not_after
            );
            println!(
                "authentication  serial {}  label {}  id {}",
                enrolled.authentication_serial,
                enrolled.labels.authentication,
                hex(&enrolled.authentication_id)
            );
            println!(
                "signing         serial {}  label {}  id {}",
                enrolled.signing_serial,
                enrolled.labels.signing,
                hex(&enrolled.signing_id)
            );
            if enrolled.replaced > 0 {
                println!("replaced the previous credential ({} objects deleted)", enrolled.replaced);
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enrolment_url_is_under_the_server_url() {
        let url = |server: &str| enrolment_url(server, true).map(|u| u.to_string());
        assert_eq!(url("https://ra.example.se:8443").unwrap(), "https://ra.example.se:8443/api/v1/enrolment");
        assert_eq!(
            url("https://ra.example.se/tillit").unwrap(),
            "https://ra.example.se/tillit/api/v1/enrolment"
        );
        assert_eq!(
            url("https://ra.example.se/tillit/").unwrap(),
            "https://ra.example.se/tillit/api/v1/enrolment"
        );
        for local in ["http://127.0.0.1:8080", "http://127.0.0.2", "http://[::1]:8080", "http://LOCALHOST:1"]
        {
            assert!(enrolment_url(local, false).is_ok(), "{local}");
        }
        for refused in ["http://10.0.0.1", "http://localhost.example.se", "http://[fe80::1]", "file:///tmp/x"]
        {
            assert!(matches!(enrolment_url(refused, true), Err(CardError::Usage(_))), "{refused}");
        }
        let e = enrolment_url("https://ra.example.se/?x=1", true).unwrap_err().to_string();
        assert!(e.contains("base URL"), "{e}");
        let e = enrolment_url("https://ra.example.se", false).unwrap_err().to_string();
        assert!(e.contains("--ca-file"), "{e}");
    }

    #[test]
    fn a_problem_reads_as_one_line() {
        let mut problem = Problem { status: 409, title: "Conflict".into(), ..Problem::default() };
        assert_eq!(problem.to_string(), "409 Conflict");
        problem.detail = Some("the code has been used".into());
        problem.rule = Some("R-CRED-4".into());
        assert_eq!(problem.to_string(), "409 Conflict: the code has been used (rule R-CRED-4)");
        problem.field = Some("code".into());
        assert_eq!(problem.to_string(), "409 Conflict: the code has been used (rule R-CRED-4, field code)");
    }

    #[test]
    fn card_key_types() {
        assert_eq!(parse_algorithm("p256"), Ok(KeyAlgorithm::EcdsaP256));
        assert_eq!(parse_algorithm("P384"), Ok(KeyAlgorithm::EcdsaP384));
        assert_eq!(parse_algorithm("rsa3072"), Ok(KeyAlgorithm::Rsa3072));
        assert_eq!(parse_algorithm("ecdsa-p256"), Ok(KeyAlgorithm::EcdsaP256));
        let e = parse_algorithm("rsa4096").unwrap_err();
        assert!(e.contains("p256, p384 or rsa3072"), "{e}");
    }
}
