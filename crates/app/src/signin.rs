//! Interactive sign-in for applications: authorization codes issued once a user has signed in on
//! gdap's page, and redeemed once, by the application they were issued to, for tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gdap_domain::oauth::{CodeGrant, CODE_KIND, CODE_LIFETIME};
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
    app.store
        .put_grant(
            &secret_hash(&code),
            CODE_KIND,
            &body,
            now,
            now + CODE_LIFETIME,
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
