-- Law-aware issuance: which authority issues an application, its billing position, the bundled
-- individual application it brought, and the service centers where heads are identified in person.

ALTER TABLE applications ADD COLUMN authority TEXT NOT NULL DEFAULT 'kcr';
ALTER TABLE applications ADD COLUMN billing_position TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN bundled_from TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN service_center_id TEXT NOT NULL DEFAULT '';
CREATE INDEX applications_reissue_of ON applications(reissue_of);
CREATE INDEX applications_kind_state ON applications(kind, state);

CREATE TABLE service_centers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    region     TEXT NOT NULL,
    hours      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
