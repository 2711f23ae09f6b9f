//! Sign-in grants waiting to be redeemed: authorization codes, refresh tokens and device codes.
//! Only a hash of each grant's secret is stored. A grant is taken once (the second redemption of a
//! code finds nothing); a device code's grant changes state while it waits (approved, declined),
//! one writer at a time; and a user's refresh tokens are revoked together, or those of one
//! browser session.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::StoreError;

/// A grant to keep.
#[derive(Debug, Clone, Copy)]
pub struct NewGrant<'a> {
    /// The hash of the grant's secret, its key.
    pub hash: &'a str,
    /// What the grant is (`code`, `refresh`, `device`, …): a grant is only found as its kind.
    pub kind: &'a str,
    /// The grant itself, opaque to the store.
    pub body: &'a str,
    /// The user the grant speaks for, when known: revocation finds grants by it.
    pub subject: Option<&'a str>,
    /// The browser session the grant came from, when one did.
    pub session: Option<&'a str>,
    /// When the grant stops being found.
    pub expires_at: OffsetDateTime,
}

/// Grants keyed by the hash of their secret.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Keeps a grant until it expires; expired grants are swept away on the way.
    async fn put_grant(&self, grant: NewGrant<'_>, now: OffsetDateTime) -> Result<(), StoreError>;
    /// The body of the grant of `kind` under `hash`, left in place; `None` when there is none or
    /// it expired.
    async fn grant(
        &self,
        hash: &str,
        kind: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError>;
    /// Replaces the body of the grant of `kind` under `hash` if it still is `old`: `false` when
    /// another writer changed or took it first, or it expired.
    async fn replace_grant(
        &self,
        hash: &str,
        kind: &str,
        old: &str,
        new: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Takes the grant of `kind` under `hash`: its body, and it is gone. `None` when there is no
    /// such grant, it expired, or another redemption took it first.
    async fn take_grant(
        &self,
        hash: &str,
        kind: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError>;
    /// Removes the grants of `kind` that speak for `subject` (only those from `session`, when
    /// named).
    async fn revoke_grants(
        &self,
        kind: &str,
        subject: &str,
        session: Option<&str>,
    ) -> Result<(), StoreError>;
    /// How many grants of `kind` are live.
    async fn live_grants(&self, kind: &str, now: OffsetDateTime) -> Result<u64, StoreError>;
}
