//! The Partner Center face under `/v1`, called as Microsoft's samples call it: App+User tokens for
//! its audience, `MS-RequestId`/`MS-CorrelationId` echoed, collections paged by
//! `MS-ContinuationToken`, Partner Center's error body.

use gdap_domain::customer::PartnerLink;
use gdap_domain::ids::TenantId;
use gdap_store::Changes;
use reqwest::Method;

use crate::helpers::*;

/// Ties customers A and B to Partner One: A as reseller with DAP, B as reseller only.
async fn tie_customers(app: &TestApp) {
    app.tie(vec![
        PartnerLink {
            reseller: true,
            dap: true,
            ..partner_link(CUSTOMER_A, PARTNER)
        },
        PartnerLink {
            reseller: true,
            ..partner_link(CUSTOMER_B, PARTNER)
        },
    ])
    .await;
}

#[tokio::test]
async fn the_relationship_request_link_names_the_partner_and_its_mpn_id() {
    let app = spawn_app().await;
    let token = app.partner_center().await;
    let r = app
        .send(
            Method::GET,
            "/v1/customers/relationshiprequests",
            Some(&token),
            None,
            &[("MS-RequestId", "0b7d1a5e-1b1c-4b8e-9b55-5a1f2a7c9d10")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["attributes"]["objectType"], "RelationshipRequest");
    let url = r.body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "{}/Adminportal/Home?invType=ResellerRelationship&partnerId={PARTNER}",
            app.base
        )),
        "{url}"
    );
    assert!(url.contains("&DAP=true") && url.ends_with("#/BillingAccounts/partner-invitation"));
    assert_eq!(
        r.header("ms-requestid").as_deref(),
        Some("0b7d1a5e-1b1c-4b8e-9b55-5a1f2a7c9d10")
    );
    assert!(r.header("ms-correlationid").is_some_and(|c| c.len() == 36));
}

#[tokio::test]
async fn only_a_partner_users_token_for_partner_center_is_accepted() {
    let app = spawn_app().await;
    let none = app
        .send(Method::GET, "/v1/customers", None, None, &[])
        .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["code"], 401);
    assert_eq!(none.body["errorName"], "Unauthorized");
    assert_eq!(none.body["isRetryable"], false);
    assert!(none.body["description"].is_string());
    // A Graph token is for another audience; an application alone is not App+User; a customer's
    // user is no partner.
    let graph = app.partner().await;
    let r = app.get("/v1/customers", &graph).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let customer = app
        .user_token("ga@customera.onmicrosoft.com", "Ga-Pass-1", PC_SCOPE)
        .await;
    let r = app.get("/v1/customers", &customer).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.body["errorName"], "Forbidden");
}

#[tokio::test]
async fn the_partners_customers_come_a_page_at_a_time_and_by_name() {
    let app = spawn_app().await;
    tie_customers(&app).await;
    let token = app.partner_center().await;
    let all = app.get("/v1/customers", &token).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["attributes"]["objectType"], "Collection");
    assert_eq!(all.body["totalCount"], 2);
    let first = app.get("/v1/customers?size=1", &token).await;
    assert_eq!(first.body["totalCount"], 1);
    let next = &first.body["links"]["next"];
    assert_eq!(next["headers"][0]["key"], "MS-ContinuationToken");
    let continuation = next["headers"][0]["value"].as_str().unwrap().to_owned();
    let second = app
        .send(
            Method::GET,
            "/v1/customers?size=1&seekOperation=Next",
            Some(&token),
            None,
            &[("MS-ContinuationToken", continuation.as_str())],
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let ids: Vec<&str> = [&first, &second]
        .iter()
        .map(|p| p.body["items"][0]["id"].as_str().unwrap())
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert!(second.body["links"]["next"].is_null(), "{}", second.text);
    // A filter as Partner Center takes it, keys in any case.
    let f = url::form_urlencoded::byte_serialize(
        br#"{"Field":"CompanyName","Value":"customer b","Operator":"starts_with"}"#,
    )
    .collect::<String>();
    let named = app.get(&format!("/v1/customers?filter={f}"), &token).await;
    assert_eq!(named.body["totalCount"], 1, "{}", named.text);
    assert_eq!(
        named.body["items"][0]["companyProfile"]["tenantId"],
        CUSTOMER_B
    );
    assert_eq!(named.body["items"][0]["relationshipToPartner"], "reseller");
    let f = url::form_urlencoded::byte_serialize(br#"{"field":"Domain","value":"customera"}"#)
        .collect::<String>();
    let domain = app.get(&format!("/v1/customers?filter={f}"), &token).await;
    assert_eq!(domain.body["items"][0]["id"], CUSTOMER_A);
    // Bad input: Partner Center's error, nothing listed.
    for bad in [
        "/v1/customers?size=0x",
        "/v1/customers?size=501",
        "/v1/customers?filter=%7B%22Field%22%3A%22Phone%22%2C%22Value%22%3A%221%22%7D",
        "/v1/customers?seekOperation=Next",
    ] {
        let r = app.get(bad, &token).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.body["code"], 400);
    }
    let forged = app
        .send(
            Method::GET,
            "/v1/customers?seekOperation=Next",
            Some(&token),
            None,
            &[("MS-ContinuationToken", "not-a-token")],
        )
        .await;
    assert_eq!(forged.status, 400);
}

