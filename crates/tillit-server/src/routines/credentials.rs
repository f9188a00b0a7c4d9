//! Credentials (R-CRED-1..5): the officer's order basis with its one-time download code, and
//! the holder's self-service download, where the card's two keys are certified by the CA
//! (authentication and signing, R-CRED-1) after the credential they supersede is revoked
//! (R-CRED-3). The certificates, the credential, the card's first use and the audit entries
//! are written in one transaction.
//!
//! A credential is ordered for a regular card or for a reserve card handed out to its holder
//! (R-RES-2): on a reserve card it ends at the latest on the day the hand-out or reuse
//! recorded, at most `reserve_credential_max_days` after it (R-CRED-2), and the holder signs
//! the receipt electronically at the download (R-CRED-4).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tillit_core::audit::Actor;
use tillit_core::ra::card::{self, Card, CardKind, CardStatus};
use tillit_core::ra::credential::{
    self, CardContext, CardFacts, Certificates, Credential, IdBasis, Issue, OrderCredential, Serial,
};
use tillit_core::ra::policy::Policy;
use tillit_core::ra::reserve::{self, ReserveCard, ReserveStatus};
use tillit_core::ra::revocation::ReasonCode;
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{CardId, CredentialId, OrgId, PersonId};
use tillit_pki::crl::Reason;
use tillit_pki::issue::Template;
use tillit_pki::profile::SubjectField;
use tillit_store::records::Record;
use tillit_store::Tx;
use utoipa::ToSchema;

use super::action::{self, Acting, Signed};
use super::kinds::Kept;
use super::{chain_of, credentials_of, person_of, record_in_scope, save, today};
use crate::ca::Authority;
use crate::problem::Problem;
use crate::ra_api::Caller;
use crate::tls::ClientCert;
use crate::AppState;

/// Days a download code works (R-CRED-4: the holder downloads soon after the order).
pub const DOWNLOAD_CODE_DAYS: u32 = 14;

/// The credential facts of a regular card (R-CRED-2, R-CRED-4).
pub fn card_facts(card: &Card) -> CardFacts {
    let active = matches!(card.status, CardStatus::HandedOut | CardStatus::InUse);
    CardFacts {
        id: card.id,
        holder: (active || card.dates.handed_out.is_some()).then_some(card.person),
        kind_is_reserve: false,
        sis: card.kind == CardKind::Sis,
        valid_until: card.valid_until.unwrap_or(time::Date::MIN),
        active,
    }
}

/// The credential facts of a reserve card (R-CRED-2, R-CRED-4, R-RES-2, R-RES-3): in use
/// while handed out, only ever its first holder's, and valid until the day its hand-out or
/// latest reuse recorded for the credential, which is never more than
/// `reserve_credential_max_days` after that visit ([`reserve::max_credential_end`]).
pub fn reserve_facts(card: &ReserveCard, policy: &Policy) -> CardFacts {
    let valid_until = match (card.last_issued, card.credential_until) {
        (Some(on), Some(until)) => until.min(reserve::max_credential_end(on, policy)),
        _ => time::Date::MIN,
    };
    CardFacts {
        id: card.id,
        holder: card.holder,
        kind_is_reserve: true,
        sis: false,
        valid_until,
        active: card.status == ReserveStatus::HandedOut,
    }
}

/// A card a credential is ordered for or downloaded to.
enum Target {
    /// A SIS, OSIS or company card.
    Regular(Record<Card>),
    /// A reserve card.
    Reserve(Record<ReserveCard>),
}

impl Target {
    /// The card by its id: a regular card, else a reserve card.
    async fn find(state: &AppState, id: CardId) -> Result<Option<Target>, Problem> {
        if let Some(card) = state.store.record::<Card>(Card::KIND, &id.to_string()).await? {
            return Ok(Some(Target::Regular(card)));
        }
        Ok(state.store.record::<ReserveCard>(ReserveCard::KIND, &id.to_string()).await?.map(Target::Reserve))
    }

