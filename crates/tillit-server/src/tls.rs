//! The HTTPS listener: the API (`/api/v1`) over TLS with client certificates, the way CAs
//! serve their officers and API clients.
//!
//! - **The server's certificate** is issued by the node's own issuing CA under the
//!   `tls-server` profile for the configured `tls_hosts`, at start when there is none, when
//!   fewer than [`RENEW_BEFORE`] of it are left, or when it no longer fits (other host
//!   names, another key or CA, revoked, unknown to the database). Each issuance is audited
//!   like every other. Files in the data directory:
//!
//!   ```text
//!   DIR/keys/tls-server.pem   its key (ECDSA P-256), encrypted PKCS#8 like the other keys;
//!                             decrypted into memory at start, kept across renewals
//!   DIR/tls/server.pem        the certificate
//!   DIR/tls/chain.pem         the CA chain, issuing CA then root: what clients trust
//!   ```
//!
//! - **Client certificates** are verified against the node's CA (the root as trust anchor;
//!   the issuing CA is supplied as intermediate when the client sends only its own
//!   certificate) by rustls' `WebPkiClientVerifier`: a certificate of another CA fails the
//!   handshake. A connection without one is allowed, so public endpoints work over HTTPS too;
//!   the `/api/v1` routes refuse it with 401. Revocation is checked in the store on every
//!   API request ([`authenticate`]), so a revoked certificate is refused at once, also on a
//!   connection that was open before.
//!
//! - **Handlers** take the [`ClientCert`] extractor: serial, subject and DER of the peer's
//!   certificate, from the TLS session (never from a header).

use std::fs;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use der::{Decode as _, DecodePem as _, Encode as _};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme};
use tillit_core::audit::Actor;
use tillit_pki::issue::Template;
use tillit_pki::keystore::{read_encrypted_pkcs8, write_encrypted_pkcs8};
use tillit_pki::profile::SubjectField;
use tillit_pki::signer::generate_pkcs8;
use tillit_pki::{FileSigner, KeyAlgorithm, KeystoreError, Passphrase, Signer as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

use crate::ca::{Authority, CaError, CA_CHAIN};
use crate::problem::Problem;
use crate::AppState;

/// The profile of the node's TLS server certificate.
pub const TLS_SERVER_PROFILE: &str = "tls-server";
/// The server certificate is renewed at start when less than this is left of it.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 86_400);
/// The server certificate, relative to the data directory.
pub const SERVER_CERT_FILE: &str = "tls/server.pem";
/// The CA chain clients verify the server with (issuing CA, then root).
pub const CHAIN_FILE: &str = "tls/chain.pem";
/// The server certificate's key, encrypted PKCS#8.
pub const SERVER_KEY_FILE: &str = "keys/tls-server.pem";
/// The server key's algorithm, whatever the CAs': fast, and understood by every client.
const SERVER_KEY_ALGORITHM: KeyAlgorithm = KeyAlgorithm::EcdsaP256;
/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshaken connections waiting to be served.
const ACCEPT_QUEUE: usize = 64;

/// Errors in setting up the HTTPS listener.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file of the TLS setup cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The key file cannot be made, read or decrypted.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// The key file holds something other than an ECDSA P-256 key.
    #[error("{0}: not an ECDSA P-256 private key (remove it to have a new key made at the next start)")]
    Key(PathBuf),
    /// The certificate could not be issued.
    #[error("cannot issue the node's TLS server certificate: {0}")]
    Issue(CaError),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client certificate verifier could not be built.
    #[error("TLS client certificate verifier: {0}")]
    Verifier(String),
    /// The listener cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What went wrong.
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TlsError + '_ {
    move |source| TlsError::Io { path: path.to_owned(), source }
}

/// The node's TLS server identity: its certificate chain (the certificate, then the issuing
/// CA) and key.
pub struct ServerIdentity {
    /// The certificate's serial, lower-case hex.
    pub serial: String,
    /// When it expires.
    pub not_after: SystemTime,
    /// Why it was issued at this start; `None` when the existing one was kept.
    pub issued_because: Option<&'static str>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("serial", &self.serial)
            .field("not_after", &self.not_after)
            .field("issued_because", &self.issued_because)
            .finish_non_exhaustive()
    }
}

