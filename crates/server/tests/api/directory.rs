//! The tenant directory API: each call authorized against its Entra action, for the tenant's own
//! users and for partner technicians acting through GDAP, with delegated calls in the audit record.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const TECH: &str = "tech@partnerone.onmicrosoft.com";

/// Makes Partner One's Helpdesk Agents hold Helpdesk Administrator in Customer A and returns a
/// Graph token of the technician for Customer A.
async fn technician_in_customer_a(app: &TestApp) -> String {
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body("Directory", Some(CUSTOMER_A), &[HELPDESK], "P30D", None),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let a = app
        .post(
            &format!("{RELS}/{id}/accessAssignments"),
            &p,
            json!({"accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
                   "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    app.advance("PT2S").await;
    let t = app
        .form_token(
            "customera.onmicrosoft.com",
            &[
                ("grant_type", "password"),
                ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                ("username", TECH),
                ("password", "Tech-Pass-1"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    t.body["access_token"].as_str().unwrap().to_owned()
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
    let ga = app
        .user_token(
            "ga@customera.onmicrosoft.com",
            "Ga-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
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
