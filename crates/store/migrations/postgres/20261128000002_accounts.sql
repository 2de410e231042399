-- e-ID accounts: accounts and their locks, authenticators, sessions, one-time codes, the
-- notification outbox and brute-force counters. Every table is keyed by account (or by a token
-- hash), the shard key for scale-out. Timestamps are Unix milliseconds (UTC).

CREATE TABLE accounts (
    account_id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               TEXT    NOT NULL CHECK (kind IN ('person', 'organization')),
    personal_id        BIGINT UNIQUE,
    organization_code  TEXT    UNIQUE,
    level              BIGINT NOT NULL CHECK (level IN (1, 2)),
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    phone              TEXT,
    portrait_sha256    BYTEA,
    guardian_account   BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CHECK ((kind = 'person') = (personal_id IS NOT NULL)),
    CHECK ((kind = 'organization') = (organization_code IS NOT NULL))
);

CREATE INDEX accounts_by_guardian ON accounts (guardian_account) WHERE guardian_account IS NOT NULL;

-- An account is locked while it has at least one lock; each cause is lifted on its own.
CREATE TABLE account_locks (
    account_id  BIGINT NOT NULL,
    reason      TEXT    NOT NULL,
    automatic   BIGINT NOT NULL,
    actor       TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    since       BIGINT NOT NULL,
    PRIMARY KEY (account_id, reason)
);

-- Everything that happened to an account, shown to its holder.
CREATE TABLE account_events (
    event_id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    reason      TEXT,
    detail      TEXT    NOT NULL
);

CREATE INDEX account_events_by_account ON account_events (account_id, event_id);

CREATE TABLE account_roles (
    account_id  BIGINT NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('enrolment_officer', 'agency_officer', 'operator')),
    granted_by  TEXT    NOT NULL,
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, role)
);

CREATE TABLE organization_members (
    organization_account  BIGINT NOT NULL,
    member_account        BIGINT NOT NULL,
    role                  TEXT    NOT NULL CHECK (role IN ('representative', 'administrator', 'staff')),
    granted_by            TEXT    NOT NULL,
    granted_at            BIGINT NOT NULL,
    PRIMARY KEY (organization_account, member_account)
);

CREATE INDEX organization_members_by_member ON organization_members (member_account);

-- Portraits are content-addressed: the key is the SHA-256 of the bytes.
CREATE TABLE portraits (
    sha256      BYTEA    PRIMARY KEY,
    media_type  TEXT    NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    bytes       BYTEA    NOT NULL,
    created_at  BIGINT NOT NULL
);

-- secret: password = Argon2id PHC string; totp = base32 secret; passkey = webauthn credential
-- (JSON); recovery = SHA-256 (hex) of the code.
CREATE TABLE authenticators (
    authenticator_id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        BIGINT NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('password', 'totp', 'passkey', 'recovery')),
    label             TEXT    NOT NULL,
    secret            TEXT    NOT NULL,
    credential_id     BYTEA    UNIQUE,
    last_step         BIGINT,
    created_at        BIGINT NOT NULL,
    last_used_at      BIGINT,
    used_at           BIGINT
);

CREATE INDEX authenticators_by_account ON authenticators (account_id, kind);

-- "Secure my ID": authentication types the holder has switched off.
CREATE TABLE method_locks (
    account_id  BIGINT NOT NULL,
    kind        TEXT    NOT NULL,
    since       BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- One-time codes sent to a phone: code_hash is SHA-256(salt || code); a NULL hash is a decoy
-- ticket for details that did not match, indistinguishable from outside.
CREATE TABLE one_time_codes (
    ticket_hash  BYTEA    PRIMARY KEY,
    purpose      TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    code_salt    BYTEA    NOT NULL,
    code_hash    BYTEA,
    attempts     BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    consumed_at  BIGINT,
    created_at   BIGINT NOT NULL
);

-- WebAuthn ceremony state between its two requests; used once.
CREATE TABLE webauthn_states (
    state_hash  BYTEA    PRIMARY KEY,
    purpose     TEXT    NOT NULL,
    account_id  BIGINT,
    state       TEXT    NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash        BYTEA    PRIMARY KEY,
    handle            TEXT    NOT NULL UNIQUE,
    account_id        BIGINT NOT NULL,
    factors           TEXT    NOT NULL,
    assurance         BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    authenticated_at  BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    user_agent        TEXT    NOT NULL,
    client_address    TEXT    NOT NULL
);

CREATE INDEX sessions_by_account ON sessions (account_id);

-- Failure counters for brute-force protection, shared by every node.
CREATE TABLE throttles (
    key              TEXT    PRIMARY KEY,
    failures         BIGINT NOT NULL,
    last_failure_at  BIGINT NOT NULL,
    blocked_until    BIGINT NOT NULL
);

-- Messages to citizens (one-time codes, notices). In outbox mode they wait here for the operator;
-- in gateway mode a dispatcher posts them with retries.
CREATE TABLE outbox (
    message_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel          TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    purpose          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('held', 'pending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
