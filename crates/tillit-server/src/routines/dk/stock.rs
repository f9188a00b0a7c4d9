//! The Danish RA's stock over the API (R-RES-4, 001 §7): boxes of 50, 200 or 500 key cards,
//! large-print key cards, temporary passcode letters, media for blind citizens, code displays
//! or audio code readers ordered to an office; the supplier's print file while a box is on
//! order; its envelopes registered by number on arrival (opened or damaged ones discarded at
//! once); an envelope discarded later; the stock per item with the low-stock warning and the
//! campaign check. Permission `dk_stock` on the office (R-ORG-1).
//!
//! # Serial numbers
//!
//! The server allocates a box's serial numbers from a counter per item (`counters`, scope
//! `dk`, name `stock-serial-<item>`), so two boxes of one item never overlap (R-RES-4), also
//! across offices and nodes: serial = [`SERIAL_BASE`] + the counter, ten digits, so a key
//! card's serial is a valid [`KeyCardSerial`] (4 to 24 characters) from the first box on.
//!
//! # The secrets are made at order
//!
//! Ordering a box makes every item's secret in the order's transaction, sealed to the node's
//! sealing key under [`stock_owner`]`(item, serial)` (see [`super`]): a key card's
//! [`KeyCardSecret`] (`key_card`), a passcode letter's or medium's temporary passcode
//! (`temporary_passcode`), a code display's or audio code reader's [`TotpSeed`]
//! (`totp_seed`). Nothing of them is in a record or an event.
//!
//! **The print file** (`GET …/boxes/{id}/print`) is the only way a secret leaves the node,
//! and only while the box is `ordered`: the supplier prints (or programs) the items from it
//! and ships the box; once the box is received the file is refused (409) for good. Key cards
//! come as the key-card PDF ([`key_card_pdf`], large print for large-print key cards),
//! passcode letters as the letter PDF ([`passcode_letter_pdf`]), media as a CSV of serial and
//! passcode for the medium writer, code tokens as a CSV of serial, base32 seed and TOTP
//! parameters for the token vendor. Every print is audited (`dk.stock.printed`, on the
//! office's chain) before the file is answered; the file is never stored. The secrets of
//! envelopes discarded (opened or damaged) are deleted with the discard: nothing can use them.
//!
//! # Envelope ids
//!
//! An envelope's record id (an [`Authenticator`] of kind `dk_authenticator`) is derived from
//! its item and serial number: [`envelope_id`] is a name-based UUID (version 8, RFC 9562
//! §5.8) of the SHA-256 of `tillit-dk-envelope-v1|` + [`stock_owner`]`(item, serial)`. The
//! officer registers an envelope by the number printed on it, and the record is read by its
//! id ([`envelope`]): no query by a JSON field, and two offices can never register the same
//! envelope twice (the record id is taken).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tillit_core::audit::{Actor, AuditEvent};
use tillit_core::ra::dk::authenticator::{AuthStatus, Authenticator, EnvelopeMark};
use tillit_core::ra::dk::stock::{self, BoxStatus, DkItem, DkStockLevel, OrderBox, ReceiveBox, StockBox};
use tillit_core::ra::dk::{AuthenticatorId, StockBoxId};
use tillit_core::ra::role::Permission;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::OrgId;
use tillit_pki::secret::keycard::DEFAULT_POSITIONS;
use tillit_pki::secret::{
    generate_temporary_passcode, key_card_pdf, passcode_letter_pdf, IssuedCode, KeyCard, KeyCardPrint,
    KeyCardSecret, KeyCardSerial, PasscodeLetterPrint, Sealer, SecretError, TotpParams, TotpSeed,
};
use tillit_store::eid::SecretPurpose;
use tillit_store::records::Record;
use tillit_store::reports::{Cursor, RecordFilter};
use tillit_store::Tx;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{name_of, open_sealed, put_sealed, stock_owner};
use crate::problem::{ApiQuery, Problem};
use crate::ra_api::Caller;
use crate::routines::action::{Acting, Signed};
use crate::routines::kinds::Kept;
use crate::routines::officers::now_us;
use crate::routines::{chain_of, record_in_scope, save, today};
use crate::tls::ClientCert;
use crate::AppState;

/// The first serial number of every item is `SERIAL_BASE + 1`: ten digits.
pub const SERIAL_BASE: u64 = 1_000_000_000;

/// The counters' scope of the serial numbers.
const COUNTER_SCOPE: &str = "dk";

/// Records read per page when counting the stock.
const PAGE: u32 = 1_000;

/// The stock's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(order_box, list_boxes))
        .routes(routes!(get_box))
        .routes(routes!(print))
        .routes(routes!(receive))
        .routes(routes!(list_envelopes))
        .routes(routes!(get_envelope))
        .routes(routes!(discard))
        .routes(routes!(levels))
}

// ---- ids and helpers shared by the desk ---------------------------------------------------

