//! Windows Autopilot devices on the customer's side of Graph (Intune's `deviceManagement`): a
//! device the tenant imports itself (`importedWindowsAutopilotDeviceIdentities`), which no partner
//! may manage, and the tenant's devices (`windowsAutopilotDeviceIdentities`), its own and those
//! its partners registered.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_app::autopilot::customer;
use gdap_app::state::AppState;
use gdap_domain::autopilot::DeviceInput;
use gdap_http::auth::GraphCaller;
use gdap_http::body::{Body, GraphBody};
use gdap_http::dto::Collection;
use gdap_http::error::ApiError;
use gdap_http::extract::{Base, JsonObject};
use gdap_http::schema::Refusals;
use gdap_store::devices::Device;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::error::DirectoryResult;
use crate::entity;

/// Devices on one page of the tenant's list.
const PAGE: u32 = 500;

/// The body of `POST /deviceManagement/importedWindowsAutopilotDeviceIdentities`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"serialNumber": "PF-12345", "productKey": "", "hardwareIdentifier": "<base64 of the 4K hash>"}))]
pub struct ImportedDeviceBody {
    /// Serial number.
    pub serial_number: Option<String>,
    /// Windows Product ID.
    pub product_key: Option<String>,
    /// The 4K hardware hash, base64.
    pub hardware_identifier: Option<String>,
    /// Group tag (kept by Intune; not used here).
    pub group_tag: Option<String>,
    /// The user assigned (kept by Intune; not used here).
    pub assigned_user_principal_name: Option<String>,
}

impl GraphBody for ImportedDeviceBody {
    const TYPE: &'static str = "importedWindowsAutopilotDeviceIdentity";
    const READ_ONLY: &'static [&'static str] = &["id", "importId", "state"];
}

/// An import's outcome (`importedWindowsAutopilotDeviceIdentityState`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportStateJson {
    /// `complete` or `error`.
    pub device_import_status: &'static str,
    /// The registered device's id.
    pub device_registration_id: String,
    /// Autopilot's error code (`806`), 0 when complete.
    pub device_error_code: u32,
    /// Autopilot's error name.
    pub device_error_name: String,
}

/// An `importedWindowsAutopilotDeviceIdentity`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportedDeviceJson {
    /// The import's id.
    pub id: String,
    /// Serial number as sent.
    pub serial_number: Option<String>,
    /// Product key as sent.
    pub product_key: Option<String>,
    /// The import batch (one per request here).
    pub import_id: String,
    /// Group tag as sent.
    pub group_tag: Option<String>,
    /// What became of it.
    pub state: ImportStateJson,
}

/// A `windowsAutopilotDeviceIdentity`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutopilotDeviceJson {
    /// The device's id.
    pub id: String,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Windows Product ID.
    pub product_key: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// `notContacted` until the device first starts.
    pub enrollment_state: &'static str,
    /// The Autopilot profile assigned by a partner, if any.
    pub deployment_profile_assignment_status: &'static str,
}

fn device_json(d: &Device) -> AutopilotDeviceJson {
    AutopilotDeviceJson {
        id: d.id.to_string(),
        serial_number: d.serial_number.clone(),
        product_key: d.product_key.clone(),
        manufacturer: d.manufacturer.clone(),
        model: d.model.clone(),
        enrollment_state: "notContacted",
        deployment_profile_assignment_status: if d.profile.is_some() {
            "assignedUnkownSyncState"
        } else {
            "notAssigned"
        },
    }
}

/// `POST /deviceManagement/importedWindowsAutopilotDeviceIdentities`: the tenant registers a
/// device itself. The import is created either way; its `state` says whether the device landed.
#[utoipa::path(post, path = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities",
    tag = "directory", request_body = ImportedDeviceBody,
    responses((status = 201, body = ImportedDeviceJson), Refusals))]
pub async fn import_device(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> DirectoryResult<Response> {
    let Body(body) = Body::<ImportedDeviceBody>::read(body)?;
    let input = DeviceInput {
        hardware_hash: body.hardware_identifier,
        product_key: body.product_key.clone(),
        serial_number: body.serial_number.clone(),
        manufacturer: None,
        model: None,
    };
    let outcome = customer::import(&state, &caller, &input).await?;
    let (status, registration, code, name) = match &outcome {
        Ok(d) => ("complete", d.id.to_string(), 0, String::new()),
        Err(e) => (
            "error",
            String::new(),
            e.code().parse().unwrap_or(0),
            e.name().to_owned(),
        ),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let item = ImportedDeviceJson {
        id: id.clone(),
        serial_number: body.serial_number,
        product_key: body.product_key,
        import_id: uuid::Uuid::new_v4().to_string(),
        group_tag: body.group_tag,
        state: ImportStateJson {
            device_import_status: status,
            device_registration_id: registration,
            device_error_code: code,
            device_error_name: name,
        },
    };
    Ok(entity(
        StatusCode::CREATED,
        format!(
            "{}/$metadata#deviceManagement/importedWindowsAutopilotDeviceIdentities/$entity",
            base.root()
        ),
        item,
        Some(format!(
            "{}/deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}",
            base.root()
        )),
    ))
}

/// `$skiptoken` of the tenant's device list.
#[derive(Debug, Deserialize)]
pub struct DevicesQuery {
    /// The last device id of the previous page.
    #[serde(rename = "$skiptoken")]
    skiptoken: Option<String>,
}

/// `GET /deviceManagement/windowsAutopilotDeviceIdentities`: the tenant's devices, 500 a page.
#[utoipa::path(get, path = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities",
    tag = "directory", params(("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<AutopilotDeviceJson>), Refusals))]
pub async fn list_devices(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Query(q): Query<DevicesQuery>,
) -> DirectoryResult<Response> {
    let after = q
        .skiptoken
        .map(|t| {
            t.parse::<uuid::Uuid>().map_err(|_| {
                ApiError::BadRequest(
                    "the `$skiptoken` is not valid; follow `@odata.nextLink` exactly as returned"
                        .into(),
                )
            })
        })
        .transpose()?;
    let mut devices = customer::devices(&state, &caller, after, PAGE + 1).await?;
    let next = if devices.len() > PAGE as usize {
        devices.truncate(PAGE as usize);
        devices.last().map(|d| {
            format!(
                "{}/deviceManagement/windowsAutopilotDeviceIdentities?$skiptoken={}",
                base.root(),
                d.id
            )
        })
    } else {
        None
    };
    let body = Collection {
        context: format!(
            "{}/$metadata#deviceManagement/windowsAutopilotDeviceIdentities",
            base.root()
        ),
        count: None,
        next_link: next,
        value: devices.iter().map(device_json).collect::<Vec<_>>(),
    };
    Ok(axum::Json(json!(body)).into_response())
}
