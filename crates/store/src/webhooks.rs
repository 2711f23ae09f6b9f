//! Webhook registrations and the durable queue of events to deliver.
//!
//! Events are queued by the store itself, in the transaction of the change that raises them (a
//! relationship approved, activated, terminated or expired; an access assignment created,
//! activated, updated or deleted; a reseller tie accepted; DAP approved or removed), for partners
//! registered for them: nothing raised is lost, and nothing is queued for a change that did not
//! commit.

use async_trait::async_trait;
use gdap_domain::ids::TenantId;
use gdap_domain::webhook::Registration;
use time::OffsetDateTime;

use crate::error::StoreError;

/// An event queued for a partner's receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The delivery id (gdap's `X-Gdap-Delivery-Id` header): the same on every attempt.
    pub id: uuid::Uuid,
    /// Position in the queue.
    pub seq: i64,
    /// The partner.
    pub partner: TenantId,
    /// Partner Center's event name.
    pub event: String,
    /// The resource path after the base URL (none for DAP events).
    pub path: Option<String>,
    /// Events of one key are delivered in order (a relationship, a customer tie, a test).
    pub ordering_key: String,
    /// When the resource changed.
    pub change_at: OffsetDateTime,
    /// When it was queued (wall clock).
    pub created_at: OffsetDateTime,
    /// Attempts so far.
    pub attempts: u32,
    /// When to try next (`None` once delivered or offline).
    pub next_attempt_at: Option<OffsetDateTime>,
    /// When the receiver accepted it.
    pub delivered_at: Option<OffsetDateTime>,
    /// When it went to the offline queue after its last attempt.
    pub offline_at: Option<OffsetDateTime>,
}

/// One attempt to deliver an event, as Partner Center reports it for validation events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The event.
    pub event: uuid::Uuid,
    /// When.
    pub at: OffsetDateTime,
    /// The receiver's status (`OK`, `InternalServerError` …), or the error's kind.
    pub response_code: String,
    /// The receiver's answer or the error, cut short.
    pub response_message: String,
    /// The receiver was never reached (connection, timeout).
    pub system_error: bool,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver accepted it.
    Delivered,
    /// Try again then.
    Retry(OffsetDateTime),
    /// No more attempts: to the offline queue.
    Offline,
}

/// Which queued events to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    /// Waiting for delivery.
    Pending,
    /// Accepted by the receiver.
    Delivered,
    /// In the offline queue.
    Offline,
}

/// Where registrations and queued events are kept.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// The partner's registration.
    async fn registration(&self, partner: TenantId) -> Result<Option<Registration>, StoreError>;
    /// Writes the partner's registration (inserted, or replaced whole).
    async fn put_registration(&self, reg: &Registration) -> Result<(), StoreError>;
    /// Removes the partner's registration and its undelivered events; `false` when it had none.
    async fn delete_registration(&self, partner: TenantId) -> Result<bool, StoreError>;
    /// Queues a `test-created` event for the partner under `correlation`.
    async fn queue_test_event(
        &self,
        partner: TenantId,
        correlation: uuid::Uuid,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// The partners with events due at `now`.
    async fn partners_with_due_events(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<TenantId>, StoreError>;
    /// Claims up to `limit` of the partner's events due at `now`, each the oldest undelivered one
    /// of its key, for one attempt: each is hidden from other claimers for `lease`.
    async fn claim_webhook_events(
        &self,
        partner: TenantId,
        now: OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> Result<Vec<WebhookEvent>, StoreError>;
    /// Records an attempt and its outcome.
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError>;
    /// The partner's events in `state`, oldest first, up to `limit`.
    async fn webhook_events(
        &self,
        partner: TenantId,
        state: EventState,
        limit: u32,
    ) -> Result<Vec<WebhookEvent>, StoreError>;
    /// The partner's event with this id.
    async fn webhook_event(
        &self,
        partner: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<WebhookEvent>, StoreError>;
    /// The attempts to deliver an event, oldest first.
    async fn webhook_attempts(&self, event: uuid::Uuid) -> Result<Vec<WebhookAttempt>, StoreError>;
    /// Puts the partner's offline events back in the queue, due at `now`; returns how many.
    async fn replay_offline(
        &self,
        partner: TenantId,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;
    /// How many events wait for delivery.
    async fn webhook_queue_depth(&self) -> Result<u64, StoreError>;
    /// The webhook signing material (PEM: the key, its certificate, the CA certificate).
    async fn webhook_signer(&self) -> Result<Option<String>, StoreError>;
    /// Stores signing material unless some is stored already (nodes starting together agree).
    async fn put_webhook_signer_if_none(&self, pem: &str) -> Result<(), StoreError>;
}
