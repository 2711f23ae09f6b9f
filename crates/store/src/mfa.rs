//! Users' second factors: a time-based one-time code's secret per user, and the last time step a
//! code was accepted for (so a code is accepted once).

use async_trait::async_trait;
use gdap_domain::ids::{TenantId, UserId};
use time::OffsetDateTime;

use crate::error::StoreError;

/// A user's one-time code secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaMethod {
    /// The secret, base32 as authenticator apps take it.
    pub secret: String,
    /// The last time step a code was accepted for (0: none yet).
    pub last_step: i64,
}

/// Where second factors are kept.
#[async_trait]
pub trait MfaStore: Send + Sync {
    /// The user's one-time code secret, if the user enrolled.
    async fn mfa_method(&self, user: UserId) -> Result<Option<MfaMethod>, StoreError>;
    /// Enrols the user with `secret`, whose code for `step` was just accepted; `false` when the
    /// user is already enrolled (the first enrolment stays).
    async fn enrol_mfa(
        &self,
        tenant: TenantId,
        user: UserId,
        secret: &str,
        step: i64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Records that a code for `step` was accepted: `false` when a code for this step or a later
    /// one already was (a code is good once).
    async fn use_mfa_step(&self, user: UserId, step: i64) -> Result<bool, StoreError>;
    /// Removes the user's second factor (an administrator resets it; the user enrols again).
    async fn remove_mfa(&self, user: UserId) -> Result<(), StoreError>;
}
