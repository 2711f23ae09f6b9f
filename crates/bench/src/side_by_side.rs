//! The check API of this build beside another, on the same database, in the same run: the
//! server's CPU time per check and per empty request, in alternating wrk rounds with each server
//! pinned to CPU 0 on one runtime thread (wrk on CPU 1); and the instructions each server
//! executes per check and per empty request under `valgrind --tool=callgrind`, a count that does
//! not move with the machine's noise.

use super::*;
use crate::http_authz::{median, setup, wrk, Round, Setup, ROUNDS};

/// Requests of each kind counted under callgrind.
const COUNTED: usize = 2_000;

/// Starts `gdap` with `args`, pinned to CPU 0 on one runtime thread, optionally under callgrind
/// writing to `out`.
fn start_pinned(gdap: &str, args: &[String], callgrind: Option<&str>) -> anyhow::Result<Server> {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", "0"]);
    if let Some(out) = callgrind {
        cmd.args([
            "valgrind",
            "--tool=callgrind",
            &format!("--callgrind-out-file={out}"),
        ]);
    }
    cmd.arg(gdap).args(args).env("TOKIO_WORKER_THREADS", "1");
    Ok(start_cmd(cmd, "gdap listening on ")?.0)
}

/// Runs `callgrind_control` on a process.
fn callgrind_control(pid: u32, what: &str) -> anyhow::Result<()> {
    let out = Command::new("callgrind_control")
        .args([what, &pid.to_string()])
        .output()
        .context("callgrind_control (apt-get install valgrind)")?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !said.contains("OK") {
        bail!(
            "callgrind_control {what} {pid} failed: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The instructions recorded in the newest dump whose name starts with `prefix`.
fn instructions(dir: &std::path::Path, prefix: &str) -> anyhow::Result<u64> {
    let mut dumps: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    dumps.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let newest = dumps.last().context("no callgrind dump")?;
    let text = std::fs::read_to_string(newest)?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary: ")
                .or_else(|| l.strip_prefix("totals: "))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no instruction total in the dump")
}

/// Sends `COUNTED` requests of one kind, one after another on one connection.
async fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    bodies: &[String],
    check: bool,
) -> anyhow::Result<()> {
    for body in bodies.iter().cycle().take(COUNTED) {
        let req = if check {
            http.post(format!("{base}/authz/v1/check"))
        } else {
            http.get(format!("{base}/healthz"))
        };
        let res = req
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("{} answered {}", base, res.status());
        }
        res.bytes().await?;
    }
    Ok(())
}

/// What the servers are started with and sent.
struct Requests<'a> {
    args: &'a [String],
    token: &'a str,
    bodies: &'a [String],
}

/// Instructions per empty request and per check of one build, under callgrind.
async fn counted(
    gdap: &str,
    s: &Requests<'_>,
    dir: &std::path::Path,
    name: &str,
) -> anyhow::Result<(f64, f64)> {
    let out = dir.join(format!("callgrind-{name}.out"));
    let server = start_pinned(gdap, s.args, Some(out.to_str().context("path")?))?;
    let pid = server.child.id();
    let http = reqwest::Client::new();
    // Warm up: connections, caches, the verified token.
    send(&http, &server.base, s.token, s.bodies, true).await?;
    send(&http, &server.base, s.token, s.bodies, false).await?;
    let prefix = format!("callgrind-{name}.out");
    let mut per = [0.0; 2];
    for (i, check) in [false, true].into_iter().enumerate() {
        callgrind_control(pid, "--zero")?;
        send(&http, &server.base, s.token, s.bodies, check).await?;
        callgrind_control(pid, "--dump")?;
        let total = instructions(dir, &prefix)?;
        eprintln!("callgrind {name}: {total} instructions for {COUNTED} requests");
        per[i] = total as f64 / COUNTED as f64;
    }
    Ok((per[0], per[1]))
}

/// Runs the comparison and prints its Markdown tables.
pub async fn run(gdap: &str, before: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let Setup {
        server,
        args,
        token,
        bodies,
        allowed,
        check_lua,
        empty_lua,
    } = setup(gdap, dir).await?;
    drop(server);
    let s = Requests {
        args: &args,
        token: &token,
        bodies: &bodies,
    };
    let builds = [("before", before), ("after", gdap)];
    let servers = [
        start_pinned(before, s.args, None)?,
        start_pinned(gdap, s.args, None)?,
    ];
    let mut rounds: [[Vec<Round>; 2]; 2] = Default::default();
    for _ in 0..ROUNDS {
        for (kind, (lua, path)) in [(&empty_lua, "/healthz"), (&check_lua, "/authz/v1/check")]
            .into_iter()
            .enumerate()
        {
            for (b, server) in servers.iter().enumerate() {
                rounds[b][kind].push(wrk(
                    Some("1"),
                    server.child.id(),
                    &["-s", lua, &format!("{}{path}", server.base)],
                )?);
            }
        }
    }
    drop(servers);
    println!(
        "\nserver CPU per request, each build pinned to CPU 0 on one runtime thread, wrk on CPU 1 \
         (medians of {ROUNDS} alternating 5 s rounds; {} of 1,000 check bodies allowed)\n",
        allowed
    );
    println!(
        "| build | `GET /healthz` | `POST /authz/v1/check` | check ÷ empty | requests/s, check |"
    );
    println!("|---|---|---|---|---|");
    for (b, (name, _)) in builds.iter().enumerate() {
        let (e, c) = (median(&rounds[b][0]), median(&rounds[b][1]));
        println!(
            "| {name} | {:.2} µs | {:.2} µs | {:.2} | {:.0} |",
            e.cpu_us,
            c.cpu_us,
            c.cpu_us / e.cpu_us,
            c.rps
        );
    }
    println!("\ninstructions per request under callgrind ({COUNTED} of each, one connection, after a warm-up)\n");
    println!("| build | `GET /healthz` | `POST /authz/v1/check` | check ÷ empty |");
    println!("|---|---|---|---|");
    for (name, bin) in builds {
        let (e, c) = counted(bin, &s, dir, name).await?;
        println!("| {name} | {e:.0} | {c:.0} | {:.3} |", c / e);
    }
    Ok(())
}
