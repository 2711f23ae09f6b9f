//! `gdap-bench`: measures a release `gdap` the way a user runs it, and prints a Markdown report.
//!
//! ```text
//! cargo build --release --bin gdap --bin gdap-bench
//! target/release/gdap-bench [--relationships 100000] [--gdap target/release/gdap]
//! target/release/gdap-bench --pages      # the Partner relationships page (50 partners, 500 relationships)
//! target/release/gdap-bench --partner-center  # GET /v1/customers over 10,000 customers
//! target/release/gdap-bench --authz      # the authorization index in process
//! target/release/gdap-bench --autopilot  # a 10,000-device CSV upload, 100,000 devices listed
//! target/release/gdap-bench --authz-http # POST /authz/v1/check with wrk, beside an empty handler,
//!                                        # then the same requests in process, without the network
//! target/release/gdap-bench --authz-http --before OLD_GDAP  # CPU and callgrind instructions per
//!                                        # check and per empty request, this build beside another
//! target/release/gdap-bench --soak [--before OLD_GDAP]  # an unrelated request's latency while
//!                                        # anonymous clients flood the server
//! ```
//!
//! It fills an SQLite file with relationships through the store, starts `gdap serve` on it, and
//! measures: 100-item pages (first and deep, with and without `$filter`), create + `lockForApproval`
//! throughput from 32 concurrent clients, the server's resident memory, and `gdap demo` start-up.
//! Latencies are the server's own (`Server-Timing`) beside what the client saw over loopback.

mod app_cost;
mod authz;
mod authz_data;
mod autopilot;
mod bulk;
mod http_authz;
mod pages;
mod partner_center;
mod renewals;
mod server;
mod side_by_side;
mod soak;
mod startup;
mod webhooks;
mod writes;

/// The server's allocator, so that the in-process measurement of the application allocates as
/// `gdap serve` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use server::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use writes::*;

use anyhow::{bail, Context};
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_store::{Changes, RelationshipStore, Write};
use gdap_store_sql::SqlStore;
use serde_json::{json, Value};

const PARTNER: &str = "8777b240-c6f0-4469-9e98-a3205431b836";
const CLIENT_ID: &str = "2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01";
const SECRET: &str = "bench-secret";
const CUSTOMERS: usize = 1000;
const ROLES: [&str; 5] = [
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
];

fn customer_id(i: usize) -> String {
    format!("4fdbff88-9d6b-42e0-9713-{:012x}", i + 1)
}

fn world() -> Value {
    let mut tenants = vec![json!({
        "id": PARTNER, "displayName": "Bench Partner", "domain": "benchpartner.onmicrosoft.com",
        "partner": {"types": ["cspDirect"]},
        "applications": [{"clientId": CLIENT_ID, "displayName": "bench", "secret": SECRET,
                          "permissions": ["DelegatedAdminRelationship.ReadWrite.All"]}],
    })];
    for i in 0..CUSTOMERS {
        tenants.push(json!({"id": customer_id(i), "displayName": format!("Customer {i:04}"), "domain": format!("customer{i}.onmicrosoft.com")}));
    }
    json!({ "tenants": tenants })
}

