//! `POST /v1/customers`: a partner creates a customer tenant whose first administrator signs in
//! with the password returned once, optionally with the default GDAP relationship; an indirect
//! provider creates one for an indirect reseller.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const PROVIDER: &str = "55555555-5555-4555-8555-555555555555";
const GRAPH: &str = "https://graph.microsoft.com/.default";

/// A create body as Microsoft's sample sends it (PascalCase).
fn body(domain: &str, extra: Value) -> Value {
    let mut b = json!({
        "CompanyProfile": { "Domain": domain },
        "BillingProfile": {
            "Culture": "ja-jp",
            "Email": "tanaka@wingtip.example",
            "Language": "JA",
            "CompanyName": "ウイングティップ トイズ",
            "DefaultAddress": {
                "FirstName": "Taro", "LastName": "Tanaka",
                "AddressLine1": "1-2-3 Minato", "City": "Tokyo",
                "PostalCode": "108-0075", "Country": "jp"
            }
        },
        "Attributes": { "ObjectType": "Customer" }
    });
    if let (Some(b), Some(x)) = (b.as_object_mut(), extra.as_object()) {
        b.extend(x.clone());
    }
    b
}

async fn create(app: &TestApp, token: &str, body: Value) -> Res {
    app.send(Method::POST, "/v1/customers", Some(token), Some(body), &[])
        .await
}

/// The GDAP relationships a Graph token sees with `customer`.
async fn relationships_with(app: &TestApp, token: &str, customer: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("{RELS}?$filter=customer/tenantId eq '{customer}'"),
            token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_created_customers_administrator_signs_in_and_the_partner_lists_it_as_reseller() {
    let app = spawn_app().await;
    let pc = app.partner_center().await;
    let r = create(&app, &pc, body("WingtipToys.onmicrosoft.com", json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["attributes"]["objectType"], "Customer");
    assert_eq!(
        r.body["companyProfile"]["domain"],
        "wingtiptoys.onmicrosoft.com"
    );
    assert_eq!(
        r.body["companyProfile"]["companyName"],
        "ウイングティップ トイズ"
    );
    assert_eq!(r.body["billingProfile"]["culture"], "ja-JP");
    assert_eq!(r.body["billingProfile"]["defaultAddress"]["country"], "JP");
    assert_eq!(r.body["relationshipToPartner"], "reseller");
    assert_eq!(r.body["allowDelegatedAccess"], false);
    assert_eq!(r.body["userCredentials"]["userName"], "admin");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let password = r.body["userCredentials"]["password"].as_str().unwrap();
    assert_eq!(password.chars().count(), 16);

    // The first administrator is the new tenant's Global Administrator and reads its directory.
    let admin = app
        .user_token("admin@wingtiptoys.onmicrosoft.com", password, GRAPH)
        .await;
    let users = app.get("/v1.0/users", &admin).await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(
        users.body["value"][0]["userPrincipalName"],
        "admin@wingtiptoys.onmicrosoft.com"
    );

    // The partner has it among its customers; no GDAP relationship was asked for.
    let one = app.get(&format!("/v1/customers/{id}"), &pc).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["relationshipToPartner"], "reseller");
    let list = app
        .get(
            "/v1/customers?filter=%7B%22Field%22%3A%22Domain%22%2C%22Value%22%3A%22wingtip%22%2C%22Operator%22%3A%22starts_with%22%7D",
            &pc,
        )
        .await;
    assert_eq!(list.body["totalCount"], 1, "{}", list.text);
    assert!(relationships_with(&app, &app.partner().await, &id)
        .await
        .is_empty());
    let tenant = gdap_domain::ids::TenantId::parse(&id).unwrap();
    let audit = app
        .state
        .store
        .audit_of(
            tenant,
            Some(gdap_domain::ids::TenantId::parse(PARTNER).unwrap()),
            0,
            20,
        )
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "customer.create" && e.target == id));
}

