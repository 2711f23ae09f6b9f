//! The tenant directory API (Graph-compatible, per tenant of the token): users, security groups
//! and their members, the organization, its licenses and its own role assignments. Every call is
//! authorized against the Entra resource action it needs (`gdap_domain::authz::operations`): a user acts by its own
//! roles, a partner's user by its GDAP or DAP grants in the customer (the authorization index), and
//! each delegated call is recorded in the audit record with the path that allowed it.

pub mod applications;
pub mod autopilot;
pub mod bodies;
pub mod error;
pub mod groups;
pub mod organization;
pub mod roles;
pub mod schemas;
pub mod users;

use axum::routing::{delete, get, post};
use axum::Router;

use gdap_app::state::AppState;

use gdap_app::directory::{authorize, authorize_any};

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
        .route(
            "/applications",
            get(applications::list_applications).post(applications::create_application),
        )
        .route(
            "/applications/{id}",
            get(applications::get_application)
                .patch(applications::update_application)
                .delete(applications::delete_application),
        )
        .route(
            "/applications/{id}/addpassword",
            post(applications::add_password),
        )
        .route(
            "/users/{id}/revokesigninsessions",
            post(users::revoke_sign_in_sessions),
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
        .route(
            "/devicemanagement/importedwindowsautopilotdeviceidentities",
            post(autopilot::import_device),
        )
        .route(
            "/devicemanagement/windowsautopilotdeviceidentities",
            get(autopilot::list_devices),
        )
        .route("/groups/{id}/members", get(groups::list_members))
        .route("/groups/{id}/members/$ref", post(groups::add_member))
        .route(
            "/groups/{id}/members/{member}/$ref",
            delete(groups::remove_member),
        )
}
