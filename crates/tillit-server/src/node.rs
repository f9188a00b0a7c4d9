//! A node's data directory: its layout, `init`, and opening it to serve.
//!
//! ```text
//! DIR/.tillit                   marker: this directory belongs to tillit (format version)
//! DIR/tillit.toml               configuration
//! DIR/tillit.db                 SQLite database (unless database_url names PostgreSQL)
//! DIR/keys/audit-key.pem        the node's audit key, encrypted PKCS#8
//! DIR/keys/audit-key.pub.pem    its public half, for auditors
//! DIR/keys/ca-root.pem          the CA keys, encrypted PKCS#8 (unless on a PKCS#11 token, or,
//!                               for an imported root, kept offline by its operator)
//! DIR/keys/ca-issuing.pem
//! DIR/keys/tls-server.pem       the HTTPS listener's key, encrypted PKCS#8 (made by `serve`)
//! DIR/tls/server.pem            its certificate, from the issuing CA (issued or renewed by
//!                               `serve` at start; see [`crate::tls`])
//! DIR/tls/chain.pem             the CA chain (issuing, root) that clients verify it with
//! DIR/secrets/key-passphrase    the keystore passphrase, when none was configured at init
//! DIR/secrets/pkcs11-pin        the token's user PIN, when the keystore URI carried one
//! DIR/admin/<name>.p12          an RA administrator's key, certificate and chain, under a
//!                               one-time password shown once (see [`crate::admin`])
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent, SYSTEM_CHAIN};
use tillit_pki::{Ed25519FileKey, KeystoreError, Passphrase, Pkcs11Uri};
use tillit_store::{DatabaseUrl, Store, StoreError, StoreOptions};

use crate::admin::{AdminError, AdminRequest, Administrator};
use crate::ca::{Authority, CaError, ImportedCa, KeyAccess, Keystore};
use crate::config::{self, Config, ConfigError};
use tillit_pki::issue::Urls;

const MARKER: &str = ".tillit";
const MARKER_TEXT: &str = "tillit data directory\nformat = 1\n";
const AUDIT_KEY: &str = "keys/audit-key.pem";
const GENERATED_PASSPHRASE: &str = "secrets/key-passphrase";
const PKCS11_PIN_FILE: &str = "secrets/pkcs11-pin";

/// Errors in creating or opening a data directory.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// `policy.toml` is not a valid policy.
    #[error("{path}: {reason}")]
    Policy {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `init` on a directory that is initialised already.
    #[error("{0}: already initialised; refusing to overwrite it")]
    AlreadyInitialised(PathBuf),
    /// The directory has files but is not a tillit data directory.
    #[error("{0}: not a tillit data directory (it has files but no .tillit marker); use an empty or new directory")]
    NotOurs(PathBuf),
    /// The directory does not exist or has not been initialised.
    #[error("{0}: not initialised; run `tillit init --data {0}` first")]
    NotInitialised(PathBuf),
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No passphrase for the keystore is configured.
    #[error("no keystore passphrase: set TILLIT_KEY_PASSPHRASE or key_passphrase_file in {0}/tillit.toml")]
    NoPassphrase(PathBuf),
    /// The keystore failed.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The certificate authority failed.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// The HTTPS listener's certificate or key failed.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The first administrator could not be made.
    #[error("the first administrator: {0}")]
    Admin(#[from] AdminError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> NodeError + '_ {
    move |source| NodeError::Io { path: path.to_owned(), source }
}

/// What state a directory is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirState {
    /// Missing, or an empty directory: `init` may create a data directory there.
    Empty,
    /// A tillit data directory.
    Ours,
    /// Something else.
    Foreign,
}

/// Looks at `dir` without changing it.
pub fn dir_state(dir: &Path) -> Result<DirState, NodeError> {
    match fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(DirState::Empty),
        Err(e) => Err(NodeError::Io { path: dir.to_owned(), source: e }),
        Ok(mut entries) => {
            if dir.join(MARKER).is_file() {
                Ok(DirState::Ours)
            } else if entries.next().is_none() {
                Ok(DirState::Empty)
            } else {
                Ok(DirState::Foreign)
            }
        }
    }
}

/// What `init` did.
#[derive(Debug)]
pub struct Initialised {
    /// The data directory.
    pub dir: PathBuf,
    /// The database it set up (password removed).
    pub database: String,
    /// The audit key's id.
    pub audit_key_id: String,
    /// Where a generated passphrase was written, if one was.
    pub generated_passphrase: Option<PathBuf>,
    /// The first administrator, when one was asked for; its file is relative to `dir`.
    pub administrator: Option<Administrator>,
}