/// The record id of the envelope of `item` numbered `serial` (see the module docs).
pub fn envelope_id(item: DkItem, serial: u64) -> AuthenticatorId {
    let digest = Sha256::digest(format!("tillit-dk-envelope-v1|{}", stock_owner(item, &serial.to_string())));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    AuthenticatorId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// Reads a serial number as printed or typed (spaces and dashes are layout): digits only.
pub fn parse_serial(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (!digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The envelope of `item` numbered `serial`, if it was registered (R-RES-4).
pub async fn envelope(
    state: &AppState,
    item: DkItem,
    serial: u64,
) -> Result<Option<Record<Authenticator>>, Problem> {
    Ok(state.store.record(Authenticator::KIND, &envelope_id(item, serial).to_string()).await?)
}

/// An organisation id in a field.
pub fn org_param(field: &'static str, text: &str) -> Result<OrgId, Problem> {
    text.parse::<uuid::Uuid>()
        .map(OrgId)
        .map_err(|_| Problem::from(Refusal::field("R-ORG-1", field, "is not an organisation id (a UUID)")))
}

/// Every record matching `filter`, a page at a time.
pub async fn all<T: DeserializeOwned>(
    state: &AppState,
    filter: RecordFilter,
) -> Result<Vec<Record<T>>, Problem> {
    let mut out = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = state.store.records_page::<T>(&filter, cursor.as_ref(), PAGE).await?;
        out.extend(page.records);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// A secret could not be made or read: logged, never shown.
fn secret_failed(what: &'static str) -> impl Fn(SecretError) -> Problem {
    move |e| {
        tracing::error!(error = %e, what, "a stock secret");
        Problem::internal()
    }
}

/// An office's stock as it stands, with the changes of the action under way (not yet
/// committed): what the low-stock warning and the answers count (R-RES-4).
pub struct Snapshot {
    office: OrgId,
    envelopes: Vec<Authenticator>,
    boxes: Vec<StockBox>,
}

impl Snapshot {
    /// The office's envelopes in stock and boxes on order, with `changed` envelopes and box
    /// as they are after the action.
    pub async fn load(
        state: &AppState,
        office: OrgId,
        changed: &[Authenticator],
        changed_box: Option<&StockBox>,
    ) -> Result<Snapshot, Problem> {
        let in_stock = AuthStatus::InStock.as_str();
        let mut envelopes: Vec<Authenticator> = all::<Authenticator>(
            state,
            RecordFilter::of_kind(Authenticator::KIND).statuses(&[in_stock]).orgs(Some(vec![office])),
        )
        .await?
        .into_iter()
        .map(|r| r.state)
        .filter(|e| !changed.iter().any(|c| c.id == e.id))
        .collect();
        envelopes.extend(changed.iter().cloned());
        let ordered = name_of(&BoxStatus::Ordered);
        let mut boxes: Vec<StockBox> = all::<StockBox>(
            state,
            RecordFilter::of_kind(StockBox::KIND).statuses(&[&ordered]).orgs(Some(vec![office])),
        )
        .await?
        .into_iter()
        .map(|r| r.state)
        .filter(|b| changed_box.is_none_or(|c| c.id != b.id))
        .collect();
        boxes.extend(changed_box.cloned());
        Ok(Snapshot { office, envelopes, boxes })
    }

    /// The stock of `item` (R-RES-4).
    pub fn level(&self, item: DkItem, state: &AppState) -> DkStockLevel {
        stock::stock_level(&self.envelopes, &self.boxes, self.office, item, &state.policy)
    }

    /// The items the office keeps: those with envelopes in stock or boxes on order.
    fn items(&self) -> Vec<DkItem> {
        DkItem::ALL
            .into_iter()
            .filter(|i| {
                self.boxes.iter().any(|b| b.item == *i)
                    || self.envelopes.iter().any(|e| DkItem::of(e) == Some(*i))
            })
            .collect()
    }
}

/// Records the low-stock warning of each of `items` that is low after the action
/// (R-RES-4), and answers their levels.
pub async fn warn_low(
    tx: &mut Tx<'_>,
    acting: &Acting,
    state: &AppState,
    snapshot: &Snapshot,
    items: &[DkItem],
) -> Result<Vec<LevelView>, Problem> {
    let chain = chain_of(&acting.caller.tree, snapshot.office);
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    let mut views = Vec::new();
    for item in items {
        let level = snapshot.level(item, state);
        if let Some(warning) = level.warning(today()) {
            acting.record(tx, &chain, &[warning]).await?;
        }
        views.push(LevelView::of(level, None));
    }
    Ok(views)
}

// ---- views ----------------------------------------------------------------------------------

/// A box as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoxView {
    /// The box: `id`, `item`, `office`, `serials` (`first`, `last`), `status` (`ordered`,
    /// `received`), `ordered_on`, `received_on`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub stock_box: StockBox,
    /// How many envelopes it holds.
    pub envelopes: u64,
    /// Whether its print file can still be fetched (only while it is on order).
    pub printable: bool,
    /// The record version.
    pub version: i64,
}

impl From<Record<StockBox>> for BoxView {
    fn from(r: Record<StockBox>) -> Self {
        BoxView {
            envelopes: r.state.serials.count(),
            printable: r.state.status == BoxStatus::Ordered,
            stock_box: r.state,
            version: r.version,
        }
    }
}

/// An envelope in stock, or any authenticator, as the API shows it: ids, kind, serial,
/// status and dates; never a secret, a name or an address (R-PER-3).
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeView {
    /// The authenticator: `id`, `kind`, `serial`, `status`, `holder`, `account`, `office`,
    /// `large_print`, `stock_box`, `issued_at`, `wrong_tries`, `used_at`,
    /// `before_suspension`, `stop_reason`, `discarded`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub authenticator: Authenticator,
    /// The stock item it counts as (`key_card`, `large_print_key_card`, `passcode_letter`,
    /// `medium`, `code_display`, `audio_code_reader`), for stock kinds.
    #[schema(value_type = Option<String>)]
    pub item: Option<DkItem>,
    /// The record version.
    pub version: i64,
}

impl From<Record<Authenticator>> for EnvelopeView {
    fn from(r: Record<Authenticator>) -> Self {
        EnvelopeView { item: DkItem::of(&r.state), authenticator: r.state, version: r.version }
    }
}

/// The campaign check of one item (001 §7).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    /// The demand expected in the campaign.
    pub expected_demand: u64,
    /// Whether the stock minus the demand would fall under the threshold (boxes on order are
    /// not counted: they may not arrive in time).
    pub short: bool,
    /// What to do, when short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// An office's stock of one item (R-RES-4).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelView {
    /// The item.
    #[schema(value_type = String)]
    pub item: DkItem,
    /// Envelopes in stock, ready to hand out.
    pub in_stock: u64,
    /// Envelopes in boxes ordered and not received.
    pub on_order: u64,
    /// The policy's threshold (`dk_low_stock`).
    pub threshold: u32,
    /// Whether the stock is under the threshold.
    pub low: bool,
    /// The low-stock warning, when it is low (R-RES-4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The campaign check, when an expected demand was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<CampaignView>,
}

impl LevelView {
    fn of(level: DkStockLevel, expected_demand: Option<u64>) -> Self {
        let warning = level.low.then(|| {
            format!(
                "R-RES-4: {} {} in stock, fewer than the threshold of {}; {} on order",
                level.in_stock,
                level.item.as_str(),
                level.threshold,
                level.on_order
            )
        });
        let campaign = expected_demand.map(|demand| {
            let short = stock::stock_check(&level, demand, today()).is_some();
            CampaignView {
                expected_demand: demand,
                short,
                warning: short.then(|| {
                    format!(
                        "R-RES-4: a campaign expecting {demand} would leave {} of {} in stock, under the \
                         threshold of {}: order boxes now (boxes on order may not arrive in time)",
                        level.in_stock.saturating_sub(demand),
                        level.item.as_str(),
                        level.threshold
                    )
                }),
            }
        });
        LevelView {
            item: level.item,
            in_stock: level.in_stock,
            on_order: level.on_order,
            threshold: level.threshold,
            low: level.low,
            warning,
            campaign,
        }
    }
}

// ---- ordering (R-RES-4) -----------------------------------------------------------------------

/// A box to order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBoxBody {
    /// What it holds: `key_card`, `large_print_key_card`, `passcode_letter`, `medium`,
    /// `code_display` or `audio_code_reader`.
    #[schema(value_type = String)]
    pub item: DkItem,
    /// How many envelopes: 50, 200 or 500.
    pub size: u32,
    /// The RA office it is ordered to.
    pub office: String,
}

/// Makes the secret of one item numbered `serial` and keeps it sealed in `tx`.
async fn make_secret(
    tx: &mut Tx<'_>,
    sealer: &dyn Sealer,
    item: DkItem,
    serial: u64,
    now: i64,
) -> Result<(), Problem> {
    let owner = stock_owner(item, &serial.to_string());
    match item {
        DkItem::KeyCard | DkItem::LargePrintKeyCard => {
            let secret = KeyCardSecret::generate().map_err(secret_failed("key card"))?;
            put_sealed(tx, sealer, &owner, SecretPurpose::KeyCard, secret.as_bytes(), now).await
        }
        DkItem::PasscodeLetter | DkItem::Medium => {
            let passcode = generate_temporary_passcode().map_err(secret_failed("temporary passcode"))?;
            let bytes = passcode.as_str().as_bytes();
            put_sealed(tx, sealer, &owner, SecretPurpose::TemporaryPasscode, bytes, now).await
        }
        DkItem::CodeDisplay | DkItem::AudioCodeReader => {
            let seed = TotpSeed::generate().map_err(secret_failed("TOTP seed"))?;
            put_sealed(tx, sealer, &owner, SecretPurpose::TotpSeed, seed.as_bytes(), now).await
        }
    }
}

/// Orders a box of 50, 200 or 500 envelopes of one item to an office (R-RES-4). The server
/// allocates its serial numbers (never overlapping another box of the item) and makes every
/// item's secret, sealed, in the same transaction; the supplier's print file is then
/// `GET …/boxes/{id}/print`.
#[utoipa::path(post, path = "/api/v1/dk/stock/boxes", tag = "dk",
    params(("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = OrderBoxBody, security(("clientCertificate" = [])),
    responses((status = 201, description = "Ordered", body = BoxView),
        (status = 403, description = "No dk_stock right on the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn order_box(
    State(state): State<Arc<AppState>>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: OrderBoxBody = acting.json()?;
    let caller = &acting.caller;
    let office = org_param("office", &cmd.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkStock, office)?;
    let existing: Vec<StockBox> = all::<StockBox>(&state, RecordFilter::of_kind(StockBox::KIND))
        .await?
        .into_iter()
        .map(|r| r.state)
        .filter(|b| b.item == cmd.item)
        .collect();
    let eid = state.eid().await?;
    let mut tx = state.store.begin().await?;
    // A refused order rolls the counter back with the transaction.
    let first = tx
        .reserve_counter(COUNTER_SCOPE, &format!("stock-serial-{}", cmd.item.as_str()), u64::from(cmd.size))
        .await?;
    let (stock_box, events) = stock::order_box(
        &existing,
        OrderBox {
            id: StockBoxId(uuid::Uuid::now_v7()),
            item: cmd.item,
            office,
            size: cmd.size,
            first_serial: SERIAL_BASE.saturating_add(first),
            officer: caller.principal.person,
            on: today(),
        },
    )?;
    let now = now_us();
    for serial in stock_box.serials.serials() {
        make_secret(&mut tx, eid.sealer.as_ref(), cmd.item, serial, now).await?;
    }
    let mut record = stock_box.new_record(Some(office), &state.policy);
    save(&mut tx, &mut record, &state.policy).await?;
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    acting.finish(&state, tx, StatusCode::CREATED, &BoxView::from(record)).await
}

/// The page of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoxQuery {
    /// The office.
    pub office: String,
    /// At most this many rows (1 to 1000, default 50).
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

/// A page of boxes.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoxPage {
    /// The boxes, by id (the order they were ordered in).
    pub boxes: Vec<BoxView>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The page size asked for: 1 to 1000, 50 by default.
fn limit_param(limit: Option<u32>) -> Result<u32, Problem> {
    let limit = limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(Refusal::field("R-RES-4", "limit", "must be 1 to 1000").into());
    }
    Ok(limit)
}

/// A page's `after`: a record id (a UUID).
fn after_param(after: Option<&str>) -> Result<Option<String>, Problem> {
    after
        .map(|a| {
            a.parse::<uuid::Uuid>().map(|u| u.to_string()).map_err(|_| {
                Problem::from(Refusal::field(
                    "R-RES-4",
                    "after",
                    "is not the `next` value of a previous page",
                ))
            })
        })
        .transpose()
}

/// The boxes ordered to an office, a page at a time.
#[utoipa::path(get, path = "/api/v1/dk/stock/boxes", tag = "dk",
    params(BoxQuery), security(("clientCertificate" = [])),
    responses((status = 200, description = "A page of boxes", body = BoxPage),
        (status = 403, description = "No dk_stock right on the office", body = Problem, content_type = "application/problem+json")))]
pub async fn list_boxes(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    ApiQuery(q): ApiQuery<BoxQuery>,
) -> Result<Json<BoxPage>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let office = org_param("office", &q.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkStock, office)?;
    let limit = limit_param(q.limit)?;
    let after = after_param(q.after.as_deref())?;
    let page: Vec<Record<StockBox>> =
        state.store.records_of_org(StockBox::KIND, office, &[], after.as_deref(), limit).await?;
    let next = (page.len() == limit as usize).then(|| page.last().map(|r| r.id.clone())).flatten();
    Ok(Json(BoxPage { boxes: page.into_iter().map(BoxView::from).collect(), next }))
}

