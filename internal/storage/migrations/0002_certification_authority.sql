-- The built-in certification authority: its certificates and encrypted keys, issuance intents recorded
-- before anything is signed, and the CRLs it published.

CREATE TABLE ca_authorities (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    parent     TEXT NOT NULL,
    cert       {{blob}} NOT NULL,
    key_pem    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- An intent is written and committed before the CA signs, so that every serial the CA ever signed is
-- accounted for even if storing the certificate fails afterwards.
CREATE TABLE issuance_intents (
    serial         TEXT PRIMARY KEY,
    authority      TEXT NOT NULL,
    application_id TEXT NOT NULL,
    status         TEXT NOT NULL,
    der            {{blob}},
    detail         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX issuance_intents_status ON issuance_intents(status, created_at);

CREATE TABLE crls (
    authority   TEXT NOT NULL,
    number      BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    revoked     INTEGER NOT NULL,
    der         {{blob}} NOT NULL,
    PRIMARY KEY (authority, number)
);

-- public_key_hash finds a key already certified to someone else.
ALTER TABLE certificates ADD COLUMN public_key_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX certificates_public_key ON certificates(public_key_hash);
CREATE INDEX certificates_issuer_revoked ON certificates(issuer, status);
