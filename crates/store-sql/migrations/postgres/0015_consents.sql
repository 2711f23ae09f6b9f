CREATE TABLE consents (
    client_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, principal, scope)
);
