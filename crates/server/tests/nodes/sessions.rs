//! Sign-in state shared by nodes behind one balancer.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

/// A password sign-in of `upn` at `base` from the address `from`: the answer's text.
async fn sign_in_from(from: &str, base: &str, upn: &str, password: &str) -> String {
    let http = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    http.post(format!(
        "{base}/customera.onmicrosoft.com/oauth2/v2.0/token"
    ))
    .form(&[
        ("grant_type", "password"),
        ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
        ("username", upn),
        ("password", password),
        ("scope", "https://graph.microsoft.com/.default"),
    ])
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockouts_and_revocations_hold_across_nodes_behind_one_balancer() {
    let Some(db) = Database::fresh().await else {
        eprintln!("GDAP_TEST_POSTGRES not set; skipped");
        return;
    };
    let (a, b) = (node(&db.url), node(&db.url));
    let ga = "ga@customera.onmicrosoft.com";
    // The administrator signs in from its usual place through node A.
    let ok = sign_in_from("127.0.0.1", &a.base, ga, "Ga-Pass-1").await;
    assert!(ok.contains("access_token"), "{ok}");
    // A stranger's guesses, spread over both nodes, add up to one lockout on both.
    let mut last = String::new();
    for n in 0..12 {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        last = sign_in_from("127.0.0.2", base, ga, "wrong-guess").await;
    }
    assert!(last.contains("AADSTS50053"), "{last}");
    let other = sign_in_from("127.0.0.2", &a.base, ga, "wrong-guess").await;
    assert!(other.contains("AADSTS50053"), "{other}");
    // The administrator's usual place is known to both nodes.
    let ok = sign_in_from("127.0.0.1", &b.base, ga, "Ga-Pass-1").await;
    assert!(ok.contains("access_token"), "{ok}");

    // A user disabled through node A can no longer use its token on node B.
    let http = reqwest::Client::new();
    let cdara = token(
        &http,
        &b.base,
        "customera.onmicrosoft.com",
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "cdara@customera.onmicrosoft.com"),
            ("password", "Cdara-Pass-1"),
            ("scope", "https://admin.microsoft.com/.default"),
        ],
    )
    .await;
    let partners = format!("{}/admincenter/v1/partners", b.base);
    let before = http
        .get(&partners)
        .bearer_auth(&cdara)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 200);
    let admin = customer_admin_token(&http, &a.base, "https://graph.microsoft.com/.default").await;
    let off = http
        .patch(format!(
            "{}/v1.0/users/cdara@customera.onmicrosoft.com",
            a.base
        ))
        .bearer_auth(&admin)
        .json(&json!({"accountEnabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 204);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let r = http
            .get(&partners)
            .bearer_auth(&cdara)
            .send()
            .await
            .unwrap();
        if r.status() == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node B still accepts the disabled user's token"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop((a, b));
    db.drop_now().await;
}
