ALTER TABLE sign_in_grants ADD COLUMN subject TEXT;
ALTER TABLE sign_in_grants ADD COLUMN session TEXT;
CREATE INDEX sign_in_grants_subject ON sign_in_grants (subject, kind);
