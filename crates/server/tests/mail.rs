//! Mail reaches a real SMTP server (aiosmtpd, from the test virtual environment), and nothing is
//! lost while the relay is down.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::{free_port, smtp_server, Proc};

const WORLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/world.json");

fn delivered(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_locked_while_the_relay_is_down_are_all_delivered_when_it_returns() {
    let dir = std::env::temp_dir().join(format!("gdap-mail-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let maildir = dir.join("Maildir");
    let port = free_port();
    let db = dir.join("gdap.db");
    let smtp = format!("smtp://127.0.0.1:{port}");
    let (gdap, base) = common::serve(&[
        "--dev",
        "--seed",
        WORLD,
        "--listen",
        "127.0.0.1:0",
        "--log",
        "error",
        "--db",
        db.to_str().unwrap(),
        "--smtp",
        &smtp,
        "--mail-from",
        "Partner One <no-reply@partnerone.example>",
    ]);
    let gdap = Proc(gdap);
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!(
            "{base}/11111111-1111-4111-8111-111111111111/oauth2/v2.0/token"
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-cccc-4ccc-8ccc-000000000001"),
            ("client_secret", "writer-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let rels = format!("{base}/v1.0/tenantRelationships/delegatedAdminRelationships");
    // Customer B has one approver, so each lock queues exactly one mail.
    for n in 0..100 {
        let created: serde_json::Value = http
            .post(&rels)
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "displayName": format!("Relay down {n}"), "duration": "P30D",
                "customer": {"tenantId": "44444444-4444-4444-8444-444444444444"},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap();
        let lock = http
            .post(format!("{rels}/{id}/requests"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"action": "lockForApproval"}))
            .send()
            .await
            .unwrap();
        assert_eq!(lock.status(), 201);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let outbox = common::outbox(&http, &base).await;
    let mails = outbox["value"].as_array().unwrap();
    assert_eq!(mails.len(), 100);
    assert!(
        mails.iter().all(|m| m["sentDateTime"].is_null()),
        "nothing can be sent while the relay is down"
    );
    assert!(
        mails.iter().any(|m| m["lastError"].is_string()),
        "failed attempts are recorded"
    );

    let _relay = smtp_server(port, &maildir);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = delivered(&maildir);
        if got.len() == 100 {
            let sample = &got[0];
            assert!(
                sample.contains("To: ga@customerb.onmicrosoft.com"),
                "{sample}"
            );
            assert!(sample.contains("no-reply@partnerone.example"));
            break;
        }
        assert!(got.len() < 100, "a mail was delivered twice");
        assert!(
            Instant::now() < deadline,
            "only {} of 100 mails arrived",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let outbox = common::outbox(&http, &base).await;
    assert!(outbox["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["sentDateTime"].is_string()));
    drop(gdap);
    let _ = std::fs::remove_dir_all(&dir);
}
