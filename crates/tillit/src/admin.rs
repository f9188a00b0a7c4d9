//! `tillit admin create` and the administrator options of `tillit init`: an RA
//! administrator with a client credential (PKCS#12 under a one-time password), so the API
//! can be called at once. `tillit admin enrol-link`: a one-time link with which an officer
//! enrols a passkey for the portal (docs/design/portal.md §1.2), made by the function the
//! API's `POST /api/v1/persons/{id}/enrolment-links` uses.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, OrgNumber, ParseOptions};
use tillit_core::ra::person::Person;
use tillit_core::ra::PersonId;
use tillit_server::admin::{self, AdminRequest, Administrator, OrganisationRequest};
use tillit_server::config::Config;
use tillit_server::node::DataDir;
use tillit_server::routines::officers::{self, NewLink, DEFAULT_LINK_HOURS, MAX_LINK_HOURS};
use tillit_store::Store;

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
    /// Make a one-time link with which an officer enrols a passkey for the portal: printed
    /// once (only its hash is kept), it works once, for --hours (72 unless said). The officer
    /// must hold a role (R-ORG-1); the link is audited (passkey.link_created, system:cli).
    EnrolLink {
        #[command(flatten)]
        data: crate::DataArg,
        /// The officer: their person id, or their national id.
        #[arg(long, value_name = "ID")]
        person: String,
        /// How many hours the link works: 1 to 168.
        #[arg(long, value_name = "N", default_value_t = DEFAULT_LINK_HOURS)]
        hours: u32,
        /// The country of a national id: se, dk or no.
        #[arg(long, value_name = "se|dk|no", default_value = "se")]
        country: String,
    },
    /// Register a municipality's service as a relying party of the eID's OpenID Connect
    /// provider (discovery at /.well-known/openid-configuration): prints its client id and,
    /// with --confidential, its secret, once. Audited (oidc.client_registered, system:cli).
    OidcClient {
        #[command(flatten)]
        data: crate::DataArg,
        /// The name the citizen sees at sign-in.
        #[arg(long)]
        name: String,
        /// A redirect URI (https://…, or http:// on localhost); give one or more.
        #[arg(long = "redirect-uri", value_name = "URI", required = true)]
        redirect_uris: Vec<String>,
        /// The organisation or unit it belongs to (its id).
        #[arg(long, value_name = "ID")]
        org: String,
        /// A server-side service that authenticates with a secret (else public, PKCE only).
        #[arg(long)]
        confidential: bool,
        /// The sector of its pseudonymous subjects (its organisation's when not given).
        #[arg(long)]
        sector: Option<String>,
    },
}

pub async fn run(cmd: AdminCommand) -> anyhow::Result<ExitCode> {
    let (data, admin) = match cmd {
        AdminCommand::Create { data, admin } => (data, admin),
        AdminCommand::EnrolLink { data, person, hours, country } => {
            return enrol_link(&data.dir, &person, hours, &country).await;
        }
        AdminCommand::OidcClient { data, name, redirect_uris, org, confidential, sector } => {
            let org = org
                .parse()
                .map_err(|_| anyhow::anyhow!("--org: not an organisation id (a UUID): {org:?}"))?;
            let new =
                tillit_server::eid::clients::NewClient { name, org, redirect_uris, confidential, sector };
            return oidc_client(&data.dir, &new).await;
        }
    };
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
    println!(
        "  passkey:       for the portal, make a one-time link: tillit admin enrol-link --data {} --person {}",
        dir.display(),
        made.person
    );
    Ok(ExitCode::SUCCESS)
}

/// `tillit admin enrol-link`: checks the arguments, makes the link, prints it.
async fn enrol_link(dir: &Path, person: &str, hours: u32, country: &str) -> anyhow::Result<ExitCode> {
    check_hours(hours)?;
    let country: Country =
        country.parse().map_err(|_| anyhow::anyhow!("--country: must be se, dk or no, not {country:?}"))?;
    let data = DataDir::open(dir)?;
    let store = data.open_store().await?;
    let outcome = async {
        let officer = find_officer(&store, person, country).await?;
        let link = make_enrol_link(&store, officer.id, &Actor::system("cli"), hours).await?;
        anyhow::Ok((officer, link))
    }
    .await;
    store.close().await;
    let (officer, link) = outcome?;
    // A protected officer's name is not shown (R-PER-3).
    println!("Passkey enrolment link for {} (person {}):", officer.display_name(false), officer.id);
    println!("  {}", link_url(&data.config, &link));
    println!("  {}", link_note(&link));
    Ok(ExitCode::SUCCESS)
}

