-- Results issued electronically: the signed document (a compact JWS over its JSON) of an
-- approved application, under an unguessable identifier that its QR code carries.
CREATE TABLE service_results (
    result_id       TEXT    PRIMARY KEY,
    application_id  TEXT    NOT NULL UNIQUE REFERENCES service_applications (application_id),
    jws             TEXT    NOT NULL,
    issued_at       BIGINT  NOT NULL
);
