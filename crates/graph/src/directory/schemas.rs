//! The directory's responses, as types: what the handlers render and what the OpenAPI document
//! describes.

use gdap_domain::directory::{Group, Tenant, User};
use gdap_domain::ids::RoleDefinitionId;
use serde::Serialize;
use utoipa::ToSchema;

/// A `user`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserJson {
    /// `#microsoft.graph.user`, among a group's members.
    #[serde(rename = "@odata.type", skip_serializing_if = "Option::is_none")]
    pub odata_type: Option<&'static str>,
    /// Object id.
    pub id: String,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// Whether the user may sign in.
    pub account_enabled: bool,
    /// `ja` or `en`, when chosen.
    pub preferred_language: Option<String>,
}

impl UserJson {
    /// A user as Graph shows it.
    pub fn of(u: &User) -> Self {
        Self {
            odata_type: None,
            id: u.id.to_string(),
            user_principal_name: u.user_principal_name.clone(),
            display_name: u.display_name.clone(),
            account_enabled: u.account_enabled,
            preferred_language: u.preferred_language.clone(),
        }
    }
}

/// A security `group`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupJson {
    /// Object id.
    pub id: String,
    /// Display name, unique in the tenant.
    pub display_name: String,
    /// Always true.
    pub security_enabled: bool,
    /// Always false.
    pub mail_enabled: bool,
}

impl GroupJson {
    /// A group as Graph shows it.
    pub fn of(g: &Group) -> Self {
        Self {
            id: g.id.to_string(),
            display_name: g.display_name.clone(),
            security_enabled: true,
            mail_enabled: false,
        }
    }
}

/// A `unifiedRoleAssignment` of a built-in role to a user, tenant-wide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentJson {
    /// `{roleDefinitionId}_{principalId}`.
    pub id: String,
    /// The built-in role.
    pub role_definition_id: String,
    /// The user.
    pub principal_id: String,
    /// `/`.
    pub directory_scope_id: &'static str,
}

impl RoleAssignmentJson {
    /// A user's role as Graph shows it.
    pub fn of(role: &RoleDefinitionId, user: &User) -> Self {
        Self {
            id: format!("{role}_{}", user.id),
            role_definition_id: role.to_string(),
            principal_id: user.id.to_string(),
            directory_scope_id: "/",
        }
    }
}

/// The tenant as an `organization`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationJson {
    /// The tenant id.
    pub id: String,
    /// The organization's name.
    pub display_name: String,
    /// Its domain.
    pub verified_domains: Vec<VerifiedDomain>,
}

/// A `verifiedDomain`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    /// The domain name.
    pub name: String,
    /// Always true: the tenant has one domain.
    pub is_default: bool,
    /// Always true.
    pub is_initial: bool,
}

impl OrganizationJson {
    /// A tenant as Graph shows its organization.
    pub fn of(t: &Tenant) -> Self {
        Self {
            id: t.id.to_string(),
            display_name: t.display_name.clone(),
            verified_domains: vec![VerifiedDomain {
                name: t.domain.clone(),
                is_default: true,
                is_initial: true,
            }],
        }
    }
}
