-- Signed webhooks (issue 15 part 5). secret and previous_secret are sealed by kcr (AES-256-GCM under the
-- webhook key), not hashed: kcr must sign with them. event_types is a JSON array.
CREATE TABLE webhook_endpoints (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL,
    api_key_id            TEXT NOT NULL,
    url                   TEXT NOT NULL,
    description           TEXT NOT NULL,
    event_types           TEXT NOT NULL,
    state                 TEXT NOT NULL,
    disabled_reason       TEXT NOT NULL,
    secret                TEXT NOT NULL,
    previous_secret       TEXT NOT NULL,
    previous_secret_until BIGINT,
    created_by            TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints(account_id, id);
CREATE INDEX webhook_endpoints_state ON webhook_endpoints(state, account_id);

-- One row per event and endpoint (the unique index makes a second dispatcher's insert a no-op), plus one per
-- replay. next_attempt_at is set while pending; an attempt in flight pushes it past its deadline (a lease).
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    event_seq       BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT,
    replay_of       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries(endpoint_id, event_seq) WHERE replay_of = '';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id          {{serial}},
    delivery_id TEXT NOT NULL,
    at          BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

-- The dispatcher's position in feed_events: advanced in the transaction that writes the deliveries.
CREATE TABLE webhook_cursor (
    id  INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM feed_events;
