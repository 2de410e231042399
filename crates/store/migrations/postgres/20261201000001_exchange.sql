-- The data-sharing platform: the catalogue of data services, the versioned sharing policy, and
-- citizens' consents (with the requests agencies send for them).

CREATE TABLE exchange_services (
    service_id  TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    description TEXT NOT NULL,
    built_in    BOOLEAN NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE exchange_policies (
    version    BIGINT PRIMARY KEY,
    document   TEXT NOT NULL,
    author     TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per consent request; it becomes the consent when the person agrees. Sharded by the
-- person's ID.
CREATE TABLE exchange_consents (
    consent_id   TEXT PRIMARY KEY,
    personal_id  TEXT NOT NULL,
    agency       TEXT NOT NULL,
    service_id   TEXT NOT NULL,
    fields       TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    purpose_text TEXT NOT NULL,
    valid_days   BIGINT NOT NULL,
    status       TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    answer_by    BIGINT NOT NULL,
    decided_at   BIGINT,
    expires_at   BIGINT,
    withdrawn_at BIGINT,
    receipt      TEXT
);

CREATE INDEX exchange_consents_person ON exchange_consents (personal_id, agency, purpose);
