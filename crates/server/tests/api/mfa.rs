//! Multifactor sign-in: a partner that requires it has its users enrol a one-time code app at their
//! next sign-in and type a code at every sign-in after; tokens say so in `amr`, and the GDAP API
//! refuses the partner's users whose sign-in had no second factor.

use gdap_app::mfa::{code_at, step_of};
use reqwest::StatusCode;
use serde_json::Value;

use crate::flows::{claims, sign_in_through, TOOL};
use crate::helpers::*;
use crate::visitor::{Page, Visitor};

const AGENT: &str = "agent@partnerone.onmicrosoft.com";

fn code(secret: &str, steps_from_now: i64) -> String {
    let step = step_of(time::OffsetDateTime::now_utc()) + steps_from_now;
    format!("{:06}", code_at(secret, step).unwrap())
}

async fn send_code(v: &mut Visitor, otp: &str) -> Page {
    let page = v.get("/signin/mfa").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = Visitor::csrf_of(&page);
    v.post("/signin/mfa", &[("csrf", &csrf), ("otp", otp)])
        .await
}

/// The signed-in visitor's token for the partner tool, through the authorization endpoint.
async fn app_token(app: &TestApp, v: &mut Visitor) -> Value {
    sign_in_through(
        app,
        v,
        "partnerone.onmicrosoft.com",
        TOOL,
        "openid offline_access DelegatedAdminRelationship.ReadWrite.All",
    )
    .await
}

#[tokio::test]
async fn a_partner_requiring_mfa_has_its_users_enrol_and_refuses_gdap_calls_without_it() {
    let app = spawn_app().await;
    // Before the requirement, a password is enough.
    let before = app
        .user_token(
            AGENT,
            "Agent-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    assert_eq!(claims(&before)["amr"], serde_json::json!(["pwd"]));
    assert_eq!(app.get(RELS, &before).await.status, StatusCode::OK);
    // The partner's administrator turns the requirement on in the portal's settings.
    let mut admin = Visitor::new(&app);
    admin
        .sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let settings = admin.get("/partner/settings").await;
    let csrf = Visitor::csrf_of(&settings);
    let saved = admin
        .post(
            "/partner/settings",
            &[("csrf", &csrf), ("serviceName", "One"), ("requireMfa", "1")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // The administrator's own session, from before the requirement, must sign in again with it.
    let again = admin.get("/partner/settings").await;
    assert_eq!(again.status, 303);
    assert_eq!(
        again.location.as_deref(),
        Some("/signin?prompt=login&return=%2Fpartner%2Fsettings")
    );
    // A token from a password alone no longer manages relationships: V14's words.
    let pwd = app
        .user_token(
            AGENT,
            "Agent-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    app.get(RELS, &pwd)
        .await
        .assert_error(403, "multifactor authentication");
    // The agent signs in on the page: the password, then enrolment with a new key.
    let mut v = Visitor::new(&app);
    let first = v.sign_in_to(AGENT, "Agent-Pass-1", "/partner").await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(first.location.as_deref(), Some("/signin/mfa"));
    assert!(!v.cookies.contains_key("gdap_session"));
    let setup = v.get("/signin/mfa").await;
    assert!(setup.body.contains("Set up multifactor authentication"));
    let at = setup.body.find("data-secret=\"").expect("the key") + 13;
    let secret = setup.body[at..at + 32].to_owned();
    assert!(setup
        .body
        .contains("otpauth://totp/gdap:agent%40partnerone.onmicrosoft.com?secret="));
    // A code that is not the current one is refused; the current one enrols and signs in.
    let wrong = send_code(&mut v, &code(&secret, 5)).await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert!(wrong.body.contains("That code is wrong"));
    let now_code = code(&secret, 0);
    let ok = send_code(&mut v, &now_code).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location.as_deref(), Some("/partner"));
    assert!(v.cookies.contains_key("gdap_session"));
    // Tokens of that session say `mfa`, and the GDAP API takes them; so do their refreshes.
    let t = app_token(&app, &mut v).await;
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["amr"], serde_json::json!(["pwd", "mfa"]));
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        serde_json::json!(["pwd", "mfa"])
    );
    let rels = app.get(RELS, access).await;
    assert_eq!(rels.status, StatusCode::OK, "{}", rels.text);
    let refreshed = app
        .form_token(
            PARTNER,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", TOOL),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
                ("scope", "DelegatedAdminRelationship.ReadWrite.All"),
            ],
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let again = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(app.get(RELS, again).await.status, StatusCode::OK);
    // The next sign-in asks for a code (no new key), and the code already used is not taken.
    let mut later = Visitor::new(&app);
    later.sign_in_to(AGENT, "Agent-Pass-1", "/partner").await;
    let ask = later.get("/signin/mfa").await;
    assert!(ask
        .body
        .contains("Enter the code displayed in your authenticator app."));
    assert!(!ask.body.contains("data-secret"));
    let replay = send_code(&mut later, &now_code).await;
    assert_eq!(replay.status, 401, "{}", replay.body);
    let next = send_code(&mut later, &code(&secret, 1)).await;
    assert_eq!(next.status, 303, "{}", next.body);
}

#[tokio::test]
async fn the_second_step_cannot_be_reached_without_the_first() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    let page = v.get("/signin/mfa").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/signin"));
    v.cookies.insert("gdap_mfa".into(), "x".repeat(43));
    let forged = v.get("/signin/mfa").await;
    assert_eq!(forged.location.as_deref(), Some("/signin"));
}
