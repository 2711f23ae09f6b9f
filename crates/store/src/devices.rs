//! The Autopilot device database: one for the whole system, in which a device (known by its
//! hardware hash, product key or tuple) belongs to one tenant at most; device batches as partners
//! name them; the status of each upload; and the customers' Autopilot profiles.

use async_trait::async_trait;
use gdap_domain::audit::AuditEntry;
use gdap_domain::ids::TenantId;
use time::OffsetDateTime;

use crate::error::StoreError;

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id.
    pub id: uuid::Uuid,
    /// The tenant it belongs to.
    pub customer: TenantId,
    /// The batch it came in (none for a device the customer added itself).
    pub batch: Option<String>,
    /// The partner that added it; `None` when the customer did.
    pub added_by: Option<TenantId>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Windows Product ID.
    pub product_key: Option<String>,
    /// Whether it was registered with a hardware hash (gdap keeps the hash's digest only).
    pub has_hash: bool,
    /// Manufacturer, as SMBIOS has it.
    pub manufacturer: Option<String>,
    /// Model, as SMBIOS has it.
    pub model: Option<String>,
    /// The profile assigned to it.
    pub profile: Option<uuid::Uuid>,
    /// When it was registered.
    pub uploaded_at: OffsetDateTime,
}

/// A device to register with the keys it is known by.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// The device.
    pub device: Device,
    /// Its keys (hash digest, product key, tuple): none may be another device's.
    pub keys: Vec<String>,
}

/// A named list of devices of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceBatch {
    /// The customer.
    pub customer: TenantId,
    /// The name the partner gave it.
    pub id: String,
    /// The partner that created it.
    pub created_by: TenantId,
    /// When.
    pub created_at: OffsetDateTime,
    /// Devices in it now.
    pub device_count: u64,
}

/// The status of an upload or a profile change, with its per-device results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceJob {
    /// Its id (Partner Center's `batchTrackingId`).
    pub id: uuid::Uuid,
    /// The customer.
    pub customer: TenantId,
    /// The partner that started it.
    pub partner: TenantId,
    /// `queued`, `processing`, `finished` or `finished_with_errors`.
    pub status: String,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// When it ended.
    pub completed_at: Option<OffsetDateTime>,
    /// The per-device results, as JSON (an array).
    pub results: String,
}

/// An Autopilot profile of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProfile {
    /// Its id.
    pub id: uuid::Uuid,
    /// The customer.
    pub customer: TenantId,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its settings (API names).
    pub settings: Vec<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub modified_at: OffsetDateTime,
    /// Devices assigned it (read only: counted when read).
    pub devices_assigned: u64,
}

/// Where Autopilot devices, batches, jobs and profiles are kept. Each write appends its audit
/// entry in the same transaction.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// The tenant each of `keys` already belongs to (keys that belong to none are absent).
    async fn device_key_owners(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, TenantId)>, StoreError>;
    /// Registers devices in one transaction with the job that reports them (if any), creating
    /// the batch when `batch` is given. Fails with `Duplicate` when one of the keys was taken meanwhile
    /// (the caller looks again and retries): a device never lands in two tenants.
    async fn register_devices(
        &self,
        batch: Option<&DeviceBatch>,
        devices: &[NewDevice],
        job: Option<&DeviceJob>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// A customer's batch.
    async fn device_batch(
        &self,
        customer: TenantId,
        id: &str,
    ) -> Result<Option<DeviceBatch>, StoreError>;
    /// Whether a customer has a batch of this name (without counting its devices).
    async fn has_device_batch(&self, customer: TenantId, id: &str) -> Result<bool, StoreError>;
    /// A customer's batches, oldest first.
    async fn device_batches(&self, customer: TenantId) -> Result<Vec<DeviceBatch>, StoreError>;
    /// A customer's devices (of one batch when given) ordered by id, after `after`, at most
    /// `limit`.
    async fn devices(
        &self,
        customer: TenantId,
        batch: Option<&str>,
        after: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<Device>, StoreError>;
    /// Devices of a customer by id (absent ids are left out).
    async fn devices_by_ids(
        &self,
        customer: TenantId,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<Device>, StoreError>;
    /// Deregisters a device (its keys are free again); `false` when it was not there.
    async fn delete_device(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Records a job (a profile change) with the devices' new profiles, in one transaction.
    async fn assign_profiles(
        &self,
        customer: TenantId,
        changes: &[(uuid::Uuid, Option<uuid::Uuid>)],
        job: &DeviceJob,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// A customer's job.
    async fn device_job(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<DeviceJob>, StoreError>;
    /// A customer's profiles, oldest first.
    async fn device_profiles(&self, customer: TenantId) -> Result<Vec<DeviceProfile>, StoreError>;
    /// A customer's profile.
    async fn device_profile(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<DeviceProfile>, StoreError>;
    /// Creates or replaces a profile.
    async fn put_device_profile(
        &self,
        profile: &DeviceProfile,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// Deletes a profile and takes it off its devices; `false` when it was not there.
    async fn delete_device_profile(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
}
