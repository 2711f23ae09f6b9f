//! A customer who does not want to grant the roles declines (Cancel) instead of approving: the
//! refusal is recorded, the link stops working, the partner is told, and Graph still reads
//! `approvalPending`. Also the ways out of the approval pages: another account, and Back.

use gdap_domain::customer::ActivityKind;
use gdap_domain::ids::TenantId;
use reqwest::Method;

use crate::helpers::*;
use crate::visitor::Visitor;

fn link(id: &str) -> String {
    format!("/adminportal/partners/invitation/granularAdminRelationships/{id}")
}

async fn decline(app: &TestApp, token: &str, id: &str) -> Res {
    app.send(
        Method::POST,
        &format!("/admincenter/v1/gdapInvitations/{id}/decline"),
        Some(token),
        None,
        &[],
    )
    .await
}

async fn locked(app: &TestApp, name: &str) -> String {
    let p = app.partner().await;
    let rel = app.create_default(&p, name).await;
    let id = rel["id"].as_str().unwrap().to_owned();
    assert_eq!(app.lock(&p, &id).await.status, 201);
    id
}

#[tokio::test]
async fn a_declined_invitation_can_no_longer_be_approved_and_graph_still_reads_approval_pending() {
    let app = spawn_app().await;
    let id = locked(&app, "Declined").await;
    let admin = app.customer_a_admin().await;
    let r = decline(&app, &admin, &id).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["declined"]["byUserPrincipalName"],
        "ga@customera.onmicrosoft.com"
    );
    assert_eq!(r.body["approvable"], false);
    let p = app.partner().await;
    assert_eq!(app.relationship(&p, &id).await["status"], "approvalPending");
    app.approve(&admin, &id).await.assert_error(410, "declined");
    decline(&app, &admin, &id)
        .await
        .assert_error(410, "declined");
    // The customer's partner list counts it as ended and says when it was declined.
    let partners = app.get("/admincenter/v1/partners", &admin).await;
    let rows = partners.body["value"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["relationships"][0]["id"] == id.as_str())
        .expect("the declined invitation is listed");
    assert_eq!(row["expired"], true);
    assert!(row["relationships"][0]["declinedDateTime"].is_string());
}

#[tokio::test]
async fn the_partner_is_told_by_mail_and_the_refusal_is_in_both_records() {
    let app = spawn_app().await;
    let id = locked(&app, "Told").await;
    let admin = app.customer_a_admin().await;
    assert_eq!(decline(&app, &admin, &id).await.status, 200);
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    let mails = outbox.body["value"].as_array().unwrap();
    let told: Vec<&str> = mails
        .iter()
        .filter(|m| {
            let s = m["subject"].as_str().unwrap();
            s.contains("declined") || s.contains("キャンセル")
        })
        .map(|m| m["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        told,
        ["admin@partnerone.onmicrosoft.com"],
        "the partner's administrators only"
    );
    let customer = TenantId::parse(CUSTOMER_A).unwrap();
    let partner = TenantId::parse(PARTNER).unwrap();
    let log = app
        .state
        .store
        .activity_of(customer, Some(partner), 10)
        .await
        .unwrap();
    assert_eq!(log[0].kind, ActivityKind::InvitationDeclined);
    let audit = app
        .state
        .store
        .audit_of(customer, Some(partner), 0, 20)
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "delegatedAdminRelationship.decline")
        .expect("an audit entry");
    assert_eq!(entry.actor, "ga@customera.onmicrosoft.com");
    assert_eq!(entry.target, id);
}

