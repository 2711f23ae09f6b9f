//! The handlers: each reads its path and body, calls the application layer and answers in
//! Resource Manager's shapes.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::azure::{self, scope_of};
use gdap_app::state::AppState;
use gdap_domain::azure::{Assignment, PrincipalType};
use gdap_store::azure::{AzureSubscription, ResourceGroup};
use serde_json::{json, Value};

use crate::error::{ArmError, ArmResult};
use crate::Arm;

fn guid(raw: &str, what: &str) -> ArmResult<uuid::Uuid> {
    raw.parse().map_err(|_| {
        ArmError::new(
            StatusCode::NOT_FOUND,
            if what == "subscription" {
                "SubscriptionNotFound"
            } else {
                "ResourceNotFound"
            },
            format!(
                "The {what} '{}' could not be found.",
                raw.chars().take(80).collect::<String>()
            ),
        )
    })
}

fn subscription_json(s: &AzureSubscription) -> Value {
    json!({
        "id": scope_of(s.id),
        "subscriptionId": s.id,
        "tenantId": s.customer,
        "displayName": s.display_name,
        "state": "Enabled",
        "subscriptionPolicies": { "locationPlacementId": "Public_2014-09-01", "quotaId": "CSP_2015-05-01", "spendingLimit": "Off" },
        "authorizationSource": "RoleBased",
    })
}

fn assignment_json(a: &Assignment) -> Value {
    let sub = a.scope.trim_end_matches('/');
    let base = if sub.is_empty() {
        String::new()
    } else {
        sub.to_owned()
    };
    json!({
        "id": format!("{base}/providers/Microsoft.Authorization/roleAssignments/{}", a.id),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": a.id,
        "properties": {
            "roleDefinitionId": format!("{base}/providers/Microsoft.Authorization/roleDefinitions/{}", a.role),
            "principalId": a.principal,
            "principalType": a.principal_type.as_str(),
            "scope": a.scope,
        },
    })
}

fn group_json(g: &ResourceGroup) -> Value {
    json!({
        "id": format!("{}/resourceGroups/{}", scope_of(g.subscription), g.name),
        "name": g.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": g.location,
        "properties": { "provisioningState": "Succeeded" },
    })
}

fn body(bytes: &Bytes) -> ArmResult<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(ArmError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: the body must be a JSON object.",
        )),
    }
}

/// `GET /subscriptions`.
pub async fn list_subscriptions(
    State(state): State<AppState>,
    Arm(c): Arm,
) -> ArmResult<Json<Value>> {
    let subs = azure::subscriptions(&state, &c).await?;
    Ok(Json(
        json!({ "value": subs.iter().map(subscription_json).collect::<Vec<_>>() }),
    ))
}

/// `GET /subscriptions/{id}`.
pub async fn get_subscription(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path(sub): Path<String>,
) -> ArmResult<Json<Value>> {
    let s = azure::subscription(&state, &c, guid(&sub, "subscription")?).await?;
    Ok(Json(subscription_json(&s)))
}

/// `GET …/roleAssignments`: at the subscription, above it and within it.
pub async fn list_role_assignments(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path(sub): Path<String>,
) -> ArmResult<Json<Value>> {
    let list = azure::role_assignments(&state, &c, guid(&sub, "subscription")?).await?;
    Ok(Json(
        json!({ "value": list.iter().map(assignment_json).collect::<Vec<_>>() }),
    ))
}

/// `GET …/roleAssignments/{name}`.
pub async fn get_role_assignment(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path((sub, name)): Path<(String, String)>,
) -> ArmResult<Json<Value>> {
    let id = guid(&name, "role assignment")?;
    let list = azure::role_assignments(&state, &c, guid(&sub, "subscription")?).await?;
    let a = list.iter().find(|a| a.id == id).ok_or_else(|| {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "RoleAssignmentNotFound",
            "The role assignment does not exist.",
        )
    })?;
    Ok(Json(assignment_json(a)))
}

