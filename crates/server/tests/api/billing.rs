//! The customer's billing area: what its own administrators may do, and what a partner acting on
//! behalf of the customer may not (purchases, products, bills) and may (licenses, billing
//! notifications), whatever roles it holds.

use gdap_domain::customer::{AgreementAcceptance, CUSTOMER_AGREEMENT, CUSTOMER_AGREEMENT_VERSION};
use gdap_domain::ids::TenantId;
use gdap_store::Changes;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const BILLING: &str = "/admincenter/v1/billing";
const BILLING_ADMIN: &str = "b0f54661-2d74-4c50-afa3-1ec803f12efe";
const SPB: &str = "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46";

/// Records that Customer A's Global Administrator accepted the customer agreement.
async fn accept_agreement(app: &TestApp) {
    let ga = app
        .state
        .store
        .user_by_upn("ga@customera.onmicrosoft.com")
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .commit(Changes {
            agreements: vec![AgreementAcceptance {
                tenant: TenantId::parse(CUSTOMER_A).unwrap(),
                agreement: CUSTOMER_AGREEMENT.into(),
                version: CUSTOMER_AGREEMENT_VERSION.into(),
                accepted_by: ga.id,
                accepted_by_upn: ga.user_principal_name.clone(),
                accepted_at: time::OffsetDateTime::now_utc(),
            }],
            ..Changes::default()
        })
        .await
        .unwrap();
}

async fn buy(app: &TestApp, token: &str, sku: &str, quantity: i64) -> Res {
    app.post(
        &format!("{BILLING}/purchases"),
        token,
        json!({"skuId": sku, "quantity": quantity}),
    )
    .await
}

#[tokio::test]
async fn a_customer_administrator_buys_seats_once_the_agreement_is_accepted_and_sees_products_bills_and_licenses(
) {
    let app = spawn_app().await;
    let admin = app.customer_a_admin().await;
    let offers = app.get(&format!("{BILLING}/offers"), &admin).await;
    assert_eq!(offers.status, StatusCode::OK, "{}", offers.text);
    assert!(offers.body["value"].as_array().unwrap().len() >= 5);
    // No purchase before the Microsoft Customer Agreement is accepted.
    buy(&app, &admin, "SPB", 3).await.assert_error(403, "13605");
    accept_agreement(&app).await;
    let bought = buy(&app, &admin, "spb", 3).await;
    assert_eq!(bought.status, StatusCode::CREATED, "{}", bought.text);
    assert_eq!(bought.body["invoice"]["totalAmount"]["amount"], "66.00");
    assert_eq!(bought.body["subscription"]["skuId"], SPB);
    let e3 = buy(&app, &admin, "05e9a617-0261-4cee-bb44-138d3ef5d965", 2).await;
    assert_eq!(e3.status, StatusCode::CREATED, "{}", e3.text);
    buy(&app, &admin, SPB, 1).await;

    let products = app.get(&format!("{BILLING}/products"), &admin).await;
    assert_eq!(products.body["value"].as_array().unwrap().len(), 3);
    let invoices = app.get(&format!("{BILLING}/invoices"), &admin).await;
    let invoices = invoices.body["value"].as_array().unwrap().clone();
    assert_eq!(invoices.len(), 3);
    assert!(invoices
        .iter()
        .all(|i| i["id"].as_str().unwrap().starts_with('G')));
    // Seats add up per product, on the billing page and in Graph.
    let licenses = app.get(&format!("{BILLING}/licenses"), &admin).await;
    let spb = licenses.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["skuId"] == SPB)
        .unwrap()
        .clone();
    assert_eq!(spb["prepaidUnits"]["enabled"], 4);
    assert_eq!(spb["subscriptionIds"].as_array().unwrap().len(), 2);
    let graph = app.customer_a_admin_graph().await;
    let skus = app.get("/v1.0/subscribedSkus", &graph).await;
    assert_eq!(skus.status, StatusCode::OK, "{}", skus.text);
    assert_eq!(skus.body["value"].as_array().unwrap().len(), 2);
    let one = app
        .get(
            &format!("/v1.0/subscribedSkus/{}", spb["id"].as_str().unwrap()),
            &graph,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.body["skuPartNumber"], "SPB");
    app.get(&format!("/v1.0/subscribedSkus/{CUSTOMER_A}_nope"), &graph)
        .await
        .assert_error(404, "subscribedSku");

    // Billing notifications: defaults, then a change that is kept.
    let n = app.get(&format!("{BILLING}/notifications"), &admin).await;
    assert_eq!(n.body["language"], "en-US");
    let changed = app
        .send(
            Method::PATCH,
            &format!("{BILLING}/notifications"),
            Some(&admin),
            Some(json!({"recipients": ["Billing@CustomerA.example"], "language": "ja-JP"})),
            &[],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let n = app.get(&format!("{BILLING}/notifications"), &admin).await;
    assert_eq!(n.body["language"], "ja-JP");
    assert_eq!(n.body["recipients"], json!(["billing@customera.example"]));
    assert_eq!(n.body["attachInvoicePdf"], true);

    // Another customer sees none of it.
    let b = app.customer_b_admin().await;
    let theirs = app.get(&format!("{BILLING}/products"), &b).await;
    assert_eq!(theirs.body["value"], json!([]));
    let theirs = app.get(&format!("{BILLING}/notifications"), &b).await;
    assert_eq!(theirs.body["language"], "en-US");
}

