//! The demo's Danish municipality (issue 7): Tolvby Kommune's citizen service as a public RA.
//!
//! Before the node starts: the municipality and its citizen service in the tree, two officers
//! from its HR register (a DK RA employee and a DK RA administrator, each with a client
//! credential), two citizens in the person table (the embedded population register). With the
//! node running, over the API with each action signed: boxes of key cards, passcode letters
//! and code displays ordered and received; one citizen's eID issued at the desk at NSIS
//! substantial with a key card, another's at NSIS high with a code display, approved by the
//! second officer (R-DK-8). Then, as the citizens do it in the browser: the first activates
//! with the letter's temporary passcode and a key-card code and chooses a passcode; the
//! second the same with the code display. Last, a municipality's service signs the first in
//! through the OpenID Connect provider, as a relying party would (authorization code with
//! PKCE), and the ID token it received is left in `<data>/demo/dk/id_token.jwt`, its client
//! id in `<data>/demo/dk/client.json`.
//!
//! The demo plays the citizens: it reads the temporary passcodes, key cards and code display
//! seeds the node sealed for the stock supplier's print files, which only a node's own tool
//! can open. With `--json` they are in the summary (for `.ci/oidc.sh`, which signs in with a
//! real OpenID Connect client library), mode 0600.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::person;
use tillit_core::ra::role::{GrantRole, Role};
use tillit_core::ra::{Event as _, GrantId, OrgId, PersonId};
use tillit_pki::secret::keycard::DEFAULT_POSITIONS;
use tillit_pki::secret::{KeyCard, KeyCardSecret, KeyCardSerial, Totp, TotpParams, TotpSeed};
use tillit_server::admin::{self, Credential};
use tillit_server::directory::{self, ImportOptions};
use tillit_server::eid::clients::{self, NewClient};
use tillit_server::routines::dk::{open_sealed, stock_owner};
use tillit_server::AppState;
use tillit_store::eid::SecretPurpose;
use tillit_store::Store;
use time::Date;

use super::api::{self, Officer};

/// The municipality.
pub const MUNICIPALITY: &str = "Tolvby Kommune";
/// Its citizen service, the RA office.
pub const OFFICE: &str = "Borgerservice Tolvby";
const TOP_CODE: &str = "TB";
const OFFICE_CODE: &str = "TB-BS";
/// The demo's `policy.toml`: the SPEC's values, and the citizen service enrols code displays,
/// audio code readers and paper activation codes beside key cards (R-DK-8).
pub const POLICY: &str = "# The demo's policy: the SPEC's values, except that the Danish citizen service also\n\
# enrols the modern authenticators (R-DK-8).\n\
dk_authenticators = [\"key_card\", \"passcode_letter\", \"code_display\", \"audio_code_reader\", \"activation_code\"]\n";

/// The service that signs citizens in, and where it wants them back.
pub const SERVICE: &str = "Tolvby Selvbetjening";
const REDIRECT: &str = "http://127.0.0.1:9/tolvby/callback";

/// An officer of the citizen service.
pub struct DkOfficer {
    /// The person.
    pub person: PersonId,
    /// The role.
    pub role: Role,
    /// The name.
    pub name: String,
    /// The client credential.
    pub credential: Credential,
}

/// What was set up before the node started.
pub struct Setup {
    /// The citizen service.
    pub office: OrgId,
    /// The DK RA employee and the DK RA administrator.
    pub officers: Vec<DkOfficer>,
    /// The two citizens: (person, CPR as written, given names, family name).
    pub citizens: Vec<(PersonId, String, String, String)>,
}

/// A citizen's eID as the walk left it.
pub struct Citizen {
    /// The person.
    pub person: PersonId,
    /// The account.
    pub account: String,
    /// The user id.
    pub user_id: String,
    /// The passcode they chose.
    pub passcode: String,
    /// Their key card's (key, code) pairs, the positions not yet used.
    pub key_card: Vec<(String, String)>,
    /// Their code display's seed (base32), when they have one.
    pub totp_seed: Option<String>,
    /// The NSIS level.
    pub assurance: &'static str,
}

/// What the walk left.
pub struct Walked {
    /// The citizens.
    pub citizens: Vec<Citizen>,
    /// The relying party's client id.
    pub client_id: String,
}

