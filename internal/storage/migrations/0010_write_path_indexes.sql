-- Indexes for statements that run inside write transactions (issue 11, defect 6); TestWritePathPlans
-- checks that no statement on the write paths reads a whole table.

-- Billing's "is this application charged for this event already", asked in every issuance: it counted
-- every billing line of every account.
CREATE INDEX billing_lines_application ON billing_lines(application_id, event);

-- The CRL's revocation counter (how many, and the latest), asked on every CRL request: with revoked_at in
-- the index it is answered from the index alone.
DROP INDEX certificates_issuer_revoked;
CREATE INDEX certificates_issuer_revoked ON certificates(issuer, status, revoked_at);
