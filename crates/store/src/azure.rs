//! Azure subscriptions CSP partners provision for their customers, the role assignments of each
//! customer tenant (at `/`, a subscription or a resource group) and the resource groups.

use async_trait::async_trait;
use gdap_domain::audit::AuditEntry;
use gdap_domain::azure::Assignment;
use gdap_domain::ids::TenantId;
use time::OffsetDateTime;

use crate::error::StoreError;

/// An Azure subscription of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureSubscription {
    /// Its id (a GUID).
    pub id: uuid::Uuid,
    /// The customer tenant it belongs to.
    pub customer: TenantId,
    /// The CSP partner that provisioned it.
    pub partner: TenantId,
    /// Its display name.
    pub display_name: String,
    /// When it was provisioned.
    pub created_at: OffsetDateTime,
}

/// A resource group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceGroup {
    /// The subscription.
    pub subscription: uuid::Uuid,
    /// Its name as created.
    pub name: String,
    /// Its location.
    pub location: String,
}

/// Where Azure subscriptions, role assignments and resource groups are kept. Each write appends
/// its audit entry in the same transaction.
#[async_trait]
pub trait AzureStore: Send + Sync {
    /// Provisions a subscription with its first role assignments.
    async fn create_subscription(
        &self,
        subscription: &AzureSubscription,
        assignments: &[Assignment],
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// A subscription by id.
    async fn azure_subscription(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<AzureSubscription>, StoreError>;
    /// A customer's subscriptions, oldest first.
    async fn azure_subscriptions_of(
        &self,
        customer: TenantId,
    ) -> Result<Vec<AzureSubscription>, StoreError>;
    /// Every role assignment of a tenant.
    async fn role_assignments(&self, tenant: TenantId) -> Result<Vec<Assignment>, StoreError>;
    /// Whether a tenant has a role assignment naming any of `principals`.
    async fn holds_azure_role(
        &self,
        tenant: TenantId,
        principals: &[uuid::Uuid],
    ) -> Result<bool, StoreError>;
    /// Adds a role assignment; `Duplicate` when its name is taken.
    async fn add_role_assignment(
        &self,
        tenant: TenantId,
        assignment: &Assignment,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// Deletes a role assignment; `false` when it was not there.
    async fn delete_role_assignment(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Creates a resource group, or changes nothing when it exists (`false`).
    async fn put_resource_group(
        &self,
        group: &ResourceGroup,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// A subscription's resource groups, by name.
    async fn resource_groups(
        &self,
        subscription: uuid::Uuid,
    ) -> Result<Vec<ResourceGroup>, StoreError>;
}
