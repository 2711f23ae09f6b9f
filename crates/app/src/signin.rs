//! Interactive sign-in for applications: authorization codes issued once a user has signed in on
//! gdap's page, and redeemed once, by the application they were issued to, for tokens; refresh
//! tokens that carry the sign-in on, each redeemed once for a fresh one, until the user signs out
//! of the session they came from, changes their password or has their sign-in sessions revoked.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gdap_domain::directory::User;
use gdap_domain::oauth::{
    CodeGrant, RefreshGrant, CODE_KIND, CODE_LIFETIME, REFRESH_KIND, REFRESH_LIFETIME,
};
use gdap_store::NewGrant;
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use gdap_auth::Claims;
use gdap_domain::ids::{ClientId, TenantId};

use crate::caller::GRAPH_AUDIENCES;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The claims every access token starts from: issued now, lasting the configured lifetime.
pub fn access_claims(
    state: &AppState,
    aud: &str,
    tid: String,
    oid: String,
    azp: String,
    idtyp: &str,
) -> Claims {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Claims {
        aud: aud.to_owned(),
        iss: String::new(),
        iat: now,
        nbf: now,
        exp: now + state.config.token_lifetime_secs,
        tid,
        sub: oid.clone(),
        oid,
        azp,
        idtyp: idtyp.to_owned(),
        roles: Vec::new(),
        scp: None,
        upn: None,
        name: None,
        idp: None,
        home_tid: None,
        amr: Vec::new(),
        ver: "2.0".into(),
        uti: uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// An application token for Microsoft Graph, issued by the server itself to one of a tenant's
/// applications, as the client credentials grant would issue it: for work the application asked
/// the server to carry out (a bulk job). Refused once the application is gone from the tenant.
pub async fn application_token(
    state: &AppState,
    tenant: TenantId,
    client_id: ClientId,
) -> AppResult<(String, std::time::Duration)> {
    let app = state
        .store
        .application(client_id)
        .await?
        .filter(|a| a.tenant == tenant)
        .ok_or_else(|| {
            AppError::Unauthenticated(format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
            ))
        })?;
    let id = client_id.to_string();
    let mut claims = access_claims(
        state,
        GRAPH_AUDIENCES[0],
        tenant.to_string(),
        id.clone(),
        id,
        "app",
    );
    claims.roles.clone_from(&app.permissions);
    claims.name = Some(app.display_name.clone());
    claims.iss = format!("{}/{tenant}/v2.0", state.config.origin());
    let token = state
        .keys
        .sign(&claims)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let life = u64::try_from(state.config.token_lifetime_secs).unwrap_or(0);
    Ok((token, std::time::Duration::from_secs(life)))
}

/// First-party public clients that may sign users in without a registration (Azure CLI, Microsoft
/// Graph PowerShell, Graph Explorer), as in Entra.
pub const FIRST_PARTY_CLIENTS: &[&str] = &[
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "14d82eec-204b-4c2f-b7e8-296a70dab67e",
    "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
];

/// The redirect URIs Entra has registered for the first-party clients.
pub const FIRST_PARTY_REDIRECTS: &[&str] = &[
    "http://localhost",
    "https://login.microsoftonline.com/common/oauth2/nativeclient",
];

/// The name a first-party client goes by on the sign-in pages.
pub fn first_party_name(client_id: &str) -> Option<&'static str> {
    let names = [
        "Microsoft Azure CLI",
        "Microsoft Graph Command Line Tools",
        "Graph Explorer",
    ];
    FIRST_PARTY_CLIENTS
        .iter()
        .position(|c| c.eq_ignore_ascii_case(client_id))
        .map(|i| names[i])
}

/// Whether `client_id` (as sent) names a first-party client.
pub fn is_first_party(client_id: &str) -> bool {
    FIRST_PARTY_CLIENTS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(client_id))
}

