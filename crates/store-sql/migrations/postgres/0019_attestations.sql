-- Partners' attestations that a customer accepted an agreement (Partner Center's partner confirmed
-- agreements).
CREATE TABLE attestations (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    agreement_type TEXT NOT NULL,
    template_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    date_agreed BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX attestations_customer ON attestations(customer_id, recorded_at);
-- The same contact attests an agreement for a customer once.
CREATE UNIQUE INDEX attestations_contact ON attestations(customer_id, agreement_type, first_name, last_name, lower(email), coalesce(phone, ''));
