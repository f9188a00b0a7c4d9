//! The read-only pages: search, a person, a card, reports (docs/design/portal.md §5.2). Each
//! reads through the same functions as the API's read endpoints, with the signed-in officer as
//! the caller, so scope and protected identities (R-ORG-1, R-PER-3) are the API's.
//!
//! | page | route | reads |
//! | --- | --- | --- |
//! | search | `/people?q=&after=` | `ra_api::persons_for` (the API's search and cursor) |
//! | person | `/people/{id}?before_us=&before_chain=&before_seq=` | `ra_api::person_for`, `cards::list_for`, `credentials::list_for`, `puk::list_for`, `ra_api::person_roles_for`, the history |
//! | card | `/cards/{id}` | `cards::get_for`, the holder's credentials and PUK orders |
//! | reports | `/reports`, `/reports/{name}` (+ `.svg`, `.csv`) | `reports::report_for` |
//!
//! A record outside the officer's scope is "not found", exactly as the API answers it. Names
//! come only from the API's answers, which hide a protected person's name from an officer
//! without the protected-identity right (R-PER-3); the page then says "protected identity" in
//! its language, decided from the `protected` flag and the officer's rights as the API decides
//! them. Links to the routines are shown only when the officer holds the permission the API
//! will ask for; the flow's own handler decides again.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fluent_bundle::{FluentArgs, FluentValue};
use serde::Deserialize;
use tillit_core::ra::card::{Card, CardKind, CardStatus, DeregisterReason};
use tillit_core::ra::credential::{CredentialKind, CredentialState, IdBasis};
use tillit_core::ra::person::{EmploymentKind, Person, PROTECTED};
use tillit_core::ra::puk::PukOrder;
use tillit_core::ra::reserve::ReserveCard;
use tillit_core::ra::revocation::Revocation;
use tillit_core::ra::role::{Permission, Role};
use tillit_core::ra::{OrgId, PersonId};
use tillit_server::problem::Problem;
use tillit_server::ra_api::{self, Caller, PersonSearch, PersonView};
use tillit_server::reports::{self, Report, ReportKind, ReportQuery, Rows};
use tillit_server::routines::kinds::Kept as _;
use tillit_server::routines::passkey::OfficerSignature;
use tillit_server::routines::{cards, credentials, puk};
use tillit_server::AppState;
use tillit_store::records::Record;
use time::Date;

use crate::i18n::Lang;
use crate::locale::{self, Currency, Timestamp};
use crate::pages::{Me, Message, Tr};
use crate::session::{self, urlencoding, SignedIn};
use crate::web::{self, Portal};

/// Rows of a search page.
const SEARCH_PAGE: u32 = 25;

/// Entries of a history page.
const HISTORY_PAGE: u32 = 20;

/// The read-only pages' routes.
pub fn routes() -> Router<Portal> {
    Router::new()
        .route("/people", get(search))
        .route("/people/{id}", get(person))
        .route("/cards/{id}", get(card))
        .route("/cards/{id}/receipt", get(receipt))
        .route("/reports", get(report_list))
        .route("/reports/{name}", get(report))
}

// ---- what the pages share -------------------------------------------------------------------

/// Why a page cannot be shown. Small on purpose: the API's problem is boxed.
#[derive(Debug)]
enum Failure {
    /// Absent, or outside the officer's scope (R-ORG-1): the API's 404.
    NotFound,
    /// The officer's roles do not allow it (R-ORG-1, R-PER-3): the API's 403.
    Forbidden,
    /// A parameter the API refused (400, 422).
    Refused(Box<Problem>),
    /// The node's fault: logged, answered 500.
    Internal(String),
}

impl From<Problem> for Failure {
    fn from(p: Problem) -> Self {
        match p.status {
            404 => Failure::NotFound,
            403 => Failure::Forbidden,
            400..=499 => Failure::Refused(Box::new(p)),
            status => Failure::Internal(format!("{status}: {}", p.detail.unwrap_or_default())),
        }
    }
}

impl From<tillit_store::StoreError> for Failure {
    fn from(e: tillit_store::StoreError) -> Self {
        Failure::Internal(e.to_string())
    }
}

/// The page a failure shows.
fn failed(portal: &Portal, lang: Lang, me: Me, failure: Failure) -> Response {
    match failure {
        Failure::NotFound => {
            web::message(portal, lang, Some(me), StatusCode::NOT_FOUND, "not-found-title", "not-found-text")
        }
        Failure::Forbidden => web::message(
            portal,
            lang,
            Some(me),
            StatusCode::FORBIDDEN,
            "read-forbidden-title",
            "read-forbidden-text",
        ),
        Failure::Refused(problem) => {
            let t = web::tr(portal, lang);
            let Problem { rule, detail, .. } = *problem;
            let detail = detail.unwrap_or_default();
            let text = match rule.as_deref() {
                Some(rule) => format!("{}: {detail}", locale::rule_title(&portal.catalog, lang, rule)),
                None => detail,
            };
            let page = Message { title: t.msg("read-refused-title"), text, t, me: Some(me) };
            web::page(StatusCode::UNPROCESSABLE_ENTITY, page.render(), lang, false)
        }
        Failure::Internal(e) => session::internal(e),
    }
}

/// A message with arguments (the translator's `with` takes one string): text, or numbers
/// for Fluent's plural selectors.
fn text_with(portal: &Portal, lang: Lang, id: &str, args: Vec<(&str, FluentValue<'static>)>) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(name.to_string(), value);
    }
    portal.catalog.text(lang, id, Some(&fluent))
}

/// A calendar day as a `<time datetime>` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// `YYYY-MM-DD`, the `datetime` attribute.
    pub iso: String,
    /// The day in the page's language.
    pub text: String,
}

fn day(lang: Lang, date: Date) -> Day {
    Day {
        iso: format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()),
        text: locale::format_date(lang, date),
    }
}

/// A link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where to.
    pub href: String,
    /// Its text.
    pub text: String,
}

/// The first unit of `person`'s employments where the caller reads people: the unit the API
/// judges the person by (`Caller::readable_person`).
fn readable_unit(caller: &Caller, person: &Person) -> Option<OrgId> {
    person
        .employments
        .iter()
        .find(|e| caller.principal.can(&caller.tree, Permission::ReadPeople, e.org))
        .map(|e| e.org)
}

/// Whether the caller sees `person`'s name on their own page (R-PER-3), as the API decides:
/// the protected-identity right on the unit the person is read in.
fn sees_name(caller: &Caller, person: &Person) -> bool {
    !person.protected
        || readable_unit(caller, person)
            .is_some_and(|at| caller.principal.can(&caller.tree, Permission::ProtectedIdentity, at))
}

/// Whether a search shows the caller protected names (R-PER-3), as the API's search decides:
/// the right everywhere the caller reads people.
fn search_sees_protected(caller: &Caller) -> bool {
    let read = caller.principal.scopes(Permission::ReadPeople);
    !read.is_empty()
        && read.iter().all(|s| caller.principal.can(&caller.tree, Permission::ProtectedIdentity, *s))
}