/// A box in the caller's scope (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/dk/stock/boxes/{id}", tag = "dk",
    params(("id" = String, Path, description = "The box")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The box", body = BoxView),
        (status = 404, description = "No such box in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn get_box(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<BoxView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let record: Record<StockBox> =
        record_in_scope(&state, &caller, &id, uri.path(), Permission::DkStock).await?;
    Ok(Json(record.into()))
}

// ---- the supplier's print file ----------------------------------------------------------------

/// The opened secret of `owner`, which the order made: its absence is a fault.
async fn opened(
    state: &AppState,
    owner: &str,
    purpose: SecretPurpose,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Problem> {
    open_sealed(state, owner, purpose).await?.ok_or_else(|| {
        tracing::error!(purpose = purpose.as_str(), "a stock item's secret is missing");
        Problem::internal()
    })
}

/// A temporary passcode as printed: two groups of five (`ABCDE-FGHJK`).
fn printed(passcode: &str) -> String {
    let chars: Vec<char> = passcode.chars().collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A passcode letter's print from its stored (sealed) passcode.
fn letter_print(number: &str, passcode: &str) -> Result<PasscodeLetterPrint, Problem> {
    IssuedCode::temporary_passcode(passcode).and_then(|code| PasscodeLetterPrint::new(number, code)).map_err(
        |e| {
            tracing::error!(error = %e, "a passcode letter cannot be printed");
            Problem::internal()
        },
    )
}

/// The print file of `stock_box`: its content type, file name and bytes.
async fn print_file(
    state: &AppState,
    stock_box: &StockBox,
) -> Result<(&'static str, String, Vec<u8>), Problem> {
    let item = stock_box.item;
    let name = format!("dk-box-{}-{}", stock_box.id, item.as_str());
    let failed = secret_failed("print file");
    match item {
        DkItem::KeyCard | DkItem::LargePrintKeyCard => {
            let mut prints = Vec::with_capacity(stock_box.serials.count() as usize);
            for serial in stock_box.serials.serials() {
                let text = serial.to_string();
                let secret = opened(state, &stock_owner(item, &text), SecretPurpose::KeyCard).await?;
                let card = KeyCard::new(
                    KeyCardSerial::new(&text).map_err(&failed)?,
                    KeyCardSecret::from_bytes(&secret).map_err(&failed)?,
                    DEFAULT_POSITIONS,
                )
                .map_err(&failed)?;
                prints.push(KeyCardPrint::new(&card).map_err(&failed)?);
            }
            let pdf = key_card_pdf(&prints, item.large_print()).map_err(&failed)?;
            Ok(("application/pdf", format!("{name}.pdf"), pdf))
        }
        DkItem::PasscodeLetter => {
            let mut letters = Vec::with_capacity(stock_box.serials.count() as usize);
            for serial in stock_box.serials.serials() {
                let text = serial.to_string();
                let secret =
                    opened(state, &stock_owner(item, &text), SecretPurpose::TemporaryPasscode).await?;
                let passcode = std::str::from_utf8(&secret).map_err(|_| Problem::internal())?;
                letters.push(letter_print(&text, passcode)?);
            }
            let pdf = passcode_letter_pdf(&letters).map_err(&failed)?;
            Ok(("application/pdf", format!("{name}.pdf"), pdf))
        }
        DkItem::Medium => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let write = |e: csv::Error| {
                tracing::error!(error = %e, "medium print file");
                Problem::internal()
            };
            out.write_record(["serial", "temporary_passcode"]).map_err(write)?;
            for serial in stock_box.serials.serials() {
                let text = serial.to_string();
                let secret =
                    opened(state, &stock_owner(item, &text), SecretPurpose::TemporaryPasscode).await?;
                let passcode = std::str::from_utf8(&secret).map_err(|_| Problem::internal())?;
                out.write_record([text.as_str(), printed(passcode).as_str()]).map_err(write)?;
            }
            let bytes = out.into_inner().map_err(|_| Problem::internal())?;
            Ok(("text/csv; charset=utf-8", format!("{name}.csv"), bytes))
        }
        DkItem::CodeDisplay | DkItem::AudioCodeReader => {
            let params = TotpParams::default();
            let mut out = csv::Writer::from_writer(Vec::new());
            let write = |e: csv::Error| {
                tracing::error!(error = %e, "token print file");
                Problem::internal()
            };
            out.write_record(["serial", "seed_base32", "algorithm", "digits", "period"]).map_err(write)?;
            for serial in stock_box.serials.serials() {
                let text = serial.to_string();
                let secret = opened(state, &stock_owner(item, &text), SecretPurpose::TotpSeed).await?;
                let seed = TotpSeed::from_bytes(&secret).map_err(&failed)?;
                out.write_record([
                    text.as_str(),
                    seed.to_base32().as_str(),
                    params.algorithm().name(),
                    &params.digits().to_string(),
                    &params.step_seconds().to_string(),
                ])
                .map_err(write)?;
            }
            let bytes = out.into_inner().map_err(|_| Problem::internal())?;
            Ok(("text/csv; charset=utf-8", format!("{name}.csv"), bytes))
        }
    }
}

/// The supplier's print file of a box on order (R-RES-4): key cards and passcode letters as
/// PDF (large print for large-print key cards, R-DK-2), media and code tokens as CSV. It holds
/// the secrets in the clear: send it to the printer, never keep it. Only while the box is
/// `ordered`: once received, the secrets never leave the node again (409). Every print is
/// audited (`dk.stock.printed`).
#[utoipa::path(get, path = "/api/v1/dk/stock/boxes/{id}/print", tag = "dk",
    params(("id" = String, Path, description = "The box")), security(("clientCertificate" = [])),
    responses((status = 200, description = "The print file: application/pdf (key cards, passcode letters) or text/csv (media, code tokens)", content_type = "application/pdf"),
        (status = 404, description = "No such box in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The box was received: its secrets never leave again", body = Problem, content_type = "application/problem+json")))]
