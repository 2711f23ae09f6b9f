//! `grant_type=refresh_token`: a refresh token redeemed by the application it was issued to, for
//! tokens in the tenant the path names (the user's own, or a customer's where the user has
//! delegated access there, as partner automation does), and a fresh refresh token. The token is
//! spent only when the redemption succeeds, so a refusal in one customer leaves it usable in the
//! next.

use std::collections::HashMap;

use gdap_domain::directory::Tenant;
use gdap_http::extract::ClientIp;
use serde_json::Value;

use gdap_app::signin::{password_stamp, refresh_grant};
use gdap_app::state::AppState;

use super::code::{proven_client, spent_grant};
use super::error::{OAuthError, OAuthResult};
use super::user::{asks, enabled_user, user_token, Extras};
use super::{internal, required};

/// Redeems a refresh token for tokens and its successor.
pub(crate) async fn redeem(
    state: &AppState,
    issuer: &str,
    tenant: Option<Tenant>,
    f: &HashMap<String, String>,
    ClientIp(source): ClientIp,
) -> OAuthResult<Value> {
    let (client_id, app) = proven_client(state, f, source).await?;
    let token = required(f, "refresh_token")?;
    let now = state.now();
    let grant = refresh_grant(state, token, now)
        .await
        .map_err(internal)?
        .ok_or_else(spent_grant)?;
    if grant.client_id != client_id {
        return Err(OAuthError::bad(
            "invalid_grant",
            70000,
            "The provided refresh token was issued to another application.",
        ));
    }
    let user = enabled_user(state, grant.home_tenant, grant.user).await?;
    if password_stamp(&user) != grant.password_stamp {
        return Err(OAuthError::bad(
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
        ));
    }
    let scope = f
        .get("scope")
        .filter(|s| !s.is_empty())
        .unwrap_or(&grant.scope);
    let mut extras = Extras::of(f, None);
    extras.openid = asks(scope, "openid");
    extras.auth_time = Some(grant.auth_time);
    extras.offline = true;
    extras.session = grant.session.clone();
    extras.spends = Some(token.to_owned());
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
