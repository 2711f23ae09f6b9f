CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    sku_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    purchased_by TEXT NOT NULL
);
CREATE INDEX subscriptions_tenant ON subscriptions(tenant_id, created_at);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    issued_at BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX invoices_tenant ON invoices(tenant_id, issued_at);

CREATE TABLE billing_notifications (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    recipients TEXT NOT NULL,
    language TEXT NOT NULL,
    attach_invoice_pdf BIGINT NOT NULL
);
