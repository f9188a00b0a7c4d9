//! The citizen's sign-in and activation with the eID the Danish RA issued (issue 7, R-DK-1,
//! R-DK-8), in two steps over one sign-in request ([`tillit_store::eid::OidcRequest`]):
//!
//! 1. user id and passcode — the temporary passcode of the letter (or medium, or SMS) while
//!    the eID awaits activation, the citizen's own passcode after;
//! 2. the one-time code: the key card's next code (the page names its printed key), or a code
//!    display's (or audio code reader's) TOTP code; at activation also the new passcode,
//!    twice.
//!
//! The decisions are the core's (`tillit_core::ra::dk::account`): a wrong passcode or code is
//! one more failure, and at the policy's limit (5) the account is locked until the citizen
//! comes to the desk; while locked, suspended or revoked nothing is even checked. Failures,
//! the lock, the activation and every sign-in are audit entries (actor `citizen:<person>`),
//! written with the account in one transaction; the account is written only if nobody changed
//! it since it was read, so of concurrent attempts none is lost and the lock holds under any
//! load (and survives a restart: it is in the database).
//!
//! An unknown user id is answered as a wrong passcode, after a passcode hash of the same cost
//! (the answer's time says nothing of which user ids exist). Key-card codes are one-time:
//! each card's next position advances with each code used; a code token's step is never
//! accepted twice. Revocation assistance (R-DK-7) changes the same records, so sign-in stops
//! at once.

use std::collections::HashMap;
use std::sync::Arc;

use subtle::ConstantTimeEq as _;
use tillit_core::audit::Actor;
use tillit_core::ra::dk::account::{
    self, Account, AccountEvent, AccountStatus, ActivationChecks, Attempt, PasscodeChoice, SignInChecks,
};
use tillit_core::ra::dk::authenticator::{self, AuthEvent, AuthKind, AuthStatus, Authenticator};
use tillit_core::ra::dk::stock::DkItem;
use tillit_core::ra::dk::AccountId;
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::Event as _;
use tillit_pki::secret::keycard::DEFAULT_POSITIONS;
use tillit_pki::secret::{normalise, KeyCard, KeyCardSecret, KeyCardSerial, Totp, TotpParams, TotpSeed};
use tillit_store::eid::{OidcRequest, SecretPurpose, SignInStep};
use tillit_store::records::Record;
use tillit_store::StoreError;
use tokio::sync::OnceCell;

use super::oidc::{self, token_hash, Authenticated};
use crate::problem::Problem;
use crate::routines::dk::{authenticators_of, open_sealed, stock_owner};
use crate::routines::kinds::Kept;
use crate::routines::{chain_of, save};
use crate::AppState;

/// The client id of the self-service activation page (no relying party: the citizen only
/// activates). No code is ever issued for it.
pub const SELF_SERVICE: &str = "tillit-self-service";

/// How many times an attempt is tried again when a concurrent one (on another node) changed
/// the account first. Each conflict means another attempt was written, so this bounds the
/// wait, not the counting: an attempt that cannot be written answers 503 and its passcode
/// or code was compared only against an account that another failure then changed.
const RETRIES: usize = 50;

/// One attempt at a time per account on this node: attempts on one eID queue here instead of
/// racing to write the account (the versioned write still decides between nodes).
static TURNS: std::sync::LazyLock<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
    std::sync::LazyLock::new(Default::default);

/// Waits for the account's turn; the turn ends when the guard is dropped.
async fn turn(account: &str) -> Turn {
    let lock = {
        let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        turns.entry(account.to_string()).or_default().clone()
    };
    let guard = lock.clone().lock_owned().await;
    Turn { account: account.to_string(), lock, _guard: guard }
}

/// An account's turn.
struct Turn {
    account: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The map's copy, this turn's copy and its guard's: nobody else waits.
        if Arc::strong_count(&self.lock) <= 3 {
            turns.remove(&self.account);
        }
    }
}

/// What the code step asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// The key card's code next to the printed key.
    KeyCard {
        /// The key printed on the card (4 digits).
        key: String,
        /// The card's serial number, to tell cards apart.
        serial: String,
    },
    /// The code shown by the code display (or read by the audio code reader).
    Token {
        /// An audio code reader (for a blind citizen, R-DK-3).
        audio: bool,
        /// Its serial number.
        serial: Option<String>,
    },
}

