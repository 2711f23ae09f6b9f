//! The token service at Entra-compatible paths: `/{tenant}/oauth2/v2.0/token` (client
//! credentials, resource-owner password, authorization code, refresh token and device code),
//! `/{tenant}/oauth2/v2.0/devicecode`, OpenID discovery, the JWKS, MSAL's instance discovery and the
//! user-realm lookup.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gdap_auth::Claims;
use gdap_domain::directory::{Tenant, User};
use gdap_domain::ids::{ClientId, TenantId};
use serde_json::{json, Value};

use gdap_app::caller::{ADMIN_AUDIENCE, GDAP_READ, GDAP_WRITE, PARTNER_CENTER_AUDIENCE};
use gdap_app::state::AppState;
use gdap_http::extract::origin;
use gdap_http::extract::ClientIp;

mod code;
pub mod device;
mod discovery;
mod error;
mod refresh;
pub mod schemas;
mod user;

pub use discovery::*;

pub use error::OAuthError;
use error::{internal, wrong_credentials, OAuthResult};
use schemas::{OAuthRefusals, TokenForm, TokenResponse};

pub use gdap_app::signin::FIRST_PARTY_CLIENTS;

/// Delegated permissions gdap knows and can grant to first-party clients.
pub const DELEGATED_PERMISSIONS: &[&str] = &[
    GDAP_READ,
    GDAP_WRITE,
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "User.Read",
    "User.Read.All",
    "User.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Organization.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "UserAuthenticationMethod.ReadWrite.All",
];

pub(crate) const OIDC_SCOPES: &[&str] = &["openid", "profile", "offline_access", "email"];

/// Routes of the token service.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(device::device_code),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(jwks))
        .route("/common/discovery/instance", get(instance_discovery))
        .route("/common/userrealm/{user}", get(user_realm))
}

/// Resolves the tenant segment of the path: a tenant id or a domain; `None` for
/// `organizations`/`common`.
async fn resolve_tenant(state: &AppState, segment: &str) -> OAuthResult<Option<Tenant>> {
    let seg = segment.to_ascii_lowercase();
    if seg == "organizations" || seg == "common" {
        return Ok(None);
    }
    let t = match TenantId::parse(&seg) {
        Ok(id) => state.tenant(id).await.map_err(internal)?,
        Err(_) => state.store.tenant_by_domain(&seg).await.map_err(internal)?,
    };
    t.map(Some).ok_or_else(|| {
        OAuthError::bad(
            "invalid_request",
            90002,
            format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID.",
                seg.chars().take(80).collect::<String>()
            ),
        )
    })
}

/// The audience a resource URI maps to, if gdap serves it.
fn audience_of(resource: &str) -> Option<&'static str> {
    match resource.trim_end_matches('/') {
        "https://graph.microsoft.com" | "00000003-0000-0000-c000-000000000000" => {
            Some("https://graph.microsoft.com")
        }
        "https://admin.microsoft.com" => Some(ADMIN_AUDIENCE),
        "https://api.partnercenter.microsoft.com" | "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd" => {
            Some(PARTNER_CENTER_AUDIENCE)
        }
        "https://management.azure.com"
        | "https://management.core.windows.net"
        | "797f4846-ba00-4fd7-ba43-dac1f8f63013" => Some(gdap_app::azure::ARM_AUDIENCE),
        _ => None,
    }
}

/// Splits `https://graph.microsoft.com/X` into resource and permission; a bare `X` means Graph.
fn split_scope(scope: &str) -> (&str, &str) {
    match scope.rsplit_once('/') {
        Some((res, perm)) if res.contains("://") || res.len() == 36 => (res, perm),
        _ => ("https://graph.microsoft.com", scope),
    }
}

fn form(body: &Bytes) -> OAuthResult<std::collections::HashMap<String, String>> {
    if body.len() > 64 * 1024 {
        return Err(OAuthError::bad(
            "invalid_request",
            90014,
            "The request body is too large.",
        ));
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// A form body of at most 64 KiB.
async fn read_body(body: axum::body::Body) -> OAuthResult<Bytes> {
    axum::body::to_bytes(body, 64 * 1024).await.map_err(|_| {
        OAuthError::bad(
            "invalid_request",
            90014,
            "The request body is too large or unreadable.",
        )
    })
}

/// `POST /{tenant}/oauth2/v2.0/token`.
#[utoipa::path(post, path = "/{tenant}/oauth2/v2.0/token", tag = "token",
    params(("tenant" = String, Path, description = "Tenant id, domain, `organizations` or `common`")),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), OAuthRefusals))]
