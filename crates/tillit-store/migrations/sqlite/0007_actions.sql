-- What an API client's state-changing request produced, under the idempotency key it sent:
-- written in the transaction of the change itself, so a retry after a timeout gets the same
-- answer and never makes the change twice. `request` is the SHA-256 of the method, path and
-- body: the same key with another request is refused.
CREATE TABLE idempotency (
    principal   TEXT NOT NULL,
    key         TEXT NOT NULL,
    request     TEXT NOT NULL,
    status      INTEGER NOT NULL,
    response    TEXT NOT NULL,
    created_us  BIGINT NOT NULL,
    PRIMARY KEY (principal, key)
);

-- Files a routine keeps (the photo and signature image of a card order, R-CARD-3), by the
-- SHA-256 of their content, which is the reference the routine records.
CREATE TABLE ra_files (
    sha256      TEXT PRIMARY KEY,
    media_type  TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_us  BIGINT NOT NULL
);

-- One-time download codes of credential order bases (R-CRED-4), by the SHA-256 of the code:
-- the code itself is shown once to the officer and never stored.
CREATE TABLE download_codes (
    code_hash   TEXT PRIMARY KEY,
    credential  TEXT NOT NULL,
    expires     TEXT NOT NULL,
    used_us     BIGINT
);
CREATE INDEX download_codes_credential ON download_codes (credential);
