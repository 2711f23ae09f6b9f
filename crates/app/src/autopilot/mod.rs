//! Windows Autopilot as partners use it: devices registered for a customer (by Partner Center's
//! device API, the partner portal's CSV upload, or an OEM's API), the status of each upload,
//! the customer's Autopilot profiles and their assignment. Every call is decided by the domain's
//! rule: the partner's consent in that customer (which rides on the reseller relationship, or an
//! OEM's own link, and outlives DAP and GDAP), its agents' roles, and who added the device.

pub mod customer;
pub mod oem;
pub mod profiles;
mod register;

pub use register::{register, BatchTarget, DeviceResult, Registration};

use gdap_domain::audit::AuditEntry;
use gdap_domain::autopilot::manage::{decide, AddedBy, AgentRoles, Allowed, DeviceAction};
use gdap_domain::autopilot::Channel;
use gdap_domain::directory::{ADMIN_AGENTS, SALES_AGENTS};
use gdap_domain::ids::TenantId;
use gdap_store::devices::{Device, DeviceBatch, DeviceJob};

use crate::error::{AppError, AppResult};
use crate::partner_center::PartnerUser;
use crate::state::AppState;

/// Devices on one page of a listing, as Partner Center pages them.
pub const PAGE: u32 = 100;
/// The longest batch name.
pub const MAX_BATCH_NAME: usize = 128;

/// A partner user's agent roles: its membership of its tenant's Admin Agents and Sales Agents.
async fn agent_roles(
    state: &AppState,
    partner: TenantId,
    user: gdap_domain::ids::UserId,
) -> AppResult<AgentRoles> {
    let groups = state.store.groups_of_user(partner, user).await?;
    let member = |name: &str| groups.iter().any(|g| g.display_name == name);
    Ok(AgentRoles {
        admin_agent: member(ADMIN_AGENTS),
        sales_agent: member(SALES_AGENTS),
    })
}

/// A partner user acting on a customer's Autopilot devices, with its agent roles.
#[derive(Debug, Clone)]
pub struct DevicePartner {
    /// The partner user.
    pub user: PartnerUser,
    /// Its membership of Admin Agents and Sales Agents.
    pub roles: AgentRoles,
}

impl DevicePartner {
    /// The partner user with the roles its groups give it.
    pub async fn of(state: &AppState, user: PartnerUser) -> AppResult<Self> {
        let roles = agent_roles(state, user.partner.id, user.user.id).await?;
        Ok(Self { user, roles })
    }

    /// The partner tenant.
    pub fn partner(&self) -> TenantId {
        self.user.partner.id
    }

    /// An audit entry of this partner user's, about `customer`.
    pub(crate) fn audit(
        &self,
        state: &AppState,
        customer: TenantId,
        action: &str,
        target: String,
        result: String,
    ) -> AuditEntry {
        AuditEntry {
            at: state.now(),
            actor: self.user.user.user_principal_name.clone(),
            actor_tenant: Some(self.partner()),
            partner: Some(self.partner()),
            customer: Some(customer),
            relationship: None,
            assignment: None,
            role: None,
            action: action.to_owned(),
            target,
            result,
        }
    }
}

/// The partner's tie with a customer, if any: what its consent rides on.
pub async fn tie(
    state: &AppState,
    partner: TenantId,
    customer: TenantId,
) -> AppResult<Option<gdap_domain::customer::PartnerLink>> {
    let links = state.store.partner_links(customer).await?;
    Ok(links.into_iter().find(|l| l.partner == partner))
}

/// The names of the tenants that created `batches`, in their order.
pub async fn creators(state: &AppState, batches: &[DeviceBatch]) -> AppResult<Vec<String>> {
    let names = state
        .tenant_names(batches.iter().map(|b| b.created_by).collect())
        .await?;
    Ok(batches
        .iter()
        .map(|b| names.get(&b.created_by).cloned().unwrap_or_default())
        .collect())
}

/// The domain's decision for `partner` acting in `customer`, without refusing: what the check
/// API reports. `None` when the customer is no tenant.
pub async fn decision(
    state: &AppState,
    partner: TenantId,
    roles: AgentRoles,
    customer: TenantId,
    action: DeviceAction,
    channel: Channel,
    device: Option<AddedBy>,
) -> AppResult<Option<Result<Allowed, gdap_domain::autopilot::manage::Refusal>>> {
    if state.tenant(customer).await?.is_none() {
        return Ok(None);
    }
    let tie = tie(state, partner, customer).await?;
    Ok(Some(decide(
        partner,
        roles,
        action,
        tie.as_ref(),
        channel,
        device,
    )))
}

