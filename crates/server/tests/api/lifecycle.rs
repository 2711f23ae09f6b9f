//! The relationship lifecycle end to end, with the development clock.

use reqwest::StatusCode;
use serde_json::json;
use time::Duration;

use crate::helpers::*;

#[tokio::test]
async fn a_relationship_goes_from_creation_to_active_with_correct_dates() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let created = app.create_default(&p, "Lifecycle").await;
    assert_eq!(created["status"], "created");
    let id = created["id"].as_str().unwrap();
    assert!(
        id.ends_with(PARTNER),
        "id {id} must end with the partner tenant id"
    );
    assert_eq!(id.len(), 73);

    let lock = app.lock(&p, id).await;
    assert_eq!(lock.status, StatusCode::CREATED, "{}", lock.text);
    assert_eq!(lock.body["action"], "lockForApproval");
    assert!(lock.header("location").unwrap().contains("/requests/"));
    assert_eq!(app.relationship(&p, id).await["status"], "approvalPending");

    let admin = app.customer_a_admin().await;
    let approved = app.approve(&admin, id).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    let approved_at = ts(&app.relationship(&p, id).await["lastModifiedDateTime"]);

    app.advance("PT1S").await;
    assert_eq!(app.relationship(&p, id).await["status"], "activating");
    app.advance("PT1S").await;
    let rel = app.relationship(&p, id).await;
    assert_eq!(rel["status"], "active");
    let activated = ts(&rel["activatedDateTime"]);
    assert_eq!(
        activated,
        approved_at + Duration::seconds(2),
        "two provisioning steps of one second"
    );
    assert_eq!(ts(&rel["endDateTime"]), activated + Duration::days(730));
    assert_eq!(rel["customer"]["tenantId"], CUSTOMER_A);
    assert_eq!(rel["customer"]["displayName"], "Customer A");

    let customers = app
        .get("/v1.0/tenantRelationships/delegatedAdminCustomers", &p)
        .await;
    assert_eq!(customers.body["value"][0]["tenantId"], CUSTOMER_A);
    let details = app.get(&format!("/v1.0/tenantRelationships/delegatedAdminCustomers/{CUSTOMER_A}/serviceManagementDetails"), &p).await;
    assert!(details.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["serviceName"] == "Teams"));
    // The context as Microsoft's documentation shows it: the customer's id as a path segment.
    let context = details.body["@odata.context"].as_str().unwrap_or_default();
    assert!(
        context.ends_with(&format!("/v1.0/tenantRelationships/$metadata#delegatedAdminCustomers/{CUSTOMER_A}/serviceManagementDetails")),
        "{context}"
    );
    let req = app.get(&format!("{RELS}/{id}/requests"), &p).await;
    assert_eq!(req.body["value"][0]["status"], "succeeded");
}

#[tokio::test]
async fn an_access_assignment_becomes_active_and_changes_through_an_operation() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Assign",
                Some(CUSTOMER_A),
                &[HELPDESK, USER_ADMIN],
                "P365D",
                None,
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let body = json!({
        "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
    });
    let created = app
        .post(&format!("{RELS}/{id}/accessAssignments"), &p, body.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["status"], "pending");
    let aid = created.body["id"].as_str().unwrap().to_owned();
    let dup = app
        .post(&format!("{RELS}/{id}/accessAssignments"), &p, body)
        .await;
    dup.assert_error(409, "already has an access assignment");
    app.advance("PT1S").await;
    let a = app
        .get(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p)
        .await;
    assert_eq!(a.body["status"], "active");

    let patch = app
        .patch(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p, &a.etag(), json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}, {"roleDefinitionId": USER_ADMIN}]}}))
        .await;
    assert_eq!(patch.status, StatusCode::ACCEPTED, "{}", patch.text);
    assert_eq!(patch.header("retry-after").as_deref(), Some("10"));
    let op_url = patch.header("location").unwrap();
    let op = app.get(&op_url, &p).await;
    assert_eq!(
        op.body["operationType"],
        "delegatedAdminAccessAssignmentUpdate"
    );
    assert_eq!(op.body["status"], "notStarted");
    app.advance("PT2S").await;
    let op = app.get(&op_url, &p).await;
    assert_eq!(op.body["status"], "succeeded");
    let data: serde_json::Value = serde_json::from_str(op.body["data"].as_str().unwrap()).unwrap();
    assert_eq!(
        data["accessDetails"]["unifiedRoles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let a = app
        .get(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p)
        .await;
    assert_eq!(
        a.body["accessDetails"]["unifiedRoles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let same = app
        .patch(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p, &a.etag(), json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}, {"roleDefinitionId": HELPDESK}]}}))
        .await;
    assert_eq!(
        same.status,
        StatusCode::OK,
        "identical roles answer 200: {}",
        same.text
    );

    let del = app
        .delete(
            &format!("{RELS}/{id}/accessAssignments/{aid}"),
            &p,
            &a.etag(),
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.text);
    assert_eq!(
        app.get(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p)
            .await
            .body["status"],
        "deleting"
    );
    app.advance("PT1S").await;
    assert_eq!(
        app.get(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p)
            .await
            .body["status"],
        "deleted"
    );
}

