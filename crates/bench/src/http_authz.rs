//! `gdap-bench --authz-http`: `POST /authz/v1/check` over loopback with wrk (Debian's package), 32
//! connections, beside an empty handler of the same server (`GET /healthz`) in the same run. The
//! two alternate over several rounds and each figure is the median of its rounds, so that a
//! passing disturbance of the machine does not land on one side only.

use std::process::Command;

use anyhow::{bail, Context};
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::enums::{AssignmentStatus, RelationshipStatus};
use gdap_domain::ids::{AssignmentId, GroupId, RoleDefinitionId, TenantId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_store::{Changes, RelationshipStore, Write};
use gdap_store_sql::SqlStore;
use serde_json::{json, Value};

use crate::start_cmd;

const PARTNER: &str = "8777b240-c6f0-4469-9e98-a3205431b836";
const CLIENT_ID: &str = "2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01";
const SECRET: &str = "bench-secret";
const CUSTOMERS: usize = 1000;
const USERS: usize = 2000;
const GROUPS: usize = 50;
const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const ACTIONS: [&str; 4] = [
    "microsoft.directory/users/password/update",
    "microsoft.directory/users/create",
    "microsoft.directory/groups/members/update",
    "microsoft.commerce.billing/purchases/create",
];

fn id(prefix: u32, n: usize) -> String {
    uuid::Uuid::from_u128(((prefix as u128) << 96) | 0x4000_8000_0000_0000_0000 | n as u128)
        .to_string()
}

fn world() -> Value {
    let users: Vec<Value> = (0..USERS)
        .map(|u| json!({"id": id(3, u), "userPrincipalName": format!("tech{u}@benchpartner.onmicrosoft.com"), "displayName": format!("Tech {u}")}))
        .collect();
    let groups: Vec<Value> = (0..GROUPS)
        .map(|g| {
            let members: Vec<String> = (0..USERS)
                .filter(|u| u % GROUPS == g || (u / GROUPS) % GROUPS == g)
                .map(|u| format!("tech{u}@benchpartner.onmicrosoft.com"))
                .collect();
            json!({"id": id(2, g), "displayName": format!("Tier {g}"), "members": members})
        })
        .collect();
    let mut tenants = vec![json!({
        "id": PARTNER, "displayName": "Bench Partner", "domain": "benchpartner.onmicrosoft.com",
        "partner": {"types": ["cspDirect"]}, "users": users, "groups": groups,
        "applications": [{"clientId": CLIENT_ID, "displayName": "bench", "secret": SECRET,
                          "permissions": ["DelegatedAdminRelationship.ReadWrite.All"]}],
    })];
    for c in 0..CUSTOMERS {
        tenants.push(json!({"id": id(4, c), "displayName": format!("Customer {c}"), "domain": format!("customer{c}.onmicrosoft.com")}));
    }
    json!({ "tenants": tenants })
}

async fn populate(db: &str) -> anyhow::Result<()> {
    let store = SqlStore::connect(db).await?;
    let partner = TenantId::parse(PARTNER)?;
    let roles = vec![
        RoleDefinitionId::parse(HELPDESK)?,
        RoleDefinitionId::parse(USER_ADMIN)?,
    ];
    let now = time::OffsetDateTime::now_utc();
    let mut changes = Changes::default();
    for c in 0..CUSTOMERS {
        let mut r = Relationship::create(
            partner,
            RelationshipDraft {
                display_name: format!("Customer {c}"),
                duration: "P730D".into(),
                auto_extend: None,
                roles: roles.clone(),
                customer: Some(CustomerParticipant {
                    tenant_id: TenantId::parse(&id(4, c))?,
                    display_name: None,
                }),
            },
            Catalogue::builtin(),
            gdap_domain::timefmt::truncate_micros(now),
        )?;
        r.status = RelationshipStatus::Active;
        r.locked_at = Some(r.created_at);
        r.activated_at = Some(r.created_at);
        for (k, role) in roles.iter().enumerate() {
            changes.assignments.push(Write::Insert(AccessAssignment {
                id: AssignmentId::new_random(),
                relationship_id: r.id,
                partner,
                group: GroupId::parse(&id(2, (c * 7 + k * 13) % GROUPS))?,
                roles: vec![*role],
                status: AssignmentStatus::Active,
                created_at: r.created_at,
                last_modified_at: r.created_at,
                due_at: None,
                version: 1,
            }));
        }
        changes.relationships.push(Write::Insert(r));
    }
    store.commit(changes).await?;
    Ok(())
}

/// What one wrk round measured.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Round {
    /// Requests per second.
    pub(crate) rps: f64,
    /// Latency percentiles, in ms.
    p50: f64,
    p99: f64,
    p999: f64,
    /// Share of requests answered within 1 ms, in %.
    within_1ms: f64,
    /// Time the hypervisor ran something else on this machine's CPUs during the round, in ms.
    steal_ms: f64,
    /// The server's CPU time (user and system) per request, in µs: what a request costs the
    /// server, which the machine's stalls touch far less than throughput and latency.
    pub(crate) cpu_us: f64,
}

