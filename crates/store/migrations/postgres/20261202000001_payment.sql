-- Online fee payment for public-service applications through a VNPay-style gateway.
--
-- One row per payment attempt: one vnp_TxnRef (order_ref), one signed pay URL, at most one
-- result. `reference` is what is paid for (an application ID, the shard key); several attempts
-- may pay for one reference. Amounts are whole đồng. Timestamps are Unix milliseconds (UTC).
-- Only the gateway's IPN moves an attempt out of 'pending'; an expired attempt stays 'pending'
-- (expiry is read from expires_at), so a late result can still be recorded.
CREATE TABLE payment_attempts (
    order_ref           TEXT    PRIMARY KEY,
    reference           TEXT    NOT NULL,
    amount_vnd          BIGINT  NOT NULL CHECK (amount_vnd > 0),
    -- The text for the receipt (with diacritics) and the vnp_OrderInfo sent (without).
    description         TEXT    NOT NULL,
    order_info          TEXT    NOT NULL,
    return_url          TEXT    NOT NULL,
    client_ip           TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    expires_at          BIGINT  NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    -- The gateway's result, once its IPN was recorded.
    response_code       TEXT,
    transaction_status  TEXT,
    transaction_no      TEXT,
    bank_code           TEXT,
    -- When the money was taken (the gateway's vnp_PayDate), and when the IPN was recorded.
    paid_at             BIGINT,
    settled_at          BIGINT,
    -- BL-yyyyMMdd-<order_ref>.
    receipt_number      TEXT    UNIQUE,
    -- What a person should look at, comma-separated: late, after_failure, double_payment.
    flags               TEXT    NOT NULL DEFAULT '',
    -- When the portal confirmed it had acted on the payment.
    handed_over_at      BIGINT,
    CHECK ((status = 'pending') = (settled_at IS NULL)),
    CHECK ((status = 'paid') = (receipt_number IS NOT NULL)),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    CHECK (status = 'paid' OR handed_over_at IS NULL)
);

-- A reference's attempts, newest first.
CREATE INDEX payment_attempts_by_reference ON payment_attempts (reference, created_at);
-- Paid attempts the portal has not yet acted on.
CREATE INDEX payment_attempts_to_hand_over ON payment_attempts (settled_at)
    WHERE status = 'paid' AND handed_over_at IS NULL;

-- Every IPN received, with the answer given and what became of it, whether or not it could be
-- trusted. txn_ref is the vnp_TxnRef the query named (verified or not); the ID sorts by time.
CREATE TABLE payment_notifications (
    notification_id  TEXT    PRIMARY KEY,
    txn_ref          TEXT,
    received_at      BIGINT  NOT NULL,
    rsp_code         TEXT    NOT NULL CHECK (rsp_code IN ('00', '01', '02', '04', '97', '99')),
    outcome          TEXT    NOT NULL CHECK (outcome IN ('paid', 'failed', 'already_confirmed',
        'not_found', 'invalid_amount', 'invalid_signature', 'error')),
    detail           TEXT,
    query            TEXT    NOT NULL
);

CREATE INDEX payment_notifications_by_txn_ref ON payment_notifications (txn_ref, notification_id);
