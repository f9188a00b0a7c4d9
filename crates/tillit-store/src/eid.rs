//! The citizens' eID (migration 0010): the secrets behind the credentials the Danish RA hands
//! out, the user ids citizens sign in with, and the OpenID Connect provider's clients,
//! sign-in requests and authorization codes.
//!
//! Secrets are stored as the caller gives them: a salted hash (PHC string) or a blob sealed
//! to the keystore. This module never sees a secret in the clear. Requests and codes are kept
//! by the SHA-256 of their value, and each is used once: of two transactions using one, one
//! wins.

use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx};

/// What a stored secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretPurpose {
    /// The passcode the citizen chose (a salted hash).
    Passcode,
    /// The temporary passcode of a passcode letter or an SMS (a salted hash).
    TemporaryPasscode,
    /// A key card's code secret (sealed).
    KeyCard,
    /// A code display's or audio code reader's TOTP seed (sealed).
    TotpSeed,
    /// A paper activation code (a salted hash).
    ActivationCode,
    /// The node's key of pseudonymous subjects (sealed; owner `node`).
    PseudonymKey,
}

impl SecretPurpose {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretPurpose::Passcode => "passcode",
            SecretPurpose::TemporaryPasscode => "temporary_passcode",
            SecretPurpose::KeyCard => "key_card",
            SecretPurpose::TotpSeed => "totp_seed",
            SecretPurpose::ActivationCode => "activation_code",
            SecretPurpose::PseudonymKey => "pseudonym_key",
        }
    }
}

/// A relying party of the OpenID Connect provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    /// Its client id.
    pub client_id: String,
    /// Its name, shown to the citizen at sign-in.
    pub name: String,
    /// The organisation that registered it.
    pub org: String,
    /// The redirect URIs it may use, exactly.
    pub redirect_uris: Vec<String>,
    /// The salted hash of its secret; `None` for a public client (PKCE only).
    pub secret_hash: Option<String>,
    /// The sector its pseudonymous subjects are made for.
    pub sector: String,
    /// When it was registered.
    pub created_us: i64,
    /// When it was removed.
    pub removed_us: Option<i64>,
}

/// The step of a sign-in in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignInStep {
    /// User id and passcode are asked for.
    Passcode,
    /// The passcode was right; the one-time code is asked for.
    Code,
}

impl SignInStep {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInStep::Passcode => "passcode",
            SignInStep::Code => "code",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "passcode" => Ok(SignInStep::Passcode),
            "code" => Ok(SignInStep::Code),
            other => {
                Err(StoreError::CorruptRow { table: "oidc_requests", reason: format!("step {other:?}") })
            }
        }
    }
}

/// An authorization request while the citizen signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcRequest {
    /// The SHA-256 (hex) of the request id in the sign-in page.
    pub id_hash: String,
    /// The client.
    pub client_id: String,
    /// The redirect URI, one of the client's.
    pub redirect_uri: String,
    /// The client's `state`.
    pub state: Option<String>,
    /// The client's `nonce`.
    pub nonce: Option<String>,
    /// The PKCE S256 code challenge.
    pub code_challenge: String,
    /// The `acr_values` the client asked for.
    pub acr_values: Option<String>,
    /// The account whose passcode was right, from the code step on.
    pub account: Option<String>,
    /// Where the sign-in is.
    pub step: SignInStep,
    /// When it started.
    pub created_us: i64,
    /// When it ends.
    pub expires_us: i64,
}

/// An authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcCode {
    /// The SHA-256 (hex) of the code.
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was issued for.
    pub redirect_uri: String,
    /// The signed-in account.
    pub account: String,
    /// The account's person.
    pub person: String,
    /// The client's `nonce`.
    pub nonce: Option<String>,
    /// The PKCE S256 code challenge.
    pub code_challenge: String,
    /// The assurance level reached (`acr`).
    pub acr: String,
    /// The methods used (`amr`, space-separated).
    pub amr: String,
    /// When the citizen signed in.
    pub auth_time_us: i64,
    /// When the code ends.
    pub expires_us: i64,
}

const CLIENT_COLUMNS: &str =
    "client_id, name, org, redirect_uris, secret_hash, sector, created_us, removed_us";
const REQUEST_COLUMNS: &str = "id_hash, client_id, redirect_uri, state, nonce, code_challenge, acr_values, \
                               account, step, created_us, expires_us";
const CODE_COLUMNS: &str =
    "code_hash, client_id, redirect_uri, account, person, nonce, code_challenge, acr, \
                            amr, auth_time_us, expires_us";

