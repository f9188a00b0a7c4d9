//! `tillit`: the command line of the tillit node.
//!
//! `tillit init` creates a data directory (`tillit ca import` one with an existing CA
//! hierarchy), `tillit serve` runs the node, `tillit id check` checks national identifiers
//! and organisation numbers, `tillit audit verify` verifies the signed audit log end to end.

mod admin;
mod audit;
mod ca;
mod demo;
mod directory;
mod id;
mod jobs;
mod logging;
mod report;
mod serve;

use tillit_card as card;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// tillit: registration authority and trust services for Nordic public organisations.
///
/// Runs with no server to install: a SQLite database and a file keystore in the data
/// directory. Set TILLIT_DATABASE_URL=postgres://… to run on PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "tillit", version, about, long_about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the node keeps its configuration, keys and (by default) database.
#[derive(Debug, Clone, clap::Args)]
struct DataArg {
    /// The data directory.
    #[arg(long = "data", env = "TILLIT_DATA", default_value = "./tillit-data", value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a data directory: configuration, audit key, database, certificate authority,
    /// and (with --admin-national-id …) the first RA administrator with a client credential.
    /// Refuses to touch an existing one.
    Init {
        #[command(flatten)]
        data: DataArg,
        /// Run on this PostgreSQL database instead of a SQLite file in the data directory;
        /// written to tillit.toml. (TILLIT_DATABASE_URL in the environment works too.)
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        /// Where to make the CA keys: `file` (encrypted files in the data directory) or a
        /// PKCS#11 URI, e.g. pkcs11:token=tillit?module-path=/usr/lib/softhsm/libsofthsm2.so
        /// (the PIN from pin-value, pin-source or TILLIT_PKCS11_PIN).
        #[arg(
            long,
            env = "TILLIT_KEYSTORE",
            default_value = "file",
            value_name = "file|URI",
            hide_env_values = true
        )]
        keystore: String,
        #[command(flatten)]
        admin: admin::AdminArgs,
    },
    /// Run the node: plain HTTP for health, metrics, OCSP, CRLs and CA certificates; HTTPS
    /// with TLS client certificates for the API (/api/v1). Initialises the data directory on
    /// first start when it is missing or empty, and issues (or renews) the node's TLS
    /// certificate.
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// Address and port of the plain HTTP listener (default from tillit.toml, else
        /// 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Address and port of the HTTPS listener, which serves the API (default from
        /// tillit.toml, else 127.0.0.1:8443; an ephemeral port when --listen has port 0).
        #[arg(long, value_name = "ADDR")]
        listen_tls: Option<std::net::SocketAddr>,
    },
    /// National identifiers and organisation numbers.
    #[command(subcommand)]
    Id(id::IdCommand),
    /// The signed audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The certificate authority: import, chain, issue, list, revoke, CRL.
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// The organisation tree: add, list.
    #[command(subcommand)]
    Org(directory::OrgCommand),
    /// Imports: the HR register.
    #[command(subcommand)]
    Import(directory::ImportCommand),
    /// Roles on the organisation tree: grant.
    #[command(subcommand)]
    Role(directory::RoleCommand),
    /// API principals: bind a client certificate to a person.
    #[command(subcommand)]
    Principal(directory::PrincipalCommand),
    /// RA administrators: create one with a client credential for the API.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// The timed routines: run them once.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Reports: reconciliation, expiring, limbo, name-mismatch, stock, puk-costs.
    Report(report::ReportArgs),
    /// The holder's card: download a credential onto it (enroll).
    #[command(subcommand)]
    Card(card::CardCommand),
    /// A fictional municipality on a new node, with the routines walked through the API:
    /// units, officers of each role with client credentials, about fifty people, SIS and
    /// reserve cards, a credential download, a PUK order, a revocation, a leaver. Then
    /// `tillit serve --data DIR` shows it all.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Init { data, database_url, keystore, admin } => {
                serve::init(&data.dir, database_url, &keystore, &admin).await
            }
            Command::Serve { data, listen, listen_tls } => serve::serve(&data.dir, listen, listen_tls).await,
            Command::Id(cmd) => id::run(cmd),
            Command::Audit(cmd) => audit::run(cmd).await,
            Command::Ca(cmd) => ca::run(cmd).await,
            Command::Org(cmd) => directory::org(cmd).await,
            Command::Import(cmd) => directory::import(cmd).await,
            Command::Role(cmd) => directory::role(cmd).await,
            Command::Principal(cmd) => directory::principal(cmd).await,
            Command::Admin(cmd) => admin::run(cmd).await,
            Command::Jobs(cmd) => jobs::run(cmd).await,
            Command::Report(args) => report::run(args).await,
            Command::Card(cmd) => card::run(cmd).await,
            Command::Demo(args) => demo::run(args).await,
        }
    });
    match outcome {
        Ok(code) => code,
        Err(e) => {
            // One line: what failed and where, each cause once (an error that shows its
            // source in its own message is not followed by that source again).
            let mut line = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !line.contains(&cause) {
                    line = format!("{line}: {cause}");
                }
            }
            eprintln!("error: {}", line.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