/// Whether the caller holds `permission` on any unit of `person`'s employments.
fn may_on_person(caller: &Caller, person: &Person, permission: Permission) -> bool {
    person.employments.iter().any(|e| caller.principal.can(&caller.tree, permission, e.org))
}

/// Whether the caller reads records of `org` (R-ORG-1: as `record_in_scope`).
fn reads(caller: &Caller, org: Option<OrgId>) -> bool {
    org.is_some_and(|o| caller.principal.can(&caller.tree, Permission::ReadPeople, o))
}

fn unit_name(caller: &Caller, org: OrgId) -> String {
    caller.tree.get(org).map(|o| o.name.clone()).unwrap_or_default()
}

/// The name of a person as the API answered it: the localised "protected identity" when the
/// API hid it from the caller (R-PER-3). The name itself is only ever the API's.
async fn shown_name(app: &AppState, caller: &Caller, t: &Tr, view: &PersonView) -> Result<String, Failure> {
    if !view.protected {
        return Ok(view.name.clone());
    }
    let id: PersonId = view.id.parse().map_err(|_| Failure::NotFound)?;
    let record = app.store.person(id).await?.ok_or(Failure::NotFound)?;
    Ok(if sees_name(caller, &record.person) { view.name.clone() } else { t.msg("read-protected-identity") })
}

fn card_kind_label(t: &Tr, kind: CardKind) -> String {
    t.msg(&format!("read-card-kind-{}", kind.as_str()))
}

fn role_label(t: &Tr, role: &str) -> String {
    match Role::parse(role) {
        Some(r) => t.msg(&format!("read-role-{}", r.as_str())),
        None => role.to_string(),
    }
}

fn end_reason_label(t: &Tr, reason: DeregisterReason) -> String {
    t.msg(&format!("read-end-reason-{}", reason.as_str()))
}

fn basis_label(t: &Tr, basis: IdBasis) -> String {
    t.msg(match basis {
        IdBasis::HsaId => "read-basis-hsa_id",
        IdBasis::NationalId => "read-basis-national_id",
    })
}

fn credential_kind_label(t: &Tr, kind: CredentialKind) -> String {
    t.msg(match kind {
        CredentialKind::CardPair => "read-credential-kind-card_pair",
        CredentialKind::Function => "read-credential-kind-function",
    })
}

/// A credential as the person and card pages list it.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    /// Card pair or function certificate.
    pub kind: String,
    /// HSA-id or national id (R-CRED-5).
    pub basis: String,
    /// Its state, as text.
    pub status: String,
    /// Its last valid day, while it has one.
    pub valid_until: Option<Day>,
    /// The day it was revoked or expired.
    pub ended: Option<Day>,
    /// The card it is on.
    pub card: Option<String>,
}

fn credential_row(t: &Tr, view: &credentials::CredentialView) -> CredentialRow {
    let c = &view.credential;
    let lang = t.lang;
    let (valid_until, ended) = match &c.state {
        CredentialState::OrderBasis { valid_until, .. } => (Some(day(lang, *valid_until)), None),
        CredentialState::Issued { not_after, .. } => (Some(day(lang, *not_after)), None),
        CredentialState::Revoked { on, .. } | CredentialState::Expired { on } => (None, Some(day(lang, *on))),
    };
    CredentialRow {
        kind: credential_kind_label(t, c.kind),
        basis: basis_label(t, c.basis),
        status: t.msg(locale::credential_status_id(c.state.phase())),
        valid_until,
        ended,
        card: c.card.map(|k| k.to_string()),
    }
}

/// A PUK order as the person and card pages list it.
#[derive(Debug, Clone)]
pub struct PukRow {
    /// Where it is, as text.
    pub status: String,
    /// When it was ordered.
    pub ordered: Day,
    /// When the letter was sent.
    pub sent: Option<Day>,
    /// When it was delivered or came back.
    pub closed: Option<Day>,
    /// Its cost.
    pub cost: String,
    /// The card.
    pub card: String,
}

fn puk_row(t: &Tr, order: &PukOrder) -> PukRow {
    let lang = t.lang;
    PukRow {
        status: t.msg(locale::puk_status_id(order.status)),
        ordered: day(lang, order.ordered_on),
        sent: order.sent_on.map(|d| day(lang, d)),
        closed: order.closed_on.map(|d| day(lang, d)),
        cost: locale::format_money(lang, i64::from(order.cost_ore), Currency::Sek),
        card: order.card.to_string(),
    }
}

// ---- search ---------------------------------------------------------------------------------

/// The search's query.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    /// A language the officer chose.
    pub lang: Option<String>,
    /// A name prefix, a national id or an HSA-id.
    pub q: Option<String>,
    /// The API's cursor: the `next` of the previous page.
    pub after: Option<String>,
}

/// A person found.
#[derive(Debug, Clone)]
pub struct SearchRow {
    /// The person's page.
    pub href: String,
    /// The name, or "protected identity" (R-PER-3).
    pub name: String,
    /// The national id in its own country's form.
    pub national_id: String,
    /// Its label when it is not the usual one (a samordningsnummer).
    pub national_id_note: Option<&'static str>,
    /// The HSA-id.
    pub hsa_id: Option<String>,
    /// The units the officer sees the person employed in.
    pub units: String,
}

/// The search page.
#[derive(Debug, Template)]
#[template(path = "read_search.html")]
pub struct SearchPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// What was searched for ("" before a search).
    pub q: String,
    /// Whether a search was made.
    pub searched: bool,
    /// What was wrong with the query.
    pub error: Option<String>,
    /// The API's reason, in English.
    pub reason: Option<String>,
    /// The persons found.
    pub rows: Vec<SearchRow>,
    /// The next page.
    pub next: Option<String>,
    /// Whether this is a later page.
    pub later: bool,
}

async fn search(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Query(query): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = web::language(&portal, query.lang.as_deref(), &headers);
    let t = web::tr(&portal, lang);
    let me = web::me(&portal, lang, &signed_in);
    let q = query.q.as_deref().unwrap_or_default().trim().to_string();
    let mut page = SearchPage {
        t,
        me: Some(me.clone()),
        q: q.clone(),
        searched: false,
        error: None,
        reason: None,
        rows: Vec::new(),
        next: None,
        later: query.after.is_some(),
    };
    if q.is_empty() {
        return web::page(StatusCode::OK, page.render(), lang, keep);
    }
    let caller = &signed_in.caller;
    match search_rows(&portal.app, caller, &page.t, &q, query.after).await {
        Ok((rows, next)) => {
            page.searched = true;
            page.rows = rows;
            page.next = next.map(|n| format!("/people?q={}&after={}", urlencoding(&q), urlencoding(&n)));
            web::page(StatusCode::OK, page.render(), lang, keep)
        }
        Err(Failure::Refused(problem)) => {
            page.error = Some(page.t.msg(match problem.field.as_deref() {
                Some("after") => "read-search-bad-page",
                _ => "read-search-bad-query",
            }));
            page.reason = problem.detail;
            web::page(StatusCode::UNPROCESSABLE_ENTITY, page.render(), lang, keep)
        }
        Err(failure) => failed(&portal, lang, me, failure),
    }
}

