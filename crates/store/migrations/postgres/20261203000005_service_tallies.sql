-- Statistics read tallies, not the applications, so that a page over ten million applications
-- stays fast. A tally counts the applications of one procedure filed on one Vietnam day (days
-- numbered from 1970-01-01) by what the figures compare with the period's end:
--   measure 1: filed; flag = 1 if online
--   measure 2: decided (processed or result returned) on `day`; flag = 1 if by the first deadline
--   measure 3: result returned on `day`; flag = 1 if electronically
--   measure 4: with a first deadline on `day`, with the agency until `until_day` (the day of the
--              decision, or 1000000 while still with the agency)
-- A filing day's tallies are recounted from the applications whenever one of them changes;
-- service_tally_state.counted_to says up to when changes are in.
CREATE TABLE service_tallies (
    procedure_code  TEXT    NOT NULL,
    filed_day       BIGINT  NOT NULL,
    unit            TEXT    NOT NULL,
    measure         INTEGER NOT NULL CHECK (measure BETWEEN 1 AND 4),
    day             BIGINT  NOT NULL,
    until_day       BIGINT  NOT NULL,
    flag            INTEGER NOT NULL CHECK (flag IN (0, 1)),
    n               BIGINT  NOT NULL CHECK (n > 0),
    PRIMARY KEY (procedure_code, filed_day, unit, measure, day, until_day, flag)
);

CREATE TABLE service_tally_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    counted_to      BIGINT  NOT NULL
);
INSERT INTO service_tally_state (id, counted_to) VALUES (1, 0);

-- Which filing days changed since the last count.
CREATE INDEX service_applications_by_update ON service_applications (updated_at);
