//! The create + lock part: clients creating relationships and locking them for approval, on
//! SQLite or through several nodes on PostgreSQL, and the PostgreSQL databases it runs in.

use super::*;

pub(crate) async fn create_and_lock(
    client: reqwest::Client,
    base: String,
    token: Arc<String>,
    from: usize,
    count: usize,
    lat: Arc<std::sync::Mutex<Samples>>,
) -> anyhow::Result<()> {
    for i in from..from + count {
        let body = json!({
            "displayName": format!("Throughput {i:06}"), "duration": "P730D",
            "customer": {"tenantId": customer_id(i % CUSTOMERS)},
            "accessDetails": {"unifiedRoles": ROLES.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()},
        });
        let t = Instant::now();
        let res = client
            .post(format!(
                "{base}/v1.0/tenantRelationships/delegatedAdminRelationships"
            ))
            .bearer_auth(token.as_str())
            .json(&body)
            .send()
            .await?;
        let s1 = server_ms(&res);
        if res.status() != 201 {
            bail!("create: {}", res.text().await?);
        }
        let id = res.json::<Value>().await?["id"]
            .as_str()
            .context("id")?
            .to_owned();
        let res = client
            .post(format!(
                "{base}/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/requests"
            ))
            .bearer_auth(token.as_str())
            .json(&json!({"action": "lockForApproval"}))
            .send()
            .await?;
        let s2 = server_ms(&res);
        if res.status() != 201 {
            bail!("lock: {}", res.text().await?);
        }
        let mut l = lat.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        l.server.push(s1 + s2);
        l.client.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(())
}

/// Rounds of the create + lock part.
pub(crate) const WRITE_ROUNDS: usize = 3;
/// Relationships created and locked in each round.
pub(crate) const PER_ROUND: usize = 5_000;
/// Concurrent clients of the create + lock part, spread over the nodes.
pub(crate) const WORKERS: usize = 32;

/// One round of the create + lock part: `WORKERS` clients, each creating and locking its share
/// of `PER_ROUND` relationships (numbered from `first`), round robin over the nodes. Returns how
/// many were done.
pub(crate) async fn write_round(
    client: &reqwest::Client,
    bases: &[String],
    token: &Arc<String>,
    first: usize,
    lat: &Arc<std::sync::Mutex<Samples>>,
) -> anyhow::Result<usize> {
    let share = PER_ROUND / WORKERS;
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        tasks.push(tokio::spawn(create_and_lock(
            client.clone(),
            bases[w % bases.len()].clone(),
            token.clone(),
            first + w * share,
            share,
            lat.clone(),
        )));
    }
    for task in tasks {
        task.await??;
    }
    Ok(share * WORKERS)
}

/// Brings a freshly populated PostgreSQL database to the steady state of one in service
/// (statistics gathered, dead rows vacuumed, the bulk load checkpointed), so that no autovacuum
/// or checkpoint of the load itself lands in the measured part.
pub(crate) async fn settle_pg(url: &str) -> anyhow::Result<()> {
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
    sqlx::query("CHECKPOINT").execute(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Creates a fresh database on a PostgreSQL server; returns its name and URL.
pub(crate) async fn create_pg_database(admin: &str) -> anyhow::Result<(String, String)> {
    let name = format!("gdap_bench_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok((name.clone(), format!("{base}/{name}")))
}

pub(crate) async fn drop_pg_database(admin: &str, name: &str) -> anyhow::Result<()> {
    let pool = sqlx::PgPool::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(())
}
