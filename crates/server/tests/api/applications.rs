//! Application registrations through Graph: an administrator registers an application, sets its
//! redirect URIs and public-client status, gives it a secret and deletes it, and sign-in follows
//! each change; callers without the right role or permission are refused in Graph's words.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::flows;
use crate::helpers::*;
use crate::visitor::Visitor;

fn authorize_path(client: &str, redirect: &str) -> String {
    flows::authorize_path(
        "customera.onmicrosoft.com",
        client,
        redirect,
        "openid offline_access",
    )
}

#[tokio::test]
async fn an_administrator_registers_an_application_and_sign_in_follows_its_settings() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    let created = app
        .post(
            "/v1.0/applications",
            &ga,
            json!({"displayName": "Field tool", "isFallbackPublicClient": true,
                   "publicClient": {"redirectUris": ["http://localhost"]}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let client = created.body["appId"].as_str().unwrap().to_owned();
    assert_ne!(id, client);
    assert_eq!(
        created.body["publicClient"]["redirectUris"],
        json!(["http://localhost"])
    );
    let listed = app.get("/v1.0/applications", &ga).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert!(listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["appId"] == client.as_str()));
    // A user signs in through it at a loopback address (any port).
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let back = v
        .get(&authorize_path(&client, "http://localhost:61234"))
        .await;
    assert_eq!(back.status, 302, "{}", back.body);
    assert!(back
        .location
        .unwrap()
        .starts_with("http://localhost:61234/?code="));
    // Its redirect URIs changed: the loopback address is no longer followed.
    let patched = app
        .send(
            Method::PATCH,
            &format!("/v1.0/applications/{id}"),
            Some(&ga),
            Some(json!({"displayName": "Field tool 2",
                        "publicClient": {"redirectUris": ["https://tool.example/cb"]}})),
            &[],
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{}", patched.text);
    let refused = v
        .get(&authorize_path(&client, "http://localhost:61234"))
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("AADSTS50011"), "{}", refused.body);
    let got = app.get(&format!("/v1.0/applications/{id}"), &ga).await;
    assert_eq!(got.body["displayName"], "Field tool 2");
    // A secret, shown once, and the application becomes confidential: it signs in as itself.
    let secret = app
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            &ga,
            json!({"passwordCredential": {"displayName": "ci"}}),
        )
        .await;
    assert_eq!(secret.status, StatusCode::OK, "{}", secret.text);
    let text = secret.body["secretText"].as_str().unwrap().to_owned();
    let confidential = app
        .send(
            Method::PATCH,
            &format!("/v1.0/applications/{id}"),
            Some(&ga),
            Some(json!({"isFallbackPublicClient": false})),
            &[],
        )
        .await;
    assert_eq!(confidential.status, StatusCode::NO_CONTENT);
    let shown = app.get(&format!("/v1.0/applications/{id}"), &ga).await;
    assert_eq!(
        shown.body["web"]["redirectUris"],
        json!(["https://tool.example/cb"])
    );
    assert!(shown.body["passwordCredentials"][0]
        .get("secretText")
        .is_none());
    app.app_token(CUSTOMER_A, &client, &text).await;
    // Deleted: gone from Graph and from the token service.
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/v1.0/applications/{id}"),
            Some(&ga),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    app.get(&format!("/v1.0/applications/{id}"), &ga)
        .await
        .assert_error(404, "application");
    let gone = app
        .form_token(
            CUSTOMER_A,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client),
                ("client_secret", &text),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert!(gone.text.contains("AADSTS700016"), "{}", gone.text);
}

#[tokio::test]
async fn registrations_need_a_role_or_the_permission_and_valid_input() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    let body = json!({"displayName": "Tool", "web": {"redirectUris": ["https://tool.example/cb"]}});
    // A user without an administrator role, and an application without Application.ReadWrite.All.
    let user = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    let r = app.post("/v1.0/applications", &user, body.clone()).await;
    r.assert_error(403, "microsoft.directory/applications/create");
    assert_eq!(r.body["error"]["code"], "Authorization_RequestDenied");
    let writer = app.partner().await;
    app.get("/v1.0/applications", &writer)
        .await
        .assert_error(403, "Application.Read.All");
    // Bad input in Graph's words.
    for (bad, needle) in [
        (
            json!({"displayName": "T", "web": {"redirectUris": ["http://tool.example/cb"]}}),
            "redirect URI",
        ),
        (
            json!({"displayName": "T", "web": {"redirectUris": ["javascript:alert(1)"]}}),
            "redirect URI",
        ),
        (json!({"web": {"redirectUris": []}}), "displayName"),
        (
            json!({"displayName": "T", "signInAudience": "AzureADMultipleOrgs"}),
            "signInAudience",
        ),
        (
            json!({"displayName": "T", "requiredResourceAccess": []}),
            "requiredResourceAccess",
        ),
    ] {
        let r = app.post("/v1.0/applications", &ga, bad).await;
        r.assert_error(400, needle);
        assert_eq!(r.body["error"]["code"], "Request_BadRequest", "{}", r.text);
    }
    // Another tenant's registration is not found from here.
    let created = app.post("/v1.0/applications", &ga, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let other = app.customer_b_admin_graph().await;
    app.get(
        &format!(
            "/v1.0/applications/{}",
            created.body["id"].as_str().unwrap()
        ),
        &other,
    )
    .await
    .assert_error(404, "application");
}
