-- Secrets every node shares (the key that authenticates passkey sign-in ceremonies), created on
-- first use; and the ceremonies already redeemed, so that each is used once.

CREATE TABLE server_secrets (
    name        TEXT    PRIMARY KEY,
    secret      BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE used_ceremonies (
    ceremony_hash  BLOB    PRIMARY KEY,
    expires_at     INTEGER NOT NULL
) WITHOUT ROWID;