#[tokio::test]
async fn gdap_by_default_makes_a_two_year_relationship_with_the_default_roles_active() {
    let app = spawn_app().await;
    let pc = app.partner_center().await;
    let r = create(
        &app,
        &pc,
        body(
            "fabrikamnew.onmicrosoft.com",
            json!({"enableGDAPByDefault": true}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.advance("PT5S").await;
    let rels = relationships_with(&app, &app.partner().await, &id).await;
    assert_eq!(rels.len(), 1, "{rels:?}");
    let rel = &rels[0];
    assert_eq!(rel["status"], "active");
    assert_eq!(rel["duration"], "P730D");
    assert_eq!(rel["autoExtendDuration"], "P180D");
    assert!(rel["displayName"].as_str().unwrap().starts_with("Default_"));
    let roles = rel["accessDetails"]["unifiedRoles"].as_array().unwrap();
    assert_eq!(roles.len(), 11);
    assert!(!roles.iter().any(|r| r["roleDefinitionId"] == GA));
}

#[tokio::test]
async fn an_indirect_provider_creates_a_customer_whose_default_relationship_is_the_resellers() {
    let app = spawn_app().await;
    let provider = app
        .user_token(
            "admin@indirectprovider.onmicrosoft.com",
            "Provider-Pass-1",
            PC_SCOPE,
        )
        .await;
    let r = create(
        &app,
        &provider,
        body(
            "lamnanew.onmicrosoft.com",
            json!({"enableGDAPByDefault": true, "AssociatedPartnerId": PARTNER}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["associatedPartnerId"], PARTNER);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The provider bills it; the reseller counts it among its customers too.
    let mine = app.get(&format!("/v1/customers/{id}"), &provider).await;
    assert_eq!(mine.body["associatedPartnerId"], PARTNER, "{}", mine.text);
    let resellers = app
        .get(&format!("/v1/customers/{id}"), &app.partner_center().await)
        .await;
    assert_eq!(resellers.status, 200, "{}", resellers.text);
    assert_eq!(resellers.body["relationshipToPartner"], "reseller");
    // The default relationship is the reseller's, without the application roles.
    app.advance("PT5S").await;
    let rels = relationships_with(&app, &app.partner().await, &id).await;
    assert_eq!(rels.len(), 1, "{rels:?}");
    assert_eq!(rels[0]["status"], "active");
    assert_eq!(
        rels[0]["accessDetails"]["unifiedRoles"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
}

#[tokio::test]
async fn a_taken_or_malformed_customer_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let pc = app.partner_center().await;
    let before = app.get("/v1/customers", &pc).await.body["totalCount"].clone();
    let cases = [
        (
            body("customera.onmicrosoft.com", json!({})),
            409,
            "already in use",
        ),
        (
            body("wing-tip.onmicrosoft.com", json!({})),
            400,
            "companyProfile.domain",
        ),
        (
            body("wingtip.example.com", json!({})),
            400,
            "companyProfile.domain",
        ),
        (
            json!({"CompanyProfile": {"Domain": "x1.onmicrosoft.com"}}),
            400,
            "billingProfile",
        ),
        (
            body(
                "x2.onmicrosoft.com",
                json!({"BillingProfile": {"Email": "nobody"}}),
            ),
            400,
            "billingProfile.email",
        ),
        (
            body("x3.onmicrosoft.com", json!({"enableGDAPByDefault": "yes"})),
            400,
            "enableGDAPByDefault",
        ),
        // Partner One is a direct partner here: it names no indirect reseller.
        (
            body(
                "x4.onmicrosoft.com",
                json!({"AssociatedPartnerId": PROVIDER}),
            ),
            400,
            "associatedPartnerId",
        ),
        (json!([1, 2]), 400, "Customer object"),
    ];
    for (b, status, needle) in cases {
        let r = create(&app, &pc, b).await;
        assert_eq!(r.status, status, "{}", r.text);
        assert!(
            r.body["description"].as_str().unwrap().contains(needle),
            "{}",
            r.text
        );
        assert_eq!(
            r.body["errorName"],
            if status == 409 {
                "Conflict"
            } else {
                "BadRequest"
            }
        );
    }
    // A partner user who is no admin agent creates nothing either.
    let agent = app
        .user_token("agent@partnerone.onmicrosoft.com", "Agent-Pass-1", PC_SCOPE)
        .await;
    let r = create(&app, &agent, body("x5.onmicrosoft.com", json!({}))).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let after = app.get("/v1/customers", &pc).await.body["totalCount"].clone();
    assert_eq!(before, after);
    for d in ["x1", "x2", "x3", "x4", "x5"] {
        let domain = format!("{d}.onmicrosoft.com");
        assert!(app
            .state
            .store
            .tenant_by_domain(&domain)
            .await
            .unwrap()
            .is_none());
    }
}