pub async fn print(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let record: Record<StockBox> =
        record_in_scope(&state, &caller, &id, uri.path(), Permission::DkStock).await?;
    let stock_box = &record.state;
    if stock_box.status != BoxStatus::Ordered {
        let mut p =
            Problem::new(StatusCode::CONFLICT, "print-closed", "The print file is closed").detail(format!(
            "box {} was received: the secrets of its envelopes never leave the node again; a print file is \
             made only while a box is on order",
            stock_box.id
        ));
        p.rule = Some("R-RES-4".into());
        return Err(p.instance(uri.path()));
    }
    let (content_type, file, bytes) = print_file(&state, stock_box).await?;
    // The print is audited before the file leaves: no audit, no file.
    let actor =
        Actor::parse(&format!("officer:{}", caller.principal.person)).map_err(|_| Problem::internal())?;
    let mut tx = state.store.begin().await?;
    tx.append(AuditEvent::new(
        chain_of(&caller.tree, stock_box.office),
        actor,
        "dk.stock.printed",
        serde_json::json!({
            "box": stock_box.id,
            "item": stock_box.item,
            "serials": stock_box.serials,
            "office": stock_box.office,
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        bytes,
    )
        .into_response())
}

// ---- receiving (R-RES-4) ----------------------------------------------------------------------

/// A box's arrival.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    /// Serial numbers of envelopes that show signs of opening: discarded at once.
    #[serde(default)]
    pub opened: Vec<u64>,
    /// Serial numbers of damaged envelopes: discarded at once.
    #[serde(default)]
    pub damaged: Vec<u64>,
}

/// A received box.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedView {
    /// The box.
    #[serde(rename = "box")]
    pub stock_box: BoxView,
    /// Envelopes registered (the discarded ones included).
    pub registered: u64,
    /// Serial numbers discarded on arrival (opened or damaged): never handed out.
    pub discarded: Vec<String>,
    /// The office's stock of the item now (R-RES-4).
    pub stock: Vec<LevelView>,
}

