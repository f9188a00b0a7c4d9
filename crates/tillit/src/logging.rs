//! Logs through `tracing`: human-readable on a terminal, one JSON object a line otherwise.

use std::io::IsTerminal as _;

use tillit_server::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the subscriber for `config`; `RUST_LOG` overrides the configured level.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match config.log_format {
        LogFormat::Json => true,
        LogFormat::Human => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second call (tests) finds a subscriber installed and keeps it.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
