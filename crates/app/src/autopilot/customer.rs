//! The customer's own side of Autopilot: devices it registers itself through Intune (which no
//! partner manages), and its view of every device of its tenant with who added each.

use gdap_domain::audit::AuditEntry;
use gdap_domain::autopilot::{check, DeviceError, DeviceInput};
use gdap_store::devices::{Device, NewDevice};
use gdap_store::StoreError;

use crate::caller::Principal;
use crate::directory::authorize_any;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Intune's resource action for Autopilot devices (Global Administrator and Intune
/// Administrator hold it).
pub const INTUNE_ALL: &str = "microsoft.intune/allEntities/allTasks";
/// Reading Intune's objects.
pub const INTUNE_READ: &str = "microsoft.intune/allEntities/read";
/// The application permission for Autopilot devices.
pub const SERVICE_CONFIG_WRITE: &str = "DeviceManagementServiceConfig.ReadWrite.All";
/// The application permission to read them.
pub const SERVICE_CONFIG_READ: &str = "DeviceManagementServiceConfig.Read.All";

/// Registers one device in the caller's tenant as the tenant's own (added by no partner). A
/// device that does not check, or that another registration holds, is refused with its code.
pub async fn import(
    state: &AppState,
    caller: &Principal,
    input: &DeviceInput,
) -> AppResult<Result<Device, DeviceError>> {
    authorize_any(
        state,
        caller,
        &[INTUNE_ALL],
        "importedWindowsAutopilotDeviceIdentities",
        &[SERVICE_CONFIG_WRITE],
    )
    .await?;
    let customer = caller.tenant;
    let checked = match check(input) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    for _ in 0..4 {
        let owners = state.store.device_key_owners(&checked.keys).await?;
        if let Some((_, t)) = owners.first() {
            return Ok(Err(if *t == customer {
                DeviceError::AlreadyAssigned
            } else {
                DeviceError::AssignedToOtherTenant
            }));
        }
        let device = Device {
            id: uuid::Uuid::new_v4(),
            customer,
            batch: None,
            added_by: None,
            serial_number: checked.input.serial_number.clone(),
            product_key: checked.input.product_key.clone(),
            has_hash: checked.input.hardware_hash.is_some(),
            manufacturer: checked.input.manufacturer.clone(),
            model: checked.input.model.clone(),
            profile: None,
            uploaded_at: state.now(),
        };
        let audit = AuditEntry {
            at: state.now(),
            actor: caller.actor.actor.clone(),
            actor_tenant: caller.actor.tenant,
            partner: None,
            customer: Some(customer),
            relationship: None,
            assignment: None,
            role: None,
            action: "autopilot-device-imported".into(),
            target: device.id.to_string(),
            result: "success".into(),
        };
        let new = NewDevice {
            device: device.clone(),
            keys: checked.keys.clone(),
        };
        match state
            .store
            .register_devices(None, std::slice::from_ref(&new), None, &audit)
            .await
        {
            Ok(()) => return Ok(Ok(device)),
            Err(StoreError::DeviceKeyTaken) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(
        "other registrations kept taking this device; try again".into(),
    ))
}

/// A page of the caller's tenant's devices, partners' and its own, after `after`.
pub async fn devices(
    state: &AppState,
    caller: &Principal,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> AppResult<Vec<Device>> {
    authorize_any(
        state,
        caller,
        &[INTUNE_READ, INTUNE_ALL],
        "windowsAutopilotDeviceIdentities",
        &[SERVICE_CONFIG_READ, SERVICE_CONFIG_WRITE],
    )
    .await?;
    Ok(state
        .store
        .devices(caller.tenant, None, after, limit)
        .await?)
}

/// A page of a tenant's devices for its own pages (the signed-in administrator was checked by
/// the page), after `after`.
pub async fn devices_of(
    state: &AppState,
    tenant: gdap_domain::ids::TenantId,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> AppResult<Vec<Device>> {
    Ok(state.store.devices(tenant, None, after, limit).await?)
}
