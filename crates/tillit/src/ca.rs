//! `tillit ca`: the certificate authority from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use tillit_core::audit::Actor;
use tillit_pki::crl::Reason;
use tillit_server::ca::{ImportedCa, CA_CHAIN};
use tillit_server::node::DataDir;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Create a data directory, like `tillit init`, with an existing root and issuing CA.
    ///
    /// The root and the issuing CA it signed are imported with their keys. Both certificates are
    /// checked (CA, key type, validity, signatures) and each key against its certificate
    /// before anything is made. File keys are re-encrypted into the node's keystore, so the
    /// source files can be removed afterwards; a key on a PKCS#11 token stays there. Without
    /// --root-key the root stays offline: its CRL and OCSP come from its operator.
    Import(ImportArgs),
    #[command(flatten)]
    OnNode(NodeCommand),
}

/// `tillit ca import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    data: crate::DataArg,
    /// Run on this PostgreSQL database instead of a SQLite file in the data directory;
    /// written to tillit.toml. (TILLIT_DATABASE_URL in the environment works too.)
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The issuing CA's certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    issuing_certificate: PathBuf,
    /// The root CA's certificate (PEM or DER), which signed the issuing CA's.
    #[arg(long, value_name = "FILE")]
    root_certificate: PathBuf,
    /// The issuing CA's private key: a PEM file (PKCS#8, encrypted or not; or
    /// traditional EC/RSA PRIVATE KEY), or the PKCS#11 URI of a key on a token, e.g.
    /// pkcs11:token=tillit;object=issuing-ca?module-path=/usr/lib/softhsm/libsofthsm2.so
    /// (the PIN from pin-value, pin-source or TILLIT_PKCS11_PIN).
    #[arg(long, value_name = "FILE|URI")]
    issuing_key: String,
    /// The root CA's private key, as --issuing-key; leave it out for a root kept offline.
    #[arg(long, value_name = "FILE|URI")]
    root_key: Option<String>,
    /// The passphrase of encrypted PKCS#8 key files (its first line).
    #[arg(long, value_name = "FILE")]
    key_passphrase_file: Option<PathBuf>,
}

/// The commands on an initialised node's CA.
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Print the CA chain as PEM: the issuing CA first, then the root.
    Chain {
        #[command(flatten)]
        data: crate::DataArg,
    },
    /// Issue certificates from PKCS#10 requests (PEM or DER) under a profile, each recorded
    /// and audited as it is issued.
    Issue {
        #[command(flatten)]
        data: crate::DataArg,
        /// The profile: function, se-authentication, se-signature, ocsp-responder.
        #[arg(long)]
        profile: String,
        /// A request file; repeat for several.
        #[arg(long, value_name = "FILE", required = true)]
        csr: Vec<PathBuf>,
        /// Validity in days (at most the profile's maximum; default: that maximum).
        #[arg(long)]
        days: Option<u32>,
        /// Where to write the certificate (PEM), for a single request. Refuses to overwrite.
        #[arg(long, value_name = "FILE", conflicts_with = "out_dir", required_unless_present = "out_dir")]
        out: Option<PathBuf>,
        /// A directory to write each certificate into as `<serial>.pem`.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// List the certificates issued: serial, CA, profile, validity end, status, subject.
    List {
        #[command(flatten)]
        data: crate::DataArg,
        /// Only the revoked ones.
        #[arg(long)]
        revoked: bool,
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

pub fn operator() -> Actor {
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

fn unreachable_out() -> anyhow::Result<PathBuf> {
    anyhow::bail!("give --out FILE or --out-dir DIR")
}

pub async fn run(cmd: CaCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CaCommand::Import(args) => import(args).await,
        CaCommand::OnNode(cmd) => run_on_node(cmd).await,
    }
}

async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let import = ImportedCa {
        issuing_certificate: args.issuing_certificate,
        root_certificate: args.root_certificate,
        issuing_key: args.issuing_key.parse().context("--issuing-key")?,
        root_key: args.root_key.as_deref().map(str::parse).transpose().context("--root-key")?,
        key_passphrase_file: args.key_passphrase_file,
    };
    crate::serve::import(&args.data.dir, args.database_url, import).await
}

async fn run_on_node(cmd: NodeCommand) -> anyhow::Result<ExitCode> {
    let dir = match &cmd {
        NodeCommand::Chain { data }
        | NodeCommand::Issue { data, .. }
        | NodeCommand::List { data, .. }
        | NodeCommand::Revoke { data, .. }
        | NodeCommand::Crl { data, .. } => data.dir.clone(),
    };
    let data = DataDir::open(&dir)?;
    let store = data.open_store().await?;
    let ca = data.open_authority(&store).await?;
    match cmd {
        NodeCommand::Chain { .. } => print!("{}", ca.chain_pem()?),
        NodeCommand::Issue { profile, csr, days, out, out_dir, .. } => {
            if let Some(out) = &out {
                if csr.len() > 1 {
                    anyhow::bail!("--out names one file: use --out-dir for {} requests", csr.len());
                }
                if out.exists() {
                    anyhow::bail!("{}: exists already; refusing to overwrite it", out.display());
                }
            }
            if let Some(dir) = &out_dir {
                std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
            }
            // Every request is read and checked to be readable before anything is issued.
            let mut requests = Vec::with_capacity(csr.len());
            for file in &csr {
                requests.push(std::fs::read(file).with_context(|| format!("{}", file.display()))?);
            }
            let actor = operator();
            for (file, request) in csr.iter().zip(&requests) {
                let issued = ca
                    .issue_from_csr(&actor, CA_CHAIN, &profile, request, days)
                    .await
                    .with_context(|| format!("{}", file.display()))?;
                let target = match (&out, &out_dir) {
                    (Some(out), _) => out.clone(),
                    (None, Some(dir)) => dir.join(format!("{}.pem", issued.serial)),
                    (None, None) => unreachable_out()?,
                };
                write_new(&target, issued.pem.as_bytes())?;
                println!("issued serial {} to {}", issued.serial, target.display());
            }
        }
        NodeCommand::List { revoked, .. } => {
            for c in store.certificates().await? {
                if revoked && c.revoked_us.is_none() {
                    continue;
                }
                let status = match (c.revoked_us, c.reason) {
                    (Some(_), Some(code)) => {
                        format!("revoked:{}", Reason::from_code(code).map_or("unspecified", Reason::name))
                    }
                    (Some(_), None) => "revoked".to_owned(),
                    (None, _) => "valid".to_owned(),
                };
                let until = time::OffsetDateTime::from_unix_timestamp(c.not_after_us / 1_000_000)
                    .ok()
                    .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                    .unwrap_or_default();
                println!("{}\t{}\t{}\t{until}\t{status}\t{}", c.serial, c.issuer, c.profile, c.subject);
            }
        }
        NodeCommand::Revoke { serial, reason, .. } => {
            ca.revoke(&operator(), CA_CHAIN, &serial, reason).await?;
            println!("revoked {} ({reason})", tillit_server::ca::normalise_serial(&serial)?);
        }
        NodeCommand::Crl { ca: name, out, .. } => {
            let der = ca.crl(&name).await?;
            write_new(&out, &der)?;
            println!("wrote the CRL of {name} to {}", out.display());
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