/// What `init` is asked for beyond the environment.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// A PostgreSQL URL to write into the configuration.
    pub database_url: Option<String>,
    /// Where the CA keys are made (when the hierarchy is created, not imported).
    pub keystore: Keystore,
    /// An existing hierarchy to import instead of creating one (`tillit ca import`). Each
    /// key stays where [`ImportedCa`] says: file keys go into the file keystore, token keys
    /// stay on their token; `keystore` must then be [`Keystore::File`].
    pub import: Option<ImportedCa>,
    /// The first RA administrator to make, with their organisation (see [`crate::admin`]).
    pub admin: Option<AdminRequest>,
}

impl InitOptions {
    /// The PKCS#11 URIs given, whose `pin-value` the node keeps as its token PIN.
    fn pkcs11_uris(&self) -> Vec<&Pkcs11Uri> {
        let mut uris = match &self.keystore {
            Keystore::Pkcs11(uri) => vec![uri.as_ref()],
            Keystore::File => vec![],
        };
        uris.extend(self.import.iter().flat_map(ImportedCa::pkcs11_uris));
        uris
    }
}

/// Creates a data directory: configuration, keys, database with its schema, the certificate
/// authority (created, or imported when `options.import` says so) and the first audit
/// entries. Everything is built in a sibling temporary directory and moved into place at the
/// end, so a failure leaves nothing half-written (keys already generated on a PKCS#11 token
/// stay there; a second attempt refuses their labels). A hierarchy to import is checked
/// before the database is opened, so a refused one leaves nothing in a PostgreSQL database
/// either. The first administrator, when asked for, is made in the same staging directory,
/// so a refused one leaves no data directory behind.
pub async fn init(dir: &Path, options: &InitOptions) -> Result<Initialised, NodeError> {
    match dir_state(dir)? {
        DirState::Ours => return Err(NodeError::AlreadyInitialised(dir.to_owned())),
        DirState::Foreign => return Err(NodeError::NotOurs(dir.to_owned())),
        DirState::Empty => {}
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let staging = tempfile_dir(&parent)?;
    let result = build(staging.path(), dir, options).await;
    match result {
        Ok(mut done) => {
            // An empty target directory is replaced; rename(2) does that atomically.
            let staged = staging.keep();
            if let Err(e) = fs::rename(&staged, dir) {
                let _ = fs::remove_dir_all(&staged);
                return Err(NodeError::Io { path: dir.to_owned(), source: e });
            }
            done.dir = dir.to_owned();
            done.generated_passphrase = done.generated_passphrase.map(|_| dir.join(GENERATED_PASSPHRASE));
            Ok(done)
        }
        Err(e) => Err(e),
    }
}

/// The staging directory, readable by the owner only: it will become the data directory.
fn tempfile_dir(parent: &Path) -> Result<tempfile::TempDir, NodeError> {
    let dir = tempfile::Builder::new().prefix(".tillit-init-").tempdir_in(parent).map_err(io_err(parent))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).map_err(io_err(dir.path()))?;
    }
    Ok(dir)
}

