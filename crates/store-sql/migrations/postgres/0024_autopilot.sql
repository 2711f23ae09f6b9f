-- The Autopilot device database: every device of every tenant, once.
CREATE TABLE autopilot_devices (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    batch_id TEXT,
    added_by TEXT,
    serial_number TEXT,
    product_key TEXT,
    has_hash BIGINT NOT NULL,
    manufacturer TEXT,
    model TEXT,
    profile_id TEXT,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX autopilot_devices_customer ON autopilot_devices(customer_id, id);
CREATE INDEX autopilot_devices_batch ON autopilot_devices(customer_id, batch_id, id);
CREATE INDEX autopilot_devices_profile ON autopilot_devices(customer_id, profile_id);
-- The keys a device is known by (hash digest, product key, tuple): one device, one tenant each.
CREATE TABLE autopilot_device_keys (
    key TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    customer_id TEXT NOT NULL
);
CREATE INDEX autopilot_device_keys_device ON autopilot_device_keys(device_id);
-- Device lists as partners name them, per customer.
CREATE TABLE autopilot_batches (
    customer_id TEXT NOT NULL,
    id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, id)
);
-- Uploads and profile changes with their per-device results.
CREATE TABLE autopilot_jobs (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    completed_at BIGINT,
    results TEXT NOT NULL
);
-- Autopilot profiles of customers.
CREATE TABLE autopilot_profiles (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);
CREATE INDEX autopilot_profiles_customer ON autopilot_profiles(customer_id, created_at);
