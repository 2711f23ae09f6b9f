//! The storage traits, split by capability.

use async_trait::async_trait;
use gdap_domain::agreement::Attestation;
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::customer::{Activity, AgreementAcceptance, PartnerLink, Refusal};
use gdap_domain::directory::{Application, Group, PartnerProfile, Tenant, User};
use gdap_domain::ids::{
    AssignmentId, ClientId, GroupId, OperationId, RelationshipId, RequestId, TenantId, UserId,
};
use gdap_domain::query::ListQuery;
use gdap_domain::relationship::Relationship;
use gdap_domain::request::{Operation, RelationshipRequest};
use time::OffsetDateTime;

use crate::changes::Changes;
use crate::error::StoreError;
use crate::feed::{ChangeFeed, ChangeObserver};

/// How a partner finds its customers by name (Partner Center's `filter` with `starts_with`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerFilter {
    /// Company names starting with this, case-insensitively.
    CompanyName(String),
    /// Default domains starting with this, case-insensitively.
    Domain(String),
}

/// One page of a collection.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Continuation for the next page, if there is one.
    pub next: Option<String>,
    /// Total matching items, when `$count=true` was asked.
    pub count: Option<u64>,
}

/// A customer of a partner, derived from the partner's active relationships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSummary {
    /// Customer tenant id.
    pub tenant_id: TenantId,
    /// Customer display name.
    pub display_name: String,
    /// Default domain of the customer tenant.
    pub domain: String,
    /// Highest version among the relationships behind it (for the ETag).
    pub version: u64,
}

/// A signing key kept by the store so that every node and every restart signs with the same keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Key id (`kid`).
    pub kid: String,
    /// PKCS#8 private key.
    pub pkcs8: Vec<u8>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// An e-mail waiting in (or delivered from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// Random id.
    pub id: uuid::Uuid,
    /// Recipient address.
    pub to: String,
    /// Subject (one line).
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// The relationship the mail is about, if any.
    pub relationship_id: Option<RelationshipId>,
    /// When it was queued.
    pub created_at: OffsetDateTime,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When to try next (`None` once sent).
    pub next_attempt_at: Option<OffsetDateTime>,
    /// When the relay accepted it.
    pub sent_at: Option<OffsetDateTime>,
    /// The relay's last refusal, if any.
    pub last_error: Option<String>,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The relay accepted the mail.
    Sent(OffsetDateTime),
    /// The relay was unreachable or refused; try again at `retry_at`.
    Failed {
        /// What went wrong.
        error: String,
        /// The next attempt.
        retry_at: OffsetDateTime,
    },
}

/// The e-mail outbox: mails are queued in the same transaction as the change they announce, so a
/// relay that is down loses nothing.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` mails due at `now`, oldest first, for one delivery attempt: each is
    /// hidden from other claimers for `lease`, so several nodes never send the same mail at once,
    /// and a node that dies mid-attempt only delays it.
    async fn claim_mail(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, StoreError>;
    /// Records the outcome of an attempt.
    async fn record_delivery(&self, id: uuid::Uuid, outcome: Delivery) -> Result<(), StoreError>;
    /// The newest mails, sent or not.
    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMail>, StoreError>;
    /// How many mails wait for the relay to accept them.
    async fn outbox_depth(&self) -> Result<u64, StoreError>;
}

/// A directory write for seeding and tests.
#[derive(Debug, Clone, Default)]
pub struct DirectoryBatch {
    /// Tenants to insert.
    pub tenants: Vec<Tenant>,
    /// Users to insert.
    pub users: Vec<User>,
    /// Groups (with members) to insert.
    pub groups: Vec<Group>,
    /// Applications to insert.
    pub applications: Vec<Application>,
    /// Reseller and DAP ties between customers and partners.
    pub partner_links: Vec<PartnerLink>,
    /// Customer agreements already accepted.
    pub agreements: Vec<AgreementAcceptance>,
}

