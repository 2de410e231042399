-- Population registry: current records, their change history, organizations, import runs.
-- personal_id is the 12-digit number held as an integer: the table is clustered on it (rowid), and
-- the province and birth year are arithmetic on the key, so filters need no extra columns.
-- Timestamps are Unix milliseconds (UTC) in both backends: 8 bytes, no time-zone ambiguity.

CREATE TABLE persons (
    personal_id          INTEGER PRIMARY KEY,
    family_name          TEXT    NOT NULL,
    middle_name          TEXT    NOT NULL,
    given_name           TEXT    NOT NULL,
    name_folded          TEXT    NOT NULL,
    birth_date           TEXT    NOT NULL,
    sex                  INTEGER NOT NULL CHECK (sex IN (0, 1)),
    place_of_origin      TEXT    NOT NULL,
    permanent_residence  TEXT    NOT NULL,
    -- NULL means "same as permanent residence", which is most people.
    current_residence    TEXT,
    nationality          TEXT    NOT NULL,
    ethnicity            TEXT    NOT NULL,
    religion             TEXT    NOT NULL,
    father_id            INTEGER,
    mother_id            INTEGER,
    spouse_id            INTEGER,
    id_card_number       TEXT,
    id_card_issued       TEXT,
    id_card_expires      TEXT,
    death_date           TEXT,
    previous_id          INTEGER,
    superseded_by        INTEGER,
    version              INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    created_by           TEXT    NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE INDEX persons_by_name ON persons (name_folded);

CREATE TABLE person_versions (
    personal_id  INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    changes      TEXT    NOT NULL,
    PRIMARY KEY (personal_id, version)
) WITHOUT ROWID;

CREATE TABLE organizations (
    code                  TEXT    PRIMARY KEY,
    name_vi               TEXT    NOT NULL,
    abbreviation          TEXT,
    name_foreign          TEXT,
    name_folded           TEXT    NOT NULL,
    founded               TEXT    NOT NULL,
    head_office           TEXT    NOT NULL,
    legal_representative  INTEGER NOT NULL,
    version               INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    created_by            TEXT    NOT NULL,
    updated_at            INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX organizations_by_representative ON organizations (legal_representative);
CREATE INDEX organizations_by_name ON organizations (name_folded);

CREATE TABLE organization_versions (
    code        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    changes     TEXT    NOT NULL,
    PRIMARY KEY (code, version)
) WITHOUT ROWID;

-- One row per import run; committed_offset/line advance in the same transaction as each batch,
-- so a run killed at any moment resumes exactly where its last batch ended.
CREATE TABLE import_runs (
    run_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT    NOT NULL,
    file_name         TEXT    NOT NULL,
    file_sha256       TEXT    NOT NULL,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    committed_offset  INTEGER NOT NULL,
    committed_line    INTEGER NOT NULL,
    inserted          INTEGER NOT NULL,
    updated           INTEGER NOT NULL,
    unchanged         INTEGER NOT NULL,
    -- 'direct': batches go straight into persons; 'staged': an initial load into an empty
    -- registry appends to import_staging and is merged, in key order, when the run finishes.
    mode              TEXT    NOT NULL DEFAULT 'direct'
);

CREATE INDEX import_runs_by_file ON import_runs (file_sha256, kind);

-- Rows of a staged run, appended in file order (no index: appends stay sequential).
CREATE TABLE import_staging (
    run_id               INTEGER NOT NULL,
    personal_id          INTEGER NOT NULL,
    family_name          TEXT    NOT NULL,
    middle_name          TEXT    NOT NULL,
    given_name           TEXT    NOT NULL,
    name_folded          TEXT    NOT NULL,
    birth_date           TEXT    NOT NULL,
    sex                  INTEGER NOT NULL,
    place_of_origin      TEXT    NOT NULL,
    permanent_residence  TEXT    NOT NULL,
    current_residence    TEXT,
    nationality          TEXT    NOT NULL,
    ethnicity            TEXT    NOT NULL,
    religion             TEXT    NOT NULL,
    father_id            INTEGER,
    mother_id            INTEGER,
    spouse_id            INTEGER,
    id_card_number       TEXT,
    id_card_issued       TEXT,
    id_card_expires      TEXT,
    death_date           TEXT
);
