//! Where the portal runs: the WebAuthn relying party id, the origins it is opened at, and the
//! session limits, from the node's configuration and the addresses it listens on
//! (docs/design/portal.md §1.5).

use std::net::SocketAddr;

use tillit_server::config::Config;

/// The portal's settings for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSettings {
    /// The relying party id passkeys are bound to.
    pub rp_id: String,
    /// The origins a ceremony may come from (`clientDataJSON.origin`) and a POST may carry.
    pub origins: Vec<String>,
    /// A session ends after this long without a request, microseconds.
    pub idle_us: i64,
    /// A session ends this long after sign-in, microseconds.
    pub max_us: i64,
}

fn with_port(scheme: &str, host: &str, port: u16) -> String {
    match (scheme, port) {
        ("https", 443) | ("http", 80) => format!("{scheme}://{host}"),
        _ => format!("{scheme}://{host}:{port}"),
    }
}

impl PortalSettings {
    /// The settings of a node configured by `config`, listening on `plain` (HTTP) and `tls`
    /// (HTTPS).
    pub fn new(config: &Config, plain: SocketAddr, tls: SocketAddr) -> PortalSettings {
        let portal = &config.portal;
        let rp_id = portal
            .rp_id
            .clone()
            .or_else(|| config.tls_hosts.first().cloned())
            .unwrap_or_else(|| "localhost".to_string());
        let mut origins = portal.origins.clone();
        if origins.is_empty() {
            if let Some(base) = &config.public_base_url {
                origins.push(base.trim_end_matches('/').to_string());
            }
            for host in &config.tls_hosts {
                origins.push(with_port("https", host, tls.port()));
            }
            if plain.ip().is_loopback() {
                origins.push(with_port("http", "localhost", plain.port()));
            }
        }
        origins.dedup();
        PortalSettings {
            rp_id,
            origins,
            idle_us: i64::from(portal.idle_minutes) * 60_000_000,
            max_us: i64::from(portal.max_hours) * 3_600_000_000,
        }
    }

    /// Settings for a portal at `http://localhost:<port>` (tests, development).
    pub fn localhost(port: u16) -> PortalSettings {
        PortalSettings {
            rp_id: "localhost".into(),
            origins: vec![with_port("http", "localhost", port)],
            idle_us: 15 * 60_000_000,
            max_us: 10 * 3_600_000_000,
        }
    }
}