/// Tenants, users, groups and applications.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// A tenant by id.
    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError>;
    /// A tenant by its default domain (case-insensitive).
    async fn tenant_by_domain(&self, domain: &str) -> Result<Option<Tenant>, StoreError>;
    /// A user by principal name (case-insensitive), in any tenant.
    async fn user_by_upn(&self, upn: &str) -> Result<Option<User>, StoreError>;
    /// A user of a tenant.
    async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<User>, StoreError>;
    /// A group of a tenant.
    async fn group(&self, tenant: TenantId, id: GroupId) -> Result<Option<Group>, StoreError>;
    /// The groups of a tenant that a user belongs to.
    async fn groups_of_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<Group>, StoreError>;
    /// Every user of a tenant, by principal name.
    async fn users_of(&self, tenant: TenantId) -> Result<Vec<User>, StoreError>;
    /// The tenant's application registrations, by display name.
    async fn applications_of(&self, tenant: TenantId) -> Result<Vec<Application>, StoreError>;
    /// A page of a tenant's users under a checked OData query (by `userPrincipalName` unless the
    /// query orders otherwise), paged by keyset.
    async fn list_users(&self, tenant: TenantId, q: &ListQuery) -> Result<Page<User>, StoreError>;
    /// An application by client id, in any tenant.
    async fn application(&self, client_id: ClientId) -> Result<Option<Application>, StoreError>;
    /// Inserts directory objects atomically.
    async fn insert_directory(&self, batch: DirectoryBatch) -> Result<(), StoreError>;
    /// Every security group of a tenant, with members, by name.
    async fn groups_of(&self, tenant: TenantId) -> Result<Vec<Group>, StoreError>;
}

/// Relationships, requests, access assignments and operations of partners.
#[async_trait]
pub trait RelationshipStore: Send + Sync {
    /// A relationship of a partner.
    async fn relationship(
        &self,
        partner: TenantId,
        id: RelationshipId,
    ) -> Result<Option<Relationship>, StoreError>;
    /// A relationship by id alone, for the customer side (the caller checks the customer).
    async fn relationship_by_id(
        &self,
        id: RelationshipId,
    ) -> Result<Option<Relationship>, StoreError>;
    /// The relationships among `ids` that exist, in no particular order (for nodes following
    /// each other's writes).
    async fn relationships_by_ids(
        &self,
        ids: &[RelationshipId],
    ) -> Result<Vec<Relationship>, StoreError>;
    /// One page of a partner's relationships.
    async fn list_relationships(
        &self,
        partner: TenantId,
        q: &ListQuery,
    ) -> Result<Page<Relationship>, StoreError>;
    /// Every relationship naming a customer tenant, newest end date first.
    async fn relationships_of_customer(
        &self,
        customer: TenantId,
    ) -> Result<Vec<Relationship>, StoreError>;

    /// A request of a relationship.
    async fn request(
        &self,
        rel: RelationshipId,
        id: RequestId,
    ) -> Result<Option<RelationshipRequest>, StoreError>;
    /// One page of a relationship's requests.
    async fn list_requests(
        &self,
        rel: RelationshipId,
        q: &ListQuery,
    ) -> Result<Page<RelationshipRequest>, StoreError>;

    /// An access assignment of a relationship.
    async fn assignment(
        &self,
        rel: RelationshipId,
        id: AssignmentId,
    ) -> Result<Option<AccessAssignment>, StoreError>;
    /// One page of a relationship's access assignments.
    async fn list_assignments(
        &self,
        rel: RelationshipId,
        q: &ListQuery,
    ) -> Result<Page<AccessAssignment>, StoreError>;
    /// Every access assignment of a relationship.
    async fn assignments_of(
        &self,
        rel: RelationshipId,
    ) -> Result<Vec<AccessAssignment>, StoreError>;

    /// An operation of a relationship.
    async fn operation(
        &self,
        rel: RelationshipId,
        id: OperationId,
    ) -> Result<Option<Operation>, StoreError>;
    /// One page of a relationship's operations.
    async fn list_operations(
        &self,
        rel: RelationshipId,
        q: &ListQuery,
    ) -> Result<Page<Operation>, StoreError>;

