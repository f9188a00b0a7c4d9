//! The node's certificate authority: a root CA and an issuing CA, keys in the keystore,
//! certificates and revocations in the store, every change audited in the same
//! transaction (SPEC §8, §9).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::{Decode as _, Encode as _, EncodePem as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use tillit_core::audit::{Actor, AuditEvent};
use tillit_pki::crl::{self, Reason};
use tillit_pki::csr::{verify_csr, CsrError};
use tillit_pki::issue::{self, IssueError, Issuer, Template, Urls};
use tillit_pki::profile::{ProfileError, Profiles, SubjectField};
use tillit_pki::{FileSigner, KeyAlgorithm, Passphrase, Pkcs11Signer, Pkcs11Uri, Signer, SignerError};
use tillit_store::ca::{CaRecord, CertificateRecord, CrlRecord, RevokeOutcome};
use tillit_store::{Store, StoreError, Tx};
use tokio::sync::Mutex;
use x509_cert::spki::{self, AlgorithmIdentifierOwned};
use x509_cert::Certificate;
use zeroize::Zeroizing;

mod import;
use import::same_key;
pub use import::{CheckedImport, ImportError, ImportKey, ImportedCa};

/// The audit chain of the CA's own operations when no organisation is the cause (CLI).
pub const CA_CHAIN: &str = "ca";

/// The certificate authority's configuration (`[ca]` in tillit.toml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaConfig {
    /// Key type of the CAs: ecdsa-p256, ecdsa-p384, rsa-3072, rsa-4096.
    pub key_algorithm: KeyAlgorithm,
    /// organizationName in the CA names.
    pub organisation: String,
    /// countryName in the CA names.
    pub country: String,
    /// commonName of the root CA.
    pub root_name: String,
    /// commonName of the issuing CA.
    pub issuing_name: String,
    /// Root CA validity.
    pub root_validity_days: u32,
    /// Issuing CA validity.
    pub issuing_validity_days: u32,
    /// How long a CRL is valid (its nextUpdate); it is re-published before then.
    pub crl_validity_hours: u32,
    /// How long a pre-produced OCSP response is valid (its nextUpdate); it is produced
    /// afresh after half of it, and at once after a revocation.
    pub ocsp_validity_minutes: u32,
    /// A profile file replacing the shipped profiles (relative to the data directory).
    pub profiles_file: Option<std::path::PathBuf>,
}

impl Default for CaConfig {
    fn default() -> Self {
        CaConfig {
            key_algorithm: KeyAlgorithm::EcdsaP256,
            organisation: "tillit".into(),
            country: "SE".into(),
            root_name: "tillit Root CA".into(),
            issuing_name: "tillit Issuing CA".into(),
            root_validity_days: 7305,
            issuing_validity_days: 3652,
            crl_validity_hours: 24,
            ocsp_validity_minutes: 240,
            profiles_file: None,
        }
    }
}

