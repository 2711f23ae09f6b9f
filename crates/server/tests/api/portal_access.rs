//! The partner portal's security-group step: an active relationship says when no group has its
//! roles, a group is assigned roles of the relationship from the page and its technicians can act
//! once the assignment is active, and removing it takes that away; the approval link is offered
//! only while the invitation can be approved.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::visitor::Visitor;

/// Whether the technician (Helpdesk Agents) can sign in to Customer A and reset a user's password.
async fn technician_can_reset(app: &TestApp) -> bool {
    let Some(tech) = app.try_technician_token().await else {
        return false;
    };
    app.send(
        Method::PATCH,
        "/v1.0/users/user@customera.onmicrosoft.com",
        Some(&tech),
        Some(json!({"passwordProfile": {"password": "Portal-Reset-1"}})),
        &[],
    )
    .await
    .status
        == StatusCode::NO_CONTENT
}

#[tokio::test]
async fn a_partner_assigns_a_security_group_from_the_portal_and_its_technicians_can_act() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Portal access",
                Some(CUSTOMER_A),
                &[HELPDESK, USER_ADMIN],
                "P30D",
                None,
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let page_path = format!("/partner/relationships/{id}");
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let page = v.get(&page_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"no-assignment\""), "{}", page.body);
    // The list says so too.
    let listed = v.get("/partner").await;
    assert!(
        listed.body.contains("data-attention=\"noAssignment\""),
        "{}",
        listed.body
    );
    // Thirty days long, it also ends soon; filtered by what it needs, it is there or not.
    assert!(listed.body.contains("data-attention=\"endingSoon\""));
    let needing = v.get("/partner?attention=noAssignment").await;
    assert!(
        needing.body.contains(">Portal access</a>"),
        "{}",
        needing.body
    );
    let waiting = v.get("/partner?attention=pendingApproval").await;
    assert!(
        !waiting.body.contains(">Portal access</a>"),
        "{}",
        waiting.body
    );
    // Active: the invitation is done, its link and mail are not offered any more.
    assert!(!page.body.contains("id=\"approval-link\""));
    assert!(
        page.body.contains("HelpdeskAgents (1 members)"),
        "{}",
        page.body
    );
    assert!(!technician_can_reset(&app).await);
    let csrf = Visitor::csrf_of(&page);
    let action = format!("/partner/relationships/{id}/accessassignments");
    // Nothing ticked, or a role the relationship does not have: said in words, nothing assigned.
    let none = v
        .post(&action, &[("csrf", &csrf), ("group", HELPDESK_AGENTS)])
        .await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert!(none.body.contains("at least one role"));
    let foreign = v
        .post(
            &action,
            &[("csrf", &csrf), ("group", HELPDESK_AGENTS), ("role", GA)],
        )
        .await;
    assert_eq!(foreign.status, 400, "{}", foreign.body);
    assert!(
        foreign
            .body
            .contains("Global Administrator is not one of this relationship's roles"),
        "{}",
        foreign.body
    );
    // Helpdesk Agents get Helpdesk Administrator: pending, then active, and the technician acts.
    let assigned = v
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("group", HELPDESK_AGENTS),
                ("role", HELPDESK),
            ],
        )
        .await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    assert_eq!(assigned.location.as_deref(), Some(page_path.as_str()));
    let pending = v.get(&page_path).await;
    assert!(
        pending.body.contains("data-status=\"pending\""),
        "{}",
        pending.body
    );
    app.advance("PT2S").await;
    let active = v.get(&page_path).await;
    assert!(
        active.body.contains("data-status=\"active\""),
        "{}",
        active.body
    );
    assert!(!active.body.contains("id=\"no-assignment\""));
    assert!(!v
        .get("/partner")
        .await
        .body
        .contains("data-attention=\"noAssignment\""));
    assert!(technician_can_reset(&app).await);
    // Removed from the page: the technician's access ends.
    let at = active.body.find("/remove\"").expect("a remove button");
    let start = active.body[..at].rfind("action=\"").unwrap() + 8;
    let remove = active.body[start..at + 7].to_owned();
    let removed = v.post(&remove, &[("csrf", &csrf)]).await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    app.advance("PT2S").await;
    assert!(!technician_can_reset(&app).await);
    assert!(v
        .get(&page_path)
        .await
        .body
        .contains("id=\"no-assignment\""));
}

/// The alert of a page that refused a form.
fn alert(page: &crate::visitor::Page) -> String {
    let at = page.body.find("role=\"alert\">").expect("an alert") + 13;
    page.body[at..at + page.body[at..].find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn a_refused_relationship_says_what_to_change_in_the_readers_words() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let csrf = Visitor::csrf_of(&v.get("/partner/relationships/new").await);
    let create = |name: &'static str, role: &'static str, auto: bool| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("name", name.to_owned()),
            ("customer", "customera.onmicrosoft.com".to_owned()),
            ("days", "730".to_owned()),
            ("role", role.to_owned()),
        ];
        if auto {
            f.push(("autoExtend", "yes".to_owned()));
        }
        f
    };
    let ga = create("GA auto", GA, true);
    let borrowed: Vec<(&str, &str)> = ga.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = v.post("/partner/relationships", &borrowed).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let said = alert(&r);
    assert_eq!(
        said,
        "A relationship with Global Administrator cannot be extended automatically: turn auto-extend off or leave out this role."
    );
    let once = create("Twice", HELPDESK, false);
    let borrowed: Vec<(&str, &str)> = once.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        v.post("/partner/relationships", &borrowed).await.status,
        303
    );
    let again = v.post("/partner/relationships", &borrowed).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(
        alert(&again),
        "A relationship named “Twice” already exists. Choose another name."
    );
}

#[tokio::test]
async fn an_assignments_roles_are_changed_from_the_portal_through_an_operation() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Changed roles",
                Some(CUSTOMER_A),
                &[HELPDESK, USER_ADMIN],
                "P30D",
                None,
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap();
    let page_path = format!("/partner/relationships/{id}");
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let page = v.get(&page_path).await;
    let csrf = Visitor::csrf_of(&page);
    let action = format!("/partner/relationships/{id}/accessassignments");
    let assigned = v
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("group", HELPDESK_AGENTS),
                ("role", HELPDESK),
            ],
        )
        .await;
    assert_eq!(assigned.status, 303);
    app.advance("PT2S").await;
    let active = v.get(&page_path).await;
    let at = active.body.find("/roles\"").expect("a change form");
    let start = active.body[..at].rfind("action=\"").unwrap() + 8;
    let change = active.body[start..at + 6].to_owned();
    // Nothing ticked is refused in words; the assignment stays.
    let none = v.post(&change, &[("csrf", &csrf)]).await;
    assert_eq!(none.status, 400);
    let changed = v
        .post(
            &change,
            &[("csrf", &csrf), ("role", HELPDESK), ("role", USER_ADMIN)],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    app.advance("PT5S").await;
    let listed = app.get(&format!("{RELS}/{id}/accessAssignments"), &p).await;
    let roles: Vec<&str> = listed.body["value"][0]["accessDetails"]["unifiedRoles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["roleDefinitionId"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 2, "{}", listed.text);
    assert!(roles.contains(&USER_ADMIN));
}
