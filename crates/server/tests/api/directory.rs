//! The tenant directory API: each call authorized against its Entra action, for the tenant's own
//! users and for partner technicians acting through GDAP, with delegated calls in the audit record.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const TECH: &str = "tech@partnerone.onmicrosoft.com";

/// Makes Partner One's Helpdesk Agents hold Helpdesk Administrator in Customer A and returns a
/// Graph token of the technician for Customer A.
async fn technician_in_customer_a(app: &TestApp) -> String {
    app.technician_in_customer_a(&[HELPDESK]).await
}

#[tokio::test]
async fn a_technician_resets_a_password_through_gdap_but_cannot_do_more_and_both_are_audited() {
    let app = spawn_app().await;
    let tech = technician_in_customer_a(&app).await;
    let target = "/v1.0/users/user@customera.onmicrosoft.com";
    let reset = app
        .send(
            Method::PATCH,
            target,
            Some(&tech),
            Some(json!({"passwordProfile": {"password": "New-Pass-123", "forceChangePasswordNextSignIn": false}})),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    // The new password works.
    app.user_token(
        "user@customera.onmicrosoft.com",
        "New-Pass-123",
        "https://graph.microsoft.com/.default",
    )
    .await;
    // Helpdesk Administrator cannot rename users, disable them, or list the directory.
    app.send(
        Method::PATCH,
        target,
        Some(&tech),
        Some(json!({"displayName": "Renamed"})),
        &[],
    )
    .await
    .assert_error(403, "roleLacksAction");
    app.send(
        Method::PATCH,
        target,
        Some(&tech),
        Some(json!({"accountEnabled": false})),
        &[],
    )
    .await
    .assert_error(403, "roleLacksAction");
    app.get("/v1.0/users", &tech)
        .await
        .assert_error(403, "users/standard/read");
    // Customer A sees both the reset and the refusals, with the path of the reset.
    let log = app
        .state
        .store
        .audit_of(
            gdap_domain::ids::TenantId::parse(CUSTOMER_A).unwrap(),
            Some(gdap_domain::ids::TenantId::parse(PARTNER).unwrap()),
            0,
            100,
        )
        .await
        .unwrap();
    let reset_entry = log
        .iter()
        .find(|e| e.action == "microsoft.directory/users/password/update" && e.actor == TECH)
        .expect("the reset is audited");
    assert_eq!(reset_entry.result, "success");
    assert!(reset_entry.relationship.is_some() && reset_entry.assignment.is_some());
    assert_eq!(
        reset_entry.role.map(|r| r.to_string()).as_deref(),
        Some(HELPDESK)
    );
    assert!(log
        .iter()
        .any(|e| e.action == "microsoft.directory/users/basic/update"
            && e.result == "denied: roleLacksAction"));
}

#[tokio::test]
async fn removing_the_roles_takes_the_technicians_access_away_at_the_next_call() {
    let app = spawn_app().await;
    let tech = technician_in_customer_a(&app).await;
    let admin = app.customer_a_admin().await;
    let r = app
        .send(
            Method::POST,
            &format!("/admincenter/v1/partners/{PARTNER}/removeRoles"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.send(
        Method::PATCH,
        "/v1.0/users/user@customera.onmicrosoft.com",
        Some(&tech),
        Some(json!({"passwordProfile": {"password": "Another-Pass-1"}})),
        &[],
    )
    .await
    .assert_error(403, "relationshipNotActive");
}

#[tokio::test]
async fn the_tenants_own_users_list_and_page_and_only_admins_change_others() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    let member = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    let page = app.get("/v1.0/users?$top=2", &member).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.body["value"].as_array().unwrap().len(), 2);
    let next = page.body["@odata.nextLink"].as_str().unwrap().to_owned();
    let rest = app.get(&next, &member).await;
    assert_eq!(rest.body["value"].as_array().unwrap().len(), 1);
    assert!(rest.body.get("@odata.nextLink").is_none());
    // Only this tenant's users, never another's.
    assert!(!page.text.contains("customerb") && !rest.text.contains("customerb"));
    let filtered = app
        .get(
            "/v1.0/users?$filter=startswith(userPrincipalName,'ga@')",
            &member,
        )
        .await;
    assert_eq!(filtered.body["value"].as_array().unwrap().len(), 1);
    app.get("/v1.0/users?$filter=mail eq 'x'", &member)
        .await
        .assert_error(400, "$filter");
    app.get("/v1.0/users/ga@customerb.onmicrosoft.com", &member)
        .await
        .assert_error(404, "not found");
    let org = app.get("/v1.0/organization", &member).await;
    assert_eq!(org.body["value"][0]["id"], CUSTOMER_A);
    // A member without a role cannot rename a colleague; the Global Administrator can.
    let target = "/v1.0/users/cdara@customera.onmicrosoft.com";
    app.send(
        Method::PATCH,
        target,
        Some(&member),
        Some(json!({"displayName": "X"})),
        &[],
    )
    .await
    .assert_error(403, "roleLacksAction");
    let ok = app
        .send(
            Method::PATCH,
            target,
            Some(&ga),
            Some(json!({"displayName": "Relationship Admin"})),
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    for (body, needle) in [
        (
            json!({"passwordProfile": {"password": "short"}}),
            "8 to 256",
        ),
        (json!({"accountEnabled": "yes"}), "true or false"),
        (json!({"mail": "x@y"}), "does not exist"),
        (json!({"passwordProfile": "secret"}), "object"),
    ] {
        app.send(Method::PATCH, target, Some(&ga), Some(body), &[])
            .await
            .assert_error(400, needle);
    }
}

#[tokio::test]
async fn a_partner_removing_its_technician_from_the_group_takes_effect_at_the_next_call() {
    let app = spawn_app().await;
    let tech = technician_in_customer_a(&app).await;
    let target = "/v1.0/users/user@customera.onmicrosoft.com";
    let reset = |pw: &'static str| json!({"passwordProfile": {"password": pw}});
    let ok = app
        .send(
            Method::PATCH,
            target,
            Some(&tech),
            Some(reset("First-Pass-1")),
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    let agent = app
        .user_token(
            "agent@partnerone.onmicrosoft.com",
            "Agent-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    // Members read their tenant's groups; changing members needs a role the agent lacks.
    let members = app
        .get(&format!("/v1.0/groups/{HELPDESK_AGENTS}/members"), &agent)
        .await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.text);
    assert!(members.text.contains("tech@partnerone.onmicrosoft.com"));
    let tech_id = members.body["value"][0]["id"].as_str().unwrap().to_owned();
    app.send(
        Method::DELETE,
        &format!("/v1.0/groups/{HELPDESK_AGENTS}/members/{tech_id}/$ref"),
        Some(&agent),
        None,
        &[],
    )
    .await
    .assert_error(403, "groups/members/update");
    // Partner One's Global Administrator can.
    let admin = app
        .user_token(
            "admin@partnerone.onmicrosoft.com",
            "Admin-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    let removed = app
        .send(
            Method::DELETE,
            &format!("/v1.0/groups/{HELPDESK_AGENTS}/members/{tech_id}/$ref"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    app.send(
        Method::PATCH,
        target,
        Some(&tech),
        Some(reset("Second-Pass-1")),
        &[],
    )
    .await
    .assert_error(403, "noAssignmentForUserGroups");
    // And back: added again, allowed again at once.
    let added = app
        .send(
            Method::POST,
            &format!("/v1.0/groups/{HELPDESK_AGENTS}/members/$ref"),
            Some(&admin),
            Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{tech_id}")})),
            &[],
        )
        .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.text);
    let again = app
        .send(
            Method::PATCH,
            target,
            Some(&tech),
            Some(reset("Third-Pass-1")),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.text);
    // Another tenant's group is not found; a bad reference is explained.
    app.get(
        &format!("/v1.0/groups/{HELPDESK_AGENTS}/members"),
        &app.customer_b_admin_graph().await,
    )
    .await
    .assert_error(404, "not found");
    app.send(
        Method::POST,
        &format!("/v1.0/groups/{HELPDESK_AGENTS}/members/$ref"),
        Some(&admin),
        Some(json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/nope"})),
        &[],
    )
    .await
    .assert_error(400, "@odata.id");
}

#[tokio::test]
async fn role_assignments_give_and_take_a_customer_users_own_rights_at_once() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    let member = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    const RA: &str = "/v1.0/roleManagement/directory/roleAssignments";
    let listed = app.get(RA, &ga).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert!(
        listed.text.contains(GA),
        "the Global Administrator's own role is listed"
    );
    // A member without a role can neither read nor grant roles.
    app.get(RA, &member)
        .await
        .assert_error(403, "roleAssignments/standard/read");
    let user = app
        .get("/v1.0/users/user@customera.onmicrosoft.com", &ga)
        .await;
    let user_id = user.body["id"].as_str().unwrap().to_owned();
    let grant =
        json!({"roleDefinitionId": USER_ADMIN, "principalId": user_id, "directoryScopeId": "/"});
    app.send(Method::POST, RA, Some(&member), Some(grant.clone()), &[])
        .await
        .assert_error(403, "roleAssignments/create");
    // The member cannot rename a colleague until the Global Administrator makes it User Administrator.
    let colleague = "/v1.0/users/cdara@customera.onmicrosoft.com";
    app.send(
        Method::PATCH,
        colleague,
        Some(&member),
        Some(json!({"displayName": "A"})),
        &[],
    )
    .await
    .assert_error(403, "roleLacksAction");
    let created = app
        .send(Method::POST, RA, Some(&ga), Some(grant.clone()), &[])
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let renamed = app
        .send(
            Method::PATCH,
            colleague,
            Some(&member),
            Some(json!({"displayName": "B"})),
            &[],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.text);
    app.send(Method::POST, RA, Some(&ga), Some(grant), &[])
        .await
        .assert_error(409, "already holds");
    let filtered = app
        .get(&format!("{RA}?$filter=principalId eq '{user_id}'"), &ga)
        .await;
    assert_eq!(filtered.body["value"].as_array().unwrap().len(), 1);
    // Taken away: the next call is refused.
    let deleted = app
        .send(Method::DELETE, &format!("{RA}/{id}"), Some(&ga), None, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    app.send(
        Method::PATCH,
        colleague,
        Some(&member),
        Some(json!({"displayName": "C"})),
        &[],
    )
    .await
    .assert_error(403, "roleLacksAction");
    app.get(&format!("{RA}/{id}"), &ga)
        .await
        .assert_error(404, "not found");
    for (body, needle) in [
        (
            json!({"roleDefinitionId": "00000000-0000-4000-8000-000000000000", "principalId": user_id}),
            "built-in",
        ),
        (
            json!({"roleDefinitionId": USER_ADMIN, "principalId": user_id, "directoryScopeId": "/administrativeUnits/x"}),
            "scope",
        ),
        (json!({"principalId": user_id}), "roleDefinitionId"),
    ] {
        app.send(Method::POST, RA, Some(&ga), Some(body), &[])
            .await
            .assert_error(400, needle);
    }
}

#[tokio::test]
async fn an_administrator_creates_and_deletes_users_and_a_deleted_user_can_do_nothing() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    let member = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    let body = json!({"accountEnabled": true, "displayName": "New Hire", "mailNickname": "newhire",
        "userPrincipalName": "NewHire@customera.onmicrosoft.com",
        "passwordProfile": {"forceChangePasswordNextSignIn": false, "password": "Hire-Pass-1"}});
    app.send(
        Method::POST,
        "/v1.0/users",
        Some(&member),
        Some(body.clone()),
        &[],
    )
    .await
    .assert_error(403, "users/create");
    let created = app
        .send(
            Method::POST,
            "/v1.0/users",
            Some(&ga),
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.body["userPrincipalName"],
        "newhire@customera.onmicrosoft.com"
    );
    app.send(Method::POST, "/v1.0/users", Some(&ga), Some(body), &[])
        .await
        .assert_error(400, "already exists");
    let hire = app
        .user_token(
            "newhire@customera.onmicrosoft.com",
            "Hire-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    assert_eq!(app.get("/v1.0/users", &hire).await.status, StatusCode::OK);
    let other_domain = json!({"displayName": "X", "userPrincipalName": "x@customerb.onmicrosoft.com",
        "passwordProfile": {"password": "Hire-Pass-1"}});
    app.send(
        Method::POST,
        "/v1.0/users",
        Some(&ga),
        Some(other_domain),
        &[],
    )
    .await
    .assert_error(400, "customera.onmicrosoft.com");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/v1.0/users/{id}"),
            Some(&ga),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    // Its still-valid token no longer authenticates: the account is gone.
    app.send(
        Method::PATCH,
        "/v1.0/users/user@customera.onmicrosoft.com",
        Some(&hire),
        Some(json!({"displayName": "Z"})),
        &[],
    )
    .await
    .assert_error(401, "no longer exists");
    app.get("/v1.0/users", &hire)
        .await
        .assert_error(401, "no longer exists");
    app.send(
        Method::DELETE,
        &format!("/v1.0/users/{id}"),
        Some(&ga),
        None,
        &[],
    )
    .await
    .assert_error(404, "not found");
}

#[tokio::test]
async fn a_partner_creates_a_security_group_grants_it_gdap_roles_and_deleting_it_takes_the_access_away(
) {
    let app = spawn_app().await;
    let admin = app
        .user_token(
            "admin@partnerone.onmicrosoft.com",
            "Admin-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    let created = app
        .post(
            "/v1.0/groups",
            &admin,
            json!({"displayName": "Tier 2 technicians", "mailNickname": "tier2", "securityEnabled": true, "mailEnabled": false}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let group = created.body["id"].as_str().unwrap().to_owned();
    assert!(created.header("location").unwrap().ends_with(&group));
    let got = app.get(&format!("/v1.0/groups/{group}"), &admin).await;
    assert_eq!(got.body["displayName"], "Tier 2 technicians");
    let member = app
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            &admin,
            json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/11111111-0000-4000-8000-000000000002"}),
        )
        .await;
    assert_eq!(member.status, StatusCode::NO_CONTENT, "{}", member.text);

    // The new group is granted Helpdesk Administrator in Customer A.
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body("Tier 2", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let a = app
        .post(
            &format!("{RELS}/{}/accessAssignments", rel["id"].as_str().unwrap()),
            &p,
            json!({"accessContainer": {"accessContainerId": group, "accessContainerType": "securityGroup"},
                   "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    app.advance("PT2S").await;
    let tech = app.technician_token().await;
    let reset = |token: String| {
        let app = &app;
        async move {
            app.send(
                Method::PATCH,
                "/v1.0/users/user@customera.onmicrosoft.com",
                Some(&token),
                Some(json!({"passwordProfile": {"password": "Another-Pass-9"}})),
                &[],
            )
            .await
        }
    };
    assert_eq!(reset(tech.clone()).await.status, StatusCode::NO_CONTENT);

    // Deleting the group ends the access at the next call.
    let gone = app
        .send(
            Method::DELETE,
            &format!("/v1.0/groups/{group}"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    reset(tech).await.assert_error(403, "noAssignmentForUser");
    app.get(&format!("/v1.0/groups/{group}"), &admin)
        .await
        .assert_error(404, "group");
}

#[tokio::test]
async fn group_creation_refuses_other_kinds_reserved_names_bad_input_and_users_without_the_role() {
    let app = spawn_app().await;
    let admin = app
        .user_token(
            "admin@partnerone.onmicrosoft.com",
            "Admin-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    let before = app.get("/v1.0/groups", &admin).await.body["value"].clone();
    let ok = json!({"displayName": "Desk", "mailNickname": "desk", "securityEnabled": true, "mailEnabled": false});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    for (body, needle) in [
        (with("mailEnabled", json!(true)), "security groups only"),
        (
            with("securityEnabled", json!(false)),
            "security groups only",
        ),
        (
            with("groupTypes", json!(["Unified"])),
            "security groups only",
        ),
        (with("groupTypes", json!("Unified")), "array"),
        (with("displayName", json!("AdminAgents")), "built-in"),
        (with("displayName", json!("helpdeskagents")), "built-in"),
        (with("displayName", json!("")), "displayName"),
        (with("displayName", json!("a\nb")), "displayName"),
        (with("mailNickname", json!("has space")), "mailNickname"),
        (with("mailNickname", json!(null)), "mailNickname"),
        (with("visibility", json!("Private")), "visibility"),
    ] {
        app.post("/v1.0/groups", &admin, body)
            .await
            .assert_error(400, needle);
    }
    // The built-in groups cannot be deleted; unknown and malformed ids are refused.
    app.send(
        Method::DELETE,
        &format!("/v1.0/groups/{ADMIN_AGENTS}"),
        Some(&admin),
        None,
        &[],
    )
    .await
    .assert_error(400, "built-in");
    app.send(
        Method::DELETE,
        "/v1.0/groups/11111111-aaaa-4aaa-8aaa-00000000ffff",
        Some(&admin),
        None,
        &[],
    )
    .await
    .assert_error(404, "group");
    app.send(Method::DELETE, "/v1.0/groups/nope", Some(&admin), None, &[])
        .await
        .assert_error(400, "group id");
    // A user without a directory role may not create groups, nor may a reader application.
    let agent = app
        .user_token(
            "agent@partnerone.onmicrosoft.com",
            "Agent-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    app.post("/v1.0/groups", &agent, ok.clone())
        .await
        .assert_error(403, "roleLacksAction");
    let reader = app
        .app_token(
            PARTNER,
            "11111111-cccc-4ccc-8ccc-000000000002",
            "reader-secret",
        )
        .await;
    app.post("/v1.0/groups", &reader, ok.clone())
        .await
        .assert_error(403, "Group.ReadWrite.All");
    // Another tenant's group is not found, for reading and for deleting.
    let b = app.customer_b_admin_graph().await;
    app.get(&format!("/v1.0/groups/{HELPDESK_AGENTS}"), &b)
        .await
        .assert_error(404, "group");
    app.send(
        Method::DELETE,
        &format!("/v1.0/groups/{HELPDESK_AGENTS}"),
        Some(&b),
        None,
        &[],
    )
    .await
    .assert_error(404, "group");
    // Nothing was created by any refused request.
    let groups = app.get("/v1.0/groups", &admin).await;
    assert_eq!(groups.body["value"], before);
}

#[tokio::test]
async fn the_users_list_takes_the_shared_odata_options_and_refuses_unknown_ones() {
    let app = spawn_app().await;
    let ga = app.customer_a_admin_graph().await;
    // Unknown or invalid options are refused, not ignored.
    app.get("/v1.0/users?$search=ga", &ga)
        .await
        .assert_error(400, "$search");
    app.get("/v1.0/users?$top=1000", &ga)
        .await
        .assert_error(400, "1 to 999");
    app.get("/v1.0/users?$orderby=mail", &ga)
        .await
        .assert_error(400, "mail");
    // Ordering, selection, counting and boolean filters as on every collection.
    let page = app
        .get(
            "/v1.0/users?$orderby=displayName desc&$select=displayName&$count=true&$top=2",
            &ga,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.body["@odata.count"], 3);
    let names: Vec<&str> = page.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A User", "A Relationship Admin"]);
    assert!(page.body["value"][0].get("userPrincipalName").is_none());
    // The next page continues the order from the last key.
    let next = page.body["@odata.nextLink"].as_str().unwrap().to_owned();
    let rest = app.get(&next, &ga).await;
    assert_eq!(rest.body["value"][0]["displayName"], "A Global Admin");
    let disabled = app
        .get("/v1.0/users?$filter=accountEnabled eq false", &ga)
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.body["value"].as_array().unwrap().len(), 0);
    let enabled = app
        .get(
            "/v1.0/users?$filter=accountEnabled eq true and startswith(displayName,'A R')",
            &ga,
        )
        .await;
    assert_eq!(
        enabled.body["value"].as_array().unwrap().len(),
        1,
        "{}",
        enabled.text
    );
}

#[tokio::test]
async fn directory_errors_carry_graphs_directory_codes_and_sentences_with_gdaps_reason_beside_them()
{
    let app = spawn_app().await;
    let tech = technician_in_customer_a(&app).await;
    // A technician's refused call: Graph's code and sentence, gdap's reason in the details.
    let denied = app
        .send(
            Method::PATCH,
            "/v1.0/users/user@customera.onmicrosoft.com",
            Some(&tech),
            Some(json!({"displayName": "Renamed"})),
            &[],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text);
    assert_eq!(denied.body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        denied.body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    assert!(
        denied.body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("microsoft.directory/users/basic/update"),
        "{}",
        denied.text
    );
    let ga = app.customer_a_admin_graph().await;
    // A missing object, as Graph names it.
    let missing = app
        .get("/v1.0/users/nobody@customera.onmicrosoft.com", &ga)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert_eq!(missing.body["error"]["code"], "Request_ResourceNotFound");
    assert_eq!(
        missing.body["error"]["message"],
        "Resource 'nobody@customera.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present."
    );
    // A taken principal name: 400, not 409, with Graph's sentence.
    let taken = app
        .send(
            Method::POST,
            "/v1.0/users",
            Some(&ga),
            Some(json!({
                "accountEnabled": true,
                "displayName": "Twin",
                "mailNickname": "user",
                "userPrincipalName": "user@customera.onmicrosoft.com",
                "passwordProfile": {"password": "Twin-Pass-123"}
            })),
            &[],
        )
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text);
    assert_eq!(taken.body["error"]["code"], "Request_BadRequest");
    assert_eq!(
        taken.body["error"]["message"],
        "Another object with the same value for property userPrincipalName already exists."
    );
    // Bad input and unsupported query options.
    let bad = app
        .send(
            Method::POST,
            "/v1.0/groups",
            Some(&ga),
            Some(json!({"displayName": 7})),
            &[],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.body["error"]["code"], "Request_BadRequest");
    let query = app.get("/v1.0/users?$orderby=mail", &ga).await;
    assert_eq!(query.status, StatusCode::BAD_REQUEST, "{}", query.text);
    assert_eq!(query.body["error"]["code"], "Request_UnsupportedQuery");
    // The GDAP API keeps its own lower-camel codes.
    let gdap = app
        .get(
            "/v1.0/tenantRelationships/delegatedAdminRelationships",
            &tech,
        )
        .await;
    assert_eq!(gdap.status, StatusCode::FORBIDDEN, "{}", gdap.text);
    assert_eq!(gdap.body["error"]["code"], "forbidden");
}