/// The rows of a search and the next page's cursor.
async fn search_rows(
    app: &AppState,
    caller: &Caller,
    t: &Tr,
    q: &str,
    after: Option<String>,
) -> Result<(Vec<SearchRow>, Option<String>), Failure> {
    let search = PersonSearch { q: q.to_string(), limit: Some(SEARCH_PAGE), after };
    let found = ra_api::persons_for(app, caller, &search).await?;
    let ids: Vec<PersonId> = found.persons.iter().filter_map(|r| r.id.parse().ok()).collect();
    let records: HashMap<PersonId, Person> =
        app.store.persons_by_ids(&ids).await?.into_iter().map(|r| (r.person.id, r.person)).collect();
    let sees_protected = search_sees_protected(caller);
    let mut rows = Vec::with_capacity(found.persons.len());
    for row in found.persons {
        let Some(person) = row.id.parse().ok().and_then(|id: PersonId| records.get(&id)) else { continue };
        let name =
            if person.protected && !sees_protected { t.msg("read-protected-identity") } else { row.name };
        let mut units: Vec<String> = person
            .employments
            .iter()
            .filter(|e| caller.principal.can(&caller.tree, Permission::ReadPeople, e.org))
            .map(|e| unit_name(caller, e.org))
            .collect();
        units.dedup();
        rows.push(SearchRow {
            href: format!("/people/{}", row.id),
            name,
            national_id: locale::format_national_id(&person.national_id),
            national_id_note: locale::is_samordningsnummer(&person.national_id)
                .then(|| locale::national_id_label(t.lang, person.national_id.kind())),
            hsa_id: row.hsa_id,
            units: units.join(", "),
        });
    }
    Ok((rows, found.next))
}

// ---- a person -------------------------------------------------------------------------------

/// The person page's query: the language, and where the history continues.
#[derive(Debug, Deserialize)]
pub struct PersonQuery {
    /// A language the officer chose.
    pub lang: Option<String>,
    /// The time of the last entry seen.
    pub before_us: Option<String>,
    /// Its chain.
    pub before_chain: Option<String>,
    /// Its position in the chain.
    pub before_seq: Option<String>,
}

impl PersonQuery {
    fn before(&self) -> Option<(i64, &str, i64)> {
        let time = self.before_us.as_deref()?.parse().ok()?;
        let chain = self.before_chain.as_deref().filter(|c| !c.is_empty() && c.len() <= 128)?;
        let seq = self.before_seq.as_deref()?.parse().ok()?;
        Some((time, chain, seq))
    }
}

/// An employment in the officer's scope.
#[derive(Debug, Clone)]
pub struct EmploymentRow {
    /// The unit's name.
    pub unit: String,
    /// Employment or assignment.
    pub kind: String,
    /// Its first day.
    pub start: Day,
    /// Its last day.
    pub end: Option<Day>,
}

/// A card on the person page.
#[derive(Debug, Clone)]
pub struct CardRow {
    /// The card's page.
    pub href: String,
    /// Its type.
    pub kind: String,
    /// Its status, as text.
    pub status: String,
    /// The serial number printed on it.
    pub serial: Option<String>,
    /// When the order basis was made.
    pub created: Option<Day>,
    /// When it was handed out.
    pub handed_out: Option<Day>,
    /// Its last valid day.
    pub valid_until: Option<Day>,
}

/// A reserve card the person holds or held.
#[derive(Debug, Clone)]
pub struct ReserveRow {
    /// The serial number printed on it.
    pub serial: String,
    /// Its status, as text.
    pub status: String,
    /// When it was handed out.
    pub handed_out: Option<Day>,
    /// The last day of its latest credential.
    pub credential_until: Option<Day>,
}

/// A role the person holds.
#[derive(Debug, Clone)]
pub struct RoleView {
    /// The role.
    pub role: String,
    /// The subtree's root.
    pub scope: String,
}

/// An entry of the history.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// When.
    pub time: Timestamp,
    /// What was done.
    pub action: String,
    /// Who did it.
    pub actor: String,
    /// How the officer signed it, if they did.
    pub signed: Option<String>,
}

/// The person page.
#[derive(Debug, Template)]
#[template(path = "read_person.html")]
pub struct PersonPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The name, or "protected identity" (R-PER-3).
    pub heading: String,
    /// What tells a hidden person's page apart in the title: the HSA-id, else the id.
    pub title_tag: Option<String>,
    /// Whether the identity is protected and the officer may see it: said in words.
    pub protected_shown: bool,
    /// The label of the national id.
    pub national_id_label: &'static str,
    /// The national id in its own country's form.
    pub national_id: String,
    /// The label of the HSA-id.
    pub hsa_id_label: &'static str,
    /// The HSA-id.
    pub hsa_id: Option<String>,
    /// The e-mail address, as the API shows it.
    pub email: Option<String>,
    /// Whether the HR record is secured (R-PER-2).
    pub secured: bool,
    /// Why not.
    pub not_secured_because: Option<String>,
    /// When the name was checked against the population register.
    pub name_checked: Option<Day>,
    /// The routines the officer may start.
    pub actions: Vec<Link>,
    /// Employments in the officer's scope.
    pub employments: Vec<EmploymentRow>,
    /// Cards.
    pub cards: Vec<CardRow>,
    /// Credentials.
    pub credentials: Vec<CredentialRow>,
    /// PUK orders.
    pub puk_orders: Vec<PukRow>,
    /// Reserve cards.
    pub reserve_cards: Vec<ReserveRow>,
    /// Roles.
    pub roles: Vec<RoleView>,
    /// The history, newest first.
    pub history: Vec<HistoryRow>,
    /// Whether this is a later page of the history.
    pub history_later: bool,
    /// The next (older) page of the history.
    pub older: Option<String>,
}

async fn person(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PersonQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = web::language(&portal, query.lang.as_deref(), &headers);
    let me = web::me(&portal, lang, &signed_in);
    let t = web::tr(&portal, lang);
    match person_page(&portal, &signed_in.caller, t, me.clone(), &id, &query).await {
        Ok(page) => web::page(StatusCode::OK, page.render(), lang, keep),
        Err(failure) => failed(&portal, lang, me, failure),
    }
}

