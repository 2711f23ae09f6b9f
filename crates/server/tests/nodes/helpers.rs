//! What the tests of several nodes share: nodes, a fresh database, tokens, relationships.

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common;

pub(crate) const WORLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/world.json");
pub(crate) const RELS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships";

pub(crate) struct Node {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn node(db: &str) -> Node {
    node_with(db, &[])
}

pub(crate) fn node_with(db: &str, extra: &[&str]) -> Node {
    let (child, base) = common::serve_dev(WORLD, db, extra);
    Node { child, base }
}

pub(crate) struct Database {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl Database {
    pub(crate) async fn fresh() -> Option<Self> {
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

    pub(crate) async fn drop_now(self) {
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

pub(crate) use crate::common::{partner_token, token};

/// A token of customer A's Global Administrator for `scope`.
pub(crate) async fn customer_admin_token(
    http: &reqwest::Client,
    base: &str,
    scope: &str,
) -> String {
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
pub(crate) async fn create(http: &reqwest::Client, base: &str, partner: &str, name: &str) -> Value {
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

pub(crate) fn body(name: &str) -> Value {
    json!({"displayName": name, "duration": "P30D", "customer": {"tenantId": "33333333-3333-4333-8333-333333333333"},
           "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}})
}

/// The customer's administrator accepts the Microsoft Customer Agreement, which approving needs.
pub(crate) async fn accept_agreement(http: &reqwest::Client, base: &str, customer: &str) {
    let r = http
        .post(format!("{base}/admincenter/v1/customerAgreement"))
        .bearer_auth(customer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// A relationship with Customer A made active through `base`, with Helpdesk Agents (the
/// technician's group) holding Helpdesk Administrator; returns its id.
pub(crate) async fn technician_relationship(
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
