//! `--soak`: what anonymous clients can do to a server, timed. One `gdap serve` on a fresh SQLite
//! file goes through four phases — quiet, 300 concurrent web sign-ins of made-up users, 3,000
//! token requests with distinct 60 KB user names (16 at a time), and 300 connections holding
//! half a request for five seconds — while an unrelated request (the OpenID discovery document)
//! is sent every 10 ms. Each phase reports that request's p50, p99 and worst latency, the
//! server's peak resident memory and its answers by status. With `--before GDAP`, another build
//! runs the same phases right after, and the two are printed side by side.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::AsyncWriteExt;

use crate::{pct, rss_mb, start};

const TENANT: &str = "soakcustomer.onmicrosoft.com";

/// What one phase measured.
struct Phase {
    name: &'static str,
    probe_ms: Vec<f64>,
    peak_mb: f64,
    answers: BTreeMap<u16, usize>,
}

/// Probes an unrelated request every 10 ms into the current phase's samples, and samples the
/// server's memory, until stopped.
struct Probe {
    samples: Arc<Mutex<Vec<f64>>>,
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Probe {
    fn start(base: &str, pid: u32) -> Self {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let peak_kb = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let url = format!("{base}/{TENANT}/v2.0/.well-known/openid-configuration");
        let (s, p, st) = (samples.clone(), peak_kb.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default();
            while !st.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let ok = http.get(&url).send().await.is_ok_and(|r| r.status() == 200);
                let ms = if ok {
                    t0.elapsed().as_secs_f64() * 1000.0
                } else {
                    f64::INFINITY
                };
                s.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(ms);
                let (rss, _) = rss_mb(pid);
                p.fetch_max((rss * 1024.0) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        Self {
            samples,
            peak_kb,
            stop,
            task,
        }
    }

    /// Ends a phase: its samples and peak memory, and starts the next from nothing.
    fn take(&self, name: &'static str, answers: BTreeMap<u16, usize>) -> Phase {
        let probe_ms = std::mem::take(
            &mut *self
                .samples
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let peak_mb = self.peak_kb.swap(0, Ordering::Relaxed) as f64 / 1024.0;
        Phase {
            name,
            probe_ms,
            peak_mb,
            answers,
        }
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
    }
}

/// Runs `n` requests, `concurrency` at a time, and counts their answers by status (0: no answer).
async fn flood<F, Fut>(n: usize, concurrency: usize, make: F) -> BTreeMap<u16, usize>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<reqwest::Response, reqwest::Error>> + Send + 'static,
{
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let Ok(permit) = gate.clone().acquire_owned().await else {
            break;
        };
        let request = make(i);
        tasks.spawn(async move {
            let status = match request.await {
                Ok(r) => {
                    let s = r.status().as_u16();
                    let _ = r.bytes().await;
                    s
                }
                Err(_) => 0,
            };
            drop(permit);
            status
        });
    }
    let mut counts = BTreeMap::new();
    while let Some(r) = tasks.join_next().await {
        *counts.entry(r.unwrap_or(0)).or_insert(0) += 1;
    }
    counts
}

async fn sign_ins(base: &str) -> anyhow::Result<BTreeMap<u16, usize>> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = http.get(format!("{base}/signin")).send().await?;
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gdap_csrf="))
        .and_then(|c| c.split(';').next())
        .context("no CSRF cookie")?
        .to_owned();
    let html = page.text().await?;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("no CSRF token")?
        .to_owned();
    let url = format!("{base}/signin");
    Ok(flood(300, 300, |i| {
        http.post(&url)
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("upn", &format!("nobody{i}@{TENANT}")),
                ("password", "Made-Up-Pass-1"),
                ("return", "/"),
            ])
            .send()
    })
    .await)
}

async fn long_names(base: &str) -> BTreeMap<u16, usize> {
    let http = reqwest::Client::new();
    let url = format!("{base}/{TENANT}/oauth2/v2.0/token");
    flood(3_000, 16, |i| {
        let username = format!("{i}{}@{TENANT}", "a".repeat(60_000));
        http.post(&url)
            .form(&[
                ("grant_type", "password"),
                ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                ("username", username.as_str()),
                ("password", "wrong-password"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
    })
    .await
}

async fn half_requests(base: &str) -> anyhow::Result<BTreeMap<u16, usize>> {
    let addr = base.trim_start_matches("http://");
    let mut held = Vec::new();
    for _ in 0..300 {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await?;
        held.push(s);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(BTreeMap::from([(0, held.len())]))
}

/// The four phases against one build.
async fn phases(gdap: &str, dir: &std::path::Path) -> anyhow::Result<Vec<Phase>> {
    let world = dir.join("soak-world.json");
    std::fs::write(
        &world,
        serde_json::json!({"tenants": [{"displayName": "Soak Customer", "domain": TENANT}]})
            .to_string(),
    )?;
    let db = dir.join(format!("soak-{}.db", uuid::Uuid::new_v4().simple()));
    let args = crate::serve_args(
        world.to_str().context("path")?,
        db.to_str().context("path")?,
        "error",
    );
    let (server, _) = start(gdap, &args, "gdap listening on ")?;
    let pid = server.child.id();
    let probe = Probe::start(&server.base, pid);
    let mut out = Vec::new();
    tokio::time::sleep(Duration::from_secs(3)).await;
    out.push(probe.take("quiet", BTreeMap::new()));
    let answers = sign_ins(&server.base).await?;
    out.push(probe.take("300 concurrent made-up web sign-ins", answers));
    let answers = long_names(&server.base).await;
    out.push(probe.take("3,000 token requests with 60 KB user names", answers));
    let answers = half_requests(&server.base).await?;
    out.push(probe.take("300 connections holding half a request (5 s)", answers));
    probe.stop().await;
    drop(server);
    Ok(out)
}

fn answers(a: &BTreeMap<u16, usize>) -> String {
    if a.is_empty() {
        return "—".into();
    }
    a.iter()
        .map(|(s, n)| {
            if *s == 0 {
                format!("{n} held")
            } else {
                format!("{n} × {s}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn ms(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1} ms")
    } else {
        "no answer".into()
    }
}

/// Runs the soak on `gdap` (and on `before`, when given) and prints the report.
pub async fn run(gdap: &str, before: Option<&str>, dir: &std::path::Path) -> anyhow::Result<()> {
    let after = phases(gdap, dir).await?;
    let before = match before {
        Some(b) => Some(phases(b, dir).await?),
        None => None,
    };
    println!("### The soak: an unrelated request while anonymous clients flood the server\n");
    println!(
        "`{gdap}`{}; the unrelated request is `GET /{{tenant}}/v2.0/.well-known/openid-configuration`, every 10 ms.\n",
        before.as_ref().map_or(String::new(), |_| " beside the build before".into())
    );
    let builds: Vec<(&str, &Vec<Phase>)> = match &before {
        Some(b) => vec![("before", b), ("after", &after)],
        None => vec![("", &after)],
    };
    println!("| phase | build | p50 | p99 | worst | peak memory | answers |");
    println!("|---|---|---|---|---|---|---|");
    for i in 0..after.len() {
        for (label, phases) in &builds {
            let Some(p) = phases.get(i) else { continue };
            let mut v = p.probe_ms.clone();
            let worst = v.iter().copied().fold(0.0, f64::max);
            println!(
                "| {} | {label} | {} | {} | {} | {:.0} MB | {} |",
                p.name,
                ms(pct(&mut v, 0.5)),
                ms(pct(&mut v, 0.99)),
                ms(worst),
                p.peak_mb,
                answers(&p.answers)
            );
        }
    }
    Ok(())
}
