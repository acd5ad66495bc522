-- The qualified-certificate profile: an organization's region code (ST is "77 г. Москва", code and name)
-- and the crypto tool an application's key is made with (the certificate's subjectSignTool).

ALTER TABLE organizations ADD COLUMN region_code TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN sign_tool TEXT NOT NULL DEFAULT '';
