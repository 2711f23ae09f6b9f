//! The request bodies of the directory API, as types.

use gdap_http::body::GraphBody;
use serde::Deserialize;
use utoipa::ToSchema;

/// `passwordProfile`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordProfileBody {
    /// The new password: 8 to 256 characters.
    pub password: String,
    /// Accepted and ignored: gdap does not force a change at the next sign-in.
    pub force_change_password_next_sign_in: Option<bool>,
}

/// The body of `POST /users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"displayName": "New Hire", "userPrincipalName": "new.hire@fabrikam.onmicrosoft.com", "accountEnabled": true, "passwordProfile": {"password": "Welcome-2027!"}}))]
pub struct NewUserBody {
    /// 1 to 256 characters.
    pub display_name: String,
    /// `name@` the tenant's domain.
    pub user_principal_name: String,
    /// Whether the user may sign in (default true).
    pub account_enabled: Option<bool>,
    /// Accepted and ignored.
    pub mail_nickname: Option<String>,
    /// Accepted and ignored.
    pub preferred_language: Option<String>,
    /// The first password.
    pub password_profile: PasswordProfileBody,
}

impl GraphBody for NewUserBody {
    const TYPE: &'static str = "user";
    const READ_ONLY: &'static [&'static str] = &["id"];
}

/// The body of `PATCH /users/{id}`: each property needs its own action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"displayName": "Fabrikam Staff"}))]
pub struct UserPatchBody {
    /// A new display name.
    pub display_name: Option<String>,
    /// Enable or disable the account.
    pub account_enabled: Option<bool>,
    /// A password reset.
    pub password_profile: Option<PasswordProfileBody>,
}

impl GraphBody for UserPatchBody {
    const TYPE: &'static str = "user";
    const READ_ONLY: &'static [&'static str] = &["id", "userPrincipalName"];
}

/// The body of `POST /groups`: a security group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"displayName": "Front desk", "mailNickname": "frontdesk", "securityEnabled": true, "mailEnabled": false}))]
pub struct NewGroupBody {
    /// 1 to 256 characters, unique in the tenant.
    pub display_name: String,
    /// Required by Graph; not used.
    pub mail_nickname: String,
    /// Must be true.
    pub security_enabled: Option<bool>,
    /// Must be false.
    pub mail_enabled: Option<bool>,
    /// Must be empty.
    #[schema(max_items = 10)]
    pub group_types: Option<Vec<String>>,
}

impl GraphBody for NewGroupBody {
    const TYPE: &'static str = "group";
    const READ_ONLY: &'static [&'static str] = &["id"];
}

/// The body of `POST /groups/{id}/members/$ref`: a reference to a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/6c8a2b1f-1e8d-4b2f-8b62-3a7d8b1e2002"}))]
pub struct MemberRefBody {
    /// `…/directoryObjects/{userId}`.
    #[serde(rename = "@odata.id")]
    pub odata_id: String,
}

impl GraphBody for MemberRefBody {
    const TYPE: &'static str = "directoryObject";
    const ANNOTATIONS: &'static [&'static str] = &["@odata.id"];
}

/// The body of `POST /roleManagement/directory/roleAssignments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8", "principalId": "6c8a2b1f-1e8d-4b2f-8b62-3a7d8b1e2002", "directoryScopeId": "/"}))]
pub struct NewRoleAssignmentBody {
    /// A built-in role's id.
    pub role_definition_id: String,
    /// A user of the tenant.
    pub principal_id: String,
    /// `/` (the tenant) only.
    pub directory_scope_id: Option<String>,
}

impl GraphBody for NewRoleAssignmentBody {
    const TYPE: &'static str = "unifiedRoleAssignment";
    const READ_ONLY: &'static [&'static str] = &["id"];
}