#[tokio::test]
async fn patching_an_active_relationship_toggles_auto_extend_and_removes_global_administrator_by_operation(
) {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Active patch",
                Some(CUSTOMER_A),
                &[GA, HELPDESK],
                "P90D",
                None,
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let url = format!("{RELS}/{id}");
    let refused = app
        .patch(
            &url,
            &p,
            rel["@odata.etag"].as_str().unwrap(),
            json!({"autoExtendDuration": "P180D"}),
        )
        .await;
    refused.assert_error(400, "cannot be auto-extended");

    let assignment = app
        .post(&format!("{url}/accessAssignments"), &p, json!({
            "accessContainer": {"accessContainerId": ADMIN_AGENTS, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": GA}, {"roleDefinitionId": HELPDESK}]},
        }))
        .await;
    assert_eq!(assignment.status, StatusCode::CREATED);
    app.advance("PT1S").await;

    let removal = app
        .patch(
            &url,
            &p,
            rel["@odata.etag"].as_str().unwrap(),
            json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
        )
        .await;
    assert_eq!(removal.status, StatusCode::ACCEPTED, "{}", removal.text);
    assert_eq!(removal.body, json!({}));
    let op_url = removal.header("location").unwrap();
    assert!(op_url.contains(&format!("{id}/operations/")));
    let op = app.get(&op_url, &p).await;
    assert_eq!(
        op.body["operationType"], "unknownFutureValue",
        "evolvable member hidden without Prefer"
    );
    let op = app
        .send(
            reqwest::Method::GET,
            &op_url,
            Some(&p),
            None,
            &[("Prefer", "include-unknown-enum-members")],
        )
        .await;
    assert_eq!(op.body["operationType"], "delegatedAdminRelationshipUpdate");
    let stale = app
        .patch(
            &url,
            &p,
            rel["@odata.etag"].as_str().unwrap(),
            json!({"autoExtendDuration": "PT0S"}),
        )
        .await;
    stale.assert_error(412, "If-Match");
    app.advance("PT2S").await;
    assert_eq!(app.get(&op_url, &p).await.body["status"], "succeeded");
    let rel = app.relationship(&p, id).await;
    assert_eq!(
        rel["accessDetails"]["unifiedRoles"],
        json!([{"roleDefinitionId": HELPDESK}])
    );
    let a = app.get(&format!("{url}/accessAssignments"), &p).await;
    assert_eq!(
        a.body["value"][0]["accessDetails"]["unifiedRoles"],
        json!([{"roleDefinitionId": HELPDESK}]),
        "assignments lose the removed role"
    );

    let on = app
        .patch(
            &url,
            &p,
            rel["@odata.etag"].as_str().unwrap(),
            json!({"autoExtendDuration": "P180D"}),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    assert_eq!(on.body["autoExtendDuration"], "P180D");
    assert_ne!(on.etag(), rel["@odata.etag"].as_str().unwrap());
}

#[tokio::test]
async fn a_partner_terminate_request_ends_the_relationship_and_its_assignments() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body("Terminate", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    app.post(&format!("{RELS}/{id}/accessAssignments"), &p, json!({
        "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
    })).await;
    app.advance("PT1S").await;
    let t = app
        .post(
            &format!("{RELS}/{id}/requests"),
            &p,
            json!({"action": "terminate"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    assert_eq!(
        app.relationship(&p, id).await["status"],
        "terminationRequested"
    );
    let before = app.state.now();
    app.advance("PT5S").await;
    let rel = app.relationship(&p, id).await;
    assert_eq!(rel["status"], "terminated");
    assert!(
        ts(&rel["endDateTime"]) <= before + Duration::seconds(3),
        "endDateTime is the termination time"
    );
    let a = app.get(&format!("{RELS}/{id}/accessAssignments"), &p).await;
    assert_eq!(a.body["value"][0]["status"], "deleted");
    assert!(app
        .get("/v1.0/tenantRelationships/delegatedAdminCustomers", &p)
        .await
        .body["value"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_customer_remove_roles_terminates_the_partners_relationships_only() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let p2 = app.partner_two().await;
    let one = app
        .active_relationship(
            &p,
            relationship_body("Remove A", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let two = app
        .active_relationship(
            &p2,
            relationship_body("Other partner", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let admin = app.customer_a_admin().await;
    let partners = app.get("/admincenter/v1/partners", &admin).await;
    assert_eq!(partners.body["value"].as_array().unwrap().len(), 2);
    let staff = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    app.post(
        &format!("/admincenter/v1/partners/{PARTNER}/removeRoles"),
        &staff,
        json!({}),
    )
    .await
    .assert_error(403, "Global Administrator");
    let r = app
        .post(
            &format!("/admincenter/v1/partners/{PARTNER}/removeRoles"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["terminatedRelationshipIds"][0], one["id"]);
    assert_eq!(
        app.relationship(&p, one["id"].as_str().unwrap()).await["status"],
        "terminationRequested"
    );
    app.advance("PT2S").await;
    assert_eq!(
        app.relationship(&p, one["id"].as_str().unwrap()).await["status"],
        "terminated"
    );
    assert_eq!(
        app.relationship(&p2, two["id"].as_str().unwrap()).await["status"],
        "active"
    );
}

#[tokio::test]
async fn a_relationship_expires_at_its_end_date_without_auto_extend() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body("Expire", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let end = ts(&rel["endDateTime"]);
    app.advance("P29D").await;
    assert_eq!(app.relationship(&p, id).await["status"], "active");
    app.advance("P1D").await;
    let rel = app.relationship(&p, id).await;
    assert_eq!(rel["status"], "expired");
    assert_eq!(ts(&rel["endDateTime"]), end);
}

#[tokio::test]
async fn auto_extend_pushes_the_end_date_by_exactly_180_days_each_time() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Extend",
                Some(CUSTOMER_A),
                &[HELPDESK],
                "P30D",
                Some("P180D"),
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let end = ts(&rel["endDateTime"]);
    app.advance("P31D").await;
    let rel = app.relationship(&p, id).await;
    assert_eq!(rel["status"], "active");
    assert_eq!(ts(&rel["endDateTime"]), end + Duration::days(180));
    app.advance("P360D").await;
    assert_eq!(
        ts(&app.relationship(&p, id).await["endDateTime"]),
        end + Duration::days(540)
    );
}

#[tokio::test]
async fn an_invitation_not_approved_within_90_days_can_no_longer_be_approved() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Late approval").await;
    let id = rel["id"].as_str().unwrap();
    app.lock(&p, id).await;
    app.advance("P89D").await;
    let admin = app.customer_a_admin().await;
    let view = app
        .get(&format!("/admincenter/v1/gdapInvitations/{id}"), &admin)
        .await;
    assert_eq!(view.body["approvable"], true);
    app.advance("P1D").await;
    let late = app.approve(&admin, id).await;
    late.assert_error(410, "expired");
    assert_eq!(app.relationship(&p, id).await["status"], "expired");
}

#[tokio::test]
async fn an_invitation_is_single_use_and_only_for_its_customer() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Single use").await;
    let id = rel["id"].as_str().unwrap();
    app.lock(&p, id).await;
    let b = app.customer_b_admin().await;
    app.approve(&b, id)
        .await
        .assert_error(403, "another customer tenant");
    let staff = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    app.approve(&staff, id)
        .await
        .assert_error(403, "Customer Delegated Admin Relationship Administrator");
    let cdara = app
        .user_token(
            "cdara@customera.onmicrosoft.com",
            "Cdara-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    let ok = app.approve(&cdara, id).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let a = app.customer_a_admin().await;
    app.approve(&a, id).await.assert_error(409, "only once");
}

#[tokio::test]
async fn an_open_invitation_is_fixed_to_the_customer_who_approves_it() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app
        .create(
            &p,
            relationship_body("Open", None, &[HELPDESK], "P30D", None),
        )
        .await;
    let id = r.body["id"].as_str().unwrap();
    app.lock(&p, id).await;
    let b = app.customer_b_admin().await;
    let stale = app
        .send(
            reqwest::Method::POST,
            &format!("/admincenter/v1/gdapInvitations/{id}/approve"),
            Some(&b),
            None,
            &[("If-Match", "W/\"stale\"")],
        )
        .await;
    stale.assert_error(412, "If-Match");
    assert_eq!(app.approve(&b, id).await.status, StatusCode::OK);
    app.advance("PT2S").await;
    let rel = app.relationship(&p, id).await;
    assert_eq!(rel["customer"]["tenantId"], CUSTOMER_B);
    assert_eq!(rel["status"], "active");
}
