//! `tillit audit verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use tillit_core::audit::{AuditPublicKey, KeyRing};
use tillit_server::node::DataDir;
use tillit_store::VerifyOptions;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every chain of the audit log and check every link, hash, signature, chain
    /// head and checkpoint. Prints `ok <N> entries` last and exits 0, or names the first bad
    /// entry and exits 1. Needs no passphrase: only public keys are used.
    Verify {
        #[command(flatten)]
        data: crate::DataArg,
        /// Trust only these audit public keys (PEM), instead of the keys registered in the
        /// database. Repeat for several nodes' keys.
        #[arg(long = "trusted-key", value_name = "FILE")]
        trusted_keys: Vec<PathBuf>,
        /// Verify only this chain (an organisation's id, or `system`).
        #[arg(long, value_name = "CHAIN")]
        chain: Option<String>,
        /// With `--chain`: start at the signed checkpoint at this entry number, without
        /// reading the entries before it (0: from the start).
        #[arg(long, value_name = "SEQ", requires = "chain")]
        from: Option<u64>,
    },
}

pub async fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { data, trusted_keys, chain, from } = cmd;
    let data = DataDir::open(&data.dir)?;
    let store = data.open_store_read_only().await?;

    let trusted = if trusted_keys.is_empty() {
        // The database's own keys, cross-checked against this node's public key file.
        let registered = store.audit_keys().await?;
        let own = data.audit_public_key_path();
        if own.exists() {
            let key = AuditPublicKey::ed25519(tillit_pki::keystore::read_public_key(&own)?);
            if registered.get(key.id()).is_none() {
                println!("FAILED: this node's audit key {} is not registered in the database", key.id());
                return Ok(ExitCode::from(1));
            }
        }
        None
    } else {
        let mut ring = KeyRing::default();
        for path in &trusted_keys {
            let key = tillit_pki::keystore::read_public_key(path)
                .with_context(|| format!("trusted key {}", path.display()))?;
            ring.insert(AuditPublicKey::ed25519(key));
        }
        Some(ring)
    };

    let started = std::time::Instant::now();
    let from_checkpoint = chain.map(|c| (c, from.unwrap_or(0)));
    let report = store.verify_audit(&VerifyOptions { trusted, from_checkpoint }).await?;
    store.close().await;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} chains, {} checkpoints, {} trusted keys, {:.2} s",
        report.chains, report.checkpoints, report.keys, secs
    );
    match report.fault {
        None => {
            println!("ok {} entries", report.entries);
            Ok(ExitCode::SUCCESS)
        }
        Some(fault) => {
            println!("FAILED: {fault}");
            Ok(ExitCode::from(1))
        }
    }
}