/// Inserts `n` relationships directly: about 85 % active with a customer, the rest spread over
/// created, approvalPending and terminated.
async fn populate(db: &str, n: usize) -> anyhow::Result<()> {
    let store = SqlStore::connect(db).await?;
    let partner = TenantId::parse(PARTNER)?;
    let roles: Vec<RoleDefinitionId> = ROLES
        .iter()
        .map(|r| RoleDefinitionId::parse(r))
        .collect::<Result<_, _>>()?;
    let start = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    let mut batch = Changes::default();
    for i in 0..n {
        let customer = TenantId::parse(&customer_id(i % CUSTOMERS))?;
        let now = start + time::Duration::milliseconds(i as i64 * 10);
        let draft = RelationshipDraft {
            display_name: format!("Relationship {i:06}"),
            duration: "P730D".into(),
            auto_extend: Some("P180D".into()),
            roles: roles.clone(),
            customer: Some(CustomerParticipant {
                tenant_id: customer,
                display_name: Some(format!("Customer {:04}", i % CUSTOMERS)),
            }),
        };
        let mut r = Relationship::create(
            partner,
            draft,
            Catalogue::builtin(),
            gdap_domain::timefmt::truncate_micros(now),
        )?;
        match i % 20 {
            0 => {}
            1 => r.status = RelationshipStatus::ApprovalPending,
            2 => r.status = RelationshipStatus::Terminated,
            _ => {
                r.status = RelationshipStatus::Active;
                r.activated_at = Some(r.created_at);
                r.end_at = Some(r.created_at + time::Duration::days(730));
                r.due_at = r.end_at;
            }
        }
        batch.relationships.push(Write::Insert(r));
        if batch.relationships.len() == 2000 {
            store.commit(std::mem::take(&mut batch)).await?;
        }
    }
    store.commit(batch).await?;
    Ok(())
}

#[derive(Default)]
struct Samples {
    server: Vec<f64>,
    client: Vec<f64>,
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

async fn sample(
    client: &reqwest::Client,
    token: &str,
    url: &str,
    n: usize,
) -> anyhow::Result<Samples> {
    let mut s = Samples::default();
    for i in 0..n + 20 {
        let t = Instant::now();
        let res = client.get(url).bearer_auth(token).send().await?;
        let srv = server_ms(&res);
        if !res.status().is_success() {
            bail!("{url}: {}", res.text().await?);
        }
        let body: Value = res.json().await?;
        let client_ms = t.elapsed().as_secs_f64() * 1000.0;
        if body["value"].as_array().map_or(0, Vec::len) != 100 {
            bail!("{url}: expected 100 items");
        }
        if i >= 20 {
            s.server.push(srv);
            s.client.push(client_ms);
        }
    }
    Ok(s)
}

/// Walks pages of 300 to about position `depth` and returns a skip token from there.
async fn deep_token(
    client: &reqwest::Client,
    token: &str,
    base: &str,
    filter: Option<&str>,
    depth: usize,
) -> anyhow::Result<String> {
    let mut url = format!("{base}/v1.0/tenantRelationships/delegatedAdminRelationships?$top=300");
    if let Some(f) = filter {
        url.push_str(&format!("&$filter={f}"));
    }
    let mut seen = 0;
    loop {
        let body: Value = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        seen += body["value"].as_array().map_or(0, Vec::len);
        let next = body["@odata.nextLink"]
            .as_str()
            .context("ran out of pages")?
            .to_owned();
        if seen >= depth {
            let t = next
                .split("%24skiptoken=")
                .nth(1)
                .or_else(|| next.split("$skiptoken=").nth(1))
                .context("no skip token")?;
            return Ok(t.split('&').next().unwrap_or_default().to_owned());
        }
        url = next;
    }
}

/// The paging part: 100-item pages, first and deep, with and without `$filter`.
async fn paging(
    client: &reqwest::Client,
    token: &str,
    base: &str,
    n: usize,
    engine: &str,
    report: &mut String,
) -> anyhow::Result<()> {
    let rels = format!("{base}/v1.0/tenantRelationships/delegatedAdminRelationships");
    let active = "status%20eq%20%27active%27";
    let deep = deep_token(client, token, base, None, n * 9 / 10).await?;
    let deep_f = deep_token(client, token, base, Some(active), n * 9 / 10 * 85 / 100).await?;
    let scenarios = [
        ("first page", format!("{rels}?$top=100")),
        ("first page, `$filter=status eq 'active'`", format!("{rels}?$top=100&$filter={active}")),
        ("first page, `$filter` on customer and status", format!("{rels}?$top=100&$filter=status%20eq%20%27active%27%20and%20customer%2FtenantId%20eq%20%27{}%27%20or%20status%20eq%20%27active%27", customer_id(7))),
        ("first page, `$orderby=displayName desc`", format!("{rels}?$top=100&$orderby=displayName%20desc")),
        ("deep page (item 90 %)", format!("{rels}?$top=100&$skiptoken={deep}")),
        ("deep page (item 90 %), `$filter=status eq 'active'`", format!("{rels}?$top=100&$filter={active}&$skiptoken={deep_f}")),
    ];
    report.push_str(&format!(
        "### Paging over {n} relationships in {engine} (100-item pages, 300 requests each)\n\n"
    ));
    report.push_str(
        "| Request | server p50 | server p99 | client p50 | client p99 |\n|---|---|---|---|---|\n",
    );
    for (name, url) in &scenarios {
        let mut s = sample(client, token, url, 300).await?;
        report.push_str(&format!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |\n",
            pct(&mut s.server, 0.5),
            pct(&mut s.server, 0.99),
            pct(&mut s.client, 0.5),
            pct(&mut s.client, 0.99)
        ));
    }