/// Receives a box at the office (R-RES-4): every envelope is registered by its number, in
/// stock; those listed as opened or damaged are discarded at once (and their secrets deleted:
/// nothing can use them). The low-stock warning is recorded when the stock is still low.
#[utoipa::path(post, path = "/api/v1/dk/stock/boxes/{id}/receive", tag = "dk",
    params(("id" = String, Path, description = "The box"), ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = ReceiveBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Received", body = ReceivedView),
        (status = 404, description = "No such box in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn receive(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: ReceiveBody = acting.json()?;
    let caller = &acting.caller;
    let mut record: Record<StockBox> =
        record_in_scope(&state, caller, &id, acting.path(), Permission::DkStock).await?;
    let (item, office) = (record.state.item, record.state.office);
    let ids: Vec<AuthenticatorId> = record.state.serials.serials().map(|s| envelope_id(item, s)).collect();
    let received = stock::receive_box(
        &record.state,
        ReceiveBox {
            envelopes: ids,
            opened: cmd.opened,
            damaged: cmd.damaged,
            officer: caller.principal.person,
            on: today(),
        },
    )?;
    for e in &received.events {
        record.state.apply(e);
    }
    let snapshot = Snapshot::load(&state, office, &received.envelopes, Some(&record.state)).await?;
    let discarded: Vec<String> = received
        .envelopes
        .iter()
        .filter(|e| e.status == AuthStatus::Discarded)
        .filter_map(|e| e.serial.clone())
        .collect();
    let registered = received.envelopes.len() as u64;
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    for envelope in received.envelopes {
        let mut r = envelope.new_record(Some(office), &state.policy);
        save(&mut tx, &mut r, &state.policy).await?;
    }
    for serial in &discarded {
        forget_secret(&mut tx, item, serial).await?;
    }
    acting.record(&mut tx, &chain_of(&caller.tree, office), &received.events).await?;
    let stock = warn_low(&mut tx, &acting, &state, &snapshot, &[item]).await?;
    let answer = ReceivedView { stock_box: record.into(), registered, discarded, stock };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}

/// Deletes the secret of a discarded envelope: nothing may ever use it (R-RES-4).
async fn forget_secret(tx: &mut Tx<'_>, item: DkItem, serial: &str) -> Result<(), Problem> {
    let purpose = match item {
        DkItem::KeyCard | DkItem::LargePrintKeyCard => SecretPurpose::KeyCard,
        DkItem::PasscodeLetter | DkItem::Medium => SecretPurpose::TemporaryPasscode,
        DkItem::CodeDisplay | DkItem::AudioCodeReader => SecretPurpose::TotpSeed,
    };
    tx.delete_secret(&stock_owner(item, serial), purpose).await?;
    Ok(())
}

// ---- envelopes ---------------------------------------------------------------------------------

/// Which envelopes to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnvelopeQuery {
    /// The office.
    pub office: String,
    /// Only this item (`key_card`, `large_print_key_card`, `passcode_letter`, `medium`,
    /// `code_display`, `audio_code_reader`).
    pub item: Option<String>,
    /// Only in this status (`in_stock`, `discarded`, `handed_out`, …).
    pub status: Option<String>,
    /// At most this many rows (1 to 1000, default 50).
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

/// A page of envelopes.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopePage {
    /// The envelopes (in id order, which is not the serial order).
    pub envelopes: Vec<EnvelopeView>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

fn item_param(field: &'static str, text: &str) -> Result<DkItem, Problem> {
    DkItem::parse(text).ok_or_else(|| {
        Problem::from(Refusal::field(
            "R-RES-4",
            field,
            "is not a stock item (key_card, large_print_key_card, passcode_letter, medium, code_display, \
             audio_code_reader)",
        ))
    })
}

/// The envelopes and other authenticators an office holds or gave out, a page at a time.
#[utoipa::path(get, path = "/api/v1/dk/stock/envelopes", tag = "dk",
    params(EnvelopeQuery), security(("clientCertificate" = [])),
    responses((status = 200, description = "A page of envelopes", body = EnvelopePage),
        (status = 403, description = "No dk_stock right on the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter", body = Problem, content_type = "application/problem+json")))]
