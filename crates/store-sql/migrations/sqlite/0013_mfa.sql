ALTER TABLE sessions ADD COLUMN mfa BIGINT NOT NULL DEFAULT 0;

CREATE TABLE mfa_methods (
    user_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
