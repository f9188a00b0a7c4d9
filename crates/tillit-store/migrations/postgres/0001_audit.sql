-- The audit log (SPEC R-AUD-1/2). Entries are append-only; the triggers make an accidental
-- UPDATE or DELETE fail, and the hash chain and signatures catch a deliberate one.
CREATE TABLE audit_keys (
    key_id      TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    created_us  BIGINT NOT NULL
);

CREATE TABLE audit_heads (
    chain  TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   BYTEA NOT NULL
);

CREATE TABLE audit_entries (
    chain            TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    prev_hash        BYTEA NOT NULL,
    time_us          BIGINT NOT NULL,
    actor            TEXT NOT NULL,
    action           TEXT NOT NULL,
    payload          TEXT NOT NULL,
    actor_signature  BYTEA,
    key_id           TEXT NOT NULL,
    node_signature   BYTEA NOT NULL,
    hash             BYTEA NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE TABLE audit_checkpoints (
    chain      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    hash       BYTEA NOT NULL,
    time_us    BIGINT NOT NULL,
    key_id     TEXT NOT NULL,
    signature  BYTEA NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
