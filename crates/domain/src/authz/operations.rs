//! The operations gdap's tenant APIs serve and the Entra resource actions that allow each (any
//! one of an operation's actions suffices), beside the decision code that reads them. The tables
//! are what the compatibility document shows; the index numbers every action in them from the
//! start.

/// Resource actions of the tenant directory (`/users`, `/groups`, `/organization` …).
pub mod directory {
    /// Reading users.
    pub const READ_USERS: &str = "microsoft.directory/users/standard/read";
    /// Renaming a user.
    pub const UPDATE_USER_BASICS: &str = "microsoft.directory/users/basic/update";
    /// Resetting a user's password.
    pub const RESET_PASSWORD: &str = "microsoft.directory/users/password/update";
    /// Disabling a user.
    pub const DISABLE_USER: &str = "microsoft.directory/users/disable";
    /// Enabling a user.
    pub const ENABLE_USER: &str = "microsoft.directory/users/enable";
    /// Creating a user.
    pub const CREATE_USER: &str = "microsoft.directory/users/create";
    /// Deleting a user.
    pub const DELETE_USER: &str = "microsoft.directory/users/delete";
    /// Reading the organization.
    pub const READ_ORGANIZATION: &str = "microsoft.directory/organization/standard/read";
    /// Reading groups.
    pub const READ_GROUPS: &str = "microsoft.directory/groups/standard/read";
    /// Reading a group's members.
    pub const READ_MEMBERS: &str = "microsoft.directory/groups/members/read";
    /// Adding or removing a group's members.
    pub const UPDATE_MEMBERS: &str = "microsoft.directory/groups/members/update";
    /// What allows creating a security group.
    pub const CREATE_GROUP: &[&str] = &[
        "microsoft.directory/groups/create",
        "microsoft.directory/groups.security/create",
    ];
    /// What allows deleting a security group.
    pub const DELETE_GROUP: &[&str] = &[
        "microsoft.directory/groups/delete",
        "microsoft.directory/groups.security/delete",
    ];
    /// Reading the tenant's licenses.
    pub const READ_SUBSCRIBED_SKUS: &str = "microsoft.directory/subscribedSkus/standard/read";
    /// Reading role assignments.
    pub const READ_ROLE_ASSIGNMENTS: &str = "microsoft.directory/roleAssignments/standard/read";
    /// Assigning a role.
    pub const CREATE_ROLE_ASSIGNMENT: &str = "microsoft.directory/roleAssignments/create";
    /// Removing a role assignment.
    pub const DELETE_ROLE_ASSIGNMENT: &str = "microsoft.directory/roleAssignments/delete";
    /// Revoking a user's refresh tokens and sessions.
    pub const REVOKE_SIGN_IN_SESSIONS: &str =
        "microsoft.directory/users/invalidateAllRefreshTokens";
    /// Reading application registrations.
    pub const READ_APPLICATIONS: &str = "microsoft.directory/applications/standard/read";
    /// Registering an application.
    pub const CREATE_APPLICATION: &str = "microsoft.directory/applications/create";
    /// Deleting an application registration.
    pub const DELETE_APPLICATION: &str = "microsoft.directory/applications/delete";
    /// Renaming an application.
    pub const UPDATE_APPLICATION_BASICS: &str = "microsoft.directory/applications/basic/update";
    /// Changing an application's redirect URIs and whether it is a public client.
    pub const UPDATE_APPLICATION_AUTHENTICATION: &str =
        "microsoft.directory/applications/authentication/update";
    /// Adding or removing an application's secrets.
    pub const UPDATE_APPLICATION_CREDENTIALS: &str =
        "microsoft.directory/applications/credentials/update";

    /// What every member of a tenant may do in its own tenant without a role (Entra's default
    /// user permissions): read the directory's users, groups and members, and the organization.
    pub const MEMBER_DEFAULTS: &[&str] =
        &[READ_USERS, READ_ORGANIZATION, READ_GROUPS, READ_MEMBERS];

