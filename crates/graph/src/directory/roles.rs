//! The tenant's own directory role assignments (`unifiedRoleAssignment`, tenant-wide scope).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_domain::audit::AuditEntry;
use gdap_domain::directory::User;
use gdap_domain::ids::UserId;
use serde_json::json;

use super::users::find_user;
use gdap_domain::authz::operations::directory::{
    CREATE_ROLE_ASSIGNMENT, DELETE_ROLE_ASSIGNMENT, READ_ROLE_ASSIGNMENTS,
};

use super::bodies::NewRoleAssignmentBody;
use super::schemas::RoleAssignmentJson;
use super::{authorize, change_entry};
use crate::entity;
use gdap_app::caller::Principal;
use gdap_app::state::AppState;
use gdap_http::auth::GraphCaller;
use gdap_http::body::Body;
use gdap_http::dto::Collection;
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, JsonObject};
use gdap_http::schema::Refusals;

fn assignment_json(role: &gdap_domain::ids::RoleDefinitionId, user: &User) -> RoleAssignmentJson {
    RoleAssignmentJson::of(role, user)
}

fn parse_assignment_id(raw: &str) -> ApiResult<(gdap_domain::ids::RoleDefinitionId, UserId)> {
    let (r, u) = raw
        .split_once('_')
        .ok_or_else(|| ApiError::not_found("unifiedRoleAssignment", raw))?;
    Ok((
        gdap_domain::ids::RoleDefinitionId::parse(r)?,
        UserId::parse(u)?,
    ))
}

/// The query options of the role assignments list.
#[derive(serde::Deserialize)]
pub struct AssignmentsQuery {
    #[serde(rename = "$filter")]
    filter: Option<String>,
}

/// `GET /roleManagement/directory/roleAssignments` (`$filter` on `principalId` or
/// `roleDefinitionId` with `eq`).
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignments", tag = "directory",
    responses((status = 200, body = Collection<RoleAssignmentJson>), Refusals))]
pub async fn list_role_assignments(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Query(q): Query<AssignmentsQuery>,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_ROLE_ASSIGNMENTS, "roleAssignments").await?;
    let filter = match q.filter.as_deref().map(str::trim) {
        None => None,
        Some(f) => {
            let (prop, value) = f.split_once(" eq ").ok_or_else(|| {
                ApiError::BadRequest(
                    "`$filter` on role assignments supports `principalId eq '…'` and `roleDefinitionId eq '…'`".into(),
                )
            })?;
            let value = value.trim().trim_matches('\'').to_lowercase();
            match prop.trim() {
                "principalId" | "roleDefinitionId" => Some((prop.trim().to_owned(), value)),
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "`$filter` on role assignments cannot use `{}`",
                        other.chars().take(40).collect::<String>()
                    )))
                }
            }
        }
    };
    let mut out = Vec::new();
    for u in state.store.users_of(caller.tenant).await? {
        for r in &u.roles {
            let keep = match &filter {
                None => true,
                Some((p, v)) if p == "principalId" => u.id.to_string() == *v,
                Some((_, v)) => r.to_string() == *v,
            };
            if keep {
                out.push(assignment_json(r, &u));
            }
        }
    }
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#roleManagement/directory/roleAssignments", base.root()),
        "value": out,
    }))
    .into_response())
}

/// `GET /roleManagement/directory/roleAssignments/{id}`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignments/{id}", tag = "directory",
    params(("id" = String, Path, description = "`{roleDefinitionId}_{principalId}`")),
    responses((status = 200, body = RoleAssignmentJson), Refusals))]
pub async fn get_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_ROLE_ASSIGNMENTS, &id).await?;
    let (role, user) = parse_assignment_id(&id)?;
    let u = state
        .store
        .user(caller.tenant, user)
        .await?
        .filter(|u| u.roles.contains(&role))
        .ok_or_else(|| ApiError::not_found("unifiedRoleAssignment", &id))?;
    Ok(entity(
        StatusCode::OK,
        format!(
            "{}/$metadata#roleManagement/directory/roleAssignments/$entity",
            base.root()
        ),
        assignment_json(&role, &u),
        None,
    ))
}

async fn change_role(
    state: &AppState,
    caller: &Principal,
    mut user: User,
    role: gdap_domain::ids::RoleDefinitionId,
    add: bool,
) -> ApiResult<User> {
    if add {
        user.roles.push(role);
    } else {
        user.roles.retain(|r| *r != role);
    }
    let entry = AuditEntry {
        role: Some(role),
        ..change_entry(
            state,
            caller,
            format!("roleAssignment.{}", if add { "create" } else { "delete" }),
            user.id.to_string(),
        )
    };
    state.store.update_user(&user, vec![entry]).await?;
    Ok(user)
}

/// `POST /roleManagement/directory/roleAssignments` with `roleDefinitionId`, `principalId` and
/// `directoryScopeId: "/"`: gives a user of the tenant a built-in role.
#[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleAssignments", tag = "directory", request_body = NewRoleAssignmentBody,
    responses((status = 201, body = RoleAssignmentJson), Refusals))]
pub async fn create_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let Body(body) = Body::<NewRoleAssignmentBody>::read(body)?;
    let role_raw = body.role_definition_id;
    let principal_raw = body.principal_id;
    let scope = body.directory_scope_id.unwrap_or_else(|| "/".into());
    if scope != "/" {
        return Err(ApiError::BadRequest(
            "only the tenant-wide scope `directoryScopeId: \"/\"` is supported".into(),
        ));
    }
    let role = gdap_domain::ids::RoleDefinitionId::parse(&role_raw)?;
    if gdap_domain::roles::Catalogue::builtin()
        .get(&role)
        .is_none()
    {
        return Err(ApiError::BadRequest(format!(
            "`{role}` is not a built-in role"
        )));
    }
    authorize(&state, &caller, CREATE_ROLE_ASSIGNMENT, &principal_raw).await?;
    let user = find_user(&state, caller.tenant, &principal_raw).await?;
    if user.roles.contains(&role) {
        return Err(ApiError::Conflict(
            "the principal already holds this role".into(),
        ));
    }
    let user = change_role(&state, &caller, user, role, true).await?;
    let id = format!("{role}_{}", user.id);
    Ok(entity(
        StatusCode::CREATED,
        format!(
            "{}/$metadata#roleManagement/directory/roleAssignments/$entity",
            base.root()
        ),
        assignment_json(&role, &user),
        Some(format!(
            "{}/roleManagement/directory/roleAssignments/{id}",
            base.root()
        )),
    ))
}

/// `DELETE /roleManagement/directory/roleAssignments/{id}`.
#[utoipa::path(delete, path = "/v1.0/roleManagement/directory/roleAssignments/{id}", tag = "directory",
    params(("id" = String, Path)), responses((status = 204, description = "Removed"), Refusals))]
pub async fn delete_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (role, user) = parse_assignment_id(&id)?;
    authorize(&state, &caller, DELETE_ROLE_ASSIGNMENT, &id).await?;
    let user = state
        .store
        .user(caller.tenant, user)
        .await?
        .filter(|u| u.roles.contains(&role))
        .ok_or_else(|| ApiError::not_found("unifiedRoleAssignment", &id))?;
    change_role(&state, &caller, user, role, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
