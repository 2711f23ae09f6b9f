//! Autopilot profiles at Partner Center's paths (`/v1/customers/{id}/policies`, its
//! `ConfigurationPolicy`) and their assignment to devices (`PATCH …/DevicePolicyUpdates`, whose
//! per-device results are read at `batchJobStatus`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use gdap_app::autopilot::profiles;
use gdap_app::state::AppState;
use gdap_domain::autopilot::profile::ProfileInput;
use gdap_domain::timefmt::format_graph;
use gdap_store::devices::DeviceProfile;
use serde_json::{json, Value};

use crate::customers::{customer_id, field};
use crate::devices::{device_partner, PcLargeJson};
use crate::error::{PcError, PcResult};
use crate::PcCaller;

fn policy_json(p: &DeviceProfile) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "category": gdap_domain::autopilot::profile::OOBE,
        "description": p.description,
        "devicesAssignedCount": p.devices_assigned,
        "policySettings": p.settings,
        "createdDate": format_graph(p.created_at),
        "lastModifiedDate": format_graph(p.modified_at),
        "attributes": { "objectType": "ConfigurationPolicy" },
    })
}

fn policy_id(raw: &str) -> PcResult<uuid::Uuid> {
    raw.parse().map_err(|_| {
        PcError::not_found(format!(
            "Policy {} was not found.",
            raw.chars().take(80).collect::<String>()
        ))
    })
}

/// Reads a `ConfigurationPolicy` as sent.
fn profile_input(body: &Value) -> PcResult<ProfileInput> {
    let o = body
        .as_object()
        .ok_or_else(|| PcError::bad_request("the body must be a ConfigurationPolicy object"))?;
    let text = |name: &str| crate::devices::text(o, name);
    let settings = match field(o, "policySettings") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    PcError::bad_request("`policySettings` must be an array of strings")
                })
            })
            .collect::<PcResult<_>>()?,
        Some(_) => {
            return Err(PcError::bad_request(
                "`policySettings` must be an array of strings",
            ))
        }
    };
    Ok(ProfileInput {
        name: text("name")?.unwrap_or_default(),
        description: text("description")?,
        category: text("category")?,
        settings,
    })
}

/// `GET /v1/customers/{id}/policies`.
pub async fn list(
    State(state): State<AppState>,
    caller: PcCaller,
    Path(id): Path<String>,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let items: Vec<Value> = profiles::list(&state, &caller, customer)
        .await?
        .iter()
        .map(policy_json)
        .collect();
    Ok(Json(json!({
        "totalCount": items.len(),
        "items": items,
        "links": {},
        "attributes": { "objectType": "Collection" },
    })))
}

/// `POST /v1/customers/{id}/policies`: the created policy, `200 OK` as documented.
pub async fn create(
    State(state): State<AppState>,
    caller: PcCaller,
    Path(id): Path<String>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let p = profiles::put(&state, &caller, customer, None, &profile_input(&body)?).await?;
    Ok(Json(policy_json(&p)))
}

/// `GET /v1/customers/{id}/policies/{policyId}`.
pub async fn get_one(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, policy)): Path<(String, String)>,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let p = profiles::get(&state, &caller, customer, policy_id(&policy)?).await?;
    Ok(Json(policy_json(&p)))
}

/// `PUT` (or the SDK's `PATCH`) `/v1/customers/{id}/policies/{policyId}`: the policy replaced.
pub async fn replace(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, policy)): Path<(String, String)>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let id = policy_id(&policy)?;
    let p = profiles::put(&state, &caller, customer, Some(id), &profile_input(&body)?).await?;
    Ok(Json(policy_json(&p)))
}

/// `DELETE /v1/customers/{id}/policies/{policyId}`.
pub async fn delete(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, policy)): Path<(String, String)>,
) -> PcResult<StatusCode> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    profiles::delete(&state, &caller, customer, policy_id(&policy)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads one device of a `DevicePolicyUpdateRequest`: its id and the profile of its `o_o_b_e`
/// policy (an empty value takes the profile off).
fn update_of(v: &Value) -> PcResult<(uuid::Uuid, Option<uuid::Uuid>)> {
    let bad = || {
        PcError::bad_request(
            "each device needs its `id` and `policies`: [{\"key\":\"o_o_b_e\",\"value\":\"<policy id>\"}]",
        )
    };
    let o = v.as_object().ok_or_else(bad)?;
    let id = field(o, "id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let policies = field(o, "policies")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    let mut profile = None;
    for p in policies {
        let p = p.as_object().ok_or_else(bad)?;
        let key = field(p, "key").and_then(Value::as_str).ok_or_else(bad)?;
        if key != gdap_domain::autopilot::profile::OOBE {
            return Err(PcError::bad_request(format!(
                "policy key `{key}` is not supported: use `o_o_b_e`"
            )));
        }
        profile = match field(p, "value") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(
                s.parse()
                    .map_err(|_| PcError::bad_request(format!("`{s}` is not a policy id")))?,
            ),
            Some(_) => return Err(bad()),
        };
    }
    Ok((id, profile))
}

/// `PATCH /v1/customers/{id}/DevicePolicyUpdates`: `202 Accepted`, the job's status at
/// `Location`.
pub async fn update_devices(
    State(state): State<AppState>,
    caller: PcCaller,
    Path(id): Path<String>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Response> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let devices = body
        .as_object()
        .and_then(|o| field(o, "devices"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            PcError::bad_request("the body must be a DevicePolicyUpdateRequest with `devices`")
        })?;
    let updates: Vec<_> = devices.iter().map(update_of).collect::<PcResult<_>>()?;
    let job = profiles::assign(&state, &caller, customer, &updates).await?;
    Ok(crate::devices::accepted(customer, &job))
}
