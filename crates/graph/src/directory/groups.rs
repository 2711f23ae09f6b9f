//! Security groups and their members.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_domain::ids::{TenantId, UserId};
use serde_json::json;

use super::users::user_json;
use gdap_domain::authz::operations::directory::{
    CREATE_GROUP, DELETE_GROUP, READ_GROUPS, READ_MEMBERS, UPDATE_MEMBERS,
};

use super::bodies::{MemberRefBody, NewGroupBody};
use super::schemas::GroupJson;
use super::schemas::*;
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
) -> ApiResult<Response> {
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

/// The partner's built-in groups: Partner Center creates them, and DAP follows their names.
const RESERVED: &[&str] = &[
    gdap_domain::directory::ADMIN_AGENTS,
    gdap_domain::directory::HELPDESK_AGENTS,
    gdap_domain::directory::SALES_AGENTS,
];

const WRITE_APPS: &[&str] = &["Group.ReadWrite.All", "Directory.ReadWrite.All"];

/// `GET /groups/{id}`.
#[utoipa::path(get, path = "/v1.0/groups/{id}", tag = "directory",
    params(("id" = String, Path)), responses((status = 200, body = GroupJson), Refusals))]
pub async fn get_group(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
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
) -> ApiResult<Response> {
    let Body(body) = Body::<NewGroupBody>::read(body)?;
    let display_name = body.display_name.trim().to_owned();
    let nickname = body.mail_nickname;
    let security = body.security_enabled;
    let mail = body.mail_enabled;
    let types = body.group_types.unwrap_or_default();
    if types.len() > 10 {
        return Err(ApiError::BadRequest(
            "`groupTypes` has more than 10 items".into(),
        ));
    }
    if security != Some(true) || mail == Some(true) || !types.is_empty() {
        return Err(ApiError::BadRequest(
            "gdap's directory holds security groups only: send `securityEnabled: true`, `mailEnabled: false` and no `groupTypes`".into(),
        ));
    }
    if display_name.is_empty()
        || display_name.chars().count() > 256
        || display_name.chars().any(char::is_control)
    {
        return Err(ApiError::BadRequest(
            "`displayName` must have 1 to 256 characters and no control characters".into(),
        ));
    }
    if nickname.is_empty()
        || nickname.len() > 64
        || !nickname
            .chars()
            .all(|c| c.is_ascii_graphic() && !"@()\\[]\";:<>, ".contains(c))
    {
        return Err(ApiError::BadRequest(
            "`mailNickname` must have 1 to 64 ASCII characters without spaces or @()\\[]\";:<>,"
                .into(),
        ));
    }
    if RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&display_name))
    {
        return Err(ApiError::BadRequest(format!(
            "`{display_name}` is the name of a partner's built-in group, which only Partner Center creates"
        )));
    }
    super::authorize_any(&state, &caller, CREATE_GROUP, &display_name, WRITE_APPS).await?;
    let group = gdap_domain::directory::Group {
        id: gdap_domain::ids::GroupId::new_random(),
        tenant: caller.tenant,
        display_name,
        members: Vec::new(),
    };
    let entry = change_entry(&state, &caller, "group.create".into(), group.id.to_string());
    state.store.create_group(&group, vec![entry]).await?;
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
) -> ApiResult<StatusCode> {
    super::authorize_any(&state, &caller, DELETE_GROUP, &id, WRITE_APPS).await?;
    let g = find_group(&state, caller.tenant, &id).await?;
    if RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&g.display_name))
    {
        return Err(ApiError::BadRequest(format!(
            "`{}` is a partner's built-in group and cannot be deleted",
            g.display_name
        )));
    }
    let entry = change_entry(&state, &caller, "group.delete".into(), g.id.to_string());
    state
        .store
        .delete_group(caller.tenant, g.id, vec![entry])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn find_group(
    state: &AppState,
    tenant: TenantId,
    raw: &str,
) -> ApiResult<gdap_domain::directory::Group> {
    let id = gdap_domain::ids::GroupId::parse(raw)?;
    state
        .store
        .group(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("group", raw))
}

/// `GET /groups/{id}/members`.
#[utoipa::path(get, path = "/v1.0/groups/{id}/members", tag = "directory",
    params(("id" = String, Path)), responses((status = 200, body = Collection<UserJson>), Refusals))]
pub async fn list_members(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
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
) -> ApiResult<StatusCode> {
    authorize(state, caller, UPDATE_MEMBERS, group).await?;
    let g = find_group(state, caller.tenant, group).await?;
    if add && state.store.user(caller.tenant, user).await?.is_none() {
        return Err(ApiError::not_found("directoryObject", &user.to_string()));
    }
    let entry = change_entry(
        state,
        caller,
        format!("group.members.{}", if add { "add" } else { "remove" }),
        format!("{} {user}", g.id),
    );
    state
        .store
        .set_member(caller.tenant, g.id, user, add, vec![entry])
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
) -> ApiResult<StatusCode> {
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
) -> ApiResult<StatusCode> {
    let user = UserId::parse(&member)?;
    change_member(&state, &caller, &id, user, false).await
}
