//! OpenID discovery, the published keys and MSAL's instance discovery, every URL built from the
//! public URL.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::resolve_tenant;
use gdap_app::state::AppState;
use gdap_http::extract::origin;

use crate::schemas::*;

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
#[utoipa::path(get, path = "/{tenant}/v2.0/.well-known/openid-configuration", tag = "token",
    params(("tenant" = String, Path)), responses((status = 200, body = OpenIdConfiguration), OAuthRefusals))]
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let base = origin(&state, &parts);
    let (tid, path_tenant) = match resolve_tenant(&state, &tenant).await {
        Ok(Some(t)) => (t.id.to_string(), t.id.to_string()),
        Ok(None) => ("{tenantid}".to_owned(), tenant.to_ascii_lowercase()),
        Err(e) => return e.into_response(),
    };
    Json(json!({
        "issuer": format!("{base}/{tid}/v2.0"),
        "authorization_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/devicecode"),
        "jwks_uri": format!("{base}/{path_tenant}/discovery/v2.0/keys"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["authorization_code", "client_credentials", "password"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "roles", "scp", "upn", "name", "idtyp", "ver", "nonce", "preferred_username", "auth_time"],
        "tenant_region_scope": "WW",
        "cloud_instance_name": "gdap.local",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "request_uri_parameter_supported": false,
    }))
    .into_response()
}

/// `GET /{tenant}/discovery/v2.0/keys`: the public signing keys.
#[utoipa::path(get, path = "/{tenant}/discovery/v2.0/keys", tag = "token",
    params(("tenant" = String, Path)), responses((status = 200, description = "JWKS", body = Jwks)))]
pub async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.keys.jwks())
}

/// `GET /common/discovery/instance`: MSAL's instance discovery, answered for gdap's own host.
#[utoipa::path(get, path = "/common/discovery/instance", tag = "token",
    params(("api-version" = Option<String>, Query), ("authorization_endpoint" = Option<String>, Query)),
    responses((status = 200, body = InstanceDiscovery)))]
pub async fn instance_discovery(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Json<Value> {
    let (parts, _) = req.into_parts();
    let base = origin(&state, &parts);
    let host = base.split("://").nth(1).unwrap_or_default().to_owned();
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let tenant = q
        .get("authorization_endpoint")
        .and_then(|a| a.split('/').nth(3).map(str::to_owned))
        .unwrap_or_else(|| "common".to_owned());
    Json(json!({
        "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }))
}

/// `GET /common/userrealm/{userPrincipalName}`: how an account signs in. gdap's accounts are all
/// managed (their passwords are gdap's), so an account of a tenant gdap serves is `Managed` with
/// its tenant's domain, and any other is `Unknown`, as Entra answers for a domain it does not know.
/// Whether the account itself exists is not said. MSAL's username/password flow asks this first,
/// on port 443 of the authority's host whatever port the authority names.
#[utoipa::path(get, path = "/common/userrealm/{user}", tag = "token",
    params(("user" = String, Path, description = "The account's principal name"),
           ("api-version" = Option<String>, Query, description = "`1.0`")),
    responses((status = 200, body = UserRealm)))]
pub async fn user_realm(State(state): State<AppState>, Path(user): Path<String>) -> Json<Value> {
    let domain = user
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .filter(|d| d.len() <= 253);
    let tenant = match domain {
        Some(d) => state.store.tenant_by_domain(&d).await.ok().flatten(),
        None => None,
    };
    Json(match tenant {
        Some(t) => json!({
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": t.domain,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }),
        None => json!({
            "ver": "1.0",
            "account_type": "Unknown",
            "cloud_instance_name": "microsoftonline.com",
        }),
    })
}
