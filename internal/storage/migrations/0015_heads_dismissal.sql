-- Issue 12: the sole executive of an organization (the head, who acts without a power of attorney and signs
-- МЧД) as data, and the dismissal of employees. A head is personal data: read and written through the
-- same scope and audit rules as employees.
CREATE TABLE organization_heads (
    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    surname         TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    patronymic      TEXT NOT NULL,
    position        TEXT NOT NULL,
    inn             TEXT NOT NULL,
    snils           TEXT NOT NULL,
    since           TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX organization_heads_snils ON organization_heads(snils);

-- dismissed_at is 0 while the employee works for the organization.
ALTER TABLE employees ADD COLUMN dismissed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE employees ADD COLUMN dismissal_reason TEXT NOT NULL DEFAULT '';
