//! Azure subscriptions of CSP customers, as Azure Resource Manager serves them: a CSP partner
//! provisions a subscription for its customer and its Admin Agents group gets Owner there as a
//! foreign group; users act by their role assignments (their own and their groups'), decided by
//! the domain's RBAC rules; a customer's Global Administrator, who has no role on a CSP
//! subscription, elevates to User Access Administrator at `/` and may then remove the partner's
//! assignment, which ends the partner's access at its next call. GDAP is not what lets a partner
//! manage a subscription; whether a Resource Manager token also needs a GDAP role is a setting.

use std::sync::Arc;

use gdap_domain::audit::AuditEntry;
use gdap_domain::azure::{
    arm_token, authorization_failed, decide, role, ArmTokenRefusal, Assignment, Caller,
    PrincipalType, OWNER, USER_ACCESS_ADMINISTRATOR,
};
use gdap_domain::directory::{User, ADMIN_AGENTS};
use gdap_domain::ids::TenantId;
use gdap_domain::roles::GLOBAL_ADMINISTRATOR;
use gdap_store::azure::{AzureSubscription, ResourceGroup};
use gdap_store::StoreError;

use crate::audit::Who;
use crate::caller::{Principal, PrincipalKind};
use crate::error::{AppError, AppResult};
use crate::partner_center::PartnerUser;
use crate::state::AppState;

/// Azure Resource Manager's audience.
pub const ARM_AUDIENCE: &str = "https://management.azure.com";

/// A user calling Resource Manager in a tenant, with the groups of its home tenant.
#[derive(Debug, Clone)]
pub struct ArmCaller {
    /// The tenant of the token.
    pub tenant: TenantId,
    /// The user, enabled.
    pub user: User,
    /// RBAC's view of the user: its id and its groups' ids.
    pub rbac: Caller,
    /// The actor for the audit record.
    pub who: Arc<Who>,
}

impl ArmCaller {
    /// The caller behind a Resource Manager token (a user: applications are not served here).
    pub async fn of(state: &AppState, p: &Principal) -> AppResult<Self> {
        let PrincipalKind::User {
            id, home_tenant, ..
        } = &p.kind
        else {
            return Err(AppError::Forbidden(
                "gdap's Resource Manager serves users; an application's token is not accepted"
                    .into(),
            ));
        };
        let home = home_tenant.unwrap_or(p.tenant);
        let user = state
            .store
            .user(home, *id)
            .await?
            .filter(|u| u.account_enabled)
            .ok_or_else(|| {
                AppError::Unauthenticated("the token's user no longer signs in".into())
            })?;
        let groups = state.store.groups_of_user(home, user.id).await?;
        Ok(Self {
            tenant: p.tenant,
            rbac: Caller {
                user: *user.id.as_uuid(),
                groups: groups.iter().map(|g| *g.id.as_uuid()).collect(),
            },
            user,
            who: p.actor.clone(),
        })
    }

    fn audit(&self, state: &AppState, action: &str, target: String) -> AuditEntry {
        AuditEntry {
            at: state.now(),
            actor: self.who.actor.clone(),
            actor_tenant: Some(self.user.tenant),
            partner: (self.user.tenant != self.tenant).then_some(self.user.tenant),
            customer: Some(self.tenant),
            relationship: None,
            assignment: None,
            role: None,
            action: action.to_owned(),
            target,
            result: "success".into(),
        }
    }
}

/// A subscription's scope.
pub fn scope_of(subscription: uuid::Uuid) -> String {
    format!("/subscriptions/{subscription}")
}

/// Decides an action at a scope, refusing with Resource Manager's own words.
pub async fn authorize(
    state: &AppState,
    caller: &ArmCaller,
    action: &str,
    scope: &str,
) -> AppResult<String> {
    let assignments = state.store.role_assignments(caller.tenant).await?;
    match decide(&caller.rbac, &assignments, action, scope) {
        Ok(g) => Ok(g.role.name.to_owned()),
        Err(_) => Err(AppError::Forbidden(authorization_failed(
            caller.rbac.user,
            action,
            scope,
        ))),
    }
}

/// A subscription of the caller's tenant (`NotFound` for another tenant's or none).
pub async fn subscription(
    state: &AppState,
    caller: &ArmCaller,
    id: uuid::Uuid,
) -> AppResult<AzureSubscription> {
    let s = state
        .store
        .azure_subscription(id)
        .await?
        .filter(|s| s.customer == caller.tenant)
        .ok_or_else(|| AppError::not_found("subscription", &id.to_string()))?;
    authorize(
        state,
        caller,
        "Microsoft.Resources/subscriptions/read",
        &scope_of(id),
    )
    .await?;
    Ok(s)
}

/// The tenant's subscriptions the caller may read.
pub async fn subscriptions(
    state: &AppState,
    caller: &ArmCaller,
) -> AppResult<Vec<AzureSubscription>> {
    let all = state.store.azure_subscriptions_of(caller.tenant).await?;
    let assignments = state.store.role_assignments(caller.tenant).await?;
    Ok(all
        .into_iter()
        .filter(|s| {
            decide(
                &caller.rbac,
                &assignments,
                "Microsoft.Resources/subscriptions/read",
                &scope_of(s.id),
            )
            .is_ok()
        })
        .collect())
}