async fn person_page(
    portal: &Portal,
    caller: &Caller,
    t: Tr,
    me: Me,
    id: &str,
    query: &PersonQuery,
) -> Result<PersonPage, Failure> {
    let app = &portal.app;
    let lang = t.lang;
    let path = format!("/people/{id}");
    let view = ra_api::person_for(app, caller, id, &path).await?;
    let pid: PersonId = view.id.parse().map_err(|_| Failure::NotFound)?;
    let record = app.store.person(pid).await?.ok_or(Failure::NotFound)?;
    let person = &record.person;
    let hidden = view.protected && !sees_name(caller, person);
    let heading = if hidden { t.msg("read-protected-identity") } else { view.name.clone() };

    let cards = cards::list_for(app, caller, id, &path).await?;
    let credentials = credentials::list_for(app, caller, id, &path).await?;
    let puk_orders = puk::list_for(app, caller, id, &path).await?;
    let roles = ra_api::person_roles_for(app, caller, id, &path).await?;
    let reserve: Vec<Record<ReserveCard>> = app
        .store
        .records_of_person::<ReserveCard>(ReserveCard::KIND, pid)
        .await?
        .into_iter()
        .filter(|r| reads(caller, r.org))
        .collect();
    let revocations: Vec<Record<Revocation>> = app
        .store
        .records_of_person::<Revocation>(Revocation::KIND, pid)
        .await?
        .into_iter()
        .filter(|r| reads(caller, r.org))
        .collect();

    // The history of the person and of every record of theirs the officer sees.
    let mut subjects = vec![pid.to_string()];
    subjects.extend(cards.iter().map(|c| c.card.id.to_string()));
    subjects.extend(credentials.iter().map(|c| c.credential.id.to_string()));
    subjects.extend(puk_orders.iter().map(|o| o.order.id.to_string()));
    subjects.extend(revocations.iter().map(|r| r.id.clone()));
    subjects.extend(reserve.iter().map(|r| r.id.clone()));
    let mut entries = app.store.history(&subjects, HISTORY_PAGE + 1, query.before()).await?;
    let more = entries.len() > HISTORY_PAGE as usize;
    entries.truncate(HISTORY_PAGE as usize);
    let older = match entries.last() {
        Some(last) if more => Some(format!(
            "/people/{}?before_us={}&before_chain={}&before_seq={}",
            view.id,
            last.time_us,
            urlencoding(&last.chain),
            last.seq
        )),
        _ => None,
    };
    let mut actors: HashMap<String, String> = HashMap::new();
    let mut history = Vec::with_capacity(entries.len());
    for entry in entries {
        let actor = match actors.get(&entry.actor) {
            Some(name) => name.clone(),
            None => {
                let name = actor_name(app, caller, &t, &entry.actor).await?;
                actors.insert(entry.actor.clone(), name.clone());
                name
            }
        };
        let signed = entry.actor_signature.as_deref().map(|bytes| {
            t.msg(match OfficerSignature::from_bytes(bytes) {
                Ok(OfficerSignature::Passkey(_)) => "read-signed-passkey",
                Ok(OfficerSignature::Certificate(_)) => "read-signed-certificate",
                Err(_) => "read-signed-unknown",
            })
        });
        history.push(HistoryRow {
            time: locale::format_timestamp(lang, entry.time_us),
            action: locale::action_label(&portal.catalog, lang, &entry.action),
            actor,
            signed,
        });
    }

    let mut actions = Vec::new();
    for (permissions, href, text) in [
        (&[Permission::OrderCards][..], format!("/people/{pid}/cards/new"), "read-action-order-card"),
        (
            &[Permission::Revoke, Permission::RequestRevocation][..],
            format!("/revocations/new?person={pid}"),
            "read-action-revocation",
        ),
        (&[Permission::GrantRoles][..], format!("/people/{pid}/roles"), "read-action-roles"),
        (
            &[Permission::OrderCredentials][..],
            format!("/people/{pid}/function-credentials/new"),
            "read-action-function-credential",
        ),
    ] {
        if permissions.iter().any(|p| may_on_person(caller, person, *p)) {
            actions.push(Link { href, text: t.msg(text) });
        }
    }

    let employments = person
        .employments
        .iter()
        .filter(|e| caller.principal.can(&caller.tree, Permission::ReadPeople, e.org))
        .map(|e| EmploymentRow {
            unit: unit_name(caller, e.org),
            kind: t.msg(match e.kind {
                EmploymentKind::Employment => "read-employment-kind-employment",
                EmploymentKind::Assignment => "read-employment-kind-assignment",
            }),
            start: day(lang, e.start),
            end: e.end.map(|d| day(lang, d)),
        })
        .collect();
    let cards = cards
        .iter()
        .map(|c| CardRow {
            href: format!("/cards/{}", c.card.id),
            kind: card_kind_label(&t, c.card.kind),
            status: t.msg(locale::card_status_id(c.card.status)),
            serial: c.card.serial.clone(),
            created: c.card.dates.order_basis.map(|d| day(lang, d)),
            handed_out: c.card.dates.handed_out.map(|d| day(lang, d)),
            valid_until: c.card.valid_until.map(|d| day(lang, d)),
        })
        .collect();
    let reserve_cards = reserve
        .iter()
        .map(|r| ReserveRow {
            serial: r.state.serial.to_string(),
            status: t.msg(locale::reserve_status_id(r.state.status)),
            handed_out: r.state.handed_out.map(|d| day(lang, d)),
            credential_until: r.state.credential_until.map(|d| day(lang, d)),
        })
        .collect();
    Ok(PersonPage {
        title_tag: hidden.then(|| view.hsa_id.clone().unwrap_or_else(|| view.id.clone())),
        heading,
        protected_shown: view.protected && !hidden,
        national_id_label: locale::national_id_label(lang, person.national_id.kind()),
        national_id: locale::format_national_id(&person.national_id),
        hsa_id_label: locale::hsa_id_label(lang),
        hsa_id: view.hsa_id.clone(),
        email: view.email.clone(),
        secured: view.secured,
        not_secured_because: view.not_secured_because.clone(),
        name_checked: person.name_checked.map(|d| day(lang, d)),
        actions,
        employments,
        cards,
        credentials: credentials.iter().map(|c| credential_row(&t, c)).collect(),
        puk_orders: puk_orders.iter().map(|o| puk_row(&t, &o.order)).collect(),
        reserve_cards,
        roles: roles
            .into_iter()
            .map(|r| RoleView { role: role_label(&t, &r.role), scope: r.scope_name })
            .collect(),
        history,
        history_later: query.before().is_some(),
        older,
        t,
        me: Some(me),
    })
}

/// Who acted, in words: an officer by name when the caller may read them (R-ORG-1) and see
/// their name (R-PER-3), otherwise "an officer"; the node, the holder and the others by role.
async fn actor_name(app: &AppState, caller: &Caller, t: &Tr, actor: &str) -> Result<String, Failure> {
    let id = match actor.split_once(':') {
        Some(("officer", id)) => id,
        Some(("system", _)) => return Ok(t.msg("read-actor-system")),
        Some(("holder", _)) => return Ok(t.msg("read-actor-holder")),
        Some(("responsible", _)) => return Ok(t.msg("read-actor-responsible")),
        Some(("operator", _)) => return Ok(t.msg("read-actor-operator")),
        _ => return Ok(t.msg("read-actor-other")),
    };
    let Ok(id) = id.parse::<PersonId>() else { return Ok(t.msg("read-actor-officer")) };
    let name = match app.store.person(id).await? {
        Some(r)
            if r.removed_us.is_none()
                && readable_unit(caller, &r.person).is_some()
                && sees_name(caller, &r.person) =>
        {
            r.person.display_name(true)
        }
        _ => t.msg("read-actor-officer"),
    };
    Ok(name)
}

