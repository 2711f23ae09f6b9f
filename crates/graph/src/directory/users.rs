//! Users: list with paging and `$filter`, get, create, update (password reset through
//! `passwordProfile`), delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::directory::User;
use gdap_domain::ids::{TenantId, UserId};

use gdap_domain::authz::operations::directory::{
    CREATE_USER, DELETE_USER, DISABLE_USER, ENABLE_USER, READ_USERS, RESET_PASSWORD,
    UPDATE_USER_BASICS,
};

use super::bodies::{NewUserBody, UserPatchBody};
use super::schemas::UserJson;
use super::{authorize, authorize_on, change_entry};
use crate::entity;
use gdap_app::state::AppState;
use gdap_domain::query::{parse_list_query, schemas};
use gdap_http::auth::GraphCaller;
use gdap_http::body::Body;
use gdap_http::dto;
use gdap_http::dto::Collection;
use gdap_http::error::{ApiError, ApiResult};
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
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_USERS, "users").await?;
    let mut q = parse_list_query(&schemas::USERS, &raw, false)?;
    if raw.get("$top").is_none() {
        q.top = DEFAULT_USERS_PAGE;
    }
    let page = state.store.list_users(caller.tenant, &q).await?;
    Ok(collection(&base, base.context("users"), page, |u, out| {
        dto::write(out, dto::select(user_json(u), &q.select))
    }))
}

pub(super) async fn find_user(state: &AppState, tenant: TenantId, raw: &str) -> ApiResult<User> {
    let found = match UserId::parse(raw) {
        Ok(id) => state.store.user(tenant, id).await?,
        Err(_) => state
            .store
            .user_by_upn(raw)
            .await?
            .filter(|u| u.tenant == tenant),
    };
    found.ok_or_else(|| ApiError::not_found("user", raw))
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
) -> ApiResult<Response> {
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
) -> ApiResult<StatusCode> {
    let Body(body) = Body::<UserPatchBody>::read(body)?;
    let display_name = body.display_name;
    let enabled = body.account_enabled;
    let password = match body.password_profile {
        None => None,
        Some(p) => {
            let pw = p.password;
            if pw.chars().count() < 8 || pw.len() > 256 {
                return Err(ApiError::BadRequest(
                    "`passwordProfile.password` must have 8 to 256 characters".into(),
                ));
            }
            Some(pw)
        }
    };
    let mut user = find_user(&state, caller.tenant, &id).await?;
    let target = user.id.to_string();
    if let Some(n) = &display_name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 256 {
            return Err(ApiError::BadRequest(
                "`displayName` must have 1 to 256 characters".into(),
            ));
        }
        authorize(&state, &caller, UPDATE_USER_BASICS, &target).await?;
        user.display_name = n.to_owned();
    }
    if let Some(e) = enabled {
        let action = if e { ENABLE_USER } else { DISABLE_USER };
        authorize_on(&state, &caller, action, &user).await?;
        user.account_enabled = e;
    }
    if let Some(pw) = password {
        authorize_on(&state, &caller, RESET_PASSWORD, &user).await?;
        user.password_hash = Some(state.hasher.hash(&pw).await?);
    }
    let entry = change_entry(&state, &caller, "user.update".into(), target);
    state.store.update_user(&user, vec![entry]).await?;
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
) -> ApiResult<Response> {
    let Body(body) = Body::<NewUserBody>::read(body)?;
    let display_name = body.display_name;
    let upn = body.user_principal_name.trim().to_lowercase();
    let enabled = body.account_enabled.unwrap_or(true);
    let password = body.password_profile.password;
    authorize(&state, &caller, CREATE_USER, &upn).await?;
    let tenant = state
        .tenant(caller.tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("organization", &caller.tenant.to_string()))?;
    let (local, domain) = upn.split_once('@').unwrap_or(("", ""));
    if local.is_empty()
        || domain != tenant.domain
        || upn.len() > 113
        || !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-'".contains(c))
    {
        return Err(ApiError::BadRequest(format!(
            "`userPrincipalName` must be `name@{}`",
            tenant.domain
        )));
    }
    let display_name = display_name.trim().to_owned();
    if display_name.is_empty() || display_name.chars().count() > 256 {
        return Err(ApiError::BadRequest(
            "`displayName` must have 1 to 256 characters".into(),
        ));
    }
    if password.chars().count() < 8 || password.len() > 256 {
        return Err(ApiError::BadRequest(
            "`passwordProfile.password` must have 8 to 256 characters".into(),
        ));
    }
    let hash = state.hasher.hash(&password).await?;
    let user = User {
        id: UserId::new_random(),
        tenant: caller.tenant,
        user_principal_name: upn,
        display_name,
        password_hash: Some(hash),
        roles: Vec::new(),
        preferred_language: None,
        account_enabled: enabled,
    };
    let entry = change_entry(&state, &caller, "user.create".into(), user.id.to_string());
    state
        .store
        .create_user(&user, vec![entry])
        .await
        .map_err(|e| match e {
            gdap_store::StoreError::Duplicate(_) => ApiError::Conflict(
                "another object with the same `userPrincipalName` already exists".into(),
            ),
            other => other.into(),
        })?;
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
) -> ApiResult<StatusCode> {
    // A caller that may not delete anyone learns nothing of who exists; one that may is judged on
    // the user found (whose roles may protect it).
    let user = match find_user(&state, caller.tenant, &id).await {
        Ok(u) => u,
        Err(e) => {
            authorize(&state, &caller, DELETE_USER, &id).await?;
            return Err(e);
        }
    };
    authorize_on(&state, &caller, DELETE_USER, &user).await?;
    let entry = change_entry(&state, &caller, "user.delete".into(), user.id.to_string());
    state
        .store
        .delete_user(caller.tenant, user.id, vec![entry])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
