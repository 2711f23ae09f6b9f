//! Webhooks over two nodes sharing one database: both deliver from the same queue, and a real
//! receiver gets every event once, in order per relationship, even when one node is killed while
//! deliveries are under way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common;
use crate::helpers::*;

/// Relationships taken through their lifecycle.
const N: usize = 12;

/// What the receiver got: (delivery id, event name, resource).
type Got = Arc<Mutex<Vec<(String, String, String)>>>;

async fn receiver() -> (String, Got) {
    let got: Got = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let g = g.clone();
                async move {
                    let v: Value = serde_json::from_slice(&body).unwrap();
                    g.lock().unwrap().push((
                        headers["x-gdap-delivery-id"].to_str().unwrap().to_owned(),
                        v["EventName"].as_str().unwrap().to_owned(),
                        v["ResourceUri"].as_str().unwrap_or_default().to_owned(),
                    ));
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_nodes_every_webhook_event_is_delivered_once_in_order_per_relationship() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let a = node(&db.url);
    let b = node(&db.url);
    let http = reqwest::Client::new();
    let (url, got) = receiver().await;
    let pc = token(
        &http,
        &a.base,
        common::PARTNER,
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "admin@partnerone.onmicrosoft.com"),
            ("password", "Admin-Pass-1"),
            ("scope", "https://api.partnercenter.microsoft.com/.default"),
        ],
    )
    .await;
    let events: Vec<&str> = gdap_domain::webhook::EVENTS.to_vec();
    let r = http
        .post(format!("{}/webhooks/v1/registration", a.base))
        .bearer_auth(&pc)
        .json(&json!({"WebhookUrl": url, "WebhookEvents": events}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // Relationships taken to active with an assignment, through one node and the other; node B
    // is killed halfway and started again.
    let mut b = Some(b);
    let mut ids = Vec::new();
    for i in 0..N {
        if i == N / 2 {
            drop(b.take());
            b = Some(node(&db.url));
        }
        let base = if i % 2 == 0 {
            &a.base
        } else {
            &b.as_ref().unwrap().base
        };
        let partner = partner_token(&http, base).await;
        let customer =
            customer_admin_token(&http, base, "https://admin.microsoft.com/.default").await;
        ids.push(
            technician_relationship(&http, base, &partner, &customer, &format!("Hooked {i}")).await,
        );
    }

    // Per relationship: approved, activated, and its assignment created and activated.
    let expected = N * 4;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n = got.lock().unwrap().len();
        if n >= expected {
            tokio::time::sleep(Duration::from_secs(3)).await;
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {n} of {expected} deliveries arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = got.lock().unwrap().clone();
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for (id, _, _) in &got {
        *per_id.entry(id).or_default() += 1;
    }
    assert!(
        per_id.values().all(|n| *n == 1),
        "a delivery came twice: {got:#?}"
    );
    assert_eq!(got.len(), expected, "{got:#?}");
    for id in &ids {
        let mine: Vec<&str> = got
            .iter()
            .filter(|(_, _, uri)| uri.contains(id.as_str()))
            .map(|(_, e, _)| e.as_str())
            .collect();
        let at = |e: &str| {
            mine.iter()
                .position(|m| *m == e)
                .unwrap_or_else(|| panic!("{id}: no {e} in {mine:?}"))
        };
        assert_eq!(mine.len(), 4, "{id}: {mine:?}");
        assert!(
            at("granular-admin-relationship-approved")
                < at("granular-admin-relationship-activated"),
            "{id}: {mine:?}"
        );
        assert!(
            at("granular-admin-access-assignment-created")
                < at("granular-admin-access-assignment-activated"),
            "{id}: {mine:?}"
        );
    }
    drop(b);
    drop(a);
    db.drop_now().await;
}