/// A fresh secret: 32 random bytes, base64url (43 characters).
pub fn random_secret() -> AppResult<String> {
    let mut b = [0u8; 32];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| AppError::Internal("the system's random generator failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// SHA-256 of a secret, hex: what the store keeps instead of the secret.
pub fn secret_hash(secret: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, secret.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues an authorization code for `grant`, redeemable once within [`CODE_LIFETIME`].
pub async fn issue_code(
    app: &AppState,
    grant: &CodeGrant,
    now: OffsetDateTime,
) -> AppResult<String> {
    let code = random_secret()?;
    let body = serde_json::to_string(grant)
        .map_err(|e| AppError::Internal(format!("an authorization code: {e}")))?;
    let hash = secret_hash(&code);
    let subject = grant.user.to_string();
    app.store
        .put_grant(
            NewGrant {
                hash: &hash,
                kind: CODE_KIND,
                body: &body,
                subject: Some(&subject),
                session: grant.session.as_deref(),
                expires_at: now + CODE_LIFETIME,
            },
            now,
        )
        .await?;
    Ok(code)
}

/// Takes the grant an authorization code stands for: `None` when the code is unknown, expired or
/// already redeemed (each code is redeemed once).
pub async fn redeem_code(
    app: &AppState,
    code: &str,
    now: OffsetDateTime,
) -> AppResult<Option<CodeGrant>> {
    if code.len() > 200 {
        return Ok(None);
    }
    let Some(body) = app
        .store
        .take_grant(&secret_hash(code), CODE_KIND, now)
        .await?
    else {
        return Ok(None);
    };
    serde_json::from_str(&body)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("a stored authorization code: {e}")))
}

/// A fingerprint of a user's password (of its hash): a refresh token issued before the password
/// changed no longer matches it. Users without a password have the empty one.
pub fn password_stamp(user: &User) -> String {
    let mut h = secret_hash(user.password_hash.as_deref().unwrap_or_default());
    h.truncate(16);
    h
}

/// Issues a refresh token for `grant`, redeemable once within [`REFRESH_LIFETIME`].
pub async fn issue_refresh(
    app: &AppState,
    grant: &RefreshGrant,
    now: OffsetDateTime,
) -> AppResult<String> {
    let token = random_secret()?;
    let body = serde_json::to_string(grant)
        .map_err(|e| AppError::Internal(format!("a refresh token: {e}")))?;
    let hash = secret_hash(&token);
    let subject = grant.user.to_string();
    app.store
        .put_grant(
            NewGrant {
                hash: &hash,
                kind: REFRESH_KIND,
                body: &body,
                subject: Some(&subject),
                session: grant.session.as_deref(),
                expires_at: now + REFRESH_LIFETIME,
            },
            now,
        )
        .await?;
    Ok(token)
}

/// The grant a refresh token stands for, left in place (a refused redemption does not spend it):
/// `None` when the token is unknown, expired, revoked or already redeemed.
pub async fn refresh_grant(
    app: &AppState,
    token: &str,
    now: OffsetDateTime,
) -> AppResult<Option<RefreshGrant>> {
    if token.len() > 200 {
        return Ok(None);
    }
    let Some(body) = app
        .store
        .grant(&secret_hash(token), REFRESH_KIND, now)
        .await?
    else {
        return Ok(None);
    };
    serde_json::from_str(&body)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("a stored refresh token: {e}")))
}

/// Spends a refresh token as it is redeemed: `false` when another redemption spent it first.
pub async fn spend_refresh(app: &AppState, token: &str, now: OffsetDateTime) -> AppResult<bool> {
    Ok(app
        .store
        .take_grant(&secret_hash(token), REFRESH_KIND, now)
        .await?
        .is_some())
}

/// Revokes a user's refresh tokens: those of one browser session (its hash), or all of them.
pub async fn revoke_refresh(
    app: &AppState,
    user: gdap_domain::ids::UserId,
    session: Option<&str>,
) -> AppResult<()> {
    Ok(app
        .store
        .revoke_grants(REFRESH_KIND, &user.to_string(), session)
        .await?)
}
