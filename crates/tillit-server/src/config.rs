//! Configuration: `tillit.toml` in the data directory, every key overridable by a
//! `TILLIT_<KEY>` environment variable. Defaults work with no file at all. Unknown keys,
//! in the file or the environment, are errors.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format as _, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use tillit_store::DatabaseUrl;

/// The name of the configuration file inside the data directory.
pub const CONFIG_FILE: &str = "tillit.toml";

/// Environment variables with the `TILLIT_` prefix that are not configuration keys.
/// Variables the command line reads itself (`tillit --data`, `tillit init --keystore`).
const NOT_CONFIG: &[&str] = &["DATA", "KEYSTORE"];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable on a terminal, JSON otherwise.
    #[default]
    Auto,
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// tillit's configuration. See `docs/operations.md` for every key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port of the plain HTTP listener: health, readiness, metrics, OCSP, CRLs,
    /// CA certificates and the OpenAPI document.
    pub listen: SocketAddr,
    /// Address and port of the HTTPS listener, which serves the API (`/api/v1`, with a TLS
    /// client certificate) besides the public endpoints. Unset: 127.0.0.1:8443, or an
    /// ephemeral port when the plain listener is on one (port 0). See
    /// [`Config::listen_tls_for`].
    pub listen_tls: Option<SocketAddr>,
    /// The host names the node's TLS server certificate names (subjectAltName dNSName).
    pub tls_hosts: Vec<String>,
    /// The URL relying parties and browsers reach this node at; certificates carry URLs
    /// built from it. Defaults to `http://<listen>`.
    pub public_base_url: Option<String>,
    /// `postgres://…` to run on PostgreSQL; unset, a SQLite file in the data directory.
    pub database_url: Option<String>,
    /// Most database connections per node.
    pub database_max_connections: u32,
    /// The passphrase that unlocks the file keystore. Prefer `key_passphrase_file` or the
    /// `TILLIT_KEY_PASSPHRASE` environment variable over writing it in the file.
    pub key_passphrase: Option<String>,
    /// A file holding the keystore passphrase on its first line; relative to the data
    /// directory.
    pub key_passphrase_file: Option<PathBuf>,
    /// The user PIN of the PKCS#11 token holding the CA keys (when `tillit init --keystore`
    /// named one). Prefer `pkcs11_pin_file` or `TILLIT_PKCS11_PIN`; a `pin-source` in the
    /// keystore URI works too.
    pub pkcs11_pin: Option<String>,
    /// A file holding the PKCS#11 user PIN on its first line; relative to the data directory.
    pub pkcs11_pin_file: Option<PathBuf>,
    /// A signed audit checkpoint is written every this many entries of a chain.
    pub audit_checkpoint_interval: u64,
    /// Accept synthetic test identities (NO month + 80). Never in production.
    pub test_identities: bool,
    /// `auto`, `human` or `json`.
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `tillit_server=debug,info`.
    pub log_level: String,
    /// The certificate authority (`[ca]`; environment: `TILLIT_CA__<KEY>`).
    pub ca: crate::ca::CaConfig,
    /// Notifications (`[mail]`; environment: `TILLIT_MAIL__<KEY>`).
    pub mail: MailConfig,
    /// The timed routines (`[jobs]`; environment: `TILLIT_JOBS__<KEY>`).
    pub jobs: JobsConfig,
    /// The officer portal (`[portal]`; environment: `TILLIT_PORTAL__<KEY>`).
    pub portal: PortalConfig,
}

/// The officer portal (`[portal]`): where passkeys are bound and how long a session lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortalConfig {
    /// The WebAuthn relying party id: the host name officers' passkeys are bound to. Unset:
    /// the first of `tls_hosts`. Changing it later makes every enrolled passkey useless.
    pub rp_id: Option<String>,
    /// The origins the portal is opened at (`https://ra.example.se`). Unset: derived from
    /// `public_base_url`, the `tls_hosts` with the HTTPS port, and `http://localhost:<port>`
    /// when the plain listener is on a loopback address.
    pub origins: Vec<String>,
    /// A session ends after this many minutes without a request.
    pub idle_minutes: u32,
    /// A session ends this many hours after sign-in, whatever happens.
    pub max_hours: u32,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig { rp_id: None, origins: Vec::new(), idle_minutes: 15, max_hours: 10 }
    }
}

