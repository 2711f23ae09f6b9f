//! `gdap-bench --pages`: the Partner relationships page of a customer with 50 partners and 500
//! relationships (one partner of all nine kinds), rendered by a release `gdap serve`, timed on the
//! server (`Server-Timing`).

use std::time::Instant;

use anyhow::{bail, Context};
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_store::{Changes, RelationshipStore, Write};
use gdap_store_sql::SqlStore;
use serde_json::{json, Value};

use crate::{pct, server_ms, ROLES};

const PARTNERS: usize = 50;
const PER_PARTNER: usize = 10;
const CUSTOMER: &str = "5fdbff88-9d6b-42e0-9713-000000000001";
const UPN: &str = "admin@bigcustomer.onmicrosoft.com";
const PASSWORD: &str = "Bench-Pass-1";

fn partner_id(i: usize) -> String {
    format!("8777b240-c6f0-4469-9e98-{:012x}", i + 1)
}

fn world() -> Value {
    let mut tenants: Vec<Value> = (0..PARTNERS)
        .map(|i| {
            json!({"id": partner_id(i), "displayName": format!("Partner {i:02}"),
                   "domain": format!("partner{i}.onmicrosoft.com"), "partner": {"types": ["cspDirect"]}})
        })
        .collect();
    let mut ties: Vec<Value> = (0..PARTNERS)
        .step_by(3)
        .map(|i| json!({"domain": format!("partner{i}.onmicrosoft.com"), "reseller": true, "dap": i % 2 == 0}))
        .collect();
    // Partner 07 is every kind of partner at once: with its relationships, all nine.
    ties.push(json!({"domain": "partner7.onmicrosoft.com", "reseller": true, "dap": true,
                     "types": ["indirectReseller", "isv", "lineOfBusiness", "mpsa", "oem", "partner"]}));
    tenants.push(json!({
        "id": CUSTOMER, "displayName": "Big Customer", "domain": "bigcustomer.onmicrosoft.com",
        "customerAgreementAccepted": true, "partners": ties,
        "users": [{"userPrincipalName": UPN, "displayName": "Admin", "password": PASSWORD,
                   "roles": ["62e90394-69f5-4237-9190-012177145e10"], "preferredLanguage": "ja"}],
    }));
    json!({ "tenants": tenants })
}

async fn populate(db: &str) -> anyhow::Result<()> {
    let store = SqlStore::connect(db).await?;
    let customer = TenantId::parse(CUSTOMER)?;
    let roles: Vec<RoleDefinitionId> = ROLES
        .iter()
        .map(|r| RoleDefinitionId::parse(r))
        .collect::<Result<_, _>>()?;
    let start = time::OffsetDateTime::now_utc() - time::Duration::days(400);
    let mut batch = Changes::default();
    for p in 0..PARTNERS {
        let partner = TenantId::parse(&partner_id(p))?;
        for k in 0..PER_PARTNER {
            let created = gdap_domain::timefmt::truncate_micros(
                start + time::Duration::days((p * PER_PARTNER + k) as i64 % 380),
            );
            let mut r = Relationship::create(
                partner,
                RelationshipDraft {
                    display_name: format!("Support {p:02}-{k:02}"),
                    duration: "P730D".into(),
                    auto_extend: None,
                    roles: roles.clone(),
                    customer: Some(CustomerParticipant {
                        tenant_id: customer,
                        display_name: Some("Big Customer".into()),
                    }),
                },
                Catalogue::builtin(),
                created,
            )?;
            r.locked_at = Some(created);
            r.status = match k % 5 {
                0 => RelationshipStatus::Terminated,
                1 => RelationshipStatus::Expired,
                _ => RelationshipStatus::Active,
            };
            r.activated_at = Some(created);
            batch.relationships.push(Write::Insert(r));
        }
    }
    store.commit(batch).await?;
    Ok(())
}

/// Signs in like a browser and returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let page = client.get(format!("{base}/signin")).send().await?;
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gdap_csrf="))
        .and_then(|c| c.split(';').next())
        .context("no CSRF cookie")?
        .to_owned();
    let body = page.text().await?;
    let at = body.find("name=\"csrf\" value=\"").context("no form")? + 19;
    let csrf = &body[at..at + body[at..].find('"').context("form")?];
    let res = client
        .post(format!("{base}/signin"))
        .header("cookie", &csrf_cookie)
        .form(&[
            ("csrf", csrf),
            ("upn", UPN),
            ("password", PASSWORD),
            ("return", "/"),
        ])
        .send()
        .await?;
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gdap_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .context("sign-in failed")
}

/// Runs the page benchmark and prints its Markdown rows.
pub async fn run(gdap: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let (server, _) = crate::seeded_server(gdap, dir, "pages", &world(), "warn", |db| async move {
        populate(&db).await
    })
    .await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = sign_in(&client, &server.base).await?;
    println!(
        "| page (50 partners, 500 relationships) | server p50 | server p99 | client p50 | bytes |"
    );
    println!("|---|---|---|---|---|");
    for (name, path) in [
        (
            "Partner relationships",
            "/adminportal/settings/partners".to_owned(),
        ),
        (
            "… Expired filter",
            "/adminportal/settings/partners?filter=expired".to_owned(),
        ),
        (
            "partner detail (all nine kinds, 10 relationships)",
            format!("/adminportal/settings/partners/{}", partner_id(7)),
        ),
        (
            "partner's audit log",
            format!("/adminportal/settings/partners/{}/audit", partner_id(7)),
        ),
    ] {
        let (mut srv, mut cli) = (Vec::new(), Vec::new());
        let mut bytes = 0;
        for i in 0..220 {
            let t = Instant::now();
            let res = client
                .get(format!("{}{path}", server.base))
                .header("cookie", &cookie)
                .send()
                .await?;
            let s = server_ms(&res);
            if res.status() != 200 {
                bail!("{path}: {}", res.status());
            }
            let body = res.text().await?;
            if !body.contains("Partner 07") {
                bail!("{path}: the page lacks its partners");
            }
            if path.ends_with(&partner_id(7)) && body.matches("data-kind=").count() != 9 {
                bail!("{path}: the page lacks some of the partner's nine kinds");
            }
            bytes = body.len();
            if i >= 20 {
                srv.push(s);
                cli.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {bytes} |",
            pct(&mut srv, 0.5),
            pct(&mut srv, 0.99),
            pct(&mut cli, 0.5)
        );
    }
    Ok(())
}
