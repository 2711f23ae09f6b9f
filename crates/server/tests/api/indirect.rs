//! An indirect provider's GDAP relationship for one of its indirect resellers: created as a
//! `resellerDelegatedAdminRelationship` awaiting the reseller's review, read by both, approved or
//! rejected by the reseller alone, and only then sent to the customer, who approves it like any
//! other.

use gdap_domain::ids::TenantId;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const PROVIDER: &str = "55555555-5555-4555-8555-555555555555";
const RESELLER_TYPE: &str = "#microsoft.graph.resellerDelegatedAdminRelationship";

async fn provider(app: &TestApp) -> String {
    app.app_token(
        PROVIDER,
        "55555555-cccc-4ccc-8ccc-000000000001",
        "provider-secret",
    )
    .await
}

fn for_reseller(name: &str, reseller: &str) -> Value {
    let mut b = relationship_body(name, Some(CUSTOMER_A), &[HELPDESK], "P730D", None);
    b["@odata.type"] = json!(RESELLER_TYPE);
    b["partner"] = json!({"tenantId": reseller});
    b
}

async fn outbox_to(app: &TestApp, to: &str) -> usize {
    let r = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["to"] == to)
        .count()
}

async fn request(app: &TestApp, token: &str, id: &str, action: &str) -> Res {
    app.send(
        Method::POST,
        &format!("{RELS}/{id}/requests"),
        Some(token),
        Some(json!({"action": action})),
        &[("Prefer", "include-unknown-enum-members")],
    )
    .await
}

#[tokio::test]
async fn the_reseller_reviews_its_providers_relationship_before_the_customer_sees_it() {
    let app = spawn_app().await;
    let provider = provider(&app).await;
    let reseller = app.partner().await;
    let r = app
        .create(&provider, for_reseller("Indirect helpdesk", PARTNER))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["@odata.type"], RESELLER_TYPE);
    assert_eq!(r.body["indirectProviderTenantId"], PROVIDER);
    assert_eq!(r.body["isPartnerConsentPending"], true);
    assert_eq!(r.body["status"], "approvalPending");
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.ends_with(PARTNER), "the reseller's relationship: {id}");

    // The reseller lists it among its own; the provider reads it by id.
    let list = app.get(RELS, &reseller).await;
    let listed = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .cloned()
        .expect("listed to the reseller");
    assert_eq!(listed["@odata.type"], RESELLER_TYPE);
    assert_eq!(
        app.get(&format!("{RELS}/{id}"), &provider).await.status,
        200
    );

    // Nothing reaches the customer yet, and it cannot be approved.
    assert_eq!(outbox_to(&app, "ga@customera.onmicrosoft.com").await, 0);
    let admin = app.customer_a_admin().await;
    assert!(app.approve(&admin, &id).await.status.is_client_error());

    // The provider reads but cannot act for the reseller.
    assert_eq!(request(&app, &provider, &id, "approve").await.status, 404);
    let assign = app
        .post(
            &format!("{RELS}/{id}/accessAssignments"),
            &provider,
            json!({"accessContainer": {"accessContainerId": ADMIN_AGENTS, "accessContainerType": "securityGroup"},
                   "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
        )
        .await;
    assert_eq!(assign.status, 404, "{}", assign.text);

    // The reseller approves: the customer's administrators get the invitation and approve it.
    let ok = request(&app, &reseller, &id, "approve").await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(ok.body["action"], "approve");
    let rel = app.relationship(&reseller, &id).await;
    assert_eq!(rel["isPartnerConsentPending"], false);
    assert_eq!(rel["status"], "approvalPending");
    assert_eq!(outbox_to(&app, "ga@customera.onmicrosoft.com").await, 1);
    assert_eq!(request(&app, &reseller, &id, "approve").await.status, 400);
    let a = app.approve(&admin, &id).await;
    assert_eq!(a.status, 200, "{}", a.text);
    app.advance("PT5S").await;
    let rel = app.relationship(&reseller, &id).await;
    assert_eq!(rel["status"], "active");
    assert_eq!(rel["indirectProviderTenantId"], PROVIDER);
    // The requests the reseller made are its relationship's requests, which the provider reads too.
    let requests = app.get(&format!("{RELS}/{id}/requests"), &provider).await;
    assert_eq!(requests.status, 200);
    assert!(requests.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["action"] == "approve"));
}

