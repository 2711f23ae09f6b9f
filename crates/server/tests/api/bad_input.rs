//! Bad input gets a clear 4xx in the Graph error envelope, never a 500.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_and_wrong_types_are_explained() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let raw = |body: &'static str| {
        let app = &app;
        let p = p.clone();
        async move {
            let r = app
                .client
                .post(format!("{}{RELS}", app.base))
                .bearer_auth(p)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            Res {
                status,
                headers: Default::default(),
                body: serde_json::from_str(&text).unwrap_or_default(),
                text,
            }
        }
    };
    raw("{\"displayName\": ")
        .await
        .assert_error(400, "not valid JSON");
    raw("").await.assert_error(400, "empty");
    raw("[1,2]")
        .await
        .assert_error(400, "must be a JSON object");
    let mut b = relationship_body("t", None, &[HELPDESK], "P30D", None);
    b["displayName"] = json!(42);
    app.create(&p, b)
        .await
        .assert_error(400, "`displayName` must be a string, not a number");
    let mut b = relationship_body("t", None, &[HELPDESK], "P30D", None);
    b["accessDetails"] = json!("roles");
    app.create(&p, b)
        .await
        .assert_error(400, "`accessDetails` must be an object");
    let mut b = relationship_body("t", None, &[HELPDESK], "P30D", None);
    b["accessDetails"]["unifiedRoles"] = json!([HELPDESK]);
    app.create(&p, b)
        .await
        .assert_error(400, "`accessDetails.unifiedRoles[0]` must be an object");
    let mut b = relationship_body("t", None, &[HELPDESK], "P30D", None);
    b["colour"] = json!("red");
    app.create(&p, b)
        .await
        .assert_error(400, "property `colour` does not exist");
    let mut b = relationship_body("t", None, &[HELPDESK], "P30D", None);
    b["@odata.type"] = json!("#microsoft.graph.delegatedAdminRelationship");
    b["status"] = json!("active");
    let r = app.create(&p, b).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "annotations and read-only properties are ignored: {}",
        r.text
    );
    assert_eq!(r.body["status"], "created");
}

#[tokio::test]
async fn oversized_and_non_json_bodies_are_refused() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let mut b = relationship_body("big", None, &[HELPDESK], "P30D", None);
    b["padding"] = json!("x".repeat(1024 * 1024 + 10));
    app.create(&p, b).await.assert_error(413, "larger than");
    let r = app
        .client
        .post(format!("{}{RELS}", app.base))
        .bearer_auth(&p)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupportedMediaType");
}

#[tokio::test]
async fn unknown_routes_methods_and_ids_answer_in_the_envelope() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.get("/v1.0/tenantRelationships/nothingHere", &p)
        .await
        .assert_error(404, "nothingHere");
    app.send(Method::PUT, RELS, Some(&p), Some(json!({})), &[])
        .await
        .assert_error(405, "not allowed");
    app.get(
        &format!(
            "/v1.0/tenantRelationships/delegatedAdminCustomers/{}",
            "x".repeat(500)
        ),
        &p,
    )
    .await
    .assert_error(400, "not a valid tenant id");
    let rel = app
        .active_relationship(
            &p,
            relationship_body("ids", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    app.get(&format!("{RELS}/{id}/accessAssignments/nope"), &p)
        .await
        .assert_error(400, "not a valid access assignment id");
    app.get(
        &format!("{RELS}/{id}/operations/11111111-1111-4111-8111-111111111111"),
        &p,
    )
    .await
    .assert_error(404, "not found");
}

#[tokio::test]
async fn hostile_values_never_cause_a_server_error() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e308),
        json!([]),
        json!({}),
        json!(""),
        json!("\u{0000}"),
        json!("'; DROP TABLE relationships; --"),
        json!("P".repeat(10_000)),
        json!("<script>alert(1)</script>"),
    ];
    for field in [
        "displayName",
        "duration",
        "autoExtendDuration",
        "accessDetails",
        "customer",
    ] {
        for v in &values {
            let mut b = relationship_body("hostile", Some(CUSTOMER_A), &[HELPDESK], "P30D", None);
            b[field] = v.clone();
            let r = app.create(&p, b).await;
            assert!(
                r.status.is_client_error() || r.status == StatusCode::CREATED,
                "{field}={v}: {} {}",
                r.status,
                r.text
            );
            if r.status == StatusCode::CREATED {
                let del = app
                    .delete(
                        &format!("{RELS}/{}", r.body["id"].as_str().unwrap()),
                        &p,
                        &r.etag(),
                    )
                    .await;
                assert_eq!(del.status, StatusCode::NO_CONTENT);
            }
        }
    }
    for q in [
        "$filter=",
        "$filter=status eq",
        "$top=-1",
        "$top=abc",
        "$orderby=nope",
        "$skiptoken=%00%01",
        "$count=maybe",
        "$select=x",
        "$filter=",
    ] {
        let r = app.get(&format!("{RELS}?{q}"), &p).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text);
    }
}

