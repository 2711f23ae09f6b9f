//! The tenant's users, written on behalf of a caller: create, update (a password reset through a
//! new password) and delete, each authorized against its Entra action and, for the sensitive ones,
//! Entra's privilege rules on the user acted on.

use gdap_domain::authz::operations::directory::{
    CREATE_USER, DELETE_USER, DISABLE_USER, ENABLE_USER, RESET_PASSWORD, REVOKE_SIGN_IN_SESSIONS,
    UPDATE_USER_BASICS,
};
use gdap_domain::directory::User;
use gdap_domain::ids::{TenantId, UserId};
use gdap_store::DirectoryWrite;

use crate::caller::Principal;
use crate::directory::{authorize, authorize_on, change_entry, commit_directory};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A user of `tenant`, by object id or principal name.
pub async fn find_user(app: &AppState, tenant: TenantId, raw: &str) -> AppResult<User> {
    let found = match UserId::parse(raw) {
        Ok(id) => app.store.user(tenant, id).await?,
        Err(_) => app
            .store
            .user_by_upn(raw)
            .await?
            .filter(|u| u.tenant == tenant),
    };
    found.ok_or_else(|| AppError::not_found("user", raw))
}

/// Adds a user to the caller's tenant.
#[derive(Debug, Clone)]
pub struct CreateUser {
    /// 1 to 256 characters.
    pub display_name: String,
    /// `name@` the tenant's domain.
    pub user_principal_name: String,
    /// Whether the user may sign in (default true).
    pub account_enabled: Option<bool>,
    /// The first password: 8 to 256 characters.
    pub password: String,
}

impl CreateUser {
    /// Adds the user: the user as stored.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<User> {
        let display_name = self.display_name;
        let upn = self.user_principal_name.trim().to_lowercase();
        let enabled = self.account_enabled.unwrap_or(true);
        let password = self.password;
        authorize(app, caller, CREATE_USER, &upn).await?;
        let tenant = app
            .tenant(caller.tenant)
            .await?
            .ok_or_else(|| AppError::not_found("organization", &caller.tenant.to_string()))?;
        let (local, domain) = upn.split_once('@').unwrap_or(("", ""));
        if local.is_empty()
            || domain != tenant.domain
            || upn.len() > 113
            || !local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-'".contains(c))
        {
            return Err(AppError::Invalid(format!(
                "`userPrincipalName` must be `name@{}`",
                tenant.domain
            )));
        }
        let display_name = display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 256 {
            return Err(AppError::Invalid(
                "`displayName` must have 1 to 256 characters".into(),
            ));
        }
        if password.chars().count() < 8 || password.len() > 256 {
            return Err(AppError::Invalid(
                "`passwordProfile.password` must have 8 to 256 characters".into(),
            ));
        }
        let hash = app.hasher.hash(&password).await?;
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
        let entry = change_entry(app, caller, "user.create".into(), user.id.to_string());
        let id = user.id.to_string();
        commit_directory(
            app,
            caller,
            DirectoryWrite::AddUser(user.clone()),
            entry,
            ("user", &id),
        )
        .await?;
        Ok(user)
    }
}

/// Changes a user of the caller's tenant: each property needs its own action, all must be allowed.
#[derive(Debug, Clone)]
pub struct UpdateUser {
    /// The user, by object id or principal name.
    pub id: String,
    /// A new display name.
    pub display_name: Option<String>,
    /// Enable or disable the account.
    pub account_enabled: Option<bool>,
    /// A password reset.
    pub password: Option<String>,
}

impl UpdateUser {
    /// Changes the user.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        let display_name = self.display_name;
        let enabled = self.account_enabled;
        let password = match self.password {
            None => None,
            Some(pw) => {
                if pw.chars().count() < 8 || pw.len() > 256 {
                    return Err(AppError::Invalid(
                        "`passwordProfile.password` must have 8 to 256 characters".into(),
                    ));
                }
                Some(pw)
            }
        };
        let mut user = find_user(app, caller.tenant, &self.id).await?;
        let target = user.id.to_string();
        if let Some(n) = &display_name {
            let n = n.trim();
            if n.is_empty() || n.chars().count() > 256 {
                return Err(AppError::Invalid(
                    "`displayName` must have 1 to 256 characters".into(),
                ));
            }
            authorize(app, caller, UPDATE_USER_BASICS, &target).await?;
            user.display_name = n.to_owned();
        }
        if let Some(e) = enabled {
            let action = if e { ENABLE_USER } else { DISABLE_USER };
            authorize_on(app, caller, action, &user).await?;
            user.account_enabled = e;
        }
        if let Some(pw) = password {
            authorize_on(app, caller, RESET_PASSWORD, &user).await?;
            user.password_hash = Some(app.hasher.hash(&pw).await?);
        }
        let entry = change_entry(app, caller, "user.update".into(), target.clone());
        let write = DirectoryWrite::UpdateUser(user);
        commit_directory(app, caller, write, entry, ("user", &target)).await
    }
}

/// Deletes a user of the caller's tenant.
#[derive(Debug, Clone)]
pub struct DeleteUser {
    /// The user, by object id or principal name.
    pub id: String,
}

impl DeleteUser {
    /// Deletes the user.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        // A caller that may not delete anyone learns nothing of who exists; one that may is judged on
        // the user found (whose roles may protect it).
        let user = match find_user(app, caller.tenant, &self.id).await {
            Ok(u) => u,
            Err(e) => {
                authorize(app, caller, DELETE_USER, &self.id).await?;
                return Err(e);
            }
        };
        authorize_on(app, caller, DELETE_USER, &user).await?;
        let id = user.id.to_string();
        let entry = change_entry(app, caller, "user.delete".into(), id.clone());
        let write = DirectoryWrite::DeleteUser(user);
        commit_directory(app, caller, write, entry, ("user", &id)).await
    }
}

/// Revokes a user's sign-in sessions: its refresh tokens and browser sessions end at once (access
/// tokens already issued run to their expiry, as in Entra).
#[derive(Debug, Clone)]
pub struct RevokeSignInSessions {
    /// The user, by object id or principal name.
    pub id: String,
}

impl RevokeSignInSessions {
    /// Revokes them.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        let user = match find_user(app, caller.tenant, &self.id).await {
            Ok(u) => u,
            Err(e) => {
                authorize(app, caller, REVOKE_SIGN_IN_SESSIONS, &self.id).await?;
                return Err(e);
            }
        };
        authorize_on(app, caller, REVOKE_SIGN_IN_SESSIONS, &user).await?;
        crate::signin::revoke_refresh(app, user.id, None).await?;
        app.store.delete_sessions_of(user.id).await?;
        let entry = change_entry(
            app,
            caller,
            "user.revokeSignInSessions".into(),
            user.id.to_string(),
        );
        app.commit(
            gdap_store::Changes {
                audit: vec![entry],
                ..gdap_store::Changes::default()
            },
            &caller.actor,
        )
        .await?;
        Ok(())
    }
}
