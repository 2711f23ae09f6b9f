//! The tenant directory API (Graph-compatible, per tenant of the token): users (list, get, update
//! with password reset through `passwordProfile`) and the organization. Every call is authorized
//! against the Entra resource action it needs ([`ACTIONS`]): a user acts by its own roles, a
//! partner's user by its GDAP or DAP grants in the customer (the authorization index), and each
//! delegated call is recorded in the audit record with the path that allowed it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use gdap_auth::hash_secret;
use gdap_domain::audit::AuditEntry;
use gdap_domain::authz::{CheckRequest, Decision, Via};
use gdap_domain::directory::User;
use gdap_domain::ids::{TenantId, UserId};
use serde_json::{json, Value};

use crate::auth::{GraphCaller, Principal, PrincipalKind, NOT_PERMITTED};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Base, JsonObject, Obj};
use crate::graph::entity;
use crate::state::AppState;

/// Every directory operation and the Entra resource action that allows it (the docs show this
/// table).
pub const ACTIONS: &[(&str, &str)] = &[
    ("GET /users", "microsoft.directory/users/standard/read"),
    ("GET /users/{id}", "microsoft.directory/users/standard/read"),
    (
        "PATCH /users/{id} displayName",
        "microsoft.directory/users/basic/update",
    ),
    (
        "PATCH /users/{id} passwordProfile",
        "microsoft.directory/users/password/update",
    ),
    (
        "PATCH /users/{id} accountEnabled=false",
        "microsoft.directory/users/disable",
    ),
    (
        "PATCH /users/{id} accountEnabled=true",
        "microsoft.directory/users/enable",
    ),
    (
        "GET /organization",
        "microsoft.directory/organization/standard/read",
    ),
    ("POST /users", "microsoft.directory/users/create"),
    ("DELETE /users/{id}", "microsoft.directory/users/delete"),
    ("GET /groups", "microsoft.directory/groups/standard/read"),
    (
        "GET /groups/{id}/members",
        "microsoft.directory/groups/members/read",
    ),
    (
        "POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{userId}/$ref",
        "microsoft.directory/groups/members/update",
    ),
    (
        "GET /roleManagement/directory/roleAssignments[/{id}]",
        "microsoft.directory/roleAssignments/standard/read",
    ),
    (
        "POST /roleManagement/directory/roleAssignments",
        "microsoft.directory/roleAssignments/create",
    ),
    (
        "DELETE /roleManagement/directory/roleAssignments/{id}",
        "microsoft.directory/roleAssignments/delete",
    ),
];

const READ_ASSIGNMENTS: &str = "microsoft.directory/roleAssignments/standard/read";

const READ_USERS: &str = "microsoft.directory/users/standard/read";
const READ_GROUPS: &str = "microsoft.directory/groups/standard/read";
const READ_MEMBERS: &str = "microsoft.directory/groups/members/read";
const UPDATE_MEMBERS: &str = "microsoft.directory/groups/members/update";
/// What every member of a tenant may do in its own tenant without a role (Entra's default user
/// permissions): read the directory's users, groups and members, and the organization.
const MEMBER_DEFAULTS: &[&str] = &[READ_USERS, READ_ORG, READ_GROUPS, READ_MEMBERS];
const READ_ORG: &str = "microsoft.directory/organization/standard/read";

/// Application permissions that allow an action to an app of the tenant itself.
fn app_permissions(action: &str) -> &'static [&'static str] {
    if action.ends_with("/read") {
        &[
            "User.Read.All",
            "User.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ]
    } else {
        &["User.ReadWrite.All", "Directory.ReadWrite.All"]
    }
}

/// Routes (nested under `/v1.0` and `/beta`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/organization", get(organization))
        .route("/groups", get(list_groups))
        .route(
            "/rolemanagement/directory/roleassignments",
            get(list_role_assignments).post(create_role_assignment),
        )
        .route(
            "/rolemanagement/directory/roleassignments/{id}",
            get(get_role_assignment).delete(delete_role_assignment),
        )
        .route("/groups/{id}/members", get(list_members))
        .route("/groups/{id}/members/$ref", axum::routing::post(add_member))
        .route(
            "/groups/{id}/members/{member}/$ref",
            axum::routing::delete(remove_member),
        )
}

/// The caller's acting user: its object id (partner users included).
fn acting_user(caller: &Principal) -> Option<UserId> {
    match &caller.kind {
        PrincipalKind::User { id, .. } => Some(*id),
        PrincipalKind::App { .. } => None,
    }
}

