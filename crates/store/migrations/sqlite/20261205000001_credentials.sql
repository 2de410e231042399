-- Verifiable digital documents (Decree 69/2024/ND-CP Art 17): documents as their issuing agencies
-- keep them, the documents each citizen integrated into the account, the issuer's signing keys,
-- OpenID4VCI offers, access tokens and nonces, and every credential issued with its place in a
-- status list. Timestamps are Unix milliseconds (UTC).

-- A document as its issuer keeps it. status: 0 valid, 1 revoked (final), 2 suspended.
CREATE TABLE credential_documents (
    document_id   TEXT    PRIMARY KEY,
    doc_type      TEXT    NOT NULL,
    number        TEXT    NOT NULL,
    issuer_client TEXT    NOT NULL,
    personal_id   TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    status        INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
    status_reason TEXT,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (doc_type, number)
);
CREATE INDEX credential_documents_by_person ON credential_documents (personal_id);

-- The documents a citizen integrated into their account, after they were checked against the
-- issuer's record.
CREATE TABLE credential_holdings (
    account_id    INTEGER NOT NULL,
    document_id   TEXT    NOT NULL REFERENCES credential_documents (document_id),
    integrated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, document_id)
);

-- The issuer's signing keys (ES256). A key is published until withdrawn, so that credentials it
-- signed stay verifiable after a rotation; the newest key not retired signs.
CREATE TABLE credential_keys (
    kid          TEXT    PRIMARY KEY,
    alg          TEXT    NOT NULL,
    private_key  BLOB    NOT NULL,
    public_jwk   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER,
    withdrawn_at INTEGER
);
CREATE UNIQUE INDEX credential_keys_current ON credential_keys (alg) WHERE retired_at IS NULL;

-- Credential offers with a pre-authorized code (OpenID4VCI §4.1.1), kept as hashes.
CREATE TABLE credential_offers (
    offer_id     TEXT    PRIMARY KEY,
    code_hash    TEXT    NOT NULL UNIQUE,
    tx_code_hash TEXT    NOT NULL,
    account_id   INTEGER NOT NULL,
    document_id  TEXT    NOT NULL REFERENCES credential_documents (document_id),
    doc_type     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    redeemed_at  INTEGER
);
CREATE INDEX credential_offers_expiry ON credential_offers (expires_at);

-- Access tokens for the credential endpoint, as hashes; each issues one credential.
CREATE TABLE credential_tokens (
    token_hash  TEXT    PRIMARY KEY,
    offer_id    TEXT    NOT NULL,
    account_id  INTEGER NOT NULL,
    document_id TEXT    NOT NULL,
    doc_type    TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX credential_tokens_expiry ON credential_tokens (expires_at);

-- Nonces for the wallet's proof of possession are made without storage (an expiry and random
-- bits under an HMAC with the key below); a nonce is written here when a proof uses it, kept
-- until it expires, so that it is good once.
CREATE TABLE credential_nonce_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret    BLOB    NOT NULL
);
CREATE TABLE credential_nonces (
    nonce      TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX credential_nonces_expiry ON credential_nonces (expires_at);

-- Every credential issued. Its status sits at (list_id, idx) of a status list; status follows
-- the document's: 0 valid, 1 revoked, 2 suspended.
CREATE TABLE credentials_issued (
    credential_id TEXT    PRIMARY KEY,
    list_id       INTEGER NOT NULL,
    idx           INTEGER NOT NULL,
    account_id    INTEGER NOT NULL,
    document_id   TEXT    NOT NULL,
    doc_type      TEXT    NOT NULL,
    kid           TEXT    NOT NULL,
    holder_jkt    TEXT    NOT NULL,
    issued_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    status        INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
    UNIQUE (list_id, idx)
);
CREATE INDEX credentials_issued_by_document ON credentials_issued (document_id);
CREATE INDEX credentials_issued_by_account ON credentials_issued (account_id, issued_at);
CREATE INDEX credentials_issued_not_valid ON credentials_issued (list_id) WHERE status <> 0;

-- The next free status-list position; nodes take them in blocks.
CREATE TABLE credential_positions (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    next      INTEGER NOT NULL
);
INSERT INTO credential_positions (singleton, next) VALUES (1, 0);

-- Presentation requests (OpenID4VP 1.0, direct_post): what a verifier asked for, the nonce the
-- holder's key binding must carry, and the outcome once a wallet answered (one answer each).
CREATE TABLE credential_presentations (
    request_id  TEXT    PRIMARY KEY,
    state       TEXT    NOT NULL UNIQUE,
    nonce       TEXT    NOT NULL,
    verifier    TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    doc_type    TEXT    NOT NULL,
    claims      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    answered_at INTEGER,
    outcome     TEXT
);
CREATE INDEX credential_presentations_expiry ON credential_presentations (expires_at);
