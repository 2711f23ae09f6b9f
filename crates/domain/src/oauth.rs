//! The rules of interactive sign-in, as Entra applies them: which redirect URI an application may
//! name, what a code verifier looks like and whether it answers the challenge made at sign-in; what
//! an authorization code, a refresh token and a device code hold until they are redeemed, and what a
//! user code looks like.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::ids::{ClientId, TenantId, UserId};

/// How long an authorization code may be redeemed (Entra: about ten minutes).
pub const CODE_LIFETIME: time::Duration = time::Duration::minutes(10);

/// The grant kind of authorization codes in the store.
pub const CODE_KIND: &str = "code";

/// Whether `given` is one of `registered`: the same URI exactly, or, for a loopback address
/// registered over plain HTTP (`http://localhost`, `http://127.0.0.1`), the same host and path on
/// any port, since native clients listen on whatever port is free.
pub fn redirect_allowed(registered: &[String], given: &str) -> bool {
    registered.iter().any(|r| {
        r == given
            || match (loopback(r), loopback(given)) {
                (Some((host_r, path_r)), Some((host_g, path_g))) => {
                    host_r == host_g && path_r == path_g
                }
                _ => false,
            }
    })
}

/// The host and path of `http://localhost[:port]/path` or `http://127.0.0.1[:port]/path`, port
/// dropped; `None` for anything else (other hosts, HTTPS, a query or fragment, user info).
fn loopback(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    if rest.contains(['?', '#', '@']) {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        Some(_) => return None,
        None => authority,
    };
    matches!(host, "localhost" | "127.0.0.1").then_some((host, path))
}

/// Whether `s` is a PKCE code verifier or challenge in form: 43 to 128 characters of
/// `A-Z a-z 0-9 - . _ ~` (RFC 7636).
pub fn pkce_form(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Whether `verifier` answers the S256 `challenge`: BASE64URL(SHA-256(verifier)) = challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    pkce_form(verifier) && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// What an authorization code stands for until it is redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    /// The application the code was issued to.
    pub client_id: ClientId,
    /// The tenant the tokens will be for.
    pub tenant: TenantId,
    /// The user who signed in.
    pub user: UserId,
    /// The user's home tenant.
    pub home_tenant: TenantId,
    /// The redirect URI named at sign-in (the redemption must name the same).
    pub redirect_uri: String,
    /// The scopes asked for, as sent.
    pub scope: String,
    /// The S256 challenge, when the sign-in made one.
    pub code_challenge: Option<String>,
    /// The client's nonce, echoed in the ID token.
    pub nonce: Option<String>,
    /// When the user signed in.
    #[serde(with = "time::serde::rfc3339")]
    pub auth_time: OffsetDateTime,
    /// The browser session the sign-in came from: signing out there revokes its refresh tokens.
    #[serde(default)]
    pub session: Option<String>,
    /// The user signed in with a second factor.
    #[serde(default)]
    pub mfa: bool,
}

/// The grant kind of refresh tokens in the store.
pub const REFRESH_KIND: &str = "refresh";

/// How long a refresh token may be redeemed (Entra: 90 days, each redemption a fresh one).
pub const REFRESH_LIFETIME: time::Duration = time::Duration::days(90);

/// What a refresh token stands for: a user's sign-in through an application, redeemable for tokens
/// in any tenant where the user may act (its own, or a customer's through delegated access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshGrant {
    /// The application the token was issued to (only it may redeem it).
    pub client_id: ClientId,
    /// The user who signed in.
    pub user: UserId,
    /// The user's home tenant.
    pub home_tenant: TenantId,
    /// The scopes of the sign-in, as sent (a redemption without a scope asks for these).
    pub scope: String,
    /// When the user signed in.
    #[serde(with = "time::serde::rfc3339")]
    pub auth_time: OffsetDateTime,
    /// The browser session the sign-in came from, if any: signing out there revokes the token.
    pub session: Option<String>,
    /// A fingerprint of the user's password at sign-in: a changed password revokes the token.
    pub password_stamp: String,
    /// The sign-in used a second factor.
    #[serde(default)]
    pub mfa: bool,
}