/// Authorizes one action in the caller's tenant; delegated calls (a partner's user) are recorded
/// in the audit record, allowed or not.
async fn authorize(
    state: &AppState,
    caller: &Principal,
    action: &str,
    target: &str,
) -> ApiResult<()> {
    let Some(user) = acting_user(caller) else {
        return if app_permissions(action)
            .iter()
            .any(|p| caller.has_permission(p))
        {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{NOT_PERMITTED} The application needs one of {} for `{action}`.",
                app_permissions(action).join(", ")
            )))
        };
    };
    let req = CheckRequest {
        user,
        tenant: caller.tenant,
        action: action.to_owned(),
    };
    let now = state.now();
    let decision = state.authz.check(&req, now);
    let home = match &caller.kind {
        PrincipalKind::User { home_tenant, .. } => home_tenant.unwrap_or(caller.tenant),
        PrincipalKind::App { .. } => caller.tenant,
    };
    let known = !matches!(
        decision,
        Decision::Deny(gdap_domain::authz::DenyReason::UnknownPrincipal)
    );
    if home == caller.tenant && known && MEMBER_DEFAULTS.contains(&action) {
        return Ok(());
    }
    if home != caller.tenant {
        let mut e = AuditEntry {
            at: now,
            actor: caller
                .claims
                .upn
                .clone()
                .unwrap_or_else(|| user.to_string()),
            actor_tenant: Some(home),
            partner: Some(home),
            customer: Some(caller.tenant),
            relationship: None,
            assignment: None,
            role: None,
            action: action.to_owned(),
            target: target.to_owned(),
            result: "success".into(),
        };
        match &decision {
            Decision::Allow(g) => {
                e.role = Some(g.role);
                if let Via::Gdap {
                    relationship,
                    assignment,
                    ..
                } = g.via
                {
                    e.relationship = Some(relationship);
                    e.assignment = Some(assignment);
                }
            }
            Decision::Deny(r) => e.result = format!("denied: {}", r.code()),
        }
        state
            .commit(gdap_store::Changes {
                audit: vec![e],
                ..gdap_store::Changes::default()
            })
            .await?;
    }
    match decision {
        Decision::Allow(_) => Ok(()),
        Decision::Deny(r) => Err(ApiError::Forbidden(format!(
            "{NOT_PERMITTED} `{action}` is not allowed here ({}): {}",
            r.code(),
            crate::authz::explain(&r)
        ))),
    }
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "userPrincipalName": u.user_principal_name,
        "displayName": u.display_name,
        "accountEnabled": u.account_enabled,
        "preferredLanguage": u.preferred_language,
    })
}

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
    let page: Vec<Value> = users.iter().skip(skip).take(top).map(user_json).collect();
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

