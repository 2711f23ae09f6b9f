//! Bulk jobs through the API: a real gdap on SQLite carries out the onboarding its partner's
//! application asked for, is killed with SIGKILL halfway and restarted, resumes without creating
//! anything twice, and finishes once the customers (driven by the test) approve.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

mod common;
mod onboarding;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use onboarding::{approve_all, assert_onboarded, gdap_serve, scene, Scene};
use serde_json::{json, Value};

const JOBS: &str = "/bulk/v1/jobs";

/// The job request of a scene: its customers file and templates as they are.
fn request(s: &Scene) -> Value {
    json!({
        "customers": std::fs::read_to_string(&s.customers).unwrap(),
        "templates": serde_json::from_str::<Value>(&std::fs::read_to_string(&s.templates).unwrap()).unwrap(),
        "template": "agencies",
        "pollSeconds": 1,
        "concurrency": 8,
    })
}

async fn app_token(
    http: &reqwest::Client,
    base: &str,
    tenant: &str,
    id: &str,
    secret: &str,
) -> String {
    common::token(
        http,
        base,
        tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}

async fn job(http: &reqwest::Client, url: &str, t: &str) -> Value {
    let r = http.get(url).bearer_auth(t).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.unwrap()
}

/// Polls the job at `url` until `done` holds of it.
async fn wait_for(
    http: &reqwest::Client,
    url: &str,
    t: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let j = job(http, url, t).await;
        if done(&j) {
            return j;
        }
        assert!(Instant::now() < deadline, "waiting for {what}: {j}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn steps(j: &Value, step: &str) -> u64 {
    j["steps"][step].as_u64().unwrap_or(0)
}

/// Every result record of a job, page after page.
async fn records(http: &reqwest::Client, url: &str, t: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next = Some(format!("{url}/records"));
    while let Some(u) = next {
        let page = job(http, &u, t).await;
        out.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_job_killed_with_its_server_resumes_and_onboards_each_customer_once() {
    const N: usize = 60;
    let s = scene(N);
    let http = reqwest::Client::new();
    let (gdap, base) = gdap_serve(&s, &[]);
    let t = common::partner_token(&http, &base).await;
    let r = http
        .post(format!("{base}{JOBS}"))
        .bearer_auth(&t)
        .json(&request(&s))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(location, format!("{base}{JOBS}/{id}"));

    // Killed once a third of the customers are under way.
    wait_for(&http, &location, &t, "a third under way", |j| {
        ["created", "locked", "invited"]
            .iter()
            .map(|s| steps(j, s))
            .sum::<u64>()
            >= (N / 3) as u64
    })
    .await;
    drop(gdap);
    let (_gdap, base) = gdap_serve(&s, &[]);
    let t = common::partner_token(&http, &base).await;
    let url = format!("{base}{JOBS}/{id}");
    let j = wait_for(&http, &url, &t, "every customer invited", |j| {
        steps(j, "invited") == N as u64
    })
    .await;
    assert_eq!(j["status"], "running", "it waits for approvals: {j}");
    assert_eq!(j["rows"], N);

    // Each customer's relationship, from the job's records: one per customer, never two.
    let mut ids: HashMap<String, String> = HashMap::new();
    for r in records(&http, &url, &t).await {
        if let (Some(c), Some(rel)) = (r["tenantId"].as_str(), r["relationshipId"].as_str()) {
            let before = ids.insert(c.to_owned(), rel.to_owned());
            assert!(before.is_none_or(|b| b == rel), "{c} got two relationships");
        }
    }
    assert_eq!(ids.len(), N);
    approve_all(&base, &ids, N).await;

    let j = wait_for(&http, &url, &t, "the job to complete", |j| {
        j["status"] == "completed"
    })
    .await;
    assert_eq!(j["summary"]["done"], N, "{j}");
    assert_eq!(j["summary"]["failed"], 0, "{j}");
    assert_eq!(steps(&j, "assigned"), N as u64, "{j}");
    assert_onboarded(&base, N).await;

    // Listed for its partner; an ended job cannot be cancelled.
    let list = job(&http, &format!("{base}{JOBS}"), &t).await;
    assert!(list["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["id"] == id.as_str()));
    let r = http.delete(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "conflict"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_jobs_are_for_the_partners_own_applications_and_bad_input_is_refused_whole_or_by_row()
{
    let s = scene(3);
    let http = reqwest::Client::new();
    let (_gdap, base) = gdap_serve(&s, &[]);
    let t = common::partner_token(&http, &base).await;
    let post = |body: Value, token: String| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let r = http
                .post(format!("{base}{JOBS}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };

    // A user's sign-in does not last as long as a job: only applications ask for one.
    let user = common::token(
        &http,
        &base,
        common::PARTNER,
        &[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", "agent@partnerone.onmicrosoft.com"),
            ("password", "Agent-Pass-1"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    let (status, body) = post(request(&s), user).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("application"));
    // An application that may only read relationships may not start one.
    let reader = app_token(
        &http,
        &base,
        common::PARTNER,
        "11111111-cccc-4ccc-8ccc-000000000002",
        "reader-secret",
    )
    .await;
    assert_eq!(post(request(&s), reader).await.0, 403);

    // Malformed requests are refused whole, naming what is wrong.
    let mut no_tenant = request(&s);
    no_tenant["customers"] = json!("customerName,adminEmail\nAgency,ga@agency.example\n");
    let mut bad_wait = request(&s);
    bad_wait["approvalWaitDays"] = json!(0);
    let mut unnamed = request(&s);
    unnamed["templates"] = json!([{"duration": "P30D", "roles": ["Helpdesk Administrator"]}]);
    let mut unknown = request(&s);
    unknown["template"] = json!("nope");
    let mut extra = request(&s);
    extra["dryRun"] = json!(true);
    for (body, names) in [
        (no_tenant, "tenantId"),
        (bad_wait, "approvalWaitDays"),
        (unnamed, "name"),
        (unknown, "nope"),
        (extra, "dryRun"),
        (json!({"customers": 42, "templates": []}), "customers"),
    ] {
        let (status, answer) = post(body, t.clone()).await;
        assert_eq!(status, 400, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{names}: {message}");
    }

    // A bad row fails alone, naming its row and field; the others are done.
    let mut req = request(&s);
    let csv = req["customers"].as_str().unwrap().to_owned();
    req["customers"] = json!(format!(
        "{csv}not-a-tenant,Broken Ltd.,ga@broken.example,en\n"
    ));
    let (status, created) = post(req, t.clone()).await;
    assert_eq!(status, 202, "{created}");
    let url = format!("{base}{JOBS}/{}", created["id"].as_str().unwrap());
    let j = wait_for(&http, &url, &t, "the rows to be invited or fail", |j| {
        steps(j, "invited") == 3 && steps(j, "failed") == 1
    })
    .await;
    assert_eq!(j["rows"], 4);

    // At most five of a partner's jobs run at once.
    for _ in 0..4 {
        assert_eq!(post(request(&s), t.clone()).await.0, 202);
    }
    let (status, body) = post(request(&s), t.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("running"));
    let listed = job(&http, &format!("{base}{JOBS}"), &t).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 5);
    assert!(listed["value"][0].get("steps").is_none(), "read by id only");

    // Another partner's application does not see it.
    let other = app_token(
        &http,
        &base,
        "22222222-2222-4222-8222-222222222222",
        "22222222-cccc-4ccc-8ccc-000000000001",
        "two-secret",
    )
    .await;
    let r = http.get(&url).bearer_auth(&other).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = http.delete(&url).bearer_auth(&other).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let theirs = job(&http, &format!("{base}{JOBS}"), &other).await;
    assert!(theirs["value"].as_array().unwrap().is_empty());

    // Its partner cancels it while it waits for approvals; it stays cancelled.
    let failed: Vec<Value> = records(&http, &url, &t)
        .await
        .into_iter()
        .filter(|r| r["step"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["row"], 5);
    assert_eq!(failed[0]["field"], "tenantId");
    let r = http.delete(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let j = job(&http, &url, &t).await;
    assert_eq!(j["status"], "cancelled", "{j}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_told_to_stop_while_a_job_waits_for_approvals_stops_at_once_and_keeps_the_job() {
    let s = scene(3);
    let http = reqwest::Client::new();
    let (mut gdap, base) = gdap_serve(&s, &[]);
    let t = common::partner_token(&http, &base).await;
    let mut req = request(&s);
    // Between two looks for approvals it waits ten minutes.
    req["pollSeconds"] = json!(600);
    let r = http
        .post(format!("{base}{JOBS}"))
        .bearer_auth(&t)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{base}{JOBS}/{id}");
    wait_for(&http, &url, &t, "every customer invited", |j| {
        steps(j, "invited") == 3
    })
    .await;
    let pid = gdap.0.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while gdap.0.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "gdap serve did not stop while a job waited"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(gdap);
    // The job is kept for the next start, where it was.
    let (_gdap, base) = gdap_serve(&s, &[]);
    let t = common::partner_token(&http, &base).await;
    let j = job(&http, &format!("{base}{JOBS}/{id}"), &t).await;
    assert_eq!(j["status"], "running", "{j}");
    assert_eq!(steps(&j, "invited"), 3, "{j}");
}