/// What a device code stands for while the user has not yet answered it, and once they have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceGrant {
    /// The application that asked for the code.
    pub client_id: ClientId,
    /// The tenant named in the request's path, when not `organizations` or `common`.
    pub tenant: Option<TenantId>,
    /// The scopes asked for, as sent.
    pub scope: String,
    /// When the code stops being usable (the store keeps it a little longer, to say so).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The user's answer so far.
    pub answer: DeviceAnswer,
}

/// A user's answer to a device code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum DeviceAnswer {
    /// Nobody has entered the code yet.
    Pending,
    /// The user declined: the device is told so, once.
    Declined,
    /// The user signed in and confirmed: the device gets tokens, once.
    Approved {
        /// The user who approved.
        user: UserId,
        /// The user's home tenant.
        home_tenant: TenantId,
        /// When the user signed in.
        #[serde(with = "time::serde::rfc3339")]
        auth_time: OffsetDateTime,
        /// The browser session the approval came from.
        session: Option<String>,
        /// That session's sign-in used a second factor.
        #[serde(default)]
        mfa: bool,
    },
    /// The device got its tokens: polling again is told so.
    Redeemed,
}

/// The grant kind of device codes in the store.
pub const DEVICE_KIND: &str = "device";

/// The grant kind of user codes (the short code typed on the verification page) in the store.
pub const USER_CODE_KIND: &str = "user_code";

/// How long a device code may be answered and polled (Entra: 15 minutes).
pub const DEVICE_LIFETIME: time::Duration = time::Duration::minutes(15);

/// How long after its expiry a device code is still known, so that polling says it expired.
pub const DEVICE_GRACE: time::Duration = time::Duration::minutes(15);

/// How often a device should poll, in seconds (Entra: 5).
pub const DEVICE_INTERVAL_SECS: u64 = 5;

/// The letters of user codes: capitals and digits without the look-alikes (`0 O 1 I L`).
pub const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// The length of a user code (9 characters: about 44 bits).
pub const USER_CODE_LEN: usize = 9;

/// A user code as typed, in its stored form: capitals, without spaces or dashes; `None` when it
/// cannot be a user code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_loopback_redirect_matches_on_any_port_and_others_only_exactly() {
        let reg = uris(&["http://localhost", "https://app.example/cb"]);
        assert!(redirect_allowed(&reg, "http://localhost:53211"));
        assert!(redirect_allowed(&reg, "http://localhost"));
        assert!(!redirect_allowed(&reg, "http://localhost:53211/other"));
        assert!(!redirect_allowed(&reg, "http://127.0.0.1:53211"));
        assert!(!redirect_allowed(&reg, "http://localhost.evil.example:80"));
        assert!(!redirect_allowed(&reg, "http://localhost:80@evil.example"));
        assert!(!redirect_allowed(&reg, "https://localhost:8443"));
        assert!(redirect_allowed(&reg, "https://app.example/cb"));
        assert!(!redirect_allowed(&reg, "https://app.example/cb/"));
        assert!(!redirect_allowed(&reg, "https://app.example:444/cb"));
        let paths = uris(&["http://127.0.0.1/callback"]);
        assert!(redirect_allowed(&paths, "http://127.0.0.1:8400/callback"));
        assert!(!redirect_allowed(&paths, "http://127.0.0.1:8400/"));
    }

    #[test]
    fn a_user_code_is_read_whatever_its_case_spaces_and_dashes() {
        assert_eq!(
            normalize_user_code(" abcd-efg 23 ").as_deref(),
            Some("ABCDEFG23")
        );
        assert_eq!(normalize_user_code("ABCDEFG2"), None);
        assert_eq!(normalize_user_code("ABCDEFG2O"), None);
        assert_eq!(normalize_user_code("ABCDEFG2Ä"), None);
    }

    #[test]
    fn a_device_answer_keeps_its_state_in_the_stored_form() {
        let g = DeviceGrant {
            client_id: ClientId::parse("04b07795-8ddb-461a-bbee-02f9e1bf7b46").unwrap(),
            tenant: None,
            scope: "openid".into(),
            expires_at: OffsetDateTime::UNIX_EPOCH,
            answer: DeviceAnswer::Declined,
        };
        let s = serde_json::to_string(&g).unwrap();
        assert!(s.contains(r#""answer":{"state":"declined"}"#), "{s}");
        assert_eq!(serde_json::from_str::<DeviceGrant>(&s).unwrap(), g);
    }

    #[test]
    fn the_rfc_7636_example_verifier_answers_its_challenge() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
