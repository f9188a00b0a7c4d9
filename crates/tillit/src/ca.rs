//! `tillit ca`: the certificate authority from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use tillit_core::audit::Actor;
use tillit_pki::crl::Reason;
use tillit_server::ca::CA_CHAIN;
use tillit_server::node::DataDir;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Print the CA chain as PEM: the issuing CA first, then the root.
    Chain {
        #[command(flatten)]
        data: crate::DataArg,
    },
    /// Issue a certificate from a PKCS#10 request (PEM or DER) under a profile.
    Issue {
        #[command(flatten)]
        data: crate::DataArg,
        /// The profile: function, se-authentication, se-signature, ocsp-responder.
        #[arg(long)]
        profile: String,
        /// The request file.
        #[arg(long, value_name = "FILE")]
        csr: PathBuf,
        /// Validity in days (at most the profile's maximum; default: that maximum).
        #[arg(long)]
        days: Option<u32>,
        /// Where to write the certificate (PEM). Refuses to overwrite.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Revoke a certificate.
    Revoke {
        #[command(flatten)]
        data: crate::DataArg,
        /// The serial number, hex (colons allowed).
        #[arg(long)]
        serial: String,
        /// RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged,
        /// superseded, cessationOfOperation, privilegeWithdrawn.
        #[arg(long)]
        reason: Reason,
    },
    /// Write the current CRL of a CA (DER), publishing a fresh one if needed.
    Crl {
        #[command(flatten)]
        data: crate::DataArg,
        /// The CA: issuing or root.
        #[arg(long, default_value = "issuing")]
        ca: String,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn operator() -> Actor {
    let user = std::env::var("USER").unwrap_or_default();
    let user: String = user.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    Actor::parse(&format!("operator:{}", if user.is_empty() { "cli" } else { &user }))
        .unwrap_or_else(|_| Actor::system("cli"))
}

fn write_new(path: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("{}", path.display()))?;
    f.write_all(bytes).with_context(|| format!("{}", path.display()))?;
    Ok(())
}

pub async fn run(cmd: CaCommand) -> anyhow::Result<ExitCode> {
    let dir = match &cmd {
        CaCommand::Chain { data }
        | CaCommand::Issue { data, .. }
        | CaCommand::Revoke { data, .. }
        | CaCommand::Crl { data, .. } => data.dir.clone(),
    };
    let data = DataDir::open(&dir)?;
    let store = data.open_store().await?;
    let ca = data.open_authority(&store).await?;
    match cmd {
        CaCommand::Chain { .. } => print!("{}", ca.chain_pem()?),
        CaCommand::Issue { profile, csr, days, out, .. } => {
            if out.exists() {
                anyhow::bail!("{}: exists already; refusing to overwrite it", out.display());
            }
            let request = std::fs::read(&csr).with_context(|| format!("{}", csr.display()))?;
            let issued = ca.issue_from_csr(&operator(), CA_CHAIN, &profile, &request, days).await?;
            write_new(&out, issued.pem.as_bytes())?;
            println!("issued serial {} to {}", issued.serial, out.display());
        }
        CaCommand::Revoke { serial, reason, .. } => {
            ca.revoke(&operator(), CA_CHAIN, &serial, reason).await?;
            println!("revoked {} ({reason})", tillit_server::ca::normalise_serial(&serial)?);
        }
        CaCommand::Crl { ca: name, out, .. } => {
            let der = ca.crl(&name).await?;
            write_new(&out, &der)?;
            println!("wrote the CRL of {name} to {}", out.display());
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
