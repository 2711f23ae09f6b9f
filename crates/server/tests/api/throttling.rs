//! Graph's throttling: an application beyond its allowance in a tenant is answered `429` with
//! `Retry-After` in Graph's envelope, while other callers and the development controls go on.

use reqwest::{Method, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn an_application_beyond_its_allowance_in_a_tenant_waits_and_others_go_on() {
    let app = spawn_with(Options {
        rate_limits: gdap_app::rate::RateLimits {
            per_app: 0,
            per_app_tenant: 5,
        },
        ..Options::default()
    })
    .await;
    let p = app.partner().await;
    for _ in 0..5 {
        assert_eq!(app.get(RELS, &p).await.status, StatusCode::OK);
    }
    let refused = app.get(RELS, &p).await;
    refused.assert_error(429, "Too many requests");
    assert_eq!(refused.body["error"]["code"], "TooManyRequests");
    let wait: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Another tenant's caller is not held up, nor are the development controls.
    let other = app.partner_two().await;
    assert_eq!(app.get(RELS, &other).await.status, StatusCode::OK);
    let clock = app.send(Method::GET, "/_gdap/clock", None, None, &[]).await;
    assert_eq!(clock.status, StatusCode::OK);
    // Once the wait is over, the application goes on.
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(app.get(RELS, &p).await.status, StatusCode::OK);
}

#[tokio::test]
async fn by_default_an_application_is_not_throttled_at_ordinary_rates() {
    let app = spawn_app().await;
    let p = app.partner().await;
    for _ in 0..200 {
        assert_eq!(app.get(RELS, &p).await.status, StatusCode::OK);
    }
}