/// The role assignments at a subscription, above it and within it.
pub async fn role_assignments(
    state: &AppState,
    caller: &ArmCaller,
    sub: uuid::Uuid,
) -> AppResult<Vec<Assignment>> {
    subscription(state, caller, sub).await?;
    let scope = scope_of(sub);
    authorize(
        state,
        caller,
        "Microsoft.Authorization/roleAssignments/read",
        &scope,
    )
    .await?;
    let all = state.store.role_assignments(caller.tenant).await?;
    Ok(all
        .into_iter()
        .filter(|a| {
            gdap_domain::azure::scope_covers(&a.scope, &scope)
                || gdap_domain::azure::scope_covers(&scope, &a.scope)
        })
        .collect())
}

/// Creates a role assignment at a subscription.
pub async fn add_role_assignment(
    state: &AppState,
    caller: &ArmCaller,
    sub: uuid::Uuid,
    id: uuid::Uuid,
    role_definition: &str,
    principal: uuid::Uuid,
    principal_type: PrincipalType,
) -> AppResult<Assignment> {
    subscription(state, caller, sub).await?;
    let scope = scope_of(sub);
    authorize(
        state,
        caller,
        "Microsoft.Authorization/roleAssignments/write",
        &scope,
    )
    .await?;
    let role = role(role_definition).ok_or_else(|| {
        AppError::Invalid(format!(
            "The role definition '{}' does not exist.",
            role_definition.chars().take(200).collect::<String>()
        ))
    })?;
    let existing = state.store.role_assignments(caller.tenant).await?;
    if let Some(same) = existing.iter().find(|a| a.id == id) {
        if same.principal == principal
            && same.role == role.id
            && same.scope.eq_ignore_ascii_case(&scope)
        {
            return Ok(same.clone());
        }
        return Err(AppError::Invalid(
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
                .into(),
        ));
    }
    if existing.iter().any(|a| {
        a.principal == principal && a.role == role.id && a.scope.eq_ignore_ascii_case(&scope)
    }) {
        return Err(AppError::Conflict(
            "The role assignment already exists.".into(),
        ));
    }
    let a = Assignment {
        id,
        scope,
        role: role.id.to_owned(),
        principal,
        principal_type,
    };
    let audit = caller.audit(state, "azure-role-assignment-created", id.to_string());
    state
        .store
        .add_role_assignment(caller.tenant, &a, &audit)
        .await?;
    Ok(a)
}

/// Deletes a role assignment of a subscription; `None` when there was none.
pub async fn delete_role_assignment(
    state: &AppState,
    caller: &ArmCaller,
    sub: uuid::Uuid,
    id: uuid::Uuid,
) -> AppResult<Option<Assignment>> {
    let scope = scope_of(sub);
    authorize(
        state,
        caller,
        "Microsoft.Authorization/roleAssignments/delete",
        &scope,
    )
    .await?;
    let existing = state.store.role_assignments(caller.tenant).await?;
    let Some(a) = existing.into_iter().find(|a| a.id == id) else {
        return Ok(None);
    };
    let audit = caller.audit(state, "azure-role-assignment-deleted", id.to_string());
    Ok(state
        .store
        .delete_role_assignment(caller.tenant, id, &audit)
        .await?
        .then_some(a))
}

/// Creates a resource group (`true`) or finds it there (`false`).
pub async fn put_resource_group(
    state: &AppState,
    caller: &ArmCaller,
    sub: uuid::Uuid,
    name: &str,
    location: &str,
) -> AppResult<(bool, ResourceGroup)> {
    subscription(state, caller, sub).await?;
    let ok = !name.is_empty()
        && name.len() <= 90
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
    if !ok {
        return Err(AppError::Invalid(format!(
            "Resource group '{}' is invalid: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'.",
            name.chars().take(100).collect::<String>()
        )));
    }
    let scope = format!("{}/resourceGroups/{name}", scope_of(sub));
    authorize(
        state,
        caller,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        &scope,
    )
    .await?;
    let g = ResourceGroup {
        subscription: sub,
        name: name.to_owned(),
        location: location.to_owned(),
    };
    let audit = caller.audit(state, "azure-resource-group-created", scope);
    let created = state.store.put_resource_group(&g, &audit).await?;
    let stored = state
        .store
        .resource_groups(sub)
        .await?
        .into_iter()
        .find(|x| x.name.eq_ignore_ascii_case(name))
        .unwrap_or(g);
    Ok((created, stored))
}

/// A subscription's resource groups.
pub async fn resource_groups(
    state: &AppState,
    caller: &ArmCaller,
    sub: uuid::Uuid,
) -> AppResult<Vec<ResourceGroup>> {
    subscription(state, caller, sub).await?;
    authorize(
        state,
        caller,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        &scope_of(sub),
    )
    .await?;
    Ok(state.store.resource_groups(sub).await?)
}