/// `tillit admin oidc-client`: registers the relying party, prints its client id (and secret).
async fn oidc_client(dir: &Path, new: &tillit_server::eid::clients::NewClient) -> anyhow::Result<ExitCode> {
    let data = DataDir::open(dir)?;
    let store = data.open_store().await?;
    let now = tillit_server::routines::officers::now_us();
    let made = tillit_server::eid::clients::register(&store, new, &Actor::system("cli"), now).await;
    store.close().await;
    let made = made?;
    println!("OpenID Connect client registered: {}", new.name.trim());
    println!("  client_id:     {}", made.client_id);
    if let Some(secret) = &made.secret {
        println!("  client_secret: {secret}   (shown once; only its hash is kept)");
    }
    println!("  sector:        {}", made.sector);
    println!("  discovery:     {}/.well-known/openid-configuration", data.config.public_base_url());
    Ok(ExitCode::SUCCESS)
}

/// Refuses a link lifetime outside 1 to [`MAX_LINK_HOURS`] hours.
fn check_hours(hours: u32) -> anyhow::Result<()> {
    if !(1..=MAX_LINK_HOURS).contains(&hours) {
        anyhow::bail!("--hours: a link works 1 to {MAX_LINK_HOURS} hours, not {hours}");
    }
    Ok(())
}

/// The person `key` names (a person id, or a national id of `country`): one registered and
/// not removed, holding a role (R-ORG-1: only officers sign in to the portal). The refusals
/// name `--person` and never the person's name.
async fn find_officer(store: &Store, key: &str, country: Country) -> anyhow::Result<Person> {
    let key = key.trim();
    let record = if let Ok(id) = key.parse::<PersonId>() {
        store.person(id).await?.with_context(|| format!("--person: no person with id {id}"))?
    } else {
        // A lookup only: synthetic test identities are found too, as `tillit role grant` does.
        let options = ParseOptions::new(time::OffsetDateTime::now_utc().date()).with_test_ids(true);
        let national = NationalId::parse(country, key, &options)
            .map_err(|e| anyhow::anyhow!("--person: neither a person id nor a national id ({e}): {key:?}"))?;
        store
            .person_by_national_id(&national)
            .await?
            .with_context(|| format!("--person: no person with national id {}", national.normalised()))?
    };
    let id = record.person.id;
    if record.removed_us.is_some() {
        anyhow::bail!("--person: person {id} was removed");
    }
    if store.grants_of(id).await?.is_empty() {
        anyhow::bail!(
            "--person: person {id} holds no role, and only officers sign in to the portal (R-ORG-1); \
             grant one first (tillit role grant)"
        );
    }
    Ok(record.person)
}

/// Makes a one-time passkey enrolment link for `person`, valid `hours`, by `actor`, in one
/// transaction (the link and its audit entry), with the function the API uses.
pub async fn make_enrol_link(
    store: &Store,
    person: PersonId,
    actor: &Actor,
    hours: u32,
) -> anyhow::Result<NewLink> {
    check_hours(hours)?;
    let mut tx = store.begin().await?;
    let link = officers::create_link(&mut tx, person, actor, None, hours, officers::now_us()).await?;
    tx.commit().await?;
    Ok(link)
}

/// Where officers open the portal, as the node is configured: `http://localhost:<port>` when
/// `listen` is a loopback address (plain HTTP serves the portal there, a secure context for
/// the browser); else `public_base_url`, else the HTTPS listener by the first name of
/// `tls_hosts`.
pub fn portal_base(config: &Config) -> String {
    if config.listen.ip().is_loopback() {
        return format!("http://localhost:{}", config.listen.port());
    }
    if let Some(url) = &config.public_base_url {
        return url.trim_end_matches('/').to_owned();
    }
    // A wildcard name is no host to open; the first plain one is, else the wildcard's domain.
    let host = config
        .tls_hosts
        .iter()
        .find(|h| !h.starts_with("*."))
        .or(config.tls_hosts.first())
        .map_or("localhost", |h| h.trim_start_matches("*."));
    match config.listen_tls_for(config.listen).port() {
        443 => format!("https://{host}"),
        port => format!("https://{host}:{port}"),
    }
}

/// The full address of `link` on the portal.
pub fn link_url(config: &Config, link: &NewLink) -> String {
    format!("{}{}", portal_base(config), link.path())
}

/// What to say beside a link printed: its expiry, one use, shown once.
pub fn link_note(link: &NewLink) -> String {
    format!(
        "works once, until {}; shown only now (only its hash is kept)",
        officers::rfc3339(link.expires_us)
    )
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
