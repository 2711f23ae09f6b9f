-- Azure subscriptions CSP partners provision for their customers.
CREATE TABLE azure_subscriptions (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX azure_subscriptions_customer ON azure_subscriptions(customer_id, created_at);
-- Role assignments of each tenant, at `/`, a subscription or a resource group.
CREATE TABLE azure_role_assignments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    role_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    principal_type TEXT NOT NULL
);
CREATE INDEX azure_role_assignments_tenant ON azure_role_assignments(tenant_id, principal_id);
-- Resource groups, one name per subscription whatever its case.
CREATE TABLE azure_resource_groups (
    subscription_id TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);