/// `elevateAccess`: the tenant's Global Administrator becomes User Access Administrator at `/`.
pub async fn elevate_access(state: &AppState, caller: &ArmCaller) -> AppResult<()> {
    let ga = caller.user.tenant == caller.tenant
        && caller
            .user
            .roles
            .iter()
            .any(|r| r.to_string() == GLOBAL_ADMINISTRATOR);
    if !ga {
        return Err(AppError::Forbidden(authorization_failed(
            caller.rbac.user,
            "Microsoft.Authorization/elevateAccess/action",
            "/providers/Microsoft.Authorization",
        )));
    }
    let existing = state.store.role_assignments(caller.tenant).await?;
    let held = existing.iter().any(|a| {
        a.scope == "/" && a.principal == caller.rbac.user && a.role == USER_ACCESS_ADMINISTRATOR
    });
    if held {
        return Ok(());
    }
    let a = Assignment {
        id: uuid::Uuid::new_v4(),
        scope: "/".into(),
        role: USER_ACCESS_ADMINISTRATOR.into(),
        principal: caller.rbac.user,
        principal_type: PrincipalType::User,
    };
    let audit = caller.audit(state, "azure-access-elevated", "/".into());
    match state
        .store
        .add_role_assignment(caller.tenant, &a, &audit)
        .await
    {
        Ok(()) | Err(StoreError::Duplicate(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A CSP partner provisions a subscription for its customer: its Admin Agents group becomes
/// Owner of it, as a foreign group.
pub async fn provision(
    state: &AppState,
    partner: &PartnerUser,
    customer: TenantId,
    display_name: &str,
) -> AppResult<AzureSubscription> {
    let name = display_name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(AppError::Invalid(
            "`friendlyName` is 1 to 64 characters".into(),
        ));
    }
    let groups = state.store.groups_of(partner.partner.id).await?;
    let admin_agents = groups
        .iter()
        .find(|g| g.display_name == ADMIN_AGENTS)
        .ok_or_else(|| AppError::Conflict("the partner has no Admin Agents group".into()))?;
    if !admin_agents.members.contains(&partner.user.id) {
        return Err(AppError::Forbidden(
            "only members of the partner's Admin Agents group provision Azure subscriptions".into(),
        ));
    }
    let tie = crate::autopilot::tie(state, partner.partner.id, customer).await?;
    if !tie.is_some_and(|t| t.reseller) {
        return Err(AppError::not_found("customer", &customer.to_string()));
    }
    let s = AzureSubscription {
        id: uuid::Uuid::new_v4(),
        customer,
        partner: partner.partner.id,
        display_name: name.to_owned(),
        created_at: state.now(),
    };
    let owner = Assignment {
        id: uuid::Uuid::new_v4(),
        scope: scope_of(s.id),
        role: OWNER.into(),
        principal: *admin_agents.id.as_uuid(),
        principal_type: PrincipalType::ForeignGroup,
    };
    let audit = AuditEntry {
        at: state.now(),
        actor: partner.user.user_principal_name.clone(),
        actor_tenant: Some(partner.partner.id),
        partner: Some(partner.partner.id),
        customer: Some(customer),
        relationship: None,
        assignment: None,
        role: None,
        action: "azure-subscription-provisioned".into(),
        target: s.id.to_string(),
        result: "success".into(),
    };
    state
        .store
        .create_subscription(&s, &[owner], &audit)
        .await?;
    Ok(s)
}

/// Whether `user` (of another tenant) gets a Resource Manager token in `tenant`: an Azure role
/// assignment there for it or one of its groups, and a GDAP role too when the deployment asks.
pub async fn token_for(
    state: &AppState,
    user: &User,
    tenant: TenantId,
) -> AppResult<Result<(), ArmTokenRefusal>> {
    let mut principals = vec![*user.id.as_uuid()];
    principals.extend(
        state
            .store
            .groups_of_user(user.tenant, user.id)
            .await?
            .iter()
            .map(|g| *g.id.as_uuid()),
    );
    let azure = state.store.holds_azure_role(tenant, &principals).await?;
    let gdap = state
        .authz
        .has_delegated_access(user.id, tenant, state.now());
    Ok(arm_token(azure, gdap, state.config.azure_requires_gdap))
}

/// The check API's question on Azure: may `user` (home `home`) perform `action` at `scope` of
/// `tenant`, through which assignment, or why not.
pub async fn decision_for_user(
    state: &AppState,
    user: gdap_domain::ids::UserId,
    home: TenantId,
    tenant: TenantId,
    action: &str,
    scope: &str,
) -> AppResult<Result<(String, Assignment), gdap_domain::azure::Denial>> {
    let groups = state.store.groups_of_user(home, user).await?;
    let caller = Caller {
        user: *user.as_uuid(),
        groups: groups.iter().map(|g| *g.id.as_uuid()).collect(),
    };
    let assignments = state.store.role_assignments(tenant).await?;
    Ok(decide(&caller, &assignments, action, scope)
        .map(|g| (g.role.name.to_owned(), g.assignment.clone())))
}