pub async fn list_envelopes(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    ApiQuery(q): ApiQuery<EnvelopeQuery>,
) -> Result<Json<EnvelopePage>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let office = org_param("office", &q.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkStock, office)?;
    let limit = limit_param(q.limit)?;
    let item = q.item.as_deref().map(|i| item_param("item", i)).transpose()?;
    let statuses: Vec<&str> = q.status.as_deref().into_iter().collect();
    let mut after = after_param(q.after.as_deref())?;
    let mut envelopes = Vec::new();
    // The item is in the state, not a column: read pages until this one is full.
    loop {
        let page: Vec<Record<Authenticator>> = state
            .store
            .records_of_org(Authenticator::KIND, office, &statuses, after.as_deref(), limit)
            .await?;
        let full = page.len() == limit as usize;
        for r in page {
            after = Some(r.id.clone());
            if item.is_none_or(|i| DkItem::of(&r.state) == Some(i)) {
                envelopes.push(EnvelopeView::from(r));
                if envelopes.len() == limit as usize {
                    return Ok(Json(EnvelopePage { envelopes, next: after }));
                }
            }
        }
        if !full {
            return Ok(Json(EnvelopePage { envelopes, next: None }));
        }
    }
}

/// The envelope of an item by its registered number, in the caller's scope (R-ORG-1).
#[utoipa::path(get, path = "/api/v1/dk/stock/envelopes/{item}/{serial}", tag = "dk",
    params(("item" = String, Path, description = "The stock item"), ("serial" = String, Path, description = "The number on the envelope")),
    security(("clientCertificate" = [])),
    responses((status = 200, description = "The envelope", body = EnvelopeView),
        (status = 404, description = "No such envelope in the caller's scope", body = Problem, content_type = "application/problem+json")))]
