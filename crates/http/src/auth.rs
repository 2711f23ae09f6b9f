//! The caller of a request, from its bearer token: the extractors of each face.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use gdap_app::caller::{Authorized, Capability, Principal, ADMIN_AUDIENCES, GRAPH_AUDIENCES};
use gdap_app::state::AppState;

use crate::error::{ApiError, ApiResult};

fn bearer(parts: &Parts) -> ApiResult<&str> {
    let h = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("Access token is empty.".into()))?;
    let v = h.to_str().map_err(|_| {
        ApiError::Unauthenticated("Access token validation failure. Invalid audience.".into())
    })?;
    let (scheme, token) = v.split_once(' ').unwrap_or((v, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated(
            "the Authorization header must be `Bearer <access token>`".into(),
        ));
    }
    Ok(token.trim())
}

/// A caller of the Graph API (audience `https://graph.microsoft.com`).
#[derive(Debug, Clone)]
pub struct GraphCaller(pub Principal);

impl FromRequestParts<AppState> for GraphCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let principal = Principal::from_token(state, token, GRAPH_AUDIENCES)?;
        // Graph counts each application's and each tenant's requests, once they are known.
        state
            .rate
            .check(&principal.claims.azp, &principal.tenant.to_string())
            .map_err(|wait| ApiError::TooManyRequests(gdap_app::rate::retry_after_seconds(wait)))?;
        Ok(Self(principal))
    }
}

/// A Graph caller authorized for capability `C` of the partner-side GDAP API (see
/// [`Authorized`]): a handler that takes one cannot forget to authorize.
#[derive(Debug, Clone)]
pub struct Authorize<C>(pub Authorized<C>);

impl<C: Capability> FromRequestParts<AppState> for Authorize<C> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let GraphCaller(principal) = GraphCaller::from_request_parts(parts, state).await?;
        Ok(Self(Authorized::of(state, &principal).await?))
    }
}

/// A caller of the admin-center API (audience `https://admin.microsoft.com` or Graph).
#[derive(Debug, Clone)]
pub struct AdminCaller(pub Principal);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        Ok(Self(Principal::from_token(state, token, ADMIN_AUDIENCES)?))
    }
}
