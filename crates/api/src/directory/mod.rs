//! The tenant directory API (Graph-compatible, per tenant of the token): users, security groups
//! and their members, the organization, its licenses and its own role assignments. Every call is
//! authorized against the Entra resource action it needs (`gdap_domain::authz::operations`): a user acts by its own
//! roles, a partner's user by its GDAP or DAP grants in the customer (the authorization index), and
//! each delegated call is recorded in the audit record with the path that allowed it.

mod groups;
mod organization;
mod roles;
mod users;

pub(crate) use organization::subscribed_skus;

use axum::routing::{delete, get, post};
use axum::Router;
use gdap_domain::audit::AuditEntry;
use gdap_domain::authz::operations::directory::MEMBER_DEFAULTS;
use gdap_domain::authz::{
    sensitivity, CheckRequest, Decision, DenyReason, PrivilegeRules, Protection, Via,
};
use gdap_domain::directory::User;
use gdap_domain::ids::UserId;
use gdap_domain::roles::Catalogue;

use crate::auth::{Principal, PrincipalKind, NOT_PERMITTED};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Application permissions that allow a directory action to an app of the tenant itself.
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
        .route("/users", get(users::list_users).post(users::create_user))
        .route(
            "/users/{id}",
            get(users::get_user)
                .patch(users::update_user)
                .delete(users::delete_user),
        )
        .route("/organization", get(organization::organization))
        .route("/subscribedskus", get(organization::list_subscribed_skus))
        .route(
            "/subscribedskus/{id}",
            get(organization::get_subscribed_sku),
        )
        .route(
            "/groups",
            get(groups::list_groups).post(groups::create_group),
        )
        .route(
            "/groups/{id}",
            get(groups::get_group).delete(groups::delete_group),
        )
        .route(
            "/rolemanagement/directory/roleassignments",
            get(roles::list_role_assignments).post(roles::create_role_assignment),
        )
        .route(
            "/rolemanagement/directory/roleassignments/{id}",
            get(roles::get_role_assignment).delete(roles::delete_role_assignment),
        )
        .route("/groups/{id}/members", get(groups::list_members))
        .route("/groups/{id}/members/$ref", post(groups::add_member))
        .route(
            "/groups/{id}/members/{member}/$ref",
            delete(groups::remove_member),
        )
}

/// The caller's acting user: its object id (partner users included).
fn acting_user(caller: &Principal) -> Option<UserId> {
    match &caller.kind {
        PrincipalKind::User { id, .. } => Some(*id),
        PrincipalKind::App { .. } => None,
    }
}

/// Authorizes one directory action in the caller's tenant (see [`authorize_any`]).
async fn authorize(
    state: &AppState,
    caller: &Principal,
    action: &str,
    target: &str,
) -> ApiResult<()> {
    authorize_any(state, caller, &[action], target, app_permissions(action)).await
}

/// Authorizes one action on a user of the caller's tenant: Entra's privilege rules make the
/// sensitive ones (password reset, disable, enable, delete) depend on the roles the user holds.
async fn authorize_on(
    state: &AppState,
    caller: &Principal,
    action: &str,
    on: &User,
) -> ApiResult<()> {
    authorize_with(
        state,
        caller,
        &[action],
        &on.id.to_string(),
        app_permissions(action),
        Some(on),
    )
    .await
}

/// Authorizes an operation that any one of `actions` allows, in the caller's tenant. A user acts
/// by the authorization index (its own roles at home, GDAP or DAP grants elsewhere); an app by one
/// of the application permissions `apps` (none: apps may not). Delegated calls (a partner's user)
/// are recorded in the audit record, allowed or not; a refusal names its reason.
pub(crate) async fn authorize_any(
    state: &AppState,
    caller: &Principal,
    actions: &[&str],
    target: &str,
    apps: &[&str],
) -> ApiResult<()> {
    authorize_with(state, caller, actions, target, apps, None).await
}

/// [`authorize_any`], with the user acted on when there is one.
async fn authorize_with(
    state: &AppState,
    caller: &Principal,
    actions: &[&str],
    target: &str,
    apps: &[&str],
    on: Option<&User>,
) -> ApiResult<()> {
    let first = actions.first().copied().unwrap_or_default();
    let Some(user) = acting_user(caller) else {
        // An application has no directory role of its own here: Entra lets it perform the
        // sensitive actions only on users without an administrator role.
        let protected = on.and_then(|u| {
            sensitivity(first)?;
            match PrivilegeRules::builtin().permits_application(&u.roles) {
                Ok(()) => None,
                Err(Protection::Role(r)) => Some(r),
                Err(Protection::NoRole) => None,
            }
        });
        return if let Some(role) = protected {
            Err(ApiError::Forbidden(format!(
                "{NOT_PERMITTED} `{first}` is not allowed here (targetProtected): the target holds {}, and an application may do this only to users without an administrator role.",
                Catalogue::builtin().get(&role).map_or_else(|| role.to_string(), |r| r.display_name.clone())
            )))
        } else if apps.iter().any(|p| caller.has_permission(p)) {
            Ok(())
        } else if apps.is_empty() {
            Err(ApiError::Forbidden(format!(
                "{NOT_PERMITTED} `{first}` is for signed-in users only; applications cannot do it."
            )))
        } else {
            Err(ApiError::Forbidden(format!(
                "{NOT_PERMITTED} The application needs one of {} for `{first}`.",
                apps.join(", ")
            )))
        };
    };
    let now = state.now();
    let mut action = first;
    let mut decision = Decision::Deny(DenyReason::UnknownPrincipal);
    for (i, a) in actions.iter().enumerate() {
        let d = state.authz.check(
            &CheckRequest {
                user,
                tenant: caller.tenant,
                action: (*a).to_owned(),
                target: on.map(|u| u.id),
            },
            now,
        );
        // The first action's refusal is the one explained, unless another action allows.
        let allowed = matches!(d, Decision::Allow(_));
        if i == 0 || allowed {
            action = a;
            decision = d;
        }
        if allowed {
            break;
        }
    }
    let home = match &caller.kind {
        PrincipalKind::User { home_tenant, .. } => home_tenant.unwrap_or(caller.tenant),
        PrincipalKind::App { .. } => caller.tenant,
    };
    let known = !matches!(decision, Decision::Deny(DenyReason::UnknownPrincipal));
    if home == caller.tenant && known && MEMBER_DEFAULTS.contains(&action) {
        return Ok(());
    }
    if home != caller.tenant {
        let mut e = AuditEntry {
            at: now,
            actor: caller.actor_name(),
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
            crate::check::explain(&r)
        ))),
    }
}

/// The audit entry of a change the caller makes in its own tenant's directory.
pub(crate) fn change_entry(
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
