-- The state of the RA routines' records (cards, reserve cards, PUK orders, credentials,
-- revocation requests): the routine's state as JSON with the columns that lists, reports and
-- timed jobs query. `version` grows by one with every change; a write that read an older
-- version is refused, so two officers acting on one card never overwrite each other.
-- `due` is the date a timed job looks at (collect by, reuse by, valid until), ISO 8601.
CREATE TABLE ra_records (
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    person      TEXT REFERENCES persons (id),
    org         TEXT REFERENCES organisations (id),
    status      TEXT NOT NULL,
    due         TEXT,
    state       TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_us  BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX ra_records_person ON ra_records (person, kind);
CREATE INDEX ra_records_due ON ra_records (kind, status, due);
