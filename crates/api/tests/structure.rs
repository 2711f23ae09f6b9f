//! The shape of the workspace, checked: crates depend inward only (the domain on nothing of gdap,
//! the application layer on no face, no face on another), no crate holds more than 30 % of the
//! code, and no source file grows past 600 lines. Tests do not count: a file's code ends at its
//! `#[cfg(test)]` module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Each gdap crate and the gdap crates it may depend on (normal dependencies; development
/// dependencies are for tests and may reach further down, never up to a face).
const ALLOWED: &[(&str, &[&str])] = &[
    ("gdap-domain", &[]),
    ("gdap-auth", &["gdap-domain"]),
    ("gdap-store", &["gdap-domain", "gdap-auth"]),
    (
        "gdap-store-sql",
        &["gdap-domain", "gdap-auth", "gdap-store"],
    ),
    // A client of the Graph API: it knows the domain's rules, nothing of the server.
    ("gdap-bulk", &["gdap-domain"]),
    // Bulk jobs run the bulk engine against the server's own Graph API.
    (
        "gdap-app",
        &["gdap-domain", "gdap-auth", "gdap-store", "gdap-bulk"],
    ),
    (
        "gdap-http",
        &["gdap-domain", "gdap-auth", "gdap-store", "gdap-app"],
    ),
    (
        "gdap-graph",
        &[
            "gdap-domain",
            "gdap-auth",
            "gdap-store",
            "gdap-app",
            "gdap-http",
        ],
    ),
    (
        "gdap-web",
        &[
            "gdap-domain",
            "gdap-auth",
            "gdap-store",
            "gdap-app",
            "gdap-http",
        ],
    ),
    (
        "gdap-token",
        &[
            "gdap-domain",
            "gdap-auth",
            "gdap-store",
            "gdap-app",
            "gdap-http",
        ],
    ),
    (
        "gdap-check",
        &[
            "gdap-domain",
            "gdap-auth",
            "gdap-store",
            "gdap-app",
            "gdap-http",
        ],
    ),
    (
        "gdap-partnercenter",
        &[
            "gdap-domain",
            "gdap-auth",
            "gdap-store",
            "gdap-app",
            "gdap-http",
        ],
    ),
    (
        "gdap-arm",
        &[
            "gdap-domain",
            "gdap-auth",
            "gdap-store",
            "gdap-app",
            "gdap-http",
        ],
    ),
];

/// The faces: none may depend on another, in any kind of dependency.
const FACES: &[&str] = &[
    "gdap-arm",
    "gdap-graph",
    "gdap-web",
    "gdap-token",
    "gdap-check",
    "gdap-partnercenter",
];

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata answers JSON")
}

/// A gdap dependency: the crate's name and its kind (`None` for a normal dependency).
type Dependency = (String, Option<String>);

/// Every workspace crate: its name, its gdap dependencies and its source folder.
fn crates() -> Vec<(String, Vec<Dependency>, PathBuf)> {
    let meta = metadata();
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter_map(|d| {
                    let name = d["name"].as_str()?;
                    name.starts_with("gdap")
                        .then(|| (name.to_owned(), d["kind"].as_str().map(str::to_owned)))
                })
                .collect();
            let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest"));
            let src = manifest.parent().expect("crate folder").join("src");
            (p["name"].as_str().expect("name").to_owned(), deps, src)
        })
        .collect()
}

#[test]
fn crates_depend_inward_only_and_no_face_depends_on_another() {
    let mut wrong = Vec::new();
    let all = crates();
    for (name, deps, _) in &all {
        if let Some((_, allowed)) = ALLOWED.iter().find(|(n, _)| n == name) {
            for (dep, kind) in deps {
                let is_face = FACES.contains(&dep.as_str());
                let ok = match kind.as_deref() {
                    None => allowed.contains(&dep.as_str()),
                    // Tests may use any lower crate (the SQL store, say), never a face or the whole.
                    Some(_) => !is_face && dep != "gdap-api" && dep != "gdap",
                };
                if !ok {
                    wrong.push(format!("{name} depends on {dep} ({kind:?})"));
                }
            }
        }
    }
    assert!(
        all.iter().any(|(n, _, _)| n == "gdap-app"),
        "the application crate is in the workspace"
    );
    assert!(
        wrong.is_empty(),
        "dependencies against the layering: {wrong:#?}"
    );
}

/// The lines of a file that are not its tests.
fn code_lines(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("readable source");
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .count()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let p = entry.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_crate_holds_more_than_thirty_percent_of_the_code_and_no_file_exceeds_600_lines() {
    let mut per_crate = BTreeMap::new();
    let mut long = Vec::new();
    for (name, _, src) in crates() {
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut total = 0;
        for f in files {
            let n = code_lines(&f);
            if n > 600 {
                long.push(format!("{} has {n} lines", f.display()));
            }
            total += n;
        }
        per_crate.insert(name, total);
    }
    let all: usize = per_crate.values().sum();
    assert!(
        all > 10_000,
        "the whole workspace was counted: {per_crate:?}"
    );
    let heavy: Vec<_> = per_crate
        .iter()
        .filter(|(_, n)| **n * 100 > all * 30)
        .map(|(c, n)| format!("{c}: {n} of {all} lines"))
        .collect();
    assert!(heavy.is_empty(), "crates over 30 % of the code: {heavy:?}");
    assert!(long.is_empty(), "files over 600 lines: {long:#?}");
}