pub async fn get_envelope(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    Path((item, serial)): Path<(String, String)>,
    uri: Uri,
) -> Result<Json<EnvelopeView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let id = envelope_path(&item, &serial, uri.path())?;
    let record: Record<Authenticator> =
        record_in_scope(&state, &caller, &id.to_string(), uri.path(), Permission::DkStock).await?;
    Ok(Json(record.into()))
}

/// The envelope id of a path's item and serial; "not found" when they name none.
fn envelope_path(item: &str, serial: &str, path: &str) -> Result<AuthenticatorId, Problem> {
    let item = DkItem::parse(item).ok_or_else(|| Problem::not_found(path))?;
    let serial = parse_serial(serial).ok_or_else(|| Problem::not_found(path))?;
    Ok(envelope_id(item, serial))
}

/// Why an envelope is discarded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardBody {
    /// `opened` (it shows signs of opening) or `damaged`.
    #[schema(value_type = String)]
    pub mark: EnvelopeMark,
}

/// An envelope discarded, with the stock it left.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscardedView {
    /// The envelope, now `discarded`.
    pub envelope: EnvelopeView,
    /// The office's stock of the item now (R-RES-4).
    pub stock: Vec<LevelView>,
}

/// Discards an envelope in stock that shows signs of opening or is damaged (R-RES-4): it can
/// never be handed out, and its secret is deleted. The low-stock warning is recorded when the
/// stock is low.
#[utoipa::path(post, path = "/api/v1/dk/stock/envelopes/{item}/{serial}/discard", tag = "dk",
    params(("item" = String, Path, description = "The stock item"), ("serial" = String, Path, description = "The number on the envelope"),
        ("Idempotency-Key" = String, Header, description = "A new key per request"),
        ("Tillit-Signature" = String, Header, description = "The officer's signature over the action")),
    request_body = DiscardBody, security(("clientCertificate" = [])),
    responses((status = 200, description = "Discarded", body = DiscardedView),
        (status = 404, description = "No such envelope in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule refused it", body = Problem, content_type = "application/problem+json")))]
