//! The `gdap` binary, started the way a user starts it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const WORLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/world.json");

struct Server {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Server {
    /// Stops the process now (its directory stays until the server is dropped).
    fn stop(&self) {
        let _ = std::process::Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(extra: &[&str]) -> Server {
    let dir = std::env::temp_dir().join(format!("gdap-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    start_in(dir, extra)
}

fn start_in(dir: std::path::PathBuf, extra: &[&str]) -> Server {
    let db = dir.join("gdap.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
            "--log",
            "warn",
        ])
        .args(extra)
        .env_remove("GDAP_DB")
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
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"))
        .to_owned();
    Server { child, base, dir }
}

fn token(base: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gdap"))
        .args(["token", "--server", base])
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn serve_with_a_seed_answers_and_gdap_token_prints_a_working_token() {
    let server = start(&["--dev", "--seed", WORLD]);
    let out = token(
        &server.base,
        &[
            "--tenant",
            "partnerone.onmicrosoft.com",
            "--client-id",
            "11111111-cccc-4ccc-8ccc-000000000001",
            "--client-secret",
            "writer-secret",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = String::from_utf8(out.stdout).unwrap();
    assert_eq!(t.trim().split('.').count(), 3);
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/tenantRelationships/delegatedAdminRelationships",
            server.base
        ))
        .bearer_auth(t.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let clock = reqwest::get(format!("{}/_gdap/clock", server.base))
        .await
        .unwrap();
    assert_eq!(clock.status(), 200);

    let bad = token(
        &server.base,
        &[
            "--username",
            "agent@partnerone.onmicrosoft.com",
            "--password",
            "wrong",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("AADSTS50126"));
}

#[tokio::test]
async fn a_restarted_server_keeps_its_data_and_signing_keys() {
    let server = start(&["--dev", "--seed", WORLD]);
    let out = token(
        &server.base,
        &[
            "--username",
            "agent@partnerone.onmicrosoft.com",
            "--password",
            "Agent-Pass-1",
            "--scope",
            "https://graph.microsoft.com/DelegatedAdminRelationship.ReadWrite.All",
        ],
    );
    let t = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(t.split('.').count(), 3);
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let dir = std::mem::replace(
        &mut server.dir,
        std::env::temp_dir().join("gdap-cli-nothing-to-remove"),
    );
    drop(server);
    let again = start_in(dir, &["--dev", "--seed", WORLD]);
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/tenantRelationships/delegatedAdminRelationships",
            again.base
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a token from before the restart still verifies"
    );
}

#[test]
fn development_seeding_without_dev_mode_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .args([
            "serve",
            "--seed",
            WORLD,
            "--listen",
            "127.0.0.1:0",
            "--db",
            "/nonexistent/never.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("development mode"));
}

#[test]
fn the_openapi_command_prints_the_committed_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .arg("openapi")
        .output()
        .unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json"))
            .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

#[tokio::test]
async fn the_demo_serves_the_world_and_the_commands_its_banner_prints() {
    let dir = std::env::temp_dir().join(format!("gdap-demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--db",
            dir.join("demo.db").to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..40 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        banner.push_str(&line);
        if line.starts_with("API description:") {
            break;
        }
    }
    let server = Server {
        base: banner.split_whitespace().nth(5).unwrap().to_owned(),
        child,
        dir,
    };
    assert!(
        banner.contains("admin@fabrikam.onmicrosoft.com / Demo-Customer-1!"),
        "{banner}"
    );
    assert!(banner.contains("lockForApproval"));
    // The outbox page the banner points to already holds the approval e-mail with a working link.
    assert!(
        banner.contains(&format!("{}/_gdap/mail", server.base)),
        "{banner}"
    );
    let http = reqwest::Client::new();
    let outbox = http
        .get(format!("{}/_gdap/mail", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        outbox.contains("【重要】【Contoso Cloud Care】サポートご提供のための権限承認URLのご送付"),
        "{outbox}"
    );
    let at = outbox
        .find("/adminportal/partners/invitation/granularAdminRelationships/")
        .expect("an approval link");
    let id: String = outbox[at + 60..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    let link = http
        .get(format!(
            "{}/adminportal/partners/invitation/granularAdminRelationships/{id}",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert!(
        link.url().path().starts_with("/signin"),
        "the link leads through sign-in: {}",
        link.url()
    );
    let out = token(
        &server.base,
        &[
            "--tenant",
            "contosopartner.onmicrosoft.com",
            "--client-id",
            "2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01",
            "--client-secret",
            "demo-automation-secret",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = String::from_utf8(out.stdout).unwrap();
    let created = http
        .post(format!("{}/v1.0/tenantRelationships/delegatedAdminRelationships", server.base))
        .bearer_auth(t.trim())
        .json(&serde_json::json!({"displayName": "Northwind support", "duration": "P730D",
            "customer": {"tenantId": "4fdbff88-9d6b-42e0-9713-45c922ba8002"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let customer = token(
        &server.base,
        &[
            "--username",
            "admin@fabrikam.onmicrosoft.com",
            "--password",
            "Demo-Customer-1!",
            "--scope",
            "https://admin.microsoft.com/.default",
        ],
    );
    assert!(
        customer.status.success(),
        "{}",
        String::from_utf8_lossy(&customer.stderr)
    );
}

#[tokio::test]
async fn gdap_check_explains_a_decision_from_the_database() {
    let server = start(&["--dev", "--seed", WORLD, "--step-seconds", "0.1"]);
    let http = reqwest::Client::new();
    let app_token = |tenant: &str, id: &str, secret: &str| {
        let out = token(
            &server.base,
            &[
                "--tenant",
                tenant,
                "--client-id",
                id,
                "--client-secret",
                secret,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let p = app_token(
        "partnerone.onmicrosoft.com",
        "11111111-cccc-4ccc-8ccc-000000000001",
        "writer-secret",
    );
    let rels = format!(
        "{}/v1.0/tenantRelationships/delegatedAdminRelationships",
        server.base
    );
    let rel: serde_json::Value = http
        .post(&rels)
        .bearer_auth(&p)
        .json(&serde_json::json!({"displayName": "Cli", "duration": "P30D",
            "customer": {"tenantId": "33333333-3333-4333-8333-333333333333"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = rel["id"].as_str().unwrap();
    let ok = |r: reqwest::Response| {
        assert!(r.status().is_success(), "{}", r.status());
    };
    ok(http
        .post(format!("{rels}/{id}/requests"))
        .bearer_auth(&p)
        .json(&serde_json::json!({"action": "lockForApproval"}))
        .send()
        .await
        .unwrap());
    let out = token(
        &server.base,
        &[
            "--username",
            "ga@customera.onmicrosoft.com",
            "--password",
            "Ga-Pass-1",
            "--scope",
            "https://admin.microsoft.com/.default",
        ],
    );
    let customer = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    // Approval needs the Microsoft Customer Agreement in place, as the pages do.
    ok(http
        .post(format!("{}/admincenter/v1/customerAgreement", server.base))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap());
    ok(http
        .post(format!(
            "{}/admincenter/v1/gdapInvitations/{id}/approve",
            server.base
        ))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    ok(http
        .post(format!("{rels}/{id}/accessAssignments"))
        .bearer_auth(&p)
        .json(&serde_json::json!({
            "accessContainer": {"accessContainerId": "11111111-aaaa-4aaa-8aaa-000000000002", "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}}))
        .send()
        .await
        .unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let check = |action: &str| {
        Command::new(env!("CARGO_BIN_EXE_gdap"))
            .args([
                "check",
                "--db",
                server.dir.join("gdap.db").to_str().unwrap(),
                "--user",
                "tech@partnerone.onmicrosoft.com",
                "--tenant",
                "customera.onmicrosoft.com",
                "--action",
                action,
            ])
            .output()
            .unwrap()
    };
    let allowed = check("microsoft.directory/users/password/update");
    let text = String::from_utf8_lossy(&allowed.stdout);
    assert!(
        allowed.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    assert!(
        text.contains("\"decision\": \"allow\"") && text.contains("Helpdesk Administrator"),
        "{text}"
    );
    assert!(text.contains(id), "the path names the relationship: {text}");
    let denied = check("microsoft.directory/users/create");
    assert_eq!(denied.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&denied.stdout).contains("roleLacksAction"));
    // With a target, the target's roles decide too: Helpdesk Administrator resets the password of
    // a user without a role, never a Global Administrator's.
    let on = |target: &str| {
        Command::new(env!("CARGO_BIN_EXE_gdap"))
            .args([
                "check",
                "--db",
                server.dir.join("gdap.db").to_str().unwrap(),
                "--user",
                "tech@partnerone.onmicrosoft.com",
                "--tenant",
                "customera.onmicrosoft.com",
                "--action",
                "microsoft.directory/users/password/update",
                "--target",
                target,
            ])
            .output()
            .unwrap()
    };
    assert!(on("user@customera.onmicrosoft.com").status.success());
    let protected = on("ga@customera.onmicrosoft.com");
    assert_eq!(protected.status.code(), Some(1));
    let text = String::from_utf8_lossy(&protected.stdout);
    assert!(
        text.contains("targetProtected")
            && text.contains("The target holds Global Administrator, which Helpdesk Administrator may not reset."),
        "{text}"
    );
}

/// A seeded server in which Partner One created three relationships (three audit entries), and a
/// runner of `gdap audit WHAT` on its database.
async fn three_audited_writes() -> (Server, impl Fn(&str) -> std::process::Output) {
    let server = start(&["--dev", "--seed", WORLD]);
    let out = token(
        &server.base,
        &[
            "--tenant",
            "partnerone.onmicrosoft.com",
            "--client-id",
            "11111111-cccc-4ccc-8ccc-000000000001",
            "--client-secret",
            "writer-secret",
        ],
    );
    let p = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let http = reqwest::Client::new();
    for n in 0..3 {
        let r = http
            .post(format!("{}/v1.0/tenantRelationships/delegatedAdminRelationships", server.base))
            .bearer_auth(&p)
            .json(&serde_json::json!({"displayName": format!("Audited {n}"), "duration": "P30D",
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let db = server.dir.join("gdap.db");
    let audit = move |what: &str| {
        Command::new(env!("CARGO_BIN_EXE_gdap"))
            .args(["audit", what, "--db", db.to_str().unwrap()])
            .output()
            .unwrap()
    };
    (server, audit)
}

#[tokio::test]
async fn the_audit_record_verifies_and_a_changed_entry_is_detected() {
    let (server, audit) = three_audited_writes().await;
    let db = server.dir.join("gdap.db");
    let ok = audit("verify");
    let text = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(ok.status.success(), "{text}");
    assert!(text.contains("intact: 3 entries"), "{text}");
    let export = String::from_utf8_lossy(&audit("export").stdout).into_owned();
    // Three entries, then the signed checkpoint of the head.
    assert_eq!(export.lines().count(), 4);
    assert!(
        export
            .lines()
            .last()
            .unwrap()
            .starts_with("{\"checkpoint\":{\"position\":3,"),
        "{export}"
    );
    assert!(
        export.contains("delegatedAdminRelationship.create")
            && export.contains("11111111-cccc-4ccc-8ccc-000000000001"),
        "{export}"
    );
    server.stop();
    // Someone edits the second entry behind gdap's back.
    let python = std::env::var("GDAP_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let edit = Command::new(python)
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_log SET actor='someone-else' WHERE position=2\"); c.commit()",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        edit.status.success(),
        "{}",
        String::from_utf8_lossy(&edit.stderr)
    );
    let broken = audit("verify");
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stdout).contains("broken at position 2"));
}

#[tokio::test]
async fn links_and_issuers_come_from_the_public_url_whatever_host_a_request_names() {
    let server = start(&["--public-url", "https://gdap.example.test/"]);
    let http = reqwest::Client::new();
    let discover = |host: &'static str| {
        http.get(format!(
            "{}/common/v2.0/.well-known/openid-configuration",
            server.base
        ))
        .header("host", host)
        .send()
    };
    for host in ["127.0.0.1", "gdap.example.test", "GDAP.example.test:443"] {
        let doc: serde_json::Value = discover(host).await.unwrap().json().await.unwrap();
        assert_eq!(
            doc["token_endpoint"], "https://gdap.example.test/common/oauth2/v2.0/token",
            "{host}"
        );
    }
    let r = discover("gdap.example.test.evil.example").await.unwrap();
    assert_eq!(r.status(), 421);
}

#[tokio::test]
async fn cutting_the_end_of_the_audit_record_is_detected() {
    let (server, audit) = three_audited_writes().await;
    let db = server.dir.join("gdap.db");
    let ok = audit("verify");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    server.stop();
    // Someone deletes the newest entries behind gdap's back.
    let python = std::env::var("GDAP_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let cut = Command::new(python)
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM audit_log WHERE position > 1\"); c.commit()",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        cut.status.success(),
        "{}",
        String::from_utf8_lossy(&cut.stderr)
    );
    let broken = audit("verify");
    let text = String::from_utf8_lossy(&broken.stdout).into_owned();
    assert_eq!(broken.status.code(), Some(1), "{text}");
    assert!(text.contains("checkpoint"), "{text}");
}

#[tokio::test]
async fn gdap_oem_prints_an_oems_link_and_refuses_a_tenant_that_is_no_oem() {
    let server = start(&["--dev", "--seed", WORLD]);
    let db = server.dir.join("gdap.db");
    let oem = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gdap"))
            .arg("oem")
            .args(args)
            .args(["--db", db.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let link = oem(&[
        "link",
        "--oem",
        "contosodevices.onmicrosoft.com",
        "--public-url",
        "https://gdap.example/",
    ]);
    assert!(
        link.status.success(),
        "{}",
        String::from_utf8_lossy(&link.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&link.stdout).trim(),
        "https://gdap.example/Adminportal/Home?invType=OemRelationship&partnerId=66666666-6666-4666-8666-666666666666#/partners/invitation"
    );
    let refused = oem(&[
        "link",
        "--oem",
        "partnerone.onmicrosoft.com",
        "--public-url",
        "https://gdap.example",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not declared an OEM"));
    let none = oem(&[
        "remove",
        "--customer",
        "customera.onmicrosoft.com",
        "--oem",
        "contosodevices.onmicrosoft.com",
    ]);
    assert!(
        none.status.success(),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
    assert!(String::from_utf8_lossy(&none.stdout).contains("had no OEM consent"));
    server.stop();
}