/// The node's TLS server certificate in data directory `dir`, issued (and audited) by
/// `authority` when there is none or the one there must be renewed: less than
/// [`RENEW_BEFORE`] left, other host names than `hosts`, another key, another issuing CA,
/// revoked or unknown to the store. The key is made on first use (encrypted under
/// `passphrase`) and kept across renewals. Writes [`CHAIN_FILE`] too.
pub async fn ensure_server_identity(
    dir: &Path,
    authority: &Authority,
    passphrase: &Passphrase,
    hosts: &[String],
) -> Result<ServerIdentity, TlsError> {
    let key_path = dir.join(SERVER_KEY_FILE);
    let pkcs8 = server_key(&key_path, passphrase)?;
    let public_key = FileSigner::from_pkcs8(&key_path, SERVER_KEY_ALGORITHM, &pkcs8)
        .map_err(|_| TlsError::Key(key_path.clone()))?
        .public_key()
        .clone();

    let tls_dir = dir.join("tls");
    fs::create_dir_all(&tls_dir).map_err(io_err(&tls_dir))?;
    let chain_pem = authority.chain_pem().map_err(TlsError::Issue)?;
    write_if_changed(&dir.join(CHAIN_FILE), chain_pem.as_bytes())?;

    let cert_path = dir.join(SERVER_CERT_FILE);
    let existing = match fs::read_to_string(&cert_path) {
        Ok(pem) => Some(Certificate::from_pem(pem.as_bytes()).ok()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(TlsError::Io { path: cert_path, source: e }),
    };
    let issuing = authority.issuing();
    let kept = match existing {
        None => Err("there is none"),
        Some(None) => Err("tls/server.pem is not a PEM certificate"),
        Some(Some(cert)) => {
            match renewal_reason(authority, &cert, &public_key, hosts, SystemTime::now()).await? {
                None => Ok(cert),
                Some(reason) => Err(reason),
            }
        }
    };
    let (certificate, issued_because) = match kept {
        Ok(cert) => (cert, None),
        Err(reason) => {
            let template = server_template(authority, hosts, public_key)?;
            let issued = authority
                .issue(&Actor::system("tls"), CA_CHAIN, TLS_SERVER_PROFILE, &template)
                .await
                .map_err(TlsError::Issue)?;
            write_atomically(&cert_path, issued.pem.as_bytes())?;
            tracing::info!(serial = %issued.serial, because = reason, "issued the node's TLS server certificate");
            let cert = Certificate::from_der(&issued.der)
                .map_err(|_| TlsError::Issue(CaError::StoredCertificate(issued.serial.clone())))?;
            (cert, Some(reason))
        }
    };
    let der = certificate
        .to_der()
        .map_err(|_| TlsError::Issue(CaError::StoredCertificate(SERVER_CERT_FILE.into())))?;
    Ok(ServerIdentity {
        serial: hex::encode(certificate.tbs_certificate.serial_number.as_bytes()),
        not_after: certificate.tbs_certificate.validity.not_after.to_system_time(),
        issued_because,
        chain: vec![CertificateDer::from(der), CertificateDer::from(issuing.der.clone())],
        key: PrivatePkcs8KeyDer::from(pkcs8.to_vec()),
    })
}

/// The server key's PKCS#8 document: read from `path`, or made there first.
fn server_key(path: &Path, passphrase: &Passphrase) -> Result<zeroize::Zeroizing<Vec<u8>>, TlsError> {
    if !path.exists() {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        let pkcs8 = generate_pkcs8(SERVER_KEY_ALGORITHM).map_err(|_| TlsError::Key(path.to_owned()))?;
        match write_encrypted_pkcs8(path, &pkcs8, passphrase) {
            // Another process on this data directory made it first: use theirs.
            Ok(()) | Err(KeystoreError::Exists(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(read_encrypted_pkcs8(path, passphrase)?)
}

/// Why `cert` must be replaced, if it must.
async fn renewal_reason(
    authority: &Authority,
    cert: &Certificate,
    public_key: &x509_cert::spki::SubjectPublicKeyInfoOwned,
    hosts: &[String],
    now: SystemTime,
) -> Result<Option<&'static str>, TlsError> {
    let tbs = &cert.tbs_certificate;
    if tbs.subject_public_key_info != *public_key {
        return Ok(Some("its key is not the one in keys/tls-server.pem"));
    }
    if tbs.issuer != authority.issuing().certificate.tbs_certificate.subject {
        return Ok(Some("it was not issued by this node's issuing CA"));
    }
    if !same_names(&dns_names(cert), hosts) {
        return Ok(Some("tls_hosts changed"));
    }
    let not_after = tbs.validity.not_after.to_system_time();
    if not_after.duration_since(now).unwrap_or_default() < RENEW_BEFORE {
        return Ok(Some("it expires within 30 days"));
    }
    let serial = hex::encode(tbs.serial_number.as_bytes());
    match authority.store().certificate_status(&serial).await.map_err(|e| TlsError::Issue(e.into()))? {
        None => Ok(Some("it is not in this node's database")),
        Some(status) if status.revoked_us.is_some() => Ok(Some("it was revoked")),
        Some(_) => Ok(None),
    }
}

/// The dNSName alternative names of `cert`.
fn dns_names(cert: &Certificate) -> Vec<String> {
    match cert.tbs_certificate.get::<SubjectAltName>() {
        Ok(Some((_, san))) => san
            .0
            .iter()
            .filter_map(|name| match name {
                GeneralName::DnsName(dns) => Some(dns.as_str().to_owned()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn same_names(a: &[String], b: &[String]) -> bool {
    let set = |names: &[String]| {
        names.iter().map(|n| n.to_ascii_lowercase()).collect::<std::collections::BTreeSet<_>>()
    };
    set(a) == set(b)
}

/// The server certificate's template: the issuing CA's country and organisation, the first
/// host name as common name, every host name as dNSName, the profile's validity (cut to the
/// issuing CA's).
fn server_template(
    authority: &Authority,
    hosts: &[String],
    public_key: x509_cert::spki::SubjectPublicKeyInfoOwned,
) -> Result<Template, TlsError> {
    let profile = authority
        .profiles()
        .get(TLS_SERVER_PROFILE)
        .ok_or_else(|| TlsError::Issue(CaError::UnknownProfile(TLS_SERVER_PROFILE.into())))?;
    let issuing = &authority.issuing().certificate;
    let mut subject = Vec::new();
    for rdn in issuing.tbs_certificate.subject.0.iter() {
        for attr in rdn.0.iter() {
            let (Some(field), Some(value)) =
                (SubjectField::from_oid(attr.oid), tillit_pki::x509::attribute_text(&attr.value))
            else {
                continue;
            };
            if matches!(field, SubjectField::OrganizationName | SubjectField::CountryName) {
                subject.push((field, value));
            }
        }
    }
    if let Some(host) = hosts.first() {
        subject.push((SubjectField::CommonName, host.clone()));
    }
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let start = UNIX_EPOCH + Duration::from_secs(secs);
    let end = (start + Duration::from_secs(u64::from(profile.max_validity_days) * 86_400))
        .min(issuing.tbs_certificate.validity.not_after.to_system_time());
    Ok(Template {
        subject,
        emails: vec![],
        upns: vec![],
        dns_names: hosts.to_vec(),
        public_key,
        not_before: start,
        not_after: end,
        policies: vec![],
    })
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    match fs::read(path) {
        Ok(current) if current == bytes => Ok(()),
        _ => write_atomically(path, bytes),
    }
}

/// Replaces `path` with `bytes` at once: a reader sees the old file or the new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_err(dir))?;
    io::Write::write_all(&mut tmp, bytes).and_then(|()| tmp.as_file().sync_all()).map_err(io_err(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).map_err(io_err(path))?;
    }
    tmp.persist(path).map_err(|e| TlsError::Io { path: path.to_owned(), source: e.error })?;
    Ok(())
}

/// The rustls configuration of the HTTPS listener: `identity` as the server, client
/// certificates optional and, when presented, verified up to the node's root CA (the issuing
/// CA supplied as intermediate), HTTP/1.1, TLS 1.2 and 1.3, the `ring` provider.
pub fn server_config(authority: &Authority, identity: ServerIdentity) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let root = authority
        .ca("root")
        .ok_or_else(|| TlsError::Verifier("this node has no root CA certificate".into()))?;
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(root.der.clone()))?;
    let issuing = authority.issuing();
    let issuing_subject = issuing
        .certificate
        .tbs_certificate
        .subject
        .to_der()
        .map_err(|e| TlsError::Verifier(format!("the issuing CA's name: {e}")))?;
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .add_root_hint_subjects([DistinguishedName::from(issuing_subject)])
        .allow_unauthenticated()
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let verifier = Arc::new(WithIssuingCa { inner, issuing: CertificateDer::from(issuing.der.clone()) });
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain, PrivateKeyDer::Pkcs8(identity.key))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Verifies client certificates with `inner`, adding the issuing CA to the intermediates the
/// client sent: a client presenting its own certificate alone is verified too.
#[derive(Debug)]
struct WithIssuingCa {
    inner: Arc<dyn ClientCertVerifier>,
    issuing: CertificateDer<'static>,
}

impl ClientCertVerifier for WithIssuingCa {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let mut all = intermediates.to_vec();
        if !all.iter().any(|c| c.as_ref() == self.issuing.as_ref()) {
            all.push(self.issuing.clone());
        }
        self.inner.verify_client_cert(end_entity, &all, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The TLS client certificate of the request's connection, verified up to the node's CA
/// during the handshake, and (by [`authenticate`], on every `/api/v1` route) found in the
/// store and not revoked. As an extractor it answers 401 problem+json when there is none.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// Serial number, lower-case hex of its content octets, as in the store.
    pub serial: String,
    /// Subject distinguished name (RFC 4514 text).
    pub subject: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

impl ClientCert {
    /// Reads a DER certificate; `None` when it is not one.
    pub fn from_der(der: &[u8]) -> Option<ClientCert> {
        let cert = Certificate::from_der(der).ok()?;
        Some(ClientCert {
            serial: hex::encode(cert.tbs_certificate.serial_number.as_bytes()),
            subject: cert.tbs_certificate.subject.to_string(),
            der: der.to_vec(),
        })
    }
}

// The subject may carry a national identity number (R-PER-3): not in debug output.
impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCert").field("serial", &self.serial).finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientCert {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parts.extensions.get::<ClientCert>().cloned().ok_or_else(|| {
            unauthenticated(
                parts.uri.path(),
                "this endpoint needs a TLS client certificate issued by this node",
            )
        })
    }
}

fn unauthenticated(path: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated").detail(detail).instance(path)
}

/// The `/api/v1` gate: the connection's client certificate (verified in the handshake) must
/// be one this node issued and has not revoked, looked up in the store on every request;
/// it is then handed to the handler as [`ClientCert`]. Otherwise 401 problem+json.
pub async fn authenticate(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let cert = request
        .extensions()
        .get::<ConnectInfo<TlsConnection>>()
        .and_then(|ConnectInfo(c)| c.client_cert.clone());
    let path = request.uri().path().to_owned();
    let Some(cert) = cert else {
        return unauthenticated(
            &path,
            "this endpoint needs a TLS client certificate issued by this node; none was presented",
        )
        .into_response();
    };
    match state.store.certificate_status(&cert.serial).await {
        Ok(Some(status)) if status.revoked_us.is_none() => {}
        Ok(Some(_)) => {
            return unauthenticated(&path, format!("the client certificate {} is revoked", cert.serial))
                .into_response()
        }
        Ok(None) => {
            return unauthenticated(
                &path,
                format!("the client certificate {} is not one this node issued", cert.serial),
            )
            .into_response()
        }
        Err(e) => return Problem::from(e).into_response(),
    }
    request.extensions_mut().insert(ClientCert::clone(&cert));
    next.run(request).await
}

/// What the HTTPS listener knows of a connection: the peer's address and its verified client
/// certificate, if it presented one. Handlers reach it as `ConnectInfo<TlsConnection>`; use
/// [`ClientCert`] instead, which also checks revocation.
#[derive(Debug, Clone)]
pub struct TlsConnection {
    /// The peer's address (for [`TlsListener`]'s own `local_addr`, the listener's).
    pub remote: SocketAddr,
    /// Its client certificate.
    pub client_cert: Option<Arc<ClientCert>>,
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for TlsConnection {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP listener whose connections are handed on after their TLS handshake. Handshakes run
/// concurrently, each at most 10 seconds, so a slow client holds up no one.
#[derive(Debug)]
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, TlsConnection)>,
    accepting: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Listens on `addr`.
    pub async fn bind(addr: SocketAddr, config: Arc<ServerConfig>) -> Result<TlsListener, TlsError> {
        let listener = TcpListener::bind(addr).await.map_err(|source| TlsError::Bind { addr, source })?;
        Self::from_tcp(listener, config).map_err(|source| TlsError::Bind { addr, source })
    }

    /// Serves TLS on a bound TCP listener.
    pub fn from_tcp(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(ACCEPT_QUEUE);
        let accepting = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), tx));
        Ok(TlsListener { local, ready, accepting })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = TlsConnection;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task ended (it only does when aborted): nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<TlsConnection> {
        Ok(TlsConnection { remote: self.local, client_cert: None })
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, TlsConnection)>,
) {
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::error!(error = %e, "HTTPS listener: accept failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
            () = tx.closed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    let refused =
                        e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()).is_some_and(|e| {
                            matches!(
                                e,
                                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
                            )
                        });
                    if refused {
                        tracing::info!(remote = %remote, error = %e, "TLS client certificate refused");
                    } else {
                        tracing::debug!(remote = %remote, error = %e, "TLS handshake failed");
                    }
                    return;
                }
                Err(_) => {
                    tracing::debug!(remote = %remote, "TLS handshake timed out");
                    return;
                }
            };
            let client_cert = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|der| ClientCert::from_der(der.as_ref()))
                .map(Arc::new);
            let _ = tx.send((stream, TlsConnection { remote, client_cert })).await;
        });
    }
}
