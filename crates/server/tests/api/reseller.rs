//! A reseller relationship link, from Partner Center's request to the customer's "Accept
//! agreement & authorize partner": Yes and Accept make the partner the customer's reseller at
//! once (with DAP only where the deployment grants it), recorded under Partner Center's event
//! names; a second acceptance, a tampered link and a user without Global Administrator change nothing.

use gdap_domain::customer::{ActivityKind, CUSTOMER_AGREEMENT};
use gdap_domain::ids::TenantId;

use crate::helpers::*;
use crate::visitor::Visitor;

/// The link Partner Center gives Partner One, as a path on this server.
async fn link(app: &TestApp) -> String {
    let token = app.partner_center().await;
    let r = app.get("/v1/customers/relationshiprequests", &token).await;
    let url = r.body["url"].as_str().unwrap();
    let path = url.strip_prefix(&app.base).unwrap();
    path.split('#').next().unwrap().to_owned()
}

async fn accept(v: &mut Visitor, link: &str, yes: bool) -> crate::visitor::Page {
    let page = v.get(link).await;
    let csrf = Visitor::csrf_of(&page);
    let partner = PARTNER.to_owned();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("invType", "ResellerRelationship"),
        ("partnerId", partner.as_str()),
        ("DAP", "true"),
    ];
    if yes {
        form.push(("yes", "yes"));
    }
    v.post("/adminportal/home", &form).await
}

#[tokio::test]
async fn yes_and_accept_make_the_partner_the_customers_reseller_without_dap_by_default() {
    let app = spawn_app().await;
    let link = link(&app).await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let page = v.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("契約に同意してパートナーを承認する"));
    assert!(page.body.contains("Partner One"));
    assert!(
        !page.body.contains("Admin Agents"),
        "no DAP offered by default"
    );
    let without = accept(&mut v, &link, false).await;
    assert_eq!(without.status, 400);
    assert!(without.body.contains("チェック ボックス"));
    let done = accept(&mut v, &link, true).await;
    assert_eq!(done.status, 200, "{}", done.body);
    // The customer is now in the partner's list; no DAP.
    let token = app.partner_center().await;
    let c = app
        .get(&format!("/v1/customers/{CUSTOMER_A}"), &token)
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["relationshipToPartner"], "reseller");
    assert_eq!(c.body["allowDelegatedAccess"], false);
    let customer = TenantId::parse(CUSTOMER_A).unwrap();
    let store = &app.state.store;
    assert!(store
        .agreement(customer, CUSTOMER_AGREEMENT)
        .await
        .unwrap()
        .is_some());
    let log = store.activity_of(customer, None, 5).await.unwrap();
    assert_eq!(log[0].kind, ActivityKind::ResellerAccepted);
    let audit = store
        .audit_of(customer, Some(TenantId::parse(PARTNER).unwrap()), 0, 20)
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "reseller-relationship-accepted-by-customer"));
    assert!(!audit
        .iter()
        .any(|e| e.action == "dap-admin-relationship-approved"));
    // The link is used: opening or accepting it again changes nothing.
    assert_eq!(v.get(&link).await.status, 409);
    assert_eq!(accept(&mut v, &link, true).await.status, 409);
}

#[tokio::test]
async fn where_the_deployment_grants_dap_a_link_asking_for_it_grants_it() {
    let app = spawn_with(Options {
        reseller_links_grant_dap: true,
        ..Options::default()
    })
    .await;
    let link = link(&app).await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let page = v.get(&link).await;
    assert!(page.body.contains("Admin Agents"), "{}", page.body);
    assert!(page.body.contains("グローバル管理者"));
    assert_eq!(accept(&mut v, &link, true).await.status, 200);
    let token = app.partner_center().await;
    let c = app
        .get(&format!("/v1/customers/{CUSTOMER_A}"), &token)
        .await;
    assert_eq!(c.body["allowDelegatedAccess"], true);
    let audit = app
        .state
        .store
        .audit_of(TenantId::parse(CUSTOMER_A).unwrap(), None, 0, 20)
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "dap-admin-relationship-approved"));
}

#[tokio::test]
async fn only_a_global_administrator_authorizes_and_a_tampered_link_is_refused() {
    let app = spawn_app().await;
    let link = link(&app).await;
    // The Customer Delegated Admin Relationship Administrator approves GDAP, not resellers.
    let mut cdara = Visitor::new(&app);
    cdara
        .sign_in("cdara@customera.onmicrosoft.com", "Cdara-Pass-1")
        .await;
    let page = cdara.get(&link).await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("action=\"/signout\""),
        "another account offered"
    );
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    for bad in [
        link.replace(PARTNER, CUSTOMER_B),
        link.replace(PARTNER, "00000000-0000-4000-8000-000000000000"),
        link.replace("ResellerRelationship", "SomethingElse"),
        "/adminportal/home".to_owned(),
    ] {
        let page = v.get(&bad).await;
        assert_eq!(page.status, 404, "{bad}");
    }
    // Nothing was written by any of it.
    let links = app
        .state
        .store
        .partner_links(TenantId::parse(CUSTOMER_A).unwrap())
        .await
        .unwrap();
    assert!(links.is_empty());
    // A partner's own user cannot accept its own link.
    let mut own = Visitor::new(&app);
    own.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    assert_eq!(own.get(&link).await.status, 404);
}
