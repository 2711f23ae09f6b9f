//! Sign-in steps several test files share: an authorization request with PKCE made by a signed-in
//! visitor, the code it leads to redeemed for tokens, and a token's claims.

#![allow(dead_code, reason = "each test file uses the parts it needs")]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::visitor::Visitor;

/// Azure CLI, a first-party public client.
pub const CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/// Partner One's registered public client.
pub const TOOL: &str = "11111111-cccc-4ccc-8ccc-000000000004";
/// The PKCE verifier of every sign-in here.
pub const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123456789";
/// The loopback redirect URI the sign-ins name.
pub const LOOPBACK: &str = "http://localhost:53117";

/// The claims of a JWT (unverified: the server verified it).
pub fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

/// An authorization request of `client` in `tenant` with an S256 challenge of [`VERIFIER`].
pub fn authorize_path(tenant: &str, client: &str, redirect: &str, scope: &str) -> String {
    format!(
        "/{tenant}/oauth2/v2.0/authorize?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", client)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", scope)
            .append_pair(
                "code_challenge",
                &URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes())),
            )
            .append_pair("code_challenge_method", "S256")
            .finish()
    )
}

/// The signed-in visitor's tokens from `client` in `tenant` for `scope`, through the
/// authorization endpoint at [`LOOPBACK`].
pub async fn sign_in_through(
    app: &TestApp,
    v: &mut Visitor,
    tenant: &str,
    client: &str,
    scope: &str,
) -> Value {
    let back = v
        .get(&authorize_path(tenant, client, LOOPBACK, scope))
        .await;
    assert_eq!(back.status, 302, "{}", back.body);
    let code = url::Url::parse(&back.location.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("a code")
        .1
        .into_owned();
    let t = app
        .form_token(
            tenant,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client),
                ("code", &code),
                ("redirect_uri", LOOPBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    t.body
}
