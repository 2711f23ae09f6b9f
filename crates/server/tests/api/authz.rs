//! Check & explain over HTTP, and partner users' tokens for customer tenants.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const TECH: &str = "tech@partnerone.onmicrosoft.com";
const PASSWORD_UPDATE: &str = "microsoft.directory/users/password/update";

/// An active relationship of Partner One with Customer A (Helpdesk and User Administrator), whose
/// Helpdesk Agents (the technician's group) hold Helpdesk Administrator. Returns (relationship,
/// assignment) ids.
async fn technician_access(app: &TestApp) -> (String, String) {
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Support",
                Some(CUSTOMER_A),
                &[HELPDESK, USER_ADMIN],
                "P30D",
                None,
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap().to_owned();
    let created = app
        .post(
            &format!("{RELS}/{id}/accessAssignments"),
            &p,
            json!({
                "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    app.advance("PT2S").await;
    (id, created.body["id"].as_str().unwrap().to_owned())
}

async fn check(app: &TestApp, token: &str, body: Value) -> Res {
    app.send(
        Method::POST,
        "/authz/v1/check",
        Some(token),
        Some(body),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_check_explains_the_path_of_an_allowed_action_and_the_reason_of_a_denied_one() {
    let app = spawn_app().await;
    let (rel, asg) = technician_access(&app).await;
    let admin = app.customer_a_admin().await;
    let r = check(
        &app,
        &admin,
        json!({"userPrincipalName": TECH, "domain": "customera.onmicrosoft.com", "action": PASSWORD_UPDATE}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["decision"], "allow");
    let path = &r.body["path"];
    assert_eq!(path["via"], "gdap");
    assert_eq!(path["relationshipId"], rel);
    assert_eq!(path["accessAssignmentId"], asg);
    assert_eq!(path["securityGroupId"], HELPDESK_AGENTS);
    assert_eq!(path["roleDefinitionId"], HELPDESK);
    assert_eq!(path["roleDisplayName"], "Helpdesk Administrator");
    assert_eq!(path["resourceAction"], PASSWORD_UPDATE);

    // A batch: the relationship holds User Administrator, but the assignment does not.
    let r = check(
        &app,
        &admin,
        json!({"requests": [
            {"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": "microsoft.directory/users/create"},
            {"userPrincipalName": "agent@partnerone.onmicrosoft.com", "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE},
            {"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": "microsoft.commerce.billing/purchases/create"},
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v[0]["reason"], "roleLacksAction");
    assert_eq!(v[1]["reason"], "noAssignmentForUserGroups");
    assert_eq!(v[2]["reason"], "roleLacksAction");
    assert!(v[0]["message"]
        .as_str()
        .unwrap()
        .contains("grants this action"));
}

#[tokio::test]
async fn a_check_written_with_json_escapes_is_decided_like_the_same_check_written_plainly() {
    let app = spawn_app().await;
    technician_access(&app).await;
    let admin = app.customer_a_admin().await;
    let plain = check(
        &app,
        &admin,
        json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE}),
    )
    .await;
    assert_eq!(plain.body["decision"], "allow", "{}", plain.text);
    // `\/` and `\u0040` are the same characters to JSON: the answer must not differ.
    let escaped = format!(
        r#"{{"userPrincipalName": "{}", "tenantId": "{CUSTOMER_A}", "action": "{}"}}"#,
        TECH.replace('@', "\\u0040"),
        PASSWORD_UPDATE.replace('/', "\\/")
    );
    assert!(escaped.contains("\\u0040") && escaped.contains("\\/"));
    let res = app
        .client
        .post(format!("{}/authz/v1/check", app.base))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(escaped)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["decision"], "allow", "{body}");
    assert_eq!(body["action"], PASSWORD_UPDATE);
    assert_eq!(body["path"], plain.body["path"]);
}

#[tokio::test]
async fn the_end_date_is_exact_and_a_termination_takes_effect_at_the_next_check() {
    let app = spawn_app().await;
    let (rel, _) = technician_access(&app).await;
    let p = app.partner().await;
    let end = app.relationship(&p, &rel).await["endDateTime"]
        .as_str()
        .unwrap()
        .to_owned();
    let end_t = gdap_domain::timefmt::parse_rfc3339(&end).unwrap();
    let just_before = gdap_domain::timefmt::format_graph(end_t - time::Duration::milliseconds(1));
    let admin = app.customer_a_admin().await;
    let ask = |at: &str| json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE, "at": at});
    assert_eq!(
        check(&app, &admin, ask(&just_before)).await.body["decision"],
        "allow"
    );
    let at_end = check(&app, &admin, ask(&end)).await;
    assert_eq!(
        at_end.body["reason"], "relationshipExpired",
        "{}",
        at_end.text
    );

    // The partner terminates: the very next check is refused.
    let r = app
        .post(
            &format!("{RELS}/{rel}/requests"),
            &p,
            json!({"action": "terminate"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let now = check(
        &app,
        &admin,
        json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE}),
    )
    .await;
    assert_eq!(now.body["decision"], "deny");
    assert_eq!(now.body["reason"], "relationshipNotActive");
}

#[tokio::test]
async fn a_tenant_may_only_ask_about_its_users_or_about_who_acts_in_it() {
    let app = spawn_app().await;
    technician_access(&app).await;
    let b = app.customer_b_admin().await;
    check(
        &app,
        &b,
        json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE}),
    )
    .await
    .assert_error(403, "caller's own users");
    // The partner may ask about its own technician anywhere.
    let p = app.partner().await;
    let r = check(
        &app,
        &p,
        json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE}),
    )
    .await;
    assert_eq!(r.body["decision"], "allow", "{}", r.text);
    for (body, needle) in [
        (json!({"tenantId": CUSTOMER_A, "action": "x"}), "userId"),
        (
            json!({"userPrincipalName": TECH, "action": "x"}),
            "tenantId",
        ),
        (
            json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A}),
            "action",
        ),
        (
            json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": "x", "at": "soon"}),
            "ISO 8601",
        ),
        (
            json!({"userPrincipalName": TECH, "tenantId": "nope", "action": "x"}),
            "tenant",
        ),
        (
            json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": 5}),
            "string",
        ),
        (
            json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": "x", "extra": 1}),
            "not a property",
        ),
        (json!({"requests": "all"}), "array"),
        (json!({"requests": [5]}), "must be an object"),
        (json!([{"userPrincipalName": TECH}]), "JSON object"),
    ] {
        check(&app, &p, body).await.assert_error(400, needle);
    }
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": "x"}))
        .collect();
    check(&app, &p, json!({"requests": many}))
        .await
        .assert_error(400, "at most 1000");
}