/// Sets the municipality up: tree, officers with credentials, citizens.
pub async fn setup(
    store: &Store,
    authority: &tillit_server::ca::Authority,
    dir: &Path,
    actor: &Actor,
    today: Date,
    test_ids: bool,
) -> anyhow::Result<Setup> {
    let top = Org {
        id: OrgId(uuid::Uuid::now_v7()),
        parent: None,
        kind: OrgKind::Organisation,
        name: MUNICIPALITY.into(),
        org_number: None,
        hr_code: Some(TOP_CODE.into()),
    };
    directory::add_org(store, actor, top.clone()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let office = Org {
        id: OrgId(uuid::Uuid::now_v7()),
        parent: Some(top.id),
        kind: OrgKind::Unit,
        name: OFFICE.into(),
        org_number: None,
        hr_code: Some(OFFICE_CODE.into()),
    };
    directory::add_org(store, actor, office.clone()).await.map_err(|e| anyhow::anyhow!("{e}"))?;

    // The officers, from the municipality's HR register.
    let staff = [
        ("0203851234", "Mette", "Kristensen", Role::DkRaEmployee),
        ("1509792345", "Lars", "Poulsen", Role::DkRaAdmin),
    ];
    let mut csv = String::from("national_id,given_names,family_name,unit,start,name_checked\n");
    for (cpr, given, family, _) in &staff {
        csv.push_str(&format!("{cpr},{given},{family},{OFFICE_CODE},2020-01-01,{today}\n"));
    }
    let options = ImportOptions {
        scope: top.id,
        country: Country::Dk,
        dry_run: false,
        may_see_protected: false,
        allow_test_ids: test_ids,
        today,
        actor: actor.clone(),
    };
    let report = directory::import_hr(store, Cursor::new(csv.into_bytes()), &options, &|_| {})
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(first) = report.errors.first() {
        anyhow::bail!("the Danish HR register was refused: line {}: {}", first.line, first.refusal);
    }
    let parse = ParseOptions::new(today).with_test_ids(test_ids);
    let mut officers = Vec::new();
    for (cpr, given, family, role) in staff {
        let id = NationalId::parse(Country::Dk, cpr, &parse)?;
        let person =
            store.person_by_national_id(&id).await?.context("a Danish officer is missing")?.person.id;
        let grant = GrantRole {
            id: GrantId(uuid::Uuid::now_v7()),
            person,
            role,
            scope: office.id,
            training: None,
            specimen: None,
        };
        directory::grant_role(store, actor, grant, today).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let credential = admin::issue_credential(store, authority, dir, actor, person).await?;
        officers.push(DkOfficer { person, role, name: format!("{given} {family}"), credential });
    }

    // The citizens, in the person table (the embedded population register, R-IDP-3).
    let residents = [
        ("0704931236", "Karen Marie", "Jensen", "Nørregade 7"),
        ("2411684321", "Mads", "Nielsen", "Søndergade 12, 2. th."),
    ];
    let tree = OrgTree::new(store.orgs().await?)?;
    let chain = tree.organisation_of(office.id).unwrap_or(office.id).to_string();
    let mut citizens = Vec::new();
    let mut tx = store.begin().await?;
    for (cpr, given, family, street) in residents {
        let national_id = NationalId::parse(Country::Dk, cpr, &parse)?;
        let citizen = person::Person {
            id: PersonId(uuid::Uuid::now_v7()),
            national_id,
            given_names: given.into(),
            family_name: family.into(),
            preferred_name: None,
            hsa_id: None,
            email: None,
            mobile: None,
            address: Some(person::Address {
                lines: vec![street.into()],
                postal_code: "7100".into(),
                town: "Tolvby".into(),
                country: "DK".into(),
            }),
            delivery_address: None,
            employments: vec![],
            licensed_title: None,
            protected: false,
            name_checked: Some(today),
        };
        let events = person::register(&citizen, false)?;
        tx.insert_person(&citizen).await?;
        for e in &events {
            tx.append(e.to_audit(&chain, actor)).await?;
        }
        citizens.push((citizen.id, cpr.to_string(), given.to_string(), family.to_string()));
    }
    tx.commit().await?;
    Ok(Setup { office: office.id, officers, citizens })
}

fn text(v: &Value, pointer: &str) -> anyhow::Result<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("the answer has no {pointer}: {v}"))
}

/// The first envelope serial of a received box.
fn first_serial(received: &Value) -> anyhow::Result<u64> {
    received
        .pointer("/stock_box/serials/first")
        .or_else(|| received.pointer("/serials/first"))
        .and_then(Value::as_u64)
        .with_context(|| format!("the box has no serials: {received}"))
}

