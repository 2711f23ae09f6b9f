//! A customer's Autopilot profiles: read by any consented partner's agents, created, replaced and
//! deleted by its Admin Agents, and assigned to devices by them, device by device, with a job
//! that reports each device's result.

use gdap_domain::autopilot::manage::{decide, DeviceAction};
use gdap_domain::autopilot::profile::{check_profile, ProfileInput};
use gdap_domain::autopilot::Channel;
use gdap_domain::ids::TenantId;
use gdap_store::devices::{DeviceJob, DeviceProfile};

use super::{added_by, authorize, DevicePartner, DeviceResult};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most profiles a customer has.
pub const MAX_PROFILES: usize = 350;
/// The most devices one profile change names.
pub const MAX_UPDATES: usize = 1000;

/// A customer's profiles.
pub async fn list(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
) -> AppResult<Vec<DeviceProfile>> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ReadDevices,
        Channel::Api,
        None,
    )
    .await?;
    Ok(state.store.device_profiles(customer).await?)
}

/// A customer's profile.
pub async fn get(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    id: uuid::Uuid,
) -> AppResult<DeviceProfile> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ReadDevices,
        Channel::Api,
        None,
    )
    .await?;
    state
        .store
        .device_profile(customer, id)
        .await?
        .ok_or_else(|| AppError::not_found("policy", &id.to_string()))
}

/// Creates a profile (`id: None`) or replaces one.
pub async fn put(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    id: Option<uuid::Uuid>,
    input: &ProfileInput,
) -> AppResult<DeviceProfile> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ManageProfiles,
        Channel::Api,
        None,
    )
    .await?;
    let checked = check_profile(input).map_err(AppError::Invalid)?;
    let now = state.now();
    let existing = match id {
        Some(id) => Some(
            state
                .store
                .device_profile(customer, id)
                .await?
                .ok_or_else(|| AppError::not_found("policy", &id.to_string()))?,
        ),
        None => {
            let profiles = state.store.device_profiles(customer).await?;
            if profiles.len() >= MAX_PROFILES {
                return Err(AppError::Conflict(format!(
                    "a customer has at most {MAX_PROFILES} Autopilot profiles"
                )));
            }
            None
        }
    };
    let profile = DeviceProfile {
        id: id.unwrap_or_else(uuid::Uuid::new_v4),
        customer,
        name: checked.name,
        description: checked.description,
        settings: checked
            .settings
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        created_at: existing.as_ref().map_or(now, |p| p.created_at),
        modified_at: now,
        devices_assigned: existing.as_ref().map_or(0, |p| p.devices_assigned),
    };
    let action = if existing.is_some() {
        "autopilot-profile-updated"
    } else {
        "autopilot-profile-created"
    };
    let audit = caller.audit(
        state,
        customer,
        action,
        profile.id.to_string(),
        "success".into(),
    );
    state.store.put_device_profile(&profile, &audit).await?;
    Ok(profile)
}

/// Deletes a profile (its devices keep no profile).
pub async fn delete(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    id: uuid::Uuid,
) -> AppResult<()> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ManageProfiles,
        Channel::Api,
        None,
    )
    .await?;
    let audit = caller.audit(
        state,
        customer,
        "autopilot-profile-deleted",
        id.to_string(),
        "success".into(),
    );
    if !state
        .store
        .delete_device_profile(customer, id, &audit)
        .await?
    {
        return Err(AppError::not_found("policy", &id.to_string()));
    }
    Ok(())
}

/// Assigns profiles to devices (`None` takes a device's profile off). A device that is not the
/// customer's, or that the customer added itself, fails alone in the job's results; a profile
/// that is not the customer's refuses the whole request.
pub async fn assign(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    updates: &[(uuid::Uuid, Option<uuid::Uuid>)],
) -> AppResult<DeviceJob> {
    authorize(
        state,
        caller,
        customer,
        DeviceAction::ApplyProfile,
        Channel::Api,
        None,
    )
    .await?;
    if updates.is_empty() || updates.len() > MAX_UPDATES {
        return Err(AppError::Invalid(format!(
            "`devices` holds 1 to {MAX_UPDATES} devices"
        )));
    }
    let profiles = state.store.device_profiles(customer).await?;
    for p in updates.iter().filter_map(|(_, p)| *p) {
        if !profiles.iter().any(|q| q.id == p) {
            return Err(AppError::Invalid(format!(
                "policy `{p}` is not one of this customer's Autopilot profiles"
            )));
        }
    }
    let tie = super::tie(state, caller.partner(), customer).await?;
    let tie = tie.as_ref();
    let ids: Vec<_> = updates.iter().map(|(d, _)| *d).collect();
    let devices = state.store.devices_by_ids(customer, &ids).await?;
    let started_at = state.now();
    let mut changes = Vec::new();
    let mut results = Vec::new();
    for (id, profile) in updates {
        let device = devices.iter().find(|d| d.id == *id);
        let refusal = match device {
            None => Some(("404", "DeviceNotFound")),
            Some(d) => decide(
                caller.partner(),
                caller.roles,
                DeviceAction::ApplyProfile,
                tie,
                Channel::Api,
                Some(added_by(d)),
            )
            .err()
            .map(|_| ("403", "DeviceNotManagedByPartner")),
        };
        if refusal.is_none() {
            changes.push((*id, *profile));
        }
        results.push(DeviceResult {
            device_id: Some(*id),
            line: None,
            serial_number: device.and_then(|d| d.serial_number.clone()),
            product_key: device.and_then(|d| d.product_key.clone()),
            error_code: refusal.map(|(c, _)| c.to_owned()),
            error_description: refusal.map(|(_, n)| n.to_owned()),
        });
    }
    let failed = results.len() - changes.len();
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
        results: serde_json::to_string(&results).map_err(|e| AppError::Internal(e.to_string()))?,
    };
    let audit = caller.audit(
        state,
        customer,
        "autopilot-profiles-assigned",
        job.id.to_string(),
        format!("success: {} assigned, {failed} refused", changes.len()),
    );
    state
        .store
        .assign_profiles(customer, &changes, &job, &audit)
        .await?;
    Ok(job)
}
