//! Users: list with paging and `$filter`, get, create, update (password reset through
//! `passwordProfile`), delete.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_domain::directory::User;
use gdap_domain::ids::{TenantId, UserId};
use serde_json::json;

use gdap_domain::authz::operations::directory::{
    CREATE_USER, DELETE_USER, DISABLE_USER, ENABLE_USER, READ_USERS, RESET_PASSWORD,
    UPDATE_USER_BASICS,
};

use super::bodies::{NewUserBody, UserPatchBody};
use super::schemas::UserJson;
use super::{authorize, authorize_on, change_entry};
use crate::entity;
use gdap_app::state::AppState;
use gdap_http::auth::GraphCaller;
use gdap_http::body::Body;
use gdap_http::dto::Collection;
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, JsonObject};
use gdap_http::schema::Refusals;

pub(super) fn user_json(u: &User) -> UserJson {
    UserJson::of(u)
}

/// The query options of the users list.
#[derive(serde::Deserialize)]
pub struct UsersQuery {
    #[serde(rename = "$top")]
    top: Option<String>,
    #[serde(rename = "$skiptoken")]
    skip_token: Option<String>,
    #[serde(rename = "$filter")]
    filter: Option<String>,
}

/// A compiled `$filter` on users.
type UserPredicate = Box<dyn Fn(&User) -> bool + Send>;

/// What `$filter` on users supports: `userPrincipalName eq '…'`, `displayName eq '…'`,
/// `accountEnabled eq true|false`, `startswith(displayName|userPrincipalName,'…')`.
fn user_filter(f: &str) -> ApiResult<UserPredicate> {
    let f = f.trim();
    let quoted = |s: &str| -> Option<String> {
        let s = s.trim();
        s.strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .map(|s| s.replace("''", "'"))
    };
    let bad = || {
        ApiError::BadRequest(format!(
            "`$filter` on users supports `userPrincipalName eq '…'`, `displayName eq '…'`, `accountEnabled eq true|false` and `startswith(displayName|userPrincipalName,'…')`, not `{}`",
            f.chars().take(80).collect::<String>()
        ))
    };
    if let Some(inner) = f
        .strip_prefix("startswith(")
        .and_then(|s| s.strip_suffix(')'))
    {
        let (prop, value) = inner.split_once(',').ok_or_else(bad)?;
        let value = quoted(value).ok_or_else(bad)?.to_lowercase();
        return match prop.trim() {
            "displayName" => Ok(Box::new(move |u: &User| {
                u.display_name.to_lowercase().starts_with(&value)
            })),
            "userPrincipalName" => Ok(Box::new(move |u: &User| {
                u.user_principal_name.starts_with(&value)
            })),
            _ => Err(bad()),
        };
    }
    let (prop, value) = f.split_once(" eq ").ok_or_else(bad)?;
    match prop.trim() {
        "userPrincipalName" => {
            let v = quoted(value).ok_or_else(bad)?.to_lowercase();
            Ok(Box::new(move |u: &User| u.user_principal_name == v))
        }
        "displayName" => {
            let v = quoted(value).ok_or_else(bad)?;
            Ok(Box::new(move |u: &User| u.display_name == v))
        }
        "accountEnabled" => {
            let v = match value.trim() {
                "true" => true,
                "false" => false,
                _ => return Err(bad()),
            };
            Ok(Box::new(move |u: &User| u.account_enabled == v))
        }
        _ => Err(bad()),
    }
}

/// `GET /users`: the tenant's users, by principal name, in pages (`$top` ≤ 999, default 100).
#[utoipa::path(get, path = "/v1.0/users", tag = "directory",
    params(("$filter" = Option<String>, Query, description = "`userPrincipalName eq '…'`"), ("$top" = Option<u32>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<UserJson>), Refusals))]
pub async fn list_users(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Query(q): Query<UsersQuery>,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_USERS, "users").await?;
    let top: usize = match q.top.as_deref() {
        None => 100,
        Some(t) => t
            .parse()
            .ok()
            .filter(|n| (1..=999).contains(n))
            .ok_or_else(|| ApiError::BadRequest("`$top` must be a number from 1 to 999".into()))?,
    };
    let skip: usize = match q.skip_token.as_deref() {
        None => 0,
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::BadRequest("the `$skiptoken` is not one gdap issued".into()))?,
    };
    let keep = match q.filter.as_deref() {
        Some(f) => Some(user_filter(f)?),
        None => None,
    };
    let users: Vec<User> = state
        .store
        .users_of(caller.tenant)
        .await?
        .into_iter()
        .filter(|u| keep.as_ref().is_none_or(|k| k(u)))
        .collect();
    let page: Vec<UserJson> = users.iter().skip(skip).take(top).map(user_json).collect();
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#users", base.root()),
        "value": page,
    });
    if skip + top < users.len() {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        next.append_pair("$top", &top.to_string());
        next.append_pair("$skiptoken", &(skip + top).to_string());
        if let Some(f) = &q.filter {
            next.append_pair("$filter", f);
        }
        body["@odata.nextLink"] = json!(format!("{}/users?{}", base.root(), next.finish()));
    }
    Ok(axum::Json(body).into_response())
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
