//! Refresh tokens: issued with `offline_access`, redeemed once each for tokens and a fresh one, in
//! any tenant where the user may act (a customer's only through delegated access), and revoked by
//! signing out, a password change, a disabled account or the customer removing the partner's
//! roles.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::flows::{claims, sign_in_through, CLI, TOOL};
use crate::helpers::*;
use crate::visitor::Visitor;

const OFFLINE: &str = "openid profile offline_access https://graph.microsoft.com/.default";

/// `upn` signs in with a password through Azure CLI and keeps the refresh token.
async fn signed_in(app: &TestApp, upn: &str, password: &str) -> String {
    let r = app
        .form_token(
            upn.split('@').nth(1).unwrap(),
            &[
                ("grant_type", "password"),
                ("client_id", CLI),
                ("username", upn),
                ("password", password),
                ("scope", OFFLINE),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned()
}

async fn refresh(app: &TestApp, tenant: &str, client: &str, token: &str, scope: &str) -> Res {
    app.form_token(
        tenant,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client),
            ("refresh_token", token),
            ("scope", scope),
            ("client_info", "1"),
        ],
    )
    .await
}

fn refused(r: &Res, error: &str, code: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.body["error"], error, "{}", r.text);
    assert!(r.text.contains(code), "{}", r.text);
}