    /// One page of a partner's customers (tenants with at least one active relationship).
    async fn list_customers(
        &self,
        partner: TenantId,
        q: &ListQuery,
    ) -> Result<Page<CustomerSummary>, StoreError>;
    /// One customer of a partner.
    async fn customer(
        &self,
        partner: TenantId,
        customer: TenantId,
    ) -> Result<Option<CustomerSummary>, StoreError>;

    /// Applies a set of writes atomically, checking versions; returns them with new versions.
    async fn commit(&self, changes: Changes) -> Result<Changes, StoreError>;

    /// Relationships whose next lifecycle step is due at or before `until`, earliest first.
    async fn due_relationships(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Relationship>, StoreError>;
    /// Access assignments due, earliest first.
    async fn due_assignments(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<AccessAssignment>, StoreError>;
    /// Requests due, earliest first.
    async fn due_requests(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<RelationshipRequest>, StoreError>;
    /// Operations due, earliest first.
    async fn due_operations(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Operation>, StoreError>;
}

/// Signing keys and store-wide administration.
#[async_trait]
pub trait AdminStore: Send + Sync {
    /// All signing keys, oldest first.
    async fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError>;
    /// Adds a signing key. With `only_if_none`, the key is added only when the store holds none
    /// yet, atomically, so nodes starting together on a new database agree on one key.
    async fn add_signing_key(&self, key: StoredKey, only_if_none: bool) -> Result<(), StoreError>;
    /// The development clock's offset from wall-clock time, in microseconds, shared by all nodes.
    async fn clock_offset(&self) -> Result<i64, StoreError>;
    /// Raises the shared development clock offset to `micros` (it never goes down).
    async fn raise_clock_offset(&self, micros: i64) -> Result<(), StoreError>;
    /// Deletes every directory object and relationship (keys stay, so issued tokens still verify).
    async fn reset(&self) -> Result<(), StoreError>;
    /// Takes or renews the lease `name` for this store's node for `ttl` (wall clock): `true` when
    /// this node holds it now, `false` when another node holds an unexpired one. A node that dies
    /// loses its lease when the time runs out. A store that is never shared always holds it.
    async fn try_lease(&self, name: &str, ttl: std::time::Duration) -> Result<bool, StoreError>;
    /// Registers an observer of every write made through this store.
    fn observe(&self, observer: std::sync::Arc<dyn ChangeObserver>);
}

/// A signed-in browser session. Only a hash of the session id is stored, so a copy of the database
/// cannot be used to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value, hex.
    pub id_hash: String,
    /// The user's tenant.
    pub tenant: TenantId,
    /// The user.
    pub user: UserId,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// Sign-in instant.
    pub created_at: OffsetDateTime,
    /// The session ends here, whatever happens.
    pub expires_at: OffsetDateTime,
    /// The sign-in used a second factor.
    pub mfa: bool,
}

/// What the web pages keep: sessions, agreements, partner ties, the activity record, and the
/// settings users and partners change there.
#[async_trait]
pub trait PortalStore: Send + Sync {
    /// Stores a new session, dropping sessions that ended before its creation.
    async fn create_session(&self, session: Session) -> Result<(), StoreError>;
    /// A session by the hash of its id (ended ones included; the caller checks `expires_at`).
    async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError>;
    /// Ends a session (sign-out).
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of a user (its sign-in sessions revoked).
    async fn delete_sessions_of(&self, user: UserId) -> Result<(), StoreError>;
    /// The newest acceptance of an agreement by a tenant.
    async fn agreement(
        &self,
        tenant: TenantId,
        agreement: &str,
    ) -> Result<Option<AgreementAcceptance>, StoreError>;
    /// A customer's ties with its partners (reseller, DAP and the other kinds).
    async fn partner_links(&self, customer: TenantId) -> Result<Vec<PartnerLink>, StoreError>;
    /// Partners' attestations of a customer's acceptance of agreements, oldest first.
    async fn attestations_of(&self, customer: TenantId) -> Result<Vec<Attestation>, StoreError>;
    /// A partner's customers — ties that make the tenant one: reseller, indirect reseller or
    /// DAP — by customer id, after `after`, at most `limit`, those `filter` accepts, each with its
    /// tenant.
    async fn customers_of_partner(
        &self,
        partner: TenantId,
        after: Option<TenantId>,
        limit: u32,
        filter: Option<&CustomerFilter>,
    ) -> Result<Vec<(PartnerLink, Tenant)>, StoreError>;
    /// The newest recorded actions about a customer (optionally with one partner only).
    async fn activity_of(
        &self,
        customer: TenantId,
        partner: Option<TenantId>,
        limit: u32,
    ) -> Result<Vec<Activity>, StoreError>;
    /// The refusal of an invitation, if its customer declined it.
    async fn refusal(&self, relationship: RelationshipId) -> Result<Option<Refusal>, StoreError>;
    /// The refusals a tenant gave (as a customer) or received (as a partner), newest first.
    async fn refusals_of(&self, tenant: TenantId, limit: u32) -> Result<Vec<Refusal>, StoreError>;
    /// Replaces a partner tenant's profile (service name, contact, help link).
    async fn set_partner_profile(
        &self,
        tenant: TenantId,
        profile: PartnerProfile,
    ) -> Result<(), StoreError>;
    /// Sets a user's preferred language.
    async fn set_preferred_language(
        &self,
        tenant: TenantId,
        user: UserId,
        language: &str,
    ) -> Result<(), StoreError>;
}

/// A tenant's billing area; written through [`Changes::billing`](crate::Changes::billing).
#[async_trait]
pub trait BillingStore: Send + Sync {
    /// A tenant's subscriptions, oldest first.
    async fn subscriptions_of(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<gdap_domain::billing::Subscription>, StoreError>;
    /// A tenant's invoices, newest first.
    async fn invoices_of(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<gdap_domain::billing::Invoice>, StoreError>;
    /// A tenant's billing notification settings, if it ever set them.
    async fn billing_notifications(
        &self,
        tenant: TenantId,
    ) -> Result<Option<gdap_domain::billing::BillingNotifications>, StoreError>;
}

/// Every fact an authorization decision depends on, read at once.
#[derive(Debug, Clone, Default)]
pub struct AuthzSnapshot {
    /// Users of every tenant.
    pub users: Vec<User>,
    /// Security groups of every tenant, with members.
    pub groups: Vec<Group>,
    /// Relationships that name a customer.
    pub relationships: Vec<Relationship>,
    /// Access assignments not deleted.
    pub assignments: Vec<AccessAssignment>,
    /// Reseller and DAP ties.
    pub links: Vec<PartnerLink>,
}

/// Relationships read per page when the authorization index is built.
pub const AUTHZ_PAGE: u32 = 10_000;

/// The facts the authorization index is built from.
#[async_trait]
pub trait AuthzSource: Send + Sync {
    /// Every fact the authorization index needs but the relationships (`relationships` is
    /// empty): read those page by page with [`AuthzSource::authz_relationships`].
    async fn authz_directory(&self) -> Result<AuthzSnapshot, StoreError>;

    /// Up to `limit` relationships that name a customer, in the store's order of their ids,
    /// after `after` (from the first when `None`).
    async fn authz_relationships(
        &self,
        after: Option<RelationshipId>,
        limit: u32,
    ) -> Result<Vec<Relationship>, StoreError>;

    /// Every fact the authorization index needs, in one snapshot.
    async fn authz_snapshot(&self) -> Result<AuthzSnapshot, StoreError> {
        let mut snapshot = self.authz_directory().await?;
        let mut after = None;
        loop {
            let page = self.authz_relationships(after, AUTHZ_PAGE).await?;
            after = page.last().map(|r| r.id);
            let last = page.len() < AUTHZ_PAGE as usize;
            snapshot.relationships.extend(page);
            if last {
                return Ok(snapshot);
            }
        }
    }
}

/// The audit record: appended with changes (see [`Changes::audit`]), then sealed into a hash chain.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Seals up to `limit` unsealed entries, in the order they were appended, onto the chain;
    /// returns how many. Safe to run on several nodes at once.
    async fn seal_audit(&self, limit: u32) -> Result<u64, StoreError>;
    /// Sealed entries after a position, in chain order.
    async fn audit_chain(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<gdap_domain::audit::Sealed>, StoreError>;
    /// How many entries are not sealed yet.
    async fn audit_unsealed(&self) -> Result<u64, StoreError>;
    /// The position and hash of the chain's newest sealed entry.
    async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError>;
    /// The signed checkpoint of the chain's head (JSON), kept apart from the entries.
    async fn audit_checkpoint(&self) -> Result<Option<String>, StoreError>;
    /// Stores the checkpoint of the chain at `position`, unless one of a later position is
    /// stored already: checkpoints only move forward.
    async fn advance_audit_checkpoint(
        &self,
        position: i64,
        checkpoint: &str,
    ) -> Result<(), StoreError>;
    /// The newest entries about a customer tenant (optionally through one partner), newest
    /// first, skipping the `skip` newest.
    async fn audit_of(
        &self,
        customer: TenantId,
        partner: Option<TenantId>,
        skip: u32,
        limit: u32,
    ) -> Result<Vec<gdap_domain::audit::AuditEntry>, StoreError>;
}

/// Failed sign-ins counted per key, and the sources each account signs in from: kept where every
/// node sees them, so that several nodes behind one balancer share one count. Keys and names are
/// digests made by the caller.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts one failure under each key; a key whose window (from its first failure) has passed
    /// at `now` starts again at one.
    async fn count_failures(
        &self,
        keys: &[&str],
        now: OffsetDateTime,
        window: time::Duration,
    ) -> Result<(), StoreError>;
    /// The failures counted under each key and since when, in the order asked (`None` for none).
    async fn failures(
        &self,
        keys: &[&str],
    ) -> Result<Vec<Option<(u32, OffsetDateTime)>>, StoreError>;
    /// Forgets the failures counted under a key.
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;
    /// Whether `account` has signed in from `source`.
    async fn is_familiar(&self, account: &str, source: &str) -> Result<bool, StoreError>;
    /// Remembers that `account` signed in from `source` at `now`, keeping its `keep` most recent
    /// sources.
    async fn remember_source(
        &self,
        account: &str,
        source: &str,
        now: OffsetDateTime,
        keep: u32,
    ) -> Result<(), StoreError>;
    /// Forgets the failures first counted before `before`.
    async fn purge_failures(&self, before: OffsetDateTime) -> Result<(), StoreError>;
}

/// Everything gdap stores.
pub trait Store:
    DirectoryStore
    + RelationshipStore
    + AdminStore
    + OutboxStore
    + PortalStore
    + AuthzSource
    + ChangeFeed
    + AuditStore
    + BillingStore
    + ThrottleStore
    + crate::grants::GrantStore
    + crate::mfa::MfaStore
    + crate::consent::ConsentStore
    + crate::notices::NoticeStore
    + crate::webhooks::WebhookStore
    + crate::bulk_jobs::BulkJobStore
    + crate::devices::DeviceStore
    + crate::azure::AzureStore
{
}

impl<T> Store for T where
    T: DirectoryStore
        + RelationshipStore
        + AdminStore
        + OutboxStore
        + PortalStore
        + AuthzSource
        + ChangeFeed
        + AuditStore
        + BillingStore
        + ThrottleStore
        + crate::grants::GrantStore
        + crate::mfa::MfaStore
        + crate::consent::ConsentStore
        + crate::notices::NoticeStore
        + crate::webhooks::WebhookStore
        + crate::bulk_jobs::BulkJobStore
        + crate::devices::DeviceStore
        + crate::azure::AzureStore
{
}