impl PortalConfig {
    fn check(&self) -> Result<(), ConfigError> {
        let bad = |key: &'static str, reason: String| ConfigError::Value { key, reason };
        if let Some(rp_id) = &self.rp_id {
            let host_like = !rp_id.is_empty()
                && rp_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                && rp_id.parse::<IpAddr>().is_err();
            if !host_like {
                return Err(bad(
                    "portal.rp_id",
                    format!("{rp_id:?} is not a host name (IP addresses cannot be)"),
                ));
            }
        }
        for origin in &self.origins {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://localhost"))
                && !origin.ends_with('/')
                && origin.matches('/').count() == 2;
            if !ok {
                return Err(bad(
                    "portal.origins",
                    format!("{origin:?} is not an origin: https://host[:port], or http://localhost:port"),
                ));
            }
        }
        if self.idle_minutes == 0 || self.idle_minutes > 24 * 60 {
            return Err(bad("portal.idle_minutes", "must be 1 to 1440".into()));
        }
        if self.max_hours == 0 || self.max_hours > 24 {
            return Err(bad("portal.max_hours", "must be 1 to 24".into()));
        }
        Ok(())
    }
}

/// How notifications leave the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MailMode {
    /// Each message is written as an RFC 5322 `.eml` file into `<data>/outbox/` (the
    /// embedded default: no relay to set up; an operator or a script forwards them).
    #[default]
    Files,
    /// Each message is sent by SMTP to the configured relay.
    Smtp,
}

/// How the SMTP connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte ("implicit TLS", port 465 by default).
    Tls,
    /// No TLS: only to a relay on this machine (127.0.0.1, ::1 or localhost; port 25).
    None,
}

/// Notifications (`[mail]`): where they go and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `files` (the default: `.eml` files in `<data>/outbox/`) or `smtp`.
    pub mode: MailMode,
    /// The sender address of every message.
    pub from: String,
    /// The RA's function mailbox: told of uncollected cards, reserve cards not reused and
    /// revocations that did not take effect. Unset: those are in the audit log only.
    pub ra_address: Option<String>,
    /// The SMTP relay's host name (the name its certificate carries).
    pub host: String,
    /// Its port; unset: 587 (`starttls`), 465 (`tls`) or 25 (`none`).
    pub port: Option<u16>,
    /// `starttls`, `tls` or `none` (loopback relays only).
    pub tls: SmtpTls,
    /// A PEM file of CA certificates to trust for the relay besides the Mozilla roots (an
    /// internal relay); relative to the data directory.
    pub ca_file: Option<PathBuf>,
    /// The user name, when the relay wants one.
    pub username: Option<String>,
    /// Its password. Prefer `password_file` or `TILLIT_MAIL__PASSWORD`.
    pub password: Option<String>,
    /// A file holding the password on its first line; relative to the data directory.
    pub password_file: Option<PathBuf>,
    /// Seconds to wait for the relay before an attempt counts as failed.
    pub timeout_seconds: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            mode: MailMode::Files,
            from: "tillit@localhost".into(),
            ra_address: None,
            host: "127.0.0.1".into(),
            port: None,
            tls: SmtpTls::Starttls,
            ca_file: None,
            username: None,
            password: None,
            password_file: None,
            timeout_seconds: 30,
        }
    }
}

impl MailConfig {
    /// The relay's port: configured, or the usual one for the TLS mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }

    /// Whether the relay is on this machine.
    pub fn relay_is_loopback(&self) -> bool {
        let host = self.host.trim_matches(['[', ']']);
        host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |key: &'static str, reason: String| ConfigError::Value { key, reason };
        if !looks_like_address(&self.from) {
            return Err(bad("mail.from", format!("{:?} is not an e-mail address", self.from)));
        }
        if let Some(ra) = &self.ra_address {
            if !looks_like_address(ra) {
                return Err(bad("mail.ra_address", format!("{ra:?} is not an e-mail address")));
            }
        }
        if self.mode == MailMode::Smtp {
            if self.host.trim().is_empty() {
                return Err(bad("mail.host", "name the SMTP relay".into()));
            }
            if self.tls == SmtpTls::None && !self.relay_is_loopback() {
                return Err(bad(
                    "mail.tls",
                    format!(
                        "\"none\" sends mail unprotected: only to a relay on this machine (127.0.0.1), \
                         not to {:?}; use \"starttls\" or \"tls\"",
                        self.host
                    ),
                ));
            }
            if self.password.is_some() && self.password_file.is_some() {
                return Err(bad("mail.password", "set password or password_file, not both".into()));
            }
            if (self.password.is_some() || self.password_file.is_some()) != self.username.is_some() {
                return Err(bad("mail.username", "a user name and a password go together".into()));
            }
        }
        if self.timeout_seconds == 0 {
            return Err(bad("mail.timeout_seconds", "must be at least 1".into()));
        }
        Ok(())
    }
}

/// An address with something on either side of one `@`; the mailer parses it fully.
fn looks_like_address(text: &str) -> bool {
    matches!(text.split_once('@'), Some((local, domain))
        if !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !text.contains(char::is_whitespace))
}