    /// Every directory operation and the actions that allow it.
    pub const OPERATIONS: &[(&str, &[&str])] = &[
        ("GET /users", &[READ_USERS]),
        ("GET /users/{id}", &[READ_USERS]),
        ("PATCH /users/{id} displayName", &[UPDATE_USER_BASICS]),
        ("PATCH /users/{id} passwordProfile", &[RESET_PASSWORD]),
        ("PATCH /users/{id} accountEnabled=false", &[DISABLE_USER]),
        ("PATCH /users/{id} accountEnabled=true", &[ENABLE_USER]),
        ("GET /organization", &[READ_ORGANIZATION]),
        ("POST /users", &[CREATE_USER]),
        ("DELETE /users/{id}", &[DELETE_USER]),
        ("GET /groups", &[READ_GROUPS]),
        ("GET /groups/{id}/members", &[READ_MEMBERS]),
        (
            "POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{userId}/$ref",
            &[UPDATE_MEMBERS],
        ),
        ("POST /groups (a security group)", CREATE_GROUP),
        ("DELETE /groups/{id}", DELETE_GROUP),
        ("GET /subscribedSkus[/{id}]", &[READ_SUBSCRIBED_SKUS]),
        (
            "GET /roleManagement/directory/roleAssignments[/{id}]",
            &[READ_ROLE_ASSIGNMENTS],
        ),
        (
            "POST /roleManagement/directory/roleAssignments",
            &[CREATE_ROLE_ASSIGNMENT],
        ),
        (
            "DELETE /roleManagement/directory/roleAssignments/{id}",
            &[DELETE_ROLE_ASSIGNMENT],
        ),
        (
            "POST /users/{id}/revokeSignInSessions",
            &[REVOKE_SIGN_IN_SESSIONS],
        ),
        ("GET /applications[/{id}]", &[READ_APPLICATIONS]),
        ("POST /applications", &[CREATE_APPLICATION]),
        (
            "PATCH /applications/{id} displayName",
            &[UPDATE_APPLICATION_BASICS],
        ),
        (
            "PATCH /applications/{id} publicClient, web, spa, isFallbackPublicClient",
            &[UPDATE_APPLICATION_AUTHENTICATION],
        ),
        (
            "POST /applications/{id}/addPassword, removePassword",
            &[UPDATE_APPLICATION_CREDENTIALS],
        ),
        ("DELETE /applications/{id}", &[DELETE_APPLICATION]),
    ];
}

/// Resource actions of the customer's billing area (`/admincenter/v1/billing`).
pub mod billing {
    /// Reading the offers one may buy.
    pub const READ_OFFERS: &str = "microsoft.commerce.billing/purchases/standard/read";
    /// Buying.
    pub const PURCHASE: &str = "microsoft.commerce.billing/purchases/create";
    /// Reading the products (subscriptions).
    pub const READ_PRODUCTS: &str = "microsoft.commerce.billing/subscriptions/standard/read";
    /// Reading invoices.
    pub const READ_INVOICES: &str = "microsoft.commerce.billing/invoices/standard/read";
    /// Reading licenses.
    pub const READ_LICENSES: &str = "microsoft.commerce.billing/licenses/standard/read";
    /// Reading the billing notification settings.
    pub const READ_NOTIFICATIONS: &str =
        "microsoft.commerce.billing/billingNotifications/standard/read";
    /// Changing the billing notification settings.
    pub const UPDATE_NOTIFICATIONS: &str =
        "microsoft.commerce.billing/billingNotifications/standard/update";

    /// Every billing operation and the action that allows it. Applications may do none of them.
    pub const OPERATIONS: &[(&str, &[&str])] = &[
        ("GET /billing/offers", &[READ_OFFERS]),
        ("POST /billing/purchases", &[PURCHASE]),
        ("GET /billing/products", &[READ_PRODUCTS]),
        ("GET /billing/invoices", &[READ_INVOICES]),
        ("GET /billing/licenses", &[READ_LICENSES]),
        ("GET /billing/notifications", &[READ_NOTIFICATIONS]),
        ("PATCH /billing/notifications", &[UPDATE_NOTIFICATIONS]),
    ];
}

/// Every action the tenant APIs check, for the index to number from the start.
pub fn checked_actions() -> impl Iterator<Item = &'static str> {
    directory::OPERATIONS
        .iter()
        .chain(billing::OPERATIONS)
        .flat_map(|(_, actions)| actions.iter().copied())
}