fn client(row: &AnyRow) -> Result<OidcClient, StoreError> {
    let uris: String = row.try_get(3)?;
    let redirect_uris = serde_json::from_str(&uris).map_err(|e| StoreError::CorruptRow {
        table: "oidc_clients",
        reason: format!("redirect_uris: {e}"),
    })?;
    Ok(OidcClient {
        client_id: row.try_get(0)?,
        name: row.try_get(1)?,
        org: row.try_get(2)?,
        redirect_uris,
        secret_hash: row.try_get(4)?,
        sector: row.try_get(5)?,
        created_us: row.try_get(6)?,
        removed_us: row.try_get(7)?,
    })
}

fn request(row: &AnyRow) -> Result<OidcRequest, StoreError> {
    Ok(OidcRequest {
        id_hash: row.try_get(0)?,
        client_id: row.try_get(1)?,
        redirect_uri: row.try_get(2)?,
        state: row.try_get(3)?,
        nonce: row.try_get(4)?,
        code_challenge: row.try_get(5)?,
        acr_values: row.try_get(6)?,
        account: row.try_get(7)?,
        step: SignInStep::parse(&row.try_get::<String, _>(8)?)?,
        created_us: row.try_get(9)?,
        expires_us: row.try_get(10)?,
    })
}

fn code(row: &AnyRow) -> Result<OidcCode, StoreError> {
    Ok(OidcCode {
        code_hash: row.try_get(0)?,
        client_id: row.try_get(1)?,
        redirect_uri: row.try_get(2)?,
        account: row.try_get(3)?,
        person: row.try_get(4)?,
        nonce: row.try_get(5)?,
        code_challenge: row.try_get(6)?,
        acr: row.try_get(7)?,
        amr: row.try_get(8)?,
        auth_time_us: row.try_get(9)?,
        expires_us: row.try_get(10)?,
    })
}

impl Tx<'_> {
    /// Stores (or replaces) the secret of `owner` for `purpose`.
    pub async fn put_secret(
        &mut self,
        owner: &str,
        purpose: SecretPurpose,
        value: &str,
        now_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO eid_secrets (owner, purpose, value, updated_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner, purpose) DO UPDATE SET value = excluded.value, updated_us = excluded.updated_us",
        )
        .bind(owner)
        .bind(purpose.as_str())
        .bind(value)
        .bind(now_us)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Stores the secret of `owner` for `purpose` unless there is one; whether it stored it.
    /// Of two nodes making the first one at once, one wins and both then read the same.
    pub async fn put_secret_if_absent(
        &mut self,
        owner: &str,
        purpose: SecretPurpose,
        value: &str,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO eid_secrets (owner, purpose, value, updated_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner, purpose) DO NOTHING",
        )
        .bind(owner)
        .bind(purpose.as_str())
        .bind(value)
        .bind(now_us)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the secret of `owner` for `purpose`; whether there was one.
    pub async fn delete_secret(&mut self, owner: &str, purpose: SecretPurpose) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM eid_secrets WHERE owner = $1 AND purpose = $2")
            .bind(owner)
            .bind(purpose.as_str())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The secret of `owner` for `purpose`, read in the transaction.
    pub async fn secret(
        &mut self,
        owner: &str,
        purpose: SecretPurpose,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM eid_secrets WHERE owner = $1 AND purpose = $2")
            .bind(owner)
            .bind(purpose.as_str())
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Gives `account` the user id `user_id`; a user id taken is refused with
    /// [`StoreError::Duplicate`] (the caller draws another).
    pub async fn insert_user_id(&mut self, user_id: &str, account: &str) -> Result<(), StoreError> {
        let done =
            sqlx::query("INSERT INTO eid_user_ids (user_id, account) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(user_id)
                .bind(account)
                .execute(self.conn())
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "user id", value: "this user id".into() });
        }
        Ok(())
    }

    /// Registers a relying party; a client id taken is refused.
    pub async fn insert_oidc_client(&mut self, client: &OidcClient) -> Result<(), StoreError> {
        let uris = serde_json::to_string(&client.redirect_uris)
            .map_err(|e| StoreError::CorruptRow { table: "oidc_clients", reason: e.to_string() })?;
        let done = sqlx::query(&format!(
            "INSERT INTO oidc_clients ({CLIENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) \
             ON CONFLICT DO NOTHING"
        ))
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(&client.org)
        .bind(uris)
        .bind(client.secret_hash.as_deref())
        .bind(&client.sector)
        .bind(client.created_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "client", value: client.client_id.clone() });
        }
        Ok(())
    }

    /// Removes a relying party at `now_us`: its codes can no longer be exchanged.
    pub async fn remove_oidc_client(&mut self, client_id: &str, now_us: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE oidc_clients SET removed_us = $1 WHERE client_id = $2 AND removed_us IS NULL",
        )
        .bind(now_us)
        .bind(client_id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a sign-in from `from` to `to` for `account`, if it is still at `from`, unused
    /// and not expired at `now_us`; whether it moved.
    pub async fn advance_oidc_request(
        &mut self,
        id_hash: &str,
        from: SignInStep,
        to: SignInStep,
        account: Option<&str>,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE oidc_requests SET step = $1, account = $2 \
             WHERE id_hash = $3 AND step = $4 AND used_us IS NULL AND expires_us > $5",
        )
        .bind(to.as_str())
        .bind(account)
        .bind(id_hash)
        .bind(from.as_str())
        .bind(now_us)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a sign-in at `now_us`: the request, when it was unused and valid; `None`
    /// otherwise (nothing is written). Of two transactions using one request, one wins.
    pub async fn use_oidc_request(
        &mut self,
        id_hash: &str,
        now_us: i64,
    ) -> Result<Option<OidcRequest>, StoreError> {
        let done = sqlx::query(
            "UPDATE oidc_requests SET used_us = $1 WHERE id_hash = $2 AND used_us IS NULL AND expires_us > $3",
        )
        .bind(now_us)
        .bind(id_hash)
        .bind(now_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query(&format!("SELECT {REQUEST_COLUMNS} FROM oidc_requests WHERE id_hash = $1"))
            .bind(id_hash)
            .fetch_one(self.conn())
            .await?;
        Ok(Some(request(&row)?))
    }

    /// Stores an authorization code.
    pub async fn insert_oidc_code(&mut self, c: &OidcCode) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO oidc_codes ({CODE_COLUMNS}, used_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)"
        ))
        .bind(&c.code_hash)
        .bind(&c.client_id)
        .bind(&c.redirect_uri)
        .bind(&c.account)
        .bind(&c.person)
        .bind(c.nonce.as_deref())
        .bind(&c.code_challenge)
        .bind(&c.acr)
        .bind(&c.amr)
        .bind(c.auth_time_us)
        .bind(c.expires_us)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Exchanges a code at `now_us`: the code, when it was unused and valid; `None` otherwise.
    /// Of two transactions exchanging one code, one wins.
    pub async fn use_oidc_code(
        &mut self,
        code_hash: &str,
        now_us: i64,
    ) -> Result<Option<OidcCode>, StoreError> {
        let done = sqlx::query(
            "UPDATE oidc_codes SET used_us = $1 WHERE code_hash = $2 AND used_us IS NULL AND expires_us > $3",
        )
        .bind(now_us)
        .bind(code_hash)
        .bind(now_us)
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query(&format!("SELECT {CODE_COLUMNS} FROM oidc_codes WHERE code_hash = $1"))
            .bind(code_hash)
            .fetch_one(self.conn())
            .await?;
        Ok(Some(code(&row)?))
    }
}