/// Why the eID cannot be used now; the page says what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Locked after too many failed attempts (R-DK-8): come to the desk.
    Locked,
    /// Suspended (R-DK-7): it can be reactivated at the desk.
    Suspended,
    /// Revoked (R-DK-7).
    Revoked,
    /// No usable key card or code token (all codes used, or none active).
    NoCode,
}

/// The answer to the passcode step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasscodeStep {
    /// Right: the code is asked for; at activation the new passcode too.
    Code {
        /// What is asked.
        prompt: Prompt,
        /// The eID awaits activation.
        activation: bool,
    },
    /// The user id or the passcode is wrong (never which).
    Wrong,
    /// The eID cannot be used.
    Unusable(Unusable),
    /// The sign-in request is unknown, used or expired.
    Expired,
}

/// The answer to the code step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeStep {
    /// Signed in (or activated): where to send the browser, for a relying party.
    Done {
        /// The relying party's redirect with the code; `None` for self-service.
        redirect: Option<String>,
        /// The eID was activated now.
        activated: bool,
    },
    /// The code was wrong: the sign-in starts again at the passcode.
    Wrong,
    /// The new passcode is not acceptable (nothing counted).
    NewPasscode(Refusal),
    /// The two new passcodes differ (nothing counted).
    NewPasscodeMismatch,
    /// The eID cannot be used.
    Unusable(Unusable),
    /// The sign-in request is unknown, used or expired (or not at the code step).
    Expired,
}

fn unusable(account: &Account) -> Option<Unusable> {
    match account.status {
        AccountStatus::Revoked => Some(Unusable::Revoked),
        AccountStatus::Suspended => Some(Unusable::Suspended),
        _ if account.locked => Some(Unusable::Locked),
        _ => None,
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn now_us() -> i64 {
    crate::routines::officers::now_us()
}

/// Starts a self-service activation (no relying party): the id of its sign-in request.
pub async fn start_self_service(state: &AppState) -> Result<String, Problem> {
    let id = state.eid().await?.provider.random_id()?;
    let now = now_us();
    state
        .store
        .insert_oidc_request(&OidcRequest {
            id_hash: token_hash(&id),
            client_id: SELF_SERVICE.into(),
            redirect_uri: String::new(),
            state: None,
            nonce: None,
            code_challenge: String::new(),
            acr_values: None,
            account: None,
            step: SignInStep::Passcode,
            created_us: now,
            expires_us: now + oidc::REQUEST_LIFETIME_US,
        })
        .await?;
    Ok(id)
}

/// The sign-in request `id`, unused and unexpired.
pub async fn request(state: &AppState, id: &str) -> Result<Option<OidcRequest>, Problem> {
    Ok(state.store.oidc_request(&token_hash(id), now_us()).await?)
}

/// A passcode hash of the current cost, to check against when the user id is unknown.
async fn dummy_hash(state: &AppState) -> Result<&'static str, Problem> {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    let hasher = state.eid().await?.hasher.clone();
    let hash = DUMMY
        .get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || hasher.hash("tillit-no-such-user"))
                .await
                .map_err(|_| Problem::internal())?
                .map_err(|e| {
                    tracing::error!(error = %e, "hashing failed");
                    Problem::internal()
                })
        })
        .await?;
    Ok(hash.as_str())
}

/// Checks `passcode` against the argon2id `hash` off the async threads.
async fn verify_hash(state: &AppState, passcode: &str, hash: &str) -> Result<bool, Problem> {
    let hasher = state.eid().await?.hasher.clone();
    let (passcode, hash) = (zeroize::Zeroizing::new(passcode.to_string()), hash.to_string());
    let verdict = tokio::task::spawn_blocking(move || hasher.verify(&passcode, &hash))
        .await
        .map_err(|_| Problem::internal())?;
    match verdict {
        Ok(v) => Ok(v.is_match()),
        Err(e) => {
            tracing::error!(error = %e, "a stored passcode hash cannot be checked");
            Err(Problem::internal())
        }
    }
}

/// The account of a user id.
async fn account_of(state: &AppState, user_id: &str) -> Result<Option<Record<Account>>, Problem> {
    let user_id: String = user_id.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let Some(account) = state.store.account_of_user_id(&user_id).await? else { return Ok(None) };
    Ok(state.store.record(Account::KIND, &account).await?)
}