    Ok(())
}

/// What `gdap-bench --help` prints.
const USAGE: &str = "\
gdap-bench: measures a release gdap the way a user runs it, and prints a Markdown report.

usage: gdap-bench [--gdap PATH] [MODE]

modes (one at a time; without one: paging, writes, memory and demo start-up on SQLite):
  --relationships N        relationships to fill the database with (default 100000)
  --db FILE                keep the filled SQLite file for later runs
  --postgres URL [--nodes N]  the same on a fresh PostgreSQL database, with N nodes
  --only-paging, --only-writes  one part of the default run
  --pages                  the Partner relationships page (50 partners, 500 relationships)
  --partner-center         Partner Center's GET /v1/customers over 10,000 customers
  --authz                  the authorization index in process, beside Cedar and casbin
  --authz-http [--before PATH]  POST /authz/v1/check with wrk, beside an empty handler; with
                           --before, the server's CPU and instructions (callgrind) per check and
                           per empty request, this build beside another
  --soak [--before PATH]   an unrelated request's latency while anonymous clients flood the
                           server, beside another build
  --renewals [--relationships N]  the renewal-notice sweep in process over N relationships
                           (1,000,000 unless given)
  --autopilot              a 10,000-device CSV upload and 100,000 devices listed, in process
  --webhooks               webhook deliveries at 200 events/s while one receiver is slow
  --bulk [--customers N]   `gdap bulk` onboarding N customers (default 10000) against gdap serve
  --startup [--relationships N] [--db FILE]  start-up time and resident memory of gdap serve
                           holding N relationships (default 1000000; --db keeps the filled file)
  --gdap PATH              the gdap binary to measure (default target/release/gdap)
  -h, --help               this text
