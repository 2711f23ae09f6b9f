//! Directory calls on behalf of a caller: whether the caller may perform an Entra resource action
//! in its tenant (its own roles, or a partner's GDAP or DAP grants through the authorization
//! index, and Entra's privilege rules on the user acted on), the audit record of every delegated
//! call, and the readings two faces share.

use gdap_domain::audit::AuditEntry;
use gdap_domain::authz::operations::directory::MEMBER_DEFAULTS;
use gdap_domain::authz::{
    sensitivity, CheckRequest, Decision, DenyReason, PrivilegeRules, Protection, Via,
};
use gdap_domain::directory::User;
use gdap_domain::ids::{TenantId, UserId};
use gdap_domain::roles::Catalogue;
use gdap_store::{Changes, DirectoryWrite, StoreError};
use serde_json::{json, Value};

use crate::caller::{Principal, PrincipalKind, NOT_PERMITTED};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Application permissions that allow a directory action to an app of the tenant itself.
pub fn app_permissions(action: &str) -> &'static [&'static str] {
    if action.starts_with("microsoft.directory/applications/") {
        if action.ends_with("/read") {
            &[
                "Application.Read.All",
                "Application.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ]
        } else {
            &["Application.ReadWrite.All"]
        }
    } else if action.ends_with("/read") {
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

/// The caller's acting user: its object id (partner users included).
pub fn acting_user(caller: &Principal) -> Option<UserId> {
    match &caller.kind {
        PrincipalKind::User { id, .. } => Some(*id),
        PrincipalKind::App { .. } => None,
    }
}

/// Authorizes one directory action in the caller's tenant (see [`authorize_any`]).
pub async fn authorize(
    state: &AppState,
    caller: &Principal,
    action: &str,
    target: &str,
) -> AppResult<()> {
    authorize_any(state, caller, &[action], target, app_permissions(action)).await
}

/// Authorizes one action on a user of the caller's tenant: Entra's privilege rules make the
/// sensitive ones (password reset, disable, enable, delete) depend on the roles the user holds.
pub async fn authorize_on(
    state: &AppState,
    caller: &Principal,
    action: &str,
    on: &User,
) -> AppResult<()> {
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
pub async fn authorize_any(
    state: &AppState,
    caller: &Principal,
    actions: &[&str],
    target: &str,
    apps: &[&str],
) -> AppResult<()> {
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
) -> AppResult<()> {
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
            Err(AppError::Forbidden(format!(
                "{NOT_PERMITTED} `{first}` is not allowed here (targetProtected): the target holds {}, and an application may do this only to users without an administrator role.",
                Catalogue::builtin().get(&role).map_or_else(|| role.to_string(), |r| r.display_name.clone())
            )))
        } else if apps.iter().any(|p| caller.has_permission(p)) {
            Ok(())
        } else if apps.is_empty() {
            Err(AppError::Forbidden(format!(
                "{NOT_PERMITTED} `{first}` is for signed-in users only; applications cannot do it."
            )))
        } else {
            Err(AppError::Forbidden(format!(
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
            .commit(
                gdap_store::Changes {
                    audit: vec![e],
                    ..gdap_store::Changes::default()
                },
                &caller.actor,
            )
            .await?;
    }
    match decision {
        Decision::Allow(_) => Ok(()),
        Decision::Deny(r) => Err(AppError::Forbidden(format!(
            "{NOT_PERMITTED} `{action}` is not allowed here ({}): {}",
            r.code(),
            r.explain()
        ))),
    }
}

/// The audit entry of a change the caller makes in its own tenant's directory.
pub fn change_entry(
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

/// Graph's sentence for a principal name already taken.
pub const UPN_TAKEN: &str =
    "Another object with the same value for property userPrincipalName already exists.";

/// Commits one write to the caller's tenant's directory with its audit entry, on the one write
/// path. A write to an object removed meanwhile answers that `what` (`id`) was not found; a new
/// user whose principal name is taken, a conflict.
pub async fn commit_directory(
    app: &AppState,
    caller: &Principal,
    write: DirectoryWrite,
    entry: AuditEntry,
    (what, id): (&str, &str),
) -> AppResult<()> {
    let changes = Changes {
        directory: vec![write],
        audit: vec![entry],
        ..Changes::default()
    };
    match app.commit(changes, &caller.actor).await {
        Ok(_) => Ok(()),
        Err(StoreError::VersionConflict) => Err(AppError::not_found(what, id)),
        Err(StoreError::Duplicate(_)) => Err(AppError::Conflict(UPN_TAKEN.into())),
        Err(e) => Err(e.into()),
    }
}

/// The licenses of a tenant as Graph `subscribedSku` objects. gdap does not assign licenses to
/// users, so no unit is consumed.
pub async fn subscribed_skus(state: &AppState, tenant: TenantId) -> AppResult<Vec<Value>> {
    let org = state.tenant(tenant).await?;
    let subs = state.store.subscriptions_of(tenant).await?;
    Ok(gdap_domain::billing::licenses(&subs)
        .iter()
        .map(|l| {
            json!({
                "id": format!("{tenant}_{}", l.offer.sku_id),
                "accountId": tenant,
                "accountName": org.as_ref().map(|o| o.display_name.clone()),
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": 0,
                "skuId": l.offer.sku_id,
                "skuPartNumber": l.offer.sku_part_number,
                "subscriptionIds": l.subscriptions,
                "prepaidUnits": {"enabled": l.enabled, "suspended": 0, "warning": 0, "lockedOut": 0},
                "servicePlans": [],
            })
        })
        .collect())
}
