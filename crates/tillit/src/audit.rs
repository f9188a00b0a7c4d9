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
    let only = from_checkpoint.as_ref().map(|(c, _)| c.clone());
    let report = store.verify_audit(&VerifyOptions { trusted, from_checkpoint }).await?;
    let signatures =
        if report.fault.is_none() { officer_signatures(&store, only.as_deref()).await? } else { Ok(0) };
    store.close().await;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} chains, {} checkpoints, {} trusted keys, {:.2} s",
        report.chains, report.checkpoints, report.keys, secs
    );
    match (report.fault, signatures) {
        (None, Ok(signed)) => {
            eprintln!("{signed} officer signatures verified");
            println!("ok {} entries", report.entries);
            Ok(ExitCode::SUCCESS)
        }
        (None, Err(fault)) => {
            println!("FAILED: {fault}");
            Ok(ExitCode::from(1))
        }
        (Some(fault), _) => {
            println!("FAILED: {fault}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Checks every officer's signature in the log (R-AUD-1). Format 1 (a certificate): it
/// verifies with the certificate stored beside it, and that certificate is one this node
/// issued (the same DER as in the CA's records). Format 2 (a passkey): the WebAuthn assertion
/// verifies offline, and the passkey was registered to the actor by a `passkey.registered`
/// entry appended before this entry and not removed (`passkey.removed`) before it. `Err` names
/// the first entry that fails.
async fn officer_signatures(
    store: &tillit_store::Store,
    only: Option<&str>,
) -> anyhow::Result<Result<u64, String>> {
    use tillit_server::routines::passkey::{self, EntryPosition, OfficerSignature, RegistryEntry};
    let mut checked = 0;
    let mut registry: Option<Vec<RegistryEntry>> = None;
    for entry in store.signed_entries().await? {
        if only.is_some_and(|c| c != entry.chain) {
            continue;
        }
        let at = format!("chain {} entry {} ({}, {})", entry.chain, entry.seq, entry.action, entry.actor);
        let signature = match OfficerSignature::from_bytes(&entry.signature) {
            Ok(signature) => signature,
            Err(e) => return Ok(Err(format!("{at}: the officer's signature: {e}"))),
        };
        match signature {
            OfficerSignature::Certificate(signature) => {
                let cert = match signature.verify() {
                    Ok(cert) => cert,
                    Err(e) => return Ok(Err(format!("{at}: the officer's signature: {e}"))),
                };
                let serial = hex::encode(cert.tbs_certificate.serial_number.as_bytes());
                let issued = store.certificate(&serial).await?;
                let same = issued.is_some_and(|c| der::Encode::to_der(&cert).is_ok_and(|d| d == c.der));
                if !same {
                    return Ok(Err(format!(
                        "{at}: the signing certificate {serial} is not one this node issued"
                    )));
                }
            }
            OfficerSignature::Passkey(signature) => {
                if let Err(e) = signature.verify() {
                    return Ok(Err(format!("{at}: the officer's passkey signature: {e}")));
                }
                // The registry is read once, and only when a passkey signature needs it.
                let registry = match &mut registry {
                    Some(registry) => registry,
                    None => registry.insert(
                        store
                            .entries_with_actions(&[passkey::REGISTERED, passkey::REMOVED])
                            .await?
                            .into_iter()
                            .map(|e| RegistryEntry {
                                chain: e.chain,
                                seq: e.seq,
                                time_us: e.time_us,
                                action: e.action,
                                payload: e.payload,
                            })
                            .collect(),
                    ),
                };
                let position = EntryPosition { chain: &entry.chain, seq: entry.seq, time_us: entry.time_us };
                if let Err(e) = passkey::check_registered(registry, position, &entry.actor, &signature) {
                    return Ok(Err(format!("{at}: {e}")));
                }
            }
        }
        checked += 1;
    }
    Ok(Ok(checked))
}
