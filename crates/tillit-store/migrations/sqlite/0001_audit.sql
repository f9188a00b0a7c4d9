-- The audit log (SPEC R-AUD-1/2). Entries are append-only; the triggers make an accidental
-- UPDATE or DELETE fail, and the hash chain and signatures catch a deliberate one.
CREATE TABLE audit_keys (
    key_id      TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    created_us  BIGINT NOT NULL
);

CREATE TABLE audit_heads (
    chain  TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   BLOB NOT NULL
);

CREATE TABLE audit_entries (
    chain            TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    prev_hash        BLOB NOT NULL,
    time_us          BIGINT NOT NULL,
    actor            TEXT NOT NULL,
    action           TEXT NOT NULL,
    payload          TEXT NOT NULL,
    actor_signature  BLOB,
    key_id           TEXT NOT NULL,
    node_signature   BLOB NOT NULL,
    hash             BLOB NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE TABLE audit_checkpoints (
    chain      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    hash       BLOB NOT NULL,
    time_us    BIGINT NOT NULL,
    key_id     TEXT NOT NULL,
    signature  BLOB NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE TRIGGER audit_entries_append_only_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_entries_append_only_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