async fn build(staging: &Path, final_dir: &Path, options: &InitOptions) -> Result<Initialised, NodeError> {
    let env_config = Config::from_env()?;
    let database_url = options.database_url.clone();
    if let Some(url) = &database_url {
        url.parse::<DatabaseUrl>()?;
    }
    // The passphrase: configured (environment, or a file named in the environment), or
    // generated into the data directory for the embedded default.
    let mut generated = None;
    let passphrase = match passphrase_from(&env_config, final_dir)? {
        Some(p) => p,
        None => {
            let p = Passphrase::generate();
            let path = staging.join(GENERATED_PASSPHRASE);
            create_private_dir(path.parent().unwrap_or(staging))?;
            p.write_new(&path)?;
            generated = Some(path);
            p
        }
    };
    // A PIN given in a PKCS#11 URI (the keystore's, or an imported key's) is kept in the
    // data directory, like a generated passphrase; the URI is stored without it.
    let mut pin_file = None;
    if let Some(pin) = pin_given(options)? {
        let path = staging.join(PKCS11_PIN_FILE);
        create_private_dir(path.parent().unwrap_or(staging))?;
        write_new(&path, format!("{}\n", pin.as_str()).as_bytes())?;
        pin_file = Some(Path::new(PKCS11_PIN_FILE));
    }
    let config_text = config::template(
        database_url.as_deref(),
        generated.as_ref().map(|_| Path::new(GENERATED_PASSPHRASE)),
        pin_file,
    );
    write_new(&staging.join(config::CONFIG_FILE), config_text.as_bytes())?;
    let config = Config::load(staging)?;
    let keys = KeyAccess { passphrase: &passphrase, pkcs11_pin: pkcs11_pin_from(&config, staging)? };
    let import = match &options.import {
        Some(_) if options.keystore != Keystore::File => {
            return Err(CaError::Keystore(
                "importing keeps each CA key where it is: name a token key by its PKCS#11 URI".into(),
            )
            .into())
        }
        Some(import) => Some(import.check(&keys)?),
        None => None,
    };

    let key_path = staging.join(AUDIT_KEY);
    create_private_dir(key_path.parent().unwrap_or(staging))?;
    let key = Ed25519FileKey::generate(&key_path, &passphrase)?;
    let audit_key_id = tillit_core::audit::AuditSigner::public_key(&key).id().to_owned();

    // The database: the configured one, else a SQLite file in the staging directory, moved
    // with it.
    let url = config.database(staging)?;
    let store = Store::open(&url, store_options(&config)).await?.with_signer(Arc::new(key)).await?;
    match import {
        Some(checked) => Authority::import(&store, staging, &keys, checked).await?,
        None => {
            let urls = Urls::new(&config.public_base_url());
            Authority::create(&store, staging, &keys, &options.keystore, &config.ca, &urls).await?;
        }
    }
    store
        .append(AuditEvent::new(
            SYSTEM_CHAIN,
            Actor::system("init"),
            "node.initialised",
            json!({ "audit_key_id": audit_key_id, "version": env!("CARGO_PKG_VERSION"), "backend": format!("{:?}", url.backend()).to_lowercase() }),
        ))
        .await?;
    let administrator = match &options.admin {
        Some(request) => {
            let urls = Urls::new(&config.public_base_url());
            let authority = Authority::open(store.clone(), staging, &keys, &config.ca, urls).await?;
            let today = time::OffsetDateTime::now_utc().date();
            Some(
                crate::admin::create(&store, &authority, staging, &Actor::system("init"), request, today)
                    .await?,
            )
        }
        None => None,
    };
    store.close().await;
    write_new(&staging.join(MARKER), MARKER_TEXT.as_bytes())?;
    let database = match config.database_url {
        Some(_) => url.redacted(),
        None => DatabaseUrl::sqlite_file(&final_dir.join("tillit.db")).redacted(),
    };
    Ok(Initialised {
        dir: staging.to_owned(),
        database,
        audit_key_id,
        generated_passphrase: generated,
        administrator,
    })
}

/// The PIN carried by a PKCS#11 URI of the options (`pin-value`), if any: the node keeps it
/// as its token PIN, so all URIs carrying one must carry the same.
fn pin_given(options: &InitOptions) -> Result<Option<zeroize::Zeroizing<String>>, NodeError> {
    let mut found: Option<zeroize::Zeroizing<String>> = None;
    for uri in options.pkcs11_uris().into_iter().filter(|u| u.has_pin_value()) {
        let pin = uri.pin().map_err(|e| CaError::Keystore(e.to_string()))?.unwrap_or_default();
        match &found {
            Some(first) if *first != pin => {
                return Err(CaError::Keystore(
                    "the PKCS#11 URIs carry different PINs; the node keeps one token PIN".into(),
                )
                .into())
            }
            Some(_) => {}
            None => found = Some(pin),
        }
    }
    Ok(found)
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_err(path))?;
    io::Write::write_all(&mut file, bytes).and_then(|()| file.sync_all()).map_err(io_err(path))
}

fn create_private_dir(path: &Path) -> Result<(), NodeError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(io_err(path))
}

fn store_options(config: &Config) -> StoreOptions {
    StoreOptions {
        checkpoint_interval: config.audit_checkpoint_interval,
        max_connections: config.database_max_connections,
    }
}