#[tokio::test]
async fn a_customer_is_read_by_id_with_its_delegated_access_and_nothing_else_is_found() {
    let app = spawn_app().await;
    tie_customers(&app).await;
    let token = app.partner_center().await;
    let a = app
        .get(&format!("/v1/customers/{CUSTOMER_A}"), &token)
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["attributes"]["objectType"], "Customer");
    assert_eq!(a.body["allowDelegatedAccess"], true);
    assert_eq!(
        a.body["companyProfile"]["domain"],
        "customera.onmicrosoft.com"
    );
    let b = app
        .get(&format!("/v1/customers/{CUSTOMER_B}"), &token)
        .await;
    assert_eq!(b.body["allowDelegatedAccess"], false);
    // A tenant that is no customer of the partner (another partner, here) is not found.
    let r = app
        .get(&format!("/v1/customers/{PARTNER_TWO}"), &token)
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.body["errorName"], "NotFound");
    let nonsense = app.get("/v1/customers/not-a-tenant", &token).await;
    assert_eq!(nonsense.status, 404);
}

async fn patch(app: &TestApp, token: &str, id: &str, body: serde_json::Value) -> Res {
    app.send(
        Method::PATCH,
        &format!("/v1/customers/{id}"),
        Some(token),
        Some(body),
        &[],
    )
    .await
}