    /// The card in the caller's scope with `permission` (R-ORG-1): a regular card, else a
    /// reserve card; "not found" as [`record_in_scope`] answers it.
    async fn in_scope(
        state: &AppState,
        caller: &Caller,
        id: &str,
        path: &str,
        permission: Permission,
    ) -> Result<Target, Problem> {
        match record_in_scope::<Card>(state, caller, id, path, permission).await {
            Ok(card) => Ok(Target::Regular(card)),
            Err(p) if p.status == StatusCode::NOT_FOUND.as_u16() => Ok(Target::Reserve(
                record_in_scope::<ReserveCard>(state, caller, id, path, permission).await?,
            )),
            Err(p) => Err(p),
        }
    }

    fn facts(&self, policy: &Policy) -> CardFacts {
        match self {
            Target::Regular(card) => card_facts(&card.state),
            Target::Reserve(card) => reserve_facts(&card.state, policy),
        }
    }

    /// The person whose card it is; `None` for a reserve card not handed out.
    fn holder(&self) -> Option<PersonId> {
        match self {
            Target::Regular(card) => Some(card.state.person),
            Target::Reserve(card) => card.state.holder,
        }
    }

    /// The unit the card belongs to (a reserve card: its holder's once handed out).
    fn org(&self) -> Option<OrgId> {
        match self {
            Target::Regular(card) => Some(card.state.org),
            Target::Reserve(card) => card.state.unit.or(card.org),
        }
    }
}

/// The CA revocation reason of a routine's reason code.
fn ca_reason(code: ReasonCode) -> Reason {
    Reason::from_code(code.code()).unwrap_or(Reason::Unspecified)
}

/// Revokes `credentials` (both certificates each, R-CRED-1) in `tx`: the credential
/// records, the certificates at the CA and the audit entries. Returns the serials revoked
/// now, to announce to the OCSP responder after commit.
pub async fn revoke_in(
    tx: &mut Tx<'_>,
    state: &AppState,
    acting: &Acting,
    chain: &str,
    credentials: Vec<Record<Credential>>,
    reason: ReasonCode,
) -> Result<Vec<String>, Problem> {
    let mut revoked = Vec::new();
    for mut record in credentials {
        let events = credential::revoke(&record.state, reason, today())?;
        for serial in record.state.serials() {
            if Authority::revoke_in(tx, &acting.actor, chain, serial.as_str(), ca_reason(reason))
                .await
                .map_err(Problem::from)?
                .is_some()
            {
                revoked.push(serial.as_str().to_string());
            }
        }
        for e in &events {
            record.state.apply(e);
        }
        save(tx, &mut record, &state.policy).await?;
        acting.record(tx, chain, &events).await?;
    }
    Ok(revoked)
}

/// The credentials on `card` that are not yet revoked or expired.
pub async fn open_on_card(state: &AppState, card: &Card) -> Result<Vec<Record<Credential>>, Problem> {
    open_on(state, card.person, card.id).await
}

/// The credentials of `person` on the card `card` (regular or reserve) that are not yet
/// revoked or expired: what deregistering the card revokes (R-REV-3).
pub async fn open_on(
    state: &AppState,
    person: PersonId,
    card: CardId,
) -> Result<Vec<Record<Credential>>, Problem> {
    Ok(credentials_of(state, person)
        .await?
        .into_iter()
        .filter(|c| c.state.card == Some(card))
        .filter(|c| {
            matches!(
                c.state.state,
                credential::CredentialState::OrderBasis { .. } | credential::CredentialState::Issued { .. }
            )
        })
        .collect())
}

/// A credential order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// `hsa_id` or `national_id` (R-CRED-5).
    #[schema(value_type = String)]
    pub basis: IdBasis,
    /// The last valid day; the longest allowed when absent (R-CRED-2).
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<time::Date>,
}

/// An order basis with its one-time download code, shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Ordered {
    /// The credential's id.
    pub credential: String,
    /// The code the holder downloads with (R-CRED-4). Shown once: it is stored only as its
    /// hash, so the answer to a retry of the order has none (revoke that order and order
    /// anew if the first answer was lost).
    pub download_code: Option<String>,
    /// The last day the code works.
    #[schema(value_type = String)]
    pub code_expires: time::Date,
    /// The credential's last valid day.
    #[schema(value_type = String)]
    pub valid_until: time::Date,
}

