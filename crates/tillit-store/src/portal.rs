//! What the officer portal keeps (docs/design/portal.md §1.2): each officer's passkeys and
//! WebAuthn user handle, one-time passkey enrolment links, browser sessions, the single-use
//! challenges of sign-in, enrolment and signed actions, and a person's history read through
//! the audit log's subject index.
//!
//! Times are microseconds since the Unix epoch and are passed in by the caller, so expiry is
//! decided by one clock and can be tested at any instant. Secrets never reach the database:
//! links and sessions are kept by the SHA-256 of their token.

use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx};

/// A passkey to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    /// The credential id the authenticator chose (at most 1023 bytes).
    pub credential_id: Vec<u8>,
    /// The officer.
    pub person: String,
    /// The COSE key as the authenticator sent it.
    pub public_key: Vec<u8>,
    /// The same key as a SubjectPublicKeyInfo (DER).
    pub spki: Vec<u8>,
    /// The COSE algorithm (-7 ES256, -8 EdDSA, -257 RS256).
    pub alg: i64,
    /// The signature counter at registration.
    pub sign_count: u32,
    /// The transports the browser reported, as a JSON array.
    pub transports: String,
    /// The authenticator may sync the key (flag BE).
    pub backup_eligible: bool,
    /// The key is synced (flag BS).
    pub backed_up: bool,
    /// The authenticator model's AAGUID (16 bytes; zeros without attestation).
    pub aaguid: Vec<u8>,
    /// The attestation format (`none` unless asked for more).
    pub attestation_fmt: String,
    /// The officer's own name for it ("security key", "laptop").
    pub name: String,
    /// The relying party id it is bound to.
    pub rp_id: String,
    /// How the officer was known when it was enrolled: `link:<token hash>` or
    /// `certificate:<serial>`.
    pub enrolled_via: String,
}

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    /// What was registered.
    pub key: NewPasskey,
    /// The counter as last seen.
    pub sign_count: u32,
    /// When it was registered.
    pub created_us: i64,
    /// When it was last used to sign in or sign.
    pub last_used_us: Option<i64>,
    /// When it was removed; a removed passkey signs nothing more.
    pub removed_us: Option<i64>,
}

/// A one-time passkey enrolment link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    /// SHA-256 (hex) of the token.
    pub token_hash: String,
    /// The officer it enrols.
    pub person: String,
    /// Who made it (`officer:<person>`, `system:init`, `system:cli`).
    pub created_by: String,
    /// When it was made.
    pub created_us: i64,
    /// The end of its validity.
    pub expires_us: i64,
    /// When it was used.
    pub used_us: Option<i64>,
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    /// SHA-256 (hex) of the cookie value.
    pub id_hash: String,
    /// The officer.
    pub person: String,
    /// How they signed in: `passkey:<credential id, base64url>` or `certificate:<serial>`.
    pub auth: String,
    /// The session's CSRF token (32 random bytes).
    pub csrf: Vec<u8>,
    /// The language the officer chose, if they did.
    pub locale: Option<String>,
    /// When it began.
    pub created_us: i64,
    /// When it was last seen (written at most once a minute).
    pub last_seen_us: i64,
}

/// What a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing in with a passkey.
    SignIn,
    /// Enrolling a passkey.
    Enrol,
    /// Signing one action ("Signera och skicka").
    Action,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign-in",
            Purpose::Enrol => "enrol",
            Purpose::Action => "action",
        }
    }

    fn parse(s: &str) -> Result<Purpose, StoreError> {
        match s {
            "sign-in" => Ok(Purpose::SignIn),
            "enrol" => Ok(Purpose::Enrol),
            "action" => Ok(Purpose::Action),
            other => Err(StoreError::CorruptRow {
                table: "portal_challenges",
                reason: format!("purpose {other:?}"),
            }),
        }
    }
}

/// The API request an action challenge signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// `POST`.
    pub method: String,
    /// The API path (`/api/v1/cards/{id}/hand-out`).
    pub path: String,
    /// The idempotency key.
    pub idem_key: String,
    /// The JSON body.
    pub body: Vec<u8>,
    /// What the review page said the action does.
    pub summary: String,
}

