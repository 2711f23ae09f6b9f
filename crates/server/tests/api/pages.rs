//! The web pages over HTTP, without a browser: CSRF, sessions and tenant isolation, return
//! addresses, throttling, cookies, the agreement record and hostile partner input.

use gdap_domain::customer::{ActivityKind, CUSTOMER_AGREEMENT, CUSTOMER_AGREEMENT_VERSION};
use gdap_domain::ids::TenantId;

use crate::helpers::*;
use crate::visitor::Visitor;

/// An invitation from Partner One to `customer`, locked for approval; returns its id.
async fn invitation(app: &TestApp, customer: &str, name: &str) -> String {
    let partner = app.partner().await;
    let r = app
        .create(
            &partner,
            relationship_body(name, Some(customer), &[HELPDESK], "P730D", None),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.lock(&partner, &id).await.status, 201);
    id
}

fn link(id: &str) -> String {
    format!("/adminportal/partners/invitation/granularAdminRelationships/{id}")
}

#[tokio::test]
async fn a_form_posted_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    // Sign-in itself needs the token of the page.
    let p = v
        .post(
            "/signin",
            &[
                ("upn", "ga@customera.onmicrosoft.com"),
                ("password", "Ga-Pass-1"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let id = invitation(&app, CUSTOMER_A, "csrf").await;
    for (path, form) in [
        (format!("{}/agreement", link(&id)), vec![("agree", "yes")]),
        (format!("{}/approve", link(&id)), vec![]),
        (
            format!("/adminportal/settings/partners/{PARTNER}/removeRoles"),
            vec![],
        ),
        ("/signout".to_owned(), vec![]),
    ] {
        let mut with_bad = form.clone();
        with_bad.push(("csrf", "forged-token-forged-token-forged-token-00"));
        for f in [form, with_bad] {
            let p = v.post(&path, &f).await;
            assert_eq!(p.status, 403, "{path} accepted {f:?}");
        }
    }
    // Nothing happened: still awaiting approval, and still signed in.
    let partner = app.partner().await;
    assert_eq!(
        app.relationship(&partner, &id).await["status"],
        "approvalPending"
    );
    assert_eq!(v.get("/adminportal/settings/partners").await.status, 200);
}

#[tokio::test]
async fn a_session_of_one_tenant_opens_nothing_of_another() {
    let app = spawn_app().await;
    let partner = app.partner().await;
    // Customer B has an active relationship with Partner One; Customer A has none.
    let b_admin = app.customer_b_admin().await;
    let r = app
        .create(
            &partner,
            relationship_body("b", Some(CUSTOMER_B), &[HELPDESK], "P730D", None),
        )
        .await;
    let b_rel = r.body["id"].as_str().unwrap().to_owned();
    app.lock(&partner, &b_rel).await;
    assert_eq!(app.approve(&b_admin, &b_rel).await.status, 200);
    app.advance("PT5S").await;
    let pending_b = invitation(&app, CUSTOMER_B, "b pending").await;

    let mut a = Visitor::new(&app);
    a.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let list = a.get("/adminportal/settings/partners").await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains(PARTNER), "A sees B's partner");
    assert_eq!(
        a.get(&format!("/adminportal/settings/partners/{PARTNER}"))
            .await
            .status,
        404
    );
    let page = a
        .get(&format!("/adminportal/settings/partners/{PARTNER}"))
        .await;
    let csrf = Visitor::csrf_of(&page);
    let p = a
        .post(
            &format!("/adminportal/settings/partners/{PARTNER}/removeRoles"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, 404);
    assert_eq!(app.relationship(&partner, &b_rel).await["status"], "active");
    // B's invitation link, opened in A's session: refused, and approving it changes nothing.
    assert_eq!(a.get(&link(&pending_b)).await.status, 403);
    let p = a
        .post(&format!("{}/approve", link(&pending_b)), &[("csrf", &csrf)])
        .await;
    assert_eq!(p.status, 303);
    assert_eq!(
        app.relationship(&partner, &pending_b).await["status"],
        "approvalPending"
    );
    // The partner portal is not A's, nor is B's relationship there.
    assert_eq!(a.get("/partner").await.status, 403);
    assert_eq!(
        a.get(&format!("/partner/relationships/{b_rel}"))
            .await
            .status,
        403
    );
    // Partner One's own agent cannot reach another partner's relationship through the portal.
    let two = app.partner_two().await;
    let r = app
        .create(
            &two,
            relationship_body("two", Some(CUSTOMER_A), &[HELPDESK], "P730D", None),
        )
        .await;
    let two_rel = r.body["id"].as_str().unwrap().to_owned();
    let mut agent = Visitor::new(&app);
    agent
        .sign_in("agent@partnerone.onmicrosoft.com", "Agent-Pass-1")
        .await;
    assert_eq!(agent.get("/partner").await.status, 200);
    assert_eq!(
        agent
            .get(&format!("/partner/relationships/{two_rel}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_return_address_after_sign_in_only_leads_to_gdap_pages() {
    let app = spawn_app().await;
    for (back, expected) in [
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        (
            "/adminportal/settings/partners?filter=expired",
            "/adminportal/settings/partners?filter=expired",
        ),
    ] {
        let mut v = Visitor::new(&app);
        let p = v
            .sign_in_to("ga@customera.onmicrosoft.com", "Ga-Pass-1", back)
            .await;
        assert_eq!(p.status, 303);
        assert_eq!(p.location.as_deref(), Some(expected), "return {back:?}");
    }
    // An unauthenticated visit to a link goes through sign-in and comes back to it.
    let id = invitation(&app, CUSTOMER_A, "return").await;
    let mut v = Visitor::new(&app);
    let p = v.get(&link(&id)).await;
    assert_eq!(p.status, 303);
    let to = p.location.unwrap();
    assert!(to.starts_with("/signin?return=%2Fadminportal"), "{to}");
    let back = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "return")
        .unwrap()
        .1
        .into_owned();
    let p = v
        .sign_in_to("ga@customera.onmicrosoft.com", "Ga-Pass-1", &back)
        .await;
    assert_eq!(p.location.unwrap().to_lowercase(), link(&id).to_lowercase());
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    for _ in 0..gdap_app::throttle::MAX_FAILURES {
        let p = v
            .sign_in_to("ga@customera.onmicrosoft.com", "wrong", "/")
            .await;
        assert_eq!(p.status, 401);
        assert!(p.body.contains("incorrect"));
    }
    let p = v
        .sign_in_to("ga@customera.onmicrosoft.com", "Ga-Pass-1", "/")
        .await;
    assert_eq!(p.status, 429, "the right password during the lockout");
    assert!(p.body.contains("Too many failed sign-ins"));
    // Unknown accounts get the same answer as wrong passwords.
    let p = v
        .sign_in_to("nobody@customera.onmicrosoft.com", "x", "/")
        .await;
    assert_eq!(p.status, 401);
}

#[tokio::test]
async fn session_cookies_are_http_only_same_site_and_secure_and_sign_out_ends_the_session() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    let p = v
        .sign_in_to("ga@customera.onmicrosoft.com", "Ga-Pass-1", "/")
        .await;
    let cookie = p
        .set_cookies
        .iter()
        .find(|c| c.starts_with("gdap_session="))
        .expect("a session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let stolen = v.cookies.clone();
    let page = v.get("/adminportal/settings/partners").await;
    assert_eq!(page.status, 200);
    for h in [
        "content-security-policy",
        "x-frame-options",
        "cache-control",
    ] {
        assert!(page.headers.contains_key(h), "pages carry {h}");
    }
    let csrf = Visitor::csrf_of(&page);
    let p = v.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(p.status, 303);
    // The old cookie no longer opens anything: the session ended on the server too.
    let mut thief = Visitor::new(&app);
    thief.cookies = stolen;
    let p = thief.get("/adminportal/settings/partners").await;
    assert_eq!(p.status, 303);
    assert!(p.location.unwrap().starts_with("/signin"));
}

#[tokio::test]
async fn the_agreement_acceptance_is_recorded_with_who_when_and_which_version() {
    let app = spawn_app().await;
    let id = invitation(&app, CUSTOMER_A, "agreement").await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let page = v.get(&link(&id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("?step=agreement"),
        "Next leads to the agreement"
    );
    let csrf = Visitor::csrf_of(&page);
    // The approve step is not reachable before the agreement.
    let p = v
        .post(&format!("{}/approve", link(&id)), &[("csrf", &csrf)])
        .await;
    assert!(p.location.unwrap().ends_with("?step=agreement"));
    let p = v
        .post(
            &format!("{}/agreement", link(&id)),
            &[("csrf", &csrf), ("agree", "yes")],
        )
        .await;
    assert_eq!(p.status, 303);
    let tenant = TenantId::parse(CUSTOMER_A).unwrap();
    let a = app
        .state
        .store
        .agreement(tenant, CUSTOMER_AGREEMENT)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(a.accepted_by_upn, "ga@customera.onmicrosoft.com");
    assert_eq!(a.version, CUSTOMER_AGREEMENT_VERSION);
    let log = app.state.store.activity_of(tenant, None, 10).await.unwrap();
    assert_eq!(log[0].kind, ActivityKind::AgreementAccepted);
    // From now on Next skips the agreement for this tenant.
    let page = v.get(&link(&id)).await;
    assert!(page.body.contains("?step=roles"));
    let review = v.get(&format!("{}?step=review", link(&id))).await;
    let etag = {
        let at = review.body.find("name=\"etag\" value=\"").unwrap();
        let rest = &review.body[at + 19..];
        rest[..rest.find('"').unwrap()].replace("&quot;", "\"")
    };
    let p = v
        .post(
            &format!("{}/approve", link(&id)),
            &[("csrf", &csrf), ("etag", &etag)],
        )
        .await;
    assert!(p.location.unwrap().ends_with("?step=accepted"));
    let log = app.state.store.activity_of(tenant, None, 10).await.unwrap();
    assert_eq!(log[0].kind, ActivityKind::InvitationApproved);
    assert_eq!(v.get(&link(&id)).await.status, 409, "a link is single-use");
}

#[tokio::test]
async fn hostile_partner_input_renders_as_text_on_every_page() {
    let app = spawn_app().await;
    let partner = app.partner().await;
    let hostile = "<script>alert(1)</script>";
    let r = app
        .create(
            &partner,
            relationship_body(hostile, Some(CUSTOMER_A), &[HELPDESK], "P730D", None),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.lock(&partner, &id).await;
    let mut customer = Visitor::new(&app);
    customer
        .sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1")
        .await;
    let mut agent = Visitor::new(&app);
    agent
        .sign_in("agent@partnerone.onmicrosoft.com", "Agent-Pass-1")
        .await;
    let pages = [
        customer.get(&link(&id)).await,
        customer.get(&format!("{}?step=agreement", link(&id))).await,
        agent.get("/partner").await,
        agent.get(&format!("/partner/relationships/{id}")).await,
        agent.get("/_gdap/mail").await,
    ];
    for p in &pages {
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(!p.body.contains("<script>alert"), "{}", p.body);
        assert!(!p.body.contains("<b>Cloud</b>"));
    }
    assert!(pages[0]
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(pages[4].body.contains("One &lt;b&gt;Cloud&lt;/b&gt;"));
    // The approval request goes on to be approved and shown on the Partner relationships page.
    let admin = app.customer_a_admin().await;
    assert_eq!(app.approve(&admin, &id).await.status, 200);
    let list = customer.get("/adminportal/settings/partners").await;
    assert!(!list.body.contains("<script>alert"));
    let detail = customer
        .get(&format!("/adminportal/settings/partners/{PARTNER}"))
        .await;
    assert!(detail.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn a_user_without_a_role_for_partner_relationships_is_told_which_roles_see_them() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.sign_in("user@customera.onmicrosoft.com", "User-Pass-1")
        .await;
    let page = v.get("/adminportal/settings/partners").await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(
        page.body
            .contains("Viewing partner relationships needs the Global Administrator, Global Reader or Customer Delegated Admin Relationship Administrator role."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("this request"));
}
