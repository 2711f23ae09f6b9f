//! Directory roles of the tenant's users, written on behalf of a caller: give a user a built-in
//! role tenant-wide, or take it back, each authorized against its Entra action and recorded with
//! the role.

use gdap_domain::audit::AuditEntry;
use gdap_domain::authz::operations::directory::{CREATE_ROLE_ASSIGNMENT, DELETE_ROLE_ASSIGNMENT};
use gdap_domain::directory::User;
use gdap_domain::ids::{RoleDefinitionId, UserId};
use gdap_domain::roles::Catalogue;
use gdap_store::DirectoryWrite;

use crate::caller::Principal;
use crate::directory::{authorize, change_entry, commit_directory};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::find_user;

/// Gives or takes a role and records it with the user's update.
async fn change_role(
    app: &AppState,
    caller: &Principal,
    mut user: User,
    role: RoleDefinitionId,
    add: bool,
) -> AppResult<User> {
    if add {
        user.roles.push(role);
    } else {
        user.roles.retain(|r| *r != role);
    }
    let entry = AuditEntry {
        role: Some(role),
        ..change_entry(
            app,
            caller,
            format!("roleAssignment.{}", if add { "create" } else { "delete" }),
            user.id.to_string(),
        )
    };
    let id = user.id.to_string();
    let write = DirectoryWrite::UpdateUser(user.clone());
    commit_directory(app, caller, write, entry, ("user", &id)).await?;
    Ok(user)
}

/// Gives a user of the caller's tenant a built-in role, tenant-wide.
#[derive(Debug, Clone)]
pub struct AssignRole {
    /// The built-in role's id.
    pub role: String,
    /// The user, by object id or principal name.
    pub principal: String,
    /// `/` only.
    pub scope: String,
}

impl AssignRole {
    /// Gives the role: the role and the user as stored.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Principal,
    ) -> AppResult<(RoleDefinitionId, User)> {
        if self.scope != "/" {
            return Err(AppError::Invalid(
                "only the tenant-wide scope `directoryScopeId: \"/\"` is supported".into(),
            ));
        }
        let role =
            RoleDefinitionId::parse(&self.role).map_err(|e| AppError::Invalid(e.to_string()))?;
        if Catalogue::builtin().get(&role).is_none() {
            return Err(AppError::Invalid(format!(
                "`{role}` is not a built-in role"
            )));
        }
        authorize(app, caller, CREATE_ROLE_ASSIGNMENT, &self.principal).await?;
        let user = find_user(app, caller.tenant, &self.principal).await?;
        if user.roles.contains(&role) {
            return Err(AppError::Conflict(
                "the principal already holds this role".into(),
            ));
        }
        let user = change_role(app, caller, user, role, true).await?;
        Ok((role, user))
    }
}

/// Takes a built-in role back from a user of the caller's tenant.
#[derive(Debug, Clone)]
pub struct UnassignRole {
    /// The role.
    pub role: RoleDefinitionId,
    /// The user.
    pub user: UserId,
    /// The assignment's id as the caller named it (`{roleDefinitionId}_{principalId}`).
    pub id: String,
}

impl UnassignRole {
    /// Takes the role back.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        authorize(app, caller, DELETE_ROLE_ASSIGNMENT, &self.id).await?;
        let user = app
            .store
            .user(caller.tenant, self.user)
            .await?
            .filter(|u| u.roles.contains(&self.role))
            .ok_or_else(|| AppError::not_found("unifiedRoleAssignment", &self.id))?;
        change_role(app, caller, user, self.role, false).await?;
        Ok(())
    }
}
