//! Sign-in grants waiting to be redeemed: authorization codes (and, by kind, whatever else a
//! sign-in hands out for later redemption). Only a hash of each grant's secret is stored, and a
//! grant is taken once: the second redemption of a code finds nothing.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::StoreError;

/// Grants keyed by the hash of their secret.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Keeps a grant of `kind` (its `body`, opaque to the store) until `expires_at`; expired
    /// grants are swept away on the way.
    async fn put_grant(
        &self,
        hash: &str,
        kind: &str,
        body: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Takes the grant of `kind` under `hash`: its body, and it is gone. `None` when there is no
    /// such grant, it expired, or another redemption took it first.
    async fn take_grant(
        &self,
        hash: &str,
        kind: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError>;
}
