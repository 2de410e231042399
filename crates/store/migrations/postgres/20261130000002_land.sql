-- National land database: parcels, land-use-right certificates, their holders, import runs.
-- Keys are text: a parcel's key is "province/[district/]commune/sheet/parcel" as the land crate
-- writes it, a certificate's is its serial ("AA 01234567"). Areas are exact integers in
-- hundredths of a square metre. Timestamps are Unix milliseconds (UTC), as in the registry.

CREATE TABLE land_parcels (
    parcel_key      TEXT        PRIMARY KEY,
    province        BIGINT      NOT NULL,
    -- NULL for records made under the two-level administration (from 1 July 2025).
    district        TEXT,
    commune         TEXT        NOT NULL,
    map_sheet       BIGINT      NOT NULL,
    parcel_number   BIGINT      NOT NULL,
    street_address  TEXT,
    area_centi_m2   BIGINT      NOT NULL CHECK (area_centi_m2 > 0),
    -- "CODE:AREA:TERM;…" as in the import layout; the land crate parses it back on read.
    purposes        TEXT        NOT NULL,
    origin          TEXT        NOT NULL,
    acquired_by     TEXT,
    version         BIGINT      NOT NULL,
    created_at      BIGINT      NOT NULL,
    created_by      TEXT        NOT NULL,
    updated_at      BIGINT      NOT NULL
);

CREATE TABLE land_certificates (
    serial                TEXT        PRIMARY KEY,
    registry_book_number  TEXT        NOT NULL,
    issued_on             DATE        NOT NULL,
    issued_by             TEXT        NOT NULL,
    status                TEXT        NOT NULL CHECK (status IN ('valid', 'superseded', 'revoked')),
    superseded_by         TEXT,
    version               BIGINT      NOT NULL,
    created_at            BIGINT      NOT NULL,
    created_by            TEXT        NOT NULL,
    updated_at            BIGINT      NOT NULL
);

-- The parcels a certificate covers, in the order written on it.
CREATE TABLE land_certificate_parcels (
    serial      TEXT        NOT NULL REFERENCES land_certificates (serial) ON DELETE CASCADE,
    position    BIGINT      NOT NULL,
    parcel_key  TEXT        NOT NULL REFERENCES land_parcels (parcel_key),
    PRIMARY KEY (serial, position)
);

CREATE INDEX land_certificate_parcels_by_parcel ON land_certificate_parcels (parcel_key);

-- The holders of a certificate, in the order written on it; shares are exact fractions.
CREATE TABLE land_holders (
    serial             TEXT        NOT NULL REFERENCES land_certificates (serial) ON DELETE CASCADE,
    position           BIGINT      NOT NULL,
    holder_kind        TEXT        NOT NULL CHECK (holder_kind IN ('person', 'organization')),
    holder_id          TEXT        NOT NULL,
    share_numerator    BIGINT,
    share_denominator  BIGINT,
    PRIMARY KEY (serial, position)
);

-- "All parcels of holder X" starts here: one index range per holder.
CREATE INDEX land_holders_by_holder ON land_holders (holder_kind, holder_id, serial);

-- One row per import run; committed_offset advances in the same transaction as each batch,
-- so a run killed at any moment resumes exactly where its last batch ended.
CREATE TABLE land_import_runs (
    run_id            BIGSERIAL   PRIMARY KEY,
    kind              TEXT        NOT NULL CHECK (kind IN ('parcels', 'certificates')),
    file_name         TEXT        NOT NULL,
    file_sha256       TEXT        NOT NULL,
    started_at        BIGINT      NOT NULL,
    finished_at       BIGINT,
    committed_offset  BIGINT      NOT NULL,
    inserted          BIGINT      NOT NULL,
    updated           BIGINT      NOT NULL,
    unchanged         BIGINT      NOT NULL
);

CREATE INDEX land_import_runs_by_file ON land_import_runs (file_sha256, kind);

-- Rows a committed batch refused in context (a certificate naming an unknown parcel), kept so
-- that a resumed run reports them too.
CREATE TABLE land_import_rejects (
    run_id  BIGINT      NOT NULL REFERENCES land_import_runs (run_id),
    line    BIGINT      NOT NULL,
    field   TEXT        NOT NULL,
    reason  TEXT        NOT NULL,
    PRIMARY KEY (run_id, line, field)
);
