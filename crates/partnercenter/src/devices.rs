//! Windows Autopilot device deployment at Partner Center's paths: device batches
//! (`/v1/customers/{id}/deviceBatches`), their devices 100 to a page with `MS-ContinuationToken`,
//! deleting a device, and the status of each upload (`batchJobStatus`). An upload is validated
//! and registered before the `202 Accepted` goes back, so its job is finished when first read.

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::autopilot::{self, BatchTarget, DevicePartner, DeviceResult, Registration};
use gdap_app::state::AppState;
use gdap_domain::autopilot::manage::{decide, AddedBy, DeviceAction};
use gdap_domain::autopilot::{Channel, DeviceInput};
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::format_graph;
use gdap_store::devices::{Device, DeviceBatch, DeviceJob};
use serde_json::{json, Map, Value};

use crate::customers::{customer_id, field};
use crate::error::{PcError, PcResult};
use crate::PcCaller;

/// A JSON body of up to a file's worth (a batch of devices with their hashes), read after the
/// caller is known, refused in Partner Center's envelope.
pub struct PcLargeJson(pub Value);

impl FromRequest<AppState> for PcLargeJson {
    type Rejection = PcError;

    async fn from_request(req: Request, state: &AppState) -> PcResult<Self> {
        let gdap_http::extract::LargeJsonBody(bytes) =
            gdap_http::extract::LargeJsonBody::from_request(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| PcError::bad_request(format!("the body is not JSON: {e}")))
    }
}

/// The caller as a device partner (its agent roles read from its groups).
pub(crate) async fn device_partner(state: &AppState, caller: PcCaller) -> PcResult<DevicePartner> {
    Ok(DevicePartner::of(state, caller.0).await?)
}

/// A string property of a body by name in any case (`None` when absent or null).
pub(crate) fn text(o: &Map<String, Value>, name: &str) -> PcResult<Option<String>> {
    match field(o, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PcError::bad_request(format!("`{name}` must be a string"))),
    }
}

/// Reads a `Device` as sent.
fn device_input(v: &Value) -> PcResult<DeviceInput> {
    let o = v
        .as_object()
        .ok_or_else(|| PcError::bad_request("each device must be a Device object"))?;
    Ok(DeviceInput {
        hardware_hash: text(o, "hardwareHash")?,
        product_key: text(o, "productKey")?,
        serial_number: text(o, "serialNumber")?,
        manufacturer: text(o, "oemManufacturerName")?,
        model: text(o, "modelName")?,
    })
}

fn devices_of(v: Option<&Value>) -> PcResult<Vec<(Option<u64>, DeviceInput)>> {
    let list = v
        .and_then(Value::as_array)
        .ok_or_else(|| PcError::bad_request("`devices` must be an array of Device objects"))?;
    list.iter().map(|d| Ok((None, device_input(d)?))).collect()
}

/// `202 Accepted` with the job's status at `Location`.
pub(crate) fn accepted(customer: TenantId, job: &DeviceJob) -> Response {
    let location = format!("/customers/{customer}/batchJobStatus/{}", job.id);
    let mut res = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = location.parse() {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(
        header::CONTENT_LENGTH,
        header::HeaderValue::from_static("0"),
    );
    res
}

/// `POST /v1/customers/{id}/deviceBatches`: a new batch with its devices.
pub async fn create_batch(
    State(state): State<AppState>,
    caller: PcCaller,
    Path(id): Path<String>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Response> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let o = body
        .as_object()
        .ok_or_else(|| PcError::bad_request("the body must be a DeviceBatchCreationRequest"))?;
    let name =
        text(o, "batchId")?.ok_or_else(|| PcError::bad_request("`batchId` names the new batch"))?;
    let job = autopilot::register(
        &state,
        &caller,
        Registration {
            customer,
            target: BatchTarget::New(name),
            devices: devices_of(field(o, "devices"))?,
            channel: Channel::Api,
        },
    )
    .await?;
    Ok(accepted(customer, &job))
}

/// `POST /v1/customers/{id}/deviceBatches/{batch}/devices`: devices added to a batch.
pub async fn add_devices(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, batch)): Path<(String, String)>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Response> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    // The documented body is the array itself; `{ "devices": [...] }` is read as well.
    let devices = match &body {
        Value::Array(_) => devices_of(Some(&body))?,
        Value::Object(o) => devices_of(field(o, "devices"))?,
        _ => {
            return Err(PcError::bad_request(
                "the body must be an array of Device objects",
            ))
        }
    };
    let job = autopilot::register(
        &state,
        &caller,
        Registration {
            customer,
            target: BatchTarget::Existing(batch),
            devices,
            channel: Channel::Api,
        },
    )
    .await?;
    Ok(accepted(customer, &job))
}