/// The citizen's browser: the node's chain trusted, no redirects followed, `Origin` sent.
struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    async fn get(&self, path: &str) -> anyhow::Result<(u16, String, String)> {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        Self::read(r).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> anyhow::Result<(u16, String, String)> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(form)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        Self::read(r).await
    }

    async fn read(r: reqwest::Response) -> anyhow::Result<(u16, String, String)> {
        let status = r.status().as_u16();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        Ok((status, location, r.text().await?))
    }
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The key a key-card code page asks for.
fn asked_key(html: &str) -> anyhow::Result<String> {
    let at = html.find("for=\"code\">").context("no code field on the page")? + "for=\"code\">".len();
    let label = &html[at..at + html[at..].find('<').context("a broken page")?];
    Ok(label.rsplit(' ').next().unwrap_or_default().to_string())
}

/// The one-time code the page asks for: the key card's next, or the code display's now.
fn code_for(html: &str, card: Option<&KeyCard>, totp: Option<&Totp>) -> anyhow::Result<String> {
    match (card, totp) {
        (Some(card), _)
            if html.contains("for=\"code\">")
                && !asked_key(html)?.is_empty()
                && asked_key(html)?.chars().all(|c| c.is_ascii_digit()) =>
        {
            let key: u16 = asked_key(html)?.parse()?;
            let position = (1..=card.positions())
                .find(|p| card.key(*p).map(|k| k.value() == key).unwrap_or(false))
                .context("the key asked for is not on the card")?;
            Ok(card.code(position)?.as_str().to_string())
        }
        (_, Some(totp)) => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
            Ok(totp.code(now)?.to_string())
        }
        _ => anyhow::bail!("the page asks for a code the demo citizen does not have"),
    }
}

/// The citizen signs in (or activates) on the page of sign-in request `request`.
async fn sign_in(
    browser: &Browser,
    request: &str,
    user_id: &str,
    passcode: &str,
    new_passcode: Option<&str>,
    card: Option<&KeyCard>,
    totp: Option<&Totp>,
) -> anyhow::Result<(u16, String, String)> {
    let (status, _, page) = browser
        .post("/eid/sign-in", &[("request", request), ("user_id", user_id), ("passcode", passcode)])
        .await?;
    anyhow::ensure!(status == 200, "the passcode step answered {status}");
    let code = code_for(&page, card, totp)?;
    let mut form = vec![("request", request), ("code", code.as_str())];
    if let Some(new) = new_passcode {
        form.push(("new_passcode", new));
        form.push(("new_passcode_again", new));
    }
    browser.post("/eid/sign-in/code", &form).await
}

