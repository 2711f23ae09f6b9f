//! Revocation: a disabled user's token stops working at the next call, a password reset ends the
//! user's browser sessions, a signature changed into its other valid form is refused, and the
//! development controls are not even described outside development mode.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const CDARA: &str = "cdara@customera.onmicrosoft.com";

#[tokio::test]
async fn a_disabled_users_token_stops_working_at_the_next_call() {
    let app = spawn_app().await;
    let cdara = app
        .user_token(
            CDARA,
            "Cdara-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    let partners = app.get("/admincenter/v1/partners", &cdara).await;
    assert_eq!(partners.status, StatusCode::OK, "{}", partners.text);
    let ga = app.customer_a_admin_graph().await;
    let off = app
        .send(
            Method::PATCH,
            &format!("/v1.0/users/{CDARA}"),
            Some(&ga),
            Some(json!({"accountEnabled": false})),
            &[],
        )
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.text);
    app.get("/admincenter/v1/partners", &cdara)
        .await
        .assert_error(401, "disabled");
}

/// Signs `upn` in on the pages and returns the session cookie (`name=value`).
async fn web_session(app: &TestApp, upn: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/signin", app.base))
        .send()
        .await
        .unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gdap_csrf="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let signed = client
        .post(format!("{}/signin", app.base))
        .header("cookie", &csrf_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("upn", upn),
            ("password", password),
            ("return", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gdap_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_password_reset_ends_the_users_browser_sessions() {
    let app = spawn_app().await;
    let session = web_session(&app, CDARA, "Cdara-Pass-1").await;
    let page = |cookie: String| {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let url = format!("{}/adminportal/settings/partners", app.base);
        async move {
            client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(page(session.clone()).await.status(), StatusCode::OK);
    let ga = app.customer_a_admin_graph().await;
    let reset = app
        .send(
            Method::PATCH,
            &format!("/v1.0/users/{CDARA}"),
            Some(&ga),
            Some(json!({"passwordProfile": {"password": "Fresh-Pass-9"}})),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    let after = page(session).await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(after.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/signin"));
}

/// The order of P-256, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// n − s, big-endian.
fn negate(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

#[tokio::test]
async fn a_token_whose_signature_was_changed_into_its_other_valid_form_is_refused() {
    let app = spawn_app().await;
    let token = app.partner().await;
    assert_eq!(app.get(RELS, &token).await.status, StatusCode::OK);
    let (head, sig) = token.rsplit_once('.').unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut raw = b64.decode(sig).unwrap();
    let s = negate(&raw[32..]);
    raw[32..].copy_from_slice(&s);
    let malleated = format!("{head}.{}", b64.encode(&raw));
    assert_ne!(malleated, token);
    app.get(RELS, &malleated)
        .await
        .assert_error(401, "validation failure");
}

#[tokio::test]
async fn the_openapi_document_describes_development_controls_only_in_development_mode() {
    let app = spawn_with(Options {
        dev: false,
        ..Options::default()
    })
    .await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(!doc.text.contains("/_gdap/"), "{}", doc.text);
    let dev = spawn_app().await;
    let doc = dev
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await;
    assert!(doc.text.contains("/_gdap/clock"));
}