/// The passphrase from configuration: `key_passphrase`, else `key_passphrase_file`
/// (relative to the data directory).
fn passphrase_from(config: &Config, dir: &Path) -> Result<Option<Passphrase>, NodeError> {
    if let Some(secret) = &config.key_passphrase {
        return Ok(Some(Passphrase::new(secret.clone())?));
    }
    if let Some(file) = &config.key_passphrase_file {
        return Ok(Some(Passphrase::from_file(&dir.join(file))?));
    }
    Ok(None)
}

/// The PKCS#11 user PIN from configuration: `pkcs11_pin`, else `pkcs11_pin_file`.
fn pkcs11_pin_from(config: &Config, dir: &Path) -> Result<Option<zeroize::Zeroizing<String>>, NodeError> {
    if let Some(pin) = &config.pkcs11_pin {
        return Ok(Some(zeroize::Zeroizing::new(pin.clone())));
    }
    if let Some(file) = &config.pkcs11_pin_file {
        let path = dir.join(file);
        let text = zeroize::Zeroizing::new(fs::read_to_string(&path).map_err(io_err(&path))?);
        return Ok(Some(zeroize::Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())));
    }
    Ok(None)
}

/// An initialised data directory, opened.
#[derive(Debug)]
pub struct DataDir {
    /// Where it is.
    pub path: PathBuf,
    /// Its configuration, with the environment applied.
    pub config: Config,
}

impl DataDir {
    /// Opens an initialised data directory and reads its configuration.
    pub fn open(path: &Path) -> Result<DataDir, NodeError> {
        match dir_state(path)? {
            DirState::Ours => {}
            DirState::Foreign => return Err(NodeError::NotOurs(path.to_owned())),
            DirState::Empty => return Err(NodeError::NotInitialised(path.to_owned())),
        }
        let config = Config::load(path)?;
        Ok(DataDir { path: path.to_owned(), config })
    }

    /// The database this node uses.
    pub fn database(&self) -> Result<DatabaseUrl, NodeError> {
        Ok(self.config.database(&self.path)?)
    }

    /// The node's audit public key file.
    pub fn audit_public_key_path(&self) -> PathBuf {
        Ed25519FileKey::public_path(&self.path.join(AUDIT_KEY))
    }

    /// Opens the store for reading and verifying, without unlocking any key.
    pub async fn open_store_read_only(&self) -> Result<Store, NodeError> {
        Ok(Store::open(&self.database()?, store_options(&self.config)).await?)
    }

    fn passphrase(&self) -> Result<Passphrase, NodeError> {
        passphrase_from(&self.config, &self.path)?.ok_or_else(|| NodeError::NoPassphrase(self.path.clone()))
    }

    /// Unlocks the CA keys and opens the certificate authority on `store`.
    pub async fn open_authority(&self, store: &Store) -> Result<Authority, NodeError> {
        let urls = Urls::new(&self.config.public_base_url());
        let passphrase = self.passphrase()?;
        let keys =
            KeyAccess { passphrase: &passphrase, pkcs11_pin: pkcs11_pin_from(&self.config, &self.path)? };
        Ok(Authority::open(store.clone(), &self.path, &keys, &self.config.ca, urls).await?)
    }

    /// The HTTPS listener's identity: its certificate (issued by `authority` and audited when
    /// there is none, or renewed when it has less than 30 days left or no longer fits
    /// `tls_hosts`) and its key, unlocked with the keystore passphrase.
    pub async fn tls_identity(&self, authority: &Authority) -> Result<crate::tls::ServerIdentity, NodeError> {
        let passphrase = self.passphrase()?;
        Ok(crate::tls::ensure_server_identity(&self.path, authority, &passphrase, &self.config.tls_hosts)
            .await?)
    }

    /// The routines' policy: `policy.toml` in the directory, or the SPEC values when there
    /// is none (ARCHITECTURE.md, "Policy is data with defaults").
    pub fn policy(&self) -> Result<tillit_core::ra::policy::Policy, NodeError> {
        let path = self.path.join("policy.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => tillit_core::ra::policy::Policy::from_toml(&text)
                .map_err(|reason| NodeError::Policy { path, reason }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
            Err(e) => Err(NodeError::Policy { path, reason: e.to_string() }),
        }
    }

    /// Unlocks the audit key and opens the store for recording changes.
    pub async fn open_store(&self) -> Result<Store, NodeError> {
        let passphrase = self.passphrase()?;
        let key = Ed25519FileKey::open(&self.path.join(AUDIT_KEY), &passphrase)?;
        let store = self.open_store_read_only().await?;
        Ok(store.with_signer(Arc::new(key)).await?)
    }
}
