//! The node's certificate authority: a root CA and an issuing CA, keys in the keystore,
//! certificates and revocations in the store, every change audited in the same
//! transaction (SPEC §8, §9).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::{Decode as _, EncodePem as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use tillit_core::audit::{Actor, AuditEvent};
use tillit_pki::crl::{self, Reason, Revoked};
use tillit_pki::csr::{verify_csr, CsrError};
use tillit_pki::issue::{self, IssueError, Issuer, Template, Urls};
use tillit_pki::profile::{ProfileError, Profiles, SubjectField};
use tillit_pki::{FileSigner, KeyAlgorithm, Passphrase, Signer, SignerError};
use tillit_store::ca::{CaRecord, CertificateRecord, CrlRecord, RevokeOutcome};
use tillit_store::{Store, StoreError};
use tokio::sync::Mutex;
use x509_cert::Certificate;

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
    /// A stored CA certificate cannot be read.
    #[error("stored certificate of CA {0} cannot be read")]
    StoredCertificate(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// A CA with its key, ready to sign.
#[derive(Debug)]
pub struct LoadedCa {
    /// Name in URLs.
    pub name: String,
    /// Certificate.
    pub certificate: Certificate,
    /// Certificate, DER.
    pub der: Vec<u8>,
    /// Key.
    pub signer: Box<dyn Signer>,
}

impl LoadedCa {
    fn issuer(&self) -> Issuer<'_> {
        Issuer { name: &self.name, certificate: &self.certificate, signer: self.signer.as_ref() }
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
    urls: Urls,
    profiles: Profiles,
    crl_validity: Duration,
    root: LoadedCa,
    issuing: LoadedCa,
    /// Serialises CRL publication within this node.
    publishing: Mutex<()>,
}

const ROOT: &str = "root";
const ISSUING: &str = "issuing";

fn key_file(name: &str) -> String {
    format!("keys/ca-{name}.pem")
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

impl Authority {
    /// Creates the hierarchy in a new data directory `dir`: keys for a root and an issuing
    /// CA in the file keystore, their certificates (carrying URLs under `urls`), recorded
    /// and audited in one transaction.
    pub async fn create(
        store: &Store,
        dir: &Path,
        passphrase: &Passphrase,
        config: &CaConfig,
        urls: &Urls,
    ) -> Result<(), CaError> {
        let alg = config.key_algorithm;
        let root_key = FileSigner::generate(&dir.join(key_file(ROOT)), alg, passphrase)?;
        let issuing_key = FileSigner::generate(&dir.join(key_file(ISSUING)), alg, passphrase)?;
        let start = now();
        let root_end = start + days(config.root_validity_days);
        let root = issue::root_ca(&root_key, &subject(config, &config.root_name), start, root_end)?;
        let root_issuer = Issuer { name: ROOT, certificate: &root.certificate, signer: &root_key };
        let issuing_end = (start + days(config.issuing_validity_days)).min(root_end);
        let issuing = issue::subordinate_ca(
            &root_issuer,
            &subject(config, &config.issuing_name),
            issuing_key.public_key().clone(),
            start,
            issuing_end,
            urls,
        )?;
        let mut tx = store.begin().await?;
        for (name, role, parent, cert) in
            [(ROOT, "root", None, &root), (ISSUING, "issuing", Some(ROOT), &issuing)]
        {
            tx.insert_ca(&CaRecord {
                name: name.into(),
                role: role.into(),
                parent: parent.map(str::to_owned),
                key_algorithm: alg.name().into(),
                key_ref: key_file(name),
                certificate: cert.der.clone(),
            })
            .await?;
            tx.append(AuditEvent::new(
                CA_CHAIN,
                Actor::system("init"),
                "ca.created",
                json!({
                    "ca": name,
                    "role": role,
                    "key_algorithm": alg.name(),
                    "serial": hex::encode(&cert.serial),
                    "sha256": hex::encode(Sha256::digest(&cert.der)),
                }),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Opens the CAs recorded in the store with their keys from the keystore in `dir`.
    pub async fn open(
        store: Store,
        dir: &Path,
        passphrase: &Passphrase,
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
            let signer = FileSigner::open(&dir.join(&record.key_ref), alg, passphrase)?;
            let certificate = Certificate::from_der(&record.certificate)
                .map_err(|_| CaError::StoredCertificate(name.to_owned()))?;
            if certificate.tbs_certificate.subject_public_key_info != *signer.public_key() {
                return Err(CaError::StoredCertificate(format!(
                    "{name} (its key in the keystore does not match)"
                )));
            }
            Ok(LoadedCa {
                name: name.to_owned(),
                certificate,
                der: record.certificate.clone(),
                signer: Box::new(signer),
            })
        };
        let root = load(ROOT)?;
        let issuing = load(ISSUING)?;
        Ok(Authority {
            store,
            urls,
            profiles,
            crl_validity: Duration::from_secs(u64::from(config.crl_validity_hours.max(1)) * 3600),
            root,
            issuing,
            publishing: Mutex::new(()),
        })
    }

    /// A CA by its URL name.
    pub fn ca(&self, name: &str) -> Option<&LoadedCa> {
        [&self.issuing, &self.root].into_iter().find(|c| c.name == name)
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
        let profile = self
            .profiles
            .get(profile_name)
            .ok_or_else(|| CaError::UnknownProfile(profile_name.to_owned()))?;
        let request = verify_csr(csr)?;
        if days_wanted == Some(0) {
            return Err(CaError::Days);
        }
        let start = now();
        let length = days(days_wanted.unwrap_or(profile.max_validity_days));
        let mut dns_names = request.dns_names.clone();
        if dns_names.is_empty() && profile.subject_alt_names.contains(&tillit_pki::profile::SanKind::Dns) {
            // A TLS certificate names its host in subjectAltName (RFC 6125); take the
            // common name when the request named no DNS names.
            if let Some((_, cn)) = request.subject.iter().find(|(f, _)| *f == SubjectField::CommonName) {
                if cn.contains('.') && !cn.contains(' ') {
                    dns_names.push(cn.clone());
                }
            }
        }
        let template = Template {
            subject: request.subject.clone(),
            emails: request.emails.clone(),
            upns: vec![],
            dns_names,
            public_key: request.public_key.clone(),
            not_before: start,
            not_after: start + length,
            policies: vec![],
        };
        self.issue(actor, chain, profile_name, &template).await
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
        let profile = self
            .profiles
            .get(profile_name)
            .ok_or_else(|| CaError::UnknownProfile(profile_name.to_owned()))?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let issued = issue::issue(&self.issuing.issuer(), profile_name, profile, template, &self.urls)?;
            let serial = hex::encode(&issued.serial);
            let subject = issued.certificate.tbs_certificate.subject.to_string();
            let record = CertificateRecord {
                serial: serial.clone(),
                issuer: self.issuing.name.clone(),
                profile: profile_name.to_owned(),
                subject,
                not_before_us: to_us(template.not_before),
                not_after_us: to_us(template.not_after),
                der: issued.der.clone(),
                revoked_us: None,
                reason: None,
            };
            let mut tx = self.store.begin().await?;
            match tx.insert_certificate(&record).await {
                Err(StoreError::Duplicate { .. }) if attempts < 3 => continue,
                other => other?,
            }
            tx.append(AuditEvent::new(
                chain,
                actor.clone(),
                "certificate.issued",
                json!({
                    "serial": serial,
                    "issuer": self.issuing.name,
                    "profile": profile_name,
                    "not_after": record.not_after_us / 1_000_000,
                    "sha256": hex::encode(Sha256::digest(&issued.der)),
                }),
            ))
            .await?;
            tx.commit().await?;
            let pem = issued
                .certificate
                .to_pem(der::pem::LineEnding::LF)
                .map_err(|_| CaError::StoredCertificate(serial.clone()))?;
            return Ok(IssuedCertificate { serial, der: issued.der, pem });
        }
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
                Ok(at_us)
            }
        }
    }

    /// The current full CRL of CA `name`, DER: the latest published one while it lists
    /// every revocation and is at least half its validity from nextUpdate; otherwise a fresh
    /// one is published (recorded and audited) and returned.
    pub async fn crl(&self, name: &str) -> Result<Vec<u8>, CaError> {
        let ca = self.ca(name).ok_or_else(|| CaError::UnknownCa(name.to_owned()))?;
        let now_us = to_us(SystemTime::now());
        let fresh = |crl: &CrlRecord, revoked: u64| {
            let half = (crl.next_update_us - crl.this_update_us) / 2;
            crl.entries == revoked && now_us < crl.next_update_us - half
        };
        if let Some(crl) = self.store.latest_crl(name).await? {
            if fresh(&crl, self.store.revoked_count(name).await?) {
                return Ok(crl.der);
            }
        }
        let _guard = self.publishing.lock().await;
        // Another request may have published while this one waited.
        if let Some(crl) = self.store.latest_crl(name).await? {
            if fresh(&crl, self.store.revoked_count(name).await?) {
                return Ok(crl.der);
            }
        }
        self.publish_crl(ca).await
    }

    async fn publish_crl(&self, ca: &LoadedCa) -> Result<Vec<u8>, CaError> {
        let this_update = now();
        let next_update = this_update + self.crl_validity;
        let mut tx = self.store.begin().await?;
        let number = tx.next_crl_number(&ca.name).await?;
        // A revocation that commits after this read makes the count differ, so the next
        // request publishes again: none is missed for longer than one request.
        let revoked: Vec<Revoked> = self
            .store
            .revoked(&ca.name)
            .await?
            .into_iter()
            .filter_map(|r| {
                Some(Revoked {
                    serial: hex::decode(&r.serial).ok()?,
                    at: from_us(r.revoked_us),
                    reason: Reason::from_code(r.reason).unwrap_or(Reason::Unspecified),
                })
            })
            .collect();
        let der = crl::full_crl(&ca.issuer(), number, this_update, next_update, &revoked)?;
        tx.insert_crl(&CrlRecord {
            issuer: ca.name.clone(),
            number,
            this_update_us: to_us(this_update),
            next_update_us: to_us(next_update),
            entries: revoked.len() as u64,
            der: der.clone(),
        })
        .await?;
        tx.append(AuditEvent::new(
            CA_CHAIN,
            Actor::system("crl"),
            "crl.published",
            json!({ "ca": ca.name, "number": number, "entries": revoked.len(), "sha256": hex::encode(Sha256::digest(&der)) }),
        ))
        .await?;
        tx.commit().await?;
        Ok(der)
    }
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