fn batch_json(created_by: &str, b: &DeviceBatch) -> Value {
    let uri = format!(
        "/customers/{}/deviceBatches/{}/devices",
        b.customer,
        gdap_http::extract::path_segment(&b.id)
    );
    json!({
        "id": b.id,
        "createdBy": created_by,
        "creationDate": format_graph(b.created_at),
        "devicesCount": b.device_count,
        "devicesLink": { "uri": uri, "method": "GET", "headers": [] },
        "attributes": { "objectType": "DeviceBatch" },
    })
}

/// `GET /v1/customers/{id}/deviceBatches`.
pub async fn list_batches(
    State(state): State<AppState>,
    caller: PcCaller,
    Path(id): Path<String>,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let batches = autopilot::batches(&state, &caller, customer, Channel::Api).await?;
    let names = autopilot::creators(&state, &batches).await?;
    let items: Vec<Value> = batches
        .iter()
        .zip(&names)
        .map(|(b, name)| batch_json(name, b))
        .collect();
    Ok(Json(json!({
        "totalCount": items.len(),
        "items": items,
        "links": {},
        "attributes": { "objectType": "Collection" },
    })))
}

/// A device as Partner Center shows it, with the operations this caller may do on it.
pub(crate) fn device_json(may: &dyn Fn(DeviceAction, AddedBy) -> bool, d: &Device) -> Value {
    let who = autopilot::added_by(d);
    let mut ops = vec!["GET"];
    if may(DeviceAction::ApplyProfile, who) {
        ops.push("PATCH");
    }
    if may(DeviceAction::DeleteDevice, who) {
        ops.push("DELETE");
    }
    json!({
        "id": d.id,
        "serialNumber": d.serial_number,
        "productKey": d.product_key,
        "hardwareHash": Value::Null,
        "modelName": d.model,
        "oemManufacturerName": d.manufacturer,
        "policies": d.profile.map(|p| vec![json!({ "key": "o_o_b_e", "value": p })]).unwrap_or_default(),
        "uploadedDate": format_graph(d.uploaded_at),
        "allowedOperations": ops,
        "attributes": { "objectType": "Device" },
    })
}

/// `GET /v1/customers/{id}/deviceBatches/{batch}/devices`: 100 a page; the next page is asked
/// with the `MS-ContinuationToken` header the previous page's `continuationToken` gives.
pub async fn list_devices(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, batch)): Path<(String, String)>,
    headers: HeaderMap,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let token = headers
        .get("ms-continuationtoken")
        .map(|v| {
            v.to_str()
                .map_err(|_| PcError::bad_request("the continuation token is not valid"))
        })
        .transpose()?;
    let (devices, next) =
        autopilot::batch_devices(&state, &caller, customer, &batch, token, Channel::Api).await?;
    let tie = autopilot::tie(&state, caller.partner(), customer).await?;
    let may = |action, who| {
        decide(
            caller.partner(),
            caller.roles,
            action,
            tie.as_ref(),
            Channel::Api,
            Some(who),
        )
        .is_ok()
    };
    let items: Vec<Value> = devices.iter().map(|d| device_json(&may, d)).collect();
    let mut body = json!({
        "totalCount": items.len(),
        "items": items,
        "links": {},
        "attributes": { "objectType": "Collection" },
    });
    if let Some(token) = next {
        let uri = format!(
            "/customers/{customer}/deviceBatches/{}/devices?seekOperation=Next",
            gdap_http::extract::path_segment(&batch)
        );
        body["links"] = json!({
            "next": {
                "uri": uri,
                "method": "GET",
                "headers": [{ "key": "MS-ContinuationToken", "value": token }],
            }
        });
        body["continuationToken"] = json!(token);
    }
    Ok(Json(body))
}

