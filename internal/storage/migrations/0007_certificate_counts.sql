-- Indexes for the dashboard's counts: status and kind counted from an index, and each expiry window as an
-- index range, without reading rows that carry the certificates' DER.
CREATE INDEX certificates_counts ON certificates(account_id, status, kind, not_after);
CREATE INDEX certificates_expiry ON certificates(account_id, status, not_after);
