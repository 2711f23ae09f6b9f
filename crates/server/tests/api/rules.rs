//! One test per validation rule of the Graph GDAP API (V1–V14), each with its status and a message
//! that tells the caller what to fix.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn v1_display_name_is_required_and_at_most_50_characters() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let mut b = relationship_body("x", Some(CUSTOMER_A), &[HELPDESK], "P30D", None);
    b.as_object_mut().unwrap().remove("displayName");
    app.create(&p, b)
        .await
        .assert_error(400, "`displayName` is required");
    app.create(
        &p,
        relationship_body(&"n".repeat(51), None, &[HELPDESK], "P30D", None),
    )
    .await
    .assert_error(400, "1 to 50 characters");
    app.create(&p, relationship_body("", None, &[HELPDESK], "P30D", None))
        .await
        .assert_error(400, "1 to 50 characters");
    app.create(
        &p,
        relationship_body("line\nbreak", None, &[HELPDESK], "P30D", None),
    )
    .await
    .assert_error(400, "control characters");
    let ok = app
        .create(
            &p,
            relationship_body(&"日".repeat(50), None, &[HELPDESK], "P30D", None),
        )
        .await;
    assert_eq!(
        ok.status,
        StatusCode::CREATED,
        "50 characters (not bytes) are fine: {}",
        ok.text
    );
}

#[tokio::test]
async fn v2_display_names_are_unique_per_partner() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.create_default(&p, "Unique").await;
    app.create(
        &p,
        relationship_body("unique", None, &[HELPDESK], "P30D", None),
    )
    .await
    .assert_error(409, "already exists");
    let p2 = app.partner_two().await;
    assert_eq!(
        app.create(
            &p2,
            relationship_body("Unique", None, &[HELPDESK], "P30D", None)
        )
        .await
        .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn v3_duration_must_be_iso_8601_between_one_day_and_two_years() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.create(
        &p,
        relationship_body("d1", None, &[HELPDESK], "PT23H", None),
    )
    .await
    .assert_error(400, "between `P1D` and `P2Y`");
    app.create(
        &p,
        relationship_body("d2", None, &[HELPDESK], "P731D", None),
    )
    .await
    .assert_error(400, "between `P1D` and `P2Y`");
    app.create(
        &p,
        relationship_body("d3", None, &[HELPDESK], "two years", None),
    )
    .await
    .assert_error(400, "not an ISO 8601 duration");
    for ok in ["P1D", "P730D", "P2Y"] {
        assert_eq!(
            app.create(&p, relationship_body(ok, None, &[HELPDESK], ok, None))
                .await
                .status,
            StatusCode::CREATED,
            "{ok}"
        );
    }
}

#[tokio::test]
async fn python_timedelta_text_is_refused_with_the_iso_form_to_use() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app
        .create(
            &p,
            relationship_body("py", None, &[HELPDESK], "730 days, 0:00:00", None),
        )
        .await;
    r.assert_error(400, "write it as `P730D`");
}

#[tokio::test]
async fn v4_auto_extend_accepts_only_pt0s_p0d_and_p180d() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.create(
        &p,
        relationship_body("a1", None, &[HELPDESK], "P30D", Some("P90D")),
    )
    .await
    .assert_error(400, "`P180D`");
    let zero = app
        .create(
            &p,
            relationship_body("a2", None, &[HELPDESK], "P30D", Some("P0D")),
        )
        .await;
    assert_eq!(zero.body["autoExtendDuration"], "PT0S");
    let on = app
        .create(
            &p,
            relationship_body("a3", None, &[HELPDESK], "P30D", Some("P180D")),
        )
        .await;
    assert_eq!(on.body["autoExtendDuration"], "P180D");
    let default = app
        .create(&p, relationship_body("a4", None, &[HELPDESK], "P30D", None))
        .await;
    assert_eq!(default.body["autoExtendDuration"], "PT0S");
}

#[tokio::test]
async fn v5_global_administrator_cannot_be_auto_extended() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.create(
        &p,
        relationship_body("ga", None, &[GA, HELPDESK], "P30D", Some("P180D")),
    )
    .await
    .assert_error(400, "set `autoExtendDuration` to `PT0S`");
    let r = app
        .create(&p, relationship_body("ga ok", None, &[GA], "P30D", None))
        .await;
    app.patch(
        &format!("{RELS}/{}", r.body["id"].as_str().unwrap()),
        &p,
        &r.etag(),
        json!({"autoExtendDuration": "P180D"}),
    )
    .await
    .assert_error(400, "Global Administrator");
}