/// The decision for a user (of a partner tenant) acting in `customer`, as the check API asks
/// it: the user's agent roles from its groups, the device's adder when `device` names one of the
/// customer's devices. `None` when the customer is no tenant or the device is not the customer's.
pub async fn decision_for_user(
    state: &AppState,
    user: gdap_domain::ids::UserId,
    home: TenantId,
    customer: TenantId,
    action: DeviceAction,
    channel: Channel,
    device: Option<uuid::Uuid>,
) -> AppResult<Option<Result<Allowed, gdap_domain::autopilot::manage::Refusal>>> {
    let roles = agent_roles(state, home, user).await?;
    let added = match device {
        None => None,
        Some(id) => match state.store.devices_by_ids(customer, &[id]).await?.first() {
            Some(d) => Some(added_by(d)),
            None => return Ok(None),
        },
    };
    decision(state, home, roles, customer, action, channel, added).await
}

/// Decides as [`decision`], refusing with the reason (403), or 404 for a customer that is no
/// tenant.
pub async fn authorize(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    action: DeviceAction,
    channel: Channel,
    device: Option<AddedBy>,
) -> AppResult<Allowed> {
    match decision(
        state,
        caller.partner(),
        caller.roles,
        customer,
        action,
        channel,
        device,
    )
    .await?
    {
        None => Err(AppError::not_found("customer", &customer.to_string())),
        Some(Ok(allowed)) => Ok(allowed),
        Some(Err(refusal)) => Err(AppError::Forbidden(refusal.reason())),
    }
}

/// Who added a stored device.
pub fn added_by(d: &Device) -> AddedBy {
    d.added_by.map_or(AddedBy::Customer, AddedBy::Partner)
}

/// A customer's device batches.
pub async fn batches(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    channel: Channel,
) -> AppResult<Vec<DeviceBatch>> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ReadDevices,
        channel,
        None,
    )
    .await?;
    Ok(state.store.device_batches(customer).await?)
}

/// One page of a batch's devices (after the device id a continuation token names), and the
/// token of the next page when there is one.
pub async fn batch_devices(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    batch: &str,
    token: Option<&str>,
    channel: Channel,
) -> AppResult<(Vec<Device>, Option<String>)> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ReadDevices,
        channel,
        None,
    )
    .await?;
    let after = token
        .map(|t| {
            t.parse::<uuid::Uuid>().map_err(|_| {
                AppError::Invalid(
                    "the continuation token is not valid: send back the one the previous page returned".into(),
                )
            })
        })
        .transpose()?;
    if !state.store.has_device_batch(customer, batch).await? {
        return Err(AppError::not_found("device batch", batch));
    }
    let mut devices = state
        .store
        .devices(customer, Some(batch), after, PAGE + 1)
        .await?;
    let next = if devices.len() > PAGE as usize {
        devices.truncate(PAGE as usize);
        devices.last().map(|d| d.id.to_string())
    } else {
        None
    };
    Ok((devices, next))
}

/// Deregisters a device of a batch.
pub async fn delete_device(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    batch: &str,
    id: uuid::Uuid,
    channel: Channel,
) -> AppResult<()> {
    let device = state
        .store
        .devices_by_ids(customer, &[id])
        .await?
        .into_iter()
        .find(|d| d.batch.as_deref() == Some(batch));
    let Some(device) = device else {
        // Decide first, so that a partner without consent learns nothing of the devices.
        authorize(
            state,
            caller,
            customer,
            DeviceAction::DeleteDevice,
            channel,
            None,
        )
        .await?;
        return Err(AppError::not_found("device", &id.to_string()));
    };
    let allowed = authorize(
        state,
        caller,
        customer,
        DeviceAction::DeleteDevice,
        channel,
        Some(added_by(&device)),
    )
    .await?;
    let audit = caller.audit(
        state,
        customer,
        "autopilot-device-deleted",
        id.to_string(),
        format!("success: {}", allowed.reason),
    );
    if !state.store.delete_device(customer, id, &audit).await? {
        return Err(AppError::not_found("device", &id.to_string()));
    }
    Ok(())
}

/// The status of an upload or profile change.
pub async fn job(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    id: uuid::Uuid,
    channel: Channel,
) -> AppResult<DeviceJob> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ReadDevices,
        channel,
        None,
    )
    .await?;
    state
        .store
        .device_job(customer, id)
        .await?
        .ok_or_else(|| AppError::not_found("batch job", &id.to_string()))
}
