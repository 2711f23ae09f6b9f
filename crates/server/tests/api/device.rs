//! The device code flow: a device gets its codes, the user types the short one on `/devicelogin`
//! and confirms, and the device's polls are answered as Entra answers them until it gets tokens,
//! once.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;
use crate::visitor::Visitor;

const CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const SCOPE: &str = "https://graph.microsoft.com/.default offline_access openid profile";

async fn device_codes(app: &TestApp, tenant: &str, form: &[(&str, &str)]) -> Res {
    let r = reqwest::Client::new()
        .post(format!("{}/{tenant}/oauth2/v2.0/devicecode", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Res {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

async fn start(app: &TestApp) -> (String, String) {
    let r = device_codes(
        app,
        "organizations",
        &[("client_id", CLI), ("scope", SCOPE)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.body["interval"], 5);
    assert_eq!(
        r.body["verification_uri"],
        format!("{}/devicelogin", app.base)
    );
    let user_code = r.body["user_code"].as_str().unwrap().to_owned();
    assert!(r.body["message"].as_str().unwrap().contains(&user_code));
    (
        r.body["device_code"].as_str().unwrap().to_owned(),
        user_code,
    )
}

async fn poll(app: &TestApp, tenant: &str, device_code: &str) -> Res {
    app.form_token(
        tenant,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLI),
            ("device_code", device_code),
        ],
    )
    .await
}

fn refused(r: &Res, error: &str, code: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.body["error"], error, "{}", r.text);
    assert!(r.text.contains(code), "{}", r.text);
}

/// The signed-in visitor types `typed` on the verification page; the page that follows.
async fn enter(v: &mut Visitor, typed: &str) -> crate::visitor::Page {
    let page = v.get("/devicelogin").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = Visitor::csrf_of(&page);
    v.post("/devicelogin", &[("csrf", &csrf), ("otc", typed)])
        .await
}

async fn answer(v: &mut Visitor, user_code: &str, answer: &str) -> crate::visitor::Page {
    let confirm = enter(v, user_code).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm
            .body
            .contains("Are you trying to sign in to Microsoft Azure CLI?"),
        "{}",
        confirm.body
    );
    let csrf = Visitor::csrf_of(&confirm);
    v.post(
        "/devicelogin/confirm",
        &[("csrf", &csrf), ("otc", user_code), ("answer", answer)],
    )
    .await
}

#[tokio::test]
async fn a_device_gets_tokens_once_after_the_user_enters_its_code_and_continues() {
    let app = spawn_app().await;
    let (device_code, user_code) = start(&app).await;
    refused(
        &poll(&app, "organizations", &device_code).await,
        "authorization_pending",
        "AADSTS70016",
    );
    // The page wants a signed-in user first, and comes back.
    let mut v = Visitor::new(&app);
    let away = v.get("/devicelogin").await;
    assert_eq!(away.status, 303);
    assert_eq!(
        away.location.as_deref(),
        Some("/signin?return=%2Fdevicelogin")
    );
    v.sign_in("tech@partnerone.onmicrosoft.com", "Tech-Pass-1")
        .await;
    // Typed in lower case with a dash, as people do.
    let typed = format!("{}-{}", &user_code[..4], &user_code[4..]).to_lowercase();
    let confirm = enter(&mut v, &typed).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let done = answer(&mut v, &user_code, "approve").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body
            .contains("You have signed in to the Microsoft Azure CLI application on your device."),
        "{}",
        done.body
    );
    let t = poll(&app, "organizations", &device_code).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    assert!(t.body["refresh_token"].is_string(), "{}", t.text);
    assert!(t.body["id_token"].is_string(), "{}", t.text);
    let me = app
        .get(
            "/v1.0/users/tech@partnerone.onmicrosoft.com",
            t.body["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    // Once: the next poll is told the code was redeemed, and the user code is used up.
    refused(
        &poll(&app, "organizations", &device_code).await,
        "invalid_grant",
        "AADSTS70000",
    );
    let again = enter(&mut v, &user_code).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(
        again.body.contains("That code didn't work"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn a_cancelled_expired_or_unknown_code_is_answered_with_entras_errors() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let (declined, user_code) = start(&app).await;
    let done = answer(&mut v, &user_code, "decline").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done
        .body
        .contains("You cancelled the sign-in to Microsoft Azure CLI."));
    for _ in 0..2 {
        refused(
            &poll(&app, "organizations", &declined).await,
            "authorization_declined",
            "AADSTS70000",
        );
    }
    refused(
        &poll(&app, "organizations", "no-such-code").await,
        "bad_verification_code",
        "AADSTS70018",
    );
    // A mistyped code on the page says so, in the page's words.
    let wrong = enter(&mut v, "ABC").await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.body.contains("That code didn't work"),
        "{}",
        wrong.body
    );
    // Fifteen minutes later an unanswered code has expired, on the page and for the device.
    let (late, late_user_code) = start(&app).await;
    app.advance("PT16M").await;
    refused(
        &poll(&app, "organizations", &late).await,
        "expired_token",
        "AADSTS70019",
    );
    let page = enter(&mut v, &late_user_code).await;
    assert_eq!(page.status, 400, "{}", page.body);
}

#[tokio::test]
async fn a_device_code_request_needs_a_known_client_and_a_scope_and_speaks_japanese_on_request() {
    let app = spawn_app().await;
    let unknown = device_codes(
        &app,
        "organizations",
        &[
            ("client_id", "99999999-9999-4999-8999-999999999999"),
            ("scope", SCOPE),
        ],
    )
    .await;
    refused(&unknown, "unauthorized_client", "AADSTS700016");
    let no_scope = device_codes(&app, "organizations", &[("client_id", CLI)]).await;
    refused(&no_scope, "invalid_request", "AADSTS900144");
    let no_tenant = device_codes(
        &app,
        "nowhere.example",
        &[("client_id", CLI), ("scope", SCOPE)],
    )
    .await;
    refused(&no_tenant, "invalid_request", "AADSTS90002");
    let ja = device_codes(
        &app,
        "organizations",
        &[("client_id", CLI), ("scope", SCOPE), ("mkt", "ja-JP")],
    )
    .await;
    assert_eq!(ja.status, StatusCode::OK, "{}", ja.text);
    assert!(
        ja.body["message"]
            .as_str()
            .unwrap()
            .starts_with("サインインするには、Web ブラウザーでページ"),
        "{}",
        ja.text
    );
    // Another application cannot poll this device's code.
    let (device_code, _) = start(&app).await;
    let other = app
        .form_token(
            "organizations",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", "14d82eec-204b-4c2f-b7e8-296a70dab67e"),
                ("device_code", &device_code),
            ],
        )
        .await;
    refused(&other, "invalid_grant", "AADSTS70000");
}