/// Whether the temporary passcode given is the account's newest: the letter's or medium's
/// (sealed), the SMS PIN's (hashed), or a paper activation code (hashed; R-DK-8: valid 48
/// hours, blocked after 3 wrong tries). A wrong or expired activation code comes with the
/// events that record it (the wrong try, the block, the expiry), written with the failure.
async fn temporary_passcode_ok(
    state: &AppState,
    authenticators: &[Record<Authenticator>],
    entered: &str,
) -> Result<(bool, Option<(Record<Authenticator>, Vec<AuthEvent>)>), Problem> {
    // Only the newest temporary passcode counts: a new letter (a forgotten passcode, R-DK-6)
    // replaces any earlier one not yet used.
    let carrier = authenticators
        .iter()
        .filter(|a| {
            a.state.kind.carries_passcode()
                && matches!(a.state.status, AuthStatus::HandedOut | AuthStatus::Mailed | AuthStatus::Active)
        })
        .max_by_key(|a| a.state.issued_at);
    let Some(carrier) = carrier else { return Ok((false, None)) };
    let a = &carrier.state;
    let owner = a.id.to_string();
    Ok(match (a.kind, DkItem::of(a), a.serial.as_deref()) {
        (AuthKind::SmsPin, _, _) => match state.store.secret(&owner, SecretPurpose::TemporaryPasscode).await?
        {
            Some(hash) => (verify_hash(state, &normalise(entered), &hash).await?, None),
            None => (false, None),
        },
        (AuthKind::ActivationCode, _, _) => {
            let right = match state.store.secret(&owner, SecretPurpose::ActivationCode).await? {
                Some(hash) => verify_hash(state, &normalise(entered), &hash).await?,
                None => false,
            };
            match authenticator::use_activation_code(a, now(), right, &state.policy) {
                Ok(events) if events.iter().any(|e| matches!(e, AuthEvent::ActivationCodeUsed { .. })) => {
                    // Used only when the activation completes (the code step).
                    (true, None)
                }
                Ok(events) => (false, Some((carrier.clone(), events))),
                // Blocked or used: refused without counting on the code.
                Err(_) => (false, None),
            }
        }
        (_, Some(item), Some(serial)) => {
            match open_sealed(state, &stock_owner(item, serial), SecretPurpose::TemporaryPasscode).await? {
                Some(stored) => {
                    let stored = normalise(&String::from_utf8_lossy(&stored));
                    (bool::from(stored.as_bytes().ct_eq(normalise(entered).as_bytes())), None)
                }
                None => (false, None),
            }
        }
        _ => (false, None),
    })
}

/// The second factor the code step asks for: the oldest key card with codes left, else a
/// code token; handed out, mailed or active.
fn second_factor(authenticators: &[Record<Authenticator>]) -> Option<&Record<Authenticator>> {
    let usable = |a: &&Record<Authenticator>| {
        matches!(a.state.status, AuthStatus::HandedOut | AuthStatus::Mailed | AuthStatus::Active)
    };
    let mut cards: Vec<&Record<Authenticator>> = authenticators
        .iter()
        .filter(usable)
        .filter(|a| a.state.kind == AuthKind::KeyCard && a.state.codes_used < u32::from(DEFAULT_POSITIONS))
        .collect();
    cards.sort_by_key(|a| a.state.issued_at);
    cards.first().copied().or_else(|| {
        authenticators
            .iter()
            .filter(usable)
            .find(|a| matches!(a.state.kind, AuthKind::CodeDisplay | AuthKind::AudioCodeReader))
    })
}

async fn key_card(state: &AppState, a: &Authenticator) -> Result<Option<KeyCard>, Problem> {
    let (Some(item), Some(serial)) = (DkItem::of(a), a.serial.as_deref()) else { return Ok(None) };
    let Some(secret) = open_sealed(state, &stock_owner(item, serial), SecretPurpose::KeyCard).await? else {
        return Ok(None);
    };
    let card = KeyCardSerial::new(serial)
        .and_then(|serial| KeyCard::new(serial, KeyCardSecret::from_bytes(&secret)?, DEFAULT_POSITIONS));
    card.map(Some).map_err(|e| {
        tracing::error!(error = %e, "a key card's secret is unusable");
        Problem::internal()
    })
}

