//! Security groups and their members.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_domain::ids::{TenantId, UserId};
use serde_json::json;

use super::users::user_json;
use gdap_domain::authz::operations::directory::{READ_GROUPS, READ_MEMBERS};

use super::authorize;
use super::bodies::{MemberRefBody, NewGroupBody};
use super::error::DirectoryResult;
use super::schemas::GroupJson;
use super::schemas::*;
use crate::entity;
use gdap_app::caller::Principal;
use gdap_app::groups::{ChangeMember, CreateGroup, DeleteGroup};
use gdap_app::state::AppState;
use gdap_http::auth::GraphCaller;
use gdap_http::body::Body;
use gdap_http::dto::Collection;
use gdap_http::error::ApiError;
use gdap_http::extract::{Base, JsonObject};
use gdap_http::schema::Refusals;

fn group_json(g: &gdap_domain::directory::Group) -> GroupJson {
    GroupJson::of(g)
}

/// `GET /groups`: the tenant's security groups.
#[utoipa::path(get, path = "/v1.0/groups", tag = "directory",
    responses((status = 200, body = Collection<GroupJson>), Refusals))]
pub async fn list_groups(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_GROUPS, "groups").await?;
    let groups: Vec<GroupJson> = state
        .store
        .groups_of(caller.tenant)
        .await?
        .iter()
        .map(group_json)
        .collect();
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#groups", base.root()),
        "value": groups,
    }))
    .into_response())
}

/// `GET /groups/{id}`.
#[utoipa::path(get, path = "/v1.0/groups/{id}", tag = "directory",
    params(("id" = String, Path)), responses((status = 200, body = GroupJson), Refusals))]
pub async fn get_group(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_GROUPS, &id).await?;
    let g = find_group(&state, caller.tenant, &id).await?;
    Ok(entity(
        StatusCode::OK,
        format!("{}/$metadata#groups/$entity", base.root()),
        group_json(&g),
        None,
    ))
}

/// `POST /groups`: a security group (`securityEnabled: true`, `mailEnabled: false`, no
/// `groupTypes`), with `displayName` and `mailNickname`.
#[utoipa::path(post, path = "/v1.0/groups", tag = "directory", request_body = NewGroupBody,
    responses((status = 201, body = GroupJson), Refusals))]
pub async fn create_group(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> DirectoryResult<Response> {
    let Body(body) = Body::<NewGroupBody>::read(body)?;
    let group = CreateGroup {
        display_name: body.display_name,
        mail_nickname: body.mail_nickname,
        security_enabled: body.security_enabled,
        mail_enabled: body.mail_enabled,
        group_types: body.group_types.unwrap_or_default(),
    }
    .execute(&state, &caller)
    .await?;
    Ok(entity(
        StatusCode::CREATED,
        format!("{}/$metadata#groups/$entity", base.root()),
        group_json(&group),
        Some(format!("{}/groups/{}", base.root(), group.id)),
    ))
}

/// `DELETE_GROUP /groups/{id}`: the group and its memberships; access assignments naming it no longer
/// give anyone access. The partner's built-in groups cannot be deleted.
#[utoipa::path(delete, path = "/v1.0/groups/{id}", tag = "directory",
    params(("id" = String, Path)), responses((status = 204, description = "Deleted"), Refusals))]
pub async fn delete_group(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
) -> DirectoryResult<StatusCode> {
    DeleteGroup { id }.execute(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn find_group(
    state: &AppState,
    tenant: TenantId,
    raw: &str,
) -> DirectoryResult<gdap_domain::directory::Group> {
    Ok(gdap_app::groups::find_group(state, tenant, raw).await?)
}

/// `GET /groups/{id}/members`.
#[utoipa::path(get, path = "/v1.0/groups/{id}/members", tag = "directory",
    params(("id" = String, Path)), responses((status = 200, body = Collection<UserJson>), Refusals))]
pub async fn list_members(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_MEMBERS, &id).await?;
    let g = find_group(&state, caller.tenant, &id).await?;
    let mut members = Vec::with_capacity(g.members.len());
    for m in &g.members {
        if let Some(u) = state.store.user(caller.tenant, *m).await? {
            let mut v = user_json(&u);
            v.odata_type = Some("#microsoft.graph.user");
            members.push(v);
        }
    }
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#directoryObjects", base.root()),
        "value": members,
    }))
    .into_response())
}

async fn change_member(
    state: &AppState,
    caller: &Principal,
    group: &str,
    user: UserId,
    add: bool,
) -> DirectoryResult<StatusCode> {
    ChangeMember {
        group: group.to_owned(),
        user,
        add,
    }
    .execute(state, caller)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /groups/{id}/members/$ref` with `{"@odata.id": "…/directoryObjects/{userId}"}`.
#[utoipa::path(post, path = "/v1.0/groups/{id}/members/$ref", tag = "directory",
    params(("id" = String, Path)), request_body = MemberRefBody,
    responses((status = 204, description = "Added (or already a member)"), Refusals))]
pub async fn add_member(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> DirectoryResult<StatusCode> {
    let Body(body) = Body::<MemberRefBody>::read(body)?;
    let user = body
        .odata_id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| UserId::parse(s).ok())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "`@odata.id` must end with the id of a user (…/directoryObjects/{id})".into(),
            )
        })?;
    change_member(&state, &caller, &id, user, true).await
}

/// `DELETE_GROUP /groups/{id}/members/{userId}/$ref`.
#[utoipa::path(delete, path = "/v1.0/groups/{id}/members/{member}/$ref", tag = "directory",
    params(("id" = String, Path), ("member" = String, Path)),
    responses((status = 204, description = "Removed (or not a member)"), Refusals))]
pub async fn remove_member(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path((id, member)): Path<(String, String)>,
) -> DirectoryResult<StatusCode> {
    let user = UserId::parse(&member)?;
    change_member(&state, &caller, &id, user, false).await
}
