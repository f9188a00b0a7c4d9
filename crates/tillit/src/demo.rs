//! `tillit demo`: a fictional municipality on a new node, and the routines walked through
//! the real API, so that `tillit serve --data DIR` then shows a node in use.
//!
//! In order: `tillit init` (the embedded default); the organisation tree; about fifty people
//! through the HR import (one with a protected identity, one with a coordination number, one
//! leaving within days); officers of each role, the KRA grants with training and a specimen
//! approved by the security officer (R-ORG-3); a client credential (PKCS#12 under a one-time
//! password) for each officer. Then the node is started in-process on 127.0.0.1 and, over
//! HTTPS with each action signed by the officer's key (R-AUD-1): two SIS cards from order
//! basis to hand-out, a credential downloaded by the holder's card client, a PUK order, a
//! reserve card handed out at level 3 with a second officer's co-signature (R-RES-5) and its
//! credential with the holder's receipt, a lost card revoked for key compromise (R-REV-3), a
//! card returned on leaving (R-CARD-7), and a third SIS card delivered and left waiting for
//! hand-out. Last, the node is stopped and the audit log verified as `tillit audit verify`
//! does it. Nothing prints a protected person's name (R-PER-3).
//!
//! Each officer also gets a one-time passkey enrolment link for the portal, made as
//! `tillit admin enrol-link` makes it. With `--json FILE` the summary is also written
//! machine-readably (for the portal's browser tests): the officers with their links,
//! credentials and passwords, and the people the tests use. That file holds the passwords,
//! so it is written (mode 0600) only when asked for.

mod api;
mod dk;
mod people;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use der::pem::LineEnding;
use serde_json::{json, Value};
use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, OrgNumber, ParseOptions};
use tillit_core::ra::event::Event as _;
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::person::{self, Address};
use tillit_core::ra::role::{GrantRole, Role, Specimen, Training};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use tillit_pki::profile::SubjectField;
use tillit_pki::signer::generate_pkcs8;
use tillit_pki::{FileSigner, KeyAlgorithm, Pkcs11Uri};
use tillit_server::admin::{self, Credential};
use tillit_server::directory::{self, ImportOptions};
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_server::routines::officers::{self, NewLink, DEFAULT_LINK_HOURS};
use tillit_server::tls::TlsListener;
use tillit_server::AppState;
use time::{Date, Duration};

use self::api::Officer;
use self::people::{Part, Resident};
use crate::ca::operator;

/// `tillit demo` options.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// The data directory to create; it must not exist, or be empty.
    #[arg(long = "data", default_value = "./tillit-demo", value_name = "DIR")]
    pub dir: PathBuf,
    /// Make the holder's card keys on this PKCS#11 token with the card client (a card, or
    /// SoftHSM2: pkcs11:token=…?module-path=…&pin-value=…). Without it the card's keys are
    /// made in software for the demo.
    #[arg(long, value_name = "PKCS11-URI")]
    pub token: Option<String>,
    /// Also write the summary as JSON to this new file (mode 0600): the portal's address, each
    /// officer's person id, role, unit, enrolment path, credential file and password, and the
    /// people the browser tests use. It holds the passwords: only for tests and trials.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// An officer of the demo: who, which role where, their credential and their passkey
/// enrolment link.
struct Staffed {
    person: PersonId,
    role: Role,
    scope: &'static str,
    name: String,
    credential: Credential,
    link: NewLink,
}

/// What the walk left for the browser tests: the cards it made, by the people holding them.
struct Walked {
    /// The card delivered and waiting for hand-out.
    awaiting: String,
    /// The first holder's card, lost and revoked.
    lost: String,
    /// The reserve card handed out to the person with the coordination number.
    reserve: String,
}

/// What the walk did, a line per step.
#[derive(Default)]
struct Steps(Vec<String>);

