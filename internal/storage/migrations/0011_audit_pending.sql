-- On PostgreSQL an audited write no longer waits for the audit head: it inserts its event here, unchained,
-- and the sequencer (storage.SequenceAudit) moves committed events into audit_events in one batch, giving
-- each its sequence number and hash and advancing audit_head, and writes the matching feed event with the
-- same number. Rows are deleted once chained. SQLite chains in the writing transaction and leaves it empty.
-- feed_type is NULL when the event has no feed event.
CREATE TABLE audit_pending (
    id                   {{serial}},
    at                   BIGINT NOT NULL,
    actor                TEXT NOT NULL,
    action               TEXT NOT NULL,
    object_type          TEXT NOT NULL,
    object_id            TEXT NOT NULL,
    account_id           TEXT NOT NULL,
    organization_id      TEXT NOT NULL,
    detail               TEXT NOT NULL,
    feed_type            TEXT,
    feed_account_id      TEXT,
    feed_organization_id TEXT,
    feed_object_id       TEXT,
    feed_data            TEXT
);
