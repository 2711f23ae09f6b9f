//! Bulk onboarding of many customers with `gdap bulk` against `gdap serve` on SQLite, both release
//! builds started as a user starts them. Timed: what the tool does — the first run (look up,
//! create, lock; gdap mails each invitation on the lock) and, once every customer approved, the
//! second run (look up the assignments, give two groups their roles). Not timed: the customers'
//! approvals, driven by the bench with tokens obtained beforehand, and their activation.

use std::process::Command;

use super::*;

/// The partner's two groups the template gives roles to.
const GROUPS: [&str; 2] = [
    "8777b240-aaaa-4aaa-8aaa-000000000001",
    "8777b240-aaaa-4aaa-8aaa-000000000002",
];
/// Customers worked on at once by the tool.
const CONCURRENCY: &str = "32";

fn customer(i: usize) -> String {
    format!("b0e00000-0000-4000-8000-{i:012x}")
}

/// A password hash as cheap to check as argon2 allows: signing 10,000 administrators in is not
/// what is measured.
fn cheap_hash(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(8, 1, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(b"gdap-bench-salt!").map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(argon
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string())
}

/// The partner with its application and groups (seeded from the world file).
fn world() -> Value {
    json!({"tenants": [{
        "id": PARTNER, "displayName": "Bench Partner", "domain": "benchpartner.onmicrosoft.com",
        "partner": {"types": ["cspDirect"]},
        "applications": [{"clientId": CLIENT_ID, "displayName": "bench", "secret": SECRET,
                          "permissions": ["DelegatedAdminRelationship.ReadWrite.All"]}],
        "groups": [{"id": GROUPS[0], "displayName": "Helpdesk"}, {"id": GROUPS[1], "displayName": "Users"}],
    }]})
}

/// `n` customers, each with a Global Administrator who accepted the customer agreement.
async fn fill(db: &str, n: usize) -> anyhow::Result<()> {
    use gdap_domain::customer::{
        AgreementAcceptance, CUSTOMER_AGREEMENT, CUSTOMER_AGREEMENT_VERSION,
    };
    use gdap_domain::directory::{Tenant, User};
    use gdap_domain::ids::UserId;
    let store = SqlStore::connect(db).await?;
    let now = time::OffsetDateTime::now_utc();
    let hash = cheap_hash("Bench-Pass-1")?;
    let ga = RoleDefinitionId::parse(gdap_domain::roles::GLOBAL_ADMINISTRATOR)?;
    let mut batch = gdap_store::DirectoryBatch::default();
    for i in 0..n {
        let id = TenantId::parse(&customer(i))?;
        let user = User {
            id: UserId::new_random(),
            tenant: id,
            user_principal_name: format!("ga@bulk{i}.onmicrosoft.com"),
            display_name: "Admin".into(),
            password_hash: Some(hash.clone()),
            roles: vec![ga],
            preferred_language: None,
            account_enabled: true,
        };
        batch.agreements.push(AgreementAcceptance {
            tenant: id,
            agreement: CUSTOMER_AGREEMENT.into(),
            version: CUSTOMER_AGREEMENT_VERSION.into(),
            accepted_by: user.id,
            accepted_by_upn: user.user_principal_name.clone(),
            accepted_at: now,
        });
        batch.tenants.push(Tenant {
            id,
            display_name: format!("Bulk customer {i}"),
            domain: format!("bulk{i}.onmicrosoft.com"),
            partner: None,
            created_at: now,
        });
        batch.users.push(user);
    }
    gdap_store::DirectoryStore::insert_directory(&store, batch).await?;
    Ok(())
}

/// Runs `gdap bulk` to its end: (wall seconds, its CPU seconds, its JSON summary).
fn timed_bulk(gdap: &str, args: &[String]) -> anyhow::Result<(f64, f64, Value)> {
    let t0 = Instant::now();
    let mut child = Command::new(gdap)
        .args(args)
        .env("GDAP_CLIENT_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id().to_string();
    let mut out = child.stdout.take().context("stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    // Its CPU time, read while it still exists (to 20 ms of its end).
    let mut cpu = 0.0;
    while child.try_wait()?.is_none() {
        cpu = cpu_secs(&pid).max(cpu);
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = t0.elapsed().as_secs_f64();
    let text = reader.join().map_err(|_| anyhow::anyhow!("reader"))?;
    let summary: Value = serde_json::from_str(&text).with_context(|| format!("summary: {text}"))?;
    Ok((wall, cpu, summary))
}

async fn token(http: &reqwest::Client, base: &str, i: usize) -> anyhow::Result<String> {
    let user = format!("ga@bulk{i}.onmicrosoft.com");
    let form = [
        ("grant_type", "password"),
        ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
        ("username", user.as_str()),
        ("password", "Bench-Pass-1"),
        ("scope", "https://admin.microsoft.com/.default"),
    ];
    token_for(http, base, &format!("bulk{i}.onmicrosoft.com"), &form).await
}

/// Each customer approves its invitation (16 at a time).
async fn approve_all(base: &str, tokens: &[String], ids: &[String]) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (t, id) in tokens.iter().zip(ids) {
        let (http, url, t) = (
            http.clone(),
            format!("{base}/admincenter/v1/gdapInvitations/{id}/approve"),
            t.clone(),
        );
        tasks.spawn(async move {
            let r = http.post(&url).bearer_auth(&t).send().await?;
            anyhow::ensure!(r.status().is_success(), "{url}: {}", r.status());
            Ok(())
        });
        if tasks.len() >= 16 {
            tasks.join_next().await.context("task")???;
        }
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(())
}

/// The relationship of each customer, in customer order, from the result file.
fn relationship_ids(results: &std::path::Path, n: usize) -> anyhow::Result<Vec<String>> {
    let mut by_tenant = std::collections::HashMap::new();
    for line in std::fs::read_to_string(results)?.lines() {
        let v: Value = serde_json::from_str(line)?;
        if let (Some(t), Some(id)) = (v["tenantId"].as_str(), v["relationshipId"].as_str()) {
            by_tenant.insert(t.to_owned(), id.to_owned());
        }
    }
    (0..n)
        .map(|i| {
            by_tenant
                .get(&customer(i))
                .cloned()
                .context("no relationship")
        })
        .collect()
}

/// Runs the measurement; returns the report.
pub async fn run(gdap: &str, dir: &std::path::Path, n: usize) -> anyhow::Result<String> {
    let (server, _) = seeded_server(gdap, dir, "bulk", &world(), "error", |db| async move {
        fill(&db, n).await
    })
    .await?;
    let base = server.base.clone();
    let server_pid = server.child.id().to_string();
    let mut csv = String::from("tenantId,customerName\n");
    for i in 0..n {
        csv.push_str(&format!("{},Bulk customer {i}\n", customer(i)));
    }
    let customers = dir.join("bulk-customers.csv");
    std::fs::write(&customers, csv)?;
    let templates = dir.join("bulk-templates.json");
    std::fs::write(
        &templates,
        json!({"name": "bench", "duration": "P730D",
               "roles": ["Helpdesk Administrator", "User Administrator"],
               "assignments": [{"group": GROUPS[0], "roles": ["Helpdesk Administrator"]},
                               {"group": GROUPS[1], "roles": ["User Administrator"]}]})
        .to_string(),
    )?;
    let results = dir.join("bulk-results.jsonl");
    let _ = std::fs::remove_file(&results);
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let args: Vec<String> = [
        "bulk",
        "--server",
        &base,
        "--tenant",
        PARTNER,
        "--client-id",
        CLIENT_ID,
        "--customers",
        &path(&customers),
        "--templates",
        &path(&templates),
        "--results",
        &path(&results),
        "--concurrency",
        CONCURRENCY,
        "--json",
    ]
    .map(str::to_owned)
    .to_vec();

    // The customers' tokens, beforehand.
    let http = reqwest::Client::new();
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        tokens.push(token(&http, &base, i).await?);
    }

    let cpu0 = cpu_secs(&server_pid);
    let (wall1, client1, first) = timed_bulk(gdap, &args)?;
    let cpu1 = cpu_secs(&server_pid);
    if first["awaitingApproval"].as_u64() != Some(n as u64) {
        bail!(
            "the first run did not invite every customer: {} failed, first {}",
            first["failed"],
            first["failures"][0]
        );
    }

    approve_all(&base, &tokens, &relationship_ids(&results, n)?).await?;
    // Activation follows the approval by a lifecycle step or two.
    let url = format!(
        "{base}/v1.0/tenantRelationships/delegatedAdminRelationships?$filter=status eq 'active'&$count=true&$top=1"
    );
    let partner = partner_token(&http, &base).await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let v: Value = http
            .get(&url)
            .bearer_auth(&partner)
            .send()
            .await?
            .json()
            .await?;
        if v["@odata.count"].as_u64() == Some(n as u64) {
            break;
        }
        if Instant::now() > deadline {
            bail!("not every relationship became active: {v}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let cpu2 = cpu_secs(&server_pid);
    let (wall2, client2, second) = timed_bulk(gdap, &args)?;
    let cpu3 = cpu_secs(&server_pid);
    if second["done"].as_u64() != Some(n as u64)
        || second["assignments"].as_u64() != Some(2 * n as u64)
    {
        bail!(
            "the second run did not assign every customer: {} done, {} failed, first {}",
            second["done"],
            second["failed"],
            second["failures"][0]
        );
    }
    let requests =
        first["requests"].as_u64().unwrap_or(0) + second["requests"].as_u64().unwrap_or(0);
    let total = wall1 + wall2;
    let mut out = format!(
        "### Bulk onboarding of {n} customers (`gdap bulk`, {CONCURRENCY} at once, against `gdap serve` on SQLite)\n\n\
         | Run | what the tool does | wall | tool CPU | server CPU | requests |\n|---|---|---|---|---|---|\n"
    );
    out.push_str(&format!(
        "| first | look up, create, lock (gdap mails the invitation) | {wall1:.1} s | {client1:.1} s | {:.1} s | {} |\n",
        cpu1 - cpu0,
        first["requests"]
    ));
    out.push_str(&format!(
        "| second, after the approvals | look up, assign two groups | {wall2:.1} s | {client2:.1} s | {:.1} s | {} |\n",
        cpu3 - cpu2,
        second["requests"]
    ));
    out.push_str(&format!(
        "\nTogether {total:.1} s for {n} customers ({:.0} customers/s, {:.0} requests/s; target ≤ 120 s): {}.\n",
        n as f64 / total,
        requests as f64 / total,
        if total <= 120.0 { "met" } else { "missed" }
    ));
    drop(server);
    Ok(out)
}