async fn totp(state: &AppState, a: &Authenticator) -> Result<Option<Totp>, Problem> {
    let (Some(item), Some(serial)) = (DkItem::of(a), a.serial.as_deref()) else { return Ok(None) };
    let Some(seed) = open_sealed(state, &stock_owner(item, serial), SecretPurpose::TotpSeed).await? else {
        return Ok(None);
    };
    TotpSeed::from_bytes(&seed).map(|seed| Some(Totp::new(seed, TotpParams::default()))).map_err(|e| {
        tracing::error!(error = %e, "a code token's seed is unusable");
        Problem::internal()
    })
}

async fn prompt(state: &AppState, factor: &Record<Authenticator>) -> Result<Option<Prompt>, Problem> {
    let a = &factor.state;
    Ok(match a.kind {
        AuthKind::KeyCard => {
            let Some(card) = key_card(state, a).await? else { return Ok(None) };
            let position = (a.codes_used + 1).min(u32::from(DEFAULT_POSITIONS)) as u16;
            let key = card.key(position).map_err(|_| Problem::internal())?;
            Some(Prompt::KeyCard { key: key.to_string(), serial: a.serial.clone().unwrap_or_default() })
        }
        AuthKind::CodeDisplay | AuthKind::AudioCodeReader => {
            Some(Prompt::Token { audio: a.kind == AuthKind::AudioCodeReader, serial: a.serial.clone() })
        }
        _ => None,
    })
}

/// The audit chain of the account (its office's organisation) and the citizen as actor.
async fn chain_and_actor(state: &AppState, record: &Record<Account>) -> Result<(String, Actor), Problem> {
    let tree = OrgTree::new(state.store.orgs().await?).map_err(|_| Problem::internal())?;
    let office = record.org.ok_or_else(Problem::internal)?;
    let actor = Actor::parse(&format!("citizen:{}", record.state.person)).map_err(|_| Problem::internal())?;
    Ok((chain_of(&tree, office), actor))
}

/// Writes the account's events (and the changed authenticators) in one transaction.
async fn write(
    state: &AppState,
    record: &mut Record<Account>,
    events: &[AccountEvent],
    changed: &mut [Record<Authenticator>],
    auth_events: &[AuthEvent],
    secrets: Vec<SecretWrite>,
) -> Result<(), WriteError> {
    let (chain, actor) = chain_and_actor(state, record).await.map_err(WriteError::Problem)?;
    for e in events {
        record.state.apply(e);
    }
    let mut tx = state.store.begin().await.map_err(WriteError::Store)?;
    for e in events {
        tx.append(e.to_audit(&chain, &actor)).await.map_err(WriteError::Store)?;
    }
    for e in auth_events {
        tx.append(e.to_audit(&chain, &actor)).await.map_err(WriteError::Store)?;
    }
    for w in secrets {
        match w {
            SecretWrite::Put { owner, purpose, value } => {
                tx.put_secret(&owner, purpose, &value, now_us()).await.map_err(WriteError::Store)?
            }
            SecretWrite::Delete { owner, purpose } => {
                tx.delete_secret(&owner, purpose).await.map_err(WriteError::Store)?;
            }
        }
    }
    save(&mut tx, record, &state.policy).await.map_err(WriteError::Problem)?;
    for a in changed.iter_mut() {
        save(&mut tx, a, &state.policy).await.map_err(WriteError::Problem)?;
    }
    tx.commit().await.map_err(WriteError::Store)?;
    Ok(())
}

/// A secret written with the account.
enum SecretWrite {
    Put { owner: String, purpose: SecretPurpose, value: String },
    Delete { owner: String, purpose: SecretPurpose },
}

enum WriteError {
    Store(StoreError),
    Problem(Problem),
}

impl WriteError {
    /// Whether another attempt changed a record first (read again and decide again).
    fn is_conflict(&self) -> bool {
        match self {
            WriteError::Store(StoreError::Conflict { .. }) => true,
            WriteError::Problem(p) => p.status == 409,
            WriteError::Store(_) => false,
        }
    }

    fn problem(self) -> Problem {
        match self {
            WriteError::Store(e) => e.into(),
            WriteError::Problem(p) => p,
        }
    }
}

