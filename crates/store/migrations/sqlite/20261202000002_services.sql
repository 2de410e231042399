-- Online public services: the procedure catalogue, applications (hồ sơ), their history, their
-- uploaded documents, and the officers of each agency. Timestamps are Unix milliseconds (UTC).

-- One row per procedure: the whole published description as JSON, with the columns queries use.
-- A procedure is never deleted, only withdrawn from the catalogue (applications name it).
CREATE TABLE service_procedures (
    code        TEXT    PRIMARY KEY,
    unit        TEXT    NOT NULL,
    level       TEXT    NOT NULL CHECK (level IN ('full', 'partial')),
    document    TEXT    NOT NULL,
    listed      INTEGER NOT NULL CHECK (listed IN (0, 1)),
    version     BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- Which accounts work for which agency unit: an officer sees and handles that unit's queue.
CREATE TABLE service_officers (
    account_id  BIGINT  NOT NULL,
    unit        TEXT    NOT NULL,
    added_at    BIGINT  NOT NULL,
    PRIMARY KEY (account_id, unit)
);

-- The last application number each unit gave on each day (Vietnam time), for the codes of
-- Circular 01/2018/TT-VPCP: one small row per unit and day, never a global counter.
CREATE TABLE service_sequences (
    unit  TEXT    NOT NULL,
    day   TEXT    NOT NULL,
    last  BIGINT  NOT NULL,
    PRIMARY KEY (unit, day)
);

-- Applications. A draft (status 0) has no code yet; filing gives it one. status holds the
-- portal's codes 1-10. data is the form as JSON: the values read from the registry (with the
-- ledger entry of that read) and the ones the applicant typed. first_due_at is the deadline
-- given at acceptance, kept when an apology sets a new appointment, so that statistics count
-- the lateness honestly.
CREATE TABLE service_applications (
    application_id  TEXT    PRIMARY KEY,
    code            TEXT    UNIQUE,
    procedure_code  TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    personal_id     BIGINT  NOT NULL,
    account_id      BIGINT,
    channel         TEXT    NOT NULL CHECK (channel IN ('online', 'counter')),
    level           TEXT    NOT NULL CHECK (level IN ('full', 'partial')),
    status          INTEGER NOT NULL CHECK (status BETWEEN 0 AND 10),
    data            TEXT    NOT NULL,
    fee_vnd         BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    filed_at        BIGINT,
    accept_due_at   BIGINT,
    accepted_at     BIGINT,
    first_due_at    BIGINT,
    due_at          BIGINT,
    decided_at      BIGINT,
    outcome         TEXT    CHECK (outcome IN ('approved', 'refused')),
    returned_at     BIGINT,
    result_electronic INTEGER CHECK (result_electronic IN (0, 1)),
    apologies       INTEGER NOT NULL DEFAULT 0,
    version         BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CHECK ((status = 0) = (code IS NULL)),
    CHECK ((status = 0) = (filed_at IS NULL))
);
-- "My applications".
CREATE INDEX service_applications_by_account ON service_applications (account_id, created_at);
-- The agency's queue, by status and deadline.
CREATE INDEX service_applications_by_unit ON service_applications (unit, status, due_at);
-- Statistics per procedure and period.
CREATE INDEX service_applications_by_procedure ON service_applications (procedure_code, filed_at);
-- The public status check: code and personal ID.
CREATE INDEX service_applications_by_person ON service_applications (personal_id);

-- Every move, in order: who (the applicant, an officer, or the platform), when, from, to, why.
CREATE TABLE service_events (
    application_id  TEXT    NOT NULL REFERENCES service_applications (application_id),
    seq             BIGINT  NOT NULL,
    at              BIGINT  NOT NULL,
    actor           TEXT    NOT NULL CHECK (actor IN ('applicant', 'officer', 'system')),
    actor_account   BIGINT,
    step            TEXT    NOT NULL,
    from_status     INTEGER NOT NULL,
    to_status       INTEGER NOT NULL,
    reason          TEXT,
    detail          TEXT,
    PRIMARY KEY (application_id, seq)
);

-- Uploaded documents, one per document of the procedure; replaced while the application is a
-- draft or waiting for a supplement. sha256 is of the bytes, for the officer and the receipt.
CREATE TABLE service_uploads (
    application_id  TEXT    NOT NULL REFERENCES service_applications (application_id),
    document_id     TEXT    NOT NULL,
    file_name       TEXT    NOT NULL,
    media_type      TEXT    NOT NULL,
    size            BIGINT  NOT NULL,
    sha256          TEXT    NOT NULL,
    bytes           BLOB    NOT NULL,
    uploaded_at     BIGINT  NOT NULL,
    PRIMARY KEY (application_id, document_id)
);

-- Public status checks, counted per client address and minute (shared by every node).
CREATE TABLE service_status_checks (
    address  TEXT    NOT NULL,
    minute   BIGINT  NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (address, minute)
);
