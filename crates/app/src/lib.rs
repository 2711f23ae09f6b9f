//! The application layer of gdap, between its faces (Graph, the admin center and its pages, the
//! token service, the check API) and the store: the shared state, the one write path that adds the
//! audit entries ([`AppState::commit`]), the callers and what they are authorized for, the
//! authorization index and its follower, the lifecycle worker, mail composition and delivery,
//! sign-in throttling, bounded hashing and the caches. It knows nothing of HTTP.

pub mod agreement_document;
pub mod agreements;
pub mod app_consent;
pub mod applications;
pub mod assignments;
pub mod audit;
pub mod authz;
pub mod autopilot;
pub mod azure;
pub mod billing;
pub mod bulk_jobs;
pub mod bulk_runner;
pub mod cache;
pub mod caller;
pub mod clock;
pub mod concurrency;
pub mod consent;
pub mod customer;
pub mod device;
pub mod directory;
pub mod error;
pub mod groups;
pub mod hashing;
pub mod mailer;
pub mod metrics;
pub mod mfa;
pub mod new_customer;
pub mod partner_center;
pub mod rate;
pub mod relationships;
pub mod renewals;
pub mod reseller;
pub mod roles;
pub mod signin;
pub mod state;
pub mod throttle;
pub mod users;
pub mod webhook_delivery;
pub mod webhook_signer;
pub mod webhooks;
pub mod worker;
pub mod world;

pub use error::{AppError, AppResult};
pub use state::{ApiConfig, AppState};
