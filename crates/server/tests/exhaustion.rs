//! The ways an anonymous client could exhaust a server, tried against `gdap serve` started as a
//! process (its resident memory read from `/proc`): distinct long user names, a flood of made-up
//! sign-ins, and connections that never finish their headers. Only what does not depend on the
//! machine's speed is asserted: memory bounds, the answers given, and that the server still
//! answers afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod common;

const WORLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/world.json");

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

impl Server {
    fn start() -> Self {
        let dir =
            std::env::temp_dir().join(format!("gdap-exhaust-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("gdap.db");
        let (child, base) = common::serve(&[
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
            "--log",
            "warn",
            "--dev",
            "--seed",
            WORLD,
        ]);
        Self { child, base, dir }
    }

    /// The server's resident set, in MB.
    fn rss_mb(&self) -> u64 {
        rss_mb(self.child.id())
    }

    /// Samples the resident set every 20 ms until dropped; the peak is kept.
    fn watch_memory(&self) -> MemoryWatch {
        let peak = Arc::new(AtomicU64::new(self.rss_mb()));
        let pid = self.child.id();
        let p = peak.clone();
        let task = tokio::spawn(async move {
            loop {
                p.fetch_max(rss_mb(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        MemoryWatch { peak, task }
    }

    /// The server still answers an ordinary request promptly.
    async fn still_answers(&self) {
        let r = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
            .get(format!(
                "{}/common/v2.0/.well-known/openid-configuration",
                self.base
            ))
            .send()
            .await
            .expect("the server answers afterwards");
        assert_eq!(r.status(), 200);
    }
}

struct MemoryWatch {
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl MemoryWatch {
    fn peak_mb(self) -> u64 {
        self.task.abort();
        self.peak.load(Ordering::Relaxed)
    }
}

fn rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Runs `n` requests made by `make`, `concurrency` at a time, and returns their statuses with
/// their `Retry-After` headers.
async fn flood<F, Fut>(n: usize, concurrency: usize, make: F) -> Vec<(u16, Option<String>)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response> + Send + 'static,
{
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let request = make(i);
        tasks.spawn(async move {
            let r = request.await;
            let retry = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let status = r.status().as_u16();
            let _ = r.bytes().await;
            drop(permit);
            (status, retry)
        });
    }
    let mut out = Vec::with_capacity(n);
    while let Some(r) = tasks.join_next().await {
        out.push(r.unwrap());
    }
    out
}

/// `n` password sign-ins, 16 at a time, each with a distinct user name of 60,000 characters.
async fn long_user_names(server: &Server, n: usize, from: usize) -> Vec<(u16, Option<String>)> {
    let http = reqwest::Client::new();
    let url = format!(
        "{}/customera.onmicrosoft.com/oauth2/v2.0/token",
        server.base
    );
    flood(n, 16, |i| {
        let username = format!(
            "{}{}@customera.onmicrosoft.com",
            from + i,
            "a".repeat(60_000)
        );
        let f = http
            .post(&url)
            .form(&[
                ("grant_type", "password"),
                ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                ("username", username.as_str()),
                ("password", "wrong-password"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send();
        async move { f.await.unwrap() }
    })
    .await
}

/// `n` web sign-ins of made-up users, all at once.
async fn made_up_sign_ins(server: &Server, n: usize) -> Vec<(u16, Option<String>)> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The sign-in form's CSRF cookie and token.
    let page = http
        .get(format!("{}/signin", server.base))
        .send()
        .await
        .unwrap();
    let cookie = page
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
    let url = format!("{}/signin", server.base);
    flood(n, n, |i| {
        let f = http
            .post(&url)
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("upn", &format!("nobody{i}@customera.onmicrosoft.com")),
                ("password", "Made-Up-Pass-1"),
                ("return", "/"),
            ])
            .send();
        async move { f.await.unwrap() }
    })
    .await
}

/// Asserts that every sign-in was refused as such (401), or told to retry (429 or 503 with
/// `Retry-After`), and that some were told to retry.
fn refused_or_told_to_retry(answers: &[(u16, Option<String>)]) {
    let retried: Vec<_> = answers.iter().filter(|(s, _)| *s != 401).collect();
    assert!(
        !retried.is_empty(),
        "{} concurrent sign-ins were all hashed at once",
        answers.len()
    );
    for (status, retry) in &retried {
        assert!(
            [429, 503].contains(status) && retry.is_some(),
            "an excess sign-in got {status} with Retry-After {retry:?}"
        );
    }
}

/// `n` connections that start a request and never finish its headers.
async fn half_requests(server: &Server, n: usize) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut slow = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    slow
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_distinct_long_user_names_do_not_grow_the_server() {
    let server = Server::start();
    // Warm up the allocator and the pools before the baseline.
    let warm = long_user_names(&server, 64, 1_000_000).await;
    assert!(warm.iter().all(|(s, _)| *s == 400), "{warm:?}");
    let before = server.rss_mb();
    let answers = long_user_names(&server, 3_000, 0).await;
    assert!(answers.iter().all(|(s, _)| *s == 400), "{answers:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_mb();
    assert!(
        after < before + 64,
        "the resident set grew from {before} MB to {after} MB"
    );
    server.still_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_concurrent_made_up_sign_ins_stay_in_bounds_and_the_excess_is_told_to_retry() {
    let server = Server::start();
    let watch = server.watch_memory();
    let answers = made_up_sign_ins(&server, 300).await;
    let peak = watch.peak_mb();
    assert!(peak < 400, "the resident set reached {peak} MB");
    refused_or_told_to_retry(&answers);
    server.still_answers().await;
}

/// The soak: the three floods at once on one server, which stays under 400 MB throughout, tells
/// the excess to retry, and answers afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_three_floods_at_once_stay_under_four_hundred_megabytes() {
    let server = Server::start();
    let watch = server.watch_memory();
    let slow = half_requests(&server, 300).await;
    let (names, sign_ins) = tokio::join!(
        long_user_names(&server, 3_000, 0),
        made_up_sign_ins(&server, 300)
    );
    server.still_answers().await;
    let peak = watch.peak_mb();
    drop(slow);
    assert!(peak < 400, "the resident set reached {peak} MB");
    assert!(names.iter().all(|(s, _)| *s == 400), "{names:?}");
    refused_or_told_to_retry(&sign_ins);
    server.still_answers().await;
}

/// Reads what the server sends until it closes the connection or `within` passes; `None` when it
/// is still open then.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_connections_are_closed_and_do_not_keep_others_out() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start();
    let addr = server.base.trim_start_matches("http://").to_owned();
    // 300 connections that start a request and never finish its headers.
    let mut slow = half_requests(&server, 300).await;
    // A request whose body trickles and stops.
    let mut trickle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    trickle
        .write_all(
            b"POST /customera.onmicrosoft.com/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=pass",
        )
        .await
        .unwrap();
    // A connection that finishes a request and then stays idle.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    // Others are still served meanwhile.
    server.still_answers().await;

    let trickled = read_until_closed(&mut trickle, Duration::from_secs(40)).await;
    let trickled = trickled.expect("a trickling body is answered and closed");
    assert!(trickled.starts_with("HTTP/1.1 408"), "{trickled}");
    for s in &mut slow {
        assert!(
            read_until_closed(s, Duration::from_secs(30))
                .await
                .is_some(),
            "a connection that never finished its headers is still open"
        );
    }
    let answered = read_until_closed(&mut idle, Duration::from_secs(60)).await;
    let answered = answered.expect("an idle connection is closed");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    server.still_answers().await;
}