/// Walks the Danish routines on the running node at `base`.
pub async fn walk(
    setup: &Setup,
    state: &Arc<AppState>,
    base: &str,
    chain: &[u8],
    dir: &Path,
    steps: &mut impl FnMut(String),
) -> anyhow::Result<Walked> {
    let officer =
        |role: Role| setup.officers.iter().find(|o| o.role == role).context("a Danish officer is missing");
    let employee_staff = officer(Role::DkRaEmployee)?;
    let employee = Officer::new(base, chain, &employee_staff.credential)?;
    let admin = Officer::new(base, chain, &officer(Role::DkRaAdmin)?.credential)?;
    let office = setup.office.to_string();

    // Stock (R-RES-4): boxes of 50, registered by number on arrival.
    let mut first = std::collections::HashMap::new();
    for item in ["key_card", "passcode_letter", "code_display"] {
        let ordered = employee
            .post("/api/v1/dk/stock/boxes", &json!({ "item": item, "size": 50, "office": office }))
            .await?;
        let id = text(&ordered, "/id").or_else(|_| text(&ordered, "/stock_box/id"))?;
        let received = employee
            .post(&format!("/api/v1/dk/stock/boxes/{id}/receive"), &json!({ "opened": [], "damaged": [] }))
            .await?;
        first.insert(item, first_serial(&received).or_else(|_| first_serial(&ordered))?);
    }
    steps(format!(
        "{}: boxes of 50 key cards, passcode letters and code displays ordered and received (R-RES-4)",
        employee_staff.name
    ));

    // The client a relying party would use, registered by the administrator.
    let client = clients::register(
        &state.store,
        &NewClient {
            name: SERVICE.into(),
            org: setup.office,
            redirect_uris: vec![REDIRECT.into()],
            confidential: false,
            sector: None,
        },
        &Actor::system("demo"),
        tillit_server::routines::officers::now_us(),
    )
    .await?;

    let browser = Browser { client: api::client(chain, None)?, base: base.to_string() };
    let mut citizens = Vec::new();
    let mut cards = Vec::new();
    for (n, (person, cpr, given, family)) in setup.citizens.iter().enumerate() {
        let high = n == 1;
        let started = employee
            .post(
                "/api/v1/dk/registrations",
                &json!({ "person": person.to_string(), "office": office, "rules_accepted": true }),
            )
            .await?;
        let registration = text(&started, "/id").or_else(|_| text(&started, "/registration/id"))?;
        let identity = json!({
            "cpr": cpr,
            "given_names": given,
            "family_name": family,
            "documents": [{ "kind": "passport", "number": format!("20{}", &cpr[..7]), "carries_cpr": true }],
            "assurance": if high { "high" } else { "substantial" },
        });
        employee.post(&format!("/api/v1/dk/registrations/{registration}/identity"), &identity).await?;
        if high {
            admin
                .post(
                    &format!("/api/v1/dk/registrations/{registration}/approval"),
                    &json!({ "verdict": "approve" }),
                )
                .await?;
        }
        let second = if high { "code_display" } else { "key_card" };
        let serial = |item: &str| first[item] + if item == "passcode_letter" { n as u64 } else { 0 };
        let issued = employee
            .post(
                &format!("/api/v1/dk/registrations/{registration}/issue"),
                &json!({
                    "envelopes": [
                        { "item": second, "serial": serial(second).to_string() },
                        { "item": "passcode_letter", "serial": serial("passcode_letter").to_string() },
                    ],
                    "key_card_delivery": "hand_out",
                }),
            )
            .await?;
        let user_id = text(&issued, "/user_id")?;
        let account = text(&issued, "/account")?;
        steps(format!(
            "citizen {} {}: identity checked (CPR matched in the population register), eID issued at NSIS {}{} with a {} and a passcode letter",
            given,
            family,
            if high { "high" } else { "substantial" },
            if high { ", approved by a second officer (R-DK-8)" } else { "" },
            if high { "code display" } else { "key card" },
        ));

        // The citizen reads the letter and the card (or the display).
        let letter_serial = serial("passcode_letter").to_string();
        let temporary = open_sealed(
            state,
            &stock_owner(DkItem::PasscodeLetter, &letter_serial),
            SecretPurpose::TemporaryPasscode,
        )
        .await
        .map_err(|p| anyhow::anyhow!("{p:?}"))?
        .context("the passcode letter's secret is missing")?;
        let temporary = String::from_utf8_lossy(&temporary).to_string();
        let (card, totp, seed) = if high {
            let serial = serial("code_display").to_string();
            let seed =
                open_sealed(state, &stock_owner(DkItem::CodeDisplay, &serial), SecretPurpose::TotpSeed)
                    .await
                    .map_err(|p| anyhow::anyhow!("{p:?}"))?
                    .context("the code display's seed is missing")?;
            let seed = TotpSeed::from_bytes(&seed)?;
            let base32 = seed.to_base32().to_string();
            (None, Some(Totp::new(seed, TotpParams::default())), Some(base32))
        } else {
            let serial = serial("key_card").to_string();
            let secret = open_sealed(state, &stock_owner(DkItem::KeyCard, &serial), SecretPurpose::KeyCard)
                .await
                .map_err(|p| anyhow::anyhow!("{p:?}"))?
                .context("the key card's secret is missing")?;
            let card = KeyCard::new(
                KeyCardSerial::new(&serial)?,
                KeyCardSecret::from_bytes(&secret)?,
                DEFAULT_POSITIONS,
            )?;
            (Some(card), None, None)
        };

        // Activation in self-service (R-DK-1): temporary passcode, a code, a passcode of one's own.
        let passcode = format!("Tolvby-{}{}", &family[..3], 2026 + n);
        let (status, start, _) = browser.get("/eid/activate").await?;
        anyhow::ensure!(status == 303, "activation start answered {status}");
        let request = query_param(&start, "request").context("no sign-in request")?;
        let (status, _, page) =
            sign_in(&browser, &request, &user_id, &temporary, Some(&passcode), card.as_ref(), totp.as_ref())
                .await?;
        anyhow::ensure!(status == 200 && page.contains("<h1>"), "activation answered {status}");
        steps(format!("{given} {family} activates the eID in self-service and chooses a passcode"));
        let key_card = match &card {
            Some(card) => (2..=card.positions())
                .map(|p| Ok((card.key(p)?.to_string(), card.code(p)?.as_str().to_string())))
                .collect::<Result<Vec<_>, tillit_pki::secret::SecretError>>()?,
            None => Vec::new(),
        };
        citizens.push(Citizen {
            person: *person,
            account,
            user_id,
            passcode,
            key_card,
            totp_seed: seed,
            assurance: if high { "high" } else { "substantial" },
        });
        cards.push(card);
    }

    // The relying party signs the first citizen in (authorization code with PKCE).
    let card = cards.first().and_then(Option::as_ref).context("the first citizen has no key card")?;
    let citizen = citizens.first_mut().context("no citizen")?;
    let verifier = B64URL.encode(Sha256::digest(uuid::Uuid::new_v4().as_bytes())) + "-demo-verifier";
    let challenge = B64URL.encode(Sha256::digest(verifier.as_bytes()));
    let (status, location, _) = browser
        .get(&format!(
            "/oidc/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=demo&nonce=demo-nonce&code_challenge={challenge}&code_challenge_method=S256",
            client.client_id,
            tillit_server::eid::oidc::encode(REDIRECT),
        ))
        .await?;
    anyhow::ensure!(status == 303, "the authorization request answered {status}");
    let request = query_param(&location, "request").context("no sign-in request")?;
    let (status, back, _) =
        sign_in(&browser, &request, &citizen.user_id, &citizen.passcode, None, Some(card), None).await?;
    anyhow::ensure!(status == 303 && back.starts_with(REDIRECT), "the sign-in answered {status}");
    // The code used: the next sign-in asks for the one after it.
    citizen.key_card.remove(0);
    let code = query_param(&back, "code").context("no code in the redirect")?;
    let tokens: Value = browser
        .client
        .post(format!("{base}/oidc/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", client.client_id.as_str()),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let id_token = text(&tokens, "/id_token")?;
    let provider = &state.eid().await.map_err(|p| anyhow::anyhow!("{p:?}"))?.provider;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = provider.verify("JWT", &id_token, now).context("the ID token does not verify")?;
    let out = dir.join("demo/dk");
    std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
    std::fs::write(out.join("id_token.jwt"), format!("{id_token}\n"))?;
    let client_json = json!({
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "issuer": provider.issuer(),
        "discovery": format!("{}/.well-known/openid-configuration", provider.issuer()),
        "public": true,
        "pkce": "S256",
    });
    std::fs::write(out.join("client.json"), serde_json::to_string_pretty(&client_json)? + "\n")?;
    steps(format!(
        "{SERVICE} signs {} in through the OpenID Connect provider: ID token with acr {} (demo/dk/id_token.jwt)",
        setup.citizens.first().map(|c| format!("{} {}", c.2, c.3)).unwrap_or_default(),
        claims["acr"].as_str().unwrap_or("?")
    ));
    Ok(Walked { citizens, client_id: client.client_id })
}

/// The Danish part of the `--json` summary.
pub fn summary(setup: &Setup, walked: &Walked, dir: &Path) -> anyhow::Result<Value> {
    let dir = std::fs::canonicalize(dir).with_context(|| dir.display().to_string())?;
    Ok(json!({
        "office": setup.office.to_string(),
        "officers": setup.officers.iter().map(|o| json!({
            "person": o.person.to_string(),
            "role": o.role,
            "name": o.name,
            "serial": o.credential.serial,
            "p12": dir.join(&o.credential.file),
            "p12_password": o.credential.password.as_str(),
        })).collect::<Vec<_>>(),
        "client": { "client_id": walked.client_id, "redirect_uri": REDIRECT },
        "citizens": walked.citizens.iter().map(|c| json!({
            "person": c.person.to_string(),
            "account": c.account,
            "user_id": c.user_id,
            "passcode": c.passcode,
            "assurance": c.assurance,
            "key_card": c.key_card.iter().map(|(k, v)| json!({ "key": k, "code": v })).collect::<Vec<_>>(),
            "totp_seed": c.totp_seed,
        })).collect::<Vec<_>>(),
    }))
}