impl Steps {
    fn done(&mut self, line: impl Into<String>) {
        let line = line.into();
        println!("  {:>2}. {line}", self.0.len() + 1);
        self.0.push(line);
    }
}

/// Runs the demo (see the module documentation).
pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = args.dir.as_path();
    let token: Option<Pkcs11Uri> = args
        .token
        .as_deref()
        .map(|t| t.parse().map_err(|e| anyhow::anyhow!("--token is not a usable PKCS#11 URI: {e}")))
        .transpose()?;
    if dir.exists() && std::fs::read_dir(dir).with_context(|| dir.display().to_string())?.next().is_some() {
        anyhow::bail!("{} exists and is not empty: give the demo a new directory with --data", dir.display());
    }
    if let Some(file) = &args.json {
        if file.exists() {
            anyhow::bail!("--json: {} exists; give the demo a new file", file.display());
        }
    }
    // The embedded default only: fictional people have no place in a configured database.
    if std::env::var_os("TILLIT_DATABASE_URL").is_some_and(|v| !v.is_empty()) {
        anyhow::bail!(
            "TILLIT_DATABASE_URL is set: the demo runs only on the embedded default (SQLite in --data); unset it"
        );
    }
    let today = time::OffsetDateTime::now_utc().date();
    let done = node::init(dir, &InitOptions::default()).await?;
    println!("tillit demo: Tolvköping kommun, a fictional municipality, in {}", dir.display());
    println!("  node initialised (SQLite and file keystore; audit key {})", done.audit_key_id);

    // The Danish citizen service enrols the modern authenticators too, as its policy chooses
    // (R-DK-8; the SPEC's default is key cards and passcode letters only).
    std::fs::write(dir.join("policy.toml"), dk::POLICY).context("policy.toml")?;
    let data = DataDir::open(dir)?;
    let store = data.open_store().await?;
    let ca = data.open_authority(&store).await?;
    let actor = operator();

    // The organisation tree (R-ORG-1).
    let top = Org {
        id: OrgId(uuid::Uuid::now_v7()),
        parent: None,
        kind: OrgKind::Organisation,
        name: people::ORGANISATION.to_owned(),
        org_number: Some(OrgNumber::parse(Country::Se, people::ORG_NUMBER)?),
        hr_code: Some(people::TOP.to_owned()),
    };
    directory::add_org(&store, &actor, top.clone()).await.map_err(refused)?;
    for (code, name) in people::UNITS {
        let unit = Org {
            id: OrgId(uuid::Uuid::now_v7()),
            parent: Some(top.id),
            kind: OrgKind::Unit,
            name: name.to_owned(),
            org_number: None,
            hr_code: Some(code.to_owned()),
        };
        directory::add_org(&store, &actor, unit).await.map_err(refused)?;
    }
    let tree = OrgTree::new(store.orgs().await?)?;
    let org = |code: &str| tree.by_hr_code(code).map(|o| o.id).context("a unit of the demo is missing");
    println!(
        "  organisation: {} ({}, HR code {}), units {}",
        top.name,
        people::ORG_NUMBER,
        people::TOP,
        people::UNITS.map(|(code, name)| format!("{name} ({code})")).join(", ")
    );

    // The HR register (R-PER-1, R-PER-2; the protected row with the right, R-PER-3).
    let residents = people::residents(today);
    let csv = people::hr_csv(&residents, today);
    let options = ImportOptions {
        scope: top.id,
        country: Country::Se,
        dry_run: false,
        may_see_protected: true,
        allow_test_ids: data.config.test_identities,
        today,
        actor: actor.clone(),
    };
    let report = directory::import_hr(&store, Cursor::new(csv.into_bytes()), &options, &|_| {})
        .await
        .map_err(refused)?;
    if !report.errors.is_empty() {
        let first = &report.errors[0];
        anyhow::bail!("the demo's HR register was refused: line {}: {}", first.line, first.refusal);
    }
    println!(
        "  HR import: {} people registered with HSA-ids (one with a protected identity, one with a \
         coordination number, one whose employment ends on {})",
        report.registered,
        today + Duration::days(4)
    );
    let parse = ParseOptions::new(today).with_test_ids(data.config.test_identities);
    let mut ids = Vec::with_capacity(residents.len());
    for r in &residents {
        let national_id = NationalId::parse(Country::Se, &r.national_id, &parse)?;
        let record =
            store.person_by_national_id(&national_id).await?.context("an imported person is missing")?;
        ids.push(record.person.id);
    }
    let find = |part: Part| {
        residents.iter().zip(&ids).find(|(r, _)| r.part == part).context("a person of the demo is missing")
    };
    let (holder, holder_id) = find(Part::CardHolder)?;
    let (leaver, leaver_id) = find(Part::Leaver)?;
    let (coordinated, coordinated_id) = find(Part::Coordination)?;
    let (awaiting, awaiting_id) = find(Part::AwaitingHandOut)?;

    // The card holders' registered addresses, as the population register gives them (the PUK
    // letter goes there, R-CARD-9).
    for (id, street) in [(*holder_id, "Skolgatan 4"), (*leaver_id, "Kvarngatan 12 lgh 1102")] {
        record_address(&store, &tree, &actor, id, street).await?;
    }

    // Officers of each role (R-ORG-2); KRA with training and a specimen approved by the
    // security officer (R-ORG-3).
    let security_officer = residents
        .iter()
        .zip(&ids)
        .find(|(r, _)| matches!(r.part, Part::Officer(Role::SecurityOfficer, _)))
        .map(|(_, id)| *id)
        .context("the security officer is missing")?;
    let mut officers = Vec::new();
    let mut order: Vec<(&Resident, &PersonId)> = residents.iter().zip(&ids).collect();
    // The security officer first: the KRA grants need their approval.
    order.sort_by_key(|(r, _)| !matches!(r.part, Part::Officer(Role::SecurityOfficer, _)));
    for (resident, id) in order {
        let Part::Officer(role, scope) = resident.part else { continue };
        let (training, specimen) = if role == Role::Kra {
            (
                Some(Training { course: "KRA-grundkurs".into(), completed: today - Duration::days(30) }),
                Some(Specimen {
                    reference: format!("TK-ARK-{}-{:03}", today.year(), officers.len() + 1),
                    signed_by: "Kommundirektören".into(),
                    approved_by: security_officer,
                    approved_on: today - Duration::days(20),
                }),
            )
        } else {
            (None, None)
        };
        let grant = GrantRole {
            id: GrantId(uuid::Uuid::now_v7()),
            person: *id,
            role,
            scope: org(scope)?,
            training,
            specimen,
        };
        directory::grant_role(&store, &actor, grant, today).await.map_err(refused)?;
        let credential = admin::issue_credential(&store, &ca, dir, &actor, *id).await?;
        // The portal's passkey: a one-time link, as `tillit admin enrol-link` makes it.
        let link =
            crate::admin::make_enrol_link(&store, *id, &Actor::system("cli"), DEFAULT_LINK_HOURS).await?;
        officers.push(Staffed { person: *id, role, scope, name: resident.name(), credential, link });
    }
    officers.sort_by_key(|o| tillit_core::ra::role::ROLES.iter().position(|r| *r == o.role));
    println!(
        "  officers: {} with a role each, a client credential and a passkey enrolment link (below)",
        officers.len()
    );

    // The Danish municipality: its citizen service, officers and citizens (issue 7).
    let dk_setup = dk::setup(&store, &ca, dir, &actor, today, data.config.test_identities).await?;
    println!(
        "  Danish municipality: {} with {} (a DK RA employee and administrator, {} citizens)",
        dk::MUNICIPALITY,
        dk::OFFICE,
        dk_setup.citizens.len()
    );

    // The node, in-process, on an ephemeral port of 127.0.0.1, with the portal's pages (the
    // citizens sign in there).
    let identity = data.tls_identity(&ca).await?;
    let tls_config = tillit_server::tls::server_config(&ca, identity)?;
    let listener = TlsListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), tls_config).await?;
    let port = listener.local_addr().port();
    let state = AppState::start_with(store.clone(), ca, &data.config.ca, data.policy()?).await?;
    let mut settings = tillit_portal::settings::PortalSettings::localhost(port);
    settings.origins.push(format!("https://localhost:{port}"));
    let portal = tillit_portal::web::Portal::new(
        std::sync::Arc::new(tillit_portal::i18n::Catalog::load().context("the portal's languages")?),
        state.clone(),
        settings,
    );
    let app = tillit_server::tls_app_with(state.clone(), tillit_portal::web::routes(portal));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tillit_server::serve_tls_router(listener, app, async move {
        let _ = stopped.await;
    }));
    let base = format!("https://localhost:{port}");
    println!("  node started in-process at {base}; the routines, through the API:");

    let chain = std::fs::read(dir.join("tls/chain.pem")).context("tls/chain.pem")?;
    let officer = |role: Role, n: usize| {
        officers.iter().filter(|o| o.role == role).nth(n).context("an officer of the demo is missing")
    };
    let kra_staff = officer(Role::Kra, 0)?;
    let kra = Officer::new(&base, &chain, &kra_staff.credential)?;
    let second_kra = Officer::new(&base, &chain, &officer(Role::Kra, 1)?.credential)?;
    let walk = Walk {
        base: &base,
        chain: &chain,
        dir,
        token: token.as_ref(),
        kra: &kra,
        second_kra: &second_kra,
        today,
    };
    let mut steps = Steps::default();
    let outcome = walk
        .run(
            &mut steps,
            [
                (holder, *holder_id),
                (leaver, *leaver_id),
                (coordinated, *coordinated_id),
                (awaiting, *awaiting_id),
            ],
            org("TK-SKOL")?,
            org("TK-SOC")?,
            &kra_staff.name,
        )
        .await;
    let dk_walked = match &outcome {
        Ok(_) => Some(dk::walk(&dk_setup, &state, &base, &chain, dir, &mut |line| steps.done(line)).await),
        Err(_) => None,
    };
    let _ = stop.send(());
    let served = server.await;
    store.close().await;
    let walked = outcome
        .with_context(|| format!("the demo stopped part way; {} holds what it did so far", dir.display()))?;
    let dk_walked = dk_walked
        .transpose()
        .with_context(|| {
            format!("the Danish part stopped part way; {} holds what it did so far", dir.display())
        })?
        .context("the Danish part did not run")?;
    served.context("the node")?.context("the node's HTTPS listener")?;

    println!();
    println!("The audit log, verified as `tillit audit verify --data {}` does it:", dir.display());
    let verified = crate::audit::run(crate::audit::AuditCommand::Verify {
        data: crate::DataArg { dir: dir.to_owned() },
        trusted_keys: Vec::new(),
        chain: None,
        from: None,
    })
    .await?;
    if verified != ExitCode::SUCCESS {
        anyhow::bail!("the audit log of the demo does not verify");
    }
    let listen = data.config.listen;
    let portal = crate::admin::portal_base(&data.config);
    print_summary(dir, (listen, data.config.listen_tls_for(listen)), &portal, &officers, &steps);
    println!();
    println!("{} (Denmark): the citizen service's officers and the eID's relying party:", dk::MUNICIPALITY);
    for o in &dk_setup.officers {
        println!(
            "  {:<16} {:<18} {}  password {}",
            o.role.as_str(),
            o.name,
            dir.join(&o.credential.file).display(),
            o.credential.password.as_str()
        );
    }
    println!(
        "  {} signs citizens in with client id {} (demo/dk/client.json); the ID token it received: demo/dk/id_token.jwt",
        dk::SERVICE,
        dk_walked.client_id
    );
    println!("  citizens activate at /eid/activate; services find the provider at /.well-known/openid-configuration");
    if let Some(file) = &args.json {
        let id_of = |part: Part| find(part).map(|(_, id)| id.to_string());
        let people = json!({
            "protected": id_of(Part::Protected)?,
            "coordination_number": coordinated_id.to_string(),
            "leaving": leaver_id.to_string(),
            "no_card": id_of(Part::NoCard)?,
            "card_awaiting_hand_out": { "person": awaiting_id.to_string(), "card": walked.awaiting },
            "card_lost": { "person": holder_id.to_string(), "card": walked.lost },
            "reserve_card": { "person": coordinated_id.to_string(), "card": walked.reserve },
        });
        let mut summary = summary_json(dir, &portal, &officers, people)?;
        summary["dk"] = dk::summary(&dk_setup, &dk_walked, dir)?;
        write_json(file, &summary)?;
        println!();
        println!("The summary as JSON, with the passwords: {} (mode 0600)", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary for the browser tests (docs/demo.md): the portal's address, the officers and
/// the people the tests use.
fn summary_json(dir: &Path, portal: &str, officers: &[Staffed], people: Value) -> anyhow::Result<Value> {
    // The credential files by absolute path, so the file can be read from anywhere.
    let dir = std::fs::canonicalize(dir).with_context(|| dir.display().to_string())?;
    let officers: Vec<Value> = officers
        .iter()
        .map(|o| {
            json!({
                "person": o.person.to_string(),
                "name": o.name,
                "role": o.role,
                "unit": o.scope,
                "enrol_path": o.link.path(),
                "p12": dir.join(&o.credential.file),
                "p12_password": o.credential.password.as_str(),
            })
        })
        .collect();
    Ok(json!({ "portal": { "enrol_base": portal }, "officers": officers, "people": people }))
}

/// Writes `value` to the new file `path`, readable by its owner only (it holds passwords).
fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let text = zeroize::Zeroizing::new(serde_json::to_string_pretty(value)? + "\n");
    let mut file = options.open(path).with_context(|| format!("--json: {}", path.display()))?;
    file.write_all(text.as_bytes()).with_context(|| format!("--json: {}", path.display()))?;
    file.sync_all().with_context(|| format!("--json: {}", path.display()))?;
    Ok(())
}

fn refused(e: directory::DirectoryError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Records `person`'s registered address (audited, R-AUD-1), as a population-register
/// lookup would.
async fn record_address(
    store: &tillit_store::Store,
    tree: &OrgTree,
    actor: &tillit_core::audit::Actor,
    person: PersonId,
    street: &str,
) -> anyhow::Result<()> {
    let before = store.person(person).await?.context("a card holder is missing")?.person;
    let after = person::Person {
        address: Some(Address {
            lines: vec![street.to_owned()],
            postal_code: "999 12".into(),
            town: "Tolvköping".into(),
            country: "SE".into(),
        }),
        ..before.clone()
    };
    let events = person::update(&before, &after, false)?;
    let chain = before
        .employments
        .first()
        .and_then(|e| tree.organisation_of(e.org))
        .map_or_else(|| tillit_core::audit::SYSTEM_CHAIN.to_string(), |o| o.to_string());
    let mut tx = store.begin().await?;
    tx.update_person(&after).await?;
    for event in &events {
        tx.append(event.to_audit(&chain, actor)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The people the walk is made with: the card holder, the leaver, the person with the
/// coordination number and the one whose card is left waiting for hand-out.
type Cast<'r> = [(&'r Resident, PersonId); 4];

/// The routines walked over the API.
struct Walk<'a> {
    base: &'a str,
    chain: &'a [u8],
    dir: &'a Path,
    token: Option<&'a Pkcs11Uri>,
    kra: &'a Officer,
    second_kra: &'a Officer,
    today: Date,
}

/// A small JPEG (SOI, APP0, EOI), base64, for the photo and signature image.
fn jpeg() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0xFF, 0xD9])
}

