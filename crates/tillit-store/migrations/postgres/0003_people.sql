-- The registration authority's directory: the organisation tree, people, their employments
-- and roles (SPEC §2, §3). Dates are ISO 8601 text (YYYY-MM-DD); booleans are 0/1.
CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    parent      TEXT REFERENCES organisations (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    org_number  TEXT,
    hr_code     TEXT UNIQUE,
    created_us  BIGINT NOT NULL
);

-- search_name: lower-case "family given" for prefix search; never shown for a protected
-- person without the right (R-PER-3), which the query layer enforces.
CREATE TABLE persons (
    id                TEXT PRIMARY KEY,
    country           TEXT NOT NULL,
    national_id       TEXT NOT NULL,
    given_names       TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    preferred_name    TEXT,
    search_name       TEXT COLLATE "C" NOT NULL,
    hsa_id            TEXT UNIQUE,
    email             TEXT,
    mobile            TEXT,
    address           TEXT,
    delivery_address  TEXT,
    licensed_title    TEXT,
    protected         INTEGER NOT NULL,
    name_checked      TEXT,
    removed_us        BIGINT,
    updated_us        BIGINT NOT NULL,
    UNIQUE (country, national_id)
);
CREATE INDEX persons_search ON persons (search_name, id);

CREATE TABLE employments (
    person      TEXT NOT NULL REFERENCES persons (id),
    org         TEXT NOT NULL REFERENCES organisations (id),
    kind        TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT,
    PRIMARY KEY (person, org, start_date)
);
CREATE INDEX employments_org ON employments (org);

CREATE TABLE role_grants (
    id          TEXT PRIMARY KEY,
    person      TEXT NOT NULL REFERENCES persons (id),
    role        TEXT NOT NULL,
    scope       TEXT NOT NULL REFERENCES organisations (id),
    details     TEXT NOT NULL,
    granted_us  BIGINT NOT NULL,
    removed_us  BIGINT
);
CREATE INDEX role_grants_person ON role_grants (person);

-- Per-organisation counters (HSA-id local parts).
CREATE TABLE counters (
    scope  TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  BIGINT NOT NULL,
    PRIMARY KEY (scope, name)
);