#[tokio::test]
async fn v6_roles_must_be_eligible_built_in_roles() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.create(&p, relationship_body("r0", None, &[], "P30D", None))
        .await
        .assert_error(400, "at least one role");
    app.create(
        &p,
        relationship_body(
            "r1",
            None,
            &["aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"],
            "P30D",
            None,
        ),
    )
    .await
    .assert_error(400, "not a Microsoft Entra built-in role");
    app.create(
        &p,
        relationship_body(
            "r2",
            None,
            &["fc8ad4e2-40e4-4724-8317-bcda7503ecbf"],
            "P30D",
            None,
        ),
    )
    .await
    .assert_error(400, "incompatible with admin relationships");
    app.create(
        &p,
        relationship_body("r3", None, &[HELPDESK, HELPDESK], "P30D", None),
    )
    .await
    .assert_error(400, "more than once");
    app.create(
        &p,
        relationship_body("r4", None, &["not-a-guid"], "P30D", None),
    )
    .await
    .assert_error(400, "roleDefinitionId");
}

#[tokio::test]
async fn v7_the_customer_must_be_an_existing_other_tenant() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.create(
        &p,
        relationship_body(
            "c1",
            Some("99999999-9999-4999-8999-999999999999"),
            &[HELPDESK],
            "P30D",
            None,
        ),
    )
    .await
    .assert_error(400, "does not exist");
    app.create(
        &p,
        relationship_body("c2", Some("not-a-tenant"), &[HELPDESK], "P30D", None),
    )
    .await
    .assert_error(400, "`customer.tenantId`");
    app.create(
        &p,
        relationship_body("c3", Some(PARTNER), &[HELPDESK], "P30D", None),
    )
    .await
    .assert_error(400, "partner's own tenant");
}

