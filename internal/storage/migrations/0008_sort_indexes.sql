-- Indexes for the lists' sort orders (see appSorts and certSorts in the storage package): each one walks an
-- account's rows in the chosen order, so the first page of a sorted list reads a page of rows, not the
-- account. The enumerations sort in the model's order through the same CASE expression the queries use;
-- adding a state or kind needs a new migration that rebuilds these two.

CREATE INDEX applications_updated ON applications(account_id, updated_at, id);
CREATE INDEX applications_created ON applications(account_id, created_at, id);
CREATE INDEX applications_state_order ON applications(account_id, (CASE state WHEN 'draft' THEN 0 WHEN 'documents' THEN 1 WHEN 'identity_verification' THEN 2 WHEN 'correction' THEN 3 WHEN 'approved' THEN 4 WHEN 'issued' THEN 5 WHEN 'declined' THEN 6 WHEN 'cancelled' THEN 7 ELSE 8 END), id);
CREATE INDEX applications_kind_order ON applications(account_id, (CASE kind WHEN 'individual' THEN 0 WHEN 'legal_entity_employee' THEN 1 WHEN 'head' THEN 2 WHEN 'sole_proprietor' THEN 3 ELSE 4 END), id);
CREATE INDEX certificates_not_after ON certificates(account_id, not_after, serial);
CREATE INDEX certificates_not_before ON certificates(account_id, not_before, serial);
CREATE INDEX certificates_status_order ON certificates(account_id, (CASE status WHEN 'valid' THEN 0 WHEN 'expired' THEN 1 WHEN 'revoked' THEN 2 ELSE 3 END), serial);
CREATE INDEX certificates_kind_order ON certificates(account_id, (CASE kind WHEN 'individual' THEN 0 WHEN 'legal_entity_employee' THEN 1 WHEN 'head' THEN 2 WHEN 'sole_proprietor' THEN 3 ELSE 4 END), serial);
CREATE INDEX employees_position ON employees(account_id, position, id);
CREATE INDEX employees_created ON employees(account_id, created_at, id);
