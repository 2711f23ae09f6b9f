-- Each partner's webhook registration (Partner Center's one per partner).
CREATE TABLE webhook_registrations (
    partner_id TEXT PRIMARY KEY,
    subscriber_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Events queued for delivery, in the order they were raised.
CREATE TABLE webhook_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    resource_path TEXT,
    ordering_key TEXT NOT NULL,
    change_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT,
    delivered_at BIGINT,
    offline_at BIGINT
);
CREATE INDEX webhook_events_due ON webhook_events(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_events_key ON webhook_events(ordering_key, seq) WHERE delivered_at IS NULL AND offline_at IS NULL;
CREATE INDEX webhook_events_partner ON webhook_events(partner_id, seq);
-- Each attempt to deliver an event.
CREATE TABLE webhook_attempts (
    event_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    response_code TEXT NOT NULL,
    response_message TEXT NOT NULL,
    system_error BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_event ON webhook_attempts(event_id, at);