#[tokio::test]
async fn a_partner_user_gets_a_token_for_a_customer_tenant_only_while_it_has_delegated_access() {
    let app = spawn_app().await;
    let form = [
        ("grant_type", "password"),
        ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
        ("username", TECH),
        ("password", "Tech-Pass-1"),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let before = app.form_token("customera.onmicrosoft.com", &form).await;
    assert_eq!(before.status, StatusCode::BAD_REQUEST, "{}", before.text);
    assert!(before.text.contains("AADSTS50020"));
    technician_access(&app).await;
    let after = app.form_token("customera.onmicrosoft.com", &form).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    let token = after.body["access_token"].as_str().unwrap();
    let claims: Value = {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["tid"], CUSTOMER_A);
    assert_eq!(claims["home_tid"], PARTNER);
    assert_eq!(claims["idp"], format!("https://sts.windows.net/{PARTNER}/"));
    // Customer B, where the partner has nothing: still refused.
    let b = app.form_token("customerb.onmicrosoft.com", &form).await;
    assert_eq!(b.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_change_is_in_the_audit_record_with_who_made_it_and_the_chain_verifies() {
    let app = spawn_app().await;
    let (rel, asg) = technician_access(&app).await;
    let customer = gdap_domain::ids::TenantId::parse(CUSTOMER_A).unwrap();
    let partner = gdap_domain::ids::TenantId::parse(PARTNER).unwrap();
    let log = app
        .state
        .store
        .audit_of(customer, Some(partner), 0, 100)
        .await
        .unwrap();
    let has = |action: &str, actor: &str| {
        log.iter().any(|e| {
            e.action == action
                && e.actor == actor
                && e.relationship.map(|r| r.to_string()) == Some(rel.clone())
        })
    };
    let writer = "11111111-cccc-4ccc-8ccc-000000000001";
    assert!(has("delegatedAdminRelationship.create", writer), "{log:#?}");
    assert!(
        has("delegatedAdminRelationshipRequest.lockForApproval", writer),
        "{log:#?}"
    );
    assert!(
        has(
            "delegatedAdminRelationship.update",
            "ga@customera.onmicrosoft.com"
        ),
        "{log:#?}"
    );
    assert!(log
        .iter()
        .any(|e| e.action == "delegatedAdminAccessAssignment.create"
            && e.assignment.map(|a| a.to_string()) == Some(asg.clone())));
    // Sealed into a chain that verifies.
    while app.state.store.seal_audit(100).await.unwrap() > 0 {}
    let chain = app.state.store.audit_chain(0, 10_000).await.unwrap();
    assert!(chain.len() >= log.len());
    assert_eq!(
        gdap_domain::audit::verify(chain.clone()),
        Ok(chain.len() as u64)
    );
}

#[tokio::test]
async fn a_check_reveals_nothing_of_users_outside_the_callers_tenant_and_delegated_reach() {
    let app = spawn_app().await;
    technician_access(&app).await;
    let b = app.customer_b_admin().await;
    let ask = |who: Value| {
        let mut body = json!({"tenantId": CUSTOMER_B, "action": PASSWORD_UPDATE});
        body.as_object_mut()
            .unwrap()
            .extend(who.as_object().unwrap().clone());
        body
    };
    // Customer A's user and a name nobody has are answered alike, and neither answer names an id.
    let real = check(
        &app,
        &b,
        ask(json!({"userPrincipalName": "user@customera.onmicrosoft.com"})),
    )
    .await;
    let made_up = check(
        &app,
        &b,
        ask(json!({"userPrincipalName": "nobody@customera.onmicrosoft.com"})),
    )
    .await;
    for r in [&real, &made_up] {
        r.assert_error(404, "was not found");
        assert!(!r.text.contains("33333333-0000"), "{}", r.text);
    }
    // The same by object id: Customer A's user, and an id nobody has.
    let real = check(
        &app,
        &b,
        ask(json!({"userId": "33333333-0000-4000-8000-000000000002"})),
    )
    .await;
    let made_up = check(
        &app,
        &b,
        ask(json!({"userId": "33333333-0000-4000-8000-00000000dead"})),
    )
    .await;
    assert_eq!(
        real.status, made_up.status,
        "{} / {}",
        real.text, made_up.text
    );
    assert_eq!(real.message().replace("0002", "dead"), made_up.message());
    // Customer A still asks about the technician that acts in it.
    let a = app.customer_a_admin().await;
    let r = check(
        &app,
        &a,
        json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_A, "action": PASSWORD_UPDATE}),
    )
    .await;
    assert_eq!(r.body["decision"], "allow", "{}", r.text);
}

#[tokio::test]
async fn a_target_in_a_tenant_beyond_the_callers_reach_is_never_looked_up() {
    let app = spawn_app().await;
    // Partner One has no relationship with Customer B: asking about its technician there with a
    // target says "not found" whether the target exists or not.
    let p = app.partner().await;
    let technician_on = |target: &str| {
        json!({"userPrincipalName": TECH, "tenantId": CUSTOMER_B,
               "action": PASSWORD_UPDATE, "targetUserPrincipalName": target})
    };
    let real = check(&app, &p, technician_on("ga@customerb.onmicrosoft.com")).await;
    let made_up = check(&app, &p, technician_on("nobody@customerb.onmicrosoft.com")).await;
    real.assert_error(404, "was not found");
    assert_eq!(
        real.status, made_up.status,
        "{} / {}",
        real.text, made_up.text
    );
    assert_eq!(
        real.message().replace("ga@", "nobody@"),
        made_up.message(),
        "{} / {}",
        real.text,
        made_up.text
    );
}
