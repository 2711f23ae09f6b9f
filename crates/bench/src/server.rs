//! The gdap servers a benchmark starts (as a user would, from the built binary), and what the
//! operating system says of their processes: CPU time and resident memory.

use super::*;

/// A running gdap server, stopped when dropped.
pub(crate) struct Server {
    /// Its process.
    pub(crate) child: Child,
    /// Its base URL.
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `serve` arguments of a bench server on an SQLite file seeded with a world file.
pub(crate) fn serve_args(world: &str, db: &str, log: &str) -> Vec<String> {
    [
        "serve",
        "--dev",
        "--seed",
        world,
        "--db",
        db,
        "--listen",
        "127.0.0.1:0",
        "--log",
        log,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A bench server on a fresh SQLite file `{name}.db` under `dir`: a first start seeds the
/// directory from `world`, `fill` then adds what the bench needs straight into the file, and the
/// server is started again on it. Returns it with its `serve` arguments (to start it otherwise).
pub(crate) async fn seeded_server<F, Fut>(
    gdap: &str,
    dir: &std::path::Path,
    name: &str,
    world: &Value,
    log: &str,
    fill: F,
) -> anyhow::Result<(Server, Vec<String>)>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let db = dir.join(format!("{name}.db"));
    let db = db.to_str().context("path")?.to_owned();
    let world_path = dir.join(format!("{name}-world.json"));
    std::fs::write(&world_path, world.to_string())?;
    let args = serve_args(world_path.to_str().context("path")?, &db, log);
    drop(start(gdap, &args, "gdap listening on ")?);
    fill(db).await?;
    let (server, _) = start(gdap, &args, "gdap listening on ")?;
    Ok((server, args))
}

pub(crate) fn start<S: AsRef<std::ffi::OsStr>>(
    gdap: &str,
    args: &[S],
    banner: &str,
) -> anyhow::Result<(Server, Duration)> {
    let mut cmd = Command::new(gdap);
    cmd.args(args);
    start_cmd(cmd, banner)
}

/// Starts a prepared command that prints `banner` and the address once it listens.
pub(crate) fn start_cmd(mut cmd: Command, banner: &str) -> anyhow::Result<(Server, Duration)> {
    let t0 = Instant::now();
    // The benchmark measures what the server does, not Graph's request allowance (builds without
    // throttling ignore these).
    cmd.env("GDAP_RATE_LIMIT_APP", "0")
        .env("GDAP_RATE_LIMIT_APP_TENANT", "0");
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let out = child.stdout.take().context("stdout")?;
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("gdap exited before it was ready");
        }
        if let Some(rest) = line.trim().strip_prefix(banner) {
            let base = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return Ok((Server { child, base }, t0.elapsed()));
        }
    }
}

pub(crate) fn server_ms(res: &reqwest::Response) -> f64 {
    res.headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("dur=").nth(1))
        .and_then(|d| d.parse().ok())
        .unwrap_or(f64::NAN)
}

/// CPU seconds (user + system) of one process, from `/proc/{pid}/stat`; 0 when unreadable.
pub(crate) fn cpu_secs(pid: &str) -> f64 {
    cpu_secs_of(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
        .unwrap_or(0.0)
}

/// CPU seconds (user + system) of a `/proc/PID/stat` line, when it has them.
pub(crate) fn cpu_secs_of(stat: &str) -> Option<f64> {
    // Fields after the command name (which may hold spaces and parentheses) start at the last `)`;
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
    let mut after = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: f64 = after.next()?.parse().ok()?;
    let stime: f64 = after.next()?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

/// CPU seconds so far of: PostgreSQL's processes, the gdap nodes, this client, and the whole
/// machine (from `/proc/stat`).
pub(crate) fn cpu_split(nodes: &[u32]) -> [f64; 4] {
    let mut db = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.chars().all(|c| c.is_ascii_digit())
                && std::fs::read_to_string(format!("/proc/{name}/comm"))
                    .is_ok_and(|c| c.trim() == "postgres")
            {
                db += cpu_secs(&name);
            }
        }
    }
    let gdap: f64 = nodes.iter().map(|p| cpu_secs(&p.to_string())).sum();
    let me = cpu_secs("self");
    let all = std::fs::read_to_string("/proc/stat")
        .unwrap_or_default()
        .lines()
        .next()
        .map_or(0.0, |l| {
            let v: Vec<f64> = l
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            // user, nice, system, irq, softirq, steal (idle and iowait left out).
            [0, 1, 2, 5, 6, 7]
                .iter()
                .filter_map(|&i| v.get(i))
                .sum::<f64>()
                / 100.0
        });
    [db, gdap, me, all]
}

pub(crate) fn rss_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A token from the token endpoint of `tenant` for `form`.
pub(crate) async fn token_for(
    http: &reqwest::Client,
    base: &str,
    tenant: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<String> {
    let v: Value = http
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(form)
        .send()
        .await?
        .json()
        .await?;
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("a token in {tenant}: {v}"))
}

/// The bench partner application's Graph token.
pub(crate) async fn partner_token(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    token_for(http, base, PARTNER, &form).await
}

/// The application over `store` in the bench's own process, with a fresh signing key.
pub(crate) fn in_process(
    store: SqlStore,
    config: gdap_api::ApiConfig,
) -> anyhow::Result<gdap_api::AppState> {
    let (key, _) = gdap_auth::SigningKey::generate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let store: Arc<dyn gdap_store::Store> = Arc::new(store);
    Ok(gdap_api::AppState::new(
        store,
        gdap_auth::KeySet::new(vec![key]),
        None,
        None,
        config,
    ))
}
