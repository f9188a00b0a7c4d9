//! `tillit org` and `tillit import`: the organisation tree and the HR register import from
//! the command line, run by the node's operator on the data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use tillit_core::id::{Country, OrgNumber};
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::OrgId;
use tillit_server::directory::{self, DirectoryError, ImportOptions, Progress};
use tillit_server::node::DataDir;

use crate::ca::operator;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation, group company or unit to the tree.
    Add {
        #[command(flatten)]
        data: crate::DataArg,
        /// Its name.
        #[arg(long)]
        name: String,
        /// organisation (top of a tree), group_company (under an organisation) or unit.
        #[arg(long, default_value = "unit")]
        kind: String,
        /// The node above it: its HR code or id (not for an organisation).
        #[arg(long)]
        parent: Option<String>,
        /// Its organisation number (organisations and group companies), e.g. 212000-0738.
        #[arg(long)]
        org_number: Option<String>,
        /// The country of the organisation number: se, dk or no.
        #[arg(long, default_value = "se")]
        country: String,
        /// Its code in the HR register (the `unit` column of the import).
        #[arg(long)]
        hr_code: Option<String>,
    },
    /// List the tree: id, kind, HR code, name, indented under its parent.
    List {
        #[command(flatten)]
        data: crate::DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import the HR (PA) register from CSV. Columns (header line): country, national_id,
    /// given_names, family_name, preferred_name, email, mobile, unit (HR code), kind
    /// (employment or assignment), start, end (YYYY-MM-DD), licensed_title, protected
    /// (yes/no). Every row is checked first; any bad row and nothing is written.
    Hr {
        #[command(flatten)]
        data: crate::DataArg,
        /// The CSV file.
        file: PathBuf,
        /// The organisation (or group company) the file covers: HR code or id.
        #[arg(long)]
        org: String,
        /// Check every row and count what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The country of national ids in rows without a country column: se, dk or no.
        #[arg(long, default_value = "se")]
        country: String,
        /// The file lists protected persons and the operator holds the protected-identity
        /// right (R-PER-3); without it such rows are refused.
        #[arg(long)]
        protected_identities: bool,
    },
}

fn find(tree: &OrgTree, key: &str) -> anyhow::Result<OrgId> {
    if let Some(org) = tree.by_hr_code(key) {
        return Ok(org.id);
    }
    key.parse::<OrgId>()
        .ok()
        .filter(|id| tree.get(*id).is_some())
        .with_context(|| format!("no organisation has the HR code or id {key:?}"))
}

fn country(text: &str) -> anyhow::Result<Country> {
    text.parse::<Country>().map_err(|_| anyhow::anyhow!("--country: must be se, dk or no, not {text:?}"))
}

