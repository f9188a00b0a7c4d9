-- The officer portal (docs/design/portal.md §1.2): passkeys and the WebAuthn user handle of
-- each officer, one-time passkey enrolment links, browser sessions and the single-use
-- challenges of the ceremonies; and an index of the audit log by the records an entry is
-- about, for a person's history. Booleans are 0/1, times microseconds since the epoch.

-- The WebAuthn user handle: random, so the authenticator never holds the person's id.
CREATE TABLE passkey_users (
    person       TEXT PRIMARY KEY,
    user_handle  BLOB NOT NULL UNIQUE
);

CREATE TABLE passkeys (
    credential_id    BLOB PRIMARY KEY,
    person           TEXT NOT NULL,
    public_key       BLOB NOT NULL,
    spki             BLOB NOT NULL,
    alg              BIGINT NOT NULL,
    sign_count       BIGINT NOT NULL,
    transports       TEXT NOT NULL,
    backup_eligible  INTEGER NOT NULL,
    backed_up        INTEGER NOT NULL,
    aaguid           BLOB NOT NULL,
    attestation_fmt  TEXT NOT NULL,
    name             TEXT NOT NULL,
    rp_id            TEXT NOT NULL,
    enrolled_via     TEXT NOT NULL,
    created_us       BIGINT NOT NULL,
    last_used_us     BIGINT,
    removed_us       BIGINT
);
CREATE INDEX passkeys_person ON passkeys (person);

-- A one-time link by which an officer enrols a passkey. Only the SHA-256 of its token is
-- kept: the token is shown once, to the administrator who made the link.
CREATE TABLE enrolment_links (
    token_hash  TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_us  BIGINT NOT NULL,
    expires_us  BIGINT NOT NULL,
    used_us     BIGINT
);
CREATE INDEX enrolment_links_person ON enrolment_links (person);

-- A signed-in browser, by the SHA-256 of its cookie value.
CREATE TABLE portal_sessions (
    id_hash       TEXT PRIMARY KEY,
    person        TEXT NOT NULL,
    auth          TEXT NOT NULL,
    csrf          BLOB NOT NULL,
    locale        TEXT,
    created_us    BIGINT NOT NULL,
    last_seen_us  BIGINT NOT NULL
);
CREATE INDEX portal_sessions_person ON portal_sessions (person);

-- The challenge of one sign-in, enrolment or signed action; used once. An action's
-- challenge keeps the API request it signs (method, path, idempotency key and body).
CREATE TABLE portal_challenges (
    id          TEXT PRIMARY KEY,
    session     TEXT,
    purpose     TEXT NOT NULL,
    nonce       BLOB NOT NULL,
    method      TEXT,
    path        TEXT,
    idem_key    TEXT,
    body        BLOB,
    summary     TEXT,
    created_us  BIGINT NOT NULL,
    expires_us  BIGINT NOT NULL,
    used_us     BIGINT
);

-- Which records an audit entry is about (its payload's person, card, credential, order,
-- revocation and bundle ids), written with the entry.
CREATE TABLE audit_subjects (
    subject  TEXT NOT NULL,
    chain    TEXT NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (subject, chain, seq)
);
INSERT INTO audit_subjects (subject, chain, seq)
    SELECT json_extract(payload, '$.person'), chain, seq FROM audit_entries
    WHERE json_type(payload, '$.person') = 'text' ON CONFLICT DO NOTHING;
INSERT INTO audit_subjects (subject, chain, seq)
    SELECT json_extract(payload, '$.card'), chain, seq FROM audit_entries
    WHERE json_type(payload, '$.card') = 'text' ON CONFLICT DO NOTHING;
INSERT INTO audit_subjects (subject, chain, seq)
    SELECT json_extract(payload, '$.credential'), chain, seq FROM audit_entries
    WHERE json_type(payload, '$.credential') = 'text' ON CONFLICT DO NOTHING;
INSERT INTO audit_subjects (subject, chain, seq)
    SELECT json_extract(payload, '$.order'), chain, seq FROM audit_entries
    WHERE json_type(payload, '$.order') = 'text' ON CONFLICT DO NOTHING;
INSERT INTO audit_subjects (subject, chain, seq)
    SELECT json_extract(payload, '$.revocation'), chain, seq FROM audit_entries
    WHERE json_type(payload, '$.revocation') = 'text' ON CONFLICT DO NOTHING;
INSERT INTO audit_subjects (subject, chain, seq)
    SELECT json_extract(payload, '$.bundle'), chain, seq FROM audit_entries
    WHERE json_type(payload, '$.bundle') = 'text' ON CONFLICT DO NOTHING;