/// A random one-time code: 20 characters of Crockford base32 (100 bits), in groups of five.
pub(crate) fn new_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::thread_rng();
    let chars: Vec<char> = (0..20).map(|_| char::from(ALPHABET[rng.gen_range(0..32)])).collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The stored hash of a code, however the holder typed it (case, dashes and spaces).
pub fn code_hash(code: &str) -> String {
    let normal: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Orders a credential for a card handed out to its holder (R-CRED-4): the holder's record
/// secured (R-PER-2), one open order per basis (R-CRED-5), validity within the employment,
/// the card and 5 years (R-CRED-2); on a reserve card within what its hand-out or reuse
/// recorded, at most 180 days (R-CRED-2, R-RES-2). Answers the one-time download code, once.
#[utoipa::path(post, path = "/api/v1/cards/{id}/credentials", tag = "ra",
    params(("id" = String, Path, description = "The card"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OrderBody,
    security(("clientCertificate" = [])),
    responses(
        (status = 201, description = "Ordered", body = Ordered),
        (status = 404, description = "No such card in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn order(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: OrderBody = acting.json()?;
    let caller = &acting.caller;
    let card = Target::in_scope(&state, caller, &id, acting.path(), Permission::OrderCredentials).await?;
    let holder = card.holder().ok_or_else(|| {
        Problem::from(Refusal::field(
            "R-CRED-4",
            "card",
            "the reserve card is in stock: hand it out to its holder first (R-RES-2)",
        ))
    })?;
    if let Target::Reserve(reserve) = &card {
        // R-RES-2: a reserve card's credential is ordered in the visit that handed the card
        // out or reused it, whose record bounds the credential's validity.
        if reserve.state.last_issued != Some(today()) {
            return Err(Problem::from(Refusal::field(
                "R-RES-2",
                "card",
                "a reserve card's credential is ordered in the same visit as its hand-out or reuse: record a reuse first",
            )));
        }
    }
    let org = card.org().ok_or_else(Problem::internal)?;
    let person = person_of(&state, holder, acting.path()).await?;
    let existing: Vec<Credential> =
        credentials_of(&state, person.id).await?.into_iter().map(|r| r.state).collect();
    let facts = card.facts(&state.policy);
    let today = today();
    let code = new_code();
    let hash = code_hash(&code);
    let code_expires = card::add_days(today, DOWNLOAD_CODE_DAYS);
    let credential_id = CredentialId(uuid::Uuid::now_v7());
    let ctx = CardContext {
        tree: &caller.tree,
        person: &person,
        card: &facts,
        existing: &existing,
        policy: &state.policy,
        today,
    };
    let events = credential::order_basis(
        &ctx,
        OrderCredential {
            id: credential_id,
            org,
            basis: cmd.basis,
            valid_until: cmd.valid_until,
            download_code_ref: format!("sha256:{}", &hash[..16]),
            code_expires,
        },
    )?;
    let created = events.iter().find_map(Credential::created).ok_or_else(Problem::internal)?;
    let valid_until = match created.state {
        credential::CredentialState::OrderBasis { valid_until, .. } => valid_until,
        _ => return Err(Problem::internal()),
    };
    let chain = chain_of(&caller.tree, org);
    let mut record = created.new_record(Some(org), &state.policy);
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    tx.insert_download_code(&hash, &credential_id.to_string(), &code_expires.to_string()).await?;
    acting.record(&mut tx, &chain, &events).await?;
    let kept =
        Ordered { credential: credential_id.to_string(), download_code: None, code_expires, valid_until };
    let answer = Ordered {
        credential: credential_id.to_string(),
        download_code: Some(code),
        code_expires,
        valid_until,
    };
    acting.finish_once(&state, tx, StatusCode::CREATED, &answer, &kept).await
}

/// A credential as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    /// The credential.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub credential: Credential,
    /// The record version.
    pub version: i64,
}

/// The person's credentials, for a caller who may read the person (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/persons/{id}/credentials", tag = "ra",
    params(("id" = String, Path, description = "The person")),
    security(("clientCertificate" = [])),
    responses(
        (status = 200, description = "The credentials", body = [CredentialView]),
        (status = 404, description = "No such person in the caller's scope", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Vec<CredentialView>>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    Ok(Json(list_for(&state, &caller, &id, uri.path()).await?))
}

/// The body of [`list`]: the credentials of the person `id` in the caller's scope; "not
/// found" at `path` when the person is outside it (R-ORG-1).
pub async fn list_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    path: &str,
) -> Result<Vec<CredentialView>, Problem> {
    let (person, _) = caller.readable_person(state, id, path).await?;
    Ok(credentials_of(state, person.id)
        .await?
        .into_iter()
        .filter(|r| r.org.is_none_or(|o| caller.principal.can(&caller.tree, Permission::ReadPeople, o)))
        .map(|r| CredentialView { credential: r.state, version: r.version })
        .collect())
}

/// The holder's download: the one-time code and the card's two requests.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    /// The one-time download code.
    pub code: String,
    /// PKCS#10 (PEM) for the authentication key.
    pub authentication_csr: String,
    /// PKCS#10 (PEM) for the signing key.
    pub signing_csr: String,
    /// The holder's electronically signed receipt, on a reserve card (R-CRED-4).
    pub receipt: Option<String>,
}

/// One issued certificate.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedView {
    /// Lower-case hex serial.
    pub serial: String,
    /// PEM.
    pub certificate: String,
}

/// What the card stores.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Enrolled {
    /// The credential.
    pub credential: String,
    /// The last valid day.
    #[schema(value_type = String)]
    pub not_after: time::Date,
    /// The authentication certificate.
    pub authentication: IssuedView,
    /// The signing certificate.
    pub signing: IssuedView,
    /// The issuing CA's certificate, then the root's (PEM).
    pub chain: String,
}