#[tokio::test]
async fn a_rejected_relationship_ends_and_never_reaches_the_customer() {
    let app = spawn_app().await;
    let provider = provider(&app).await;
    let reseller = app.partner().await;
    let r = app
        .create(&provider, for_reseller("Rejected", PARTNER))
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let no = request(&app, &reseller, &id, "reject").await;
    assert_eq!(no.status, 201, "{}", no.text);
    let rel = app.relationship(&reseller, &id).await;
    assert_eq!(rel["status"], "terminated");
    assert_eq!(rel["isPartnerConsentPending"], false);
    assert_eq!(outbox_to(&app, "ga@customera.onmicrosoft.com").await, 0);
}

#[tokio::test]
async fn only_an_indirect_provider_creates_for_a_reseller_and_bad_bodies_create_nothing() {
    let app = spawn_app().await;
    let provider = provider(&app).await;
    // A direct partner (Partner Two, a managed service provider) is no indirect provider.
    let two = app.partner_two().await;
    let r = app.create(&two, for_reseller("Not mine", PARTNER)).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let mut no_customer = for_reseller("No customer", PARTNER);
    no_customer.as_object_mut().unwrap().remove("customer");
    let mut no_partner = for_reseller("No partner", PARTNER);
    no_partner.as_object_mut().unwrap().remove("partner");
    let mut untyped = for_reseller("Untyped", PARTNER);
    untyped.as_object_mut().unwrap().remove("@odata.type");
    let mut odd_type = for_reseller("Odd", PARTNER);
    odd_type["@odata.type"] = json!("#microsoft.graph.user");
    for (body, needle) in [
        (
            for_reseller("Not a reseller", PARTNER_TWO),
            "not an indirect reseller",
        ),
        (for_reseller("Itself", PROVIDER), "not an indirect reseller"),
        (no_customer, "customer.tenantId"),
        (no_partner, "partner.tenantId"),
        (untyped, "only sent with"),
        (odd_type, "cannot be created here"),
        (for_reseller("Bad id", "not-a-guid"), "partner.tenantId"),
    ] {
        let r = app.create(&provider, body).await;
        r.assert_error(400, needle);
    }
    let mine = app.get(RELS, &provider).await;
    assert!(mine.body["value"].as_array().unwrap().is_empty());
    let theirs = app.get(RELS, &app.partner().await).await;
    assert!(theirs.body["value"].as_array().unwrap().is_empty());
}