/// Records one failed attempt on the account read (retrying on a concurrent change); whether
/// it is now unusable.
async fn fail(
    state: &AppState,
    account: AccountId,
    attempt: Attempt,
    carrier: Option<(Record<Authenticator>, Vec<AuthEvent>)>,
) -> Result<Option<Unusable>, Problem> {
    let (mut changed, auth_events) = match carrier {
        Some((mut record, events)) => {
            for e in &events {
                record.state.apply(e);
            }
            (vec![record], events)
        }
        None => (Vec::new(), Vec::new()),
    };
    for _ in 0..RETRIES {
        let Some(mut record) = crate::routines::dk::account(state, account).await? else {
            return Err(Problem::internal());
        };
        let events = match account::record_failure(&record.state, attempt, &state.policy, now()) {
            Ok(events) => events,
            Err(_) => return Ok(unusable(&record.state)),
        };
        match write(state, &mut record, &events, &mut changed, &auth_events, Vec::new()).await {
            Ok(()) => return Ok(unusable(&record.state)),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.problem()),
        }
    }
    Err(Problem::unavailable("too many concurrent attempts on this eID; try again"))
}

/// The passcode step: user id and passcode.
pub async fn passcode(
    state: &AppState,
    request_id: &str,
    user_id: &str,
    passcode: &str,
) -> Result<PasscodeStep, Problem> {
    let Some(request) = request(state, request_id).await? else { return Ok(PasscodeStep::Expired) };
    let Some(record) = account_of(state, user_id).await? else {
        // As long as a wrong passcode takes.
        let hash = dummy_hash(state).await?;
        verify_hash(state, passcode, hash).await?;
        return Ok(PasscodeStep::Wrong);
    };
    let _turn = turn(&record.id).await;
    // Read again in the turn: an attempt before it may have locked the account.
    let Some(record) = state.store.record::<Account>(Account::KIND, &record.id).await? else {
        return Ok(PasscodeStep::Expired);
    };
    if let Some(why) = unusable(&record.state) {
        return Ok(PasscodeStep::Unusable(why));
    }
    let account = &record.state;
    let authenticators = authenticators_of(state, account).await?;
    let activation = account.status == AccountStatus::AwaitingActivation;
    let (right, carrier) = if activation {
        temporary_passcode_ok(state, &authenticators, passcode).await?
    } else {
        match state.store.secret(&account.id.to_string(), SecretPurpose::Passcode).await? {
            Some(hash) => (verify_hash(state, passcode, &hash).await?, None),
            None => (false, None),
        }
    };
    if !right {
        let attempt = if activation { Attempt::Activation } else { Attempt::SignIn };
        return Ok(match fail(state, account.id, attempt, carrier).await? {
            Some(why) => PasscodeStep::Unusable(why),
            None => PasscodeStep::Wrong,
        });
    }
    let Some(factor) = second_factor(&authenticators) else {
        return Ok(PasscodeStep::Unusable(Unusable::NoCode));
    };
    let Some(prompt) = prompt(state, factor).await? else {
        return Ok(PasscodeStep::Unusable(Unusable::NoCode));
    };
    let mut tx = state.store.begin().await?;
    let moved = tx
        .advance_oidc_request(
            &request.id_hash,
            request.step,
            SignInStep::Code,
            Some(&account.id.to_string()),
            now_us(),
        )
        .await?;
    tx.commit().await?;
    if !moved {
        return Ok(PasscodeStep::Expired);
    }
    Ok(PasscodeStep::Code { prompt, activation })
}

/// The new passcode at activation, twice.
#[derive(Debug, Clone, Copy)]
pub struct NewPasscode<'a> {
    /// The passcode chosen.
    pub passcode: &'a str,
    /// The same, again.
    pub again: &'a str,
}

