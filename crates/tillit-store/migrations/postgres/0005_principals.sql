-- Which person a client certificate speaks for: an officer's own credential, or a function
-- certificate issued to a system acting for a person record of the organisation. The API
-- authenticates the certificate (TLS), then authorises the person's grants (R-ORG-1).
CREATE TABLE principals (
    serial      TEXT PRIMARY KEY REFERENCES certificates (serial),
    person      TEXT NOT NULL REFERENCES persons (id),
    created_us  BIGINT NOT NULL,
    removed_us  BIGINT
);
CREATE INDEX principals_person ON principals (person);
