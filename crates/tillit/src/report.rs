//! `tillit report`: the RA's reports (R-CARD-8, R-CRED-6, R-PER-5, R-PER-4, R-RES-1,
//! R-CARD-9) from the command line, run by the node's operator on the data directory. The
//! operator sees every unit; protected identities stay hidden (R-PER-3) unless
//! `--protected-identities` is given, and that use is recorded in the audit log.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use tillit_core::audit::{AuditEvent, SYSTEM_CHAIN};
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::OrgId;
use tillit_server::node::DataDir;
use tillit_server::reports::{self, Format, ReportKind, Source, Viewer};

use crate::ca::operator;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The report: reconciliation (cards against the HR register, R-CARD-8), expiring
    /// (credentials ending in a period, R-CRED-6), limbo (credentials of persons removed from
    /// the directory, R-PER-5), name-mismatch (R-PER-4), stock (reserve cards, R-RES-1),
    /// puk-costs (per unit, R-CARD-9).
    name: String,
    #[command(flatten)]
    data: crate::DataArg,
    /// Output format.
    #[arg(long, default_value = "json", value_name = "csv|json|svg")]
    format: String,
    /// First day of the period (expiring: today; puk-costs: the first day of the quarter).
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<String>,
    /// Last day of the period (expiring: 45 days after --from; puk-costs: the end of the
    /// quarter), or the day reconciliation, limbo and name-mismatch are as of (today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<String>,
    /// Only this unit's subtree: its HR code or id.
    #[arg(long, value_name = "CODE")]
    org: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Show the names of persons with a protected identity (R-PER-3): the operator holds the
    /// protected-identity right. Recorded in the audit log.
    #[arg(long)]
    protected_identities: bool,
}

fn find(tree: &OrgTree, key: &str) -> anyhow::Result<OrgId> {
    if let Some(org) = tree.by_hr_code(key) {
        return Ok(org.id);
    }
    key.parse::<OrgId>()
        .ok()
        .filter(|id| tree.get(*id).is_some())
        .with_context(|| format!("--org: no organisation has the HR code or id {key:?}"))
}

fn day(flag: &str, text: Option<&str>) -> anyhow::Result<Option<time::Date>> {
    text.map(|t| reports::parse_date(t).with_context(|| format!("{flag}: not a date (YYYY-MM-DD): {t:?}")))
        .transpose()
}

pub async fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let kind = ReportKind::parse(&args.name).with_context(|| {
        format!("no report {:?}: choose one of {}", args.name, ReportKind::ALL.map(|k| k.as_str()).join(", "))
    })?;
    let format = Format::parse(&args.format)
        .with_context(|| format!("--format: must be csv, json or svg, not {:?}", args.format))?;
    let (from, to) = (day("--from", args.from.as_deref())?, day("--to", args.to.as_deref())?);
    let data = DataDir::open(&args.data.dir)?;
    // Only an audited use needs the audit key.
    let store = if args.protected_identities {
        data.open_store().await?
    } else {
        data.open_store_read_only().await?
    };
    let tree = OrgTree::new(store.orgs().await?)?;
    let today = time::OffsetDateTime::now_utc().date();
    let policy = data.policy()?;
    let period = reports::period(kind, from, to, today, &policy)
        .map_err(|r| anyhow::anyhow!("--{}: {} ({})", r.field.unwrap_or("report"), r.reason, r.rule))?;
    let org = args.org.as_deref().map(|k| find(&tree, k)).transpose()?;
    let mut viewer = Viewer::operator(args.protected_identities);
    if let Some(org) = org {
        viewer = viewer.narrowed(&tree, org);
    }
    let src = Source { store: &store, tree: &tree, viewer: &viewer, policy: &policy };
    let report = reports::run(&src, kind, period, today).await?;
    if args.protected_identities {
        // R-PER-3: showing protected identities is itself recorded, before anything is shown.
        let chain =
            org.and_then(|o| tree.organisation_of(o)).map_or(SYSTEM_CHAIN.to_string(), |o| o.to_string());
        let date = |d: Option<time::Date>| d.map(|d| serde_json::Value::String(d.to_string()));
        store
            .append(AuditEvent::new(
                chain,
                operator(),
                "report.protected_identities_shown",
                serde_json::json!({
                    "report": kind.as_str(),
                    "format": args.format,
                    "from": date(report.from),
                    "to": date(report.to),
                    "org": org.map(|o| o.to_string()),
                    "rows": report.rows.len(),
                }),
            ))
            .await
            .context("recording the use of the protected-identity right in the audit log")?;
    }
    let body = report.render(format)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &body).with_context(|| format!("{}", path.display()))?;
            eprintln!("{}: {} rows written to {}", kind.as_str(), report.rows.len(), path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&body)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
