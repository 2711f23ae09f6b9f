//! Multifactor sign-in: a partner that requires it has its users enrol a one-time code app at their
//! next sign-in and type a code at every sign-in after; tokens say so in `amr`, and the GDAP API
//! refuses the partner's users whose sign-in had no second factor.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gdap_app::mfa::{code_at, step_of};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::visitor::{Page, Visitor};

const AGENT: &str = "agent@partnerone.onmicrosoft.com";
const TOOL: &str = "11111111-cccc-4ccc-8ccc-000000000004";
const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123456789";

fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

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
    let redirect = "http://localhost:53117";
    let path = format!(
        "/partnerone.onmicrosoft.com/oauth2/v2.0/authorize?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", TOOL)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair(
                "scope",
                "openid offline_access DelegatedAdminRelationship.ReadWrite.All"
            )
            .append_pair(
                "code_challenge",
                &URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes())),
            )
            .append_pair("code_challenge_method", "S256")
            .finish()
    );
    let back = v.get(&path).await;
    assert_eq!(back.status, 302, "{}", back.body);
    let code = url::Url::parse(&back.location.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let t = app
        .form_token(
            "partnerone.onmicrosoft.com",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", TOOL),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    t.body
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
    assert!(admin
        .get("/partner/settings")
        .await
        .body
        .contains("name=\"requireMfa\" type=\"checkbox\" value=\"1\" checked"));
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