pub async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let issuer = origin(&state, &parts);
    let source = ClientIp::of(&parts);
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match issue(&state, &issuer, &tenant, &parts.headers, &body, source).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn issue(
    state: &AppState,
    issuer: &str,
    tenant: &str,
    headers: &HeaderMap,
    body: &Bytes,
    source: ClientIp,
) -> OAuthResult<Value> {
    let mut f = form(body)?;
    if let Some((id, secret)) = basic_auth(headers) {
        f.entry("client_id".into()).or_insert(id);
        f.entry("client_secret".into()).or_insert(secret);
    }
    let tenant = resolve_tenant(state, tenant).await?;
    let grant = f.get("grant_type").map(String::as_str).unwrap_or_default();
    match grant {
        "client_credentials" => client_credentials(state, issuer, tenant, &f, source).await,
        "password" => password(state, issuer, tenant, &f, source).await,
        "authorization_code" => code::redeem(state, issuer, tenant, &f, source).await,
        "refresh_token" => refresh::redeem(state, issuer, tenant, &f, source).await,
        device::GRANT_TYPE => device::redeem(state, issuer, tenant, &f, source).await,
        "" => Err(OAuthError::bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        )),
        other => Err(OAuthError::bad(
            "unsupported_grant_type",
            70003,
            format!(
                "The app requested an unsupported grant type '{}'.",
                other.chars().take(40).collect::<String>()
            ),
        )),
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn required<'a>(
    f: &'a std::collections::HashMap<String, String>,
    key: &str,
) -> OAuthResult<&'a str> {
    f.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            OAuthError::bad(
                "invalid_request",
                900144,
                format!("The request body must contain the following parameter: '{key}'."),
            )
        })
}

async fn client_credentials(
    state: &AppState,
    issuer: &str,
    tenant: Option<Tenant>,
    f: &std::collections::HashMap<String, String>,
    ClientIp(source): ClientIp,
) -> OAuthResult<Value> {
    let tenant = tenant.ok_or_else(|| {
        OAuthError::bad("invalid_request", 700016, "The client credentials flow needs a tenant id or domain in the path, not 'organizations' or 'common'.")
    })?;
    let client_raw = required(f, "client_id")?;
    let client_id = ClientId::parse(client_raw).map_err(|_| {
        OAuthError::bad(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{}' was not found in the directory '{}'.",
                client_raw.chars().take(40).collect::<String>(),
                tenant.domain
            ),
        )
    })?;
    let app = state
        .store
        .application(client_id)
        .await
        .map_err(internal)?
        .filter(|a| a.tenant == tenant.id)
        .ok_or_else(|| OAuthError::bad("unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{}'.", tenant.domain)))?;
    verify_secret(state, &app, required(f, "client_secret")?, source).await?;
    let scope = required(f, "scope")?;
    let resource = scope
        .split(' ')
        .find(|s| s.ends_with("/.default"))
        .map(|s| s.trim_end_matches("/.default"))
        .ok_or_else(|| OAuthError::bad("invalid_scope", 1002012, format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")))?;
    let aud = audience_of(resource).ok_or_else(|| {
        OAuthError::bad(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}.",
                tenant.domain
            ),
        )
    })?;
    let mut claims = gdap_app::signin::access_claims(
        state,
        aud,
        tenant.id.to_string(),
        client_id.to_string(),
        client_id.to_string(),
        "app",
    );
    if aud != ADMIN_AUDIENCE {
        claims.roles = app.permissions.clone();
    }
    claims.name = Some(app.display_name.clone());
    sign(state, issuer, claims, None)
}