#[tokio::test]
async fn v8_patch_and_delete_need_a_current_if_match() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app.create_default(&p, "etag").await;
    let url = format!("{RELS}/{}", r["id"].as_str().unwrap());
    let missing = app
        .send(
            reqwest::Method::PATCH,
            &url,
            Some(&p),
            Some(json!({"displayName": "x"})),
            &[],
        )
        .await;
    missing.assert_error(428, "If-Match");
    let missing = app
        .send(reqwest::Method::DELETE, &url, Some(&p), None, &[])
        .await;
    missing.assert_error(428, "If-Match");
    let etag = r["@odata.etag"].as_str().unwrap();
    let renamed = app
        .patch(&url, &p, etag, json!({"displayName": "renamed"}))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["displayName"], "renamed");
    app.patch(&url, &p, etag, json!({"displayName": "again"}))
        .await
        .assert_error(412, "ETag");
    app.delete(&url, &p, etag).await.assert_error(412, "ETag");
    assert_eq!(
        app.patch(&url, &p, "*", json!({"displayName": "star"}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn v9_only_created_relationships_can_be_edited_freely() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app.create_default(&p, "edit").await;
    let id = r["id"].as_str().unwrap();
    let url = format!("{RELS}/{id}");
    let patched = app
        .patch(
            &url,
            &p,
            r["@odata.etag"].as_str().unwrap(),
            json!({"duration": "P100D"}),
        )
        .await;
    assert_eq!(patched.body["duration"], "P100D");
    app.lock(&p, id).await;
    let cur = app.relationship(&p, id).await;
    app.patch(
        &url,
        &p,
        cur["@odata.etag"].as_str().unwrap(),
        json!({"displayName": "late"}),
    )
    .await
    .assert_error(400, "only be updated while the relationship is `created`");
    let active = app
        .active_relationship(
            &p,
            relationship_body(
                "active edit",
                Some(CUSTOMER_A),
                &[HELPDESK, USER_ADMIN],
                "P30D",
                None,
            ),
        )
        .await;
    let url = format!("{RELS}/{}", active["id"].as_str().unwrap());
    let etag = active["@odata.etag"].as_str().unwrap();
    app.patch(&url, &p, etag, json!({"duration": "P60D"}))
        .await
        .assert_error(400, "`duration`");
    app.patch(
        &url,
        &p,
        etag,
        json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
    )
    .await
    .assert_error(400, "can only drop the Global Administrator role");
}

#[tokio::test]
async fn v10_only_created_relationships_can_be_deleted() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app.create_default(&p, "delete").await;
    let id = r["id"].as_str().unwrap();
    let url = format!("{RELS}/{id}");
    app.lock(&p, id).await;
    let cur = app.relationship(&p, id).await;
    app.delete(&url, &p, cur["@odata.etag"].as_str().unwrap())
        .await
        .assert_error(400, "only be deleted while it is `created`");
    let r = app.create_default(&p, "delete me").await;
    let url = format!("{RELS}/{}", r["id"].as_str().unwrap());
    assert_eq!(
        app.delete(&url, &p, r["@odata.etag"].as_str().unwrap())
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&url, &p).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn v11_request_actions_need_the_right_status() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app.create_default(&p, "actions").await;
    let id = r["id"].as_str().unwrap();
    let url = format!("{RELS}/{id}/requests");
    app.post(&url, &p, json!({"action": "terminate"}))
        .await
        .assert_error(400, "needs a relationship that is `active`");
    assert_eq!(app.lock(&p, id).await.status, StatusCode::CREATED);
    app.lock(&p, id)
        .await
        .assert_error(400, "needs a relationship that is `created`");
    app.post(&url, &p, json!({"action": "terminate"}))
        .await
        .assert_error(400, "it is `approvalPending`");
    app.post(&url, &p, json!({"action": "approve"}))
        .await
        .assert_error(400, "only for indirect resellers");
    app.post(&url, &p, json!({"action": "reject"}))
        .await
        .assert_error(400, "`lockForApproval`");
    let with_prefer = app
        .send(
            reqwest::Method::POST,
            &url,
            Some(&p),
            Some(json!({"action": "reject"})),
            &[("Prefer", "include-unknown-enum-members")],
        )
        .await;
    with_prefer.assert_error(400, "only for indirect resellers");
    app.post(&url, &p, json!({"action": "explode"}))
        .await
        .assert_error(400, "not a valid request action");
}

#[tokio::test]
async fn v12_access_assignments_need_an_active_relationship_a_real_group_and_a_role_subset() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let body = |group: &str, role: &str| {
        json!({
            "accessContainer": {"accessContainerId": group, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": role}]},
        })
    };
    let r = app.create_default(&p, "not active").await;
    app.post(
        &format!("{RELS}/{}/accessAssignments", r["id"].as_str().unwrap()),
        &p,
        body(HELPDESK_AGENTS, HELPDESK),
    )
    .await
    .assert_error(400, "`active` relationship");
    let active = app
        .active_relationship(
            &p,
            relationship_body("v12", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let url = format!(
        "{RELS}/{}/accessAssignments",
        active["id"].as_str().unwrap()
    );
    app.post(&url, &p, body(HELPDESK_AGENTS, EXCHANGE))
        .await
        .assert_error(400, "not one of the relationship's roles");
    app.post(
        &url,
        &p,
        body("99999999-9999-4999-8999-999999999999", HELPDESK),
    )
    .await
    .assert_error(400, "access container");
    let mut bad_type = body(HELPDESK_AGENTS, HELPDESK);
    bad_type["accessContainer"]["accessContainerType"] = json!("user");
    app.post(&url, &p, bad_type)
        .await
        .assert_error(400, "accessContainerType");
    assert_eq!(
        app.post(&url, &p, body(HELPDESK_AGENTS, HELPDESK))
            .await
            .status,
        StatusCode::CREATED
    );
    app.post(&url, &p, body(HELPDESK_AGENTS, HELPDESK))
        .await
        .assert_error(409, "already has an access assignment");
}

#[tokio::test]
async fn v13_malformed_relationship_ids_are_bad_requests_and_unknown_ones_not_found() {
    let app = spawn_app().await;
    let p = app.partner().await;
    app.get(&format!("{RELS}/not-an-id"), &p)
        .await
        .assert_error(400, "The passed in delegatedAdminRelationshipId is invalid");
    let unknown = format!("5d027261-d21f-4aa9-b7db-7fa1f56fb163-{PARTNER}");
    app.get(&format!("{RELS}/{unknown}"), &p)
        .await
        .assert_error(404, "not found");
    app.get(&format!("{RELS}/{unknown}/requests"), &p)
        .await
        .assert_error(404, "not found");
    let known = app.create_default(&p, "known").await;
    app.get(
        &format!(
            "{RELS}/{}/requests/not-a-guid",
            known["id"].as_str().unwrap()
        ),
        &p,
    )
    .await
    .assert_error(400, "not a valid request id");
}

#[tokio::test]
async fn v14_callers_need_the_permission_and_users_the_admin_agents_group() {
    let app = spawn_app().await;
    let reader = app
        .app_token(
            PARTNER,
            "11111111-cccc-4ccc-8ccc-000000000002",
            "reader-secret",
        )
        .await;
    assert_eq!(app.get(RELS, &reader).await.status, StatusCode::OK);
    app.create(
        &reader,
        relationship_body("r", None, &[HELPDESK], "P30D", None),
    )
    .await
    .assert_error(403, "DelegatedAdminRelationship.ReadWrite.All");
    let nothing = app
        .app_token(
            PARTNER,
            "11111111-cccc-4ccc-8ccc-000000000003",
            "nothing-secret",
        )
        .await;
    app.get(RELS, &nothing)
        .await
        .assert_error(403, "does not have the required permissions");
    let scope = "https://graph.microsoft.com/DelegatedAdminRelationship.ReadWrite.All";
    let agent = app
        .user_token("agent@partnerone.onmicrosoft.com", "Agent-Pass-1", scope)
        .await;
    assert_eq!(
        app.create(
            &agent,
            relationship_body("by agent", None, &[HELPDESK], "P30D", None)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let tech = app
        .user_token("tech@partnerone.onmicrosoft.com", "Tech-Pass-1", scope)
        .await;
    app.get(RELS, &tech).await.assert_error(403, "Admin Agents");
    let customer_app = app
        .app_token(
            CUSTOMER_A,
            "33333333-cccc-4ccc-8ccc-000000000001",
            "customer-secret",
        )
        .await;
    app.get(RELS, &customer_app)
        .await
        .assert_error(403, "Only partner tenants");
    app.send(reqwest::Method::GET, RELS, None, None, &[])
        .await
        .assert_error(401, "empty");
}
