-- Expiry indexes, so that the provider's sweep deletes what has expired without scanning.
CREATE INDEX oidc_used_jtis_expiry ON oidc_used_jtis (expires_at);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);
CREATE INDEX oidc_requests_expiry ON oidc_requests (expires_at);
CREATE INDEX oidc_refresh_expiry ON oidc_refresh_tokens (expires_at);
CREATE INDEX oidc_grants_expiry ON oidc_grants (expires_at);
CREATE INDEX oidc_revoked_expiry ON oidc_revoked_tokens (expires_at);