/// Printed by wrk at the end of a round (latencies in µs): finer percentiles than its own report,
/// and the share of requests answered within 1 ms, found by bisection over percentiles.
const DONE_LUA: &str = r#"
done = function(summary, latency, requests)
  local lo, hi = 0, 100
  for _ = 1, 40 do
    local mid = (lo + hi) / 2
    if latency:percentile(mid) <= 1000 then lo = mid else hi = mid end
  end
  io.write(string.format("gdap-round p50=%d p99=%d p999=%d within1ms=%.3f\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), lo))
end
"#;

/// A round from wrk's output: `Requests/sec` and the line [`DONE_LUA`] prints.
fn parse_wrk(out: &str) -> anyhow::Result<Round> {
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .context("wrk printed no Requests/sec")?
        .trim()
        .parse()?;
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("gdap-round "))
        .context("wrk printed no percentiles")?;
    let field = |name: &str| -> anyhow::Result<f64> {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .with_context(|| format!("no {name} in `{line}`"))?
            .parse()
            .with_context(|| format!("{name} in `{line}`"))
    };
    Ok(Round {
        rps,
        p50: field("p50")? / 1000.0,
        p99: field("p99")? / 1000.0,
        p999: field("p999")? / 1000.0,
        within_1ms: field("within1ms")?,
        steal_ms: 0.0,
        cpu_us: 0.0,
    })
}

/// The median of each figure over rounds.
pub(crate) fn median(rounds: &[Round]) -> Round {
    let mid = |f: fn(&Round) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    Round {
        rps: mid(|r| r.rps),
        p50: mid(|r| r.p50),
        p99: mid(|r| r.p99),
        p999: mid(|r| r.p999),
        within_1ms: mid(|r| r.within_1ms),
        steal_ms: mid(|r| r.steal_ms),
        cpu_us: mid(|r| r.cpu_us),
    }
}

/// Rounds of each endpoint per layout, alternating.
pub(crate) const ROUNDS: usize = 5;

/// Stolen time of all CPUs so far (`/proc/stat`), in ms; 0 where the kernel does not say.
fn steal_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: f64 = stat
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(8))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    // USER_HZ is 100 on Linux.
    ticks * 10.0
}

/// CPU time (user and system) process `pid` has used so far (`/proc/PID/stat`), in ms.
fn cpu_ms(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let secs = crate::cpu_secs_of(&stat).with_context(|| format!("no CPU times in `{stat}`"))?;
    Ok(secs * 1000.0)
}

/// The number of requests wrk reports (`N requests in …`).
fn requests_done(out: &str) -> anyhow::Result<f64> {
    out.lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .context("wrk printed no request count")?
        .0
        .trim()
        .parse()
        .context("wrk's request count")
}

/// Runs wrk (1 thread, 32 connections, 5 s) against the server with process id `server`, on CPU
/// `cpu` when given.
pub(crate) fn wrk(cpu: Option<&str>, server: u32, args: &[&str]) -> anyhow::Result<Round> {
    let mut cmd = match cpu {
        Some(c) => {
            let mut t = Command::new("taskset");
            t.args(["-c", c, "wrk"]);
            t
        }
        None => Command::new("wrk"),
    };
    let stolen = steal_ms();
    let used = cpu_ms(server)?;
    let out = cmd
        .args(["-t1", "-c32", "-d5s"])
        .args(args)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || text.contains("Non-2xx") {
        bail!("wrk failed or saw errors:\n{text}");
    }
    let mut round = parse_wrk(&text)?;
    round.steal_ms = steal_ms() - stolen;
    round.cpu_us = (cpu_ms(server)? - used) * 1000.0 / requests_done(&text)?;
    Ok(round)
}