pub async fn discard(
    State(state): State<Arc<AppState>>,
    Path((item, serial)): Path<(String, String)>,
    Signed(acting): Signed,
) -> Result<Response, Problem> {
    let cmd: DiscardBody = acting.json()?;
    let caller = &acting.caller;
    let id = envelope_path(&item, &serial, acting.path())?;
    let mut record: Record<Authenticator> =
        record_in_scope(&state, caller, &id.to_string(), acting.path(), Permission::DkStock).await?;
    let events = stock::mark_envelope(&record.state, cmd.mark, caller.principal.person, today())?;
    for e in &events {
        record.state.apply(e);
    }
    let office = record.state.office;
    let item = DkItem::of(&record.state).ok_or_else(Problem::internal)?;
    let snapshot = Snapshot::load(&state, office, std::slice::from_ref(&record.state), None).await?;
    let mut tx = state.store.begin().await?;
    save(&mut tx, &mut record, &state.policy).await?;
    if let Some(serial) = record.state.serial.clone() {
        forget_secret(&mut tx, item, &serial).await?;
    }
    acting.record(&mut tx, &chain_of(&caller.tree, office), &events).await?;
    let stock = warn_low(&mut tx, &acting, &state, &snapshot, &[item]).await?;
    let answer = DiscardedView { envelope: record.into(), stock };
    acting.finish(&state, tx, StatusCode::OK, &answer).await
}

// ---- levels (R-RES-4) ---------------------------------------------------------------------------

/// Whose stock, and the campaign to check it against.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    /// The office.
    pub office: String,
    /// Only this item; without it, every item the office keeps.
    pub item: Option<String>,
    /// The demand a coming campaign is expected to bring, per item: each level then carries
    /// the campaign check (001 §7).
    pub expected_demand: Option<u64>,
}

/// An office's stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockView {
    /// The office.
    #[schema(value_type = String)]
    pub office: OrgId,
    /// One level per item (those with envelopes in stock or boxes on order, or the item asked
    /// for).
    pub items: Vec<LevelView>,
}

/// An office's stock per item (R-RES-4): envelopes in stock and on order against the policy's
/// threshold (`dk_low_stock`) with the low-stock warning; with `expected_demand`, the check
/// before a campaign (001 §7: order extra before campaigns).
#[utoipa::path(get, path = "/api/v1/dk/stock", tag = "dk",
    params(LevelQuery), security(("clientCertificate" = [])),
    responses((status = 200, description = "The stock", body = StockView),
        (status = 403, description = "No dk_stock right on the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter", body = Problem, content_type = "application/problem+json")))]
pub async fn levels(
    State(state): State<Arc<AppState>>,
    cert: ClientCert,
    ApiQuery(q): ApiQuery<LevelQuery>,
) -> Result<Json<StockView>, Problem> {
    let caller = Caller::of(&state, &cert).await?;
    let office = org_param("office", &q.office)?;
    caller.principal.authorise(&caller.tree, Permission::DkStock, office)?;
    let item = q.item.as_deref().map(|i| item_param("item", i)).transpose()?;
    let snapshot = Snapshot::load(&state, office, &[], None).await?;
    let items = match item {
        Some(item) => vec![item],
        None => snapshot.items(),
    };
    Ok(Json(StockView {
        office,
        items: items
            .into_iter()
            .map(|i| LevelView::of(snapshot.level(i, &state), q.expected_demand))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_ids_are_stable_and_distinct() {
        let a = envelope_id(DkItem::KeyCard, 1_000_000_001);
        assert_eq!(a, envelope_id(DkItem::KeyCard, 1_000_000_001));
        assert_ne!(a, envelope_id(DkItem::KeyCard, 1_000_000_002));
        assert_ne!(a, envelope_id(DkItem::LargePrintKeyCard, 1_000_000_001));
        assert_eq!(a.0.get_version_num(), 8);
        assert_eq!(parse_serial("1000-0000 01"), Some(1_000_000_001));
        assert_eq!(parse_serial("12a"), None);
        assert_eq!(parse_serial(""), None);
        assert_eq!(printed("ABCDEFGHJK"), "ABCDE-FGHJK");
    }
}
