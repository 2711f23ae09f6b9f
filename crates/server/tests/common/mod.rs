//! Helpers shared by the test binaries that need the test environment's SMTP server.
#![allow(dead_code, reason = "each test binary uses the helpers it needs")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Partner One of the test world.
pub const PARTNER: &str = "11111111-1111-4111-8111-111111111111";
/// Partner One's writer application.
pub const WRITER: &str = "11111111-cccc-4ccc-8ccc-000000000001";
/// Partner One's Admin Agents group.
pub const ADMIN_AGENTS: &str = "11111111-aaaa-4aaa-8aaa-000000000001";
/// Partner One's Helpdesk Agents group.
pub const HELPDESK_AGENTS: &str = "11111111-aaaa-4aaa-8aaa-000000000002";
/// Customer A of the test world.
pub const CUSTOMER_A: &str = "33333333-3333-4333-8333-333333333333";
/// Customer B of the test world.
pub const CUSTOMER_B: &str = "44444444-4444-4444-8444-444444444444";
/// Global Administrator.
pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
/// The relationships collection.
pub const RELS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships";

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The test environment's Python (with aiosmtpd), made by `./scripts/test`.
pub fn python() -> PathBuf {
    let p = std::env::var_os("GDAP_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/pyenv/bin/python"
            ))
        });
    assert!(
        p.exists(),
        "{} is missing: run ./scripts/test, which makes the test environment with aiosmtpd",
        p.display()
    );
    p
}

/// A port nothing listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real SMTP server (aiosmtpd) storing mail in a Maildir, started and ready.
pub fn smtp_server(port: u16, maildir: &Path) -> Proc {
    let child = Command::new(python())
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
            maildir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Proc(child)
}

/// Starts `gdap serve` with `args` and returns the process and the base URL from its banner.
pub fn serve(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("gdap listening on ")
        .unwrap_or_else(|| panic!("no banner: {line:?}"))
        .to_owned();
    (child, base)
}

/// Starts `gdap serve` in development mode on `db`, seeded with `world`, a lifecycle step every
/// 0.2 s, with `extra` arguments; returns the process and the base URL.
pub fn serve_dev(world: &str, db: &str, extra: &[&str]) -> (Child, String) {
    let mut args = vec![
        "--dev",
        "--seed",
        world,
        "--listen",
        "127.0.0.1:0",
        "--db",
        db,
        "--step-seconds",
        "0.2",
        "--log",
        "error",
    ];
    args.extend_from_slice(extra);
    serve(&args)
}

/// The development outbox of the node at `base` (`GET /_gdap/outbox`).
pub async fn outbox(http: &reqwest::Client, base: &str) -> serde_json::Value {
    http.get(format!("{base}/_gdap/outbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A token from the token endpoint of `tenant` at `base` for the form given.
pub async fn token(
    http: &reqwest::Client,
    base: &str,
    tenant: &str,
    form: &[(&str, &str)],
) -> String {
    let v: serde_json::Value = http
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {v}"))
        .to_owned()
}

/// A token of Partner One's writer application (Graph).
pub async fn partner_token(http: &reqwest::Client, base: &str) -> String {
    token(
        http,
        base,
        "11111111-1111-4111-8111-111111111111",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-cccc-4ccc-8ccc-000000000001"),
            ("client_secret", "writer-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}
