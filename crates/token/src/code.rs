//! `grant_type=authorization_code`: a code from gdap's sign-in page redeemed once, by the
//! application it was issued to, at the redirect URI it was issued for, with the PKCE verifier of
//! the challenge made at sign-in and, for a confidential client, its secret.

use std::collections::HashMap;

use gdap_domain::directory::{Application, Tenant};
use gdap_domain::ids::ClientId;
use gdap_domain::oauth::pkce_matches;
use gdap_http::extract::ClientIp;
use serde_json::Value;

use gdap_app::state::AppState;

use super::error::{OAuthError, OAuthResult};
use super::user::{asks, enabled_user, user_token, Extras};
use super::{internal, required, user_client, verify_secret};

/// Entra's answer to a code or refresh token that is unknown, expired or already redeemed.
pub(crate) fn spent_grant() -> OAuthError {
    OAuthError::bad(
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    )
}

/// Redeems an authorization code for tokens.
pub(crate) async fn redeem(
    state: &AppState,
    issuer: &str,
    tenant: Option<Tenant>,
    f: &HashMap<String, String>,
    ClientIp(source): ClientIp,
) -> OAuthResult<Value> {
    let (client_id, app) = proven_client(state, f, source).await?;
    let code = required(f, "code")?;
    let redirect_uri = required(f, "redirect_uri")?;
    let now = state.now();
    let grant = gdap_app::signin::redeem_code(state, code, now)
        .await
        .map_err(internal)?
        .ok_or_else(spent_grant)?;
    if grant.client_id != client_id {
        return Err(OAuthError::bad(
            "invalid_grant",
            70000,
            "The provided authorization code was issued to another application.",
        ));
    }
    if tenant.as_ref().is_some_and(|t| t.id != grant.tenant) {
        return Err(OAuthError::bad(
            "invalid_grant",
            70000,
            "The provided authorization code was issued for another tenant.",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(OAuthError::bad(
            "invalid_grant",
            500112,
            format!(
                "The reply address '{}' does not match the reply address '{}' provided when requesting Authorization code.",
                redirect_uri.chars().take(200).collect::<String>(),
                grant.redirect_uri
            ),
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = f
            .get("code_verifier")
            .map(String::as_str)
            .unwrap_or_default();
        if !pkce_matches(verifier, challenge) {
            return Err(OAuthError::bad(
                "invalid_grant",
                50148,
                "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
            ));
        }
    }
    let user = enabled_user(state, grant.home_tenant, grant.user).await?;
    let tenant = state.tenant(grant.tenant).await.map_err(internal)?;
    let scope = f
        .get("scope")
        .filter(|s| !s.is_empty())
        .unwrap_or(&grant.scope);
    let mut extras = Extras::of(f, grant.nonce.clone());
    extras.openid |= asks(&grant.scope, "openid");
    extras.auth_time = Some(grant.auth_time);
    extras.offline |= asks(&grant.scope, "offline_access");
    extras.session = grant.session.clone();
    extras.mfa = grant.mfa;
    user_token(
        state,
        issuer,
        tenant,
        &user,
        client_id,
        app.as_ref(),
        scope,
        &extras,
    )
    .await
}

/// The application a user's grant is redeemed through, having proved itself: a confidential
/// client with its secret, before any grant is spent; public clients (and the first-party ones)
/// have nothing to prove.
pub(crate) async fn proven_client(
    state: &AppState,
    f: &HashMap<String, String>,
    source: std::net::IpAddr,
) -> OAuthResult<(ClientId, Option<Application>)> {
    let (client_id, app) = user_client(state, f).await?;
    let Some(a) = app.as_ref().filter(|a| !a.public_client) else {
        return Ok((client_id, app));
    };
    let secret = f
        .get("client_secret")
        .map(String::as_str)
        .unwrap_or_default();
    if secret.is_empty() {
        return Err(OAuthError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
    }
    verify_secret(state, a, secret, source).await?;
    Ok((client_id, app))
}
