//! The scene of bulk onboarding tests: a test world with many customers (each with a Global
//! Administrator), a customers file and a role template; the customers' approvals; and the check
//! that each customer was onboarded exactly once.
#![allow(dead_code, reason = "each test binary uses the helpers it needs")]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{self, ADMIN_AGENTS, GA, HELPDESK_AGENTS, RELS};

pub fn tenant(i: usize) -> String {
    format!("a9e00000-0000-4000-8000-{i:012x}")
}

pub fn admin(i: usize) -> String {
    format!("ga@agency{i:03}.onmicrosoft.com")
}

pub struct Scene {
    pub dir: PathBuf,
    pub world: PathBuf,
    pub customers: PathBuf,
    pub templates: PathBuf,
    pub results: PathBuf,
}

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The test world plus `n` insurance agencies (each with a Global Administrator), the customers
/// file listing them and a template giving two groups their roles.
pub fn scene(n: usize) -> Scene {
    let dir = std::env::temp_dir().join(format!("gdap-bulk-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut world: Value = serde_json::from_str(include_str!("../api/world.json")).unwrap();
    let mut csv = String::from("tenantId,customerName,adminEmail,language\n");
    for i in 0..n {
        world["tenants"].as_array_mut().unwrap().push(json!({
            "id": tenant(i),
            "displayName": format!("Agency {i:03}"),
            "domain": format!("agency{i:03}.onmicrosoft.com"),
            "customerAgreementAccepted": true,
            "users": [{"userPrincipalName": admin(i), "displayName": "GA",
                       "password": "Agency-Pass-1", "roles": [GA]}],
        }));
        let lang = if i % 2 == 0 { "ja" } else { "en" };
        csv.push_str(&format!(
            "{},\"Agency {i:03}, Ltd.\",{},{lang}\n",
            tenant(i),
            admin(i)
        ));
    }
    let s = Scene {
        world: dir.join("world.json"),
        customers: dir.join("customers.csv"),
        templates: dir.join("templates.json"),
        results: dir.join("results.jsonl"),
        dir,
    };
    std::fs::write(&s.world, world.to_string()).unwrap();
    std::fs::write(&s.customers, csv).unwrap();
    let templates = json!([{
        "name": "agencies", "duration": "P730D",
        "roles": ["Helpdesk Administrator", "User Administrator"],
        "assignments": [
            {"group": HELPDESK_AGENTS, "roles": ["Helpdesk Administrator"]},
            {"group": ADMIN_AGENTS, "roles": ["User Administrator", "Helpdesk Administrator"]}
        ]
    }]);
    std::fs::write(&s.templates, templates.to_string()).unwrap();
    s
}

pub fn gdap_serve(s: &Scene, extra: &[&str]) -> (common::Proc, String) {
    let db = s.dir.join("gdap.db");
    let (child, base) = common::serve_dev(s.world.to_str().unwrap(), db.to_str().unwrap(), extra);
    (common::Proc(child), base)
}

/// Each agency's Global Administrator approves its invitation, as the approval page does.
pub async fn approve_all(base: &str, ids: &HashMap<String, String>, n: usize) {
    let http = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let id = ids[&tenant(i)].clone();
        let (http, base) = (http.clone(), base.to_owned());
        tasks.spawn(async move {
            let upn = admin(i);
            let t = common::token(
                &http,
                &base,
                upn.split('@').nth(1).unwrap(),
                &[
                    ("grant_type", "password"),
                    ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                    ("username", &upn),
                    ("password", "Agency-Pass-1"),
                    ("scope", "https://admin.microsoft.com/.default"),
                ],
            )
            .await;
            let r = http
                .post(format!(
                    "{base}/admincenter/v1/gdapInvitations/{id}/approve"
                ))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        });
        if tasks.len() >= 4 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(t) = tasks.join_next().await {
        t.unwrap();
    }
}

/// A Graph read, waiting out throttling as Graph asks.
pub async fn get(http: &reqwest::Client, url: &str, t: &str) -> Value {
    loop {
        let r = http.get(url).bearer_auth(t).send().await.unwrap();
        if r.status() == 429 {
            let wait: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        assert_eq!(r.status(), 200, "{url}");
        return r.json().await.unwrap();
    }
}

/// Each of the `n` agencies has exactly one relationship, active, and exactly the template's two groups
/// hold live assignments in it.
pub async fn assert_onboarded(base: &str, n: usize) {
    let http = reqwest::Client::new();
    let t = common::partner_token(&http, base).await;
    let mut per_customer: HashMap<String, Vec<Value>> = HashMap::new();
    let mut url = format!("{base}{RELS}?$top=300");
    loop {
        let page = get(&http, &url, &t).await;
        for r in page["value"].as_array().unwrap() {
            if let Some(c) = r["customer"]["tenantId"].as_str() {
                per_customer
                    .entry(c.to_owned())
                    .or_default()
                    .push(r.clone());
            }
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    for i in 0..n {
        let rels = &per_customer[&tenant(i)];
        assert_eq!(rels.len(), 1, "agency {i}: {rels:?}");
        assert_eq!(rels[0]["status"], "active", "agency {i}");
        let id = rels[0]["id"].as_str().unwrap();
        let assignments = get(&http, &format!("{base}{RELS}/{id}/accessAssignments"), &t).await;
        let groups: Vec<&str> = assignments["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] != "deleted")
            .map(|a| a["accessContainer"]["accessContainerId"].as_str().unwrap())
            .collect();
        let set: HashSet<&str> = groups.iter().copied().collect();
        assert_eq!(groups.len(), 2, "agency {i}: {groups:?}");
        assert_eq!(set, HashSet::from([HELPDESK_AGENTS, ADMIN_AGENTS]));
    }
}
