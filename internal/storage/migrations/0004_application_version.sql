-- Optimistic locking for applications (an action that keeps the state cannot overwrite a concurrent one),
-- and at most one issuance in flight per application.

ALTER TABLE applications ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX issuance_intents_in_flight ON issuance_intents(application_id) WHERE status IN ('pending', 'signed');