pub async fn org(cmd: OrgCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OrgCommand::Add { data, name, kind, parent, org_number, country: c, hr_code } => {
            let data = DataDir::open(&data.dir)?;
            let store = data.open_store().await?;
            let tree = OrgTree::new(store.orgs().await?)?;
            let kind = OrgKind::parse(&kind).with_context(|| {
                format!("--kind: must be organisation, group_company or unit, not {kind:?}")
            })?;
            let parent = parent.as_deref().map(|p| find(&tree, p)).transpose()?;
            let org_number = org_number
                .map(|n| OrgNumber::parse(country(&c)?, &n).map_err(|e| anyhow::anyhow!("--org-number: {e}")))
                .transpose()?;
            let org = Org { id: OrgId(uuid::Uuid::now_v7()), parent, kind, name, org_number, hr_code };
            let id = org.id;
            directory::add_org(&store, &operator(), org).await?;
            println!("{id}");
        }
        OrgCommand::List { data } => {
            let data = DataDir::open(&data.dir)?;
            let store = data.open_store_read_only().await?;
            let tree = OrgTree::new(store.orgs().await?)?;
            let mut tops: Vec<&Org> = tree.iter().filter(|o| o.parent.is_none()).collect();
            tops.sort_by(|a, b| a.name.cmp(&b.name));
            for top in tops {
                print_node(&tree, top, 0);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_node(tree: &OrgTree, org: &Org, depth: usize) {
    println!(
        "{}  {:<13} {:<10} {}{}",
        org.id,
        org.kind.as_str(),
        org.hr_code.as_deref().unwrap_or("-"),
        "  ".repeat(depth),
        org.name
    );
    let mut children: Vec<&Org> = tree.iter().filter(|o| o.parent == Some(org.id)).collect();
    children.sort_by(|a, b| a.name.cmp(&b.name));
    for child in children {
        print_node(tree, child, depth + 1);
    }
}

pub async fn import(cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Hr { data, file, org, dry_run, country: c, protected_identities } = cmd;
    let data = DataDir::open(&data.dir)?;
    let store = data.open_store().await?;
    let tree = OrgTree::new(store.orgs().await?)?;
    let opts = ImportOptions {
        scope: find(&tree, &org)?,
        country: country(&c)?,
        dry_run,
        may_see_protected: protected_identities,
        allow_test_ids: data.config.test_identities,
        today: time::OffsetDateTime::now_utc().date(),
        actor: operator(),
    };
    let input = std::fs::File::open(&file).with_context(|| format!("{}", file.display()))?;
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}] {wide_bar} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |p: Progress| match p {
        Progress::Checked(n) => {
            bar.set_message("checking rows");
            bar.set_position(n);
        }
        Progress::Applied(n, total) => {
            bar.set_message(if dry_run { "comparing" } else { "applying" });
            bar.set_length(total);
            bar.set_position(n);
        }
    };
    let report = match directory::import_hr(&store, input, &opts, &progress).await {
        Ok(report) => report,
        Err(DirectoryError::Refused(r)) => anyhow::bail!("{}: {r}", file.display()),
        Err(e) => return Err(e).with_context(|| format!("{}", file.display())),
    };
    bar.finish_and_clear();
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("{}:{e}", file.display());
        }
        eprintln!(
            "{}: {} of {} rows are bad; nothing was imported",
            file.display(),
            report.errors.len(),
            report.rows
        );
        return Ok(ExitCode::from(1));
    }
    println!(
        "{}{} rows, {} persons: {} registered, {} updated, {} unchanged, {} no longer listed (employments ended)",
        if dry_run { "dry run (nothing written): " } else { "" },
        report.rows,
        report.persons,
        report.registered,
        report.updated,
        report.unchanged,
        report.ended
    );
    if report.protected_skipped > 0 {
        println!(
            "{} persons with a protected identity were left as they were: importing changes to them needs \
             --protected-identities (the protected-identity right)",
            report.protected_skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Grant a role on an organisation's subtree (R-ORG-2). CRA/KRA (`kra`) also needs the
    /// training and the signature specimen approved by a security officer (R-ORG-3).
    Grant {
        #[command(flatten)]
        data: crate::DataArg,
        /// The person: national id or id.
        #[arg(long)]
        person: String,
        /// ra, kra, lra, ora, kur, hsa_admin, manager, security_officer, card_holder, auditor,
        /// dk_ra_admin, dk_ra_employee.
        #[arg(long)]
        role: String,
        /// The root of the subtree: HR code or id.
        #[arg(long)]
        org: String,
        /// The country of national ids: se, dk or no.
        #[arg(long, default_value = "se")]
        country: String,
        /// CRA/KRA: the training course.
        #[arg(long)]
        training_course: Option<String>,
        /// CRA/KRA: when it was completed (YYYY-MM-DD).
        #[arg(long)]
        training_completed: Option<String>,
        /// CRA/KRA: the archive reference of the signed specimen.
        #[arg(long)]
        specimen_reference: Option<String>,
        /// CRA/KRA: the authorised signatory who signed it.
        #[arg(long)]
        specimen_signed_by: Option<String>,
        /// CRA/KRA: the security officer who approved it (national id or id).
        #[arg(long)]
        specimen_approved_by: Option<String>,
        /// CRA/KRA: when it was approved (YYYY-MM-DD).
        #[arg(long)]
        specimen_approved_on: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrincipalCommand {
    /// Let a client certificate issued by this node (`tillit ca issue`) speak for a person on
    /// the API: requests with it are authorised by that person's roles.
    Bind {
        #[command(flatten)]
        data: crate::DataArg,
        /// The certificate's serial (hex).
        #[arg(long)]
        serial: String,
        /// The person: national id or id.
        #[arg(long)]
        person: String,
        /// The country of national ids: se, dk or no.
        #[arg(long, default_value = "se")]
        country: String,
    },
}

async fn find_person(
    store: &tillit_store::Store,
    key: &str,
    c: Country,
) -> anyhow::Result<tillit_core::ra::PersonId> {
    if let Ok(id) = key.parse::<tillit_core::ra::PersonId>() {
        return Ok(id);
    }
    let opts = tillit_core::id::ParseOptions::new(time::OffsetDateTime::now_utc().date()).with_test_ids(true);
    let national =
        tillit_core::id::NationalId::parse(c, key, &opts).map_err(|e| anyhow::anyhow!("--person: {e}"))?;
    let record = store
        .person_by_national_id(&national)
        .await?
        .with_context(|| format!("--person: no person with national id {}", national.normalised()))?;
    Ok(record.person.id)
}

fn day(flag: &str, text: Option<String>) -> anyhow::Result<Option<time::Date>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.map(|t| {
        time::Date::parse(&t, &format).map_err(|_| anyhow::anyhow!("{flag}: not a date (YYYY-MM-DD): {t:?}"))
    })
    .transpose()
}

fn refused(e: DirectoryError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub async fn role(cmd: RoleCommand) -> anyhow::Result<ExitCode> {
    use tillit_core::ra::role::{GrantRole, Role, Specimen, Training};
    let RoleCommand::Grant {
        data,
        person,
        role,
        org,
        country: c,
        training_course,
        training_completed,
        specimen_reference,
        specimen_signed_by,
        specimen_approved_by,
        specimen_approved_on,
    } = cmd;
    let data = DataDir::open(&data.dir)?;
    let store = data.open_store().await?;
    let tree = OrgTree::new(store.orgs().await?)?;
    let c = country(&c)?;
    let role = Role::parse(&role).with_context(|| format!("--role: no role {role:?}"))?;
    let training = match (training_course, day("--training-completed", training_completed)?) {
        (Some(course), Some(completed)) => Some(Training { course, completed }),
        (None, None) => None,
        _ => anyhow::bail!("give both --training-course and --training-completed"),
    };
    let specimen = match (specimen_reference, specimen_signed_by, specimen_approved_by, specimen_approved_on) {
        (Some(reference), Some(signed_by), Some(approver), Some(on)) => Some(Specimen {
            reference,
            signed_by,
            approved_by: find_person(&store, &approver, c).await?,
            approved_on: day("--specimen-approved-on", Some(on))?.context("--specimen-approved-on")?,
        }),
        (None, None, None, None) => None,
        _ => anyhow::bail!(
            "give all of --specimen-reference, --specimen-signed-by, --specimen-approved-by and --specimen-approved-on"
        ),
    };
    let cmd = GrantRole {
        id: tillit_core::ra::GrantId(uuid::Uuid::now_v7()),
        person: find_person(&store, &person, c).await?,
        role,
        scope: find(&tree, &org)?,
        training,
        specimen,
    };
    let id = cmd.id;
    directory::grant_role(&store, &operator(), cmd, time::OffsetDateTime::now_utc().date())
        .await
        .map_err(refused)?;
    println!("{id}");
    Ok(ExitCode::SUCCESS)
}

pub async fn principal(cmd: PrincipalCommand) -> anyhow::Result<ExitCode> {
    let PrincipalCommand::Bind { data, serial, person, country: c } = cmd;
    let data = DataDir::open(&data.dir)?;
    let store = data.open_store().await?;
    let person = find_person(&store, &person, country(&c)?).await?;
    let serial: String = serial.chars().filter(|c| *c != ':').collect::<String>().to_ascii_lowercase();
    directory::bind_principal(&store, &operator(), &serial, person).await.map_err(refused)?;
    println!("certificate {serial} now speaks for person {person}");
    Ok(ExitCode::SUCCESS)
}