/// The code step: the one-time code (and at activation the new passcode).
pub async fn code(
    state: &AppState,
    request_id: &str,
    code: &str,
    new: Option<NewPasscode<'_>>,
) -> Result<CodeStep, Problem> {
    let Some(request) = request(state, request_id).await? else { return Ok(CodeStep::Expired) };
    let (SignInStep::Code, Some(account_id)) = (request.step, request.account.as_deref()) else {
        return Ok(CodeStep::Expired);
    };
    let account_id: AccountId = account_id.parse().map_err(|_| Problem::internal())?;
    let _turn = turn(&account_id.to_string()).await;
    for _ in 0..RETRIES {
        let Some(mut record) = crate::routines::dk::account(state, account_id).await? else {
            return Ok(CodeStep::Expired);
        };
        if let Some(why) = unusable(&record.state) {
            return Ok(CodeStep::Unusable(why));
        }
        let mut authenticators = authenticators_of(state, &record.state).await?;
        let Some(index) = second_factor(&authenticators).map(|f| f.id.clone()) else {
            return Ok(CodeStep::Unusable(Unusable::NoCode));
        };
        let Some(factor) = authenticators.iter().position(|a| a.id == index) else {
            return Ok(CodeStep::Unusable(Unusable::NoCode));
        };
        // The code: a key card's next position, or a code token's step not used before.
        let now = now();
        let a = authenticators[factor].state.clone();
        let (right, step) = match a.kind {
            AuthKind::KeyCard => match key_card(state, &a).await? {
                Some(card) => {
                    (card.verify((a.codes_used + 1).min(u32::from(DEFAULT_POSITIONS)) as u16, code), None)
                }
                None => (false, None),
            },
            _ => match totp(state, &a).await? {
                Some(totp) => {
                    let step = totp.verify(code, now.unix_timestamp().max(0) as u64, 1, a.last_code_step);
                    (step.is_some(), step)
                }
                None => (false, None),
            },
        };
        let activation = record.state.status == AccountStatus::AwaitingActivation;
        let events = if activation {
            let Some(new) = new else { return Ok(CodeStep::NewPasscodeMismatch) };
            if new.passcode != new.again {
                return Ok(CodeStep::NewPasscodeMismatch);
            }
            let checks = ActivationChecks {
                temporary_passcode_ok: true,
                key_card_code_ok: right,
                new_passcode: PasscodeChoice::new(new.passcode),
            };
            match account::activate(&record.state, &checks, &state.policy, now) {
                Ok(events) => events,
                Err(refusal) if refusal.field == Some("new_passcode") => {
                    return Ok(CodeStep::NewPasscode(refusal))
                }
                Err(_) => return Ok(CodeStep::Unusable(unusable(&record.state).unwrap_or(Unusable::Locked))),
            }
        } else {
            match account::sign_in(
                &record.state,
                SignInChecks { passcode_ok: true, code_ok: right },
                &state.policy,
                now,
            ) {
                Ok(events) => events,
                Err(_) => return Ok(CodeStep::Unusable(unusable(&record.state).unwrap_or(Unusable::Locked))),
            }
        };
        let succeeded = events
            .iter()
            .any(|e| matches!(e, AccountEvent::SignedIn { .. } | AccountEvent::Activated { .. }));
        // What a success changes besides the account: the code is used up, the authenticator
        // activated on its first use, and at activation the new passcode kept (hashed) and
        // the temporary one destroyed.
        let mut auth_events = Vec::new();
        let mut changed = Vec::new();
        let mut passcode_hash = None;
        let mut used_carriers = Vec::new();
        if succeeded {
            let mut f = authenticators.swap_remove(factor);
            if f.state.kind == AuthKind::KeyCard {
                f.state.codes_used += 1;
            }
            if step.is_some() {
                f.state.last_code_step = step;
            }
            if f.state.status != AuthStatus::Active {
                let activated = authenticator::activate(&f.state, now).map_err(|_| Problem::internal())?;
                for e in &activated {
                    f.state.apply(e);
                }
                auth_events.extend(activated);
            }
            changed.push(f);
            if activation {
                let new = new.map(|n| n.passcode).unwrap_or_default().to_string();
                let hasher = state.eid().await?.hasher.clone();
                let hash = tokio::task::spawn_blocking(move || hasher.hash(&new))
                    .await
                    .map_err(|_| Problem::internal())?
                    .map_err(|e| {
                        tracing::error!(error = %e, "hashing failed");
                        Problem::internal()
                    })?;
                passcode_hash = Some(hash);
                for carrier in authenticators.iter_mut().filter(|c| {
                    c.state.kind.carries_passcode()
                        && matches!(c.state.status, AuthStatus::HandedOut | AuthStatus::Mailed)
                }) {
                    let purpose = match carrier.state.kind {
                        AuthKind::ActivationCode => SecretPurpose::ActivationCode,
                        _ => SecretPurpose::TemporaryPasscode,
                    };
                    match (DkItem::of(&carrier.state), carrier.state.serial.as_deref()) {
                        (Some(item), Some(serial)) => {
                            used_carriers.push((stock_owner(item, serial), purpose))
                        }
                        _ => used_carriers.push((carrier.state.id.to_string(), purpose)),
                    }
                    // A paper activation code is used up (R-DK-8); a letter, medium or PIN is
                    // activated.
                    let activated = match carrier.state.kind {
                        AuthKind::ActivationCode => {
                            authenticator::use_activation_code(&carrier.state, now, true, &state.policy)
                        }
                        _ => authenticator::activate(&carrier.state, now),
                    }
                    .map_err(|_| Problem::internal())?;
                    for e in &activated {
                        carrier.state.apply(e);
                    }
                    auth_events.extend(activated);
                    changed.push(carrier.clone());
                }
            }
        }
        let account_key = record.state.id.to_string();
        let mut writes = Vec::new();
        if let Some(hash) = passcode_hash {
            writes.push(SecretWrite::Put {
                owner: account_key,
                purpose: SecretPurpose::Passcode,
                value: hash,
            });
        }
        for (owner, purpose) in used_carriers {
            writes.push(SecretWrite::Delete { owner, purpose });
        }
        let result = write(state, &mut record, &events, &mut changed, &auth_events, writes).await;
        match result {
            Ok(()) => {}
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.problem()),
        }
        if !succeeded {
            // Back to the passcode: a wrong code costs the whole attempt.
            let mut tx = state.store.begin().await?;
            tx.advance_oidc_request(&request.id_hash, SignInStep::Code, SignInStep::Passcode, None, now_us())
                .await?;
            tx.commit().await?;
            return Ok(match unusable(&record.state) {
                Some(why) => CodeStep::Unusable(why),
                None => CodeStep::Wrong,
            });
        }
        if request.client_id == SELF_SERVICE {
            let mut tx = state.store.begin().await?;
            tx.use_oidc_request(&request.id_hash, now_us()).await?;
            tx.commit().await?;
            return Ok(CodeStep::Done { redirect: None, activated: activation });
        }
        let amr: Vec<&'static str> = match a.kind {
            AuthKind::KeyCard => vec!["pwd", "otp"],
            _ => vec!["pwd", "otp", "hwk"],
        };
        let who = Authenticated {
            account: record.state.id.to_string(),
            person: record.state.person.to_string(),
            acr: record.state.assurance.acr().to_string(),
            amr,
            auth_time_us: now_us(),
        };
        let redirect = oidc::issue_code(state, request_id, &who).await?;
        return Ok(match redirect {
            Some(url) => CodeStep::Done { redirect: Some(url), activated: activation },
            None => CodeStep::Expired,
        });
    }
    Err(Problem::unavailable("too many concurrent attempts on this eID; try again"))
}

