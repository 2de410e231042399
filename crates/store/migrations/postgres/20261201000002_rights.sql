-- Data-subject requests (Decree 13/2023/ND-CP Art. 9): correction, restriction of processing,
-- objection. A request belongs to the account that filed it (the shard key) and names the
-- person's 12-digit personal ID as text. Timestamps are Unix milliseconds (UTC); due_at is
-- filed_at + 72 hours. `version` counts the changes; each has an event numbered by it.

CREATE TABLE rights_requests (
    request_id       TEXT    PRIMARY KEY,
    personal_id      TEXT    NOT NULL,
    account_id       BIGINT  NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('correction', 'restriction', 'objection')),
    about            TEXT    NOT NULL,
    -- Registry field names, comma-separated, in record order; empty for none.
    fields           TEXT    NOT NULL,
    filed_at         BIGINT  NOT NULL,
    due_at           BIGINT  NOT NULL,
    status           TEXT    NOT NULL
        CHECK (status IN ('open', 'in_progress', 'done', 'rejected', 'withdrawn')),
    handler_account  BIGINT,
    answer           TEXT,
    closed_at        BIGINT,
    version          BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CHECK ((status IN ('done', 'rejected')) = (answer IS NOT NULL)),
    CHECK ((status IN ('done', 'rejected', 'withdrawn')) = (closed_at IS NOT NULL))
);

-- "My requests": one index range per account.
CREATE INDEX rights_requests_by_account ON rights_requests (account_id, filed_at);
-- Every request about one person, whichever account filed it.
CREATE INDEX rights_requests_by_person ON rights_requests (personal_id);
-- The officers' queue: waiting requests by deadline.
CREATE INDEX rights_requests_by_status ON rights_requests (status, due_at);

-- Every change of status, in order: who, when, from, to, and the answer or other note.
CREATE TABLE rights_request_events (
    request_id     TEXT    NOT NULL REFERENCES rights_requests (request_id) ON DELETE CASCADE,
    seq            BIGINT  NOT NULL,
    at             BIGINT  NOT NULL,
    actor_account  BIGINT  NOT NULL,
    actor_role     TEXT    NOT NULL CHECK (actor_role IN ('filer', 'officer')),
    from_status    TEXT,
    to_status      TEXT    NOT NULL,
    note           TEXT,
    PRIMARY KEY (request_id, seq)
);
