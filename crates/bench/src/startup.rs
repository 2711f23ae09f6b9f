//! `gdap serve` holding many relationships: how long it takes from process start to serving (the
//! authorization index is built from every relationship before the first request), and what it
//! keeps resident, right after start, under paging and a while after.

use super::*;

/// Runs the measurement over `n` relationships; returns the report.
/// `keep`: a database filled by an earlier run (`--db FILE`), kept for the next.
pub async fn run(
    gdap: &str,
    dir: &std::path::Path,
    n: usize,
    keep: Option<&str>,
) -> anyhow::Result<String> {
    let db = match keep {
        Some(path) => path.to_owned(),
        None => dir.join("startup.db").to_str().context("path")?.to_owned(),
    };
    let world_path = dir.join("startup-world.json");
    std::fs::write(&world_path, world().to_string())?;
    if !std::path::Path::new(&db).exists() {
        let t = Instant::now();
        populate(&db, n).await?;
        eprintln!(
            "populated {n} relationships in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let args = serve_args(world_path.to_str().context("path")?, &db, "info");
    // The first start migrates and seeds; the measured ones open a database ready for use.
    drop(start(gdap, &args, "gdap listening on ")?);
    let mut starts = Vec::new();
    let mut after_start = Vec::new();
    for _ in 0..3 {
        let (server, took) = start(gdap, &args, "gdap listening on ")?;
        starts.push(took.as_secs_f64());
        // What stays once the start-up load is freed.
        tokio::time::sleep(Duration::from_secs(2)).await;
        after_start.push(rss_mb(server.child.id()).0);
        drop(server);
    }
    let (server, _) = start(gdap, &args, "gdap listening on ")?;
    let client = reqwest::Client::new();
    let token = partner_token(&client, &server.base).await?;
    // Paging through a tenth of the relationships, with and without a filter.
    let rels = format!(
        "{}/v1.0/tenantRelationships/delegatedAdminRelationships",
        server.base
    );
    for filter in ["", "&$filter=status eq 'active'"] {
        let mut url = format!("{rels}?$top=300{filter}");
        for _ in 0..(n / 10 / 300).max(1) {
            let page: Value = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            match page["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
        }
    }
    let (busy, _) = rss_mb(server.child.id());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rest, peak) = rss_mb(server.child.id());
    drop(server);
    starts.sort_by(f64::total_cmp);
    after_start.sort_by(f64::total_cmp);
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    let worst_start = starts.last().copied().unwrap_or(f64::NAN);
    Ok(format!(
        "### `gdap serve` holding {n} relationships (SQLite)\n\n\
         | | |\n|---|---|\n\
         | start-up, process start to serving (3 runs) | {:.2} s median, {worst_start:.2} s worst (target ≤ 15 s: {}) |\n\
         | resident 2 s after start (3 runs) | {:.0} MB median |\n\
         | resident after paging through {} of them | {busy:.0} MB |\n\
         | 3 s later | {rest:.0} MB |\n\
         | peak resident | {peak:.0} MB (target ≤ 1 GB: {}) |\n",
        starts[starts.len() / 2],
        verdict(worst_start <= 15.0),
        after_start[after_start.len() / 2],
        n / 10 * 2,
        verdict(peak <= 1024.0),
    ))
}
