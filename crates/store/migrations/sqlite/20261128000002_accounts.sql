-- e-ID accounts: accounts and their locks, authenticators, sessions, one-time codes, the
-- notification outbox and brute-force counters. Every table is keyed by account (or by a token
-- hash), the shard key for scale-out. Timestamps are Unix milliseconds (UTC).

CREATE TABLE accounts (
    account_id         INTEGER PRIMARY KEY,
    kind               TEXT    NOT NULL CHECK (kind IN ('person', 'organization')),
    personal_id        INTEGER UNIQUE,
    organization_code  TEXT    UNIQUE,
    level              INTEGER NOT NULL CHECK (level IN (1, 2)),
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    phone              TEXT,
    portrait_sha256    BLOB,
    guardian_account   INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CHECK ((kind = 'person') = (personal_id IS NOT NULL)),
    CHECK ((kind = 'organization') = (organization_code IS NOT NULL))
);

CREATE INDEX accounts_by_guardian ON accounts (guardian_account) WHERE guardian_account IS NOT NULL;

-- An account is locked while it has at least one lock; each cause is lifted on its own.
CREATE TABLE account_locks (
    account_id  INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    automatic   INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    since       INTEGER NOT NULL,
    PRIMARY KEY (account_id, reason)
) WITHOUT ROWID;

-- Everything that happened to an account, shown to its holder.
CREATE TABLE account_events (
    event_id    INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    reason      TEXT,
    detail      TEXT    NOT NULL
);

CREATE INDEX account_events_by_account ON account_events (account_id, event_id);

CREATE TABLE account_roles (
    account_id  INTEGER NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('enrolment_officer', 'agency_officer', 'operator')),
    granted_by  TEXT    NOT NULL,
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, role)
) WITHOUT ROWID;

CREATE TABLE organization_members (
    organization_account  INTEGER NOT NULL,
    member_account        INTEGER NOT NULL,
    role                  TEXT    NOT NULL CHECK (role IN ('representative', 'administrator', 'staff')),
    granted_by            TEXT    NOT NULL,
    granted_at            INTEGER NOT NULL,
    PRIMARY KEY (organization_account, member_account)
) WITHOUT ROWID;

CREATE INDEX organization_members_by_member ON organization_members (member_account);

-- Portraits are content-addressed: the key is the SHA-256 of the bytes.
CREATE TABLE portraits (
    sha256      BLOB    PRIMARY KEY,
    media_type  TEXT    NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- secret: password = Argon2id PHC string; totp = base32 secret; passkey = webauthn credential
-- (JSON); recovery = SHA-256 (hex) of the code.
CREATE TABLE authenticators (
    authenticator_id  INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('password', 'totp', 'passkey', 'recovery')),
    label             TEXT    NOT NULL,
    secret            TEXT    NOT NULL,
    credential_id     BLOB    UNIQUE,
    last_step         INTEGER,
    created_at        INTEGER NOT NULL,
    last_used_at      INTEGER,
    used_at           INTEGER
);

CREATE INDEX authenticators_by_account ON authenticators (account_id, kind);

-- "Secure my ID": authentication types the holder has switched off.
CREATE TABLE method_locks (
    account_id  INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    since       INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
) WITHOUT ROWID;

-- One-time codes sent to a phone: code_hash is SHA-256(salt || code); a NULL hash is a decoy
-- ticket for details that did not match, indistinguishable from outside.
CREATE TABLE one_time_codes (
    ticket_hash  BLOB    PRIMARY KEY,
    purpose      TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    code_salt    BLOB    NOT NULL,
    code_hash    BLOB,
    attempts     INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    consumed_at  INTEGER,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;

-- WebAuthn ceremony state between its two requests; used once.
CREATE TABLE webauthn_states (
    state_hash  BLOB    PRIMARY KEY,
    purpose     TEXT    NOT NULL,
    account_id  INTEGER,
    state       TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    token_hash        BLOB    PRIMARY KEY,
    handle            TEXT    NOT NULL UNIQUE,
    account_id        INTEGER NOT NULL,
    factors           TEXT    NOT NULL,
    assurance         INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    authenticated_at  INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    user_agent        TEXT    NOT NULL,
    client_address    TEXT    NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_by_account ON sessions (account_id);

-- Failure counters for brute-force protection, shared by every node.
CREATE TABLE throttles (
    key              TEXT    PRIMARY KEY,
    failures         INTEGER NOT NULL,
    last_failure_at  INTEGER NOT NULL,
    blocked_until    INTEGER NOT NULL
) WITHOUT ROWID;

-- Messages to citizens (one-time codes, notices). In outbox mode they wait here for the operator;
-- in gateway mode a dispatcher posts them with retries.
CREATE TABLE outbox (
    message_id       INTEGER PRIMARY KEY,
    channel          TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    purpose          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('held', 'pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
