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
