-- The access ledger: an append-only Merkle log (RFC 9162) stored as C2SP-style tiles.

-- The log's identity: its origin (checkpoint name), its Ed25519 signing key, and the key that
-- turns personal IDs into the keyed hashes entries carry.
CREATE TABLE ledger_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    origin      TEXT    NOT NULL,
    signing_key BLOB    NOT NULL,
    subject_key BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The latest tree head, updated in the same transaction as the entries and tiles it covers.
CREATE TABLE ledger_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    size      INTEGER NOT NULL,
    root      BLOB    NOT NULL,
    note      TEXT    NOT NULL,
    signed_at INTEGER NOT NULL
);

-- The entries, by index. kind, actor, subject and at repeat what the entry bytes say, for the
-- citizen's history; `ledger verify` checks that they still do.
CREATE TABLE ledger_entries (
    idx     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    actor   TEXT    NOT NULL,
    subject TEXT,
    entry   BLOB    NOT NULL
);
CREATE INDEX ledger_entries_subject ON ledger_entries (subject, idx) WHERE subject IS NOT NULL;

-- Tree hashes: up to 256 hashes of tree level 8·level per row.
CREATE TABLE ledger_tiles (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hashes BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed checkpoints kept for history (at most one per interval), for witnesses and audits.
CREATE TABLE ledger_checkpoints (
    size      INTEGER PRIMARY KEY,
    signed_at INTEGER NOT NULL,
    note      TEXT    NOT NULL
);
