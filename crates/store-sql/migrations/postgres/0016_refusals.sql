CREATE TABLE refusals (
    relationship_id TEXT PRIMARY KEY REFERENCES relationships(id) ON DELETE CASCADE,
    relationship_name TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    declined_by TEXT NOT NULL,
    declined_by_upn TEXT NOT NULL,
    declined_at BIGINT NOT NULL
);
CREATE INDEX refusals_customer ON refusals(customer_id, declined_at);
CREATE INDEX refusals_partner ON refusals(partner_id, declined_at);
