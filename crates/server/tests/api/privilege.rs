//! Entra's privilege rules on users: who may reset whose password, and disable, enable or delete
//! whom, depends on the roles the *target* holds as well as on the caller's. A partner's technician
//! acting through GDAP, and the customer's own administrators, follow the same tables.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const GA_A: &str = "/v1.0/users/ga@customera.onmicrosoft.com";
const USER_A: &str = "/v1.0/users/user@customera.onmicrosoft.com";

/// Customer A's Global Administrator (token `ga`) gives `user@customera…` the role `role`.
async fn give_user_a(app: &TestApp, ga: &str, role: &str) {
    let user = app.get(USER_A, ga).await;
    let made = app
        .post(
            "/v1.0/roleManagement/directory/roleAssignments",
            ga,
            json!({"roleDefinitionId": role, "principalId": user.body["id"], "directoryScopeId": "/"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
}

/// Customer A's Global Administrator can still sign in with its own password.
async fn global_admin_still_signs_in(app: &TestApp) {
    app.customer_a_admin_graph().await;
}

#[tokio::test]
async fn a_technician_with_helpdesk_and_user_administrator_cannot_take_over_a_global_administrator()
{
    let app = spawn_app().await;
    let tech = app.technician_in_customer_a(&[HELPDESK, USER_ADMIN]).await;

    // A password reset of the Global Administrator is refused, with the target named as the reason.
    let reset = app
        .send(
            Method::PATCH,
            GA_A,
            Some(&tech),
            Some(json!({"passwordProfile": {"password": "Taken-Over-1", "forceChangePasswordNextSignIn": false}})),
            &[],
        )
        .await;
    reset.assert_error(403, "targetProtected");
    reset.assert_error(403, "Global Administrator");
    // Nor may the technician disable or delete the administrator.
    app.send(
        Method::PATCH,
        GA_A,
        Some(&tech),
        Some(json!({"accountEnabled": false})),
        &[],
    )
    .await
    .assert_error(403, "targetProtected");
    app.send(Method::DELETE, GA_A, Some(&tech), None, &[])
        .await
        .assert_error(403, "targetProtected");
    global_admin_still_signs_in(&app).await;

    // The same technician still resets, disables and deletes an ordinary user.
    let reset = app
        .send(
            Method::PATCH,
            USER_A,
            Some(&tech),
            Some(json!({"passwordProfile": {"password": "Fresh-Pass-1"}})),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    let off = app
        .send(
            Method::PATCH,
            USER_A,
            Some(&tech),
            Some(json!({"accountEnabled": false})),
            &[],
        )
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.text);
    let gone = app
        .send(Method::DELETE, USER_A, Some(&tech), None, &[])
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
}

#[tokio::test]
async fn a_helpdesk_technician_may_not_reset_a_user_administrator_but_a_user_administrator_may() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    give_user_a(&app, &ga, USER_ADMIN).await;

    let tech = app.technician_in_customer_a(&[HELPDESK]).await;
    let reset = app
        .send(
            Method::PATCH,
            USER_A,
            Some(&tech),
            Some(json!({"passwordProfile": {"password": "Fresh-Pass-1"}})),
            &[],
        )
        .await;
    reset.assert_error(403, "User Administrator");
    reset.assert_error(403, "Helpdesk Administrator");

    // The customer's own Global Administrator may.
    let ok = app
        .send(
            Method::PATCH,
            USER_A,
            Some(&ga),
            Some(json!({"passwordProfile": {"password": "Fresh-Pass-2"}})),
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
}

#[tokio::test]
async fn own_tenant_administrators_follow_the_same_rules_as_technicians() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    give_user_a(&app, &ga, HELPDESK).await;
    let helpdesk = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    app.send(
        Method::PATCH,
        GA_A,
        Some(&helpdesk),
        Some(json!({"passwordProfile": {"password": "Taken-Over-1"}})),
        &[],
    )
    .await
    .assert_error(403, "targetProtected");
    global_admin_still_signs_in(&app).await;
}

#[tokio::test]
async fn the_check_api_explains_a_refusal_by_the_targets_role() {
    let app = spawn_app().await;
    app.technician_in_customer_a(&[HELPDESK]).await;
    let admin = app.customer_a_admin().await;
    let ask = |target: &'static str| {
        json!({"userPrincipalName": "tech@partnerone.onmicrosoft.com",
               "domain": "customera.onmicrosoft.com",
               "action": "microsoft.directory/users/password/update",
               "targetUserPrincipalName": target})
    };
    let r = app
        .send(
            Method::POST,
            "/authz/v1/check",
            Some(&admin),
            Some(ask("ga@customera.onmicrosoft.com")),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["decision"], "deny", "{}", r.text);
    assert_eq!(r.body["reason"], "targetProtected");
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.contains("Global Administrator") && message.contains("Helpdesk Administrator"),
        "{message}"
    );
    let r = app
        .send(
            Method::POST,
            "/authz/v1/check",
            Some(&admin),
            Some(ask("user@customera.onmicrosoft.com")),
            &[],
        )
        .await;
    assert_eq!(r.body["decision"], "allow", "{}", r.text);
}