#[tokio::test]
async fn removing_dap_by_patch_denies_the_technicians_next_directory_call() {
    let app = spawn_app().await;
    tie_customers(&app).await;
    // Through DAP the technician (Helpdesk Agents) is Helpdesk Administrator in Customer A.
    let tech = app.technician_token().await;
    let reset = |pw: &'static str| serde_json::json!({"passwordProfile": {"password": pw}});
    let ok = app
        .send(
            Method::PATCH,
            "/v1.0/users/user@customera.onmicrosoft.com",
            Some(&tech),
            Some(reset("Dap-Reset-1")),
            &[],
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    let token = app.partner_center().await;
    // Property names as Microsoft's samples write them.
    let r = patch(
        &app,
        &token,
        CUSTOMER_A,
        serde_json::json!({"AllowDelegatedAccess": false, "Attributes": {"ObjectType": "Customer"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["allowDelegatedAccess"], false);
    assert_eq!(r.body["relationshipToPartner"], "reseller");
    let denied = app
        .send(
            Method::PATCH,
            "/v1.0/users/user@customera.onmicrosoft.com",
            Some(&tech),
            Some(reset("Dap-Reset-2")),
            &[],
        )
        .await;
    assert_eq!(denied.status, 403, "{}", denied.text);
    let audit = app
        .state
        .store
        .audit_of(TenantId::parse(CUSTOMER_A).unwrap(), None, 0, 20)
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "dap-admin-relationship-terminated"));
}

#[tokio::test]
async fn ending_the_reseller_relationship_removes_the_customer_and_bad_patches_change_nothing() {
    let app = spawn_app().await;
    tie_customers(&app).await;
    let token = app.partner_center().await;
    for bad in [
        serde_json::json!({"companyProfile": {"companyName": "x"}}),
        serde_json::json!({"allowDelegatedAccess": true}),
        serde_json::json!({"relationshipToPartner": "reseller"}),
        serde_json::json!({}),
        serde_json::json!([1, 2]),
    ] {
        let r = patch(&app, &token, CUSTOMER_B, bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.body["source"], "PartnerCenter");
    }
    // Only the partner's Global Administrators may.
    let agent = app
        .user_token("agent@partnerone.onmicrosoft.com", "Agent-Pass-1", PC_SCOPE)
        .await;
    let r = patch(
        &app,
        &agent,
        CUSTOMER_B,
        serde_json::json!({"relationshipToPartner": "none"}),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let still = app.get("/v1/customers", &token).await;
    assert_eq!(still.body["totalCount"], 2, "nothing changed");
    let r = patch(
        &app,
        &token,
        CUSTOMER_B,
        serde_json::json!({"RelationshipToPartner": "None"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["relationshipToPartner"], "none");
    let after = app.get("/v1/customers", &token).await;
    assert_eq!(after.body["totalCount"], 1);
    let gone = app
        .get(&format!("/v1/customers/{CUSTOMER_B}"), &token)
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn the_portals_customers_page_shows_each_tie_what_it_needs_and_its_service_links() {
    let app = spawn_app().await;
    tie_customers(&app).await;
    let p = app.partner().await;
    app.active_relationship(
        &p,
        relationship_body(
            "Customers page",
            Some(CUSTOMER_A),
            &[HELPDESK],
            "P730D",
            None,
        ),
    )
    .await;
    let mut v = crate::visitor::Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let page = v.get("/partner/customers").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = |id: &str| {
        let at = page
            .body
            .find(&format!("data-customer=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} listed"));
        let end = at + page.body[at..].find("</tr>").unwrap();
        page.body[at..end].to_owned()
    };
    let a = row(CUSTOMER_A);
    assert!(
        a.contains("Reseller") && a.contains("(DAP)") && a.contains("GDAP (1 active)"),
        "{a}"
    );
    assert!(a.contains("data-attention=\"noAssignment\""), "{a}");
    assert!(a.contains(&format!("BeginClientSession.aspx?CTID={CUSTOMER_A}")));
    let b = row(CUSTOMER_B);
    assert!(b.contains("Reseller") && !b.contains("GDAP"), "{b}");
    // A customer's user has no partner portal.
    let mut c = crate::visitor::Visitor::new(&app);
    c.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    assert_eq!(c.get("/partner/customers").await.status, 403);
}

#[tokio::test]
async fn agreements_are_listed_by_type_and_a_customers_acceptance_is_read_back() {
    let app = spawn_app().await;
    tie_customers(&app).await;
    let token = app.partner_center().await;
    // The Microsoft Cloud Agreement when no type is named, as Partner Center answers.
    let default = app.get("/v1/agreements", &token).await;
    assert_eq!(default.status, 200, "{}", default.text);
    assert_eq!(
        default.body["items"][0]["agreementType"],
        "MicrosoftCloudAgreement"
    );
    let mca = app
        .get(
            "/v1/agreements?agreementType=MicrosoftCustomerAgreement",
            &token,
        )
        .await;
    assert_eq!(
        mca.body["items"][0]["templateId"],
        "117a77b0-9360-443b-8795-c6dedc750cf9"
    );
    let all = app.get("/v1/agreements?agreementType=*", &token).await;
    assert_eq!(all.body["totalCount"], 2);
    let bad = app.get("/v1/agreements?agreementType=Other", &token).await;
    assert_eq!(bad.status, 400);
    // Not yet accepted by Customer A; then its administrator accepts on the approval pages.
    let status = format!("/v1/customers/{CUSTOMER_A}/directSignedMicrosoftCustomerAgreementStatus");
    assert_eq!(app.get(&status, &token).await.body["isSigned"], false);
    app.state
        .store
        .commit(Changes {
            agreements: vec![gdap_domain::customer::AgreementAcceptance {
                tenant: TenantId::parse(CUSTOMER_A).unwrap(),
                agreement: gdap_domain::customer::CUSTOMER_AGREEMENT.into(),
                version: gdap_domain::customer::CUSTOMER_AGREEMENT_VERSION.into(),
                accepted_by: gdap_domain::ids::UserId::new_random(),
                accepted_by_upn: "ga@customera.onmicrosoft.com".into(),
                accepted_at: time::OffsetDateTime::now_utc(),
            }],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(app.get(&status, &token).await.body["isSigned"], true);
    let records = app
        .get(
            &format!(
                "/v1/customers/{CUSTOMER_A}/agreements?agreementType=MicrosoftCustomerAgreement"
            ),
            &token,
        )
        .await;
    assert_eq!(records.body["totalCount"], 1, "{}", records.text);
    assert_eq!(
        records.body["items"][0]["primaryContact"]["email"],
        "ga@customera.onmicrosoft.com"
    );
    // The default type (the cloud agreement) has no record here; another partner's view is 404.
    let cloud = app
        .get(&format!("/v1/customers/{CUSTOMER_A}/agreements"), &token)
        .await;
    assert_eq!(cloud.body["totalCount"], 0);
    let foreign = app
        .get(&format!("/v1/customers/{PARTNER_TWO}/agreements"), &token)
        .await;
    assert_eq!(foreign.status, 404);
}