/// A single-use challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Its id (UUIDv7).
    pub id: String,
    /// The session it belongs to (`id_hash`); none for sign-in and enrolment.
    pub session: Option<String>,
    /// What it is for.
    pub purpose: Purpose,
    /// 32 random bytes.
    pub nonce: Vec<u8>,
    /// The request an action challenge signs.
    pub request: Option<SignedRequest>,
    /// When it was made.
    pub created_us: i64,
    /// The end of its validity.
    pub expires_us: i64,
}

/// An audit entry in a record's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The chain.
    pub chain: String,
    /// Its position.
    pub seq: i64,
    /// When it was recorded.
    pub time_us: i64,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The details.
    pub payload: serde_json::Value,
    /// The officer's signature, when the action carried one.
    pub actor_signature: Option<Vec<u8>>,
}

/// What [`Store::purge_portal`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Challenges past their validity or used.
    pub challenges: u64,
    /// Enrolment links past their validity or used, a week after that.
    pub links: u64,
    /// Sessions past their absolute limit or idle limit.
    pub sessions: u64,
}

/// The top-level payload keys whose values name the records an audit entry is about. The
/// records' ids are UUIDs, so one index serves every kind.
pub const SUBJECT_KEYS: [&str; 6] = ["person", "card", "credential", "order", "revocation", "bundle"];

/// The subjects of a payload: the string values of its [`SUBJECT_KEYS`].
pub fn subjects(payload: &serde_json::Value) -> Vec<&str> {
    let mut found: Vec<&str> =
        SUBJECT_KEYS.iter().filter_map(|key| payload.get(*key).and_then(serde_json::Value::as_str)).collect();
    found.sort_unstable();
    found.dedup();
    found
}

const PASSKEY_COLUMNS: &str = "credential_id, person, public_key, spki, alg, sign_count, transports, \
     backup_eligible, backed_up, aaguid, attestation_fmt, name, rp_id, enrolled_via, created_us, \
     last_used_us, removed_us";

fn passkey(row: &AnyRow) -> Result<Passkey, StoreError> {
    let count = |v: i64| {
        u32::try_from(v)
            .map_err(|_| StoreError::CorruptRow { table: "passkeys", reason: format!("sign count {v}") })
    };
    let sign_count = count(row.try_get::<i64, _>(5)?)?;
    Ok(Passkey {
        key: NewPasskey {
            credential_id: row.try_get(0)?,
            person: row.try_get(1)?,
            public_key: row.try_get(2)?,
            spki: row.try_get(3)?,
            alg: row.try_get(4)?,
            sign_count,
            transports: row.try_get(6)?,
            backup_eligible: row.try_get::<i32, _>(7)? != 0,
            backed_up: row.try_get::<i32, _>(8)? != 0,
            aaguid: row.try_get(9)?,
            attestation_fmt: row.try_get(10)?,
            name: row.try_get(11)?,
            rp_id: row.try_get(12)?,
            enrolled_via: row.try_get(13)?,
        },
        sign_count,
        created_us: row.try_get(14)?,
        last_used_us: row.try_get(15)?,
        removed_us: row.try_get(16)?,
    })
}

const LINK_COLUMNS: &str = "token_hash, person, created_by, created_us, expires_us, used_us";

fn link(row: &AnyRow) -> Result<EnrolmentLink, StoreError> {
    Ok(EnrolmentLink {
        token_hash: row.try_get(0)?,
        person: row.try_get(1)?,
        created_by: row.try_get(2)?,
        created_us: row.try_get(3)?,
        expires_us: row.try_get(4)?,
        used_us: row.try_get(5)?,
    })
}

const SESSION_COLUMNS: &str = "id_hash, person, auth, csrf, locale, created_us, last_seen_us";

fn session(row: &AnyRow) -> Result<PortalSession, StoreError> {
    Ok(PortalSession {
        id_hash: row.try_get(0)?,
        person: row.try_get(1)?,
        auth: row.try_get(2)?,
        csrf: row.try_get(3)?,
        locale: row.try_get(4)?,
        created_us: row.try_get(5)?,
        last_seen_us: row.try_get(6)?,
    })
}