fn code_refused(reason: &str) -> Problem {
    Problem::from(Refusal::field("R-CRED-4", "code", reason.to_string()))
}

fn csr_refused(field: &'static str, e: impl std::fmt::Display) -> Problem {
    Problem::from(Refusal::field("R-CRED-1", field, format!("not a usable certificate request: {e}")))
}

/// The subject of a credential's certificates, from the directory (R-CRED-5), never from
/// the request.
fn template(
    content: &credential::SubjectContent,
    organisation: &str,
    public_key: spki::SubjectPublicKeyInfoOwned,
    max_days: u32,
) -> Result<Template, Problem> {
    let mut subject = vec![
        (SubjectField::CountryName, "SE".to_string()),
        (SubjectField::OrganizationName, organisation.to_string()),
        (SubjectField::GivenName, content.given_name.clone()),
        (SubjectField::Surname, content.family_name.clone()),
        (SubjectField::CommonName, format!("{} {}", content.given_name, content.family_name)),
    ];
    let serial_number = match content.basis {
        IdBasis::HsaId => content.hsa_id.clone(),
        IdBasis::NationalId => content.national_id.clone(),
    };
    subject.push((SubjectField::SerialNumber, serial_number.ok_or_else(Problem::internal)?));
    if let Some(title) = &content.licensed_title {
        subject.push((SubjectField::Title, title.clone()));
    }
    let end = content.not_after.with_hms(23, 59, 59).map_err(|_| Problem::internal())?.assume_utc();
    let now = std::time::SystemTime::now();
    // The last day is the ordered one; within it, never past the profile's longest validity
    // counted from now (five years from today ends during today's date five years on).
    let longest = now + std::time::Duration::from_secs(u64::from(max_days) * 86_400);
    let not_after = std::time::SystemTime::from(end).min(longest);
    Ok(Template {
        subject,
        emails: content.email.iter().cloned().collect(),
        upns: vec![],
        dns_names: vec![],
        public_key,
        not_before: now,
        not_after,
        policies: vec![],
    })
}

/// The one answer for an unknown and a used code: no oracle for guessing.
pub(crate) const UNKNOWN_CODE: &str = "no order has this code, or it was used; ask the RA for a new order";

/// A download body: it carries the one-time code.
pub(crate) trait CodeBody: serde::de::DeserializeOwned {
    /// The code as the holder typed it.
    fn code(&self) -> &str;
}

impl CodeBody for EnrolBody {
    fn code(&self) -> &str {
        &self.code
    }
}