#[tokio::test]
async fn billing_requests_with_bad_input_or_without_the_role_are_refused_clearly() {
    let app = spawn_app().await;
    accept_agreement(&app).await;
    let admin = app.customer_a_admin().await;
    for (body, needle) in [
        (json!({"skuId": "SPB", "quantity": 0}), "quantity"),
        (json!({"skuId": "SPB", "quantity": 10_001}), "quantity"),
        (json!({"skuId": "SPB", "quantity": "3"}), "quantity"),
        (json!({"skuId": "SPB", "quantity": 1.5}), "quantity"),
        (json!({"skuId": "SPB"}), "quantity"),
        (json!({"skuId": "NOT_A_SKU", "quantity": 1}), "NOT_A_SKU"),
        (json!({"skuId": 7, "quantity": 1}), "skuId"),
        (json!({"skuId": "SPB", "quantity": 1, "price": 0}), "price"),
    ] {
        app.post(&format!("{BILLING}/purchases"), &admin, body)
            .await
            .assert_error(400, needle);
    }
    for (body, needle) in [
        (json!({"recipients": ["not an address"]}), "e-mail"),
        (
            json!({"recipients": ["a@b.example\r\nBcc: x@y.example"]}),
            "e-mail",
        ),
        (json!({"recipients": "a@b.example"}), "array"),
        (json!({"language": "fr-FR"}), "language"),
        (json!({"attachInvoicePdf": "yes"}), "attachInvoicePdf"),
    ] {
        app.send(
            Method::PATCH,
            &format!("{BILLING}/notifications"),
            Some(&admin),
            Some(body),
            &[],
        )
        .await
        .assert_error(400, needle);
    }
    // Nothing was written by any of them.
    let products = app.get(&format!("{BILLING}/products"), &admin).await;
    assert_eq!(products.body["value"], json!([]));
    let n = app.get(&format!("{BILLING}/notifications"), &admin).await;
    assert_eq!(n.body["recipients"], json!([]));

    // A user without a billing role, and an application, may not buy or read bills.
    let user = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    buy(&app, &user, "SPB", 1)
        .await
        .assert_error(403, "roleLacksAction");
    app.get(&format!("{BILLING}/invoices"), &user)
        .await
        .assert_error(403, "roleLacksAction");
    let customer_app = app
        .app_token(
            CUSTOMER_A,
            "33333333-cccc-4ccc-8ccc-000000000001",
            "customer-secret",
        )
        .await;
    buy(&app, &customer_app, "SPB", 1)
        .await
        .assert_error(403, "signed-in users only");
    app.get(&format!("{BILLING}/offers"), "not-a-token")
        .await
        .assert_error(401, "");
}

#[tokio::test]
async fn a_partner_acting_on_behalf_of_the_customer_reads_licenses_and_notices_but_never_buys_or_sees_bills(
) {
    let app = spawn_app().await;
    accept_agreement(&app).await;
    let admin = app.customer_a_admin().await;
    assert_eq!(
        buy(&app, &admin, "SPB", 2).await.status,
        StatusCode::CREATED
    );
    // The technician holds Global Administrator and Billing Administrator in Customer A.
    let tech = app.technician_in_customer_a(&[GA, BILLING_ADMIN]).await;
    // Even so: no purchases, no products, no bills, no changes to notifications.
    buy(&app, &tech, "SPB", 1)
        .await
        .assert_error(403, "aoboRestricted");
    for page in ["offers", "products", "invoices"] {
        app.get(&format!("{BILLING}/{page}"), &tech)
            .await
            .assert_error(403, "aoboRestricted");
    }
    app.send(
        Method::PATCH,
        &format!("{BILLING}/notifications"),
        Some(&tech),
        Some(json!({"recipients": ["partner@partnerone.example"]})),
        &[],
    )
    .await
    .assert_error(403, "aoboRestricted");
    // Licenses and billing notifications stay readable.
    let licenses = app.get(&format!("{BILLING}/licenses"), &tech).await;
    assert_eq!(licenses.status, StatusCode::OK, "{}", licenses.text);
    assert_eq!(licenses.body["value"][0]["prepaidUnits"]["enabled"], 2);
    let n = app.get(&format!("{BILLING}/notifications"), &tech).await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.text);
    let skus = app.get("/v1.0/subscribedSkus", &tech).await;
    assert_eq!(skus.status, StatusCode::OK, "{}", skus.text);
    // Nothing was bought or changed, and the customer sees the refused purchase in the record.
    let products = app.get(&format!("{BILLING}/products"), &admin).await;
    assert_eq!(products.body["value"].as_array().unwrap().len(), 1);
    let log = app
        .state
        .store
        .audit_of(
            TenantId::parse(CUSTOMER_A).unwrap(),
            Some(TenantId::parse(PARTNER).unwrap()),
            0,
            100,
        )
        .await
        .unwrap();
    assert!(log.iter().any(
        |e| e.action == "microsoft.commerce.billing/purchases/create"
            && e.result == "denied: aoboRestricted"
            && e.actor == "tech@partnerone.onmicrosoft.com"
    ));
    assert!(log.iter().any(
        |e| e.action == "microsoft.commerce.billing/licenses/standard/read"
            && e.result == "success"
            && e.relationship.is_some()
    ));
}
