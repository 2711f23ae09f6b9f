//! What operators run `gdap serve` with: metrics, liveness and readiness, JSON logs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

mod common;

const TOKEN: &str = "metrics-token-0123456789";
const RELS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships";

struct Server {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A production-mode server (no `--dev`) on a fresh SQLite file, configured by `toml` and `args`;
/// its log lines go to `stderr` when asked.
fn start(toml: &str, args: &[&str], db: Option<&str>, stderr: bool) -> Server {
    let dir = std::env::temp_dir().join(format!("gdap-ops-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gdap.toml"), toml).unwrap();
    let file = dir.join("gdap.db");
    let db = db.map_or_else(|| file.to_str().unwrap().to_owned(), str::to_owned);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .args(["serve", "--config", dir.join("gdap.toml").to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--db", &db])
        .args(args)
        .env_remove("GDAP_DB")
        .env_remove("GDAP_METRICS_TOKEN")
        .stdout(Stdio::piped())
        .stderr(if stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("gdap listening on ")
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"))
        .to_owned();
    Server { child, base, dir }
}

async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let mut r = reqwest::Client::new().get(url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let res = r.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_stay_closed_without_the_token() {
    let port = common::free_port();
    let metrics = format!("http://127.0.0.1:{port}");
    let s = start(
        &format!("metrics_token = \"{TOKEN}\"\n"),
        &["--metrics-listen", &format!("127.0.0.1:{port}")],
        None,
        false,
    );
    assert_eq!(
        get(&format!("{}/livez", s.base), None).await,
        (200, "ok".into())
    );
    assert_eq!(
        get(&format!("{}/readyz", s.base), None).await,
        (200, "ready".into())
    );
    let id = uuid::Uuid::new_v4();
    let (status, _) = get(&format!("{}{RELS}/{id}", s.base), None).await;
    assert_eq!(status, 401);
    let (status, _) = get(&format!("{}/no/such/{id}", s.base), None).await;
    assert_eq!(status, 404);
    assert_eq!(get(&format!("{}/metrics", s.base), None).await.0, 401);
    assert_eq!(
        get(
            &format!("{}/metrics", s.base),
            Some("metrics-token-0123456788")
        )
        .await
        .0,
        401
    );
    let (status, text) = get(&format!("{}/metrics", s.base), Some(TOKEN)).await;
    assert_eq!(status, 200, "{text}");
    for line in [
        "gdap_http_requests_total{method=\"GET\",route=\"/livez\",status=\"200\"} 1",
        "gdap_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1",
        "gdap_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "gdap_http_request_duration_seconds_count{route=\"/livez\"} 1",
        "gdap_outbox_depth 0",
        "gdap_renewal_notices_sent_total 0",
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(
        text.contains("route=\"/v1.0/tenantrelationships/delegatedadminrelationships/{")
            && text.contains("status=\"401\""),
        "{text}"
    );
    assert!(!text.contains(&id.to_string()), "ids never become labels");
    assert!(text.contains("gdap_authz_index_bytes "), "{text}");
    // The metrics address needs no token, and answers liveness and readiness too.
    let (status, text) = get(&format!("{metrics}/metrics"), None).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("route=\"/metrics\",status=\"401\"} 2"),
        "{text}"
    );
    assert_eq!(get(&format!("{metrics}/readyz"), None).await.0, 200);
    assert_eq!(get(&format!("{metrics}/livez"), None).await.0, 200);
}

#[tokio::test]
async fn without_a_token_the_metrics_are_not_served_on_the_main_address() {
    let s = start("", &[], None, false);
    assert_eq!(get(&format!("{}/metrics", s.base), None).await.0, 404);
    assert_eq!(get(&format!("{}/livez", s.base), None).await.0, 200);
}

#[test]
fn a_short_metrics_token_or_an_unknown_log_format_is_refused_at_start() {
    for (toml, needle) in [
        ("metrics_token = \"short\"\n", "metrics_token"),
        ("log_format = \"xml\"\n", "log_format"),
    ] {
        let dir = std::env::temp_dir().join(format!("gdap-ops-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("gdap.toml"), toml).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_gdap"))
            .args(["serve", "--config", dir.join("gdap.toml").to_str().unwrap()])
            .args([
                "--listen",
                "127.0.0.1:0",
                "--db",
                dir.join("x.db").to_str().unwrap(),
            ])
            .env_remove("GDAP_METRICS_TOKEN")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_fields() {
    let mut s = start("", &["--log-format", "json", "--log", "debug"], None, true);
    assert_eq!(get(&format!("{}/livez", s.base), None).await.0, 200);
    let stderr = s.child.stderr.take().unwrap();
    let found = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let v: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(v["level"].is_string() && v["timestamp"].is_string(), "{v}");
            if v["message"] == "request" && v["path"] == "/livez" {
                return v;
            }
        }
        panic!("no request line")
    })
    .await
    .unwrap();
    assert_eq!(found["status"], 200);
    assert_eq!(found["method"], "GET");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_while_the_database_is_gone_and_liveness_does_not() {
    let Ok(admin) = std::env::var("GDAP_TEST_POSTGRES") else {
        return;
    };
    let name = format!("gdap_ops_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let url = format!(
        "{}/{name}",
        admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
    );
    let s = start("", &[], Some(&url), false);
    assert_eq!(get(&format!("{}/readyz", s.base), None).await.0, 200);
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .unwrap();
    let (status, text) = get(&format!("{}/readyz", s.base), None).await;
    assert_eq!(
        (status, text.as_str()),
        (503, "the database does not answer")
    );
    assert_eq!(get(&format!("{}/livez", s.base), None).await.0, 200);
    pool.close().await;
}
