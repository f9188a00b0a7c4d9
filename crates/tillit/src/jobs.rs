//! `tillit jobs run`: the timed routines once, now, from the command line (a cron job on a
//! node that does not serve, or catching up after downtime). Each job runs under its lease,
//! so this is safe beside serving nodes: a job another node is running is skipped.

use std::process::ExitCode;

use clap::Subcommand;
use tillit_server::node::DataDir;
use tillit_server::scheduler::{self, Job, Jobs};

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run the timed jobs once for today (UTC): uncollected-cards, reserve-not-reused,
    /// renewal-notices, revocation-check, send-mail, portal-cleanup, dk-pickup-expiry. Prints what each did
    /// (counts only).
    Run {
        #[command(flatten)]
        data: crate::DataArg,
        /// Run only this job.
        #[arg(long, value_name = "NAME")]
        job: Option<String>,
    },
}

pub async fn run(cmd: JobsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        JobsCommand::Run { data, job } => {
            let only = match job.as_deref() {
                None => None,
                Some(name) => Some(Job::parse(name).ok_or_else(|| {
                    let names: Vec<&str> = Job::ALL.iter().map(|j| j.name()).collect();
                    anyhow::anyhow!("no job {name:?}; the jobs are {}", names.join(", "))
                })?),
            };
            let data = DataDir::open(&data.dir)?;
            crate::logging::init(&data.config);
            let store = data.open_store().await?;
            let policy = data.policy()?;
            let jobs = Jobs::from_config(store.clone(), policy, &data.config, &data.path)?;
            let reports = jobs.run_once(scheduler::today(), only).await;
            store.close().await;
            let mut failed = false;
            for r in &reports {
                if !r.ran {
                    println!("{}: skipped (another node holds its lease)", r.job);
                    continue;
                }
                if r.job == Job::SendMail.name() {
                    println!(
                        "{}: {} sent, {} to retry, {} failed for good",
                        r.job, r.sent, r.retrying, r.failed
                    );
                } else {
                    println!(
                        "{}: {} due, {} changed, {} left for the next run (changed meanwhile), \
                         {} notices queued, {} not sendable (no address; in the audit log)",
                        r.job, r.looked_at, r.changed, r.conflicts, r.notices, r.not_sent
                    );
                }
                if let Some(e) = &r.error {
                    eprintln!("{}: error: {e}", r.job);
                    failed = true;
                }
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
