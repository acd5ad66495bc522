-- Billing: tariffs and VAT with effective dates, agreements, billing lines, invoices numbered without gaps,
-- closed periods. Money is in kopecks; dates and periods are Moscow calendar dates ("YYYY-MM-DD",
-- "YYYY-MM"), because that is how the contracts and invoices read.

CREATE TABLE tariffs (
    id            TEXT PRIMARY KEY,
    position      TEXT NOT NULL,
    price_kopecks BIGINT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX tariffs_position ON tariffs(position, valid_from);
-- Default tariffs so that the embedded default bills out of the box; the CA operator replaces them.
INSERT INTO tariffs (id, position, price_kopecks, valid_from, valid_to, created_at) VALUES
    ('default-legal-entity-employee', 'legal_entity_employee_certificate', 300000, '2020-01-01', '', 0),
    ('default-individual', 'individual_certificate', 250000, '2020-01-01', '', 0),
    ('default-head-identification', 'head_identification', 150000, '2020-01-01', '', 0),
    ('default-bundled-individual', 'bundled_individual_certificate', 0, '2020-01-01', '', 0);

CREATE TABLE vat_rates (
    valid_from TEXT PRIMARY KEY,
    percent    INTEGER NOT NULL
);
INSERT INTO vat_rates (valid_from, percent) VALUES ('2019-01-01', 20), ('2026-01-01', 22);

CREATE TABLE agreements (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind       TEXT NOT NULL,
    number     TEXT NOT NULL,
    signed_on  TEXT NOT NULL,
    covers     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX agreements_account ON agreements(account_id, kind);

CREATE TABLE billing_periods (
    account_id TEXT NOT NULL,
    period     TEXT NOT NULL,
    closed_at  BIGINT,
    PRIMARY KEY (account_id, period)
);

CREATE TABLE billing_lines (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    payer_organization_id TEXT NOT NULL REFERENCES organizations(id),
    position              TEXT NOT NULL,
    tariff_id             TEXT NOT NULL,
    price_kopecks         BIGINT NOT NULL,
    event                 TEXT NOT NULL,
    event_at              BIGINT NOT NULL,
    period                TEXT NOT NULL,
    application_id        TEXT NOT NULL,
    certificate_serial    TEXT NOT NULL,
    employee_initials     TEXT NOT NULL,
    invoice_id            TEXT NOT NULL DEFAULT '',
    created_at            BIGINT NOT NULL
);
CREATE INDEX billing_lines_period ON billing_lines(account_id, period, invoice_id);
CREATE INDEX billing_lines_invoice ON billing_lines(invoice_id);

CREATE TABLE invoices (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    payer_organization_id TEXT NOT NULL REFERENCES organizations(id),
    period                TEXT NOT NULL,
    number                BIGINT NOT NULL UNIQUE,
    net_kopecks           BIGINT NOT NULL,
    vat_percent           INTEGER NOT NULL,
    vat_kopecks           BIGINT NOT NULL,
    total_kopecks         BIGINT NOT NULL,
    created_at            BIGINT NOT NULL
);
CREATE INDEX invoices_account ON invoices(account_id, period);

-- The last invoice number; updating it serializes numbering, so numbers have no gaps.
CREATE TABLE invoice_counter (
    id   INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO invoice_counter (id, last) VALUES (1, 0);
