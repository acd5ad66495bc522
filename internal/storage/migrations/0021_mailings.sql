-- Issue 15: segment mailings with instructions. A mailing is written as Markdown (body) and rendered once to
-- sanitised HTML (body_html); both keep their {{placeholders}}, filled per recipient at sending time.
-- segment is the filter set as JSON (ids, kinds, numbers: no personal data). status: draft → sending (the
-- expansion job materialises recipients, resuming after expanded_to, the last employee id done) → sent.
CREATE TABLE mailings (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    segment     TEXT NOT NULL,
    status      TEXT NOT NULL,
    expanded_to TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    send_at     BIGINT NOT NULL DEFAULT 0,
    sent_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mailings_account ON mailings(account_id, created_at);

-- Attachments are sent with every message of the mailing (a PDF letter): kept in the database.
CREATE TABLE mailing_attachments (
    id           TEXT PRIMARY KEY,
    mailing_id   TEXT NOT NULL REFERENCES mailings(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         {{blob}} NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX mailing_attachments_mailing ON mailing_attachments(mailing_id, created_at);

-- The materialised recipients: one employee each, with the outbox message ('' without an address) and the
-- in-app notices to the users linked to that employee, so the delivered/failed/opened counts join them.
CREATE TABLE mailing_recipients (
    mailing_id      TEXT NOT NULL REFERENCES mailings(id),
    employee_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    mail_id         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (mailing_id, employee_id)
);

CREATE TABLE mailing_notices (
    mailing_id TEXT NOT NULL REFERENCES mailings(id),
    notice_id  TEXT NOT NULL,
    PRIMARY KEY (mailing_id, notice_id)
);
