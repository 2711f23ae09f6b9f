//! Two `gdap serve` processes on one PostgreSQL database: any node serves any request.
//!
//! Runs when `GDAP_TEST_POSTGRES` names a PostgreSQL server (`./scripts/test` and CI set it); each
//! test creates a fresh database and drops it afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;

const WORLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/world.json");
const PARTNER: &str = "11111111-1111-4111-8111-111111111111";
const RELS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships";

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node(db: &str) -> Node {
    node_with(db, &[])
}

fn node_with(db: &str, extra: &[&str]) -> Node {
    let mut args = vec![
        "--dev",
        "--seed",
        WORLD,
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
    let (child, base) = common::serve(&args);
    Node { child, base }
}

struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    async fn fresh() -> Option<Self> {
        let admin = std::env::var("GDAP_TEST_POSTGRES").ok()?;
        let name = format!("gdap_nodes_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let url = format!(
            "{}/{name}",
            admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
        );
        Some(Self { admin, name, url })
    }

    async fn drop_now(self) {
        let pool = sqlx::PgPool::connect(&self.admin).await.unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
}

async fn token(http: &reqwest::Client, base: &str, tenant: &str, form: &[(&str, &str)]) -> String {
    let v: Value = http
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

async fn partner_token(http: &reqwest::Client, base: &str) -> String {
    token(
        http,
        base,
        PARTNER,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-cccc-4ccc-8ccc-000000000001"),
            ("client_secret", "writer-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}

/// A token of customer A's Global Administrator for `scope`.
async fn customer_admin_token(http: &reqwest::Client, base: &str, scope: &str) -> String {
    token(
        http,
        base,
        "customera.onmicrosoft.com",
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "ga@customera.onmicrosoft.com"),
            ("password", "Ga-Pass-1"),
            ("scope", scope),
        ],
    )
    .await
}

/// Creates a relationship named `name` for customer A through `base`; returns it as created.
async fn create(http: &reqwest::Client, base: &str, partner: &str, name: &str) -> Value {
    http.post(format!("{base}{RELS}"))
        .bearer_auth(partner)
        .json(&body(name))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn body(name: &str) -> Value {
    json!({"displayName": name, "duration": "P30D", "customer": {"tenantId": "33333333-3333-4333-8333-333333333333"},
           "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relationship_created_on_one_node_is_locked_approved_and_seen_active_on_the_other() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let t1 = partner_token(&http, &one.base).await;
    let created = create(&http, &one.base, &t1, "Two nodes").await;
    let id = created["id"].as_str().unwrap().to_owned();
    // A token issued by node one is accepted by node two.
    let lock = http
        .post(format!("{}{RELS}/{id}/requests", two.base))
        .bearer_auth(&t1)
        .json(&json!({"action": "lockForApproval"}))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), 201);
    let customer =
        customer_admin_token(&http, &two.base, "https://admin.microsoft.com/.default").await;
    accept_agreement(&http, &one.base, &customer).await;
    let approve = http
        .post(format!(
            "{}/admincenter/v1/gdapInvitations/{id}/approve",
            one.base
        ))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rel: Value = http
            .get(format!("{}{RELS}/{id}", two.base))
            .bearer_auth(&t1)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if rel["status"] == "active" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} on node two",
            rel["status"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_patches_with_one_etag_over_two_nodes_let_exactly_one_win() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let created = create(&http, &one.base, &t, "Race").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let etag = created["@odata.etag"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for n in 0..50 {
        let base = if n % 2 == 0 {
            one.base.clone()
        } else {
            two.base.clone()
        };
        let (http, t, id, etag) = (http.clone(), t.clone(), id.clone(), etag.clone());
        tasks.push(tokio::spawn(async move {
            http.patch(format!("{base}{RELS}/{id}"))
                .bearer_auth(t)
                .header("If-Match", etag)
                .json(&json!({"displayName": format!("Winner {n}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        49,
        "{statuses:?}"
    );
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_while_creating_loses_no_acknowledged_relationship_and_carries_on_after_restart(
) {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let mut one = node(&db.url);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..16 {
        let (http, t, base, acked) = (
            http.clone(),
            t.clone(),
            one.base.clone(),
            acknowledged.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for n in 0..(5000 / 16) {
                let Ok(res) = http
                    .post(format!("{base}{RELS}"))
                    .bearer_auth(&t)
                    .json(&body(&format!("Kill {w}-{n}")))
                    .send()
                    .await
                else {
                    return;
                };
                if res.status() != 201 {
                    return;
                }
                let Ok(v) = res.json::<Value>().await else {
                    return;
                };
                acked
                    .lock()
                    .unwrap()
                    .push(v["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    // Kill the node with SIGKILL while the clients are busy.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 500 {
        assert!(Instant::now() < deadline, "the node did not get going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    one.child.kill().unwrap();
    one.child.wait().unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() < 4992,
        "the kill came too late to prove anything"
    );

    let again = node(&db.url);
    let t = partner_token(&http, &again.base).await;
    let mut stored = std::collections::HashSet::new();
    let mut url = format!(
        "{}{RELS}?$top=300&$filter=startswith(displayName,'Kill')",
        again.base
    );
    loop {
        let page: Value = http
            .get(&url)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for r in page["value"].as_array().unwrap() {
            assert_eq!(r["status"], "created", "nothing half-written");
            assert_eq!(
                r["accessDetails"]["unifiedRoles"].as_array().unwrap().len(),
                1
            );
            stored.insert(r["id"].as_str().unwrap().to_owned());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    for id in &acked {
        assert!(
            stored.contains(id),
            "relationship {id} was acknowledged with 201 but is gone"
        );
    }
    let carry_on = http
        .post(format!("{}{RELS}", again.base))
        .bearer_auth(&t)
        .json(&body("After the restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(carry_on.status(), 201);
    drop(again);
    drop(one);
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_nodes_every_mail_is_sent_once_and_every_expiry_happens_on_the_shared_clock() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("gdap-nodes-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = common::free_port();
    let relay = common::smtp_server(port, &dir.join("Maildir"));
    let smtp = format!("smtp://127.0.0.1:{port}");
    let one = node_with(&db.url, &["--smtp", &smtp]);
    let two = node_with(&db.url, &["--smtp", &smtp]);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let customer = token(
        &http,
        &two.base,
        "customerb.onmicrosoft.com",
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "ga@customerb.onmicrosoft.com"),
            ("password", "Gb-Pass-1"),
            ("scope", "https://admin.microsoft.com/.default"),
        ],
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..30 {
        let base = if n % 2 == 0 { &one.base } else { &two.base };
        let mut b = body(&format!("Once {n}"));
        b["customer"]["tenantId"] = json!("44444444-4444-4444-8444-444444444444");
        let created: Value = http
            .post(format!("{base}{RELS}"))
            .bearer_auth(&t)
            .json(&b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(
            http.post(format!("{base}{RELS}/{id}/requests"))
                .bearer_auth(&t)
                .json(&json!({"action": "lockForApproval"}))
                .send()
                .await
                .unwrap()
                .status(),
            201
        );
        accept_agreement(&http, base, &customer).await;
        assert_eq!(
            http.post(format!(
                "{base}/admincenter/v1/gdapInvitations/{id}/approve"
            ))
            .bearer_auth(&customer)
            .send()
            .await
            .unwrap()
            .status(),
            200
        );
        ids.push(id);
    }
    // Both nodes deliver the outbox: each of the 90 mails (30 invitations to Customer B's
    // administrator, and for each approval a notice to it and one to Partner One's Global
    // Administrator) must arrive exactly once.
    let expected = 90;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = std::fs::read_dir(dir.join("Maildir/new"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(
            n <= expected,
            "{n} mails arrived for {expected} queued: some were sent twice"
        );
        if n == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {n} of {expected} mails arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Wait for activation, then move the shared clock on node one past every end date.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let moved = http
        .post(format!("{}/_gdap/clock", one.base))
        .json(&json!({"advance": "P31D"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    let clock_two: Value = http
        .get(format!("{}/_gdap/clock", two.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        clock_two["offsetSeconds"].as_i64().unwrap() >= 31 * 86_400,
        "node two follows the shared clock: {clock_two}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    for id in &ids {
        loop {
            let rel: Value = http
                .get(format!("{}{RELS}/{id}", two.base))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if rel["status"] == "expired" {
                break;
            }
            assert!(Instant::now() < deadline, "{id} is still {}", rel["status"]);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let n = std::fs::read_dir(dir.join("Maildir/new"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(n, expected, "no mail is sent twice later either");
    drop(relay);
    drop((one, two));
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_now().await;
}

/// A relationship with Customer A made active through `base`, with Helpdesk Agents (the
/// technician's group) holding Helpdesk Administrator; returns its id.
async fn technician_relationship(
    http: &reqwest::Client,
    base: &str,
    partner: &str,
    customer: &str,
    name: &str,
) -> String {
    let created = create(http, base, partner, name).await;
    let id = created["id"].as_str().unwrap().to_owned();
    for (path, token, b) in [
        (
            format!("{RELS}/{id}/requests"),
            partner,
            Some(json!({"action": "lockForApproval"})),
        ),
        (
            "/admincenter/v1/customerAgreement".to_owned(),
            customer,
            None,
        ),
        (
            format!("/admincenter/v1/gdapInvitations/{id}/approve"),
            customer,
            None,
        ),
    ] {
        let mut rb = http.post(format!("{base}{path}")).bearer_auth(token);
        if let Some(b) = b {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        assert!(
            r.status().is_success(),
            "{path}: {}",
            r.text().await.unwrap()
        );
    }
    // Activation, then the access assignment (which needs an active relationship).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = http
            .post(format!("{base}{RELS}/{id}/accessAssignments"))
            .bearer_auth(partner)
            .json(&json!({
                "accessContainer": {"accessContainerId": "11111111-aaaa-4aaa-8aaa-000000000002", "accessContainerType": "securityGroup"},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
            }))
            .send()
            .await
            .unwrap();
        if r.status() == 201 {
            break;
        }
        assert!(Instant::now() < deadline, "{}", r.text().await.unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_node_reaches_the_other_nodes_authorization_decisions_within_milliseconds()
{
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let partner = partner_token(&http, &one.base).await;
    let customer =
        customer_admin_token(&http, &one.base, "https://admin.microsoft.com/.default").await;
    const SAMPLES: usize = 12;
    let mut ids = Vec::new();
    for n in 0..SAMPLES {
        ids.push(
            technician_relationship(&http, &one.base, &partner, &customer, &format!("Feed {n}"))
                .await,
        );
    }
    // The decision path on node two names the first relationship (by id) still in force.
    let path_on_two = || async {
        let v: Value = http
            .post(format!("{}/authz/v1/check", two.base))
            .bearer_auth(&customer)
            .json(
                &json!({"userPrincipalName": "tech@partnerone.onmicrosoft.com",
                          "tenantId": "33333333-3333-4333-8333-333333333333",
                          "action": "microsoft.directory/users/password/update"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["path"]["relationshipId"].as_str().map(str::to_owned)
    };
    // Wait until every assignment is active and node two knows it.
    ids.sort();
    let deadline = Instant::now() + Duration::from_secs(20);
    while path_on_two().await.as_deref() != Some(ids[0].as_str()) {
        assert!(
            Instant::now() < deadline,
            "node two never allowed the technician"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut delays = Vec::new();
    for id in &ids[..SAMPLES - 1] {
        assert_eq!(path_on_two().await.as_deref(), Some(id.as_str()));
        let started = Instant::now();
        let r = http
            .post(format!("{}{RELS}/{id}/requests", one.base))
            .bearer_auth(&partner)
            .json(&json!({"action": "terminate"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        while path_on_two().await.as_deref() == Some(id.as_str()) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the termination never reached node two"
            );
        }
        delays.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    delays.sort_by(f64::total_cmp);
    println!(
        "propagation from node one's commit to node two's decisions over {} changes: p50 {:.1} ms, max {:.1} ms",
        delays.len(),
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
    assert!(delays[delays.len() - 1] < 1000.0, "{delays:?}");
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_appointed_on_one_node_receives_the_next_invitation_sent_by_the_other() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let partner = partner_token(&http, &two.base).await;
    // Creates and locks a relationship on node two; returns to whom its invitation went.
    let invite = |name: String| {
        let (http, base, partner) = (http.clone(), two.base.clone(), partner.clone());
        async move {
            let created = create(&http, &base, &partner, &name).await;
            let id = created["id"].as_str().unwrap().to_owned();
            let lock = http
                .post(format!("{base}{RELS}/{id}/requests"))
                .bearer_auth(&partner)
                .json(&json!({"action": "lockForApproval"}))
                .send()
                .await
                .unwrap();
            assert_eq!(lock.status(), 201);
            let outbox = common::outbox(&http, &base).await;
            let mut to: Vec<String> = outbox["value"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["relationshipId"] == id.as_str())
                .map(|m| m["to"].as_str().unwrap().to_owned())
                .collect();
            to.sort();
            to
        }
    };
    let new_admin = "user@customera.onmicrosoft.com".to_owned();
    // Node two learns the customer's approvers.
    assert!(!invite("Before".into()).await.contains(&new_admin));
    let ga = customer_admin_token(&http, &one.base, "https://graph.microsoft.com/.default").await;
    let grant = http
        .post(format!(
            "{}/v1.0/roleManagement/directory/roleAssignments",
            one.base
        ))
        .bearer_auth(&ga)
        .json(&json!({"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
                      "principalId": "33333333-0000-4000-8000-000000000002", "directoryScopeId": "/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(grant.status(), 201);
    // Node two hears of the appointment through the change feed, well before its cache would
    // have expired by itself.
    let started = Instant::now();
    let mut n = 0;
    while !invite(format!("After {n}")).await.contains(&new_admin) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "node two kept inviting the old approvers only"
        );
        n += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_to_one_node_right_after_a_change_on_the_other_starts_from_the_change() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let rels = |base: &str| format!("{base}{RELS}");
    for n in 0..10 {
        // Node two writes it, so node two holds a copy of version one.
        let created = create(&http, &two.base, &t, &format!("Fresh {n}")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let etag = created["@odata.etag"].as_str().unwrap().to_owned();
        // Node one renames it; node two locks it at once, before it has likely heard of the rename.
        let renamed = http
            .patch(format!("{}/{id}", rels(&one.base)))
            .bearer_auth(&t)
            .header("If-Match", &etag)
            .json(&json!({"displayName": format!("Renamed {n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(renamed.status(), 200);
        let renamed: Value = renamed.json().await.unwrap();
        // The lock names the version node one wrote: it must be judged against that one.
        let lock = http
            .post(format!("{}/{id}/requests", rels(&two.base)))
            .bearer_auth(&t)
            .header("If-Match", renamed["@odata.etag"].as_str().unwrap())
            .json(&json!({"action": "lockForApproval"}))
            .send()
            .await
            .unwrap();
        assert_eq!(lock.status(), 201, "{}", lock.text().await.unwrap());
        let stored: Value = http
            .get(format!("{}/{id}", rels(&one.base)))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            stored["displayName"],
            format!("Renamed {n}"),
            "the rename survives"
        );
        assert_eq!(stored["status"], "approvalPending");
        // A stale tag is still refused, whichever copy the node starts from.
        let stale = http
            .post(format!("{}/{id}/requests", rels(&two.base)))
            .bearer_auth(&t)
            .header("If-Match", &etag)
            .json(&json!({"action": "terminate"}))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 412);
    }
    drop((one, two));
    db.drop_now().await;
}

/// A password sign-in of `upn` at `base` from the address `from`: the answer's text.
async fn sign_in_from(from: &str, base: &str, upn: &str, password: &str) -> String {
    let http = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    http.post(format!(
        "{base}/customera.onmicrosoft.com/oauth2/v2.0/token"
    ))
    .form(&[
        ("grant_type", "password"),
        ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
        ("username", upn),
        ("password", password),
        ("scope", "https://graph.microsoft.com/.default"),
    ])
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockouts_and_revocations_hold_across_nodes_behind_one_balancer() {
    let Some(db) = Database::fresh().await else {
        eprintln!("GDAP_TEST_POSTGRES not set; skipped");
        return;
    };
    let (a, b) = (node(&db.url), node(&db.url));
    let ga = "ga@customera.onmicrosoft.com";
    // The administrator signs in from its usual place through node A.
    let ok = sign_in_from("127.0.0.1", &a.base, ga, "Ga-Pass-1").await;
    assert!(ok.contains("access_token"), "{ok}");
    // A stranger's guesses, spread over both nodes, add up to one lockout on both.
    let mut last = String::new();
    for n in 0..12 {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        last = sign_in_from("127.0.0.2", base, ga, "wrong-guess").await;
    }
    assert!(last.contains("AADSTS50053"), "{last}");
    let other = sign_in_from("127.0.0.2", &a.base, ga, "wrong-guess").await;
    assert!(other.contains("AADSTS50053"), "{other}");
    // The administrator's usual place is known to both nodes.
    let ok = sign_in_from("127.0.0.1", &b.base, ga, "Ga-Pass-1").await;
    assert!(ok.contains("access_token"), "{ok}");

    // A user disabled through node A can no longer use its token on node B.
    let http = reqwest::Client::new();
    let cdara = token(
        &http,
        &b.base,
        "customera.onmicrosoft.com",
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "cdara@customera.onmicrosoft.com"),
            ("password", "Cdara-Pass-1"),
            ("scope", "https://admin.microsoft.com/.default"),
        ],
    )
    .await;
    let partners = format!("{}/admincenter/v1/partners", b.base);
    let before = http
        .get(&partners)
        .bearer_auth(&cdara)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 200);
    let admin = customer_admin_token(&http, &a.base, "https://graph.microsoft.com/.default").await;
    let off = http
        .patch(format!(
            "{}/v1.0/users/cdara@customera.onmicrosoft.com",
            a.base
        ))
        .bearer_auth(&admin)
        .json(&json!({"accountEnabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 204);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let r = http
            .get(&partners)
            .bearer_auth(&cdara)
            .send()
            .await
            .unwrap();
        if r.status() == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node B still accepts the disabled user's token"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop((a, b));
    db.drop_now().await;
}

/// The customer's administrator accepts the Microsoft Customer Agreement, which approving needs.
async fn accept_agreement(http: &reqwest::Client, base: &str, customer: &str) {
    let r = http
        .post(format!("{base}/admincenter/v1/customerAgreement"))
        .bearer_auth(customer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