fn device_id(raw: &str) -> PcResult<uuid::Uuid> {
    raw.parse().map_err(|_| {
        PcError::not_found(format!(
            "Device {} was not found.",
            raw.chars().take(80).collect::<String>()
        ))
    })
}

/// `DELETE /v1/customers/{id}/deviceBatches/{batch}/devices/{device}`.
pub async fn delete_device(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, batch, device)): Path<(String, String, String)>,
) -> PcResult<StatusCode> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let device = device_id(&device)?;
    autopilot::delete_device(&state, &caller, customer, &batch, device, Channel::Api).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn result_json(r: &DeviceResult) -> Value {
    let status = if r.error_code.is_some() {
        "finished_with_errors"
    } else {
        "finished"
    };
    json!({
        "deviceId": r.device_id.map(|d| d.to_string()).unwrap_or_default(),
        "serialNumber": r.serial_number,
        "productKey": r.product_key,
        "status": status,
        "errorCode": r.error_code,
        "errorDescription": r.error_description,
        "attributes": { "objectType": "DeviceUploadDetails" },
    })
}

/// A job as Partner Center's `BatchUploadDetails`.
pub(crate) fn job_json(job: &DeviceJob) -> PcResult<Value> {
    let results: Vec<DeviceResult> = serde_json::from_str(&job.results).map_err(|e| {
        PcError::from(gdap_app::AppError::Internal(format!(
            "stored job results: {e}"
        )))
    })?;
    Ok(json!({
        "batchTrackingId": job.id,
        "status": job.status,
        "startedTime": format_graph(job.started_at),
        "completedTime": job.completed_at.map(format_graph),
        "devicesStatus": results.iter().map(result_json).collect::<Vec<_>>(),
        "attributes": { "objectType": "BatchUploadDetails" },
    }))
}

/// `GET /v1/customers/{id}/batchJobStatus/{trackingId}`.
pub async fn job_status(
    State(state): State<AppState>,
    caller: PcCaller,
    Path((id, tracking)): Path<(String, String)>,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let tracking: uuid::Uuid = tracking
        .parse()
        .map_err(|_| PcError::not_found("The batch tracking id was not found."))?;
    let job = autopilot::job(&state, &caller, customer, tracking, Channel::Api).await?;
    Ok(Json(job_json(&job)?))
}

/// `POST /v1/customers/{id}/deviceBatches/validate`: the OEM's "validate device submission data"
/// check before it registers: whether the customer's consent is in place for the caller, and
/// whether each device would land (in form, in no other tenant, not already in this one).
/// Nothing is written.
pub async fn validate(
    State(state): State<AppState>,
    caller: PcCaller,
    Path(id): Path<String>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Json<Value>> {
    let customer = customer_id(&id)?;
    let caller = device_partner(&state, caller).await?;
    let devices = match &body {
        Value::Array(_) => devices_of(Some(&body))?,
        Value::Object(o) => devices_of(field(o, "devices"))?,
        _ => return Err(PcError::bad_request("the body must hold `devices`")),
    };
    let inputs: Vec<DeviceInput> = devices.into_iter().map(|(_, d)| d).collect();
    let v = gdap_app::autopilot::oem::validate(&state, &caller, customer, &inputs).await?;
    let statuses: Vec<Value> = inputs
        .iter()
        .zip(&v.devices)
        .map(|(d, e)| {
            json!({
                "serialNumber": d.serial_number,
                "productKey": d.product_key,
                "status": if e.is_some() { "invalid" } else { "valid" },
                "errorCode": e.map(|e| e.code()),
                "errorDescription": e.map(|e| e.name()),
            })
        })
        .collect();
    Ok(Json(json!({
        "customerId": customer,
        "consentGranted": v.consent,
        "devicesStatus": statuses,
        "attributes": { "objectType": "DeviceSubmissionValidation" },
    })))
}