/// The timed routines (`[jobs]`): uncollected cards, reserve cards, renewal notices, the
/// next-day revocation check and the mail sender (docs/operations.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Whether `tillit serve` runs them. Any number of nodes may: each job runs on the
    /// node holding its lease.
    pub enabled: bool,
    /// Seconds between runs. The record jobs find nothing new within a day; the mail sender
    /// runs at this interval too.
    pub interval_seconds: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { enabled: true, interval_seconds: 300 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            listen_tls: None,
            tls_hosts: vec!["localhost".into()],
            public_base_url: None,
            database_url: None,
            database_max_connections: 8,
            key_passphrase: None,
            key_passphrase_file: None,
            pkcs11_pin: None,
            pkcs11_pin_file: None,
            audit_checkpoint_interval: 1000,
            test_identities: false,
            log_format: LogFormat::Auto,
            log_level: "info".into(),
            ca: crate::ca::CaConfig::default(),
            mail: MailConfig::default(),
            jobs: JobsConfig::default(),
            portal: PortalConfig::default(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment variable has an unknown key or a value of the wrong type.
    #[error("configuration: {0}")]
    Invalid(String),
    /// A value has the right type but cannot be used.
    #[error("configuration key {key}: {reason}")]
    Value {
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl Config {
    /// Reads `tillit.toml` from `data_dir` (if present) and the `TILLIT_*` environment.
    pub fn load(data_dir: &Path) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = data_dir.join(CONFIG_FILE);
        if file.exists() {
            figment = figment.merge(Toml::file_exact(file));
        }
        Self::from_figment(figment.merge(env()))
    }

    /// Reads the `TILLIT_*` environment alone (before a data directory exists).
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(env()))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(|e| ConfigError::Invalid(one_line(&e)))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            url.parse::<DatabaseUrl>()
                .map_err(|e| ConfigError::Value { key: "database_url", reason: e.to_string() })?;
        }
        if let Some(url) = &self.public_base_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.ends_with('/') {
                return Err(ConfigError::Value {
                    key: "public_base_url",
                    reason: format!("{url:?} must start with http:// or https:// and not end with /"),
                });
            }
        }
        check_tls_hosts(&self.tls_hosts)?;
        if self.audit_checkpoint_interval == 0 {
            return Err(ConfigError::Value {
                key: "audit_checkpoint_interval",
                reason: "must be at least 1".into(),
            });
        }
        self.mail.check()?;
        self.portal.check()?;
        if self.jobs.interval_seconds == 0 {
            return Err(ConfigError::Value {
                key: "jobs.interval_seconds",
                reason: "must be at least 1".into(),
            });
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Value {
                key: "database_max_connections",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// The database to open: the configured URL, or `tillit.db` in the data directory.
    pub fn database(&self, data_dir: &Path) -> Result<DatabaseUrl, ConfigError> {
        match &self.database_url {
            Some(url) => url.parse().map_err(|e: tillit_store::StoreError| ConfigError::Value {
                key: "database_url",
                reason: e.to_string(),
            }),
            None => Ok(DatabaseUrl::sqlite_file(&data_dir.join("tillit.db"))),
        }
    }

    /// The address of the HTTPS listener when the plain listener is on `plain`: `listen_tls`
    /// when configured, else 127.0.0.1:8443, or an ephemeral port on `plain`'s address when
    /// `plain` is an ephemeral port itself (port 0: tests, several nodes on one machine).
    pub fn listen_tls_for(&self, plain: SocketAddr) -> SocketAddr {
        match self.listen_tls {
            Some(addr) => addr,
            None if plain.port() == 0 => SocketAddr::new(plain.ip(), 0),
            None => DEFAULT_LISTEN_TLS,
        }
    }

    /// The public base URL: configured, or derived from the listen address.
    pub fn public_base_url(&self) -> String {
        self.public_base_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

/// The HTTPS listener's address when `listen_tls` is not set.
pub const DEFAULT_LISTEN_TLS: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8443);

/// The names of the node's TLS certificate: at least one, each a DNS name (letters, digits,
/// `-`, labels of at most 63 characters, a leading `*.` allowed). IP addresses are refused:
/// the certificate carries dNSName alternative names only.
fn check_tls_hosts(hosts: &[String]) -> Result<(), ConfigError> {
    let bad = |reason: String| ConfigError::Value { key: "tls_hosts", reason };
    if hosts.is_empty() {
        return Err(bad("name at least one host name, e.g. [\"localhost\"]".into()));
    }
    for host in hosts {
        if host.parse::<IpAddr>().is_ok() || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return Err(bad(format!(
                "{host:?} is an IP address; the node's certificate names DNS names only: use a host name \
                 that resolves to it (e.g. localhost)"
            )));
        }
        let name = host.strip_prefix("*.").unwrap_or(host);
        let ok = !name.is_empty()
            && host.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !ok {
            return Err(bad(format!(
                "{host:?} is not a DNS name (letters, digits and '-' in dot-separated labels)"
            )));
        }
    }
    Ok(())
}

fn env() -> Env {
    Env::prefixed("TILLIT_").ignore(NOT_CONFIG).split("__")
}

/// Figment's errors name the key and where it came from (file or variable); keep them on
/// one line.
fn one_line(e: &figment::Error) -> String {
    e.clone()
        .into_iter()
        .map(|e| e.to_string().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The commented `tillit.toml` that `tillit init` writes.
pub fn template(
    database_url: Option<&str>,
    key_passphrase_file: Option<&Path>,
    pkcs11_pin_file: Option<&Path>,
) -> String {
    let d = Config::default();
    let mut out = String::from(
        "# tillit configuration. Every key can be overridden by an environment variable\n\
         # TILLIT_<KEY> (e.g. TILLIT_LISTEN). See docs/operations.md.\n\n",
    );
    out.push_str(&format!("# listen = \"{}\"\n", d.listen));
    out.push_str(&format!(
        "# listen_tls = \"{DEFAULT_LISTEN_TLS}\"  # HTTPS: the API, with TLS client certificates\n"
    ));
    out.push_str(&format!("# tls_hosts = {}\n", serde_json::Value::from(d.tls_hosts.clone())));
    out.push_str("# public_base_url = \"https://ra.example.org\"\n");
    match database_url {
        Some(url) => out.push_str(&format!("database_url = {}\n", toml_string(url))),
        None => out.push_str(
            "# database_url = \"postgres://tillit@db.example.org/tillit\"  # default: tillit.db here\n",
        ),
    }
    out.push_str(&format!("# database_max_connections = {}\n", d.database_max_connections));
    match key_passphrase_file {
        Some(p) => {
            out.push_str(&format!("key_passphrase_file = {}\n", toml_string(&p.display().to_string())))
        }
        None => out.push_str("# key_passphrase_file = \"/run/secrets/tillit-key-passphrase\"\n"),
    }
    if let Some(p) = pkcs11_pin_file {
        out.push_str(&format!("pkcs11_pin_file = {}\n", toml_string(&p.display().to_string())));
    }
    out.push_str(&format!("# audit_checkpoint_interval = {}\n", d.audit_checkpoint_interval));
    out.push_str(
        "# test_identities = false\n# log_format = \"auto\"  # auto, human or json\n# log_level = \"info\"\n",
    );
    out.push_str(
        "\n# Notices of the timed routines: .eml files in outbox/ here (files), or SMTP to a relay.\n\
         # [mail]\n# mode = \"files\"  # files or smtp\n# from = \"tillit@localhost\"\n\
         # ra_address = \"ra@example.org\"  # the RA's function mailbox\n\
         # host = \"smtp.example.org\"\n# tls = \"starttls\"  # starttls (587), tls (465), none (127.0.0.1 only, 25)\n\
         # username = \"tillit\"\n# password_file = \"/run/secrets/tillit-smtp-password\"\n\
         # [jobs]\n# enabled = true\n# interval_seconds = 300\n",
    );
    out
}

fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_file() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert_eq!(c, Config::default());
            assert_eq!(c.public_base_url(), "http://127.0.0.1:8080");
            Ok(())
        });
    }

    #[test]
    fn the_environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(CONFIG_FILE, "listen = \"127.0.0.1:9000\"\naudit_checkpoint_interval = 10\n")?;
            jail.set_env("TILLIT_LISTEN", "0.0.0.0:9443");
            jail.set_env("TILLIT_DATA", "/elsewhere");
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.to_string(), "0.0.0.0:9443");
            assert_eq!(c.audit_checkpoint_interval, 10);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(CONFIG_FILE, "listn = \"127.0.0.1:9000\"\n")?;
            let err = Config::load(jail.directory()).unwrap_err().to_string();
            assert!(err.contains("listn") && err.contains(CONFIG_FILE), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("TILLIT_LISTN", "x");
            let err = Config::load(jail.directory()).unwrap_err().to_string();
            assert!(err.contains("LISTN") && err.contains("TILLIT_"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TILLIT_DATABASE_URL", "mysql://u:secret@h/db");
            let err = Config::load(jail.directory()).unwrap_err().to_string();
            assert!(err.contains("database_url") && !err.contains("secret"), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("TILLIT_LISTEN", "not an address");
            let err = Config::load(jail.directory()).unwrap_err().to_string();
            assert!(err.contains("LISTEN") && err.contains("socket address"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_tls_listener_and_its_host_names() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert_eq!(c.listen_tls_for(c.listen).to_string(), "127.0.0.1:8443");
            // An ephemeral plain port (tests, several nodes): an ephemeral TLS port too.
            assert_eq!(c.listen_tls_for("127.0.0.1:0".parse().unwrap()).to_string(), "127.0.0.1:0");
            assert_eq!(c.tls_hosts, ["localhost"]);
            jail.create_file(CONFIG_FILE, "tls_hosts = [\"ra.example.org\", \"*.ra.example.org\"]\n")?;
            jail.set_env("TILLIT_LISTEN_TLS", "0.0.0.0:9443");
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert_eq!(c.listen_tls_for("127.0.0.1:0".parse().unwrap()).to_string(), "0.0.0.0:9443");
            assert_eq!(c.tls_hosts, ["ra.example.org", "*.ra.example.org"]);
            Ok(())
        });
        for (hosts, said) in [
            ("[\"127.0.0.1\"]", "is an IP address"),
            ("[\"::1\"]", "is an IP address"),
            ("[]", "at least one host name"),
            ("[\"ra..example.org\"]", "is not a DNS name"),
            ("[\"-ra.example.org\"]", "is not a DNS name"),
        ] {
            figment::Jail::expect_with(|jail| {
                jail.set_env("TILLIT_TLS_HOSTS", hosts);
                let err = Config::load(jail.directory()).unwrap_err().to_string();
                assert!(
                    err.starts_with("configuration key tls_hosts:") && err.contains(said),
                    "{hosts}: {err}"
                );
                Ok(())
            });
        }
    }

    #[test]
    fn mail_goes_to_files_unless_a_relay_is_configured() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert_eq!(
                (c.mail.mode, c.mail.from.as_str(), c.mail.ra_address.as_deref()),
                (MailMode::Files, "tillit@localhost", None)
            );
            assert_eq!((c.mail.tls, c.mail.port()), (SmtpTls::Starttls, 587));
            assert_eq!((c.jobs.enabled, c.jobs.interval_seconds), (true, 300));
            jail.create_file(
                CONFIG_FILE,
                "[mail]\nmode = \"smtp\"\nhost = \"smtp.kommun.example\"\ntls = \"tls\"\nfrom = \"ra@kommun.example\"\n\
                 ra_address = \"ra-funktion@kommun.example\"\nusername = \"tillit\"\n[jobs]\ninterval_seconds = 60\n",
            )?;
            jail.set_env("TILLIT_MAIL__PASSWORD", "from-the-environment");
            jail.set_env("TILLIT_MAIL__PORT", "2465");
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert_eq!((c.mail.mode, c.mail.tls, c.mail.port()), (MailMode::Smtp, SmtpTls::Tls, 2465));
            assert_eq!(c.mail.password.as_deref(), Some("from-the-environment"));
            assert_eq!(c.mail.ra_address.as_deref(), Some("ra-funktion@kommun.example"));
            assert_eq!(c.jobs.interval_seconds, 60);
            Ok(())
        });
        for (env, key, said) in [
            (
                &[
                    ("TILLIT_MAIL__MODE", "smtp"),
                    ("TILLIT_MAIL__HOST", "smtp.kommun.example"),
                    ("TILLIT_MAIL__TLS", "none"),
                ][..],
                "mail.tls",
                "only to a relay on this machine",
            ),
            (&[("TILLIT_MAIL__FROM", "not an address")][..], "mail.from", "not an e-mail address"),
            (
                &[("TILLIT_MAIL__MODE", "smtp"), ("TILLIT_MAIL__USERNAME", "u")][..],
                "mail.username",
                "go together",
            ),
            (&[("TILLIT_JOBS__INTERVAL_SECONDS", "0")][..], "jobs.interval_seconds", "at least 1"),
        ] {
            figment::Jail::expect_with(|jail| {
                for (k, v) in env {
                    jail.set_env(k, v);
                }
                let err = Config::load(jail.directory()).unwrap_err().to_string();
                assert!(err.contains(key) && err.contains(said), "{env:?}: {err}");
                Ok(())
            });
        }
        figment::Jail::expect_with(|jail| {
            // A plain connection to a relay on this machine is allowed.
            jail.set_env("TILLIT_MAIL__MODE", "smtp");
            jail.set_env("TILLIT_MAIL__TLS", "none");
            let c = Config::load(jail.directory()).map_err(|e| e.to_string())?;
            assert!(c.mail.relay_is_loopback());
            assert_eq!(c.mail.port(), 25);
            Ok(())
        });
    }

    #[test]
    fn the_template_parses_to_the_defaults() {
        let text = template(None, None, None);
        let c: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(&text))
            .extract()
            .unwrap();
        assert_eq!(c, Config::default());
        let text = template(
            Some("postgres://h/db"),
            Some(Path::new("secrets/key-passphrase")),
            Some(Path::new("secrets/pkcs11-pin")),
        );
        let c: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(&text))
            .extract()
            .unwrap();
        assert_eq!(c.database_url.as_deref(), Some("postgres://h/db"));
        assert_eq!(c.pkcs11_pin_file.as_deref(), Some(Path::new("secrets/pkcs11-pin")));
    }
}
