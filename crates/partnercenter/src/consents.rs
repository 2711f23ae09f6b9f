//! `/v1/customers/{id}/applicationconsents`: the Secure Application Model's consent of the
//! partner's application into a customer (`POST`), and its removal (`DELETE …/{applicationId}`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::app_consent::{self, ApplicationGrant};
use gdap_app::state::AppState;
use gdap_domain::ids::ClientId;
use serde_json::{json, Value};

use crate::customers::{customer_id, field};
use crate::error::{PcError, PcResult};
use crate::PcCaller;

/// The most grants one consent names.
const MAX_GRANTS: usize = 20;

fn client_id(raw: &str) -> PcResult<ClientId> {
    ClientId::parse(raw.trim())
        .map_err(|_| PcError::bad_request("`applicationId` must be your application's id (a GUID)"))
}

/// Reads `applicationGrants`: each `{enterpriseApplicationId, scope}`, the scope comma-separated.
fn grants(v: Option<&Value>) -> PcResult<Vec<ApplicationGrant>> {
    let bad = || {
        PcError::bad_request(
            "`applicationGrants` must list {enterpriseApplicationId, scope} objects, the scope a comma-separated list of permissions",
        )
    };
    let list = v.and_then(Value::as_array).ok_or_else(bad)?;
    if list.is_empty() || list.len() > MAX_GRANTS {
        return Err(bad());
    }
    list.iter()
        .map(|g| {
            let o = g.as_object().ok_or_else(bad)?;
            let resource = field(o, "enterpriseApplicationId")
                .and_then(Value::as_str)
                .filter(|r| uuid::Uuid::parse_str(r).is_ok())
                .ok_or_else(bad)?;
            let scope = field(o, "scope").and_then(Value::as_str).ok_or_else(bad)?;
            let scopes: Vec<String> = scope
                .split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if scopes.is_empty() || scope.len() > 4096 {
                return Err(bad());
            }
            Ok(ApplicationGrant {
                resource: resource.to_ascii_lowercase(),
                scopes,
            })
        })
        .collect()
}

/// `POST /v1/customers/{id}/applicationconsents`.
pub async fn create(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PcResult<Response> {
    let customer = customer_id(&id)?;
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| PcError::bad_request("the body must be an ApplicationConsent object"))?;
    let o = v
        .as_object()
        .ok_or_else(|| PcError::bad_request("the body must be an ApplicationConsent object"))?;
    let client = client_id(
        field(o, "applicationId")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )?;
    let grants = grants(field(o, "applicationGrants"))?;
    app_consent::consent(&state, &partner, customer, client, &grants).await?;
    let display_name = field(o, "displayName")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(256).collect::<String>());
    let body = json!({
        "applicationId": client,
        "displayName": display_name,
        "applicationGrants": grants
            .iter()
            .map(|g| json!({ "enterpriseApplicationId": g.resource, "scope": g.scopes.join(",") }))
            .collect::<Vec<_>>(),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE /v1/customers/{id}/applicationconsents/{applicationId}`.
pub async fn delete(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path((id, app)): Path<(String, String)>,
) -> PcResult<StatusCode> {
    let customer = customer_id(&id)?;
    let client = client_id(&app)?;
    app_consent::remove(&state, &partner, customer, client).await?;
    Ok(StatusCode::NO_CONTENT)
}