/// Why a CA operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// The request is not acceptable.
    #[error("csr: {0}")]
    Csr(#[from] CsrError),
    /// The certificate cannot be issued as asked.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// No profile by that name.
    #[error("profile: no profile named {0:?}")]
    UnknownProfile(String),
    /// No CA by that name.
    #[error("no CA named {0:?}")]
    UnknownCa(String),
    /// The serial is not hexadecimal.
    #[error("serial: {0:?} is not a hexadecimal serial number")]
    BadSerial(String),
    /// No certificate with that serial.
    #[error("serial: no certificate with serial {0}")]
    NotFound(String),
    /// It was revoked before.
    #[error("serial: certificate {serial} was already revoked ({reason})")]
    AlreadyRevoked {
        /// The serial.
        serial: String,
        /// The reason it was revoked with.
        reason: String,
    },
    /// The validity asked for is not a whole number of days ≥ 1.
    #[error("days: must be at least 1")]
    Days,
    /// The data directory has no CA: it was initialised before the CA existed.
    #[error("this node has no certificate authority")]
    NoCa,
    /// A CA key failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The profile file is unusable.
    #[error(transparent)]
    Profiles(#[from] ProfileError),
    /// A CRL could not be produced.
    #[error(transparent)]
    Crl(#[from] crl::CrlError),
    /// An OCSP responder could not be set up.
    #[error(transparent)]
    Ocsp(#[from] tillit_pki::ocsp::OcspError),
    /// A stored CA certificate cannot be read.
    #[error("stored certificate of CA {0} cannot be read")]
    StoredCertificate(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The keystore named at init is neither `file` nor a PKCS#11 URI.
    #[error("keystore: {0}")]
    Keystore(String),
    /// A CA key is on a PKCS#11 token and no PIN is configured.
    #[error("the CA keys are on a PKCS#11 token and no PIN is configured: set TILLIT_PKCS11_PIN or pkcs11_pin_file in tillit.toml")]
    NoPin,
    /// A request of a batch was refused; nothing of the batch was issued.
    #[error("request {} of the batch: {source}", index + 1)]
    InBatch {
        /// Its position, from 0.
        index: usize,
        /// Why.
        source: Box<CaError>,
    },
    /// A signing task stopped before it finished.
    #[error("a signing task stopped before it finished")]
    TaskFailed,
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The CA's key is not on this node: an imported root whose operator keeps it offline.
    #[error("the {0} CA's key is not on this node; its CRL is published by its operator")]
    KeyNotOnNode(String),
    /// A hierarchy to import was refused.
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// A CA of this node: its certificate, and its key when the node holds it.
#[derive(Debug)]
pub struct LoadedCa {
    /// Name in URLs.
    pub name: String,
    /// Certificate.
    pub certificate: Certificate,
    /// Certificate, DER.
    pub der: Vec<u8>,
    /// Key; `None` for an imported root whose key stays with its operator (offline): this
    /// node then signs neither its CRLs nor OCSP responses about what it issued.
    pub signer: Option<Arc<dyn Signer>>,
}

impl LoadedCa {
    /// Whether this node holds the CA's key and can sign for it.
    pub fn has_key(&self) -> bool {
        self.signer.is_some()
    }

    fn issuer(&self) -> Result<Issuer<'_>, CaError> {
        let signer = self.signer.as_deref().ok_or_else(|| CaError::KeyNotOnNode(self.name.clone()))?;
        Ok(Issuer { name: &self.name, certificate: &self.certificate, signer })
    }
}

/// A certificate just issued.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// Lower-case hex serial.
    pub serial: String,
    /// DER.
    pub der: Vec<u8>,
    /// PEM.
    pub pem: String,
}

/// The node's certificate authority.
#[derive(Debug)]
pub struct Authority {
    store: Store,
    urls: Arc<Urls>,
    profiles: Arc<Profiles>,
    crl_validity: Duration,
    root: Arc<LoadedCa>,
    issuing: Arc<LoadedCa>,
    /// The data directory, where the OCSP responder keys are.
    dir: std::path::PathBuf,
    /// Unlocks the OCSP responder keys.
    passphrase: Passphrase,
    /// Serialises CRL publication and responder renewal within this node.
    publishing: Mutex<()>,
    /// Told of each revocation as it commits (this node's OCSP responder).
    revocation_hooks: Hooks,
}

#[derive(Default)]
struct Hooks(std::sync::RwLock<Vec<RevocationHook>>);

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hooks")
    }
}

/// Called with the lower-case hex serial of each revocation as it commits.
pub type RevocationHook = Box<dyn Fn(&str) + Send + Sync>;

/// A delegated OCSP responder of a CA (RFC 6960 §4.2.2.2): a key in the file keystore and a
/// current certificate under the `ocsp-responder` profile, issued by that CA.
#[derive(Debug, Clone)]
pub struct ResponderKey {
    /// The CA it answers for.
    pub ca: String,
    /// Its certificate.
    pub certificate: Certificate,
    /// Its key.
    pub signer: Arc<dyn Signer>,
    /// When its certificate expires.
    pub not_after: SystemTime,
}

/// Runs CPU-bound or blocking signing off the async worker threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, CaError> {
    tokio::task::spawn_blocking(f).await.map_err(|_| CaError::TaskFailed)
}

const ROOT: &str = "root";
const ISSUING: &str = "issuing";
/// The profile name recorded for the issuing CA's certificate.
pub const SUBORDINATE_CA_PROFILE: &str = "subordinate-ca";
/// The profile of delegated OCSP responder certificates.
pub const OCSP_RESPONDER_PROFILE: &str = "ocsp-responder";

fn key_file(name: &str) -> String {
    format!("keys/ca-{name}.pem")
}

/// Where `tillit init` makes the CA keys: the file keystore in the data directory (encrypted
/// PKCS#8), or a PKCS#11 token, where they are generated and never leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Keystore {
    /// Files under `keys/`, encrypted with the keystore passphrase.
    #[default]
    File,
    /// A PKCS#11 token (RFC 7512 URI). `object=`, when given, prefixes the key labels
    /// (`<object>-root`, `<object>-issuing`; default `tillit-ca`).
    Pkcs11(Box<Pkcs11Uri>),
}

impl std::str::FromStr for Keystore {
    type Err = CaError;

    fn from_str(s: &str) -> Result<Self, CaError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("file") {
            return Ok(Keystore::File);
        }
        if is_pkcs11_uri(s) {
            return Ok(Keystore::Pkcs11(Box::new(pkcs11_uri_with_module(s)?)));
        }
        Err(CaError::Keystore(
            "use `file` or a PKCS#11 URI such as pkcs11:token=tillit?module-path=/usr/lib/softhsm/libsofthsm2.so".into(),
        ))
    }
}

fn is_pkcs11_uri(s: &str) -> bool {
    s.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("pkcs11:"))
}

/// A PKCS#11 URI that names the module to load.
fn pkcs11_uri_with_module(s: &str) -> Result<Pkcs11Uri, CaError> {
    let uri: Pkcs11Uri = s.parse().map_err(|e| CaError::Keystore(format!("{e}")))?;
    if uri.module_path().is_none() && uri.module_name().is_none() {
        return Err(CaError::Keystore(
            "the PKCS#11 URI names no module: add ?module-path=/path/to/the/module.so".into(),
        ));
    }
    Ok(uri)
}

/// What unlocks the CA keys: the keystore passphrase, and the PKCS#11 user PIN when the keys
/// are on a token.
#[derive(Debug)]
pub struct KeyAccess<'a> {
    /// The file keystore's passphrase.
    pub passphrase: &'a Passphrase,
    /// The token's user PIN, from configuration.
    pub pkcs11_pin: Option<Zeroizing<String>>,
}

