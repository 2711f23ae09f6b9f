ALTER TABLE applications ADD COLUMN object_id TEXT;
UPDATE applications SET object_id = client_id WHERE object_id IS NULL;
CREATE UNIQUE INDEX applications_object ON applications (object_id);
CREATE INDEX applications_tenant ON applications (tenant_id, display_name);