const CHALLENGE_COLUMNS: &str =
    "id, session, purpose, nonce, method, path, idem_key, body, summary, created_us, expires_us";

fn challenge(row: &AnyRow) -> Result<Challenge, StoreError> {
    let method: Option<String> = row.try_get(4)?;
    let request = match method {
        Some(method) => Some(SignedRequest {
            method,
            path: row.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            idem_key: row.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
            body: row.try_get::<Option<Vec<u8>>, _>(7)?.unwrap_or_default(),
            summary: row.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Challenge {
        id: row.try_get(0)?,
        session: row.try_get(1)?,
        purpose: Purpose::parse(&row.try_get::<String, _>(2)?)?,
        nonce: row.try_get(3)?,
        request,
        created_us: row.try_get(9)?,
        expires_us: row.try_get(10)?,
    })
}

impl Tx<'_> {
    /// The person's WebAuthn user handle, made from `candidate` (16 random bytes the caller
    /// drew) the first time.
    pub async fn user_handle(&mut self, person: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
        sqlx::query("INSERT INTO passkey_users (person, user_handle) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(person)
            .bind(candidate.to_vec())
            .execute(self.conn())
            .await?;
        let row = sqlx::query("SELECT user_handle FROM passkey_users WHERE person = $1")
            .bind(person)
            .fetch_one(self.conn())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Registers a passkey at `now_us`. A credential id registered before (to anyone) is
    /// refused.
    pub async fn insert_passkey(&mut self, key: &NewPasskey, now_us: i64) -> Result<(), StoreError> {
        let done = sqlx::query(&format!(
            "INSERT INTO passkeys ({PASSKEY_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, NULL) \
             ON CONFLICT DO NOTHING"
        ))
        .bind(key.credential_id.clone())
        .bind(&key.person)
        .bind(key.public_key.clone())
        .bind(key.spki.clone())
        .bind(key.alg)
        .bind(i64::from(key.sign_count))
        .bind(&key.transports)
        .bind(i32::from(key.backup_eligible))
        .bind(i32::from(key.backed_up))
        .bind(key.aaguid.clone())
        .bind(&key.attestation_fmt)
        .bind(&key.name)
        .bind(&key.rp_id)
        .bind(&key.enrolled_via)
        .bind(now_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "passkey", value: "this credential id".into() });
        }
        Ok(())
    }

    /// Removes a passkey at `now_us`. `false`: it was removed already or does not exist.
    pub async fn remove_passkey(&mut self, credential_id: &[u8], now_us: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE passkeys SET removed_us = $1 WHERE credential_id = $2 AND removed_us IS NULL",
        )
        .bind(now_us)
        .bind(credential_id.to_vec())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps a passkey's counter after a use at `now_us`.
    pub async fn passkey_used(
        &mut self,
        credential_id: &[u8],
        sign_count: u32,
        now_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE passkeys SET sign_count = $1, last_used_us = $2 WHERE credential_id = $3")
            .bind(i64::from(sign_count))
            .bind(now_us)
            .bind(credential_id.to_vec())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Stores a new enrolment link.
    pub async fn insert_enrolment_link(&mut self, link: &EnrolmentLink) -> Result<(), StoreError> {
        let done = sqlx::query(&format!(
            "INSERT INTO enrolment_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL) \
             ON CONFLICT DO NOTHING"
        ))
        .bind(&link.token_hash)
        .bind(&link.person)
        .bind(&link.created_by)
        .bind(link.created_us)
        .bind(link.expires_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "enrolment link", value: "this token".into() });
        }
        Ok(())
    }

    /// Uses an enrolment link at `now_us`: the link, when it was unused and valid; `None`
    /// otherwise (and nothing is written). Of two transactions using one link, one wins.
    pub async fn use_enrolment_link(
        &mut self,
        token_hash: &str,
        now_us: i64,
    ) -> Result<Option<EnrolmentLink>, StoreError> {
        let done = sqlx::query(
            "UPDATE enrolment_links SET used_us = $1 \
             WHERE token_hash = $2 AND used_us IS NULL AND expires_us > $3",
        )
        .bind(now_us)
        .bind(token_hash)
        .bind(now_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM enrolment_links WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_one(self.conn())
            .await?;
        Ok(Some(link(&row)?))
    }

    /// Starts a session.
    pub async fn insert_session(&mut self, session: &PortalSession) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO portal_sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&session.id_hash)
        .bind(&session.person)
        .bind(&session.auth)
        .bind(session.csrf.clone())
        .bind(session.locale.clone())
        .bind(session.created_us)
        .bind(session.last_seen_us)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces the summary of an unused challenge (an action's second officer signed).
    /// `false`: it was used already, or does not exist.
    pub async fn set_challenge_summary(&mut self, id: &str, summary: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE portal_challenges SET summary = $1 WHERE id = $2 AND used_us IS NULL")
            .bind(summary)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a new challenge.
    pub async fn insert_challenge(&mut self, challenge: &Challenge) -> Result<(), StoreError> {
        let request = challenge.request.as_ref();
        sqlx::query(&format!(
            "INSERT INTO portal_challenges ({CHALLENGE_COLUMNS}, used_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)"
        ))
        .bind(&challenge.id)
        .bind(challenge.session.clone())
        .bind(challenge.purpose.as_str())
        .bind(challenge.nonce.clone())
        .bind(request.map(|r| r.method.clone()))
        .bind(request.map(|r| r.path.clone()))
        .bind(request.map(|r| r.idem_key.clone()))
        .bind(request.map(|r| r.body.clone()))
        .bind(request.map(|r| r.summary.clone()))
        .bind(challenge.created_us)
        .bind(challenge.expires_us)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Uses a challenge at `now_us`: the challenge, when it was for `purpose`, unused and
    /// valid; `None` otherwise (and nothing is written). Of two transactions using one
    /// challenge, one wins.
    pub async fn use_challenge(
        &mut self,
        id: &str,
        purpose: Purpose,
        now_us: i64,
    ) -> Result<Option<Challenge>, StoreError> {
        let done = sqlx::query(
            "UPDATE portal_challenges SET used_us = $1 \
             WHERE id = $2 AND purpose = $3 AND used_us IS NULL AND expires_us > $4",
        )
        .bind(now_us)
        .bind(id)
        .bind(purpose.as_str())
        .bind(now_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query(&format!("SELECT {CHALLENGE_COLUMNS} FROM portal_challenges WHERE id = $1"))
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        Ok(Some(challenge(&row)?))
    }

    /// Writes the subject index of an audit entry (called by `append`).
    pub(crate) async fn index_subjects(
        &mut self,
        payload: &serde_json::Value,
        chain: &str,
        seq: i64,
    ) -> Result<(), StoreError> {
        for subject in subjects(payload) {
            sqlx::query(
                "INSERT INTO audit_subjects (subject, chain, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(subject)
            .bind(chain)
            .bind(seq)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// A challenge by its id, used or not, and when it was used.
    pub async fn portal_challenge(&self, id: &str) -> Result<Option<(Challenge, Option<i64>)>, StoreError> {
        let row =
            sqlx::query(&format!("SELECT {CHALLENGE_COLUMNS}, used_us FROM portal_challenges WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some(row) => Ok(Some((challenge(&row)?, row.try_get(11)?))),
            None => Ok(None),
        }
    }

    /// A passkey by its credential id (removed ones too).
    pub async fn passkey(&self, credential_id: &[u8]) -> Result<Option<Passkey>, StoreError> {
        let row = sqlx::query(&format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1"))
            .bind(credential_id.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(passkey).transpose()
    }

    /// A person's passkeys that are not removed, oldest first.
    pub async fn passkeys_of(&self, person: &str) -> Result<Vec<Passkey>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE person = $1 AND removed_us IS NULL \
             ORDER BY created_us, credential_id"
        ))
        .bind(person)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(passkey).collect()
    }

    /// The person a WebAuthn user handle belongs to.
    pub async fn person_of_user_handle(&self, user_handle: &[u8]) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT person FROM passkey_users WHERE user_handle = $1")
            .bind(user_handle.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// An enrolment link by the SHA-256 of its token, used or not.
    pub async fn enrolment_link(&self, token_hash: &str) -> Result<Option<EnrolmentLink>, StoreError> {
        let row = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM enrolment_links WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(link).transpose()
    }

    /// A session by the SHA-256 of its cookie value. Whether it is still valid is the
    /// caller's decision (idle and absolute limits are policy).
    pub async fn portal_session(&self, id_hash: &str) -> Result<Option<PortalSession>, StoreError> {
        let row = sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM portal_sessions WHERE id_hash = $1"))
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session).transpose()
    }

    /// Records that a session was seen at `now_us`.
    pub async fn session_seen(&self, id_hash: &str, now_us: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE portal_sessions SET last_seen_us = $1 WHERE id_hash = $2 AND last_seen_us < $3")
            .bind(now_us)
            .bind(id_hash)
            .bind(now_us)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keeps the language an officer chose for the session.
    pub async fn set_session_locale(&self, id_hash: &str, locale: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE portal_sessions SET locale = $1 WHERE id_hash = $2")
            .bind(locale)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session. `false`: there was none.
    pub async fn end_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM portal_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every session of a person (a passkey removed, a grant taken away). Returns how
    /// many there were.
    pub async fn end_sessions_of(&self, person: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM portal_sessions WHERE person = $1")
            .bind(person)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes what can no longer be used at `now_us`: challenges used or past validity,
    /// enrolment links a week past their validity or use, and sessions idle longer than
    /// `idle_us` or older than `max_us`.
    pub async fn purge_portal(&self, now_us: i64, idle_us: i64, max_us: i64) -> Result<Purged, StoreError> {
        const WEEK_US: i64 = 7 * 86_400 * 1_000_000;
        let mut tx = self.pool.begin().await?;
        let challenges =
            sqlx::query("DELETE FROM portal_challenges WHERE used_us IS NOT NULL OR expires_us <= $1")
                .bind(now_us)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let links = sqlx::query(
            "DELETE FROM enrolment_links WHERE expires_us <= $1 OR (used_us IS NOT NULL AND used_us <= $2)",
        )
        .bind(now_us - WEEK_US)
        .bind(now_us - WEEK_US)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sessions =
            sqlx::query("DELETE FROM portal_sessions WHERE last_seen_us <= $1 OR created_us <= $2")
                .bind(now_us - idle_us)
                .bind(now_us - max_us)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(Purged { challenges, links, sessions })
    }

    /// The audit entries about any of `subjects`, newest first: at most `limit`, before the
    /// entry `before` (chain, seq) when paging on.
    pub async fn history(
        &self,
        subjects: &[String],
        limit: u32,
        before: Option<(i64, &str, i64)>,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        if subjects.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=subjects.len()).map(|i| format!("${i}")).collect();
        let n = subjects.len();
        // Each placeholder once: SQLite numbers `$n` by first use, PostgreSQL by n.
        let after = if before.is_some() {
            format!(
                " WHERE e.time_us < ${a} OR (e.time_us = ${b} AND (e.chain < ${c} OR (e.chain = ${d} AND e.seq < ${e})))",
                a = n + 1,
                b = n + 2,
                c = n + 3,
                d = n + 4,
                e = n + 5
            )
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT e.chain, e.seq, e.time_us, e.actor, e.action, e.payload, e.actor_signature \
             FROM audit_entries e JOIN (SELECT DISTINCT chain, seq FROM audit_subjects \
             WHERE subject IN ({})) s ON s.chain = e.chain AND s.seq = e.seq{after} \
             ORDER BY e.time_us DESC, e.chain DESC, e.seq DESC LIMIT {limit}",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for subject in subjects {
            query = query.bind(subject);
        }
        if let Some((time_us, chain, seq)) = before {
            query = query.bind(time_us).bind(time_us).bind(chain).bind(chain).bind(seq);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let payload: String = row.try_get(5)?;
                Ok(HistoryEntry {
                    chain: row.try_get(0)?,
                    seq: row.try_get(1)?,
                    time_us: row.try_get(2)?,
                    actor: row.try_get(3)?,
                    action: row.try_get(4)?,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::CorruptRow {
                        table: "audit_entries",
                        reason: format!("payload: {e}"),
                    })?,
                    actor_signature: row.try_get(6)?,
                })
            })
            .collect()
    }
}