// ---- a card ---------------------------------------------------------------------------------

/// A query with only the language.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    /// A language the officer chose.
    pub lang: Option<String>,
}

/// A labelled value of a record.
#[derive(Debug, Clone)]
pub struct Fact {
    /// The label.
    pub label: String,
    /// The value as text.
    pub text: String,
    /// The day, when the value is one (`<time datetime>`).
    pub day: Option<Day>,
}

impl Fact {
    fn text(label: String, text: String) -> Fact {
        Fact { label, text, day: None }
    }

    fn day(label: String, day: Day) -> Fact {
        Fact { label, text: day.text.clone(), day: Some(day) }
    }
}

/// The card page.
#[derive(Debug, Template)]
#[template(path = "read_card.html")]
pub struct CardPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The card in the title and heading: its type and serial number (or id).
    pub record: String,
    /// Its type.
    pub kind: String,
    /// Its status, as text.
    pub status: String,
    /// The holder, when the officer may read them.
    pub holder: Option<Link>,
    /// Serial, validity, references.
    pub facts: Vec<Fact>,
    /// The day of each step of its lifecycle.
    pub dates: Vec<Fact>,
    /// The actions its state allows the officer.
    pub actions: Vec<Link>,
    /// Its credentials.
    pub credentials: Vec<CredentialRow>,
    /// Its PUK orders.
    pub puk_orders: Vec<PukRow>,
}

async fn card(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = web::language(&portal, query.lang.as_deref(), &headers);
    let me = web::me(&portal, lang, &signed_in);
    let t = web::tr(&portal, lang);
    match card_page(&portal, &signed_in.caller, t, me.clone(), &id).await {
        Ok(page) => web::page(StatusCode::OK, page.render(), lang, keep),
        Err(failure) => failed(&portal, lang, me, failure),
    }
}

/// The routines a card's status allows, each with the permission the API asks for
/// (R-CARD-3, R-CARD-5): `(path after /cards/{id}, or an absolute path; permission; label)`.
fn card_actions(status: CardStatus) -> &'static [(&'static str, Permission, &'static str)] {
    use Permission::{HandleCards, OrderCards, OrderCredentials, OrderPuk};
    match status {
        CardStatus::OrderBasis => &[("/order", OrderCards, "read-card-action-order")],
        CardStatus::Ordered => &[("/batches/new", OrderCards, "read-card-action-batch")],
        CardStatus::Sent => &[("/delivery", HandleCards, "read-card-action-delivery")],
        CardStatus::Delivered => &[("/hand-out", HandleCards, "read-card-action-hand-out")],
        CardStatus::HandedOut | CardStatus::InUse => &[
            ("/credentials/new", OrderCredentials, "read-card-action-credential"),
            ("/puk-orders/new", OrderPuk, "read-card-action-puk"),
            ("/deregistration", HandleCards, "read-card-action-deregistration"),
            ("/claim", HandleCards, "read-card-action-claim"),
            ("/return", HandleCards, "read-card-action-return"),
            ("/move", HandleCards, "read-card-action-move"),
        ],
        CardStatus::Returned | CardStatus::Deregistered => {
            &[("/destruction", HandleCards, "read-card-action-destruction")]
        }
        CardStatus::Claimed | CardStatus::Destroyed => &[],
    }
}

async fn card_page(portal: &Portal, caller: &Caller, t: Tr, me: Me, id: &str) -> Result<CardPage, Failure> {
    let app = &portal.app;
    let lang = t.lang;
    let path = format!("/cards/{id}");
    let view = cards::get_for(app, caller, id, &path).await?;
    let card: &Card = &view.card;
    let holder_id = card.person.to_string();
    let holder_path = format!("/people/{holder_id}");
    // The holder may be out of the officer's sight while the card is not (a card of their unit
    // whose holder moved on): then the page names no one, as the API would not.
    let (holder, credentials, puk_orders) = match ra_api::person_for(app, caller, &holder_id, &holder_path)
        .await
    {
        Ok(person) => {
            let name = shown_name(app, caller, &t, &person).await?;
            let credentials = credentials::list_for(app, caller, &holder_id, &holder_path).await?;
            let orders = puk::list_for(app, caller, &holder_id, &holder_path).await?;
            (
                Some(Link { href: holder_path.clone(), text: name }),
                credentials
                    .iter()
                    .filter(|c| c.credential.card == Some(card.id))
                    .map(|c| credential_row(&t, c))
                    .collect(),
                orders.iter().filter(|o| o.order.card == card.id).map(|o| puk_row(&t, &o.order)).collect(),
            )
        }
        Err(p) if p.status == 404 || p.status == 403 => (None, Vec::new(), Vec::new()),
        Err(p) => return Err(p.into()),
    };
    let kind = card_kind_label(&t, card.kind);
    let record = match &card.serial {
        Some(serial) => format!("{kind} {serial}"),
        None => format!("{kind} {}", card.id),
    };
    let mut facts = vec![Fact::text(t.msg("read-card-id"), card.id.to_string())];
    if let Some(serial) = &card.serial {
        facts.push(Fact::text(t.msg("read-card-serial"), serial.clone()));
    }
    facts.push(Fact::text(t.msg("read-unit"), unit_name(caller, card.org)));
    if let Some(until) = card.valid_until {
        facts.push(Fact::day(t.msg("read-card-valid-until"), day(lang, until)));
    }
    if card.status == CardStatus::Delivered {
        if let Some(by) = card.collect_by(&app.policy) {
            facts.push(Fact::day(t.msg("read-card-collect-by"), day(lang, by)));
        }
    }
    if let Some(reason) = card.end_reason {
        facts.push(Fact::text(t.msg("read-card-end-reason"), end_reason_label(&t, reason)));
    }
    if let Some(receipt) = &card.receipt {
        facts.push(Fact::text(t.msg("read-card-receipt"), receipt.clone()));
    }
    for claim in &card.claims {
        facts.push(Fact::day(t.msg("read-card-claimed"), day(lang, claim.on)));
    }
    let d = &card.dates;
    let dates = [
        ("read-card-date-order_basis", d.order_basis),
        ("read-card-date-ordered", d.ordered),
        ("read-card-date-sent", d.sent),
        ("read-card-date-delivered", d.delivered),
        ("read-card-date-handed_out", d.handed_out),
        ("read-card-date-in_use", d.in_use),
        ("read-card-date-claimed", d.claimed),
        ("read-card-date-ended", d.ended),
        ("read-card-date-destroyed", d.destroyed),
    ]
    .into_iter()
    .filter_map(|(label, date)| date.map(|date| Fact::day(t.msg(label), day(lang, date))))
    .collect();
    let mut actions: Vec<Link> = card_actions(card.status)
        .iter()
        .filter(|(_, permission, _)| caller.principal.can(&caller.tree, *permission, card.org))
        .map(|(to, _, label)| Link {
            href: if to.starts_with("/batches") { to.to_string() } else { format!("/cards/{}{to}", card.id) },
            text: t.msg(label),
        })
        .collect();
    // The receipt to print is the hand-out officer's: with the right to hand cards out.
    if card.receipt.is_some()
        && holder.is_some()
        && caller.principal.can(&caller.tree, Permission::HandleCards, card.org)
    {
        actions.push(Link { href: format!("/cards/{}/receipt", card.id), text: t.msg("read-receipt-print") });
    }
    Ok(CardPage {
        record,
        kind,
        status: t.msg(locale::card_status_id(card.status)),
        holder,
        facts,
        dates,
        actions,
        credentials,
        puk_orders,
        t,
        me: Some(me),
    })
}

