//! The Microsoft Customer Agreement: the admin center's approval API needs it as the approval
//! pages do, and a partner's attestation through Partner Center (`600061` for the same contact
//! twice) puts it in place as the customer's own acceptance does.

use gdap_domain::customer::{LinkType, PartnerLink};
use gdap_domain::ids::TenantId;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const MCA_TEMPLATE: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";

fn attestation(first: &str, phone: Option<&str>) -> Value {
    let mut contact =
        json!({"firstName": first, "lastName": "Sato", "email": "ken@customerb.example"});
    if let Some(p) = phone {
        contact["phoneNumber"] = json!(p);
    }
    // Property names as Microsoft's samples write them.
    json!({"PrimaryContact": contact, "DateAgreed": "2026-11-30T09:00:00Z",
           "TemplateId": MCA_TEMPLATE, "Type": "MicrosoftCustomerAgreement"})
}

async fn pending_for(app: &TestApp, customer: &str, name: &str) -> String {
    let p = app.partner().await;
    let r = app
        .create(
            &p,
            relationship_body(name, Some(customer), &[HELPDESK], "P730D", None),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.lock(&p, &id).await;
    id
}

#[tokio::test]
async fn the_admin_center_approval_needs_the_customer_agreement_as_the_pages_do() {
    let app = spawn_app().await;
    let id = pending_for(&app, CUSTOMER_A, "needs agreement").await;
    let admin = app.customer_a_admin().await;
    let refused = app.approve_only(&admin, &id).await;
    refused.assert_error(409, "customerAgreement");
    // A user without an approver role cannot accept it for the tenant.
    let user = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    let r = app
        .send(
            Method::POST,
            "/admincenter/v1/customerAgreement",
            Some(&user),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app
        .send(
            Method::POST,
            "/admincenter/v1/customerAgreement",
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["agreement"], "MicrosoftCustomerAgreement");
    assert_eq!(r.body["acceptedBy"], "ga@customera.onmicrosoft.com");
    let first = r.body["acceptedDateTime"].clone();
    // Accepting again keeps the first acceptance.
    let again = app
        .send(
            Method::POST,
            "/admincenter/v1/customerAgreement",
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(again.body["acceptedDateTime"], first);
    assert_eq!(app.approve_only(&admin, &id).await.status, 200);
}

#[tokio::test]
async fn a_partners_attestation_is_recorded_once_per_contact_and_puts_the_agreement_in_place() {
    let app = spawn_app().await;
    app.tie(vec![PartnerLink {
        reseller: true,
        ..partner_link(CUSTOMER_B, PARTNER)
    }])
    .await;
    let pc = app.partner_center().await;
    let url = format!("/v1/customers/{CUSTOMER_B}/agreements");
    let r = app
        .send(
            Method::POST,
            &url,
            Some(&pc),
            Some(attestation("Ken", None)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["type"], "MicrosoftCustomerAgreement");
    assert_eq!(r.body["primaryContact"]["email"], "ken@customerb.example");
    assert_eq!(r.body["dateAgreed"], "2026-11-30T09:00:00.0000000Z");
    assert_eq!(r.body["attributes"]["objectType"], "Agreement");

    // The same contact again: Partner Center's 600061; a changed contact is a new record.
    let dup = app
        .send(
            Method::POST,
            &url,
            Some(&pc),
            Some(attestation("Ken", None)),
            &[],
        )
        .await;
    assert_eq!(dup.status, 409, "{}", dup.text);
    assert_eq!(dup.body["code"], 600061);
    assert_eq!(
        dup.body["errorName"],
        "PartnerConfirmedAgreementAlreadyExists"
    );
    assert_eq!(dup.body["isRetryable"], false);
    let changed = app
        .send(
            Method::POST,
            &url,
            Some(&pc),
            Some(attestation("Ken", Some("+81 3 1234 5678"))),
            &[],
        )
        .await;
    assert_eq!(changed.status, 201, "{}", changed.text);

    // Bad input changes nothing.
    let mut future = attestation("Kenji", None);
    future["DateAgreed"] = json!("2099-01-01T00:00:00Z");
    let mut template = attestation("Kenji", None);
    template["TemplateId"] = json!(MCA_TEMPLATE.to_uppercase());
    let mut unknown = attestation("Kenji", None);
    unknown["colour"] = json!("red");
    let mut no_email = attestation("Kenji", None);
    no_email["PrimaryContact"]["email"] = json!("nobody");
    for (body, needle) in [
        (future, "future"),
        (template, "templateId"),
        (unknown, "colour"),
        (no_email, "e-mail"),
    ] {
        let r = app
            .send(Method::POST, &url, Some(&pc), Some(body), &[])
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(
            r.body["description"].as_str().unwrap().contains(needle),
            "{}",
            r.text
        );
    }
    // Another partner's customer, or one not tied at all, is not found.
    let r = app
        .send(
            Method::POST,
            &format!("/v1/customers/{CUSTOMER_A}/agreements"),
            Some(&pc),
            Some(attestation("Ken", None)),
            &[],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let listed = app
        .get(
            &format!("{url}?agreementType=MicrosoftCustomerAgreement"),
            &pc,
        )
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        listed.text
    );

    // Another partner of the same customer does not read Partner One's attestations.
    app.tie(vec![PartnerLink {
        reseller: true,
        ..partner_link(CUSTOMER_B, "55555555-5555-4555-8555-555555555555")
    }])
    .await;
    let other = app
        .user_token(
            "admin@indirectprovider.onmicrosoft.com",
            "Provider-Pass-1",
            PC_SCOPE,
        )
        .await;
    let theirs = app
        .get(
            &format!("{url}?agreementType=MicrosoftCustomerAgreement"),
            &other,
        )
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    assert!(
        theirs.body["items"].as_array().unwrap().is_empty(),
        "{}",
        theirs.text
    );

    // The attestation stands for the customer's acceptance: B's administrator approves at once.
    let id = pending_for(&app, CUSTOMER_B, "attested").await;
    let b = app.customer_b_admin().await;
    assert_eq!(app.approve_only(&b, &id).await.status, 200);
}

#[tokio::test]
async fn only_the_customers_reseller_attests_not_an_indirect_reseller_or_a_dap_partner() {
    let app = spawn_app().await;
    let pc = app.partner_center().await;
    let attest = || async {
        app.send(
            Method::POST,
            &format!("/v1/customers/{CUSTOMER_B}/agreements"),
            Some(&pc),
            Some(attestation("Ken", None)),
            &[],
        )
        .await
    };
    app.tie(vec![PartnerLink {
        other_types: vec![LinkType::IndirectReseller],
        ..partner_link(CUSTOMER_B, PARTNER)
    }])
    .await;
    let r = attest().await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.body["description"]
        .as_str()
        .unwrap()
        .contains("indirect provider"));
    // DAP alone is no reseller tie.
    app.tie(vec![PartnerLink {
        dap: true,
        ..partner_link(CUSTOMER_B, PARTNER)
    }])
    .await;
    let r = attest().await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.body["description"].as_str().unwrap().contains("reseller"));
    let store = &app.state.store;
    assert!(store
        .attestations_of(TenantId::parse(CUSTOMER_B).unwrap())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn an_attested_customer_buys_seats_and_its_partner_reads_them_as_subscribed_skus() {
    let app = spawn_app().await;
    app.tie(vec![PartnerLink {
        reseller: true,
        ..partner_link(CUSTOMER_B, PARTNER)
    }])
    .await;
    let pc = app.partner_center().await;
    let skus = format!("/v1/customers/{CUSTOMER_B}/subscribedskus");
    let none = app.get(&skus, &pc).await;
    assert_eq!(none.status, 200, "{}", none.text);
    assert_eq!(none.body["totalCount"], 0);
    // Without the agreement in place the purchase is refused; the partner's attestation suffices.
    let b = app.customer_b_admin().await;
    let offers = app.get("/admincenter/v1/billing/offers", &b).await;
    let sku = offers.body["value"][0]["skuId"]
        .as_str()
        .unwrap()
        .to_owned();
    let buy = || async {
        app.post(
            "/admincenter/v1/billing/purchases",
            &b,
            json!({"skuId": sku, "quantity": 7}),
        )
        .await
    };
    assert_eq!(buy().await.status, 403);
    let r = app
        .send(
            Method::POST,
            &format!("/v1/customers/{CUSTOMER_B}/agreements"),
            Some(&pc),
            Some(attestation("Ken", None)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bought = buy().await;
    assert_eq!(bought.status, 201, "{}", bought.text);
    let listed = app.get(&skus, &pc).await;
    let item = &listed.body["items"][0];
    assert_eq!(item["productSku"]["id"], sku.to_lowercase());
    assert_eq!(item["totalUnits"], 7);
    assert_eq!(item["availableUnits"], 7);
    assert_eq!(item["attributes"]["objectType"], "SubscribedSku");
    // Another partner's customer is not found.
    let other = app
        .get(&format!("/v1/customers/{CUSTOMER_A}/subscribedskus"), &pc)
        .await;
    assert_eq!(other.status, 404);
}
