-- Population registry: current records, their change history, organizations, import runs.
-- personal_id is the 12-digit number held as a bigint; the province and birth year are arithmetic
-- on the key. name_folded uses the C collation so that prefix ranges follow byte order.
-- Timestamps are Unix milliseconds (UTC) in both backends: 8 bytes, no time-zone ambiguity.

CREATE TABLE persons (
    personal_id          BIGINT      PRIMARY KEY,
    family_name          TEXT        NOT NULL,
    middle_name          TEXT        NOT NULL,
    given_name           TEXT        NOT NULL,
    name_folded          TEXT        COLLATE "C" NOT NULL,
    birth_date           DATE        NOT NULL,
    sex                  INTEGER     NOT NULL CHECK (sex IN (0, 1)),
    place_of_origin      TEXT        NOT NULL,
    permanent_residence  TEXT        NOT NULL,
    current_residence    TEXT,
    nationality          TEXT        NOT NULL,
    ethnicity            TEXT        NOT NULL,
    religion             TEXT        NOT NULL,
    father_id            BIGINT,
    mother_id            BIGINT,
    spouse_id            BIGINT,
    id_card_number       TEXT,
    id_card_issued       DATE,
    id_card_expires      DATE,
    death_date           DATE,
    previous_id          BIGINT,
    superseded_by        BIGINT,
    version              BIGINT      NOT NULL,
    created_at           BIGINT      NOT NULL,
    created_by           TEXT        NOT NULL,
    updated_at           BIGINT      NOT NULL
);

CREATE INDEX persons_by_name ON persons (name_folded, personal_id);

CREATE TABLE person_versions (
    personal_id  BIGINT      NOT NULL,
    version      BIGINT      NOT NULL,
    changed_at   BIGINT      NOT NULL,
    actor        TEXT        NOT NULL,
    reason       TEXT        NOT NULL,
    changes      TEXT        NOT NULL,
    PRIMARY KEY (personal_id, version)
);

CREATE TABLE organizations (
    code                  TEXT        PRIMARY KEY,
    name_vi               TEXT        NOT NULL,
    abbreviation          TEXT,
    name_foreign          TEXT,
    name_folded           TEXT        COLLATE "C" NOT NULL,
    founded               DATE        NOT NULL,
    head_office           TEXT        NOT NULL,
    legal_representative  BIGINT      NOT NULL,
    version               BIGINT      NOT NULL,
    created_at            BIGINT      NOT NULL,
    created_by            TEXT        NOT NULL,
    updated_at            BIGINT      NOT NULL
);

CREATE INDEX organizations_by_representative ON organizations (legal_representative);
CREATE INDEX organizations_by_name ON organizations (name_folded);

CREATE TABLE organization_versions (
    code        TEXT        NOT NULL,
    version     BIGINT      NOT NULL,
    changed_at  BIGINT      NOT NULL,
    actor       TEXT        NOT NULL,
    reason      TEXT        NOT NULL,
    changes     TEXT        NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE import_runs (
    run_id            BIGSERIAL   PRIMARY KEY,
    kind              TEXT        NOT NULL,
    file_name         TEXT        NOT NULL,
    file_sha256       TEXT        NOT NULL,
    started_at        BIGINT      NOT NULL,
    finished_at       BIGINT,
    committed_offset  BIGINT      NOT NULL,
    committed_line    BIGINT      NOT NULL,
    inserted          BIGINT      NOT NULL,
    updated           BIGINT      NOT NULL,
    unchanged         BIGINT      NOT NULL
);

CREATE INDEX import_runs_by_file ON import_runs (file_sha256, kind);