/// The client's name for the sign-in page ("Sign in to …"), `None` for self-service.
pub async fn client_name(state: &AppState, request: &OidcRequest) -> Result<Option<String>, Problem> {
    if request.client_id == SELF_SERVICE {
        return Ok(None);
    }
    Ok(state.store.oidc_client(&request.client_id).await?.map(|c| c.name))
}

/// Cancels a sign-in: the relying party's redirect with `access_denied`.
pub async fn cancel(state: &AppState, request_id: &str) -> Result<Option<String>, Problem> {
    match request(state, request_id).await? {
        Some(r) if r.client_id == SELF_SERVICE => Ok(None),
        Some(_) => oidc::deny(state, request_id, "the citizen cancelled the sign-in").await,
        None => Ok(None),
    }
}

/// The code step's prompt again for a request at the code step (after a new passcode that
/// could not be used): what to ask and whether it is an activation.
pub async fn prompt_again(state: &AppState, request_id: &str) -> Result<Option<(Prompt, bool)>, Problem> {
    let Some(request) = request(state, request_id).await? else { return Ok(None) };
    let (SignInStep::Code, Some(account_id)) = (request.step, request.account.as_deref()) else {
        return Ok(None);
    };
    let account_id: AccountId = account_id.parse().map_err(|_| Problem::internal())?;
    let Some(record) = crate::routines::dk::account(state, account_id).await? else { return Ok(None) };
    let authenticators = authenticators_of(state, &record.state).await?;
    let Some(factor) = second_factor(&authenticators) else { return Ok(None) };
    let activation = record.state.status == AccountStatus::AwaitingActivation;
    Ok(prompt(state, factor).await?.map(|p| (p, activation)))
}