impl KeyAccess<'_> {
    /// `uri` with a PIN: its own `pin-value` or `pin-source`, else the configured PIN.
    fn with_pin(&self, uri: &Pkcs11Uri) -> Result<Pkcs11Uri, CaError> {
        if uri.has_pin_value() || uri.pin_source().is_some() {
            return Ok(uri.clone());
        }
        let pin = self.pkcs11_pin.clone().ok_or(CaError::NoPin)?;
        Ok(uri.with_pin(pin))
    }

    /// Makes the key of CA `name` in `keystore`; returns it with its reference for the store.
    fn generate(
        &self,
        keystore: &Keystore,
        dir: &Path,
        name: &str,
        alg: KeyAlgorithm,
    ) -> Result<(Arc<dyn Signer>, String), CaError> {
        match keystore {
            Keystore::File => {
                let signer = FileSigner::generate(&dir.join(key_file(name)), alg, self.passphrase)?;
                Ok((Arc::new(signer), key_file(name)))
            }
            Keystore::Pkcs11(uri) => {
                let label = format!("{}-{name}", uri.object().unwrap_or("tillit-ca"));
                let signer = Pkcs11Signer::generate(&self.with_pin(uri)?, &label, alg)?;
                Ok((Arc::new(signer), uri.without_pin().with_object(&label).to_string()))
            }
        }
    }

    /// Opens a CA key by its reference in the store.
    fn open(&self, dir: &Path, key_ref: &str, alg: KeyAlgorithm) -> Result<Arc<dyn Signer>, CaError> {
        if key_ref.starts_with("pkcs11:") {
            let uri: Pkcs11Uri = key_ref.parse().map_err(|e| CaError::Keystore(format!("{e}")))?;
            let label = uri.object().unwrap_or_default().to_owned();
            Ok(Arc::new(Pkcs11Signer::open(&self.with_pin(&uri)?, &label, alg)?))
        } else {
            Ok(Arc::new(FileSigner::open(&dir.join(key_ref), alg, self.passphrase)?))
        }
    }
}

fn subject(config: &CaConfig, common_name: &str) -> Vec<(SubjectField, String)> {
    vec![
        (SubjectField::CountryName, config.country.clone()),
        (SubjectField::OrganizationName, config.organisation.clone()),
        (SubjectField::CommonName, common_name.to_owned()),
    ]
}

fn days(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 86_400)
}

