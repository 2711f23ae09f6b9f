CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    domain TEXT NOT NULL UNIQUE,
    partner_json TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    upn TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    roles TEXT NOT NULL,
    preferred_language TEXT,
    account_enabled INTEGER NOT NULL
);
CREATE INDEX users_tenant ON users(tenant_id);

CREATE TABLE security_groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL
);
CREATE INDEX security_groups_tenant ON security_groups(tenant_id);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE applications (
    client_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    secret_hash TEXT,
    permissions TEXT NOT NULL
);

CREATE TABLE relationships (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    duration TEXT NOT NULL,
    auto_extend TEXT NOT NULL,
    roles TEXT NOT NULL,
    customer_id TEXT,
    customer_name TEXT,
    status TEXT NOT NULL,
    kind_json TEXT,
    created_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    activated_at INTEGER,
    end_at INTEGER,
    locked_at INTEGER,
    due_at INTEGER,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX relationships_name ON relationships(partner_id, name_key);
CREATE INDEX relationships_partner_created ON relationships(partner_id, created_at, id);
CREATE INDEX relationships_partner_status ON relationships(partner_id, status, created_at, id);
CREATE INDEX relationships_customer ON relationships(customer_id, status);
CREATE INDEX relationships_due ON relationships(due_at) WHERE due_at IS NOT NULL;

CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    relationship_id TEXT NOT NULL REFERENCES relationships(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    due_at INTEGER,
    version INTEGER NOT NULL
);
CREATE INDEX requests_relationship ON requests(relationship_id, created_at, id);
CREATE INDEX requests_due ON requests(due_at) WHERE due_at IS NOT NULL;

CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    relationship_id TEXT NOT NULL REFERENCES relationships(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    roles TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    due_at INTEGER,
    version INTEGER NOT NULL
);
CREATE INDEX assignments_relationship ON assignments(relationship_id, created_at, id);
CREATE UNIQUE INDEX assignments_live_group ON assignments(relationship_id, group_id) WHERE status IN ('pending', 'active');
CREATE INDEX assignments_due ON assignments(due_at) WHERE due_at IS NOT NULL;

CREATE TABLE operations (
    id TEXT PRIMARY KEY,
    relationship_id TEXT NOT NULL REFERENCES relationships(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    change_json TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    due_at INTEGER,
    version INTEGER NOT NULL
);
CREATE INDEX operations_relationship ON operations(relationship_id, created_at, id);
CREATE INDEX operations_due ON operations(due_at) WHERE due_at IS NOT NULL;

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    pkcs8 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
