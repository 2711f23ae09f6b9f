//! What the token service answers, as the OpenAPI document describes it.

use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// The form of a token request (`application/x-www-form-urlencoded`).
#[derive(Serialize, ToSchema)]
pub struct TokenForm {
    /// `client_credentials`, `password`, `authorization_code`, `refresh_token` or
    /// `urn:ietf:params:oauth:grant-type:device_code`.
    pub grant_type: String,
    /// The application's client id.
    pub client_id: String,
    /// The application's secret (confidential clients).
    pub client_secret: Option<String>,
    /// `https://graph.microsoft.com/.default`, or delegated scopes.
    pub scope: Option<String>,
    /// The user's sign-in name (`password`).
    pub username: Option<String>,
    /// The user's password (`password`).
    pub password: Option<String>,
    /// The code from the authorize endpoint (`authorization_code`).
    pub code: Option<String>,
    /// The redirect URI the code was issued for (`authorization_code`).
    pub redirect_uri: Option<String>,
    /// The PKCE verifier of the sign-in's challenge (`authorization_code`).
    pub code_verifier: Option<String>,
    /// The refresh token to redeem (`refresh_token`).
    pub refresh_token: Option<String>,
    /// The device code being polled (device code grant).
    pub device_code: Option<String>,
    /// `1`: include MSAL's `client_info` in the answer.
    pub client_info: Option<String>,
}

/// The form of a device code request (`application/x-www-form-urlencoded`).
#[derive(Serialize, ToSchema)]
pub struct DeviceCodeForm {
    /// The application's client id (a public client).
    pub client_id: String,
    /// The scopes the device asks for.
    pub scope: String,
    /// `ja-JP` for the message in Japanese.
    pub mkt: Option<String>,
}

/// The codes of a device sign-in.
#[derive(Serialize, ToSchema)]
pub struct DeviceCodeResponse {
    /// The short code the user types on the verification page.
    pub user_code: String,
    /// The device's secret, polled with at the token endpoint.
    pub device_code: String,
    /// The verification page (`/devicelogin`).
    pub verification_uri: String,
    /// Seconds until both codes expire (900).
    pub expires_in: i64,
    /// Seconds to wait between polls (5).
    pub interval: u64,
    /// What to tell the user.
    pub message: String,
}

/// An access token.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The same.
    pub ext_expires_in: i64,
    /// The signed JWT.
    pub access_token: String,
    /// The delegated scopes granted.
    pub scope: Option<String>,
    /// For a sign-in that asked for `openid`: the user's ID token, for the application.
    pub id_token: Option<String>,
    /// With `client_info=1`: base64url JSON of the user's id (`uid`) and home tenant (`utid`).
    pub client_info: Option<String>,
    /// For a sign-in that asked for `offline_access`, and every refresh: the next refresh token.
    pub refresh_token: Option<String>,
}

/// Entra's OAuth error, with its AADSTS code.
#[derive(Serialize, ToSchema)]
pub struct OAuthErrorJson {
    /// `invalid_request`, `invalid_grant`, `invalid_client`, …
    pub error: String,
    /// `AADSTS{code}: …`.
    pub error_description: String,
    /// The AADSTS codes.
    pub error_codes: Vec<u32>,
    /// When.
    pub timestamp: String,
    /// Trace id.
    pub trace_id: String,
    /// Correlation id.
    pub correlation_id: String,
}

/// The refusals of the token service, in Entra's envelope.
#[derive(IntoResponses)]
pub enum OAuthRefusals {
    /// A malformed request, an unknown tenant or client, a wrong grant or password.
    #[response(status = 400)]
    BadRequest(OAuthErrorJson),
    /// The client's secret is wrong.
    #[response(status = 401)]
    Unauthorized(OAuthErrorJson),
    /// The server is busy; retry after `Retry-After`.
    #[response(status = 503)]
    Unavailable(OAuthErrorJson),
}

/// An OpenID Connect discovery document (the properties MSAL reads, among others).
#[derive(Serialize, ToSchema)]
pub struct OpenIdConfiguration {
    /// The tenant's issuer.
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The signing keys.
    pub jwks_uri: String,
    /// The signature algorithms.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// The grants.
    pub grant_types_supported: Vec<String>,
}

/// The signing keys.
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    /// ES256 public keys.
    pub keys: Vec<Jwk>,
}

/// One public key.
#[derive(Serialize, ToSchema)]
pub struct Jwk {
    /// `EC`.
    pub kty: String,
    /// Key id.
    pub kid: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub key_use: Option<String>,
    /// `ES256`.
    pub alg: Option<String>,
    /// `P-256`.
    pub crv: Option<String>,
    /// X coordinate, base64url.
    pub x: Option<String>,
    /// Y coordinate, base64url.
    pub y: Option<String>,
}

/// MSAL's instance discovery.
#[derive(Serialize, ToSchema)]
pub struct InstanceDiscovery {
    /// Where the tenant's discovery document is.
    pub tenant_discovery_endpoint: String,
    /// `1.1`.
    #[serde(rename = "api-version")]
    pub api_version: String,
    /// gdap's own host as the only alias.
    pub metadata: Vec<InstanceMetadata>,
}

/// A host MSAL may use.
#[derive(Serialize, ToSchema)]
pub struct InstanceMetadata {
    /// The host.
    pub preferred_network: String,
    /// The host.
    pub preferred_cache: String,
    /// The host.
    pub aliases: Vec<String>,
}

/// How an account signs in (`/common/userrealm/{user}`).
#[derive(Serialize, ToSchema)]
pub struct UserRealm {
    /// `1.0`.
    pub ver: String,
    /// `Managed` for an account of a tenant gdap serves, `Unknown` otherwise.
    pub account_type: String,
    /// The tenant's domain (managed accounts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    /// `microsoftonline.com`.
    pub cloud_instance_name: String,
    /// `urn:federation:MicrosoftOnline` (managed accounts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_audience_urn: Option<String>,
}