#[tokio::test]
async fn a_technicians_refresh_token_is_redeemed_in_customers_with_gdap_only_and_rotates() {
    let app = spawn_app().await;
    app.technician_in_customer_a(&[HELPDESK]).await;
    let rt = signed_in(&app, "tech@partnerone.onmicrosoft.com", "Tech-Pass-1").await;
    // Customer B has no relationship with the partner: Entra's 50020, and the token is not spent.
    let b = refresh(&app, CUSTOMER_B, CLI, &rt, OFFLINE).await;
    refused(&b, "invalid_grant", "AADSTS50020");
    // Customer A: a token there, with the partner as the user's home, and the next refresh token.
    let a = refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let access = claims(a.body["access_token"].as_str().unwrap());
    assert_eq!(access["tid"], CUSTOMER_A);
    assert_eq!(access["home_tid"], PARTNER);
    assert_eq!(
        claims(a.body["id_token"].as_str().unwrap())["tid"],
        CUSTOMER_A
    );
    let next = a.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next, rt);
    // The token acts at Graph in Customer A as the technician's roles allow.
    let reset = app
        .send(
            Method::PATCH,
            "/v1.0/users/user@customera.onmicrosoft.com",
            a.body["access_token"].as_str(),
            Some(json!({"passwordProfile": {"password": "Another-Pass-1"}})),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    // The redeemed token is spent; its successor works, for another resource too.
    refused(
        &refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await,
        "invalid_grant",
        "AADSTS70008",
    );
    let pc = refresh(
        &app,
        CUSTOMER_A,
        CLI,
        &next,
        "https://api.partnercenter.microsoft.com/user_impersonation offline_access",
    )
    .await;
    assert_eq!(pc.status, StatusCode::OK, "{}", pc.text);
    let pc_claims = claims(pc.body["access_token"].as_str().unwrap());
    assert_eq!(pc_claims["aud"], "https://api.partnercenter.microsoft.com");
    assert_eq!(pc_claims["scp"], "user_impersonation");
    let next = pc.body["refresh_token"].as_str().unwrap().to_owned();
    // Another application cannot redeem it, nor can a malformed request.
    refused(
        &refresh(&app, CUSTOMER_A, TOOL, &next, OFFLINE).await,
        "invalid_grant",
        "AADSTS70000",
    );
    refused(
        &refresh(&app, CUSTOMER_A, CLI, "not-a-token", OFFLINE).await,
        "invalid_grant",
        "AADSTS70008",
    );
    let missing = app
        .form_token(
            CUSTOMER_A,
            &[("grant_type", "refresh_token"), ("client_id", CLI)],
        )
        .await;
    refused(&missing, "invalid_request", "AADSTS900144");
    // The customer removes the partner's roles: the technician's token no longer leads there,
    // while it still signs the technician in at home.
    let admin = app.customer_a_admin().await;
    let removed = app
        .send(
            Method::POST,
            &format!("/admincenter/v1/partners/{PARTNER}/removeRoles"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    refused(
        &refresh(&app, CUSTOMER_A, CLI, &next, OFFLINE).await,
        "invalid_grant",
        "AADSTS50020",
    );
    let home = refresh(&app, "organizations", CLI, &next, OFFLINE).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    assert_eq!(
        claims(home.body["access_token"].as_str().unwrap())["tid"],
        PARTNER
    );
}

#[tokio::test]
async fn no_refresh_token_comes_without_offline_access() {
    let app = spawn_app().await;
    let r = app
        .form_token(
            "customera.onmicrosoft.com",
            &[
                ("grant_type", "password"),
                ("client_id", CLI),
                ("username", "ga@customera.onmicrosoft.com"),
                ("password", "Ga-Pass-1"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body.get("refresh_token").is_none(), "{}", r.text);
}

#[tokio::test]
async fn a_password_change_or_a_disabled_account_revokes_the_users_refresh_tokens() {
    let app = spawn_app().await;
    let upn = "cdara@customera.onmicrosoft.com";
    let rt = signed_in(&app, upn, "Cdara-Pass-1").await;
    let ga = app.customer_a_admin_graph().await;
    let reset = app
        .send(
            Method::PATCH,
            &format!("/v1.0/users/{upn}"),
            Some(&ga),
            Some(json!({"passwordProfile": {"password": "Fresh-Pass-9"}})),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    refused(
        &refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await,
        "invalid_grant",
        "AADSTS50173",
    );
    // Signed in again with the new password; then the account is disabled.
    let rt = signed_in(&app, upn, "Fresh-Pass-9").await;
    let off = app
        .send(
            Method::PATCH,
            &format!("/v1.0/users/{upn}"),
            Some(&ga),
            Some(json!({"accountEnabled": false})),
            &[],
        )
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.text);
    refused(
        &refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await,
        "invalid_grant",
        "AADSTS50057",
    );
}

#[tokio::test]
async fn signing_out_revokes_the_refresh_tokens_of_that_browser_session_only() {
    let app = spawn_app().await;
    let upn = "admin@partnerone.onmicrosoft.com";
    let elsewhere = signed_in(&app, upn, "Admin-Pass-1").await;
    // An application signs the user in through the browser session.
    let mut v = Visitor::new(&app);
    v.sign_in(upn, "Admin-Pass-1").await;
    let t = sign_in_through(
        &app,
        &mut v,
        "partnerone.onmicrosoft.com",
        TOOL,
        "openid offline_access User.ReadWrite.All",
    )
    .await;
    let from_session = t["refresh_token"].as_str().unwrap().to_owned();
    // Signing out of that session ends its application's refresh token, and no other.
    let home = v.get("/partner").await;
    let csrf = Visitor::csrf_of(&home);
    let out = v.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303, "{}", out.body);
    refused(
        &refresh(&app, PARTNER, TOOL, &from_session, "User.ReadWrite.All").await,
        "invalid_grant",
        "AADSTS70008",
    );
    let other = refresh(&app, PARTNER, CLI, &elsewhere, OFFLINE).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[tokio::test]
async fn revoking_a_users_sign_in_sessions_ends_its_refresh_tokens_and_browser_sessions() {
    let app = spawn_app().await;
    let upn = "cdara@customera.onmicrosoft.com";
    let rt = signed_in(&app, upn, "Cdara-Pass-1").await;
    let mut v = Visitor::new(&app);
    v.sign_in(upn, "Cdara-Pass-1").await;
    assert_eq!(v.get("/adminportal/settings/partners").await.status, 200);
    let path = format!("/v1.0/users/{upn}/revokeSignInSessions");
    // A user without an administrator role may not.
    let user = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    app.post(&path, &user, json!({}))
        .await
        .assert_error(403, "invalidateAllRefreshTokens");
    assert_eq!(
        refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await.status,
        StatusCode::OK
    );
    let rt = signed_in(&app, upn, "Cdara-Pass-1").await;
    // The Global Administrator may: the refresh token and the browser session end.
    let ga = app.customer_a_admin_graph().await;
    let r = app.post(&path, &ga, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["value"], true);
    refused(
        &refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await,
        "invalid_grant",
        "AADSTS70008",
    );
    let after = v.get("/adminportal/settings/partners").await;
    assert_eq!(after.status, 303);
}

#[tokio::test]
async fn a_refresh_token_unused_for_ninety_days_has_expired() {
    let app = spawn_app().await;
    let rt = signed_in(&app, "ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    app.advance("P89D").await;
    let r = refresh(&app, CUSTOMER_A, CLI, &rt, OFFLINE).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Each redemption starts the ninety days again; unused for longer, the token is gone.
    let next = r.body["refresh_token"].as_str().unwrap().to_owned();
    app.advance("P91D").await;
    refused(
        &refresh(&app, CUSTOMER_A, CLI, &next, OFFLINE).await,
        "invalid_grant",
        "AADSTS70008",
    );
}
