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

/// `Requests/sec`, and the 50th and 99th percentile latencies in ms, from wrk's output.
fn parse_wrk(out: &str) -> anyhow::Result<(f64, f64, f64)> {
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .context("wrk printed no Requests/sec")?
        .trim()
        .parse()?;
    let pct = |p: &str| -> anyhow::Result<f64> {
        let v = out
            .lines()
            .find_map(|l| l.trim().strip_prefix(p))
            .with_context(|| format!("wrk printed no {p} latency"))?
            .trim()
            .to_owned();
        Ok(if let Some(us) = v.strip_suffix("us") {
            us.parse::<f64>()? / 1000.0
        } else if let Some(ms) = v.strip_suffix("ms") {
            ms.parse()?
        } else if let Some(s) = v.strip_suffix('s') {
            s.parse::<f64>()? * 1000.0
        } else {
            bail!("unknown latency unit in `{v}`")
        })
    };
    Ok((rps, pct("50%")?, pct("99%")?))
}

/// The median of each figure (requests/s, p50, p99) over rounds.
fn median(rounds: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let mid = |f: fn(&(f64, f64, f64)) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    (mid(|r| r.0), mid(|r| r.1), mid(|r| r.2))
}

/// Rounds of each endpoint per layout, alternating.
const ROUNDS: usize = 3;

/// Runs wrk (1 thread, 32 connections, 5 s), on CPU `cpu` when given.
fn wrk(cpu: Option<&str>, args: &[&str]) -> anyhow::Result<(f64, f64, f64)> {
    let mut cmd = match cpu {
        Some(c) => {
            let mut t = Command::new("taskset");
            t.args(["-c", c, "wrk"]);
            t
        }
        None => Command::new("wrk"),
    };
    let out = cmd
        .args(["-t1", "-c32", "-d5s", "--latency"])
        .args(args)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || text.contains("Non-2xx") {
        bail!("wrk failed or saw errors:\n{text}");
    }
    parse_wrk(&text)
}

/// Runs the benchmark and prints its Markdown rows.
pub async fn run(gdap: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let (server, args) =
        crate::seeded_server(gdap, dir, "http", &world(), "error", |db| async move {
            populate(&db).await
        })
        .await?;
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{}/{PARTNER}/oauth2/v2.0/token", server.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"].as_str().context("no token")?;
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
            "local bodies = {{{}}}\nlocal i = 0\nwrk.method = \"{method}\"\nwrk.path = \"{path}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n",
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
    let check_lua = check_lua.to_str().context("path")?;
    let empty_lua = empty_lua.to_str().context("path")?;
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
                &["-s", empty_lua, &format!("{}/healthz", server.base)],
            )?);
            checks.push(wrk(
                wrk_cpu,
                &["-s", check_lua, &format!("{}/authz/v1/check", server.base)],
            )?);
        }
        let ratios: Vec<f64> = empties
            .iter()
            .zip(&checks)
            .map(|(e, c)| c.0 * 100.0 / e.0)
            .collect();
        let (empty, check) = (median(&empties), median(&checks));
        let layout = if pinned {
            "pinned: server on CPU 0 (one runtime thread), wrk on CPU 1"
        } else {
            "unpinned: server (two runtime threads) and wrk share both CPUs"
        };
        println!("\n{layout}\n");
        println!("| over HTTP, 32 connections | requests/s | p50 | p99 |");
        println!("|---|---|---|---|");
        println!(
            "| `GET /healthz` (empty handler) | {:.0} | {:.2} ms | {:.2} ms |",
            empty.0, empty.1, empty.2
        );
        println!(
            "| `POST /authz/v1/check` ({allowed} of 1,000 bodies allowed) | {:.0} | {:.2} ms | {:.2} ms |",
            check.0, check.1, check.2
        );
        println!(
            "\nratio: {:.0} % of the empty handler (medians of {ROUNDS} alternating 5 s rounds; per round: {})",
            check.0 * 100.0 / empty.0,
            ratios
                .iter()
                .map(|r| format!("{r:.0} %"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
