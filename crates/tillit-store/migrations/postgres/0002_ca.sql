-- The certificate authority: its CAs, every certificate issued, revocations, published CRLs.
CREATE TABLE ca_authorities (
    name           TEXT PRIMARY KEY,
    role           TEXT NOT NULL,
    parent         TEXT,
    key_algorithm  TEXT NOT NULL,
    key_ref        TEXT NOT NULL,
    certificate    BYTEA NOT NULL,
    created_us     BIGINT NOT NULL
);

-- serial: lower-case hex of the serial number's content octets; unique across all CAs.
CREATE TABLE certificates (
    serial         TEXT PRIMARY KEY,
    issuer         TEXT NOT NULL REFERENCES ca_authorities (name),
    profile        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    not_before_us  BIGINT NOT NULL,
    not_after_us   BIGINT NOT NULL,
    der            BYTEA NOT NULL,
    issued_us      BIGINT NOT NULL,
    revoked_us     BIGINT,
    reason         INTEGER
);
CREATE INDEX certificates_revoked ON certificates (issuer, revoked_us);

CREATE TABLE ca_crls (
    issuer          TEXT NOT NULL REFERENCES ca_authorities (name),
    number          BIGINT NOT NULL,
    this_update_us  BIGINT NOT NULL,
    next_update_us  BIGINT NOT NULL,
    entries         BIGINT NOT NULL,
    der             BYTEA NOT NULL,
    PRIMARY KEY (issuer, number)
);