#[tokio::test]
async fn every_typed_body_names_an_unknown_property_a_wrong_type_and_a_missing_required_one() {
    let app = spawn_app().await;
    let partner = app.partner().await;
    let customer = app.customer_a_admin_graph().await;
    let admin_center = app.customer_a_admin().await;
    let rel = app.create_default(&partner, "typed bodies").await;
    let id = rel["id"].as_str().unwrap().to_owned();
    let requests = format!("{RELS}/{id}/requests");
    let cases: Vec<(&str, String, serde_json::Value, &str)> = vec![
        // The relationship itself.
        (
            partner.as_str(),
            RELS.to_owned(),
            json!({"duration": "P30D", "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
            "`displayName` is required",
        ),
        (
            partner.as_str(),
            RELS.to_owned(),
            json!({"displayName": "x", "duration": 30, "accessDetails": {"unifiedRoles": []}}),
            "`duration` must be a string, not a number",
        ),
        (
            partner.as_str(),
            RELS.to_owned(),
            json!({"displayName": "x", "duration": "P30D",
                   "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK, "scope": "/"}]}}),
            "property `accessDetails.unifiedRoles[0].scope` does not exist",
        ),
        // A request on it.
        (partner.as_str(), requests.clone(), json!({}), "`action` is required"),
        (
            partner.as_str(),
            requests.clone(),
            json!({"action": 1}),
            "`action` must be a string, not a number",
        ),
        (
            partner.as_str(),
            requests.clone(),
            json!({"action": "lockForApproval", "when": "now"}),
            "property `when` does not exist on type `microsoft.graph.delegatedAdminRelationshipRequest`",
        ),
        // The directory.
        (
            customer.as_str(),
            "/v1.0/users".to_owned(),
            json!({"displayName": "N", "userPrincipalName": "n@customera.onmicrosoft.com"}),
            "`passwordProfile` is required",
        ),
        (
            customer.as_str(),
            "/v1.0/users".to_owned(),
            json!({"displayName": "N", "userPrincipalName": "n@customera.onmicrosoft.com",
                   "accountEnabled": "yes", "passwordProfile": {"password": "Long-enough-1"}}),
            "`accountEnabled` must be true or false, not a string",
        ),
        (
            customer.as_str(),
            "/v1.0/users".to_owned(),
            json!({"displayName": "N", "userPrincipalName": "n@customera.onmicrosoft.com",
                   "passwordProfile": {"password": "Long-enough-1", "expires": true}}),
            "property `passwordProfile.expires` does not exist",
        ),
        (
            customer.as_str(),
            "/v1.0/groups".to_owned(),
            json!({"displayName": "G", "mailNickname": "g", "securityEnabled": "true"}),
            "`securityEnabled` must be true or false, not a string",
        ),
        (
            customer.as_str(),
            "/v1.0/roleManagement/directory/roleAssignments".to_owned(),
            json!({"roleDefinitionId": HELPDESK, "principalId": "p", "condition": "x"}),
            "property `condition` does not exist on type `microsoft.graph.unifiedRoleAssignment`",
        ),
        // The customer's billing area.
        (
            admin_center.as_str(),
            "/admincenter/v1/billing/purchases".to_owned(),
            json!({"quantity": 1}),
            "`skuId` is required",
        ),
        (
            admin_center.as_str(),
            "/admincenter/v1/billing/purchases".to_owned(),
            json!({"skuId": "s", "quantity": "3"}),
            "`quantity` must be a whole number, not a string",
        ),
    ];
    for (token, path, body, message) in cases {
        let r = app.post(&path, token, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{path} {body}: {}",
            r.text
        );
        r.assert_error(400, message);
    }
}
