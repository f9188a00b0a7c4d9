//! `tillit admin create` and the administrator options of `tillit init`: an RA
//! administrator with a client credential (PKCS#12 under a one-time password), so the API
//! can be called at once.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use tillit_core::id::{Country, NationalId, OrgNumber, ParseOptions};
use tillit_server::admin::{self, AdminRequest, Administrator, OrganisationRequest};
use tillit_server::node::DataDir;

use crate::ca::operator;

/// Who the administrator is and which organisation they administer.
#[derive(Debug, Clone, clap::Args)]
pub struct AdminArgs {
    /// The administrator's national id (personnummer, CPR or fødselsnummer); a person not
    /// registered yet.
    #[arg(long, value_name = "ID", requires_all = ["admin_given_names", "admin_family_name", "organisation"])]
    pub admin_national_id: Option<String>,
    /// Their given names, as in the population register.
    #[arg(long, value_name = "NAMES", requires = "admin_national_id")]
    pub admin_given_names: Option<String>,
    /// Their family name, as in the population register.
    #[arg(long, value_name = "NAME", requires = "admin_national_id")]
    pub admin_family_name: Option<String>,
    /// The names were checked against the population register (R-PER-2); without it they are
    /// recorded unchecked.
    #[arg(long, requires = "admin_national_id")]
    pub names_checked: bool,
    /// The organisation they administer (the RA role on its whole subtree): an existing one
    /// (found by --hr-code, --org-number or this name) or a new top-level organisation.
    #[arg(long, value_name = "NAME", requires = "admin_national_id")]
    pub organisation: Option<String>,
    /// The organisation's number, e.g. 212000-0738.
    #[arg(long, value_name = "NUMBER", requires = "organisation")]
    pub org_number: Option<String>,
    /// The organisation's code in the HR register.
    #[arg(long, value_name = "CODE", requires = "organisation")]
    pub hr_code: Option<String>,
    /// The country of the national id and organisation number: se, dk or no.
    #[arg(long, value_name = "se|dk|no", default_value = "se")]
    pub country: String,
}

impl AdminArgs {
    /// The request the options make, checked; `None` when no administrator was asked for.
    pub fn request(&self, allow_test_ids: bool) -> anyhow::Result<Option<AdminRequest>> {
        let (Some(id), Some(given), Some(family), Some(org)) =
            (&self.admin_national_id, &self.admin_given_names, &self.admin_family_name, &self.organisation)
        else {
            return Ok(None);
        };
        let country: Country = self
            .country
            .parse()
            .map_err(|_| anyhow::anyhow!("--country: must be se, dk or no, not {:?}", self.country))?;
        let today = time::OffsetDateTime::now_utc().date();
        let national_id =
            NationalId::parse(country, id, &ParseOptions::new(today).with_test_ids(allow_test_ids))
                .map_err(|e| anyhow::anyhow!("--admin-national-id: {e}"))?;
        let nonempty = |flag: &str, text: &str| {
            if text.trim().is_empty() {
                anyhow::bail!("{flag}: is empty")
            }
            Ok(text.trim().to_owned())
        };
        let org_number = self
            .org_number
            .as_deref()
            .map(|n| OrgNumber::parse(country, n).map_err(|e| anyhow::anyhow!("--org-number: {e}")))
            .transpose()?;
        Ok(Some(AdminRequest {
            national_id,
            given_names: nonempty("--admin-given-names", given)?,
            family_name: nonempty("--admin-family-name", family)?,
            names_checked: self.names_checked,
            organisation: OrganisationRequest {
                name: nonempty("--organisation", org)?,
                org_number,
                hr_code: self.hr_code.clone(),
            },
        }))
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make an RA administrator on an initialised node: register the person (employed in the
    /// organisation), grant them the RA role on its subtree, issue a client certificate
    /// (function profile) for a new P-256 key, bind it to them for the API, and write key,
    /// certificate and chain to admin/<name>.p12 under a one-time password printed once.
    Create {
        #[command(flatten)]
        data: crate::DataArg,
        #[command(flatten)]
        admin: AdminArgs,
    },
}

pub async fn run(cmd: AdminCommand) -> anyhow::Result<ExitCode> {
    let AdminCommand::Create { data, admin } = cmd;
    let dir = data.dir;
    let data = DataDir::open(&dir)?;
    let request = admin
        .request(data.config.test_identities)?
        .context("give --admin-national-id, --admin-given-names, --admin-family-name and --organisation")?;
    let store = data.open_store().await?;
    let ca = data.open_authority(&store).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let made = admin::create(&store, &ca, &dir, &operator(), &request, today).await?;
    print(&dir, &made);
    Ok(ExitCode::SUCCESS)
}

/// Says who was made and where the credential is, with its one-time password: the only time
/// it is shown.
pub fn print(dir: &Path, made: &Administrator) {
    let not_after = time::OffsetDateTime::from(made.not_after).date();
    println!(
        "  administrator: {} (person {}), role ra on {} ({}{})",
        made.name,
        made.person,
        made.org_name,
        made.org,
        if made.org_added { ", added" } else { "" }
    );
    println!(
        "  credential:    {} (certificate {}, valid until {not_after})",
        dir.join(&made.file).display(),
        made.serial
    );
    println!("  password:      {}", made.password.as_str());
    println!(
        "                 shown only now and stored nowhere: keep it with the file, or convert the file now"
    );
    println!(
        "  for curl:      openssl pkcs12 -in {} -nodes -out admin.pem   (asks for the password)",
        dir.join(&made.file).display()
    );
}

/// Says how to make an administrator later, after an `init` without one.
pub fn print_none(dir: &Path) {
    println!(
        "  administrator: none yet; make one with: tillit admin create --data {} --admin-national-id ID \
         --admin-given-names NAMES --admin-family-name NAME --organisation NAME",
        dir.display()
    );
}