/// A download with a one-time code, read: the body, the code's hash, the idempotency facts
/// and the order the code opens; or the kept answer to a retry.
pub(crate) enum CodeRequest<B> {
    /// A first request.
    Fresh {
        /// The body.
        cmd: B,
        /// The code's hash.
        hash: String,
        /// The idempotency facts, kept per code.
        unsigned: action::Unsigned,
        /// The credential order.
        order: Box<Record<Credential>>,
    },
    /// The answer the same request got before.
    Replay(Response),
}

/// Reads a download request (R-CRED-4): the body, then the idempotency key kept per code (a
/// retry gets its answer), then the code, unused, and its order.
pub(crate) async fn open_code<B: CodeBody>(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<CodeRequest<B>, Problem> {
    let cmd: B = serde_json::from_slice(body).map_err(|e| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "bad-body", "The body is not as described")
            .detail(e.to_string())
    })?;
    let hash = code_hash(cmd.code());
    let unsigned =
        match action::begin_unsigned(state, &format!("code:{hash}"), method, uri.path(), headers, body)
            .await?
        {
            Ok(unsigned) => unsigned,
            Err(answer) => return Ok(CodeRequest::Replay(answer)),
        };
    let stored = state.store.download_code(&hash).await?.ok_or_else(|| code_refused(UNKNOWN_CODE))?;
    if stored.used_us.is_some() {
        return Err(code_refused(UNKNOWN_CODE));
    }
    let order: Record<Credential> = state
        .store
        .record(Credential::KIND, &stored.credential)
        .await?
        .ok_or_else(|| code_refused(UNKNOWN_CODE))?;
    Ok(CodeRequest::Fresh { cmd, hash, unsigned, order: Box::new(order) })
}

