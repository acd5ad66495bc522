-- Foundation schema. Times are BIGINT microseconds since the Unix epoch (UTC) so that both engines
-- store and compare them identically. {{...}} tokens are replaced per engine by the migrator.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    parent_id   TEXT REFERENCES organizations(id),
    kind        TEXT NOT NULL,
    sector      TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_search TEXT {{collate_c}} NOT NULL,
    inn         TEXT NOT NULL,
    kpp         TEXT NOT NULL,
    ogrn        TEXT NOT NULL,
    address     TEXT NOT NULL,
    region      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX organizations_account ON organizations(account_id, id);
CREATE INDEX organizations_name ON organizations(name_search);
CREATE INDEX organizations_inn ON organizations(inn);
CREATE INDEX organizations_kpp ON organizations(kpp);
CREATE INDEX organizations_ogrn ON organizations(ogrn);
CREATE UNIQUE INDEX organizations_inn_kpp ON organizations(account_id, inn, kpp);

CREATE TABLE employees (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    surname         TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    patronymic      TEXT NOT NULL,
    name_search     TEXT {{collate_c}} NOT NULL,
    birth_date      TEXT NOT NULL,
    snils           TEXT NOT NULL,
    inn             TEXT NOT NULL,
    email           TEXT NOT NULL,
    phone           TEXT NOT NULL,
    position        TEXT NOT NULL,
    doc_type        TEXT NOT NULL,
    doc_series      TEXT NOT NULL,
    doc_number      TEXT NOT NULL,
    doc_issue_date  TEXT NOT NULL,
    doc_issuer      TEXT NOT NULL,
    doc_issuer_code TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX employees_org ON employees(organization_id, id);
CREATE INDEX employees_account ON employees(account_id, id);
CREATE INDEX employees_snils ON employees(snils);
CREATE INDEX employees_name ON employees(name_search);
CREATE UNIQUE INDEX employees_org_snils ON employees(organization_id, snils);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    account_id    TEXT REFERENCES accounts(id),
    login         TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL,
    employee_id   TEXT REFERENCES employees(id),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE user_organizations (
    user_id         TEXT NOT NULL REFERENCES users(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    PRIMARY KEY (user_id, organization_id)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    all_orgs     INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);

CREATE TABLE api_key_organizations (
    api_key_id      TEXT NOT NULL REFERENCES api_keys(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    PRIMARY KEY (api_key_id, organization_id)
);

CREATE TABLE applications (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    organization_id       TEXT NOT NULL REFERENCES organizations(id),
    employee_id           TEXT NOT NULL REFERENCES employees(id),
    kind                  TEXT NOT NULL,
    state                 TEXT NOT NULL,
    csr                   {{blob}},
    csr_uploaded_at       BIGINT,
    verification_method   TEXT NOT NULL DEFAULT '',
    verification_document TEXT NOT NULL DEFAULT '',
    verified_by           TEXT NOT NULL DEFAULT '',
    verified_at           BIGINT,
    note                  TEXT NOT NULL DEFAULT '',
    certificate_serial    TEXT NOT NULL DEFAULT '',
    reissue_of            TEXT NOT NULL DEFAULT '',
    created_by            TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX applications_org ON applications(organization_id, id);
CREATE INDEX applications_account ON applications(account_id, id);
CREATE INDEX applications_employee ON applications(employee_id, id);
CREATE INDEX applications_state ON applications(account_id, state, id);

CREATE TABLE application_transitions (
    id             {{serial}},
    application_id TEXT NOT NULL REFERENCES applications(id),
    action         TEXT NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    actor          TEXT NOT NULL,
    at             BIGINT NOT NULL,
    note           TEXT NOT NULL
);
CREATE INDEX application_transitions_app ON application_transitions(application_id, id);

CREATE TABLE certificates (
    serial            TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    organization_id   TEXT NOT NULL REFERENCES organizations(id),
    employee_id       TEXT NOT NULL REFERENCES employees(id),
    application_id    TEXT REFERENCES applications(id),
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    issuer            TEXT NOT NULL,
    not_before        BIGINT NOT NULL,
    not_after         BIGINT NOT NULL,
    der               {{blob}} NOT NULL,
    revoked_at        BIGINT,
    revocation_reason TEXT NOT NULL DEFAULT '',
    replaced_by       TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL
);
CREATE INDEX certificates_org ON certificates(organization_id, serial);
CREATE INDEX certificates_account ON certificates(account_id, serial);
CREATE INDEX certificates_employee ON certificates(employee_id, serial);

CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    key           TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    response      {{blob}} NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (principal, key)
);

-- The audit log is append-only: each row's hash covers its content and the previous row's hash.
-- audit_head holds the last sequence number and hash; updating it serializes appenders on both engines.
CREATE TABLE audit_events (
    seq             BIGINT PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    detail          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_events_object ON audit_events(object_type, object_id);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- The integrators' event feed. seq is taken from the audit head under its lock, so feed order is commit
-- order and a follower never misses an event committed behind a later one.
CREATE TABLE feed_events (
    seq             BIGINT PRIMARY KEY,
    at              BIGINT NOT NULL,
    account_id      TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX feed_events_account ON feed_events(account_id, seq);
