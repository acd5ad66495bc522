-- A sorted list that reads a whole account by a joined table's name walks that account's names (see
-- sortLead in the storage package), and the certificates' status order is the stored status, then the end
-- date, latest first ("expired" is not stored: a valid certificate past its end).

CREATE INDEX organizations_account_name ON organizations(account_id, name_search);
CREATE INDEX employees_account_name ON employees(account_id, name_search);
DROP INDEX certificates_status_order;
CREATE INDEX certificates_status_order ON certificates(account_id, (CASE status WHEN 'valid' THEN 0 WHEN 'revoked' THEN 1 ELSE 2 END), (-not_after), serial);