// ---- the hand-out receipt -------------------------------------------------------------------

/// The receipt of a handed-out card, to print and sign at the desk (R-AUD-3).
#[derive(Debug, Template)]
#[template(path = "read_receipt.html")]
pub struct ReceiptPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The card: its type and serial number.
    pub record: String,
    /// The holder's name (or "protected identity" without the right to see it).
    pub holder: String,
    /// The holder's national id, in its own country's form, when the officer may see it.
    pub national_id: Option<(String, String)>,
    /// The unit.
    pub unit: String,
    /// The day the card was handed out.
    pub handed_out: Option<Day>,
    /// The receipt's reference.
    pub reference: String,
    /// The card page.
    pub card_href: String,
}

async fn receipt(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = web::language(&portal, query.lang.as_deref(), &headers);
    let me = web::me(&portal, lang, &signed_in);
    let t = web::tr(&portal, lang);
    match receipt_page(&portal, &signed_in.caller, t, me.clone(), &id).await {
        Ok(page) => web::page(StatusCode::OK, page.render(), lang, keep),
        Err(failure) => failed(&portal, lang, me, failure),
    }
}

async fn receipt_page(
    portal: &Portal,
    caller: &Caller,
    t: Tr,
    me: Me,
    id: &str,
) -> Result<ReceiptPage, Failure> {
    let app = &portal.app;
    let view = cards::get_for(app, caller, id, &format!("/cards/{id}/receipt")).await?;
    let card: &Card = &view.card;
    // Only a card handed out has a receipt; the holder must be in the officer's sight.
    let reference = card.receipt.clone().ok_or(Failure::NotFound)?;
    let holder_id = card.person.to_string();
    let person = ra_api::person_for(app, caller, &holder_id, &format!("/people/{holder_id}")).await?;
    let holder = shown_name(app, caller, &t, &person).await?;
    let record = app.store.person(card.person).await?.ok_or(Failure::NotFound)?;
    let national_id = sees_name(caller, &record.person).then(|| {
        (
            locale::national_id_label(t.lang, record.person.national_id.kind()).to_string(),
            locale::format_national_id(&record.person.national_id),
        )
    });
    let kind = card_kind_label(&t, card.kind);
    Ok(ReceiptPage {
        record: match &card.serial {
            Some(serial) => format!("{kind} {serial}"),
            None => kind,
        },
        holder,
        national_id,
        unit: unit_name(caller, card.org),
        handed_out: card.dates.handed_out.map(|d| day(t.lang, d)),
        reference,
        card_href: format!("/cards/{}", card.id),
        t,
        me: Some(me),
    })
}

// ---- reports --------------------------------------------------------------------------------

/// A report in the list.
#[derive(Debug, Clone)]
pub struct ReportItem {
    /// Its page.
    pub href: String,
    /// Its title.
    pub title: String,
    /// The rule it serves.
    pub rule: &'static str,
    /// The rule's title.
    pub rule_title: String,
}

/// The list of reports.
#[derive(Debug, Template)]
#[template(path = "read_reports.html")]
pub struct ReportsPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The reports, when the officer may read them.
    pub reports: Vec<ReportItem>,
}

fn report_title(t: &Tr, kind: ReportKind) -> String {
    t.msg(&format!("read-report-{}", kind.as_str()))
}

async fn report_list(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = web::language(&portal, query.lang.as_deref(), &headers);
    let t = web::tr(&portal, lang);
    let me = web::me(&portal, lang, &signed_in);
    let reports = if signed_in.caller.principal.has_anywhere(Permission::Reports) {
        ReportKind::ALL
            .into_iter()
            .map(|kind| ReportItem {
                href: format!("/reports/{}", kind.as_str()),
                title: report_title(&t, kind),
                rule: kind.rule(),
                rule_title: locale::rule_title(&portal.catalog, lang, kind.rule()),
            })
            .collect()
    } else {
        Vec::new()
    };
    web::page(StatusCode::OK, ReportsPage { t, me: Some(me), reports }.render(), lang, keep)
}

/// A report page's query: the API's parameters (empty fields are absent).
#[derive(Debug, Deserialize)]
pub struct ReportPageQuery {
    /// A language the officer chose.
    pub lang: Option<String>,
    /// The first day.
    pub from: Option<String>,
    /// The last day, or the day the report is as of.
    pub to: Option<String>,
    /// A unit to narrow the report to.
    pub org: Option<String>,
}

impl ReportPageQuery {
    fn api(&self) -> ReportQuery {
        let given =
            |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        ReportQuery { format: None, from: given(&self.from), to: given(&self.to), org: given(&self.org) }
    }
}

/// A unit the report may be narrowed to.
#[derive(Debug, Clone)]
pub struct UnitChoice {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// A cell of a report table.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// A link.
    pub href: Option<String>,
    /// The day, when the cell is one.
    pub day: Option<String>,
    /// The language of the text when it is not the page's (the API's English details).
    pub lang: Option<&'static str>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), ..Cell::default() }
    }

    fn link(text: impl Into<String>, href: String) -> Cell {
        Cell { text: text.into(), href: Some(href), ..Cell::default() }
    }

    /// A `YYYY-MM-DD` from a report, in the page's language.
    fn date(lang: Lang, iso: &str) -> Cell {
        match reports::parse_date(iso) {
            Some(d) => {
                Cell { text: locale::format_date(lang, d), day: Some(iso.to_string()), ..Cell::default() }
            }
            None => Cell::text(iso),
        }
    }
}

/// A report as a table.
#[derive(Debug, Clone)]
pub struct Table {
    /// The column headings.
    pub columns: Vec<String>,
    /// The rows; the first cell of each is its heading.
    pub rows: Vec<Vec<Cell>>,
}

/// What was wrong with a report's parameters.
#[derive(Debug, Clone)]
pub struct FormError {
    /// The field (`from`, `to`, `org`), when the API named one.
    pub field: Option<String>,
    /// The rule's title, when a rule refused it.
    pub rule: Option<String>,
    /// The API's reason, in English.
    pub reason: String,
}

