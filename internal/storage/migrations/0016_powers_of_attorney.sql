-- Issue 12: machine-readable powers of attorney (МЧД) and their history. Personal data of the head and the
-- representative lives in the exact file bytes (xml) and in the employee and head records, never in
-- columns of its own. Dates are Moscow calendar dates ("YYYY-MM-DD"); end_date sorts as text.
CREATE TABLE powers_of_attorney (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id),
    organization_id    TEXT NOT NULL REFERENCES organizations(id),
    employee_id        TEXT NOT NULL REFERENCES employees(id),
    number             TEXT {{collate_c}} NOT NULL,
    internal_number    TEXT NOT NULL,
    issue_date         TEXT NOT NULL,
    end_date           TEXT {{collate_c}} NOT NULL,
    kind               TEXT NOT NULL,
    retrust            TEXT NOT NULL,
    powers             TEXT NOT NULL,
    powers_text        TEXT NOT NULL,
    state              TEXT NOT NULL,
    registry_status    TEXT NOT NULL,
    registry_operation TEXT NOT NULL,
    reason             TEXT NOT NULL,
    signed_at          BIGINT,
    revoked_at         BIGINT,
    file_name          TEXT NOT NULL,
    xml                {{blob}} NOT NULL,
    signature          {{blob}},
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            INTEGER NOT NULL
);
CREATE UNIQUE INDEX powers_of_attorney_number ON powers_of_attorney(account_id, number);
-- FindForCheck by number across accounts (the CA operator) and the lists' filters.
CREATE INDEX powers_of_attorney_by_number ON powers_of_attorney(number);
CREATE INDEX powers_of_attorney_organization ON powers_of_attorney(organization_id, id);
CREATE INDEX powers_of_attorney_employee ON powers_of_attorney(employee_id, id);
CREATE INDEX powers_of_attorney_state ON powers_of_attorney(account_id, state, id);
CREATE INDEX powers_of_attorney_end ON powers_of_attorney(account_id, end_date);
-- The reconciler's work lists: records the registry is still processing, registered ones past their end.
CREATE INDEX powers_of_attorney_registry ON powers_of_attorney(registry_status, state, id);
CREATE INDEX powers_of_attorney_ended ON powers_of_attorney(state, end_date);

CREATE TABLE power_of_attorney_history (
    id                  {{serial}},
    power_of_attorney_id TEXT NOT NULL REFERENCES powers_of_attorney(id),
    at                  BIGINT NOT NULL,
    actor               TEXT NOT NULL,
    from_state          TEXT NOT NULL,
    to_state            TEXT NOT NULL,
    detail              TEXT NOT NULL
);
CREATE INDEX power_of_attorney_history_poa ON power_of_attorney_history(power_of_attorney_id, id);

-- МЧД drafting is a billing position; free by default, the CA operator may price it.
INSERT INTO tariffs (id, position, price_kopecks, valid_from, valid_to, created_at) VALUES
    ('default-power-of-attorney', 'power_of_attorney', 0, '2020-01-01', '', 0);