async fn find_user(state: &AppState, tenant: TenantId, raw: &str) -> ApiResult<User> {
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
pub async fn update_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let mut o = Obj::new(body, "user");
    let display_name = o.take_str("displayName")?;
    let enabled = o.take_bool("accountEnabled")?;
    let password = match o.take_obj("passwordProfile", "passwordProfile")? {
        None => None,
        Some(mut p) => {
            let pw = p.require_str("password")?;
            let _ = p.take_bool("forceChangePasswordNextSignIn")?;
            p.finish(&[])?;
            if pw.chars().count() < 8 || pw.len() > 256 {
                return Err(ApiError::BadRequest(
                    "`passwordProfile.password` must have 8 to 256 characters".into(),
                ));
            }
            Some(pw)
        }
    };
    o.finish(&["id", "userPrincipalName"])?;
    let mut user = find_user(&state, caller.tenant, &id).await?;
    let target = user.id.to_string();
    if let Some(n) = &display_name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 256 {
            return Err(ApiError::BadRequest(
                "`displayName` must have 1 to 256 characters".into(),
            ));
        }
        authorize(
            &state,
            &caller,
            "microsoft.directory/users/basic/update",
            &target,
        )
        .await?;
        user.display_name = n.to_owned();
    }
    if let Some(e) = enabled {
        let action = if e {
            "microsoft.directory/users/enable"
        } else {
            "microsoft.directory/users/disable"
        };
        authorize(&state, &caller, action, &target).await?;
        user.account_enabled = e;
    }
    if let Some(pw) = password {
        authorize(
            &state,
            &caller,
            "microsoft.directory/users/password/update",
            &target,
        )
        .await?;
        user.password_hash = Some(
            tokio::task::spawn_blocking(move || hash_secret(&pw))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
    }
    let entry = change_entry(&state, &caller, "user.update".into(), target);
    state.store.update_user(&user, vec![entry]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /organization`: the tenant itself.
pub async fn organization(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_ORG, "organization").await?;
    let t = state
        .tenant(caller.tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("organization", &caller.tenant.to_string()))?;
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#organization", base.root()),
        "value": [{
            "id": t.id,
            "displayName": t.display_name,
            "verifiedDomains": [{"name": t.domain, "isDefault": true, "isInitial": true}],
        }],
    }))
    .into_response())
}

fn group_json(g: &gdap_domain::directory::Group) -> Value {
    json!({"id": g.id, "displayName": g.display_name, "securityEnabled": true, "mailEnabled": false})
}

/// `GET /groups`: the tenant's security groups.
pub async fn list_groups(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_GROUPS, "groups").await?;
    let groups: Vec<Value> = state
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
            v["@odata.type"] = json!("#microsoft.graph.user");
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
pub async fn add_member(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let mut o = Obj::new(body, "directoryObject");
    let reference = o.require_str("@odata.id")?;
    o.finish(&[])?;
    let user = reference
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

/// `DELETE /groups/{id}/members/{userId}/$ref`.
pub async fn remove_member(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = UserId::parse(&member)?;
    change_member(&state, &caller, &id, user, false).await
}

/// A directory role held by a user, as Graph's `unifiedRoleAssignment` (tenant-wide scope).
fn assignment_json(role: &gdap_domain::ids::RoleDefinitionId, user: &User) -> Value {
    json!({
        "id": format!("{role}_{}", user.id),
        "roleDefinitionId": role,
        "principalId": user.id,
        "directoryScopeId": "/",
    })
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

#[derive(serde::Deserialize)]
pub struct AssignmentsQuery {
    #[serde(rename = "$filter")]
    filter: Option<String>,
}

/// `GET /roleManagement/directory/roleAssignments` (`$filter` on `principalId` or
/// `roleDefinitionId` with `eq`).
pub async fn list_role_assignments(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Query(q): Query<AssignmentsQuery>,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_ASSIGNMENTS, "roleAssignments").await?;
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
pub async fn get_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_ASSIGNMENTS, &id).await?;
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
pub async fn create_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let mut o = Obj::new(body, "unifiedRoleAssignment");
    let role_raw = o.require_str("roleDefinitionId")?;
    let principal_raw = o.require_str("principalId")?;
    let scope = o
        .take_str("directoryScopeId")?
        .unwrap_or_else(|| "/".into());
    o.finish(&["id"])?;
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
    authorize(
        &state,
        &caller,
        "microsoft.directory/roleAssignments/create",
        &principal_raw,
    )
    .await?;
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
pub async fn delete_role_assignment(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (role, user) = parse_assignment_id(&id)?;
    authorize(
        &state,
        &caller,
        "microsoft.directory/roleAssignments/delete",
        &id,
    )
    .await?;
    let user = state
        .store
        .user(caller.tenant, user)
        .await?
        .filter(|u| u.roles.contains(&role))
        .ok_or_else(|| ApiError::not_found("unifiedRoleAssignment", &id))?;
    change_role(&state, &caller, user, role, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit entry of a change the caller makes in its own tenant's directory.
fn change_entry(
    state: &AppState,
    caller: &Principal,
    action: String,
    target: String,
) -> AuditEntry {
    AuditEntry {
        at: state.now(),
        actor: caller.actor_name(),
        actor_tenant: None,
        partner: None,
        customer: Some(caller.tenant),
        relationship: None,
        assignment: None,
        role: None,
        action,
        target,
        result: "success".into(),
    }
}

/// `POST /users` with `displayName`, `userPrincipalName` (in the tenant's domain),
/// `accountEnabled` and `passwordProfile.password`.
pub async fn create_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let mut o = Obj::new(body, "user");
    let display_name = o.require_str("displayName")?;
    let upn = o.require_str("userPrincipalName")?.trim().to_lowercase();
    let enabled = o.take_bool("accountEnabled")?.unwrap_or(true);
    let _ = o.take_str("mailNickname")?;
    let _ = o.take_str("preferredLanguage")?;
    let mut p = o
        .take_obj("passwordProfile", "passwordProfile")?
        .ok_or_else(|| ApiError::BadRequest("`passwordProfile` is required".into()))?;
    let password = p.require_str("password")?;
    let _ = p.take_bool("forceChangePasswordNextSignIn")?;
    p.finish(&[])?;
    o.finish(&["id"])?;
    authorize(&state, &caller, "microsoft.directory/users/create", &upn).await?;
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
    let hash = tokio::task::spawn_blocking(move || hash_secret(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
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

/// `DELETE /users/{id}`.
pub async fn delete_user(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    authorize(&state, &caller, "microsoft.directory/users/delete", &id).await?;
    let user = find_user(&state, caller.tenant, &id).await?;
    let entry = change_entry(&state, &caller, "user.delete".into(), user.id.to_string());
    state
        .store
        .delete_user(caller.tenant, user.id, vec![entry])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
