//! The README's walk-through, run as written: every block the README marks is run against a fresh
//! `gdap demo` started as the README says, from a directory laid out like the repository root
//! (`target/release/gdap` is the binary under test).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

const README: &str = include_str!("../../../README.md");

/// The bodies of the fenced blocks of `language` that follow a line starting with `marker`.
fn marked_blocks(marker: &str, language: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = README.lines().peekable();
    while let Some(line) = lines.next() {
        if !line.starts_with(marker) {
            continue;
        }
        assert_eq!(
            lines.next().map(str::trim),
            Some(format!("```{language}").as_str()),
            "a marked block must follow its marker"
        );
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        blocks.push(body.join("\n"));
    }
    blocks
}

/// A directory laid out like the repository root after the quick start.
struct Root(PathBuf);

impl Root {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("gdap-readme-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("target/release")).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_gdap"), dir.join("target/release/gdap"))
            .unwrap();
        Self(dir)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `target/release/gdap demo ARGS` in `root`, once its banner says it is ready.
fn demo(root: &Path, args: &[&str], port: u16) -> common::Proc {
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "the README's demo needs port {port}, which something else holds"
    );
    let mut child: Child = Command::new(root.join("target/release/gdap"))
        .arg("demo")
        .args(args)
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0 && Instant::now() < deadline,
            "the demo did not say it was ready"
        );
        assert!(
            !line.contains("could not be sent"),
            "the demo's invitation failed: {line}"
        );
        if line.starts_with("gdap demo is ready") {
            break;
        }
    }
    // Keep reading so that the demo never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    common::Proc(child)
}

#[test]
fn the_shell_walk_through_runs_as_written_against_a_fresh_demo() {
    let blocks = marked_blocks(
        "<!-- the README test runs this block against a fresh demo -->",
        "sh",
    );
    assert_eq!(blocks.len(), 5, "the walk-through has five blocks");
    let root = Root::new();
    let _demo = demo(&root.0, &[], 8080);
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &blocks.join("\n")])
        .current_dir(&root.0)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("relationship "), "{text}");
    assert!(
        text.contains("\"decision\": \"allow\"") && text.contains("Helpdesk Administrator"),
        "gdap check allows after the assignment: {text}"
    );
    assert!(
        text.contains("\"status\":\"expired\""),
        "two years later the relationship has ended: {text}"
    );
    assert!(
        text.contains("3 customers: 0 done, 3 awaiting approval, 0 failed")
            && text.contains("3 customers: 1 done, 2 awaiting approval, 0 failed")
            && text.contains("access assignments: 1;"),
        "gdap bulk invites three, and assigns the one that approved: {text}"
    );
    assert!(
        text.contains(r#""rows":2,"steps":{"assigned":1,"invited":1}"#),
        "the bulk job takes the command's customers over and assigns the one that approved: {text}"
    );
}

#[test]
fn the_graph_sdk_example_runs_as_written_against_the_demo_with_https() {
    let blocks = marked_blocks(
        "<!-- the README test runs this block against a fresh demo with HTTPS -->",
        "python",
    );
    assert_eq!(blocks.len(), 1);
    let root = Root::new();
    let _demo = demo(&root.0, &["--tls", "--listen", "127.0.0.1:8443"], 8443);
    let ca = root.0.join("gdap-ca.pem");
    let out = Command::new(common::python())
        .args(["-c", &blocks[0]])
        .current_dir(&root.0)
        .env("SSL_CERT_FILE", &ca)
        .env("REQUESTS_CA_BUNDLE", &ca)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The demo's own invitation to Fabrikam, locked for approval.
    assert!(text.contains("Fabrikam support"), "{text}");
}
