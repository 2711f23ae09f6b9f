//! The approval-request e-mail is queued with the lock, for every approver of the customer.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn locking_queues_the_approval_mail_for_each_customer_approver_in_their_language() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Mail").await;
    let id = rel["id"].as_str().unwrap();
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    assert!(
        outbox.body["value"].as_array().unwrap().is_empty(),
        "nothing is sent before the lock"
    );
    app.lock(&p, id).await;
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    let mails = outbox.body["value"].as_array().unwrap();
    let mut to: Vec<&str> = mails.iter().map(|m| m["to"].as_str().unwrap()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "cdara@customera.onmicrosoft.com",
            "ga@customera.onmicrosoft.com"
        ],
        "approvers only"
    );
    let ja = mails
        .iter()
        .find(|m| m["to"] == "ga@customera.onmicrosoft.com")
        .unwrap();
    let subject = ja["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("【重要】【One <b>Cloud</b> Bcc: x@evil.example】"),
        "{subject}"
    );
    assert!(
        !subject.contains('\n') && !subject.contains('\r'),
        "no header injection"
    );
    let body = ja["body"].as_str().unwrap();
    assert!(body.contains(&format!(
        "/adminportal/partners/invitation/granularAdminRelationships/{id}"
    )));
    assert!(body.contains("customera.onmicrosoft.com"));
    assert!(body.contains("support@partnerone.example"));
    assert!(body.contains("90日間"));
    let en = mails
        .iter()
        .find(|m| m["to"] == "cdara@customera.onmicrosoft.com")
        .unwrap();
    assert!(en["subject"].as_str().unwrap().starts_with("[Important]"));
    assert_eq!(en["relationshipId"], rel["id"]);
}

#[tokio::test]
async fn an_open_invitation_sends_no_mail_because_no_customer_is_known() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app
        .create(
            &p,
            relationship_body("Open mail", None, &[HELPDESK], "P30D", None),
        )
        .await;
    app.lock(&p, r.body["id"].as_str().unwrap()).await;
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    assert!(outbox.body["value"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_administrator_appointed_after_one_invitation_receives_the_next() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let first = app.create_default(&p, "Before").await;
    app.lock(&p, first["id"].as_str().unwrap()).await;
    let ga = app.customer_a_admin_graph().await;
    let user = app
        .get("/v1.0/users/user@customera.onmicrosoft.com", &ga)
        .await;
    let grant = serde_json::json!({"roleDefinitionId": GA, "principalId": user.body["id"], "directoryScopeId": "/"});
    let made = app
        .send(
            Method::POST,
            "/v1.0/roleManagement/directory/roleAssignments",
            Some(&ga),
            Some(grant),
            &[],
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let second = app.create_default(&p, "After").await;
    app.lock(&p, second["id"].as_str().unwrap()).await;
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    let to = |rel: &Value| -> Vec<String> {
        let mut to: Vec<String> = outbox.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["relationshipId"] == rel["id"])
            .map(|m| m["to"].as_str().unwrap().to_owned())
            .collect();
        to.sort();
        to
    };
    assert_eq!(
        to(&first),
        [
            "cdara@customera.onmicrosoft.com",
            "ga@customera.onmicrosoft.com"
        ]
    );
    assert_eq!(
        to(&second),
        [
            "cdara@customera.onmicrosoft.com",
            "ga@customera.onmicrosoft.com",
            "user@customera.onmicrosoft.com"
        ],
        "the new Global Administrator is an approver at once"
    );
}
