//! Users: list with paging and `$filter`, get, create, update (password reset through
//! `passwordProfile`), delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::directory::User;
use gdap_domain::ids::TenantId;

use gdap_domain::authz::operations::directory::READ_USERS;

use super::authorize;
use super::bodies::{NewUserBody, UserPatchBody};
use super::error::DirectoryResult;
use super::schemas::UserJson;
use crate::entity;
use gdap_app::state::AppState;
use gdap_app::users::{CreateUser, DeleteUser, RevokeSignInSessions, UpdateUser};
use gdap_domain::query::{parse_list_query, schemas};
use gdap_http::auth::GraphCaller;
use gdap_http::body::Body;
use gdap_http::dto;
use gdap_http::dto::Collection;
use gdap_http::extract::{Base, JsonObject, OData};

use crate::collection;

/// Users per page when `$top` is not given, as Graph.
const DEFAULT_USERS_PAGE: usize = 100;
use gdap_http::schema::Refusals;

pub(super) fn user_json(u: &User) -> UserJson {
    UserJson::of(u)
}

/// `GET /users`: the tenant's users, by principal name unless `$orderby` says otherwise, in pages
/// (`$top` ≤ 999, default 100) under the same OData options as every collection: `$filter` on
/// `id`, `userPrincipalName`, `displayName` and `accountEnabled`, `$orderby`, `$select`, `$count`.
#[utoipa::path(get, path = "/v1.0/users", tag = "directory",
    params(("$filter" = Option<String>, Query, description = "`userPrincipalName eq '…'`, `startswith(displayName,'…')`, `accountEnabled eq true`"),
           ("$orderby" = Option<String>, Query), ("$select" = Option<String>, Query), ("$top" = Option<u32>, Query),
           ("$count" = Option<bool>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<UserJson>), Refusals))]
pub async fn list_users(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    OData(raw): OData,
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_USERS, "users").await?;
    let mut q = parse_list_query(&schemas::USERS, &raw, false)
        .map_err(super::error::DirectoryError::unsupported_query)?;
    if raw.get("$top").is_none() {
        q.top = DEFAULT_USERS_PAGE;
    }
    let page = state.store.list_users(caller.tenant, &q).await?;
    Ok(collection(&base, base.context("users"), page, |u, out| {
        dto::write(out, dto::select(user_json(u), &q.select))
    }))
}

pub(super) async fn find_user(
    state: &AppState,
    tenant: TenantId,
    raw: &str,
) -> DirectoryResult<User> {
    Ok(gdap_app::users::find_user(state, tenant, raw).await?)
}

/// `GET /users/{id | userPrincipalName}`.
#[utoipa::path(get, path = "/v1.0/users/{id}", tag = "directory",
    params(("id" = String, Path, description = "Object id or userPrincipalName")),
    responses((status = 200, body = UserJson), Refusals))]
pub async fn get_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_USERS, &id).await?;
    let u = find_user(&state, caller.tenant, &id).await?;
    Ok(entity(
        StatusCode::OK,
        format!("{}/$metadata#users/$entity", base.root()),
        user_json(&u),
        None,
    ))
}

/// `PATCH /users/{id}`: `displayName`, `accountEnabled`, and `passwordProfile.password` (a password
/// reset). Each property needs its own action; all must be allowed.
#[utoipa::path(patch, path = "/v1.0/users/{id}", tag = "directory",
    params(("id" = String, Path)), request_body = UserPatchBody,
    responses((status = 204, description = "Changed"), Refusals))]
pub async fn update_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> DirectoryResult<StatusCode> {
    let Body(body) = Body::<UserPatchBody>::read(body)?;
    UpdateUser {
        id,
        display_name: body.display_name,
        account_enabled: body.account_enabled,
        password: body.password_profile.map(|p| p.password),
    }
    .execute(&state, &caller)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /users` with `displayName`, `userPrincipalName` (in the tenant's domain),
/// `accountEnabled` and `passwordProfile.password`.
#[utoipa::path(post, path = "/v1.0/users", tag = "directory", request_body = NewUserBody,
    responses((status = 201, body = UserJson), Refusals))]
pub async fn create_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> DirectoryResult<Response> {
    let Body(body) = Body::<NewUserBody>::read(body)?;
    let user = CreateUser {
        display_name: body.display_name,
        user_principal_name: body.user_principal_name,
        account_enabled: body.account_enabled,
        password: body.password_profile.password,
    }
    .execute(&state, &caller)
    .await?;
    Ok(entity(
        StatusCode::CREATED,
        format!("{}/$metadata#users/$entity", base.root()),
        user_json(&user),
        Some(format!("{}/users/{}", base.root(), user.id)),
    ))
}

/// `DELETE_USER /users/{id}`.
#[utoipa::path(delete, path = "/v1.0/users/{id}", tag = "directory",
    params(("id" = String, Path)), responses((status = 204, description = "Deleted"), Refusals))]
pub async fn delete_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
) -> DirectoryResult<StatusCode> {
    DeleteUser { id }.execute(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The answer of an action that returns a boolean.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BooleanJson {
    /// `…/$metadata#Edm.Boolean`.
    #[serde(rename = "@odata.context")]
    pub odata_context: String,
    /// `true`.
    pub value: bool,
}

/// `POST /users/{id}/revokeSignInSessions`: the user's refresh tokens and browser sessions end.
#[utoipa::path(post, path = "/v1.0/users/{id}/revokeSignInSessions", tag = "directory",
    params(("id" = String, Path)),
    responses((status = 200, body = BooleanJson), Refusals))]
pub async fn revoke_sign_in_sessions(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    RevokeSignInSessions { id }.execute(&state, &caller).await?;
    Ok(axum::response::IntoResponse::into_response(axum::Json(
        BooleanJson {
            odata_context: format!("{}/$metadata#Edm.Boolean", base.root()),
            value: true,
        },
    )))
}
