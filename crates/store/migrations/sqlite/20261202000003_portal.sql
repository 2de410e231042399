-- The National Public Service Portal as a relying party of the platform's own OpenID provider:
-- the key it authenticates with (private_key_jwt), the sign-ins in flight, and its own sessions.
-- Everything is here rather than in one node's memory, so that every node signs in the same way
-- and a citizen's portal session survives a restart or a hop to another node. Timestamps are
-- Unix milliseconds (UTC).

-- The portal client's signing key (PKCS#8), created once by whichever node starts first; the
-- public half is registered with the provider as the client's JWKS.
CREATE TABLE portal_client_keys (
    client_id   TEXT    PRIMARY KEY,
    kid         TEXT    NOT NULL,
    alg         TEXT    NOT NULL,
    pkcs8       BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A sign-in in flight: the state sent to the provider (hashed; the browser holds it in a
-- cookie), the nonce and PKCE verifier to check the answer with, where to go afterwards and
-- the procedure to start a draft for. Consumed by the callback, once.
CREATE TABLE portal_logins (
    state_hash  BLOB    PRIMARY KEY,
    nonce       TEXT    NOT NULL,
    verifier    TEXT    NOT NULL,
    next        TEXT    NOT NULL,
    start       TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX portal_logins_expiry ON portal_logins (expires_at);

-- The portal's sessions: the cookie's token (hashed), the account it acts for, the provider
-- session it came from (sid), and when it ends.
CREATE TABLE portal_sessions (
    token_hash  BLOB    PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    sid         TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_by_account ON portal_sessions (account_id);