/// The holder's self-service download (R-CRED-4): the one-time code authenticates; the
/// card's two keys are certified with the subject from the directory (R-CRED-5) and the
/// ordered validity (R-CRED-2), after every credential of the same basis on the card is
/// revoked as superseded (R-CRED-3). The code works once; a retry with the same
/// `Idempotency-Key` gets the same certificates.
#[utoipa::path(post, path = "/api/v1/enrolment", tag = "ra",
    params(("Idempotency-Key" = String, Header, description = "A new key per enrolment, the same on a retry")),
    request_body = EnrolBody,
    responses(
        (status = 201, description = "The certificates", body = Enrolled),
        (status = 422, description = "The code or a request is refused", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn enrol(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Result<Response, Problem> {
    let (cmd, hash, unsigned, order) =
        match open_code::<EnrolBody>(&state, &method, &uri, &headers, &body).await? {
            CodeRequest::Fresh { cmd, hash, unsigned, order } => (cmd, hash, unsigned, *order),
            CodeRequest::Replay(answer) => return Ok(answer),
        };
    let unknown = UNKNOWN_CODE;
    let card_id = order.state.card.ok_or_else(|| code_refused("this code is for a function certificate"))?;
    let mut card = Target::find(&state, card_id)
        .await?
        .ok_or_else(|| code_refused("the card of this order is not registered"))?;
    // R-CRED-4: on a reserve card the holder signs the receipt electronically.
    if matches!(card, Target::Reserve(_)) && cmd.receipt.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Problem::from(Refusal::field(
            "R-CRED-4",
            "receipt",
            "on a reserve card the holder signs the receipt electronically",
        )));
    }
    let person = person_of(&state, order.state.person, uri.path()).await?;
    let records = credentials_of(&state, person.id).await?;
    let existing: Vec<Credential> = records.iter().map(|r| r.state.clone()).collect();
    let tree =
        tillit_core::ra::org::OrgTree::new(state.store.orgs().await?).map_err(|_| Problem::internal())?;
    let credential::CredentialState::OrderBasis { valid_until, .. } = order.state.state else {
        return Err(code_refused(unknown));
    };
    let auth = tillit_pki::csr::verify_csr(cmd.authentication_csr.as_bytes())
        .map_err(|e| csr_refused("authentication_csr", e))?;
    let sign =
        tillit_pki::csr::verify_csr(cmd.signing_csr.as_bytes()).map_err(|e| csr_refused("signing_csr", e))?;
    if auth.public_key == sign.public_key {
        return Err(Problem::from(Refusal::field(
            "R-CRED-1",
            "signing_csr",
            "the authentication and signing keys must be two key pairs",
        )));
    }
    let content = credential::subject_content(&person, order.state.basis, valid_until)?;
    let org = order.org.or(card.org()).ok_or_else(Problem::internal)?;
    let organisation = tree
        .organisation_of(org)
        .and_then(|o| tree.get(o))
        .map(|o| o.name.clone())
        .ok_or_else(Problem::internal)?;
    let chain = chain_of(&tree, org);
    let actor = Actor::parse(&format!("holder:{}", person.id)).map_err(|_| Problem::internal())?;
    let today = today();
    let facts = card.facts(&state.policy);
    // Check the order before anything is signed.
    credential::issue(
        &order.state,
        &facts,
        &existing,
        Issue {
            by: person.id,
            certificates: Certificates::Pair {
                authentication: Serial::parse("serial", "01")?,
                signing: Serial::parse("serial", "02")?,
            },
            not_after: valid_until,
            receipt_ref: cmd.receipt.clone(),
        },
        today,
    )?;

    let max_days = |profile: &str| state.ca.profiles().get(profile).map_or(0, |p| p.max_validity_days);
    let mut tx = state.store.begin().await?;
    if !tx.use_download_code(&hash).await? {
        tx.rollback().await?;
        return Err(code_refused(unknown));
    }
    let issued = state
        .ca
        .issue_in(
            &mut tx,
            &actor,
            &chain,
            vec![
                (
                    "se-authentication".to_string(),
                    template(&content, &organisation, auth.public_key, max_days("se-authentication"))?,
                ),
                (
                    "se-signature".to_string(),
                    template(&content, &organisation, sign.public_key, max_days("se-signature"))?,
                ),
            ],
        )
        .await
        .map_err(Problem::from)?;
    let [a, s] = issued.as_slice() else { return Err(Problem::internal()) };
    let events = credential::issue(
        &order.state,
        &facts,
        &existing,
        Issue {
            by: person.id,
            certificates: Certificates::Pair {
                authentication: Serial::parse("serial", &a.serial)?,
                signing: Serial::parse("serial", &s.serial)?,
            },
            not_after: valid_until,
            receipt_ref: cmd.receipt.clone(),
        },
        today,
    )?;
    let mut announce = Vec::new();
    for mut record in records {
        let before = record.state.clone();
        for e in &events {
            record.state.apply(e);
        }
        if record.state != before {
            if let (credential::CredentialState::Revoked { reason, .. }, true) =
                (&record.state.state, matches!(before.state, credential::CredentialState::Issued { .. }))
            {
                for serial in before.serials() {
                    if Authority::revoke_in(&mut tx, &actor, &chain, serial.as_str(), ca_reason(*reason))
                        .await
                        .map_err(Problem::from)?
                        .is_some()
                    {
                        announce.push(serial.as_str().to_string());
                    }
                }
            }
            save(&mut tx, &mut record, &state.policy).await?;
        }
    }
    // A regular card is in use from its first credential (R-CARD-3); a reserve card's
    // credential facts were recorded when it was handed out or reused (R-RES-2, R-RES-3).
    let card_events = match &mut card {
        Target::Regular(card) => {
            let events = card::mark_in_use(&card.state, order.state.id, today)?;
            for e in &events {
                card.state.apply(e);
            }
            if !events.is_empty() {
                save(&mut tx, card, &state.policy).await?;
            }
            events
        }
        Target::Reserve(_) => Vec::new(),
    };
    for serial in [&a.serial, &s.serial] {
        tx.bind_principal(serial, person.id).await?;
    }
    for e in &events {
        tx.append(tillit_core::ra::event::Event::to_audit(e, &chain, &actor)).await?;
    }
    for e in &card_events {
        tx.append(tillit_core::ra::event::Event::to_audit(e, &chain, &actor)).await?;
    }
    let answer = Enrolled {
        credential: order.state.id.to_string(),
        not_after: valid_until,
        authentication: IssuedView { serial: a.serial.clone(), certificate: a.pem.clone() },
        signing: IssuedView { serial: s.serial.clone(), certificate: s.pem.clone() },
        chain: state.ca.chain_pem().map_err(Problem::from)?,
    };
    let response = unsigned.finish(&state, tx, StatusCode::CREATED, &answer).await?;
    for serial in announce {
        state.ca.announce_revoked(&serial);
    }
    Ok(response)
}
