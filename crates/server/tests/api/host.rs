//! Links and token issuers never come from a client's `Host` header: a host the server does not
//! answer to is refused before anything is done, and what is built for a known host uses the
//! configured public URL.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const EVIL: &str = "login-microsoftonline.evil.example";

#[tokio::test]
async fn a_request_naming_a_foreign_host_is_refused_and_never_reaches_a_link() {
    let app = spawn_app().await;
    let evil = [("host", EVIL)];
    // The OpenID discovery document would name the token endpoint and key set after it.
    let r = app
        .send(
            Method::GET,
            "/common/v2.0/.well-known/openid-configuration",
            None,
            None,
            &evil,
        )
        .await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{}", r.text);
    assert!(r.body["issuer"].is_null(), "{}", r.text);

    // A lock sent with the foreign host neither happens nor mails a link to that host.
    let p = app.partner().await;
    let rel = app.create_default(&p, "Phish").await;
    let id = rel["id"].as_str().unwrap();
    let lock = app
        .send(
            Method::POST,
            &format!("{RELS}/{id}/requests"),
            Some(&p),
            Some(json!({"action": "lockForApproval"})),
            &evil,
        )
        .await;
    assert_eq!(
        lock.status,
        StatusCode::MISDIRECTED_REQUEST,
        "{}",
        lock.text
    );
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    assert!(!outbox.text.contains("evil.example"), "{}", outbox.text);
    assert_eq!(app.relationship(&p, id).await["status"], "created");

    // Paging links follow the host the server answers to.
    let page = app
        .send(
            Method::GET,
            &format!("{RELS}?$top=1"),
            Some(&p),
            None,
            &evil,
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::MISDIRECTED_REQUEST,
        "{}",
        page.text
    );
}