/// A report page.
#[derive(Debug, Template)]
#[template(path = "read_report.html")]
pub struct ReportPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The report's name in the path.
    pub name: &'static str,
    /// Its title.
    pub title: String,
    /// The rule it serves.
    pub rule: &'static str,
    /// The rule's title.
    pub rule_title: String,
    /// Whether the form asks for a first day.
    pub asks_from: bool,
    /// Whether the form asks for a last day (or the day it is as of).
    pub asks_to: bool,
    /// The label of the last day's field.
    pub to_label: String,
    /// The first day given.
    pub from: String,
    /// The last day given.
    pub to: String,
    /// The units it may be narrowed to.
    pub units: Vec<UnitChoice>,
    /// What was wrong.
    pub error: Option<FormError>,
    /// The period the report covers, in words.
    pub period: String,
    /// The table.
    pub table: Option<Table>,
    /// The table's caption.
    pub caption: String,
    /// The chart's address.
    pub chart: String,
    /// The chart's text alternative.
    pub chart_alt: String,
    /// The CSV's address.
    pub csv: String,
}

impl ReportPage {
    /// Whether `field` is the one the API refused.
    pub fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field.as_deref()) == Some(field)
    }
}

async fn report(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(name): Path<String>,
    Query(query): Query<ReportPageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = web::language(&portal, query.lang.as_deref(), &headers);
    let me = web::me(&portal, lang, &signed_in);
    let (base, format) = match (name.strip_suffix(".svg"), name.strip_suffix(".csv")) {
        (Some(base), _) => (base, Some(reports::Format::Svg)),
        (_, Some(base)) => (base, Some(reports::Format::Csv)),
        _ => (name.as_str(), None),
    };
    let Some(kind) = ReportKind::parse(base) else { return failed(&portal, lang, me, Failure::NotFound) };
    let api_query = query.api();
    let caller = &signed_in.caller;
    let made = reports::report_for(&portal.app, caller, kind.as_str(), &api_query).await;
    match (format, made) {
        (Some(format), Ok(report)) => file(&report, format, lang),
        (_, Err(p)) if format.is_none() && matches!(p.status, 400 | 422) => {
            let t = web::tr(&portal, lang);
            let error = FormError {
                rule: p.rule.as_deref().map(|r| locale::rule_title(&portal.catalog, lang, r)),
                field: p.field.clone(),
                reason: p.detail.clone().unwrap_or_default(),
            };
            let page = report_page(&portal, caller, t, me, kind, &query, &api_query, None, Some(error));
            web::page(StatusCode::UNPROCESSABLE_ENTITY, page.render(), lang, keep)
        }
        (_, Err(p)) => failed(&portal, lang, me, p.into()),
        (None, Ok(report)) => {
            let t = web::tr(&portal, lang);
            let page = report_page(&portal, caller, t, me, kind, &query, &api_query, Some(&report), None);
            web::page(StatusCode::OK, page.render(), lang, keep)
        }
    }
}

