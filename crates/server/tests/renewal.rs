//! `gdap plan` and `gdap apply` end to end against a real gdap: a drifted world (an assignment
//! with other roles, a missing one, Global Administrator in a relationship, a customer without
//! any), planned, applied (assignments mended at once, renewals sent), approved by the customers,
//! applied again (the renewals' groups assigned, the old relationship ended), and planned empty.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

mod common;

use common::{ADMIN_AGENTS, CUSTOMER_A, CUSTOMER_B, GA, HELPDESK_AGENTS, PARTNER, RELS, WRITER};

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const AGENCY: &str = "a9e00000-0000-4000-8000-00000000000f";
const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    async fn relationship(&self, id: &str) -> Value {
        self.send(reqwest::Method::GET, &format!("{RELS}/{id}"), None)
            .await
    }

    /// Waits until a relationship (or assignment) at `path` has `status`.
    async fn until(&self, path: &str, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.send(reqwest::Method::GET, path, None).await;
            if v["status"] == status {
                return;
            }
            assert!(Instant::now() < deadline, "{path}: {}", v["status"]);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The customer's Global Administrator accepts the agreement and approves `id`.
async fn approve(base: &str, domain: &str, user: &str, password: &str, id: &str) {
    let http = reqwest::Client::new();
    let t = common::token(
        &http,
        base,
        domain,
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", user),
            ("password", password),
            ("scope", "https://admin.microsoft.com/.default"),
        ],
    )
    .await;
    for path in [
        "/admincenter/v1/customerAgreement".to_owned(),
        format!("/admincenter/v1/gdapInvitations/{id}/approve"),
    ] {
        let r = http
            .post(format!("{base}{path}"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
}

/// An active relationship of `customer` with `roles`, made through Graph and approved.
async fn active(
    api: &Api,
    name: &str,
    customer: (&str, &str, &str, &str),
    roles: &[&str],
) -> String {
    let body = json!({"displayName": name, "duration": "P730D",
        "customer": {"tenantId": customer.0},
        "accessDetails": {"unifiedRoles": roles.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()}});
    let rel = api.send(reqwest::Method::POST, RELS, Some(body)).await;
    let id = rel["id"].as_str().unwrap().to_owned();
    api.send(
        reqwest::Method::POST,
        &format!("{RELS}/{id}/requests"),
        Some(json!({"action": "lockForApproval"})),
    )
    .await;
    approve(&api.base, customer.1, customer.2, customer.3, &id).await;
    api.until(&format!("{RELS}/{id}"), "active").await;
    id
}

fn gdap(dir: &Dir, base: &str, command: &str, extra: &[&str]) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_gdap"))
        .args([
            command,
            "--server",
            base,
            "--tenant",
            PARTNER,
            "--client-id",
            WRITER,
        ])
        .args(["--customers", dir.0.join("customers.csv").to_str().unwrap()])
        .args([
            "--templates",
            dir.0.join("templates.json").to_str().unwrap(),
        ])
        .args(["--results", dir.0.join("results.jsonl").to_str().unwrap()])
        .arg("--json")
        .args(extra)
        .env("GDAP_CLIENT_SECRET", "writer-secret")
        .output()
        .unwrap();
    let summary = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out, summary)
}

/// The plan's drifts by customer.
fn drifts(plan: &Value) -> Vec<(String, String)> {
    plan["wouldDo"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["tenantId"].as_str().unwrap().to_owned(),
                r["steps"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_mends_a_drifted_world_and_renews_until_plan_is_empty() {
    let dir =
        Dir(std::env::temp_dir().join(format!("gdap-renewal-{}", uuid::Uuid::new_v4().simple())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let mut world: Value = serde_json::from_str(include_str!("api/world.json")).unwrap();
    // The partner's tool may read its groups; one more customer, without any relationship.
    world["tenants"][0]["applications"][0]["permissions"] = json!([
        "DelegatedAdminRelationship.ReadWrite.All",
        "Directory.Read.All"
    ]);
    world["tenants"].as_array_mut().unwrap().push(json!({
        "id": AGENCY, "displayName": "Agency Z", "domain": "agencyz.onmicrosoft.com",
        "users": [{"userPrincipalName": "ga@agencyz.onmicrosoft.com", "displayName": "GA",
                   "password": "Agency-Pass-1", "roles": [GA]}],
    }));
    let world_path = dir.0.join("world.json");
    std::fs::write(&world_path, world.to_string()).unwrap();
    std::fs::write(
        dir.0.join("customers.csv"),
        format!("tenantId,customerName\n{CUSTOMER_A},Customer A\n{CUSTOMER_B},Customer B\n{AGENCY},Agency Z\n"),
    )
    .unwrap();
    std::fs::write(
        dir.0.join("templates.json"),
        json!({"name": "standard", "duration": "P730D",
               "roles": ["Helpdesk Administrator", "User Administrator"],
               "assignments": [{"group": HELPDESK_AGENTS, "roles": ["Helpdesk Administrator"]},
                               {"group": ADMIN_AGENTS, "roles": ["User Administrator"]}]})
        .to_string(),
    )
    .unwrap();
    let db = dir.0.join("gdap.db");
    let (child, base) = common::serve_dev(world_path.to_str().unwrap(), db.to_str().unwrap(), &[]);
    let _gdap = common::Proc(child);
    let http = reqwest::Client::new();
    let api = Api {
        token: common::partner_token(&http, &base).await,
        http,
        base: base.clone(),
    };

    // The drifted world: Customer A's Helpdesk Agents hold both roles and Admin Agents none;
    // Customer B's relationship holds Global Administrator; Agency Z has no relationship.
    let a = active(
        &api,
        "A by hand",
        (
            CUSTOMER_A,
            "customera.onmicrosoft.com",
            "ga@customera.onmicrosoft.com",
            "Ga-Pass-1",
        ),
        &[HELPDESK, USER_ADMIN],
    )
    .await;
    let assignment = api
        .send(
            reqwest::Method::POST,
            &format!("{RELS}/{a}/accessAssignments"),
            Some(json!({"accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
                        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}, {"roleDefinitionId": USER_ADMIN}]}})),
        )
        .await;
    let assignment = format!(
        "{RELS}/{a}/accessAssignments/{}",
        assignment["id"].as_str().unwrap()
    );
    api.until(&assignment, "active").await;
    let b = active(
        &api,
        "B with GA",
        (
            CUSTOMER_B,
            "customerb.onmicrosoft.com",
            "ga@customerb.onmicrosoft.com",
            "Gb-Pass-1",
        ),
        &[GA, HELPDESK, USER_ADMIN],
    )
    .await;

    // The plan names each drift and what mends it, and changes nothing.
    let (out, plan) = gdap(&dir, &base, "plan", &[]);
    assert_eq!(out.status.code(), Some(2), "drift found");
    let found = drifts(&plan);
    assert_eq!(found.len(), 3, "{plan}");
    assert_eq!(found[0].0, CUSTOMER_A);
    assert!(
        found[0].1.contains("assignmentRoles")
            && found[0]
                .1
                .contains(&format!("missingAssignment {ADMIN_AGENTS}")),
        "{}",
        found[0].1
    );
    assert!(
        found[0].1.contains("(mend)") && !found[0].1.contains("(renew)"),
        "{}",
        found[0].1
    );
    assert_eq!(found[1].0, CUSTOMER_B);
    assert!(
        found[1].1.contains("globalAdministrator (renew)"),
        "{}",
        found[1].1
    );
    assert_eq!(
        found[2],
        (AGENCY.to_owned(), "noRelationship (renew)".to_owned())
    );
    assert!(
        !dir.0.join("results.jsonl").exists(),
        "a plan writes nothing"
    );

    // Apply: Customer A mended at once; Customer B and Agency Z sent a renewal.
    let (out, applied) = gdap(&dir, &base, "apply", &[]);
    assert_eq!(out.status.code(), Some(0), "{applied}");
    assert_eq!(
        (
            applied["done"].as_u64(),
            applied["awaitingApproval"].as_u64()
        ),
        (Some(1), Some(2)),
        "{applied}"
    );
    assert_eq!(applied["created"], 2, "{applied}");
    let results = std::fs::read_to_string(dir.0.join("results.jsonl")).unwrap();
    let renewal_of = |tenant: &str| {
        results
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|r| r["tenantId"] == tenant && r["step"] == "invited")
            .map(|r| {
                assert_eq!(r["renewal"], true);
                r["relationshipId"].as_str().unwrap().to_owned()
            })
            .next_back()
            .unwrap()
    };
    let new_b = renewal_of(CUSTOMER_B);
    let new_z = renewal_of(AGENCY);
    assert_eq!(
        api.relationship(&b).await["status"],
        "active",
        "B keeps its access until the renewal is active"
    );

    // The customers approve; apply assigns the renewals' groups and ends B's old relationship.
    approve(
        &base,
        "customerb.onmicrosoft.com",
        "ga@customerb.onmicrosoft.com",
        "Gb-Pass-1",
        &new_b,
    )
    .await;
    approve(
        &base,
        "agencyz.onmicrosoft.com",
        "ga@agencyz.onmicrosoft.com",
        "Agency-Pass-1",
        &new_z,
    )
    .await;
    let (out, applied) = gdap(&dir, &base, "apply", &["--wait", "60", "--poll", "1"]);
    assert_eq!(out.status.code(), Some(0), "{applied}");
    assert_eq!(applied["done"], 3, "{applied}");
    let old_b = api.relationship(&b).await;
    assert!(
        matches!(
            old_b["status"].as_str(),
            Some("terminationRequested" | "terminating" | "terminated")
        ),
        "{old_b}"
    );
    let renewed = api.relationship(&new_b).await;
    assert_eq!(renewed["status"], "active");
    assert!(
        !renewed.to_string().contains(GA),
        "the renewal has no Global Administrator"
    );

    // Nothing left: the plan is empty.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (out, plan) = gdap(&dir, &base, "plan", &[]);
    assert_eq!(drifts(&plan), Vec::<(String, String)>::new(), "{plan}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(plan["done"], 3);
}
