-- Indexes for the reissue metrics (issue 15 part 6, package metrics): each query walks a range of months
-- of one account in an index that holds every column it reads, so the rows with the certificates' DER are
-- never read. The CA operator's queries walk every account's range in the same indexes.

-- The certificates ending in the months (and, from the first month's end on, those valid at a month's end).
CREATE INDEX certificates_metrics_end ON certificates(account_id, not_after, organization_id, employee_id, kind, not_before,
    revoked_at, replaced_by);
-- The certificates issued in the months, with their applications.
CREATE INDEX certificates_metrics_issue ON certificates(account_id, not_before, organization_id, employee_id, application_id);
-- "Was this certificate reissued before its end": a newer one of the same holder, kind and organization.
CREATE INDEX certificates_metrics_reissue ON certificates(employee_id, kind, organization_id, not_before);