/// `PUT …/roleAssignments/{name}`: `{properties: {roleDefinitionId, principalId, principalType}}`
/// → `201`.
pub async fn put_role_assignment(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path((sub, name)): Path<(String, String)>,
    bytes: Bytes,
) -> ArmResult<Response> {
    let sub = guid(&sub, "subscription")?;
    let id: uuid::Uuid = name.parse().map_err(|_| {
        ArmError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRoleAssignmentId",
            "The role assignment ID is not valid: it must be a GUID.",
        )
    })?;
    let o = body(&bytes)?;
    let props = o
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                "`properties` with `roleDefinitionId` and `principalId` is required.",
            )
        })?;
    let text = |k: &str| props.get(k).and_then(Value::as_str);
    let role = text("roleDefinitionId").ok_or_else(|| {
        ArmError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "`properties.roleDefinitionId` is required.",
        )
    })?;
    let principal: uuid::Uuid = text("principalId")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::BAD_REQUEST,
                "InvalidPrincipalId",
                "A valid principal ID must be provided for role assignment.",
            )
        })?;
    let kind = match text("principalType") {
        None => PrincipalType::User,
        Some(t) => PrincipalType::parse(t).ok_or_else(|| {
            ArmError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                "`principalType` is User, Group, ForeignGroup or ServicePrincipal.",
            )
        })?,
    };
    let a = azure::add_role_assignment(&state, &c, sub, id, role, principal, kind).await?;
    Ok((StatusCode::CREATED, Json(assignment_json(&a))).into_response())
}

/// `DELETE …/roleAssignments/{name}`: `200` with the assignment, `204` when there was none.
pub async fn delete_role_assignment(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path((sub, name)): Path<(String, String)>,
) -> ArmResult<Response> {
    let sub = guid(&sub, "subscription")?;
    let id = guid(&name, "role assignment")?;
    Ok(
        match azure::delete_role_assignment(&state, &c, sub, id).await? {
            Some(a) => Json(assignment_json(&a)).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// `GET /subscriptions/{id}/resourcegroups`.
pub async fn list_resource_groups(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path(sub): Path<String>,
) -> ArmResult<Json<Value>> {
    let groups = azure::resource_groups(&state, &c, guid(&sub, "subscription")?).await?;
    Ok(Json(
        json!({ "value": groups.iter().map(group_json).collect::<Vec<_>>() }),
    ))
}

/// `GET /subscriptions/{id}/resourcegroups/{name}`.
pub async fn get_resource_group(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path((sub, name)): Path<(String, String)>,
) -> ArmResult<Json<Value>> {
    let groups = azure::resource_groups(&state, &c, guid(&sub, "subscription")?).await?;
    let g = groups
        .iter()
        .find(|g| g.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::NOT_FOUND,
                "ResourceGroupNotFound",
                format!(
                    "Resource group '{}' could not be found.",
                    name.chars().take(90).collect::<String>()
                ),
            )
        })?;
    Ok(Json(group_json(g)))
}

/// `PUT /subscriptions/{id}/resourcegroups/{name}` with `{location}`: `201` new, `200` existing.
pub async fn put_resource_group(
    State(state): State<AppState>,
    Arm(c): Arm,
    Path((sub, name)): Path<(String, String)>,
    bytes: Bytes,
) -> ArmResult<Response> {
    let o = body(&bytes)?;
    let location = o
        .get("location")
        .and_then(Value::as_str)
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::BAD_REQUEST,
                "LocationRequired",
                "The location property is required for this definition.",
            )
        })?;
    let (created, g) =
        azure::put_resource_group(&state, &c, guid(&sub, "subscription")?, &name, location).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(group_json(&g))).into_response())
}

/// `POST /providers/Microsoft.Authorization/elevateAccess`: `200`, no body.
pub async fn elevate_access(State(state): State<AppState>, Arm(c): Arm) -> ArmResult<StatusCode> {
    azure::elevate_access(&state, &c).await?;
    Ok(StatusCode::OK)
}
