-- Back-channel logout for the National Public Service Portal (OpenID Connect Back-Channel Logout
-- 1.0): when a citizen's session at the provider ends, the provider posts a logout token naming
-- the provider session (sid) and the citizen's subject (sub, pairwise for the portal), and the
-- portal ends the matching sessions. Timestamps are Unix milliseconds (UTC).

-- The subject the ID token named, so that a logout token with only `sub` finds the sessions.
-- Sessions opened before this migration have none and are found by `sid` only.
ALTER TABLE portal_sessions ADD COLUMN sub TEXT;
CREATE INDEX portal_sessions_by_sid ON portal_sessions (sid);
CREATE INDEX portal_sessions_by_sub ON portal_sessions (sub);

-- The `jti` of every logout token acted on, kept while the token could still be accepted, so
-- that a replayed token is refused on every node.
CREATE TABLE portal_logout_tokens (
    jti          TEXT    PRIMARY KEY,
    received_at  BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX portal_logout_tokens_expiry ON portal_logout_tokens (expires_at);
