//! The API surface: routing, development controls, OpenAPI, headers.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn development_controls_do_not_exist_outside_development_mode() {
    let app = spawn_with(Options {
        dev: false,
        ..Options::default()
    })
    .await;
    let r = app
        .send(Method::POST, "/_gdap/reset", None, None, &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.send(Method::GET, "/_gdap/clock", None, None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .send(
            Method::POST,
            "/_gdap/clock",
            None,
            Some(json!({"advance": "P1D"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_clock_moves_only_forward_and_reset_restores_the_world() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let before = app.send(Method::GET, "/_gdap/clock", None, None, &[]).await;
    let after = app.advance("P10D").await;
    assert!(ts(&after["now"]) - ts(&before.body["now"]) >= time::Duration::days(10));
    let r = app
        .send(
            Method::POST,
            "/_gdap/clock",
            None,
            Some(json!({"set": "2000-01-01T00:00:00Z"})),
            &[],
        )
        .await;
    r.assert_error(400, "only moves forward");
    let r = app
        .send(
            Method::POST,
            "/_gdap/clock",
            None,
            Some(json!({"advance": "tomorrow"})),
            &[],
        )
        .await;
    r.assert_error(400, "ISO 8601");
    let r = app
        .send(
            Method::POST,
            "/_gdap/clock",
            None,
            Some(json!({"set": "2099-01-01T00:00:00Z"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["now"].as_str().unwrap().starts_with("2099-01-01"));
    app.create_default(&p, "before reset").await;
    assert_eq!(
        app.send(Method::POST, "/_gdap/reset", None, None, &[])
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let p = app.partner().await;
    assert!(app.get(RELS, &p).await.body["value"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn paths_match_case_insensitively_and_beta_serves_the_same_resources() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Casing").await;
    let id = rel["id"].as_str().unwrap().to_uppercase();
    let r = app
        .get(
            &format!("/V1.0/TENANTRELATIONSHIPS/delegatedadminrelationships/{id}/"),
            &p,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let beta = app
        .get("/beta/tenantRelationships/delegatedAdminRelationships", &p)
        .await;
    assert_eq!(beta.status, StatusCode::OK);
    assert!(beta.body["@odata.context"]
        .as_str()
        .unwrap()
        .contains("/beta/"));
}

#[tokio::test]
async fn responses_carry_graph_headers_and_echo_the_client_request_id() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let r = app
        .send(
            Method::GET,
            RELS,
            Some(&p),
            None,
            &[("client-request-id", "abc-123")],
        )
        .await;
    assert_eq!(r.header("client-request-id").as_deref(), Some("abc-123"));
    assert!(r.header("request-id").is_some());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json;odata.metadata=minimal"));
    let e = app
        .send(
            Method::GET,
            "/v1.0/nothing",
            Some(&p),
            None,
            &[("client-request-id", "xyz")],
        )
        .await;
    assert_eq!(e.body["error"]["innerError"]["client-request-id"], "xyz");
}

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let app = spawn_app().await;
    let served = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await;
    assert_eq!(served.status, StatusCode::OK);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &served.text).unwrap();
    }
    let committed =
        std::fs::read_to_string(path).expect("openapi.json is committed at the repository root");
    assert!(committed == served.text, "openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p gdap --test api openapi` and commit it");
    for p in [
        "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}",
        "/admincenter/v1/gdapInvitations/{id}/approve",
        "/{tenant}/oauth2/v2.0/token",
    ] {
        assert!(served.body["paths"].get(p).is_some(), "{p} is documented");
    }
}