impl Store {
    /// The secret of `owner` for `purpose`.
    pub async fn secret(&self, owner: &str, purpose: SecretPurpose) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM eid_secrets WHERE owner = $1 AND purpose = $2")
            .bind(owner)
            .bind(purpose.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// The account a user id belongs to.
    pub async fn account_of_user_id(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT account FROM eid_user_ids WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// The relying party `client_id`, removed or not.
    pub async fn oidc_client(&self, client_id: &str) -> Result<Option<OidcClient>, StoreError> {
        let row = sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients WHERE client_id = $1"))
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| client(&r)).transpose()
    }

    /// Every relying party registered, in the order of their ids.
    pub async fn oidc_clients(&self) -> Result<Vec<OidcClient>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY client_id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(client).collect()
    }

    /// Starts a sign-in.
    pub async fn insert_oidc_request(&self, r: &OidcRequest) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO oidc_requests ({REQUEST_COLUMNS}, used_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)"
        ))
        .bind(&r.id_hash)
        .bind(&r.client_id)
        .bind(&r.redirect_uri)
        .bind(r.state.as_deref())
        .bind(r.nonce.as_deref())
        .bind(&r.code_challenge)
        .bind(r.acr_values.as_deref())
        .bind(r.account.as_deref())
        .bind(r.step.as_str())
        .bind(r.created_us)
        .bind(r.expires_us)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A sign-in in progress: unused and not expired at `now_us`.
    pub async fn oidc_request(&self, id_hash: &str, now_us: i64) -> Result<Option<OidcRequest>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM oidc_requests WHERE id_hash = $1 AND used_us IS NULL AND expires_us > $2"
        ))
        .bind(id_hash)
        .bind(now_us)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| request(&r)).transpose()
    }

    /// Deletes sign-in requests and codes that ended before `now_us`; how many.
    pub async fn purge_oidc(&self, now_us: i64) -> Result<u64, StoreError> {
        let requests = sqlx::query("DELETE FROM oidc_requests WHERE expires_us <= $1")
            .bind(now_us)
            .execute(&self.pool)
            .await?;
        let codes = sqlx::query("DELETE FROM oidc_codes WHERE expires_us <= $1")
            .bind(now_us)
            .execute(&self.pool)
            .await?;
        Ok(requests.rows_affected() + codes.rows_affected())
    }
}