/// The chart (SVG, for `<img>`) or the CSV of a report, with the portal's headers.
fn file(report: &Report, format: reports::Format, lang: Lang) -> Response {
    let body = match format {
        reports::Format::Csv => match report.csv() {
            Ok(bytes) => bytes,
            Err(e) => return session::internal(e),
        },
        _ => report.svg().into_bytes(),
    };
    let mut response = (StatusCode::OK, body).into_response();
    web::headers(&mut response, lang, false);
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if format == reports::Format::Csv {
        let made = day(lang, report.made_on).iso;
        let disposition = format!("attachment; filename=\"tillit-{}-{made}.csv\"", report.report.as_str());
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            h.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response
}

/// The query string of a report's chart and CSV: the parameters given.
fn report_query_string(query: &ReportQuery) -> String {
    let parts: Vec<String> = [("from", &query.from), ("to", &query.to), ("org", &query.org)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", urlencoding(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[allow(clippy::too_many_arguments)]
fn report_page(
    portal: &Portal,
    caller: &Caller,
    t: Tr,
    me: Me,
    kind: ReportKind,
    given: &ReportPageQuery,
    query: &ReportQuery,
    report: Option<&Report>,
    mut error: Option<FormError>,
) -> ReportPage {
    let lang = t.lang;
    let title = report_title(&t, kind);
    let chosen = query.org.as_deref();
    let units = ra_api::orgs_for(caller)
        .into_iter()
        .filter(|o| {
            o.id.parse::<OrgId>().is_ok_and(|id| caller.principal.can(&caller.tree, Permission::Reports, id))
        })
        .map(|o| UnitChoice {
            selected: chosen == Some(o.id.as_str()) || (chosen.is_some() && chosen == o.hr_code.as_deref()),
            id: o.id,
            name: o.name,
        })
        .collect();
    let (asks_from, asks_to) = match kind {
        ReportKind::Expiring | ReportKind::PukCosts => (true, true),
        ReportKind::Reconciliation | ReportKind::Limbo | ReportKind::NameMismatch => (false, true),
        ReportKind::Stock => (false, false),
    };
    // A refused field the form does not show (a day given in the address) is named in words
    // only: there is no field to go to.
    if let Some(e) = error.as_mut() {
        let shown = match e.field.as_deref() {
            Some("from") => asks_from,
            Some("to") => asks_to,
            Some("org") => true,
            _ => false,
        };
        if !shown {
            e.field = None;
        }
    }
    let period = match report {
        Some(r) => match (r.from, r.to) {
            (Some(from), Some(to)) => text_with(
                portal,
                lang,
                "read-report-period",
                vec![
                    ("from", locale::format_date(lang, from).into()),
                    ("to", locale::format_date(lang, to).into()),
                ],
            ),
            (None, Some(to)) => t.with("read-report-as-of", "day", &locale::format_date(lang, to)),
            _ => t.with("read-report-now", "day", &locale::format_date(lang, r.made_on)),
        },
        None => String::new(),
    };
    let (table, summary) = match report {
        Some(r) => {
            let (table, summary) = report_table(&t, r);
            (Some(table), summary)
        }
        None => (None, String::new()),
    };
    let rows = table.as_ref().map(|t| t.rows.len()).unwrap_or_default();
    let caption = text_with(
        portal,
        lang,
        "read-report-caption",
        vec![
            ("title", title.clone().into()),
            ("period", period.clone().into()),
            ("rows", locale::format_integer(lang, i64::try_from(rows).unwrap_or(i64::MAX)).into()),
            ("count", FluentValue::from(rows)),
        ],
    );
    let chart_alt = text_with(
        portal,
        lang,
        "read-chart-alt",
        vec![("title", title.clone().into()), ("summary", summary.into())],
    );
    let query_string = report_query_string(query);
    ReportPage {
        name: kind.as_str(),
        title,
        rule: kind.rule(),
        rule_title: locale::rule_title(&portal.catalog, lang, kind.rule()),
        asks_from,
        asks_to,
        to_label: t.msg(if asks_from { "read-report-to" } else { "read-report-as-of-day" }),
        from: given.from.clone().unwrap_or_default(),
        to: given.to.clone().unwrap_or_default(),
        units,
        error,
        period,
        table,
        caption,
        chart: format!("/reports/{}.svg{query_string}", kind.as_str()),
        chart_alt,
        csv: format!("/reports/{}.csv{query_string}", kind.as_str()),
        t,
        me: Some(me),
    }
}

/// A name from a report: the API put its English placeholder where the name is hidden from
/// the viewer (R-PER-3); the page says it in its own language.
fn report_name(t: &Tr, name: &str) -> String {
    if name == PROTECTED {
        t.msg("read-protected-identity")
    } else if name.is_empty() {
        t.msg("read-not-in-directory")
    } else {
        name.to_string()
    }
}

fn unit_cell(t: &Tr, name: &str) -> Cell {
    Cell::text(if name.is_empty() { t.msg("read-no-unit") } else { name.to_string() })
}

fn card_cell(t: &Tr, card: &str) -> Cell {
    if card.is_empty() {
        Cell::text(t.msg("read-none"))
    } else {
        Cell::link(t.msg("read-card-open"), format!("/cards/{card}"))
    }
}

fn integer(lang: Lang, n: u64) -> String {
    locale::format_integer(lang, i64::try_from(n).unwrap_or(i64::MAX))
}

/// The table of a report, and a summary of its chart's bars for the `<img>`'s `alt`.
fn report_table(t: &Tr, report: &Report) -> (Table, String) {
    let lang = t.lang;
    let col = |ids: &[&str]| ids.iter().map(|id| t.msg(id)).collect::<Vec<_>>();
    let mut bars: BTreeMap<String, u64> = BTreeMap::new();
    let mut listed: Vec<String> = Vec::new();
    let (columns, rows) = match &report.rows {
        Rows::Reconciliation(rows) => (
            col(&[
                "read-col-holder",
                "read-col-card",
                "read-col-unit",
                "read-col-problem",
                "read-col-detail",
            ]),
            rows.iter()
                .map(|r| {
                    let problem = t.msg(&format!("read-problem-{}", r.problem));
                    *bars.entry(problem.clone()).or_default() += 1;
                    let kind = CardKind::parse(&r.card_kind)
                        .map(|k| card_kind_label(t, k))
                        .unwrap_or_else(|| r.card_kind.clone());
                    vec![
                        Cell::link(report_name(t, &r.name), format!("/people/{}", r.person)),
                        Cell::link(kind, format!("/cards/{}", r.card)),
                        unit_cell(t, &r.unit_name),
                        Cell::text(problem),
                        Cell { lang: Some("en"), ..Cell::text(r.detail.clone()) },
                    ]
                })
                .collect::<Vec<_>>(),
        ),
        Rows::Expiring(rows) => (
            col(&[
                "read-col-holder",
                "read-col-hsa-id",
                "read-col-unit",
                "read-col-card",
                "read-col-basis",
                "read-col-valid-until",
                "read-col-days-left",
            ]),
            rows.iter()
                .map(|r| {
                    *bars.entry(r.not_after.get(..7).unwrap_or_default().to_string()).or_default() += 1;
                    let basis = match r.basis.as_str() {
                        "hsa_id" => basis_label(t, IdBasis::HsaId),
                        "national_id" => basis_label(t, IdBasis::NationalId),
                        other => other.to_string(),
                    };
                    vec![
                        Cell::link(report_name(t, &r.name), format!("/people/{}", r.person)),
                        Cell::text(r.hsa_id.clone()),
                        unit_cell(t, &r.unit_name),
                        card_cell(t, &r.card),
                        Cell::text(basis),
                        Cell::date(lang, &r.not_after),
                        Cell::text(locale::format_integer(lang, r.days_left)),
                    ]
                })
                .collect(),
        ),
        Rows::Limbo(rows) => (
            col(&[
                "read-col-holder",
                "read-col-unit",
                "read-col-card",
                "read-col-valid-until",
                "read-col-removed-on",
            ]),
            rows.iter()
                .map(|r| {
                    *bars.entry(report_unit(t, &r.unit_name)).or_default() += 1;
                    vec![
                        // The holder was removed from the directory: there is no page to go to.
                        Cell::text(report_name(t, &r.name)),
                        unit_cell(t, &r.unit_name),
                        card_cell(t, &r.card),
                        Cell::date(lang, &r.not_after),
                        Cell::date(lang, &r.removed_on),
                    ]
                })
                .collect(),
        ),
        Rows::NameMismatch(rows) => (
            col(&[
                "read-col-holder",
                "read-col-unit",
                "read-col-card",
                "read-col-certificate-name",
                "read-col-options",
            ]),
            rows.iter()
                .map(|r| {
                    *bars.entry(report_unit(t, &r.unit_name)).or_default() += 1;
                    let options: Vec<String> = r
                        .options
                        .split(';')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(|o| t.msg(&format!("read-mismatch-{o}")))
                        .collect();
                    vec![
                        Cell::link(report_name(t, &r.directory_name), format!("/people/{}", r.person)),
                        unit_cell(t, &r.unit_name),
                        card_cell(t, &r.card),
                        Cell::text(report_name(t, &r.certificate_name)),
                        Cell::text(options.join("; ")),
                    ]
                })
                .collect(),
        ),
        Rows::Stock(rows) => (
            col(&[
                "read-col-unit",
                "read-col-in-stock",
                "read-col-on-order",
                "read-col-threshold",
                "read-col-stock",
            ]),
            rows.iter()
                .map(|r| {
                    listed.push(format!("{}: {}", report_unit(t, &r.unit_name), integer(lang, r.in_stock)));
                    vec![
                        unit_cell(t, &r.unit_name),
                        Cell::text(integer(lang, r.in_stock)),
                        Cell::text(integer(lang, r.on_order)),
                        Cell::text(integer(lang, u64::from(r.threshold))),
                        Cell::text(t.msg(if r.low { "read-stock-low" } else { "read-stock-enough" })),
                    ]
                })
                .collect(),
        ),
        Rows::PukCosts(rows) => (
            col(&["read-col-unit", "read-col-orders", "read-col-cost"]),
            rows.iter()
                .map(|r| {
                    let cost = locale::format_money(
                        lang,
                        i64::try_from(r.total_ore).unwrap_or(i64::MAX),
                        Currency::Sek,
                    );
                    listed.push(format!("{}: {cost}", report_unit(t, &r.unit_name)));
                    vec![
                        unit_cell(t, &r.unit_name),
                        Cell::text(integer(lang, u64::from(r.orders))),
                        Cell::text(cost),
                    ]
                })
                .collect(),
        ),
    };
    listed.extend(bars.into_iter().map(|(label, n)| format!("{label}: {}", integer(lang, n))));
    let summary = if listed.is_empty() { t.msg("read-chart-empty") } else { listed.join("; ") };
    (Table { columns, rows }, summary)
}

fn report_unit(t: &Tr, name: &str) -> String {
    if name.is_empty() {
        t.msg("read-no-unit")
    } else {
        name.to_string()
    }
}