";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return Ok(());
    }
    check_args(&args)?;
    let arg = |name: &str| arg_value(&args, name);
    let n: usize = arg("--relationships").map_or(Ok(100_000), |v| v.parse())?;
    let gdap = arg("--gdap").unwrap_or_else(|| "target/release/gdap".into());
    let dir = std::env::temp_dir().join(format!("gdap-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    if args.iter().any(|a| a == "--authz-http") {
        let result = match arg("--before") {
            Some(before) => side_by_side::run(&gdap, &before, &dir).await,
            None => http_authz::run(&gdap, &dir).await,
        };
        let _ = std::fs::remove_dir_all(&dir);
        return result;
    }
    if args.iter().any(|a| a == "--authz") {
        let _ = std::fs::remove_dir_all(&dir);
        return authz::run();
    }
    if args.iter().any(|a| a == "--soak") {
        let result = soak::run(&gdap, arg("--before").as_deref(), &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
        return result;
    }
    if args.iter().any(|a| a == "--partner-center") {
        let result = partner_center::run(&gdap, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
        return result;
    }
    if args.iter().any(|a| a == "--startup") {
        let n: usize = arg("--relationships").map_or(Ok(1_000_000), |v| v.parse())?;
        let result = startup::run(&gdap, &dir, n, arg("--db").as_deref()).await;
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", result?);
        return Ok(());
    }
    if args.iter().any(|a| a == "--bulk") {
        let n: usize = arg("--customers").map_or(Ok(10_000), |v| v.parse())?;
        let result = bulk::run(&gdap, &dir, n).await;
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", result?);
        return Ok(());
    }
    if args.iter().any(|a| a == "--autopilot") {
        let result = autopilot::run(&dir).await;
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", result?);
        return Ok(());
    }
    if args.iter().any(|a| a == "--webhooks") {
        let result = webhooks::run(&dir).await;
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", result?);
        return Ok(());
    }
    if args.iter().any(|a| a == "--renewals") {
        let n: usize = arg("--relationships").map_or(Ok(1_000_000), |v| v.parse())?;
        let result = renewals::run(&dir, n).await;
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", result?);
        return Ok(());
    }
    if args.iter().any(|a| a == "--pages") {
        let result = pages::run(&gdap, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
        return result;
    }
    // `--postgres URL` runs on a fresh database created on that server (and dropped afterwards);
    // otherwise SQLite, where `--db FILE` keeps the populated database for later runs.
    let postgres = arg("--postgres");
    let nodes: usize = arg("--nodes").map_or(Ok(1), |v| v.parse())?;
    let pg_db = match &postgres {
        Some(admin) => Some(create_pg_database(admin).await?),
        None => None,
    };
    let result = measure(
        &args,
        &gdap,
        &dir,
        n,
        nodes,
        pg_db.as_ref().map(|(_, url)| url.as_str()),
    )
    .await;
    // The database is dropped and the files removed whether the run succeeded or not.
    let _ = std::fs::remove_dir_all(&dir);
    if let (Some(admin), Some((name, _))) = (&postgres, &pg_db) {
        drop_pg_database(admin, name).await?;
    }
    result
}

/// The value given after `--name` on the command line.
/// Refuses an option the bench does not know (instead of running the whole default benchmark).
fn check_args(args: &[String]) -> anyhow::Result<()> {
    const WITH_VALUE: [&str; 7] = [
        "--relationships",
        "--customers",
        "--db",
        "--postgres",
        "--nodes",
        "--gdap",
        "--before",
    ];
    const FLAGS: [&str; 12] = [
        "--autopilot",
        "--only-paging",
        "--only-writes",
        "--pages",
        "--renewals",
        "--webhooks",
        "--bulk",
        "--startup",
        "--partner-center",
        "--authz",
        "--authz-http",
        "--soak",
    ];
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            if rest.next().is_none() {
                bail!("{a} needs a value; see gdap-bench --help");
            }
        } else if !FLAGS.contains(&a.as_str()) {
            bail!("unknown argument {a}; see gdap-bench --help");
        }
    }
    Ok(())
}

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Paging, create + lock, memory and (on SQLite) demo start-up, on `pg_url` or an SQLite file.
async fn measure(
    args: &[String],
    gdap: &str,
    dir: &std::path::Path,
    n: usize,
    nodes: usize,
    pg_url: Option<&str>,
) -> anyhow::Result<()> {
    let arg = |name: &str| arg_value(args, name);
    let db = arg("--db").map_or_else(|| dir.join("bench.db"), std::path::PathBuf::from);
    let db_s = match pg_url {
        Some(url) => url.to_owned(),
        None => db.to_str().context("path")?.to_owned(),
    };
    let engine = if pg_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let world_path = dir.join("world.json");
    std::fs::write(&world_path, world().to_string())?;
    if pg_url.is_some() || !db.exists() {
        let t = Instant::now();
        populate(&db_s, n).await?;
        eprintln!(
            "populated {n} relationships in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    if let Some(url) = pg_url {
        settle_pg(url).await?;
    }
    let only_paging = args.iter().any(|a| a == "--only-paging");
    // `--only-writes` skips the paging part (to profile the create + lock part on its own).
    let only_writes = args.iter().any(|a| a == "--only-writes");

    let serve_args = serve_args(world_path.to_str().context("path")?, &db_s, "warn");
    let (server, _) = start(gdap, &serve_args, "gdap listening on ")?;
    // Further nodes on the same database share the create + lock load.
    let mut others = Vec::new();
    for _ in 1..nodes {
        others.push(start(gdap, &serve_args, "gdap listening on ")?.0);
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let token = partner_token(&client, &server.base).await?;
    let mut report = String::new();
    if !only_writes {
        paging(&client, &token, &server.base, n, engine, &mut report).await?;
    }
    if only_paging {
        println!("{report}");
        return Ok(());
    }
    let node_pids: Vec<u32> = std::iter::once(server.child.id())
        .chain(others.iter().map(|o| o.child.id()))
        .collect();
    let bases: Vec<String> = std::iter::once(server.base.clone())
        .chain(others.iter().map(|o| o.base.clone()))
        .collect();
    // Rounds on the same servers and database, reported by their median: on two shared cores one
    // five-second stretch can be a fifth slower than the next for reasons outside the system.
    let lat = Arc::new(std::sync::Mutex::new(Samples::default()));
    let token_arc = Arc::new(token.clone());
    let cpu_before = cpu_split(&node_pids);
    let t = Instant::now();
    let mut rates = Vec::new();
    for round in 0..WRITE_ROUNDS {
        let r = Instant::now();
        let done = write_round(&client, &bases, &token_arc, round * PER_ROUND, &lat).await?;
        rates.push(done as f64 / r.elapsed().as_secs_f64());
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu_after = cpu_split(&node_pids);
    let done = (PER_ROUND / WORKERS) * WORKERS * WRITE_ROUNDS;
    let each = rates
        .iter()
        .map(|r| format!("{r:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut l = std::mem::take(&mut *lat.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    report.push_str(&format!(
        "\n### Create + `lockForApproval` over HTTP ({engine}, {nodes} node(s), {WORKERS} concurrent clients, {WRITE_ROUNDS} rounds of {} relationships)\n\n| Throughput (median round) | rounds | server p50 (create+lock) | server p99 | client p50 | client p99 |\n|---|---|---|---|---|---|\n| **{:.0} relationships/s** | {each} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |\n",
        done / WRITE_ROUNDS,
        pct(&mut rates, 0.5),
        pct(&mut l.server, 0.5),
        pct(&mut l.server, 0.99),
        pct(&mut l.client, 0.5),
        pct(&mut l.client, 0.99)
    ));
    let used = |i: usize| (cpu_after[i] - cpu_before[i]) / secs;
    report.push_str(&format!(
        "\nCPU used during it, in cores (of 2): database {:.2}, gdap nodes {:.2}, the client {:.2}, other {:.2}\n",
        used(0),
        used(1),
        used(2),
        used(3) - used(0) - used(1) - used(2),
    ));
    let (busy, _) = rss_mb(server.child.id());
    // The allocator returns pages freed by the last requests after a second or so.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (rss, hwm) = rss_mb(server.child.id());
    report.push_str(&format!(
        "\n### Memory of `gdap serve` holding {} relationships\n\n| Resident at the end of the load | 3 s later | Peak resident |\n|---|---|---|\n| {busy:.1} MB | {rss:.1} MB | {hwm:.1} MB |\n",
        n + done
    ));
    drop(server);
    drop(others);
    if pg_url.is_some() {
        println!("{report}");
        return Ok(());
    }

    let mut starts = Vec::new();
    for i in 0..5 {
        let demo_db = dir.join(format!("demo{i}.db"));
        let (demo, ready) = start(
            gdap,
            &[
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--db",
                demo_db.to_str().context("path")?,
            ],
            "gdap demo is ready at ",
        )?;
        let health = client.get(format!("{}/healthz", demo.base)).send().await?;
        if !health.status().is_success() {
            bail!("demo not healthy");
        }
        starts.push(ready.as_secs_f64() * 1000.0);
        drop(demo);
    }
    report.push_str(&format!(
        "\n### `gdap demo` start-up (process start to serving, fresh database, 5 runs)\n\n| median | max |\n|---|---|\n| {:.0} ms | {:.0} ms |\n",
        pct(&mut starts, 0.5),
        pct(&mut starts, 1.0)
    ));
    println!("{report}");
    Ok(())
}
