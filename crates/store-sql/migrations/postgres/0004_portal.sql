CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE agreements (
    tenant_id TEXT NOT NULL,
    agreement TEXT NOT NULL,
    version TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    accepted_by_upn TEXT NOT NULL,
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, agreement, version)
);

CREATE TABLE partner_links (
    customer_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    reseller BIGINT NOT NULL,
    dap BIGINT NOT NULL,
    since BIGINT NOT NULL,
    dap_removed_at BIGINT,
    PRIMARY KEY (customer_id, partner_id)
);

CREATE TABLE activity (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    partner_id TEXT,
    actor TEXT NOT NULL,
    actor_upn TEXT NOT NULL,
    kind TEXT NOT NULL,
    relationships TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX activity_customer ON activity(customer_id, at);
