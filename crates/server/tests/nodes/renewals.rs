//! Mail and renewal notices over two nodes sharing one database and one development clock.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common;
use crate::helpers::*;

/// How many relationships get notices.
const N: usize = 200;

/// The mails in the Maildir, as (recipient, body).
fn maildir(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir.join("new")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .map(|text| {
            let text = text.replace("\r\n", "\n");
            let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
            let to = head
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .unwrap_or_default()
                .trim_matches(['<', '>'])
                .to_owned();
            (to, body.to_owned())
        })
        .collect()
}

/// Waits until exactly `expected` mails have arrived, failing if more do.
async fn arrived(dir: &Path, expected: usize) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let n = std::fs::read_dir(dir.join("new"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(
            n <= expected,
            "{n} mails arrived for {expected}: some were sent twice"
        );
        if n == expected {
            // Nothing more follows.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let all = maildir(dir);
            assert_eq!(all.len(), expected, "more mail followed");
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "only {n} of {expected} mails arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The renewal notices among `mails`, counted by (recipient, relationship, kind).
fn notices(mails: &[(String, String)]) -> HashMap<(String, String, &'static str), usize> {
    let mut out = HashMap::new();
    for (to, body) in mails {
        let Some(rest) = body.split_once("The admin relationship \"").map(|(_, r)| r) else {
            continue;
        };
        let name = rest.split('"').next().unwrap_or_default().to_owned();
        let kind = if body.contains("(within 30 days)") {
            "30"
        } else if body.contains("(within 7 days)") {
            "7"
        } else if body.contains("(within 1 day)") {
            "1"
        } else if body.contains(" expired on ") {
            "expired"
        } else {
            panic!("an unknown notice: {body}")
        };
        *out.entry((to.clone(), name, kind)).or_insert(0) += 1;
    }
    out
}

async fn move_clock(http: &reqwest::Client, base: &str, by: &str) {
    let moved = http
        .post(format!("{base}/_gdap/clock"))
        .json(&json!({"advance": by}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_nodes_every_mail_and_renewal_notice_is_sent_once_on_the_shared_clock() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("gdap-nodes-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let maildir_path = dir.join("Maildir");
    let port = common::free_port();
    let relay = common::smtp_server(port, &maildir_path);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let mut one = node_with(&db.url, &["--smtp", &smtp]);
    let two = node_with(&db.url, &["--smtp", &smtp]);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let customer = token(
        &http,
        &two.base,
        "customerb.onmicrosoft.com",
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "ga@customerb.onmicrosoft.com"),
            ("password", "Gb-Pass-1"),
            ("scope", "https://admin.microsoft.com/.default"),
        ],
    )
    .await;
    accept_agreement(&http, &two.base, &customer).await;
    // N relationships that end, one that extends itself and one terminated, made over both nodes.
    let mut ids = Vec::new();
    for n in 0..N + 2 {
        let base = if n % 2 == 0 { &one.base } else { &two.base };
        let mut b = body(&format!("Once {n}"));
        b["customer"]["tenantId"] = json!("44444444-4444-4444-8444-444444444444");
        b["duration"] = json!("P90D");
        if n == N {
            b["autoExtendDuration"] = json!("P180D");
        }
        let created: Value = http
            .post(format!("{base}{RELS}"))
            .bearer_auth(&t)
            .json(&b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        for (path, token, body) in [
            (
                format!("{RELS}/{id}/requests"),
                &t,
                Some(json!({"action": "lockForApproval"})),
            ),
            (
                format!("/admincenter/v1/gdapInvitations/{id}/approve"),
                &customer,
                None,
            ),
        ] {
            let mut r = http.post(format!("{base}{path}")).bearer_auth(token);
            if let Some(b) = body {
                r = r.json(&b);
            }
            let r = r.send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
        }
        ids.push(id);
    }
    // Each relationship's invitation to Customer B's administrator, and for each approval a notice
    // to it and one to Partner One's Global Administrator: each must arrive exactly once.
    let mut expected = 3 * (N + 2);
    arrived(&maildir_path, expected).await;
    let terminated = &ids[N + 1];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = http
            .post(format!("{}{RELS}/{terminated}/requests", two.base))
            .bearer_auth(&t)
            .json(&json!({"action": "terminate"}))
            .send()
            .await
            .unwrap();
        if r.status() == 201 {
            break;
        }
        assert!(Instant::now() < deadline, "not active yet: {}", r.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Across 30, 7 and 1 days before the end, over both nodes and a restart: each of the N
    // relationships warns each side's reader (Partner One's admin agent, Customer B's
    // administrator) once per threshold.
    for (n, by) in ["P60D", "P23D", "P6D"].iter().enumerate() {
        let base = if n % 2 == 0 { &one.base } else { &two.base };
        move_clock(&http, base, by).await;
        expected += 2 * N;
        arrived(&maildir_path, expected).await;
        if n == 0 {
            // A restarted node sends nothing again.
            drop(one);
            one = node_with(&db.url, &["--smtp", &smtp]);
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    let counted = notices(&maildir(&maildir_path));
    let readers = [
        "agent@partnerone.onmicrosoft.com",
        "ga@customerb.onmicrosoft.com",
    ];
    for n in 0..N {
        for to in readers {
            for kind in ["30", "7", "1"] {
                let key = (to.to_owned(), format!("Once {n}"), kind);
                assert_eq!(counted.get(&key), Some(&1), "{key:?}");
            }
        }
    }
    assert_eq!(counted.len(), N * 2 * 3, "none for the others: {counted:?}");

    // Past the end, on the shared clock: one expiry notice each.
    move_clock(&http, &two.base, "P2D").await;
    expected += 2 * N;
    let counted = notices(&arrived(&maildir_path, expected).await);
    for n in 0..N {
        for to in readers {
            let key = (to.to_owned(), format!("Once {n}"), "expired");
            assert_eq!(counted.get(&key), Some(&1), "{key:?}");
        }
    }
    let rel: Value = http
        .get(format!("{}{RELS}/{}", one.base, ids[0]))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rel["status"], "expired");
    drop(relay);
    drop((one, two));
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_now().await;
}
