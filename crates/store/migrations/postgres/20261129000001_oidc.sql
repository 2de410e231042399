-- The OpenID provider: its signing keys, the relying parties, and the state of flows that every
-- node shares. Secrets (codes, request URIs, refresh tokens, client secrets) are stored only as
-- SHA-256 of their text. Times are Unix milliseconds.

-- Signing keys. A key is current until a newer key of its algorithm replaces it; a retired key is
-- still published (JWKS) until the one after it is created, so tokens it signed stay verifiable.
CREATE TABLE oidc_keys (
    kid          TEXT    PRIMARY KEY,
    alg          TEXT    NOT NULL,
    private_key  BYTEA   NOT NULL,
    public_jwk   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    retired_at   BIGINT 
);

-- At most one current key per algorithm, even when two nodes start at once.
CREATE UNIQUE INDEX oidc_keys_current ON oidc_keys (alg) WHERE retired_at IS NULL;

-- Relying parties, registered by an operator. `metadata` is the validated registration (JSON).
CREATE TABLE oidc_clients (
    client_id    TEXT    PRIMARY KEY,
    metadata     TEXT    NOT NULL,
    secret_hash  BYTEA,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    disabled_at  BIGINT 
);

-- Validated authorization requests waiting for their next step: pushed requests (PAR, RFC 9126)
-- until the browser brings their request URI, and interactions while the citizen signs in or
-- consents. Each is used once.
CREATE TABLE oidc_requests (
    id_hash      BYTEA   PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('par', 'interaction')),
    client_id    TEXT    NOT NULL,
    request      TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);

-- Authorization codes: single use; a second use revokes the grant the first one opened.
CREATE TABLE oidc_codes (
    code_hash    BYTEA   PRIMARY KEY,
    grant_id     TEXT    NOT NULL,
    client_id    TEXT    NOT NULL,
    details      TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT 
);

-- What a citizen allowed a relying party in one authorization: the tokens issued from it live and
-- die with it (refresh family, access tokens checked at userinfo and introspection).
CREATE TABLE oidc_grants (
    grant_id     TEXT    PRIMARY KEY,
    client_id    TEXT    NOT NULL,
    account_id   BIGINT  NOT NULL,
    session      TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    details      TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked_at   BIGINT 
);

CREATE INDEX oidc_grants_by_account ON oidc_grants (account_id, client_id);
CREATE INDEX oidc_grants_by_session ON oidc_grants (session);

-- Refresh tokens, rotated on every use; presenting a used one revokes its grant.
CREATE TABLE oidc_refresh_tokens (
    token_hash   BYTEA   PRIMARY KEY,
    grant_id     TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    dpop_jkt     TEXT,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT 
);

CREATE INDEX oidc_refresh_by_grant ON oidc_refresh_tokens (grant_id);

-- Identifiers (`jti`) of client assertions and proofs already accepted, until they expire.
CREATE TABLE oidc_used_jtis (
    client_id    TEXT    NOT NULL,
    jti          TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Consent: the scopes a citizen allowed each relying party, until revoked on the dashboard.
CREATE TABLE oidc_consents (
    account_id   BIGINT  NOT NULL,
    client_id    TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    granted_at   BIGINT  NOT NULL,
    PRIMARY KEY (account_id, client_id)
);
