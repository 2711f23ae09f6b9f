//! `gdap-bench --partner-center`: Partner Center's `GET /v1/customers` for a partner with 10,000
//! customers (a third of them with DAP), served by a release `gdap serve` and called as Partner
//! Center's samples call it (an App+User token, a request id and a correlation id); timed on the
//! server (`Server-Timing`).

use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::{pct, server_ms};

const CUSTOMERS: usize = 10_000;
const PARTNER: &str = "6b0d3c2a-7e45-4f1e-9a8c-000000000001";
const UPN: &str = "admin@pcbenchpartner.onmicrosoft.com";
const PASSWORD: &str = "Bench-Pass-1";
const SCOPE: &str = "https://api.partnercenter.microsoft.com/.default";

fn customer_id(i: usize) -> String {
    format!("9c1e4f70-2b3d-4e5f-8a6b-{:012x}", i + 1)
}

fn world() -> Value {
    let mut tenants = vec![json!({
        "id": PARTNER, "displayName": "PC Bench Partner", "domain": "pcbenchpartner.onmicrosoft.com",
        "partner": {"mpnId": "4000004", "types": ["cspDirect"]},
        "users": [{"userPrincipalName": UPN, "displayName": "Admin", "password": PASSWORD,
                   "roles": ["62e90394-69f5-4237-9190-012177145e10"]}],
    })];
    for i in 0..CUSTOMERS {
        tenants.push(json!({
            "id": customer_id(i), "displayName": format!("Customer {i:05}"),
            "domain": format!("customer{i}.onmicrosoft.com"),
            "partners": [{"domain": "pcbenchpartner.onmicrosoft.com", "reseller": true, "dap": i % 3 == 0}],
        }));
    }
    json!({ "tenants": tenants })
}

struct Call<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    token: &'a str,
}

impl Call<'_> {
    async fn get(&self, path: &str, continuation: Option<&str>) -> anyhow::Result<(f64, Value)> {
        let mut req = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token)
            .header("MS-RequestId", uuid::Uuid::new_v4().to_string())
            .header("MS-CorrelationId", uuid::Uuid::new_v4().to_string());
        if let Some(c) = continuation {
            req = req.header("MS-ContinuationToken", c);
        }
        let res = req.send().await?;
        let ms = server_ms(&res);
        if !res.status().is_success() {
            bail!("{path}: {} {}", res.status(), res.text().await?);
        }
        Ok((ms, res.json().await?))
    }
}

/// Walks 500-customer pages to about `depth` and returns the continuation token from there.
async fn deep_token(call: &Call<'_>, depth: usize) -> anyhow::Result<String> {
    let (_, mut page) = call.get("/v1/customers?size=500", None).await?;
    let mut seen = 0;
    loop {
        seen += page["items"].as_array().map_or(0, Vec::len);
        let token = page["links"]["next"]["headers"][0]["value"]
            .as_str()
            .context("ran out of pages")?
            .to_owned();
        if seen >= depth {
            return Ok(token);
        }
        page = call
            .get("/v1/customers?size=500&seekOperation=Next", Some(&token))
            .await?
            .1;
    }
}

/// Runs the benchmark and prints its Markdown rows.
pub async fn run(gdap: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let (server, _) =
        crate::seeded_server(gdap, dir, "partner-center", &world(), "warn", |_| async {
            Ok(())
        })
        .await?;
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!(
            "{}/pcbenchpartner.onmicrosoft.com/oauth2/v2.0/token",
            server.base
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
            ("username", UPN),
            ("password", PASSWORD),
            ("scope", SCOPE),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no token")?
        .to_owned();
    let call = Call {
        client: &client,
        base: &server.base,
        token: &token,
    };
    let deep = deep_token(&call, CUSTOMERS * 9 / 10).await?;
    let filter =
        urlencode(r#"{"Field":"CompanyName","Value":"Customer 0712","Operator":"starts_with"}"#);
    let scenarios: [(&str, String, Option<&str>, usize); 6] = [
        (
            "first page (200, Partner Center's default)",
            "/v1/customers".into(),
            None,
            200,
        ),
        (
            "first page of 1 (what any call costs)",
            "/v1/customers?size=1".into(),
            None,
            1,
        ),
        (
            "first page of 500",
            "/v1/customers?size=500".into(),
            None,
            500,
        ),
        (
            "page of 200 at customer 9,000 (`MS-ContinuationToken`)",
            "/v1/customers?size=200&seekOperation=Next".into(),
            Some(deep.as_str()),
            200,
        ),
        (
            "`filter` on company name (10 of 10,000)",
            format!("/v1/customers?filter={filter}"),
            None,
            10,
        ),
        (
            "one customer by id",
            format!("/v1/customers/{}", customer_id(4321)),
            None,
            0,
        ),
    ];
    println!(
        "| `GET /v1/customers` (10,000 customers) | items | server p50 | server p99 | client p50 |"
    );
    println!("|---|---|---|---|---|");
    for (name, path, continuation, items) in scenarios {
        let (mut srv, mut cli) = (Vec::new(), Vec::new());
        for i in 0..220 {
            let t = Instant::now();
            let (ms, body) = call.get(&path, continuation).await?;
            let got = body["items"].as_array().map_or(0, Vec::len);
            if got != items || (items == 0 && body["id"].is_null()) {
                bail!("{path}: {got} items, expected {items}");
            }
            if i >= 20 {
                srv.push(ms);
                cli.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        println!(
            "| {name} | {items} | {:.2} ms | {:.2} ms | {:.2} ms |",
            pct(&mut srv, 0.5),
            pct(&mut srv, 0.99),
            pct(&mut cli, 0.5)
        );
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
