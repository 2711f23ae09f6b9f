//! Registering devices: each checked (one of the six identifications, each field in form), then
//! matched against the one Autopilot database of the system by the keys it is known by; the
//! devices that are new land in one transaction with the job that reports every device's result.
//! Should another registration take one of the keys meanwhile, the transaction fails whole and
//! the devices are matched again: no device ever lands in two tenants.

use std::collections::{HashMap, HashSet};

use gdap_domain::autopilot::manage::DeviceAction;
use gdap_domain::autopilot::{check, Channel, DeviceError, DeviceInput, MAX_BATCH_DEVICES};
use gdap_domain::ids::TenantId;
use gdap_store::devices::{Device, DeviceBatch, DeviceJob, NewDevice};
use gdap_store::StoreError;
use serde::{Deserialize, Serialize};

use super::{authorize, DevicePartner, MAX_BATCH_NAME};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Times the devices are matched again after a racing registration took one of their keys.
const ATTEMPTS: usize = 4;

/// Where the devices go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchTarget {
    /// A new batch of this name (refused when the customer has one).
    New(String),
    /// The customer's existing batch of this name.
    Existing(String),
}

/// A registration a partner asks for.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The customer.
    pub customer: TenantId,
    /// The batch.
    pub target: BatchTarget,
    /// The devices, in the order sent (lines of an uploaded list carry their line).
    pub devices: Vec<(Option<u64>, DeviceInput)>,
    /// How the partner sent them.
    pub channel: Channel,
}

/// One device's result, as the job keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceResult {
    /// The registered device's id (none when it was refused).
    pub device_id: Option<uuid::Uuid>,
    /// The line of the uploaded list it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Its serial number as sent.
    pub serial_number: Option<String>,
    /// Its product key as sent.
    pub product_key: Option<String>,
    /// Autopilot's error code (`808`), when refused.
    pub error_code: Option<String>,
    /// Autopilot's error name (`ZtdDeviceAssignedToOtherTenant`), when refused.
    pub error_description: Option<String>,
}

fn batch_name(target: &BatchTarget) -> AppResult<&str> {
    let (BatchTarget::New(n) | BatchTarget::Existing(n)) = target;
    let ok = !n.trim().is_empty()
        && n.len() <= MAX_BATCH_NAME
        && !n.chars().any(char::is_control)
        && n.trim() == n;
    if ok {
        Ok(n)
    } else {
        Err(AppError::Invalid(format!(
            "the batch name must be 1 to {MAX_BATCH_NAME} characters, without leading or trailing spaces"
        )))
    }
}

fn clip(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(|s| s.chars().take(64).collect::<String>())
        .filter(|s| !s.trim().is_empty())
}

/// Registers devices for a customer and returns the finished job.
pub async fn register(
    state: &AppState,
    caller: &DevicePartner,
    reg: Registration,
) -> AppResult<DeviceJob> {
    let customer = reg.customer;
    let allowed = authorize(
        state,
        caller,
        customer,
        DeviceAction::AddDevices,
        reg.channel,
        None,
    )
    .await?;
    let name = batch_name(&reg.target)?.to_owned();
    if reg.devices.is_empty() {
        return Err(AppError::Invalid("`devices` holds no device".into()));
    }
    if reg.devices.len() > MAX_BATCH_DEVICES {
        return Err(AppError::Invalid(format!(
            "a batch holds at most {MAX_BATCH_DEVICES} devices; send the rest in another"
        )));
    }
    let exists = state.store.has_device_batch(customer, &name).await?;
    match (&reg.target, exists) {
        (BatchTarget::New(_), true) => {
            return Err(AppError::Conflict(format!(
                "a device batch named `{name}` exists for this customer; add devices to it, or choose another name"
            )))
        }
        (BatchTarget::Existing(_), false) => {
            return Err(AppError::not_found("device batch", &name))
        }
        _ => {}
    }
    let checked: Vec<_> = reg.devices.iter().map(|(_, d)| check(d)).collect();
    let started_at = state.now();
    for _ in 0..ATTEMPTS {
        let keys: Vec<String> = checked
            .iter()
            .flatten()
            .flat_map(|c| c.keys.iter().cloned())
            .collect();
        let owners: HashMap<String, TenantId> = state
            .store
            .device_key_owners(&keys)
            .await?
            .into_iter()
            .collect();
        let mut taken_here: HashSet<&str> = HashSet::new();
        let mut results = Vec::with_capacity(checked.len());
        let mut new = Vec::new();
        for ((line, input), c) in reg.devices.iter().zip(&checked) {
            let outcome = c.as_ref().map_err(|e| *e).and_then(|c| {
                let owner = c.keys.iter().find_map(|k| owners.get(k));
                match owner {
                    Some(t) if *t == customer => Err(DeviceError::AlreadyAssigned),
                    Some(_) => Err(DeviceError::AssignedToOtherTenant),
                    None if c.keys.iter().any(|k| taken_here.contains(k.as_str())) => {
                        Err(DeviceError::AlreadyAssigned)
                    }
                    None => Ok(c),
                }
            });
            let mut result = DeviceResult {
                device_id: None,
                line: *line,
                serial_number: clip(&input.serial_number),
                product_key: clip(&input.product_key),
                error_code: None,
                error_description: None,
            };
            match outcome {
                Ok(c) => {
                    for k in &c.keys {
                        taken_here.insert(k.as_str());
                    }
                    let id = uuid::Uuid::new_v4();
                    result.device_id = Some(id);
                    new.push(NewDevice {
                        device: Device {
                            id,
                            customer,
                            batch: Some(name.clone()),
                            added_by: Some(caller.partner()),
                            serial_number: c.input.serial_number.clone(),
                            product_key: c.input.product_key.clone(),
                            has_hash: c.input.hardware_hash.is_some(),
                            manufacturer: c.input.manufacturer.clone(),
                            model: c.input.model.clone(),
                            profile: None,
                            uploaded_at: started_at,
                        },
                        keys: c.keys.clone(),
                    });
                }
                Err(e) => {
                    result.error_code = Some(e.code().to_owned());
                    result.error_description = Some(e.name().to_owned());
                }
            }
            results.push(result);
        }
        let failed = results.len() - new.len();
        let job = DeviceJob {
            id: uuid::Uuid::new_v4(),
            customer,
            partner: caller.partner(),
            status: if failed == 0 {
                "finished"
            } else {
                "finished_with_errors"
            }
            .into(),
            started_at,
            completed_at: Some(state.now()),
            results: serde_json::to_string(&results)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        };
        let batch = (!exists).then(|| DeviceBatch {
            customer,
            id: name.clone(),
            created_by: caller.partner(),
            created_at: started_at,
            device_count: 0,
        });
        let audit = caller.audit(
            state,
            customer,
            "autopilot-devices-registered",
            name.clone(),
            format!(
                "success: {} registered, {failed} refused ({})",
                new.len(),
                allowed.reason
            ),
        );
        match state
            .store
            .register_devices(batch.as_ref(), &new, Some(&job), &audit)
            .await
        {
            Ok(()) => {
                tracing::info!(partner = %caller.partner(), customer = %customer, registered = new.len(), refused = failed, "Autopilot devices registered");
                return Ok(job);
            }
            Err(StoreError::DeviceKeyTaken) => continue,
            Err(StoreError::Duplicate(_)) => {
                return Err(AppError::Conflict(format!(
                    "a device batch named `{name}` was created meanwhile; add devices to it"
                )))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(
        "other registrations kept taking these devices; send the batch again".into(),
    ))
}