/// Checks an application's client secret. Guesses are throttled per application and source (the
/// application's own sources stay open), and hashed off the async workers.
pub(crate) async fn verify_secret(
    state: &AppState,
    app: &gdap_domain::directory::Application,
    secret: &str,
    source: std::net::IpAddr,
) -> OAuthResult<()> {
    let client_id = app.client_id;
    let account = format!("app:{client_id}");
    let now_t = time::OffsetDateTime::now_utc();
    state
        .throttle
        .check(&account, source, now_t)
        .await
        .map_err(|left| {
            OAuthError::locked(
                left,
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_client",
                90055,
                "Too many failed attempts to authenticate this application from this address.",
            )
        })?;
    let matches = match app.secret_hash.as_deref() {
        Some(h) => state.hasher.verify(secret, h).await?,
        None => state.hasher.verify_decoy(secret).await?,
    };
    if !matches {
        state.throttle.fail(&account, source, now_t).await;
        return Err(OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value."));
    }
    state.throttle.succeed(&account, source, now_t).await;
    Ok(())
}

/// The claims every token carries; the issuer is filled in when signing.
fn sign(
    state: &AppState,
    issuer: &str,
    mut claims: Claims,
    scope: Option<String>,
) -> OAuthResult<Value> {
    claims.iss = format!("{issuer}/{}/v2.0", claims.tid);
    let token = state.keys.sign(&claims).map_err(internal)?;
    let mut v = json!({
        "token_type": "Bearer",
        "expires_in": state.config.token_lifetime_secs,
        "ext_expires_in": state.config.token_lifetime_secs,
        "access_token": token,
    });
    if let Some(s) = scope {
        v["scope"] = Value::String(s);
    }
    Ok(v)
}

/// The application a user signs in through: a first-party public client (`None`, no
/// registration), or a registered one.
pub(crate) async fn user_client(
    state: &AppState,
    f: &std::collections::HashMap<String, String>,
) -> OAuthResult<(ClientId, Option<gdap_domain::directory::Application>)> {
    let client_raw = required(f, "client_id")?;
    let client_id = ClientId::parse(client_raw).map_err(|_| {
        OAuthError::bad(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{}' was not found.",
                client_raw.chars().take(40).collect::<String>()
            ),
        )
    })?;
    let app = if gdap_app::signin::is_first_party(client_raw) {
        None
    } else {
        Some(
            state
                .store
                .application(client_id)
                .await
                .map_err(internal)?
                .ok_or_else(|| {
                    OAuthError::bad(
                        "unauthorized_client",
                        700016,
                        format!("Application with identifier '{client_id}' was not found."),
                    )
                })?,
        )
    };
    Ok((client_id, app))
}

async fn password(
    state: &AppState,
    issuer: &str,
    tenant: Option<Tenant>,
    f: &std::collections::HashMap<String, String>,
    ClientIp(source): ClientIp,
) -> OAuthResult<Value> {
    let (client_id, app) = code::proven_client(state, f, source).await?;
    let username = required(f, "username")?;
    let password = required(f, "password")?;
    let now_t = time::OffsetDateTime::now_utc();
    let unknown = || {
        if state.config.hardened {
            wrong_credentials()
        } else {
            let directory = tenant.as_ref().map_or_else(
                || username.rsplit('@').next().unwrap_or_default().to_owned(),
                |t| t.domain.clone(),
            );
            OAuthError::bad(
                "invalid_grant",
                50034,
                format!(
                    "The user account {} does not exist in the {} directory. To sign into this application, the account must be added to the directory.",
                    username.chars().take(113).collect::<String>(),
                    directory.chars().take(256).collect::<String>()
                ),
            )
        }
    };
    // No account has a name this long: answered at once, recorded nowhere.
    if username.len() > 256 {
        return Err(unknown());
    }
    state
        .throttle
        .check(username, source, now_t)
        .await
        .map_err(|left| {
            OAuthError::locked(
                left,
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                50053,
                "Your account is locked because of too many failed sign-in attempts from this place.",
            )
        })?;
    let user: Option<User> = state.store.user_by_upn(username).await.map_err(internal)?;
    // An unknown account costs the hash a wrong password costs.
    let matches = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
        Some(h) => state.hasher.verify(password, h).await?,
        None => state.hasher.verify_decoy(password).await?,
    };
    let user = match user {
        Some(u) if matches => u,
        found => {
            state.throttle.fail(username, source, now_t).await;
            return Err(if found.is_none() {
                unknown()
            } else {
                wrong_credentials()
            });
        }
    };
    state.throttle.succeed(username, source, now_t).await;
    if !user.account_enabled {
        return Err(OAuthError::bad(
            "invalid_grant",
            50057,
            "The user account is disabled.",
        ));
    }
    user::user_token(
        state,
        issuer,
        tenant,
        &user,
        client_id,
        app.as_ref(),
        required(f, "scope")?,
        &user::Extras::of(f, None),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_first_party_clients_get_can_be_consented_to() {
        for p in DELEGATED_PERMISSIONS {
            assert!(gdap_domain::consent::find(p).is_some(), "{p}");
        }
        assert_eq!(
            DELEGATED_PERMISSIONS.len(),
            gdap_domain::consent::DELEGATED.len()
        );
    }
}
