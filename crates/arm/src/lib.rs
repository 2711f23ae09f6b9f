//! The Azure Resource Manager face (`management.azure.com`'s paths): the subscriptions CSP
//! partners provision for their customers, their role assignments and resource groups, and
//! `elevateAccess`. Every request needs `api-version`, a user's token for Resource Manager's
//! audience, and is decided by Azure's role-based access control; refusals come in Resource
//! Manager's envelope (`{"error": {"code", "message"}}`) with its codes.

mod error;
mod handlers;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use gdap_app::azure::{ArmCaller, ARM_AUDIENCE};
use gdap_app::caller::Principal;
use gdap_app::state::AppState;

pub use error::{ArmError, ArmResult};

/// Routes at Resource Manager's paths (resource-group segments in either case ARM clients use).
pub fn routes() -> Router<AppState> {
    let ra = "/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments";
    let mut r = Router::new()
        .route("/subscriptions", get(handlers::list_subscriptions))
        .route("/subscriptions/{sub}", get(handlers::get_subscription))
        .route(ra, get(handlers::list_role_assignments))
        .route(
            &format!("{ra}/{{name}}"),
            get(handlers::get_role_assignment)
                .put(handlers::put_role_assignment)
                .delete(handlers::delete_role_assignment),
        )
        .route(
            "/providers/Microsoft.Authorization/elevateAccess",
            post(handlers::elevate_access),
        );
    for rg in ["resourcegroups", "resourceGroups"] {
        r = r
            .route(
                &format!("/subscriptions/{{sub}}/{rg}"),
                get(handlers::list_resource_groups),
            )
            .route(
                &format!("/subscriptions/{{sub}}/{rg}/{{name}}"),
                get(handlers::get_resource_group).put(handlers::put_resource_group),
            );
    }
    r
}

/// A Resource Manager caller, with `api-version` given.
pub struct Arm(pub ArmCaller);

impl FromRequestParts<AppState> for Arm {
    type Rejection = ArmError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ArmResult<Self> {
        let has_version = parts.uri.query().is_some_and(|q| {
            q.split('&').any(|kv| {
                kv.split_once('=')
                    .is_some_and(|(k, v)| k == "api-version" && !v.is_empty())
            })
        });
        if !has_version {
            return Err(ArmError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ));
        }
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
            .map(|(_, t)| t.trim())
            .ok_or_else(|| {
                ArmError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                )
            })?;
        let principal = Principal::from_token(state, token, &[ARM_AUDIENCE]).map_err(|e| {
            ArmError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                format!("The access token is invalid: {e}"),
            )
        })?;
        Ok(Self(ArmCaller::of(state, &principal).await?))
    }
}
