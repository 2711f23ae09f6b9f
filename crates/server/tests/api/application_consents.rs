//! Partner Center's application consents (the Secure Application Model): a partner consents its
//! own application into a customer, and the token service honours it when the partner's
//! technicians sign in to that customer through the application.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// Partner One's application with no permissions of its own.
const BARE_APP: &str = "11111111-cccc-4ccc-8ccc-000000000003";
const CLOUD_APP_ADMIN: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

/// The technician signs in to `tenant` through the bare application, asking for `User.Read.All`.
async fn technician_through_app(app: &TestApp, tenant: &str) -> Res {
    app.form_token(
        tenant,
        &[
            ("grant_type", "password"),
            ("client_id", BARE_APP),
            ("client_secret", "nothing-secret"),
            ("username", "tech@partnerone.onmicrosoft.com"),
            ("password", "Tech-Pass-1"),
            ("scope", "https://graph.microsoft.com/User.Read.All"),
        ],
    )
    .await
}

fn consent_body(client: &str, scope: &str) -> Value {
    json!({
        "applicationId": client,
        "displayName": "Partner automation",
        "applicationGrants": [
            { "enterpriseApplicationId": GRAPH_APP, "scope": scope },
            { "enterpriseApplicationId": "00000002-0000-0ff1-ce00-000000000000", "scope": "Exchange.Manage" }
        ]
    })
}

async fn consent(app: &TestApp, token: &str, customer: &str, body: Value) -> Res {
    app.send(
        Method::POST,
        &format!("/v1/customers/{customer}/applicationconsents"),
        Some(token),
        Some(body),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_consented_application_gets_the_technicians_delegated_token_until_the_consent_is_removed()
{
    let app = spawn_app().await;
    app.technician_in_customer_a(&[DIRECTORY_READERS, CLOUD_APP_ADMIN])
        .await;
    let before = technician_through_app(&app, CUSTOMER_A).await;
    assert_eq!(before.status, 400, "{}", before.text);
    assert!(before.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS65001"));

    let pc = app.partner_center().await;
    let r = consent(
        &app,
        &pc,
        CUSTOMER_A,
        consent_body(BARE_APP, "User.Read.All,Directory.Read.All"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["applicationId"], BARE_APP);
    assert_eq!(
        r.body["applicationGrants"][0]["scope"],
        "User.Read.All,Directory.Read.All"
    );

    let after = technician_through_app(&app, CUSTOMER_A).await;
    assert_eq!(after.status, 200, "{}", after.text);
    let token = after.body["access_token"].as_str().unwrap();
    let claims = crate::flows::claims(token);
    assert_eq!(claims["tid"], CUSTOMER_A);
    assert_eq!(claims["azp"], BARE_APP, "{claims}");
    assert_eq!(claims["scp"], "User.Read.All");
    let users = app
        .get("/v1.0/users/ga@customera.onmicrosoft.com", token)
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
    // The consent is the customer's: in the partner's own tenant the application still has none.
    let home = technician_through_app(&app, PARTNER).await;
    assert_eq!(home.status, 400, "{}", home.text);

    // A second consent of the same application conflicts; removing it ends the tokens.
    let again = consent(
        &app,
        &pc,
        CUSTOMER_A,
        consent_body(BARE_APP, "User.Read.All"),
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.text);
    let path = format!("/v1/customers/{CUSTOMER_A}/applicationconsents/{BARE_APP}");
    let gone = app.send(Method::DELETE, &path, Some(&pc), None, &[]).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert_eq!(technician_through_app(&app, CUSTOMER_A).await.status, 400);
    let twice = app.send(Method::DELETE, &path, Some(&pc), None, &[]).await;
    assert_eq!(twice.status, 404, "{}", twice.text);
    let audit = app
        .state
        .store
        .audit_of(
            gdap_domain::ids::TenantId::parse(CUSTOMER_A).unwrap(),
            Some(gdap_domain::ids::TenantId::parse(PARTNER).unwrap()),
            0,
            50,
        )
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "application-consent.create"));
    assert!(audit
        .iter()
        .any(|e| e.action == "application-consent.delete"));
}

#[tokio::test]
async fn a_consent_needs_a_consenting_role_in_the_customer_and_the_partners_own_application() {
    let app = spawn_app().await;
    // The relationship holds User Administrator only: no role that consents for an organization.
    app.technician_in_customer_a(&[USER_ADMIN]).await;
    let pc = app.partner_center().await;
    let body = consent_body(BARE_APP, "User.Read.All");
    let r = consent(&app, &pc, CUSTOMER_A, body.clone()).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.body["description"]
        .as_str()
        .unwrap()
        .contains("Cloud Application Administrator"));
    // A customer the partner has nothing with is not found.
    let r = consent(&app, &pc, CUSTOMER_B, body.clone()).await;
    assert_eq!(r.status, 404, "{}", r.text);
    // With DAP the partner may; yet not for another partner's application, nor unknown
    // permissions, nor from a user who is no admin agent.
    app.tie(vec![gdap_domain::customer::PartnerLink {
        reseller: true,
        dap: true,
        ..partner_link(CUSTOMER_A, PARTNER)
    }])
    .await;
    let other = consent_body("22222222-cccc-4ccc-8ccc-000000000001", "User.Read.All");
    let r = consent(&app, &pc, CUSTOMER_A, other).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["description"]
        .as_str()
        .unwrap()
        .contains("applicationId"));
    let r = consent(&app, &pc, CUSTOMER_A, consent_body(BARE_APP, "Mail.Send")).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["description"]
        .as_str()
        .unwrap()
        .contains("Mail.Send"));
    let r = consent(&app, &pc, CUSTOMER_A, json!({"applicationId": BARE_APP})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let agent = app
        .user_token("agent@partnerone.onmicrosoft.com", "Agent-Pass-1", PC_SCOPE)
        .await;
    let r = consent(&app, &agent, CUSTOMER_A, body.clone()).await;
    assert_eq!(r.status, 403, "{}", r.text);
    // Nothing was consented on the way: the technician still gets no token through it.
    assert_eq!(technician_through_app(&app, CUSTOMER_A).await.status, 400);
    let r = consent(&app, &pc, CUSTOMER_A, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}
