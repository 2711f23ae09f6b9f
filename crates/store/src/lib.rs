//! Storage for gdap: the traits every backend implements, atomic change sets, and the lifecycle
//! engine that moves relationships, assignments, requests and operations through their automatic
//! steps over any backend.

pub mod azure;
pub mod bulk_jobs;
pub mod changes;
pub mod consent;
pub mod devices;
pub mod error;
pub mod feed;
pub mod grants;
pub mod lifecycle;
pub mod mfa;
pub mod notices;
pub mod traits;
pub mod webhooks;

pub use bulk_jobs::{BulkJob, BulkJobStore, JobStatus};
pub use changes::{BillingWrite, Changes, ConsentWrite, DirectoryWrite, Write};
pub use consent::ConsentStore;
pub use devices::DeviceStore;
pub use error::StoreError;
pub use feed::{ChangeFeed, ChangeObserver, ChangeRefs, ChangeWait};
pub use grants::{GrantStore, NewGrant};
pub use lifecycle::{Lifecycle, RunReport};
pub use mfa::{MfaMethod, MfaStore};
pub use notices::{NoticeDue, NoticeMark, NoticeQuery, NoticeStore};
pub use traits::{
    AdminStore, AuditStore, AuthzSnapshot, AuthzSource, BillingStore, CustomerFilter,
    CustomerSummary, Delivery, DirectoryBatch, DirectoryStore, OutboxMail, OutboxStore, Page,
    PortalStore, RelationshipStore, Session, Store, StoredKey, ThrottleStore, AUTHZ_PAGE,
};
pub use webhooks::{AttemptOutcome, EventState, WebhookAttempt, WebhookEvent, WebhookStore};