fn text(v: &Value, key: &str) -> anyhow::Result<String> {
    v[key].as_str().map(str::to_owned).with_context(|| format!("the answer has no {key}: {v}"))
}

impl Walk<'_> {
    async fn run(
        &self,
        steps: &mut Steps,
        [(holder, holder_id), (leaver, leaver_id), (coordinated, coordinated_id), (awaiting, awaiting_id)]: Cast<'_>,
        school: OrgId,
        social: OrgId,
        kra_name: &str,
    ) -> anyhow::Result<Walked> {
        let kra = self.kra;
        steps.done(format!(
            "KRA officer {kra_name} signs in with a client certificate and signs every action"
        ));
        let choice = kra.get(&format!("/api/v1/persons/{holder_id}/card-choice?org={school}")).await?;
        steps.done(format!(
            "card choice for {}: {} ({})",
            holder.name(),
            choice["kind"].as_str().unwrap_or("?"),
            choice["reason"].as_str().unwrap_or("")
        ));

        // Three SIS cards, one batch (R-CARD-2, R-CARD-3); the third is left waiting for
        // hand-out.
        let document = json!({ "kind": "passport", "number": "TK1234567" });
        let image = json!({ "media_type": "image/jpeg", "content": jpeg() });
        let mut cards = Vec::new();
        for (person, id, serial) in [
            (holder, holder_id, "9752000001"),
            (leaver, leaver_id, "9752000002"),
            (awaiting, awaiting_id, "9752000003"),
        ] {
            let card = kra
                .post(&format!("/api/v1/persons/{id}/cards"), &json!({ "org": school, "kind": "sis" }))
                .await?;
            let card_id = text(&card, "id")?;
            steps.done(format!("SIS card order basis for {} (card {card_id})", person.name()));
            kra.post(
                &format!("/api/v1/cards/{card_id}/order"),
                &json!({ "holder_present": true, "document": document, "photo": image, "signature_image": image }),
            )
            .await?;
            steps.done(format!("order with {} present: passport, photo and signature image", person.name()));
            cards.push((person, card_id, serial));
        }
        let ids: Vec<&String> = cards.iter().map(|(_, c, _)| c).collect();
        let batch = kra.post("/api/v1/batches", &json!({ "cards": ids, "reviewed": ids })).await?;
        steps.done(format!("batch {} of {} cards sent to the card supplier", text(&batch, "id")?, ids.len()));
        for (person, card_id, serial) in &cards {
            kra.post(&format!("/api/v1/cards/{card_id}/delivery"), &json!({ "serial": serial })).await?;
            if person.part == Part::AwaitingHandOut {
                steps.done(format!("card {serial} delivered for {}, waiting for hand-out", person.name()));
                continue;
            }
            kra.post(
                &format!("/api/v1/cards/{card_id}/hand-out"),
                &json!({ "holder_present": true, "document": document, "national_id": person.national_id,
                         "given_names": person.given_names, "family_name": person.family_name,
                         "pin_letter": true, "receipt": format!("kvittens-{serial}") }),
            )
            .await?;
            steps.done(format!(
                "card {serial} delivered and handed out to {} with a signed receipt",
                person.name()
            ));
        }
        let (_, card, _) = &cards[0];

        // The credential and the holder's download (R-CRED-4).
        let ordered =
            kra.post(&format!("/api/v1/cards/{card}/credentials"), &json!({ "basis": "hsa_id" })).await?;
        let code = text(&ordered, "download_code")?;
        steps.done(format!(
            "credential ordered for {} (one-time download code given to the holder)",
            holder.name()
        ));
        let how = self.download(&code, None, "holder").await?;
        steps.done(format!("{} downloads the credential {how}", holder.name()));

        // A PUK order (R-CARD-9).
        let puk = kra
            .post(&format!("/api/v1/cards/{card}/puk-orders"), &json!({ "mail_to": "registered" }))
            .await?;
        let puk_id = text(&puk, "id")?;
        kra.post(&format!("/api/v1/puk-orders/{puk_id}/sent"), &json!({})).await?;
        steps.done(format!(
            "PUK ordered for {}'s card, sent by registered mail; 200 SEK to Skolförvaltningen",
            holder.name()
        ));

        // A reserve card: bundle, receipt, hand-out at level 3 with two officers, credential
        // with the holder's receipt (R-RES-1, R-RES-2, R-RES-5, R-CRED-4).
        let bundle = kra
            .post(
                "/api/v1/reserve/bundles",
                &json!({ "org": social, "serials": { "first": 5_000_001u64, "last": 5_000_012u64 } }),
            )
            .await?;
        let bundle_id = text(&bundle, "id")?;
        steps.done("reserve bundle 5000001-5000012 ordered for Socialförvaltningen's safe");
        let received = kra.post(&format!("/api/v1/reserve/bundles/{bundle_id}/receipt"), &json!({})).await?;
        let reserve = received["cards"][0]["id"]
            .as_str()
            .or_else(|| received["cards"][0].as_str())
            .map(str::to_owned)
            .with_context(|| format!("the receipt names no card: {received}"))?;
        steps.done(format!(
            "bundle received into the safe: {} cards in stock",
            received["stock"]["in_stock"].as_u64().unwrap_or(0)
        ));
        let handed = kra
            .post_co_signed(
                self.second_kra,
                &format!("/api/v1/reserve/cards/{reserve}/hand-out"),
                &json!({ "person": coordinated_id, "unit": social, "holder_present": true, "document": document,
                         "pin_letter_unopened": true, "receipt": "papperskvittens-TK-0001", "trust_level": "level3" }),
            )
            .await?;
        steps.done(format!(
            "reserve card handed out to {} (coordination number) at level 3, co-signed by a second KRA officer; credential until {}",
            coordinated.name(),
            handed["credential_until"].as_str().unwrap_or("?")
        ));
        let ordered =
            kra.post(&format!("/api/v1/cards/{reserve}/credentials"), &json!({ "basis": "hsa_id" })).await?;
        let code = text(&ordered, "download_code")?;
        let how = self.download(&code, Some("e-kvittens:TK-0001"), "reserve").await?;
        steps.done(format!(
            "{} downloads the reserve card's credential with a signed receipt {how}",
            coordinated.name()
        ));

        // Lost: revoked for key compromise, the card deregistered (R-REV-1..4).
        let revoked = kra
            .post(
                "/api/v1/revocations",
                &json!({ "holder": holder_id, "requester": "holder", "requested_by": holder_id,
                         "identification": { "method": "in_person", "document": "passport" },
                         "reason": "key_compromise", "circumstance": "lost", "target": { "kind": "card", "card": card } }),
            )
            .await?;
        let instructions = revoked["instructions"].as_array().map_or(0, Vec::len);
        steps.done(format!(
            "{} lost the card: {} certificates revoked for keyCompromise, card deregistered; the officer is \
             told to have it reported to the police (R-REV-4) ({} instruction{})",
            holder.name(),
            revoked["serials"].as_array().map_or(0, Vec::len),
            instructions,
            if instructions == 1 { "" } else { "s" }
        ));

        // Leaving: the card returned, deregistered (R-CARD-7).
        let (_, leaver_card, _) = &cards[1];
        kra.post(
            &format!("/api/v1/cards/{leaver_card}/return"),
            &json!({ "to": { "kind": "ra" }, "reason": "left_employment" }),
        )
        .await?;
        steps.done(format!(
            "{} leaves on {}: card returned to the RA and deregistered (left_employment)",
            leaver.name(),
            leaver.end.unwrap_or(self.today)
        ));
        let (_, awaiting_card, _) = &cards[2];
        Ok(Walked { awaiting: awaiting_card.clone(), lost: card.clone(), reserve })
    }

    /// The holder's download with `code`: on the token with the card client, else with keys
    /// made in software. Says how.
    async fn download(&self, code: &str, receipt: Option<&str>, label: &str) -> anyhow::Result<String> {
        if let Some(token) = self.token {
            let mut options = tillit_card::EnrolOptions::new(self.base, code, token.clone());
            options.ca_file = Some(self.dir.join("tls/chain.pem"));
            options.label =
                format!("tillit-demo-{label}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
            options.receipt = receipt.map(str::to_owned);
            let done = tillit_card::enroll(&options).await?;
            return Ok(format!(
                "with the card client onto the token (keys made on it; labels {}, {}), valid until {}",
                done.labels.authentication, done.labels.signing, done.not_after
            ));
        }
        let mut body = json!({ "code": code });
        for (field, cn) in
            [("authentication_csr", "tillit-authentication"), ("signing_csr", "tillit-signing")]
        {
            let key = generate_pkcs8(KeyAlgorithm::EcdsaP256).map_err(|e| anyhow::anyhow!("{e}"))?;
            let signer = FileSigner::from_pkcs8(Path::new("(demo card key)"), KeyAlgorithm::EcdsaP256, &key)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let der = tillit_pki::token::certification_request(
                &signer,
                &[(SubjectField::CommonName, cn.to_owned())],
            )?;
            body[field] = json!(der::pem::encode_string("CERTIFICATE REQUEST", LineEnding::LF, &der)
                .map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        if let Some(receipt) = receipt {
            body["receipt"] = json!(receipt);
        }
        let enrolled = api::enrol(self.base, self.chain, &body).await?;
        Ok(format!(
            "(no --token: the card's keys were made in software for the demo), valid until {}",
            enrolled["not_after"].as_str().unwrap_or("?")
        ))
    }
}

/// The steps, how to run the node on the data, and how each officer signs in.
fn print_summary(
    dir: &Path,
    (plain, tls): (std::net::SocketAddr, std::net::SocketAddr),
    portal: &str,
    officers: &[Staffed],
    steps: &Steps,
) {
    let https = if tls.ip().is_loopback() || tls.ip().is_unspecified() {
        format!("https://localhost:{}", tls.port())
    } else {
        format!("https://{tls}")
    };
    let d = dir.display();
    println!();
    println!("Done: {} steps through the API, every action signed by the officer.", steps.0.len());
    println!();
    println!("See it all:  tillit serve --data {d}");
    println!("  health, metrics, OCSP, CRLs:  http://{plain}  (/healthz, /metrics, /api/openapi.json)");
    println!("  the portal (passkeys):        {portal}/  (each officer's link below)");
    println!("  the API (client certificates): {https}/api/v1");
    println!("  audit:                        tillit audit verify --data {d}");
    println!();
    println!(
        "Officers (each credential's password is shown only now and stored nowhere; each passkey link \
         works once, until {}):",
        officers.iter().map(|o| o.link.expires_us).min().map(officers::rfc3339).unwrap_or_default()
    );
    for o in officers {
        let role =
            serde_json::to_value(o.role).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        println!(
            "  {role:<16} {:<18} on {:<8} {}  password {}",
            o.name,
            o.scope,
            dir.join(&o.credential.file).display(),
            o.credential.password.as_str()
        );
        println!("  {:<16} passkey: {portal}{}", "", o.link.path());
    }
    if let Some(o) = officers.first() {
        let file = dir.join(&o.credential.file);
        println!();
        println!("Sign in as an officer, e.g. {}:", o.name);
        println!("  openssl pkcs12 -in {} -nodes -out officer.pem   # the password above", file.display());
        println!("  curl --cacert {d}/tls/chain.pem --cert officer.pem {https}/api/v1/orgs");
    }
}
