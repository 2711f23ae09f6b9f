//! The tenant's own directory role assignments (`unifiedRoleAssignment`, tenant-wide scope).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_domain::directory::User;
use gdap_domain::ids::UserId;
use serde_json::json;

use gdap_domain::authz::operations::directory::READ_ROLE_ASSIGNMENTS;

use super::authorize;
use super::bodies::NewRoleAssignmentBody;
use super::error::{DirectoryError, DirectoryResult};
use super::schemas::RoleAssignmentJson;
use crate::entity;
use gdap_app::roles::{AssignRole, UnassignRole};
use gdap_app::state::AppState;
use gdap_http::auth::GraphCaller;
use gdap_http::body::Body;
use gdap_http::dto::Collection;
use gdap_http::error::ApiError;
use gdap_http::extract::{Base, JsonObject};
use gdap_http::schema::Refusals;

fn assignment_json(role: &gdap_domain::ids::RoleDefinitionId, user: &User) -> RoleAssignmentJson {
    RoleAssignmentJson::of(role, user)
}

fn parse_assignment_id(raw: &str) -> DirectoryResult<(gdap_domain::ids::RoleDefinitionId, UserId)> {
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
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_ROLE_ASSIGNMENTS, "roleAssignments").await?;
    let filter = match q.filter.as_deref().map(str::trim) {
        None => None,
        Some(f) => {
            let (prop, value) = f.split_once(" eq ").ok_or_else(|| {
                DirectoryError::unsupported_query(
                    "`$filter` on role assignments supports `principalId eq '…'` and `roleDefinitionId eq '…'`",
                )
            })?;
            let value = value.trim().trim_matches('\'').to_lowercase();
            match prop.trim() {
                "principalId" | "roleDefinitionId" => Some((prop.trim().to_owned(), value)),
                other => {
                    return Err(DirectoryError::unsupported_query(format!(
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
) -> DirectoryResult<Response> {
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

/// `POST /roleManagement/directory/roleAssignments` with `roleDefinitionId`, `principalId` and
/// `directoryScopeId: "/"`: gives a user of the tenant a built-in role.
#[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleAssignments", tag = "directory", request_body = NewRoleAssignmentBody,
    responses((status = 201, body = RoleAssignmentJson), Refusals))]
pub async fn create_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> DirectoryResult<Response> {
    let Body(body) = Body::<NewRoleAssignmentBody>::read(body)?;
    let (role, user) = AssignRole {
        role: body.role_definition_id,
        principal: body.principal_id,
        scope: body.directory_scope_id.unwrap_or_else(|| "/".into()),
    }
    .execute(&state, &caller)
    .await?;
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
) -> DirectoryResult<StatusCode> {
    let (role, user) = parse_assignment_id(&id)?;
    UnassignRole { role, user, id }
        .execute(&state, &caller)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
