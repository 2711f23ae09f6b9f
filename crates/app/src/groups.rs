//! The tenant's security groups, written on behalf of a caller: create, delete, and add or remove a
//! member, each authorized against its Entra action.

use gdap_domain::authz::operations::directory::{CREATE_GROUP, DELETE_GROUP, UPDATE_MEMBERS};
use gdap_domain::directory::{Group, ADMIN_AGENTS, HELPDESK_AGENTS, SALES_AGENTS};
use gdap_domain::ids::{GroupId, TenantId, UserId};
use gdap_store::DirectoryWrite;

use crate::caller::Principal;
use crate::directory::{authorize, authorize_any, change_entry, commit_directory};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The partner's built-in groups: Partner Center creates them, and DAP follows their names.
const RESERVED: &[&str] = &[ADMIN_AGENTS, HELPDESK_AGENTS, SALES_AGENTS];

/// Application permissions that may change groups.
pub const WRITE_APPS: &[&str] = &["Group.ReadWrite.All", "Directory.ReadWrite.All"];

/// A security group of `tenant`, by the id of a path.
pub async fn find_group(app: &AppState, tenant: TenantId, raw: &str) -> AppResult<Group> {
    let id = GroupId::parse(raw).map_err(|e| AppError::Invalid(e.to_string()))?;
    app.store
        .group(tenant, id)
        .await?
        .ok_or_else(|| AppError::not_found("group", raw))
}

/// Adds a security group to the caller's tenant.
#[derive(Debug, Clone)]
pub struct CreateGroup {
    /// 1 to 256 characters, no control characters, not a partner's built-in group's name.
    pub display_name: String,
    /// 1 to 64 ASCII characters.
    pub mail_nickname: String,
    /// Must be true.
    pub security_enabled: Option<bool>,
    /// Must be false.
    pub mail_enabled: Option<bool>,
    /// Must be empty.
    pub group_types: Vec<String>,
}

impl CreateGroup {
    /// Adds the group: the group as stored.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<Group> {
        let display_name = self.display_name.trim().to_owned();
        let nickname = self.mail_nickname;
        if self.group_types.len() > 10 {
            return Err(AppError::Invalid(
                "`groupTypes` has more than 10 items".into(),
            ));
        }
        if self.security_enabled != Some(true)
            || self.mail_enabled == Some(true)
            || !self.group_types.is_empty()
        {
            return Err(AppError::Invalid(
                "gdap's directory holds security groups only: send `securityEnabled: true`, `mailEnabled: false` and no `groupTypes`".into(),
            ));
        }
        if display_name.is_empty()
            || display_name.chars().count() > 256
            || display_name.chars().any(char::is_control)
        {
            return Err(AppError::Invalid(
                "`displayName` must have 1 to 256 characters and no control characters".into(),
            ));
        }
        if nickname.is_empty()
            || nickname.len() > 64
            || !nickname
                .chars()
                .all(|c| c.is_ascii_graphic() && !"@()\\[]\";:<>, ".contains(c))
        {
            return Err(AppError::Invalid(
                "`mailNickname` must have 1 to 64 ASCII characters without spaces or @()\\[]\";:<>,"
                    .into(),
            ));
        }
        if RESERVED
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&display_name))
        {
            return Err(AppError::Invalid(format!(
                "`{display_name}` is the name of a partner's built-in group, which only Partner Center creates"
            )));
        }
        authorize_any(app, caller, CREATE_GROUP, &display_name, WRITE_APPS).await?;
        let group = Group {
            id: GroupId::new_random(),
            tenant: caller.tenant,
            display_name,
            members: Vec::new(),
        };
        let id = group.id.to_string();
        let entry = change_entry(app, caller, "group.create".into(), id.clone());
        let write = DirectoryWrite::AddGroup(group.clone());
        commit_directory(app, caller, write, entry, ("group", &id)).await?;
        Ok(group)
    }
}

/// Deletes a security group of the caller's tenant (not a partner's built-in one).
#[derive(Debug, Clone)]
pub struct DeleteGroup {
    /// The group, by the id of a path.
    pub id: String,
}

impl DeleteGroup {
    /// Deletes the group.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        authorize_any(app, caller, DELETE_GROUP, &self.id, WRITE_APPS).await?;
        let g = find_group(app, caller.tenant, &self.id).await?;
        if RESERVED
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&g.display_name))
        {
            return Err(AppError::Invalid(format!(
                "`{}` is a partner's built-in group and cannot be deleted",
                g.display_name
            )));
        }
        let id = g.id.to_string();
        let entry = change_entry(app, caller, "group.delete".into(), id.clone());
        commit_directory(
            app,
            caller,
            DirectoryWrite::DeleteGroup(g),
            entry,
            ("group", &id),
        )
        .await
    }
}

/// Adds a user of the caller's tenant to one of its groups, or removes it (adding a member or
/// removing a non-member changes nothing).
#[derive(Debug, Clone)]
pub struct ChangeMember {
    /// The group, by the id of a path.
    pub group: String,
    /// The user.
    pub user: UserId,
    /// Add (true) or remove.
    pub add: bool,
}

impl ChangeMember {
    /// Changes the membership.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        let (user, add) = (self.user, self.add);
        authorize(app, caller, UPDATE_MEMBERS, &self.group).await?;
        let g = find_group(app, caller.tenant, &self.group).await?;
        if add && app.store.user(caller.tenant, user).await?.is_none() {
            return Err(AppError::not_found("directoryObject", &user.to_string()));
        }
        let entry = change_entry(
            app,
            caller,
            format!("group.members.{}", if add { "add" } else { "remove" }),
            format!("{} {user}", g.id),
        );
        let id = g.id.to_string();
        let write = DirectoryWrite::Membership {
            group: g,
            user,
            add,
        };
        commit_directory(app, caller, write, entry, ("group", &id)).await
    }
}