#[tokio::test]
async fn only_an_approver_of_the_invited_customer_may_decline() {
    let app = spawn_app().await;
    let id = locked(&app, "Who declines").await;
    let b = app.customer_b_admin().await;
    decline(&app, &b, &id)
        .await
        .assert_error(403, "another customer tenant");
    let staff = app
        .user_token(
            "user@customera.onmicrosoft.com",
            "User-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    decline(&app, &staff, &id)
        .await
        .assert_error(403, "Customer Delegated Admin Relationship Administrator");
    // An approved invitation cannot be declined afterwards.
    let a = app.customer_a_admin().await;
    assert_eq!(app.approve(&a, &id).await.status, 200);
    decline(&app, &a, &id).await.assert_error(409, "declined");
}

#[tokio::test]
async fn cancel_on_the_approval_pages_asks_then_declines_and_the_link_says_so_afterwards() {
    let app = spawn_app().await;
    let id = locked(&app, "Cancelled").await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let notice = v.get(&link(&id)).await;
    assert!(
        notice.body.contains("?step=decline"),
        "every step offers Cancel"
    );
    let confirm = v.get(&format!("{}?step=decline", link(&id))).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains(&format!("{}/decline", link(&id))));
    let csrf = Visitor::csrf_of(&confirm);
    let done = v
        .post(&format!("{}/decline", link(&id)), &[("csrf", &csrf)])
        .await;
    assert!(done.location.unwrap().ends_with("?step=declined"));
    let page = v.get(&format!("{}?step=declined", link(&id))).await;
    assert_eq!(page.status, 200);
    let later = v.get(&link(&id)).await;
    assert_eq!(later.status, 410, "the link no longer works");
    assert!(later.body.contains("ga@customera.onmicrosoft.com"));
    // Approving through the form is refused too.
    let p = v
        .post(&format!("{}/approve", link(&id)), &[("csrf", &csrf)])
        .await;
    assert_eq!(p.status, 303);
    let p = app.partner().await;
    assert_eq!(app.relationship(&p, &id).await["status"], "approvalPending");
    // The customer's page lists it as declined under the ended ones.
    let list = v.get("/adminportal/settings/partners?filter=expired").await;
    assert!(
        list.body.contains("data-status=\"declined\""),
        "{}",
        list.body
    );
    // The partner's portal says so too, and no longer offers the dead link.
    let mut partner = Visitor::new(&app);
    partner
        .sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let needs = partner.get("/partner?attention=declined").await;
    assert!(needs.body.contains(&format!("/partner/relationships/{id}")));
    let detail = partner.get(&format!("/partner/relationships/{id}")).await;
    assert!(detail.body.contains("data-attention=\"declined\""));
    assert!(!detail.body.contains("approval-link"));
}

#[tokio::test]
async fn a_pending_invitation_is_offered_for_review_or_cancel_on_the_partner_page() {
    let app = spawn_app().await;
    let id = locked(&app, "Still pending").await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let page = v
        .get(&format!("/adminportal/settings/partners/{PARTNER}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("{}?step=decline", link(&id))));
}

#[tokio::test]
async fn back_after_approving_shows_the_accepted_state_not_the_approve_button() {
    let app = spawn_app().await;
    let id = locked(&app, "Back").await;
    let admin = app.customer_a_admin().await;
    assert_eq!(app.approve(&admin, &id).await.status, 200);
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let review = v.get(&format!("{}?step=review", link(&id))).await;
    assert_eq!(review.status, 200);
    assert!(!review.body.contains("/approve\""), "no Approve form");
    assert!(review.body.contains("role=\"status\""));
}

#[tokio::test]
async fn sign_in_with_another_account_returns_to_the_invitation() {
    let app = spawn_app().await;
    let id = locked(&app, "Wrong account").await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customerb.onmicrosoft.com", "Gb-Pass-1").await;
    let foreign = v.get(&link(&id)).await;
    assert_eq!(foreign.status, 403);
    assert!(foreign.body.contains("action=\"/signout\""));
    let csrf = Visitor::csrf_of(&foreign);
    let out = v
        .post("/signout", &[("csrf", &csrf), ("return", &link(&id))])
        .await;
    let to = out.location.unwrap();
    assert!(to.starts_with("/signin?return="), "{to}");
    let back = v
        .sign_in_to("ga@customera.onmicrosoft.com", "Ga-Pass-1", &link(&id))
        .await;
    assert_eq!(back.location.as_deref(), Some(link(&id).as_str()));
    assert_eq!(v.get(&link(&id)).await.status, 200);
    // A return address elsewhere is never followed.
    let page = v.get(&link(&id)).await;
    let csrf = Visitor::csrf_of(&page);
    let out = v
        .post(
            "/signout",
            &[("csrf", &csrf), ("return", "https://evil.example/")],
        )
        .await;
    assert_eq!(out.location.as_deref(), Some("/signin"));
}
