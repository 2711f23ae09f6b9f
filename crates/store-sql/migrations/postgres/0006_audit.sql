CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_tenant TEXT,
    partner_id TEXT,
    customer_id TEXT,
    relationship_id TEXT,
    assignment_id TEXT,
    role_id TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    result TEXT NOT NULL,
    position BIGINT UNIQUE,
    hash TEXT
);
CREATE INDEX audit_customer ON audit_log(customer_id, partner_id, seq);