/// Partner One's indirect link through the indirect provider, as a path on this server.
async fn indirect_link(app: &TestApp) -> String {
    let token = app.partner_center().await;
    let r = app
        .get(
            &format!("/v1/customers/relationshiprequests?indirectProviderId={PROVIDER}"),
            &token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let url = r.body["url"].as_str().unwrap();
    assert!(
        url.contains(&format!(
            "invType=IndirectResellerRelationship&partnerId={PARTNER}&msppId=1000001&indirectCSPId={PROVIDER}&DAP=true"
        )),
        "{url}"
    );
    let path = url.strip_prefix(&app.base).unwrap();
    path.split('#').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_indirect_resellers_link_has_the_provider_bill_and_ties_the_reseller_as_indirect() {
    use crate::visitor::Visitor;
    use gdap_domain::customer::LinkType;
    use gdap_domain::ids::TenantId;

    let app = spawn_app().await;
    let link = indirect_link(&app).await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customerb.onmicrosoft.com", "Gb-Pass-1").await;
    let page = v.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "Partner One, an indirect reseller, and Indirect Provider, its indirect provider"
        ),
        "{}",
        page.body
    );
    let csrf = Visitor::csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("invType", "IndirectResellerRelationship"),
        ("partnerId", PARTNER),
        ("indirectCSPId", PROVIDER),
        ("DAP", "true"),
        ("yes", "yes"),
    ];
    let done = v.post("/adminportal/home", &form).await;
    assert_eq!(done.status, 200, "{}", done.body);

    // The provider bills the customer and knows the reseller it came through.
    let provider = app
        .user_token(
            "admin@indirectprovider.onmicrosoft.com",
            "Provider-Pass-1",
            PC_SCOPE,
        )
        .await;
    let list = app.get("/v1/customers", &provider).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", list.text);
    assert_eq!(items[0]["id"], CUSTOMER_B);
    assert_eq!(items[0]["relationshipToPartner"], "reseller");
    assert_eq!(items[0]["associatedPartnerId"], PARTNER);
    // The reseller has the customer too, without DAP (Microsoft's behaviour, the default).
    let reseller = app.partner_center().await;
    let c = app
        .get(&format!("/v1/customers/{CUSTOMER_B}"), &reseller)
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["relationshipToPartner"], "reseller");
    assert_eq!(c.body["allowDelegatedAccess"], false);
    let customer = TenantId::parse(CUSTOMER_B).unwrap();
    let links = app.state.store.partner_links(customer).await.unwrap();
    let of = |p: &str| {
        links
            .iter()
            .find(|l| l.partner.to_string() == p)
            .unwrap()
            .clone()
    };
    assert!(of(PROVIDER).reseller);
    assert_eq!(of(PROVIDER).types(), vec![LinkType::Reseller]);
    assert_eq!(
        of(PROVIDER).associated_partner,
        Some(TenantId::parse(PARTNER).unwrap())
    );
    assert_eq!(of(PARTNER).types(), vec![LinkType::IndirectReseller]);
    let audit = app
        .state
        .store
        .audit_of(customer, None, 0, 20)
        .await
        .unwrap();
    let accepted: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "reseller-relationship-accepted-by-customer")
        .filter_map(|e| e.partner.map(|p| p.to_string()))
        .collect();
    assert_eq!(accepted.len(), 2);
    assert!(accepted.contains(&PROVIDER.to_owned()) && accepted.contains(&PARTNER.to_owned()));

    // The link is used; a tampered one names no valid pair.
    assert_eq!(v.get(&link).await.status, 409);
    for bad in [
        link.replace(PROVIDER, PARTNER_TWO),
        link.replace(&format!("&indirectCSPId={PROVIDER}"), ""),
        link.replace(
            &format!("partnerId={PARTNER}"),
            &format!("partnerId={PARTNER_TWO}"),
        ),
    ] {
        assert_eq!(v.get(&bad).await.status, 404, "{bad}");
    }
}

#[tokio::test]
async fn only_an_indirect_reseller_asks_for_a_link_through_an_indirect_provider() {
    let app = spawn_app().await;
    let reseller = app.partner_center().await;
    for (token, query, needle) in [
        (
            &reseller,
            format!("indirectProviderId={PARTNER_TWO}"),
            "not an indirect provider",
        ),
        (
            &reseller,
            "indirectProviderId=nope".to_owned(),
            "indirectProviderId",
        ),
    ] {
        let r = app
            .get(
                &format!("/v1/customers/relationshiprequests?{query}"),
                token,
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(
            r.body["description"].as_str().unwrap().contains(needle),
            "{}",
            r.text
        );
    }
    // A reseller that does not sell through the provider gets no link through it, and the
    // provider cannot set up its relationships.
    let one = TenantId::parse(PARTNER).unwrap();
    let mut profile = app
        .state
        .tenant(one)
        .await
        .unwrap()
        .unwrap()
        .partner
        .unwrap();
    profile.indirect_providers.clear();
    app.state
        .store
        .set_partner_profile(one, profile)
        .await
        .unwrap();
    app.state.directory.changed(&[one], &[]);
    let r = app
        .get(
            &format!("/v1/customers/relationshiprequests?indirectProviderId={PROVIDER}"),
            &reseller,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let provider_app = provider(&app).await;
    let r = app
        .create(&provider_app, for_reseller("Not through me", PARTNER))
        .await;
    r.assert_error(400, "sells through you");
    // The provider itself is no indirect reseller.
    let provider = app
        .user_token(
            "admin@indirectprovider.onmicrosoft.com",
            "Provider-Pass-1",
            PC_SCOPE,
        )
        .await;
    let r = app
        .get(
            &format!("/v1/customers/relationshiprequests?indirectProviderId={PROVIDER}"),
            &provider,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
}
