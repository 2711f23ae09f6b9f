//! Azure subscriptions of CSP customers, called over plain HTTP as the Azure CLI and SDKs call
//! Resource Manager: the partner orders an Azure plan and its Admin Agents get Owner as a foreign
//! group; a technician gets a Resource Manager token in the customer from that role, with or
//! without GDAP, and manages resource groups; the customer's Global Administrator elevates access
//! and deletes the partner's assignment, after which the technician's next call is refused.

use gdap_domain::customer::PartnerLink;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const ARM: &str = "https://management.azure.com//.default";
const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// A Resource Manager token for `upn` issued by `tenant` (the Azure CLI's password sign-in).
async fn arm_token(app: &TestApp, tenant: &str, upn: &str, password: &str) -> Res {
    app.form_token(
        tenant,
        &[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("username", upn),
            ("password", password),
            ("scope", ARM),
        ],
    )
    .await
}

async fn arm(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Res {
    app.send(method, path, Some(token), body, &[]).await
}

/// Customer A ties to Partner One as its reseller and accepts the customer agreement; Partner
/// One's Admin Agent orders an Azure plan. The subscription id.
async fn provisioned(app: &TestApp) -> String {
    app.tie(vec![PartnerLink {
        reseller: true,
        ..partner_link(CUSTOMER_A, PARTNER)
    }])
    .await;
    let agent = app
        .user_token("agent@partnerone.onmicrosoft.com", "Agent-Pass-1", PC_SCOPE)
        .await;
    let order = json!({ "referenceCustomerId": CUSTOMER_A, "lineItems": [{ "lineItemNumber": 0, "offerId": "DZH318Z0BPS6:0001", "friendlyName": "Production", "quantity": 1 }] });
    let path = format!("/v1/customers/{CUSTOMER_A}/orders");
    let refused = app
        .send(Method::POST, &path, Some(&agent), Some(order.clone()), &[])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["code"], 13605, "{}", refused.text);
    let ga = app.customer_a_admin().await;
    let r = app
        .post("/admincenter/v1/customerAgreement", &ga, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .send(Method::POST, &path, Some(&agent), Some(order), &[])
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["attributes"]["objectType"], "Order");
    r.body["lineItems"][0]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_partners_admin_agents_own_what_it_provisions_until_the_customer_removes_the_assignment(
) {
    let app = spawn_app().await;
    // No Azure role, no GDAP: no Resource Manager token in the customer.
    let early = arm_token(
        &app,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(early.status, 400, "{}", early.text);
    let sub = provisioned(&app).await;
    let t = arm_token(
        &app,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.text);
    let tech = t.body["access_token"].as_str().unwrap().to_owned();
    // Resource Manager's conventions: api-version required, its error envelope.
    let r = arm(&app, Method::GET, "/subscriptions", &tech, None).await;
    assert_eq!(
        (r.status.as_u16(), r.body["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter")),
        "{}",
        r.text
    );
    let r = arm(
        &app,
        Method::GET,
        "/subscriptions?api-version=2020-01-01",
        &tech,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["value"][0]["subscriptionId"],
        sub.as_str(),
        "{}",
        r.text
    );
    assert_eq!(r.body["value"][0]["tenantId"], CUSTOMER_A);
    // The Owner: a foreign group, the partner's Admin Agents.
    let ras = format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments");
    let r = arm(
        &app,
        Method::GET,
        &format!("{ras}?api-version=2022-04-01"),
        &tech,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let owner = r.body["value"][0].clone();
    assert_eq!(
        owner["properties"]["principalType"], "ForeignGroup",
        "{owner}"
    );
    assert_eq!(owner["properties"]["principalId"], ADMIN_AGENTS);
    assert!(owner["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap()
        .ends_with("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
    // The technician manages resource groups: 201 new, 200 again.
    let rg = format!("/subscriptions/{sub}/resourcegroups/web-prod?api-version=2021-04-01");
    let r = arm(
        &app,
        Method::PUT,
        &rg,
        &tech,
        Some(json!({ "location": "japaneast" })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
    let r = arm(
        &app,
        Method::PUT,
        &rg,
        &tech,
        Some(json!({ "location": "japaneast" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A partner user outside Admin Agents has no role, hence no token.
    let helpdesk = arm_token(
        &app,
        "customera.onmicrosoft.com",
        "tech@partnerone.onmicrosoft.com",
        "Tech-Pass-1",
    )
    .await;
    assert_eq!(helpdesk.status, 400, "{}", helpdesk.text);

    // The customer's Global Administrator has no Azure role on a CSP subscription…
    let ga = arm_token(
        &app,
        "customera.onmicrosoft.com",
        "ga@customera.onmicrosoft.com",
        "Ga-Pass-1",
    )
    .await;
    let ga = ga.body["access_token"].as_str().unwrap().to_owned();
    let owner_path = format!(
        "{ras}/{}?api-version=2022-04-01",
        owner["name"].as_str().unwrap()
    );
    let r = arm(&app, Method::DELETE, &owner_path, &ga, None).await;
    assert_eq!(
        (r.status.as_u16(), r.body["error"]["code"].as_str()),
        (403, Some("AuthorizationFailed")),
        "{}",
        r.text
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Microsoft.Authorization/roleAssignments/delete"));
    // …until it elevates access; then it deletes the partner's assignment.
    let r = arm(
        &app,
        Method::POST,
        "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01",
        &ga,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = arm(&app, Method::DELETE, &owner_path, &ga, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], owner["name"]);
    let r = arm(&app, Method::DELETE, &owner_path, &ga, None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // The technician's next call is refused, and it gets no new token.
    let r = arm(
        &app,
        Method::PUT,
        &rg,
        &tech,
        Some(json!({ "location": "japaneast" })),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.body["error"]["code"].as_str()),
        (403, Some("AuthorizationFailed")),
        "{}",
        r.text
    );
    let again = arm_token(
        &app,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(again.status, 400, "{}", again.text);
    // A user who is not the tenant's Global Administrator cannot elevate.
    let other = app
        .user_token("user@customera.onmicrosoft.com", "User-Pass-1", ARM)
        .await;
    let r = arm(
        &app,
        Method::POST,
        "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01",
        &other,
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
}

#[tokio::test]
async fn removing_roles_leaves_azure_access_and_the_gdap_setting_asks_for_both() {
    let app = spawn_app().await;
    let sub = provisioned(&app).await;
    // DAP given then removed ("Remove roles"): the Azure role still gives a token and access.
    app.tie(vec![PartnerLink {
        reseller: true,
        dap: true,
        ..partner_link(CUSTOMER_A, PARTNER)
    }])
    .await;
    // The customer's Remove roles ends DAP; the Azure role stays.
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
    assert_eq!(removed.status, 200, "{}", removed.text);
    let t = arm_token(
        &app,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.text);
    let tech = t.body["access_token"].as_str().unwrap();
    let r = arm(
        &app,
        Method::GET,
        &format!("/subscriptions/{sub}?api-version=2020-01-01"),
        tech,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Another tenant's subscription is not found.
    let ghost = uuid::Uuid::new_v4();
    let r = arm(
        &app,
        Method::GET,
        &format!("/subscriptions/{ghost}?api-version=2020-01-01"),
        tech,
        None,
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.body["error"]["code"].as_str()),
        (404, Some("SubscriptionNotFound")),
        "{}",
        r.text
    );

    // With Microsoft's current guidance as the setting, the Azure role alone is not enough.
    let strict = spawn_with(Options {
        azure_requires_gdap: true,
        ..Options::default()
    })
    .await;
    provisioned(&strict).await;
    let refused = arm_token(
        &strict,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    strict
        .tie(vec![PartnerLink {
            reseller: true,
            dap: true,
            ..partner_link(CUSTOMER_A, PARTNER)
        }])
        .await;
    let allowed = arm_token(
        &strict,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    // …and there Remove roles ends the Resource Manager tokens too.
    let admin = strict.customer_a_admin().await;
    let removed = strict
        .send(
            Method::POST,
            &format!("/admincenter/v1/partners/{PARTNER}/removeRoles"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let after = arm_token(
        &strict,
        "customera.onmicrosoft.com",
        "agent@partnerone.onmicrosoft.com",
        "Agent-Pass-1",
    )
    .await;
    assert_eq!(after.status, 400, "{}", after.text);
}

#[tokio::test]
async fn the_check_api_explains_azure_decisions_by_the_assignment_or_its_absence() {
    let app = spawn_app().await;
    let sub = provisioned(&app).await;
    let admin = app
        .user_token(
            "admin@partnerone.onmicrosoft.com",
            "Admin-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    let ask = |upn: &'static str, action: &'static str, scope: String| {
        let (app, admin) = (&app, &admin);
        async move {
            app.send(Method::POST, "/authz/v1/check", Some(admin), Some(json!({ "userPrincipalName": upn, "tenantId": CUSTOMER_A, "action": action, "scope": scope })), &[])
                .await
        }
    };
    let scope = format!("/subscriptions/{sub}/resourceGroups/web");
    let r = ask(
        "agent@partnerone.onmicrosoft.com",
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        scope.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["decision"], "allow", "{}", r.text);
    let m = r.body["message"].as_str().unwrap();
    assert!(
        m.contains("Owner") && m.contains("ForeignGroup") && m.contains(ADMIN_AGENTS),
        "{m}"
    );
    let r = ask(
        "tech@partnerone.onmicrosoft.com",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        scope,
    )
    .await;
    assert_eq!(
        (r.body["decision"].as_str(), r.body["reason"].as_str()),
        (Some("deny"), Some("azureNoRoleAssignment")),
        "{}",
        r.text
    );
}
