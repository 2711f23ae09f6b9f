//! Tenant isolation and token validation.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn another_partners_relationships_are_invisible_not_merely_forbidden() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let p2 = app.partner_two().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body("Mine", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let etag = rel["@odata.etag"].as_str().unwrap();
    let url = format!("{RELS}/{id}");
    app.get(&url, &p2).await.assert_error(404, "not found");
    app.patch(&url, &p2, etag, json!({"autoExtendDuration": "P180D"}))
        .await
        .assert_error(404, "not found");
    app.delete(&url, &p2, etag)
        .await
        .assert_error(404, "not found");
    app.get(&format!("{url}/requests"), &p2)
        .await
        .assert_error(404, "not found");
    app.post(
        &format!("{url}/requests"),
        &p2,
        json!({"action": "terminate"}),
    )
    .await
    .assert_error(404, "not found");
    app.get(&format!("{url}/accessAssignments"), &p2)
        .await
        .assert_error(404, "not found");
    app.get(&format!("{url}/operations"), &p2)
        .await
        .assert_error(404, "not found");
    app.get(
        &format!("/v1.0/tenantRelationships/delegatedAdminCustomers/{CUSTOMER_A}"),
        &p2,
    )
    .await
    .assert_error(404, "not found");
    assert!(app.get(RELS, &p2).await.body["value"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(app
        .get(
            &format!("{RELS}?$filter=customer/tenantId eq '{CUSTOMER_A}'"),
            &p2
        )
        .await
        .body["value"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        app.relationship(&p, id).await["status"],
        "active",
        "nothing changed"
    );
}

#[tokio::test]
async fn a_customer_sees_only_its_own_partners_and_invitations() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.active_relationship(
        &p,
        relationship_body("For A", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
    )
    .await;
    let b = app.customer_b_admin().await;
    assert!(app.get("/admincenter/v1/partners", &b).await.body["value"]
        .as_array()
        .unwrap()
        .is_empty());
    let draft = app.create_default(&p, "unlocked").await;
    app.get(
        &format!(
            "/admincenter/v1/gdapInvitations/{}",
            draft["id"].as_str().unwrap()
        ),
        &b,
    )
    .await
    .assert_error(404, "not found");
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn forged_expired_unsigned_and_wrong_audience_tokens_are_refused() {
    let app = spawn_app().await;
    let good = app.partner().await;
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();

    let mut other = claims.clone();
    other["tid"] = json!(PARTNER_TWO);
    let forged = format!("{}.{}.{}", parts[0], b64(&other), parts[2]);
    app.get(RELS, &forged).await.assert_error(401, "signature");

    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        parts[1]
    );
    app.get(RELS, &unsigned)
        .await
        .assert_error(401, "algorithm");

    let hs = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        parts[1],
        parts[2]
    );
    app.get(RELS, &hs).await.assert_error(401, "algorithm");

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    claims["exp"] = json!(now - 3600);
    claims["iat"] = json!(now - 7200);
    claims["nbf"] = json!(now - 7200);
    let expired = app
        .state
        .keys
        .sign(&serde_json::from_value::<gdap_auth::Claims>(claims.clone()).unwrap())
        .unwrap();
    app.get(RELS, &expired).await.assert_error(401, "expired");

    claims["exp"] = json!(now + 3600);
    claims["aud"] = json!("https://management.azure.com");
    let wrong_aud = app
        .state
        .keys
        .sign(&serde_json::from_value::<gdap_auth::Claims>(claims).unwrap())
        .unwrap();
    app.get(RELS, &wrong_aud)
        .await
        .assert_error(401, "audience");

    let admin_aud = app.customer_a_admin().await;
    app.get(RELS, &admin_aud)
        .await
        .assert_error(401, "audience");

    app.get(RELS, "garbage")
        .await
        .assert_error(401, "malformed");
    app.send(
        Method::GET,
        RELS,
        None,
        None,
        &[("Authorization", "Basic abc")],
    )
    .await
    .assert_error(401, "Bearer");
}

#[tokio::test]
async fn the_token_endpoint_refuses_bad_credentials_with_entra_errors() {
    let app = spawn_app().await;
    let bad_secret = app
        .form_token(
            PARTNER,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "11111111-cccc-4ccc-8ccc-000000000001"),
                ("client_secret", "wrong"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(bad_secret.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_secret.body["error"], "invalid_client");
    assert!(bad_secret.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215"));
    let other_tenant = app
        .form_token(
            PARTNER_TWO,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "11111111-cccc-4ccc-8ccc-000000000001"),
                ("client_secret", "writer-secret"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(other_tenant.body["error"], "unauthorized_client");
    let no_default = app
        .form_token(
            PARTNER,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "11111111-cccc-4ccc-8ccc-000000000001"),
                ("client_secret", "writer-secret"),
                ("scope", "User.Read"),
            ],
        )
        .await;
    assert_eq!(no_default.body["error"], "invalid_scope");
    let grant = app.form_token(PARTNER, &[("grant_type", "implicit")]).await;
    assert_eq!(grant.body["error"], "unsupported_grant_type");
    let unknown = app
        .form_token(
            "nowhere.onmicrosoft.com",
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let wrong_pw = app
        .form_token(
            "partnerone.onmicrosoft.com",
            &[
                ("grant_type", "password"),
                ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                ("username", "agent@partnerone.onmicrosoft.com"),
                ("password", "nope"),
                ("scope", "User.Read"),
            ],
        )
        .await;
    assert_eq!(wrong_pw.body["error"], "invalid_grant");
    let cross = app
        .form_token(
            CUSTOMER_A,
            &[
                ("grant_type", "password"),
                ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                ("username", "agent@partnerone.onmicrosoft.com"),
                ("password", "Agent-Pass-1"),
                ("scope", "User.Read"),
            ],
        )
        .await;
    assert_eq!(cross.body["error"], "invalid_grant", "{}", cross.text);
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_account_for_a_while() {
    let app = spawn_app().await;
    let form = |pw: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "agent@partnerone.onmicrosoft.com"),
            ("password", pw),
            ("scope", "User.Read"),
        ]
    };
    for _ in 0..10 {
        let r = app
            .form_token("partnerone.onmicrosoft.com", &form("wrong"))
            .await;
        assert!(r.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS50126"));
    }
    let locked = app
        .form_token("partnerone.onmicrosoft.com", &form("Agent-Pass-1"))
        .await;
    assert!(
        locked.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS50053"),
        "{}",
        locked.text
    );
}

#[tokio::test]
async fn tokens_carry_entra_claims_and_verify_against_the_published_keys() {
    let app = spawn_app().await;
    let t = app.partner().await;
    let parts: Vec<&str> = t.split('.').collect();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .unwrap(),
    )
    .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(claims["tid"], PARTNER);
    assert_eq!(claims["aud"], "https://graph.microsoft.com");
    assert_eq!(
        claims["roles"],
        json!(["DelegatedAdminRelationship.ReadWrite.All"])
    );
    assert!(claims["iss"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{PARTNER}/v2.0")));
    let jwks = app
        .send(
            Method::GET,
            &format!("/{PARTNER}/discovery/v2.0/keys"),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(jwks.body["keys"][0]["kid"], header["kid"]);
    let oidc = app
        .send(
            Method::GET,
            "/partnerone.onmicrosoft.com/v2.0/.well-known/openid-configuration",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(oidc.body["issuer"], claims["iss"]);
    assert!(oidc.body["token_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oauth2/v2.0/token"));
}
