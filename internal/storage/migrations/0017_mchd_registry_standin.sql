-- Issue 12: the built-in stand-in for the FNS registry of powers of attorney keeps what it was sent and what
-- it decided here, so that its answers survive restarts and replicas share them. One row per number: a
-- rejected number may be submitted again and then replaces its row. Times are microseconds since the epoch
-- (0 = not yet); issue_date and end_date are the file's Moscow dates (YYYY-MM-DD), empty until it was read.
-- grantor_name and grantor_inn are the organization's public requisites for the public status page; the file
-- itself holds personal data of the head and the representative, as the real registry's copy does.
CREATE TABLE mchd_registry_standin (
    number        TEXT PRIMARY KEY,
    operation     TEXT NOT NULL,
    file          {{blob}} NOT NULL,
    signature     {{blob}} NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    status_at     BIGINT NOT NULL,
    registered_at BIGINT NOT NULL,
    grantor_name  TEXT NOT NULL,
    grantor_inn   TEXT NOT NULL,
    issue_date    TEXT NOT NULL,
    end_date      TEXT NOT NULL
);
