-- The citizens' eID (issue 7, docs/credentials.md): the secrets behind the Danish RA's
-- credentials, the user ids citizens sign in with, and the OpenID Connect provider's clients,
-- sign-in requests and authorization codes. The routines' states (registrations,
-- authenticators, stock boxes, pickup instructions, accounts) are records in ra_records.
-- Times are microseconds since the epoch.

-- Only salted hashes (PHC strings) or blobs sealed to the keystore (base64), never a secret
-- in the clear. `owner` is the account or authenticator the secret belongs to; the sealed
-- blobs are bound to it, so a blob moved to another row does not open.
CREATE TABLE eid_secrets (
    owner       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_us  BIGINT NOT NULL,
    PRIMARY KEY (owner, purpose)
);

-- The user id printed in the passcode letter, by account.
CREATE TABLE eid_user_ids (
    user_id  TEXT PRIMARY KEY,
    account  TEXT NOT NULL UNIQUE
);

-- A relying party: a municipality's own service using the eID. Public clients (PKCE only)
-- have no secret; a confidential client's secret is kept as a salted hash. The sector
-- decides the pseudonymous subject: two clients of one sector see the same subject.
CREATE TABLE oidc_clients (
    client_id      TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    org            TEXT NOT NULL,
    redirect_uris  TEXT NOT NULL,
    secret_hash    TEXT,
    sector         TEXT NOT NULL,
    created_us     BIGINT NOT NULL,
    removed_us     BIGINT
);

-- One authorization request while the citizen signs in, by the SHA-256 of its id. `account`
-- and `step` follow the sign-in (passcode first, then the code); used once.
CREATE TABLE oidc_requests (
    id_hash         TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    state           TEXT,
    nonce           TEXT,
    code_challenge  TEXT NOT NULL,
    acr_values      TEXT,
    account         TEXT,
    step            TEXT NOT NULL,
    created_us      BIGINT NOT NULL,
    expires_us      BIGINT NOT NULL,
    used_us         BIGINT
);

-- An authorization code, by its SHA-256; exchanged once, within its lifetime.
CREATE TABLE oidc_codes (
    code_hash       TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    account         TEXT NOT NULL,
    person          TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT NOT NULL,
    acr             TEXT NOT NULL,
    amr             TEXT NOT NULL,
    auth_time_us    BIGINT NOT NULL,
    expires_us      BIGINT NOT NULL,
    used_us         BIGINT
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_us);
CREATE INDEX oidc_requests_expiry ON oidc_requests (expires_us);