/// A populated check server and what its benchmarks send it.
pub(crate) struct Setup {
    /// The server, as first started.
    pub(crate) server: crate::Server,
    /// Its `serve` arguments, to start it (or another build) again on the same database.
    pub(crate) args: Vec<String>,
    /// The partner application's token.
    pub(crate) token: String,
    /// The rotation of 1,000 check bodies.
    pub(crate) bodies: Vec<String>,
    /// How many of them are allowed.
    pub(crate) allowed: usize,
    /// wrk scripts sending the bodies to the check API and, with the same headers, to `/healthz`.
    pub(crate) check_lua: String,
    /// See [`Setup::check_lua`].
    pub(crate) empty_lua: String,
}

/// Fills a database with the check benchmark's world, starts `gdap` on it, and writes the wrk
/// scripts.
pub(crate) async fn setup(gdap: &str, dir: &std::path::Path) -> anyhow::Result<Setup> {
    let (server, args) =
        crate::seeded_server(gdap, dir, "http", &world(), "error", |db| async move {
            populate(&db).await
        })
        .await?;
    let http = reqwest::Client::new();
    let token = &crate::partner_token(&http, &server.base).await?;
    // A rotation of 1,000 checks: half a technician of the group holding Helpdesk Administrator in
    // that customer resetting a password, half random technicians, customers and actions.
    let mut bodies = Vec::new();
    let mut allowed = 0;
    for i in 0..1000usize {
        let c = (i * 11) % CUSTOMERS;
        let body = if i % 2 == 0 {
            json!({"userId": id(3, (c * 7) % GROUPS), "tenantId": id(4, c), "action": ACTIONS[0]})
        } else {
            json!({"userId": id(3, (i * 37) % USERS), "tenantId": id(4, c), "action": ACTIONS[i % ACTIONS.len()]})
        };
        let answer: Value = http
            .post(format!("{}/authz/v1/check", server.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        if answer["decision"] == "allow" {
            allowed += 1;
        }
        bodies.push(body.to_string());
    }
    // The empty handler gets the same script (headers, rotating bodies, a Lua call per request), so
    // wrk spends the same on both and only the handler differs.
    let script = |method: &str, path: &str| {
        format!(
            "local bodies = {{{}}}\nlocal i = 0\nwrk.method = \"{method}\"\nwrk.path = \"{path}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n{DONE_LUA}",
            bodies
                .iter()
                .map(|b| format!("[[{b}]]"))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let check_lua = dir.join("check.lua");
    let empty_lua = dir.join("empty.lua");
    std::fs::write(&check_lua, script("POST", "/authz/v1/check"))?;
    std::fs::write(&empty_lua, script("GET", "/healthz"))?;
    Ok(Setup {
        server,
        args,
        token: token.to_owned(),
        bodies,
        allowed,
        check_lua: check_lua.to_str().context("path")?.to_owned(),
        empty_lua: empty_lua.to_str().context("path")?.to_owned(),
    })
}

/// Runs the benchmark and prints its Markdown rows.
pub async fn run(gdap: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let Setup {
        server,
        args,
        token,
        bodies,
        allowed,
        check_lua,
        empty_lua,
    } = setup(gdap, dir).await?;
    let (token, check_lua, empty_lua) = (token.as_str(), check_lua.as_str(), empty_lua.as_str());
    // Two layouts: the scheduler's own (server threads and wrk share both cores), and pinned (the
    // server on CPU 0 with one runtime thread, wrk on CPU 1), so the load generator never
    // preempts the server.
    let mut server = Some(server);
    for pinned in [false, true] {
        let (server, wrk_cpu) = if pinned {
            drop(server.take());
            let mut cmd = Command::new("taskset");
            cmd.args(["-c", "0", gdap])
                .args(&args)
                .env("TOKIO_WORKER_THREADS", "1");
            (start_cmd(cmd, "gdap listening on ")?.0, Some("1"))
        } else {
            (server.take().context("server")?, None)
        };
        let (mut empties, mut checks) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            empties.push(wrk(
                wrk_cpu,
                server.child.id(),
                &["-s", empty_lua, &format!("{}/healthz", server.base)],
            )?);
            checks.push(wrk(
                wrk_cpu,
                server.child.id(),
                &["-s", check_lua, &format!("{}/authz/v1/check", server.base)],
            )?);
        }
        let ratios: Vec<f64> = empties
            .iter()
            .zip(&checks)
            .map(|(e, c)| c.rps * 100.0 / e.rps)
            .collect();
        let (empty, check) = (median(&empties), median(&checks));
        let layout = if pinned {
            "pinned: server on CPU 0 (one runtime thread), wrk on CPU 1"
        } else {
            "unpinned: server (two runtime threads) and wrk share both CPUs"
        };
        println!("\n{layout}\n");
        println!(
            "| over HTTP, 32 connections | requests/s | p50 | p99 | p99.9 | within 1 ms | stolen | server CPU per request |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        let row = |what: &str, r: &Round| {
            println!(
                "| {what} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} % | {:.0} ms | {:.2} µs |",
                r.rps, r.p50, r.p99, r.p999, r.within_1ms, r.steal_ms, r.cpu_us
            );
        };
        row("`GET /healthz` (empty handler)", &empty);
        row(
            &format!("`POST /authz/v1/check` ({allowed} of 1,000 bodies allowed)"),
            &check,
        );
        println!(
            "\nratio: {:.0} % of the empty handler (medians of {ROUNDS} alternating 5 s rounds; per round: {}); by the server's CPU per request: {:.0} %",
            check.rps * 100.0 / empty.rps,
            ratios
                .iter()
                .map(|r| format!("{r:.0} %"))
                .collect::<Vec<_>>()
                .join(", "),
            empty.cpu_us * 100.0 / check.cpu_us
        );
    }
    // The same requests without the network, on the same database.
    let db = args
        .iter()
        .skip_while(|a| *a != "--db")
        .nth(1)
        .context("the server's database")?;
    let (empty, check) = crate::app_cost::measure(db, token, &bodies).await?;
    println!("\nin process, without the network (fastest of 9 passes of 100,000 requests each)\n");
    println!("| the application alone | per request | requests/s on one core |");
    println!("|---|---|---|");
    println!(
        "| `GET /healthz` (empty handler) | {empty:.2} µs | {:.0} |",
        1e6 / empty
    );
    println!(
        "| `POST /authz/v1/check` | {check:.2} µs | {:.0} |",
        1e6 / check
    );
    println!(
        "\nratio: {:.0} % of the empty handler; a check costs {:.2} µs more",
        empty * 100.0 / check,
        check - empty
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_OUT: &str = "Running 5s test @ http://127.0.0.1:1/authz/v1/check
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   445.12us  210.01us   8.10ms   95.00%
    Req/Sec    70.10k     2.00k   75.00k    80.00%
  350512 requests in 5.00s, 190.12MB read
Requests/sec:  70102.40
Transfer/sec:     38.02MB
gdap-round p50=431 p99=884 p999=3120 within1ms=99.125
";

    #[test]
    fn a_wrk_round_is_read_with_its_percentiles_and_request_count() {
        let r = parse_wrk(WRK_OUT).expect("round");
        assert_eq!(r.rps, 70102.40);
        assert_eq!((r.p50, r.p99, r.p999), (0.431, 0.884, 3.12));
        assert_eq!(r.within_1ms, 99.125);
        assert_eq!(requests_done(WRK_OUT).expect("count"), 350_512.0);
        assert!(requests_done("Requests/sec: 1").is_err());
    }

    #[test]
    fn cpu_time_is_user_plus_system_even_when_the_command_name_has_spaces() {
        let stat = "4242 (gdap (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 6 0";
        assert_eq!(crate::cpu_secs_of(stat).expect("times"), 3.25);
        assert!(crate::cpu_secs_of("4242 (gdap) S 1").is_none());
    }
}
