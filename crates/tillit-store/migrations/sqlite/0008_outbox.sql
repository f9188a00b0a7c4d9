-- The notification outbox (ARCHITECTURE.md, "Time-based routines"). A routine that must tell
-- someone enqueues the message in the transaction that records its change, so a message
-- exists if and only if that change committed. The sender job claims due messages (which
-- counts an attempt and hides them for a while), sends them and marks them `sent`; a failed
-- attempt is retried with exponential back-off until `attempts` reaches the limit, then the
-- message stays here as `failed` for an officer to see. Times are microseconds since the
-- epoch on the database's clock. The recipient may be a protected person (R-PER-3): this
-- table is never logged and never shown outside the officers' views.
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY,
    topic           TEXT NOT NULL,
    record_kind     TEXT,
    record_id       TEXT,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_us BIGINT NOT NULL,
    last_error      TEXT,
    created_us      BIGINT NOT NULL,
    sent_us         BIGINT
);
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_us);
CREATE INDEX outbox_messages_record ON outbox_messages (record_kind, record_id);