fn to_us(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn from_us(us: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(u64::try_from(us).unwrap_or_default())
}

/// A whole second before now: certificates are valid from the second they are issued.
fn now() -> SystemTime {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A CA of a new hierarchy, to be recorded.
struct NewCa<'a> {
    name: &'static str,
    parent: Option<&'static str>,
    certificate: &'a Certificate,
    der: &'a [u8],
    algorithm: KeyAlgorithm,
    /// Where its key is ([`NO_KEY`] when not on this node).
    key_ref: String,
}

/// The `key_ref` of a CA whose key is not on this node (an imported root kept offline).
pub const NO_KEY: &str = "";

/// Records a new hierarchy (root first) in one transaction: the CAs, the issuing CA's
/// certificate as one its parent issued, and an audit entry `event` per CA.
async fn record_hierarchy(
    store: &Store,
    cas: &[NewCa<'_>],
    actor: &Actor,
    event: &str,
) -> Result<(), CaError> {
    let mut tx = store.begin().await?;
    for ca in cas {
        let serial = hex::encode(ca.certificate.tbs_certificate.serial_number.as_bytes());
        let role = if ca.parent.is_none() { "root" } else { "issuing" };
        tx.insert_ca(&CaRecord {
            name: ca.name.into(),
            role: role.into(),
            parent: ca.parent.map(str::to_owned),
            key_algorithm: ca.algorithm.name().into(),
            key_ref: ca.key_ref.clone(),
            certificate: ca.der.to_vec(),
        })
        .await?;
        if let Some(parent) = ca.parent {
            // The issuing CA's certificate is one the root issued: it has a status in the
            // root's CRL and OCSP, and can be revoked.
            let validity = &ca.certificate.tbs_certificate.validity;
            tx.insert_certificate(&CertificateRecord {
                serial: serial.clone(),
                issuer: parent.to_owned(),
                profile: SUBORDINATE_CA_PROFILE.into(),
                subject: ca.certificate.tbs_certificate.subject.to_string(),
                not_before_us: to_us(validity.not_before.to_system_time()),
                not_after_us: to_us(validity.not_after.to_system_time()),
                der: ca.der.to_vec(),
                revoked_us: None,
                reason: None,
            })
            .await?;
        }
        let keystore = match ca.key_ref.as_str() {
            NO_KEY => "none",
            r if r.starts_with("pkcs11:") => "pkcs11",
            _ => "file",
        };
        tx.append(AuditEvent::new(
            CA_CHAIN,
            actor.clone(),
            event,
            json!({
                "ca": ca.name,
                "role": role,
                "key_algorithm": ca.algorithm.name(),
                "keystore": keystore,
                "serial": serial,
                "sha256": hex::encode(Sha256::digest(ca.der)),
            }),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Authority {
    /// Creates the hierarchy in a new data directory `dir`: keys for a root and an issuing
    /// CA in the file keystore, their certificates (carrying URLs under `urls`), recorded
    /// and audited in one transaction.
    pub async fn create(
        store: &Store,
        dir: &Path,
        keys: &KeyAccess<'_>,
        keystore: &Keystore,
        config: &CaConfig,
        urls: &Urls,
    ) -> Result<(), CaError> {
        let alg = config.key_algorithm;
        let (root_key, root_ref) = keys.generate(keystore, dir, ROOT, alg)?;
        let (issuing_key, issuing_ref) = keys.generate(keystore, dir, ISSUING, alg)?;
        let start = now();
        let root_end = start + days(config.root_validity_days);
        let root = issue::root_ca(root_key.as_ref(), &subject(config, &config.root_name), start, root_end)?;
        let root_issuer = Issuer { name: ROOT, certificate: &root.certificate, signer: root_key.as_ref() };
        let issuing_end = (start + days(config.issuing_validity_days)).min(root_end);
        let issuing = issue::subordinate_ca(
            &root_issuer,
            &subject(config, &config.issuing_name),
            issuing_key.public_key().clone(),
            start,
            issuing_end,
            urls,
        )?;
        let cas = [
            NewCa {
                name: ROOT,
                parent: None,
                certificate: &root.certificate,
                der: &root.der,
                algorithm: alg,
                key_ref: root_ref,
            },
            NewCa {
                name: ISSUING,
                parent: Some(ROOT),
                certificate: &issuing.certificate,
                der: &issuing.der,
                algorithm: alg,
                key_ref: issuing_ref,
            },
        ];
        record_hierarchy(store, &cas, &Actor::system("init"), "ca.created").await
    }

    /// Opens the CAs recorded in the store with their keys from the keystore in `dir`. A
    /// root recorded without its key ([`NO_KEY`]: imported, kept offline by its operator) is
    /// opened without a signer.
    pub async fn open(
        store: Store,
        dir: &Path,
        keys: &KeyAccess<'_>,
        config: &CaConfig,
        urls: Urls,
    ) -> Result<Authority, CaError> {
        let profiles = match &config.profiles_file {
            Some(file) => {
                let path = dir.join(file);
                let text = std::fs::read_to_string(&path).map_err(|source| CaError::Io { path, source })?;
                Profiles::parse(&text)?
            }
            None => Profiles::defaults(),
        };
        let records = store.cas().await?;
        let load = |name: &str| -> Result<LoadedCa, CaError> {
            let record = records.iter().find(|r| r.name == name).ok_or(CaError::NoCa)?;
            let alg: KeyAlgorithm = record.key_algorithm.parse()?;
            let certificate = Certificate::from_der(&record.certificate)
                .map_err(|_| CaError::StoredCertificate(name.to_owned()))?;
            // Only a root may be without its key; the issuing CA is what the node signs with.
            let signer = match record.key_ref.as_str() {
                NO_KEY if name == ROOT => None,
                NO_KEY => return Err(CaError::KeyNotOnNode(name.to_owned())),
                key_ref => Some(keys.open(dir, key_ref, alg)?),
            };
            if signer.as_ref().is_some_and(|s| {
                !same_key(&certificate.tbs_certificate.subject_public_key_info, s.public_key())
            }) {
                return Err(CaError::StoredCertificate(format!(
                    "{name} (its key in the keystore does not match)"
                )));
            }
            Ok(LoadedCa { name: name.to_owned(), certificate, der: record.certificate.clone(), signer })
        };
        let root = Arc::new(load(ROOT)?);
        let issuing = Arc::new(load(ISSUING)?);
        Ok(Authority {
            store,
            urls: Arc::new(urls),
            profiles: Arc::new(profiles),
            crl_validity: Duration::from_secs(u64::from(config.crl_validity_hours.max(1)) * 3600),
            root,
            issuing,
            dir: dir.to_owned(),
            passphrase: keys.passphrase.clone(),
            publishing: Mutex::new(()),
            revocation_hooks: Hooks::default(),
        })
    }

    /// A CA by its URL name.
    pub fn ca(&self, name: &str) -> Option<&LoadedCa> {
        [&self.issuing, &self.root].into_iter().find(|c| c.name == name).map(Arc::as_ref)
    }

    /// The CAs this node signs for (those whose key it holds), the issuing CA first: the
    /// ones it publishes CRLs of and runs an OCSP responder for. An imported root kept offline
    /// is not among them.
    pub fn cas(&self) -> Vec<&LoadedCa> {
        self.all_cas().into_iter().filter(|c| c.has_key()).collect()
    }

    /// Every CA of this node, the issuing CA first, with or without its key.
    pub fn all_cas(&self) -> [&LoadedCa; 2] {
        [&self.issuing, &self.root]
    }

    /// Has `hook` called with each revocation made through this authority, as it commits
    /// and before `revoke` returns.
    pub fn on_revocation(&self, hook: RevocationHook) {
        self.revocation_hooks.0.write().unwrap_or_else(std::sync::PoisonError::into_inner).push(hook);
    }

    /// The store the authority records in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The issuing CA.
    pub fn issuing(&self) -> &LoadedCa {
        &self.issuing
    }

    /// The profiles in force.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// The chain as PEM: the issuing CA first, then the root.
    pub fn chain_pem(&self) -> Result<String, CaError> {
        let mut out = String::new();
        for ca in [&self.issuing, &self.root] {
            out.push_str(
                &ca.certificate
                    .to_pem(der::pem::LineEnding::LF)
                    .map_err(|_| CaError::StoredCertificate(ca.name.clone()))?,
            );
        }
        Ok(out)
    }

    /// Issues a certificate from a PKCS#10 request under `profile`: proof of possession and
    /// key checks, profile checks, signing, then the certificate and its audit entry in one
    /// transaction. The subject and DNS names come from the request. `days` shortens the
    /// validity below the profile's maximum.
    pub async fn issue_from_csr(
        &self,
        actor: &Actor,
        chain: &str,
        profile_name: &str,
        csr: &[u8],
        days_wanted: Option<u32>,
    ) -> Result<IssuedCertificate, CaError> {
        let request = CsrRequest { profile: profile_name.to_owned(), csr: csr.to_vec(), days: days_wanted };
        let mut issued = self.issue_batch(actor, chain, vec![request]).await.map_err(|e| match e {
            CaError::InBatch { source, .. } => *source,
            other => other,
        })?;
        issued.pop().ok_or(CaError::TaskFailed)
    }

    /// Issues a certificate for each request, all or none: every request is checked and
    /// signed (on both cores), then the certificates and their audit entries are recorded
    /// in one transaction. A bad request refuses the whole batch and names its position
    /// ([`CaError::InBatch`]). This is how a credential pair, or a run of function
    /// certificates, is ordered.
    pub async fn issue_batch(
        &self,
        actor: &Actor,
        chain: &str,
        requests: Vec<CsrRequest>,
    ) -> Result<Vec<IssuedCertificate>, CaError> {
        let requests = Arc::new(requests);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (ca, profiles, urls, requests) =
                (self.issuing.clone(), self.profiles.clone(), self.urls.clone(), requests.clone());
            let signed = blocking(move || {
                use rayon::prelude::*;
                requests
                    .par_iter()
                    .enumerate()
                    .map(|(index, r)| {
                        let within = |source: CaError| CaError::InBatch { index, source: Box::new(source) };
                        let template =
                            template_from_csr(&profiles, &r.profile, &r.csr, r.days).map_err(within)?;
                        let profile = profiles
                            .get(&r.profile)
                            .ok_or_else(|| within(CaError::UnknownProfile(r.profile.clone())))?;
                        let issued = issue::issue(
                            &ca.issuer().map_err(within)?,
                            &r.profile,
                            profile,
                            &template,
                            &urls,
                        )
                        .map_err(|e| within(e.into()))?;
                        Ok((r.profile.clone(), template, issued))
                    })
                    .collect::<Result<Vec<_>, CaError>>()
            })
            .await??;
            match self.record(&self.issuing, actor, chain, &signed).await {
                // A serial drawn twice (never expected with 127 random bits): sign again.
                Err(CaError::Store(StoreError::Duplicate { .. })) if attempts < 3 => continue,
                other => return other,
            }
        }
    }

    /// Issues a certificate from a template under `profile` and records it with its audit
    /// entry in one transaction. A serial that collides (never expected with 127 random
    /// bits) is drawn again.
    pub async fn issue(
        &self,
        actor: &Actor,
        chain: &str,
        profile_name: &str,
        template: &Template,
    ) -> Result<IssuedCertificate, CaError> {
        self.issue_by(&self.issuing, actor, chain, profile_name, template).await
    }

    async fn issue_by(
        &self,
        ca: &Arc<LoadedCa>,
        actor: &Actor,
        chain: &str,
        profile_name: &str,
        template: &Template,
    ) -> Result<IssuedCertificate, CaError> {
        if self.profiles.get(profile_name).is_none() {
            return Err(CaError::UnknownProfile(profile_name.to_owned()));
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (ca2, profiles, urls, name, template2) = (
                ca.clone(),
                self.profiles.clone(),
                self.urls.clone(),
                profile_name.to_owned(),
                template.clone(),
            );
            let issued = blocking(move || {
                let profile = profiles.get(&name).ok_or_else(|| CaError::UnknownProfile(name.clone()))?;
                Ok::<_, CaError>(issue::issue(&ca2.issuer()?, &name, profile, &template2, &urls)?)
            })
            .await??;
            let signed = [(profile_name.to_owned(), template.clone(), issued)];
            match self.record(ca, actor, chain, &signed).await {
                Err(CaError::Store(StoreError::Duplicate { .. })) if attempts < 3 => continue,
                Ok(mut done) => return done.pop().ok_or(CaError::TaskFailed),
                Err(e) => return Err(e),
            }
        }
    }

    /// Records signed certificates and their audit entries in one transaction.
    async fn record(
        &self,
        ca: &LoadedCa,
        actor: &Actor,
        chain: &str,
        signed: &[(String, Template, issue::Issued)],
    ) -> Result<Vec<IssuedCertificate>, CaError> {
        let mut tx = self.store.begin().await?;
        let done = Self::record_in(&mut tx, ca, actor, chain, signed).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Signs certificates from `templates` (profile name, template) with the issuing CA, on
    /// both cores, and records them with their audit entries in `tx`, which the caller
    /// commits with the routine's own change: the certificates exist if and only if the
    /// routine's change does (a credential download, R-CRED-4).
    pub async fn issue_in(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        chain: &str,
        templates: Vec<(String, Template)>,
    ) -> Result<Vec<IssuedCertificate>, CaError> {
        for (name, _) in &templates {
            if self.profiles.get(name).is_none() {
                return Err(CaError::UnknownProfile(name.clone()));
            }
        }
        let (ca, profiles, urls) = (self.issuing.clone(), self.profiles.clone(), self.urls.clone());
        let signed = blocking(move || {
            use rayon::prelude::*;
            templates
                .into_par_iter()
                .map(|(name, template)| {
                    let profile = profiles.get(&name).ok_or_else(|| CaError::UnknownProfile(name.clone()))?;
                    let issued = issue::issue(&ca.issuer()?, &name, profile, &template, &urls)?;
                    Ok((name, template, issued))
                })
                .collect::<Result<Vec<_>, CaError>>()
        })
        .await??;
        Self::record_in(tx, &self.issuing, actor, chain, &signed).await
    }

    /// Issues a certificate from a PKCS#10 request under `profile_name` for `days`, recorded
    /// in `tx` with its audit entry (the caller commits with the routine's own change). The
    /// subject and DNS names come from the request, as [`Authority::issue_from_csr`] takes them.
    pub async fn issue_csr_in(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        chain: &str,
        profile_name: &str,
        csr: &[u8],
        days: u32,
    ) -> Result<IssuedCertificate, CaError> {
        let template = template_from_csr(&self.profiles, profile_name, csr, Some(days))?;
        let mut issued = self.issue_in(tx, actor, chain, vec![(profile_name.to_owned(), template)]).await?;
        issued.pop().ok_or(CaError::TaskFailed)
    }

    /// Revokes a certificate in `tx` (RFC 5280 reason), with its audit entry; the caller
    /// commits and then calls [`Authority::announce_revoked`]. `None`: it was revoked before.
    pub async fn revoke_in(
        tx: &mut Tx<'_>,
        actor: &Actor,
        chain: &str,
        serial: &str,
        reason: Reason,
    ) -> Result<Option<i64>, CaError> {
        let serial = normalise_serial(serial)?;
        match tx.revoke_certificate(&serial, reason.code(), to_us(now())).await? {
            RevokeOutcome::NotFound => Err(CaError::NotFound(serial)),
            RevokeOutcome::AlreadyRevoked { .. } => Ok(None),
            RevokeOutcome::Revoked { at_us } => {
                tx.append(AuditEvent::new(
                    chain,
                    actor.clone(),
                    "certificate.revoked",
                    json!({ "serial": serial, "reason": reason.name(), "reason_code": reason.code() }),
                ))
                .await?;
                Ok(Some(at_us))
            }
        }
    }

    /// Tells the node's revocation hooks (the OCSP responder's cache) that `serial` was
    /// revoked, after the transaction that revoked it committed.
    pub fn announce_revoked(&self, serial: &str) {
        for hook in self.revocation_hooks.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            hook(serial);
        }
    }

    async fn record_in(
        tx: &mut Tx<'_>,
        ca: &LoadedCa,
        actor: &Actor,
        chain: &str,
        signed: &[(String, Template, issue::Issued)],
    ) -> Result<Vec<IssuedCertificate>, CaError> {
        let mut done = Vec::with_capacity(signed.len());
        for (profile_name, template, issued) in signed {
            let serial = hex::encode(&issued.serial);
            let record = CertificateRecord {
                serial: serial.clone(),
                issuer: ca.name.clone(),
                profile: profile_name.clone(),
                subject: issued.certificate.tbs_certificate.subject.to_string(),
                not_before_us: to_us(template.not_before),
                not_after_us: to_us(template.not_after),
                der: issued.der.clone(),
                revoked_us: None,
                reason: None,
            };
            tx.insert_certificate(&record).await?;
            tx.append(AuditEvent::new(
                chain,
                actor.clone(),
                "certificate.issued",
                json!({
                    "serial": serial,
                    "issuer": ca.name,
                    "profile": profile_name,
                    "not_after": record.not_after_us / 1_000_000,
                    "sha256": hex::encode(Sha256::digest(&issued.der)),
                }),
            ))
            .await?;
            let pem = issued
                .certificate
                .to_pem(der::pem::LineEnding::LF)
                .map_err(|_| CaError::StoredCertificate(serial.clone()))?;
            done.push(IssuedCertificate { serial, der: issued.der.clone(), pem });
        }
        Ok(done)
    }

    /// Revokes a certificate (RFC 5280 reason) and records it with its audit entry in one
    /// transaction; the next CRL request publishes a fresh CRL.
    pub async fn revoke(
        &self,
        actor: &Actor,
        chain: &str,
        serial: &str,
        reason: Reason,
    ) -> Result<i64, CaError> {
        let serial = normalise_serial(serial)?;
        let mut tx = self.store.begin().await?;
        let at = to_us(now());
        match tx.revoke_certificate(&serial, reason.code(), at).await? {
            RevokeOutcome::NotFound => Err(CaError::NotFound(serial)),
            RevokeOutcome::AlreadyRevoked { reason, .. } => Err(CaError::AlreadyRevoked {
                serial,
                reason: Reason::from_code(reason).map_or_else(|| reason.to_string(), |r| r.name().to_owned()),
            }),
            RevokeOutcome::Revoked { at_us } => {
                tx.append(AuditEvent::new(
                    chain,
                    actor.clone(),
                    "certificate.revoked",
                    json!({ "serial": serial, "reason": reason.name(), "reason_code": reason.code() }),
                ))
                .await?;
                tx.commit().await?;
                // Other processes learn of it from the store.
                for hook in
                    self.revocation_hooks.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).iter()
                {
                    hook(&serial);
                }
                Ok(at_us)
            }
        }
    }

    /// The current full CRL of CA `name`, DER: the latest published one while it lists
    /// every revocation and is at least half its validity from nextUpdate; otherwise a fresh
    /// one is published (recorded and audited) and returned.
    /// A CA whose key is not on this node has no CRL here ([`CaError::KeyNotOnNode`]).
    pub async fn crl(&self, name: &str) -> Result<Vec<u8>, CaError> {
        let ca = self.ca_arc(name)?;
        if !ca.has_key() {
            return Err(CaError::KeyNotOnNode(ca.name.clone()));
        }
        if let Some(crl) = self.store.latest_crl(name).await? {
            if self.is_current(&crl, self.store.revoked_count(name).await?) {
                return Ok(crl.der);
            }
        }
        let _guard = self.publishing.lock().await;
        self.publish_crl(&ca).await
    }

    /// A CRL is current while it lists every revocation and half its validity is left.
    fn is_current(&self, crl: &CrlRecord, revoked: u64) -> bool {
        let half = (crl.next_update_us - crl.this_update_us) / 2;
        crl.entries == revoked && to_us(SystemTime::now()) < crl.next_update_us - half
    }

    /// Publishes a CRL of `ca` unless one that is current was published meanwhile (by this
    /// or any other node): the decision is made under the CA row's lock, in the transaction
    /// that records the CRL, so nodes sharing a database take turns and none publishes a
    /// CRL that misses a committed revocation.
    async fn publish_crl(&self, ca: &Arc<LoadedCa>) -> Result<Vec<u8>, CaError> {
        let this_update = now();
        let next_update = this_update + self.crl_validity;
        let mut tx = self.store.begin().await?;
        let number = tx.next_crl_number(&ca.name).await?;
        let count = tx.revoked_count(&ca.name).await?;
        if let Some(crl) = tx.latest_crl(&ca.name).await? {
            if self.is_current(&crl, count) {
                tx.rollback().await?;
                return Ok(crl.der);
            }
        }
        // The entries stream from the database into the CRL's encoding: a million of them
        // take tens of megabytes, not a list of rows.
        let issuer = ca.issuer()?;
        let mut builder = crl::CrlBuilder::new(&issuer, number, this_update, next_update)?;
        tx.for_each_revoked(&ca.name, |r| {
            let serial = hex::decode(&r.serial).map_err(|_| CaError::StoredCertificate(r.serial.clone()))?;
            let reason = Reason::from_code(r.reason).ok_or_else(|| {
                CaError::StoredCertificate(format!("{} (unknown revocation reason {})", r.serial, r.reason))
            })?;
            builder.push(&serial, from_us(r.revoked_us), reason)?;
            Ok::<_, CaError>(())
        })
        .await?;
        let entries = builder.len();
        // Signing may wait on an HSM: off the async workers where the runtime allows it.
        let der = match tokio::runtime::Handle::current().runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(|| builder.finish())?,
            _ => builder.finish()?,
        };
        tx.insert_crl(&CrlRecord {
            issuer: ca.name.clone(),
            number,
            this_update_us: to_us(this_update),
            next_update_us: to_us(next_update),
            entries,
            der: der.clone(),
        })
        .await?;
        tx.append(AuditEvent::new(
            CA_CHAIN,
            Actor::system("crl"),
            "crl.published",
            json!({ "ca": ca.name, "number": number, "entries": entries, "sha256": hex::encode(Sha256::digest(&der)) }),
        ))
        .await?;
        tx.commit().await?;
        Ok(der)
    }

    /// Publishes a fresh CRL of every CA whose latest one is no longer current (of the CAs
    /// whose key is on this node).
    pub async fn publish_due_crls(&self) -> Result<(), CaError> {
        for ca in self.cas() {
            self.crl(&ca.name).await?;
        }
        Ok(())
    }
}

/// How often the node checks whether a CRL is due.
pub const CRL_CHECK_INTERVAL: Duration = Duration::from_secs(60);

/// Re-publishes CRLs before their nextUpdate (at half their validity) and after
/// revocations, whether or not anyone fetches them; ends when the authority is dropped.
pub async fn publish_crls_on_schedule(authority: std::sync::Weak<Authority>) {
    let mut tick = tokio::time::interval(CRL_CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(authority) = authority.upgrade() else { return };
        if let Err(e) = authority.publish_due_crls().await {
            tracing::error!(error = %e, "cannot publish a due CRL");
        }
    }
}

impl Authority {
    fn ca_arc(&self, name: &str) -> Result<Arc<LoadedCa>, CaError> {
        [&self.issuing, &self.root]
            .into_iter()
            .find(|c| c.name == name)
            .cloned()
            .ok_or_else(|| CaError::UnknownCa(name.to_owned()))
    }

    /// The node's file key `keys/<name>.pem` of `alg`, encrypted with the keystore passphrase,
    /// made on first use (the OCSP responders', the OpenID Connect provider's).
    pub async fn node_key(&self, name: &str, alg: KeyAlgorithm) -> Result<FileSigner, CaError> {
        let path = self.dir.join(format!("keys/{name}.pem"));
        let passphrase = self.passphrase.clone();
        blocking(move || -> Result<FileSigner, CaError> {
            if path.exists() {
                return Ok(FileSigner::open(&path, alg, &passphrase)?);
            }
            match FileSigner::generate(&path, alg, &passphrase) {
                Ok(signer) => Ok(signer),
                // Another node on this data directory made it first.
                Err(_) if path.exists() => Ok(FileSigner::open(&path, alg, &passphrase)?),
                Err(e) => Err(e.into()),
            }
        })
        .await?
    }

    /// The data directory and the keystore passphrase, for the node's other file keys (the
    /// eID's sealing key).
    pub fn keystore(&self) -> (&std::path::Path, &Passphrase) {
        (&self.dir, &self.passphrase)
    }

    /// The node's public URLs.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The delegated OCSP responder of CA `name`. Its key is in the file keystore
    /// (`keys/ocsp-<ca>.pem`, of the CA's key type), made on first use, also when the CA keys
    /// are on a PKCS#11 token: a responder signs often, and its certificate is short-lived.
    /// A certificate is issued (and audited) when no current one has more than a third of
    /// its validity left.
    ///
    /// A CA whose key is not on this node has no responder here ([`CaError::KeyNotOnNode`]).
    pub async fn ocsp_responder(&self, name: &str) -> Result<ResponderKey, CaError> {
        let ca = self.ca_arc(name)?;
        let alg = ca.issuer()?.signer.algorithm();
        let _guard = self.publishing.lock().await;
        let signer: Arc<dyn Signer> = Arc::new(self.node_key(&format!("ocsp-{name}"), alg).await?);
        let now_us = to_us(SystemTime::now());
        let current = self.store.current_certificates(name, OCSP_RESPONDER_PROFILE, now_us).await?;
        let usable = current.into_iter().find_map(|record| {
            let certificate = Certificate::from_der(&record.der).ok()?;
            let lifetime = record.not_after_us - record.not_before_us;
            (certificate.tbs_certificate.subject_public_key_info == *signer.public_key()
                && record.not_after_us - now_us > lifetime / 3)
                .then_some((certificate, record.not_after_us))
        });
        let (certificate, not_after_us) = match usable {
            Some(found) => found,
            None => {
                let profile = self
                    .profiles
                    .get(OCSP_RESPONDER_PROFILE)
                    .ok_or_else(|| CaError::UnknownProfile(OCSP_RESPONDER_PROFILE.into()))?;
                let start = now();
                let end = (start + days(profile.max_validity_days))
                    .min(ca.certificate.tbs_certificate.validity.not_after.to_system_time());
                let subject = responder_subject(&ca.certificate);
                let template = Template {
                    subject,
                    emails: vec![],
                    upns: vec![],
                    dns_names: vec![],
                    public_key: signer.public_key().clone(),
                    not_before: start,
                    not_after: end,
                    policies: vec![],
                };
                let issued = self
                    .issue_by(&ca, &Actor::system("ocsp"), CA_CHAIN, OCSP_RESPONDER_PROFILE, &template)
                    .await?;
                let certificate = Certificate::from_der(&issued.der)
                    .map_err(|_| CaError::StoredCertificate(issued.serial.clone()))?;
                (certificate, to_us(end))
            }
        };
        Ok(ResponderKey { ca: name.to_owned(), certificate, signer, not_after: from_us(not_after_us) })
    }
}

/// One request of a batch: a PKCS#10 request (DER or PEM), its profile, and the validity
/// wanted (default: the profile's maximum).
#[derive(Debug, Clone)]
pub struct CsrRequest {
    /// The profile name.
    pub profile: String,
    /// The request.
    pub csr: Vec<u8>,
    /// Days of validity wanted.
    pub days: Option<u32>,
}

/// What a request asks for, checked: proof of possession and key, the validity asked for.
/// The subject and DNS names come from the request; a TLS profile takes the common name as
/// the DNS name when the request named none (RFC 6125).
fn template_from_csr(
    profiles: &Profiles,
    profile_name: &str,
    csr: &[u8],
    days_wanted: Option<u32>,
) -> Result<Template, CaError> {
    let profile =
        profiles.get(profile_name).ok_or_else(|| CaError::UnknownProfile(profile_name.to_owned()))?;
    let request = verify_csr(csr)?;
    if days_wanted == Some(0) {
        return Err(CaError::Days);
    }
    let start = now();
    let length = days(days_wanted.unwrap_or(profile.max_validity_days));
    let mut dns_names = request.dns_names;
    if dns_names.is_empty() && profile.subject_alt_names.contains(&tillit_pki::profile::SanKind::Dns) {
        if let Some((_, cn)) = request.subject.iter().find(|(f, _)| *f == SubjectField::CommonName) {
            if cn.contains('.') && !cn.contains(' ') {
                dns_names.push(cn.clone());
            }
        }
    }
    Ok(Template {
        subject: request.subject,
        emails: request.emails,
        upns: vec![],
        dns_names,
        public_key: request.public_key,
        not_before: start,
        not_after: start + length,
        policies: vec![],
    })
}

/// The responder's subject: the CA's country and organisation, and its common name with
/// " OCSP Responder" added.
fn responder_subject(ca: &Certificate) -> Vec<(SubjectField, String)> {
    let mut subject = Vec::new();
    for rdn in ca.tbs_certificate.subject.0.iter() {
        for attr in rdn.0.iter() {
            let (Some(field), Some(value)) =
                (SubjectField::from_oid(attr.oid), tillit_pki::x509::attribute_text(&attr.value))
            else {
                continue;
            };
            match field {
                SubjectField::CountryName | SubjectField::OrganizationName => subject.push((field, value)),
                SubjectField::CommonName => subject.push((field, format!("{value} OCSP Responder"))),
                _ => {}
            }
        }
    }
    subject
}

/// A serial given by a person: hex, any case, with or without `:` separators and leading
/// zeros; stored as lower-case hex of the content octets.
pub fn normalise_serial(input: &str) -> Result<String, CaError> {
    let hex: String = input.trim().chars().filter(|c| *c != ':').collect::<String>().to_lowercase();
    let hex = hex.trim_start_matches("0x");
    if hex.is_empty() || hex.len() > 42 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CaError::BadSerial(input.chars().take(64).collect()));
    }
    let padded = if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_owned() };
    Ok(padded)
}

/// The shared authority of a running node.
pub type SharedAuthority = Arc<Authority>;
