-- Secrets every node shares (the key that authenticates passkey sign-in ceremonies), created on
-- first use; and the ceremonies already redeemed, so that each is used once.

CREATE TABLE server_secrets (
    name        TEXT    PRIMARY KEY,
    secret      BYTEA    NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE used_ceremonies (
    ceremony_hash  BYTEA    PRIMARY KEY,
    expires_at     BIGINT NOT NULL
);
