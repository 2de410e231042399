-- Access tokens revoked one by one (RFC 7009) that no grant carries (client credentials): kept
-- until they would have expired anyway. Tokens of a grant are revoked with their grant.
CREATE TABLE oidc_revoked_tokens (
    jti         TEXT    PRIMARY KEY,
    expires_at  BIGINT  NOT NULL
);
