//! Consent given to applications: the delegated permissions a user granted an application for
//! themselves, or an administrator for the whole organization.

use async_trait::async_trait;
use gdap_domain::ids::ClientId;
use time::OffsetDateTime;

use crate::error::StoreError;

/// Who a consent is for: one user, or every user of a tenant.
pub fn user_principal(user: gdap_domain::ids::UserId) -> String {
    format!("user:{user}")
}

/// A tenant as the principal of an organization-wide consent.
pub fn tenant_principal(tenant: gdap_domain::ids::TenantId) -> String {
    format!("tenant:{tenant}")
}

/// Where consents are kept.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// The permissions granted to `client` for any of `principals`, each once.
    async fn consented(
        &self,
        client: ClientId,
        principals: &[String],
    ) -> Result<Vec<String>, StoreError>;
    /// Grants `client` the permissions `scopes` for `principal` (kept with those it had).
    async fn add_consent(
        &self,
        client: ClientId,
        principal: &str,
        scopes: &[String],
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
}
