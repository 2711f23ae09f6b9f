//! The device authorization grant: `POST /{tenant}/oauth2/v2.0/devicecode` hands a device its
//! codes, the user answers on `/devicelogin`, and the device polls the token endpoint with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code`, answered as Entra answers it:
//! `authorization_pending`, `authorization_declined`, `expired_token`, `bad_verification_code`,
//! and tokens once.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::device::{self, Poll};
use gdap_app::state::AppState;
use gdap_domain::directory::Tenant;
use gdap_domain::oauth::{DeviceAnswer, DeviceGrant, DEVICE_INTERVAL_SECS, DEVICE_LIFETIME};
use gdap_http::extract::{origin, ClientIp};
use serde_json::{json, Value};

use super::code::proven_client;
use super::error::{OAuthError, OAuthResult};
use super::schemas::{DeviceCodeForm, DeviceCodeResponse, OAuthRefusals};
use super::user::{asks, enabled_user, user_token, Extras};
use super::{form, internal, read_body, required, resolve_tenant, user_client};

/// The grant type a device polls with.
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
#[utoipa::path(post, path = "/{tenant}/oauth2/v2.0/devicecode", tag = "token",
    params(("tenant" = String, Path, description = "Tenant id, domain, `organizations` or `common`")),
    request_body(content = DeviceCodeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = DeviceCodeResponse), OAuthRefusals))]
pub async fn device_code(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let base = origin(&state, &parts);
    let answer = match read_body(body).await {
        Ok(b) => start(&state, &base, &tenant, &b).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn start(
    state: &AppState,
    base: &str,
    tenant: &str,
    body: &axum::body::Bytes,
) -> OAuthResult<Value> {
    let f = form(body)?;
    let tenant = resolve_tenant(state, tenant).await?;
    let (client_id, _) = user_client(state, &f).await?;
    let scope = required(&f, "scope")?;
    let now = state.now();
    let grant = DeviceGrant {
        client_id,
        tenant: tenant.map(|t| t.id),
        scope: scope.chars().take(2000).collect(),
        expires_at: now + DEVICE_LIFETIME,
        answer: DeviceAnswer::Pending,
    };
    let codes = device::start(state, &grant, now)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            OAuthError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                90033,
                "Too many device sign-ins are waiting. Try again in a few minutes.",
            )
        })?;
    let uri = format!("{base}/devicelogin");
    let japanese = f
        .get("mkt")
        .is_some_and(|m| m.to_ascii_lowercase().starts_with("ja"));
    let message = if japanese {
        format!(
            "サインインするには、Web ブラウザーでページ {uri} を開き、コード {} を入力して認証してください。",
            codes.user_code
        )
    } else {
        format!(
            "To sign in, use a web browser to open the page {uri} and enter the code {} to authenticate.",
            codes.user_code
        )
    };
    Ok(json!({
        "user_code": codes.user_code,
        "device_code": codes.device_code,
        "verification_uri": uri,
        "expires_in": DEVICE_LIFETIME.whole_seconds(),
        "interval": DEVICE_INTERVAL_SECS,
        "message": message,
    }))
}

/// Answers a device's poll: tokens once the user approved, Entra's waiting answers before.
pub(crate) async fn redeem(
    state: &AppState,
    issuer: &str,
    tenant: Option<Tenant>,
    f: &HashMap<String, String>,
    ClientIp(source): ClientIp,
) -> OAuthResult<Value> {
    let (client_id, app) = proven_client(state, f, source).await?;
    let code = required(f, "device_code")?;
    let now = state.now();
    let grant = match device::poll(state, client_id, code, now)
        .await
        .map_err(internal)?
    {
        Poll::Unknown => {
            return Err(OAuthError::bad(
                "bad_verification_code",
                70018,
                "The device code sent was not recognized.",
            ))
        }
        Poll::Pending => {
            return Err(OAuthError::bad(
                "authorization_pending",
                70016,
                "The provided request has not yet been authorized by the user. The user must input their code.",
            ))
        }
        Poll::Expired => {
            return Err(OAuthError::bad(
                "expired_token",
                70019,
                "Verification code expired. Have the user retry the sign-in.",
            ))
        }
        Poll::Declined => {
            return Err(OAuthError::bad(
                "authorization_declined",
                70000,
                "The user declined the sign-in request.",
            ))
        }
        Poll::Redeemed => {
            return Err(OAuthError::bad(
                "invalid_grant",
                70000,
                "The provided device code was already redeemed.",
            ))
        }
        Poll::OtherClient => {
            return Err(OAuthError::bad(
                "invalid_grant",
                70000,
                "The provided device code was issued to another application.",
            ))
        }
        Poll::Approved(g) => g,
    };
    let DeviceAnswer::Approved {
        user,
        home_tenant,
        auth_time,
        session,
        mfa,
    } = grant.answer
    else {
        return Err(internal("an approved device code without its user"));
    };
    if let (Some(asked), Some(polled)) = (grant.tenant, tenant.as_ref()) {
        if asked != polled.id {
            return Err(OAuthError::bad(
                "invalid_grant",
                70000,
                "The provided device code was issued for another tenant.",
            ));
        }
    }
    let tenant = match grant.tenant {
        Some(t) => state.tenant(t).await.map_err(internal)?,
        None => tenant,
    };
    let user = enabled_user(state, home_tenant, user).await?;
    let mut extras = Extras::of(f, None);
    extras.openid = asks(&grant.scope, "openid");
    extras.offline = asks(&grant.scope, "offline_access");
    extras.auth_time = Some(auth_time);
    extras.session = session;
    extras.mfa = mfa;
    user_token(
        state,
        issuer,
        tenant,
        &user,
        client_id,
        app.as_ref(),
        &grant.scope,
        &extras,
    )
    .await
}
